"""What a file is, before anyone parses it: format, compression, encoding, delimiter, SHA-256.

Everything here looks at the first 64 KiB only (:data:`SAMPLE_BYTES`); the file itself is read once,
later, by the reader of its format. The SHA-256 is computed in 1 MiB chunks, never holding the file.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnreadableFileError

__all__ = [
    "FORMATS",
    "SAMPLE_BYTES",
    "Sniffed",
    "decode_sample",
    "detect_delimiter",
    "detect_encoding",
    "parse_header",
    "sha256_of",
    "sniff",
]

SAMPLE_BYTES = 64 * 1024
FORMATS = ("csv", "xlsx", "xes", "parquet")

#: File-name endings we accept, longest first, and the format each promises.
_EXTENSIONS: tuple[tuple[str, str], ...] = (
    (".xes.gz", "xes"),
    (".csv.gz", "csv"),
    (".tsv.gz", "csv"),
    (".xes", "xes"),
    (".xml", "xes"),
    (".csv", "csv"),
    (".tsv", "csv"),
    (".txt", "csv"),
    (".xlsx", "xlsx"),
    (".xlsm", "xlsx"),
    (".parquet", "parquet"),
    (".pq", "parquet"),
)
_ACCEPTED = ".csv, .tsv, .txt, .xlsx, .xlsm, .xes, .xes.gz, .csv.gz or .parquet"

_GZIP = b"\x1f\x8b"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx and old .xls both live in OLE2 containers
_PARQUET = b"PAR1"
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_CANDIDATE_DELIMITERS = (";", "\t", ",", "|")


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What the first bytes of a file say it is."""

    format: str  # csv, xlsx, xes, parquet
    compression: str | None  # "gzip" or None
    #: The first (decompressed) bytes, for encoding and delimiter detection. Empty for binary formats.
    sample: bytes


