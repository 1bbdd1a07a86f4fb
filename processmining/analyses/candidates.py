"""Automation candidates: which activities are worth automating, with the evidence behind each figure.

Commercial tools rank steps by frequency and cost; the research on robotic process mining adds what makes
a step automatable: it is triggered by the same step, its input determines its output, it is short and
steady, many people do it the same way, and it is rarely redone. This analysis does both and explains
every number (docs/candidates.md; every threshold and weight in ``processmining/data/candidates.toml``).

1. **Class** of every activity, decided from the data first; each signal is shown with its value, its
   threshold and whether it holds (the names are one signal among others, so a renamed export is
   classed the same way):

   - ``outside_event``: caused by someone outside the agency: it starts cases, it is done by the
     applicant (external users), it arrives outside working hours while no system does it, nobody works
     on it (no start time while other steps have them), its performer is an e-service/system or
     missing, its name holds *inkommen, mottagen, received, ...*; needs ``points`` signals, one of them
     other than the performer/no-work ones (those a system step has too). Status ``external``.
   - ``already_automated``: done by system users (alone enough at ``already_automated_share``), its
     timestamps at whole minutes while other steps have seconds (another system's clock), one performer
     does it all. Status ``already_automated``.
   - ``judgement``: needs a person's assessment: long and widely spread work, branching outcomes
     (entropy of what follows), few performers, rework, a name such as *beslut, utredning, assessment*.
     Flagged ``needs_human=True``, listed after the ranked ones, never ranked. Status ``needs_human``.
   - ``administrative``: the rest: ranked (status ``ranked``), or ``too_few_events`` below ``min_events``.

   ``--needs-human``, ``--outside`` and ``--automated`` (the config's ``[classes]`` lists) decide the
   class whatever the data says; the evidence still shows the signals.

2. **Score** of every activity: a transparent weighted mean of normalised terms (:data:`FEATURES`):
   volume, coverage, determinism (``2 ** -H(next | previous)``), predecessor predictability, short
   service, low variability, many performers, the queue before it, low rework and the manual share.
   Every candidate carries its measured figures, the normalised terms, the weights and the weighted
   contributions (they add up to the score); :meth:`Candidate.score_terms` lists them term by term.

3. **Action** of every ranked step: what the toolkit can do about it (:data:`ACTIONS`): the
   acknowledgement flow when it follows the case's arrival, the reminder flow when an outside party
   answers it, a forward/handover rule when it passes the case to another person, the target alert and
   weekly report when a long queue stands before it, else "needs an integration with the case system".

Hours saved per year are estimated under stated assumptions (``[hours]`` in the config).
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..errors import AnalysisError, ConfigError
from ..formatting import fmt_number, fmt_share, json_ready
from ..log import ACTIVITY, GROUP, RESOURCE, START, TIMESTAMP, EventLog, release_unused_memory
from .edges import event_work_seconds, transition_waits
from .order_stats import group_order, segment_stats

__all__ = [
    "FEATURES",
    "STATUSES",
    "TERM_LABELS",
    "ACTIONS",
    "CLASSES",
    "CLASS_LABELS",
    "Candidate",
    "CandidateConfig",
    "ClassRules",
    "CandidateReport",
    "discretionary_match",
    "find_candidates",
    "candidate_config",
    "word_match",
]

#: The terms of the score, in the order they are shown (documented in ``data/candidates.toml``).
FEATURES = (
    "volume",
    "coverage",
    "determinism",
    "predecessor_predictability",
    "short_service",
    "low_variability",
    "many_performers",
    "queue_wait",
    "low_rework",
    "manual_share",
)
#: Class of an activity (decided from the data first, see ``[classes]`` in ``data/candidates.toml``).
CLASSES = ("administrative", "judgement", "already_automated", "outside_event")
#: Status of an activity, in the order the report lists them (``ranked``/``too_few_events`` are the
#: administrative steps; ``needs_human`` = judgement, ``external`` = outside event).
STATUSES = ("ranked", "needs_human", "already_automated", "external", "too_few_events")
_STATUS_OF_CLASS = {"judgement": "needs_human", "already_automated": "already_automated",
                    "outside_event": "external"}
#: What the toolkit can do about a ranked step (the automations in ``automations/``), in rule order.
ACTIONS = ("acknowledgement", "reminder", "handover", "target_alert", "integration")
#: Pseudo-activities for the case's start (as predecessor) and end (as successor).
CASE_START = "(case start)"
CASE_END = "(case end)"

_DAYS_PER_YEAR = 365.25
_DAYS_PER_MONTH = _DAYS_PER_YEAR / 12


# ---- configuration --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ClassRules:
    """Thresholds and words of the activity classes (``[classes]`` in ``data/candidates.toml``)."""

    points: int = 2
    start_share: float = 0.5
    off_hours_share: float = 0.25
    off_hours_ratio: float = 2.0
    outside_words: tuple[str, ...] = ()
    single_performer_share: float = 0.95
    long_service_minutes: float = 60.0
    long_wait_workdays: float = 5.0
    wide_spread: float = 0.2
    branching_bits: float = 1.0
    few_performers: int = 4
    rework_share: float = 0.05
    judgement_words: tuple[str, ...] = ()
    needs_human: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()
    automated: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {name: list(v) if isinstance(v, tuple) else v
                for name in self.__slots__ for v in [getattr(self, name)]}


@dataclass(frozen=True, slots=True)
class CandidateConfig:
    """Weights and assumptions of the candidate analysis (defaults: ``processmining/data/candidates.toml``).

    Build it with :func:`processmining.config.load_candidate_config`; the fields mirror the TOML sections.
    """

    weights: Mapping[str, float]
    queue_half_workdays: float
    system_patterns: tuple[str, ...]
    already_automated_share: float
    external_patterns: tuple[str, ...]
    external_share: float
    classes: ClassRules
    default_minutes_per_event: float
    automatable_share: float
    needs_human_automatable_share: float
    minutes_per_activity: Mapping[str, float] = field(default_factory=dict)
    min_events: int = 10
    short_service_half_minutes: float = 30.0
    #: Where the values came from: "default" or the path of the user's file.
    origin: str = "default"

    @classmethod
    def default(cls) -> CandidateConfig:
        """The shipped defaults (the package's own ``data/candidates.toml``, part of the code, not input)."""
        return candidate_config(resources.files("processmining").joinpath("data/candidates.toml").read_text("utf-8"))

    def with_overrides(self, *, needs_human: Iterable[str] = (), outside: Iterable[str] = (),
                       automated: Iterable[str] = ()) -> CandidateConfig:
        """A copy whose class overrides also hold these activity names (the user's own lists)."""

        def merged(old: tuple[str, ...], extra: Iterable[str]) -> tuple[str, ...]:
            seen = {o.casefold() for o in old}
            new = tuple(n.strip() for n in extra if n and n.strip() and n.strip().casefold() not in seen)
            return old + tuple(dict.fromkeys(new))

        rules = self.classes
        return replace(self, classes=replace(
            rules, needs_human=merged(rules.needs_human, needs_human), outside=merged(rules.outside, outside),
            automated=merged(rules.automated, automated)))

    def with_needs_human(self, names: Iterable[str]) -> CandidateConfig:
        """A copy whose judgement overrides also hold ``names`` (the user's own list)."""
        return self.with_overrides(needs_human=names)

    def as_dict(self) -> dict[str, Any]:
        """The configuration as JSON-ready values (shown with the results as the stated assumptions)."""
        return {
            "origin": self.origin,
            "weights": dict(self.weights),
            "queue_half_workdays": self.queue_half_workdays,
            "short_service_half_minutes": self.short_service_half_minutes,
            "system_patterns": list(self.system_patterns),
            "already_automated_share": self.already_automated_share,
            "external_patterns": list(self.external_patterns),
            "external_share": self.external_share,
            "classes": self.classes.as_dict(),
            "default_minutes_per_event": self.default_minutes_per_event,
            "minutes_per_activity": dict(self.minutes_per_activity),
            "automatable_share": self.automatable_share,
            "needs_human_automatable_share": self.needs_human_automatable_share,
            "min_events": self.min_events,
        }


_CLASS_NUMBERS = ("start_share", "off_hours_share", "off_hours_ratio", "single_performer_share",
                  "long_service_minutes", "long_wait_workdays", "wide_spread", "branching_bits", "rework_share")
_CLASS_COUNTS = ("points", "few_performers")
_CLASS_LISTS = ("outside_words", "judgement_words", "needs_human", "outside", "automated")
_SCHEMA: dict[str, set[str]] = {
    "weights": set(FEATURES),
    "normalisation": {"queue_half_workdays", "short_service_half_minutes"},
    "system_users": {"patterns", "already_automated_share"},
    "external_users": {"patterns", "share"},
    "classes": set(_CLASS_NUMBERS) | set(_CLASS_COUNTS) | set(_CLASS_LISTS),
    "hours": {"default_minutes_per_event", "automatable_share", "needs_human_automatable_share",
              "minutes_per_activity"},
    "ranking": {"min_events"},
}

def _read_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from exc
    for section, value in data.items():
        if section not in _SCHEMA:
            raise ConfigError(f"{origin}: unknown section [{section}]; known: {', '.join(sorted(_SCHEMA))}")
        if not isinstance(value, dict):
            raise ConfigError(f"{origin}: {section} must be a table ([{section}])")
        unknown = set(value) - _SCHEMA[section]
        if unknown:
            raise ConfigError(
                f"{origin}: unknown key(s) {', '.join(sorted(unknown))} in [{section}]; "
                f"known: {', '.join(sorted(_SCHEMA[section]))}"
            )
    return data


def candidate_config(default_text: str, user_text: str | None = None, *, origin: str = "default",
                     needs_human: Sequence[str] = (), outside: Sequence[str] = (),
                     automated: Sequence[str] = ()) -> CandidateConfig:
    """The shipped defaults (``default_text``: ``processmining/data/candidates.toml``), overridden key by key by
    a user's TOML (``user_text``, read from ``origin``); :func:`processmining.config.load_candidate_config`
    reads both files.

    Args:
        default_text, user_text: TOML text; in the user's, keys left out keep the default, unknown keys are
            an error.
        needs_human: activity names that are judgement steps whatever the data says (``--needs-human``).
        outside: activity names that are outside events (``--outside``).
        automated: activity names that are already automated (``--automated``).

    Raises:
        ConfigError: not TOML, a key is unknown or a value out of range.
    """
    data = _read_toml(default_text, "candidates.toml (default)")
    if user_text is not None:
        user = _read_toml(user_text, origin)
        for section, values in user.items():
            merged = dict(data.get(section, {}))
            merged.update(values)
            data[section] = merged
    config = _build_config(data, origin if user_text is not None else "default")
    if needs_human or outside or automated:
        config = config.with_overrides(needs_human=needs_human, outside=outside, automated=automated)
    return config


def _number(data: dict[str, Any], section: str, key: str, origin: str, *, low: float = 0.0,
            high: float = math.inf) -> float:
    value = data[section][key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= float(value) <= high:
        bound = f"between {low:g} and {high:g}" if high != math.inf else f"at least {low:g}"
        raise ConfigError(f"{origin}: [{section}] {key} = {value!r} must be a number {bound}")
    return float(value)


def _count(data: dict[str, Any], section: str, key: str, origin: str) -> int:
    value = data[section][key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{origin}: [{section}] {key} = {value!r} must be a whole number >= 1")
    return int(value)


def _strings(data: dict[str, Any], section: str, key: str, origin: str) -> tuple[str, ...]:
    value = data[section].get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{origin}: [{section}] {key} must be a list of strings")
    return tuple(value)


def _patterns(data: dict[str, Any], section: str, origin: str) -> tuple[str, ...]:
    patterns = _strings(data, section, "patterns", origin)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{origin}: [{section}] pattern {pattern!r} is not a valid regex: {exc}") from exc
    return patterns


def _build_config(data: dict[str, Any], origin: str) -> CandidateConfig:
    weights = {name: _number(data, "weights", name, origin) for name in FEATURES}
    if sum(weights.values()) <= 0:
        raise ConfigError(f"{origin}: [weights] are all 0; give at least one feature a positive weight")
    minutes = data["hours"].get("minutes_per_activity", {})
    if not isinstance(minutes, dict):
        raise ConfigError(f"{origin}: [hours.minutes_per_activity] must be a table of \"activity\" = minutes")
    for name, value in minutes.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{origin}: [hours.minutes_per_activity] {name!r} = {value!r} must be minutes >= 0")
    min_events = data["ranking"]["min_events"]
    if isinstance(min_events, bool) or not isinstance(min_events, int) or min_events < 1:
        raise ConfigError(f"{origin}: [ranking] min_events = {min_events!r} must be a whole number >= 1")
    section = data["classes"]
    values: dict[str, Any] = {k: _number(data, "classes", k, origin) for k in _CLASS_NUMBERS if k in section}
    values.update({k: _count(data, "classes", k, origin) for k in _CLASS_COUNTS if k in section})
    values.update({k: tuple(dict.fromkeys(w.strip() for w in _strings(data, "classes", k, origin) if w.strip()))
                   for k in _CLASS_LISTS})
    rules = ClassRules(**values)
    return CandidateConfig(
        weights=weights,
        queue_half_workdays=_number(data, "normalisation", "queue_half_workdays", origin, low=1e-9),
        system_patterns=_patterns(data, "system_users", origin),
        already_automated_share=_number(data, "system_users", "already_automated_share", origin, high=1.0),
        external_patterns=_patterns(data, "external_users", origin),
        external_share=_number(data, "external_users", "share", origin, high=1.0),
        classes=rules,
        short_service_half_minutes=_number(data, "normalisation", "short_service_half_minutes", origin, low=1e-9),
        default_minutes_per_event=_number(data, "hours", "default_minutes_per_event", origin),
        automatable_share=_number(data, "hours", "automatable_share", origin, high=1.0),
        needs_human_automatable_share=_number(data, "hours", "needs_human_automatable_share", origin, high=1.0),
        minutes_per_activity={str(k): float(v) for k, v in minutes.items()},
        min_events=int(min_events),
        origin=origin,
    )


# ---- results --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Candidate:
    """One activity with its score and the evidence behind it.

    Attributes:
        activity: the activity name.
        status: one of :data:`STATUSES`.
        rank: 1 = best candidate; ``None`` unless ``status == "ranked"``.
        score: weighted mean of the normalised features, 0..1 (computed for every activity, so that
            the unranked ones can be compared too).
        hours_saved_per_year: estimated under the report's assumptions.
        needs_human: the step involves a discretionary decision (never ranked as automatable).
        reason: why it is not ranked ("" for ranked ones).
        reason_sv: the same in Swedish.
        why: one line naming the strongest contributions, for tables (English).
        why_sv: the same in Swedish.
        evidence: ``features`` (measured values), ``normalised`` (0..1), ``weights`` and
            ``contributions`` (weight x normalised / sum of weights; they add up to the score).
        activity_class: one of :data:`CLASSES`.
        class_evidence: how the class was decided: ``decided_by`` ("data" or the override), ``points``
            per class, and ``signals`` (each: ``class``, ``signal``, ``value``, ``threshold``, ``met``,
            ``text``, ``text_sv``).
        action: for ranked steps, what the toolkit can do about it: ``kind`` (one of :data:`ACTIONS`),
            ``automation`` (the flow's automation, or None), ``text``, ``text_sv``, ``evidence``; else None.
    """

    activity: str
    status: str
    rank: int | None
    score: float
    hours_saved_per_year: float
    needs_human: bool
    reason: str
    reason_sv: str
    why: str
    why_sv: str
    evidence: Mapping[str, Mapping[str, Any]]
    activity_class: str = "administrative"
    class_evidence: Mapping[str, Any] = field(default_factory=dict)
    action: Mapping[str, Any] | None = None

    def score_terms(self) -> list[dict[str, Any]]:
        """Every term of the score with its measured value, normalised value, weight and contribution."""
        measured = _TERM_MEASURE
        features = self.evidence["features"]
        return [{"term": n, "measured": features.get(measured[n]), "measured_as": measured[n],
                 "normalised": self.evidence["normalised"][n], "weight": self.evidence["weights"][n],
                 "contribution": self.evidence["contributions"][n]} for n in FEATURES]

    def to_summary(self) -> dict[str, Any]:
        """JSON-ready dict in DESIGN.md's ``automation_candidates`` shape (plus rank, status, reason)."""
        return {
            "activity": self.activity,
            "rank": self.rank,
            "status": self.status,
            "score": json_ready(self.score),
            "hours_saved_per_year": json_ready(self.hours_saved_per_year),
            "needs_human": self.needs_human,
            "reason": self.reason,
            "reason_sv": self.reason_sv,
            "why": self.why,
            "why_sv": self.why_sv,
            "class": self.activity_class,
            "class_evidence": json_ready(self.class_evidence),
            "action": json_ready(self.action) if self.action is not None else None,
            "score_terms": json_ready(self.score_terms()),
            "evidence": {part: {k: json_ready(v) for k, v in values.items()} for part, values in self.evidence.items()},
        }


@dataclass(frozen=True, slots=True)
class CandidateReport:
    """Automation candidates of one log.

    Attributes:
        table: one row per activity, in report order (ranked by rank, then needs_human, then the other
            unranked ones, each by score). Columns: ``activity``, ``status``, ``rank`` (Int64, NA when
            not ranked), ``score``, ``hours_saved_per_year``, ``needs_human``, ``reason``, ``reason_sv``,
            ``why``, ``why_sv``;
            volume: ``events``, ``cases``, ``case_share``, ``events_per_month``, ``events_per_year``;
            service time (working minutes, where starts exist): ``service_events``,
            ``service_minutes_median``, ``service_minutes_q1``, ``service_minutes_q3``,
            ``service_minutes_iqr``, ``service_minutes_p90``; waiting before it: ``wait_before_n``,
            ``wait_before_workdays_median``, ``..._q1``, ``..._q3``, ``..._iqr``, ``..._p90``,
            ``wait_before_days_median``; spread: ``variability_basis`` ("service", "wait_before" or
            None), ``variability`` ((Q3-Q1)/(Q3+Q1)); determinism: ``successor_entropy_bits``,
            ``successor_predictability``, ``successors``, ``top_successor``, ``top_successor_share``
            and the same for ``predecessor``; people: ``resources``, ``top_resource_share``,
            ``system_share``, ``external_share``; rework: ``rework_cases``, ``rework_share``; hours:
            ``minutes_per_event``, ``minutes_source``, ``automatable_share``; then ``norm_<feature>``
            and ``contrib_<feature>`` for each of :data:`FEATURES`.
        candidates: the ranked candidates, best first.
        needs_human: activities flagged as needing a human (discretionary), by score; never ranked.
        not_ranked: already automated, external and too-rare activities, by status then score.
        assumptions: the stated assumptions behind the figures (span, calendar, config values).
        config: the configuration used.
        warnings: what limits the figures on this log (no resources, pseudonymised system users,
            a short span), one sentence each; also in ``assumptions["warnings"]``.
    """

    table: pd.DataFrame
    candidates: tuple[Candidate, ...]
    needs_human: tuple[Candidate, ...]
    not_ranked: tuple[Candidate, ...]
    assumptions: Mapping[str, Any]
    config: CandidateConfig
    warnings: tuple[str, ...] = ()

    def all(self) -> tuple[Candidate, ...]:
        """Every activity in report order: ranked, then needs_human, then the other unranked ones."""
        return self.candidates + self.needs_human + self.not_ranked

    def get(self, activity: str) -> Candidate:
        """The entry of one activity (KeyError when the log has no such activity)."""
        for candidate in self.all():
            if candidate.activity == activity:
                return candidate
        raise KeyError(activity)

    def to_summary(self, *, top: int | None = None) -> dict[str, Any]:
        """``{"automation_candidates": [...], "automation_assumptions": {...}}`` for summary.json.

        The list holds the ranked candidates (best first, at most ``top`` of them), then every
        needs_human one, then the other unranked ones; each with ``activity``, ``rank``, ``status``,
        ``score``, ``hours_saved_per_year``, ``needs_human``, ``reason``, ``reason_sv``, ``why``, ``why_sv``
        and ``evidence``.
        """
        ranked = self.candidates if top is None else self.candidates[:top]
        listed = ranked + self.needs_human + self.not_ranked
        # Bounded: a log of 100,000 distinct activities listed them all (300 MB of summary.json). Past
        # SUMMARY_MAX_ITEMS the list stops and says where the whole table is.
        items = [c.to_summary() for c in listed[:SUMMARY_MAX_ITEMS]]
        out: dict[str, Any] = {"automation_candidates": items, "automation_assumptions": json_ready(self.assumptions)}
        if len(listed) > SUMMARY_MAX_ITEMS:
            out["automation_candidates_omitted"] = len(listed) - SUMMARY_MAX_ITEMS
            out["automation_candidates_note"] = (
                f"the first {SUMMARY_MAX_ITEMS} of {len(listed)} activities are listed; every one is in the "
                "workbook's sheet Automatiseringskandidater/Automation candidates")
        return out


#: The most activities summary.json lists as automation candidates (the ranked ones come first).
SUMMARY_MAX_ITEMS = 500


def find_candidates(
    log: EventLog,
    *,
    config: CandidateConfig | None = None,
    calendar: WorkCalendar | None = None,
) -> CandidateReport:
    """Score every activity of ``log`` as an automation candidate, with the evidence.

    Args:
        log: the event log.
        config: weights and assumptions; default :meth:`CandidateConfig.default`.
        calendar: working calendar for working days and working minutes; default Swedish 08-17.

    Returns:
        The report: ranked candidates, the flagged needs_human steps and the other unranked ones.

    Raises:
        AnalysisError: the log has no events.
    """
    config = config or CandidateConfig.default()
    calendar = calendar or WorkCalendar()
    if log.n_events == 0:
        raise AnalysisError("the log has no events: nothing to rank")
    features, span_days = _measure(log, config, calendar)
    release_unused_memory()
    table = _score(features, config)
    table = _order(table)
    candidates = [_candidate(row, config) for row in table.to_dict("records")]
    warnings = _warnings(log, features, span_days)
    assumptions = _assumptions(log, config, calendar, span_days) | {"warnings": list(warnings)}
    return CandidateReport(
        table=table,
        candidates=tuple(c for c in candidates if c.status == "ranked"),
        needs_human=tuple(c for c in candidates if c.status == "needs_human"),
        not_ranked=tuple(c for c in candidates if c.status not in ("ranked", "needs_human")),
        assumptions=assumptions,
        config=config,
        warnings=warnings,
    )


def _warnings(log: EventLog, features: pd.DataFrame, span_days: float) -> tuple[str, ...]:
    out = []
    if not log.has(RESOURCE):
        fallback = "; org:group stands in for the performer" if log.has(GROUP) else ""
        out.append("the log has no resource column: system users cannot be recognised, every step counts "
                   f"as manual{fallback}")
    elif log.source.pseudonymised and not (features["system_share"].gt(0) | features["external_share"].gt(0)).any():
        out.append("resources are pseudonymised and none matches the system-user patterns: steps done by "
                   "systems count as manual; read the log with --no-pseudonymise (this analysis shows no names)")
    if span_days < 28:
        out.append(f"the log spans only {span_days:.1f} days: per-month and per-year figures extrapolate from it")
    return tuple(out)


def _measure(log: EventLog, config: CandidateConfig, calendar: WorkCalendar) -> tuple[pd.DataFrame, float]:
    """Per-activity features, vectorised over the sorted event frame."""
    ev = log.events
    act, names = log.codes(ACTIVITY)  # pd.factorize(sort=True), computed once per log
    if (act < 0).any():
        act, names = pd.factorize(ev[ACTIVITY], sort=True)
    n_act = len(names)
    case = log.case_codes().astype(np.int64)
    n_cases = log.n_cases
    events = np.bincount(act, minlength=n_act)

    # Volume over the log's span.
    first = ev[TIMESTAMP].min()
    if log.has_start:
        first = min(first, ev[START].min())
    span_days = max((ev[TIMESTAMP].max() - first).total_seconds() / 86_400, 1.0)
    months = span_days / _DAYS_PER_MONTH

    # Cases per activity and rework (cases where it occurs more than once): unique (case, activity).
    occ = log.occurrences()["rank"]  # 0 for the first event of its (case, activity), 1 for the second, ...
    cases = np.bincount(act[occ == 0], minlength=n_act)
    rework_cases = np.bincount(act[occ == 1], minlength=n_act)

    # Determinism: what follows / precedes each event within its case (case end / start count).
    same_next = np.zeros(len(act), dtype=bool)
    same_next[:-1] = case[:-1] == case[1:]
    succ = np.full(len(act), n_act, dtype=np.int64)
    succ[:-1] = np.where(same_next[:-1], act[1:], n_act)
    pred = np.full(len(act), n_act, dtype=np.int64)
    pred[1:] = np.where(same_next[:-1], act[:-1], n_act)
    s_ent, s_top, s_share, s_distinct = _distribution(act, succ, n_act)
    p_ent, p_top, p_share, p_distinct = _distribution(act, pred, n_act)
    # What follows given what preceded: H(next | previous) = H(previous, next) - H(previous), per activity.
    joint_ent = _entropy_by(act, pred * (n_act + 1) + succ, n_act, (n_act + 1) ** 2)
    cond_ent = np.clip(joint_ent - p_ent, 0.0, None)
    starts_case = np.bincount(act[pred == n_act], minlength=n_act)
    labels = np.asarray(list(names), dtype=object)

    def label(codes: np.ndarray, pseudo: str) -> np.ndarray:
        out = np.where(codes == n_act, pseudo, labels[np.clip(codes, 0, max(n_act - 1, 0))]).astype(object)
        out[codes < 0] = None
        return out

    performer, performer_column = _performer_codes(log)
    # Handover: the next event of the case is done by another (known) performer.
    nxt_known = np.zeros(len(act), dtype=bool)
    nxt_other = np.zeros(len(act), dtype=bool)
    if performer_column is not None:
        nxt_known[:-1] = same_next[:-1] & (performer[:-1] >= 0) & (performer[1:] >= 0)
        nxt_other[:-1] = nxt_known[:-1] & (performer[:-1] != performer[1:])
    handover_base = np.bincount(act[nxt_known], minlength=n_act)
    handover_share = np.where(handover_base > 0,
                              np.bincount(act[nxt_other], minlength=n_act) / np.maximum(handover_base, 1), np.nan)
    off_hours, whole_minute = _clock_signals(ev[TIMESTAMP], calendar)
    off_hours_share = (np.bincount(act, weights=off_hours.astype(float), minlength=n_act) / np.maximum(events, 1)
                       if off_hours is not None else np.full(n_act, np.nan))
    whole_minute_share = np.bincount(act, weights=whole_minute.astype(float), minlength=n_act) / np.maximum(events, 1)
    log_start_share = float(ev[START].notna().mean()) if log.has_start else 0.0
    del same_next, succ, pred, nxt_known, nxt_other
    release_unused_memory()  # before the quantiles of a million waits
    # Waiting before each activity (from the one edge source) and its service time.
    tr = transition_waits(log, calendar)
    target = act[log.transition_positions() + 1]
    by_target = group_order(target, n_act)
    wait_wd = _group_quantiles(by_target, tr["wait_workdays"].to_numpy(dtype="float64"))
    wait_days = _group_quantiles(by_target, tr["wait_days"].to_numpy(dtype="float64"))
    if log.has_start:
        started = ev[START].notna().to_numpy()
        minutes = np.full(len(ev), np.nan)
        if calendar.kind == "se":
            minutes[started] = calendar.hours_between(event_work_seconds(log, calendar, "start")[started],
                                                      event_work_seconds(log, calendar, "done")[started]) * 60.0
        else:
            minutes[started] = calendar.working_hours(ev[START][started], ev[TIMESTAMP][started]) * 60.0
        service = _group_quantiles(group_order(act, n_act), minutes)
    else:
        service = _group_quantiles(group_order(act, n_act), np.full(len(ev), np.nan))

    # People: distinct resources, the busiest one's share, system and external users.
    resources = np.zeros(n_act, dtype=np.int64)
    top_resource_share = np.full(n_act, np.nan)
    system_events: np.ndarray = np.zeros(n_act)
    external_events: np.ndarray = np.zeros(n_act)
    missing_events: np.ndarray = np.zeros(n_act)
    log_performers = 0
    if performer_column is not None:
        res_code, res_names = performer, _performer_names(log, performer_column)
        has = res_code >= 0
        missing_events = np.bincount(act[~has], minlength=n_act).astype(float)
        log_performers = len(res_names)
        if has.any():
            n_res = len(res_names)
            key, count = _pair_counts(act[has].astype(np.int64) * n_res + res_code[has], n_act * n_res)
            k_act = key // n_res
            resources = np.bincount(k_act, minlength=n_act)
            with_res = np.bincount(k_act, weights=count, minlength=n_act)
            top = np.zeros(n_act)
            np.maximum.at(top, k_act, count)
            top_resource_share = np.where(with_res > 0, top / np.maximum(with_res, 1), np.nan)
            # Match the patterns once per distinct resource name, not per event.
            res_list = [str(r) for r in res_names]
            is_system = _matches(res_list, config.system_patterns)
            is_external = _matches(res_list, config.external_patterns) & ~is_system
            system_events = np.bincount(act[has], weights=is_system[res_code[has]], minlength=n_act)
            external_events = np.bincount(act[has], weights=is_external[res_code[has]], minlength=n_act)

    frame = pd.DataFrame(
        {
            "activity": labels,
            "events": events,
            "cases": cases,
            "case_share": cases / max(n_cases, 1),
            "events_per_month": events / months,
            "events_per_year": events / span_days * _DAYS_PER_YEAR,
            "service_events": service["n"].to_numpy(),
            "service_minutes_median": service[0.5].to_numpy(),
            "service_minutes_q1": service[0.25].to_numpy(),
            "service_minutes_q3": service[0.75].to_numpy(),
            "service_minutes_iqr": (service[0.75] - service[0.25]).to_numpy(),
            "service_minutes_p90": service[0.9].to_numpy(),
            "wait_before_n": wait_wd["n"].to_numpy(),
            "wait_before_workdays_median": wait_wd[0.5].to_numpy(),
            "wait_before_workdays_q1": wait_wd[0.25].to_numpy(),
            "wait_before_workdays_q3": wait_wd[0.75].to_numpy(),
            "wait_before_workdays_iqr": (wait_wd[0.75] - wait_wd[0.25]).to_numpy(),
            "wait_before_workdays_p90": wait_wd[0.9].to_numpy(),
            "wait_before_days_median": wait_days[0.5].to_numpy(),
            "successor_entropy_bits": s_ent,
            "successor_predictability": np.exp2(-s_ent),
            "successors": s_distinct,
            "top_successor": label(s_top, CASE_END),
            "top_successor_share": s_share,
            "predecessor_entropy_bits": p_ent,
            "predecessor_predictability": np.exp2(-p_ent),
            "predecessors": p_distinct,
            "top_predecessor": label(p_top, CASE_START),
            "top_predecessor_share": p_share,
            "resources": resources,
            "top_resource_share": top_resource_share,
            "system_share": system_events / np.maximum(events, 1),
            "external_share": external_events / np.maximum(events, 1),
            "rework_cases": rework_cases,
            "rework_share": rework_cases / np.maximum(cases, 1),
            "conditional_entropy_bits": cond_ent,
            "determinism": np.exp2(-cond_ent),
            "starts_case_share": starts_case / np.maximum(events, 1),
            "performer_column": performer_column,
            "log_performers": log_performers,
            "missing_performer_share": missing_events / np.maximum(events, 1),
            "handover_share": handover_share,
            "off_hours_share": off_hours_share,
            "whole_minute_share": whole_minute_share,
            "start_recorded_share": service["n"].to_numpy() / np.maximum(events, 1),
            "log_start_share": log_start_share,
        }
    )
    # Spread: of the service time where at least half its events have a start, else of the wait.
    use_service = frame["service_events"] >= np.maximum(1, frame["events"] / 2)
    q1 = np.where(use_service, frame["service_minutes_q1"], frame["wait_before_workdays_q1"])
    q3 = np.where(use_service, frame["service_minutes_q3"], frame["wait_before_workdays_q3"])
    with np.errstate(invalid="ignore", divide="ignore"):
        qcd = np.where((q1 + q3) > 0, (q3 - q1) / (q1 + q3), np.where(np.isnan(q1 + q3), np.nan, 0.0))
    basis = np.where(use_service, "service", "wait_before").astype(object)
    basis[np.isnan(qcd)] = None
    frame["variability_basis"] = basis
    frame["variability"] = np.clip(qcd, 0.0, 1.0)
    frame["_use_service"] = use_service
    return frame, span_days


def _performer_codes(log: EventLog) -> tuple[np.ndarray, str | None]:
    """Codes (-1 = missing) of who did each event: org:resource, else org:group where the log has no
    resources (the unit is then the performer; its column is named in the evidence)."""
    for column in (RESOURCE, GROUP):
        if log.has(column):
            series = log.events[column]
            if isinstance(series.dtype, pd.StringDtype):
                codes, _ = log.codes(column)  # text already: computed once per log
            else:
                codes, _ = pd.factorize(series.astype("string"), sort=False)
            return np.asarray(codes, dtype=np.int64), column
    return np.full(log.n_events, -1, dtype=np.int64), None


def _performer_names(log: EventLog, column: str) -> list[str]:
    series = log.events[column]
    if isinstance(series.dtype, pd.StringDtype):
        return [str(n) for n in log.codes(column)[1]]
    return [str(n) for n in pd.factorize(series.astype("string"), sort=False)[1]]


def _clock_signals(stamps: pd.Series, calendar: WorkCalendar) -> tuple[np.ndarray | None, np.ndarray]:
    """Per event: outside the calendar's working time (None for a 24-hour calendar) and at a whole minute."""
    index = pd.DatetimeIndex(stamps)
    whole = (index.as_unit("ns").asi8 % 60_000_000_000) == 0  # UTC offsets are whole minutes
    if calendar.kind == "none":
        return None, whole
    if index.tz is not None:
        index = index.tz_convert(calendar.timezone).tz_localize(None)
    local = index.to_numpy(dtype="datetime64[s]")
    day = local.astype("datetime64[D]")
    hour = (local - day.astype("datetime64[s]")).astype(np.int64) / 3600.0
    off = ~calendar.is_working_day(day) | (hour < calendar.hours[0]) | (hour >= calendar.hours[1])
    return off, whole


def _entropy_by(left: np.ndarray, right: np.ndarray, n_left: int, n_right: int) -> np.ndarray:
    """Entropy (bits) of the ``right`` codes (0..n_right-1) within each ``left`` code."""
    key, count = _pair_counts(left.astype(np.int64) * n_right + right.astype(np.int64), n_left * n_right)
    lft = key // n_right
    total = np.bincount(lft, weights=count, minlength=n_left)
    p = count / total[lft]
    return np.abs(np.bincount(lft, weights=-p * np.log2(p), minlength=n_left))


def _distribution(left: np.ndarray, right: np.ndarray, n_left: int) -> tuple[np.ndarray, ...]:
    """Entropy (bits), top right-code, its share and the number of distinct right-codes per left-code.

    ``right`` holds codes 0..n_left (n_left = the case's start or end). One ``np.unique`` over the
    pairs; ties for the top outcome go to the alphabetically first name (codes are sorted names).
    """
    n_right = n_left + 1
    key, count = _pair_counts(left.astype(np.int64) * n_right + right, n_left * n_right)
    lft, rgt = key // n_right, key % n_right
    total = np.bincount(lft, weights=count, minlength=n_left)
    p = count / total[lft]
    entropy = np.abs(np.bincount(lft, weights=-p * np.log2(p), minlength=n_left))
    distinct = np.bincount(lft, minlength=n_left)
    order = np.lexsort((rgt, -count, lft))
    first = order[np.r_[True, lft[order][1:] != lft[order][:-1]]] if len(order) else order
    top = np.full(n_left, -1, dtype=np.int64)
    share = np.full(n_left, np.nan)
    top[lft[first]] = rgt[first]
    share[lft[first]] = p[first]
    return entropy, top, share, distinct


def _pair_counts(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_counts=True)`` for keys in ``0..size-1``: a bincount where that is small."""
    if size <= 4 * len(key) + 1_000_000:
        counts = np.bincount(key, minlength=size)
        present = np.flatnonzero(counts)
        return present.astype(key.dtype), counts[present]
    return np.unique(key, return_counts=True)


def _group_quantiles(grouping: tuple[np.ndarray, np.ndarray], values: np.ndarray) -> pd.DataFrame:
    """Per group of ``grouping`` (:func:`~processmining.analyses.order_stats.group_order` of the codes):
    ``n`` (non-missing values) and the 0.25/0.5/0.75/0.9 quantiles (pandas' group-by quantiles, computed
    without its full sort)."""
    quantiles = (0.25, 0.5, 0.75, 0.9)
    rows, counts = grouping
    stats = segment_stats(values[rows], counts, quantiles=quantiles)
    columns: dict[str | float, np.ndarray] = {q: stats[q] for q in quantiles}
    columns["n"] = stats["n"]
    return pd.DataFrame(columns)


def _matches(names: list[str], patterns: Sequence[str]) -> np.ndarray:
    if not patterns:
        return np.zeros(len(names), dtype=bool)
    regex = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    return np.array([bool(regex.search(n)) for n in names], dtype=bool)


def word_match(activity: str, phrases: Sequence[str]) -> str | None:
    """The first phrase of ``phrases`` found in ``activity`` as a whole word or phrase (case-insensitive)."""
    for phrase, pattern in _phrase_patterns(tuple(phrases)):
        if pattern.search(activity):
            return phrase
    return None


@functools.lru_cache(maxsize=64)
def _phrase_patterns(phrases: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each phrase's whole-word pattern, compiled once per list (a log of 20,000 activities matched 760,000
    times: 2.5 s of compiling and cache look-ups)."""
    return tuple((phrase, re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)) for phrase in phrases)


#: The earlier name of :func:`word_match`.
discretionary_match = word_match


def _signal(cls: str, name: str, value: Any, threshold: str, met: bool, text: str, text_sv: str,
            *, points: int = 1, specific: bool = True) -> dict[str, Any]:
    return {"class": cls, "signal": name, "value": _plain(value), "threshold": threshold, "met": bool(met),
            "points": points if met else 0, "text": text, "text_sv": text_sv, "_specific": specific}


def _signals(row: Mapping[str, Any], config: CandidateConfig, baseline_off_hours: float,
             starts_elsewhere: bool, seconds_elsewhere: bool) -> list[dict[str, Any]]:
    """Every class signal of one activity, met or not, with its value (texts in English and Swedish)."""
    r = config.classes
    out = []

    def pct(v: float) -> tuple[str, str]:
        return fmt_share(v, "en"), fmt_share(v, "sv")

    starts = float(row["starts_case_share"])
    e, s = pct(starts)
    out.append(_signal("outside_event", "starts_cases", starts, f">= {r.start_share:g}", starts >= r.start_share,
                       f"starts the case in {e} of its events", f"inleder ärendet i {s} av händelserna"))
    known = row["performer_column"] is not None
    nobody = float(row["system_share"] + row["missing_performer_share"]) if known else math.nan
    e, s = pct(nobody if known else 0.0)
    out.append(_signal("outside_event", "system_or_no_performer", nobody, ">= 0.5", known and nobody >= 0.5,
                       f"done by an e-service/system or by no one in {e}",
                       f"görs av e-tjänst/system eller av ingen i {s}", specific=False))
    ext = float(row["external_share"])
    e, s = pct(ext)
    out.append(_signal("outside_event", "external_performer", ext, ">= 0.5", ext >= 0.5,
                       f"done by an external user (the applicant) in {e}", f"görs av extern (sökanden) i {s}",
                       points=r.points if ext >= config.external_share else 1))
    off = row["off_hours_share"]
    off_ok = (not _isnan(off) and off >= r.off_hours_share and off >= r.off_hours_ratio * baseline_off_hours
              and row["system_share"] < 0.5)
    e, s = pct(0.0 if _isnan(off) else off)
    be, bs = pct(baseline_off_hours)
    out.append(_signal("outside_event", "arrives_off_hours", off,
                       f">= {r.off_hours_share:g} and >= {r.off_hours_ratio:g} x the log's median "
                       f"{baseline_off_hours:.2f}",
                       off_ok, f"arrives outside working hours in {e} (the log's median activity: {be})",
                       f"kommer utanför arbetstid i {s} (loggens medianaktivitet: {bs})"))
    recorded = float(row["start_recorded_share"])
    no_work = starts_elsewhere and recorded < 0.05
    e, s = pct(recorded)
    out.append(_signal("outside_event", "no_recorded_work", recorded, "< 0.05 while other steps have start times",
                       no_work, f"no work recorded on it (start time in {e}, while other steps have them)",
                       f"inget arbete registrerat (starttid i {s}, andra steg har starttider)", specific=False))
    word = word_match(str(row["activity"]), r.outside_words)
    out.append(_signal("outside_event", "name", word, "a word of outside_words", word is not None,
                       *_name_texts(word, "outside_words")))

    system = float(row["system_share"])
    e, s = pct(system)
    out.append(_signal("already_automated", "system_performer", system, ">= 0.5", system >= 0.5,
                       f"done by system users in {e}", f"görs av systemanvändare i {s}",
                       points=r.points if system >= config.already_automated_share else 1))
    whole = float(row["whole_minute_share"])
    other_clock = whole >= 0.95 and seconds_elsewhere
    e, s = pct(whole)
    out.append(_signal("already_automated", "other_clock", whole,
                       ">= 0.95 while another activity has seconds in >= half its events", other_clock,
                       f"timestamps at whole minutes in {e} while other steps have seconds (another system's clock)",
                       f"tidpunkter på hela minuter i {s} medan andra steg har sekunder (ett annat systems klocka)"))
    top = row["top_resource_share"]
    single = known and not _isnan(top) and top >= r.single_performer_share
    e, s = pct(0.0 if _isnan(top) else top)
    out.append(_signal("already_automated", "single_performer", top, f">= {r.single_performer_share:g}", single,
                       f"one performer does {e}", f"en utförare gör {s}"))

    if row["variability_basis"] == "service":
        long_value, long_ok = row["service_minutes_median"], row["service_minutes_median"] >= r.long_service_minutes
        long_text = (f"median service time {fmt_number(long_value, 'en', 0)} working minutes",
                     f"median handläggningstid {fmt_number(long_value, 'sv', 0)} arbetsminuter")
        long_threshold = f">= {r.long_service_minutes:g} minutes"
    else:
        long_value = row["wait_before_workdays_median"]
        long_ok = not _isnan(long_value) and long_value >= r.long_wait_workdays
        shown = 0.0 if _isnan(long_value) else long_value
        long_text = (f"median time before it {fmt_number(shown, 'en')} working days",
                     f"median tid före {fmt_number(shown, 'sv')} arbetsdagar")
        long_threshold = f">= {r.long_wait_workdays:g} working days"
    spread = row["variability"]
    long_ok = bool(long_ok) and not _isnan(spread) and spread >= r.wide_spread
    spread_shown = 0.0 if _isnan(spread) else spread
    out.append(_signal("judgement", "long_spread_work", long_value, f"{long_threshold}, spread >= {r.wide_spread:g}",
                       long_ok, f"{long_text[0]}, spread {fmt_number(spread_shown, 'en', 2)}",
                       f"{long_text[1]}, spridning {fmt_number(spread_shown, 'sv', 2)}"))
    bits = float(row["successor_entropy_bits"])
    out.append(_signal("judgement", "branching_outcomes", bits, f">= {r.branching_bits:g} bits",
                       bits >= r.branching_bits, f"what follows it branches ({fmt_number(bits, 'en', 2)} bits, "
                       f"{row['successors']} different next steps)", f"det som följer förgrenar sig "
                       f"({fmt_number(bits, 'sv', 2)} bitar, {row['successors']} olika nästa steg)"))
    people = int(row["resources"])
    few = known and 1 <= people <= r.few_performers and people * 4 <= row["log_performers"]
    column = row["performer_column"] or "-"
    out.append(_signal("judgement", "few_performers", people,
                       f"<= {r.few_performers} and <= a quarter of the log's {row['log_performers']}", few,
                       f"done by {people} of the log's {row['log_performers']} performers ({column})",
                       f"görs av {people} av loggens {row['log_performers']} utförare ({column})"))
    rework = float(row["rework_share"])
    e, s = pct(rework)
    out.append(_signal("judgement", "rework", rework, f">= {r.rework_share:g}", rework >= r.rework_share,
                       f"repeated in {e} of its cases", f"upprepas i {s} av sina ärenden"))
    word = word_match(str(row["activity"]), r.judgement_words)
    out.append(_signal("judgement", "name", word, "a word of judgement_words", word is not None,
                       *_name_texts(word, "judgement_words")))
    return out


def _name_texts(word: str | None, words: str) -> tuple[str, str]:
    if word is None:
        return f"no word of {words} in the name", f"inget ord ur {words} i namnet"
    return f"the name holds {word!r}", f"namnet innehåller {word!r}"


def _classify(row: Mapping[str, Any], signals: list[dict[str, Any]], config: CandidateConfig) -> tuple[str, str]:
    """The class of one activity and what decided it ("data" or the override)."""
    r, name = config.classes, str(row["activity"])
    for cls, names, option in (("judgement", r.needs_human, "--needs-human"), ("outside_event", r.outside, "--outside"),
                               ("already_automated", r.automated, "--automated")):
        matched = word_match(name, names)
        if matched is not None:
            return cls, f"override: {option} {matched!r}"
    points = {c: sum(s["points"] for s in signals if s["class"] == c) for c in CLASSES}
    outside_specific = any(s["met"] and s["_specific"] for s in signals if s["class"] == "outside_event")
    if points["outside_event"] >= r.points and outside_specific:
        return "outside_event", "data"
    for cls in ("already_automated", "judgement"):
        if points[cls] >= r.points:
            return cls, "data"
    return "administrative", "data"


def _isnan(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _action(row: Mapping[str, Any], rows: Mapping[str, Mapping[str, Any]], config: CandidateConfig) -> dict[str, Any]:
    """What the toolkit can do about a ranked step: the first rule that holds (see :data:`ACTIONS`)."""
    r = config.classes

    def cls(activity: Any) -> str | None:
        return rows[activity]["class"] if activity in rows else None

    # 1. It follows the case's arrival (an outside event that starts cases), maybe behind steps the agency's
    #    staff do not do (system or outside steps).
    chain, previous = [], row["top_predecessor"]
    for _ in range(3):
        if previous not in rows or previous in chain:
            break
        chain.append(previous)
        if cls(previous) == "outside_event" and rows[previous]["starts_case_share"] >= r.start_share:
            return {"kind": "acknowledgement", "automation": "acknowledge_receipt",
                    "text": "acknowledgement: the flow's receipt to the applicant (acknowledge_receipt) "
                            f"after {' <- '.join(map(repr, chain))}",
                    "text_sv": "mottagningsbekräftelse: flödets kvitto till sökanden (acknowledge_receipt) "
                               f"efter {' <- '.join(map(repr, chain))}",
                    "evidence": {"arrival": previous, "via": chain[:-1]}}
        if cls(previous) not in ("already_automated", "outside_event"):
            break
        previous = rows[previous]["top_predecessor"]
    # 2. An outside party answers it after a wait: the flow reminds them.
    nxt = row["top_successor"]
    answer_wait = rows[nxt]["wait_before_workdays_median"] if nxt in rows else math.nan
    if cls(nxt) == "outside_event" and not _isnan(answer_wait) and answer_wait >= 2 * config.queue_half_workdays:
        share = row["top_successor_share"]
        return {"kind": "reminder", "automation": "remind_completion",
                "text": f"reminder: the flow reminds the applicant (remind_completion); next is {nxt!r} "
                        f"(an outside event) in {fmt_share(share, 'en')}, after a median "
                        f"{fmt_number(answer_wait, 'en')} working days",
                "text_sv": f"påminnelse: flödet påminner sökanden (remind_completion); nästa är {nxt!r} "
                           f"(en händelse utifrån) i {fmt_share(share, 'sv')}, efter median "
                           f"{fmt_number(answer_wait, 'sv')} arbetsdagar",
                "evidence": {"next": nxt, "next_share": share, "answer_wait_workdays_median": answer_wait}}
    # 3. It passes the case to another person: a rule can route it.
    handover = row["handover_share"]
    if not _isnan(handover) and handover >= 0.8 and cls(nxt) in ("administrative", "judgement"):
        return {"kind": "handover", "automation": None,
                "text": "forward/handover: route the case to the next performer by a rule "
                        f"({fmt_share(handover, 'en')} go to another performer; next is {nxt!r})",
                "text_sv": f"vidarebefordran: fördela ärendet till nästa utförare med en regel "
                           f"({fmt_share(handover, 'sv')} går till en annan utförare; nästa är {nxt!r})",
                "evidence": {"handover_share": handover, "next": nxt}}
    # 4. A long queue in front of it: alert before the target is missed, and report it weekly.
    wait = row["wait_before_workdays_median"]
    if not _isnan(wait) and wait >= 2 * config.queue_half_workdays:
        return {"kind": "target_alert", "automation": "alert_target",
                "text": f"target alert and weekly report (alert_target, weekly_bottleneck_report): a median "
                        f"queue of {fmt_number(wait, 'en')} working days before it",
                "text_sv": f"målvarning och veckorapport (alert_target, weekly_bottleneck_report): median kö "
                           f"på {fmt_number(wait, 'sv')} arbetsdagar före",
                "evidence": {"wait_before_workdays_median": wait}}
    return {"kind": "integration", "automation": None,
            "text": "needs an integration with the case system (no flow of the toolkit does this step)",
            "text_sv": "kräver en integration med ärendesystemet (inget av verktygets flöden gör steget)",
            "evidence": {}}


def _score(frame: pd.DataFrame, config: CandidateConfig) -> pd.DataFrame:
    """Classes, statuses, hours saved, normalised terms, contributions, the score and the actions."""
    frame = frame.copy()
    activity = frame["activity"].tolist()
    records = frame.to_dict("records")

    # Classes, decided from the data first.
    off = frame["off_hours_share"].to_numpy(dtype="float64")
    baseline = float(np.nanmedian(off)) if np.isfinite(off).any() else math.nan
    frequent = frame["events"].to_numpy() >= config.min_events
    worked = (frame["start_recorded_share"].to_numpy() >= 0.5) & frequent
    seconds = (frame["whole_minute_share"].to_numpy() <= 0.5) & frequent
    classes: list[str] = []
    decided: list[str] = []
    evidence: list[dict[str, Any]] = []
    for i, row in enumerate(records):
        signals = _signals(row, config, baseline if not math.isnan(baseline) else 0.0,
                           bool(np.delete(worked, i).any()), bool(np.delete(seconds, i).any()))
        cls, by = _classify(row, signals, config)
        classes.append(cls)
        decided.append(by)
        points = {c: sum(s["points"] for s in signals if s["class"] == c) for c in CLASSES if c != "administrative"}
        evidence.append({"decided_by": by, "points": points, "points_needed": config.classes.points,
                         "signals": [{k: v for k, v in s.items() if not k.startswith("_")} for s in signals]})
    cls_arr = np.array(classes, dtype=object)
    rare = frame["events"].to_numpy() < config.min_events
    status = np.array([_STATUS_OF_CLASS.get(c, "too_few_events" if rare[i] else "ranked")
                       for i, c in enumerate(classes)], dtype=object)
    needs_human = cls_arr == "judgement"
    reasons, reasons_sv, met_en, met_sv = [], [], [], []
    for i, ev in enumerate(evidence):
        if classes[i] == "administrative":  # the signals it has, too few for another class
            met = [s for s in ev["signals"] if s["met"]]
            en = "; ".join(f"{CLASS_LABELS[s['class']][0]}: {s['text']}" for s in met)
            sv = "; ".join(f"{CLASS_LABELS[s['class']][1]}: {s['text_sv']}" for s in met)
            if met:
                en = f"too few signals for another class ({config.classes.points} needed): {en}"
                sv = f"för få signaler för en annan klass ({config.classes.points} krävs): {sv}"
        else:
            met = [s for s in ev["signals"] if s["met"] and s["class"] == classes[i]]
            en, sv = "; ".join(s["text"] for s in met), "; ".join(s["text_sv"] for s in met)
        if decided[i] != "data":
            en, sv = f"{decided[i]}" + (f"; {en}" if en else ""), f"{decided[i]}" + (f"; {sv}" if sv else "")
        met_en.append(en)
        met_sv.append(sv)
        name_en, name_sv = _CLASS_WORDS[classes[i]]
        if status[i] == "too_few_events":
            n = frame["events"].iat[i]
            reasons.append(f"too few events ({n} < min_events {config.min_events})")
            reasons_sv.append(f"för få händelser ({n} < min_events {config.min_events})")
        elif status[i] == "ranked":
            reasons.append("")
            reasons_sv.append("")
        else:
            reasons.append(f"{name_en}: {en}")
            reasons_sv.append(f"{name_sv}: {sv}")
    frame["activity_class"] = cls_arr
    frame["class_signals"] = met_en
    frame["class_signals_sv"] = met_sv
    frame["class_evidence"] = evidence
    frame["status"] = status
    frame["needs_human"] = needs_human
    frame["reason"] = reasons
    frame["reason_sv"] = reasons_sv

    # Hours saved per year (assumptions stated in the report).
    by_name = {k.casefold(): v for k, v in config.minutes_per_activity.items()}
    configured = np.array([by_name.get(a.casefold(), np.nan) for a in activity], dtype="float64")
    measured = frame["service_minutes_median"].where(frame["_use_service"]).to_numpy(dtype="float64")
    minutes = np.where(~np.isnan(measured), measured,
                       np.where(~np.isnan(configured), configured, config.default_minutes_per_event))
    frame["minutes_per_event"] = minutes
    frame["minutes_source"] = np.where(
        ~np.isnan(measured), "median service time",
        np.where(~np.isnan(configured), "config: minutes_per_activity", "config: default_minutes_per_event"),
    ).astype(object)
    share = np.where(needs_human, config.needs_human_automatable_share, config.automatable_share)
    frame["automatable_share"] = share
    manual = np.clip(1.0 - frame["system_share"] - frame["external_share"], 0.0, 1.0).to_numpy()
    frame["hours_saved_per_year"] = frame["events_per_year"].to_numpy() * manual * minutes / 60.0 * share

    # Normalised terms, each 0..1 (definitions in data/candidates.toml).
    busiest = float(frame["events_per_month"].max())
    wait = np.clip(frame["wait_before_workdays_median"].to_numpy(dtype="float64"), 0.0, None)
    half = config.short_service_half_minutes
    norm = {
        "volume": frame["events_per_month"].to_numpy() / busiest if busiest > 0 else np.zeros(len(frame)),
        "coverage": frame["case_share"].to_numpy(),
        "determinism": frame["determinism"].to_numpy(),
        "predecessor_predictability": frame["predecessor_predictability"].to_numpy(),
        "short_service": half / (half + np.clip(minutes, 0.0, None)),
        "low_variability": np.nan_to_num(1.0 - frame["variability"].to_numpy(dtype="float64"), nan=0.0),
        "many_performers": np.nan_to_num(1.0 - frame["top_resource_share"].to_numpy(dtype="float64"), nan=0.0),
        "queue_wait": np.nan_to_num(wait / (wait + config.queue_half_workdays), nan=0.0),
        "low_rework": 1.0 - frame["rework_share"].to_numpy(),
        "manual_share": manual,
    }
    total_weight = sum(config.weights.values())
    score = np.zeros(len(frame))
    for name in FEATURES:
        frame[f"norm_{name}"] = norm[name]
        contribution = config.weights[name] * norm[name] / total_weight
        frame[f"contrib_{name}"] = contribution
        score += contribution
    frame["score"] = score
    records = frame.to_dict("records")
    frame["why"] = [_why(row, config, "en") for row in records]
    frame["why_sv"] = [_why(row, config, "sv") for row in records]

    # What the toolkit can do about each ranked step.
    by_activity = {row["activity"]: {**row, "class": row["activity_class"]} for row in records}
    actions = [_action(row, by_activity, config) if row["status"] == "ranked" else None for row in records]
    frame["action"] = actions
    frame["action_kind"] = [a["kind"] if a else None for a in actions]
    frame["action_text"] = [a["text"] if a else "" for a in actions]
    frame["action_text_sv"] = [a["text_sv"] if a else "" for a in actions]
    return frame


#: Each class in words: (English, Swedish).
CLASS_LABELS = {
    "administrative": ("administrative step", "administrativt steg"),
    "judgement": ("judgement step", "bedömningssteg"),
    "already_automated": ("already automated", "redan automatiserad"),
    "outside_event": ("outside event", "händelse utifrån"),
}
_CLASS_WORDS = CLASS_LABELS
#: Each score term in words: (English, Swedish).
TERM_LABELS = {
    "volume": ("Volume", "Volym"), "coverage": ("Coverage", "Täckning"),
    "determinism": ("Determinism", "Determinism"),
    "predecessor_predictability": ("Same trigger", "Samma föregångare"),
    "short_service": ("Short service", "Kort handläggning"), "low_variability": ("Steady time", "Jämn tid"),
    "many_performers": ("Many performers", "Många utförare"), "queue_wait": ("Queue before", "Kö före"),
    "low_rework": ("Little rework", "Lite omarbete"), "manual_share": ("Manual share", "Manuell andel"),
}


def _order(frame: pd.DataFrame) -> pd.DataFrame:
    """Ranked first (score, then hours, then name), then needs_human, then the other statuses."""
    status_order = frame["status"].map({s: i for i, s in enumerate(STATUSES)})
    frame = frame.assign(_status_order=status_order, _neg_score=-frame["score"],
                         _neg_hours=-frame["hours_saved_per_year"])
    frame = frame.sort_values(["_status_order", "_neg_score", "_neg_hours", "activity"], kind="stable")
    ranked = (frame["status"] == "ranked").to_numpy()
    rank = pd.array([pd.NA] * len(frame), dtype="Int64")
    rank[ranked] = np.arange(1, int(ranked.sum()) + 1)
    frame["rank"] = rank
    frame = frame.drop(columns=["_status_order", "_neg_score", "_neg_hours", "_use_service"])
    lead = ["activity", "status", "rank", "score", "hours_saved_per_year", "needs_human", "reason", "reason_sv", "why",
            "why_sv", "activity_class", "class_signals", "class_signals_sv", "action_kind", "action_text",
            "action_text_sv"]
    return frame[lead + [c for c in frame.columns if c not in lead]].reset_index(drop=True)


def _why(row: Mapping[str, Any], config: CandidateConfig, lang: str = "en") -> str:
    """The three largest contributions, in words (``lang``: "en" or "sv")."""
    sv = lang == "sv"

    def name(activity: Any) -> str:
        if activity == CASE_START:
            return "ärendets start" if sv else "the case's start"
        if activity == CASE_END:
            return "ärendets slut" if sv else "the case's end"
        return repr(activity)

    def phrase(feature: str) -> str:
        if feature == "volume":
            return f"{fmt_number(row['events_per_month'], lang, 0)} {'händelser/månad' if sv else 'events/month'}"
        if feature == "coverage":
            return (f"i {fmt_share(row['case_share'], lang)} av ärendena" if sv
                    else f"in {fmt_share(row['case_share'], lang)} of cases")
        if feature == "determinism":
            share = fmt_share(row["top_successor_share"], lang)
            return (f"följs av {name(row['top_successor'])} i {share}" if sv
                    else f"next is {name(row['top_successor'])} in {share}")
        if feature == "short_service":
            minutes = fmt_number(row["minutes_per_event"], lang, 0)
            return f"{minutes} min per händelse" if sv else f"{minutes} min per event"
        if feature == "predecessor_predictability":
            share = fmt_share(row["top_predecessor_share"], lang)
            return (f"kommer efter {name(row['top_predecessor'])} i {share}" if sv
                    else f"follows {name(row['top_predecessor'])} in {share}")
        if feature == "low_variability":
            spread = fmt_number(row["variability"], lang, 2)
            if row["variability_basis"] == "service":
                return f"jämn handläggningstid (spridning {spread})" if sv else f"steady service time (spread {spread})"
            return f"jämn väntetid före (spridning {spread})" if sv else f"steady wait before it (spread {spread})"
        if feature == "queue_wait":
            wait = fmt_number(row["wait_before_workdays_median"], lang)
            return f"kö på {wait} arbetsdagar före" if sv else f"queue of {wait} working days before it"
        if feature == "low_rework":
            if row["rework_share"] == 0:
                return "upprepas aldrig i ett ärende" if sv else "never repeated within a case"
            share = fmt_share(row["rework_share"], lang)
            return f"upprepas i {share} av sina ärenden" if sv else f"repeated in {share} of its cases"
        if feature == "manual_share":
            share = fmt_share(row["norm_manual_share"], lang)
            return f"{share} görs av personal" if sv else f"{share} done by staff"
        share = fmt_share(row["top_resource_share"], lang)
        return (f"{row['resources']} utförare, den mest belastade gör {share}" if sv
                else f"{row['resources']} performers, the busiest does {share}")

    parts = sorted(((row[f"contrib_{n}"], i, n) for i, n in enumerate(FEATURES) if config.weights[n] > 0),
                   key=lambda t: (-t[0], t[1]))
    return "; ".join(phrase(n) for c, _, n in parts[:3] if c > 0)


_EVIDENCE_FEATURES = (
    "events", "cases", "case_share", "events_per_month", "events_per_year",
    "service_events", "service_minutes_median", "service_minutes_iqr", "service_minutes_p90",
    "wait_before_n", "wait_before_workdays_median", "wait_before_workdays_iqr", "wait_before_workdays_p90",
    "wait_before_days_median", "variability_basis", "variability",
    "successor_entropy_bits", "successor_predictability", "successors", "top_successor", "top_successor_share",
    "predecessor_entropy_bits", "predecessor_predictability", "predecessors", "top_predecessor",
    "top_predecessor_share", "resources", "top_resource_share", "system_share", "external_share",
    "rework_cases", "rework_share", "minutes_per_event", "minutes_source", "automatable_share",
    "conditional_entropy_bits", "determinism", "starts_case_share", "performer_column", "log_performers",
    "missing_performer_share", "handover_share", "off_hours_share", "whole_minute_share", "start_recorded_share",
)
#: The measured figure behind each score term (shown next to its normalised value).
_TERM_MEASURE = {
    "volume": "events_per_month", "coverage": "case_share", "determinism": "conditional_entropy_bits",
    "predecessor_predictability": "predecessor_entropy_bits", "short_service": "minutes_per_event",
    "low_variability": "variability", "many_performers": "top_resource_share",
    "queue_wait": "wait_before_workdays_median", "low_rework": "rework_share", "manual_share": "system_share",
}


def _candidate(row: Mapping[str, Any], config: CandidateConfig) -> Candidate:
    total = sum(config.weights.values())
    rank = row["rank"]
    return Candidate(
        activity=str(row["activity"]),
        status=str(row["status"]),
        rank=None if rank is pd.NA or rank is None else int(rank),
        score=float(row["score"]),
        hours_saved_per_year=float(row["hours_saved_per_year"]),
        needs_human=bool(row["needs_human"]),
        reason=str(row["reason"]),
        reason_sv=str(row["reason_sv"]),
        why=str(row["why"]),
        why_sv=str(row["why_sv"]),
        evidence={
            "features": {k: _plain(row[k]) for k in _EVIDENCE_FEATURES},
            "normalised": {n: float(row[f"norm_{n}"]) for n in FEATURES},
            "weights": {n: config.weights[n] / total for n in FEATURES},
            "contributions": {n: float(row[f"contrib_{n}"]) for n in FEATURES},
        },
        activity_class=str(row["activity_class"]),
        class_evidence=row["class_evidence"],
        action=row["action"],
    )


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _assumptions(log: EventLog, config: CandidateConfig, calendar: WorkCalendar, span_days: float) -> dict[str, Any]:
    return {
        "span_days": span_days,
        "per_year": "events over the log's span (first to last event), scaled to 365.25 days",
        "calendar": calendar.describe("en"),
        "calendar_sv": calendar.describe("sv"),
        "service_time": "start to completion in working minutes of the calendar, where the log has starts"
        if log.has_start else "the log has no start times: minutes per event come from the config",
        "hours_saved": "events per year x share done by staff x minutes per event / 60 x automatable share",
        "score": "weighted mean of the normalised features (weights normalised to sum 1)",
        "needs_human": "judgement steps: listed after the ranked candidates, never ranked",
        "classes": "decided from the data first: a class needs [classes] points of its signals; overrides decide",
        "config": config.as_dict(),
    }
