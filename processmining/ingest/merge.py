"""Several exports of one process, merged into one :class:`~processmining.log.EventLog`.

A grant case leaves events in more than one system: the case-handling system records the
application, the assessment and the decision; the payment system records the payments, under its
own spelling of the case key and with its own clock. :func:`merge_logs` reads each export with its
own profile, corrects its clock, normalises its case keys so that the systems' spellings meet, tags
every event with the system it came from (column ``source:system``; the key as the source spelled it
in ``source:key``) and returns one log plus a :class:`MergeReport` that says, per source, what was
read, kept and rejected, which cases occur in one source only, and which keys could not be matched
or normalised. Nothing is dropped silently: every row read is an event, a reject (the rejects of
every source are kept, their column and reason prefixed with the source's system name), an exact
duplicate or a start row merged into its completion, and the invariant
``rows_read == events + rejects + duplicates + merged starts`` is checked for the merged log.

Matching. Keys are normalised per source (:class:`KeyNormalisation`, in this order: strip and
collapse whitespace, upper-case, strip the first matching prefix, apply the regular-expression
replacements, check the ``pattern``). A key that is empty afterwards or does not match the pattern
"could not be normalised": its rows are rejected. The *primary* source (the case system; default: the
first) defines which cases exist: events of another source whose key is not among the primary's are
"unmatched", rejected by default (``unmatched = "keep"`` keeps them as cases of their own). The
merged log's case id is the normalised key. Case attributes (``case:*``) that one source lacks are
filled from the case's events in the other sources; where two sources disagree, a warning counts it.

A project file names the sources (``load_project``; paths are relative to the project file)::

    name = "Demo: ärendesystem + ekonomisystem"

    [join]                              # key normalisation for every source, and how to match
    strip_whitespace = true             # strip, and collapse inner runs of whitespace to one space
    upper = true                        # upper-case (prefixes are compared upper-cased too)
    strip_prefixes = ["TVV "]           # the first that matches is removed
    replace = [['^(\\d{4})/', '\\1-']]  # regex -> replacement pairs (Python re), in order
    pattern = '^\\d{4}-\\d{6}$'         # a normalised key must match this (optional)
    primary = "ärendesystem"            # whose cases exist (default: the first source)
    unmatched = "reject"                # or "keep": events whose key the primary does not know

    [[sources]]
    system = "ärendesystem"             # tag in source:system; unique
    path = "case_system.csv"            # relative to this file
    profile = "../profiles/demo.toml"   # a profile file (relative to this file) or a name in
                                        # event_logs/profiles/; or an inline [sources.profile]
    clock_offset = "+00:00"             # added to this source's times: [+-]HH:MM[:SS]

    [[sources]]
    system = "ekonomisystem"
    path = "payments.csv"
    clock_offset = "-00:07"             # its clock is 7 minutes fast
    [sources.columns]                   # optional role -> column overrides (as --case etc.)
    case = "Ärende-ID"
    [sources.key]                       # optional: this source's own normalisation keys
    strip_prefixes = []
    [sources.profile]                   # an inline profile: the keys of a profile file
    name = "Ekonomisystemet"
    [sources.profile.columns]
    case = "Ärende-ID"
    activity = "Händelse"
    timestamp = "Bokförd"

``event_logs/projects/demo_split.toml`` is a complete example (written by
``processmining sample --split DIR``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from ..errors import ConfigError, StrictModeError
from ..files import write_csv
from ..log import ACTIVITY, CASE, ROW, SOURCE_SYSTEM, START, TIMESTAMP, EventLog, Source, empty_rejects
from .options import ReadOptions

if TYPE_CHECKING:
    from .arrow_csv import StartedRead
from .profiles import Profile, parse_profile, resolve_profile

__all__ = [
    "SOURCE_KEY",
    "SOURCE_ROW",
    "JoinKey",
    "KeyNormalisation",
    "MergeReport",
    "MergeResult",
    "Project",
    "SourceReport",
    "SourceSpec",
    "load_project",
    "merge_logs",
    "merge_project",
    "merge_sources",
    "OpenedSources",
    "open_sources",
    "parse_offset",
    "write_log",
    "write_merge_report",
]

#: The case key as the source spelled it, before normalisation.
SOURCE_KEY = "source:key"
#: The event's row in its source file (in files written by :func:`write_log`).
SOURCE_ROW = "source:row"
UNMATCHED = ("reject", "keep")
_OFFSET = re.compile(r"^([+-])?(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")
_NORMALISATION_KEYS = ("strip_whitespace", "upper", "strip_prefixes", "replace", "pattern")
_JOIN_KEYS = (*_NORMALISATION_KEYS, "primary", "unmatched")
_SOURCE_KEYS = ("system", "path", "profile", "clock_offset", "columns", "key")
_PROJECT_KEYS = ("name", "description", "join", "sources")
_EXAMPLES = 10  # keys named in a one-line warning


# ---- options --------------------------------------------------------------------------------------
def parse_offset(value: str | dt.timedelta, *, where: str = "clock_offset") -> pd.Timedelta:
    """A clock offset as a Timedelta: ``"+00:05"`` (5 minutes), ``"-01:00:30"``, or a timedelta.

    Raises:
        ConfigError: text not like ``[+-]HH:MM[:SS]``, naming ``where``.
    """
    if isinstance(value, dt.timedelta):
        return pd.Timedelta(value)
    match = _OFFSET.match(str(value).strip()) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(f"{where}: {value!r} is not a clock offset like \"+00:05\" or \"-01:00:30\" "
                          "([+-]hours:minutes[:seconds])")
    sign, hours, minutes, seconds = match.groups()
    delta = pd.Timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    return -delta if sign == "-" else delta


def _format_offset(offset: pd.Timedelta) -> str:
    total = int(offset.total_seconds())
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


@dataclass(frozen=True, slots=True)
class KeyNormalisation:
    """How a source's case keys are rewritten before the sources are matched.

    Applied in this order: ``strip_whitespace`` (strip, collapse inner whitespace to one space),
    ``upper``, ``strip_prefixes`` (the first that matches is removed, then whitespace stripped again),
    ``replace`` (regular expression -> replacement, Python :mod:`re` syntax, in order), ``pattern``
    (the normalised key must match it in full, else it "could not be normalised"). An empty key after
    these steps could not be normalised either.

    Example: ``KeyNormalisation(strip_prefixes=("TVV ",), upper=True)`` makes ``" tvv 2024-000001"``
    and ``"2024-000001"`` both ``"2024-000001"``.
    """

    strip_whitespace: bool = True
    upper: bool = False
    strip_prefixes: tuple[str, ...] = ()
    replace: tuple[tuple[str, str], ...] = ()
    pattern: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "strip_prefixes", tuple(self.strip_prefixes))
        object.__setattr__(self, "replace", tuple((str(a), str(b)) for a, b in self.replace))
        for regex in [p for p, _ in self.replace] + ([self.pattern] if self.pattern else []):
            try:
                re.compile(regex)
            except re.error as exc:
                raise ConfigError(f"key normalisation: {regex!r} is not a valid regular expression ({exc})") from exc

    def apply(self, keys: pd.Series) -> pd.Series:
        """The normalised keys (object dtype; missing where a key could not be normalised).

        Each distinct key is rewritten once (vectorised over the distinct keys).
        """
        codes, uniques = pd.factorize(keys, use_na_sentinel=True)
        text = pd.Series(np.asarray(uniques, dtype=object), dtype="object").astype(str)
        if self.strip_whitespace:
            text = text.str.strip().str.replace(r"\s+", " ", regex=True)
        if self.upper:
            text = text.str.upper()
        if self.strip_prefixes:
            done = np.zeros(len(text), dtype=bool)
            for prefix in self.strip_prefixes:
                wanted = prefix.upper() if self.upper else prefix
                hit = text.str.startswith(wanted).to_numpy(dtype=bool, copy=True) & ~done
                if hit.any():
                    text = text.where(~hit, text.str.slice(len(wanted)))
                done |= hit
            if self.strip_whitespace:
                text = text.str.strip()
        for regex, replacement in self.replace:
            text = text.str.replace(regex, replacement, regex=True)
        ok = (text != "").to_numpy(dtype=bool, copy=True)
        if self.pattern:
            ok = ok & text.str.fullmatch(self.pattern).to_numpy(dtype=bool)
        values = np.where(ok, text.to_numpy(dtype=object), None)
        out = np.where(codes >= 0, values[np.maximum(codes, 0)] if len(values) else None, None)
        return pd.Series(out, index=keys.index, dtype="object")

    def describe(self) -> str:
        """The steps in words, for reports."""
        steps = []
        if self.strip_whitespace:
            steps.append("strip whitespace")
        if self.upper:
            steps.append("upper-case")
        if self.strip_prefixes:
            steps.append("strip prefix " + " or ".join(repr(p) for p in self.strip_prefixes))
        steps += [f"replace {a!r} by {b!r}" for a, b in self.replace]
        if self.pattern:
            steps.append(f"must match {self.pattern}")
        return ", ".join(steps) or "as is"


@dataclass(frozen=True, slots=True)
class JoinKey:
    """How the sources' cases are matched.

    Attributes:
        normalise: the key normalisation for every source without its own (:attr:`SourceSpec.key`).
        primary: the system whose cases exist (the case system); default: the first source.
        unmatched: ``"reject"`` (default) or ``"keep"`` the events of other sources whose key the
            primary does not have.
    """

    normalise: KeyNormalisation = field(default_factory=KeyNormalisation)
    primary: str | None = None
    unmatched: Literal["reject", "keep"] = "reject"

    def __post_init__(self) -> None:
        if self.unmatched not in UNMATCHED:
            raise ConfigError(f"unmatched = {self.unmatched!r}: use \"reject\" or \"keep\"")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One export to merge.

    Attributes:
        path: the file (any format :func:`~processmining.ingest.read_log` reads).
        system: the name written into ``source:system`` (e.g. ``"ekonomisystem"``); unique per merge.
        profile: its source profile (a :class:`Profile`, a profile file or a name), or ``None``.
        columns: role -> column overrides, as ``read_log(columns=...)`` (e.g. ``{"case": "Ärende-ID"}``).
        clock_offset: added to this source's timestamps and start times (a timedelta or ``"-00:07"``).
        key: this source's key normalisation (default: the join's).
    """

    path: Path
    system: str
    profile: Profile | str | Path | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    clock_offset: dt.timedelta = dt.timedelta(0)
    key: KeyNormalisation | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        if not isinstance(self.system, str) or not self.system.strip():
            raise ConfigError(f"{self.path}: the source needs a system name (e.g. system = \"ärendesystem\")")
        object.__setattr__(self, "clock_offset",
                           parse_offset(self.clock_offset, where=f"{self.system}: clock_offset"))


