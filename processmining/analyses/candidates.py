"""Automation candidates: which activities are worth automating, with the evidence behind each score.

Commercial tools rank steps by frequency and cost; the research on robotic process mining adds
determinism (the step is always triggered by the same step and always leads to the same next one).
This analysis does both and explains every number. For each activity of the log it measures:

- **volume**: events per month over the log's span (first to last event) and the share of cases;
- **time**: median, IQR and p90 of its service time (start to completion, in working minutes of the
  calendar) where the log has start times for it, and of the waiting before it (DESIGN.md's waiting
  time from the previous event, in calendar and working days; taken from
  :func:`~processmining.analyses.edges.transition_waits`, the one source of edge figures);
- **determinism**: the entropy (bits) of its next-activity and previous-activity distributions (the
  case's end and start count as outcomes), turned into a predictability ``2 ** -H`` (1 / effective
  number of successors: 1 = always the same, 0.5 = two equally likely, ...), with the top
  successor/predecessor and their shares;
- **people**: the number of distinct resources doing it and the share of the busiest one; the share
  of its events done by system users (resource matching configurable patterns) and by external users
  (the applicant);
- **rework**: the share of its cases in which it occurs more than once;
- **hours saved per year** under stated assumptions (see ``processmining/data/candidates.toml``).

The score is a transparent weighted mean of normalised features (weights in the TOML config; each
weight and feature is documented there); every candidate carries its features, the normalised parts,
the weights and the weighted contributions.

What is ranked and what is not (each listed with its reason, never silently dropped):

- ``needs_human``: the name matches the discretionary list (assessment, decision, ...): flagged
  ``needs_human=True`` and listed in :attr:`CandidateReport.needs_human`, after the ranked ones; never
  ranked as automatable, whatever its score;
- ``already_automated``: done by system users in >= 95 % of its events;
- ``external``: done by external users (the applicant) in >= 95 % of its events;
- ``too_few_events``: fewer events than ``min_events``;
- ``ranked``: everything else, best score first.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..errors import AnalysisError, ConfigError
from ..log import ACTIVITY, RESOURCE, START, TIMESTAMP, EventLog, release_unused_memory
from .edges import event_work_seconds, transition_waits
from .order_stats import group_order, segment_stats

__all__ = [
    "FEATURES",
    "STATUSES",
    "Candidate",
    "CandidateConfig",
    "CandidateReport",
    "discretionary_match",
    "find_candidates",
    "load_candidate_config",
]

#: The features of the score, in the order they are shown (documented in ``data/candidates.toml``).
FEATURES = (
    "volume",
    "coverage",
    "successor_predictability",
    "predecessor_predictability",
    "low_variability",
    "queue_wait",
    "low_rework",
    "manual_share",
    "resource_concentration",
)
#: Status of an activity, in the order the report lists them.
STATUSES = ("ranked", "needs_human", "already_automated", "external", "too_few_events")
#: Pseudo-activities for the case's start (as predecessor) and end (as successor).
CASE_START = "(case start)"
CASE_END = "(case end)"

_DAYS_PER_YEAR = 365.25
_DAYS_PER_MONTH = _DAYS_PER_YEAR / 12


# ---- configuration --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CandidateConfig:
    """Weights and assumptions of the candidate analysis (defaults: ``processmining/data/candidates.toml``).

    Build it with :func:`load_candidate_config`; the fields mirror the TOML sections.
    """

    weights: Mapping[str, float]
    queue_half_workdays: float
    system_patterns: tuple[str, ...]
    already_automated_share: float
    external_patterns: tuple[str, ...]
    external_share: float
    discretionary: tuple[str, ...]
    default_minutes_per_event: float
    automatable_share: float
    needs_human_automatable_share: float
    minutes_per_activity: Mapping[str, float] = field(default_factory=dict)
    min_events: int = 10
    #: Where the values came from: "default" or the path of the user's file.
    origin: str = "default"

    @classmethod
    def default(cls) -> CandidateConfig:
        """The shipped defaults."""
        return load_candidate_config(None)

    def with_needs_human(self, names: Iterable[str]) -> CandidateConfig:
        """A copy whose discretionary list also holds ``names`` (the user's own list)."""
        extra = tuple(n.strip() for n in names if n and n.strip())
        merged = self.discretionary + tuple(n for n in extra if n.casefold() not in
                                            {d.casefold() for d in self.discretionary})
        return replace(self, discretionary=merged)

    def as_dict(self) -> dict[str, Any]:
        """The configuration as JSON-ready values (shown with the results as the stated assumptions)."""
        return {
            "origin": self.origin,
            "weights": dict(self.weights),
            "queue_half_workdays": self.queue_half_workdays,
            "system_patterns": list(self.system_patterns),
            "already_automated_share": self.already_automated_share,
            "external_patterns": list(self.external_patterns),
            "external_share": self.external_share,
            "discretionary": list(self.discretionary),
            "default_minutes_per_event": self.default_minutes_per_event,
            "minutes_per_activity": dict(self.minutes_per_activity),
            "automatable_share": self.automatable_share,
            "needs_human_automatable_share": self.needs_human_automatable_share,
            "min_events": self.min_events,
        }


_SCHEMA: dict[str, set[str]] = {
    "weights": set(FEATURES),
    "normalisation": {"queue_half_workdays"},
    "system_users": {"patterns", "already_automated_share"},
    "external_users": {"patterns", "share"},
    "discretionary": {"activities", "extra"},
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


def load_candidate_config(path: Path | None = None, *, needs_human: Sequence[str] = ()) -> CandidateConfig:
    """The shipped defaults, overridden key by key by the TOML file at ``path`` (if given).

    Args:
        path: a TOML file shaped like ``processmining/data/candidates.toml``; keys left out keep the
            default, unknown keys are an error.
        needs_human: more activity names (or phrases) that need a human, added to the list.

    Raises:
        ConfigError: the file is missing or not TOML, a key is unknown or a value out of range.
    """
    default_text = resources.files("processmining").joinpath("data/candidates.toml").read_text("utf-8")
    data = _read_toml(default_text, "candidates.toml (default)")
    origin = "default"
    if path is not None:
        path = Path(path)
        origin = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the candidates config ({exc.strerror or exc})") from exc
        user = _read_toml(text, origin)
        for section, values in user.items():
            merged = dict(data.get(section, {}))
            merged.update(values)
            data[section] = merged
    config = _build_config(data, origin)
    return config.with_needs_human(needs_human) if needs_human else config


def _number(data: dict[str, Any], section: str, key: str, origin: str, *, low: float = 0.0,
            high: float = math.inf) -> float:
    value = data[section][key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= float(value) <= high:
        bound = f"between {low:g} and {high:g}" if high != math.inf else f"at least {low:g}"
        raise ConfigError(f"{origin}: [{section}] {key} = {value!r} must be a number {bound}")
    return float(value)


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
    discretionary = _strings(data, "discretionary", "activities", origin) + _strings(
        data, "discretionary", "extra", origin)
    return CandidateConfig(
        weights=weights,
        queue_half_workdays=_number(data, "normalisation", "queue_half_workdays", origin, low=1e-9),
        system_patterns=_patterns(data, "system_users", origin),
        already_automated_share=_number(data, "system_users", "already_automated_share", origin, high=1.0),
        external_patterns=_patterns(data, "external_users", origin),
        external_share=_number(data, "external_users", "share", origin, high=1.0),
        discretionary=tuple(dict.fromkeys(d.strip() for d in discretionary if d.strip())),
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

    def to_summary(self) -> dict[str, Any]:
        """JSON-ready dict in DESIGN.md's ``automation_candidates`` shape (plus rank, status, reason)."""
        return {
            "activity": self.activity,
            "rank": self.rank,
            "status": self.status,
            "score": _json(self.score),
            "hours_saved_per_year": _json(self.hours_saved_per_year),
            "needs_human": self.needs_human,
            "reason": self.reason,
            "reason_sv": self.reason_sv,
            "why": self.why,
            "why_sv": self.why_sv,
            "evidence": {part: {k: _json(v) for k, v in values.items()} for part, values in self.evidence.items()},
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
        out: dict[str, Any] = {"automation_candidates": items, "automation_assumptions": _json_tree(self.assumptions)}
        if len(listed) > SUMMARY_MAX_ITEMS:
            out["automation_candidates_omitted"] = len(listed) - SUMMARY_MAX_ITEMS
            out["automation_candidates_note"] = (
                f"the first {SUMMARY_MAX_ITEMS} of {len(listed)} activities are listed; every one is in the "
                "workbook's sheet Automatiseringskandidater/Automation candidates")
        return out


#: The most activities summary.json lists as automation candidates (the ranked ones come first).
SUMMARY_MAX_ITEMS = 500


def _json(value: Any) -> Any:
    """Round floats to 4 decimals, NaN/NA to None, numpy scalars to Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 4)
    return value


def _json_tree(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_tree(v) for v in value]
    return _json(value)


# ---- the analysis ---------------------------------------------------------------------------------
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
        out.append("the log has no resource column: system users cannot be recognised, every step counts "
                   "as manual")
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
    labels = np.asarray(list(names), dtype=object)

    def label(codes: np.ndarray, pseudo: str) -> np.ndarray:
        out = np.where(codes == n_act, pseudo, labels[np.clip(codes, 0, max(n_act - 1, 0))]).astype(object)
        out[codes < 0] = None
        return out

    del same_next, succ, pred
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
    if RESOURCE in ev.columns:
        if isinstance(ev[RESOURCE].dtype, pd.StringDtype):
            res_code, res_names = log.codes(RESOURCE)  # text already: the same groups as below, computed once
        else:
            res_code, res_names = pd.factorize(ev[RESOURCE].astype("string"), sort=False)
        has = res_code >= 0
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


def discretionary_match(activity: str, phrases: Sequence[str]) -> str | None:
    """The first phrase of ``phrases`` found in ``activity`` as a whole word or phrase (case-insensitive)."""
    for phrase in phrases:
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", activity, re.IGNORECASE):
            return phrase
    return None


def _score(frame: pd.DataFrame, config: CandidateConfig) -> pd.DataFrame:
    """Statuses, hours saved, normalised features, contributions and the score."""
    frame = frame.copy()
    activity = frame["activity"].tolist()

    # Status, in precedence: needs_human, already_automated, external, too_few_events, ranked.
    matched = [discretionary_match(a, config.discretionary) for a in activity]
    needs_human = np.array([m is not None for m in matched])
    automated = frame["system_share"].to_numpy() >= config.already_automated_share
    external = frame["external_share"].to_numpy() >= config.external_share
    rare = frame["events"].to_numpy() < config.min_events
    status = np.select([needs_human, automated, external, rare],
                       ["needs_human", "already_automated", "external", "too_few_events"], "ranked")
    reasons, reasons_sv = [], []
    for i, m in enumerate(matched):
        system, ext, n = frame["system_share"].iat[i], frame["external_share"].iat[i], frame["events"].iat[i]
        if m is not None:
            reasons.append(f"discretionary step: the name contains {m!r} (config list); a person must decide")
            reasons_sv.append(f"skönsmässigt beslut: namnet innehåller {m!r} (listan i konfigurationen); "
                              "en människa måste avgöra")
        elif automated[i]:
            reasons.append(f"already automated: {_pct(system, 'en')} of its events by system users")
            reasons_sv.append(f"redan automatiserad: {_pct(system, 'sv')} av händelserna görs av systemanvändare")
        elif external[i]:
            reasons.append(f"external: {_pct(ext, 'en')} of its events by external users")
            reasons_sv.append(f"extern: {_pct(ext, 'sv')} av händelserna görs av externa (sökande)")
        elif rare[i]:
            reasons.append(f"too few events ({n} < min_events {config.min_events})")
            reasons_sv.append(f"för få händelser ({n} < min_events {config.min_events})")
        else:
            reasons.append("")
            reasons_sv.append("")
    frame["status"] = status.astype(object)
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

    # Normalised features, each 0..1 (definitions in data/candidates.toml).
    busiest = float(frame["events_per_month"].max())
    wait = np.clip(frame["wait_before_workdays_median"].to_numpy(dtype="float64"), 0.0, None)
    norm = {
        "volume": frame["events_per_month"].to_numpy() / busiest if busiest > 0 else np.zeros(len(frame)),
        "coverage": frame["case_share"].to_numpy(),
        "successor_predictability": frame["successor_predictability"].to_numpy(),
        "predecessor_predictability": frame["predecessor_predictability"].to_numpy(),
        "low_variability": np.nan_to_num(1.0 - frame["variability"].to_numpy(dtype="float64"), nan=0.0),
        "queue_wait": np.nan_to_num(wait / (wait + config.queue_half_workdays), nan=0.0),
        "low_rework": 1.0 - frame["rework_share"].to_numpy(),
        "manual_share": manual,
        "resource_concentration": np.nan_to_num(frame["top_resource_share"].to_numpy(dtype="float64"), nan=0.0),
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
    return frame


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
            "why_sv"]
    return frame[lead + [c for c in frame.columns if c not in lead]].reset_index(drop=True)


def _pct(value: float, lang: str) -> str:
    text = f"{value * 100:.0f}"
    return f"{text} %" if lang == "sv" else f"{text}%"


def _dec(value: float, lang: str, digits: int = 1) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "sv" else text


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
            return f"{_dec(row['events_per_month'], lang, 0)} {'händelser/månad' if sv else 'events/month'}"
        if feature == "coverage":
            return (f"i {_pct(row['case_share'], lang)} av ärendena" if sv
                    else f"in {_pct(row['case_share'], lang)} of cases")
        if feature == "successor_predictability":
            share = _pct(row["top_successor_share"], lang)
            return (f"följs av {name(row['top_successor'])} i {share}" if sv
                    else f"next is {name(row['top_successor'])} in {share}")
        if feature == "predecessor_predictability":
            share = _pct(row["top_predecessor_share"], lang)
            return (f"kommer efter {name(row['top_predecessor'])} i {share}" if sv
                    else f"follows {name(row['top_predecessor'])} in {share}")
        if feature == "low_variability":
            spread = _dec(row["variability"], lang, 2)
            if row["variability_basis"] == "service":
                return f"jämn handläggningstid (spridning {spread})" if sv else f"steady service time (spread {spread})"
            return f"jämn väntetid före (spridning {spread})" if sv else f"steady wait before it (spread {spread})"
        if feature == "queue_wait":
            wait = _dec(row["wait_before_workdays_median"], lang)
            return f"kö på {wait} arbetsdagar före" if sv else f"queue of {wait} working days before it"
        if feature == "low_rework":
            if row["rework_share"] == 0:
                return "upprepas aldrig i ett ärende" if sv else "never repeated within a case"
            share = _pct(row["rework_share"], lang)
            return f"upprepas i {share} av sina ärenden" if sv else f"repeated in {share} of its cases"
        if feature == "manual_share":
            share = _pct(row["norm_manual_share"], lang)
            return f"{share} görs av personal" if sv else f"{share} done by staff"
        share = _pct(row["top_resource_share"], lang)
        return f"den mest belastade gör {share}" if sv else f"busiest person does {share}"

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
)


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
        "needs_human": "listed after the ranked candidates, never ranked",
        "config": config.as_dict(),
    }
