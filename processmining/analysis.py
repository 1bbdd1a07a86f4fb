"""One analysis object: every analysis of one run over one log, and its machine-readable summary.

    analysis = analyze_log(read_log("event_logs/demo.csv", profile="demo"), AnalysisOptions(top=10))
    summary = summary_of(analysis)  # summary.json's content (DESIGN.md), JSON-ready

:func:`analyze_log` runs discovery, variants, bottlenecks (with the working calendar, clock stops and
targets), handovers and automation candidates over one :class:`~processmining.log.EventLog` and keeps
the frozen results in one :class:`Analysis`. Nothing here writes a file: the renderers
(:mod:`processmining.render`) turn an :class:`Analysis` into files and :mod:`processmining.reports`
decides which files a run writes, so the same figure is the same number in every file, and an explorer
or a cluster engine can use the results without writing anything.

Layer: imports the log, the calendar, the formatting helpers and :mod:`processmining.analyses` only.
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .calendar import WorkCalendar, get_calendar
from .errors import AnalysisError, ConfigError
from .formatting import json_float, json_ready
from .log import GROUP, RESOURCE, EventLog, release_unused_memory, summary_counts

if TYPE_CHECKING:
    import pandas as pd

    from .analyses.bottlenecks import BottleneckReport
    from .analyses.candidates import CandidateReport
    from .analyses.discovery import DirectlyFollowsGraph
    from .analyses.handovers import HandoverAnalysis
    from .analyses.perspectives import PerspectiveResult
    from .analyses.sla import Targets
    from .analyses.variants import VariantTable

__all__ = [
    "EDGES_CSV",
    "SUMMARY_MAX_EDGES",
    "Analysis",
    "AnalysisOptions",
    "analyze_log",
    "summary_of",
    "timed",
]



#: The most directly-follows edges summary.json lists (the most frequent first); past it every edge is in
#: :data:`EDGES_CSV` beside it (written by :func:`processmining.reports.write_reports`). Real logs have up to a few
#: thousand (BPIC15_1: 4,699).
SUMMARY_MAX_EDGES = 10_000
EDGES_CSV = "edges.csv"


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """Every parameter of one run; written into the workbook's Metod sheet and ``summary.json``.

    Attributes:
        calendar: ``"se"`` (Swedish working days) or ``"none"`` (24-hour days).
        hours: working hours, e.g. ``"08-17"``.
        clock_stops: ``"A=>B"`` pairs whose waiting is the applicant's.
        targets: handling-time target: a number of working days for every case, or
            :class:`~processmining.analyses.sla.Targets` per programme; ``None``: no SLA part.
        end_activities: activities that close a case (default: "Ärende avslutat" where present).
        top: how many bottlenecks, variants and candidates the summaries show.
        period: ``"month"`` or ``"quarter"`` for the trends.
        activities: keep the activities covering this % of events on the map (``None``: all up to 40
            activities, else the 35 most frequent).
        paths: keep the paths covering this % of transitions on the map (``None``: at most 2 paths per
            shown activity, at least 20, and those that keep the map connected).
        handover_level: ``"unit"``, ``"resource"`` or ``"auto"`` (unit where the log has units, else
            resource where ids are pseudonymised, else none).
        min_group: leave out any handover cell about fewer than this many cases (k-anonymity).
        candidates_config: TOML with the candidate score's weights (``None``: the shipped defaults).
        needs_human: more activities that need a human decision (never ranked as automatable).
        by: also compare the groups of this attribute (``case:region``, ``region``, ``org:group``, ...).
        engine: ``"local"`` or ``"dask"``: where the core figures (edges with their waits, variants) are
            computed (:func:`processmining.engine.run_core`; identical results).
        scheduler: the Dask scheduler's address (``None``: a temporary local cluster).
        partitions: case partitions for the Dask engine (``None``: one per worker thread).
        filters: the case filters applied to the log before the run (text, :func:`processmining.filters.parse_filter`),
            recorded in the method sheet and the page's provenance.
    """

    calendar: str = "se"
    hours: str = "08-17"
    clock_stops: tuple[str, ...] = ()
    targets: float | Targets | None = None
    end_activities: tuple[str, ...] | None = None
    top: int = 10
    period: str = "month"
    activities: float | None = None
    paths: float | None = None
    handover_level: str = "auto"
    min_group: int = 5
    candidates_config: Path | None = None
    needs_human: tuple[str, ...] = ()
    by: str | None = None
    engine: str = "local"
    scheduler: str | None = None
    partitions: int | None = None
    filters: tuple[str, ...] = ()

    def to_summary(self) -> dict[str, Any]:
        targets: Any = self.targets
        if targets is not None and not isinstance(targets, int | float):
            targets = {"default_days": targets.days, "attribute": targets.attribute,
                       "values": dict(targets.values), "working_days": targets.working_days}
        return {
            "calendar": self.calendar, "hours": self.hours, "clock_stops": list(self.clock_stops),
            "targets": targets, "end_activities": list(self.end_activities) if self.end_activities else None,
            "top": self.top, "period": self.period, "activities_pct": self.activities, "paths_pct": self.paths,
            "handover_level": self.handover_level, "min_group": self.min_group,
            "candidates_config": str(self.candidates_config) if self.candidates_config else None,
            "needs_human": list(self.needs_human), "by": self.by, "engine": self.engine,
            "scheduler": self.scheduler, "partitions": self.partitions,
            **({"filters": list(self.filters)} if self.filters else {}),
        }


@dataclass(frozen=True, slots=True)
class Analysis:
    """Every result of one run over one log; every report is written from this one object.

    Attributes:
        log: the event log analysed.
        options: the parameters of the run.
        calendar: the working calendar of every working-day figure.
        dfg: the full directly-follows graph (every activity and edge).
        process_map: the simplified graph drawn on the map (what it left out is in its
            ``simplification``).
        variants: the variants, most frequent first.
        bottlenecks: waits, ranking, attribution, SLA, rework, work in progress, trends.
        handovers: the handover graph, or ``None`` with the reason in ``handover_note``.
        candidates: automation candidates, or ``None`` with the reason in ``candidate_note``.
        perspectives: the groups of ``options.by`` side by side (``None`` without ``by``).
        units: per organisational unit: events, cases, activities (``None`` without a unit column).
        started, finished: when the run began and ended (local time, with offset).
        timings: seconds per stage, in run order.
    """

    log: EventLog
    options: AnalysisOptions
    calendar: WorkCalendar
    dfg: DirectlyFollowsGraph
    process_map: DirectlyFollowsGraph
    variants: VariantTable
    bottlenecks: BottleneckReport
    handovers: HandoverAnalysis | None
    candidates: CandidateReport | None
    started: dt.datetime
    finished: dt.datetime
    handover_note: str | None = None
    candidate_note: str | None = None
    perspectives: PerspectiveResult | None = None
    timings: dict[str, float] = field(default_factory=dict)
    units: pd.DataFrame | None = None

    @property
    def title(self) -> str:
        """The log's file name, as every report names it."""
        return Path(self.log.source.path).name

    def provenance(self) -> dict[str, Any]:
        """Where the figures come from: input, counts, mapping, calendar, parameters, tool, time."""
        src = self.log.source
        return {
            "input": src.path, "sha256": src.sha256, "format": src.format, "rows_read": src.rows_read,
            "events_kept": self.log.n_events, "rows_rejected": len(self.log.rejects),
            "duplicates_removed": src.duplicates_removed, "column_mapping": src.mapping.as_dict(),
            "timezone": src.timezone, "pseudonymised": src.pseudonymised, "notes": list(src.notes),
            "warnings": list(src.warnings), "calendar": self.calendar.describe("en"),
            "calendar_sv": self.calendar.describe("sv"),
            "map_simplification": (self.process_map.simplification.describe()
                                   if self.process_map.simplification else "none"),
            "parameters": self.options.to_summary(), "tool": f"processmining {__version__}",
            "python": platform.python_version(), "run_started": self.started.isoformat(timespec="seconds"),
            "run_finished": self.finished.isoformat(timespec="seconds"),
        }


