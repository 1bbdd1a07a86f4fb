"""``processmining analyze`` (every analysis, every report) and ``processmining report`` (the workbook and
the page only): thin clients over :mod:`processmining.reports`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..formatting import fmt_figure
from ._app import app, err, library_errors, out, print_json, say_written
from ._options import (
    AnalysisArgs,
    InputArgs,
    JsonOption,
    Lang,
    LangOption,
    SourceArgs,
    analysis_options,
    input_options,
    option_group,
    read_options,
    source_options,
)
from .filter_options import filter_log

if TYPE_CHECKING:
    from ..analysis import AnalysisOptions
    from ..ingest.arrow_csv import StartedRead

OutOption = Annotated[Path, typer.Option("--out", metavar="DIR", file_okay=False, show_default=False,
                                         help="Folder to write the reports into (created if missing).")]
LogPaths = Annotated[list[Path] | None, typer.Argument(
    help="Event log(s): .csv, .xlsx, .xes, .xes.gz or .parquet, or a dataset folder written by `processmining "
         "partition`. Several files are merged on their case key (the first is the case system); or give --project "
         "instead.", show_default=False)]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors (and --json).")]
ImagesOption = Annotated[bool, typer.Option("--images", help="Also write the charts as chart_*.png beside the "
                                            "reports (the workbook's charts are native Excel charts).")]


#: What analyze and report print and write and in which language: received as ``output``.
OutputArgs = dict[str, Any]
_OUTPUT: tuple[tuple[str, Any, Any], ...] = (("lang", LangOption, Lang.sv), ("as_json", JsonOption, False),
                                             ("quiet", QuietOption, False), ("images", ImagesOption, False))


def output_options() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command ``--lang``, ``--json``, ``--quiet`` and ``--images``, received as ``output``."""
    return option_group("output", _OUTPUT)


def analysis_options_of(analysis: AnalysisArgs) -> AnalysisOptions:
    """The :class:`~processmining.analysis.AnalysisOptions` of the analysis option group (reads ``--targets``)."""
    return _options(**analysis)


def _options(*, calendar: Any, hours: str, clock_stop: list[str] | None, target_days: float | None,
             targets_file: Path | None, end_activity: list[str] | None, top: int, period: Any,
             activities: float | None, paths: float | None, handover_level: Any, min_group: int,
             candidates_config: Path | None, by: str | None, engine: Any, scheduler: str | None,
             partitions: int | None, filters: list[str] | None = None) -> AnalysisOptions:
    from ..analyses.sla import BottleneckSettings, Targets
    from ..analysis import AnalysisOptions
    from ..config import load_settings

    settings = load_settings(targets_file) if targets_file is not None else BottleneckSettings()
    targets: Any = settings.targets
    if target_days is not None:
        targets = Targets(days=target_days) if targets is None else Targets(
            days=target_days, attribute=targets.attribute, values=targets.values,
            working_days=targets.working_days, source=targets.source)
    stops = tuple(f"{a}=>{b}" for a, b in settings.clock_stops) + tuple(clock_stop or ())
    ends = tuple(end_activity) if end_activity else settings.end_activities
    return AnalysisOptions(calendar=calendar.value, hours=hours, clock_stops=stops, targets=targets,
                           end_activities=ends, top=top, period=period.value, activities=activities, paths=paths,
                           handover_level=handover_level.value, min_group=min_group,
                           candidates_config=candidates_config, by=by, engine=engine.value, scheduler=scheduler,
                           partitions=partitions, filters=tuple(filters or ()))


def _one_file(log_paths: list[Path], *, project: Path | None, join_key: str | None, key_prefix: list[str] | None,
              clock_offset: list[str] | None) -> bool:
    """Whether the sources are one file read as it is (else they are merged)."""
    return project is None and len(log_paths) == 1 and not (join_key or key_prefix or clock_offset)


def _open(log_paths: list[Path], out_dir: Path, *, project: Path | None, join_key: str | None,
          key_prefix: list[str] | None, clock_offset: list[str] | None, open_args: dict[str, Any],
          on_read: Callable[[], None] | None = None, started: StartedRead | None = None) -> Any:
    """The log of the sources (the library's ``open_sources``) and, where several were merged, the merge
    report written beside the other reports."""
    from ..ingest.merge import open_sources, write_merge_report

    opened = open_sources(log_paths, project=project, join_key=join_key, strip_prefixes=key_prefix or [],
                          offsets=clock_offset or [], options=read_options(**open_args), on_read=on_read,
                          started=started)
    return opened.log, write_merge_report(opened.report, out_dir) if opened.report is not None else []


