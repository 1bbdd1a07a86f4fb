"""Flow: the automations over the open cases of the latest export (receipts, reminders, alerts)."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.states import Failed

from automations.actions import CASE_AUTOMATIONS, Action
from automations.ledger import Ledger
from flows.tasks import build_state_task, load_config_task, plan_task, read_export_task, send_actions_task

__all__ = ["outcome_of", "run_automations"]


@flow(name="run-automations")
def run_automations(
    log_path: str,
    config_path: str = "automations.toml",
    send: bool = False,
    now: str | None = None,
    resolve_pending: str | None = None,
) -> Any:
    """Acknowledge receipts, remind about unanswered requests for completion, alert units near targets.

    Reads the latest export, builds the state of its open cases, runs each enabled automation and
    carries the actions out through the ledger, which skips everything already sent. Dry run unless
    ``send`` is true: then it prints what would happen and records nothing.

    Args:
        log_path: the latest export, or a folder whose newest log file is used (e.g. the archive).
        config_path: the automation config (TOML; see automations.example.toml).
        send: really send e-mails and write outbox files (default: dry run).
        now: the instant to measure at, ISO 8601 (default: the export's last event).
        resolve_pending: before running, resolve actions left pending by an interrupted run:
            "sent" (they arrived) or "retry" (send them again, same Message-ID).

    Returns:
        The run's summary: run id, dry run, counts per result, one record per action, one line per
        problem and the operator's warnings. When an action failed or is unknown (handed over but not
        confirmed) the flow run ends Failed, with that summary as its result and the problems as its message.
    """
    logger = get_run_logger()
    config = load_config_task(config_path)
    if resolve_pending:
        with Ledger(config.ledger) as ledger:
            done = ledger.resolve_pending(resolve_pending)  # type: ignore[arg-type]
            busy = len(ledger.live_claims())
        logger.info("resolved %d unknown action(s) as %s", done, resolve_pending)
        if busy:
            logger.warning("%d action(s) are being sent by a run that is still alive; left alone", busy)
    log = read_export_task(log_path, profile=config.profile)
    state = build_state_task(log, config, now=now)
    logger.info("open cases: %s", state.summary())
    actions: list[Action] = []
    for name in CASE_AUTOMATIONS:
        if config.enabled(name):
            actions.extend(plan_task(name)(state, config, state.now))
    report = send_actions_task(actions, config, dry_run=not send)
    return outcome_of(report.summary(), report.lines(), logger)


def outcome_of(summary: dict[str, Any], lines: list[str], logger: Any) -> Any:
    """Log a run's lines; the summary, or a Failed state holding it when an action failed or is unknown."""
    for line in lines:
        logger.info(line)
    for warning in summary["warnings"]:
        logger.warning(warning)
    problems = summary["problems"]
    if problems:
        for line in problems:
            logger.error(line)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Failed(message=f"{len(problems)} action(s) failed or unknown: {problems[0]}{more}", data=summary)
    return summary
