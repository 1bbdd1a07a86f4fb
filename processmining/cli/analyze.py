"""``processmining analyze`` (every analysis, every report) and ``processmining report`` (the workbook and
the page only): thin clients over :mod:`processmining.pipeline`."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..textsafe import json_text
from ._app import app, err, library_errors, out
from ._engine import EngineName, EngineOption, PartitionsOption, SchedulerOption
from ._options import (
    CalendarKind,
    InputArgs,
    Lang,
    Period,
    input_options,
    open_log,
)

if TYPE_CHECKING:
    from ..ingest.arrow_csv import StartedRead

PANEL = "Analysis options"


class HandoverLevel(StrEnum):
    """Whose handovers the graph shows."""

    auto = "auto"
    unit = "unit"
    resource = "resource"


OutOption = Annotated[Path, typer.Option("--out", metavar="DIR", file_okay=False, show_default=False,
                                         help="Folder to write the reports into (created if missing).")]
CalendarOption = Annotated[CalendarKind, typer.Option("--calendar", rich_help_panel=PANEL,
                           help="se: Swedish working days (weekends and public holidays off); none: 24-hour days.")]
HoursOption = Annotated[str, typer.Option("--hours", help="Working hours, e.g. 08-17 or 8:30-16:30.",
                                          rich_help_panel=PANEL)]
ClockStopOption = Annotated[list[str] | None, typer.Option(
    "--clock-stop", metavar="\"A=>B\"", rich_help_panel=PANEL, show_default=False,
    help="Waiting from A to the next B is the applicant's (repeatable).")]
TargetDaysOption = Annotated[float | None, typer.Option(
    "--target-days", metavar="N", min=0.001, rich_help_panel=PANEL, show_default=False,
    help="Handling-time target in working days for every case (measured on agency time).")]
TargetsFileOption = Annotated[Path | None, typer.Option(
    "--targets", metavar="FILE", rich_help_panel=PANEL, show_default=False,
    help="TOML with [targets] per programme and/or [bottlenecks] clock_stops, end_activities "
         "(see `processmining bottlenecks --help`).")]
EndActivityOption = Annotated[list[str] | None, typer.Option(
    "--end-activity", metavar="ACTIVITY", rich_help_panel=PANEL, show_default=False,
    help="Activity that closes a case (repeatable; default \"Ärende avslutat\" where the log has it).")]
TopOption = Annotated[int, typer.Option("--top", min=1, metavar="N", rich_help_panel=PANEL,
                                        help="How many bottlenecks, variants and candidates the summaries show.")]
PeriodOption = Annotated[Period, typer.Option("--period", help="Trends per month or quarter.", rich_help_panel=PANEL)]
ActivitiesPctOption = Annotated[float | None, typer.Option(
    "--activities", metavar="PCT", min=0.001, max=100, rich_help_panel=PANEL, show_default=False,
    help="Map: keep the most frequent activities covering PCT % of events (default: all up to 40 "
         "activities, else the 35 most frequent).")]
PathsPctOption = Annotated[float | None, typer.Option(
    "--paths", metavar="PCT", min=0.001, max=100, rich_help_panel=PANEL, show_default=False,
    help="Map: keep the most frequent paths covering PCT % of transitions (default: at most 2 per shown "
         "activity); the map stays connected.")]
HandoverLevelOption = Annotated[HandoverLevel, typer.Option(
    "--handover-level", rich_help_panel=PANEL,
    help="Handover graph between units (org:group) or case officers; auto: units where the log has them.")]
MinGroupOption = Annotated[int, typer.Option("--min-group", min=1, metavar="K", rich_help_panel=PANEL,
                                             help="Leave out every handover figure about fewer than K cases.")]
CandidatesConfigOption = Annotated[Path | None, typer.Option(
    "--candidates-config", metavar="FILE", rich_help_panel=PANEL, show_default=False,
    help="TOML with the automation score's weights and assumptions (see `processmining candidates --help`).")]
SOURCES_PANEL = "Several sources"
LogPaths = Annotated[list[Path] | None, typer.Argument(
    help="Event log(s): .csv, .xlsx, .xes, .xes.gz or .parquet. Several files are merged on their case key "
         "(the first is the case system); or give --project instead.", show_default=False)]
ProjectOption = Annotated[Path | None, typer.Option(
    "--project", metavar="FILE", rich_help_panel=SOURCES_PANEL, show_default=False,
    help="Project file (TOML) naming several sources, their profiles, key normalisation and clock offsets "
         "(example: event_logs/projects/demo_split.toml).")]
JoinKeyOption = Annotated[str | None, typer.Option(
    "--join-key", metavar="COL[,COL...]", rich_help_panel=SOURCES_PANEL, show_default=False,
    help="Case-key column: one name for every file, or one per file (e.g. Diarienummer,Ärende-ID).")]
KeyPrefixOption = Annotated[list[str] | None, typer.Option(
    "--key-prefix", metavar="TEXT", rich_help_panel=SOURCES_PANEL, show_default=False,
    help="Prefix removed from case keys before matching (repeatable), e.g. \"TVV \".")]
ClockOffsetOption = Annotated[list[str] | None, typer.Option(
    "--clock-offset", metavar="±HH:MM", rich_help_panel=SOURCES_PANEL, show_default=False,
    help="Added to one file's times, one per file in order (e.g. +00:00 -00:07).")]
ByOption = Annotated[str | None, typer.Option(
    "--by", metavar="ATTRIBUTE", rich_help_panel=PANEL, show_default=False,
    help="Also compare the groups of this attribute side by side: region (case:region), program, org:group, ...")]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of the reports: sv or en.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print summary.json on stdout.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors (and --json).")]


def _options(*, calendar: CalendarKind, hours: str, clock_stop: list[str] | None, target_days: float | None,
             targets_file: Path | None, end_activity: list[str] | None, top: int, period: Period,
             activities: float | None, paths: float | None, handover_level: HandoverLevel, min_group: int,
             candidates_config: Path | None, by: str | None, engine: EngineName, scheduler: str | None,
             partitions: int | None) -> Any:
    from ..analyses.sla import BottleneckSettings, Targets, load_settings
    from ..pipeline import AnalysisOptions

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
                           partitions=partitions)


def _one_file(log_paths: list[Path], *, project: Path | None, join_key: str | None, key_prefix: list[str] | None,
              clock_offset: list[str] | None) -> bool:
    """Whether the sources are one file read as it is (else they are merged)."""
    return project is None and len(log_paths) == 1 and not (join_key or key_prefix or clock_offset)


def _open(log_paths: list[Path], out_dir: Path, *, project: Path | None, join_key: str | None,
          key_prefix: list[str] | None, clock_offset: list[str] | None, open_args: dict[str, Any],
          on_read: Callable[[], None] | None = None, started: StartedRead | None = None) -> Any:
    """One file: read it with the input options (``on_read``: called once it is parsed). Several files or a
    project: merge them, and write the merge report beside the other reports (``on_read`` is called after)."""
    if _one_file(log_paths, project=project, join_key=join_key, key_prefix=key_prefix, clock_offset=clock_offset):
        return open_log(log_paths[0], on_read=on_read, started=started, start_read=False, **open_args), []
    from ..errors import ConfigError
    from ..ingest.merge import merge_sources, write_merge_report

    if project is None and not log_paths:
        raise ConfigError("no event log given: pass LOG (one or more files) or --project FILE")
    unsupported = [f"--{k.replace('_', '-')}" for k in ("case", "activity", "timestamp", "start", "resource", "unit",
                                                        "sheet", "dayfirst") if open_args.get(k) is not None]
    if unsupported:
        raise ConfigError(f"{', '.join(unsupported)} cannot be used with several sources; put the columns in each "
                          "source's profile or the project file")
    profile = open_args["profile"]
    result = merge_sources(log_paths, project=project, join_key=join_key,
                           profiles=[profile] if profile else [], strip_prefixes=key_prefix or [],
                           offsets=clock_offset or [], pseudonymise=open_args["pseudonymise"],
                           strict=open_args["strict"],
                           merge_label_variants=True if open_args["merge_labels"] else None,
                           drop_duplicates=True if open_args["drop_duplicates"] else None)
    if on_read is not None:
        on_read()
    return result.log, write_merge_report(result.report, out_dir)


def _run(log_paths: list[Path], out_dir: Path, *, open_args: dict[str, Any], option_args: dict[str, Any],
         sources: dict[str, Any], lang: Lang, excel: bool, html: bool, maps: bool, as_json: bool,
         quiet: bool) -> None:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ..ingest.arrow_csv import start_reading
    from ..render.parallel import ChartWorker, worker_wanted

    show = not quiet and err.is_terminal
    with library_errors(), ExitStack() as stack:
        # First thing, before the file is read and before the progress bar's thread: see render/parallel.py.
        # pandas first, so that the worker shares its pages (17 MB less at the peak than importing its own;
        # no slower at 1.1M events: the other imports still run beside the parse).
        import pandas  # noqa: F401
        worker = (stack.enter_context(ChartWorker(lang=lang.value, png_dir=out_dir if excel else None))
                  if (excel or html) and worker_wanted(log_paths) else None)
        # Then pyarrow starts parsing a CSV file on a thread, while this one imports the readers, the analyses
        # and their libraries (see ingest/arrow_csv.py); nothing above has imported them.
        started = start_reading(log_paths[0], profile=open_args["profile"]) if _one_file(log_paths, **sources) else None
        from ..pipeline import analyze_log, summary_of, write_reports

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
        analysis = analyze_log(log, options, progress=progress, chart_worker=worker)
        summary = summary_of(analysis)
        written = merge_files + write_reports(analysis, out_dir, lang=lang.value, excel=excel, html=html, maps=maps,
                                              summary=summary, progress=progress, chart_worker=worker)
    if as_json:
        summary["files"] = [str(p) for p in written]
        typer.echo(json_text(json.dumps(summary, ensure_ascii=False, allow_nan=False)))
    if quiet or as_json:
        return
    _print_summary(summary, lang.value)
    err.print(f"wrote {len(written)} files into {out_dir}: " + ", ".join(p.name for p in written),
              markup=False, soft_wrap=True)


def _print_summary(summary: dict[str, Any], lang: str) -> None:
    sv = lang == "sv"
    tp = summary["throughput_workdays"]
    say = out.print

    def n(value: Any, digits: int = 1) -> str:
        if value is None:
            return "-"
        text = f"{value:,.{digits}f}"
        return text.replace(",", " ").replace(".", ",") if sv else text

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
def analyze(
    out_dir: OutOption,
    log_paths: LogPaths = None,
    calendar: CalendarOption = CalendarKind.se,
    hours: HoursOption = "08-17",
    clock_stop: ClockStopOption = None,
    target_days: TargetDaysOption = None,
    targets_file: TargetsFileOption = None,
    end_activity: EndActivityOption = None,
    top: TopOption = 10,
    period: PeriodOption = Period.month,
    activities: ActivitiesPctOption = None,
    paths: PathsPctOption = None,
    handover_level: HandoverLevelOption = HandoverLevel.auto,
    min_group: MinGroupOption = 5,
    candidates_config: CandidatesConfigOption = None,
    by: ByOption = None,
    project: ProjectOption = None,
    join_key: JoinKeyOption = None,
    key_prefix: KeyPrefixOption = None,
    clock_offset: ClockOffsetOption = None,
    engine: EngineOption = EngineName.local,
    scheduler: SchedulerOption = None,
    partitions: PartitionsOption = None,
    lang: LangOption = Lang.sv,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    *,
    inputs: InputArgs,
) -> None:
    """Analyse LOG and write every report into --out: the main job.

    Writes summary.json, bottlenecks.xlsx (+ chart PNGs), report.html, process_map.svg/.png (frequency),
    process_map_performance.svg/.png (waiting), handovers.graphml/.gexf, handover_map.svg/.png and rejects.csv.

    Example: processmining analyze event_logs/demo.csv --profile demo --out reports/demo
    --clock-stop "Komplettering begärd=>Komplettering inkommen" --target-days 40
    """
    sources = dict(project=project, join_key=join_key, key_prefix=key_prefix, clock_offset=clock_offset)
    _run(log_paths or [], out_dir, sources=sources, lang=lang, excel=True, html=True, maps=True, as_json=as_json,
         quiet=quiet,
         open_args=inputs,
         option_args=dict(calendar=calendar, hours=hours, clock_stop=clock_stop, target_days=target_days,
                          targets_file=targets_file, end_activity=end_activity, top=top, period=period,
                          activities=activities, paths=paths, handover_level=handover_level, min_group=min_group,
                          candidates_config=candidates_config, by=by, engine=engine, scheduler=scheduler,
                          partitions=partitions))


@app.command()
@input_options()
def report(
    out_dir: OutOption,
    log_paths: LogPaths = None,
    excel_only: Annotated[bool, typer.Option("--excel-only", help="Write bottlenecks.xlsx (and summary.json) "
                                             "only.")] = False,
    html_only: Annotated[bool, typer.Option("--html-only", help="Write report.html (and summary.json) only.")]
    = False,
    calendar: CalendarOption = CalendarKind.se,
    hours: HoursOption = "08-17",
    clock_stop: ClockStopOption = None,
    target_days: TargetDaysOption = None,
    targets_file: TargetsFileOption = None,
    end_activity: EndActivityOption = None,
    top: TopOption = 10,
    period: PeriodOption = Period.month,
    activities: ActivitiesPctOption = None,
    paths: PathsPctOption = None,
    handover_level: HandoverLevelOption = HandoverLevel.auto,
    min_group: MinGroupOption = 5,
    candidates_config: CandidatesConfigOption = None,
    by: ByOption = None,
    project: ProjectOption = None,
    join_key: JoinKeyOption = None,
    key_prefix: KeyPrefixOption = None,
    clock_offset: ClockOffsetOption = None,
    engine: EngineOption = EngineName.local,
    scheduler: SchedulerOption = None,
    partitions: PartitionsOption = None,
    lang: LangOption = Lang.sv,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    *,
    inputs: InputArgs,
) -> None:
    """Write the auditors' workbook and the process owners' page for LOG (same figures as analyze).

    Example: processmining report event_logs/demo.csv --profile demo --out reports/demo --lang en --excel-only
    """
    if excel_only and html_only:
        err.print("error: --excel-only and --html-only exclude each other; pass one of them or neither",
                  markup=False)
        raise typer.Exit(2)
    sources = dict(project=project, join_key=join_key, key_prefix=key_prefix, clock_offset=clock_offset)
    _run(log_paths or [], out_dir, sources=sources, lang=lang, excel=not html_only, html=not excel_only, maps=True,
         as_json=as_json, quiet=quiet,
         open_args=inputs,
         option_args=dict(calendar=calendar, hours=hours, clock_stop=clock_stop, target_days=target_days,
                          targets_file=targets_file, end_activity=end_activity, top=top, period=period,
                          activities=activities, paths=paths, handover_level=handover_level, min_group=min_group,
                          candidates_config=candidates_config, by=by, engine=engine, scheduler=scheduler,
                          partitions=partitions))
