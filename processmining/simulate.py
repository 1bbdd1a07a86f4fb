"""A deterministic simulator of the agency's grant-application process: the demo log.

``simulate(cases=3000, seed=1)`` returns the rows of a Swedish-style case-handling export (headers
Diarienummer;Aktivitet;Starttid;Tidpunkt;Handläggare;Enhet;Program;Region;Belopp;Beslut;Kommentar,
all values as the raw text that is written) and :func:`write_sample` writes them as CSV (``;``,
UTF-8 with BOM, decimal comma), XES (start/complete lifecycle pairs, offsets) or Parquet (the same
text columns). The same arguments give byte-identical files.

What is planted, for the analyses that must find it:

* the bottleneck :data:`PLANTED_BOTTLENECK`: every case waits a median of ~15 Swedish working days
  (lognormal, heavy tail) between "Bedömning" and "Beslut fattat"; the other steps most cases pass
  wait 0-5 days (appeals take weeks, but few cases appeal);
* the automation candidate :data:`PLANTED_AUTOMATION_CANDIDATE`: a manual step of a few minutes by one
  of 8 registrators, always right after "Ärende registrerat" and always followed by "Ärende fördelat",
  behind a 0.5-2 working-day queue;
* the regional difference :data:`PLANTED_SLOW_REGION`: cases from Skåne wait 3x longer between
  "Ärende fördelat" and the case officer's first action;
* the applicant's waiting (clock stop) :data:`CLOCK_STOP_PAIRS`: 3-20 calendar days;
* messy rows (about 0.5 % of rows, see :data:`MESSY_KINDS`), counted in ``SimulationResult.planted``
  and listed row by row in ``SimulationResult.messy_rows``;
* personnummer and samordningsnummer with valid Luhn digits in a few comments, and 10-digit order
  numbers that fail the Luhn check (which must not be masked), counted in ``comment_numbers``.

Two systems: :func:`split_sources` splits an export into what the case-handling system records
(everything but the payments) and what the payment system records (:data:`PAYMENT_ACTIVITIES`, with
its own headers :data:`PAYMENT_COLUMNS`, the key spelled ``2024-000001`` instead of
``TVV 2024-000001``, a clock a few minutes fast, and a few planted payments for cases that do not
exist); :func:`write_split` writes both and the project file that merges them back
(``processmining sample --split DIR``; ``event_logs/projects/demo_split.toml`` is that file).

The export is taken at ``start`` + 730 days (00:00): applications arrive over the first 700 days, so
the cases of the last weeks are still open (their later events are not in the export, and their
decision column is empty until "Beslut fattat" is in the export).

Speed: every step is drawn for all cases at once with numpy, working-time arithmetic is vectorised
over a Swedish working calendar, and text is built with pyarrow compute (no per-event Python loop).
Measured on 2 busy cores: 3.5M events (370,000 cases) simulated in 7-9 s and written as CSV in 5-8 s
more (XES 14 s, Parquet 3 s), peak 1.9 GB; figures per size in ``event_logs/README.md``.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import holidays
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import ConfigError
from .log import ACTIVITY, CASE, GROUP, RESOURCE, ROW, START, TIMESTAMP

__all__ = [
    "CLOCK_STOP_PAIRS",
    "COLUMNS",
    "DISCRETIONARY_ACTIVITIES",
    "MESSY_KINDS",
    "PLANTED_AUTOMATION_CANDIDATE",
    "PLANTED_BOTTLENECK",
    "PLANTED_SLOW_REGION",
    "REGION_UNIT",
    "PAYMENT_ACTIVITIES",
    "PAYMENT_COLUMNS",
    "SPLIT_FILES",
    "SimulationResult",
    "SplitResult",
    "simulate",
    "split_project_toml",
    "split_sources",
    "write_sample",
    "write_split",
]

PLANTED_BOTTLENECK = ("Bedömning", "Beslut fattat")
PLANTED_AUTOMATION_CANDIDATE = "Mottagningsbekräftelse skickad"
DISCRETIONARY_ACTIVITIES = ("Bedömning", "Beslut fattat", "Omprövning")
PLANTED_SLOW_REGION = "Skåne"
CLOCK_STOP_PAIRS = (("Komplettering begärd", "Komplettering inkommen"),)

#: The export's headers, in file order.
COLUMNS = (
    "Diarienummer",
    "Aktivitet",
    "Starttid",
    "Tidpunkt",
    "Handläggare",
    "Enhet",
    "Program",
    "Region",
    "Belopp",
    "Beslut",
    "Kommentar",
)

#: Messy-row kinds and what ingest should do with them. ``label_variant`` rows are real events whose
#: "Beslut fattat" label is misspelt (warned, merged with ``merge_label_variants``); every other kind
#: is an extra row, a damaged copy of a real event placed right after it: ``duplicate`` is an exact
#: copy (ingest counts it as a duplicate), the rest must be rejected.
MESSY_KINDS: Mapping[str, str] = {
    "duplicate": "exact copy of the row before it",
    "empty_timestamp": "copy with an empty Tidpunkt",
    "unparseable_timestamp": "copy with Tidpunkt '2024-13-45 25:00'",
    "future_timestamp": "copy with Tidpunkt moved to the year 2031",
    "empty_case": "copy with an empty Diarienummer",
    "label_variant": "'Beslut fattat' written 'beslut fattat ' or 'Beslut Fattat'",
}
# Share of the messy rows per kind (about 0.5 % of all rows are messy).
_MESSY_SHARE = {
    "duplicate": 0.35,
    "empty_timestamp": 0.11,
    "unparseable_timestamp": 0.11,
    "future_timestamp": 0.11,
    "empty_case": 0.11,
    "label_variant": 0.21,
}
_MESSY_RATE = 0.005
_BAD_DATE = "2024-13-45 25:00"
_LABEL_VARIANTS = ("beslut fattat ", "Beslut Fattat")

# ---- the organisation -----------------------------------------------------------------------------
_UNITS = (
    "E-tjänst",
    "Registratur",
    "Handläggning Nord",
    "Handläggning Mitt",
    "Handläggning Syd",
    "Beslutsenheten",
    "Ekonomienheten",
    "Rättsenheten",
)
_U_ETJ, _U_REG, _U_NORD, _U_MITT, _U_SYD, _U_BESLUT, _U_EKONOMI, _U_RATT = range(len(_UNITS))

#: Region (case:region) -> handling unit, with the relative number of applications.
REGION_UNIT: Mapping[str, str] = {
    "Norrbotten": "Handläggning Nord",
    "Västerbotten": "Handläggning Nord",
    "Jämtland": "Handläggning Nord",
    "Västernorrland": "Handläggning Nord",
    "Stockholm": "Handläggning Mitt",
    "Uppsala": "Handläggning Mitt",
    "Östergötland": "Handläggning Mitt",
    "Örebro": "Handläggning Mitt",
    "Skåne": "Handläggning Syd",
    "Västra Götaland": "Handläggning Syd",
    "Halland": "Handläggning Syd",
    "Kalmar": "Handläggning Syd",
}
_REGION_WEIGHT = (5, 5, 3, 4, 18, 7, 7, 5, 15, 18, 5, 4)
_REGIONS = tuple(REGION_UNIT)

#: Programme, share of applications, approval rate, median amount (kr) and spread (lognormal sigma).
_PROGRAMS = (
    ("Innovationscheck", 0.35, 0.72, 180_000.0, 0.35),
    ("Exportcheck", 0.25, 0.74, 120_000.0, 0.40),
    ("Digitaliseringscheck", 0.25, 0.72, 90_000.0, 0.40),
    ("Regionalt investeringsstöd", 0.15, 0.60, 1_500_000.0, 0.80),
)

_SYSTEM_USERS = ("e-tjänst", "system", "sökande", "ekonomisystem")
_R_ETJ, _R_SYSTEM, _R_APPLICANT, _R_EKONOMI = range(4)
# How many people of each role (their names are generated from the seed).
_N_REGISTRATORS, _N_LEADS_PER_UNIT, _N_OFFICERS_PER_UNIT, _N_DECIDERS, _N_JURISTS, _N_FINANCE = 8, 2, 12, 4, 3, 4

_FIRST_NAMES = (
    "Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Per", "Lena", "Karl", "Emma",
    "Mikael", "Kristina", "Peter", "Elin", "Magnus", "Linnea", "Fredrik", "Ingrid", "Jonas", "Sofia", "Henrik",
    "Malin", "Oskar", "Hanna", "Gustav", "Ida", "Nils", "Ebba", "Olof", "Astrid", "Björn", "Frida", "Mats",
    "Helena", "Ulf", "Åsa", "Göran",
)
_LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
    "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg", "Jakobsson",
    "Magnusson", "Lindström", "Olofsson", "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg",
    "Lundgren", "Lind", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg",
    "Wallin", "Engström", "Eklund", "Danielsson", "Håkansson", "Lundqvist", "Björk", "Ström", "Åberg", "Öberg",
)

# ---- the process: event kinds in their order within a case -----------------------------------------
_ACTIVITIES = (
    "Ansökan inkommen",
    "Ärende registrerat",
    "Mottagningsbekräftelse skickad",
    "Ärende fördelat",
    "Komplettering begärd",
    "Komplettering inkommen",
    "Komplettering begärd",
    "Komplettering inkommen",
    "Bedömning",
    "Bedömning",
    "Beslut fattat",
    "Utbetalning begärd",
    "Utbetalning genomförd",
    "Överklagande inkommit",
    "Omprövning",
    "Överlämnat till förvaltningsrätten",
    "Ärende avslutat",
)
_SYSTEMS = ("e-tjänst", "ärendesystem", "ekonomisystem")
_KIND_SYSTEM = (0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 2, 2, 1, 1, 1, 1)

_HOUR = 3600
_DAY = 86_400
_OPEN = 8 * _HOUR  # working hours 08-17
_WORKDAY = 9 * _HOUR
_ARRIVAL_DAYS = 700  # applications arrive over the first 700 days ...
_EXPORT_DAYS = 730  # ... and the export is taken 730 days after the start
_MONTH_WEIGHT = (0.9, 1.1, 1.3, 1.2, 1.1, 0.9, 0.4, 0.7, 1.2, 1.3, 1.2, 0.7)
_WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 0.9, 0.35, 0.3)
# Hour of day of applications in the e-service; none between 01:00 and 04:00 so that no event ever
# falls in a daylight-saving gap or overlap (02:00-03:00): the naive local times stay unambiguous.
_HOUR_WEIGHT = (1, 0, 0, 0, 0.3, 0.5, 1, 2, 5, 8, 9, 8, 7, 8, 8, 7, 6, 5, 4, 4, 3, 3, 2, 1.5)


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """A simulated export and what was planted in it.

    Attributes:
        events: the rows as written (headers :data:`COLUMNS`, every value the raw text, empty cells
            as ""), messy rows included.
        planted: messy-row kind (:data:`MESSY_KINDS`) -> number of rows of that kind.
        messy_rows: one row per planted messy row: ``row`` (1-based file row, header = 1), ``kind``,
            ``column`` (the damaged column, "" for duplicates) and ``value`` (its text).
        truth: the clean events, typed, one row per real event in file order, with the contract's
            column names (timestamps tz-aware Europe/Stockholm, resources unpseudonymised), the case
            attributes ``case:program``, ``case:region``, ``case:amount`` (float), ``case:decision``,
            ``comment``, ``system`` (which system records the event: "e-tjänst", "ärendesystem",
            "ekonomisystem") and ``@@source_row`` (its row in the written CSV).
        comment_numbers: how many comments carry a personnummer, a samordningsnummer (both with a
            valid Luhn digit: ingest must mask them) and a 10-digit order number failing Luhn (must
            not be masked).
        exported_at: the (naive, local) time of the export; no event is later.
    """

    events: pd.DataFrame
    planted: Mapping[str, int]
    messy_rows: pd.DataFrame
    truth: pd.DataFrame
    comment_numbers: Mapping[str, int]
    exported_at: pd.Timestamp

    @property
    def cases(self) -> int:
        """Number of cases in the export (the messy rows add none)."""
        return int(self.truth[CASE].nunique())


# ---- a vectorised Swedish working calendar --------------------------------------------------------
class _Calendar:
    """Working time 08-17 on Swedish working days, as a linear "working seconds" axis.

    Hand-written because no installed library maps whole arrays of instants to working time;
    numpy's business-day functions do the day arithmetic in C. ``to_work(t)`` counts working seconds
    from the epoch to t (an instant outside working hours maps to the next opening);
    ``from_work(w)`` is its inverse, landing on 08:00 <= time < 17:00 of a working day.
    """

    def __init__(self, start: date) -> None:
        years = range(start.year - 1, start.year + 12)
        # Public holidays and the de-facto ones (midsommarafton, julafton, nyårsafton): the agency is closed.
        days = holidays.country_holidays("SE", years=years, include_sundays=False, categories=("public", "de_facto"))
        self.holidays = np.array(sorted(days), dtype="datetime64[D]")
        self.epoch = np.datetime64(start, "D") - np.timedelta64(60, "D")

    def to_work(self, t: np.ndarray) -> np.ndarray:
        day = t.astype("datetime64[D]")
        tod = (t - day).astype(np.int64)
        count = np.busday_count(self.epoch, day, holidays=self.holidays).astype(np.int64)
        working = np.is_busday(day, holidays=self.holidays)
        return count * _WORKDAY + np.where(working, np.clip(tod - _OPEN, 0, _WORKDAY), 0)

    def from_work(self, w: np.ndarray) -> np.ndarray:
        count, rest = np.divmod(w, _WORKDAY)
        day = np.busday_offset(self.epoch, count, roll="forward", holidays=self.holidays)
        result: np.ndarray = day.astype("datetime64[s]") + (rest + _OPEN).astype("timedelta64[s]")
        return result

    def same_day(self, t: np.ndarray, wait: np.ndarray, service: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start a short task ``wait`` working seconds after t, or the next morning if it would run past 17:00."""
        begin = self.to_work(t) + np.maximum(wait, 1.0).astype(np.int64)
        service = np.maximum(service, 1.0).astype(np.int64)
        late = begin % _WORKDAY > _WORKDAY - service
        begin = np.where(late, (begin // _WORKDAY + 1) * _WORKDAY, begin)
        return self.from_work(begin), self.from_work(begin + service)

    def after(self, t: np.ndarray, seconds: np.ndarray | float) -> np.ndarray:
        """The instant ``seconds`` working seconds after t (at least one second later)."""
        wait = np.maximum(np.asarray(seconds, dtype=np.float64), 1.0).astype(np.int64)
        return self.from_work(self.to_work(t) + wait)


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(n))


def _wd(days: np.ndarray | float) -> np.ndarray:
    """Working days -> working seconds."""
    return np.asarray(days, dtype=np.float64) * _WORKDAY


def _calendar_after(rng: np.random.Generator, t: np.ndarray, low: float, high: float) -> np.ndarray:
    """An applicant's event: low-high calendar days after t, any day, between 06:00 and 23:00."""
    day = (t + (rng.uniform(low, high, len(t)) * _DAY).astype("timedelta64[s]")).astype("datetime64[D]")
    result: np.ndarray = day.astype("datetime64[s]") + rng.integers(6 * _HOUR, 23 * _HOUR, len(t)).astype(
        "timedelta64[s]"
    )
    return result


def _avoid_night(t: np.ndarray) -> np.ndarray:
    """Move system events falling between 01:00 and 04:00 three hours later (see _HOUR_WEIGHT)."""
    hour = (t - t.astype("datetime64[D]")).astype(np.int64) // _HOUR
    return np.where((hour >= 1) & (hour < 4), t + np.timedelta64(3 * _HOUR, "s"), t)


def _names(rng: np.random.Generator, n: int) -> list[str]:
    pairs = rng.choice(len(_FIRST_NAMES) * len(_LAST_NAMES), size=n, replace=False)
    return [f"{_FIRST_NAMES[p // len(_LAST_NAMES)]} {_LAST_NAMES[p % len(_LAST_NAMES)]}" for p in pairs]


# ---- simulation -----------------------------------------------------------------------------------
def simulate(*, cases: int, seed: int = 1, start: str = "2024-01-01", messy: bool = True) -> SimulationResult:
    """Simulate an export of ``cases`` grant applications.

    Args:
        cases: number of applications (cases); about 9.5 events each.
        seed: the random seed; the same arguments give the same rows.
        start: first day of the simulated period (applications arrive over 700 days; the export is
            taken 730 days after ``start``, so pick a start more than two years ago for a log
            without timestamps in the future).
        messy: plant about 0.5 % messy rows (:data:`MESSY_KINDS`); ``False`` for benchmarks.

    Returns:
        The rows as written, the planted counts and the clean typed events.

    Raises:
        ConfigError: ``cases`` below 1 or ``start`` not a date.
    """
    if cases < 1:
        raise ConfigError(f"cases must be at least 1, got {cases}")
    try:
        first = date.fromisoformat(start)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"start date {start!r} is not a valid date; write it like 2024-01-01") from exc
    process_ss, names_ss, comments_ss, messy_ss = np.random.SeedSequence(seed).spawn(4)
    rng = np.random.default_rng(process_ss)
    cal = _Calendar(first)
    export = np.datetime64(first, "D").astype("datetime64[s]") + np.timedelta64(_EXPORT_DAYS * _DAY, "s")

    cols = _draw_process(rng, cal, cases, first)
    people = _people(np.random.default_rng(names_ss))
    table, truth, numbers = _assemble(cols, people, export, np.random.default_rng(comments_ss))
    messy_rng = np.random.default_rng(messy_ss) if messy else None
    events, messy_rows, truth = _plant_messy(table, truth, messy_rng)
    planted = {kind: int((messy_rows["kind"] == kind).sum()) for kind in MESSY_KINDS} if messy else {}
    return SimulationResult(
        events=events,
        planted=planted,
        messy_rows=messy_rows,
        truth=truth,
        comment_numbers=numbers,
        exported_at=pd.Timestamp(export),
    )