@contextmanager
def timed(timings: dict[str, float], stage: str, progress: Callable[[str], None] | None) -> Iterator[None]:
    if progress is not None:
        progress(stage)
    began = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - began, 4)


def _handover_level(log: EventLog, level: str) -> tuple[str | None, str | None]:
    """The level to analyse and, where there is none, the reason."""
    if level == "unit" and not log.has(GROUP):
        raise AnalysisError(f"{Path(log.source.path).name}: no unit column (org:group) for unit-level handovers; "
                            "pass --unit COLUMN or --handover-level resource")
    if level in ("unit", "resource"):
        return level, None
    if level != "auto":
        raise ConfigError(f"unknown handover level {level!r}; choose unit, resource or auto")
    if log.has(GROUP):
        return "unit", None
    if log.has(RESOURCE) and log.source.pseudonymised:
        return "resource", "no unit column: handovers are shown between (pseudonymised) case officers"
    if log.has(RESOURCE):
        return None, ("no unit column, and case officers are not pseudonymised: no handover graph (run "
                      "`processmining handovers LOG --level resource --show-names` to draw one with real ids)")
    return None, "the log has neither a unit nor a resource column: no handover graph"


def analyze_log(
    log: EventLog,
    options: AnalysisOptions | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    on_bottlenecks: Callable[[BottleneckReport, WorkCalendar], None] | None = None,
) -> Analysis:
    """Run every analysis over ``log`` once.

    Args:
        log: the validated event log.
        options: parameters (default :class:`AnalysisOptions`).
        progress: called with each stage's name as it starts (the CLI shows a progress line).
        on_bottlenecks: called with the bottleneck report and the calendar as soon as they are known,
            before the other analyses run (the command line hands them to a second process that draws the
            charts meanwhile: :meth:`processmining.render.parallel.ChartWorker.bottlenecks_known`).

    Raises:
        AnalysisError: the log has no events, or an option asks for what the log lacks.
        ConfigError: an option is out of range or names an unknown activity.
    """
    from .analyses.bottlenecks import DEFAULT_END_ACTIVITIES, analyze_bottlenecks
    from .analyses.candidates import find_candidates
    from .analyses.discovery import discover_dfg, simplify_for_map
    from .analyses.handovers import handover_graph
    from .analyses.sla import parse_clock_stops
    from .analyses.units import unit_figures
    from .analyses.variants import variant_table

    options = options or AnalysisOptions()
    if log.n_events == 0:
        raise AnalysisError(f"{Path(log.source.path).name}: no events left to analyse (every row was rejected; see "
                            "the rejects)")
    started = dt.datetime.now().astimezone()
    timings: dict[str, float] = {}
    calendar = get_calendar(options.calendar, options.hours)
    ends = options.end_activities
    if ends is None:
        present = set(log.activities)
        ends = tuple(a for a in DEFAULT_END_ACTIVITIES if a in present) or None

    release_unused_memory()  # what reading the file freed (its raw table) before the analyses allocate
    if options.engine != "local" or options.scheduler is not None:
        with timed(timings, f"core figures ({options.engine})", progress):
            _use_engine(log, options, calendar)
    # Bottlenecks first: the charts are drawn from them, by the chart worker while the rest runs here.
    with timed(timings, "bottlenecks", progress):
        bottlenecks = analyze_bottlenecks(log, calendar=calendar, clock_stops=parse_clock_stops(options.clock_stops),
                                          targets=options.targets, end_activities=ends, top=options.top,
                                          period=options.period)
        release_unused_memory()  # the stages' temporaries: so the peak is one stage's, not their sum
    if on_bottlenecks is not None:
        on_bottlenecks(bottlenecks, calendar)
    with timed(timings, "discovery", progress):
        dfg = discover_dfg(log, calendar=calendar)
        shown = simplify_for_map(dfg, activities=options.activities, paths=options.paths)
        variants = variant_table(log)
        release_unused_memory()
    handovers, handover_note = None, None
    with timed(timings, "handovers", progress):
        units = unit_figures(log)
        level, handover_note = _handover_level(log, options.handover_level)
        if level is not None:
            handovers = handover_graph(log, level=level, calendar=calendar, min_group=options.min_group)
        release_unused_memory()
    candidates, candidate_note = None, None
    with timed(timings, "candidates", progress):
        from .config import load_candidate_config

        config = load_candidate_config(options.candidates_config, needs_human=options.needs_human)
        candidates = find_candidates(log, config=config, calendar=calendar)
    perspectives = None
    if options.by:
        from .analyses.perspectives import compare_groups

        with timed(timings, "perspectives", progress):
            perspectives = compare_groups(log, options.by, calendar=calendar, top=min(options.top, 5),
                                          min_cases=options.min_group)
    log.drop_transition_tables()  # the reports read the results: the peak while they are written is lower
    return Analysis(
        log=log, options=options, calendar=calendar, dfg=dfg, process_map=shown, variants=variants,
        bottlenecks=bottlenecks, handovers=handovers, candidates=candidates, started=started,
        finished=dt.datetime.now().astimezone(), handover_note=handover_note, candidate_note=candidate_note,
        perspectives=perspectives, timings=timings, units=units,
    )


