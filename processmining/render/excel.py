"""The Excel workbook ``bottlenecks.xlsx``: every result of one analysis, in sheets an auditor can filter and trace.

    write_workbook(analysis, Path("reports/demo/bottlenecks.xlsx"), lang="sv", summary=summary_of(analysis),
                   map_png=Path("reports/demo/process_map.png"))

Sheets, in this order (Swedish names by default, English with ``lang="en"``; :func:`sheet_names`):
Sammanfattning/Summary, Processkarta/Process map (only with ``map_png``), Flaskhalsar/Bottlenecks,
Aktiviteter/Activities, Varianter/Variants, Överlämningar/Handovers, Enheter/Units, Perspektiv/Perspectives
(only when the analysis compared groups, ``AnalysisOptions(by=...)``), Omarbete/Rework, Handläggningstid/SLA,
Automatiseringskandidater/Automation candidates, Datakvalitet/Data quality, Metod/Method.

How it is written:

- The whole workbook is streamed in openpyxl's write-only mode, whatever its size: one code path, memory
  that does not grow with the log, and everything the report needs works there (Excel tables with their
  autofilter, frozen header rows, column widths, number formats, colour scales, the charts, the map
  picture). A write-only sheet is written top to bottom once, so each sheet is first laid out (rows,
  columns, widths, heights) and then streamed: that is the sheet layout engine,
  :mod:`processmining.render.workbook`; this module says what each sheet holds.
- Formula injection: every string cell is stored as text (the value is assigned, then
  ``data_type = "s"``), so a value like ``=HYPERLINK(...)`` from the data is never a live formula; the
  tool writes no formulas of its own. Characters XML cannot hold are removed; strings longer than
  Excel's 32,767 characters are cut and say so; tables longer than Excel's 1,048,576 rows are cut and
  say so above the table.
- Time: Excel has no time zones. Timestamps are local wall-clock time in the calendar's zone
  (Europe/Stockholm), without offset; headers say "local time" and the Method sheet says which zone.
- Figures on the Summary sheet come from ``summary`` (:func:`processmining.analysis.summary_of`), so they
  are the numbers of ``summary.json``.
- The file is written atomically (:func:`processmining.files.atomic_path`): a crash leaves no
  half-written workbook and any earlier one untouched.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart._chart import ChartBase

from ..files import atomic_path, write_csv
from .swedish import sentence, swedish

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from ..analyses.candidates import CandidateReport
    from ..analysis import Analysis

from .workbook import (  # the sheet layout engine (same package)
    _CHART_CM,
    EXCEL_MAX_ROWS,
    MAX_CELL_CHARS,
    SHEETS,
    _bar_chart,
    _Ctx,
    _discard_temp_files,
    _lang_index,
    _Picture,
    _Sheet,
    _Styles,
    _Tables,
    _Tbl,
    _Text,
    _text_categories,
    _write_sheet,
    full_table_name,
    full_tables,
    sheet_names,
)

__all__ = ["EXCEL_MAX_ROWS", "MAX_CELL_CHARS", "SHEETS", "sheet_names", "write_workbook"]


def write_workbook(
    analysis: Analysis,
    path: Path,
    *,
    lang: str = "sv",
    summary: dict[str, Any] | None = None,
    map_png: Path | Callable[[], Path] | None = None,
) -> list[Path]:
    """Write the Excel report of ``analysis`` to ``path`` atomically; returns ``[path]``.

    Args:
        analysis: the result of :func:`~processmining.analysis.analyze_log`.
        path: the workbook to write (``bottlenecks.xlsx``); its folder is created if missing.
        lang: ``"sv"`` (Swedish sheet names, headers and sentences) or ``"en"``.
        summary: :func:`~processmining.analysis.summary_of` of ``analysis`` when already computed; the
            Summary sheet shows its figures, so they equal ``summary.json``.
        map_png: the rendered process map, shown on its own sheet after the Summary (``None``: no map sheet);
            or a function that returns it (waits for it), called once every sheet is streamed.
            With ``analysis.perspectives`` the Perspectives sheet follows the Units sheet.

    Raises:
        ConfigError: ``lang`` is neither ``sv`` nor ``en``.
    """
    _lang_index(lang)
    if summary is None:
        from ..analysis import summary_of

        summary = summary_of(analysis)
    cx = _Ctx(analysis, lang, stem=Path(path).stem)
    sheets = [_summary_sheet(analysis, summary, cx)]
    if map_png is not None:
        sheets.append(_map_sheet(analysis, summary, cx, map_png if callable(map_png) else Path(map_png)))
    sheets += [
        _charts_sheet(analysis, cx),
        _bottlenecks_sheet(analysis, cx), _activities_sheet(analysis, cx), _variants_sheet(analysis, cx),
        _handovers_sheet(analysis, cx), _units_sheet(analysis, cx),
        *([_perspectives_sheet(analysis, cx)] if analysis.perspectives is not None else []),
        _rework_sheet(analysis, cx), _sla_sheet(analysis, summary, cx), _candidates_sheet(analysis, cx),
        _quality_sheet(analysis, cx), _method_sheet(analysis, cx),
    ]
    wb = Workbook(write_only=True)
    wb.properties.creator = f"processmining {analysis.provenance()['tool'].split()[-1]}"
    wb.properties.title = cx.text(cx.t(f"Flaskhalsrapport: {analysis.title}", f"Bottleneck report: {analysis.title}"))
    styles, used, late = _Styles(), set[str](), list[Callable[[], None]]()
    try:
        for sheet in sheets:
            _write_sheet(wb, sheet, cx, styles, used, late)
        for job in late:
            job()
        with atomic_path(path) as tmp:
            wb.save(tmp)
    except BaseException:
        _discard_temp_files(wb)
        raise
    written = [Path(path)]
    for name, frame in full_tables(sheets):  # tables the workbook shows cut: every row beside it
        written.append(write_csv(frame, Path(path).with_name(full_table_name(Path(path).stem, name))))
    return written


# ---- the sheets ------------------------------------------------------------------------------------------
def _title(cx: _Ctx, sv: str, en: str) -> _Text:
    return _Text(cx.t(sv, en), "title")


def _note(text: str) -> _Text:
    return _Text(text, "note")


def _local_time_note(cx: _Ctx) -> str:
    return cx.t(f"Klockslag är lokal tid i {cx.tz} (Excel saknar tidszoner).",
                f"Times are local time in {cx.tz} (Excel has no time zones).")


def _iso_local(text: str | None, cx: _Ctx) -> dt.datetime | None:
    return None if text is None else cx.local(pd.Timestamp(text))


def _summary_sheet(a: Analysis, s: Mapping[str, Any], cx: _Ctx) -> _Sheet:
    t, work, days = cx.t, cx.work, cx.days
    start, end = _iso_local(s.get("start"), cx), _iso_local(s.get("end"), cx)
    rows: list[tuple[str, Any, str]] = [
        (t("Ärenden", "Cases"), s["cases"], "count"),
        (t("Händelser", "Events"), s["events"], "count"),
        (t("Aktiviteter", "Activities"), s["activities"], "count"),
        (t("Varianter", "Variants"), s["variants"], "count"),
        (t("Första händelse (lokal tid)", "First event (local time)"), start, "datetime"),
        (t("Sista händelse (lokal tid)", "Last event (local time)"), end, "datetime"),
        (t(f"Genomloppstid, median ({work})", f"Throughput time, median ({work})"),
         s["throughput_workdays"]["median"], "days"),
        (t(f"Genomloppstid, p90 ({work})", f"Throughput time, p90 ({work})"), s["throughput_workdays"]["p90"], "days"),
        (t(f"Genomloppstid, median ({days})", f"Throughput time, median ({days})"),
         s["throughput_days"]["median"], "days"),
        (t(f"Genomloppstid, p90 ({days})", f"Throughput time, p90 ({days})"), s["throughput_days"]["p90"], "days"),
        (t("Avslutade ärenden", "Closed cases"), s["closed_cases"], "count"),
        (t("Öppna ärenden", "Open cases"), s["open_cases"], "count"),
        (t("Avvisade rader", "Rejected rows"), s["rejected_rows"], "count"),
        (t("Exakta dubbletter borttagna", "Exact duplicates removed"), s["duplicates_removed"], "count"),
    ]
    attribution = s.get("attribution") or {}
    if attribution.get("clock_stops"):
        rows += [
            (t(f"Handläggningstid utan sökandens tid, median ({work})",
               f"Agency time without the applicant's time, median ({work})"),
             attribution["agency_workdays"]["median"], "days"),
            (t("Sökandens andel av genomloppstiden", "Applicant's share of throughput time"),
             attribution["applicant_share_of_throughput"], "pct"),
        ]
    sla = s.get("sla")
    if sla:
        rows += [
            (t("Avslutade ärenden över målet", "Closed cases over the target"), sla["breach_share"], "pct"),
            (t("Öppna ärenden redan över målet", "Open cases already over the target"), sla["open_overdue"], "count"),
        ]
    handovers = s.get("handovers") or {}
    if handovers.get("level"):
        what = t("enheter", "units") if handovers["level"] == "unit" else t("handläggare", "case officers")
        rows.append((t(f"Överlämningar mellan {what}", f"Handovers between {what}"), handovers["handovers"], "count"))
    if a.candidates is not None:
        rows.append((t("Rangordnade automatiseringskandidater", "Ranked automation candidates"),
                     len(a.candidates.candidates), "count"))
    key_figures = _Tbl("KeyFigures", cx.pairs((t("Mått", "Measure"), t("Värde", "Value")), rows),
                       caption=t("Nyckeltal", "Key figures"))

    top = list(s.get("bottlenecks") or [])[:10]
    labels = [f"{b['from']} → {b['to']}" for b in top]
    short = all(len(label) <= 45 for label in labels)  # long labels crowd the chart: then it shows the rank
    score_header = t(f"Poäng ({work})", f"Score ({work})")
    top_table = _Tbl("TopBottlenecks", [
        cx.col(t("Rang", "Rank"), "int", range(1, len(top) + 1)),
        cx.col(t("Övergång", "Transition"), "text", labels, max_width=50),
        cx.col(t(f"Median väntan ({work})", f"Median wait ({work})"), "days", [b["median_wait_workdays"] for b in top]),
        cx.col(score_header, "score", [b["score"] for b in top]),
        cx.col(t("Andel av väntan", "Share of waiting"), "pct", [b["share_of_waiting"] for b in top]),
    ], caption=t("Största flaskhalsar", "Top bottlenecks"),
        empty=t("Ingen övergång väntar längre än det typiska.", "No transition waits longer than typical."),
        chart=_bar_chart(t("Största flaskhalsar: väntan utöver det typiska", "Top bottlenecks: waiting beyond typical"),
                         t(f"{work} (summa över ärendena)", f"{work} (sum over cases)"), category=1 if short else 0,
                         value=3, category_title=None if short else t("Rang (se tabellen)", "Rank (see the table)")))

    texts = [f"{i}. {b['text_sv' if cx.sv else 'text_en']}" for i, b in enumerate(s.get("bottlenecks") or [], 1)]
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, f"Flaskhalsrapport: {a.title}", f"Bottleneck report: {a.title}"),
        _note(t(f"{cx.num(s['cases'], 0)} ärenden och {cx.num(s['events'], 0)} händelser",
                f"{cx.num(s['cases'], 0)} cases and {cx.num(s['events'], 0)} events")
              + (f", {start:%Y-%m-%d} – {end:%Y-%m-%d}." if start and end else ".")),
        _note(f"{cx.calendar.describe(cx.lang)}; " + t(f"{days}: dygn om 24 timmar.", f"{days}: 24-hour days.")),
        _note(_local_time_note(cx)),
        *([] if a.bottlenecks.end_activities else [_note(t(
            "Ingen slutaktivitet angiven eller funnen: alla ärenden räknas som avslutade (ange slutaktiviteter för att "
            "skilja öppna ärenden från avslutade).",
            "No end activity given or found: every case counts as closed (pass end activities to tell open cases "
            "apart)."))]),
        None,
        _Tables([key_figures, top_table]),
        _Text(t("De största flaskhalsarna i klartext", "The top bottlenecks in plain words"), "heading"),
        *[_Text(text) for text in texts or [t("Ingen övergång väntar längre än det typiska.",
                                               "No transition waits longer than typical.")]],
        None,
        _Text(t("Åtgärda först", "What to fix first"), "heading"),
        *[_Text(text) for text in _fix_first(a, s, cx)],
        None,
        _note(t("Flikarna: Flaskhalsar och Aktiviteter (var ärenden väntar), Varianter, Överlämningar och Enheter, "
                "Omarbete, Handläggningstid (mål), Automatiseringskandidater, Datakvalitet (avvisade rader) och "
                "Metod (källa, SHA-256, parametrar och definitioner).",
                "Sheets: Bottlenecks and Activities (where cases wait), Variants, Handovers and Units, Rework, SLA "
                "(targets), Automation candidates, Data quality (rejected rows) and Method (source, SHA-256, "
                "parameters and definitions).")),
        *([_note(t(f"Perspektiv: grupperna av {a.perspectives.attribute} sida vid sida och var en grupp väntar "
                   "längre än övriga.",
                   f"Perspectives: the groups of {a.perspectives.attribute} side by side and where a group waits "
                   "longer than the others."))] if a.perspectives is not None else []),
    ]
    return _Sheet("summary", sections, freeze=False)


def _fix_first(a: Analysis, s: Mapping[str, Any], cx: _Ctx) -> list[str]:
    """Plain sentences: the agency's own worst wait, the best automation candidate, overdue open cases."""
    t, work = cx.t, cx.work
    out: list[str] = []
    bottlenecks = list(s.get("bottlenecks") or [])
    baseline = float((s.get("score") or {}).get("baseline_wait") or 0.0)
    own = [b for b in bottlenecks if (b.get("applicant_share") or 0.0) < 0.5]
    if bottlenecks and bottlenecks[0] not in own:
        first = bottlenecks[0]
        out.append(t(f"Den största väntan, {first['from']} → {first['to']}, är till "
                     f"{cx.share(first['applicant_share'])} sökandens tid (klockan står still).",
                     f"The largest wait, {first['from']} → {first['to']}, is {cx.share(first['applicant_share'])} "
                     "the applicant's time (the clock is stopped)."))
    if own:
        b = own[0]
        out.append(t(
            f"Börja med {b['from']} → {b['to']}: där väntar ärenden i median {cx.num(b['median_wait_workdays'])} "
            f"{work}; det är {cx.share(b['share_of_waiting'] or 0.0)} av all väntan och {cx.num(b['score'], 0)} {work} "
            f"utöver den typiska väntan ({cx.num(baseline)} {work} per övergång).",
            f"Start with {b['from']} → {b['to']}: cases wait there a median of {cx.num(b['median_wait_workdays'])} "
            f"{work}; that is {cx.share(b['share_of_waiting'] or 0.0)} of all waiting and {cx.num(b['score'], 0)} "
            f"{work} beyond the typical wait ({cx.num(baseline)} {work} per transition)."))
    elif not bottlenecks:
        out.append(t("Ingen övergång väntar längre än det typiska: inget enskilt steg sticker ut.",
                     "No transition waits longer than typical: no single step stands out."))
    if a.candidates is not None and a.candidates.candidates:
        c = a.candidates.candidates[0]
        out.append(t(f"Bästa automatiseringskandidat: {c.activity} (poäng {cx.num(c.score, 2)}, cirka "
                     f"{cx.num(c.hours_saved_per_year, 0)} timmar per år): {c.why_sv}.",
                     f"Best automation candidate: {c.activity} (score {cx.num(c.score, 2)}, about "
                     f"{cx.num(c.hours_saved_per_year, 0)} hours a year): {c.why}."))
    sla = s.get("sla")
    if sla and sla.get("open_overdue"):
        out.append(t(f"{cx.num(sla['open_overdue'], 0)} öppna ärenden har redan passerat målet: se fliken "
                     "Handläggningstid.",
                     f"{cx.num(sla['open_overdue'], 0)} open cases are already past the target: see the SLA sheet."))
    return out


def _map_sheet(a: Analysis, s: Mapping[str, Any], cx: _Ctx, png: Path | Callable[[], Path]) -> _Sheet:
    t = cx.t
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, f"Processkarta: {a.title}", f"Process map: {a.title}")]
    simp = s.get("process_map")
    if simp:
        sections.append(_note(t(
            f"Visar {simp['activities_shown']} av {simp['activities_total']} aktiviteter "
            f"({cx.share(simp['event_share'])} av händelserna) och {simp['edges_shown']} av {simp['edges_total']} "
            f"vägar ({cx.share(simp['transition_share'])} av övergångarna). Hela kartan: process_map.svg.",
            f"Shows {simp['activities_shown']} of {simp['activities_total']} activities "
            f"({cx.share(simp['event_share'])} of events) and {simp['edges_shown']} of {simp['edges_total']} paths "
            f"({cx.share(simp['transition_share'])} of transitions). The full map: process_map.svg.")))
    sections += [None, _Picture(png if callable(png) else functools.partial(Path, png))]
    return _Sheet("map", sections, freeze=False)


def _charts_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    """The page's charts as native Excel charts, each beside the table it draws from (its cells are the
    chart's data, so an auditor can check every bar and point; the top bottlenecks' chart is on the
    Summary sheet, under its table)."""
    from .chart_input import busiest_units

    t, work = cx.t, cx.work
    b = a.bottlenecks
    hist = b.histogram[b.histogram["unit"] == "workdays"].reset_index(drop=True)
    interval = [f"{cx.num(float(lo), 0)}–{cx.num(float(hi), 0)}" for lo, hi in zip(hist["from"], hist["to"],
                                                                                  strict=True)]
    histogram = _Tbl("ChartThroughput", [
        cx.col(t(f"Genomloppstid ({work})", f"Throughput time ({work})"), "text", interval),
        cx.col(t("Från", "From"), "dec1", hist["from"]),
        cx.col(t("Till", "To"), "dec1", hist["to"]),
        cx.col(t("Ärenden", "Cases"), "count", hist["cases"]),
    ], caption=t("Genomloppstid: ärenden per intervall", "Throughput time: cases per interval"),
        empty=t("Inga avslutade ärenden.", "No closed cases."), chart_beside=True,
        chart=_column_chart(t("Genomloppstid", "Throughput time"), t(f"Genomloppstid ({work})",
                                                                    f"Throughput time ({work})"),
                            t("Ärenden", "Cases"), category=0, values=(3,)))

    trends = b.trends.reset_index(drop=True)
    period = t("kvartal", "quarter") if b.period == "quarter" else t("månad", "month")
    medians = [("median_throughput_workdays", t(f"Median genomloppstid ({work})", f"Median throughput ({work})"))]
    if "median_agency_workdays" in trends.columns and trends["median_agency_workdays"].notna().any():
        medians.append(("median_agency_workdays", t(f"Median egen handläggningstid ({work})",
                                                    f"Median agency handling time ({work})")))
    has_trends = len(trends) > 0 and "cases_started" in trends.columns
    trend_table = _Tbl("ChartTrends", [
        cx.col(t("Period", "Period"), "text", trends["period"].astype(str) if has_trends else []),
        cx.col(t("Startade ärenden", "Cases started"), "count", trends["cases_started"] if has_trends else []),
        cx.col(t("Avslutade ärenden", "Cases completed"), "count", trends["cases_completed"] if has_trends else []),
        *[cx.col(header, "days", trends[column] if has_trends else []) for column, header in medians],
    ], caption=t(f"Per {period}", f"Per {period}"), empty=t("Inga ärenden.", "No cases."), chart_beside=True,
        chart=_trend_chart(t(f"Ärenden och genomloppstid per {period}", f"Cases and throughput time per {period}"),
                           t("Ärenden", "Cases"), work, medians=len(medians)))

    wip = b.wip_daily
    units = busiest_units(wip) if len(wip) and "all" in wip.columns else []
    has_wip = len(wip) > 0 and "all" in wip.columns
    wip_table = _Tbl("DailyWorkInProgress", [
        cx.col(t("Datum", "Date"), "date", list(wip.index) if has_wip else []),
        cx.col(t("Alla enheter", "All units"), "count", wip["all"] if has_wip else []),
        *[cx.col(str(unit), "count", wip[unit]) for unit in units],
    ], caption=t("Pågående ärenden vid dagens slut", "Open cases at the end of each day"),
        empty=t("Inga ärenden.", "No cases."), chart_beside=True,
        chart=_line_chart(t("Pågående ärenden", "Work in progress"), t("Ärenden", "Cases"),
                          values=tuple(range(1, 2 + len(units)))))

    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, "Diagram", "Charts"),
        _note(t("Diagrammen ritas ur tabellerna bredvid dem: ändras en cell, ändras diagrammet. Samma diagram som "
                "på webbsidan; flaskhalsarnas diagram finns på bladet Sammanfattning.",
                "The charts are drawn from the tables beside them: change a cell and the chart follows. The same "
                "charts as on the page; the bottlenecks' chart is on the Summary sheet.")),
        None, _Tables([histogram]), _Tables([trend_table]), _Tables([wip_table]),
    ]
    return _Sheet("charts", sections, freeze=False)


