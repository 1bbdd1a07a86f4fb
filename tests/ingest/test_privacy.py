"""Pseudonymised case officers, the key and keygen, masked personal identity numbers."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pandas as pd
import pytest

from processmining.errors import ConfigError
from processmining.ingest import load_key, mask_personal_numbers, pseudonymise, read_log
from processmining.log import RESOURCE

from ._util import run, write_csv

ROWS = [["D1", "Ansökan", "2025-03-14", "Anna Andersson"], ["D1", "Beslut", "2025-03-15", "Bo Berg"],
        ["D2", "Ansökan", "2025-03-14", "Anna Andersson"]]
HEAD = ["Ärende", "Aktivitet", "Tidpunkt", "Handläggare"]


def test_pseudonyms_are_keyed_hmac() -> None:
    names = pd.Series(["Anna Andersson", "Bo Berg", None, "Anna Andersson"])
    out = pseudonymise(names, b"secret")
    expected = "H-" + hmac.new(b"secret", b"Anna Andersson", hashlib.sha256).hexdigest()[:10]
    assert out.iloc[0] == expected == out.iloc[3]
    assert pd.isna(out.iloc[2])
    assert out.iloc[1] != out.iloc[0]
    assert pseudonymise(names, b"other").iloc[0] != expected


def test_resources_pseudonymised_by_default_and_kept_on_request(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", ROWS, header=HEAD)
    log = read_log(path, key=b"secret")
    assert log.source.pseudonymised
    assert "Anna Andersson" not in set(log.events[RESOURCE])
    assert log.events[RESOURCE].str.fullmatch(r"H-[0-9a-f]{10}").all()
    plain = read_log(path, pseudonymise=False)
    assert not plain.source.pseudonymised and set(plain.events[RESOURCE]) == {"Anna Andersson", "Bo Berg"}


def test_key_sources_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY_FILE", raising=False)
    with pytest.raises(ConfigError, match="run `processmining keygen`"):
        load_key()
    (tmp_path / ".processmining").mkdir()
    (tmp_path / ".processmining" / "pseudonym.key").write_text("from-default-file\n")
    assert load_key() == b"from-default-file"
    named = tmp_path / "k.key"
    named.write_text("from-named-file")
    monkeypatch.setenv("PROCESSMINING_PSEUDONYM_KEY_FILE", str(named))
    assert load_key() == b"from-named-file"
    monkeypatch.setenv("PROCESSMINING_PSEUDONYM_KEY", "from-env")
    assert load_key() == b"from-env"


def test_no_key_is_a_clear_error_only_when_there_are_resources(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY_FILE", raising=False)
    with_names = write_csv(tmp_path / "p.csv", ROWS, header=HEAD)
    result = run("validate", with_names)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: no pseudonymisation key: run `processmining keygen` (writes .processmining/pseudonym.key) or set "
        "PROCESSMINING_PSEUDONYM_KEY, or pass --no-pseudonymise to keep names")
    assert run("validate", with_names, "--no-pseudonymise").exit_code == 0
    without = write_csv(tmp_path / "q.csv", [r[:3] for r in ROWS], header=HEAD[:3])
    assert run("validate", without).exit_code == 0


def test_keygen_writes_a_private_key_and_refuses_to_overwrite(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY", raising=False)
    first = run("keygen")
    assert first.exit_code == 0, first.output
    path = tmp_path / ".processmining" / "pseudonym.key"
    key = path.read_text().strip()
    assert len(key) == 64 and int(key, 16) >= 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key() == key.encode()
    again = run("keygen")
    assert again.exit_code == 1 and "--force" in again.stderr
    assert path.read_text().strip() == key
    assert run("keygen", "--force").exit_code == 0
    assert path.read_text().strip() != key
    other = tmp_path / "keys" / "k.key"
    assert run("keygen", "--out", other).exit_code == 0 and stat.S_IMODE(other.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("pnr 19121212-1212 ring", "pnr ********-**** ring"),
        ("121212-1212", "******-****"),
        ("1212121212", "**********"),
        ("född 121212+1212", "född ******+****"),            # over 100 years old
        ("samordningsnr 701063-2391", "samordningsnr ******-****"),  # day 63 = 3rd + 60
        ("order 8501011234", "order 8501011234"),            # Luhn fails: not a personnummer
        ("ärende 20250314-0001 och 19121212-1212", "ärende 20250314-0001 och ********-****"),
        ("1191212121212", "1191212121212"),                  # part of a longer number
    ],
)
def test_personal_numbers_masked(text: str, masked: str) -> None:
    assert mask_personal_numbers(pd.Series([text])).iloc[0] == masked


def test_personal_numbers_masked_in_every_text_column_at_ingest(tmp_path: Path) -> None:
    rows = [["D1", "Ansökan", "2025-03-14", "sökande 19121212-1212", "8501011234"]]
    path = write_csv(tmp_path / "k.csv", rows, header=["Ärende", "Aktivitet", "Tidpunkt", "Kommentar", "Order"])
    log = read_log(path)
    assert log.events["Kommentar"].iloc[0] == "sökande ********-****"
    assert log.events["Order"].iloc[0] == 8501011234
    assert any("1 value(s) with a Swedish personal identity number masked" in n for n in log.source.notes)
