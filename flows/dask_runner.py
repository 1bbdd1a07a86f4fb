"""A Prefect task runner on Dask (``prefect-dask``), for flows whose tasks should run on a cluster.

Two ways to put Dask to work, pick by the shape of the load:

- One large export: keep the flow as it is and let the *analysis* use Dask: the library's
  :func:`processmining.engine.run_core` (``--engine dask --scheduler ADDRESS`` on the command line)
  partitions the log by case id on the cluster and gives the same figures. No Prefect code runs on
  the Dask workers, so no Prefect server is needed for that.
- Many exports at once: run the flow's *tasks* on Dask with :func:`dask_task_runner` and submit them,
  so that several exports are analysed at the same time::

      from flows.analyze_export import analyze_export
      from flows.dask_runner import dask_task_runner

      runner = dask_task_runner(address="tcp://10.0.0.5:8786")   # or None: a temporary local cluster
      analyze_export.with_options(task_runner=runner)(drop_folder="/data/drop", out_folder="/data/reports")

  For this to run in parallel the flow must call ``analyse_export_task.submit(...)`` for every file and
  then wait for the futures (a task called directly runs in the flow's own process, whatever the
  runner). The Dask workers must see the same file system paths (drop, report and archive folders) and
  have this project installed at the same version.

Prefect server: prefect-dask runs every task inside a Dask worker process, and a worker that finds no
Prefect API starts its own ephemeral server (PITFALLS.md: 10 small tasks on 2 processes took 31-34 s,
against 5 s with a running ``prefect server start``). So :func:`dask_task_runner` refuses to build a
runner unless a Prefect API URL is configured (``PREFECT_API_URL`` in the environment or the active
Prefect profile, so that worker processes see it too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from processmining.engine import QUIET_SCHEDULER
from processmining.errors import ConfigError

if TYPE_CHECKING:
    from prefect_dask.task_runners import DaskTaskRunner

__all__ = ["LOCAL_CLUSTER_KWARGS", "dask_task_runner", "prefect_api_url"]

#: The temporary cluster built when no scheduler address is given: 2 worker processes of 1 thread each
#: (one per core of the agency's analysis machine), no dashboard, and the scheduler's health/metrics HTTP
#: server on a free loopback port instead of 8787 (see processmining.engine.QUIET_SCHEDULER).
LOCAL_CLUSTER_KWARGS: dict[str, Any] = {
    "n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None,
    "scheduler_kwargs": dict(QUIET_SCHEDULER),
}


def prefect_api_url() -> str | None:
    """The configured Prefect API URL (environment or active profile), or ``None`` (ephemeral API)."""
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value) if value else None


def dask_task_runner(
    *,
    address: str | None = None,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    require_server: bool = True,
) -> DaskTaskRunner:
    """A ``prefect_dask.DaskTaskRunner`` on a running scheduler, or on a temporary ``LocalCluster``.

    Use it only where a Prefect server address is configured: without one, prefect-dask starts an
    ephemeral Prefect server in every Dask worker process, which makes each flow run many seconds
    slower (PITFALLS.md). With ``require_server=True`` (the default) that situation is an error.

    Args:
        address: address of a running Dask scheduler (``tcp://HOST:8786``); ``None`` starts a
            ``distributed.LocalCluster`` for the flow run and closes it afterwards.
        n_workers: worker processes of the temporary cluster (ignored with ``address``).
        threads_per_worker: threads per worker of the temporary cluster (ignored with ``address``).
        require_server: refuse to build a runner when no Prefect API URL is configured.

    Returns:
        The task runner, to pass as ``flow.with_options(task_runner=...)``.

    Raises:
        ConfigError: no Prefect API URL is configured (and ``require_server``), or a worker count
            below 1.
    """
    if n_workers < 1 or threads_per_worker < 1:
        raise ConfigError(f"a Dask cluster needs at least 1 worker and 1 thread, not {n_workers} x "
                          f"{threads_per_worker}")
    if require_server and prefect_api_url() is None:
        raise ConfigError(
            "no Prefect server is configured: on Dask every worker process would start its own ephemeral "
            "Prefect server; run `prefect server start` and set PREFECT_API_URL (e.g. "
            "http://127.0.0.1:4200/api), or pass require_server=False"
        )
    from prefect_dask.task_runners import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    kwargs = {**LOCAL_CLUSTER_KWARGS, "n_workers": n_workers, "threads_per_worker": threads_per_worker}
    return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=kwargs)
