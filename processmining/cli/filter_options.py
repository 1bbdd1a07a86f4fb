"""The case filters, declared once for every command that analyses a log (``analyze``, ``report``, ``explore``).

A filter is written ``[not:]KIND:ARGUMENT`` (:func:`processmining.filters.parse_filter`), the same text the
explorer keeps in its address, so a view found in the browser is one command line away::

    processmining analyze event_logs/demo.csv --profile demo --out reports/x \\
        --filter "attribute:program=Regionalt investeringsstöd" --filter "started:2024-01-01..2025-01-01"
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ..log import EventLog

__all__ = ["FILTER_PANEL", "FilterOption", "filter_log"]

FILTER_PANEL = "Filters"

FilterOption = Annotated[list[str] | None, typer.Option(
    "--filter", metavar="[not:]KIND:ARG", rich_help_panel=FILTER_PANEL, show_default=False,
    help="Analyse only the matching cases (repeatable; every filter must hold; not: removes them instead). "
         "KIND: started/ended/active/within FROM..TO, attribute COLUMN=V|V, unit V|V, top-variants N, "
         "variant A→B→C, throughput MIN..MAX (days), passes A|B, follows A=>B, directly-follows A=>B, "
         "starts A|B, ends A|B, state open|closed. Example: --filter \"attribute:program=Exportcheck\".")]


def filter_log(log: EventLog, filters: Sequence[str] | None, *,
               end_activities: Collection[str] | None = None) -> EventLog:
    """``log`` with ``filters`` applied (none: ``log`` itself); raises ConfigError for a malformed filter.

    Raises:
        AnalysisError: no case is left (the message names the filters).
    """
    if not filters:
        return log
    from ..errors import AnalysisError
    from ..filters import apply_filters

    filtered = apply_filters(log, filters, end_activities=end_activities)
    if filtered.n_events == 0:
        raise AnalysisError(f"no case is left after the filters {'; '.join(filters)}: loosen them")
    return filtered
