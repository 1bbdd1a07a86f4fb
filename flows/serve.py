"""Serve the three flows as scheduled deployments on the local embedded Prefect.

``python -m flows serve`` (or ``python -m flows.serve``) registers the deployments and runs them on
their schedules in this process until stopped with Ctrl+C. Schedules (Europe/Stockholm time):

========================  ===================  ===================================
deployment                cron                 when
========================  ===================  ===================================
analyze-export/local      ``*/15 * * * *``     every 15 minutes
run-automations/local     ``0 7 * * 1-5``      weekdays at 07:00
weekly-report/local       ``0 6 * * 1``        Mondays at 06:00
========================  ===================  ===================================

The deployments are named ``local`` (flow name / deployment name), so they never overwrite the ones
``prefect.yaml`` registers on a server (named ``server``). The process serving them needs the
pseudonymisation key (``PROCESSMINING_PSEUDONYM_KEY``, or ``processmining keygen``'s key file):
without it ``analyze-export`` leaves every export in the drop folder and its runs end Failed.

The automations run on the newest export in the archive folder (the file ``analyze-export`` moved
there last). Scheduled automation runs send for real only with ``--send``: without it they are dry
runs that log what they would do. For a Prefect server with a work pool and workers use
``prefect.yaml`` instead (docs/automations.md, "Running on a Prefect server with a work pool and workers").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows import configure_environment

configure_environment()

__all__ = ["DEPLOYMENT_NAME", "SCHEDULES", "TIMEZONE", "ServeOptions", "deployments", "serve"]

#: The name of every served deployment (``prefect.yaml``'s are named ``server``).
DEPLOYMENT_NAME = "local"

TIMEZONE = "Europe/Stockholm"
#: deployment name -> cron expression (local time in :data:`TIMEZONE`).
SCHEDULES = {
    "analyze-export": "*/15 * * * *",
    "run-automations": "0 7 * * 1-5",
    "weekly-report": "0 6 * * 1",
}


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """Parameters the scheduled runs get.

    Attributes:
        drop_folder: where exports are dropped.
        out_folder: where report folders are written.
        archive_folder: where analysed exports go (the automations read the newest one here).
        quarantine_folder: where bad exports go.
        config_path: the automation config.
        profile: source profile for the exports.
        send: scheduled automation runs send for real (default: dry run).
    """

    drop_folder: str = "drop"
    out_folder: str = "reports"
    archive_folder: str = "drop/archive"
    quarantine_folder: str = "drop/quarantine"
    config_path: str = "automations.toml"
    profile: str | None = None
    send: bool = False


def deployments(options: ServeOptions | None = None) -> list[Any]:
    """The three deployments with their cron schedules and parameters (not yet served)."""
    from prefect.schedules import Cron

    from flows.analyze_export import analyze_export
    from flows.run_automations import run_automations
    from flows.weekly_report import weekly_report

    o = options or ServeOptions()
    absolute = {name: str(Path(getattr(o, name)).resolve())
                for name in ("drop_folder", "out_folder", "archive_folder", "quarantine_folder", "config_path")}
    return [
        analyze_export.to_deployment(
            DEPLOYMENT_NAME, schedules=[Cron(SCHEDULES["analyze-export"], timezone=TIMEZONE)],
            parameters={"drop_folder": absolute["drop_folder"], "out_folder": absolute["out_folder"],
                        "archive_folder": absolute["archive_folder"],
                        "quarantine_folder": absolute["quarantine_folder"], "profile": o.profile},
            description="Analyse exports dropped into the drop folder every 15 minutes.",
        ),
        run_automations.to_deployment(
            DEPLOYMENT_NAME, schedules=[Cron(SCHEDULES["run-automations"], timezone=TIMEZONE)],
            parameters={"log_path": absolute["archive_folder"], "config_path": absolute["config_path"],
                        "send": o.send},
            description="Receipts, reminders and target alerts, weekdays at 07:00.",
        ),
        weekly_report.to_deployment(
            DEPLOYMENT_NAME, schedules=[Cron(SCHEDULES["weekly-report"], timezone=TIMEZONE)],
            parameters={"log_path": absolute["archive_folder"], "config_path": absolute["config_path"],
                        "send": o.send},
            description="The weekly bottleneck report, Mondays at 06:00.",
        ),
    ]


def serve(options: ServeOptions | None = None) -> None:
    """Serve the deployments on their schedules until interrupted (Ctrl+C)."""
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(options), print_starting_message=True)


if __name__ == "__main__":
    serve()
