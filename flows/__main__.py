"""Run one flow once from the command line, serve them on schedules, or look at the ledger.

    python -m flows run analyze-export --drop-folder drop --out-folder reports
    python -m flows run run-automations --log drop/archive --config automations.toml            # dry run
    python -m flows run run-automations --log drop/archive --config automations.toml --send     # sends
    python -m flows run weekly-report --log drop/archive --config automations.toml --send
    python -m flows ledger --config automations.toml
    python -m flows serve --config automations.toml

Exit codes: 0 success, 1 a problem with the input, config, mail server, ledger or Prefect API, or an
action that failed or is unknown (one line on stderr each; ``--debug`` adds tracebacks and Prefect's own
log), 2 usage. Without ``PREFECT_API_URL`` each command starts a temporary Prefect API that ends with
it, even after ``kill -9`` (``flows.api_server``). See docs/operations.md.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console

from flows import configure_environment

configure_environment()

from flows.api_server import PrefectApiError, temporary_api  # noqa: E402
from processmining.errors import ProcessMiningError  # noqa: E402

app = typer.Typer(name="python -m flows", help="Run the automation flows once, serve them, or inspect the ledger.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
run_app = typer.Typer(help="Run one flow once, now.", no_args_is_help=True)
app.add_typer(run_app, name="run")
err = Console(stderr=True, highlight=False, emoji=False)
out = Console(highlight=False, emoji=False)

ConfigOpt = Annotated[str, typer.Option("--config", "-c", help="Automation config (TOML).")]
LogOpt = Annotated[str, typer.Option("--log", help="The latest export, or a folder whose newest log is used.")]
SendOpt = Annotated[bool, typer.Option("--send/--dry-run", help="Really send (default: dry run, records nothing).")]
NowOpt = Annotated[str | None, typer.Option("--now", help="Measure at this instant (ISO 8601).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
_DEBUG = {"on": False}


@app.callback()
def _main(debug: Annotated[bool, typer.Option(
        "--debug", help="Show tracebacks and Prefect's own log on stderr (default: one line per problem).")] = False,
) -> None:
    """Run the automation flows once, serve them, or inspect the ledger."""
    _DEBUG["on"] = debug
    if not debug:  # Prefect's console log (INFO lines, tracebacks) stays out of the terminal; the API keeps it
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


def _line(text: str) -> None:
    err.print(text.replace("\n", " "), markup=False, soft_wrap=True)


_API_TROUBLE = ("Timed out while attempting to connect to ephemeral Prefect API", "All connection attempts failed",
                "Connection refused", "ConnectError", "Cannot connect to", "Name or service not known")


def _api_trouble(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        text = f"{type(seen).__name__}: {seen}"
        if any(mark in text for mark in _API_TROUBLE) or type(seen).__module__.startswith("httpx"):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except ProcessMiningError as exc:
        if _DEBUG["on"]:
            traceback.print_exc()
        _line(f"error: {exc}")
        sys.exit(1)
    except Exception as exc:
        if _DEBUG["on"]:
            traceback.print_exc()
        if _api_trouble(exc):
            url = os.environ.get("PREFECT_API_URL") or "the temporary Prefect API"
            _line(f"error: cannot reach {url} ({type(exc).__name__}); start it with `prefect server start` "
                  "and set PREFECT_API_URL=http://127.0.0.1:4200/api, or unset PREFECT_API_URL to use a temporary "
                  "one")
        else:
            _line(f"error: internal error ({type(exc).__name__}: {exc}); run again with --debug for the "
                  "traceback and report it")
        sys.exit(1)


def _run_flow(flow: Callable[..., Any], *args: Any) -> tuple[dict[str, Any], str | None]:
    """Run a flow on the configured or a temporary Prefect API: (its result, the failure message or None)."""
    with temporary_api():
        state = flow(*args, return_state=True)
        result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    if not isinstance(result, dict):
        raise PrefectApiError(f"the flow run ended {state.type.value.lower()} without a result ({state.message})")
    return result, (state.message or "failed") if state.is_failed() else None


def _check_inputs(log: str, config: str) -> None:
    """Fail in a second on a missing export or a wrong config, before Prefect starts (10-20 s)."""
    from automations.config import load_config
    from automations.state import latest_export

    load_config(config)
    latest_export(log)


_COUNT_WORDS = {"sent": "sent", "would_send": "would send", "already_sent": "already sent", "unknown": "unknown",
                "busy": "busy (another run)", "failed": "failed", "held": "held (failed permanently before)"}


def _show(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    elif "counts" in result:
        for record in result["actions"]:
            target = record["recipient"] or "outbox"
            out.print(f"{record['result']:>12}  {record['automation']}  {record['case']}  -> {target}: "
                      f"{record['subject']}", markup=False, soft_wrap=True)
    else:
        out.print(json.dumps(result, ensure_ascii=False, indent=2, default=str), markup=False)
    if "counts" in result:
        counts = result["counts"]
        shown = ", ".join(f"{_COUNT_WORDS.get(k, k)} {v}" for k, v in counts.items()
                          if v or k == ("would_send" if result["dry_run"] else "sent"))
        mode = "dry run, nothing sent or recorded" if result["dry_run"] else f"run {result['run_id'][:8]}"
        if not as_json:
            out.print(f"{mode}: {shown} of {sum(counts.values())} action(s) (ledger {result['ledger']})",
                      markup=False, soft_wrap=True)
        for line in result.get("problems", []):
            _line(line)
        for warning in result.get("warnings", []):
            _line(f"warning: {warning}")


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
        result, failure = _run_flow(analyze_export, drop_folder, out_folder, archive_folder, quarantine_folder,
                                    profile)
    _show(result, as_json)
    for item in result["quarantined"]:
        _line(f"quarantined {item['file']}: {item['reason']}")
    for item in result.get("left", []):
        _line(f"error: {item['file']} left in the drop folder: {item['reason']}")
    if failure:
        raise typer.Exit(1)


@run_app.command("run-automations")
def run_run_automations(
    log: LogOpt,
    config: ConfigOpt = "automations.toml",
    send: SendOpt = False,
    now: NowOpt = None,
    resolve_pending: Annotated[str | None, typer.Option(
        "--resolve-pending", help="First decide every unknown action (handed over but not confirmed, or left by a "
        "run that died): sent (it arrived) or retry (it did not). Claims of a run still alive are left alone.")] = None,
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
        result, failure = _run_flow(run_automations, log, config, send, now, resolve_pending)
    _show(result, as_json)
    if failure:
        raise typer.Exit(1)


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
        result, failure = _run_flow(weekly_report, log, config, send, now)
    _show(result, as_json)
    if failure:
        raise typer.Exit(1)


@app.command("ledger")
def show_ledger(
    config: ConfigOpt = "automations.toml",
    status: Annotated[str | None, typer.Option(
        help="Only entries with this status: pending, sent, failed, unknown.")] = None,
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
                  f"{e.recipient or 'outbox'}  {e.message_id}" + (f"  ({e.error})" if e.error else ""),
                  markup=False, soft_wrap=True)
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

    with _errors(), temporary_api():
        serve(ServeOptions(drop_folder=drop_folder, out_folder=out_folder, archive_folder=archive_folder,
                           quarantine_folder=quarantine_folder, config_path=config, profile=profile, send=send))


if __name__ == "__main__":
    app()
