"""The ledger: record before and after, skip what is sent, never resend what may have left."""

from __future__ import annotations

import sqlite3

import pytest

from automations.actions import Action
from automations.ledger import Ledger, carry_out
from processmining.errors import AutomationError


class Recorder:
    """An adapter that records deliveries (the real adapters are tested against a real server)."""

    channel = "email"

    def __init__(self, fail_on: str | None = None) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.fail_on = fail_on

    def deliver(self, action: Action, message_id: str) -> str:
        if action.case == self.fail_on:
            raise AutomationError(f"SMTP 127.0.0.1:25: recipient {action.recipient} refused")
        self.delivered.append((action.case, message_id))
        return "ok"

    def close(self) -> None:
        pass


def actions(*cases: str) -> list[Action]:
    return [Action("remind_completion", c, "request 2025-02-03T09:00:00+01:00", "2025-W10", f"{c}@example.se",
                   f"Påminnelse {c}", "text") for c in cases]


def test_second_run_sends_nothing(tmp_path):
    db = tmp_path / "ledger.sqlite3"
    first = Recorder()
    report = carry_out(actions("A", "B"), ledger_path=db, adapters={"email": first}, dry_run=False)
    assert report.counts()["sent"] == 2 and [c for c, _ in first.delivered] == ["A", "B"]
    second = Recorder()
    report = carry_out(actions("A", "B", "C"), ledger_path=db, adapters={"email": second}, dry_run=False)
    assert [c for c, _ in second.delivered] == ["C"]
    assert report.counts()["already_sent"] == 2
    with Ledger(db) as ledger:
        assert ledger.counts() == {"sent": 3}
        entry = ledger.get(actions("A")[0].key)
        assert entry is not None and entry.status == "sent" and entry.message_id == first.delivered[0][1]


def test_dry_run_sends_and_records_nothing(tmp_path):
    db = tmp_path / "state" / "ledger.sqlite3"
    rec = Recorder()
    report = carry_out(actions("A"), ledger_path=db, adapters={"email": rec})  # dry run is the default
    assert report.dry_run and report.counts()["would_send"] == 1
    assert rec.delivered == [] and not db.exists()
    carry_out(actions("A"), ledger_path=db, adapters={"email": rec}, dry_run=False)
    report = carry_out(actions("A", "B"), ledger_path=db, adapters={"email": rec})
    assert [o.result for o in report.outcomes] == ["already_sent", "would_send"]
    with Ledger(db) as ledger:
        assert ledger.counts() == {"sent": 1}


def test_a_pending_entry_from_an_interrupted_run_is_not_resent(tmp_path):
    db = tmp_path / "ledger.sqlite3"
    a, b = actions("A", "B")
    with Ledger(db) as ledger:  # an earlier run recorded A as pending, then died before "sent"
        assert ledger.claim(a, message_id=a.message_id("x"), run_id="crashed-run")
    rec = Recorder()
    report = carry_out([a, b], ledger_path=db, adapters={"email": rec}, dry_run=False)
    assert [c for c, _ in rec.delivered] == ["B"]
    assert [o.action.case for o in report.unknown] == ["A"]
    assert "run crashed-run" in report.unknown[0].detail
    assert any(line.startswith("UNKNOWN") for line in report.lines())
    # A person checked: it did not arrive. "retry" sends it on the next run, with the same Message-ID.
    with Ledger(db) as ledger:
        assert ledger.resolve_pending("retry") == 1
    carry_out([a, b], ledger_path=db, adapters={"email": rec}, dry_run=False)
    assert rec.delivered[-1] == ("A", a.message_id("localhost"))
    with Ledger(db) as ledger:
        entry = ledger.get(a.key)
        assert entry is not None and entry.status == "sent" and entry.attempts == 2


