"""The errors this toolkit raises on purpose.

Every error a user can cause derives from :class:`ProcessMiningError`. The CLI catches that one class
in one place, prints its message (one line, naming the file, row and column where known, and what to
do) and exits with code 1. Anything else is a bug and may show a traceback.

    ProcessMiningError
    ├── EventLogError            input cannot become a valid EventLog
    │   ├── UnreadableFileError  missing, empty, truncated, wrong format, unsafe XML
    │   │   └── LimitExceededError  a named limit (decompressed size, ratio, line length) was reached
    │   ├── MissingColumnsError  a required column is not there and could not be detected
    │   ├── TimestampError       timestamps cannot be parsed without guessing
    │   └── StrictModeError      --strict and at least one row was rejected
    ├── ConfigError              a profile, a config file or an option is wrong
    ├── AnalysisError            the log lacks what an analysis needs (e.g. no unit column)
    └── AutomationError          an automation could not run (SMTP, ledger, outbox)
"""

from __future__ import annotations

__all__ = [
    "AnalysisError",
    "AutomationError",
    "ConfigError",
    "EventLogError",
    "LimitExceededError",
    "MissingColumnsError",
    "ProcessMiningError",
    "StrictModeError",
    "TimestampError",
    "UnreadableFileError",
]


class ProcessMiningError(Exception):
    """Root of every error raised on purpose; its message is one line meant for the user."""


class EventLogError(ProcessMiningError):
    """Input cannot become a valid EventLog."""


class UnreadableFileError(EventLogError):
    """The file is missing, empty, truncated, not what its name says, or unsafe to parse."""


class LimitExceededError(UnreadableFileError):
    """A file goes beyond one of the reader's named limits (see docs/refusals.md); the message names the limit
    and how to raise it."""


class MissingColumnsError(EventLogError):
    """A required column (case, activity, timestamp) is missing and could not be detected."""


class TimestampError(EventLogError):
    """Timestamps cannot be interpreted without guessing (e.g. ambiguous day/month order)."""


class StrictModeError(EventLogError):
    """Raised under ``--strict`` when any row was rejected."""


class ConfigError(ProcessMiningError):
    """A profile, configuration file or option is invalid."""


class AnalysisError(ProcessMiningError):
    """The log lacks what an analysis needs (e.g. a unit column for unit-level handovers)."""


class AutomationError(ProcessMiningError):
    """An automation could not be carried out (mail server, ledger, outbox)."""