def _people(rng: np.random.Generator) -> list[str]:
    """All resource names: system users first, then the staff of each role (see _draw_process)."""
    staff = (
        _N_REGISTRATORS + 3 * _N_LEADS_PER_UNIT + 3 * _N_OFFICERS_PER_UNIT + _N_DECIDERS + _N_JURISTS + _N_FINANCE
    )
    return list(_SYSTEM_USERS) + _names(rng, staff)


def _draw_process(rng: np.random.Generator, cal: _Calendar, n: int, first: date) -> dict[str, Any]:
    """Draw every case's path, times and people, one numpy array per step (no loop over cases)."""
    # Arrivals: a seasonal daily rate (months, weekdays) and an hour-of-day profile.
    days = np.datetime64(first, "D") + np.arange(_ARRIVAL_DAYS)
    months = days.astype("datetime64[M]").astype(np.int64) % 12
    weekdays = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    weight = np.asarray(_MONTH_WEIGHT)[months] * np.asarray(_WEEKDAY_WEIGHT)[weekdays]
    day = rng.choice(_ARRIVAL_DAYS, size=n, p=weight / weight.sum())
    hour_p = np.asarray(_HOUR_WEIGHT) / np.sum(_HOUR_WEIGHT)
    tod = rng.choice(24, size=n, p=hour_p) * _HOUR + rng.integers(0, _HOUR, n)
    arrival = np.sort(days[day].astype("datetime64[s]") + tod.astype("timedelta64[s]"))

    # Case attributes.
    region = rng.choice(len(_REGIONS), size=n, p=np.asarray(_REGION_WEIGHT) / np.sum(_REGION_WEIGHT))
    unit_of_region = np.array([_UNITS.index(REGION_UNIT[r]) for r in _REGIONS])
    unit = unit_of_region[region]  # _U_NORD.._U_SYD
    program = rng.choice(len(_PROGRAMS), size=n, p=[p[1] for p in _PROGRAMS])
    median_amount = np.array([p[3] for p in _PROGRAMS])[program]
    amount_sigma = np.array([p[4] for p in _PROGRAMS])[program]
    amount = np.round(median_amount * np.exp(amount_sigma * rng.standard_normal(n)), 2)
    approved = rng.random(n) < np.array([p[2] for p in _PROGRAMS])[program]
    appeal = ~approved & (rng.random(n) < 0.25)
    completions = rng.choice(3, size=n, p=[0.65, 0.27, 0.08])
    rework = rng.random(n) < 0.10
    reassigned = rework & (rng.random(n) < 0.5)

    # People, as indexes into _people(): system users, registrators, leads, officers, deciders, ...
    base = len(_SYSTEM_USERS)
    registrator = base + rng.integers(0, _N_REGISTRATORS, n)
    base += _N_REGISTRATORS
    unit_no = unit - _U_NORD
    lead = base + unit_no * _N_LEADS_PER_UNIT + rng.integers(0, _N_LEADS_PER_UNIT, n)
    base += 3 * _N_LEADS_PER_UNIT
    officer_p = rng.dirichlet(np.full(_N_OFFICERS_PER_UNIT, 6.0))
    officer_no = rng.choice(_N_OFFICERS_PER_UNIT, size=n, p=officer_p)
    other_no = (officer_no + rng.integers(1, _N_OFFICERS_PER_UNIT, n)) % _N_OFFICERS_PER_UNIT
    officer = base + unit_no * _N_OFFICERS_PER_UNIT + officer_no
    officer2 = np.where(reassigned, base + unit_no * _N_OFFICERS_PER_UNIT + other_no, officer)
    base += 3 * _N_OFFICERS_PER_UNIT
    decider = base + rng.integers(0, _N_DECIDERS, n)
    base += _N_DECIDERS
    jurist = base + rng.integers(0, _N_JURISTS, n)
    base += _N_JURISTS
    finance = base + rng.integers(0, _N_FINANCE, n)

    # Times (naive Europe/Stockholm wall clock, whole seconds).
    t_ans = arrival
    t_reg = t_ans + rng.integers(10, 121, n).astype("timedelta64[s]")
    # The registrators' manual queue (0.5-2 working days), then a few minutes' work.
    s_mot, c_mot = cal.same_day(t_reg, _wd(rng.uniform(0.5, 2.0, n)), rng.uniform(120, 480, n))
    t_ford = cal.after(c_mot, _wd(rng.uniform(0.05, 2.0, n)))
    pickup = _lognormal(rng, 2.0, 0.5, n) * np.where(region == _REGIONS.index(PLANTED_SLOW_REGION), 3.0, 1.0)
    t_first = cal.after(t_ford, _wd(pickup))  # the case officer's first action
    kb1 = t_first
    ki1 = _calendar_after(rng, kb1, 3, 20)  # the applicant's time (clock stop)
    kb2 = cal.after(ki1, _wd(rng.uniform(0.5, 3.0, n)))
    ki2 = _calendar_after(rng, kb2, 3, 20)
    last_completion = np.where(completions >= 2, ki2, ki1)
    s_bed1 = np.where(completions == 0, t_first, cal.after(last_completion, _wd(rng.uniform(0.5, 3.0, n))))
    c_bed1 = cal.after(s_bed1, np.clip(_lognormal(rng, 4 * _HOUR, 0.9, n), 1800, 2.5 * _WORKDAY))
    s_bed2 = cal.after(c_bed1, _wd(rng.uniform(1.0, 5.0, n)))
    c_bed2 = cal.after(s_bed2, np.clip(_lognormal(rng, 3 * _HOUR, 0.9, n), 1800, 2.5 * _WORKDAY))
    c_bed = np.where(rework, c_bed2, c_bed1)
    beslut = cal.after(c_bed, _wd(_lognormal(rng, 15.0, 0.6, n)))  # THE bottleneck
    ub = cal.after(beslut, _wd(rng.uniform(0.5, 4.0, n)))
    # Payments are executed by the payment system's morning run, 1-4 working days after the request.
    ug_day = cal.after(ub, _wd(rng.uniform(1.0, 4.0, n))).astype("datetime64[D]").astype("datetime64[s]")
    ug = ug_day + (5 * _HOUR + rng.integers(0, 1800, n)).astype("timedelta64[s]")
    appeal_in = cal.after(beslut + (rng.uniform(5, 21, n) * _DAY).astype("timedelta64[s]"), 0)
    s_omp = cal.after(appeal_in, _wd(_lognormal(rng, 10.0, 0.5, n)))
    c_omp = cal.after(s_omp, np.clip(_lognormal(rng, 3 * _HOUR, 0.7, n), 1800, 2 * _WORKDAY))
    overl = cal.after(c_omp, _wd(_lognormal(rng, 20.0, 0.6, n)))  # slow: the Ombudsman's criticism
    close_hours = (rng.uniform(1, 30, n) * _HOUR).astype("timedelta64[s]")
    close = np.where(
        approved,
        ug + close_hours,
        np.where(appeal, overl + close_hours, beslut + np.timedelta64(21 * _DAY, "s") + close_hours * 2),
    )
    close = _avoid_night(close)

    always = np.ones(n, dtype=bool)
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    # One entry per event kind (_ACTIVITIES order): present?, start, completion, resource, unit.
    units = np.full(n, 0)
    kinds = [
        (always, nat, t_ans, np.full(n, _R_ETJ), units + _U_ETJ),
        (always, nat, t_reg, np.full(n, _R_SYSTEM), units + _U_REG),
        (always, s_mot, c_mot, registrator, units + _U_REG),
        (always, nat, t_ford, lead, unit),
        (completions >= 1, nat, kb1, officer, unit),
        (completions >= 1, nat, ki1, np.full(n, _R_APPLICANT), units + _U_ETJ),
        (completions >= 2, nat, kb2, officer, unit),
        (completions >= 2, nat, ki2, np.full(n, _R_APPLICANT), units + _U_ETJ),
        (always, s_bed1, c_bed1, officer, unit),
        (rework, s_bed2, c_bed2, officer2, unit),
        (always, nat, beslut, decider, units + _U_BESLUT),
        (approved, nat, ub, finance, units + _U_EKONOMI),
        (approved, nat, ug, np.full(n, _R_EKONOMI), units + _U_EKONOMI),
        (appeal, nat, appeal_in, jurist, units + _U_RATT),
        (appeal, s_omp, c_omp, jurist, units + _U_RATT),
        (appeal, nat, overl, jurist, units + _U_RATT),
        (always, nat, close, np.full(n, _R_SYSTEM), units + _U_REG),
    ]
    return {
        "kinds": kinds,
        "arrival": arrival,
        "region": region,
        "program": program,
        "amount": amount,
        "approved": approved,
        "decided_at": beslut,
    }


