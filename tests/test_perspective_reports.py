"""The groups side by side in both reports (``AnalysisOptions(by=...)``): the workbook's Perspektiv sheet and the
page's Perspektiv section, the planted finding of the demo readable in both, text that stays text and is escaped,
and neither without ``by``."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from lxml import html as lxml_html

from processmining.analysis import Analysis, AnalysisOptions, analyze_log, summary_of
from processmining.log import ACTIVITY, CASE, TIMESTAMP, EventLog
from processmining.render.excel import sheet_names, write_workbook
from processmining.render.html import render_html
from tests.support import ROOT
from tests.test_excel import column, tables, texts

DEMO = ROOT / "event_logs" / "demo.csv"
PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
EVIL = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def demo() -> tuple[Analysis, dict[str, Any]]:
    """The demo log compared by region (the planted finding: Skåne waits about 3x longer after allocation)."""
    from processmining.ingest import read_log

    analysis = analyze_log(read_log(DEMO, profile=PROFILE), AnalysisOptions(by="region"))
    assert analysis.perspectives is not None
    return analysis, summary_of(analysis)


@pytest.fixture(scope="module")
def without_by(demo: tuple[Analysis, dict[str, Any]]) -> Analysis:
    """The same analysis as a run without ``by`` (the renderers look only at ``perspectives``)."""
    analysis = demo[0]
    return dataclasses.replace(analysis, options=dataclasses.replace(analysis.options, by=None), perspectives=None)


@pytest.fixture(scope="module")
def demo_wb(demo: tuple[Analysis, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    analysis, summary = demo
    path = write_workbook(analysis, tmp_path_factory.mktemp("persp") / "bottlenecks.xlsx", summary=summary)[0]
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def demo_page(demo: tuple[Analysis, dict[str, Any]]) -> str:
    analysis, summary = demo
    return render_html(analysis, summary=summary)


# ---- the workbook ------------------------------------------------------------------------------------------
def test_the_perspectives_sheet_follows_the_units_sheet(demo_wb: openpyxl.Workbook, tmp_path: Path,
                                                        demo: tuple[Analysis, dict[str, Any]]) -> None:
    names = demo_wb.sheetnames
    assert names == sheet_names(with_perspectives=True)
    assert names.index("Perspektiv") == names.index("Enheter") + 1
    analysis, summary = demo
    english = openpyxl.load_workbook(write_workbook(analysis, tmp_path / "en.xlsx", lang="en", summary=summary)[0])
    assert english.sheetnames == sheet_names(lang="en", with_perspectives=True)
    assert english.sheetnames[english.sheetnames.index("Units") + 1] == "Perspectives"
    ws = english["Perspectives"]
    assert analysis.perspectives is not None
    assert analysis.perspectives.differences["text_en"].iloc[0] in texts(ws)


def test_skane_heads_the_differences_table_with_the_analysis_ratio(demo_wb: openpyxl.Workbook,
                                                                   demo: tuple[Analysis, dict[str, Any]]) -> None:
    result = demo[0].perspectives
    assert result is not None
    first = result.differences.iloc[0]
    ws = demo_wb["Perspektiv"]
    assert tables(ws)["tblPerspectiveDifferences"] == [
        "Grupp", "Från", "Till", "Gruppens median väntan (arbetsdagar)", "Övrigas median väntan (arbetsdagar)",
        "Kvot (gruppen / övriga)", "Skillnad (arbetsdagar)", "Övergångar (gruppen)",
        "p-värde (Mann–Whitney, ensidigt)", "I ord"]
    groups = column(ws, "tblPerspectiveDifferences", "Grupp")
    assert groups[0].value == "Skåne" == first["group"]
    ratio = column(ws, "tblPerspectiveDifferences", "Kvot (gruppen / övriga)")[0]
    assert ratio.value == pytest.approx(float(first["ratio"]), rel=1e-12) and ratio.value > 2
    assert ratio.number_format == "0.00"
    words = column(ws, "tblPerspectiveDifferences", "I ord")[0]
    assert words.value == first["text_sv"] and words.value.startswith("Ärenden från Skåne väntar")
    assert words.data_type == "s"
    assert column(ws, "tblPerspectiveDifferences", "Övergångar (gruppen)")[0].value == int(first["count"])
    assert column(ws, "tblPerspectiveDifferences", "p-värde (Mann–Whitney, ensidigt)")[0].number_format == "0.0E+00"
    # The differences' waits and ratios carry a colour scale, like every other waiting-time column.
    ranges = {str(cf.sqref) for cf in ws.conditional_formatting}
    ratios = column(ws, "tblPerspectiveDifferences", "Kvot (gruppen / övriga)")
    assert f"{ratios[0].coordinate}:{ratios[-1].coordinate}" in ranges


def test_the_sheet_names_the_attribute_and_calendar_and_holds_each_groups_figures(
    demo_wb: openpyxl.Workbook, demo: tuple[Analysis, dict[str, Any]]
) -> None:
    result = demo[0].perspectives
    assert result is not None
    ws = demo_wb["Perspektiv"]
    lines = texts(ws)
    assert any("case:region" in line and "Svenska arbetsdagar" in line for line in lines)
    names = column(ws, "tblPerspectiveGroups", "Grupp")
    assert [c.value for c in names] == result.groups["group"].tolist()
    assert [c.value for c in column(ws, "tblPerspectiveGroups", "Ärenden")] == result.groups["cases"].tolist()
    assert sum(c.value for c in column(ws, "tblPerspectiveGroups", "Ärenden")) == 3000  # every demo case in a region
    median = column(ws, "tblPerspectiveGroups", "Genomloppstid, median (arbetsdagar)")
    assert {c.number_format for c in median} == {"0.0"}
    # One top-bottleneck table per group, captioned with its name; none left out, and the sheet says so.
    tops = [name for name in ws.tables if name.startswith("tblPerspectiveBottlenecks")]
    assert len(tops) == len(result.groups)
    assert "Största flaskhalsar: Skåne" in lines
    assert column(ws, "tblPerspectiveExcluded", "Grupp")[0].value == "Inga grupper utelämnade."
    for table in ws.tables.values():
        assert table.autoFilter is not None and table.autoFilter.ref == table.ref


# ---- the page ------------------------------------------------------------------------------------------------
def test_the_page_says_the_first_difference_in_words_first(demo_page: str,
                                                           demo: tuple[Analysis, dict[str, Any]]) -> None:
    result = demo[0].perspectives
    assert result is not None
    sentence = result.describe("sv")[0]
    assert html.escape(sentence) in demo_page
    tree = lxml_html.fromstring(demo_page)
    section = tree.xpath('//section[@id="perspektiv"]')[0]
    assert section.xpath("./h2")[0].text_content() == "Perspektiv: case:region"
    assert section.xpath("./*[2]")[0].tag == "ul"  # the sentences come right after the heading
    assert section.xpath("./ul/li")[0].text_content().startswith(sentence)
    assert "gånger längre" in sentence and sentence.startswith("Ärenden från Skåne väntar")
    # After the handover section, and in the menu in the same place.
    ids = tree.xpath("//main//section/@id")
    assert ids.index("perspektiv") == ids.index("overlamningar") + 1
    menu = tree.xpath("//nav//a/@href")
    assert menu.index("#perspektiv") == menu.index("#overlamningar") + 1


def test_the_perspective_tables_have_captions_scoped_headers_and_swedish_numbers(
    demo_page: str, demo: tuple[Analysis, dict[str, Any]]
) -> None:
    result = demo[0].perspectives
    assert result is not None
    tree = lxml_html.fromstring(demo_page)
    for table_id in ("table-perspective-groups", "table-perspective-differences"):
        table = tree.xpath(f'//section[@id="perspektiv"]//table[@id="{table_id}"]')[0]
        assert table.xpath("./caption")[0].text_content().strip()
        assert table.xpath("./thead/tr/th[@scope='col']")
        assert all(th.get("scope") in ("col", "row") for th in table.xpath(".//th"))
    first = tree.xpath('//table[@id="table-perspective-differences"]/tbody/tr')[0]
    assert first.xpath("./th[@scope='row']")[0].text_content() == "Skåne"
    ratio = f"{float(result.differences['ratio'].iloc[0]):.1f}".replace(".", ",")
    assert ratio in [td.text_content() for td in first.xpath("./td")]
    groups = tree.xpath('//table[@id="table-perspective-groups"]/tbody/tr/th/text()')
    assert groups == result.groups["group"].tolist()


# ---- without by --------------------------------------------------------------------------------------------
def test_without_by_neither_report_compares_groups(without_by: Analysis, tmp_path: Path) -> None:
    summary = summary_of(without_by)
    wb = openpyxl.load_workbook(write_workbook(without_by, tmp_path / "plain.xlsx", summary=summary)[0])
    assert wb.sheetnames == sheet_names()
    assert "Perspektiv" not in wb.sheetnames
    page = render_html(without_by, summary=summary)
    tree = lxml_html.fromstring(page)
    assert not tree.xpath('//section[@id="perspektiv"]') and "#perspektiv" not in tree.xpath("//nav//a/@href")
    assert "Perspektiv" not in page


# ---- values from the data ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile() -> Analysis:
    """Two regions named like HTML and like a formula; the HTML one waits two days before b, the other an hour."""
    rows = []
    base = pd.Timestamp("2025-01-07 08:00", tz="Europe/Stockholm")
    for i in range(16):
        region = EVIL if i % 2 else FORMULA
        start = base + pd.Timedelta(days=7 * (i // 2))
        wait = pd.Timedelta(days=2, minutes=i) if region == EVIL else pd.Timedelta(hours=1, minutes=i)
        for activity, when in (("a", start), ("b", start + wait), ("c", start + wait + pd.Timedelta(hours=1))):
            rows.append({CASE: f"c{i}", ACTIVITY: activity, TIMESTAMP: when, "case:region": region})
    analysis = analyze_log(EventLog.from_frame(pd.DataFrame(rows)), AnalysisOptions(by="region"))
    assert analysis.perspectives is not None and len(analysis.perspectives.differences)
    return analysis


def test_group_names_stay_text_in_the_workbook_and_are_escaped_on_the_page(hostile: Analysis, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_workbook(hostile, tmp_path / "hostile.xlsx")[0])
    ws = wb["Perspektiv"]
    names = column(ws, "tblPerspectiveGroups", "Grupp")
    assert {(c.value, c.data_type) for c in names} == {(EVIL, "s"), (FORMULA, "s")}
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert column(ws, "tblPerspectiveDifferences", "Grupp")[0].value == EVIL

    page = render_html(hostile)
    assert EVIL not in page and html.escape(EVIL) in page
    assert html.escape(hostile.perspectives.describe("sv")[0]) in page  # type: ignore[union-attr]
