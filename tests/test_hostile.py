"""Hostile and careless exports (issue 20): every file a clear answer, bounded time and memory.

Files are BUILT here, class by class (labels that break renderers, terminal escapes, non-regular files,
timestamps at the edges, typed inputs, structure, decompression bombs), partly by Hypothesis. For each the
outcome is one of two: exit 0 with every row accounted for (rows read = kept + rejected + duplicates), or
exit 1 with one line naming the file and what to do. Never a traceback, never a hang (every command runs
under a timeout), never a control character from the data on the terminal, peak memory under 2 GB.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processmining.errors import LimitExceededError, ProcessMiningError
from processmining.ingest import read_log
from processmining.ingest.limits import Limits, parse_size, resolve_limits
from processmining.ingest.timestamps import FIRST_YEAR, LAST_YEAR
from processmining.textsafe import dot_html, dot_text, terminal_text, visible, xml_text

ROOT = Path(__file__).resolve().parents[1]
KEY = "test-key-not-secret-0123456789abcdef"
#: Control characters that must never reach a terminal raw (tab and newline are layout, not escapes).
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
TIMEOUT = 120
HEADER = "Case ID;Activity;Timestamp"


def cli(*args: str, timeout: int = TIMEOUT, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """The command line in a fresh process, under a timeout (a hang fails the test, it does not hang it), run in
    the input's folder (``validate`` writes its rejects file into the working folder)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROCESSMINING_PSEUDONYM_KEY": KEY,
           "PM4PY_SHOW_PROGRESS_BAR": "False", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "processmining", *args], capture_output=True, timeout=timeout,
                          env=env, cwd=cwd or Path(args[1]).parent, check=False)


def assert_clear_answer(run: subprocess.CompletedProcess[bytes], path: Path) -> None:
    """Exit 0, or exit 1 with one line naming the file; no traceback, no raw control character, < 2 GB."""
    both = run.stdout + run.stderr
    assert b"Traceback" not in both, both.decode("utf-8", "replace")[-2000:]
    assert not RAW_CONTROL.search(both), RAW_CONTROL.search(both)
    assert run.returncode in (0, 1), (run.returncode, run.stderr[-2000:])
    if run.returncode == 1:
        lines = run.stderr.decode("utf-8").strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and path.name in lines[0], lines
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    assert peak_kib < 2 * 1024 * 1024, f"peak memory {peak_kib / 1024:.0f} MiB"


def validate(path: Path, *extra: str) -> dict | None:
    """``validate --json``: the summary when exit 0 (its rows accounted for), ``None`` when exit 1."""
    run = cli("validate", str(path), "--json", *extra)
    assert_clear_answer(run, path)
    if run.returncode == 1:
        return None
    summary = json.loads(run.stdout)
    assert summary["source"]["rows_read"] == summary["events"] + summary["rejected_rows"] + \
        summary["duplicates_removed"]
    return summary


def refused(path: Path, *words: str) -> str:
    run = cli("validate", str(path))
    assert_clear_answer(run, path)
    assert run.returncode == 1, run.stdout[-500:]
    message = run.stderr.decode("utf-8")
    for word in words:
        assert word in message, message
    return message


# ---- 1. one rule per destination ------------------------------------------------------------------------------
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60))
@settings(max_examples=300, deadline=None)
def test_every_destination_gets_no_forbidden_character(text: str) -> None:
    for safe in (visible(text), xml_text(text), dot_text(text), dot_html(text), terminal_text(text)):
        assert not UNSAFE.search(safe)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", terminal_text(text))
    if not UNSAFE.search(text) and "\\" not in text:
        assert dot_text(text) == text and xml_text(text) == text  # a plain label stays as it is


_pieces = st.one_of(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), min_size=1, max_size=5),
                    st.sampled_from(["\\", '"', "<", ">", "&", "\x1b[2J", "\x00", "\u202e", "\\N", "\\l", "\ud800"]))


