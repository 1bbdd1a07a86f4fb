"""The ledger: every action recorded before and after it is carried out, so nothing is sent twice.

One row per action, keyed by ``(automation, case, step, period)`` (the PRIMARY KEY), in a SQLite file
(WAL journal, ``synchronous=FULL``; default ``.processmining/ledger.sqlite3``). The SQL is plain (an
``INSERT ... ON CONFLICT ... DO UPDATE ... WHERE`` upsert that PostgreSQL runs unchanged).

States follow what is known about a message (docs/operations.md explains them for operators):

- ``pending``: claimed by a run and committed *before* the adapter is called; not handed over yet.
- ``sent``: committed right after the adapter returned (the SMTP server confirmed the message with
  250, or the outbox file is in place).
- ``failed``: definitely not handed over: refused before the message text was sent (connection
  refused, 4xx/5xx to MAIL/RCPT/DATA), refused with a reply to the text, or an invalid address.
  A transient failure (4xx, server away) is tried again with backoff in the same run, then by the next
  run; a permanent one (5xx, invalid address: ``permanent = 1``) is never retried automatically,
  unless the recipient changed (a corrected address in a later export).
- ``unknown``: handed over but not confirmed: the text went to the server and its reply never came
  (a timeout after DATA), or the run died between claim and confirmation. Whether it arrived cannot
  be known from here, so it is **never** resent automatically; a person (or a rule that asks the mail
  server's log by Message-ID) decides with ``--resolve-pending sent`` or ``--resolve-pending retry``.
  Resent messages keep the same Message-ID, so a recipient's system can drop a duplicate too.

A claim belongs to its run. Every sending run registers itself in the ``runs`` table (host, pid,
heartbeat every few seconds from a background thread, finished time). A ``pending`` row of a run that
is alive (same host: its process exists; other host: heartbeat younger than :data:`STALE_SECONDS`) is
``busy``: another run is sending it right now; it is never reported as interrupted and
``--resolve-pending`` leaves it alone. A ``pending`` row of a dead run becomes ``unknown``.

Claiming a key is one atomic statement (insert, or turn a retryable ``failed`` back into ``pending``),
so two runs at the same time never both send the same action.

Dry run (the default everywhere) opens the ledger read-only (or not at all when it does not exist yet),
reports what would happen and records nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from processmining.errors import AutomationError, ConfigError, ProcessMiningError

from .actions import Action
from .adapters import Adapter, DeliveryError, OutboxAdapter, SmtpAdapter
from .config import AutomationConfig

__all__ = ["STATUSES", "Ledger", "LedgerEntry", "Outcome", "RunReport", "carry_out", "send_actions"]

STATUSES = ("pending", "sent", "failed", "unknown")
Result = Literal["sent", "would_send", "already_sent", "unknown", "busy", "failed", "held"]
RESULTS: tuple[Result, ...] = ("sent", "would_send", "already_sent", "unknown", "busy", "failed", "held")
#: Seconds between two heartbeats of a sending run.
HEARTBEAT_SECONDS = 5.0
#: A run on another host whose last heartbeat is older than this is taken as dead.
STALE_SECONDS = 120.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    automation  TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    step        TEXT NOT NULL,
    period      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    recipient   TEXT,
    subject     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'unknown')),
    attempts    INTEGER NOT NULL DEFAULT 1,
    run_id      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    receipt     TEXT,
    error       TEXT,
    permanent   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (automation, case_id, step, period)
)
"""
_RUNS = """
CREATE TABLE IF NOT EXISTS runs (
    run_id       TEXT PRIMARY KEY,
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat    REAL NOT NULL,
    finished_at  TEXT
)
"""
_KEY = "automation = ? AND case_id = ? AND step = ? AND period = ?"
_COLUMNS = ("automation", "case_id", "step", "period", "channel", "recipient", "subject", "message_id", "status",
            "attempts", "run_id", "created_at", "updated_at", "receipt", "error", "permanent")
_OLD_COLUMNS = _COLUMNS[:-1]
_HOST = socket.gethostname()


