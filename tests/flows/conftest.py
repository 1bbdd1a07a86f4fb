"""Flow tests: the ONE session-scoped Prefect test harness, and a real SMTP server.

The environment is prepared before Prefect is imported (project-local PREFECT_HOME, analytics off;
``import flows`` does that) and the ephemeral server gets 120 s to start on a busy 2-core machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import flows  # noqa: E402,F401  (sets PREFECT_HOME etc. before prefect is imported)
from tests.automations.support import SmtpSink  # noqa: E402


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[str]:
    """A Prefect API on a temporary database for the whole session; yields its URL (for subprocesses)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink
