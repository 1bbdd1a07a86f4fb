"""Where actions go: e-mail over SMTP, and a file outbox for the case-handling system.

Both adapters have one method, ``deliver(action, message_id) -> str`` (a short receipt for the
ledger), and ``close()``. They raise :class:`DeliveryError` (an
:class:`~processmining.errors.AutomationError`) with a one-line message when delivery fails, saying
what is known: ``permanent`` (a 5xx reply: retrying cannot help), ``uncertain`` (the message text was
handed to the server but its reply never came: it may have arrived) or neither (transient: refused
with 4xx, or the server could not be reached; ``unreachable`` then spares the other messages of the
round a wait for the same server). The ledger records them as ``failed`` or ``unknown``.

SMTP: standard library ``smtplib`` over the real protocol, plain, STARTTLS or implicit TLS, with
optional login; the password comes from the environment variable the config names, never from the
file. One connection is opened on the first message and reused. Every message carries a Message-ID
derived from the action's ledger key (``Action.message_id``), so that a recipient's system can
de-duplicate as well.

Outbox: one file per action (JSON, or CSV with one header row and one data row), named after the
action's key hash so that the same action always lands in the same file; written to a temporary file
in the same folder and moved into place (:mod:`processmining.files`: atomic on one file system), so the
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
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from processmining.errors import AutomationError, ConfigError
from processmining.files import csv_safe, write_text

from .actions import Action
from .config import OutboxSettings, SmtpSettings

__all__ = ["Adapter", "DeliveryError", "OutboxAdapter", "SmtpAdapter", "build_message", "outbox_name"]


class DeliveryError(AutomationError):
    """A delivery that did not succeed, with what is known about it (see the module docstring)."""

    def __init__(self, message: str, *, permanent: bool = False, uncertain: bool = False,
                 unreachable: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.uncertain = uncertain
        self.unreachable = unreachable


class _HandOver:
    """Notes when the message text (ending in CRLF.CRLF) goes to the server: from then on it may arrive.

    ``smtplib.SMTP.data`` sends the whole dot-terminated text in one ``send`` call and commands are
    sent as ``str``; smtplib itself cannot tell a timeout before the text from one after it.
    """

    handed_over = False

    def send(self, s: bytes | str) -> None:
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.handed_over = True  # set before sending: a failure half-way may still have delivered it
        super().send(s)  # type: ignore[misc]


class _SMTP(_HandOver, smtplib.SMTP):
    pass


class _SMTPSSL(_HandOver, smtplib.SMTP_SSL):
    pass


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
        self._smtp: _SMTP | _SMTPSSL | None = None

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

    def _connect(self) -> _SMTP | _SMTPSSL:
        s = self.settings
        context = self._tls() if s.security != "none" else None
        try:
            if s.security == "ssl":
                smtp: _SMTP | _SMTPSSL = _SMTPSSL(s.host, s.port, timeout=s.timeout_seconds, context=context)
            else:
                smtp = _SMTP(s.host, s.port, timeout=s.timeout_seconds)
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, self._password())
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"{self.where}: login as {s.username!r} refused ({exc.smtp_code}); check "
                                f"[smtp] username and {s.password_env}", unreachable=True) from exc
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise DeliveryError(f"{self.where}: cannot connect ({_reason(exc)}); check [smtp] host, port "
                                "and security", unreachable=True) from exc
        return smtp

    def deliver(self, action: Action, message_id: str) -> str:
        if not action.recipient:
            raise DeliveryError(f"{action.automation} {action.case}: an e-mail action without a recipient",
                                permanent=True)
        try:
            msg = build_message(action, sender=self.settings.sender, message_id=message_id,
                                reply_to=self.settings.reply_to)
        except (ValueError, TypeError) as exc:  # e.g. a header value the e-mail library refuses
            raise DeliveryError(f"cannot build the message ({exc})", permanent=True) from exc
        what = f"{action.automation} for case {action.case} to {action.recipient}"
        for reused in (True, False):
            fresh = self._smtp is None
            if self._smtp is None:
                self._smtp = self._connect()
            smtp = self._smtp
            smtp.handed_over = False
            try:
                refused = smtp.send_message(msg)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                # A definite reply: not accepted. smtplib has reset the transaction; the connection stays.
                code = _code(exc)
                raise DeliveryError(f"{self.where}: {what} refused ({_reason(exc)})",
                                    permanent=code >= 500) from exc
            except (smtplib.SMTPException, OSError) as exc:
                self._abort()
                if smtp.handed_over:
                    raise DeliveryError(f"{self.where}: {what} handed over but not confirmed ({_reason(exc)} "
                                        f"after the message text was sent)", uncertain=True) from exc
                if reused and not fresh and isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError):
                    continue  # the server closed an idle connection: once more on a new one
                raise DeliveryError(f"{self.where}: sending {what} failed before the message was handed over "
                                    f"({_reason(exc)})", unreachable=isinstance(exc, OSError)) from exc
            if refused:
                raise DeliveryError(f"{self.where}: recipient {action.recipient} refused: {refused}",
                                    permanent=all(code >= 500 for code, _ in refused.values()))
            return f"accepted by {self.where} as {message_id}"
        raise AssertionError("unreachable")  # pragma: no cover

    def _abort(self) -> None:
        """Drop the connection without QUIT (a server that did not answer would not answer QUIT either)."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _code(exc: BaseException) -> int:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return min(codes) if codes else 0
    return int(getattr(exc, "smtp_code", 0) or 0)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
                         for code, text in exc.recipients.values())
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
        flat = {k: csv_safe(json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, dict) else v)
                for k, v in record.items()}
        writer = csv.DictWriter(buffer, fieldnames=list(flat), delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerow(flat)
        return buffer.getvalue()

    def deliver(self, action: Action, message_id: str) -> str:
        folder = self.settings.folder
        target = folder / outbox_name(action, self.settings.format)
        try:
            write_text(target, self._content(action, message_id), durable=True,
                       encoding="utf-8-sig" if self.settings.format == "csv" else "utf-8")
        except OSError as exc:
            raise DeliveryError(f"{target}: cannot write the outbox file ({exc.strerror or exc})",
                                unreachable=True) from exc
        return f"written to {target}"

    def close(self) -> None:
        return None
