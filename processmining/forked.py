"""Work done beside this process in a forked child, for the analyses that can run side by side.

On a two-core machine the handover and automation-candidate analyses (about 0.8 s at 1.1M events) can run
while this process computes the bottlenecks (about 1.6 s): :class:`Forked` forks a child that runs one
function over what this process already holds (the log, its shared tables) and sends the result back,
pickled. Forking shares the parent's memory copy-on-write, so the log is not copied: the child costs only
what it allocates itself (measured in ``docs/benchmarks.md``), and its results are the same objects a run
in this process makes (the tests compare them).

Only where ``fork`` exists and is safe (Linux; macOS's system libraries are not fork-safe, Windows has no
fork): elsewhere, or when the child cannot start, dies or fails, :meth:`Forked.result` runs the function
here, so a failure raises exactly as it would have without the child.

Written by hand because no library does this: ``concurrent.futures`` and ``multiprocessing.Pool`` pickle
the function's arguments (here the whole log), and a pool started before the log exists cannot see it.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import sys
import traceback
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from .log import release_unused_memory

__all__ = ["Forked", "can_fork"]

T = TypeVar("T")


def can_fork() -> bool:
    """Whether :class:`Forked` runs its function in a child here (Linux)."""
    return sys.platform.startswith("linux")


def _child(fn: Callable[[], Any], send: Connection) -> None:
    try:
        message: tuple[str, Any] = ("ok", fn())
        send.send(message)
    except BaseException as exc:  # noqa: BLE001 - the parent runs fn again and raises it there
        with contextlib.suppress(Exception):  # the pipe is gone: the parent sees EOF
            send.send(("failed", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"))
    finally:
        send.close()


class Forked(Generic[T]):
    """``fn()`` run in a forked child from now on; :meth:`result` waits for its value.

    Example::

        side = Forked(lambda: handover_graph(log))   # the child starts at once
        bottlenecks = analyze_bottlenecks(log)        # here, meanwhile
        handovers = side.result()

    ``fn`` must return something picklable. It should not write files or print: its side effects stay in
    the child (its caches, for one, are not seen here).
    """

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self.failure: str | None = None  #: why the function ran in this process, where it did
        self._recv: Connection | None = None
        self._process: Any = None
        self._frozen = False
        if not can_fork():
            self.failure = "no fork on this platform"
            return
        try:
            context = multiprocessing.get_context("fork")
            self._recv, send = context.Pipe(duplex=False)
            self._process = context.Process(target=_child, args=(fn, send), daemon=True,
                                            name="processmining-analyses")
            # What the child shares with this process stays shared: freed heap pages go back to the system
            # first (else this process's next allocations would write into pages the child also maps, and
            # each such page would be copied), and the objects that exist now are left out of the garbage
            # collector's passes (which write to every object they visit) until the child is done.
            release_unused_memory()
            gc.freeze()
            self._frozen = True
            with warnings.catch_warnings():
                # Python 3.12+ warns when a process with threads forks: the child only computes (no
                # locks of those threads are taken there: no printing, no progress bar, no pool).
                warnings.simplefilter("ignore", DeprecationWarning)
                self._process.start()
            send.close()  # the child holds its end; EOF here once it is gone
        except (OSError, RuntimeError) as exc:  # no process slots: run it here
            self.failure = f"could not fork: {exc}"
            self._process = None
            self._thaw()

    def cancel(self) -> None:
        """Stop the child (its value is not wanted: the caller failed meanwhile)."""
        if self._process is not None:
            self._process.terminate()
            self._process.join()
            self._process = None
        if self._recv is not None:
            self._recv.close()
        self._thaw()

    def _thaw(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    @property
    def pid(self) -> int | None:
        """The child's process id (``None`` where there is none)."""
        return self._process.pid if self._process is not None else None

    def result(self) -> T:
        """The child's value; computed here if there is no child or it did not deliver one."""
        if self._process is not None and self._recv is not None:
            try:
                kind, value = self._recv.recv()
            except (EOFError, OSError):  # killed, out of memory
                kind, value = "failed", "the child ended without a result"
            finally:
                self._recv.close()
                self._process.join()
                self._process = None
                self._thaw()
            if kind == "ok":
                return value  # type: ignore[no-any-return]
            self.failure = str(value)
        return self._fn()
