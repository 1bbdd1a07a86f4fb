"""Whose wait is it, and is the case on time? Clock stops (applicant time) and handling-time targets.

Definitions used here (stated in every output that shows them):

- Clock stop: a pair of activities ``A=>B`` (e.g. ``Komplettering begärd=>Komplettering inkommen``).
  The clock stops at A's completion and restarts when the first B after A in the same case begins (B's
  start where it has one, else its completion), so that time is the applicant's. An A with no later B
  restarts the clock at the case's next event (the agency went on without the completion); an A that is
  the case's last event keeps the clock stopped up to the time of measurement (the log's last
  timestamp), which only matters for open cases. Overlapping stops of one case are merged (a second
  request while the first is unanswered does not count twice).
- Applicant time of a case: the stopped time within its throughput (first to last event).
  Agency time (handläggningstid) = throughput - applicant time, in calendar days and in working days.
- Targets are measured on agency time when clock stops are given (Swedish practice: the handling time
  excludes the time spent waiting for the applicant's completion), else on throughput, in working days
  unless the target says calendar days. Closed cases breach when the measured time exceeds the target;
  open cases get the time left (negative: overdue) as of the log's last timestamp.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..errors import AnalysisError, ConfigError
from ..formatting import fmt_number, fmt_share
from ..log import ACTIVITY, START, TIMESTAMP, EventLog
from .edges import transition_waits

__all__ = [
    "Attribution",
    "BottleneckSettings",
    "SlaResult",
    "Targets",
    "attribute_waiting",
    "check_targets",
    "parse_clock_stop",
    "parse_clock_stops",
    "settings_from_mapping",
    "targets_from_mapping",
]

_NS_PER_DAY = 86_400 * 10**9
ClockStop = tuple[str, str]


# ---- clock stops --------------------------------------------------------------------------------------
def parse_clock_stop(text: str) -> ClockStop:
    """Parse ``"Komplettering begärd=>Komplettering inkommen"`` into ``(A, B)``."""
    first, sep, second = text.partition("=>")
    if not sep or not first.strip() or not second.strip() or "=>" in second:
        raise ConfigError(
            f"clock stop {text!r} is not like \"Komplettering begärd=>Komplettering inkommen\" (two activities "
            "joined by =>)"
        )
    return first.strip(), second.strip()


def parse_clock_stops(values: Iterable[str | Sequence[str]]) -> tuple[ClockStop, ...]:
    """Clock stops from ``"A=>B"`` strings or ``(A, B)`` pairs, duplicates removed, order kept."""
    pairs: list[ClockStop] = []
    for value in values:
        if isinstance(value, str):
            pair = parse_clock_stop(value)
        else:
            items = tuple(value)
            if len(items) != 2 or not all(isinstance(v, str) and v.strip() for v in items):
                raise ConfigError(f"clock stop {value!r} must be two activity names")
            pair = (items[0].strip(), items[1].strip())
        if pair not in pairs:
            pairs.append(pair)
    return tuple(pairs)


def _check_activities(log: EventLog, pairs: Sequence[ClockStop]) -> None:
    known = set(log.activities)
    for pair in pairs:
        for name in pair:
            if name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                raise ConfigError(
                    f"clock stop {pair[0]}=>{pair[1]}: activity {name!r} does not occur in the log{hint} "
                    "Check the spelling (activity names are case-sensitive)."
                )


def _ns(values: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Instants as int64 nanoseconds since the epoch (UTC); NaT becomes the int64 minimum."""
    return pd.DatetimeIndex(values).as_unit("ns").asi8


def _from_ns(values: np.ndarray, timezone: str) -> pd.Series:
    return pd.Series(pd.to_datetime(values, unit="ns", utc=True).tz_convert(timezone))


