"""A small export with known open cases, requests for completion and targets (used by automation and flow tests).

As of :data:`NOW` (Monday 2025-03-03 12:00, ISO week 10), with the config of :func:`write_config`:

- receipts due: A-2 (no e-mail address: outbox), A-5 and A-9 (e-mail);
- reminders due (request unanswered >= 10 working days): A-1 (20.3 working days, e-mail) and A-6
  (15.3 working days, no address: outbox); A-7's request is 3.3 working days old; A-3's was answered;
- target alert: A-8 (programme "Regionalt investeringsstöd", target 20 working days, 30.3 open) to the
  mailbox of "Handläggning Mitt";
- A-4 is closed ("Ärende avslutat") and out of reach although its request is unanswered.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from processmining.log import ACTIVITY, CASE, GROUP, TIMESTAMP, EventLog

NOW = "2025-03-03T12:00:00+01:00"
REC, ACK, REQ, GOT, ASSIGN, CLOSE = (
    "Ansökan inkommen", "Mottagningsbekräftelse skickad", "Komplettering begärd", "Komplettering inkommen",
    "Ärende fördelat", "Ärende avslutat",
)
EXPORT = "Exportcheck"
INNO = "Innovationscheck"
REGIONAL = "Regionalt investeringsstöd"
ROWS = [
    # case, activity, time, unit, e-mail, programme
    ("A-1", REC, "2025-01-07 09:00", "E-tjänst", "a1@example.se", EXPORT),
    ("A-1", ACK, "2025-01-07 10:00", "Registratur", "a1@example.se", EXPORT),
    ("A-1", REQ, "2025-02-03 09:00", "Handläggning Syd", "a1@example.se", EXPORT),
    ("A-2", REC, "2025-02-20 09:00", "E-tjänst", "", INNO),
    ("A-3", REC, "2025-01-02 09:00", "E-tjänst", "a3@example.se", INNO),
    ("A-3", ACK, "2025-01-02 10:00", "Registratur", "a3@example.se", INNO),
    ("A-3", REQ, "2025-01-10 09:00", "Handläggning Nord", "a3@example.se", INNO),
    ("A-3", GOT, "2025-01-20 09:00", "E-tjänst", "a3@example.se", INNO),
    ("A-4", REC, "2025-01-02 09:00", "E-tjänst", "a4@example.se", EXPORT),
    ("A-4", ACK, "2025-01-02 10:00", "Registratur", "a4@example.se", EXPORT),
    ("A-4", REQ, "2025-01-10 09:00", "Handläggning Nord", "a4@example.se", EXPORT),
    ("A-4", CLOSE, "2025-01-30 09:00", "Handläggning Nord", "a4@example.se", EXPORT),
    ("A-5", REC, "2025-02-27 14:00", "E-tjänst", "a5@example.se", EXPORT),
    ("A-6", REC, "2025-01-27 09:00", "E-tjänst", "", INNO),
    ("A-6", ACK, "2025-01-27 10:00", "Registratur", "", INNO),
    ("A-6", REQ, "2025-02-10 09:00", "Handläggning Syd", "", INNO),
    ("A-7", REC, "2025-02-03 09:00", "E-tjänst", "a7@example.se", INNO),
    ("A-7", ACK, "2025-02-03 10:00", "Registratur", "a7@example.se", INNO),
    ("A-7", REQ, "2025-02-26 09:00", "Handläggning Nord", "a7@example.se", INNO),
    ("A-8", REC, "2025-01-20 09:00", "E-tjänst", "a8@example.se", REGIONAL),
    ("A-8", ACK, "2025-01-20 10:00", "Registratur", "a8@example.se", REGIONAL),
    ("A-8", ASSIGN, "2025-01-21 10:00", "Handläggning Mitt", "a8@example.se", REGIONAL),
    ("A-9", REC, "2025-02-28 16:00", "E-tjänst", "a9@example.se", EXPORT),
]

#: The e-mails a sending run must deliver: (automation, case, recipient).
EXPECTED_EMAILS = {
    ("acknowledge_receipt", "A-5", "a5@example.se"),
    ("acknowledge_receipt", "A-9", "a9@example.se"),
    ("remind_completion", "A-1", "a1@example.se"),
    ("alert_target", "A-8", "mitt@example.se"),
}
#: The actions that go to the outbox (no address): (automation, case).
EXPECTED_OUTBOX = {("acknowledge_receipt", "A-2"), ("remind_completion", "A-6")}


def frame() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=[CASE, ACTIVITY, TIMESTAMP, GROUP, "case:email", "case:program"])


def event_log() -> EventLog:
    data = frame()
    data["case:email"] = data["case:email"].replace("", None)
    return EventLog.from_frame(data)


def write_csv(path: Path) -> Path:
    """The export as a CSV with pm4py's column names (as the case-handling system would drop it)."""
    frame().to_csv(path, index=False)
    return path


