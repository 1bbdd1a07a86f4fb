"""Discovery: process maps against pm4py and an independent computation on every shared log, simplification,
the rendered maps (determinism, no temporary files, Swedish), models (BPMN round trip, pm4py's inductive miner on
variant counts), conformance and the discover command."""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from processmining.analyses.discovery import (
    END,
    START_NODE,
    DirectlyFollowsGraph,
    discover_dfg,
    simplify,
    simplify_for_map,
)
from processmining.analyses.models import ProcessModel, check_conformance, discover_model, reference_model
from processmining.calendar import WorkCalendar, get_calendar
from processmining.errors import ConfigError
from processmining.ingest.bpmn import read_bpmn
from processmining.log import ACTIVITY, CASE, ROW, START, TIMESTAMP, EventLog
from processmining.render.handover_map import DELAY_COLOURS
from processmining.render.models import render_petri_net, write_bpmn, write_pnml
from processmining.render.process_map import pipe_dot, process_map_dot, render_process_map
from tests.support import PUBLISHED, shared_log

SE = get_calendar("se")


@cache
def real(name: str) -> tuple[EventLog, DirectlyFollowsGraph]:
    from processmining.ingest import read_log

    log = read_log(shared_log(name))
    return log, discover_dfg(log, calendar=SE)


# ---- every shared log: the figures a user sees agree with pm4py and with an independent computation -----------
@pytest.mark.parametrize("name", list(PUBLISHED))
def test_map_counts_equal_pm4py_and_the_published_figures(name: str) -> None:
    from processmining._pm4py import pm4py

    log, dfg = real(name)
    cases, events, activities, variants = PUBLISHED[name]
    assert (dfg.n_cases, dfg.n_events, dfg.n_activities) == (cases, events, activities)
    before = log.events.copy()
    pm_dfg, pm_start, pm_end = pm4py().discover_dfg(log.events.copy())
    ours = {(s, t): int(c) for s, t, c in zip(dfg.edges["source"], dfg.edges["target"], dfg.edges["count"],
                                               strict=True)}
    assert ours == {k: int(v) for k, v in pm_dfg.items()}
    assert dict(zip(dfg.start_activities["activity"], dfg.start_activities["cases"], strict=True)) == pm_start
    assert dict(zip(dfg.end_activities["activity"], dfg.end_activities["cases"], strict=True)) == pm_end
    # Variants: CoSeLoG_WABO_1 has an event without a name in the file; our reader fills the XES global default,
    # so pm4py's get_variants works on the frame we produced (it raises on its own reading of the file).
    pm_variants = pm4py().get_variants(log.events.copy())
    assert len(pm_variants) == variants == log.n_variants
    assert {tuple(v): int(n) for v, n in pm_variants.items()} == {v: int(n) for v, n in log.variant_counts().items()}
    pd.testing.assert_frame_equal(log.events, before)  # nothing we or pm4py did changed the log


