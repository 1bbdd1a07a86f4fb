"""Helpers for tests: where the shared real logs are and their published figures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_LOGS = ROOT.parent / "shared" / "event_logs"
#: Published figures from ../shared/event_logs/README.md: cases, events, activities, variants.
PUBLISHED = {
    "08_receipt.xes.gz": (1434, 8577, 27, 116),
    "BPIC15_1.xes.gz": (1199, 52217, 398, 1170),
    "CoSeLoG_WABO_1.xes.gz": (937, 38944, 381, 916),
    "sepsis.csv": (1050, 15214, 16, 846),
    "helpdesk.xes.gz": (4580, 21348, 14, 226),
    "roadtraffic100traces.xes": (100, 390, 10, 10),
    "running-example.xes": (6, 42, 8, 6),
    "running-example.csv": (6, 42, 8, 6),
}


def shared_log(name: str) -> Path:
    """Path of a shared real log. Where it is absent the test skips with a reason on a developer's machine
    outside the team, and fails in CI (``CI=true``), where ``../shared`` always lies beside the clone: a
    missing folder there must not turn a hundred tests into skips."""
    path = SHARED_LOGS / name
    if not path.exists():
        missing = f"shared log {name} not available at {SHARED_LOGS}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{missing} (CI=true: ../shared/event_logs must lie beside the clone)")
        pytest.skip(missing)
    return path