def _axes(chart: ChartBase, title: str, x_title: str | None, y_title: str) -> None:
    chart.title = title
    chart.style = 10
    chart.x_axis.delete = False  # openpyxl 3.1 hides the axes unless told
    chart.y_axis.delete = False
    if x_title:
        chart.x_axis.title = x_title
    chart.y_axis.title = y_title
    chart.y_axis.number_format = "#,##0"
    chart.width, chart.height = _CHART_CM


def _column_chart(title: str, x_title: str, y_title: str, *, category: int,
                  values: tuple[int, ...]) -> Callable[..., ChartBase]:
    """Vertical bars of the table's columns ``values`` over the labels in column ``category`` (0-based)."""

    def build(ws: WriteOnlyWorksheet, header_row: int, offset: int, n: int) -> ChartBase:
        chart = BarChart()
        chart.type = "col"
        chart.gapWidth = 10
        chart.legend = None
        for value in values:
            chart.add_data(Reference(ws, min_col=offset + value, min_row=header_row, max_row=header_row + n),
                           titles_from_data=True)
        _text_categories(chart, Reference(ws, min_col=offset + category, min_row=header_row + 1,
                                          max_row=header_row + n))
        _axes(chart, title, x_title, y_title)
        return chart

    return build


def _trend_chart(title: str, cases_title: str, work: str, *, medians: int) -> Callable[..., ChartBase]:
    """Cases started and completed (bars, columns 1-2) with the median times (lines on a second axis,
    the columns after them) per period (column 0)."""

    def build(ws: WriteOnlyWorksheet, header_row: int, offset: int, n: int) -> ChartBase:
        categories = Reference(ws, min_col=offset, min_row=header_row + 1, max_row=header_row + n)
        bars = BarChart()
        bars.type = "col"
        bars.add_data(Reference(ws, min_col=offset + 1, max_col=offset + 2, min_row=header_row,
                                max_row=header_row + n), titles_from_data=True)
        _text_categories(bars, categories)
        _axes(bars, title, None, cases_title)
        lines = LineChart()
        lines.add_data(Reference(ws, min_col=offset + 3, max_col=offset + 2 + medians, min_row=header_row,
                                 max_row=header_row + n), titles_from_data=True)
        _text_categories(lines, categories)
        lines.y_axis.axId = 200
        lines.y_axis.title = work
        lines.y_axis.crosses = "max"
        lines.y_axis.delete = False
        lines.y_axis.number_format = "0.0"
        bars.legend.position = "b"
        bars += lines
        return bars

    return build


def _line_chart(title: str, y_title: str, *, values: tuple[int, ...]) -> Callable[..., ChartBase]:
    """Lines of the table's columns ``values`` over its dates (column 0)."""

    def build(ws: WriteOnlyWorksheet, header_row: int, offset: int, n: int) -> ChartBase:
        chart = LineChart()
        for value in values:
            chart.add_data(Reference(ws, min_col=offset + value, min_row=header_row, max_row=header_row + n),
                           titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=offset, min_row=header_row + 1, max_row=header_row + n))
        _axes(chart, title, None, y_title)
        chart.x_axis.number_format = "yyyy-mm"
        chart.x_axis.tickLblSkip = max(1, n // 12)
        chart.x_axis.tickMarkSkip = max(1, n // 12)
        chart.legend.position = "b"
        return chart

    return build


def _bottlenecks_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    t, work, days = cx.t, cx.work, cx.days
    b = a.bottlenecks
    e = b.edges
    baseline = b.ranking.baseline_workdays
    table = _Tbl("Bottlenecks", [
        cx.col(t("Rang", "Rank"), "int", e["rank"]),
        cx.col(t("Från", "From"), "text", e["source"], max_width=45),
        cx.col(t("Till", "To"), "text", e["target"], max_width=45),
        cx.col(t("Antal", "Count"), "count", e["count"]),
        cx.col(t("Ärenden", "Cases"), "count", e["cases"]),
        cx.col(t(f"Median väntan ({work})", f"Median wait ({work})"), "days", e["median_wait_workdays"], scale="high"),
        cx.col(t(f"Medel väntan ({work})", f"Mean wait ({work})"), "days", e["mean_wait_workdays"], scale="high"),
        cx.col(t(f"p90 väntan ({work})", f"p90 wait ({work})"), "days", e["p90_wait_workdays"], scale="high"),
        cx.col(t(f"Median väntan ({days})", f"Median wait ({days})"), "days", e["median_wait_days"], scale="high"),
        cx.col(t(f"Medel väntan ({days})", f"Mean wait ({days})"), "days", e["mean_wait_days"], scale="high"),
        cx.col(t(f"p90 väntan ({days})", f"p90 wait ({days})"), "days", e["p90_wait_days"], scale="high"),
        cx.col(t(f"Poäng ({work})", f"Score ({work})"), "score", e["score"]),
        cx.col(t("Andel av väntan", "Share of waiting"), "pct", e["share_of_waiting"]),
        cx.col(t("Sökandens andel", "Applicant share"), "pct", e["applicant_share"]),
    ], empty=t("Loggen har inga övergångar (varje ärende har en händelse).",
               "The log has no transitions (every case has one event)."))
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, "Flaskhalsar: övergångar mellan aktiviteter, värst först",
               "Bottlenecks: transitions between activities, worst first"),
        _note(t(f"Väntan: från en aktivitets slut till nästa aktivitets start i samma ärende. Poäng: summan av väntan "
                f"utöver den typiska väntan ({cx.num(baseline, 2)} {work}, medianen av alla övergångar). Sökandens "
                "andel: den del av väntan då klockan står still (väntan på sökanden).",
                f"Waiting: from one activity's completion to the next activity's start in the same case. Score: the "
                f"waiting beyond the typical wait ({cx.num(baseline, 2)} {work}, the median of all transitions), "
                "summed. Applicant share: the part of the waiting while the clock is stopped (waiting for the "
                "applicant).")),
        _note(cx.calendar.describe(cx.lang)),
        _Tables([table]),
    ]
    return _Sheet("bottlenecks", sections)