def _utcnow() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    except OSError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One row of the ledger."""

    automation: str
    case: str
    step: str
    period: str
    channel: str
    recipient: str | None
    subject: str
    message_id: str
    status: str
    attempts: int
    run_id: str
    created_at: str
    updated_at: str
    receipt: str | None
    error: str | None
    permanent: int = 0

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.automation, self.case, self.step, self.period)


class Ledger:
    """The SQLite ledger. Use as a context manager; ``readonly=True`` never creates or changes the file.

    Args:
        path: the SQLite file (its folder is created when needed).
        readonly: open for reading only (dry runs); a missing file reads as an empty ledger.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._conn: sqlite3.Connection | None = None
        self._select = ", ".join(_COLUMNS)
        try:
            if readonly:
                if self.path.exists():
                    self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
                    names = {row[1] for row in self._conn.execute("PRAGMA table_info(actions)")}
                    if names and "permanent" not in names:  # a ledger of the earlier version, read as it is
                        self._select = ", ".join((*_OLD_COLUMNS, "0 AS permanent"))
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                self._set_up(self._conn)
        except (sqlite3.Error, OSError) as exc:
            raise AutomationError(f"{self.path}: cannot open the automation ledger ({exc})") from exc

    @classmethod
    def _set_up(cls, conn: sqlite3.Connection, *, patience: float = 30.0) -> None:
        """WAL mode and the tables. Switching a new file to WAL takes an exclusive lock, and SQLite answers
        "database is locked" at once (without its busy timeout) while another run opens the same new file:
        so two runs started together retry here, with backoff, for up to ``patience`` seconds."""
        deadline = time.monotonic() + patience
        delay = 0.01
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                cls._migrate(conn)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        """Create the tables; a ledger of an earlier version (no ``unknown`` state) is rebuilt in place."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'actions'").fetchone()
            if row is not None and "'unknown'" not in row[0]:
                conn.execute("ALTER TABLE actions RENAME TO actions_v1")
                conn.execute(_SCHEMA)
                cols = ", ".join(_OLD_COLUMNS)
                conn.execute(f"INSERT INTO actions ({cols}) SELECT {cols} FROM actions_v1")
                conn.execute("DROP TABLE actions_v1")
            else:
                conn.execute(_SCHEMA)
            conn.execute(_RUNS)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise AutomationError(f"{self.path}: ledger error ({exc})") from exc

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._conn is None:
            return []
        with self._errors():
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc) or "no such column" in str(exc):  # a file of another version
                    return []
                raise

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[LedgerEntry]:
        return [LedgerEntry(*row) for row in self._query(sql, params)]

    def get(self, key: tuple[str, str, str, str]) -> LedgerEntry | None:
        """The entry of a key, or None."""
        rows = self._rows(f"SELECT {self._select} FROM actions WHERE {_KEY}", key)
        return rows[0] if rows else None

    def entries(self, status: str | None = None) -> list[LedgerEntry]:
        """All entries (or those with one status), oldest first."""
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        return self._rows(f"SELECT {self._select} FROM actions {where} ORDER BY created_at, automation, "
                          "case_id, step, period", params)

    def counts(self) -> dict[str, int]:
        """Number of entries per status."""
        return dict(Counter(e.status for e in self.entries()))

    def _write(self) -> sqlite3.Connection:
        if self._conn is None or self.readonly:
            raise AutomationError(f"{self.path}: the ledger is open read-only (dry run)")
        return self._conn

    # ---- runs ------------------------------------------------------------------------------------------
    def register_run(self, run_id: str) -> None:
        """Record a sending run as alive (host, process id, heartbeat now)."""
        with self._errors():
            self._write().execute(
                "INSERT INTO runs (run_id, host, pid, started_at, heartbeat) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (run_id) DO UPDATE SET heartbeat = excluded.heartbeat, finished_at = NULL",
                (run_id, _HOST, os.getpid(), _utcnow(), time.time()))

    def finish_run(self, run_id: str) -> None:
        """Record that a run ended (its claims, if any are left, are no longer anyone's)."""
        with self._errors():
            self._write().execute("UPDATE runs SET finished_at = ?, heartbeat = ? WHERE run_id = ?",
                                  (_utcnow(), time.time(), run_id))

    def run_alive(self, run_id: str) -> bool:
        """Whether the run that holds a claim is still running (see the module docstring)."""
        rows = self._query("SELECT host, pid, heartbeat, finished_at FROM runs WHERE run_id = ?", (run_id,))
        if not rows:
            return False  # a run of an earlier version, or a claim written by hand
        host, pid, heartbeat, finished = rows[0]
        if finished is not None:
            return False
        if host == _HOST:
            return _pid_alive(int(pid)) and time.time() - float(heartbeat) < STALE_SECONDS * 5
        return time.time() - float(heartbeat) < STALE_SECONDS

    def expire_dead_claims(self) -> int:
        """Turn ``pending`` claims of runs that are no longer alive into ``unknown``; returns how many."""
        done = 0
        for entry in self.entries("pending"):
            if not self.run_alive(entry.run_id):
                done += self._set(entry.key, "unknown",
                                  error=f"run {entry.run_id} ended between claim and confirmation (killed?); "
                                        f"check whether {entry.message_id} arrived")
        return done

    # ---- claims and outcomes ---------------------------------------------------------------------------
    def claim(self, action: Action, *, message_id: str, run_id: str) -> bool:
        """Record the action as ``pending`` before it is carried out; False if it is not to be carried out.

        A new key is inserted; a ``failed`` one becomes ``pending`` again (attempts + 1) unless it failed
        permanently for the same recipient; ``sent``, ``pending`` and ``unknown`` keys are left alone and
        False returned. One statement, so it is atomic.
        """
        now = _utcnow()
        conn = self._write()
        with self._errors():
            cur = conn.execute(
                "INSERT INTO actions (automation, case_id, step, period, channel, recipient, subject, message_id, "
                "status, attempts, run_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 1, ?, ?, ?) "
                "ON CONFLICT (automation, case_id, step, period) DO UPDATE SET status = 'pending', "
                "attempts = actions.attempts + 1, run_id = excluded.run_id, updated_at = excluded.updated_at, "
                "channel = excluded.channel, recipient = excluded.recipient, subject = excluded.subject, "
                "error = NULL, permanent = 0 WHERE actions.status = 'failed' "
                "AND (actions.permanent = 0 OR actions.recipient IS NOT excluded.recipient)",
                (*action.key, action.channel, action.recipient, action.subject, message_id, run_id, now, now),
            )
        return cur.rowcount == 1

    def _set(self, key: tuple[str, str, str, str], status: str, *, receipt: str | None = None,
             error: str | None = None, only_from: str = "pending", permanent: bool = False) -> int:
        conn = self._write()
        with self._errors():
            cur = conn.execute(
                f"UPDATE actions SET status = ?, receipt = COALESCE(?, receipt), error = ?, updated_at = ?, "
                f"permanent = ? WHERE {_KEY} AND status = ?",
                (status, receipt, error, _utcnow(), int(permanent), *key, only_from),
            )
        return cur.rowcount

    def mark_sent(self, key: tuple[str, str, str, str], receipt: str) -> None:
        """Record that the adapter returned: the action is done."""
        self._set(key, "sent", receipt=receipt)

    def mark_failed(self, key: tuple[str, str, str, str], error: str, *, permanent: bool = False) -> None:
        """Record a definite failure: not handed over. ``permanent``: never retried automatically."""
        self._set(key, "failed", error=error[:2000], permanent=permanent)

    def mark_unknown(self, key: tuple[str, str, str, str], error: str) -> None:
        """Record that the message was handed over but not confirmed: it waits for a person."""
        self._set(key, "unknown", error=error[:2000])

    def resolve_pending(self, decision: Literal["sent", "retry"],
                        keys: Iterable[tuple[str, str, str, str]] | None = None) -> int:
        """A person's decision on ``unknown`` entries (and ``pending`` ones of dead runs); returns how many.

        A ``pending`` claim of a run that is still alive is never touched (see :meth:`live_claims`).

        Args:
            decision: ``sent`` (it arrived: never send it again) or ``retry`` (it did not: the next
                run sends it, with the same Message-ID).
            keys: the entries to resolve (default: every unknown entry and every pending one of a dead run).
        """
        if decision not in ("sent", "retry"):
            raise AutomationError(f"--resolve-pending {decision!r}: use sent or retry")
        self.expire_dead_claims()
        chosen = list(keys) if keys is not None else [e.key for e in self.entries("unknown")]
        done = 0
        for key in chosen:
            if decision == "sent":
                done += self._set(key, "sent", receipt="confirmed as sent by a person", only_from="unknown")
            else:
                done += self._set(key, "failed", error="not confirmed; marked for retry by a person",
                                  only_from="unknown")
        return done

    def live_claims(self) -> list[LedgerEntry]:
        """``pending`` entries whose run is still alive (being sent right now)."""
        return [e for e in self.entries("pending") if self.run_alive(e.run_id)]


class _Heartbeat:
    """Keeps a run's heartbeat fresh from a background thread with its own connection."""

    def __init__(self, path: Path, run_id: str, interval: float = HEARTBEAT_SECONDS) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(path, run_id, interval), daemon=True,
                                        name=f"ledger-heartbeat-{run_id[:8]}")
        self._thread.start()

    def _beat(self, path: Path, run_id: str, interval: float) -> None:
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        except sqlite3.Error:
            return
        try:
            while not self._stop.wait(interval):
                try:
                    conn.execute("UPDATE runs SET heartbeat = ? WHERE run_id = ?", (time.time(), run_id))
                except sqlite3.Error:
                    continue  # busy for longer than 30 s: the next beat tries again
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# ---- carrying out actions --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one action in a run."""

    action: Action
    result: Result
    detail: str = ""