@given(st.lists(st.lists(_pieces, min_size=1, max_size=6).map("".join), min_size=1, max_size=4, unique=True))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_label_renders_with_dot_and_writes_as_graphml(tmp_path_factory: pytest.TempPathFactory,
                                                          labels: list[str]) -> None:
    import graphviz

    from processmining.render.dot import pipe_dot

    dot = graphviz.Digraph()
    for i, label in enumerate(labels):
        dot.node(f"n{i}", label=dot_text(label))
        dot.node(f"h{i}", label=f"<<B>{dot_html(label)}</B>>")
    svg = pipe_dot(dot.source, "svg")
    assert svg.count(b"<g id=\"node") == 2 * len(labels)
    graph = nx.DiGraph()
    graph.add_edges_from(zip(labels, labels[1:], strict=False))
    graph.add_nodes_from(labels)
    graph = nx.relabel_nodes(graph, {n: xml_text(n) for n in graph.nodes})
    out = tmp_path_factory.mktemp("g") / "g.graphml"
    nx.write_graphml(graph, out)
    assert nx.read_graphml(out).number_of_nodes() == len({xml_text(n) for n in labels})


def _label_log(path: Path, seed: int) -> None:
    """A log whose few odd cases carry labels that broke the renderers and wrote escapes to the terminal."""
    import random

    rnd = random.Random(seed)
    nasty = ["Ansökan\\", "Granska\x1b[2J\x1b[?1049h\x1b]0;title\x07", "Beslut\x01X", 'Kvot"er<b>x</b>&amp;',
             "Utbetala\u202eevil", "Slut\\N\\l", "Nul\x1bc", "\x9bCSI"]
    rnd.shuffle(nasty)
    plain = ["Registrera", "Granska", "Komplettera", "Besluta", "Betala"]
    units = ["Enhet\x1bA", "Enhet\\", "Enhet<C>"]
    rows = [HEADER + ";Resource;Unit"]
    for case in range(300):
        odd = case % 30 == 0
        acts = nasty if odd else plain
        when = pd.Timestamp("2025-02-03 09:00")
        for i, activity in enumerate(acts):
            when += pd.Timedelta(hours=rnd.randint(300, 400) if odd else rnd.randint(1, 40))  # odd ones wait long
            unit = units[(case + i) % 3] if odd else "Norr"
            quoted = activity.replace('"', '""')
            rows.append(f'c{case};"{quoted}";{when:%Y-%m-%d %H:%M};r{rnd.randint(1, 6)};{unit}')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.mark.parametrize("command", ["bottlenecks", "handovers", "discover"])
def test_labels_from_the_data_never_break_a_command_or_the_terminal(tmp_path: Path, command: str) -> None:
    path = tmp_path / "labels.csv"
    _label_log(path, seed=len(command))
    run = cli(command, str(path), "--out", str(tmp_path / "out"))
    assert_clear_answer(run, path)
    assert run.returncode == 0, run.stderr[-1500:]
    if command == "bottlenecks":
        assert b"\\x1b" in run.stdout  # the escape is shown, recognisably, not sent
    for file in (tmp_path / "out").iterdir():
        if file.suffix in (".svg", ".graphml", ".gexf", ".bpmn", ".pnml"):
            assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", file.read_bytes()), file.name
            if file.suffix != ".svg":
                from lxml import etree

                etree.parse(str(file))  # well-formed XML


@pytest.mark.parametrize("command", ["bottlenecks", "candidates"])
def test_json_on_the_terminal_carries_no_control_character(tmp_path: Path, command: str) -> None:
    path = tmp_path / "labels.csv"
    _label_log(path, seed=3)
    run = cli(command, str(path), "--json")
    assert_clear_answer(run, path)
    assert run.returncode == 0, run.stderr[-1500:]
    document = json.loads(run.stdout)
    assert "\x9b" in json.dumps(document, ensure_ascii=False)  # the name is there, and was sent escaped:
    assert b"\\u009b" in run.stdout and b"\xc2\x9b" not in run.stdout


