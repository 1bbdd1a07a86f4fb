"""Source profiles: mapping, attributes, CSV options, and errors that name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from processmining.errors import ConfigError
from processmining.ingest import load_profile, read_log
from processmining.log import ACTIVITY, CASE, GROUP

from ._util import run, write_csv

PROFILE = """
name = "Bidragssystemet"
format = "csv"
[csv]
delimiter = ";"
encoding = "cp1252"
decimal = ","
[columns]
case = "Dnr"
activity = "Steg"
timestamp = "Klockslag"
unit = "Enhet"
[attributes]
Belopp = "case:amount"
Program = "case:program"
[timestamps]
dayfirst = true
[labels]
merge_variants = true
"""


def test_profile_maps_columns_and_attributes(tmp_path: Path) -> None:
    profile = tmp_path / "grant.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    rows = [["D1", "Ansökan", "03/04/2025 09:00", "Syd", "1 000,50", "Export"],
            ["D1", "ansökan", "04/04/2025 09:00", "Syd", "1 000,50", "Export"]]
    path = write_csv(tmp_path / "export.txt", rows, header=["Dnr", "Steg", "Klockslag", "Enhet", "Belopp", "Program"],
                     encoding="cp1252")
    log = read_log(path, profile=profile)
    assert log.events[CASE].tolist() == ["D1", "D1"]
    assert log.events[ACTIVITY].tolist() == ["Ansökan", "Ansökan"]  # merged by the profile
    assert log.events[GROUP].tolist() == ["Syd", "Syd"]
    assert log.events["case:amount"].tolist() == [1000.5, 1000.5]
    assert log.events["case:program"].tolist() == ["Export", "Export"]
    assert log.events["time:timestamp"].iloc[0].month == 4
    assert dict(log.source.mapping.attributes) == {"Belopp": "case:amount", "Program": "case:program"}
    assert any("(profile)" in n for n in log.source.notes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\n[columns]\ncase = 'A'\nactivity = 'B'\ntimestmap = 'C'\n", "[columns] timestmap: unknown key"),
        ("name = 'x'\n[columns]\ncase = 'A'\nactivity = 'B'\n", "[columns]: missing timestamp"),
        ("[csv]\ndelimiter = ';;'\n", "[csv] delimiter: must be one character"),
        ("[csv]\nencoding = 'klingon'\n", "[csv] encoding: unknown encoding 'klingon'"),
        ("[timestamps]\ntimezone = 'Mars/Olympus'\n", "[timestamps] timezone: unknown time zone"),
        ("[timestamps]\ndayfirst = 'ja'\n", "[timestamps] dayfirst: must be true or false"),
        ("format = 'pdf'\n", "format: 'pdf' is not one of csv, xlsx, xes, parquet"),
        ("name = \n", "not valid TOML"),
        ("colums = 1\n", "top level colums: unknown key"),
    ],
)
def test_profile_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profile(profile)
    assert str(caught.value).startswith(f"{profile}: ")
    assert message in str(caught.value)


def test_profile_column_missing_from_file_via_cli(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text("[columns]\ncase = 'Dnr'\nactivity = 'Steg'\ntimestamp = 'Tid'\n", encoding="utf-8")
    path = write_csv(tmp_path / "e.csv", [["D1", "a", "2025-03-14"]], header=["Ärende", "Aktivitet", "Tidpunkt"])
    result = run("validate", path, "--profile", profile)
    assert result.exit_code == 1
    assert f"column 'Dnr' (profile {profile}, case) is not in the file; found: Ärende, Aktivitet, Tidpunkt" in (
        result.stderr)
    missing = run("validate", path, "--profile", tmp_path / "nope.toml")
    assert missing.exit_code == 1 and "no such profile" in missing.stderr