def _begin_ns(log: EventLog) -> np.ndarray:
    """When each event began: its start where it has one, else its completion (DESIGN.md)."""
    ts = _ns(log.events[TIMESTAMP])
    if not log.has_start:
        return ts
    start = log.events[START]
    return np.where(start.notna().to_numpy(), _ns(start), ts)


@dataclass(frozen=True, slots=True)
class Attribution:
    """Waiting split into the applicant's time (clock stopped) and the agency's.

    Attributes:
        clock_stops: the ``(A, B)`` pairs used (empty: all time is the agency's).
        as_of: the instant of measurement (the log's last timestamp).
        stops: merged stopped intervals, one row each: ``case`` (id), ``start``, ``end`` (tz-aware;
            for a stop still running at the end of its case, ``end`` is ``as_of``), ``open_ended``.
        requests: clock-stop starts (A events) in the log.
        unanswered: A events with no later B in their case.
        cases: per case (index: case id): ``throughput_days``, ``throughput_workdays``,
            ``applicant_days``, ``applicant_workdays``, ``agency_days``, ``agency_workdays``.
        transitions: aligned with ``transition_waits(log, calendar)``: ``applicant_days``,
            ``applicant_workdays`` (the part of each wait that falls in a stop).
    """

    clock_stops: tuple[ClockStop, ...]
    as_of: pd.Timestamp
    stops: pd.DataFrame
    requests: int
    unanswered: int
    cases: pd.DataFrame
    transitions: pd.DataFrame
    calendar: WorkCalendar

    def applicant_time(self, case_index: pd.Index, start: pd.Series, end: pd.Series) -> pd.DataFrame:
        """Stopped time of each case within ``[start, end)`` (aligned with ``case_index``).

        Returns ``applicant_days`` and ``applicant_workdays`` per case (0 where no stop overlaps).
        """
        return _overlap_per_case(self.stops, case_index, start, end, self.calendar)

    def describe(self, lang: str = "en") -> str:
        """One sentence on how waiting is attributed."""
        if not self.clock_stops:
            return ("Ingen klockstopp angiven: all tid räknas som myndighetens." if lang == "sv"
                    else "No clock stops given: all time counts as the agency's.")
        pairs = ", ".join(f"{a} → {b}" for a, b in self.clock_stops)
        if lang == "sv":
            return (f"Klockan stoppas från {pairs} (väntan på sökanden); handläggningstid = genomloppstid "
                    "minus sökandens tid.")
        return (f"The clock stops from {pairs} (waiting for the applicant); agency time = throughput minus "
                "applicant time.")

    def to_summary(self) -> dict[str, Any]:
        c = self.cases
        total = float(c["throughput_days"].sum())
        applicant = float(c["applicant_days"].sum())
        return {
            "clock_stops": [f"{a}=>{b}" for a, b in self.clock_stops],
            "requests": self.requests,
            "unanswered": self.unanswered,
            "cases_with_applicant_time": int((c["applicant_days"] > 0).sum()),
            "applicant_share_of_throughput": applicant / total if total > 0 else None,
            "agency_days": _stats(c["agency_days"].to_numpy()),
            "agency_workdays": _stats(c["agency_workdays"].to_numpy()),
            "applicant_days": _stats(c["applicant_days"].to_numpy()),
            "description_sv": self.describe("sv"),
            "description_en": self.describe("en"),
        }


def _stats(values: np.ndarray) -> dict[str, float | None]:
    v = np.asarray(values, dtype="float64")
    v = v[~np.isnan(v)]
    if not len(v):
        return {"median": None, "mean": None, "p90": None, "max": None}
    return {"median": float(np.median(v)), "mean": float(v.mean()), "p90": float(np.quantile(v, 0.9)),
            "max": float(v.max())}


