"""Text from the data, made safe for where it goes: one rule per destination, used at every point of output.

Activity names, unit names, case ids and column names come from files a case system (or an attacker)
wrote. Each destination has characters it cannot carry:

- :func:`visible` is the rule beneath the others: control characters (C0 except tab and newline, DEL,
  C1), lone surrogates and the non-characters U+FFFE/U+FFFF become a visible escape (``\\x1b``,
  ``\\u009b``), so a label stays recognisable and two labels that differed still differ.
- :func:`xml_text`: what XML 1.0 carries (GraphML, GEXF, BPMN, PNML, SVG, XLSX); the same escapes.
- :func:`dot_text`: a label inside a quoted DOT string (graphviz): the escapes above, then every
  backslash doubled, so that a name ending in ``\\`` does not swallow the closing quote and ``\\N`` or
  ``\\l`` are not read as graphviz's own escapes. (Quotes are escaped by the graphviz package.)
- :func:`dot_html`: a label inside a graphviz HTML-like label (``<...>``): the escapes, then HTML escaping.
- :func:`json_text`: JSON printed to a terminal (``--json``): ``json.dumps`` escapes C0 controls but leaves
  C1 controls (U+009B is a terminal's CSI) and the bidirectional controls raw; those become ``\\u009b``.
- :func:`terminal_text`: what may be written to a terminal: the escapes above and the bidirectional
  controls (U+202A-U+202E, U+2066-U+2069) shown as ``\\u202e``; tab and newline stay. (Rich's markup
  escaping does not touch ESC: ``[`` is its only concern.)

Hand-written because no library offers this one rule for all four destinations; it is a few regular
expressions.
"""

from __future__ import annotations

import html
import re

__all__ = ["dot_html", "dot_text", "json_text", "terminal_text", "visible", "xml_text"]

#: C0 controls except tab (9) and newline (10), DEL, C1 controls, surrogates, U+FFFE and U+FFFF.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: The above plus the bidirectional embedding, override and isolate controls (they reorder a terminal line).
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object) -> str:
    """``text`` with every control character shown as an escape: ``"a\\x1b[2Jb"`` for ``"a<ESC>[2Jb"``."""
    value = text if isinstance(text, str) else str(text)
    return _UNSAFE.sub(_escape, value) if _UNSAFE.search(value) else value


def xml_text(text: object) -> str:
    """Text that XML 1.0 can carry: the characters it forbids (and C1 controls) shown as escapes."""
    return visible(text)


def dot_text(text: object) -> str:
    """Text for a quoted DOT label: escapes made visible, backslashes doubled (a trailing ``\\`` stays text).

    A text that starts with ``<`` and ends with ``>`` is returned as graphviz's ``nohtml`` string: the graphviz
    package would otherwise pass it to ``dot`` as an HTML-like label (``<b>x</b>`` drawn bold, ``<>`` an error).
    """
    safe = visible(text).replace("\\", "\\\\")
    if safe.startswith("<") and safe.endswith(">"):
        import graphviz  # only here: the one third-party name this module uses

        return graphviz.nohtml(safe)
    return safe


def dot_html(text: object) -> str:
    """Text for a graphviz HTML-like label: escapes made visible, then ``<``, ``>``, ``&`` and quotes escaped."""
    return html.escape(visible(text))


def terminal_text(text: object) -> str:
    """Text that is safe to write to a terminal: no escape sequence, no bidirectional override, from the data."""
    value = text if isinstance(text, str) else str(text)
    return _TERMINAL_UNSAFE.sub(_escape, value) if _TERMINAL_UNSAFE.search(value) else value


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_text(document: str) -> str:
    """A JSON document (from ``json.dumps(..., ensure_ascii=False)``) with the characters a terminal would act
    on written as ``\\uXXXX`` escapes: still the same JSON (they occur only inside strings)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
