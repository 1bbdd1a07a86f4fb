"""Shared fixtures: inline logs (``make_log``), the shared real logs and their published figures."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

# Keep pm4py quiet and give pseudonymisation a key before anything imports the library.
os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
os.environ.setdefault("PROCESSMINING_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")

from processmining.log import ACTIVITY, CASE, GROUP, RESOURCE, START, TIMESTAMP, EventLog  # noqa: E402
from tests.support import PUBLISHED, ROOT, SHARED_LOGS, shared_log  # noqa: E402,F401


@pytest.fixture
def make_log() -> Callable[..., EventLog]:
    """Build an EventLog from variants written as text: ``make_log("a b c", "a c")``.

    Each argument is one case; activities are separated by spaces. Events are one hour apart,
    cases start one day apart from 2025-01-06 08:00 Stockholm time. Keyword ``resources`` and
    ``units`` (lists of space-separated strings, one per case) add org:resource / org:group;
    ``hours`` (a list of lists of floats) sets each event's offset in hours from its case start.
    """

    def build(
        *cases: str,
        resources: list[str] | None = None,
        units: list[str] | None = None,
        hours: list[list[float]] | None = None,
        starts: list[list[float | None]] | None = None,
    ) -> EventLog:
        rows = []
        base = pd.Timestamp("2025-01-06 08:00", tz="Europe/Stockholm")
        for i, text in enumerate(cases):
            acts = text.split()
            for j, act in enumerate(acts):
                offset = hours[i][j] if hours else float(j)
                row = {
                    CASE: f"c{i + 1}",
                    ACTIVITY: act,
                    TIMESTAMP: base + pd.Timedelta(days=i) + pd.Timedelta(hours=offset),
                }
                if resources:
                    row[RESOURCE] = resources[i].split()[j]
                if units:
                    row[GROUP] = units[i].split()[j]
                if starts:
                    s = starts[i][j]
                    row[START] = (base + pd.Timedelta(days=i) + pd.Timedelta(hours=s)) if s is not None else pd.NaT
                rows.append(row)
        return EventLog.from_frame(pd.DataFrame(rows))

    return build


@pytest.fixture(autouse=True, scope="session")
def _throwaway_config_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Never the tester's own configuration folder: a key created on first use (a test without
    PROCESSMINING_PSEUDONYM_KEY) goes to a throw-away XDG_CONFIG_HOME, also in subprocesses."""
    folder = tmp_path_factory.mktemp("xdg-config")
    before = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = before
