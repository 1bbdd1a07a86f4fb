"""Handover graphs between units and case officers: counts, delays, metrics, privacy, exports, CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from processmining.analyses.handovers import choose_level, compare_periods, handover_graph
from processmining.calendar import WorkCalendar
from processmining.errors import AnalysisError, ConfigError
from processmining.log import ACTIVITY, CASE, GROUP, RESOURCE, TIMESTAMP, EventLog
from processmining.render.handover_map import (
    render_handover_map,
    write_gexf,
    write_graphml,
    write_handover_files,
)
from tests.support import shared_log

NO_CALENDAR = WorkCalendar(kind="none")


def read_shared(name: str) -> EventLog:
    """A shared real log through the project's own reader (resources pseudonymised by default)."""
    from processmining.ingest import read_log

    return read_log(shared_log(name))


@pytest.fixture(scope="module")
def receipt() -> EventLog:
    return read_shared("08_receipt.xes.gz")


def independent_pairs(log: EventLog, column: str) -> pd.Series:
    """Consecutive event pairs of one case done by two different known units, counted with plain pandas."""
    ev = log.events
    nxt = ev.shift(-1)
    cross = (ev[CASE] == nxt[CASE]) & ev[column].notna() & nxt[column].notna() & (ev[column] != nxt[column])
    pairs = pd.DataFrame({"source": ev.loc[cross, column].astype(str), "target": nxt.loc[cross, column].astype(str)})
    return pairs.value_counts()


# ---- the real log: counts, GraphML round trip, metrics ---------------------------------------------------
@pytest.mark.parametrize("level, column", [("unit", GROUP), ("resource", RESOURCE)])
def test_receipt_edge_weights_equal_an_independent_count(receipt: EventLog, level: str, column: str) -> None:
    expected = independent_pairs(receipt, column)
    everything = handover_graph(receipt, level=level, min_group=1)
    weights = {(u, v): w for u, v, w in everything.graph.edges(data="weight")}
    assert weights == {k: int(v) for k, v in expected.items()}
    assert sum(weights.values()) == int(expected.sum()) == everything.counts["handovers"]

    private = handover_graph(receipt, level=level)  # k = 5
    shown = sum(w for _, _, w in private.graph.edges(data="weight"))
    assert shown + private.counts["suppressed_handovers"] == int(expected.sum())
    assert all(c >= 5 for _, _, c in private.graph.edges(data="cases"))


def test_receipt_unit_figures(receipt: EventLog) -> None:
    a = handover_graph(receipt, level="unit")
    assert a.counts["cases"] == 1434 and a.counts["events"] == 8577
    assert a.counts["handovers"] == 5440
    top = a.edges.iloc[0]
    assert (top["source"], top["target"], top["handovers"]) == ("Group 3", "Group 2", 992)
    assert a.hubs.iloc[0]["node"] == "Group 1"
    # Waiting of a handover against a step within one unit, from the shared transition table.
    tr = receipt.transitions()
    cross = tr["source_unit"] != tr["target_unit"]
    waits = tr["wait"].dt.total_seconds() / 86_400
    by_kind = a.waiting.set_index("kind")
    assert by_kind.loc["handover", "transitions"] == int(cross.sum())
    assert by_kind.loc["handover", "median_wait_days"] == pytest.approx(waits[cross].median())
    assert by_kind.loc["within", "mean_wait_days"] == pytest.approx(waits[~cross].mean())
    json.dumps(a.to_summary(), allow_nan=False)


def test_receipt_graphml_and_gexf_load_back_with_same_weights_and_metrics(receipt: EventLog, tmp_path: Path) -> None:
    a = handover_graph(receipt, level="unit")
    loaded = nx.read_graphml(write_graphml(a, tmp_path / "h.graphml"))
    assert {(u, v): w for u, v, w in loaded.edges(data="weight")} == {
        (u, v): w for u, v, w in a.graph.edges(data="weight")
    }
    gexf = nx.read_gexf(write_gexf(a, tmp_path / "h.gexf"))
    assert {(u, v): w for u, v, w in gexf.edges(data="weight")} == {
        (u, v): float(w) for u, v, w in a.graph.edges(data="weight")
    }
    # The metrics in the result equal networkx's own, computed on the graph loaded from the file.
    pagerank = nx.pagerank(loaded, weight="weight")
    betweenness = nx.betweenness_centrality(loaded, weight="distance")
    nodes = a.nodes.set_index("node")
    for node in loaded.nodes:
        assert nodes.loc[node, "handovers_in"] == loaded.in_degree(node, weight="weight")
        assert nodes.loc[node, "handovers_out"] == loaded.out_degree(node, weight="weight")
        assert nodes.loc[node, "pagerank"] == pytest.approx(pagerank[node], abs=1e-9)
        assert nodes.loc[node, "betweenness"] == pytest.approx(betweenness[node], abs=1e-9)
        assert loaded.nodes[node]["pagerank"] == pytest.approx(pagerank[node], abs=1e-9)


