"""The Swedish page and workbook show the run's notes, warnings and reject reasons in Swedish.

Every message the shared real logs, the demo log and a deliberately damaged export give must be known to
:mod:`processmining.render.swedish`; the Swedish report.html of the demo holds none of them in English.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import openpyxl
import pytest
from lxml import html as lxml_html

from processmining.analysis import Analysis, analyze_log
from processmining.ingest import read_log
from processmining.log import EventLog
from processmining.render.swedish import sentence, swedish
from processmining.reports import write_reports
from tests.support import PUBLISHED, ROOT, shared_log

DEMO = "demo.csv"
DAMAGED = "damaged.csv"
MERGED = "merged (sample --split)"


@pytest.mark.parametrize(("english", "in_swedish"), [
    ("timestamp in the future", "tidpunkt i framtiden"),
    ("timestamp before 1970-01-01 (implausible)", "tidpunkt före 1970-01-01 (orimlig)"),
    ("expected 6 fields, found 4", "6 fält väntades, 4 fanns"),
    ("lifecycle transition schedule not used", "livscykelövergången schedule används inte"),
    ("not a valid XES <date>", "inte ett giltigt XES-värde av typen datum"),
    ("CSV: detected encoding Windows-1252, delimiter tab, gzip-compressed",
     "CSV: teckenkodning Windows-1252 (identifierad), avgränsare tabb, gzip-komprimerad"),
    ("columns: case='Ärende', activity='Aktivitet', timestamp='Tidpunkt' (profile), lifecycle='Status' "
     "(detected from its values)",
     "kolumner: ärende='Ärende', aktivitet='Aktivitet', tidpunkt='Tidpunkt' (profil), livscykel='Status' "
     "(identifierad från värdena)"),
    ("117 value(s) with a Swedish personal identity number masked (********-****)",
     "117 värde(n) med svenskt personnummer maskerade (********-****)"),
    ("ärendesystem: 3 exact duplicate row(s) removed (row 4, 9, 12)",
     "ärendesystem: 3 exakta dubbletter borttagna (rad 4, 9, 12)"),
    ("the log spans only 12.5 days: per-month and per-year figures extrapolate from it",
     "loggen omfattar bara 12,5 dagar: siffror per månad och år är uppräknade från den"),
    ("all activities (the log has at most 40); at most the 28 most frequent paths and those that keep the map "
     "connected", "alla aktiviteter (loggen har högst 40); högst de 28 vanligaste vägarna och de som håller ihop "
     "kartan"),
    ("27 of 27 activities (100 % of events), 40 of 99 paths (95.5 % of transitions)",
     "27 av 27 aktiviteter (100 % av händelserna), 40 av 99 vägar (95,5 % av övergångarna)"),
])
def test_known_messages_in_swedish(english: str, in_swedish: str) -> None:
    assert swedish(english) == in_swedish


def test_an_unknown_text_stays_as_it_is() -> None:
    for text in ("", "Ärende 12 väntar", "column x: something new", "kanslisystem: a new message"):
        assert swedish(text) == text
    assert sentence("ingen enhetskolumn: ingen graf") == "Ingen enhetskolumn: ingen graf."


def _damaged(folder: Path) -> Path:
    """An export with one row for each thing the reader rejects or notes."""
    rows = [
        "Ärende;Aktivitet;Tidpunkt;Handläggare;Enhet;Belopp;Kommentar",
        "A-1;Ansökan inkommen;2025-03-14 09:12;Åsa;Söder;12 500,50;ring 19121212-1212",
        "A-1;Beslut fattat;2025-03-20 10:00;Åsa;Söder;300;",
        "A-1;Beslut fattat;2025-03-20 10:00;Åsa;Söder;300;",  # an exact copy
        "A-2;Ansökan inkommen;2099-01-01 10:00;Bo;Norr;1;",  # in the future
        "A-2;;2025-03-15 08:00;Bo;Norr;1;",  # no activity
        ";Ansökan inkommen;2025-03-15 08:00;Bo;Norr;1;",  # no case
        "A-3;Ansökan inkommen;;Bo;Norr;1;",  # no time
        "A-3;Ansökan inkommen;not a time;Bo;Norr;1;",  # unparseable
        "A-3;Ansökan inkommen;1901-01-01 10:00;Bo;Norr;1;",  # implausible
        "A-3;Beslut fattat;2025-03-20 10:00;Bo;Norr;1",  # a field short
        "A-3;Beslut fattat;2025-03-30 02:30;Bo;Norr;1;",  # in the spring-forward gap
        "A-4;Ansökan inkommen;2025-10-26 02:30;Cia;Norr;1;",  # the autumn overlap
        "",
        "A-4;Beslut fattat;2025-10-28 09:00;Cia;Norr;1;",
    ]
    path = folder / DAMAGED
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@cache
def _analysed(name: str, folder: str) -> tuple[EventLog, Analysis]:
    if name == DEMO:
        log = read_log(ROOT / "event_logs" / DEMO, profile=ROOT / "event_logs" / "profiles" / "demo.toml")
    elif name == DAMAGED:
        log = read_log(_damaged(Path(folder)))
    elif name == MERGED:
        from processmining.ingest.merge import merge_project
        from processmining.simulate import SPLIT_FILES, simulate, split_sources, write_split

        write_split(split_sources(simulate(cases=300, seed=11)), Path(folder))
        log = merge_project(Path(folder) / SPLIT_FILES[2]).log
    else:
        log = read_log(shared_log(name))
    return log, analyze_log(log)


def _messages(analysis: Analysis) -> set[str]:
    log = analysis.log
    found = {*log.source.notes, *log.source.warnings, *log.rejects["reason"].astype(str), *analysis.bottlenecks.notes}
    if analysis.handovers is not None:
        found |= set(analysis.handovers.notes)
    if analysis.handover_note:
        found.add(analysis.handover_note)
    if analysis.candidates is not None:
        found |= set(analysis.candidates.warnings)
    simplification = analysis.process_map.simplification
    if simplification is not None:
        found |= {simplification.describe(), simplification.rule} - {""}
    return found


@pytest.mark.parametrize("name", [*PUBLISHED, DEMO, DAMAGED, MERGED])
def test_every_message_of_a_run_has_its_swedish_form(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    _, analysis = _analysed(name, str(tmp_path_factory.getbasetemp()))
    messages = _messages(analysis)
    assert messages
    untranslated = sorted(m for m in messages if swedish(m) == m or swedish(m).startswith("column "))
    assert not untranslated, untranslated


def test_the_damaged_export_gives_the_messages_it_is_made_for(tmp_path_factory: pytest.TempPathFactory) -> None:
    log, analysis = _analysed(DAMAGED, str(tmp_path_factory.getbasetemp()))
    reasons = set(log.rejects["reason"])
    assert {"timestamp in the future", "missing activity", "missing case id", "missing timestamp",
            "unparseable timestamp", "timestamp before 1990-01-01 (implausible)",
            "expected 7 fields, found 6"} <= reasons
    notes = " | ".join(swedish(n) for n in [*log.source.notes, *log.source.warnings])
    for words in ("tomma rader hoppades över", "personnummer maskerade", "exakta kopior av en tidigare rad",
                  "hoppas över när klockan ställs fram", "upprepas när klockan ställs tillbaka", "tal (decimalkomma)"):
        assert words in notes, words
    assert analysis.bottlenecks.notes  # no end activity among these: every case counts as closed


def test_the_swedish_page_and_workbook_hold_no_english_message(tmp_path: Path,
                                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    _, analysis = _analysed(DAMAGED, str(tmp_path_factory.getbasetemp()))
    write_reports(analysis, tmp_path, lang="sv", maps=False)
    page = lxml_html.parse(str(tmp_path / "report.html")).getroot()
    shown = {" ".join(t.split()) for el in page.iter() if el.tag not in ("style", "script")
             for t in (el.text, el.tail) if t and t.strip()}
    cells = {str(c) for ws in openpyxl.load_workbook(tmp_path / "bottlenecks.xlsx")
             for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    for message in _messages(analysis):
        assert message not in shown and message not in cells, message
        assert swedish(message) in shown or any(swedish(message) in c for c in cells), swedish(message)
    write_reports(analysis, tmp_path / "en", lang="en", maps=False)
    english = lxml_html.parse(str(tmp_path / "en" / "report.html")).getroot().text_content()
    assert analysis.log.source.notes[0] in english  # the English page keeps them as they are
