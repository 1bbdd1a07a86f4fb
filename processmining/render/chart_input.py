"""What the charts are drawn from: :class:`ChartInput`, a few small tables of an analysis.

Kept apart from :mod:`processmining.render.charts` so that making it needs neither matplotlib nor the
drawing code: the process that analyses the log builds it and hands it (pickled: a few hundred kB
at most) to the process that draws (:mod:`processmining.render.parallel`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..analyses.bottlenecks import BottleneckReport
    from ..analysis import Analysis

__all__ = ["BOTTLENECK_BARS", "CHART_NAMES", "WIP_UNITS", "Chart", "ChartInput", "busiest_units"]

#: The charts, in the order the page shows them; ``chart_<name>.png`` is the file name.
CHART_NAMES = ("throughput", "monthly", "wip", "bottlenecks")
#: Bottlenecks drawn at most.
BOTTLENECK_BARS = 10
#: Units drawn beside "all" in the work-in-progress chart (the page's and the workbook's).
WIP_UNITS = 4


def busiest_units(wip_daily: pd.DataFrame, n: int = WIP_UNITS) -> list[str]:
    """The ``n`` units of ``wip_daily`` with the most open cases on a mean day (ties by name)."""
    units = [c for c in wip_daily.columns if c != "all"]
    return sorted(units, key=lambda u: (-float(wip_daily[u].mean()), str(u)))[:n]


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart as the page shows it (here, not in :mod:`~processmining.render.charts`: the chart process
    sends these back pickled, and reading them must not import matplotlib into the process that writes
    the reports).

    Attributes:
        name: one of :data:`CHART_NAMES`.
        title: the chart's title (also drawn in the picture).
        alt: the alt text: what the chart shows, with its key figures, in one or two sentences.
        svg: the SVG document (deterministic; starts with the XML declaration).
    """

    name: str
    title: str
    alt: str
    svg: str


@dataclass(frozen=True)
class ChartInput:
    """What the charts are drawn from: a few small tables of the analysis (picklable, so that a second
    process can draw them while this one goes on).

    Attributes:
        calendar_kind: the analysis's calendar kind (``"none"``: calendar days, else working days).
        histogram: the throughput histogram in working days (``from``, ``to``, ``cases``).
        throughput: every case's throughput time in working days (no missing values).
        trends: the trends per period; ``period``: ``"month"`` or ``"quarter"``.
        wip_daily: open cases at the end of each day (``all`` and one column per unit).
        top_edges: the bottlenecks drawn (at most :data:`BOTTLENECK_BARS`), largest first.
    """

    calendar_kind: str
    histogram: pd.DataFrame
    throughput: np.ndarray
    trends: pd.DataFrame
    period: str
    wip_daily: pd.DataFrame
    top_edges: pd.DataFrame

    @classmethod
    def of(cls, analysis: Analysis) -> ChartInput:
        """The input of ``analysis``'s charts."""
        return cls.of_parts(analysis.bottlenecks, analysis.calendar.kind)

    @classmethod
    def of_parts(cls, b: BottleneckReport, calendar_kind: str) -> ChartInput:
        """The input of the charts of a bottleneck report (what :meth:`of` takes from the analysis)."""
        hist = b.histogram
        return cls(
            calendar_kind=calendar_kind,
            histogram=hist[hist["unit"] == "workdays"],
            throughput=b.cases["throughput_workdays"].dropna().to_numpy(dtype="float64"),
            trends=b.trends, period=b.period, wip_daily=b.wip_daily,
            top_edges=b.top_edges(min(b.top, BOTTLENECK_BARS)).reset_index(drop=True),
        )
