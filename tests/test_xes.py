"""The XES reader: published figures on real logs, agreement with pm4py and with lxml, layouts, errors."""

from __future__ import annotations

import gzip
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import processmining.ingest.xes as xes_module
from processmining.errors import UnreadableFileError
from processmining.ingest.safe_xml import check_xml_safe
from processmining.ingest.xes import XesTable, read_xes_table
from processmining.log import ROW
from tests.support import PUBLISHED, shared_log

XES_LOGS = [name for name in PUBLISHED if ".xes" in name]
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'


def write(tmp_path: Path, text: str | bytes, name: str = "log.xes") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def figures(table: XesTable) -> tuple[int, int, int, int]:
    """Cases, events, activities, variants (events by timestamp, ties in file order)."""
    frame = table.frame.sort_values(["case:concept:name", "time:timestamp", ROW], kind="stable")
    variants = frame.groupby("case:concept:name", sort=False)["concept:name"].agg(tuple).nunique()
    return frame["case:concept:name"].nunique(), len(frame), frame["concept:name"].nunique(), variants


def assert_same_table(left: XesTable, right: XesTable) -> None:
    pd.testing.assert_frame_equal(left.frame, right.frame)
    assert (left.traces, left.globals_applied, left.trace_globals_applied, left.naive_dates) == (
        right.traces,
        right.globals_applied,
        right.trace_globals_applied,
        right.naive_dates,
    )
    pd.testing.assert_frame_equal(left.invalid, right.invalid)


# --------------------------------------------------------------------------------------------------
# Real logs


@pytest.mark.parametrize("name", XES_LOGS)
def test_published_figures(name: str) -> None:
    table = read_xes_table(shared_log(name))
    assert figures(table) == PUBLISHED[name]
    assert table.parser == "fast"  # the real logs never need the slow path
    assert table.frame[ROW].tolist() == list(range(1, len(table.frame) + 1))


def test_log_without_ids_or_timestamps_is_returned_as_it_is() -> None:
    table = read_xes_table(shared_log("19_roadtraffic_1t_per_variant.xes.gz"))
    assert (table.traces, len(table.frame), table.frame["concept:name"].nunique()) == (231, 1891, 11)
    assert "case:concept:name" not in table.frame.columns
    assert "time:timestamp" not in table.frame.columns


def test_global_default_names_the_one_unnamed_event_in_coselog() -> None:
    table = read_xes_table(shared_log("CoSeLoG_WABO_1.xes.gz"))
    assert (table.frame["concept:name"] == "UNKNOWN").sum() == 1
    assert table.frame["concept:name"].notna().all()
    assert table.globals_applied == 81080


def test_types_and_offsets_on_receipt() -> None:
    frame = read_xes_table(shared_log("08_receipt.xes.gz")).frame
    assert str(frame["time:timestamp"].dtype) == "datetime64[us, UTC]"
    # The file says 2011-10-11T13:45:40.276+02:00: the instant is kept, offset and all.
    assert frame["time:timestamp"].iloc[0] == pd.Timestamp("2011-10-11T11:45:40.276Z")
    assert frame["case:concept:name"].iloc[0] == "case-10011"
    assert frame["org:group"].dtype == "str"


@pytest.mark.parametrize("name", ["running-example.xes", "08_receipt.xes.gz", "roadtraffic100traces.xes"])
def test_fast_parser_and_lxml_give_the_same_table(name: str) -> None:
    path = shared_log(name)
    fast, reference = read_xes_table(path), read_xes_table(path, parser="reference")
    assert (fast.parser, reference.parser) == ("fast", "reference")
    assert_same_table(fast, reference)


