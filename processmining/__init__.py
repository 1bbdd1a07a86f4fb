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
from .log import ColumnMapping, EventLog, Source

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
