"""The sheet layout engine of ``bottlenecks.xlsx``: a sheet is described as sections (texts, tables side by
side, pictures, charts), laid out (rows, columns, widths, heights) and streamed in openpyxl's write-only mode.

What every cell gets here, whatever sheet it is on: text stored as text (never a formula: the value is
assigned, then ``data_type = "s"``), characters XML cannot hold shown visibly, strings longer than Excel's
32,767 characters cut and saying so, tables longer than Excel's rows cut and saying so, Excel tables with
autofilter and frozen headers, number formats and colour scales. The sheets themselves (what each holds) are
in :mod:`processmining.render.excel`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import re
import textwrap
import warnings
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.chart._chart import ChartBase
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from ..errors import ConfigError
from ..textsafe import xml_text
from .swedish import in_language

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from ..analysis import Analysis


#: Sheet keys and their (Swedish, English) names, in workbook order.
SHEETS: dict[str, tuple[str, str]] = {
    "summary": ("Sammanfattning", "Summary"),
    "map": ("Processkarta", "Process map"),
    "charts": ("Diagram", "Charts"),
    "bottlenecks": ("Flaskhalsar", "Bottlenecks"),
    "activities": ("Aktiviteter", "Activities"),
    "variants": ("Varianter", "Variants"),
    "handovers": ("Överlämningar", "Handovers"),
    "units": ("Enheter", "Units"),
    "perspectives": ("Perspektiv", "Perspectives"),
    "rework": ("Omarbete", "Rework"),
    "sla": ("Handläggningstid", "SLA"),
    "candidates": ("Automatiseringskandidater", "Automation candidates"),
    "quality": ("Datakvalitet", "Data quality"),
    "method": ("Metod", "Method"),
}
#: Rows of one worksheet in Excel.
EXCEL_MAX_ROWS = 1_048_576
#: Characters of one cell in Excel.
MAX_CELL_CHARS = 32_767
#: Data rows a table shows at most (the first, in its order). Beyond, the caption says so and the whole table is
#: written beside the workbook as CSV (:func:`full_tables`): an export of 20,000 distinct activities made tables of
#: 50,000 rows (1.7M cells, 20 s in openpyxl, nothing a reader scrolls through). Real logs stay far below (BPIC15_1:
#: 4,699 rows at most). Excel itself holds 1,048,576 rows.
MAX_TABLE_ROWS = 10_000

_ILLEGAL = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
_ROW_POINTS = 15.0  # height of one line of Calibri 11
_CHART_ROWS = 21  # rows a chart of _CHART_CM high covers
_CHART_CM = (22.0, 10.0)
_MAP_MAX_PX = (1400, 1800)
_TABLE_STYLE = "TableStyleMedium2"
_FORMATS = {
    "int": "0", "count": "#,##0", "hours": "#,##0", "days": "0.0", "score": "#,##0.0", "pct": "0.0%",
    "dec1": "0.0", "dec2": "0.00", "dec3": "0.000", "sci": "0.0E+00", "datetime": "yyyy-mm-dd hh:mm:ss",
    "date": "yyyy-mm-dd",
}
_TEXT_KINDS = ("text", "wrap", "bool", "label")
_FONT = "Calibri"
_HEADER_FILL = "4472C4"  # the header colour of _TABLE_STYLE, also for programs that ignore table styles
_FONTS = {
    "title": Font(name=_FONT, bold=True, size=14), "heading": Font(name=_FONT, bold=True, size=12),
    "caption": Font(name=_FONT, bold=True, size=11), "note": Font(name=_FONT, size=11, color="404040"),
    "header": Font(name=_FONT, bold=True, size=11, color="FFFFFF"),
}
_INT_KINDS = ("int", "count")


def sheet_names(*, lang: str = "sv", with_map: bool = False, with_perspectives: bool = False) -> list[str]:
    """The sheet names of the workbook in order.

    Args:
        lang: ``"sv"`` or ``"en"``.
        with_map: with the process-map sheet (``write_workbook(..., map_png=...)``).
        with_perspectives: with the Perspektiv/Perspectives sheet (``analysis.perspectives`` is not ``None``).
    """
    index = _lang_index(lang)
    left_out = {"map"} if not with_map else set()
    if not with_perspectives:
        left_out.add("perspectives")
    return [names[index] for key, names in SHEETS.items() if key not in left_out]


def _lang_index(lang: str) -> int:
    if lang not in ("sv", "en"):
        raise ConfigError(f"unknown language {lang!r}; choose sv or en")
    return 0 if lang == "sv" else 1


# ---- the layout model ------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Col:
    """One table column: header, kind (number format and conversion) and the converted values."""

    header: str
    kind: str
    values: list[Any]
    kinds: list[str] | None = None  # per-cell kinds, for label/value tables
    scale: str | None = None  # colour scale: "high" (high values red) or "low" (low values red)
    max_width: float = 60.0


@dataclass(slots=True)
class _Tbl:
    """One Excel table (header row + data rows); ``chart`` draws from it, below it (``chart_beside``: to its
    right, for long tables)."""

    name: str
    columns: list[_Col]
    caption: str | None = None
    empty: str = ""
    total_rows: int = 0
    chart: Callable[[WriteOnlyWorksheet, int, int, int], ChartBase] | None = None
    chart_beside: bool = False
    full: list[tuple[str, list[Any]]] | None = None  # every row, where the table is cut (header, values)

    def __post_init__(self) -> None:
        self.total_rows = self.n_rows
        if self.n_rows > MAX_TABLE_ROWS:
            self.full = [(col.header, list(col.values)) for col in self.columns]
            for col in self.columns:
                del col.values[MAX_TABLE_ROWS:]
                if col.kinds is not None:
                    del col.kinds[MAX_TABLE_ROWS:]

    @property
    def n_rows(self) -> int:
        return len(self.columns[0].values) if self.columns else 0

    @property
    def chart_rows(self) -> int:
        return _CHART_ROWS + 1 if self.chart is not None and self.n_rows and not self.chart_beside else 0

    @property
    def body_rows(self) -> int:
        """Rows below the header the table and its chart take."""
        if self.chart is not None and self.chart_beside and self.n_rows:
            return max(self.n_rows, _CHART_ROWS + 1)
        return max(self.n_rows, 1) + self.chart_rows


@dataclass(slots=True)
class _Text:
    text: str
    style: str = "plain"  # title, heading, note, plain


@dataclass(slots=True)
class _Tables:
    """Tables side by side, their header rows on one row, one empty column between them."""

    tables: list[_Tbl]


@dataclass(slots=True)
class _Picture:
    """A picture read when the workbook is saved: the map's PNG is still being rendered (``dot`` on the
    other core) while the sheets are streamed. Write-only sheets write their drawings at the save, so
    the picture still lands on its own sheet; it is the sheet's last section, so no row moves."""

    png: Callable[[], Path]