def _globals(path: Path) -> dict[str, object]:
    """Default values declared in the file's <global> elements, by column name as in our frame."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        head = handle.read(400_000).split("<trace", 1)[0]
    defaults: dict[str, object] = {}
    for scope, body in re.findall(r'<global scope="(\w+)">(.*?)</global>', head, re.S):
        for kind, key, value in re.findall(r'<(\w+) key="([^"]*)" value="([^"]*)"', body):
            column = key if scope == "event" else f"case:{key}"
            if kind == "date":
                defaults[column] = pd.Timestamp(value).tz_convert("UTC")
            elif kind == "float":
                defaults[column] = float(value)
            else:
                defaults[column] = value
    return defaults


# pm4py 2.7.23 keeps the wall-clock time of "+02:00" dates and labels it UTC (it drops the offset), so
# its dates are compared with ours as wall-clock times in the zone the file was written in.
PM4PY_CASES = [
    ("running-example.xes", "Europe/Berlin"),
    ("08_receipt.xes.gz", "Europe/Amsterdam"),
    pytest.param("BPIC15_1.xes.gz", "Europe/Amsterdam", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("name", "zone"), PM4PY_CASES)
def test_same_events_and_values_as_pm4py_except_globals(name: str, zone: str) -> None:
    from processmining._pm4py import pm4py

    path = shared_log(name)
    ours = read_xes_table(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pm4py's hint to install r4pm
        theirs = pm4py().read_xes(str(path))
    frame = ours.frame
    assert len(frame) == len(theirs)
    assert set(theirs.columns) <= set(frame.columns)
    defaults = _globals(path)
    filled_events = 0
    for column in theirs.columns:
        mine, other = frame[column], theirs[column].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(mine):
            mine = mine.dt.tz_convert(zone).dt.tz_localize(None).astype("datetime64[us]")
            other = other.dt.tz_localize(None).astype("datetime64[us]")
        has = other.notna().to_numpy()
        if pd.api.types.is_float_dtype(other):
            assert np.allclose(mine[has].astype(float), other[has].astype(float)), column
        else:
            assert (mine[has].to_numpy() == other[has].to_numpy()).all(), column
        # Where pm4py has nothing, we have nothing or the <global> default (pm4py ignores globals).
        filled = mine[~has].dropna()
        if len(filled):
            default = defaults[column]
            if isinstance(default, pd.Timestamp):
                default = default.tz_convert(zone).tz_localize(None)
            assert (filled == default).all(), column
            filled_events += len(filled) if not column.startswith("case:") else 0
    assert filled_events == ours.globals_applied


# --------------------------------------------------------------------------------------------------
# Layouts, encodings, entities, types, globals (hand-written files)

LAYOUT = (
    HEAD
    + """<global scope="event"><string key="org:resource" value="nobody"/><string key="unit" value="U0"/></global>
<global scope="trace"><string key="region" value="?"/></global>
<trace><string key="concept:name" value="c1"/><event><string key="concept:name" value="Ansökan &amp; registrering"/>\
<date key="time:timestamp" value="2024-03-31T01:30:00+01:00"/></event><event>
<string
   key="concept:name"
   value="Beslut&#10;fattat"/>
