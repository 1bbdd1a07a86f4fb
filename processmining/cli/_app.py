"""The Typer application and the one place where library errors become exit code 1."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from ..errors import ProcessMiningError

app = typer.Typer(
    name="processmining",
    help="Process mining for grant case handling: validate event logs, discover process maps, "
    "find bottlenecks and handovers, write Excel/HTML reports and run automations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Messages and progress go to stderr so that --json output on stdout stays machine-readable.
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn a ProcessMiningError into a one-line message on stderr and exit code 1."""
    try:
        yield
    except ProcessMiningError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        sys.exit(1)


def print_json(payload: Any) -> None:
    """A command's ``--json`` result on stdout: one JSON document, UTF-8 as it is, no NaN."""
    typer.echo(json.dumps(payload, ensure_ascii=False, allow_nan=False))


def say_written(written: Sequence[Path], folder: Path | str | None) -> None:
    """The one line on stderr naming the files a command wrote."""
    err.print(f"wrote {len(written)} files into {folder}: " + ", ".join(p.name for p in written),
              markup=False, soft_wrap=True)
