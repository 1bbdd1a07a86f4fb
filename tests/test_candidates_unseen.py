"""Automation candidates on exports the ranking was not shaped on (issue 23).

The simulator's process with its activities (and system users) renamed: an English run, a run with other
Swedish names and a run with opaque names; and two real logs. The assertions name the role each step
plays in the simulated process (where it was planted), never a list the configuration also holds: the
classes come from the data (who does the step, when, what follows it, how long it takes), with the names
as one signal among others.
"""

from __future__ import annotations

import json
from functools import cache

import pandas as pd
import pytest
from typer.testing import CliRunner

from processmining.analyses.candidates import CandidateReport, find_candidates
from processmining.log import ACTIVITY, CASE, GROUP, RESOURCE, START, TIMESTAMP, EventLog
from processmining.simulate import simulate
from tests.support import shared_log

# The simulator's step -> its role in the simulated process (what the data must show).
OUTSIDE = ("Ansökan inkommen", "Komplettering inkommen", "Överklagande inkommit")
JUDGEMENT = ("Bedömning", "Beslut fattat", "Omprövning")
AUTOMATED = ("Ärende registrerat", "Utbetalning genomförd", "Ärende avslutat")
#: The planted administrative steps, with what the toolkit can do about each.
ADMINISTRATIVE = {"Mottagningsbekräftelse skickad": "acknowledgement", "Ärende fördelat": "handover",
                  "Komplettering begärd": "reminder", "Utbetalning begärd": "integration"}

RENAMED = {
    "en": {
        "Ansökan inkommen": "Application submitted", "Ärende registrerat": "Case registered",
        "Mottagningsbekräftelse skickad": "Acknowledgement sent", "Ärende fördelat": "Case assigned",
        "Komplettering begärd": "Additional information requested",
        "Komplettering inkommen": "Additional information received", "Bedömning": "Investigation",
        "Beslut fattat": "Grant decision", "Utbetalning begärd": "Payment ordered",
        "Utbetalning genomförd": "Payment executed", "Överklagande inkommit": "Appeal received",
        "Omprövning": "Reconsideration", "Överlämnat till förvaltningsrätten": "Forwarded to the court",
        "Ärende avslutat": "Case closed",
    },
    "sv": {
        "Ansökan inkommen": "Handling mottagen", "Ärende registrerat": "Diarieförd",
        "Mottagningsbekräftelse skickad": "Kvittens skickad", "Ärende fördelat": "Tilldelad handläggare",
        "Komplettering begärd": "Begäran om komplettering", "Komplettering inkommen": "Uppgifter inkomna",
        "Bedömning": "Utredning påbörjad", "Beslut fattat": "Beslut om stöd",
        "Utbetalning begärd": "Utbetalningsunderlag", "Utbetalning genomförd": "Utbetald",
        "Överklagande inkommit": "Överklagande inkommet", "Omprövning": "Ny handläggning",
        "Överlämnat till förvaltningsrätten": "Akten till domstol", "Ärende avslutat": "Arkiverad",
    },
}
#: The system users renamed too: a rule engine, an e-service, a payment platform, the applicant.
USERS = {"en": {"system": "rule engine", "e-tjänst": "e-service", "ekonomisystem": "payment system",
                "sökande": "applicant"}}


@cache
def _truth() -> pd.DataFrame:
    return simulate(cases=1500, seed=23, messy=False).truth


def _log(names: dict[str, str], users: dict[str, str] | None = None) -> EventLog:
    truth = _truth()
    frame = truth[[CASE, ACTIVITY, TIMESTAMP, START, RESOURCE, GROUP]].copy()
    frame[ACTIVITY] = frame[ACTIVITY].map(names)
    if users:
        frame[RESOURCE] = frame[RESOURCE].replace(users)
    assert frame[ACTIVITY].notna().all()
    return EventLog.from_frame(frame)


@cache
def renamed(run: str) -> tuple[CandidateReport, dict[str, str]]:
    if run == "opaque":
        order = list(RENAMED["en"])
        names = {a: f"Steg {i + 1:02d}" for i, a in enumerate(order)}
        return find_candidates(_log(names)), names
    names = RENAMED[run]
    return find_candidates(_log(names, USERS.get(run))), names


@pytest.mark.parametrize("run", ["en", "sv"])
def test_renamed_runs_top_five_hold_the_planted_steps_and_no_judgement_or_outside_event(run: str) -> None:
    report, names = renamed(run)
    top = [c.activity for c in report.candidates[:5]]
    assert top[0] == names["Mottagningsbekräftelse skickad"]
    assert set(top) >= {names[a] for a in ADMINISTRATIVE}
    for step in OUTSIDE:
        assert report.get(names[step]).activity_class == "outside_event", (step, report.get(names[step]).reason)
    for step in JUDGEMENT:
        assert report.get(names[step]).activity_class == "judgement", (step, report.get(names[step]).reason)
    for step in AUTOMATED:
        assert report.get(names[step]).activity_class == "already_automated"
    assert not {names[s] for s in OUTSIDE + JUDGEMENT} & set(top)


@pytest.mark.parametrize("run", ["en", "sv"])
def test_renamed_runs_name_what_the_toolkit_can_do(run: str) -> None:
    report, names = renamed(run)
    for step, kind in ADMINISTRATIVE.items():
        action = report.get(names[step]).action
        assert action is not None and action["kind"] == kind, (step, action)
    assert report.get(names["Mottagningsbekräftelse skickad"]).action["automation"] == "acknowledge_receipt"
    assert report.get(names["Komplettering begärd"]).action["automation"] == "remind_completion"


