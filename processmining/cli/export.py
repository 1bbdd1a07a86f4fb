"""``processmining export``: the log as an object-centric event log (OCEL 2.0), with its object-centric map."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app, err, library_errors
from ._options import (
    InputArgs,
    LogPath,
    input_options,
    open_log,
)


def _object_types(rules: list[str] | None) -> dict[str, str] | None:
    from ..errors import ConfigError

    if not rules:
        return None
    mapping: dict[str, str] = {}
    for rule in rules:
        pattern, sep, object_type = rule.rpartition("=")
        if not sep or not pattern or not object_type.strip():
            raise ConfigError(f"--object-type {rule!r} is not like \"^Utbetalning=payment\" (PATTERN=TYPE)")
        mapping[pattern] = object_type.strip()
    return mapping


@app.command()
@input_options()
def export(
    log_path: LogPath,
    ocel_path: Annotated[Path, typer.Option("--ocel", metavar="FILE", dir_okay=False, help="OCEL 2.0 file to "
                         "write: .jsonocel (or .json), .sqlite or .xmlocel (or .xml).", show_default=False)],
    map_path: Annotated[Path | None, typer.Option("--map", metavar="FILE", dir_okay=False, help="Also draw the "
                        "object-centric directly-follows graph: FILE.svg, .png or .pdf.", show_default=False)] = None,
    object_type: Annotated[list[str] | None, typer.Option("--object-type", metavar="PATTERN=TYPE",
                           help="Activities matching PATTERN (regular expression) get an object of TYPE "
                                "(repeatable; replaces the defaults ^Beslut=decision, ^Utbetalning=payment, "
                                "^(Överklagande|Omprövning|Överlämnat till förvaltningsrätten)=appeal).",
                           show_default=False)] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the map: sv or en.")] = "sv",
    *,
    inputs: InputArgs,
) -> None:
    """Write LOG_PATH as an object-centric event log (OCEL 2.0) and, with --map, draw its object-centric map.

    Objects: one application per case, and decision, payment and appeal objects for the events whose
    activity belongs to them; every event relates to its application and to its own object.

    Example: processmining export event_logs/demo.csv --profile demo --ocel reports/demo.jsonocel --map
    reports/demo_ocdfg.svg
    """
    from ..errors import ConfigError
    from ..ocel import render_ocdfg, to_ocel, write_ocel2

    with library_errors():
        if lang not in ("sv", "en"):
            raise ConfigError(f"--lang {lang!r}: use sv or en")
        fmt = map_path.suffix.lower().lstrip(".") if map_path is not None else ""
        if map_path is not None and fmt not in ("svg", "png", "pdf"):
            raise ConfigError(f"{map_path}: name the map .svg, .png or .pdf")
        mapping = _object_types(object_type)
        log = open_log(log_path, **inputs)
        ocel = to_ocel(log, object_types=mapping)
        written = [write_ocel2(ocel, ocel_path)]
        if map_path is not None:
            written += render_ocdfg(ocel, map_path.with_suffix(""), formats=(fmt,), title=log_path.name, lang=lang)
    types = ocel.objects["ocel:type"].value_counts()
    err.print(f"wrote {', '.join(str(p) for p in written)}: {len(ocel.events)} events, {len(ocel.objects)} objects ("
              + ", ".join(f"{t} {n}" for t, n in sorted(types.items())) + ")", markup=False, soft_wrap=True)
