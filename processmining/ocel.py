"""The grant case seen as objects: an OCEL 2.0 view of an event log, its file formats and its map.

A case-handling export is case-centric: one case id per event. Object-centric process mining asks
which *things* an event touches. :func:`to_ocel` derives them from the case:

- one ``application`` object per case (``application:<case id>``), carrying the case attributes
  (``case:program`` becomes the object attribute ``program``, ...); every event relates to it;
- one object per case and type for the events whose activity belongs to a type (a configurable mapping
  of activity pattern -> object type, :data:`DEFAULT_OBJECT_TYPES`: "Beslut ..." -> ``decision``,
  "Utbetalning ..." -> ``payment``, "Överklagande ...", "Omprövning", "Överlämnat till
  förvaltningsrätten" -> ``appeal``), named ``<type>:<case id>``; such an event relates to the
  application and to its own object; each such object relates to its application (OCEL 2.0 o2o).

Events get ids ``e1``, ``e2``, ... in the log's order, their activity and completion time, and the
attributes ``org:resource``, ``org:group`` and ``source:system`` where the log has them.

Files (:func:`write_ocel`, :func:`read_ocel`), by suffix: ``.jsonocel``/``.json`` (OCEL 2.0 JSON),
``.sqlite`` (OCEL 2.0 SQLite), ``.xmlocel``/``.xml`` (OCEL 2.0 XML). Times are written in UTC: pm4py's
writers print the wall clock of a tz-aware time followed by ``Z``, so a Stockholm time would be
off by one or two hours; :func:`read_ocel` gives tz-aware UTC times.

The map (:func:`render_ocdfg`): pm4py's object-centric directly-follows graph
(``pm4py.discover_ocdfg``) drawn with graphviz like a process map: one colour per object type, its
start and end, edge labels with the number of directly-follows pairs and their median waiting time
(calendar days, as pm4py measures it). The DOT source is built here in sorted order and rendered with
``graphviz.Source(...).pipe()`` in memory: identical input gives identical files, and no temporary
files are left behind (pm4py's ``save_vis_*`` leaves one per call).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ConfigError, UnreadableFileError
from .files import atomic_path, write_bytes
from .formatting import fmt_number
from .log import ACTIVITY, CASE, GROUP, RESOURCE, SOURCE_SYSTEM, TIMESTAMP, EventLog

if TYPE_CHECKING:
    from pm4py.objects.ocel.obj import OCEL

__all__ = [
    "CASE_OBJECT_TYPE",
    "DEFAULT_OBJECT_TYPES",
    "OCEL_SUFFIXES",
    "ocdfg_dot",
    "read_ocel",
    "render_ocdfg",
    "to_ocel",
    "write_ocel",
    "write_ocel2",
]

#: The object every event of a case relates to.
CASE_OBJECT_TYPE = "application"
#: Activity pattern (regular expression, searched case-insensitively) -> object type; the first that
#: matches wins. Matches the demo process's Swedish activity names.
DEFAULT_OBJECT_TYPES: Mapping[str, str] = {
    r"^Beslut": "decision",
    r"^Utbetalning": "payment",
    r"^(Överklagande|Omprövning|Överlämnat till förvaltningsrätten)": "appeal",
}
#: Suffix -> OCEL 2.0 format written and read.
OCEL_SUFFIXES: Mapping[str, str] = {".jsonocel": "json", ".json": "json", ".sqlite": "sqlite",
                                    ".xmlocel": "xml", ".xml": "xml"}
_EVENT_ATTRIBUTES = (RESOURCE, GROUP, SOURCE_SYSTEM)
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
_PAD = "\u2007\u2007"  # figure spaces: keeps an edge label off its line
_TYPE_COLOURS = {"application": "#1764ab", "decision": "#d9480f", "payment": "#2b8a3e", "appeal": "#862e9c"}
_MORE_COLOURS = ("#c2255c", "#0b7285", "#5c940d", "#e67700", "#495057")
_TINTS = {"#1764ab": "#e3eefa", "#d9480f": "#fde8dc", "#2b8a3e": "#e1f3e5", "#862e9c": "#f1e3f6",
          "#c2255c": "#fbe1ea", "#0b7285": "#dcf1f4", "#5c940d": "#ebf5dc", "#e67700": "#fdf0dc",
          "#495057": "#eceef0"}
_TEXT = {
    "sv": {"title": "Objektcentrerad processkarta", "events": "händelser", "objects": "objekt",
           "legend": "Objekttyper", "edge": "Kant: antal direkta efterföljare · median väntetid (kalenderdagar)",
           "start": "start", "end": "slut", "d": "d"},
    "en": {"title": "Object-centric process map", "events": "events", "objects": "objects",
           "legend": "Object types", "edge": "Edge: directly-follows pairs · median waiting time (calendar days)",
           "start": "start", "end": "end", "d": "d"},
}


# ---- the view -------------------------------------------------------------------------------------
def _compile(object_types: Mapping[str, str]) -> list[tuple[re.Pattern[str], str]]:
    compiled = []
    for pattern, object_type in object_types.items():
        if not isinstance(object_type, str) or not object_type or object_type == CASE_OBJECT_TYPE:
            raise ConfigError(f"object type for {pattern!r} must be a name other than {CASE_OBJECT_TYPE!r}, "
                              f"got {object_type!r}")
        try:
            compiled.append((re.compile(pattern, re.IGNORECASE), object_type))
        except re.error as exc:
            raise ConfigError(f"activity pattern {pattern!r} is not a valid regular expression ({exc})") from exc
    return compiled


def to_ocel(log: EventLog, *, object_types: Mapping[str, str] | None = None) -> OCEL:
    """An OCEL 2.0 view of the log: application, decision, payment and appeal objects (module docstring).

    Args:
        log: the event log.
        object_types: activity pattern (regular expression, case-insensitive search) -> object type,
            first match wins; default :data:`DEFAULT_OBJECT_TYPES`. Events of activities that match
            none relate to the application only.

    Returns:
        A ``pm4py`` OCEL (events, objects, relations, o2o); times in UTC.

    Raises:
        ConfigError: a pattern that is not a regular expression, or an empty type name.
    """
    from ._pm4py import pm4py

    pm4py()
    from pm4py.objects.ocel.obj import OCEL

    rules = _compile(DEFAULT_OBJECT_TYPES if object_types is None else object_types)
    ev = log.events
    n = len(ev)
    activity_codes, activities = pd.factorize(ev[ACTIVITY], sort=False)
    kind_of = np.array([next((t for rx, t in rules if rx.search(str(a))), None) for a in activities], dtype=object)
    kind = kind_of[activity_codes] if n else np.zeros(0, dtype=object)
    case = ev[CASE].astype(str).to_numpy(dtype=object)
    eids = np.char.add("e", np.arange(1, n + 1).astype(str)).astype(object)
    times = ev[TIMESTAMP].dt.tz_convert("UTC")
    act = ev[ACTIVITY].astype(str).to_numpy(dtype=object)
    app = (CASE_OBJECT_TYPE + ":" + pd.Series(case, dtype=object)).to_numpy(dtype=object)

    events = pd.DataFrame({"ocel:eid": eids, "ocel:activity": act})
    events["ocel:timestamp"] = times.reset_index(drop=True)
    for column in _EVENT_ATTRIBUTES:
        if column in ev.columns:
            values = ev[column].astype(object).to_numpy()
            events[column] = pd.Series(values, dtype=object).where(pd.notna(values), None)

    typed = pd.notna(kind)
    own = np.where(typed, pd.Series(kind, dtype=object).fillna("").to_numpy() + ":" + case, None)
    relations = pd.concat([
        pd.DataFrame({"ocel:eid": eids, "ocel:activity": act, "ocel:timestamp": events["ocel:timestamp"],
                      "ocel:oid": app, "ocel:type": CASE_OBJECT_TYPE, "ocel:qualifier": CASE_OBJECT_TYPE}),
        pd.DataFrame({"ocel:eid": eids[typed], "ocel:activity": act[typed],
                      "ocel:timestamp": events["ocel:timestamp"][typed].to_numpy(),
                      "ocel:oid": own[typed], "ocel:type": kind[typed], "ocel:qualifier": kind[typed]}),
    ], ignore_index=True)
    relations["ocel:timestamp"] = pd.to_datetime(relations["ocel:timestamp"], utc=True)
    relations = relations.sort_values(["ocel:eid", "ocel:type"], key=_eid_key, kind="stable", ignore_index=True)

    table = log.case_table()
    applications = pd.DataFrame({"ocel:oid": CASE_OBJECT_TYPE + ":" + table.index.astype(str),
                                 "ocel:type": CASE_OBJECT_TYPE})
    for column in log.case_attributes:
        values = table[column].reset_index(drop=True)
        if not pd.api.types.is_numeric_dtype(values):
            values = values.astype(object).where(values.notna(), None)
        applications[column.removeprefix("case:")] = values
    derived = pd.DataFrame({"ocel:oid": own[typed], "ocel:type": kind[typed], "case": case[typed]}) \
        .drop_duplicates("ocel:oid")
    objects = pd.concat([applications, derived[["ocel:oid", "ocel:type"]]], ignore_index=True)
    o2o = pd.DataFrame({"ocel:oid": derived["ocel:oid"].to_numpy(),
                        "ocel:oid_2": (CASE_OBJECT_TYPE + ":" + derived["case"]).to_numpy(),
                        "ocel:qualifier": CASE_OBJECT_TYPE})
    return OCEL(events=events, objects=objects, relations=relations, o2o=o2o)


def _eid_key(values: pd.Series) -> pd.Series:
    """Sort key: event ids e1, e2, ... by number; other columns as they are."""
    if values.name == "ocel:eid":
        return values.str.slice(1).astype("int64")
    return values


# ---- files ----------------------------------------------------------------------------------------
def _format_of(path: Path) -> str:
    name = path.name.lower()
    for suffix, fmt in OCEL_SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    raise ConfigError(f"{path}: unknown OCEL file type; name it .jsonocel (or .json), .sqlite or .xmlocel (or .xml)")


def write_ocel2(ocel: OCEL, path: str | Path) -> Path:
    """Write an OCEL as OCEL 2.0 by the file's suffix (:data:`OCEL_SUFFIXES`), atomically.

    Raises:
        ConfigError: an unknown suffix, or the file cannot be written (naming it).
    """
    from ._pm4py import pm4py

    path = Path(path)
    fmt = _format_of(path)
    pm = pm4py()
    writer = {"json": pm.write_ocel2_json, "sqlite": pm.write_ocel2_sqlite, "xml": pm.write_ocel2_xml}[fmt]
    suffix = next(s for s in OCEL_SUFFIXES if path.name.lower().endswith(s))
    try:
        with atomic_path(path, suffix=suffix) as tmp:  # pm4py's writers add a suffix unless it is there
            writer(ocel, str(tmp))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write ({exc.strerror or exc}); check that the folder is writable") from exc
    return path


def write_ocel(log: EventLog, path: str | Path, *, object_types: Mapping[str, str] | None = None) -> Path:
    """:func:`to_ocel` then :func:`write_ocel2`: the log as an OCEL 2.0 file (format by suffix)."""
    return write_ocel2(to_ocel(log, object_types=object_types), path)


def read_ocel(path: str | Path) -> OCEL:
    """Read an OCEL 2.0 file (.jsonocel/.json, .sqlite, .xmlocel/.xml) with pm4py.

    XML files are refused when they declare a DOCTYPE or ENTITY (as XES files are).

    Raises:
        UnreadableFileError: missing, unsafe, or not an OCEL 2.0 file (one line naming it).
        ConfigError: an unknown suffix.
    """
    from ._pm4py import pm4py

    path = Path(path)
    fmt = _format_of(path)
    if not path.is_file():
        raise UnreadableFileError(f"{path}: no such file")
    if fmt == "xml":
        from .ingest.safe_xml import check_xml_safe

        check_xml_safe(path.read_bytes(), path)
    pm = pm4py()
    reader = {"json": pm.read_ocel2_json, "sqlite": pm.read_ocel2_sqlite, "xml": pm.read_ocel2_xml}[fmt]
    try:
        return reader(str(path))
    except Exception as exc:  # pm4py raises anything from KeyError to sqlite3 errors on a wrong file
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreadableFileError(f"{path}: not a readable OCEL 2.0 {fmt} file ({message[:120]})") from exc


# ---- the map --------------------------------------------------------------------------------------
def _colours(types: Sequence[str]) -> dict[str, str]:
    colours: dict[str, str] = {}
    extra = iter(_MORE_COLOURS * (len(types) // len(_MORE_COLOURS) + 1))
    for t in sorted(types, key=lambda t: (t not in _TYPE_COLOURS, list(_TYPE_COLOURS).index(t)
                                          if t in _TYPE_COLOURS else 0, t)):
        colours[t] = _TYPE_COLOURS.get(t) or next(extra)
    return colours


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def ocdfg_dot(ocdfg: Mapping[str, Any], *, title: str, objects: Mapping[str, int] | None = None,
              lang: str = "sv") -> str:
    """The DOT source of an object-centric directly-follows graph (``pm4py.discover_ocdfg``'s dict).

    Sorted throughout, so the same graph gives the same text.

    Args:
        ocdfg: the dict from ``pm4py.discover_ocdfg``.
        title: the first line of the title.
        objects: objects per type, for the legend (default: counted from the start activities).
        lang: ``"sv"`` or ``"en"`` (numbers and words).
    """
    t = _TEXT["sv" if lang == "sv" else "en"]
    types = sorted(ocdfg["object_types"])
    colours = _colours(types)
    activities = sorted(ocdfg["activities"])
    ids = {a: f"a{i}" for i, a in enumerate(activities)}
    act_events = ocdfg["activities_indep"]["events"]
    act_types = {a: [ot for ot in types if a in ocdfg["activities_ot"]["events"].get(ot, {})] for a in activities}
    if objects is None:
        objects = {ot: sum(len(v) for v in ocdfg["start_activities"]["unique_objects"].get(ot, {}).values())
                   for ot in types}
    couples = ocdfg["edges"]["event_couples"]
    performance = ocdfg.get("edges_performance", {}).get("event_couples", {})
    counts = [len(v) for ot in types for v in couples.get(ot, {}).values()]
    counts += [len(v) for key in ("start_activities", "end_activities") for ot in types
               for v in ocdfg[key]["events"].get(ot, {}).values()]
    top = max(counts, default=1)

    def width(count: int) -> str:
        return f"{1 + 5 * math.log1p(count) / math.log1p(top):.2f}" if top > 0 else "1"

    lines = [
        "digraph ocdfg {",
        f'  graph [rankdir=TB, fontname="{FONT}", fontsize=16, labelloc=t, labeljust=l, nodesep=0.35, '
        f'ranksep=0.45, bgcolor=white, label=<{_esc(title)}<BR/><FONT POINT-SIZE="11">{_esc(t["edge"])}</FONT>>];',
        f'  node [fontname="{FONT}", fontsize=11, shape=box, style="rounded,filled", penwidth=1.2];',
        f'  edge [fontname="{FONT}", fontsize=9, arrowsize=0.7];',
    ]
    for a in activities:
        specific = [ot for ot in act_types[a] if ot != CASE_OBJECT_TYPE] or act_types[a]
        colour = colours[specific[0]] if specific else "#495057"
        label = f"<<B>{_esc(a)}</B><BR/>{fmt_number(len(act_events.get(a, ())), lang, 0)} {_esc(t['events'])}>"
        lines.append(f'  {ids[a]} [label={label}, fillcolor="{_TINTS.get(colour, "#f1f3f5")}", color="{colour}"];')
    for k, ot in enumerate(colours):
        colour = colours[ot]
        starts = ocdfg["start_activities"]["events"].get(ot, {})
        ends = ocdfg["end_activities"]["events"].get(ot, {})
        lines.append(f'  s{k} [label=<{_esc(ot)}<BR/>{_esc(t["start"])}>, shape=ellipse, style=filled, '
                     f'fillcolor="{colour}", fontcolor=white, color="{colour}", fontsize=10];')
        lines.append(f'  x{k} [label=<{_esc(ot)}<BR/>{_esc(t["end"])}>, shape=ellipse, style=filled, '
                     f'fillcolor="{_TINTS.get(colour, "#f1f3f5")}", color="{colour}", fontsize=10];')
        for a in sorted(starts):
            n = len(starts[a])
            lines.append(f'  s{k} -> {ids[a]} [color="{colour}", style=dashed, penwidth={width(n)}, '
                         f'label="{_PAD}{fmt_number(n, lang, 0)}", fontcolor="{colour}"];')
        for a in sorted(ends):
            n = len(ends[a])
            lines.append(f'  {ids[a]} -> x{k} [color="{colour}", style=dashed, penwidth={width(n)}, '
                         f'label="{_PAD}{fmt_number(n, lang, 0)}", fontcolor="{colour}"];')
        for (a, b) in sorted(couples.get(ot, {})):
            n = len(couples[ot][(a, b)])
            waits = performance.get(ot, {}).get((a, b), [])
            median = f" · {fmt_number(float(np.median(waits)) / 86_400, lang)} {t['d']}" if len(waits) else ""
            lines.append(f'  {ids[a]} -> {ids[b]} [color="{colour}", penwidth={width(n)}, '
                         f'label="{_PAD}{fmt_number(n, lang, 0)}{median}", fontcolor="{colour}"];')
    rows = "".join(
        f'<TR><TD BGCOLOR="{colours[ot]}" WIDTH="24"> </TD><TD ALIGN="LEFT">{_esc(ot)}: '
        f'{fmt_number(int(objects.get(ot, 0)), lang, 0)} {_esc(t["objects"])}</TD></TR>' for ot in colours)
    lines.append(f'  legend [shape=plaintext, style="", label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3">'
                 f'<TR><TD COLSPAN="2" ALIGN="LEFT"><B>{_esc(t["legend"])}</B></TD></TR>{rows}</TABLE>>];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_ocdfg(
    ocel: OCEL,
    out_stem: str | Path,
    *,
    formats: Sequence[str] = ("svg", "png"),
    title: str | None = None,
    lang: str = "sv",
) -> list[Path]:
    """Discover the object-centric DFG and render it to ``<out_stem>.<format>`` per format.

    Args:
        ocel: from :func:`to_ocel` or :func:`read_ocel`.
        out_stem: the file path without suffix (``reports/demo/ocdfg``).
        formats: graphviz formats (svg, png, pdf).
        title: the first line of the title (default: "Objektcentrerad processkarta" / English).
        lang: ``"sv"`` or ``"en"``.

    Returns:
        The files written (atomically: ``<name>.tmp`` then renamed; nothing else is left behind).

    Raises:
        ConfigError: an unknown format, or a file that cannot be written.
    """
    import graphviz

    from ._pm4py import pm4py

    for fmt in formats:
        if fmt not in ("svg", "png", "pdf"):
            raise ConfigError(f"map format {fmt!r}: use svg, png or pdf")
    ocdfg = pm4py().discover_ocdfg(ocel)
    objects = ocel.objects["ocel:type"].value_counts().to_dict()
    t = _TEXT["sv" if lang == "sv" else "en"]
    heading = title or t["title"]
    heading += (f" · {fmt_number(len(ocel.events), lang, 0)} {t['events']} · {fmt_number(len(ocel.objects), lang, 0)} "
                f"{t['objects']}")
    source = graphviz.Source(ocdfg_dot(ocdfg, title=heading, objects=objects, lang=lang))
    stem = Path(out_stem)
    written = []
    for fmt in formats:
        target = stem.with_name(f"{stem.name}.{fmt}")
        try:
            written.append(write_bytes(target, source.pipe(format=fmt)))
        except OSError as exc:
            raise ConfigError(f"{target}: cannot write ({exc.strerror or exc}); check that the folder is writable") \
                from exc
    return written
