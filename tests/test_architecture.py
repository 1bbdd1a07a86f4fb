"""The house rules that keep the layers apart (DESIGN.md, issue 18), checked on the source itself.

The import contract (which layer may import which) is import-linter's, run by ``make lint``; these tests
check what it cannot see: no ``_private`` name is taken from another package, no analysis opens or
writes a file, and the public API is what ``__all__`` promises.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from tests.support import ROOT

PACKAGES = ("processmining", "automations", "flows")
#: Calls by which a module reads or writes a file.
FILE_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "to_csv", "to_excel", "to_parquet",
              "mkdir", "unlink", "load", "dump"}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append((".".join(p for p in parts if p != "__init__"), path))
    return found


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _package(module: str) -> str:
    """The package a module belongs to (``processmining.analyses.sla`` -> ``processmining.analyses``)."""
    return module.rsplit(".", 1)[0] if "." in module else module


def test_no_private_name_is_imported_from_another_package() -> None:
    offences = []
    for module, path in _modules():
        here = module if path.name == "__init__.py" else _package(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _absolute(module, path, node)
            if source.split(".")[0] not in PACKAGES:
                continue
            there = source if (ROOT / Path(*source.split(".")) / "__init__.py").exists() else _package(source)
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__") and there != here:
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} from {source}")
    assert not offences, "private names taken from another package:\n" + "\n".join(offences)


def test_no_analysis_opens_or_writes_a_file() -> None:
    offences = []
    for module, path in _modules():
        if not module.startswith("processmining.analyses"):
            continue
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and "resources.files(" not in (ast.get_source_segment(text, node) or ""):
                # (the package's own data, e.g. the shipped candidates.toml, is code, not input)
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
                # json.loads/tomllib.loads parse text they are given; json.load/tomllib.load read a file.
                if name in FILE_CALLS and not (name in ("load", "dump") and isinstance(receiver, ast.Name)
                                               and receiver.id not in ("json", "tomllib", "pickle")):
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}()")
    assert not offences, "analyses that touch files (move it to ingest/, config or render/):\n" + "\n".join(offences)


def test_the_file_check_would_see_a_file_opened(tmp_path: Path) -> None:
    """The check above can fail: the same walk finds the calls in a module that opens files."""
    tree = ast.parse("from pathlib import Path\nPath('x').read_text()\nopen('y')\nframe.to_csv('z')\n")
    names = [n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id
             for n in ast.walk(tree) if isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name)
                                                                          and n.func.id == "Path")]
    assert set(names) <= FILE_CALLS and {"read_text", "open", "to_csv"} <= set(names)


#: What a user of the library reaches from ``import processmining`` (README, docs/).
PUBLIC = ("read_log", "analyze_log", "AnalysisOptions", "Analysis", "summary_of", "write_reports", "EventLog",
          "ProcessMiningError", "__version__")


def test_public_api_is_what_all_promises() -> None:
    import processmining

    missing = [name for name in PUBLIC if name not in processmining.__all__]
    assert not missing, f"not in processmining.__all__: {missing}"
    for name in processmining.__all__:
        assert getattr(processmining, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        processmining.nothing_here  # noqa: B018


@pytest.mark.parametrize("module", ["processmining.analysis", "processmining.reports", "processmining.files",
                                    "processmining.formatting", "processmining.config", "processmining.log"])
def test_every_name_in_a_modules_all_exists(module: str) -> None:
    mod = importlib.import_module(module)
    assert [name for name in mod.__all__ if not hasattr(mod, name)] == []
