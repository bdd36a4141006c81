"""A stand-in for a book open in Excel, returning what xlwings and Excel really return.

Modelled on xlwings 0.37.8 (``main.py``, ``_xlwindows.py``) and Excel's object model:
- ``Range.value``: a scalar for one cell, a flat list for one row or one column, rows of values
  otherwise; ``options(ndim=2)`` always gives rows;
- ``Range.formula`` is COM's ``Range.Formula``: a string for one cell, a tuple of row tuples for
  several; a constant reads as its text, a blank cell as ``""``; structured references come in the
  formula-bar form (``[@Quantité]``, ``[@[Taux unitaire]]``), never the file form;
- ``Table.data_body_range`` is None when every row was deleted;
- ``Names[name]`` raises for an unknown name.
Every write is recorded, so tests can count the calls a real Excel would receive.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl

from xlprod.core.location import column_index, split_cell
from xlprod.workbook.xlsx_file import XlsxFile


def formula_bar_form(formula: str, table: str | None) -> str:
    """What Excel shows for a formula of a cell of ``table``: ``Devis[[#This Row],[X]]`` -> ``[@X]``."""
    def short(m: re.Match[str]) -> str:
        if table is None or m.group(1) != table:
            return m.group(0)
        col = m.group(2)
        return f"[@{col}]" if re.fullmatch(r"\w+", col) else f"[@[{col}]]"
    return re.sub(r"(\w+)\[\[#This Row\],\[([^\]]+)\]\]", short, formula)


def entered(value: object) -> object:
    """What a General-format cell holds after ``Range.Value = value``: Excel parses text that reads
    as a number (``"241"`` becomes 241), and keeps as text what follows an apostrophe prefix."""
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:]
        try:
            return float(value.replace(" ", "").replace(",", ".")) if value.strip() else value
        except ValueError:
            return value
    return value


class FakeApp:
    def __init__(self) -> None:
        self.screen_updating = True
        self.calculation = "automatic"
        self.status_bar = False
        self.alerts: list[tuple[str, str]] = []
        self.states_during_writes: list[tuple[bool, str]] = []

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None,
              callback: str | None = None) -> str:
        self.alerts.append((title or "", prompt))
        return "ok"


class _Count:
    def __init__(self, n: int) -> None:
        self.count = n


class FakeRange:
    def __init__(self, sheet: FakeSheet, r1: int, c1: int, r2: int, c2: int, ndim: int | None = None) -> None:
        self.sheet, self.r1, self.c1, self.r2, self.c2, self.ndim = sheet, r1, c1, r2, c2, ndim
        self.row, self.column = r1, c1
        self.columns, self.rows = _Count(c2 - c1 + 1), _Count(r2 - r1 + 1)

    def options(self, ndim: int | None = None, **_: object) -> FakeRange:
        return FakeRange(self.sheet, self.r1, self.c1, self.r2, self.c2, ndim)

    def _keys(self) -> list[list[tuple[int, int]]]:
        return [[(r, c) for c in range(self.c1, self.c2 + 1)] for r in range(self.r1, self.r2 + 1)]

    def _shape(self, grid: list[list[object]]) -> object:
        if self.ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        if len(grid) == 1:
            return grid[0]
        if len(grid[0]) == 1:
            return [r[0] for r in grid]
        return grid

    @property
    def value(self) -> object:
        return self._shape([[self.sheet.values.get(k) for k in row] for row in self._keys()])

    @value.setter
    def value(self, data: object) -> None:
        self.sheet.book.record(self.sheet, "value", (self.r1, self.c1))
        for key, v in self._spread(data):
            self.sheet.values[key] = entered(v)
            self.sheet.formulas.pop(key, None)

    @property
    def formula(self) -> object:
        def text(key: tuple[int, int]) -> str:
            if key in self.sheet.formulas:
                return self.sheet.formulas[key]
            v = self.sheet.values.get(key)
            if v is None:
                return ""
            return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        grid = [tuple(text(k) for k in row) for row in self._keys()]
        return grid[0][0] if len(grid) == 1 and len(grid[0]) == 1 else tuple(grid)

    @formula.setter
    def formula(self, data: object) -> None:
        self.sheet.book.record(self.sheet, "formula", (self.r1, self.c1))
        for key, f in self._spread(data):
            if isinstance(f, str) and f.startswith("="):
                self.sheet.formulas[key] = formula_bar_form(f, self.sheet.table_at(key))
            else:
                self.sheet.formulas.pop(key, None)
                self.sheet.values[key] = f

    def _spread(self, data: object) -> list[tuple[tuple[int, int], object]]:
        keys = self._keys()
        if not isinstance(data, list | tuple):
            return [(k, data) for row in keys for k in row]
        rows = data if data and isinstance(data[0], list | tuple) else [data]
        assert len(rows) == len(keys) and all(len(r) == len(k) for r, k in zip(rows, keys, strict=True)), "shape"
        return [(k, v) for krow, vrow in zip(keys, rows, strict=True) for k, v in zip(krow, vrow, strict=True)]

    def clear_contents(self) -> None:
        self.sheet.book.record(self.sheet, "clear", (self.r1, self.c1))
        for store in (self.sheet.values, self.sheet.formulas):
            for key in [k for k in store if self.r1 <= k[0] <= self.r2 and self.c1 <= k[1] <= self.c2]:
                del store[key]

    def add_hyperlink(self, address: str, text_to_display: object = None, screen_tip: str | None = None) -> None:
        self.sheet.links.append(address)

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self.sheet, self.r2, self.c2, self.r2, self.c2)


