"""The benchmark kit (bench/run.py) on a small simulated export: both sides analyse the same events, and the
report shows the times, the memory, the CPU seconds with their floor, and the ratios it says it shows."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(300)
def test_bench_compares_the_same_events_and_reports_cpu_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench_module()
    monkeypatch.setattr(bench, "DATA", tmp_path)  # a fresh sample, not the kept bench/data files
    monkeypatch.setitem(bench.SIZES, "10k", 10_000)
    row = bench._bench_size("10k", pm4py_side=True, xes_side=True, repeat=2)

    sample = tmp_path / "demo_10k.csv"
    rows_in_file = sum(1 for _ in sample.open(encoding="utf-8-sig")) - 1
    # A clean export: every row is an event for us and for the pm4py script alike.
    assert row["events"] == rows_in_file == row["pm4py"]["events"]
    assert 9_000 <= rows_in_file <= 11_000

    ours, theirs = row["ours"], row["pm4py"]
    for side in (ours, theirs):
        assert side["wall"] > 0 and side["pss_mb"] > 0 and side["peak_mb"] > 0
        # user + system of all the run's processes: an interpreter that imports pandas needs some
        assert 0.2 < side["cpu"] < 20 * side["wall"]
    assert len(row["ratios"]) == 2 and len(ours["walls"]) == len(theirs["walls"]) == 2
    assert ours["wall"] == pytest.approx(min(ours["walls"]), abs=0.01)  # the fastest run counts
    # Our XES reader and pm4py's read the same events from the same file; the fastest of the reads counts.
    assert row["xes_ours"]["events"] == row["xes_pm4py"]["events"] >= rows_in_file
    assert row["xes_ours"]["read"] == pytest.approx(min(row["xes_ours"]["reads"]), abs=0.01)

    text = bench._report([row], 2)
    lines = text.splitlines()
    main = next(line for line in lines if line.startswith("| 10k | "))
    assert f"{ours['wall']:.1f}" in main and f"{theirs['wall']:.1f}" in main
    assert f"{theirs['wall'] / ours['wall']:.1f}x" in main
    cpu_header = lines.index(next(line for line in lines if line.startswith("| size | analyze (s) | its CPU (s)")))
    cpu_row = lines[cpu_header + 2]
    cores = os.cpu_count() or 1
    cells = [c.strip() for c in cpu_row.strip("|").split("|")]
    assert cells[:6] == ["10k", f"{ours['wall']:.1f}", f"{ours['cpu']:.1f}", f"{ours['cpu'] / cores:.1f}",
                         f"{theirs['wall']:.1f}", f"{theirs['cpu']:.1f}"]
    assert re.search(r"\| 10k \| [\d,]+ \| [\d.]+ \| - \| [\d.]+ \|", text)  # the scaling table's first row
    # The input named with its SHA-256, so a figure can be traced to the file it was measured on.
    digest = hashlib.sha256(sample.read_bytes()).hexdigest()
    assert f"demo_10k.csv {sample.stat().st_size / 2**20:,.1f} MB, SHA-256 {digest[:16]}" in text
    xes_row = next(line for line in lines if line.startswith("| 10k | ") and line.count("|") == 10)
    o, p = row["xes_ours"], row["xes_pm4py"]
    assert f"| {o['read']:.2f} |" in xes_row and f"{p['read'] / o['read']:.1f}x" in xes_row


def test_bench_sample_is_made_again_when_the_simulator_changed(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench_module()
    monkeypatch.setattr(bench, "DATA", tmp_path)
    monkeypatch.setitem(bench.SIZES, "2k", 2_000)
    path = bench._sample("2k", "csv")
    recipe = tmp_path / "demo_2k.csv.json"
    made = json.loads(recipe.read_text(encoding="utf-8"))
    assert made["cases"] == round(2_000 / bench.EVENTS_PER_CASE) and len(made["simulator_sha256"]) == 64
    path.write_text("stale\n", encoding="utf-8")  # a kept file with a matching recipe is used as it is
    assert bench._sample("2k", "csv").read_text(encoding="utf-8") == "stale\n"
    recipe.write_text(json.dumps({**made, "simulator_sha256": "0" * 64}), encoding="utf-8")  # another simulator
    again = bench._sample("2k", "csv").read_text(encoding="utf-8-sig")
    assert again.startswith("Diarienummer;Aktivitet;") and len(again.splitlines()) > 1_000
    assert json.loads(recipe.read_text(encoding="utf-8")) == made
