"""Helpers for the ingest tests: write small Swedish-style exports and run the CLI in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from processmining.cli import app

HEADER = ["Ärende", "Aktivitet", "Tidpunkt", "Handläggare", "Enhet", "Belopp"]


def write_csv(path: Path, rows: list[list[str]], *, header: list[str] | None = None, delimiter: str = ";",
              encoding: str = "utf-8") -> Path:
    """Write rows (no quoting needed in the tests' values) under a header."""
    lines = [delimiter.join(header or HEADER)] + [delimiter.join(r) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def run(*args: str) -> Any:
    """Invoke the CLI in-process; returns click's Result (exit_code, stdout, stderr, output)."""
    return CliRunner().invoke(app, [str(a) for a in args])


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
