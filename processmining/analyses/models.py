"""Process models: discovery with pm4py (inductive or heuristics miner), BPMN/PNML export, Petri net figures,
and conformance of a log against a reference BPMN model.

- :func:`discover_model`: the inductive miner (``noise_threshold`` 0: every case of the log fits the model;
  above 0: infrequent behaviour is left out, pm4py's IMf) or the heuristics miner. The inductive miner is
  fed the log's variant counts (:meth:`EventLog.variant_counts`), not the table: about 90 % of pm4py's
  ``discover_petri_net_inductive`` is turning the table into variants (PITFALLS.md). That uses pm4py's
  internal ``IMUVCL``/``IMFUVCL`` on an ``IMDataStructureUVCL`` of a ``Counter`` of variant tuples, the
  same calls ``pm4py.algo.discovery.inductive.algorithm.apply`` makes (pm4py is pinned to 2.7.23 and a
  test checks that the tree equals ``pm4py.discover_process_tree_inductive`` on the same log).
- :func:`write_bpmn` (BPMN 2.0 XML with diagram layout, opens in Camunda Modeler, bpmn.io, Signavio) and
  :func:`write_pnml`: written to a temporary name in the target folder, then moved into place.
  pm4py's own BPMN layouter leaves an SVG in ``$TMPDIR`` per call; here the layout is computed from
  ``dot`` run in memory.
- :func:`render_petri_net`: SVG/PNG drawn from our own DOT (pm4py's visualiser names nodes by ``id()``,
  which changes on every run), through ``dot`` in memory: no temporary files.
- :func:`check_conformance`: token-based replay or alignments of the log on a reference BPMN, computed
  once per variant and expanded to the cases; fitness and precision as pm4py computes them; one row per
  deviating case saying what deviated. A block-structured BPMN is replayed on the net of its process tree
  (same behaviour, far fewer silent steps); token replay explores silent steps exhaustively, since pm4py's
  default gives up on long chains of them and calls fitting cases unfit.

pm4py never sees ``log.events`` itself: it gets its own objects (variant counters, pm4py event logs, or
copies of the three columns it needs).
"""

from __future__ import annotations

import copy
import html
import io
import math
import os
import time
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._pm4py import pm4py
from ..errors import AnalysisError, ConfigError, UnreadableFileError
from ..log import ACTIVITY, CASE, TIMESTAMP, EventLog
from ..textsafe import dot_html, dot_text, xml_text
from .variants import variant_text

__all__ = [
    "CONFORMANCE_METHODS",
    "DEVIATION_COLUMNS",
    "MINERS",
    "PRECISION_MAX_PREFIXES",
    "ConformanceResult",
    "ProcessModel",
    "check_conformance",
    "discover_model",
    "petri_net_dot",
    "read_reference_model",
    "render_conformance",
    "render_petri_net",
    "write_bpmn",
    "write_conformance_csv",
    "write_pnml",
]

MINERS = ("inductive", "heuristics")
#: check_conformance computes precision by default only up to this many distinct case prefixes (pm4py's
#: ETConformance replays every prefix: about 6-8 ms each).
PRECISION_MAX_PREFIXES = 5_000
CONFORMANCE_METHODS = ("token_replay", "alignments")
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
#: Columns of :attr:`ConformanceResult.deviations` (the method-specific ones are empty for the other method).
DEVIATION_COLUMNS = (
    "case", "variant", "cases_with_variant", "fitness", "deviation",
    "not_in_model", "could_not_fire", "missing_tokens", "remaining_tokens",  # token replay
    "moves_on_log", "moves_on_model", "deviating_steps",  # alignments
)


