"""The automation config: one TOML file (see ``automations.example.toml`` at the project root).

Every key has a default, so an empty file is a valid config (dry runs work out of the box); a key that
is not known is an error naming the file and the key, so that a typo cannot silently switch something
off. Relative paths in the file (ledger, outbox, report folder, profile) are relative to the file's
own folder, so a flow gives the same result whatever its working directory.

Message templates are Python format strings (``{case}``, ``{programme}``, ...); which fields each
automation offers is listed in :data:`TEMPLATE_FIELDS` and checked when the file is loaded. Swedish
(``sv``) is the default language, English (``en``) the alternative; a ``[templates.sv.<automation>]``
table overrides the built-in text.
"""

from __future__ import annotations

import string
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address, HeaderRegistry
from pathlib import Path
from typing import Any, Literal

from processmining.analyses.sla import Targets, targets_from_mapping
from processmining.calendar import WorkCalendar, get_calendar
from processmining.errors import ConfigError

__all__ = [
    "AUTOMATIONS",
    "REPEATS",
    "TEMPLATE_FIELDS",
    "ActivityNames",
    "AlertSettings",
    "AutomationConfig",
    "CaseFields",
    "OutboxSettings",
    "ReceiptSettings",
    "ReminderSettings",
    "ReportSettings",
    "SmtpSettings",
    "check_address",
    "load_config",
]

#: The automations, in the order a run carries them out.
AUTOMATIONS = ("acknowledge_receipt", "remind_completion", "alert_target", "weekly_bottleneck_report")
#: How often the same automation may act again on the same case and step (the ledger key's period).
REPEATS = ("once", "day", "week", "month")

#: Fields each message template may use.
TEMPLATE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "acknowledge_receipt": ("case", "programme", "received_date", "signature"),
    "remind_completion": ("case", "programme", "requested_date", "days_waiting", "signature"),
    "alert_target": (
        "case", "programme", "unit", "status", "days_open", "handling_days", "target", "days_left",
        "last_activity", "last_date", "basis", "signature",
    ),
    "weekly_bottleneck_report": (
        "week", "source", "open_cases", "overdue", "approaching", "open_requests", "bottlenecks",
        "report_name", "calendar", "signature",
    ),
}

_DEFAULT_TEMPLATES: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "sv": {
        "acknowledge_receipt": (
            "Vi har tagit emot din ansökan ({case})",
            "Hej!\n\nVi har tagit emot din ansökan om {programme} den {received_date}. Ärendet har "
            "diarienummer {case}; ange det om du kontaktar oss.\n\nDet här meddelandet skickas automatiskt "
            "och går inte att svara på.\n\nMed vänliga hälsningar\n{signature}\n",
        ),
        "remind_completion": (
            "Påminnelse: komplettering saknas i ärende {case}",
            "Hej!\n\nDen {requested_date} bad vi dig komplettera din ansökan om {programme} (ärende {case}). "
            "Vi har ännu inte fått kompletteringen ({days_waiting} arbetsdagar sedan begäran). Skicka in den "
            "så snart du kan, så att vi kan fortsätta handläggningen.\n\nHar du redan skickat den kan du "
            "bortse från detta meddelande.\n\nMed vänliga hälsningar\n{signature}\n",
        ),
        "alert_target": (
            "Ärende {case} {status} handläggningsmålet",
            "Ärende {case} ({programme}) {status} handläggningsmålet.\n\n"
            "Öppet sedan: {days_open} arbetsdagar\nHandläggningstid ({basis}): {handling_days} arbetsdagar\n"
            "Mål: {target} arbetsdagar\nKvar till målet: {days_left} arbetsdagar\n"
            "Senaste händelse: {last_activity} ({last_date})\nEnhet: {unit}\n\n{signature}\n",
        ),
        "weekly_bottleneck_report": (
            "Veckorapport om flaskhalsar, {week}",
            "Hej!\n\nBifogat finns veckans flaskhalsrapport ({report_name}) för exporten {source}.\n\n"
            "Öppna ärenden: {open_cases}\nÖver handläggningsmålet: {overdue}\nNära målet: {approaching}\n"
            "Obesvarade begäranden om komplettering: {open_requests}\n\n"
            "Största flaskhalsar (median väntetid):\n{bottlenecks}\n\n{calendar}\n\n{signature}\n",
        ),
    },
    "en": {
        "acknowledge_receipt": (
            "We have received your application ({case})",
            "Hello,\n\nWe received your application for {programme} on {received_date}. Its case number is "
            "{case}; please quote it if you contact us.\n\nThis message is sent automatically; replies are "
            "not read.\n\nKind regards\n{signature}\n",
        ),
        "remind_completion": (
            "Reminder: supplementary information missing in case {case}",
            "Hello,\n\nOn {requested_date} we asked you to complete your application for {programme} (case "
            "{case}). We have not yet received it ({days_waiting} working days since the request). Please send "
            "it as soon as you can so that we can continue.\n\nIf you have already sent it, please ignore this "
            "message.\n\nKind regards\n{signature}\n",
        ),
        "alert_target": (
            "Case {case} {status} its handling-time target",
            "Case {case} ({programme}) {status} its handling-time target.\n\n"
            "Open for: {days_open} working days\nHandling time ({basis}): {handling_days} working days\n"
            "Target: {target} working days\nLeft until the target: {days_left} working days\n"
            "Last event: {last_activity} ({last_date})\nUnit: {unit}\n\n{signature}\n",
        ),
        "weekly_bottleneck_report": (
            "Weekly bottleneck report, {week}",
            "Hello,\n\nAttached is this week's bottleneck report ({report_name}) for the export {source}.\n\n"
            "Open cases: {open_cases}\nPast the handling-time target: {overdue}\nClose to the target: "
            "{approaching}\nUnanswered requests for completion: {open_requests}\n\n"
            "Largest bottlenecks (median wait):\n{bottlenecks}\n\n{calendar}\n\n{signature}\n",
        ),
    },
}


