"""A lone CR (or CRLF, or LF) inside a quoted CSV field is part of the value, never the end of a row."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from processmining.ingest import read_log
from processmining.log import CASE


def _export(eol: bytes) -> bytes:
    rows = [b"Diarienummer;Aktivitet;Tidpunkt;E-post"]
    for i in range(40):
        value = b'"x%d@example.org\rBcc: y@example.org"' % i if i % 4 == 0 else b"a%d@example.org" % i
        rows.append(b"D-%03d;Ansokan inkommen;2025-03-14 09:%02d;%s" % (i, i, value))
    rows.append(b'D-100;Beslut fattat;2025-03-20 10:00;"rad ett\r\nrad tv\xc3\xa5\nrad tre\rslut"')
    return eol.join(rows) + eol


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("variant", ["utf-8", "cp1252", "gzip"])
def test_a_lone_cr_in_a_quoted_field_stays_in_the_field(tmp_path: Path, eol: bytes, variant: str) -> None:
    data = _export(eol)
    path = tmp_path / "export.csv"
    if variant == "cp1252":  # read through the checking stream instead of pyarrow's direct read
        data = data.decode("utf-8").encode("cp1252")
    if variant == "gzip":
        path = tmp_path / "export.csv.gz"
        data = gzip.compress(data)
    path.write_bytes(data)
    log = read_log(path, pseudonymise=False)
    assert log.source.rows_read == 41 and len(log.rejects) == 0 and log.n_events == 41
    email = dict(zip(log.events[CASE], log.events["E-post"], strict=True))
    assert email["D-000"] == "x0@example.org\rBcc: y@example.org"
    assert email["D-036"] == "x36@example.org\rBcc: y@example.org"
    assert email["D-001"] == "a1@example.org"
    assert email["D-100"] == "rad ett\r\nrad två\nrad tre\rslut"