def _activities_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    t, work, days = cx.t, cx.work, cx.days
    acts = a.bottlenecks.activities
    share = a.dfg.activities.set_index("activity")["event_share"].reindex(acts["activity"]).to_numpy()
    table = _Tbl("Activities", [
        cx.col(t("Rang", "Rank"), "int", acts["rank"]),
        cx.col(t("Aktivitet", "Activity"), "text", acts["activity"], max_width=50),
        cx.col(t("Händelser", "Events"), "count", acts["events"]),
        cx.col(t("Ärenden", "Cases"), "count", acts["cases"]),
        cx.col(t("Andel av händelserna", "Share of events"), "pct", share),
        cx.col(t(f"Väntan före, median ({work})", f"Wait before, median ({work})"), "days",
               acts["median_wait_workdays"], scale="high"),
        cx.col(t(f"Väntan före, medel ({work})", f"Wait before, mean ({work})"), "days",
               acts["mean_wait_workdays"], scale="high"),
        cx.col(t(f"Väntan före, p90 ({work})", f"Wait before, p90 ({work})"), "days",
               acts["p90_wait_workdays"], scale="high"),
        cx.col(t(f"Väntan före, median ({days})", f"Wait before, median ({days})"), "days",
               acts["median_wait_days"], scale="high"),
        cx.col(t(f"Handläggning, median ({work})", f"Service time, median ({work})"), "days",
               acts["median_service_workdays"]),
        cx.col(t(f"Handläggning, medel ({work})", f"Service time, mean ({work})"), "days",
               acts["mean_service_workdays"]),
        cx.col(t(f"Handläggning, median ({days})", f"Service time, median ({days})"), "days",
               acts["median_service_days"]),
        cx.col(t(f"Poäng ({work})", f"Score ({work})"), "score", acts["score"]),
        cx.col(t("Andel av väntan", "Share of waiting"), "pct", acts["share_of_waiting"]),
    ])
    notes = [t("Väntan före: väntan på alla övergångar in i aktiviteten. Handläggning: från aktivitetens start till "
               "dess slut. Poäng: väntan och handläggning utöver det typiska.",
               "Wait before: the waiting of every transition into the activity. Service time: from the activity's "
               "start to its completion. Score: waiting and service time beyond typical.")]
    if not a.log.has_start:
        notes.append(t("Loggen saknar starttider: handläggningstiden kan inte beräknas (kolumnerna är tomma).",
                       "The log has no start times: service times cannot be computed (the columns are empty)."))
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, "Aktiviteter: väntan före och handläggningstid", "Activities: waiting before and service time"),
        *[_note(n) for n in notes], _Tables([table])]
    return _Sheet("activities", sections)


def _variants_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    t, days = cx.t, cx.days
    v = a.variants
    table = _Tbl("Variants", [
        cx.col(t("Rang", "Rank"), "int", v.table["rank"]),
        cx.col(t("Variant (aktiviteternas ordning)", "Variant (order of activities)"), "wrap", v.table["variant_text"],
               max_width=100),
        cx.col(t("Ärenden", "Cases"), "count", v.table["cases"]),
        cx.col(t("Andel av ärendena", "Share of cases"), "pct", v.table["share"]),
        cx.col(t("Kumulativ andel", "Cumulative share"), "pct", v.table["cumulative_share"]),
        cx.col(t(f"Genomloppstid, median ({days})", f"Throughput time, median ({days})"), "days",
               v.table["median_throughput_days"], scale="high"),
        cx.col(t("Händelser per ärende", "Events per case"), "count", v.table["events"]),
    ])
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, "Varianter: ärendenas vägar genom processen", "Variants: the paths cases take"),
        _note(t(f"{cx.num(v.n_variants, 0)} varianter bland {cx.num(v.n_cases, 0)} ärenden. En variant är "
                "aktiviteternas ordningsföljd i ett ärende.",
                f"{cx.num(v.n_variants, 0)} variants among {cx.num(v.n_cases, 0)} cases. A variant is the sequence "
                "of activities of a case.")),
        _Tables([table]),
    ]
    return _Sheet("variants", sections)


def _handover_note(a: Analysis, cx: _Ctx) -> str:
    note = a.handover_note or cx.t("Ingen överlämningsgraf beräknades.", "No handover graph was computed.")
    return sentence(swedish(note)) if cx.sv else note


def _handovers_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    t, work, days = cx.t, cx.work, cx.days
    h = a.handovers
    title = _title(cx, "Överlämningar av arbete", "Handovers of work")
    if h is None:
        return _Sheet("handovers", [title, _Text(_handover_note(a, cx))], freeze=False)
    who = t("Enhet", "Unit") if h.level == "unit" else t("Handläggare (pseudonym)", "Case officer (pseudonym)")
    e, n = h.edges, h.nodes
    edges = _Tbl("HandoverEdges", [
        cx.col(t("Från", "From"), "text", e["source"], max_width=40),
        cx.col(t("Till", "To"), "text", e["target"], max_width=40),
        cx.col(t("Överlämningar", "Handovers"), "count", e["handovers"]),
        cx.col(t("Ärenden", "Cases"), "count", e["cases"]),
        cx.col(t("Andel av överlämningarna", "Share of handovers"), "pct", e["share"]),
        cx.col(t(f"Fördröjning, median ({work})", f"Delay, median ({work})"), "days", e["median_delay_workdays"],
               scale="high"),
        cx.col(t(f"Fördröjning, medel ({work})", f"Delay, mean ({work})"), "days", e["mean_delay_workdays"],
               scale="high"),
        cx.col(t(f"Fördröjning, median ({days})", f"Delay, median ({days})"), "days", e["median_delay_days"],
               scale="high"),
        cx.col(t(f"Fördröjning, medel ({days})", f"Delay, mean ({days})"), "days", e["mean_delay_days"],
               scale="high"),
        cx.col(t("Överlämningar tillbaka", "Handovers back"), "count", e["reverse_handovers"]),
    ], caption=t("Överlämningar (från → till)", "Handovers (from → to)"))
    node_cols = [
        cx.col(who, "text", n["node"], max_width=40),
        cx.col(t("Händelser", "Events"), "count", n["events"]),
        cx.col(t("Ärenden", "Cases"), "count", n["cases"]),
        cx.col(t("Mottaget från andra", "Received from others"), "count", n["received"]),
        cx.col(t("Andel mottaget", "Share received"), "pct", n["received_share"]),
        cx.col(t("Överlämningar in", "Handovers in"), "count", n["handovers_in"]),
        cx.col(t("Överlämningar ut", "Handovers out"), "count", n["handovers_out"]),
        cx.col(t("Partner in", "Partners in"), "count", n["partners_in"]),
        cx.col(t("Partner ut", "Partners out"), "count", n["partners_out"]),
        cx.col("PageRank", "dec3", n["pagerank"]),
        cx.col("Betweenness", "dec3", n["betweenness"]),
        cx.col(t("Grupp (community)", "Community"), "int", n["community"]),
    ]
    if "unit" in n.columns:
        node_cols.append(cx.col(t("Enhet (mest)", "Unit (mostly)"), "text", n["unit"], max_width=40))
    nodes = _Tbl("HandoverNodes", node_cols, caption=t(f"{who}: nätverksmått", f"{who}: network measures"))
    kinds = {"handover": t("vid överlämning", "at a handover"), "within": t("inom samma", "within the same"),
             "unknown": t("okänd enhet", "unknown unit")}
    w = h.waiting
    waiting = _Tbl("HandoverWaiting", [
        cx.col(t("Övergång", "Transition"), "text", [kinds.get(k, k) for k in w["kind"]]),
        cx.col(t("Övergångar", "Transitions"), "count", w["transitions"]),
        cx.col(t("Ärenden", "Cases"), "count", w["cases"]),
        cx.col(t(f"Väntan, median ({work})", f"Wait, median ({work})"), "days", w["median_wait_workdays"]),
        cx.col(t(f"Väntan, p90 ({work})", f"Wait, p90 ({work})"), "days", w["p90_wait_workdays"]),
        cx.col(t(f"Väntan, median ({days})", f"Wait, median ({days})"), "days", w["median_wait_days"]),
    ], caption=t("Väntan vid överlämning och inom samma", "Waiting at a handover and within the same"))
    c = h.counts
    level = t("enheter", "units") if h.level == "unit" else t("handläggare", "case officers")
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, f"Överlämningar av arbete mellan {level}", f"Handovers of work between {level}"),
        _note(t(f"{cx.num(c['handovers'], 0)} överlämningar i {cx.num(c['cases_with_handover'], 0)} av "
                f"{cx.num(c['cases'], 0)} ärenden. En överlämning: två på varandra följande händelser i ett ärende "
                f"av olika {level}. Inget visas om färre än {h.min_group} ärenden (k-anonymitet).",
                f"{cx.num(c['handovers'], 0)} handovers in {cx.num(c['cases_with_handover'], 0)} of "
                f"{cx.num(c['cases'], 0)} cases. A handover: two consecutive events of a case done by different "
                f"{level}. Nothing about fewer than {h.min_group} cases is shown (k-anonymity).")),
        *[_note(cx.msg(note)) for note in h.notes],
        _Tables([edges, waiting, nodes]),
    ]
    return _Sheet("handovers", sections)


