"""Trends: the main bottleneck figures per month or quarter, so a process owner sees whether a change helped.

Periods are calendar months or quarters of local (Europe/Stockholm) time. A case is *started* in the
period of its first event and *completed* in the period of its last event, counted only when it is
closed. A wait belongs to the period in which it ended (the later event began). Every period from the
first to the last one appears, empty ones with zero counts and no medians.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ConfigError

__all__ = ["PERIODS", "compute_trends", "period_labels"]

PERIODS = {"month": "M", "quarter": "Q"}


def period_labels(times: pd.Series, period: str, timezone: str) -> pd.Series:
    """Period of each instant in local time, as ``pandas.Period`` (NaT stays missing)."""
    if period not in PERIODS:
        raise ConfigError(f"unknown period {period!r}; choose one of: {', '.join(PERIODS)}")
    local = pd.Series(pd.DatetimeIndex(times).tz_convert(timezone).tz_localize(None), index=times.index)
    return local.dt.to_period(PERIODS[period])


def compute_trends(
    cases: pd.DataFrame,
    transitions: pd.DataFrame,
    *,
    top_edges: Sequence[tuple[str, str]],
    period: str = "month",
    timezone: str = "Europe/Stockholm",
    agency: bool = False,
) -> pd.DataFrame:
    """One row per period with the figures a process owner follows.

    Args:
        cases: per case: ``start``, ``end``, ``closed``, ``throughput_days``, ``throughput_workdays``,
            ``agency_workdays`` and, where targets were given, ``sla_status``.
        transitions: per wait: ``source``, ``target``, ``target_time``, ``wait_workdays``.
        top_edges: the edges whose waits are followed (the top bottlenecks).
        period: ``"month"`` or ``"quarter"``.
        timezone: the wall clock that decides which period an instant falls in.
        agency: add the median agency time (clock stops given).

    Returns:
        Columns: ``period`` (e.g. ``2024-03`` or ``2024Q1``), ``cases_started``, ``cases_completed``,
        ``median_throughput_days``, ``median_throughput_workdays`` (of cases completed in the period),
        ``median_agency_workdays`` (with clock stops), ``median_wait_top_workdays`` (all waits on the
        top edges that ended in the period), one ``median_wait_workdays: A → B`` column per top edge,
        and with targets ``sla_closed``, ``sla_breaching``, ``sla_breach_share``.
    """
    started = period_labels(cases["start"], period, timezone)
    ended = period_labels(cases["end"], period, timezone)
    closed = cases["closed"].astype(bool)
    if len(cases) == 0:
        return pd.DataFrame({"period": pd.Series([], dtype=object)})
    index = pd.period_range(started.min(), ended.max(), freq=PERIODS[period])
    out = pd.DataFrame(index=index)
    out["cases_started"] = started.value_counts().reindex(index, fill_value=0)
    done = cases[closed]
    done_period = ended[closed]
    out["cases_completed"] = done_period.value_counts().reindex(index, fill_value=0)
    out["median_throughput_days"] = done["throughput_days"].groupby(done_period).median().reindex(index)
    out["median_throughput_workdays"] = done["throughput_workdays"].groupby(done_period).median().reindex(index)
    if agency:
        out["median_agency_workdays"] = done["agency_workdays"].groupby(done_period).median().reindex(index)
    if top_edges and len(transitions):
        # The rows whose source and target are among the top edges' names (one hash lookup per row), then
        # the exact pairs among those few: not a MultiIndex over every transition.
        source, target = transitions["source"], transitions["target"]
        maybe = np.flatnonzero((source.isin({a for a, _ in top_edges}) & target.isin({b for _, b in top_edges}))
                               .to_numpy(dtype=bool))
        s, t = source.to_numpy()[maybe], target.to_numpy()[maybe]
        edge_of = np.full(len(maybe), -1, dtype=np.int64)
        for k, (a, b) in enumerate(top_edges):
            edge_of[(edge_of < 0) & (s == a) & (t == b)] = k
        on_top = edge_of >= 0
        tr = transitions[["target_time", "wait_workdays"]].take(maybe[on_top])  # the rows, in log order
        which = edge_of[on_top]
        wait_period = period_labels(tr["target_time"], period, timezone)
        out["median_wait_top_workdays"] = tr["wait_workdays"].groupby(wait_period).median().reindex(index)
        first = {pair: k for k, pair in reversed(list(enumerate(top_edges)))}  # an edge named twice: same rows
        for a, b in top_edges:
            mask = which == first[(a, b)]
            out[f"median_wait_workdays: {a} → {b}"] = (
                tr["wait_workdays"][mask].groupby(wait_period[mask]).median().reindex(index)
            )
    if "sla_status" in cases.columns:
        status = cases["sla_status"]
        measured = closed & status.isin(["late", "on_time"]).to_numpy()
        late = (status == "late").to_numpy()
        out["sla_closed"] = pd.Series(measured, index=cases.index).groupby(ended).sum().reindex(index, fill_value=0)
        out["sla_breaching"] = pd.Series(late, index=cases.index).groupby(ended).sum().reindex(index, fill_value=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["sla_breach_share"] = (out["sla_breaching"] / out["sla_closed"]).where(out["sla_closed"] > 0)
    out = out.reset_index(names="period")
    out["period"] = out["period"].astype(str)
    return out
