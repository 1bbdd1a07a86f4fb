"""Source profiles: one TOML file per export format, saying how its columns map onto the contract.

```toml
name = "Demo grant system export"          # shown in reports
description = "Semicolon CSV from the case-handling system"
format = "csv"                             # optional: csv | xlsx | xes | parquet; else detected
[csv]                                      # all optional; detected when absent
delimiter = ";"
encoding = "utf-8-sig"                     # or "cp1252"
decimal = ","
[excel]
sheet = "Händelser"                        # default: the first sheet with a detectable header
[columns]                                  # source header per role; case/activity/timestamp required
case = "Diarienummer"
activity = "Aktivitet"
timestamp = "Tidpunkt"
start = "Starttid"                         # optional roles: start, resource, unit, lifecycle
resource = "Handläggare"
unit = "Enhet"
[attributes]                               # other source columns -> contract names
Belopp = "case:amount"
[timestamps]
format = "%Y-%m-%d %H:%M"                  # optional strptime format; else detected
dayfirst = true                            # only when dd/mm vs mm/dd cannot be told from the data
timezone = "Europe/Stockholm"              # for naive times
earliest = "2000-01-01"                    # rows before this are rejected as implausible
[labels]
merge_variants = false                     # merge activity labels differing only by case/whitespace
[validation]
drop_duplicates = false                    # remove rows that are exact copies of an earlier row
[limits]                                   # optional: raise the reader's limits (docs/refusals.md)
max_decompressed = "20GB"                  # .gz, .xlsx and Parquet: most bytes a file may expand to
max_ratio = 200                            # most decompressed bytes per compressed byte
max_line = "16MB"                          # longest line (row) of a CSV file
max_header = "1MB"                         # longest header line of a CSV file
```
"""

from __future__ import annotations

import codecs
import datetime as dt
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..defaults import DEFAULT_TIMEZONE
from ..errors import ConfigError
from .limits import PROFILE_KEYS as LIMIT_KEYS
from .limits import resolve_limits

__all__ = ["DEFAULT_EARLIEST", "ROLES", "Profile", "load_profile", "parse_profile", "resolve_profile"]

#: Roles a source column can play, in the order they are resolved.
ROLES = ("case", "activity", "timestamp", "start", "resource", "unit", "lifecycle")
REQUIRED_ROLES = ("case", "activity", "timestamp")
DEFAULT_EARLIEST = dt.date(1990, 1, 1)
PROFILE_DIR = Path("event_logs") / "profiles"

_SECTIONS: dict[str, tuple[str, ...]] = {
    "": ("name", "description", "format", "csv", "excel", "columns", "attributes", "timestamps", "labels",
         "validation", "limits"),
    "limits": LIMIT_KEYS,
    "csv": ("delimiter", "encoding", "decimal"),
    "excel": ("sheet",),
    "columns": ROLES,
    "timestamps": ("format", "dayfirst", "timezone", "earliest"),
    "labels": ("merge_variants",),
    "validation": ("drop_duplicates",),
}


@dataclass(frozen=True, slots=True)
class Profile:
    """How one export format maps onto the event-log contract (see the module docstring)."""

    name: str
    path: str = ""
    description: str = ""
    format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    decimal: str | None = None
    sheet: str | None = None
    #: role (case, activity, timestamp, start, resource, unit, lifecycle) -> source column
    columns: Mapping[str, str] = field(default_factory=dict)
    #: source column -> contract column (case attributes start with ``case:``)
    attributes: Mapping[str, str] = field(default_factory=dict)
    timestamp_format: str | None = None
    dayfirst: bool | None = None
    timezone: str = DEFAULT_TIMEZONE
    earliest: dt.date = DEFAULT_EARLIEST
    merge_label_variants: bool = False
    drop_duplicates: bool = False
    #: the ``[limits]`` table as written (checked on load): see :mod:`processmining.ingest.limits`
    limits: Mapping[str, Any] = field(default_factory=dict)


def _fail(path: Path, key: str, what: str) -> ConfigError:
    return ConfigError(f"{path}: {key}: {what}")


