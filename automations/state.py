"""The state of the open cases, taken from the latest export: what every automation looks at.

Definitions (as of an instant ``now``, default the log's last timestamp; events after ``now`` are
ignored, so that a test or a re-run can fix the instant):

- A case is closed when it has one of the closing activities (default "Ärende avslutat"); every
  other case is open. Only open cases are in the state.
- Acknowledged: the case has the acknowledgement activity ("Mottagningsbekräftelse skickad").
- An outstanding request for completion: a "Komplettering begärd" with no later "Komplettering
  inkommen" in its case. ``waiting_days`` counts working days from the request to ``now``.
- Days open: working days from the case's first event to ``now`` (``processmining.calendar``).
- Handling days: days open minus the applicant's time (between a request and its completion), the
  same measure ``processmining``'s target check uses (``analyses.sla``), unless the config turns
  the clock stop off; then handling days = days open.
- Target and days left: the handling-time target in working days (per programme or default, from the
  config's ``[targets]``); days left = target - handling days (negative: overdue). NaN without a target.
- Unit: the ``org:group`` of the case's latest event, ignoring units such as the e-service that only
  record incoming mail (``[case] ignore_units``).

Everything is computed with vectorised pandas/numpy over the sorted event table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from processmining.analyses.sla import attribute_waiting, check_targets
from processmining.calendar import WorkCalendar
from processmining.errors import ConfigError, UnreadableFileError
from processmining.log import ACTIVITY, CASE, GROUP, TIMESTAMP, EventLog

from .config import AutomationConfig

__all__ = ["CASE_COLUMNS", "REQUEST_COLUMNS", "OpenCaseState", "build_state", "latest_export", "parse_now",
           "read_export"]

#: Columns of :attr:`OpenCaseState.cases` (index: case id).
CASE_COLUMNS = (
    "first_time", "last_activity", "last_time", "received_time", "acknowledged", "open_requests", "email",
    "programme", "unit", "days_open", "handling_days", "target", "days_left",
)
#: Columns of :attr:`OpenCaseState.requests` (one row per outstanding request for completion).
REQUEST_COLUMNS = ("case", "requested_at", "waiting_days")

_LOG_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".xlsx", ".xes", ".xes.gz", ".parquet")


@dataclass(frozen=True, slots=True)
class OpenCaseState:
    """Open cases as of :attr:`now`.

    Attributes:
        now: the instant of measurement (tz-aware).
        cases: one row per open case, columns :data:`CASE_COLUMNS`, sorted by case id.
        requests: outstanding requests for completion of open cases, columns :data:`REQUEST_COLUMNS`.
        closed_cases: number of closed cases in the log (not in ``cases``).
        basis: ``"agency"`` (applicant time excluded from handling days) or ``"throughput"``.
        calendar: the working calendar of every day count.
        source: the log's source path.
    """

    now: pd.Timestamp
    cases: pd.DataFrame
    requests: pd.DataFrame
    closed_cases: int
    basis: str
    calendar: WorkCalendar
    source: str

    @property
    def open_cases(self) -> int:
        return len(self.cases)

    def summary(self) -> dict[str, Any]:
        """Counts for messages and flow results."""
        left = self.cases["days_left"]
        return {
            "now": self.now.isoformat(),
            "open_cases": self.open_cases,
            "closed_cases": self.closed_cases,
            "unacknowledged": int((self.cases["received_time"].notna() & ~self.cases["acknowledged"]).sum()),
            "open_requests": len(self.requests),
            "with_target": int(self.cases["target"].notna().sum()),
            "overdue": int((left < 0).sum()),
            "basis": self.basis,
        }


def parse_now(now: pd.Timestamp | dt.datetime | str | None, timezone: str = "Europe/Stockholm") -> pd.Timestamp | None:
    """An instant from a timestamp or ISO text; naive values are local time in ``timezone``."""
    if now is None or (isinstance(now, str) and not now.strip()):
        return None
    try:
        ts = pd.Timestamp(now)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"now {now!r} is not a time like 2025-03-03T12:00:00+01:00") from exc
    return ts.tz_localize(timezone) if ts.tzinfo is None else ts.tz_convert(timezone)


def latest_export(path: str | Path) -> Path:
    """``path`` itself when it is a file; for a folder, its newest log file (by modification time).

    Raises:
        UnreadableFileError: the path does not exist or the folder holds no log file.
    """
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise UnreadableFileError(f"{path}: no such file or folder")
    logs = [p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(_LOG_SUFFIXES)
            and not p.name.startswith((".", "~"))]
    if not logs:
        raise UnreadableFileError(f"{path}: no log file (.csv, .xlsx, .xes, .xes.gz, .parquet) in this folder")
    return max(logs, key=lambda p: (p.stat().st_mtime_ns, p.name))


def read_export(path: str | Path, *, profile: str | None = None) -> EventLog:
    """Read the latest export (a file, or the newest log in a folder) with ``processmining``'s ingest.

    Resources are pseudonymised when a key is available (``processmining keygen``); the automations
    do not need officer names, so without a key they are read as they are.
    """
    from processmining.ingest import read_log
    from processmining.ingest.privacy import key_available

    return read_log(latest_export(path), profile=profile, pseudonymise=key_available())


def _per_case_first_time(codes: np.ndarray, times: pd.Series, mask: np.ndarray, n: int) -> pd.Series:
    """Earliest time per case code among events where ``mask`` holds (NaT where none)."""
    first = times[mask].groupby(codes[mask], sort=True).min()
    return first.reindex(pd.RangeIndex(n))


def _last_value(codes: np.ndarray, values: pd.Series, mask: np.ndarray, n: int) -> np.ndarray:
    """The value of the latest event per case among events where ``mask`` holds (None where none)."""
    out = np.full(n, None, dtype=object)
    idx = np.flatnonzero(mask)
    if len(idx):
        # Sorted by case then time: the last masked position of each case is its latest such event.
        last = idx[np.r_[codes[idx][1:] != codes[idx][:-1], True]]
        out[codes[last]] = values.to_numpy(dtype=object)[last]
    return out


def build_state(log: EventLog, config: AutomationConfig | None = None, *,
                now: pd.Timestamp | dt.datetime | str | None = None) -> OpenCaseState:
    """The open cases of ``log`` as of ``now`` (default: the log's last timestamp).

    Args:
        log: the latest export.
        config: activity names, case fields, calendar and targets (default: :class:`AutomationConfig`).
        now: the instant of measurement; naive values are local time in the calendar's time zone.

    Raises:
        ConfigError: ``now`` is not a time.
    """
    config = config or AutomationConfig()
    cal = config.calendar
    names = config.activities
    ev0 = log.events
    when = parse_now(now, cal.timezone)
    if when is None:
        when = ev0[TIMESTAMP].max() if len(ev0) else pd.Timestamp.now(tz=cal.timezone)
        when = pd.Timestamp(when).tz_convert(cal.timezone)
    known = (ev0[TIMESTAMP] <= when).to_numpy()
    # Closed cases matter only as a count: keep the events of open cases, so that everything below
    # (working days, clock stops, targets) runs on the few open cases, not on the whole history.
    full_codes = log.case_codes()
    closing = np.isin(ev0[ACTIVITY].to_numpy(dtype=object), names.closing) & known
    closed_all = np.bincount(full_codes[closing], minlength=len(log.case_ids())) > 0
    seen = np.bincount(full_codes[known], minlength=len(log.case_ids())) > 0
    keep = known & ~closed_all[full_codes]
    lg = log if keep.all() else log.with_events(ev0.loc[keep].reset_index(drop=True))
    ev = lg.events
    ids = lg.case_ids()
    n = len(ids)
    codes = lg.case_codes()
    acts = ev[ACTIVITY].to_numpy(dtype=object)
    times = ev[TIMESTAMP]

    acknowledged = np.bincount(codes[acts == names.acknowledged], minlength=n) > 0
    received = _per_case_first_time(codes, times, acts == names.received, n)
    everything = np.ones(len(ev), dtype=bool)
    last_activity = _last_value(codes, ev[ACTIVITY], everything, n)
    last_time = times.groupby(codes, sort=True).max().reindex(pd.RangeIndex(n))
    table = lg.case_table()

    unit = np.full(n, None, dtype=object)
    if GROUP in ev.columns:
        groups = ev[GROUP]
        unit = _last_value(codes, groups, (groups.notna() & ~groups.isin(config.case.ignore_units)).to_numpy(), n)

    def attribute(column: str) -> np.ndarray:
        if column not in ev.columns:
            return np.full(n, None, dtype=object)
        values = ev[column].astype("string").str.strip()
        values = values.where(values != "")
        return _last_value(codes, values, values.notna().to_numpy(), n)

    # Outstanding requests: a request is answered by a later completion in the same case. The B
    # positions are sorted (case, then time), so a binary search finds the next B after each A.
    ia = np.flatnonzero(acts == names.completion_requested)
    ib = np.flatnonzero(acts == names.completion_received)
    if len(ib):
        j = np.minimum(np.searchsorted(ib, ia, side="right"), len(ib) - 1)
        answered = (ib[j] > ia) & (codes[ib[j]] == codes[ia])
    else:
        answered = np.zeros(len(ia), dtype=bool)
    pending = ia[~answered]
    requested_at = times.iloc[pending].reset_index(drop=True)
    requests = pd.DataFrame({
        "case": ids.to_numpy()[codes[pending]],
        "requested_at": requested_at,
        "waiting_days": cal.working_days(requested_at, pd.Series(when, index=requested_at.index)),
    })
    open_requests = np.bincount(codes[pending], minlength=n)

    first_time = table["start"].reset_index(drop=True)
    days_open = cal.working_days(first_time, pd.Series(when, index=first_time.index))
    target = np.full(n, np.nan)
    days_left = np.full(n, np.nan)
    handling = np.asarray(days_open, dtype="float64").copy()
    request, completion = names.completion_requested, names.completion_received
    base = lg  # the log the clock stops and targets are measured on: the open cases' events ...
    stops: list[tuple[str, str]] = []
    if names.completion_stops_clock and request in set(lg.activities):
        if completion in set(lg.activities):
            stops = [(request, completion)]
        elif completion in set(ev0.loc[known, ACTIVITY].unique()):
            # ... unless no open case has a completion yet: processmining's clock-stop check wants both
            # activities in the log it is given, so measure on every known event (slower, rare).
            base = log if known.all() else log.with_events(ev0.loc[known].reset_index(drop=True))
            stops = [(request, completion)]
    basis = "agency" if stops else "throughput"
    if stops or config.targets is not None:
        # The same measure processmining's target check reports: elapsed working days minus the
        # applicant's time (clock stops), so an alert and the report never disagree.
        attribution = attribute_waiting(base, calendar=cal, clock_stops=stops, as_of=when)
        if stops:
            applicant = attribution.applicant_time(table.index, table["start"], pd.Series(when, index=table.index))
            handling = days_open - applicant["applicant_workdays"].to_numpy()
        if config.targets is not None:
            if not config.targets.working_days:
                raise ConfigError(f"{config.path}: [targets] unit must be workdays for the automations")
            base_ids = base.case_table().index
            sla = check_targets(base, targets=config.targets, attribution=attribution,
                                closed=pd.Series(~base_ids.isin(ids), index=base_ids), calendar=cal)
            measured = sla.cases.reindex(table.index)
            target = measured["target"].to_numpy(dtype="float64")
            days_left = measured["time_left"].to_numpy(dtype="float64")

    cases = pd.DataFrame({
        "first_time": first_time,
        "last_activity": last_activity,
        "last_time": last_time,
        "received_time": received,
        "acknowledged": acknowledged,
        "open_requests": open_requests,
        "email": attribute(config.case.email),
        "programme": attribute(config.case.programme),
        "unit": unit,
        "days_open": days_open,
        "handling_days": handling,
        "target": target,
        "days_left": days_left,
    })
    cases.index = pd.Index(ids.to_numpy(), name=CASE)
    for column in ("first_time", "last_time", "received_time"):
        cases[column] = cases[column].dt.tz_convert(cal.timezone)
    cases = cases.sort_index(kind="stable")
    requests = requests.sort_values(["case", "requested_at"], kind="stable", ignore_index=True)
    return OpenCaseState(now=when, cases=cases, requests=requests, closed_cases=int((closed_all & seen).sum()),
                         basis=basis,
                         calendar=cal, source=log.source.path)