<date key='time:timestamp' value='2024-03-31T03:30:00+02:00'/><string value="Åsa" key="org:resource" /></event></trace>
<trace><string key="concept:name" value="c2"/><string key="region" value="Norr"/><event>\
<string key="concept:name" value="&#229;&#xE4;&#246; &lt;x&gt; &quot;q&quot; &apos;a&apos;"/>\
<date key="time:timestamp" value="2024-01-01T12:00:00Z"/><int key="n" value="42"/><float key="amount" value="1.5"/>\
<boolean key="ok" value="true"/><id key="uid" value="abc"/><list key="tags"><values>\
<string key="t" value="x"/></values></list><string key="nested" value="top">\
<string key="child" value="ignored"/></string></event><event>\
<string key="concept:name" value="tab\there new
line"/><date key="time:timestamp" value="2024-01-02T12:00:00"/><int key="n" value="x1"/><boolean key="ok" value="0"/>\
<float key="amount" value="2"/></event></trace>
<trace/>
<trace><string key="concept:name" value="c4"/></trace>
</log>
"""
)


def test_layouts_entities_types_and_globals(tmp_path: Path) -> None:
    table = read_xes_table(write(tmp_path, LAYOUT))
    frame = table.frame
    assert table.parser == "fast"  # quotes, order, line breaks in tags: still the fast path
    assert frame["concept:name"].tolist() == [
        "Ansökan & registrering",
        "Beslut\nfattat",  # a character reference keeps the line break ...
        "åäö <x> \"q\" 'a'",
        "tab here new line",  # ... literal tabs and line breaks in a value become spaces (XML 1.0, 3.3.3)
    ]
    assert frame["org:resource"].tolist() == ["nobody", "Åsa", "nobody", "nobody"]  # value before key
    assert frame["time:timestamp"].tolist() == [
        pd.Timestamp("2024-03-31T00:30Z"),
        pd.Timestamp("2024-03-31T01:30Z"),  # one hour later across the DST change
        pd.Timestamp("2024-01-01T12:00Z"),
        pd.Timestamp("2024-01-02T12:00Z"),  # no offset: read as UTC and counted
    ]
    assert table.naive_dates == 1
    assert frame["n"].tolist() == [pd.NA, pd.NA, 42, pd.NA] and str(frame["n"].dtype) == "Int64"
    assert frame["amount"].tolist() == [pd.NA, pd.NA, 1.5, 2.0] and str(frame["amount"].dtype) == "Float64"
    assert frame["ok"].tolist() == [pd.NA, pd.NA, True, False] and str(frame["ok"].dtype) == "boolean"
    assert frame["uid"].iloc[2] == "abc"
    assert frame["tags"].isna().all()  # a list has no value of its own
    assert frame["nested"].iloc[2] == "top" and "child" not in frame.columns
    assert table.invalid.to_dict("records") == [
        {"row": 4, "column": "n", "value": "x1", "reason": "not a valid XES <int>"}
    ]
    # Globals: org:resource filled 3 times, unit (in no event) 4 times; region for c1, the empty
    # trace and c4.
    assert frame["unit"].tolist() == ["U0"] * 4
    assert (table.globals_applied, table.trace_globals_applied) == (7, 3)
    assert frame["case:region"].tolist() == ["?", "?", "Norr", "Norr"]
    assert frame["case:concept:name"].tolist() == ["c1", "c1", "c2", "c2"]
    assert table.traces == 4  # the empty trace and the trace without events count
    assert_same_table(table, read_xes_table(write(tmp_path, LAYOUT), parser="reference"))


@pytest.mark.parametrize("block_size", [5, 64, 4096])
def test_block_boundaries_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_size: int) -> None:
    # Small blocks put boundaries inside å/ä/ö, entities, tags and attribute values.
    expected = read_xes_table(write(tmp_path, LAYOUT))
    monkeypatch.setattr(xes_module, "BLOCK_SIZE", block_size)
    gz = write(tmp_path, gzip.compress(LAYOUT.encode("utf-8")), "log.xes.gz")
    assert_same_table(read_xes_table(gz), expected)
    assert read_xes_table(gz).parser == "fast"


def test_utf16_and_prefixed_names_go_to_lxml(tmp_path: Path) -> None:
    utf16 = write(tmp_path, LAYOUT.replace("UTF-8", "UTF-16").encode("utf-16"), "utf16.xes")
    table = read_xes_table(utf16)
    assert table.parser == "reference"
    pd.testing.assert_frame_equal(table.frame, read_xes_table(write(tmp_path, LAYOUT)).frame)
    prefixed = write(
        tmp_path,
        '<?xml version="1.0"?><xes:log xmlns:xes="http://www.xes-standard.org/"><xes:trace>'
        '<xes:string key="concept:name" value="c"/><xes:event><xes:string key="concept:name" value="a"/>'
        "</xes:event></xes:trace></xes:log>",
        "prefixed.xes",
    )
    assert read_xes_table(prefixed).frame[["case:concept:name", "concept:name"]].values.tolist() == [["c", "a"]]


def test_text_and_cdata_inside_elements_are_ignored_as_lxml_does(tmp_path: Path) -> None:
    path = write(
        tmp_path, HEAD + '<trace><event><string key="x" value="1"/>text<![CDATA[ <b> ]]></event></trace></log>'
    )
    assert read_xes_table(path).frame["x"].tolist() == ["1"]


def test_a_key_with_two_types_is_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEAD + '<trace><event><string key="x" value="a"/></event><event><int key="x" value="2"/></event></trace></log>',
    )
    frame = read_xes_table(path).frame
    assert frame["x"].tolist() == ["a", "2"] and frame["x"].dtype == "str"


# --------------------------------------------------------------------------------------------------
# Unsafe and broken files: one-line errors naming the file

TRACE = '<trace><string key="concept:name" value="c1"/><event><string key="concept:name" value="a"/></event></trace>\n'
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<log><trace><event><string key="concept:name" value="&lol9;"/></event></trace></log>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<log><trace><event><string key="concept:name" value="&x;"/></event></trace></log>"""


