"""``processmining validate`` (data-quality summary of a log) and ``processmining keygen``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import ConfigError
from ..textsafe import json_text
from ._app import app, err, library_errors, out
from ._options import (
    InputArgs,
    JsonOption,
    LogPath,
    input_options,
    open_log,
)


@app.command()
@input_options()
def validate(
    log_path: LogPath,
    *,
    inputs: InputArgs,
    json_output: JsonOption = False,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", metavar="FILE", help="Write the rejected rows to FILE (CSV; without it they "
                     "are counted, not written).", show_default=False),
    ] = None,
) -> None:
    """Load LOG_PATH, check every row and print a data-quality summary.

    Rows read, events, cases, activities, variants, rejected rows by reason (the rows go to a CSV with
    --rejects FILE), duplicates, time span, and what was noticed while loading. Exit code 0 even with rejects (1 with
    --strict), 1 when the file cannot be used.

    Example: processmining validate event_logs/demo.csv --profile event_logs/profiles/demo.toml --json
    Example: processmining validate export.csv --rejects export.rejects.csv
    """
    from ..ingest import write_rejects
    from ..ingest.report import validation_summary

    with library_errors():
        log = open_log(log_path, **inputs)
        summary = validation_summary(log)
        target = rejects  # written only where asked: never into the folder the user happens to stand in
        if target is not None:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                write_rejects(log, target)
            except OSError as exc:
                raise ConfigError(f"{target}: cannot write the rejects file ({exc.strerror}); "
                                  "pass --rejects FILE in a writable folder") from exc
        summary["rejects_file"] = str(target) if target is not None else None
        if json_output:
            typer.echo(json_text(json.dumps(summary, ensure_ascii=False, indent=2)))
            if target is not None:
                err.print(f"{len(log.rejects)} rejected row(s) written to {target}", markup=False, soft_wrap=True)
            elif len(log.rejects):
                err.print(f"{len(log.rejects)} rejected row(s) not written; pass --rejects FILE to write them",
                          markup=False, soft_wrap=True)
        else:
            _print_summary(summary)


def _count(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _print_summary(s: dict[str, Any]) -> None:
    src = s["source"]
    lines = [
        f"Source      {src['path']} ({src['format']})",
        f"SHA-256     {src['sha256']}",
        f"Rows read   {_count(src['rows_read'])}",
        f"Events      {_count(s['events'])} in {_count(s['cases'])} cases; {_count(s['activities'])} activities, "
        f"{_count(s['variants'])} variants",
        f"Time span   {s['start'] or '-'} to {s['end'] or '-'} ({s['timezone']})",
        f"Rejected    {_count(s['rejected_rows'])} row(s)",
    ]
    for reason, count in s["rejects_by_reason"].items():
        examples = "; ".join(f"row {e['row']}, {e['column']}: {e['value']!r}" for e in s["reject_examples"][reason])
        lines.append(f"  {_count(count):>8}  {reason}  (e.g. {examples})")
    if s.get("rejects_file"):
        lines.append(f"            rejected rows written to {s['rejects_file']}")
    elif s["rejected_rows"]:
        lines.append("            pass --rejects FILE to write the rejected rows")
    lines.append(f"Duplicates  {_count(s['duplicates_removed'])} removed")
    if s["starts_merged"]:
        lines.append(f"Lifecycle   {_count(s['starts_merged'])} start row(s) merged into their completions")
    lines.append(f"Resources   {'pseudonymised' if s['pseudonymised'] else 'as in the source'}")
    if s["notes"]:
        lines.append("Notes")
        lines += [f"  - {n}" for n in s["notes"]]
    if s["warnings"]:
        lines.append("Warnings")
        lines += [f"  ! {w}" for w in s["warnings"]]
    for line in lines:
        out.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command()
def keygen(
    out_file: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Where to write the key (default: "
                     "~/.config/processmining/pseudonym.key, under $XDG_CONFIG_HOME when set).", show_default=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key (pseudonyms will change).")] = False,
) -> None:
    """Create the secret key that pseudonymises case officers' names (32 random bytes, file mode 0600).

    Not needed before a first run: the key is created on first use where keygen writes it. The same key
    always gives the same pseudonyms; keep it out of version control and back it up. Point
    PROCESSMINING_PSEUDONYM_KEY_FILE at a key kept elsewhere (see docs/privacy-key.md).

    Example: processmining keygen --out /secure/place/pseudonym.key
    """
    from ..ingest.privacy import write_key

    with library_errors():
        path = write_key(out_file, force=force)
        err.print(f"key written to {path} (mode 0600); keep it secret and out of version control", markup=False,
                  soft_wrap=True)
