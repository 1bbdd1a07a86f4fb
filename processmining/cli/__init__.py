"""Command-line interface: a thin client over the library (parse, call, translate errors).

Each command lives in its own module below and registers itself on :data:`app` when imported.
"""

from __future__ import annotations

import os

from ._app import app, library_errors

__all__ = ["app", "library_errors", "main"]

# Commands, one module each (importing registers them).
from . import (  # noqa: E402,F401
    analyze,
    bottlenecks,
    candidates,
    discover,
    export,
    handovers,
    merge,
    perspectives,
    sample,
    validate,
)


def main() -> None:
    """Entry point of the ``processmining`` console script."""
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    app()