# ---- discovery ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProcessModel:
    """A discovered (or reference) process model.

    Attributes:
        net: the pm4py ``PetriNet``.
        initial_marking: its initial ``Marking``.
        final_marking: its final ``Marking``.
        bpmn: the pm4py ``BPMN`` graph (``None`` where a heuristics net cannot be converted).
        process_tree: the pm4py ``ProcessTree`` (inductive miner only).
        miner: ``"inductive"``, ``"heuristics"`` or ``"reference"`` (read from a file).
        noise_threshold: the inductive miner's noise threshold (0: perfect fitness).
        dependency_threshold: the heuristics miner's dependency threshold.
        activities: the activities of the log the model was discovered from, sorted.
        n_cases: cases of that log.
        n_variants: variants of that log.
        seconds: time the miner took.
    """

    net: Any
    initial_marking: Any
    final_marking: Any
    bpmn: Any | None
    process_tree: Any | None = None
    miner: str = "inductive"
    noise_threshold: float = 0.0
    dependency_threshold: float | None = None
    activities: tuple[str, ...] = ()
    n_cases: int = 0
    n_variants: int = 0
    seconds: float = field(default=0.0, compare=False)

    @property
    def transitions(self) -> int:
        return len(self.net.transitions)

    @property
    def silent_transitions(self) -> int:
        return sum(1 for t in self.net.transitions if t.label is None)

    @property
    def places(self) -> int:
        return len(self.net.places)

    @property
    def tasks(self) -> tuple[str, ...]:
        """The labels of the visible transitions (the model's activities), sorted."""
        return tuple(sorted({str(t.label) for t in self.net.transitions if t.label is not None}))

    def to_summary(self) -> dict[str, Any]:
        """JSON-ready description: miner, thresholds, size of the net and of the BPMN."""
        bpmn = None
        if self.bpmn is not None:
            from pm4py.objects.bpmn.obj import BPMN

            nodes = list(self.bpmn.get_nodes())
            bpmn = {"nodes": len(nodes), "flows": len(self.bpmn.get_flows()),
                    "tasks": sum(isinstance(n, BPMN.Task) for n in nodes),
                    "gateways": sum(isinstance(n, BPMN.Gateway) for n in nodes)}
        return {
            "miner": self.miner,
            "noise_threshold": self.noise_threshold if self.miner == "inductive" else None,
            "dependency_threshold": self.dependency_threshold,
            "activities": len(self.tasks),
            "petri_net": {"places": self.places, "transitions": self.transitions,
                          "silent_transitions": self.silent_transitions, "arcs": len(self.net.arcs)},
            "bpmn": bpmn,
            "cases": self.n_cases,
            "variants": self.n_variants,
            "seconds": round(self.seconds, 3),
        }


def _variant_counter(log: EventLog) -> Counter[tuple[str, ...]]:
    """The variants of the log as pm4py's UVCL: a Counter of activity tuples (plain str and int)."""
    counts = log.variant_counts()
    return Counter({tuple(str(a) for a in variant): int(n) for variant, n in zip(counts.index, counts, strict=True)})


def _inductive_tree(log: EventLog, noise_threshold: float) -> Any:
    """pm4py's inductive miner on the variant counts: the calls of ``inductive.algorithm.apply``."""
    pm4py()  # quiet import
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.algo.discovery.inductive.variants.im import IMUVCL
    from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL
    from pm4py.objects.process_tree.utils import generic as pt_util

    parameters = {"noise_threshold": noise_threshold, "multiprocessing": False, "disable_fallthroughs": False}
    miner = IMFUVCL(parameters) if noise_threshold > 0 else IMUVCL(parameters)
    tree = miner.apply(IMDataStructureUVCL(_variant_counter(log)), parameters)
    tree = pt_util.fold(tree)
    pt_util.tree_sort(tree)
    return tree


def _pm4py_frame(log: EventLog) -> pd.DataFrame:
    """A copy of the three columns pm4py needs (pm4py may add columns to what it is given)."""
    return log.events[[CASE, ACTIVITY, TIMESTAMP]].copy()


