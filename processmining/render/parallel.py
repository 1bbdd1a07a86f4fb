"""The charts drawn in a second process while the first one analyses the log and writes the other reports.

On a two-core machine the four charts (drawn with matplotlib, about a second and a half as SVG for the
page and PNG beside the workbook) are the longest renderer. :class:`ChartWorker` starts one worker process
when it is made, before the log is read, so that the worker's imports (numpy, pandas, matplotlib) run on
the second core while the first reads the file; :meth:`ChartWorker.start` hands it the
:class:`~processmining.render.chart_input.ChartInput` as soon as the bottleneck analysis has it, and
:meth:`ChartWorker.charts` waits for the drawings. The worker writes the PNGs itself (atomically) and sends
the SVGs back; they are the same bytes as those drawn in-process (the tests say so).

The worker is started with ``spawn`` (a fresh interpreter, never ``fork``: the parent holds Arrow's
thread pool, and forking a threaded process can deadlock). Should the worker die, the charts are drawn in
this process instead: the reports are the same, only slower.

Used by ``processmining analyze`` and ``report`` where it pays (:func:`worker_wanted`): for inputs of
:data:`MIN_BYTES` or more on a machine with two or more cores, or as ``PROCESSMINING_WORKERS`` says.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from .chart_input import ChartInput
    from .charts import Chart

__all__ = ["MIN_BYTES", "ChartWorker", "worker_wanted"]

#: Inputs from this size on (all files together) get a chart worker: about 120,000 events of CSV. Below,
#: the charts take the same time but the whole run is short, and a second interpreter is not worth its memory.
MIN_BYTES = 16 * 2**20


def worker_wanted(paths: Sequence[str | Path], *, setting: str | None = None) -> bool:
    """Whether a run over ``paths`` should draw its charts in a second process.

    ``setting`` (default: the environment variable ``PROCESSMINING_WORKERS``): ``auto`` (default: inputs of
    :data:`MIN_BYTES` or more, two cores or more), ``on`` (always) or ``off`` (never).

    Raises:
        ConfigError: an unknown setting.
    """
    value = (setting if setting is not None else os.environ.get("PROCESSMINING_WORKERS", "auto")).strip().lower()
    if value in ("on", "1", "yes"):
        return True
    if value in ("off", "0", "no"):
        return False
    if value != "auto":
        raise ConfigError(f"PROCESSMINING_WORKERS={value!r} is not a setting; use auto, on or off")
    size = 0
    for path in paths:
        try:
            size += Path(path).stat().st_size
        except OSError:
            continue  # the reader names a missing file; here it only counts as small
    return size >= MIN_BYTES and (os.cpu_count() or 1) >= 2


def _warm() -> None:
    """The worker's first job, while the parent reads the log: import what drawing needs (numpy, pandas,
    matplotlib) and draw a small chart, so that the fonts are loaded before the real charts come."""
    from .charts import warm_up

    warm_up()


def _draw(data: ChartInput, lang: str, png_dir: str | None, dpi: int) -> tuple[Chart, ...]:
    from .charts import render_charts

    return render_charts(data, lang=lang, png_dir=png_dir, dpi=dpi)


class ChartWorker:
    """One worker process that draws an analysis's charts (see the module's text).

    Example::

        with ChartWorker(lang="sv", png_dir=out) as worker:
            analysis = analyze_log(log, options, on_bottlenecks=worker.start)
            write_reports(analysis, out, lang="sv", chart_worker=worker)
    """

    def __init__(self, *, lang: str, png_dir: str | Path | None, dpi: int = 150) -> None:
        self.lang = lang
        self.png_dir = str(png_dir) if png_dir is not None else None
        self.dpi = dpi
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self._pool.submit(_warm)  # starts the process now
        self._future: Future[tuple[Chart, ...]] | None = None
        self._data: ChartInput | None = None

    def start(self, data: ChartInput) -> None:
        """Hand the worker the charts' input (the first call counts; later ones are ignored)."""
        if self._future is not None:
            return
        self._data = data
        try:
            self._future = self._pool.submit(_draw, data, self.lang, self.png_dir, self.dpi)
        except (BrokenProcessPool, RuntimeError):
            self._future = None  # drawn in this process by charts()

    def charts(self, data: ChartInput) -> tuple[Chart, ...]:
        """The charts (their PNGs written to ``png_dir``): the worker's, started now if :meth:`start` was not
        called; drawn in this process if the worker cannot draw them."""
        self.start(data)
        if self._future is not None:
            try:
                return self._future.result()
            except BrokenProcessPool:
                pass  # the worker died (killed, out of memory): draw them here
        from .charts import render_charts

        return render_charts(self._data or data, lang=self.lang, png_dir=self.png_dir, dpi=self.dpi)

    def close(self) -> None:
        """Stop the worker (waits for it: it holds no work once :meth:`charts` returned)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ChartWorker:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
