"""Ingest: any case-handling export (CSV, XLSX, XES, XES.gz, Parquet) into one validated EventLog.

    log = read_log("event_logs/demo.csv", profile="event_logs/profiles/demo.toml")
    log.source.rows_read == log.n_events + len(log.rejects) + log.source.duplicates_removed  # (+ merged starts)

The format is taken from the file name and checked against the content (a zip named .csv, binary
junk, an empty or header-only file, a truncated gzip are refused with one line naming the file).
Every reader produces a raw table that goes through :func:`table_to_log`, the one validation path:
column mapping (profile, command-line overrides, Swedish/English header detection), timestamps,
rejects, exact duplicates, lifecycle pairs, label variants, personal-number masking and
pseudonymisation of case officers.

The package's names are loaded when first used (``from processmining.ingest import read_log`` works as
ever): the command line imports :mod:`processmining.ingest.arrow_csv` to start reading a CSV file before
it imports the readers and the analyses, and a package that imported its readers here would load them
(and pandas) first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Loaded now (standard library only): the function, not its module, is what ``ingest.sniff`` names.
from .sniff import sha256_of as sha256_of
from .sniff import sniff as sniff

if TYPE_CHECKING:
    from .limits import Limits
    from .options import ReadOptions
    from .privacy import load_key, mask_personal_numbers, pseudonymise, write_key
    from .profiles import Profile, load_profile
    from .reader import read_log, write_rejects
    from .validation import merged_starts, table_to_log

__all__ = [
    "Limits",
    "Profile",
    "ReadOptions",
    "load_key",
    "load_profile",
    "mask_personal_numbers",
    "merged_starts",
    "pseudonymise",
    "read_log",
    "table_to_log",
    "write_key",
    "write_rejects",
]

#: Where each public name lives.
_HOME = {
    "Limits": "limits", "ReadOptions": "options",
    "Profile": "profiles", "load_profile": "profiles", "resolve_profile": "profiles",
    "load_key": "privacy", "mask_personal_numbers": "privacy", "pseudonymise": "privacy", "write_key": "privacy",
    "read_log": "reader", "write_rejects": "reader", "merged_starts": "validation", "table_to_log": "validation",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # looked up once
    return value