def discover_model(
    log: EventLog,
    *,
    miner: str = "inductive",
    noise_threshold: float = 0.0,
    dependency_threshold: float = 0.5,
    activities: Collection[str] | None = None,
) -> ProcessModel:
    """Discover a process model (Petri net and BPMN) of a log with pm4py.

    Args:
        log: the event log (not changed).
        miner: ``"inductive"`` (block-structured, sound; with noise 0 every case fits) or ``"heuristics"``
            (follows frequent paths, may be unsound; BPMN only where pm4py can convert the net).
        noise_threshold: inductive miner only, 0 <= x < 1: share of infrequent behaviour to leave out (IMf).
        dependency_threshold: heuristics miner only, 0 <= x <= 1: how sure a dependency must be to be drawn.
        activities: mine only these activities (the log projected onto them, as the process map does: a case
            a→b→c with b left out reads a→c); ``None``: all. Use the activities of a simplified map for logs
            with hundreds of activities: the inductive miner takes minutes there (BPIC15_1: > 15 min on 398
            activities, seconds on the 36 of the default map) and nobody can read the model.

    Returns:
        A :class:`ProcessModel`.

    Raises:
        ConfigError: unknown miner or a threshold out of range.
        AnalysisError: the log has no events.

    Example:
        >>> model = discover_model(log, miner="inductive")
        >>> write_bpmn(model, Path("reports/x/model.bpmn"))
    """
    if miner not in MINERS:
        raise ConfigError(f"unknown miner {miner!r}; choose inductive or heuristics")
    if not 0 <= noise_threshold < 1 or math.isnan(noise_threshold):
        raise ConfigError(f"--noise must be at least 0 and below 1, got {noise_threshold:g}")
    if not 0 <= dependency_threshold <= 1 or math.isnan(dependency_threshold):
        raise ConfigError(f"the dependency threshold must be between 0 and 1, got {dependency_threshold:g}")
    if activities is not None:
        wanted = set(activities)
        unknown = sorted(wanted - set(log.activities))
        if unknown:
            raise ConfigError(f"activity {unknown[0]!r} does not occur in the log")
        if len(wanted) < len(log.activities):
            ev = log.events
            log = log.with_events(ev[ev[ACTIVITY].isin(wanted)].reset_index(drop=True))
    if log.n_events == 0:
        raise AnalysisError("the log has no events: there is no process to discover")
    pm = pm4py()
    began = time.perf_counter()
    tree = None
    if miner == "inductive":
        tree = _inductive_tree(log, noise_threshold)
        net, im, fm = pm.convert_to_petri_net(tree)
        bpmn = pm.convert_to_bpmn(tree)
    else:
        net, im, fm = pm.discover_petri_net_heuristics(_pm4py_frame(log), dependency_threshold=dependency_threshold)
        try:
            bpmn = pm.convert_to_bpmn(net, im, fm)
        except Exception:  # pm4py raises a bare Exception for nets it cannot convert
            bpmn = None
    return ProcessModel(
        net=net, initial_marking=im, final_marking=fm, bpmn=bpmn, process_tree=tree, miner=miner,
        noise_threshold=float(noise_threshold) if miner == "inductive" else 0.0,
        dependency_threshold=float(dependency_threshold) if miner == "heuristics" else None,
        activities=tuple(log.activities), n_cases=log.n_cases, n_variants=log.n_variants,
        seconds=time.perf_counter() - began,
    )


# ---- files -------------------------------------------------------------------------------------------------------
def _atomic(path: Path, write: Any) -> Path:
    """Call ``write(tmp)`` for a temporary file next to ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


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
    return _atomic(Path(path), lambda tmp: exporter.apply(graph, str(tmp)))


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
    return _atomic(Path(path), lambda tmp: exporter.apply(net, initial, str(tmp), final_marking=final))


# ---- Petri net figure ----------------------------------------------------------------------------------------------
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
    rank = {node: i for i, node in enumerate(_search_order(
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


def _search_order(roots: Sequence[str], following: dict[str, list[str]]) -> list[str]:
    """Nodes in depth-first preorder from ``roots`` (successors in the given order)."""
    order: list[str] = []
    seen: set[str] = set()
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(reversed([n for n in following.get(node, ()) if n not in seen]))
    return order


def render_petri_net(model: ProcessModel, out_stem: str | Path, *, title: str = "",
                     formats: Sequence[str] = ("svg", "png")) -> list[Path]:
    """Draw the model's Petri net to ``<out_stem>.svg`` and ``.png`` (no temporary files); returns the paths."""
    from ..render.process_map import write_rendered

    return write_rendered(petri_net_dot(model.net, model.initial_marking, model.final_marking, title=title),
                          out_stem, formats)


