"""Flow: analyse every export dropped into a folder; archive it, or quarantine it with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.states import Failed

from flows.tasks import analyse_export_task, archive_task, list_exports_task, quarantine_task, report_folder
from processmining.errors import ConfigError, ProcessMiningError

__all__ = ["analyze_export"]


@flow(name="analyze-export", log_prints=False)
def analyze_export(
    drop_folder: str,
    out_folder: str = "reports",
    archive_folder: str | None = None,
    quarantine_folder: str | None = None,
    profile: str | None = None,
) -> Any:
    """Analyse each export in the drop folder and write its reports; archive or quarantine the input.

    For each file directly in ``drop_folder``: validate, analyse and write every report into
    ``out_folder/<file name without suffix>/``, then move the file into the archive folder. A file that
    cannot be read or validated goes to the quarantine folder with ``<name>.error.txt`` beside it (the
    one-line reason); the flow goes on with the other files.

    A problem of the set-up rather than of the file (a :class:`~processmining.errors.ConfigError`: no
    pseudonymisation key for this process, a profile that cannot be found) quarantines nothing: the
    files stay in the drop folder and the flow run ends Failed, saying what to set up; the next run
    after the fix analyses them.

    Args:
        drop_folder: where the case-handling system drops its exports (files must appear atomically).
        out_folder: where report folders are written, one per export.
        archive_folder: where analysed exports are moved (default: ``<drop_folder>/archive``).
        quarantine_folder: where bad exports are moved (default: ``<drop_folder>/quarantine``).
        profile: source profile (path or name in ``event_logs/profiles/``) for reading the exports.

    Returns:
        ``{"analysed": [{"file", "reports", "archived"}], "quarantined": [{"file", "reason"}],
        "left": [{"file", "reason"}]}`` (``left``: kept in the drop folder for a set-up problem; the flow
        run is then Failed with this as its result).
    """
    logger = get_run_logger()
    drop = Path(drop_folder)
    archive_dir = Path(archive_folder) if archive_folder else drop / "archive"
    quarantine_dir = Path(quarantine_folder) if quarantine_folder else drop / "quarantine"
    analysed: list[dict[str, str]] = []
    quarantined: list[dict[str, str]] = []
    left: list[dict[str, str]] = []
    for path in list_exports_task(drop):
        try:
            reports = analyse_export_task(path, report_folder(out_folder, path), profile=profile)
        except ConfigError as exc:  # the set-up's problem, not the file's: keep the file, fail the run
            logger.error("%s left in the drop folder: %s", path.name, exc)
            left.append({"file": str(path), "reason": str(exc)})
            continue
        except ProcessMiningError as exc:
            reason = str(exc)
            logger.warning("quarantined %s: %s", path.name, reason)
        except Exception as exc:  # a bug in the analysis: keep it from blocking the other exports forever
            reason = f"internal error ({type(exc).__name__}: {exc}); please report it with this file"
            logger.exception("quarantined %s after an unexpected error", path.name)
        else:
            moved = archive_task(path, archive_dir)
            logger.info("analysed %s -> %s", path.name, reports)
            analysed.append({"file": path.name, "reports": str(reports), "archived": str(moved)})
            continue
        moved = quarantine_task(path, quarantine_dir, reason)
        quarantined.append({"file": str(moved), "reason": reason})
    logger.info("%d export(s) analysed, %d quarantined", len(analysed), len(quarantined))
    result = {"analysed": analysed, "quarantined": quarantined, "left": left}
    if left:
        return Failed(message=f"{len(left)} export(s) left in {drop} because of the set-up, not the file: "
                              f"{left[0]['reason']}", data=result)
    return result
