"""The explorer's web app (Starlette): the page, the filter forms, the exports and the static assets.

Routes: ``/`` (the page of the view in the address), ``/add`` (a filter form: composes the filter and
redirects to the page's address), ``/export/bottlenecks.xlsx``, ``/export/report.html``,
``/export/events.csv`` (the view's filtered cases, written by the reports' own writers) and
``/static/*``. Every answer carries a Content-Security-Policy that allows only the app's own script and
style; a bad request is a 4xx page with the reason, never a traceback.
"""

from __future__ import annotations

import hmac
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import ProcessMiningError
from .page import error_page, render_page
from .session import Explorer
from .state import BadRequest, ViewState, parse_state

__all__ = ["CSP", "TOKEN_COOKIE", "create_app"]

STATIC = Path(__file__).with_name("static")
#: Only the app's own script and style; no inline script, no other origin, no framing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
TOKEN_COOKIE = "processmining_explore_token"
_HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
            "x-frame-options": "DENY", "cache-control": "no-store"}


class _Guard:
    """ASGI middleware: the security headers on every answer, and the token check where one is set.

    The token is accepted as ``?token=`` (the address printed at start-up; it is then kept in a cookie
    for the page's own links), as the cookie, or as ``Authorization: Bearer``.
    """

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app, self.token = app, token

    def _given(self, request: Request) -> tuple[bool, bool]:
        """(valid, from the query)."""
        assert self.token is not None
        candidates = [(request.query_params.get("token"), True), (request.cookies.get(TOKEN_COOKIE), False)]
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            candidates.append((auth[7:].strip(), False))
        for value, from_query in candidates:
            if value and hmac.compare_digest(value.encode("utf-8"), self.token.encode("utf-8")):
                return True, from_query
        return False, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        set_cookie = False
        if self.token is not None:
            ok, set_cookie = self._given(Request(scope))
            if not ok:
                response = PlainTextResponse(
                    "401: this explorer needs its access token: open the address that `processmining explore` "
                    "printed (it ends in ?token=...)", status_code=401, headers=_HEADERS)
                await response(scope, receive, send)
                return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode("latin-1").lower() not in _HEADERS]
                headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in _HEADERS.items()]
                if set_cookie:
                    headers.append((b"set-cookie", f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; "
                                    "SameSite=Strict".encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


_EVENT_FILES = {"events.csv": "text/csv; charset=utf-8", "events.parquet": "application/vnd.apache.parquet",
                "events.xes": "application/xml"}


def _query(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for key, value in request.query_params.multi_items():
        if key != "token":
            out[key].append(value)
    return dict(out)


def _lang_of(request: Request, default: str) -> str:
    lang = request.query_params.get("lang", default)
    return lang if lang in ("sv", "en") else default


def _fail(exc: ProcessMiningError, request: Request, default_lang: str) -> HTMLResponse:
    status = getattr(exc, "status", 400)
    return HTMLResponse(error_page(str(exc), status, _lang_of(request, default_lang)), status_code=status)


def _state(request: Request, explorer: Explorer) -> ViewState:
    query = _query(request)
    state = parse_state(query)
    if "lang" not in query and explorer.lang != "sv":
        from dataclasses import replace

        state = replace(state, lang=explorer.lang)
    return state


def _escape_bar(value: str) -> str:
    return value.replace("|", "\\|")


def compose_filter(form: dict[str, list[str]]) -> list[str]:
    """The filter(s) a filter form asks for, as text (several for a case-attribute form spanning columns).

    Raises:
        BadRequest: an unknown form, or a form left empty.
    """
    def one(name: str) -> str:
        values = form.get(name) or [""]
        return values[0].strip()

    kind = one("kind")
    prefix = "not:" if one("keep") == "remove" else ""
    values = [v for v in form.get("value", []) if v.strip()]
    if kind == "time":
        mode = one("window") or "started"
        if mode not in ("started", "ended", "active", "within"):
            raise BadRequest("time window: choose started, ended, active or within")
        if not one("from") and not one("to"):
            raise BadRequest("time window: give a from date, a to date or both")
        return [f"{prefix}{mode}:{one('from')}..{one('to')}"]
    if kind in ("unit", "passes", "state", "endpoint", "attribute") and not values:
        raise BadRequest(f"filter {kind}: choose at least one value")
    if kind == "attribute":
        by_column: dict[str, list[str]] = defaultdict(list)
        for value in values:
            column, sep, text = value.partition("=")
            if not sep:
                raise BadRequest(f"attribute value {value!r}: expected COLUMN=VALUE")
            by_column[column].append(_escape_bar(text))
        return [f"{prefix}attribute:{c}={'|'.join(v)}" for c, v in by_column.items()]
    if kind in ("unit", "passes"):
        return [f"{prefix}{kind}:{'|'.join(_escape_bar(v) for v in values)}"]
    if kind == "endpoint":
        which = one("which")
        if which not in ("starts", "ends"):
            raise BadRequest("start or end activity: choose starts or ends")
        return [f"{prefix}{which}:{'|'.join(_escape_bar(v) for v in values)}"]
    if kind == "state":
        return [f"{prefix}state:{values[0]}"]
    if kind == "top-variants":
        return [f"{prefix}top-variants:{one('n')}"]
    if kind == "throughput":
        if not one("min") and not one("max"):
            raise BadRequest("throughput: give a minimum, a maximum or both")
        return [f"{prefix}throughput:{one('min')}..{one('max')}"]
    if kind == "follows":
        kind_text = "directly-follows" if one("directly") else "follows"
        return [f"{prefix}{kind_text}:{one('a')}=>{one('b')}"]
    raise BadRequest(f"unknown filter form {kind!r}")


def create_app(explorer: Explorer, *, token: str | None = None) -> Starlette:
    """The web app over one :class:`Explorer`.

    Args:
        explorer: the loaded log and its analysis options.
        token: where set, every request must carry it (``?token=``, the cookie set from it, or
            ``Authorization: Bearer``); refused with 401 otherwise. Without one, only requests addressed to
            this machine's loopback names (``127.0.0.1``, ``localhost``, ``[::1]``) are answered.
    """

    def page(request: Request) -> Response:
        try:
            state = _state(request, explorer)
            return HTMLResponse(render_page(explorer, state))
        except ProcessMiningError as exc:
            return _fail(exc, request, explorer.lang)

    def add(request: Request) -> Response:
        form: dict[str, list[str]] = defaultdict(list)
        for key, value in request.query_params.multi_items():
            form[key].append(value)
        state_keys = {"f", "act", "paths", "mode", "lang"}
        try:
            state = parse_state({k: v for k, v in form.items() if k in state_keys})
            added = compose_filter(dict(form))
            new = parse_state({**{k: v for k, v in form.items() if k in state_keys},
                               "f": [*state.filters, *added]})
            explorer.view(new.filters)  # a filter that names what the log lacks is refused here, on its form
        except ProcessMiningError as exc:
            return _fail(exc, request, explorer.lang)
        return RedirectResponse("/" + new.query(), status_code=303)

    def export(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            state = _state(request, explorer)
            view = explorer.view(state.filters)
            if name in _EVENT_FILES:
                fmt = name.rsplit(".", 1)[1]
                return Response(explorer.run(lambda: explorer.events_file(view, fmt)), media_type=_EVENT_FILES[name],
                                headers={"content-disposition": f'attachment; filename="{name}"'})
            if name not in ("bottlenecks.xlsx", "report.html"):
                raise BadRequest(f"no export {name!r}; choose bottlenecks.xlsx, report.html, events.csv, "
                                 "events.parquet or events.xes")
            data = explorer.run(lambda: _write_report(explorer, view, state, name))
        except ProcessMiningError as exc:
            return _fail(exc, request, explorer.lang)
        media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if name.endswith(".xlsx")
                 else "text/html; charset=utf-8")
        return Response(data, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})

    def not_found(request: Request, exc: Exception) -> Response:
        return HTMLResponse(error_page(f"no page {request.url.path!r}", 404, _lang_of(request, explorer.lang)),
                            status_code=404)

    def method_not_allowed(request: Request, exc: Exception) -> Response:
        return HTMLResponse(error_page("only GET requests are answered", 405, _lang_of(request, explorer.lang)),
                            status_code=405)

    def server_error(request: Request, exc: Exception) -> Response:
        return HTMLResponse(error_page("internal error: the explorer could not answer (see its terminal)", 500,
                                       _lang_of(request, explorer.lang)), status_code=500)

    routes = [Route("/", page), Route("/add", add), Route("/export/{name}", export),
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: method_not_allowed,
                                                       500: server_error})
    if token is None:
        # Without a token only this machine may look: a page elsewhere that points its own host name at
        # 127.0.0.1 (DNS rebinding) would otherwise read the explorer through the visitor's browser.
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]", "::1"])
    app.add_middleware(_Guard, token=token)
    return app


def _write_report(explorer: Explorer, view: Any, state: ViewState, name: str) -> bytes:
    """The view's workbook or page, written by ``analyze``'s own writer into a temporary folder."""
    from ..analysis import analyze_log
    from ..reports import write_reports

    analysis = analyze_log(view.log, explorer.options_for(state))
    with tempfile.TemporaryDirectory(prefix="explore-") as folder:
        write_reports(analysis, folder, lang=state.lang, excel=name == "bottlenecks.xlsx",
                      html=name == "report.html", maps=True)
        return (Path(folder) / name).read_bytes()


def view_address(host: str, port: int, token: str | None, state: ViewState | None = None) -> str:
    """The address to open (with the token where one is needed)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    pairs = state.pairs() if state is not None else []
    if token:
        pairs.append(("token", token))
    query = f"?{urlencode(pairs)}" if pairs else ""
    return f"http://{shown}:{port}/{query}"