def _stop_intervals(log: EventLog, pairs: Sequence[ClockStop], as_of_ns: int) -> tuple[pd.DataFrame, int, int]:
    """Raw stopped intervals (case code, start ns, end ns, open_ended) before merging."""
    ev = log.events
    codes = log.case_codes()
    n = len(ev)
    act_codes, act_names = log.codes(ACTIVITY)
    position = {name: i for i, name in enumerate(act_names.tolist())}
    done = _ns(ev[TIMESTAMP])
    begin = _begin_ns(log)
    parts = []
    requests = unanswered = 0
    for first, second in pairs:  # a loop over the (few) pairs; each step is vectorised over events
        ia = np.flatnonzero(act_codes == position.get(first, -2))
        ib = np.flatnonzero(act_codes == position.get(second, -2))
        if not len(ia):
            continue
        # The next B after each A: B positions are sorted (the frame is sorted by case, then time), so
        # a binary search finds the first B at a later position; it counts only within the same case.
        j = np.searchsorted(ib, ia, side="right")
        jj = np.minimum(j, max(len(ib) - 1, 0))
        answered = (j < len(ib)) & (codes[ib[jj]] == codes[ia]) if len(ib) else np.zeros(len(ia), dtype=bool)
        nxt = np.minimum(ia + 1, n - 1)
        has_next = (ia + 1 < n) & (codes[nxt] == codes[ia])
        end = np.where(answered, begin[ib[jj]] if len(ib) else 0, np.where(has_next, begin[nxt], as_of_ns))
        start = done[ia]
        parts.append(pd.DataFrame({
            "case": codes[ia],
            "start": start,
            "end": np.maximum(end, start),
            "open_ended": ~answered & ~has_next,
        }))
        requests += len(ia)
        unanswered += int((~answered).sum())
    if not parts:
        return pd.DataFrame({"case": np.zeros(0, "int64"), "start": np.zeros(0, "int64"),
                             "end": np.zeros(0, "int64"), "open_ended": np.zeros(0, bool)}), 0, 0
    return pd.concat(parts, ignore_index=True), requests, unanswered


def _merge_intervals(raw: pd.DataFrame) -> pd.DataFrame:
    """Union of intervals per case, vectorised: sort, running max of ends, new block where a gap opens."""
    if raw.empty:
        return raw
    df = raw.sort_values(["case", "start", "end"], kind="stable", ignore_index=True)
    running_end = df.groupby("case", sort=False)["end"].cummax()
    prev_end = running_end.groupby(df["case"], sort=False).shift(1)
    new_block = prev_end.isna() | (df["start"] > prev_end)
    block = new_block.cumsum()
    return df.groupby(block, sort=False).agg(
        case=("case", "first"), start=("start", "min"), end=("end", "max"), open_ended=("open_ended", "any")
    ).reset_index(drop=True)


def _overlap_per_case(stops: pd.DataFrame, case_index: pd.Index, start: pd.Series, end: pd.Series,
                      calendar: WorkCalendar) -> pd.DataFrame:
    """Per case, total overlap of its stops with the window [start, end), calendar and working days."""
    n = len(case_index)
    result = pd.DataFrame({"applicant_days": np.zeros(n), "applicant_workdays": np.zeros(n)}, index=case_index)
    if stops.empty or n == 0:
        return result
    pos = case_index.get_indexer(stops["case"])
    keep = pos >= 0
    pos = pos[keep]
    s_ns = _ns(stops["start"])[keep]
    e_ns = _ns(stops["end"])[keep]
    ws = _ns(pd.Series(start).reset_index(drop=True))[pos]
    we = _ns(pd.Series(end).reset_index(drop=True))[pos]
    lo = np.maximum(s_ns, ws)
    hi = np.maximum(np.minimum(e_ns, we), lo)
    days = (hi - lo) / _NS_PER_DAY
    tz = calendar.timezone
    work = np.clip(calendar.working_days(_from_ns(lo, tz), _from_ns(hi, tz)), 0, None)
    result["applicant_days"] = np.bincount(pos, weights=days, minlength=n)
    result["applicant_workdays"] = np.bincount(pos, weights=work, minlength=n)
    return result


