"""The Dask engine gives exactly the in-process figures: same tables, same order, same floats.

One LocalCluster of 2 worker processes serves the whole module (starting one takes seconds); every
``run_core(engine="dask")`` call connects to it by address, as ``--scheduler`` does.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import flows  # noqa: F401  (a project-local PREFECT_HOME before prefect is imported below)
from processmining.analyses.edges import edge_table
from processmining.cli._engine import EngineName, EngineOption, PartitionsOption, SchedulerOption
from processmining.engine import (
    ACTIVITY_COUNT_COLUMNS,
    CASE_COLUMNS,
    HANDOVER_COLUMNS,
    QUIET_SCHEDULER,
    CoreFigures,
    run_core,
)
from processmining.errors import ConfigError
from processmining.ingest import read_log
from processmining.log import EventLog
from tests.support import PUBLISHED, shared_log

LOGS = ("running-example.xes", "08_receipt.xes.gz", "sepsis.csv", "helpdesk.xes.gz", "BPIC15_1.xes.gz")
TABLES = ("edges", "cases", "activities", "unit_handovers", "resource_handovers")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """Address of one LocalCluster (2 worker processes, no dashboard) for the module."""
    import distributed
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  scheduler_kwargs=QUIET_SCHEDULER, silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


_LOGS: dict[str, EventLog] = {}


def load(name: str) -> EventLog:
    """Each shared log is read once per module (BPIC15_1 alone takes a few seconds)."""
    if name not in _LOGS:
        _LOGS[name] = read_log(shared_log(name))
    return _LOGS[name]


def assert_same(left: CoreFigures, right: CoreFigures) -> None:
    """Every table equal: values (floats bit for bit), dtypes, row order, index."""
    for name in TABLES:
        a, b = getattr(left, name), getattr(right, name)
        if a is None or b is None:
            assert a is None and b is None, name
            continue
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    pd.testing.assert_series_equal(left.variants, right.variants, check_exact=True, obj="variants")


@pytest.mark.parametrize("name", LOGS)
def test_dask_gives_the_local_figures(name: str, scheduler: str) -> None:
    log = load(name)
    local = run_core(log)
    dask = run_core(log, engine="dask", scheduler=scheduler)
    assert (local.engine, dask.engine, dask.partitions) == ("local", "dask", 2)
    assert_same(local, dask)
    cases, events, activities, variants = PUBLISHED[name]
    assert (len(dask.cases), int(dask.cases["events"].sum()), len(dask.activities), len(dask.variants)) == (
        cases, events, activities, variants)
    assert int(dask.variants.sum()) == cases
    assert int(dask.edges["count"].sum()) == events - cases  # every consecutive pair of a case is one edge


def test_local_engine_is_the_library() -> None:
    """The local engine's tables are the library's own (edge_table, variant_counts, case_table)."""
    log = load("sepsis.csv")
    figures = run_core(log)
    pd.testing.assert_frame_equal(figures.edges, edge_table(log), check_exact=True)
    pd.testing.assert_series_equal(figures.variants, log.variant_counts(), check_exact=True)
    pd.testing.assert_frame_equal(figures.cases, log.case_table()[list(CASE_COLUMNS)], check_exact=True)
    assert tuple(figures.activities.columns) == ACTIVITY_COUNT_COLUMNS
    assert figures.unit_handovers is not None and tuple(figures.unit_handovers.columns) == HANDOVER_COLUMNS
    # sepsis has units but no resources: no resource table.
    assert figures.resource_handovers is None
    top = figures.unit_handovers.iloc[0]
    assert top["handovers"] >= figures.unit_handovers["handovers"].max() and top["cases"] <= len(figures.cases)


@pytest.mark.parametrize("name", ["running-example.xes", "helpdesk.xes.gz"])
def test_the_number_of_partitions_does_not_matter(name: str, scheduler: str) -> None:
    """1, 2 and 7 partitions (7 > the 6 cases of running-example: an empty partition) give one result."""
    log = load(name)
    local = run_core(log)
    for n in (1, 2, 7):
        figures = run_core(log, engine="dask", scheduler=scheduler, partitions=n)
        assert figures.partitions == n
        assert_same(local, figures)


def test_resource_handovers_need_pseudonyms_or_allow_names(scheduler: str) -> None:
    """Real names: no resource table unless the caller allows it; then both engines agree."""
    log = read_log(shared_log("running-example.csv"), pseudonymise=False)
    assert run_core(log).resource_handovers is None
    local = run_core(log, allow_names=True)
    dask = run_core(log, engine="dask", scheduler=scheduler, allow_names=True)
    assert local.resource_handovers is not None and len(local.resource_handovers) > 0
    assert_same(local, dask)


def test_dask_without_scheduler_starts_and_closes_its_own_cluster() -> None:
    log = load("running-example.xes")
    figures = run_core(log, engine="dask")
    assert figures.partitions == 2  # the temporary cluster's 2 single-thread workers
    assert_same(run_core(log), figures)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_scheduler_is_a_one_line_config_error() -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"  # nobody listens there
    began = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        run_core(load("running-example.xes"), engine="dask", scheduler=address, connect_timeout=2)
    assert time.monotonic() - began < 15
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"cannot reach the Dask scheduler at {address} within 2 s")
    assert "--scheduler" in message


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"engine": "spark"}, "unknown engine 'spark'; choose one of: local, dask"),
        ({"scheduler": "tcp://127.0.0.1:8786"}, "--scheduler is only used with --engine dask"),
        ({"engine": "dask", "partitions": 0}, "partitions must be a whole number of at least 1"),
        ({"engine": "dask", "scheduler": "foo://bar"}, "'foo://bar' is not a Dask scheduler address"),
    ],
)
def test_wrong_options_are_config_errors(options: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        run_core(load("running-example.xes"), **options)  # type: ignore[arg-type]


def test_cli_options_parse() -> None:
    app = typer.Typer()
    seen: dict[str, object] = {}

    @app.command()
    def analyze(engine: EngineOption = EngineName.local, scheduler: SchedulerOption = None,
                partitions: PartitionsOption = None) -> None:
        seen.update(engine=engine.value, scheduler=scheduler, partitions=partitions)

    runner = CliRunner()
    result = runner.invoke(app, ["--engine", "dask", "--scheduler", "tcp://10.0.0.5:8786", "--partitions", "4"])
    assert result.exit_code == 0, result.output
    assert seen == {"engine": "dask", "scheduler": "tcp://10.0.0.5:8786", "partitions": 4}
    assert runner.invoke(app, []).exit_code == 0 and seen["engine"] == "local"
    assert runner.invoke(app, ["--engine", "spark"]).exit_code == 2
    assert runner.invoke(app, ["--engine", "dask", "--partitions", "0"]).exit_code == 2


def test_dask_task_runner_needs_a_prefect_server() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.dask_runner import dask_task_runner

    with temporary_settings(restore_defaults={PREFECT_API_URL}), pytest.raises(ConfigError, match="PREFECT_API_URL"):
        dask_task_runner()
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        remote = dask_task_runner(address="tcp://10.0.0.5:8786")
        local = dask_task_runner(n_workers=2)
    assert remote.address == "tcp://10.0.0.5:8786"
    assert local.cluster_kwargs == {"n_workers": 2, "threads_per_worker": 1, "processes": True,
                                    "dashboard_address": None, "scheduler_kwargs": QUIET_SCHEDULER}