def test_resolve_pending_as_sent_means_never_again(tmp_path):
    db = tmp_path / "ledger.sqlite3"
    (a,) = actions("A")
    with Ledger(db) as ledger:
        ledger.claim(a, message_id="<m>", run_id="crashed-run")
        assert ledger.resolve_pending("sent") == 1
        assert ledger.entries("pending") == []
    rec = Recorder()
    carry_out([a], ledger_path=db, adapters={"email": rec}, dry_run=False)
    assert rec.delivered == []


def test_a_failure_is_recorded_does_not_stop_the_run_and_is_retried_next_time(tmp_path):
    db = tmp_path / "ledger.sqlite3"
    rec = Recorder(fail_on="B")
    report = carry_out(actions("A", "B", "C"), ledger_path=db, adapters={"email": rec}, dry_run=False, retries=0)
    assert [c for c, _ in rec.delivered] == ["A", "C"]
    assert report.counts()["sent"] == 2 and report.counts()["failed"] == 1
    assert report.problems() == ["failed: case B, remind_completion [request 2025-02-03T09:00:00+01:00 / 2025-W10]: "
                                 "SMTP 127.0.0.1:25: recipient B@example.se refused; the next run tries again"]
    with Ledger(db) as ledger:
        assert {e.case: e.status for e in ledger.entries()} == {"A": "sent", "B": "failed", "C": "sent"}
        assert "refused" in (ledger.get(actions("B")[0].key).error or "")
    rec.fail_on = None
    again = carry_out(actions("A", "B", "C"), ledger_path=db, adapters={"email": rec}, dry_run=False)
    assert [c for c, _ in rec.delivered] == ["A", "C", "B"]
    assert again.counts()["sent"] == 1 and again.counts()["already_sent"] == 2


def test_a_ledger_of_the_earlier_version_is_migrated(tmp_path):
    db = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute(_V1_SCHEMA)
        conn.execute("INSERT INTO actions VALUES ('remind_completion', 'A', 'request 2025-02-03T09:00:00+01:00', "
                     "'2025-W10', 'email', 'A@example.se', 's', '<m>', 'sent', 1, 'r', 't', 't', 'ok', NULL)")
    rec = Recorder()
    dry = carry_out(actions("A", "B"), ledger_path=db, adapters={"email": rec})  # read as it is, not changed
    assert [o.result for o in dry.outcomes] == ["already_sent", "would_send"]
    carry_out(actions("A", "B"), ledger_path=db, adapters={"email": rec}, dry_run=False)
    assert [c for c, _ in rec.delivered] == ["B"]
    with Ledger(db) as ledger:
        assert ledger.counts() == {"sent": 2}
        ledger.mark_unknown(("x", "y", "z", "w"), "no such row: nothing happens")


_V1_SCHEMA = """CREATE TABLE actions (automation TEXT NOT NULL, case_id TEXT NOT NULL, step TEXT NOT NULL,
    period TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT, subject TEXT NOT NULL, message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')), attempts INTEGER NOT NULL DEFAULT 1,
    run_id TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, receipt TEXT, error TEXT,
    PRIMARY KEY (automation, case_id, step, period))"""


def test_a_key_claimed_by_another_run_is_not_claimed_again(tmp_path):
    db = tmp_path / "ledger.sqlite3"
    (a,) = actions("A")
    with Ledger(db) as one, Ledger(db) as two:
        assert one.claim(a, message_id="<m>", run_id="run-1")
        assert not two.claim(a, message_id="<m>", run_id="run-2")


def test_the_key_is_the_primary_key(tmp_path):
    db = tmp_path / "ledger.sqlite3"
    carry_out(actions("A"), ledger_path=db, adapters={"email": Recorder()}, dry_run=False)
    with sqlite3.connect(db) as conn:
        pk = [row[1] for row in conn.execute("PRAGMA table_info(actions)") if row[5]]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert pk == ["automation", "case_id", "step", "period"] and mode == "wal"


def test_an_unwritable_ledger_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(AutomationError, match="cannot open the automation ledger"):
        Ledger(blocker / "ledger.sqlite3")
