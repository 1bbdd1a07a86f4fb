"""One sending run over a numbered plan, in its own process (for the tests of runs at the same time).

    python -m tests.automations.plan_runner PORT LEDGER COUNT [SLOW_INDEX]

prints the run's counts as JSON on stdout. Recipient ``n<i>@example.se`` per action; the action at
``SLOW_INDEX`` goes to ``slow@example.se`` (the faulty server replies after the client's timeout).
"""

from __future__ import annotations

import json
import sys

from automations.actions import Action
from automations.adapters import SmtpAdapter
from automations.config import SmtpSettings
from automations.ledger import carry_out


def plan(count: int, slow: int = -1) -> list[Action]:
    return [Action("remind_completion", f"C-{i:03d}", "request 2025-02-03T09:00:00+01:00", "2025-W10",
                   "slow@example.se" if i == slow else f"n{i}@example.se", f"Påminnelse C-{i:03d}", "text")
            for i in range(count)]


def main(argv: list[str]) -> int:
    port, ledger, count = int(argv[0]), argv[1], int(argv[2])
    slow = int(argv[3]) if len(argv) > 3 else -1
    adapter = SmtpAdapter(SmtpSettings(host="127.0.0.1", port=port, timeout_seconds=2, sender="noreply@example.se"))
    report = carry_out(plan(count, slow), ledger_path=ledger, adapters={"email": adapter}, dry_run=False,
                       domain="example.se", retries=1, backoff_seconds=0.2)
    print(json.dumps({"counts": report.counts(), "unknown": [[o.action.case, o.detail] for o in report.unknown]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
