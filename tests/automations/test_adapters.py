"""Adapters against the real thing: an aiosmtpd server on 127.0.0.1 and files on disk."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest

from automations.actions import Action
from automations.adapters import OutboxAdapter, SmtpAdapter
from automations.config import AutomationConfig, OutboxSettings, SmtpSettings
from automations.ledger import send_actions
from processmining.errors import AutomationError, ConfigError
from tests.automations.support import SmtpSink, self_signed_certificate

REMINDER = Action("remind_completion", "A-1", "request 2025-02-03T09:00:00+01:00", "2025-W10", "a1@example.se",
                  "Påminnelse: komplettering saknas i ärende A-1", "Hej!\n\nVi väntar på din komplettering.\n")


def test_smtp_delivers_with_a_message_id_from_the_key(smtp):
    adapter = SmtpAdapter(SmtpSettings(host="127.0.0.1", port=smtp.port, sender="noreply@myndighet.se"))
    receipt = adapter.deliver(REMINDER, REMINDER.message_id("myndighet.se"))
    adapter.deliver(replace(REMINDER, case="A-2", recipient="a2@example.se"), "<other@myndighet.se>")
    adapter.close()
    assert len(smtp.messages) == 2 and smtp.rcpt_tos[0] == ["a1@example.se"]
    msg = smtp.messages[0]
    assert msg["Subject"] == "Påminnelse: komplettering saknas i ärende A-1"
    assert msg["From"] == "noreply@myndighet.se" and msg["To"] == "a1@example.se"
    assert msg["Message-ID"] == REMINDER.message_id("myndighet.se") in receipt
    assert msg.get_content().replace("\r\n", "\n") == "Hej!\n\nVi väntar på din komplettering.\n"


def test_smtp_attaches_files(smtp, tmp_path):
    workbook = tmp_path / "bottlenecks.xlsx"
    workbook.write_bytes(b"PK\x03\x04 not really a workbook")
    action = replace(REMINDER, payload={"attachments": [str(workbook)]})
    adapter = SmtpAdapter(SmtpSettings(host="127.0.0.1", port=smtp.port))
    adapter.deliver(action, "<x@y>")
    adapter.close()
    (part,) = list(smtp.messages[0].iter_attachments())
    assert part.get_filename() == "bottlenecks.xlsx"
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert part.get_content() == workbook.read_bytes()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_login_with_the_password_from_the_environment():
    with SmtpSink(users={"robot": "s3cret"}) as sink:
        settings = SmtpSettings(host="127.0.0.1", port=sink.port, username="robot", password_env="TEST_SMTP_PW")
        SmtpAdapter(settings, environ={"TEST_SMTP_PW": "s3cret"}).deliver(REMINDER, "<a@b>")
        assert len(sink.messages) == 1
        with pytest.raises(AutomationError, match=r"login as 'robot' refused \(535\); check \[smtp\] username and "
                                                  r"TEST_SMTP_PW"):
            SmtpAdapter(settings, environ={"TEST_SMTP_PW": "wrong"}).deliver(REMINDER, "<a@b>")
        with pytest.raises(ConfigError, match="TEST_SMTP_PW is empty"):
            SmtpAdapter(settings, environ={}).deliver(REMINDER, "<a@b>")
        assert len(sink.messages) == 1


def test_smtp_starttls_with_the_agency_ca_and_login(tmp_path):
    import ssl

    cert, key = self_signed_certificate(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    with SmtpSink(users={"robot": "s3cret"}, tls_context=server_tls) as sink:
        settings = SmtpSettings(host="127.0.0.1", port=sink.port, security="starttls", ca_file=str(cert),
                                username="robot", password_env="TEST_SMTP_PW")
        SmtpAdapter(settings, environ={"TEST_SMTP_PW": "s3cret"}).deliver(REMINDER, "<a@b>")
        assert sink.encrypted == [True]
        # Without the agency's CA the server's certificate is not trusted: nothing is sent.
        untrusted = SmtpAdapter(replace(settings, ca_file=""), environ={"TEST_SMTP_PW": "s3cret"})
        with pytest.raises(AutomationError, match="cannot connect .*CERTIFICATE_VERIFY_FAILED"):
            untrusted.deliver(REMINDER, "<a@b>")
        # A server that requires STARTTLS refuses a plain session.
        plain = SmtpAdapter(replace(settings, security="none"), environ={"TEST_SMTP_PW": "s3cret"})
        with pytest.raises(AutomationError, match=f"SMTP 127.0.0.1:{sink.port}: cannot connect"):
            plain.deliver(REMINDER, "<a@b>")
        assert len(sink.messages) == 1


def test_smtp_server_away_is_a_one_line_error():
    port = SmtpSink().port  # a free port with no server started on it
    adapter = SmtpAdapter(SmtpSettings(host="127.0.0.1", port=port, timeout_seconds=5))
    with pytest.raises(AutomationError) as info:
        adapter.deliver(REMINDER, "<a@b>")
    message = str(info.value)
    assert message.startswith(f"SMTP 127.0.0.1:{port}: cannot connect (") and "\n" not in message


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_outbox_writes_one_file_per_action_atomically(tmp_path, fmt):
    outbox = OutboxAdapter(OutboxSettings(folder=tmp_path / "outbox", format=fmt))
    action = replace(REMINDER, recipient=None, channel="outbox", payload={"reason": "no applicant e-mail address"})
    receipt = outbox.deliver(action, "<m@x>")
    outbox.deliver(action, "<m@x>")  # the same action again lands in the same file
    files = sorted((tmp_path / "outbox").iterdir())
    assert len(files) == 1 and files[0].name.startswith("remind_completion__A-1__") and str(files[0]) in receipt
    if fmt == "json":
        record = json.loads(files[0].read_text(encoding="utf-8"))
    else:
        with files[0].open(encoding="utf-8-sig", newline="") as fh:
            (record,) = list(csv.DictReader(fh, delimiter=";"))
        record["payload"] = json.loads(record["payload"])
    assert record["case"] == "A-1" and record["message_id"] == "<m@x>"
    assert record["subject"] == "Påminnelse: komplettering saknas i ärende A-1"
    assert record["payload"] == {"reason": "no applicant e-mail address"}


def test_outbox_that_cannot_be_written_is_a_one_line_error(tmp_path):
    (tmp_path / "outbox").write_text("a file where the folder should be")
    outbox = OutboxAdapter(OutboxSettings(folder=tmp_path / "outbox"))
    with pytest.raises(AutomationError, match="cannot write the outbox file"):
        outbox.deliver(replace(REMINDER, channel="outbox"), "<m@x>")


def test_send_actions_uses_the_configured_server_and_outbox(smtp, tmp_path):
    config = AutomationConfig(ledger=tmp_path / "ledger.sqlite3",
                              smtp=SmtpSettings(host="127.0.0.1", port=smtp.port, sender="a@myndighet.se"),
                              outbox=OutboxSettings(folder=tmp_path / "outbox"))
    outbox_action = replace(REMINDER, case="A-6", recipient=None, channel="outbox")
    report = send_actions([REMINDER, outbox_action], config, dry_run=False)
    assert report.counts()["sent"] == 2
    assert smtp.received() == [("remind_completion", "A-1", "a1@example.se")]
    assert smtp.messages[0]["Message-ID"] == REMINDER.message_id("myndighet.se")
    assert len(list((tmp_path / "outbox").glob("*.json"))) == 1
