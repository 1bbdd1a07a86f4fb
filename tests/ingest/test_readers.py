"""CSV, XLSX and Parquet readers: encodings, delimiters, decimal comma, row numbers, sheets, types."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from processmining.errors import UnreadableFileError
from processmining.ingest import read_log
from processmining.log import ACTIVITY, CASE, GROUP, RESOURCE, ROW, START, TIMESTAMP

from ._util import HEADER, write_csv

ROWS = [
    ["D-2025-001", "Ansökan inkommen", "2025-03-14 09:12", "Åsa Öberg", "Enhet Söder", "12 500,50"],
    ["D-2025-001", "Beslut fattat", "2025-03-20 10:00", "Åsa Öberg", "Enhet Söder", "12 500,50"],
    ["D-2025-002", "Ansökan inkommen", "2025-03-15 08:00", "Örjan Ärlig", "Enhet Norr", "300"],
]


def test_swedish_cp1252_semicolon_decimal_comma(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", ROWS, encoding="cp1252")
    log = read_log(path, pseudonymise=False)
    assert log.n_events == 3 and log.n_cases == 2
    assert log.events["Belopp"].dtype == "float64"
    assert log.events["Belopp"].tolist() == [12500.5, 12500.5, 300.0]
    assert set(log.events[ACTIVITY]) == {"Ansökan inkommen", "Beslut fattat"}
    assert set(log.events[RESOURCE]) == {"Åsa Öberg", "Örjan Ärlig"}
    assert set(log.events[GROUP]) == {"Enhet Söder", "Enhet Norr"}
    assert any("Windows-1252" in n for n in log.source.notes)
    mapping = log.source.mapping
    assert (mapping.case, mapping.activity, mapping.timestamp, mapping.resource, mapping.unit) == tuple(HEADER[:5])


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "utf-8-sig"), (",", "utf-8"), ("\t", "utf-8"),
                                                      ("|", "cp1252"), ("\t", "utf-16")])
def test_delimiters_and_encodings_give_the_same_log(tmp_path: Path, delimiter: str, encoding: str) -> None:
    rows = [[v.replace("12 500,50", "12500") for v in r] for r in ROWS]
    path = write_csv(tmp_path / "export.txt", rows, delimiter=delimiter, encoding=encoding)
    log = read_log(path, pseudonymise=False)
    assert log.events[ACTIVITY].tolist() == ["Ansökan inkommen", "Beslut fattat", "Ansökan inkommen"]
    assert log.events[RESOURCE].tolist() == ["Åsa Öberg", "Åsa Öberg", "Örjan Ärlig"]
    assert log.events["Belopp"].tolist() == [12500, 12500, 300]


def test_gzip_compressed_csv(tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "x.csv", ROWS)
    packed = tmp_path / "export.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    log = read_log(packed, pseudonymise=False)
    assert log.n_events == 3
    assert any("gzip" in n for n in log.source.notes)


def test_mixed_encodings_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    lines = ["Ärende;Aktivitet;Tidpunkt", "D1;Ansökan inkommen;2025-03-14 09:00"]
    data = ("\n".join(lines) + "\n").encode("utf-8") + "D1;Beslut fattat på enhet;2025-03-15 09:00\n".encode("cp1252")
    path.write_bytes(data)
    log = read_log(path)
    assert log.events[ACTIVITY].tolist() == ["Ansökan inkommen", "Beslut fattat på enhet"]
    assert any("1 line(s) were not UTF-8" in n for n in log.source.notes)


def test_wrong_field_counts_are_rejects_with_source_rows(tmp_path: Path) -> None:
    path = tmp_path / "fields.csv"
    path.write_text(
        "Ärende;Aktivitet;Tidpunkt;Kommentar\n"          # row 1
        'D1;Ansökan;2025-03-14 09:00;"två\nrader"\n'     # row 2 (a quoted line break)
        "D1;Beslut;2025-03-15 09:00\n"                   # row 3: one field short
        "\n"                                              # blank line
        "D2;Ansökan;2025-03-16 09:00;ok;extra\n"          # row 5: one field too many
        "D2;Beslut;2025-03-17 09:00;ok\n",                # row 6
        encoding="utf-8",
    )
    log = read_log(path)
    assert log.events[ROW].tolist() == [2, 6]
    assert log.events["Kommentar"].tolist() == ["två\nrader", "ok"]
    rejects = log.rejects
    assert rejects["row"].tolist() == [3, 5]
    assert rejects["reason"].tolist() == ["expected 4 fields, found 3", "expected 4 fields, found 5"]
    assert rejects["value"].tolist() == ["D1;Beslut;2025-03-15 09:00", "D2;Ansökan;2025-03-16 09:00;ok;extra"]
    assert log.source.rows_read == 4 == log.n_events + len(rejects)
    assert any("empty row(s) skipped (row 4)" in n for n in log.source.notes)


def test_identifiers_with_leading_zeros_stay_text(tmp_path: Path) -> None:
    rows = [["D1", "Ansökan", "2025-03-14", "0123", "5560001234", "12"],
            ["D2", "Ansökan", "2025-03-14", "0456", "5560004321", "7"]]
    path = write_csv(tmp_path / "ids.csv", rows, header=["Ärende", "Aktivitet", "Datum", "Postnr", "Orgnr", "Antal"])
    log = read_log(path)
    assert log.events["Postnr"].tolist() == ["0123", "0456"]
    assert log.events["Antal"].dtype == "Int64"
    assert log.events["Orgnr"].tolist() == [5560001234, 5560004321]


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "Info"
    info.append(["Rapport över ärenden"])
    sheet = wb.create_sheet("Händelser")
    sheet.append(["Diarienummer", "Händelse", "Datum", "Starttid", "Enhet", "Belopp"])
    sheet.append(["D1", "Ansökan", dt.datetime(2025, 3, 14, 9, 12), None, "Syd", 1.5])          # row 2
    sheet.append(["D1", "Beslut", 45736.5, 45736.25, "Syd", 2])                                # row 3: serials
    sheet.append([None] * 6)                                                                    # row 4: empty
    sheet.append(["D2", "Ansökan", "2025-03-16 10:00", None, "Norr", None, None, "extra"])     # row 5
    sheet.append([1234, "Ansökan", "2025-03-17 10:00", None, "Norr", None])                   # row 6
    wb.save(path)
    return path


def test_xlsx_picks_the_sheet_with_a_header_and_converts_dates(tmp_path: Path) -> None:
    log = read_log(_workbook(tmp_path / "export.xlsx"))
    assert log.source.format == "xlsx"
    assert any("sheet 'Händelser'" in n for n in log.source.notes)
    by_row = log.events.set_index(ROW)
    assert by_row.loc[2, TIMESTAMP] == pd.Timestamp("2025-03-14 09:12", tz="Europe/Stockholm")
    # 45736.5 is 2025-03-20 12:00 in Excel's 1900 date system; 45736.25 is 06:00 that day
    assert by_row.loc[3, TIMESTAMP] == pd.Timestamp("2025-03-20 12:00", tz="Europe/Stockholm")
    assert by_row.loc[3, START] == pd.Timestamp("2025-03-20 06:00", tz="Europe/Stockholm")
    assert by_row.loc[6, CASE] == "1234"
    assert log.rejects[["row", "reason"]].values.tolist() == [[5, "expected 6 fields, found 8"]]
    assert log.source.rows_read == 4


def test_xlsx_sheet_option(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "export.xlsx")
    with pytest.raises(UnreadableFileError, match="no sheet named 'Blad1'; sheets: Info, Händelser"):
        read_log(path, sheet="Blad1")
    assert read_log(path, sheet="Händelser").n_events == 3


def test_parquet_typed_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "case_id": [1, 1, 2],
        "activity": ["a", "b", "a"],
        "timestamp": pd.to_datetime(["2025-01-02 10:00", "2025-01-03 10:00", "2025-01-02 11:00"]),
        "amount": [1.5, 2.5, 3.5],
    })
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    log = read_log(path)
    assert log.source.format == "parquet"
    assert log.events[CASE].tolist() == ["1", "1", "2"]
    assert log.events[TIMESTAMP].iloc[0] == pd.Timestamp("2025-01-02 10:00", tz="Europe/Stockholm")
    assert log.events["amount"].tolist() == [1.5, 2.5, 3.5]


def _xes(events: list[tuple[str, str, str, str]]) -> str:
    """A small XES log: (case, activity, timestamp, lifecycle) per event, traces in order of appearance."""
    traces: dict[str, list[str]] = {}
    for case, activity, stamp, transition in events:
        traces.setdefault(case, []).append(
            f'<event><string key="concept:name" value="{activity}"/><date key="time:timestamp" value="{stamp}"/>'
            f'<string key="lifecycle:transition" value="{transition}"/></event>')
    body = "".join(f'<trace><string key="concept:name" value="{c}"/>{"".join(e)}</trace>' for c, e in traces.items())
    return f'<?xml version="1.0" encoding="UTF-8"?><log xmlns="http://www.xes-standard.org/">{body}</log>'


def test_xes_lifecycle_pairs_and_bad_dates(tmp_path: Path) -> None:
    path = tmp_path / "bpic12-like.xes"
    path.write_text(_xes([
        ("c1", "W_Beoordelen", "2012-01-02T10:00:00+01:00", "start"),
        ("c1", "W_Beoordelen", "2012-01-02T10:30:00+01:00", "complete"),
        ("c1", "A_Accepted", "not-a-date", "complete"),
        ("c2", "W_Beoordelen", "2012-01-03T09:00:00+01:00", "schedule"),
        ("c2", "W_Beoordelen", "2012-01-03T11:00:00+01:00", "complete"),
    ]), encoding="utf-8")
    log = read_log(path)
    events = log.events.set_index(ROW)
    assert events.index.tolist() == [2, 5]
    assert events.loc[2, START] == pd.Timestamp("2012-01-02 10:00", tz="Europe/Stockholm")
    assert log.rejects[["row", "column", "reason"]].values.tolist() == [
        [3, "time:timestamp", "not a valid XES <date>"],
        [4, "lifecycle:transition", "lifecycle transition schedule not used"],
    ]
    assert log.source.rows_read == 5 == log.n_events + len(log.rejects) + 1  # one start merged


def test_on_read_is_called_once_the_file_is_parsed_and_before_its_rows_are_checked(tmp_path: Path) -> None:
    """``read_log(on_read=...)`` (``analyze`` starts its chart process's imports there): called once per read
    file, CSV or XES, also when validation then fails; not for a file that cannot be parsed."""
    from processmining.errors import MissingColumnsError

    calls: list[str] = []
    csv = write_csv(tmp_path / "export.csv", ROWS)
    assert read_log(csv, pseudonymise=False, on_read=lambda: calls.append("csv")).n_events == 3
    xes = tmp_path / "log.xes"
    xes.write_text(_xes([("c1", "A", "2012-01-02T10:00:00+01:00", "complete")]), encoding="utf-8")
    assert read_log(xes, on_read=lambda: calls.append("xes")).n_events == 1
    assert calls == ["csv", "xes"]
    no_case = write_csv(tmp_path / "no_case.csv", [r[1:] for r in ROWS], header=HEADER[1:])
    with pytest.raises(MissingColumnsError):
        read_log(no_case, on_read=lambda: calls.append("parsed, then no case column"))
    assert calls[-1] == "parsed, then no case column"
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(b"\xc3\xa4rende;aktivitet\n" * 100)[:40])
    with pytest.raises(UnreadableFileError):
        read_log(broken, on_read=lambda: calls.append("broken"))
    assert "broken" not in calls