# ---- conformance ---------------------------------------------------------------------------------------------------
def read_reference_model(path: str | Path) -> ProcessModel:
    """Read a BPMN 2.0 file as a reference model (BPMN plus the Petri net pm4py converts it to).

    Raises:
        ConfigError: the file is missing, unsafe (DOCTYPE/ENTITY), not BPMN, has no tasks, or cannot be
            converted to a Petri net; the message names the file.
    """
    from ..ingest.xes import check_xml_safe

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: reference model not found")
    data = path.read_bytes()
    if not data.strip():
        raise ConfigError(f"{path}: the reference model is empty; export it again as BPMN 2.0 XML")
    try:
        check_xml_safe(data, path)
    except UnreadableFileError as exc:
        raise ConfigError(str(exc)) from exc
    pm = pm4py()
    try:
        bpmn = pm.read_bpmn(str(path))
    except Exception as exc:  # lxml syntax errors, pm4py's KeyError/AttributeError on unexpected markup
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{path}: not a readable BPMN 2.0 model ({first}); export it again from the "
                          "modelling tool as BPMN 2.0 XML") from exc
    from pm4py.objects.bpmn.obj import BPMN

    if not any(isinstance(n, BPMN.Task) for n in bpmn.get_nodes()):
        raise ConfigError(f"{path}: the BPMN model has no tasks; export the process (not only the diagram) as "
                          "BPMN 2.0 XML")
    try:
        net, im, fm = pm.convert_to_petri_net(bpmn)
    except Exception as exc:
        raise ConfigError(f"{path}: the BPMN model cannot be turned into a Petri net ({exc}); check that it has "
                          "one start event, one end event and connected sequence flows") from exc
    if not im or not fm:
        raise ConfigError(f"{path}: the BPMN model needs a start event and an end event")
    tree = None
    try:
        # A block-structured BPMN (like every one write_bpmn writes) becomes a process tree, whose Petri net has
        # the same behaviour with far fewer silent steps: replay is about 4x faster and pm4py's token-based
        # precision is that of the discovered net itself. Other BPMNs are replayed on their own net.
        tree = pm.convert_to_process_tree(net, im, fm)
        net, im, fm = pm.convert_to_petri_net(tree)
    except Exception:  # pm4py raises a bare Exception for nets that are not block-structured
        tree = None
    return ProcessModel(net=net, initial_marking=im, final_marking=fm, bpmn=bpmn, process_tree=tree,
                        miner="reference")