_WORDS = {"sent": "sent", "would_send": "would send", "already_sent": "skip (already sent)",
          "unknown": "UNKNOWN (handed over but not confirmed; not resent)", "busy": "skip (another run is sending it)",
          "failed": "FAILED", "held": "skip (failed permanently before; waits for a person or a new address)"}


@dataclass(frozen=True, slots=True)
class RunReport:
    """The outcome of one run over a list of actions (one outcome per action, whatever the retries)."""

    run_id: str
    dry_run: bool
    ledger: str
    outcomes: tuple[Outcome, ...]

    def counts(self) -> dict[str, int]:
        found = Counter(o.result for o in self.outcomes)
        return {name: found.get(name, 0) for name in RESULTS}

    @property
    def unknown(self) -> list[Outcome]:
        """Actions handed over but not confirmed (need ``--resolve-pending`` after a check)."""
        return [o for o in self.outcomes if o.result == "unknown"]

    @property
    def failed(self) -> list[Outcome]:
        """Actions that failed in this run."""
        return [o for o in self.outcomes if o.result == "failed"]

    def lines(self) -> list[str]:
        """One human-readable line per action."""
        out = []
        for o in self.outcomes:
            a = o.action
            target = a.recipient if a.channel == "email" else f"outbox ({a.payload.get('reason', 'file')})"
            out.append(f"{_WORDS[o.result]}: {a.automation} case {a.case} [{a.step} / {a.period}] -> {target}: "
                       f"{a.subject}" + (f" ({o.detail})" if o.result in ("failed", "unknown", "held") and o.detail
                                         else ""))
        return out

    def problems(self) -> list[str]:
        """One line per failed or uncertain action: case, action and reason (what an operator acts on)."""
        return [f"{'failed' if o.result == 'failed' else 'unknown'}: case {o.action.case}, {o.action.automation} "
                f"[{o.action.step} / {o.action.period}]: {o.detail}" for o in self.outcomes
                if o.result in ("failed", "unknown")]

    def summary(self) -> dict[str, Any]:
        """JSON-ready: run id, dry run, counts, one record per action, and the operator's warnings."""
        warnings = []
        if self.unknown:
            warnings.append(f"{len(self.unknown)} action(s) are unknown (handed over but not confirmed, or left "
                            "by a run that died) and were not resent; check the mail server's log for their "
                            "Message-IDs (python -m flows ledger --status unknown), then run again with "
                            "--resolve-pending sent (they arrived) or --resolve-pending retry (they did not)")
        return {
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "ledger": self.ledger,
            "counts": self.counts(),
            "actions": [{**{k: v for k, v in o.action.as_dict().items() if k not in ("body", "payload")},
                         "result": o.result, "detail": o.detail} for o in self.outcomes],
            "problems": self.problems(),
            "warnings": warnings,
        }


