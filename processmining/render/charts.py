"""Charts of an :class:`~processmining.analysis.Analysis` for the HTML page (SVG) and the workbook (PNG).

Four charts, each with a title, axis labels naming the unit, and an alt text that says in one or two
sentences what the chart shows (the figures a reader would take from it):

- ``throughput``: how long cases take: a histogram of throughput time in working days (the analysis's
  own bins, :attr:`~processmining.analyses.bottlenecks.BottleneckReport.histogram`), median and p90 marked;
- ``monthly``: median throughput time of the cases completed in each month (and the agency's handling
  time where clock stops are given) above the cases started and completed per month (the trends);
- ``wip``: work in progress: open cases at the end of each day, overall and for the busiest units;
- ``bottlenecks``: the top bottlenecks as horizontal bars of their score (the waiting they add beyond a
  typical wait, summed over their occurrences, in working days: the ranking's own measure, so the bars
  shrink from the top), each labelled with its median wait and its share of all waiting.

Rendering uses matplotlib's object API (:class:`matplotlib.figure.Figure` with an explicit Agg canvas,
never pyplot and never ``matplotlib.use``), so nothing is left in global state. Settings that
matplotlib only reads from ``rcParams`` are applied inside :func:`matplotlib.rc_context`, which
restores them afterwards. The SVG is
deterministic: a fixed ``svg.hashsalt``, no date in the metadata, so the same analysis gives the same
bytes. Text stays text in the SVG (``svg.fonttype = "none"``, DejaVu Sans with sans-serif fallbacks);
math parsing is off, so a ``$`` in an activity name is printed as it is. Colours are the Okabe-Ito
palette (safe for colour-blind readers, darkened to 3:1 contrast or more) and series also differ by
line style and marker, never by colour alone.

Labels are Swedish by default (decimal comma, space as thousands separator); ``lang="en"`` gives English.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..files import write_bytes
from ..formatting import fmt_number, fmt_share
from ..textsafe import visible
from .chart_input import CHART_NAMES, Chart, ChartInput, busiest_units

if TYPE_CHECKING:
    from ..analysis import Analysis

__all__ = ["CHART_NAMES", "Chart", "ChartInput", "build_charts", "chart_alt", "chart_svgs", "render_charts",
           "write_chart_pngs"]

#: Okabe-Ito hues (blue, orange, bluish green, vermillion, reddish purple, sky blue, black), darkened where
#: needed so that every line and bar has at least 3:1 contrast against white (WCAG 2.1, 1.4.11).
PALETTE = ("#0072B2", "#AD6800", "#008060", "#D55E00", "#B05A8A", "#4A86C5", "#000000")
#: Text drawn in the vermillion of the p90 line: 5.9:1 against white (1.4.3).
P90_TEXT = "#B23C00"
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v")
_RC: dict[str, Any] = {
    "svg.hashsalt": "processmining",
    "svg.fonttype": "none",
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.size": 10,
    "text.parse_math": False,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.8,
    "axes.edgecolor": "#444444",
    "axes.labelcolor": "#1b1b1b",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "path.simplify": True,
}
_SIZE = (8.0, 4.2)
#: The resolution the layout is made at (the PNGs' default), also for an SVG drawn alone.
LAYOUT_DPI = 150
_MONTHS = {
    "sv": ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "throughput": "Hur länge tar ett ärende?",
        "throughput_x": "Genomloppstid, första till sista händelse ({unit})",
        "cases_y": "Antal ärenden",
        "median": "median {v}",
        "p90": "90 % inom {v}",
        "monthly": "Genomloppstid och volym per {period}",
        "monthly_top": "Median ({unit})",
        "monthly_throughput": "Genomloppstid, avslutade ärenden",
        "monthly_agency": "Handläggningstid utan sökandens tid",
        "started": "Startade ärenden",
        "completed": "Avslutade ärenden",
        "wip": "Öppna ärenden per dag",
        "wip_y": "Öppna ärenden vid dagens slut",
        "wip_all": "Alla ärenden",
        "bottlenecks": "Största flaskhalsarna",
        "bottlenecks_x": "Väntan utöver en typisk väntan, summa ({unit})",
        "bar_label": "median {v} · {share} av all väntan",
        "no_data": "Inga data att visa",
        "no_bottleneck": "Ingen övergång väntar längre än en typisk väntan",
        "month": "månad",
        "quarter": "kvartal",
        "workdays": "arbetsdagar",
        "days": "kalenderdagar",
    },
    "en": {
        "throughput": "How long does a case take?",
        "throughput_x": "Throughput time, first to last event ({unit})",
        "cases_y": "Number of cases",
        "median": "median {v}",
        "p90": "90% within {v}",
        "monthly": "Throughput time and volume per {period}",
        "monthly_top": "Median ({unit})",
        "monthly_throughput": "Throughput time, completed cases",
        "monthly_agency": "Agency time (applicant's time excluded)",
        "started": "Cases started",
        "completed": "Cases completed",
        "wip": "Open cases per day",
        "wip_y": "Open cases at the end of the day",
        "wip_all": "All cases",
        "bottlenecks": "The largest bottlenecks",
        "bottlenecks_x": "Waiting beyond a typical wait, total ({unit})",
        "bar_label": "median {v} · {share} of all waiting",
        "no_data": "No data to show",
        "no_bottleneck": "No transition waits longer than a typical wait",
        "month": "month",
        "quarter": "quarter",
        "workdays": "working days",
        "days": "calendar days",
    },
}


@dataclass(frozen=True, slots=True)
class _Spec:
    name: str
    title: str
    alt: str
    draw: Callable[[Figure], None]


def _t(lang: str) -> dict[str, str]:
    return _TEXT["sv" if lang == "sv" else "en"]


def _unit(data: ChartInput, lang: str) -> str:
    return _t(lang)["days" if data.calendar_kind == "none" else "workdays"]


def _tick_formatter(lang: str) -> ticker.FuncFormatter:
    """Axis numbers as the reader writes them: ``1 500``, ``2,5`` (Swedish) or ``1,500``, ``2.5``."""

    def fmt(value: float, _pos: int | None = None) -> str:
        decimals = 0 if abs(value - round(value)) < 1e-9 else 1
        return fmt_number(value, lang, decimals)

    return ticker.FuncFormatter(fmt)


def _month_formatter(lang: str) -> ticker.FuncFormatter:
    months = _MONTHS["sv" if lang == "sv" else "en"]

    def fmt(value: float, _pos: int | None = None) -> str:
        day = mdates.num2date(value)  # type: ignore[no-untyped-call]
        return f"{months[day.month - 1]}\n{day.year}" if day.month == 1 or _pos == 0 else months[day.month - 1]

    return ticker.FuncFormatter(fmt)


def _empty(fig: Figure, title: str, message: str) -> None:
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#444444", transform=ax.transAxes)


# ---- throughput ------------------------------------------------------------------------------------
def _throughput(data: ChartInput, lang: str) -> _Spec:
    t = _t(lang)
    unit = _unit(data, lang)
    hist = data.histogram
    values = data.throughput
    title = t["throughput"]
    if not len(values) or not len(hist):
        return _Spec("throughput", title, t["no_data"], lambda fig: _empty(fig, title, t["no_data"]))
    median, p90, top = float(np.median(values)), float(np.quantile(values, 0.9)), float(values.max())
    n = fmt_number(len(values), lang, 0)
    busiest = hist.loc[hist["cases"].idxmax()]
    if lang == "sv":
        alt = (f"Stapeldiagram över genomloppstiden för {n} ärenden i {unit}: "
               f"median {fmt_number(float(median), lang)}, "
               f"90 % inom {fmt_number(float(p90), lang)}, längst {fmt_number(float(top), lang)}. Flest ärenden "
               f"({fmt_number(int(busiest['cases']), lang, 0)}) tog {fmt_number(float(busiest['from']), lang, 0)}–"
               f"{fmt_number(float(busiest['to']), lang, 0)} {unit}.")
    else:
        alt = (f"Bar chart of the throughput time of {n} cases in {unit}: "
               f"median {fmt_number(float(median), lang)}, 90% within "
               f"{fmt_number(float(p90), lang)}, longest {fmt_number(float(top), lang)}. Most cases "
               f"({fmt_number(int(busiest['cases']), lang, 0)}) took {fmt_number(float(busiest['from']), lang, 0)}–"
               f"{fmt_number(float(busiest['to']), lang, 0)} {unit}.")

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        left = hist["from"].to_numpy(dtype="float64")
        width = (hist["to"] - hist["from"]).to_numpy(dtype="float64")
        ax.bar(left, hist["cases"].to_numpy(), width=width, align="edge", color=PALETTE[0], edgecolor="white",
               linewidth=0.8, label=t["cases_y"])
        ymax = float(hist["cases"].max())
        # The median's label left of its line, the p90's right of its line: they never overlap.
        for value, label, style, colour, side in ((median, t["median"], "--", "#000000", "right"),
                                                        (p90, t["p90"], ":", P90_TEXT, "left")):
            ax.axvline(value, color=colour, linestyle=style, linewidth=1.8)
            text = label.format(v=fmt_number(float(value), lang))
            ax.annotate(text, (value, ymax * 1.06), xytext=(-4 if side == "right" else 4, 0),
                        textcoords="offset points", color=colour, fontsize=10, ha=side, va="bottom",
                        fontweight="bold")
        ax.set_ylim(0, ymax * 1.16)
        ax.set_xlim(left=min(0.0, float(left.min())), right=float(hist["to"].max()))
        ax.set_title(title)
        ax.set_xlabel(t["throughput_x"].format(unit=unit))
        ax.set_ylabel(t["cases_y"])
        ax.xaxis.set_major_formatter(_tick_formatter(lang))
        ax.yaxis.set_major_formatter(_tick_formatter(lang))
        ax.grid(axis="x", visible=False)

    return _Spec("throughput", title, alt, draw)


# ---- monthly -------------------------------------------------------------------------------------------
def _period_label(period: str, lang: str) -> str:
    """``2024-03`` -> ``mar 2024``; ``2024Q1`` -> ``K1 2024`` (Swedish) / ``Q1 2024``."""
    if "Q" in period:
        year, quarter = period.split("Q")
        return f"{'K' if lang == 'sv' else 'Q'}{quarter} {year}"
    year, _, month = period.partition("-")
    if month.isdigit():
        return f"{_MONTHS['sv' if lang == 'sv' else 'en'][int(month) - 1]} {year}"
    return period


def _extreme(frame: pd.DataFrame, column: str, lang: str, *, highest: bool) -> str:
    series = frame.set_index("period")[column].dropna()
    key = series.idxmax() if highest else series.idxmin()
    digits = 1 if series.dtype.kind == "f" else 0
    return f"{_period_label(str(key), lang)} ({fmt_number(float(series[key]), lang, digits)})"


def _monthly(data: ChartInput, lang: str) -> _Spec:
    t = _t(lang)
    unit = _unit(data, lang)
    trends = data.trends
    period = t["quarter" if data.period == "quarter" else "month"]
    title = t["monthly"].format(period=period)
    if not len(trends) or "cases_started" not in trends.columns:
        return _Spec("monthly", title, t["no_data"], lambda fig: _empty(fig, title, t["no_data"]))
    trends = trends.reset_index(drop=True)
    first = _period_label(str(trends["period"].iloc[0]), lang)
    last = _period_label(str(trends["period"].iloc[-1]), lang)
    has_median = trends["median_throughput_workdays"].notna().any()
    has_agency = "median_agency_workdays" in trends.columns and trends["median_agency_workdays"].notna().any()
    if lang == "sv":
        alt = f"Per {period} från {first} till {last}. "
        if has_median:
            alt += (f"Median genomloppstid för avslutade ärenden, i {unit}: lägst "
                    f"{_extreme(trends, 'median_throughput_workdays', lang, highest=False)}, högst "
                    f"{_extreme(trends, 'median_throughput_workdays', lang, highest=True)}. ")
        alt += (f"Startade ärenden: lägst {_extreme(trends, 'cases_started', lang, highest=False)}, högst "
                f"{_extreme(trends, 'cases_started', lang, highest=True)}.")
    else:
        alt = f"Per {period} from {first} to {last}. "
        if has_median:
            alt += (f"Median throughput time of completed cases, in {unit}: lowest "
                    f"{_extreme(trends, 'median_throughput_workdays', lang, highest=False)}, highest "
                    f"{_extreme(trends, 'median_throughput_workdays', lang, highest=True)}. ")
        alt += (f"Cases started: lowest {_extreme(trends, 'cases_started', lang, highest=False)}, highest "
                f"{_extreme(trends, 'cases_started', lang, highest=True)}.")

    def draw(fig: Figure) -> None:
        top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        x = np.arange(len(trends))
        top.plot(x, trends["median_throughput_workdays"].to_numpy(dtype="float64"), color=PALETTE[0],
                 linestyle="-", marker="o", markersize=4, linewidth=2, label=t["monthly_throughput"])
        if has_agency:
            top.plot(x, trends["median_agency_workdays"].to_numpy(dtype="float64"), color=PALETTE[1],
                     linestyle="--", marker="s", markersize=4, linewidth=2, label=t["monthly_agency"])
        top.set_ylim(bottom=0)
        top.set_ylabel(t["monthly_top"].format(unit=unit))
        top.set_title(title)
        top.legend(loc="lower left", fontsize=9, ncols=2)
        bottom.bar(x, trends["cases_started"].to_numpy(), color=PALETTE[5], width=0.75, label=t["started"])
        bottom.plot(x, trends["cases_completed"].to_numpy(), color="#000000", linestyle="-", marker="D",
                    markersize=3, linewidth=1.2, label=t["completed"])
        bottom.set_ylabel(t["cases_y"])
        bottom.legend(loc="upper left", fontsize=9, ncols=2)
        bottom.set_ylim(0, max(float(trends["cases_started"].max()), float(trends["cases_completed"].max()), 1) * 1.3)
        step = max(1, math.ceil(len(trends) / 12))
        bottom.set_xticks(x[::step])
        bottom.set_xticklabels([_period_label(str(p), lang).replace(" ", "\n") for p in trends["period"][::step]])
        bottom.set_xlim(-0.6, len(trends) - 0.4)
        for ax in (top, bottom):
            ax.yaxis.set_major_formatter(_tick_formatter(lang))
            ax.grid(axis="x", visible=False)

    return _Spec("monthly", title, alt, draw)


# ---- work in progress ---------------------------------------------------------------------------------------
def _wip(data: ChartInput, lang: str) -> _Spec:
    t = _t(lang)
    wip = data.wip_daily
    title = t["wip"]
    if not len(wip) or "all" not in wip.columns:
        return _Spec("wip", title, t["no_data"], lambda fig: _empty(fig, title, t["no_data"]))
    busiest = busiest_units(wip)
    peak_day = wip["all"].idxmax()
    peak, at_end = int(wip["all"].max()), int(wip["all"].iloc[-1])
    first, last = wip.index[0].date().isoformat(), wip.index[-1].date().isoformat()
    names = ", ".join(str(u) for u in busiest)
    if lang == "sv":
        alt = (f"Linjediagram över öppna ärenden vid varje dags slut, {first} till {last}: högst "
               f"{fmt_number(peak, lang, 0)} den {peak_day.date().isoformat()}, {fmt_number(at_end, lang, 0)} vid "
               "periodens slut.")
        if busiest:
            alt += f" Egna linjer för de {len(busiest)} enheter som har flest ärenden: {names}."
    else:
        alt = (f"Line chart of open cases at the end of each day, {first} to {last}: highest "
               f"{fmt_number(peak, lang, 0)} on {peak_day.date().isoformat()}, {fmt_number(at_end, lang, 0)} at the "
               "end.")
        if busiest:
            alt += f" Own lines for the {len(busiest)} units holding the most cases: {names}."

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        days = wip.index.to_pydatetime()
        ax.plot(days, wip["all"].to_numpy(), color="#000000", linewidth=2.2, label=t["wip_all"])
        for i, unit in enumerate(busiest):
            ax.plot(days, wip[unit].to_numpy(), color=PALETTE[i % 6], linestyle=LINESTYLES[(i + 1) % 5],
                    linewidth=1.5, label=visible(unit))
        ax.set_ylim(bottom=0)
        ax.set_title(title)
        ax.set_ylabel(t["wip_y"])
        span = (wip.index[-1] - wip.index[0]).days
        interval = 1 if span <= 200 else 2 if span <= 400 else 3 if span <= 800 else 6
        ax.xaxis.set_major_locator(mdates.MonthLocator(interval=interval))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(_month_formatter(lang))
        ax.yaxis.set_major_formatter(_tick_formatter(lang))
        ax.legend(loc="upper left", fontsize=9, ncols=3 if len(busiest) > 2 else 2)
        ax.set_xlim(days[0], days[-1])
        ymax = float(wip["all"].max())
        ax.set_ylim(0, max(ymax, 1) * 1.3)

    return _Spec("wip", title, alt, draw)


# ---- bottlenecks ------------------------------------------------------------------------------------------------
def _wrap(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True)) or text


def _bottlenecks(data: ChartInput, lang: str) -> _Spec:
    t = _t(lang)
    unit = _unit(data, lang)
    top = data.top_edges
    title = t["bottlenecks"]
    if not len(top):
        return _Spec("bottlenecks", title, t["no_bottleneck"], lambda fig: _empty(fig, title, t["no_bottleneck"]))
    worst = top.iloc[0]
    pair = f"{worst['source']} → {worst['target']}"
    share = fmt_share(float(worst["share_of_waiting"]) if pd.notna(worst["share_of_waiting"]) else 0.0, lang)
    score = fmt_number(float(worst["score"]), lang, 0)
    median = fmt_number(float(worst["median_wait_workdays"]), lang)
    if lang == "sv":
        alt = (f"Liggande staplar för de {len(top)} övergångar som lägger till mest väntan utöver en typisk väntan, "
               f"störst först. Störst är {pair}: {score} {unit} utöver det typiska, median {median} {unit}, "
               f"{share} av all väntan.")
    else:
        alt = (f"Horizontal bars for the {len(top)} transitions that add the most waiting beyond a typical wait, "
               f"largest first. The largest is {pair}: {score} {unit} beyond the typical wait, median {median} "
               f"{unit}, {share} of all waiting.")

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        y = np.arange(len(top))
        values = top["score"].to_numpy(dtype="float64")
        colours = [PALETTE[3] if i == 0 else PALETTE[0] for i in range(len(top))]
        ax.barh(y, values, color=colours, height=0.65)
        labels = [_wrap(visible(f"{i + 1}. {s} → {g}")) for i, (s, g) in enumerate(zip(top["source"], top["target"],
                                                                              strict=True))]
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=9)
        ax.invert_yaxis()
        vmax = float(np.nanmax(values)) if np.isfinite(values).any() and np.nanmax(values) > 0 else 1.0
        for i, row in top.iterrows():
            s = fmt_share(float(row["share_of_waiting"]) if pd.notna(row["share_of_waiting"]) else 0.0, lang)
            label = t["bar_label"].format(v=fmt_number(float(row["median_wait_workdays"]), lang), share=s)
            value = float(row["score"])
            if value > vmax * 0.6:  # a long bar carries its label inside, so the label never runs off the chart
                ax.text(value - vmax * 0.01, int(i), label, va="center", ha="right", fontsize=9,
                        color="#000000" if i == 0 else "#ffffff")
            else:
                ax.text(value + vmax * 0.01, int(i), label, va="center", fontsize=9, color="#1b1b1b")
        ax.set_xlim(0, vmax * 1.05)
        ax.set_title(title)
        ax.set_xlabel(t["bottlenecks_x"].format(unit=unit))
        ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=5))  # "1 250 000" is wide: five ticks never touch
        ax.xaxis.set_major_formatter(_tick_formatter(lang))
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", length=0)

    return _Spec("bottlenecks", title, alt, draw)


# ---- public API -------------------------------------------------------------------------------------------------
_BUILDERS: dict[str, Callable[[ChartInput, str], _Spec]] = {
    "throughput": _throughput, "monthly": _monthly, "wip": _wip, "bottlenecks": _bottlenecks,
}


def _specs(data: ChartInput, lang: str, names: Sequence[str] = CHART_NAMES) -> list[_Spec]:
    return [_BUILDERS[name](data, lang) for name in names]


def _size(spec: _Spec, data: ChartInput) -> tuple[float, float]:
    if spec.name == "bottlenecks":
        return _SIZE[0], max(2.6, 0.9 + 0.48 * len(data.top_edges))
    if spec.name == "monthly":
        return _SIZE[0], 5.0
    return _SIZE


def _draw(spec: _Spec, data: ChartInput, *, svg: bool, png_dpi: float | None) -> tuple[str | None, bytes | None]:
    """Draw one chart once and save it as PNG and/or SVG.

    The constrained layout (the costly part: it measures every label) runs once, at the PNG's resolution
    (its pixels are exact, so no label touches its edge; :data:`LAYOUT_DPI` where only the SVG is wanted),
    and is then fixed, so the SVG shows the same layout and costs only its own drawing.
    """
    rc: Any = {**_RC, "svg.id": f"chart-{spec.name}"}
    svg_text: str | None = None
    png: bytes | None = None
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=_size(spec, data), layout="constrained", facecolor="white")
        FigureCanvasAgg(fig)  # the Agg canvas, chosen here and not through the global backend
        fig.get_layout_engine().set(w_pad=0.1, h_pad=0.08)  # type: ignore[union-attr,call-arg]
        spec.draw(fig)
        if png_dpi is not None:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=png_dpi, metadata={"Software": None})
            png = buffer.getvalue()
        else:  # the same layout as beside a PNG at the default resolution: the SVG is the same either way
            fig.set_dpi(LAYOUT_DPI)
            fig.draw_without_rendering()
        fig.set_layout_engine("none")
        if svg:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="svg", dpi=72, metadata={"Date": None})
            svg_text = buffer.getvalue().decode("utf-8")
    return svg_text, png


def warm_up() -> None:
    """Draw a small chart as SVG and PNG and throw it away: loads the fonts and the renderers' caches (a few
    tenths of a second the first time), so that a process that has time now draws faster later."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.bar([0, 1], [1, 2], label="åäö 1 234,5")
        ax.set_title("Genomloppstid")
        ax.set_xlabel("arbetsdagar")
        ax.legend()
        ax.annotate("median", (0.5, 1.5), fontweight="bold")

    empty = ChartInput(calendar_kind="se", histogram=pd.DataFrame(), throughput=np.array([]), trends=pd.DataFrame(),
                       period="month", wip_daily=pd.DataFrame(), top_edges=pd.DataFrame())
    _draw(_Spec("warm", "", "", draw), empty, svg=True, png_dpi=72)


