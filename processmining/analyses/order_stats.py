"""Medians and quantiles per group, equal to pandas' group-by ones bit for bit, at a third of their cost.

``Series.groupby(codes).median()`` and ``.quantile(qs)`` (linear interpolation) sort every group's values
in full: about 0.06 s and 0.12 s per call at a million values, and the analyses make a dozen such calls
on every run. Here the values are put in group order once (a stable counting sort of the small integer
codes) and each group's few order statistics are found by ``np.partition`` (linear time), then combined
with pandas' own arithmetic: the median ``(a + b) / 2`` of the two middle values of an even group, the
quantile ``v[i] + (v[i + 1] - v[i]) * frac`` at ``i + frac = q * (n - 1)``. Written here because neither
pandas nor numpy offers order statistics per group without a full sort (numpy's ``quantile`` interpolates
with another formula, so its last digit can differ from pandas'); tests/test_same_results.py compares the
results with pandas' on random data with ties, infinities, missing values and groups of one or none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["MANY_GROUPS", "group_order", "group_stats", "nan_p90", "segment_p90", "segment_stats"]

#: From this many groups on, the order statistics are found for all groups at once (one sort of every value by
#: group and value) instead of one ``np.partition`` per group: with tens of thousands of small groups (an export
#: of 20,000 distinct activities has 100,000 edges) the per-group Python calls took 5-25 s.
MANY_GROUPS = 2_000


def group_stats(codes: np.ndarray, values: np.ndarray, n_groups: int, *, median: bool = False,
                quantiles: Sequence[float] = ()) -> dict[str | float, np.ndarray]:
    """Per group code ``0..n_groups-1`` of ``values`` (float64; missing values skipped, as pandas does):

    - ``"n"``: how many values are not missing;
    - ``"median"`` (with ``median``): ``Series(values).groupby(codes).median()``;
    - one array per quantile ``q`` (key ``q``, a float): ``...groupby(codes).quantile(q)`` (linear).

    Groups without values get NaN. ``codes`` below 0 are left out.
    """
    order, counts = group_order(codes, n_groups)
    return segment_stats(np.asarray(values, dtype="float64")[order], counts, median=median, quantiles=quantiles)


def group_order(codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows with a code ``0..n_groups-1`` in group order (stable) and each group's row count: what
    :func:`segment_stats` takes as ``values[order], counts``, made once for every column grouped the same way."""
    codes = np.asarray(codes)
    rows = np.flatnonzero(codes >= 0)
    kept = codes[rows]
    counts = np.bincount(kept, minlength=n_groups)[:n_groups] if len(kept) else np.zeros(n_groups, dtype=np.int64)
    small = kept.astype(np.int16) if n_groups <= np.iinfo(np.int16).max else kept
    return rows[np.argsort(small, kind="stable")], counts  # numpy's stable sort of 16-bit integers is a radix sort


def nan_p90(values: np.ndarray) -> float:
    """numpy's 90th percentile of the values that are not missing (``np.nanquantile``), NaN if none is."""
    values = np.asarray(values, dtype="float64")
    return float(np.nanquantile(values, 0.9)) if (~np.isnan(values)).any() else float("nan")


