"""A review walked in real Chromium (Playwright driving the system's Chromium, never a downloaded browser).

On the demo log: open the page, move both sliders, filter to one programme and one year, click the slowest
path on the map, open one of its cases, export the workbook. The exported workbook must equal what
``processmining analyze`` writes with the same filters (every cell but the run's clock times), and the
page's figures must equal :func:`analyze_log` on the filtered log.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from processmining.analysis import AnalysisOptions, analyze_log, summary_of
from processmining.explore import Explorer, parse_state
from processmining.filters import apply_filters
from processmining.log import EventLog
from tests.support import ROOT

from .conftest import DEMO, DEMO_PROFILE, HOSTILE, chromium_path, hostile_log, serve

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency (make setup)")
CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="the system's chromium is not installed (make system-deps)")

PROGRAMME = "Regionalt investeringsstöd"
#: Cells that say when a run happened: the only ones two runs on the same input may differ in.
CLOCK_ROWS = {"Körning startad", "Körning klar", "Arbetsboken skriven", "Run started", "Run finished",
              "Workbook written"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield chromium
        finally:
            chromium.close()


def _state(url: str) -> Any:
    return parse_state(parse_qs(urlsplit(url).query))


def _figures(page: Any) -> dict[str, str]:
    return page.eval_on_selector_all("dd[data-figure]", "els => Object.fromEntries(els.map(e => "
                                     "[e.dataset.figure, e.dataset.value]))")


def _cells(path: Path) -> dict[tuple[str, str], Any]:
    book = openpyxl.load_workbook(path)
    cells = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            label = sheet.cell(row[0].row, 1).value
            for cell in row:
                if cell.value is not None and not (sheet.title in ("Metod", "Method") and label in CLOCK_ROWS
                                                   and cell.column > 1):
                    cells[(sheet.title, cell.coordinate)] = cell.value
    return cells


def test_a_review_of_the_demo_in_chromium(browser: Any, demo_log: EventLog, tmp_path: Path) -> None:
    explorer = Explorer(demo_log)
    with serve(explorer) as base:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{base}/")
        assert page.title() == "Utforska: demo.csv"
        assert int(_figures(page)["cases"]) == demo_log.n_cases

        # Both sliders: the script shows the new view as soon as one is let go.
        with page.expect_navigation():
            page.fill("#act", "80")
        with page.expect_navigation():
            page.fill("#paths", "60")
        state = _state(page.url)
        assert (state.activities, state.paths) == (80, 60)

        # One programme, then one year (cases started in 2024), through the filter forms.
        page.click("details.add > summary")
        page.select_option("#attribute-value", f"case:program={PROGRAMME}")
        with page.expect_navigation():
            page.click("#form-attribute button[type=submit]")
        page.click("details.add > summary")
        page.select_option("#time-mode", "started")
        page.fill("#time-from", "2024-01-01")
        page.fill("#time-to", "2025-01-01")
        with page.expect_navigation():
            page.click("#form-time button[type=submit]")
        state = _state(page.url)
        filters = [f"attribute:case:program={PROGRAMME}", "started:2024-01-01..2025-01-01"]
        assert state.filters == tuple(filters)
        assert (state.activities, state.paths) == (80, 60)  # the sliders stay as they were
        steps = page.locator("ol.filters li")
        assert steps.count() == 2

        filtered = apply_filters(demo_log, filters)
        expected = summary_of(analyze_log(filtered))
        shown = _figures(page)
        assert int(shown["cases"]) == expected["cases"] == filtered.n_cases
        assert int(shown["events"]) == expected["events"]
        assert int(shown["variants"]) == expected["variants"]
        assert float(shown["throughput_median"]) == pytest.approx(expected["throughput_workdays"]["median"])
        assert float(shown["throughput_p90"]) == pytest.approx(expected["throughput_workdays"]["p90"])
        assert int(shown["open_cases"]) == expected["open_cases"]

        # The slowest path drawn on the map (waiting mode), clicked on the map itself.
        with page.expect_navigation():
            page.click("#map-controls input[type=radio][value=waiting]")  # the script shows the view at once
        drawn = set(page.eval_on_selector_all(".map g[data-path]", "els => els.map(e => e.dataset.path)"))
        edges = [e for e in expected["edges"] if f"{e['from']} → {e['to']}" in drawn]
        slowest = max(edges, key=lambda e: e["median_wait_workdays"])
        label = f"{slowest['from']} → {slowest['to']}"
        with page.expect_navigation():
            page.locator(f'.map g[data-path="{label}"] a').first.click()
        assert _state(page.url).path == (slowest["from"], slowest["to"])
        assert page.locator("#detail-h").first.inner_text() == f"Väg {label}"
        detail = _figures(page)
        assert int(detail["path_count"]) == slowest["count"]
        assert float(detail["path_median"]) == pytest.approx(slowest["median_wait_workdays"])

        # One of its cases (the longest wait): its timeline.
        first_case = page.locator("#table-path-cases a[data-case]").first
        case = first_case.get_attribute("data-case")
        with page.expect_navigation():
            first_case.click()
        assert _state(page.url).case == case
        events = int((filtered.events["case:concept:name"] == case).sum())
        assert page.locator("#table-timeline tbody tr").count() == events

        # The workbook of the view, compared with analyze's on the same filters and map settings.
        with page.expect_download() as download:
            page.click("#export-xlsx")
        exported = tmp_path / "explored.xlsx"
        download.value.save_as(exported)
        assert errors == []
        page.close()

    out = tmp_path / "analyze"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "processmining", "report", str(DEMO), "--profile", str(DEMO_PROFILE),
               "--excel-only", "--out", str(out), "-q", "--activities", "80", "--paths", "60"]
    for f in filters:
        command += ["--filter", f]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=300)
    assert result.returncode == 0, result.stderr
    ours, theirs = _cells(exported), _cells(out / "bottlenecks.xlsx")
    assert ours == theirs
    method = openpyxl.load_workbook(exported)["Metod"]
    recorded = {row[0]: row[1] for row in method.iter_rows(values_only=True) if row and row[0]}
    assert recorded["Parameter: filters"] == "; ".join(filters)
    book = openpyxl.load_workbook(exported)
    assert expected["cases"] in [c.value for row in book.worksheets[0].iter_rows() for c in row]


def test_hostile_names_run_no_script_in_chromium(browser: Any) -> None:
    with serve(Explorer(hostile_log(), AnalysisOptions())) as base:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        a, b = HOSTILE
        for query in ("", f"?activity={a}", f"?case={a}1"):
            page.goto(f"{base}/{query}".replace("#", "%23"))
            assert page.locator("img").count() == 0
            assert page.locator("script").count() == 1
            assert a in page.inner_text("body") and b in page.inner_text("body")
        page.close()
    assert dialogs == []


def test_the_page_can_be_used_by_keyboard_alone(browser: Any, demo_server: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{demo_server}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("getComputedStyle(document.activeElement).left") != "-9999px"
    # Every form control has a label; the map says what it shows in words.
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.outerHTML)""")
    assert unlabelled == []
    assert page.get_attribute(".map svg", "role") == "img"
    assert page.inner_text("#map-alt")
    # The map's paths are links reached by Tab, with a visible focus.
    page.focus(".map g[data-path] a")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _state(page.url).path is not None
    assert page.evaluate("document.activeElement.id") == "detail"  # the details take the focus

    def contrast(fg: str, bg: str) -> float:
        def lum(css: str) -> float:
            parts = [int(v) / 255 for v in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
            lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
            return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

        hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    for selector, background in (("body", "body"), ("a", "body"), (".hint", "body"), ("dl.figures dt", ".figure"),
                                 ("th", "th")):
        fg = page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).color")
        bg = page.evaluate(f"getComputedStyle(document.querySelector('{background}')).backgroundColor")
        if bg in ("rgba(0, 0, 0, 0)", "transparent"):
            bg = "rgb(255, 255, 255)"
        assert contrast(fg, bg) >= 4.5, (selector, fg, bg)
    page.close()
