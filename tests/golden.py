"""Reports recorded from a known-good commit, to prove that a change of structure changed no figure.

``python -m tests.golden record`` runs ``processmining analyze`` (the command line, in this process) on
the demo and on every readable log in ``../shared/event_logs`` and writes, per log and per report file,
the SHA-256 of the file's *normalised* content into ``tests/data/golden.json``. ``tests/test_golden.py``
makes the same reports and compares. Normalised means: what differs between two runs of the same code
is taken out (the run's clock times and stage timings, the input's path on this machine); everything else
is compared byte for byte (SVG maps, PNG pictures, GraphML/GEXF, CSVs) or value by value (every cell of
every sheet of the workbook, every key of ``summary.json``).

Record again only when a change of output is intended, and say so in the commit message.
``python -m tests.golden diff OUT_A OUT_B`` shows which normalised files of two report folders differ.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from tests.support import ROOT, SHARED_LOGS

GOLDEN = ROOT / "tests" / "data" / "golden.json"
DEMO_ARGS = ["--profile", str(ROOT / "event_logs" / "profiles" / "demo.toml"),
             "--targets", str(ROOT / "event_logs" / "demo_targets.toml")]
#: Shared logs a report is recorded for (the one without case ids or times is refused by design).
SHARED = ("08_receipt.xes.gz", "BPIC15_1.xes.gz", "CoSeLoG_WABO_1.xes.gz", "sepsis.csv", "helpdesk.xes.gz",
          "roadtraffic100traces.xes", "running-example.xes", "running-example.csv")
#: The other commands that write files, run on the demo: (command, extra arguments).
COMMANDS = (("bottlenecks", []), ("handovers", []), ("perspectives", ["--by", "region"]), ("discover", []))
#: Report files whose content is compared (report.html embeds the run's times in many places; its
#: figures come from the same summary and are compared there). ``discover``'s model files are left out:
#: pm4py gives their elements new random ids on every run.
COMPARED = re.compile(r"^(summary\.json|bottlenecks\.xlsx|.*\.(csv|txt|svg|png|graphml|gexf))$")
NOT_COMPARED = {"petri_net.svg", "petri_net.png"}
#: Workbook rows whose value is the run's clock time (label in the first column, sv and en).
RUN_TIME_LABELS = {"Körning startad", "Körning klar", "Arbetsboken skriven", "Run started", "Run finished",
                   "Workbook written"}


def inputs() -> dict[str, tuple[str, Path, list[str]]]:
    """Name -> (command, log path, extra arguments) of every run that has a recording here."""
    demo = ROOT / "event_logs" / "demo.csv"
    found = {"demo.csv": ("analyze", demo, DEMO_ARGS)}
    for command, args in COMMANDS:
        found[f"demo.csv {command}"] = (command, demo, [*DEMO_ARGS[:2], *args])
    for name in SHARED:
        if (SHARED_LOGS / name).exists():
            found[name] = ("analyze", SHARED_LOGS / name, [])
    return found


def _summary(data: bytes, source: str) -> bytes:
    summary = json.loads(data)
    summary.pop("timings_seconds", None)
    prov = summary.get("provenance", {})
    for key in ("run_started", "run_finished"):
        prov.pop(key, None)
    text = json.dumps(summary, ensure_ascii=False, sort_keys=True, indent=1)
    return text.replace(json.dumps(source)[1:-1], "<input>").encode()


def _workbook(path: Path, source: str) -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    lines: list[str] = []
    for sheet in book.worksheets:
        lines.append(f"## {sheet.title}")
        for row in sheet.iter_rows(values_only=True):
            values: list[Any] = list(row)
            if values and values[0] in RUN_TIME_LABELS:
                values = values[:1] + ["<time>"] * (len(values) - 1)
            lines.append(repr(values).replace(source, "<input>"))
    book.close()
    return "\n".join(lines).encode()


def normalised(path: Path, source: str) -> bytes:
    """The content of one report file with what differs between two runs of the same code taken out."""
    if path.name == "summary.json":
        return _summary(path.read_bytes(), source)
    if path.suffix == ".xlsx":
        return _workbook(path, source)
    return path.read_bytes()


def fingerprint(out: Path, source: str) -> dict[str, str]:
    """File name -> SHA-256 of its normalised content, for every compared file in ``out``."""
    return {p.name: hashlib.sha256(normalised(p, source)).hexdigest()
            for p in sorted(out.iterdir()) if COMPARED.match(p.name) and p.name not in NOT_COMPARED}


def make_reports(command: str, log: Path, args: list[str], out: Path) -> None:
    """``processmining COMMAND LOG ARGS --out OUT`` through the command line's own entry point."""
    from typer.testing import CliRunner

    from processmining.cli import app

    images = ["--images"] if command in ("analyze", "report") else []  # the chart PNGs are compared too
    result = CliRunner().invoke(app, [command, str(log), *args, *images, "--out", str(out)])
    if result.exit_code != 0:
        raise RuntimeError(f"{command} {log.name} exited {result.exit_code}: {result.output}")


def record(work: Path) -> dict[str, dict[str, str]]:
    recorded = {}
    for name, (command, log, args) in inputs().items():
        out = work / name
        make_reports(command, log, args, out)
        recorded[name] = fingerprint(out, str(log))
    return recorded


def main(argv: list[str]) -> int:
    import os
    import tempfile

    os.environ.setdefault("PROCESSMINING_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    if argv[:1] == ["record"]:
        with tempfile.TemporaryDirectory() as work:
            data = record(Path(work))
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"recorded {sum(map(len, data.values()))} files of {len(data)} logs into {GOLDEN}")
        return 0
    if argv[:1] == ["diff"] and len(argv) == 3:
        a, b = Path(argv[1]), Path(argv[2])
        for name in sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()}):
            if not COMPARED.match(name) or name in NOT_COMPARED:
                continue
            if not (a / name).exists() or not (b / name).exists():
                print(f"{name}: only in {'b' if (b / name).exists() else 'a'}")
            elif normalised(a / name, "") != normalised(b / name, ""):
                print(f"{name}: differs")
        return 0
    print("usage: python -m tests.golden record | diff OUT_A OUT_B", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