@dataclass(slots=True)
class _Sheet:
    key: str
    sections: list[_Text | _Tables | _Picture | None]  # None: an empty row
    freeze: bool = True


# ---- values ----------------------------------------------------------------------------------------------
def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return isinstance(value, np.datetime64) and np.isnat(value)


class _Ctx:
    """Language, time zone and units of one workbook, and the value conversions that depend on them."""

    def __init__(self, analysis: Analysis, lang: str, stem: str = "bottlenecks") -> None:
        self.stem = stem  # the workbook's file name without suffix: the cut tables' CSV files are named after it
        self.lang = lang
        self.sv = lang == "sv"
        self.tz = analysis.calendar.timezone
        self.calendar = analysis.calendar
        if analysis.calendar.kind == "none":
            self.work = self.t("dygn", "24-hour days")
        else:
            self.work = self.t("arbetsdagar", "working days")
        self.days = self.t("kalenderdagar", "calendar days")

    def t(self, sv: str, en: str) -> str:
        return sv if self.sv else en

    def msg(self, text: Any) -> str:
        """A note, warning or reject reason of the run in the workbook's language (:mod:`.swedish`)."""
        return in_language(text, self.lang)

    def num(self, value: float, decimals: int = 1) -> str:
        from ..formatting import fmt_number

        return fmt_number(value, self.lang, decimals)

    def share(self, value: float) -> str:
        from ..formatting import fmt_share

        return fmt_share(value, self.lang)

    def text(self, value: Any) -> str | None:
        """Text Excel can store: control characters shown as escapes (``\\x07``), cut to 32,767 characters
        (saying so)."""
        if _missing(value):
            return None
        text = value if isinstance(value, str) else str(value)
        if _ILLEGAL.search(text):
            text = xml_text(text)  # the one rule for XML (textsafe): visible, so two names stay two
        if len(text) > MAX_CELL_CHARS:
            note = self.t(f" … [avkortad: {len(text):,} tecken]", f" … [cut: {len(text):,} characters]")
            text = text[: MAX_CELL_CHARS - len(note)] + note.replace(",", " " if self.sv else ",")
        return text

    def local(self, value: Any) -> dt.datetime | None:
        """A timestamp as naive local wall-clock time in the calendar's zone (Excel has no time zones)."""
        if _missing(value):
            return None
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert(self.tz).tz_localize(None)
        return stamp.to_pydatetime()

    def convert(self, values: Iterable[Any], kind: str) -> list[Any]:
        """Python values for cells of ``kind``; missing and non-finite values become empty cells."""
        if kind in ("text", "wrap"):
            return [self.text(v) for v in values]
        if kind == "bool":
            yes, no = self.t("Ja", "Yes"), self.t("Nej", "No")
            return [None if _missing(v) else (yes if bool(v) else no) for v in values]
        if kind in ("datetime", "date"):
            series = pd.Series(list(values) if not isinstance(values, pd.Series) else values)
            if isinstance(series.dtype, pd.DatetimeTZDtype):
                series = series.dt.tz_convert(self.tz).dt.tz_localize(None)
                out = [None if _missing(v) else v.to_pydatetime() for v in series]
            else:
                out = [self.local(v) for v in series]
            return [v.date() if kind == "date" and v is not None else v for v in out]
        series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
        numbers = pd.to_numeric(series, errors="coerce")
        array = numbers.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(array)
        if kind in _INT_KINDS:
            return [int(round(x)) if ok else None for x, ok in zip(array.tolist(), finite.tolist(), strict=True)]
        return [x if ok else None for x, ok in zip(array.tolist(), finite.tolist(), strict=True)]

    def col(self, header: str, kind: str, values: Iterable[Any], **options: Any) -> _Col:
        return _Col(header, kind, self.convert(values, kind), **options)

    def pairs(self, header: tuple[str, str], rows: Sequence[tuple[str, Any, str]]) -> list[_Col]:
        """Two columns (label, value) where each value has its own kind (its number format)."""
        labels = [self.text(label) for label, _, _ in rows]
        values = [self.convert([value], kind)[0] for _, value, kind in rows]
        kinds = [kind if kind == "wrap" else f"{kind}:pair" for _, _, kind in rows]
        return [_Col(header[0], "mixed", labels, kinds=["label:pair"] * len(rows)),
                _Col(header[1], "mixed", values, kinds=kinds)]


