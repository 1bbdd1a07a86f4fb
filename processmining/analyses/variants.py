"""Variants: the distinct activity sequences of a log, ranked by how many cases follow them.

A variant is the sequence of activity names of a case in the log's sorted order (DESIGN.md), the
same definition pm4py's ``get_variants`` uses, so the counts agree with pm4py's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..log import EventLog

__all__ = ["ARROW", "VARIANT_COLUMNS", "VariantTable", "variant_table", "variant_text"]

#: How a variant is written as text: activities joined by " → ".
ARROW = " → "
VARIANT_COLUMNS = (
    "rank", "variant", "variant_text", "cases", "share", "cumulative_share", "median_throughput_days", "events",
)


def variant_text(variant: tuple[str, ...]) -> str:
    """A variant as one line: ``"a → b → c"``."""
    return ARROW.join(variant)


@dataclass(frozen=True, slots=True)
class VariantTable:
    """The variants of a log, most frequent first.

    Attributes:
        table: one row per variant shown: ``rank`` (1 = most frequent), ``variant`` (tuple of
            activity names), ``variant_text`` (joined by " → "), ``cases``, ``share`` (of all
            cases, 0..1), ``cumulative_share`` (of all cases, ranks 1..this), ``median_throughput_days``
            (first to last event, calendar days), ``events`` (events per case = length of the variant).
        n_cases: cases in the log.
        n_variants: distinct variants in the log (also when ``table`` shows only the top ones).
    """

    table: pd.DataFrame
    n_cases: int
    n_variants: int

    @property
    def coverage(self) -> float:
        """Share of cases covered by the variants in the table."""
        return float(self.table["cumulative_share"].iloc[-1]) if len(self.table) else 0.0

    def to_csv_frame(self) -> pd.DataFrame:
        """The table for a CSV file: the variant as text only, shares rounded to 4 decimals."""
        frame = self.table.drop(columns=["variant"]).rename(columns={"variant_text": "variant"})
        for col in ("share", "cumulative_share", "median_throughput_days"):
            frame[col] = frame[col].round(4)
        return frame

    def to_summary(self, top: int = 10) -> dict[str, Any]:
        """JSON-ready: the variant count and the ``top`` most frequent variants."""
        rows = []
        for row in self.table.head(top).itertuples(index=False):
            median = float(row.median_throughput_days)
            rows.append({
                "rank": int(row.rank),
                "variant": row.variant_text,
                "cases": int(row.cases),
                "share": round(float(row.share), 4),
                "cumulative_share": round(float(row.cumulative_share), 4),
                "median_throughput_days": None if math.isnan(median) else round(median, 4),
                "events": int(row.events),
            })
        return {"variants": self.n_variants, "cases": self.n_cases, "top_variants": rows}


def variant_table(log: EventLog, *, top: int | None = None) -> VariantTable:
    """Rank the variants of a log.

    Args:
        log: the event log.
        top: keep only the ``top`` most frequent variants in the table (``None``: all). Ties are
            ordered by the variant itself, so the table is the same on every run.

    Example:
        >>> variant_table(log, top=10).table["cases"].head(3).tolist()  # the demo log
        [1195, 490, 366]
    """
    if top is not None and top < 1:
        raise ConfigError(f"--top-variants must be at least 1, got {top}")
    counts = log.variant_counts()  # most frequent first, ties by variant
    n_cases = int(counts.sum())
    cases = log.case_table()
    throughput_days = cases["throughput"].dt.total_seconds() / 86_400
    # One median per variant: group the per-case throughput by variant (vectorised groupby).
    # The log's variant codes (first appearance, as factorize numbers them): no hashing of tuples per case.
    variant_codes, variant_uniques = log.variant_codes()
    medians = pd.Series(throughput_days.to_numpy()).groupby(variant_codes).median()
    median_by_variant = dict(zip(variant_uniques.tolist(), medians.to_numpy(), strict=True))
    shown = counts if top is None else counts.iloc[:top]
    variants = list(shown.index)
    n = len(variants)
    share = shown.to_numpy(dtype="float64") / max(n_cases, 1)
    table = pd.DataFrame({
        "rank": np.arange(1, n + 1, dtype="int64"),
        "variant": pd.Series(variants, dtype=object),
        "variant_text": [variant_text(v) for v in variants],
        "cases": shown.to_numpy(dtype="int64"),
        "share": share,
        "cumulative_share": np.cumsum(share),
        "median_throughput_days": [float(median_by_variant[v]) for v in variants],
        "events": np.array([len(v) for v in variants], dtype="int64"),
    })
    return VariantTable(table=table[list(VARIANT_COLUMNS)], n_cases=n_cases, n_variants=len(counts))
