"""The process map: a directly-follows graph drawn with graphviz as SVG and PNG, for a process owner.

:func:`render_process_map` draws a :class:`~processmining.analyses.discovery.DirectlyFollowsGraph` (usually
after :func:`~processmining.analyses.discovery.simplify`) top to bottom, from the start node ▶ to the end
node ■:

- ``mode="frequency"``: every activity shows its events, every path its count; a path's thickness and
  colour grow with its count, an activity's fill with its events.
- ``mode="performance"``: every path shows its median waiting time (DESIGN.md: from the completion of the
  first activity to the start of the next, or its completion where it has no start) in the unit that
  reads best (minutes, hours, days), in Swedish working time where the calendar is Swedish and in
  calendar time otherwise (the title and legend say which); the path's colour is its waiting-time
  class (the fixed classes of the handover map, so that maps compare), its thickness still its count.

The title names the log and the simplification ("visar 35 av 398 aktiviteter, 56 % av händelserna");
labels are Swedish by default (decimal comma, thin-space thousands), English with ``lang="en"``.

Rendering runs ``dot`` through :func:`~processmining.render.dot.pipe_dot` (stdin to stdout: no temporary
files, unlike pm4py's ``save_vis_*``; the version comment graphviz writes into SVG removed). Nodes and
edges are emitted in a fixed order, so the same graph gives byte-identical SVG. Each file is written
atomically (:mod:`processmining.files`). ``pipe_dot``, ``write_rendered``, ``write_images`` and
``write_csv`` are importable from here too.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import graphviz

from ..analyses.discovery import END, START_NODE, DirectlyFollowsGraph, Simplification
from ..errors import ConfigError
from ..files import write_csv
from ..formatting import fmt_duration, fmt_number, fmt_percent
from ..textsafe import dot_html
from .dot import pipe_dot, preorder, write_images, write_rendered
from .handover_map import DELAY_CLASSES, DELAY_COLOURS

__all__ = [
    "MODES", "format_wait", "pipe_dot", "process_map_dot", "render_process_map", "write_csv", "write_images",
    "write_rendered",
]

MODES = ("frequency", "performance")
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
#: Fill of an activity by its events relative to the most frequent shown activity (0-20-...-100 %).
NODE_COLOURS = ("#eef4fa", "#d2e3f3", "#a9cbe6", "#6fa8d6", "#3c7fc0")
#: Colour of a path in frequency mode by its count relative to the most frequent path.
FREQ_EDGE_COLOURS = ("#a8b3bf", "#7d8da0", "#566a82", "#344a66", "#1b2f4d")
START_END_COLOUR = "#6b7b8c"
_WRAP = 24  # characters per line of an activity name

_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "events": "händelser", "cases": "ärenden", "legend": "Teckenförklaring",
        "freq_mode": "Frekvens: antal händelser per aktivitet och antal gånger varje väg följs",
        "perf_mode": "Prestanda: median väntetid per väg ({unit})",
        "unit_work": "svensk arbetstid", "unit_cal": "kalendertid",
        "shown": "visar {a} av {at} aktiviteter, {es} av händelserna; {p} av {pt} vägar, {ts} av övergångarna",
        "all": "visar alla {a} aktiviteter och alla {p} vägar",
        "added": "{n} vägar tillagda för att hålla kartan sammanhängande",
        "empty": "{n} ärenden har ingen visad aktivitet",
        "start": "start", "end": "slut",
        "width": "Linjens bredd: hur ofta vägen följs",
        "freq_colour": "Linjens färg och etikett: antal gånger vägen följs",
        "node_fill": "Rutans färg: antal händelser (andel av den vanligaste aktiviteten)",
        "node_label": "Ruta: aktivitet, antal händelser",
        "node_label_service": "Ruta: aktivitet, antal händelser, median handläggningstid",
        "perf_colour": "Linjens färg: median väntetid, {unit}",
        "perf_label": "Etikett: median väntetid ({units})",
        "units_work": "min = minuter, tim = arbetstimmar, d = arbetsdagar om {h} timmar",
        "units_cal": "min = minuter, tim = timmar, d = dygn",
        "start_end": "▶ start och ■ slut: antal ärenden som börjar eller slutar med aktiviteten",
        "day": "d",
        "service": "handl.tid",
    },
    "en": {
        "events": "events", "cases": "cases", "legend": "Legend",
        "freq_mode": "Frequency: events per activity and how often each path is followed",
        "perf_mode": "Performance: median waiting time per path ({unit})",
        "unit_work": "Swedish working time", "unit_cal": "calendar time",
        "shown": "showing {a} of {at} activities, {es} of events; {p} of {pt} paths, {ts} of transitions",
        "all": "showing all {a} activities and all {p} paths",
        "added": "{n} paths added to keep the map connected",
        "empty": "{n} cases have no shown activity",
        "start": "start", "end": "end",
        "width": "Line width: how often the path is followed",
        "freq_colour": "Line colour and label: how often the path is followed",
        "node_fill": "Box colour: events (share of the most frequent activity)",
        "node_label": "Box: activity, events",
        "node_label_service": "Box: activity, events, median service time",
        "perf_colour": "Line colour: median waiting time, {unit}",
        "perf_label": "Label: median waiting time ({units})",
        "units_work": "min = minutes, h = working hours, d = working days of {h} hours",
        "units_cal": "min = minutes, h = hours, d = days of 24 hours",
        "start_end": "▶ start and ■ end: cases that begin or end with the activity",
        "day": "d",
        "service": "service",
    },
}


def format_wait(days: float, *, hours_per_day: float = 9.0, lang: str = "sv") -> str:
    """A waiting time in days of ``hours_per_day`` hours as a map label: "< 1 min", "45 min", "3,2 tim", "4,5 d"."""
    return fmt_duration(days, hours_per_day=hours_per_day, lang=lang)


def _wait_class(days: float) -> int:
    for i, bound in enumerate(DELAY_CLASSES):
        if days < bound:
            return i
    return len(DELAY_CLASSES)


def _share_class(share: float, n: int) -> int:
    return max(0, min(int(share * n), n - 1))


def _wrap(name: str) -> list[str]:
    return textwrap.wrap(name, width=_WRAP, break_long_words=True, break_on_hyphens=False) or [name]


# ---- the title --------------------------------------------------------------------------------------------------
def _simplification_line(dfg: DirectlyFollowsGraph, simp: Simplification | None, t: dict[str, str],
                         lang: str) -> list[str]:
    if simp is None or simp.is_identity:
        return [t["all"].format(a=fmt_number(dfg.n_activities, lang, 0), p=fmt_number(dfg.n_edges, lang, 0))]
    lines = [t["shown"].format(
        a=fmt_number(simp.activities_shown, lang, 0), at=fmt_number(simp.activities_total, lang, 0),
        es=fmt_percent(simp.event_share, lang),
        p=fmt_number(simp.edges_shown, lang, 0), pt=fmt_number(simp.edges_total, lang, 0),
        ts=fmt_percent(simp.transition_share, lang),
    )]
    if simp.edges_added_for_connectivity:
        lines.append(t["added"].format(n=fmt_number(simp.edges_added_for_connectivity, lang, 0)))
    if simp.cases_without_shown_activity:
        lines.append(t["empty"].format(n=fmt_number(simp.cases_without_shown_activity, lang, 0)))
    return lines


def _header_html(title: str, lines: Sequence[str], legend: str) -> str:
    """The graph label: the title and its lines on the left, the legend on the right."""
    text = "".join(f'{dot_html(line)}<BR ALIGN="LEFT"/>' for line in lines)
    left = (f'<FONT POINT-SIZE="24"><B>{dot_html(title)}</B></FONT><BR ALIGN="LEFT"/>'
            f'<FONT POINT-SIZE="8"> </FONT><BR ALIGN="LEFT"/><FONT POINT-SIZE="14">{text}</FONT>')
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4"><TR>'
            f'<TD VALIGN="TOP" ALIGN="LEFT" BALIGN="LEFT">{left}</TD>'
            f'<TD WIDTH="30"></TD><TD VALIGN="TOP">{legend}</TD></TR></TABLE>>')


# ---- the map ----------------------------------------------------------------------------------------------------
def process_map_dot(
    dfg: DirectlyFollowsGraph,
    *,
    mode: str = "frequency",
    title: str,
    lang: str = "sv",
    simplification: Simplification | None = None,
    calendar_label: str | None = None,
) -> str:
    """The DOT source of the process map (fixed order, so identical input gives identical text).

    Args:
        dfg: the graph to draw, normally from :func:`~processmining.analyses.discovery.simplify`.
        mode: ``"frequency"`` or ``"performance"``.
        title: first line of the title, e.g. the log's file name.
        lang: ``"sv"`` (default) or ``"en"``.
        simplification: what was removed (default: ``dfg.simplification``).
        calendar_label: the sentence naming the working calendar (default: ``dfg.calendar.describe(lang)``).

    Raises:
        ConfigError: an unknown mode or language.
    """
    if mode not in MODES:
        raise ConfigError(f"unknown process map mode {mode!r}; choose frequency or performance")
    if lang not in _TEXT:
        raise ConfigError(f"unknown language {lang!r}; choose sv or en")
    t = _TEXT[lang]
    simp = simplification if simplification is not None else dfg.simplification
    performance = mode == "performance"
    working = dfg.calendar.kind == "se"
    hours_per_day = dfg.calendar.hours_per_day
    wait_column = "median_wait_workdays" if working else "median_wait_days"
    service_column = "median_service_workdays" if working else "median_service_days"
    unit = t["unit_work"] if working else t["unit_cal"]

    lines = [t["perf_mode"].format(unit=unit) if performance else t["freq_mode"]]
    lines += _simplification_line(dfg, simp, t, lang)
    lines.append(f"{fmt_number(dfg.n_cases, lang, 0)} {t['cases']} · {fmt_number(dfg.n_events, lang, 0)} {t['events']}")
    if performance:
        lines.append(calendar_label if calendar_label is not None else dfg.calendar.describe(lang))

    show_service = performance and dfg.has_service_times
    legend = _legend_html(t, lang, performance=performance, working=working, hours_per_day=hours_per_day,
                          service=show_service)
    dot = graphviz.Digraph(name="process_map", engine="dot")
    dot.attr(rankdir="TB", fontname=FONT, labelloc="t", labeljust="l", label=_header_html(title, lines, legend),
             bgcolor="white", nodesep="0.3", ranksep="0.45", pad="0.3", outputorder="edgesfirst")
    dot.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize="12", penwidth="0.8",
             color="#51606f", margin="0.12,0.06")
    dot.attr("edge", fontname=FONT, fontsize="11", arrowsize="0.7")

    activities = dfg.activities  # most frequent first, ties by name: a fixed order
    ids = {str(name): f"a{i}" for i, name in enumerate(activities["activity"])}
    max_events = max((int(e) for e in activities["events"]), default=1) or 1
    edges = dfg.edges
    counts = [int(c) for c in edges["count"]]
    ends = [int(c) for c in dfg.start_activities["cases"]] + [int(c) for c in dfg.end_activities["cases"]]
    max_count = max(counts + ends, default=1) or 1

    # Every drawn edge as (count, from id, to id, attributes).
    drawn: list[tuple[int, str, str, dict[str, str]]] = []
    start_end = {"color": START_END_COLOUR, "style": "dashed", "fontcolor": START_END_COLOUR}
    for name, cases in dfg.start_activities.itertuples(index=False):
        if str(name) in ids:
            drawn.append((int(cases), "start", ids[str(name)],
                          {"label": "" if performance else f" {fmt_number(int(cases), lang, 0)}", **start_end}))
    for src, dst, count, wait in zip(edges["source"], edges["target"], edges["count"], edges[wait_column],
                                     strict=True):
        if str(src) not in ids or str(dst) not in ids:
            continue
        if performance:
            colour = DELAY_COLOURS[_wait_class(float(wait))] if not math.isnan(float(wait)) else START_END_COLOUR
            label = fmt_duration(float(wait), hours_per_day=hours_per_day, lang=lang)
        else:
            colour = FREQ_EDGE_COLOURS[_share_class(int(count) / max_count, len(FREQ_EDGE_COLOURS))]
            label = fmt_number(int(count), lang, 0)
        drawn.append((int(count), ids[str(src)], ids[str(dst)],
                      {"label": f" {label}", "color": colour, "fontcolor": "#222222"}))
    for name, cases in dfg.end_activities.itertuples(index=False):
        if str(name) in ids:
            drawn.append((int(cases), ids[str(name)], "end",
                          {"label": "" if performance else f" {fmt_number(int(cases), lang, 0)}", **start_end}))
    drawn.sort(key=lambda e: (-e[0], e[1], e[2]))

    # Nodes in flow order: dot breaks cycles by a depth-first search that takes nodes, and each node's
    # out-edges, in the order the nodes were declared. Declaring them in the order of a search from ▶ along
    # the most frequent paths first keeps the main flow pointing down; rarer paths back are drawn upwards.
    rows = {ids[str(r.activity)]: r for r in activities.itertuples(index=False)}
    dot.node("start", label=START_NODE, shape="circle", style="filled", fillcolor="#2f9e44", fontcolor="white",
             fontsize="16", width="0.45", fixedsize="true", color="#2b8a3e")
    for node_id in _flow_order(drawn, list(rows)):
        row = rows[node_id]
        share = int(row.events) / max_events
        cls = _share_class(share, len(NODE_COLOURS))
        text = "<BR/>".join(f"<B>{dot_html(part)}</B>" for part in _wrap(str(row.activity)))
        detail = f"{fmt_number(int(row.events), lang, 0)} {t['events']}"
        if show_service:
            service = float(getattr(row, service_column))
            if not math.isnan(service):
                detail += f" · {t['service']} {fmt_duration(service, hours_per_day=hours_per_day, lang=lang)}"
        fontcolor = "white" if cls >= 3 else "black"
        label = f'<{text}<BR/><FONT POINT-SIZE="11">{html.escape(detail)}</FONT>>'
        dot.node(node_id, label=label, fillcolor=NODE_COLOURS[cls], fontcolor=fontcolor)
    dot.node("end", label=END, shape="circle", style="filled", fillcolor="#343a40", fontcolor="white",
             fontsize="14", width="0.45", fixedsize="true", color="#212529")
    for count, src_id, dst_id, attrs in drawn:
        dot.edge(src_id, dst_id, penwidth=f"{1.0 + 6.0 * math.sqrt(count / max_count):.2f}",
                 weight=str(1 + round(20 * count / max_count)), **attrs)

    # ▶ on the first rank and ■ on the last, as a reader expects.
    with dot.subgraph(name="sources") as rank:
        rank.attr(rank="source")
        rank.node("start")
    with dot.subgraph(name="sinks") as rank:
        rank.attr(rank="sink")
        rank.node("end")
    return str(dot.source)


def _flow_order(drawn: Sequence[tuple[int, str, str, dict[str, str]]], nodes: Sequence[str]) -> list[str]:
    """Activity ids in depth-first preorder from ▶, most frequent out-edge first; unreached ones after."""
    out: dict[str, list[str]] = {}
    for _, src, dst, _attrs in drawn:  # already most frequent first
        out.setdefault(src, []).append(dst)
    known = set(nodes)
    order = preorder(["start"], out, skip={"end"})
    reached = {*order, "end"}
    return [n for n in order if n in known] + [n for n in nodes if n not in reached]


def _swatches(items: Sequence[tuple[str, str]]) -> str:
    """One legend row of colour swatches with their ranges, side by side."""
    cells = "".join(f'<TD BGCOLOR="{colour}" WIDTH="22" HEIGHT="14" BORDER="1" COLOR="#999999"> </TD>'
                    f'<TD ALIGN="LEFT">{html.escape(text)}  </TD>' for colour, text in items)
    return (f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1"><TR>{cells}'
            "</TR></TABLE></TD></TR>")


def _legend_html(t: dict[str, str], lang: str, *, performance: bool, working: bool, hours_per_day: float,
                 service: bool) -> str:
    def line(text: str, bold: bool = False) -> str:
        body = f"<B>{html.escape(text)}</B>" if bold else html.escape(text)
        return f'<TR><TD ALIGN="LEFT">{body}</TD></TR>'

    rows = [line(t["legend"], bold=True)]
    if performance:
        unit = t["unit_work"] if working else t["unit_cal"]
        units = t["units_work"].format(h=fmt_number(hours_per_day, lang, 0)) if working else t["units_cal"]
        rows.append(line(t["perf_colour"].format(unit=unit)))
        bounds = ("0",) + tuple(fmt_number(b, lang, 1) for b in DELAY_CLASSES)
        spans = [f"{bounds[i]}–{bounds[i + 1]} {t['day']}" if i < len(DELAY_CLASSES) else f"≥ {bounds[i]} {t['day']}"
                 for i in range(len(DELAY_COLOURS))]
        rows.append(_swatches(list(zip(DELAY_COLOURS, spans, strict=True))))
        rows.append(line(t["perf_label"].format(units=units)))
    else:
        rows.append(line(t["freq_colour"]))
    rows.append(line(t["width"]))
    rows.append(line(t["node_label_service" if service else "node_label"]))
    rows.append(line(t["node_fill"]))
    n = len(NODE_COLOURS)
    rows.append(_swatches([(colour, f"{i * 100 // n}–{(i + 1) * 100 // n}\u00a0%")
                           for i, colour in enumerate(NODE_COLOURS)]))
    rows.append(line(t["start_end"]))
    return ('<TABLE BORDER="1" COLOR="#bbbbbb" CELLBORDER="0" CELLSPACING="1" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>")


# ---- files ------------------------------------------------------------------------------------------------------
def render_process_map(
    dfg: DirectlyFollowsGraph,
    out_stem: str | Path,
    *,
    mode: str = "frequency",
    title: str,
    lang: str = "sv",
    simplification: Simplification | None = None,
    calendar_label: str | None = None,
) -> list[Path]:
    """Draw the process map to ``<out_stem>.svg`` and ``<out_stem>.png``; returns the two paths.

    Args:
        dfg: the graph, normally after :func:`~processmining.analyses.discovery.simplify` (a full graph of a
            log with hundreds of activities is drawn as it is, which nobody can read).
        out_stem: file path without suffix, e.g. ``reports/x/process_map``.
        mode: ``"frequency"`` (counts) or ``"performance"`` (median waiting times, coloured).
        title: first line of the title (the log's name); mode, simplification and counts are added.
        lang: ``"sv"`` (default) or ``"en"``.
        simplification: what was removed (default: ``dfg.simplification``).
        calendar_label: the sentence naming the working calendar (default: ``dfg.calendar.describe(lang)``).

    Example:
        >>> from processmining.analyses.discovery import discover_dfg, simplify_for_map
        >>> shown = simplify_for_map(discover_dfg(log))
        >>> [p.name for p in render_process_map(shown, tmp / "process_map", title="demo.csv")]
        ['process_map.svg', 'process_map.png']
    """
    source = process_map_dot(dfg, mode=mode, title=title, lang=lang, simplification=simplification,
                             calendar_label=calendar_label)
    return write_rendered(source, out_stem)
