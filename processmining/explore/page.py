"""The explorer's page, drawn on the server from the view in the address.

Every value from the log goes through :func:`html.escape` (text and attributes alike); the page carries no
inline script (the app's Content-Security-Policy allows only ``/static/explore.js``), and works without
script: the sliders and filters are plain forms, the map's paths and activities plain links.
"""

from __future__ import annotations

import html
import math
import shlex
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from lxml import etree

from ..filters import parse_filter
from ..log import ACTIVITY, GROUP, RESOURCE, TIMESTAMP
from .session import Explorer, View
from .state import ViewState

__all__ = ["error_page", "render_page"]

_T: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Utforska", "skip": "Hoppa till innehållet", "cases": "ärenden", "events": "händelser",
        "of": "av", "filters": "Filter", "no_filters": "Inga filter: alla ärenden visas.",
        "left": "kvar", "remove": "Ta bort", "undo": "Ångra senaste filtret", "clear": "Ta bort alla filter",
        "add": "Lägg till filter", "keep": "Behåll", "drop": "Ta bort", "matching": "matchande ärenden",
        "apply": "Använd", "time": "Tidsfönster", "mode_started": "startade i fönstret",
        "mode_ended": "avslutade i fönstret", "mode_active": "pågående i fönstret",
        "mode_within": "helt inom fönstret", "from": "Från", "to": "Till", "attribute": "Ärendeattribut",
        "unit": "Enhet", "variants_top": "De vanligaste varianterna", "n": "Antal",
        "throughput": "Genomloppstid (kalenderdagar)", "min": "Minst", "max": "Högst",
        "passes": "Passerar aktivitet", "follows": "A följs av B", "a": "A", "b": "B",
        "directly": "direkt efter", "endpoints": "Start- eller slutaktivitet", "starts": "börjar med",
        "ends": "slutar med", "state": "Öppna/avslutade", "open": "öppna", "closed": "avslutade",
        "map": "Processkarta", "activities_slider": "Aktiviteter (% av händelserna)",
        "paths_slider": "Vägar (% av övergångarna)", "auto": "standard", "frequency": "Frekvens",
        "waiting": "Väntetid", "show": "Visa", "map_alt": "Processkarta över de filtrerade ärendena: "
        "aktiviteterna som rutor, vägarna som pilar med {what}. Samma siffror finns i tabellerna nedan.",
        "what_frequency": "antal", "what_waiting": "medianväntetid",
        "figures": "Nyckeltal", "f_cases": "Ärenden", "f_events": "Händelser", "f_variants": "Varianter",
        "f_activities": "Aktiviteter", "f_tp_median": "Genomloppstid, median (arbetsdagar)",
        "f_tp_p90": "Genomloppstid, 90 % inom (arbetsdagar)", "f_open": "Öppna ärenden",
        "f_closed": "Avslutade ärenden", "bottlenecks": "Flaskhalsar", "rank": "Rang", "path": "Väg",
        "count": "Antal", "median_wait": "Medianväntan", "score": "Poäng", "workdays": "arbetsdagar",
        "days": "dagar", "variants": "Varianter", "variant": "Variant", "share": "Andel",
        "keep_variant": "Behåll bara denna", "handovers": "Överlämningar mellan enheter",
        "handovers_note": "Uppgifter om färre än {k} ärenden visas inte.", "from_unit": "Från",
        "to_unit": "Till", "handover_n": "Överlämningar", "candidates": "Automatiseringskandidater",
        "activity": "Aktivitet", "hours": "Timmar per år", "why": "Varför", "export": "Exportera vyn",
        "export_xlsx": "Arbetsbok (bottlenecks.xlsx)", "export_html": "Rapportsida (report.html)",
        "export_csv": "Filtrerade händelser (CSV)",
        "export_parquet": "Filtrerade händelser (Parquet)", "export_xes": "Filtrerade händelser (XES)",
        "cli": "Samma urval på kommandoraden",
        "detail": "Fördjupning", "close": "Stäng", "path_h": "Väg {a} → {b}", "waits": "Väntetider",
        "distribution": "Fördelning av väntetiden ({unit})", "interval": "Intervall",
        "cases_behind": "Ärendena bakom vägen (längst väntan först)", "case": "Ärende", "wait": "Väntan",
        "applicant_share": "Sökandens andel", "agency_share": "Myndighetens andel",
        "keep_path": "Behåll bara ärenden med denna väg", "activity_h": "Aktivitet {a}",
        "incoming": "Vägar in", "outgoing": "Vägar ut", "case_h": "Ärende {c}", "timeline": "Tidslinje",
        "time_col": "Tidpunkt", "officer": "Handläggare", "since_prev": "Väntan sedan föregående",
        "throughput_case": "Genomloppstid", "status": "Status", "median": "median", "p90": "90 % inom",
        "services": "Handläggningstid, median", "lang": "English", "lang_code": "en",
        "error": "Felaktig begäran", "back": "Tillbaka till början", "more": "och {n} till",
        "none": "–", "map_links": "Klicka på en väg eller aktivitet i kartan (eller i tabellerna) för detaljer.",
        "log": "Logg",
    },
    "en": {
        "title": "Explore", "skip": "Skip to content", "cases": "cases", "events": "events", "of": "of",
        "filters": "Filters", "no_filters": "No filters: every case is shown.", "left": "left",
        "remove": "Remove", "undo": "Undo the last filter", "clear": "Remove every filter",
        "add": "Add a filter", "keep": "Keep", "drop": "Remove", "matching": "matching cases",
        "apply": "Apply", "time": "Time window", "mode_started": "started in the window",
        "mode_ended": "ended in the window", "mode_active": "active in the window",
        "mode_within": "entirely in the window", "from": "From", "to": "To", "attribute": "Case attribute",
        "unit": "Unit", "variants_top": "The most frequent variants", "n": "Number",
        "throughput": "Throughput time (calendar days)", "min": "At least", "max": "At most",
        "passes": "Passes through activity", "follows": "A followed by B", "a": "A", "b": "B",
        "directly": "directly", "endpoints": "Start or end activity", "starts": "starts with",
        "ends": "ends with", "state": "Open/closed", "open": "open", "closed": "closed",
        "map": "Process map", "activities_slider": "Activities (% of events)",
        "paths_slider": "Paths (% of transitions)", "auto": "default", "frequency": "Frequency",
        "waiting": "Waiting time", "show": "Show", "map_alt": "Process map of the filtered cases: activities "
        "as boxes, paths as arrows labelled with their {what}. The tables below hold the same figures.",
        "what_frequency": "counts", "what_waiting": "median waiting times",
        "figures": "Key figures", "f_cases": "Cases", "f_events": "Events", "f_variants": "Variants",
        "f_activities": "Activities", "f_tp_median": "Throughput, median (working days)",
        "f_tp_p90": "Throughput, 90% within (working days)", "f_open": "Open cases", "f_closed": "Closed cases",
        "bottlenecks": "Bottlenecks", "rank": "Rank", "path": "Path", "count": "Count",
        "median_wait": "Median wait", "score": "Score", "workdays": "working days", "days": "days",
        "variants": "Variants", "variant": "Variant", "share": "Share", "keep_variant": "Keep only this",
        "handovers": "Handovers between units", "handovers_note": "Figures about fewer than {k} cases are "
        "left out.", "from_unit": "From", "to_unit": "To", "handover_n": "Handovers",
        "candidates": "Automation candidates", "activity": "Activity", "hours": "Hours a year", "why": "Why",
        "export": "Export the view", "export_xlsx": "Workbook (bottlenecks.xlsx)",
        "export_html": "Report page (report.html)", "export_csv": "Filtered events (CSV)",
        "export_parquet": "Filtered events (Parquet)", "export_xes": "Filtered events (XES)",
        "cli": "The same selection on the command line", "detail": "Drill-down", "close": "Close",
        "path_h": "Path {a} → {b}", "waits": "Waiting times", "distribution": "Distribution of the wait ({unit})",
        "interval": "Interval", "cases_behind": "The cases behind the path (longest wait first)",
        "case": "Case", "wait": "Wait", "applicant_share": "Applicant's share", "agency_share": "Agency's share",
        "keep_path": "Keep only cases with this path", "activity_h": "Activity {a}", "incoming": "Paths in",
        "outgoing": "Paths out", "case_h": "Case {c}", "timeline": "Timeline", "time_col": "Time",
        "officer": "Case officer", "since_prev": "Wait since previous", "throughput_case": "Throughput time",
        "status": "Status", "median": "median", "p90": "90% within", "services": "Service time, median",
        "lang": "Svenska", "lang_code": "sv", "error": "Bad request", "back": "Back to the start",
        "more": "and {n} more", "none": "–",
        "map_links": "Click a path or an activity on the map (or in the tables) for its details.", "log": "Log",
    },
}