def _ordered(actions: Iterable[Action]) -> list[Action]:
    """One action per key, outbox actions first: the outbox never waits for the mail server."""
    unique: dict[tuple[str, str, str, str], Action] = {}
    for action in actions:
        unique.setdefault(action.key, action)
    return sorted(unique.values(), key=lambda a: a.channel != "outbox")


def carry_out(actions: Iterable[Action], *, ledger_path: str | Path, adapters: Mapping[str, Adapter],
              dry_run: bool = True, pause_seconds: float = 0.0, run_id: str | None = None,
              domain: str = "localhost", retries: int = 2, backoff_seconds: float = 5.0) -> RunReport:
    """Carry out actions through the ledger: skip what is done, record each one right after it.

    One bad action never blocks the others: an invalid address or a permanent refusal is recorded as
    ``failed`` (never retried), a transient failure (4xx, server away) is tried again after the rest of
    the plan, up to ``retries`` times with growing pauses (``backoff_seconds``, doubled each round), and a
    message handed over without confirmation is recorded as ``unknown`` (never resent automatically).

    Args:
        actions: the actions (duplicates of a key are carried out once).
        ledger_path: the SQLite ledger.
        adapters: channel (``email``, ``outbox``) -> adapter; closed at the end.
        dry_run: report what would happen; record nothing, send nothing.
        pause_seconds: pause after each e-mail (rate limits of the relay).
        run_id: identifies this run in the ledger (default: a new UUID).
        domain: right-hand side of the Message-IDs.
        retries: further rounds for transient failures within this run.
        backoff_seconds: pause before the first further round (doubled for each next one).

    Raises:
        AutomationError: the ledger cannot be read or written (nothing is sent without it).
    """
    run_id = run_id or uuid.uuid4().hex
    ordered = _ordered(actions)
    outcomes: dict[tuple[str, str, str, str], Outcome] = {}
    heartbeat: _Heartbeat | None = None
    try:
        with Ledger(ledger_path, readonly=dry_run) as ledger:
            if not dry_run:
                ledger.register_run(run_id)
                heartbeat = _Heartbeat(ledger.path, run_id)
                ledger.expire_dead_claims()
            todo: list[Action] = []
            for action in ordered:
                early = _known(ledger, action, dry_run)
                if early is not None:
                    outcomes[action.key] = early
                else:
                    todo.append(action)
            if dry_run:
                for action in todo:
                    invalid = action.payload.get("invalid_recipient")
                    outcomes[action.key] = (Outcome(action, "failed", str(invalid)) if invalid
                                            else Outcome(action, "would_send", ""))
            else:
                _send_rounds(todo, ledger, adapters, outcomes, run_id=run_id, domain=domain,
                             pause_seconds=pause_seconds, retries=retries, backoff_seconds=backoff_seconds)
                ledger.finish_run(run_id)
    finally:
        if heartbeat is not None:
            heartbeat.stop()
        for adapter in adapters.values():
            adapter.close()
    return RunReport(run_id=run_id, dry_run=dry_run, ledger=str(ledger_path),
                     outcomes=tuple(outcomes[a.key] for a in ordered))


