"""One loaded log and the analyses of its filtered views, kept while the explorer runs.

The log is read once; a view's filters give a filtered log and :func:`analyze_log` on it (the reports'
numbers), kept for the last few filter combinations so that a slider move or a drill-down on the same
filters only lays out the map again.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import AnalysisOptions, analyze_log, summary_of
from ..errors import ConfigError
from ..log import ACTIVITY, CASE, GROUP, RESOURCE, TIMESTAMP, EventLog, release_unused_memory
from .state import BadRequest, NotFound, ViewState

__all__ = ["Explorer", "FilterStep", "View"]

_KEEP = 8


@dataclass(frozen=True, slots=True)
class FilterStep:
    """One filter of a view and what is left after it (cumulative, in order)."""

    text: str
    cases: int
    events: int


@dataclass(frozen=True, slots=True)
class View:
    """The filtered log of one set of filters, analysed as ``analyze`` would."""

    filters: tuple[str, ...]
    log: EventLog
    analysis: Any  # processmining.analysis.Analysis
    summary: dict[str, Any]
    steps: tuple[FilterStep, ...]


class Explorer:
    """The log of one ``explore`` session and its views.

    Args:
        log: the event log, read once.
        options: the analysis options (calendar, clock stops, targets, ...), as ``analyze`` takes them.
        lang: the page's default language.
    """

    def __init__(self, log: EventLog, options: AnalysisOptions | None = None, *, lang: str = "sv") -> None:
        self.log = log
        self.options = options or AnalysisOptions()
        self.lang = lang
        self._views: OrderedDict[tuple[str, ...], View] = OrderedDict()
        self._maps: OrderedDict[tuple[Any, ...], tuple[str, str]] = OrderedDict()
        self._choices: dict[str, Any] | None = None
        self._lock = threading.Lock()  # pandas caches on the log are not safe across the server's threads

    def choices(self) -> dict[str, Any]:
        """What the filter forms offer, from the whole log (computed once): activities, units, the values of
        each case attribute with at most 60 of them, and the first and last day."""
        with self._lock:
            if self._choices is None:
                log = self.log

                def values(column: str) -> list[str]:
                    return sorted({str(v) for v in log.events[column].dropna().unique()})

                attributes = {}
                for column in log.case_attributes:  # text ones: the attribute filter compares text as text
                    series = log.events[column]
                    text = pd.api.types.is_string_dtype(series) or series.dtype == object
                    if text and series.nunique(dropna=True) <= 60:
                        attributes[column] = values(column)
                cases = log.case_table()
                self._choices = {"activities": sorted(str(a) for a in log.activities), "attributes": attributes,
                                 "units": values(GROUP) if log.has(GROUP) else [],
                                 "first": cases["start"].min(), "last": cases["end"].max()}
            return self._choices

    def options_for(self, state: ViewState) -> AnalysisOptions:
        """The options of an ``analyze`` run that gives this view's figures and map."""
        return replace(self.options, activities=state.activities, paths=state.paths, filters=state.filters)

    def view(self, filters: tuple[str, ...]) -> View:
        """The filtered log and its analysis (kept for the last few filter combinations).

        Raises:
            BadRequest: a filter names what the log does not have, or leaves no case.
        """
        with self._lock:
            if filters in self._views:
                self._views.move_to_end(filters)
                return self._views[filters]
            log = self.log
            steps = []
            for text in filters:
                try:
                    from ..filters import parse_filter

                    log = parse_filter(text).apply(log, end_activities=self.options.end_activities)
                except ConfigError as exc:
                    raise BadRequest(f"filter {text!r}: {exc}") from exc
                steps.append(FilterStep(text, log.n_cases, log.n_events))
            if log.n_events == 0:
                raise BadRequest("no case is left after these filters: remove one (undo)")
            analysis = analyze_log(log, replace(self.options, filters=filters))
            view = View(filters, log, analysis, summary_of(analysis), tuple(steps))
            self._views[filters] = view
            # Kept views hold their filtered log and its analysis: keep the most recent ones while they hold
            # no more events than the whole log (so the explorer needs at most about twice analyze's memory
            # of the log), and at most _KEEP of them.
            while len(self._views) > 1 and (len(self._views) > _KEEP or sum(
                    v.log.n_events for v in self._views.values()) > self.log.n_events):
                self._views.popitem(last=False)
            release_unused_memory()
            return view

    def map_for(self, state: ViewState) -> tuple[str, str, Any]:
        """The map's header (title, counts, calendar, legend) and drawing as SVG, and the simplified graph drawn.

        The DOT source is the reports' (:func:`~processmining.render.process_map.process_map_dot`); its header
        is drawn apart from the graph, so that on a page column the drawing keeps its natural size (the
        header, as wide as its longest line, would otherwise shrink the boxes and labels to a third).
        """
        from ..analyses.discovery import simplify_for_map
        from ..render.dot import pipe_dot
        from ..render.process_map import process_map_dot

        view = self.view(state.filters)
        key = (state.filters, state.activities, state.paths, state.mode, state.lang)
        with self._lock:
            shown = simplify_for_map(view.analysis.dfg, activities=state.activities, paths=state.paths)
            if key not in self._maps:
                source = process_map_dot(shown, mode="performance" if state.mode == "waiting" else "frequency",
                                         title=view.analysis.title, lang=state.lang,
                                         simplification=shown.simplification)
                graph, header = _split_label(source)
                header_svg = pipe_dot(header, "svg").decode("utf-8") if header else ""
                self._maps[key] = (header_svg, pipe_dot(graph, "svg").decode("utf-8"))
                while len(self._maps) > 2 * _KEEP:
                    self._maps.popitem(last=False)
            header_svg, svg = self._maps[key]
            return header_svg, svg, shown

    # ---- drill-down ------------------------------------------------------------------------------------------------
    def path_detail(self, view: View, source: str, target: str) -> dict[str, Any]:
        """A path's waits: figures, the distribution in working days (or calendar days) and the cases."""
        b = view.analysis.bottlenecks
        edges = b.ranking.edges
        row = edges[(edges["source"] == source) & (edges["target"] == target)]
        if row.empty:
            raise NotFound(f"no path {source} → {target} in the filtered cases")
        t = b.transitions
        waits = t[(t["source"] == source) & (t["target"] == target)]
        working = b.calendar.kind == "se"
        col = "wait_workdays" if working else "wait_days"
        values = waits[col].to_numpy(dtype="float64")
        applicant = waits["applicant_workdays" if working else "applicant_days"].to_numpy(dtype="float64")
        total = float(np.nansum(values))
        applicant_share = float(np.nansum(applicant)) / total if total > 0 else 0.0
        cases = (waits.assign(wait=values).sort_values(["wait", "case"], ascending=[False, True])
                 [["case", "source_time", "target_time", "wait"]])
        return {"row": row.iloc[0], "histogram": _histogram(values), "cases": cases, "working": working,
                "applicant_share": applicant_share, "agency_share": 1.0 - applicant_share if total > 0 else 0.0}

    def activity_detail(self, view: View, activity: str) -> dict[str, Any]:
        acts = view.analysis.bottlenecks.ranking.activities
        row = acts[acts["activity"] == activity]
        if row.empty:
            raise NotFound(f"no activity {activity!r} in the filtered cases")
        edges = view.analysis.dfg.edges
        return {"row": row.iloc[0], "incoming": edges[edges["target"] == activity],
                "outgoing": edges[edges["source"] == activity], "working": view.analysis.calendar.kind == "se"}

    def case_detail(self, view: View, case: str) -> dict[str, Any]:
        ev = view.log.events
        rows = ev[ev[CASE].astype("string") == case]
        if rows.empty:
            raise NotFound(f"no case {case!r} in the filtered cases")
        b = view.analysis.bottlenecks
        working = b.calendar.kind == "se"
        t = b.transitions
        waits = t[t["case"].astype("string") == case]["wait_workdays" if working else "wait_days"].to_numpy()
        columns = [c for c in (ACTIVITY, TIMESTAMP, GROUP, RESOURCE) if c in rows.columns]
        timeline = rows[columns].reset_index(drop=True).copy()
        timeline["wait"] = np.r_[np.nan, waits] if len(waits) == len(timeline) - 1 else np.nan
        attributes = {c: rows[c].iloc[0] for c in rows.columns if isinstance(c, str) and c.startswith("case:")
                      and c != CASE}
        info = b.cases.loc[rows[CASE].iloc[0]] if rows[CASE].iloc[0] in b.cases.index else None
        return {"timeline": timeline, "attributes": attributes, "info": info, "working": working}

    def events_file(self, view: View, fmt: str) -> bytes:
        """The filtered events as ``csv`` (UTF-8 with BOM), ``parquet`` or ``xes``: the contract's columns (the
        source row number as ``source_row``), so ``processmining analyze`` reads the file back as it is."""
        ev = view.log.events.rename(columns={"@@source_row": "source_row"})
        if fmt == "csv":
            return str(ev.to_csv(index=False)).encode("utf-8-sig")
        with tempfile.TemporaryDirectory(prefix="explore-") as folder:
            path = Path(folder) / f"events.{fmt}"
            if fmt == "parquet":
                ev.to_parquet(path, index=False)
            elif fmt == "xes":
                write_xes(view.log, path)
            else:
                raise BadRequest(f"no export events.{fmt}; choose csv, parquet or xes")
            return path.read_bytes()

    def run(self, fn: Callable[[], Any]) -> Any:
        """Call ``fn`` holding the session's lock (writers that read the log's caches)."""
        with self._lock:
            return fn()


