"""``processmining sample``: write the simulated demo log as CSV, XES or Parquet."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..textsafe import json_text
from ._app import app, err, library_errors
from ._options import JsonOption


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
    out_path: Annotated[Path | None, typer.Option("--out", help="File to write.", dir_okay=False,
                                                  show_default=False)] = None,
    cases: Annotated[int, typer.Option("--cases", min=1, help="Number of applications (~9.5 events each).")] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same arguments give the same file.")] = 1,
    fmt: Annotated[
        SampleFormat | None,
        typer.Option("--format", help="csv, xes or parquet; default from the file name (.xes, .xes.gz, .parquet), "
                     "else csv. A name ending in .gz is gzip-compressed."),
    ] = None,
    clean: Annotated[bool, typer.Option("--clean", help="Leave out the messy rows (for benchmarks).")] = False,
    start: Annotated[str, typer.Option("--start", help="First day of the simulated two years.")] = "2024-01-01",
    as_json: JsonOption = False,
    split: Annotated[Path | None, typer.Option("--split", metavar="DIR", file_okay=False, help="Also (or instead "
                     "of --out) write the export split in two systems into DIR: case_system.csv, payments.csv "
                     "(other key spelling, clock a few minutes fast, a few payments for unknown cases) and the "
                     "project file demo_split.toml that merges them.", show_default=False)] = None,
    split_offset: Annotated[int, typer.Option("--split-offset", metavar="MINUTES", help="How many minutes the "
                            "payment system's clock is fast (with --split).")] = 7,
) -> None:
    """Simulate grant applications and write them as a Swedish-style case-handling export.

    What is planted (bottleneck, automation candidate, regional difference, messy rows): event_logs/README.md.

    Prints one line (file, cases, events) on stderr; --json prints the same and the planted counts on stdout.

    With --split DIR: the same export as two systems' files and a project file; merge them back with
    processmining merge DIR/demo_split.toml --out DIR/merged.parquet.

    Example: processmining sample --cases 3000 --seed 1 --out event_logs/demo.csv
    """
    from ..simulate import simulate, split_sources, write_sample, write_split

    if out_path is None and split is None:
        raise typer.BadParameter("pass --out FILE, --split DIR or both", param_hint="--out / --split")
    chosen = fmt if fmt is not None else _format_from_name(out_path or Path("sample.csv"))
    with library_errors():
        result = simulate(cases=cases, seed=seed, start=start, messy=not clean)
        if out_path is not None:
            write_sample(result, out_path, fmt=chosen.value)
        parts = split_sources(result, offset_minutes=split_offset) if split is not None else None
        split_files = write_split(parts, split) if parts is not None and split is not None else []
    events = len(result.truth)
    planted = ", ".join(f"{kind} {count}" for kind, count in result.planted.items() if count)
    if out_path is not None:
        err.print(
            f"wrote {out_path} ({chosen.value}): {result.cases} cases, {events} events in {len(result.events)} rows"
            + (f"; planted {planted}" if planted else ""),
            markup=False,
            soft_wrap=True,
        )
    if parts is not None:
        err.print(
            f"wrote {', '.join(str(p) for p in split_files)}: {len(parts.case_system)} case-system rows, "
            f"{len(parts.payments)} payment rows (clock {split_offset:+d} min; unmatched keys "
            f"{', '.join(parts.unmatched_keys) or '-'}; malformed {', '.join(parts.malformed_keys) or '-'})",
            markup=False,
            soft_wrap=True,
        )
    if as_json:
        payload: dict[str, object] = {
            "path": str(out_path) if out_path is not None else None,
            "format": chosen.value if out_path is not None else None,
            "cases": result.cases,
            "events": events,
            "rows": len(result.events),
            "planted": dict(result.planted),
            "comment_numbers": dict(result.comment_numbers),
        }
        if parts is not None:
            payload["split"] = {
                "files": [str(p) for p in split_files],
                "case_system_rows": len(parts.case_system),
                "payment_rows": len(parts.payments),
                "offset_minutes": split_offset,
                "unmatched_keys": list(parts.unmatched_keys),
                "malformed_keys": list(parts.malformed_keys),
            }
        typer.echo(json_text(json.dumps(payload, ensure_ascii=False, indent=2)))
