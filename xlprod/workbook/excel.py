"""The Excel adapter: the same ``WorkbookPort`` over a book open in Excel, through open-source xlwings.

Written against what Excel and xlwings really return (TECH-NOTES, « The Excel side »):
``Range.Formula`` gives the formula-bar form of structured references (``[@Quantité]``), a
string for one cell and rows of strings for several; ``.value`` gives a scalar for one cell and
a flat list for one row unless ``ndim=2`` is asked. Excel recalculates its own formulas, so
applying a plan writes formulas only where they are missing or were overwritten, plus input
normalisations and the Contrôles sheet; writes go in blocks, with screen updating and automatic
calculation suspended, and always restored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, cast

from xlprod.core.cells import ExcelError, NameFormula, as_error, from_serial
from xlprod.core.location import Location, split_cell
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.formulas import same_formula
from xlprod.workbook.port import KIND_NAME, OutsideCell, RawTable, WritePlan, kind_from_definition, name_target
from xlprod.workbook.sheetxml import COLUMN_STYLE, CellWrite, Restored, SheetPatch


def as_grid(raw: object, rows: int, cols: int) -> list[list[object]]:
    """Whatever xlwings/COM returned for a ``rows`` × ``cols`` range, as a list of rows."""
    if rows == 1 and cols == 1 and not isinstance(raw, (list, tuple)):
        return [[raw]]
    items: list[Any] = list(cast(Sequence[Any], raw)) if isinstance(raw, (list, tuple)) else [raw]
    if items and isinstance(items[0], (list, tuple)):
        return [list(r) for r in items]
    if rows == 1:
        return [items]
    return [[v] for v in items]  # one column, read flat


class ExcelBook:
    """A book open in Excel (an ``xlwings.Book``)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.book_name = str(book.name)
        self._totals: dict[str, bool] = {}

    def _name_text(self, name: str) -> str | None:
        try:
            return str(self.book.names[name].refers_to)
        except Exception:  # xlwings raises COM/AppleScript errors of its own for an unknown name
            return None

    def kind(self) -> str | None:
        return kind_from_definition(self._name_text(KIND_NAME))

    def table(self, name: str) -> RawTable | None:
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if str(table.name).casefold() != name.casefold():  # Excel's table names ignore case
                    continue
                if getattr(table, "show_headers", True) is False:
                    raise WorkbookError(Location(book=self.book_name, sheet=sheet.name),
                                        f"la ligne d'en-tête du tableau {table.name} est masquée : ses colonnes ne "
                                        "peuvent pas être reconnues",
                                        "Cliquez dans le tableau, Création de tableau > cochez « Ligne d'en-tête », "
                                        "puis relancez.")
                name = str(table.name)
                header = table.header_row_range
                width = header.columns.count
                headers = as_grid(header.value, 1, width)[0]
                body = table.data_body_range  # None when every row of the table was deleted
                # err_to_str: xlwings otherwise gives an error cell (#DIV/0!) as None, a blank
                values = body.options(ndim=2, err_to_str=True).value if body is not None else []
                raw = RawTable(name=name, sheet=sheet.name, header_row=header.row, first_col=header.column,
                               headers=["" if h is None else str(h) for h in headers],
                               rows=[[None if v == "" else v for v in row] for row in values])
                for i, row in enumerate(raw.rows):
                    for j, v in enumerate(row):
                        if (err := as_error(v)) is not None:
                            row[j] = raw.specials[(i, j)] = err
                self._totals[name] = bool(getattr(table, "show_totals", False))
                return raw
        return None

    def add_table_column(self, table: RawTable, header: str, formula: str | None) -> RawTable | None:
        ws = self.book.sheets[table.sheet]
        xl_table = next((t for t in ws.tables if str(t.name).casefold() == table.name.casefold()), None)
        if xl_table is None:
            return None
        first, last = table.header_row, table.header_row + max(len(table.rows), 1) + self._totals.get(table.name, False)
        col = table.first_col + len(table.headers)
        shown = as_grid(ws.range((first, col), (last, col)).options(ndim=2).value, last - first + 1, 1)
        if any(v not in (None, "") for (v,) in shown):
            return None
        with suspended(self.book.app):
            xl_table.resize(ws.range((first, table.first_col), (last, col)))
            ws.range((first, col)).value = header
        return RawTable(name=table.name, sheet=table.sheet, header_row=table.header_row, first_col=table.first_col,
                        headers=[*table.headers, header], rows=[[*row, None] for row in table.rows],
                        specials=dict(table.specials))

    def add_table_row(self, table: RawTable, values: list[object]) -> RawTable | None:
        return self.add_table_rows(table, [values], fill_blank=False)

    def add_table_rows(self, table: RawTable, rows: list[list[object]], fill_blank: bool = True,
                       plain: frozenset[str] = frozenset(), computed: frozenset[str] = frozenset(),
                       formulas: frozenset[str] = frozenset()) -> RawTable | None:
        """As the port says; Excel calculates: a ``computed`` column is not written, so that the formula
        the table fills the new rows with stays (a value written over it would be typed over)."""
        ws = self.book.sheets[table.sheet]
        xl_table = next((t for t in ws.tables if str(t.name).casefold() == table.name.casefold()), None)
        if xl_table is None or self._totals.get(table.name, False):
            return None
        if not rows:
            return table
        reuse = False
        if fill_blank and len(table.rows) == 1:  # a new table's one row is blank but for its computed columns
            first_row = ws.range((table.header_row + 1, table.first_col),
                                 (table.header_row + 1, table.first_col + len(table.headers) - 1))
            typed = as_grid(first_row.formula, 1, len(table.headers))[0]
            own = formulas | computed  # a formula elsewhere in the row is the user's: the rows go below it
            reuse = all(v in (None, "") or (str(f or "").startswith("=") and h in own)
                        for v, f, h in zip(table.rows[0], typed, table.headers, strict=False))
        first = table.header_row + 1 if reuse else table.header_row + max(len(table.rows), 1) + 1
        last = first + len(rows) - 1
        width = len(table.headers)
        below = first + 1 if reuse else first
        if last >= below:
            shown = as_grid(ws.range((below, table.first_col), (last, table.first_col + width - 1)).options(ndim=2).value,
                            last - below + 1, width)
            if any(v not in (None, "") for line in shown for v in line):
                return None
        padded = [[*values[:width], *[None] * (width - len(values))] for values in rows]
        written = [j for j in range(width) if table.headers[j] not in computed]
        runs = [(a, b) for a, b in zip([j for j in written if j - 1 not in written],
                                       [j for j in written if j + 1 not in written], strict=True)]
        with suspended(self.book.app):  # one resize and a block write per run of columns: Excel's calls are slow
            xl_table.resize(ws.range((table.header_row, table.first_col), (last, table.first_col + width - 1)))
            for a, b in runs:
                ws.range((first, table.first_col + a), (last, table.first_col + b)).value = [
                    [_as_text(v) for v in line[a:b + 1]] for line in padded]
        kept = [] if reuse else table.rows
        return RawTable(name=table.name, sheet=table.sheet, header_row=table.header_row, first_col=table.first_col,
                        headers=table.headers, rows=[*kept, *padded], specials=dict(table.specials))

    def cells_below(self, table: RawTable) -> list[OutsideCell]:
        ws = self.book.sheets[table.sheet]
        first = table.header_row + len(table.rows) + 1 + self._totals.get(table.name, False)
        last = ws.used_range.last_cell.row
        if last < first:
            return []
        c1, width = table.first_col, len(table.headers)
        rng = ws.range((first, c1), (last, c1 + width - 1))
        values = as_grid(rng.options(ndim=2, err_to_str=True).value, last - first + 1, width)
        formulas = as_grid(rng.formula, last - first + 1, width)
        return [OutsideCell(first + i, c1 + j, v, str(formulas[i][j] or "").startswith("="))
                for i, row in enumerate(values) for j, v in enumerate(row) if v not in (None, "")]

    def named_cell(self, name: str) -> tuple[object, Location] | None:
        kind, target = name_target(self._name_text(name))
        if kind == "constant":
            return target, Location(book=self.book_name, cell=name)
        if kind == "formula":
            return NameFormula(str(target)), Location(book=self.book_name, cell=name)
        if kind != "cell":
            return None
        ref = cast(tuple[str, str, int, int], target)
        sheet, cell, _, _ = ref
        value = self.book.sheets[sheet].range(cell).options(err_to_str=True).value
        value = as_error(value) or value
        return (None if value == "" else value), Location(book=self.book_name, sheet=sheet, cell=cell)

    def manual_calculation(self) -> bool:
        return str(self.book.app.calculation) == "manual"

    def defined_names(self) -> dict[str, str]:
        out = {}
        for name in self.book.names:
            if "!" not in str(name.name):  # sheet-scope names come as Sheet!Name
                out[str(name.name)] = str(name.refers_to).lstrip("=")
        return out

    def local_names(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name in self.book.names:
            sheet, bang, local = str(name.name).rpartition("!")
            if bang:  # xlwings gives a sheet-scope name as Sheet!Name ('My sheet'!Name)
                out.setdefault(local, []).append(sheet.strip("'").replace("''", "'"))
        return out

    def set_names(self, names: dict[str, str]) -> None:
        for name, text in names.items():
            self.book.names.add(name, "=" + text)

    def sheet_names(self) -> list[str]:
        return [str(s.name) for s in self.book.sheets]

    def has_sheet(self, sheet: str) -> bool:
        return any(s.name == sheet for s in self.book.sheets)

    def add_sheet(self, sheet: str) -> None:
        self.book.sheets.add(sheet, after=list(self.book.sheets)[-1])

    def cell_values(self, sheet: str, cells: list[tuple[int, int]]) -> dict[tuple[int, int], object]:
        return self._values(self.book.sheets[sheet], cells) if cells else {}

    def formula_cells(self, sheet: str, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
        if not cells:
            return set()
        texts = self._formulas(self.book.sheets[sheet], cells)
        return {key for key, text in texts.items() if text.startswith("=")}

    def refresh(self) -> None:
        """Excel shows every write at once: nothing to read again."""

    def sheet_formulas(self, sheet: str) -> dict[tuple[int, int], str]:
        if not self.has_sheet(sheet):
            return {}
        used = self.book.sheets[sheet].used_range
        rows, cols = used.rows.count, used.columns.count
        grid = as_grid(used.formula, rows, cols)
        return {(used.row + i, used.column + j): str(text)[1:] for i, line in enumerate(grid)
                for j, text in enumerate(line) if isinstance(text, str) and text.startswith("=")}

    @staticmethod
    def _formulas(ws: Any, cells: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """Current formula (or constant, as text) of each cell, read one column block at a time."""
        out: dict[tuple[int, int], str] = {}
        by_col: dict[int, list[int]] = {}
        for row, col in cells:
            by_col.setdefault(col, []).append(row)
        for col, rows in by_col.items():
            first, last = min(rows), max(rows)
            block = as_grid(ws.range((first, col), (last, col)).formula, last - first + 1, 1)
            for i, (text,) in enumerate(block):
                out[(first + i, col)] = "" if text is None else str(text)
        return out

    def apply(self, plan: WritePlan) -> list[tuple[str, Restored]]:
        restored: list[tuple[str, Restored]] = []
        with suspended(self.book.app):
            for sheet, patch in plan.sheets.items():
                ws = self.book.sheets[sheet]
                if patch.clear_from_row is not None:
                    last = ws.used_range.last_cell.row
                    if last >= patch.clear_from_row:
                        if patch.clear_cols is None:
                            ws.range(f"{patch.clear_from_row}:{last}").clear_contents()
                        else:  # xlprod's columns only: notes beside them stay
                            ws.range((patch.clear_from_row, patch.clear_cols[0]),
                                     (last, patch.clear_cols[1])).clear_contents()
                writes = self._changes(ws, patch, sheet, restored)
                for ref, target, _tip in plan.links.get(sheet, []):
                    # one HYPERLINK formula per row, written with the others in one block: an
                    # add_hyperlink per issue would cost two COM calls each
                    at = split_cell(ref)
                    shown = patch.cells.get(at).value if at and at in patch.cells else ref  # type: ignore[union-attr]
                    if at:
                        writes[at] = _Formula(f'=HYPERLINK("#{_quoted(target)}","{_quoted(str(shown))}")')
                for (row, col), block in _blocks(writes):
                    target = ws.range((row, col), (row + len(block) - 1, col + len(block[0]) - 1))
                    if isinstance(block[0][0], _Formula):
                        target.formula = [[str(v) for v in r] for r in block]
                    else:
                        target.value = block
        return restored

    def _changes(self, ws: Any, patch: SheetPatch, sheet: str,
                 restored: list[tuple[str, Restored]]) -> dict[tuple[int, int], object]:
        """The cells that really need writing: what Excel already computes is left alone."""
        cells: dict[tuple[int, int], CellWrite] = dict(patch.cells)
        for column in patch.columns:
            cells.update({(row, column.col): column.cell(row) for row in column.rows})
        formula_cells = [key for key, w in cells.items() if w.owned or w.formula is not None]
        current = self._formulas(ws, formula_cells) if formula_cells else {}
        writes: dict[tuple[int, int], object] = {}
        values = {key: w.value for key, w in cells.items()
                  if not (w.owned or w.formula is not None or isinstance(w.value, ExcelError))}
        shown = self._values(ws, list(values)) if values and patch.clear_from_row is None else {}
        for (row, col), write in cells.items():
            if write.owned or write.formula is not None:
                text = current.get((row, col), "")
                if text.startswith("=") and same_formula(text, write.formula or ""):
                    continue  # Excel computes it
                if write.owned and text:
                    is_formula = text.startswith("=")
                    restored.append((sheet, Restored(row, col, text[1:] if is_formula else None,
                                                     None if is_formula else text)))
                writes[(row, col)] = _Formula("=" + (write.formula or ""))
            elif (row, col) in values:
                value: object = float(write.value) if isinstance(write.value, Decimal) else write.value
                dated = write.style == COLUMN_STYLE and isinstance(value, int | float) and not isinstance(value, bool)
                if dated:  # a date typed as text: xlwings hands Excel a date, which Excel shows as one
                    value = from_serial(cast(float, value))
                if not _same_value(shown.get((row, col), _UNKNOWN), value):
                    writes[(row, col)] = value if dated else _as_text(value)
        return writes

    @staticmethod
    def _values(ws: Any, cells: list[tuple[int, int]]) -> dict[tuple[int, int], object]:
        """Values shown in ``cells``, read in one call over the rectangle that holds them."""
        r1, r2 = min(r for r, _ in cells), max(r for r, _ in cells)
        c1, c2 = min(c for _, c in cells), max(c for _, c in cells)
        grid = as_grid(ws.range((r1, c1), (r2, c2)).options(ndim=2).value, r2 - r1 + 1, c2 - c1 + 1)
        return {(r, c): grid[r - r1][c - c1] for r, c in cells}


_UNKNOWN = object()


def _same_value(shown: object, value: object) -> bool:
    """Is ``value`` already what the cell holds? (Excel gives numbers as floats, blanks as None.)"""
    if shown is _UNKNOWN:
        return False
    if value in (None, ""):
        return shown in (None, "")
    if isinstance(value, int | float) and not isinstance(value, bool) and isinstance(shown, int | float):
        return abs(float(shown) - float(value)) < 1e-9
    if isinstance(value, dt.date) and isinstance(shown, dt.datetime):  # Excel gives a date cell as a date-time
        return shown == dt.datetime(value.year, value.month, value.day)
    return type(shown) is type(value) and shown == value


def _quoted(text: str) -> str:
    """Text inside a formula's string literal: quotes doubled."""
    return text.replace('"', '""')


_COERCED = re.compile(r"^\s*[-+]?[\d\s.,]+%?\s*$|^(?i:true|false|vrai|faux)$")


def _as_text(value: object) -> object:
    """A text that Excel would turn into a number or a boolean on entry (an account ``241``) is
    written with the apostrophe prefix, so that it stays text, as the file holds it."""
    if isinstance(value, str) and _COERCED.match(value):
        return "'" + value
    return value


class _Formula(str):
    """A formula to write (kept apart from text values, which go through ``.value``)."""


def _blocks(writes: dict[tuple[int, int], object]) -> Iterator[tuple[tuple[int, int], list[list[object]]]]:
    """Group cell writes into rectangles of one kind (formulas or values), one COM call each.

    Horizontal runs are found first, then stacked when consecutive rows span the same columns:
    a column of formulas, or the rows of the Contrôles sheet, becomes one block.
    """
    runs: list[tuple[int, int, list[object]]] = []  # (row, first col, values)
    for row, col in sorted(writes):
        value = writes[(row, col)]
        if runs:
            r, c, vals = runs[-1]
            if r == row and c + len(vals) == col and isinstance(vals[0], _Formula) == isinstance(value, _Formula):
                vals.append(value)
                continue
        runs.append((row, col, [value]))
    blocks: list[tuple[int, int, list[list[object]]]] = []
    by_shape: dict[tuple[int, int, bool], int] = {}  # (first col, width, formulas) -> index of open block
    for row, col, vals in runs:
        key = (col, len(vals), isinstance(vals[0], _Formula))
        i = by_shape.get(key)
        if i is not None and blocks[i][0] + len(blocks[i][2]) == row:
            blocks[i][2].append(vals)
            continue
        by_shape[key] = len(blocks)
        blocks.append((row, col, [vals]))
    for row, col, block in blocks:
        yield (row, col), block


@contextmanager
def suspended(app: Any) -> Iterator[None]:
    """Screen updating and automatic calculation off while writing; put back as they were, always."""
    screen, calculation = app.screen_updating, app.calculation
    try:
        app.screen_updating = False
        app.calculation = "manual"
        yield
    finally:
        app.calculation = calculation
        app.screen_updating = screen