def _histogram(values: np.ndarray, bins: int = 12) -> list[tuple[float, float, int]]:
    """(from, to, count) for equal-width bins over the finite values (one bin when they are all equal)."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return []
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        return [(lo, hi, len(finite))]
    counts, edges = np.histogram(finite, bins=bins, range=(lo, hi))
    return [(float(edges[i]), float(edges[i + 1]), int(counts[i])) for i in range(len(counts))]



def _split_label(source: str) -> tuple[str, str]:
    """``(graph without its label, a graph of the label alone)`` of DOT source whose graph label is HTML-like
    (``label=<...>``); the legend is put below the title. Where there is no such label: ``(source, "")``."""
    start = source.find("label=<")
    if start < 0:
        return source, ""
    i, depth = start + len("label="), 0
    while i < len(source):  # text inside an HTML-like label escapes < and >: every bracket is a tag's
        if source[i] == "<":
            depth += 1
        elif source[i] == ">":
            depth -= 1
            if depth == 0:
                break
        i += 1
    if depth != 0:
        return source, ""
    label = source[start + len("label="):i + 1]
    beside, below = '</TD><TD WIDTH="30"></TD><TD VALIGN="TOP">', '</TD></TR><TR><TD VALIGN="TOP" ALIGN="LEFT">'
    label = label.replace(beside, below, 1)
    font = re.search(r'fontname="[^"]*"', source)
    header = (f"digraph header {{ bgcolor=white {font.group(0) if font else ''} margin=0 pad=0.1 labeljust=l "
              f"label={label} }}")
    return source[:start] + source[i + 1:], header


_XES_EXTENSIONS = (("Concept", "concept"), ("Time", "time"), ("Organizational", "org"))


def _xes_attribute(key: str, value: Any) -> tuple[str, str] | None:
    """(XES type, text) of one value; ``None`` for a missing one (left out, as XES has no missing value)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return "date", value.isoformat()
    if isinstance(value, bool | np.bool_):
        return "boolean", "true" if value else "false"
    if isinstance(value, int | np.integer):
        return "int", str(int(value))
    if isinstance(value, float | np.floating):
        return "float", repr(float(value))
    return "string", str(value)


