"""The ledger: every action recorded before and after it is carried out, so nothing is sent twice.

One row per action, keyed by ``(automation, case, step, period)`` (the PRIMARY KEY), in a SQLite file
(WAL journal, ``synchronous=FULL``; default ``.processmining/ledger.sqlite3``). The SQL is plain (an
``INSERT ... ON CONFLICT ... DO UPDATE ... WHERE`` upsert that PostgreSQL runs unchanged).

States and the rule that guarantees "never twice":

- ``pending``: written and committed *before* the adapter is called.
- ``sent``: committed right after the adapter returned (SMTP server accepted the message, or the
  outbox file is in place).
- ``failed``: the adapter raised a definite error (connection refused, recipient refused, disk full);
  the message was not handed over, and the next run tries it again.

A run skips keys that are ``sent``. A ``pending`` row that a run finds (it was not written by that
run) means an earlier run stopped between "pending" and "sent": killed, power cut. Whether that
message left cannot be known from here, so it is **not** resent automatically: the run reports it as
``unknown`` and a person decides with ``--resolve-pending sent`` (it arrived: record it as sent) or
``--resolve-pending retry`` (it did not: send it on the next run). Resent messages keep the same
Message-ID, so a recipient's system can drop a duplicate too. A run killed *between* two messages
(the usual case: the window between "accepted by the server" and "marked sent" is one SQLite commit)
leaves no pending row, and the next run sends exactly the messages that are missing.

Claiming a key is one atomic statement (insert, or turn ``failed`` back into ``pending``), so two runs
at the same time never both send the same action.

Dry run (the default everywhere) opens the ledger read-only (or not at all when it does not exist yet),
reports what would happen and records nothing.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from processmining.errors import AutomationError, ProcessMiningError

from .actions import Action
from .adapters import Adapter, OutboxAdapter, SmtpAdapter
from .config import AutomationConfig

__all__ = ["STATUSES", "Ledger", "LedgerEntry", "Outcome", "RunReport", "carry_out", "send_actions"]

STATUSES = ("pending", "sent", "failed")
Result = Literal["sent", "would_send", "already_sent", "unknown", "busy", "failed"]

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
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 1,
    run_id      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    receipt     TEXT,
    error       TEXT,
    PRIMARY KEY (automation, case_id, step, period)
)
"""
_KEY = "automation = ? AND case_id = ? AND step = ? AND period = ?"
_COLUMNS = ("automation", "case_id", "step", "period", "channel", "recipient", "subject", "message_id", "status",
            "attempts", "run_id", "created_at", "updated_at", "receipt", "error")