def independent_waits(log: EventLog, calendar: WorkCalendar) -> pd.DataFrame:
    """DESIGN.md's waiting time from scratch: sort, shift within cases, next start (or completion) minus completion."""
    cols = [CASE, ACTIVITY, TIMESTAMP, ROW] + ([START] if START in log.events.columns else [])
    ev = log.events[cols].sort_values([CASE, TIMESTAMP, ROW], kind="stable")
    nxt = ev.groupby(CASE, sort=False).shift(-1)
    pair = nxt[ACTIVITY].notna()
    begin = nxt[START].fillna(nxt[TIMESTAMP]) if START in ev.columns else nxt[TIMESTAMP]
    frame = pd.DataFrame({
        "source": ev.loc[pair, ACTIVITY], "target": nxt.loc[pair, ACTIVITY],
        "days": (begin[pair] - ev.loc[pair, TIMESTAMP]).dt.total_seconds() / 86_400,
        "workdays": calendar.working_days(ev.loc[pair, TIMESTAMP], begin[pair]),
    })
    return frame.groupby(["source", "target"]).agg(count=("days", "size"), median_days=("days", "median"),
                                                   median_workdays=("workdays", "median"))


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_median_waiting_time_per_edge_equals_an_independent_computation(name: str) -> None:
    log, dfg = real(name)
    expected = independent_waits(log, SE)
    got = dfg.edges.set_index(["source", "target"]).loc[expected.index]
    assert len(dfg.edges) == len(expected)
    np.testing.assert_array_equal(got["count"], expected["count"])
    np.testing.assert_allclose(got["median_wait_days"], expected["median_days"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got["median_wait_workdays"], expected["median_workdays"], rtol=1e-9, atol=1e-9)


def test_waiting_time_runs_to_the_next_start_where_there_is_one(make_log: Callable[..., EventLog]) -> None:
    log = make_log("a b", "a b", hours=[[0, 5], [0, 3]], starts=[[None, 2], [None, None]])
    edge = discover_dfg(log).edges.iloc[0]
    assert (edge["source"], edge["target"], edge["count"]) == ("a", "b", 2)
    assert edge["median_wait_days"] * 24 == pytest.approx((2 + 3) / 2)  # 2 h to b's start, 3 h to b's completion


# ---- simplification ---------------------------------------------------------------------------------------------
def reachable(dfg: DirectlyFollowsGraph, origin: str, *, backwards: bool) -> set[str]:
    pairs = list(zip(dfg.edges["source"], dfg.edges["target"], strict=True))
    pairs += [(START_NODE, a) for a in dfg.start_activities["activity"]]
    pairs += [(a, END) for a in dfg.end_activities["activity"]]
    seen, todo = {origin}, [origin]
    while todo:
        node = todo.pop()
        for s, t in pairs:
            a, b = (t, s) if backwards else (s, t)
            if a == node and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def assert_connected(dfg: DirectlyFollowsGraph) -> None:
    shown = set(dfg.activities["activity"])
    assert shown <= reachable(dfg, START_NODE, backwards=False), "an activity cannot be reached from the start"
    assert shown <= reachable(dfg, END, backwards=True), "an activity does not lead to the end"
    assert set(dfg.edges["source"]) | set(dfg.edges["target"]) <= shown


def test_default_map_of_bpic15_is_the_35_most_frequent_activities_connected_and_titled() -> None:
    log, full = real("BPIC15_1.xes.gz")
    shown = simplify_for_map(full)
    simp = shown.simplification
    assert simp is not None
    top35 = set(full.activities["activity"].iloc[:35])
    assert top35 <= set(shown.activities["activity"]) and shown.n_activities <= 37  # + the most frequent start/end
    assert shown.n_edges <= 2 * shown.n_activities + simp.edges_added_for_connectivity  # not a hairball
    assert_connected(shown)
    dot = process_map_dot(shown, title="BPIC15_1.xes.gz")
    assert f"visar {shown.n_activities} av 398 aktiviteter, 56\u00a0% av händelserna" in dot
    assert f"{shown.n_edges} av {simp.edges_total} vägar" in dot


@pytest.mark.parametrize(("name", "activities", "paths"), [("sepsis.csv", 90, 60), ("08_receipt.xes.gz", 95, 80),
                                                           ("helpdesk.xes.gz", 99, 50)])
def test_simplification_honours_the_sliders_and_stays_connected(name: str, activities: float, paths: float) -> None:
    _, full = real(name)
    shown = simplify_for_map(full, activities=activities, paths=paths)
    simp = shown.simplification
    assert simp is not None
    share = full.activities["events"].cumsum() / full.n_events
    needed = int(np.searchsorted(share.to_numpy(), activities / 100 - 1e-12)) + 1
    assert set(full.activities["activity"].iloc[:needed]) <= set(shown.activities["activity"])
    assert simp.event_share >= activities / 100 and share.iloc[needed - 2] < activities / 100
    assert simp.transition_share >= paths / 100 - 0.05  # start/end paths count in the slider, not in the share
    assert shown.n_edges < simplify(full, activities=activities, paths=100).n_edges
    assert_connected(shown)
    with pytest.raises(ConfigError, match="--paths must be a percentage"):
        simplify(full, paths=0)


# ---- the rendered map -------------------------------------------------------------------------------------------
def test_same_input_gives_byte_identical_svg_and_no_temporary_files(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))  # what pm4py and graphviz would write into
    log, _ = real("08_receipt.xes.gz")
    maps = []
    for run in ("one", "two"):
        dfg = simplify_for_map(discover_dfg(log))  # built afresh each time
        written = render_process_map(dfg, tmp_path / run / "process_map", mode="performance", title="08_receipt")
        assert [p.name for p in written] == ["process_map.svg", "process_map.png"]
        maps.append(written)
    assert maps[0][0].read_bytes() == maps[1][0].read_bytes()
    assert maps[0][1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"Generated by graphviz" not in maps[0][0].read_bytes()
    model = discover_model(log)
    render_petri_net(model, tmp_path / "one" / "petri_net")
    write_bpmn(model, tmp_path / "one" / "model.bpmn")  # pm4py's BPMN layouter would leave an SVG behind
    write_pnml(model, tmp_path / "one" / "model.pnml")
    assert list(private_tmp.iterdir()) == []
    assert not [p for p in (tmp_path / "one").iterdir() if p.name.endswith(".tmp")]


def test_the_map_speaks_swedish_by_default_and_english_on_request(tmp_path: Path,
                                                                  make_log: Callable[..., EventLog]) -> None:
    log = make_log("Ansökan_inkommen Begäran_om_komplettering Beslut_fattat Utbetalning_år_2025",
                   "Ansökan_inkommen Beslut_fattat Överklagan")
    dfg = simplify_for_map(discover_dfg(log))
    svg = render_process_map(dfg, tmp_path / "karta", title="Bidrag för företagsstöd")[0].read_text("utf-8")
    for text in ("Begäran_om_komplettering", "Överklagan", "Utbetalning_år_2025", "Bidrag för företagsstöd",
                 "händelser", "ärenden", "Teckenförklaring", "visar alla 5 aktiviteter"):
        assert text in svg, text
    english = process_map_dot(dfg, title="Grants", lang="en")
    assert "Legend" in english and "events" in english and "händelser" not in english


def test_frequency_and_performance_labels(make_log: Callable[..., EventLog]) -> None:
    # Case 2 runs on Tuesday 7 January 2025 (the 6th is a public holiday): a 08:00, b 10:00, c Friday 10:00.
    log = make_log("x", "a b c", hours=[[0], [0, 2, 74]])
    dfg = discover_dfg(log, calendar=SE)
    freq = pipe_dot(process_map_dot(dfg, title="t"), "svg").decode()
    assert "1 händelser" in freq and "Frekvens: antal händelser per aktivitet" in freq
    perf = process_map_dot(dfg, mode="performance", title="t")
    ids = {a: f"a{i}" for i, a in enumerate(dfg.activities["activity"])}
    a_b = re.search(rf'{ids["a"]} -> {ids["b"]} \[[^\]]*\]', perf)
    b_c = re.search(rf'{ids["b"]} -> {ids["c"]} \[[^\]]*\]', perf)
    assert a_b and b_c
    assert '" 2,0 tim"' in a_b.group(0) and f'color="{DELAY_COLOURS[1]}"' in a_b.group(0)  # 2 working hours
    assert '" 3,0 d"' in b_c.group(0) and f'color="{DELAY_COLOURS[4]}"' in b_c.group(0)  # 3 working days
    assert "svensk arbetstid" in perf and "Svenska arbetsdagar" in perf
    calendar = discover_dfg(log, calendar=get_calendar("none"))
    plain = process_map_dot(calendar, mode="performance", title="t", lang="en")
    assert '" 3.0 d"' in plain and "calendar time" in plain  # Tuesday 10:00 to Friday 10:00
    with pytest.raises(ConfigError, match="frequency or performance"):
        process_map_dot(dfg, mode="speed", title="t")


# ---- models and conformance ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("noise", [0.0, 0.2])
def test_inductive_miner_on_variant_counts_equals_pm4py_on_the_table(noise: float) -> None:
    # Pins pm4py's internal IMUVCL/IMFUVCL API that discover_model feeds with the variant Counter.
    from processmining._pm4py import pm4py

    log, _ = real("08_receipt.xes.gz")
    ours = discover_model(log, noise_threshold=noise)
    theirs = pm4py().discover_process_tree_inductive(log.events.copy(), noise_threshold=noise)
    assert str(ours.process_tree) == str(theirs)
    leaves = {str(n.label) for n in _tree_nodes(theirs) if not n.children and n.label is not None}
    assert ours.tasks == tuple(sorted(leaves))  # the model's activities are the tree's
    if noise == 0.0:  # without noise filtering every activity of the log is in the model
        assert ours.tasks == tuple(log.activities)


def _tree_nodes(tree: Any) -> list[Any]:
    return [tree, *(node for child in tree.children for node in _tree_nodes(child))]


def test_exported_bpmn_read_back_fits_the_cases_it_was_discovered_from(tmp_path: Path) -> None:
    log, _ = real("08_receipt.xes.gz")
    before = log.events.copy()
    path = write_bpmn(discover_model(log), tmp_path / "model.bpmn")
    assert b"bpmndi:BPMNShape" in path.read_bytes()  # a diagram a modeller can show
    result = check_conformance(log, load_reference(path))
    assert result.fitness == 1.0 and result.fitting_cases == result.n_cases == 1434
    assert result.deviations.empty and result.notes == ()
    assert 0 < result.precision < 1
    json.dumps(result.to_summary(), allow_nan=False)
    pd.testing.assert_frame_equal(log.events, before)



def load_reference(path: Path) -> ProcessModel:
    """A reference model as `discover --reference` reads it."""
    return reference_model(read_bpmn(path), str(path))


@pytest.fixture
def reference(tmp_path: Path, make_log: Callable[..., EventLog]) -> Path:
    """A BPMN of a -> (b and c in any order) -> d, discovered from six cases."""
    log = make_log("a b c d", "a c b d", "a b c d", "a c b d", "a b c d", "a c b d")
    return write_bpmn(discover_model(log), tmp_path / "reference.bpmn")


@pytest.mark.parametrize("method", ["token_replay", "alignments"])
def test_a_case_that_skips_a_step_deviates(reference: Path, method: str, make_log: Callable[..., EventLog]) -> None:
    log = make_log("a b c d", "a c b d", "a b d", "a b x c d")
    result = check_conformance(log, load_reference(reference), method=method)
    assert result.fitting_cases == 2 and result.deviating_cases == 2
    rows = result.deviations.set_index("case")
    assert sorted(rows.index) == ["c3", "c4"]
    if method == "alignments":
        assert rows.loc["c3", "moves_on_model"] == "c" and rows.loc["c3", "moves_on_log"] == ""
        assert rows.loc["c3", "deviation"] == "skipped: c" and rows.loc["c3", "deviating_steps"] == 1
        assert rows.loc["c4", "moves_on_log"] == "x" and "skipped" not in rows.loc["c4", "deviation"]
    else:
        assert rows.loc["c3", "could_not_fire"] == "d" and rows.loc["c3", "missing_tokens"] > 0
        assert rows.loc["c4", "not_in_model"] == "x"
    assert result.fitness < 1 and any("is not a task of the model: x" in n for n in result.notes)
    assert rows.loc["c3", "fitness"] < 1 and rows.loc["c3", "variant"] == "a → b → d"


def test_broken_reference_models_are_refused_with_the_file_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bpmn"
    broken.write_text('<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="x"><bpmn:process>', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.bpmn: not a readable BPMN 2\.0 model"):
        load_reference(broken)
    evil = tmp_path / "evil.bpmn"
    evil.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    with pytest.raises(ConfigError, match=r"evil\.bpmn: the XML declares a DOCTYPE"):
        load_reference(evil)
    with pytest.raises(ConfigError, match="reference model not found"):
        load_reference(tmp_path / "missing.bpmn")


def test_heuristics_miner_covers_every_activity(make_log: Callable[..., EventLog]) -> None:
    log = make_log("a b c d", "a c b d", "a b c d", "a e d")
    model = discover_model(log, miner="heuristics")
    assert model.tasks == ("a", "b", "c", "d", "e") and model.miner == "heuristics"
    with pytest.raises(ConfigError, match="--noise"):
        discover_model(log, noise_threshold=1.5)


# ---- the command --------------------------------------------------------------------------------------------------
def test_discover_command_writes_its_files_and_checks_a_reference(tmp_path: Path) -> None:
    from processmining.cli import app

    log = shared_log("running-example.xes")
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(app, ["discover", str(log), "--out", str(out), "--lang", "en"])
    assert first.exit_code == 0, first.output
    assert "running-example.xes: 6 cases, 42 events, 8 activities, 6 variants." in first.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "process_map.svg", "process_map.png", "process_map_performance.svg", "process_map_performance.png",
        "variants.csv", "edges.csv", "model.bpmn", "model.pnml", "petri_net.svg", "petri_net.png"])
    variants = pd.read_csv(out / "variants.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert list(variants.columns[:6]) == ["rank", "variant", "cases", "share", "cumulative_share",
                                          "median_throughput_days"]
    assert variants["cases"].sum() == 6 and variants["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    edges = pd.read_csv(out / "edges.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert edges["count"].sum() == 42 - 6 and set(edges["on_map"]) <= {0, 1}

    second = runner.invoke(app, ["discover", str(log), "--out", str(tmp_path / "again"), "--json",
                                 "--reference", str(out / "model.bpmn"), "--conformance", "alignments",
                                 "--activities", "100", "--paths", "90"])
    assert second.exit_code == 0, second.output
    payload = json.loads(second.stdout)
    assert payload["cases"] == 6 and payload["variants"]["variants"] == 6
    assert payload["process_map"]["simplification"]["paths_requested_pct"] == 90
    assert payload["conformance"]["fitting_cases"] == 6 and payload["conformance"]["deviating_cases"] == 0
    assert {"conformance.csv", "conformance_map.svg", "conformance_map.png"} <= {
        p.name for p in (tmp_path / "again").iterdir()}


def test_discover_command_refuses_a_broken_reference_in_one_line(tmp_path: Path) -> None:
    from processmining.cli import app

    broken = tmp_path / "model.bpmn"
    broken.write_bytes(b"not xml at all")
    done = CliRunner().invoke(app, ["discover", str(shared_log("running-example.xes")), "--out",
                                    str(tmp_path / "out"), "--reference", str(broken)])
    assert done.exit_code == 1
    message = done.stderr.strip()
    assert "\n" not in message and "model.bpmn: not a readable BPMN 2.0 model" in message
    assert "Traceback" not in done.output
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_variant_counter_is_what_pm4py_uvcl_expects() -> None:
    from processmining.analyses.models import _variant_counter

    log, _ = real("running-example.xes")
    counter = _variant_counter(log)
    assert isinstance(counter, Counter) and sum(counter.values()) == 6
    assert all(isinstance(v, tuple) and all(type(a) is str for a in v) for v in counter)
