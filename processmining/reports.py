"""Which files a run writes: every report of one :class:`~processmining.analysis.Analysis`.

    analysis = analyze_log(read_log("event_logs/demo.csv", profile="demo"), AnalysisOptions(top=10))
    write_reports(analysis, "reports/demo")  # summary.json, bottlenecks.xlsx, report.html, ...

:func:`write_reports` turns one analysis into ``summary.json``, the Excel workbook, the HTML page, the
process maps and the handover graph, so the same figure is the same number in every file;
:func:`run_analysis` reads, analyses and writes one export (what the ``analyze-export`` flow runs). The
command line (``processmining analyze`` / ``report``) and the Prefect flows call these functions.

Layer: the only module that imports the renderers (:mod:`processmining.render`) for a whole run; above
it are only the command line and the flows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .analysis import EDGES_CSV, SUMMARY_MAX_EDGES, Analysis, AnalysisOptions, analyze_log, summary_of, timed
from .errors import ConfigError
from .files import write_csv, write_text

if TYPE_CHECKING:
    from .render.parallel import ChartWorker

__all__ = [
    "PROCESS_MAPS",
    "REPORT_FILES",
    "run_analysis",
    "write_reports",
    "write_summary",
]

#: The files :func:`write_reports` writes in every case (DESIGN.md), and the ones it adds when it can.
REPORT_FILES = ("summary.json", "bottlenecks.xlsx", "report.html", "process_map.svg", "process_map.png",
                "process_map_performance.svg", "process_map_performance.png", "handovers.graphml",
                "rejects.csv")


def write_summary(analysis: Analysis, path: str | Path, *, summary: dict[str, Any] | None = None) -> Path:
    """Write ``summary.json`` (UTF-8, indented, no NaN) atomically."""
    data = summary if summary is not None else summary_of(analysis)
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def write_reports(
    analysis: Analysis,
    out: str | Path,
    *,
    lang: str = "sv",
    excel: bool = True,
    html: bool = True,
    maps: bool = True,
    images: bool = False,
    summary: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    chart_worker: ChartWorker | None = None,
) -> list[Path]:
    """Write every report of ``analysis`` into ``out`` (created if missing); returns the files written.

    Files: ``summary.json``; ``process_map.svg/.png`` (frequency) and ``process_map_performance.svg/.png``
    (waiting times); ``handovers.graphml`` (+ ``.gexf``, ``handover_map.svg/.png``) where there is a
    handover graph; ``rejects.csv``; ``bottlenecks.xlsx`` (unless ``excel=False``; its charts are native
    Excel charts of its own cells); ``report.html`` (unless ``html=False``); ``chart_<name>.png`` only with
    ``images=True``. Each is written atomically.

    The maps are rendered on threads (``dot`` runs as its own process, so they take the second core while
    this thread writes the workbook); the charts are drawn by ``chart_worker`` where one is given, else
    here, each once: as SVG for the page and, with ``images``, as PNG. Without the page and without
    ``images`` no chart is drawn (the workbook's charts are Excel's).

    Args:
        analysis: the result of :func:`analyze_log`.
        out: the folder.
        lang: ``"sv"`` or ``"en"`` for the workbook, the page and the maps.
        excel, html, maps: leave out the workbook, the page or the pictures.
        images: also write the charts as ``chart_<name>.png`` (``--images``).
        summary: :func:`summary_of` ``analysis``, where the caller has it already.
        progress: called with each file group's name as it starts.
        chart_worker: a :class:`~processmining.render.parallel.ChartWorker` made with this ``lang`` and
            ``out`` as ``png_dir`` where ``images`` (else ``None``) that draws the charts in a second process.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .ingest import write_rejects
    from .render.chart_input import ChartInput

    if lang not in ("sv", "en"):
        raise ConfigError(f"unknown language {lang!r}; choose sv or en")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    timings = analysis.timings
    written: list[Path] = []
    summary = summary if summary is not None else summary_of(analysis)
    with timed(timings, "summary.json", progress):
        written.append(write_summary(analysis, out / "summary.json", summary=summary))
        rejects = out / "rejects.csv"
        written.append(write_rejects(analysis.log, rejects))
        if len(analysis.dfg.edges) > SUMMARY_MAX_EDGES:  # summary.json lists the most frequent: every edge here
            written.append(write_csv(analysis.dfg.edges, out / EDGES_CSV))
    began = time.perf_counter()
    data = ChartInput.of(analysis) if html or images else None
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="maps") as threads:
        jobs = [threads.submit(job) for job in _map_jobs(analysis, out, lang)] if maps else []
        charts = None
        if data is not None and chart_worker is None:
            from .render.charts import render_charts

            with timed(timings, "charts", progress):  # while the maps' dot runs on the other core
                charts = render_charts(data, lang=lang, png_dir=out if images else None)
        def frequency_map() -> Path:  # the workbook shows its PNG: waited for once every sheet is streamed
            jobs[0].result()
            return out / "process_map.png"

        if excel:
            from .render.excel import write_workbook

            with timed(timings, "bottlenecks.xlsx", progress):
                book = write_workbook(analysis, out / "bottlenecks.xlsx", lang=lang, summary=summary,
                                      map_png=frequency_map if jobs else None)
        if jobs:
            written += jobs[0].result()
        if excel:
            written += book
        if data is not None and chart_worker is not None:
            with timed(timings, "charts", progress):  # drawn by the worker meanwhile
                charts = chart_worker.charts(data)
        for job in jobs[1:]:
            written += job.result()
        timings["maps"] = round(time.perf_counter() - began, 4)
    if images:
        from .render.chart_input import CHART_NAMES

        written += [out / f"chart_{name}.png" for name in CHART_NAMES]
    if html:
        from .render.html import write_html

        map_svgs = {mode: (out / f"{stem}.svg").read_text("utf-8") for mode, stem in PROCESS_MAPS} if maps else None
        with timed(timings, "report.html", progress):
            written.append(write_html(analysis, out / "report.html", lang=lang, summary=summary, map_svgs=map_svgs,
                                      charts=charts))
    return written