def _utcnow() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


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
        try:
            if readonly:
                if self.path.exists():
                    self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=FULL")
                self._conn.execute(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise AutomationError(f"{self.path}: cannot open the automation ledger ({exc})") from exc

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

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[LedgerEntry]:
        if self._conn is None:
            return []
        with self._errors():
            try:
                rows = self._conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):  # a read-only open of a file another run just created
                    return []
                raise
        return [LedgerEntry(*row) for row in rows]

    def get(self, key: tuple[str, str, str, str]) -> LedgerEntry | None:
        """The entry of a key, or None."""
        rows = self._rows(f"SELECT {', '.join(_COLUMNS)} FROM actions WHERE {_KEY}", key)
        return rows[0] if rows else None

    def entries(self, status: str | None = None) -> list[LedgerEntry]:
        """All entries (or those with one status), oldest first."""
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        return self._rows(f"SELECT {', '.join(_COLUMNS)} FROM actions {where} ORDER BY created_at, automation, "
                          "case_id, step, period", params)

    def counts(self) -> dict[str, int]:
        """Number of entries per status."""
        return dict(Counter(e.status for e in self.entries()))

    def _write(self) -> sqlite3.Connection:
        if self._conn is None or self.readonly:
            raise AutomationError(f"{self.path}: the ledger is open read-only (dry run)")
        return self._conn

    def claim(self, action: Action, *, message_id: str, run_id: str) -> bool:
        """Record the action as ``pending`` before it is carried out; False if another run holds it.

        A new key is inserted; a ``failed`` one becomes ``pending`` again (attempts + 1); a ``sent`` or
        ``pending`` key is left alone and False returned. One statement, so it is atomic.
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
                "error = NULL WHERE actions.status = 'failed'",
                (*action.key, action.channel, action.recipient, action.subject, message_id, run_id, now, now),
            )
        return cur.rowcount == 1

    def _set(self, key: tuple[str, str, str, str], status: str, *, receipt: str | None = None,
             error: str | None = None, only_from: str = "pending") -> int:
        conn = self._write()
        with self._errors():
            cur = conn.execute(
                f"UPDATE actions SET status = ?, receipt = COALESCE(?, receipt), error = ?, updated_at = ? "
                f"WHERE {_KEY} AND status = ?",
                (status, receipt, error, _utcnow(), *key, only_from),
            )
        return cur.rowcount

    def mark_sent(self, key: tuple[str, str, str, str], receipt: str) -> None:
        """Record that the adapter returned: the action is done."""
        self._set(key, "sent", receipt=receipt)

    def mark_failed(self, key: tuple[str, str, str, str], error: str) -> None:
        """Record that the adapter raised: the action was not carried out and may be tried again."""
        self._set(key, "failed", error=error[:2000])

    def resolve_pending(self, decision: Literal["sent", "retry"],
                        keys: Iterable[tuple[str, str, str, str]] | None = None) -> int:
        """A person's decision on ``pending`` entries left by an interrupted run; returns how many.

        Args:
            decision: ``sent`` (it arrived: never send it again) or ``retry`` (it did not: the next
                run sends it, with the same Message-ID).
            keys: the entries to resolve (default: every pending entry).
        """
        if decision not in ("sent", "retry"):
            raise AutomationError(f"--resolve-pending {decision!r}: use sent or retry")
        chosen = list(keys) if keys is not None else [e.key for e in self.entries("pending")]
        done = 0
        for key in chosen:
            if decision == "sent":
                done += self._set(key, "sent", receipt="confirmed as sent by a person")
            else:
                done += self._set(key, "failed", error="interrupted run; marked for retry by a person")
        return done


# ---- carrying out actions --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one action in a run."""

    action: Action
    result: Result
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RunReport:
    """The outcome of one run over a list of actions."""

    run_id: str
    dry_run: bool
    ledger: str
    outcomes: tuple[Outcome, ...]

    def counts(self) -> dict[str, int]:
        found = Counter(o.result for o in self.outcomes)
        return {name: found.get(name, 0) for name in ("sent", "would_send", "already_sent", "unknown", "busy",
                                                       "failed")}

    @property
    def unknown(self) -> list[Outcome]:
        """Actions left ``pending`` by an interrupted earlier run (need ``--resolve-pending``)."""
        return [o for o in self.outcomes if o.result == "unknown"]

    def lines(self) -> list[str]:
        """One human-readable line per action."""
        words = {"sent": "sent", "would_send": "would send", "already_sent": "skip (already sent)",
                 "unknown": "UNKNOWN (pending from an interrupted run; not resent)", "busy": "skip (another run)",
                 "failed": "FAILED"}
        out = []
        for o in self.outcomes:
            a = o.action
            target = a.recipient if a.channel == "email" else f"outbox ({a.payload.get('reason', 'file')})"
            out.append(f"{words[o.result]}: {a.automation} case {a.case} [{a.step} / {a.period}] -> {target}: "
                       f"{a.subject}" + (f" ({o.detail})" if o.result in ("failed", "unknown") and o.detail else ""))
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-ready: run id, dry run, counts and one record per action."""
        return {
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "ledger": self.ledger,
            "counts": self.counts(),
            "actions": [{**{k: v for k, v in o.action.as_dict().items() if k not in ("body", "payload")},
                         "result": o.result, "detail": o.detail} for o in self.outcomes],
        }


def carry_out(actions: Iterable[Action], *, ledger_path: str | Path, adapters: Mapping[str, Adapter],
              dry_run: bool = True, pause_seconds: float = 0.0, run_id: str | None = None,
              domain: str = "localhost") -> RunReport:
    """Carry out actions through the ledger: skip what is done, record each send right after it.

    Args:
        actions: the actions (duplicates of a key are carried out once).
        ledger_path: the SQLite ledger.
        adapters: channel (``email``, ``outbox``) -> adapter; closed at the end.
        dry_run: report what would happen; record nothing, send nothing.
        pause_seconds: pause after each e-mail (rate limits of the relay).
        run_id: identifies this run in the ledger (default: a new UUID).
        domain: right-hand side of the Message-IDs.

    Raises:
        AutomationError: an adapter failed. The action is recorded as ``failed`` and the run stops;
            everything sent before it is recorded as ``sent``, so a retry continues where it stopped.
    """
    run_id = run_id or uuid.uuid4().hex
    unique: dict[tuple[str, str, str, str], Action] = {}
    for action in actions:
        unique.setdefault(action.key, action)
    outcomes: list[Outcome] = []
    try:
        with Ledger(ledger_path, readonly=dry_run) as ledger:
            for action in unique.values():
                entry = ledger.get(action.key)
                if entry is not None and entry.status == "sent":
                    outcomes.append(Outcome(action, "already_sent", entry.updated_at))
                    continue
                if entry is not None and entry.status == "pending":
                    outcomes.append(Outcome(action, "unknown", f"pending since {entry.updated_at}, run {entry.run_id}"))
                    continue
                if dry_run:
                    outcomes.append(Outcome(action, "would_send", (entry.error or "") if entry else ""))
                    continue
                adapter = adapters.get(action.channel)
                if adapter is None:
                    raise AutomationError(f"no adapter for channel {action.channel!r}")
                message_id = action.message_id(domain)
                if not ledger.claim(action, message_id=message_id, run_id=run_id):
                    outcomes.append(Outcome(action, "busy", "claimed by another run"))
                    continue
                try:
                    receipt = adapter.deliver(action, message_id)
                except ProcessMiningError as exc:
                    ledger.mark_failed(action.key, str(exc))
                    sent = sum(o.result == "sent" for o in outcomes)
                    raise AutomationError(f"{exc} ({sent} sent before the failure are recorded; a re-run "
                                          "continues with the rest)") from exc
                except Exception as exc:  # a bug: record it, keep the traceback
                    ledger.mark_failed(action.key, f"{type(exc).__name__}: {exc}")
                    raise
                ledger.mark_sent(action.key, receipt)
                outcomes.append(Outcome(action, "sent", receipt))
                if pause_seconds > 0 and action.channel == "email":
                    time.sleep(pause_seconds)
    finally:
        for adapter in adapters.values():
            adapter.close()
    return RunReport(run_id=run_id, dry_run=dry_run, ledger=str(ledger_path), outcomes=tuple(outcomes))


def send_actions(actions: Iterable[Action], config: AutomationConfig, *, dry_run: bool = True,
                 run_id: str | None = None) -> RunReport:
    """Carry out actions with the adapters and ledger of a config (SMTP and the file outbox).

    Dry run is the default: pass ``dry_run=False`` to send.
    """
    adapters: dict[str, Adapter] = {"email": SmtpAdapter(config.smtp), "outbox": OutboxAdapter(config.outbox)}
    return carry_out(actions, ledger_path=config.ledger, adapters=adapters, dry_run=dry_run,
                     pause_seconds=config.smtp.pause_seconds, run_id=run_id, domain=config.smtp.domain)
