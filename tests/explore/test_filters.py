"""The case filters the explorer, ``analyze`` and ``report`` share: their meaning, their text form, and the
``--filter`` option."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from processmining.errors import ConfigError
from processmining.filters import (
    FILTER_KINDS,
    apply_filters,
    filter_case_state,
    filter_end_activities,
    filter_follows,
    filter_start_activities,
    filter_time_range,
    parse_filter,
)
from processmining.log import CASE, EventLog
from tests.support import ROOT

from .conftest import DEMO, DEMO_PROFILE

MakeLog = Callable[..., EventLog]


def _cases(log: EventLog) -> list[str]:
    return sorted(str(c) for c in log.events[CASE].unique())


def test_follows_eventually_and_directly(make_log: MakeLog) -> None:
    log = make_log("a b c", "a c b", "b a", "a x b", "c")
    assert _cases(filter_follows(log, "a", "b")) == ["c1", "c2", "c4"]
    assert _cases(filter_follows(log, "a", "b", directly=True)) == ["c1"]
    assert _cases(filter_follows(log, "a", "b", retain=False)) == ["c3", "c5"]
    assert _cases(filter_follows(log, "b", "a")) == ["c3"]
    with pytest.raises(ConfigError, match="activity 'q' does not occur"):
        filter_follows(log, "a", "q")


def test_start_and_end_activities(make_log: MakeLog) -> None:
    log = make_log("a b c", "b c", "a c b", "c")
    assert _cases(filter_start_activities(log, ["a"])) == ["c1", "c3"]
    assert _cases(filter_end_activities(log, ["c"])) == ["c1", "c2", "c4"]
    assert _cases(filter_end_activities(log, ["b", "c"], retain=False)) == []


def test_open_and_closed_cases_follow_the_end_activities(make_log: MakeLog) -> None:
    log = make_log("a b done", "a b", "a done b")
    assert _cases(filter_case_state(log, "closed", end_activities=["done"])) == ["c1"]
    assert _cases(filter_case_state(log, "open", end_activities=["done"])) == ["c2", "c3"]
    with pytest.raises(ConfigError, match="open or closed"):
        filter_case_state(log, "pending", end_activities=["done"])  # type: ignore[arg-type]


def test_the_time_window_by_start_end_or_activity(make_log: MakeLog) -> None:
    # Cases start a day apart from 2025-01-06 08:00; each lasts two hours.
    log = make_log("a b c", "a b c", "a b c")
    assert _cases(filter_time_range(log, "2025-01-07", None, mode="started")) == ["c2", "c3"]
    assert _cases(filter_time_range(log, None, "2025-01-07 09:00", mode="ended")) == ["c1"]
    assert _cases(filter_time_range(log, "2025-01-07 09:00", "2025-01-07 09:30", mode="intersecting")) == ["c2"]


@pytest.mark.parametrize("text", [
    "attribute:program=Exportcheck", "attribute:case:region=Stockholm|Skåne", "unit:Registratur",
    "top-variants:3", "variant:Ansökan inkommen→Ärende registrerat", "throughput:..60", "throughput:30..",
    "passes:Komplettering begärd", "follows:Komplettering begärd=>Beslut fattat",
    "directly-follows:Bedömning=>Beslut fattat", "starts:Ansökan inkommen", "ends:Ärende avslutat",
    "state:open", "started:2024-01-01..2025-01-01", "ended:2025-01-01..", "active:2024-06-01..2024-07-01",
    "within:..2024-12-01",
])
def test_keep_and_remove_split_the_cases(demo_log: EventLog, text: str) -> None:
    kept, removed = apply_filters(demo_log, [text]), apply_filters(demo_log, [f"not:{text}"])
    assert kept.n_cases + removed.n_cases == demo_log.n_cases
    assert kept.n_events + removed.n_events == demo_log.n_events
    assert not set(kept.events[CASE]) & set(removed.events[CASE])
    assert parse_filter(text).text == text
    assert parse_filter(f"not:{text}").retain is False


def test_every_kind_is_covered_by_the_split_test() -> None:
    covered = {"attribute", "unit", "top-variants", "variant", "throughput", "passes", "follows",
               "directly-follows", "starts", "ends", "state", "started", "ended", "active", "within"}
    assert covered == set(FILTER_KINDS)


def test_filters_combine_in_order(demo_log: EventLog) -> None:
    one = apply_filters(demo_log, ["attribute:program=Exportcheck"])
    both = apply_filters(demo_log, ["attribute:program=Exportcheck", "started:2024-01-01..2025-01-01"])
    assert 0 < both.n_cases < one.n_cases < demo_log.n_cases
    assert set(both.events["case:program"]) == {"Exportcheck"}
    assert (both.case_table()["start"] >= pd.Timestamp("2024-01-01", tz="Europe/Stockholm")).all()


def test_a_bar_inside_a_value_is_written_with_a_backslash(make_log: MakeLog) -> None:
    log = make_log("a|b c", "c")
    assert _cases(apply_filters(log, [r"passes:a\|b"])) == ["c1"]


@pytest.mark.parametrize(("text", "words"), [
    ("nothing:1", "unknown filter 'nothing'"),
    ("passes", "needs an argument"),
    ("passes:", "needs an argument"),
    ("started:2024", "FROM..TO"),
    ("throughput:x..", "not a number of days"),
    ("follows:a", "A=>B"),
    ("attribute:program", "COLUMN=VALUE"),
    ("state:maybe", "state:open or state:closed"),
    ("top-variants:many", "not a whole number"),
    ("variant:Ansökan inkommen→Nothing", "activity 'Nothing' does not occur"),
])
def test_a_malformed_filter_says_what_is_wrong(demo_log: EventLog, text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(".", r"\.").replace("|", r"\|")):
        apply_filters(demo_log, [text])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "processmining", *args], capture_output=True, text=True, env=env,
                          cwd=str(ROOT), timeout=300)


def test_analyze_takes_the_filters_and_records_them(demo_log: EventLog, tmp_path: Path) -> None:
    filters = ["attribute:program=Exportcheck", "not:passes:Överklagande inkommit"]
    args = ["analyze", str(DEMO), "--profile", str(DEMO_PROFILE), "--out", str(tmp_path), "-q", "--json"]
    for f in filters:
        args += ["--filter", f]
    result = _cli(*args)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    expected = apply_filters(demo_log, filters)
    assert (summary["cases"], summary["events"]) == (expected.n_cases, expected.n_events)
    assert summary["provenance"]["parameters"]["filters"] == filters
    assert json.loads((tmp_path / "summary.json").read_text("utf-8"))["cases"] == expected.n_cases


def test_analyze_refuses_a_bad_filter_in_one_line(tmp_path: Path) -> None:
    result = _cli("report", str(DEMO), "--profile", str(DEMO_PROFILE), "--out", str(tmp_path), "--excel-only",
                  "--filter", "attribute:program=Nothing", "--filter", "state:open")
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: no case is left after the filters attribute:program=Nothing; "
                                     "state:open: loosen them")