def test_resource_level_on_the_pseudonymised_real_log_shows_no_small_groups(receipt: EventLog) -> None:
    assert receipt.source.pseudonymised
    a = handover_graph(receipt, level="resource")
    assert a.graph.number_of_nodes() > 0
    assert min(c for _, c in a.graph.nodes(data="cases")) >= 5
    assert a.counts["suppressed_nodes"] > 0 and any("fewer than 5 cases" in n for n in a.notes)
    assert "unit" in a.nodes.columns and a.nodes["unit"].notna().all()
    from processmining.render.handover_map import handover_dot

    dot = handover_dot(a, title="Handläggare")  # each officer drawn inside the box of their main unit
    assert 'label="Group 1"' in dot and "subgraph cluster_unit" in dot


# ---- constructed logs: definitions ------------------------------------------------------------------------
def test_handover_counts_delays_and_received_share(make_log) -> None:
    log = make_log("a b c", "a b", units=["A B B", "A A"], hours=[[0, 2, 3], [0, 5]])
    a = handover_graph(log, level="unit", calendar=NO_CALENDAR, min_group=1)
    assert list(a.graph.edges(data="handovers")) == [("A", "B", 1)]
    assert a.graph.edges["A", "B"]["median_delay_days"] == pytest.approx(2 / 24)
    assert a.graph.edges["A", "B"]["median_delay_workdays"] == pytest.approx(2 / 24)
    nodes = a.nodes.set_index("node")
    assert nodes.loc["B", "received_share"] == pytest.approx(0.5)  # b received from A, c from B itself
    assert nodes.loc["A", "events"] == 3 and nodes.loc["A", "cases"] == 2
    waiting = a.waiting.set_index("kind")
    assert waiting.loc["handover", "median_wait_days"] == pytest.approx(2 / 24)
    assert waiting.loc["within", "transitions"] == 2
    assert waiting.loc["within", "mean_wait_days"] == pytest.approx((1 + 5) / 2 / 24)


def test_delays_in_swedish_working_days(make_log) -> None:
    # 2025-01-06 is Trettondedag jul: a handover from 08:00 that day to 10:00 the next costs 2 working hours.
    log = make_log("a b", units=["A B"], hours=[[0, 26]])
    a = handover_graph(log, level="unit", calendar=WorkCalendar(), min_group=1)
    edge = a.graph.edges["A", "B"]
    assert edge["median_delay_days"] == pytest.approx(26 / 24)
    assert edge["median_delay_workdays"] == pytest.approx(2 / 9)


def test_pingpong_reciprocal_pairs_and_handovers_per_case(make_log) -> None:
    log = make_log("a b c d e", "a b c", "a b", units=["A B A B A", "A B B", "A A"])
    a = handover_graph(log, level="unit", min_group=1)
    pp = {(r.source, r.target): (r.pingpongs, r.cases) for r in a.pingpong.itertuples()}
    assert pp == {("A", "B"): (2, 1), ("B", "A"): (1, 1)}  # ABA twice, BAB once, in case c1 only
    assert a.counts["pingpongs"] == 3 and a.counts["cases_with_pingpong"] == 1
    assert a.reciprocal[["node_a", "node_b", "a_to_b", "b_to_a"]].values.tolist() == [["A", "B", 3, 2]]
    dist = dict(zip(a.per_case["handovers"], a.per_case["cases"], strict=True))
    assert dist == {"0": 1, "1": 1, "4+": 1}


