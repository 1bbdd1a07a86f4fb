"""Automation candidates on the demo: the planted step ranks first, judgement steps and outside events are
classed from the data and never ranked; determinism/volume/rework/hours figures on small logs, pm4py
agreement on a real log, config and CLI. Logs the ranking was not shaped on: test_candidates_unseen.py."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from processmining.analyses.candidates import (
    CASE_END,
    CASE_START,
    FEATURES,
    CandidateConfig,
    CandidateReport,
    find_candidates,
    word_match,
)
from processmining.config import load_candidate_config
from processmining.errors import ConfigError
from processmining.log import ACTIVITY, CASE, RESOURCE, TIMESTAMP, EventLog
from processmining.simulate import PLANTED_AUTOMATION_CANDIDATE
from tests.support import ROOT, shared_log

DEMO = ROOT / "event_logs" / "demo.csv"
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
ANY = replace(CandidateConfig.default(), min_events=1)  # small logs: rank every activity
# The demo's steps by the role the simulator gives them (who does them, when, how long): what the data shows.
JUDGEMENT_STEPS = ("Bedömning", "Beslut fattat", "Omprövning")  # officers' long work, deciders, jurists
OUTSIDE_STEPS = ("Ansökan inkommen", "Komplettering inkommen", "Överklagande inkommit")  # e-service, applicant
PLANTED_ADMINISTRATIVE = (PLANTED_AUTOMATION_CANDIDATE, "Ärende fördelat", "Komplettering begärd", "Utbetalning begärd")


@cache
def demo_report(pseudonymise: bool = False) -> CandidateReport:
    from processmining.ingest import read_log

    return find_candidates(read_log(DEMO, profile=DEMO_PROFILE, pseudonymise=pseudonymise))


# ---- the demo log: what the "done when" asks ------------------------------------------------
def test_planted_step_ranks_first_and_no_judgement_step_or_outside_event_in_the_top_five() -> None:
    report = demo_report()
    assert report.candidates[0].activity == PLANTED_AUTOMATION_CANDIDATE
    assert report.candidates[0].rank == 1
    top = {c.activity for c in report.candidates[:5]}
    assert top >= set(PLANTED_ADMINISTRATIVE)
    ranked = {c.activity for c in report.candidates}
    flagged = {c.activity: c for c in report.needs_human}
    for activity in JUDGEMENT_STEPS:
        assert activity not in ranked
        assert flagged[activity].needs_human and flagged[activity].rank is None
        assert flagged[activity].activity_class == "judgement"
        assert flagged[activity].reason.startswith("judgement step: ")
        assert flagged[activity].class_evidence["decided_by"] == "data"
    for activity in OUTSIDE_STEPS:
        assert report.get(activity).activity_class == "outside_event" and activity not in ranked
    # The decision scores high on its own figures (long queue, every case) and is still not ranked.
    assert flagged["Beslut fattat"].score > report.candidates[-1].score
    met = {s["signal"] for s in flagged["Beslut fattat"].class_evidence["signals"] if s["met"]}
    assert {"long_spread_work", "branching_outcomes", "few_performers"} <= met


def test_demo_system_and_applicant_steps_are_listed_apart() -> None:
    report = demo_report()
    status = {c.activity: c.status for c in report.all()}
    assert status["Ansökan inkommen"] == "external"  # starts every case, by the e-tjänst
    assert status["Ärende registrerat"] == "already_automated"  # system
    assert status["Utbetalning genomförd"] == "already_automated"  # ekonomisystem
    assert status["Komplettering inkommen"] == "external"  # sökande
    assert len(report.all()) == 14 == len(report.table)
    evidence = report.get("Komplettering inkommen").class_evidence
    off = next(s for s in evidence["signals"] if s["signal"] == "arrives_off_hours")
    assert off["met"] and off["value"] > 0.5  # the applicant answers in the evening and at weekends


@pytest.mark.parametrize("pseudonymise", [False, True])
def test_demo_actions_name_what_the_toolkit_can_do(pseudonymise: bool) -> None:
    # Pseudonymised, the system users are hashes no pattern knows: the data's other signals (off-hours
    # arrivals, no recorded work) still keep the system steps out of the ranking and the actions the same.
    report = demo_report(pseudonymise)
    assert {c.activity for c in report.candidates[:5]} == set(PLANTED_ADMINISTRATIVE)
    kinds = {c.activity: c.action["kind"] for c in report.candidates}
    assert kinds[PLANTED_AUTOMATION_CANDIDATE] == "acknowledgement"
    assert kinds["Komplettering begärd"] == "reminder"
    assert kinds["Ärende fördelat"] == "handover"
    assert all(c.action is None for c in report.needs_human + report.not_ranked)


def test_demo_planted_step_evidence() -> None:
    c = demo_report().get(PLANTED_AUTOMATION_CANDIDATE)
    f = c.evidence["features"]
    assert f["cases"] == 3000 and f["case_share"] == 1.0
    assert f["top_predecessor"] == "Ärende registrerat" and f["top_predecessor_share"] == 1.0
    assert f["top_successor"] == "Ärende fördelat" and f["top_successor_share"] == 1.0
    assert f["successor_entropy_bits"] == 0.0 and f["predecessor_predictability"] == 1.0
    assert f["resources"] == 8  # the registrators
    assert 0.5 <= f["wait_before_workdays_median"] <= 2.0  # the planted 0.5-2 working-day queue
    assert 2 <= f["service_minutes_median"] <= 8 and f["minutes_source"] == "median service time"
    assert math.isclose(sum(c.evidence["contributions"].values()), c.score, rel_tol=1e-9)
    # hours = events/year x minutes/60 x 0.8 (every event manual)
    expected = f["events_per_year"] * f["service_minutes_median"] / 60 * 0.8
    assert math.isclose(c.hours_saved_per_year, expected, rel_tol=1e-9)


def test_pseudonymised_resources_are_warned_about() -> None:
    report = demo_report(pseudonymise=True)
    assert any("pseudonymised" in w for w in report.warnings)
    assert report.assumptions["warnings"] == list(report.warnings)
    assert report.candidates[0].activity == PLANTED_AUTOMATION_CANDIDATE


def test_summary_is_json_in_design_shape() -> None:
    summary = demo_report().to_summary(top=3)
    text = json.dumps(summary, allow_nan=False, ensure_ascii=False)
    items = json.loads(text)["automation_candidates"]
    assert [i["rank"] for i in items[:3]] == [1, 2, 3]
    assert items[0]["activity"] == PLANTED_AUTOMATION_CANDIDATE
    assert {"activity", "score", "hours_saved_per_year", "needs_human", "evidence"} <= set(items[0])
    flagged = [i for i in items if i["needs_human"]]
    assert {i["activity"] for i in flagged} >= set(JUDGEMENT_STEPS)
    assert all(i["rank"] is None and i["class"] == "judgement" for i in flagged)
    assert items.index(flagged[0]) == 3  # right after the ranked ones
    assert set(items[0]["evidence"]) == {"features", "normalised", "weights", "contributions"}
    assert items[0]["class"] == "administrative" and items[0]["action"]["automation"] == "acknowledge_receipt"
    assert [t["term"] for t in items[0]["score_terms"]] == list(FEATURES)
    assert all(round(v, 4) == v for v in items[0]["evidence"]["contributions"].values())
    assert summary["automation_assumptions"]["config"]["automatable_share"] == 0.8


# ---- figures on small logs -------------------------------------------------------------------------
def test_determinism_entropy_and_top_successor(make_log: Callable[..., EventLog]) -> None:
    report = find_candidates(make_log("a b c", "a b d", "a b c", "a b d"), config=ANY)
    b = report.get("b").evidence["features"]
    assert b["successor_entropy_bits"] == pytest.approx(1.0)
    assert b["successor_predictability"] == pytest.approx(0.5)  # two equally likely next steps
    assert (b["top_successor"], b["top_successor_share"], b["successors"]) == ("c", 0.5, 2)
    assert b["predecessor_predictability"] == 1.0 and b["top_predecessor"] == "a"
    a = report.get("a").evidence["features"]
    assert a["top_predecessor"] == CASE_START and a["top_predecessor_share"] == 1.0
    assert report.get("c").evidence["features"]["top_successor"] == CASE_END


def test_volume_per_month_and_short_span_warning() -> None:
    base = pd.Timestamp("2025-01-01 09:00", tz="Europe/Stockholm")
    # 61 cases, one a day over 60.875 days (= two average months): "a" 61 times, "b" 30 times
    rows = []
    for i in range(61):
        rows.append({CASE: f"c{i}", ACTIVITY: "a", TIMESTAMP: base + pd.Timedelta(days=i)})
        if i % 2:
            rows.append({CASE: f"c{i}", ACTIVITY: "b", TIMESTAMP: base + pd.Timedelta(days=i, hours=1)})
    rows.append({CASE: "c60", ACTIVITY: "z", TIMESTAMP: base + pd.Timedelta(days=60.875)})
    report = find_candidates(EventLog.from_frame(pd.DataFrame(rows)), config=ANY)
    a, b = report.get("a").evidence["features"], report.get("b").evidence["features"]
    assert a["events_per_month"] == pytest.approx(30.5)
    assert b["events_per_month"] == pytest.approx(15.0)
    assert b["case_share"] == pytest.approx(30 / 61)
    assert a["events_per_year"] == pytest.approx(61 * 6)
    assert report.get("b").evidence["normalised"]["volume"] == pytest.approx(15 / 30.5)
    assert not any("spans only" in w for w in report.warnings)
    short = find_candidates(EventLog.from_frame(pd.DataFrame(rows[:10])), config=ANY)
    assert any("spans only" in w for w in short.warnings)


def test_rework_share(make_log: Callable[..., EventLog]) -> None:
    report = find_candidates(make_log("a b b c", "a b c", "a b c", "a b c"), config=ANY)
    b = report.get("b").evidence["features"]
    assert (b["rework_cases"], b["rework_share"]) == (1, 0.25)
    assert report.get("b").evidence["normalised"]["low_rework"] == 0.75


def test_system_external_and_judgement_steps(make_log: Callable[..., EventLog]) -> None:
    cases = ["Ansökan_inkommen Registrera Beslut_fattat"] * 6 + ["Ansökan_inkommen Registrera Svar Beslut_fattat"] * 6
    clerks = ["Anna", "Per", "Eva", "Ola", "Lisa", "Kim"]
    people = [f"e-tjänst {clerks[i]} Bo" for i in range(6)] + [f"e-tjänst {clerks[i]} sökande Bo" for i in range(6)]
    log = make_log(*cases, resources=people)
    # make_log splits on spaces: restore the real names
    events = log.events.assign(**{ACTIVITY: log.events[ACTIVITY].str.replace("_", " ")})
    report = find_candidates(log.with_events(events), config=ANY)
    status = {c.activity: c.status for c in report.all()}
    assert status == {"Ansökan inkommen": "external", "Svar": "external",
                      "Beslut fattat": "needs_human", "Registrera": "ranked"}
    assert [c.activity for c in report.candidates] == ["Registrera"]
    assert report.get("Ansökan inkommen").evidence["features"]["system_share"] == 1.0
    assert report.get("Beslut fattat").hours_saved_per_year == 0.0  # needs_human_automatable_share = 0
    assert report.get("Ansökan inkommen").hours_saved_per_year == 0.0  # nothing manual to save
    # Bo alone decides (1 of 9 performers) and the name says so: two signals.
    met = {s["signal"] for s in report.get("Beslut fattat").class_evidence["signals"] if s["met"]}
    assert met >= {"few_performers", "name"}  # (and one performer does it all: one automated signal, too few)


def test_a_name_alone_does_not_decide_a_class(make_log: Callable[..., EventLog]) -> None:
    assert word_match("Decision made", ["assessment", "decision"]) == "decision"
    assert word_match("Initial ASSESSMENT", ["assessment"]) == "assessment"
    assert word_match("Decisions archived", ["decision"]) is None  # whole words only
    names = ["Decision_made", "Initial_ASSESSMENT", "Decisions_archived", "Send_letter"]
    clerks = [f"p{i} q{i} r{i} s{i}" for i in range(12)]
    log = make_log(*[" ".join(names)] * 12, resources=clerks)
    events = log.events.assign(**{ACTIVITY: log.events[ACTIVITY].str.replace("_", " ")})
    report = find_candidates(log.with_events(events), config=ANY)
    assert report.needs_human == ()
    made = report.get("Decision made")
    assert made.activity_class == "administrative"
    assert made.class_evidence["points"]["judgement"] == 1
    own = find_candidates(log.with_events(events), config=ANY.with_needs_human(["send letter"]))
    assert {c.activity for c in own.needs_human} == {"Send letter"}
    assert own.get("Send letter").class_evidence["decided_by"] == "override: --needs-human 'send letter'"


def test_hours_from_service_time_config_or_default(make_log: Callable[..., EventLog], tmp_path: Path) -> None:
    # Monday-Friday cases: "b" is worked 09:00-09:30 (30 working minutes); "a" and "c" have no start.
    log = make_log(*["a b c"] * 5, hours=[[0.0, 1.5, 2.0]] * 5, starts=[[None, 1.0, None]] * 5)
    report = find_candidates(log, config=ANY)
    span_days = (log.events[TIMESTAMP].max() - log.events[TIMESTAMP].min()).total_seconds() / 86400
    per_year = 5 / span_days * 365.25
    b = report.get("b")
    assert b.evidence["features"]["minutes_per_event"] == pytest.approx(30.0)
    assert b.hours_saved_per_year == pytest.approx(per_year * 30 / 60 * 0.8)
    a = report.get("a").evidence["features"]
    assert (a["minutes_per_event"], a["minutes_source"]) == (10.0, "config: default_minutes_per_event")
    cfg = tmp_path / "mine.toml"
    cfg.write_text('[hours]\nautomatable_share = 0.5\n[hours.minutes_per_activity]\n"A" = 3\n'
                   '[ranking]\nmin_events = 1\n', encoding="utf-8")
    mine = find_candidates(log, config=load_candidate_config(cfg))
    assert mine.get("a").evidence["features"]["minutes_source"] == "config: minutes_per_activity"
    assert mine.get("a").hours_saved_per_year == pytest.approx(per_year * 3 / 60 * 0.5)


def test_score_is_the_weighted_mean_of_the_normalised_features(make_log: Callable[..., EventLog]) -> None:
    report = find_candidates(make_log("a b c", "a b d", "a c", "a b c b"), config=ANY)
    weights = ANY.weights
    for c in report.all():
        expected = sum(weights[f] * c.evidence["normalised"][f] for f in FEATURES) / sum(weights.values())
        assert c.score == pytest.approx(expected)
        assert all(0.0 <= v <= 1.0 for v in c.evidence["normalised"].values())
    scores = [c.score for c in report.candidates]
    assert scores == sorted(scores, reverse=True)


# ---- a real log, against pm4py ---------------------------------------------------------------------
def test_receipt_log_agrees_with_pm4py_dfg() -> None:
    from processmining._pm4py import pm4py
    from processmining.ingest import read_log

    log = read_log(shared_log("08_receipt.xes.gz"), pseudonymise=False)
    report = find_candidates(log)
    table = report.table.set_index("activity")
    assert len(table) == 27 and int(table["events"].sum()) == 8577
    assert table.loc["Confirmation of receipt", "cases"] == 1434
    dfg, _starts, ends = pm4py().discover_dfg(log.events.copy())
    for activity in ("T02 Check confirmation of receipt", "T06 Determine necessity of stop advice"):
        outgoing = {b: n for (a, b), n in dfg.items() if a == activity}
        outgoing[CASE_END] = ends.get(activity, 0)
        top = max(outgoing, key=lambda k: outgoing[k])
        assert sorted(outgoing.values())[-2] < outgoing[top]  # no tie to break
        events = table.loc[activity, "events"]
        assert table.loc[activity, "top_successor"] == top
        assert table.loc[activity, "top_successor_share"] == pytest.approx(outgoing[top] / events)
        p = [n / events for n in outgoing.values() if n]
        assert table.loc[activity, "successor_entropy_bits"] == pytest.approx(-sum(q * math.log2(q) for q in p))
    rare = report.table.loc[report.table["events"] < 10]
    assert set(rare.loc[rare["activity_class"] == "administrative", "status"]) == {"too_few_events"}


# ---- config ----------------------------------------------------------------------------------------
def test_user_config_overrides_some_keys_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[weights]\nvolume = 1.0\n[classes]\nneeds_human = [\"Granskning\"]\nfew_performers = 2\n",
                    encoding="utf-8")
    cfg = load_candidate_config(path, outside=["Svar inkommet"])
    default = CandidateConfig.default()
    assert cfg.weights["volume"] == 1.0 and cfg.weights["coverage"] == default.weights["coverage"]
    assert cfg.classes.needs_human == ("Granskning",) and cfg.classes.outside == ("Svar inkommet",)
    assert cfg.classes.few_performers == 2 and cfg.classes.judgement_words == default.classes.judgement_words
    assert cfg.origin == str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[weights]\nvolum = 1\n", "unknown key(s) volum in [weights]"),
        ("[weights\n", "not valid TOML"),
        ("[weights]\nvolume = -1\n", "volume = -1 must be a number"),
        ("[hours]\nautomatable_share = 1.5\n", "automatable_share = 1.5 must be a number between 0 and 1"),
        ("[system_users]\npatterns = [\"(\"]\n", "is not a valid regex"),
        ("[ranking]\nmin_events = 0\n", "min_events = 0"),
        ("[nonsense]\nx = 1\n", "unknown section [nonsense]"),
        ("[classes]\npoints = 0\n", "points = 0 must be a whole number >= 1"),
        ("[classes]\njudgement_words = \"beslut\"\n", "judgement_words must be a list of strings"),
    ],
)
def test_config_mistakes_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_candidate_config(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_all_zero_weights_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "zero.toml"
    path.write_text("[weights]\n" + "".join(f"{f} = 0\n" for f in FEATURES), encoding="utf-8")
    with pytest.raises(ConfigError, match="all 0"):
        load_candidate_config(path)


# ---- CLI -------------------------------------------------------------------------------------------
def test_cli_json_and_table(tmp_path: Path) -> None:
    from processmining.cli import app

    runner = CliRunner()
    args = ["candidates", str(DEMO), "--profile", str(DEMO_PROFILE), "--no-pseudonymise"]
    result = runner.invoke(app, [*args, "--json", "--top", "2"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["automation_candidates"]
    assert items[0]["activity"] == PLANTED_AUTOMATION_CANDIDATE
    assert [i["rank"] for i in items if i["rank"]] == [1, 2]
    table = runner.invoke(app, [*args, "--lang", "en", "--top", "3"])
    assert table.exit_code == 0
    first_row = next(line for line in table.stdout.splitlines() if line.startswith("│ 1 "))
    assert "Mottagningsbekräftelse" in first_row  # the table wraps long names
    assert "Judgement steps: need a human decision" in table.stdout
    assert "already automated" in table.stdout
    assert "1. Mottagningsbekräftelse skickad: acknowledgement" in table.stdout
    assert "Score terms" in table.stdout and "determinism" in table.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[weights]\nvolum = 1\n", encoding="utf-8")
    failed = runner.invoke(app, [*args, "--config", str(bad)])
    assert failed.exit_code == 1
    assert "unknown key(s) volum" in failed.stderr and "Traceback" not in failed.output
    assert runner.invoke(app, [*args, "--top", "0"]).exit_code == 2


def test_cli_help_has_an_example() -> None:
    from processmining.cli import app

    result = CliRunner().invoke(app, ["candidates", "--help"])
    assert result.exit_code == 0 and "Example: processmining candidates" in result.stdout


def test_no_resource_column_is_warned(make_log: Callable[..., EventLog]) -> None:
    log = make_log("a b", "a b")
    assert RESOURCE not in log.events.columns
    report = find_candidates(log, config=ANY)
    assert any("no resource column" in w for w in report.warnings)
