"""Read XES and XES.gz files into one column per attribute, fast and safely.

:func:`read_xes_table` streams the (decompressed) document in 4 MiB blocks and builds columns
directly: one row per ``<event>`` in file order, one column per event attribute key, trace
attributes as ``case:<key>``, and ``@@source_row``, the event's 1-based position in the file.
``<global>`` defaults are applied as the XES standard (IEEE 1849-2016) says: an event (trace) that
lacks a key declared in ``<global scope="event">`` (``"trace"``) takes the global's value. pm4py
ignores globals: on ``CoSeLoG_WABO_1.xes.gz`` one event has no activity there and ``UNKNOWN`` here.

Two parsers give the same table (tests compare them on real and hand-written logs):

* ``fast`` (the default) reads each block with whole-array numpy/pyarrow operations: positions of
  ``<`` and ``>``, tag names from the 8 bytes after each ``<`` (a few dozen distinct values, each read
  once), keys grouped by their bytes, values cut out of the block as Arrow string views. No Python
  code runs per event or per attribute. A block in an unusual layout (single quotes, ``value``
  before ``key``, ``>`` inside a value, a comment holding ``<``) is read instead by one regular
  expression, slower but still without lxml. The checks keep it honest: valid UTF-8, no control
  characters, every tag closed in order, one root and nothing but whitespace, comments and
  processing instructions around it, only the five predefined entities and valid character
  references. Text inside elements is ignored, as lxml does. Anything else sends the whole file to:
* ``reference``: lxml's ``iterparse`` (resolve_entities=False, no_network=True, load_dtd=False),
  with the same column building. It reads any encoding and names the line of malformed XML.

Blocks are tokenized by two threads (numpy, pyarrow and zlib release the GIL) while the calling
thread decompresses and links the blocks into the document in order.

Why hand-written: the faster XES readers in the registry (r4pm, rustxes) need polars (~400 MB) and
break pm4py's own reader when installed alone (PITFALLS.md); a Python call per element (lxml, expat)
costs ~15 µs per event and Python's ``re`` ~80 MB/s, both too slow for 10x. Measured with
``bench/bench_xes.py`` on the shared 2-core machine while another job used about one core (pairs from
one run each; wall and CPU seconds, peak RSS of the process):

==============================  =========  ======================  ============================  =====
file                              events   pm4py 2.7.23 read_xes   read_xes_table                ratio
==============================  =========  ======================  ============================  =====
BPIC15_1.xes.gz (41 MB of XML)     52,217  6.27 s, 519 MB          0.65 s (0.86 s CPU), 336 MB    9.7x
BPIC15_1 x10 (410 MB of XML)      522,170  68.4 s, 2.82 GB         4.75 s (6.95 s CPU), 856 MB   14.4x
==============================  =========  ======================  ============================  =====

The load moves both columns: over five runs the ratio was 8.4-12.4x (BPIC15_1) and 7.0-14.4x (x10)
in wall time, 7.3-9.8x in CPU time; pm4py alone took 4.7 s and 43.8 s, this reader 4.4 s on the x10
file when the second core was free. Time per event is flat from 50k to 500k events.

Types: ``<string>`` and ``<id>`` become text (pandas ``str``), ``<int>`` ``Int64``, ``<float>``
``Float64``, ``<boolean>`` ``boolean`` (``true``/``1`` and ``false``/``0``, any case; pm4py reads
``1`` as False), ``<date>`` tz-aware UTC: the offset is honoured (pm4py 2.7.23 keeps the wall-clock
time and labels it UTC, which shifts ``+02:00`` dates by two hours), and a date without an offset
is read as UTC, as pm4py does; the standard's xs:dateTime leaves it open, so such dates are counted
in ``naive_dates`` for the ingest layer to decide. A key seen with more than one type becomes text.
A value that does not read as its declared type is missing and listed in ``invalid`` (row, column,
value, reason). ``<list>`` and ``<container>`` have no value of their own: their column is missing.
Children of nested attributes are ignored: only the top-level value is kept (pm4py gives a dict).

Safety: any markup declaration (``<!DOCTYPE``, ``<!ENTITY``, ``<!ELEMENT``, ...) anywhere in the file
is refused before either parser sees the block that holds it, so no entity is ever expanded and no
external file is ever read.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from threading import Lock
from typing import IO, Literal, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import UnreadableFileError
from ..log import REJECT_COLUMNS, ROW
from .limits import SizeGuard
from .safe_xml import check_xml_safe
from .sniff import check_regular_file

__all__ = ["XesTable", "read_xes_table"]

#: Decompressed bytes handed to the tokenizer at a time (memory against per-call overhead).
BLOCK_SIZE = 4 << 20
#: Threads that tokenize blocks while the calling thread decompresses and links them.
WORKERS = 2

# Kinds of element; attribute types first, so that ``kind <= _LAST_TYPE`` means "an attribute".
_STRING, _DATE, _INT, _FLOAT, _BOOLEAN, _ID, _LIST, _CONTAINER = range(8)
_LAST_TYPE = _CONTAINER
_MIXED = 9  # a key seen with more than one type: kept as text
_LOG, _TRACE, _EVENT, _GLOBAL, _OTHER, _IGNORE = 10, 11, 12, 13, 14, 15
_KINDS = {
    "string": _STRING,
    "date": _DATE,
    "int": _INT,
    "float": _FLOAT,
    "boolean": _BOOLEAN,
    "id": _ID,
    "list": _LIST,
    "container": _CONTAINER,
    "log": _LOG,
    "trace": _TRACE,
    "event": _EVENT,
    "global": _GLOBAL,
}
#: pandas' default text dtype ("str": Arrow-backed, NaN for missing), built once.
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
_TYPE_NAMES = {code: name for name, code in _KINDS.items() if code <= _LAST_TYPE}

_WS = rb"[ \t\r\n]"
_NAME = rb"[A-Za-z_][A-Za-z0-9_.\-]*"
_ATTRIBUTE_NAME = rb"[A-Za-z_][A-Za-z0-9_.:\-]*"
# One token per match, leading whitespace included, so that consecutive matches cover the whole
# block. Groups: 1 tag name ("/" first in an end tag); 2 key="..." and 3 value="..." when written
# first and in double quotes (what XES writers do), quotes kept so that "absent" differs from "";
# 4 any other attributes; 5 "/" of an empty-element tag; 6 any other character (text, CDATA, a
# broken tag): the document is outside the fast subset. Comments and processing instructions match
# with every group empty.
_TOKEN = re.compile(
    _WS + rb"*(?:<(/?" + _NAME + rb")"
    rb"(?:" + _WS + rb"+key" + _WS + rb"*=" + _WS + rb'*("[^"<]*"))?'
    rb"(?:" + _WS + rb"+value" + _WS + rb"*=" + _WS + rb'*("[^"<]*"))?'
    rb"((?:" + _WS + rb"+" + _ATTRIBUTE_NAME + _WS + rb"*=" + _WS + rb"*(?:\"[^\"<]*\"|'[^'<]*'))*)" + _WS + rb"*(/?)>"
    rb"|<!--(?:[^-]|-[^-])*-->"
    rb"|<\?(?:[^?]|\?[^>])*\?>"
    rb"|([^ \t\r\n]))",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(_WS + rb"+(" + _ATTRIBUTE_NAME + rb")" + _WS + rb"*=" + _WS + rb"*(?:(\"[^\"<]*\")|'([^'<]*)')")
_REFERENCE = re.compile(r"&(?:#([0-9]+);|#x([0-9a-fA-F]+);|(amp|lt|gt|quot|apos);)?")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_DECLARED_ENCODING = re.compile(rb"""^[ \t\r\n]*<\?xml[^>]*?encoding[ \t\r\n]*=[ \t\r\n]*["']([A-Za-z0-9._\-]+)""")
_UTF8_NAMES = (b"utf-8", b"utf8", b"us-ascii", b"ascii")
_OFFSET = r"(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)$"


