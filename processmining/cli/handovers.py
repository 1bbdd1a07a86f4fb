"""``processmining handovers``: handover graph between units or case officers, with exports and a map."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..formatting import fmt_figure
from ._app import app, err, library_errors, out, show_result
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
    from ..analyses.handovers import HandoverAnalysis, HandoverComparison


class HandoverLevel(StrEnum):
    """Whose handovers: organisational units (org:group) or case officers (org:resource)."""

    unit = "unit"
    resource = "resource"


PANEL = "Handover options"


@app.command()
@input_options()
def handovers(
    log_path: LogPath,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the files into (created if missing).",
                                          file_okay=False, show_default=False)],
    level: Annotated[HandoverLevel, typer.Option("--level", help="unit (org:group) or resource (org:resource).",
                                                 rich_help_panel=PANEL)] = HandoverLevel.unit,
    compare_before: Annotated[
        dt.datetime | None,
        typer.Option("--compare-before", metavar="DATE", formats=["%Y-%m-%d"], show_default=False,
                     rich_help_panel=PANEL,
                     help="Also compare cases that started before DATE (YYYY-MM-DD) with those that started "
                          "on or after it: writes handover_comparison.csv."),
    ] = None,
    min_group: Annotated[int, typer.Option("--min-group", min=1, metavar="K", rich_help_panel=PANEL,
                                           help="Leave out every node, edge and row about fewer than K cases.")] = 5,
    show_names: Annotated[bool, typer.Option("--show-names", rich_help_panel=PANEL,
                                             help="Allow resource level on a log read with --no-pseudonymise "
                                                  "(case officers' real ids end up in the files).")] = False,
    calendar: CalendarOption = CalendarKind.se,
    hours: HoursOption = "08-17",
    lang: LangOption = Lang.sv,
    as_json: JsonOption = False,
    *,
    inputs: InputArgs,
) -> None:
    """Who hands cases to whom: handovers between units (or case officers), hubs, ping-pong and delays.

    A handover is two consecutive events of a case done by different units; its delay is the waiting time.

    Writes into --out: handovers.graphml/.gexf (Gephi, yEd), handover_map.svg/.png, handover_edges/_nodes.csv.

    The CSV files suit Swedish Excel (UTF-8, ';', decimal comma); --compare-before adds handover_comparison.csv.

    Nothing about fewer than --min-group cases is written or printed; resource level needs pseudonymised ids.

    Example: processmining handovers event_logs/demo.csv --profile demo --out reports/demo --compare-before 2025-01-01
    """
    from ..analyses.handovers import compare_periods, handover_graph
    from ..calendar import get_calendar
    from ..render.handover_map import write_handover_files

    with library_errors():
        cal = get_calendar(calendar.value, hours)
        log = open_log(log_path, **inputs)
        if show_names and level is HandoverLevel.resource and not log.source.pseudonymised:
            err.print("warning: --show-names: the files show case officers' real ids; treat them as personal "
                      "data", markup=False, soft_wrap=True)
        analysis = handover_graph(log, level=level.value, calendar=cal, min_group=min_group,
                                  allow_names=show_names)
        comparison = None
        if compare_before is not None:
            comparison = compare_periods(log, before=compare_before.date(), level=level.value, calendar=cal,
                                         min_group=min_group, allow_names=show_names)
        what = {"unit": {"sv": "enheter", "en": "units"}, "resource": {"sv": "handläggare", "en": "case officers"}}
        word = "överlämningar mellan" if lang is Lang.sv else "handovers between"
        title = f"{Path(log.source.path).name}: {word} {what[level.value][lang.value]}"
        written = write_handover_files(analysis, out_dir, title=title, comparison=comparison, lang=lang.value)

    if as_json:
        payload: dict[str, Any] = {"handovers": analysis.to_summary()}
        if comparison is not None:
            payload["comparison"] = comparison.to_summary()
    show_result(payload if as_json else None, written, out_dir,
                human=lambda: _print_report(analysis, comparison, log_path))


def _en(value: Any, decimals: int = 1) -> str:
    """The report's numbers: English (the handovers report is printed in English), "-" where left out."""
    return fmt_figure(value, "en", decimals)


