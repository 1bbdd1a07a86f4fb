"""Where cases wait, what each wait costs, whose wait it is, and whether it is getting better.

Definitions (DESIGN.md, plus the ones this analysis adds; every output names its calendar):

- Waiting time of an edge a->b: from a's completion to b's start (b's completion where there is no
  start); the figures per edge come from :func:`processmining.analyses.edges.edge_table`, the one source.
- Service time of an activity: from an event's start to its completion, only where starts exist.
- Waiting before an activity: all waits of edges into it.
- Throughput time of a case: first event to last event.
- Working days: the chosen :class:`~processmining.calendar.WorkCalendar` (Swedish working days by
  default; with ``kind="none"`` working days are calendar days).
- Bottleneck score of an edge: ``sum over its occurrences of max(0, wait - baseline)`` in working days,
  where the baseline is the median wait of all transitions in the log: the waiting the edge adds beyond
  a typical hand-over. Activity score: the same excess over the incoming waits plus the excess of its
  service times over the median service time of the log. Share of waiting: the edge's total wait over
  the total wait of all transitions.
- Closed case: its last event is an end activity (``end_activities``; by default "Ärende avslutat" when
  the log has it). Without end activities every case counts as closed (a note says so).
- Work in progress: cases open at the end of each local day (and of each ISO week). A case is open
  from its first to its last event (a case that is not closed: to the log's end). Per unit, a case is
  with the unit that acts next: from the previous event's completion to the completion of that unit's
  (consecutive) events, so a queue in front of a unit counts there. See :func:`work_in_progress`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..errors import ConfigError
from ..formatting import fmt_number, fmt_share, json_ready
from ..log import ACTIVITY, GROUP, START, TIMESTAMP, EventLog, release_unused_memory
from .edges import edge_table, event_work_seconds, transition_waits
from .order_stats import group_order, segment_stats
from .rework import ReworkResult, find_rework
from .sla import (
    Attribution,
    SlaResult,
    Targets,
    attribute_waiting,
    check_targets,
)
from .trends import PERIODS, compute_trends

__all__ = [
    "DEFAULT_END_ACTIVITIES",
    "BottleneckRanking",
    "BottleneckReport",
    "activity_table",
    "analyze_bottlenecks",
    "closed_cases",
    "describe_activity",
    "describe_edge",
    "rank_bottlenecks",
    "throughput_histogram",
    "work_in_progress",
    "unit_words",
    "wip_long",
]

#: End activities used when none are given and the log has them (the demo process's last step).
DEFAULT_END_ACTIVITIES: tuple[str, ...] = ("Ärende avslutat",)
_DAY_S = 86_400.0


# ---- distributions ---------------------------------------------------------------------------------------
def _distribution(values: pd.Series, keys: pd.Series | list[pd.Series], name: str) -> pd.DataFrame:
    """median/mean/p90/max/total of ``values`` per key, columns ``{stat}_{name}`` (vectorised groupby)."""
    grouped = values.groupby(keys, sort=True, observed=True)
    return pd.DataFrame({
        f"median_{name}": grouped.median(),
        f"mean_{name}": grouped.mean(),
        f"p90_{name}": grouped.quantile(0.9),  # linear interpolation, as numpy and edge_table
        f"max_{name}": grouped.max(),
        f"total_{name}": grouped.sum(),
    })


def _stats(values: Iterable[float] | np.ndarray | pd.Series) -> dict[str, float | None]:
    v = np.asarray(values, dtype="float64")
    v = v[~np.isnan(v)]
    if not len(v):
        return {"median": None, "mean": None, "p90": None, "max": None}
    return {"median": float(np.median(v)), "mean": float(v.mean()), "p90": float(np.quantile(v, 0.9)),
            "max": float(v.max())}


def _service_codes(log: EventLog, calendar: WorkCalendar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per event with a start: activity code, service_days, service_workdays (cached per calendar)."""
    return log.shared(f"service:{calendar!r}", lambda: _compute_service_codes(log, calendar))