def attribute_waiting(
    log: EventLog,
    *,
    calendar: WorkCalendar,
    clock_stops: Iterable[str | Sequence[str]] = (),
    as_of: pd.Timestamp | None = None,
) -> Attribution:
    """Split each case's throughput and each wait into applicant time (clock stopped) and agency time.

    Args:
        log: the event log.
        calendar: the working calendar for the working-day figures.
        clock_stops: ``"A=>B"`` strings or ``(A, B)`` pairs; see the module docstring for the rules.
        as_of: when open-ended stops end (default: the log's last timestamp).

    Raises:
        ConfigError: a clock-stop activity does not occur in the log (a typo would silently give zero).
    """
    pairs = parse_clock_stops(clock_stops)
    _check_activities(log, pairs)
    tz = calendar.timezone
    if as_of is None:
        as_of = log.events[TIMESTAMP].max()
    as_of = pd.Timestamp(as_of)
    as_of_ns = int(_ns(pd.DatetimeIndex([as_of]))[0])
    raw, requests, unanswered = _stop_intervals(log, pairs, as_of_ns)
    merged = _merge_intervals(raw)
    ids = log.case_ids()
    stops = pd.DataFrame({
        "case": ids.to_numpy()[merged["case"].to_numpy(dtype="int64")] if len(merged) else np.array([], object),
        "start": _from_ns(merged["start"].to_numpy(dtype="int64"), tz),
        "end": _from_ns(merged["end"].to_numpy(dtype="int64"), tz),
        "open_ended": merged["open_ended"].to_numpy(dtype=bool),
    })

    table = log.case_table()
    cases = pd.DataFrame(index=table.index)
    cases["throughput_days"] = table["throughput"].dt.total_seconds().to_numpy() / 86_400
    cases["throughput_workdays"] = calendar.working_days(table["start"], table["end"])
    within = _overlap_per_case(stops, table.index, table["start"], table["end"], calendar)
    cases["applicant_days"] = within["applicant_days"]
    cases["applicant_workdays"] = within["applicant_workdays"]
    cases["agency_days"] = cases["throughput_days"] - cases["applicant_days"]
    cases["agency_workdays"] = cases["throughput_workdays"] - cases["applicant_workdays"]

    tr = transition_waits(log, calendar)
    per_transition = pd.DataFrame({"applicant_days": np.zeros(len(tr)), "applicant_workdays": np.zeros(len(tr))})
    if len(stops) and len(tr):
        # Overlap of each wait [source completion, target begin) with its case's stops: join waits to the
        # (few) stops of their case, clip, and sum back per wait.
        # Joined on case codes (the stops' own codes): the rows and order of a join on the case ids.
        t = pd.DataFrame({"row": np.arange(len(tr)), "case": log.case_codes()[log.transition_positions()],
                          "ws": _ns(tr["source_time"]), "we": _ns(tr["target_time"])})
        s = pd.DataFrame({"case": merged["case"].to_numpy(dtype="int64"), "ss": _ns(stops["start"]),
                          "se": _ns(stops["end"])})
        j = t.merge(s, on="case", how="inner")
        lo = np.maximum(j["ws"].to_numpy(), j["ss"].to_numpy())
        hi = np.minimum(j["we"].to_numpy(), j["se"].to_numpy())
        hit = hi > lo
        lo, hi, rows = lo[hit], hi[hit], j["row"].to_numpy()[hit]
        work = np.clip(calendar.working_days(_from_ns(lo, tz), _from_ns(hi, tz)), 0, None)
        per_transition["applicant_days"] = np.bincount(rows, weights=(hi - lo) / _NS_PER_DAY, minlength=len(tr))
        per_transition["applicant_workdays"] = np.bincount(rows, weights=work, minlength=len(tr))
    return Attribution(clock_stops=pairs, as_of=as_of, stops=stops, requests=requests, unanswered=unanswered,
                       cases=cases, transitions=per_transition, calendar=calendar)


