"""analyze_export on a drop folder holding a decompression bomb, a named pipe and a good export (issue 20)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.support import shared_log


def _bomb(path: Path) -> None:
    """A gzip of about 1 MB that expands to about 1 GB of valid rows (one compressed member written 100 times:
    a gzip file may hold many members, read one after another)."""
    member = gzip.compress(b"c1;Registrera;2025-01-02 10:00\n" * 350_000, compresslevel=9)
    path.write_bytes(gzip.compress(b"case;activity;timestamp\n") + member * 100)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_bomb_and_fifo_quarantined_with_reasons_good_export_analysed(prefect_harness, tmp_path):
    from flows.analyze_export import analyze_export

    drop, out = tmp_path / "drop", tmp_path / "reports"
    drop.mkdir()
    shutil.copy(shared_log("running-example.csv"), drop / "good.csv")
    _bomb(drop / "bomb.csv.gz")
    os.mkfifo(drop / "export.csv")  # nobody ever writes to it: opening it would block the flow for ever

    result = analyze_export(str(drop), str(out))

    assert [item["file"] for item in result["analysed"]] == ["good.csv"]
    summary = json.loads((out / "good" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["cases"], summary["events"]) == (6, 42)
    quarantine = drop / "quarantine"
    assert sorted(p.name for p in quarantine.iterdir()) == [
        "bomb.csv.gz", "bomb.csv.gz.error.txt", "export.csv", "export.csv.error.txt"]
    bomb = (quarantine / "bomb.csv.gz.error.txt").read_text(encoding="utf-8")
    assert bomb.count("\n") == 1 and "bomb.csv.gz" in bomb and "compression ratio" in bomb and "max_ratio" in bomb
    fifo = (quarantine / "export.csv.error.txt").read_text(encoding="utf-8")
    assert fifo.count("\n") == 1 and "export.csv" in fifo and "named pipe" in fifo
    assert {Path(q["file"]).name for q in result["quarantined"]} == {"bomb.csv.gz", "export.csv"}
    assert not (out / "bomb").exists() and not (out / "export").exists()
