"""report.html and the charts: what a reader of the page (and of the workbook's PNGs) notices.

The browser tests start Debian's headless Chromium (``/usr/bin/chromium``, installed by the Makefile) and
skip with a reason where it is missing. The interactive test drives the page over the DevTools protocol
with the ``websockets`` package (a Prefect dependency): it presses the buttons and keys a user would and
reads back which map is shown and how far it is zoomed.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphviz
import pandas as pd
import pytest
from lxml import html as lxml_html

from processmining.analysis import Analysis, AnalysisOptions, analyze_log, summary_of
from processmining.formatting import fmt_number
from processmining.log import ACTIVITY, CASE, GROUP, RESOURCE, TIMESTAMP, EventLog
from processmining.render.charts import CHART_NAMES, build_charts, chart_alt, chart_svgs, write_chart_pngs
from processmining.render.html import render_html, write_html
from processmining.render.svg import clean_svg
from tests.support import ROOT

DEMO = ROOT / "event_logs" / "demo.csv"
PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
EVIL = "<script>alert(1)</script>"
EVIL_UNIT = '<img src=x onerror="alert(2)">'
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--mute-audio"]
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (make setup installs "
                                    "the Debian chromium package)")


# ---- fixtures --------------------------------------------------------------------------------------------
def _map_svgs(analysis: Analysis) -> dict[str, str]:
    """Stand-ins for process_map.svg / process_map_performance.svg: the demo's map drawn by graphviz."""
    edges = analysis.process_map.edges
    names = sorted(set(edges["source"]) | set(edges["target"]))
    ids = {name: f"a{i}" for i, name in enumerate(names)}
    svgs = {}
    for mode in ("frequency", "performance"):
        dot = graphviz.Digraph(engine="dot")
        dot.attr(label=f"{analysis.title}: {mode}", labelloc="t")
        for name in names:
            dot.node(ids[name], label=graphviz.nohtml(name), shape="box")
        for row in edges.itertuples(index=False):
            label = str(row.count) if mode == "frequency" else f"{row.median_wait_workdays:.1f} d"
            dot.edge(ids[row.source], ids[row.target], label=graphviz.nohtml(label))
        svgs[mode] = dot.pipe(format="svg").decode("utf-8")
    return svgs


@pytest.fixture(scope="module")
def demo() -> tuple[Analysis, dict[str, Any]]:
    from processmining.ingest import read_log

    log = read_log(DEMO, profile=PROFILE)
    analysis = analyze_log(log, AnalysisOptions(clock_stops=("Komplettering begärd=>Komplettering inkommen",),
                                                targets=40))
    return analysis, summary_of(analysis)


