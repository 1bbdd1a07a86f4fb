"""Perspectives: the demo log per region (and unit), against an independent pandas computation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from processmining.analyses.perspectives import PerspectiveResult, _others_median, compare_groups
from processmining.calendar import WorkCalendar
from processmining.errors import AnalysisError
from processmining.ingest import read_log
from processmining.log import CASE, GROUP, EventLog
from processmining.simulate import PLANTED_SLOW_REGION
from tests.support import ROOT

DEMO_CSV = ROOT / "event_logs" / "demo.csv"
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
FORDELAT = "Ärende fördelat"


@pytest.fixture(scope="module")
def log() -> EventLog:
    return read_log(DEMO_CSV, profile=DEMO_PROFILE)


@pytest.fixture(scope="module")
def by_region(log: EventLog) -> PerspectiveResult:
    return compare_groups(log, "case:region")


def test_skane_waits_longest_after_arende_fordelat(by_region: PerspectiveResult) -> None:
    first = by_region.differences.iloc[0]
    assert first["group"] == PLANTED_SLOW_REGION == "Skåne"
    assert first["source"] == FORDELAT
    assert first["ratio"] > 2.5  # planted: 3x the pick-up time
    assert first["difference_workdays"] > 3
    assert by_region.describe("sv")[0].startswith(
        f"Ärenden från Skåne väntar {first['ratio']:.1f}".replace(".", ",") + f" gånger längre mellan {FORDELAT} och")
    assert by_region.describe("en")[0].startswith("Cases from Skåne wait") and "than the others" in \
        by_region.describe("en")[0]
    # Only the planted difference shows: every listed difference is Skåne's, on an edge from "Ärende fördelat".
    assert set(by_region.differences["group"]) == {"Skåne"}
    assert set(by_region.differences["source"]) == {FORDELAT}


def test_region_means_case_region(log: EventLog, by_region: PerspectiveResult) -> None:
    short = compare_groups(log, "region")
    assert short.attribute == by_region.attribute == "case:region"
    pd.testing.assert_frame_equal(short.differences, by_region.differences)


def test_figures_of_one_group_equal_an_independent_pandas_computation(log: EventLog,
                                                                      by_region: PerspectiveResult) -> None:
    cal = WorkCalendar()
    ev = log.events
    region = ev.groupby(CASE)["case:region"].first()
    skane_cases = region[region == "Skåne"].index
    first, last = ev.groupby(CASE)["time:timestamp"].min(), ev.groupby(CASE)["time:timestamp"].max()
    starts = ev.groupby(CASE)["start_timestamp"].min()
    first = first.where(starts.isna() | (first <= starts), starts)
    throughput = pd.Series(cal.working_days(first[skane_cases], last[skane_cases]), index=skane_cases)

    row = by_region.groups.set_index("group").loc["Skåne"]
    assert row["cases"] == len(skane_cases)
    assert row["events"] == int(ev[CASE].isin(skane_cases).sum())
    assert row["median_throughput_workdays"] == pytest.approx(throughput.median())
    assert row["p90_throughput_workdays"] == pytest.approx(throughput.quantile(0.9))

    # Waits on one edge, straight from consecutive events of each case.
    nxt = ev.groupby(CASE).shift(-1)
    pairs = pd.DataFrame({"case": ev[CASE], "a": ev["concept:name"], "b": nxt["concept:name"],
                          "t0": ev["time:timestamp"],
                          "t1": nxt["start_timestamp"].fillna(nxt["time:timestamp"])}).dropna(subset=["b"])
    edge = pairs[(pairs["a"] == FORDELAT) & (pairs["b"] == "Bedömning")]
    waits = pd.Series(cal.working_days(edge["t0"], edge["t1"]), index=edge.index)
    mine = edge["case"].isin(skane_cases).to_numpy()
    got = by_region.edges.set_index(["group", "source", "target"]).loc[("Skåne", FORDELAT, "Bedömning")]
    assert got["count"] == mine.sum()
    assert got["median_wait_workdays"] == pytest.approx(waits[mine].median())
    diff = by_region.differences.set_index(["group", "target"]).loc[("Skåne", "Bedömning")]
    assert diff["others_median_workdays"] == pytest.approx(waits[~mine].median())
    assert diff["others_count"] == (~mine).sum()
    assert diff["ratio"] == pytest.approx(waits[mine].median() / waits[~mine].median())


def test_others_median_agrees_with_a_plain_median_for_every_group_and_edge() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    edge = rng.integers(0, 7, n)
    group = rng.integers(-1, 5, n)  # -1: in no compared group
    wait = np.round(rng.exponential(2.0, n), 1)  # rounded: many ties
    frame = pd.DataFrame({"edge": edge, "group": group})
    pairs = frame[frame["group"] >= 0].groupby(["edge", "group"]).size().rename("n").reset_index()
    pairs["total"] = np.bincount(edge)[pairs["edge"]]
    got = _others_median(edge, group, wait, pairs)
    expected = [np.median(wait[(edge == e) & (group != g)]) for e, g in zip(pairs["edge"], pairs["group"],
                                                                            strict=True)]
    np.testing.assert_allclose(got, expected)


def test_small_groups_are_left_out_and_named(log: EventLog) -> None:
    result = compare_groups(log, "region", min_cases=150)
    sizes = log.events.groupby(CASE)["case:region"].first().value_counts()
    small = set(sizes[sizes < 150].index)
    assert small and set(result.excluded) == small
    assert small.isdisjoint(result.groups["group"])
    assert "fewer than 150 cases left out" in result.notes[0] and "Jämtland (93)" in result.notes[0]
    assert result.differences.iloc[0]["group"] == "Skåne"


def test_an_event_attribute_groups_events_by_their_own_value(log: EventLog) -> None:
    result = compare_groups(log, "unit")
    assert result.attribute == GROUP and result.level == "event"
    events = result.groups.set_index("group")["events"]
    assert events.to_dict() == log.events[GROUP].value_counts().reindex(events.index).to_dict()
    # Handläggning Syd (Skåne's unit, with three ordinary regions) waits longer, but not 1.5 times:
    # no difference at the default threshold, Syd first when the threshold is lowered.
    assert result.differences.empty
    lower = compare_groups(log, "unit", min_ratio=1.2)
    assert lower.differences.iloc[0]["group"] == "Handläggning Syd"
    assert lower.differences.iloc[0]["source"] == FORDELAT
    assert 1.2 <= lower.differences.iloc[0]["ratio"] < 1.5


def test_summary_is_json_ready_with_every_group(by_region: PerspectiveResult) -> None:
    summary = by_region.to_summary()
    text = json.dumps(summary, allow_nan=False, ensure_ascii=False)
    assert len(summary["groups"]) == 12 and summary["attribute"] == "case:region"
    skane = next(g for g in summary["groups"] if g["group"] == "Skåne")
    assert skane["bottlenecks"][0]["from"] == "Bedömning" and len(skane["bottlenecks"]) == 5
    assert summary["differences"][0]["text_sv"].startswith("Ärenden från Skåne")
    assert "NaN" not in text


def test_an_unknown_attribute_says_which_there_are(log: EventLog) -> None:
    with pytest.raises(AnalysisError) as info:
        compare_groups(log, "län")
    assert "no attribute 'län'" in str(info.value) and "case:region" in str(info.value)
    with pytest.raises(AnalysisError, match="needs two"):
        compare_groups(log, "region", min_cases=10_000)


def test_cli_perspectives(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from processmining.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["perspectives", str(DEMO_CSV), "--profile", str(DEMO_PROFILE), "--by", "region",
                             "--json", "--out", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    payload = json.loads(ok.stdout)
    assert payload["differences"][0]["group"] == "Skåne" and payload["differences"][0]["from"] == FORDELAT
    written = pd.read_csv(tmp_path / "perspective_differences.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert written["group"].iloc[0] == "Skåne"
    text = runner.invoke(app, ["perspectives", str(DEMO_CSV), "--profile", str(DEMO_PROFILE), "--by", "region"],
                         env={"COLUMNS": "160"})
    assert text.exit_code == 0 and "• Ärenden från Skåne väntar" in text.stdout
    bad = runner.invoke(app, ["perspectives", str(DEMO_CSV), "--profile", str(DEMO_PROFILE), "--by", "län"])
    assert bad.exit_code == 1 and bad.stderr.startswith("error: no attribute 'län'")
    assert bad.stderr.strip().count("\n") == 0
