"""Where actions go: e-mail over SMTP, and a file outbox for the case-handling system.

Both adapters have one method, ``deliver(action, message_id) -> str`` (a short receipt for the
ledger), and ``close()``. They raise :class:`~processmining.errors.AutomationError` with a one-line
message when delivery fails; the ledger then records the action as ``failed``.

SMTP: standard library ``smtplib`` over the real protocol, plain, STARTTLS or implicit TLS, with
optional login; the password comes from the environment variable the config names, never from the
file. One connection is opened on the first message and reused. Every message carries a Message-ID
derived from the action's ledger key (``Action.message_id``), so that a recipient's system can
de-duplicate as well.

Outbox: one file per action (JSON, or CSV with one header row and one data row), named after the
action's key hash so that the same action always lands in the same file; written to a temporary file
in the same folder and moved into place with ``os.replace`` (atomic on one file system), so the
case-handling system never imports half a file.
"""

from __future__ import annotations

import csv
import email.utils
import io
import json
import mimetypes
import os
import re
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from processmining.errors import AutomationError, ConfigError

from .actions import Action
from .config import OutboxSettings, SmtpSettings

__all__ = ["Adapter", "OutboxAdapter", "SmtpAdapter", "build_message", "outbox_name"]


class Adapter(Protocol):
    """Carries out actions of one channel."""

    channel: str

    def deliver(self, action: Action, message_id: str) -> str:
        """Carry out the action; return a short receipt. Raise AutomationError on failure."""
        ...

    def close(self) -> None:
        ...


def build_message(action: Action, *, sender: str, message_id: str, reply_to: str = "") -> EmailMessage:
    """The e-mail for an action, attachments included (``payload["attachments"]``: file paths)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = action.recipient or ""
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = action.subject
    msg["Message-ID"] = message_id
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["X-Processmining-Automation"] = action.automation
    msg["X-Processmining-Case"] = action.case
    msg.set_content(action.body)
    for name in action.payload.get("attachments", ()):
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise AutomationError(f"{path}: cannot attach to the {action.automation} message ({exc.strerror})") from exc
        kind, _ = mimetypes.guess_type(path.name)
        maintype, _, subtype = (kind or "application/octet-stream").partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    return msg


class SmtpAdapter:
    """E-mail over SMTP (``[smtp]`` in the config).

    Args:
        settings: host, port, security (none/starttls/ssl), username, the env var holding the password.
        environ: where to look the password up (default ``os.environ``).
    """

    channel = "email"

    def __init__(self, settings: SmtpSettings, *, environ: os._Environ[str] | dict[str, str] | None = None) -> None:
        self.settings = settings
        self._environ = os.environ if environ is None else environ
        self._smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"SMTP {self.settings.host}:{self.settings.port}"

    def _password(self) -> str:
        name = self.settings.password_env
        password = self._environ.get(name, "") if name else ""
        if not password:
            raise ConfigError(f"[smtp] username is set but the password variable {name or '(password_env)'} is "
                              "empty; export it before sending")
        return password

    def _tls(self) -> ssl.SSLContext:
        """Certificate and host name checks on, the system's CAs plus ``ca_file`` if given."""
        context = ssl.create_default_context()
        if self.settings.ca_file:
            try:
                context.load_verify_locations(cafile=self.settings.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(f"[smtp] ca_file {self.settings.ca_file}: cannot load ({exc})") from exc
        return context

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = self._tls() if s.security != "none" else None
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, self._password())
        except smtplib.SMTPAuthenticationError as exc:
            raise AutomationError(f"{self.where}: login as {s.username!r} refused ({exc.smtp_code}); check "
                                  f"[smtp] username and {s.password_env}") from exc
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise AutomationError(f"{self.where}: cannot connect ({_reason(exc)}); check [smtp] host, port "
                                  "and security") from exc
        return smtp

    def deliver(self, action: Action, message_id: str) -> str:
        if not action.recipient:
            raise AutomationError(f"{action.automation} {action.case}: an e-mail action without a recipient")
        msg = build_message(action, sender=self.settings.sender, message_id=message_id,
                            reply_to=self.settings.reply_to)
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise AutomationError(f"{self.where}: sending {action.automation} for case {action.case} to "
                                  f"{action.recipient} failed ({_reason(exc)})") from exc
        if refused:
            raise AutomationError(f"{self.where}: recipient {action.recipient} refused: {refused}")
        return f"accepted by {self.where} as {message_id}"

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}".strip()
    return str(exc) or type(exc).__name__


def outbox_name(action: Action, suffix: str) -> str:
    """File name of an action in the outbox: automation, case and the key hash (stable per key)."""
    case = re.sub(r"[^0-9A-Za-z._-]+", "_", action.case)[:60] or "_"
    return f"{action.automation}__{case}__{action.key_hash[:16]}.{suffix}"


class OutboxAdapter:
    """One file per action in ``[outbox] folder`` (JSON or CSV), written atomically."""

    channel = "outbox"

    def __init__(self, settings: OutboxSettings) -> None:
        self.settings = settings

    def _content(self, action: Action, message_id: str) -> str:
        record = {"message_id": message_id, **action.as_dict()}
        if self.settings.format == "json":
            return json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n"
        buffer = io.StringIO()
        flat = {k: (json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, dict) else v)
                for k, v in record.items()}
        writer = csv.DictWriter(buffer, fieldnames=list(flat), delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerow(flat)
        return buffer.getvalue()

    def deliver(self, action: Action, message_id: str) -> str:
        folder = self.settings.folder
        target = folder / outbox_name(action, self.settings.format)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8-sig" if self.settings.format == "csv" else "utf-8",
                               newline="") as fh:
                    fh.write(self._content(action, message_id))
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise AutomationError(f"{target}: cannot write the outbox file ({exc.strerror or exc})") from exc
        return f"written to {target}"

    def close(self) -> None:
        return None
