"""Figures per organisational unit (enhet): events, cases and activities, for the workbook's unit sheet and
``summary.json``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..log import ACTIVITY, GROUP, EventLog

__all__ = ["PRESENCE_CELLS", "unit_figures"]

#: Largest (units x cases) table of booleans :func:`unit_figures` makes (64 MB); beyond, it sorts pairs.
PRESENCE_CELLS = 64 << 20


def unit_figures(log: EventLog) -> pd.DataFrame | None:
    """Per unit (index: the unit's name as text, sorted): ``events``, distinct ``cases`` and ``activities``.

    The same table as ``groupby(unit)`` with ``size``/``nunique`` over the events, from the log's cached
    integer codes: 0.03 s instead of 0.2 s at 1.1M events, at the end of the run where nothing else is
    left to do (tests/test_same_results.py compares the two).
    """
    if not log.has(GROUP):
        return None
    units, names = log.codes(GROUP)
    kept = units >= 0
    unit = units[kept]
    n = len(names)

    def distinct(codes: np.ndarray, size: int) -> np.ndarray:
        if n * size <= PRESENCE_CELLS:  # a presence table, one byte per (unit, value)
            seen = np.zeros((n, size), dtype=bool)
            seen[unit, codes[kept]] = True
            return seen.sum(axis=1)
        pairs = np.unique(unit.astype(np.int64) * size + codes[kept])
        return np.bincount(pairs // size, minlength=n)

    activities, activity_names = log.codes(ACTIVITY)
    return pd.DataFrame({"events": np.bincount(unit, minlength=n),
                         "cases": distinct(log.case_codes().astype(np.int64), len(log.case_ids())),
                         "activities": distinct(activities.astype(np.int64), len(activity_names))},
                        index=pd.Index([str(name) for name in names], name=GROUP))
