"""The CSV read the command line starts before pandas is imported (ingest/arrow_csv.py): same log, or none used."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from processmining.ingest import read_log
from processmining.ingest.arrow_csv import start_reading
from processmining.log import EventLog
from tests.support import ROOT

from ._util import write_csv

ROWS = [
    ["D-2025-001", "Ansökan inkommen", "2025-03-14 09:12", "Åsa Öberg", "Enhet Söder", "12 500,50"],
    ["D-2025-001", "Beslut fattat", "2025-03-20 10:00", "Åsa Öberg", "Enhet Söder", "12 500,50"],
    ["D-2025-002", "Ansökan inkommen", "2025-03-15 08:00", "Örjan Ärlig", "Enhet Norr", "300"],
]

DEMO = ROOT / "event_logs" / "demo.csv"
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"


def _same(left: EventLog, right: EventLog) -> None:
    pd.testing.assert_frame_equal(left.events, right.events, check_exact=True)
    pd.testing.assert_frame_equal(left.rejects, right.rejects, check_exact=True)
    assert left.source.notes == right.source.notes
    assert left.source.rows_read == right.source.rows_read
    assert left.source.sha256 == right.source.sha256


def test_the_command_line_and_the_early_reader_load_without_pandas() -> None:
    """What lets the read start first: nothing the command line imports before it loads pandas (pyarrow
    brings numpy; that is all)."""
    code = ("import sys, processmining.cli, processmining.ingest.arrow_csv, processmining.render.parallel\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'processmining.log', 'processmining.ingest.reader')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_started_read_gives_the_same_log() -> None:
    started = start_reading(DEMO, profile=DEMO_PROFILE)
    assert started is not None
    early = read_log(DEMO, profile=DEMO_PROFILE, started=started)
    _same(early, read_log(DEMO, profile=DEMO_PROFILE))
    assert started.take(DEMO, started.layout) == (False, None)  # taken once: the table is not kept


def test_a_read_started_for_another_file_is_not_used(tmp_path: Path) -> None:
    other = write_csv(tmp_path / "other.csv", ROWS)
    started = start_reading(other)
    assert started is not None
    log = read_log(DEMO, profile=DEMO_PROFILE, started=started)
    _same(log, read_log(DEMO, profile=DEMO_PROFILE))
    taken, table = started.take(other, started.layout)  # still there for its own file
    assert taken and table is not None and table.num_rows == len(ROWS)


def test_a_file_pyarrow_refuses_is_read_again_with_its_rejects(tmp_path: Path) -> None:
    """A row with a field too many and a Windows-1252 byte: the started read gets nothing, and the reader
    reads the file through its stream as before (the row rejected with its number, the byte decoded)."""
    path = write_csv(tmp_path / "damaged.csv", ROWS)
    path.write_bytes(path.read_bytes() + b"D-2025-003;Beslut fattat;2025-03-21 10:00;x;y;1;extra\n"
                     + b"D-2025-004;Beslut fattat;2025-03-22 10:00;Kaj \xe9k;Enhet Norr;2\n")
    started = start_reading(path, profile=None)
    assert started is not None
    early = read_log(path, started=started, pseudonymise=False)
    _same(early, read_log(path, pseudonymise=False))
    assert early.rejects["row"].tolist() == [5]
    assert any("Windows-1252" in note for note in early.source.notes)


def test_no_read_is_started_where_pyarrow_cannot_read_the_file_itself(tmp_path: Path) -> None:
    cp1252 = write_csv(tmp_path / "export.csv", ROWS, encoding="cp1252")
    packed = tmp_path / "export.csv.gz"
    packed.write_bytes(gzip.compress(write_csv(tmp_path / "plain.csv", ROWS).read_bytes()))
    bad_profile = tmp_path / "bad.toml"
    bad_profile.write_text("[csv]\nencoding = 'no-such-encoding'\n", encoding="utf-8")
    assert start_reading(cp1252) is None
    assert start_reading(packed) is None
    assert start_reading(tmp_path / "missing.csv") is None
    assert start_reading(ROOT / "event_logs" / "README.md") is None
    assert start_reading(tmp_path / "plain.csv", profile=bad_profile) is None  # read_log names the problem


@pytest.mark.parametrize("workers", ["on", "off"])
def test_analyze_from_the_command_line_equals_the_library(tmp_path: Path, workers: str) -> None:
    """The console command (started read, chart worker forked before pandas) writes the summary the library
    writes for the same file."""
    import json

    from processmining.analysis import analyze_log, summary_of

    out = tmp_path / "out"
    env = {**os.environ, "PROCESSMINING_WORKERS": workers}
    done = subprocess.run([sys.executable, "-m", "processmining", "analyze", str(DEMO), "--profile", str(DEMO_PROFILE),
                           "--out", str(out), "--quiet"], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr
    written = json.loads((out / "summary.json").read_text("utf-8"))
    expected = summary_of(analyze_log(read_log(DEMO, profile=DEMO_PROFILE)))
    for key in ("events", "cases", "variants", "rejected_rows", "throughput_workdays", "edges", "source"):
        assert written[key] == json.loads(json.dumps(expected[key], ensure_ascii=False)), key
