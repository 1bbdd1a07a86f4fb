"""`processmining partition`: a Parquet dataset partitioned by case, read back by `analyze DIR` into the same
EventLog, so every figure equals the export's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from processmining.analysis import AnalysisOptions, analyze_log, summary_of
from processmining.cli import app
from processmining.ingest import read_log, sha256_of
from processmining.ingest.dataset import partition_of, read_dataset, read_manifest, write_dataset
from processmining.log import CASE
from tests.support import ROOT, shared_log

DEMO = ROOT / "event_logs" / "demo.csv"
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
#: What may differ between the file and its dataset: where the events were read from, and when.
WHERE_AND_WHEN = {"source", "provenance", "timings_seconds", "files"}


def _figures(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k not in WHERE_AND_WHEN}


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_analyze_of_the_demos_dataset_gives_the_files_summary(tmp_path: Path) -> None:
    data = tmp_path / "demo-data"
    done = _run("partition", str(DEMO), "--profile", str(DEMO_PROFILE), "--out", str(data), "--partitions", "5")
    assert done.exit_code == 0, done.output
    assert "28,391 events of 1 export(s) in 5 partitions" in done.stdout
    from_file = _run("analyze", str(DEMO), "--profile", str(DEMO_PROFILE), "--out", str(tmp_path / "a"), "--json")
    from_data = _run("analyze", str(data), "--out", str(tmp_path / "b"), "--json")
    assert from_file.exit_code == 0 and from_data.exit_code == 0, from_data.output
    a, b = json.loads(from_file.stdout), json.loads(from_data.stdout)
    assert _figures(a) == _figures(b)
    assert a["events"] == 28_391 and a["rejected_rows"] == 64
    # Provenance: the same counts, mapping and notes; the dataset named as the input, the export's hash kept.
    same = ("rows_read", "events_kept", "rows_rejected", "duplicates_removed", "column_mapping", "notes",
            "pseudonymised", "sha256", "parameters")
    assert {k: a["provenance"][k] for k in same} == {k: b["provenance"][k] for k in same}
    assert b["provenance"]["input"] == str(data) and b["provenance"]["format"] == "dataset"
    # The rejects the export had are the dataset's, row for row.
    assert (tmp_path / "a" / "rejects.csv").read_bytes() == (tmp_path / "b" / "rejects.csv").read_bytes()


def test_the_manifest_and_no_case_spans_two_partitions(tmp_path: Path) -> None:
    data = tmp_path / "d"
    manifest = write_dataset([DEMO], data, profile=DEMO_PROFILE, partitions=4)
    assert manifest == read_manifest(data)
    [source] = manifest["sources"]
    assert source["sha256"] == sha256_of(DEMO)
    assert (source["rows_read"], source["rejected_rows"], source["duplicates_removed"]) == (28_505, 64, 50)
    assert manifest["events"] == sum(p["events"] for p in manifest["partitions"]) == 28_391
    seen: set[str] = set()
    for p in range(4):
        part = read_dataset(data, partition=p)
        cases = set(part.events[CASE])
        assert len(cases) == manifest["partitions"][p]["cases"] and part.n_events == manifest["partitions"][p]["events"]
        assert not cases & seen  # one case never in two partitions
        assert set(partition_of(sorted(cases), 4)) == {p}
        seen |= cases
    assert len(seen) == 3_000
    rejects = pq.read_table(data / "rejects.parquet").to_pandas()
    assert len(rejects) == 64 and set(rejects["export"]) == {str(DEMO)}
    # Stable: the same case id always lands in the same partition (blake2b, not Python's salted hash()).
    assert partition_of(["2024-0001", "2024-0001"], 16).tolist() == [partition_of(["2024-0001"], 16)[0]] * 2


@pytest.mark.parametrize("name", ["sepsis.csv", "08_receipt.xes.gz"])
def test_a_dataset_of_a_shared_log_gives_its_summary(name: str, tmp_path: Path) -> None:
    path = shared_log(name)
    write_dataset([path], tmp_path / "d", partitions=3)
    log, back = read_log(path), read_dataset(tmp_path / "d")
    assert back.events.equals(log.events)
    a = summary_of(analyze_log(log, AnalysisOptions()))
    b = summary_of(analyze_log(back, AnalysisOptions()))
    assert _figures(a) == _figures(b)
    assert a["cases"] == b["cases"] > 0


def test_several_exports_and_clear_errors(tmp_path: Path) -> None:
    lines = DEMO.read_text("utf-8-sig").splitlines(keepends=True)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(lines[0] + "".join(lines[1:14_000]), "utf-8")
    second.write_text(lines[0] + "".join(lines[14_000:]), "utf-8")
    data = tmp_path / "both"
    done = _run("partition", str(first), str(second), "--profile", str(DEMO_PROFILE), "--out", str(data), "--json")
    assert done.exit_code == 0, done.output
    manifest = json.loads(done.stdout)
    assert [s["sha256"] for s in manifest["sources"]] == [sha256_of(first), sha256_of(second)]
    log = read_dataset(data)
    assert log.n_events == manifest["events"] == sum(s["events"] for s in manifest["sources"])
    assert len(log.rejects) == manifest["rejected_rows"] == sum(s["rejected_rows"] for s in manifest["sources"])
    # A case that continues in the second export is one case in one partition.
    assert log.n_cases == 3_000
    again = _run("partition", str(first), "--profile", str(DEMO_PROFILE), "--out", str(data))
    assert again.exit_code == 1 and "exists and is not an empty folder" in again.output
    overrides = _run("analyze", str(data), "--case", "Diarienummer", "--out", str(tmp_path / "r"))
    assert overrides.exit_code == 1 and "--case" in overrides.output and "processmining partition" in overrides.output
    missing = _run("partition", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "x"))
    assert missing.exit_code == 1 and "nope.csv" in missing.output and not (tmp_path / "x").exists()
    assert not list(tmp_path.glob(".x.*"))  # the half-written folder is removed
