"""Which source column plays which role: profile, command-line overrides, else header detection.

Headers are compared case-insensitively, ignoring accents, spaces, underscores and punctuation
(``Ärende-ID`` matches ``arendeid``). Each role has a list of known headers, Swedish and English,
best first; pm4py's own names (``case:concept:name``, ...) come first so logs written by pm4py map
onto themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

from ..errors import MissingColumnsError
from .profiles import REQUIRED_ROLES, ROLES, Profile

__all__ = ["LIFECYCLE_COMPLETE", "LIFECYCLE_START", "SYNONYMS", "detect_roles", "normalise_header"]

SYNONYMS: dict[str, tuple[str, ...]] = {
    "case": ("case:concept:name", "case id", "caseid", "case", "case_id", "ärendenummer", "ärende-id", "ärende",
             "ärendenr", "diarienummer", "diarienr", "dnr"),
    "activity": ("concept:name", "activity", "activity name", "aktivitet", "händelse", "händelsetyp", "steg",
                 "event"),
    "timestamp": ("time:timestamp", "timestamp", "complete timestamp", "end time", "end timestamp", "tidpunkt",
                  "sluttid", "klar", "datum", "tid"),
    "start": ("start_timestamp", "start timestamp", "start time", "starttid", "start"),
    "resource": ("org:resource", "resource", "handläggare", "utförare", "användare", "user"),
    "unit": ("org:group", "unit", "enhet", "avdelning", "grupp", "department"),
    "lifecycle": ("lifecycle:transition", "lifecycle", "livscykel", "transition"),
}
#: A column named like this is the lifecycle column only when its values look like transitions.
STATUS_HEADERS = ("status",)

LIFECYCLE_START = frozenset({"start", "started", "startad", "påbörjad"})
LIFECYCLE_COMPLETE = frozenset({"complete", "completed", "klar", "avslutad", "end"})
#: XES standard lifecycle transitions other than start/complete.
LIFECYCLE_OTHER = frozenset({"schedule", "assign", "reassign", "resume", "suspend", "autoskip", "manualskip",
                             "withdraw", "ate_abort", "pi_abort", "unknown"})


def normalise_header(header: str) -> str:
    """Lower case, accents removed, only letters and digits kept: ``"Ärende-ID"`` -> ``"arendeid"``."""
    text = unicodedata.normalize("NFKD", str(header).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", text)


_NORMALISED = {role: tuple(normalise_header(s) for s in names) for role, names in SYNONYMS.items()}


def looks_like_lifecycle(values: Sequence[str]) -> bool:
    """True when the distinct values are lifecycle transitions, with at least one start or complete."""
    words = {str(v).strip().casefold() for v in values if str(v).strip()}
    known = LIFECYCLE_START | LIFECYCLE_COMPLETE | LIFECYCLE_OTHER
    return bool(words) and words <= known and bool(words & (LIFECYCLE_START | LIFECYCLE_COMPLETE))


def candidates(columns: Sequence[str], role: str) -> list[str]:
    """Columns whose header is a known name for ``role``, best first."""
    ranked: list[tuple[int, int, str]] = []
    names = _NORMALISED[role]
    for position, column in enumerate(columns):
        key = normalise_header(column)
        if key in names:
            ranked.append((names.index(key), position, column))
    return [c for _, _, c in sorted(ranked)]


def detect_roles(
    columns: Sequence[str],
    *,
    path: str,
    profile: Profile | None = None,
    overrides: Mapping[str, str] | None = None,
    distinct_values: Callable[[str], Sequence[str]] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Decide the source column for each role.

    Command-line overrides win over the profile's ``[columns]``, which win over header detection.

    Args:
        columns: the source's column names.
        path: the file, for messages.
        profile: the source profile, if any.
        overrides: role -> column given on the command line (``--case`` etc.).
        distinct_values: returns a column's distinct values (to recognise a ``Status`` lifecycle column).

    Returns:
        (role -> column for the roles found, notes saying how each was decided)

    Raises:
        MissingColumnsError: a named column does not exist, or case/activity/timestamp cannot be found.
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v}
    unknown = [k for k in overrides if k not in ROLES]
    if unknown:
        raise MissingColumnsError(f"{path}: unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}")
    declared = dict(profile.columns) if profile else {}
    found_text = ", ".join(columns)
    roles: dict[str, str] = {}
    how: dict[str, str] = {}
    for role, column in [*declared.items(), *overrides.items()]:
        if column not in columns:
            from_option = role in overrides and overrides[role] == column
            origin = "--" + role if from_option or profile is None else f"profile {profile.path}"
            raise MissingColumnsError(
                f"{path}: column {column!r} ({origin}, {role}) is not in the file; found: {found_text}"
            )
        roles[role] = column
        how[role] = "option" if role in overrides and overrides[role] == column else "profile"
    taken = set(roles.values())
    for role in ROLES:
        if role in roles:
            continue
        for column in candidates(columns, role):
            if column in taken:
                continue
            if (role == "lifecycle" and distinct_values is not None
                    and not looks_like_lifecycle(distinct_values(column))):
                continue
            roles[role] = column
            how[role] = "detected"
            taken.add(column)
            break
        if role == "lifecycle" and role not in roles and distinct_values is not None:
            for column in columns:
                if (column not in taken and normalise_header(column) in STATUS_HEADERS
                        and looks_like_lifecycle(distinct_values(column))):
                    roles[role] = column
                    how[role] = "detected from its values"
                    taken.add(column)
                    break
    missing = [r for r in REQUIRED_ROLES if r not in roles]
    if missing:
        words = {"case": "case id", "activity": "activity", "timestamp": "timestamp"}
        what = " and no ".join(words[r] for r in missing)
        options = "/".join(f"--{r}" for r in missing)
        raise MissingColumnsError(
            f"{path}: no {what} column; found: {found_text or '(no columns)'}. "
            f"Pass {options} COLUMN or a profile (--profile)"
        )
    parts = [f"{role}={roles[role]!r}" + ("" if how[role] == "detected" else f" ({how[role]})")
             for role in ROLES if role in roles]
    return roles, [f"columns: {', '.join(parts)}"]
