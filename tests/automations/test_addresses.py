"""Recipients are checked when the plan is made: one plain address per field, nothing a header could hide."""

from __future__ import annotations

import pytest

from automations.actions import acknowledge_receipt, case_labels
from automations.adapters import build_message
from automations.config import check_address, load_config
from automations.state import build_state
from processmining.errors import ConfigError
from processmining.log import EventLog
from tests.automations.support import NOW, frame, write_config


@pytest.mark.parametrize(("value", "reason"), [
    ("a@x.org, b@y.org", "holds 2 addresses; one address per field"),
    ('"a@x.org" <b@y.org>', "not a plain address (the mail would go to 'b@y.org' only)"),
    ("x@example.org\r\nBcc: evil@example.org", "contains the control or line-separator character U+000D"),
    ("x@exam\u2028ple.org", "contains the control or line-separator character U+2028"),
    ("x@example.org\u0085", "contains the control or line-separator character U+0085"),
    ("nobody", "not an e-mail address"),
    ("a@localhost", "not an e-mail address (name@domain.tld)"),
    ("a@x.org (kommentar)", "not a plain address"),
])
def test_invalid_addresses_and_why(value, reason):
    assert reason in (check_address(value) or "")


def test_valid_addresses_and_the_allowed_domains():
    assert check_address("anna.berg+ansokan@foretag.example.se") is None
    assert check_address("a@sub.example.se", ("example.se",)) is None
    assert check_address("a@example.org", ("example.se",)) == "domain example.org is not in [smtp] allowed_domains"


def test_an_invalid_address_becomes_a_failed_action_for_a_person(tmp_path):
    data = frame()
    data.loc[data["case:concept:name"] == "A-5", "case:email"] = "a5@example.se, other@example.se"
    config = load_config(write_config(tmp_path))
    actions = acknowledge_receipt(build_state(EventLog.from_frame(data), config, now=NOW), config, NOW)
    a5 = next(a for a in actions if a.case == "A-5")
    assert a5.channel == "email" and a5.recipient == "a5@example.se, other@example.se"
    assert a5.payload["invalid_recipient"] == ("invalid e-mail address in column case:email: "
                                               "'a5@example.se, other@example.se': holds 2 addresses; one address "
                                               "per field")


def test_a_case_id_with_line_breaks_or_a_personnummer_is_safe_in_headers():
    labels = case_labels(["A-1\r\nBcc: evil@example.org", "TVV 19811218-9876", "TVV 19121212-1212", "A-2"])
    assert labels["A-1\r\nBcc: evil@example.org"] == "A-1\\x0d\\x0aBcc: evil@example.org"
    assert labels["A-2"] == "A-2"
    one, two = labels["TVV 19811218-9876"], labels["TVV 19121212-1212"]
    assert one.startswith("TVV ********-****~") and two.startswith("TVV ********-****~") and one != two
    assert case_labels(["TVV 19811218-9876"]) == {"TVV 19811218-9876": one}  # the same on every run
    from automations.actions import Action

    action = Action("acknowledge_receipt", labels["A-1\r\nBcc: evil@example.org"], "receipt", "once",
                    "a@example.se", "Kvitto", "Hej")
    message = build_message(action, sender="noreply@example.se", message_id="<m@example.se>")
    assert message["X-Processmining-Case"] == "A-1\\x0d\\x0aBcc: evil@example.org" and message["Bcc"] is None


def test_config_addresses_are_checked_when_the_file_is_loaded(tmp_path):
    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace('"mitt@example.se"', '"mitt@example.se, x@y.se"'),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[alert_target.mailboxes\] 'Handläggning Mitt': 'mitt@example.se, "
                                          r"x@y.se': holds 2 addresses"):
        load_config(path)
