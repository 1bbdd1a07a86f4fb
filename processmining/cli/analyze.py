"""``processmining analyze`` (every analysis, every report) and ``processmining report`` (the workbook and
the page only): thin clients over :mod:`processmining.pipeline`."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ._app import app, err, library_errors, out
from ._options import (
    ActivityOption,
    CaseOption,
    DayfirstOption,
    DropDuplicatesOption,
    LogPath,
    MergeLabelsOption,
    ProfileOption,
    PseudonymiseOption,
    ResourceOption,
    SheetOption,
    StartOption,
    StrictOption,
    TimestampOption,
    UnitOption,
    open_log,
)

PANEL = "Analysis options"


class CalendarKind(StrEnum):
    """Working calendar for durations in working days."""

    se = "se"
    none = "none"


class Period(StrEnum):
    """Length of a period in the trends."""

    month = "month"
    quarter = "quarter"


class Lang(StrEnum):
    """Language of the reports."""

    sv = "sv"
    en = "en"


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
    help="Map: keep the most frequent paths covering PCT % of transitions (the map stays connected).")]
HandoverLevelOption = Annotated[HandoverLevel, typer.Option(
    "--handover-level", rich_help_panel=PANEL,
    help="Handover graph between units (org:group) or case officers; auto: units where the log has them.")]
MinGroupOption = Annotated[int, typer.Option("--min-group", min=1, metavar="K", rich_help_panel=PANEL,
                                             help="Leave out every handover figure about fewer than K cases.")]
CandidatesConfigOption = Annotated[Path | None, typer.Option(
    "--candidates-config", metavar="FILE", rich_help_panel=PANEL, show_default=False,
    help="TOML with the automation score's weights and assumptions (see `processmining candidates --help`).")]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of the reports: sv or en.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print summary.json on stdout.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors (and --json).")]


def _options(*, calendar: CalendarKind, hours: str, clock_stop: list[str] | None, target_days: float | None,
             targets_file: Path | None, end_activity: list[str] | None, top: int, period: Period,
             activities: float | None, paths: float | None, handover_level: HandoverLevel, min_group: int,
             candidates_config: Path | None) -> Any:
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
                           candidates_config=candidates_config)


def _run(log_path: Path, out_dir: Path, *, open_args: dict[str, Any], option_args: dict[str, Any], lang: Lang,
         excel: bool, html: bool, maps: bool, as_json: bool, quiet: bool) -> None:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ..pipeline import analyze_log, summary_of, write_reports

    show = not quiet and err.is_terminal
    with library_errors(), Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                    console=err, transient=True, disable=not show) as bar:
        task = bar.add_task(f"reading {log_path.name}", total=None)

        def progress(stage: str) -> None:
            bar.update(task, description=stage)

        options = _options(**option_args)
        log = open_log(log_path, **open_args)
        analysis = analyze_log(log, options, progress=progress)
        summary = summary_of(analysis)
        written = write_reports(analysis, out_dir, lang=lang.value, excel=excel, html=html, maps=maps,
                                summary=summary, progress=progress)
    if as_json:
        summary["files"] = [str(p) for p in written]
        typer.echo(json.dumps(summary, ensure_ascii=False, allow_nan=False))
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
    ranked = [c for c in summary["automation_candidates"] if c["status"] == "ranked"][:1]
    for c in ranked:
        say((f"Automatisera först: {c['activity']} (poäng {n(c['score'], 2)}, cirka {n(c['hours_saved_per_year'], 0)} "
             "timmar per år)." if sv else
             f"Automate first: {c['activity']} (score {n(c['score'], 2)}, about {n(c['hours_saved_per_year'], 0)} "
             "hours a year)."), markup=False, soft_wrap=True)


@app.command()
def analyze(
    log_path: LogPath,
    out_dir: OutOption,
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
    lang: LangOption = Lang.sv,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    profile: ProfileOption = None,
    case: CaseOption = None,
    activity: ActivityOption = None,
    timestamp: TimestampOption = None,
    start: StartOption = None,
    resource: ResourceOption = None,
    unit: UnitOption = None,
    sheet: SheetOption = None,
    dayfirst: DayfirstOption = None,
    strict: StrictOption = False,
    pseudonymise: PseudonymiseOption = True,
    merge_labels: MergeLabelsOption = False,
    drop_duplicates: DropDuplicatesOption = False,
) -> None:
    """Analyse LOG and write every report into --out: the main job.

    Writes summary.json, bottlenecks.xlsx (+ chart PNGs), report.html, process_map.svg/.png (frequency),
    process_map_performance.svg/.png (waiting), handovers.graphml/.gexf, handover_map.svg/.png and rejects.csv.

    Example: processmining analyze event_logs/demo.csv --profile demo --out reports/demo
    --clock-stop "Komplettering begärd=>Komplettering inkommen" --target-days 40
    """
    _run(log_path, out_dir, lang=lang, excel=True, html=True, maps=True, as_json=as_json, quiet=quiet,
         open_args=dict(profile=profile, case=case, activity=activity, timestamp=timestamp, start=start,
                        resource=resource, unit=unit, sheet=sheet, dayfirst=dayfirst, strict=strict,
                        pseudonymise=pseudonymise, merge_labels=merge_labels, drop_duplicates=drop_duplicates),
         option_args=dict(calendar=calendar, hours=hours, clock_stop=clock_stop, target_days=target_days,
                          targets_file=targets_file, end_activity=end_activity, top=top, period=period,
                          activities=activities, paths=paths, handover_level=handover_level, min_group=min_group,
                          candidates_config=candidates_config))


@app.command()
def report(
    log_path: LogPath,
    out_dir: OutOption,
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
    lang: LangOption = Lang.sv,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    profile: ProfileOption = None,
    case: CaseOption = None,
    activity: ActivityOption = None,
    timestamp: TimestampOption = None,
    start: StartOption = None,
    resource: ResourceOption = None,
    unit: UnitOption = None,
    sheet: SheetOption = None,
    dayfirst: DayfirstOption = None,
    strict: StrictOption = False,
    pseudonymise: PseudonymiseOption = True,
    merge_labels: MergeLabelsOption = False,
    drop_duplicates: DropDuplicatesOption = False,
) -> None:
    """Write the auditors' workbook and the process owners' page for LOG (same figures as analyze).

    Example: processmining report event_logs/demo.csv --profile demo --out reports/demo --lang en --excel-only
    """
    if excel_only and html_only:
        err.print("error: --excel-only and --html-only exclude each other; pass one of them or neither",
                  markup=False)
        raise typer.Exit(2)
    _run(log_path, out_dir, lang=lang, excel=not html_only, html=not excel_only, maps=True, as_json=as_json,
         quiet=quiet,
         open_args=dict(profile=profile, case=case, activity=activity, timestamp=timestamp, start=start,
                        resource=resource, unit=unit, sheet=sheet, dayfirst=dayfirst, strict=strict,
                        pseudonymise=pseudonymise, merge_labels=merge_labels, drop_duplicates=drop_duplicates),
         option_args=dict(calendar=calendar, hours=hours, clock_stop=clock_stop, target_days=target_days,
                          targets_file=targets_file, end_activity=end_activity, top=top, period=period,
                          activities=activities, paths=paths, handover_level=handover_level, min_group=min_group,
                          candidates_config=candidates_config))
