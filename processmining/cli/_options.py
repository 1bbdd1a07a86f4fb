"""The command line's options, declared once: the option groups commands share, and :func:`open_log`.

A group of options is given to a command with one decorator, and the command receives the group as one
keyword argument (sqlite-utils' option decorators are the model):

- :func:`input_options` -> ``inputs``: how to read the log (profile, columns, sheet, strictness,
  pseudonymisation; the keyword arguments of :func:`open_log`);
- :func:`analysis_options` -> ``analysis``: the parameters of a whole analysis (calendar, targets, clock
  stops, map simplification, handovers, engine; :func:`processmining.cli.analyze.analysis_options_of`
  turns them into :class:`~processmining.analysis.AnalysisOptions`);
- :func:`source_options` -> ``sources``: several sources merged into one log (project file, join key).

Single options that many commands have (``--calendar``, ``--hours``, ``--lang``, ``--json``) are declared
here once too. Example::

    @app.command()
    @input_options()
    def validate(log_path: LogPath, lang: LangOption = Lang.sv, *, inputs: InputArgs) -> None:
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

from ._engine import EngineName, EngineOption, PartitionsOption, SchedulerOption
from .filter_options import FilterOption

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
ANALYSIS_PANEL = "Analysis options"
SOURCES_PANEL = "Several sources"

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


class HandoverLevel(StrEnum):
    """Whose handovers the graph shows."""

    auto = "auto"
    unit = "unit"
    resource = "resource"


CalendarOption = Annotated[CalendarKind, typer.Option(
    "--calendar", rich_help_panel=ANALYSIS_PANEL,
    help="se: Swedish working days (weekends and public holidays off); none: 24-hour days.")]
HoursOption = Annotated[str, typer.Option("--hours", help="Working hours, e.g. 08-17 or 8:30-16:30.",
                                          rich_help_panel=ANALYSIS_PANEL)]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of what is printed and written: sv or en.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout (nothing else).")]

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
#: What a command made with :func:`analysis_options` / :func:`source_options` receives.
AnalysisArgs = dict[str, Any]
SourceArgs = dict[str, Any]
#: The input options, in the order ``--help`` shows them: (parameter, annotation, default).
_INPUTS: tuple[tuple[str, Any, Any], ...] = (
    ("profile", ProfileOption, None), ("case", CaseOption, None), ("activity", ActivityOption, None),
    ("timestamp", TimestampOption, None), ("start", StartOption, None), ("resource", ResourceOption, None),
    ("unit", UnitOption, None), ("sheet", SheetOption, None), ("dayfirst", DayfirstOption, None),
    ("strict", StrictOption, False), ("pseudonymise", PseudonymiseOption, True),
    ("merge_labels", MergeLabelsOption, False), ("drop_duplicates", DropDuplicatesOption, False),
)
#: The keyword arguments through which commands receive their option groups (never options themselves).
GROUPS = {"inputs", "analysis", "sources", "output"}
_R = TypeVar("_R")


def option_group(receiver: str, options: tuple[tuple[str, Any, Any], ...], *,
                 rename: dict[str, tuple[str, Any]] | None = None) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """A decorator that gives a command the ``options`` ((parameter, annotation, default) each): typer reads
    them from the signature it sets (after the command's own), and the command gets them as one keyword
    argument ``receiver`` (a dict by parameter name).

    Written by hand: typer has no option groups that commands share (it reads each command's parameters),
    so without this every command repeated each option and the call that passes it on.

    Args:
        receiver: the keyword argument the command receives the group as (one of :data:`GROUPS`).
        options: the group.
        rename: parameter -> (the name and annotation this command uses for it), e.g. ``--activity-column``.
    """
    rename = rename or {}

    def decorate(command: Callable[..., _R]) -> Callable[..., _R]:
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != receiver]
        added = [inspect.Parameter(rename.get(name, (name, annotation))[0], inspect.Parameter.KEYWORD_ONLY,
                                   default=default, annotation=rename.get(name, (name, annotation))[1])
                 for name, annotation, default in options]

        @functools.wraps(command)
        def with_group(**values: Any) -> _R:
            group = {name: values.pop(rename.get(name, (name, None))[0]) for name, _a, _d in options}
            return command(**values, **{receiver: group})

        parameters = [p for p in own if p.name not in GROUPS] + added + [p for p in own if p.name in GROUPS]
        with_group.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        with_group.__annotations__ = {p.name: p.annotation for p in parameters}
        return with_group

    return decorate


def input_options(*, activity: str = "activity") -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Give a command the input options, received as ``inputs`` (:data:`InputArgs`).

    Args:
        activity: the parameter for the activity column; ``"activity_column"`` (``--activity-column``) where
            the command's ``--activity`` means something else (``effect``: the automated step).
    """
    rename = {"activity": (activity, ActivityColumnOption)} if activity != "activity" else None
    return option_group("inputs", _INPUTS, rename=rename)


# ---- the analysis and source groups ---------------------------------------------------------------
ClockStopOption = Annotated[list[str] | None, typer.Option(
    "--clock-stop", metavar="\"A=>B\"", rich_help_panel=ANALYSIS_PANEL, show_default=False,
    help="Waiting from A to the next B is the applicant's (repeatable).")]
TargetDaysOption = Annotated[float | None, typer.Option(
    "--target-days", metavar="N", min=0.001, rich_help_panel=ANALYSIS_PANEL, show_default=False,
    help="Handling-time target in working days for every case (measured on agency time).")]
TargetsFileOption = Annotated[Path | None, typer.Option(
    "--targets", metavar="FILE", rich_help_panel=ANALYSIS_PANEL, show_default=False,
    help="TOML with \\[targets] per programme and/or \\[bottlenecks] clock_stops, end_activities "
         "(see `processmining bottlenecks --help`).")]
EndActivityOption = Annotated[list[str] | None, typer.Option(
    "--end-activity", metavar="ACTIVITY", rich_help_panel=ANALYSIS_PANEL, show_default=False,
    help="Activity that closes a case (repeatable; default \"Ärende avslutat\" where the log has it).")]
TopOption = Annotated[int, typer.Option("--top", min=1, metavar="N", rich_help_panel=ANALYSIS_PANEL,
                                        help="How many bottlenecks, variants and candidates the summaries show.")]
PeriodOption = Annotated[Period, typer.Option("--period", help="Trends per month or quarter.",
                                              rich_help_panel=ANALYSIS_PANEL)]
ActivitiesPctOption = Annotated[float | None, typer.Option(
    "--activities", metavar="PCT", min=0.001, max=100, rich_help_panel=ANALYSIS_PANEL, show_default=False,
    help="Map: keep the most frequent activities covering PCT % of events (default: all up to 40 "
         "activities, else the 35 most frequent).")]
PathsPctOption = Annotated[float | None, typer.Option(
    "--paths", metavar="PCT", min=0.001, max=100, rich_help_panel=ANALYSIS_PANEL, show_default=False,
    help="Map: keep the most frequent paths covering PCT % of transitions (default: at most 2 per shown "
         "activity); the map stays connected.")]
HandoverLevelOption = Annotated[HandoverLevel, typer.Option(
    "--handover-level", rich_help_panel=ANALYSIS_PANEL,
    help="Handover graph between units (org:group) or case officers; auto: units where the log has them.")]
MinGroupOption = Annotated[int, typer.Option("--min-group", min=1, metavar="K", rich_help_panel=ANALYSIS_PANEL,
                                             help="Leave out every handover figure about fewer than K cases.")]
CandidatesConfigOption = Annotated[Path | None, typer.Option(
    "--candidates-config", metavar="FILE", rich_help_panel=ANALYSIS_PANEL, show_default=False,
    help="TOML with the automation score's weights and assumptions (see `processmining candidates --help`).")]
ProjectOption = Annotated[Path | None, typer.Option(
    "--project", metavar="FILE", rich_help_panel=SOURCES_PANEL, show_default=False,
    help="Project file (TOML) naming several sources, their profiles, key normalisation and clock offsets "
         "(example: event_logs/projects/demo_split.toml).")]
JoinKeyOption = Annotated[str | None, typer.Option(
    "--join-key", metavar="COL[,COL...]", rich_help_panel=SOURCES_PANEL, show_default=False,
    help="Case-key column: one name for every file, or one per file (e.g. Diarienummer,Ärende-ID).")]
KeyPrefixOption = Annotated[list[str] | None, typer.Option(
    "--key-prefix", metavar="TEXT", rich_help_panel=SOURCES_PANEL, show_default=False,
    help="Prefix removed from case keys before matching (repeatable), e.g. \"TVV \".")]
ClockOffsetOption = Annotated[list[str] | None, typer.Option(
    "--clock-offset", metavar="±HH:MM", rich_help_panel=SOURCES_PANEL, show_default=False,
    help="Added to one file's times, one per file in order (e.g. +00:00 -00:07).")]
ByOption = Annotated[str | None, typer.Option(
    "--by", metavar="ATTRIBUTE", rich_help_panel=ANALYSIS_PANEL, show_default=False,
    help="Also compare the groups of this attribute side by side: region (case:region), program, org:group, ...")]


#: The parameters of a whole analysis (``analyze``, ``report``, and the flows' equivalents).
_ANALYSIS: tuple[tuple[str, Any, Any], ...] = (
    ("calendar", CalendarOption, CalendarKind.se), ("hours", HoursOption, "08-17"),
    ("clock_stop", ClockStopOption, None), ("target_days", TargetDaysOption, None),
    ("targets_file", TargetsFileOption, None), ("end_activity", EndActivityOption, None), ("top", TopOption, 10),
    ("period", PeriodOption, Period.month), ("activities", ActivitiesPctOption, None),
    ("paths", PathsPctOption, None), ("handover_level", HandoverLevelOption, HandoverLevel.auto),
    ("min_group", MinGroupOption, 5), ("candidates_config", CandidatesConfigOption, None), ("by", ByOption, None),
    ("engine", EngineOption, EngineName.local), ("scheduler", SchedulerOption, None),
    ("partitions", PartitionsOption, None), ("filters", FilterOption, None),
)
#: Several sources merged into one log.
_SOURCES: tuple[tuple[str, Any, Any], ...] = (
    ("project", ProjectOption, None), ("join_key", JoinKeyOption, None), ("key_prefix", KeyPrefixOption, None),
    ("clock_offset", ClockOffsetOption, None),
)


def analysis_options() -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Give a command the parameters of a whole analysis, received as ``analysis`` (:data:`AnalysisArgs`)."""
    return option_group("analysis", _ANALYSIS)


def source_options() -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Give a command the options that merge several sources, received as ``sources`` (:data:`SourceArgs`)."""
    return option_group("sources", _SOURCES)


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
    # A folder written by `processmining partition` (ingest/dataset.py's test, without importing that module:
    # it loads pandas and Arrow, which the early CSV read below must not wait for).
    if Path(path).is_dir() and (Path(path) / "manifest.json").is_file():
        given = {"--profile": profile, "--case": case, "--activity": activity, "--timestamp": timestamp,
                 "--start": start, "--resource": resource, "--unit": unit, "--sheet": sheet, "--dayfirst": dayfirst,
                 "--strict": strict or None, "--merge-labels": merge_labels or None,
                 "--drop-duplicates": drop_duplicates or None}
        if any(value is not None for value in given.values()):
            from ..errors import ConfigError

            named = ", ".join(k for k, v in given.items() if v is not None)
            raise ConfigError(f"{path}: a partitioned dataset was validated when it was written; give {named} "
                              "to `processmining partition`, not when reading the dataset")
        from ..ingest.dataset import read_dataset

        log = read_dataset(path)
        if on_read is not None:
            on_read()
        return log
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
