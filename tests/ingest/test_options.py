"""The shared input options compose into other commands, and `validate --help` shows them."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from processmining.cli._app import library_errors
from processmining.cli._options import (
    ActivityOption,
    CaseOption,
    DayfirstOption,
    DropDuplicatesOption,
    LogPath,
    MergeLabelsOption,
    ProfileOption,
    PseudonymiseOption,
    ResourceOption,
    SheetOption,
    StartOption,
    StrictOption,
    TimestampOption,
    UnitOption,
    open_log,
)

from ._util import run, write_csv


def _app() -> typer.Typer:
    demo = typer.Typer()

    @demo.command()
    def count(
        log_path: LogPath,
        profile: ProfileOption = None,
        case: CaseOption = None,
        activity: ActivityOption = None,
        timestamp: TimestampOption = None,
        start: StartOption = None,
        resource: ResourceOption = None,
        unit: UnitOption = None,
        sheet: SheetOption = None,
        dayfirst: DayfirstOption = None,
        strict: StrictOption = False,
        pseudonymise: PseudonymiseOption = True,
        merge_labels: MergeLabelsOption = False,
        drop_duplicates: DropDuplicatesOption = False,
    ) -> None:
        """Count events."""
        with library_errors():
            log = open_log(log_path, profile=profile, case=case, activity=activity, timestamp=timestamp,
                           start=start, resource=resource, unit=unit, sheet=sheet, dayfirst=dayfirst,
                           strict=strict, pseudonymise=pseudonymise, merge_labels=merge_labels,
                           drop_duplicates=drop_duplicates)
        typer.echo(f"{log.n_events} {log.activities} {sorted(log.events['org:resource'])}")

    @demo.command()
    def other() -> None:
        """A second command so that `count` is a subcommand."""

    return demo


def test_options_work_in_another_command(tmp_path: Path) -> None:
    rows = [["D1", "x", "Beslut", "03/04/2025", "Anna"], ["D1", "y", "beslut", "04/04/2025", "Anna"],
            ["D1", "y", "beslut", "04/04/2025", "Anna"]]
    path = write_csv(tmp_path / "e.csv", rows, header=["Nr", "Kod", "Text", "När", "Vem"])
    result = CliRunner().invoke(_app(), ["count", str(path), "--case", "Nr", "--activity", "Text", "--timestamp",
                                         "När", "--resource", "Vem", "--dayfirst", "--merge-labels",
                                         "--drop-duplicates", "--no-pseudonymise"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2 ['Beslut'] ['Anna', 'Anna']"
    refused = CliRunner().invoke(_app(), ["count", str(path), "--case", "Nr", "--activity", "Text",
                                          "--timestamp", "När"])
    assert refused.exit_code == 1  # 03/04/2025 vs 04/04/2025 cannot tell day from month


def test_validate_help_lists_input_options() -> None:
    result = run("validate", "--help")
    assert result.exit_code == 0
    for option in ("--profile", "--case", "--activity", "--timestamp", "--start", "--resource", "--unit", "--sheet",
                   "--dayfirst", "--monthfirst", "--strict", "--no-pseudonymise", "--merge-labels",
                   "--drop-duplicates", "--json", "--rejects", "Example: processmining validate"):
        assert option in result.stdout, option
    assert "Example: processmining keygen" in run("keygen", "--help").stdout