@dataclass(frozen=True, slots=True)
class ActivityNames:
    """Activity names the automations look for (as they appear in the export)."""

    received: str = "Ansökan inkommen"
    acknowledged: str = "Mottagningsbekräftelse skickad"
    completion_requested: str = "Komplettering begärd"
    completion_received: str = "Komplettering inkommen"
    #: A case with any of these is closed and out of every automation's reach.
    closing: tuple[str, ...] = ("Ärende avslutat",)
    #: Handling time excludes the applicant's time between request and completion (Swedish practice).
    completion_stops_clock: bool = True


@dataclass(frozen=True, slots=True)
class CaseFields:
    """Which columns of the log hold the applicant's address, the programme and the unit."""

    email: str = "case:email"
    programme: str = "case:program"
    #: Units whose events do not move a case to them (e.g. the e-service that records incoming mail).
    ignore_units: tuple[str, ...] = ("E-tjänst",)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """The mail server. The password is never in the file: ``password_env`` names an env var."""

    host: str = "localhost"
    port: int = 25
    security: Literal["none", "starttls", "ssl"] = "none"
    username: str = ""
    password_env: str = "PROCESSMINING_SMTP_PASSWORD"
    #: CA certificates (PEM) to trust besides the system's, e.g. the agency's internal CA.
    ca_file: str = ""
    sender: str = "noreply@example.se"
    reply_to: str = ""
    timeout_seconds: float = 30.0
    #: Pause after each message (relays often limit the rate); 0 sends as fast as the server takes them.
    pause_seconds: float = 0.0
    #: Right-hand side of the Message-ID (default: the sender's domain).
    message_id_domain: str = ""
    #: Further rounds within a run for messages refused with 4xx or not sent while the server was away.
    retries: int = 2
    #: Pause before the first further round, doubled for each next one.
    retry_backoff_seconds: float = 30.0
    #: Recipients must be in one of these domains (or their subdomains); empty: any domain.
    allowed_domains: tuple[str, ...] = ()

    @property
    def domain(self) -> str:
        return self.message_id_domain or self.sender.rpartition("@")[2] or "localhost"


@dataclass(frozen=True, slots=True)
class OutboxSettings:
    """The file outbox for the case-handling system: one file per action."""

    folder: Path = Path(".processmining/outbox")
    format: Literal["json", "csv"] = "json"


@dataclass(frozen=True, slots=True)
class ReceiptSettings:
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    enabled: bool = True
    #: Remind when a request for completion has been unanswered for this many working days.
    after_days: float = 10.0
    repeat: str = "week"


@dataclass(frozen=True, slots=True)
class AlertSettings:
    enabled: bool = True
    #: Alert when an open case has this many working days or fewer left to its target (or is past it).
    within_days: float = 5.0
    repeat: str = "once"
    #: Unit (org:group) -> mailbox.
    mailboxes: tuple[tuple[str, str], ...] = ()
    #: For units without a mailbox of their own; empty: such alerts go to the outbox.
    default_mailbox: str = ""

    def mailbox(self, unit: str | None) -> str | None:
        for name, address in self.mailboxes:
            if name == unit:
                return address
        return self.default_mailbox or None