def _text(path: Path, data: Mapping[str, Any], section: str, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        name = f"[{section}] {key}" if section else key
        raise _fail(path, name, f"must be a non-empty text in quotes, got {value!r}")
    return value


def _section(path: Path, data: Mapping[str, Any], section: str) -> Mapping[str, Any]:
    value = data.get(section, {})
    if not isinstance(value, dict):
        raise _fail(path, f"[{section}]", "must be a table (a [section] with key = value lines)")
    return value


def _check_keys(path: Path, data: Mapping[str, Any], section: str) -> None:
    if section in ("attributes",):
        return
    known = _SECTIONS[section]
    for key in data:
        if key not in known:
            where = f"[{section}]" if section else "top level"
            raise _fail(path, f"{where} {key}".strip(), f"unknown key; known keys: {', '.join(known)}")


def load_profile(path: str | Path) -> Profile:
    """Read and check a source profile (TOML).

    Raises:
        ConfigError: naming the file and the key that is wrong (or the TOML line that does not parse).
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such profile; profiles live in {PROFILE_DIR}/ as NAME.toml") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the profile ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    return parse_profile(data, path=path)


def parse_profile(data: Mapping[str, Any], *, path: str | Path) -> Profile:
    """Check a profile given as a mapping (a parsed TOML table) and make it a :class:`Profile`.

    Used by :func:`load_profile` and for profiles written inline in a project file
    (:mod:`processmining.ingest.merge`).

    Args:
        data: the profile's keys, as in the module docstring.
        path: where the profile is written, for messages and ``Profile.path`` (a file, or a
            description such as ``"project.toml [sources.profile] of ekonomisystem"``).

    Raises:
        ConfigError: naming ``path`` and the key that is wrong.
    """
    path = Path(path)
    _check_keys(path, data, "")
    csv_section = _section(path, data, "csv")
    excel = _section(path, data, "excel")
    columns = _section(path, data, "columns")
    attributes = _section(path, data, "attributes")
    stamps = _section(path, data, "timestamps")
    labels = _section(path, data, "labels")
    validation = _section(path, data, "validation")
    limits = _section(path, data, "limits")
    for name, section in (("csv", csv_section), ("excel", excel), ("columns", columns),
                          ("timestamps", stamps), ("labels", labels), ("validation", validation),
                          ("limits", limits)):
        _check_keys(path, section, name)

    fmt = _text(path, data, "", "format")
    if fmt is not None and fmt not in ("csv", "xlsx", "xes", "parquet"):
        raise _fail(path, "format", f"{fmt!r} is not one of csv, xlsx, xes, parquet")
    delimiter = _text(path, csv_section, "csv", "delimiter")
    if delimiter is not None:
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1:
            raise _fail(path, "[csv] delimiter", f"must be one character (e.g. \";\" or \"\\t\"), got {delimiter!r}")
    encoding = _text(path, csv_section, "csv", "encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise _fail(path, "[csv] encoding", f"unknown encoding {encoding!r}; use utf-8-sig or cp1252") from exc
    decimal = _text(path, csv_section, "csv", "decimal")
    if decimal is not None and decimal not in (",", "."):
        raise _fail(path, "[csv] decimal", f"must be \",\" or \".\", got {decimal!r}")

    role_map: dict[str, str] = {}
    for role in ROLES:
        value = _text(path, columns, "columns", role)
        if value is not None:
            role_map[role] = value
    if columns:
        missing = [r for r in REQUIRED_ROLES if r not in role_map]
        if missing:
            raise _fail(path, "[columns]", f"missing {', '.join(missing)} (case, activity and timestamp are required)")
    attr_map: dict[str, str] = {}
    for source, target in attributes.items():
        if not isinstance(target, str) or not target:
            raise _fail(path, f"[attributes] {source}", f"must name a contract column in quotes, got {target!r}")
        attr_map[str(source)] = target

    tz = _text(path, stamps, "timestamps", "timezone") or DEFAULT_TIMEZONE
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise _fail(path, "[timestamps] timezone", f"unknown time zone {tz!r} (e.g. \"Europe/Stockholm\")") from exc
    dayfirst = stamps.get("dayfirst")
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise _fail(path, "[timestamps] dayfirst", f"must be true or false, got {dayfirst!r}")
    earliest_raw = stamps.get("earliest", DEFAULT_EARLIEST)
    bad_date = f"must be a date like \"2000-01-01\", got {earliest_raw!r}"
    if isinstance(earliest_raw, dt.datetime):
        earliest = earliest_raw.date()
    elif isinstance(earliest_raw, dt.date):
        earliest = earliest_raw
    elif isinstance(earliest_raw, str):
        try:
            earliest = dt.date.fromisoformat(earliest_raw)
        except ValueError as exc:
            raise _fail(path, "[timestamps] earliest", bad_date) from exc
    else:
        raise _fail(path, "[timestamps] earliest", bad_date)
    merge = labels.get("merge_variants", False)
    if not isinstance(merge, bool):
        raise _fail(path, "[labels] merge_variants", f"must be true or false, got {merge!r}")
    drop = validation.get("drop_duplicates", False)
    if not isinstance(drop, bool):
        raise _fail(path, "[validation] drop_duplicates", f"must be true or false, got {drop!r}")

    resolve_limits(limits, source=str(path), environ={})  # a wrong value is named now, not at the read

    return Profile(
        name=_text(path, data, "", "name") or path.stem,
        path=str(path),
        description=_text(path, data, "", "description") or "",
        format=fmt,
        delimiter=delimiter,
        encoding=encoding,
        decimal=decimal,
        sheet=_text(path, excel, "excel", "sheet"),
        columns=role_map,
        attributes=attr_map,
        timestamp_format=_text(path, stamps, "timestamps", "format"),
        dayfirst=dayfirst,
        timezone=tz,
        earliest=earliest,
        merge_label_variants=merge,
        drop_duplicates=drop,
        limits=dict(limits),
    )


def resolve_profile(profile: Profile | str | Path | None) -> Profile | None:
    """A profile object from a profile, a path, or a bare name found in ``event_logs/profiles/``."""
    if profile is None or isinstance(profile, Profile):
        return profile
    path = Path(profile)
    if not path.exists() and not path.suffix and len(path.parts) == 1:
        candidate = PROFILE_DIR / f"{path.name}.toml"
        if candidate.exists():
            path = candidate
    return load_profile(path)
