"""Every command has help and an example in the docs (a command nobody can find is not there), and a newcomer
finds their way: a short README with the two-command Quick start that links to docs/ pages that exist."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from processmining.cli import app
from tests.support import ROOT

README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
DOC_PAGES = sorted((ROOT / "docs").glob("*.md"))
#: What a user can read: the README and every page of docs/, joined.
DOCS = "\n".join([README, *(page.read_text(encoding="utf-8") for page in DOC_PAGES)])
#: A Markdown link to a file of the project: [text](target) where target is not a URL or an anchor.
LINK = re.compile(r"\]\((?!https?://|mailto:|#)([^)\s#]+)(?:#[^)\s]*)?\)")


def _commands() -> dict[str, object]:
    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(_commands()))
def test_command_has_help_and_a_documented_example(name):
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output or "example" in result.output
    assert re.search(rf"^processmining {name}\b", DOCS, flags=re.MULTILINE), \
        f"no `processmining {name} ...` line in README.md or docs/*.md"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_option_of_a_command_is_documented(name):
    command = _commands()[name]
    missing = [opt for param in command.params for opt in param.opts  # type: ignore[attr-defined]
               if opt.startswith("--") and opt != "--help" and f"`{opt}" not in DOCS and f"{opt} " not in DOCS
               and f"{opt}`" not in DOCS and f"{opt}=" not in DOCS and f"| {opt}" not in DOCS]
    assert not missing, f"processmining {name}: options missing from README.md and docs/*.md: {missing}"


def test_quick_start_is_exactly_two_commands():
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    assert [line.strip() for line in block.strip().splitlines()] == ["make demo", "make test"]


def test_readme_is_short():
    lines = len(README.splitlines())
    assert lines <= 150, f"README.md has {lines} lines; keep it at most 150 and move the rest into docs/"


def test_readme_links_to_the_docs_pages():
    linked = {target for target in LINK.findall(README) if target.startswith("docs/")}
    unlinked = [page.relative_to(ROOT).as_posix() for page in DOC_PAGES
                if page.relative_to(ROOT).as_posix() not in linked]
    assert not unlinked, f"docs pages not listed in README.md's Read on: {unlinked}"


def _links() -> list[tuple[str, str]]:
    """(page, target) for every link to a file from the README and the docs pages, relative to the project."""
    pages = [README_PATH, *DOC_PAGES]
    found = []
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            resolved = (page.parent / target).resolve()
            found.append((page.relative_to(ROOT).as_posix(),
                          resolved.relative_to(ROOT.resolve()).as_posix() if resolved.is_relative_to(ROOT.resolve())
                          else str(resolved)))
    return found


def test_every_linked_docs_page_exists():
    broken = [f"{page} -> {target}" for page, target in _links() if not (ROOT / target).exists()]
    assert not broken, f"links to files that do not exist: {broken}"


def _anchors(text: str) -> set[str]:
    """GitHub's anchors of the headings of a Markdown text (lower case, punctuation dropped, spaces to -)."""
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


def test_every_link_to_a_section_names_a_heading_of_its_page():
    broken = []
    for page in [README_PATH, *DOC_PAGES]:
        text = page.read_text(encoding="utf-8")
        for target, anchor in re.findall(r"\]\((?!https?://)([^)\s#]*)#([^)\s]+)\)", text):
            linked = (page.parent / target) if target else page
            if linked.exists() and anchor not in _anchors(linked.read_text(encoding="utf-8")):
                broken.append(f"{page.relative_to(ROOT)} -> {target}#{anchor}")
    assert not broken, f"links to sections that do not exist: {broken}"
