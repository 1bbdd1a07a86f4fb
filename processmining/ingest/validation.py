"""The one validation path every reader goes through: raw table -> :class:`~processmining.log.EventLog`.

Every input row ends as exactly one of: a kept event, an exact duplicate of an earlier row (removed
and counted when asked; by default kept and warned about), a start row merged into its completion
(lifecycle pairs, counted in the notes), or a reject (row, column, value, reason). The invariant
``rows_read == events + rejects + duplicates + merged starts`` is checked before the log is returned.

Checks, in order (a row is rejected for the first that fails): the reader's own (wrong number of
fields, values of the wrong XES type), missing case id, missing activity, missing or unparseable
timestamp, timestamp in the future or before ``earliest``, unparseable start, start after completion,
lifecycle transitions other than start/complete, a start without a matching completion.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..defaults import DEFAULT_TIMEZONE
from ..errors import ConfigError, StrictModeError
from ..log import (
    ACTIVITY,
    CASE,
    GROUP,
    RESOURCE,
    ROW,
    START,
    TIMESTAMP,
    ColumnMapping,
    EventLog,
    Source,
    compact_codes,
    dictionary_codes,
    empty_rejects,
    release_unused_memory,
)
from .mapping import LIFECYCLE_COMPLETE, LIFECYCLE_START, candidates, detect_roles
from .options import ReadOptions
from .privacy import are_pseudonyms, load_key, mask_and_count, mask_personal_numbers, pseudonymise
from .profiles import DEFAULT_EARLIEST
from .timestamps import parse_timestamps, unparseable_reason

__all__ = ["LIFECYCLE", "table_to_log"]

LIFECYCLE = "lifecycle:transition"
_ROLE_TARGETS = {"case": CASE, "activity": ACTIVITY, "timestamp": TIMESTAMP, "start": START,
                 "resource": RESOURCE, "unit": GROUP, "lifecycle": LIFECYCLE}
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
_MAX_WARNINGS = 10


class _Rejects:
    """One reason per row at most: the first check that fails wins."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        self.reason = np.full(len(rows), None, dtype=object)
        self.column = np.full(len(rows), None, dtype=object)
        self.value = np.full(len(rows), None, dtype=object)
        self._rejected = np.zeros(len(rows), dtype=bool)  # kept in step with reason (no scan of objects)

    @property
    def rejected(self) -> np.ndarray:
        return self._rejected.copy()

    def add(self, mask: np.ndarray, column: str, values: Any, reason: str | np.ndarray) -> None:
        new = np.asarray(mask, dtype=bool) & ~self._rejected
        if not new.any():
            return
        where = np.flatnonzero(new)
        self.column[where] = column
        if isinstance(values, pd.Series):
            self.value[where] = values.iloc[where].to_numpy(dtype=object)
        else:
            self.value[where] = np.asarray(values, dtype=object)[where]
        self.reason[where] = reason[where] if isinstance(reason, np.ndarray) else reason
        if isinstance(reason, np.ndarray):
            self._rejected = np.asarray(self.reason != None, dtype=bool)  # noqa: E711  (element-wise)
        elif reason is not None:
            self._rejected = self._rejected | new

    def frame(self, reader: pd.DataFrame | None) -> pd.DataFrame:
        hit = self.rejected
        own = pd.DataFrame(
            {
                "row": pd.Series(self.rows[hit], dtype="int64"),
                "column": pd.Series(self.column[hit], dtype="object"),
                "value": pd.Series([_as_text(v) for v in self.value[hit]], dtype="object"),
                "reason": pd.Series(self.reason[hit], dtype="object"),
            }
        )
        parts = [p for p in (reader, own) if p is not None and len(p)]
        if not parts:
            return empty_rejects()
        out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        out["value"] = out["value"].map(_as_text).astype("object")
        return out.sort_values("row", kind="stable", ignore_index=True)


def _as_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.isoformat()
    return str(value)


def _blank(values: pd.Series, encoded: pa.DictionaryArray | None = None) -> np.ndarray:
    """Missing, or text that is empty or only whitespace.

    Tested once per distinct value (``encoded``: the column's dictionary encoding, when the caller has
    one), not on a trimmed copy of every value.
    """
    if pd.api.types.is_string_dtype(values) or values.dtype == object:
        encoded = encoded if encoded is not None else _dictionary(values)
        blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(encoded.dictionary), ""), True)
        per_value = np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)
        indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        return np.where(indices >= 0, per_value[np.maximum(indices, 0)] if len(per_value) else True, True)
    return np.asarray(values.isna().to_numpy(dtype=bool))


def _dictionary(values: pd.Series) -> pa.DictionaryArray:
    """A text column's Arrow dictionary encoding (one array; nulls stay null)."""
    encoded = pc.dictionary_encode(arrow_text(values))
    return encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded


