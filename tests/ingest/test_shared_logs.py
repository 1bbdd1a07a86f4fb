"""`processmining validate` on the shared real logs gives the published figures."""

from __future__ import annotations

import subprocess
import sys
from functools import lru_cache

import pytest

from processmining.ingest import read_log
from processmining.log import ACTIVITY, CASE, TIMESTAMP, EventLog
from tests.support import PUBLISHED, ROOT, shared_log

from ._util import run, run_json


@lru_cache(maxsize=4)
def _log(name: str) -> EventLog:
    """Each real log is read once per test session (the big XES files take a second or two)."""
    return read_log(shared_log(name), key=b"k")


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_validate_json_reports_published_figures(name: str) -> None:
    path = shared_log(name)
    summary = run_json("validate", path)
    cases, events, activities, variants = PUBLISHED[name]
    assert (summary["cases"], summary["events"], summary["activities"], summary["variants"]) == (
        cases, events, activities, variants)
    assert summary["rejected_rows"] == 0
    assert summary["source"]["rows_read"] == summary["events"] + summary["rejected_rows"] + summary[
        "duplicates_removed"] + summary["starts_merged"]
    assert len(summary["source"]["sha256"]) == 64
    assert summary["source"]["format"] == ("csv" if name.endswith(".csv") else "xes")


def test_log_without_case_ids_and_timestamps_is_refused() -> None:
    path = shared_log("19_roadtraffic_1t_per_variant.xes.gz")
    result = run("validate", path, "--json")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message
    assert path.name in message and "no case id and no timestamp column" in message


def test_sepsis_keeps_the_case_called_NA_and_its_duplicate_row() -> None:
    log = _log("sepsis.csv")
    na_events = log.events[log.events[CASE] == "NA"]
    assert len(na_events) > 0
    assert na_events[ACTIVITY].iloc[0] == "ER Registration"
    # row 7163 repeats row 7162 exactly; the published 15214 events count it, so it is kept and warned about
    assert any("row 7163" in w for w in log.source.warnings)
    assert log.source.duplicates_removed == 0


def test_sepsis_drop_duplicates_removes_the_exact_copy() -> None:
    log = read_log(shared_log("sepsis.csv"), drop_duplicates=True)
    assert log.n_events == 15213
    assert log.source.duplicates_removed == 1
    assert 7163 not in set(log.events["@@source_row"])


def test_running_example_csv_index_column_is_not_a_case_column() -> None:
    log = _log("running-example.csv")
    assert "Unnamed: 0" not in log.events.columns
    assert log.source.mapping.case == "case:concept:name"
    assert sorted(log.events[CASE].unique()) == ["1", "2", "3", "4", "5", "6"]
    assert any("pandas index" in n for n in log.source.notes)


def test_bpic15_mixed_offsets_keep_their_wall_clock_time() -> None:
    log = _log("BPIC15_1.xes.gz")
    ts = log.events[TIMESTAMP]
    assert str(ts.dt.tz) == "Europe/Stockholm"
    # 23,990 events are written at local midnight, "T00:00:00+01:00" in winter and "+02:00" in summer
    # (counted with grep); honoured offsets put all of them at 00:00 Stockholm time.
    assert int((ts.dt.strftime("%H:%M") == "00:00").sum()) == 23990
    assert set(ts.dt.strftime("%z").unique()) == {"+0100", "+0200"}


def test_coselog_global_default_names_the_unnamed_event() -> None:
    log = _log("CoSeLoG_WABO_1.xes.gz")
    assert (log.events[ACTIVITY] == "UNKNOWN").sum() == 1


def test_resources_are_pseudonymised_in_the_receipt_log() -> None:
    log = _log("08_receipt.xes.gz")
    resources = log.events["org:resource"].dropna()
    assert resources.str.fullmatch(r"H-[0-9a-f]{10}").all()
    assert log.source.pseudonymised


def test_validate_does_not_import_pm4py() -> None:
    path = shared_log("running-example.csv")
    code = (
        "import sys, json\n"
        "from typer.testing import CliRunner\n"
        "from processmining.cli import app\n"
        f"r = CliRunner().invoke(app, ['validate', {str(path)!r}, '--json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(json.dumps({'pm4py': 'pm4py' in sys.modules, 'events': json.loads(r.stdout)['events']}))\n"
    )
    env = {"PROCESSMINING_PSEUDONYM_KEY": "k", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith('{"pm4py": false, "events": 42}')
