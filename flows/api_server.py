"""A temporary Prefect API for one command-line run, that ends with the run, even after ``kill -9``.

Without ``PREFECT_API_URL`` Prefect starts its own temporary ("ephemeral") server as a child process
and stops it at exit; a run killed with ``kill -9`` never gets there and leaves that server running.
So ``python -m flows`` starts the server itself, the same way (uvicorn with Prefect's
``create_app`` factory, on 127.0.0.1 and a free port, under ``PREFECT_HOME``), in its own process
group and with a watchdog thread that ends the server as soon as its parent process is gone. It waits
up to ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`` (default 120) for the server to answer and
otherwise fails with one line saying what to do.

With ``PREFECT_API_URL`` set (a ``prefect server start`` or Prefect Cloud), nothing is started.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from processmining.errors import ProcessMiningError

__all__ = ["PrefectApiError", "temporary_api"]

TIMEOUT_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"


class PrefectApiError(ProcessMiningError):
    """The Prefect API cannot be reached or did not start."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310 (our own localhost URL)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _timeout() -> float:
    try:
        return float(os.environ.get(TIMEOUT_ENV, "120"))
    except ValueError:
        return 120.0


@contextmanager
def temporary_api() -> Iterator[str | None]:
    """Start a temporary Prefect API for the duration of the block (unless ``PREFECT_API_URL`` is set).

    Yields:
        The API URL it set in ``PREFECT_API_URL``, or None when one was set already.

    Raises:
        PrefectApiError: the server did not answer within the start-up timeout, or exited.
    """
    if os.environ.get("PREFECT_API_URL"):
        yield None
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    root = str(Path(__file__).resolve().parents[1])  # where the flows package is, whatever the working directory
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
           "PYTHONPATH": path}
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([sys.executable, "-m", "flows.api_server", str(os.getpid()), str(port)], env=env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    try:
        limit = _timeout()
        deadline = time.monotonic() + limit
        while not _healthy(url):
            if proc.poll() is not None:
                log.seek(0)
                last = [line for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
                raise PrefectApiError(
                    f"the temporary Prefect API exited with code {proc.returncode}"
                    f"{': ' + last[-1].strip() if last else ''}; check that PREFECT_HOME "
                    f"({os.environ.get('PREFECT_HOME', '~/.prefect')}) is writable, or start one with "
                    "`prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api")
            if time.monotonic() > deadline:
                raise PrefectApiError(
                    f"the temporary Prefect API did not start within {limit:g} s ({TIMEOUT_ENV}); on a busy "
                    f"machine set {TIMEOUT_ENV}=300, or start one with `prefect server start` and set "
                    "PREFECT_API_URL=http://127.0.0.1:4200/api")
            time.sleep(0.2)
        os.environ["PREFECT_API_URL"] = url
        try:
            yield url
        finally:
            os.environ.pop("PREFECT_API_URL", None)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _watch_parent(parent: int) -> None:
    """End this process as soon as the process that started it is gone (killed, crashed)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main(argv: list[str]) -> None:
    """``python -m flows.api_server PARENT_PID PORT``: serve the Prefect API until the parent is gone."""
    parent, port = int(argv[0]), int(argv[1])
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent-watch").start()
    import uvicorn

    uvicorn.run("prefect.server.api.server:create_app", factory=True, host="127.0.0.1", port=port,
                log_level="error", lifespan="on")


if __name__ == "__main__":
    main(sys.argv[1:])