# ---- writing ---------------------------------------------------------------------------------------------
class _Styles:
    """Cell styles made once per workbook and copied onto each cell (much faster than styling each cell)."""

    def __init__(self) -> None:
        self._arrays: dict[str, Any] = {}

    def cell(self, ws: WriteOnlyWorksheet, value: Any, kind: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # after the value: text stays text, never a formula
        style = self._array(ws, kind)
        if style is not None:
            cell._style = copy(style)
        return cell

    def _array(self, ws: WriteOnlyWorksheet, kind: str) -> Any:
        if kind not in self._arrays:
            template = WriteOnlyCell(ws)
            base, _, where = kind.partition(":")
            if base in _FORMATS:
                template.number_format = _FORMATS[base]
            if base == "wrap":
                template.alignment = Alignment(wrap_text=True, vertical="top")
            elif where == "pair":  # label/value tables: everything left and top aligned
                template.alignment = Alignment(horizontal="left", vertical="top")
            elif base in _FORMATS or base in _TEXT_KINDS:  # table cells: top, beside wrapped neighbours
                template.alignment = Alignment(vertical="top")
            font = _FONTS.get(base)
            if font is not None:
                template.font = font
            if base == "header":
                template.fill = PatternFill("solid", start_color=_HEADER_FILL)
                template.alignment = Alignment(wrap_text=True, vertical="top")
            self._arrays[kind] = template._style if template.has_style else None
        return self._arrays[kind]


def _display_width(values: Sequence[Any], kind: str) -> float:
    """Characters the widest value needs in its number format."""
    kind = kind.partition(":")[0]
    if not values:
        return 0.0
    if kind in _TEXT_KINDS:
        return float(max((max(len(line) for line in v.split("\n")) for v in values if isinstance(v, str)),
                         default=0))
    if kind == "datetime":
        return 19.0
    if kind == "date":
        return 10.0
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numbers:
        return 0.0
    spec = {"days": ",.1f", "score": ",.1f", "dec1": ",.1f", "dec2": ",.2f", "dec3": ",.3f", "sci": ".1E"}.get(
        kind, ",.0f")
    widest = 0
    for value in (max(numbers), min(numbers)):
        text = f"{value * 100:,.1f}%" if kind == "pct" else format(value, spec)
        widest = max(widest, len(text))
    return float(widest)


def _col_width(col: _Col) -> float:
    if col.kinds is not None:
        data = max((_display_width([v], k) for v, k in zip(col.values, col.kinds, strict=True)), default=0.0)
    else:
        data = _display_width(col.values, col.kind)
    words = col.header.split() or [""]
    header = max(max(len(w) for w in words), min(len(col.header), 16))
    return float(min(max(header, data) + 2, col.max_width))


def _lines(text: str, width: float, *, exact: bool = True) -> int:
    """Lines ``text`` takes in a column ``width`` wide (``exact=False``: a quick estimate for long columns)."""
    chars = max(int(width * 1.15) - 1, 1)  # Calibri text is narrower than the "0" a column width counts
    if not exact:
        return sum(max(math.ceil(len(part) / (chars * 0.9)), 1) for part in text.split("\n"))
    return sum(max(len(textwrap.wrap(part, chars)), 1) for part in text.split("\n"))


def _table_name(base: str, used: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", base)
    name = "tbl" + name[:1].upper() + name[1:]
    candidate, n = name, 2
    while candidate.casefold() in used:
        candidate, n = f"{name}{n}", n + 1
    used.add(candidate.casefold())
    return candidate


def _unique_headers(headers: Sequence[str]) -> list[str]:
    """Table headers must be unique (case-insensitively) and not empty."""
    out: list[str] = []
    seen: set[str] = set()
    for header in headers:
        base = (header or "-")[:255]
        candidate, n = base, 2
        while candidate.casefold() in seen:
            candidate, n = f"{base[:250]} ({n})", n + 1
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def _sheet_title(name: str) -> str:
    return _SHEET_TITLE_BAD.sub(" ", name)[:31]


@dataclass(slots=True)
class _Placed:
    section: _Text | _Tables | _Picture | None
    row: int
    header_row: int = 0
    offsets: list[int] = field(default_factory=list)
    body: int = 0


def _layout(sheet: _Sheet) -> tuple[list[_Placed], dict[int, float], dict[int, float], int | None]:
    """Rows of each section, column widths, row heights and the first row below the frozen header."""
    placed: list[_Placed] = []
    widths: dict[int, float] = {}
    heights: dict[int, float] = {}
    freeze: int | None = None
    row = 1
    for section in sheet.sections:
        if isinstance(section, _Tables):
            captioned = any(t.caption or t.total_rows > t.n_rows for t in section.tables)
            header_row = row + (1 if captioned else 0)
            offsets, col = [], 1
            header_lines = 1
            for table in section.tables:
                offsets.append(col)
                for j, column in enumerate(table.columns):
                    width = max(widths.get(col + j, 0.0), _col_width(column))
                    widths[col + j] = width
                for j, column in enumerate(table.columns):
                    header_lines = max(header_lines, _lines(column.header, widths[col + j]))
                    if column.kinds is not None:
                        kinds = column.kinds
                    else:
                        kinds = [column.kind] * (len(column.values) if column.kind == "wrap" else 0)
                    exact = len(kinds) <= 2_000
                    for i, (value, kind) in enumerate(zip(column.values[: len(kinds)], kinds, strict=True)):
                        if kind == "wrap" and isinstance(value, str) and len(value) > widths[col + j]:
                            r = header_row + 1 + i
                            lines = _lines(value, widths[col + j], exact=exact)
                            heights[r] = max(heights.get(r, _ROW_POINTS), _ROW_POINTS * lines)
                col += len(table.columns) + 1
                widths.setdefault(col - 1, 3.0)
            heights[header_row] = _ROW_POINTS * header_lines
            body = max(t.body_rows for t in section.tables)
            if freeze is None and sheet.freeze:
                freeze = header_row + 1
            placed.append(_Placed(section, row, header_row, offsets, body))
            row = header_row + 1 + body + 1
        elif isinstance(section, _Picture):
            placed.append(_Placed(section, row))
        else:
            placed.append(_Placed(section, row))
            row += 1
    return placed, widths, heights, freeze


def _write_sheet(wb: Workbook, sheet: _Sheet, cx: _Ctx, styles: _Styles, used: set[str],
                 late: list[Callable[[], None]]) -> None:
    """Stream ``sheet`` into ``wb``; a :class:`_Picture` adds a job to ``late`` (run before the save)."""
    ws = wb.create_sheet(_sheet_title(SHEETS[sheet.key][_lang_index(cx.lang)]))
    placed, widths, heights, freeze = _layout(sheet)
    for col, width in widths.items():  # before the first row: write-only sheets write these first
        ws.column_dimensions[get_column_letter(col)].width = width
    for row, height in heights.items():
        if height > _ROW_POINTS:
            ws.row_dimensions[row].height = height
    if freeze is not None:
        ws.freeze_panes = f"A{freeze}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if sheet.key == "map" else 0  # the map on one page, tables as long as they are
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    current = 1
    for item in placed:
        while current < item.row:
            ws.append([])
            current += 1
        section = item.section
        if section is None:
            ws.append([])
            current += 1
        elif isinstance(section, _Text):
            ws.append([styles.cell(ws, cx.text(section.text), section.style)])
            current += 1
        elif isinstance(section, _Picture):
            late.append(functools.partial(_place_map, ws, item.row, section.png, cx, styles))
        else:
            current = _write_tables(ws, section, item, cx, styles, used)


def _write_tables(ws: WriteOnlyWorksheet, section: _Tables, item: _Placed, cx: _Ctx, styles: _Styles,
                  used: set[str]) -> int:
    """Stream the caption, header and data rows of tables side by side; returns the next row number."""
    tables = section.tables
    width = item.offsets[-1] + len(tables[-1].columns) - 1
    if item.header_row > item.row:
        cells: list[Any] = [None] * width
        for table, offset in zip(tables, item.offsets, strict=True):
            caption = table.caption or ""
            if table.total_rows > table.n_rows:
                csv = full_table_name(cx.stem, table.name)
                caption += cx.t(f" (de första {cx.num(table.n_rows, 0)} av {cx.num(table.total_rows, 0)} raderna; "
                                f"alla finns i {csv})",
                                f" (the first {cx.num(table.n_rows, 0)} of {cx.num(table.total_rows, 0)} rows; "
                                f"every row is in {csv})")
            if caption:
                cells[offset - 1] = styles.cell(ws, cx.text(caption.strip()), "caption")
        ws.append(cells)
    headers = {id(t): _unique_headers([cx.text(c.header) or "" for c in t.columns]) for t in tables}
    cells = [None] * width
    for table, offset in zip(tables, item.offsets, strict=True):
        for j, header in enumerate(headers[id(table)]):
            cells[offset - 1 + j] = styles.cell(ws, header, "header")
    ws.append(cells)
    for i in range(item.body):
        cells = [None] * width
        for table, offset in zip(tables, item.offsets, strict=True):
            if i < table.n_rows:
                for j, column in enumerate(table.columns):
                    value = column.values[i]
                    if value is not None:
                        kind = column.kinds[i] if column.kinds is not None else column.kind
                        cells[offset - 1 + j] = styles.cell(ws, value, kind)
            elif i == 0:
                cells[offset - 1] = styles.cell(ws, cx.text(table.empty or cx.t("(inga rader)", "(no rows)")),
                                                "text")
        ws.append(cells)
    for table, offset in zip(tables, item.offsets, strict=True):
        _add_table(ws, table, headers[id(table)], item.header_row, offset, used)
    return item.header_row + 1 + item.body


def _add_table(ws: WriteOnlyWorksheet, table: _Tbl, headers: list[str], header_row: int, offset: int,
               used: set[str]) -> None:
    last_col = get_column_letter(offset + len(table.columns) - 1)
    first_col = get_column_letter(offset)
    n = table.n_rows
    ref = f"{first_col}{header_row}:{last_col}{header_row + max(n, 1)}"
    excel_table = Table(displayName=_table_name(table.name, used), ref=ref,
                        tableStyleInfo=TableStyleInfo(name=_TABLE_STYLE, showRowStripes=True))
    # Write-only sheets cannot be read back, so the columns and the autofilter are given here.
    excel_table.tableColumns = [TableColumn(id=j + 1, name=h) for j, h in enumerate(headers)]
    excel_table.autoFilter = AutoFilter(ref=ref)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="In write-only mode you must add table columns manually")
        ws.add_table(excel_table)
    if n:
        for j, column in enumerate(table.columns):
            if column.scale is None:
                continue
            letter = get_column_letter(offset + j)
            low, mid, high = ("FFFFFF", "FFE699", "F8696B") if column.scale == "high" else ("F8696B", "FFE699",
                                                                                               "FFFFFF")
            ws.conditional_formatting.add(
                f"{letter}{header_row + 1}:{letter}{header_row + n}",
                ColorScaleRule(start_type="min", start_color=low, mid_type="percentile", mid_value=50,
                               mid_color=mid, end_type="max", end_color=high),
            )
        if table.chart is not None:
            chart = table.chart(ws, header_row, offset, n)
            if table.chart_beside:
                ws.add_chart(chart, f"{get_column_letter(offset + len(table.columns) + 1)}{header_row}")
            else:
                ws.add_chart(chart, f"{first_col}{header_row + n + 2}")


def _bar_chart(title: str, axis_title: str, *, category: int, value: int,
               category_title: str | None = None) -> Callable[..., BarChart]:
    """A horizontal bar chart of column ``value`` labelled by column ``category`` (0-based, in the table)."""

    def build(ws: WriteOnlyWorksheet, header_row: int, offset: int, n: int) -> BarChart:
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = title
        chart.legend = None
        chart.gapWidth = 40
        chart.add_data(Reference(ws, min_col=offset + value, min_row=header_row, max_row=header_row + n),
                       titles_from_data=True)
        _text_categories(chart, Reference(ws, min_col=offset + category, min_row=header_row + 1,
                                          max_row=header_row + n))
        chart.x_axis.scaling.orientation = "maxMin"  # rank 1 on top
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.y_axis.title = axis_title
        if category_title:
            chart.x_axis.title = category_title
        chart.y_axis.number_format = "#,##0"
        chart.width, chart.height = _CHART_CM
        return chart

    return build


def _discard_temp_files(wb: Workbook) -> None:
    """After a failure, remove the temporary files openpyxl streams the sheets into (best effort)."""
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        rows = getattr(ws, "_rows", None)
        if rows is not None:  # first the rows (they close the sheetData element), then the file
            with contextlib.suppress(Exception):
                rows.close()
        with contextlib.suppress(Exception):
            writer.xf.close()
        with contextlib.suppress(Exception):
            writer.cleanup()


def _place_map(ws: WriteOnlyWorksheet, row: int, png: Callable[[], Path], cx: _Ctx, styles: _Styles) -> None:
    """The map's picture at ``row``, scaled to fit a page; or one line that says why it could not be read."""
    path = png()
    try:
        image = Image(str(path))
    except (OSError, ValueError) as exc:
        ws.append([styles.cell(ws, cx.text(cx.t(f"Processkartan kunde inte läsas ({path.name}: {exc}).",
                                                f"The process map could not be read ({path.name}: {exc}).")),
                               "plain")])
        return
    scale = min(1.0, _MAP_MAX_PX[0] / max(image.width, 1), _MAP_MAX_PX[1] / max(image.height, 1))
    image.width, image.height = int(image.width * scale), int(image.height * scale)
    ws.add_image(image, f"A{row}")


def _text_categories(chart: ChartBase, ref: Reference) -> None:
    """Label ``chart``'s series with the text cells ``ref`` (openpyxl's ``set_categories`` writes a number
    reference, which a spreadsheet may read as numbers)."""
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(ref)))


def full_table_name(stem: str, table: str) -> str:
    """The CSV file beside the workbook that holds every row of a table the workbook cuts."""
    return f"{stem}_{table}.csv"


def full_tables(sheets: Iterable[_Sheet]) -> list[tuple[str, pd.DataFrame]]:
    """(table name, every row) of each table the workbook shows cut (:data:`MAX_TABLE_ROWS`)."""
    found = []
    for sheet in sheets:
        for section in sheet.sections:
            if isinstance(section, _Tables):
                for table in section.tables:
                    if table.full is not None:
                        headers = _unique_headers([header for header, _ in table.full])
                        found.append((table.name, pd.DataFrame(dict(zip(headers, (v for _, v in table.full),
                                                                        strict=True)))))
    return found