def _check_lang(lang: str) -> None:
    if lang not in ("sv", "en"):
        from ..errors import ConfigError

        raise ConfigError(f"unknown language {lang!r}; choose sv or en")


def render_charts(data: ChartInput, *, lang: str = "sv", png_dir: str | Path | None = None,
                  dpi: int = 150) -> tuple[Chart, ...]:
    """Every chart as SVG (returned) and, with ``png_dir``, as ``chart_<name>.png`` there: each drawn once.

    This is what :func:`~processmining.reports.write_reports` uses (in a second process where it has one,
    see :mod:`processmining.render.parallel`): ``data`` is small and picklable.

    Args:
        data: :meth:`ChartInput.of` the analysis.
        lang: ``"sv"`` (default) or ``"en"``.
        png_dir: the folder for the PNGs (beside the workbook); none written without it.
        dpi: the PNGs' resolution.
    """
    return tuple(Chart(name=spec.name, title=spec.title, alt=spec.alt, svg=svg or "")
                 for spec, svg, _png in _render(data, lang=lang, png_dir=png_dir, dpi=dpi, svg=True))


def _render(data: ChartInput, *, lang: str, png_dir: str | Path | None, dpi: int,
            svg: bool) -> list[tuple[_Spec, str | None, Path | None]]:
    """Each chart drawn once: its spec, its SVG (with ``svg``) and the PNG written into ``png_dir`` (if given)."""
    _check_lang(lang)
    folder = Path(png_dir) if png_dir is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    drawn = []
    for spec in _specs(data, lang):
        text, png = _draw(spec, data, svg=svg, png_dpi=dpi if folder is not None else None)
        path = write_bytes(folder / f"chart_{spec.name}.png", png or b"") if folder is not None else None
        drawn.append((spec, text, path))
    return drawn


