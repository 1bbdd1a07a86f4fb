"""The demo-log simulator: determinism, the planted findings, the messy rows and the file formats."""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
import pytest
from lxml import etree

from processmining.errors import ConfigError
from processmining.log import ACTIVITY, CASE, RESOURCE, ROW, START, TIMESTAMP, EventLog
from processmining.simulate import (
    CLOCK_STOP_PAIRS,
    COLUMNS,
    MESSY_KINDS,
    PLANTED_AUTOMATION_CANDIDATE,
    PLANTED_BOTTLENECK,
    PLANTED_SLOW_REGION,
    SimulationResult,
    simulate,
    write_sample,
)
from tests.support import ROOT

DEMO_CSV = ROOT / "event_logs" / "demo.csv"
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
SYSTEM_USERS = {"e-tjänst", "system", "sökande", "ekonomisystem"}
XES_NS = "{http://www.xes-standard.org/}"


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return simulate(cases=2000, seed=7)


@pytest.fixture(scope="module")
def transitions(result: SimulationResult) -> pd.DataFrame:
    tr = EventLog.from_frame(result.truth).transitions().copy()
    tr["days"] = tr["wait"].dt.total_seconds() / 86400
    region = result.truth.groupby(CASE)["case:region"].first()
    tr["region"] = tr["case"].map(region)
    return tr


# ---- determinism and the committed demo log --------------------------------------------------------
@pytest.mark.parametrize("name", ["a.csv", "a.xes.gz", "a.parquet"])
def test_same_arguments_give_byte_identical_files(tmp_path: Path, name: str) -> None:
    fmt = {"csv": "csv", "gz": "xes", "parquet": "parquet"}[name.rsplit(".", 1)[1]]
    first = write_sample(simulate(cases=300, seed=5), tmp_path / f"1{name}", fmt=fmt)
    second = write_sample(simulate(cases=300, seed=5), tmp_path / f"2{name}", fmt=fmt)
    other = write_sample(simulate(cases=300, seed=6), tmp_path / f"3{name}", fmt=fmt)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_committed_demo_log_is_what_the_documented_command_writes(tmp_path: Path) -> None:
    # event_logs/README.md: processmining sample --cases 3000 --seed 1 --out event_logs/demo.csv
    written = write_sample(simulate(cases=3000, seed=1), tmp_path / "demo.csv")
    assert written.read_bytes() == DEMO_CSV.read_bytes()
    assert DEMO_PROFILE.exists()


def test_messy_false_gives_the_same_events_without_the_messy_rows(result: SimulationResult) -> None:
    clean = simulate(cases=2000, seed=7, messy=False)
    assert clean.planted == {}
    assert len(clean.messy_rows) == 0
    # The real rows of the messy export, with the misspelt labels put right, are the clean export.
    real = result.events.iloc[result.truth[ROW].to_numpy() - 2].reset_index(drop=True)
    real["Aktivitet"] = result.truth[ACTIVITY].to_numpy()
    pd.testing.assert_frame_equal(real, clean.events)
    assert clean.truth[ROW].tolist() == list(range(2, len(clean.events) + 2))


def test_bad_arguments_are_config_errors(tmp_path: Path, result: SimulationResult) -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        simulate(cases=0)
    with pytest.raises(ConfigError, match="2024-02-30"):
        simulate(cases=10, start="2024-02-30")
    with pytest.raises(ConfigError, match="unknown format 'xlsx'"):
        write_sample(result, tmp_path / "x.xlsx", fmt="xlsx")
    with pytest.raises(ConfigError, match="cannot write"):
        write_sample(result, tmp_path / "missing" / "x.csv")


# ---- the messy rows -----------------------------------------------------------------------------------
def test_rows_are_the_events_plus_the_planted_copies(result: SimulationResult) -> None:
    planted = result.planted
    assert set(planted) == set(MESSY_KINDS)
    assert all(count >= 1 for count in planted.values())
    copies = sum(count for kind, count in planted.items() if kind != "label_variant")
    assert len(result.events) == len(result.truth) + copies
    assert len(result.messy_rows) == sum(planted.values())
    assert 0.003 <= sum(planted.values()) / len(result.events) <= 0.007  # "about 0.5 % of rows"
    assert result.messy_rows["row"].is_unique


