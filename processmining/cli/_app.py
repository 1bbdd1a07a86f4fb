"""The Typer application and the one place where library errors become exit code 1."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from ..errors import ProcessMiningError
from ..textsafe import terminal_text

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