@dataclass(frozen=True, slots=True)
class Project:
    """A project file: its sources and how they are joined (see the module docstring)."""

    path: Path
    name: str
    description: str
    sources: tuple[SourceSpec, ...]
    join: JoinKey


# ---- the report -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SourceReport:
    """What happened to one source in a merge.

    Attributes:
        system, path, sha256, format: the source.
        rows_read: rows in the file.
        kept: its events in the merged log.
        rejected: its rows rejected, while reading plus at the merge (``rejected_at_merge``).
        rejected_at_merge: rows rejected because their key could not be normalised or matched.
        duplicates_removed: exact duplicate rows removed while reading.
        starts_merged: lifecycle start rows merged into their completions while reading.
        cases: distinct normalised keys among its kept events.
        clock_offset: added to its times.
        normalisation: its key normalisation, in words.
        only_here: keys (normalised) of cases found in this source only, sorted.
        unmatched_keys: keys as spelled in the source that the primary source does not have, sorted.
        unnormalised_keys: keys as spelled in the source that could not be normalised, sorted.
    """

    system: str
    path: str
    sha256: str
    format: str
    rows_read: int
    kept: int
    rejected: int
    rejected_at_merge: int
    duplicates_removed: int
    starts_merged: int
    cases: int
    clock_offset: pd.Timedelta
    normalisation: str
    only_here: tuple[str, ...]
    unmatched_keys: tuple[str, ...]
    unnormalised_keys: tuple[str, ...]

    def as_dict(self, examples: int | None = None) -> dict[str, Any]:
        """JSON-ready; with ``examples`` the key lists are cut to that many (counts stay complete)."""
        def cut(keys: tuple[str, ...]) -> list[str]:
            return list(keys if examples is None else keys[:examples])

        return {
            "system": self.system, "path": self.path, "sha256": self.sha256, "format": self.format,
            "rows_read": self.rows_read, "kept": self.kept, "rejected": self.rejected,
            "rejected_at_merge": self.rejected_at_merge, "duplicates_removed": self.duplicates_removed,
            "starts_merged": self.starts_merged, "cases": self.cases,
            "clock_offset": _format_offset(self.clock_offset), "normalisation": self.normalisation,
            "cases_only_here": len(self.only_here), "only_here": cut(self.only_here),
            "unmatched": len(self.unmatched_keys), "unmatched_keys": cut(self.unmatched_keys),
            "unnormalised": len(self.unnormalised_keys), "unnormalised_keys": cut(self.unnormalised_keys),
        }


