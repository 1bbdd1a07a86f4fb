"""Broken, disguised or unsafe files: exit code 1 and one line naming the file, never a traceback."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from processmining.errors import UnreadableFileError
from processmining.ingest import read_log

from ._util import run

XES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
    + "".join(
        f'<trace><string key="concept:name" value="c{i}"/>'
        '<event><string key="concept:name" value="a"/>'
        f'<date key="time:timestamp" value="2020-01-0{1 + i % 9}T10:00:00+01:00"/></event>'
        "</trace>\n"
        for i in range(4000)
    )
    + "</log>\n"
)


def _junk(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 40)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _header_only(path: Path) -> None:
    path.write_text("Ärende;Aktivitet;Tidpunkt\n", encoding="utf-8")


def _truncated_xes_gz(path: Path) -> None:
    data = gzip.compress(XES.encode())
    path.write_bytes(data[: len(data) // 2])


def _truncated_csv_gz(path: Path) -> None:
    text = "Ärende;Aktivitet;Tidpunkt\n" + "".join(f"D{i};Beslut;2025-01-02 10:{i % 60:02d}\n" for i in range(30000))
    data = gzip.compress(text.encode())
    path.write_bytes(data[: len(data) // 2])


def _zip(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("notes.txt", "not a workbook")
    path.write_bytes(buffer.getvalue())


def _corrupt_xlsx(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types")
        zf.writestr("xl/workbook.xml", "garbage")
    path.write_bytes(buffer.getvalue())


def _encrypted_xlsx(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


def _doctype_xes(path: Path) -> None:
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                    '<log><trace><string key="concept:name" value="&x;"/></trace></log>\n', encoding="utf-8")


def _unknown(path: Path) -> None:
    path.write_text("Ärende;Aktivitet;Tidpunkt\nD1;Beslut;2025-01-02\n", encoding="utf-8")


def _xml_named_csv(path: Path) -> None:
    path.write_text(XES, encoding="utf-8")


CASES: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "binary junk named .csv": ("junk.csv", _junk, "binary"),
    "empty file": ("empty.csv", _empty, "empty"),
    "header only": ("header.csv", _header_only, "no data rows"),
    "truncated xes.gz": ("cut.xes.gz", _truncated_xes_gz, "truncated"),
    "truncated csv.gz": ("cut.csv.gz", _truncated_csv_gz, "truncated"),
    "zip named .xlsx": ("archive.xlsx", _zip, "not an Excel workbook"),
    "zip named .csv": ("archive.csv", _zip, "zip archive"),
    "corrupt xlsx": ("corrupt.xlsx", _corrupt_xlsx, "not a readable Excel workbook"),
    "encrypted xlsx": ("locked.xlsx", _encrypted_xlsx, "password-protected"),
    "XES with a DOCTYPE": ("xxe.xes", _doctype_xes, "DOCTYPE"),
    "unknown extension": ("export.foo", _unknown, "unknown file type"),
    "XML named .csv": ("log.csv", _xml_named_csv, "XML"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_file_gives_one_line_and_exit_1(case: str, tmp_path: Path) -> None:
    name, build, words = CASES[case]
    path = tmp_path / name
    build(path)
    result = run("validate", path)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert message.count("\n") == 0, message
    assert name in message
    assert words.lower() in message.lower()
    assert "root:" not in message  # no file contents leak (the XXE target)


def test_missing_file(tmp_path: Path) -> None:
    result = run("validate", tmp_path / "nowhere.csv")
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_library_raises_unreadable_file_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    _junk(path)
    with pytest.raises(UnreadableFileError, match="junk.csv"):
        read_log(path)
