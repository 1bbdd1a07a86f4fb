"""``report.html``: one self-contained page with everything the analysis found, for reading and for review.

What the page holds, in the order a reader meets it: what to fix first (the top bottlenecks in words),
the key figures (taken from ``summary.json``'s dictionary, so both say the same), the process map
(frequency and waiting time, with pan and zoom), the bottlenecks, the charts, targets and the
applicant's time, rework, variants, handovers, the groups side by side (with ``AnalysisOptions(by=...)``:
where a region, programme or unit waits longer, in words first), automation candidates, data quality, and
where the figures come from (the provenance block of the workbook's method sheet).

One file, no network: CSS and a small vanilla script are inline, every picture is inline SVG, and a
Content-Security-Policy (``default-src 'none'``, the script allowed by its hash) makes the browser refuse
any load even if something slipped into the page. Every value from the data is escaped with
:func:`html.escape`; every SVG goes through :func:`~processmining.render.svg.clean_svg`, which keeps only
drawing elements (no script, foreignObject, event handlers, external links or metadata) and prefixes every id so that
several inline SVGs never clash.

Accessibility (WCAG 2.1 AA, required of Swedish public agencies): a skip link, landmarks (header,
nav, main, footer), headings in order, tables with ``<caption>`` and ``<th scope>``, ``role="img"``
with a label and a ``<title>`` on every SVG and a description beside it, real ``<button>`` elements
with visible focus, keyboard pan/zoom, contrast of at least 4.5:1 for text, and no information by
colour alone. Numbers are Swedish with ``lang="sv"`` (``1 234,5``; ``12 %``) and English with ``lang="en"``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analyses.bottlenecks import unit_words
from ..analyses.candidates import SUMMARY_MAX_ITEMS
from ..errors import ConfigError
from ..files import write_text
from ..formatting import fmt_number, fmt_share
from ..textsafe import visible
from .html_words import PROVENANCE_LABELS, WORDS
from .svg import clean_svg
from .swedish import in_language

if TYPE_CHECKING:
    from ..analysis import Analysis
    from .chart_input import Chart

__all__ = ["render_html", "write_html"]

#: Rows shown at most in the long tables (the full tables are in the workbook and the CSV files).
VARIANT_ROWS = 20
GROUP_ROWS = 30
DIFFERENCE_ROWS = 10
REJECT_ROWS = 100
EDGE_ROWS = 30
HANDOVER_ROWS = 20
CASE_ROWS = 20



class _Page:
    """Formatting and escaping for one language: every value from the data goes through :meth:`esc`."""

    def __init__(self, lang: str, unit: str) -> None:
        self.lang = lang
        self.t = WORDS[lang]
        self.unit = unit

    @staticmethod
    def esc(value: Any) -> str:
        return html.escape(visible(value), quote=True)  # control characters from the data shown (textsafe)

    def n(self, value: Any, decimals: int = 0) -> str:
        """A number as the reader writes it; missing values as a dash."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return self.t["none"]
        try:
            if pd.isna(value):
                return self.t["none"]
        except (TypeError, ValueError):
            pass
        return fmt_number(float(value), self.lang, decimals)

    def para(self, key: str, **values: Any) -> str:
        """A paragraph of the text ``key`` filled with ``values``, escaped."""
        return f"<p>{self.esc(self.t[key].format(**values))}</p>"

    def msg(self, text: Any) -> str:
        """A note, warning or reject reason of the run in the page's language (:mod:`.swedish`)."""
        return in_language(text, self.lang)

    def pct(self, share: Any) -> str:
        if share is None or pd.isna(share):
            return self.t["none"]
        return fmt_share(float(share), self.lang)


# ---- building blocks --------------------------------------------------------------------------------------------
def _cls(name: str) -> str:
    return f' class="{name}"' if name else ""


