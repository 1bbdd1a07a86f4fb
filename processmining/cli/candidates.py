"""``processmining candidates`` (which steps to automate) and ``processmining effect`` (did it work)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..textsafe import json_text
from ._app import app, err, library_errors, out
from ._options import (
    CalendarKind,
    InputArgs,
    Lang,
    LogPath,
    input_options,
    open_log,
)

if TYPE_CHECKING:
    from ..analyses.candidates import CandidateReport
    from ..analyses.effect import EffectReport

ANALYSIS_PANEL = "Analysis options"


CalendarOption = Annotated[
    CalendarKind,
    typer.Option("--calendar", help="se: Swedish working days (weekends and public holidays off); none: 24-hour "
                 "calendar days.", rich_help_panel=ANALYSIS_PANEL),
]
HoursOption = Annotated[
    str, typer.Option("--hours", help="Working hours, e.g. 08-17 or 8:30-16:30.", rich_help_panel=ANALYSIS_PANEL)
]
LangOption = Annotated[
    Lang, typer.Option("--lang", help="Language of the printed report: sv or en.", rich_help_panel=ANALYSIS_PANEL)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout (nothing else).")]


@app.command()
@input_options()
def candidates(
    log_path: LogPath,
    config: Annotated[Path | None, typer.Option("--config", metavar="FILE", help="TOML with weights and "
                      "assumptions; keys left out keep the defaults (processmining/data/candidates.toml).",
                      rich_help_panel=ANALYSIS_PANEL, show_default=False)] = None,
    top: Annotated[int, typer.Option("--top", min=1, metavar="N", help="How many ranked candidates to show.",
                                     rich_help_panel=ANALYSIS_PANEL)] = 10,
    needs_human: Annotated[list[str] | None, typer.Option("--needs-human", metavar="ACTIVITY",
                           help="An activity (or word in activity names) that needs a human decision, added to "
                                "the config's list (repeatable).", rich_help_panel=ANALYSIS_PANEL,
                           show_default=False)] = None,
    calendar: CalendarOption = CalendarKind.se,
    hours: HoursOption = "08-17",
    lang: LangOption = Lang.sv,
    json_output: JsonOption = False,
    *,
    inputs: InputArgs,
) -> None:
    """Rank the steps worth automating, with the evidence behind each score.

    Per activity: volume, share of cases, predictability of what comes before and after it, spread of its
    time, the queue before it, rework, the share done by system users, and hours saved per year under the
    stated assumptions. Steps that need a human decision (Bedömning, Beslut fattat, ... and --needs-human)
    are flagged and never ranked; steps already done by systems are listed apart. No resource names are
    printed.

    Example: processmining candidates event_logs/demo.csv --profile event_logs/profiles/demo.toml --top 5
    """
    from ..analyses.candidates import find_candidates, load_candidate_config
    from ..calendar import get_calendar

    with library_errors():
        cal = get_calendar(calendar.value, hours)
        cfg = load_candidate_config(config, needs_human=needs_human or ())
        log = open_log(log_path, **inputs)
        report = find_candidates(log, config=cfg, calendar=cal)

    for warning in report.warnings:
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    if json_output:
        typer.echo(json_text(json.dumps(report.to_summary(top=top), ensure_ascii=False, allow_nan=False)))
        return
    _print_candidates(report, log_path, top, lang.value)


def _dec(value: Any, lang: str, digits: int = 1) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "-"
    if number != number:
        return "-"
    text = f"{number:,.{digits}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "sv" else text


def _print_candidates(report: CandidateReport, log_path: Path, top: int, lang: str) -> None:
    from rich.table import Table

    sv = lang == "sv"
    say = out.print
    ranked = report.candidates[:top]
    table = Table(title=(f"Automatiseringskandidater i {log_path.name}" if sv
                         else f"Automation candidates in {log_path.name}"), title_justify="left")
    for i, head in enumerate(["#", "Aktivitet", "Poäng", "Timmar/år", "Varför"] if sv
                             else ["#", "Activity", "Score", "Hours/year", "Why"]):
        table.add_column(head, justify="right" if i in (0, 2, 3) else "left", overflow="fold")
    for c in ranked:
        table.add_row(str(c.rank), c.activity, _dec(c.score, lang, 2), _dec(c.hours_saved_per_year, lang, 0),
                      c.why_sv if sv else c.why)
    say(table)
    if not ranked:
        say("Inga aktiviteter kunde rangordnas." if sv else "No activity could be ranked.", markup=False)
    if len(report.candidates) > top:
        rest = len(report.candidates) - top
        say((f"… och {rest} till (--top)." if sv else f"… and {rest} more (--top)."), markup=False)

    if report.needs_human:
        flagged = Table(title=("Kräver mänskligt beslut (rangordnas inte)" if sv
                               else "Needs a human decision (not ranked)"), title_justify="left")
        for i, head in enumerate(["Aktivitet", "Poäng", "Varför inte"] if sv else ["Activity", "Score", "Why not"]):
            flagged.add_column(head, justify="right" if i == 1 else "left", overflow="fold")
        for c in report.needs_human:
            flagged.add_row(c.activity, _dec(c.score, lang, 2), c.reason_sv if sv else c.reason)
        say(flagged)
    if report.not_ranked:
        say("Rangordnas inte:" if sv else "Not ranked:", markup=False)
        for c in report.not_ranked:
            say(f"  {c.activity}: {c.reason_sv if sv else c.reason}", markup=False, soft_wrap=True)

    cfg = report.config
    a = report.assumptions
    say((f"Antaganden: timmar/år = händelser per år (loggen spänner {_dec(a['span_days'], lang, 0)} dagar) × "
         f"andel gjord av personal × minuter per händelse (median handläggningstid där starttider finns, annars "
         f"{_dec(cfg.default_minutes_per_event, lang, 0)} min) / 60 × automatiserbar andel "
         f"{_dec(cfg.automatable_share * 100, lang, 0)} %. Vikter och antaganden: {cfg.origin}."
         if sv else
         f"Assumptions: hours/year = events per year (the log spans {_dec(a['span_days'], lang, 0)} days) × share "
         f"done by staff × minutes per event (median service time where starts exist, else "
         f"{_dec(cfg.default_minutes_per_event, lang, 0)} min) / 60 × automatable share "
         f"{_dec(cfg.automatable_share * 100, lang, 0)}%. Weights and assumptions: {cfg.origin}."),
        markup=False, soft_wrap=True)
    say(a["calendar_sv"] + "." if sv else a["calendar"] + ".", markup=False, soft_wrap=True)


@app.command()
@input_options(activity="activity_column")
def effect(
    log_path: LogPath,
    step: Annotated[str, typer.Option("--activity", metavar="ACTIVITY", help="The automated step, as named in "
                    "the log.", show_default=False)],
    live_date: Annotated[datetime, typer.Option("--live-date", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
                         help="The day the automation went live; cases started on or after it are 'after'.",
                         show_default=False)],
    window_days: Annotated[int | None, typer.Option("--window-days", min=1, metavar="N",
                           help="Compare only cases started within N days before and after the live date.",
                           rich_help_panel=ANALYSIS_PANEL, show_default=False)] = None,
    calendar: CalendarOption = CalendarKind.se,
    hours: HoursOption = "08-17",
    lang: LangOption = Lang.sv,
    json_output: JsonOption = False,
    *,
    inputs: InputArgs,
) -> None:
    """Measure whether an automation shortened the cases: before/after its live date, with confidence intervals.

    Cases containing the step are split by their start. Compared: the waiting before and after the step and
    the throughput time, in working and calendar days: medians and means each side, the difference with a
    bootstrap 95 % interval and a Mann-Whitney p-value, and a verdict ("no clear change" when the interval
    holds 0). Here --activity names the step; the activity column is --activity-column.

    Example: processmining effect event_logs/demo.csv --profile event_logs/profiles/demo.toml
    --activity "Mottagningsbekräftelse skickad" --live-date 2025-03-01 --window-days 180
    """
    from ..analyses.effect import measure_effect
    from ..calendar import get_calendar

    with library_errors():
        cal = get_calendar(calendar.value, hours)
        log = open_log(log_path, **inputs)
        report = measure_effect(log, activity=step, live_date=live_date.date(), calendar=cal,
                                window_days=window_days)

    if json_output:
        typer.echo(json_text(json.dumps(report.to_summary(), ensure_ascii=False, allow_nan=False)))
        return
    _print_effect(report, lang.value)


def _print_effect(report: EffectReport, lang: str) -> None:
    from rich.table import Table

    sv = lang == "sv"
    say = out.print
    say(report.verdict_sv if sv else report.verdict_en, markup=False, soft_wrap=True)
    pct = f"{report.confidence * 100:g}"
    table = Table(title=("Före och efter (median, antal ärenden)" if sv else "Before and after (median, cases)"),
                  title_justify="left")
    heads = (["Mått", "Före", "Efter", f"Skillnad [{pct} % KI]", "p", "Slutsats"] if sv else
             ["Measure", "Before", "After", f"Difference [{pct}% CI]", "p", "Verdict"])
    for i, head in enumerate(heads):
        table.add_column(head, justify="left" if i in (0, 5) else "right", overflow="fold")
    names = ({"wait_before": "väntan före", "wait_after": "väntan efter", "throughput": "genomloppstid"} if sv
             else {"wait_before": "wait before", "wait_after": "wait after", "throughput": "throughput"})
    units = ({"workdays": "arbetsdagar", "days": "kalenderdagar"} if sv
             else {"workdays": "working days", "days": "calendar days"})
    changes = ({"shorter": "kortare", "longer": "längre", "no clear change": "ingen tydlig förändring",
                "too few cases": "för få ärenden"} if sv else {})
    for m in report.metrics:
        low, high = m.median_ci
        diff = _dec(m.median_diff, lang, 2)
        if low is not None:
            diff += f" [{_dec(low, lang, 2)}; {_dec(high, lang, 2)}]" if sv else \
                f" [{_dec(low, lang, 2)}, {_dec(high, lang, 2)}]"
        p = "-" if m.p_value is None else ("< 0,001" if sv else "< 0.001") if m.p_value < 0.001 \
            else _dec(m.p_value, lang, 3)
        table.add_row(f"{names[m.metric]}, {units[m.unit]}", f"{_dec(m.median_before, lang, 2)} ({m.n_before})",
                      f"{_dec(m.median_after, lang, 2)} ({m.n_after})", diff, p, changes.get(m.change, m.change))
    say(table)
    say(report.calendar_sv + "." if sv else report.calendar_en + ".", markup=False, soft_wrap=True)
    for note in report.notes_sv if sv else report.notes:
        say(f"{'Obs' if sv else 'Note'}: {note}", markup=False, soft_wrap=True)
