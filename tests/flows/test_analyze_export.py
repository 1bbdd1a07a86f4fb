"""analyze_export on a drop folder with two good exports and one broken one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support import shared_log


def test_two_reports_one_quarantined_inputs_archived(prefect_harness, tmp_path):
    from flows.analyze_export import analyze_export

    drop, out = tmp_path / "drop", tmp_path / "reports"
    drop.mkdir()
    example = shared_log("running-example.csv")
    shutil.copy(example, drop / "export_monday.csv")
    shutil.copy(example, drop / "export_tuesday.csv")
    (drop / "broken.csv").write_bytes(bytes(range(256)) * 8)  # binary junk named .csv

    result = analyze_export(str(drop), str(out))

    assert sorted(p.name for p in out.iterdir()) == ["export_monday", "export_tuesday"]
    for name in ("export_monday", "export_tuesday"):
        summary = json.loads((out / name / "summary.json").read_text(encoding="utf-8"))
        assert (summary["cases"], summary["events"]) == (6, 42)
        assert (out / name / "bottlenecks.xlsx").is_file()
    assert sorted(p.name for p in (drop / "archive").iterdir()) == ["export_monday.csv", "export_tuesday.csv"]
    assert sorted(p.name for p in (drop / "quarantine").iterdir()) == ["broken.csv", "broken.csv.error.txt"]
    reason = (drop / "quarantine" / "broken.csv.error.txt").read_text(encoding="utf-8")
    assert reason.count("\n") == 1 and "broken.csv" in reason and "binary" in reason
    assert sorted(p.name for p in drop.iterdir() if p.is_file()) == []
    assert [item["file"] for item in result["analysed"]] == ["export_monday.csv", "export_tuesday.csv"]
    assert len(result["quarantined"]) == 1 and result["quarantined"][0]["reason"] == reason.strip()


def test_without_a_pseudonymisation_key_nothing_is_quarantined_and_the_run_fails(prefect_harness, tmp_path,
                                                                                  monkeypatch):
    """No key configured and none can be created (the worker's configuration folder cannot be written): a
    set-up problem, not the file's."""
    from flows.analyze_export import analyze_export

    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)  # no .processmining/pseudonym.key here either
    (tmp_path / "not-a-folder").write_text("x")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "not-a-folder" / "config"))  # cannot be created
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(shared_log("running-example.csv"), drop / "export_monday.csv")

    state = analyze_export(str(drop), str(tmp_path / "reports"), return_state=True)

    assert state.is_failed()
    assert "left in" in state.message and "pseudonymisation key" in state.message
    result = state.result(raise_on_failure=False)
    assert result["quarantined"] == [] and [Path(i["file"]).name for i in result["left"]] == ["export_monday.csv"]
    assert (drop / "export_monday.csv").is_file() and not (drop / "quarantine").exists()
