"""One way to write a file, for every writer of the project: a crash never leaves a half-written file.

Each file is written to a hidden temporary name in the same folder and moved into place with
``os.replace`` (atomic on POSIX and Windows within one file system). A failure removes the temporary
file and leaves any earlier version untouched. The renderers, the ingest's rejects and merge reports,
the automations' outbox and the flows all write through :func:`atomic_path` and its helpers.

CSV files are written in one dialect, the one Swedish Excel opens as it is (:func:`write_csv`).

Layer: the bottom (beside :mod:`processmining.errors`).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CSV_DIALECT", "atomic_path", "csv_safe", "write_bytes", "write_csv", "write_rows", "write_text"]

#: The project's one CSV dialect: what Swedish Excel opens as it is (UTF-8 with BOM, ``;``, decimal comma,
#: CRLF), every text cell guarded against running as a formula, times as ISO 8601 with their offset.
CSV_DIALECT = {"sep": ";", "decimal": ",", "encoding": "utf-8-sig", "lineterminator": "\r\n"}


@contextmanager
def atomic_path(path: str | Path, *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed.

    ``suffix`` ends the temporary name, for writers that add their own otherwise (pm4py's OCEL writers).

    Example::

        with atomic_path(out / "bottlenecks.xlsx") as tmp:
            workbook.save(tmp)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp{suffix}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(path: str | Path, data: bytes, *, durable: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path. ``durable``: on disk (fsync) before it is
    moved into place, for files whose existence is a promise (an automation's outbox file)."""
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        fh.write(data)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8", durable: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically; returns the path (``durable``: see :func:`write_bytes`)."""
    return write_bytes(path, text.encode(encoding), durable=durable)


def csv_safe(value: object) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula (leading = + - @ quoted)."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in ("+", "-") and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """A table as CSV in the project's dialect (:data:`CSV_DIALECT`), written atomically: floats with four
    decimals and a decimal comma, tz-aware times as ISO 8601 with offset, text guarded by :func:`csv_safe`."""
    import pandas as pd

    from .formatting import iso_times

    out = frame.copy(deep=False)
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out[column] = iso_times(values)
        elif values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            out[column] = values.map(csv_safe, na_action="ignore")
    text = out.to_csv(sep=";", decimal=",", index=False, float_format="%.4f", lineterminator="\r\n")
    return write_bytes(Path(path), text.encode("utf-8-sig"))


def write_rows(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Rows streamed as CSV in the project's dialect (for tables too long to build as a frame), atomically;
    text cells are guarded by :func:`csv_safe`, numbers written as they are."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([v if isinstance(v, int | float) and not isinstance(v, bool) else csv_safe(v)
                             for v in row])
    return Path(path)
