"""The automations: small pure functions from the open-case state to the actions to carry out.

Each automation is ``(state, config, now) -> list[Action]``; nothing here sends, writes or records
anything (that is :mod:`automations.ledger` with an adapter). An :class:`Action` carries the stable
key ``(automation, case, step, period)`` that the ledger uses to guarantee "never twice":

==========================  ===========  ==========================================  =====================
automation                  case         step                                        period
==========================  ===========  ==========================================  =====================
acknowledge_receipt         case id     ``receipt``                                  ``once``
remind_completion           case id     ``request <time of the request>``            ``[remind_completion] repeat``
alert_target                case id     ``approaching`` or ``overdue``               ``[alert_target] repeat``
weekly_bottleneck_report    ``*``       ``report to <recipient>``                    ISO week, e.g. ``2025-W10``
==========================  ===========  ==========================================  =====================

A period of ``week`` means at most one such action per ISO week (``2025-W10``), ``day`` one per day,
``month`` one per month, ``once`` one ever.

Messages to applicants go to the address in the case attribute named by ``[case] email``; a case
without one gets an ``outbox`` action (a file for the case-handling system) instead of an e-mail,
never a silent drop. Alerts go to the unit's mailbox (``[alert_target.mailboxes]``), else the default
mailbox, else the outbox. Texts come from the config's templates (Swedish by default) and are passed
through ``processmining``'s personal-number masking, so a personnummer can never leave in a message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from processmining.errors import AutomationError, ConfigError, ProcessMiningError
from processmining.formatting import fmt_signed

from .config import AutomationConfig, check_address
from .state import OpenCaseState, parse_now

__all__ = [
    "CASE_AUTOMATIONS",
    "Action",
    "Automation",
    "acknowledge_receipt",
    "alert_target",
    "case_labels",
    "period_of",
    "remind_completion",
    "weekly_bottleneck_report",
]

Channel = Literal["email", "outbox"]


@dataclass(frozen=True, slots=True)
class Action:
    """One thing an automation wants done: an e-mail, or a file in the outbox.

    Attributes:
        automation: the automation's name (e.g. ``remind_completion``).
        case: the case id (``*`` for actions not about one case).
        step: what in the case the action is about (e.g. ``request 2025-02-03T09:00:00+01:00``).
        period: the period within which it is done at most once (``once``, ``2025-W10``, ...).
        recipient: the e-mail address; ``None`` for outbox actions.
        subject: the message subject.
        body: the message text.
        payload: JSON-serialisable details for the outbox file and the ledger (``attachments``: paths).
        channel: ``email`` or ``outbox``.
    """

    automation: str
    case: str
    step: str
    period: str
    recipient: str | None
    subject: str
    body: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    channel: Channel = "email"

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The ledger key: (automation, case, step, period)."""
        return (self.automation, self.case, self.step, self.period)

    @property
    def key_hash(self) -> str:
        """SHA-256 of the key (hex): the base of the Message-ID and of the outbox file name."""
        text = "\x1f".join(self.key)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def message_id(self, domain: str) -> str:
        """A Message-ID derived from the key only, so a resent message carries the same id."""
        return f"<pm-{self.key_hash[:40]}@{domain}>"

    def as_dict(self) -> dict[str, Any]:
        return {
            "automation": self.automation,
            "case": self.case,
            "step": self.step,
            "period": self.period,
            "channel": self.channel,
            "recipient": self.recipient,
            "subject": self.subject,
            "body": self.body,
            "payload": dict(self.payload),
        }


Automation = Callable[[OpenCaseState, AutomationConfig, pd.Timestamp], list[Action]]


# ---- helpers --------------------------------------------------------------------------------------------
def period_of(now: pd.Timestamp, repeat: str) -> str:
    """The ledger period of ``now`` for a repeat setting: once, day, week (ISO) or month."""
    if repeat == "once":
        return "once"
    if repeat == "day":
        return str(now.strftime("%Y-%m-%d"))
    if repeat == "week":
        year, week, _ = now.isocalendar()
        return f"{year}-W{week:02d}"
    if repeat == "month":
        return str(now.strftime("%Y-%m"))
    raise ConfigError(f"repeat {repeat!r} is not one of once, day, week, month")


def _now(state: OpenCaseState, now: pd.Timestamp | dt.datetime | str | None) -> pd.Timestamp:
    return parse_now(now, state.calendar.timezone) or state.now