def _invalid_frame(rows: Sequence[tuple[int, str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(REJECT_COLUMNS))
    return frame.astype({"row": "int64"})


@dataclass(frozen=True, slots=True)
class XesTable:
    """The events of one XES file as columns, in file order.

    Attributes:
        frame: one row per event. Columns: the event attribute keys (``concept:name``,
            ``time:timestamp``, ...), trace attributes as ``case:<key>``, and ``@@source_row`` (the
            event's 1-based position in the file, int64). Types as in the module docstring.
        traces: number of ``<trace>`` elements, empty traces included.
        globals_applied: event attribute values filled from a ``<global scope="event">`` default.
        trace_globals_applied: trace attribute values filled from a ``<global scope="trace">``
            default (once per trace, not per event).
        naive_dates: ``<date>`` values without a UTC offset (read as UTC), events and traces.
        invalid: values that could not be read as their declared type (missing in ``frame``):
            row (the event's ``@@source_row``; for a case attribute the trace's first event), column,
            value, reason.
        parser: ``"fast"`` or ``"reference"`` (lxml), whichever produced the table.
    """

    frame: pd.DataFrame
    traces: int
    globals_applied: int
    trace_globals_applied: int = 0
    naive_dates: int = 0
    invalid: pd.DataFrame = field(default_factory=lambda: _invalid_frame([]))
    parser: str = "fast"


def read_xes_table(path: Path | str, *, parser: Literal["auto", "reference"] = "auto") -> XesTable:
    """Read an XES or XES.gz file (gzip is recognised by content, not by name) into columns.

    Example: ``read_xes_table(Path("08_receipt.xes.gz")).frame["concept:name"].nunique()`` is 27.

    Args:
        path: the file.
        parser: ``"auto"`` uses the fast tokenizer and falls back to lxml for anything outside its
            subset of XML; ``"reference"`` always uses lxml (slower, same table).

    Raises:
        UnreadableFileError: missing, empty, truncated or corrupt gzip, not XML, not an XES
            ``<log>``, malformed XML (with its line), or a DOCTYPE/ENTITY declaration.
    """
    path = Path(path)
    check_regular_file(path)
    if path.stat().st_size == 0:
        raise UnreadableFileError(f"{path}: the file is empty; export the log again")
    if parser == "auto":
        try:
            with _open(path) as stream:
                columns = _FastReader(path).read(stream)
            return _build(columns, parser="fast")
        except _OutsideSubset:
            pass
    with _open(path) as stream:
        columns = _reference_columns(path, stream)
    return _build(columns, parser="reference")


# --------------------------------------------------------------------------------------------------
# Input: gzip by content, declarations refused block by block, read errors made readable


class _GuardedStream(io.RawIOBase):
    """A byte stream that runs :func:`check_xml_safe` on every block before handing it on."""

    def __init__(self, raw: IO[bytes], path: Path, compressed: bool, file: IO[bytes] | None = None) -> None:
        super().__init__()
        self._raw = raw
        self._path = path
        self._tail = b""
        self.compressed = compressed
        #: the compressed file under ``raw``: what it consumed is measured against what came out (bombs)
        self._file = file
        self._guard = SizeGuard(path, "the compressed file") if file is not None else None
        self._produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        try:
            data = self._raw.read(-1 if size is None else size)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise UnreadableFileError(
                f"{self._path}: truncated or corrupt gzip ({exc}); copy or export the file again"
            ) from exc
        if self._guard is not None and self._file is not None:
            self._produced += len(data)
            self._guard.check(self._file.tell(), self._produced)
        check_xml_safe(data, self._path)
        # A declaration may straddle two blocks: check the end of the previous one with this one.
        check_xml_safe(self._tail + data[:48], self._path)
        self._tail = data[-48:]
        return data

    def close(self) -> None:
        self._raw.close()
        if self._file is not None:
            self._file.close()
        super().close()


def _open(path: Path) -> _GuardedStream:
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    # Kept open by the returned stream, which closes it.
    if compressed:
        file = path.open("rb")  # noqa: SIM115
        return _GuardedStream(cast(IO[bytes], gzip.GzipFile(fileobj=file, mode="rb")), path, True, file)
    return _GuardedStream(cast(IO[bytes], path.open("rb")), path, False)  # noqa: SIM115


def _not_xml(path: Path, head: bytes, compressed: bool) -> None:
    what = "the decompressed file" if compressed else "the file"
    raise UnreadableFileError(
        f"{path}: not an XML document ({what} starts with {head.lstrip()[:16]!r}); is this an XES file?"
    )


def _not_xes(path: Path, root: str) -> None:
    raise UnreadableFileError(f"{path}: not an XES log: the root element is <{root}>, expected <log>; check the file")


class _OutsideSubset(Exception):
    """The fast tokenizer met something outside its subset of XML: the reference parser decides."""


# --------------------------------------------------------------------------------------------------
# What both parsers produce: attribute values in long form, before pivoting and typing


_EVENT_SCOPE, _TRACE_SCOPE = 0, 1


@dataclass(slots=True)
class _Long:
    """Attribute values in file order: scope (event or trace), owner (its index), key code, type, text."""

    scope: np.ndarray  # int8
    owner: np.ndarray  # int64
    key: np.ndarray  # int32
    kind: np.ndarray  # int8
    value: pa.Array  # large_string; null: the element has no value attribute


@dataclass(slots=True)
class _Columns:
    path: Path
    events: int
    traces: int
    event_trace: np.ndarray  # int64 trace index of each event
    keys: list[str]
    values: _Long
    globals: dict[str, dict[str, tuple[int, str | None]]]  # scope -> key -> (type, value)


# --------------------------------------------------------------------------------------------------
# The fast path


@dataclass(slots=True)
class _Tokens:
    """The tags of one block, whichever tier read them."""

    tag: np.ndarray  # int32 tag id per tag (id 0: a comment or processing instruction)
    is_end: np.ndarray  # an end tag </x>
    empty: np.ndarray  # an empty-element tag <x/>, or a comment or processing instruction
    attribute_rows: np.ndarray  # tags that open an attribute element (<string ...>, <date ...>, ...)
    key: np.ndarray  # int32 key code per attribute row (_FastReader.key_code); -1: no key attribute
    value: pa.Array  # likewise for value
    rest: dict[int, bytes]  # other attributes of other start tags, by tag index (<global scope=...>)
    lt: np.ndarray | None = None  # positions of "<" and ">" of each tag (numpy tier: text between
    gt: np.ndarray | None = None  # tags is not looked at, except around the root element)


class _FastReader:
    """Reads blocks with the numpy tier or, where it declines, the regex tier; builds long columns.

    Carried from block to block: the open elements (tag id and kind per level), the numbers of events
    and traces so far, the key codes, the scope of the open ``<global>``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = Lock()  # tag ids and key codes are handed out by the tokenizing threads
        self.open_tags: list[int] = []  # tag ids of the open elements, root first
        self.open_kinds: list[int] = []
        self.tag_ids: dict[bytes, int] = {b"": 0}
        self.tag_kinds: list[int] = [_IGNORE]
        self.key_codes: dict[bytes, int] = {}  # raw key (references not expanded) -> code
        self.events = 0
        self.traces = 0
        self.roots = 0
        self.scope: str | None = None
        self.globals: dict[str, dict[str, tuple[int, str | None]]] = {}
        self.event_trace: list[np.ndarray] = []
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pa.Array]] = []

    def read(self, stream: _GuardedStream) -> _Columns:
        blocks = _blocks(stream)
        first = next(blocks, None)
        if first is None or not first.strip():
            raise UnreadableFileError(f"{self.path}: the file is empty; export the log again")
        # This thread decompresses (zlib releases the GIL) and links blocks into the document in order;
        # two workers tokenize blocks meanwhile (numpy and pyarrow release the GIL too). At most
        # WORKERS + 2 blocks are held at a time.
        pending: deque[tuple[bytes, Future[_Tokens]]] = deque()
        with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="xes-tokenize") as pool:
            try:
                for block in chain([self._prolog(first, stream.compressed)], blocks):
                    pending.append((block, pool.submit(self._tokenize, block)))
                    if len(pending) > WORKERS:
                        done, tokens = pending.popleft()
                        self._structure(done, tokens.result())
                while pending:
                    done, tokens = pending.popleft()
                    self._structure(done, tokens.result())
            finally:
                for _, tokens in pending:
                    tokens.cancel()
        if self.open_tags or self.roots == 0:
            raise _OutsideSubset  # unclosed elements or none at all: lxml names the line
        # Keys are decoded once each; two spellings of one key ("a&#58;b", "a:b") become one code.
        keys: dict[str, int] = {}
        remap = np.array([keys.setdefault(_decode_value(key), len(keys)) for key in self.key_codes], dtype=np.int32)
        values = _finish(self.parts)
        values.key = remap[values.key]
        return _Columns(
            path=self.path,
            events=self.events,
            traces=self.traces,
            event_trace=np.concatenate([np.zeros(0, np.int64), *self.event_trace]),
            keys=list(keys),
            values=values,
            globals=self.globals,
        )

    def _prolog(self, block: bytes, compressed: bool) -> bytes:
        if block.startswith(b"\xef\xbb\xbf"):
            block = block[3:]
        elif block.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in block[:4]:
            raise _OutsideSubset  # UTF-16 or UTF-32: lxml reads it
        declared = _DECLARED_ENCODING.match(block)
        if declared and declared.group(1).lower() not in _UTF8_NAMES:
            raise _OutsideSubset
        if not block.lstrip().startswith(b"<"):
            _not_xml(self.path, block, compressed)
        return block

    def tag_id(self, name: bytes) -> int:
        """A small integer per distinct tag name (the same in every block)."""
        with self.lock:
            if name not in self.tag_ids:
                self.tag_kinds.append(_KINDS.get(name.decode("ascii"), _OTHER))
                self.tag_ids[name] = len(self.tag_ids)
            return self.tag_ids[name]

    def key_code(self, key: bytes) -> int:
        """A small integer per distinct raw key (the same in every block)."""
        with self.lock:
            return self.key_codes.setdefault(key, len(self.key_codes))

    def _tokenize(self, block: bytes) -> _Tokens:
        low = np.frombuffer(block, dtype=np.uint8)
        low = low[low < 32]
        if np.count_nonzero((low != 9) & (low != 10) & (low != 13)):
            raise _OutsideSubset  # a control character: not allowed in XML 1.0
        # Valid UTF-8 everywhere, not only in the values kept (Arrow's check: no copy, SIMD).
        offsets = pa.py_buffer(np.array([0, len(block)], dtype=np.int64))
        try:
            pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(block)]).validate(full=True)
        except pa.ArrowInvalid as exc:
            raise _OutsideSubset from exc
        return _numpy_tier(block, self) or _regex_tier(block, self)

    def _structure(self, block: bytes, tokens: _Tokens) -> None:
        """Link one block's tags to the open elements and collect the attributes of events and traces."""
        if len(tokens.tag) == 0:
            return
        kind = np.array(self.tag_kinds, dtype=np.int8)[tokens.tag]
        is_end, empty = tokens.is_end, tokens.empty
        opens = ~is_end & (kind != _IGNORE)
        kinds_before = list(self.open_kinds)
        level = self._levels(tokens.tag, is_end, empty)
        parent1, parent2 = _parents(kind, level, opens & ~empty, kinds_before)

        if tokens.lt is not None and tokens.gt is not None:
            # Text is ignored inside elements (as lxml does) but not allowed around the root element.
            lt, gt = tokens.lt, tokens.gt
            for i in np.flatnonzero(level == 0):
                before = block[int(gt[i - 1]) + 1 if i else 0 : int(lt[i])]
                after = block[int(gt[i]) + 1 : int(lt[i + 1]) if i + 1 < len(lt) else len(block)]
                if before.strip(b" \t\r\n") or after.strip(b" \t\r\n"):
                    raise _OutsideSubset

        # XES structure: one root <log>, traces in it, events in traces, attributes in either.
        roots = np.flatnonzero(opens & (level == 0))
        if len(roots):
            self.roots += len(roots)
            if self.roots > 1:
                raise _OutsideSubset  # content after the root element
            if kind[roots[0]] != _LOG:
                with self.lock:
                    names = {tag: name for name, tag in self.tag_ids.items()}
                _not_xes(self.path, names[int(tokens.tag[roots[0]])].decode("ascii"))
        is_trace = opens & (kind == _TRACE)
        is_event = opens & (kind == _EVENT)
        if (is_trace & (level != 1)).any() or (is_event & ((level != 2) | (parent1 != _TRACE))).any():
            raise _OutsideSubset  # a misplaced trace or event: the reference parser says where
        trace_index = self.traces - 1 + np.cumsum(is_trace)
        event_index = self.events - 1 + np.cumsum(is_event)
        self.event_trace.append(trace_index[is_event].astype(np.int64))
        self.traces += int(is_trace.sum())
        self.events += int(is_event.sum())

        rows = tokens.attribute_rows
        row_level, row_parent1, row_parent2 = level[rows], parent1[rows], parent2[rows]
        in_event = (row_level == 3) & (row_parent2 == _EVENT)
        in_trace = (row_level == 2) & (row_parent1 == _TRACE)
        wanted = in_event | in_trace
        if wanted.any():
            keys, values = tokens.key, tokens.value
            if not wanted.all():  # log attributes, globals, nested children: left out
                picked = np.flatnonzero(wanted)
                keys, values = keys[picked], values.take(pa.array(picked))
                in_event, chosen = in_event[wanted], rows[wanted]
            else:
                chosen = rows
            if (keys < 0).any():
                raise _OutsideSubset  # an attribute without a key: the reference parser says where
            scope = np.where(in_event, _EVENT_SCOPE, _TRACE_SCOPE).astype(np.int8)
            owner = np.where(in_event, event_index[chosen], trace_index[chosen])
            self.parts.append((scope, owner, keys.astype(np.int32), kind[chosen], values))

        # <global scope="..."> and its attributes: a handful per file, one at a time.
        global_rows = (row_level == 2) & (row_parent1 == _GLOBAL)
        starts = np.flatnonzero(opens & (level == 1) & (kind == _GLOBAL))
        entries = [(int(i), -1) for i in starts] + [(int(rows[j]), int(j)) for j in np.flatnonzero(global_rows)]
        for token, row in sorted(entries):
            if row < 0:
                self._global_scope(tokens.rest.get(token, b""), bool(empty[token]))
            elif self.scope is not None:
                code, value = int(tokens.key[row]), tokens.value[row].as_py()
                if code < 0:
                    raise _OutsideSubset
                with self.lock:
                    key = next(raw for raw, known in self.key_codes.items() if known == code)
                default = _decode_value(value.encode("utf-8")) if value is not None else None
                self.globals.setdefault(self.scope, {})[_decode_value(key)] = (int(kind[token]), default)

    def _levels(self, tag: np.ndarray, is_end: np.ndarray, empty: np.ndarray) -> np.ndarray:
        """Depth of every tag (root 0); checks that each end tag closes the open element of its name."""
        delta = np.where(is_end, -1, np.where(empty, 0, 1)).astype(np.int64)
        carried = len(self.open_tags)
        after = carried + np.cumsum(delta)
        if after.min() < 0:
            raise _OutsideSubset  # an end tag without a start tag
        level = after - np.where(is_end, 0, delta)
        # Pair start and end tags per level: sorted by level (stable), each level must read start, end,
        # start, end, ... with equal tag ids, after the elements still open from the previous block.
        nested = np.flatnonzero(~empty)
        pair_level = np.concatenate([np.arange(carried), level[nested]])
        pair_end = np.concatenate([np.zeros(carried, dtype=bool), is_end[nested]])
        pair_tag = np.concatenate([np.array(self.open_tags, dtype=np.int32), tag[nested]])
        order = np.argsort(pair_level, kind="stable")
        sorted_level, sorted_end, sorted_tag = pair_level[order], pair_end[order], pair_tag[order]
        starts = np.flatnonzero(np.r_[True, sorted_level[1:] != sorted_level[:-1]])
        stops = np.r_[starts[1:], len(order)]
        offset = np.arange(len(order)) - np.repeat(starts, stops - starts)
        if (sorted_end != (offset % 2 == 1)).any():
            raise _OutsideSubset
        ends = np.flatnonzero(sorted_end)
        if (sorted_tag[ends] != sorted_tag[ends - 1]).any():
            raise _OutsideSubset  # <a></b>
        # Still open after this block: the unmatched last start tag of each level, levels 0..depth-1.
        unmatched = stops[(stops - starts) % 2 == 1] - 1
        if len(unmatched) != int(after[-1]):
            raise _OutsideSubset
        self.open_tags = [int(t) for t in sorted_tag[unmatched]]
        self.open_kinds = [self.tag_kinds[t] for t in self.open_tags]
        return level

    def _global_scope(self, rest: bytes, empty: bool) -> None:
        scope = "event"  # the standard's default scope
        for name, double, single in _ATTRIBUTE.findall(rest):
            if name == b"scope":
                scope = _decode_value(double[1:-1] if double else single)
        self.scope = None if empty else scope


def _parents(
    kind: np.ndarray, level: np.ndarray, container: np.ndarray, before: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Kind of the enclosing element at level 1 and at level 2, for every tag of a block."""
    positions = np.arange(len(kind))
    result = []
    for depth in (1, 2):
        last = np.maximum.accumulate(np.where(container & (level == depth), positions, -1))
        carried = before[depth] if depth < len(before) else _OTHER
        result.append(np.where(last >= 0, kind[np.maximum(last, 0)], carried))
    return result[0], result[1]


# The numpy tier. It reads a block as positions of "<", ">" and '"' and checks, with whole-array
# operations, that the block is in the layout XES writers use: tags that hold no "<" or ">", and
# attribute elements written <type key="..." value="..."/> (or <type key="...">). Tag names are told
# apart by the 8 bytes that follow each "<" (a few dozen distinct values per file, each parsed once).
# Values are cut out of the block as Arrow binary views, so no Python object is made per value. Where
# the layout differs (a ">" inside a value, single quotes, value before key, ...) it declines and the
# regex tier reads the block.

_PAD = 64
_IS_WS = np.zeros(256, dtype=bool)
_IS_WS[[9, 10, 13, 32]] = True
_NAME_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_NAME_STARTS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_STOPS = frozenset(b" \t\r\n/>")
_KEY_OPEN = int.from_bytes(b' key="\x00\x00', "little")
_VALUE_OPEN = int.from_bytes(b' value="', "little")
_SIX_BYTES = np.uint64((1 << 48) - 1)
#: Row ``n``: ``n`` bytes of 0xFF, then zeros (keeps the first ``n`` of 12 bytes).
_KEEP = np.array([[0xFF if j < n else 0 for j in range(12)] for n in range(13)], dtype=np.uint8)
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
_KEEP24 = np.array([[0xFF if j < n else 0 for j in range(24)] for n in range(25)], dtype=np.uint8)
_ATTRIBUTES = re.compile(
    rb"(?:" + _WS + rb"+" + _ATTRIBUTE_NAME + _WS + rb"*=" + _WS + rb"*(?:\"[^\"<]*\"|'[^'<]*'))*" + _WS + rb"*"
)
_COMMENT_OR_PI = re.compile(rb"<!--(?:[^-]|-[^-])*-->|<\?(?:[^?]|\?[^>])*\?>", re.DOTALL)


def _numpy_tier(block: bytes, reader: _FastReader) -> _Tokens | None:
    data = block + bytes(_PAD)
    b = np.frombuffer(data, dtype=np.uint8)
    lt = np.flatnonzero(b == 60)
    gt = np.flatnonzero(b == 62)
    n = len(lt)
    if n == 0 or len(gt) != n or not ((gt > lt).all() and (lt[1:] > gt[:-1]).all()):
        return None
    if block.find(b"]") >= 0 and b"]]>" in block:
        return None
    ampersands = np.flatnonzero(b == 38) if b"&" in block else np.zeros(0, dtype=np.int64)
    if len(ampersands):
        inside = np.searchsorted(lt, ampersands) - 1
        if (inside < 0).any() or (ampersands > gt[np.maximum(inside, 0)]).any():
            return None  # "&" in text between tags: lxml decides whether it is well formed

    # Tag names, from the 8 bytes after each "<".
    start, stop = lt + 1, gt
    heads = np.ascontiguousarray(sliding_window_view(b, 8)[start]).view("<u8")[:, 0]
    codes, distinct = pd.factorize(heads)
    if len(distinct) > 4096:
        return None  # an unusual layout; the regex tier copes
    tag_of = np.zeros(len(distinct), dtype=np.int32)
    end_of = np.zeros(len(distinct), dtype=bool)
    length_of = np.zeros(len(distinct), dtype=np.int64)  # -1: longer than 7, measured per tag below
    for code, head in enumerate(distinct.tolist()):
        text = int(head).to_bytes(8, "little")
        if text[0] in b"!?":
            continue  # comment or processing instruction: checked one by one below
        is_end_tag = text[0] == 47
        name = text[is_end_tag:]
        length = next((i for i, c in enumerate(name) if c not in _NAME_CHARS), -1)
        if length == 0 or name[0] not in _NAME_STARTS or (length > 0 and name[length] not in _NAME_STOPS):
            return None
        if is_end_tag and length > 0 and name[length] != 62:
            return None  # "</x >": the regex tier
        end_of[code] = is_end_tag
        length_of[code] = length
        if length > 0:
            tag_of[code] = reader.tag_id(name[:length])
    is_end = end_of[codes]
    name_length = length_of[codes]
    special = np.isin(b[start], (33, 63))
    for i in np.flatnonzero(special):
        if not _COMMENT_OR_PI.fullmatch(block, int(lt[i]), int(gt[i]) + 1):
            return None
    tag = tag_of[codes]
    long_names = np.flatnonzero(name_length < 0)
    if len(long_names) and not _long_names(block, start + is_end, long_names, tag, name_length, reader):
        return None
    name_end = start + is_end + name_length
    if (is_end & (name_end != stop)).any():
        return None
    kind = np.array(reader.tag_kinds, dtype=np.int8)[tag]
    empty = special | (b[stop - 1] == 47)

    # Attribute elements: <type key="K"/>, <type key="K" value="V"/>, <type key="K">, ... value="V">, and
    # " /" for "/". The key ends at the first '"' after it; the value ends just before the tag does.
    rows = np.flatnonzero(~is_end & (kind <= _LAST_TYPE))
    eight = sliding_window_view(b, 8)
    at = name_end[rows]
    if not ((np.ascontiguousarray(eight[at]).view("<u8")[:, 0] & _SIX_BYTES) == _KEY_OPEN).all():
        return None
    key_start = at + 6
    key, key_stop = _key_codes(block, b, key_start, reader)
    has_value = np.ascontiguousarray(eight[key_stop + 1]).view("<u8")[:, 0] == _VALUE_OPEN
    end, row_empty = stop[rows], empty[rows]
    before = b[end - 1 - row_empty]  # the last byte before ">" or "/>"
    spaced = row_empty & (before == 32)  # "... />"
    closing = end - 1 - row_empty - spaced
    if not ((b[closing] == 34) & np.where(has_value, closing >= key_stop + 9, closing == key_stop)).all():
        return None
    value_start = key_stop + 9
    value = _views(data, b, value_start, np.where(has_value, closing - value_start, 0), has_value)
    if np.count_nonzero(_payload(value) == 34):
        return None  # a '"' inside a "value": more attributes after value=, for the regex tier

    # Other start tags with attributes (<log xmlns=...>, <extension ...>, <global scope=...>): few.
    rest: dict[int, bytes] = {}
    others = ~is_end & ~special & (kind > _LAST_TYPE) & (name_end < stop - empty)
    for i in np.flatnonzero(others):
        text = block[int(name_end[i]) : int(stop[i] - empty[i])]
        if not _ATTRIBUTES.fullmatch(text):
            return None
        rest[int(i)] = text
    return _Tokens(tag, is_end, empty, rows, key, value, rest, lt, gt)


def _key_codes(block: bytes, b: np.ndarray, start: np.ndarray, reader: _FastReader) -> tuple[np.ndarray, np.ndarray]:
    """Key code and closing-quote position of every key.

    The 16 bytes from each key's start take few distinct values (a key, '" value="', perhaps the
    first bytes of a short value): they are grouped exactly (a hash, checked against one member per
    group) and each group is read once. Keys of 16 bytes or more take the next 16 bytes, and so on.
    Where the values leak in too much (many short keys), :func:`_masked_key_codes` decides.
    """
    n = len(start)
    key = np.full(n, -1, dtype=np.int32)
    stop = np.zeros(n, dtype=np.int64)
    group = np.zeros(n, dtype=np.uint64)  # rows with the same bytes so far share a group
    todo = np.arange(n)
    sixteen = sliding_window_view(b, 16)
    offset = 0
    while len(todo):
        if offset >= 256:
            break
        words = np.ascontiguousarray(sixteen[start[todo] + offset]).view("<u8")
        mixed = words[:, 0] * _MIX[0] ^ words[:, 1] * _MIX[1] ^ group[todo] * _MIX[2]
        codes, distinct = pd.factorize(mixed)
        if len(distinct) > 256:
            return _masked_key_codes(block, b, start, reader)
        first = np.zeros(len(distinct), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes))[::-1]  # first row of each group
        same = (words == words[first][codes]).all() and (group[todo] == group[todo][first][codes]).all()
        if not same:
            return _masked_key_codes(block, b, start, reader)  # a hash collision: never seen
        found_code = np.full(len(distinct), -1, dtype=np.int32)
        found_length = np.zeros(len(distinct), dtype=np.int64)
        for code, row in enumerate(first.tolist()):
            quote = words[row].tobytes().find(b'"')
            if quote >= 0:
                at = int(start[todo[row]])
                found_code[code] = reader.key_code(block[at : at + offset + quote])
                found_length[code] = offset + quote
        hit = found_code[codes] >= 0
        rows = todo[hit]
        key[rows] = found_code[codes[hit]]
        stop[rows] = start[rows] + found_length[codes[hit]]
        group[todo] = codes.astype(np.uint64) + np.uint64(1)
        todo = todo[~hit]
        offset += 16
    for long_key in todo.tolist():  # keys of 256 bytes or more
        at = int(start[long_key])
        close = block.find(b'"', at)
        key[long_key] = reader.key_code(block[at:close])
        stop[long_key] = close
    return key, stop


def _masked_key_codes(
    block: bytes, b: np.ndarray, start: np.ndarray, reader: _FastReader
) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`_key_codes`, from the 24 bytes that start each key, zeroed after the key.

    Keys are told apart by a hash of those bytes (zeroed past the key), then checked exactly against
    one representative per hash; keys of 24 bytes or more are read one by one.
    """
    window = sliding_window_view(b, 24)[start]
    quote = window == 34
    found = quote.any(axis=1)
    length = np.argmax(quote, axis=1)
    words = np.ascontiguousarray(window & _KEEP24[length]).view("<u8")
    mixed = words[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ words[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F) ^ words[:, 2]
    codes, distinct = pd.factorize(mixed)
    first = np.zeros(len(distinct), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # first row of each hash
    if not (words == words[first][codes]).all():
        raise _OutsideSubset  # a hash collision between keys: never seen, but then the slow way
    mapping = np.array(
        [reader.key_code(window[row, : length[row]].tobytes()) for row in first.tolist()], dtype=np.int32
    )
    key = mapping[codes]
    stop = start + length
    for row in np.flatnonzero(~found):  # keys of 24 bytes or more
        close = block.find(b'"', int(start[row]))
        key[row] = reader.key_code(block[int(start[row]) : close])
        stop[row] = close
    return key, stop


def _payload(array: pa.Array) -> np.ndarray:
    """The bytes of a large_binary or large_string array's values, as one numpy array (no copy)."""
    if len(array) == 0:
        return np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    return np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]


def _long_names(
    block: bytes, name_start: np.ndarray, which: np.ndarray, tag: np.ndarray, length: np.ndarray, reader: _FastReader
) -> bool:
    """Tag names of 8 characters or more (<container>, <extension>, <classifier>): read one by one."""
    for i in which:
        at = int(name_start[i])
        text = block[at : at + 64]
        size = next((j for j, c in enumerate(text) if c not in _NAME_CHARS), -1)
        if size <= 0 or text[size] not in _NAME_STOPS:
            return False
        tag[i] = reader.tag_id(text[:size])
        length[i] = size
    return True


def _views(data: bytes, b: np.ndarray, starts: np.ndarray, lengths: np.ndarray, valid: np.ndarray) -> pa.Array:
    """Slices of ``data`` as one Arrow array, without a Python object per slice.

    Builds Arrow binary views (16 bytes per slice: the length, then the bytes inline when at most 12,
    else a 4-byte prefix, buffer 0 and the offset) and casts them to large_string, which copies the
    slices once and lets the block go.
    """
    n = len(starts)
    window = sliding_window_view(b, 12)[starts] & _KEEP[np.minimum(lengths, 12)]
    words = np.ascontiguousarray(window).view("<u4")
    short = lengths <= 12
    views = np.empty((n, 4), dtype="<u4")
    views[:, 0] = lengths
    views[:, 1] = words[:, 0]  # inline bytes 0-3, or the prefix
    views[:, 2] = np.where(short, words[:, 1], 0)  # inline bytes 4-7, or buffer 0
    views[:, 3] = np.where(short, words[:, 2], starts)  # inline bytes 8-11, or the offset
    validity = pa.array(valid).buffers()[1]
    # Text views: each block was checked to be UTF-8 and values are cut at ASCII quotes.
    array = pa.Array.from_buffers(pa.string_view(), n, [validity, pa.py_buffer(views), pa.py_buffer(data)])
    return array.cast(pa.large_string())


def _regex_tier(block: bytes, reader: _FastReader) -> _Tokens:
    """Tokenize a block with one regular expression (slower; any attribute layout)."""
    tokens = _TOKEN.findall(block)
    if not tokens:
        nothing = np.zeros(0, dtype=bool)
        empty_binary = pa.array([], pa.large_string())
        no_rows = np.zeros(0, np.int64)
        return _Tokens(np.zeros(0, np.int32), nothing, nothing, no_rows, no_rows, empty_binary, {})
    names, keys, values, rests, closes, stray = zip(*tokens, strict=True)
    if any(stray):
        raise _OutsideSubset
    encoded = pa.array(names, pa.binary()).dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    dictionary = encoded.dictionary.to_pylist()
    tag = np.array([reader.tag_id(name.lstrip(b"/")) for name in dictionary], dtype=np.int32)[codes]
    is_end = np.array([name.startswith(b"/") for name in dictionary], dtype=bool)[codes]
    kind = np.array(reader.tag_kinds, dtype=np.int8)[tag]
    empty = _nonempty(closes) | (kind == _IGNORE)
    has_rest = _nonempty(rests)
    if (is_end & (empty | has_rest)).any():
        raise _OutsideSubset  # "</x/>" or an end tag with attributes
    rows = np.flatnonzero(~is_end & (kind <= _LAST_TYPE))
    merged = _irregular(keys, values, rests, np.flatnonzero(has_rest & ~is_end & (kind <= _LAST_TYPE)))
    picked = pa.array(rows)
    raw_keys, raw_values = (_unquote(pa.array(column, pa.binary()).take(picked)) for column in merged)
    value = raw_values.cast(pa.large_string())
    key = np.array([-1 if raw is None else reader.key_code(raw) for raw in raw_keys.to_pylist()], dtype=np.int32)
    rest = {int(i): rests[i] for i in np.flatnonzero(has_rest & ~is_end & (kind > _LAST_TYPE))}
    return _Tokens(tag, is_end, empty, rows, key, value, rest)


def _unquote(quoted: pa.Array) -> pa.Array:
    """``b'"x"'`` -> ``b"x"``; ``b""`` (the attribute is absent) -> null."""
    quoted = quoted.cast(pa.large_binary())
    absent = pc.equal(pc.binary_length(quoted), 0)
    return pc.if_else(absent, pa.scalar(None, pa.large_binary()), pc.binary_slice(quoted, 1, -1))


def _nonempty(column: tuple[bytes, ...]) -> np.ndarray:
    lengths = pc.binary_length(pa.array(column, pa.binary()))
    return np.asarray(lengths.to_numpy(zero_copy_only=False)) > 0


def _irregular(
    keys: tuple[bytes, ...], values: tuple[bytes, ...], rests: tuple[bytes, ...], rows: np.ndarray
) -> tuple[Sequence[bytes], Sequence[bytes]]:
    """Attribute elements written otherwise than ``key="..." value="..."``: parsed one by one."""
    if len(rows) == 0:
        return keys, values
    key_list, value_list = list(keys), list(values)
    for i in rows:
        found = {"key": key_list[i], "value": value_list[i]}
        for name, double, single in _ATTRIBUTE.findall(rests[i]):
            label = name.decode("ascii")
            if label in found:
                if found[label]:
                    raise _OutsideSubset  # the same attribute twice: not well formed
                found[label] = double or b'"' + single + b'"'
        key_list[i], value_list[i] = found["key"], found["value"]
    return key_list, value_list


def _blocks(stream: _GuardedStream) -> Iterator[bytes]:
    """Decompressed blocks, each cut just before a ``<`` so that no tag is split."""
    carry = b""
    while True:
        data = stream.read(BLOCK_SIZE)
        if not data:
            if carry:
                yield carry
            return
        cut = data.rfind(b"<")
        if cut <= 0:
            carry += data
            continue
        block = b"".join((carry, memoryview(data)[:cut]))  # one copy
        carry = data[cut:]
        yield block


def _finish(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pa.Array]]) -> _Long:
    """Concatenate the blocks and turn raw values into text as XML reads them."""
    if not parts:
        none = np.zeros(0, dtype=np.int64)
        return _Long(
            none.astype(np.int8), none, none.astype(np.int32), none.astype(np.int8), pa.array([], pa.large_string())
        )
    scope, owner, key, kind = (np.concatenate([part[i] for part in parts]) for i in range(4))
    text = pa.concat_arrays([part[4] for part in parts])
    payload = _payload(text)  # the value bytes, looked at once for the two rare cases below
    # Attribute-value normalisation (XML 1.0, 3.3.3): literal line breaks and tabs become spaces,
    # before references are expanded (so "&#10;" stays a line break).
    if np.count_nonzero(payload == 10) or np.count_nonzero(payload == 9) or np.count_nonzero(payload == 13):
        text = pc.replace_substring_regex(text, r"\r\n|[\t\n\r]", " ")
    if np.count_nonzero(payload == 38):
        with_reference = pc.fill_null(pc.match_substring(text, "&"), False)
        decoded = [_decode_text(value) for value in text.filter(with_reference).to_pylist()]
        text = pc.replace_with_mask(text, with_reference, pa.array(decoded, pa.large_string()))
    return _Long(scope.astype(np.int8), owner.astype(np.int64), key, kind.astype(np.int8), text)


def _decode_text(text: str) -> str:
    """Expand the five predefined entities and character references; anything else is not well formed."""
    if "&" not in text:
        return text

    def expand(match: re.Match[str]) -> str:
        decimal, hexadecimal, name = match.groups()
        if name:
            return _NAMED[name]
        if decimal is None and hexadecimal is None:
            raise _OutsideSubset  # "&" without a known entity: lxml gives the message
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if not (
            code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
        ):
            raise _OutsideSubset
        return chr(code)

    return _REFERENCE.sub(expand, text)


def _decode_value(raw: bytes) -> str:
    """An attribute value as XML reads it: whitespace normalised, references expanded."""
    text = raw.decode("utf-8")
    return _decode_text(re.sub(r"\r\n|[\t\n\r]", " ", text))


# --------------------------------------------------------------------------------------------------
# The reference path: lxml iterparse, one Python step per element


def _reference_columns(path: Path, stream: _GuardedStream) -> _Columns:
    from lxml import etree

    keys: dict[str, int] = {}
    scopes: list[int] = []
    owners: list[int] = []
    codes: list[int] = []
    types: list[int] = []
    texts: list[str | None] = []
    globals_: dict[str, dict[str, tuple[int, str | None]]] = {}
    event_trace: list[int] = []
    kinds: list[int] = []
    traces = events = 0
    scope: str | None = None
    context = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for action, element in context:
            if action == "end":
                kinds.pop()
                # Keep memory flat: drop what has been read.
                element.clear(keep_tail=True)
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
                continue
            level = len(kinds)
            name = etree.QName(element).localname
            kind = _KINDS.get(name, _OTHER)
            kinds.append(kind)
            line = element.sourceline
            if level == 0 and kind != _LOG:
                _not_xes(path, name)
            if kind == _TRACE:
                if level != 1:
                    raise UnreadableFileError(f"{path}: line {line}: <trace> not directly in <log>; fix the file")
                traces += 1
            elif kind == _EVENT:
                if level != 2 or kinds[1] != _TRACE:
                    raise UnreadableFileError(f"{path}: line {line}: <event> not directly in a <trace>; fix the file")
                events += 1
                event_trace.append(traces - 1)
            elif kind == _GLOBAL and level == 1:
                scope = element.get("scope", "event")
            elif kind <= _LAST_TYPE and level in (2, 3):
                target = -1
                if level == 3 and kinds[2] == _EVENT:
                    target, owner = _EVENT_SCOPE, events - 1
                elif level == 2 and kinds[1] == _TRACE:
                    target, owner = _TRACE_SCOPE, traces - 1
                elif not (level == 2 and kinds[1] == _GLOBAL and scope is not None):
                    continue  # a log attribute, or a child of a nested attribute
                key = element.get("key")
                if key is None:
                    raise UnreadableFileError(f"{path}: line {line}: <{name}> without a key; fix the file")
                if target < 0:
                    globals_.setdefault(scope or "event", {})[key] = (kind, element.get("value"))
                    continue
                scopes.append(target)
                owners.append(owner)
                codes.append(keys.setdefault(key, len(keys)))
                types.append(kind)
                texts.append(element.get("value"))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        reason = str(exc.msg).split(", line ")[0]
        raise UnreadableFileError(
            f"{path}: not well-formed XML at line {line}, column {column}: {reason}; fix or export the file again"
        ) from exc

    return _Columns(
        path=path,
        events=events,
        traces=traces,
        event_trace=np.array(event_trace, dtype=np.int64),
        keys=list(keys),
        values=_Long(
            np.array(scopes, dtype=np.int8),
            np.array(owners, dtype=np.int64),
            np.array(codes, dtype=np.int32),
            np.array(types, dtype=np.int8),
            pa.array(texts, pa.large_string()),
        ),
        globals=globals_,
    )


# --------------------------------------------------------------------------------------------------
# From long form to the table: pivot, globals, types


@dataclass(slots=True)
class _Raw:
    """One column before typing: its text values (null: no value) and its type (_MIXED if several)."""

    text: pa.Array
    kind: int


def _build(columns: _Columns, *, parser: str) -> XesTable:
    values, keys, globals_ = columns.values, columns.keys, columns.globals
    event_raw, event_filled = _pivot(values, _EVENT_SCOPE, columns.events, keys, globals_.get("event", {}))
    trace_raw, trace_filled = _pivot(values, _TRACE_SCOPE, columns.traces, keys, globals_.get("trace", {}))
    rows = np.arange(1, columns.events + 1, dtype=np.int64)
    # Row of a trace for messages: its first event (traces without events have none).
    first_event = np.full(columns.traces, -1, dtype=np.int64)
    if columns.events:
        starts = np.r_[True, columns.event_trace[1:] != columns.event_trace[:-1]]
        first_event[columns.event_trace[starts]] = rows[starts]

    data: dict[str, pd.Series] = {}
    invalid: list[tuple[int, str, str, str]] = []
    naive = 0
    for key, raw in event_raw.items():
        series, bad, count = _typed(raw)
        data[key] = series
        naive += count
        invalid.extend(_invalid_rows(raw, bad, rows, key))
    for key, raw in trace_raw.items():
        series, bad, count = _typed(raw)
        name = f"case:{key}"
        naive += count
        invalid.extend(_invalid_rows(raw, bad, first_event, name))
        data[name] = pd.Series(series.array.take(columns.event_trace))
    data[ROW] = pd.Series(rows)
    frame = pd.DataFrame(data, copy=False)
    return XesTable(
        frame=frame,
        traces=columns.traces,
        globals_applied=event_filled,
        trace_globals_applied=trace_filled,
        naive_dates=naive,
        invalid=_invalid_frame(sorted(invalid)),
        parser=parser,
    )


def _pivot(
    long: _Long, scope: int, owners: int, keys: list[str], defaults: dict[str, tuple[int, str | None]]
) -> tuple[dict[str, _Raw], int]:
    """One text column per key of a scope (length ``owners``), globals filled in where the key is absent."""
    subset = np.flatnonzero(long.scope == scope)
    keys_here = long.key[subset]
    # Radix sort (stable) on small integers: by key, then file order.
    order = subset[np.argsort(keys_here.astype(np.int16) if len(keys) < 2**15 else keys_here, kind="stable")]
    sorted_key = long.key[order]
    bounds = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1], True]) if len(order) else np.zeros(1, int)
    # Columns in the order their keys first appear in the file.
    groups = sorted(zip(bounds[:-1], bounds[1:], strict=True), key=lambda group: int(order[group[0]]))
    result: dict[str, _Raw] = {}
    filled = 0
    for start, stop in groups:
        rows = order[start:stop]
        owner = long.owner[rows]
        last = np.r_[owner[1:] != owner[:-1], True]  # a key twice in one element: the last one wins
        if not last.all():
            rows, owner = rows[last], owner[last]
        key = keys[int(sorted_key[start])]
        kind_rows = long.kind[rows]
        kinds = {int(kind_rows[0])} if (kind_rows == kind_rows[0]).all() else set(np.unique(kind_rows).tolist())
        if len(rows) == owners:  # in every element (owners rise within a key): no gaps to fill
            result[key] = _Raw(long.value.take(pa.array(rows)), kinds.pop() if len(kinds) == 1 else _MIXED)
            continue
        position = np.full(owners, -1, dtype=np.int64)
        position[owner] = rows
        absent = position < 0
        text = long.value.take(pa.array(position, mask=absent))
        if key in defaults:
            kind, default = defaults[key]
            kinds.add(kind)
            filled += int(absent.sum())
            text = pc.if_else(pa.array(absent), pa.scalar(default, pa.large_string()), text)
        result[key] = _Raw(text, kinds.pop() if len(kinds) == 1 else _MIXED)
    for key, (kind, default) in defaults.items():
        if key not in result and owners:
            filled += owners
            result[key] = _Raw(pa.repeat(pa.scalar(default, pa.large_string()), owners), kind)
    return result, filled


