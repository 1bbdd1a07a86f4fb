"""The workbook's charts are native Excel charts drawn from its own cells; chart PNGs only with ``--images``."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from openpyxl.utils import range_boundaries
from typer.testing import CliRunner

from processmining.analysis import Analysis, AnalysisOptions, analyze_log, summary_of
from processmining.cli import app
from processmining.ingest import read_log
from processmining.render.chart_input import CHART_NAMES, busiest_units
from processmining.render.excel import write_workbook
from tests.support import ROOT

DEMO = ROOT / "event_logs" / "demo.csv"
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, Path]:
    analysis = analyze_log(read_log(DEMO, profile=DEMO_PROFILE), AnalysisOptions())
    path = tmp_path_factory.mktemp("charts") / "bottlenecks.xlsx"
    write_workbook(analysis, path, lang="en", summary=summary_of(analysis))
    return analysis, path


def _charts(path: Path) -> list[tuple[str, etree._Element]]:
    """Every chart part of the workbook: (part name, parsed XML)."""
    with zipfile.ZipFile(path) as z:
        return [(name, etree.fromstring(z.read(name))) for name in sorted(z.namelist())
                if re.fullmatch(r"xl/charts/chart\d+\.xml", name)]


def _cells(wb: openpyxl.Workbook, formula: str) -> list[object]:
    """The values of the cells a chart formula such as ``'Charts'!$D$6:$D$20`` names."""
    sheet, _, ref = formula.rpartition("!")
    ws = wb[sheet.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return [cell.value for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col,
                                               max_col=max_col) for cell in row]


def test_every_chart_part_draws_from_cells_of_the_workbook(demo: tuple[Analysis, Path]) -> None:
    analysis, path = demo
    charts = _charts(path)
    assert len(charts) == 4  # top bottlenecks (Summary), throughput, per month, work in progress (Charts)
    wb = openpyxl.load_workbook(path)
    for name, xml in charts:
        formulas = [f.text for f in xml.iterfind(".//c:f", NS)]
        assert formulas, name
        for formula in formulas:
            sheet = formula.rpartition("!")[0].strip("'")
            assert sheet in wb.sheetnames, (name, formula)
            values = _cells(wb, formula)
            assert values and all(v is not None for v in values), (name, formula)
    # The figures behind the charts are the analysis's: the histogram's bars are its cases per interval.
    b = analysis.bottlenecks
    hist = b.histogram[b.histogram["unit"] == "workdays"]
    throughput = next(xml for _n, xml in charts if xml.find(".//c:barDir[@val='col']", NS) is not None
                      and xml.find(".//c:lineChart", NS) is None)
    [values] = [f.text for f in throughput.iterfind(".//c:val//c:f", NS)]
    assert values.startswith("'Charts'!")
    assert _cells(wb, values) == [int(c) for c in hist["cases"]]
    [labels] = [f.text for f in throughput.iterfind(".//c:cat//c:strRef/c:f", NS)]
    assert _cells(wb, labels)[0] == f"0–{float(hist['to'].iloc[0]):.0f}"


def test_the_trend_and_wip_charts_follow_the_analysis(demo: tuple[Analysis, Path]) -> None:
    analysis, path = demo
    wb = openpyxl.load_workbook(path)
    b = analysis.bottlenecks
    charts = [xml for _n, xml in _charts(path)]
    trend = next(xml for xml in charts if xml.find(".//c:barChart", NS) is not None
                 and xml.find(".//c:lineChart", NS) is not None)
    bars = [_cells(wb, f.text) for f in trend.iterfind(".//c:barChart/c:ser/c:val//c:f", NS)]
    assert bars == [list(b.trends["cases_started"]), list(b.trends["cases_completed"])]
    [median] = [_cells(wb, f.text) for f in trend.iterfind(".//c:lineChart/c:ser/c:val//c:f", NS)]
    assert median == pytest.approx(list(b.trends["median_throughput_workdays"]))
    assert len(trend.findall(".//c:valAx", NS)) == 2  # cases on the left, working days on the right
    wip = next(xml for xml in charts if xml.find(".//c:lineChart", NS) is not None
               and xml.find(".//c:barChart", NS) is None)
    series = [(_cells(wb, s.find("c:tx//c:f", NS).text)[0], _cells(wb, s.find("c:val//c:f", NS).text))
              for s in wip.iterfind(".//c:ser", NS)]
    expected = [("All units", list(b.wip_daily["all"])),
                *[(u, list(b.wip_daily[u])) for u in busiest_units(b.wip_daily)]]
    assert series == expected
    assert len(series) == 5


def test_no_chart_pictures_without_images_and_all_four_with_it(tmp_path: Path) -> None:
    plain, pictures = tmp_path / "plain", tmp_path / "pictures"
    for out, extra in ((plain, []), (pictures, ["--images"])):
        result = CliRunner().invoke(app, ["analyze", str(DEMO), "--profile", str(DEMO_PROFILE), "--out", str(out),
                                          "--quiet", *extra])
        assert result.exit_code == 0, result.output
        assert (out / "bottlenecks.xlsx").is_file() and (out / "report.html").is_file()
    assert sorted(p.name for p in plain.glob("chart_*")) == []
    assert sorted(p.name for p in pictures.glob("chart_*.png")) == sorted(f"chart_{n}.png" for n in CHART_NAMES)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pictures.glob("chart_*.png"))
    # The page has its four SVG charts either way.
    assert (plain / "report.html").read_text("utf-8").count("<svg") >= 4
    result = CliRunner().invoke(app, ["report", str(DEMO), "--profile", str(DEMO_PROFILE), "--out",
                                      str(tmp_path / "xl"), "--excel-only", "--images", "--quiet"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "xl").glob("chart_*.png"))) == 4 and not (tmp_path / "xl" / "report.html").exists()
