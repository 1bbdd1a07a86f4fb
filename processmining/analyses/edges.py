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
from ..log import ACTIVITY, START, TIMESTAMP, EventLog, factorize_sorted, release_unused_memory
from .order_stats import nan_p90, segment_p90, segment_stats

__all__ = ["EDGE_COLUMNS", "edge_stats", "edge_table", "provide_core_figures", "transition_waits"]

EDGE_COLUMNS = (
    "source", "target", "count", "cases",
    "median_wait_days", "mean_wait_days", "p90_wait_days", "max_wait_days", "total_wait_days",
    "median_wait_workdays", "mean_wait_workdays", "p90_wait_workdays", "max_wait_workdays",
    "total_wait_workdays",
)


def transition_waits(log: EventLog, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """``log.transitions()`` (without the resource and unit columns) plus ``wait_days`` (calendar) and
    ``wait_workdays`` (working days).

    Cached on the log per calendar, since every analysis of one run asks for it.
    """
    calendar = calendar or WorkCalendar()
    return log.shared(f"transition_waits:{calendar!r}", lambda: _transition_waits(log, calendar))


def _transition_waits(log: EventLog, calendar: WorkCalendar) -> pd.DataFrame:
    """What :func:`transition_waits` shares: computed once per log and calendar."""
    # A shallow copy: copy-on-write keeps the log's table as it is when columns are added.
    tr = log.transition_core().copy(deep=False)
    tr["wait_days"] = tr["wait"].dt.total_seconds().to_numpy(dtype="float64") / 86_400
    if calendar.kind == "se":
        # W(t) of every event once, then each wait is a subtraction (= calendar.working_days).
        src = log.transition_positions()
        done = event_work_seconds(log, calendar, "done")[src]
        begin = event_work_seconds(log, calendar, "begin", src + 1)
        tr["wait_workdays"] = calendar.hours_between(done, begin) / calendar.hours_per_day
    else:
        tr["wait_workdays"] = calendar.working_days(tr["source_time"], tr["target_time"])
    return tr


def event_work_seconds(log: EventLog, calendar: WorkCalendar, which: str = "done",
                       positions: np.ndarray | None = None) -> np.ndarray:
    """:meth:`WorkCalendar.working_seconds` of every event (or of the events at ``positions``), computed
    once per log and calendar.

    ``which``: ``"done"`` (completion), ``"start"`` (start; NaN without one) or ``"begin"`` (start where
    the event has one, else completion: when the event began, DESIGN.md's end of a wait; derived from
    the other two, not kept).
    """
    if which == "begin":
        done = event_work_seconds(log, calendar, "done", positions)
        if START not in log.events.columns:
            return done
        has = log.events[START].notna().to_numpy()
        return np.where(has if positions is None else has[positions],
                        event_work_seconds(log, calendar, "start", positions), done)
    if which not in ("done", "start"):
        raise ValueError(f"which must be done, start or begin, not {which!r}")
    ev = log.events
    column = TIMESTAMP if which == "done" else START
    values: np.ndarray = log.shared(
        f"work_seconds:{calendar!r}:{which}",
        lambda: (calendar.working_seconds(ev[column]) if column in ev.columns else np.full(len(ev), np.nan)))
    return values if positions is None else values[positions]


def edge_table(log: EventLog, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """One row per directly-follows edge, most frequent first (ties by names, for determinism).

    Columns are :data:`EDGE_COLUMNS`: ``count`` (times the edge occurs), ``cases`` (cases in which it
    occurs), then waiting time in calendar days and in working days (median, mean, p90, max, total).
    Quantiles use linear interpolation, as numpy and pandas do by default.
    """
    calendar = calendar or WorkCalendar()
    return log.shared(_edge_table_key(calendar), lambda: _edge_table(log, calendar)).copy()


def _edge_table_key(calendar: WorkCalendar) -> str:
    return f"edge_table:{calendar!r}"


def _edge_table(log: EventLog, calendar: WorkCalendar) -> pd.DataFrame:
    """What :func:`edge_table` shares: computed once per log and calendar."""
    tr = transition_waits(log, calendar)
    acts, names = log.codes(ACTIVITY)
    src = log.transition_positions()
    if tr.empty or (acts < 0).any():
        table = edge_stats(tr)
    else:
        # The same figures as edge_stats(tr), from the activity and case codes of the log.
        table = _coded_edge_stats(tr, acts[src], acts[src + 1], len(names), log.case_codes()[src])
    release_unused_memory()  # the sort and group-by temporaries of a million rows
    return table


def provide_core_figures(log: EventLog, *, calendar: WorkCalendar, edges: pd.DataFrame, variants: pd.Series) -> None:
    """Let the analyses of ``log`` use core figures computed elsewhere (a cluster: :mod:`processmining.engine`)
    in place of their own: the edge table (:func:`edge_table` with ``calendar``) and the variant counts
    (:meth:`EventLog.variant_counts`). The engine's tests show that they are identical to the local ones."""
    log.provide(_edge_table_key(calendar), edges)
    log.provide("variant_counts", variants)


def edge_stats(transitions: pd.DataFrame) -> pd.DataFrame:
    """:func:`edge_table` from a :func:`transition_waits` frame (``source``, ``target``, ``case``,
    ``wait_days``, ``wait_workdays``; other columns are ignored).

    The Dask engine rebuilds the whole log's frame from its partitions and calls this. Means and
    totals depend on the frame as a whole, not only on an edge's own rows: pandas sums a group with a
    plain ``ufunc.reduceat`` when the rows happen to be sorted by group and with compensated summation
    otherwise, which can differ in the last bit.
    """
    tr = transitions
    if tr.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in EDGE_COLUMNS}).astype(
            {"source": object, "target": object, "count": "int64", "cases": "int64"}
        )
    source, _ = factorize_sorted(tr["source"])
    target, target_names = factorize_sorted(tr["target"])
    if (source < 0).any() or (target < 0).any():  # edges with a missing name: pandas drops those rows
        return _grouped_edge_stats(tr)
    cases = np.asarray(pd.factorize(tr["case"])[0], dtype=np.int64)
    return _coded_edge_stats(tr, source, target, len(target_names), cases)