def _assemble(
    cols: dict[str, Any], people: list[str], export: np.datetime64, rng: np.random.Generator
) -> tuple[pa.Table, pd.DataFrame, dict[str, int]]:
    """One row per event in file order (case, then step): the text table and the typed truth."""
    kinds = cols["kinds"]
    arrival = cols["arrival"]
    n = len(arrival)
    case_parts, kind_parts = [], []
    for k, (present, _start, done, _res, _unit) in enumerate(kinds):
        idx = np.flatnonzero(present & (done <= export))  # events after the export are not in it
        case_parts.append(idx)
        kind_parts.append(np.full(len(idx), k, dtype=np.int8))
    case = np.concatenate(case_parts)
    kind = np.concatenate(kind_parts)
    order = np.argsort(case, kind="stable")  # kinds were appended in process order
    case, kind = case[order], kind[order]
    start = np.empty(len(case), dtype="datetime64[s]")
    done = np.empty(len(case), dtype="datetime64[s]")
    resource = np.empty(len(case), dtype=np.int64)
    unit = np.empty(len(case), dtype=np.int64)
    for k, (_present, s, c, r, u) in enumerate(kinds):
        sel = kind == k
        rows = case[sel]
        start[sel], done[sel], resource[sel], unit[sel] = s[rows], c[rows], r[rows], u[rows]

    # Case-level text, then taken per event.
    years = arrival.astype("datetime64[Y]").astype(np.int64) + 1970
    _, first_of_year = np.unique(years, return_index=True)
    seq = np.arange(n) - np.repeat(first_of_year, np.diff(np.append(first_of_year, n))) + 1
    case_ids = np.array([f"TVV {y}-{s:06d}" for y, s in zip(years.tolist(), seq.tolist(), strict=True)], dtype=object)
    amount_text = np.array([f"{a:.2f}".replace(".", ",") for a in cols["amount"].tolist()], dtype=object)
    decided = cols["decided_at"] <= export
    decision = np.where(decided, np.where(cols["approved"], "Bifall", "Avslag"), "")
    program_names = np.array([p[0] for p in _PROGRAMS], dtype=object)
    region_names = np.array(_REGIONS, dtype=object)

    comment, numbers = _comments(rng, len(case), resource)
    text = {
        "Diarienummer": _take(case_ids, case),
        "Aktivitet": _take(np.array(_ACTIVITIES, dtype=object), kind),
        "Starttid": _format_times(start, " "),
        "Tidpunkt": _format_times(done, " "),
        "Handläggare": _take(np.array(people, dtype=object), resource),
        "Enhet": _take(np.array(_UNITS, dtype=object), unit),
        "Program": _take(program_names, cols["program"][case]),
        "Region": _take(region_names, cols["region"][case]),
        "Belopp": _take(amount_text, case),
        "Beslut": _take(decision.astype(object), case),
        "Kommentar": pa.array(comment, type=pa.large_string()),
    }
    table = pa.table(text)

    tz = "Europe/Stockholm"

    def as_str(column: str, empty_is_missing: bool = False) -> pd.Series:
        values = table.column(column).to_pandas()
        return values.replace("", None) if empty_is_missing else values

    truth = pd.DataFrame(
        {
            CASE: as_str("Diarienummer"),
            ACTIVITY: as_str("Aktivitet"),
            TIMESTAMP: pd.DatetimeIndex(done).tz_localize(tz),
            START: pd.DatetimeIndex(start).tz_localize(tz),
            RESOURCE: as_str("Handläggare"),
            GROUP: as_str("Enhet"),
            "case:program": as_str("Program"),
            "case:region": as_str("Region"),
            "case:amount": cols["amount"][case],
            "case:decision": as_str("Beslut", empty_is_missing=True),
            "comment": as_str("Kommentar", empty_is_missing=True),
            "system": _take(np.array(_SYSTEMS, dtype=object), np.asarray(_KIND_SYSTEM)[kind]).to_pandas(),
        }
    )
    return table, truth, numbers


