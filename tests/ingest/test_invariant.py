"""Nothing is lost: rows read = events + rejects + duplicates, whatever damage a CSV carries."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processmining.errors import UnreadableFileError
from processmining.ingest import read_log
from processmining.log import ROW

HEADER = "Ärende;Aktivitet;Tidpunkt;Handläggare;Enhet;Belopp"
ACTIVITIES = ["Ansökan inkommen", "Komplettering begärd", "Beslut fattat", "Utbetalning", "beslut fattat"]
STAMPS = ["2025-03-14 09:12", "2025-03-14 kl. 10.05", "14 mars 2025", "2025-03-30 02:30", "2025-10-26T02:30:00+01:00",
          "15/03/2025 08:00"]
NOW = pd.Timestamp("2025-12-31 12:00", tz="Europe/Stockholm")

row = st.tuples(
    st.sampled_from(["D-1", "D-2", "D-3", "NA"]),
    st.sampled_from(ACTIVITIES),
    st.sampled_from(STAMPS),
    st.sampled_from(["Åsa", "Örjan", "Bo"]),
    st.sampled_from(["Syd", "Norr"]),
    st.sampled_from(["12 500,50", "300", "0,5"]),
).map(list)

damage = st.tuples(
    st.sampled_from(["bad_date", "future_date", "old_date", "empty_cell", "extra_field", "missing_field",
                     "cp1252", "duplicate", "blank_line"]),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=5),
)


def _apply(lines: list[list[str]], encodings: list[str], kind: str, at: int, field: int) -> None:
    i = at % len(lines)
    has_date = len(lines[i]) > 2
    if kind == "bad_date" and has_date:
        lines[i][2] = ["igår", "2025-02-30", "31/31/2025", "25:61"][field % 4]
    elif kind == "future_date" and has_date:
        lines[i][2] = "2031-01-01 10:00"
    elif kind == "old_date" and has_date:
        lines[i][2] = "1899-12-31"
    elif kind == "empty_cell" and field < len(lines[i]):
        lines[i][field] = ""
    elif kind == "extra_field":
        lines[i].append("extra")
    elif kind == "missing_field" and len(lines[i]) > 1:
        lines[i].pop()
    elif kind == "cp1252":
        encodings[i] = "cp1252"
    elif kind == "duplicate":
        lines.insert(i + 1, list(lines[i]))
        encodings.insert(i + 1, encodings[i])
    elif kind == "blank_line":
        lines.insert(i, [])
        encodings.insert(i, "utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=1, max_size=25), damages=st.lists(damage, max_size=12), drop=st.booleans())
def test_every_row_is_accounted_for(rows: list[list[str]], damages: list[tuple[str, int, int]], drop: bool) -> None:
    lines = [list(r) for r in rows]
    encodings = ["utf-8"] * len(lines)
    for kind, at, field in damages:
        _apply(lines, encodings, kind, at, field)
    data = HEADER.encode("utf-8") + b"\n" + b"".join(
        (";".join(fields) + "\n").encode(enc) for fields, enc in zip(lines, encodings, strict=True))
    # Rows a reader must account for: every data line that has any content (blank lines are skipped).
    expected = {n for n, fields in enumerate(lines, start=2) if any(f for f in fields)}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(data)
        try:
            log = read_log(path, now=NOW, dayfirst=True, key=b"k", drop_duplicates=drop)
        except UnreadableFileError:
            assert not expected
            return
    kept = set(log.events[ROW].tolist())
    rejected = set(log.rejects["row"].tolist())
    assert log.source.rows_read == len(expected)
    assert log.source.rows_read == log.n_events + len(log.rejects) + log.source.duplicates_removed
    assert len(kept) == log.n_events and len(rejected) == len(log.rejects)
    assert not kept & rejected
    assert kept | rejected <= expected
    assert len(expected - kept - rejected) == log.source.duplicates_removed
    if not drop:
        assert log.source.duplicates_removed == 0
    reasons = {"missing case id", "missing activity", "missing timestamp", "unparseable timestamp",
               "timestamp in the future", "timestamp before 1990-01-01 (implausible)"}
    for reason in set(log.rejects["reason"]):
        assert reason in reasons or re.fullmatch(r"expected 6 fields, found (?!6\b)\d+", reason), reason
    assert not {"Åsa", "Örjan", "Bo"} & set(log.events["org:resource"].dropna())  # pseudonymised
    assert set(log.events["concept:name"]) <= set(ACTIVITIES)  # å/ä/ö intact in either encoding
