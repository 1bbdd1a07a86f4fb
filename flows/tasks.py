"""Prefect tasks: thin wrappers around library and automation functions, retries on I/O.

Each task is a library function given a name, retries where it does I/O, and no caching (their
inputs are event logs and data frames, which Prefect cannot hash cheaply). Input errors
(:class:`~processmining.errors.ProcessMiningError`: a bad file, a wrong config) are never retried;
they would fail the same way again. The drop-folder helpers below are the only code here that is not
a library call: moving files is orchestration.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun

from automations import actions as _actions
from automations.config import load_config
from automations.ledger import send_actions
from automations.state import build_state, read_export
from processmining.errors import ConfigError, ProcessMiningError, UnreadableFileError
from processmining.files import write_text

__all__ = [
    "LOG_SUFFIXES",
    "analyse_export_task",
    "archive_task",
    "build_state_task",
    "list_exports",
    "list_exports_task",
    "load_config_task",
    "plan_task",
    "quarantine_task",
    "read_export_task",
    "report_folder",
    "send_actions_task",
    "write_weekly_report_task",
]

#: File endings the drop folder picks up (others, and names starting with "." or "~", are left alone).
LOG_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".xlsx", ".xes", ".xes.gz", ".parquet")


def _retry_unless_config_error(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Retry a failed delivery (the mail server was away), never a wrong config."""
    return not isinstance(getattr(state, "data", None), ConfigError)


def _retry_unless_input_error(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Retry I/O trouble (a share that hiccups, a locked file), never a bad input or config."""
    return not isinstance(getattr(state, "data", None), ProcessMiningError)


# ---- drop-folder helpers (orchestration, not analysis) -------------------------------------------------
def list_exports(folder: str | Path) -> list[Path]:
    """Log files directly in ``folder`` (not its subfolders), oldest first.

    Writers must put a file in place atomically (write elsewhere or as ``.name.tmp``, then rename);
    hidden and temporary names (``.*``, ``~*``, ``*.tmp``, ``*.part``) are skipped.

    Raises:
        UnreadableFileError: the folder does not exist.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UnreadableFileError(f"{folder}: the drop folder does not exist")
    # Not only regular files: a named pipe or a device with a log's name is listed too, so that the reader
    # refuses it (without opening it) and it is quarantined with that reason instead of lying there unseen.
    files = [p for p in folder.iterdir() if p.exists() and not p.is_dir() and not p.name.startswith((".", "~"))
             and p.name.lower().endswith(LOG_SUFFIXES)]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def report_folder(out_folder: str | Path, path: Path) -> Path:
    """``out_folder/<name without its log suffix>``: ``x.xes.gz`` -> ``out/x``."""
    name = path.name
    for suffix in sorted(LOG_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return Path(out_folder) / name


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():  # the same name dropped again: keep both, the new one with a time stamp
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
        target = folder / f"{stamp}_{path.name}"
    shutil.move(str(path), str(target))
    return target


def archive(path: str | Path, folder: str | Path) -> Path:
    """Move an analysed export into the archive folder; returns its new path."""
    return _move(Path(path), Path(folder))


def quarantine(path: str | Path, folder: str | Path, reason: str) -> Path:
    """Move a bad export into quarantine with ``<name>.error.txt`` beside it holding the one-line reason."""
    target = _move(Path(path), Path(folder))
    note = target.with_name(target.name + ".error.txt")
    write_text(note, reason.replace("\n", " ").strip() + "\n")
    return target


def analyse_export(path: str | Path, out: str | Path, *, profile: str | None = None) -> Path:
    """Validate, analyse and write every report of one export (``processmining.reports.run_analysis``)."""
    from processmining.reports import run_analysis

    return run_analysis(Path(path), Path(out), profile=Path(profile) if profile else None)


def write_weekly_report(log: Any, out: str | Path, *, lang: str = "sv") -> Path:
    """Analyse an already-read log and write the reports the weekly e-mail attaches (``write_reports``)."""
    from processmining.analysis import analyze_log
    from processmining.reports import write_reports

    out = Path(out)
    write_reports(analyze_log(log), out, lang=lang)
    return out


# ---- tasks ------------------------------------------------------------------------------------------------
list_exports_task = task(name="list-exports", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE,
                         retry_condition_fn=_retry_unless_input_error)(list_exports)
analyse_export_task = task(name="analyse-export", retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE,
                           retry_condition_fn=_retry_unless_input_error)(analyse_export)
archive_task = task(name="archive-export", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)(archive)
quarantine_task = task(name="quarantine-export", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)(quarantine)
load_config_task = task(name="load-config", cache_policy=NO_CACHE)(load_config)
read_export_task = task(name="read-export", retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE,
                        retry_condition_fn=_retry_unless_input_error)(read_export)
build_state_task = task(name="build-open-case-state", cache_policy=NO_CACHE)(build_state)
write_weekly_report_task = task(name="write-weekly-report", retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE,
                                retry_condition_fn=_retry_unless_input_error)(write_weekly_report)
#: Sending: an SMTP hiccup is retried; the ledger makes the retry skip what was already sent.
send_actions_task = task(name="send-actions", retries=2, retry_delay_seconds=[10, 60], cache_policy=NO_CACHE,
                         retry_condition_fn=_retry_unless_config_error)(send_actions)


def plan_task(name: str) -> Any:
    """The task that runs one automation function (``acknowledge_receipt``, ...) over the state."""
    fn = getattr(_actions, name)
    return task(name=name.replace("_", "-"), cache_policy=NO_CACHE)(fn)