def write_config(folder: Path, *, smtp_port: int = 2525, pause_seconds: float = 0.0, extra: str = "") -> Path:
    """An automation config in ``folder`` (ledger and outbox inside it) for SMTP on 127.0.0.1:smtp_port."""
    path = folder / "automations.toml"
    path.write_text(f"""
[general]
ledger = "state/ledger.sqlite3"
signature = "Testmyndigheten"

[targets]
attribute = "case:program"
default = 60
"{REGIONAL}" = 20

[smtp]
host = "127.0.0.1"
port = {smtp_port}
sender = "noreply@testmyndigheten.se"
pause_seconds = {pause_seconds}

[outbox]
folder = "outbox"

[remind_completion]
after_days = 10
repeat = "week"

[alert_target]
within_days = 5
[alert_target.mailboxes]
"Handläggning Mitt" = "mitt@example.se"

[weekly_bottleneck_report]
recipients = ["chef@example.se", "analys@example.se"]
out_folder = "weekly"
{extra}
""", encoding="utf-8")
    return path


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, collecting what it receives.

    ``messages`` holds one ``email.message.EmailMessage`` per accepted message, with the envelope
    recipients in ``rcpt_tos``. ``users`` (name -> password) switches on AUTH (over plain text, as
    a test relay on localhost may).
    """

    def __init__(self, users: dict[str, str] | None = None, tls_context: Any = None) -> None:
        import socket

        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        self.rcpt_tos: list[list[str]] = []
        self.encrypted: list[bool] = []
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        kwargs: dict[str, Any] = {}
        if users is not None:
            kwargs = {"authenticator": _Authenticator(users), "auth_require_tls": tls_context is not None,
                      "auth_required": True}
        if tls_context is not None:
            kwargs.update(tls_context=tls_context, require_starttls=True)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        self.rcpt_tos.append(list(envelope.rcpt_tos))
        self.encrypted.append(session.ssl is not None)
        return "250 Message accepted for delivery"

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def received(self) -> list[tuple[str, str, str]]:
        """(automation, case, recipient) per message, in arrival order."""
        return [(m["X-Processmining-Automation"], m["X-Processmining-Case"], m["To"]) for m in self.messages]


class _Authenticator:
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and self.users.get(auth_data.login.decode()) == \
            auth_data.password.decode()
        return AuthResult(success=ok, handled=False)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost / 127.0.0.1 and its key (PEM files), valid for a day."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class FaultySmtp(SmtpSink):
    """A real SMTP server on 127.0.0.1 that misbehaves by recipient, as mail servers do.

    - ``slow*@``: the message is received (and kept), but the 250 reply comes ``slow_seconds`` later,
      after the client's timeout;
    - ``busy*@``: 451 (try again later) to the first ``busy_times`` deliveries of each Message-ID, then 250;
    - ``reject*@``: 550 (mailbox unavailable) at RCPT;
    - ``delay_seconds``: every accepted message waits this long before its 250 (to make runs overlap);
    - :meth:`down` / :meth:`up`: the server stops listening, then listens again on the same port.

    ``messages`` holds every message the server received (also the slow ones whose reply came too late);
    :meth:`ids` counts them by Message-ID.
    """

    def __init__(self, *, slow_seconds: float = 2.0, busy_times: int = 1, delay_seconds: float = 0.0) -> None:
        super().__init__()
        self.slow_seconds, self.busy_times, self.delay_seconds = slow_seconds, busy_times, delay_seconds
        self.busy_seen: dict[str, int] = {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: Any) -> str:
        if address.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import asyncio
        import email
        import email.policy

        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        rcpt = envelope.rcpt_tos[0]
        if rcpt.startswith("busy"):
            seen = self.busy_seen.get(message["Message-ID"], 0)
            self.busy_seen[message["Message-ID"]] = seen + 1
            if seen < self.busy_times:
                return "451 4.3.2 try again later"
        self.messages.append(message)
        self.rcpt_tos.append(list(envelope.rcpt_tos))
        if rcpt.startswith("slow"):
            await asyncio.sleep(self.slow_seconds)
        elif self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        return "250 Message accepted for delivery"

    def ids(self) -> Counter[str]:
        return Counter(m["Message-ID"] for m in self.messages)

    def down(self) -> None:
        self.controller.stop()

    def up(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)  # a stopped one cannot restart
        self.controller.start()
