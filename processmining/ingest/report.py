"""The data-quality summary of a loaded log, in DESIGN.md's JSON shape (used by ``validate``)."""

from __future__ import annotations

from typing import Any

from ..log import EventLog, summary_counts

__all__ = ["validation_summary"]

def validation_summary(log: EventLog, *, examples: int = 3) -> dict[str, Any]:
    """Counts, time span, rejects by reason (with a few examples), notes and warnings.

    Keys: ``source{path,sha256,format,rows_read}``, ``events``, ``cases``, ``activities``,
    ``variants``, ``rejected_rows``, ``duplicates_removed``, ``start``, ``end`` (as in
    ``summary.json``), plus ``starts_merged`` (lifecycle start rows merged into their completions;
    ``rows_read == events + rejected_rows + duplicates_removed + starts_merged``),
    ``rejects_by_reason`` ({reason: rows}, most frequent first), ``reject_examples`` ({reason:
    [{row, column, value}]}), ``timezone``, ``mapping``, ``pseudonymised``, ``notes``, ``warnings``.
    """
    summary: dict[str, Any] = dict(summary_counts(log))
    rejects = log.rejects
    summary["starts_merged"] = log.source.rows_read - log.n_events - len(rejects) - log.source.duplicates_removed
    by_reason: dict[str, int] = {}
    samples: dict[str, list[dict[str, Any]]] = {}
    if len(rejects):
        counts = rejects["reason"].value_counts(sort=False)
        for reason, count in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            by_reason[str(reason)] = int(count)
            block = rejects[rejects["reason"] == reason].head(examples)
            samples[str(reason)] = [
                {"row": int(r), "column": str(c), "value": str(v)}
                for r, c, v in zip(block["row"], block["column"], block["value"], strict=True)
            ]
    summary["rejects_by_reason"] = by_reason
    summary["reject_examples"] = samples
    summary["timezone"] = log.source.timezone
    summary["mapping"] = log.source.mapping.as_dict()
    summary["pseudonymised"] = log.source.pseudonymised
    summary["notes"] = list(log.source.notes)
    summary["warnings"] = list(log.source.warnings)
    return summary

