"""Arrow's direct read of a UTF-8 CSV file, in a module that needs pyarrow only (not pandas).

:func:`~processmining.ingest.tables.read_csv_table` reads every CSV file through :func:`csv_layout`
(encoding, delimiter and column names from the file's first 64 KiB) and, for a plain UTF-8 file,
:func:`read_direct` (pyarrow's C++ reader on the file itself, no Python stream in between).

Why apart: the command line starts that read on a thread (:func:`start_reading`) before it imports
the readers, the analyses and their libraries (pandas, networkx, the holiday calendars, openpyxl).
Arrow parses without the interpreter lock, so the imports run on one core while the file is parsed on
the other, instead of one after the other (at 1.1M events: parse 0.94 s and imports 0.5 s took 1.44 s in
a row and 0.97 s side by side). ``analyze`` imports pandas just before, for its chart process to share
(see :mod:`processmining.render.parallel`); other commands start the read first. The result is the same
table: :func:`~processmining.ingest.read_log` uses it only where its own reading of the file's first
bytes gives the same layout, and reads the file itself otherwise.
"""

from __future__ import annotations

import codecs
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from ..defaults import use_system_allocator
from ..errors import UnreadableFileError
from .sniff import Sniffed, decode_sample, detect_delimiter, detect_encoding, parse_header

__all__ = ["CsvLayout", "StartedRead", "csv_layout", "normalise_encoding", "read_direct", "start_reading"]


use_system_allocator()  # before the first buffer: see processmining.defaults


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """How a CSV file is written, from its first bytes.

    Attributes:
        encoding: the text encoding (``utf-8``, ``cp1252``, ``utf-16``, ...).
        detected: whether the encoding was detected (not given by the profile).
        delimiter: the field separator.
        names: the column names of the header line.
        direct: whether pyarrow can read the file as it is (UTF-8, not compressed, a UTF-8 header).
    """

    encoding: str
    detected: bool
    delimiter: str
    names: tuple[str, ...]
    direct: bool


def normalise_encoding(encoding: str) -> str:
    """A user's encoding name as the reader knows it (``utf-8-sig`` is ``utf-8``: the BOM is skipped anyway).

    Raises:
        UnreadableFileError: an encoding Python does not know.
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise UnreadableFileError(f"unknown encoding {encoding!r}; use utf-8, utf-8-sig or cp1252") from exc
    return {"utf-8-sig": "utf-8", "utf-8": "utf-8", "cp1252": "cp1252", "utf-16": "utf-16"}.get(name, name)


def csv_layout(path: Path, sniffed: Sniffed, *, delimiter: str | None = None,
               encoding: str | None = None) -> CsvLayout:
    """The layout of the CSV file ``path`` from ``sniffed`` (its first 64 KiB) and the profile's settings.

    Raises:
        UnreadableFileError: no header line, or an unknown encoding.
    """
    enc = normalise_encoding(encoding) if encoding else detect_encoding(sniffed.sample)
    text = decode_sample(sniffed.sample, enc)
    delim = delimiter or detect_delimiter(text)
    names = parse_header(text, delim)
    if not names:
        raise UnreadableFileError(f"{path}: no header line found; the first line must name the columns")
    header = sniffed.sample.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    return CsvLayout(encoding=enc, detected=encoding is None, delimiter=delim, names=tuple(names),
                     direct=enc == "utf-8" and not sniffed.compression and _is_utf8(header))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_direct(path: Path, layout: CsvLayout) -> pa.Table | None:
    """Every column of a plain UTF-8 file as ``large_string``, read by pyarrow from the file itself.

    ``None`` where pyarrow refuses the file (an invalid byte, a row with another number of fields, an
    unreadable file): the caller then reads it through its checking stream, which says what is wrong.
    """
    parse = pacsv.ParseOptions(delimiter=layout.delimiter, quote_char='"', double_quote=True,
                               newlines_in_values=True, ignore_empty_lines=False)  # a bad row raises
    read = pacsv.ReadOptions(use_threads=False, column_names=list(layout.names), skip_rows=1, block_size=1 << 22)
    convert = pacsv.ConvertOptions(
        # large_string is what pandas' Arrow strings hold: the columns are wrapped without a copy.
        column_types={name: pa.large_string() for name in layout.names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        with pa.OSFile(str(path), "r") as direct:  # native reads, no Python file object in between
            return pacsv.read_csv(direct, read_options=read, parse_options=parse, convert_options=convert)
    except (pa.ArrowException, OSError):
        return None


class StartedRead:
    """:func:`read_direct` of one file, running on a thread (made by :func:`start_reading`)."""

    def __init__(self, path: Path, layout: CsvLayout) -> None:
        self.path = path.resolve()
        self.layout = layout
        self._future: Future[pa.Table | None] | None = Future()
        thread = threading.Thread(target=self._read, name="processmining-csv-read", daemon=True)
        thread.start()

    def _read(self) -> None:
        future = self._future
        assert future is not None
        try:
            future.set_result(read_direct(self.path, self.layout))
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, which reads the file again
            future.set_exception(exc)

    def take(self, path: Path, layout: CsvLayout) -> tuple[bool, pa.Table | None]:
        """``(True, table)`` for the same file read with the same layout (``table`` is ``None`` where pyarrow
        refused it), once: the table is not kept here. ``(False, None)`` for anything else."""
        future = self._future
        if future is None or path.resolve() != self.path or layout != self.layout:
            return False, None
        self._future = None
        try:
            return True, future.result()
        except Exception:  # noqa: BLE001 - as if pyarrow had refused it: read again through the stream
            return True, None


def start_reading(path: str | Path, *, profile: object = None) -> StartedRead | None:
    """Start :func:`read_direct` of ``path`` on a thread if it is a plain UTF-8 CSV file; else ``None``.

    ``profile``: what :func:`~processmining.ingest.read_log` will be given. Nothing here raises: a file or
    profile with a problem gets ``None``, and ``read_log`` says what is wrong as it always does.
    """
    from .profiles import resolve_profile
    from .sniff import sniff

    try:
        file = Path(path)
        prof = resolve_profile(profile)  # type: ignore[arg-type]
        sniffed = sniff(file, declared=prof.format if prof else None)
        if sniffed.format != "csv":
            return None
        layout = csv_layout(file, sniffed, delimiter=prof.delimiter if prof else None,
                            encoding=prof.encoding if prof else None)
    except Exception:  # noqa: BLE001 - read_log raises the same problem with its message
        return None
    return StartedRead(file, layout) if layout.direct else None
