"""The Excel workbook: sheets and tables a user sees, figures equal to summary.json, provenance, number formats,
text that stays text (formula injection), big sheets, odd strings, and atomic writing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image as PILImage

from processmining.analysis import Analysis, AnalysisOptions, analyze_log, summary_of
from processmining.ingest import read_log
from processmining.log import EventLog
from processmining.render import excel, workbook
from processmining.render.excel import write_workbook
from processmining.reports import write_reports
from tests.support import shared_log

SHEETS_SV = ["Sammanfattning", "Diagram", "Flaskhalsar", "Aktiviteter", "Varianter", "Överlämningar", "Enheter",
             "Omarbete", "Handläggningstid", "Automatiseringskandidater", "Datakvalitet", "Metod"]
SHEETS_EN = ["Summary", "Charts", "Bottlenecks", "Activities", "Variants", "Handovers", "Units", "Rework", "SLA",
             "Automation candidates", "Data quality", "Method"]
PAYLOADS = ['=HYPERLINK("http://x","y")', "=1+1", "@SUM(A1)", "+cmd"]


# ---- helpers ------------------------------------------------------------------------------------------
def tables(ws: Worksheet) -> dict[str, list[str]]:
    """Each Excel table of a sheet: its name and the header cells it covers."""
    out = {}
    for table in ws.tables.values():
        min_col, min_row, max_col, _ = range_boundaries(table.ref)
        out[table.name] = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    return out


def column(ws: Worksheet, table_name: str, header: str) -> list[openpyxl.cell.Cell]:
    """The data cells of one column of one table."""
    table = ws.tables[table_name]
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    headers = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    col = min_col + headers.index(header)
    return [ws.cell(r, col) for r in range(min_row + 1, max_row + 1)]


def value_of(ws: Worksheet, label: str) -> openpyxl.cell.Cell:
    """The cell right of the first cell whose text is ``label`` (label/value tables)."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == label:
                return ws.cell(cell.row, cell.column + 1)
    raise AssertionError(f"{label!r} not on sheet {ws.title!r}")


def texts(ws: Worksheet) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


@pytest.fixture(scope="module")
def receipt(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, dict, Path, Path]:
    """08_receipt through write_reports: (analysis, summary.json, workbook, input file)."""
    path = shared_log("08_receipt.xes.gz")
    analysis = analyze_log(read_log(path), AnalysisOptions(targets=5))
    out = tmp_path_factory.mktemp("receipt")
    written = write_reports(analysis, out, excel=True, html=False, maps=False)
    assert out / "bottlenecks.xlsx" in written
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return analysis, summary, out / "bottlenecks.xlsx", path


