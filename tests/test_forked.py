"""``processmining.forked.Forked``: a function run in a forked child, its value sent back; where the child
cannot deliver, the function runs in this process and a failure is raised here as it would be without it."""

from __future__ import annotations

import os

import pytest

from processmining.forked import Forked, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="Forked runs in this process where there is no fork")


def test_the_value_comes_from_the_child_and_sees_what_this_process_holds() -> None:
    parent = os.getpid()
    table = {"events": list(range(100_000))}  # held here before the fork: the child reads it without a copy

    side = Forked(lambda: (os.getpid(), sum(table["events"])))
    child = side.pid
    assert child is not None and child != parent
    pid, total = side.result()
    assert pid == child  # computed there
    assert total == sum(range(100_000))
    assert side.failure is None and side.pid is None  # joined


def test_a_child_that_dies_is_replaced_by_a_run_here() -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os._exit(9)  # killed, out of memory: no result
        return 42

    side = Forked(work)
    assert side.result() == 42
    assert side.failure == "the child ended without a result"


def test_a_failure_in_the_child_is_raised_here_by_the_same_function() -> None:
    calls: list[int] = []

    def work() -> None:
        calls.append(os.getpid())
        raise ValueError("no unit column")

    side = Forked(work)
    with pytest.raises(ValueError, match="no unit column"):
        side.result()
    assert side.failure is not None and side.failure.startswith("ValueError: no unit column")
    assert calls == [os.getpid()]  # the child's call is not seen here; the one that raised ran here


def test_a_value_that_cannot_be_pickled_is_computed_here() -> None:
    side = Forked(lambda: (lambda: 1))  # a lambda cannot be sent back
    value = side.result()
    assert value() == 1
    assert side.failure is not None and "Pickl" in side.failure
