"""Flow: the weekly bottleneck report, written and e-mailed to its recipients (once per week each)."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from automations.actions import period_of
from flows.run_automations import outcome_of
from flows.tasks import (
    build_state_task,
    load_config_task,
    plan_task,
    read_export_task,
    send_actions_task,
    write_weekly_report_task,
)

__all__ = ["weekly_report"]


@flow(name="weekly-report")
def weekly_report(
    log_path: str,
    config_path: str = "automations.toml",
    send: bool = False,
    now: str | None = None,
) -> Any:
    """Analyse the latest export, write the reports and e-mail the bottleneck workbook to its recipients.

    The reports go to ``[weekly_bottleneck_report] out_folder/<ISO week>/``; each recipient gets one
    message per ISO week (the ledger skips a recipient already served that week). Dry run unless
    ``send`` is true.

    Args:
        log_path: the latest export, or a folder whose newest log file is used.
        config_path: the automation config (TOML; see automations.example.toml).
        send: really send the e-mails (default: dry run; the reports are written either way).
        now: the instant to measure at, ISO 8601 (default: the export's last event); picks the week.

    Returns:
        The run's summary (run id, counts, one record per recipient) plus ``report``: the folder written.
    """
    logger = get_run_logger()
    config = load_config_task(config_path)
    if not config.enabled("weekly_bottleneck_report"):
        logger.info("the weekly report is switched off in %s ([weekly_bottleneck_report] enabled)", config.path)
        return {"skipped": "disabled in the config"}
    log = read_export_task(log_path, profile=config.profile)
    state = build_state_task(log, config, now=now)
    out = config.weekly_bottleneck_report.out_folder / period_of(state.now, "week")
    report_dir = write_weekly_report_task(log, out, lang=config.lang)
    actions = plan_task("weekly_bottleneck_report")(state, config, state.now, report=report_dir)
    report = send_actions_task(actions, config, dry_run=not send)
    return outcome_of({**report.summary(), "report": str(report_dir)}, report.lines(), logger)
