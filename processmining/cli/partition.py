"""``processmining partition``: exports validated once into a Parquet dataset partitioned by case
(:mod:`processmining.ingest.dataset`), which ``analyze DIR`` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app, library_errors, out, print_json
from ._options import InputArgs, JsonOption, input_options, open_log

ExportPaths = Annotated[list[Path], typer.Argument(
    help="Export(s) to validate and partition: .csv, .xlsx, .xes, .xes.gz or .parquet, of one layout (e.g. one "
         "file per year); concatenated in the order given.", show_default=False)]


@app.command()
@input_options()
def partition(
    exports: ExportPaths,
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", file_okay=False, show_default=False,
                                          help="The dataset folder to write (must not exist or be empty).")],
    partitions: Annotated[int, typer.Option("--partitions", metavar="N", min=1, max=4096,
                                            help="How many partitions (by a stable hash of the case id).")] = 8,
    *,
    inputs: InputArgs,
    as_json: JsonOption = False,
) -> None:
    """Validate EXPORTS and write them as a Parquet dataset partitioned by case, with its manifest.json.

    Every row goes through the same validation, rejects and pseudonymisation as any read; one case never spans
    two partitions. `processmining analyze DIR` reads the dataset.

    Example: processmining partition 2023.csv 2024.csv --profile demo --out data/cases --partitions 16
    """
    from ..ingest.dataset import write_dataset

    with library_errors():
        manifest = write_dataset(exports, out_dir, partitions=partitions,
                                 read=lambda path: open_log(path, **inputs))
    if as_json:
        print_json(manifest)
        return
    parts = manifest["partitions"]
    sizes = [p["events"] for p in parts]
    out.print(f"{out_dir}: {manifest['events']:,} events of {len(manifest['sources'])} export(s) in {len(parts)} "
              f"partitions ({min(sizes):,}–{max(sizes):,} events each); {manifest['rows_read']:,} rows read, "
              f"{manifest['rejected_rows']:,} rejected, {manifest['duplicates_removed']:,} duplicates removed. "
              f"Manifest: {out_dir / 'manifest.json'}", markup=False, soft_wrap=True)
