"""The object-centric view: OCEL 2.0 files that pm4py reads back, and the object-centric map."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from processmining.errors import ConfigError, UnreadableFileError
from processmining.ingest import read_log
from processmining.log import ACTIVITY, CASE, TIMESTAMP, EventLog
from processmining.ocel import read_ocel, render_ocdfg, to_ocel, write_ocel, write_ocel2
from processmining.simulate import simulate, write_sample
from tests.support import ROOT

DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"


@pytest.fixture(scope="module")
def sample_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 120 cases: some are approved and paid, a few appeal (the appeal rate is about 7 %).
    return write_sample(simulate(cases=120, seed=5), tmp_path_factory.mktemp("ocel") / "sample.csv")


@pytest.fixture(scope="module")
def log(sample_csv: Path) -> EventLog:
    return read_log(sample_csv, profile=DEMO_PROFILE)


def _pm4py():  # type: ignore[no-untyped-def]
    from processmining._pm4py import pm4py

    return pm4py()


def test_objects_are_derived_from_the_case(log: EventLog) -> None:
    ocel = to_ocel(log)
    ev = log.events
    types = ocel.objects.groupby("ocel:type").size().to_dict()
    assert types["application"] == log.n_cases
    paid = ev[ev[ACTIVITY].str.startswith("Utbetalning")][CASE].nunique()
    appealed = ev[ev[ACTIVITY] == "Överklagande inkommit"][CASE].nunique()
    assert types["payment"] == paid > 0 and types.get("appeal", 0) == appealed > 0
    assert types["decision"] == ev[ev[ACTIVITY] == "Beslut fattat"][CASE].nunique()
    # Each event relates to its application; a payment event also to the case's payment object.
    rel = ocel.relations
    assert (rel["ocel:type"] == "application").sum() == log.n_events
    first_payment = ev.index[ev[ACTIVITY] == "Utbetalning genomförd"][0]
    eid = f"e{first_payment + 1}"
    case = ev.at[first_payment, CASE]
    assert set(rel.loc[rel["ocel:eid"] == eid, "ocel:oid"]) == {f"application:{case}", f"payment:{case}"}
    assert set(ocel.o2o.loc[ocel.o2o["ocel:oid"] == f"payment:{case}", "ocel:oid_2"]) == {f"application:{case}"}
    region = ocel.objects.set_index("ocel:oid").at[f"application:{case}", "region"]
    assert region == ev.loc[ev[CASE] == case, "case:region"].iloc[0]


@pytest.mark.parametrize("suffix", ["jsonocel", "sqlite"])
def test_an_ocel_file_reads_back_with_pm4py(log: EventLog, tmp_path: Path, suffix: str) -> None:
    path = write_ocel(log, tmp_path / f"demo.{suffix}")
    pm4py = _pm4py()
    back = pm4py.read_ocel2_json(str(path)) if suffix == "jsonocel" else pm4py.read_ocel2(str(path))
    ocel = to_ocel(log)
    objects = sorted(zip(back.objects["ocel:oid"], back.objects["ocel:type"], strict=True))
    assert objects == sorted(zip(ocel.objects["ocel:oid"], ocel.objects["ocel:type"], strict=True))
    events = back.events.set_index("ocel:eid").loc[[f"e{i + 1}" for i in range(log.n_events)]]
    assert events["ocel:activity"].tolist() == log.events[ACTIVITY].tolist()
    # The same instants as the log (pm4py alone would write Stockholm wall-clock time marked as UTC).
    times = pd.to_datetime(events["ocel:timestamp"], utc=True)
    expected = log.events[TIMESTAMP].dt.tz_convert("UTC")
    assert (times.to_numpy() == expected.to_numpy()).all()
    assert len(back.relations) == len(ocel.relations)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"demo.{suffix}"]  # no temporary file left


def test_read_ocel_gives_the_objects_and_refuses_what_it_cannot_read(log: EventLog, tmp_path: Path) -> None:
    path = write_ocel(log, tmp_path / "demo.xmlocel")
    back = read_ocel(path)
    assert len(back.events) == log.n_events
    unsafe = tmp_path / "evil.xmlocel"
    unsafe.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><log>&e;</log>')
    with pytest.raises(UnreadableFileError, match="DOCTYPE or ENTITY"):
        read_ocel(unsafe)
    junk = tmp_path / "junk.jsonocel"
    junk.write_text("not json")
    with pytest.raises(UnreadableFileError, match="junk.jsonocel: not a readable OCEL 2.0 json file"):
        read_ocel(junk)
    with pytest.raises(ConfigError, match="name it .jsonocel"):
        write_ocel2(to_ocel(log), tmp_path / "demo.txt")


def test_the_object_mapping_is_configurable(log: EventLog) -> None:
    ocel = to_ocel(log, object_types={"^Komplettering": "completion"})
    assert set(ocel.objects["ocel:type"]) == {"application", "completion"}
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        to_ocel(log, object_types={"(": "x"})


def test_the_map_renders_deterministically_with_swedish_letters(log: EventLog, tmp_path: Path) -> None:
    ocel = to_ocel(log)
    first = render_ocdfg(ocel, tmp_path / "a" / "ocdfg", formats=("svg",))
    second = render_ocdfg(ocel, tmp_path / "b" / "ocdfg", formats=("svg",))
    data = first[0].read_bytes()
    assert data == second[0].read_bytes()
    svg = data.decode("utf-8")
    for text in ("Ärende fördelat", "Överklagande inkommit", "Utbetalning genomförd", "händelser",
                 "Objektcentrerad processkarta", "payment: "):
        assert text in svg
    assert os.listdir(tmp_path / "a") == ["ocdfg.svg"]


def test_cli_export_writes_the_ocel_and_the_map(sample_csv: Path, tmp_path: Path) -> None:
    from processmining.cli import app

    runner = CliRunner()
    target = tmp_path / "out" / "demo.jsonocel"
    ok = runner.invoke(app, ["export", str(sample_csv), "--profile", str(DEMO_PROFILE), "--ocel", str(target),
                             "--map", str(tmp_path / "out" / "map.png")])
    assert ok.exit_code == 0, ok.output
    assert "327 objects (appeal 6, application 120, decision 119, payment 82)" in ok.stderr
    assert _pm4py().read_ocel2_json(str(target)).events.shape[0] > 0
    assert (tmp_path / "out" / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    missing = runner.invoke(app, ["export", str(tmp_path / "nope.csv"), "--ocel", str(target)])
    assert missing.exit_code == 1 and missing.stderr.startswith("error:") and "nope.csv" in missing.stderr
    assert missing.stderr.strip().count("\n") == 0 and "Traceback" not in missing.output
    wrong = runner.invoke(app, ["export", str(sample_csv), "--profile", str(DEMO_PROFILE), "--ocel",
                                str(tmp_path / "x.ocel")])
    assert wrong.exit_code == 1 and "name it .jsonocel" in wrong.stderr
