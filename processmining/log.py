"""The one event-log contract: :class:`EventLog`.

Everything after ingest works on an ``EventLog``: a pandas DataFrame with pm4py's standard column
names (so pm4py is called without renaming), sorted by case, then timestamp, then source row, plus
what was learned while loading (:class:`Source`) and what could not be used (``rejects``).

Nothing after ingest takes ``*_key`` strings: the column names below are the contract.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .errors import EventLogError, MissingColumnsError

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
DEFAULT_TIMEZONE = "Europe/Stockholm"


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
    ) -> EventLog:
        """Validate a DataFrame that already uses the contract's column names and sort it.

        The caller's frame is copied, never changed. Naive timestamps are local time in
        ``timezone``. Rows lacking a case, activity or timestamp are an error here: ingest is the
        place where bad rows become rejects.
        """
        missing = [c for c in REQUIRED if c not in frame.columns]
        if missing:
            raise MissingColumnsError(
                f"missing column(s) {', '.join(missing)}; found: {', '.join(map(str, frame.columns))}"
            )
        events = frame.copy()
        if ROW not in events.columns:
            events[ROW] = np.arange(2, len(events) + 2, dtype="int64")
        events[CASE] = events[CASE].astype("string").astype(object)
        events[ACTIVITY] = events[ACTIVITY].astype("string").astype(object)
        events[TIMESTAMP] = _as_aware(events[TIMESTAMP], TIMESTAMP, timezone)
        if START in events.columns:
            events[START] = _as_aware(events[START], START, timezone)
        for column in REQUIRED:
            if events[column].isna().any():
                row = int(events.loc[events[column].isna(), ROW].iloc[0])
                raise EventLogError(f"row {row}: column {column!r} is empty")
        events = sort_events(events)
        src = source if source is not None else _frame_source(len(frame))
        return cls(events=events, source=src, rejects=rejects if rejects is not None else empty_rejects())

    def with_events(self, events: pd.DataFrame) -> EventLog:
        """A new log over a subset (or re-sorted copy) of these events; source and rejects kept."""
        return EventLog(events=events, source=self.source, rejects=self.rejects)

    def with_source(self, **changes: Any) -> EventLog:
        return EventLog(events=self.events, source=replace(self.source, **changes), rejects=self.rejects)

    # ---- simple facts --------------------------------------------------------------------------
    @property
    def n_events(self) -> int:
        return len(self.events)

    @property
    def n_cases(self) -> int:
        return int(self.events[CASE].nunique())

    @property
    def activities(self) -> list[str]:
        """Distinct activity names, sorted."""
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
    def case_codes(self) -> np.ndarray:
        """Integer code per event for its case, 0..n_cases-1 in sorted case order."""
        if "case_codes" not in self._cache:
            codes, uniques = pd.factorize(self.events[CASE], sort=False)
            self._cache["case_codes"] = codes
            self._cache["case_ids"] = uniques
        return self._cache["case_codes"]  # type: ignore[no-any-return]

    def case_ids(self) -> pd.Index:
        self.case_codes()
        return pd.Index(self._cache["case_ids"], name=CASE)

    def case_variants(self) -> pd.Series:
        """Per case (index: case id), its variant: the tuple of activity names in sorted order."""
        if "case_variants" not in self._cache:
            ev = self.events
            codes, names = pd.factorize(ev[ACTIVITY], sort=False)
            case_codes = self.case_codes()
            # The frame is sorted by case, so each case is one contiguous block: split the activity
            # codes at case boundaries instead of a Python groupby (one tuple per case, not per event).
            bounds = np.flatnonzero(np.diff(case_codes)) + 1
            blocks = np.split(codes, bounds) if len(codes) else []
            name_arr = np.asarray(names, dtype=object)
            variants = [tuple(name_arr[b].tolist()) for b in blocks]
            self._cache["case_variants"] = pd.Series(variants, index=self.case_ids(), name="variant", dtype=object)
        return self._cache["case_variants"]  # type: ignore[no-any-return]

    def variant_counts(self) -> pd.Series:
        """Number of cases per variant, most frequent first (ties: by variant, for determinism)."""
        if "variant_counts" not in self._cache:
            counts = self.case_variants().value_counts(sort=False)
            order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            self._cache["variant_counts"] = pd.Series(
                [c for _, c in order], index=pd.Index([v for v, _ in order], tupleize_cols=False, dtype=object),
                name="cases", dtype="int64",
            )
        return self._cache["variant_counts"]  # type: ignore[no-any-return]

    @property
    def n_variants(self) -> int:
        return int(self.case_variants().nunique())

    def transitions(self) -> pd.DataFrame:
        """One row per directly-follows pair (consecutive events of one case).

        Columns: ``case`` (case id), ``source``, ``target`` (activity names), ``source_row``,
        ``target_row`` (source rows), ``source_time`` (completion of the first event),
        ``target_time`` (start of the second event where it has one, else its completion),
        ``wait`` (Timedelta: target_time - source_time; DESIGN.md's waiting time), plus
        ``source_resource``/``target_resource`` and ``source_unit``/``target_unit`` where present.
        """
        if "transitions" not in self._cache:
            self._cache["transitions"] = _transitions(self)
        return self._cache["transitions"]  # type: ignore[no-any-return]

    def case_table(self) -> pd.DataFrame:
        """One row per case: first and last event time, throughput (Timedelta), events, variant."""
        if "case_table" not in self._cache:
            ev = self.events
            codes = self.case_codes()
            ts = ev[TIMESTAMP]
            ids = self.case_ids()
            first_time = ts.groupby(codes, sort=True).min()
            if self.has_start:
                first_time = np.minimum(first_time, ev[START].groupby(codes, sort=True).min().fillna(first_time))
            last_time = ts.groupby(codes, sort=True).max()
            table = pd.DataFrame(
                {
                    "start": first_time.set_axis(ids),
                    "end": last_time.set_axis(ids),
                    "events": pd.Series(np.bincount(codes), index=ids),
                }
            )
            table["throughput"] = table["end"] - table["start"]
            table["variant"] = self.case_variants()
            for col in self.case_attributes:
                table[col] = ev[col].groupby(codes, sort=True).first().to_numpy()
            self._cache["case_table"] = table
        return self._cache["case_table"]  # type: ignore[no-any-return]


def sort_events(events: pd.DataFrame) -> pd.DataFrame:
    """The contract's stable order: case, then completion time, then source row."""
    return events.sort_values([CASE, TIMESTAMP, ROW], kind="stable", ignore_index=True)


def _transitions(log: EventLog) -> pd.DataFrame:
    ev = log.events
    codes = log.case_codes()
    same = np.zeros(0, dtype=bool) if len(ev) < 2 else codes[:-1] == codes[1:]
    src = np.flatnonzero(same)
    dst = src + 1
    ts = ev[TIMESTAMP]
    target_time = ts
    if log.has_start:
        target_time = ev[START].where(ev[START].notna(), ts)
    out: dict[str, Any] = {
        "case": ev[CASE].to_numpy()[src],
        "source": ev[ACTIVITY].to_numpy()[src],
        "target": ev[ACTIVITY].to_numpy()[dst],
        "source_row": ev[ROW].to_numpy()[src],
        "target_row": ev[ROW].to_numpy()[dst],
        "source_time": ts.iloc[src].reset_index(drop=True),
        "target_time": target_time.iloc[dst].reset_index(drop=True),
    }
    frame = pd.DataFrame(out)
    frame["wait"] = frame["target_time"] - frame["source_time"]
    for column, name in ((RESOURCE, "resource"), (GROUP, "unit")):
        if column in ev.columns:
            values = ev[column].to_numpy()
            frame[f"source_{name}"] = values[src]
            frame[f"target_{name}"] = values[dst]
    return frame


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
