"""Flow: the automations over the open cases of the latest export (receipts, reminders, alerts)."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from automations.actions import CASE_AUTOMATIONS, Action
from automations.ledger import Ledger
from flows.tasks import build_state_task, load_config_task, plan_task, read_export_task, send_actions_task

__all__ = ["run_automations"]


@flow(name="run-automations")
def run_automations(
    log_path: str,
    config_path: str = "automations.toml",
    send: bool = False,
    now: str | None = None,
    resolve_pending: str | None = None,
) -> dict[str, Any]:
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
        The run's summary: run id, dry run, counts per result, one record per action.
    """
    logger = get_run_logger()
    config = load_config_task(config_path)
    if resolve_pending:
        with Ledger(config.ledger) as ledger:
            done = ledger.resolve_pending(resolve_pending)  # type: ignore[arg-type]
        logger.info("resolved %d pending action(s) as %s", done, resolve_pending)
    log = read_export_task(log_path, profile=config.profile)
    state = build_state_task(log, config, now=now)
    logger.info("open cases: %s", state.summary())
    actions: list[Action] = []
    for name in CASE_AUTOMATIONS:
        if config.enabled(name):
            actions.extend(plan_task(name)(state, config, state.now))
    report = send_actions_task(actions, config, dry_run=not send)
    for line in report.lines():
        logger.info(line)
    if report.unknown:
        logger.warning("%d action(s) are pending from an interrupted run and were not resent; check whether they "
                       "arrived, then run again with --resolve-pending sent or retry", len(report.unknown))
    return report.summary()
