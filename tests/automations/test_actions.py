"""The automations: which actions, to whom, with which ledger key and text."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from automations.actions import (
    acknowledge_receipt,
    alert_target,
    period_of,
    remind_completion,
    weekly_bottleneck_report,
)
from automations.config import load_config
from automations.state import build_state
from processmining.errors import AutomationError, ConfigError
from tests.automations.support import NOW, event_log, frame, write_config


@pytest.fixture
def config(tmp_path):
    return load_config(write_config(tmp_path))


@pytest.fixture
def state(config):
    return build_state(event_log(), config, now=NOW)


def test_receipts_go_to_unacknowledged_cases_and_to_the_outbox_without_address(state, config):
    actions = acknowledge_receipt(state, config, NOW)
    assert [(a.case, a.channel, a.recipient) for a in actions] == [
        ("A-2", "outbox", None), ("A-5", "email", "a5@example.se"), ("A-9", "email", "a9@example.se")]
    assert all(a.key[2:] == ("receipt", "once") for a in actions)
    a5 = actions[1]
    assert a5.subject == "Vi har tagit emot din ansökan (A-5)"
    assert "ansökan om Exportcheck den 2025-02-27" in a5.body and "Testmyndigheten" in a5.body
    assert actions[0].payload["reason"] == "no applicant e-mail address"


def test_reminders_once_per_request_per_week(state, config):
    actions = remind_completion(state, config, NOW)
    assert [(a.case, a.channel) for a in actions] == [("A-1", "email"), ("A-6", "outbox")]
    a1 = actions[0]
    assert a1.key == ("remind_completion", "A-1", "request 2025-02-03T09:00:00+01:00", "2025-W10")
    assert a1.subject == "Påminnelse: komplettering saknas i ärende A-1"
    assert "20,3 arbetsdagar" in a1.body and "2025-02-03" in a1.body
    # The next week the same request gets a new period, so one more reminder; the same week none.
    assert remind_completion(state, config, "2025-03-05 08:00")[0].period == "2025-W10"
    assert remind_completion(state, config, "2025-03-10 08:00")[0].period == "2025-W11"
    once = replace(config, remind_completion=replace(config.remind_completion, repeat="once"))
    assert remind_completion(state, once, NOW)[0].period == "once"


def test_reminder_threshold_is_in_working_days(state, config):
    strict = replace(config, remind_completion=replace(config.remind_completion, after_days=16))
    assert [a.case for a in remind_completion(state, strict, NOW)] == ["A-1"]  # A-6 waits 15.3 days
    lenient = replace(config, remind_completion=replace(config.remind_completion, after_days=3))
    assert [a.case for a in remind_completion(state, lenient, NOW)] == ["A-1", "A-6", "A-7"]


def test_alerts_go_to_the_unit_mailbox_or_the_outbox(state, config):
    actions = alert_target(state, config, NOW)
    assert [(a.case, a.step, a.recipient) for a in actions] == [("A-8", "overdue", "mitt@example.se")]
    assert actions[0].subject == "Ärende A-8 har passerat handläggningsmålet"
    assert "Mål: 20 arbetsdagar" in actions[0].body and "\u221210,3" in actions[0].body
    # Within 45 days of the target: A-1 (41 left, unit without a mailbox) goes to the outbox.
    wide = replace(config, alert_target=replace(config.alert_target, within_days=45))
    by_case = {a.case: a for a in alert_target(state, wide, NOW)}
    assert by_case["A-1"].step == "approaching" and by_case["A-1"].channel == "outbox"
    assert by_case["A-1"].payload["reason"] == "no mailbox for unit Handläggning Syd"
    fallback = replace(wide, alert_target=replace(wide.alert_target, default_mailbox="alla@example.se"))
    assert {a.case: a.recipient for a in alert_target(state, fallback, NOW)}["A-1"] == "alla@example.se"


def test_english_texts(state, config):
    english = replace(config, lang="en")
    assert acknowledge_receipt(state, english, NOW)[1].subject == "We have received your application (A-5)"
    assert alert_target(state, english, NOW)[0].subject == "Case A-8 is past its handling-time target"


def test_personal_numbers_never_leave_in_a_message(tmp_path):
    data = frame()
    data.loc[data["case:concept:name"] == "A-5", "case:program"] = "Exportcheck (sökande 19121212-1212)"
    from processmining.log import EventLog

    log = EventLog.from_frame(data)
    config = load_config(write_config(tmp_path))
    a5 = [a for a in acknowledge_receipt(build_state(log, config, now=NOW), config, NOW) if a.case == "A-5"][0]
    assert "19121212-1212" not in a5.body and "********-****" in a5.body


def test_templates_from_the_config(tmp_path):
    path = write_config(tmp_path, extra='[templates.sv.acknowledge_receipt]\nsubject = "Kvitto {case}"\n')
    config = load_config(path)
    actions = acknowledge_receipt(build_state(event_log(), config, now=NOW), config, NOW)
    assert actions[1].subject == "Kvitto A-5"
    assert "Vi har tagit emot din ansökan om Exportcheck" in actions[1].body  # the body keeps the default
    bad = write_config(tmp_path, extra='[templates.sv.acknowledge_receipt]\nsubject = "Kvitto {personnummer}"\n')
    with pytest.raises(ConfigError, match=r"unknown field \{personnummer\}; available: case, programme"):
        load_config(bad)


def test_weekly_report_one_message_per_recipient_with_the_workbook(tmp_path, state, config):
    report = tmp_path / "weekly" / "2025-W10"
    report.mkdir(parents=True)
    (report / "bottlenecks.xlsx").write_bytes(b"PK\x03\x04 workbook")
    (report / "summary.json").write_text(json.dumps({
        "source": {"path": "/exports/export_2025-03-03.csv"},
        "bottlenecks": [{"from": "Bedömning", "to": "Beslut fattat", "count": 812, "median_wait_days": 21.4,
                         "score": 0.9}],
    }), encoding="utf-8")
    actions = weekly_bottleneck_report(state, config, NOW, report=report)
    assert [(a.recipient, a.period, a.case) for a in actions] == [
        ("chef@example.se", "2025-W10", "*"), ("analys@example.se", "2025-W10", "*")]
    assert actions[0].payload["attachments"] == [str(report / "bottlenecks.xlsx")]
    assert actions[0].subject == "Veckorapport om flaskhalsar, 2025-W10"
    body = actions[0].body
    assert "export_2025-03-03.csv" in body and "Öppna ärenden: 8" in body and "Över handläggningsmålet: 1" in body
    assert "- Bedömning → Beslut fattat: 21,4 dagar (812 gånger)" in body
    (report / "bottlenecks.xlsx").unlink()
    with pytest.raises(AutomationError, match="bottlenecks.xlsx: missing"):
        weekly_bottleneck_report(state, config, NOW, report=report)
    nobody = replace(config, weekly_bottleneck_report=replace(config.weekly_bottleneck_report, recipients=()))
    with pytest.raises(ConfigError, match="recipients is empty"):
        weekly_bottleneck_report(state, nobody, NOW, report=report)


def test_period_of():
    now = pd.Timestamp("2025-12-29 10:00", tz="Europe/Stockholm")  # ISO week 1 of 2026
    periods = [period_of(now, r) for r in ("once", "day", "week", "month")]
    assert periods == ["once", "2025-12-29", "2026-W01", "2025-12"]


def test_message_id_depends_on_the_key_only(state, config):
    first = remind_completion(state, config, NOW)[0]
    again = replace(first, subject="changed", body="changed")
    assert first.message_id("x.se") == again.message_id("x.se")
    assert first.message_id("x.se") != replace(first, period="2025-W11").message_id("x.se")
    assert first.message_id("x.se").endswith("@x.se>")
