"""Files from a handover analysis: the graphviz map (SVG/PNG), GraphML, GEXF and CSV tables.

- :func:`render_handover_map`: edge width by handovers (log-scaled, 1..8 pt), edge colour by median
  delay in working days (fixed classes, grey -> orange -> dark red, so that two maps compare), node size
  by events and node fill by the share of its work received from other nodes; legend and title.
  Rendered in memory by :func:`~processmining.render.dot.pipe_dot` (graphviz's pipe: no temporary files, unlike
  pm4py's ``save_vis_*``; no version comment in the SVG), nodes and edges in sorted order so that the
  same input gives byte-identical SVG on every machine.
- :func:`write_graphml` / :func:`write_gexf`: the analysis graph as it is (already k-anonymous; every
  attribute an int, float or str), for Gephi, yEd and Cytoscape; they load back with networkx.
- :func:`write_handover_tables` / :func:`write_comparison_table`: CSV for Swedish Excel (UTF-8 with BOM,
  ``;`` separator, decimal comma).
- :func:`write_handover_files`: all of the above into one folder (the CLI and ``analyze`` call it).

Every file is written atomically (:mod:`processmining.files`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import graphviz
import networkx as nx

from ..analyses.handovers import HandoverAnalysis, HandoverComparison
from ..files import atomic_path, write_csv
from ..formatting import fmt_number
from ..textsafe import dot_text, xml_text
from .dot import pipe_dot, write_images

__all__ = [
    "DELAY_CLASSES",
    "handover_map_images",
    "render_handover_map",
    "write_comparison_table",
    "write_gexf",
    "write_graphml",
    "write_handover_files",
    "write_handover_tables",
]

FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
#: Upper bounds (working days, exclusive) of the delay colour classes; the last class is open.
DELAY_CLASSES: tuple[float, ...] = (0.1, 0.5, 1.0, 3.0, 10.0)
DELAY_COLOURS = ("#9e9e9e", "#f2c14e", "#f08a24", "#d9480f", "#a61e1e", "#5c0a0a")
SHARE_COLOURS = ("#f1f6fb", "#cfe1f2", "#93c4de", "#4a98c9", "#1764ab")  # received share 0-20-40-60-80-100 %
_TEXT: dict[str, dict[str, Any]] = {
    "sv": {
        "events": "händelser", "received": "från andra", "handovers": "överlämningar",
        "legend": "Teckenförklaring", "width": "Linjens bredd: antal överlämningar",
        "label": "Etikett: överlämningar · median väntetid (arbetsdagar)",
        "colour": "Färg: median väntetid vid överlämningen, arbetsdagar",
        "fill": "Ruta: storlek efter antal händelser, färg efter andel arbete mottaget från andra",
        "nodes": {"unit": "enheter", "resource": "handläggare"}, "cases": "ärenden",
        "hidden": "dolda (färre än {k} ärenden)", "shown": "visar de {n} största av {m} kanterna",
        "unit_d": "d",
    },
    "en": {
        "events": "events", "received": "from others", "handovers": "handovers",
        "legend": "Legend", "width": "Line width: number of handovers",
        "label": "Label: handovers · median waiting time (working days)",
        "colour": "Colour: median waiting time at the handover, working days",
        "fill": "Box: size by events, fill by share of work received from others",
        "nodes": {"unit": "units", "resource": "case officers"}, "cases": "cases",
        "hidden": "hidden (fewer than {k} cases)", "shown": "showing the {n} largest of {m} edges",
        "unit_d": "d",
    },
}


# ---- numbers as a Swedish (or English) reader expects them --------------------------------------
def _delay_class(workdays: float) -> int:
    for i, bound in enumerate(DELAY_CLASSES):
        if workdays < bound:
            return i
    return len(DELAY_CLASSES)


def _share_class(share: float) -> int:
    return min(int(share * len(SHARE_COLOURS)), len(SHARE_COLOURS) - 1)


# ---- the map --------------------------------------------------------------------------------------
def handover_dot(analysis: HandoverAnalysis, *, title: str, lang: str = "sv", max_edges: int = 80) -> str:
    """The DOT source of the handover map (sorted, so identical input gives identical text)."""
    t = _TEXT["sv" if lang == "sv" else "en"]
    graph = analysis.graph
    edges = analysis.edges.head(max_edges)
    shown_nodes = sorted(set(edges["source"]) | set(edges["target"])) if len(edges) else sorted(graph.nodes)
    ids = {name: f"n{i}" for i, name in enumerate(sorted(graph.nodes))}
    max_events = max((graph.nodes[n]["events"] for n in shown_nodes), default=1)
    max_h = int(edges["handovers"].max()) if len(edges) else 1

    c = analysis.counts
    subtitle = [
        f"{fmt_number(graph.number_of_nodes(), lang, 0)} {t['nodes'][analysis.level]} · "
        f"{fmt_number(int(c['handovers']), lang, 0)} {t['handovers']} · "
        f"{fmt_number(int(c['cases']), lang, 0)} {t['cases']}",
        analysis.calendar.describe(lang),
    ]
    if c["suppressed_nodes"] or c["suppressed_edges"]:
        subtitle.append(f"{fmt_number(int(c['suppressed_nodes']), lang, 0)} {t['nodes'][analysis.level]}, "
                        f"{fmt_number(int(c['suppressed_edges']), lang, 0)} "
                        f"{'kanter' if lang == 'sv' else 'edges'} {t['hidden'].format(k=analysis.min_group)}")
    if len(analysis.edges) > len(edges):
        subtitle.append(t["shown"].format(n=len(edges), m=len(analysis.edges)))

    dot = graphviz.Digraph(name="handovers", engine="dot")
    dot.attr(rankdir="LR", fontname=FONT, labelloc="t", labeljust="l", nodesep="0.4", ranksep="0.9",
             label=graphviz.nohtml(dot_text(title + "\n" + "\n".join(subtitle))), fontsize="16", bgcolor="white")
    dot.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize="11", penwidth="0.8")
    dot.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7")

    # At resource level each case officer is drawn inside a box of the unit they work in most, so the
    # map reads as "who in which unit hands over to whom"; at unit level there is one group (no box).
    groups: dict[str, list[str]] = {}
    for name in shown_nodes:
        unit = graph.nodes[name].get("unit", "") if analysis.level == "resource" else ""
        groups.setdefault(str(unit), []).append(name)
    for g, (unit, members) in enumerate(sorted(groups.items())):
        with dot.subgraph(name=f"cluster_unit{g}" if unit else f"plain{g}") as box:
            if unit:
                box.attr(label=graphviz.nohtml(dot_text(unit)), fontname=FONT, fontsize="12", style="rounded,dashed",
                         color="#888888")
            for name in members:
                d = graph.nodes[name]
                share = float(d["received_share"])
                scale = math.sqrt(d["events"] / max_events) if max_events else 0.0
                label = (f"{dot_text(name)}\n{fmt_number(int(d['events']), lang, 0)} {t['events']}\n"
                         f"{fmt_number(share * 100, lang, 0)} % {t['received']}")
                box.node(ids[name], label=graphviz.nohtml(label), fillcolor=SHARE_COLOURS[_share_class(share)],
                         fontcolor="white" if _share_class(share) >= 3 else "black",
                         width=f"{1.2 + 1.8 * scale:.2f}", height=f"{0.5 + 0.7 * scale:.2f}")
    for row in edges.sort_values(["source", "target"]).itertuples(index=False):  # one per edge
        h = int(row.handovers)
        width = 1 + 7 * math.log1p(h) / math.log1p(max_h) if max_h > 0 else 1.0
        delay = float(row.median_delay_workdays)
        dot.edge(ids[row.source], ids[row.target],
                 label=graphviz.nohtml(f"{fmt_number(h, lang, 0)} · {fmt_number(delay, lang, 1)} {t['unit_d']}"),
                 penwidth=f"{width:.2f}", color=DELAY_COLOURS[_delay_class(delay)])

    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label=t["legend"], fontname=FONT, fontsize="11", style="rounded", color="#bbbbbb")
        legend.node("legend", shape="plaintext", style="", label=_legend_html(t, lang))
    return str(dot.source)


def _legend_html(t: dict[str, Any], lang: str) -> str:
    bounds = ("0",) + tuple(fmt_number(b, lang, 1) for b in DELAY_CLASSES)
    rows = []
    for i, colour in enumerate(DELAY_COLOURS):
        span = f"{bounds[i]}–{bounds[i + 1]}" if i < len(DELAY_CLASSES) else f"≥ {bounds[i]}"
        rows.append(f'<TR><TD BGCOLOR="{colour}" WIDTH="30"> </TD><TD ALIGN="LEFT">{html.escape(span)}</TD></TR>')
    shares = []
    for i, colour in enumerate(SHARE_COLOURS):
        lo, hi = i * 100 // len(SHARE_COLOURS), (i + 1) * 100 // len(SHARE_COLOURS)
        shares.append(f'<TR><TD BGCOLOR="{colour}" WIDTH="30"> </TD><TD ALIGN="LEFT">{lo}–{hi} %</TD></TR>')
    esc = {k: html.escape(str(v)) for k, v in t.items() if isinstance(v, str)}
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">'
        f'<TR><TD COLSPAN="2" ALIGN="LEFT">{esc["colour"]}</TD></TR>' + "".join(rows)
        + f'<TR><TD COLSPAN="2" ALIGN="LEFT">{esc["width"]}</TD></TR>'
        + f'<TR><TD COLSPAN="2" ALIGN="LEFT">{esc["label"]}</TD></TR>'
        + f'<TR><TD COLSPAN="2" ALIGN="LEFT">{esc["fill"]}</TD></TR>' + "".join(shares)
        + "</TABLE>>"
    )


def render_handover_map(
    analysis: HandoverAnalysis,
    path_stem: str | Path,
    *,
    title: str,
    formats: Sequence[str] = ("svg", "png"),
    lang: str = "sv",
    max_edges: int = 80,
) -> list[Path]:
    """Render the handover map to ``<path_stem>.<format>`` for each format; returns the paths.

    Args:
        analysis: the result of :func:`~processmining.analyses.handovers.handover_graph`.
        path_stem: file path without suffix, e.g. ``reports/x/handover_map``.
        title: first line of the title (log name, period, ...); counts and calendar are added.
        formats: graphviz output formats (svg, png, pdf).
        lang: ``"sv"`` (decimal comma) or ``"en"``.
        max_edges: draw at most this many edges, the largest; the title says when edges are left out.
    """
    return write_images(handover_map_images(analysis, title=title, formats=formats, lang=lang, max_edges=max_edges),
                        path_stem)


def handover_map_images(
    analysis: HandoverAnalysis,
    *,
    title: str,
    formats: Sequence[str] = ("svg", "png"),
    lang: str = "sv",
    max_edges: int = 80,
) -> dict[str, bytes]:
    """:func:`render_handover_map`'s pictures in memory (format -> bytes), nothing written. Through the
    process map's ``dot`` runner: the SVG carries no graphviz version (the same bytes on every machine),
    and a missing ``dot`` is the one-line error that names what to install."""
    source = handover_dot(analysis, title=title, lang=lang, max_edges=max_edges)
    return {fmt: pipe_dot(source, fmt) for fmt in formats}


# ---- graph and table exports ----------------------------------------------------------------------
def _xml_safe(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy whose node names and text attributes XML can carry (:func:`~processmining.textsafe.xml_text`): a
    control character in a unit's or officer's name is written visibly instead of failing the writer."""
    def safe(value: Any) -> Any:
        return xml_text(value) if isinstance(value, str) else value

    copy = nx.relabel_nodes(graph, {n: safe(n) for n in graph.nodes}, copy=True)
    for _, data in copy.nodes(data=True):
        data.update({k: safe(v) for k, v in data.items()})
    for _, _, data in copy.edges(data=True):
        data.update({k: safe(v) for k, v in data.items()})
    copy.graph = {k: safe(v) for k, v in graph.graph.items()}
    return copy


