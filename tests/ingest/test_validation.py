"""Validation: rejects, strict mode, duplicates, label variants, lifecycle pairs, mapping, rejects CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from processmining.errors import MissingColumnsError, StrictModeError
from processmining.ingest import merged_starts, read_log, write_rejects
from processmining.log import ACTIVITY, CASE, ROW, START, TIMESTAMP

from ._util import run, run_json, write_csv

HEAD = ["Ärende", "Aktivitet", "Tidpunkt"]


def test_missing_values_are_rejected_with_row_column_and_reason(tmp_path: Path) -> None:
    rows = [["D1", "Ansökan", "2025-03-14"], ["", "Beslut", "2025-03-15"], ["D1", " ", "2025-03-15"],
            ["NA", "Beslut", "2025-03-16"]]
    log = read_log(write_csv(tmp_path / "r.csv", rows, header=HEAD))
    assert log.rejects.values.tolist() == [[3, "Ärende", "", "missing case id"],
                                           [4, "Aktivitet", " ", "missing activity"]]
    assert sorted(log.events[CASE]) == ["D1", "NA"]


def test_strict_mode_fails_on_the_first_reject(tmp_path: Path) -> None:
    rows = [["D1", "Ansökan", "2025-03-14"], ["D1", "Beslut", "snart"]]
    path = write_csv(tmp_path / "r.csv", rows, header=HEAD)
    with pytest.raises(StrictModeError) as caught:
        read_log(path, strict=True)
    assert str(caught.value) == (f"{path}: 1 row(s) rejected (first: row 3, column Tidpunkt: unparseable timestamp); "
                                 "fix them or run without --strict")
    result = run("validate", path, "--strict")
    assert result.exit_code == 1 and "1 row(s) rejected" in result.stderr


def test_validate_writes_rejects_only_where_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [["D1", "Ansökan", "2025-03-14"], ["D1", "=HYPERLINK(1)", ""], ["D2", "Beslut", "snart"]]
    path = write_csv(tmp_path / "export.csv", rows, header=HEAD)
    monkeypatch.chdir(tmp_path)
    result = run("validate", path, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rejected_rows"] == 2
    assert summary["rejects_by_reason"] == {"missing timestamp": 1, "unparseable timestamp": 1}
    assert summary["rejects_file"] is None
    assert result.stderr.strip() == "2 rejected row(s) not written; pass --rejects FILE to write them"
    text = run("validate", path)
    assert text.exit_code == 0 and "pass --rejects FILE to write the rejected rows" in text.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]  # nothing written into the folder
    target = tmp_path / "checks" / "export.rejects.csv"
    asked = run("validate", path, "--json", "--rejects", target)
    assert json.loads(asked.stdout)["rejects_file"] == str(target)
    assert asked.stderr.strip() == f"2 rejected row(s) written to {target}"
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert table == [["row", "column", "value", "reason"], ["3", "Tidpunkt", "", "missing timestamp"],
                     ["4", "Tidpunkt", "snart", "unparseable timestamp"]]
    other = tmp_path / "elsewhere.csv"
    text = run("validate", path, "--rejects", other)
    assert text.exit_code == 0
    assert "Rejected    2 row(s)" in text.stdout and f"written to {other}" in text.stdout
    assert other.exists()


def test_rejects_csv_does_not_carry_formulas(tmp_path: Path) -> None:
    rows = [["D1", "Ansökan", "=cmd|' /C calc'!A0"], ["D2", "Beslut", "-5"]]
    log = read_log(write_csv(tmp_path / "r.csv", rows, header=HEAD))
    text = write_rejects(log, tmp_path / "rej.csv").read_text(encoding="utf-8-sig")
    assert "\"'=cmd|' /C calc'!A0\"" in text or ";'=cmd" in text
    assert ";-5;" in text


def test_duplicates_kept_and_warned_or_dropped(tmp_path: Path) -> None:
    rows = [["D1", "Ansökan", "2025-03-14"], ["D1", "Ansökan", "2025-03-14"], ["D1", "Beslut", "2025-03-15"]]
    path = write_csv(tmp_path / "d.csv", rows, header=HEAD)
    kept = read_log(path)
    assert kept.n_events == 3 and kept.source.duplicates_removed == 0
    assert any("1 row(s) are exact copies of an earlier row (row 3)" in w for w in kept.source.warnings)
    summary = run_json("validate", path, "--drop-duplicates")
    assert (summary["events"], summary["duplicates_removed"], summary["source"]["rows_read"]) == (2, 1, 3)


def test_label_variants_warned_or_merged(tmp_path: Path) -> None:
    rows = [["D1", "Beslut fattat", "2025-03-14"], ["D2", "Beslut fattat", "2025-03-14"],
            ["D3", "beslut  fattat ", "2025-03-14"], ["D4", "Ansökan", "2025-03-14"]]
    path = write_csv(tmp_path / "l.csv", rows, header=HEAD)
    warned = read_log(path)
    assert len(warned.activities) == 3
    assert any("'Beslut fattat' (2) / 'beslut  fattat ' (1)" in w for w in warned.source.warnings)
    merged = read_log(path, merge_label_variants=True)
    assert merged.activities == ["Ansökan", "Beslut fattat"]
    assert run_json("validate", path, "--merge-labels")["activities"] == 2


LIFECYCLE_ROWS = [
    # case, activity, time, transition
    ["D1", "Bedömning", "2025-03-14 09:00", "start"],
    ["D1", "Bedömning", "2025-03-14 10:00", "START"],
    ["D1", "Bedömning", "2025-03-14 11:00", "complete"],   # pairs with the 09:00 start (FIFO)
    ["D1", "Bedömning", "2025-03-14 12:00", "Complete"],   # pairs with the 10:00 start
    ["D1", "Beslut", "2025-03-15 09:00", "Klar"],          # completion without a start: kept alone
    ["D1", "Beslut", "2025-03-15 08:00", "schedule"],      # other transition: rejected
    ["D2", "Bedömning", "2025-03-16 09:00", "start"],      # start without completion: rejected
    ["D2", "Bedömning", "2025-03-16 08:00", "complete"],   # before the start: no start to pair with
]


def test_lifecycle_pairs_fifo(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "lc.csv", LIFECYCLE_ROWS, header=[*HEAD, "Livscykel"])
    log = read_log(path)
    events = log.events.set_index(ROW)
    assert events.index.tolist() == [4, 5, 6, 9]
    assert events.loc[4, START] == pd.Timestamp("2025-03-14 09:00", tz="Europe/Stockholm")
    assert events.loc[5, START] == pd.Timestamp("2025-03-14 10:00", tz="Europe/Stockholm")
    assert pd.isna(events.loc[6, START]) and pd.isna(events.loc[9, START])
    assert log.rejects[["row", "reason"]].values.tolist() == [[7, "lifecycle transition schedule not used"],
                                                               [8, "start without complete"]]
    assert merged_starts(log) == 2
    assert log.source.rows_read == 8 == log.n_events + len(log.rejects) + merged_starts(log)
    summary = run_json("validate", path)
    assert summary["starts_merged"] == 2


def test_all_complete_lifecycle_keeps_every_event(tmp_path: Path) -> None:
    rows = [["D1", "a", "2025-03-14", "complete"], ["D1", "b", "2025-03-15", "COMPLETE"]]
    log = read_log(write_csv(tmp_path / "c.csv", rows, header=[*HEAD, "lifecycle:transition"]))
    assert log.n_events == 2 and len(log.rejects) == 0 and START not in log.events.columns


def test_status_column_is_lifecycle_only_when_its_values_are(tmp_path: Path) -> None:
    rows = [["D1", "a", "2025-03-14", "Öppen"], ["D1", "b", "2025-03-15", "Stängd"]]
    log = read_log(write_csv(tmp_path / "s.csv", rows, header=[*HEAD, "Status"]))
    assert log.source.mapping.lifecycle is None and log.events["Status"].tolist() == ["Öppen", "Stängd"]


def test_start_column_after_completion_is_rejected(tmp_path: Path) -> None:
    rows = [["D1", "a", "2025-03-14 10:00", "2025-03-14 09:00"], ["D1", "b", "2025-03-14 10:00", "2025-03-14 11:00"]]
    log = read_log(write_csv(tmp_path / "s.csv", rows, header=[*HEAD, "Starttid"]))
    assert log.events[START].iloc[0] == pd.Timestamp("2025-03-14 09:00", tz="Europe/Stockholm")
    assert log.rejects[["row", "column", "reason"]].values.tolist() == [[3, "Starttid", "start after completion"]]


def test_missing_column_message_lists_columns_and_the_fix(tmp_path: Path) -> None:
    rows = [["D1", "2025-03-14", "Anna"]]
    path = write_csv(tmp_path / "m.csv", rows, header=["Ärende", "Tidpunkt", "Handläggare"])
    with pytest.raises(MissingColumnsError) as caught:
        read_log(path)
    assert str(caught.value) == (f"{path}: no activity column; found: Ärende, Tidpunkt, Handläggare. "
                                 "Pass --activity COLUMN or a profile (--profile)")


def test_overrides_win_over_detection(tmp_path: Path) -> None:
    rows = [["D1", "X-1", "Ansökan", "steg 1", "2025-03-14", "2025-04-01"]]
    header = ["Ärende", "Dnr", "Aktivitet", "Steg", "Tidpunkt", "Registrerad"]
    path = write_csv(tmp_path / "o.csv", rows, header=header)
    log = read_log(path, columns={"case": "Dnr", "activity": "Steg", "timestamp": "Registrerad"})
    assert (log.events[CASE].iloc[0], log.events[ACTIVITY].iloc[0]) == ("X-1", "steg 1")
    assert log.events[TIMESTAMP].iloc[0] == pd.Timestamp("2025-04-01", tz="Europe/Stockholm")
    assert log.events["Ärende"].iloc[0] == "D1"  # unmapped columns are kept under their own names
    result = run("validate", path, "--activity", "Saknas")
    assert result.exit_code == 1 and "column 'Saknas' (--activity, activity) is not in the file" in result.stderr


@pytest.mark.parametrize(
    ("header", "roles"),
    [
        (["Diarienummer", "Händelse", "Datum", "Utförare", "Avdelning"], ("Diarienummer", "Händelse", "Datum")),
        (["Ärende-ID", "Händelsetyp", "Klar", "Användare", "Grupp"], ("Ärende-ID", "Händelsetyp", "Klar")),
        (["CaseID", "Activity", "End Time", "User", "Department"], ("CaseID", "Activity", "End Time")),
        (["case_id", "event", "complete timestamp", "resource", "unit"], ("case_id", "event", "complete timestamp")),
    ],
)
def test_header_detection(tmp_path: Path, header: list[str], roles: tuple[str, str, str]) -> None:
    path = write_csv(tmp_path / "h.csv", [["D1", "a", "2025-03-14", "Anna", "Syd"]], header=header)
    mapping = read_log(path).source.mapping
    assert (mapping.case, mapping.activity, mapping.timestamp) == roles
    assert (mapping.resource, mapping.unit) == (header[3], header[4])
