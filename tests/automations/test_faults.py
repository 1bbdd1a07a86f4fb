"""Never twice under real faults: a real SMTP server on 127.0.0.1 that replies late, refuses, or is away.

Every test counts what the server received by Message-ID: no message twice, none lost, and every
message whose fate is uncertain is ``unknown`` in the ledger with its Message-ID.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from automations.actions import Action
from automations.adapters import OutboxAdapter, SmtpAdapter
from automations.config import OutboxSettings, SmtpSettings
from automations.ledger import Ledger, carry_out
from tests.automations.plan_runner import plan
from tests.automations.support import FaultySmtp
from tests.support import ROOT


@pytest.fixture
def faulty() -> Iterator[FaultySmtp]:
    with FaultySmtp(slow_seconds=4) as server:
        yield server


def _mail(case: str, recipient: str) -> Action:
    return Action("acknowledge_receipt", case, "receipt", "once", recipient, f"Kvitto {case}", "Hej!")


def _run(server: FaultySmtp, actions: list[Action], db, tmp_path, **kwargs):
    adapters = {"email": SmtpAdapter(SmtpSettings(host="127.0.0.1", port=server.port, timeout_seconds=2,
                                                  sender="noreply@example.se")),
                "outbox": OutboxAdapter(OutboxSettings(folder=tmp_path / "outbox"))}
    options = {"retries": 2, "backoff_seconds": 0.2, **kwargs}
    return carry_out(actions, ledger_path=db, adapters=adapters, dry_run=False, domain="example.se", **options)


def test_late_reply_451_and_550(faulty, tmp_path):
    db = tmp_path / "ledger.sqlite3"
    actions = [_mail("C-1", "n1@example.se"), _mail("C-2", "slow1@example.se"), _mail("C-3", "busy1@example.se"),
               _mail("C-4", "reject1@example.se"), _mail("C-5", "n5@example.se"), _mail("C-6", "slow2@example.se"),
               _mail("C-7", "n7@example.se")]
    slow_ids = {a.message_id("example.se") for a in actions if a.recipient.startswith("slow")}

    report = _run(faulty, actions, db, tmp_path)

    assert {o.action.case: o.result for o in report.outcomes} == {
        "C-1": "sent", "C-2": "unknown", "C-3": "sent", "C-4": "failed", "C-5": "sent", "C-6": "unknown",
        "C-7": "sent"}
    received = faulty.ids()
    assert set(received.values()) == {1} and len(received) == 6  # all but the refused one, each once
    assert slow_ids <= set(received)
    with Ledger(db) as ledger:
        entries = {e.case: e for e in ledger.entries()}
    assert {c: e.status for c, e in entries.items()} == {
        "C-1": "sent", "C-2": "unknown", "C-3": "sent", "C-4": "failed", "C-5": "sent", "C-6": "unknown",
        "C-7": "sent"}
    for case in ("C-2", "C-6"):  # uncertain: the Message-ID is there to search the mail server's log
        assert entries[case].message_id in (entries[case].error or "") and entries[case].message_id in slow_ids
        assert "handed over but not confirmed" in (entries[case].error or "")
    assert entries["C-3"].attempts == 2  # 451 once, then accepted in the next round
    assert entries["C-4"].permanent == 1 and "550" in (entries["C-4"].error or "")
    unknown_lines = [p for p in report.problems() if p.startswith("unknown")]
    assert len(unknown_lines) == 2 and all("Message-ID <pm-" in p for p in unknown_lines)

    # The next run sends nothing: the uncertain ones wait for a person, the refused one is not retried.
    again = _run(faulty, actions, db, tmp_path)
    assert {o.action.case: o.result for o in again.outcomes} == {
        "C-1": "already_sent", "C-2": "unknown", "C-3": "already_sent", "C-4": "held", "C-5": "already_sent",
        "C-6": "unknown", "C-7": "already_sent"}
    assert faulty.ids() == received
    # A person found both in the mail server's log: recorded as sent, never sent again.
    with Ledger(db) as ledger:
        assert ledger.resolve_pending("sent") == 2
    third = _run(faulty, actions, db, tmp_path)
    assert third.counts()["already_sent"] == 6 and third.counts()["held"] == 1
    assert faulty.ids() == received
    # A corrected address in a later export is tried again.
    fixed = [*actions[:3], _mail("C-4", "n4@example.se"), *actions[4:]]
    assert _run(faulty, fixed, db, tmp_path).counts()["sent"] == 1
    assert set(faulty.ids().values()) == {1} and len(faulty.ids()) == 7


def test_a_server_away_for_a_while(faulty, tmp_path):
    db = tmp_path / "ledger.sqlite3"
    outbox_action = Action("acknowledge_receipt", "C-0", "receipt", "once", None, "Kvitto C-0", "Hej!",
                           {"reason": "no applicant e-mail address"}, "outbox")
    actions = [_mail(f"C-{i}", f"n{i}@example.se") for i in range(1, 6)] + [outbox_action]
    faulty.down()
    back = threading.Timer(0.5, faulty.up)
    back.start()
    started = time.monotonic()
    try:
        report = _run(faulty, actions, db, tmp_path, retries=4, backoff_seconds=0.3)
    finally:
        back.join()
    assert report.counts()["sent"] == 6 and report.counts()["failed"] == 0
    assert report.outcomes[0].action.case == "C-0"  # the outbox never waits for the mail server
    assert len(list((tmp_path / "outbox").glob("*.json"))) == 1
    assert set(faulty.ids().values()) == {1} and len(faulty.ids()) == 5
    assert time.monotonic() - started < 10

    # Away for the whole run: every e-mail failed (transient), none lost: the next run sends them.
    more = [_mail(f"D-{i}", f"n{i}@example.se") for i in range(1, 4)]
    faulty.down()
    away = _run(faulty, actions + more, db, tmp_path, retries=1, backoff_seconds=0.1)
    assert away.counts()["failed"] == 3 and away.counts()["already_sent"] == 6
    assert all("the next run tries again" in o.detail for o in away.failed)
    faulty.up()
    later = _run(faulty, actions + more, db, tmp_path)
    assert later.counts()["sent"] == 3 and later.counts()["already_sent"] == 6
    assert set(faulty.ids().values()) == {1} and len(faulty.ids()) == 8


@pytest.mark.timeout(120)
def test_two_runs_at_once_and_resolve_pending_during_a_run(tmp_path):
    count, slow = 14, 13
    db = tmp_path / "ledger.sqlite3"
    with FaultySmtp(slow_seconds=4, delay_seconds=0.15) as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "tests.automations.plan_runner", str(server.port), str(db), str(count),
                   str(slow)]
        runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
        # While they send: a person runs --resolve-pending. A claim of a live run is never touched.
        deadline = time.monotonic() + 60
        live = []
        while not live and time.monotonic() < deadline:
            if db.exists():
                try:
                    with Ledger(db) as ledger:
                        live = ledger.live_claims()
                        if live:
                            assert ledger.resolve_pending("retry") == 0
                            assert ledger.resolve_pending("sent") == 0
                            assert ledger.get(live[0].key).status == "pending"
                except Exception as exc:  # the ledger file may still be being created
                    if "ledger" not in str(exc):
                        raise
            time.sleep(0.02)
        assert live, "no claim was ever seen in flight"
        results = []
        for proc in runs:
            out, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err.decode()[-2000:]
            results.append(json.loads(out))
        received = server.ids()
    assert set(received.values()) == {1} and len(received) == count  # none twice, none lost
    assert sum(r["counts"]["sent"] for r in results) == count - 1
    for r in results:
        # No false alarm: the only uncertain action is the one whose reply came too late.
        assert [case for case, _ in r["unknown"]] in ([], [f"C-{slow:03d}"])
        assert not any("ended before confirming" in detail for _, detail in r["unknown"])
        assert sum(r["counts"].values()) == count
    slow_id = plan(count, slow)[slow].message_id("example.se")
    with Ledger(db) as ledger:
        assert ledger.counts() == {"sent": count - 1, "unknown": 1}
        entry = ledger.entries("unknown")[0]
    assert entry.message_id == slow_id and slow_id in (entry.error or "") and slow_id in received


@pytest.mark.timeout(60)
def test_a_run_killed_while_its_message_is_in_flight_leaves_it_unknown(tmp_path):
    import signal

    db = tmp_path / "ledger.sqlite3"
    with FaultySmtp(slow_seconds=4) as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "tests.automations.plan_runner", str(server.port), str(db), "3", "0"]
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not server.messages and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # the slow message is at the server, its reply not yet sent
        assert server.messages, proc.communicate()[1].decode()[-2000:]
        with Ledger(db) as ledger:  # alive: busy for everyone, resolve-pending leaves it alone
            assert [e.case for e in ledger.live_claims()] == ["C-000"]
            assert ledger.resolve_pending("retry") == 0
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

        report = carry_out(plan(3, 0), ledger_path=db, dry_run=False, domain="example.se", adapters={
            "email": SmtpAdapter(SmtpSettings(host="127.0.0.1", port=server.port, timeout_seconds=2,
                                              sender="noreply@example.se"))})
        received = server.ids()
    assert [o.result for o in report.outcomes] == ["unknown", "sent", "sent"]
    slow_id = plan(3, 0)[0].message_id("example.se")
    assert "ended between claim and confirmation" in report.outcomes[0].detail and slow_id in report.outcomes[0].detail
    assert set(received.values()) == {1} and len(received) == 3
    with Ledger(db) as ledger:
        assert ledger.counts() == {"unknown": 1, "sent": 2}
