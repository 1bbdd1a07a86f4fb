"""Automations over the open cases of the latest export, with a ledger that never sends twice.

    config = load_config("automations.toml")
    state = build_state(read_export("exports/latest.csv", profile=config.profile), config)
    actions = [a for name, fn in CASE_AUTOMATIONS.items() if config.enabled(name) for a in fn(state, config, None)]
    report = send_actions(actions, config, dry_run=True)   # dry run is the default; dry_run=False sends
    print("\\n".join(report.lines()))

Layering: this package imports ``processmining`` (never ``flows``); the Prefect flows in ``flows/``
wrap these functions. See docs/automations.md.
"""

from .actions import (
    CASE_AUTOMATIONS,
    Action,
    acknowledge_receipt,
    alert_target,
    period_of,
    remind_completion,
    weekly_bottleneck_report,
)
from .adapters import OutboxAdapter, SmtpAdapter, build_message
from .config import AUTOMATIONS, AutomationConfig, load_config
from .ledger import Ledger, LedgerEntry, Outcome, RunReport, carry_out, send_actions
from .state import OpenCaseState, build_state, latest_export, read_export

__all__ = [
    "AUTOMATIONS",
    "CASE_AUTOMATIONS",
    "Action",
    "AutomationConfig",
    "Ledger",
    "LedgerEntry",
    "OpenCaseState",
    "Outcome",
    "OutboxAdapter",
    "RunReport",
    "SmtpAdapter",
    "acknowledge_receipt",
    "alert_target",
    "build_message",
    "build_state",
    "carry_out",
    "latest_export",
    "load_config",
    "period_of",
    "read_export",
    "remind_completion",
    "send_actions",
    "weekly_bottleneck_report",
]