@dataclass(frozen=True, slots=True)
class ReportSettings:
    enabled: bool = True
    recipients: tuple[str, ...] = ()
    #: The weekly report is written to ``out_folder/<ISO week>/``.
    out_folder: Path = Path("reports/weekly")
    #: How many bottlenecks the message lists.
    top: int = 5


@dataclass(frozen=True, slots=True)
class AutomationConfig:
    """Everything an automation run needs besides the log. Build with :func:`load_config`.

    ``AutomationConfig()`` is the all-defaults config (Swedish texts, no targets, SMTP on localhost:25).
    """

    path: str = "<defaults>"
    lang: Literal["sv", "en"] = "sv"
    ledger: Path = Path(".processmining/ledger.sqlite3")
    #: Source profile to read the export with (path or name), if the export needs one.
    profile: str | None = None
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    signature: str = "Handläggningsstödet"
    activities: ActivityNames = field(default_factory=ActivityNames)
    case: CaseFields = field(default_factory=CaseFields)
    targets: Targets | None = None
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    acknowledge_receipt: ReceiptSettings = field(default_factory=ReceiptSettings)
    remind_completion: ReminderSettings = field(default_factory=ReminderSettings)
    alert_target: AlertSettings = field(default_factory=AlertSettings)
    weekly_bottleneck_report: ReportSettings = field(default_factory=ReportSettings)
    #: (lang, automation) -> (subject, body) overrides of the built-in texts.
    templates: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = ()

    def template(self, automation: str) -> tuple[str, str]:
        """Subject and body template of an automation in the configured language."""
        for (lang, name), text in self.templates:
            if lang == self.lang and name == automation:
                return text
        return _DEFAULT_TEMPLATES[self.lang][automation]

    def enabled(self, automation: str) -> bool:
        return bool(getattr(self, automation).enabled)


# ---- addresses -------------------------------------------------------------------------------------------
_HEADERS = HeaderRegistry()