@dataclass(frozen=True, slots=True)
class MergeReport:
    """Per source what was read, kept and rejected, and which keys did not meet.

    Attributes:
        sources: one :class:`SourceReport` per source, in the order given.
        primary: the system whose cases exist.
        unmatched: ``"reject"`` or ``"keep"``.
        keys: one row per key problem: ``system``, ``key`` (as spelled in the source), ``normalised``,
            ``problem`` (``only in this source``, ``not in <primary>``, ``could not be normalised``),
            ``rows`` (rows of the source with that key).
        overlapping_events: events with the same case, activity and time in more than one source
            (both kept; a sign that two systems record the same step).
        attribute_conflicts: case attribute -> cases whose sources disagree on its value.
        warnings: the problems in one line each (also in the merged log's ``source.warnings``).
    """

    sources: tuple[SourceReport, ...]
    primary: str
    unmatched: str
    keys: pd.DataFrame
    overlapping_events: int
    attribute_conflicts: Mapping[str, int]
    warnings: tuple[str, ...] = ()

    @property
    def unmatched_keys(self) -> tuple[str, ...]:
        """Every source's keys that the primary does not have (as spelled in the source)."""
        return tuple(k for s in self.sources for k in s.unmatched_keys)

    @property
    def unnormalised_keys(self) -> tuple[str, ...]:
        return tuple(k for s in self.sources for k in s.unnormalised_keys)

    def to_frame(self) -> pd.DataFrame:
        """One row per source with the counts and ``clock_offset_minutes`` (``merge_report.csv``)."""
        rows = []
        for s in self.sources:
            d = s.as_dict(examples=0)
            rows.append({k: d[k] for k in ("system", "path", "format", "sha256", "rows_read", "kept", "rejected",
                                           "rejected_at_merge", "duplicates_removed", "starts_merged", "cases",
                                           "cases_only_here", "unmatched", "unnormalised")})
            rows[-1]["clock_offset_minutes"] = round(s.clock_offset.total_seconds() / 60)  # offsets are ±HH:MM
            rows[-1]["normalisation"] = d["normalisation"]
        return pd.DataFrame(rows)

    def to_summary(self, examples: int = 20) -> dict[str, Any]:
        """JSON-ready: the sources (key lists cut to ``examples``), totals, conflicts and warnings."""
        return {
            "primary": self.primary,
            "unmatched": self.unmatched,
            "sources": [s.as_dict(examples=examples) for s in self.sources],
            "rows_read": sum(s.rows_read for s in self.sources),
            "kept": sum(s.kept for s in self.sources),
            "rejected": sum(s.rejected for s in self.sources),
            "overlapping_events": self.overlapping_events,
            "attribute_conflicts": dict(self.attribute_conflicts),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class MergeResult:
    """The merged log and what the merge did."""

    log: EventLog
    report: MergeReport


# ---- merging --------------------------------------------------------------------------------------
def _prefixed_rejects(rejects: pd.DataFrame, system: str) -> pd.DataFrame:
    if not len(rejects):
        return empty_rejects()
    out = rejects.copy()
    out["column"] = system + ":" + out["column"].astype(str)
    out["reason"] = system + ": " + out["reason"].astype(str)
    return out


def _merge_rejects(rows: np.ndarray, column: str, values: np.ndarray, reasons: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "row": pd.Series(rows, dtype="int64"),
        "column": pd.Series(np.full(len(rows), column, dtype=object), dtype="object"),
        "value": pd.Series(values, dtype="object"),
        "reason": pd.Series(reasons, dtype="object"),
    })


