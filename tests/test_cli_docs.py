"""Every command has help and an example in the README (a command nobody can find is not there)."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from processmining.cli import app
from tests.support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, object]:
    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(_commands()))
def test_command_has_help_and_a_readme_example(name):
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output or "example" in result.output
    assert re.search(rf"^processmining {name}\b", README, flags=re.MULTILINE), f"no `processmining {name} ...` line"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_option_of_a_command_is_in_the_readme(name):
    command = _commands()[name]
    missing = [opt for param in command.params for opt in param.opts  # type: ignore[attr-defined]
               if opt.startswith("--") and opt != "--help" and f"`{opt}" not in README and f"{opt} " not in README
               and f"{opt}`" not in README and f"{opt}=" not in README and f"| {opt}" not in README]
    assert not missing, f"processmining {name}: options missing from README.md: {missing}"


def test_quick_start_is_exactly_two_commands():
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    assert [line.strip() for line in block.strip().splitlines()] == ["make demo", "make test"]
