"""Directly-follows edges with their frequency and waiting-time statistics: the one place they are computed.

Definitions (DESIGN.md): an edge a->b is a pair of consecutive events of one case (sorted by case, time,
source row); its waiting time runs from a's completion to b's start (b's completion where b has no
start). Discovery, bottlenecks, reports and ``summary.json`` all take their edge figures from
:func:`edge_table`, so every output shows the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..log import EventLog

__all__ = ["EDGE_COLUMNS", "edge_table", "transition_waits"]

EDGE_COLUMNS = (
    "source", "target", "count", "cases",
    "median_wait_days", "mean_wait_days", "p90_wait_days", "max_wait_days", "total_wait_days",
    "median_wait_workdays", "mean_wait_workdays", "p90_wait_workdays", "max_wait_workdays",
    "total_wait_workdays",
)


def transition_waits(log: EventLog, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """``log.transitions()`` plus ``wait_days`` (calendar) and ``wait_workdays`` (working days).

    Cached on the log per calendar, since every analysis of one run asks for it.
    """
    calendar = calendar or WorkCalendar()
    key = f"transition_waits:{calendar!r}"
    if key not in log._cache:
        tr = log.transitions().copy()
        tr["wait_days"] = tr["wait"].dt.total_seconds().to_numpy(dtype="float64") / 86_400
        tr["wait_workdays"] = calendar.working_days(tr["source_time"], tr["target_time"])
        log._cache[key] = tr
    return log._cache[key]  # type: ignore[no-any-return]


def edge_table(log: EventLog, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """One row per directly-follows edge, most frequent first (ties by names, for determinism).

    Columns are :data:`EDGE_COLUMNS`: ``count`` (times the edge occurs), ``cases`` (cases in which it
    occurs), then waiting time in calendar days and in working days (median, mean, p90, max, total).
    Quantiles use linear interpolation, as numpy and pandas do by default.
    """
    tr = transition_waits(log, calendar)
    if tr.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in EDGE_COLUMNS}).astype(
            {"source": object, "target": object, "count": "int64", "cases": "int64"}
        )
    grouped = tr.groupby(["source", "target"], sort=True, observed=True)
    stats = grouped.agg(
        count=("case", "size"),
        cases=("case", "nunique"),
        median_wait_days=("wait_days", "median"),
        mean_wait_days=("wait_days", "mean"),
        p90_wait_days=("wait_days", lambda s: float(np.nanquantile(s, 0.9)) if s.notna().any() else np.nan),
        max_wait_days=("wait_days", "max"),
        total_wait_days=("wait_days", "sum"),
        median_wait_workdays=("wait_workdays", "median"),
        mean_wait_workdays=("wait_workdays", "mean"),
        p90_wait_workdays=("wait_workdays", lambda s: float(np.nanquantile(s, 0.9)) if s.notna().any() else np.nan),
        max_wait_workdays=("wait_workdays", "max"),
        total_wait_workdays=("wait_workdays", "sum"),
    ).reset_index()
    stats = stats.sort_values(["count", "source", "target"], ascending=[False, True, True], kind="stable")
    return stats.reset_index(drop=True)[list(EDGE_COLUMNS)]
