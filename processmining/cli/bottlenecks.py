"""``processmining bottlenecks``: where cases wait, whose wait it is, targets, rework and trends."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..formatting import fmt_figure
from ._app import app, library_errors, out, show_result
from ._options import (
    CalendarKind,
    CalendarOption,
    HoursOption,
    InputArgs,
    JsonOption,
    Lang,
    LangOption,
    LogPath,
    Period,
    input_options,
    open_log,
)

if TYPE_CHECKING:
    from ..analyses.bottlenecks import BottleneckReport

ANALYSIS_PANEL = "Analysis options"


class TargetUnit(StrEnum):
    """Unit of --target-days."""

    workdays = "workdays"
    days = "days"


@app.command()
@input_options()
def bottlenecks(
    log_path: LogPath,
    calendar: CalendarOption = CalendarKind.se,
    hours: HoursOption = "08-17",
    target_days: Annotated[float | None, typer.Option("--target-days", metavar="N", min=0.001,
                           help="Handling-time target for every case (working days unless --target-unit days); "
                                "measured on agency time when clock stops are given.",
                           rich_help_panel=ANALYSIS_PANEL, show_default=False)] = None,
    target_unit: Annotated[TargetUnit, typer.Option("--target-unit", help="Unit of --target-days.",
                                                    rich_help_panel=ANALYSIS_PANEL)] = TargetUnit.workdays,
    targets_file: Annotated[Path | None, typer.Option("--targets", metavar="FILE",
                            help="TOML config: [targets] attribute = \"case:program\", unit, default and one "
                                 "value = days per programme; optional [bottlenecks] clock_stops = [\"A=>B\"], "
                                 "end_activities = [...].", rich_help_panel=ANALYSIS_PANEL, show_default=False)]
    = None,
    clock_stop: Annotated[list[str] | None, typer.Option("--clock-stop", metavar="\"A=>B\"",
                          help="Waiting from A to the next B is the applicant's (repeatable), e.g. "
                               "\"Komplettering begärd=>Komplettering inkommen\".", rich_help_panel=ANALYSIS_PANEL,
                          show_default=False)] = None,
    end_activity: Annotated[list[str] | None, typer.Option("--end-activity", metavar="ACTIVITY",
                            help="Activity that closes a case (repeatable; default \"Ärende avslutat\" where the "
                                 "log has it, else every case counts as closed).", rich_help_panel=ANALYSIS_PANEL,
                            show_default=False)] = None,
    top: Annotated[int, typer.Option("--top", min=1, metavar="N", help="How many bottlenecks to show.",
                                     rich_help_panel=ANALYSIS_PANEL)] = 10,
    period: Annotated[Period, typer.Option("--period", help="Trends per month or quarter.",
                                           rich_help_panel=ANALYSIS_PANEL)] = Period.month,
    lang: LangOption = Lang.sv,
    json_output: JsonOption = False,
    out_dir: Annotated[Path | None, typer.Option("--out", metavar="DIR", file_okay=False,
                       help="Also write bottlenecks.csv, activities.csv, cases.csv, wip.csv, trends.csv, "
                            "rework.csv, pingpong.csv and bottlenecks_definitions.txt here.", show_default=False)]
    = None,
    *,
    inputs: InputArgs,
) -> None:
    """Rank where cases wait (Swedish working days by default) and say whose wait it is.

    Score of an edge: the sum over its occurrences of max(0, wait - the log's median wait).

    Prints the top N in a table and in words, then throughput and work in progress.

    Agency time leaves out the applicant's time between --clock-stop pairs; targets are measured on it.

    Also: target breaches, open cases' time left, rework and ping-pong. --out writes CSV files for Excel.

    Example: processmining bottlenecks event_logs/demo.csv --profile demo --clock-stop
    "Komplettering begärd=>Komplettering inkommen" --target-days 40 --out reports/demo
    """
    from ..analyses.bottlenecks import analyze_bottlenecks
    from ..analyses.sla import BottleneckSettings, Targets, parse_clock_stops
    from ..calendar import get_calendar
    from ..config import load_settings
    from ..render.tables import write_bottleneck_csvs

    with library_errors():
        cal = get_calendar(calendar.value, hours)
        settings = load_settings(targets_file) if targets_file is not None else BottleneckSettings()
        stops = parse_clock_stops([*settings.clock_stops, *(clock_stop or [])])
        targets = settings.targets
        if target_days is not None:
            if targets is None:
                targets = Targets(days=target_days, working_days=target_unit is TargetUnit.workdays)
            else:  # --target-days is the target for cases whose value the file does not list
                targets = Targets(days=target_days, attribute=targets.attribute, values=targets.values,
                                  working_days=targets.working_days, source=targets.source)
        ends = tuple(end_activity) if end_activity else settings.end_activities
        log = open_log(log_path, **inputs)
        report = analyze_bottlenecks(log, calendar=cal, clock_stops=stops, targets=targets, end_activities=ends,
                                     top=top, period=period.value)
        written = write_bottleneck_csvs(report, out_dir) if out_dir is not None else []

    show_result(report.to_summary() if json_output else None, written, out_dir,
                human=lambda: _print_report(report, log_path, lang.value))


def _print_report(report: BottleneckReport, log_path: Path, lang: str) -> None:
    """The top edges as a table and in words, then throughput, attribution, targets, rework (stdout)."""
    from rich.table import Table

    from ..formatting import fmt_share

    sv = lang == "sv"
    say = out.print
    unit = ("arbetsdagar" if sv else "working days") if report.calendar.kind == "se" else \
        ("kalenderdagar" if sv else "calendar days")
    title = (f"Flaskhalsar i {log_path.name} (väntan i {unit})" if sv
             else f"Bottlenecks in {log_path.name} (waiting in {unit})")
    table = Table(title=title, title_justify="left")
    stops = bool(report.attribution.clock_stops)
    heads = (["#", "Övergång", "Ärenden", "Median", "P90", "Andel"] + (["Sökande"] if stops else []) + ["Poäng"]
             if sv else ["#", "Edge", "Cases", "Median", "P90", "Share"] + (["Applicant"] if stops else []) + ["Score"])
    for i, head in enumerate(heads):
        if i == 1:
            table.add_column(head, overflow="fold", min_width=16)
        else:
            table.add_column(head, justify="right", no_wrap=True)
    table.caption = (("Andel: av all väntan." + (" Sökande: andel av övergångens väntan som är sökandens." if stops
                                                 else "")) if sv else
                     ("Share: of all waiting." + (" Applicant: the applicant's share of the edge's waiting." if stops
                                                  else "")))
    top_edges = report.top_edges()
    for r in top_edges.itertuples(index=False):
        share = float(r.share_of_waiting) if r.share_of_waiting == r.share_of_waiting else 0.0
        cells = [str(r.rank), f"{r.source} → {r.target}", fmt_figure(r.cases, lang, 0),
                 fmt_figure(r.median_wait_workdays, lang), fmt_figure(r.p90_wait_workdays, lang),
                 fmt_share(share, lang)]
        if stops:
            cells.append(fmt_share(float(r.applicant_share), lang))
        table.add_row(*cells, fmt_figure(r.score, lang, 0))
    say(table)
    if not len(top_edges):
        say("Ingen övergång väntar längre än den typiska väntan." if sv
            else "No edge waits longer than the typical wait.", markup=False)
    for sentence in report.describe(lang):
        say(f"• {sentence}", markup=False, soft_wrap=True)
    summary = report.to_summary()
    acts = report.describe_activities(lang, 3)
    if acts:
        say("Aktiviteter:" if sv else "Activities:", markup=False)
        for sentence in acts:
            say(f"  {sentence}", markup=False, soft_wrap=True)
    say(report.calendar.describe(lang) + ".", markup=False, soft_wrap=True)
    base = fmt_figure(summary["score"]["baseline_wait"], lang, 2)
    say((f"Poäng = summan av väntan utöver den typiska väntan ({base} {unit}, median av alla övergångar)."
         if sv else f"Score = the sum of waiting beyond the typical wait ({base} {unit}, the median of all "
         "transitions)."), markup=False, soft_wrap=True)
    tp, tpw = summary["throughput_days"], summary["throughput_workdays"]
    say((f"Genomloppstid: median {fmt_figure(tpw['median'], lang)} {unit} "
         f"({fmt_figure(tp['median'], lang)} kalenderdagar), "
         f"90 % inom {fmt_figure(tpw['p90'], lang)}; {fmt_figure(summary['closed_cases'], lang, 0)} avslutade, "
         f"{fmt_figure(summary['open_cases'], lang, 0)} öppna."
         if sv else
         f"Throughput: median {fmt_figure(tpw['median'], lang)} {unit} "
         f"({fmt_figure(tp['median'], lang)} calendar days), "
         f"90% within {fmt_figure(tpw['p90'], lang)}; {fmt_figure(summary['closed_cases'], lang, 0)} closed, "
         f"{fmt_figure(summary['open_cases'], lang, 0)} open."),
        markup=False, soft_wrap=True)
    attribution = report.attribution
    say(attribution.describe(lang), markup=False, soft_wrap=True)
    if attribution.clock_stops:
        a = summary["attribution"]
        say((f"Handläggningstid: median {fmt_figure(a['agency_workdays']['median'], lang)} {unit}; sökandens andel av "
             f"genomloppstiden {fmt_share(a['applicant_share_of_throughput'] or 0.0, lang)}."
             if sv else
             f"Agency time: median {fmt_figure(a['agency_workdays']['median'], lang)} {unit}; the applicant's share of "
             f"throughput {fmt_share(a['applicant_share_of_throughput'] or 0.0, lang)}."),
            markup=False, soft_wrap=True)
    if report.sla is not None:
        say(report.sla.describe(lang), markup=False, soft_wrap=True)
        t_unit = ("arbetsdagar" if sv else "working days") if report.sla.targets.working_days else \
            ("kalenderdagar" if sv else "calendar days")
        for case_id, row in report.sla.breaching.head(5).iterrows():
            say((f"  {case_id}: {fmt_figure(row['late_by'], lang)} {t_unit} för sent" if sv
                 else f"  {case_id}: {fmt_figure(row['late_by'], lang)} {t_unit} late"), markup=False, soft_wrap=True)
    rw = summary["rework"]
    if rw["activities"]:
        first = rw["activities"][0]
        say((f"Omarbete: {rw['cases_with_rework']} ärenden har en upprepad aktivitet; mest {first['activity']} "
             f"({first['repeats']} gånger, {first['other_resource']} av en annan handläggare)." if sv else
             f"Rework: {rw['cases_with_rework']} cases repeat an activity; most often {first['activity']} "
             f"({first['repeats']} times, {first['other_resource']} by another case officer)."),
            markup=False, soft_wrap=True)
    for pp in rw["pingpong_units"][:3]:
        loop = f"{pp['from']} → {pp['via']} → {pp['from']}"
        say((f"  Pingpong {loop}: {pp['occurrences']} gånger i {pp['cases']} ärenden" if sv
             else f"  Ping-pong {loop}: {pp['occurrences']} times in {pp['cases']} cases"),
            markup=False, soft_wrap=True)
    for note in report.notes:
        say(f"{'Obs' if sv else 'Note'}: {note}", markup=False, soft_wrap=True)
