"""Partitioned input: exports validated once into a Parquet dataset split by a stable hash of the case id.

    manifest = write_dataset(["2023.csv", "2024.csv"], "data/ärenden", profile="demo", partitions=8)
    log = read_dataset("data/ärenden")  # the same EventLog as read_log gives for the export(s)

:func:`write_dataset` reads each export with :func:`~processmining.ingest.read_log` (the one validation
path: column mapping, timestamps, rejects, duplicates, label variants, personal-number masking and
pseudonymisation of case officers), one export at a time, and writes its events into ``DIR/events/`` as a
Hive-partitioned Parquet dataset (``part=3/0000-0.parquet``: partition 3, export 0). The partition of an
event is ``blake2b(case id, 8 bytes) mod partitions``: the same case id lands in the same partition in
every export, on every machine and in every run, so one case never spans two partitions and a worker that
reads one partition holds whole cases. ``DIR/rejects.parquet`` holds every rejected row (with the export
it came from) and ``DIR/manifest.json`` what was read: each export's SHA-256, rows read, rejects and
duplicates removed, what loading noticed, and per partition its events and cases.

The events are stored after validation and pseudonymisation: reading the dataset needs no key and no
profile, and yields the events, rejects and provenance the export(s) gave (several exports are
concatenated in the order given, as for yearly slices of one system; a case may continue from one
export into the next).

The folder is written beside its final place and renamed into it at the end, so a failed run leaves no
half-written dataset; an existing non-empty folder is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from ..errors import ConfigError, UnreadableFileError
from ..log import CASE, REJECT_COLUMNS, ColumnMapping, EventLog, Source, empty_rejects

__all__ = ["DEFAULT_PARTITIONS", "MANIFEST", "is_dataset", "partition_files", "partition_of", "read_dataset",
           "read_manifest", "write_dataset"]

#: The manifest's file name inside a dataset folder.
MANIFEST = "manifest.json"
#: Partitions when none are asked for: a few per core of a small cluster, each a few MB at 1M events.
DEFAULT_PARTITIONS = 8
_FORMAT = "processmining-dataset/1"
_PART = "part"


def partition_of(case_ids: Sequence[str] | np.ndarray, partitions: int) -> np.ndarray:
    """The partition (0..partitions-1) of each case id: ``blake2b(id as UTF-8, 8 bytes)`` read big-endian,
    modulo ``partitions``. Stable across runs, machines and Python versions (unlike ``hash()``)."""
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(str(c).encode("utf-8"), digest_size=8).digest(), "big") % partitions
         for c in case_ids), dtype="int32", count=len(case_ids))


def is_dataset(path: str | Path) -> bool:
    """Whether ``path`` is a folder written by :func:`write_dataset` (it holds ``manifest.json``)."""
    p = Path(path)
    return p.is_dir() and (p / MANIFEST).is_file()


def write_dataset(
    paths: Sequence[str | Path],
    out: str | Path,
    *,
    partitions: int = DEFAULT_PARTITIONS,
    read: Callable[[Path], EventLog] | None = None,
    **read_options: Any,
) -> dict[str, Any]:
    """Validate ``paths`` and write them as one partitioned dataset into the folder ``out``; returns the manifest.

    Args:
        paths: the exports (any format :func:`~processmining.ingest.read_log` reads).
        out: the dataset folder; it must not exist or be empty.
        partitions: how many partitions (1 to 4096).
        read: how to read one export (default: ``read_log(path, **read_options)``).
        read_options: passed to :func:`~processmining.ingest.read_log` (``profile``, ``columns``, ...).

    Raises:
        ConfigError: no export, a bad partition count, or ``out`` exists and is not empty.
        and every error of :func:`~processmining.ingest.read_log`, naming the export.
    """
    if not paths:
        raise ConfigError("no export given: pass one or more files to partition")
    if not 1 <= partitions <= 4096:
        raise ConfigError(f"--partitions {partitions}: choose between 1 and 4096")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out}: exists and is not an empty folder; choose a new folder for the dataset "
                          "or delete this one")
    if read is None:
        from .reader import read_log

        def read(path: Path) -> EventLog:
            return read_log(path, **read_options)

    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        manifest = _write(paths, work, partitions, read)
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _write(paths: Sequence[str | Path], work: Path, partitions: int,
           read: Callable[[Path], EventLog]) -> dict[str, Any]:
    events_per_part = np.zeros(partitions, dtype="int64")
    cases_per_part: list[set[str]] = [set() for _ in range(partitions)]
    sources: list[dict[str, Any]] = []
    rejects: list[pa.Table] = []
    schema: pa.Schema | None = None
    for index, path in enumerate(map(Path, paths)):
        log = read(path)
        codes, names = log.codes(CASE)
        part_of_case = partition_of(names, partitions)
        part = part_of_case[codes]
        # With pandas' metadata, so that reading gives the same dtypes back (nullable integers, Arrow strings).
        table = pa.Table.from_pandas(log.events, preserve_index=False)
        if schema is None:
            schema = table.schema
        elif not table.schema.equals(schema):
            raise ConfigError(f"{path}: its columns {', '.join(table.schema.names)} differ from the first export's "
                              f"({', '.join(schema.names)}); partition exports of one layout together (use "
                              "`processmining merge` for exports of different systems)")
        table = table.append_column(_PART, pa.array(part, pa.int32()))
        pads.write_dataset(table, work / "events", format="parquet", basename_template=f"{index:04d}-{{i}}.parquet",
                           partitioning=pads.partitioning(pa.schema([(_PART, pa.int32())]), flavor="hive"),
                           existing_data_behavior="overwrite_or_ignore")
        events_per_part += np.bincount(part, minlength=partitions)
        for p, case in zip(part_of_case, names, strict=True):
            cases_per_part[int(p)].add(str(case))
        src = log.source
        sources.append({**src.as_dict(), "path": str(path), "duplicates_removed": src.duplicates_removed,
                        "events": log.n_events, "cases": log.n_cases, "rejected_rows": len(log.rejects),
                        "filled_columns": [str(c) for c in log.events.columns if log.has(c)]})
        bad = log.rejects.loc[:, list(REJECT_COLUMNS)].astype({"column": "string", "value": "string",
                                                                 "reason": "string"})
        rejects.append(pa.Table.from_pandas(bad, preserve_index=False).replace_schema_metadata(None)
                       .append_column("export", pa.array([str(path)] * len(bad), pa.string())))
    pq.write_table(pa.concat_tables(rejects), work / "rejects.parquet")
    manifest = {
        "format": _FORMAT,
        "partitioning": {"column": CASE, "hash": "blake2b-64 of the case id (UTF-8), big-endian, modulo partitions",
                         "partitions": partitions},
        "sources": sources,
        "rows_read": sum(s["rows_read"] for s in sources),
        "events": int(events_per_part.sum()),
        "rejected_rows": sum(s["rejected_rows"] for s in sources),
        "duplicates_removed": sum(s["duplicates_removed"] for s in sources),
        "partitions": [{"partition": p, "path": f"events/{_PART}={p}", "events": int(events_per_part[p]),
                        "cases": len(cases_per_part[p])} for p in range(partitions)],
    }
    (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of the dataset folder ``path``.

    Raises:
        UnreadableFileError: no manifest, or not one this version writes.
    """
    file = Path(path) / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnreadableFileError(f"{file}: cannot read the dataset's manifest ({exc}); write the dataset "
                                  "again with `processmining partition`") from exc
    if manifest.get("format") != _FORMAT:
        raise UnreadableFileError(f"{file}: not a dataset of this version (format {manifest.get('format')!r}); "
                                  "write it again with `processmining partition`")
    return manifest


