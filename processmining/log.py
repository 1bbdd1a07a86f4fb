"""The one event-log contract: :class:`EventLog`.

Everything after ingest works on an ``EventLog``: a pandas DataFrame with pm4py's standard column
names (so pm4py is called without renaming), sorted by case, then timestamp, then source row, plus
what was learned while loading (:class:`Source`) and what could not be used (``rejects``).

Nothing after ingest takes ``*_key`` strings: the column names below are the contract.

How text is held (decided on purpose; PITFALLS.md, "Arrow strings"): not categorical. A categorical
event frame would change what users and pm4py get (group-bys over unobserved categories, ``concat`` of
two logs falling back to object, pm4py re-casting every column), and what the analyses want from it, an
integer code per event and the distinct values, the log gives itself: :meth:`EventLog.codes` encodes a
column once (Arrow's dictionary encoding, codes in sorted order of the values) and keeps the result, so
no analysis factorizes or compares text again. So the frame keeps the contract's dtypes: case ids and
activity names are object columns of ``str`` (8-byte pointers to one shared ``str`` per distinct value,
smaller than Arrow strings and what pm4py expects), every other text column stays Arrow strings (compact,
fast to load and to test with pyarrow). Derived tables hold text the same way as the case and activity
columns (:meth:`EventLog.transitions`: object columns pointing at the distinct values, no copy of text
per row), since they are the largest tables of a run.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .defaults import DEFAULT_TIMEZONE, use_system_allocator
from .errors import EventLogError, MissingColumnsError

_T = TypeVar("_T")

__all__ = [
    "ACTIVITY",
    "CASE",
    "GROUP",
    "RESOURCE",
    "ROW",
    "SOURCE_SYSTEM",
    "START",
    "TIMESTAMP",
    "ColumnMapping",
    "EventLog",
    "Source",
    "REJECT_COLUMNS",
    "empty_rejects",
]

CASE = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
START = "start_timestamp"
RESOURCE = "org:resource"
GROUP = "org:group"
#: 1-based row number in the source as a user would find it (for CSV/XLSX: the spreadsheet row,
#: header = row 1; for XES: the event's position in the file). Keeps sorting stable and traceable.
ROW = "@@source_row"
#: Which export an event came from, when several sources are merged.
SOURCE_SYSTEM = "source:system"

REQUIRED = (CASE, ACTIVITY, TIMESTAMP)
REJECT_COLUMNS = ("row", "column", "value", "reason")


use_system_allocator()  # Arrow on glibc's malloc (see processmining.defaults); a user's setting wins


def release_unused_memory() -> None:
    """Give memory that was freed back to the operating system: Arrow's pool, and glibc's malloc heap.

    Large logs free a lot of short-lived arrays between the steps of ingest and analysis; allocators keep
    such memory for reuse, so the process's resident size would grow by the sum of the steps' peaks.
    Called between steps, this keeps the peak near the memory actually in use. Cheap (well under a
    millisecond) and without effect on any result.
    """
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc (musl, ...): nothing to trim
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def empty_rejects() -> pd.DataFrame:
    """A rejects table with no rows (columns: row, column, value, reason)."""
    return pd.DataFrame(
        {
            "row": pd.Series([], dtype="int64"),
            "column": pd.Series([], dtype="object"),
            "value": pd.Series([], dtype="object"),
            "reason": pd.Series([], dtype="object"),
        }
    )


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which source column became which contract column (``None``: not present in the source)."""

    case: str
    activity: str
    timestamp: str
    start: str | None = None
    resource: str | None = None
    unit: str | None = None
    lifecycle: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()  # (source column, contract column) for case:* etc.

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "activity": self.activity,
            "timestamp": self.timestamp,
            "start": self.start,
            "resource": self.resource,
            "unit": self.unit,
            "lifecycle": self.lifecycle,
            "attributes": dict(self.attributes),
        }


