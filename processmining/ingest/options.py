"""How to read one export: :class:`ReadOptions`, every choice of a read, carried whole from the command line or
a caller through :func:`~processmining.ingest.read_log`, the validation (:func:`~processmining.ingest.table_to_log`)
and a merge of several sources, instead of a dozen loose keywords at every step."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .limits import Limits
    from .profiles import Profile

__all__ = ["ReadOptions"]


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Every choice of one read (all optional; a choice left ``None`` defers to the profile, else the default).

    Attributes:
        profile: the source profile (resolved: a :class:`~processmining.ingest.profiles.Profile`).
        columns: role -> source column overrides (case, activity, timestamp, start, resource, unit,
            lifecycle); they win over the profile, which wins over header detection.
        sheet: the worksheet of an .xlsx file.
        strict: raise :class:`~processmining.errors.StrictModeError` when any row is rejected.
        pseudonymise: replace resource names by keyed pseudonyms.
        key: the pseudonymisation key (default: :func:`~processmining.ingest.privacy.load_key`).
        merge_label_variants: merge activity labels differing only by case or whitespace.
        drop_duplicates: remove rows that are exact copies of an earlier row.
        dayfirst: day/month order of dates like 03/04/2025 when the data cannot tell.
        timezone: the time zone of naive times.
        now: timestamps after this are rejected as in the future (default: the current time).
        limits: the reader's limits (:mod:`processmining.ingest.limits`).
    """

    profile: Profile | None = None
    columns: Mapping[str, str] | None = None
    sheet: str | None = None
    strict: bool = False
    pseudonymise: bool = True
    key: bytes | None = None
    merge_label_variants: bool | None = None
    drop_duplicates: bool | None = None
    dayfirst: bool | None = None
    timezone: str | None = None
    now: pd.Timestamp | None = None
    limits: Limits | None = None

    def replace(self, **changes: Any) -> ReadOptions:
        """A copy with ``changes`` (e.g. one source's profile and columns in a merge)."""
        return dataclasses.replace(self, **changes)