_CASE_LIMIT = 200


def e(value: Any) -> str:
    """Escape text for HTML text and attribute values alike."""
    return html.escape("" if value is None else str(value), quote=True)


class _Fmt:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.t = _T[lang]

    def n(self, value: Any, digits: int = 0) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return self.t["none"]
        text = f"{float(value):,.{digits}f}"
        return text.replace(",", "\u00a0").replace(".", ",") if self.lang == "sv" else text

    def pct(self, share: float) -> str:
        return f"{self.n(100 * share, 1)}\u00a0%" if self.lang == "sv" else f"{self.n(100 * share, 1)}%"

    def time(self, value: Any) -> str:
        if value is None or pd.isna(value):
            return self.t["none"]
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _figure(key: str, label: str, value: Any, shown: str) -> str:
    raw = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
    return (f'<div class="figure"><dt>{e(label)}</dt><dd data-figure="{e(key)}" data-value="{e(raw)}">'
            f"{e(shown)}</dd></div>")


def _table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]], *, table_id: str,
           numeric: Sequence[int] = ()) -> str:
    """A table whose cells are HTML already escaped by the caller."""
    head = "".join(f'<th scope="col"{" class=num" if i in numeric else ""}>{e(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td{" class=num" if i in numeric else ""}>{c}</td>'
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return (f'<table id="{table_id}"><caption>{e(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _link(href: str, text: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{e(v)}"' for k, v in attrs.items())
    return f'<a href="{e(href)}"{extra}>{e(text)}</a>'


# ---- the map -------------------------------------------------------------------------------------------------------
_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"


def linked_map(svg: str, shown: Any, state: ViewState, fmt: _Fmt) -> str:
    """The graphviz SVG with every activity and path a link to its drill-down.

    graphviz names the map's nodes ``a0``, ``a1``, ... in the order of the drawn graph's activity table
    (:func:`~processmining.render.process_map.process_map_dot`), and writes each node's and edge's name into
    its ``<title>``; that is how a drawn box or arrow is known here.
    """
    names = {f"a{i}": str(name) for i, name in enumerate(shown.activities["activity"])}
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    root = etree.fromstring(svg.encode("utf-8"), parser=parser)
    for g in root.iter(f"{{{_SVG}}}g"):
        cls = g.get("class")
        title = g.find(f"{{{_SVG}}}title")
        if cls not in ("node", "edge") or title is None or title.text is None:
            continue
        if cls == "node":
            name = names.get(title.text)
            if name is None:
                continue
            href, label = state.select(activity=name), name
            g.set("data-activity", name)
        else:
            src, _, dst = title.text.partition("->")
            if src not in names or dst not in names:
                continue
            href, label = state.select(path=(names[src], names[dst])), f"{names[src]} → {names[dst]}"
            g.set("data-path", label)
        title.text = label
        link = etree.SubElement(g, f"{{{_SVG}}}a")
        link.set(f"{{{_XLINK}}}href", href)
        link.set("href", href)
        link.set("aria-label", label)
        for child in list(g):
            if child is not link and child is not title:
                link.append(child)
    root.set("role", "img")
    root.set("aria-labelledby", "map-alt")
    return etree.tostring(root, encoding="unicode")


def _plain_svg(svg: str) -> str:
    """graphviz's SVG document as an element to put in the page (no XML declaration or DOCTYPE)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(svg.encode("utf-8"), parser=parser)
    root.set("focusable", "false")
    return etree.tostring(root, encoding="unicode")


# ---- sections ------------------------------------------------------------------------------------------------------
def _hidden(state: ViewState, *, skip: Sequence[str] = ()) -> str:
    return "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in state.pairs(selection=False)
                   if k not in skip)


def _keep_select(fmt: _Fmt, form: str) -> str:
    t = fmt.t
    return (f'<label for="{form}-keep">{e(t["matching"])}</label>'
            f'<select id="{form}-keep" name="keep"><option value="keep">{e(t["keep"])}</option>'
            f'<option value="remove">{e(t["drop"])}</option></select>')


def _options(values: Iterable[Any], *, value_of: Any = None) -> str:
    return "".join(f'<option value="{e(value_of(v) if value_of else v)}">{e(v)}</option>' for v in values)


def _filter_forms(view: View, explorer: Explorer, state: ViewState, fmt: _Fmt) -> str:
    t = fmt.t
    choices = explorer.choices()
    base = _hidden(state)
    acts = choices["activities"]

    def form(kind: str, legend: str, fields: str) -> str:
        return (f'<form class="add-filter" method="get" action="/add" id="form-{kind}"><fieldset>'
                f"<legend>{e(legend)}</legend>{base}<input type=\"hidden\" name=\"kind\" value=\"{kind}\">"
                f'{fields}<span class="keep">{_keep_select(fmt, kind)}</span>'
                f'<button type="submit">{e(t["apply"])}</button></fieldset></form>')

    parts = []
    modes = "".join(f'<option value="{m}">{e(t["mode_" + m])}</option>' for m in ("started", "ended", "active",
                                                                                   "within"))
    first, last = choices["first"], choices["last"]
    parts.append(form("time", t["time"],
                      f'<label for="time-mode">{e(t["time"])}</label><select id="time-mode" name="window">{modes}'
                      f'</select><label for="time-from">{e(t["from"])}</label><input id="time-from" type="date" '
                      f'name="from" min="{first:%Y-%m-%d}" max="{last:%Y-%m-%d}"><label for="time-to">{e(t["to"])}'
                      f'</label><input id="time-to" type="date" name="to" min="{first:%Y-%m-%d}" '
                      f'max="{last:%Y-%m-%d}">'))
    groups = []
    for column, values in choices["attributes"].items():
        if values:
            label = column.removeprefix("case:")
            groups.append(f'<optgroup label="{e(label)}">'
                          + _options(values, value_of=lambda v, c=column: f"{c}={v}") + "</optgroup>")
    if groups:
        parts.append(form("attribute", t["attribute"],
                          f'<label for="attribute-value">{e(t["attribute"])}</label><select id="attribute-value" '
                          f'name="value" multiple size="6">{"".join(groups)}</select>'))
    if choices["units"]:
        units = choices["units"]
        parts.append(form("unit", t["unit"], f'<label for="unit-value">{e(t["unit"])}</label><select '
                          f'id="unit-value" name="value" multiple size="5">{_options(units)}</select>'))
    parts.append(form("top-variants", t["variants_top"],
                      f'<label for="top-n">{e(t["n"])}</label><input id="top-n" type="number" name="n" min="1" '
                      f'value="5" inputmode="numeric">'))
    parts.append(form("throughput", t["throughput"],
                      f'<label for="tp-min">{e(t["min"])}</label><input id="tp-min" type="number" name="min" min="0" '
                      f'step="any"><label for="tp-max">{e(t["max"])}</label><input id="tp-max" type="number" '
                      f'name="max" min="0" step="any">'))
    parts.append(form("passes", t["passes"], f'<label for="passes-value">{e(t["activity"])}</label><select '
                      f'id="passes-value" name="value" multiple size="5">{_options(acts)}</select>'))
    parts.append(form("follows", t["follows"],
                      f'<label for="follows-a">{e(t["a"])}</label><select id="follows-a" name="a">{_options(acts)}'
                      f'</select><label for="follows-b">{e(t["b"])}</label><select id="follows-b" name="b">'
                      f'{_options(acts)}</select><label class="check"><input type="checkbox" name="directly" '
                      f'value="1"> {e(t["directly"])}</label>'))
    parts.append(form("endpoint", t["endpoints"],
                      f'<label for="endpoint-which">{e(t["endpoints"])}</label><select id="endpoint-which" '
                      f'name="which"><option value="starts">{e(t["starts"])}</option><option value="ends">'
                      f'{e(t["ends"])}</option></select><label for="endpoint-value">{e(t["activity"])}</label>'
                      f'<select id="endpoint-value" name="value" multiple size="4">{_options(acts)}</select>'))
    parts.append(form("state", t["state"],
                      f'<label for="state-value">{e(t["state"])}</label><select id="state-value" name="value">'
                      f'<option value="open">{e(t["open"])}</option><option value="closed">{e(t["closed"])}'
                      f"</option></select>"))
    return f'<details class="add"><summary>{e(t["add"])}</summary>{"".join(parts)}</details>'


_KINDS = {
    "sv": {"started": "startade", "ended": "avslutade", "active": "pågående", "within": "helt inom",
           "attribute": "attribut", "unit": "enhet", "top-variants": "de vanligaste varianterna", "variant": "variant",
           "throughput": "genomloppstid i dagar", "passes": "passerar", "follows": "följs av",
           "directly-follows": "följs direkt av", "starts": "börjar med", "ends": "slutar med", "state": "status"},
    "en": {"started": "started", "ended": "ended", "active": "active", "within": "entirely within",
           "attribute": "attribute", "unit": "unit", "top-variants": "the most frequent variants", "variant": "variant",
           "throughput": "throughput time in days", "passes": "passes through", "follows": "followed by",
           "directly-follows": "directly followed by", "starts": "starts with", "ends": "ends with", "state": "state"},
}


def describe_filter(text: str, fmt: _Fmt) -> str:
    """A filter in words, e.g. "Behåll: passerar Komplettering begärd" (the argument as written)."""
    spec = parse_filter(text)
    verb = fmt.t["keep"] if spec.retain else fmt.t["drop"]
    return f"{verb}: {_KINDS[fmt.lang].get(spec.kind, spec.kind)} {spec.argument}"


def _filters(view: View, explorer: Explorer, state: ViewState, fmt: _Fmt) -> str:
    t = fmt.t
    total = explorer.log
    items = []
    for i, step in enumerate(view.steps):
        rest = state.filters[:i] + state.filters[i + 1:]
        items.append(f'<li data-filter="{e(step.text)}"><span class="what">{e(describe_filter(step.text, fmt))}'
                     f'</span> <span class="left" data-cases="{step.cases}" data-events="{step.events}">'
                     f"{e(fmt.n(step.cases))} {e(t['cases'])}, {e(fmt.n(step.events))} {e(t['events'])} "
                     f"{e(t['left'])}</span> "
                     + _link(state.query(filters=rest, path=None, activity=None, case=None), t["remove"],
                             aria_label=f"{t['remove']}: {describe_filter(step.text, fmt)}") + "</li>")
    body = (f'<ol class="filters">{"".join(items)}</ol>' if items else f"<p>{e(t['no_filters'])}</p>")
    if state.filters:
        body += ('<p class="undo">' + _link(state.query(filters=state.filters[:-1], path=None, activity=None,
                                                         case=None), t["undo"], id="undo")
                 + " · " + _link(state.query(filters=(), path=None, activity=None, case=None), t["clear"]) + "</p>")
    head = (f'<p class="total">{e(fmt.n(view.log.n_cases))} {e(t["of"])} {e(fmt.n(total.n_cases))} {e(t["cases"])}, '
            f'{e(fmt.n(view.log.n_events))} {e(t["of"])} {e(fmt.n(total.n_events))} {e(t["events"])}</p>')
    return (f'<section id="filters" aria-labelledby="filters-h"><h2 id="filters-h">{e(t["filters"])}</h2>{head}'
            f"{body}{_filter_forms(view, explorer, state, fmt)}</section>")


def _map(explorer: Explorer, state: ViewState, fmt: _Fmt) -> str:
    t = fmt.t
    header_svg, svg, shown = explorer.map_for(state)
    linked = linked_map(svg, shown, state, fmt)
    header = _plain_svg(header_svg) if header_svg else ""
    act = state.activities if state.activities is not None else 100
    paths = state.paths if state.paths is not None else 100
    modes = "".join(f'<label class="radio"><input type="radio" name="mode" value="{m}"'
                    f'{" checked" if state.mode == m else ""}> {e(t[m])}</label>' for m in ("frequency", "waiting"))
    act_text = f"{act:g} %" if state.activities is not None else t["auto"]
    paths_text = f"{paths:g} %" if state.paths is not None else t["auto"]
    controls = (f'<form id="map-controls" class="autosubmit" method="get" action="/">'
                f'{_hidden(state, skip=("act", "paths", "mode"))}'
                f'<div class="slider"><label for="act">{e(t["activities_slider"])}</label>'
                f'<input type="range" id="act" name="act" min="1" max="100" step="1" value="{act:g}" '
                f'aria-describedby="act-value"><output id="act-value" for="act">{e(act_text)}</output></div>'
                f'<div class="slider"><label for="paths">{e(t["paths_slider"])}</label>'
                f'<input type="range" id="paths" name="paths" min="1" max="100" step="1" value="{paths:g}" '
                f'aria-describedby="paths-value"><output id="paths-value" for="paths">{e(paths_text)}</output></div>'
                f'<fieldset class="modes"><legend>{e(t["map"])}</legend>{modes}</fieldset>'
                f'<button type="submit">{e(t["show"])}</button></form>')
    alt = t["map_alt"].format(what=t["what_" + state.mode])
    return (f'<section id="map" aria-labelledby="map-h"><h2 id="map-h">{e(t["map"])}</h2>{controls}'
            f'<p id="map-alt" class="hint">{e(alt)} {e(t["map_links"])}</p>'
            f'<div class="map-header" aria-hidden="true">{header}</div>'
            f'<div class="map" data-mode="{e(state.mode)}">{linked}</div></section>')


def _figures(view: View, fmt: _Fmt) -> str:
    t, s = fmt.t, view.summary
    tp = s.get("throughput_workdays") or {}
    items = [("cases", t["f_cases"], s["cases"], fmt.n(s["cases"])),
             ("events", t["f_events"], s["events"], fmt.n(s["events"])),
             ("variants", t["f_variants"], s["variants"], fmt.n(s["variants"])),
             ("activities", t["f_activities"], s["activities"], fmt.n(s["activities"])),
             ("throughput_median", t["f_tp_median"], tp.get("median"), fmt.n(tp.get("median"), 1)),
             ("throughput_p90", t["f_tp_p90"], tp.get("p90"), fmt.n(tp.get("p90"), 1)),
             ("open_cases", t["f_open"], s.get("open_cases"), fmt.n(s.get("open_cases"))),
             ("closed_cases", t["f_closed"], s.get("closed_cases"), fmt.n(s.get("closed_cases")))]
    return (f'<section id="figures" aria-labelledby="figures-h"><h2 id="figures-h">{e(t["figures"])}</h2>'
            f'<dl class="figures">{"".join(_figure(*i) for i in items)}</dl></section>')


def _bottlenecks(view: View, state: ViewState, fmt: _Fmt) -> str:
    t = fmt.t
    rows: list[list[str]] = []
    for b in view.summary.get("bottlenecks", []):
        label = f"{b['from']} → {b['to']}"
        rows.append([e(b.get("rank", len(rows) + 1)),
                     _link(state.select(path=(b["from"], b["to"])), label, data_path=label),
                     e(fmt.n(b.get("count"))), e(fmt.n(b.get("median_wait_workdays"), 1)), e(fmt.n(b.get("score"), 0))])
    table = _table(t["bottlenecks"], [t["rank"], t["path"], t["count"], f"{t['median_wait']} ({t['workdays']})",
                                      t["score"]], rows, table_id="table-bottlenecks", numeric=(0, 2, 3, 4))
    return f'<section id="bottlenecks" aria-labelledby="bn-h"><h2 id="bn-h">{e(t["bottlenecks"])}</h2>{table}</section>'


def _variants(view: View, state: ViewState, fmt: _Fmt) -> str:
    t = fmt.t
    rows = []
    for v in view.summary.get("top_variants", []):
        keep = state.query(filters=(*state.filters, f"variant:{v['variant'].replace('|', chr(92) + '|')}"),
                           path=None, activity=None, case=None)
        rows.append([e(v["rank"]), f'<span class="variant">{e(v["variant"])}</span>', e(fmt.n(v["cases"])),
                     e(fmt.pct(v["share"])), _link(keep, t["keep_variant"],
                                                   aria_label=f"{t['keep_variant']}: {t['variant']} {v['rank']}")])
    table = _table(t["variants"], [t["rank"], t["variant"], t["f_cases"], t["share"], ""], rows,
                   table_id="table-variants", numeric=(0, 2, 3))
    return f'<section id="variants" aria-labelledby="var-h"><h2 id="var-h">{e(t["variants"])}</h2>{table}</section>'


def _handovers(view: View, fmt: _Fmt) -> str:
    t = fmt.t
    h = view.summary.get("handovers") or {}
    rows = [[e(r["from"]), e(r["to"]), e(fmt.n(r["handovers"])), e(fmt.n(r["cases"])),
             e(fmt.n(r.get("median_delay_workdays"), 1))] for r in h.get("top_edges", [])]
    note = t["handovers_note"].format(k=h.get("min_group", view.analysis.options.min_group))
    extra = f"<p>{e(h['note'])}</p>" if h.get("note") else ""
    table = _table(t["handovers"], [t["from_unit"], t["to_unit"], t["handover_n"], t["f_cases"],
                                    f"{t['median_wait']} ({t['workdays']})"], rows, table_id="table-handovers",
                   numeric=(2, 3, 4))
    return (f'<section id="handovers" aria-labelledby="ho-h"><h2 id="ho-h">{e(t["handovers"])}</h2>'
            f"<p>{e(note)}</p>{extra}{table}</section>")


def _candidates(view: View, fmt: _Fmt) -> str:
    t = fmt.t
    why = "why_sv" if fmt.lang == "sv" else "why"
    rows = [[e(c.get("rank")), e(c["activity"]), e(fmt.n(c.get("score"), 2)), e(fmt.n(c.get("hours_saved_per_year"))),
             e(c.get(why, ""))] for c in view.summary.get("automation_candidates", []) if c.get("status") == "ranked"]
    table = _table(t["candidates"], [t["rank"], t["activity"], t["score"], t["hours"], t["why"]], rows,
                   table_id="table-candidates", numeric=(0, 2, 3))
    return f'<section id="candidates" aria-labelledby="ca-h"><h2 id="ca-h">{e(t["candidates"])}</h2>{table}</section>'


def _bars(histogram: list[tuple[float, float, int]], fmt: _Fmt, unit: str) -> str:
    """The distribution as a table whose last column draws each count as a bar (SVG, no inline style)."""
    t = fmt.t
    most = max((c for _lo, _hi, c in histogram), default=1) or 1
    rows = []
    for lo, hi, count in histogram:
        width = round(200 * count / most)
        bar = (f'<svg class="bar" width="204" height="14" aria-hidden="true" focusable="false">'
               f'<rect x="0" y="2" width="{width}" height="10"></rect></svg>')
        rows.append([e(f"{fmt.n(lo, 1)}–{fmt.n(hi, 1)}"), e(fmt.n(count)), bar])
    return _table(t["distribution"].format(unit=unit), [t["interval"], t["count"], ""], rows,
                  table_id="table-distribution", numeric=(1,))


def _path_detail(explorer: Explorer, view: View, state: ViewState, fmt: _Fmt) -> str:
    t = fmt.t
    assert state.path is not None
    a, b = state.path
    d = explorer.path_detail(view, a, b)
    row = d["row"]
    unit = t["workdays"] if d["working"] else t["days"]
    wcol = "workdays" if d["working"] else "days"
    figs = [("path_count", t["count"], int(row["count"]), fmt.n(row["count"])),
            ("path_cases", t["f_cases"], int(row["cases"]), fmt.n(row["cases"])),
            ("path_median", f"{t['median_wait']} ({unit})", float(row[f"median_wait_{wcol}"]),
             fmt.n(row[f"median_wait_{wcol}"], 1)),
            ("path_p90", f"{t['p90']} ({unit})", float(row[f"p90_wait_{wcol}"]), fmt.n(row[f"p90_wait_{wcol}"], 1)),
            ("applicant_share", t["applicant_share"], d["applicant_share"], fmt.pct(d["applicant_share"])),
            ("agency_share", t["agency_share"], d["agency_share"], fmt.pct(d["agency_share"]))]
    cases = d["cases"]
    case_rows = [[_link(state.query(case=str(r.case)), str(r.case), data_case=str(r.case)),
                  e(fmt.time(r.source_time)), e(fmt.time(r.target_time)), e(fmt.n(r.wait, 1))]
                 for r in cases.head(_CASE_LIMIT).itertuples(index=False)]
    more = (f"<p>{e(t['more'].format(n=fmt.n(len(cases) - _CASE_LIMIT)))}</p>" if len(cases) > _CASE_LIMIT else "")
    keep = state.query(filters=(*state.filters, f"directly-follows:{a}=>{b}"), path=None, activity=None, case=None)
    return (f'<h3 id="detail-h">{e(t["path_h"].format(a=a, b=b))}</h3><dl class="figures">'
            f'{"".join(_figure(*f) for f in figs)}</dl><p>{_link(keep, t["keep_path"])}</p>'
            f"{_bars(d['histogram'], fmt, unit)}"
            + _table(t["cases_behind"], [t["case"], a, b, f"{t['wait']} ({unit})"], case_rows,
                     table_id="table-path-cases", numeric=(3,)) + more)


def _activity_detail(explorer: Explorer, view: View, state: ViewState, fmt: _Fmt) -> str:
    t = fmt.t
    assert state.activity is not None
    d = explorer.activity_detail(view, state.activity)
    row = d["row"]
    unit = t["workdays"] if d["working"] else t["days"]
    wcol = "workdays" if d["working"] else "days"
    figs = [("activity_events", t["f_events"], int(row["events"]), fmt.n(row["events"])),
            ("activity_cases", t["f_cases"], int(row["cases"]), fmt.n(row["cases"])),
            ("activity_wait", f"{t['median_wait']} ({unit})", float(row[f"median_wait_{wcol}"]),
             fmt.n(row[f"median_wait_{wcol}"], 1)),
            ("activity_service", f"{t['services']} ({unit})", float(row[f"median_service_{wcol}"]),
             fmt.n(row[f"median_service_{wcol}"], 2))]

    def edges(frame: pd.DataFrame, caption: str, table_id: str) -> str:
        rows = [[_link(state.select(path=(str(r.source), str(r.target))), f"{r.source} → {r.target}"),
                 e(fmt.n(r.count)), e(fmt.n(getattr(r, f"median_wait_{wcol}"), 1))]
                for r in frame.itertuples(index=False)]
        return _table(caption, [t["path"], t["count"], f"{t['median_wait']} ({unit})"], rows, table_id=table_id,
                      numeric=(1, 2))

    return (f'<h3 id="detail-h">{e(t["activity_h"].format(a=state.activity))}</h3><dl class="figures">'
            f'{"".join(_figure(*f) for f in figs)}</dl>'
            + edges(d["incoming"], t["incoming"], "table-incoming") + edges(d["outgoing"], t["outgoing"],
                                                                            "table-outgoing"))


def _case_detail(explorer: Explorer, view: View, state: ViewState, fmt: _Fmt) -> str:
    t = fmt.t
    assert state.case is not None
    d = explorer.case_detail(view, state.case)
    unit = t["workdays"] if d["working"] else t["days"]
    tl = d["timeline"]
    rows = []
    for r in tl.to_dict("records"):
        rows.append([e(r[ACTIVITY]), e(fmt.time(r[TIMESTAMP])), e(r.get(GROUP, "")), e(r.get(RESOURCE, "")),
                     e(fmt.n(r["wait"], 1) if not (isinstance(r["wait"], float) and np.isnan(r["wait"])) else "")])
    attrs = "".join(f"<div><dt>{e(k.removeprefix('case:'))}</dt><dd>{e(v)}</dd></div>" for k, v in
                    d["attributes"].items())
    info = d["info"]
    if info is not None:
        tp = info["throughput_workdays"] if d["working"] else info["throughput_days"]
        attrs += (f"<div><dt>{e(t['throughput_case'])} ({e(unit)})</dt><dd data-figure=\"case_throughput\">"
                  f"{e(fmt.n(tp, 1))}</dd></div><div><dt>{e(t['status'])}</dt><dd>"
                  f"{e(t['closed'] if bool(info['closed']) else t['open'])}</dd></div>")
    return (f'<h3 id="detail-h">{e(t["case_h"].format(c=state.case))}</h3><dl class="attributes">{attrs}</dl>'
            + _table(t["timeline"], [t["activity"], t["time_col"], t["unit"], t["officer"],
                                     f"{t['since_prev']} ({unit})"], rows, table_id="table-timeline", numeric=(4,)))


def _detail(explorer: Explorer, view: View, state: ViewState, fmt: _Fmt) -> str:
    t = fmt.t
    parts = []
    if state.path is not None:
        parts.append(_path_detail(explorer, view, state, fmt))
    if state.activity is not None:
        parts.append(_activity_detail(explorer, view, state, fmt))
    if state.case is not None:
        parts.append(_case_detail(explorer, view, state, fmt))
    if not parts:
        return ""
    close = _link(state.select(), t["close"], id="close-detail")
    return (f'<section id="detail" aria-labelledby="detail-title" tabindex="-1"><h2 id="detail-title">'
            f'{e(t["detail"])}</h2><p>{close}</p>{"".join(parts)}</section>')


def _export(explorer: Explorer, state: ViewState, fmt: _Fmt) -> str:
    t = fmt.t
    q = urlencode(state.pairs(selection=False))
    links = "".join(f"<li>{_link(f'/export/{name}?{q}', label, download=name, id='export-' + name.split('.')[-1])}"
                    f"</li>" for name, label in (("bottlenecks.xlsx", t["export_xlsx"]),
                                                 ("report.html", t["export_html"]),
                                                 ("events.csv", t["export_csv"]),
                                                 ("events.parquet", t["export_parquet"]),
                                                 ("events.xes", t["export_xes"])))
    cmd = ["processmining", "analyze", explorer.log.source.path, "[input options]"]
    for f in state.filters:
        cmd += ["--filter", f]
    if state.activities is not None:
        cmd += ["--activities", f"{state.activities:g}"]
    if state.paths is not None:
        cmd += ["--paths", f"{state.paths:g}"]
    cmd += ["--out", "DIR"]
    text = " ".join(c if c == "[input options]" else shlex.quote(c) for c in cmd)
    return (f'<section id="export" aria-labelledby="ex-h"><h2 id="ex-h">{e(t["export"])}</h2><ul>{links}</ul>'
            f'<p>{e(t["cli"])}:</p><pre><code id="cli">{e(text)}</code></pre></section>')


def _document(title: str, lang: str, body: str) -> str:
    return ("<!DOCTYPE html>\n"
            f'<html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="referrer" content="no-referrer">'
            f"<title>{e(title)}</title>"
            '<link rel="icon" href="data:,">'
            '<link rel="stylesheet" href="/static/explore.css">'
            '<script src="/static/explore.js" defer></script></head><body>'
            f"{body}</body></html>\n")


def render_page(explorer: Explorer, state: ViewState) -> str:
    """The whole page of one view.

    Raises:
        BadRequest / NotFound: a filter, path, activity or case the log does not have.
    """
    fmt = _Fmt(state.lang)
    t = fmt.t
    view = explorer.view(state.filters)
    detail = _detail(explorer, view, state, fmt)
    name = view.analysis.title
    header = (f'<a class="skip" href="#main">{e(t["skip"])}</a><header class="top"><h1>{e(t["title"])}: {e(name)}'
              f'</h1><p class="meta">{e(fmt.n(view.log.n_cases))} {e(t["cases"])} · {e(fmt.n(view.log.n_events))} '
              f'{e(t["events"])}</p><p class="lang">'
              + _link(state.query(lang=t["lang_code"]), t["lang"], lang=t["lang_code"], hreflang=t["lang_code"])
              + "</p></header>")
    side = _filters(view, explorer, state, fmt)
    main = (f'<main id="main" tabindex="-1"><div class="layout"><div class="side">{side}'
            f"{_export(explorer, state, fmt)}</div><div class=\"centre\">{_map(explorer, state, fmt)}</div>"
            f"<div class=\"figures-column\">{detail}{_figures(view, fmt)}{_bottlenecks(view, state, fmt)}"
            f"{_variants(view, state, fmt)}{_handovers(view, fmt)}{_candidates(view, fmt)}</div></div></main>")
    return _document(f"{t['title']}: {name}", state.lang, header + main)


def error_page(message: str, status: int, lang: str = "sv") -> str:
    """A 4xx page: the message, and a way back."""
    t = _T[lang if lang in _T else "sv"]
    body = (f'<main id="main"><h1>{e(t["error"])} ({status})</h1><p role="alert" id="error">{e(message)}</p>'
            f'<p><a href="/{"?lang=en" if lang == "en" else ""}">{e(t["back"])}</a></p></main>')
    return _document(t["error"], lang, body)
