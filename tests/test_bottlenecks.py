"""Bottleneck analysis: waiting figures against independent computations, the planted bottleneck, DST and
Swedish holidays, clock stops, targets, rework, work in progress, trends and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from processmining.analyses.bottlenecks import (
    BottleneckReport,
    analyze_bottlenecks,
    work_in_progress,
)
from processmining.analyses.sla import parse_clock_stop
from processmining.calendar import WorkCalendar, get_calendar
from processmining.config import load_settings, load_targets
from processmining.errors import AnalysisError, ConfigError
from processmining.log import ACTIVITY, CASE, ROW, START, TIMESTAMP, EventLog
from processmining.render.tables import write_bottleneck_csvs
from tests.support import ROOT, shared_log

TZ = "Europe/Stockholm"
SE = get_calendar("se")
NONE = get_calendar("none")
REAL_LOGS = ["08_receipt.xes.gz", "BPIC15_1.xes.gz", "sepsis.csv"]


# ---- independent references ---------------------------------------------------------------------------------
def easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    return dt.date(year, month, (h + l_ - 7 * m + 33 * month + 19) % 32)


@cache
def swedish_days_off(year: int) -> frozenset[dt.date]:
    """Weekday holidays in Sweden since 2005 (public ones plus midsommar-, jul- and nyårsafton), by hand."""
    e = easter(year)
    midsummer_eve = next(dt.date(year, 6, d) for d in range(19, 26) if dt.date(year, 6, d).weekday() == 4)
    return frozenset({
        dt.date(year, 1, 1), dt.date(year, 1, 6), e - dt.timedelta(days=2), e + dt.timedelta(days=1),
        dt.date(year, 5, 1), e + dt.timedelta(days=39), dt.date(year, 6, 6), midsummer_eve,
        dt.date(year, 12, 24), dt.date(year, 12, 25), dt.date(year, 12, 26), dt.date(year, 12, 31),
    })


def day_by_day_hours(start: pd.Timestamp, end: pd.Timestamp, h0: float = 8, h1: float = 17) -> float:
    """Walk local dates one by one, adding the overlap of [start, end) with each working day's hours."""
    s, e = start.tz_convert(TZ).tz_localize(None), end.tz_convert(TZ).tz_localize(None)
    total, day = 0.0, s.normalize()
    while day <= e:
        if day.weekday() < 5 and day.date() not in swedish_days_off(day.year):
            overlap = (min(day + pd.Timedelta(hours=h1), e) - max(day + pd.Timedelta(hours=h0), s)).total_seconds()
            total += max(overlap, 0.0) / 3600
        day += pd.Timedelta(days=1)
    return total


def test_the_reference_holidays_match_known_dates() -> None:
    assert easter(2025) == dt.date(2025, 4, 20) and easter(2011) == dt.date(2011, 4, 24)
    assert dt.date(2025, 6, 20) in swedish_days_off(2025)  # midsommarafton
    assert dt.date(2014, 5, 29) in swedish_days_off(2014)  # Kristi himmelsfärd


def independent_edges(log: EventLog, calendar: WorkCalendar) -> pd.DataFrame:
    """DESIGN.md's waiting time computed from scratch: sort, shift within case groups, group by edge."""
    cols = [CASE, ACTIVITY, TIMESTAMP, ROW] + ([START] if START in log.events.columns else [])
    ev = log.events[cols].sort_values([CASE, TIMESTAMP, ROW], kind="stable")
    nxt = ev.groupby(CASE, sort=False).shift(-1)
    pairs = nxt[ACTIVITY].notna()
    begin = nxt[START].fillna(nxt[TIMESTAMP]) if START in ev.columns else nxt[TIMESTAMP]
    frame = pd.DataFrame({
        "source": ev.loc[pairs, ACTIVITY], "target": nxt.loc[pairs, ACTIVITY],
        "days": (begin[pairs] - ev.loc[pairs, TIMESTAMP]).dt.total_seconds() / 86_400,
        "workdays": calendar.working_days(ev.loc[pairs, TIMESTAMP], begin[pairs]),
    })
    return frame.groupby(["source", "target"]).agg(
        count=("days", "size"), median_days=("days", "median"), mean_days=("days", "mean"),
        median_workdays=("workdays", "median"), mean_workdays=("workdays", "mean"),
    )


