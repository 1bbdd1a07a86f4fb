"""`processmining analyze`: every report from one run, the same figures everywhere, planted findings found."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from typer.testing import CliRunner

from processmining.cli import app
from processmining.log import ACTIVITY, CASE, TIMESTAMP
from processmining.simulate import PLANTED_AUTOMATION_CANDIDATE, PLANTED_BOTTLENECK
from tests.support import ROOT, shared_log

DEMO = ROOT / "event_logs" / "demo.csv"
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
DEMO_TARGETS = ROOT / "event_logs" / "demo_targets.toml"


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["analyze", str(DEMO), "--profile", str(DEMO_PROFILE), "--targets",
                                      str(DEMO_TARGETS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "summary.json").read_text(encoding="utf-8")), result.stdout


def test_writes_every_report_and_says_what_to_fix_first(demo_reports):
    out, summary, stdout = demo_reports
    names = {p.name for p in out.iterdir()}
    for name in ("summary.json", "bottlenecks.xlsx", "report.html", "process_map.svg", "process_map.png",
                 "process_map_performance.svg", "handovers.graphml", "rejects.csv"):
        assert name in names, name
    assert not [n for n in names if n.endswith(".tmp")]
    first = summary["bottlenecks"][0]
    assert (first["from"], first["to"]) == PLANTED_BOTTLENECK
    assert first["text_sv"] in stdout
    ranked = [c for c in summary["automation_candidates"] if c["status"] == "ranked"]
    assert ranked[0]["activity"] == PLANTED_AUTOMATION_CANDIDATE
    assert f"Automatisera först: {PLANTED_AUTOMATION_CANDIDATE}" in stdout


def test_summary_has_the_design_shape_and_counts_add_up(demo_reports):
    _out, summary, _ = demo_reports
    for key in ("source", "events", "cases", "activities", "variants", "rejected_rows", "duplicates_removed",
                "start", "end", "throughput_days", "edges", "bottlenecks", "handovers", "automation_candidates"):
        assert key in summary, key
    src = summary["source"]
    assert src["sha256"] == hashlib.sha256(DEMO.read_bytes()).hexdigest()
    assert src["rows_read"] == summary["events"] + summary["rejected_rows"] + summary["duplicates_removed"]
    assert (summary["cases"], summary["events"], summary["variants"]) == (3000, 28391, 39)
    assert sum(summary["rejects_by_reason"].values()) == summary["rejected_rows"]
    assert summary["sla"]["attribute"] == "case:program" and summary["sla"]["targets"]["default"] == 40.0
    assert summary["handovers"]["level"] == "unit" and summary["handovers"]["handovers"] > 0


def test_edges_equal_an_independent_pandas_count(demo_reports):
    _out, summary, _ = demo_reports
    from processmining.ingest import read_log

    ev = read_log(DEMO, profile=DEMO_PROFILE).events
    ev = ev.sort_values([CASE, TIMESTAMP, "@@source_row"], kind="stable")
    nxt = ev.groupby(CASE)[ACTIVITY].shift(-1)
    expected = pd.DataFrame({"a": ev[ACTIVITY], "b": nxt}).dropna().value_counts().to_dict()
    got = {(e["from"], e["to"]): e["count"] for e in summary["edges"]}
    assert got == expected


def test_rejects_file_lists_every_rejected_row(demo_reports):
    out, summary, _ = demo_reports
    rejects = pd.read_csv(out / "rejects.csv", sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(rejects.columns) == ["row", "column", "value", "reason"]
    assert len(rejects) == summary["rejected_rows"] > 0


def test_graphml_loads_back_with_the_summary_totals(demo_reports):
    out, summary, _ = demo_reports
    graph = nx.read_graphml(out / "handovers.graphml")
    assert sum(w for _, _, w in graph.edges(data="weight")) == summary["handovers"]["handovers_shown"]
    assert graph.number_of_nodes() == summary["handovers"]["nodes"]


def test_same_figures_in_summary_workbook_and_page(demo_reports):
    out, summary, _ = demo_reports
    from openpyxl import load_workbook

    wb = load_workbook(out / "bottlenecks.xlsx", read_only=True)
    cells = [c for row in wb.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert summary["cases"] in cells and summary["events"] in cells
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'data-value="3000">3\u00a0000<' in page and 'data-value="28391">28\u00a0391<' in page  # sv format
    first = summary["bottlenecks"][0]
    assert first["from"] in page and first["to"] in page


def test_receipt_log_without_profile_in_english(tmp_path):
    log = shared_log("08_receipt.xes.gz")
    result = CliRunner().invoke(app, ["analyze", str(log), "--out", str(tmp_path), "--lang", "en", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["cases"], summary["events"], summary["activities"], summary["variants"]) == (1434, 8577, 27, 116)
    assert summary["handovers"]["level"] == "unit"
    assert "Throughput" in result.stderr or "Throughput" not in result.stdout  # --json: nothing but JSON on stdout


def test_bad_input_gives_one_line_and_exit_1(tmp_path):
    junk = tmp_path / "export.csv"
    junk.write_bytes(bytes(range(256)) * 4)
    result = CliRunner().invoke(app, ["analyze", str(junk), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "export.csv" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "summary.json").exists()


def test_report_excel_only_and_usage_error(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["report", str(DEMO), "--profile", str(DEMO_PROFILE), "--out", str(tmp_path),
                             "--excel-only", "--quiet", "--lang", "en"])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "bottlenecks.xlsx").is_file() and not (tmp_path / "report.html").exists()
    both = runner.invoke(app, ["report", str(DEMO), "--out", str(tmp_path), "--excel-only", "--html-only"])
    assert both.exit_code == 2 and "exclude each other" in both.stderr


def test_dask_engine_gives_the_same_reports_as_the_local_one():
    from processmining.analysis import AnalysisOptions, analyze_log, summary_of
    from processmining.ingest import read_log

    path = shared_log("08_receipt.xes.gz")
    local = summary_of(analyze_log(read_log(path)))
    dask = summary_of(analyze_log(read_log(path), AnalysisOptions(engine="dask", partitions=3)))
    assert "core figures (dask)" in dask["timings_seconds"]
    for key in ("edges", "bottlenecks", "top_variants", "variants", "throughput_workdays", "handovers"):
        assert dask[key] == local[key], key


def test_console_script_with_and_without_the_chart_worker(tmp_path):
    """The real command in its own process, as a user runs it: exit codes and output survive the fast exit
    (cli._exit), and the chart worker changes no byte of the charts, maps or figures."""
    import os
    import subprocess
    import sys

    def run(workers: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PROCESSMINING_WORKERS": workers}
        return subprocess.run([sys.executable, "-m", "processmining", *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=300, check=False)

    outs = {}
    for workers in ("on", "off"):
        out = tmp_path / workers
        done = run(workers, "analyze", str(DEMO), "--profile", str(DEMO_PROFILE), "--out", str(out), "--json",
                   "--images")
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)  # the whole JSON reached the pipe before the process ended
        assert summary["events"] == 28_391 and len(summary["files"]) == 16
        outs[workers] = out
    for name in ("chart_throughput.png", "chart_monthly.png", "chart_wip.png", "chart_bottlenecks.png",
                 "process_map.svg", "process_map_performance.png", "handovers.graphml", "rejects.csv"):
        assert (outs["on"] / name).read_bytes() == (outs["off"] / name).read_bytes(), name
    figures = [{k: v for k, v in json.loads((outs[w] / "summary.json").read_text("utf-8")).items()
                if k not in ("provenance", "timings_seconds")} for w in ("on", "off")]
    assert figures[0] == figures[1]
    bad = run("on", "analyze", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "x"))
    assert bad.returncode == 1 and "missing.csv" in bad.stderr and "Traceback" not in bad.stderr
    usage = run("on", "report", str(DEMO), "--out", str(tmp_path / "y"), "--excel-only", "--html-only")
    assert usage.returncode == 2 and "exclude each other" in usage.stderr
