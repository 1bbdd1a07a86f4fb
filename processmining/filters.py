"""Case filters: keep (``retain=True``) or drop (``retain=False``) whole cases.

Every filter takes an :class:`~processmining.log.EventLog` and returns a new one with the same source
and rejects; the two calls with ``retain=True`` and ``retain=False`` partition the cases of the log
(together they give the whole log, with no case in both). Names and semantics follow pm4py's
``filter_*`` family; the one difference is that an unknown activity, column or variant format is an
error that names what exists, not a silently empty log.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from .errors import ConfigError
from .log import ACTIVITY, CASE, EventLog

__all__ = [
    "FILTER_KINDS",
    "FilterSpec",
    "apply_filters",
    "filter_activity_present",
    "filter_attribute",
    "filter_case_duration",
    "filter_case_state",
    "filter_end_activities",
    "filter_follows",
    "filter_start_activities",
    "filter_time_range",
    "filter_top_variants",
    "filter_variants",
    "parse_filter",
    "parse_variant",
]

TimeLike: TypeAlias = str | dt.datetime | dt.date | pd.Timestamp


def _keep_cases(log: EventLog, case_mask: np.ndarray, retain: bool) -> EventLog:
    """A new log with the cases where ``case_mask`` (one bool per case, in case-code order) holds."""
    mask = np.asarray(case_mask, dtype=bool)
    if not retain:
        mask = ~mask
    events = log.events[mask[log.case_codes()]] if len(log.events) else log.events
    return log.with_events(events.reset_index(drop=True))


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def parse_variant(variant: str | Iterable[str]) -> tuple[str, ...]:
    """A variant from a tuple/list of activity names or from text joined by "→" (or "->")."""
    if isinstance(variant, str):
        parts = variant.replace("->", "→").split("→")
        return tuple(p.strip() for p in parts if p.strip())
    return tuple(str(a) for a in variant)


def filter_variants(log: EventLog, variants: Collection[str | Iterable[str]], *, retain: bool = True) -> EventLog:
    """Cases whose variant is one of ``variants``.

    Args:
        log: the event log.
        variants: variants as tuples of activity names, or as text ``"a → b → c"``.
        retain: keep those cases (``True``) or all other cases (``False``).
    """
    wanted = {parse_variant(v) for v in variants}
    case_variants = log.case_variants()
    mask = np.fromiter((v in wanted for v in case_variants), dtype=bool, count=len(case_variants))
    return _keep_cases(log, mask, retain)


def filter_top_variants(log: EventLog, k: int, *, retain: bool = True) -> EventLog:
    """Cases of the ``k`` most frequent variants (ties ordered by the variant, as in the variant table)."""
    if k < 1:
        raise ConfigError(f"top variants: k must be at least 1, got {k}")
    top = list(log.variant_counts().index[:k])
    return filter_variants(log, top, retain=retain)


def _as_time(value: TimeLike, log: EventLog, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{name} {value!r} is not a date or time like 2024-01-31 or 2024-01-31T12:00") from exc
    if ts is pd.NaT:
        raise ConfigError(f"{name} is empty")
    return ts.tz_localize(log.source.timezone) if ts.tzinfo is None else ts


def filter_time_range(
    log: EventLog,
    start: TimeLike | None,
    end: TimeLike | None,
    *,
    mode: Literal["contained", "intersecting", "started", "ended"] = "contained",
    retain: bool = True,
) -> EventLog:
    """Cases by when they ran, relative to the window ``[start, end]`` (bounds included).

    Naive times are local time in the log's time zone (Europe/Stockholm); a bare date means its
    midnight, so ``end="2024-12-31"`` ends at the start of that day (write ``2025-01-01`` for the whole
    year). A case runs from its first to its last event (a start timestamp counts).

    Args:
        log: the event log.
        start: window start (``None``: open).
        end: window end (``None``: open).
        mode: ``"contained"`` (the case started and ended inside the window, pm4py's
            traces_contained), ``"intersecting"`` (the case ran at some time in the window),
            ``"started"`` (the case's first event is in the window), ``"ended"`` (its last event is).
        retain: keep those cases or all others.
    """
    lo = _as_time(start, log, "start") if start is not None else None
    hi = _as_time(end, log, "end") if end is not None else None
    if lo is not None and hi is not None and hi < lo:
        raise ConfigError(f"time window ends ({hi}) before it starts ({lo})")
    cases = log.case_table()
    first, last = cases["start"], cases["end"]
    ones = pd.Series(True, index=cases.index)
    if mode == "contained":
        mask = (first >= lo if lo is not None else ones) & (last <= hi if hi is not None else ones)
    elif mode == "intersecting":
        mask = (last >= lo if lo is not None else ones) & (first <= hi if hi is not None else ones)
    elif mode == "started":
        mask = (first >= lo if lo is not None else ones) & (first <= hi if hi is not None else ones)
    elif mode == "ended":
        mask = (last >= lo if lo is not None else ones) & (last <= hi if hi is not None else ones)
    else:
        raise ConfigError(f"unknown time-range mode {mode!r}; choose contained, intersecting, started or ended")
    return _keep_cases(log, mask.to_numpy(dtype=bool), retain)


def filter_activity_present(log: EventLog, activities: Collection[str], *, retain: bool = True) -> EventLog:
    """Cases in which at least one of ``activities`` occurs.

    Raises:
        ConfigError: an activity does not occur in the log (the message suggests close names).
    """
    wanted = [activities] if isinstance(activities, str) else list(activities)
    known = set(log.activities)
    for name in wanted:
        if name not in known:
            raise ConfigError(f"activity {name!r} does not occur in the log{_suggest(name, known)}")
    hit = log.events[ACTIVITY].isin(wanted).to_numpy()
    mask = np.bincount(log.case_codes()[hit], minlength=log.n_cases) > 0
    return _keep_cases(log, mask, retain)


def filter_case_duration(
    log: EventLog, min_days: float | None = None, max_days: float | None = None, *, retain: bool = True
) -> EventLog:
    """Cases whose throughput time (first to last event, calendar days) is within [min_days, max_days]."""
    for name, value in (("min_days", min_days), ("max_days", max_days)):
        if value is not None and value < 0:
            raise ConfigError(f"{name} must not be negative, got {value:g}")
    if min_days is not None and max_days is not None and max_days < min_days:
        raise ConfigError(f"max_days ({max_days:g}) is below min_days ({min_days:g})")
    days = log.case_table()["throughput"].dt.total_seconds().to_numpy(dtype="float64") / 86_400
    mask = np.ones(len(days), dtype=bool)
    if min_days is not None:
        mask &= days >= min_days
    if max_days is not None:
        mask &= days <= max_days
    return _keep_cases(log, mask, retain)


def filter_attribute(log: EventLog, column: str, values: Collection[object], *, retain: bool = True) -> EventLog:
    """Cases in which ``column`` takes one of ``values`` in at least one event.

    Works for case attributes (``case:programme``) and event attributes (``org:group``,
    ``org:resource``) alike. Values are compared as text when the column holds text.

    Raises:
        ConfigError: the column does not exist (the message lists the columns that do).
    """
    ev = log.events
    if column not in ev.columns or column == CASE:
        usable = [c for c in ev.columns if isinstance(c, str) and not c.startswith("@@") and c != CASE]
        raise ConfigError(
            f"no column {column!r} in the log{_suggest(column, usable)} (columns: {', '.join(usable)})"
        )
    wanted = [values] if isinstance(values, str) else list(values)
    series = ev[column]
    if pd.api.types.is_string_dtype(series) or series.dtype == object:
        hit = series.astype("string").isin([str(v) for v in wanted]).fillna(False).to_numpy(dtype=bool)
    else:
        hit = series.isin(wanted).to_numpy(dtype=bool)
    mask = np.bincount(log.case_codes()[hit], minlength=log.n_cases) > 0
    return _keep_cases(log, mask, retain)


def _known_activities(log: EventLog, wanted: Iterable[str]) -> list[str]:
    known = set(log.activities)
    names = list(wanted)
    for name in names:
        if name not in known:
            raise ConfigError(f"activity {name!r} does not occur in the log{_suggest(name, known)}")
    return names


def _activity_array(log: EventLog) -> np.ndarray:
    return log.events[ACTIVITY].to_numpy(dtype=object)


def filter_follows(log: EventLog, source: str, target: str, *, directly: bool = False,
                   retain: bool = True) -> EventLog:
    """Cases in which ``source`` is followed by ``target``: directly (the next event of the case) or
    eventually (any later event), pm4py's ``filter_directly_follows_relation`` / ``filter_eventually_follows_relation``.

    Raises:
        ConfigError: an activity does not occur in the log.
    """
    _known_activities(log, (source, target))
    codes = log.case_codes()
    acts = _activity_array(log)
    if directly:
        pos = log.transition_positions()
        hit = (acts[pos] == source) & (acts[pos + 1] == target)
        mask = np.bincount(codes[pos[hit]], minlength=log.n_cases) > 0
        return _keep_cases(log, mask, retain)
    # Eventually: the first ``source`` of a case comes before its last ``target`` (events are in the contract's
    # order, so a row's position is its place in its case).
    positions = np.arange(len(acts))
    first = np.full(log.n_cases, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(log.n_cases, -1, dtype=np.int64)
    is_source, is_target = acts == source, acts == target
    np.minimum.at(first, codes[is_source], positions[is_source])
    np.maximum.at(last, codes[is_target], positions[is_target])
    return _keep_cases(log, first < last, retain)


def _endpoint(log: EventLog, activities: Collection[str], *, first: bool, retain: bool) -> EventLog:
    names = _known_activities(log, [activities] if isinstance(activities, str) else activities)
    codes = log.case_codes()
    if len(codes) == 0:
        return _keep_cases(log, np.zeros(0, dtype=bool), retain)
    edge = np.r_[True, codes[1:] != codes[:-1]] if first else np.r_[codes[1:] != codes[:-1], True]
    hit = np.isin(_activity_array(log)[edge], np.array(names, dtype=object))
    mask = np.zeros(log.n_cases, dtype=bool)
    mask[codes[edge]] = hit
    return _keep_cases(log, mask, retain)


def filter_start_activities(log: EventLog, activities: Collection[str], *, retain: bool = True) -> EventLog:
    """Cases whose first event is one of ``activities``."""
    return _endpoint(log, activities, first=True, retain=retain)


def filter_end_activities(log: EventLog, activities: Collection[str], *, retain: bool = True) -> EventLog:
    """Cases whose last event is one of ``activities``."""
    return _endpoint(log, activities, first=False, retain=retain)


def filter_case_state(log: EventLog, state: Literal["open", "closed"], *,
                      end_activities: Collection[str] | None = None, retain: bool = True) -> EventLog:
    """Open or closed cases, as the bottleneck analysis counts them: a case is closed when its last event is an
    end activity (``None``: "Ärende avslutat" where the log has it, else every case is closed)."""
    from .analyses.bottlenecks import closed_cases

    if state not in ("open", "closed"):
        raise ConfigError(f"case state must be open or closed, got {state!r}")
    flags, _used = closed_cases(log, tuple(end_activities) if end_activities is not None else None)
    mask = flags.to_numpy(dtype=bool)
    return _keep_cases(log, mask if state == "closed" else ~mask, retain)


# ---- filters as text: the command line's --filter and the explorer's address ----------------------------------------
#: Every kind of filter :func:`parse_filter` reads, with the form of its argument.
FILTER_KINDS: dict[str, str] = {
    "started": "FROM..TO (cases whose first event is in the window; either side may be left empty)",
    "ended": "FROM..TO (cases whose last event is in the window)",
    "active": "FROM..TO (cases that ran at some time in the window)",
    "within": "FROM..TO (cases that started and ended in the window)",
    "attribute": "COLUMN=VALUE|VALUE... (cases with one of the values; program=X means case:program=X)",
    "unit": "VALUE|VALUE... (cases handled at least once by one of the units, org:group)",
    "top-variants": "N (cases of the N most frequent variants)",
    "variant": "A→B→C|... (cases of these variants; -> may stand for →)",
    "throughput": "MIN..MAX (throughput time in calendar days, first to last event)",
    "passes": "ACTIVITY|ACTIVITY... (cases in which one of the activities occurs)",
    "follows": "A=>B (A is followed later, directly or not, by B)",
    "directly-follows": "A=>B (A is followed directly by B)",
    "starts": "ACTIVITY|... (cases whose first event is one of these)",
    "ends": "ACTIVITY|... (cases whose last event is one of these)",
    "state": "open or closed (closed: the last event is an end activity)",
}
_TIME_MODES = {"started": "started", "ended": "ended", "active": "intersecting", "within": "contained"}
_NOT = "not:"


def _split_values(text: str) -> list[str]:
    """Values separated by ``|`` (a ``|`` inside a value is written ``\\|``)."""
    parts = [p.replace("\\|", "|").strip() for p in re.split(r"(?<!\\)\|", text)]
    return [p for p in parts if p]


def _range(text: str, kind: str) -> tuple[str | None, str | None]:
    if ".." not in text:
        raise ConfigError(f"filter {kind}: write the range as FROM..TO (either side may be empty), got {text!r}")
    lo, hi = (part.strip() or None for part in text.split("..", 1))
    return lo, hi


def _days(value: str | None, kind: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError as exc:
        raise ConfigError(f"filter {kind}: {value!r} is not a number of days") from exc
    if not np.isfinite(number):
        raise ConfigError(f"filter {kind}: {value!r} is not a number of days")
    return number


def _pair(text: str, kind: str) -> tuple[str, str]:
    if "=>" not in text:
        raise ConfigError(f"filter {kind}: write the two activities as A=>B, got {text!r}")
    a, b = (part.strip() for part in text.split("=>", 1))
    if not a or not b:
        raise ConfigError(f"filter {kind}: both activities are needed (A=>B), got {text!r}")
    return a, b


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """One filter as text: ``KIND:ARGUMENT``, prefixed ``not:`` to remove the matching cases instead of keeping
    them (e.g. ``attribute:program=Innovationscheck``, ``not:passes:Överklagande``, ``started:2024-01-01..2025-01-01``).

    Attributes:
        kind: one of :data:`FILTER_KINDS`.
        argument: the argument as written.
        retain: keep the matching cases (``True``) or every other case.
    """

    kind: str
    argument: str
    retain: bool = True

    @property
    def text(self) -> str:
        """The filter as :func:`parse_filter` reads it."""
        return f"{'' if self.retain else _NOT}{self.kind}:{self.argument}"

    def apply(self, log: EventLog, *, end_activities: Collection[str] | None = None) -> EventLog:
        """The cases of ``log`` this filter keeps.

        Raises:
            ConfigError: the argument names what the log does not have, or is malformed.
        """
        kind, arg, retain = self.kind, self.argument, self.retain
        if kind in _TIME_MODES:
            lo, hi = _range(arg, kind)
            return filter_time_range(log, lo, hi, mode=_TIME_MODES[kind], retain=retain)  # type: ignore[arg-type]
        if kind == "attribute":
            column, sep, values = arg.partition("=")
            column = column.strip()
            if not sep or not column:
                raise ConfigError(f"filter attribute: write COLUMN=VALUE|VALUE..., got {arg!r}")
            if column not in log.events.columns and f"case:{column}" in log.events.columns:
                column = f"case:{column}"
            wanted = _split_values(values)
            if not wanted:
                raise ConfigError(f"filter attribute: no value given for {column!r}")
            return filter_attribute(log, column, wanted, retain=retain)
        if kind == "unit":
            from .log import GROUP

            if GROUP not in log.events.columns:
                raise ConfigError("filter unit: the log has no unit column (org:group); pass --unit COLUMN")
            return filter_attribute(log, GROUP, _split_values(arg), retain=retain)
        if kind == "top-variants":
            try:
                k = int(arg)
            except ValueError as exc:
                raise ConfigError(f"filter top-variants: {arg!r} is not a whole number") from exc
            return filter_top_variants(log, k, retain=retain)
        if kind == "variant":
            variants = [parse_variant(v) for v in _split_values(arg)]
            if not variants:
                raise ConfigError("filter variant: no variant given (write A→B→C)")
            _known_activities(log, sorted({a for v in variants for a in v}))
            return filter_variants(log, variants, retain=retain)
        if kind == "throughput":
            lo, hi = _range(arg, kind)
            return filter_case_duration(log, _days(lo, kind), _days(hi, kind), retain=retain)
        if kind == "passes":
            return filter_activity_present(log, _split_values(arg), retain=retain)
        if kind in ("follows", "directly-follows"):
            a, b = _pair(arg, kind)
            return filter_follows(log, a, b, directly=kind == "directly-follows", retain=retain)
        if kind in ("starts", "ends"):
            names = _split_values(arg)
            if not names:
                raise ConfigError(f"filter {kind}: no activity given")
            return (filter_start_activities if kind == "starts" else filter_end_activities)(log, names, retain=retain)
        if kind == "state":
            if arg not in ("open", "closed"):
                raise ConfigError(f"filter state: write state:open or state:closed, got {arg!r}")
            return filter_case_state(log, arg, end_activities=end_activities, retain=retain)  # type: ignore[arg-type]
        raise ConfigError(f"unknown filter {kind!r}; filters are {', '.join(FILTER_KINDS)}")


def parse_filter(text: str) -> FilterSpec:
    """Read one filter written ``[not:]KIND:ARGUMENT`` (see :data:`FILTER_KINDS`).

    Raises:
        ConfigError: an unknown kind or no argument (the message lists the kinds).
    """
    raw = text.strip()
    retain = True
    if raw.startswith(_NOT):
        retain, raw = False, raw[len(_NOT):].strip()
    kind, sep, argument = raw.partition(":")
    kind = kind.strip().lower()
    if kind not in FILTER_KINDS:
        raise ConfigError(f"unknown filter {kind or text!r}; filters are {', '.join(FILTER_KINDS)} "
                          "(written KIND:ARGUMENT, e.g. passes:Beslut fattat)")
    if not sep or not argument.strip():
        raise ConfigError(f"filter {kind} needs an argument: {kind}:{FILTER_KINDS[kind]}")
    return FilterSpec(kind, argument.strip(), retain)


def apply_filters(log: EventLog, filters: Iterable[str | FilterSpec], *,
                  end_activities: Collection[str] | None = None) -> EventLog:
    """Apply filters one after the other (every one must hold); text is read by :func:`parse_filter`.

    Args:
        log: the event log.
        filters: the filters, in order.
        end_activities: what closes a case, for ``state:open``/``state:closed`` (``None``: the default).
    """
    for spec in filters:
        spec = parse_filter(spec) if isinstance(spec, str) else spec
        log = spec.apply(log, end_activities=end_activities)
    return log