def build_charts(analysis: Analysis, *, lang: str = "sv") -> tuple[Chart, ...]:
    """Every chart of ``analysis`` as SVG with its title and alt text, in :data:`CHART_NAMES` order.

    Args:
        analysis: the result of :func:`~processmining.analysis.analyze_log`.
        lang: ``"sv"`` (default) or ``"en"``.
    """
    return render_charts(ChartInput.of(analysis), lang=lang)


def chart_svgs(analysis: Analysis, *, lang: str = "sv") -> dict[str, str]:
    """Chart name -> SVG text (names: throughput, monthly, wip, bottlenecks)."""
    return {c.name: c.svg for c in build_charts(analysis, lang=lang)}


def chart_alt(analysis: Analysis, *, lang: str = "sv") -> dict[str, str]:
    """Chart name -> alt text, without drawing anything."""
    _check_lang(lang)
    return {s.name: s.alt for s in _specs(ChartInput.of(analysis), lang)}


def write_chart_pngs(analysis: Analysis, out: str | Path, *, lang: str = "sv", dpi: int = 150) -> list[Path]:
    """Write ``chart_<name>.png`` for every chart into the folder ``out`` (beside the workbook), atomically.

    Args:
        analysis: the result of :func:`~processmining.analysis.analyze_log`.
        out: the folder (created if missing).
        lang: ``"sv"`` (default) or ``"en"``.
        dpi: resolution (150: sharp in Excel and in print at the charts' 8-inch width).

    Returns:
        The paths written, in :data:`CHART_NAMES` order.
    """
    return [path for _spec, _svg, path in _render(ChartInput.of(analysis), lang=lang, png_dir=out, dpi=dpi, svg=False)
            if path is not None]