def _ids(values: pd.Series) -> pd.Series:
    """Case ids as text: whole numbers without ``.0`` (Parquet/XES integers), text as is."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("object").map(lambda v: None if v is None or v is pd.NA else str(v).lower()).astype(_TEXT)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("Float64")
        whole = (numbers.dropna() % 1 == 0).all()
        return (numbers.astype("Int64") if whole else numbers).astype("string").astype(_TEXT)
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        return values
    return values.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)).astype(_TEXT)


def _drop_pandas_index(table: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Drop a first column without a header holding 0..n-1 or 1..n: a pandas index written to CSV."""
    if table.empty or not len(table.columns):
        return table
    first = table.columns[0]
    if not str(first).startswith("Unnamed: 0"):
        return table
    numbers = pd.to_numeric(table[first], errors="coerce")
    if numbers.isna().any():
        return table
    values = numbers.to_numpy()
    start = values[0]
    if start in (0, 1) and np.array_equal(values, np.arange(start, start + len(values))):
        notes.append(f"first column has no header and counts rows ({int(start)}..{int(values[-1])}): "
                     "a pandas index, dropped")
        return table.drop(columns=[first])
    return table


_NUMBERISH = r"^[+-]?[0-9][0-9 \x{00a0}\x{202f}]*(?:[.,][0-9]+)?(?:[eE][+-]?[0-9]+)?$"
#: Decimal comma, optional space as thousands separator; no leading zero except "0,5".
_COMMA_NUMBER = r"^[+-]?(?:0|[1-9][0-9]{0,2}(?:[ \x{00a0}\x{202f}][0-9]{3})+|[1-9][0-9]*)(?:,[0-9]+)?$"
_POINT_NUMBER = r"^[+-]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$"
_INTEGER = r"^[+-]?(?:0|[1-9][0-9]*)$"


def _numeric(values: pd.Series, decimal: str | None) -> tuple[pd.Series, str] | None:
    """A text column as numbers when every non-empty value is one (decimal comma or point).

    Values with a leading zero (``0123``) or more than 18 characters are identifiers: the column
    stays text. Works on the Arrow strings directly (pandas' ``str`` methods fall back to Python
    for these patterns); the first 1000 values decide quickly for the many columns that are text.
    """
    if not pd.api.types.is_string_dtype(values) or values.dtype == object:
        return None
    raw = arrow_text(values)
    head = pc.utf8_trim_whitespace(raw.slice(0, 5000))
    head = head.filter(pc.fill_null(pc.not_equal(head, ""), False)).slice(0, 1000)
    if len(head) and not pc.all(pc.match_substring_regex(head, _NUMBERISH)).as_py():
        return None
    # Every test below is per value: on a column with few distinct values (amounts per case, codes)
    # they run on the distinct values and the numbers are spread back by the dictionary's indices.
    encoded = pc.dictionary_encode(raw)
    few = len(encoded.dictionary) * 2 <= len(raw)
    found = _numeric_arrow(encoded.dictionary if few else raw, decimal)
    if found is None:
        return None
    numbers, kind = found
    if few:
        numbers = numbers.take(encoded.indices)
    if kind == "integers":
        return pd.Series(pd.array(numbers.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)),
                         index=values.index, dtype="Int64"), kind
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=values.index, dtype="float64"), kind


def _numeric_arrow(raw: pa.Array, decimal: str | None) -> tuple[pa.Array, str] | None:
    """:func:`_numeric` on Arrow text: (float64 or int64 values, kind) or ``None``."""
    text = pc.utf8_trim_whitespace(raw)
    present = pc.fill_null(pc.not_equal(text, ""), False)
    sample = text.filter(present)
    if not len(sample) or pc.max(pc.utf8_length(sample)).as_py() > 18:
        return None
    none = pa.scalar(None, pa.string())
    if decimal != "." and pc.all(pc.match_substring_regex(sample, _COMMA_NUMBER)).as_py() and (
            decimal == "," or pc.any(pc.match_substring_regex(sample, r"[, \x{00a0}\x{202f}]")).as_py()):
        cleaned = pc.replace_substring(pc.replace_substring_regex(text, r"[ \x{00a0}\x{202f}]", ""), ",", ".")
        return pc.cast(pc.if_else(present, cleaned, none), pa.float64()), "decimal comma"
    if decimal != "," and pc.all(pc.match_substring_regex(sample, _POINT_NUMBER)).as_py():
        if pc.all(pc.match_substring_regex(sample, _INTEGER)).as_py():
            return pc.cast(pc.if_else(present, text, none), pa.int64()), "integers"
        return pc.cast(pc.if_else(present, text, none), pa.float64()), "decimal point"
    return None