def _typed(raw: _Raw) -> tuple[pd.Series, np.ndarray, int]:
    """The column in its XES type, the rows whose text did not convert, and the number of naive dates."""
    text = raw.text
    none = np.zeros(len(text), dtype=bool)
    if raw.kind not in (_DATE, _INT, _FLOAT, _BOOLEAN):
        return pd.Series(pd.array(text, dtype=_TEXT)), none, 0
    # Convert each distinct text once: dates and numbers repeat a lot in event logs.
    encoded = pc.dictionary_encode(text)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    indices = (
        np.where(np.isnan(indices), -1, indices).astype(np.int64)
        if indices.dtype.kind == "f"
        else indices.astype(np.int64)
    )
    distinct = pd.Series(pd.array(encoded.dictionary, dtype=_TEXT))
    naive = 0
    if raw.kind == _DATE:
        converted = pd.to_datetime(distinct, format="ISO8601", utc=True, errors="coerce")
        bad_distinct = converted.isna().to_numpy()
        naive_distinct = ~distinct.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool) & ~bad_distinct
        counts = np.bincount(indices[indices >= 0], minlength=len(distinct))
        naive = int(counts[naive_distinct].sum())
        values = converted.array
    elif raw.kind == _BOOLEAN:
        lowered = distinct.str.strip().str.lower()
        mapped = lowered.map({"true": True, "1": True, "false": False, "0": False})
        bad_distinct = mapped.isna().to_numpy()
        values = pd.array(mapped.tolist(), dtype="boolean")
    else:
        values, bad_distinct = _numbers(distinct, integer=raw.kind == _INT)
    series = pd.Series(values.take(indices, allow_fill=True))
    bad = np.zeros(len(text), dtype=bool)
    known = indices >= 0
    bad[known] = bad_distinct[indices[known]]
    return series, bad, naive


