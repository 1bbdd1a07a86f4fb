"""A newcomer's first run on their own export: no keygen, no key anywhere, and `analyze` works.

The real command in its own process with a fresh HOME and XDG_CONFIG_HOME and no key in the environment,
as on a machine that has never run the tool.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

NAMES = ("Anna Andersson", "Bo Berg", "Cecilia Ek")


def _export(path: Path) -> Path:
    """40 cases handed between three case officers (enough for the handover graph to show them)."""
    rows = ["Ärende;Aktivitet;Tidpunkt;Handläggare"]
    for i in range(40):
        day = 3 + i % 20
        rows += [f"D{i};Ansökan;2025-03-{day:02d} 09:00;{NAMES[i % 2]}",
                 f"D{i};Granskning;2025-03-{day:02d} 13:00;{NAMES[2]}",
                 f"D{i};Beslut;2025-03-{day + 3:02d} 10:00;{NAMES[(i + 1) % 2]}"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _officers(out: Path) -> set[str]:
    """The case officers as the handover graph names them."""
    return set(re.findall(r'<node id="([^"]+)"', (out / "handovers.graphml").read_text(encoding="utf-8")))


def test_analyze_on_a_fresh_machine_creates_the_key_once_and_keeps_using_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    export = _export(work / "some_export.csv")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PROCESSMINING_PSEUDONYM_KEY", "PROCESSMINING_PSEUDONYM_KEY_FILE")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), PYTHONPATH=str(ROOT),
               PM4PY_SHOW_PROGRESS_BAR="False")

    def analyze(out: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "processmining", "analyze", export.name, "--out", out],
                              capture_output=True, text=True, env=env, cwd=work, timeout=300, check=False)

    first = analyze("r")
    assert first.returncode == 0, first.stderr
    key_file = home / ".config" / "processmining" / "pseudonym.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text(encoding="ascii").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    said = [line for line in first.stderr.splitlines() if "pseudonymisation key" in line]
    assert len(said) == 1, first.stderr
    line = said[0]
    for part in (f"created the pseudonymisation key {key_file} (mode 0600)", "keep it secret and back it up",
                 "reports made with another key show other pseudonyms",
                 "copy this file to the same place on the analysts' machines and the flows' workers",
                 "set PROCESSMINING_PSEUDONYM_KEY"):
        assert part in line, part
    expected = {"H-" + hmac.new(key.encode(), n.encode(), hashlib.sha256).hexdigest()[:10] for n in NAMES}
    assert _officers(work / "r") == expected  # the names pseudonymised with the key just created
    assert not any(n in (work / "r" / "summary.json").read_text(encoding="utf-8") for n in NAMES)
    assert sorted(p.name for p in work.iterdir()) == ["r", "some_export.csv"]  # no key in the current folder

    second = analyze("r2")
    assert second.returncode == 0, second.stderr
    assert "pseudonymisation key" not in second.stderr  # found, not created again
    assert key_file.read_text(encoding="ascii").strip() == key
    assert _officers(work / "r2") == expected


def _no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No key in the environment or the current folder, a fresh configuration folder; its key file's path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "processmining" / "pseudonym.key"


def test_the_analyze_export_flow_gets_the_key_the_same_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The served flow's task body (``flows.tasks.analyse_export``) on a worker that has no key yet."""
    from flows.tasks import analyse_export

    key_file = _no_key(tmp_path, monkeypatch)
    out = analyse_export(_export(tmp_path / "export.csv"), tmp_path / "r")
    key = key_file.read_text(encoding="ascii").strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _officers(out) == {"H-" + hmac.new(key.encode(), n.encode(), hashlib.sha256).hexdigest()[:10]
                              for n in NAMES}
    assert capsys.readouterr().err.count("created the pseudonymisation key") == 1


def test_automations_use_a_created_key_and_create_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The automations need no names: without a key they read them as they are (and create no key); once the
    configuration folder holds one, they pseudonymise like every other command."""
    from automations.state import read_export
    from processmining.ingest import load_key
    from processmining.log import RESOURCE

    key_file = _no_key(tmp_path, monkeypatch)
    export = _export(tmp_path / "export.csv")
    assert set(read_export(export).events[RESOURCE]) == set(NAMES) and not key_file.exists()
    key = load_key()
    assert key_file.exists()
    assert set(read_export(export).events[RESOURCE]) == {
        "H-" + hmac.new(key, n.encode(), hashlib.sha256).hexdigest()[:10] for n in NAMES}
