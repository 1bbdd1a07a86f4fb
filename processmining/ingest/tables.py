"""Readers that turn a CSV, XLSX or Parquet file into a raw table (no mapping, no validation yet).

CSV and XLSX cells are read as text, so nothing is lost or guessed at this stage (``NA`` stays the
string ``"NA"``; an empty cell is the empty string); :func:`processmining.ingest.table_to_log`
converts them. Every table comes with the 1-based source row of each of its rows (the header is row
1, as a spreadsheet shows it) and with the rows the reader could not split into the header's fields.
"""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import importlib
import io
import re
import sys
import threading
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import LimitExceededError, UnreadableFileError
from ..log import empty_rejects
from .arrow_csv import StartedRead, csv_layout, read_direct
from .limits import Limits, SizeGuard, exceeded
from .limits import active as active_limits
from .sniff import Sniffed

__all__ = ["RawTable", "read_csv_table", "read_parquet_table", "read_xlsx_table"]

#: Name of the reject column for problems that concern a whole row rather than one cell.
WHOLE_ROW = "*"
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}
_DELIMITER_NAMES = {";": "';'", ",": "','", "\t": "tab", "|": "'|'"}


@dataclass(frozen=True, slots=True)
class RawTable:
    """A file's rows before validation."""

    frame: pd.DataFrame  # text columns (CSV, XLSX) or typed columns (Parquet)
    row_numbers: np.ndarray  # 1-based source row of each frame row
    rows_read: int  # data rows read, including the reader's rejects
    rejects: pd.DataFrame  # rows the reader could not use (row, column, value, reason)
    notes: tuple[str, ...] = ()
    excel_epoch: dt.datetime | None = None  # XLSX: the workbook's date system, for serial numbers


def _reader_rejects(rows: Sequence[tuple[int, str, str]]) -> pd.DataFrame:
    if not rows:
        return empty_rejects()
    return pd.DataFrame(
        {
            "row": pd.Series([r[0] for r in rows], dtype="int64"),
            "column": pd.Series([WHOLE_ROW] * len(rows), dtype="object"),
            "value": pd.Series([r[1] for r in rows], dtype="object"),
            "reason": pd.Series([r[2] for r in rows], dtype="object"),
        }
    )


