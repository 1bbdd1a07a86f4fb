"""One check for every XML document the tool reads (XES logs, BPMN models, OCEL files): no DOCTYPE or entity.

A DOCTYPE or ENTITY declaration is how XML is made to expand entities without bound or to read local files
(XXE; PITFALLS.md: lxml 6.0 leaked files through parameter entities). Every reader runs
:func:`check_xml_safe` on the bytes before a parser sees them; a refused file gives one clear line.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UnreadableFileError

__all__ = ["check_xml_safe"]


def check_xml_safe(head: bytes, path: Path) -> None:
    """Refuse a document that declares a DOCTYPE, ENTITY or any other markup declaration.

    Looks for ``<!`` not followed by ``--`` (a comment) or ``[CDATA[``, in UTF-8, UTF-16 and UTF-32
    (NUL bytes between the characters are skipped). Call it on every block before a parser sees it. A
    ``<!DOCTYPE`` quoted inside a CDATA section is refused too: safe rather than sorry.

    Raises:
        UnreadableFileError: the bytes contain a markup declaration.
    """
    # "!" is rare in event logs and "<" is everywhere: look for the "!" (a fast memchr).
    bang = head.find(b"!")
    while bang >= 0:
        if head[max(bang - 4, 0) : bang].rstrip(b"\x00").endswith(b"<"):
            after = head[bang + 1 : bang + 40].replace(b"\x00", b"")
            if not after.startswith((b"--", b"[CDATA[")) and len(after) >= 2:
                shown = after[:7].decode("ascii", "replace")
                raise UnreadableFileError(
                    f"{path}: the XML declares a DOCTYPE or ENTITY ('<!{shown}...'), which is refused for safety "
                    "(entity expansion, external files); export the log again without a DTD"
                )
        bang = head.find(b"!", bang + 1)