def write_xes(log: EventLog, path: Path) -> Path:
    """Write the log as XES 1849-2016: one trace per case with its ``case:*`` attributes, one event per row.

    Written here rather than with pm4py's ``write_xes``: pm4py writes a missing start time as the string
    ``"NaT"`` and a missing number as ``"nan"``, which a reader then takes for values; XES has no missing
    value, so a missing one is left out. Text is escaped by lxml.
    """
    from lxml import etree

    ev = log.events
    event_columns = [c for c in ev.columns if isinstance(c, str) and not c.startswith(("case:", "@@"))]
    case_columns = [c for c in ev.columns if isinstance(c, str) and c.startswith("case:") and c != CASE]
    codes = log.case_codes()
    bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.array([], dtype=int)
    ends = np.r_[bounds[1:], len(codes)]
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("log", {"xes.version": "1849-2016", "xmlns": "http://www.xes-standard.org/"}):
            for name, prefix in _XES_EXTENSIONS:
                xf.write(etree.Element("extension", name=name, prefix=prefix,
                                       uri=f"http://www.xes-standard.org/{prefix}.xesext"), pretty_print=True)
            rows = {c: ev[c].tolist() for c in [CASE, *case_columns, *event_columns]}
            for lo, hi in zip(bounds, ends, strict=True):
                trace = etree.Element("trace")
                for key, column in [("concept:name", CASE), *((c.removeprefix("case:"), c) for c in case_columns)]:
                    typed = _xes_attribute(key, rows[column][lo])
                    if typed is not None:
                        etree.SubElement(trace, typed[0], key=key, value=typed[1])
                for i in range(lo, hi):
                    event = etree.SubElement(trace, "event")
                    for column in event_columns:
                        typed = _xes_attribute(column, rows[column][i])
                        if typed is not None:
                            etree.SubElement(event, typed[0], key=column, value=typed[1])
                xf.write(trace, pretty_print=True)
    return path