def test_each_planted_row_is_damaged_as_listed(result: SimulationResult) -> None:
    events = result.events
    for row, kind, column, value in result.messy_rows.itertuples(index=False):
        this = events.iloc[row - 2]
        if kind == "label_variant":
            assert this["Aktivitet"] in ("beslut fattat ", "Beslut Fattat")
            continue
        before = events.iloc[row - 3]  # a copy sits right after the row it copies
        if kind == "duplicate":
            assert this.equals(before)
            continue
        assert this[column] == value
        assert this.drop(column).equals(before.drop(column))
        if kind == "empty_timestamp" or kind == "empty_case":
            assert value == ""
        elif kind == "unparseable_timestamp":
            assert value == "2024-13-45 25:00"
        else:
            assert value.startswith("2031-") and value[4:] == before["Tidpunkt"][4:]
    # The label variants are real events: their true activity is "Beslut fattat".
    variant_rows = result.messy_rows.loc[result.messy_rows["kind"] == "label_variant", "row"]
    truth = result.truth.set_index(ROW)
    assert set(truth.loc[variant_rows, ACTIVITY]) == {"Beslut fattat"}


def test_real_rows_show_the_true_values_as_text(result: SimulationResult) -> None:
    rows = result.events.iloc[result.truth[ROW].to_numpy() - 2]
    truth = result.truth
    expected_time = truth[TIMESTAMP].dt.strftime("%Y-%m-%d %H:%M:%S")
    assert rows["Tidpunkt"].tolist() == expected_time.tolist()
    expected_start = truth[START].dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    assert rows["Starttid"].tolist() == expected_start.tolist()
    assert rows["Diarienummer"].tolist() == truth[CASE].tolist()
    assert rows["Handläggare"].tolist() == truth[RESOURCE].tolist()
    amounts = rows["Belopp"].str.replace(",", ".").astype(float)
    assert np.allclose(amounts.to_numpy(), truth["case:amount"].to_numpy())


# ---- the process and what is planted in it --------------------------------------------------------
def test_the_planted_bottleneck_dominates_the_waiting(transitions: pd.DataFrame) -> None:
    agency = transitions[
        ~transitions.set_index(["source", "target"]).index.isin(list(CLOCK_STOP_PAIRS))
    ]
    per_edge = agency.groupby(["source", "target"])["days"].agg(["count", "median", "sum"])
    total = per_edge["sum"].sort_values(ascending=False)
    assert total.index[0] == PLANTED_BOTTLENECK
    assert total.iloc[0] > 4 * total.iloc[1]  # far ahead of the next edge
    assert total.iloc[0] / total.sum() > 0.4
    bottleneck = per_edge.loc[PLANTED_BOTTLENECK]
    assert 17 <= bottleneck["median"] <= 26  # ~15 working days in calendar days
    # Every case that was decided waited there; among edges most cases pass, its median is the longest.
    common = per_edge[per_edge["count"] >= 0.5 * per_edge["count"].max()].sort_values("median")
    assert common.index[-1] == PLANTED_BOTTLENECK
    assert common["median"].iloc[-1] > 4 * common["median"].iloc[-2]
    tail = agency.loc[(agency["source"] == "Bedömning") & (agency["target"] == "Beslut fattat"), "days"]
    assert tail.quantile(0.9) > 1.8 * tail.median()  # a heavy tail


