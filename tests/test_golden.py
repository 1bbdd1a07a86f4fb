"""The reports of the demo and of every shared log equal those recorded from a known-good commit.

A change of structure (moving code between modules, one writer instead of several) must not change a
figure: summary.json (timings aside), the workbook's cell values, the maps (SVG and PNG), the handover
graphs and the rejects are compared file by file (see tests/golden.py for what is normalised).
When a change of output is intended, record again (``python -m tests.golden record``) and say so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden import GOLDEN, fingerprint, inputs, make_reports
from tests.support import shared_log

RECORDED: dict[str, dict[str, str]] = json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_reports_equal_the_recorded_ones(name: str, tmp_path: Path) -> None:
    available = inputs()
    if name not in available:
        shared_log(name)  # skips, or fails in CI, with the reason
    command, log, args = available[name]
    make_reports(command, log, args, tmp_path)
    now = fingerprint(tmp_path, str(log))
    expected = RECORDED[name]
    assert sorted(now) == sorted(expected), "the set of report files changed"
    changed = [file for file in expected if now[file] != expected[file]]
    assert not changed, f"{name}: these reports differ from the recorded ones: {changed}"
