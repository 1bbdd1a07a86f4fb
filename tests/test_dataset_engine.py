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


_CAPPED = r'''
import json, logging, pickle, resource, sys
import distributed
import processmining.analyses.discovery, processmining.analyses.edges, processmining.analyses.handovers
from processmining.engine import QUIET_SCHEDULER, run_core, run_core_on_dataset
from processmining.ingest.dataset import read_dataset

def vmdata():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmData:"))

def main():
    mode, data, margin, result = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if mode == "local":  # uncapped (a capped Arrow read can hang instead of failing): what the driver would hold
        log = read_dataset(data)
        table_mb = int(log.events.memory_usage(deep=True).sum()) // 2**20
        figures = run_core(log)
        print(json.dumps({"outcome": "ok", "table_mb": table_mb, "events": int(figures.cases["events"].sum())}))
        return
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  scheduler_kwargs=QUIET_SCHEDULER, silence_logs=logging.ERROR) as cluster:
        with distributed.Client(cluster.scheduler_address, set_as_default=False):
            pass  # the client's own imports and buffers before the cap
        # The cap is on this process (the driver) only: the workers were started before it.
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        resource.setrlimit(resource.RLIMIT_DATA, (vmdata() + margin * 2**20, hard))
        try:
            figures = run_core_on_dataset(data, scheduler=cluster.scheduler_address)
        finally:
            resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
        with open(result, "wb") as out:
            pickle.dump(figures, out)
        print(json.dumps({"outcome": "ok"}))


if __name__ == "__main__":  # the workers' processes import this file again
    main()
'''


def test_the_cluster_analyses_a_dataset_the_capped_driver_could_not_load(tmp_path: Path) -> None:
    """The driver's data segment is capped 80 MB above what it holds once the cluster runs, and the cluster
    path (the workers read the partitions) analyses 284k events under it, with the local engine's figures; the
    event table the local engine holds is larger than the cap (measured uncapped: under a cap, a failing Arrow
    allocation on a reader thread can hang instead of raising)."""
    import os
    import pickle
    import subprocess
    import sys

    sample = tmp_path / "s.csv"
    done = CliRunner().invoke(app, ["sample", "--cases", "30000", "--seed", "1", "--clean", "--out", str(sample)])
    assert done.exit_code == 0, done.output
    data = tmp_path / "d"
    write_dataset([sample], data, partitions=4)
    script = tmp_path / "capped.py"
    script.write_text(_CAPPED, encoding="utf-8")
    outcomes = {}
    for mode in ("local", "dataset"):
        run = subprocess.run([sys.executable, str(script), mode, str(data), "80", str(tmp_path / f"{mode}.pickle")],
                             capture_output=True, text=True, cwd=ROOT, env=os.environ, timeout=300, check=False)
        assert run.returncode == 0, run.stderr[-2000:]
        outcomes[mode] = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcomes["local"]["table_mb"] > 80  # the event table alone is larger than the capped driver's room
    assert outcomes["dataset"]["outcome"] == "ok"
    capped = pickle.loads((tmp_path / "dataset.pickle").read_bytes())
    local = run_core(read_dataset(data))
    assert int(capped.cases["events"].sum()) == local.cases["events"].sum() > 250_000
    pd.testing.assert_series_equal(local.variants, capped.variants, check_exact=True)
    pd.testing.assert_frame_equal(local.cases, capped.cases, check_exact=True)
    exact = [c for c in local.edges.columns if c not in REASSOCIATED]
    pd.testing.assert_frame_equal(local.edges[exact], capped.edges[exact], check_exact=True)
    pd.testing.assert_frame_equal(local.edges[list(REASSOCIATED)], capped.edges[list(REASSOCIATED)],
                                  check_exact=False, rtol=TOLERANCE, atol=0)