def test_missing_units_are_counted_and_not_handovers() -> None:
    t0 = pd.Timestamp("2025-01-07 09:00", tz="Europe/Stockholm")
    frame = pd.DataFrame({
        CASE: ["c1"] * 4,
        ACTIVITY: ["a", "b", "c", "d"],
        TIMESTAMP: [t0 + pd.Timedelta(hours=h) for h in range(4)],
        GROUP: ["A", None, "B", "C"],
    })
    a = handover_graph(EventLog.from_frame(frame), level="unit", min_group=1)
    assert list(a.graph.edges) == [("B", "C")]
    assert a.counts["unknown_events"] == 1 and a.counts["unknown_transitions"] == 2
    assert a.notes[0].startswith("1 event(s) have no unit")


def test_communities_are_seeded_and_follow_the_heavy_links(make_log) -> None:
    cases = ["a b a b", "c d c d"] * 3 + ["a c"]
    units = ["A B A B", "C D C D"] * 3 + ["B C"]
    log = make_log(*cases, units=units)
    first = handover_graph(log, level="unit", min_group=1)
    assert first.communities == [["A", "B"], ["C", "D"]]
    assert handover_graph(log, level="unit", min_group=1).communities == first.communities


# ---- privacy ----------------------------------------------------------------------------------------------
def test_a_resource_with_fewer_than_k_cases_appears_nowhere(make_log, tmp_path: Path) -> None:
    cases = ["a b c"] * 7
    resources = ["R1 R2 R1"] * 5 + ["R1 RARE R2"] * 2  # RARE handles 2 cases only
    log = make_log(*cases, resources=resources).with_source(pseudonymised=True)
    a = handover_graph(log, level="resource")
    assert "RARE" not in a.graph
    assert "RARE" not in set(a.nodes["node"]) | set(a.edges["source"]) | set(a.edges["target"])
    assert a.counts["suppressed_nodes"] == 1 and a.counts["suppressed_handovers"] == 4
    written = write_handover_files(a, tmp_path, title="Överlämningar", formats=("svg",))
    for path in written:
        assert b"RARE" not in path.read_bytes(), path.name
    assert all(row >= 5 for row in a.per_case["cases"])
    assert "R1" in a.graph and "R2" in a.graph


def test_resource_level_needs_pseudonymised_ids_or_an_explicit_flag(make_log) -> None:
    log = make_log("a b", resources=["Anna Bertil"])
    with pytest.raises(AnalysisError, match="--show-names"):
        handover_graph(log, level="resource")
    assert handover_graph(log, level="resource", allow_names=True, min_group=1).graph.has_edge("Anna", "Bertil")


def test_a_log_without_units_gives_a_clear_message_and_resource_level_still_works(make_log) -> None:
    log = make_log("a b c", resources=["R1 R2 R1"])
    with pytest.raises(AnalysisError, match=r"no unit column \(org:group\).*--level resource"):
        handover_graph(log, level="unit")
    a = handover_graph(log, level="resource", allow_names=True, min_group=1)
    assert a.counts["handovers"] == 2
    assert choose_level(log) is None and choose_level(log.with_source(pseudonymised=True)) == "resource"


def test_bad_options_are_config_errors(make_log) -> None:
    log = make_log("a b", units=["A B"])
    with pytest.raises(ConfigError, match="level"):
        handover_graph(log, level="team")
    with pytest.raises(ConfigError, match="--min-group"):
        handover_graph(log, min_group=0)


# ---- comparison of two periods ----------------------------------------------------------------------------
def test_compare_periods_per_edge_status_and_rates(make_log) -> None:
    # Cases start one day apart from 2025-01-06: c1-c2 before 2025-01-08, c3-c6 on or after.
    cases = ["a b", "a b c", "a b", "a b", "a b c", "a c"]
    units = ["A B", "A B C", "A B", "A B", "A B B", "A D"]
    cmp = compare_periods(make_log(*cases, units=units), before=dt.date(2025, 1, 8), min_group=1)
    assert (cmp.cases_before, cmp.cases_after) == (2, 4)
    rows = cmp.edges.set_index(["source", "target"])
    assert rows.loc[("A", "B"), "per100_before"] == pytest.approx(100.0)
    assert rows.loc[("A", "B"), "per100_after"] == pytest.approx(75.0)
    assert rows.loc[("A", "B"), "status"] == "shrank"
    assert rows.loc[("B", "C"), "status"] == "vanished"
    assert rows.loc[("A", "D"), "status"] == "appeared"
    # Largest change per 100 cases first: B -> C (-50), then A -> B and A -> D (-25, +25) by name.
    assert list(zip(cmp.edges["source"], cmp.edges["target"], strict=True)) == [("B", "C"), ("A", "B"), ("A", "D")]
    json.dumps(cmp.to_summary(), allow_nan=False)