def _coded_edge_stats(tr: pd.DataFrame, source: np.ndarray, target: np.ndarray, n_targets: int,
                      cases: np.ndarray) -> pd.DataFrame:
    """The aggregation of :func:`edge_stats` on integer codes (``source``/``target`` in sorted name order).

    One key per (source, target) whose order is the names' order, so pandas groups the rows exactly as
    the group-by on the two name columns would (same groups, same order, same monotonicity, hence the
    same summation); the p90 calls numpy's ``nanquantile`` on each edge's values, as the per-group
    lambda did, but without building a Series per group.
    """
    key = source.astype(np.int64) * max(n_targets, 1) + target
    days = tr["wait_days"].to_numpy(dtype="float64")
    work = tr["wait_workdays"].to_numpy(dtype="float64")
    by_key = pd.DataFrame({"wait_days": days, "wait_workdays": work}).groupby(key, sort=True)
    # One stable sort gives every edge's rows in log order: the edges, their first row, their counts.
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    first = order[starts]
    counts = np.diff(np.r_[starts, len(key)])
    values_of = {"wait_days": days, "wait_workdays": work}
    p90 = {name: segment_p90(values[order], counts) for name, values in values_of.items()}
    sorted_cases = cases[order]
    if len(cases) < 2 or bool((cases[1:] >= cases[:-1]).all()):
        # Rows in case order (a log's transitions are): within an edge the cases ascend, so its distinct
        # cases are the changes of case.
        new_case = np.r_[True, (sorted_key[1:] != sorted_key[:-1]) | (sorted_cases[1:] != sorted_cases[:-1])]
        distinct = np.add.reduceat(new_case.astype(np.int64), starts)
    else:
        group = np.repeat(np.arange(len(starts)), counts)
        pair = sorted_cases.astype(np.int64) * len(starts) + group
        distinct = np.bincount(group[~pd.Series(pair).duplicated().to_numpy()], minlength=len(starts))
    stats = pd.DataFrame({
        # The names as a group-by gives them back (an index of the values: text becomes str dtype).
        "source": pd.Series(pd.Index(tr["source"].to_numpy()[first])),
        "target": pd.Series(pd.Index(tr["target"].to_numpy()[first])),
        "count": counts.astype("int64"),
        "cases": distinct.astype("int64"),
    })
    for name, unit in (("wait_days", "days"), ("wait_workdays", "workdays")):
        column = by_key[name]  # one column at a time, as the named aggregation did
        # pandas' median of each edge's rows (in key order already), without its full sort
        stats[f"median_wait_{unit}"] = segment_stats(values_of[name][order], counts, median=True)["median"]
        stats[f"mean_wait_{unit}"] = column.mean().to_numpy()
        stats[f"p90_wait_{unit}"] = np.asarray(p90[name], dtype="float64")
        stats[f"max_wait_{unit}"] = column.max().to_numpy()
        stats[f"total_wait_{unit}"] = column.sum().to_numpy()
    stats = stats.sort_values(["count", "source", "target"], ascending=[False, True, True], kind="stable")
    return stats.reset_index(drop=True)[list(EDGE_COLUMNS)]


def _grouped_edge_stats(tr: pd.DataFrame) -> pd.DataFrame:
    grouped = tr.groupby(["source", "target"], sort=True, observed=True)
    stats = grouped.agg(
        count=("case", "size"),
        cases=("case", "nunique"),
        median_wait_days=("wait_days", "median"),
        mean_wait_days=("wait_days", "mean"),
        p90_wait_days=("wait_days", nan_p90),
        max_wait_days=("wait_days", "max"),
        total_wait_days=("wait_days", "sum"),
        median_wait_workdays=("wait_workdays", "median"),
        mean_wait_workdays=("wait_workdays", "mean"),
        p90_wait_workdays=("wait_workdays", nan_p90),
        max_wait_workdays=("wait_workdays", "max"),
        total_wait_workdays=("wait_workdays", "sum"),
    ).reset_index()
    stats = stats.sort_values(["count", "source", "target"], ascending=[False, True, True], kind="stable")
    return stats.reset_index(drop=True)[list(EDGE_COLUMNS)]
