"""``processmining merge``: several exports named in a project file, merged into one event log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..textsafe import json_text
from ._app import app, err, library_errors, out
from ._options import PseudonymiseOption, StrictOption


@app.command()
def merge(
    project: Annotated[Path, typer.Argument(help="Project file (TOML) naming the sources, their profiles, the key "
                                            "normalisation and clock offsets; see "
                                            "event_logs/projects/demo_split.toml.", show_default=False)],
    out_path: Annotated[Path, typer.Option("--out", metavar="FILE", dir_okay=False, help="The merged log: .parquet "
                        "or .csv. merge_report.csv, merge_keys.csv and (if any) merge_rejects.csv are written "
                        "beside it.", show_default=False)],
    json_output: Annotated[bool, typer.Option("--json", help="Print the merge report as JSON on stdout.")] = False,
    strict: StrictOption = False,
    pseudonymise: PseudonymiseOption = True,
) -> None:
    """Merge the exports a project file names into one event log, tagged with their source system.

    Each source is read with its profile, its clock corrected and its case keys normalised; cases are
    matched on the normalised key. The report says per source what was read, kept and rejected, which
    cases are in one source only and which keys could not be matched or normalised.

    Read the merged file back with --no-pseudonymise (its case officers already are pseudonyms).

    Example: processmining merge reports/demo_split/demo_split.toml --out reports/demo_split/merged.parquet
    """
    from ..ingest import write_rejects
    from ..ingest.merge import merge_project, write_log, write_merge_report
    from ..log import summary_counts

    with library_errors():
        result = merge_project(project, pseudonymise=pseudonymise, strict=strict)
        written = [write_log(result.log, out_path)]
        written += write_merge_report(result.report, out_path.parent)
        if len(result.log.rejects):
            written.append(write_rejects(result.log, out_path.parent / "merge_rejects.csv"))
    report = result.report
    if json_output:
        payload: dict[str, Any] = {**summary_counts(result.log), "merge": report.to_summary(),
                                   "files": [str(p) for p in written]}
        typer.echo(json_text(json.dumps(payload, ensure_ascii=False, allow_nan=False)))
    else:
        log = result.log
        out.print(f"Merged {log.n_events} events in {log.n_cases} cases from {len(report.sources)} sources "
                  f"({log.source.rows_read} rows read, {len(log.rejects)} rejected, "
                  f"{log.source.duplicates_removed} duplicates removed)", markup=False, soft_wrap=True)
        for s in report.sources:
            out.print(f"  {s.system}: {s.path}: {s.rows_read} rows, {s.kept} kept, {s.rejected} rejected "
                      f"({s.rejected_at_merge} at the merge), {s.cases} cases ({len(s.only_here)} only here), "
                      f"{len(s.unmatched_keys)} unmatched, {len(s.unnormalised_keys)} not normalisable",
                      markup=False, soft_wrap=True)
        for warning in report.warnings:
            out.print(f"! {warning}", markup=False, soft_wrap=True)
    err.print("wrote " + ", ".join(str(p) for p in written), markup=False, soft_wrap=True)
