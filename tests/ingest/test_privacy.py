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
from processmining.ingest.privacy import user_key_path
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


def _no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No key in the environment or the current folder; a fresh configuration folder. Its key file's path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "processmining" / "pseudonym.key"


def test_key_sources_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    created = _no_key(tmp_path, monkeypatch)
    with pytest.raises(ConfigError, match=r"no pseudonymisation key in .*config/processmining/pseudonym.key: run "
                                          r"`processmining keygen --out FILE`"):
        load_key(create=False)
    assert not created.exists()
    first = load_key()  # created on first use, in the configuration folder
    assert first == created.read_text().strip().encode() and len(first) == 64
    assert stat.S_IMODE(created.stat().st_mode) == 0o600
    assert stat.S_IMODE(created.parent.stat().st_mode) == 0o700
    assert [p.name for p in created.parent.iterdir()] == ["pseudonym.key"]  # no temporary file left behind
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and f"created the pseudonymisation key {created} (mode 0600)" in lines[0]
    assert load_key() == first and capsys.readouterr().err == ""  # found, not created again
    (tmp_path / ".processmining").mkdir()
    (tmp_path / ".processmining" / "pseudonym.key").write_text("from-default-file\n")
    assert load_key() == b"from-default-file"
    named = tmp_path / "k.key"
    named.write_text("from-named-file")
    monkeypatch.setenv("PROCESSMINING_PSEUDONYM_KEY_FILE", str(named))
    assert load_key() == b"from-named-file"
    monkeypatch.setenv("PROCESSMINING_PSEUDONYM_KEY", "from-env")
    assert load_key() == b"from-env"
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY")
    monkeypatch.setenv("PROCESSMINING_PSEUDONYM_KEY_FILE", str(tmp_path / "gone.key"))
    with pytest.raises(ConfigError, match="gone.key: key file named by PROCESSMINING_PSEUDONYM_KEY_FILE does not"):
        load_key()


def test_runs_starting_at_once_share_the_one_key_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A flow's parallel tasks on a worker without a key: one key is created and every task uses it."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    created = _no_key(tmp_path, monkeypatch)
    start = threading.Barrier(8)

    def first_use(_: int) -> bytes:
        start.wait()
        return load_key()

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(first_use, range(8)))
    assert keys == {created.read_text().strip().encode()}
    assert capsys.readouterr().err.count("created the pseudonymisation key") == 1
    assert [p.name for p in created.parent.iterdir()] == ["pseudonym.key"]


def test_config_folder_follows_xdg_else_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert user_key_path() == tmp_path / "xdg" / "processmining" / "pseudonym.key"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")  # the XDG rule: only an absolute path counts
    assert user_key_path() == tmp_path / "home" / ".config" / "processmining" / "pseudonym.key"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert user_key_path() == tmp_path / "home" / ".config" / "processmining" / "pseudonym.key"


def test_first_validate_creates_the_key_only_when_names_are_pseudonymised(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    created = _no_key(tmp_path, monkeypatch)
    with_names = write_csv(tmp_path / "p.csv", ROWS, header=HEAD)
    without = write_csv(tmp_path / "q.csv", [r[:3] for r in ROWS], header=HEAD[:3])
    assert run("validate", without).exit_code == 0 and not created.exists()  # no names, no key needed
    kept = run("validate", with_names, "--no-pseudonymise")
    assert kept.exit_code == 0 and "as in the source" in kept.stdout and not created.exists()
    first = run("validate", with_names)
    assert first.exit_code == 0, first.output
    assert "Resources   pseudonymised" in first.stdout
    key_lines = [line for line in first.stderr.splitlines() if "pseudonymisation key" in line]
    assert key_lines == [first.stderr.strip()]
    assert str(created) in key_lines[0] and created.exists()
    assert run("validate", with_names).stderr == ""


def test_a_key_that_cannot_be_created_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_key(tmp_path, monkeypatch)
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "not-a-folder"))
    result = run("validate", write_csv(tmp_path / "p.csv", ROWS, header=HEAD))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'not-a-folder' / 'processmining' / 'pseudonym.key'}: cannot create the "
        "pseudonymisation key (Not a directory); run `processmining keygen --out FILE` and set "
        "PROCESSMINING_PSEUDONYM_KEY_FILE=FILE, or set PROCESSMINING_PSEUDONYM_KEY, or pass --no-pseudonymise "
        "to keep names")


def test_keygen_writes_a_private_key_and_refuses_to_overwrite(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = _no_key(tmp_path, monkeypatch)
    first = run("keygen")
    assert first.exit_code == 0, first.output
    assert f"key written to {path}" in first.stderr
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