def _days(value: float, lang: str) -> str:
    """A day count for a message: whole days as they are, else one decimal (decimal comma in Swedish)."""
    if value is None or not np.isfinite(value):
        return "-"
    return fmt_signed(value, lang, 1 if abs(value - round(value)) >= 0.05 else 0)


def _date(value: Any) -> str:
    return "-" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _text(value: Any, default: str = "-") -> str:
    return default if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _escape_controls(text: str) -> str:
    """Control, format and line-separator characters written as ``\\xNN`` / ``\\uNNNN`` (never in a header)."""
    return "".join((f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
                   if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)


def _mask_texts(texts: list[str]) -> list[str]:
    """Personal identity numbers masked (processmining's ingest: Luhn-checked, one vectorised pass)."""
    if not texts:
        return texts
    from processmining.ingest.privacy import mask_personal_numbers

    return [str(t) for t in mask_personal_numbers(pd.Series(texts, dtype=object)).tolist()]


def _label_key() -> bytes | None:
    from processmining.ingest.privacy import load_key

    try:
        return load_key()
    except ProcessMiningError:
        return None


def case_labels(cases: list[str]) -> dict[str, str]:
    """The case ids as they may appear in messages, headers, the ledger, outbox files and logs.

    Control and line-separator characters are escaped (``A\\x0d\\x0a1``), so a case id can never add a
    header or a line; a Swedish personal identity number is masked (``********-****``) and, since
    masking alone would merge cases, followed by ``~`` and 10 hex digits of a digest of the whole id
    (HMAC-SHA-256 with the pseudonymisation key when one is set up, else SHA-256), so that the label stays
    unique and stable from run to run. Other ids are kept as they are.
    """
    escaped = [_escape_controls(c) for c in cases]
    masked = _mask_texts(escaped)
    labels: dict[str, str] = {}
    key: bytes | None | bool = False
    for raw, esc, mask in zip(cases, escaped, masked, strict=True):
        if mask == esc:
            labels[raw] = esc
            continue
        if key is False:
            key = _label_key()
        data = raw.encode("utf-8")
        digest = (hmac.new(key, data, hashlib.sha256) if isinstance(key, bytes) else hashlib.sha256(data)).hexdigest()
        labels[raw] = f"{mask}~{digest[:10]}"
    return labels


def _masked(actions: list[Action]) -> list[Action]:
    """The actions with personal identity numbers masked in subject, body and recipient (one pass)."""
    if not actions:
        return actions
    texts = [t for a in actions for t in (a.subject, a.body, a.recipient or "")]
    masked = _mask_texts(texts)
    out = []
    for i, a in enumerate(actions):
        subject, body, recipient = masked[3 * i: 3 * i + 3]
        if a.payload.get("invalid_recipient") is None:
            recipient = a.recipient or ""  # a valid address is needed as it is to deliver the message
        if (subject, body, recipient) == (a.subject, a.body, a.recipient or ""):
            out.append(a)
        else:
            out.append(replace(a, subject=subject, body=body, recipient=recipient or None))
    return out


def _render(config: AutomationConfig, automation: str, fields: Mapping[str, Any]) -> tuple[str, str]:
    subject, body = config.template(automation)
    values = {"signature": config.signature, **fields}
    try:
        subject_text = subject.format_map(values)
        body_text = body.format_map(values)
    except (KeyError, ValueError, IndexError) as exc:
        raise ConfigError(f"{config.path}: template of {automation}: {exc}") from exc
    # One line, nothing a header could be split at (a programme name with a line break in the export).
    subject_text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in subject_text)
    return " ".join(subject_text.split()), body_text


def _applicant_action(config: AutomationConfig, automation: str, case: str, step: str, period: str,
                      email: Any, fields: Mapping[str, Any], payload: Mapping[str, Any]) -> Action:
    subject, body = _render(config, automation, fields)
    address = _text(email, "").strip(" \t")
    if not address:
        # No address: the case-handling system sends it by post or its own portal (never a silent drop).
        return Action(automation, case, step, period, None, subject, body,
                      {**payload, "reason": "no applicant e-mail address"}, "outbox")
    why = check_address(address, config.smtp.allowed_domains)
    if why is None:
        return Action(automation, case, step, period, address, subject, body, dict(payload), "email")
    # An invalid address: a failed action for a person (outbox file), never retried with the same value.
    shown = _mask_texts([_escape_controls(address)])[0]
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    reason = f"invalid e-mail address in column {config.case.email}: {shown!r}: {why}"
    return Action(automation, case, step, period, shown, subject, body,
                  {**payload, "reason": reason, "invalid_recipient": reason}, "email")


