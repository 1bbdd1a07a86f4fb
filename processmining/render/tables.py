"""Analysis results as CSV tables: the files of ``bottlenecks --out`` and ``perspectives --out``.

Every table goes through :func:`processmining.files.write_csv`: atomic, in the project's one CSV dialect
(UTF-8 with BOM, ``;``, decimal comma, formula guard), so Swedish Excel opens it as it is.
"""

from __future__ import annotations

from pathlib import Path

from ..analyses import bottlenecks
from ..analyses.bottlenecks import BottleneckReport, describe_edge, unit_words, wip_long
from ..analyses.perspectives import PerspectiveResult
from ..files import write_csv, write_text

__all__ = ["write_bottleneck_csvs", "write_perspective_csvs"]


def write_bottleneck_csvs(report: BottleneckReport, directory: Path) -> list[Path]:
    """Write the report as CSV files (the project's dialect: UTF-8 with BOM, ``;``, decimal comma).

    Files: ``bottlenecks.csv`` (edges ranked, with the sentence in Swedish and English),
    ``activities.csv``, ``cases.csv``, ``wip.csv`` (long: period day/week, date, unit, open_cases),
    ``trends.csv``, ``rework.csv``, ``pingpong.csv`` and ``bottlenecks_definitions.txt`` (calendar,
    baseline, clock stops, targets and the definitions, in Swedish and English).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    edges = report.edges.copy()
    edges.insert(0, "rank", edges.pop("rank"))
    edges["text_sv"] = [describe_edge(r, report.calendar, "sv") for _, r in edges.iterrows()]
    edges["text_en"] = [describe_edge(r, report.calendar, "en") for _, r in edges.iterrows()]
    acts = report.activities.copy()
    acts.insert(0, "rank", acts.pop("rank"))
    cases = report.cases.rename_axis("case").reset_index()
    written = [
        write_csv(edges, directory / "bottlenecks.csv"),
        write_csv(acts, directory / "activities.csv"),
        write_csv(cases, directory / "cases.csv"),
        write_csv(wip_long(report.wip_daily, report.wip_weekly), directory / "wip.csv"),
        write_csv(report.trends, directory / "trends.csv"),
        write_csv(report.rework.activities, directory / "rework.csv"),
        write_csv(report.rework.pingpong, directory / "pingpong.csv"),
    ]
    lines = [
        report.calendar.describe("sv"), report.calendar.describe("en"), "",
        f"Typisk väntan (baslinje) / typical wait (baseline): {report.ranking.baseline_workdays:.4f} "
        f"{unit_words(report.calendar, 'en')}",
        report.attribution.describe("sv"), report.attribution.describe("en"),
    ]
    if report.sla is not None:
        lines += [report.sla.describe("sv"), report.sla.describe("en")]
    lines += ["", "Slutaktiviteter / end activities: " + (", ".join(report.end_activities) or "-"), ""]
    lines += list(report.notes)
    lines += ["", bottlenecks.__doc__ or ""]
    written.append(write_text(directory / "bottlenecks_definitions.txt", "\n".join(lines)))
    return written


def write_perspective_csvs(result: PerspectiveResult, directory: Path) -> list[Path]:
    """``perspective_groups.csv``, ``perspective_edges.csv`` and ``perspective_differences.csv``."""
    directory.mkdir(parents=True, exist_ok=True)
    return [write_csv(frame, directory / name) for name, frame in (
        ("perspective_groups.csv", result.groups), ("perspective_edges.csv", result.edges),
        ("perspective_differences.csv", result.differences))]