def _drop_empty_rows(frame: pd.DataFrame, rows: np.ndarray, notes: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Remove rows whose every cell is empty (blank lines, formatted-but-empty spreadsheet rows)."""
    if frame.empty or not len(frame.columns):
        return frame, rows
    empty = np.ones(len(frame), dtype=bool)
    rows_left = np.arange(len(frame))
    for column in frame.columns:  # each column only on the rows still empty so far (usually none)
        values = frame[column] if len(rows_left) == len(frame) else frame[column].iloc[rows_left]
        blank = (values.fillna("") == "").to_numpy(dtype=bool)
        empty[rows_left[~blank]] = False
        rows_left = rows_left[blank]
        if not len(rows_left):
            break
    count = int(empty.sum())
    if count:
        examples = ", ".join(str(r) for r in rows[empty][:5])
        notes.append(f"{count} empty row(s) skipped (row {examples}{', ...' if count > 5 else ''})")
        keep = ~empty
        return frame.loc[keep].reset_index(drop=True), rows[keep]
    return frame, rows


# ---- CSV ---------------------------------------------------------------------------------------------


class _Utf8Stream(io.RawIOBase):
    """The file's bytes as UTF-8, converted chunk by chunk while pyarrow reads (never the whole file).

    UTF-8 and Windows-1252, the two encodings of Swedish exports, are handled per line: a 1 MiB chunk
    that is valid UTF-8 passes through untouched (the common case, checked in C); in a chunk that is
    not, each line is UTF-8 where it can be and Windows-1252 where not. So a file that mixes the two
    (rows pasted from another system) loses nothing. Other encodings (UTF-16, Latin-9, ...) go
    through Python's incremental decoder.
    """

    def __init__(self, raw: IO[bytes], encoding: str, *, path: Path | str = "", compressed: IO[bytes] | None = None,
                 limits: Limits | None = None) -> None:
        super().__init__()
        self.raw = raw
        self.path = path
        #: the compressed file under ``raw`` (gzip): what it consumed is measured against what came out
        self.compressed = compressed
        self.limits = limits or active_limits()
        self.guard = SizeGuard(path, "the compressed file", self.limits) if compressed is not None else None
        self.produced = 0
        self.lines = 0  # line breaks handed on so far: the number of the line being read is lines + 1
        self.pending_parts: list[bytes] = []
        self.pending_size = 0
        self.per_line = encoding in ("utf-8", "cp1252")
        self.decoder = None if self.per_line else codecs.getincrementaldecoder(encoding)(errors="replace")
        self.buffer = b""
        self.offset = 0
        self.eof = False
        self.fallback_lines = 0
        self.first = True

    def readable(self) -> bool:
        return True

    def _convert(self, data: bytes, final: bool) -> bytes:
        if self.decoder is not None:
            return self.decoder.decode(data, final=final).encode("utf-8")
        try:
            data.decode("utf-8")
            return data
        except UnicodeDecodeError:
            pass
        lines = data.split(b"\n")
        for i, line in enumerate(lines):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                self.fallback_lines += 1
                try:
                    lines[i] = line.decode("cp1252").encode("utf-8")
                except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: read as Latin-1
                    lines[i] = line.decode("latin-1").encode("utf-8")
        return b"\n".join(lines)

    def _fill(self) -> None:
        while not self.eof:
            chunk = self.raw.read(1 << 20)
            if chunk and self.guard is not None and self.compressed is not None:
                self.produced += len(chunk)
                self.guard.check(self.compressed.tell(), self.produced)
            if not chunk:
                self.eof = True
                data = b"".join(self.pending_parts)
                self.pending_parts, self.pending_size = [], 0
                self.buffer, self.offset = self._convert(data, True), 0
                return
            if self.first:
                self.first = False
                if chunk.startswith(b"\xef\xbb\xbf"):
                    chunk = chunk[3:]
            if self.decoder is not None:
                self.buffer, self.offset = self._convert(chunk, False), 0
                if self.buffer:
                    return
                continue
            cut = chunk.rfind(b"\n")
            if cut < 0:
                # No line break in this chunk: kept as a part (joined once, when the line ends), so a line that
                # never ends costs linear time, and is refused once longer than the line-length limit.
                self.pending_parts.append(chunk)
                self.pending_size += len(chunk)
                self._check_line(self.pending_size)
                continue
            self._check_line(self.pending_size + chunk.find(b"\n"))  # the line this chunk ends
            data = b"".join([*self.pending_parts, chunk[: cut + 1]])
            self.pending_parts, self.pending_size = [chunk[cut + 1 :]], len(chunk) - cut - 1
            self.lines += data.count(b"\n")
            self.buffer, self.offset = self._convert(data, False), 0
            return

    def _check_line(self, length: int) -> None:
        if length > self.limits.max_line_bytes:
            raise exceeded(self.path, "max_line_bytes",
                           f"line {self.lines + 1:,} is longer than {self.limits.max_line_bytes:,} bytes "
                           "(a line that never ends, or a quote that is never closed)")

    def readinto(self, target: Any) -> int:
        if self.offset >= len(self.buffer):
            self._fill()
            if self.offset >= len(self.buffer):
                return 0
        view = memoryview(target).cast("B")
        n = min(len(view), len(self.buffer) - self.offset)
        view[:n] = self.buffer[self.offset : self.offset + n]
        self.offset += n
        return n

    def close(self) -> None:
        self.raw.close()
        if self.compressed is not None:
            self.compressed.close()
        super().close()


#: Third-party modules the analyses of a log import (networkx, scipy.sparse for its PageRank, the Swedish
#: holiday calendar) and the workbook's writer (openpyxl): about 0.5 s of imports. While pyarrow parses a
#: large file it holds no GIL, so a second thread imports them meanwhile at no cost in wall time; the
#: reader waits for that thread before it returns, so no import ever runs concurrently with other work.
_WARM_MODULES = ("networkx", "scipy.sparse", "holidays.countries.sweden", "openpyxl")
#: Only for files whose parse takes longer than the imports (about 0.3 s of parsing).
_WARM_MIN_BYTES = 100 << 20


def _warm_imports() -> None:
    for name in _WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - an optional speed-up; the analysis reports a real problem
            continue


def _start_warm_imports(path: Path) -> threading.Thread | None:
    try:
        large = path.stat().st_size >= _WARM_MIN_BYTES
    except OSError:
        return None
    if not large or all(name in sys.modules for name in _WARM_MODULES):
        return None
    thread = threading.Thread(target=_warm_imports, name="processmining-warm-imports")
    thread.start()
    return thread


def _limit_behind(exc: BaseException) -> LimitExceededError | None:
    """The limit error raised inside the stream that pyarrow was reading, if that is what ``exc`` carries."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, LimitExceededError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def read_csv_table(
    path: Path, sniffed: Sniffed, *, delimiter: str | None = None, encoding: str | None = None,
    started: StartedRead | None = None,
) -> RawTable:
    """Read a delimited text file as text columns, one pass, with pyarrow's C++ CSV parser.

    Args:
        path: the file (plain or gzip-compressed).
        sniffed: what :func:`~processmining.ingest.sniff.sniff` found (first 64 KiB).
        delimiter: the field separator; detected from the sample when ``None``.
        encoding: the text encoding; detected (UTF-8, UTF-8 with BOM, UTF-16, Windows-1252) when ``None``.
        started: the file's direct read, started before (:func:`~processmining.ingest.arrow_csv.start_reading`);
            used where it read this file with the layout found here.
    """
    notes: list[str] = []
    layout = csv_layout(path, sniffed, delimiter=delimiter, encoding=encoding)
    enc, delim, names = layout.encoding, layout.delimiter, list(layout.names)
    bom = sniffed.sample.startswith(b"\xef\xbb\xbf")
    notes.append(
        f"CSV: {'detected ' if layout.detected else ''}encoding {_ENCODING_NAMES.get(enc, enc)}"
        f"{' with BOM' if bom and enc == 'utf-8' else ''}, delimiter {_DELIMITER_NAMES.get(delim, repr(delim))}"
        f"{', gzip-compressed' if sniffed.compression else ''}"
    )

    bad: list[tuple[int, str, str]] = []

    def on_bad_row(row: Any) -> str:
        # pyarrow passes the record number (header = 1) when reading single-threaded.
        reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
        lines = row.text.count("\n") + 1
        if lines > 1 and row.text.count('"') % 2 == 1:
            # A quote that is never closed swallows the lines after it: say so, and how many.
            reason += f"; a quote opened in this row is not closed, so {lines:,} lines were read as one row"
        bad.append((int(row.number), row.text, reason))
        return "skip"

    limits = active_limits()
    read_options = pacsv.ReadOptions(
        use_threads=False,  # single-threaded so that bad rows come with their row number
        column_names=names,
        skip_rows=1,
        block_size=max(1 << 24, limits.max_line_bytes + (1 << 20)),  # a row must fit in one block
    )
    parse_options = pacsv.ParseOptions(
        delimiter=delim,
        quote_char='"',
        double_quote=True,
        newlines_in_values=True,
        ignore_empty_lines=False,
        invalid_row_handler=on_bad_row,
    )
    convert_options = pacsv.ConvertOptions(
        # large_string is what pandas' Arrow strings hold: the columns are wrapped without a copy.
        column_types={name: pa.large_string() for name in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    warm = _start_warm_imports(path)
    try:
        table = None
        fallback = 0
        if layout.direct and limits.max_line_bytes >= 1 << 22:  # (the direct read's blocks hold 4 MiB lines)
            # A file that is UTF-8 throughout (the common case) passes the stream below untouched, so
            # pyarrow reads it directly (its C++ reader checks every value is UTF-8). Anything else, an
            # invalid byte or a row the reader rejects, and the file is read again through the stream,
            # which gives exactly what it always gave.
            taken, table = started.take(path, layout) if started is not None else (False, None)
            if not taken:
                table = read_direct(path, layout)
        if table is None:
            compressed: IO[bytes] | None = path.open("rb") if sniffed.compression else None  # noqa: SIM115
            raw: IO[bytes] = (gzip.GzipFile(fileobj=compressed, mode="rb") if compressed is not None  # type: ignore[assignment]
                              else path.open("rb"))  # noqa: SIM115
            with _Utf8Stream(raw, enc, path=path, compressed=compressed, limits=limits) as stream:  # closes both
                table = pacsv.read_csv(stream, read_options=read_options, parse_options=parse_options,
                                       convert_options=convert_options)
                fallback = stream.fallback_lines
    except (pa.ArrowInvalid, OSError, EOFError, zlib.error) as exc:
        limit = _limit_behind(exc)
        if limit is not None:
            raise limit from exc
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if sniffed.compression:
            raise UnreadableFileError(
                f"{path}: the compressed file is damaged or truncated ({message}); copy or export it again"
            ) from exc
        raise UnreadableFileError(f"{path}: cannot be read as CSV ({message}); check the export") from exc
    finally:
        if warm is not None:
            warm.join()
    if fallback and enc == "utf-8":
        notes.append(f"mixed encodings: {fallback} line(s) were not UTF-8 and were read as Windows-1252")
    text_type = pd.StringDtype("pyarrow", na_value=np.nan)
    columns = {name: pd.Series(column, dtype=text_type, name=name)
               for name, column in zip(names, table.columns, strict=True)}
    del table
    frame = pd.DataFrame(columns) if columns else pd.DataFrame(index=range(0))

    total = len(frame) + len(bad)
    bad_rows = np.array(sorted(r[0] for r in bad), dtype="int64")
    all_rows = np.arange(2, total + 2, dtype="int64")
    row_numbers = np.setdiff1d(all_rows, bad_rows, assume_unique=True) if len(bad_rows) else all_rows
    if len(row_numbers) != len(frame):  # pyarrow numbers records as we do; anything else is a bug
        raise AssertionError(f"{path}: row numbering mismatch ({len(row_numbers)} vs {len(frame)})")
    frame, row_numbers = _drop_empty_rows(frame, row_numbers, notes)
    if not len(frame) and not bad:
        raise UnreadableFileError(f"{path}: has a header but no data rows; export the log again")
    rejects = _reader_rejects([(r, t, why) for r, t, why in sorted(bad)])
    return RawTable(frame=frame, row_numbers=row_numbers, rows_read=len(frame) + len(bad), rejects=rejects,
                    notes=tuple(notes))


# ---- XLSX --------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """A cell value as text that loses nothing (datetimes as ISO 8601, whole floats without .0)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _workbook_errors() -> tuple[type[BaseException], ...]:
    """What openpyxl raises on a damaged workbook (it has no exception tree of its own for this)."""
    from lxml.etree import LxmlError
    from openpyxl.utils.exceptions import InvalidFileException

    return (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, OSError,
            EOFError, zlib.error, ParseError, SyntaxError, LxmlError, AttributeError)


def _header_of(rows: Any, limit: int = 20) -> tuple[int, list[str]] | None:
    """The first non-empty row among the first ``limit``: (1-based row, its texts)."""
    for number, values in enumerate(rows, start=1):
        texts = [_cell_text(v).strip() for v in values]
        if any(texts):
            while texts and not texts[-1]:
                texts.pop()
            return number, texts
        if number >= limit:
            return None
    return None


def _dedupe(raw: list[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(raw):
        name = name or f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names


def _check_zip_sizes(path: Path) -> None:
    """Refuse a workbook (a zip archive) whose parts expand beyond the limits, before any part is read: the
    sizes a zip declares are what its reader will give (Python's zipfile stops at the declared size).

    Raises:
        LimitExceededError: the whole or one part expands too far.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl says what is wrong with it
    guard = SizeGuard(path, "the workbook (a zip archive)")
    guard.check(sum(i.compress_size for i in infos), sum(i.file_size for i in infos))
    for info in infos:
        SizeGuard(path, f"its part {info.filename}").check(info.compress_size, info.file_size)


def read_xlsx_table(
    path: Path, *, sheet: str | None = None, usable: Callable[[list[str]], bool] | None = None
) -> RawTable:
    """Read one worksheet of an .xlsx workbook as text columns (openpyxl, read-only, cached values).

    Args:
        path: the workbook.
        sheet: the sheet's name; by default the first sheet whose header ``usable`` accepts (else the
            first sheet).
        usable: tells whether a header (list of column names) has the columns a log needs.
    """
    import openpyxl

    errors = _workbook_errors()
    _check_zip_sizes(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except errors as exc:
        raise UnreadableFileError(
            f"{path}: is not a readable Excel workbook ({type(exc).__name__}); open it in Excel and save it again"
        ) from exc
    try:
        return _read_sheet(path, workbook, sheet, usable)
    except errors as exc:
        raise UnreadableFileError(
            f"{path}: the workbook is damaged ({type(exc).__name__}: {exc}); open it in Excel and save it again"
        ) from exc
    finally:
        workbook.close()


#: A formula cell with no saved value (``<c r="B2"><f>...</f><v></v></c>``, or a shared formula ``<f .../>``).
_FORMULA_WITHOUT_VALUE = re.compile(
    rb'<c r="([A-Z]{1,3})\d+"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')


def _refuse_formulas_without_values(path: Path, sheet: str, columns: list[str], empty: list[str]) -> None:
    """Say so when columns are empty because their cells are formulas whose values were never saved (a
    workbook written by a program that does not calculate, e.g. a script): openpyxl reads no value there.

    Raises:
        UnreadableFileError: naming the columns, when an empty column holds such formulas.
    """
    letters: dict[str, int] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as part:
                tail = b""
                while block := part.read(1 << 22):
                    data = tail + block
                    for match in _FORMULA_WITHOUT_VALUE.finditer(data):
                        letters[match.group(1).decode()] = letters.get(match.group(1).decode(), 0) + 1
                    cut = data.rfind(b"</c>")
                    tail = data[cut + 4:] if cut >= 0 else data[-4096:]
    if not letters:
        return

    def index(letter: str) -> int:
        number = 0
        for char in letter:
            number = number * 26 + ord(char) - 64
        return number - 1

    named = [columns[index(letter)] for letter in sorted(letters, key=index) if index(letter) < len(columns)]
    hit = [name for name in named if name in empty]
    if hit:
        raise UnreadableFileError(
            f"{path}: sheet {sheet!r}: column(s) {', '.join(hit)} hold formulas whose values were never saved "
            f"({sum(letters.values())} formula cell(s) without a value; the workbook was written by a program that "
            "does not calculate); open it in Excel or LibreOffice and save it again, or export the values")


def _read_sheet(path: Path, workbook: Any, sheet: str | None, usable: Callable[[list[str]], bool] | None) -> RawTable:
    notes: list[str] = []
    names = list(workbook.sheetnames)
    if not names:
        raise UnreadableFileError(f"{path}: the workbook has no sheets")
    if sheet is not None:
        if sheet not in names:
            raise UnreadableFileError(f"{path}: no sheet named {sheet!r}; sheets: {', '.join(names)}")
        chosen = sheet
    else:
        chosen = names[0]
        for name in names:
            ws = workbook[name]
            ws.reset_dimensions()
            found = _header_of(ws.iter_rows(values_only=True))
            if found is not None and (usable is None or usable(_dedupe(found[1]))):
                chosen = name
                break
        if len(names) > 1:
            notes.append(f"XLSX: sheet {chosen!r} of {len(names)} ({', '.join(names)})")
    ws = workbook[chosen]
    ws.reset_dimensions()  # the stored dimensions may be wrong; read what is really there
    rows = ws.iter_rows(values_only=True)
    found = _header_of(rows)
    if found is None:
        raise UnreadableFileError(f"{path}: sheet {chosen!r} is empty (no header row in the first 20 rows)")
    header_row, header = found
    if header_row > 1:
        notes.append(f"XLSX: header on row {header_row} of sheet {chosen!r}")
    columns = _dedupe(header)
    width = len(columns)
    cells: list[list[str]] = [[] for _ in range(width)]
    numbers: list[int] = []
    bad: list[tuple[int, str, str]] = []
    # openpyxl yields one Python tuple per row; this loop is the reader's own pace, not ours to vectorise.
    for number, values in enumerate(rows, start=header_row + 1):
        texts = [_cell_text(v) for v in values]
        while texts and not texts[-1].strip():
            texts.pop()
        if len(texts) > width:
            bad.append((number, ";".join(texts), f"expected {width} fields, found {len(texts)}"))
            continue
        numbers.append(number)
        for i in range(width):
            cells[i].append(texts[i] if i < len(texts) else "")
    frame = pd.DataFrame({name: pd.Series(values, dtype="str") for name, values in zip(columns, cells, strict=True)})
    row_numbers = np.asarray(numbers, dtype="int64")
    empty_columns = [name for name in columns if not (frame[name] != "").any()] if len(frame) else list(columns)
    if empty_columns:
        _refuse_formulas_without_values(path, chosen, columns, empty_columns)
    frame, row_numbers = _drop_empty_rows(frame, row_numbers, notes)
    if not len(frame) and not bad:
        raise UnreadableFileError(f"{path}: sheet {chosen!r} has a header but no data rows")
    epoch = getattr(workbook, "epoch", dt.datetime(1899, 12, 30))
    return RawTable(frame=frame, row_numbers=row_numbers, rows_read=len(frame) + len(bad),
                    rejects=_reader_rejects(bad), notes=tuple(notes), excel_epoch=epoch)


# ---- Parquet -----------------------------------------------------------------------------------------


def read_parquet_table(path: Path) -> RawTable:
    """Read a Parquet file with pyarrow (typed columns; rows numbered from 1).

    Guarded like the other compressed formats: the sizes the file declares and the size its text columns
    decode to (a dictionary-encoded column can hold one long value a million times in a few bytes) are
    checked against the limits before anything is decoded. Columns pandas or the validation cannot take are
    made text: binary values (UTF-8 where they are, else Windows-1252, as CSV files are read), nested and
    other odd types (as their printed form), times outside the years the tool holds (the validation then
    rejects those rows with that reason).

    Raises:
        UnreadableFileError: not a readable Parquet file; LimitExceededError: it expands beyond the limits.
    """
    import pyarrow.parquet as pq

    notes: list[str] = []
    try:
        parquet = pq.ParquetFile(path)
        meta = parquet.metadata
        declared = sum(meta.row_group(g).column(c).total_uncompressed_size
                       for g in range(meta.num_row_groups) for c in range(meta.num_columns))
        SizeGuard(path, "the Parquet file").check(path.stat().st_size, declared)
        schema = parquet.schema_arrow
        texts = [f.name for f in schema if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
                 or pa.types.is_large_string(f.type) or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)]
        if texts:  # kept dictionary-encoded until their decoded size is known
            parquet = pq.ParquetFile(path, read_dictionary=texts)
        table = parquet.read(use_threads=False)
    except LimitExceededError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreadableFileError(f"{path}: is not a readable Parquet file ({message}); export it again") from exc
    decoded = table.nbytes
    for column in table.columns:
        for chunk in column.chunks:
            if pa.types.is_dictionary(chunk.type):
                lengths = pc.binary_length(chunk.dictionary)
                decoded += int(pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0)
    SizeGuard(path, "the Parquet file").check(path.stat().st_size, decoded)
    columns = [_parquet_column(path, field.name, table.column(i), notes) for i, field in enumerate(table.schema)]
    table = pa.table(columns, names=table.column_names)
    frame = table.to_pandas()
    frame.columns = _dedupe([str(c) for c in frame.columns])
    if not len(frame):
        raise UnreadableFileError(f"{path}: the Parquet file has no rows")
    rows = np.arange(1, len(frame) + 1, dtype="int64")
    return RawTable(frame=frame.reset_index(drop=True), row_numbers=rows, rows_read=len(frame),
                    rejects=empty_rejects(), notes=tuple(notes))


def _parquet_column(path: Path, name: str, column: pa.ChunkedArray, notes: list[str]) -> pa.ChunkedArray:
    """One Parquet column as pandas and the validation can take it (see :func:`read_parquet_table`)."""
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if pa.types.is_dictionary(column.type):
        column = column.cast(kind)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        try:
            return column.cast(pa.large_string())
        except pa.ArrowInvalid:
            values: list[str | None] = []
            fallback = 0
            for value in column.to_pylist():
                if value is None:
                    values.append(None)
                    continue
                try:
                    values.append(value.decode("utf-8"))
                except UnicodeDecodeError:
                    fallback += 1
                    values.append(value.decode("cp1252", errors="replace"))
            notes.append(f"Parquet: column {name}: {fallback} binary value(s) were not UTF-8 and were read as "
                         "Windows-1252")
            return pa.chunked_array([pa.array(values, pa.large_string())])
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        low, high = pc.min_max(column.cast(pa.int64()) if pa.types.is_date(kind) else column.cast(pa.int64())).values()
        if low.as_py() is not None:
            from .timestamps import FIRST_YEAR, LAST_YEAR

            unit: Any = "D" if pa.types.is_date32(kind) else "ms" if pa.types.is_date64(kind) else kind.unit
            first = np.datetime64(low.as_py(), unit)
            last = np.datetime64(high.as_py(), unit)
            if first < np.datetime64(f"{FIRST_YEAR:04d}-01-01") or last >= np.datetime64(f"{LAST_YEAR + 1:04d}-01-01"):
                return column.cast(pa.large_string())  # text: the rows outside are rejected with their reason
        return column
    if (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
            or pa.types.is_decimal(kind) or pa.types.is_null(kind)):
        return column
    # Nested (list, struct, map), durations, times of day, unions: their printed form, as text.
    notes.append(f"Parquet: column {name} of type {kind} read as text")
    return pa.chunked_array([pa.array([None if v is None else str(v) for v in _py_values(column)],
                                      pa.large_string())])


def _py_values(column: pa.ChunkedArray) -> list[object]:
    """Python values of an odd column; a value Python cannot hold (a time beyond year 9999) as Arrow prints it."""
    try:
        return column.to_pylist()
    except (OverflowError, ValueError, pa.ArrowException):
        return [scalar if not scalar.is_valid else str(scalar) for scalar in
                (column[i] for i in range(len(column)))]
