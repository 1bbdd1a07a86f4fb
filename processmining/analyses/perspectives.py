"""The same log seen per group: per region, programme, unit or any other attribute, and where groups differ.

:func:`compare_groups` splits the log by the value of one attribute and reports, per group, the key
figures (cases, events, median and p90 throughput in working days, median wait on each edge) and its
worst bottlenecks, then a table of *differences*: edges on which one group's median wait is much
larger than everyone else's, with the ratio, the difference in working days and a sentence in
Swedish and English ("Ärenden från Skåne väntar 3,1 gånger längre mellan Ärende fördelat och
Komplettering begärd än övriga").

Definitions (waits, throughput and working days as in :mod:`processmining.analyses.bottlenecks`):

- Group of a case (case attributes, ``case:*``): the attribute's value on the case. Group of a
  transition: its case's group. Group of an event attribute (``org:group``, ``org:resource``, ...):
  a transition belongs to the value on its *target* event (the unit that acts next, whose queue the
  wait is); a case belongs to every value on its events, its events to the value they carry.
- Others: every transition of the edge outside the group (small groups and cases without a value
  included).
- A difference is listed when the group has at least ``min_cases`` transitions on the edge and the
  others too, the group's median wait is at least ``min_ratio`` times the others' and at least
  ``min_difference`` working days longer, and a one-sided Mann-Whitney U test (normal approximation
  with tie and continuity correction) gives ``p <= max_p``: so that a few slow appeals in a small
  group do not show as a finding. Sorted by ratio, then difference (largest first).
- Bottleneck score per group and edge: the sum over its transitions of ``max(0, wait - baseline)``,
  where the baseline is the median wait of all transitions of the whole log (the same for every group,
  so scores compare across groups).

Vectorised: one groupby over the transitions table joined with the group; the others' medians come
from order statistics over the edge's sorted waits (no loop over groups, no re-reading of the log).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..errors import AnalysisError, ConfigError
from ..formatting import fmt_number, json_ready
from ..log import CASE, GROUP, RESOURCE, EventLog
from .edges import transition_waits
from .order_stats import nan_p90

__all__ = ["PerspectiveResult", "compare_groups", "describe_difference", "resolve_attribute"]

#: Short names accepted for ``by`` besides ``case:NAME`` for ``NAME``.
ALIASES = {"unit": GROUP, "enhet": GROUP, "group": GROUP, "resource": RESOURCE, "handläggare": RESOURCE}
_PHRASES = {
    "case:region": ("från {v}", "from {v}"),
    "case:program": ("i {v}", "in {v}"),
    GROUP: ("hos {v}", "at {v}"),
    RESOURCE: ("hos {v}", "with {v}"),
}


def resolve_attribute(log: EventLog, by: str) -> str:
    """The column ``by`` names: the column itself, ``case:BY``, or an alias (``unit`` -> ``org:group``).

    Raises:
        AnalysisError: no such column, listing the attributes the log has.
    """
    columns = [c for c in log.events.columns if isinstance(c, str)]
    for candidate in (by, f"case:{by}", ALIASES.get(by.casefold(), "")):
        if candidate and candidate in columns and candidate != CASE and log.has(candidate):
            return candidate
    usable = log.case_attributes + [c for c in (GROUP, RESOURCE) if log.has(c)]
    raise AnalysisError(f"no attribute {by!r} in the log; use one of: {', '.join(usable) or '(none)'} "
                        "(case:NAME may be written NAME, e.g. --by region)")


@dataclass(frozen=True, slots=True)
class PerspectiveResult:
    """The log compared per value of one attribute (see the module docstring for the definitions).

    Attributes:
        attribute: the column compared (e.g. ``case:region``).
        level: ``"case"`` (a case attribute) or ``"event"`` (an event attribute such as ``org:group``).
        calendar: the calendar of every working-day figure.
        groups: one row per group compared (most cases first): ``group``, ``cases``, ``events``,
            ``share_of_cases``, ``median_throughput_workdays``, ``p90_throughput_workdays``,
            ``median_throughput_days``, ``p90_throughput_days``.
        edges: one row per group and edge: ``group``, ``source``, ``target``, ``count``, ``cases``,
            ``median_wait_workdays``, ``p90_wait_workdays``, ``median_wait_days``, ``score``.
        bottlenecks: the ``top`` edges per group by score (score > 0), with ``rank`` within the group.
        differences: edges where a group waits much longer than the others: ``group``, ``source``,
            ``target``, ``count``, ``median_wait_workdays``, ``others_count``,
            ``others_median_workdays``, ``ratio``, ``difference_workdays``, ``p_value``, ``text_sv``,
            ``text_en``; largest ratio first.
        excluded: groups left out for having fewer than ``min_cases`` cases: value -> cases.
        missing_cases: cases without a value (not in any group).
        baseline_workdays: the median wait of all transitions (the scores' baseline).
        min_cases, top, min_ratio, min_difference, max_p: the options used.
        notes: what a reader should know (groups left out, cases without a value).
    """

    attribute: str
    level: str
    calendar: WorkCalendar
    groups: pd.DataFrame
    edges: pd.DataFrame
    bottlenecks: pd.DataFrame
    differences: pd.DataFrame
    excluded: dict[str, int]
    missing_cases: int
    baseline_workdays: float
    min_cases: int
    top: int
    min_ratio: float
    min_difference: float
    max_p: float
    notes: tuple[str, ...] = field(default=())

    def describe(self, lang: str = "sv", n: int | None = None) -> list[str]:
        """The differences in words, largest first (``lang``: ``sv`` or ``en``)."""
        column = "text_sv" if lang == "sv" else "text_en"
        texts = self.differences[column].tolist()
        return texts if n is None else texts[:n]

    def to_summary(self) -> dict[str, Any]:
        """JSON-ready (no NaN): options, groups with their figures and bottlenecks, differences, notes."""
        edges_by_group = {g: block for g, block in self.edges.groupby("group", sort=False)}
        tops = {g: block for g, block in self.bottlenecks.groupby("group", sort=False)}
        groups = []
        for row in self.groups.itertuples(index=False):
            block = edges_by_group.get(row.group, self.edges.iloc[:0])
            top = tops.get(row.group, self.bottlenecks.iloc[:0])
            groups.append({
                "group": row.group, "cases": row.cases, "events": row.events, "share_of_cases": row.share_of_cases,
                "median_throughput_workdays": row.median_throughput_workdays,
                "p90_throughput_workdays": row.p90_throughput_workdays,
                "median_throughput_days": row.median_throughput_days,
                "p90_throughput_days": row.p90_throughput_days,
                "bottlenecks": [{"from": r.source, "to": r.target, "count": r.count,
                                 "median_wait_workdays": r.median_wait_workdays, "score": r.score}
                                for r in top.itertuples(index=False)],
                "edges": [{"from": r.source, "to": r.target, "count": r.count,
                           "median_wait_workdays": r.median_wait_workdays, "p90_wait_workdays": r.p90_wait_workdays}
                          for r in block.itertuples(index=False)],
            })
        differences = [{
            "group": r.group, "from": r.source, "to": r.target, "count": r.count,
            "median_wait_workdays": r.median_wait_workdays, "others_count": r.others_count,
            "others_median_workdays": r.others_median_workdays, "ratio": r.ratio,
            "difference_workdays": r.difference_workdays, "p_value": r.p_value,
            "text_sv": r.text_sv, "text_en": r.text_en,
        } for r in self.differences.itertuples(index=False)]
        return json_ready({
            "attribute": self.attribute,
            "level": self.level,
            "calendar": {"kind": self.calendar.kind, "hours": list(self.calendar.hours),
                         "description_sv": self.calendar.describe("sv"),
                         "description_en": self.calendar.describe("en")},
            "options": {"min_cases": self.min_cases, "top": self.top, "min_ratio": self.min_ratio,
                        "min_difference_workdays": self.min_difference, "max_p": self.max_p},
            "baseline_wait_workdays": self.baseline_workdays,
            "groups": groups,
            "differences": differences,
            "excluded": [{"group": g, "cases": c} for g, c in self.excluded.items()],
            "missing_cases": self.missing_cases,
            "notes": list(self.notes),
        })


def _unit(calendar: WorkCalendar, lang: str) -> str:
    if calendar.kind == "se":
        return "arbetsdagar" if lang == "sv" else "working days"
    return "kalenderdagar" if lang == "sv" else "calendar days"


def describe_difference(row: Any, attribute: str, calendar: WorkCalendar, lang: str = "sv") -> str:
    """One sentence on a row of :attr:`PerspectiveResult.differences`."""
    sv = lang == "sv"
    default = ("med {a} {v}", "with {a} {v}")
    phrase = _PHRASES.get(attribute, default)[0 if sv else 1]
    who = phrase.format(v=row["group"], a=attribute.removeprefix("case:"))
    unit = _unit(calendar, lang)
    mine = fmt_number(float(row["median_wait_workdays"]), lang, 1)
    theirs = fmt_number(float(row["others_median_workdays"]), lang, 1)
    diff = fmt_number(float(row["difference_workdays"]), lang, 1)
    ratio = row["ratio"]
    if sv:
        how = (f"{fmt_number(float(ratio), lang, 1)} gånger längre" if pd.notna(ratio) and np.isfinite(ratio)
               else f"{diff} {unit} längre")
        return (f"Ärenden {who} väntar {how} mellan {row['source']} och {row['target']} än övriga "
                f"(median {mine} mot {theirs} {unit}, {diff} {unit} mer; {int(row['count'])} övergångar)")
    how = (f"{fmt_number(float(ratio), lang, 1)} times longer" if pd.notna(ratio) and np.isfinite(ratio)
           else f"{diff} {unit} longer")
    return (f"Cases {who} wait {how} between {row['source']} and {row['target']} than the others "
            f"(median {mine} vs {theirs} {unit}, {diff} {unit} more; {int(row['count'])} transitions)")


# ---- the groups -----------------------------------------------------------------------------------
def _event_positions(log: EventLog) -> np.ndarray:
    """Position (in ``log.events``) of each transition's target event, in ``log.transitions()`` order."""
    codes = log.case_codes()
    same = np.zeros(0, dtype=bool) if len(codes) < 2 else codes[:-1] == codes[1:]
    return np.flatnonzero(same) + 1


def _labels(values: pd.Series) -> np.ndarray:
    """Group values as text (missing: None); each distinct value converted once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = np.array([str(u) for u in uniques], dtype=object)
    labels = np.full(len(codes), None, dtype=object)
    labels[codes >= 0] = text[codes[codes >= 0]]
    return labels


def _quantiles(values: pd.Series, keys: pd.Series) -> pd.DataFrame:
    grouped = values.groupby(keys, sort=False)
    return pd.DataFrame({"median": grouped.median(), "p90": grouped.quantile(0.9)})


def _others_median(edge: np.ndarray, group: np.ndarray, wait: np.ndarray,
                   pairs: pd.DataFrame) -> np.ndarray:
    """Median wait of the edge's transitions outside the group, per (edge, group) row of ``pairs``.

    With the edge's waits sorted, the ``j``-th smallest wait outside group ``g`` sits at position
    ``j + #{i : q_i - i <= j}``, where ``q_0 < q_1 < ...`` are the positions of g's own waits: one
    sort and one ``searchsorted`` over all (edge, group) blocks at once.

    Args:
        edge, group, wait: per transition (group -1: in no compared group); waits without NaN.
        pairs: ``edge``, ``group``, ``n`` (the group's transitions on the edge), ``total`` (the edge's).
    """
    order = np.lexsort((wait, edge))
    e_sorted, g_sorted, w_sorted = edge[order], group[order], wait[order]
    n_edges = int(edge.max()) + 1 if len(edge) else 0
    edge_start = np.searchsorted(e_sorted, np.arange(n_edges), side="left")
    position = np.arange(len(order)) - edge_start[e_sorted]
    member = g_sorted >= 0
    n_groups = int(group.max()) + 1 if len(group) else 1
    block = e_sorted[member].astype(np.int64) * n_groups + g_sorted[member]
    q = position[member]
    # Within a block (edge, group) the members are in wait order; i counts them.
    block_order = np.lexsort((q, block))
    block, q = block[block_order], q[block_order]
    first = np.r_[True, block[1:] != block[:-1]] if len(block) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(first)
    i = np.arange(len(block)) - np.repeat(starts, np.diff(np.r_[starts, len(block)]))
    big = len(order) + 2
    keys = block * big + (q - i)

    pair_block = pairs["edge"].to_numpy(np.int64) * n_groups + pairs["group"].to_numpy(np.int64)
    block_start = np.searchsorted(keys, pair_block * big, side="left")
    others = (pairs["total"] - pairs["n"]).to_numpy(np.int64)
    result = np.full(len(pairs), np.nan)
    ok = others > 0
    values = []
    for j in (np.maximum(others - 1, 0) // 2, others // 2):
        count = np.searchsorted(keys, pair_block * big + j, side="right") - block_start
        pos = j + count
        idx = edge_start[pairs["edge"].to_numpy(np.int64)] + np.minimum(pos, pairs["total"].to_numpy(np.int64) - 1)
        values.append(w_sorted[idx])
    result[ok] = ((values[0] + values[1]) / 2)[ok]
    return result


def _mann_whitney(edge: np.ndarray, group: np.ndarray, wait: np.ndarray, pairs: pd.DataFrame) -> np.ndarray:
    """One-sided p-value that the group's waits on the edge are larger than the others' (normal approx.)."""
    frame = pd.DataFrame({"edge": edge, "group": group, "wait": wait})
    frame["rank"] = frame.groupby("edge", sort=False)["wait"].rank(method="average")
    ties = frame.groupby(["edge", "wait"], sort=False).size()
    tie_term = (ties.astype("float64") ** 3 - ties).groupby(level="edge").sum()
    rank_sum = frame[frame["group"] >= 0].groupby(["edge", "group"], sort=False)["rank"].sum()
    index = pd.MultiIndex.from_frame(pairs[["edge", "group"]])
    r = rank_sum.reindex(index).to_numpy()
    n1 = pairs["n"].to_numpy(dtype="float64")
    total = pairs["total"].to_numpy(dtype="float64")
    n2 = total - n1
    u = r - n1 * (n1 + 1) / 2
    t = tie_term.reindex(pairs["edge"]).to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        var = n1 * n2 / 12 * ((total + 1) - t / (total * (total - 1)))
        z = (u - n1 * n2 / 2 - 0.5) / np.sqrt(var)
    erfc = np.vectorize(math.erfc, otypes=[float])
    p = np.where(np.isfinite(z), 0.5 * erfc(np.nan_to_num(z) / math.sqrt(2)), 1.0)
    return np.asarray(p, dtype="float64")


def compare_groups(
    log: EventLog,
    by: str,
    *,
    calendar: WorkCalendar | None = None,
    top: int = 5,
    min_cases: int = 5,
    min_ratio: float = 1.5,
    min_difference: float = 0.5,
    max_p: float = 0.01,
) -> PerspectiveResult:
    """Analyse the log per value of one attribute and find where a group waits much longer.

    Example:
        >>> result = compare_groups(log, "region")  # case:region, the demo log
        >>> result.describe("sv")[0]
        'Ärenden från Skåne väntar 2,9 gånger längre mellan Ärende fördelat och Bedömning än övriga (...)'

    Args:
        log: the event log.
        by: the attribute: a column (``case:region``, ``org:group``), ``NAME`` for ``case:NAME``, or
            ``unit``/``resource``.
        calendar: the working calendar (default: Swedish working days 08-17).
        top: bottlenecks per group.
        min_cases: groups with fewer cases are left out (and named in ``excluded``); a difference
            needs at least this many transitions in the group and among the others.
        min_ratio: a difference needs the group's median wait at least this many times the others'.
        min_difference: ... and at least this many working days more.
        max_p: ... and a one-sided Mann-Whitney p-value at most this.

    Raises:
        AnalysisError: no such attribute, or fewer than two groups with ``min_cases`` cases.
        ConfigError: options out of range.
    """
    calendar = calendar or WorkCalendar()
    if top < 1:
        raise ConfigError(f"--top must be at least 1, got {top}")
    if min_cases < 1:
        raise ConfigError(f"--min-cases must be at least 1, got {min_cases}")
    if min_ratio < 1:
        raise ConfigError(f"min_ratio must be at least 1, got {min_ratio}")
    attribute = resolve_attribute(log, by)
    level = "case" if attribute.startswith("case:") else "event"
    ev = log.events
    codes = log.case_codes()
    table = log.case_table()
    throughput_wd = pd.Series(calendar.working_days(table["start"], table["end"]), index=np.arange(len(table)))
    throughput_d = pd.Series(table["throughput"].dt.total_seconds().to_numpy() / 86_400, index=throughput_wd.index)

    # (case, group) pairs and each event's group.
    if level == "case":
        case_group = _labels(table[attribute])
        event_group = case_group[codes]
        pair_case = np.arange(len(table))
        pair_group = case_group
    else:
        event_group = _labels(ev[attribute])
        pairs = pd.DataFrame({"case": codes, "group": event_group}).dropna().drop_duplicates()
        pair_case, pair_group = pairs["case"].to_numpy(), pairs["group"].to_numpy(dtype=object)
    has = pd.notna(pair_group)
    cases_per_group = pd.Series(pair_case[has]).groupby(pair_group[has], sort=False).nunique()
    missing_cases = int((~has).sum()) if level == "case" else int(len(table) - len(np.unique(pair_case[has])))
    kept_groups = cases_per_group[cases_per_group >= min_cases]
    excluded = {str(g): int(n) for g, n in cases_per_group[cases_per_group < min_cases].sort_values(
        ascending=False, kind="stable").items()}
    notes = []
    if excluded:
        notes.append(f"{len(excluded)} group(s) with fewer than {min_cases} cases left out: "
                     + ", ".join(f"{g} ({n})" for g, n in excluded.items()))
    if missing_cases:
        notes.append(f"{missing_cases} case(s) have no value for {attribute} and are in no group")
    if len(kept_groups) < 2:
        raise AnalysisError(f"{attribute}: {len(kept_groups)} group(s) with at least {min_cases} cases; a comparison "
                            "needs two (lower --min-cases or pick an attribute with fewer distinct values)")
    names = sorted(kept_groups.index, key=lambda g: (-int(kept_groups[g]), str(g)))
    group_id = {g: i for i, g in enumerate(names)}

    # ---- groups: cases, events, throughput
    events_per_group = pd.Series(1, index=np.arange(len(ev))).groupby(event_group, sort=False).sum()
    in_kept = pd.Series(pair_group, dtype=object).isin(names).to_numpy(dtype=bool)
    pc, pg = pair_case[in_kept], pair_group[in_kept]
    tp_wd = _quantiles(throughput_wd.iloc[pc].reset_index(drop=True), pd.Series(pg))
    tp_d = _quantiles(throughput_d.iloc[pc].reset_index(drop=True), pd.Series(pg))
    groups = pd.DataFrame({"group": names})
    groups["cases"] = kept_groups.reindex(names).to_numpy(dtype="int64")
    groups["events"] = events_per_group.reindex(names).fillna(0).to_numpy(dtype="int64")
    groups["share_of_cases"] = groups["cases"] / len(table)
    groups["median_throughput_workdays"] = tp_wd["median"].reindex(names).to_numpy()
    groups["p90_throughput_workdays"] = tp_wd["p90"].reindex(names).to_numpy()
    groups["median_throughput_days"] = tp_d["median"].reindex(names).to_numpy()
    groups["p90_throughput_days"] = tp_d["p90"].reindex(names).to_numpy()

    # ---- transitions with their group: one groupby for every group's edges
    tr = transition_waits(log, calendar)
    # A transition's group is its target event's: for a case attribute the case's, else the next actor's.
    tr_group = pd.Series(event_group[_event_positions(log)], dtype=object)
    gid = tr_group.map(group_id).fillna(-1).to_numpy(dtype=np.int64)
    wait = tr["wait_workdays"].to_numpy(dtype="float64")
    valid = np.isfinite(wait)
    baseline = float(np.median(wait[valid])) if valid.any() else 0.0
    edge_codes, edge_index = pd.MultiIndex.from_arrays([tr["source"], tr["target"]]).factorize()
    frame = pd.DataFrame({
        "gid": gid, "edge": edge_codes, "case": tr["case"].to_numpy(), "wait_workdays": wait,
        "wait_days": tr["wait_days"].to_numpy(dtype="float64"),
        "excess": np.clip(np.nan_to_num(wait, nan=0.0) - baseline, 0, None),
    })
    member = frame[frame["gid"] >= 0]
    stats = member.groupby(["gid", "edge"], sort=True).agg(
        count=("case", "size"), cases=("case", "nunique"),
        median_wait_workdays=("wait_workdays", "median"),
        p90_wait_workdays=("wait_workdays", nan_p90),
        median_wait_days=("wait_days", "median"), score=("excess", "sum"),
    ).reset_index()
    stats.insert(0, "group", np.asarray(names, dtype=object)[stats["gid"].to_numpy()])
    stats.insert(1, "source", np.asarray(edge_index.get_level_values(0), dtype=object)[stats["edge"].to_numpy()])
    stats.insert(2, "target", np.asarray(edge_index.get_level_values(1), dtype=object)[stats["edge"].to_numpy()])
    edges = stats.sort_values(["gid", "count", "source", "target"], ascending=[True, False, True, True],
                              kind="stable").reset_index(drop=True)
    ranked = edges[edges["score"] > 0].sort_values(["gid", "score", "source", "target"],
                                                   ascending=[True, False, True, True], kind="stable")
    bottlenecks = ranked.groupby("gid", sort=False).head(top).copy()
    bottlenecks["rank"] = bottlenecks.groupby("gid", sort=False).cumcount() + 1
    bottlenecks = bottlenecks.drop(columns=["gid", "edge"]).reset_index(drop=True)

    # ---- differences: the group against everyone else on the same edge
    ok = valid
    e_all, g_all, w_all = edge_codes[ok], gid[ok], wait[ok]
    totals = np.bincount(e_all, minlength=len(edge_index))
    pairs = stats[["gid", "edge", "count"]].rename(columns={"gid": "group"}).copy()
    pairs["n"] = member[np.isfinite(member["wait_workdays"])].groupby(["gid", "edge"], sort=True).size() \
        .reindex(pd.MultiIndex.from_frame(stats[["gid", "edge"]])).fillna(0).to_numpy(dtype="int64")
    pairs["total"] = totals[pairs["edge"].to_numpy()]
    others_median = _others_median(e_all, g_all, w_all, pairs)
    p_value = _mann_whitney(e_all, g_all, w_all, pairs)
    diff = stats[["group", "source", "target", "count", "median_wait_workdays"]].copy()
    diff["others_count"] = (pairs["total"] - pairs["n"]).to_numpy()
    diff["others_median_workdays"] = others_median
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(others_median > 0, diff["median_wait_workdays"].to_numpy() / others_median, np.nan)
    diff["ratio"] = ratio
    diff["difference_workdays"] = diff["median_wait_workdays"] - diff["others_median_workdays"]
    diff["p_value"] = p_value
    large = (
        (pairs["n"].to_numpy() >= min_cases) & (diff["others_count"].to_numpy() >= min_cases)
        & (diff["difference_workdays"].to_numpy() >= min_difference)
        & (np.nan_to_num(ratio, nan=np.inf) >= min_ratio)
        & (diff["p_value"].to_numpy() <= max_p)
    )
    diff = diff[large].copy()
    diff["_finite"] = np.isfinite(diff["ratio"].to_numpy())
    diff = diff.sort_values(["_finite", "ratio", "difference_workdays", "group", "source", "target"],
                            ascending=[False, False, False, True, True, True], kind="stable").drop(columns="_finite")
    diff = diff.reset_index(drop=True)
    diff["text_sv"] = [describe_difference(r, attribute, calendar, "sv") for _, r in diff.iterrows()]
    diff["text_en"] = [describe_difference(r, attribute, calendar, "en") for _, r in diff.iterrows()]
    edges = edges.drop(columns=["gid", "edge"])
    return PerspectiveResult(
        attribute=attribute, level=level, calendar=calendar, groups=groups, edges=edges, bottlenecks=bottlenecks,
        differences=diff, excluded=excluded, missing_cases=missing_cases, baseline_workdays=baseline,
        min_cases=min_cases, top=top, min_ratio=min_ratio, min_difference=min_difference, max_p=max_p,
        notes=tuple(notes),
    )
