"""Prefect flows that orchestrate the library and the automations (see docs/automations.md).

- ``flows.analyze_export.analyze_export``: analyse every export in a drop folder, archive or quarantine it.
- ``flows.run_automations.run_automations``: receipts, reminders and target alerts over the open cases.
- ``flows.weekly_report.weekly_report``: the weekly bottleneck report to its recipients.
- ``flows.serve``: the three as scheduled deployments on the local embedded Prefect.
- ``python -m flows``: run one flow once from the command line, or serve them.

Importing this package prepares the environment *before* Prefect is imported (PITFALLS.md): a
project-local ``PREFECT_HOME`` (``.prefect/`` beside ``pyproject.toml``, else in the working
directory) unless one is set, analytics and telemetry off, pm4py's progress bars off, and 120 s for a
temporary Prefect API to start (Prefect's 20 s are not enough on a busy 2-core machine). The Makefile
exports the same variables.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PROJECT_ROOT", "configure_environment"]

#: The source checkout this package lives in (where ``pyproject.toml`` is), else the working directory.
PROJECT_ROOT = (Path(__file__).resolve().parents[1] if (Path(__file__).resolve().parents[1] / "pyproject.toml")
                .exists() else Path.cwd())


def configure_environment() -> None:
    """Set Prefect's and pm4py's environment defaults; values already set are kept."""
    os.environ.setdefault("PREFECT_HOME", str(PROJECT_ROOT / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


configure_environment()