@dataclass(frozen=True, slots=True)
class Source:
    """Where the events came from and what happened while loading them."""

    path: str
    sha256: str
    format: str  # csv, xlsx, xes, parquet, frame, merged
    rows_read: int
    mapping: ColumnMapping
    duplicates_removed: int = 0
    timezone: str = DEFAULT_TIMEZONE
    #: Facts learned while loading that a user should see (encoding, delimiter, DST shifts, ...).
    notes: tuple[str, ...] = ()
    #: Warnings that did not reject rows (e.g. activity labels that differ only by case).
    warnings: tuple[str, ...] = ()
    pseudonymised: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "format": self.format,
            "rows_read": self.rows_read,
            "mapping": self.mapping.as_dict(),
            "timezone": self.timezone,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "pseudonymised": self.pseudonymised,
        }


def _frame_source(rows: int) -> Source:
    return Source(
        path="<DataFrame>",
        sha256="",
        format="frame",
        rows_read=rows,
        mapping=ColumnMapping(case=CASE, activity=ACTIVITY, timestamp=TIMESTAMP),
    )


def localize_naive(values: pd.Series, timezone: str = DEFAULT_TIMEZONE) -> pd.Series:
    """Interpret naive wall-clock times in ``timezone``.

    In the autumn overlap the first occurrence is taken as summer time (a sorted export passes
    through the overlap hour twice, first in summer time); times in the spring gap are moved forward
    to the first valid instant. Ingest reports how many rows either rule touched.
    """
    first = ~values.duplicated(keep="first").to_numpy()
    return values.dt.tz_localize(timezone, ambiguous=first, nonexistent="shift_forward")


