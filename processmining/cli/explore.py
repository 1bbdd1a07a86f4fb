"""``processmining explore``: read a log once and serve the process owner's view of it in the browser."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from pathlib import Path
from typing import Annotated

import typer

from ._app import app, err, library_errors
from ._options import (
    CalendarKind,
    CalendarOption,
    ClockStopOption,
    EndActivityOption,
    HandoverLevel,
    HoursOption,
    InputArgs,
    Lang,
    MinGroupOption,
    Period,
    SourceArgs,
    TargetDaysOption,
    TargetsFileOption,
    TopOption,
    input_options,
    read_options,
    source_options,
)
from .analyze import LogPaths
from .filter_options import FilterOption

PANEL = "Explorer"
TOKEN_ENV = "PROCESSMINING_EXPLORE_TOKEN"

PortOption = Annotated[int, typer.Option("--port", min=0, max=65535, metavar="N", rich_help_panel=PANEL,
                                         help="Port to listen on (0: any free port).")]
HostOption = Annotated[str, typer.Option(
    "--host", metavar="H", rich_help_panel=PANEL,
    help="Address to listen on. Anything but loopback (e.g. 0.0.0.0) requires an access token on every request: "
         f"taken from ${TOKEN_ENV}, else generated and printed in the address.")]
OpenOption = Annotated[bool, typer.Option("--open", rich_help_panel=PANEL,
                                          help="Open the page in the default browser.")]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of the page and its exports: sv or en.")]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
@input_options()
@source_options()
def explore(
    log_paths: LogPaths = None,
    port: PortOption = 8050,
    host: HostOption = "127.0.0.1",
    open_browser: OpenOption = False,
    filters: FilterOption = None,
    calendar: CalendarOption = CalendarKind.se,
    hours: HoursOption = "08-17",
    clock_stop: ClockStopOption = None,
    target_days: TargetDaysOption = None,
    targets_file: TargetsFileOption = None,
    end_activity: EndActivityOption = None,
    top: TopOption = 10,
    min_group: MinGroupOption = 5,
    lang: LangOption = Lang.sv,
    *,
    inputs: InputArgs,
    sources: SourceArgs,
) -> None:
    """Explore LOG in the browser: the process map with sliders, filters, drill-down and exports.

    Reads LOG once (the same input options, pseudonymisation and calendar as analyze), then serves the page at
    http://127.0.0.1:PORT/ until Ctrl+C. The figures are analyze's figures for the filtered cases; --filter
    opens the page with these filters set.

    Several files are merged on their case key, or give --project (as analyze does).

    Example: processmining explore event_logs/demo.csv --profile demo --open
    """
    import uvicorn

    from ..explore import Explorer, ViewState, create_app, view_address
    from ..ingest.merge import open_sources
    from ._engine import EngineName
    from .analyze import analysis_options_of

    with library_errors():
        log = open_sources(log_paths or [], project=sources["project"], join_key=sources["join_key"],
                           strip_prefixes=sources["key_prefix"] or [], offsets=sources["clock_offset"] or [],
                           options=read_options(**inputs)).log
        options = analysis_options_of(dict(
            calendar=calendar, hours=hours, clock_stop=clock_stop, target_days=target_days, targets_file=targets_file,
            end_activity=end_activity, top=top, period=Period.month, activities=None, paths=None,
            handover_level=HandoverLevel.auto, min_group=min_group, candidates_config=None, by=None,
            engine=EngineName.local, scheduler=None, partitions=None))
        explorer = Explorer(log, options, lang=lang.value)
        state = ViewState(filters=tuple(filters or ()), lang=lang.value)
        explorer.view(state.filters)  # the first view analysed before the address is printed (and bad filters refused)
    token = None
    if not is_loopback(host):
        token = os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        err.print(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}; pass another --port "
                  "(0: any free port)", markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    bound = sock.getsockname()[1]
    address = view_address(host, bound, token, state if state.filters or state.lang != "sv" else None)
    typer.echo(address)
    err.print(f"explore {Path(log.source.path).name}: {log.n_cases} cases, {log.n_events} events at {address} "
              f"(Ctrl+C stops it){'; every request needs the token in this address' if token else ''}",
              markup=False, soft_wrap=True)
    if host in ("0.0.0.0", "::"):  # every interface: colleagues use this machine's name
        err.print(f"from other machines: {address.replace('127.0.0.1', socket.gethostname(), 1)}", markup=False,
                  soft_wrap=True)
    if open_browser:
        import webbrowser

        webbrowser.open(address)
    config = uvicorn.Config(create_app(explorer, token=token), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])