@dataclass(frozen=True, slots=True)
class ConformanceResult:
    """How well a log fits a reference model.

    Attributes:
        method: ``"token_replay"`` or ``"alignments"``.
        reference: path of the reference model.
        fitness: pm4py's log fitness (token replay: from missing and remaining tokens, ignoring activities the
            model does not have; alignments: 1 - cost / worst-case cost, where pm4py charges each silent step
            a tiny cost, so a perfectly fitting log can score a hair under 1.0 there).
        precision: ETConformance precision by token replay (how much of the behaviour the model allows the log
            uses), for both methods (alignment-based precision would align every prefix of every case);
            ``None`` where not computed (see :func:`check_conformance`).
        average_case_fitness: mean fitness of the cases.
        n_cases: cases replayed.
        fitting_cases: cases that fit the model exactly and have no activity the model lacks.
        n_variants, fitting_variants: the same, counted by variant.
        deviations: one row per deviating case, columns :data:`DEVIATION_COLUMNS`, worst first.
        activities: per model task or log activity where something deviated: ``activity``,
            ``cases_could_not_fire`` / ``cases_not_in_model`` (token replay) or ``cases_move_on_log`` /
            ``cases_move_on_model`` (alignments), and ``cases`` (deviating cases where it is involved).
        model: the reference model (for the figure).
        notes: what a reader should know (e.g. activities the model does not have).
        seconds: time the replay took.
    """

    method: str
    reference: str
    fitness: float
    precision: float | None
    average_case_fitness: float
    n_cases: int
    fitting_cases: int
    n_variants: int
    fitting_variants: int
    deviations: pd.DataFrame
    activities: pd.DataFrame
    model: ProcessModel = field(repr=False, compare=False)
    notes: tuple[str, ...] = ()
    seconds: float = field(default=0.0, compare=False)

    @property
    def deviating_cases(self) -> int:
        return self.n_cases - self.fitting_cases

    def to_summary(self, top: int = 10) -> dict[str, Any]:
        """JSON-ready: fitness, precision, counts, the activities that deviate most and the first deviating cases."""
        cases = []
        for row in self.deviations.head(top).itertuples(index=False):
            cases.append({"case": str(row.case), "variant": row.variant, "fitness": round(float(row.fitness), 4),
                          "deviation": row.deviation})
        return {
            "method": self.method,
            "reference": self.reference,
            "fitness": round(self.fitness, 4),
            "precision": round(self.precision, 4) if self.precision is not None else None,
            "precision_method": "etconformance_token_replay",
            "average_case_fitness": round(self.average_case_fitness, 4),
            "cases": self.n_cases,
            "fitting_cases": self.fitting_cases,
            "deviating_cases": self.deviating_cases,
            "fitting_share": round(self.fitting_cases / self.n_cases, 4) if self.n_cases else None,
            "variants": self.n_variants,
            "fitting_variants": self.fitting_variants,
            "activities": [{k: (int(v) if k != "activity" else str(v)) for k, v in row.items()}
                           for row in self.activities.head(top).to_dict("records")],
            "deviating_cases_top": cases,
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


def _variant_log(variants: Sequence[tuple[str, ...]]) -> Any:
    """A pm4py EventLog with one trace per variant (only activity names: all the replay reads)."""
    pm4py()
    from pm4py.objects.log.obj import Event, Trace
    from pm4py.objects.log.obj import EventLog as PmEventLog

    return PmEventLog([Trace([Event({ACTIVITY: a}) for a in v], attributes={"concept:name": f"v{i}"})
                       for i, v in enumerate(variants)])


def _join(items: Sequence[str]) -> str:
    return "; ".join(items)


def check_conformance(
    log: EventLog,
    reference_bpmn_path: str | Path,
    *,
    method: str = "token_replay",
    precision: bool | None = None,
) -> ConformanceResult:
    """Replay a log on a reference BPMN model: fitness, precision and the cases that deviate, with how.

    Replay runs once per variant (BPIC15_1: 1,170 replays for 1,199 cases) and is expanded to the cases.
    Token replay runs on the variants restricted to the model's tasks (pm4py's replay skips other activities,
    so each case's result is the same; fewer, shorter variants), on the Petri net of the model's process tree
    where the BPMN is block-structured (same behaviour as the BPMN's own net, fewer silent steps: 4x faster).

    Args:
        log: the event log (not changed).
        reference_bpmn_path: a BPMN 2.0 file (e.g. drawn in a modeller, or written by :func:`write_bpmn`).
        method: ``"token_replay"`` (fast; names the tasks that had to fire without their input, and the
            activities the model does not have) or ``"alignments"`` (optimal alignments: the steps the
            case did that the model does not allow, "moves on log", and the steps the model requires that the
            case skipped, "moves on model"; slower on models with many silent steps).
        precision: compute precision (ETConformance by token replay over every distinct prefix of the cases,
            restricted to the model's tasks). ``None``: only up to :data:`PRECISION_MAX_PREFIXES` distinct
            prefixes (about 30 s); BPIC15_1 has 11,574 (90 s). ``False``: never.

    Raises:
        ConfigError: unknown method, or a reference file that cannot be used (the message names it).
        AnalysisError: the log has no events.
    """
    if method not in CONFORMANCE_METHODS:
        raise ConfigError(f"unknown conformance method {method!r}; choose token_replay or alignments")
    if log.n_events == 0:
        raise AnalysisError("the log has no events: there is nothing to check")
    model = read_reference_model(reference_bpmn_path)
    pm4py()
    began = time.perf_counter()
    counts = log.variant_counts()
    variants = [tuple(str(a) for a in v) for v in counts.index]
    weights = [int(c) for c in counts]
    tasks = set(model.tasks)
    if method == "token_replay":
        per_variant, rows = _token_replay(model, variants, tasks)
        from pm4py.algo.evaluation.replay_fitness.variants import token_replay as fitness_eval
    else:
        per_variant, rows = _alignments(model, variants)
        from pm4py.algo.evaluation.replay_fitness.variants import alignment_based as fitness_eval
    expanded = [res for res, n in zip(per_variant, weights, strict=True) for _ in range(n)]
    fit = fitness_eval.evaluate(expanded)
    notes = []
    value, prefixes = _precision(log, model, tasks, force=precision)
    if value is None and precision is None:
        notes.append(f"precision not computed: the cases have {prefixes:,} distinct prefixes (more than "
                     f"{PRECISION_MAX_PREFIXES:,}), which takes minutes; ask for it explicitly (--precision)")

    fits = [bool(r["fits"]) for r in rows]
    index = {v: i for i, v in enumerate(variants)}
    records = []
    for case, variant in log.case_variants().items():
        i = index[tuple(str(a) for a in variant)]
        if fits[i]:
            continue
        records.append({"case": str(case), "variant": variant_text(variants[i]), "cases_with_variant": weights[i],
                        **{k: v for k, v in rows[i].items() if k != "fits"}})
    deviations = pd.DataFrame.from_records(records, columns=list(DEVIATION_COLUMNS))
    if len(deviations):
        deviations = deviations.sort_values(["fitness", "cases_with_variant", "case"], ascending=[True, False, True],
                                            kind="stable").reset_index(drop=True)
    activities = _activity_table(rows, weights, method)

    missing = sorted(set(log.activities) - tasks)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        verb = "is not a task" if len(missing) == 1 else "are not tasks"
        notes.append(f"{len(missing)} of the log's {len(log.activities)} activities {verb} of the model: {shown}")
    unused = sorted(tasks - set(log.activities))
    if unused:
        shown = ", ".join(unused[:5]) + (f" and {len(unused) - 5} more" if len(unused) > 5 else "")
        verb = "never occurs" if len(unused) == 1 else "never occur"
        notes.append(f"{len(unused)} of the model's {len(tasks)} tasks {verb} in the log: {shown}")
    fitting_cases = sum(n for n, ok in zip(weights, fits, strict=True) if ok)
    return ConformanceResult(
        method=method, reference=str(reference_bpmn_path), fitness=float(fit["log_fitness"]),
        precision=value, average_case_fitness=float(fit["average_trace_fitness"]),
        n_cases=int(sum(weights)), fitting_cases=int(fitting_cases), n_variants=len(variants),
        fitting_variants=int(sum(fits)), deviations=deviations, activities=activities, model=model,
        notes=tuple(notes), seconds=time.perf_counter() - began,
    )


def _token_replay(model: ProcessModel, variants: Sequence[tuple[str, ...]],
                  tasks: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay

    # Exhaustive exploration of silent transitions: without it pm4py's replay reports some cases of a model's
    # own log as unfit (it gives up on long chains of silent steps; 14 of 116 variants of 08_receipt).
    # Not consider_activities_not_in_model_in_fitness: in pm4py 2.7.23 it also marks other variants that share
    # a prefix with such a case as unfit. Activities the model lacks are found here instead: such a case deviates
    # (its fitness, pm4py's, ignores the unknown activity).
    parameters = {"exhaustive_invisible_exploration": True, "show_progress_bar": False}
    projected = [tuple(a for a in v if a in tasks) for v in variants]
    unique = list(dict.fromkeys(projected))
    replayed = token_replay.apply(_variant_log(unique), model.net, model.initial_marking, model.final_marking,
                                  parameters=parameters)
    by_variant = dict(zip(unique, replayed, strict=True))
    results = [by_variant[p] for p in projected]
    rows = []
    for variant, res in zip(variants, results, strict=True):
        not_in_model = sorted({a for a in variant if a not in tasks})
        could_not = _forced_activities(res)
        fits = bool(res["trace_is_fit"]) and not not_in_model
        parts = []
        if could_not:
            parts.append("could not fire: " + _join(could_not))
        if not_in_model:
            parts.append("not in the model: " + _join(not_in_model))
        if res["remaining_tokens"] and not parts:
            parts.append("the case stops before the model's end")
        elif res["remaining_tokens"]:
            left = int(res["remaining_tokens"])
            parts.append(f"{left} token{'s' if left != 1 else ''} left in the model")
        if not fits and not parts:
            parts.append(f"{res['missing_tokens']} missing tokens")
        rows.append({
            "fits": fits, "fitness": float(res["trace_fitness"]), "deviation": _join(parts),
            "not_in_model": _join(not_in_model), "could_not_fire": _join(could_not),
            "missing_tokens": int(res["missing_tokens"]), "remaining_tokens": int(res["remaining_tokens"]),
            "moves_on_log": "", "moves_on_model": "", "deviating_steps": None,
        })
    return list(results), rows


def _forced_activities(res: dict[str, Any]) -> list[str]:
    """The activities that fired without their input tokens, in replay order.

    A silent step that had to be forced (e.g. a parallel join whose other branch never ran) is attributed to
    the next activity of the case, which is what waited for it; one at the very end to the end of the process.
    """
    problems = {id(t) for t in res["transitions_with_problems"]}
    found: list[str] = []
    pending = False
    for trans in res["activated_transitions"]:
        forced = id(trans) in problems
        if trans.label is None:
            pending = pending or forced
            continue
        if (forced or pending) and str(trans.label) not in found:
            found.append(str(trans.label))
        pending = False
    if pending:
        found.append("(end)")
    return found


def _alignments(model: ProcessModel,
                variants: Sequence[tuple[str, ...]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

    # Dijkstra without the state-equation heuristic: the same optimal alignments, several times faster on
    # nets converted from BPMN (many silent steps): 12 s instead of 82 s on 08_receipt's model.
    results = alignments.apply(_variant_log(variants), model.net, model.initial_marking, model.final_marking,
                               variant=alignments.Variants.VERSION_DIJKSTRA_LESS_MEMORY,
                               parameters={"show_progress_bar": False})
    rows = []
    for res in results:
        if res is None:
            raise AnalysisError("an alignment could not be computed (the model may have no way to its end)")
        on_log = [str(a) for a, b in res["alignment"] if b == ">>" and a != ">>"]
        on_model = [str(b) for a, b in res["alignment"] if a == ">>" and b not in (">>", None)]
        fits = not on_log and not on_model
        parts = []
        if on_log:
            parts.append("not allowed by the model here: " + _join(on_log))
        if on_model:
            parts.append("skipped: " + _join(on_model))
        rows.append({
            "fits": fits, "fitness": float(res["fitness"]), "deviation": _join(parts),
            "not_in_model": "", "could_not_fire": "", "missing_tokens": None, "remaining_tokens": None,
            "moves_on_log": _join(on_log), "moves_on_model": _join(on_model),
            "deviating_steps": len(on_log) + len(on_model),
        })
    return list(results), rows


def _precision(log: EventLog, model: ProcessModel, tasks: set[str], *, force: bool | None) -> tuple[float | None, int]:
    """ETConformance precision (pm4py, token replay) on the cases restricted to the model's tasks.

    Returns (precision or None where not computed, number of distinct prefixes).
    """
    cases = [tuple(str(a) for a in v if a in tasks) for v in log.case_variants()]
    prefixes = len({v[:i] for v in set(cases) for i in range(1, len(v))})
    if force is False or (force is None and prefixes > PRECISION_MAX_PREFIXES):
        return None, prefixes
    from pm4py.algo.evaluation.precision.variants import etconformance_token
    from pm4py.objects.log.obj import Event, Trace
    from pm4py.objects.log.obj import EventLog as PmEventLog

    case_log = PmEventLog([Trace([Event({ACTIVITY: a}) for a in v]) for v in cases])
    value = etconformance_token.apply(case_log, model.net, model.initial_marking, model.final_marking,
                                      parameters={"show_progress_bar": False})
    return float(value), prefixes


def _activity_table(rows: Sequence[dict[str, Any]], weights: Sequence[int], method: str) -> pd.DataFrame:
    """Per activity: in how many deviating cases it was involved, and how."""
    kinds = (("could_not_fire", "cases_could_not_fire"), ("not_in_model", "cases_not_in_model")) \
        if method == "token_replay" else (("moves_on_log", "cases_move_on_log"),
                                          ("moves_on_model", "cases_move_on_model"))
    totals: dict[str, Counter[str]] = {column: Counter() for _, column in kinds}
    involved: Counter[str] = Counter()
    for row, n in zip(rows, weights, strict=True):
        if row["fits"]:
            continue
        seen: set[str] = set()
        for key, column in kinds:
            names = {a for a in str(row[key]).split("; ") if a}
            for name in names:
                totals[column][name] += n
            seen |= names
        for name in seen:
            involved[name] += n
    table = pd.DataFrame({
        "activity": list(involved),
        **{column: [totals[column].get(a, 0) for a in involved] for _, column in kinds},
        "cases": [involved[a] for a in involved],
    })
    if table.empty:
        return pd.DataFrame({"activity": pd.Series(dtype=object), **{c: pd.Series(dtype="int64") for _, c in kinds},
                             "cases": pd.Series(dtype="int64")})
    return table.sort_values(["cases", "activity"], ascending=[False, True], kind="stable").reset_index(drop=True)


def write_conformance_csv(result: ConformanceResult, path: str | Path) -> Path:
    """The deviating cases as CSV for Swedish Excel (UTF-8 with BOM, ``;``, decimal comma), written atomically."""
    from ..render.process_map import write_csv

    return write_csv(result.deviations, path)


def render_conformance(result: ConformanceResult, out_stem: str | Path, *, lang: str = "sv",
                       formats: Sequence[str] = ("svg", "png")) -> list[Path]:
    """The reference model's Petri net with the tasks where cases deviated marked red, with their case counts."""
    from ..render.process_map import write_rendered

    highlight = {str(a): int(n) for a, n in zip(result.activities["activity"], result.activities["cases"],
                                                 strict=True)}
    name = Path(result.reference).name
    share = result.fitting_cases / result.n_cases if result.n_cases else 0.0
    if lang == "sv":
        def num(value: float, digits: int) -> str:
            return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")

        word = "avvikande ärenden"
        precision = num(result.precision, 3) if result.precision is not None else "inte beräknad"
        title = (f"{name}: {num(result.fitting_cases, 0)} av {num(result.n_cases, 0)} ärenden följer modellen "
                 f"({num(share * 100, 0)}\u00a0%); fitness {num(result.fitness, 3)}, precision {precision}")
    else:
        word = "deviating cases"
        precision = f"{result.precision:.3f}" if result.precision is not None else "not computed"
        title = (f"{name}: {result.fitting_cases:,} of {result.n_cases:,} cases fit the model ({share:.0%}); "
                 f"fitness {result.fitness:.3f}, precision {precision}")
    source = petri_net_dot(result.model.net, result.model.initial_marking, result.model.final_marking,
                           title=title, highlight=highlight, highlight_label=word)
    return write_rendered(source, out_stem, formats)