# ---- targets --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Targets:
    """Handling-time targets: one for all cases, or one per value of a case attribute.

    Attributes:
        days: the target for every case (or for cases whose attribute value has no own target).
        attribute: case attribute whose value picks the target (e.g. ``case:program``).
        values: ``(value, days)`` pairs for that attribute.
        working_days: True (default): targets are Swedish working days; False: calendar days.
        source: where the targets came from (file name), for messages.
    """

    days: float | None = None
    attribute: str | None = None
    values: tuple[tuple[str, float], ...] = ()
    working_days: bool = True
    source: str = ""

    def __post_init__(self) -> None:
        if self.days is None and not self.values:
            raise ConfigError(f"{self.source or 'targets'}: no target given; set a number of days")
        for name, days in ((None, self.days), *self.values):
            if days is not None and (not np.isfinite(days) or days <= 0):
                where = f" for {name!r}" if name is not None else ""
                raise ConfigError(f"{self.source or 'targets'}: target{where} must be a positive number of days")
        if self.values and not self.attribute:
            raise ConfigError(f"{self.source or 'targets'}: per-value targets need attribute = \"case:...\"")

    @property
    def unit(self) -> str:
        return "workdays" if self.working_days else "days"

    def per_case(self, case_table: pd.DataFrame) -> pd.Series:
        """Target of each case (index: case id), NaN where none applies."""
        target = pd.Series(np.nan if self.days is None else float(self.days), index=case_table.index, dtype="float64")
        if self.attribute:
            if self.attribute not in case_table.columns:
                found = ", ".join(c for c in case_table.columns if str(c).startswith("case:")) or "none"
                raise AnalysisError(
                    f"{self.source or 'targets'}: case attribute {self.attribute!r} is not in the log; "
                    f"case attributes found: {found}"
                )
            mapping = dict(self.values)
            picked = case_table[self.attribute].astype("string").map(mapping).astype("float64")
            target = picked.where(picked.notna(), target)
        return target

    def describe(self, lang: str = "en") -> str:
        unit = ("arbetsdagar" if self.working_days else "kalenderdagar") if lang == "sv" else \
            ("working days" if self.working_days else "calendar days")
        parts = [f"{v}: {d:g}" for v, d in self.values]
        if self.days is not None:
            parts.append(("övriga: " if parts else "alla: ") + f"{self.days:g}" if lang == "sv"
                         else ("others: " if parts else "all: ") + f"{self.days:g}")
        head = (f"Mål ({unit}, per {self.attribute})" if self.attribute else f"Mål ({unit})") if lang == "sv" \
            else (f"Targets ({unit}, by {self.attribute})" if self.attribute else f"Target ({unit})")
        return f"{head}: " + "; ".join(parts)


@dataclass(frozen=True, slots=True)
class BottleneckSettings:
    """What a bottleneck config file says: targets, clock stops and end activities (each optional)."""

    targets: Targets | None = None
    clock_stops: tuple[ClockStop, ...] = ()
    end_activities: tuple[str, ...] | None = None


