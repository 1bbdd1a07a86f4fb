"""Effect of an automation: a wait that drops from ~5 to ~1 day is found with an interval excluding 0, no
change gives "no clear change", windows, too few cases, the bootstrap against a plain resampling, errors, CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from processmining.analyses.effect import METRICS, measure_effect
from processmining.calendar import get_calendar
from processmining.errors import AnalysisError, ConfigError
from processmining.log import ACTIVITY, CASE, TIMESTAMP, EventLog

TZ = "Europe/Stockholm"
LIVE = date(2025, 4, 1)


def build(waits_before: list[float], waits_after: list[float]) -> pd.DataFrame:
    """Cases "Registrerat -> Kvittens (after the wait, in days) -> Fördelat (2 days later)".

    The "before" cases start on consecutive days ending the day before LIVE, the "after" cases on
    consecutive days from LIVE, all at 09:00 local time.
    """
    rows = []
    live = pd.Timestamp(LIVE, tz=TZ) + pd.Timedelta(hours=9)
    starts = [live - pd.Timedelta(days=len(waits_before) - i) for i in range(len(waits_before))]
    starts += [live + pd.Timedelta(days=i) for i in range(len(waits_after))]
    for i, (start, wait) in enumerate(zip(starts, [*waits_before, *waits_after], strict=True)):
        done = start + pd.Timedelta(days=wait)
        rows += [
            {CASE: f"c{i:03d}", ACTIVITY: "Registrerat", TIMESTAMP: start},
            {CASE: f"c{i:03d}", ACTIVITY: "Kvittens", TIMESTAMP: done},
            {CASE: f"c{i:03d}", ACTIVITY: "Fördelat", TIMESTAMP: done + pd.Timedelta(days=2)},
        ]
    return pd.DataFrame(rows)


def drop_log() -> EventLog:
    rng = np.random.default_rng(7)
    return EventLog.from_frame(build(list(rng.normal(5.0, 0.6, 60)), list(rng.normal(1.0, 0.2, 70))))


def test_wait_that_drops_from_five_to_one_day_is_shorter_with_interval_excluding_zero() -> None:
    report = measure_effect(drop_log(), activity="Kvittens", live_date=LIVE)
    assert (report.cases_before, report.cases_after) == (60, 70)
    wait = report.metric("wait_before", "days")
    assert wait.median_before == pytest.approx(5.0, abs=0.3) and wait.median_after == pytest.approx(1.0, abs=0.1)
    low, high = wait.median_ci
    assert low is not None and high is not None and low < wait.median_diff < high < 0
    assert wait.mean_ci[1] is not None and wait.mean_ci[1] < 0
    assert wait.p_value is not None and wait.p_value < 0.001
    assert wait.change == "shorter"
    assert report.metric("wait_before", "workdays").change == "shorter"
    assert report.metric("throughput", "days").change == "shorter"
    assert report.metric("wait_after", "days").change == "no clear change"  # always exactly 2 days
    assert "waiting before 'Kvittens' is shorter" in report.verdict_en
    assert "väntetiden före 'Kvittens' är kortare" in report.verdict_sv
    assert "shorter after 2025-04-01" in wait.verdict_en and "95 % CI" in wait.verdict_en
    assert "kortare efter 2025-04-01" in wait.verdict_sv and "KI" in wait.verdict_sv


def test_no_change_says_no_clear_change() -> None:
    rng = np.random.default_rng(11)
    waits = list(rng.normal(3.0, 1.0, 80))
    log = EventLog.from_frame(build(waits[:40], list(rng.permutation(waits))[:40]))
    report = measure_effect(log, activity="Kvittens", live_date=LIVE, calendar=get_calendar("none"))
    for metric, unit in METRICS:
        m = report.metric(metric, unit)
        low, high = m.median_ci
        assert low is not None and high is not None and low <= 0 <= high, (metric, unit)
        assert m.change == "no clear change"
        assert "no clear change" in m.verdict_en and "ingen tydlig förändring" in m.verdict_sv
    assert "waiting before 'Kvittens': no clear change" in report.verdict_en
    assert "ingen tydlig förändring" in report.verdict_sv


def test_window_days_keeps_only_cases_near_the_live_date() -> None:
    report = measure_effect(drop_log(), activity="Kvittens", live_date=LIVE, window_days=10)
    assert (report.cases_before, report.cases_after) == (10, 10)
    assert report.metric("wait_before", "days").n_before == 10
    assert report.to_summary()["automation_effect"]["window_days"] == 10


def test_too_few_cases_cannot_tell() -> None:
    log = EventLog.from_frame(build([5.0, 5.2, 4.9], [1.0] * 20))
    report = measure_effect(log, activity="Kvittens", live_date=LIVE)
    m = report.metric("wait_before", "days")
    assert m.change == "too few cases" and "too few cases to tell (3 before" in m.verdict_en
    assert "för få ärenden" in m.verdict_sv


def test_interval_matches_a_plain_bootstrap_and_is_reproducible() -> None:
    log = drop_log()
    report = measure_effect(log, activity="Kvittens", live_date=LIVE, resamples=4000, seed=3)
    again = measure_effect(log, activity="Kvittens", live_date=LIVE, resamples=4000, seed=3)
    assert report.to_summary() == again.to_summary()
    # The same interval by brute force: resample each side with an index matrix, take medians.
    cases = log.case_table()
    waits = (log.events.loc[log.events[ACTIVITY] == "Kvittens", TIMESTAMP].to_numpy()
             - cases["start"].to_numpy()) / pd.Timedelta(days=1)
    before = (cases["start"] < pd.Timestamp(LIVE, tz=TZ)).to_numpy()
    rng = np.random.default_rng(99)
    a, b = waits[before], waits[~before]
    diffs = (np.median(b[rng.integers(0, len(b), (4000, len(b)))], axis=1)
             - np.median(a[rng.integers(0, len(a), (4000, len(a)))], axis=1))
    low, high = np.quantile(diffs, [0.025, 0.975])
    got = report.metric("wait_before", "days").median_ci
    spread = float(np.std(diffs))
    assert got[0] == pytest.approx(low, abs=0.25 * spread)
    assert got[1] == pytest.approx(high, abs=0.25 * spread)
    mean_low, mean_high = report.metric("wait_before", "days").mean_ci
    assert mean_low is not None and mean_high is not None
    assert mean_low < float(b.mean() - a.mean()) < mean_high


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ([0.0, 1.0, 10.0], {0.0: 7 / 27, 1.0: 13 / 27, 10.0: 7 / 27}),  # median of 3 draws from 3 values
        ([0.0, 10.0], {0.0: 1 / 4, 5.0: 1 / 2, 10.0: 1 / 4}),  # of 2 draws: both 0, one each, both 10
    ],
)
def test_resampled_medians_have_the_exact_bootstrap_distribution(sample: list[float],
                                                                 expected: dict[float, float]) -> None:
    # The intervals users read rest on this shortcut (order statistics instead of index matrices):
    # check it against the distribution of the median of n draws with replacement, worked out by hand.
    from processmining.analyses.effect import _resampled_medians

    draws = _resampled_medians(np.array(sample), 60_000, np.random.default_rng(5))
    values, counts = np.unique(draws, return_counts=True)
    assert set(values.tolist()) == set(expected)
    for value, count in zip(values.tolist(), counts.tolist(), strict=True):
        assert count / 60_000 == pytest.approx(expected[value], abs=0.008)  # ~4 standard errors


def test_summary_is_json_ready() -> None:
    summary = measure_effect(drop_log(), activity="Kvittens", live_date=LIVE).to_summary()
    text = json.dumps(summary, allow_nan=False, ensure_ascii=False)
    effect = json.loads(text)["automation_effect"]
    assert effect["live_date"] == "2025-04-01" and len(effect["metrics"]) == len(METRICS)
    assert effect["metrics"][0]["change"] == "shorter" and len(effect["metrics"][0]["median_ci"]) == 2
    assert effect["calendar"].startswith("Swedish working days")


def test_mistakes_are_clear_errors() -> None:
    log = drop_log()
    with pytest.raises(AnalysisError, match="no activity 'Kvitens' in the log; did you mean 'Kvittens'"):
        measure_effect(log, activity="Kvitens", live_date=LIVE)
    with pytest.raises(AnalysisError, match="started on or after 2030-01-01; those cases started 2025-01-31"):
        measure_effect(log, activity="Kvittens", live_date=date(2030, 1, 1))
    with pytest.raises(ConfigError, match="--window-days must be at least 1"):
        measure_effect(log, activity="Kvittens", live_date=LIVE, window_days=0)


def test_cli_effect(tmp_path: Path) -> None:
    from processmining.cli import app

    frame = build(list(np.linspace(4.5, 5.5, 30)), list(np.linspace(0.8, 1.2, 30)))
    frame[TIMESTAMP] = frame[TIMESTAMP].dt.tz_localize(None).dt.strftime("%Y-%m-%d %H:%M:%S")
    path = tmp_path / "export.csv"
    frame.rename(columns={CASE: "Ärende", ACTIVITY: "Aktivitet", TIMESTAMP: "Tidpunkt"}).to_csv(path, index=False)
    runner = CliRunner()
    base = ["effect", str(path), "--case", "Ärende", "--activity-column", "Aktivitet", "--timestamp", "Tidpunkt",
            "--live-date", "2025-04-01"]
    result = runner.invoke(app, [*base, "--activity", "Kvittens", "--json"])
    assert result.exit_code == 0, result.output
    effect = json.loads(result.stdout)["automation_effect"]
    assert (effect["cases_before"], effect["cases_after"]) == (30, 30)
    assert effect["metrics"][0]["change"] == "shorter"
    printed = runner.invoke(app, [*base, "--activity", "Kvittens", "--lang", "sv"])
    assert printed.exit_code == 0 and "väntetiden före 'Kvittens' är kortare" in printed.stdout
    wrong = runner.invoke(app, [*base, "--activity", "Kvitens"])
    assert wrong.exit_code == 1 and "error: no activity 'Kvitens'" in wrong.stderr
    assert runner.invoke(app, [*base[:-1], "2025-13-01", "--activity", "Kvittens"]).exit_code == 2