def _compute_service_codes(log: EventLog, calendar: WorkCalendar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    acts, _names = log.codes(ACTIVITY)
    if not log.has_start:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    ev = log.events
    has = ev[START].notna().to_numpy()
    start, done = ev[START][has], ev[TIMESTAMP][has]
    days = ((done - start).dt.total_seconds() / _DAY_S).to_numpy()
    if calendar.kind == "se":
        work = calendar.hours_between(event_work_seconds(log, calendar, "start")[has],
                                      event_work_seconds(log, calendar, "done")[has]) / calendar.hours_per_day
    else:
        work = calendar.working_days(start, done)
    return acts[has], days, work


def _service(log: EventLog, calendar: WorkCalendar) -> pd.DataFrame:
    """Per event with a start: activity, service_days, service_workdays."""
    if not log.has_start:
        return pd.DataFrame({"activity": pd.Series([], dtype=object), "service_days": pd.Series([], dtype=float),
                             "service_workdays": pd.Series([], dtype=float)})
    codes, days, work = _service_codes(log, calendar)
    names = log.codes(ACTIVITY)[1]
    return pd.DataFrame({"activity": names[codes], "service_days": days, "service_workdays": work})


def _coded_distributions(columns: dict[str, np.ndarray], codes: np.ndarray, names: np.ndarray) -> pd.DataFrame:
    """:func:`_distribution` of each column keyed by integer codes (sorted names): the same groups, rows
    and order as keyed by the names, and one grouping shared by the columns."""
    grouped = pd.DataFrame({name: np.asarray(v, dtype="float64") for name, v in columns.items()}).groupby(
        codes, sort=True, observed=True)
    present = np.flatnonzero(np.bincount(codes, minlength=len(names)))  # the groups a group-by keeps
    rows, counts = group_order(codes, len(names))
    parts = []
    for name in columns:
        g = grouped[name]
        order = segment_stats(np.asarray(columns[name], dtype="float64")[rows], counts, median=True, quantiles=(0.9,))
        parts.append(pd.DataFrame({
            f"median_{name}": order["median"][present],  # pandas' median and quantile, without its full sort
            f"mean_{name}": g.mean().to_numpy(),
            f"p90_{name}": order[0.9][present],  # linear interpolation, as numpy and edge_table
            f"max_{name}": g.max().to_numpy(),
            f"total_{name}": g.sum().to_numpy(),
        }, index=present))
    frame = pd.concat(parts, axis=1)
    frame.index = pd.Index(names[frame.index.to_numpy(dtype=np.int64)].tolist())
    return frame


def activity_table(log: EventLog, calendar: WorkCalendar) -> pd.DataFrame:
    """One row per activity: waiting before it (all edges into it) and its service time (where starts exist).

    Columns: ``activity``, ``events``, ``cases``, ``waits`` (transitions into it), then
    ``{median,mean,p90,max,total}_wait_{days,workdays}``, ``median_wait_workhours``,
    ``mean_wait_workhours``, ``serviced`` (events with a start), ``{...}_service_{days,workdays}``,
    ``median_service_workhours``, ``mean_service_workhours``. Activities without incoming waits or
    starts have NaN there. Sorted by activity name.
    """
    tr = transition_waits(log, calendar)
    acts, act_names = log.codes(ACTIVITY)
    if (acts < 0).any():
        return _activity_table_by_name(log, calendar)
    n_act = len(act_names)
    names = pd.Index(act_names.tolist(), name="activity")
    table = pd.DataFrame(index=names)
    first = log.occurrences()["rank"] == 0  # first event of each (case, activity)
    table["events"] = np.bincount(acts, minlength=n_act)
    table["cases"] = np.bincount(acts[first], minlength=n_act)
    target = acts[log.transition_positions() + 1]
    table["waits"] = np.bincount(target, minlength=n_act)
    table = table.join(_coded_distributions({"wait_days": tr["wait_days"].to_numpy(),
                                              "wait_workdays": tr["wait_workdays"].to_numpy()}, target, act_names))
    table["median_wait_workhours"] = table["median_wait_workdays"] * calendar.hours_per_day
    table["mean_wait_workhours"] = table["mean_wait_workdays"] * calendar.hours_per_day
    svc_codes, svc_days, svc_work = _service_codes(log, calendar)
    table["serviced"] = np.bincount(svc_codes, minlength=n_act)
    table = table.join(_coded_distributions({"service_days": svc_days, "service_workdays": svc_work}, svc_codes,
                                            act_names))
    table["median_service_workhours"] = table["median_service_workdays"] * calendar.hours_per_day
    table["mean_service_workhours"] = table["mean_service_workdays"] * calendar.hours_per_day
    table = table.astype({"events": "int64", "cases": "int64", "waits": "int64", "serviced": "int64"})
    return table.reset_index()


def _activity_table_by_name(log: EventLog, calendar: WorkCalendar) -> pd.DataFrame:
    ev = log.events
    tr = transition_waits(log, calendar)
    names = pd.Index(sorted(ev[ACTIVITY].unique().tolist()), name="activity")
    table = pd.DataFrame(index=names)
    act_codes, act_names = pd.factorize(ev[ACTIVITY], sort=False)
    pair = log.case_codes().astype("int64") * len(act_names) + act_codes  # one integer per (case, activity)
    per_act = np.unique(pair) % max(len(act_names), 1)
    table["events"] = pd.Series(np.bincount(act_codes, minlength=len(act_names)), index=act_names).reindex(names)
    table["cases"] = pd.Series(np.bincount(per_act, minlength=len(act_names)), index=act_names).reindex(names)
    table["waits"] = tr["target"].value_counts().reindex(names, fill_value=0)
    table = table.join(_distribution(tr["wait_days"], tr["target"], "wait_days"))
    table = table.join(_distribution(tr["wait_workdays"], tr["target"], "wait_workdays"))
    table["median_wait_workhours"] = table["median_wait_workdays"] * calendar.hours_per_day
    table["mean_wait_workhours"] = table["mean_wait_workdays"] * calendar.hours_per_day
    svc = _service(log, calendar)
    table["serviced"] = svc["activity"].value_counts().reindex(names, fill_value=0)
    table = table.join(_distribution(svc["service_days"], svc["activity"], "service_days"))
    table = table.join(_distribution(svc["service_workdays"], svc["activity"], "service_workdays"))
    table["median_service_workhours"] = table["median_service_workdays"] * calendar.hours_per_day
    table["mean_service_workhours"] = table["mean_service_workdays"] * calendar.hours_per_day
    table = table.astype({"events": "int64", "cases": "int64", "waits": "int64", "serviced": "int64"})
    return table.reset_index()


# ---- ranking ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BottleneckRanking:
    """Edges and activities ranked by the waiting they add.

    Attributes:
        edges: :data:`~processmining.analyses.edges.EDGE_COLUMNS` plus ``median_wait_workhours``,
            ``mean_wait_workhours``, ``p90_wait_workhours``, ``max_wait_workhours``, ``excess_workdays``
            (= ``score``), ``score``, ``share_of_waiting`` (of all waiting, working days),
            ``share_of_excess`` (of all scores), ``applicant_wait_workdays``, ``applicant_share``
            (share of the edge's waiting that is the applicant's), ``rank`` (1 = worst). Highest score
            first.
        activities: :func:`activity_table` plus ``excess_wait_workdays``, ``excess_service_workdays``,
            ``score``, ``share_of_waiting``, ``rank``. Highest score first.
        baseline_workdays: the typical wait (median of all transitions) the excess is measured over.
        service_baseline_workdays: the median service time of the log (NaN without starts).
        calendar: the calendar of every working-day figure.
    """

    edges: pd.DataFrame
    activities: pd.DataFrame
    baseline_workdays: float
    service_baseline_workdays: float
    calendar: WorkCalendar


def rank_bottlenecks(
    log: EventLog,
    *,
    calendar: WorkCalendar,
    baseline_workdays: float | None = None,
    attribution: Attribution | None = None,
) -> BottleneckRanking:
    """Score every edge and activity by the waiting it adds beyond a typical wait.

    Args:
        log: the event log.
        calendar: the working calendar (scores are in its working days).
        baseline_workdays: the typical wait; default: the median wait of all transitions in the log.
        attribution: with clock stops, adds the applicant's share of each edge's waiting.
    """
    tr = transition_waits(log, calendar)
    waits = tr["wait_workdays"].to_numpy(dtype="float64")
    if baseline_workdays is None:
        baseline_workdays = float(np.nanmedian(waits)) if np.isfinite(waits).any() else 0.0
    excess = pd.Series(np.clip(waits - baseline_workdays, 0, None), index=tr.index)
    hours = calendar.hours_per_day

    edges = edge_table(log, calendar).copy()
    for stat in ("median", "mean", "p90", "max"):
        edges[f"{stat}_wait_workhours"] = edges[f"{stat}_wait_workdays"] * hours
    acts, act_names = log.codes(ACTIVITY)
    coded = not (acts < 0).any() and len(act_names) > 0
    if coded:
        # One integer per (source, target) in name order: the groups, rows and order of a group-by on the
        # two name columns, without hashing text.
        src = log.transition_positions()
        width = len(act_names)
        key: Any = acts[src].astype(np.int64) * width + acts[src + 1]
        position = {name: i for i, name in enumerate(act_names.tolist())}
        index: Any = np.array([position[a] * width + position[b] for a, b in
                               zip(edges["source"].tolist(), edges["target"].tolist(), strict=True)], dtype=np.int64)
    else:
        key = [tr["source"], tr["target"]]
        index = pd.MultiIndex.from_frame(edges[["source", "target"]])
    score = excess.groupby(key, sort=True).sum()
    edges["excess_workdays"] = score.reindex(index).fillna(0.0).to_numpy()
    edges["score"] = edges["excess_workdays"]
    total_wait = float(np.nansum(waits))
    total_excess = float(edges["score"].sum())
    edges["share_of_waiting"] = edges["total_wait_workdays"] / total_wait if total_wait > 0 else np.nan
    edges["share_of_excess"] = edges["score"] / total_excess if total_excess > 0 else 0.0
    if attribution is not None and len(attribution.transitions) == len(tr):
        applicant = attribution.transitions["applicant_workdays"].set_axis(tr.index)
        per_edge = applicant.groupby(key, sort=True).sum().reindex(index).fillna(0.0).to_numpy()
    else:
        per_edge = np.zeros(len(edges))
    edges["applicant_wait_workdays"] = per_edge
    with np.errstate(invalid="ignore", divide="ignore"):
        edges["applicant_share"] = np.where(edges["total_wait_workdays"] > 0,
                                            per_edge / edges["total_wait_workdays"].to_numpy(), 0.0)
    edges = edges.sort_values(["score", "total_wait_workdays", "count", "source", "target"],
                              ascending=[False, False, False, True, True], kind="stable").reset_index(drop=True)
    edges["rank"] = np.arange(1, len(edges) + 1)

    table = activity_table(log, calendar)
    if coded:
        wait_excess = excess.groupby(acts[log.transition_positions() + 1]).sum()
        wait_excess.index = pd.Index(act_names[wait_excess.index.to_numpy(dtype=np.int64)].tolist())
    else:
        wait_excess = excess.groupby(tr["target"]).sum()
    table["excess_wait_workdays"] = wait_excess.reindex(table["activity"]).fillna(0.0).to_numpy()
    if coded:
        svc_codes, _days, svc_work = _service_codes(log, calendar)
        svc_activity: Any = svc_codes
    else:
        svc = _service(log, calendar)
        svc_work, svc_activity = svc["service_workdays"].to_numpy(), svc["activity"]
    service_baseline = float(np.nanmedian(svc_work)) if len(svc_work) else float("nan")
    if len(svc_work):
        svc_excess = pd.Series(np.clip(svc_work - service_baseline, 0, None)).groupby(svc_activity).sum()
        if coded:
            svc_excess.index = pd.Index(act_names[svc_excess.index.to_numpy(dtype=np.int64)].tolist())
        table["excess_service_workdays"] = svc_excess.reindex(table["activity"]).fillna(0.0).to_numpy()
    else:
        table["excess_service_workdays"] = 0.0
    acts = table
    acts["score"] = acts["excess_wait_workdays"] + acts["excess_service_workdays"]
    acts["share_of_waiting"] = acts["total_wait_workdays"].fillna(0.0) / total_wait if total_wait > 0 else np.nan
    acts = acts.sort_values(["score", "events", "activity"], ascending=[False, False, True],
                            kind="stable").reset_index(drop=True)
    acts["rank"] = np.arange(1, len(acts) + 1)
    return BottleneckRanking(edges=edges, activities=acts, baseline_workdays=float(baseline_workdays),
                             service_baseline_workdays=service_baseline, calendar=calendar)


def unit_words(calendar: WorkCalendar, lang: str) -> str:
    """What the calendar's durations are counted in: working days or calendar days, in ``lang``."""
    if calendar.kind == "none":
        return "kalenderdagar" if lang == "sv" else "calendar days"
    return "arbetsdagar" if lang == "sv" else "working days"


def describe_edge(row: Any, calendar: WorkCalendar, lang: str = "sv") -> str:
    """One sentence on a ranked edge (a row of :attr:`BottleneckRanking.edges`)."""
    unit = unit_words(calendar, lang)
    median = fmt_number(float(row["median_wait_workdays"]), lang, 1)
    mean = fmt_number(float(row["mean_wait_workdays"]), lang, 1)
    p90 = fmt_number(float(row["p90_wait_workdays"]), lang, 1)
    share = fmt_share(float(row["share_of_waiting"]) if pd.notna(row["share_of_waiting"]) else 0.0, lang)
    cases = fmt_number(int(row["cases"]), lang, 0)
    applicant = float(row.get("applicant_share", 0.0) or 0.0)
    if lang == "sv":
        text = (f"{row['source']} → {row['target']}: ärenden väntar i median {median} {unit} (medel {mean}; "
                f"90 % inom {p90}); det står för {share} av all väntan ({cases} ärenden)")
        if applicant >= 0.005:
            text += f"; {fmt_share(applicant, lang)} av den väntan är sökandens"
        return text
    text = (f"{row['source']} → {row['target']}: cases wait a median of {median} {unit} (mean {mean}; 90% within "
            f"{p90}); that is {share} of all waiting ({cases} cases)")
    if applicant >= 0.005:
        text += f"; {fmt_share(applicant, lang)} of that waiting is the applicant's"
    return text


def describe_activity(row: Any, calendar: WorkCalendar, lang: str = "sv") -> str:
    """One sentence on a ranked activity (a row of :attr:`BottleneckRanking.activities`)."""
    unit = unit_words(calendar, lang)
    wait = row["median_wait_workdays"]
    service = row["median_service_workdays"]
    share = fmt_share(float(row["share_of_waiting"]) if pd.notna(row["share_of_waiting"]) else 0.0, lang)
    cases = fmt_number(int(row["cases"]), lang, 0)
    if lang == "sv":
        parts = [f"{row['activity']}: väntan före i median {fmt_number(float(wait), lang, 1)} {unit}"
                 if pd.notna(wait) else f"{row['activity']}: ingen väntan före (första steget)"]
        if pd.notna(service):
            parts.append(f"handläggning i median {fmt_number(float(service), lang, 1)} {unit}")
        return ", ".join(parts) + f"; {share} av all väntan ({cases} ärenden)"
    parts = [f"{row['activity']}: median wait before it {fmt_number(float(wait), lang, 1)} {unit}"
             if pd.notna(wait) else f"{row['activity']}: no wait before it (first step)"]
    if pd.notna(service):
        parts.append(f"median service time {fmt_number(float(service), lang, 1)} {unit}")
    return ", ".join(parts) + f"; {share} of all waiting ({cases} cases)"


# ---- cases: closed/open, throughput, work in progress -------------------------------------------------------
def closed_cases(log: EventLog, end_activities: Sequence[str] | None = None) -> tuple[pd.Series, tuple[str, ...]]:
    """Per case (index: case id), True when its last event is an end activity.

    Args:
        log: the event log.
        end_activities: activities that finish a case. ``None``: :data:`DEFAULT_END_ACTIVITIES` where the
            log has them, else every case counts as closed. ``()``: every case counts as closed.

    Returns:
        The flags and the end activities actually used.

    Raises:
        ConfigError: an end activity given by name does not occur in the log.
    """
    ids = log.case_ids()
    present = set(log.activities)
    if end_activities is None:
        used = tuple(a for a in DEFAULT_END_ACTIVITIES if a in present)
    else:
        used = tuple(end_activities)
        missing = [a for a in used if a not in present]
        if missing:
            raise ConfigError(f"end activity {missing[0]!r} does not occur in the log; activities are "
                              f"case-sensitive (e.g. {', '.join(sorted(present)[:5])})")
    if not used:
        return pd.Series(True, index=ids, name="closed"), used
    codes = log.case_codes()
    last = np.r_[codes[1:] != codes[:-1], True] if len(codes) else np.zeros(0, dtype=bool)
    act_codes, act_names = log.codes(ACTIVITY)
    if (act_codes < 0).any():
        is_end = log.events[ACTIVITY].isin(used).to_numpy()
    else:
        is_end = np.isin(act_names, np.array(used, dtype=object))[act_codes]
    flags = np.zeros(len(ids), dtype=bool)
    flags[codes[last]] = is_end[last]
    return pd.Series(flags, index=ids, name="closed"), used


def _local_days(values: pd.Series | pd.DatetimeIndex, timezone: str) -> np.ndarray:
    """Local calendar date of each instant as an integer day number (days since 1970-01-01)."""
    idx = pd.DatetimeIndex(values).tz_convert(timezone).tz_localize(None)
    return idx.to_numpy().astype("datetime64[D]").astype("int64")


def _open_counts(first: np.ndarray, end: np.ndarray, labels: np.ndarray, n_labels: int, n_slots: int) -> np.ndarray:
    """Open counts per (label, slot) for half-open spans [first, end): +1 at first, -1 at end, cumulative sum."""
    width = n_slots + 1
    plus = np.bincount(labels * width + np.minimum(first, n_slots), minlength=n_labels * width)
    minus = np.bincount(labels * width + np.minimum(end, n_slots), minlength=n_labels * width)
    return (plus - minus).reshape(n_labels, width).cumsum(axis=1)[:, :n_slots]


def _unit_spans(log: EventLog, timezone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Per run of consecutive events of one unit in a case: (first day, end day, unit code, unit names).

    A run starts when the previous event of the case completed (the case waits for this unit), or at
    the begin of the case's first event, and ends when the run's last event completes.
    """
    ev = log.events
    codes = log.case_codes()
    units, names = log.codes(GROUP)  # sorted names; missing unit: -1
    done = _ns_times(ev[TIMESTAMP])
    begin = done
    if log.has_start:
        begin = np.where(ev[START].notna().to_numpy(), _ns_times(ev[START]), done)
    first_in_case = np.r_[True, codes[1:] != codes[:-1]]
    arrive = np.where(first_in_case, begin, np.r_[done[:1], done[:-1]])
    new_run = first_in_case | np.r_[True, units[1:] != units[:-1]]
    run_start = arrive[new_run]
    run_end = np.maximum.reduceat(done, np.flatnonzero(new_run)) if len(done) else done
    run_unit = units[new_run]
    keep = run_unit >= 0
    tz_days = _local_days(pd.DatetimeIndex(pd.to_datetime(np.r_[run_start[keep], run_end[keep]], unit="ns", utc=True)),
                          timezone)
    k = int(keep.sum())
    return tz_days[:k], tz_days[k:], run_unit[keep].astype("int64"), [str(n) for n in names]


def _ns_times(values: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(values).as_unit("ns").asi8


def work_in_progress(
    log: EventLog, *, closed: pd.Series | None = None, timezone: str = "Europe/Stockholm",
    as_of: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Open cases at the end of each local day and of each ISO week, overall and per unit.

    A case is open from its first event (its start, where it has one) to its last event; a case that is
    not closed stays open to the log's last timestamp. In a unit, a case is in that unit's queue or
    hands from the completion of the previous event (or the case's start) until the last of the unit's
    consecutive events completes: it is with the unit that acts next, so an open case is in at most one
    unit at a time, and after its last event in none (it counts in ``all`` only). Counts are snapshots at
    the end of the day (24:00 local) or of the week (Sunday 24:00); a case opened and finished within
    one day is not counted. Vectorised: +1/-1 per span and cumulative sums, no loop over days or cases.

    Returns:
        ``(daily, weekly)``: index ``date`` (the day, or the week's Monday), columns ``all`` then units.
    """
    if log.n_events == 0:
        empty = pd.DataFrame({"all": pd.Series([], dtype="int64")})
        return empty, empty
    table = log.case_table()
    as_of = log.events[TIMESTAMP].max() if as_of is None else as_of
    first = _local_days(table["start"], timezone)
    end = _local_days(table["end"], timezone)
    if closed is not None:
        still_open = ~closed.reindex(table.index).fillna(True).to_numpy(dtype=bool)
        end = np.where(still_open, _local_days(pd.DatetimeIndex([as_of]), timezone)[0] + 1, end)
    firsts, ends, labels = [first], [end], [np.zeros(len(first), dtype="int64")]
    columns = ["all"]
    if log.has(GROUP):
        u_first, u_end, u_code, names = _unit_spans(log, timezone)
        firsts.append(u_first)
        ends.append(u_end)
        labels.append(u_code + 1)
        columns += names
    f = np.concatenate(firsts)
    e = np.maximum(np.concatenate(ends), f)
    lab = np.concatenate(labels)
    d0, d1 = int(f.min()), int(max(e.max() - 1, f.max()))
    n_days = d1 - d0 + 1
    daily = _open_counts(f - d0, e - d0, lab, len(columns), n_days)
    days = pd.DatetimeIndex(np.arange(d0, d1 + 1).astype("datetime64[D]"), name="date")
    daily_frame = pd.DataFrame(daily.T, index=days, columns=columns)
    monday0 = d0 - (d0 - 4) % 7  # 1970-01-05, epoch day 4, was a Monday
    # Open at the end of week w (Sunday 24:00) iff the span starts in week <= w and ends in a later week.
    # Sunday of week w is day monday0 + 7w + 6; open then iff f <= that day < e.
    wf = (f - monday0) // 7
    we = np.maximum((e - monday0) // 7, wf)
    n_weeks = int((d1 - monday0) // 7) + 1
    weekly = _open_counts(wf, we, lab, len(columns), n_weeks)
    weeks = pd.DatetimeIndex((monday0 + 7 * np.arange(n_weeks)).astype("datetime64[D]"), name="date")
    weekly_frame = pd.DataFrame(weekly.T, index=weeks, columns=columns)
    return daily_frame, weekly_frame


_NICE_WIDTHS = (0.5, 1, 2, 5, 7, 10, 14, 20, 30, 60, 90, 180, 365, 730)


def throughput_histogram(values: np.ndarray | pd.Series, *, unit: str, bins: int = 20) -> pd.DataFrame:
    """A histogram-ready table: ``unit``, ``from``, ``to`` (bin edges, days), ``cases``.

    Bins start at 0 and have a readable width (1, 2, 5, 7, 14, 30... days) chosen so that about ``bins``
    bins cover the longest case; the last bin includes its upper edge.
    """
    v = np.asarray(values, dtype="float64")
    v = v[np.isfinite(v)]
    if not len(v):
        return pd.DataFrame({"unit": pd.Series([], dtype=object), "from": [], "to": [], "cases": []})
    top = max(float(v.max()), 0.0)
    width = next((w for w in _NICE_WIDTHS if w * bins >= top), math.ceil(top / bins) or 1)
    lo = min(0.0, math.floor(float(v.min()) / width) * width)
    n = max(1, math.ceil((top - lo) / width))
    edges = lo + width * np.arange(n + 1)
    counts, _ = np.histogram(v, bins=edges)
    return pd.DataFrame({"unit": unit, "from": edges[:-1], "to": edges[1:], "cases": counts.astype("int64")})


# ---- the report ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BottleneckReport:
    """Everything the bottleneck analysis found; see the module docstring for the definitions.

    Attributes:
        calendar: the calendar of every working-day figure (``calendar.describe(lang)`` names it).
        ranking: edges and activities ranked (:class:`BottleneckRanking`).
        cases: one row per case (index: case id): ``start``, ``end``, ``events``, ``closed``,
            ``throughput_days``, ``throughput_workdays``, ``applicant_days``, ``applicant_workdays``,
            ``agency_days``, ``agency_workdays``; with targets also ``target``, ``measured``,
            ``late_by``, ``time_left``, ``sla_status``; then the case attributes.
        transitions: one row per wait: ``case``, ``source``, ``target``, ``source_time``,
            ``target_time``, ``wait_days``, ``wait_workdays``, ``applicant_days``, ``applicant_workdays``.
        histogram: throughput histograms (``unit`` = ``days`` and ``workdays``).
        wip_daily, wip_weekly: open cases (see :func:`work_in_progress`).
        attribution: applicant vs agency time (:class:`~processmining.analyses.sla.Attribution`).
        sla: targets measured (``None`` without targets).
        rework: repeats and ping-pong (:class:`~processmining.analyses.rework.ReworkResult`).
        trends: figures per period (:func:`~processmining.analyses.trends.compute_trends`).
        end_activities: end activities used to tell closed from open cases.
        top: how many bottlenecks the summary and the words show.
        period: ``month`` or ``quarter``.
        as_of: the log's last timestamp (open cases are measured at it).
        notes: facts a reader should know (no start times, no end activity, negative waits, ...).
    """

    calendar: WorkCalendar
    ranking: BottleneckRanking
    cases: pd.DataFrame
    transitions: pd.DataFrame
    histogram: pd.DataFrame
    wip_daily: pd.DataFrame
    wip_weekly: pd.DataFrame
    attribution: Attribution
    sla: SlaResult | None
    rework: ReworkResult
    trends: pd.DataFrame
    end_activities: tuple[str, ...]
    top: int
    period: str
    as_of: pd.Timestamp
    notes: tuple[str, ...] = field(default=())

    @property
    def edges(self) -> pd.DataFrame:
        """All edges ranked, worst first (see :class:`BottleneckRanking`)."""
        return self.ranking.edges

    @property
    def activities(self) -> pd.DataFrame:
        return self.ranking.activities

    def top_edges(self, n: int | None = None) -> pd.DataFrame:
        """The worst ``n`` (default ``top``) edges that add any waiting beyond the baseline."""
        e = self.ranking.edges
        return e[e["score"] > 0].head(self.top if n is None else n)

    def top_activities(self, n: int | None = None) -> pd.DataFrame:
        a = self.ranking.activities
        return a[a["score"] > 0].head(self.top if n is None else n)

    def describe(self, lang: str = "sv", n: int | None = None) -> list[str]:
        """The top edges in words, one sentence each (``lang``: ``sv`` or ``en``)."""
        return [describe_edge(row, self.calendar, lang) for _, row in self.top_edges(n).iterrows()]

    def describe_activities(self, lang: str = "sv", n: int | None = None) -> list[str]:
        return [describe_activity(row, self.calendar, lang) for _, row in self.top_activities(n).iterrows()]

    def to_summary(self) -> dict[str, Any]:
        """The ``bottlenecks`` block of ``summary.json`` and related keys; JSON-ready (no NaN)."""
        r = self.ranking
        sv, en = self.describe("sv"), self.describe("en")
        bottlenecks = []
        for i, (_, row) in enumerate(self.top_edges().iterrows()):
            bottlenecks.append({
                "from": row["source"], "to": row["target"], "count": int(row["count"]), "cases": int(row["cases"]),
                "median_wait_days": row["median_wait_days"], "mean_wait_days": row["mean_wait_days"],
                "p90_wait_days": row["p90_wait_days"],
                "median_wait_workdays": row["median_wait_workdays"], "mean_wait_workdays": row["mean_wait_workdays"],
                "p90_wait_workdays": row["p90_wait_workdays"], "median_wait_workhours": row["median_wait_workhours"],
                "score": row["score"], "share_of_waiting": row["share_of_waiting"],
                "applicant_share": row["applicant_share"], "text_sv": sv[i], "text_en": en[i],
            })
        activities = []
        asv, aen = self.describe_activities("sv"), self.describe_activities("en")
        for i, (_, row) in enumerate(self.top_activities().iterrows()):
            activities.append({
                "activity": row["activity"], "events": int(row["events"]), "cases": int(row["cases"]),
                "median_wait_workdays": row["median_wait_workdays"],
                "median_service_workdays": row["median_service_workdays"],
                "score": row["score"], "share_of_waiting": row["share_of_waiting"],
                "text_sv": asv[i], "text_en": aen[i],
            })
        c = self.cases
        closed = c[c["closed"]]
        wip = self.wip_daily
        summary: dict[str, Any] = {
            "bottlenecks": bottlenecks,
            "bottleneck_activities": activities,
            "calendar": {"kind": self.calendar.kind, "hours": list(self.calendar.hours),
                         "hours_per_day": self.calendar.hours_per_day,
                         "description_sv": self.calendar.describe("sv"),
                         "description_en": self.calendar.describe("en")},
            "score": {"unit": "workdays" if self.calendar.kind == "se" else "days",
                      "baseline_wait": r.baseline_workdays,
                      "definition": "sum over occurrences of max(0, wait - baseline); baseline = median wait of all "
                                    "transitions"},
            "throughput_days": _stats(c["throughput_days"]),
            "throughput_workdays": _stats(c["throughput_workdays"]),
            "closed_cases": len(closed),
            "open_cases": int((~c["closed"]).sum()),
            "end_activities": list(self.end_activities),
            "closed_throughput_workdays": _stats(closed["throughput_workdays"]),
            "attribution": self.attribution.to_summary(),
            "sla": self.sla.to_summary() if self.sla is not None else None,
            "rework": self.rework.to_summary(self.top),
            "wip": {
                "definition": "cases open at the end of each local day: first to last event (not closed: to "
                              "the log's end); per unit: with the unit that acts next",
                "peak": int(wip["all"].max()) if len(wip) else 0,
                "peak_date": wip["all"].idxmax().date().isoformat() if len(wip) else None,
                "at_end": int(wip["all"].iloc[-1]) if len(wip) else 0,
            },
            "trends": {"period": self.period, "rows": self.trends.to_dict(orient="records")},
            "as_of": self.as_of.isoformat(),
            "notes": list(self.notes),
        }
        return json_ready(summary)


def analyze_bottlenecks(
    log: EventLog,
    *,
    calendar: WorkCalendar | None = None,
    clock_stops: Iterable[str | Sequence[str]] = (),
    targets: Targets | float | None = None,
    end_activities: Sequence[str] | None = None,
    top: int = 10,
    period: str = "month",
) -> BottleneckReport:
    """Run the whole bottleneck analysis.

    Args:
        log: the event log.
        calendar: the working calendar (default: Swedish working days 08-17).
        clock_stops: ``"A=>B"`` strings or ``(A, B)`` pairs whose waiting is the applicant's.
        targets: :class:`~processmining.analyses.sla.Targets`, or a number of working days for all
            cases, or ``None`` (no SLA part).
        end_activities: activities that close a case (see :func:`closed_cases`).
        top: how many bottlenecks the summary and the words show.
        period: ``"month"`` or ``"quarter"`` for the trends.

    Example:
        >>> from processmining.calendar import get_calendar
        >>> report = analyze_bottlenecks(log, calendar=get_calendar("se"), targets=40,
        ...                              clock_stops=["Komplettering begärd=>Komplettering inkommen"])
        >>> report.describe("sv")[0]  # the demo log
        'Bedömning → Beslut fattat: ärenden väntar i median 15,1 arbetsdagar (medel 17,7; 90 % inom 32,0); ...'
    """
    calendar = calendar or WorkCalendar()
    if period not in PERIODS:
        raise ConfigError(f"unknown period {period!r}; choose one of: {', '.join(PERIODS)}")
    if top < 1:
        raise ConfigError(f"--top must be at least 1, got {top}")
    if isinstance(targets, bool):
        raise ConfigError("targets must be a number of working days or a Targets object, not True/False")
    if isinstance(targets, int | float):
        targets = Targets(days=float(targets))
    notes: list[str] = []
    as_of = log.events[TIMESTAMP].max()
    closed, used_end = closed_cases(log, end_activities)
    if not used_end:
        notes.append("No end activity given or found: every case counts as closed (pass end activities to "
                     "tell open cases apart).")
    attribution = attribute_waiting(log, calendar=calendar, clock_stops=clock_stops, as_of=as_of)
    release_unused_memory()  # each step's temporaries go before the next step makes its own
    if attribution.unanswered:
        notes.append(f"{attribution.unanswered} clock-stop request(s) without a later answer: the clock restarts "
                     "at the case's next event.")
    ranking = rank_bottlenecks(log, calendar=calendar, attribution=attribution)
    release_unused_memory()
    if not log.has_start:
        notes.append("No start timestamps: service times are not computed; waits end at the next completion.")

    tr = transition_waits(log, calendar)
    negative = int((tr["wait_days"] < 0).sum())
    if negative:
        notes.append(f"{negative} wait(s) are negative (an event started before the previous one finished); they "
                     "are kept in the figures.")
    transitions = tr[["case", "source", "target", "source_time", "target_time", "wait_days", "wait_workdays"]].copy(
        deep=False)  # copy-on-write: the columns added below leave the cached frame as it is
    # Series, not arrays: copy-on-write shares the attribution's columns instead of copying them.
    transitions["applicant_days"] = attribution.transitions["applicant_days"].set_axis(transitions.index)
    transitions["applicant_workdays"] = attribution.transitions["applicant_workdays"].set_axis(transitions.index)

    table = log.case_table()
    cases = table[["start", "end", "events"]].copy()
    cases["closed"] = closed.reindex(table.index).to_numpy()
    cases = cases.join(attribution.cases)
    sla = None
    if targets is not None:
        sla = check_targets(log, targets=targets, attribution=attribution, closed=closed, calendar=calendar)
        cases = cases.join(sla.cases[["target", "measured", "late_by", "time_left"]])
        cases["sla_status"] = sla.cases["status"].reindex(cases.index)
    for col in log.case_attributes:
        cases[col] = table[col]

    histogram = pd.concat([throughput_histogram(cases["throughput_days"], unit="days"),
                           throughput_histogram(cases["throughput_workdays"], unit="workdays")], ignore_index=True)
    wip_daily, wip_weekly = work_in_progress(log, closed=closed, timezone=calendar.timezone, as_of=as_of)
    release_unused_memory()
    if not log.has(GROUP):
        notes.append("No unit column (org:group): work in progress is shown for all cases only.")
    top3 = [(s, t) for s, t in ranking.edges.loc[ranking.edges["score"] > 0, ["source", "target"]].head(3)
            .itertuples(index=False, name=None)]
    trends = compute_trends(cases, tr, top_edges=top3, period=period, timezone=calendar.timezone,
                            agency=bool(attribution.clock_stops))
    release_unused_memory()
    rework = find_rework(log)
    return BottleneckReport(
        calendar=calendar, ranking=ranking, cases=cases, transitions=transitions, histogram=histogram,
        wip_daily=wip_daily, wip_weekly=wip_weekly, attribution=attribution, sla=sla, rework=rework,
        trends=trends, end_activities=used_end, top=top, period=period, as_of=as_of, notes=tuple(notes),
    )


# ---- files -----------------------------------------------------------------------------------------------------
def wip_long(daily: pd.DataFrame, weekly: pd.DataFrame) -> pd.DataFrame:
    """Work in progress per day and per week in one long table: period, date, unit, open_cases."""
    parts = []
    for name, frame in (("day", daily), ("week", weekly)):
        if len(frame):
            long = frame.rename_axis("date").reset_index().melt(id_vars="date", var_name="unit",
                                                                  value_name="open_cases")
            long.insert(0, "period", name)
            long["date"] = long["date"].dt.date.astype(str)
            parts.append(long)
    if not parts:
        return pd.DataFrame({"period": [], "date": [], "unit": [], "open_cases": []})
    return pd.concat(parts, ignore_index=True)