def _units_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    t = cx.t
    b = a.bottlenecks
    daily, weekly = b.wip_daily, b.wip_weekly
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, "Enheter: arbete och pågående ärenden per enhet", "Units: work and cases in progress per unit"),
        _note(t("Pågående ärenden: öppna vid dygnets (veckans) slut. Per enhet ligger ett ärende hos den enhet som "
                "agerar härnäst, från föregående händelse till enhetens sista händelse i följd.",
                "Cases in progress: open at the end of the day (week). Per unit, a case is with the unit that acts "
                "next, from the previous event to that unit's last consecutive event.")),
    ]
    tables: list[_Tbl] = []
    if a.units is not None:
        stats = a.units.copy()
        units = [u for u in daily.columns if u != "all"]
        stats = stats.reindex(units)
        stats["wip_end"] = [daily[u].iloc[-1] for u in units]
        stats["wip_peak"] = [daily[u].max() for u in units]
        stats["wip_peak_date"] = [daily[u].idxmax() for u in units]
        stats["wip_mean"] = [daily[u].mean() for u in units]
        columns = [
            cx.col(t("Enhet", "Unit"), "text", units, max_width=40),
            cx.col(t("Händelser", "Events"), "count", stats["events"]),
            cx.col(t("Ärenden", "Cases"), "count", stats["cases"]),
            cx.col(t("Aktiviteter", "Activities"), "count", stats["activities"]),
            cx.col(t("Pågående vid loggens slut", "In progress at the log's end"), "count", stats["wip_end"]),
            cx.col(t("Pågående, högst", "In progress, peak"), "count", stats["wip_peak"]),
            cx.col(t("Datum för högst", "Date of peak"), "date", stats["wip_peak_date"]),
            cx.col(t("Pågående, medel per dag", "In progress, mean per day"), "days", stats["wip_mean"]),
        ]
        h = a.handovers
        if h is not None and h.level == "unit":
            nodes = h.nodes.set_index("node").reindex(units)
            columns += [
                cx.col(t("Mottaget från andra enheter (andel)", "Received from other units (share)"), "pct",
                       nodes["received_share"]),
                cx.col(t("Överlämningar in", "Handovers in"), "count", nodes["handovers_in"]),
                cx.col(t("Överlämningar ut", "Handovers out"), "count", nodes["handovers_out"]),
            ]
        tables.append(_Tbl("Units", columns, caption=t("Per enhet", "Per unit")))
    else:
        sections.append(_Text(t("Loggen har ingen enhetskolumn (org:group): inga siffror per enhet, bara pågående "
                                "ärenden totalt.",
                                "The log has no unit column (org:group): no figures per unit, only cases in progress "
                                "overall.")))
    week_cols = [cx.col(t("Vecka (måndag)", "Week (Monday)"), "date", weekly.index)]
    for name in weekly.columns:
        header = t("Alla ärenden", "All cases") if name == "all" else str(name)
        week_cols.append(cx.col(header, "count", weekly[name], scale="high" if name != "all" else None, max_width=18))
    tables.append(_Tbl("WorkInProgress", week_cols,
                       caption=t("Pågående ärenden vid veckans slut", "Cases in progress at the end of each week")))
    sections.append(_Tables(tables))
    return _Sheet("units", sections)


def _perspective_notes(a: Analysis, cx: _Ctx) -> list[str]:
    """The comparison's notes in the workbook's language (groups left out, cases without a value)."""
    p = a.perspectives
    assert p is not None
    if not cx.sv:
        return list(p.notes)
    known = re.compile(r"\d+ group\(s\) with fewer than \d+ cases left out: |\d+ case\(s\) have no value for ")
    notes = []
    if p.excluded:
        notes.append(f"{cx.num(len(p.excluded), 0)} grupp(er) med färre än {p.min_cases} ärenden utelämnade: "
                     + ", ".join(f"{g} ({cx.num(n, 0)})" for g, n in p.excluded.items()))
    if p.missing_cases:
        notes.append(f"{cx.num(p.missing_cases, 0)} ärende(n) saknar värde för {p.attribute} och ingår inte i "
                     "någon grupp")
    return notes + [n for n in p.notes if not known.match(n)]


def _perspectives_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    t, work, days = cx.t, cx.work, cx.days
    p = a.perspectives
    assert p is not None
    attr = p.attribute
    d, g = p.differences, p.groups
    text = "text_sv" if cx.sv else "text_en"
    differences = _Tbl("PerspectiveDifferences", [
        cx.col(t("Grupp", "Group"), "text", d["group"], max_width=30),
        cx.col(t("Från", "From"), "text", d["source"], max_width=40),
        cx.col(t("Till", "To"), "text", d["target"], max_width=40),
        cx.col(t(f"Gruppens median väntan ({work})", f"Group's median wait ({work})"), "days",
               d["median_wait_workdays"], scale="high"),
        cx.col(t(f"Övrigas median väntan ({work})", f"Others' median wait ({work})"), "days",
               d["others_median_workdays"]),
        cx.col(t("Kvot (gruppen / övriga)", "Ratio (group / others)"), "dec2", d["ratio"], scale="high"),
        cx.col(t(f"Skillnad ({work})", f"Difference ({work})"), "days", d["difference_workdays"], scale="high"),
        cx.col(t("Övergångar (gruppen)", "Transitions (group)"), "count", d["count"]),
        cx.col(t("p-värde (Mann–Whitney, ensidigt)", "p-value (Mann–Whitney, one-sided)"), "sci", d["p_value"]),
        cx.col(t("I ord", "In words"), "wrap", d[text], max_width=90),
    ], caption=t("Där en grupp väntar längre än övriga, störst kvot först",
                 "Where a group waits longer than the others, largest ratio first"),
        empty=t("Ingen grupp väntar påtagligt längre än övriga på någon övergång.",
                "No group waits markedly longer than the others on any edge."))
    groups = _Tbl("PerspectiveGroups", [
        cx.col(t("Grupp", "Group"), "text", g["group"], max_width=30),
        cx.col(t("Ärenden", "Cases"), "count", g["cases"]),
        cx.col(t("Händelser", "Events"), "count", g["events"]),
        cx.col(t("Andel av ärendena", "Share of cases"), "pct", g["share_of_cases"]),
        cx.col(t(f"Genomloppstid, median ({work})", f"Throughput time, median ({work})"), "days",
               g["median_throughput_workdays"], scale="high"),
        cx.col(t(f"Genomloppstid, p90 ({work})", f"Throughput time, p90 ({work})"), "days",
               g["p90_throughput_workdays"], scale="high"),
        cx.col(t(f"Genomloppstid, median ({days})", f"Throughput time, median ({days})"), "days",
               g["median_throughput_days"]),
        cx.col(t(f"Genomloppstid, p90 ({days})", f"Throughput time, p90 ({days})"), "days",
               g["p90_throughput_days"]),
    ], caption=t("Nyckeltal per grupp, flest ärenden först", "Key figures per group, most cases first"))
    excluded = _Tbl("PerspectiveExcluded", [
        cx.col(t("Grupp", "Group"), "text", list(p.excluded), max_width=30),
        cx.col(t("Ärenden", "Cases"), "count", list(p.excluded.values())),
    ], caption=t(f"Utelämnade grupper (färre än {p.min_cases} ärenden)",
                 f"Groups left out (fewer than {p.min_cases} cases)"),
        empty=t("Inga grupper utelämnade.", "No group left out."))
    blocks = {group: block for group, block in p.bottlenecks.groupby("group", sort=False)}
    tops = []
    for i, group in enumerate(g["group"], 1):
        b = blocks.get(group, p.bottlenecks.iloc[:0])
        tops.append(_Tbl(f"PerspectiveBottlenecks{i}", [
            cx.col(t("Rang", "Rank"), "int", b["rank"]),
            cx.col(t("Från", "From"), "text", b["source"], max_width=40),
            cx.col(t("Till", "To"), "text", b["target"], max_width=40),
            cx.col(t("Antal", "Count"), "count", b["count"]),
            cx.col(t("Ärenden", "Cases"), "count", b["cases"]),
            cx.col(t(f"Median väntan ({work})", f"Median wait ({work})"), "days", b["median_wait_workdays"],
                   scale="high"),
            cx.col(t(f"p90 väntan ({work})", f"p90 wait ({work})"), "days", b["p90_wait_workdays"], scale="high"),
            cx.col(t(f"Median väntan ({days})", f"Median wait ({days})"), "days", b["median_wait_days"]),
            cx.col(t(f"Poäng ({work})", f"Score ({work})"), "score", b["score"]),
        ], caption=t(f"Största flaskhalsar: {group}", f"Top bottlenecks: {group}"),
            empty=t("Ingen övergång väntar längre än det typiska.", "No transition waits longer than typical.")))
    level = t("ärendeattribut", "a case attribute") if p.level == "case" else t(
        "händelseattribut: en övergång hör till gruppen på händelsen den leder till",
        "an event attribute: a transition belongs to the group of the event it leads to")
    baseline = cx.num(p.baseline_workdays, 2)
    max_p = f"{p.max_p:g}".replace(".", "," if cx.sv else ".")
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, f"Perspektiv: grupperna av {attr} sida vid sida",
               f"Perspectives: the groups of {attr} side by side"),
        _note(t(f"Jämförelse per {attr} ({level}); {cx.num(len(g), 0)} grupper med minst {p.min_cases} ärenden. "
                f"Kalender: {p.calendar.describe(cx.lang)}.",
                f"Compared by {attr} ({level}); {cx.num(len(g), 0)} groups of at least {p.min_cases} cases. "
                f"Calendar: {p.calendar.describe(cx.lang)}.")),
        _note(t(f"En skillnad listas när gruppens median väntan på övergången är minst {cx.num(p.min_ratio, 1)} gånger "
                f"övrigas och minst {cx.num(p.min_difference, 1)} {work} längre, både gruppen och övriga har minst "
                f"{p.min_cases} övergångar och ett ensidigt Mann–Whitney-test ger p ≤ {max_p}. Övriga: "
                "alla övergångar på samma väg utanför gruppen.",
                f"A difference is listed when the group's median wait on the transition is at least "
                f"{cx.num(p.min_ratio, 1)} times the others' and at least {cx.num(p.min_difference, 1)} {work} "
                f"longer, the group and the others have at least {p.min_cases} transitions each and a one-sided "
                f"Mann–Whitney test gives p ≤ {max_p}. Others: every transition on the same path "
                "outside the group.")),
        *[_note(n) for n in _perspective_notes(a, cx)],
        None,
        _Tables([differences]),
        _Tables([groups]),
        _Tables([excluded]),
        _Text(t("Största flaskhalsar per grupp", "Top bottlenecks per group"), "heading"),
        _note(t(f"Poäng: summan av väntan utöver den typiska väntan ({baseline} {work}, medianen av alla övergångar "
                f"i loggen; samma för alla grupper). De {p.top} största per grupp.",
                f"Score: the waiting beyond the typical wait ({baseline} {work}, the median of all transitions in "
                f"the log; the same for every group), summed. The top {p.top} per group.")),
        *[_Tables([table]) for table in tops],
    ]
    return _Sheet("perspectives", sections, freeze=False)