def check_address(value: str, allowed_domains: tuple[str, ...] = ()) -> str | None:
    """Why ``value`` is not one plain e-mail address (``name@domain.tld``), or None when it is one.

    The standard library's RFC 5322 parser (``email.headerregistry``) reads the value as a To header;
    it must hold exactly one address, with no display name, comment or group around it, and no defect.
    Control characters, line and paragraph separators (CR, LF, U+0085, U+2028, U+2029) are refused before
    parsing, so no value can add a header. With ``allowed_domains``, the domain must be one of them or a
    subdomain of one.
    """
    if not isinstance(value, str) or not value.strip():
        return "empty"
    bad = [ch for ch in value if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")]
    if bad:
        return f"contains the control or line-separator character U+{ord(bad[0]):04X}"
    text = value.strip()
    try:
        header = _HEADERS("To", text)
        addresses = header.addresses  # type: ignore[attr-defined]
        defects = header.defects
    except (HeaderParseError, ValueError, IndexError) as exc:
        return f"not an e-mail address ({exc})"
    if len(addresses) != 1:
        return f"holds {len(addresses)} addresses; one address per field"
    address: Address = addresses[0]
    if defects:
        return f"not an e-mail address ({defects[0]})"
    if address.display_name or address.addr_spec != text:
        return f"not a plain address (the mail would go to {address.addr_spec!r} only); one bare address per field"
    if not address.username or "." not in address.domain or address.domain.startswith(".") \
            or address.domain.endswith("."):
        return "not an e-mail address (name@domain.tld)"
    domain = address.domain.lower()
    if allowed_domains and not any(domain == d or domain.endswith("." + d) for d in allowed_domains):
        return f"domain {domain} is not in [smtp] allowed_domains"
    return None


# ---- loading ------------------------------------------------------------------------------------------
_SECTIONS = {
    "general": {"lang", "ledger", "profile", "calendar", "hours", "timezone", "signature"},
    "activities": {"received", "acknowledged", "completion_requested", "completion_received", "closing",
                   "completion_stops_clock"},
    "case": {"email", "programme", "ignore_units"},
    "targets": None,  # checked by processmining's targets parser
    "smtp": {"host", "port", "security", "username", "password_env", "ca_file", "sender", "reply_to", "timeout_seconds",
             "pause_seconds", "message_id_domain", "retries", "retry_backoff_seconds", "allowed_domains"},
    "outbox": {"folder", "format"},
    "acknowledge_receipt": {"enabled"},
    "remind_completion": {"enabled", "after_days", "repeat"},
    "alert_target": {"enabled", "within_days", "repeat", "mailboxes", "default_mailbox"},
    "weekly_bottleneck_report": {"enabled", "recipients", "out_folder", "top"},
    "templates": None,  # checked below
}


class _Reader:
    """Typed access to one TOML table with messages that name the file and the key."""

    def __init__(self, name: str, section: str, data: Mapping[str, Any]) -> None:
        self.name, self.section, self.data = name, section, data

    def _fail(self, key: str, what: str) -> ConfigError:
        return ConfigError(f"{self.name}: [{self.section}] {key}: {what}")

    def text(self, key: str, default: str) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise self._fail(key, f"must be text in quotes, got {value!r}")
        return value.strip()

    def number(self, key: str, default: float, *, minimum: float = 0.0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self._fail(key, f"must be a number >= {minimum:g}, got {value!r}")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, f"must be true or false, got {value!r}")
        return value

    def texts(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.data.get(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self._fail(key, f"must be a list of texts, e.g. [\"a\", \"b\"], got {value!r}")
        return tuple(v.strip() for v in value)

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(key, default)
        if value not in choices:
            raise self._fail(key, f"{value!r} is not one of {', '.join(choices)}")
        return value


def _check_keys(name: str, data: Mapping[str, Any]) -> None:
    for section, value in data.items():
        if section not in _SECTIONS:
            raise ConfigError(f"{name}: unknown section [{section}]; known: {', '.join(_SECTIONS)}")
        if not isinstance(value, dict):
            raise ConfigError(f"{name}: {section} must be a table ([{section}])")
        allowed = _SECTIONS[section]
        if allowed is None:
            continue
        for key in value:
            if key not in allowed:
                raise ConfigError(f"{name}: [{section}] unknown key {key!r}; known: {', '.join(sorted(allowed))}")


def _templates(name: str, data: Mapping[str, Any]) -> tuple[tuple[tuple[str, str], tuple[str, str]], ...]:
    out = []
    for lang, table in data.items():
        if lang not in _DEFAULT_TEMPLATES or not isinstance(table, dict):
            raise ConfigError(f"{name}: [templates.{lang}]: language must be sv or en")
        for automation, text in table.items():
            where = f"{name}: [templates.{lang}.{automation}]"
            if automation not in TEMPLATE_FIELDS or not isinstance(text, dict):
                raise ConfigError(f"{where}: unknown automation; known: {', '.join(TEMPLATE_FIELDS)}")
            unknown = set(text) - {"subject", "body"}
            if unknown:
                raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; use subject and body")
            default_subject, default_body = _DEFAULT_TEMPLATES[lang][automation]
            subject, body = text.get("subject", default_subject), text.get("body", default_body)
            for part in (subject, body):
                _check_template(where, automation, part)
            out.append(((lang, automation), (subject, body)))
    return tuple(out)


def _check_template(where: str, automation: str, text: object) -> None:
    if not isinstance(text, str):
        raise ConfigError(f"{where}: subject and body must be text")
    allowed = TEMPLATE_FIELDS[automation]
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc} (write {{{{ and }}}} for literal braces)") from exc
    for name in fields:
        if name not in allowed:
            raise ConfigError(f"{where}: unknown field {{{name}}}; available: {', '.join(allowed)}")


def _path(base: Path, text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path


def load_config(path: str | Path | None = None) -> AutomationConfig:
    """Read an automation config (TOML). ``None``: the built-in defaults.

    Raises:
        ConfigError: the file is missing, not TOML, has an unknown section or key, or a value of the
            wrong type; the message names the file and the key.
    """
    if path is None:
        return AutomationConfig()
    path = Path(path)
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{name}: config file not found; copy automations.example.toml and adapt it") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}: cannot read the config file ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML: {exc}") from exc
    _check_keys(name, data)
    base = path.resolve().parent

    def section(key: str) -> _Reader:
        return _Reader(name, key, data.get(key, {}))

    general = section("general")
    defaults = AutomationConfig()
    lang = general.choice("lang", "sv", ("sv", "en"))
    calendar = get_calendar(general.choice("calendar", "se", ("se", "none")), general.text("hours", "08-17"),
                            general.text("timezone", "Europe/Stockholm"))
    profile_text = general.text("profile", "")
    profile = None
    if profile_text:
        # A profile may be a path (relative to this file) or a name in event_logs/profiles/.
        candidate = _path(base, profile_text)
        profile = str(candidate) if candidate.exists() else profile_text

    act = section("activities")
    da = ActivityNames()
    activities = ActivityNames(
        received=act.text("received", da.received),
        acknowledged=act.text("acknowledged", da.acknowledged),
        completion_requested=act.text("completion_requested", da.completion_requested),
        completion_received=act.text("completion_received", da.completion_received),
        closing=act.texts("closing", da.closing),
        completion_stops_clock=act.flag("completion_stops_clock", da.completion_stops_clock),
    )
    cs = section("case")
    dc = CaseFields()
    case = CaseFields(email=cs.text("email", dc.email), programme=cs.text("programme", dc.programme),
                      ignore_units=cs.texts("ignore_units", dc.ignore_units))
    targets = targets_from_mapping(data["targets"], source=f"{name}: [targets]") if "targets" in data else None

    sm = section("smtp")
    ds = SmtpSettings()
    smtp = SmtpSettings(
        host=sm.text("host", ds.host),
        port=int(sm.number("port", ds.port, minimum=1)),
        security=sm.choice("security", ds.security, ("none", "starttls", "ssl")),  # type: ignore[arg-type]
        username=sm.text("username", ds.username),
        password_env=sm.text("password_env", ds.password_env),
        ca_file=str(_path(base, sm.text("ca_file", ""))) if sm.text("ca_file", "") else "",
        sender=sm.text("sender", ds.sender),
        reply_to=sm.text("reply_to", ds.reply_to),
        timeout_seconds=sm.number("timeout_seconds", ds.timeout_seconds, minimum=1),
        pause_seconds=sm.number("pause_seconds", ds.pause_seconds),
        message_id_domain=sm.text("message_id_domain", ds.message_id_domain),
        retries=int(sm.number("retries", ds.retries)),
        retry_backoff_seconds=sm.number("retry_backoff_seconds", ds.retry_backoff_seconds),
        allowed_domains=tuple(d.lower().lstrip(".") for d in sm.texts("allowed_domains", ds.allowed_domains)),
    )
    why = check_address(smtp.sender)
    if why:
        raise ConfigError(f"{name}: [smtp] sender: {smtp.sender!r}: {why}")
    ob = section("outbox")
    outbox = OutboxSettings(folder=_path(base, ob.text("folder", str(OutboxSettings().folder))),
                            format=ob.choice("format", "json", ("json", "csv")))  # type: ignore[arg-type]

    rc = section("acknowledge_receipt")
    rm = section("remind_completion")
    dr = ReminderSettings()
    al = section("alert_target")
    dal = AlertSettings()
    mailboxes = al.data.get("mailboxes", {})
    if not isinstance(mailboxes, dict) or not all(isinstance(v, str) and "@" in v for v in mailboxes.values()):
        raise ConfigError(f'{name}: [alert_target.mailboxes] must map unit names to addresses: "Enhet" = "a@b.se"')
    wr = section("weekly_bottleneck_report")
    dw = ReportSettings()
    report = ReportSettings(
        enabled=wr.flag("enabled", dw.enabled),
        recipients=wr.texts("recipients", dw.recipients),
        out_folder=_path(base, wr.text("out_folder", str(dw.out_folder))),
        top=int(wr.number("top", dw.top, minimum=1)),
    )
    for where, address in [*((f"[alert_target.mailboxes] {k!r}", v.strip()) for k, v in mailboxes.items()),
                           *(("[weekly_bottleneck_report] recipients", r) for r in report.recipients),
                           *([("[alert_target] default_mailbox", al.text("default_mailbox", ""))]
                             if al.text("default_mailbox", "") else [])]:
        why = check_address(address, smtp.allowed_domains)
        if why:
            raise ConfigError(f"{name}: {where}: {address!r}: {why}")
    return AutomationConfig(
        path=name,
        lang=lang,  # type: ignore[arg-type]
        ledger=_path(base, general.text("ledger", str(defaults.ledger))),
        profile=profile,
        calendar=calendar,
        signature=general.text("signature", defaults.signature),
        activities=activities,
        case=case,
        targets=targets,
        smtp=smtp,
        outbox=outbox,
        acknowledge_receipt=ReceiptSettings(enabled=rc.flag("enabled", True)),
        remind_completion=ReminderSettings(
            enabled=rm.flag("enabled", dr.enabled),
            after_days=rm.number("after_days", dr.after_days),
            repeat=rm.choice("repeat", dr.repeat, REPEATS),
        ),
        alert_target=AlertSettings(
            enabled=al.flag("enabled", dal.enabled),
            within_days=al.number("within_days", dal.within_days),
            repeat=al.choice("repeat", dal.repeat, REPEATS),
            mailboxes=tuple((str(k), v.strip()) for k, v in mailboxes.items()),
            default_mailbox=al.text("default_mailbox", dal.default_mailbox),
        ),
        weekly_bottleneck_report=report,
        templates=_templates(name, data.get("templates", {})),
    )