def arrow_text(values: pd.Series) -> pa.Array:
    """A column's values as one Arrow string array (zero-copy for Arrow-backed text)."""
    text = values if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow" else (
        values.astype(_TEXT))
    arr = pa.array(text.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _pair_lifecycle(
    group: np.ndarray, times: np.ndarray, rows: np.ndarray, is_start: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FIFO pairing of starts and completes within each (case, activity) group, vectorised.

    Each complete takes the oldest start of its group that is still open; a complete with none open
    stands alone. With ``c`` the running sum (+1 start, -1 complete) of a group in time order, a
    complete finds no open start exactly when ``c`` drops below both 0 and every earlier ``c``; the
    k-th complete that does find one takes the k-th start.

    Args:
        group: (case, activity) code per row.
        times: completion times as UTC ``datetime64[ns]``.
        rows: source rows (ties keep file order).
        is_start: True for start rows, False for completions.

    Returns:
        (start time for each complete, NaT where unpaired; which starts were paired; which unpaired),
        all aligned with the input.
    """
    n = len(group)
    order = np.lexsort((rows, ~is_start, times.astype("int64"), group))
    g = group[order]
    start = is_start[order]
    step = np.where(start, 1, -1)
    frame = pd.DataFrame({"g": g, "step": step})
    c = frame.groupby("g", sort=False)["step"].cumsum().to_numpy()
    running_min = pd.Series(c).groupby(g, sort=False).cummin().to_numpy()
    prev_min = pd.Series(running_min).groupby(g, sort=False).shift(1).fillna(0).to_numpy()
    prev_min = np.minimum(prev_min, 0)
    complete = ~start
    matched = complete & ~(c < prev_min)
    start_rank = pd.Series(np.where(start, 1, 0)).groupby(g, sort=False).cumsum().to_numpy() - 1
    match_rank = pd.Series(np.where(matched, 1, 0)).groupby(g, sort=False).cumsum().to_numpy() - 1
    n_matched = pd.Series(np.where(matched, 1, 0)).groupby(g, sort=False).transform("sum").to_numpy()
    paired_start = start & (start_rank < n_matched)
    sorted_times = times[order]
    starts = pd.DataFrame({"g": g[paired_start], "k": start_rank[paired_start], "t": sorted_times[paired_start]})
    ends = pd.DataFrame({"g": g[matched], "k": match_rank[matched], "pos": np.flatnonzero(matched)})
    joined = ends.merge(starts, on=["g", "k"], how="left", validate="one_to_one")
    start_for_sorted = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    start_for_sorted[joined["pos"].to_numpy()] = joined["t"].to_numpy(dtype="datetime64[ns]")
    start_time = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    start_time[order] = start_for_sorted
    paired = np.zeros(n, dtype=bool)
    paired[order] = paired_start
    unpaired = np.zeros(n, dtype=bool)
    unpaired[order] = start & ~paired_start
    return start_time, paired, unpaired


def _label_variants(activity: pd.Series, merge: bool) -> tuple[pd.Series, list[str], list[str], dict[str, str]]:
    """Warn about (and optionally merge) labels that differ only by case or whitespace; also returns the
    labels replaced (label -> the one it was merged into)."""
    counts = activity.value_counts(sort=False)
    if counts.empty:
        return activity, [], [], {}
    labels = pd.Series(counts.index.astype(str), index=counts.index)
    keys = labels.str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()
    groups = pd.DataFrame({"label": labels.to_numpy(), "key": keys.to_numpy(), "n": counts.to_numpy()})
    sizes = groups.groupby("key")["label"].transform("size")
    clashing = groups[sizes > 1]
    if clashing.empty:
        return activity, [], [], {}
    warnings: list[str] = []
    notes: list[str] = []
    replace: dict[str, str] = {}
    ordered = clashing.sort_values(["key", "n", "label"], ascending=[True, False, True])
    for _key, block in ordered.groupby("key", sort=True):
        spellings = " / ".join(f"{label!r} ({n})" for label, n in zip(block["label"], block["n"], strict=True))
        winner = str(block["label"].iloc[0])
        if merge:
            for label in block["label"].iloc[1:]:
                replace[str(label)] = winner
            notes.append(f"activity labels merged into {winner!r}: {spellings}")
        else:
            warnings.append(f"activity labels differ only in case or spacing: {spellings}; "
                            "pass --merge-labels to merge them into the most frequent")
    if len(warnings) > _MAX_WARNINGS:
        warnings = [*warnings[:_MAX_WARNINGS], f"... and {len(warnings) - _MAX_WARNINGS} more such label groups"]
    if replace:
        activity = activity.replace(replace)
    return activity, warnings, notes, replace


def _relabelled(coded: tuple[np.ndarray, np.ndarray], replace: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, values)`` of a text column after :func:`_label_variants` replaced some of its values: the
    distinct values, replaced, encoded again (a few dozen), and the codes mapped through that encoding."""
    codes, names = coded
    if not replace:
        return codes, names
    remap, distinct = dictionary_codes(pa.array([replace.get(str(n), str(n)) for n in names], type=pa.large_string()))
    return np.where(codes >= 0, remap[np.maximum(codes, 0)] if len(remap) else -1, -1), distinct


def _duplicate_rows(source: pd.DataFrame, case: pd.Series, ts: pd.Series,
                    case_encoded: pa.DictionaryArray | None = None, wall: np.ndarray | None = None) -> np.ndarray:
    """``source.duplicated(keep="first")``: rows that are exact copies of an earlier row.

    Two rows can only be copies when their case ids and their completion times (as wall-clock time:
    the same text is the same wall-clock time even where daylight saving reads it twice) are equal, so
    only the rows that share such a pair with another row are compared column by column. Same result,
    a fraction of the hashing. ``wall``: those wall-clock times as the parser read them from the text (else
    they are taken from ``ts``).
    """
    def full(frame: pd.DataFrame) -> np.ndarray:
        try:
            return frame.duplicated(keep="first").to_numpy(dtype=bool, copy=True)
        except TypeError:  # unhashable cell values (nested XES attributes): compare their text
            return frame.astype(str).duplicated(keep="first").to_numpy(dtype=bool, copy=True)

    n = len(source)
    if n < 2 or any(pd.api.types.is_object_dtype(d) for d in source.dtypes) or not isinstance(
            ts.dtype, pd.DatetimeTZDtype):
        return full(source)  # object columns may hold unhashable values: the whole-frame rule decides
    wall = (pd.DatetimeIndex(ts).tz_localize(None).asi8 if wall is None else wall.view(np.int64)).view(np.uint64)
    encoded = case_encoded if case_encoded is not None else _dictionary(case)
    case_codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    with np.errstate(over="ignore"):
        key = wall * np.uint64(0x9E3779B97F4A7C15) + case_codes.astype(np.int64).view(np.uint64)
    # Keys that occur more than once, found by sorting (much faster than hashing millions of keys).
    ordered = np.sort(key)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    candidates = np.flatnonzero(np.isin(key, np.unique(repeated))) if len(repeated) else np.zeros(0, dtype=np.int64)
    out = np.zeros(n, dtype=bool)
    if len(candidates):
        out[candidates] = full(source.iloc[candidates])
    return out


def _time_reasons(unparseable: np.ndarray, raw: pd.Series, what: str) -> str | np.ndarray:
    """The reason of each refused time: outside the representable range, an impossible UTC offset, else
    ``unparseable <what>`` (one reason for all when none is special: the common case, no array)."""
    if not unparseable.any():
        return f"unparseable {what}"
    texts = raw[unparseable]
    reasons = {value: unparseable_reason(value) for value in pd.unique(texts.astype(str))}
    if all(r == "unparseable timestamp" for r in reasons.values()):
        return f"unparseable {what}"
    out = np.full(len(raw), None, dtype=object)
    out[unparseable] = [reasons[str(v)].replace("unparseable timestamp", f"unparseable {what}")
                        for v in texts.astype(str)]
    return out


def _first_reject_message(path: str, rejects: pd.DataFrame) -> str:
    first = rejects.iloc[0]
    return (f"{path}: {len(rejects)} row(s) rejected (first: row {int(first['row'])}, column {first['column']}: "
            f"{first['reason']}); fix them or run without --strict")


def table_to_log(
    table: pd.DataFrame,
    *,
    path: str,
    sha256: str | Future[str],
    fmt: str,
    rows_read: int,
    options: ReadOptions | None = None,
    row_numbers: np.ndarray | None = None,
    reader_rejects: pd.DataFrame | None = None,
    value_problems: pd.DataFrame | None = None,
    notes: Sequence[str] = (),
    excel_epoch: dt.datetime | None = None,
    decimal: str | None = None,
) -> EventLog:
    """Validate a raw table (one row per source row) and make it an :class:`EventLog`.

    Args:
        table: the rows that the reader could split into fields; text columns for CSV/XLSX, typed
            columns for XES/Parquet. Never changed. A ``@@source_row`` column gives row numbers.
        path: the file, for messages and ``Source.path``.
        sha256: SHA-256 of the file, or a future of it (:func:`~processmining.ingest.read_log` hashes the
            file on a thread while this validates; it is awaited only when the log is made).
        fmt: csv, xlsx, xes, parquet or frame.
        rows_read: rows in the source: ``len(table)`` plus the reader's rejects.
        options: the read's choices (:class:`~processmining.ingest.options.ReadOptions`: profile, column
            overrides, strictness, pseudonymisation and its key, label merging, duplicates, day order, time
            zone, "now"). Where one is left ``None`` the profile decides, else the default: labels differing
            only by case are only warned about; exact duplicate rows are kept as events and warned about
            (published figures of real logs count them: sepsis.csv has one, helpdesk.xes.gz 127); naive times
            are Europe/Stockholm; "now" is the current time.
        row_numbers: 1-based source row of each table row (default: ``@@source_row``, else 2, 3, ...).
        reader_rejects: rows the reader could not use (row, column, value, reason).
        value_problems: cells the reader could not convert to their declared type (XES); a row whose
            case, activity or timestamp is among them is rejected with that reason.
        notes: what the reader learned (encoding, delimiter, sheet, ...).
        excel_epoch: for workbooks, the date system of serial-number dates.
        decimal: the decimal separator of numeric text columns (default: detected per column).

    Raises:
        MissingColumnsError: case, activity or timestamp column not found.
        TimestampError: day/month order cannot be decided and was not given.
        StrictModeError: ``strict`` and at least one row was rejected.
        ConfigError: resource names to pseudonymise and no key.
    """
    options = options or ReadOptions()
    notes_out: list[str] = list(notes)
    warnings: list[str] = []
    settings = _settings(options, fmt, decimal)
    rows, source, reader = _source_table(table, row_numbers, reader_rejects, rows_read, settings.text, notes_out)
    roles = _roles(source, path, options, notes_out)
    rejects = _Rejects(rows)
    if value_problems is not None and len(value_problems):
        _reader_problems(value_problems, roles, rows, rejects, warnings)
    required = _required_values(source, roles, rejects, settings, path=path, fmt=fmt, excel_epoch=excel_epoch,
                                profile=options.profile, notes=notes_out)
    is_start = _lifecycle_transitions(source, roles.get("lifecycle"), rejects, notes_out)
    duplicated = _exact_duplicates(source, required, rejects, rows, settings.drop, notes_out, warnings)
    merged, start_ts = _lifecycle_pairs(source, roles.get("lifecycle"), required, is_start, rejects, rows,
                                        duplicated, settings.tz, notes_out)
    keep = ~rejects.rejected & ~duplicated & ~merged
    rejects_frame = rejects.frame(reader)
    if options.strict and len(rejects_frame):
        raise StrictModeError(_first_reject_message(path, rejects_frame))
    events = _events(source, roles, required, start_ts, keep, rows, settings, options.profile, notes_out, warnings)
    protected = _privacy(events, source, roles, required, keep, options, notes_out, warnings)
    if settings.text:
        _numbers_in_text(events.frame, protected.resource_like, settings.decimal, notes_out)
    mapping = ColumnMapping(
        case=roles["case"], activity=roles["activity"], timestamp=roles["timestamp"], start=roles.get("start"),
        resource=roles.get("resource"), unit=roles.get("unit"), lifecycle=roles.get("lifecycle"),
        attributes=tuple(events.renamed),
    )
    if isinstance(sha256, Future):
        sha256 = sha256.result()
    n_duplicates = int(duplicated.sum())
    src = Source(path=path, sha256=sha256, format=fmt, rows_read=rows_read, mapping=mapping,
                 duplicates_removed=n_duplicates, timezone=settings.tz, notes=tuple(notes_out),
                 warnings=tuple(warnings), pseudonymised=protected.pseudonymised)
    log = EventLog.from_frame(events.frame, source=src, rejects=rejects_frame, timezone=settings.tz,
                              known_codes=protected.known_codes)
    del events, rejects
    release_unused_memory()  # validation's temporaries, before the analyses allocate theirs
    n_merged = int(merged.sum())
    if rows_read != log.n_events + len(rejects_frame) + n_duplicates + n_merged:
        raise AssertionError(
            f"{path}: rows read {rows_read} != events {log.n_events} + rejects {len(rejects_frame)} "
            f"+ duplicates {n_duplicates} + merged starts {n_merged}"
        )
    return log


# ---- the steps of table_to_log, in their order -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Settings:
    """The read's choices as the validation uses them (the options, else the profile, else the defaults)."""

    tz: str
    dayfirst: bool | None
    merge: bool
    drop: bool
    earliest_date: dt.date
    earliest: pd.Timestamp
    now: pd.Timestamp
    decimal: str | None
    text: bool  # CSV or XLSX: every value is text


def _settings(options: ReadOptions, fmt: str, decimal: str | None) -> _Settings:
    profile = options.profile
    tz = options.timezone or (profile.timezone if profile else DEFAULT_TIMEZONE)
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {tz!r} (e.g. Europe/Stockholm)") from exc
    dayfirst = options.dayfirst if options.dayfirst is not None or profile is None else profile.dayfirst
    merge = (options.merge_label_variants if options.merge_label_variants is not None
             else bool(profile and profile.merge_label_variants))
    drop = options.drop_duplicates if options.drop_duplicates is not None else bool(profile and profile.drop_duplicates)
    earliest_date = profile.earliest if profile else DEFAULT_EARLIEST
    now = options.now
    now_ts = pd.Timestamp.now(tz=tz) if now is None else (now.tz_localize(tz) if now.tzinfo is None else now)
    return _Settings(tz=tz, dayfirst=dayfirst, merge=merge, drop=drop, earliest_date=earliest_date,
                     earliest=pd.Timestamp(earliest_date).tz_localize(tz), now=now_ts,
                     decimal=decimal or (profile.decimal if profile else None), text=fmt in ("csv", "xlsx"))


def _source_table(table: pd.DataFrame, row_numbers: np.ndarray | None, reader_rejects: pd.DataFrame | None,
                  rows_read: int, text: bool, notes: list[str]) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """The rows' source numbers, the source columns (without the row column or a pandas index) and the reader's
    rejects; checks that rows read = rows here + the reader's rejects."""
    if row_numbers is None:
        row_numbers = (table[ROW].to_numpy(dtype="int64") if ROW in table.columns
                       else np.arange(2, len(table) + 2, dtype="int64"))
    rows = np.asarray(row_numbers, dtype="int64")
    if len(rows) != len(table):
        raise ValueError(f"{len(rows)} row numbers for {len(table)} rows")
    reader = reader_rejects if reader_rejects is not None else empty_rejects()
    if rows_read != len(table) + len(reader):
        raise ValueError(f"rows_read {rows_read} != {len(table)} rows + {len(reader)} reader rejects")
    source = table.drop(columns=[ROW]) if ROW in table.columns else table
    source = source.reset_index(drop=True)
    if text:
        source = _drop_pandas_index(source, notes)
    return rows, source, reader


def _roles(source: pd.DataFrame, path: str, options: ReadOptions, notes: list[str]) -> dict[str, str]:
    """Which source column plays which role (case, activity, timestamp, start, resource, unit, lifecycle)."""

    def distinct(column: str) -> list[str]:
        values = source[column]
        return [str(v) for v in values.dropna().unique()[:64]] if values.nunique(dropna=True) <= 64 else ["?"]

    roles, mapping_notes = detect_roles([str(c) for c in source.columns], path=path, profile=options.profile,
                                        overrides=options.columns, distinct_values=distinct)
    notes += mapping_notes
    return roles


def _reader_problems(value_problems: pd.DataFrame, roles: dict[str, str], rows: np.ndarray, rejects: _Rejects,
                     warnings: list[str]) -> None:
    """The reader's cell problems: a row whose case, activity or time is among them is rejected with that reason;
    the others are one warning."""
    n = len(rows)
    role_cols = {roles.get(r) for r in ("case", "activity", "timestamp", "start")} - {None}
    position = pd.Series(np.arange(n), index=rows)
    relevant = value_problems[value_problems["column"].isin(role_cols) & value_problems["row"].isin(rows)]
    for column, block in relevant.groupby("column", sort=False):
        mask = np.zeros(n, dtype=bool)
        mask[position.loc[block["row"].to_numpy()].to_numpy()] = True
        values = np.full(n, None, dtype=object)
        values[position.loc[block["row"].to_numpy()].to_numpy()] = block["value"].to_numpy()
        reasons = np.full(n, None, dtype=object)
        reasons[position.loc[block["row"].to_numpy()].to_numpy()] = block["reason"].to_numpy()
        rejects.add(mask, str(column), values, reasons)
    others = value_problems[~value_problems.index.isin(relevant.index)]
    if len(others):
        first = others.iloc[0]
        warnings.append(f"{len(others)} attribute value(s) could not be read as their declared type and are "
                        f"empty (first: row {int(first['row'])}, column {first['column']}: {first['value']!r})")


@dataclass(frozen=True, slots=True)
class _Required:
    """The three required values of every row (and the start time), as read and checked."""

    case: pd.Series
    activity: pd.Series
    case_encoded: Any
    activity_encoded: Any
    ts: pd.Series
    wall: Any  # the wall-clock times the parser read (for the duplicate check)
    start: pd.Series | None


def _required_values(source: pd.DataFrame, roles: dict[str, str], rejects: _Rejects, settings: _Settings, *,
                     path: str, fmt: str, excel_epoch: dt.datetime | None, profile: Any,
                     notes: list[str]) -> _Required:
    """Case id, activity and completion time of every row (a row without one is rejected), and the start time;
    times in the future, implausibly early or a start after its completion are rejected."""
    case_col, act_col, ts_col, start_col = roles["case"], roles["activity"], roles["timestamp"], roles.get("start")
    case = _ids(source[case_col])
    activity = _ids(source[act_col]) if not (pd.api.types.is_string_dtype(source[act_col])
                                              and source[act_col].dtype != object) else source[act_col]
    case_encoded = _dictionary(case)  # shared by the checks on case ids below
    rejects.add(_blank(case, case_encoded), case_col, case, "missing case id")
    activity_encoded = _dictionary(activity) if pd.api.types.is_string_dtype(activity) else None
    rejects.add(_blank(activity, activity_encoded), act_col, activity, "missing activity")
    fmt_string = profile.timestamp_format if profile else None
    times = parse_timestamps(source[ts_col], column=ts_col, path=path, timezone=settings.tz, fmt=fmt_string,
                             dayfirst=settings.dayfirst, excel_epoch=excel_epoch if fmt == "xlsx" else None)
    notes += list(times.notes)
    raw_ts = source[ts_col]
    rejects.add(times.missing, ts_col, raw_ts, "missing timestamp")
    rejects.add(times.unparseable, ts_col, raw_ts, _time_reasons(times.unparseable, raw_ts, "timestamp"))
    ts = times.values
    rejects.add((ts > settings.now).to_numpy(dtype=bool, na_value=False), ts_col, raw_ts, "timestamp in the future")
    rejects.add((ts < settings.earliest).to_numpy(dtype=bool, na_value=False), ts_col, raw_ts,
                f"timestamp before {settings.earliest_date.isoformat()} (implausible)")
    start_ts: pd.Series | None = None
    if start_col is not None:
        started = parse_timestamps(source[start_col], column=start_col, path=path, timezone=settings.tz,
                                   fmt=fmt_string, dayfirst=settings.dayfirst,
                                   excel_epoch=excel_epoch if fmt == "xlsx" else None)
        notes += list(started.notes)
        raw_start = source[start_col]
        rejects.add(started.unparseable, start_col, raw_start,
                    _time_reasons(started.unparseable, raw_start, "start time"))
        start_ts = started.values
        rejects.add((start_ts < settings.earliest).to_numpy(dtype=bool, na_value=False), start_col, raw_start,
                    f"start before {settings.earliest_date.isoformat()} (implausible)")
        rejects.add((start_ts > ts).to_numpy(dtype=bool, na_value=False), start_col, raw_start,
                    "start after completion")
    return _Required(case=case, activity=activity, case_encoded=case_encoded, activity_encoded=activity_encoded,
                     ts=ts, wall=times.wall, start=start_ts)


def _lifecycle_transitions(source: pd.DataFrame, lc_col: str | None, rejects: _Rejects,
                           notes: list[str]) -> np.ndarray:
    """Which rows are starts (lifecycle ``start``); transitions other than start and complete are rejected."""
    is_start = np.zeros(len(source), dtype=bool)
    if lc_col is not None:
        lc_text = _ids(source[lc_col])
        word = lc_text.str.strip().str.casefold().fillna("")
        is_start = word.isin(LIFECYCLE_START).to_numpy(dtype=bool)
        completes = word.isin(LIFECYCLE_COMPLETE).to_numpy(dtype=bool) | (word == "").to_numpy(dtype=bool)
        unknown = (word == "unknown").to_numpy(dtype=bool)
        other = ~is_start & ~completes & ~unknown
        if other.any():
            reasons = ("lifecycle transition " + lc_text.fillna("").str.strip() + " not used").to_numpy(dtype=object)
            rejects.add(other, lc_col, lc_text, reasons)
        if (unknown & ~rejects.rejected).any():
            notes.append(f"column {lc_col}: {int(unknown.sum())} event(s) with lifecycle 'unknown' "
                         "kept as completions")
    return is_start


def _exact_duplicates(source: pd.DataFrame, required: _Required, rejects: _Rejects, rows: np.ndarray, drop: bool,
                      notes: list[str], warnings: list[str]) -> np.ndarray:
    """Rows that are exact copies (all source columns equal) of an earlier row not rejected: removed where asked
    (counted), else kept as events with a warning (then none is marked)."""
    duplicated = _duplicate_rows(source, required.case, required.ts, required.case_encoded, wall=required.wall)
    duplicated &= ~rejects.rejected
    if duplicated.any():
        count = int(duplicated.sum())
        examples = ", ".join(str(r) for r in rows[duplicated][:5]) + (", ..." if count > 5 else "")
        if drop:
            notes.append(f"{count} exact duplicate row(s) removed (row {examples})")
        else:
            warnings.append(f"{count} row(s) are exact copies of an earlier row (row {examples}); kept as events. "
                            "Pass --drop-duplicates (or drop_duplicates in the profile) to remove them")
            duplicated[:] = False
    return duplicated


def _lifecycle_pairs(source: pd.DataFrame, lc_col: str | None, required: _Required, is_start: np.ndarray,
                     rejects: _Rejects, rows: np.ndarray, duplicated: np.ndarray, tz: str,
                     notes: list[str]) -> tuple[np.ndarray, pd.Series | None]:
    """Start/complete pairs merged into one event each (the start rows marked, their times the completions'
    start times); a start without its completion is rejected."""
    n = len(source)
    start_ts = required.start
    alive = ~rejects.rejected & ~duplicated
    merged = np.zeros(n, dtype=bool)
    if (is_start & alive).any():
        case, activity, ts = required.case, required.activity, required.ts
        idx = np.flatnonzero(alive)
        group = pd.MultiIndex.from_arrays([case.to_numpy()[idx], activity.to_numpy()[idx]]).factorize()[0]
        utc = ts.iloc[idx].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
        start_time, paired, unpaired = _pair_lifecycle(group, utc, rows[idx], is_start[idx])
        full = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        full[idx] = start_time
        paired_start = pd.Series(full).dt.tz_localize("UTC").dt.tz_convert(tz)
        merged[idx[paired]] = True
        lonely = np.zeros(n, dtype=bool)
        lonely[idx[unpaired]] = True
        rejects.add(lonely, lc_col or "", _ids(source[lc_col]) if lc_col else np.full(n, None),
                    "start without complete")
        notes.append(f"lifecycle: {int(paired.sum())} start/complete pair(s) merged into one event each "
                     f"(start_timestamp); {int((~is_start[idx] & np.isnat(start_time)).sum())} completion(s) "
                     "without a start kept")
        start_ts = paired_start if start_ts is None else start_ts.where(start_ts.notna(), paired_start)
    return merged, start_ts


@dataclass(slots=True)
class _Events:
    """The kept rows as the log's frame, and what was renamed or relabelled on the way."""

    frame: pd.DataFrame
    renamed: list[tuple[str, str]]
    role_columns: dict[str, str]
    relabelled: Any
    everything: bool


def _events(source: pd.DataFrame, roles: dict[str, str], required: _Required, start_ts: pd.Series | None,
            keep: np.ndarray, rows: np.ndarray, settings: _Settings, profile: Any, notes: list[str],
            warnings: list[str]) -> _Events:
    """The kept rows with the contract's column names, the other columns as attributes (renamed by the profile),
    label variants merged where asked, and empty text cells missing."""
    case_col, act_col, ts_col, start_col = roles["case"], roles["activity"], roles["timestamp"], roles.get("start")
    source_columns = [str(c) for c in source.columns]
    everything = bool(keep.all())

    def kept(values: pd.Series) -> pd.Series:
        """The kept rows (all of them, when nothing was rejected: no copy)."""
        return (values if everything else values[keep]).reset_index(drop=True)

    events: dict[str, Any] = {CASE: kept(required.case)}
    kept_activity = kept(required.activity)
    kept_activity, label_warnings, label_notes, relabelled = _label_variants(kept_activity, settings.merge)
    warnings += label_warnings
    notes += label_notes
    events[ACTIVITY] = kept_activity
    events[TIMESTAMP] = kept(required.ts)
    if start_ts is not None and kept(start_ts).notna().any():
        events[START] = kept(start_ts)
    role_columns = {roles[r]: _ROLE_TARGETS[r] for r in ("resource", "unit", "lifecycle") if r in roles}
    used = {CASE, ACTIVITY, TIMESTAMP, START, ROW, *role_columns.values()}
    renamed: list[tuple[str, str]] = []
    attributes = dict(profile.attributes) if profile else {}
    missing_attrs = [c for c in attributes if c not in source_columns]
    if missing_attrs:
        warnings.append(f"profile attribute column(s) not in the file: {', '.join(missing_attrs)}")
    for column in source_columns:
        if column in (case_col, act_col, ts_col, start_col):
            continue
        if column in role_columns:
            events[role_columns[column]] = kept(source[column])
            continue
        target = attributes.get(column, column)
        if target in used:
            target = f"{target} (source)"
        if target != column:
            renamed.append((column, target))
        used.add(target)
        events[target] = kept(source[column])
    events[ROW] = pd.Series(rows[keep], dtype="int64")
    frame = pd.DataFrame(events)
    if settings.text:  # an empty cell is a missing value
        for column in frame.columns:
            values = frame[column]
            if column not in (CASE, ACTIVITY, TIMESTAMP, START, ROW) and pd.api.types.is_string_dtype(values):
                empty = pc.fill_null(pc.equal(arrow_text(values), ""), False).to_numpy(zero_copy_only=False)
                if empty.any():
                    frame[column] = values.mask(empty)
    return _Events(frame=frame, renamed=renamed, role_columns=role_columns, relabelled=relabelled,
                   everything=everything)


@dataclass(frozen=True, slots=True)
class _Protected:
    known_codes: dict[str, Any]
    resource_like: list[str]
    pseudonymised: bool


def _privacy(events: _Events, source: pd.DataFrame, roles: dict[str, str], required: _Required, keep: np.ndarray,
             options: ReadOptions, notes: list[str], warnings: list[str]) -> _Protected:
    """Personal identity numbers masked in every text column; case officers pseudonymised (where asked); the
    kept case ids and activities as the log's codes."""
    frame = events.frame
    masked_total, masked_columns = 0, set()
    for column in frame.columns:
        if column in (CASE, TIMESTAMP, START, ROW):
            continue
        before = frame[column]
        after, changed = mask_and_count(before)
        if after is not before:
            masked_total += changed
            masked_columns.add(column)
            frame[column] = after
    if masked_total:
        notes.append(f"{masked_total} value(s) with a Swedish personal identity number masked (********-****)")
    # The kept rows' case ids as the log's codes, from the encoding made for the checks above (the log would
    # otherwise encode the million ids again). The distinct ids decide as well as every row would whether
    # one holds a personal identity number (masking is per value).
    everything = events.everything
    case_codes = compact_codes(required.case_encoded, None if everything else keep)
    known_codes = {CASE: case_codes}
    if required.activity_encoded is not None and ACTIVITY not in masked_columns:  # activities as in the frame
        known_codes[ACTIVITY] = _relabelled(compact_codes(required.activity_encoded, None if everything else keep),
                                            events.relabelled)
    case_ids = pd.Series(case_codes[1], dtype=_TEXT) if len(frame) else frame[CASE]
    if mask_personal_numbers(case_ids) is not case_ids:
        warnings.append("some case ids contain a Swedish personal identity number; they are kept as ids "
                        "(pseudonymise them in the source system)")
    resource_like = [RESOURCE] if RESOURCE in frame.columns else []
    for column in candidates([str(c) for c in source.columns], "resource"):
        target = dict(events.renamed).get(column, column)
        if target in frame.columns and target not in resource_like and column not in events.role_columns:
            resource_like.append(target)
    pseudonymised = False
    if resource_like and any(frame[c].notna().any() for c in resource_like):
        # A file this tool wrote (a merged log) holds pseudonyms already: kept as they are (no key needed),
        # not pseudonyms of pseudonyms; the log counts as pseudonymised, whatever --no-pseudonymise says.
        already = [c for c in resource_like if are_pseudonyms(frame[c])]
        hashed = [c for c in resource_like if c not in already] if options.pseudonymise else []
        if hashed:
            secret = options.key if options.key is not None else load_key()
            for column in hashed:
                frame[column] = pseudonymise_column(frame[column], secret)
            notes.append(f"pseudonymised with the key: {', '.join(hashed)}")
        if already:
            notes.append(f"already pseudonyms, kept as they are: {', '.join(already)}")
        pseudonymised = RESOURCE in hashed or RESOURCE in already
    return _Protected(known_codes=known_codes, resource_like=resource_like, pseudonymised=pseudonymised)


def _numbers_in_text(frame: pd.DataFrame, resource_like: list[str], decimal: str | None, notes: list[str]) -> None:
    """Text columns of a CSV or workbook that hold numbers become numbers (decimal comma or point)."""
    kinds: dict[str, list[str]] = {}
    for column in frame.columns:
        if column in (CASE, ACTIVITY, TIMESTAMP, START, ROW, RESOURCE, GROUP, LIFECYCLE) or column in resource_like:
            continue
        converted = _numeric(frame[column], decimal)
        if converted is not None:
            frame[column] = converted[0]
            kinds.setdefault(converted[1], []).append(str(column))
    for kind, names in kinds.items():
        notes.append(f"numbers ({kind}): {', '.join(names)}")


def pseudonymise_column(values: pd.Series, key: bytes) -> pd.Series:
    """:func:`~processmining.ingest.privacy.pseudonymise` for any column (non-text values as text)."""
    return pseudonymise(_ids(values) if not pd.api.types.is_string_dtype(values) else values, key)


def merged_starts(log: EventLog) -> int:
    """Start rows merged into their completions while loading (rows read minus the rest)."""
    return log.source.rows_read - log.n_events - len(log.rejects) - log.source.duplicates_removed
