"""``processmining discover``: process maps, variants, a process model (BPMN, PNML) and conformance."""

from __future__ import annotations

import json
from enum import StrEnum
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
    from ..analyses.discovery import DirectlyFollowsGraph
    from ..analyses.models import ConformanceResult, ProcessModel
    from ..analyses.variants import VariantTable
    from ..log import EventLog


class MapMode(StrEnum):
    """What the process map shows on its paths."""

    frequency = "frequency"
    performance = "performance"


class Miner(StrEnum):
    """Process discovery algorithm."""

    inductive = "inductive"
    heuristics = "heuristics"


class Conformance(StrEnum):
    """Conformance checking method."""

    token = "token"
    alignments = "alignments"


MAP_PANEL = "Process map options"
MODEL_PANEL = "Model and conformance options"


@app.command()
@input_options()
def discover(
    log_path: LogPath,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the files into (created if missing).",
                                          file_okay=False, show_default=False)],
    mode: Annotated[MapMode, typer.Option("--mode", rich_help_panel=MAP_PANEL,
                                          help="What process_map.svg/.png shows: frequency (counts) or "
                                               "performance (median waiting times); the other view is written "
                                               "as process_map_<other>.svg/.png.")] = MapMode.frequency,
    activities: Annotated[float | None, typer.Option(
        "--activities", metavar="PCT", min=0.0, max=100.0, rich_help_panel=MAP_PANEL, show_default=False,
        help="Show the most frequent activities covering PCT % of the events (default: all, or the 35 most "
             "frequent when the log has more than 40); the model is mined on the same activities.")] = None,
    paths: Annotated[float | None, typer.Option(
        "--paths", metavar="PCT", min=0.0, max=100.0, rich_help_panel=MAP_PANEL, show_default=False,
        help="Show the most frequent paths covering PCT % of the transitions (default: at most 2 per activity). "
             "The map always stays connected from start to end.")] = None,
    top_variants: Annotated[int, typer.Option("--top-variants", metavar="N", min=1, rich_help_panel=MAP_PANEL,
                                              help="Rows in variants.csv (most frequent first).")] = 100,
    miner: Annotated[Miner, typer.Option("--miner", rich_help_panel=MODEL_PANEL,
                                         help="inductive (sound, every case fits at --noise 0) or heuristics.")]
    = Miner.inductive,
    noise: Annotated[float | None, typer.Option(
        "--noise", metavar="F", min=0.0, max=1.0, rich_help_panel=MODEL_PANEL, show_default=False,
        help="Leave out infrequent behaviour: the inductive miner's noise threshold (0 <= F < 1, default 0) or "
             "the heuristics miner's dependency threshold (default 0.5).")] = None,
    reference: Annotated[Path | None, typer.Option(
        "--reference", metavar="MODEL.bpmn", rich_help_panel=MODEL_PANEL, show_default=False, dir_okay=False,
        help="Check the log against this BPMN 2.0 model: writes conformance.csv and conformance_map.svg/.png.")]
    = None,
    conformance: Annotated[Conformance, typer.Option(
        "--conformance", rich_help_panel=MODEL_PANEL,
        help="token (token replay: fast) or alignments (exact moves on log and on model; slower).")]
    = Conformance.token,
    precision: Annotated[bool | None, typer.Option(
        "--precision/--no-precision", rich_help_panel=MODEL_PANEL, show_default=False,
        help="Compute precision with --reference (default: only when the cases have at most 5,000 distinct "
             "prefixes; it replays every prefix, minutes on large logs).")] = None,
    calendar: Annotated[CalendarKind, typer.Option("--calendar", rich_help_panel=MAP_PANEL,
                                                   help="se: Swedish working days; none: 24-hour days.")]
    = CalendarKind.se,
    hours: Annotated[str, typer.Option("--hours", help="Working hours, e.g. 08-17 or 8:30-16:30.",
                                       rich_help_panel=MAP_PANEL)] = "08-17",
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the maps: sv or en.", rich_help_panel=MAP_PANEL)]
    = Lang.sv,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    *,
    inputs: InputArgs,
) -> None:
    """Discover the process: maps a process owner can read, variants, a BPMN model and conformance.

    Writes into --out: process_map.svg/.png (--mode), process_map_performance.svg/.png (or _frequency), variants.csv.

    Also edges.csv, model.bpmn (BPMN 2.0 for a modeller), model.pnml and petri_net.svg/.png.

    --reference MODEL.bpmn adds conformance.csv (deviating cases) and conformance_map.svg/.png.

    The CSV files suit Swedish Excel (UTF-8, ';', decimal comma); waiting times are Swedish working days.

    Example: processmining discover event_logs/demo.csv --profile demo --out reports/demo --reference target.bpmn
    """
    from ..analyses.discovery import discover_dfg, simplify_for_map
    from ..analyses.models import check_conformance, discover_model, read_reference_model
    from ..analyses.variants import variant_table
    from ..calendar import get_calendar

    with library_errors():
        cal = get_calendar(calendar.value, hours)
        if reference is not None:
            read_reference_model(reference)  # a broken reference fails before the slow part
        log = open_log(log_path, **inputs)
        full = discover_dfg(log, calendar=cal)
        shown = simplify_for_map(full, activities=activities, paths=paths)
        variants = variant_table(log, top=top_variants)
        kept = [str(a) for a in shown.activities["activity"]]
        if miner is Miner.inductive:
            model = discover_model(log, miner="inductive", noise_threshold=0.0 if noise is None else noise,
                                   activities=kept)
        else:
            model = discover_model(log, miner="heuristics", dependency_threshold=0.5 if noise is None else noise,
                                   activities=kept)
        result = None
        if reference is not None:
            result = check_conformance(log, reference, precision=precision,
                                       method="token_replay" if conformance is Conformance.token else "alignments")
        written = write_discovery_files(log, full, shown, variants, model, result, out_dir, mode=mode.value,
                                        lang=lang.value)

    if as_json:
        from ..log import summary_counts

        payload: dict[str, Any] = {
            **summary_counts(log),
            "process_map": shown.to_summary(),
            "variants": variants.to_summary(),
            "model": model.to_summary(),
            "conformance": result.to_summary() if result is not None else None,
            "files": [str(p) for p in written],
        }
        typer.echo(json_text(json.dumps(payload, ensure_ascii=False, allow_nan=False)))
        return
    _print_report(log, shown, variants, model, result)
    err.print(f"wrote {len(written)} files into {out_dir}: " + ", ".join(p.name for p in written),
              markup=False, soft_wrap=True)