def _known(ledger: Ledger, action: Action, dry_run: bool) -> Outcome | None:
    """The outcome decided by the ledger alone, or None when the action is to be carried out."""
    entry = ledger.get(action.key)
    if entry is None:
        return None
    if entry.status == "sent":
        return Outcome(action, "already_sent", entry.updated_at)
    if entry.status == "unknown":
        return Outcome(action, "unknown", f"{entry.error or 'not confirmed'}; Message-ID {entry.message_id}")
    if entry.status == "pending":
        if ledger.run_alive(entry.run_id):
            return Outcome(action, "busy", f"claimed by run {entry.run_id}")
        return Outcome(action, "unknown", f"pending since {entry.updated_at}, run {entry.run_id} ended before "
                                          f"confirming it; Message-ID {entry.message_id}")
    if entry.status == "failed" and entry.permanent and entry.recipient == action.recipient:
        return Outcome(action, "held", entry.error or "failed permanently")
    return None


def _send_rounds(todo: list[Action], ledger: Ledger, adapters: Mapping[str, Adapter],
                 outcomes: dict[tuple[str, str, str, str], Outcome], *, run_id: str, domain: str,
                 pause_seconds: float, retries: int, backoff_seconds: float) -> None:
    attempts: Counter[tuple[str, str, str, str]] = Counter()
    for round_no in range(retries + 1):
        again: list[Action] = []
        channel_down: dict[str, str] = {}  # channel -> why its server could not be reached in this round
        for action in todo:
            if action.channel in channel_down:
                outcomes[action.key] = Outcome(action, "failed", f"not tried: {channel_down[action.channel]}")
                again.append(action)
                continue
            message_id = action.message_id(domain)
            if not ledger.claim(action, message_id=message_id, run_id=run_id):
                outcomes[action.key] = (_known(ledger, action, False)
                                        or Outcome(action, "busy", "claimed by another run"))
                continue
            attempts[action.key] += 1
            invalid = action.payload.get("invalid_recipient")
            try:
                if invalid:
                    # For a person: the file says what is wrong; the e-mail is never attempted.
                    outbox = adapters.get("outbox")
                    where = outbox.deliver(action, message_id) if outbox is not None else "no outbox configured"
                    raise DeliveryError(f"{invalid} ({where})", permanent=True)
                adapter = adapters.get(action.channel)
                if adapter is None:
                    raise DeliveryError(f"no adapter for channel {action.channel!r}", permanent=True)
                receipt = adapter.deliver(action, message_id)
            except DeliveryError as exc:
                if exc.uncertain:
                    ledger.mark_unknown(action.key, f"{exc}; Message-ID {message_id}")
                    outcomes[action.key] = Outcome(action, "unknown", f"{exc}; Message-ID {message_id}")
                elif exc.permanent:
                    ledger.mark_failed(action.key, str(exc), permanent=True)
                    outcomes[action.key] = Outcome(action, "failed", str(exc))
                else:
                    ledger.mark_failed(action.key, str(exc))
                    outcomes[action.key] = Outcome(action, "failed", f"{exc} (attempt {attempts[action.key]})")
                    again.append(action)
                    if exc.unreachable:
                        channel_down[action.channel] = str(exc)
                continue
            except ProcessMiningError as exc:  # a missing attachment, an unwritable outbox, a wrong password
                ledger.mark_failed(action.key, str(exc))
                outcomes[action.key] = Outcome(action, "failed", str(exc))
                again.append(action)
                if isinstance(exc, ConfigError):  # e.g. the SMTP password variable is empty: same for all
                    channel_down[action.channel] = str(exc)
                continue
            except Exception as exc:  # a bug: record it as uncertain (it may have left), keep the traceback
                ledger.mark_unknown(action.key, f"internal error {type(exc).__name__}: {exc}")
                raise
            ledger.mark_sent(action.key, receipt)
            outcomes[action.key] = Outcome(action, "sent", receipt)
            if pause_seconds > 0 and action.channel == "email":
                time.sleep(pause_seconds)
        if not again or round_no == retries:
            for action in again:
                last = outcomes[action.key]
                outcomes[action.key] = Outcome(action, "failed", f"{last.detail}; the next run tries again")
            return
        time.sleep(backoff_seconds * 2 ** round_no)
        todo = again


def send_actions(actions: Iterable[Action], config: AutomationConfig, *, dry_run: bool = True,
                 run_id: str | None = None) -> RunReport:
    """Carry out actions with the adapters and ledger of a config (SMTP and the file outbox).

    Dry run is the default: pass ``dry_run=False`` to send.
    """
    adapters: dict[str, Adapter] = {"email": SmtpAdapter(config.smtp), "outbox": OutboxAdapter(config.outbox)}
    return carry_out(actions, ledger_path=config.ledger, adapters=adapters, dry_run=dry_run,
                     pause_seconds=config.smtp.pause_seconds, run_id=run_id, domain=config.smtp.domain,
                     retries=config.smtp.retries, backoff_seconds=config.smtp.retry_backoff_seconds)