def _rework_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    t = cx.t
    r = a.bottlenecks.rework
    acts = r.activities
    table = _Tbl("Rework", [
        cx.col(t("Aktivitet", "Activity"), "text", acts["activity"], max_width=50),
        cx.col(t("Händelser", "Events"), "count", acts["events"]),
        cx.col(t("Ärenden", "Cases"), "count", acts["cases"]),
        cx.col(t("Upprepningar", "Repeats"), "count", acts["repeats"], scale="high"),
        cx.col(t("av samma handläggare", "by the same officer"), "count", acts["same_resource"]),
        cx.col(t("av en annan handläggare", "by another officer"), "count", acts["other_resource"]),
        cx.col(t("handläggare okänd", "officer unknown"), "count", acts["unknown_resource"]),
        cx.col(t("Ärenden med upprepning", "Cases with a repeat"), "count", acts["cases_with_repeat"]),
        cx.col(t("Andel av aktivitetens ärenden", "Share of its cases"), "pct", acts["share_of_cases"]),
        cx.col(t("Andel av alla ärenden", "Share of all cases"), "pct", acts["share_of_all_cases"]),
    ], caption=t("Upprepade aktiviteter", "Repeated activities"))
    pp = r.pingpong
    levels = {"unit": t("enhet", "unit"), "activity": t("aktivitet", "activity")}
    pingpong = _Tbl("PingPong", [
        cx.col(t("Nivå", "Level"), "text", [levels.get(v, v) for v in pp["level"]]),
        cx.col(t("Från (X)", "From (X)"), "text", pp["from"], max_width=40),
        cx.col(t("Via (Y)", "Via (Y)"), "text", pp["via"], max_width=40),
        cx.col(t("Förekomster X → Y → X", "Occurrences X → Y → X"), "count", pp["occurrences"], scale="high"),
        cx.col(t("Ärenden", "Cases"), "count", pp["cases"]),
    ], caption=t("Ping-pong (X → Y → X)", "Ping-pong (X → Y → X)"),
        empty=t("Ingen ping-pong.", "No ping-pong."))
    share = r.cases_with_rework / r.total_cases if r.total_cases else 0.0
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, "Omarbete: aktiviteter som görs om", "Rework: activities done again"),
        _note(t(f"{cx.num(r.cases_with_rework, 0)} av {cx.num(r.total_cases, 0)} ärenden ({cx.share(share)}) har minst "
                "en aktivitet som görs igen. Samma/annan handläggare: jämfört med förra gången aktiviteten gjordes i "
                "ärendet.",
                f"{cx.num(r.cases_with_rework, 0)} of {cx.num(r.total_cases, 0)} cases ({cx.share(share)}) have at "
                "least one activity done again. Same/another officer: compared with the previous time the activity "
                "was done in the case.")),
        _Tables([table, pingpong]),
    ]
    return _Sheet("rework", sections)


def _sla_sheet(a: Analysis, s: Mapping[str, Any], cx: _Ctx) -> _Sheet:
    t, work, days = cx.t, cx.work, cx.days
    b = a.bottlenecks
    attribution = s.get("attribution") or {}
    rows: list[tuple[str, Any, str]] = [
        (t(f"Handläggningstid, median ({work})", f"Agency time, median ({work})"),
         attribution["agency_workdays"]["median"], "days"),
        (t(f"Handläggningstid, medel ({work})", f"Agency time, mean ({work})"),
         attribution["agency_workdays"]["mean"], "days"),
        (t(f"Handläggningstid, p90 ({work})", f"Agency time, p90 ({work})"), attribution["agency_workdays"]["p90"],
         "days"),
        (t(f"Handläggningstid, median ({days})", f"Agency time, median ({days})"),
         attribution["agency_days"]["median"], "days"),
        (t(f"Sökandens tid, median ({days})", f"Applicant time, median ({days})"),
         attribution["applicant_days"]["median"], "days"),
        (t("Sökandens andel av genomloppstiden", "Applicant's share of throughput time"),
         attribution.get("applicant_share_of_throughput"), "pct"),
        (t("Ärenden med sökandens tid", "Cases with applicant time"), attribution.get("cases_with_applicant_time"),
         "count"),
        (t("Klockstopp (begäranden)", "Clock stops (requests)"), attribution.get("requests"), "count"),
        (t("Klockstopp utan svar", "Clock stops without an answer"), attribution.get("unanswered"), "count"),
    ]
    sla = s.get("sla")
    notes = [b.attribution.describe(cx.lang)]
    tables: list[_Tbl] = []
    if sla and b.sla is not None:
        unit = work if sla["unit"] == "workdays" else days
        rows += [
            (t("Ärenden med mål", "Cases with a target"), sla["cases_with_target"], "count"),
            (t("Avslutade", "Closed"), sla["closed"], "count"),
            (t("Avslutade över målet", "Closed over the target"), sla["breaching"], "count"),
            (t("Andel över målet", "Share over the target"), sla["breach_share"], "pct"),
            (t(f"Överskridande, median ({unit})", f"Over by, median ({unit})"), sla["median_late_by"], "days"),
            (t("Öppna", "Open"), sla["open"], "count"),
            (t("Öppna redan över målet", "Open and already over the target"), sla["open_overdue"], "count"),
        ]
        notes.append(b.sla.describe(cx.lang))
        notes.append(t(f"Öppna ärenden mäts vid loggens sista tidpunkt ({cx.local(b.sla.as_of):%Y-%m-%d %H:%M}, "
                       "lokal tid).",
                       f"Open cases are measured at the log's last timestamp ({cx.local(b.sla.as_of):%Y-%m-%d %H:%M}, "
                       "local time)."))
        cases = b.cases
        attr = b.sla.targets.attribute
        late = b.sla.breaching
        late_cases = cases.reindex(late.index)
        late_cols = [
            cx.col(t("Ärende", "Case"), "text", late.index, max_width=30),
            cx.col(t("Start (lokal tid)", "Start (local time)"), "datetime", late_cases["start"]),
            cx.col(t("Slut (lokal tid)", "End (local time)"), "datetime", late_cases["end"]),
            cx.col(t(f"Mål ({unit})", f"Target ({unit})"), "days", late["target"]),
            cx.col(t(f"Uppmätt ({unit})", f"Measured ({unit})"), "days", late["measured"]),
            cx.col(t(f"Över målet med ({unit})", f"Over by ({unit})"), "days", late["late_by"], scale="high"),
        ]
        open_ = b.sla.open_cases
        open_cases = cases.reindex(open_.index)
        statuses = {"overdue": t("över målet", "overdue"), "open": t("i tid hittills", "on time so far")}
        open_cols = [
            cx.col(t("Ärende", "Case"), "text", open_.index, max_width=30),
            cx.col(t("Start (lokal tid)", "Start (local time)"), "datetime", open_cases["start"]),
            cx.col(t("Senaste händelse (lokal tid)", "Last event (local time)"), "datetime", open_cases["end"]),
            cx.col(t(f"Mål ({unit})", f"Target ({unit})"), "days", open_["target"]),
            cx.col(t(f"Hittills ({unit})", f"So far ({unit})"), "days", open_["measured"]),
            cx.col(t(f"Tid kvar ({unit})", f"Time left ({unit})"), "days", open_["time_left"], scale="low"),
            cx.col(t("Status", "Status"), "text", [statuses.get(v, v) for v in open_["status"]]),
        ]
        if attr and attr in cases.columns:
            late_cols.insert(1, cx.col(attr, "text", late_cases[attr], max_width=30))
            open_cols.insert(1, cx.col(attr, "text", open_cases[attr], max_width=30))
        tables = [
            _Tbl("SlaLate", late_cols, caption=t("Avslutade ärenden över målet, mest först",
                                                 "Closed cases over the target, worst first"),
                 empty=t("Inga avslutade ärenden över målet.", "No closed case over the target.")),
            _Tbl("SlaOpen", open_cols, caption=t("Öppna ärenden: tid kvar till målet, minst först",
                                                 "Open cases: time left to the target, least first"),
                 empty=t("Inga öppna ärenden.", "No open cases.")),
        ]
    else:
        notes.append(t("Inget mål för handläggningstiden angivet (ange --targets, t.ex. 40 arbetsdagar): inga "
                       "SLA-siffror.",
                       "No handling-time target given (pass --targets, e.g. 40 working days): no SLA figures."))
    key = _Tbl("SlaKeyFigures", cx.pairs((t("Mått", "Measure"), t("Värde", "Value")), rows),
               caption=t("Nyckeltal", "Key figures"))
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, "Handläggningstid och mål", "Handling time and targets (SLA)"),
        *[_note(n) for n in notes],
        _Tables([key, *tables]),
    ]
    return _Sheet("sla", sections)