def write_discovery_files(
    log: EventLog,
    full: DirectlyFollowsGraph,
    shown: DirectlyFollowsGraph,
    variants: VariantTable,
    model: ProcessModel,
    result: ConformanceResult | None,
    out_dir: Path,
    *,
    mode: str = "frequency",
    lang: str = "sv",
) -> list[Path]:
    """Every file of ``discover`` into ``out_dir`` (see the command's help for the list)."""
    from ..analyses.models import render_conformance, render_petri_net, write_bpmn, write_conformance_csv, write_pnml
    from ..render.process_map import render_process_map, write_csv

    name = Path(log.source.path).name
    other = "performance" if mode == "frequency" else "frequency"
    written = render_process_map(shown, out_dir / "process_map", mode=mode, title=name, lang=lang)
    written += render_process_map(shown, out_dir / f"process_map_{other}", mode=other, title=name, lang=lang)
    written.append(write_csv(variants.to_csv_frame(), out_dir / "variants.csv"))
    on_map = set(zip(shown.edges["source"], shown.edges["target"], strict=True))
    edges = full.edges.copy()
    edges.insert(4, "on_map", [int((s, t) in on_map) for s, t in zip(edges["source"], edges["target"], strict=True)])
    written.append(write_csv(edges, out_dir / "edges.csv"))
    if model.bpmn is not None:
        written.append(write_bpmn(model, out_dir / "model.bpmn"))
    written.append(write_pnml(model, out_dir / "model.pnml"))
    word = "modell" if lang == "sv" else "model"
    written += render_petri_net(model, out_dir / "petri_net", title=f"{name}: {word} ({model.miner})")
    if result is not None:
        written.append(write_conformance_csv(result, out_dir / "conformance.csv"))
        written += render_conformance(result, out_dir / "conformance_map", lang=lang)
    return written