def test_the_automation_candidate_is_a_deterministic_manual_step(
    result: SimulationResult, transitions: pd.DataFrame
) -> None:
    truth = result.truth
    step = truth[truth[ACTIVITY] == PLANTED_AUTOMATION_CANDIDATE]
    assert step[CASE].nunique() == step.shape[0] == truth[CASE].nunique()  # once in every case
    into = transitions[transitions["target"] == PLANTED_AUTOMATION_CANDIDATE]
    out_of = transitions[transitions["source"] == PLANTED_AUTOMATION_CANDIDATE]
    assert set(into["source"]) == {"Ärende registrerat"}
    assert set(out_of["target"]) == {"Ärende fördelat"}
    assert len(out_of) >= 0.99 * len(step)
    assert step[RESOURCE].nunique() == 8
    assert set(step["org:group"]) == {"Registratur"}
    minutes = (step[TIMESTAMP] - step[START]).dt.total_seconds() / 60
    assert minutes.between(2, 8.5).all()
    assert 0.7 <= into["days"].median() <= 3.0  # a manual queue of 0.5-2 working days


def test_skane_waits_about_three_times_longer_for_its_case_officer(transitions: pd.DataFrame) -> None:
    first_action = transitions[transitions["source"] == "Ärende fördelat"]
    skane = first_action.loc[first_action["region"] == PLANTED_SLOW_REGION, "days"].median()
    others = first_action.loc[first_action["region"] != PLANTED_SLOW_REGION, "days"].median()
    assert 2.3 <= skane / others <= 3.7
    # Elsewhere in the process Skåne is like the others.
    bottleneck = transitions[(transitions["source"] == "Bedömning") & (transitions["target"] == "Beslut fattat")]
    by_region = bottleneck.groupby(bottleneck["region"] == PLANTED_SLOW_REGION)["days"].median()
    assert 0.8 <= by_region[True] / by_region[False] <= 1.25


def test_requests_for_completion_wait_for_the_applicant(
    result: SimulationResult, transitions: pd.DataFrame
) -> None:
    truth = result.truth
    asked = truth.loc[truth[ACTIVITY] == "Komplettering begärd", CASE].unique()
    assert 0.30 <= len(asked) / truth[CASE].nunique() <= 0.40
    assert truth.loc[truth[ACTIVITY] == "Komplettering begärd"].groupby(CASE).size().max() == 2
    pair = transitions[(transitions["source"] == "Komplettering begärd")]
    assert set(pair["target"]) == {"Komplettering inkommen"}
    assert pair["days"].between(2, 21).all()
    assert set(truth.loc[truth[ACTIVITY] == "Komplettering inkommen", RESOURCE]) == {"sökande"}


def test_decisions_payments_and_appeals(result: SimulationResult, transitions: pd.DataFrame) -> None:
    cases = result.truth.groupby(CASE)
    decision = cases["case:decision"].first().dropna()
    assert 0.64 <= (decision == "Bifall").mean() <= 0.76
    variants = cases[ACTIVITY].agg(tuple)
    appealed = variants.map(lambda v: "Överklagande inkommit" in v)
    assert 0.18 <= appealed.sum() / (decision == "Avslag").sum() <= 0.32
    assert set(decision[appealed[appealed].index.intersection(decision.index)]) == {"Avslag"}
    after = transitions.groupby("source")["target"].agg(set)
    assert after["Överklagande inkommit"] == {"Omprövning"}
    assert after["Omprövning"] == {"Överlämnat till förvaltningsrätten"}
    assert after["Utbetalning begärd"] == {"Utbetalning genomförd"}
    forwarded = transitions.loc[transitions["target"] == "Överlämnat till förvaltningsrätten", "days"]
    assert forwarded.median() > 14  # weeks
    # Bedömning is sometimes redone, sometimes by another case officer.
    redo = transitions[(transitions["source"] == "Bedömning") & (transitions["target"] == "Bedömning")]
    assert 0.05 * len(decision) <= len(redo) <= 0.15 * len(decision)
    assert 0.2 <= (redo["source_resource"] != redo["target_resource"]).mean() <= 0.8


