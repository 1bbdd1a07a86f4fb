"""``python -m flows``: mistakes give exit code 1 and one line, before Prefect starts."""

from __future__ import annotations

from typer.testing import CliRunner

from flows.__main__ import app
from tests.automations.support import write_config, write_csv


def test_a_missing_config_is_exit_1_with_one_line(tmp_path):
    log = write_csv(tmp_path / "export.csv")
    result = CliRunner().invoke(app, ["run", "run-automations", "--log", str(log), "--config",
                                      str(tmp_path / "missing.toml")])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {tmp_path / 'missing.toml'}: config file not found; copy " \
        "automations.example.toml and adapt it"


def test_a_missing_export_is_exit_1(tmp_path):
    config = write_config(tmp_path)
    result = CliRunner().invoke(app, ["run", "weekly-report", "--log", str(tmp_path / "none.csv"), "--config",
                                      str(config)])
    assert result.exit_code == 1 and "none.csv: no such file or folder" in result.output


def test_resolve_pending_takes_sent_or_retry(tmp_path):
    result = CliRunner().invoke(app, ["run", "run-automations", "--log", "x", "--resolve-pending", "maybe"])
    assert result.exit_code == 2 and "--resolve-pending takes sent or retry" in result.output


def test_ledger_lists_entries(tmp_path):
    from automations.actions import Action
    from automations.ledger import Ledger

    config = write_config(tmp_path)
    with Ledger(tmp_path / "state" / "ledger.sqlite3") as ledger:
        action = Action("remind_completion", "A-1", "request x", "2025-W10", "a1@example.se", "s", "b")
        ledger.claim(action, message_id="<m>", run_id="r")
    result = CliRunner().invoke(app, ["ledger", "--config", str(config), "--status", "pending"])
    assert result.exit_code == 0
    assert "pending" in result.output and "remind_completion  A-1  [request x / 2025-W10]" in result.output
    assert "1 entry in" in result.output
