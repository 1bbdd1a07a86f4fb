"""Working calendars: how long something took in calendar days and in Swedish working days.

Definitions (DESIGN.md, "Durations"):

- Calendar duration: elapsed time between two instants (``end - start``), so a night across a DST
  change counts 23 or 25 hours, exactly as pm4py counts it. Reported in days of 24 hours.
- Working duration: the part of ``[start, end)`` that falls inside working hours (default 08-17,
  local wall-clock time in Europe/Stockholm) on working days (Monday-Friday, minus Swedish public
  holidays and the de-facto holidays midsommarafton, julafton and nyårsafton, from the ``holidays``
  package). Reported in working hours and in working days of ``hours_per_day`` hours (9 by default),
  so one full working day is 1.0 whatever the DST state.

The working-time arithmetic is written by hand because no library computes vectorised business
durations with working hours and a holiday list: ``numpy.busday_count`` gives whole days only, which we
use for the day part; the hours of the first and last day are added with array arithmetic. That is
O(n) numpy, no per-row Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["CALENDARS", "WorkCalendar", "get_calendar", "parse_hours"]

CALENDARS = ("se", "none")
_EPOCH = np.datetime64("1970-01-05", "D")  # a Monday; any fixed day works
_SECONDS_PER_DAY = 86_400


def parse_hours(text: str) -> tuple[float, float]:
    """Parse ``"08-17"`` or ``"8:30-16:45"`` into (start hour, end hour) as floats."""
    try:
        start_text, end_text = text.replace("–", "-").split("-")

        def hour(part: str) -> float:
            part = part.strip().replace(".", ":")
            hh, _, mm = part.partition(":")
            return int(hh) + (int(mm) if mm else 0) / 60

        start, end = hour(start_text), hour(end_text)
    except ValueError as exc:
        raise ConfigError(f"working hours {text!r} are not like 08-17 or 8:30-16:45") from exc
    if not 0 <= start < end <= 24:
        raise ConfigError(f"working hours {text!r}: start must be before end, both within 0-24")
    return start, end


@dataclass(frozen=True)
class WorkCalendar:
    """A working calendar. ``kind="se"``: Swedish working days; ``kind="none"``: every hour counts.

    Args:
        kind: ``"se"`` (Swedish public and de-facto holidays, weekends off) or ``"none"``.
        hours: working hours as (start, end) in local wall-clock hours, e.g. (8, 17).
        timezone: the time zone whose wall clock the working hours refer to.
    """

    kind: Literal["se", "none"] = "se"
    hours: tuple[float, float] = (8.0, 17.0)
    timezone: str = "Europe/Stockholm"
    _years: tuple[int, int] = field(default=(1990, 2040), repr=False)

    @property
    def hours_per_day(self) -> float:
        return self.hours[1] - self.hours[0] if self.kind == "se" else 24.0

    def describe(self, lang: str = "en") -> str:
        """One sentence naming the calendar, for every output that shows working time."""
        h0, h1 = (f"{int(h):02d}:{round((h % 1) * 60):02d}" for h in self.hours)
        if self.kind == "none":
            return "Kalenderdagar (dygn om 24 timmar)" if lang == "sv" else "Calendar days (24-hour days)"
        if lang == "sv":
            return (f"Svenska arbetsdagar: måndag-fredag {h0}-{h1} ({self.timezone}), utan helgdagar, "
                    "midsommarafton, julafton och nyårsafton; 1 arbetsdag = "
                    f"{self.hours_per_day:g} timmar")
        return (f"Swedish working days: Monday-Friday {h0}-{h1} ({self.timezone}), excluding public holidays, "
                f"midsummer eve, Christmas eve and New Year's eve; 1 working day = {self.hours_per_day:g} hours")

    @cached_property
    def holidays(self) -> np.ndarray:
        """Holiday dates (datetime64[D]) that are not working days, beyond weekends."""
        if self.kind == "none":
            return np.array([], dtype="datetime64[D]")
        # The country's module directly: ``holidays.Sweden`` imports all 250 countries first.
        from holidays.countries.sweden import Sweden

        years = range(self._years[0], self._years[1] + 1)
        public = Sweden(years=years, categories=("public", "de_facto"))
        return np.array(sorted(public.keys()), dtype="datetime64[D]")

    def is_working_day(self, days: np.ndarray) -> np.ndarray:
        """True for dates (datetime64[D]) that are working days."""
        if self.kind == "none":
            return np.ones(len(days), dtype=bool)
        return np.is_busday(days, holidays=self.holidays)

    def _local(self, values: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        """Local wall-clock time as naive datetime64[s] (the working hours refer to it)."""
        idx = pd.DatetimeIndex(values)
        if idx.tz is not None:
            idx = idx.tz_convert(self.timezone).tz_localize(None)
        return idx.to_numpy(dtype="datetime64[s]")

    def _working_seconds_since_epoch(self, local: np.ndarray) -> np.ndarray:
        """Working seconds from a fixed epoch to each local time: W(t). Durations are W(end) - W(start)."""
        nat = np.isnat(local)
        safe = np.where(nat, _EPOCH.astype("datetime64[s]"), local)
        days = safe.astype("datetime64[D]")
        seconds_of_day = (safe - days.astype("datetime64[s]")).astype("int64")
        start_s, end_s = self.hours[0] * 3600, self.hours[1] * 3600
        day_len = end_s - start_s
        full_days, working = self._day_tables(days)
        partial = np.clip(seconds_of_day - start_s, 0, day_len) * working
        result = full_days * day_len + partial
        result[nat] = np.nan
        return result

    def _day_tables(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per date: working days since the epoch (``busday_count``) and whether it is a working day.

        Computed once per distinct date of the span and looked up (events share a few thousand dates),
        the same numbers as calling ``busday_count``/``is_busday`` on every value.
        """
        if not len(days):
            return np.zeros(0, dtype="float64"), np.zeros(0, dtype=bool)
        number = days.astype("int64")
        lo, hi = int(number.min()), int(number.max())
        if hi - lo > 4 * len(days) + 366:  # a sparse span: the values themselves are fewer than its days
            return (np.busday_count(_EPOCH, days, holidays=self.holidays).astype("float64"),
                    self.is_working_day(days))
        grid = np.arange(lo, hi + 1, dtype="int64").astype("datetime64[D]")
        full = np.busday_count(_EPOCH, grid, holidays=self.holidays).astype("float64")
        working = self.is_working_day(grid)
        return full[number - lo], working[number - lo]

    def local_working_seconds(self, local: np.ndarray) -> np.ndarray:
        """W(t) of naive local wall-clock times (datetime64): :meth:`working_seconds` without time zones."""
        return self._working_seconds_since_epoch(np.asarray(local, dtype="datetime64[s]"))

    def local_time_at(self, seconds: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`local_working_seconds` (``se`` calendar): the local time (datetime64[s]) at
        ``seconds`` working seconds from the epoch, within working hours of a working day. The demo simulator
        moves events along working time with it."""
        start_s = int(round(self.hours[0] * 3600))
        day_len = int(round(self.hours_per_day * 3600))
        count, rest = np.divmod(np.asarray(seconds, dtype=np.int64), day_len)
        day = np.busday_offset(_EPOCH, count, roll="forward", holidays=self.holidays)
        result: np.ndarray = day.astype("datetime64[s]") + (rest + start_s).astype("timedelta64[s]")
        return result

    def working_seconds(self, values: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
        """W(t): working seconds from a fixed epoch to each instant (NaN where missing).

        ``working_hours(start, end) == (W(end) - W(start)) / 3600`` for the ``se`` calendar, so the
        W of every event can be computed once and every duration between events is a subtraction.
        """
        return self._working_seconds_since_epoch(self._local(values))

    def working_hours(self, start: pd.Series, end: pd.Series) -> np.ndarray:
        """Working hours in ``[start, end)`` for each pair (NaN where either is missing).

        Negative when end is before start (kept, so that data errors stay visible).
        """
        if self.kind == "none":
            return self.calendar_days(start, end) * 24.0
        return self.hours_between(self.working_seconds(start), self.working_seconds(end))

    def hours_between(self, w_start: np.ndarray, w_end: np.ndarray) -> np.ndarray:
        """Working hours from :meth:`working_seconds` values (``se`` calendar): ``(W(end) - W(start)) / 3600``."""
        return (w_end - w_start) / 3600.0

    def working_days(self, start: pd.Series, end: pd.Series) -> np.ndarray:
        """Working days in ``[start, end)``: working hours divided by the hours of one working day."""
        return self.working_hours(start, end) / self.hours_per_day

    @staticmethod
    def calendar_days(start: pd.Series, end: pd.Series) -> np.ndarray:
        """Elapsed days (24 h) from start to end, NaN where either is missing."""
        delta = pd.Series(pd.DatetimeIndex(end) - pd.DatetimeIndex(start))
        return delta.dt.total_seconds().to_numpy(dtype="float64") / _SECONDS_PER_DAY

    def working_days_in(self, first: dt.date, last: dt.date) -> int:
        """Number of working days from ``first`` to ``last`` inclusive (for targets and reports)."""
        return int(np.busday_count(np.datetime64(first, "D"), np.datetime64(last, "D") + 1,
                                   holidays=self.holidays if self.kind == "se" else None)) \
            if self.kind == "se" else (last - first).days + 1


def get_calendar(kind: str = "se", hours: str | tuple[float, float] = (8.0, 17.0),
                 timezone: str = "Europe/Stockholm") -> WorkCalendar:
    """Build a calendar from command-line style options (``--calendar se --hours 08-17``)."""
    if kind not in CALENDARS:
        raise ConfigError(f"unknown calendar {kind!r}; choose one of: {', '.join(CALENDARS)}")
    parsed = parse_hours(hours) if isinstance(hours, str) else (float(hours[0]), float(hours[1]))
    return WorkCalendar(kind=kind, hours=parsed, timezone=timezone)  # type: ignore[arg-type]