# ---- the automations ------------------------------------------------------------------------------------
def acknowledge_receipt(state: OpenCaseState, config: AutomationConfig,
                        now: pd.Timestamp | dt.datetime | str | None = None) -> list[Action]:
    """A receipt to the applicant of every open case that arrived and was not acknowledged.

    Args:
        state: the open cases.
        config: templates, case fields.
        now: unused beyond the common signature (a receipt is sent once, whatever the time).
    """
    cases = state.cases
    todo = cases[cases["received_time"].notna() & ~cases["acknowledged"]]
    actions = []
    labels = case_labels([str(c) for c in todo.index])
    for raw, row in todo.iterrows():  # one row per case to act on: a handful per run
        case = labels[str(raw)]
        fields = {"case": case, "programme": _text(row["programme"]), "received_date": _date(row["received_time"])}
        payload = {"received_at": pd.Timestamp(row["received_time"]).isoformat()}
        actions.append(_applicant_action(config, "acknowledge_receipt", case, "receipt", "once",
                                         row["email"], fields, payload))
    return _masked(actions)


def remind_completion(state: OpenCaseState, config: AutomationConfig,
                      now: pd.Timestamp | dt.datetime | str | None = None) -> list[Action]:
    """A reminder per request for completion unanswered for ``[remind_completion] after_days`` working days.

    One reminder per request per period (``repeat``): with ``week``, a request still unanswered next
    week gets another reminder; with ``once``, never a second one.
    """
    settings = config.remind_completion
    when = _now(state, now)
    period = period_of(when, settings.repeat)
    due = state.requests[state.requests["waiting_days"] >= settings.after_days]
    actions = []
    labels = case_labels([str(c) for c in due["case"]])
    for row in due.itertuples(index=False):
        info = state.cases.loc[row.case]
        case = labels[str(row.case)]
        requested = pd.Timestamp(row.requested_at)
        fields = {"case": case, "programme": _text(info["programme"]), "requested_date": _date(requested),
                  "days_waiting": _days(row.waiting_days, config.lang)}
        payload = {"requested_at": requested.isoformat(), "waiting_workdays": round(float(row.waiting_days), 2)}
        actions.append(_applicant_action(config, "remind_completion", case,
                                         f"request {requested.isoformat()}", period, info["email"], fields, payload))
    return _masked(actions)


def alert_target(state: OpenCaseState, config: AutomationConfig,
                 now: pd.Timestamp | dt.datetime | str | None = None) -> list[Action]:
    """An alert to the unit's mailbox for each open case within ``within_days`` of its target or past it.

    The step is ``approaching`` or ``overdue``, so a case gets one alert as it approaches its target
    and one more once it is past it (per period, ``repeat``).
    """
    settings = config.alert_target
    when = _now(state, now)
    period = period_of(when, settings.repeat)
    cases = state.cases
    near = cases[cases["days_left"].notna() & (cases["days_left"] <= settings.within_days)]
    sv = config.lang == "sv"
    basis = (("utan sökandens tid" if sv else "applicant time excluded") if state.basis == "agency"
             else ("hela genomloppstiden" if sv else "throughput"))
    actions = []
    labels = case_labels([str(c) for c in near.index])
    for raw, row in near.iterrows():
        case = labels[str(raw)]
        overdue = row["days_left"] < 0
        stage = "overdue" if overdue else "approaching"
        status = ("har passerat" if overdue else "närmar sig") if sv else ("is past" if overdue else "is approaching")
        unit = _text(row["unit"], "")
        fields = {
            "case": case, "programme": _text(row["programme"]), "unit": unit or "-", "status": status,
            "days_open": _days(row["days_open"], config.lang),
            "handling_days": _days(row["handling_days"], config.lang),
            "target": _days(row["target"], config.lang), "days_left": _days(row["days_left"], config.lang),
            "last_activity": _text(row["last_activity"]), "last_date": _date(row["last_time"]), "basis": basis,
        }
        subject, body = _render(config, "alert_target", fields)
        payload = {"unit": unit or None, "stage": stage, "target_workdays": float(row["target"]),
                   "days_left": round(float(row["days_left"]), 2),
                   "handling_workdays": round(float(row["handling_days"]), 2)}
        mailbox = settings.mailbox(unit or None)
        if mailbox:
            actions.append(Action("alert_target", case, stage, period, mailbox, subject, body, payload, "email"))
        else:
            actions.append(Action("alert_target", case, stage, period, None, subject, body,
                                  {**payload, "reason": f"no mailbox for unit {unit or '(none)'}"}, "outbox"))
    return _masked(actions)


