"""A process model's files: BPMN 2.0 with its diagram, PNML, the Petri net drawing and the conformance figure.

- :func:`write_bpmn` (BPMN 2.0 XML with diagram layout, opens in Camunda Modeler, bpmn.io, Signavio) and
  :func:`write_pnml`: written atomically (:mod:`processmining.files`). pm4py's own BPMN layouter leaves an
  SVG in ``$TMPDIR`` per call; here the layout is computed from ``dot`` run in memory.
- :func:`render_petri_net`: SVG/PNG drawn from our own DOT (pm4py's visualiser names nodes by ``id()``,
  which changes on every run), through ``dot`` in memory: no temporary files.
- :func:`render_conformance`: the reference model's net with the tasks where cases deviated marked red;
  :func:`write_conformance_csv`: the deviating cases.
"""

from __future__ import annotations

import copy
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._pm4py import pm4py
from ..analyses.models import ConformanceResult, ProcessModel
from ..errors import AnalysisError
from ..files import atomic_path, write_csv
from ..formatting import fmt_number, fmt_share
from ..textsafe import dot_html, dot_text, xml_text
from .dot import preorder, write_rendered

__all__ = ["petri_net_dot", "render_conformance", "render_petri_net", "write_bpmn", "write_conformance_csv",
           "write_pnml"]

FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"


def _layout_bpmn(bpmn: Any) -> Any:
    """A copy of the BPMN graph with diagram positions (pm4py's GRAPHVIZ_NEW layouter, minus its temp file)."""
    import graphviz

    pm4py()
    from pm4py.objects.bpmn.layout.variants.graphviz_new import _get_node_boundary_point
    from pm4py.visualization.bpmn.variants import classic as bpmn_visualizer
    from pm4py.visualization.common import svg_pos_parser

    graph = copy.deepcopy(bpmn)
    layout = graph.get_layout()
    # Names from the data: safe for DOT while graphviz lays them out, then safe for the XML file (textsafe).
    named = [(node, node.get_name()) for node in graph.get_nodes()]
    for node, name in named:
        if isinstance(name, str):
            node.set_name(dot_text(name))
    gviz = bpmn_visualizer.apply(graph, parameters={"format": "svg", "include_name_in_events": False,
                                                    "endpoints_shape": "box"})
    svg = graphviz.Source(gviz.source).pipe(format="svg")
    for node, name in named:
        if isinstance(name, str):
            node.set_name(xml_text(name))
    nodes, flows = svg_pos_parser.apply(io.BytesIO(svg))  # ElementTree.parse takes a file object too
    for node in list(graph.get_nodes()):
        info = nodes.get(str(id(node)))
        if info is not None and info["polygon"] is not None:
            xs = [p[0] for p in info["polygon"]]
            ys = [p[1] for p in info["polygon"]]
            box = layout.get(node)
            box.set_width(max(xs) - min(xs))
            box.set_height(max(ys) - min(ys))
            box.set_x(min(xs))
            box.set_y(min(ys))
    for flow in list(graph.get_flows()):
        info = flows.get((str(id(flow.source)), str(id(flow.target))))
        if info is not None and info["waypoints"] is not None and len(info["waypoints"]) >= 2:
            points = list(info["waypoints"])
            points[0] = _get_node_boundary_point(layout, flow.source, points[1])
            points[-1] = _get_node_boundary_point(layout, flow.target, points[-2])
            flow.del_waypoints()
            for point in points:
                flow.add_waypoint(point)
    return graph


def write_bpmn(model: ProcessModel, path: str | Path) -> Path:
    """The model as BPMN 2.0 XML with a diagram (opens in a BPMN modeller), written atomically.

    Raises:
        AnalysisError: the model has no BPMN (a heuristics net pm4py cannot convert).
    """
    if model.bpmn is None:
        raise AnalysisError("this heuristics net cannot be converted to BPMN; use --miner inductive for a BPMN model")
    pm4py()
    from pm4py.objects.bpmn.exporter import exporter

    graph = _layout_bpmn(model.bpmn)
    with atomic_path(path) as tmp:
        exporter.apply(graph, str(tmp))
    return Path(path)


def write_pnml(model: ProcessModel, path: str | Path) -> Path:
    """The Petri net with its markings as PNML (ProM, WoPeD, pm4py.read_pnml), written atomically."""
    pm4py()
    from pm4py.objects.petri_net.exporter import exporter

    net, initial, final = copy.deepcopy((model.net, model.initial_marking, model.final_marking))
    for item in [*net.transitions, *net.places]:  # names and labels from the data, as XML can carry them
        if isinstance(item.name, str):
            item.name = xml_text(item.name)
        if isinstance(getattr(item, "label", None), str):
            item.label = xml_text(item.label)
    with atomic_path(path) as tmp:
        exporter.apply(net, initial, str(tmp), final_marking=final)
    return Path(path)


