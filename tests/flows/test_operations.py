"""What an operations team sees: one bad row among 45, no personnummer in any byte a run writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from automations.ledger import Ledger
from processmining.log import ACTIVITY, CASE, GROUP, TIMESTAMP
from tests.automations.support import NOW, write_config
from tests.support import ROOT

PNR = "19811218-9876"  # Luhn-valid: a real-looking Swedish personal identity number
PNR_FORMS = [PNR, PNR[2:], PNR.replace("-", ""), PNR[2:].replace("-", "")]
BAD = "x@example.org\r\nBcc: evil@example.org"


def _export(path: Path) -> Path:
    rows = []
    for i in range(45):
        case = f"TVV {PNR}" if i == 3 else f"TVV 2025-{i:06d}"
        email = BAD if i == 7 else f"sokande{i}@example.se"
        programme = f"Exportcheck (sökande {PNR[2:]})" if i == 5 else "Exportcheck"
        rows.append((case, "Ansökan inkommen", f"2025-02-27 {8 + i // 10:02d}:{i % 60:02d}", "E-tjänst", email,
                     programme))
    pd.DataFrame(rows, columns=[CASE, ACTIVITY, TIMESTAMP, GROUP, "case:email", "case:program"]).to_csv(
        path, index=False)
    return path


def _written(folder: Path, skip: set[Path]) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and p not in skip}


@pytest.mark.timeout(180)
def test_one_bad_address_among_45_and_no_personnummer_anywhere(prefect_harness, smtp, tmp_path):
    log = _export(tmp_path / "export.csv")
    config = write_config(tmp_path, smtp_port=smtp.port)
    env = {**os.environ, "PREFECT_API_URL": prefect_harness, "PYTHONPATH": str(ROOT)}
    env.pop("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", None)
    env["PREFECT_LOGGING_LEVEL"] = "INFO"  # every action line goes to Prefect's log (and into the scan below)
    command = [sys.executable, "-m", "flows", "run", "run-automations", "--log", str(log), "--config", str(config),
               "--now", NOW, "--send"]
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=150)

    stderr = run.stderr.decode("utf-8")
    stdout = run.stdout.decode("utf-8")
    assert run.returncode == 1, stderr[-3000:]
    assert len(stderr.splitlines()) == 1, stderr[-3000:]
    assert stderr.startswith("failed: case TVV 2025-000007, acknowledge_receipt [receipt / once]: invalid e-mail "
                             "address in column case:email: ")
    assert "contains the control or line-separator character U+000D" in stderr
    assert "sent 44, failed 1 of 45 action(s)" in stdout
    assert len(smtp.messages) == 44 and all(len(r) == 1 for r in smtp.rcpt_tos)
    assert "evil@example.org" not in {r for rs in smtp.rcpt_tos for r in rs}
    with Ledger(tmp_path / "state" / "ledger.sqlite3") as ledger:
        assert ledger.counts() == {"sent": 44, "failed": 1}
        failed = ledger.entries("failed")[0]
    assert failed.case == "TVV 2025-000007" and failed.permanent == 1 and "U+000D" in (failed.error or "")
    outbox = list((tmp_path / "outbox").glob("*.json"))  # the bad row goes to a person
    assert len(outbox) == 1 and "TVV_2025-000007" in outbox[0].name

    # The case with a personnummer in its id got its receipt, under a masked, unique label.
    labels = {m["X-Processmining-Case"] for m in smtp.messages}
    masked = [label for label in labels if label.startswith("TVV ********-****~")]
    assert len(masked) == 1 and len(labels) == 44

    # No personnummer in any byte the run wrote: ledger (and its journal), outbox, config folder,
    # messages with their headers, the terminal, and Prefect's database with the run's logs.
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    written = _written(tmp_path, skip={log})
    assert any(p.name.startswith("ledger.sqlite3") for p in written)
    database = Path(PREFECT_API_DATABASE_CONNECTION_URL.value().split("///", 1)[1])
    written.update(_written(database.parent, skip=set()))
    written[Path("<stdout>")] = run.stdout
    written[Path("<stderr>")] = run.stderr
    for i, message in enumerate(smtp.messages):
        written[Path(f"<message {i}>")] = message.as_bytes()
    for where, data in written.items():
        for form in PNR_FORMS:
            assert form.encode() not in data, f"{form} in {where}"
    # The scan does see the run's bytes, the action lines it logged to Prefect included.
    assert any(b"sokande5@example.se" in data for data in written.values())
    assert any(b"case TVV 2025-000010" in data for where, data in written.items() if where.parent == database.parent)

    # A rerun sends nothing, fails nothing new, and says so.
    again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=150)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    assert "already sent 44, held (failed permanently before) 1 of 45 action(s)" in again.stdout.decode()
    assert again.stderr == b"" and len(smtp.messages) == 44