def _bottleneck_lines(summary: Mapping[str, Any], top: int, lang: str) -> str:
    rows = summary.get("bottlenecks") or summary.get("edges") or []
    lines = []
    for row in list(rows)[:top]:
        median = row.get("median_wait_workdays", row.get("median_wait_days"))
        unit = ("arbetsdagar" if "median_wait_workdays" in row else "dagar") if lang == "sv" else \
            ("working days" if "median_wait_workdays" in row else "days")
        count = row.get("count", "-")
        lines.append(f"- {row.get('from', '?')} → {row.get('to', '?')}: {_days(float(median), lang)} {unit} "
                     f"({count} {'gånger' if lang == 'sv' else 'times'})" if median is not None else
                     f"- {row.get('from', '?')} → {row.get('to', '?')}")
    return "\n".join(lines) or ("(inga)" if lang == "sv" else "(none)")


def weekly_bottleneck_report(state: OpenCaseState, config: AutomationConfig,
                             now: pd.Timestamp | dt.datetime | str | None = None, *,
                             report: Path | None = None) -> list[Action]:
    """The weekly bottleneck report, one e-mail per recipient, with the workbook attached.

    Args:
        state: the open cases (their counts go into the message).
        config: recipients and templates (``[weekly_bottleneck_report]``).
        now: picks the ISO week (the ledger period: one report per recipient per week).
        report: the folder ``processmining.reports.write_reports`` wrote (``summary.json``,
            ``bottlenecks.xlsx``).

    Raises:
        ConfigError: no recipients configured.
        AutomationError: the report folder lacks ``bottlenecks.xlsx`` or ``summary.json``.
    """
    settings = config.weekly_bottleneck_report
    if not settings.recipients:
        raise ConfigError(f"{config.path}: [weekly_bottleneck_report] recipients is empty; add at least one address")
    if report is None:
        raise AutomationError("weekly_bottleneck_report: no report folder given; run the analysis first")
    workbook, summary_path = Path(report) / "bottlenecks.xlsx", Path(report) / "summary.json"
    for needed in (workbook, summary_path):
        if not needed.is_file():
            raise AutomationError(f"{needed}: missing; the weekly report needs the analysis's reports in {report}")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AutomationError(f"{summary_path}: cannot read the analysis summary ({exc})") from exc
    when = _now(state, now)
    week = period_of(when, "week")
    counts = state.summary()
    approaching = int(((state.cases["days_left"] >= 0)
                       & (state.cases["days_left"] <= config.alert_target.within_days)).sum())
    source = summary.get("source", {}).get("path") or state.source
    fields = {
        "week": week, "source": Path(str(source)).name, "open_cases": counts["open_cases"],
        "overdue": counts["overdue"], "approaching": approaching, "open_requests": counts["open_requests"],
        "bottlenecks": _bottleneck_lines(summary, settings.top, config.lang), "report_name": workbook.name,
        "calendar": state.calendar.describe(config.lang),
    }
    subject, body = _render(config, "weekly_bottleneck_report", fields)
    payload = {"attachments": [str(workbook)], "report": str(report), "week": week,
               "open_cases": counts["open_cases"], "overdue": counts["overdue"]}
    return _masked([Action("weekly_bottleneck_report", "*", f"report to {recipient}", week, recipient, subject, body,
                           payload, "email") for recipient in settings.recipients])


#: The automations over open cases that ``run_automations`` carries out, in order.
CASE_AUTOMATIONS: Mapping[str, Automation] = {
    "acknowledge_receipt": acknowledge_receipt,
    "remind_completion": remind_completion,
    "alert_target": alert_target,
}