def petri_net_dot(
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    *,
    title: str = "",
    highlight: dict[str, int] | None = None,
    highlight_label: str = "",
) -> str:
    """DOT source of a Petri net, left to right, in a fixed order (places and transitions sorted by name).

    Args:
        net, initial_marking, final_marking: the pm4py net and markings.
        title: a line above the net.
        highlight: transition label -> number of deviating cases there; those transitions are drawn red with
            the number (the conformance figure).
        highlight_label: the word after the number, e.g. "ärenden".
    """
    import graphviz

    highlight = highlight or {}
    places = sorted(net.places, key=lambda p: str(p.name))
    transitions = sorted(net.transitions, key=lambda t: (str(t.name), str(t.label)))
    ids = {id(p): f"p{i}" for i, p in enumerate(places)}
    ids.update({id(t): f"t{i}" for i, t in enumerate(transitions)})
    # Declare nodes in the order of a search from the initial marking (dot lays out and breaks cycles in
    # declaration order), so that the net reads from its start on the left to its end on the right.
    arcs = sorted((ids[id(a.source)], ids[id(a.target)], int(getattr(a, "weight", 1))) for a in net.arcs)
    following: dict[str, list[str]] = {}
    for src, dst, _ in arcs:
        following.setdefault(src, []).append(dst)
    rank = {node: i for i, node in enumerate(preorder(
        [ids[id(p)] for p in places if p in initial_marking], following))}
    places.sort(key=lambda p: rank.get(ids[id(p)], len(rank)))
    transitions.sort(key=lambda t: rank.get(ids[id(t)], len(rank)))
    dot = graphviz.Digraph(name="petri_net", engine="dot")
    dot.attr(rankdir="LR", fontname=FONT, bgcolor="white", nodesep="0.25", ranksep="0.35", pad="0.3",
             labelloc="t", labeljust="l")
    if title:
        dot.attr(label=f'<<FONT POINT-SIZE="18"><B>{html.escape(title)}</B></FONT>>')
    dot.attr("node", fontname=FONT, fontsize="11")
    dot.attr("edge", arrowsize="0.6", color="#555555")
    for place in places:
        tokens = initial_marking.get(place, 0) if place in initial_marking else 0
        if tokens:
            dot.node(ids[id(place)], label="●" if tokens == 1 else str(tokens), shape="circle", width="0.35",
                     fixedsize="true", style="filled", fillcolor="#d3f9d8", color="#2b8a3e")
        elif place in final_marking:
            dot.node(ids[id(place)], label="■", shape="doublecircle", width="0.3", fixedsize="true",
                     style="filled", fillcolor="#e9ecef")
        else:
            dot.node(ids[id(place)], label="", shape="circle", width="0.28", fixedsize="true")
    for trans in transitions:
        if trans.label is None:
            dot.node(ids[id(trans)], label="", shape="box", width="0.12", height="0.4", style="filled",
                     fillcolor="#343a40", fixedsize="true")
            continue
        label = dot_html(trans.label)
        problems = highlight.get(str(trans.label), 0)
        if problems:
            dot.node(ids[id(trans)], shape="box", style="rounded,filled", fillcolor="#ffc9c9", color="#c92a2a",
                     penwidth="2", label=f'<{label}<BR/><FONT POINT-SIZE="10">{problems} '
                                         f"{html.escape(highlight_label)}</FONT>>")
        else:
            dot.node(ids[id(trans)], shape="box", style="rounded,filled", fillcolor="#edf2fa", color="#51606f",
                     label=f"<{label}>")
    for src, dst, weight in arcs:
        dot.edge(src, dst, label=str(weight) if weight != 1 else "")
    return str(dot.source)


def render_petri_net(model: ProcessModel, out_stem: str | Path, *, title: str = "",
                     formats: Sequence[str] = ("svg", "png")) -> list[Path]:
    """Draw the model's Petri net to ``<out_stem>.svg`` and ``.png`` (no temporary files); returns the paths."""
    return write_rendered(petri_net_dot(model.net, model.initial_marking, model.final_marking, title=title),
                          out_stem, formats)


def write_conformance_csv(result: ConformanceResult, path: str | Path) -> Path:
    """The deviating cases as CSV for Swedish Excel (UTF-8 with BOM, ``;``, decimal comma), written atomically."""
    return write_csv(result.deviations, path)


def render_conformance(result: ConformanceResult, out_stem: str | Path, *, lang: str = "sv",
                       formats: Sequence[str] = ("svg", "png")) -> list[Path]:
    """The reference model's Petri net with the tasks where cases deviated marked red, with their case counts."""
    highlight = {str(a): int(n) for a, n in zip(result.activities["activity"], result.activities["cases"],
                                                 strict=True)}
    name = Path(result.reference).name
    share = result.fitting_cases / result.n_cases if result.n_cases else 0.0
    def num(value: float, digits: int) -> str:
        return fmt_number(value, lang, digits)

    if lang == "sv":
        word = "avvikande ärenden"
        precision = num(result.precision, 3) if result.precision is not None else "inte beräknad"
        title = (f"{name}: {num(result.fitting_cases, 0)} av {num(result.n_cases, 0)} ärenden följer modellen "
                 f"({fmt_share(share, lang)}); fitness {num(result.fitness, 3)}, precision {precision}")
    else:
        word = "deviating cases"
        precision = num(result.precision, 3) if result.precision is not None else "not computed"
        title = (f"{name}: {num(result.fitting_cases, 0)} of {num(result.n_cases, 0)} cases fit the model "
                 f"({fmt_share(share, lang)}); fitness {num(result.fitness, 3)}, precision {precision}")
    source = petri_net_dot(result.model.net, result.model.initial_marking, result.model.final_marking,
                           title=title, highlight=highlight, highlight_label=word)
    return write_rendered(source, out_stem, formats)