def segment_stats(ordered: np.ndarray, counts: np.ndarray, *, median: bool = False,
                  quantiles: Sequence[float] = ()) -> dict[str | float, np.ndarray]:
    """:func:`group_stats` of values already in group order: group ``i`` is the next ``counts[i]`` values."""
    ordered = np.asarray(ordered, dtype="float64")
    counts = np.asarray(counts, dtype=np.int64)
    missing = np.isnan(ordered)
    if missing.any():  # pandas skips missing values: count each group's others
        owner = np.repeat(np.arange(len(counts)), counts)
        counts = np.bincount(owner[~missing], minlength=len(counts))
        ordered = ordered[~missing]
    n_groups = len(counts)
    ends = np.cumsum(counts)
    starts = ends - counts
    qs = np.asarray(list(quantiles), dtype="float64")
    out: dict[str | float, np.ndarray] = {"n": counts.astype(np.int64)}
    if n_groups >= MANY_GROUPS:
        return _all_at_once(_sorted_within(ordered, counts), counts, starts, qs, median, out)
    med = np.full(n_groups, np.nan)
    qvals = np.full((len(qs), n_groups), np.nan)
    for group in np.flatnonzero(counts):
        n = int(counts[group])
        part = ordered[starts[group]:ends[group]]
        where = qs * (n - 1)  # pandas: q * (n - 1), its whole part the index and its fraction the weight
        low = where.astype(np.int64)
        frac = where % 1
        high = np.minimum(low + 1, n - 1)
        kth = [*low.tolist(), *high.tolist()]
        if median:
            kth += [n // 2, max(n // 2 - 1, 0)]
        part = np.partition(part, np.unique(kth)) if n > 1 else part
        if median:
            med[group] = part[n // 2] if n % 2 else (part[n // 2 - 1] + part[n // 2]) / 2
        if len(qs):
            below, above = part[low], part[high]
            qvals[:, group] = np.where(frac == 0.0, below, below + (above - below) * frac)
    if median:
        out["median"] = med
    for i, q in enumerate(qs.tolist()):
        out[q] = qvals[i]
    return out


def _sorted_within(ordered: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The values sorted within each group (groups stay in their order): one lexsort of (group, value)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    return ordered[np.lexsort((ordered, owner))]


def _all_at_once(sorted_values: np.ndarray, counts: np.ndarray, starts: np.ndarray, qs: np.ndarray, median: bool,
                 out: dict[str | float, np.ndarray]) -> dict[str | float, np.ndarray]:
    """:func:`segment_stats` for many groups: the same order statistics and pandas' same arithmetic, per array."""
    has = counts > 0
    n = counts[has]
    base = starts[has]
    with np.errstate(invalid="ignore"):  # both branches of each np.where are computed: inf - inf is NaN there
        return _order_statistics(sorted_values, counts, has, n, base, qs, median, out)


def _order_statistics(sorted_values: np.ndarray, counts: np.ndarray, has: np.ndarray, n: np.ndarray,
                      base: np.ndarray, qs: np.ndarray, median: bool,
                      out: dict[str | float, np.ndarray]) -> dict[str | float, np.ndarray]:
    if median:
        med = np.full(len(counts), np.nan)
        half = n // 2
        upper = sorted_values[base + half]
        lower = sorted_values[base + np.maximum(half - 1, 0)]
        med[has] = np.where(n % 2 == 1, upper, (lower + upper) / 2)
        out["median"] = med
    for q in qs.tolist():
        where = q * (n - 1)  # pandas: q * (n - 1), its whole part the index and its fraction the weight
        low = where.astype(np.int64)
        frac = where % 1
        high = np.minimum(low + 1, n - 1)
        below, above = sorted_values[base + low], sorted_values[base + high]
        values = np.full(len(counts), np.nan)
        values[has] = np.where(frac == 0.0, below, below + (above - below) * frac)
        out[q] = values
    return out


def segment_p90(ordered: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """:func:`nan_p90` of each group of values already in group order (group ``i`` the next ``counts[i]``
    values), equal to it bit for bit: numpy's linear method (index ``(n - 1) * 0.9``, its ``_lerp``, which
    computes from the upper value when the weight is 0.5 or more). One sort for all groups when there are
    many (:data:`MANY_GROUPS`), else numpy per group."""
    ordered = np.asarray(ordered, dtype="float64")
    counts = np.asarray(counts, dtype=np.int64)
    if len(counts) < MANY_GROUPS:
        bounds = np.cumsum(counts)[:-1]
        return np.asarray([nan_p90(part) for part in np.split(ordered, bounds)], dtype="float64")
    missing = np.isnan(ordered)
    if missing.any():  # numpy's nanquantile drops the missing values first
        owner = np.repeat(np.arange(len(counts)), counts)
        counts = np.bincount(owner[~missing], minlength=len(counts))
        ordered = ordered[~missing]
    starts = np.cumsum(counts) - counts
    values = _sorted_within(ordered, counts)
    result = np.full(len(counts), np.nan)
    has = counts > 0
    n, base = counts[has], starts[has]
    virtual = (n - 1) * np.float64(0.9)
    previous = np.floor(virtual)
    last = virtual >= n - 1  # numpy takes the last value there (index -1) and its weight is virtual - (-1)
    previous_index = np.where(last, n - 1, previous.astype(np.int64))
    next_index = np.where(last, n - 1, previous.astype(np.int64) + 1)
    gamma = virtual - np.where(last, -1.0, previous)
    a, b = values[base + previous_index], values[base + next_index]
    with np.errstate(invalid="ignore"):  # inf - inf is NaN in numpy's own arithmetic too
        diff = b - a
        lerp = a + diff * gamma
        lerp = np.where(gamma >= 0.5, b - diff * (1 - gamma), lerp)
    result[has] = lerp
    return result
