"""Reading a reference process model: a BPMN 2.0 file, checked for unsafe XML before pm4py parses it.

:func:`read_bpmn` gives pm4py's BPMN graph; :func:`processmining.analyses.models.reference_model` turns it
into the model that conformance checking replays the log on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._pm4py import pm4py
from ..errors import ConfigError, UnreadableFileError
from .safe_xml import check_xml_safe

__all__ = ["read_bpmn"]


def read_bpmn(path: str | Path) -> Any:
    """Read a BPMN 2.0 file into pm4py's BPMN graph.

    Raises:
        ConfigError: the file is missing, empty, unsafe (DOCTYPE/ENTITY) or not readable BPMN; the message
            names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: reference model not found")
    data = path.read_bytes()
    if not data.strip():
        raise ConfigError(f"{path}: the reference model is empty; export it again as BPMN 2.0 XML")
    try:
        check_xml_safe(data, path)
    except UnreadableFileError as exc:
        raise ConfigError(str(exc)) from exc
    pm = pm4py()
    try:
        return pm.read_bpmn(str(path))
    except Exception as exc:  # lxml syntax errors, pm4py's KeyError/AttributeError on unexpected markup
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{path}: not a readable BPMN 2.0 model ({first}); export it again from the "
                          "modelling tool as BPMN 2.0 XML") from exc
