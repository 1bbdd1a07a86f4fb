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
from collections.abc import Collection, Iterable
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from .errors import ConfigError
from .log import ACTIVITY, CASE, EventLog

__all__ = [
    "filter_activity_present",
    "filter_attribute",
    "filter_case_duration",
    "filter_time_range",
    "filter_top_variants",
    "filter_variants",
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
    mode: Literal["contained", "intersecting", "started"] = "contained",
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
            ``"started"`` (the case's first event is in the window).
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
    else:
        raise ConfigError(f"unknown time-range mode {mode!r}; choose contained, intersecting or started")
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
