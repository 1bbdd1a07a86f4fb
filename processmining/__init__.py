"""Process mining for grant case handling: one validated event log, analyses, reports.

The library in three calls (the command line and the flows make the same ones)::

    import processmining as pm

    log = pm.read_log("event_logs/demo.csv", profile="event_logs/profiles/demo.toml")
    analysis = pm.analyze_log(log, pm.AnalysisOptions(top=5))
    pm.write_reports(analysis, "reports/demo")          # summary.json, bottlenecks.xlsx, report.html, maps
    figures = pm.summary_of(analysis)                   # the same figures, without writing a file

Names load on first use, so that ``import processmining`` (and the command line's ``--help``) does not
import pandas or pm4py.
"""

from .errors import (
    AnalysisError,
    AutomationError,
    ConfigError,
    EventLogError,
    MissingColumnsError,
    ProcessMiningError,
    StrictModeError,
    TimestampError,
    UnreadableFileError,
)

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "AnalysisError",
    "AnalysisOptions",
    "AutomationError",
    "ColumnMapping",
    "ConfigError",
    "EventLog",
    "EventLogError",
    "MissingColumnsError",
    "ProcessMiningError",
    "Source",
    "StrictModeError",
    "TimestampError",
    "UnreadableFileError",
    "__version__",
    "analyze_log",
    "read_log",
    "summary_of",
    "write_reports",
]

#: Where each lazily loaded name lives.
_LAZY = {"ColumnMapping": "log", "EventLog": "log", "Source": "log", "read_log": "ingest",
         "Analysis": "analysis", "AnalysisOptions": "analysis", "analyze_log": "analysis", "summary_of": "analysis",
         "write_reports": "reports"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
