"""``processmining sample``: write the simulated demo log as CSV, XES or Parquet."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ._app import app, err, library_errors


class SampleFormat(StrEnum):
    """Output formats of ``processmining sample``."""

    csv = "csv"
    xes = "xes"
    parquet = "parquet"


def _format_from_name(path: Path) -> SampleFormat:
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        return SampleFormat.xes
    if name.endswith(".parquet"):
        return SampleFormat.parquet
    return SampleFormat.csv


@app.command()
def sample(
    out_path: Annotated[Path, typer.Option("--out", help="File to write.", dir_okay=False)],
    cases: Annotated[int, typer.Option("--cases", min=1, help="Number of applications (~9.5 events each).")] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same arguments give the same file.")] = 1,
    fmt: Annotated[
        SampleFormat | None,
        typer.Option("--format", help="csv, xes or parquet; default from the file name (.xes, .xes.gz, .parquet), "
                     "else csv. A name ending in .gz is gzip-compressed."),
    ] = None,
    clean: Annotated[bool, typer.Option("--clean", help="Leave out the messy rows (for benchmarks).")] = False,
    start: Annotated[str, typer.Option("--start", help="First day of the simulated two years.")] = "2024-01-01",
    as_json: Annotated[bool, typer.Option("--json", help="Print what was written as JSON on stdout.")] = False,
) -> None:
    """Simulate grant applications and write them as a Swedish-style case-handling export.

    What is planted (bottleneck, automation candidate, regional difference, messy rows): event_logs/README.md.

    Prints one line (file, cases, events) on stderr; --json prints the same and the planted counts on stdout.

    Example: processmining sample --cases 3000 --seed 1 --out event_logs/demo.csv
    """
    from ..simulate import simulate, write_sample

    chosen = fmt if fmt is not None else _format_from_name(out_path)
    with library_errors():
        result = simulate(cases=cases, seed=seed, start=start, messy=not clean)
        write_sample(result, out_path, fmt=chosen.value)
    events = len(result.truth)
    planted = ", ".join(f"{kind} {count}" for kind, count in result.planted.items() if count)
    err.print(
        f"wrote {out_path} ({chosen.value}): {result.cases} cases, {events} events in {len(result.events)} rows"
        + (f"; planted {planted}" if planted else ""),
        markup=False,
        soft_wrap=True,
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "path": str(out_path),
                    "format": chosen.value,
                    "cases": result.cases,
                    "events": events,
                    "rows": len(result.events),
                    "planted": dict(result.planted),
                    "comment_numbers": dict(result.comment_numbers),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
