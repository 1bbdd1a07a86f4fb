"""Process mining for grant case handling: one validated event log, analyses, reports."""

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
    "AnalysisError",
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
]


def __getattr__(name: str) -> object:
    if name in ("ColumnMapping", "EventLog", "Source"):
        from . import log

        return getattr(log, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