def partition_files(path: str | Path, manifest: dict[str, Any], partition: int | None = None) -> list[str]:
    """The Parquet files of the dataset (or of one ``partition``), in the order they were written."""
    root = Path(path)
    parts = manifest["partitions"] if partition is None else [manifest["partitions"][partition]]
    return [str(f) for p in parts for f in sorted((root / p["path"]).glob("*.parquet"))]


def read_dataset(path: str | Path, *, partition: int | None = None) -> EventLog:
    """The :class:`~processmining.log.EventLog` of a dataset written by :func:`write_dataset` (or of one of
    its partitions): the same events, rejects and provenance as reading the export(s) themselves.

    Raises:
        UnreadableFileError: not a dataset folder, or a file of it is missing or damaged.
    """
    root = Path(path)
    manifest = read_manifest(root)
    files = partition_files(root, manifest, partition)
    try:
        table = pads.dataset(files, format="parquet").to_table() if files else None
    except (OSError, pa.ArrowInvalid) as exc:
        raise UnreadableFileError(f"{root}: a file of the dataset cannot be read ({exc}); write the dataset "
                                  "again with `processmining partition`") from exc
    sources = manifest["sources"]
    first = sources[0]
    if table is None or table.num_rows == 0:
        raise UnreadableFileError(f"{root}: the dataset holds no events")
    if _PART in table.column_names:
        table = table.drop_columns([_PART])
    frame = table.to_pandas()
    try:
        bad = pq.read_table(root / "rejects.parquet").to_pandas()
    except (OSError, pa.ArrowInvalid) as exc:
        raise UnreadableFileError(f"{root / 'rejects.parquet'}: cannot be read ({exc})") from exc
    rejects = empty_rejects() if bad.empty else bad.loc[:, list(REJECT_COLUMNS)].astype(
        {"column": object, "value": object, "reason": object}).reset_index(drop=True)
    several = len(sources) > 1

    def each(key: str) -> tuple[str, ...]:
        return tuple(f"{Path(s['path']).name}: {text}" if several else text for s in sources for text in s[key])

    mapping = first["mapping"]
    source = Source(
        path=str(root), sha256=first["sha256"] if not several else hashlib.sha256(
            (root / MANIFEST).read_bytes()).hexdigest(),
        format="dataset", rows_read=int(manifest["rows_read"]),
        mapping=ColumnMapping(**{**mapping, "attributes": tuple(mapping["attributes"].items())}),
        duplicates_removed=int(manifest["duplicates_removed"]), timezone=first["timezone"],
        notes=each("notes"), warnings=each("warnings"), pseudonymised=all(s["pseudonymised"] for s in sources),
    )
    if partition is not None:  # one partition: its events only (the rejects and counts are the dataset's)
        source, rejects = replace(source, rows_read=len(frame), duplicates_removed=0), empty_rejects()
    return EventLog.from_frame(frame, source=source, rejects=rejects, timezone=first["timezone"])