def test_compare_periods_blanks_cells_about_few_cases(make_log) -> None:
    cases = ["a b"] * 6 + ["a b"] * 2
    units = ["A B"] * 6 + ["A B"] * 2
    cmp = compare_periods(make_log(*cases, units=units), before=dt.date(2025, 1, 12), min_group=5)
    row = cmp.edges.iloc[0]
    assert row["handovers_before"] == 6 and row["cases_before"] == 6
    assert pd.isna(row["handovers_after"]) and pd.isna(row["per100_after"])  # 2 cases after: blank
    with pytest.raises(AnalysisError, match="no case starts before 2024-01-01"):
        compare_periods(make_log(*cases, units=units), before=dt.date(2024, 1, 1))


# ---- rendering --------------------------------------------------------------------------------------------
def test_map_is_deterministic_readable_and_leaves_no_temp_files(make_log, tmp_path: Path, monkeypatch) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    log = make_log("a b c", "a b", units=["Registratur Beslutsenheten Ekonomienheten", "Registratur Rättsenheten"])
    a = handover_graph(log, level="unit", min_group=1)
    first = render_handover_map(a, tmp_path / "one" / "map", title="Överlämningar – ärendehandläggning")
    second = render_handover_map(a, tmp_path / "two" / "map", title="Överlämningar – ärendehandläggning")
    assert [p.name for p in first] == ["map.svg", "map.png"]
    assert first[0].read_bytes() == second[0].read_bytes()
    svg = first[0].read_text(encoding="utf-8")
    assert "Rättsenheten" in svg and "Överlämningar" in svg and "Teckenförklaring" in svg
    assert "Generated by graphviz" not in svg  # no version comment: the same bytes on every machine
    assert first[1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(temp.iterdir()) == []
    assert not list(tmp_path.rglob("*.tmp"))


def test_without_dot_the_map_is_a_one_line_error_that_says_what_to_install(make_log, tmp_path: Path,
                                                                           monkeypatch) -> None:
    a = handover_graph(make_log("a b c", units=["A B C"]), level="unit", min_group=1)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    with pytest.raises(ConfigError, match=r"graphviz's `dot` program is not installed; install graphviz"):
        render_handover_map(a, tmp_path / "map", title="t")
    assert not list(tmp_path.glob("map*"))


def test_edge_width_grows_with_handovers(make_log) -> None:
    from processmining.render.handover_map import handover_dot

    log = make_log(*(["a b"] * 9 + ["a c"]), units=["A B"] * 9 + ["A C"])
    dot = handover_dot(handover_graph(log, level="unit", min_group=1), title="t")
    widths = {m[0]: float(m[1]) for m in re.findall(r"n0 -> (n\d) \[.*penwidth=\"?([\d.]+)", dot)}
    assert widths["n1"] == pytest.approx(8.0) and 1.0 <= widths["n2"] < 4.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cases=st.lists(st.lists(st.sampled_from(["A", "B", "C", "D", None]), min_size=1, max_size=7), min_size=1,
                   max_size=14),
    k=st.integers(min_value=1, max_value=6),
)
def test_every_published_figure_covers_at_least_k_cases_and_nothing_is_lost(cases: list[list[str | None]],
                                                                           k: int) -> None:
    assume(any(unit is not None for units in cases for unit in units))  # else: the no-unit-column error
    t0 = pd.Timestamp("2025-01-07 09:00", tz="Europe/Stockholm")
    rows = [{CASE: f"c{i}", ACTIVITY: f"x{j}", TIMESTAMP: t0 + pd.Timedelta(hours=j), GROUP: unit}
            for i, units in enumerate(cases) for j, unit in enumerate(units)]
    a = handover_graph(EventLog.from_frame(pd.DataFrame(rows)), level="unit", min_group=k, calendar=NO_CALENDAR)
    assert all(c >= k for _, c in a.graph.nodes(data="cases"))
    assert all(c >= k for _, _, c in a.graph.edges(data="cases"))
    for table in (a.pingpong, a.waiting, a.per_case, a.pingpong_per_case):
        assert (table["cases"] >= k).all()
    assert a.per_case["cases"].sum() in (0, len(cases))  # binned, never dropped (empty when < k cases)
    shown = sum(w for _, _, w in a.graph.edges(data="weight"))
    assert shown + a.counts["suppressed_handovers"] == a.counts["handovers"]
    steps = sum(len(u) - 1 for u in cases)
    assert a.counts["handovers"] + a.counts["unknown_transitions"] <= steps


