"""Writing a simulated export: CSV (``;``, UTF-8 with BOM, decimal comma), XES (start/complete pairs, offsets)
or Parquet, in chunks, byte-identical for the same arguments (:func:`write_sample`)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import ConfigError
from .process import COLUMNS, SimulationResult, _format_times

# ---- writers ---------------------------------------------------------------------------------------
_FORMATS = ("csv", "xes", "parquet")
_CHUNK = 250_000


def write_sample(result: SimulationResult, path: Path, *, fmt: str = "csv") -> Path:
    """Write the simulated export.

    Args:
        result: from :func:`simulate`.
        path: the file to write; a name ending in ``.gz`` is gzip-compressed (csv and xes),
            deterministically (no time stamp or name in the gzip header).
        fmt: ``csv`` (``;``, UTF-8 with BOM, decimal comma, LF line ends, quotes only where a value
            needs them),
            ``xes`` (XES 1.0 written as text; activities with a Starttid become a start and a complete
            event; trace attributes ``program``, ``region``, ``amount`` (float), ``decision``; event
            attribute ``comment``) or ``parquet`` (the same text columns as the CSV).

    Returns:
        The path written.

    Raises:
        ConfigError: an unknown format.
    """
    if fmt not in _FORMATS:
        raise ConfigError(f"unknown format {fmt!r}; use one of {', '.join(_FORMATS)}")
    path = Path(path)
    try:
        if fmt == "parquet":
            table = pa.Table.from_pandas(result.events, preserve_index=False)
            pq.write_table(table, path, compression="zstd")
            return path
        chunks = _csv_chunks(result.events) if fmt == "csv" else _xes_chunks(result.events)
        with _open_output(path) as fh:
            for chunk in chunks:
                fh.write(chunk)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write ({exc.strerror or exc}); check that its folder exists") from exc
    return path


class _open_output:
    """A binary file, gzip-compressed without time stamp or name when its name ends in .gz."""

    def __init__(self, path: Path) -> None:
        self.raw: IO[bytes] = path.open("wb")
        self.fh: IO[bytes] = (
            gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0, compresslevel=6)  # type: ignore[assignment]
            if path.name.endswith(".gz")
            else self.raw
        )

    def __enter__(self) -> IO[bytes]:
        return self.fh

    def __exit__(self, *exc: object) -> None:
        if self.fh is not self.raw:
            self.fh.close()
        self.raw.close()


def _string_bytes(arr: pa.Array) -> memoryview:
    """The concatenated UTF-8 bytes of a (large) string array without nulls, without a copy."""
    arr = arr.cast(pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]


def _join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and constant strings."""
    args = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p.cast(pa.large_string()) for p in parts]
    return pc.binary_join_element_wise(*args, pa.scalar("", pa.large_string()))


def _csv_quote(arr: pa.Array) -> pa.Array:
    """Quote (RFC 4180) only the values holding ; " or a line break."""
    needs = pc.match_substring_regex(arr, '[;"\r\n]')
    if not pc.any(needs).as_py():
        return arr
    quoted = _join('"', pc.replace_substring(arr, '"', '""'), '"')
    return pc.if_else(needs, quoted, arr)


def _chunks(frame: pd.DataFrame) -> Iterator[dict[str, pa.Array]]:
    for begin in range(0, len(frame), _CHUNK):
        part = frame.iloc[begin : begin + _CHUNK]
        yield {name: pa.array(part[name], type=pa.large_string()) for name in COLUMNS}


def _csv_chunks(events: pd.DataFrame) -> Iterator[bytes | memoryview]:
    yield ("\ufeff" + ";".join(COLUMNS) + "\n").encode("utf-8")
    for cols in _chunks(events):
        parts: list[pa.Array | str] = []
        for name in COLUMNS:
            parts += [_csv_quote(pc.fill_null(cols[name], "")), ";"]
        parts[-1] = "\n"
        yield _string_bytes(_join(*parts))


_XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
<classifier name="Activity" keys="concept:name"/>
<string key="concept:name" value="Demo: ansökningar om företagsstöd (simulerade)"/>
"""


def _xml_escape(arr: pa.Array) -> pa.Array:
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        arr = pc.replace_substring(arr, raw, entity)
    return arr


def _xes_time(text: pa.Array, key: str) -> pa.Array:
    """``<date key=... value="2024-03-14T09:12:33+01:00"/>`` per row; "" where the text is empty.

    A value that is not a time (a messy row) is written as it stands, as an export tool would.
    """
    parsed = pc.strptime(text, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    wall = parsed.to_numpy(zero_copy_only=False).astype("datetime64[s]")
    local = (
        pd.DatetimeIndex(wall)
        .as_unit("s")
        .tz_localize("Europe/Stockholm", ambiguous=np.ones(len(wall), dtype=bool), nonexistent="shift_forward")
    )
    local_wall = np.asarray(local.tz_localize(None), dtype="datetime64[s]")
    offset = local_wall.astype(np.int64) - local.asi8  # asi8: seconds since the epoch in UTC
    iso = _format_times(local_wall, "T")
    suffix = _offset_text(offset)
    value = pc.if_else(pc.is_valid(parsed), _join(iso, suffix), _xml_escape(text))
    element = _join(f'<date key="{key}" value="', value, '"/>')
    return pc.if_else(pc.equal(text, ""), pa.scalar("", pa.large_string()), element)


def _offset_text(offset: np.ndarray) -> pa.Array:
    """UTC offsets in seconds -> "+01:00"-style text (only a handful of distinct values)."""
    values, inverse = np.unique(offset, return_inverse=True)
    texts = np.array(
        [f"{'-' if v < 0 else '+'}{abs(int(v)) // 3600:02d}:{abs(int(v)) % 3600 // 60:02d}" for v in values],
        dtype=object,
    )
    return pa.array(texts, type=pa.large_string()).take(pa.array(inverse.ravel()))


def _optional(key: str, arr: pa.Array, kind: str = "string") -> pa.Array:
    element = _join(f'<{kind} key="{key}" value="', _xml_escape(arr), '"/>')
    return pc.if_else(pc.equal(arr, ""), pa.scalar("", pa.large_string()), element)


def _xes_chunks(events: pd.DataFrame) -> Iterator[bytes | memoryview]:
    yield _XES_HEAD.encode("utf-8")
    case_text = events["Diarienummer"].to_numpy(dtype=object)
    if (case_text == "").any():
        # Rows without a case id become traces of their own at the end, so that they do not split
        # their neighbours' traces in two.
        order = np.argsort(case_text == "", kind="stable")
        events, case_text = events.iloc[order], case_text[order]
    # A trace starts where the case id changes; rows without a case id are traces of their own.
    starts = np.ones(len(case_text), dtype=bool)
    starts[1:] = (case_text[1:] != case_text[:-1]) | (case_text[1:] == "")
    first = True
    for begin, cols in zip(range(0, len(events), _CHUNK), _chunks(events), strict=True):
        size = len(cols["Aktivitet"])
        common = _join(
            _optional("concept:name", cols["Aktivitet"]),
            _optional("org:resource", cols["Handläggare"]),
            _optional("org:group", cols["Enhet"]),
        )
        start_time = _xes_time(cols["Starttid"], "time:timestamp")
        start_event = _join(
            "<event>", common, '<string key="lifecycle:transition" value="start"/>', start_time, "</event>\n"
        )
        start_event = pc.if_else(pc.equal(cols["Starttid"], ""), pa.scalar("", pa.large_string()), start_event)
        complete_event = _join(
            "<event>",
            common,
            '<string key="lifecycle:transition" value="complete"/>',
            _xes_time(cols["Tidpunkt"], "time:timestamp"),
            _optional("comment", cols["Kommentar"]),
            "</event>\n",
        )
        amount = pc.replace_substring(cols["Belopp"], ",", ".")
        trace_head = _join(
            "</trace>\n<trace>",
            _optional("concept:name", cols["Diarienummer"]),
            _optional("program", cols["Program"]),
            _optional("region", cols["Region"]),
            _optional("amount", amount, "float"),
            _optional("decision", cols["Beslut"]),
            "\n",
        )
        opens = starts[begin : begin + size]
        trace_head = pc.if_else(pa.array(opens), trace_head, pa.scalar("", pa.large_string()))
        lines = _join(trace_head, start_event, complete_event)
        data = _string_bytes(lines)
        if first and size:
            data = data[len(b"</trace>\n") :]  # the first trace has none to close
            first = False
        yield data
    yield b"</trace>\n</log>\n" if len(events) else b"</log>\n"
