"""The temporary Prefect API of ``python -m flows``: ends with its run, even after kill -9; one line on failure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.automations.support import NOW, write_config, write_csv
from tests.support import ROOT


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _command(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    log, config = write_csv(tmp_path / "export.csv"), write_config(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PYTHONPATH=str(ROOT), PREFECT_HOME=str(tmp_path / "prefect-home"))
    return [sys.executable, "-m", "flows", "run", "run-automations", "--log", str(log), "--config", str(config),
            "--now", NOW], env


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.timeout(90)
def test_the_temporary_api_ends_when_its_run_is_killed(tmp_path):
    command, env = _command(tmp_path)
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    servers: list[int] = []
    while not servers and proc.poll() is None and time.monotonic() < deadline:
        servers = [c for c in _children(proc.pid) if b"flows.api_server" in Path(f"/proc/{c}/cmdline").read_bytes()]
        time.sleep(0.05)
    assert servers, "the run never started its temporary Prefect API"
    time.sleep(1.0)  # the server is importing Prefect / starting uvicorn
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(servers[0]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(servers[0]), "the temporary Prefect API outlived its killed run"


@pytest.mark.timeout(90)
def test_an_api_that_does_not_start_in_time_is_one_line(tmp_path):
    command, env = _command(tmp_path)
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "1"
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert run.returncode == 1
    assert run.stderr.decode() == ("error: the temporary Prefect API did not start within 1 s "
                                   "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS); on a busy machine set "
                                   "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=300, or start one with `prefect "
                                   "server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api\n")


@pytest.mark.timeout(90)
def test_an_api_url_that_cannot_be_reached_is_one_line(tmp_path):
    command, env = _command(tmp_path)
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=80)
    assert run.returncode == 1
    lines = run.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot reach http://127.0.0.1:{port}/api"), lines[-5:]
    assert "prefect server start" in lines[0]