def _merged_sha(specs: Sequence[SourceSpec], logs: Sequence[EventLog], join: JoinKey,
                keys: Sequence[KeyNormalisation]) -> str:
    """SHA-256 over each source's system, file digest, clock offset and key normalisation, and the join."""
    digest = hashlib.sha256()
    for spec, log, key in zip(specs, logs, keys, strict=True):
        digest.update(f"{spec.system}\0{log.source.sha256}\0{_format_offset(spec.clock_offset)}\0{key!r}\n"
                      .encode())
    digest.update(f"{join.primary}\0{join.unmatched}".encode())
    return digest.hexdigest()


def _fill_case_attributes(events: pd.DataFrame) -> dict[str, int]:
    """Fill case:* values a source lacks from the case's other events; count disagreeing cases."""
    conflicts: dict[str, int] = {}
    columns = [c for c in events.columns if isinstance(c, str) and c.startswith("case:") and c != CASE]
    if not columns or SOURCE_SYSTEM not in events.columns:
        return conflicts
    grouped = events.groupby(CASE, sort=False)
    for column in columns:
        values = events[column]
        if values.isna().any():
            events[column] = values.fillna(grouped[column].transform("first"))
        disagree = int((grouped[column].nunique() > 1).sum())
        if disagree:
            conflicts[column] = disagree
    return conflicts


def _examples(keys: Sequence[str]) -> str:
    shown = ", ".join(repr(k) for k in keys[:_EXAMPLES])
    return shown + (f" and {len(keys) - _EXAMPLES} more" if len(keys) > _EXAMPLES else "")


