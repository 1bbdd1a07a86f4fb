"""Fixtures of the explorer's tests: the demo log read once, and the app served by uvicorn on 127.0.0.1.

Every server runs on a free port in a thread of the test process and is stopped when its test ends.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import uvicorn

from processmining.explore import Explorer, create_app
from processmining.log import ACTIVITY, CASE, GROUP, RESOURCE, TIMESTAMP, EventLog
from tests.support import ROOT

DEMO = ROOT / "event_logs" / "demo.csv"
DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
HOSTILE = ('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>')


@contextmanager
def serve(explorer: Explorer, *, token: str | None = None) -> Iterator[str]:
    """Serve the explorer's app on a free port of 127.0.0.1; yields its base address (``http://127.0.0.1:N``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(explorer, token=token), log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the explorer's server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@pytest.fixture(scope="session")
def demo_log() -> EventLog:
    from processmining.ingest import read_log

    return read_log(DEMO, profile=DEMO_PROFILE)


@pytest.fixture(scope="session")
def demo_explorer(demo_log: EventLog) -> Explorer:
    return Explorer(demo_log)


@pytest.fixture(scope="session")
def demo_server(demo_explorer: Explorer) -> Iterator[str]:
    with serve(demo_explorer) as base:
        yield base


def hostile_log() -> EventLog:
    """A small log whose activity names, case ids, units and programme are markup meant to run script."""
    a, b = HOSTILE
    base = pd.Timestamp("2025-01-06 08:00", tz="Europe/Stockholm")
    rows = []
    for i in range(12):
        acts = ["Ansökan inkommen", a, b, "Beslut fattat"] if i % 3 else ["Ansökan inkommen", b, "Beslut fattat"]
        for j, act in enumerate(acts):
            rows.append({CASE: f"{a}{i}" if i % 2 else f"c{i}", ACTIVITY: act,
                         TIMESTAMP: base + pd.Timedelta(days=i, hours=30 * j),
                         GROUP: b if j % 2 else "Registratur", RESOURCE: f"h{j}",
                         "case:program": a if i % 2 else "Exportcheck"})
    return EventLog.from_frame(pd.DataFrame(rows))


def chromium_path() -> str | None:
    import shutil

    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