def test_manual_events_fall_in_swedish_working_hours(result: SimulationResult) -> None:
    truth = result.truth
    manual = truth[~truth[RESOURCE].isin(SYSTEM_USERS)]
    years = range(truth[TIMESTAMP].dt.year.min(), truth[TIMESTAMP].dt.year.max() + 1)
    holiday_dates = set(holidays.Sweden(years=years, include_sundays=False, categories=("public", "de_facto")))
    assert {pd.Timestamp("2024-06-21").date(), pd.Timestamp("2024-12-24").date()} <= holiday_dates
    for column in (TIMESTAMP, START):
        times = manual[column].dropna()
        assert (times.dt.weekday < 5).all()
        assert not times.dt.date.isin(holiday_dates).any()
        seconds = times.dt.hour * 3600 + times.dt.minute * 60 + times.dt.second
        assert seconds.between(8 * 3600, 17 * 3600).all()
    # No event at all in the hour that daylight saving skips or repeats: naive times stay unambiguous.
    assert not truth[TIMESTAMP].dt.hour.isin([2]).any()
    assert truth[TIMESTAMP].max() < pd.Timestamp(result.exported_at, tz="Europe/Stockholm")
    assert result.truth.groupby(CASE)[TIMESTAMP].is_monotonic_increasing.all()


def test_every_event_is_recorded_by_one_of_three_systems(result: SimulationResult) -> None:
    system = result.truth.groupby(ACTIVITY)["system"].agg(set)
    assert system["Ansökan inkommen"] == {"e-tjänst"}
    assert system["Komplettering inkommen"] == {"e-tjänst"}
    assert system["Utbetalning genomförd"] == {"ekonomisystem"}
    assert system["Beslut fattat"] == {"ärendesystem"}
    assert set(result.truth["system"]) == {"e-tjänst", "ärendesystem", "ekonomisystem"}


# ---- personal identity numbers in the comments ---------------------------------------------------
def _luhn_ok(ten: str) -> bool:
    total = 0
    for i, ch in enumerate(ten):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return total % 10 == 0


def test_comments_hold_luhn_valid_identity_numbers_and_invalid_order_numbers(result: SimulationResult) -> None:
    comments = result.events["Kommentar"]
    assert (comments == "").mean() > 0.9  # mostly empty
    identity = comments.str.extract(r"(?:^|\D)((?:19|20)?\d{6}-?\d{4})(?:\D|$)")[0].dropna()
    identity = identity[~comments[identity.index].str.contains("Order|Fakturanummer")]
    ten = identity.str.replace("-", "").str[-10:]
    assert ten.map(_luhn_ok).all()
    day = ten.str[4:6].astype(int)
    coordination = day > 60
    real = result.events.iloc[result.truth[ROW].to_numpy() - 2]["Kommentar"]
    assert int((~coordination).sum()) >= result.comment_numbers["personnummer"] > 0
    assert int(coordination.sum()) >= result.comment_numbers["samordningsnummer"] > 0
    assert real.str.contains(r"\d{6}-\d{4}").any() and real.str.contains(r"(?:^|\s)\d{12}(?:\s|$)").any()
    orders = comments.str.extract(r"(?:Order|Fakturanummer) (\d{10})")[0].dropna()
    assert len(orders) >= result.comment_numbers["order_number"] > 0
    assert not orders.map(_luhn_ok).any()


