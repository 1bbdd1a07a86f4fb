"""One way to format numbers, shares, durations, times and JSON, for every output of the project.

Swedish text uses a non-breaking space as the thousands separator and a decimal comma (``1 234,5``,
``41 %``); English uses a comma and a decimal point (``1,234.5``, ``41%``). Every renderer, command and
automation formats through these functions, so one figure reads the same in the workbook, the page, the
maps, the terminal and an e-mail.

Layer: the bottom (beside :mod:`processmining.errors`): imports numpy and pandas only.

    >>> fmt_number(1234.5)
    '1\\xa0234,5'
    >>> fmt_number(1234.5, "en")
    '1,234.5'
    >>> fmt_share(0.41, "en")
    '41%'
    >>> json_ready({"a": float("nan"), "b": 1 / 3})
    {'a': None, 'b': 0.3333}
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["NBSP", "fmt_number", "fmt_share", "iso_times", "json_ready"]

#: The Swedish thousands separator (and the space before ``%``): a non-breaking space.
NBSP = "\u00a0"


def fmt_number(value: float, lang: str = "sv", decimals: int = 1) -> str:
    """``1234.5`` as ``1 234,5`` (Swedish: non-breaking space, decimal comma) or ``1,234.5`` (English)."""
    text = f"{value:,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
    return text


def fmt_share(share: float, lang: str = "sv") -> str:
    """``0.41`` as ``41 %`` (Swedish, with a non-breaking space) or ``41%`` (English)."""
    pct = fmt_number(share * 100, lang, 0)
    return f"{pct}{NBSP}%" if lang == "sv" else f"{pct}%"


def json_ready(value: Any) -> Any:
    """Round floats to 4 decimals, NaN/NaT to None, numpy and pandas scalars to Python."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else round(float(value), 4)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if value is None or value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def iso_times(values: pd.Series) -> np.ndarray:
    """ISO 8601 local time with offset (``2024-01-02T12:51:49+01:00``), vectorised; NaT becomes "".

    Written by hand because pandas formats tz-aware timestamps one Python call per value (1-2 s per
    100k); numpy formats the wall clock in C and the (few distinct) offsets come from a lookup.
    """
    idx = pd.DatetimeIndex(values)
    local = idx.tz_localize(None)
    nat = np.asarray(idx.isna())
    stamps = local.to_numpy()
    subsecond = bool((local[~nat].microsecond != 0).any() or (local[~nat].nanosecond != 0).any())
    text = np.datetime_as_string(stamps, unit="ms" if subsecond else "s")
    minutes = np.where(nat, 0, ((local - idx.tz_convert("UTC").tz_localize(None)) // pd.Timedelta(minutes=1))
                       .to_numpy(dtype="float64", na_value=0)).astype("int64")
    offsets, inverse = np.unique(minutes, return_inverse=True)
    labels = np.array([f"{'+' if m >= 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in offsets])
    result = np.char.add(text.astype(str), labels[inverse]).astype(object)
    result[nat] = ""
    return result
