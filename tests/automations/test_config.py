"""The automation config: the documented example loads, mistakes name the file and the key."""

from __future__ import annotations

import pytest

from automations.config import AutomationConfig, load_config
from processmining.errors import ConfigError
from tests.support import ROOT


def test_the_documented_example_loads():
    config = load_config(ROOT / "automations.example.toml")
    assert config.smtp.security == "starttls" and config.smtp.port == 587
    assert config.smtp.password_env == "PROCESSMINING_SMTP_PASSWORD"
    assert config.alert_target.mailbox("Handläggning Syd") == "syd@myndigheten.se"
    assert config.alert_target.mailbox("Okänd enhet") is None
    assert config.targets is not None and dict(config.targets.values)["Exportcheck"] == 30
    assert config.ledger == ROOT / ".processmining" / "ledger.sqlite3"
    assert config.remind_completion.after_days == 10 and config.remind_completion.repeat == "week"


def test_defaults_without_a_file():
    config = load_config(None)
    assert config == AutomationConfig()
    assert config.lang == "sv" and config.activities.received == "Ansökan inkommen"


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    path = tmp_path / "conf" / "automations.toml"
    path.parent.mkdir()
    path.write_text('[general]\nledger = "l.sqlite3"\n[outbox]\nfolder = "../out"\n', encoding="utf-8")
    config = load_config(path)
    assert config.ledger == tmp_path / "conf" / "l.sqlite3"
    assert config.outbox.folder.resolve() == (tmp_path / "out").resolve()


@pytest.mark.parametrize(("text", "message"), [
    ("[smtp]\nhots = 'x'\n", r"\[smtp\] unknown key 'hots'; known: "),
    ("[reminders]\n", r"unknown section \[reminders\]"),
    ("[remind_completion]\nafter_days = 'ten'\n", r"\[remind_completion\] after_days: must be a number"),
    ("[remind_completion]\nrepeat = 'hourly'\n", r"repeat: 'hourly' is not one of once, day, week, month"),
    ("[smtp]\nsecurity = 'tls'\n", r"security: 'tls' is not one of none, starttls, ssl"),
    ("[alert_target.mailboxes]\nNord = 'nord'\n", r"must map unit names to addresses"),
    ("[general\n", r"not valid TOML"),
])
def test_mistakes_name_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "automations.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(info.value).startswith(str(path))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found; copy automations.example.toml"):
        load_config(tmp_path / "nope.toml")
