"""``processmining perspectives``: the same log per region, programme or unit, and where a group waits longer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

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
    input_options,
    open_log,
)

if TYPE_CHECKING:
    from ..analyses.perspectives import PerspectiveResult

ANALYSIS_PANEL = "Analysis options"


@app.command()
@input_options()
def perspectives(
    log_path: LogPath,
    by: Annotated[str, typer.Option("--by", metavar="ATTRIBUTE", help="Attribute to compare by: a case attribute "
                                    "(case:region, or just region), org:group (or unit) or org:resource.",
                                    rich_help_panel=ANALYSIS_PANEL, show_default=False)],
    top: Annotated[int, typer.Option("--top", min=1, metavar="N", help="Bottlenecks shown per group.",
                                     rich_help_panel=ANALYSIS_PANEL)] = 5,
    min_cases: Annotated[int, typer.Option("--min-cases", min=1, metavar="N", help="Leave out groups with fewer "
                                           "cases (they are named).", rich_help_panel=ANALYSIS_PANEL)] = 5,
    min_ratio: Annotated[float, typer.Option("--min-ratio", min=1.0, metavar="X", help="A difference needs the "
                                             "group's median wait X times the others'.",
                                             rich_help_panel=ANALYSIS_PANEL)] = 1.5,
    min_difference: Annotated[float, typer.Option("--min-difference", min=0.0, metavar="DAYS",
                                                  help="... and at least DAYS working days more.",
                                                  rich_help_panel=ANALYSIS_PANEL)] = 0.5,
    calendar: CalendarOption = CalendarKind.se,
    hours: HoursOption = "08-17",
    lang: LangOption = Lang.sv,
    json_output: JsonOption = False,
    out_dir: Annotated[Path | None, typer.Option("--out", metavar="DIR", file_okay=False,
                       help="Also write perspective_groups.csv, perspective_edges.csv and "
                            "perspective_differences.csv here.", show_default=False)] = None,
    *,
    inputs: InputArgs,
) -> None:
    """Compare the log per value of an attribute: figures and bottlenecks per group, and where one waits longer.

    Per group: cases, events, throughput (median and p90, working days), its worst waits. Then the edges
    where a group's median wait is much larger than everyone else's (ratio, working days more,
    one-sided Mann-Whitney p <= 0.01), in words. Groups with fewer than --min-cases cases are left out
    and named.

    Example: processmining perspectives event_logs/demo.csv --profile demo --by region
    """
    from ..analyses.perspectives import compare_groups
    from ..calendar import get_calendar

    with library_errors():
        cal = get_calendar(calendar.value, hours)
        log = open_log(log_path, **inputs)
        result = compare_groups(log, by, calendar=cal, top=top, min_cases=min_cases, min_ratio=min_ratio,
                                min_difference=min_difference)
        written = _write_tables(result, out_dir) if out_dir is not None else []
    show_result(result.to_summary() if json_output else None, written, out_dir,
                human=lambda: _print(result, log_path, lang.value))


def _write_tables(result: PerspectiveResult, directory: Path) -> list[Path]:
    from ..errors import ConfigError
    from ..render.tables import write_perspective_csvs

    try:
        return write_perspective_csvs(result, directory)
    except OSError as exc:
        raise ConfigError(f"{directory}: cannot write ({exc.strerror or exc}); pass --out a writable folder") from exc


def _print(result: PerspectiveResult, log_path: Path, lang: str) -> None:
    from rich.table import Table

    from ..formatting import fmt_number, fmt_share

    sv = lang == "sv"
    unit = ("arbetsdagar" if sv else "working days") if result.calendar.kind == "se" else \
        ("kalenderdagar" if sv else "calendar days")
    title = (f"{log_path.name} per {result.attribute} (genomloppstid i {unit})" if sv
             else f"{log_path.name} by {result.attribute} (throughput in {unit})")
    table = Table(title=title, title_justify="left")
    heads = (["Grupp", "Ärenden", "Andel", "Median", "P90", "Största väntan"] if sv
             else ["Group", "Cases", "Share", "Median", "P90", "Largest wait"])
    for i, head in enumerate(heads):
        table.add_column(head, justify="left" if i in (0, 5) else "right", overflow="fold")
    worst = result.bottlenecks[result.bottlenecks["rank"] == 1].set_index("group")
    for row in result.groups.itertuples(index=False):
        top = (f"{worst.at[row.group, 'source']} → {worst.at[row.group, 'target']} "
               f"({fmt_number(float(worst.at[row.group, 'median_wait_workdays']), lang, 1)})"
               if row.group in worst.index else "-")
        table.add_row(str(row.group), fmt_number(int(row.cases), lang, 0), fmt_share(float(row.share_of_cases), lang),
                      fmt_number(float(row.median_throughput_workdays), lang, 1),
                      fmt_number(float(row.p90_throughput_workdays), lang, 1), top)
    out.print(table)
    sentences = result.describe(lang)
    if sentences:
        out.print("Skillnader:" if sv else "Differences:", markup=False)
        for sentence in sentences:
            out.print(f"• {sentence}", markup=False, soft_wrap=True)
    else:
        out.print(("Ingen grupp väntar påtagligt längre än övriga på någon övergång." if sv
                   else "No group waits markedly longer than the others on any edge."), markup=False)
    out.print(result.calendar.describe(lang) + ".", markup=False, soft_wrap=True)
    for note in result.notes:
        out.print(f"{'Obs' if sv else 'Note'}: {note}", markup=False, soft_wrap=True)
