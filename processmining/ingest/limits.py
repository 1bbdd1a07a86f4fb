"""The reader's named limits: how much a file may expand, how long a line or a header may be.

A compressed export (``.csv.gz``, ``.xes.gz``), a workbook (a zip) or a Parquet file can expand to far more
than its size on disk; a line that never ends can hold the reader. Each limit has a name, a default sized
for real exports, and three ways to raise it (the first given wins):

====================  ==================  ======================  ==================================
limit                 default             profile ``[limits]``    environment variable
====================  ==================  ======================  ==================================
decompressed size     20 GB               ``max_decompressed``    ``PROCESSMINING_MAX_DECOMPRESSED``
compression ratio     200                 ``max_ratio``           ``PROCESSMINING_MAX_RATIO``
line length           16 MB               ``max_line``            ``PROCESSMINING_MAX_LINE``
header length         1 MB                ``max_header``          ``PROCESSMINING_MAX_HEADER``
====================  ==================  ======================  ==================================

(``read_log(..., limits=Limits(...))`` comes first of all.) Sizes are bytes or a number with KB, MB, GB
(powers of 1000) or KiB, MiB, GiB. The ratio is decompressed bytes per compressed byte, checked once
:data:`RATIO_FLOOR` bytes have come out (a small file may compress well). Exceeding a limit raises
:class:`~processmining.errors.LimitExceededError` with one line saying which limit and how to raise it.
See docs/refusals.md.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError, LimitExceededError

__all__ = ["RATIO_FLOOR", "Limits", "SizeGuard", "active", "applied", "parse_size", "resolve_limits"]

#: Below this many decompressed bytes the ratio is not checked (headers and small files compress well).
RATIO_FLOOR = 32 << 20

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}
#: field -> (profile key, environment variable, what it is called in messages)
_NAMES = {
    "max_decompressed_bytes": ("max_decompressed", "PROCESSMINING_MAX_DECOMPRESSED", "decompressed size"),
    "max_compression_ratio": ("max_ratio", "PROCESSMINING_MAX_RATIO", "compression ratio"),
    "max_line_bytes": ("max_line", "PROCESSMINING_MAX_LINE", "line length"),
    "max_header_bytes": ("max_header", "PROCESSMINING_MAX_HEADER", "header length"),
}
PROFILE_KEYS = tuple(v[0] for v in _NAMES.values())


@dataclass(frozen=True, slots=True)
class Limits:
    """The reader's limits (see the module docstring for defaults and how to raise them)."""

    max_decompressed_bytes: int = 20 * 10**9
    max_compression_ratio: float = 200.0
    max_line_bytes: int = 16 * 10**6
    max_header_bytes: int = 1 * 10**6


def parse_size(value: object, *, what: str) -> int:
    """``"20GB"``, ``"500 MiB"``, ``1000000`` -> bytes.

    Raises:
        ConfigError: not a size.
    """
    if isinstance(value, bool):
        raise ConfigError(f"{what}: must be a size like 20GB or 500MB, got {value!r}")
    if isinstance(value, int | float) and value > 0:
        return int(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*", str(value).lower())
    if match is None or float(match.group(1)) <= 0:
        raise ConfigError(f"{what}: must be a size like 20GB or 500MB, got {value!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2) or ""])


def _value(field: str, raw: object, what: str) -> int | float:
    if field == "max_compression_ratio":
        try:
            ratio = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{what}: must be a number like 200, got {raw!r}") from exc
        if not ratio > 1:
            raise ConfigError(f"{what}: must be a number above 1, got {raw!r}")
        return ratio
    return parse_size(raw, what=what)


def resolve_limits(profile_limits: Mapping[str, Any] | None = None, *, source: str = "profile",
                   environ: Mapping[str, str] | None = None) -> Limits:
    """The defaults, overridden by the environment, overridden by a profile's ``[limits]`` table."""
    env = os.environ if environ is None else environ
    changes: dict[str, Any] = {}
    for field in fields(Limits):
        key, variable, _ = _NAMES[field.name]
        if env.get(variable):
            changes[field.name] = _value(field.name, env[variable], variable)
        if profile_limits and key in profile_limits:
            changes[field.name] = _value(field.name, profile_limits[key], f"{source}: [limits] {key}")
    return replace(Limits(), **changes)


_ACTIVE: ContextVar[Limits | None] = ContextVar("processmining_limits", default=None)


def active() -> Limits:
    """The limits of the read in progress (:func:`applied`), else those of the environment."""
    current = _ACTIVE.get()
    return current if current is not None else resolve_limits()


@contextlib.contextmanager
def applied(limits: Limits) -> Iterator[Limits]:
    """Make ``limits`` the ones every reader below uses, for the duration of one read."""
    token = _ACTIVE.set(limits)
    try:
        yield limits
    finally:
        _ACTIVE.reset(token)


def how_to_raise(field: str) -> str:
    key, variable, _ = _NAMES[field]
    return f"raise it with {key} in the profile's [limits] table or the environment variable {variable}"


def _size(n: float) -> str:
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}".replace(".0 ", " ")
    return f"{int(n)} bytes"


def exceeded(path: Path | str, field: str, detail: str) -> LimitExceededError:
    """The one-line error for a limit reached: the file, what happened, the limit, how to raise it."""
    _, _, name = _NAMES[field]
    return LimitExceededError(f"{path}: {detail} (limit: {name}); if the file is genuine, {how_to_raise(field)}")


class SizeGuard:
    """Counts what a decompressing reader produced against the compressed bytes it consumed.

    ``check(consumed, produced)`` raises once ``produced`` passes the decompressed-size limit, or passes
    :data:`RATIO_FLOOR` at a ratio above the limit (measured on what was consumed so far, so a bomb is
    stopped after a few tens of MB, not after it filled the memory).
    """

    def __init__(self, path: Path | str, what: str, limits: Limits | None = None) -> None:
        self.path, self.what = path, what
        self.limits = limits or active()

    def check(self, consumed: int, produced: int) -> None:
        limits = self.limits
        if produced > limits.max_decompressed_bytes:
            raise exceeded(self.path, "max_decompressed_bytes",
                           f"{self.what} expands to more than {_size(limits.max_decompressed_bytes)}")
        if produced > RATIO_FLOOR and produced > limits.max_compression_ratio * max(consumed, 1):
            raise exceeded(self.path, "max_compression_ratio",
                           f"{self.what} expands more than {limits.max_compression_ratio:g} times "
                           f"({_size(consumed)} became {_size(produced)}): this looks like a decompression bomb")
