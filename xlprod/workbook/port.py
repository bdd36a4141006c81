"""What an action needs from a workbook, whatever holds it: a file on disk or a book open in Excel."""

from __future__ import annotations

import re
from typing import Any, NamedTuple, Protocol

from xlprod.core.cells import evaluate_arithmetic
from xlprod.core.location import Location, cell_address, parse_cell_ref
from xlprod.workbook.sheetxml import Restored, SheetPatch

KIND_NAME = "XLPROD_TYPE"  # the defined name that says which kind of xlprod workbook a file is


_KIND_TEXT = re.compile(r'^=?\s*"([^"]*)"\s*$')


def kind_from_definition(text: str | None) -> str | None:
    """``="devis"`` (the defined name's formula, as files and Excel give it) -> ``devis``.

    Case does not matter (Excel compares text that way); anything that is not one quoted word
    comes back as written, so that the message shows what the name holds."""
    if not text or not text.strip():
        return None
    m = _KIND_TEXT.match(text.strip())
    return (m.group(1).strip().lower() or None) if m else text.strip()


class OutsideCell(NamedTuple):
    """A cell with content in a table's columns but outside its range (typed just below it)."""

    row: int
    col: int
    value: object
    formula: bool


_CONSTANT_TEXT = re.compile(r'^=?\s*"((?:[^"]|"")*)"\s*$')
_CONSTANT_NUMBER = re.compile(r"^=?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


def name_constant(text: str | None) -> float | str | None:
    """The value of a defined name that holds a constant (``=0.07``, ``10%``, ``(0.05*2)``,
    ``="2018"``), else None."""
    if not text:
        return None
    if m := _CONSTANT_NUMBER.match(text):
        return float(m.group(1))
    if m := _CONSTANT_TEXT.match(text):
        return m.group(1).replace('""', '"')
    body = text.strip().lstrip("=").strip()
    percent = body.endswith("%")
    value = evaluate_arithmetic(body.rstrip("%").strip() if percent else body)
    if value is None:
        return None
    return float(value / 100 if percent else value)


_ABSOLUTE_CELL = re.compile(r"!\$[A-Za-z]{1,3}\$\d{1,7}\s*$")


def name_target(text: str | None) -> tuple[str, object]:
    """What a defined name holds: ``("cell", (sheet, cell, row, col))``, ``("constant", value)``,
    ``("formula", text)``, ``("broken", text)`` (``#REF!``, or a relative reference, which moves
    with the cell that uses it) or ``("missing", None)``."""
    if not text or not text.strip():
        return "missing", None
    body = text.strip().lstrip("=").strip()
    if "#REF!" in body.upper():
        return "broken", body
    ref = parse_cell_ref(body)
    if ref is not None:
        return ("cell", ref) if _ABSOLUTE_CELL.search(body) else ("broken", body)
    constant = name_constant(body)
    if constant is not None:
        return "constant", constant
    return "formula", body


class RawTable:
    """An Excel Table as typed: header texts and raw cell values (str, float, bool, date or None).

    A plain class, as WritePlan and SheetPatch: the command line imports no dataclasses (0.4 ms
    each to create, and the module itself brings inspect and ast), a fifth of a short command's imports.
    """

    __slots__ = ("first_col", "header_row", "headers", "name", "rows", "sheet", "specials")

    def __init__(self, name: str, sheet: str, header_row: int, first_col: int, headers: list[str],
                 rows: list[list[Any]], specials: dict[tuple[int, int], Any] | None = None) -> None:
        self.name = name
        self.sheet = sheet
        self.header_row = header_row  # 1-based row of the headers; data starts below
        self.first_col = first_col  # 1-based column of the first header
        self.headers = headers
        self.rows = rows  # each as wide as the headers (padded with None if a reader left blanks out)
        # cells holding an Excel error or a formula never calculated, (row index, column index) -> marker
        self.specials: dict[tuple[int, int], Any] = {} if specials is None else specials
        width = len(headers)
        if rows and min(map(len, rows)) < width:
            rows[:] = [r if len(r) >= width else [*r, *[None] * (width - len(r))] for r in rows]

    def __repr__(self) -> str:
        return f"RawTable({self.name!r}, {self.sheet!r}, {self.header_row}, {self.first_col}, {len(self.rows)} rows)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawTable) and all(getattr(self, a) == getattr(other, a) for a in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable contents

    @property
    def ref(self) -> str:
        last_row = self.header_row + max(len(self.rows), 1)
        return f"{cell_address(self.header_row, self.first_col)}:{cell_address(last_row, self.first_col + len(self.headers) - 1)}"


class WritePlan:
    """Cell writes per sheet, plus the internal hyperlinks of sheets whose rows are rebuilt."""

    __slots__ = ("links", "sheets")

    def __init__(self, sheets: dict[str, SheetPatch] | None = None,
                 links: dict[str, list[tuple[str, str, str]]] | None = None) -> None:
        self.sheets: dict[str, SheetPatch] = {} if sheets is None else sheets
        self.links: dict[str, list[tuple[str, str, str]]] = {} if links is None else links

    def __repr__(self) -> str:
        return f"WritePlan(sheets={self.sheets!r}, links={self.links!r})"

    def sheet(self, name: str) -> SheetPatch:
        return self.sheets.setdefault(name, SheetPatch())


class WorkbookPort(Protocol):
    book_name: str

    def kind(self) -> str | None:
        """The workbook's kind (``devis``...), from its ``XLPROD_TYPE`` defined name."""

    def table(self, name: str) -> RawTable | None: ...

    def add_table_row(self, table: RawTable, values: list[object]) -> RawTable | None:
        """Append a row of values to the table if the sheet is empty just below it; the new table."""

    def add_table_rows(self, table: RawTable, rows: list[list[object]], fill_blank: bool = True,
                       plain: frozenset[str] = frozenset(), computed: frozenset[str] = frozenset(),
                       formulas: frozenset[str] = frozenset()) -> RawTable | None:
        """Append rows in one step if the sheet is empty below the table for as many rows; the new
        table. ``fill_blank``: a table whose only row is blank (a new one) takes the first there.
        ``plain``: headers of columns the rows give values for, whose calculated formula (one the user
        made) the new rows do not carry: xlprod reads them, and would read a formula it never calculates.
        ``computed``: headers of calculated columns whose value the rows give (the caller computed the
        formula): the new rows carry the formula with that value; where the table has no formula there
        (LibreOffice drops it on saving), nothing is written, for the recalculation to put it back.
        ``formulas``: headers of the columns the kind fills with formulas: a new table's only row holding
        formulas there alone is blank (another formula in it is the user's: the rows go below)."""

    def refresh(self) -> None:
        """Read again what this action wrote, before another action reads the workbook."""

    def add_table_column(self, table: RawTable, header: str, formula: str | None) -> RawTable | None:
        """Append a computed column on the table's right if the sheet is empty there; the new table."""

    def cells_below(self, table: RawTable) -> list[OutsideCell]:
        """Non-empty cells in the table's columns below its last row."""

    def named_cell(self, name: str) -> tuple[object, Location] | None:
        """Value and location of the single cell a defined name points to; for a name holding a
        constant, its value and the name itself as location (sheet None)."""

    def defined_names(self) -> dict[str, str]:
        """Workbook-scope defined names -> what they refer to, without the leading ``=``."""

    def set_names(self, names: dict[str, str]) -> None:
        """Create or replace workbook-scope defined names."""

    def local_names(self) -> dict[str, list[str]]:
        """Sheet-scope defined names -> the sheets that have one."""

    def has_sheet(self, sheet: str) -> bool: ...

    def sheet_names(self) -> list[str]: ...

    def manual_calculation(self) -> bool:
        """Is the workbook in manual calculation (formula values possibly out of date)?"""

    def add_sheet(self, sheet: str) -> None:
        """Append an empty sheet (one the user deleted, that xlprod owns)."""

    def cell_values(self, sheet: str, cells: list[tuple[int, int]]) -> dict[tuple[int, int], object]:
        """The values the cells show."""

    def formula_cells(self, sheet: str, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
        """Which of ``cells`` hold a formula (xlprod never replaces one by a normalised value)."""

    def sheet_formulas(self, sheet: str) -> dict[tuple[int, int], str]:
        """Formula text (without ``=``) of every formula cell of a sheet."""

    def apply(self, plan: WritePlan) -> list[tuple[str, Restored]]:
        """Write the plan; return the owned cells whose hand-typed content was replaced (per sheet)."""
