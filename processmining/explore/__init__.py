"""``processmining explore``: the process owner's own view of a log, filtered and drilled into in the browser.

The log is read once; every view (filters, map sliders, drill-down) is analysed with
:func:`~processmining.analysis.analyze_log` on the filtered log, so the page shows the reports' numbers,
and its exports are written by the reports' writers.

    explorer = Explorer(read_log("event_logs/demo.csv", profile="demo"))
    app = create_app(explorer)            # a Starlette app; serve it with uvicorn
"""

from __future__ import annotations

from .app import create_app, view_address
from .session import Explorer
from .state import BadRequest, ViewState, parse_state

__all__ = ["BadRequest", "Explorer", "ViewState", "create_app", "parse_state", "view_address"]