def _print_report(log: EventLog, shown: DirectlyFollowsGraph, variants: VariantTable, model: ProcessModel,
                  result: ConformanceResult | None) -> None:
    """The map, the top variants, the model and conformance, in words (stdout)."""
    from ..render.process_map import format_wait

    say = out.print
    name = Path(log.source.path).name
    say(f"{name}: {log.n_cases:,} cases, {log.n_events:,} events, {len(log.activities):,} activities, "
        f"{variants.n_variants:,} variants.", markup=False, soft_wrap=True)
    simp = shown.simplification
    if simp is not None:
        say(f"Process map: {simp.describe()}.", markup=False, soft_wrap=True)
        if simp.rule:
            say(f"  (rule: {simp.rule})", markup=False, soft_wrap=True)
    if len(shown.edges):
        working = shown.calendar.kind == "se"
        column = "median_wait_workdays" if working else "median_wait_days"
        unit = " of working time" if working else ""

        def wait(value: float) -> str:
            return format_wait(value, hours_per_day=shown.calendar.hours_per_day, lang="en")

        top = shown.edges.iloc[0]
        say(f"Most frequent path: {top['source']} -> {top['target']} ({int(top['count']):,} times, median wait "
            f"{wait(float(top[column]))}{unit}).", markup=False, soft_wrap=True)
        floor = max(5, int(top["count"]) // 100)  # ignore paths taken by a handful of cases
        common = shown.edges[shown.edges["count"] >= floor]
        if len(common):
            slow = common.sort_values([column, "count"], ascending=[False, False], kind="stable").iloc[0]
            say(f"Longest median wait on a path taken at least {floor} times: {slow['source']} -> {slow['target']}, "
                f"{wait(float(slow[column]))}{unit} ({int(slow['count']):,} times).", markup=False, soft_wrap=True)
    say(f"Top variants ({variants.coverage:.0%} of cases in the {len(variants.table)} listed in variants.csv):",
        markup=False, soft_wrap=True)
    for row in variants.table.head(3).itertuples(index=False):
        steps = row.variant_text if len(row.variant) <= 8 else (
            " → ".join(row.variant[:4]) + f" → … ({len(row.variant)} steps) … → " + row.variant[-1])
        say(f"  {row.rank}. {int(row.cases):,} cases ({row.share:.1%}): {steps}", markup=False, soft_wrap=True)
    m = model.to_summary()
    scope = "all activities" if len(model.activities) == len(log.activities) else \
        f"the {len(model.activities)} activities on the map"
    bpmn = m["bpmn"]
    say(f"Model ({model.miner} miner on {scope}): Petri net with {m['petri_net']['transitions']} transitions "
        f"({m['petri_net']['silent_transitions']} silent) and {m['petri_net']['places']} places"
        + (f"; BPMN with {bpmn['tasks']} tasks and {bpmn['gateways']} gateways" if bpmn else "; no BPMN (this "
           "heuristics net cannot be converted)") + ".", markup=False, soft_wrap=True)
    if result is not None:
        method = "token replay" if result.method == "token_replay" else "alignments"
        precision = f"{result.precision:.3f}" if result.precision is not None else "not computed"
        say(f"Conformance ({method}) with {Path(result.reference).name}: {result.fitting_cases:,} of "
            f"{result.n_cases:,} cases fit ({result.fitting_cases / max(result.n_cases, 1):.0%}); fitness "
            f"{result.fitness:.3f}, precision {precision}.", markup=False, soft_wrap=True)
        words = {"cases_could_not_fire": "could not fire", "cases_not_in_model": "not in the model",
                 "cases_move_on_log": "not allowed by the model", "cases_move_on_model": "skipped"}
        for row in result.activities.head(5).to_dict("records"):
            detail = ", ".join(f"{words.get(k, k)} in {int(v):,}" for k, v in row.items()
                               if k not in ("activity", "cases") and v)
            say(f"  {row['activity']}: {int(row['cases']):,} deviating cases ({detail})", markup=False,
                soft_wrap=True)
        for note in result.notes:
            say(f"Note: {note}", markup=False, soft_wrap=True)
