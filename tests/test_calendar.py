"""Working-day durations against a day-by-day count over the Swedish calendar."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from processmining.calendar import WorkCalendar, get_calendar, parse_hours
from processmining.errors import ConfigError

TZ = "Europe/Stockholm"
SWEDISH_DAYS_OFF = {
    dt.date(2025, 1, 1), dt.date(2025, 1, 6), dt.date(2025, 4, 18), dt.date(2025, 4, 21), dt.date(2025, 5, 1),
    dt.date(2025, 5, 29), dt.date(2025, 6, 6), dt.date(2025, 6, 20),  # midsommarafton
    dt.date(2025, 12, 24), dt.date(2025, 12, 25), dt.date(2025, 12, 26), dt.date(2025, 12, 31),
    dt.date(2026, 1, 1),
}


def brute_force_hours(start: pd.Timestamp, end: pd.Timestamp, h0: float = 8, h1: float = 17) -> float:
    """Walk day by day over local dates, adding the overlap of [start, end) with each day's hours."""
    s, e = start.tz_convert(TZ).tz_localize(None), end.tz_convert(TZ).tz_localize(None)
    total = 0.0
    day = s.normalize()
    while day <= e:
        if day.weekday() < 5 and day.date() not in SWEDISH_DAYS_OFF:
            open_, close = day + pd.Timedelta(hours=h0), day + pd.Timedelta(hours=h1)
            overlap = (min(close, e) - max(open_, s)).total_seconds()
            total += max(overlap, 0.0) / 3600
        day += pd.Timedelta(days=1)
    return total


CASES = [
    ("2025-06-18 10:00", "2025-06-24 10:00"),  # over midsommarafton and the weekend
    ("2025-12-22 16:00", "2026-01-02 09:00"),  # jul and nyår
    ("2025-03-28 12:00", "2025-03-31 12:00"),  # DST spring forward (30 March)
    ("2025-10-24 08:00", "2025-10-27 17:00"),  # DST fall back (26 October)
    ("2025-04-17 13:30", "2025-04-22 08:30"),  # Easter
    ("2025-05-03 10:00", "2025-05-04 12:00"),  # weekend only
    ("2025-02-03 07:00", "2025-02-03 19:00"),  # one day, outside hours at both ends
]


def test_working_hours_equal_a_day_by_day_count() -> None:
    cal = WorkCalendar()
    starts = pd.Series(pd.to_datetime([a for a, _ in CASES]).tz_localize(TZ))
    ends = pd.Series(pd.to_datetime([b for _, b in CASES]).tz_localize(TZ))
    got = cal.working_hours(starts, ends)
    expected = [brute_force_hours(s, e) for s, e in zip(starts, ends, strict=True)]
    np.testing.assert_allclose(got, expected)
    # midsommar: Wed 10-17 (7) + Thu (9) + Fri midsommarafton (0) + Mon (9) + Tue 8-10 (2) = 27 h = 3 working days
    assert got[0] == pytest.approx(27.0)
    assert cal.working_days(starts, ends)[0] == pytest.approx(3.0)


def test_dst_calendar_days_are_elapsed_time_and_working_days_are_wall_clock() -> None:
    cal = WorkCalendar()
    start = pd.Series([pd.Timestamp("2025-03-29 12:00", tz=TZ), pd.Timestamp("2025-10-25 12:00", tz=TZ)])
    end = pd.Series([pd.Timestamp("2025-03-30 12:00", tz=TZ), pd.Timestamp("2025-10-26 12:00", tz=TZ)])
    # The night of 30 March has 23 hours, that of 26 October 25 hours: elapsed time, as pm4py counts it.
    np.testing.assert_allclose(cal.calendar_days(start, end), [23 / 24, 25 / 24])
    # Friday 2025-03-28 08:00 to Monday 2025-03-31 17:00 local: exactly two working days, DST or not.
    s = pd.Series([pd.Timestamp("2025-03-28 08:00", tz=TZ)])
    e = pd.Series([pd.Timestamp("2025-03-31 17:00", tz=TZ)])
    assert cal.working_days(s, e)[0] == pytest.approx(2.0)


def test_timestamps_with_other_offsets_count_in_stockholm_wall_clock() -> None:
    cal = WorkCalendar()
    s = pd.Series(pd.to_datetime(["2025-02-03T07:00:00+00:00"], utc=True))  # 08:00 in Stockholm
    e = pd.Series(pd.to_datetime(["2025-02-03T16:00:00+00:00"], utc=True))  # 17:00 in Stockholm
    assert cal.working_hours(s, e)[0] == pytest.approx(9.0)


def test_missing_values_give_nan_and_reverse_order_is_negative() -> None:
    cal = WorkCalendar()
    s = pd.Series([pd.Timestamp("2025-02-04 08:00", tz=TZ), pd.NaT]).astype(f"datetime64[ns, {TZ}]")
    e = pd.Series([pd.Timestamp("2025-02-03 08:00", tz=TZ), pd.Timestamp("2025-02-03 08:00", tz=TZ)])
    got = cal.working_hours(s, e)
    assert got[0] == pytest.approx(-9.0)
    assert np.isnan(got[1])


def test_calendar_none_counts_every_hour_and_custom_hours() -> None:
    s = pd.Series([pd.Timestamp("2025-05-03 10:00", tz=TZ)])  # a Saturday
    e = pd.Series([pd.Timestamp("2025-05-04 10:00", tz=TZ)])
    assert get_calendar("none").working_days(s, e)[0] == pytest.approx(1.0)
    assert get_calendar("se").working_days(s, e)[0] == 0.0
    cal = get_calendar("se", "8:30-16:30")
    assert cal.hours_per_day == 8.0
    assert "08:30-16:30" in cal.describe()
    assert "arbetsdagar" in cal.describe("sv")


@pytest.mark.parametrize("bad", ["17-08", "8", "x-y", "08-25"])
def test_bad_hours_are_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="working hours"):
        parse_hours(bad)


def test_working_days_in_counts_a_month() -> None:
    # June 2025: 21 weekdays minus Nationaldagen (6th) and midsommarafton (20th) = 19
    assert WorkCalendar().working_days_in(dt.date(2025, 6, 1), dt.date(2025, 6, 30)) == 19
