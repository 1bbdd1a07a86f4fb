"""Input options shared by every command that reads a log, and :func:`open_log` that applies them.

Give a command the input options with :func:`input_options`; it receives them as ``inputs``, the keyword
arguments of :func:`open_log`::

    @app.command()
    @input_options()
    def analyze(log_path: LogPath, *, inputs: InputArgs) -> None:
        with library_errors():
            log = open_log(log_path, **inputs)

The ingest package (pandas, pyarrow) is imported only when a log is opened, so ``--help`` stays fast.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from ..ingest.arrow_csv import StartedRead
    from ..log import EventLog

__all__ = [
    "INPUT_PANEL",
    "ActivityColumnOption",
    "ActivityOption",
    "CalendarKind",
    "CaseOption",
    "DayfirstOption",
    "DropDuplicatesOption",
    "InputArgs",
    "Lang",
    "LogPath",
    "MergeLabelsOption",
    "Period",
    "ProfileOption",
    "PseudonymiseOption",
    "ResourceOption",
    "SheetOption",
    "StartOption",
    "StrictOption",
    "TimestampOption",
    "UnitOption",
    "input_options",
    "open_log",
]

INPUT_PANEL = "Input options"

class CalendarKind(StrEnum):
    """Working calendar of the working-day figures: Swedish working days, or 24-hour days."""

    se = "se"
    none = "none"


class Lang(StrEnum):
    """Language of what a command prints and writes."""

    sv = "sv"
    en = "en"


class Period(StrEnum):
    """Length of a period in the trends."""

    month = "month"
    quarter = "quarter"


LogPath = Annotated[
    Path,
    typer.Argument(help="Event log: .csv (;/,/tab, UTF-8 or Windows-1252), .xlsx, .xes, .xes.gz or .parquet.",
                   show_default=False),
]
ProfileOption = Annotated[
    Path | None,
    typer.Option("--profile", help="Source profile (TOML) mapping the export's columns; a bare NAME means "
                 "event_logs/profiles/NAME.toml.", rich_help_panel=INPUT_PANEL, show_default=False),
]
CaseOption = Annotated[
    str | None,
    typer.Option("--case", metavar="COLUMN", help="Column with the case id (e.g. Diarienummer).",
                 rich_help_panel=INPUT_PANEL, show_default=False),
]
ActivityOption = Annotated[
    str | None,
    typer.Option("--activity", metavar="COLUMN", help="Column with the activity (e.g. Aktivitet).",
                 rich_help_panel=INPUT_PANEL, show_default=False),
]
TimestampOption = Annotated[
    str | None,
    typer.Option("--timestamp", metavar="COLUMN", help="Column with the completion time (e.g. Tidpunkt).",
                 rich_help_panel=INPUT_PANEL, show_default=False),
]
StartOption = Annotated[
    str | None,
    typer.Option("--start", metavar="COLUMN", help="Column with the start time, if any (e.g. Starttid).",
                 rich_help_panel=INPUT_PANEL, show_default=False),
]
ResourceOption = Annotated[
    str | None,
    typer.Option("--resource", metavar="COLUMN", help="Column with the case officer (e.g. Handläggare).",
                 rich_help_panel=INPUT_PANEL, show_default=False),
]
UnitOption = Annotated[
    str | None,
    typer.Option("--unit", metavar="COLUMN", help="Column with the organisational unit (e.g. Enhet).",
                 rich_help_panel=INPUT_PANEL, show_default=False),
]
SheetOption = Annotated[
    str | None,
    typer.Option("--sheet", metavar="NAME", help="Worksheet of an .xlsx workbook (default: the first with "
                 "case, activity and timestamp columns).", rich_help_panel=INPUT_PANEL, show_default=False),
]
DayfirstOption = Annotated[
    bool | None,
    typer.Option("--dayfirst/--monthfirst", help="Order of dates like 03/04/2025 when the data cannot tell.",
                 rich_help_panel=INPUT_PANEL, show_default=False),
]
StrictOption = Annotated[
    bool,
    typer.Option("--strict", help="Fail (exit 1) when any row is rejected.", rich_help_panel=INPUT_PANEL),
]
PseudonymiseOption = Annotated[
    bool,
    typer.Option("--pseudonymise/--no-pseudonymise", help="Replace case officers' names with keyed pseudonyms "
                 "(key: created on first use; see docs/privacy-key.md).", rich_help_panel=INPUT_PANEL),
]
MergeLabelsOption = Annotated[
    bool,
    typer.Option("--merge-labels", help="Merge activity labels that differ only by case or spacing.",
                 rich_help_panel=INPUT_PANEL),
]
DropDuplicatesOption = Annotated[
    bool,
    typer.Option("--drop-duplicates", help="Remove rows that are exact copies of an earlier row (default: "
                 "keep them and warn).", rich_help_panel=INPUT_PANEL),
]


ActivityColumnOption = Annotated[
    str | None,
    typer.Option("--activity-column", metavar="COLUMN",
                 help="Column with the activity (e.g. Aktivitet); other commands call it --activity.",
                 rich_help_panel=INPUT_PANEL, show_default=False),
]

#: What a command made with :func:`input_options` receives: the keyword arguments of :func:`open_log`.
InputArgs = dict[str, Any]
#: The input options, in the order ``--help`` shows them: (parameter, annotation, default).
_INPUTS: tuple[tuple[str, Any, Any], ...] = (
    ("profile", ProfileOption, None), ("case", CaseOption, None), ("activity", ActivityOption, None),
    ("timestamp", TimestampOption, None), ("start", StartOption, None), ("resource", ResourceOption, None),
    ("unit", UnitOption, None), ("sheet", SheetOption, None), ("dayfirst", DayfirstOption, None),
    ("strict", StrictOption, False), ("pseudonymise", PseudonymiseOption, True),
    ("merge_labels", MergeLabelsOption, False), ("drop_duplicates", DropDuplicatesOption, False),
)
_R = TypeVar("_R")


def input_options(*, activity: str = "activity") -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Give a command the input options: typer reads them from the signature this sets (after the command's
    own), and the command gets them as one keyword argument ``inputs`` (:data:`InputArgs`).

    Written by hand: typer has no option groups that commands share (it reads each command's parameters),
    so without this every command repeated the thirteen parameters and the call that passes them on.

    Args:
        activity: the parameter for the activity column; ``"activity_column"`` (``--activity-column``) where
            the command's ``--activity`` means something else (``effect``: the automated step).
    """

    def decorate(command: Callable[..., _R]) -> Callable[..., _R]:
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "inputs"]
        added = [inspect.Parameter(activity if name == "activity" else name, inspect.Parameter.KEYWORD_ONLY,
                                   default=default,
                                   annotation=ActivityColumnOption if name == "activity" and activity != name
                                   else annotation)
                 for name, annotation, default in _INPUTS]

        @functools.wraps(command)
        def with_inputs(**values: Any) -> _R:
            inputs = {name: values.pop(activity if name == "activity" else name) for name, _a, _d in _INPUTS}
            return command(**values, inputs=inputs)

        with_inputs.__signature__ = inspect.Signature([*own, *added])  # type: ignore[attr-defined]
        with_inputs.__annotations__ = {p.name: p.annotation for p in [*own, *added]}
        return with_inputs

    return decorate


