"""Making an SVG drawing safe and self-contained for inlining into a page: :func:`clean_svg`.

Only drawing elements are kept (no script, foreignObject, image, animation or foreign namespaces), event
attributes and links out of the document are removed, and every id is prefixed so that several drawings on
one page do not collide (their CSS scoped the same way). Used by :mod:`processmining.render.html` for the maps
and charts, and by the explorer.
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["clean_svg"]

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
#: Drawing elements kept by :func:`clean_svg`; anything else (script, foreignObject, image, animation,
#: metadata, elements in other namespaces) is removed with its content.
_SVG_ELEMENTS = frozenset({
    "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "textPath", "use", "symbol", "clipPath", "mask", "pattern", "linearGradient",
    "radialGradient", "stop", "marker", "style", "a",
})
_URL_REF = re.compile(r"url\(\s*(['\"]?)#([^)'\"\s]+)\1\s*\)")
#: A CSS ``url(...)`` that does not point into the document: replaced by ``none``.
_EXTERNAL_URL = re.compile(r"url\(\s*(?!['\"]?#)[^)]*\)", re.IGNORECASE)
_BAD_STYLE = re.compile(r"(javascript|vbscript)\s*:|expression\s*\(|@import|behavior\s*:|-moz-binding", re.IGNORECASE)


def clean_svg(svg: str, *, prefix: str, label: str, described_by: str | None = None) -> str:
    """SVG text made safe and unique for inline use in the page.

    Keeps only drawing elements (removes script, foreignObject, image, animation, metadata and anything
    outside the SVG namespace), drops event-handler attributes and links that point outside the document,
    and turns CSS ``url(...)`` that leave the document into ``none``; prefixes every id (and every ``#id``
    and ``url(#id)`` reference) with ``prefix`` so that several SVGs on one page never share an id; removes
    the fixed width and height (the page's CSS sizes it by its viewBox); and makes it an accessible image:
    ``role="img"``, ``aria-label``, a ``<title>`` as first child and ``aria-describedby`` when
    ``described_by`` is given. Text is escaped by lxml on output, so labels from the data stay text.

    Args:
        svg: an SVG document (graphviz or matplotlib output; an XML declaration and a DOCTYPE without an
            internal subset are allowed, entity declarations are not).
        prefix: the id prefix, also the root's id (letters, digits and ``-``).
        label: the accessible name (plain text, escaped here).
        described_by: id of the element describing the picture (e.g. its figcaption).

    Raises:
        ValueError: the text is not an SVG document or declares entities.
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", prefix):
        raise ValueError(f"SVG id prefix {prefix!r} must be letters, digits and '-'")
    text = re.sub(r"^\ufeff?\s*<\?xml[^>]*\?>", "", svg)
    if re.search(r"<!ENTITY|<!DOCTYPE[^>]*\[", text, re.IGNORECASE):
        raise ValueError("SVG with an entity declaration or internal DTD subset refused")
    text = re.sub(r"<!DOCTYPE[^>]*>", "", text, flags=re.IGNORECASE)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                             remove_pis=True, huge_tree=True)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not an SVG document: {exc}") from exc
    if root.tag != f"{{{_SVG}}}svg":
        raise ValueError(f"not an SVG document: the root element is {root.tag!r}")

    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        qname = etree.QName(el)
        if qname.namespace != _SVG or qname.localname not in _SVG_ELEMENTS:
            parent = el.getparent()
            if parent is not None:
                parent.remove(el)
    ids = {el.get("id"): f"{prefix}-{el.get('id')}" for el in root.iter() if isinstance(el.tag, str) and el.get("id")}

    def ref(match: re.Match[str]) -> str:
        return f"url(#{ids.get(match.group(2), match.group(2))})"

    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in list(el.attrib.items()):
            qname = etree.QName(name)
            local = qname.localname
            if qname.namespace not in (None, _XLINK) or local.lower().startswith("on"):
                del el.attrib[name]
                continue
            if local in ("href", "src"):
                if not value.startswith("#"):
                    del el.attrib[name]
                    continue
                el.set(name, f"#{ids.get(value[1:], value[1:])}")
                continue
            if local == "style":
                if _BAD_STYLE.search(value):
                    del el.attrib[name]
                    continue
                value = _EXTERNAL_URL.sub("none", value)
                el.set(name, value)
            if local == "id":
                el.set(name, ids[value])
            elif "url(" in value:
                el.set(name, _URL_REF.sub(ref, value))
        if etree.QName(el).localname == "style" and el.text:
            css = _EXTERNAL_URL.sub("none", el.text)
            el.text = _scope_css(_URL_REF.sub(ref, css), prefix)
    for name in ("width", "height", "x", "y"):
        root.attrib.pop(name, None)
    root.set("id", prefix)
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("focusable", "false")
    if described_by:
        root.set("aria-describedby", described_by)
    for old in root.findall(f"{{{_SVG}}}title"):
        root.remove(old)
    title = etree.Element(f"{{{_SVG}}}title")
    title.text = label
    root.insert(0, title)
    return str(etree.tostring(root, encoding="unicode"))


def _scope_css(css: str, prefix: str) -> str:
    """A stylesheet of an inline SVG limited to that SVG: every selector gets ``#prefix`` in front.

    Inline, a ``<style>`` in an SVG applies to the whole page (matplotlib writes ``*{stroke-linejoin: round}``).
    At-rules (``@import``, ``@media``, ...) and anything that could run or load are dropped.
    """
    if "@" in css or _BAD_STYLE.search(css):
        return ""
    rules = []
    for rule in css.split("}"):
        selectors, sep, body = rule.partition("{")
        if not sep or not selectors.strip():
            continue
        scoped = ", ".join(f"#{prefix} {sel.strip()}" for sel in selectors.split(",") if sel.strip())
        rules.append(f"{scoped}{{{body}}}")
    return "\n".join(rules)