@pytest.mark.timeout(10)
@pytest.mark.parametrize("parser", ["auto", "reference"])
@pytest.mark.parametrize("text", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_doctype_and_entities_are_refused_before_parsing(tmp_path: Path, text: str, parser: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UnreadableFileError, match=r"log\.xes: the XML declares a DOCTYPE or ENTITY") as caught:
        read_xes_table(path, parser=parser)  # type: ignore[arg-type]
    assert "root:" not in str(caught.value) and "\n" not in str(caught.value)


def test_an_entity_declared_late_in_a_big_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xes_module, "BLOCK_SIZE", 1024)
    text = HEAD + TRACE * 100 + '<!ENTITY x "y">\n' + TRACE + "</log>\n"
    with pytest.raises(UnreadableFileError, match="DOCTYPE or ENTITY"):
        read_xes_table(write(tmp_path, gzip.compress(text.encode()), "late.xes.gz"))


def test_check_xml_safe_in_utf8_and_utf16() -> None:
    check_xml_safe(b"<?xml version='1.0'?><!-- a comment --><log><![CDATA[x]]></log>", Path("ok.xes"))
    for head in (b"<!DOCTYPE log>", "<!ENTITY x 'y'>".encode("utf-16-le"), "<!DOCTYPE log>".encode("utf-16")):
        with pytest.raises(UnreadableFileError, match="bad.xes: the XML declares a DOCTYPE or ENTITY"):
            check_xml_safe(head, Path("bad.xes"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"log\.xes: the file is empty"),
        (b"  \n ", r"log\.xes: the file is empty"),
        (b"\x9a\x18\xac#\x10\x12 binary junk", r"log\.xes: not an XML document"),
        (b"<html><body>hi</body></html>", r"log\.xes: not an XES log: the root element is <html>"),
        ((HEAD + "<trace>\n<event>\n</trace>\n</event>\n</log>").encode(), r"log\.xes: not well-formed XML at line 5"),
        ((HEAD + TRACE * 30)[:1500].encode(), r"log\.xes: not well-formed XML at line 15"),
        ((HEAD + '<trace><event><string key="a" value="b & c"/></event></trace></log>').encode(), "line 3"),
        ((HEAD + '<event><string key="a" value="b"/></event></log>').encode(), r"line 3: <event> not directly in"),
        ((HEAD + '<trace><event><string value="b"/></event></trace></log>').encode(), "line 3: <string> without a key"),
        ((HEAD + TRACE + "</log>junk").encode(), "not well-formed XML at line 4"),
        (HEAD.encode() + b'<trace><event><string key="a" value="\xff"/></event></trace></log>', "line 3"),
        (HEAD.encode() + b'<trace><event><string key="a" value="\x01"/></event></trace></log>', "line 3"),
    ],
    ids=[
        "empty",
        "blank",
        "binary",
        "html",
        "mismatched",
        "truncated",
        "bare-ampersand",
        "event-outside-trace",
        "no-key",
        "text-after-root",
        "invalid-utf8",
        "control-character",
    ],
)
def test_broken_files_give_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    with pytest.raises(UnreadableFileError, match=message) as caught:
        read_xes_table(write(tmp_path, content))
    assert "\n" not in str(caught.value) and "; " in str(caught.value)


def test_truncated_and_corrupt_gzip(tmp_path: Path) -> None:
    packed = gzip.compress((HEAD + TRACE * 200 + "</log>\n").encode())
    assert len(read_xes_table(write(tmp_path, packed, "good.xes.gz")).frame) == 200
    with pytest.raises(UnreadableFileError, match=r"cut\.xes\.gz: truncated or corrupt gzip"):
        read_xes_table(write(tmp_path, packed[: len(packed) // 2], "cut.xes.gz"))
    damaged = bytearray(packed)
    damaged[len(damaged) // 2] ^= 0xFF
    with pytest.raises(UnreadableFileError, match=r"bad\.xes\.gz: truncated or corrupt gzip"):
        read_xes_table(write(tmp_path, bytes(damaged), "bad.xes.gz"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match=r"nope\.xes: no such file"):
        read_xes_table(tmp_path / "nope.xes")


def test_many_short_keys_and_values_match_lxml(tmp_path: Path) -> None:
    # Short keys let the values into the bytes that tell keys apart: the reader must still match.
    events = "".join(
        f'<event><string key="a" value="{i}"/><int key="n" value="{i * 7}"/><string key="b" value="x{i % 13}"/></event>'
        for i in range(3000)
    )
    path = write(tmp_path, HEAD + f'<trace><string key="concept:name" value="c"/>{events}</trace></log>')
    table = read_xes_table(path)
    assert table.parser == "fast"
    assert table.frame["n"].sum() == 7 * sum(range(3000))
    assert table.frame["a"].nunique() == 3000 and table.frame["b"].nunique() == 13
    assert_same_table(table, read_xes_table(path, parser="reference"))
