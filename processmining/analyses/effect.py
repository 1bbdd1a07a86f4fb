"""The effect of an automation: did the cases get shorter after it went live?

Given an activity (the step that was automated) and the date the automation went live, the cases
that contain the activity are split by their start (first event): started before the live date, or
on/after it (optionally only cases started within ``window_days`` on each side). For each case:

- **throughput**: first to last event (DESIGN.md), in calendar days and working days;
- **wait before**: from the previous event of the case to the activity's first occurrence in the
  case (DESIGN.md's waiting time: to its start where it has one), from
  :func:`~processmining.analyses.edges.transition_waits`, the one source of edge figures;
- **wait after**: from the activity's first occurrence to the next event of the case.

One value per case keeps the two samples independent (a case where the step occurs twice counts
once). Each side gets its median and mean; the difference (after - before) of medians and of means
gets a bootstrap percentile confidence interval (seeded numpy, resamples drawn as one index matrix
per chunk, no Python loop per resample) and a two-sided Mann-Whitney U p-value (scipy). The verdict
follows the interval of the difference of medians: "shorter" or "longer" when it excludes 0, "no
clear change" when it contains 0 (or the difference of medians is below ``min_difference``, 0.1 days
by default: with tens of thousands of cases minutes become "significant"), "too few cases" below
``min_cases`` on either side.

Caveat stated in every report: cases that started shortly before the end of the export may still be
open, which makes the "after" side look shorter than it will be; use ``window_days`` or an export
taken well after the live date.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..errors import AnalysisError, ConfigError
from ..formatting import fmt_signed
from ..log import ACTIVITY, ROW, TIMESTAMP, EventLog
from .edges import transition_waits

__all__ = ["METRICS", "EffectReport", "MetricEffect", "measure_effect"]

#: (metric, unit) pairs in report order; unit "workdays" (calendar working days) or "days" (24 h).
METRICS = (
    ("wait_before", "workdays"),
    ("wait_before", "days"),
    ("wait_after", "workdays"),
    ("wait_after", "days"),
    ("throughput", "workdays"),
    ("throughput", "days"),
)
_LABELS = {
    "wait_before": ("waiting before {a!r}", "väntetiden före {a!r}"),
    "wait_after": ("waiting after {a!r}", "väntetiden efter {a!r}"),
    "throughput": ("throughput time", "genomloppstiden"),
}
_UNITS = {"workdays": ("working days", "arbetsdagar"), "days": ("calendar days", "kalenderdagar")}
_CHANGE_SV = {"shorter": "kortare", "longer": "längre", "no clear change": "ingen tydlig förändring",
              "too few cases": "för få ärenden"}
#: Most resampled values held in memory at once (resamples x sample size) while bootstrapping means.
_CHUNK_VALUES = 2_000_000
#: Above this many values per side the resampled means are drawn by the normal approximation.
_EXACT_MEAN_MAX = 20_000


@dataclass(frozen=True, slots=True)
class MetricEffect:
    """Before/after comparison of one per-case measure.

    Attributes:
        metric: "wait_before", "wait_after" or "throughput".
        unit: "workdays" (working days of the report's calendar) or "days" (calendar days).
        n_before, n_after: cases with a value on each side.
        median_before, median_after, mean_before, mean_after: per side (None without values).
        median_diff, mean_diff: after - before (negative = shorter after).
        median_ci, mean_ci: bootstrap percentile interval of the difference at the report's
            confidence, as (low, high); (None, None) when a side is empty.
        p_value: two-sided Mann-Whitney U test (None when a side is empty).
        change: "shorter", "longer", "no clear change" or "too few cases" (from ``median_ci``).
        verdict_en, verdict_sv: one sentence each.
        mean_ci_method: "bootstrap", or "normal approximation of the bootstrap" above 20,000 values
            on a side (the medians are always resampled exactly).
    """

    metric: str
    unit: str
    n_before: int
    n_after: int
    median_before: float | None
    median_after: float | None
    mean_before: float | None
    mean_after: float | None
    median_diff: float | None
    median_ci: tuple[float | None, float | None]
    mean_diff: float | None
    mean_ci: tuple[float | None, float | None]
    p_value: float | None
    change: str
    verdict_en: str
    verdict_sv: str
    mean_ci_method: str = "bootstrap"

    def to_summary(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "unit": self.unit,
            "n_before": self.n_before,
            "n_after": self.n_after,
            "median_before": _round(self.median_before),
            "median_after": _round(self.median_after),
            "mean_before": _round(self.mean_before),
            "mean_after": _round(self.mean_after),
            "median_diff": _round(self.median_diff),
            "median_ci": [_round(v) for v in self.median_ci],
            "mean_diff": _round(self.mean_diff),
            "mean_ci": [_round(v) for v in self.mean_ci],
            "mean_ci_method": self.mean_ci_method,
            "p_value": _round(self.p_value, 6),
            "change": self.change,
            "verdict_en": self.verdict_en,
            "verdict_sv": self.verdict_sv,
        }


@dataclass(frozen=True, slots=True)
class EffectReport:
    """The effect of an automation of ``activity`` that went live on ``live_date``.

    Attributes:
        activity: the automated step.
        live_date: the day it went live (cases started on or after it are "after").
        window_days: only cases started within this many days on each side (None: all).
        cases_before, cases_after: cases containing the activity on each side.
        metrics: one :class:`MetricEffect` per entry of :data:`METRICS`.
        verdict_en, verdict_sv: the overall verdict (wait before, wait after, throughput; working days).
        confidence, resamples, seed: of the bootstrap intervals.
        calendar_en, calendar_sv: the calendar of the working days, named.
        notes, notes_sv: caveats that apply to this comparison (English, Swedish).
    """

    activity: str
    live_date: date
    window_days: int | None
    cases_before: int
    cases_after: int
    metrics: tuple[MetricEffect, ...]
    verdict_en: str
    verdict_sv: str
    confidence: float
    resamples: int
    seed: int
    calendar_en: str
    calendar_sv: str
    notes: tuple[str, ...]
    notes_sv: tuple[str, ...] = ()

    def metric(self, metric: str, unit: str = "workdays") -> MetricEffect:
        """The comparison of one metric ("wait_before", "wait_after", "throughput") in one unit."""
        for m in self.metrics:
            if m.metric == metric and m.unit == unit:
                return m
        raise KeyError((metric, unit))

    def table(self) -> pd.DataFrame:
        """One row per metric and unit, the columns of :meth:`MetricEffect.to_summary`."""
        rows = []
        for m in self.metrics:
            row = m.to_summary()
            row["median_ci_low"], row["median_ci_high"] = row.pop("median_ci")
            row["mean_ci_low"], row["mean_ci_high"] = row.pop("mean_ci")
            rows.append(row)
        return pd.DataFrame(rows)

    def to_summary(self) -> dict[str, Any]:
        """``{"automation_effect": {...}}``, JSON-ready (floats rounded to 4 decimals, no NaN)."""
        return {
            "automation_effect": {
                "activity": self.activity,
                "live_date": self.live_date.isoformat(),
                "window_days": self.window_days,
                "cases_before": self.cases_before,
                "cases_after": self.cases_after,
                "confidence": self.confidence,
                "resamples": self.resamples,
                "seed": self.seed,
                "calendar": self.calendar_en,
                "verdict_en": self.verdict_en,
                "verdict_sv": self.verdict_sv,
                "metrics": [m.to_summary() for m in self.metrics],
                "notes": list(self.notes),
                "notes_sv": list(self.notes_sv),
            }
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), digits)


def measure_effect(
    log: EventLog,
    *,
    activity: str,
    live_date: date,
    calendar: WorkCalendar | None = None,
    window_days: int | None = None,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    min_cases: int = 5,
    min_difference: float = 0.1,
) -> EffectReport:
    """Compare the cases containing ``activity`` started before and after ``live_date``.

    Args:
        log: the event log (an export taken after the automation went live).
        activity: the automated step, exactly as named in the log.
        live_date: the day the automation went live (local time of the log's time zone).
        calendar: working calendar for working days; default Swedish 08-17.
        window_days: compare only cases started within this many days before and after.
        resamples: bootstrap resamples per interval.
        confidence: of the intervals, e.g. 0.95.
        seed: of the bootstrap (the same inputs give the same intervals).
        min_cases: fewer cases than this on either side gives "too few cases".
        min_difference: a difference of medians smaller than this (in the metric's unit, days or
            working days; 0.1 working day is under an hour) is "no clear change" even when its interval
            excludes 0: with tens of thousands of cases a few minutes become statistically clear.

    Returns:
        The comparison per metric with its interval, p-value and verdict, and an overall verdict.

    Raises:
        AnalysisError: the activity is not in the log, or no case on one side of the date.
        ConfigError: an option out of range.
    """
    calendar = calendar or WorkCalendar()
    if window_days is not None and window_days < 1:
        raise ConfigError(f"--window-days must be at least 1, got {window_days}")
    if min_difference < 0:
        raise ConfigError(f"min_difference must be at least 0, got {min_difference}")
    if resamples < 100:
        raise ConfigError(f"resamples must be at least 100, got {resamples}")
    if not 0.5 <= confidence < 1:
        raise ConfigError(f"confidence must be between 0.5 and 1, got {confidence}")
    ev = log.events
    at = (ev[ACTIVITY] == activity).to_numpy()
    if not at.any():
        close = difflib.get_close_matches(activity, log.activities, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else \
            f"; the log has {len(log.activities)} activities (list them with: processmining candidates LOG)"
        raise AnalysisError(f"no activity {activity!r} in the log{hint}")

    codes = log.case_codes()
    positions = np.flatnonzero(at)
    case_of, first_index = np.unique(codes[positions], return_index=True)
    first = positions[first_index]  # the activity's first occurrence in each case containing it

    # Waits around it, from the one edge source: transition k runs from event dst[k]-1 to dst[k].
    tr = transition_waits(log, calendar)
    dst = np.flatnonzero(codes[:-1] == codes[1:]) + 1 if len(codes) > 1 else np.zeros(0, dtype=np.int64)
    if len(dst) != len(tr) or (len(dst) and not np.array_equal(tr["target_row"].to_numpy(),
                                                                ev[ROW].to_numpy()[dst])):
        raise AnalysisError("internal: transitions do not line up with the events")  # guards log.py's order
    per_case: dict[tuple[str, str], np.ndarray] = {}
    for metric, position in (("wait_before", first), ("wait_after", first + 1)):
        k = np.searchsorted(dst, position)
        found = (k < len(dst)) & (dst[np.minimum(k, max(len(dst) - 1, 0))] == position) if len(dst) else \
            np.zeros(len(position), dtype=bool)
        for unit, column in (("workdays", "wait_workdays"), ("days", "wait_days")):
            values = np.full(len(position), np.nan)
            values[found] = tr[column].to_numpy(dtype="float64")[k[found]]
            per_case[(metric, unit)] = values
    cases = log.case_table().iloc[case_of]
    per_case[("throughput", "days")] = cases["throughput"].dt.total_seconds().to_numpy(dtype="float64") / 86_400
    per_case[("throughput", "workdays")] = calendar.working_days(cases["start"], cases["end"])

    # Split by the case's start.
    live = pd.Timestamp(live_date).tz_localize(log.source.timezone)
    start = cases["start"]
    before = (start < live).to_numpy(dtype=bool, copy=True)
    after = ~before
    if window_days is not None:
        before &= (start >= live - pd.Timedelta(days=window_days)).to_numpy()
        after &= (start < live + pd.Timedelta(days=window_days)).to_numpy()
    window = f" within {window_days} days" if window_days is not None else ""
    first_start, last_start = start.min().date(), start.max().date()
    for side, mask in (("before", before), ("on or after", after)):
        if not mask.any():
            raise AnalysisError(
                f"no case with {activity!r} started {side} {live_date.isoformat()}{window}; "
                f"those cases started {first_start} to {last_start}: choose a live date in between"
            )

    metrics = []
    for i, (metric, unit) in enumerate(METRICS):
        values = per_case[(metric, unit)]
        a = values[before & ~np.isnan(values)]
        b = values[after & ~np.isnan(values)]
        rng = np.random.default_rng([seed, i])
        metrics.append(_compare(metric, unit, a, b, activity=activity, live_date=live_date, rng=rng,
                                resamples=resamples, confidence=confidence, min_cases=min_cases,
                                min_difference=min_difference))

    pct = f"{confidence * 100:g}"
    notes = [
        ("cases are split by their start (first event); one value per case (the step's first occurrence)",
         "ärendena delas efter sin start (första händelsen); ett värde per ärende (stegets första förekomst)"),
        (f"intervals: {pct}% bootstrap percentile intervals of after - before ({resamples} resamples, seed {seed}); "
         "p: two-sided Mann-Whitney U",
         f"intervall: {pct} % bootstrap-percentilintervall för efter - före ({resamples} omsamplingar, frö {seed}); "
         "p: tvåsidigt Mann-Whitney U"),
        (f"a difference of medians under {min_difference:g} days (or working days) counts as no clear change",
         f"en skillnad i median under {min_difference:g} dagar (eller arbetsdagar) räknas som ingen tydlig "
         "förändring"),
    ]
    # Open cases: the throughput of a case still running at the export is its time so far.
    throughput_before = per_case[("throughput", "days")][before]
    p90 = float(np.quantile(throughput_before, 0.9))
    recent = int((after & (start > ev[TIMESTAMP].max() - pd.Timedelta(days=p90)).to_numpy()).sum())
    if recent:
        n_after = int(after.sum())
        notes.append((
            f"{recent} of the {n_after} cases after started within {p90:.0f} days (the p90 throughput before) of "
            "the export's last event: some may still be open, which makes 'after' look shorter; use --window-days "
            "or a later export",
            f"{recent} av de {n_after} ärendena efter startade inom {p90:.0f} dagar (p90 av genomloppstiden före) "
            "från exportens sista händelse: en del kan vara öppna, vilket får 'efter' att se kortare ut; använd "
            "--window-days eller en senare export",
        ))
    if any(m.mean_ci_method != "bootstrap" for m in metrics):
        notes.append(("intervals of the mean difference above 20,000 cases a side: normal approximation of the "
                      "bootstrap (the medians are resampled exactly)",
                      "intervallen för skillnaden i medelvärde över 20 000 ärenden per sida: normalapproximation "
                      "av bootstrap (medianerna omsamplas exakt)"))
    verdict_en, verdict_sv = _overall(metrics, activity, live_date, int(before.sum()), int(after.sum()))
    return EffectReport(
        activity=activity,
        live_date=live_date,
        window_days=window_days,
        cases_before=int(before.sum()),
        cases_after=int(after.sum()),
        metrics=tuple(metrics),
        verdict_en=verdict_en,
        verdict_sv=verdict_sv,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
        calendar_en=calendar.describe("en"),
        calendar_sv=calendar.describe("sv"),
        notes=tuple(en for en, _ in notes),
        notes_sv=tuple(sv for _, sv in notes),
    )


def _resampled_medians(x: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``size`` bootstrap resamples of ``x``, drawn exactly in O(size), not O(size x n).

    Written by hand because no library does this: a resample is x_sorted[floor(n U_j)] for n uniform
    U_j, and floor and indexing into a sorted array keep order, so the resample's k-th smallest value
    is x_sorted[floor(n U_(k))]. The k-th order statistic of n uniforms is Beta(k, n + 1 - k), and the
    next one is U_(k) + (1 - U_(k)) Beta(1, n - k). The medians have exactly the distribution that
    np.median over (size x n) index draws gives, at the cost of two Beta draws per resample.
    """
    xs = np.sort(x)
    n = len(xs)
    if n == 1:
        return np.full(size, xs[0])
    k = (n + 1) // 2  # 1-based rank of the (lower) middle value
    u_k = rng.beta(k, n + 1 - k, size)
    lower = xs[np.minimum((u_k * n).astype(np.int64), n - 1)]
    if n % 2:
        return lower
    u_next = u_k + (1 - u_k) * rng.beta(1, n - k, size)
    upper = xs[np.minimum((u_next * n).astype(np.int64), n - 1)]
    medians: np.ndarray = (lower + upper) / 2
    return medians


def _resampled_means(x: np.ndarray, size: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """Means of ``size`` bootstrap resamples of ``x``; True when drawn by the normal approximation.

    Up to _EXACT_MEAN_MAX values: one (chunk x n) index matrix per chunk, reduced along the rows.
    Above it, the resampled mean is drawn from a normal with the bootstrap's own mean and variance
    (mean(x), var(x) / n): with that many values the bootstrap distribution of a mean is normal to
    well within the interval's own Monte-Carlo error, and exact resampling would cost size x n draws.
    """
    n = len(x)
    if n > _EXACT_MEAN_MAX:
        return rng.normal(float(np.mean(x)), float(np.std(x)) / math.sqrt(n), size), True
    out = np.empty(size)
    per_chunk = max(1, _CHUNK_VALUES // n)
    for begin in range(0, size, per_chunk):
        stop = min(size, begin + per_chunk)
        out[begin:stop] = x[rng.integers(0, n, size=(stop - begin, n))].mean(axis=1)
    return out, False


def _bootstrap(a: np.ndarray, b: np.ndarray, statistic: str, rng: np.random.Generator, resamples: int,
               confidence: float) -> tuple[tuple[float, float], bool]:
    """Percentile interval of statistic(b*) - statistic(a*); True when a side used the normal approximation."""
    approximated = False
    if statistic == "median":
        diffs = _resampled_medians(b, resamples, rng) - _resampled_medians(a, resamples, rng)
    else:
        ma, approx_a = _resampled_means(a, resamples, rng)
        mb, approx_b = _resampled_means(b, resamples, rng)
        diffs, approximated = mb - ma, approx_a or approx_b
    alpha = (1 - confidence) / 2
    low, high = np.quantile(diffs, [alpha, 1 - alpha])
    return (float(low), float(high)), approximated


def _compare(metric: str, unit: str, a: np.ndarray, b: np.ndarray, *, activity: str, live_date: date,
             rng: np.random.Generator, resamples: int, confidence: float, min_cases: int,
             min_difference: float) -> MetricEffect:
    def stat(values: np.ndarray, func: Any) -> float | None:
        return float(func(values)) if len(values) else None

    med_a, med_b = stat(a, np.median), stat(b, np.median)
    mean_a, mean_b = stat(a, np.mean), stat(b, np.mean)
    median_ci: tuple[float | None, float | None] = (None, None)
    mean_ci: tuple[float | None, float | None] = (None, None)
    p_value = None
    approximated = False
    if len(a) and len(b):
        median_ci, _ = _bootstrap(a, b, "median", rng, resamples, confidence)
        mean_ci, approximated = _bootstrap(a, b, "mean", rng, resamples, confidence)
        from scipy.stats import mannwhitneyu  # lazy: scipy takes a moment to import

        p_value = float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
        if math.isnan(p_value):  # all values equal on both sides
            p_value = 1.0
    median_diff = med_b - med_a if med_a is not None and med_b is not None else None
    mean_diff = mean_b - mean_a if mean_a is not None and mean_b is not None else None
    low, high = median_ci
    if len(a) < min_cases or len(b) < min_cases or low is None or high is None:
        change = "too few cases"
    elif median_diff is not None and abs(median_diff) < min_difference:
        change = "no clear change"  # the interval may exclude 0, but the change is too small to matter
    elif high < 0:
        change = "shorter"
    elif low > 0:
        change = "longer"
    else:
        change = "no clear change"
    effect = MetricEffect(
        metric=metric, unit=unit, n_before=len(a), n_after=len(b),
        median_before=med_a, median_after=med_b, mean_before=mean_a, mean_after=mean_b,
        median_diff=median_diff, median_ci=median_ci, mean_diff=mean_diff, mean_ci=mean_ci,
        p_value=p_value, change=change, verdict_en="", verdict_sv="",
        mean_ci_method="normal approximation of the bootstrap" if approximated else "bootstrap",
    )
    en, sv = _sentence(effect, activity, live_date, confidence)
    return replace(effect, verdict_en=en, verdict_sv=sv)


def _cap(text: str) -> str:
    """First letter upper-case, the rest (activity names) untouched (str.capitalize lowers them)."""
    return text[:1].upper() + text[1:]


def _p(value: float | None, lang: str) -> str:
    if value is None:
        return "p -"
    if value < 0.001:
        return "p < 0,001" if lang == "sv" else "p < 0.001"
    return "p = " + fmt_signed(value, lang, 3)


def _sentence(m: MetricEffect, activity: str, live_date: date, confidence: float) -> tuple[str, str]:
    label_en, label_sv = (t.format(a=activity) for t in _LABELS[m.metric])
    unit_en, unit_sv = _UNITS[m.unit]
    day = live_date.isoformat()
    pct = f"{confidence * 100:g} %"
    if m.change == "too few cases":
        return (f"{_cap(label_en)} ({unit_en}): too few cases to tell ({m.n_before} before, "
                f"{m.n_after} after {day}).",
                f"{_cap(label_sv)} ({unit_sv}): för få ärenden för en slutsats ({m.n_before} före, "
                f"{m.n_after} efter {day}).")
    lo, hi = m.median_ci
    figures_en = (f"median {fmt_signed(m.median_before, 'en')} → {fmt_signed(m.median_after, 'en')} "
                  f"({fmt_signed(m.median_diff, 'en')}; {pct} CI {fmt_signed(lo, 'en')} to {fmt_signed(hi, 'en')}), "
                  f"mean {fmt_signed(m.mean_before, 'en')} → {fmt_signed(m.mean_after, 'en')}; Mann-Whitney "
                  f"{_p(m.p_value, 'en')}; {m.n_before} cases before, {m.n_after} after")
    figures_sv = (f"median {fmt_signed(m.median_before, 'sv')} → {fmt_signed(m.median_after, 'sv')} "
                  f"({fmt_signed(m.median_diff, 'sv')}; {pct} KI {fmt_signed(lo, 'sv')} till {fmt_signed(hi, 'sv')}), "
                  f"medel {fmt_signed(m.mean_before, 'sv')} → {fmt_signed(m.mean_after, 'sv')}; Mann-Whitney "
                  f"{_p(m.p_value, 'sv')}; {m.n_before} ärenden före, {m.n_after} efter")
    if m.change == "no clear change":
        en = f"{_cap(label_en)} ({unit_en}): no clear change after {day}: {figures_en}."
        sv = f"{_cap(label_sv)} ({unit_sv}): ingen tydlig förändring efter {day}: {figures_sv}."
    else:
        en = f"{_cap(label_en)} ({unit_en}): {m.change} after {day}: {figures_en}."
        sv = f"{_cap(label_sv)} ({unit_sv}): {_CHANGE_SV[m.change]} efter {day}: {figures_sv}."
    return en, sv


def _overall(metrics: list[MetricEffect], activity: str, live_date: date, n_before: int,
             n_after: int) -> tuple[str, str]:
    """One paragraph per language from the working-day metrics."""
    by = {(m.metric, m.unit): m for m in metrics}
    parts_en, parts_sv = [], []
    for metric in ("wait_before", "wait_after", "throughput"):
        m = by[(metric, "workdays")]
        label_en, label_sv = (t.format(a=activity) for t in _LABELS[metric])
        if m.change in ("shorter", "longer"):
            parts_en.append(f"{label_en} is {m.change} (median {fmt_signed(m.median_before, 'en')} → "
                            f"{fmt_signed(m.median_after, 'en')} working days)")
            parts_sv.append(f"{label_sv} är {_CHANGE_SV[m.change]} (median {fmt_signed(m.median_before, 'sv')} → "
                            f"{fmt_signed(m.median_after, 'sv')} arbetsdagar)")
        elif m.change == "no clear change":
            parts_en.append(f"{label_en}: no clear change")
            parts_sv.append(f"{label_sv}: ingen tydlig förändring")
        else:
            parts_en.append(f"{label_en}: too few cases to tell")
            parts_sv.append(f"{label_sv}: för få ärenden för en slutsats")
    day = live_date.isoformat()
    en = (f"Cases with {activity!r} started on or after {day} ({n_after}) compared with those started before "
          f"({n_before}): " + "; ".join(parts_en) + ".")
    sv = (f"Ärenden med {activity!r} som startade {day} eller senare ({n_after}) jämfört med dem som startade "
          f"före ({n_before}): " + "; ".join(parts_sv) + ".")
    return en, sv

