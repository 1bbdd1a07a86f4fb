"""The simulated process: the organisation, the process steps and their timing, the comments with identity
numbers, and the messy rows (:func:`simulate`). See the package's docstring for what is planted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..calendar import WorkCalendar
from ..errors import ConfigError
from ..log import ACTIVITY, CASE, GROUP, RESOURCE, ROW, START, TIMESTAMP

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


# ---- working time, on the project's own Swedish working calendar -----------------------------------------
class _Calendar:
    """Working time 08-17 on Swedish working days as a linear "working seconds" axis, for whole arrays of
    naive local instants: the project's :class:`~processmining.calendar.WorkCalendar` (the one the analyses
    measure with), so the simulated log and its analyses agree on what a working day is. ``to_work(t)``
    counts working seconds from the calendar's epoch to t (an instant outside working hours maps to the next
    opening); ``from_work(w)`` is its inverse, landing on 08:00 <= time < 17:00 of a working day.
    """

    def __init__(self, start: date) -> None:
        self.calendar = WorkCalendar(kind="se", hours=(_OPEN / _HOUR, (_OPEN + _WORKDAY) / _HOUR))

    def to_work(self, t: np.ndarray) -> np.ndarray:
        return self.calendar.local_working_seconds(t).astype(np.int64)

    def from_work(self, w: np.ndarray) -> np.ndarray:
        return self.calendar.local_time_at(w)

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