def _run(log_paths: list[Path], out_dir: Path, *, open_args: dict[str, Any], option_args: dict[str, Any],
         sources: dict[str, Any], lang: Lang, excel: bool, html: bool, maps: bool, as_json: bool,
         quiet: bool, images: bool) -> None:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ..ingest.arrow_csv import start_reading
    from ..render.parallel import ChartWorker, worker_wanted

    show = not quiet and err.is_terminal
    with library_errors(), ExitStack() as stack:
        # First thing, before the file is read and before the progress bar's thread: see render/parallel.py.
        # pandas first, so that the worker shares its pages (17 MB less at the peak than importing its own;
        # no slower at 1.1M events: the other imports still run beside the parse).
        import pandas  # noqa: F401
        worker = (stack.enter_context(ChartWorker(lang=lang.value, png_dir=out_dir if images else None))
                  if (html or images) and worker_wanted(log_paths) else None)
        # Then pyarrow starts parsing a CSV file on a thread, while this one imports the readers, the analyses
        # and their libraries (see ingest/arrow_csv.py); nothing above has imported them.
        started = start_reading(log_paths[0], profile=open_args["profile"]) if _one_file(log_paths, **sources) else None
        from ..analysis import analyze_log, summary_of
        from ..reports import write_reports

        bar = stack.enter_context(Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                           console=err, transient=True, disable=not show))
        what = sources["project"].name if sources["project"] else ", ".join(p.name for p in log_paths)
        task = bar.add_task(f"reading {what}", total=None)

        def progress(stage: str) -> None:
            bar.update(task, description=stage)

        options = _options(**option_args)
        out_dir.mkdir(parents=True, exist_ok=True)
        # The chart process imports matplotlib while this one validates the rows (not during the parse,
        # which has both cores busy already).
        log, merge_files = _open(log_paths, out_dir, open_args=open_args, **sources,
                                 on_read=worker.warm if worker is not None else None, started=started)
        log = filter_log(log, options.filters, end_activities=options.end_activities)
        analysis = analyze_log(log, options, progress=progress,
                               on_bottlenecks=worker.bottlenecks_known if worker is not None else None)
        summary = summary_of(analysis)
        written = merge_files + write_reports(analysis, out_dir, lang=lang.value, excel=excel, html=html, maps=maps,
                                              images=images, summary=summary, progress=progress, chart_worker=worker)
    if as_json:
        summary["files"] = [str(p) for p in written]
        print_json(summary)
    if quiet or as_json:
        return
    _print_summary(summary, lang.value)
    say_written(written, out_dir)


def _print_summary(summary: dict[str, Any], lang: str) -> None:
    sv = lang == "sv"
    tp = summary["throughput_workdays"]
    say = out.print

    def n(value: Any, digits: int = 1) -> str:
        return fmt_figure(value, lang, digits)

    say((f"{summary['source']['path']}: {n(summary['cases'], 0)} ärenden, {n(summary['events'], 0)} händelser, "
         f"{summary['activities']} aktiviteter, {summary['variants']} varianter; {summary['rejected_rows']} rader "
         f"avvisade. Genomloppstid median {n(tp['median'])} arbetsdagar (90 % inom {n(tp['p90'])})."
         if sv else
         f"{summary['source']['path']}: {n(summary['cases'], 0)} cases, {n(summary['events'], 0)} events, "
         f"{summary['activities']} activities, {summary['variants']} variants; {summary['rejected_rows']} rows "
         f"rejected. Throughput median {n(tp['median'])} working days (90% within {n(tp['p90'])})."),
        markup=False, soft_wrap=True)
    key = "text_sv" if sv else "text_en"
    for row in summary["bottlenecks"][:3]:
        say(f"• {row[key]}", markup=False, soft_wrap=True)
    for row in (summary.get("perspectives") or {}).get("differences", [])[:3]:
        say(f"• {row[key]}", markup=False, soft_wrap=True)
    ranked = [c for c in summary["automation_candidates"] if c["status"] == "ranked"][:1]
    for c in ranked:
        say((f"Automatisera först: {c['activity']} (poäng {n(c['score'], 2)}, cirka {n(c['hours_saved_per_year'], 0)} "
             "timmar per år)." if sv else
             f"Automate first: {c['activity']} (score {n(c['score'], 2)}, about {n(c['hours_saved_per_year'], 0)} "
             "hours a year)."), markup=False, soft_wrap=True)


@app.command()
@input_options()
@source_options()
@analysis_options()
@output_options()
def analyze(
    out_dir: OutOption,
    log_paths: LogPaths = None,
    *,
    inputs: InputArgs,
    analysis: AnalysisArgs,
    sources: SourceArgs,
    output: OutputArgs,
) -> None:
    """Analyse LOG and write every report into --out: the main job.

    Writes summary.json, bottlenecks.xlsx (with native Excel charts), report.html, process_map.svg/.png
    (frequency), process_map_performance.svg/.png (waiting), handovers.graphml/.gexf, handover_map.svg/.png and
    rejects.csv; with --images also the charts as chart_*.png.

    Example: processmining analyze event_logs/demo.csv --profile demo --out reports/demo
    --clock-stop "Komplettering begärd=>Komplettering inkommen" --target-days 40
    """
    _run(log_paths or [], out_dir, sources=sources, excel=True, html=True, maps=True, open_args=inputs,
         option_args=analysis, **output)


@app.command()
@input_options()
@source_options()
@analysis_options()
@output_options()
def report(
    out_dir: OutOption,
    log_paths: LogPaths = None,
    excel_only: Annotated[bool, typer.Option("--excel-only", help="Write bottlenecks.xlsx (and summary.json) "
                                             "only.")] = False,
    html_only: Annotated[bool, typer.Option("--html-only", help="Write report.html (and summary.json) only.")]
    = False,
    *,
    inputs: InputArgs,
    analysis: AnalysisArgs,
    sources: SourceArgs,
    output: OutputArgs,
) -> None:
    """Write the auditors' workbook and the process owners' page for LOG (same figures as analyze).

    Example: processmining report event_logs/demo.csv --profile demo --out reports/demo --lang en --excel-only
    """
    if excel_only and html_only:
        err.print("error: --excel-only and --html-only exclude each other; pass one of them or neither",
                  markup=False)
        raise typer.Exit(2)
    _run(log_paths or [], out_dir, sources=sources, excel=not html_only, html=not excel_only, maps=True,
         open_args=inputs, option_args=analysis, **output)