class FakeTable:
    def __init__(self, sheet: FakeSheet, name: str, ref: str) -> None:
        first, last = (split_cell(p) for p in ref.split(":"))
        assert first and last
        self.name, self.sheet, self.first, self.last = name, sheet, first, last
        self.show_totals = False  # xlwings' Table.show_totals: the « Total » row switched on

    def resize(self, rng: FakeRange) -> None:  # xlwings' Table.resize(range): the table's new extent
        self.first, self.last = (rng.r1, rng.c1), (rng.r2, rng.c2)

    @property
    def header_row_range(self) -> FakeRange:
        return FakeRange(self.sheet, self.first[0], self.first[1], self.first[0], self.last[1])

    @property
    def data_body_range(self) -> FakeRange | None:
        if self.last[0] == self.first[0]:
            return None
        return FakeRange(self.sheet, self.first[0] + 1, self.first[1], self.last[0], self.last[1])


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.values: dict[tuple[int, int], object] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self.tables: list[FakeTable] = []
        self.links: list[str] = []

    def table_at(self, key: tuple[int, int]) -> str | None:
        for t in self.tables:
            if t.first[0] < key[0] <= t.last[0] and t.first[1] <= key[1] <= t.last[1]:
                return t.name
        return None

    def range(self, a: object, b: object = None) -> FakeRange:
        if b is not None:  # sheet.range((r1, c1), (r2, c2))
            (r1, c1), (r2, c2) = a, b  # type: ignore[misc]
            return FakeRange(self, r1, c1, r2, c2)
        if isinstance(a, tuple):
            return FakeRange(self, a[0], a[1], a[0], a[1])
        text = str(a)
        if re.fullmatch(r"\d+:\d+", text):
            r1, r2 = map(int, text.split(":"))
            return FakeRange(self, r1, 1, r2, 16384)
        first, _, last = text.partition(":")
        p1, p2 = split_cell(first), split_cell(last or first)
        assert p1 and p2, text
        return FakeRange(self, p1[0], p1[1], p2[0], p2[1])

    @property
    def used_range(self) -> FakeRange:
        keys = list(self.values) + list(self.formulas)
        return FakeRange(self, 1, 1, max((r for r, _ in keys), default=1), max((c for _, c in keys), default=1))


class _Name:
    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.refers_to = text if text.startswith("=") else "=" + text


class _Names(dict):
    """xlwings' ``Names``: indexed by name, iterated as ``Name`` objects, ``add(name, refers_to)``."""

    def __getitem__(self, key: str) -> _Name:
        if key not in self:
            raise KeyError(f"No name {key!r}")  # as xlwings does through COM
        return dict.__getitem__(self, key)

    def __iter__(self):  # type: ignore[override]
        return iter(list(self.values()))

    def add(self, name: str, refers_to: str) -> _Name:  # Excel's Names.Add replaces a name of the same scope
        self[name] = _Name(name, refers_to)
        return self[name]


class _Sheets(dict):
    """xlwings' ``Sheets``: indexed by name, iterated as sheets, ``add(name, before, after)``."""

    def __init__(self, book: FakeBook, sheets: dict[str, FakeSheet]) -> None:
        super().__init__(sheets)
        self.book = book

    def __iter__(self):  # type: ignore[override]
        return iter(list(self.values()))

    def add(self, name: str | None = None, before: object = None, after: object = None) -> FakeSheet:
        assert name and name not in self, name
        self[name] = FakeSheet(self.book, name)
        return self[name]


class FakeBook:
    """A book as Excel holds it after opening ``path``: values, formulas in formula-bar form, tables."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.app = FakeApp()
        self.writes: list[tuple[str, str, tuple[int, int], bool, str]] = []
        f = XlsxFile(path)
        self.names = _Names({k: _Name(k, v) for k, v in f.package.defined_names().items()})
        self.sheets = _Sheets(self, {s: FakeSheet(self, s) for s in f.package.sheet_parts()})
        for name, sheet in self.sheets.items():
            for r, row in enumerate(f._grid(name), start=1):
                for c, v in enumerate(row, start=1):
                    if v != "":
                        sheet.values[(r, c)] = v
        for t in f.package.tables().values():
            self.sheets[t.sheet].tables.append(FakeTable(self.sheets[t.sheet], t.name, t.ref))
        wb = openpyxl.load_workbook(path)  # formulas as stored in the file, shown the way Excel shows them
        for ws in wb.worksheets:
            sheet = self.sheets[ws.title]
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        key = (cell.row, column_index(cell.column_letter))
                        sheet.formulas[key] = formula_bar_form(cell.value, sheet.table_at(key))

    def record(self, sheet: FakeSheet, what: str, at: tuple[int, int]) -> None:
        self.writes.append((sheet.name, what, at, self.app.screen_updating, self.app.calculation))
