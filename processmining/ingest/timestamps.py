"""Timestamps from text or typed columns: formats detected, never a day/month order guessed.

Accepted without a profile: ISO 8601 with or without offset (``2025-03-14T09:12:00+01:00``,
``2025-03-14 09:12``, ``2025-03-14``; mixed offsets become the right instants), ``2014/10/22
11:15:41.000``, day-first or month-first dates with ``/``, ``.`` or ``-`` (``14/3/2025 9.12``), Swedish
forms (``2025-03-14 kl. 09.12``, ``14 mars 2025``), English month names, ``am/pm``, and Excel serial
numbers in workbooks. A profile may give an explicit strptime ``format`` instead.

Parsing is vectorised: the distinct values are matched once with one RE2 regular expression
(pyarrow), their parts assembled with ``pd.to_datetime``, and the result spread back over the rows.
Naive times are wall-clock time in the log's time zone; times that fall in the spring gap or the
autumn overlap of daylight saving time are counted and explained in the notes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import TimestampError

__all__ = ["FIRST_YEAR", "LAST_YEAR", "MAX_OFFSET_MINUTES", "ParsedTimes", "localise", "parse_timestamps",
           "unparseable_reason"]

_MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "mars": 3, "march": 3,
    "mar": 3, "april": 4, "apr": 4, "maj": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7,
    "jul": 7, "augusti": 8, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10,
    "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_TIME = (r"(?:(?:t| )(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
         r" ?(?P<ampm>am|pm)? ?(?P<z>z|utc|[+-]\d{2}(?::?\d{2})?)?$")
#: Numeric dates: year first (2025-03-14, 2014/10/22) or year last (14/3/2025, 3.14.2025).
_NUMERIC = r"^(?P<a>\d{1,4})[-/. ](?P<b>\d{1,2})[-/. ](?P<c>\d{1,4})" + _TIME
#: Dates whose month was a name, rewritten to "14#3#2025" (day first) or "#3#14, 2025" (month first).
_NAMED = (r"^(?:(?P<a>\d{1,2})\.?#(?P<b>\d{1,2})#,? ?(?P<c>\d{4})"
          r"|#(?P<b2>\d{1,2})#(?P<a2>\d{1,2}),? ?(?P<c2>\d{4}))" + _TIME)
_SERIAL = r"^\d{1,7}(?:\.\d+)?$"
#: The years a time may have: pandas holds instants in nanoseconds (1677-09-21 to 2262-04-11); a day's
#: margin either side keeps every time inside once shifted to UTC or to the log's zone.
FIRST_YEAR, LAST_YEAR = 1678, 2261
#: The largest UTC offset a time may carry (ISO 8601 and every zone in use lie within ±18:00).
MAX_OFFSET_MINUTES = 18 * 60
#: A UTC offset after a clock time (``10:00+01:00``, ``10:00:00.5 -0500``): a date's ``-25`` is no offset.
_OFFSET_AFTER_TIME = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d{1,9})?)? ?(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2})?$"
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31


@dataclass(frozen=True, slots=True)
class ParsedTimes:
    """Parsed timestamps of one column, aligned with its rows."""

    values: pd.Series  # tz-aware in the log's time zone; NaT where missing or unparseable
    missing: np.ndarray  # bool: empty cell
    unparseable: np.ndarray  # bool: text that is no timestamp we can read
    notes: tuple[str, ...]
    #: For text: the wall-clock time the text says (datetime64[ns], NaT where missing or unparseable), the
    #: same for the same text even in daylight saving's repeated hour; ``None`` for typed datetimes.
    wall: np.ndarray | None = None


def _as_int(values: pa.Array) -> np.ndarray:
    """Digits (or empty) to float64 with NaN for empty/absent."""
    cleaned = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    return np.asarray(pc.cast(cleaned, pa.int64()).to_numpy(zero_copy_only=False), dtype="float64")


def _normalise(texts: pa.Array) -> pa.Array:
    """Lower case, Swedish ``kl.`` removed, month names rewritten as ``#N#``, spaces collapsed."""
    out = pc.utf8_trim_whitespace(pc.utf8_lower(texts))
    out = pc.replace_substring_regex(out, r"\bkl\.? ?", " ")
    if pc.any(pc.match_substring_regex(out, r"[a-zåäö]{3}")).as_py():
        for name in sorted(_MONTHS, key=len, reverse=True):
            out = pc.replace_substring_regex(out, rf"\b{name}\b\.?", f"#{_MONTHS[name]}#")
        # weekday names in front of a date ("mån 14 mars 2025", "Fri, 14 Mar 2025") carry no information
        out = pc.replace_substring_regex(out, r"^[a-zåäö]{2,9}\.?,? ", "")
    out = pc.replace_substring_regex(out, r"\s+", " ")
    out = pc.replace_substring_regex(out, r" ?# ?", "#")
    return pc.utf8_trim_whitespace(out)