def merge_logs(
    sources: Sequence[SourceSpec],
    *,
    join: JoinKey | None = None,
    path: str | Path | None = None,
    pseudonymise: bool = True,
    pseudonym_key: bytes | None = None,
    strict: bool = False,
    merge_label_variants: bool | None = None,
    drop_duplicates: bool | None = None,
    now: pd.Timestamp | None = None,
) -> MergeResult:
    """Read every source, correct its clock, normalise its keys and merge the events into one log.

    Example::

        result = merge_logs([SourceSpec("case_system.csv", "ärendesystem", profile="demo"),
                             SourceSpec("payments.csv", "ekonomisystem", clock_offset="-00:07",
                                        columns={"case": "Ärende-ID"})],
                            join=JoinKey(KeyNormalisation(upper=True, strip_prefixes=("TVV ",))))
        result.report.unmatched_keys      # payments for cases the case system does not have

    Args:
        sources: the exports, at least one; the first is the primary unless ``join.primary`` names one.
        join: key normalisation and matching (default: keys compared after stripping whitespace).
        path: what the merged log's ``source.path`` says (default: the files joined by ``+``); a
            project file's path when merging a project.
        pseudonymise, pseudonym_key, strict, merge_label_variants, drop_duplicates: passed to
            :func:`~processmining.ingest.read_log` for every source (flags left ``None`` defer to each
            source's profile).
        now: rows after this time (after the clock correction) are rejected as in the future.

    Returns:
        The merged log (``source.format == "merged"``, ``source.rows_read`` the sum over the sources,
        ``source.sha256`` over the sources' digests and settings) and the :class:`MergeReport`.

    Raises:
        ConfigError: no sources, a system name used twice, or an unknown primary.
        EventLogError: a source cannot be read (naming its file), as from ``read_log``.
        StrictModeError: with ``strict``, any row rejected (while reading or at the merge).
    """
    from . import read_log

    join = join or JoinKey()
    sources = list(sources)
    if not sources:
        raise ConfigError("merge: no sources given; name at least one export")
    systems = [s.system for s in sources]
    twice = sorted({s for s in systems if systems.count(s) > 1})
    if twice:
        raise ConfigError(f"merge: system name {twice[0]!r} is used by more than one source; give each a unique name")
    primary = join.primary or systems[0]
    if primary not in systems:
        raise ConfigError(f"merge: primary {primary!r} is not one of the sources ({', '.join(systems)})")
    now_ts = pd.Timestamp.now(tz="UTC") if now is None else now

    logs: list[EventLog] = []
    keys: list[KeyNormalisation] = []
    normalised: list[pd.Series] = []
    shared = ReadOptions(strict=strict, pseudonymise=pseudonymise, key=pseudonym_key,
                         merge_label_variants=merge_label_variants, drop_duplicates=drop_duplicates)
    for spec in sources:
        log = read_log(spec.path, options=shared.replace(profile=resolve_profile(spec.profile),
                                                         columns=dict(spec.columns) or None,
                                                         now=now_ts - spec.clock_offset))
        logs.append(log)
        key = spec.key or join.normalise
        keys.append(key)
        normalised.append(key.apply(log.events[CASE]))

    primary_index = systems.index(primary)
    primary_keys = set(normalised[primary_index].dropna().tolist())
    per_source_keys = [set(n.dropna().tolist()) for n in normalised]

    frames: list[pd.DataFrame] = []
    reject_frames: list[pd.DataFrame] = []
    reports: list[SourceReport] = []
    key_rows: list[pd.DataFrame] = []
    warnings: list[str] = []
    notes: list[str] = []
    for i, (spec, log, key, norm) in enumerate(zip(sources, logs, keys, normalised, strict=True)):
        ev = log.events
        raw = ev[CASE].astype(object)
        bad = norm.isna().to_numpy()
        unmatched = ~bad & ~norm.isin(primary_keys).to_numpy() & (i != primary_index)
        reject_unmatched = unmatched if join.unmatched == "reject" else np.zeros(len(ev), dtype=bool)
        drop = bad | reject_unmatched
        case_column = f"{spec.system}:{log.source.mapping.case}"
        reasons = np.where(
            bad, f"{spec.system}: case key could not be normalised ({key.describe()})",
            f"{spec.system}: case key not in {primary}",
        )
        merge_rejects = _merge_rejects(ev[ROW].to_numpy()[drop], case_column, raw.to_numpy()[drop], reasons[drop])
        kept = ev.loc[~drop].copy()
        kept[SOURCE_KEY] = raw[~drop].to_numpy()
        kept[CASE] = norm[~drop].to_numpy()
        kept[SOURCE_SYSTEM] = spec.system
        if spec.clock_offset:
            kept[TIMESTAMP] = kept[TIMESTAMP] + spec.clock_offset
            if START in kept.columns:
                kept[START] = kept[START] + spec.clock_offset
        rejects = pd.concat([_prefixed_rejects(log.rejects, spec.system), merge_rejects], ignore_index=True) \
            if len(merge_rejects) else _prefixed_rejects(log.rejects, spec.system)
        frames.append(kept)
        reject_frames.append(rejects)

        others = set().union(*(k for j, k in enumerate(per_source_keys) if j != i)) if len(sources) > 1 else set()
        kept_keys = set(kept[CASE].tolist())
        only_here = tuple(sorted(kept_keys - others)) if len(sources) > 1 else ()
        unmatched_keys = tuple(sorted(set(raw[unmatched].tolist())))
        bad_keys = tuple(sorted(set(raw[bad].tolist())))
        starts = log.source.rows_read - log.n_events - len(log.rejects) - log.source.duplicates_removed
        reports.append(SourceReport(
            system=spec.system, path=log.source.path, sha256=log.source.sha256, format=log.source.format,
            rows_read=log.source.rows_read, kept=len(kept), rejected=len(rejects), rejected_at_merge=int(drop.sum()),
            duplicates_removed=log.source.duplicates_removed, starts_merged=starts, cases=len(kept_keys),
            clock_offset=pd.Timedelta(spec.clock_offset), normalisation=key.describe(), only_here=only_here,
            unmatched_keys=unmatched_keys, unnormalised_keys=bad_keys,
        ))
        key_rows.append(_key_table(spec.system, raw, norm, bad, unmatched, only_here, kept, primary))
        if bad_keys:
            warnings.append(f"{spec.system}: {len(bad_keys)} case key(s) could not be normalised "
                            f"({key.describe()}); {int(bad.sum())} row(s) rejected: {_examples(bad_keys)}")
        if unmatched_keys:
            what = "rejected" if join.unmatched == "reject" else "kept as cases of their own"
            warnings.append(f"{spec.system}: {len(unmatched_keys)} case key(s) not in {primary}; "
                            f"{int(unmatched.sum())} row(s) {what}: {_examples(unmatched_keys)}")
        notes += [f"{spec.system}: {n}" for n in log.source.notes]
        warnings += [f"{spec.system}: {w}" for w in log.source.warnings]
        offset = f", clock offset {_format_offset(pd.Timedelta(spec.clock_offset))}" if spec.clock_offset else ""
        notes.append(f"{spec.system}: {log.source.path}: {log.source.rows_read} row(s) read, {len(kept)} event(s) "
                     f"kept, {len(rejects)} rejected, {log.source.duplicates_removed} duplicate(s) removed{offset}; "
                     f"keys: {key.describe()}")

    merged_path = str(path) if path is not None else " + ".join(str(s.path) for s in sources)
    first = logs[primary_index].source
    source = Source(
        path=merged_path, sha256=_merged_sha(sources, logs, join, keys), format="merged",
        rows_read=sum(lg.source.rows_read for lg in logs), mapping=first.mapping,
        duplicates_removed=sum(lg.source.duplicates_removed for lg in logs), timezone=first.timezone,
        notes=tuple(notes), warnings=(), pseudonymised=all(lg.source.pseudonymised for lg in logs),
    )
    events = pd.concat(frames, ignore_index=True)
    conflicts = _fill_case_attributes(events)
    for column, cases in conflicts.items():
        warnings.append(f"{column}: the sources disagree for {cases} case(s); each event keeps its source's value")
    overlap = 0
    if len(sources) > 1 and len(events):
        same = events.groupby([CASE, ACTIVITY, TIMESTAMP], sort=False)[SOURCE_SYSTEM].transform("nunique")
        overlap = int((same > 1).sum())
        if overlap:
            warnings.append(f"{overlap} event(s) have the same case, activity and time in more than one source "
                            "(both kept): do two systems record the same step?")
    all_rejects = pd.concat([r for r in reject_frames if len(r)], ignore_index=True) \
        if any(len(r) for r in reject_frames) else empty_rejects()
    if strict and len(all_rejects):  # the sources' own rejects already failed in read_log
        first_reject = all_rejects.iloc[0]
        raise StrictModeError(f"{merged_path}: {len(all_rejects)} row(s) rejected at the merge (first: row "
                              f"{int(first_reject['row'])}, {first_reject['reason']}); fix the keys or run "
                              "without --strict")
    merged = EventLog.from_frame(events, source=dataclasses.replace(source, warnings=tuple(warnings)),
                                 rejects=all_rejects, timezone=first.timezone)
    total_starts = sum(r.starts_merged for r in reports)
    accounted = merged.n_events + len(merged.rejects) + merged.source.duplicates_removed + total_starts
    if merged.source.rows_read != accounted:
        raise AssertionError(
            f"merge: rows read {merged.source.rows_read} != events {merged.n_events} + rejects {len(merged.rejects)} "
            f"+ duplicates {merged.source.duplicates_removed} + merged starts {total_starts}"
        )
    keys_frame = pd.concat(key_rows, ignore_index=True) if key_rows else pd.DataFrame()
    report = MergeReport(sources=tuple(reports), primary=primary, unmatched=join.unmatched, keys=keys_frame,
                         overlapping_events=overlap, attribute_conflicts=conflicts, warnings=tuple(warnings))
    return MergeResult(log=merged, report=report)