# ---- file formats -----------------------------------------------------------------------------------
def test_csv_is_swedish_style(tmp_path: Path, result: SimulationResult) -> None:
    path = write_sample(result, tmp_path / "demo.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == len(result.events) + 1
    assert {len(r) for r in rows} == {len(COLUMNS)}
    body = pd.DataFrame(rows[1:], columns=list(COLUMNS))
    pd.testing.assert_frame_equal(body, result.events.astype(object), check_dtype=False)
    stamp = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
    real = body.iloc[result.truth[ROW].to_numpy() - 2]
    assert real["Tidpunkt"].str.fullmatch(stamp).all()
    assert real["Starttid"].str.fullmatch(f"({stamp})?").all()
    assert real["Diarienummer"].str.fullmatch(r"TVV 20\d{2}-\d{6}").all()
    assert body["Belopp"].str.fullmatch(r"\d+,\d{2}").all()
    assert set(body["Beslut"]) == {"Bifall", "Avslag", ""}
    assert '"Sökanden skriver: ""budget bifogad; se bilaga 2"""'.encode() in raw  # quoted only where needed


def test_xes_has_start_complete_pairs_offsets_and_escaped_text(tmp_path: Path, result: SimulationResult) -> None:
    path = write_sample(result, tmp_path / "demo.xes.gz", fmt="xes")
    with gzip.open(path) as fh:
        root = etree.parse(fh).getroot()
    traces = root.findall(f"{XES_NS}trace")
    events = root.findall(f"{XES_NS}trace/{XES_NS}event")
    starts = int((result.events["Starttid"] != "").sum())
    assert len(events) == len(result.events) + starts
    unnamed = [t for t in traces if t.find(f"{XES_NS}string[@key='concept:name']") is None]
    assert len(unnamed) == result.planted["empty_case"]
    assert len(traces) == result.cases + len(unnamed)

    def attrs(event: etree._Element) -> dict[str, str]:
        return {child.get("key"): child.get("value") for child in event}

    rows = [attrs(e) for e in events]
    lifecycle = pd.Series([r.get("lifecycle:transition") for r in rows])
    assert (lifecycle == "start").sum() == starts
    stamps = pd.Series([r.get("time:timestamp", "") for r in rows])
    valid = stamps.str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00")
    assert set(stamps[~valid]) == {"", "2024-13-45 25:00"}  # the messy rows, as written
    # The clean complete events carry the true instants, offsets and all.
    complete = pd.DataFrame(rows)[lifecycle == "complete"]
    complete = complete[complete["time:timestamp"].fillna("").str.fullmatch(r"\d{4}-.*\+0[12]:00")]
    instants = pd.to_datetime(complete["time:timestamp"], format="ISO8601", utc=True)
    truth = result.truth[TIMESTAMP].dt.tz_convert("UTC")
    assert set(truth).issubset(set(instants))
    comments = {r["comment"] for r in rows if "comment" in r}
    assert 'Sökanden skriver: "budget bifogad; se bilaga 2"' in comments
    assert "Bilaga <budget.pdf> saknas" in comments


def test_pm4py_reads_the_clean_xes(tmp_path: Path) -> None:
    from processmining._pm4py import pm4py

    clean = simulate(cases=150, seed=3, messy=False)
    path = write_sample(clean, tmp_path / "clean.xes", fmt="xes")
    frame = pm4py().read_xes(str(path))
    complete = frame[frame["lifecycle:transition"] == "complete"].reset_index(drop=True)
    assert len(complete) == len(clean.truth)
    assert complete["case:concept:name"].nunique() == 150
    assert complete["concept:name"].tolist() == clean.truth[ACTIVITY].tolist()
    # pm4py 2.7.23's default reader keeps the wall-clock time and drops the offset: compare wall clocks.
    wall = clean.truth[TIMESTAMP].dt.tz_localize(None)
    assert (complete["time:timestamp"].dt.tz_localize(None).to_numpy() == wall.to_numpy()).all()


def test_the_projects_xes_reader_gets_back_the_true_events(tmp_path: Path) -> None:
    from processmining.ingest import xes
    clean = simulate(cases=200, seed=8, messy=False)
    table = xes.read_xes_table(write_sample(clean, tmp_path / "clean.xes.gz", fmt="xes"))
    frame = table.frame
    assert table.traces == 200
    complete = frame[frame["lifecycle:transition"] == "complete"].reset_index(drop=True)
    truth = clean.truth
    assert complete["case:concept:name"].tolist() == truth[CASE].tolist()
    assert complete["concept:name"].tolist() == truth[ACTIVITY].tolist()
    assert (complete["time:timestamp"].to_numpy() == truth[TIMESTAMP].dt.tz_convert("UTC").to_numpy()).all()
    assert np.allclose(complete["case:amount"].to_numpy(dtype=float), truth["case:amount"].to_numpy())
    started = frame.loc[frame["lifecycle:transition"] == "start", "time:timestamp"]
    assert sorted(started) == sorted(truth[START].dropna().dt.tz_convert("UTC"))


def test_parquet_holds_the_same_text_columns(tmp_path: Path, result: SimulationResult) -> None:
    path = write_sample(result, tmp_path / "demo.parquet", fmt="parquet")
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, result.events)


