"""The candidates' classes, evidence, score terms and actions in summary.json, the workbook and the page
(issue 23), on the simulator's process renamed into English (a log the ranking was not shaped on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lxml import html as lxml_html
from openpyxl.utils import range_boundaries

from processmining.analyses.candidates import FEATURES, TERM_LABELS
from processmining.analysis import Analysis, AnalysisOptions, analyze_log, summary_of
from processmining.render.excel import write_workbook
from processmining.render.html import write_html
from tests.test_candidates_unseen import RENAMED, USERS, _log

NAMES = RENAMED["en"]


@pytest.fixture(scope="module")
def english() -> tuple[Analysis, dict[str, Any]]:
    analysis = analyze_log(_log(NAMES, USERS["en"]), AnalysisOptions(top=5))
    return analysis, summary_of(analysis)


def _table(ws: Any, name: str) -> list[dict[str, Any]]:
    min_col, min_row, max_col, max_row = range_boundaries(ws.tables[name].ref)
    rows = [[ws.cell(r, c).value for c in range(min_col, max_col + 1)] for r in range(min_row, max_row + 1)]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_summary_keeps_its_keys_and_adds_class_action_and_terms(english: tuple[Analysis, dict[str, Any]]) -> None:
    _, summary = english
    items = {i["activity"]: i for i in summary["automation_candidates"]}
    first = summary["automation_candidates"][0]
    assert first["activity"] == NAMES["Mottagningsbekräftelse skickad"]
    assert {"activity", "score", "hours_saved_per_year", "class", "class_evidence", "action",
            "score_terms"} <= set(first)
    assert items[NAMES["Bedömning"]]["class"] == "judgement"
    assert items[NAMES["Ansökan inkommen"]]["class"] == "outside_event"
    signals = items[NAMES["Ansökan inkommen"]]["class_evidence"]["signals"]
    starts = next(s for s in signals if s["signal"] == "starts_cases")
    assert starts["met"] and starts["value"] == 1.0


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_workbook_shows_class_evidence_action_and_every_term(english: tuple[Analysis, dict[str, Any]],
                                                             tmp_path: Path, lang: str) -> None:
    analysis, summary = english
    path = write_workbook(analysis, tmp_path / "r.xlsx", lang=lang, summary=summary)[0]
    wb = openpyxl.load_workbook(path)
    ws = wb["Automation candidates" if lang == "en" else "Automatiseringskandidater"]
    rows = {r["Activity" if lang == "en" else "Aktivitet"]: r for r in _table(ws, "tblCandidateClasses")}
    assert len(rows) == 14
    cls, action, evidence = (("Class", "What the toolkit can do", "Evidence") if lang == "en"
                             else ("Klass", "Vad verktyget kan göra", "Evidens"))
    investigation = rows[NAMES["Bedömning"]]
    assert investigation[cls] == ("judgement step" if lang == "en" else "bedömningssteg")
    assert ("working minutes" if lang == "en" else "arbetsminuter") in investigation[evidence]
    assert "acknowledge_receipt" in rows[NAMES["Mottagningsbekräftelse skickad"]][action]
    assert "remind_completion" in rows[NAMES["Komplettering begärd"]][action]
    index = 0 if lang == "en" else 1
    for term in FEATURES:
        header = f"{TERM_LABELS[term][index]} (0–1)"
        value = rows[NAMES["Mottagningsbekräftelse skickad"]][header]
        expected = analysis.candidates.get(NAMES["Mottagningsbekräftelse skickad"]).evidence["normalised"][term]
        assert value == pytest.approx(expected, abs=1e-9), term


def test_page_shows_class_action_and_score_terms(english: tuple[Analysis, dict[str, Any]], tmp_path: Path) -> None:
    analysis, summary = english
    page = write_html(analysis, tmp_path / "report.html", summary=summary, lang="en")
    tree = lxml_html.fromstring(page.read_text("utf-8"))
    headers = [th.text_content() for th in tree.xpath('//table[@id="table-candidates"]/thead//th')]
    assert "Class" in headers and "What the toolkit can do" in headers
    by_activity = {tr.xpath("./td")[0].text_content(): tr.text_content()
                   for tr in tree.xpath('//table[@id="table-candidates"]/tbody/tr')}
    assert len(by_activity) == 14
    assert "judgement step" in by_activity[NAMES["Beslut fattat"]]
    assert "outside event" in by_activity[NAMES["Överklagande inkommit"]]
    assert "acknowledge_receipt" in by_activity[NAMES["Mottagningsbekräftelse skickad"]]
    terms = tree.xpath('//table[@id="table-candidate-terms"]')[0]
    term_headers = [th.text_content() for th in terms.xpath("./thead//th")]
    assert all(any(h.startswith(TERM_LABELS[t][0]) for h in term_headers) for t in FEATURES)
    assert len(terms.xpath("./tbody/tr")) == min(5, len(analysis.candidates.candidates))