def settings_from_mapping(data: Mapping[str, Any], *, source: str) -> BottleneckSettings:
    """Bottleneck settings from a bottleneck config file's content (:func:`processmining.config.load_settings`):
    a ``[targets]`` table (see :func:`targets_from_mapping`) and/or::

        [bottlenecks]
        clock_stops = ["Komplettering begärd=>Komplettering inkommen"]
        end_activities = ["Ärende avslutat"]
    """
    name = source
    if "targets" not in data and "bottlenecks" not in data:
        raise ConfigError(f"{name}: neither a [targets] nor a [bottlenecks] table; see `processmining bottlenecks "
                          "--help` for the format")
    targets = None
    if "targets" in data:
        if not isinstance(data["targets"], dict):
            raise ConfigError(f"{name}: [targets] must be a table")
        targets = targets_from_mapping(data["targets"], source=name)
    section = data.get("bottlenecks", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{name}: [bottlenecks] must be a table")
    unknown = sorted(set(section) - {"clock_stops", "end_activities"})
    if unknown:
        raise ConfigError(f"{name}: [bottlenecks] has unknown key {unknown[0]!r}; known: clock_stops, end_activities")
    stops = section.get("clock_stops", [])
    ends = section.get("end_activities")
    if not isinstance(stops, list) or not all(isinstance(v, str | list) for v in stops):
        raise ConfigError(f"{name}: clock_stops must be a list like [\"Komplettering begärd=>Komplettering inkommen\"]")
    if ends is not None and (not isinstance(ends, list) or not all(isinstance(v, str) for v in ends)):
        raise ConfigError(f"{name}: end_activities must be a list of activity names")
    return BottleneckSettings(targets=targets, clock_stops=parse_clock_stops(stops),
                              end_activities=None if ends is None else tuple(ends))


def targets_from_mapping(section: Mapping[str, Any], *, source: str = "targets") -> Targets:
    """Targets from a mapping shaped like the ``[targets]`` table of :func:`processmining.config.load_targets`."""
    section = dict(section)
    unit = section.pop("unit", "workdays")
    if unit not in ("workdays", "days"):
        raise ConfigError(f"{source}: unit = {unit!r}; use \"workdays\" or \"days\"")
    attribute = section.pop("attribute", None)
    if attribute is not None and not isinstance(attribute, str):
        raise ConfigError(f"{source}: attribute must be a column name like \"case:program\"")
    default = section.pop("default", section.pop("days", None))
    values_table = section.pop("values", {})
    if not isinstance(values_table, dict):
        raise ConfigError(f"{source}: [targets.values] must be a table of value = days")
    values: dict[str, float] = {}
    for key, days in {**section, **values_table}.items():
        if isinstance(days, bool) or not isinstance(days, int | float):
            raise ConfigError(f"{source}: target for {key!r} must be a number of days, got {days!r}")
        values[str(key)] = float(days)
    if default is not None and (isinstance(default, bool) or not isinstance(default, int | float)):
        raise ConfigError(f"{source}: default must be a number of days, got {default!r}")
    return Targets(days=None if default is None else float(default), attribute=attribute,
                   values=tuple(values.items()), working_days=unit == "workdays", source=source)


@dataclass(frozen=True, slots=True)
class SlaResult:
    """Cases measured against their handling-time target.

    Attributes:
        targets: the targets used.
        basis: ``"agency"`` (throughput minus applicant time) or ``"throughput"``.
        as_of: the instant open cases are measured at (the log's last timestamp).
        cases: one row per case that has a target (index: case id): ``target``, ``closed``,
            ``measured`` (closed: its handling time; open: time so far), ``late_by`` (closed cases:
            measured - target, > 0 when breaching, else NaN), ``time_left`` (open cases:
            target - measured, negative when overdue, else NaN), ``status`` (``on_time``, ``late``,
            ``open``, ``overdue``), all in the targets' unit.
    """

    targets: Targets
    basis: str
    as_of: pd.Timestamp
    cases: pd.DataFrame

    @property
    def breaching(self) -> pd.DataFrame:
        """Closed cases over their target, latest first."""
        late = self.cases[self.cases["status"] == "late"]
        return late.sort_values("late_by", ascending=False, kind="stable")

    @property
    def open_cases(self) -> pd.DataFrame:
        """Open cases, least time left first (overdue ones on top)."""
        return self.cases[~self.cases["closed"]].sort_values("time_left", kind="stable")

    def describe(self, lang: str = "en") -> str:
        closed = int(self.cases["closed"].sum())
        late = int((self.cases["status"] == "late").sum())
        share = late / closed if closed else 0.0
        basis_sv = "handläggningstid (utan sökandens tid)" if self.basis == "agency" else "genomloppstid"
        basis_en = "agency time (applicant time excluded)" if self.basis == "agency" else "throughput time"
        overdue = int((self.cases["status"] == "overdue").sum())
        n_open = int((~self.cases["closed"]).sum())
        if lang == "sv":
            return (f"{self.targets.describe('sv')}; mätt på {basis_sv}. {fmt_share(share, 'sv')} av "
                    f"{fmt_number(closed, 'sv', 0)} avslutade ärenden överskred målet; "
                    f"{fmt_number(overdue, 'sv', 0)} av {fmt_number(n_open, 'sv', 0)} öppna ärenden är redan "
                    "försenade.")
        return (f"{self.targets.describe('en')}; measured on {basis_en}. {fmt_share(share, 'en')} of "
                f"{fmt_number(closed, 'en', 0)} closed cases breached it; {fmt_number(overdue, 'en', 0)} of "
                f"{fmt_number(n_open, 'en', 0)} open cases are already overdue.")

    def to_summary(self) -> dict[str, Any]:
        c = self.cases
        closed = c[c["closed"]]
        late = closed[closed["status"] == "late"]
        open_ = c[~c["closed"]]
        return {
            "unit": self.targets.unit,
            "basis": self.basis,
            "attribute": self.targets.attribute,
            "targets": {**dict(self.targets.values), **({"default": self.targets.days} if self.targets.days else {})},
            "as_of": self.as_of.isoformat(),
            "cases_with_target": len(c),
            "closed": len(closed),
            "breaching": len(late),
            "breach_share": len(late) / len(closed) if len(closed) else None,
            "median_late_by": float(late["late_by"].median()) if len(late) else None,
            "open": len(open_),
            "open_overdue": int((open_["status"] == "overdue").sum()),
            "description_sv": self.describe("sv"),
            "description_en": self.describe("en"),
        }


def check_targets(
    log: EventLog,
    *,
    targets: Targets,
    attribution: Attribution,
    closed: pd.Series,
    calendar: WorkCalendar,
) -> SlaResult:
    """Measure every case with a target: breaches among closed cases, time left for open ones.

    Args:
        log: the event log.
        targets: the targets.
        attribution: from :func:`attribute_waiting`; with clock stops, agency time is measured.
        closed: per case (index: case id), True when the case is finished.
        calendar: the working calendar (for working-day targets).
    """
    table = log.case_table()
    target = targets.per_case(table)
    basis = "agency" if attribution.clock_stops else "throughput"
    unit = "workdays" if targets.working_days else "days"
    a = attribution.cases
    measured = a[f"agency_{unit}"] if basis == "agency" else a[f"throughput_{unit}"]
    is_closed = closed.reindex(table.index).fillna(True).astype(bool)
    # Open cases: elapsed from their first event up to the time of measurement, minus applicant time so far.
    as_of = pd.Series(attribution.as_of, index=table.index)
    if unit == "workdays":
        elapsed = pd.Series(calendar.working_days(table["start"], as_of), index=table.index)
    else:
        elapsed = pd.Series(calendar.calendar_days(table["start"], as_of), index=table.index)
    if basis == "agency":
        elapsed = elapsed - attribution.applicant_time(table.index, table["start"], as_of)[f"applicant_{unit}"]
    measured = measured.where(is_closed, elapsed)
    frame = pd.DataFrame({"target": target, "closed": is_closed, "measured": measured}, index=table.index)
    frame = frame[frame["target"].notna()].copy()
    over = frame["measured"] - frame["target"]
    frame["late_by"] = over.where(frame["closed"] & (over > 0))
    frame["time_left"] = (-over).where(~frame["closed"])
    frame["status"] = np.select(
        [frame["closed"] & (over > 0), frame["closed"], over > 0], ["late", "on_time", "overdue"], default="open"
    )
    return SlaResult(targets=targets, basis=basis, as_of=attribution.as_of, cases=frame)