_STATUS = {
    "ranked": ("rangordnad", "ranked"), "needs_human": ("kräver människa", "needs a human"),
    "already_automated": ("redan automatiserad", "already automated"),
    "external": ("händelse utifrån", "outside event"),
    "too_few_events": ("för få händelser", "too few events"),
}


def _candidates_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    t = cx.t
    title = _title(cx, "Automatiseringskandidater", "Automation candidates")
    c = a.candidates
    if c is None:
        note = a.candidate_note or t("Inga automatiseringskandidater beräknades.", "No automation candidates.")
        return _Sheet("candidates", [title, _Text(note)], freeze=False)
    tab = c.table
    index = _lang_index(cx.lang)
    table = _Tbl("Candidates", [
        cx.col(t("Rang", "Rank"), "int", tab["rank"]),
        cx.col(t("Aktivitet", "Activity"), "text", tab["activity"], max_width=50),
        cx.col(t("Status", "Status"), "text", [_STATUS.get(s, (s, s))[index] for s in tab["status"]]),
        cx.col(t("Poäng (0–1)", "Score (0–1)"), "dec2", tab["score"], scale="high"),
        cx.col(t("Sparade timmar per år", "Hours saved per year"), "hours", tab["hours_saved_per_year"]),
        cx.col(t("Kräver människa", "Needs a human"), "bool", tab["needs_human"]),
        cx.col(t("Varför", "Why"), "text", tab["why_sv" if cx.sv else "why"], max_width=80),
        cx.col(t("Skäl att inte rangordna", "Why not ranked"), "text", tab["reason_sv" if cx.sv else "reason"],
               max_width=50),
        cx.col(t("Händelser per månad", "Events per month"), "dec1", tab["events_per_month"]),
        cx.col(t("Andel av ärendena", "Share of cases"), "pct", tab["case_share"]),
        cx.col(t("Handläggning, median (arbetsminuter)", "Service time, median (working minutes)"), "count",
               tab["service_minutes_median"]),
        cx.col(t("Väntan före, median (arbetsdagar)", "Wait before, median (working days)"), "days",
               tab["wait_before_workdays_median"]),
    ])
    sections: list[_Text | _Tables | _Picture | None] = [
        title,
        _note(t("Poäng: viktat medelvärde av volym, förutsägbarhet (samma steg före och efter), jämn tid, kö före, "
                "lite omarbete och andel gjord av personal (vikterna i candidates.toml). Sparade timmar per år = "
                "händelser per år × andel gjord av personal × minuter per händelse / 60 × automatiserbar andel. Steg "
                "som kräver ett mänskligt beslut rangordnas aldrig.",
                "Score: a weighted mean of volume, predictability (the same step before and after), steady time, "
                "queue before it, little rework and the share done by staff (weights in candidates.toml). Hours "
                "saved per year = events per year × share done by staff × minutes per event / 60 × automatable "
                "share. Steps that need a human decision are never ranked.")),
        *[_note(cx.msg(w)) for w in c.warnings],
        _Tables([table]),
        None,
        *_candidate_classes(c, cx),
    ]
    return _Sheet("candidates", sections)


def _candidate_classes(c: CandidateReport, cx: _Ctx) -> list[_Text | _Tables]:
    """Each activity's class with its evidence, what the toolkit can do and every score term (issue 23)."""
    from ..analyses.candidates import CLASS_LABELS, FEATURES, TERM_LABELS

    t, tab, index = cx.t, c.table, 1 if cx.sv else 0
    points = [", ".join(f"{CLASS_LABELS[k][index]} {v}" for k, v in e["points"].items()) for e in tab["class_evidence"]]
    table = _Tbl("CandidateClasses", [
        cx.col(t("Aktivitet", "Activity"), "text", tab["activity"], max_width=50),
        cx.col(t("Klass", "Class"), "text", [CLASS_LABELS[k][index] for k in tab["activity_class"]]),
        cx.col(t("Avgjord av", "Decided by"), "text",
               [e["decided_by"] if e["decided_by"] != "data" else t("data", "data") for e in tab["class_evidence"]]),
        cx.col(t(f"Signalpoäng ({c.config.classes.points} krävs)", f"Signal points ({c.config.classes.points} needed)"),
               "text", points, max_width=50),
        cx.col(t("Evidens", "Evidence"), "text", tab["class_signals_sv" if cx.sv else "class_signals"], max_width=80),
        cx.col(t("Vad verktyget kan göra", "What the toolkit can do"), "text",
               tab["action_text_sv" if cx.sv else "action_text"], max_width=80),
        *[cx.col(f"{TERM_LABELS[n][index]} (0–1)", "dec2", tab[f"norm_{n}"]) for n in FEATURES],
    ])
    weights = ", ".join(f"{TERM_LABELS[n][index]} {cx.num(w, 2)}" for n, w in c.config.weights.items())
    return [
        _Text(t("Klasser, evidens och poängens termer", "Classes, evidence and score terms"), "heading"),
        _note(t("Varje aktivitet får en klass ur data: händelse utifrån (inleder ärenden, kommer utanför arbetstid, "
                "görs av sökanden eller e-tjänst), redan automatiserad (görs av system), bedömningssteg (långt och "
                "spritt arbete, förgrenade utfall, få utförare, omarbete; namn som beslut, utredning) eller "
                "administrativt steg (rangordnas). Termerna är normaliserade 0–1; bidrag = värde × vikt / summan av "
                f"vikterna ({weights}).",
                "Every activity gets a class from the data: outside event (starts cases, arrives outside working "
                "hours, done by the applicant or an e-service), already automated (done by a system), judgement step "
                "(long and widely spread work, branching outcomes, few performers, rework; names such as decision, "
                "investigation) or administrative step (ranked). The terms are normalised 0–1; contribution = value "
                f"× weight / the sum of the weights ({weights}).")),
        _Tables([table]),
    ]


def _wrapped(rows: Sequence[tuple[str, Any, str]]) -> list[tuple[str, Any, str]]:
    """Label/value rows whose text values wrap (long notes stay readable)."""
    return [(label, value, "wrap" if kind == "text" else kind) for label, value, kind in rows]


def _quality_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    t = cx.t
    log, src = a.log, a.log.source
    rej = log.rejects
    reasons = rej["reason"].map({r: cx.msg(r) for r in rej["reason"].unique()}) if len(rej) else rej["reason"]
    rejects = _Tbl("Rejects", [
        cx.col(t("Rad i filen", "Row in the file"), "int", rej["row"]),
        cx.col(t("Kolumn", "Column"), "text", rej["column"], max_width=30),
        cx.col(t("Värde", "Value"), "text", rej["value"], max_width=50),
        cx.col(t("Skäl", "Reason"), "text", reasons, max_width=50),
    ], caption=t("Avvisade rader", "Rejected rows"), empty=t("Inga avvisade rader.", "No rejected rows."))
    counts = reasons.value_counts().sort_index()
    by_reason = _Tbl("RejectReasons", [
        cx.col(t("Skäl", "Reason"), "text", counts.index, max_width=50),
        cx.col(t("Rader", "Rows"), "count", counts.to_numpy()),
    ], caption=t("Per skäl", "By reason"), empty=t("Inga avvisade rader.", "No rejected rows."))
    loading: list[tuple[str, Any, str]] = [
        (t("Rader lästa", "Rows read"), src.rows_read, "count"),
        (t("Händelser behållna", "Events kept"), log.n_events, "count"),
        (t("Rader avvisade", "Rows rejected"), len(rej), "count"),
        (t("Exakta dubbletter borttagna", "Exact duplicates removed"), src.duplicates_removed, "count"),
    ]
    loading += [(t("Anmärkning", "Note"), cx.msg(note), "text") for note in src.notes]
    loading += [(t("Varning", "Warning"), cx.msg(warning), "text") for warning in src.warnings]
    facts = _Tbl("Loading", cx.pairs((t("Uppgift", "Item"), t("Värde", "Value")), loading),
                 caption=t("Inläsning", "Loading"))
    facts.columns[1].max_width = 90
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, "Datakvalitet: vad som inte kunde användas", "Data quality: what could not be used"),
        _note(t(f"{cx.num(src.rows_read, 0)} rader lästa: {cx.num(log.n_events, 0)} händelser behållna, "
                f"{cx.num(len(rej), 0)} avvisade och {cx.num(src.duplicates_removed, 0)} exakta dubbletter borttagna. "
                "Inget tas bort i tysthet; samma rader finns i rejects.csv.",
                f"{cx.num(src.rows_read, 0)} rows read: {cx.num(log.n_events, 0)} events kept, "
                f"{cx.num(len(rej), 0)} rejected and {cx.num(src.duplicates_removed, 0)} exact duplicates removed. "
                "Nothing is dropped silently; the same rows are in rejects.csv.")),
        _Tables([rejects, by_reason, facts]),
    ]
    return _Sheet("quality", sections)


