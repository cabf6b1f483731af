"""The one CSV writer of the appliance: every table it exports goes through here.

Tables open in Excel (UTF-8 with a BOM, «;» between cells). A text cell that starts with
= + - @, a tab or a carriage return would run as a formula in a spreadsheet: it gets a leading
apostrophe, which shows the text as it is. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: object) -> object:
    """The cell as a spreadsheet may safely read it."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        return "'" + text if text.startswith(FORMULA_STARTS) else text
    return value


# How a table can be saved for people: UTF-8 with a BOM (Excel of any year, LibreOffice) or Windows-1251
# (what Excel on Windows writes and reads as plain «CSV»).
ENCODINGS = ("utf-8", "cp1251")


def csv_bytes(rows: Iterable[Iterable[object]], encoding: str = "utf-8") -> bytes:
    """The table as a file in one of ENCODINGS; a character Windows-1251 lacks becomes «?»."""
    text = csv_table(rows)
    if encoding == "utf-8":
        return text.encode("utf-8")
    if encoding == "cp1251":
        return text.removeprefix("\ufeff").encode("cp1251", errors="replace")
    raise ValueError(f"unknown encoding {encoding}")


def csv_table(rows: Iterable[Iterable[object]]) -> str:
    """Rows (an empty row for a blank line) as CSV text for Excel."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    for row in rows:
        writer.writerow([neutral(cell) for cell in row])
    return out.getvalue()
