"""The explorer's view as its address: every filter, slider and selection in the query string.

A reload or a link sent to a colleague opens the same view because the page is drawn from nothing but
the address. :func:`parse_state` reads a query and refuses what it does not know (an unknown parameter, a
malformed filter, a slider out of range) with a :class:`BadRequest` that the app shows as a 400 page.

    f=attribute:program=Exportcheck&f=started:2024-01-01..2025-01-01&act=80&paths=60&mode=waiting
      &path=Bedömning→Beslut fattat&case=TVV 2024-000123&lang=en
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from ..errors import ConfigError
from ..filters import FilterSpec, parse_filter

__all__ = ["PARAMETERS", "BadRequest", "ViewState", "parse_state"]

#: The query parameters of a view (the token, where one is required, is read by the app before this).
PARAMETERS = ("f", "act", "paths", "mode", "path", "activity", "case", "lang", "token")
MODES = ("frequency", "waiting")
_MAX_FILTERS = 30
_MAX_TEXT = 2000


class BadRequest(ConfigError):
    """A request the explorer cannot answer as asked (shown as a 4xx page with this message)."""

    status = 400


class NotFound(BadRequest):
    """The request names a case, activity or path the filtered log does not have."""

    status = 404


@dataclass(frozen=True, slots=True)
class ViewState:
    """What the page shows.

    Attributes:
        filters: the case filters, in order (text as :func:`processmining.filters.parse_filter` reads it).
        activities: the activities slider, % of events covered (``None``: the reports' default).
        paths: the paths slider, % of transitions covered (``None``: the reports' default).
        mode: ``"frequency"`` or ``"waiting"`` (the map's numbers).
        path: the path drilled into, ``(from, to)``.
        activity: the activity drilled into.
        case: the case whose timeline is shown.
        lang: ``"sv"`` or ``"en"``.
    """

    filters: tuple[str, ...] = ()
    activities: float | None = None
    paths: float | None = None
    mode: str = "frequency"
    path: tuple[str, str] | None = None
    activity: str | None = None
    case: str | None = None
    lang: str = "sv"

    @property
    def specs(self) -> tuple[FilterSpec, ...]:
        return tuple(parse_filter(f) for f in self.filters)

    def pairs(self, *, selection: bool = True) -> list[tuple[str, str]]:
        """The query as (name, value) pairs; ``selection=False`` leaves out the drill-down."""
        out = [("f", f) for f in self.filters]
        if self.activities is not None:
            out.append(("act", f"{self.activities:g}"))
        if self.paths is not None:
            out.append(("paths", f"{self.paths:g}"))
        if self.mode != "frequency":
            out.append(("mode", self.mode))
        if selection:
            if self.path is not None:
                out.append(("path", f"{self.path[0]}→{self.path[1]}"))
            if self.activity is not None:
                out.append(("activity", self.activity))
            if self.case is not None:
                out.append(("case", self.case))
        if self.lang != "sv":
            out.append(("lang", self.lang))
        return out

    def query(self, **changes: Any) -> str:
        """``?...`` of this view with ``changes`` (fields of :class:`ViewState`) made."""
        state = replace(self, **changes) if changes else self
        text = urlencode(state.pairs())
        return f"?{text}" if text else "?"

    def select(self, **what: Any) -> str:
        """The address of this view with one drill-down selected (the others cleared)."""
        return self.query(**{"path": None, "activity": None, "case": None, **what})


def _one(values: Sequence[str], name: str) -> str:
    if len(values) > 1:
        raise BadRequest(f"parameter {name!r} is given {len(values)} times; give it once")
    value = values[0]
    if len(value) > _MAX_TEXT:
        raise BadRequest(f"parameter {name!r} is too long")
    return value


def _percent(text: str, name: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError as exc:
        raise BadRequest(f"{name}={text!r}: give a percentage between 1 and 100") from exc
    if not 1 <= value <= 100:
        raise BadRequest(f"{name}={text!r}: give a percentage between 1 and 100")
    return value


def parse_state(query: Mapping[str, Sequence[str]]) -> ViewState:
    """The view an address asks for.

    Args:
        query: every parameter with its values (as ``parse_qs`` or Starlette's ``multi_items`` give them).

    Raises:
        BadRequest: an unknown parameter, a malformed filter, a slider outside 1-100, an unknown mode or
            language (the filters' names are checked against the log when the view is drawn).
    """
    unknown = sorted(k for k in query if k not in PARAMETERS)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]!r}; the address may hold {', '.join(PARAMETERS[:-1])}")
    filters = tuple(query.get("f", ()))
    if len(filters) > _MAX_FILTERS:
        raise BadRequest(f"at most {_MAX_FILTERS} filters")
    for text in filters:
        if len(text) > _MAX_TEXT:
            raise BadRequest("a filter is too long")
        try:
            parse_filter(text)
        except ConfigError as exc:
            raise BadRequest(str(exc)) from exc
    state: dict[str, Any] = {"filters": filters}
    if "act" in query:
        state["activities"] = _percent(_one(query["act"], "act"), "act")
    if "paths" in query:
        state["paths"] = _percent(_one(query["paths"], "paths"), "paths")
    if "mode" in query:
        mode = _one(query["mode"], "mode")
        if mode not in MODES:
            raise BadRequest(f"mode={mode!r}: choose frequency or waiting")
        state["mode"] = mode
    if "lang" in query:
        lang = _one(query["lang"], "lang")
        if lang not in ("sv", "en"):
            raise BadRequest(f"lang={lang!r}: choose sv or en")
        state["lang"] = lang
    if "path" in query:
        text = _one(query["path"], "path").replace("->", "→")
        a, sep, b = text.partition("→")
        if not sep or not a.strip() or not b.strip():
            raise BadRequest(f"path={text!r}: write the path as FROM→TO")
        state["path"] = (a.strip(), b.strip())
    for name in ("activity", "case"):
        if name in query:
            value = _one(query[name], name).strip()
            if not value:
                raise BadRequest(f"{name} is empty")
            state[name] = value
    return ViewState(**state)