def _as_aware(values: pd.Series, column: str, timezone: str) -> pd.Series:
    if not pd.api.types.is_datetime64_any_dtype(values):
        try:
            values = pd.to_datetime(values, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise EventLogError(f"column {column!r} is not a timestamp column: {exc}") from exc
    values = localize_naive(values, timezone) if values.dt.tz is None else values.dt.tz_convert(timezone)
    return values


@dataclass(frozen=True, slots=True)
class EventLog:
    """One row per event, pm4py column names, sorted by case then time then source row.

    Build one with :func:`processmining.read_log` (files) or :meth:`EventLog.from_frame` (a
    DataFrame you already hold). The frame is owned by the log: treat it as read-only and pass
    ``log.events.copy()`` to anything that mutates (pm4py's ``discover_dfg`` does).
    """

    events: pd.DataFrame
    source: Source
    rejects: pd.DataFrame = field(default_factory=empty_rejects)
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        source: Source | None = None,
        rejects: pd.DataFrame | None = None,
        timezone: str = DEFAULT_TIMEZONE,
        known_codes: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> EventLog:
        """Validate a DataFrame that already uses the contract's column names and sort it.

        The caller's frame is copied, never changed. Naive timestamps are local time in
        ``timezone``. Rows lacking a case, activity or timestamp are an error here: ingest is the
        place where bad rows become rejects. ``known_codes``: for the case and/or activity column, the
        ``(codes, values)`` of :meth:`codes` in the frame's row order, where the caller has them already
        (ingest, from its own dictionary encoding: :func:`compact_codes`); else they are made here.
        """
        missing = [c for c in REQUIRED if c not in frame.columns]
        if missing:
            raise MissingColumnsError(
                f"missing column(s) {', '.join(missing)}; found: {', '.join(map(str, frame.columns))}"
            )
        # A shallow copy is enough: pandas' copy-on-write keeps the caller's frame unchanged when
        # columns are replaced below, and the sort makes new arrays anyway.
        events = frame.copy(deep=False)
        if ROW not in events.columns:
            events[ROW] = np.arange(2, len(events) + 2, dtype="int64")
        # Case ids and activity names are text: encoded once here (integer codes in sorted order plus the
        # distinct names), and the codes are kept on the log for every analysis (see EventLog.codes).
        given = known_codes or {}
        encoded = {column: given[column] if column in given else _encode_text(events[column])
                   for column in (CASE, ACTIVITY)}
        events[TIMESTAMP] = _as_aware(events[TIMESTAMP], TIMESTAMP, timezone)
        if START in events.columns:
            events[START] = _as_aware(events[START], START, timezone)
        for column in REQUIRED:
            empty = encoded[column][0] < 0 if column in encoded else events[column].isna().to_numpy()
            if empty.any():
                row = int(events[ROW].iloc[int(np.flatnonzero(empty)[0])])
                raise EventLogError(f"row {row}: column {column!r} is empty")
        order = _sort_order(encoded[CASE][0], events[TIMESTAMP], events[ROW])
        if order is not None:
            for column, (codes, _names) in encoded.items():
                events[column] = codes  # cheap to reorder; the text is put back below
            events = events.take(order)
        events = events.reset_index(drop=True)
        cache: dict[str, Any] = {}
        for column, (codes, names) in encoded.items():
            codes = codes if order is None else codes[order]
            # Object columns of Python str (the contract since the first release; pm4py and users treat
            # them as str). Built from one shared str per distinct value: 8 bytes per event instead of a
            # str object each, and no per-event conversion.
            events[column] = pd.Series(names[codes] if len(names) else [None] * len(codes), dtype=object)
            cache[f"codes:{column}"] = (codes, names)
        # The frame is sorted by case: codes in sorted order are also the codes of first appearance,
        # which is what case_codes() promises.
        case_codes, case_names = cache[f"codes:{CASE}"]
        cache["case_codes"], cache["case_ids"] = case_codes, pd.Index(case_names, dtype=object)
        src = source if source is not None else _frame_source(len(frame))
        return cls(events=events, source=src, rejects=rejects if rejects is not None else empty_rejects(),
                   _cache=cache)

    def with_events(self, events: pd.DataFrame) -> EventLog:
        """A new log over a subset (or re-sorted copy) of these events; source and rejects kept."""
        return EventLog(events=events, source=self.source, rejects=self.rejects)

    def with_source(self, **changes: Any) -> EventLog:
        # Same events: the derived tables (which depend on the events only) are shared.
        return EventLog(events=self.events, source=replace(self.source, **changes), rejects=self.rejects,
                        _cache=self._cache)

    # ---- simple facts --------------------------------------------------------------------------
    @property
    def n_events(self) -> int:
        return len(self.events)

    @property
    def n_cases(self) -> int:
        return len(self.case_ids())

    @property
    def activities(self) -> list[str]:
        """Distinct activity names, sorted."""
        if f"codes:{ACTIVITY}" in self._cache or self.events[ACTIVITY].dtype == object:
            codes, names = self.codes(ACTIVITY)
            if not (codes < 0).any():
                return names.tolist()
        return sorted(self.events[ACTIVITY].unique().tolist())

    def has(self, column: str) -> bool:
        """True when the column exists and has at least one value."""
        return column in self.events.columns and bool(self.events[column].notna().any())

    @property
    def has_start(self) -> bool:
        return self.has(START)

    @property
    def case_attributes(self) -> list[str]:
        return [c for c in self.events.columns if isinstance(c, str) and c.startswith("case:") and c != CASE]

    # ---- derived tables (computed once, cached on the log) --------------------------------------
    # Every analysis works on integer codes and int64 times from these methods, never on the text
    # columns: each column is encoded once per log, and the tables several analyses need (transitions,
    # case table, variants) are built once. A log is immutable, so the cache never goes stale.
    def case_codes(self) -> np.ndarray:
        """Integer code per event for its case, 0..n_cases-1 in sorted case order."""
        if "case_codes" not in self._cache:
            codes, uniques = pd.factorize(self.events[CASE], sort=False)
            self._cache["case_codes"] = codes
            self._cache["case_ids"] = uniques
        return self._cache["case_codes"]

    def case_ids(self) -> pd.Index:
        self.case_codes()
        return pd.Index(self._cache["case_ids"], name=CASE)

    def codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, values)``: an integer code per event for ``column`` (-1 where it is missing) and the
        distinct values (object array, sorted), so that ``values[codes]`` gives the column back.

        Computed once per log and cached. Codes are in sorted order of the values, so a group-by on
        the codes yields the groups in the order of a sorted group-by on the values.
        """
        key = f"codes:{column}"
        if key not in self._cache:
            self._cache[key] = factorize_sorted(self.events[column])
        return self._cache[key]

    def times(self, column: str = TIMESTAMP) -> np.ndarray:
        """A timestamp column as int64 instants (UTC, in the column's unit; NaT as the int64 minimum)."""
        key = f"times:{column}"
        if key not in self._cache:
            self._cache[key] = pd.DatetimeIndex(self.events[column]).asi8
        return self._cache[key]

    def case_bounds(self) -> np.ndarray | None:
        """Index of each case's first event when every case is one contiguous block of the frame (it is in
        a sorted log), else ``None``."""
        if "case_bounds" not in self._cache:
            codes = self.case_codes()
            starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, np.int64)
            contiguous = len(starts) == len(self.case_ids()) and (len(codes) == 0 or bool(
                (codes[starts] == np.arange(len(starts))).all()))
            self._cache["case_bounds"] = starts if contiguous else None
        return self._cache["case_bounds"]

    def transition_positions(self) -> np.ndarray:
        """Position of the first event of each directly-follows pair (the second is the next one), in
        :meth:`transitions` order."""
        if "transition_positions" not in self._cache:
            codes = self.case_codes()
            same = np.zeros(0, dtype=bool) if len(codes) < 2 else codes[:-1] == codes[1:]
            self._cache["transition_positions"] = np.flatnonzero(same)
        return self._cache["transition_positions"]

    def occurrences(self) -> dict[str, np.ndarray]:
        """Repeats of an activity within a case, for every event: ``rank`` (0 for the first occurrence of
        its activity in its case, 1 for the second, ...; int32) and ``previous`` (position of the previous
        occurrence of that activity in the case, -1 for the first)."""
        if "occurrences" not in self._cache:
            acts, names = self.codes(ACTIVITY)
            cases = self.case_codes().astype(np.int64)
            key = cases * (len(names) + 1) + acts
            order = np.argsort(key, kind="stable")  # within a key, the log's order (time, then source row)
            sorted_key = key[order]
            new = np.r_[True, sorted_key[1:] != sorted_key[:-1]] if len(key) else np.zeros(0, dtype=bool)
            group_start = np.maximum.accumulate(np.where(new, np.arange(len(key)), 0)) if len(key) else new
            rank = np.empty(len(key), dtype=np.int32)
            rank[order] = np.arange(len(key)) - group_start
            previous = np.full(len(key), -1, dtype=np.int64)
            if len(key):
                previous[order[1:]] = np.where(new[1:], -1, order[:-1])
            self._cache["occurrences"] = {"rank": rank, "previous": previous}
        return self._cache["occurrences"]

    def variant_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, variants)``: per case (in case-code order) the code of its variant, and the variants
        (object array of tuples of activity names), numbered in order of first appearance."""
        if "variant_codes" not in self._cache:
            self._cache["variant_codes"] = _variant_codes(self)
        return self._cache["variant_codes"]

    def case_variants(self) -> pd.Series:
        """Per case (index: case id), its variant: the tuple of activity names in sorted order."""
        if "case_variants" not in self._cache:
            codes, variants = self.variant_codes()
            self._cache["case_variants"] = pd.Series(variants[codes] if len(codes) else [], index=self.case_ids(),
                                                     name="variant", dtype=object)
        return self._cache["case_variants"]

    def variant_counts(self) -> pd.Series:
        """Number of cases per variant, most frequent first (ties: by variant, for determinism)."""
        if "variant_counts" not in self._cache:
            codes, variants = self.variant_codes()
            counts = np.bincount(codes, minlength=len(variants)) if len(codes) else np.zeros(0, dtype=np.int64)
            order = sorted(range(len(variants)), key=lambda i: (-counts[i], variants[i]))
            self._cache["variant_counts"] = pd.Series(
                [int(counts[i]) for i in order],
                index=pd.Index([variants[i] for i in order], tupleize_cols=False, dtype=object),
                name="cases", dtype="int64",
            )
        return self._cache["variant_counts"]

    @property
    def n_variants(self) -> int:
        return len(self.variant_codes()[1])

    def transitions(self) -> pd.DataFrame:
        """One row per directly-follows pair (consecutive events of one case).

        Columns: ``case`` (case id), ``source``, ``target`` (activity names), ``source_row``,
        ``target_row`` (source rows), ``source_time`` (completion of the first event),
        ``target_time`` (start of the second event where it has one, else its completion),
        ``wait`` (Timedelta: target_time - source_time; DESIGN.md's waiting time), plus
        ``source_resource``/``target_resource`` and ``source_unit``/``target_unit`` where present.
        Text columns are object columns of the events' values (missing: NaN).
        """
        table = self.transition_core().copy(deep=False)  # copy-on-write: the cached table stays as it is
        src = self.transition_positions()
        for column, name in ((RESOURCE, "resource"), (GROUP, "unit")):
            if column in self.events.columns:
                table[f"source_{name}"] = _object_take(self, column, src)
                table[f"target_{name}"] = _object_take(self, column, src + 1)
        return table

    def transition_core(self) -> pd.DataFrame:
        """:meth:`transitions` without the resource and unit columns, computed once and kept: what the
        analyses share (through :func:`~processmining.analyses.edges.transition_waits`). They take resources
        and units as codes (:meth:`codes` at :meth:`transition_positions`), so the four object columns
        (30 MB at 1.1M events) are made only where :meth:`transitions` is asked for."""
        if "transitions" not in self._cache:
            self._cache["transitions"] = _transitions(self)
            release_unused_memory()
        return self._cache["transitions"]

    def shared(self, key: str, build: Callable[[], _T]) -> _T:
        """A table computed once per log by ``build`` and shared by every analysis of a run under ``key``.

        The analyses keep what several of them need (a transition table with its waits, the events'
        working clock, the edge table) here instead of computing it again; :meth:`provide` puts a table
        computed elsewhere (on a cluster) in its place. Keys name the table and what it depends on,
        e.g. ``"edge_table:<calendar>"``; the module that builds a table owns its key.
        """
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def provide(self, key: str, value: Any) -> None:
        """Put a shared table (see :meth:`shared`) computed elsewhere, e.g. the core figures of a cluster."""
        self._cache[key] = value

    def drop_transition_tables(self) -> None:
        """Forget the per-transition tables the analyses share (:meth:`transitions`, their waits and the
        events' working clock: ~80 MB at 1.1M events); they are computed again when asked for.

        :func:`~processmining.analysis.analyze_log` calls it when every analysis is done: the reports read
        the analyses' results, not these tables.
        """
        for key in [k for k in self._cache if k.startswith(("transition", "work_seconds"))]:
            del self._cache[key]
        release_unused_memory()

    def case_table(self) -> pd.DataFrame:
        """One row per case: first and last event time, throughput (Timedelta), events, variant."""
        if "case_table" not in self._cache:
            self._cache["case_table"] = _case_table(self)
            release_unused_memory()
        return self._cache["case_table"]


def sort_events(events: pd.DataFrame) -> pd.DataFrame:
    """The contract's stable order: case, then completion time, then source row."""
    values = events[CASE]
    arr = _arrow_text(values)
    if arr is None and values.dtype == object:  # text only: other ids sort by their own order
        try:
            arr = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            arr = None
    case_codes = dictionary_codes(arr)[0] if arr is not None else None
    if case_codes is None or (case_codes < 0).any() or not isinstance(events[TIMESTAMP].dtype, pd.DatetimeTZDtype):
        return events.sort_values([CASE, TIMESTAMP, ROW], kind="stable", ignore_index=True)
    order = _sort_order(case_codes, events[TIMESTAMP], events[ROW])
    return (events if order is None else events.take(order)).reset_index(drop=True)


# ---- encoding helpers ------------------------------------------------------------------------------
def _arrow_text(values: pd.Series) -> pa.Array | None:
    """Arrow-backed text as one Arrow array (zero-copy), or ``None`` for any other dtype."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        arr = pa.array(values.array)
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return None


def dictionary_codes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for null) and the distinct values sorted (by code point, as Python sorts str)."""
    encoded = pc.dictionary_encode(arr)
    return compact_codes(encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded)


def compact_codes(encoded: pa.DictionaryArray, keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for null) and the distinct values sorted (by code point) of the rows ``keep`` of the array
    ``encoded`` is the dictionary encoding of, from that encoding: no second pass over the text (0.1 s for
    1.1M case ids). Values that no kept row holds are left out."""
    indices = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    if keep is not None:
        indices = indices[keep]
    used = np.zeros(len(encoded.dictionary), dtype=bool)
    used[indices[indices >= 0]] = True
    present = np.flatnonzero(used)
    values = encoded.dictionary.take(pa.array(present))
    order = np.asarray(pc.array_sort_indices(values), dtype=np.int64)
    rank = np.full(len(used), -1, dtype=np.int64)
    rank[present[order]] = np.arange(len(order), dtype=np.int64)
    codes = np.where(indices >= 0, rank[np.maximum(indices, 0)] if len(rank) else -1, -1)
    names = np.asarray(values.take(pa.array(order)).to_numpy(zero_copy_only=False), dtype=object)
    return codes, names


def _encode_text(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A contract text column (case, activity) as codes and sorted distinct str, the values converted
    exactly as ``values.astype("string")`` converts them."""
    arr = _arrow_text(values)
    if arr is None and values.dtype == object:
        try:
            arr = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):  # not all str: convert as pandas does
            arr = None
    if arr is None:
        arr = _arrow_text(values.astype(pd.StringDtype("pyarrow")))
    assert arr is not None
    return dictionary_codes(arr)


def factorize_sorted(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)`` as (int64 codes, object array), through Arrow for Arrow text."""
    arr = _arrow_text(values)
    if arr is not None:
        return dictionary_codes(arr)
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # values that cannot be ordered: first-appearance order
        codes, uniques = pd.factorize(values, sort=False)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def _sort_order(case_codes: np.ndarray, times: pd.Series, rows: pd.Series) -> np.ndarray | None:
    """Positions in the contract's order (case code, time, source row; stable), ``None`` when the
    frame is in that order already. Integer keys: no comparison of text."""
    n = len(case_codes)
    if n < 2:
        return None
    t = pd.DatetimeIndex(times).asi8
    if not pd.api.types.is_integer_dtype(rows.dtype) or pd.DatetimeIndex(times).hasnans:
        frame = pd.DataFrame({"c": case_codes, "t": times.to_numpy(), "r": rows.to_numpy()})
        order = frame.sort_values(["c", "t", "r"], kind="stable").index.to_numpy()
        return None if (order == np.arange(n)).all() else order
    r = rows.to_numpy(dtype=np.int64)
    c = case_codes
    dc, dt_, dr = np.diff(c), np.diff(t), np.diff(r)
    if bool(((dc > 0) | ((dc == 0) & ((dt_ > 0) | ((dt_ == 0) & (dr >= 0))))).all()):
        return None
    # Ties of (case, time) keep the frame's order; that is the row order when rows already ascend.
    return np.lexsort((t, c) if bool((dr >= 0).all()) else (r, t, c))


def _variant_codes(log: EventLog) -> tuple[np.ndarray, np.ndarray]:
    """Variant code per case and the variants, without building one tuple per case.

    Each case's sequence of activity codes is hashed twice (polynomial hashes mod 2**64, vectorised),
    the (hash, hash, length) triples are numbered, and the grouping is then verified exactly: every
    case is compared event by event with the first case of its group. Only on a (never yet seen) hash
    collision does it fall back to one tuple per case.
    """
    acts, names = log.codes(ACTIVITY)
    names = np.asarray(names, dtype=object)
    n_cases = len(log.case_ids())
    starts = log.case_bounds()
    if n_cases == 0:
        return np.zeros(0, dtype=np.int64), np.array([], dtype=object)
    if starts is not None:
        lengths = np.diff(np.r_[starts, len(acts)])
        pos = np.arange(len(acts)) - np.repeat(starts, lengths)
        longest = int(lengths.max())
        value = acts.astype(np.uint64) + np.uint64(1)
        hashes = []
        with np.errstate(over="ignore"):
            for base, mix in ((np.uint64(0x100000001B3), np.uint64(1)), (np.uint64(0x9E3779B97F4A7C15),
                                                                          np.uint64(0xC2B2AE3D27D4EB4F))):
                powers = np.cumprod(np.r_[np.uint64(1), np.full(max(longest - 1, 0), base, dtype=np.uint64)])
                hashes.append(np.add.reduceat((value * mix) * powers[pos], starts))
        grouped = pd.DataFrame({"a": hashes[0], "b": hashes[1], "n": lengths})
        codes = grouped.groupby(["a", "b", "n"], sort=False).ngroup().to_numpy(dtype=np.int64)
        n_variants = int(codes.max()) + 1
        # The first case of each code: codes number the groups in order of appearance, so a code appears
        # first where the running maximum grows.
        running = np.maximum.accumulate(codes)
        first_case = np.flatnonzero(np.r_[True, running[1:] > running[:-1]])
        rep = starts[first_case[codes]]  # per case: where its group's first case begins
        case_of_event = np.repeat(np.arange(n_cases), lengths)
        same = (lengths[first_case[codes]] == lengths).all() and bool(
            (acts[rep[case_of_event] + pos] == acts).all())
        if same:
            variants = np.empty(n_variants, dtype=object)
            for v in range(n_variants):  # one tuple per distinct variant
                begin = starts[first_case[v]]
                variants[v] = tuple(names[acts[begin:begin + lengths[first_case[v]]]].tolist())
            return codes, variants
    # Fallback: one tuple per case, then numbered.
    case_codes = log.case_codes()
    order = np.argsort(case_codes, kind="stable")
    bounds = np.flatnonzero(np.diff(case_codes[order])) + 1
    per_case = [tuple(names[acts[b]].tolist()) for b in np.split(order, bounds)]
    codes, uniques = pd.factorize(pd.Series(per_case, dtype=object), sort=False)
    variants = np.empty(len(uniques), dtype=object)
    for i, v in enumerate(uniques):
        variants[i] = v
    return np.asarray(codes, dtype=np.int64), variants


def _case_table(log: EventLog) -> pd.DataFrame:
    ev = log.events
    codes = log.case_codes()
    ts = ev[TIMESTAMP]
    ids = log.case_ids()
    starts = log.case_bounds()
    fast = starts is not None and len(starts) > 0 and isinstance(ts.dtype, pd.DatetimeTZDtype) and (
        not log.has_start or ev[START].dtype == ts.dtype)
    if fast:
        assert starts is not None
        t = log.times(TIMESTAMP)
        first = np.minimum.reduceat(t, starts)
        if log.has_start:
            s = log.times(START)
            s = np.where(s == np.iinfo(np.int64).min, np.iinfo(np.int64).max, s)  # NaT: no start
            first = np.minimum(first, np.minimum.reduceat(s, starts))
        last = np.maximum.reduceat(t, starts)
        unit = np.datetime_data(ts.dtype.base)[0]

        def instants(values: np.ndarray) -> pd.Series:
            return pd.Series(pd.DatetimeIndex(values.view(f"M8[{unit}]")).tz_localize("UTC").tz_convert(ts.dt.tz),
                             index=ids)

        first_time, last_time = instants(first), instants(last)
    else:
        first_time = ts.groupby(codes, sort=True).min()
        if log.has_start:
            first_time = np.minimum(first_time, ev[START].groupby(codes, sort=True).min().fillna(first_time))
        last_time = ts.groupby(codes, sort=True).max()
        first_time, last_time = first_time.set_axis(ids), last_time.set_axis(ids)
    table = pd.DataFrame(
        {
            "start": first_time,
            "end": last_time,
            "events": pd.Series(np.bincount(codes, minlength=len(ids)) if len(codes) else np.zeros(0, np.int64),
                                index=ids),
        }
    )
    table["throughput"] = table["end"] - table["start"]
    table["variant"] = log.case_variants()
    for col in log.case_attributes:
        values = ev[col]
        if fast:
            # The first value that is present in each case (what groupby().first() gives).
            present = values.notna().to_numpy()
            where = np.flatnonzero(present)
            first_of = np.asarray(starts)  # a case without any value points at its first (missing) cell
            if len(where):
                case_of = codes[where]
                head = np.r_[True, case_of[1:] != case_of[:-1]]
                first_of = first_of.copy()
                first_of[case_of[head]] = where[head]
            picked = values.iloc[first_of]
            if _is_text(values.dtype) and picked.notna().any():
                table[col] = picked.set_axis(ids)  # what str values become anyway, without the round trip
            else:
                table[col] = picked.to_numpy()
        else:
            table[col] = values.groupby(codes, sort=True).first().to_numpy()
    return table


def _is_text(dtype: Any) -> bool:
    """pandas 3's default text dtype ("str": Arrow strings, NaN for missing)."""
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and dtype.na_value is np.nan


def _object_take(log: EventLog, column: str, where: np.ndarray) -> pd.Series:
    """The column's values at ``where`` as an object column (missing values NaN, as ``to_numpy`` gives).

    Text is gathered by code from the distinct values, so every row points at one shared str object.
    """
    values = log.events[column]
    if values.dtype == object:
        return pd.Series(values.to_numpy()[where], dtype=object)
    if _is_text(values.dtype):
        codes, names = log.codes(column)
        picked = codes[where]
        out = np.asarray(names, dtype=object)[np.maximum(picked, 0)] if len(names) else np.full(len(picked), np.nan,
                                                                                              dtype=object)
        if (picked < 0).any():
            out[picked < 0] = np.nan
        return pd.Series(out, dtype=object)
    return pd.Series(values.to_numpy()[where])


def _transitions(log: EventLog) -> pd.DataFrame:
    ev = log.events
    src = log.transition_positions()
    dst = src + 1
    ts = ev[TIMESTAMP]
    target_time = ts
    if log.has_start:
        target_time = ev[START].where(ev[START].notna(), ts)
    # Text columns are object columns of the events' own str objects (8 bytes per row, no copy of any
    # text): what the event frame holds for case and activity, and what an Arrow string column would
    # cost 25-45 bytes per row for (the largest table of a run).
    out: dict[str, Any] = {}
    for name, column, where in (("case", CASE, src), ("source", ACTIVITY, src), ("target", ACTIVITY, dst)):
        out[name] = _object_take(log, column, where)
    out["source_row"] = ev[ROW].to_numpy()[src]
    out["target_row"] = ev[ROW].to_numpy()[dst]
    out["source_time"] = ts.iloc[src].reset_index(drop=True)
    out["target_time"] = target_time.iloc[dst].reset_index(drop=True)
    out["wait"] = out["target_time"] - out["source_time"]
    return pd.DataFrame(out, copy=False)  # every column is new already


def concat_logs(logs: Iterable[EventLog], *, source: Source) -> EventLog:
    """Events of several logs in one (used by merge); rejects concatenated."""
    logs = list(logs)
    events = pd.concat([lg.events for lg in logs], ignore_index=True)
    rejects = pd.concat([lg.rejects for lg in logs], ignore_index=True) if logs else empty_rejects()
    return EventLog(events=sort_events(events), source=source, rejects=rejects)


def summary_counts(log: EventLog) -> Mapping[str, Any]:
    """The counts every report shows, in DESIGN.md's shape (source, events, cases, ...)."""
    ts = log.events[TIMESTAMP]
    return {
        "source": {
            "path": log.source.path,
            "sha256": log.source.sha256,
            "format": log.source.format,
            "rows_read": log.source.rows_read,
        },
        "events": log.n_events,
        "cases": log.n_cases,
        "activities": len(log.activities),
        "variants": log.n_variants,
        "rejected_rows": len(log.rejects),
        "duplicates_removed": log.source.duplicates_removed,
        "start": ts.min().isoformat(timespec="milliseconds") if len(ts) else None,
        "end": ts.max().isoformat(timespec="milliseconds") if len(ts) else None,
    }
