"""Handovers of work between units (``org:group``) or case officers (``org:resource``), with networkx.

Definitions (they follow DESIGN.md):

- A *handover* u -> v is a directly-follows pair of events of one case (consecutive in the log's sorted
  order) whose first event was done by unit (resource) u and whose second by a different unit v.
  A pair where either event has no unit (resource) is not a handover; such pairs and events are
  counted (``counts["unknown_transitions"]``, ``counts["unknown_events"]``) and named in ``notes``.
- The *delay* of a handover is DESIGN.md's waiting time of that transition (completion of the first
  event to the start of the second, or its completion where it has no start), taken from
  :func:`processmining.analyses.edges.transition_waits`, in calendar days and in working days of the
  given :class:`~processmining.calendar.WorkCalendar`.
- *Work received from others* of a node: its events whose preceding event in the case was done by
  another (known) node; ``received_share`` = received / events.
- A *ping-pong* A -> B -> A is three consecutive events of one case done by A, then B, then A again
  (A != B; an A B B A sequence is two handovers, not a ping-pong). A B A B A holds three ping-pongs.
- *Betweenness* is weighted by distance = 1 / handovers (a frequent handover is a short path), stored
  as the edge attribute ``distance``; *PageRank* is weighted by ``weight`` (= handovers), damping 0.85.
- *Communities*: Louvain (``networkx.community.louvain_communities``, seed 42) on the undirected graph
  whose edge weight is the sum of both directions (``DiGraph.to_undirected()`` would keep only one
  direction's weight for a reciprocal pair). Numbered 1, 2, ... from the largest.

Privacy (k-anonymity, ``min_group`` = k, default 5): the published graph and every table hold no node,
edge or row about fewer than k distinct cases (a node covers the cases it worked on, an edge the cases
in which it occurs). Suppressed nodes, edges and handovers are counted in ``counts`` and said in
``notes``; distributions are binned so that every bin holds at least k cases. Resource level needs a
pseudonymised log (``log.source.pseudonymised``) unless the caller passes ``allow_names=True``.

Everything is vectorised over the transitions frame (one group-by per table); pm4py's handover-of-work
makes one Python call per case and is the slowest step at scale (PITFALLS.md), so it is not used.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..errors import AnalysisError, ConfigError
from ..formatting import json_ready
from ..log import GROUP, RESOURCE, EventLog, release_unused_memory
from .edges import transition_waits
from .order_stats import group_order, nan_p90, segment_stats

__all__ = [
    "COMPARISON_COLUMNS",
    "EDGE_COLUMNS",
    "LEVELS",
    "NODE_COLUMNS",
    "HandoverAnalysis",
    "HandoverComparison",
    "choose_level",
    "compare_periods",
    "unsuppressed_edges",
    "handover_graph",
]

Level = Literal["unit", "resource"]
LEVELS: tuple[str, ...] = ("unit", "resource")
DEFAULT_MIN_GROUP = 5
PAGERANK_ALPHA = 0.85
SEED = 42  # Louvain communities and sampled betweenness
#: Above this many nodes betweenness is estimated from this many sampled sources (seeded), since exact
#: betweenness grows as nodes x edges; the result's notes say so when it happens.
BETWEENNESS_EXACT_MAX_NODES = 1000

NODE_COLUMNS = (
    "node", "events", "cases", "received", "received_share", "handovers_in", "handovers_out",
    "partners_in", "partners_out", "pagerank", "betweenness", "community",
)
EDGE_COLUMNS = (
    "source", "target", "handovers", "cases", "share", "median_delay_days", "mean_delay_days",
    "median_delay_workdays", "mean_delay_workdays", "reverse_handovers",
)
WAITING_COLUMNS = (
    "kind", "transitions", "cases", "median_wait_days", "mean_wait_days", "p90_wait_days",
    "median_wait_workdays", "mean_wait_workdays", "p90_wait_workdays",
)
COMPARISON_COLUMNS = (
    "source", "target", "status", "handovers_before", "handovers_after", "per100_before", "per100_after",
    "change_per100", "cases_before", "cases_after", "median_delay_days_before", "median_delay_days_after",
    "median_delay_workdays_before", "median_delay_workdays_after",
)
_LEVEL_COLUMN = {"unit": GROUP, "resource": RESOURCE}


# ---- results ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HandoverAnalysis:
    """Handover graph of one log at one level, k-anonymous, with its metrics.

    Attributes:
        level: ``"unit"`` (org:group) or ``"resource"`` (org:resource).
        min_group: k: nothing about fewer than k distinct cases is in this result.
        calendar: the working calendar of the ``*_workdays`` figures.
        graph: ``networkx.DiGraph``; nodes carry the :data:`NODE_COLUMNS` values (but ``node``), plus
            ``unit`` (the unit a resource works in most) at resource level; edges carry ``handovers``,
            ``weight`` (= handovers), ``distance`` (= 1 / handovers), ``cases``, ``median_delay_days``,
            ``mean_delay_days``, ``median_delay_workdays``, ``mean_delay_workdays``. All values are
            Python int/float/str (GraphML/GEXF/JSON safe, never NaN).
        nodes: one row per node (:data:`NODE_COLUMNS`), most events first. ``handovers_in``/``_out``:
            weighted in/out degree in ``graph``; ``partners_in``/``_out``: unweighted degree;
            ``received``: events received from another node (all of them, also from suppressed
            nodes), ``received_share`` = received / events.
        edges: one row per edge (:data:`EDGE_COLUMNS`), most handovers first. ``share``: of all
            handovers counted; ``reverse_handovers``: handovers v -> u of the same pair (0 if none).
        reciprocal: pairs handed over in both directions: ``node_a``, ``node_b`` (a < b), ``a_to_b``,
            ``b_to_a``, ``handovers`` (sum), ``balance`` (a_to_b - b_to_a).
        pingpong: ``source`` (A), ``target`` (B), ``pingpongs`` (A -> B -> A sequences), ``cases``.
        per_case: distribution of handovers per case: ``handovers`` (bin label, "3-4", last bin "7+"),
            ``low``, ``high`` (inclusive; -1 for the open last bin), ``cases``, ``share``.
        pingpong_per_case: the same for ping-pongs per case.
        waiting: waiting time of handovers against steps within one node (and transitions with an
            unknown node): :data:`WAITING_COLUMNS`, ``kind`` in ``handover``, ``within``, ``unknown``.
        counts: totals over the whole log (before suppression where it says so): cases, events,
            transitions, handovers, cases_with_handover, unknown_events, unknown_transitions,
            pingpongs, cases_with_pingpong, suppressed_nodes, suppressed_edges, suppressed_handovers,
            suppressed_pingpong_pairs, suppressed_waiting_rows; and per-case statistics
            handovers_per_case_median/_mean/_p90.
        notes: sentences a user must see with the figures (unknown units, suppression, sampling).
    """

    level: str
    min_group: int
    calendar: WorkCalendar
    graph: nx.DiGraph
    nodes: pd.DataFrame
    edges: pd.DataFrame
    reciprocal: pd.DataFrame
    pingpong: pd.DataFrame
    per_case: pd.DataFrame
    pingpong_per_case: pd.DataFrame
    waiting: pd.DataFrame
    counts: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def hubs(self) -> pd.DataFrame:
        """Nodes by PageRank, highest first (ties: betweenness, then name)."""
        return self.nodes.sort_values(["pagerank", "betweenness", "node"], ascending=[False, False, True],
                                      kind="stable").reset_index(drop=True)

    @property
    def communities(self) -> list[list[str]]:
        """Louvain communities as sorted lists of node names, community 1 first."""
        groups = self.nodes.groupby("community", sort=True)["node"].agg(lambda s: sorted(s.tolist()))
        return [list(g) for g in groups.tolist()]

    def to_summary(self, *, top: int = 10) -> dict[str, Any]:
        """The ``handovers`` block of ``summary.json`` (DESIGN.md): JSON-ready, floats to 4 decimals."""
        c = self.counts
        waiting = {
            row["kind"]: {k: json_ready(row[k]) for k in WAITING_COLUMNS if k != "kind"}
            for row in self.waiting.to_dict("records")
        }
        return {
            "level": self.level,
            "nodes": self.graph.number_of_nodes(),
            "edges": self.graph.number_of_edges(),
            "handovers": int(c["handovers"]),
            "handovers_shown": int(sum(w for _, _, w in self.graph.edges(data="weight"))),
            "cases": int(c["cases"]),
            "cases_with_handover": int(c["cases_with_handover"]),
            "handovers_per_case": {
                "median": json_ready(c["handovers_per_case_median"]),
                "mean": json_ready(c["handovers_per_case_mean"]),
                "p90": json_ready(c["handovers_per_case_p90"]),
            },
            "unknown_events": int(c["unknown_events"]),
            "unknown_transitions": int(c["unknown_transitions"]),
            "min_group": self.min_group,
            "suppressed": {
                "nodes": int(c["suppressed_nodes"]),
                "edges": int(c["suppressed_edges"]),
                "handovers": int(c["suppressed_handovers"]),
            },
            "top_edges": [
                {"from": r["source"], "to": r["target"], "handovers": int(r["handovers"]), "cases": int(r["cases"]),
                 "median_delay_days": json_ready(r["median_delay_days"]),
                 "median_delay_workdays": json_ready(r["median_delay_workdays"])}
                for r in self.edges.head(top).to_dict("records")
            ],
            "hubs": [
                {"node": r["node"], "pagerank": json_ready(r["pagerank"]), "betweenness": json_ready(r["betweenness"]),
                 "handovers_in": int(r["handovers_in"]), "handovers_out": int(r["handovers_out"]),
                 "received_share": json_ready(r["received_share"]), "community": int(r["community"])}
                for r in self.hubs.head(min(top, 5)).to_dict("records")
            ],
            "communities": len(self.communities),
            "reciprocal_pairs": len(self.reciprocal),
            "pingpong": {
                "total": int(c["pingpongs"]),
                "cases": int(c["cases_with_pingpong"]),
                "top": [
                    {"from": r["source"], "to": r["target"], "pingpongs": int(r["pingpongs"]), "cases": int(r["cases"])}
                    for r in self.pingpong.head(top).to_dict("records")
                ],
            },
            "waiting": waiting,
            "calendar": self.calendar.describe("en"),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class HandoverComparison:
    """Handovers in cases that started before a date against cases that started on or after it.

    Attributes:
        before_date: the split date; a case belongs to the period in which its first event falls
            (local date in the log's time zone).
        level, min_group: as in :class:`HandoverAnalysis`.
        before, after: the analysis of each period (each k-anonymous on its own).
        edges: one row per edge seen in either period (:data:`COMPARISON_COLUMNS`), sorted by absolute
            change per 100 cases. ``per100_*`` = handovers per 100 cases of that period (the periods
            differ in size). ``status``: ``appeared`` (none before), ``vanished`` (none after),
            ``grew``/``shrank`` (per-100 rate up/down), ``unchanged``. A cell about fewer than k
            cases of its period is empty (None); a row whose both periods are below k is left out.
        notes: sentences a user must see with the table.
    """

    before_date: dt.date
    level: str
    min_group: int
    cases_before: int
    cases_after: int
    before: HandoverAnalysis
    after: HandoverAnalysis
    edges: pd.DataFrame
    notes: tuple[str, ...] = ()

    def to_summary(self, *, top: int = 10) -> dict[str, Any]:
        """JSON-ready comparison block: period sizes, status counts and the largest changes."""
        status = self.edges["status"].value_counts()
        return {
            "level": self.level,
            "split": "case start date",
            "before": self.before_date.isoformat(),
            "cases_before": self.cases_before,
            "cases_after": self.cases_after,
            "handovers_per_case_before": json_ready(self.before.counts["handovers_per_case_mean"]),
            "handovers_per_case_after": json_ready(self.after.counts["handovers_per_case_mean"]),
            "status": {s: int(status.get(s, 0)) for s in ("grew", "shrank", "appeared", "vanished", "unchanged")},
            "edges": [{k: json_ready(v) for k, v in r.items()} for r in self.edges.head(top).to_dict("records")],
            "notes": list(self.notes),
        }


# ---- public functions ---------------------------------------------------------------------------
def choose_level(log: EventLog, *, allow_names: bool = False) -> str | None:
    """The level a default run should use: ``"unit"`` where the log has units, else ``"resource"`` where
    it has pseudonymised resources (or ``allow_names``), else ``None`` (no handover analysis possible)."""
    if log.has(GROUP):
        return "unit"
    if log.has(RESOURCE) and (log.source.pseudonymised or allow_names):
        return "resource"
    return None


def handover_graph(
    log: EventLog,
    *,
    level: Level | str = "unit",
    calendar: WorkCalendar | None = None,
    min_group: int = DEFAULT_MIN_GROUP,
    allow_names: bool = False,
) -> HandoverAnalysis:
    """Build the handover graph of ``log`` and its metrics, with nothing about fewer than k cases.

    Args:
        log: the event log.
        level: ``"unit"`` (org:group) or ``"resource"`` (org:resource).
        calendar: working calendar for the ``*_workdays`` figures (default: Swedish, 08-17).
        min_group: k of the k-anonymity rule (>= 1; 1 publishes everything).
        allow_names: allow resource level on a log whose resource ids are not pseudonymised.

    Raises:
        AnalysisError: the log has no unit (resource) column, or resource level on real names
            without ``allow_names``.
        ConfigError: an unknown level or a min_group below 1.
    """
    level = _check_options(log, level, min_group, allow_names)
    calendar = calendar or _default_calendar()
    full = _compute(log, level, calendar)
    release_unused_memory()  # the million-row temporaries of the computation
    return _publish(full, level=level, calendar=calendar, min_group=min_group)


def compare_periods(
    log: EventLog,
    *,
    before: dt.date,
    level: Level | str = "unit",
    calendar: WorkCalendar | None = None,
    min_group: int = DEFAULT_MIN_GROUP,
    allow_names: bool = False,
) -> HandoverComparison:
    """Compare handovers of cases that started before ``before`` with those that started on or after it.

    Cases are split by the local date of their first event (a case is never cut in two), so a
    reorganisation on ``before`` shows as the difference between cases begun under the old and the
    new way of working. Edge figures are also given per 100 cases, since the periods differ in size.

    Args:
        log: the event log.
        before: first day of the "after" period.
        level, calendar, min_group, allow_names: as in :func:`handover_graph`.

    Raises:
        AnalysisError: one of the periods has no cases, or as :func:`handover_graph`.
    """
    level = _check_options(log, level, min_group, allow_names)
    calendar = calendar or _default_calendar()
    starts = log.case_table()["start"]
    split = pd.Timestamp(before).tz_localize(starts.dt.tz)
    early = starts < split
    n_before, n_after = int(early.sum()), int((~early).sum())
    if n_before == 0 or n_after == 0:
        first, last = starts.min().date().isoformat(), starts.max().date().isoformat()
        empty = "before" if n_before == 0 else "on or after"
        raise AnalysisError(
            f"{log.source.path}: no case starts {empty} {before.isoformat()}; cases start between {first} and "
            f"{last}: choose a --compare-before date in that range"
        )
    early_ids = set(starts.index[early.to_numpy()])
    in_before = log.events["case:concept:name"].isin(early_ids).to_numpy()
    logs = {
        "before": log.with_events(log.events.loc[in_before].reset_index(drop=True)),
        "after": log.with_events(log.events.loc[~in_before].reset_index(drop=True)),
    }
    fulls = {name: _compute(sub, level, calendar) for name, sub in logs.items()}
    analyses = {name: _publish(full, level=level, calendar=calendar, min_group=min_group)
                for name, full in fulls.items()}
    table, hidden = _compare_edges(fulls["before"], fulls["after"], n_before, n_after, min_group)
    notes = [
        f"Cases are split by the date of their first event: {n_before} started before {before.isoformat()}, "
        f"{n_after} on or after it.",
    ]
    if hidden:
        notes.append(f"{hidden} edge(s) about fewer than {min_group} cases in both periods are not shown.")
    return HandoverComparison(
        before_date=before, level=level, min_group=min_group, cases_before=n_before, cases_after=n_after,
        before=analyses["before"], after=analyses["after"], edges=table, notes=tuple(notes),
    )


@functools.cache
def _default_calendar() -> WorkCalendar:
    """Swedish working days 08-17, built once (its holiday table takes a moment to compute)."""
    return WorkCalendar()


# ---- checks -------------------------------------------------------------------------------------
def _check_options(log: EventLog, level: str, min_group: int, allow_names: bool) -> Level:
    if level not in LEVELS:
        raise ConfigError(f"unknown handover level {level!r}; choose one of: {', '.join(LEVELS)}")
    if isinstance(min_group, bool) or not isinstance(min_group, int | np.integer) or min_group < 1:
        raise ConfigError(f"--min-group must be a whole number of at least 1, not {min_group!r}")
    column = _LEVEL_COLUMN[level]
    if not log.has(column):
        if level == "unit":
            other = " or use --level resource" if log.has(RESOURCE) else ""
            raise AnalysisError(
                f"{log.source.path}: no unit column (org:group) with values, so there are no handovers between "
                f"units; map one with --unit COLUMN (or in a profile){other}"
            )
        raise AnalysisError(
            f"{log.source.path}: no resource column (org:resource) with values; map one with --resource COLUMN "
            "(or in a profile), or use --level unit"
        )
    if level == "resource" and not log.source.pseudonymised and not allow_names:
        raise AnalysisError(
            f"{log.source.path}: resource-level handovers would show case officers' real ids (this log is not "
            "pseudonymised); read it with pseudonymisation on (the default, without --no-pseudonymise), or run "
            "`processmining handovers LOG --level resource --show-names` to show them anyway"
        )
    return level  # type: ignore[return-value]


# ---- computation over the whole log (nothing suppressed yet) -------------------------------------
@dataclass(frozen=True, slots=True)
class _Full:
    """Unsuppressed figures of one log: internal, never published as such."""

    names: np.ndarray           # node names (str), index = node code
    events: np.ndarray          # events per node
    cases: np.ndarray           # distinct cases per node
    received: np.ndarray        # events received from another known node
    main_unit: list[str | None] | None  # resource level: unit each resource works in most
    edges: pd.DataFrame         # source, target (codes), handovers, cases, delays
    pingpong: pd.DataFrame      # source, target (codes), pingpongs, cases
    per_case: np.ndarray        # handovers per case (all cases)
    pingpong_per_case: np.ndarray
    waiting: pd.DataFrame       # WAITING_COLUMNS, unsuppressed
    n_cases: int
    n_events: int
    n_transitions: int
    unknown_events: int
    unknown_transitions: int


def _compute(log: EventLog, level: str, calendar: WorkCalendar) -> _Full:
    ev = log.events
    column = _LEVEL_COLUMN[level]
    node_codes, uniques = log.codes(column)  # pd.factorize(sort=True), computed once per log
    names = np.array([str(u) for u in uniques], dtype=object)
    n_nodes = len(names)
    case_codes = log.case_codes()
    n_cases = len(log.case_ids())

    tr = transition_waits(log, calendar)
    # log.transitions() has one row per consecutive same-case event pair, in event order; recover the
    # event positions so that node codes come from the one factorisation above (no re-hashing of names).
    src = log.transition_positions()
    if len(src) != len(tr):  # pragma: no cover - guards the coupling to log.transitions()
        raise RuntimeError("log.transitions() no longer has one row per consecutive event pair")
    a, b = node_codes[src], node_codes[src + 1]
    t_case = case_codes[src]
    known = (a >= 0) & (b >= 0)
    cross = known & (a != b)
    within = known & (a == b)

    known_ev = node_codes >= 0
    width = max(n_nodes, 1)
    events = np.bincount(node_codes[known_ev], minlength=n_nodes)
    cases = _distinct_cases(node_codes[known_ev], case_codes[known_ev], n_nodes)
    received = np.bincount(b[cross], minlength=n_nodes)

    wait_days = tr["wait_days"].to_numpy(dtype="float64")
    wait_work = np.asarray(tr["wait_workdays"], dtype="float64")
    # One integer key per ordered pair (source * n + target): grouping on it is much faster than on two
    # columns, and its sorted order is the (source, target) order.
    edge_key = a[cross].astype(np.int64) * width + b[cross]
    edge_case = t_case[cross]
    cross_days, cross_work = wait_days[cross], wait_work[cross]
    edges = (
        pd.DataFrame({"key": edge_key, "days": cross_days, "workdays": cross_work})
        .groupby("key", sort=True)
        .agg(handovers=("days", "size"), mean_delay_days=("days", "mean"), mean_delay_workdays=("workdays", "mean"))
    )
    # pandas' group-by medians, without its full sort (order_stats.py)
    rows, counts = group_order(np.searchsorted(edges.index.to_numpy(dtype=np.int64), edge_key), len(edges))
    edges.insert(1, "median_delay_days", segment_stats(cross_days[rows], counts, median=True)["median"])
    edges.insert(3, "median_delay_workdays", segment_stats(cross_work[rows], counts, median=True)["median"])
    edges = _with_pair_columns(edges, edge_key, edge_case, width, "handovers")

    # Ping-pong: handover i (A -> B) directly followed, in the same case, by handover i+1 (B -> A).
    nxt_same = np.zeros(len(src), dtype=bool)
    if len(src) > 1:
        nxt_same[:-1] = (t_case[:-1] == t_case[1:]) & cross[:-1] & cross[1:] & (a[:-1] == b[1:])
    pp = np.flatnonzero(nxt_same)
    pp_key = a[pp].astype(np.int64) * width + b[pp]
    pingpong = pd.Series(pp_key).value_counts(sort=False).sort_index().rename("pingpongs").to_frame()
    pingpong = _with_pair_columns(pingpong, pp_key, t_case[pp], width, "pingpongs")

    kinds = np.where(cross, 0, np.where(within, 1, 2)).astype(np.int8)
    del a, b, edge_key, edge_case
    release_unused_memory()  # before the waiting table makes its own million-row temporaries
    waiting = _waiting_table(kinds, t_case, wait_days, wait_work)

    main_unit = None
    if level == "resource" and log.has(GROUP):
        main_unit = _main_unit(node_codes, ev[GROUP], n_nodes, coded=log.codes(GROUP))

    return _Full(
        names=names, events=events, cases=cases, received=received, main_unit=main_unit, edges=edges,
        pingpong=pingpong,
        per_case=np.bincount(t_case[cross], minlength=n_cases),
        pingpong_per_case=np.bincount(t_case[pp], minlength=n_cases),
        waiting=waiting, n_cases=n_cases, n_events=len(ev), n_transitions=len(src),
        unknown_events=int((~known_ev).sum()), unknown_transitions=int((~known).sum()),
    )


def _distinct_cases(group: np.ndarray, case: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of distinct cases per group code (0..n_groups-1), from parallel arrays.

    pandas' int64 hash table (``duplicated``) on one combined key is several times faster here than
    ``np.unique`` or a two-column ``groupby().nunique()``.
    """
    key = case.astype(np.int64) * max(n_groups, 1) + group
    first = ~pd.Series(key).duplicated().to_numpy()
    return np.bincount(group[first], minlength=n_groups)


def _with_pair_columns(table: pd.DataFrame, key: np.ndarray, case: np.ndarray, width: int, count: str) -> pd.DataFrame:
    """Add ``source``/``target`` codes decoded from the pair key and the distinct ``cases`` per pair."""
    keys = table.index.to_numpy(dtype=np.int64)
    codes = np.searchsorted(keys, key)  # position of each row's pair in the sorted table
    table = table.reset_index(drop=True)
    table.insert(0, "source", keys // width)
    table.insert(1, "target", keys % width)
    table["cases"] = _distinct_cases(codes, case, len(keys))
    cols = ["source", "target", count, "cases"]
    return table[cols + [c for c in table.columns if c not in cols]]


_KINDS = ("handover", "within", "unknown")


def _waiting_table(kinds: np.ndarray, case: np.ndarray, days: np.ndarray, work: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"kind": kinds, "days": days, "work": work})
    table = frame.groupby("kind", sort=True).agg(transitions=("days", "size"), mean_wait_days=("days", "mean"),
                                                 mean_wait_workdays=("work", "mean"))
    present = table.index.to_numpy(dtype=np.int64)
    # The medians as pandas gives them and numpy's p90 of each kind's values, from one sort of the kinds.
    order, counts = group_order(kinds, len(_KINDS))
    for name, values in (("days", days), ("workdays", work)):
        ordered = np.asarray(values, dtype="float64")[order]
        table[f"median_wait_{name}"] = segment_stats(ordered, counts, median=True)["median"][present]
        parts = np.split(ordered, np.cumsum(counts)[:-1])
        table[f"p90_wait_{name}"] = [nan_p90(parts[k]) for k in present]
    table["cases"] = _distinct_cases(kinds.astype(np.int64), case, len(_KINDS))[present]
    table.index = [_KINDS[i] for i in present]
    return table.rename_axis("kind").reset_index()[list(WAITING_COLUMNS)]


def _main_unit(node_codes: np.ndarray, units: pd.Series, n_nodes: int,
               coded: tuple[np.ndarray, np.ndarray] | None = None) -> list[str | None]:
    """The unit in which each resource did most of its events (ties: the unit name first in order)."""
    unit_codes, unit_names = coded if coded is not None else pd.factorize(units, sort=True)
    ok = (node_codes >= 0) & (unit_codes >= 0)
    counts = pd.DataFrame({"r": node_codes[ok], "u": unit_codes[ok]}).value_counts().rename("n").reset_index()
    best = counts.sort_values(["r", "n", "u"], ascending=[True, False, True]).drop_duplicates("r")
    result: list[str | None] = [None] * n_nodes
    for r, u in zip(best["r"].tolist(), best["u"].tolist(), strict=True):  # one per resource
        result[r] = str(unit_names[u])
    return result


# ---- publication: k-anonymity, graph, metrics -----------------------------------------------------
def _publish(full: _Full, *, level: str, calendar: WorkCalendar, min_group: int) -> HandoverAnalysis:
    k = min_group
    keep_node = full.cases >= k
    edges = full.edges
    keep_edge = (edges["cases"] >= k).to_numpy() & keep_node[edges["source"].to_numpy()] \
        & keep_node[edges["target"].to_numpy()]
    shown = edges.loc[keep_edge].reset_index(drop=True)
    total_handovers = int(edges["handovers"].sum())
    node_ids = np.flatnonzero(keep_node & (full.events > 0))
    notes: list[str] = []

    graph = nx.DiGraph(level=level, min_group=k, calendar=calendar.describe("en"))
    for i in node_ids:  # one per node, sorted by name: insertion order makes Louvain and files deterministic
        attrs: dict[str, Any] = {
            "events": int(full.events[i]), "cases": int(full.cases[i]), "received": int(full.received[i]),
            "received_share": float(full.received[i] / full.events[i]),
        }
        if full.main_unit is not None and full.main_unit[i] is not None:
            attrs["unit"] = full.main_unit[i]
        graph.add_node(str(full.names[i]), **attrs)
    for row in shown.itertuples(index=False):  # one per edge
        h = int(row.handovers)
        graph.add_edge(
            str(full.names[row.source]), str(full.names[row.target]),
            handovers=h, weight=h, distance=1.0 / h, cases=int(row.cases),
            median_delay_days=float(row.median_delay_days), mean_delay_days=float(row.mean_delay_days),
            median_delay_workdays=float(row.median_delay_workdays),
            mean_delay_workdays=float(row.mean_delay_workdays),
        )
    notes.extend(_add_metrics(graph))

    nodes = _nodes_frame(graph, level)
    edge_table = _edges_frame(graph, total_handovers)
    reciprocal = _reciprocal(edge_table)

    pp = full.pingpong
    pp_keep = (pp["cases"] >= k).to_numpy()
    pingpong = pp.loc[pp_keep].copy()
    pingpong["source"] = full.names[pingpong["source"].to_numpy()].tolist() if len(pingpong) else []
    pingpong["target"] = full.names[pingpong["target"].to_numpy()].tolist() if len(pingpong) else []
    pingpong = pingpong.sort_values(["pingpongs", "source", "target"], ascending=[False, True, True],
                                    kind="stable").reset_index(drop=True)[["source", "target", "pingpongs", "cases"]]

    wait_keep = (full.waiting["cases"] >= k).to_numpy()
    waiting = full.waiting.loc[wait_keep].reset_index(drop=True)

    per_case = full.per_case
    counts: dict[str, Any] = {
        "cases": full.n_cases, "events": full.n_events, "transitions": full.n_transitions,
        "handovers": total_handovers, "cases_with_handover": int((per_case > 0).sum()),
        # Statistics over fewer than k cases would be about those few cases: left out (NaN).
        "handovers_per_case_median": float(np.median(per_case)) if len(per_case) >= k else float("nan"),
        "handovers_per_case_mean": float(per_case.mean()) if len(per_case) >= k else float("nan"),
        "handovers_per_case_p90": float(np.quantile(per_case, 0.9)) if len(per_case) >= k else float("nan"),
        "unknown_events": full.unknown_events, "unknown_transitions": full.unknown_transitions,
        "pingpongs": int(full.pingpong["pingpongs"].sum()),
        "cases_with_pingpong": int((full.pingpong_per_case > 0).sum()),
        "suppressed_nodes": int((~keep_node & (full.events > 0)).sum()),
        "suppressed_edges": int((~keep_edge).sum()),
        "suppressed_handovers": int(edges.loc[~keep_edge, "handovers"].sum()),
        "suppressed_pingpong_pairs": int((~pp_keep).sum()),
        "suppressed_waiting_rows": int((~wait_keep).sum()),
    }
    what = "unit" if level == "unit" else "resource"
    if full.unknown_events:
        notes.insert(0, f"{full.unknown_events} event(s) have no {what}; the {full.unknown_transitions} step(s) "
                        f"to or from them are not counted as handovers.")
    if counts["suppressed_nodes"] or counts["suppressed_edges"]:
        notes.append(
            f"Not shown (about fewer than {k} cases): {counts['suppressed_nodes']} {what}(s), "
            f"{counts['suppressed_edges']} edge(s) with {counts['suppressed_handovers']} handover(s)."
        )
    if counts["suppressed_pingpong_pairs"] or counts["suppressed_waiting_rows"]:
        notes.append(f"Not shown (about fewer than {k} cases): {counts['suppressed_pingpong_pairs']} ping-pong "
                     f"pair(s), {counts['suppressed_waiting_rows']} waiting-time row(s).")
    return HandoverAnalysis(
        level=level, min_group=k, calendar=calendar, graph=graph, nodes=nodes, edges=edge_table,
        reciprocal=reciprocal, pingpong=pingpong, per_case=_binned(per_case, k, "handovers"),
        pingpong_per_case=_binned(full.pingpong_per_case, k, "pingpongs"), waiting=waiting,
        counts=counts, notes=tuple(notes),
    )


def _add_metrics(graph: nx.DiGraph) -> list[str]:
    """PageRank, betweenness, degrees and Louvain communities as node attributes; returns notes."""
    notes: list[str] = []
    if graph.number_of_nodes() == 0:
        return notes
    pagerank = nx.pagerank(graph, alpha=PAGERANK_ALPHA, weight="weight")
    if graph.number_of_nodes() <= BETWEENNESS_EXACT_MAX_NODES:
        betweenness = nx.betweenness_centrality(graph, weight="distance", normalized=True)
    else:
        sample = BETWEENNESS_EXACT_MAX_NODES // 2
        betweenness = nx.betweenness_centrality(graph, k=sample, weight="distance", normalized=True,
                                                seed=SEED)
        notes.append(f"Betweenness is estimated from {sample} sampled nodes (the graph has "
                     f"{graph.number_of_nodes()} nodes).")
    undirected = nx.Graph()
    undirected.add_nodes_from(graph.nodes)
    for u, v, w in graph.edges(data="weight"):  # one per edge: sum both directions of a reciprocal pair
        prior = undirected.edges[u, v]["weight"] if undirected.has_edge(u, v) else 0
        undirected.add_edge(u, v, weight=prior + w)
    found = nx.community.louvain_communities(undirected, weight="weight", seed=SEED)
    ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    community = {node: i + 1 for i, members in enumerate(ordered) for node in members}
    for node in graph.nodes:
        attrs = graph.nodes[node]
        attrs["handovers_in"] = int(graph.in_degree(node, weight="weight"))
        attrs["handovers_out"] = int(graph.out_degree(node, weight="weight"))
        attrs["partners_in"] = int(graph.in_degree(node))
        attrs["partners_out"] = int(graph.out_degree(node))
        attrs["pagerank"] = float(pagerank[node])
        attrs["betweenness"] = float(betweenness[node])
        attrs["community"] = community[node]
    return notes


def _nodes_frame(graph: nx.DiGraph, level: str) -> pd.DataFrame:
    columns = list(NODE_COLUMNS) + (["unit"] if level == "resource" else [])
    rows = [{"node": n, **{c: d.get(c) for c in columns if c != "node"}} for n, d in graph.nodes(data=True)]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame.astype({c: "int64" for c in ("events", "cases", "received", "handovers_in", "handovers_out",
                                                   "partners_in", "partners_out", "community")})
    return frame.sort_values(["events", "node"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _edges_frame(graph: nx.DiGraph, total: int) -> pd.DataFrame:
    rows = []
    for u, v, d in graph.edges(data=True):  # one per edge
        reverse = graph.edges[v, u]["handovers"] if graph.has_edge(v, u) else 0
        rows.append({
            "source": u, "target": v, "handovers": d["handovers"], "cases": d["cases"],
            "share": d["handovers"] / total if total else 0.0,
            "median_delay_days": d["median_delay_days"], "mean_delay_days": d["mean_delay_days"],
            "median_delay_workdays": d["median_delay_workdays"], "mean_delay_workdays": d["mean_delay_workdays"],
            "reverse_handovers": reverse,
        })
    frame = pd.DataFrame(rows, columns=list(EDGE_COLUMNS))
    if frame.empty:
        return frame.astype({"handovers": "int64", "cases": "int64", "reverse_handovers": "int64"})
    return frame.sort_values(["handovers", "source", "target"], ascending=[False, True, True],
                             kind="stable").reset_index(drop=True)


def _reciprocal(edges: pd.DataFrame) -> pd.DataFrame:
    both = edges.loc[(edges["reverse_handovers"] > 0) & (edges["source"] < edges["target"])]
    frame = pd.DataFrame({
        "node_a": both["source"], "node_b": both["target"],
        "a_to_b": both["handovers"].astype("int64"), "b_to_a": both["reverse_handovers"].astype("int64"),
    })
    frame["handovers"] = frame["a_to_b"] + frame["b_to_a"]
    frame["balance"] = frame["a_to_b"] - frame["b_to_a"]
    return frame.sort_values(["handovers", "node_a", "node_b"], ascending=[False, True, True],
                             kind="stable").reset_index(drop=True)


def _binned(values: np.ndarray, k: int, label: str) -> pd.DataFrame:
    """Distribution of a per-case count in bins of at least k cases each (k-anonymity).

    Bins are exact values where a value has k cases or more; rarer values are merged with the next
    ones until the bin holds k cases; the last bin is open ("7+") so that no maximum is revealed.
    A loop over distinct values (a handful), not over cases.
    """
    columns = [label, "low", "high", "cases", "share"]
    total = len(values)
    if total < k or total == 0:
        return pd.DataFrame({c: pd.Series(dtype="object" if c == label else "int64") for c in columns})
    counts = np.bincount(values)
    bins: list[list[int]] = []  # [low, high, cases]
    current: list[int] | None = None
    for value, n in enumerate(counts.tolist()):
        if n == 0 and current is None:
            continue
        if current is None:
            current = [value, value, 0]
        current[1], current[2] = value, current[2] + n
        if current[2] >= k:
            bins.append(current)
            current = None
    if current is not None:  # the rarest highest values: merge into the last full bin
        if bins:
            bins[-1][1], bins[-1][2] = current[1], bins[-1][2] + current[2]
        else:
            bins.append(current)
    bins[-1][1] = -1
    rows = []
    for low, high, n in bins:
        text = f"{low}+" if high == -1 else (str(low) if low == high else f"{low}-{high}")
        rows.append({label: text, "low": low, "high": high, "cases": n, "share": n / total})
    return pd.DataFrame(rows, columns=columns)


# ---- comparison -----------------------------------------------------------------------------------
def unsuppressed_edges(log: EventLog, level: str, calendar: WorkCalendar) -> pd.DataFrame:
    """Every handover edge of ``level`` with its figures, indexed by (source, target) names, *before* the
    k-anonymity step of :func:`handover_graph`: for a cluster engine that merges partitions' counts
    (:mod:`processmining.engine`), never for publishing as it is."""
    return _named_edges(_compute(log, level, calendar))


def _named_edges(full: _Full) -> pd.DataFrame:
    e = full.edges.copy()
    e["source"] = full.names[e["source"].to_numpy()].tolist() if len(e) else []
    e["target"] = full.names[e["target"].to_numpy()].tolist() if len(e) else []
    return e.set_index(["source", "target"])


def _compare_edges(before: _Full, after: _Full, n_before: int, n_after: int, k: int) -> tuple[pd.DataFrame, int]:
    b, a = _named_edges(before), _named_edges(after)
    cols = ["handovers", "cases", "median_delay_days", "median_delay_workdays"]
    table = b[cols].add_suffix("_before").join(a[cols].add_suffix("_after"), how="outer")
    for side in ("before", "after"):
        table[f"handovers_{side}"] = table[f"handovers_{side}"].fillna(0).astype("int64")
        table[f"cases_{side}"] = table[f"cases_{side}"].fillna(0).astype("int64")
    table["per100_before"] = table["handovers_before"] / n_before * 100
    table["per100_after"] = table["handovers_after"] / n_after * 100
    table["change_per100"] = table["per100_after"] - table["per100_before"]
    hb, ha = table["handovers_before"] > 0, table["handovers_after"] > 0
    table["status"] = np.select(
        [~hb & ha, hb & ~ha, table["change_per100"] > 0, table["change_per100"] < 0],
        ["appeared", "vanished", "grew", "shrank"], default="unchanged",
    )
    table["_low_before"] = hb & (table["cases_before"] < k)
    table["_low_after"] = ha & (table["cases_after"] < k)
    hidden_rows = (table["_low_before"] | ~hb) & (table["_low_after"] | ~ha)
    hidden = int(hidden_rows.sum())
    table = table.loc[~hidden_rows].reset_index()
    table["_abs"] = table["change_per100"].abs()
    table = table.sort_values(["_abs", "source", "target"], ascending=[False, True, True], kind="stable")
    table = table.reset_index(drop=True)
    for side in ("before", "after"):
        # Cells about fewer than k cases of their period are blanked (NA); the status stays (it names no
        # count). Counts become nullable integers so that a blank is not a fake 0.
        low = table[f"_low_{side}"].to_numpy(dtype=bool)
        for col in (f"handovers_{side}", f"cases_{side}"):
            table[col] = table[col].astype("Int64").mask(low)
        for col in (f"per100_{side}", f"median_delay_days_{side}", f"median_delay_workdays_{side}",
                    "change_per100"):
            table[col] = table[col].astype("float64").mask(low)
    return table[list(COMPARISON_COLUMNS)], hidden


