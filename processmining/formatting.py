"""One way to format numbers, shares, durations, times and JSON, for every output of the project.

Swedish text uses a non-breaking space as the thousands separator and a decimal comma (``1 234,5``,
``41 %``); English uses a comma and a decimal point (``1,234.5``, ``41%``). Every renderer, command and
automation formats through these functions, so one figure reads the same in the workbook, the page, the
maps, the terminal and an e-mail.

Layer: the bottom (beside :mod:`processmining.errors`): imports numpy, and pandas only when a function needs
it (the command line imports this module before pandas is loaded).

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

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NBSP", "fmt_duration", "fmt_figure", "fmt_number", "fmt_percent", "fmt_share", "fmt_signed", "iso_times",
           "json_float", "json_ready"]

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


def fmt_figure(value: Any, lang: str = "sv", decimals: int = 1) -> str:
    """:func:`fmt_number` of any value that may be missing (None, NaN, not a number): ``-`` then."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "-"
    return "-" if number != number else fmt_number(number, lang, decimals)


def fmt_signed(value: float | None, lang: str = "sv", decimals: int = 2) -> str:
    """A figure whose sign matters (an effect, a difference): a true minus sign (U+2212), never ``-0``;
    ``-`` where there is none."""
    if value is None or value != value:
        return "-"
    return fmt_number(round(value, decimals) + 0.0, lang, decimals).replace("-", "\u2212")  # + 0.0: no -0


def fmt_percent(share: float, lang: str = "sv") -> str:
    """A share as a label on a map or chart: whole percents from 10 %, one decimal below, ``>99,9 %`` for
    what is almost but not quite everything (a rounded "100 %" would say that nothing is left out)."""
    pct = share * 100
    if 99.95 <= pct < 100:
        text = fmt_number(99.9, lang, 1).join((">", ""))
    else:
        text = fmt_number(pct, lang, 0 if pct >= 10 or pct == 0 else 1)
    return f"{text}{NBSP}%"


#: The units of :func:`fmt_duration`.
_DURATION_UNITS = {"sv": {"min": "min", "hour": "tim", "day": "d", "below_min": "< 1 min"},
                   "en": {"min": "min", "hour": "h", "day": "d", "below_min": "< 1 min"}}


def fmt_duration(days: float, *, hours_per_day: float = 24.0, lang: str = "sv") -> str:
    """A duration in days (of ``hours_per_day`` hours) in the unit that reads best: "< 1 min", "45 min",
    "3,2 tim", "4,5 d"; "–" where there is none.

    >>> fmt_duration(0.5, hours_per_day=9.0, lang="en")
    '4.5 h'
    """
    t = _DURATION_UNITS["sv" if lang == "sv" else "en"]
    if math.isnan(days):
        return "–"
    hours = days * hours_per_day
    if hours == 0:
        return f"0 {t['min']}"
    if abs(hours) * 60 < 1:
        return t["below_min"] if hours >= 0 else f"{fmt_number(hours * 60, lang, 1)} {t['min']}"
    if abs(hours) < 1:
        return f"{hours * 60:.0f} {t['min']}"
    if abs(days) < 1:
        return f"{fmt_number(hours, lang, 1)} {t['hour']}"
    return f"{fmt_number(days, lang, 1 if abs(days) < 100 else 0)} {t['day']}"


def json_float(value: Any) -> float | None:
    """A JSON number that is always a float (rounded to 4 decimals), or None for a missing one."""
    result = json_ready(value)
    return None if result is None else float(result)


def json_ready(value: Any) -> Any:
    """Round floats to 4 decimals, NaN/NaT to None, numpy and pandas scalars to Python."""
    import pandas as pd
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
    import pandas as pd
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
