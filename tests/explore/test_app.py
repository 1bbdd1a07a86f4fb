"""The explorer's app over HTTP, served by uvicorn on 127.0.0.1: the page, its address, bad requests, the
token, escaping and the exports."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pandas as pd
import pytest
from lxml import html as lxml_html

from processmining.analysis import AnalysisOptions, analyze_log, summary_of
from processmining.explore import Explorer, ViewState, parse_state
from processmining.filters import apply_filters
from processmining.log import EventLog
from tests.support import ROOT

from .conftest import DEMO, DEMO_PROFILE, HOSTILE, hostile_log, serve

PROGRAMME = "attribute:program=Regionalt investeringsstöd"
YEAR = "started:2024-01-01..2025-01-01"


def _get(base: str, query: dict[str, object] | list[tuple[str, str]] | None = None, **kw: object) -> httpx.Response:
    return httpx.get(f"{base}/", params=query, timeout=60, **kw)  # type: ignore[arg-type]


def _message(response: httpx.Response) -> str:
    return str(lxml_html.fromstring(response.text).xpath('//p[@id="error"]')[0].text_content())


def test_the_page_shows_analyze_log_figures_of_the_filtered_cases(demo_server: str, demo_log: EventLog) -> None:
    response = _get(demo_server, [("f", PROGRAMME), ("f", YEAR)])
    assert response.status_code == 200
    doc = lxml_html.fromstring(response.text)
    expected = summary_of(analyze_log(apply_filters(demo_log, [PROGRAMME, YEAR])))
    shown = {dd.get("data-figure"): dd.get("data-value") for dd in doc.xpath("//dd[@data-figure]")}
    assert int(shown["cases"]) == expected["cases"] < demo_log.n_cases
    assert int(shown["events"]) == expected["events"]
    assert int(shown["variants"]) == expected["variants"]
    assert float(shown["throughput_median"]) == pytest.approx(expected["throughput_workdays"]["median"])
    assert int(shown["open_cases"]) == expected["open_cases"]
    ranking = [a.text_content() for a in doc.xpath('//table[@id="table-bottlenecks"]//a')]
    assert ranking == [f"{b['from']} → {b['to']}" for b in expected["bottlenecks"]]
    # Each filter says what is left after it.
    left = doc.xpath('//ol[@class="filters"]/li/span[@class="left"]')
    assert int(left[-1].get("data-cases")) == expected["cases"]
    assert int(left[0].get("data-cases")) == apply_filters(demo_log, [PROGRAMME]).n_cases


def test_the_address_holds_the_whole_view(demo_server: str, demo_log: EventLog) -> None:
    filters = (PROGRAMME, "not:passes:Överklagande inkommit")
    case = str(apply_filters(demo_log, filters).case_ids()[0])
    state = ViewState(filters=filters, activities=70, paths=40, mode="waiting", path=("Bedömning", "Beslut fattat"),
                      case=case, lang="en")
    query = parse_qs(state.query()[1:], keep_blank_values=True)
    assert parse_state(query) == state
    response = httpx.get(f"{demo_server}/{state.query()}", timeout=60)
    assert response.status_code == 200
    doc = lxml_html.fromstring(response.text)
    assert doc.get("lang") == "en"
    assert doc.xpath('//input[@id="act"]/@value') == ["70"]
    assert doc.xpath('//div[@class="map"]/@data-mode') == ["waiting"]
    assert doc.xpath('//h3[@id="detail-h"]/text()') == ["Path Bedömning → Beslut fattat", f"Case {case}"]


def test_the_map_links_every_drawn_path_and_activity(demo_server: str) -> None:
    doc = lxml_html.fromstring(_get(demo_server, {"f": PROGRAMME}).text)
    paths = doc.xpath('//div[@class="map"]//*[@data-path]')
    activities = doc.xpath('//div[@class="map"]//*[@data-activity]')
    assert paths and activities
    href = paths[0].xpath(".//*[local-name()='a']/@href")[0]
    assert parse_state(parse_qs(href[1:])).path == tuple(paths[0].get("data-path").split(" → "))


def test_a_slider_changes_what_the_map_shows(demo_server: str) -> None:
    def drawn(query: dict[str, object]) -> tuple[int, int]:
        doc = lxml_html.fromstring(_get(demo_server, query).text)
        return (len(doc.xpath('//div[@class="map"]//*[@data-activity]')),
                len(doc.xpath('//div[@class="map"]//*[@data-path]')))

    everything = drawn({"act": 100, "paths": 100})
    fewer = drawn({"act": 60, "paths": 100})
    assert fewer[0] < everything[0]
    assert drawn({"act": 100, "paths": 10})[1] < everything[1]


@pytest.mark.parametrize(("query", "status", "words"), [
    ({"filter": "x"}, 400, "unknown parameter 'filter'"),
    ({"f": "bogus:1"}, 400, "unknown filter 'bogus'"),
    ({"f": "passes:Överklagande"}, 400, "did you mean 'Överklagande inkommit'"),
    ({"f": "attribute:nosuch=1"}, 400, "no column 'nosuch'"),
    ({"f": "started:2024"}, 400, "FROM..TO"),
    ({"f": "throughput:abc..5"}, 400, "not a number of days"),
    ({"f": "top-variants:0"}, 400, "at least 1"),
    ({"act": "abc"}, 400, "percentage between 1 and 100"),
    ({"paths": "500"}, 400, "percentage between 1 and 100"),
    ({"mode": "colour"}, 400, "choose frequency or waiting"),
    ({"path": "Bedömning"}, 400, "FROM→TO"),
    ({"path": "Bedömning→Ärende registrerat"}, 404, "no path Bedömning → Ärende registrerat"),
    ({"activity": "Nothing"}, 404, "no activity 'Nothing'"),
    ({"case": "TVV 1999-000001"}, 404, "no case 'TVV 1999-000001'"),
    ({"f": ["attribute:program=Exportcheck", "attribute:program=Innovationscheck"]}, 400, "no case is left"),
])
def test_a_bad_request_gets_a_clear_message_and_a_4xx(demo_server: str, query: dict[str, object], status: int,
                                                      words: str) -> None:
    response = _get(demo_server, query)
    assert response.status_code == status
    assert words in _message(response)
    assert "Traceback" not in response.text


def test_unknown_pages_and_exports_are_4xx(demo_server: str) -> None:
    assert httpx.get(f"{demo_server}/nothing", timeout=30).status_code == 404
    response = httpx.get(f"{demo_server}/export/secrets.txt", timeout=30)
    assert response.status_code == 400 and "choose bottlenecks.xlsx" in _message(response)
    assert httpx.post(f"{demo_server}/", timeout=30).status_code == 405
    assert httpx.get(f"{demo_server}/static/../app.py", timeout=30).status_code == 404


def test_no_inline_script_and_a_policy_that_forbids_it(demo_server: str) -> None:
    response = _get(demo_server)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "default-src 'none'" in csp
    doc = lxml_html.fromstring(response.text)
    scripts = doc.xpath("//script")
    assert [s.get("src") for s in scripts] == ["/static/explore.js"]
    assert all(not (s.text or "").strip() for s in scripts)
    assert not doc.xpath("//@*[starts-with(name(), 'on')]")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_hostile_names_from_the_log_stay_text() -> None:
    log = hostile_log()
    with serve(Explorer(log)) as base:
        a, b = HOSTILE
        for query in ({}, {"activity": a}, {"path": f"{a}→{b}"}, {"case": f"{a}1"},
                      {"f": f"attribute:program={a}"}):
            response = _get(base, query)
            assert response.status_code == 200, response.text
            for name in HOSTILE:
                assert name not in response.text  # never as markup
            doc = lxml_html.fromstring(response.text)
            assert [s.get("src") for s in doc.xpath("//script")] == ["/static/explore.js"]
            assert not doc.xpath("//img")
            assert not doc.xpath("//@*[starts-with(name(), 'on')]")
            assert a in doc.text_content() and b in doc.text_content()  # shown as text


def test_the_filter_forms_add_a_filter_to_the_address(demo_server: str) -> None:
    response = httpx.get(f"{demo_server}/add", params=[("f", PROGRAMME), ("kind", "passes"),
                                                       ("value", "Komplettering begärd"), ("keep", "remove")],
                         timeout=60)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert parse_qs(location.query)["f"] == [PROGRAMME, "not:passes:Komplettering begärd"]
    bad = httpx.get(f"{demo_server}/add", params={"kind": "passes"}, timeout=30)
    assert bad.status_code == 400 and "choose at least one value" in _message(bad)
    unknown = httpx.get(f"{demo_server}/add", params={"kind": "follows", "a": "X", "b": "Bedömning"}, timeout=30)
    assert unknown.status_code == 400 and "activity 'X' does not occur" in _message(unknown)


def test_undo_removes_the_last_filter(demo_server: str) -> None:
    doc = lxml_html.fromstring(_get(demo_server, [("f", PROGRAMME), ("f", YEAR)]).text)
    undo = doc.xpath('//a[@id="undo"]/@href')[0]
    assert parse_state(parse_qs(undo[1:])).filters == (PROGRAMME,)


def test_the_events_export_holds_exactly_the_filtered_events(demo_server: str, demo_log: EventLog) -> None:
    response = httpx.get(f"{demo_server}/export/events.csv", params=[("f", PROGRAMME), ("f", YEAR)], timeout=60)
    assert response.status_code == 200
    frame = pd.read_csv(io.StringIO(response.content.decode("utf-8-sig")))
    expected = apply_filters(demo_log, [PROGRAMME, YEAR])
    assert len(frame) == expected.n_events
    assert set(frame["case:program"]) == {"Regionalt investeringsstöd"}
    assert frame["case:concept:name"].nunique() == expected.n_cases


def test_the_page_export_records_the_filters_in_its_provenance(demo_server: str) -> None:
    response = httpx.get(f"{demo_server}/export/report.html", params=[("f", PROGRAMME), ("lang", "en")], timeout=120)
    assert response.status_code == 200
    doc = lxml_html.fromstring(response.content)
    provenance = doc.xpath('//table[@id="table-provenance"]')[0].text_content()
    assert PROGRAMME in provenance


def test_explore_on_another_host_refuses_requests_without_the_token(tmp_path: object) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROCESSMINING_EXPLORE_TOKEN": "s3cret-token-for-the-test"}
    proc = subprocess.Popen([sys.executable, "-m", "processmining", "explore", str(DEMO), "--profile",
                             str(DEMO_PROFILE), "--host", "0.0.0.0", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        assert address.endswith("?token=s3cret-token-for-the-test"), address
        port = urlsplit(address).port
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):  # the address is printed just before the server accepts
            try:
                refused = httpx.get(f"{base}/", timeout=30)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert refused.status_code == 401 and "access token" in refused.text
        assert httpx.get(f"{base}/static/explore.css", timeout=30).status_code == 401
        assert httpx.get(f"{base}/export/events.csv", timeout=30).status_code == 401
        assert httpx.get(f"{base}/", params={"token": "wrong"}, timeout=30).status_code == 401
        with httpx.Client(timeout=60) as client:  # the address's token, then the cookie it sets
            assert client.get(address).status_code == 200
            assert client.get(f"{base}/?act=50").status_code == 200
        bearer = httpx.get(f"{base}/", headers={"Authorization": "Bearer s3cret-token-for-the-test"}, timeout=60)
        assert bearer.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_explore_on_loopback_needs_no_token_and_refuses_a_bad_filter_at_start() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "processmining", "explore", str(DEMO), "--profile",
                             str(DEMO_PROFILE), "--port", "0", "--filter", "passes:Nothing"], capture_output=True,
                            text=True, env=env, cwd=str(ROOT), timeout=120)
    assert result.returncode == 1
    assert "activity 'Nothing' does not occur in the log" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_explorer_uses_the_analysis_options_it_was_given(demo_log: EventLog) -> None:
    stops = ("Komplettering begärd=>Komplettering inkommen",)
    explorer = Explorer(demo_log, AnalysisOptions(clock_stops=stops))
    view = explorer.view((PROGRAMME,))
    expected = summary_of(analyze_log(apply_filters(demo_log, [PROGRAMME]), AnalysisOptions(clock_stops=stops)))
    assert view.summary["attribution"] == expected["attribution"]
    assert view.summary["attribution"]["cases_with_applicant_time"] > 0
    assert re.search("Komplettering", str(view.summary["provenance"]["parameters"]["clock_stops"]))


@pytest.mark.parametrize("fmt", ["parquet", "xes"])
def test_the_filtered_events_read_back_as_a_log(demo_server: str, demo_log: EventLog, tmp_path: Path,
                                                fmt: str) -> None:
    from processmining.ingest import read_log

    response = httpx.get(f"{demo_server}/export/events.{fmt}", params=[("f", PROGRAMME), ("f", YEAR)], timeout=120)
    assert response.status_code == 200
    path = tmp_path / f"events.{fmt}"
    path.write_bytes(response.content)
    again = read_log(path, pseudonymise=False)
    expected = apply_filters(demo_log, [PROGRAMME, YEAR])
    assert (again.n_cases, again.n_events) == (expected.n_cases, expected.n_events)
    assert sorted(again.activities) == sorted(expected.activities)
    assert set(again.events["case:program"].astype(str)) == {"Regionalt investeringsstöd"}


def test_without_a_token_only_loopback_names_are_answered(demo_server: str) -> None:
    refused = httpx.get(f"{demo_server}/", headers={"Host": "attacker.example"}, timeout=30)
    assert refused.status_code == 400
    assert "explore" not in refused.text.lower()
    assert httpx.get(f"{demo_server}/", headers={"Host": "localhost"}, timeout=60).status_code == 200


def test_a_token_is_generated_and_printed_when_none_is_given() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROCESSMINING_EXPLORE_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "processmining", "explore", str(DEMO), "--profile",
                             str(DEMO_PROFILE), "--host", "0.0.0.0", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env, cwd=str(ROOT))
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        token = parse_qs(urlsplit(address).query)["token"][0]
        assert len(token) >= 24
        base = f"http://127.0.0.1:{urlsplit(address).port}"
        for _ in range(100):
            try:
                refused = httpx.get(f"{base}/", timeout=30)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert refused.status_code == 401
        assert httpx.get(address, timeout=60).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