@cache
def real_report(name: str) -> tuple[EventLog, BottleneckReport]:
    from processmining.ingest import read_log

    log = read_log(shared_log(name))
    return log, analyze_bottlenecks(log, calendar=SE)


# ---- real logs ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", REAL_LOGS)
def test_waiting_per_edge_equals_an_independent_pandas_computation(name: str) -> None:
    log, report = real_report(name)
    expected = independent_edges(log, SE)
    got = report.edges.set_index(["source", "target"]).loc[expected.index]
    assert len(report.edges) == len(expected)
    np.testing.assert_array_equal(got["count"], expected["count"])
    np.testing.assert_allclose(got["median_wait_days"], expected["median_days"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got["mean_wait_days"], expected["mean_days"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got["median_wait_workdays"], expected["median_workdays"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got["mean_wait_workdays"], expected["mean_workdays"], rtol=1e-9, atol=1e-9)
    # Throughput: first to last event, per case.
    ts = log.events.groupby(CASE)[TIMESTAMP]
    throughput = ((ts.max() - ts.min()).dt.total_seconds() / 86_400).sort_index()
    np.testing.assert_allclose(report.cases["throughput_days"].sort_index(), throughput, atol=1e-9)
    assert report.to_summary()["throughput_days"]["median"] == pytest.approx(float(throughput.median()), abs=1e-4)


@pytest.mark.parametrize("name", REAL_LOGS)
def test_working_days_of_sampled_waits_equal_a_day_by_day_count(name: str) -> None:
    _, report = real_report(name)
    tr = report.transitions
    rng = np.random.default_rng(4)
    long_enough = np.flatnonzero(tr["wait_days"].to_numpy() > 0.01)  # mostly non-trivial waits
    sample = rng.choice(long_enough, size=20, replace=False)
    expected = [day_by_day_hours(s, e) / 9 for s, e in
                zip(tr["source_time"].iloc[sample], tr["target_time"].iloc[sample], strict=True)]
    # One second of tolerance: the calendar works in whole seconds, 08_receipt has milliseconds.
    np.testing.assert_allclose(tr["wait_workdays"].iloc[sample], expected, rtol=0, atol=1 / (9 * 3600))
    assert max(expected) > 1  # the sample includes waits over several days, weekends and holidays


def test_receipt_waits_agree_with_pm4py_performance_dfg() -> None:
    from processmining._pm4py import pm4py

    log, report = real_report("08_receipt.xes.gz")
    perf = pm4py().discover_performance_dfg(log.events.copy())[0]
    edges = report.edges.set_index(["source", "target"])
    for edge, stats in perf.items():
        assert edges.loc[edge, "mean_wait_days"] * 86_400 == pytest.approx(stats["mean"], abs=1e-3)
        assert edges.loc[edge, "median_wait_days"] * 86_400 == pytest.approx(stats["median"], abs=1e-3)


def test_real_log_without_end_activity_or_units_says_so() -> None:
    _, report = real_report("BPIC15_1.xes.gz")
    summary = report.to_summary()
    json.dumps(summary, allow_nan=False)  # JSON-ready: no NaN anywhere
    assert summary["open_cases"] == 0 and summary["closed_cases"] == 1199
    assert any("No end activity" in n for n in summary["notes"])
    assert any("No unit column" in n for n in summary["notes"])
    assert list(report.wip_daily.columns) == ["all"]
    assert len(summary["bottlenecks"]) == 10
    top = summary["bottlenecks"][0]
    assert {"from", "to", "count", "median_wait_days", "score", "share_of_waiting"} <= set(top)
    assert top["score"] >= summary["bottlenecks"][1]["score"] > 0


# ---- the demo log: the planted bottleneck -------------------------------------------------------------------------
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from processmining.simulate import simulate, write_sample

    return write_sample(simulate(cases=400, seed=3, messy=False), tmp_path_factory.mktemp("demo") / "demo.csv")


@pytest.fixture(scope="module")
def demo_report(demo_csv: Path) -> BottleneckReport:
    from processmining.ingest import read_log
    from processmining.simulate import CLOCK_STOP_PAIRS

    log = read_log(demo_csv, profile=DEMO_PROFILE)
    return analyze_bottlenecks(log, calendar=SE, clock_stops=CLOCK_STOP_PAIRS, targets=40)


def test_planted_bottleneck_comes_first_on_the_demo_log(demo_report: BottleneckReport) -> None:
    from processmining.simulate import PLANTED_BOTTLENECK

    first = demo_report.edges.iloc[0]
    assert (first["source"], first["target"]) == PLANTED_BOTTLENECK
    assert first["score"] > 2 * demo_report.edges.iloc[1]["score"]
    assert first["share_of_waiting"] > 0.3
    assert demo_report.activities.iloc[0]["activity"] == PLANTED_BOTTLENECK[1]
    text = demo_report.describe("sv")[0]
    assert text.startswith("Bedömning → Beslut fattat: ärenden väntar i median ")
    assert "arbetsdagar" in text and "av all väntan" in text and "ärenden)" in text
    assert demo_report.describe("en")[0].startswith("Bedömning → Beslut fattat: cases wait a median of ")
    summary = demo_report.to_summary()
    assert (summary["bottlenecks"][0]["from"], summary["bottlenecks"][0]["to"]) == PLANTED_BOTTLENECK


def test_demo_clock_stops_make_the_completion_wait_the_applicants(demo_report: BottleneckReport) -> None:
    edges = demo_report.edges.set_index(["source", "target"])
    assert edges.loc[("Komplettering begärd", "Komplettering inkommen"), "applicant_share"] == pytest.approx(1.0)
    assert edges.loc[("Bedömning", "Beslut fattat"), "applicant_share"] == 0.0
    cases = demo_report.cases
    with_stop = cases["applicant_days"] > 0
    assert 0.2 < with_stop.mean() < 0.5  # about 35 % of cases get a request for completion
    np.testing.assert_allclose(cases["agency_days"], cases["throughput_days"] - cases["applicant_days"])
    assert demo_report.sla is not None and demo_report.sla.basis == "agency"
    assert demo_report.cases["closed"].sum() + (~demo_report.cases["closed"]).sum() == 400
    assert (~demo_report.cases["closed"]).sum() > 0  # the export is taken while cases are still open


def test_demo_trends_and_work_in_progress_add_up(demo_report: BottleneckReport) -> None:
    trends = demo_report.trends
    assert trends["cases_started"].sum() == 400
    assert trends["cases_completed"].sum() == demo_report.cases["closed"].sum()
    assert "median_wait_workdays: Bedömning → Beslut fattat" in trends.columns
    assert trends["sla_breaching"].sum() == len(demo_report.sla.breaching)  # type: ignore[union-attr]
    wip = demo_report.wip_daily
    assert "Beslutsenheten" in wip.columns
    # A brute-force count over days x cases for the overall column.
    c = demo_report.cases
    first = c["start"].dt.tz_convert(TZ).dt.tz_localize(None).dt.normalize()
    last = c["end"].dt.tz_convert(TZ).dt.tz_localize(None).dt.normalize()
    end_day = last.where(c["closed"], demo_report.as_of.tz_convert(TZ).tz_localize(None).normalize()
                         + pd.Timedelta(days=1))
    for day in wip.index[::37]:
        assert wip.loc[day, "all"] == int(((first <= day) & (end_day > day)).sum())
    # The queue before the decision is the largest unit queue on a typical day.
    assert wip.drop(columns="all").median().idxmax() == "Beslutsenheten"


# ---- DST, midsommar, jul ---------------------------------------------------------------------------------------
def _offsets(case_index: int, *times: str) -> list[float]:
    """Hour offsets for make_log that put case ``case_index``'s events at these local times."""
    base = pd.Timestamp("2025-01-06 08:00", tz=TZ) + pd.Timedelta(days=case_index)
    return [(pd.Timestamp(t, tz=TZ) - base) / pd.Timedelta(hours=1) for t in times]


def test_durations_across_dst_midsommar_and_jul(make_log: Callable[..., EventLog]) -> None:
    spans = [
        ("2025-06-18 10:00", "2025-06-24 10:00"),  # midsommarafton Fri 20 June and the weekend
        ("2025-12-22 16:00", "2026-01-02 09:00"),  # julafton .. annandag jul, nyårsafton, nyårsdagen
        ("2025-03-28 12:00", "2025-03-31 12:00"),  # DST starts on Sunday 30 March (23-hour night)
        ("2025-10-24 12:00", "2025-10-27 12:00"),  # DST ends on Sunday 26 October (25-hour night)
    ]
    log = make_log("m1 m2", "j1 j2", "s1 s2", "f1 f2",
                   hours=[_offsets(i, a, b) for i, (a, b) in enumerate(spans)])
    report = analyze_bottlenecks(log, calendar=SE)
    edges = report.edges.set_index("source")
    # Calendar days are elapsed time; working days are Stockholm wall-clock hours 08-17 / 9.
    expected_days = {"m1": 6.0, "j1": 10 + 17 / 24, "s1": 3 - 1 / 24, "f1": 3 + 1 / 24}
    expected_workdays = {"m1": 27 / 9, "j1": 29 / 9, "s1": 1.0, "f1": 1.0}
    for src in expected_days:
        assert edges.loc[src, "median_wait_days"] == pytest.approx(expected_days[src])
        assert edges.loc[src, "median_wait_workdays"] == pytest.approx(expected_workdays[src])
        assert edges.loc[src, "median_wait_workhours"] == pytest.approx(expected_workdays[src] * 9)
    cases = report.cases
    assert cases.loc["c2", "throughput_days"] == pytest.approx(10 + 17 / 24)
    assert cases.loc["c2", "throughput_workdays"] == pytest.approx(29 / 9)
    assert cases.loc["c3", "throughput_days"] == pytest.approx(71 / 24)
    # With the calendar off, working days are calendar days.
    plain = analyze_bottlenecks(log, calendar=NONE).edges.set_index("source")
    assert plain.loc["s1", "median_wait_workdays"] == pytest.approx(71 / 24)
    assert "kalenderdagar" in analyze_bottlenecks(log, calendar=NONE).describe("sv")[0]


# ---- clock stops -----------------------------------------------------------------------------------------------
REQ, GOT = "Komplettering begärd", "Komplettering inkommen"


def _frame_log(cases: dict[str, list[tuple[str, float]]], **attributes: dict[str, str]) -> EventLog:
    """Cases as {id: [(activity, day offset), ...]} from Monday 2025-01-06 08:00; case attributes by id."""
    base = pd.Timestamp("2025-01-06 08:00", tz=TZ)
    rows = [{CASE: cid, ACTIVITY: act, TIMESTAMP: base + pd.Timedelta(days=day),
             **{f"case:{k}": v[cid] for k, v in attributes.items()}}
            for cid, events in cases.items() for act, day in events]
    return EventLog.from_frame(pd.DataFrame(rows))


def test_applicant_waits_10_of_30_days_leaves_20_days_agency_time() -> None:
    log = _frame_log({"c1": [("Ansökan", 0), (REQ, 5), (GOT, 15), ("Beslut", 30)]})
    report = analyze_bottlenecks(log, calendar=SE, clock_stops=[f"{REQ}=>{GOT}"])
    case = report.cases.loc["c1"]
    assert case["throughput_days"] == pytest.approx(30)
    assert case["applicant_days"] == pytest.approx(10)
    assert case["agency_days"] == pytest.approx(20)
    # Working days: Sat 11 Jan .. Tue 21 Jan 08:00 holds 6 whole working days (13-17 and 20 Jan).
    start, end = pd.Timestamp("2025-01-11 08:00", tz=TZ), pd.Timestamp("2025-01-21 08:00", tz=TZ)
    assert case["applicant_workdays"] == pytest.approx(day_by_day_hours(start, end) / 9) == pytest.approx(6.0)
    assert case["agency_workdays"] == pytest.approx(case["throughput_workdays"] - 6.0)
    edges = report.edges.set_index(["source", "target"])
    assert edges.loc[(REQ, GOT), "applicant_share"] == pytest.approx(1.0)
    assert edges.loc[("Ansökan", REQ), "applicant_share"] == 0.0
    summary = report.to_summary()["attribution"]
    assert summary["applicant_share_of_throughput"] == pytest.approx(1 / 3, abs=1e-4)
    # Without clock stops all 30 days are the agency's.
    plain = analyze_bottlenecks(log, calendar=SE).cases.loc["c1"]
    assert plain["agency_days"] == pytest.approx(30)


def test_repeated_and_unanswered_requests_are_not_counted_twice() -> None:
    log = _frame_log({
        "twice": [("Ansökan", 0), (REQ, 5), (REQ, 8), (GOT, 15), ("Beslut", 30)],  # stopped 5..15, not 17 days
        "unanswered": [("Ansökan", 0), (REQ, 4), ("Beslut", 9)],  # restarts at the next event: 5 days
    })
    report = analyze_bottlenecks(log, calendar=NONE, clock_stops=[(REQ, GOT)])
    assert report.cases.loc["twice", "applicant_days"] == pytest.approx(10)
    assert report.cases.loc["unanswered", "applicant_days"] == pytest.approx(5)
    assert report.attribution.requests == 3 and report.attribution.unanswered == 1
    assert any("without a later answer" in n for n in report.notes)


def test_clock_stop_mistakes_are_one_line_errors(make_log: Callable[..., EventLog]) -> None:
    log = _frame_log({"c1": [("Ansökan", 0), (REQ, 5), (GOT, 15)]})
    with pytest.raises(ConfigError, match="did you mean 'Komplettering begärd'"):
        analyze_bottlenecks(log, clock_stops=["Komplettering begard=>Komplettering inkommen"])
    with pytest.raises(ConfigError, match="not like"):
        parse_clock_stop("Komplettering begärd -> Komplettering inkommen")
    assert parse_clock_stop(" A => B ") == ("A", "B")


# ---- targets -----------------------------------------------------------------------------------------------------
def _sla_log() -> EventLog:
    end = "Ärende avslutat"
    return _frame_log(
        {
            "late": [("Ansökan", 0), (end, 50)],  # 50 days against 40: 10 late
            "stopped": [("Ansökan", 0), (REQ, 5), (GOT, 20), (end, 32)],  # 32 - 15 = 17 against 30
            "open": [("Ansökan", 0), ("Bedömning", 10)],  # still open at the log's last event (day 50)
        },
        program={"late": "Innovationscheck", "stopped": "Exportcheck", "open": "Innovationscheck"},
    )


def test_targets_per_programme_on_agency_time(tmp_path: Path) -> None:
    config = tmp_path / "targets.toml"
    config.write_text('[targets]\nattribute = "case:program"\nunit = "days"\nInnovationscheck = 40\n'
                      'Exportcheck = 30\n\n[bottlenecks]\nclock_stops = ["Komplettering begärd=>Komplettering '
                      'inkommen"]\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.clock_stops == ((REQ, GOT),)
    report = analyze_bottlenecks(_sla_log(), calendar=SE, clock_stops=settings.clock_stops,
                                 targets=settings.targets)
    sla = report.sla
    assert sla is not None and sla.basis == "agency"
    assert list(sla.breaching.index) == ["late"]
    assert sla.breaching.loc["late", "late_by"] == pytest.approx(10)
    assert sla.cases.loc["stopped", "measured"] == pytest.approx(17) and sla.cases.loc["stopped", "status"] == "on_time"
    # The open case: 50 days elapsed by the log's last event (day 50) against 40: 10 days overdue.
    assert not sla.cases.loc["open", "closed"]
    assert sla.cases.loc["open", "time_left"] == pytest.approx(-10)
    assert sla.cases.loc["open", "status"] == "overdue"
    summary = sla.to_summary()
    assert summary["breach_share"] == pytest.approx(0.5) and summary["open_overdue"] == 1
    assert "handläggningstid" in summary["description_sv"] and "50\u00a0% av 2 avslutade" in summary["description_sv"]
    assert "1 of 1 open cases are already overdue" in summary["description_en"]
    # Measured on throughput without clock stops: "stopped" now breaches by 2 days.
    plain = analyze_bottlenecks(_sla_log(), calendar=SE, targets=load_targets(config)).sla
    assert plain is not None and plain.basis == "throughput"
    assert plain.breaching.loc["stopped", "late_by"] == pytest.approx(2)


def test_target_days_default_to_working_days() -> None:
    report = analyze_bottlenecks(_sla_log(), calendar=SE, targets=30)
    sla = report.sla
    assert sla is not None and sla.targets.working_days
    # "late": Mon 6 Jan 08:00 .. Tue 25 Feb 08:00 local is 35 working days (no holidays in between but 6 Jan).
    late = sla.cases.loc["late"]
    start = pd.Timestamp("2025-01-06 08:00", tz=TZ)
    expected = day_by_day_hours(start, start + pd.Timedelta(days=50)) / 9
    assert late["measured"] == pytest.approx(expected) and late["late_by"] == pytest.approx(expected - 30)


def test_target_file_mistakes_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[targets]\nattribute = \"case:programme\"\nInnovationscheck = 40\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="case:programme.*case:program"):
        analyze_bottlenecks(_sla_log(), targets=load_targets(bad))
    bad.write_text("[targets]\nInnovationscheck = \"forty\"\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml: target for 'Innovationscheck' must be a number"):
        load_targets(bad)
    bad.write_text("targets = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml: not valid TOML"):
        load_settings(bad)


# ---- service time, rework, work in progress --------------------------------------------------------------------
def test_service_time_and_waiting_before_an_activity(make_log: Callable[..., EventLog]) -> None:
    # b starts 2 h after a completes and takes 3 h; in the second case it starts 4 h after and takes 1 h.
    # Tuesday 7 and Wednesday 8 January (Monday 6 January is a holiday, trettondedag jul).
    log = make_log("a b", "a b", hours=[[24, 29], [24, 29]], starts=[[None, 26], [None, 28]])
    report = analyze_bottlenecks(log, calendar=SE)
    b = report.activities.set_index("activity").loc["b"]
    assert b["median_wait_workhours"] == pytest.approx(3.0)  # waits 2 h and 4 h: before b's start
    assert b["median_service_workhours"] == pytest.approx(2.0)  # 3 h and 1 h
    assert b["median_service_days"] == pytest.approx(2 / 24)
    assert b["serviced"] == 2
    assert report.edges.iloc[0]["median_wait_days"] == pytest.approx(3 / 24)


def test_rework_split_by_resource_and_pingpong(make_log: Callable[..., EventLog]) -> None:
    log = make_log("a b a c a", "a c", "a b c",
                   resources=["r1 r2 r1 r3 r9", "r1 r3", "r1 r2 r3"],
                   units=["U V U U V", "U W", "U V U"])
    rw = analyze_bottlenecks(log, calendar=SE).rework
    a = rw.activities.set_index("activity").loc["a"]
    assert (a["repeats"], a["same_resource"], a["other_resource"]) == (2, 1, 1)
    assert a["cases_with_repeat"] == 1 and a["share_of_cases"] == pytest.approx(1 / 3)
    assert rw.cases_with_rework == 1
    units = rw.pingpong[rw.pingpong["level"] == "unit"].set_index(["from", "via"])
    # Units collapse to U V U V in case 1 (U V U, V U V) and U V U in case 3.
    assert units.loc[("U", "V"), "occurrences"] == 2 and units.loc[("U", "V"), "cases"] == 2
    assert units.loc[("V", "U"), "occurrences"] == 1
    acts = rw.pingpong[rw.pingpong["level"] == "activity"].set_index(["from", "via"])
    assert acts.loc[("a", "b"), "occurrences"] == 1 and len(acts) == 2  # a b a, a c a


def test_work_in_progress_counts_cases_open_at_the_end_of_each_day(make_log: Callable[..., EventLog]) -> None:
    # c1: Mon 6 Jan 08:00, U, then V at Thu 9 Jan 10:00. c2: Tue 7 Jan 08:00 and 09:00 (same day: never open).
    log = make_log("a b", "a b", hours=[[0, 74], [0, 1]], units=["U V", "U U"])
    daily, weekly = work_in_progress(log)
    day = pd.Timestamp
    assert daily.loc[day("2025-01-06"), "all"] == 1 and daily.loc[day("2025-01-08"), "all"] == 1
    assert daily.loc[day("2025-01-07"), "all"] == 1  # c2 opens and closes within the day
    # c1 waits for V from a's completion on Monday until b on Thursday: it is in V's queue, not U's.
    assert daily.loc[day("2025-01-06"), "V"] == 1 and daily.loc[day("2025-01-06"), "U"] == 0
    assert len(daily) == 3  # 6-8 January; 9 January has nothing open at its end
    assert weekly["all"].tolist() == [0]  # nothing open on Sunday 12 January 24:00
    open_log_ = make_log("a b", hours=[[0, 200]])
    weekly2 = work_in_progress(open_log_)[1]
    assert weekly2["all"].tolist() == [1, 0]


# ---- files and the CLI -------------------------------------------------------------------------------------------
def test_csv_files_hold_the_ranking_and_the_cases(demo_report: BottleneckReport, tmp_path: Path) -> None:
    written = write_bottleneck_csvs(demo_report, tmp_path)
    names = {p.name for p in written}
    assert {"bottlenecks.csv", "activities.csv", "cases.csv", "wip.csv", "trends.csv", "rework.csv"} <= names
    edges = pd.read_csv(tmp_path / "bottlenecks.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert (edges.loc[0, "source"], edges.loc[0, "target"]) == ("Bedömning", "Beslut fattat")
    assert len(edges) == len(demo_report.edges) and edges.loc[0, "text_sv"].startswith("Bedömning → Beslut")
    cases = pd.read_csv(tmp_path / "cases.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert len(cases) == 400 and {"agency_workdays", "sla_status", "case:program"} <= set(cases.columns)
    definitions = (tmp_path / "bottlenecks_definitions.txt").read_text(encoding="utf-8")
    assert "Svenska arbetsdagar" in definitions and "Swedish working days" in definitions


def test_cli_json_and_files(demo_csv: Path, tmp_path: Path) -> None:
    from processmining.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["bottlenecks", str(demo_csv), "--profile", str(DEMO_PROFILE), "--json",
                                 "--clock-stop", f"{REQ}=>{GOT}", "--target-days", "40", "--top", "3",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [(b["from"], b["to"]) for b in summary["bottlenecks"]][0] == ("Bedömning", "Beslut fattat")
    assert len(summary["bottlenecks"]) == 3
    assert summary["calendar"]["kind"] == "se" and summary["sla"]["basis"] == "agency"
    assert len(pd.read_csv(tmp_path / "out" / "wip.csv", sep=";", decimal=",", encoding="utf-8-sig")) > 100
    assert "wrote 8 files" in result.stderr


def test_cli_prints_words_and_fails_cleanly(demo_csv: Path) -> None:
    from processmining.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["bottlenecks", str(demo_csv), "--profile", str(DEMO_PROFILE), "--top", "2",
                             "--calendar", "none"], env={"COLUMNS": "120"})
    assert ok.exit_code == 0, ok.output
    assert "Bedömning → Beslut fattat: ärenden väntar i median" in ok.stdout and "kalenderdagar" in ok.stdout
    bad = runner.invoke(app, ["bottlenecks", str(demo_csv), "--profile", str(DEMO_PROFILE),
                              "--clock-stop", "Komplettering begärd"])
    assert bad.exit_code == 1 and "error: clock stop 'Komplettering begärd' is not like" in bad.stderr
    assert "Traceback" not in bad.output
    typo = runner.invoke(app, ["bottlenecks", str(demo_csv), "--profile", str(DEMO_PROFILE),
                               "--end-activity", "Ärende avslutad"])
    assert typo.exit_code == 1 and "end activity 'Ärende avslutad' does not occur" in typo.stderr