def sha256_of(path: Path, *, chunk: int = 1 << 20) -> str:
    """SHA-256 of the file's bytes, read in chunks (never the whole file in memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def check_regular_file(path: Path) -> None:
    """Refuse, before opening it, anything that is not a regular file: opening a named pipe (FIFO) blocks
    until someone writes to it, a device never ends, a folder is no log.

    Raises:
        UnreadableFileError: missing, a folder, a FIFO, a device or a socket.
    """
    try:
        mode = path.stat().st_mode  # follows a symbolic link to what it names
    except FileNotFoundError as exc:
        raise UnreadableFileError(f"{path}: no such file; check the path") from exc
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot be read ({exc.strerror}); check the path and its permissions") \
            from exc
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise UnreadableFileError(f"{path}: is a folder, not a file; give the path of an exported event log")
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise UnreadableFileError(f"{path}: is {kind}, not a regular file; it is not read (it could block or never "
                              "end); copy the export into a regular file and give its path")


def _head_line(path: Path, compressed: bool, sample: bytes) -> bytes:
    """The sample, extended to hold the whole first line when that line is longer than the sample (a header
    of thousands of columns), plus a sample's worth of the lines after it.

    Raises:
        LimitExceededError: the first line is longer than the header-length limit.
    """
    from .limits import active, exceeded

    limit = active().max_header_bytes
    opened = gzip.open(path, "rb") if compressed else path.open("rb")  # noqa: SIM115 - closed just below
    with opened as fh:
        data = bytearray()
        while b"\n" not in data:
            block = fh.read(1 << 20)
            if not block:
                return bytes(data)
            data += block
            if len(data) > limit and b"\n" not in data[:limit + 1]:
                raise exceeded(path, "max_header_bytes",
                               f"the header (line 1) is longer than {limit:,} bytes without a line break")
        end = data.index(b"\n") + 1
        while len(data) < end + SAMPLE_BYTES and (block := fh.read(SAMPLE_BYTES)):
            data += block
        return bytes(data[: end + SAMPLE_BYTES])


def format_from_name(path: Path) -> str | None:
    """The format a file name promises (``None`` for an extension we do not know)."""
    name = path.name.lower()
    for ending, fmt in _EXTENSIONS:
        if name.endswith(ending):
            return fmt
    return None


def _describe(head: bytes) -> str:
    """A few words on what binary content is, for error messages."""
    if head.startswith(_ZIP):
        return "a zip archive"
    if head.startswith(_OLE2):
        return "an encrypted (password-protected) Excel workbook or an old .xls file"
    if head.startswith(_GZIP):
        return "gzip-compressed data"
    if head.startswith(_PARQUET):
        return "a Parquet file"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    return "binary data"


def _looks_binary(sample: bytes) -> bool:
    """True for content that is not text in any encoding we read (NUL bytes, many control bytes)."""
    if any(sample.startswith(bom) for bom, enc in _BOMS if enc == "utf-16"):
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample[:8192] if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(2, len(sample[:8192]) // 100)


def _looks_xml(sample: bytes) -> bool:
    text = sample.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith((b"<?xml", b"<log", b"<!--", b"<!DOCTYPE", b"<!doctype"))


def _xlsx_parts_ok(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def sniff(path: Path, *, declared: str | None = None) -> Sniffed:
    """Decide a file's format from its name and its first bytes, refusing anything inconsistent.

    Args:
        path: the file.
        declared: the format a profile declares (csv, xlsx, xes, parquet); overrides the name.

    Raises:
        UnreadableFileError: missing, empty, unknown extension, or content that is not what the
            name (or the profile) says.
    """
    check_regular_file(path)
    expected = declared or format_from_name(path)
    if expected is None:
        suffix = path.suffix or "(none)"
        raise UnreadableFileError(
            f"{path}: unknown file type {suffix}; expected {_ACCEPTED} (or set format in a profile)"
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(SAMPLE_BYTES)
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from exc
    if not head:
        raise UnreadableFileError(f"{path}: the file is empty; export the log again")

    compression: str | None = None
    sample = head
    if head.startswith(_GZIP):
        compression = "gzip"
        try:
            with gzip.open(path, "rb") as gz:
                sample = gz.read(SAMPLE_BYTES)
        except (OSError, EOFError, zlib.error) as exc:
            raise UnreadableFileError(
                f"{path}: the gzip data is damaged or truncated ({exc}); copy or export the file again"
            ) from exc
        if not sample:
            raise UnreadableFileError(f"{path}: the compressed file is empty; export the log again")

    if expected == "xlsx":
        if head.startswith(_ZIP):
            if not _xlsx_parts_ok(path):
                raise UnreadableFileError(
                    f"{path}: is a zip archive but not an Excel workbook (or a damaged one); "
                    "open it in Excel and save it as .xlsx again"
                )
            return Sniffed("xlsx", None, b"")
        if head.startswith(_OLE2):
            raise UnreadableFileError(
                f"{path}: is a password-protected workbook or an old .xls file; "
                "save it in Excel as an unprotected .xlsx workbook (or as CSV)"
            )
        raise UnreadableFileError(f"{path}: is named like an Excel workbook but contains {_what(sample)}; "
                                  "export the log again as .xlsx")
    if expected == "parquet":
        if head.startswith(_PARQUET):
            return Sniffed("parquet", None, b"")
        raise UnreadableFileError(f"{path}: is named like a Parquet file but contains {_what(sample)}; "
                                  "export the log again")
    if expected == "xes":
        if _looks_xml(sample):
            return Sniffed("xes", compression, sample)
        raise UnreadableFileError(f"{path}: is named like an XES log but contains {_what(sample)}, not XML; "
                                  "export the log again as XES")
    # csv
    if compression is None and (head.startswith(_ZIP) or head.startswith(_OLE2) or head.startswith(_PARQUET)):
        raise UnreadableFileError(
            f"{path}: is named like a CSV file but is {_describe(head)}; give the file its right "
            "extension (.xlsx, .parquet) or export the log as CSV"
        )
    if _looks_binary(sample):
        raise UnreadableFileError(
            f"{path}: is {_describe(sample)}, not CSV text; export the log as CSV, XLSX or XES"
        )
    if _looks_xml(sample):
        raise UnreadableFileError(f"{path}: is XML, not CSV; name it .xes if it is an XES event log")
    if len(sample) >= SAMPLE_BYTES and b"\n" not in sample:
        sample = _head_line(path, compression is not None, sample)
    return Sniffed("csv", compression, sample)


def _what(sample: bytes) -> str:
    if _looks_binary(sample):
        return _describe(sample)
    if _looks_xml(sample):
        return "XML"
    return "text"


def detect_encoding(sample: bytes) -> str:
    """``utf-8`` (with or without BOM), ``utf-16`` (BOM) or ``cp1252`` (Windows-1252), from the sample.

    A sample that is not valid UTF-8 is taken as Windows-1252, the other encoding Swedish exports use.
    Individual values that are not UTF-8 in an otherwise UTF-8 file are handled per value by the reader.
    """
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    # The sample may end in the middle of a multi-byte character: cut it at the last newline.
    cut = sample.rfind(b"\n")
    body = sample if cut < 0 or len(sample) < SAMPLE_BYTES else sample[: cut + 1]
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8 throughout. A file with some lines that are UTF-8 (with å/ä/ö) is a UTF-8 file
        # with a few Windows-1252 lines pasted in; the reader decodes such files line by line.
        for line in body.splitlines():
            if max(line, default=0) > 127:
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                return "utf-8"
        return "cp1252"
    return "utf-8"


def decode_sample(sample: bytes, encoding: str) -> str:
    """The sample as text (BOM removed; a character cut at the end of the sample dropped)."""
    if encoding == "utf-16":
        return sample.decode("utf-16", errors="ignore")
    text = sample.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="replace")
    if len(sample) >= SAMPLE_BYTES:
        text = text.rsplit("\n", 1)[0]  # drop the last, probably truncated, line
    return text


def _records(text: str, delimiter: str, limit: int = 50) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', strict=False)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if row:
                rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows


def detect_delimiter(text: str) -> str:
    """The delimiter (``;``, tab, ``,`` or ``|``) that splits the sample's lines most consistently.

    Scored on the first 50 records: the share of records with the header's field count (header
    must have at least two fields). Ties go to ``;`` (Swedish exports), then tab, ``,``, ``|``.
    """
    best, best_score = ";", -1.0
    for delim in _CANDIDATE_DELIMITERS:
        if delim not in text.split("\n", 1)[0]:
            continue
        rows = _records(text, delim)
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        data = rows[1:] or rows
        score = sum(1 for r in data if len(r) == width) / len(data)
        if score > best_score:
            best, best_score = delim, score
    return best


def parse_header(text: str, delimiter: str) -> list[str]:
    """Column names from the first record, de-duplicated (``X``, ``X.1``) and never empty."""
    rows = _records(text, delimiter, limit=1)
    raw = rows[0] if rows else []
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(raw):
        name = name.strip().lstrip("\ufeff") or f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names