# ---- 2. limits with names -------------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
@pytest.mark.parametrize("name", ["export.csv", "log.xes", "book.xlsx", "log.xes.gz"])
def test_a_named_pipe_is_refused_without_being_opened(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    os.mkfifo(path)
    refused(path, "named pipe", "regular file")


def test_a_folder_named_like_a_log_is_refused(tmp_path: Path) -> None:
    (tmp_path / "export.csv").mkdir()
    refused(tmp_path / "export.csv", "folder")


def _gzip_members(head: bytes, body: bytes, copies: int) -> bytes:
    """A gzip file of many members (read one after the other): ``copies`` times ``body`` after ``head``."""
    return gzip.compress(head) + gzip.compress(body, compresslevel=9) * copies


@pytest.mark.parametrize(("name", "head", "body"), [
    ("rows.csv.gz", f"{HEADER}\n".encode(), b"c1;a;2025-01-02 10:00\n" * 400_000),
    ("zeros.csv.gz", f"{HEADER}\nc1;a;2025-01-02 10:00\n".encode(), b"0" * 8_000_000),
    ("log.xes.gz", b'<?xml version="1.0"?><log xes.version="1.0"><trace>',
     b'<event><string key="concept:name" value="a"/><date key="time:timestamp" value="2025-01-02T10:00:00"/></event>'
     * 80_000),
])
def test_a_gzip_bomb_is_stopped_early_with_the_limit_named(tmp_path: Path, name: str, head: bytes, body: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(_gzip_members(head, body, 120))  # 1 GB behind a few MB
    assert path.stat().st_size < 10_000_000
    message = refused(path)
    assert ("compression ratio" in message and "max_ratio" in message) or \
        ("line length" in message and "max_line" in message), message


def test_a_line_that_never_ends_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "endless.csv"
    with path.open("wb") as out:
        out.write(f"{HEADER}\nc1;a;2025-01-02 10:00\nc2;a;2025-01-02 10:00\nc3;".encode())
        out.write(b"x" * 20_000_000)
    message = refused(path, "line 4", "line length", "PROCESSMINING_MAX_LINE")
    assert "pyarrow" not in message.lower() and "straddling" not in message


def test_a_long_line_is_read_once_the_limit_is_raised(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(f"{HEADER};Note\nc1;a;2025-01-02 10:00;{'x' * 2_000_000}\nc1;b;2025-01-03 10:00;y\n",
                    encoding="utf-8")
    with pytest.raises(LimitExceededError, match="line 2 .*max_line"):
        read_log(path, pseudonymise=False, limits=Limits(max_line_bytes=1_000_000))
    profile = tmp_path / "p.toml"
    profile.write_text('name = "p"\n[limits]\nmax_line = "3MB"\n', encoding="utf-8")
    log = read_log(path, pseudonymise=False, profile=profile)
    assert log.n_events == 2


def test_a_header_of_ten_thousand_columns_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    extra = [f"Kolumn {i}" for i in range(10_000)]
    rows = [";".join([*HEADER.split(";"), *extra])]
    rows += [";".join([f"c{i}", "a", f"2025-01-0{2 + i} 10:00", *(["v"] * 10_000)]) for i in range(4)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    log = read_log(path, pseudonymise=False)
    assert (log.n_events, len(log.rejects)) == (4, 0)
    with pytest.raises(LimitExceededError, match="header .*line 1.*max_header"):
        read_log(path, pseudonymise=False, limits=Limits(max_header_bytes=100_000))


def _workbook(rows: list[list[object]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_bomb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    source = zipfile.ZipFile(io.BytesIO(_workbook([HEADER.split(";"), ["c1", "a", "2025-01-02 10:00"]])))
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, source.read(info.filename))
                continue
            with out.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                row = b'<row><c t="inlineStr"><is><t>c</t></is></c></row>' * 20_000
                for _ in range(500):
                    sheet.write(row)
                sheet.write(b"</sheetData></worksheet>")
    refused(path, "compression ratio", "max_ratio")


def test_a_parquet_bomb_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "bomb.parquet"
    n = 100_000
    long_value = pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array(["x" * 50_000]))
    pq.write_table(pa.table({"Case ID": ["c"] * n, "Activity": long_value, "Timestamp": ["2025-01-02 10:00"] * n}),
                   path, compression="zstd")
    assert path.stat().st_size < 1_000_000
    refused(path, "compression ratio", "max_ratio")


def test_limits_are_read_from_sizes_a_person_writes() -> None:
    assert parse_size("20GB", what="x") == 20 * 10**9
    assert parse_size("1.5 MiB", what="x") == 1_572_864
    limits = resolve_limits({"max_ratio": 500, "max_decompressed": "50GB"}, environ={"PROCESSMINING_MAX_LINE": "64MB"})
    assert limits == Limits(max_decompressed_bytes=50 * 10**9, max_compression_ratio=500.0,
                            max_line_bytes=64 * 10**6)
    with pytest.raises(ProcessMiningError, match=r"\[limits\] max_ratio"):
        resolve_limits({"max_ratio": "many"})


# ---- 3. timestamps at the edges -------------------------------------------------------------------------------
_offsets = st.one_of(st.just(""), st.just("Z"), st.builds(
    lambda sign, h, m, colon: f"{sign}{h:02d}{':' if colon else ''}{m:02d}",
    st.sampled_from("+-"), st.integers(0, 99), st.integers(0, 99), st.booleans()))
_times = st.builds(
    lambda y, mo, d, h, mi, s, frac, sep, off: f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}{frac}{off}",
    st.one_of(st.integers(1, 9999), st.sampled_from([1677, 1678, 2261, 2262, 2263, 9999])),
    st.integers(1, 12), st.integers(1, 28), st.integers(0, 23), st.integers(0, 59), st.integers(0, 59),
    st.sampled_from(["", ".5", ".854775807", ".999999999"]), st.sampled_from(["T", " "]), _offsets)


@given(st.lists(_times, min_size=1, max_size=25))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_accepted_time_fits_and_every_refused_one_says_why(tmp_path: Path, times: list[str]) -> None:
    path = tmp_path / "times.csv"
    path.write_text(HEADER + "\n" + "".join(f"c{i};a;{t}\n" for i, t in enumerate(times)), encoding="utf-8")
    try:
        log = read_log(path, pseudonymise=False, now=pd.Timestamp("2030-01-01", tz="UTC"))
    except ProcessMiningError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
        return
    assert log.source.rows_read == log.n_events + len(log.rejects) + log.source.duplicates_removed == len(times)
    stamps = log.events["time:timestamp"]
    assert stamps.dt.year.between(FIRST_YEAR, LAST_YEAR + 1).all()
    reasons = set(log.rejects["reason"])
    assert reasons <= {"timestamp outside the representable range (years 1678-2261)",
                       "impossible UTC offset (beyond ±18:00, or minutes of 60 or more)", "unparseable timestamp",
                       "timestamp before 1990-01-01 (implausible)", "timestamp in the future"}
    for text in times:
        zone = re.search(r"([+-])(\d{2}):?(\d{2})$", text)
        if zone and (int(zone.group(3)) >= 60 or int(zone.group(2)) * 60 + int(zone.group(3)) > 18 * 60):
            assert text in set(log.rejects["value"]), text  # never accepted as a shifted time


def test_edge_times_name_their_reason(tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    times = ["2262-04-11 23:47:16", "2262-04-11T23:47:16.854775807", "10000-01-01 10:00", "2263-01-01 10:00",
             "1500-01-01 10:00", "2025-03-14T10:00:00+25:00", "2025-03-14T10:00:00+99:99", "2025-03-14T10:00:00-30:00",
             "2025-03-14T10:00:00+05:75", "1985-05-01 10:00", "2029-05-01 10:00", "2025-03-14T10:00:00+18:00"]
    path.write_text(HEADER + "\n" + "".join(f"c{i};a;{t}\n" for i, t in enumerate(times)), encoding="utf-8")
    log = read_log(path, pseudonymise=False, now=pd.Timestamp("2026-01-01", tz="UTC"))
    by_value = dict(zip(log.rejects["value"], log.rejects["reason"], strict=True))
    outside = "timestamp outside the representable range (years 1678-2261)"
    offset = "impossible UTC offset (beyond ±18:00, or minutes of 60 or more)"
    assert by_value == {
        "2262-04-11 23:47:16": outside, "2262-04-11T23:47:16.854775807": outside, "10000-01-01 10:00": outside,
        "2263-01-01 10:00": outside, "1500-01-01 10:00": outside, "2025-03-14T10:00:00+25:00": offset,
        "2025-03-14T10:00:00+99:99": offset, "2025-03-14T10:00:00-30:00": offset, "2025-03-14T10:00:00+05:75": offset,
        "1985-05-01 10:00": "timestamp before 1990-01-01 (implausible)", "2029-05-01 10:00": "timestamp in the future",
    }
    assert log.n_events == 1  # +18:00 is the largest offset a clock has


# ---- 4. typed inputs ------------------------------------------------------------------------------------------
def test_parquet_with_undecodable_bytes_odd_types_and_far_times_gives_rows_or_rejects(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "typed.parquet"
    n = 6
    pq.write_table(pa.table({
        "Case ID": pa.array([b"c1", b"c\xff\xfe2", b"c3", b"c4", b"c5", b"c6"]),
        "Activity": pa.array([b"a", b"\xe5\xe4", b"a", b"b", b"b", b"c"]),
        "Timestamp": pa.array([1_600_000_000_000_000 + i * 10**9 for i in range(n - 1)] + [253_402_300_800_000_000],
                              pa.timestamp("us")),
        "list": pa.array([[i] for i in range(n)]), "struct": pa.array([{"x": i} for i in range(n)]),
        "duration": pa.array(list(range(n)), pa.duration("s")), "time": pa.array(list(range(n)), pa.time32("s")),
    }), path)
    summary = validate(path)
    assert summary is not None and summary["events"] == 5 and summary["rejected_rows"] == 1
    assert list(summary["rejects_by_reason"]) == ["timestamp outside the representable range (years 1678-2261)"]
    assert any("not UTF-8" in note for note in summary["notes"])


def test_xlsx_formulas_without_saved_values_say_why(tmp_path: Path) -> None:
    path = tmp_path / "formulas.xlsx"
    path.write_bytes(_workbook([HEADER.split(";")] + [['="c"&ROW()', '="a"', "=DATE(2025,1,2)"]] * 5))
    refused(path, "formulas whose values were never saved", "Case ID", "save it again")


# ---- structure, by Hypothesis: whatever the bytes, a clear answer -----------------------------------------------
_cells = st.one_of(st.sampled_from(["c1", "c2", "Registrera", "2025-01-02 10:00", "", '"', '""', ";", "\\", "\r",
                                    "\x1b[2J", "=1+1", "ÅÄÖ", "\xe5"]),
                   st.text(max_size=12))


@given(st.lists(st.lists(_cells, min_size=0, max_size=5), min_size=1, max_size=30), st.booleans())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_csv_gives_rows_accounted_for_or_one_clear_line(tmp_path: Path, rows: list[list[str]], gz: bool) -> None:
    body = "\n".join(";".join(row) for row in rows) + "\n"
    data = (HEADER + "\n" + body).encode("utf-8", "surrogatepass")
    path = tmp_path / ("fuzz.csv.gz" if gz else "fuzz.csv")
    path.write_bytes(gzip.compress(data) if gz else data)
    try:
        log = read_log(path, pseudonymise=False)
    except ProcessMiningError as exc:
        message = str(exc)
        assert str(path) in message and "\n" not in message
        return
    assert log.source.rows_read == log.n_events + len(log.rejects) + log.source.duplicates_removed


def test_an_unbalanced_quote_is_a_clear_answer(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    rows = [f"c{i};a;2025-01-02 10:00" for i in range(200)]
    rows[10] = 'c10;"Granska;2025-01-02 10:00'
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    validate(path)


def test_summary_json_lists_at_most_the_most_frequent_edges_and_every_edge_goes_to_a_csv(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A log with far more distinct edges than anyone can read: summary.json stays bounded and says where the
    rest is; edges.csv beside it holds every edge (issue 20: top-N in the outputs, the full table as CSV)."""
    import pandas as pd

    from processmining import analysis, reports
    from processmining.analysis import analyze_log, summary_of
    from processmining.ingest import read_log
    from processmining.reports import write_reports

    rows = [(f"c{i // 3}", f"Steg {i}", f"2024-01-{1 + (i % 3):02d} 10:00:00") for i in range(3 * 40)]
    pd.DataFrame(rows, columns=["Ärende", "Aktivitet", "Tidpunkt"]).to_csv(tmp_path / "wide.csv", index=False)
    log = read_log(tmp_path / "wide.csv", pseudonymise=False)
    result = analyze_log(log)
    monkeypatch.setattr(analysis, "SUMMARY_MAX_EDGES", 25)  # the bound the code reads, small for a small log
    monkeypatch.setattr(reports, "SUMMARY_MAX_EDGES", 25)
    summary = summary_of(result)
    written = write_reports(result, tmp_path / "out", excel=False, html=False, maps=False)
    assert len(result.dfg.edges) == 80 and len(summary["edges"]) == 25 and summary["edges_omitted"] == 55
    assert "edges.csv" in summary["edges_note"]
    every = pd.read_csv(tmp_path / "out" / "edges.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert len(every) == 80 and (tmp_path / "out" / "edges.csv") in written
    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["edges_omitted"] == 55
