"""Every example in a docstring of the library runs and shows what it says (issue 18: a public API that works).

The examples use ``log`` (the demo log, read as the demo reads it) and ``tmp`` (an empty folder); they are
run with doctest's ELLIPSIS, so a long sentence may end in ``...``.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import processmining
from tests.support import ROOT

DEMO = ROOT / "event_logs" / "demo.csv"
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
#: Modules that load optional heavy parts on import only for their own command (never imported by the library).
SKIP = {"processmining.__main__"}


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(processmining.__path__, "processmining."):
        if info.name in SKIP:
            continue
        path = Path(importlib.util.find_spec(info.name).origin or "")  # type: ignore[union-attr]
        if path.suffix == ".py" and ">>>" in path.read_text(encoding="utf-8"):
            names.append(info.name)
    return sorted(names)


@pytest.fixture(scope="module")
def demo_log():  # type: ignore[no-untyped-def]
    from processmining.ingest import read_log

    return read_log(DEMO, profile=DEMO_PROFILE)


def test_the_examples_are_found() -> None:
    assert {"processmining.formatting", "processmining.analyses.discovery",
            "processmining.render.process_map"} <= set(_modules_with_examples())


@pytest.mark.parametrize("module", _modules_with_examples())
def test_docstring_examples_run(module: str, demo_log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mod = importlib.import_module(module)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(mod, module, globs={**vars(mod), "log": demo_log, "tmp": tmp_path,
                                                         "Path": Path}) if t.examples]
    assert tests, f"{module} has '>>>' but no example doctest can find"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {module} failed (output above)"