def test_opaque_names_classes_come_from_the_data_alone() -> None:
    report, names = renamed("opaque")
    classes = {step: report.get(names[step]).activity_class for step in names}
    # No name carries a word of either list: the signals of the data decide.
    assert classes["Ansökan inkommen"] == classes["Komplettering inkommen"] == "outside_event"
    assert [classes[s] for s in JUDGEMENT] == ["judgement"] * 3
    assert [classes[s] for s in AUTOMATED] == ["already_automated"] * 3
    top = [c.activity for c in report.candidates[:5]]
    assert top[0] == names["Mottagningsbekräftelse skickad"]
    assert set(top) >= {names[a] for a in ADMINISTRATIVE}
    # Without its name, an appeal registered by one of 3 jurists after a long wait reads as a judgement
    # step, not as an outside event: still never ranked.
    assert classes["Överklagande inkommit"] == "judgement"
    assert report.get(names["Överklagande inkommit"]).rank is None
    evidence = report.get(names["Bedömning"]).class_evidence
    met = {s["signal"] for s in evidence["signals"] if s["met"]}
    assert {"long_spread_work", "rework"} <= met and "name" not in met and evidence["decided_by"] == "data"


def test_overrides_decide_whatever_the_data_says() -> None:
    from processmining.config import load_candidate_config

    names = RENAMED["en"]
    config = load_candidate_config(None, needs_human=[names["Ärende fördelat"]],
                                   outside=[names["Utbetalning begärd"]], automated=[names["Komplettering begärd"]])
    report = find_candidates(_log(names, USERS["en"]), config=config)
    assigned = report.get(names["Ärende fördelat"])
    assert assigned.activity_class == "judgement" and assigned.rank is None
    assert assigned.class_evidence["decided_by"] == f"override: --needs-human {names['Ärende fördelat']!r}"
    assert report.get(names["Utbetalning begärd"]).activity_class == "outside_event"
    assert report.get(names["Komplettering begärd"]).activity_class == "already_automated"
    assert [c.activity for c in report.candidates] == [names["Mottagningsbekräftelse skickad"]]


# ---- real logs ---------------------------------------------------------------------------------------
def test_sepsis_lab_results_come_from_another_system_and_triage_is_a_judgement() -> None:
    from processmining.ingest import read_log

    report = find_candidates(read_log(shared_log("sepsis.csv"), pseudonymise=False))
    for lab in ("Leucocytes", "CRP", "LacticAcid"):
        c = report.get(lab)
        assert c.activity_class in ("already_automated", "outside_event") and c.rank is None, (lab, c.reason)
        assert {s["signal"] for s in c.class_evidence["signals"] if s["met"]} >= {"other_clock"}
    assert report.get("ER Triage").activity_class == "judgement"
    assert report.get("ER Registration").activity_class == "administrative"
    assert report.candidates[0].activity == "ER Registration"
    assert any("org:group stands in" in w for w in report.warnings)


def test_receipt_log_confirmation_steps_are_administrative_and_lead_the_ranking() -> None:
    from processmining.ingest import read_log

    report = find_candidates(read_log(shared_log("08_receipt.xes.gz"), pseudonymise=False))
    confirmation = [c for c in report.all() if "confirmation of receipt" in c.activity.casefold()
                    and c.status != "too_few_events"]
    assert len(confirmation) >= 4
    # T03 "Adjust" is the correction step (rework): it may rank low, but it is not a judgement of its own.
    assert all(c.activity_class == "administrative" for c in confirmation)
    top = [c.activity for c in report.candidates[:5]]
    assert sum("confirmation of receipt" in a.casefold() for a in top) >= 3
    assert all(report.get(a).activity_class == "administrative" for a in top)


# ---- the command ---------------------------------------------------------------------------------------
def test_cli_json_has_every_class_and_score_term_with_evidence(tmp_path) -> None:
    from processmining.cli import app

    names = RENAMED["sv"]
    path = tmp_path / "export.csv"
    log = _log(names)
    log.events[[CASE, ACTIVITY, TIMESTAMP, START, RESOURCE]].to_csv(path, index=False)
    result = CliRunner().invoke(app, ["candidates", str(path), "--no-pseudonymise", "--json", "--top", "5",
                                      "--outside", "Akten till domstol"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["automation_candidates"]
    by_name = {i["activity"]: i for i in items}
    assert {i["class"] for i in items} == {"administrative", "judgement", "already_automated", "outside_event"}
    assert by_name["Akten till domstol"]["class"] == "outside_event"
    assert by_name["Akten till domstol"]["class_evidence"]["decided_by"] == "override: --outside 'Akten till domstol'"
    first = items[0]
    assert first["activity"] == "Kvittens skickad" and first["rank"] == 1
    assert {"activity", "score", "hours_saved_per_year"} <= set(first)
    terms = {t["term"]: t for t in first["score_terms"]}
    assert len(terms) == 10
    assert sum(t["contribution"] for t in terms.values()) == pytest.approx(first["score"], abs=1e-3)
    assert terms["determinism"]["measured_as"] == "conditional_entropy_bits"
    assert first["action"]["kind"] == "acknowledgement"
    judged = by_name["Utredning påbörjad"]
    assert judged["rank"] is None and judged["action"] is None
    assert any(s["signal"] == "long_spread_work" and s["met"] for s in judged["class_evidence"]["signals"])