#: The process maps of a report: (mode, file stem), the frequency map first (the workbook shows its PNG).
PROCESS_MAPS = (("frequency", "process_map"), ("performance", "process_map_performance"))


def map_title(analysis: Analysis, lang: str) -> str:
    """The first line of every map's title: the log's name (the renderers add its size and the filters)."""
    return analysis.title


def _map_jobs(analysis: Analysis, out: Path, lang: str) -> list[Callable[[], list[Path]]]:
    """One job per picture (each runs ``dot``, so they can run side by side on threads)."""
    from .render.handover_map import render_handover_map, write_gexf, write_graphml
    from .render.process_map import render_process_map

    title = map_title(analysis, lang)

    def process_map(mode: str, stem: str) -> Callable[[], list[Path]]:
        return lambda: render_process_map(analysis.process_map, out / stem, mode=mode, title=title, lang=lang,
                                          simplification=analysis.process_map.simplification)

    jobs = [process_map(mode, stem) for mode, stem in PROCESS_MAPS]
    h = analysis.handovers
    if h is not None:
        what = {"unit": {"sv": "överlämningar mellan enheter", "en": "handovers between units"},
                "resource": {"sv": "överlämningar mellan handläggare", "en": "handovers between case officers"}}

        def handover_files() -> list[Path]:
            return [write_graphml(h, out / "handovers.graphml"), write_gexf(h, out / "handovers.gexf"),
                    *render_handover_map(h, out / "handover_map", title=f"{analysis.title}: {what[h.level][lang]}",
                                         lang=lang)]

        jobs.append(handover_files)
    return jobs


def run_analysis(
    path: str | Path,
    out: str | Path,
    *,
    profile: str | Path | None = None,
    options: AnalysisOptions | None = None,
    lang: str = "sv",
    formats: Sequence[str] = ("xlsx", "html"),
) -> Path:
    """Read, validate, analyse and write every report of one export into ``out``; returns ``out``.

    This is what the ``analyze-export`` flow runs for each file it finds in its drop folder.
    """
    from .ingest import read_log

    log = read_log(path, profile=profile)
    write_reports(analyze_log(log, options), out, lang=lang, excel="xlsx" in formats, html="html" in formats)
    return Path(out)