def _numbers(distinct: pd.Series, *, integer: bool) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    target = pa.int64() if integer else pa.float64()
    arrow = pa.array(distinct.array, pa.large_string()) if len(distinct) else pa.array([], pa.large_string())
    try:
        numbers = pc.cast(arrow, target).to_pylist()
        bad = np.zeros(len(distinct), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Some text is not a plain number (spaces, "+", overflow): Python's int/float decide, one
        # distinct value at a time.
        numbers, flags = [], []
        for text in distinct.tolist():
            try:
                number: int | float | None = int(text) if integer else float(text)
                if integer and not -(2**63) <= number < 2**63:  # type: ignore[operator]
                    raise ValueError(text)
            except ValueError:
                number = None
            numbers.append(number)
            flags.append(number is None)
        bad = np.array(flags, dtype=bool)
    return pd.array(numbers, dtype="Int64" if integer else "Float64"), bad


def _invalid_rows(raw: _Raw, bad: np.ndarray, rows: np.ndarray, column: str) -> list[tuple[int, str, str, str]]:
    if not bad.any():
        return []
    where = np.flatnonzero(bad & (rows >= 0))
    texts = raw.text.take(pa.array(where)).to_pylist()
    reason = f"not a valid XES <{_TYPE_NAMES[raw.kind]}>"
    return [(int(rows[i]), column, str(text), reason) for i, text in zip(where, texts, strict=True)]
