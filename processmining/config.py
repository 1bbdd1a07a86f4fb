"""Configuration files of the analyses, read into their settings: targets, clock stops, end activities, and the
automation candidates' weights.

The analyses themselves never open a file: they take the parsed content (``targets_from_mapping``,
``settings_from_mapping`` in :mod:`processmining.analyses.sla`); this module reads the TOML.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .analyses.candidates import CandidateConfig, candidate_config
from .analyses.sla import BottleneckSettings, Targets, settings_from_mapping, targets_from_mapping
from .errors import ConfigError

__all__ = ["load_candidate_config", "load_settings", "load_targets", "read_toml"]


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's content; a missing or malformed file is a :class:`ConfigError` naming it."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{Path(path).name}: not valid TOML: {exc}") from exc


def load_targets(path: Path) -> Targets:
    """Read targets from a TOML file.

    The file::

        [targets]
        attribute = "case:program"   # optional: pick the target by this case attribute
        unit = "workdays"            # or "days" (calendar days); default workdays
        default = 60                 # optional: for cases whose value is not listed
        Innovationscheck = 40        # value = days (or under a [targets.values] table)
        Exportcheck = 30
    """
    section = read_toml(path).get("targets")
    if not isinstance(section, dict):
        raise ConfigError(f"{Path(path).name}: no [targets] table; write [targets] then e.g. default = 40")
    return targets_from_mapping(section, source=Path(path).name)


def load_settings(path: Path) -> BottleneckSettings:
    """Read a bottleneck config file (see :func:`processmining.analyses.sla.settings_from_mapping`)."""
    return settings_from_mapping(read_toml(path), source=Path(path).name)


def load_candidate_config(path: Path | None = None, *, needs_human: Sequence[str] = (), outside: Sequence[str] = (),
                          automated: Sequence[str] = ()) -> CandidateConfig:
    """The shipped candidate weights, overridden key by key by the TOML file at ``path`` (if given).

    Args:
        path: a TOML file shaped like ``processmining/data/candidates.toml``; keys left out keep the
            default, unknown keys are an error.
        needs_human: activity names that are judgement steps whatever the data says (``--needs-human``).
        outside: activity names that are outside events (``--outside``).
        automated: activity names that are already automated (``--automated``).

    Raises:
        ConfigError: the file is missing or not TOML, a key is unknown or a value out of range.
    """
    default_text = resources.files("processmining").joinpath("data/candidates.toml").read_text("utf-8")
    if path is None:
        return candidate_config(default_text, needs_human=needs_human, outside=outside, automated=automated)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the candidates config ({exc.strerror or exc})") from exc
    return candidate_config(default_text, text, origin=str(path), needs_human=needs_human, outside=outside,
                            automated=automated)
