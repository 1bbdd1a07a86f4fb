"""The charts drawn in a second process while the first one analyses the log and writes the other reports.

On a two-core machine the four charts (drawn with matplotlib, about a second and a half as SVG for the
page and PNG beside the workbook) are the longest renderer. :class:`ChartWorker` starts one worker process
when it is made, before the log is read; once the file is read (:meth:`ChartWorker.warm`) it imports
matplotlib and draws a small chart (fonts and caches loaded) on the second core while the first validates
and analyses. :meth:`ChartWorker.start` hands it
the :class:`~processmining.render.chart_input.ChartInput` (a few small tables, pickled) as soon as the
bottleneck analysis has it, and :meth:`ChartWorker.charts` waits for the drawings. The worker writes the
PNGs itself (atomically) and sends the SVGs back; they are the same bytes as those drawn in-process (the
tests say so).

How the worker is started, and why (measured at 1.1M events on 2 cores):

- On Linux it is forked at once, while this process holds only its imports: it shares their pages (numpy,
  pandas, Arrow) and costs only what it allocates itself, about 50 MB. Forked later, after the log is read,
  every page that this process then writes (the analyses' temporaries) would be held twice, ~130 MB more
  at the peak; a spawned interpreter would import numpy, pandas and Arrow again, ~115 MB more.
- Forking this early also means no other thread exists yet (no Arrow thread pool, no progress bar).
- Elsewhere (macOS's system libraries are not fork-safe, Windows has no fork) it is spawned.
- Should the worker die or fail, the charts are drawn in this process: the same reports, only slower
  (:attr:`ChartWorker.failure` says why).

Used by ``processmining analyze`` and ``report`` where it pays (:func:`worker_wanted`): for inputs of
:data:`MIN_BYTES` or more on a machine with two or more cores, or as ``PROCESSMINING_WORKERS`` says.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import warnings
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..analyses.bottlenecks import BottleneckReport
    from ..calendar import WorkCalendar
    from .chart_input import Chart, ChartInput

__all__ = ["MIN_BYTES", "ChartWorker", "worker_wanted"]

#: Inputs from this size on (all files together) get a chart worker: about 15,000 events of CSV. At 100,000
#: events the worker takes 1.3 s off a 6.5 s run; below this size the charts are small and quick anyway.
MIN_BYTES = 2 * 2**20


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
            p = Path(path)
            # A dataset folder (`processmining partition`): its Parquet files, compressed about 5x against CSV.
            size += sum(f.stat().st_size for f in p.rglob("*.parquet")) * 5 if p.is_dir() else p.stat().st_size
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
            analysis = analyze_log(log, options, on_bottlenecks=worker.bottlenecks_known)
            write_reports(analysis, out, lang="sv", chart_worker=worker)
    """

    def __init__(self, *, lang: str, png_dir: str | Path | None, dpi: int = 150) -> None:
        self.lang = lang
        self.png_dir = str(png_dir) if png_dir is not None else None
        self.dpi = dpi
        self.failure: str | None = None  #: why the charts were drawn in this process, where they were
        self._future: Future[tuple[Chart, ...]] | None = None
        self._data: ChartInput | None = None
        self._warming = False
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self._pool: ProcessPoolExecutor | None = None
        try:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(method))
            with warnings.catch_warnings():
                # Python 3.12+ warns when a process with threads forks; made first thing, this one has none
                # of its own (a caller's threads are not touched by the worker, which only draws).
                warnings.simplefilter("ignore", DeprecationWarning)
                self._pool.submit(int)  # starts (forks) the process now; it waits for warm() or start()
        except (OSError, RuntimeError) as exc:  # no process slots, no semaphores (/dev/shm): draw here
            self.failure = f"could not start the chart worker: {exc}"
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    @property
    def pid(self) -> int | None:
        """The worker's process id."""
        if self._pool is None:
            return None
        processes = list(self._pool._processes or {})  # noqa: SLF001 - the executor has no public accessor
        return processes[0] if processes else None

    def warm(self) -> None:
        """Let the worker import matplotlib and draw a small chart now (fonts and caches loaded), so that the
        real charts are drawn faster. Call it once the file is read: while Arrow's CSV reader uses both
        cores, the warm-up would take one from it (at 1.1M events the read took 1.4 s instead of 0.5 s)."""
        if self._pool is not None and not self._warming and self._future is None:
            self._warming = True
            with contextlib.suppress(BrokenProcessPool, RuntimeError):
                self._pool.submit(_warm)

    def start(self, data: ChartInput) -> None:
        """Hand the worker the charts' input (the first call counts; later ones are ignored)."""
        if self._future is not None:
            return
        self._data = data
        if self._pool is None:
            return
        try:
            self._future = self._pool.submit(_draw, data, self.lang, self.png_dir, self.dpi)
        except (BrokenProcessPool, RuntimeError) as exc:
            self.failure = f"the chart worker is gone: {exc}"
            self._future = None  # drawn in this process by charts()

    def bottlenecks_known(self, bottlenecks: BottleneckReport, calendar: WorkCalendar) -> None:
        """Start drawing as soon as the bottleneck analysis is done (``analyze_log(on_bottlenecks=...)``)."""
        from .chart_input import ChartInput

        self.start(ChartInput.of_parts(bottlenecks, calendar.kind))

    def charts(self, data: ChartInput) -> tuple[Chart, ...]:
        """The charts (their PNGs written to ``png_dir``): the worker's, started now if :meth:`start` was not
        called; drawn in this process if the worker cannot draw them."""
        self.start(data)
        if self._future is not None:
            try:
                return self._future.result()
            except BrokenProcessPool:  # the worker died (killed, out of memory): draw them here
                self.failure = "the chart worker ended without its charts"
            except Exception as exc:  # noqa: BLE001 - a failure there is drawn again here, where it is raised
                self.failure = f"the chart worker failed: {type(exc).__name__}: {exc}"
        from .charts import render_charts

        return render_charts(self._data or data, lang=self.lang, png_dir=self.png_dir, dpi=self.dpi)

    def close(self) -> None:
        """Stop the worker (waits for it: it holds no work once :meth:`charts` returned)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ChartWorker:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