def _assemble(year: np.ndarray, month: np.ndarray, day: np.ndarray, parts: dict[str, np.ndarray]) -> pd.Series:
    hour = np.nan_to_num(parts["H"], nan=0.0)
    pm, am = parts["pm"], parts["am"]
    bad_ampm = (pm | am) & ((hour > 12) | (hour == 0))
    hour = np.where(pm & (hour < 12), hour + 12, np.where(am & (hour == 12), 0, hour))
    frame = pd.DataFrame(
        {
            "year": year,
            "month": month,
            "day": day,
            "hour": hour,
            "minute": np.nan_to_num(parts["M"], nan=0.0),
            "second": np.nan_to_num(parts["S"], nan=0.0),
        }
    )
    valid = ~(np.isnan(year) | np.isnan(month) | np.isnan(day)) & ~bad_ampm
    valid &= (frame["hour"] < 24).to_numpy() & (frame["minute"] < 60).to_numpy() & (frame["second"] < 60).to_numpy()
    with np.errstate(invalid="ignore"):
        valid &= (year >= FIRST_YEAR) & (year <= LAST_YEAR)  # the nanosecond range, with a day's margin for zones
    frame = frame.where(pd.Series(valid, index=frame.index), np.nan)
    result = pd.to_datetime(frame, errors="coerce").astype("datetime64[ns]")
    return result + pd.to_timedelta(np.nan_to_num(parts["f"], nan=0.0).astype("int64"), unit="ns")


