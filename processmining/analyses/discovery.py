"""Process discovery: the directly-follows graph (process map) with frequency and performance, and its
Disco-like simplification.

:func:`discover_dfg` turns an :class:`~processmining.log.EventLog` into a :class:`DirectlyFollowsGraph`:
the edge table (from :func:`processmining.analyses.edges.edge_table`, the one source of edge figures),
an activity table, and the start and end activities. :func:`simplify` keeps the most frequent
activities and paths, the way Disco's two sliders do, and keeps the map connected from start to end.

Definitions follow DESIGN.md: an edge a->b is a pair of consecutive events of one case; its waiting
time runs from a's completion to b's start (b's completion where b has no start); an activity's
service time runs from its start to its completion and exists only where the log has starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..errors import ConfigError
from ..formatting import json_float
from ..log import ACTIVITY, START, TIMESTAMP, EventLog, release_unused_memory
from .edges import edge_table, event_work_seconds
from .order_stats import group_order, segment_stats

__all__ = [
    "ACTIVITY_COLUMNS",
    "AUTO_MAX_ACTIVITIES",
    "AUTO_MIN_PATHS",
    "AUTO_PATHS_PER_ACTIVITY",
    "AUTO_THRESHOLD",
    "END",
    "START_NODE",
    "DirectlyFollowsGraph",
    "activity_figures",
    "Simplification",
    "auto_max_paths",
    "auto_simplify",
    "discover_dfg",
    "simplify",
    "simplify_for_map",
]

#: Names of the artificial start and end nodes of a process map.
START_NODE = "▶"
END = "■"
#: Logs with more activities than this are simplified by default ...
AUTO_THRESHOLD = 40
#: ... to this many most frequent activities.
AUTO_MAX_ACTIVITIES = 35
#: By default a map shows at most this many paths per shown activity (start and end paths included), the
#: most frequent ones, plus those that keep it connected: about as many as a reader can follow.
AUTO_PATHS_PER_ACTIVITY = 2
#: ... but never fewer than this many (a small map is legible with all its paths).
AUTO_MIN_PATHS = 20

ACTIVITY_COLUMNS = (
    "activity", "events", "cases", "event_share",
    "median_service_days", "mean_service_days", "median_service_workdays", "mean_service_workdays",
)


@dataclass(frozen=True, slots=True)
class Simplification:
    """What :func:`simplify` kept and removed, so that a map title can say so.

    Shares are fractions (0..1). ``transitions`` are edge occurrences between shown activities.
    """

    activities_requested: float
    paths_requested: float
    max_activities: int | None
    activities_total: int
    activities_shown: int
    events_total: int
    events_shown: int
    edges_total: int
    edges_shown: int
    transitions_total: int
    transitions_shown: int
    edges_added_for_connectivity: int
    cases_without_shown_activity: int
    rule: str = ""
    max_paths: int | None = None

    @property
    def event_share(self) -> float:
        return self.events_shown / self.events_total if self.events_total else 1.0

    @property
    def transition_share(self) -> float:
        return self.transitions_shown / self.transitions_total if self.transitions_total else 1.0

    @property
    def is_identity(self) -> bool:
        """True when nothing was removed."""
        return self.activities_shown == self.activities_total and self.edges_shown == self.edges_total

    def describe(self) -> str:
        """One line for a map title: "27 of 27 activities (100 % of events), 40 of 99 paths (95 % of ...)"."""
        return (
            f"{self.activities_shown} of {self.activities_total} activities ({_pct(self.event_share)} of events), "
            f"{self.edges_shown} of {self.edges_total} paths ({_pct(self.transition_share)} of transitions)"
        )

    def to_summary(self) -> dict[str, Any]:
        return {
            "activities_requested_pct": round(self.activities_requested, 4),
            "paths_requested_pct": round(self.paths_requested, 4),
            "max_activities": self.max_activities,
            "max_paths": self.max_paths,
            "activities_total": self.activities_total,
            "activities_shown": self.activities_shown,
            "events_total": self.events_total,
            "events_shown": self.events_shown,
            "event_share": round(self.event_share, 4),
            "edges_total": self.edges_total,
            "edges_shown": self.edges_shown,
            "transitions_total": self.transitions_total,
            "transitions_shown": self.transitions_shown,
            "transition_share": round(self.transition_share, 4),
            "edges_added_for_connectivity": self.edges_added_for_connectivity,
            "cases_without_shown_activity": self.cases_without_shown_activity,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class DirectlyFollowsGraph:
    """A process map: activities, directly-follows edges, start and end activities.

    Attributes:
        edges: one row per edge, most frequent first; columns of
            :data:`processmining.analyses.edges.EDGE_COLUMNS` (``source``, ``target``, ``count``,
            ``cases``, then median/mean/p90/max/total waiting time in calendar days ``*_wait_days``
            and in working days ``*_wait_workdays``).
        activities: one row per activity, most frequent first: ``activity``, ``events`` (events of
            that activity), ``cases`` (cases with at least one), ``event_share``, and
            ``median_service_days``/``mean_service_days`` (+ ``*_workdays``) where the log has starts
            (NaN otherwise).
        start_activities: ``activity``, ``cases`` (cases that begin with it), most frequent first.
        end_activities: ``activity``, ``cases`` (cases that end with it), most frequent first.
        n_cases, n_events: of the log the graph was discovered from.
        calendar: the working calendar of the ``*_workdays`` columns.
        simplification: what :func:`simplify` removed (``None``: the full graph).
        has_service_times: whether the log had start times.
        cases_without_shown_activity: cases none of whose activities is shown (after simplification).
    """

    edges: pd.DataFrame
    activities: pd.DataFrame
    start_activities: pd.DataFrame
    end_activities: pd.DataFrame
    n_cases: int
    n_events: int
    calendar: WorkCalendar
    has_service_times: bool = False
    simplification: Simplification | None = None
    cases_without_shown_activity: int = 0
    #: The log the graph was discovered from (simplification projects it onto the kept activities).
    log: EventLog | None = field(default=None, compare=False, repr=False)

    @property
    def n_activities(self) -> int:
        return len(self.activities)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    def to_summary(self) -> dict[str, Any]:
        """JSON-ready block for ``summary.json``: ``edges`` (DESIGN.md), start/end activities, simplification.

        Each edge: ``from``, ``to``, ``count``, ``cases``, ``median_wait_days``, ``mean_wait_days``,
        ``p90_wait_days``, ``max_wait_days``, ``median_wait_workdays``, ``mean_wait_workdays``,
        ``p90_wait_workdays``; floats rounded to 4 decimals, missing values as ``None``; sorted by count.
        """
        edges = [
            {
                "from": row.source,
                "to": row.target,
                "count": int(row.count),
                "cases": int(row.cases),
                "median_wait_days": json_float(row.median_wait_days),
                "mean_wait_days": json_float(row.mean_wait_days),
                "p90_wait_days": json_float(row.p90_wait_days),
                "max_wait_days": json_float(row.max_wait_days),
                "median_wait_workdays": json_float(row.median_wait_workdays),
                "mean_wait_workdays": json_float(row.mean_wait_workdays),
                "p90_wait_workdays": json_float(row.p90_wait_workdays),
            }
            for row in self.edges.itertuples(index=False)
        ]
        return {
            "edges": edges,
            "start_activities": {str(a): int(c) for a, c in self.start_activities.itertuples(index=False)},
            "end_activities": {str(a): int(c) for a, c in self.end_activities.itertuples(index=False)},
            "calendar": self.calendar.describe(),
            "simplification": self.simplification.to_summary() if self.simplification else None,
        }


def discover_dfg(log: EventLog, *, calendar: WorkCalendar | None = None) -> DirectlyFollowsGraph:
    """Discover the directly-follows graph of a log, with frequency and waiting times on every edge.

    Args:
        log: the event log.
        calendar: working calendar for the ``*_workdays`` figures (default: Swedish, 08-17).

    Returns:
        The full graph (nothing removed); pass it to :func:`simplify` for a legible map.

    Example:
        >>> dfg = discover_dfg(log)  # the demo log
        >>> first = dfg.edges.iloc[0]
        >>> f"{first['source']} → {first['target']}: {first['count']}"
        'Ansökan inkommen → Ärende registrerat: 3000'
    """
    calendar = calendar or WorkCalendar()
    ev = log.events
    edges = edge_table(log, calendar).reset_index(drop=True)
    codes = log.case_codes()
    n = len(ev)
    if n:
        first = np.r_[True, codes[1:] != codes[:-1]]
        last = np.r_[codes[1:] != codes[:-1], True]
    else:
        first = last = np.zeros(0, dtype=bool)
    acts, names = log.codes(ACTIVITY)
    activities = activity_figures(log, calendar)
    release_unused_memory()  # the group-by temporaries of a million events
    return DirectlyFollowsGraph(
        edges=edges,
        activities=activities,
        start_activities=_ranked_code_counts(acts[first], names),
        end_activities=_ranked_code_counts(acts[last], names),
        n_cases=log.n_cases,
        n_events=n,
        calendar=calendar,
        has_service_times=log.has_start,
        log=log,
    )


def _ranked_counts(values: pd.Series) -> pd.DataFrame:
    counts = values.value_counts(sort=False)
    table = pd.DataFrame({"activity": counts.index.astype(object), "cases": counts.to_numpy(dtype="int64")})
    return table.sort_values(["cases", "activity"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _ranked_code_counts(codes: np.ndarray, names: np.ndarray) -> pd.DataFrame:
    """:func:`_ranked_counts` of ``names[codes]``, counted on the codes."""
    if (codes < 0).any():
        return _ranked_counts(pd.Series(names[codes], dtype=object))
    counts = np.bincount(codes, minlength=len(names))
    present = np.flatnonzero(counts)
    table = pd.DataFrame({"activity": pd.Series(names[present], dtype=object),
                          "cases": counts[present].astype("int64")})
    return table.sort_values(["cases", "activity"], ascending=[False, True], kind="stable").reset_index(drop=True)


def activity_figures(log: EventLog, calendar: WorkCalendar) -> pd.DataFrame:
    """Per activity of the map: events, cases and service and waiting figures (:data:`ACTIVITY_COLUMNS`);
    the core figures of a cluster engine come from the same function (:mod:`processmining.engine`)."""
    ev = log.events
    acts, names = log.codes(ACTIVITY)
    if (acts < 0).any():
        return _activity_table_by_name(log, calendar)
    n_act = len(names)
    if log.has_start:
        service_days = calendar.calendar_days(ev[START], ev[TIMESTAMP])
        if calendar.kind == "se":
            hours = calendar.hours_between(event_work_seconds(log, calendar, "start"),
                                           event_work_seconds(log, calendar, "done"))
            service_workdays = hours / calendar.hours_per_day
        else:
            service_workdays = calendar.working_days(ev[START], ev[TIMESTAMP])
    else:
        service_days = service_workdays = np.full(len(ev), np.nan)
    # Group-bys on the activity codes (sorted names): the groups and row order of a group-by on the names.
    grouped = pd.DataFrame({"service_days": service_days, "service_workdays": service_workdays}).groupby(
        acts, sort=True)
    first = log.occurrences()["rank"] == 0  # first event of each (case, activity)
    rows, counts = group_order(acts, n_act)
    table = pd.DataFrame({
        "activity": pd.Series(names, dtype=object),
        "events": np.bincount(acts, minlength=n_act).astype("int64"),
        "cases": np.bincount(acts[first], minlength=n_act).astype("int64"),
        # pandas' group-by medians, without its full sort
        "median_service_days": segment_stats(np.asarray(service_days, dtype="float64")[rows], counts,
                                             median=True)["median"],
        "mean_service_days": grouped["service_days"].mean().to_numpy(),
        "median_service_workdays": segment_stats(np.asarray(service_workdays, dtype="float64")[rows], counts,
                                                 median=True)["median"],
        "mean_service_workdays": grouped["service_workdays"].mean().to_numpy(),
    })
    table["event_share"] = table["events"] / max(len(ev), 1)
    table = table.sort_values(["events", "activity"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return table[list(ACTIVITY_COLUMNS)]


def _activity_table_by_name(log: EventLog, calendar: WorkCalendar) -> pd.DataFrame:
    ev = log.events
    codes = log.case_codes()
    frame = pd.DataFrame({"activity": ev[ACTIVITY].to_numpy(), "case": codes})
    if log.has_start:
        frame["service_days"] = calendar.calendar_days(ev[START], ev[TIMESTAMP])
        frame["service_workdays"] = calendar.working_days(ev[START], ev[TIMESTAMP])
    else:
        frame["service_days"] = np.nan
        frame["service_workdays"] = np.nan
    grouped = frame.groupby("activity", sort=True)
    table = grouped.agg(
        events=("case", "size"),
        cases=("case", "nunique"),
        median_service_days=("service_days", "median"),
        mean_service_days=("service_days", "mean"),
        median_service_workdays=("service_workdays", "median"),
        mean_service_workdays=("service_workdays", "mean"),
    ).reset_index()
    table["event_share"] = table["events"] / max(len(ev), 1)
    table = table.sort_values(["events", "activity"], ascending=[False, True], kind="stable").reset_index(drop=True)
    table["activity"] = table["activity"].astype(object)
    return table[list(ACTIVITY_COLUMNS)]


# ---- simplification ------------------------------------------------------------------------------


def auto_simplify(n_activities: int) -> tuple[float, int | None, str]:
    """The default slider settings for a log with ``n_activities`` activities.

    Rule: up to :data:`AUTO_THRESHOLD` (40) activities, show all of them; above that, show the
    :data:`AUTO_MAX_ACTIVITIES` (35) most frequent ones. Paths: all paths between shown activities.

    Returns:
        (activities %, max_activities or None, the rule as one line for titles and help).
    """
    if n_activities <= AUTO_THRESHOLD:
        return 100.0, None, f"all activities (the log has at most {AUTO_THRESHOLD})"
    return 100.0, AUTO_MAX_ACTIVITIES, (
        f"the {AUTO_MAX_ACTIVITIES} most frequent activities (the log has {n_activities}, "
        f"more than {AUTO_THRESHOLD})"
    )


def auto_max_paths(n_shown_activities: int) -> int:
    """The default path limit of a map with ``n_shown_activities`` activities.

    Rule: :data:`AUTO_PATHS_PER_ACTIVITY` (2) paths per shown activity, at least
    :data:`AUTO_MIN_PATHS` (20), start and end paths included, the most frequent first; :func:`simplify`
    then adds what keeps the map connected. On 08_receipt (27 activities) the map shows 54 of 99 paths
    (99 % of the transitions); on BPIC15_1 (36 of 398 activities) 69 of 565 paths (76 %).
    """
    return max(AUTO_PATHS_PER_ACTIVITY * n_shown_activities, AUTO_MIN_PATHS)


def simplify_for_map(
    dfg: DirectlyFollowsGraph,
    *,
    activities: float | None = None,
    paths: float | None = None,
) -> DirectlyFollowsGraph:
    """Simplify a full graph for a map a reader can follow: the defaults of ``discover`` and ``analyze``.

    Args:
        dfg: the full graph from :func:`discover_dfg`.
        activities: share of events (%) the shown activities must cover; ``None``: :func:`auto_simplify`
            (all activities up to 40, else the 35 most frequent).
        paths: share of transitions (%) the shown paths must cover; ``None``: the most frequent
            :func:`auto_max_paths` paths (2 per shown activity). Either way the map stays connected.

    Returns:
        The simplified graph; its ``simplification.rule`` says how the settings were chosen.
    """
    if activities is None:
        act_share, max_activities, rule = auto_simplify(dfg.n_activities)
    else:
        act_share, max_activities, rule = activities, None, f"activities covering {activities:g} % of events"
    if paths is None:
        shown = len(_keep_activities(dfg, act_share, max_activities))
        limit: int | None = auto_max_paths(shown)
        path_share = 100.0
        rule += f"; at most the {limit} most frequent paths and those that keep the map connected"
    else:
        limit, path_share = None, paths
        rule += f"; paths covering {paths:g} % of transitions"
    return simplify(dfg, activities=act_share, paths=path_share, max_activities=max_activities, rule=rule,
                    max_paths=limit)


def simplify(
    dfg: DirectlyFollowsGraph,
    *,
    activities: float = 100.0,
    paths: float = 100.0,
    max_activities: int | None = None,
    rule: str = "",
    max_paths: int | None = None,
) -> DirectlyFollowsGraph:
    """Simplify a process map like Disco's activity and path sliders, keeping it connected.

    1. Activities: keep the most frequent activities (by events) until they cover ``activities`` % of
       the events, at most ``max_activities`` of them, and always the most frequent start and end
       activity. The log is then projected onto the kept activities, as Disco does: a case
       a→b→c with b hidden flows a→c, so counts and waiting times stay those of real cases (the
       waiting time of a→c runs from a's completion to c's start). Projection needs the log the
       graph was discovered from; a graph without one just drops the hidden activities' edges.
    2. Paths: rank every edge of the projected map, including the edges from the start node ▶ and
       to the end node ■, by count and keep the most frequent ones until they cover ``paths`` % of
       the edge occurrences, and at most ``max_paths`` of them.
    3. Connectivity: a greedy pass in the manner of Prim's algorithm over edges by frequency (not an
       optimal maximum spanning arborescence, which would be costlier and rarely differ): while a
       shown activity is not reachable from ▶, add the most frequent edge from a reachable node to
       an unreachable one; then, the same backwards until every shown activity reaches ■. Every
       activity occurs in some case that runs from ▶ to ■, so this always succeeds.

    Args:
        dfg: the full graph from :func:`discover_dfg`.
        activities: share of events (0 < x <= 100) the kept activities must cover.
        paths: share of edge occurrences (0 < x <= 100) the kept edges must cover.
        max_activities: keep at most this many activities (``None``: no limit).
        rule: a one-line description of how the settings were chosen (shown in titles).
        max_paths: keep at most this many paths before connectivity (``None``: no limit); start and
            end paths count.

    Returns:
        A graph with the kept activities and edges and a :class:`Simplification` record.
    """
    for name, value in (("activities", activities), ("paths", paths)):
        if not 0 < value <= 100 or math.isnan(value):
            raise ConfigError(f"--{name} must be a percentage above 0 and at most 100, got {value:g}")
    if max_activities is not None and max_activities < 1:
        raise ConfigError(f"at most {max_activities} activities: must be at least 1")
    if max_paths is not None and max_paths < 1:
        raise ConfigError(f"at most {max_paths} paths: must be at least 1")
    if dfg.simplification is not None:
        raise ConfigError("this process map is already simplified; simplify the full map from discover_dfg")

    kept = _keep_activities(dfg, activities, max_activities)
    if len(kept) == dfg.n_activities:
        base = dfg
    elif dfg.log is not None:
        ev = dfg.log.events
        projected = dfg.log.with_events(ev[ev[ACTIVITY].isin(kept)].reset_index(drop=True))
        base = discover_dfg(projected, calendar=dfg.calendar)
        # The nodes keep their full figures (events, cases, service times): hiding b does not
        # change how often a happened.
        base = replace(base, activities=dfg.activities[dfg.activities["activity"].isin(kept)].reset_index(drop=True),
                       n_cases=dfg.n_cases, n_events=dfg.n_events, log=dfg.log)
    else:
        base = replace(
            dfg,
            activities=dfg.activities[dfg.activities["activity"].isin(kept)].reset_index(drop=True),
            edges=dfg.edges[dfg.edges["source"].isin(kept) & dfg.edges["target"].isin(kept)].reset_index(drop=True),
            start_activities=dfg.start_activities[dfg.start_activities["activity"].isin(kept)].reset_index(drop=True),
            end_activities=dfg.end_activities[dfg.end_activities["activity"].isin(kept)].reset_index(drop=True),
        )
    cases_covered = int(base.start_activities["cases"].sum())
    empty_cases = dfg.n_cases - cases_covered if dfg.log is not None else 0

    # All candidate edges of the map, artificial ones included: (source, target, count).
    candidates = _map_edges(base)
    total = sum(c for _, _, c in candidates)
    chosen: set[tuple[str, str]] = set()
    if paths >= 100 and max_paths is None:
        chosen = {(s, t) for s, t, _ in candidates}
    else:
        running = 0
        for s, t, c in candidates:  # already most frequent first
            if total and running / total >= paths / 100:
                break
            if max_paths is not None and len(chosen) >= max_paths:
                break
            chosen.add((s, t))
            running += c
    added = _connect(kept, candidates, chosen)

    edges = base.edges[[(s, t) in chosen for s, t in zip(base.edges["source"], base.edges["target"], strict=True)]]
    starts = base.start_activities[[(START_NODE, a) in chosen for a in base.start_activities["activity"]]]
    ends = base.end_activities[[(a, END) in chosen for a in base.end_activities["activity"]]]
    record = Simplification(
        activities_requested=float(activities),
        paths_requested=float(paths),
        max_activities=max_activities,
        activities_total=dfg.n_activities,
        activities_shown=len(kept),
        events_total=dfg.n_events,
        events_shown=int(base.activities["events"].sum()),
        edges_total=len(base.edges),
        edges_shown=len(edges),
        transitions_total=int(base.edges["count"].sum()),
        transitions_shown=int(edges["count"].sum()),
        edges_added_for_connectivity=added,
        cases_without_shown_activity=empty_cases,
        rule=rule,
        max_paths=max_paths,
    )
    return replace(
        base,
        edges=edges.reset_index(drop=True),
        start_activities=starts.reset_index(drop=True),
        end_activities=ends.reset_index(drop=True),
        simplification=record,
        cases_without_shown_activity=empty_cases,
    )


def _keep_activities(dfg: DirectlyFollowsGraph, activities: float, max_activities: int | None) -> list[str]:
    table = dfg.activities  # most frequent first
    if table.empty:
        return []
    share = table["events"].cumsum().to_numpy() / max(int(table["events"].sum()), 1)
    # Smallest prefix whose share reaches the target (a tiny tolerance so that 100 % means all).
    n_keep = int(np.searchsorted(share, activities / 100 - 1e-12) + 1)
    if max_activities is not None:
        n_keep = min(n_keep, max_activities)
    kept = table["activity"].iloc[:n_keep].tolist()
    for must in (dfg.start_activities, dfg.end_activities):
        if not must.empty and must["activity"].iloc[0] not in kept:
            kept.append(must["activity"].iloc[0])
    return kept


def _map_edges(dfg: DirectlyFollowsGraph) -> list[tuple[str, str, int]]:
    """Every edge of the map, start/end edges included, most frequent first (ties: by names)."""
    rows = [(str(s), str(t), int(c)) for s, t, c in zip(dfg.edges["source"], dfg.edges["target"],
                                                       dfg.edges["count"], strict=True)]
    rows += [(START_NODE, str(a), int(c)) for a, c in dfg.start_activities.itertuples(index=False)]
    rows += [(str(a), END, int(c)) for a, c in dfg.end_activities.itertuples(index=False)]
    rows.sort(key=lambda r: (-r[2], r[0], r[1]))
    return rows


def _reach(origin: str, chosen: set[tuple[str, str]], *, backwards: bool) -> set[str]:
    adjacency: dict[str, list[str]] = {}
    for s, t in chosen:
        a, b = (t, s) if backwards else (s, t)
        adjacency.setdefault(a, []).append(b)
    seen = {origin}
    stack = [origin]
    while stack:
        for nxt in adjacency.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _connect(kept: list[str], candidates: list[tuple[str, str, int]], chosen: set[tuple[str, str]]) -> int:
    """Add the most frequent edges that make every kept activity reachable from ▶ and reach ■."""
    added = 0
    for backwards in (False, True):
        origin = END if backwards else START_NODE
        reached = _reach(origin, chosen, backwards=backwards)
        missing = [a for a in kept if a not in reached]
        while missing:
            best = None
            for s, t, _ in candidates:  # most frequent first: the first crossing edge is the best
                inside, outside = (t, s) if backwards else (s, t)
                if inside in reached and outside not in reached and (s, t) not in chosen:
                    best = (s, t)
                    break
            if best is None:  # cannot happen for a graph from discover_dfg; keep the map as it is
                break
            chosen.add(best)
            added += 1
            reached = _reach(origin, chosen, backwards=backwards)
            missing = [a for a in kept if a not in reached]
    return added


def _pct(share: float) -> str:
    pct = share * 100
    if pct >= 99.95 and share < 1:
        return ">99.9 %"
    return f"{pct:.0f} %" if pct >= 10 or pct == 0 else f"{pct:.1f} %"