# ---- the command -------------------------------------------------------------------------------------
def test_sample_command_writes_the_file_and_says_so(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from processmining.cli import app

    runner = CliRunner()
    out = tmp_path / "s.csv"
    done = runner.invoke(app, ["sample", "--cases", "120", "--seed", "4", "--out", str(out)])
    assert done.exit_code == 0, done.output
    expected = simulate(cases=120, seed=4)
    assert out.read_bytes() == write_sample(expected, tmp_path / "lib.csv").read_bytes()
    line = done.stderr.strip()
    assert "\n" not in line
    assert str(out) in line and "120 cases" in line and f"{len(expected.truth)} events" in line
    assert done.stdout == ""

    xes = tmp_path / "s.xes.gz"
    done = runner.invoke(app, ["sample", "--cases", "30", "--clean", "--out", str(xes), "--json"])
    assert done.exit_code == 0, done.output
    assert xes.read_bytes()[:2] == b"\x1f\x8b"  # format and compression from the name
    assert '"format": "xes"' in done.stdout and '"planted": {}' in done.stdout

    bad = runner.invoke(app, ["sample", "--cases", "0", "--out", str(out)])
    assert bad.exit_code == 2
    missing = runner.invoke(app, ["sample", "--cases", "5", "--out", str(tmp_path / "no" / "x.csv")])
    assert missing.exit_code == 1
    assert "cannot write" in missing.stderr and "Traceback" not in missing.output


# ---- with the ingest layer -------------------------------------------------------------------------
def test_ingest_rejects_exactly_the_planted_rows() -> None:
    from processmining import ingest

    result = simulate(cases=3000, seed=1)
    log = ingest.read_log(DEMO_CSV, profile=DEMO_PROFILE, pseudonymise=False, now=pd.Timestamp("2026-06-01"))
    messy = result.messy_rows
    rejected = messy[~messy["kind"].isin(["duplicate", "label_variant"])]
    assert sorted(log.rejects["row"].unique().tolist()) == sorted(rejected["row"].tolist())
    assert log.source.duplicates_removed == result.planted["duplicate"]
    assert log.source.rows_read == len(result.events)
    assert log.n_events == len(result.truth)
    assert log.n_cases == 3000
    # The misspelt labels are named and merged (the profile asks for it).
    assert any("beslut fattat " in m for m in log.source.warnings + log.source.notes)
    counts = log.events[ACTIVITY].value_counts()
    assert counts.to_dict() == result.truth[ACTIVITY].value_counts().to_dict()
    # Personal identity numbers are masked, the order numbers (failing Luhn) are not.
    comments = log.events["comment"].dropna()
    numbers = result.comment_numbers
    masked = comments.str.contains("******", regex=False)
    assert masked.sum() == numbers["personnummer"] + numbers["samordningsnummer"]
    assert not comments[masked].str.contains(r"\d").any()
    orders = comments.str.extract(r"(?:Order|Fakturanummer) (\d{10})")[0].dropna()
    assert len(orders) == numbers["order_number"]


def test_the_regional_difference_is_in_the_case_attribute(result: SimulationResult) -> None:
    regions = result.truth.groupby(CASE)["case:region"].first()
    assert PLANTED_SLOW_REGION in set(regions)
    assert 0.08 <= (regions == PLANTED_SLOW_REGION).mean() <= 0.2
    assert regions.nunique() >= 6
    units = result.truth[result.truth[ACTIVITY] == "Ärende fördelat"].groupby("case:region")["org:group"].agg(set)
    assert units[PLANTED_SLOW_REGION] == {"Handläggning Syd"}
    assert all(len(u) == 1 for u in units)


def test_case_ids_are_numbered_per_year_in_arrival_order(result: SimulationResult) -> None:
    first = result.truth.groupby(CASE, sort=False)[TIMESTAMP].min()
    ids = first.index.to_series()
    year = ids.str[4:8].astype(int)
    assert (year == first.dt.year.to_numpy()).all()
    assert first.is_monotonic_increasing
    assert re.fullmatch(r"TVV 2024-000001", ids.iloc[0])
