"""read_log and write_rejects: the one way in for every export format (see :mod:`processmining.ingest`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from ..errors import ConfigError, MissingColumnsError
from ..files import csv_safe, write_rows
from ..log import EventLog
from .arrow_csv import StartedRead
from .limits import Limits, applied, resolve_limits
from .mapping import detect_roles
from .options import ReadOptions
from .profiles import Profile, resolve_profile
from .sniff import sha256_of, sniff
from .tables import read_csv_table, read_parquet_table, read_xlsx_table
from .validation import table_to_log

__all__ = ["read_log", "write_rejects"]


def read_log(
    path: str | Path,
    *,
    profile: Profile | str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    sheet: str | None = None,
    strict: bool = False,
    pseudonymise: bool = True,
    key: bytes | None = None,
    merge_label_variants: bool | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    now: pd.Timestamp | None = None,
    drop_duplicates: bool | None = None,
    on_read: Callable[[], None] | None = None,
    started: StartedRead | None = None,
    limits: Limits | None = None,
    options: ReadOptions | None = None,
) -> EventLog:
    """Read an exported event log and validate it into an :class:`EventLog`.

    Example: ``read_log("sepsis.csv").n_cases`` is 1050 (the case id ``NA`` is a case).

    Args:
        path: a .csv/.tsv/.txt (optionally .gz), .xlsx, .xes, .xes.gz or .parquet file.
        profile: a :class:`Profile`, the path of a profile TOML, or a profile name in
            ``event_logs/profiles/``.
        columns: role -> source column overrides (case, activity, timestamp, start, resource, unit,
            lifecycle); they win over the profile.
        sheet: the worksheet of an .xlsx file (default: the profile's, else the first sheet with a
            usable header).
        strict: raise :class:`~processmining.errors.StrictModeError` when any row is rejected.
        pseudonymise: replace resource names with keyed pseudonyms (``H-`` + 10 hex digits).
        key: the pseudonymisation key (default: :func:`load_key`).
        merge_label_variants: merge activity labels that differ only by case or whitespace.
        drop_duplicates: remove rows that are exact copies of an earlier row (default: the
            profile's, else keep them and warn; published figures count them as events).
        dayfirst: day/month order of dates like 03/04/2025 when the data cannot tell.
        timezone: the time zone of naive times (default: the profile's, else Europe/Stockholm).
        now: rows after this time are rejected as in the future (default: now).
        on_read: called once the file is parsed, before the rows are validated (``analyze`` starts its chart
            process's imports there: during the parse they would take a core from the reader).
        started: this file's read by pyarrow, started before pandas was imported
            (:func:`~processmining.ingest.arrow_csv.start_reading`; the command line does); the same log.
        limits: the reader's limits (decompressed size and ratio, line and header length); default: the
            profile's ``[limits]``, else the environment's, else the defaults (:mod:`processmining.ingest.limits`).
        options: every choice above at once (:class:`~processmining.ingest.options.ReadOptions`, e.g. from the
            command line); where it is given, the keywords above are not used.

    Raises:
        UnreadableFileError, MissingColumnsError, TimestampError, StrictModeError, ConfigError: each
        with a one-line message naming the file and what to do.
    """
    path = Path(path)
    if path.is_dir() and (path / "manifest.json").is_file():  # a dataset of `processmining partition`
        return _read_dataset(path, options or ReadOptions(profile=resolve_profile(profile), columns=columns,
                                                          sheet=sheet, strict=strict, dayfirst=dayfirst,
                                                          merge_label_variants=merge_label_variants,
                                                          drop_duplicates=drop_duplicates), on_read)
    if options is None:
        options = ReadOptions(profile=resolve_profile(profile), columns=columns, sheet=sheet, strict=strict,
                              pseudonymise=pseudonymise, key=key, merge_label_variants=merge_label_variants,
                              drop_duplicates=drop_duplicates, dayfirst=dayfirst, timezone=timezone, now=now,
                              limits=limits)
    prof = options.profile
    limits = options.limits or resolve_limits(prof.limits if prof else None, source=prof.path if prof else "profile")
    with applied(limits):
        return _read(path, options, on_read=on_read, started=started)


def _read_dataset(path: Path, options: ReadOptions, on_read: Callable[[], None] | None) -> EventLog:
    """A folder written by ``processmining partition``: validated when it was written, so read as it is; the
    choices of validation given again are refused (they belong to ``partition``)."""
    from .dataset import read_dataset

    given = [flag for flag, value in (
        ("--profile", options.profile), *((f"--{role}", (options.columns or {}).get(role)) for role in
                                          ("case", "activity", "timestamp", "start", "resource", "unit")),
        ("--sheet", options.sheet), ("--dayfirst", options.dayfirst), ("--strict", options.strict or None),
        ("--merge-labels", options.merge_label_variants or None),
        ("--drop-duplicates", options.drop_duplicates or None)) if value is not None]
    if given:
        raise ConfigError(f"{path}: a partitioned dataset was validated when it was written; give {', '.join(given)} "
                          "to `processmining partition`, not when reading the dataset")
    log = read_dataset(path)
    if on_read is not None:
        on_read()
    return log


def _read(path: Path, options: ReadOptions, *, on_read: Callable[[], None] | None,
          started: StartedRead | None) -> EventLog:
    prof, columns, sheet = options.profile, options.columns, options.sheet
    sniffed = sniff(path, declared=prof.format if prof else None)
    # The file's SHA-256 (provenance) is computed on a thread beside the single-threaded work: hashlib
    # lets go of the GIL, so it takes the second core (0.2 s at 1.1M events off the wall). Not during
    # Arrow's CSV read, which uses both cores itself.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hashing:
        if sniffed.format == "xes":
            return _read_xes(path, hashing.submit(sha256_of, path), on_read=on_read, options=options)
        digest: Future[str]
        if sniffed.format == "parquet":
            digest = hashing.submit(sha256_of, path)
            raw = read_parquet_table(path)
        elif sniffed.format == "xlsx":
            def usable(header: list[str]) -> bool:
                try:
                    detect_roles(header, path=str(path), profile=prof, overrides=columns)
                except MissingColumnsError:
                    return False
                return True

            digest = hashing.submit(sha256_of, path)
            raw = read_xlsx_table(path, sheet=sheet or (prof.sheet if prof else None), usable=usable)
        else:
            raw = read_csv_table(path, sniffed, delimiter=prof.delimiter if prof else None,
                                 encoding=prof.encoding if prof else None, started=started)
            digest = hashing.submit(sha256_of, path)
        if on_read is not None:
            on_read()
        return table_to_log(
            raw.frame, path=str(path), sha256=digest, fmt=sniffed.format, rows_read=raw.rows_read,
            row_numbers=raw.row_numbers, reader_rejects=raw.rejects, notes=raw.notes, excel_epoch=raw.excel_epoch,
            options=options,
        )


def _read_xes(path: Path, digest: Future[str], *, on_read: Callable[[], None] | None, options: ReadOptions) -> EventLog:
    from .xes import read_xes_table

    table = read_xes_table(path)
    if on_read is not None:
        on_read()
    notes = [f"XES: {table.traces} trace(s), parser {table.parser}"]
    if table.globals_applied or table.trace_globals_applied:
        notes.append(f"XES <global> defaults applied: {table.globals_applied} event value(s), "
                     f"{table.trace_globals_applied} trace value(s)")
    if table.naive_dates:
        notes.append(f"XES: {table.naive_dates} date(s) without UTC offset were read as UTC (as pm4py does)")
    frame = table.frame
    return table_to_log(
        frame, path=str(path), sha256=digest, fmt="xes", rows_read=len(frame), value_problems=table.invalid,
        notes=notes, options=options,
    )


def write_rejects(log: EventLog, path: str | Path) -> Path:
    """Write the rejects as CSV: row;column;value;reason, UTF-8 with BOM (opens right in Excel).

    Values that a spreadsheet would run as a formula (starting with ``=``, ``@``, or ``+``/``-``
    followed by text) are written with a leading apostrophe.
    """
    rejects = log.rejects
    return write_rows(path, ["row", "column", "value", "reason"],
                      ((int(row), csv_safe(column), csv_safe(value), csv_safe(reason)) for row, column, value, reason
                       in zip(rejects["row"], rejects["column"], rejects["value"], rejects["reason"], strict=True)))
