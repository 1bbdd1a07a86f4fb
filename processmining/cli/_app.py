"""The Typer application and the one place where library errors become exit code 1."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from ..errors import ProcessMiningError
from ..textsafe import json_text, terminal_text

app = typer.Typer(
    name="processmining",
    help="Process mining for grant case handling: validate event logs, discover process maps, "
    "find bottlenecks and handovers, write Excel/HTML reports and run automations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



class SafeConsole(Console):
    """A rich Console that never writes a control character from the text it prints (activity names, case
    ids, file names): every text segment goes through :func:`~processmining.textsafe.terminal_text`, so an
    ESC, a clear-screen or title-setting sequence in the data is shown escaped (``\\x1b[2J``). Rich's own
    styles and control segments are not text segments and pass as they are."""

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control is None and segment.text:
                text = terminal_text(segment.text)
                yield segment if text is segment.text else Segment(text, segment.style)
            else:
                yield segment


#: Messages and progress go to stderr so that --json output on stdout stays machine-readable.
err = SafeConsole(stderr=True, highlight=False)
out = SafeConsole(highlight=False)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn a ProcessMiningError into a one-line message on stderr and exit code 1."""
    try:
        yield
    except ProcessMiningError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        sys.exit(1)


def print_json(payload: Any) -> None:
    """A command's ``--json`` result on stdout: one JSON document, UTF-8 as it is, no NaN, no raw control
    character from the data (:func:`processmining.textsafe.json_text`)."""
    typer.echo(json_text(json.dumps(payload, ensure_ascii=False, allow_nan=False)))


def show_result(payload: Any, written: Sequence[Path], folder: Path | str | None, *,
                human: Callable[[], None]) -> None:
    """A command's result: ``payload`` (with the files written) as JSON on stdout where it is given (``--json``),
    else the ``human`` report; then the line naming the files written, if any (on stderr)."""
    if payload is not None:
        payload["files"] = [str(p) for p in written]
        print_json(payload)
    else:
        human()
    if written:
        say_written(written, folder)


def say_written(written: Sequence[Path], folder: Path | str | None) -> None:
    """The one line on stderr naming the files a command wrote."""
    err.print(f"wrote {len(written)} files into {folder}: " + ", ".join(p.name for p in written),
              markup=False, soft_wrap=True)
