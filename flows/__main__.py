"""Run one flow once from the command line, serve them on schedules, or look at the ledger.

    python -m flows run analyze-export --drop-folder drop --out-folder reports
    python -m flows run run-automations --log drop/archive --config automations.toml            # dry run
    python -m flows run run-automations --log drop/archive --config automations.toml --send     # sends
    python -m flows run weekly-report --log drop/archive --config automations.toml --send
    python -m flows ledger --config automations.toml
    python -m flows serve --config automations.toml

Exit codes: 0 success, 1 a problem with the input, config, mail server or ledger (one line on
stderr), 2 usage.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console

from flows import configure_environment

configure_environment()

from processmining.errors import ProcessMiningError  # noqa: E402

app = typer.Typer(name="python -m flows", help="Run the automation flows once, serve them, or inspect the ledger.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
run_app = typer.Typer(help="Run one flow once, now.", no_args_is_help=True)
app.add_typer(run_app, name="run")
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

ConfigOpt = Annotated[str, typer.Option("--config", "-c", help="Automation config (TOML).")]
LogOpt = Annotated[str, typer.Option("--log", help="The latest export, or a folder whose newest log is used.")]
SendOpt = Annotated[bool, typer.Option("--send/--dry-run", help="Really send (default: dry run, records nothing).")]
NowOpt = Annotated[str | None, typer.Option("--now", help="Measure at this instant (ISO 8601).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except ProcessMiningError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        sys.exit(1)


def _check_inputs(log: str, config: str) -> None:
    """Fail in a second on a missing export or a wrong config, before Prefect starts (10-20 s)."""
    from automations.config import load_config
    from automations.state import latest_export

    load_config(config)
    latest_export(log)


def _show(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        return
    if "counts" in result:
        mode = "dry run: nothing sent, nothing recorded" if result["dry_run"] else "sent"
        for record in result["actions"]:
            target = record["recipient"] or "outbox"
            out.print(f"{record['result']:>12}  {record['automation']}  {record['case']}  -> {target}: "
                      f"{record['subject']}", markup=False, soft_wrap=True)
        counts = ", ".join(f"{k} {v}" for k, v in result["counts"].items() if v)
        out.print(f"{mode}; {counts or 'no actions'} (ledger {result['ledger']})", markup=False)
        if result["counts"].get("unknown"):
            err.print(f"warning: {result['counts']['unknown']} action(s) are pending from an interrupted run and "
                      "were not resent; check whether they arrived, then run again with --resolve-pending sent "
                      "(they did) or --resolve-pending retry (they did not)", markup=False, soft_wrap=True)
    else:
        out.print(json.dumps(result, ensure_ascii=False, indent=2, default=str), markup=False)


@run_app.command("analyze-export")
def run_analyze_export(
    drop_folder: Annotated[str, typer.Option("--drop-folder", help="Folder the exports are dropped into.")],
    out_folder: Annotated[str, typer.Option("--out-folder", help="Where report folders are written.")] = "reports",
    archive_folder: Annotated[str | None, typer.Option(help="Default: <drop-folder>/archive.")] = None,
    quarantine_folder: Annotated[str | None, typer.Option(help="Default: <drop-folder>/quarantine.")] = None,
    profile: Annotated[str | None, typer.Option(help="Source profile for reading the exports.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Analyse every export in the drop folder once. Example: python -m flows run analyze-export --drop-folder drop"""
    from flows.analyze_export import analyze_export

    with _errors():
        result = analyze_export(drop_folder, out_folder, archive_folder, quarantine_folder, profile)
    _show(result, as_json)
    if result["quarantined"] and not as_json:
        for item in result["quarantined"]:
            err.print(f"quarantined {item['file']}: {item['reason']}", markup=False, soft_wrap=True)


@run_app.command("run-automations")
def run_run_automations(
    log: LogOpt,
    config: ConfigOpt = "automations.toml",
    send: SendOpt = False,
    now: NowOpt = None,
    resolve_pending: Annotated[str | None, typer.Option(
        "--resolve-pending", help="Resolve actions left pending by an interrupted run first: sent or retry.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Receipts, reminders and target alerts, once.

    Example: python -m flows run run-automations --log drop/archive --config automations.toml --send
    """
    from flows.run_automations import run_automations

    if resolve_pending not in (None, "sent", "retry"):
        err.print("error: --resolve-pending takes sent or retry")
        raise typer.Exit(2)
    with _errors():
        _check_inputs(log, config)
        result = run_automations(log, config, send, now, resolve_pending)
    _show(result, as_json)


@run_app.command("weekly-report")
def run_weekly_report(
    log: LogOpt,
    config: ConfigOpt = "automations.toml",
    send: SendOpt = False,
    now: NowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The weekly bottleneck report, once. Example: python -m flows run weekly-report --log drop/archive --send"""
    from flows.weekly_report import weekly_report

    with _errors():
        _check_inputs(log, config)
        result = weekly_report(log, config, send, now)
    _show(result, as_json)


@app.command("ledger")
def show_ledger(
    config: ConfigOpt = "automations.toml",
    status: Annotated[str | None, typer.Option(help="Only entries with this status: pending, sent, failed.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List what the ledger recorded. Example: python -m flows ledger --config automations.toml --status pending"""
    from automations.config import load_config
    from automations.ledger import Ledger

    with _errors():
        cfg = load_config(config)
        with Ledger(cfg.ledger, readonly=True) as ledger:
            entries = ledger.entries(status)
    if as_json:
        print(json.dumps([dataclasses.asdict(e) for e in entries], ensure_ascii=False, indent=2))
        return
    for e in entries:
        out.print(f"{e.status:>8}  {e.updated_at}  {e.automation}  {e.case}  [{e.step} / {e.period}]  -> "
                  f"{e.recipient or 'outbox'}" + (f"  ({e.error})" if e.error else ""), markup=False, soft_wrap=True)
    out.print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} in {cfg.ledger}", markup=False)


@app.command("serve")
def serve_command(
    config: ConfigOpt = "automations.toml",
    drop_folder: Annotated[str, typer.Option(help="Folder the exports are dropped into.")] = "drop",
    out_folder: Annotated[str, typer.Option(help="Where report folders are written.")] = "reports",
    archive_folder: Annotated[str, typer.Option(help="Where analysed exports are moved.")] = "drop/archive",
    quarantine_folder: Annotated[str, typer.Option(help="Where bad exports are moved.")] = "drop/quarantine",
    profile: Annotated[str | None, typer.Option(help="Source profile for reading the exports.")] = None,
    send: SendOpt = False,
) -> None:
    """Serve the three flows on their schedules (local Prefect) until Ctrl+C. Example: python -m flows serve --send"""
    from flows.serve import ServeOptions, serve

    serve(ServeOptions(drop_folder=drop_folder, out_folder=out_folder, archive_folder=archive_folder,
                       quarantine_folder=quarantine_folder, config_path=config, profile=profile, send=send))


if __name__ == "__main__":
    app()
