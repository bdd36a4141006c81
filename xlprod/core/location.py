"""Where a value lives in a workbook, rendered the way users and Excel write it."""

from __future__ import annotations

import re
from typing import NamedTuple

_PLAIN_SHEET = re.compile(r"^[^\W\d]\w*$")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_SHEET_CELL = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^!'\s]+))!(\$?[A-Za-z]{1,3}\$?\d{1,7})$")


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA (1-based, Excel style)."""
    if index < 1:
        raise ValueError(f"column index must be >= 1, got {index}")
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 1, AA -> 27."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + (ord(ch) - 64)
    return index


def cell_address(row: int, col: int) -> str:
    """(row 42, col 6) -> F42, both 1-based."""
    return f"{column_letter(col)}{row}"


def split_cell(ref: str) -> tuple[int, int] | None:
    """``F42`` or ``$F$42`` -> (row 42, col 6); None for anything that is not one cell."""
    m = _CELL.match(ref.strip())
    return (int(m.group(2)), column_index(m.group(1))) if m else None


def split_range(ref: str) -> tuple[int, int, int, int] | None:
    """``A5:P244`` -> (first row, first col, last row, last col); one cell is a range of one."""
    first, _, last = ref.partition(":")
    a, b = split_cell(first), split_cell(last or first)
    if a is None or b is None:
        return None
    return a[0], a[1], b[0], b[1]


def parse_cell_ref(text: str) -> tuple[str, str, int, int] | None:
    """A defined name's one-cell reference: ``'Paramètres'!$C$6`` -> (sheet, "C6", row 6, col 3)."""
    m = _SHEET_CELL.match(text.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    row, col = split_cell(m.group(3)) or (0, 0)
    return sheet, cell_address(row, col), row, col


def quote_sheet(name: str) -> str:
    """Quote a sheet name as Excel does in a reference when it is not a plain word."""
    if _PLAIN_SHEET.match(name):
        return name
    return "'" + name.replace("'", "''") + "'"


class Location(NamedTuple):
    """A place in a workbook: file, sheet and cell or range, any of which may be unknown.

    A plain dataclass: every command makes thousands, and none needs validating (a model would
    also load pydantic before any command could start).
    """

    book: str | None = None
    sheet: str | None = None
    cell: str | None = None
    name: str | None = None  # a defined name that refers to a cell: it follows the cell when rows move

    def __str__(self) -> str:
        place = self.cell or self.name
        parts = [p for p in (self.book, quote_sheet(self.sheet) if self.sheet else None, place) if p]
        return "!".join(parts)

    def in_book(self) -> str:
        """The reference without the file name, usable as an Excel hyperlink target."""
        if self.name:
            return self.name
        if not self.sheet:
            return ""
        return f"{quote_sheet(self.sheet)}!{self.cell or 'A1'}"

    def at(self, cell: str) -> Location:
        return Location(book=self.book, sheet=self.sheet, cell=cell)

    def in_sheet(self) -> Location:
        """The same place without the file's name: a message shown inside the workbook itself."""
        return Location(sheet=self.sheet, cell=self.cell, name=self.name)
