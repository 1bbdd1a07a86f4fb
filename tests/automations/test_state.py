"""Open-case state: which cases are open, outstanding requests, working days, targets."""

from __future__ import annotations

import pandas as pd
import pytest

from automations.config import AutomationConfig, load_config
from automations.state import build_state, latest_export
from processmining.errors import ConfigError, UnreadableFileError
from processmining.log import EventLog
from tests.automations.support import NOW, event_log, write_config


@pytest.fixture
def config(tmp_path):
    return load_config(write_config(tmp_path))


def test_open_cases_exclude_closed_ones(config):
    state = build_state(event_log(), config, now=NOW)
    assert list(state.cases.index) == ["A-1", "A-2", "A-3", "A-5", "A-6", "A-7", "A-8", "A-9"]
    assert state.closed_cases == 1
    assert state.summary()["unacknowledged"] == 3


def test_outstanding_requests_and_their_working_days(config):
    state = build_state(event_log(), config, now=NOW)
    requests = state.requests.set_index("case")
    # A-3's request was answered, A-4 is closed: only A-1, A-6 and A-7 wait for the applicant.
    assert list(requests.index) == ["A-1", "A-6", "A-7"]
    # 2025-02-03 09:00 -> 2025-03-03 12:00: 20 full working days and 3 hours of a 9-hour day.
    assert requests.loc["A-1", "waiting_days"] == pytest.approx(20 + 3 / 9)
    assert requests.loc["A-7", "waiting_days"] == pytest.approx(3 + 3 / 9)
    assert state.cases.loc["A-1", "open_requests"] == 1
    assert state.cases.loc["A-3", "open_requests"] == 0


def test_days_open_handling_days_and_target(config):
    cases = build_state(event_log(), config, now=NOW).cases
    # A-1 opened Tuesday 2025-01-07 09:00 (6 January is a holiday): 39 working days - 1 h + 4 h.
    assert cases.loc["A-1", "days_open"] == pytest.approx(39 + 3 / 9)
    # The applicant's 20 1/3 working days since the request do not count as handling time.
    assert cases.loc["A-1", "handling_days"] == pytest.approx(19.0)
    assert cases.loc["A-1", "target"] == 60
    assert cases.loc["A-1", "days_left"] == pytest.approx(41.0)
    # "Regionalt investeringsstöd" has a 20-day target and has been open 30 1/3 working days.
    assert cases.loc["A-8", "target"] == 20
    assert cases.loc["A-8", "days_left"] == pytest.approx(-(10 + 1 / 3))


def test_unit_ignores_the_e_service_and_attributes_are_per_case(config):
    cases = build_state(event_log(), config, now=NOW).cases
    assert cases.loc["A-1", "unit"] == "Handläggning Syd"
    assert cases.loc["A-3", "unit"] == "Handläggning Nord"  # its last event is the e-service's
    assert cases.loc["A-8", "unit"] == "Handläggning Mitt"
    assert cases.loc["A-1", "email"] == "a1@example.se"
    assert pd.isna(cases.loc["A-2", "email"])
    assert cases.loc["A-8", "programme"] == "Regionalt investeringsstöd"


def test_now_defaults_to_the_last_event_and_later_events_are_ignored(config):
    log = event_log()
    assert build_state(log, config).now == log.events["time:timestamp"].max()
    early = build_state(log, config, now="2025-01-15 12:00")
    # On 15 January A-3's completion had not arrived and A-4 was not closed yet.
    assert set(early.requests["case"]) == {"A-3", "A-4"}
    assert "A-9" not in early.cases.index


def test_without_targets_there_are_no_days_left():
    cases = build_state(event_log(), AutomationConfig(), now=NOW).cases
    assert cases["target"].isna().all() and cases["days_left"].isna().all()
    assert cases.loc["A-1", "handling_days"] == pytest.approx(19.0)


def test_a_bad_now_is_a_config_error(config):
    with pytest.raises(ConfigError, match="not a time"):
        build_state(event_log(), config, now="next tuesday")


def test_latest_export_picks_the_newest_log_in_a_folder(tmp_path):
    import os

    old, new = tmp_path / "export_1.csv", tmp_path / "export_2.csv"
    old.write_text("x"), new.write_text("x"), (tmp_path / "notes.md").write_text("x")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    assert latest_export(tmp_path) == new
    assert latest_export(old) == old
    with pytest.raises(UnreadableFileError, match="no such file or folder"):
        latest_export(tmp_path / "nothing_here")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UnreadableFileError, match="no log file"):
        latest_export(tmp_path / "empty")


def test_requests_of_many_cases_are_matched_to_their_own_completions():
    # 2,000 cases; the last 500 have no completion: a completion of another case must never count.
    n = 2_000
    base = pd.Timestamp("2025-01-07 09:00", tz="Europe/Stockholm")
    cases = [f"C{i:05d}" for i in range(n)]
    frame = pd.DataFrame({
        "case:concept:name": cases * 2 + cases[: n - 500],
        "concept:name": ["Ansökan inkommen"] * n + ["Komplettering begärd"] * n
        + ["Komplettering inkommen"] * (n - 500),
        "time:timestamp": [base] * n + [base + pd.Timedelta(days=1)] * n + [base + pd.Timedelta(days=3)] * (n - 500),
    })
    state = build_state(EventLog.from_frame(frame), AutomationConfig(), now="2025-02-07 12:00")
    assert list(state.requests["case"]) == cases[n - 500:]


def test_applicant_time_counts_when_no_open_case_has_a_completion_yet():
    # Only the closed case has a "Komplettering inkommen": the open case's unanswered request still
    # stops its clock (measured on every known event, not just the open cases').
    frame = pd.DataFrame({
        "case:concept:name": ["X", "X", "X", "X", "Y", "Y"],
        "concept:name": ["Ansökan inkommen", "Komplettering begärd", "Komplettering inkommen", "Ärende avslutat",
                         "Ansökan inkommen", "Komplettering begärd"],
        "time:timestamp": ["2025-01-07 09:00", "2025-01-08 09:00", "2025-01-09 09:00", "2025-01-10 09:00",
                           "2025-02-03 08:00", "2025-02-04 08:00"],
    })
    state = build_state(EventLog.from_frame(frame), AutomationConfig(), now="2025-02-07 08:00")
    assert state.basis == "agency" and list(state.cases.index) == ["Y"]
    assert state.cases.loc["Y", "days_open"] == pytest.approx(4.0)
    assert state.cases.loc["Y", "handling_days"] == pytest.approx(1.0)  # 3 days wait for the applicant
