"""`--engine dask` on a dataset of `processmining partition`: the workers read their own partitions and send
the driver only aggregates; the figures equal the local engine's (counts, medians, p90 and maxima exactly;
means and totals within relative 1e-9, the sums' reassociation)."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from processmining.cli import app
from processmining.engine import QUIET_SCHEDULER, run_core, run_core_on_dataset
from processmining.ingest.dataset import read_dataset, write_dataset
from tests.support import ROOT, shared_log

DEMO = ROOT / "event_logs" / "demo.csv"
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
#: Means and totals are sums in another order: relative difference at most this (docs/dask.md).
TOLERANCE = 1e-9
REASSOCIATED = ("mean_wait_days", "total_wait_days", "mean_wait_workdays", "total_wait_workdays")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """One LocalCluster of 2 single-thread worker processes for the module."""
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  scheduler_kwargs=QUIET_SCHEDULER, silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


@pytest.mark.parametrize(("source", "partitions"), [("demo", 5), ("sepsis.csv", 3), ("08_receipt.xes.gz", 4)])
def test_workers_reading_partitions_give_the_local_core_figures(source: str, partitions: int, scheduler: str,
                                                                tmp_path: Path) -> None:
    path, options = (DEMO, {"profile": DEMO_PROFILE}) if source == "demo" else (shared_log(source), {})
    write_dataset([path], tmp_path / "d", partitions=partitions, **options)
    local = run_core(read_dataset(tmp_path / "d"))
    dask = run_core_on_dataset(tmp_path / "d", scheduler=scheduler, buckets=3)
    assert (dask.engine, dask.partitions) == ("dask", partitions)
    pd.testing.assert_series_equal(local.variants, dask.variants, check_exact=True)
    for name in ("cases", "activities", "unit_handovers", "resource_handovers"):
        a, b = getattr(local, name), getattr(dask, name)
        assert (a is None) == (b is None), name
        if a is not None:
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    exact = [c for c in local.edges.columns if c not in REASSOCIATED]
    pd.testing.assert_frame_equal(local.edges[exact], dask.edges[exact], check_exact=True, obj="edges")
    pd.testing.assert_frame_equal(local.edges[list(REASSOCIATED)], dask.edges[list(REASSOCIATED)],
                                  check_exact=False, rtol=TOLERANCE, atol=0, obj="edges")
    assert int(dask.edges["count"].sum()) == int(dask.cases["events"].sum()) - len(dask.cases)


def _close(a: Any, b: Any, where: str = "") -> None:
    """Equal, floats within the tolerance or one unit of summary.json's 4th decimal (a rounding flip)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=1.0001e-4), (where, a, b)
    else:
        assert a == b, (where, a, b)


def test_analyze_a_dataset_on_the_cluster_writes_the_local_summary(scheduler: str, tmp_path: Path) -> None:
    data = tmp_path / "d"
    write_dataset([DEMO], data, profile=DEMO_PROFILE, partitions=4)
    local = CliRunner().invoke(app, ["analyze", str(data), "--out", str(tmp_path / "l"), "--json", "--quiet"])
    dask = CliRunner().invoke(app, ["analyze", str(data), "--out", str(tmp_path / "c"), "--json", "--quiet",
                                    "--engine", "dask", "--scheduler", scheduler])
    assert local.exit_code == 0 and dask.exit_code == 0, dask.output
    a, b = json.loads(local.stdout), json.loads(dask.stdout)
    assert b["provenance"]["parameters"]["engine"] == "dask"
    skip = {"provenance", "timings_seconds", "files"}
    _close({k: v for k, v in a.items() if k not in skip}, {k: v for k, v in b.items() if k not in skip})
    assert a["events"] == b["events"] == 28_391 and a["edges"] and len(a["edges"]) == len(b["edges"])