@pytest.fixture(scope="module")
def demo_page(demo: tuple[Analysis, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    analysis, summary = demo
    out = tmp_path_factory.mktemp("report")
    return write_html(analysis, out / "report.html", summary=summary, map_svgs=_map_svgs(analysis))


@pytest.fixture(scope="module")
def evil_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log whose activity, unit, case id and rejected value are HTML: the page must show them as text."""
    rows = []
    base = pd.Timestamp("2025-01-06 08:00", tz="Europe/Stockholm")
    for i in range(8):
        for j, (act, unit) in enumerate((("Ansökan inkommen", "Registratur"), (EVIL, EVIL_UNIT),
                                         ("Beslut fattat", "Beslutsenheten"))):
            rows.append({CASE: f"{EVIL}-{i}", ACTIVITY: act, GROUP: unit, RESOURCE: f"r{(i + j) % 3}",
                         TIMESTAMP: base + pd.Timedelta(days=i + 3 * j, hours=j)})
    rejects = pd.DataFrame({"row": [99], "column": ["Aktivitet"], "value": [EVIL], "reason": ["missing timestamp"]})
    log = EventLog.from_frame(pd.DataFrame(rows), rejects=rejects)
    analysis = analyze_log(log, AnalysisOptions(min_group=5))
    svg = graphviz.Digraph(engine="dot")
    svg.node("a", label=graphviz.nohtml(EVIL))
    svg.node("b", label=graphviz.nohtml(EVIL_UNIT))
    svg.edge("a", "b")
    text = svg.pipe(format="svg").decode("utf-8")
    out = tmp_path_factory.mktemp("evil")
    return write_html(analysis, out / "report.html", map_svgs={"frequency": text, "performance": text})


def _tree(path: Path) -> Any:
    return lxml_html.fromstring(path.read_text("utf-8"))


# ---- the page's content -------------------------------------------------------------------------------------
def test_key_figures_are_the_numbers_of_summary_json(demo: tuple[Analysis, dict[str, Any]], demo_page: Path) -> None:
    _, summary = demo
    tree = _tree(demo_page)
    for key in ("cases", "events", "activities", "variants", "rejected_rows"):
        dd = tree.xpath(f'//dd[@data-key="{key}"]')[0]
        assert dd.get("data-value") == str(summary[key])
        assert dd.text_content().startswith(fmt_number(summary[key], "sv", 0))  # 3 000, with a Swedish space
    median = tree.xpath('//dd[@data-key="throughput_median"]')[0]
    assert median.get("data-value") == str(summary["throughput_workdays"]["median"])
    assert fmt_number(summary["throughput_workdays"]["median"], "sv", 1) in median.text_content()  # 33,7
    assert "," in median.text_content() and "arbetsdagar" in median.text_content()
    opened = tree.xpath('//dd[@data-key="open_closed"]')[0]
    assert opened.get("data-value") == f"{summary['open_cases']}/{summary['closed_cases']}"
    assert tree.xpath('//dd[@data-key="period"]')[0].get("data-value") == \
        f"{summary['start'][:10]}/{summary['end'][:10]}"


def test_the_lead_names_the_top_bottleneck_first(demo: tuple[Analysis, dict[str, Any]], demo_page: Path) -> None:
    analysis, summary = demo
    tree = _tree(demo_page)
    top = summary["bottlenecks"][0]
    lead = tree.xpath('//section[@id="atgarda"]')[0]
    assert lead.xpath(".//h2")[0].text_content() == "Åtgärda först"
    assert lead.xpath('.//p[@class="first"]/strong')[0].text_content() == f"{top['from']} → {top['to']}"
    sentence = analysis.bottlenecks.describe("sv")[0]
    assert sentence.split(": ", 1)[1][5:] in lead.text_content()  # the same words as the workbook's
    # The first section after the header is the lead; the key figures follow.
    ids = tree.xpath("//main//section/@id")
    assert ids[:3] == ["atgarda", "nyckeltal", "karta"]
    assert tree.xpath("/html/@lang") == ["sv"]


def test_every_table_has_a_caption_and_scoped_headers(demo_page: Path) -> None:
    tree = _tree(demo_page)
    tables = tree.xpath("//table")
    ids = {t.get("id") for t in tables}
    assert {"table-bottlenecks", "table-variants", "table-handovers", "table-candidates", "table-rejects",
            "table-reject-reasons", "table-provenance", "table-sla", "table-rework"} <= ids
    for table in tables:
        assert table.xpath("./caption") and table.xpath("./caption")[0].text_content().strip()
        headers = table.xpath(".//th")
        assert headers and all(th.get("scope") in ("col", "row") for th in headers)
        assert table.xpath("./thead/tr/th[@scope='col']")
    assert len(tree.xpath('//table[@id="table-variants"]/tbody/tr')) == 20
    assert len(tree.xpath('//table[@id="table-rejects"]/tbody/tr')) == 64  # every rejected row of the demo
    flagged = tree.xpath('//table[@id="table-candidates"]//tr[@class="needs-human"]')
    assert flagged and all("Kräver beslut av människa" in tr.text_content() for tr in flagged)
    provenance = tree.xpath('//table[@id="table-provenance"]')[0].text_content()
    assert "58aab6729d81caf7d3ae50da04974b08dbce171eaef77102d4613893ae8e01cc" in provenance
    assert "Diarienummer" in provenance and "processmining" in provenance


def test_headings_are_in_order_and_landmarks_exist(demo_page: Path) -> None:
    tree = _tree(demo_page)
    levels = [int(h.tag[1]) for h in tree.iter("h1", "h2", "h3", "h4")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert tree.xpath("//header") and tree.xpath("//nav[@aria-label]") and tree.xpath("//main[@id='main']")
    assert tree.xpath("//footer")
    assert tree.xpath("//body/*[1]")[0].get("href") == "#main"  # the skip link comes first
    for svg in tree.xpath("//svg"):
        assert svg.get("role") == "img" and svg.get("aria-label")
        assert svg[0].tag == "title" and svg[0].text_content()
    ids = tree.xpath("//@id")
    assert len(ids) == len(set(ids)), "duplicate ids across the inline SVGs"
    buttons = tree.xpath("//button")
    assert buttons and all(b.get("type") == "button" for b in buttons)


def test_the_page_loads_nothing_from_the_network(demo_page: Path) -> None:
    text = demo_page.read_text("utf-8")
    tree = lxml_html.fromstring(text)
    for attr in ("src", "href", "action", "data", "poster", "srcset"):
        for value in tree.xpath(f"//@{attr}"):
            assert value.startswith("#"), f"{attr}={value!r} would load or leave the page"
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", text, re.IGNORECASE)
    assert "@import" not in text and "<link" not in text and "<iframe" not in text.lower()
    scripts = tree.xpath("//script")
    assert len(scripts) == 1 and scripts[0].get("src") is None
    csp = tree.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')[0]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert 100_000 < len(text.encode("utf-8")) < 2_000_000


def test_values_from_the_data_are_escaped(evil_page: Path) -> None:
    text = evil_page.read_text("utf-8")
    assert EVIL not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    tree = lxml_html.fromstring(text)
    assert len(tree.xpath("//script")) == 1  # only the page's own
    assert not tree.xpath("//img | //iframe | //foreignObject | //object | //embed")
    handlers = [(el.tag, name) for el in tree.iter() if isinstance(el.tag, str)
                for name in el.attrib if name.lower().startswith("on")]
    assert handlers == []
    assert EVIL in tree.text_content() and EVIL_UNIT in tree.text_content()  # shown, as text


def test_english_page(demo: tuple[Analysis, dict[str, Any]]) -> None:
    analysis, summary = demo
    page = render_html(analysis, lang="en", summary=summary)
    tree = lxml_html.fromstring(page)
    assert tree.xpath("/html/@lang") == ["en"]
    assert tree.xpath('//section[@id="atgarda"]/h2')[0].text_content() == "Fix first"
    assert tree.xpath('//dd[@data-key="cases"]')[0].text_content() == "3,000"
    assert "working days" in tree.xpath('//dd[@data-key="throughput_median"]')[0].text_content()
    assert "No process map" in tree.xpath('//section[@id="karta"]')[0].text_content()  # map_svgs=None


def test_a_log_without_units_or_resources_still_gets_a_page(make_log: Any) -> None:
    analysis = analyze_log(make_log("a b c", "a c", "a b b c"), AnalysisOptions(calendar="none"))
    page = render_html(analysis, lang="en")  # summary computed here
    tree = lxml_html.fromstring(page)
    assert tree.xpath('//dd[@data-key="cases"]')[0].text_content() == "3"
    assert "calendar days" in tree.xpath('//dd[@data-key="throughput_median"]')[0].text_content()
    assert analysis.handover_note in tree.xpath('//section[@id="overlamningar"]')[0].text_content()
    assert len(tree.xpath("//figure[@class='chart']/svg")) == 4


def test_write_html_is_atomic_and_returns_the_path(demo: tuple[Analysis, dict[str, Any]], tmp_path: Path) -> None:
    analysis, summary = demo
    target = tmp_path / "report.html"
    target.write_text("old", "utf-8")
    assert write_html(analysis, target, summary=summary) == target
    assert target.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


def test_clean_svg_removes_active_content_and_prefixes_ids() -> None:
    svg = ('<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">'
           '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" '
           'viewBox="0 0 10 10" onload="alert(1)"><script>alert(2)</script>'
           '<style>.a{fill:url(#g)} *{stroke-linejoin: round}</style>'
           '<style>@import url(http://evil/x.css); .b{fill:red}</style>'
           '<defs><linearGradient id="g"/><clipPath id="c"><rect width="1" height="1"/></clipPath></defs>'
           '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'
           '<a xlink:href="javascript:alert(3)"><text onclick="alert(4)">A &lt;b&gt;</text></a>'
           '<image href="https://evil/p.png"/><use xlink:href="#c"/><use href="http://evil/#x"/>'
           '<rect clip-path="url(#c)" style="fill:url(https://evil/f);stroke:url(#g)"/>'
           '<rect style="background:url(javascript:alert(5))"/></svg>')
    out = clean_svg(svg, prefix="m", label="Karta <1>", described_by="cap")
    assert "script" not in out and "alert" not in out and "evil" not in out and "foreignObject" not in out
    assert "<image" not in out and "@import" not in out and ".b{" not in out
    assert "#m .a{fill:url(#m-g)}" in out and "#m *{stroke-linejoin: round}" in out  # scoped to this SVG
    assert 'id="m-g"' in out and 'url(#m-g)' in out and 'clip-path="url(#m-c)"' in out
    assert 'xlink:href="#m-c"' in out and 'style="fill:none;stroke:url(#m-g)"' in out
    assert 'role="img"' in out and 'aria-label="Karta &lt;1&gt;"' in out and 'aria-describedby="cap"' in out
    assert "<title>Karta &lt;1&gt;</title>" in out and "A &lt;b&gt;" in out
    assert 'width="10pt"' not in out
    with pytest.raises(ValueError):
        clean_svg('<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
                  prefix="m", label="x")
    with pytest.raises(ValueError):
        clean_svg("<html/>", prefix="m", label="x")


# ---- charts ---------------------------------------------------------------------------------------------------
def test_charts_are_deterministic_titled_and_described(demo: tuple[Analysis, dict[str, Any]], tmp_path: Path) -> None:
    from PIL import Image

    analysis, summary = demo
    charts = build_charts(analysis)
    assert tuple(c.name for c in charts) == CHART_NAMES == ("throughput", "monthly", "wip", "bottlenecks")
    assert chart_svgs(analysis) == {c.name: c.svg for c in charts}  # same input, same bytes
    svgs = {c.name: c.svg for c in charts}
    assert "arbetsdagar" in svgs["throughput"] and "Antal ärenden" in svgs["throughput"]
    assert "Öppna ärenden" in svgs["wip"] and "Beslutsenheten" in svgs["wip"]  # the busiest unit has its line
    assert "<dc:date>" not in svgs["monthly"]
    alt = chart_alt(analysis)
    assert alt == {c.name: c.alt for c in charts}
    assert fmt_number(summary["throughput_workdays"]["median"], "sv", 1) in alt["throughput"]
    top = summary["bottlenecks"][0]
    assert f"{top['from']} → {top['to']}" in alt["bottlenecks"]
    english = chart_alt(analysis, lang="en")
    assert "working days" in english["throughput"] and "3,000" in english["throughput"]

    paths = write_chart_pngs(analysis, tmp_path, dpi=80)  # 150 by default; lower here to keep the test quick
    assert [p.name for p in paths] == [f"chart_{n}.png" for n in CHART_NAMES]
    for path in paths:
        with Image.open(path) as image:
            assert image.width == 640 and image.height >= 200  # 8 inches wide
            assert len(image.convert("RGB").getcolors(1 << 20) or []) > 20  # a picture, not a blank
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_a_chart_worker_draws_the_same_charts_as_this_process(demo: tuple[Analysis, dict[str, Any]],
                                                              tmp_path: Path) -> None:
    """The second process (render/parallel.py) gives the same PNG bytes and the same page as drawing here."""
    from processmining.render.parallel import ChartWorker
    from processmining.reports import write_reports

    analysis, summary = demo
    here, there = tmp_path / "here", tmp_path / "there"
    files_here = write_reports(analysis, here, summary=summary, images=True)
    with ChartWorker(lang="sv", png_dir=there) as worker:
        files_there = write_reports(analysis, there, summary=summary, chart_worker=worker, images=True)
    assert [p.name for p in files_there] == [p.name for p in files_here]
    for name in [f"chart_{n}.png" for n in CHART_NAMES] + ["report.html", "process_map.svg", "summary.json"]:
        assert (there / name).read_bytes() == (here / name).read_bytes(), name
    assert (there / "chart_wip.png").stat().st_size > 10_000


def test_charts_from_the_worker_leave_matplotlib_out_of_this_process(tmp_path: Path) -> None:
    """The worker sends the charts back pickled; reading them must not import matplotlib here (about 0.3 s at
    the end of every large ``analyze``, when this process writes the workbook)."""
    import sys

    root = Path(__file__).resolve().parents[1]
    script = (
        "import sys\n"
        "from processmining.ingest import read_log\n"
        "from processmining.analysis import analyze_log\n"
        "from processmining.render.chart_input import ChartInput\n"
        "from processmining.render.parallel import ChartWorker\n"
        f"analysis = analyze_log(read_log({str(root / 'event_logs' / 'demo.csv')!r}, profile='demo'))\n"
        f"with ChartWorker(lang='sv', png_dir={str(tmp_path)!r}) as worker:\n"
        "    charts = worker.charts(ChartInput.of(analysis))\n"
        "print([c.name for c in charts], worker.failure, 'matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[-2] == f"{list(CHART_NAMES)} None False"
    assert sorted(p.name for p in tmp_path.glob("chart_*.png")) == sorted(f"chart_{n}.png" for n in CHART_NAMES)


def test_a_dead_chart_worker_leaves_the_charts_to_this_process(demo: tuple[Analysis, dict[str, Any]],
                                                               tmp_path: Path) -> None:
    """A worker killed (out of memory, say) costs time, not the charts."""
    import os
    import signal

    from processmining.render.chart_input import ChartInput
    from processmining.render.parallel import ChartWorker

    analysis, _ = demo
    data = ChartInput.of(analysis)
    with ChartWorker(lang="en", png_dir=tmp_path) as worker:
        worker.start(data)
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
        charts = worker.charts(data)
        assert worker.failure == "the chart worker ended without its charts"
    assert [c.name for c in charts] == list(CHART_NAMES)
    assert charts == build_charts(analysis, lang="en")
    assert sorted(p.name for p in tmp_path.glob("chart_*.png")) == sorted(f"chart_{n}.png" for n in CHART_NAMES)


def test_workers_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from processmining.errors import ConfigError
    from processmining.render.parallel import MIN_BYTES, worker_wanted

    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    small.write_bytes(b"x" * 100)
    with big.open("wb") as handle:
        handle.truncate(MIN_BYTES)  # a sparse file of the threshold's size
    monkeypatch.delenv("PROCESSMINING_WORKERS", raising=False)
    assert not worker_wanted([small]) and worker_wanted([big]) == ((os.cpu_count() or 1) >= 2)
    assert worker_wanted([small], setting="on") and not worker_wanted([big], setting="off")
    monkeypatch.setenv("PROCESSMINING_WORKERS", "on")
    assert worker_wanted([small])
    with pytest.raises(ConfigError, match="PROCESSMINING_WORKERS='many'"):
        worker_wanted([small], setting="many")


# ---- in a browser ------------------------------------------------------------------------------------------------
def _chromium(args: list[str], profile: Path, *, timeout: float = 40) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM or "chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)


@needs_chromium
def test_the_page_renders_in_headless_chromium(demo_page: Path, tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "report.png"
    result = _chromium([f"--screenshot={shot}", "--window-size=1280,2000", demo_page.as_uri()], tmp_path / "p1")
    assert shot.exists(), result.stderr[-2000:]
    assert shot.stat().st_size > 50_000
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        rgb = image.convert("RGB")
        assert len(rgb.getcolors(1 << 22) or []) > 100  # text, map and boxes, not one colour
        header = rgb.crop((0, 0, 1280, 100)).getcolors(1 << 16)
        assert max(header or [(0, None)])[1] == (0x12, 0x35, 0x5B)  # the navy title bar is at the top

    dom = _chromium(["--dump-dom", "--enable-logging=stderr", "--v=0", demo_page.as_uri()], tmp_path / "p2")
    assert 'class="viewer js"' in dom.stdout  # the script ran: the map viewer is live
    assert 'id="map-frequency"' in dom.stdout and 'id="table-bottlenecks"' in dom.stdout
    assert not re.search(r"Uncaught|CONSOLE\(\d+\).*(error|Error)|Refused to", dom.stderr), dom.stderr[-2000:]


class _DevTools:
    """A minimal DevTools-protocol client over one page session (websockets' sync client)."""

    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self.ws = connect(url, max_size=None, open_timeout=10)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self.ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            reply = json.loads(self.ws.recv(timeout=20))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)
        raise TimeoutError(method)

    def wait_for(self, method: str, timeout: float = 20) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                self.events.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = json.loads(self.ws.recv(timeout=timeout))
            if event.get("method") == method:
                return event
            self.events.append(event)
        raise TimeoutError(method)

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def center(self, selector: str) -> tuple[float, float]:
        box = self.js(f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                      " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        return float(box[0]), float(box[1])

    def click(self, selector: str) -> None:
        self.js(f"document.querySelector({json.dumps(selector)}).scrollIntoView({{block: 'center'}})")
        x, y = self.center(selector)
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", buttons=1, clickCount=1)

    def key(self, key: str, code: str, keycode: int, text: str = "") -> None:
        self.send("Input.dispatchKeyEvent", type="keyDown", key=key, code=code, windowsVirtualKeyCode=keycode,
                  **({"text": text} if text else {}))
        self.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=code, windowsVirtualKeyCode=keycode)

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")


@pytest.fixture
def devtools(tmp_path: Path) -> Iterator[_DevTools]:
    pytest.importorskip("websockets", reason="the websockets package drives the browser (pip install websockets)")
    if CHROMIUM is None:
        pytest.skip("headless Chromium not installed (make setup installs the Debian chromium package)")
    profile = tmp_path / "profile"
    proc = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                             "--window-size=1280,1600", "about:blank"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        client = _DevTools(f"ws://127.0.0.1:{port}{path}")
        target = client.send("Target.createTarget", url="about:blank")["targetId"]
        client.session = client.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            client.send(f"{domain}.enable")
        yield client
        client.ws.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the process group this test started, by its id
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@needs_chromium
def test_the_map_switches_pans_and_zooms_by_mouse_and_keyboard(devtools: _DevTools, demo_page: Path,
                                                               evil_page: Path) -> None:
    d = devtools
    d.open(demo_page.as_uri())
    assert d.js("document.querySelectorAll('table th[scope]').length") > 100
    assert d.js("document.querySelector('#map-viewer .toolbar').hidden") is False
    shown = "[...document.querySelectorAll('#map-viewer .pane')].filter(p => !p.hidden).map(p => p.dataset.pane)"
    zoom = "+document.querySelector('#map-viewer .viewport').dataset.zoom"
    view = ("document.querySelector('#map-viewer .pane:not([hidden]) svg').getAttribute('viewBox')"
            ".split(' ').map(Number)")
    assert d.js(shown) == ["frequency"] and d.js(zoom) == 1.0

    d.click('#map-viewer [data-show="performance"]')  # the switch
    assert d.js(shown) == ["performance"]
    assert d.js("document.querySelector('[data-show=performance]').getAttribute('aria-pressed')") == "true"
    assert d.js("document.querySelector('[data-show=frequency]').getAttribute('aria-pressed')") == "false"

    d.click('#map-viewer [data-zoom="in"]')  # the + button
    assert d.js(zoom) == pytest.approx(1.25, abs=1e-3)
    d.js("document.querySelector('#map-viewer .viewport').focus()")  # keyboard: + - 0 and arrows when focused
    d.key("+", "Equal", 187, "+")
    assert d.js(zoom) == pytest.approx(1.5625, abs=1e-3)
    d.key("-", "Minus", 189, "-")
    assert d.js(zoom) == pytest.approx(1.25, abs=1e-3)
    before = d.js(view)
    d.key("ArrowRight", "ArrowRight", 39)
    assert d.js(view)[0] > before[0]
    d.key("0", "Digit0", 48, "0")
    assert d.js(zoom) == 1.0

    x, y = d.center("#map-viewer .viewport")  # wheel over the focused map zooms in
    d.send("Input.dispatchMouseEvent", type="mouseWheel", x=x, y=y, deltaX=0, deltaY=-120)
    assert d.js(zoom) > 1.0
    before = d.js(view)  # drag to the right moves the map right: the view's origin moves left
    d.send("Input.dispatchMouseEvent", type="mousePressed", x=x, y=y, button="left", buttons=1, clickCount=1)
    d.send("Input.dispatchMouseEvent", type="mouseMoved", x=x + 120, y=y + 40, button="left", buttons=1)
    d.send("Input.dispatchMouseEvent", type="mouseReleased", x=x + 120, y=y + 40, button="left", buttons=1,
           clickCount=1)
    after = d.js(view)
    assert after[0] < before[0] and after[1] < before[1]

    d.open(evil_page.as_uri())
    assert d.js("document.scripts.length") == 1
    assert EVIL in d.js("document.body.textContent")

    problems = [e for e in d.events if e.get("method") == "Runtime.exceptionThrown"
                or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
                or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
                or e.get("method") == "Page.javascriptDialogOpening"]
    assert problems == []
    requests = {e["params"]["request"]["url"] for e in d.events if e.get("method") == "Network.requestWillBeSent"}
    assert requests and all(u.startswith("file://") for u in requests), requests
    png = base64.b64decode(d.send("Page.captureScreenshot", format="png")["data"])
    assert png.startswith(b"\x89PNG")