def open_log(
    path: Path | str,
    *,
    profile: Path | str | None = None,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    start: str | None = None,
    resource: str | None = None,
    unit: str | None = None,
    sheet: str | None = None,
    dayfirst: bool | None = None,
    strict: bool = False,
    pseudonymise: bool = True,
    merge_labels: bool = False,
    drop_duplicates: bool = False,
    on_read: Callable[[], None] | None = None,
    started: StartedRead | None = None,
    start_read: bool = True,
) -> EventLog:
    """Read a log with the command-line input options (flags left off defer to the profile); ``on_read``: see
    :func:`~processmining.ingest.read_log`; ``started``: the file's read started by the caller; ``start_read``:
    whether to start it here when the caller has not (``False``: the caller tried, and it was no CSV to start).

    Raises the library's errors; wrap the call in ``with library_errors():``.
    """
    from ..ingest.arrow_csv import start_reading

    # pyarrow parses a CSV file on a thread while this one imports pandas and the readers (see arrow_csv).
    if started is None and start_read:
        started = start_reading(path, profile=profile)
    from ..ingest import read_log

    overrides = {"case": case, "activity": activity, "timestamp": timestamp, "start": start,
                 "resource": resource, "unit": unit}
    return read_log(
        path,
        profile=profile,
        columns={role: column for role, column in overrides.items() if column},
        sheet=sheet,
        strict=strict,
        pseudonymise=pseudonymise,
        merge_label_variants=True if merge_labels else None,
        drop_duplicates=True if drop_duplicates else None,
        dayfirst=dayfirst,
        on_read=on_read,
        started=started,
    )