def write_graphml(analysis: HandoverAnalysis, path: str | Path) -> Path:
    """The handover graph as GraphML (``networkx.write_graphml``), written atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        nx.write_graphml(_xml_safe(analysis.graph), tmp, encoding="utf-8")
    return path


def write_gexf(analysis: HandoverAnalysis, path: str | Path) -> Path:
    """The handover graph as GEXF 1.2 (``networkx.write_gexf``), written atomically."""
    path = Path(path)
    graph = _xml_safe(analysis.graph)
    graph.graph = {"mode": "static"}  # GEXF has no place for free graph attributes
    with atomic_path(path) as tmp:
        nx.write_gexf(graph, tmp, encoding="utf-8")
    return path


def write_handover_tables(analysis: HandoverAnalysis, out: str | Path) -> list[Path]:
    """``handover_edges.csv`` and ``handover_nodes.csv`` (UTF-8 BOM, ``;``, decimal comma) in ``out``."""
    out = Path(out)
    return [write_csv(analysis.edges, out / "handover_edges.csv"),
            write_csv(analysis.nodes, out / "handover_nodes.csv")]


def write_comparison_table(comparison: HandoverComparison, path: str | Path) -> Path:
    """The per-edge comparison of two periods as CSV (same format as the other tables)."""
    return write_csv(comparison.edges, Path(path))


def write_handover_files(
    analysis: HandoverAnalysis,
    out: str | Path,
    *,
    title: str,
    comparison: HandoverComparison | None = None,
    formats: Sequence[str] = ("svg", "png"),
    lang: str = "sv",
) -> list[Path]:
    """Every handover file into ``out``: handovers.graphml, handovers.gexf, handover_map.<formats>,
    handover_edges.csv, handover_nodes.csv, and handover_comparison.csv when a comparison is given."""
    out = Path(out)
    written = [write_graphml(analysis, out / "handovers.graphml"), write_gexf(analysis, out / "handovers.gexf")]
    written += render_handover_map(analysis, out / "handover_map", title=title, formats=formats, lang=lang)
    written += write_handover_tables(analysis, out)
    if comparison is not None:
        written.append(write_comparison_table(comparison, out / "handover_comparison.csv"))
    return written