def _take(values: np.ndarray, index: np.ndarray) -> pa.Array:
    """values[index] as an Arrow string array (dictionary-style: only the distinct values are built)."""
    return pa.array(values, type=pa.large_string()).take(pa.array(index))


def _format_times(t: np.ndarray, sep: str) -> pa.Array:
    """'YYYY-MM-DD hh:mm:ss' per instant ("" for NaT), built from digits with numpy.

    Hand-written because ``pyarrow.compute.strftime`` and ``numpy.datetime_as_string`` take 1.5-4 s
    per 3.5M values, this about 0.3 s.
    """
    valid = ~np.isnat(t)
    t = t[valid]
    day = t.astype("datetime64[D]")
    month = t.astype("datetime64[M]")
    year = t.astype("datetime64[Y]")
    fields = (
        (year.astype(np.int64) + 1970, 4),
        ((month - year.astype("datetime64[M]")).astype(np.int64) + 1, 2),
        ((day - month.astype("datetime64[D]")).astype(np.int64) + 1, 2),
    )
    tod = (t - day).astype(np.int64)
    clock = ((tod // _HOUR, 2), (tod // 60 % 60, 2), (tod % 60, 2))
    width = 19
    chars = np.empty((len(t), width), dtype=np.uint8)
    pos = 0
    for i, (value, digits) in enumerate(fields + clock):
        for d in range(digits):
            chars[:, pos + d] = ord("0") + value // 10 ** (digits - 1 - d) % 10
        pos += digits
        if i < 5:
            chars[:, pos] = ord("-" if i < 2 else (sep if i == 2 else ":"))
            pos += 1
    lengths = np.where(valid, width, 0)
    offsets = np.zeros(len(valid) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(valid), pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))


# ---- comments with personal identity numbers -------------------------------------------------------
_PLAIN_COMMENTS = (
    "Sökanden har ringt och frågat om status",
    "Budget bifogad i bilaga 2",
    "Kontakt via e-post",
    "Inväntar yttrande från regionen",
    "Felaktigt organisationsnummer rättat",
    'Sökanden skriver: "budget bifogad; se bilaga 2"',
    "Handlingar skannade & arkiverade",
    "Bilaga <budget.pdf> saknas",
)
_PNR_COMMENTS = ("Firmatecknare {} har signerat ansökan", "Kontaktperson pnr {}", "Ombud ({}) har ringt")
_SNR_COMMENTS = ("Samordningsnummer {} angivet för styrelseledamot",)
_ORDER_COMMENTS = ("Order {} skickad till leverantör", "Fakturanummer {} i ekonomisystemet")


def _luhn(nine: np.ndarray) -> np.ndarray:
    """Luhn check digit of 9-digit numbers (YYMMDDNNN), as for Swedish personnummer."""
    total = np.zeros(len(nine), dtype=np.int64)
    for pos in range(9):
        digit = nine // 10 ** (8 - pos) % 10
        product = digit * (2 if pos % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def _identity_numbers(rng: np.random.Generator, n: int, *, coordination: bool) -> list[str]:
    """Personnummer (or samordningsnummer: day + 60) with a valid Luhn digit, in the usual spellings."""
    born = np.datetime64("1945-01-01") + rng.integers(0, 21_000, n).astype("timedelta64[D]")
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    month = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (born - born.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1 + 60 * coordination
    serial = rng.integers(0, 1000, n)
    check = _luhn((year % 100) * 10**7 + month * 10**5 + day * 10**3 + serial)
    style = rng.choice(3, size=n, p=[0.6, 0.25, 0.15])
    out = []
    for y, m, d, s, c, st in zip(*(a.tolist() for a in (year, month, day, serial, check, style)), strict=True):
        text = f"{y:04d}{m:02d}{d:02d}-{s:03d}{c}"
        out.append(text if st == 0 else text[2:] if st == 1 else text.replace("-", ""))
    return out


def _order_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """10-digit order numbers that look like YYMMDDNNNC but whose last digit fails the Luhn check."""
    born = np.datetime64("1960-01-01") + rng.integers(0, 15_000, n).astype("timedelta64[D]")
    yy = born.astype("datetime64[Y]").astype(np.int64) % 100
    mm = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (born - born.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    nine = yy * 10**7 + mm * 10**5 + dd * 10**3 + rng.integers(0, 1000, n)
    wrong = (_luhn(nine) + rng.integers(1, 10, n)) % 10
    return [f"{v:010d}" for v in (nine * 10 + wrong).tolist()]


def _comments(rng: np.random.Generator, n: int, resource: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """The Kommentar column: ~4 % of staff events carry a note; a few hold identity or order numbers.

    Only the few commented rows are formatted in Python (a few % of the events).
    """
    staff = resource >= len(_SYSTEM_USERS)
    rows = np.flatnonzero(staff & (rng.random(n) < 0.04))
    what = rng.choice(4, size=len(rows), p=[0.70, 0.12, 0.05, 0.13])
    pick = rng.integers(0, 1000, len(rows))
    comment = np.full(n, "", dtype=object)
    for code, templates, values in (
        (0, _PLAIN_COMMENTS, None),
        (1, _PNR_COMMENTS, _identity_numbers(rng, int((what == 1).sum()), coordination=False)),
        (2, _SNR_COMMENTS, _identity_numbers(rng, int((what == 2).sum()), coordination=True)),
        (3, _ORDER_COMMENTS, _order_numbers(rng, int((what == 3).sum()))),
    ):
        sel = what == code
        chosen = [templates[p % len(templates)] for p in pick[sel].tolist()]
        filled = chosen if values is None else [t.format(v) for t, v in zip(chosen, values, strict=True)]
        comment[rows[sel]] = filled
    counts = {
        "personnummer": int((what == 1).sum()),
        "samordningsnummer": int((what == 2).sum()),
        "order_number": int((what == 3).sum()),
    }
    return comment, counts


# ---- messy rows ------------------------------------------------------------------------------------
def _plant_messy(
    table: pa.Table, truth: pd.DataFrame, rng: np.random.Generator | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Insert damaged copies after real rows and misspell a few labels; number every row."""
    n = table.num_rows
    empty_messy = pd.DataFrame(
        {"row": pd.Series([], dtype="int64"), "kind": pd.Series([], dtype="str"),
         "column": pd.Series([], dtype="str"), "value": pd.Series([], dtype="str")}
    )
    if rng is None or n == 0:
        truth[ROW] = np.arange(2, n + 2, dtype=np.int64)
        return _to_pandas(table), empty_messy, truth

    total = max(len(MESSY_KINDS), round(_MESSY_RATE * n))
    count = {kind: max(1, round(share * total)) for kind, share in _MESSY_SHARE.items()}
    tidpunkt = table.column("Tidpunkt").combine_chunks()
    decision_rows = np.flatnonzero(pc.equal(table.column("Aktivitet"), "Beslut fattat").to_numpy())
    count["label_variant"] = min(count["label_variant"], len(decision_rows))
    labelled = np.sort(rng.choice(decision_rows, size=count["label_variant"], replace=False))
    copy_kinds = [k for k in MESSY_KINDS if k != "label_variant"]
    # Distinct source rows, none of them relabelled and none on 29 February (no such day in 2031).
    usable = ~pc.match_substring(tidpunkt, "-02-29").to_numpy(zero_copy_only=False)
    usable[labelled] = False
    eligible = np.flatnonzero(usable)
    n_copies = min(sum(count[k] for k in copy_kinds), len(eligible))
    sources = rng.choice(eligible, size=n_copies, replace=False)
    copy_kind = np.repeat(np.arange(len(copy_kinds)), [count[k] for k in copy_kinds])[:n_copies]

    # Row order: every original, each copy right after its source.
    origin = np.concatenate([np.arange(n), sources])
    is_copy = np.concatenate([np.zeros(n, dtype=bool), np.ones(n_copies, dtype=bool)])
    order = np.lexsort((is_copy, origin))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))  # where each original / copy ends up
    copy_pos = position[n:]

    columns = {name: table.column(name).combine_chunks() for name in table.column_names}
    variant = np.array(_LABEL_VARIANTS, dtype=object)[rng.integers(0, len(_LABEL_VARIANTS), len(labelled))]
    columns["Aktivitet"] = _replace(columns["Aktivitet"], labelled, variant)
    take = pa.array(origin[order])
    columns = {name: arr.take(take) for name, arr in columns.items()}
    records = [(position[labelled], np.full(len(labelled), "label_variant"), "Aktivitet", variant)]
    for k, kind in enumerate(copy_kinds):
        sel = copy_kind == k
        pos = copy_pos[sel]
        if kind == "duplicate":
            records.append((pos, np.full(len(pos), kind), "", np.full(len(pos), "", dtype=object)))
            continue
        column = "Diarienummer" if kind == "empty_case" else "Tidpunkt"
        if kind == "unparseable_timestamp":
            value = np.full(len(pos), _BAD_DATE, dtype=object)
        elif kind == "future_timestamp":
            value = np.array(["2031" + t[4:] for t in tidpunkt.take(pa.array(sources[sel])).to_pylist()], dtype=object)
        else:
            value = np.full(len(pos), "", dtype=object)
        columns[column] = _replace(columns[column], pos, value)
        records.append((pos, np.full(len(pos), kind), column, value))

    messy = pd.DataFrame(
        {
            "row": np.concatenate([r[0] for r in records]) + 2,
            "kind": np.concatenate([r[1] for r in records]),
            "column": np.concatenate([np.full(len(r[0]), r[2], dtype=object) for r in records]),
            "value": np.concatenate([np.asarray(r[3], dtype=object) for r in records]),
        }
    ).astype({"kind": "str", "column": "str", "value": "str"})
    messy = messy.sort_values("row", ignore_index=True)
    truth[ROW] = position[:n] + 2
    return _to_pandas(pa.table(columns)), messy, truth


def _replace(arr: pa.Array, positions: np.ndarray, values: np.ndarray) -> pa.Array:
    mask = np.zeros(len(arr), dtype=bool)
    mask[positions] = True
    ordered = np.asarray(values, dtype=object)[np.argsort(positions, kind="stable")]
    return pc.replace_with_mask(arr, pa.array(mask), pa.array(ordered, type=arr.type))


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas()


# ---- writers ---------------------------------------------------------------------------------------
_FORMATS = ("csv", "xes", "parquet")
_CHUNK = 250_000


def write_sample(result: SimulationResult, path: Path, *, fmt: str = "csv") -> Path:
    """Write the simulated export.

    Args:
        result: from :func:`simulate`.
        path: the file to write; a name ending in ``.gz`` is gzip-compressed (csv and xes),
            deterministically (no time stamp or name in the gzip header).
        fmt: ``csv`` (``;``, UTF-8 with BOM, decimal comma, LF line ends, quotes only where a value
            needs them),
            ``xes`` (XES 1.0 written as text; activities with a Starttid become a start and a complete
            event; trace attributes ``program``, ``region``, ``amount`` (float), ``decision``; event
            attribute ``comment``) or ``parquet`` (the same text columns as the CSV).

    Returns:
        The path written.

    Raises:
        ConfigError: an unknown format.
    """
    if fmt not in _FORMATS:
        raise ConfigError(f"unknown format {fmt!r}; use one of {', '.join(_FORMATS)}")
    path = Path(path)
    try:
        if fmt == "parquet":
            table = pa.Table.from_pandas(result.events, preserve_index=False)
            pq.write_table(table, path, compression="zstd")
            return path
        chunks = _csv_chunks(result.events) if fmt == "csv" else _xes_chunks(result.events)
        with _open_output(path) as fh:
            for chunk in chunks:
                fh.write(chunk)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write ({exc.strerror or exc}); check that its folder exists") from exc
    return path


class _open_output:
    """A binary file, gzip-compressed without time stamp or name when its name ends in .gz."""

    def __init__(self, path: Path) -> None:
        self.raw: IO[bytes] = path.open("wb")
        self.fh: IO[bytes] = (
            gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0, compresslevel=6)  # type: ignore[assignment]
            if path.name.endswith(".gz")
            else self.raw
        )

    def __enter__(self) -> IO[bytes]:
        return self.fh

    def __exit__(self, *exc: object) -> None:
        if self.fh is not self.raw:
            self.fh.close()
        self.raw.close()


def _string_bytes(arr: pa.Array) -> memoryview:
    """The concatenated UTF-8 bytes of a (large) string array without nulls, without a copy."""
    arr = arr.cast(pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]


def _join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and constant strings."""
    args = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p.cast(pa.large_string()) for p in parts]
    return pc.binary_join_element_wise(*args, pa.scalar("", pa.large_string()))


def _csv_quote(arr: pa.Array) -> pa.Array:
    """Quote (RFC 4180) only the values holding ; " or a line break."""
    needs = pc.match_substring_regex(arr, '[;"\r\n]')
    if not pc.any(needs).as_py():
        return arr
    quoted = _join('"', pc.replace_substring(arr, '"', '""'), '"')
    return pc.if_else(needs, quoted, arr)


def _chunks(frame: pd.DataFrame) -> Iterator[dict[str, pa.Array]]:
    for begin in range(0, len(frame), _CHUNK):
        part = frame.iloc[begin : begin + _CHUNK]
        yield {name: pa.array(part[name], type=pa.large_string()) for name in COLUMNS}


def _csv_chunks(events: pd.DataFrame) -> Iterator[bytes | memoryview]:
    yield ("\ufeff" + ";".join(COLUMNS) + "\n").encode("utf-8")
    for cols in _chunks(events):
        parts: list[pa.Array | str] = []
        for name in COLUMNS:
            parts += [_csv_quote(pc.fill_null(cols[name], "")), ";"]
        parts[-1] = "\n"
        yield _string_bytes(_join(*parts))


_XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
<classifier name="Activity" keys="concept:name"/>
<string key="concept:name" value="Demo: ansökningar om företagsstöd (simulerade)"/>
"""


def _xml_escape(arr: pa.Array) -> pa.Array:
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        arr = pc.replace_substring(arr, raw, entity)
    return arr


def _xes_time(text: pa.Array, key: str) -> pa.Array:
    """``<date key=... value="2024-03-14T09:12:33+01:00"/>`` per row; "" where the text is empty.

    A value that is not a time (a messy row) is written as it stands, as an export tool would.
    """
    parsed = pc.strptime(text, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    wall = parsed.to_numpy(zero_copy_only=False).astype("datetime64[s]")
    local = (
        pd.DatetimeIndex(wall)
        .as_unit("s")
        .tz_localize("Europe/Stockholm", ambiguous=np.ones(len(wall), dtype=bool), nonexistent="shift_forward")
    )
    local_wall = np.asarray(local.tz_localize(None), dtype="datetime64[s]")
    offset = local_wall.astype(np.int64) - local.asi8  # asi8: seconds since the epoch in UTC
    iso = _format_times(local_wall, "T")
    suffix = _offset_text(offset)
    value = pc.if_else(pc.is_valid(parsed), _join(iso, suffix), _xml_escape(text))
    element = _join(f'<date key="{key}" value="', value, '"/>')
    return pc.if_else(pc.equal(text, ""), pa.scalar("", pa.large_string()), element)


def _offset_text(offset: np.ndarray) -> pa.Array:
    """UTC offsets in seconds -> "+01:00"-style text (only a handful of distinct values)."""
    values, inverse = np.unique(offset, return_inverse=True)
    texts = np.array(
        [f"{'-' if v < 0 else '+'}{abs(int(v)) // 3600:02d}:{abs(int(v)) % 3600 // 60:02d}" for v in values],
        dtype=object,
    )
    return pa.array(texts, type=pa.large_string()).take(pa.array(inverse.ravel()))


def _optional(key: str, arr: pa.Array, kind: str = "string") -> pa.Array:
    element = _join(f'<{kind} key="{key}" value="', _xml_escape(arr), '"/>')
    return pc.if_else(pc.equal(arr, ""), pa.scalar("", pa.large_string()), element)


def _xes_chunks(events: pd.DataFrame) -> Iterator[bytes | memoryview]:
    yield _XES_HEAD.encode("utf-8")
    case_text = events["Diarienummer"].to_numpy(dtype=object)
    if (case_text == "").any():
        # Rows without a case id become traces of their own at the end, so that they do not split
        # their neighbours' traces in two.
        order = np.argsort(case_text == "", kind="stable")
        events, case_text = events.iloc[order], case_text[order]
    # A trace starts where the case id changes; rows without a case id are traces of their own.
    starts = np.ones(len(case_text), dtype=bool)
    starts[1:] = (case_text[1:] != case_text[:-1]) | (case_text[1:] == "")
    first = True
    for begin, cols in zip(range(0, len(events), _CHUNK), _chunks(events), strict=True):
        size = len(cols["Aktivitet"])
        common = _join(
            _optional("concept:name", cols["Aktivitet"]),
            _optional("org:resource", cols["Handläggare"]),
            _optional("org:group", cols["Enhet"]),
        )
        start_time = _xes_time(cols["Starttid"], "time:timestamp")
        start_event = _join(
            "<event>", common, '<string key="lifecycle:transition" value="start"/>', start_time, "</event>\n"
        )
        start_event = pc.if_else(pc.equal(cols["Starttid"], ""), pa.scalar("", pa.large_string()), start_event)
        complete_event = _join(
            "<event>",
            common,
            '<string key="lifecycle:transition" value="complete"/>',
            _xes_time(cols["Tidpunkt"], "time:timestamp"),
            _optional("comment", cols["Kommentar"]),
            "</event>\n",
        )
        amount = pc.replace_substring(cols["Belopp"], ",", ".")
        trace_head = _join(
            "</trace>\n<trace>",
            _optional("concept:name", cols["Diarienummer"]),
            _optional("program", cols["Program"]),
            _optional("region", cols["Region"]),
            _optional("amount", amount, "float"),
            _optional("decision", cols["Beslut"]),
            "\n",
        )
        opens = starts[begin : begin + size]
        trace_head = pc.if_else(pa.array(opens), trace_head, pa.scalar("", pa.large_string()))
        lines = _join(trace_head, start_event, complete_event)
        data = _string_bytes(lines)
        if first and size:
            data = data[len(b"</trace>\n") :]  # the first trace has none to close
            first = False
        yield data
    yield b"</trace>\n</log>\n" if len(events) else b"</log>\n"



# ---- two systems: the export split into a case system and a payment system ---------------------------
#: The events the payment system (ekonomisystemet) records; everything else is in the case system.
PAYMENT_ACTIVITIES = ("Utbetalning begärd", "Utbetalning genomförd")
#: The payment system's export headers, in file order (its own names for key, activity, time, ...).
PAYMENT_COLUMNS = ("Ärende-ID", "Händelse", "Bokförd", "Attestant", "Enhet", "Belopp", "Meddelande")
#: File names written by :func:`write_split`: case system, payment system, project file.
SPLIT_FILES = ("case_system.csv", "payments.csv", "demo_split.toml")
_CASE_PREFIX = "TVV "
_PAYMENT_TIME = "%Y-%m-%dT%H:%M:%S"
_UNMATCHED_FROM = 990_001  # numbers within a year from here on are never given to a case


@dataclass(frozen=True, slots=True)
class SplitResult:
    """A simulated export split into the two systems that record a grant case.

    Attributes:
        case_system: the case-handling system's rows (headers :data:`COLUMNS`, raw text): every row of
            the export except the payment events, messy rows included, in file order.
        payments: the payment system's rows (headers :data:`PAYMENT_COLUMNS`, raw text): the rows whose
            activity is one of :data:`PAYMENT_ACTIVITIES`, in file order, then the planted rows. Its key
            ``Ärende-ID`` is spelled without the ``"TVV "`` prefix (``2024-000001``), its clock is
            ``offset`` ahead (``Bokförd`` = Tidpunkt + offset, ISO ``2024-03-05T05:12:33``; a messy
            Tidpunkt that is not a time is copied as it stands), amounts have a decimal point.
        offset: how far the payment system's clock is ahead of the case system's.
        unmatched_keys: planted keys (as spelled in ``payments``) of payments for cases the case system
            does not have; each has a "Utbetalning begärd" and a "Utbetalning genomförd" row.
        malformed_keys: planted keys that no normalisation to ``YYYY-NNNNNN`` accepts (``2024/000123``):
            an extra copy of a real payment row each.
        planted_rows: rows of ``payments`` that carry a planted key.
    """

    case_system: pd.DataFrame
    payments: pd.DataFrame
    offset: pd.Timedelta
    unmatched_keys: tuple[str, ...]
    malformed_keys: tuple[str, ...]
    planted_rows: int


def split_sources(
    result: SimulationResult,
    *,
    offset_minutes: int = 7,
    unmatched: int = 3,
    malformed: int = 1,
    seed: int = 0,
) -> SplitResult:
    """Split a simulated export into a case-system file and a payment-system file.

    Merging the two back (``processmining merge`` with the project file :func:`write_split` writes)
    gives exactly the events of the single export: same case ids after key normalisation, activities,
    timestamps after the clock correction and count, plus the planted keys listed as unmatched or not
    normalisable.

    Args:
        result: from :func:`simulate`.
        offset_minutes: how many minutes the payment system's clock is ahead (may be negative).
        unmatched: how many payments for cases that do not exist to plant (two rows each).
        malformed: how many payment rows with a key no normalisation accepts to plant.
        seed: the random seed for which payment rows the planted ones copy.

    Raises:
        ConfigError: negative counts, or more planted keys than the export has paid cases.
    """
    if unmatched < 0 or malformed < 0:
        raise ConfigError(f"unmatched and malformed must be 0 or more, got {unmatched} and {malformed}")
    events = result.events
    is_payment = events["Aktivitet"].isin(PAYMENT_ACTIVITIES).to_numpy(dtype=bool)
    case_system = events.loc[~is_payment].reset_index(drop=True)
    paid = events.loc[is_payment]
    offset = pd.Timedelta(minutes=offset_minutes)

    # Template cases for the planted rows: paid cases with exactly one row of each payment activity.
    truth = result.truth
    pay_truth = truth[truth[ACTIVITY].isin(PAYMENT_ACTIVITIES)]
    per_case = pay_truth.groupby(CASE)[ACTIVITY].agg(["size", "nunique"])
    complete = per_case.index[(per_case["size"] == 2) & (per_case["nunique"] == 2)].sort_values()
    if unmatched + malformed > len(complete):
        raise ConfigError(f"only {len(complete)} paid case(s) to copy; plant fewer keys "
                          f"(asked for {unmatched} unmatched and {malformed} malformed)")
    rng = np.random.default_rng(seed)
    chosen = complete[np.sort(rng.choice(len(complete), size=unmatched + malformed, replace=False))]
    rows = truth.loc[truth[CASE].isin(chosen) & truth[ACTIVITY].isin(PAYMENT_ACTIVITIES), ROW]
    template = events.iloc[rows.to_numpy() - 2]

    planted_frames, unmatched_keys, malformed_keys = [], [], []
    for k, case in enumerate(chosen):
        year, number = case.removeprefix(_CASE_PREFIX).split("-")
        block = template[template["Diarienummer"] == case].copy()
        if k < unmatched:
            key = f"{year}-{_UNMATCHED_FROM + k:06d}"
            unmatched_keys.append(key)
        else:
            key = f"{year}/{number}"
            malformed_keys.append(key)
            block = block.iloc[:1]
        block["Diarienummer"] = _CASE_PREFIX + key  # the prefix is taken off below with the others
        planted_frames.append(block)
    sequence = result.truth[CASE].str.rsplit("-", n=1).str[1].astype(int)
    if len(sequence) and sequence.max() >= _UNMATCHED_FROM:
        raise ConfigError("too many cases in one year to plant unmatched keys; simulate fewer cases")
    rows_out = pd.concat([paid, *planted_frames], ignore_index=True)
    payments = _payment_rows(rows_out, offset)
    planted = sum(len(f) for f in planted_frames)
    return SplitResult(case_system=case_system, payments=payments, offset=offset,
                       unmatched_keys=tuple(unmatched_keys), malformed_keys=tuple(malformed_keys),
                       planted_rows=planted)


def _payment_rows(rows: pd.DataFrame, offset: pd.Timedelta) -> pd.DataFrame:
    """Case-system rows rewritten the way the payment system exports them."""
    text = rows["Tidpunkt"].astype(str)
    parsed = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    shifted = (parsed + offset).dt.strftime(_PAYMENT_TIME)
    booked = shifted.where(parsed.notna(), text).astype(str)
    return pd.DataFrame({
        "Ärende-ID": rows["Diarienummer"].astype(str).str.removeprefix(_CASE_PREFIX).to_numpy(dtype=object),
        "Händelse": rows["Aktivitet"].to_numpy(dtype=object),
        "Bokförd": booked.to_numpy(dtype=object),
        "Attestant": rows["Handläggare"].to_numpy(dtype=object),
        "Enhet": rows["Enhet"].to_numpy(dtype=object),
        "Belopp": rows["Belopp"].astype(str).str.replace(",", ".", regex=False).to_numpy(dtype=object),
        "Meddelande": rows["Kommentar"].to_numpy(dtype=object),
    }, columns=list(PAYMENT_COLUMNS))


def _clock_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def split_project_toml(split: SplitResult) -> str:
    """The project file describing the two exports :func:`write_split` writes (paths beside it)."""
    minutes = int(split.offset.total_seconds() // 60)
    correction = _clock_text(-minutes)
    fast = f"{abs(minutes)} minute(s) {'fast' if minutes >= 0 else 'slow'}"
    return f'''# A project: two exports of one grant process, merged into one event log.
# Written by `processmining sample --split DIR` beside the two exports it names (paths are relative to
# this file); the format is described in processmining/ingest/merge.py.
#
#   processmining sample --cases 3000 --seed 1 --split reports/demo_split
#   processmining merge reports/demo_split/demo_split.toml --out reports/demo_split/merged.parquet
name = "Demo: ärendesystem + ekonomisystem"
description = "The demo export split in two: the case-handling system and the payment system"

[join]
# Keys are normalised like this in every source before they are matched:
# " tvv 2024-000001" and "2024-000001" both become "2024-000001".
strip_whitespace = true
upper = true
strip_prefixes = ["TVV "]
pattern = '^\\d{{4}}-\\d{{6}}$'        # a key that does not look like 2024-000001 is listed and rejected
primary = "ärendesystem"         # the case system says which cases exist
unmatched = "reject"             # payments for cases it does not have are listed and rejected

[[sources]]
system = "ärendesystem"
path = "{SPLIT_FILES[0]}"
clock_offset = "+00:00"

[sources.profile]
name = "Ärendesystemet"
description = "Semicolon CSV from the case-handling system (the demo export without the payments)"

[sources.profile.csv]
delimiter = ";"
encoding = "utf-8-sig"
decimal = ","

[sources.profile.columns]
case = "Diarienummer"
activity = "Aktivitet"
timestamp = "Tidpunkt"
start = "Starttid"
resource = "Handläggare"
unit = "Enhet"

[sources.profile.attributes]
Program = "case:program"
Region = "case:region"
Belopp = "case:amount"
Beslut = "case:decision"
Kommentar = "comment"

[sources.profile.timestamps]
format = "%Y-%m-%d %H:%M:%S"
timezone = "Europe/Stockholm"
earliest = "2000-01-01"

[sources.profile.labels]
merge_variants = true

[sources.profile.validation]
drop_duplicates = true

[[sources]]
system = "ekonomisystem"
path = "{SPLIT_FILES[1]}"
clock_offset = "{correction}"   # the payment system's clock is {fast}

[sources.profile]
name = "Ekonomisystemet"
description = "Comma CSV from the payment system: payments only, its own key spelling and clock"

[sources.profile.csv]
delimiter = ","
encoding = "utf-8"
decimal = "."

[sources.profile.columns]
case = "Ärende-ID"
activity = "Händelse"
timestamp = "Bokförd"
resource = "Attestant"
unit = "Enhet"

[sources.profile.attributes]
Belopp = "case:amount"
Meddelande = "comment"

[sources.profile.timestamps]
format = "{_PAYMENT_TIME}"
timezone = "Europe/Stockholm"
earliest = "2000-01-01"

[sources.profile.validation]
drop_duplicates = true
'''


def write_split(split: SplitResult, directory: str | Path) -> list[Path]:
    """Write the two exports and the project file into ``directory`` (:data:`SPLIT_FILES`).

    The case system as :func:`write_sample` writes CSV (``;``, UTF-8 with BOM); the payment system as
    ``,``-separated UTF-8 without BOM, LF line ends, quotes only where needed. Deterministic.

    Raises:
        ConfigError: the folder cannot be written.
    """
    directory = Path(directory)
    case_path, pay_path, project_path = (directory / name for name in SPLIT_FILES)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _open_output(case_path) as fh:
            for chunk in _csv_chunks(split.case_system):
                fh.write(chunk)
        pay_path.write_bytes(split.payments.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        project_path.write_text(split_project_toml(split), encoding="utf-8", newline="\n")
    except OSError as exc:
        raise ConfigError(f"{directory}: cannot write ({exc.strerror or exc}); check that it is a writable folder") \
            from exc
    return [case_path, pay_path, project_path]
