"""Timestamps: formats, offsets, DST gap and overlap, day/month order never guessed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from processmining.errors import TimestampError
from processmining.ingest import read_log
from processmining.ingest.timestamps import parse_timestamps
from processmining.log import ROW, TIMESTAMP

from ._util import run, run_json, write_csv

STOCKHOLM = "Europe/Stockholm"


def _log(tmp_path: Path, stamps: list[str], **options: object):  # noqa: ANN202
    rows = [[f"D{i}", "Beslut", t] for i, t in enumerate(stamps)]
    path = write_csv(tmp_path / "t.csv", rows, header=["Ärende", "Aktivitet", "Tidpunkt"])
    return read_log(path, **options)


def _by_row(log):  # noqa: ANN001, ANN202
    return log.events.set_index(ROW)[TIMESTAMP]


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-03-14T09:12:00+01:00", "2025-03-14 08:12"),
        ("2025-07-14T09:12:00.250+02:00", "2025-07-14 07:12:00.250"),
        ("2025-07-14 09:12:00Z", "2025-07-14 09:12"),
        ("2025-03-14 09:12", "2025-03-14 08:12"),
        ("2025-07-14", "2025-07-13 22:00"),
        ("2025-03-14 kl. 09.12", "2025-03-14 08:12"),
        ("14 mars 2025", "2025-03-13 23:00"),
        ("1 maj 2025 kl 08:05", "2025-05-01 06:05"),
        ("2014/10/22 11:15:41.000", "2014-10-22 09:15:41"),
        ("March 14, 2025 3:00 pm", "2025-03-14 14:00"),
        ("14/3/2025 9.12", "2025-03-14 08:12"),
        ("14.03.2025 09:12:30", "2025-03-14 08:12:30"),
    ],
)
def test_accepted_formats(text: str, utc: str) -> None:
    parsed = parse_timestamps(pd.Series([text]), column="Tidpunkt", path="x.csv", timezone=STOCKHOLM)
    assert not parsed.unparseable.any()
    assert parsed.values.iloc[0] == pd.Timestamp(utc, tz="UTC")


def test_mixed_offsets_become_the_right_instants(tmp_path: Path) -> None:
    log = _log(tmp_path, ["2015-01-10T00:00:00+01:00", "2015-07-10T00:00:00+02:00", "2015-07-10T00:00:00+01:00"])
    ts = _by_row(log)
    assert ts[2] == pd.Timestamp("2015-01-09 23:00", tz="UTC")
    assert ts[3] == pd.Timestamp("2015-07-09 22:00", tz="UTC")
    assert ts[4] == pd.Timestamp("2015-07-09 23:00", tz="UTC")  # same day, one hour later
    assert str(ts.dt.tz) == STOCKHOLM


def test_dst_gap_and_overlap(tmp_path: Path) -> None:
    log = _log(tmp_path, ["2025-03-30 02:30", "2025-10-26 02:30", "2025-10-26 02:30", "2025-10-26 03:30"])
    ts = _by_row(log)
    # 02:30 did not exist on 30 March: written by a clock not yet put forward, i.e. 02:30 +01:00
    assert ts[2] == pd.Timestamp("2025-03-30 01:30", tz="UTC")
    assert ts[2].strftime("%H:%M%z") == "03:30+0200"
    # 02:30 happened twice on 26 October: first summer time, then standard time
    assert ts[3] == pd.Timestamp("2025-10-26 00:30", tz="UTC")
    assert ts[4] == pd.Timestamp("2025-10-26 01:30", tz="UTC")
    assert ts[5] == pd.Timestamp("2025-10-26 02:30", tz="UTC")
    notes = " ".join(log.source.notes)
    assert "1 time(s) fall in the spring-forward gap" in notes
    assert "2 time(s) fall in the autumn overlap" in notes


def test_ambiguous_day_month_order_is_refused(tmp_path: Path) -> None:
    stamps = ["03/04/2025", "05/06/2025"]
    with pytest.raises(TimestampError, match=r"t\.csv: column Tidpunkt: dates like 03/04/2025 could be 3 April "
                                             r"or 4 March; pass --dayfirst or --monthfirst"):
        _log(tmp_path, stamps)
    assert _by_row(_log(tmp_path, stamps, dayfirst=True))[2] == pd.Timestamp("2025-04-03", tz=STOCKHOLM)
    assert _by_row(_log(tmp_path, stamps, dayfirst=False))[2] == pd.Timestamp("2025-03-04", tz=STOCKHOLM)


def test_ambiguous_order_on_the_command_line(tmp_path: Path) -> None:
    rows = [["D1", "Beslut", "03/04/2025"], ["D2", "Beslut", "05/06/2025"]]
    path = write_csv(tmp_path / "t.csv", rows, header=["Ärende", "Aktivitet", "Tidpunkt"])
    refused = run("validate", path)
    assert refused.exit_code == 1 and "--dayfirst or --monthfirst" in refused.stderr
    assert run_json("validate", path, "--monthfirst")["start"] == "2025-03-04T00:00:00.000+01:00"


def test_the_data_decides_the_order_and_says_so(tmp_path: Path) -> None:
    log = _log(tmp_path, ["03/04/2025", "13/04/2025"])
    assert _by_row(log)[2] == pd.Timestamp("2025-04-03", tz=STOCKHOLM)
    assert any("dates read day first, as the data shows (e.g. 13/04/2025)" in n for n in log.source.notes)


def test_unparseable_future_and_implausible_are_rejected(tmp_path: Path) -> None:
    now = pd.Timestamp("2025-06-01 12:00", tz=STOCKHOLM)
    log = _log(tmp_path, ["2025-05-01 10:00", "igår", "2025-02-30", "2026-01-01", "1985-01-01", ""], now=now)
    assert log.events[ROW].tolist() == [2]
    assert log.rejects[["row", "reason"]].values.tolist() == [
        [3, "unparseable timestamp"],
        [4, "unparseable timestamp"],
        [5, "timestamp in the future"],
        [6, "timestamp before 1990-01-01 (implausible)"],
        [7, "missing timestamp"],
    ]
    assert log.rejects["value"].tolist()[:2] == ["igår", "2025-02-30"]


def test_profile_format_and_timezone(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('[timestamps]\nformat = "%d.%m.%Y %H:%M"\ntimezone = "UTC"\nearliest = "2020-01-01"\n',
                       encoding="utf-8")
    log = _log(tmp_path, ["03.04.2025 10:00", "2025-04-03 10:00", "01.01.2019 10:00"], profile=profile)
    assert _by_row(log)[2] == pd.Timestamp("2025-04-03 10:00", tz="UTC")
    assert log.rejects["reason"].tolist() == ["unparseable timestamp", "timestamp before 2020-01-01 (implausible)"]
