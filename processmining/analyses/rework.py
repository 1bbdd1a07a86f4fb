"""Rework: activities done again within a case, and ping-pong between units or activities.

Definitions:

- A repeat is an event whose activity already occurred earlier in the same case. It is a *repeat by
  the same resource* when the previous occurrence of that activity in the case was done by the same
  resource, a *redo by another resource* when by a different one, and *unknown* when either resource is
  missing (or the log has no resource column).
- Ping-pong: in a case's sequence of units (or activities) with consecutive equal values collapsed,
  a pattern X -> Y -> X (X != Y). Each occurrence is counted once, named by (X, Y); a sequence
  X Y X Y X holds three occurrences: (X, Y), (Y, X), (X, Y).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..log import ACTIVITY, GROUP, RESOURCE, EventLog

__all__ = ["REWORK_COLUMNS", "PINGPONG_COLUMNS", "ReworkResult", "find_rework"]

REWORK_COLUMNS = ("activity", "events", "cases", "repeats", "same_resource", "other_resource", "unknown_resource",
                  "cases_with_repeat", "share_of_cases", "share_of_all_cases")
PINGPONG_COLUMNS = ("level", "from", "via", "occurrences", "cases")


@dataclass(frozen=True, slots=True)
class ReworkResult:
    """Repeated activities and ping-pong.

    Attributes:
        activities: one row per activity with at least one event, most repeats first: ``events``,
            ``cases`` (cases containing it), ``repeats`` (events that repeat it within a case),
            ``same_resource``, ``other_resource``, ``unknown_resource`` (repeats split as in the module
            docstring), ``cases_with_repeat``, ``share_of_cases`` (of the cases containing it),
            ``share_of_all_cases``.
        pingpong: one row per (level, from, via): ``level`` (``unit`` or ``activity``), ``from`` (X),
            ``via`` (Y), ``occurrences`` of X -> Y -> X, ``cases`` having at least one; most first.
        cases_with_rework: cases with at least one repeat.
        total_cases: cases in the log.
    """

    activities: pd.DataFrame
    pingpong: pd.DataFrame
    cases_with_rework: int
    total_cases: int

    def to_summary(self, top: int = 10) -> dict[str, Any]:
        acts = self.activities[self.activities["repeats"] > 0].head(top)
        pp = self.pingpong
        return {
            "cases_with_rework": self.cases_with_rework,
            "share_of_cases": self.cases_with_rework / self.total_cases if self.total_cases else None,
            "activities": [
                {"activity": r.activity, "repeats": int(r.repeats), "same_resource": int(r.same_resource),
                 "other_resource": int(r.other_resource), "cases_with_repeat": int(r.cases_with_repeat),
                 "share_of_cases": float(r.share_of_cases)}
                for r in acts.itertuples(index=False)
            ],
            "pingpong_units": _pp_rows(pp[pp["level"] == "unit"].head(top)),
            "pingpong_activities": _pp_rows(pp[pp["level"] == "activity"].head(top)),
        }


def _pp_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"from": f, "via": v, "occurrences": int(o), "cases": int(c)}
            for f, v, o, c in zip(frame["from"], frame["via"], frame["occurrences"], frame["cases"], strict=True)]


def _repeats(log: EventLog) -> tuple[pd.DataFrame, int]:
    acts, names = log.codes(ACTIVITY)
    if (acts < 0).any():
        return _repeats_by_name(log)
    n_act = len(names)
    cases = log.case_codes().astype("int64")
    occ = log.occurrences()  # per (case, activity): the rank of each event and its previous occurrence
    repeat = occ["rank"] > 0
    # Kind of each repeat: 0 same resource as the previous occurrence, 1 another, 2 unknown (either missing).
    kind = np.full(len(acts), 2, dtype=np.int64)
    if log.has(RESOURCE):
        res, _ = log.codes(RESOURCE)
        where = np.flatnonzero(repeat)
        mine, before = res[where], res[occ["previous"][where]]
        kind[where] = np.where((mine < 0) | (before < 0), 2, np.where(mine == before, 0, 1))
    counts = np.bincount(acts[repeat] * 3 + kind[repeat], minlength=3 * n_act).reshape(n_act, 3)
    table = pd.DataFrame({
        "events": np.bincount(acts, minlength=n_act),
        "cases": np.bincount(acts[occ["rank"] == 0], minlength=n_act),
        "same_resource": counts[:, 0], "other_resource": counts[:, 1], "unknown_resource": counts[:, 2],
    })
    table["repeats"] = table["same_resource"] + table["other_resource"] + table["unknown_resource"]
    table["cases_with_repeat"] = np.bincount(acts[occ["rank"] == 1], minlength=n_act)
    table["share_of_cases"] = table["cases_with_repeat"] / table["cases"]
    n_cases = log.n_cases
    table["share_of_all_cases"] = table["cases_with_repeat"] / n_cases if n_cases else np.nan
    table.insert(0, "activity", np.asarray(names, dtype=object))
    table = table.sort_values(["repeats", "activity"], ascending=[False, True], kind="stable").reset_index(drop=True)
    repeated_cases = cases[repeat]  # in log order, so sorted: count the changes
    with_rework = int(np.count_nonzero(np.r_[True, repeated_cases[1:] != repeated_cases[:-1]])) if repeat.any() else 0
    return table[list(REWORK_COLUMNS)].astype({c: "int64" for c in REWORK_COLUMNS[1:8]}), with_rework


def _repeats_by_name(log: EventLog) -> tuple[pd.DataFrame, int]:
    ev = log.events
    cases = log.case_codes().astype("int64")
    acts, names = pd.factorize(ev[ACTIVITY], sort=False)
    acts = acts.astype("int64")
    key = cases * (len(names) + 1) + acts  # one integer per (case, activity): fast to group
    order = np.argsort(key, kind="stable")  # within a key, the log's order (time, then source row)
    sorted_key = key[order]
    repeat_sorted = np.r_[False, sorted_key[1:] == sorted_key[:-1]]
    repeat = np.empty(len(ev), dtype=bool)
    repeat[order] = repeat_sorted
    kind = np.full(len(ev), "", dtype=object)
    if log.has(RESOURCE):
        res = ev[RESOURCE].to_numpy(dtype=object)
        res_sorted = res[order]
        prev_sorted = np.r_[np.array([None], dtype=object), res_sorted[:-1]]
        missing = pd.isna(res_sorted) | pd.isna(prev_sorted)
        same = ~missing & (res_sorted == prev_sorted)
        kind_sorted = np.where(missing, "unknown", np.where(same, "same", "other"))
        kind[order] = kind_sorted
    else:
        kind[:] = "unknown"
    name_arr = np.asarray(names, dtype=object)
    frame = pd.DataFrame({"case": cases, "activity": acts, "repeat": repeat, "kind": kind})
    grouped = frame.groupby("activity", sort=True)
    table = pd.DataFrame({
        "events": grouped.size(),
        "cases": frame.drop_duplicates(["case", "activity"]).groupby("activity").size(),
    })
    rep = frame[frame["repeat"]]
    counts = rep.groupby(["activity", "kind"]).size().unstack(fill_value=0)
    for k, col in (("same", "same_resource"), ("other", "other_resource"), ("unknown", "unknown_resource")):
        table[col] = counts[k].reindex(table.index, fill_value=0) if k in counts.columns else 0
    table["repeats"] = table["same_resource"] + table["other_resource"] + table["unknown_resource"]
    table["cases_with_repeat"] = rep.drop_duplicates(["case", "activity"]).groupby("activity").size().reindex(
        table.index, fill_value=0)
    table["share_of_cases"] = table["cases_with_repeat"] / table["cases"]
    n_cases = log.n_cases
    table["share_of_all_cases"] = table["cases_with_repeat"] / n_cases if n_cases else np.nan
    table.insert(0, "activity", name_arr[table.index.to_numpy()])
    table = table.reset_index(drop=True)
    table = table.sort_values(["repeats", "activity"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return table[list(REWORK_COLUMNS)].astype({c: "int64" for c in REWORK_COLUMNS[1:8]}), rep["case"].nunique()


def _pingpong(case_codes: np.ndarray, values: pd.Series, level: str,
              coded: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """X -> Y -> X in the collapsed per-case sequence of ``values`` (missing values skipped).

    ``coded``: the column's ``(codes, names)`` from :meth:`EventLog.codes`, to skip the factorisation.
    """
    if coded is not None:
        all_codes, names = coded
        present = all_codes >= 0
        cases, codes = case_codes[present], all_codes[present]
    else:
        present = values.notna().to_numpy()
        cases = case_codes[present]
        codes, names = pd.factorize(values[present], sort=False)
    if len(codes) == 0:
        return pd.DataFrame({c: [] for c in PINGPONG_COLUMNS})
    # Collapse runs of the same value within a case.
    keep = np.r_[True, (cases[1:] != cases[:-1]) | (codes[1:] != codes[:-1])]
    cases, codes = cases[keep], codes[keep]
    if len(codes) < 3:
        return pd.DataFrame({c: [] for c in PINGPONG_COLUMNS})
    hit = (cases[2:] == cases[:-2]) & (codes[2:] == codes[:-2])  # same case throughout, X Y X (Y != X by collapse)
    idx = np.flatnonzero(hit)
    name_arr = np.asarray(names, dtype=object)
    if coded is not None:
        # Count on integer pairs, name only the (few) pairs found.
        width = max(len(name_arr), 1)
        pair = codes[idx].astype(np.int64) * width + codes[idx + 1]
        order = np.argsort(pair, kind="stable")  # np.unique(return_inverse, return_counts) by one sort
        ordered = pair[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(pair) else np.zeros(0, np.int64)
        keys, occurrences = ordered[starts], np.diff(np.r_[starts, len(pair)])
        inverse = np.empty(len(pair), dtype=np.int64)
        inverse[order] = np.repeat(np.arange(len(keys)), occurrences)
        distinct = ~pd.Series(cases[idx].astype(np.int64) * len(keys) + inverse).duplicated().to_numpy()
        found = pd.DataFrame({"from": name_arr[keys // width], "via": name_arr[keys % width]})
        out = found.assign(occurrences=occurrences, cases=np.bincount(inverse[distinct], minlength=len(keys)))
        out = out.sort_values(["from", "via"], kind="stable").reset_index(drop=True)
    else:
        found = pd.DataFrame({"case": cases[idx], "from": name_arr[codes[idx]], "via": name_arr[codes[idx + 1]]})
        out = found.groupby(["from", "via"], sort=True).agg(occurrences=("case", "size"), cases=("case", "nunique"))
        out = out.reset_index()
    out.insert(0, "level", level)
    return out.sort_values(["occurrences", "from", "via"], ascending=[False, True, True], kind="stable")


def find_rework(log: EventLog) -> ReworkResult:
    """Repeats per activity (same resource vs another) and ping-pong between units and between activities."""
    table, with_rework = _repeats(log)
    codes = log.case_codes()
    parts = []
    if log.has(GROUP):
        parts.append(_pingpong(codes, log.events[GROUP], "unit", coded=log.codes(GROUP)))
    parts.append(_pingpong(codes, log.events[ACTIVITY], "activity", coded=log.codes(ACTIVITY)))
    pingpong = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else \
        pd.DataFrame({c: pd.Series(dtype=object if c in ("level", "from", "via") else "int64")
                      for c in PINGPONG_COLUMNS})
    pingpong = pingpong.astype({"occurrences": "int64", "cases": "int64"})[list(PINGPONG_COLUMNS)]
    return ReworkResult(activities=table, pingpong=pingpong, cases_with_rework=int(with_rework),
                        total_cases=log.n_cases)