# ---- the command ------------------------------------------------------------------------------------------
def swedish_export(path: Path, *, with_units: bool = True) -> Path:
    """A small ';'-separated export with Swedish headers: 6 applications through three units."""
    rows = []
    for i in range(6):
        steps = [("Ansökan registrerad", "Registratur"), ("Bedömning", "Handläggning Nord"),
                 ("Komplettering begärd", "Registratur"), ("Bedömning klar", "Handläggning Nord"),
                 ("Beslut fattat", "Beslutsenheten")]
        for j, (activity, unit) in enumerate(steps):
            row = {"Diarienummer": f"TVV 2025-{i:04d}", "Aktivitet": activity,
                   "Tidpunkt": f"2025-0{1 + i // 3}-{10 + i:02d} {9 + j:02d}:00:00", "Handläggare": f"Person {j % 2}"}
            if with_units:
                row["Enhet"] = unit
            rows.append(row)
    pd.DataFrame(rows).to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    return path


def test_handovers_command_writes_every_file_and_prints_json(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from processmining.cli import app

    log = swedish_export(tmp_path / "export.csv")
    out = tmp_path / "out"
    done = CliRunner().invoke(app, ["handovers", str(log), "--out", str(out), "--json",
                                    "--compare-before", "2025-02-01"])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.stdout)
    block = payload["handovers"]
    assert (block["level"], block["nodes"], block["edges"], block["handovers"]) == ("unit", 3, 3, 24)
    assert block["pingpong"]["total"] == 12  # Registratur-Nord-Registratur and Nord-Registratur-Nord, per case
    assert payload["comparison"]["cases_before"] == 3 and payload["comparison"]["cases_after"] == 3
    names = sorted(p.name for p in out.iterdir())
    assert names == ["handover_comparison.csv", "handover_edges.csv", "handover_map.png", "handover_map.svg",
                     "handover_nodes.csv", "handovers.gexf", "handovers.graphml"]
    edges = pd.read_csv(out / "handover_edges.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert edges["handovers"].sum() == 24 and "Handläggning Nord" in set(edges["target"])
    loaded = nx.read_graphml(out / "handovers.graphml")
    assert loaded.edges["Registratur", "Handläggning Nord"]["weight"] == 12

    words = CliRunner().invoke(app, ["handovers", str(log), "--out", str(out)])
    assert words.exit_code == 0, words.output
    assert "Registratur -> Handläggning Nord: 12 in 6 cases" in words.stdout
    assert "Ping-pong" in words.stdout and "Swedish working days" in words.stdout


def test_handovers_command_without_units_says_so_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from processmining.cli import app

    log = swedish_export(tmp_path / "export.csv", with_units=False)
    runner = CliRunner()
    done = runner.invoke(app, ["handovers", str(log), "--out", str(tmp_path / "out")])
    assert done.exit_code == 1
    message = done.stderr.strip()
    assert "\n" not in message and "no unit column (org:group)" in message and "--level resource" in message
    assert "Traceback" not in done.output
    by_resource = runner.invoke(app, ["handovers", str(log), "--level", "resource", "--min-group", "1",
                                      "--out", str(tmp_path / "out"), "--json"])
    assert by_resource.exit_code == 0, by_resource.output
    assert json.loads(by_resource.stdout)["handovers"]["handovers"] == 24  # Person 0 <-> Person 1 each step
    names = runner.invoke(app, ["handovers", str(log), "--level", "resource", "--no-pseudonymise",
                                "--out", str(tmp_path / "out")])
    assert names.exit_code == 1 and "--show-names" in names.stderr