def _key_table(system: str, raw: pd.Series, norm: pd.Series, bad: np.ndarray, unmatched: np.ndarray,
               only_here: tuple[str, ...], kept: pd.DataFrame, primary: str) -> pd.DataFrame:
    """The report's key rows for one source: system, key, normalised, problem, rows."""
    frame = pd.DataFrame({"key": raw.to_numpy(dtype=object), "normalised": norm.to_numpy(dtype=object)})
    problem = np.full(len(frame), "", dtype=object)
    problem[bad] = "could not be normalised"
    problem[unmatched] = f"not in {primary}"
    lonely = set(only_here)
    if lonely:
        alone = frame["normalised"].isin(lonely).to_numpy() & (problem == "")
        problem[alone] = "only in this source"
    frame["problem"] = problem
    frame = frame[frame["problem"] != ""]
    if not len(frame):
        return pd.DataFrame({"system": [], "key": [], "normalised": [], "problem": [], "rows": []})
    table = (frame.groupby(["problem", "key"], sort=True, dropna=False)
             .agg(normalised=("normalised", "first"), rows=("key", "size")).reset_index())
    table.insert(0, "system", system)
    return table[["system", "key", "normalised", "problem", "rows"]]


# ---- project files --------------------------------------------------------------------------------
def _fail(path: Path, where: str, what: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {what}")


def _unknown(path: Path, data: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    for key in data:
        if key not in known:
            raise _fail(path, f"{where} {key}".strip(), f"unknown key; known keys: {', '.join(known)}")


def _normalisation(path: Path, data: Mapping[str, Any], where: str,
                   base: KeyNormalisation | None = None) -> KeyNormalisation:
    base = base or KeyNormalisation()
    changes: dict[str, Any] = {}
    for flag in ("strip_whitespace", "upper"):
        if flag in data:
            if not isinstance(data[flag], bool):
                raise _fail(path, f"{where} {flag}", f"must be true or false, got {data[flag]!r}")
            changes[flag] = data[flag]
    if "strip_prefixes" in data:
        prefixes = data["strip_prefixes"]
        if not isinstance(prefixes, list) or not all(isinstance(p, str) and p for p in prefixes):
            raise _fail(path, f"{where} strip_prefixes", f"must be a list of texts like [\"TVV \"], got {prefixes!r}")
        changes["strip_prefixes"] = tuple(prefixes)
    if "replace" in data:
        pairs = data["replace"]
        if not isinstance(pairs, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs):
            raise _fail(path, f"{where} replace", "must be a list of [regex, replacement] pairs, e.g. "
                        f"[['^(\\\\d{{4}})/', '\\\\1-']], got {pairs!r}")
        changes["replace"] = tuple((a, b) for a, b in pairs)
    if "pattern" in data:
        pattern = data["pattern"]
        if not isinstance(pattern, str) or not pattern:
            raise _fail(path, f"{where} pattern", f"must be a regular expression in quotes, got {pattern!r}")
        changes["pattern"] = pattern
    try:
        return dataclasses.replace(base, **changes)
    except ConfigError as exc:
        raise _fail(path, where, str(exc)) from exc


def _source_profile(path: Path, entry: Mapping[str, Any], system: str) -> Profile | None:
    profile = entry.get("profile")
    if profile is None:
        return None
    if isinstance(profile, dict):
        data = dict(profile)
        data.setdefault("name", system)
        return parse_profile(data, path=f"{path} [sources.profile] of {system}")
    if not isinstance(profile, str) or not profile:
        raise _fail(path, f"source {system}: profile",
                    f"must be a profile file or name in quotes, or a [sources.profile] table; got {profile!r}")
    beside = path.parent / profile
    if beside.exists():
        return resolve_profile(beside)
    try:
        return resolve_profile(profile)
    except ConfigError as exc:
        raise _fail(path, f"source {system}: profile", f"{profile!r} is neither a file beside the project "
                    f"({beside}) nor a profile name in event_logs/profiles/") from exc


def load_project(path: str | Path) -> Project:
    """Read and check a project file (TOML; format in the module docstring).

    Returns:
        The :class:`Project`: ``project.sources`` (a tuple of :class:`SourceSpec`, paths resolved
        against the project file's folder) and ``project.join`` (the :class:`JoinKey`); pass them to
        :func:`merge_logs`, or call :func:`merge_project`.

    Raises:
        ConfigError: naming the file and the key that is wrong.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such project file; see event_logs/projects/demo_split.toml") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the project file ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    _unknown(path, data, _PROJECT_KEYS, "top level")
    join_data = data.get("join", {})
    if not isinstance(join_data, dict):
        raise _fail(path, "[join]", "must be a table")
    _unknown(path, join_data, _JOIN_KEYS, "[join]")
    normalise = _normalisation(path, join_data, "[join]")
    unmatched = join_data.get("unmatched", "reject")
    if unmatched not in UNMATCHED:
        raise _fail(path, "[join] unmatched", f"must be \"reject\" or \"keep\", got {unmatched!r}")
    primary = join_data.get("primary")
    if primary is not None and (not isinstance(primary, str) or not primary):
        raise _fail(path, "[join] primary", f"must name a source's system in quotes, got {primary!r}")

    entries = data.get("sources")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise _fail(path, "[[sources]]", "name at least one source: [[sources]] with system = ... and path = ...")
    specs: list[SourceSpec] = []
    for number, entry in enumerate(entries, start=1):
        system = entry.get("system")
        if not isinstance(system, str) or not system.strip():
            raise _fail(path, f"source {number}", "needs system = \"NAME\" (the tag in source:system)")
        where = f"source {system}"
        _unknown(path, entry, _SOURCE_KEYS, f"[[sources]] ({system})")
        file = entry.get("path")
        if not isinstance(file, str) or not file:
            raise _fail(path, f"{where}: path", "needs path = \"FILE\" (relative to the project file)")
        columns = entry.get("columns", {})
        if not isinstance(columns, dict) or not all(isinstance(v, str) and v for v in columns.values()):
            raise _fail(path, f"{where}: [sources.columns]", "must map roles to column names in quotes")
        key_data = entry.get("key")
        key = None
        if key_data is not None:
            if not isinstance(key_data, dict):
                raise _fail(path, f"{where}: [sources.key]", "must be a table")
            _unknown(path, key_data, _NORMALISATION_KEYS, f"{where}: [sources.key]")
            key = _normalisation(path, key_data, f"{where}: [sources.key]", base=normalise)
        offset = entry.get("clock_offset", "+00:00")
        try:
            delta = parse_offset(offset, where=f"{where}: clock_offset") if isinstance(offset, str) else None
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        if delta is None:
            raise _fail(path, f"{where}: clock_offset", f"must be text like \"-00:07\", got {offset!r}")
        specs.append(SourceSpec(path=path.parent / file, system=system, profile=_source_profile(path, entry, system),
                                columns=dict(columns), clock_offset=delta, key=key))
    systems = [s.system for s in specs]
    for system in systems:
        if systems.count(system) > 1:
            raise _fail(path, f"source {system}", "the system name is used twice; give each source its own")
    if primary is not None and primary not in systems:
        raise _fail(path, "[join] primary", f"{primary!r} is not a source's system ({', '.join(systems)})")
    name = data.get("name", path.stem)
    description = data.get("description", "")
    return Project(path=path, name=str(name), description=str(description), sources=tuple(specs),
                   join=JoinKey(normalise=normalise, primary=primary, unmatched=unmatched))


def merge_project(path: str | Path, **options: Any) -> MergeResult:
    """:func:`load_project` then :func:`merge_logs` (``options`` as there: pseudonymise, strict, ...)."""
    project = load_project(path)
    return merge_logs(project.sources, join=project.join, path=project.path, **options)


# ---- from the command line --------------------------------------------------------------------------
def merge_sources(
    paths: Sequence[str | Path] = (),
    *,
    project: str | Path | None = None,
    join_key: str | None = None,
    profiles: Sequence[Profile | str | Path | None] = (),
    strip_prefixes: Sequence[str] = (),
    upper: bool = True,
    offsets: Sequence[str] = (),
    **options: Any,
) -> MergeResult:
    """Merge a project file, or several files given on the command line.

    Args:
        paths: the exports (without ``project``); the first is the primary (the case system), each
            system is named after its file's stem.
        project: a project file (then ``paths`` and the other options must be empty).
        join_key: the case-key column: one name for every source, or ``"COL1,COL2"`` one per path.
            Default: each source's profile or header detection.
        profiles: one profile for all paths, or one per path (``None`` entries: detect).
        strip_prefixes: prefixes removed from every key (e.g. ``["TVV "]``).
        upper: compare keys upper-cased.
        offsets: clock offset per path (``"-00:07"``), or none.
        options: passed to :func:`merge_logs` (pseudonymise, pseudonym_key, strict, ...).

    Raises:
        ConfigError: both or neither of paths and project, or lists whose length does not fit.
    """
    if project is not None:
        if paths or join_key or profiles or strip_prefixes or offsets:
            raise ConfigError("pass either several LOG files (with --join-key etc.) or --project FILE, not both")
        return merge_project(project, **options)
    files = [Path(p) for p in paths]
    if not files:
        raise ConfigError("no event log given: pass LOG files or --project FILE")

    def per_path(values: Sequence[Any], what: str) -> list[Any]:
        values = list(values)
        if len(values) in (0, 1):
            return values * len(files) if values else [None] * len(files)
        if len(values) != len(files):
            raise ConfigError(f"{len(values)} {what} for {len(files)} files: give one for all or one per file")
        return values

    columns = [c.strip() for c in join_key.split(",")] if join_key else []
    key_columns = per_path(columns, "--join-key columns")
    chosen = per_path(profiles, "profiles")
    shifts = per_path(offsets, "clock offsets")
    names = [p.name.split(".")[0] or f"source{i + 1}" for i, p in enumerate(files)]
    names = [n if names.count(n) == 1 else f"{n}{i + 1}" for i, n in enumerate(names)]
    specs = [SourceSpec(path=p, system=n, profile=prof, columns={"case": col} if col else {},
                        clock_offset=shift or dt.timedelta(0))
             for p, n, prof, col, shift in zip(files, names, chosen, key_columns, shifts, strict=True)]
    join = JoinKey(normalise=KeyNormalisation(upper=upper, strip_prefixes=tuple(strip_prefixes)))
    return merge_logs(specs, join=join, **options)


class OpenedSources(NamedTuple):
    """What :func:`open_sources` gives: the log, and the merge report where several sources were merged."""

    log: EventLog
    report: MergeReport | None


def open_sources(
    paths: Sequence[str | Path] = (),
    *,
    project: str | Path | None = None,
    join_key: str | None = None,
    strip_prefixes: Sequence[str] = (),
    offsets: Sequence[str] = (),
    options: ReadOptions | None = None,
    on_read: Callable[[], None] | None = None,
    started: StartedRead | None = None,
) -> OpenedSources:
    """One log from one file, several files or a project file: what ``processmining analyze LOG...`` reads.

    One path and nothing to merge (no project, key, prefix or offset): exactly
    :func:`~processmining.ingest.read_log` with ``options`` (``on_read`` and ``started`` as there).
    Otherwise :func:`merge_sources` with the options' profile (for every path), pseudonymisation,
    strictness, label merging and duplicates; the report's problems are also in the log's
    ``source.warnings`` and its counts in ``source.notes``; ``on_read`` is called once merged.

    Raises:
        ConfigError: no source at all; column overrides, a sheet or a day order with several sources (they
            belong in each source's profile or the project file); both paths and a project.
    """
    options = options or ReadOptions()
    if project is None and len(paths) == 1 and not (join_key or strip_prefixes or offsets):
        from .reader import read_log

        return OpenedSources(read_log(paths[0], options=options, on_read=on_read, started=started), None)
    if project is None and not paths:
        raise ConfigError("no event log given: pass LOG (one or more files) or --project FILE")
    unsupported = [f"--{name}" for name, given in (
        *((role, role in (options.columns or {})) for role in ("case", "activity", "timestamp", "start", "resource",
                                                                  "unit")),
        ("sheet", options.sheet is not None), ("dayfirst", options.dayfirst is not None)) if given]
    if unsupported:
        raise ConfigError(f"{', '.join(unsupported)} cannot be used with several sources; put the columns in each "
                          "source's profile or the project file")
    result = merge_sources(paths, project=project, join_key=join_key,
                           profiles=[options.profile] if options.profile else [], strip_prefixes=strip_prefixes,
                           offsets=offsets, pseudonymise=options.pseudonymise, pseudonym_key=options.key,
                           strict=options.strict, merge_label_variants=options.merge_label_variants,
                           drop_duplicates=options.drop_duplicates)
    if on_read is not None:
        on_read()
    return OpenedSources(result.log, result.report)


# ---- files ----------------------------------------------------------------------------------------
def write_merge_report(report: MergeReport, directory: str | Path) -> list[Path]:
    """``merge_report.csv`` (one row per source) and ``merge_keys.csv`` (one row per key problem).

    UTF-8 with BOM, ``;``-separated (opens right in a Swedish Excel).
    """
    directory = Path(directory)
    return [write_csv(report.to_frame(), directory / "merge_report.csv"),
            write_csv(report.keys, directory / "merge_keys.csv")]


def write_log(log: EventLog, path: str | Path) -> Path:
    """Write a log's events as ``.parquet`` (typed) or ``.csv`` (``;``, UTF-8 with BOM, ISO times with offset).

    The contract's columns keep their names; the source row becomes ``source:row``. Read the file back
    with ``read_log(path, pseudonymise=False)``: its case officers are already pseudonyms.

    Raises:
        ConfigError: another suffix, or the file cannot be written.
    """
    path = Path(path)
    events = log.events.rename(columns={ROW: SOURCE_ROW})
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            pq.write_table(pa.Table.from_pandas(events, preserve_index=False), tmp, compression="zstd")
            tmp.replace(path)
            return path
        if suffix == ".csv":
            return write_csv(events, path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write ({exc.strerror or exc}); check that the folder is writable") from exc
    raise ConfigError(f"{path}: write the merged log as .parquet or .csv")