def _use_engine(log: EventLog, options: AnalysisOptions, calendar: WorkCalendar) -> None:
    """Compute the core figures on the chosen engine and hand them to the analyses of this run.

    :func:`processmining.engine.run_core` gives tables identical to the in-process ones (its tests
    say so), so the log's caches take them: the map's edges with their waiting times and the variant
    counts come from the cluster; the analyses that build on them run here on the same numbers.
    """
    from .analyses.edges import provide_core_figures
    from .engine import run_core, run_core_on_dataset

    if options.engine == "dask" and log.source.format == "dataset" and not options.filters:
        # A dataset of `processmining partition`: the workers read their own partitions (docs/dask.md); its
        # partitions are the dataset's. Means and totals may differ in the last bits (reassociation).
        figures = run_core_on_dataset(log.source.path, scheduler=options.scheduler, calendar=calendar)
    else:
        figures = run_core(log, engine=options.engine, scheduler=options.scheduler, calendar=calendar,
                           partitions=options.partitions)
    provide_core_figures(log, calendar=calendar, edges=figures.edges, variants=figures.variants)


def summary_of(analysis: Analysis) -> dict[str, Any]:
    """``summary.json``: DESIGN.md's shape (source, counts, throughput, edges, bottlenecks, handovers,
    automation candidates) plus the blocks each analysis adds and the provenance. JSON-ready."""
    log, b = analysis.log, analysis.bottlenecks
    summary: dict[str, Any] = dict(summary_counts(log))
    bsum = b.to_summary()
    summary["throughput_days"] = bsum["throughput_days"]
    summary["throughput_workdays"] = bsum["throughput_workdays"]
    edges = analysis.dfg.edges
    summary["edges"] = [
        {"from": r.source, "to": r.target, "count": int(r.count), "cases": int(r.cases),
         "median_wait_days": json_float(r.median_wait_days), "mean_wait_days": json_float(r.mean_wait_days),
         "p90_wait_days": json_float(r.p90_wait_days), "median_wait_workdays": json_float(r.median_wait_workdays),
         "mean_wait_workdays": json_float(r.mean_wait_workdays)}
        for r in edges.head(SUMMARY_MAX_EDGES).itertuples(index=False)
    ]
    if len(edges) > SUMMARY_MAX_EDGES:  # bounded: 180,000 edges (86,545 activities) made 37 MB of summary.json
        summary["edges_omitted"] = len(edges) - SUMMARY_MAX_EDGES
        summary["edges_note"] = (f"the {SUMMARY_MAX_EDGES} most frequent of {len(edges)} edges are listed; every one "
                                 f"is in {EDGES_CSV}")
    summary.update(bsum)
    summary["start_activities"] = {str(a): int(c) for a, c in analysis.dfg.start_activities.itertuples(index=False)}
    summary["end_activities_observed"] = {str(a): int(c) for a, c in
                                          analysis.dfg.end_activities.itertuples(index=False)}
    summary["top_variants"] = analysis.variants.to_summary(analysis.options.top)["top_variants"]
    summary["process_map"] = (analysis.process_map.simplification.to_summary()
                              if analysis.process_map.simplification else None)
    if analysis.handovers is not None:
        summary["handovers"] = analysis.handovers.to_summary(top=analysis.options.top)
    else:
        summary["handovers"] = {"level": None, "nodes": 0, "edges": 0, "handovers": 0,
                                "note": analysis.handover_note}
    if analysis.handover_note:
        summary["handovers"]["note"] = analysis.handover_note
    if analysis.candidates is not None:
        summary.update(analysis.candidates.to_summary(top=analysis.options.top))
    else:
        summary["automation_candidates"] = []
    if analysis.perspectives is not None:
        summary["perspectives"] = analysis.perspectives.to_summary()
    if analysis.units is not None:
        summary["units"] = [{"unit": str(name), "events": int(row.events), "cases": int(row.cases),
                             "activities": int(row.activities)} for name, row in analysis.units.iterrows()]
    summary["rejects_by_reason"] = {str(k): int(v) for k, v in
                                    log.rejects["reason"].value_counts().sort_index().items()}
    summary["provenance"] = analysis.provenance()
    summary["timings_seconds"] = dict(analysis.timings)
    return json_ready(summary)