def _print_report(a: HandoverAnalysis, cmp: HandoverComparison | None, log_path: Path) -> None:
    """Hubs, top edges, ping-pong and waiting time, in words (stdout)."""
    c = a.counts
    who = "units" if a.level == "unit" else "case officers"
    say = out.print
    say(f"Handovers between {who} in {log_path.name}: {a.graph.number_of_nodes()} {who}, "
        f"{a.graph.number_of_edges()} edges, {c['handovers']:,} handovers in {c['cases']:,} cases "
        f"({c['cases_with_handover']:,} with at least one; median {_en(c['handovers_per_case_median'])}, "
        f"mean {_en(c['handovers_per_case_mean'])} per case).", markup=False, soft_wrap=True)
    say(f"Working time: {a.calendar.describe('en')}.", markup=False, soft_wrap=True)
    if len(a.nodes):
        say("Hubs (PageRank by handovers; betweenness by 1/handovers):", markup=False)
        for r in a.hubs.head(5).itertuples():
            say(f"  {r.node}: PageRank {r.pagerank:.3f}, betweenness {r.betweenness:.3f}, received "
                f"{r.handovers_in:,}, handed on {r.handovers_out:,}, {r.received_share:.0%} of its work from "
                f"others, community {r.community}", markup=False, soft_wrap=True)
    if len(a.edges):
        say("Most frequent handovers (median waiting time, working days / calendar days):", markup=False)
        for r in a.edges.head(10).itertuples():
            say(f"  {r.source} -> {r.target}: {r.handovers:,} in {r.cases:,} cases, median "
                f"{_en(r.median_delay_workdays, 2)} wd / {_en(r.median_delay_days, 2)} d", markup=False, soft_wrap=True)
    say(f"Ping-pong (A -> B -> A in three consecutive events): {c['pingpongs']:,} in "
        f"{c['cases_with_pingpong']:,} cases.", markup=False, soft_wrap=True)
    for r in a.pingpong.head(5).itertuples():
        say(f"  {r.source} -> {r.target} -> {r.source}: {r.pingpongs:,} in {r.cases:,} cases", markup=False,
            soft_wrap=True)
    labels = {"handover": "at a handover", "within": "within one " + ("unit" if a.level == "unit" else "officer"),
              "unknown": "to or from an event without " + ("unit" if a.level == "unit" else "resource")}
    for r in a.waiting.itertuples():
        say(f"Waiting {labels[r.kind]}: median {_en(r.median_wait_workdays, 2)} working days "
            f"({_en(r.median_wait_days, 2)} calendar days), mean {_en(r.mean_wait_workdays, 2)} "
            f"({_en(r.mean_wait_days, 2)}) over {r.transitions:,} steps", markup=False, soft_wrap=True)
    for note in a.notes:
        say(f"Note: {note}", markup=False, soft_wrap=True)
    if cmp is not None:
        s = cmp.edges["status"].value_counts()
        say(f"Before/after {cmp.before_date.isoformat()} (by case start): {cmp.cases_before:,} / "
            f"{cmp.cases_after:,} cases; handovers per case {_en(cmp.before.counts['handovers_per_case_mean'], 2)}"
            f" -> {_en(cmp.after.counts['handovers_per_case_mean'], 2)}; edges grew {s.get('grew', 0)}, shrank "
            f"{s.get('shrank', 0)}, appeared {s.get('appeared', 0)}, vanished {s.get('vanished', 0)}.",
            markup=False, soft_wrap=True)
        for r in cmp.edges.head(5).itertuples():
            say(f"  {r.source} -> {r.target}: {r.status}, {_en(r.per100_before)} -> {_en(r.per100_after)} "
                "per 100 cases", markup=False, soft_wrap=True)
        for note in cmp.notes:
            say(f"Note: {note}", markup=False, soft_wrap=True)
