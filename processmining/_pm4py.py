"""Import pm4py lazily and quietly.

``import pm4py`` takes about a second and prints a licence banner and progress bars to stderr
(PITFALLS.md). Commands that do not need it (``--help``, ``validate``) never import it; those that do
call :func:`pm4py` and get the module with the banner and progress bars turned off.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType


def pm4py() -> ModuleType:
    """Return the pm4py module, imported without banner or progress bars."""
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # pm4py's own "shown once" flag
    import pm4py as module

    return module
