"""run_automations for real against an SMTP server on 127.0.0.1: exactly the expected e-mails, once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest

from automations.ledger import Ledger
from tests.automations.support import EXPECTED_EMAILS, EXPECTED_OUTBOX, NOW, write_config, write_csv
from tests.support import ROOT


def test_sends_exactly_the_expected_emails_and_a_second_run_none(prefect_harness, smtp, tmp_path):
    from flows.run_automations import run_automations

    log, config = write_csv(tmp_path / "export.csv"), write_config(tmp_path, smtp_port=smtp.port)

    dry = run_automations(str(log), str(config), send=False, now=NOW)
    assert dry["dry_run"] and dry["counts"]["would_send"] == 6
    assert smtp.messages == [] and not (tmp_path / "state" / "ledger.sqlite3").exists()

    result = run_automations(str(log), str(config), send=True, now=NOW)
    assert result["counts"]["sent"] == 6
    assert sorted(smtp.received()) == sorted(EXPECTED_EMAILS)
    subjects = {m["X-Processmining-Case"]: m["Subject"] for m in smtp.messages}
    assert subjects == {
        "A-5": "Vi har tagit emot din ansökan (A-5)",
        "A-9": "Vi har tagit emot din ansökan (A-9)",
        "A-1": "Påminnelse: komplettering saknas i ärende A-1",
        "A-8": "Ärende A-8 har passerat handläggningsmålet",
    }
    outbox = sorted(p.name.split("__")[:2] for p in (tmp_path / "outbox").glob("*.json"))
    assert {tuple(x) for x in outbox} == EXPECTED_OUTBOX

    again = run_automations(str(log), str(config), send=True, now=NOW)
    assert again["counts"]["already_sent"] == 6 and again["counts"]["sent"] == 0
    assert len(smtp.messages) == 4


def _sent_emails(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            sql = "SELECT COUNT(*) FROM actions WHERE status = 'sent' AND channel = 'email'"
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.timeout(180)
def test_a_run_killed_midway_and_restarted_sends_each_message_once(prefect_harness, smtp, tmp_path):
    # The subprocess pauses 0.5 s after each e-mail (the relay rate limit option); it is killed with
    # SIGKILL as soon as the ledger shows two e-mails sent, i.e. between two messages.
    log, config = write_csv(tmp_path / "export.csv"), write_config(tmp_path, smtp_port=smtp.port, pause_seconds=0.5)
    db = tmp_path / "state" / "ledger.sqlite3"
    env = {**os.environ, "PREFECT_API_URL": prefect_harness, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "flows", "run", "run-automations", "--log", str(log), "--config", str(config),
               "--now", NOW, "--send"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _sent_emails(db) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert len(smtp.messages) == 2 == _sent_emails(db)

    restarted = subprocess.run([*command, "--json"], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr.decode()[-2000:]
    delivered = Counter(smtp.received())
    assert set(delivered) == EXPECTED_EMAILS and set(delivered.values()) == {1}
    ids = Counter(m["Message-ID"] for m in smtp.messages)
    assert len(ids) == 4 and set(ids.values()) == {1}
    with Ledger(db, readonly=True) as ledger:
        assert ledger.counts() == {"sent": 6}