@pytest.fixture(scope="module")
def receipt_wb(receipt: tuple[Analysis, dict, Path, Path]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(receipt[2])


# ---- what a user sees in the workbook of a real log --------------------------------------------------------
def test_sheet_names_in_order_in_swedish_and_english(receipt: tuple[Analysis, dict, Path, Path],
                                                     receipt_wb: openpyxl.Workbook, tmp_path: Path) -> None:
    assert receipt_wb.sheetnames == SHEETS_SV
    analysis, summary, _, _ = receipt
    png = tmp_path / "map.png"
    PILImage.new("RGB", (800, 300), "white").save(png)
    english = write_workbook(analysis, tmp_path / "en.xlsx", lang="en", summary=summary, map_png=png)
    wb = openpyxl.load_workbook(english[0])
    assert wb.sheetnames == [SHEETS_EN[0], "Process map", *SHEETS_EN[1:]]
    assert len(wb["Process map"]._images) == 1
    assert tables(wb["Bottlenecks"])["tblBottlenecks"][:5] == ["Rank", "From", "To", "Count", "Cases"]


def test_every_sheet_holds_excel_tables_with_their_headers_and_filters(receipt_wb: openpyxl.Workbook) -> None:
    wb = receipt_wb
    expected = {
        ("Flaskhalsar", "tblBottlenecks"): [
            "Rang", "Från", "Till", "Antal", "Ärenden", "Median väntan (arbetsdagar)", "Medel väntan (arbetsdagar)",
            "p90 väntan (arbetsdagar)", "Median väntan (kalenderdagar)", "Medel väntan (kalenderdagar)",
            "p90 väntan (kalenderdagar)", "Poäng (arbetsdagar)", "Andel av väntan", "Sökandens andel"],
        ("Varianter", "tblVariants"): [
            "Rang", "Variant (aktiviteternas ordning)", "Ärenden", "Andel av ärendena", "Kumulativ andel",
            "Genomloppstid, median (kalenderdagar)", "Händelser per ärende"],
        ("Datakvalitet", "tblRejects"): ["Rad i filen", "Kolumn", "Värde", "Skäl"],
        ("Automatiseringskandidater", "tblCandidates"): [
            "Rang", "Aktivitet", "Status", "Poäng (0–1)", "Sparade timmar per år", "Kräver människa", "Varför",
            "Skäl att inte rangordna", "Händelser per månad", "Andel av ärendena",
            "Handläggning, median (arbetsminuter)", "Väntan före, median (arbetsdagar)"],
        ("Överlämningar", "tblHandoverEdges"): [
            "Från", "Till", "Överlämningar", "Ärenden", "Andel av överlämningarna", "Fördröjning, median (arbetsdagar)",
            "Fördröjning, medel (arbetsdagar)", "Fördröjning, median (kalenderdagar)",
            "Fördröjning, medel (kalenderdagar)", "Överlämningar tillbaka"],
        ("Metod", "tblProvenance"): ["Uppgift", "Värde"],
    }
    for (sheet, name), headers in expected.items():
        assert tables(wb[sheet])[name] == headers, (sheet, name)
    for sheet in ("Överlämningar", "Enheter", "Omarbete", "Handläggningstid", "Datakvalitet"):
        assert len(wb[sheet].tables) >= 2, sheet
    for ws in wb.worksheets:
        for table in ws.tables.values():
            headers = tables(ws)[table.name]
            assert [c.name for c in table.tableColumns] == headers
            assert table.autoFilter is not None and table.autoFilter.ref == table.ref
    # Data sheets keep their header row in view.
    ws = wb["Flaskhalsar"]
    header_row = range_boundaries(ws.tables["tblBottlenecks"].ref)[1]
    assert ws.freeze_panes == f"A{header_row + 1}"


def test_summary_figures_equal_summary_json_and_the_published_counts(
    receipt_wb: openpyxl.Workbook, receipt: tuple[Analysis, dict, Path, Path]
) -> None:
    summary = receipt[1]
    ws = receipt_wb["Sammanfattning"]
    assert value_of(ws, "Ärenden").value == summary["cases"] == 1434
    assert value_of(ws, "Händelser").value == summary["events"] == 8577
    assert value_of(ws, "Varianter").value == summary["variants"] == 116
    assert value_of(ws, "Aktiviteter").value == summary["activities"] == 27
    median = value_of(ws, "Genomloppstid, median (arbetsdagar)")
    assert median.value == summary["throughput_workdays"]["median"]
    assert median.number_format == "0.0"
    assert value_of(ws, "Genomloppstid, median (kalenderdagar)").value == summary["throughput_days"]["median"]
    # Excel has no time zones: the first event is Stockholm wall-clock time, without offset.
    first = value_of(ws, "Första händelse (lokal tid)").value
    expected = pd.Timestamp(summary["start"]).tz_convert("Europe/Stockholm").tz_localize(None).to_pydatetime()
    assert first.tzinfo is None and abs(first - expected) < dt.timedelta(seconds=1)
    # The top bottleneck in words is summary.json's sentence, and the chart draws the top bottlenecks.
    assert summary["bottlenecks"][0]["text_sv"] in " ".join(texts(ws))
    assert len(ws._charts) == 1


def test_method_sheet_names_the_input_file_by_its_sha256(receipt_wb: openpyxl.Workbook,
                                                        receipt: tuple[Analysis, dict, Path, Path]) -> None:
    ws = receipt_wb["Metod"]
    path = receipt[3]
    assert value_of(ws, "SHA-256").value == hashlib.sha256(path.read_bytes()).hexdigest()
    assert value_of(ws, "Indatafil").value == str(path)
    assert value_of(ws, "Rader lästa").value == 8577
    assert "Europe/Stockholm" in value_of(ws, "Klockslag i arbetsboken").value
    assert value_of(ws, "Väntetid").value.startswith("Från en aktivitets slut till nästa aktivitets start")


def test_days_percentages_and_counts_have_their_number_formats(receipt_wb: openpyxl.Workbook) -> None:
    ws = receipt_wb["Flaskhalsar"]
    assert {c.number_format for c in column(ws, "tblBottlenecks", "Median väntan (arbetsdagar)")} == {"0.0"}
    assert {c.number_format for c in column(ws, "tblBottlenecks", "p90 väntan (kalenderdagar)")} == {"0.0"}
    assert {c.number_format for c in column(ws, "tblBottlenecks", "Andel av väntan")} == {"0.0%"}
    assert {c.number_format for c in column(ws, "tblBottlenecks", "Antal")} == {"#,##0"}
    counts = [c.value for c in column(ws, "tblBottlenecks", "Antal")]
    assert all(isinstance(v, int) for v in counts) and sum(counts) == 8577 - 1434  # one transition per pair
    # Waiting-time columns carry a colour scale.
    ranges = {str(cf.sqref) for cf in ws.conditional_formatting}
    median = column(ws, "tblBottlenecks", "Median väntan (arbetsdagar)")
    assert f"{median[0].coordinate}:{median[-1].coordinate}" in ranges


# ---- safety: text stays text ----------------------------------------------------------------------------
def test_formula_like_values_from_the_data_stay_plain_text(tmp_path: Path) -> None:
    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    rows = ["case;activity;timestamp;resource;unit"]
    for i in range(8):  # enough cases for the unit-level handover to pass k-anonymity (5)
        for j, payload in enumerate(PAYLOADS):
            unit = PAYLOADS[0] if j < 2 else PAYLOADS[2]
            when = f"2025-03-{3 + i:02d} {9 + j:02d}:00:00"
            rows.append(f"c{i};{quoted(payload)};{when};{quoted(payload)};{quoted(unit)}")
    rows.append("c9;=1+1;=1+1;x;y")  # an unparseable timestamp: a reject whose value looks like a formula
    path = tmp_path / "evil.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    log = read_log(path, pseudonymise=False)
    assert set(log.activities) == set(PAYLOADS)
    analysis = analyze_log(log)
    out = write_workbook(analysis, tmp_path / "evil.xlsx", summary=summary_of(analysis))[0]

    wb = openpyxl.load_workbook(out)
    formulas = [(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []  # the tool writes no formulas of its own, and no data became one
    activities = {c.value: c.data_type for c in column(wb["Aktiviteter"], "tblActivities", "Aktivitet")}
    assert activities == {p: "s" for p in PAYLOADS}
    units = {c.value: c.data_type for c in column(wb["Enheter"], "tblUnits", "Enhet")}
    assert units == {PAYLOADS[0]: "s", PAYLOADS[2]: "s"}
    # Unit names are also column headers of the work-in-progress table: text there too.
    assert set(tables(wb["Enheter"])["tblWorkInProgress"][2:]) == {PAYLOADS[0], PAYLOADS[2]}
    rejected = column(wb["Datakvalitet"], "tblRejects", "Värde")
    assert [(c.value, c.data_type) for c in rejected] == [("=1+1", "s")]
    edges = {(a.value, b.value) for a, b in zip(column(wb["Flaskhalsar"], "tblBottlenecks", "Från"),
                                                 column(wb["Flaskhalsar"], "tblBottlenecks", "Till"), strict=True)}
    assert (PAYLOADS[0], PAYLOADS[1]) in edges


def test_control_characters_and_overlong_strings_never_break_the_file(tmp_path: Path) -> None:
    long = "Lång aktivitet " + "x" * 40_000
    frame = pd.DataFrame({
        "case:concept:name": ["a", "a", "b", "b"],
        "concept:name": ["Start\x01\x07", long, "Start\x01\x07", "Klar\x0b"],
        "time:timestamp": pd.to_datetime(["2025-01-02 09:00", "2025-01-03 09:00", "2025-01-02 10:00",
                                          "2025-01-04 10:00"]),
    })
    analysis = analyze_log(EventLog.from_frame(frame))
    wb = openpyxl.load_workbook(write_workbook(analysis, tmp_path / "odd.xlsx")[0])
    names = [c.value for c in column(wb["Aktiviteter"], "tblActivities", "Aktivitet")]
    assert "Start\\x01\\x07" in names and "Klar\\x0b" in names  # control characters shown, never dropped
    cut = next(n for n in names if n.startswith("Lång aktivitet"))
    assert len(cut) <= excel.MAX_CELL_CHARS and cut.endswith("[avkortad: 40 015 tecken]")


# ---- size ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def many_rejects(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    """A log with 6,000 rejected rows (more rows than any sheet of a small log) and 20 good ones."""
    rows = ["case;activity;timestamp"]
    rows += [f"c{i % 5};a{i % 2};2025-01-{2 + i // 5:02d} 10:00" for i in range(20)]
    rows += [f"bad{i};b;not a time {i}" for i in range(6_000)]
    path = tmp_path_factory.mktemp("big") / "rejects.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return analyze_log(read_log(path))


def test_a_sheet_with_thousands_of_rows_is_complete(many_rejects: Analysis, tmp_path: Path) -> None:
    path = write_workbook(many_rejects, tmp_path / "big.xlsx")[0]
    wb = openpyxl.load_workbook(path, read_only=False)
    ws = wb["Datakvalitet"]
    rejected = column(ws, "tblRejects", "Värde")
    assert len(rejected) == 6_000
    assert rejected[0].value == "not a time 0" and rejected[-1].value == "not a time 5999"
    assert column(ws, "tblRejectReasons", "Rader")[0].value == 6_000


def test_a_long_table_is_cut_says_so_and_every_row_goes_to_a_csv(many_rejects: Analysis, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the bound a table shows its first rows, its caption says how many of how many and where the rest
    is, and the CSV beside the workbook holds every row (issue 20: bounded outputs, nothing lost)."""
    monkeypatch.setattr(workbook, "MAX_TABLE_ROWS", 1_000)  # the layout engine's bound, small for a small log
    written = write_workbook(many_rejects, tmp_path / "cut.xlsx")
    wb = openpyxl.load_workbook(written[0])
    ws = wb["Datakvalitet"]
    assert len(column(ws, "tblRejects", "Värde")) == 1_000
    assert any("de första 1 000 av 6 000 raderna; alla finns i cut_Rejects.csv" in t.replace("\xa0", " ")
               for t in texts(ws))
    assert [p.name for p in written] == ["cut.xlsx", "cut_Rejects.csv"]
    every = pd.read_csv(tmp_path / "cut_Rejects.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert len(every) == 6_000 and every["Värde"].iloc[-1] == "not a time 5999"


# ---- logs that lack something ---------------------------------------------------------------------------
def test_without_units_targets_or_a_readable_map_each_sheet_says_why(make_log: Callable[..., EventLog],
                                                                     tmp_path: Path) -> None:
    analysis = analyze_log(make_log("a b c", "a c", "a b b c"))
    broken = tmp_path / "map.png"
    broken.write_bytes(b"not a png")
    wb = openpyxl.load_workbook(write_workbook(analysis, tmp_path / "small.xlsx", map_png=broken)[0])
    assert wb.sheetnames == [SHEETS_SV[0], "Processkarta", *SHEETS_SV[1:]]
    assert any(t.startswith("Processkartan kunde inte läsas") for t in texts(wb["Processkarta"]))
    assert "Loggen har varken en enhets- eller en handläggarkolumn: ingen överlämningsgraf." in texts(
        wb["Överlämningar"])
    assert any(t.startswith("Inget mål för handläggningstiden angivet") for t in texts(wb["Handläggningstid"]))
    assert any(t.startswith("Loggen har ingen enhetskolumn") for t in texts(wb["Enheter"]))
    assert column(wb["Datakvalitet"], "tblRejects", "Rad i filen")[0].value == "Inga avvisade rader."


def test_a_map_still_being_drawn_is_waited_for_only_after_the_sheets(receipt: tuple[Analysis, dict, Path, Path],
                                                                     tmp_path: Path) -> None:
    """``map_png`` as a function (what ``analyze`` passes while ``dot`` draws the map): it is called once, and
    the picture it returns, made only then, is on the map sheet, the sheet second as always."""
    analysis, summary, _, _ = receipt
    png = tmp_path / "map.png"
    calls: list[Path] = []

    def drawn_now() -> Path:
        PILImage.new("RGB", (1000, 400), "white").save(png)  # the map is only now on disk
        calls.append(png)
        return png

    book = write_workbook(analysis, tmp_path / "late.xlsx", summary=summary, map_png=drawn_now)[0]
    assert len(calls) == 1
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == [SHEETS_SV[0], "Processkarta", *SHEETS_SV[1:]]
    [image] = wb["Processkarta"]._images
    assert (image.width, image.height) == (1000, 400)
    assert image.anchor._from.row == 3  # row 4: below the title, the note and an empty row


# ---- atomic writing -------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["while streaming the sheets", "while saving the file"])
def test_a_crash_mid_write_leaves_the_earlier_workbook_intact(where: str, make_log: Callable[..., EventLog],
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    analysis = analyze_log(make_log("a b c", "a c"))
    path = tmp_path / "bottlenecks.xlsx"
    write_workbook(analysis, path)
    before = path.read_bytes()

    if where == "while streaming the sheets":
        calls = {"n": 0}
        real = workbook._Styles.cell

        def failing(self: workbook._Styles, *args: object) -> object:
            calls["n"] += 1
            if calls["n"] > 200:
                raise RuntimeError("disk on fire")
            return real(self, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(workbook._Styles, "cell", failing)
    else:
        def half_save(self: openpyxl.Workbook, filename: str | Path) -> None:
            Path(filename).write_bytes(b"PK\x03\x04 half a zip")
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(openpyxl.Workbook, "save", half_save)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_workbook(analysis, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bottlenecks.xlsx"]
    assert openpyxl.load_workbook(path).sheetnames == SHEETS_SV