def _fields(struct: pa.Array, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Regex groups as float arrays (NaN where empty); ``ampm`` as ``am``/``pm`` flags, ``z`` as offsets."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        values = pc.fill_null(struct.field(name), "")
        if name == "f":
            padded = pc.utf8_rpad(values, 9, "0")
            out[name] = _as_int(pc.if_else(pc.equal(values, ""), "", padded))
        elif name == "ampm":
            out["am"] = pc.equal(values, "am").to_numpy(zero_copy_only=False)
            out["pm"] = pc.equal(values, "pm").to_numpy(zero_copy_only=False)
        elif name == "z":
            out["z"] = _offset_minutes(values)
        else:
            out[name] = _as_int(values)
    return out


def _offset_minutes(zone: pa.Array) -> np.ndarray:
    """``z``/``utc``/``+01:00``/``-0500``/``+02`` to minutes east of UTC (NaN where no offset)."""
    out = np.full(len(zone), np.nan)
    utc = pc.is_in(zone, value_set=pa.array(["z", "utc"])).to_numpy(zero_copy_only=False)
    out[utc] = 0.0
    digits = pc.replace_substring(zone, ":", "")
    signed = pc.match_substring_regex(digits, r"^[+-]\d{2}").to_numpy(zero_copy_only=False)
    if signed.any():
        sign = np.where(pc.starts_with(digits, "-").to_numpy(zero_copy_only=False), -1.0, 1.0)
        hours = _as_int(pc.utf8_slice_codeunits(digits, 1, 3))
        minutes = np.nan_to_num(_as_int(pc.utf8_slice_codeunits(digits, 3, 5)), nan=0.0)
        total = sign * (hours * 60 + minutes)
        # Beyond ±18:00 or with minutes of 60 and more no clock on earth is: such a time is refused, not shifted.
        impossible = (minutes >= 60) | (np.abs(total) > MAX_OFFSET_MINUTES)
        out[signed] = np.where(impossible, np.inf, total)[signed]
    return out


class _DayMonth:
    """Resolves day-first versus month-first for year-last dates, refusing to guess."""

    def __init__(self, column: str, path: str, dayfirst: bool | None) -> None:
        self.column, self.path, self.dayfirst = column, path, dayfirst
        self.note: str | None = None

    def resolve(self, first: np.ndarray, second: np.ndarray, texts: pa.Array) -> bool:
        """Decide from the (first, second) numbers of year-last dates; ``texts`` for examples."""
        if self.dayfirst is not None:
            return self.dayfirst

        def example(mask: np.ndarray) -> str:
            return str(texts[int(np.flatnonzero(mask)[0])].as_py())

        ok = ~(np.isnan(first) | np.isnan(second))
        day_first = ok & (first > 12) & (second <= 12)
        month_first = ok & (second > 12) & (first <= 12)
        ambiguous = ok & (first <= 12) & (second <= 12) & (first != second)
        where = f"{self.path}: column {self.column}"
        if day_first.any() and month_first.any():
            raise TimestampError(
                f"{where}: mixes day-first dates (e.g. {example(day_first)}) and month-first dates "
                f"(e.g. {example(month_first)}); pass --dayfirst or --monthfirst (or dayfirst in the profile)"
            )
        if day_first.any():
            self.note = f"column {self.column}: dates read day first, as the data shows (e.g. {example(day_first)})"
            self.dayfirst = True
        elif month_first.any():
            self.note = (f"column {self.column}: dates read month first, as the data shows "
                         f"(e.g. {example(month_first)})")
            self.dayfirst = False
        elif ambiguous.any():
            i = int(np.flatnonzero(ambiguous)[0])
            a, b = int(first[i]), int(second[i])
            raise TimestampError(
                f"{where}: dates like {example(ambiguous)} could be {a} {_month_name(b)} or {b} {_month_name(a)}; "
                "pass --dayfirst or --monthfirst (or dayfirst in the profile)"
            )
        else:
            self.dayfirst = True  # every date has day == month: the order does not matter
        return self.dayfirst


def _month_name(month: int) -> str:
    return dt.date(2000, month, 1).strftime("%B")


#: Strict ISO 8601 as most systems write it: parsed by pandas' fast ISO parser.
_ISO = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
_ISO_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"


def _ns(values: pd.Series) -> np.ndarray:
    """Naive datetimes of any unit as datetime64[ns], NaT where outside years FIRST_YEAR-LAST_YEAR (pandas 3 keeps
    years beyond the nanosecond range in microseconds: converting those would overflow)."""
    low, high = pd.Timestamp(f"{FIRST_YEAR:04d}-01-01"), pd.Timestamp(f"{LAST_YEAR + 1:04d}-01-01")
    inside = values.isna() | ((values >= low) & (values < high))
    if not bool(inside.all()):
        values = values.where(inside)
    return values.astype("datetime64[ns]").to_numpy(dtype="datetime64[ns]")


def _parse_iso(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Strict ISO 8601 texts: (naive wall time or UTC as datetime64[ns], minutes east of UTC: 0 or NaN)."""
    offset = pc.match_substring_regex(texts, r"[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?" + _ISO_OFFSET)
    offset = offset.to_numpy(zero_copy_only=False)
    wall = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[ns]")
    minutes = np.full(len(texts), np.nan)
    if (~offset).any():
        naive = pd.to_datetime(pd.Series(texts.filter(pa.array(~offset)), dtype="str"), format="ISO8601",
                               errors="coerce")
        wall[~offset] = _ns(naive)
    if offset.any():
        aware = pd.to_datetime(pd.Series(texts.filter(pa.array(offset)), dtype="str"), format="ISO8601",
                               errors="coerce", utc=True)
        wall[offset] = _ns(aware.dt.tz_localize(None))
        minutes[offset] = 0.0
    return wall, minutes


_FIELD_WIDTHS = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)
#: Without a profile format: plain ISO 8601 without offset, which the general path reads as naive wall time.
_ISO_FIXED = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def _fixed_spec(fmt: str) -> tuple[int, list[tuple[str, int]], list[tuple[int, int]]] | None:
    """A strptime format of fixed-width fields (%Y %m %d %H %M %S) and ASCII literals:
    (width, [(field, position)], [(position, byte)]); ``None`` for any other format."""
    fields: list[tuple[str, int]] = []
    literals: list[tuple[int, int]] = []
    pos = i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            field = fmt[i + 1] if i + 1 < len(fmt) else ""
            if field not in _FIELD_WIDTHS or any(f == field for f, _ in fields):
                return None
            fields.append((field, pos))
            pos += _FIELD_WIDTHS[field]
            i += 2
        else:
            if not (ch.isascii() and ch.isprintable()):
                return None
            literals.append((pos, ord(ch)))
            pos += 1
            i += 1
    if not {"Y", "m", "d"} <= {f for f, _ in fields}:
        return None
    return pos, fields, literals


#: The ISO 8601 forms Arrow's own parser reads (its string -> timestamp cast): their literals by position.
_ISO_LITERALS = {
    19: ((4, ord("-")), (7, ord("-")), (10, None), (13, ord(":")), (16, ord(":"))),
    16: ((4, ord("-")), (7, ord("-")), (10, None), (13, ord(":"))),
    10: ((4, ord("-")), (7, ord("-"))),
}
#: Rows per Arrow cast: a text Arrow refuses sends its block to the byte routine, not the whole column.
_CAST_BLOCK = 1 << 18
#: 1678-01-01 and 2262-01-01 in seconds since the epoch: the years the byte routine takes (nanosecond range).
_SECONDS_RANGE = (-9_214_560_000, 9_214_646_400)


def _back_to_back(data: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray | None:
    """The texts' bytes as an ``(n, width)`` view of the buffer, no copy, where they lie back to back (texts of
    exactly ``width`` bytes in row order, empty rows between them allowed: the usual column); else ``None``.

    Texts of ``width`` bytes at ascending offsets are at least ``width`` apart, so they are back to back
    exactly when the first and the last are ``width * (n - 1)`` apart.
    """
    if not len(starts) or int(starts[-1] - starts[0]) != width * (len(starts) - 1):
        return None
    return data[starts[0]:starts[0] + len(starts) * width].reshape(-1, width)


def _iso_cast(arrow: pa.Array, data: np.ndarray, rows: np.ndarray, starts: np.ndarray,
              spec: tuple[int, list[tuple[str, int]], list[tuple[int, int]]], quick: np.ndarray,
              wall: np.ndarray) -> np.ndarray | None:
    """The fixed-width ISO forms (``%Y-%m-%d[ T]%H:%M[:%S]``, ``%Y-%m-%d``) read by Arrow's string to timestamp
    cast (C++, 3-4x faster than the byte routine at 1.1M rows). Fills ``quick`` and ``wall`` for the rows it
    reads and returns the positions in ``rows`` it leaves to the byte routine, or ``None`` for another form.

    The candidates have the form's exact byte width and its literals at their places; Arrow refuses any
    non-digit in a field, a month, day, hour, minute or second out of range and 29 February of a common year,
    but it refuses a whole array at once: the rows go in blocks of :data:`_CAST_BLOCK`, and a block with one
    such text goes to the byte routine, which sorts it out row by row. Years outside 1678-2261 are left to the
    general parser, as the byte routine leaves them. Same rows and values as the byte routine
    (tests/test_same_results.py compares them text by text on fuzzed texts).
    """
    width, fields, literals = spec
    expected = _ISO_LITERALS.get(width)
    if expected is None or [f for f, _ in fields] != ["Y", "m", "d", "H", "M", "S"][:len(fields)]:
        return None
    if len(literals) != len(expected) or any(pos != want_pos or (byte != want if want is not None else
                                                                  byte not in (ord(" "), ord("T")))
                                             for (pos, byte), (want_pos, want) in zip(literals, expected,
                                                                                       strict=True)):
        return None
    ok = np.ones(len(rows), dtype=bool)
    texts_bytes = _back_to_back(data, starts, width)
    for position, byte in literals:
        ok &= (texts_bytes[:, position] if texts_bytes is not None else data[starts + position]) == byte
    candidates = np.flatnonzero(ok)
    left: list[np.ndarray] = []
    for first in range(0, len(candidates), _CAST_BLOCK):
        block = candidates[first:first + _CAST_BLOCK]
        first_row, last_row = rows[block[0]], rows[block[-1]]
        texts = (arrow.slice(first_row, len(block)) if last_row - first_row == len(block) - 1  # consecutive rows
                 else arrow.take(pa.array(rows[block])))
        try:
            seconds = texts.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False).view(np.int64)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            left.append(block)
            continue
        inside = (seconds >= _SECONDS_RANGE[0]) & (seconds < _SECONDS_RANGE[1])
        if len(block) == len(wall) and inside.all():  # every row (the usual export): no scatter
            wall[:] = (seconds * 1_000_000_000).view("datetime64[ns]")
            quick[:] = True
            continue
        hit = rows[block[inside]]
        wall[hit] = (seconds[inside] * 1_000_000_000).view("datetime64[ns]")
        quick[hit] = True
    return np.concatenate(left) if left else np.zeros(0, dtype=np.int64)


def _fixed_width(arrow: pa.Array, fmt: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose text is exactly ``fmt`` with fixed-width fields, read from the bytes: (which rows, their
    naive wall time as datetime64[ns], NaT elsewhere).

    Only texts that match digit for digit and literal for literal and hold a valid date and time are
    taken (years 1678-2261, the nanosecond range); every other row (other widths, padding, offsets,
    impossible dates) is left to the general parser, so the results are those of ``pd.to_datetime``.
    """
    n = len(arrow)
    quick = np.zeros(n, dtype=bool)
    wall = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    specs = [_fixed_spec(fmt)] if fmt is not None else [_fixed_spec(f) for f in _ISO_FIXED]
    if not n or not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return quick, wall
    buffers = arrow.buffers()
    if buffers[2] is None:
        return quick, wall
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if pa.types.is_large_string(arrow.type) else np.int32)
    offsets = offsets[arrow.offset:arrow.offset + n + 1].astype(np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    lengths = np.diff(offsets)
    valid = arrow.is_valid().to_numpy(zero_copy_only=False) if arrow.null_count else np.ones(n, dtype=bool)
    for spec in specs:
        if spec is None:
            continue
        width, fields, literals = spec
        rows = np.flatnonzero(valid & (lengths == width) & ~quick)
        if not len(rows):
            continue
        starts = offsets[rows]
        left = _iso_cast(arrow, data, rows, starts, spec, quick, wall)
        if left is not None:  # an ISO form: only the blocks Arrow refused are read byte by byte
            if not len(left):
                continue
            rows, starts = rows[left], starts[left]
        view = _back_to_back(data, starts, width)
        if view is None:  # each row's bytes, gathered from a sliding-window view (no index matrix)
            view = np.lib.stride_tricks.sliding_window_view(data, width)[starts]
        columns = np.ascontiguousarray(view.T)  # one row of bytes per character position
        ok = np.ones(len(rows), dtype=bool)
        for position, byte in literals:
            ok &= columns[position] == byte
        zero = np.zeros(len(rows), dtype=np.int32)  # every field and day number fits 32 bits
        value: dict[str, np.ndarray] = {"H": zero, "M": zero, "S": zero}
        for field, position in fields:
            number = np.zeros(len(rows), dtype=np.int32)
            for j in range(_FIELD_WIDTHS[field]):
                digit = columns[position + j] - np.uint8(48)  # a non-digit byte wraps above 9
                ok &= digit <= 9
                number = number * 10 + digit
            value[field] = number
        year, month, day = value["Y"], value["m"], value["d"]
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        ok &= (year >= 1678) & (year <= 2261) & (month >= 1) & (month <= 12) & (day >= 1)
        ok &= (value["H"] <= 23) & (value["M"] <= 59) & (value["S"] <= 59)
        month = np.where(ok, month, 1)
        ok &= day <= _MONTH_DAYS[month - 1] + (leap & (month == 2))
        if not ok.any():
            continue
        # Days since 1970-01-01 of the proleptic Gregorian date (the civil-from-days inverse).
        y = year - (month <= 2)
        era = y // 400
        yoe = y - era * 400
        doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
        days = era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468
        seconds = days.astype(np.int64) * 86_400 + (value["H"] * 3600 + value["M"] * 60 + value["S"])
        hit = rows[ok]
        wall[hit] = (seconds[ok] * 1_000_000_000).view("datetime64[ns]")
        quick[hit] = True
    return quick, wall


def _parse_general(
    texts: pa.Array, *, order: _DayMonth, column: str, excel_epoch: dt.datetime | None, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Any other accepted form: (naive datetime64[ns], minutes east of UTC or NaN)."""
    n = len(texts)
    norm = _normalise(texts)
    result = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    offsets = np.full(n, np.nan)

    numeric = pc.extract_regex(norm, _NUMERIC)
    matched = numeric.is_valid().to_numpy(zero_copy_only=False)
    parts = _fields(numeric, ("a", "b", "c", "H", "M", "S", "f", "ampm", "z"))
    lengths_a = pc.utf8_length(pc.fill_null(numeric.field("a"), "")).to_numpy(zero_copy_only=False)
    lengths_c = pc.utf8_length(pc.fill_null(numeric.field("c"), "")).to_numpy(zero_copy_only=False)
    year_first = matched & (lengths_a == 4) & (lengths_c <= 2)
    year_last = matched & (lengths_c == 4) & (lengths_a <= 2)
    year = month = day = np.full(n, np.nan)
    if year_last.any():
        first, second = parts["a"], parts["b"]
        day_first = order.resolve(first[year_last], second[year_last], texts.filter(pa.array(year_last)))
        day = np.where(year_last, first if day_first else second, np.nan)
        month = np.where(year_last, second if day_first else first, np.nan)
        year = np.where(year_last, parts["c"], np.nan)
    year = np.where(year_first, parts["a"], year)
    month = np.where(year_first, parts["b"], month)
    day = np.where(year_first, parts["c"], day)
    usable = year_first | year_last
    if usable.any():
        parsed = _assemble(np.where(usable, year, np.nan), month, day, parts).to_numpy(dtype="datetime64[ns]")
        result = np.where(usable, parsed, result)
        offsets = np.where(usable, parts["z"], offsets)

    rest = np.isnat(result)
    if rest.any() and pc.any(pc.match_substring(norm, "#")).as_py():
        named = pc.extract_regex(norm, _NAMED)
        ok = named.is_valid().to_numpy(zero_copy_only=False) & rest
        if ok.any():
            p = _fields(named, ("a", "b", "c", "a2", "b2", "c2", "H", "M", "S", "f", "ampm", "z"))
            day = np.where(np.isnan(p["a"]), p["a2"], p["a"])
            month = np.where(np.isnan(p["b"]), p["b2"], p["b"])
            year = np.where(np.isnan(p["c"]), p["c2"], p["c"])
            parsed = _assemble(np.where(ok, year, np.nan), month, day, p).to_numpy(dtype="datetime64[ns]")
            result = np.where(ok, parsed, result)
            offsets = np.where(ok, p["z"], offsets)

    rest = np.isnat(result)
    if excel_epoch is not None and rest.any():
        serial_text = pc.if_else(pc.match_substring_regex(norm, _SERIAL), norm, pa.scalar(None, pa.string()))
        serial = pc.cast(serial_text, pa.float64()).to_numpy(zero_copy_only=False)
        ok = rest & ~np.isnan(serial) & (serial >= 1) & (serial <= _EXCEL_MAX_SERIAL)
        if ok.any():
            # Excel stores times as fractions of a day: round to the millisecond Excel displays.
            millis = np.round(np.where(ok, serial, 0) * 86_400_000).astype("int64")
            parsed = (pd.Timestamp(excel_epoch) + pd.to_timedelta(millis, unit="ms")).to_numpy(dtype="datetime64[ns]")
            result = np.where(ok, parsed, result)
            notes.append(f"column {column}: {int(ok.sum())} distinct Excel serial date number(s) converted")
    impossible = np.isinf(offsets)
    if impossible.any():
        result = np.where(impossible, np.datetime64("NaT"), result)
        offsets = np.where(impossible, np.nan, offsets)
    return result, offsets


def _parse_texts(
    texts: pa.Array, *, column: str, path: str, fmt: str | None, dayfirst: bool | None,
    excel_epoch: dt.datetime | None, notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Parse distinct texts: (naive datetime64[ns], minutes east of UTC or NaN for naive)."""
    n = len(texts)
    if fmt is not None:
        parsed = pd.to_datetime(pd.Series(texts, dtype="str"), format=fmt, errors="coerce",
                                utc="%z" in fmt or "%Z" in fmt)
        if parsed.dt.tz is not None:
            return _within_range(_ns(parsed.dt.tz_localize(None)), texts, np.where(parsed.isna(), np.nan, 0.0))
        return _within_range(_ns(parsed), texts, np.full(n, np.nan))

    wall = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    offsets = np.full(n, np.nan)
    iso = pc.match_substring_regex(texts, _ISO).to_numpy(zero_copy_only=False)
    if iso.any():
        wall[iso], offsets[iso] = _parse_iso(texts.filter(pa.array(iso)))
    rest = ~iso | np.isnat(wall)
    order = _DayMonth(column, path, dayfirst)
    if rest.any():
        wall[rest], offsets[rest] = _parse_general(texts.filter(pa.array(rest)), order=order, column=column,
                                                   excel_epoch=excel_epoch, notes=notes)
    if order.note:
        notes.append(order.note)
    return _within_range(wall, texts, offsets)


def _within_range(wall: np.ndarray, texts: pa.Array, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times the tool can hold: wall time in years FIRST_YEAR-LAST_YEAR and a possible UTC offset, else NaT.

    Every reader of times ends here, so a time that pandas' parsers took but that would overflow once shifted
    to UTC or to the log's zone (year 2262), or that carries an offset no clock has (``+25:00``), is refused
    as unparseable; :func:`unparseable_reason` says why.
    """
    low, high = np.datetime64(f"{FIRST_YEAR:04d}-01-01", "ns"), np.datetime64(f"{LAST_YEAR + 1:04d}-01-01", "ns")
    bad = ~np.isnat(wall) & ((wall < low) | (wall >= high))
    offset = pc.extract_regex(texts, _OFFSET_AFTER_TIME)
    if offset.null_count < len(offset):
        hours = _as_int(pc.fill_null(offset.field("hh"), ""))
        minutes = np.nan_to_num(_as_int(pc.fill_null(offset.field("mm"), "")), nan=0.0)
        with np.errstate(invalid="ignore"):
            bad |= (minutes >= 60) | (hours * 60 + minutes > MAX_OFFSET_MINUTES)
    if bad.any():
        wall = np.where(bad, np.datetime64("NaT"), wall)
        offsets = np.where(bad, np.nan, offsets)
    return wall, offsets


def unparseable_reason(text: object) -> str:
    """Why a time the parser refused is refused: outside the representable range, an impossible offset, else
    unparseable. Called for the refused values only (few); the reason is what a reject row says."""
    value = str(text).strip()
    match = re.match(r"(\d{4,})[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)|\d{1,2}[-/.]\d{1,2}[-/.](\d{4,})(?![\d.:])", value)
    if match is not None:
        year = int(match.group(1) or match.group(2))
        if year < FIRST_YEAR or year > LAST_YEAR:
            return f"timestamp outside the representable range (years {FIRST_YEAR}-{LAST_YEAR})"
    zone = re.search(_OFFSET_AFTER_TIME, value.lower())
    if zone is not None:
        hours, minutes = int(zone.group("hh")), int(zone.group("mm") or 0)
        if minutes >= 60 or hours * 60 + minutes > MAX_OFFSET_MINUTES:
            return "impossible UTC offset (beyond ±18:00, or minutes of 60 or more)"
    return "unparseable timestamp"


def localise(wall: pd.Series, timezone: str) -> tuple[pd.Series, list[str]]:
    """Naive wall-clock times as instants in ``timezone``, DST-correct, with notes on what was odd.

    A time in the spring gap (the clock jumped from 02:00 to 03:00) can only have been written by a
    clock not yet put forward: it is read with the offset before the jump (02:30 -> 03:30 summer
    time). A time in the autumn overlap happened twice: the first occurrence of each such time (in
    file order) is read as summer time, repeats as standard time, as a sorted export shows them.
    """
    notes: list[str] = []
    aware = wall.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    odd = (aware.isna() & wall.notna()).to_numpy()
    if not odd.any():
        return aware, notes
    sub = wall[odd]
    # Gap: shifting back gives the last instant before the jump, whose UTC offset is the one to use.
    back = sub.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_backward")
    gap = back.notna().to_numpy() & sub.dt.tz_localize(timezone, ambiguous=True, nonexistent="NaT").isna().to_numpy()
    if gap.any():
        before = back[gap]
        offset = before.dt.tz_localize(None) - before.dt.tz_convert("UTC").dt.tz_localize(None)
        fixed = (sub[gap] - offset).dt.tz_localize("UTC").dt.tz_convert(timezone)
        aware.loc[fixed.index] = fixed
        example = sub[gap].iloc[0]
        notes.append(
            f"{int(gap.sum())} time(s) fall in the spring-forward gap of {timezone} (e.g. {example:%Y-%m-%d %H:%M}, "
            f"read as {fixed.iloc[0]:%H:%M%z}: the clock had not yet been put forward)"
        )
    overlap = ~gap
    if overlap.any():
        values = sub[overlap]
        first = ~values.duplicated(keep="first").to_numpy()
        fixed = values.dt.tz_localize(timezone, ambiguous=first, nonexistent="NaT")
        aware.loc[fixed.index] = fixed
        notes.append(
            f"{int(overlap.sum())} time(s) fall in the autumn overlap of {timezone} "
            f"(e.g. {values.iloc[0]:%Y-%m-%d %H:%M}): the first occurrence of each was read as summer time, "
            "repeats as standard time"
        )
    return aware, notes


def parse_timestamps(
    values: pd.Series,
    *,
    column: str,
    path: str,
    timezone: str,
    fmt: str | None = None,
    dayfirst: bool | None = None,
    excel_epoch: dt.datetime | None = None,
) -> ParsedTimes:
    """Parse one timestamp column into tz-aware instants in ``timezone``.

    Args:
        values: the column as read (text, or already datetimes for XES/Parquet).
        column: its source name, for notes and errors.
        path: the file, for errors.
        timezone: the time zone of naive times and of the result.
        fmt: an explicit strptime format (from the profile), else formats are detected.
        dayfirst: day/month order for dates like 03/04/2025; ``None`` lets the data decide and raises
            :class:`TimestampError` where it cannot.
        excel_epoch: for workbooks, the date system of serial numbers.
    """
    notes: list[str] = []
    index = values.index
    if pd.api.types.is_datetime64_any_dtype(values):
        missing = values.isna().to_numpy()
        if values.dt.tz is not None:
            aware = values.dt.tz_convert(timezone)
        else:
            aware, dst_notes = localise(values.astype("datetime64[ns]"), timezone)
            notes += [f"column {column}: {n}" for n in dst_notes]
        return ParsedTimes(aware, missing, np.zeros(len(values), dtype=bool), tuple(notes))

    if values.dtype == object:
        kinds = pd.api.types.infer_dtype(values, skipna=True)
        if kinds in ("datetime", "datetime64", "date"):
            try:
                converted = pd.to_datetime(values, utc=any(getattr(v, "tzinfo", None) for v in values.dropna()))
                return parse_timestamps(converted, column=column, path=path, timezone=timezone)
            except (ValueError, TypeError):
                pass
        text = values.map(lambda v: v if v is None or isinstance(v, str) else str(v))
    elif pd.api.types.is_string_dtype(values):
        text = values
    else:  # numbers (Excel serials from Parquet, epoch values): parsed from their text
        text = values.astype("string")
    arrow = pa.array(text.astype(pd.StringDtype("pyarrow", na_value=np.nan)).array)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    n = len(arrow)
    # Fast path: texts written exactly in a fixed-width form (the profile's format, or plain ISO
    # 8601 without offset) are read straight from their bytes; only the others go the general way.
    quick, quick_wall = _fixed_width(arrow, fmt)
    # Empty texts are missing times: only the others go the general way (most start times are empty).
    empty = pc.fill_null(pc.equal(pc.binary_length(arrow), 0), True).to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~(quick | empty)) if quick.any() or empty.any() else None
    if rest is not None and len(rest) < n:
        arrow = arrow.take(pa.array(rest))
    stripped = pc.utf8_trim_whitespace(arrow)
    missing_rest = pc.fill_null(pc.equal(stripped, ""), True).to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(pc.if_else(pa.array(missing_rest), pa.scalar(None, stripped.type), stripped))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype("int64")
    uniques = encoded.dictionary.cast(pa.string())
    if len(uniques):
        naive, offsets = _parse_texts(uniques, column=column, path=path, fmt=fmt, dayfirst=dayfirst,
                                      excel_epoch=excel_epoch, notes=notes)
    else:
        naive, offsets = np.zeros(0, dtype="datetime64[ns]"), np.zeros(0)
    has = codes >= 0
    take = np.where(has, codes, 0)
    if len(naive):
        wall_values = np.where(has, naive[take], np.datetime64("NaT"))
        minutes = np.where(has, offsets[take], np.nan)
    else:
        wall_values = np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]")
        minutes = np.full(len(codes), np.nan)
    missing = missing_rest
    if rest is not None:  # spread the general path's rows back among the fast ones
        full_wall = quick_wall
        full_minutes = np.full(n, np.nan)
        full_has = ~empty
        missing = empty
        full_wall[rest] = wall_values
        full_minutes[rest] = minutes
        full_has[rest] = has
        missing[rest] = missing_rest
        wall_values, minutes, has = full_wall, full_minutes, full_has
    wall = pd.Series(wall_values, index=index, dtype="datetime64[ns]")
    unparseable = has & np.isnat(wall_values)

    with_offset = ~np.isnan(minutes) & ~unparseable
    result = pd.Series(pd.NaT, index=index, dtype=f"datetime64[ns, {timezone}]")
    if with_offset.any():
        utc = (wall[with_offset] - pd.to_timedelta(minutes[with_offset], unit="m")).dt.tz_localize("UTC")
        result[with_offset] = utc.dt.tz_convert(timezone)
    naive_rows = ~with_offset & ~unparseable & has
    if not with_offset.any():  # no UTC offsets (the common case): no masked assignment (0.05 s at 1.1M rows)
        result, dst_notes = localise(wall, timezone)  # NaT stays NaT: the times missing or unparseable
        notes += [f"column {column}: {n}" for n in dst_notes]
    elif naive_rows.any():
        local, dst_notes = localise(wall[naive_rows], timezone)
        result[naive_rows] = local
        notes += [f"column {column}: {n}" for n in dst_notes]
        if with_offset.any():
            notes.append(f"column {column}: {int(naive_rows.sum())} time(s) without UTC offset read as {timezone} time")
    return ParsedTimes(result, missing, unparseable, tuple(notes), wall=wall_values)
