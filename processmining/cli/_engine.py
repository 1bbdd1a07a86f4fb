"""Engine options: where the core analyses run (in process, or on Dask partitioned by case id).

Copy the parameters into a command and pass them on to :func:`processmining.engine.run_core`::

    @app.command()
    def analyze(
        log_path: LogPath,
        engine: EngineOption = EngineName.local,
        scheduler: SchedulerOption = None,
        partitions: PartitionsOption = None,
    ) -> None:
        with library_errors():
            log = open_log(log_path)
            figures = run_core(log, engine=engine.value, scheduler=scheduler, partitions=partitions)

``--engine dask`` without ``--scheduler`` starts a temporary local cluster of 2 worker processes and
closes it afterwards; ``--scheduler tcp://HOST:8786`` uses a running ``dask scheduler`` (its workers need
this package installed at the same version). Both engines give identical figures. An unreachable
scheduler, or ``--scheduler`` without ``--engine dask``, is a one-line error and exit code 1
(:class:`~processmining.errors.ConfigError` from ``run_core``).

Nothing here imports dask: ``--help`` stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["ENGINE_PANEL", "EngineName", "EngineOption", "PartitionsOption", "SchedulerOption"]

ENGINE_PANEL = "Engine options"


class EngineName(StrEnum):
    """Values of ``--engine`` (the engines of :func:`processmining.engine.run_core`)."""

    local = "local"
    dask = "dask"


EngineOption = Annotated[
    EngineName,
    typer.Option("--engine", help="Where the analyses run: local (in this process) or dask (dask.distributed, "
                 "log partitioned by case id; the same figures).", case_sensitive=False,
                 rich_help_panel=ENGINE_PANEL),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option("--scheduler", metavar="ADDRESS", help="Dask scheduler to use with --engine dask, e.g. "
                 "tcp://10.0.0.5:8786 (default: a temporary local cluster of 2 worker processes).",
                 rich_help_panel=ENGINE_PANEL, show_default=False),
]
PartitionsOption = Annotated[
    int | None,
    typer.Option("--partitions", min=1, metavar="N", help="Case partitions for --engine dask (default: one per "
                 "worker thread).", rich_help_panel=ENGINE_PANEL, show_default=False),
]