def _definitions(a: Analysis, cx: _Ctx) -> list[tuple[str, str, str]]:
    t, work = cx.t, cx.work
    b = a.bottlenecks
    baseline = cx.num(b.ranking.baseline_workdays, 2)
    ends = ", ".join(b.end_activities) or t("ingen", "none")
    return [
        (t("Väntetid", "Waiting time"),
         t("Från en aktivitets slut till nästa aktivitets start i samma ärende (nästa aktivitets slut där start "
           "saknas).", "From an activity's completion to the next activity's start in the same case (its completion "
           "where there is no start)."), "wrap"),
        (t("Handläggningstid för en aktivitet", "Service time of an activity"),
         t("Från aktivitetens start till dess slut; bara där loggen har starttider.",
           "From the activity's start to its completion; only where the log has start times."), "wrap"),
        (t("Genomloppstid", "Throughput time"),
         t("Från ärendets första till dess sista händelse.", "From a case's first to its last event."), "wrap"),
        (t("Arbetsdagar", "Working days"), cx.calendar.describe(cx.lang), "wrap"),
        (t("Kalenderdagar", "Calendar days"),
         t("Förfluten tid i dygn om 24 timmar.", "Elapsed time in days of 24 hours."), "wrap"),
        (t("Poäng (flaskhals)", "Score (bottleneck)"),
         t(f"Summan över övergångens förekomster av max(0, väntan − typisk väntan) i {work}; typisk väntan = medianen "
           f"av alla övergångars väntan ({baseline} {work}).",
           f"The sum over the transition's occurrences of max(0, wait − typical wait) in {work}; typical wait = the "
           f"median wait of all transitions ({baseline} {work})."), "wrap"),
        (t("Andel av väntan", "Share of waiting"),
         t("Övergångens totala väntan delad med all väntan i loggen (arbetsdagar).",
           "The transition's total wait over all waiting in the log (working days)."), "wrap"),
        (t("Sökandens andel / klockstopp", "Applicant share / clock stop"), b.attribution.describe(cx.lang), "wrap"),
        (t("Variant", "Variant"), t("Aktiviteternas ordningsföljd i ett ärende.", "The sequence of activities of a "
                                   "case."), "wrap"),
        (t("Avslutat ärende", "Closed case"),
         t(f"Ärendets sista händelse är en slutaktivitet ({ends}); utan slutaktivitet räknas alla ärenden som "
           "avslutade.", f"The case's last event is an end activity ({ends}); without one every case counts as "
           "closed."), "wrap"),
        (t("Pågående ärenden", "Cases in progress"),
         t("Ärenden öppna vid dygnets eller veckans slut, från första till sista händelsen (ej avslutade: till "
           "loggens slut).", "Cases open at the end of a day or week, from the first to the last event (not closed: "
           "to the log's end)."), "wrap"),
        (t("Överlämning", "Handover"),
         t("Två på varandra följande händelser i ett ärende utförda av olika enheter (handläggare).",
           "Two consecutive events of a case done by different units (case officers)."), "wrap"),
        (t("Automatiseringspoäng", "Automation score"),
         t("Viktat medelvärde (0–1) av normaliserade egenskaper; vikter och antaganden i candidates.toml.",
           "A weighted mean (0–1) of normalised features; weights and assumptions in candidates.toml."), "wrap"),
        (t("Klockslag", "Times"), _local_time_note(cx), "wrap"),
    ]


def _parameter_text(value: Any, cx: _Ctx) -> str:
    if value is None or value == []:
        return cx.t("(ingen)", "(none)")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return cx.t("Ja", "Yes") if value else cx.t("Nej", "No")
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _simplification_text(a: Analysis, cx: _Ctx) -> str:
    simp = a.process_map.simplification
    if simp is None:
        return cx.t("ingen: kartan visar alla aktiviteter och vägar", "none: the map shows every activity and path")
    shown = cx.t(
        f"{simp.activities_shown} av {simp.activities_total} aktiviteter ({cx.share(simp.event_share)} av "
        f"händelserna), {simp.edges_shown} av {simp.edges_total} vägar ({cx.share(simp.transition_share)} av "
        "övergångarna)",
        f"{simp.activities_shown} of {simp.activities_total} activities ({cx.share(simp.event_share)} of events), "
        f"{simp.edges_shown} of {simp.edges_total} paths ({cx.share(simp.transition_share)} of transitions)")
    return f"{shown}; {cx.msg(simp.rule)}" if simp.rule else shown


def _method_sheet(a: Analysis, cx: _Ctx) -> _Sheet:
    t = cx.t
    p = a.provenance()
    mapping = p["column_mapping"]
    roles = {"case": t("ärende", "case"), "activity": t("aktivitet", "activity"),
             "timestamp": t("tidpunkt", "timestamp"), "start": t("starttid", "start time"),
             "resource": t("handläggare", "resource"), "unit": t("enhet", "unit"),
             "lifecycle": t("livscykel", "lifecycle")}
    rows: list[tuple[str, Any, str]] = [
        (t("Indatafil", "Input file"), p["input"], "text"),
        ("SHA-256", p["sha256"], "text"),
        (t("Format", "Format"), p["format"], "text"),
        (t("Rader lästa", "Rows read"), p["rows_read"], "count"),
        (t("Händelser behållna", "Events kept"), p["events_kept"], "count"),
        (t("Rader avvisade", "Rows rejected"), p["rows_rejected"], "count"),
        (t("Exakta dubbletter borttagna", "Exact duplicates removed"), p["duplicates_removed"], "count"),
        (t("Tidszon för tider utan tidszon i indata", "Time zone of input times without one"), p["timezone"], "text"),
        (t("Klockslag i arbetsboken", "Times in this workbook"), _local_time_note(cx), "text"),
        (t("Handläggare pseudonymiserade", "Case officers pseudonymised"),
         t("Ja", "Yes") if p["pseudonymised"] else t("Nej", "No"), "text"),
    ]
    for role, column in mapping.items():
        if role == "attributes":
            for source, target in (column or {}).items():
                rows.append((t(f"Kolumn: {target}", f"Column: {target}"), source, "text"))
        elif column is not None:
            rows.append((t(f"Kolumn: {roles.get(role, role)}", f"Column: {roles.get(role, role)}"), column, "text"))
    rows += [
        (t("Kalender", "Calendar"), p["calendar_sv"] if cx.sv else p["calendar"], "text"),
        (t("Processkartans förenkling", "Process map simplification"), _simplification_text(a, cx), "text"),
    ]
    for name, value in p["parameters"].items():
        rows.append((t(f"Parameter: {name}", f"Parameter: {name}"), _parameter_text(value, cx), "text"))
    rows += [
        (t("Verktyg", "Tool"), p["tool"], "text"),
        ("Python", p["python"], "text"),
        (t("Körning startad", "Run started"), p["run_started"], "text"),
        (t("Körning klar", "Run finished"), p["run_finished"], "text"),
        (t("Arbetsboken skriven", "Workbook written"),
         dt.datetime.now().astimezone().isoformat(timespec="seconds"), "text"),
    ]
    rows += [(t("Anmärkning vid inläsning", "Note from loading"), cx.msg(n), "text") for n in p["notes"]]
    rows += [(t("Varning vid inläsning", "Warning from loading"), cx.msg(w), "text") for w in p["warnings"]]
    rows += [(t("Anmärkning (flaskhalsar)", "Note (bottlenecks)"), cx.msg(n), "text") for n in a.bottlenecks.notes]
    if a.handovers is not None:
        rows += [(t("Anmärkning (överlämningar)", "Note (handovers)"), cx.msg(n), "text") for n in a.handovers.notes]
    elif a.handover_note:
        rows.append((t("Anmärkning (överlämningar)", "Note (handovers)"), _handover_note(a, cx), "text"))
    provenance = _Tbl("Provenance", cx.pairs((t("Uppgift", "Item"), t("Värde", "Value")), _wrapped(rows)),
                      caption=t("Ursprung: varifrån siffrorna kommer", "Provenance: where the figures come from"))
    provenance.columns[1].max_width = 100
    definitions = _Tbl("Definitions", cx.pairs((t("Begrepp", "Term"), t("Definition", "Definition")),
                                               _definitions(a, cx)),
                       caption=t("Definitioner", "Definitions"))
    definitions.columns[1].max_width = 100
    sections: list[_Text | _Tables | _Picture | None] = [
        _title(cx, "Metod: källa, parametrar och definitioner", "Method: source, parameters and definitions"),
        _note(t("Kontrollera indatafilen: dess SHA-256 ska vara samma som nedan (t.ex. sha256sum eller "
                "Get-FileHash).", "Check the input file: its SHA-256 must equal the one below (e.g. sha256sum or "
                "Get-FileHash).")),
        None,
        _Tables([provenance]),
        _Tables([definitions]),
    ]
    return _Sheet("method", sections, freeze=False)