def _table(p: _Page, caption: str, headers: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]], *,
           table_id: str, note: str = "", row_class: Callable[[int], str] | None = None) -> str:
    """A table with a caption and ``<th scope>``; the first cell of each row is its row header.

    Args:
        headers: (label, class) per column; class ``"num"`` right-aligns numbers, ``"wide"`` gives room.
        rows: cells as already-escaped HTML.
        table_id: the table's id (its caption is ``<table_id>-caption``).
        note: a remark after the caption (e.g. "showing 20 of 39").
        row_class: a CSS class per row index (e.g. to mark rows that need a human).
    """
    head = "".join(f'<th scope="col"{_cls(kind)}>{p.esc(label)}</th>' for label, kind in headers)
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, (cell, (_, kind)) in enumerate(zip(row, headers, strict=True)):
            cells.append(f'<th scope="row"{_cls(kind)}>{cell}</th>' if j == 0 else f"<td{_cls(kind)}>{cell}</td>")
        body.append(f"<tr{_cls(row_class(i) if row_class else '')}>" + "".join(cells) + "</tr>")
    small = f" <small>{p.esc(note)}</small>" if note else ""
    return (f'<div class="table-wrap" role="region" tabindex="0" aria-labelledby="{table_id}-caption">'
            f'<table id="{table_id}"><caption id="{table_id}-caption">{p.esc(caption)}{small}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def _section(key: str, title: str, body: str, *, klass: str = "") -> str:
    cls = f' class="{klass}"' if klass else ""
    return (f'<section id="{key}" aria-labelledby="h-{key}"{cls}><h2 id="h-{key}">{html.escape(title)}</h2>'
            f"{body}</section>")


def _notes(p: _Page, items: Iterable[str]) -> str:
    lis = "".join(f"<li>{p.esc(p.msg(i))}</li>" for i in items if i)
    return f'<ul class="notes">{lis}</ul>' if lis else ""


def _stat(summary: Mapping[str, Any], *path: str) -> Any:
    value: Any = summary
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


# ---- sections -----------------------------------------------------------------------------------------------
def _lead(p: _Page, analysis: Analysis) -> str:
    t, b = p.t, analysis.bottlenecks
    top = b.top_edges(3)
    sentences = b.describe(p.lang, 3)
    if not len(top):
        body = f'<p class="first">{p.esc(t["fix_none"])}</p>'
    else:
        row = top.iloc[0]
        pair = f"{row['source']} → {row['target']}"
        first = sentences[0]
        rest = first[len(pair) + 2:] if first.startswith(pair + ": ") else first
        body = f'<p class="first"><strong>{p.esc(pair)}</strong> {p.esc(rest[:1].upper() + rest[1:])}.</p>'
        if len(sentences) > 1:
            items = "".join(f"<li>{p.esc(s)}.</li>" for s in sentences[1:])
            body += f'<p class="also">{p.esc(t["then"])}</p><ol start="2">{items}</ol>'
    if b.sla is not None:
        body += f'<p class="also">{p.esc(b.sla.describe(p.lang))}</p>'
    if analysis.candidates is not None and analysis.candidates.candidates:
        c = analysis.candidates.candidates[0]
        text = t["automate_text"].format(activity=c.activity, score=p.n(c.score, 2), hours=p.n(c.hours_saved_per_year))
        body += f'<p class="also"><strong>{p.esc(t["automate_line"])}</strong> {p.esc(text)}</p>'
    return _section("atgarda", t["fix"], body, klass="lead")


def _figures(p: _Page, summary: Mapping[str, Any]) -> str:
    t = p.t
    start, end = str(summary.get("start") or "")[:10], str(summary.get("end") or "")[:10]
    median = _stat(summary, "throughput_workdays", "median")
    p90 = _stat(summary, "throughput_workdays", "p90")
    items = [
        ("cases", t["cases"], summary.get("cases"), p.n(summary.get("cases")), ""),
        ("events", t["events"], summary.get("events"), p.n(summary.get("events")), ""),
        ("activities", t["activities"], summary.get("activities"), p.n(summary.get("activities")), ""),
        ("variants", t["variants"], summary.get("variants"), p.n(summary.get("variants")), ""),
        ("period", t["period"], f"{start}/{end}", f"{start} – {end}", ""),
        ("throughput_median", t["median_tp"], median, p.n(median, 1), p.unit),
        ("throughput_p90", t["p90_tp"], p90, p.n(p90, 1), p.unit),
        ("open_closed", t["open_closed"], f"{summary.get('open_cases')}/{summary.get('closed_cases')}",
         f"{p.n(summary.get('open_cases'))} / {p.n(summary.get('closed_cases'))}", t["open_small"]),
        ("rejected_rows", t["rejected"], summary.get("rejected_rows"), p.n(summary.get("rejected_rows")),
         t["duplicates"].format(n=p.n(summary.get("duplicates_removed")))),
    ]
    cells = "".join(
        f'<div><dt>{p.esc(label)}</dt><dd data-key="{key}" data-value="{p.esc(raw)}">{p.esc(shown)}'
        f'{f"<small>{p.esc(small)}</small>" if small else ""}</dd></div>'
        for key, label, raw, shown, small in items
    )
    return _section("nyckeltal", t["figures"], f'<dl class="figures">{cells}</dl>')


def _viewer(p: _Page, key: str, panes: Sequence[tuple[str, str, str]], *, label: str, help_text: str,
            switch: bool) -> str:
    """A pan/zoom figure: ``panes`` are (name, button label, cleaned SVG); the first is shown first."""
    t = p.t
    buttons = ""
    if switch and len(panes) > 1:
        toggles = "".join(f'<button type="button" data-show="{name}" aria-pressed="{str(i == 0).lower()}">'
                          f"{p.esc(label)}</button>" for i, (name, label, _) in enumerate(panes))
        buttons = f'<div class="switch" role="group" aria-label="{p.esc(t["show"])}">{toggles}</div>'
    toolbar = (f'<div class="toolbar" hidden>{buttons}'
               f'<button type="button" data-zoom="in" aria-label="{p.esc(t["zoom_in"])}" title="{p.esc(t["zoom_in"])}">'
               '+</button>'
               f'<button type="button" data-zoom="out" aria-label="{p.esc(t["zoom_out"])}" '
               f'title="{p.esc(t["zoom_out"])}">−</button>'
               f'<button type="button" data-zoom="reset">{p.esc(t["reset"])}</button>'
               '<span class="zoom-level" aria-live="polite">100\u00a0%</span></div>')
    body = "".join(f'<div class="pane" data-pane="{name}"><h3>{p.esc(label)}</h3>{svg}</div>'
                   for name, label, svg in panes)
    return (f'<figure class="viewer" data-viewer id="{key}">{toolbar}'
            f'<div class="viewport" tabindex="0" role="group" aria-label="{p.esc(label)}" '
            f'aria-describedby="{key}-help">{body}</div>'
            f'<figcaption id="{key}-help">{p.esc(help_text)}</figcaption></figure>')


def _map(p: _Page, analysis: Analysis, map_svgs: Mapping[str, str] | None) -> str:
    t = p.t
    if not map_svgs:
        return _section("karta", t["map"], f"<p>{p.esc(t['map_missing'])}</p>")
    panes = []
    for name in ("frequency", "performance", *sorted(set(map_svgs) - {"frequency", "performance"})):
        if name in map_svgs:
            label = t.get(name, name)
            svg = clean_svg(map_svgs[name], prefix=f"map-{re.sub(r'[^A-Za-z0-9-]', '-', name)}",
                            label=t["map_label"].format(mode=label.lower()), described_by="map-viewer-help")
            panes.append((name, label, svg))
    simplification = analysis.process_map.simplification
    intro = ""
    if simplification is not None:
        s = simplification
        intro = p.para("map_simplification", a=p.n(s.activities_shown), a_total=p.n(s.activities_total),
                       a_share=p.pct(s.event_share), e=p.n(s.edges_shown), e_total=p.n(s.edges_total),
                       e_share=p.pct(s.transition_share))
    viewer = _viewer(p, "map-viewer", panes, label=t["map"], help_text=t["map_help"], switch=True)
    return _section("karta", t["map"], intro + viewer)


def _chart_figure(p: _Page, chart: Any, *, details: str = "") -> str:
    svg = clean_svg(chart.svg, prefix=f"chart-{chart.name}", label=chart.title, described_by=f"chart-{chart.name}-alt")
    return (f'<figure class="chart" id="figure-{chart.name}">{svg}'
            f'<figcaption id="chart-{chart.name}-alt">{p.esc(chart.alt)}</figcaption>{details}</figure>')


def _bottlenecks(p: _Page, analysis: Analysis, charts: Mapping[str, Any]) -> str:
    t, b = p.t, analysis.bottlenecks
    unit = f" ({p.unit})"
    intro = p.para("bn_intro", baseline=p.n(b.ranking.baseline_workdays, 2), unit=p.unit,
                   calendar=b.calendar.describe(p.lang))
    edges = b.edges
    shown = edges[edges["score"] > 0].head(EDGE_ROWS)
    rows = [[p.n(r["rank"]), p.esc(f"{r['source']} → {r['target']}"), p.n(r["cases"]), p.n(r["count"]),
             p.n(r["median_wait_workdays"], 1), p.n(r["mean_wait_workdays"], 1), p.n(r["p90_wait_workdays"], 1),
             p.pct(r["share_of_waiting"]), p.pct(r["applicant_share"]), p.n(r["score"], 0)]
            for _, r in shown.iterrows()]
    headers = [(t["rank"], "num"), (t["transition"], "mid"), (t["cases"], "num"), (t["count"], "num"),
               (t["median_wait"] + unit, "num"), (t["mean_wait"] + unit, "num"), (t["p90_wait"] + unit, "num"),
               (t["share_wait"], "num"), (t["applicant_share"], "num"), (t["score"] + unit, "num")]
    note = t["shown_of"].format(n=len(shown), m=len(edges)) if len(shown) < len(edges) else ""
    body = intro
    if "bottlenecks" in charts:
        body += _chart_figure(p, charts["bottlenecks"])
    body += _table(p, t["bn_caption"], headers, rows, table_id="table-bottlenecks", note=note)
    acts = b.top_activities()
    if len(acts):
        rows = [[p.n(r["rank"]), p.esc(r["activity"]), p.n(r["cases"]), p.n(r["median_wait_workdays"], 1),
                 p.n(r["median_service_workdays"], 2), p.pct(r["share_of_waiting"]), p.n(r["score"], 0)]
                for _, r in acts.iterrows()]
        headers = [(t["rank"], "num"), (t["activity"], "mid"), (t["cases"], "num"), (t["wait_before"] + unit, "num"),
                   (t["service"] + unit, "num"), (t["share_wait"], "num"), (t["score"] + unit, "num")]
        body += _table(p, t["bn_act_caption"], headers, rows, table_id="table-bottleneck-activities")
    return _section("flaskhalsar", t["bottlenecks"], body)


def _charts(p: _Page, analysis: Analysis, charts: Mapping[str, Any]) -> str:
    t, b = p.t, analysis.bottlenecks
    parts = []
    if "throughput" in charts:
        hist = b.histogram[b.histogram["unit"] == "workdays"]
        rows = [[p.esc(f"{p.n(r['from'])}–{p.n(r['to'])}"), p.n(r["cases"])] for _, r in hist.iterrows()]
        table = _table(p, t["hist_caption"], [(t["from_to"].format(unit=p.unit), ""), (t["cases"], "num")], rows,
                       table_id="table-histogram")
        parts.append(_chart_figure(p, charts["throughput"],
                                   details=f"<details><summary>{p.esc(t['show_numbers'])}</summary>{table}</details>"))
    if "monthly" in charts:
        tr = b.trends
        agency = "median_agency_workdays" in tr.columns
        sla = "sla_breach_share" in tr.columns
        headers = [(t["period_col"], ""), (t["started"], "num"), (t["completed"], "num"),
                   (t["median_tp_col"].format(unit=p.unit), "num")]
        headers += [(t["median_agency_col"].format(unit=p.unit), "num")] if agency else []
        headers += [(t["breach_col"], "num")] if sla else []
        rows = []
        for _, r in tr.iterrows():
            row = [p.esc(r["period"]), p.n(r["cases_started"]), p.n(r["cases_completed"]),
                   p.n(r["median_throughput_workdays"], 1)]
            row += [p.n(r["median_agency_workdays"], 1)] if agency else []
            row += [p.pct(r["sla_breach_share"])] if sla else []
            rows.append(row)
        period = "kvartal" if b.period == "quarter" else "månad"
        if p.lang != "sv":
            period = b.period
        table = _table(p, t["trend_caption"].format(period=period), headers, rows, table_id="table-trends")
        parts.append(_chart_figure(p, charts["monthly"],
                                   details=f"<details><summary>{p.esc(t['show_numbers'])}</summary>{table}</details>"))
    if "wip" in charts:
        parts.append(_chart_figure(p, charts["wip"]))
    return _section("tider", t["charts"], f'<div class="charts">{"".join(parts)}</div>')


def _sla(p: _Page, analysis: Analysis, summary: Mapping[str, Any]) -> str:
    t, b = p.t, analysis.bottlenecks
    unit = p.unit
    body = f"<p>{p.esc(b.attribution.describe(p.lang))}</p>"
    att = summary.get("attribution") or {}
    rows = []
    for label, key in ((t["throughput"], "throughput_workdays"), (t["agency"], "agency_workdays")):
        stats = summary.get(key) if key == "throughput_workdays" else att.get(key)
        if stats:
            rows.append([p.esc(label), p.n(stats.get("median"), 1), p.n(stats.get("mean"), 1),
                         p.n(stats.get("p90"), 1)])
    if rows:
        body += _table(p, t["agency_caption"].format(unit=unit), [(t["measure"], ""), (t["median"], "num"),
                       (t["mean"], "num"), (t["p90"], "num")], rows, table_id="table-agency")
    sla = summary.get("sla")
    if b.sla is None or not sla:
        body += f"<p>{p.esc(t['sla_none'])}</p>"
        return _section("mal", t["sla"], body)
    body += f"<p>{p.esc(b.sla.describe(p.lang))}</p>"
    rows = [[p.esc(t["closed"]), p.n(sla.get("closed"))], [p.esc(t["breaching"]), p.n(sla.get("breaching"))],
            [p.esc(t["breach_col"]), p.pct(sla.get("breach_share"))],
            [p.esc(t["median_late"].format(unit=unit)), p.n(sla.get("median_late_by"), 1)],
            [p.esc(t["open"]), p.n(sla.get("open"))], [p.esc(t["overdue"]), p.n(sla.get("open_overdue"))]]
    body += _table(p, t["sla_caption"], [(t["measure"], ""), (t["detail"], "num")], rows, table_id="table-sla")
    open_cases = b.sla.open_cases.head(CASE_ROWS)
    if len(open_cases):
        rows = [[p.esc(case), p.n(r["measured"], 1), p.n(r["target"], 0), p.n(r["time_left"], 1)]
                for case, r in open_cases.iterrows()]
        body += _table(p, t["overdue_caption"], [(t["case"], ""), (t["measured"].format(unit=unit), "num"),
                       (t["target"].format(unit=unit), "num"), (t["time_left"].format(unit=unit), "num")], rows,
                       table_id="table-open-cases",
                       note=t["shown_of"].format(n=len(open_cases), m=len(b.sla.open_cases))
                       if len(b.sla.open_cases) > len(open_cases) else "")
    return _section("mal", t["sla"], body)


def _rework(p: _Page, analysis: Analysis) -> str:
    t, r = p.t, analysis.bottlenecks.rework
    share = r.cases_with_rework / r.total_cases if r.total_cases else 0.0
    body = p.para("rework_text", n=p.n(r.cases_with_rework), m=p.n(r.total_cases), share=p.pct(share))
    acts = r.activities[r.activities["repeats"] > 0]
    if not len(acts):
        body += f"<p>{p.esc(t['no_rework'])}</p>"
    else:
        rows = [[p.esc(a["activity"]), p.n(a["repeats"]), p.n(a["same_resource"]), p.n(a["other_resource"]),
                 p.n(a["cases_with_repeat"]), p.pct(a["share_of_cases"])] for _, a in acts.iterrows()]
        body += _table(p, t["rework_caption"], [(t["activity"], ""), (t["repeats"], "num"), (t["same"], "num"),
                       (t["other"], "num"), (t["cases_repeat"], "num"), (t["share_cases"], "num")], rows,
                       table_id="table-rework")
    pp = r.pingpong.head(10)
    if len(pp):
        levels = {"unit": t["level_unit"], "activity": t["level_activity"]}
        rows = [[p.esc(x["from"]), p.esc(x["via"]), p.esc(levels.get(x["level"], x["level"])), p.n(x["occurrences"]),
                 p.n(x["cases"])] for _, x in pp.iterrows()]
        body += _table(p, t["pingpong_caption"], [(t["from"], ""), (t["via"], ""), (t["level"], ""),
                       (t["occurrences"], "num"), (t["cases"], "num")], rows, table_id="table-pingpong",
                       note=t["shown_of"].format(n=len(pp), m=len(r.pingpong)) if len(r.pingpong) > len(pp) else "")
    return _section("omarbete", t["rework"], body)


def _variants(p: _Page, analysis: Analysis) -> str:
    t, v = p.t, analysis.variants
    table = v.table.head(VARIANT_ROWS)
    covered = float(table["cumulative_share"].iloc[-1]) if len(table) else 0.0
    body = (f"<p>{p.esc(t['variants_text'].format(n=p.n(v.n_variants), k=p.n(len(table)), share=p.pct(covered)))}"
            "</p>")
    rows = [[p.n(r["rank"]), p.esc(r["variant_text"]), p.n(r["cases"]), p.pct(r["share"]),
             p.pct(r["cumulative_share"]), p.n(r["events"]), p.n(r["median_throughput_days"], 1)]
            for _, r in table.iterrows()]
    body += _table(p, t["variant_caption"], [(t["rank"], "num"), (t["variant"], "wide"), (t["cases"], "num"),
                   (t["share"], "num"), (t["cumulative"], "num"), (t["events_col"], "num"), (t["median_days"], "num")],
                   rows, table_id="table-variants",
                   note=t["shown_of"].format(n=len(table), m=v.n_variants) if v.n_variants > len(table) else "")
    return _section("varianter", t["variants_h"], body)


def _handover_svg(analysis: Analysis, lang: str, label: str) -> str | None:
    import graphviz

    from .handover_map import handover_dot

    h = analysis.handovers
    assert h is not None
    what = {"unit": {"sv": "överlämningar mellan enheter", "en": "handovers between units"},
            "resource": {"sv": "överlämningar mellan handläggare", "en": "handovers between case officers"}}
    title = f"{analysis.title}: {what.get(h.level, what['unit'])[lang]}"
    try:
        svg = graphviz.Source(handover_dot(h, title=title, lang=lang)).pipe(format="svg").decode("utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError):
        return None
    return clean_svg(svg, prefix="handover-map", label=label, described_by="handover-viewer-help")


def _handovers(p: _Page, analysis: Analysis) -> str:
    t, h = p.t, analysis.handovers
    if h is None:
        return _section("overlamningar", t["handovers"], f"<p>{p.esc(p.msg(analysis.handover_note or ''))}</p>")
    c = h.counts
    what = t["nodes_unit"] if h.level == "unit" else t["nodes_resource"]
    body = p.para("handover_text", handovers=p.n(c["handovers"]), nodes=p.n(h.graph.number_of_nodes()), what=what,
                  cases=p.n(c["cases_with_handover"]), total=p.n(c["cases"]), k=h.min_group)
    body += _notes(p, [*h.notes, *([analysis.handover_note] if analysis.handover_note else [])])
    label = t["handover_map_label"].format(what=what)
    svg = _handover_svg(analysis, p.lang, label)
    if svg is None:
        body += f"<p>{p.esc(t['no_graphviz'])}</p>"
    else:
        body += f"<h3>{p.esc(t['handover_map'])}</h3>"
        body += _viewer(p, "handover-viewer", [("handovers", label, svg)], label=label,
                        help_text=t["handover_map_help"] + " " + t["map_help"].split(". ")[0] + ".", switch=False)
    edges = h.edges.head(HANDOVER_ROWS)
    unit = p.unit
    rows = [[p.esc(r["source"]), p.esc(r["target"]), p.n(r["handovers"]), p.n(r["cases"]), p.pct(r["share"]),
             p.n(r["median_delay_workdays"], 1), p.n(r["reverse_handovers"])] for _, r in edges.iterrows()]
    body += _table(p, t["handover_caption"], [(t["from"], ""), (t["to"], ""),
                   (t["handover_col"], "num"), (t["cases"], "num"), (t["share"], "num"),
                   (t["median_delay"].format(unit=unit), "num"), (t["reverse"], "num")], rows,
                   table_id="table-handovers",
                   note=t["shown_of"].format(n=len(edges), m=len(h.edges)) if len(h.edges) > len(edges) else "")
    hubs = h.hubs.head(10)
    rows = [[p.esc(r["node"]), p.n(r["pagerank"], 3), p.n(r["betweenness"], 3), p.n(r["handovers_in"]),
             p.n(r["handovers_out"]), p.pct(r["received_share"]), p.n(r["community"])] for _, r in hubs.iterrows()]
    body += _table(p, t["hubs_caption"], [(t["node"], ""), (t["pagerank"], "num"), (t["betweenness"], "num"),
                   (t["in"], "num"), (t["out"], "num"), (t["received"], "num"), (t["community"], "num")], rows,
                   table_id="table-hubs")
    return _section("overlamningar", t["handovers"], body)


def _p_value(p: _Page, value: Any) -> str:
    """A p-value as a reader takes it in: three decimals, or "< 0,001"."""
    if value is None or pd.isna(value):
        return p.t["none"]
    return p.esc(f"< {p.n(0.001, 3)}") if float(value) < 0.001 else p.n(value, 3)


def _perspective_notes(p: _Page, analysis: Analysis) -> list[str]:
    """Groups left out and cases without a value in the page's language, then any other note of the comparison."""
    r = analysis.perspectives
    assert r is not None
    known = re.compile(r"\d+ group\(s\) with fewer than \d+ cases left out: |\d+ case\(s\) have no value for ")
    notes = []
    if r.excluded:
        groups = ", ".join(f"{g} ({p.n(n)})" for g, n in r.excluded.items())
        notes.append(p.t["persp_excluded"].format(n=p.n(len(r.excluded)), k=r.min_cases, groups=groups))
    if r.missing_cases:
        notes.append(p.t["persp_missing"].format(n=p.n(r.missing_cases), attribute=r.attribute))
    return notes + [n for n in r.notes if not known.match(n)]


def _perspectives(p: _Page, analysis: Analysis) -> str:
    """The groups of ``options.by`` side by side: the differences in words first, then the tables."""
    t, r = p.t, analysis.perspectives
    assert r is not None
    unit = p.unit
    sentences = r.describe(p.lang)
    shown = sentences[:DIFFERENCE_ROWS]
    if shown:
        items = "".join(f"<li>{p.esc(s)}.</li>" for s in shown)
        body = f'<ul class="findings">{items}</ul>'
        if len(sentences) > len(shown):
            body += f'<p class="muted">{p.esc(t["shown_of"].format(n=len(shown), m=len(sentences)))}</p>'
    else:
        body = f'<p class="findings">{p.esc(t["persp_none"])}</p>'
    intro = t["persp_intro"].format(attribute=r.attribute, n=p.n(len(r.groups)), k=r.min_cases,
                                    calendar=r.calendar.describe(p.lang))
    if r.level != "case":
        intro += " " + t["persp_event_level"]
    body += f"<p>{p.esc(intro)}</p>"
    body += p.para("persp_rule", ratio=p.n(r.min_ratio, 1), diff=p.n(r.min_difference, 1), unit=unit, k=r.min_cases,
                   p=f"{r.max_p:g}".replace(".", "," if p.lang == "sv" else "."))
    body += _notes(p, _perspective_notes(p, analysis))

    worst = r.bottlenecks[r.bottlenecks["rank"] == 1].set_index("group")
    n_diff = r.differences["group"].value_counts()
    groups = r.groups.head(GROUP_ROWS)
    rows = []
    for _, g in groups.iterrows():
        name = g["group"]
        top = (f"{worst.at[name, 'source']} → {worst.at[name, 'target']} "
               f"({p.n(worst.at[name, 'median_wait_workdays'], 1)})" if name in worst.index else t["none"])
        rows.append([p.esc(name), p.n(g["cases"]), p.pct(g["share_of_cases"]), p.n(g["events"]),
                     p.n(g["median_throughput_workdays"], 1), p.n(g["p90_throughput_workdays"], 1), p.esc(top),
                     p.n(n_diff.get(name, 0))])
    body += _table(p, t["persp_groups_caption"], [
        (t["group"], ""), (t["cases"], "num"), (t["share_cases"], "num"), (t["events"], "num"),
        (f"{t['median_tp']} ({unit})", "num"), (f"{t['p90_tp']} ({unit})", "num"), (t["persp_worst"], "mid"),
        (t["persp_n_diff"], "num")], rows, table_id="table-perspective-groups",
        note=t["shown_of"].format(n=len(groups), m=len(r.groups)) if len(r.groups) > len(groups) else "")
    d = r.differences.head(EDGE_ROWS)
    if len(d):
        rows = [[p.esc(x["group"]), p.esc(f"{x['source']} → {x['target']}"), p.n(x["median_wait_workdays"], 1),
                 p.n(x["others_median_workdays"], 1), p.n(x["ratio"], 1), p.n(x["difference_workdays"], 1),
                 p.n(x["count"]), _p_value(p, x["p_value"])] for _, x in d.iterrows()]
        body += _table(p, t["persp_diff_caption"], [
            (t["group"], ""), (t["transition"], "mid"), (t["group_median"].format(unit=unit), "num"),
            (t["others_median"].format(unit=unit), "num"), (t["ratio"], "num"),
            (t["difference"].format(unit=unit), "num"), (t["transitions"], "num"), (t["p_value"], "num")], rows,
            table_id="table-perspective-differences",
            note=t["shown_of"].format(n=len(d), m=len(r.differences)) if len(r.differences) > len(d) else "")
    return _section("perspektiv", t["persp_title"].format(attribute=r.attribute), body)


def _candidates(p: _Page, analysis: Analysis) -> str:
    t, cr = p.t, analysis.candidates
    if cr is None:
        return _section("automatisering", t["candidates"], f"<p>{p.esc(p.msg(analysis.candidate_note or ''))}</p>")
    from ..analyses.candidates import CLASS_LABELS, FEATURES, TERM_LABELS

    sv, index = p.lang == "sv", 1 if p.lang == "sv" else 0
    items = cr.all()
    body = f"<p>{p.esc(t['cand_note'])}</p>" + _notes(p, cr.warnings)
    body += "<p>" + p.esc(
        "Klass ur data: händelse utifrån (inleder ärenden, kommer utanför arbetstid, görs av sökanden eller "
        "e-tjänst), redan automatiserad (görs av system), bedömningssteg (långt och spritt arbete, förgrenade "
        "utfall, få utförare, omarbete; namn som beslut, utredning) eller administrativt steg (rangordnas)."
        if sv else
        "Class from the data: outside event (starts cases, arrives outside working hours, done by the applicant or "
        "an e-service), already automated (done by a system), judgement step (long and widely spread work, "
        "branching outcomes, few performers, rework; names such as decision, investigation) or administrative "
        "step (ranked).") + "</p>"
    if len(items) > SUMMARY_MAX_ITEMS:  # 100,000 distinct activities made a page of 17 MB: the first ones here
        body += "<p>" + p.esc(
            f"De första {SUMMARY_MAX_ITEMS} av {len(items)} aktiviteterna visas; alla finns i arbetsboken, bladet "
            "Automatiseringskandidater." if p.lang == "sv" else
            f"The first {SUMMARY_MAX_ITEMS} of {len(items)} activities are shown; every one is in the workbook, "
            "sheet Automation candidates.") + "</p>"
        items = items[:SUMMARY_MAX_ITEMS]
    rows = []
    for c in items:
        status = t.get(f"st_{c.status}", c.status)
        status_html = f'<span class="flag">{p.esc(status)}</span>' if c.needs_human else p.esc(status)
        why = (c.why_sv if sv else c.why) if c.status == "ranked" else (c.reason_sv if sv else c.reason)
        action = (c.action or {}).get("text_sv" if sv else "text", "")
        rows.append([p.n(c.rank) if c.rank is not None else p.t["none"], p.esc(c.activity), status_html,
                     p.esc(CLASS_LABELS[c.activity_class][index]), p.n(c.score, 2), p.n(c.hours_saved_per_year),
                     p.esc(why), p.esc(action)])
    needs = [c.needs_human for c in items]
    body += _table(p, t["cand_caption"], [(t["rank"], "num"), (t["activity"], ""), (t["status"], ""),
                   ("Klass" if sv else "Class", ""), (t["score"], "num"), (t["hours"], "num"), (t["why"], ""),
                   ("Vad verktyget kan göra" if sv else "What the toolkit can do", "")], rows,
                   table_id="table-candidates", row_class=lambda i: "needs-human" if needs[i] else "")
    ranked = cr.candidates[:analysis.options.top]
    if ranked:
        term_rows = [[p.n(c.rank), p.esc(c.activity), p.n(c.score, 2),
                      *[f"{p.n(term['normalised'], 2)} <small>({p.n(term['contribution'], 3)})</small>"
                        for term in c.score_terms()]] for c in ranked]
        weights = cr.candidates[0].evidence["weights"]
        body += _table(
            p, "Poängens termer: normaliserat värde 0–1 (bidrag till poängen)" if sv
            else "Score terms: normalised value 0–1 (contribution to the score)",
            [(t["rank"], "num"), (t["activity"], ""), (t["score"], "num"),
             *[(f"{TERM_LABELS[n][index]} ×{p.n(weights[n], 2)}", "num") for n in FEATURES]],
            term_rows, table_id="table-candidate-terms")
    return _section("automatisering", t["candidates"], body)


def _quality(p: _Page, analysis: Analysis, summary: Mapping[str, Any]) -> str:
    t, log = p.t, analysis.log
    prov = summary.get("provenance") or {}
    body = p.para("quality_text", read=p.n(prov.get("rows_read")), kept=p.n(prov.get("events_kept")),
                  rejected=p.n(prov.get("rows_rejected")), dups=p.n(prov.get("duplicates_removed")))
    reasons = summary.get("rejects_by_reason") or {}
    if reasons:
        rows = [[p.esc(p.msg(reason)), p.n(n)] for reason, n in reasons.items()]
        body += _table(p, t["reasons_caption"], [(t["reason"], ""), (t["rows"], "num")], rows,
                       table_id="table-reject-reasons")
        rejects = log.rejects.head(REJECT_ROWS)
        rows = [[p.esc(r["row"]), p.esc(r["column"]), p.esc(r["value"]) if str(r["value"]) else
                 f'<span class="muted">{p.esc(t["empty"])}</span>', p.esc(p.msg(r["reason"]))]
                for _, r in rejects.iterrows()]
        body += _table(p, t["rejects_caption"], [(t["row"], "num"), (t["column"], ""), (t["value"], ""),
                       (t["reason"], "")], rows, table_id="table-rejects",
                       note=t["shown_of"].format(n=len(rejects), m=len(log.rejects))
                       if len(log.rejects) > len(rejects) else "")
    else:
        body += f"<p>{p.esc(t['no_rejects'])}</p>"
    if log.source.notes:
        body += f"<h3>{p.esc(t['source_notes'])}</h3>" + _notes(p, log.source.notes)
    if log.source.warnings:
        body += f"<h3>{p.esc(t['warnings'])}</h3>" + _notes(p, log.source.warnings)
    notes = list(analysis.bottlenecks.notes)
    if notes:
        body += f"<h3>{p.esc(t['analysis_notes'])}</h3>" + _notes(p, notes)
    return _section("datakvalitet", t["quality"], body)


def _value_html(p: _Page, value: Any) -> str:
    if isinstance(value, bool):
        return p.esc(p.t["yes"] if value else p.t["no"])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return p.n(value, 0 if float(value).is_integer() else 2)
    if value is None:
        return p.esc(p.t["none"])
    if isinstance(value, Mapping):
        if not value:
            return p.esc(p.t["none"])
        return "<ul>" + "".join(f"<li><code>{p.esc(k)}</code>: {_value_html(p, v)}</li>" for k, v in value.items()) \
            + "</ul>"
    if isinstance(value, list | tuple):
        if not value:
            return p.esc(p.t["none"])
        return "<ul>" + "".join(f"<li>{_value_html(p, v)}</li>" for v in value) + "</ul>"
    return p.esc(value)


def _provenance(p: _Page, summary: Mapping[str, Any]) -> str:
    t = p.t
    prov = dict(summary.get("provenance") or {})
    labels = PROVENANCE_LABELS[p.lang]
    if p.lang == "sv" and "calendar_sv" in prov:
        prov["calendar"] = prov.pop("calendar_sv")
    else:
        prov.pop("calendar_sv", None)
    rows = []
    for key, value in prov.items():
        if key in ("notes", "warnings", "map_simplification"):  # the run's own messages
            value = [p.msg(v) for v in value] if isinstance(value, list) else \
                (t["none"] if value == "none" else p.msg(value))
        cell = f'<span class="hash">{p.esc(value)}</span>' if key == "sha256" else _value_html(p, value)
        rows.append([p.esc(labels.get(key, key)), cell])
    body = f"<p>{p.esc(t['prov_intro'])}</p>"
    body += _table(p, t["prov_caption"], [(t["item"], ""), (t["detail"], "")], rows, table_id="table-provenance")
    return _section("ursprung", t["provenance"], body)


# ---- the page -------------------------------------------------------------------------------------------------------
def _asset(name: str) -> str:
    return resources.files("processmining.render").joinpath(f"templates/{name}").read_text("utf-8")


def render_html(
    analysis: Analysis,
    *,
    lang: str = "sv",
    summary: Mapping[str, Any] | None = None,
    map_svgs: Mapping[str, str] | None = None,
    charts: Sequence[Chart] | None = None,
) -> str:
    """The page as text (see :func:`write_html`)."""

    if lang not in ("sv", "en"):
        raise ConfigError(f"unknown language {lang!r}; choose sv or en")
    if summary is None:
        from ..analysis import summary_of

        summary = summary_of(analysis)
    p = _Page(lang, unit_words(analysis.calendar, lang))
    t = p.t
    if charts is None:
        from .charts import build_charts

        charts = build_charts(analysis, lang=lang)
    by_name = {c.name: c for c in charts}
    sections = [
        _lead(p, analysis), _figures(p, summary), _map(p, analysis, map_svgs), _bottlenecks(p, analysis, by_name),
        _charts(p, analysis, by_name), _sla(p, analysis, summary), _rework(p, analysis), _variants(p, analysis),
        _handovers(p, analysis),
        *([_perspectives(p, analysis)] if analysis.perspectives is not None else []),
        _candidates(p, analysis), _quality(p, analysis, summary), _provenance(p, summary),
    ]
    toc = [("atgarda", t["fix"]), ("nyckeltal", t["figures"]), ("karta", t["map"]), ("flaskhalsar", t["bottlenecks"]),
           ("tider", t["charts"]), ("mal", t["sla"]), ("omarbete", t["rework"]), ("varianter", t["variants_h"]),
           ("overlamningar", t["handovers"]),
           *([("perspektiv", t["perspectives"])] if analysis.perspectives is not None else []),
           ("automatisering", t["candidates"]), ("datakvalitet", t["quality"]), ("ursprung", t["provenance"])]
    nav = "".join(f'<li><a href="#{key}">{p.esc(label)}</a></li>' for key, label in toc)
    css, script = _asset("report.css"), _asset("report.js")
    if "</" in script or "</style" in css.lower():  # pragma: no cover - guards the templates
        raise RuntimeError("the page's script or style contains '</' and would end its element early")
    script = "\n" + script  # the hash is over the exact text between <script> and </script>
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    prov = summary.get("provenance") or {}
    start, end = str(summary.get("start") or "")[:10], str(summary.get("end") or "")[:10]
    meta = (f"{start} – {end} · {p.n(summary.get('cases'))} {t['cases'].lower()} · "
            f"{p.n(summary.get('events'))} {t['events'].lower()}")
    title = f"{t['kicker']}: {analysis.title}"
    footer = t["footer"].format(tool=prov.get("tool", ""), when=str(prov.get("run_finished", "")).replace("T", " "))
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{p.esc(prov.get("tool", "processmining"))}">\n'
        f"<title>{p.esc(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n"
        f'<a class="skip" href="#main">{p.esc(t["skip"])}</a>\n'
        f'<header class="top"><div class="wrap"><p class="kicker">{p.esc(t["kicker"])}</p>'
        f"<h1>{p.esc(analysis.title)}</h1><p class=\"meta\">{p.esc(meta)}</p></div></header>\n"
        f'<nav class="toc" aria-label="{p.esc(t["toc"])}"><div class="wrap"><ul>{nav}</ul></div></nav>\n'
        f'<main id="main" tabindex="-1"><div class="wrap">\n' + "\n".join(sections) + "\n</div></main>\n"
        f'<footer><div class="wrap"><p>{p.esc(footer)}</p></div></footer>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def write_html(
    analysis: Analysis,
    path: str | Path,
    *,
    lang: str = "sv",
    summary: Mapping[str, Any] | None = None,
    map_svgs: Mapping[str, str] | None = None,
    charts: Sequence[Chart] | None = None,
) -> Path:
    """Write ``report.html``: one self-contained, accessible page of the whole analysis, atomically.

    Args:
        analysis: the result of :func:`~processmining.analysis.analyze_log`.
        path: where to write (usually ``<out>/report.html``).
        lang: ``"sv"`` (default: Swedish words and numbers) or ``"en"``.
        summary: ``summary_of(analysis)`` as the caller computed it for ``summary.json``, so that the key
            figures on the page are the same numbers; computed here when ``None``.
        map_svgs: the process maps as SVG text, ``{"frequency": ..., "performance": ...}`` (the contents of
            ``process_map.svg`` and ``process_map_performance.svg``); ``None``: a sentence instead of the map.
        charts: the charts as drawn already (:func:`~processmining.render.charts.render_charts`); ``None``:
            drawn here.

    Returns:
        ``path``.

    Raises:
        ConfigError: ``lang`` is neither ``sv`` nor ``en``.
        ValueError: a map SVG is not an SVG document.
    """
    return write_text(path, render_html(analysis, lang=lang, summary=summary, map_svgs=map_svgs, charts=charts))
