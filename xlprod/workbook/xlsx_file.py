"""The headless adapter: a workbook file on disk, read with python-calamine, written by patching.

calamine reads the Excel Tables and cached values fast; writes go through ``XlsxPackage`` so
that parts xlprod does not own are copied unchanged.
"""

from __future__ import annotations

import io
import itertools
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple, cast

import python_calamine as pc

from xlprod.core.cells import EmptyTextResult, ExcelError, NameFormula, UncachedFormula
from xlprod.core.location import Location, cell_address, column_index, column_letter, split_range
from xlprod.runtime import rust_panic_report_muted
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.package import PackageState, TablePart, XlsxPackage
from xlprod.workbook.port import KIND_NAME, OutsideCell, RawTable, WritePlan, kind_from_definition, name_target
from xlprod.workbook.sheetxml import (
    COLUMN_STYLE,
    CellValue,
    CellWrite,
    Restored,
    SheetPatch,
    append_rows,
    apply_patch,
    cells_with_content,
    column_styles,
    escape,
    escape_attr,
    formula_cells,
    merged_ranges,
    set_internal_hyperlinks,
    shared_formulas,
    sheet_formulas,
    special_cells,
    written_as_is,
)

_CALCULATED = re.compile(r"<(?:\w+:)?tableColumn\b(?:[^>]*/>|[^>]*>(?:(?!</(?:\w+:)?tableColumn>).)*?"
                         r"(?:<(?:\w+:)?calculatedColumnFormula[^>]*>([^<]*)</(?:\w+:)?calculatedColumnFormula>)?"
                         r"(?:(?!</(?:\w+:)?tableColumn>).)*</(?:\w+:)?tableColumn>)", re.S)


_A1 = re.compile(r"(?<![\w$\[])\$?[A-Za-z]{1,3}\$?\d{1,7}(?![\w\]\(])")
_QUOTED = re.compile(r'"[^"]*"')


def _carried(formula: str) -> bool:
    """A calculated column a new row can carry as is: structured references only. An A1 formula
    (``F5+G5``, how Excel stores some) names the first row's cells and would be wrong on the new one."""
    body = _QUOTED.sub("", _unescape_xml(formula))
    return bool(formula) and "[" in body and _A1.search(body) is None


def _unescape_xml(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


class _Appended(NamedTuple):
    """Rows appended to a table's sheet as text: what a reader of the sheet would find there,
    known without reading the sheet again, while the part is still ``xml``."""

    xml: bytes  # the sheet's part just after the rows were appended
    before: bytes  # the part just before
    table: RawTable  # the table as it was given (its name, place and headers)
    start: int  # the first row appended
    rows: list[list[object]]  # the values appended, as given
    calculated: dict[int, str]  # sheet column -> formula of the calculated columns
    valued: frozenset[int]  # of those, the columns written with their values (the others without)


class XlsxFile:
    """A workbook file, opened once, patched in memory and saved atomically."""

    def __init__(self, path: str | Path, name: str | None = None, for_writing: bool = True) -> None:
        """``name``: the file name messages should show, when ``path`` is a temporary copy.
        ``for_writing``: False for a check, which may read a file a spreadsheet holds open."""
        self.path = Path(path)
        self.package = XlsxPackage.open(self.path, for_writing, name)
        self.book_name = name or self.path.name
        self.package.display_name = self.book_name
        self._grids: dict[str, list[list[Any]]] = {}
        self._special: dict[str, dict[tuple[int, int], ExcelError | UncachedFormula | EmptyTextResult]] = {}
        self._grown: dict[str, RawTable] = {}  # tables rows were appended to, as they now are
        self._stale = False  # cells of a grown table's sheet written since: read the workbook again
        self._unread: set[str] = set()  # sheets rows were appended to and whose grid was never read
        self._shown: dict[str, list[tuple[int, int, list[list[object]], int]]] = {}  # rows appended, not yet in the grid
        self._appended: dict[str, _Appended] = {}  # sheet -> the rows last appended to it
        # sheets calamine holds as they were before rows were appended, and the workbook it stands for
        self._stand_ins: tuple[set[str], PackageState | None] = (set(), None)
        sheets = set(self.package.sheet_parts().values())
        for part in self.package.unread():  # what calamine reads at once (shared strings, styles), checked first
            if part not in sheets and part.endswith((".xml", ".rels")):
                self.package.verify(part)
        try:
            self._cal = pc.CalamineWorkbook.from_filelike(io.BytesIO(self.package.raw), load_tables=True)
        except Exception as exc:  # calamine raises its own error types for broken files
            raise WorkbookError(Location(book=self.book_name), f"le classeur est illisible ({exc})",
                                "Ouvrez-le dans Excel, qui sait souvent le réparer, puis enregistrez-le à nouveau.") from exc

    def refresh(self) -> None:
        """Read the workbook again as it now is in memory: an action that appended rows or wrote
        cells, followed by a recalculation, must let the recalculation see them (calamine read the
        file as it was opened)."""
        # a sheet rows were appended to, read back without calamine (_read_back), is given to calamine as it was
        # before them (95 MB less to copy after a 100,000-entry import), until calamine is asked for that sheet
        instead: dict[str, bytes] = {}
        for sheet, appended in self._appended.items():
            part = self.package.sheet_parts().get(sheet)
            if part is not None and self.package.has(part) and self.package.read(part) is appended.xml:
                instead[part] = appended.before
        state = self.package.state()
        self._cal = pc.CalamineWorkbook.from_filelike(io.BytesIO(self.package.to_bytes(instead, state)),
                                                      load_tables=True)
        self._stand_ins = ({s for s, a in self._appended.items() if self.package.sheet_parts().get(s) in instead},
                           state)
        self._grids.clear()
        self._shown.clear()
        self._special.clear()
        self._grown.clear()
        self._stale = False
        self._unread.clear()

    def _calamine(self, sheet: str) -> pc.CalamineWorkbook:
        """calamine, holding ``sheet`` as the workbook was when last read (the sheet's part checked first)."""
        part = self.package.sheet_parts().get(sheet)
        if part is not None:
            self.package.verify(part)
        sheets, state = self._stand_ins
        if sheet in sheets:
            self._cal = pc.CalamineWorkbook.from_filelike(io.BytesIO(self.package.to_bytes(state=state)),
                                                          load_tables=True)
            self._stand_ins = (set(), None)
        return self._cal

    def kind(self) -> str | None:
        return kind_from_definition(self.package.defined_names().get(KIND_NAME))

    def _table_part(self, name: str) -> TablePart | None:
        tables = self.package.tables()
        return tables.get(name) or next((t for t in tables.values() if t.named(name)), None)

    def table(self, name: str) -> RawTable | None:
        if self._stale:
            self.refresh()
        grown = self._grown.get(name.casefold())
        if grown is not None:
            return RawTable(name=grown.name, sheet=grown.sheet, header_row=grown.header_row, first_col=grown.first_col,
                            headers=list(grown.headers), rows=[list(r) for r in grown.rows], specials=dict(grown.specials))
        part = self._table_part(name)
        bounds = split_range(part.ref) if part else None
        if part is None or bounds is None:
            return None
        appended = self._appended.get(part.sheet)
        if appended is not None and appended.table.name.casefold() == part.name.casefold():
            known = self._read_back(appended)
            if known is not None:
                return known
        if part.header_rows == 0:
            raise WorkbookError(Location(book=self.book_name, sheet=part.sheet),
                                f"la ligne d'en-tête du tableau {part.name} est masquée : ses colonnes ne peuvent "
                                "pas être reconnues",
                                "Dans Excel : cliquez dans le tableau, Création de tableau > cochez « Ligne "
                                "d'en-tête », puis relancez.")
        name = part.name
        r1, c1, r2, _ = bounds
        last = r2 - part.totals_rows
        rows: list[list[Any]] = []
        if last > r1:  # calamine panics (a Rust panic, not an Exception) on a table without data rows
            try:
                t = self._calamine(part.sheet).get_table_by_name(name)
                with rust_panic_report_muted():
                    rows = t.to_python()
            except WorkbookError:  # the sheet's part is damaged: said as such
                raise
            except Exception as exc:  # a cell calamine cannot read: text in a number cell, a bad string index
                raise WorkbookError(Location(book=self.book_name, sheet=part.sheet),
                                    f"le tableau {name} contient une cellule illisible ({exc})",
                                    "Ouvrez le classeur dans Excel ou LibreOffice, qui savent souvent le réparer, "
                                    "enregistrez-le, puis relancez.") from exc
            except BaseException as exc:  # a Rust panic (pyo3's PanicException is no Exception): a date out of range
                raise self._date_out_of_range(exc, part.sheet, bounds, f"le tableau {name}") from None
            headers = [str(h) for h in t.columns]
        else:
            headers = list(part.headers)
        table = RawTable(name=name, sheet=part.sheet, header_row=r1, first_col=c1, headers=headers,
                         rows=rows[: last - r1])
        self._mark_special_cells(table)
        return table

    def _read_back(self, appended: _Appended) -> RawTable | None:
        """The table rows were appended to, as calamine would read it (dates as dates, blanks as "", the
        calculated cells marked uncalculated), reading only the sheet as it was before and a few cells:
        None when the sheet was written since, or when a value is not one of the usual kinds."""
        t = appended.table
        part = self.package.sheet_parts().get(t.sheet)
        if part is None or not self.package.has(part) or self.package.read(part) is not appended.xml:
            return None
        width = len(t.headers)
        rows = appended.rows if all(len(r) == width for r in appended.rows) else [
            [*r[:width], *[None] * (width - len(r))] for r in appended.rows]
        columns: list[list[Any]] = [list(values) for values in zip(*rows, strict=True)]
        head = appended.before[:max(appended.before.find(b"<sheetData"), appended.before.find(b":sheetData"), 0)]
        styles = column_styles(head.decode("utf-8", errors="replace"))
        numbers: dict[int, list[float]] = {}  # sheet column -> its first number, to ask what a reader shows
        for j, values in enumerate(columns):
            col = t.first_col + j
            if col in appended.calculated and col not in appended.valued:
                columns[j] = [""] * len(values)  # uncalculated: calamine shows a blank, marked below
                continue
            kinds = set(map(type, values)) - {type(None)}
            if kinds <= {str}:
                if not written_as_is([v for v in cast(list[str], values) if v]):
                    return None  # written escaped or cut: read back through calamine
                columns[j] = ["" if v is None else v for v in values]
            elif kinds <= {float, int, Decimal}:
                columns[j] = values if kinds == {float} else [v if v is None else float(cast(float, v)) for v in values]
                numbers[col] = [next((v for v in columns[j] if v is not None), 0.0)]
                columns[j] = ["" if v is None else v for v in columns[j]]
            elif kinds <= {bool}:
                columns[j] = ["" if v is None else v for v in values]
            else:
                return None
        # the cells a reader shows otherwise than as written (numbers in a date format), asked of calamine on a
        # sheet of one row, then each such column's numbers with the rows that were there before
        shown = self._read_cells(t.sheet, b"", numbers, styles, 1)
        if shown is None:
            return None
        dates = {c: list(dict.fromkeys(v for v in columns[c - t.first_col] if v != ""))
                 for c in numbers if type(shown[0][c - 1]) is not float}
        grid = self._read_cells(t.sheet, appended.before, dates, styles, appended.start)
        if grid is None:
            return None
        for c, found in dates.items():
            j = c - t.first_col
            as_read = {v: grid[appended.start - 1 + i][c - 1] for i, v in enumerate(found)}
            columns[j] = [as_read[v] if v != "" else "" for v in columns[j]]
        lines = grid[t.header_row:appended.start - 1]
        lines += [[] for _ in range(appended.start - 1 - t.header_row - len(lines))]  # blank rows the grid ends before
        before = [(line + [""] * (t.first_col - 1 + width - len(line)))[t.first_col - 1:t.first_col - 1 + width]
                  for line in lines]
        table = RawTable(name=t.name, sheet=t.sheet, header_row=t.header_row, first_col=t.first_col,
                         headers=list(t.headers), rows=[*before, *map(list, zip(*columns, strict=True))])
        self._mark_special_cells(table)
        return table

    def _read_cells(self, sheet: str, xml: bytes, numbers: dict[int, list[float]], styles: dict[int, int],
                    first: int) -> list[list[Any]] | None:
        """The sheet's grid as calamine reads ``xml`` (a sheet's part; b"": an empty one) with ``numbers``
        written from row ``first`` down, each column's numbers in its style; None if calamine fails."""
        rows = []
        for i in range(max(map(len, numbers.values()), default=0)):
            cells = "".join(f'<c r="{column_letter(c)}{first + i}"' + (f' s="{styles[c]}"' if c in styles else "")
                            + f"><v>{found[i]!r}</v></c>" for c, found in sorted(numbers.items()) if i < len(found))
            rows.append(f'<row r="{first + i}">{cells}</row>')
        body = "".join(rows).encode()
        if not xml:
            xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
                   b'openxmlformats.org/spreadsheetml/2006/main"><sheetData></sheetData></worksheet>')
        close = xml.rfind(b"</sheetData>")
        if close < 0:  # a sheet without rows (<sheetData/>), or written with a prefix: read the usual way
            return None
        part = self._part(sheet)
        try:
            cal = pc.CalamineWorkbook.from_filelike(io.BytesIO(self.package.to_bytes({part: xml[:close] + body
                                                                                       + xml[close:]})))
            return cast(list[list[Any]], cal.get_sheet_by_name(sheet).to_python(skip_empty_area=False))
        except BaseException as exc:  # a Rust panic too (a date out of range): the table is read the usual way
            if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
                raise
            return None

    def add_table_column(self, table: RawTable, header: str, formula: str | None) -> RawTable | None:
        """Append a column on the table's right (computed, with ``formula``), when the sheet's column there is empty
        over the table's rows; returns the table as it now is, or None."""
        part = self._table_part(table.name)
        bounds = split_range(part.ref) if part else None
        if part is None or bounds is None:
            return None
        r1, c1, r2, c2 = bounds
        col = c2 + 1
        sheet_part = self._part(table.sheet)
        if any(cell.row <= r2 for cell in cells_with_content(self.package.read(sheet_part), r1, col, col)):
            return None
        xml = self.package.read_text(part.part)
        new_ref = f"{cell_address(r1, c1)}:{cell_address(r2, col)}"
        xml = re.sub(rf'\bref="{re.escape(part.ref)}"', f'ref="{new_ref}"', xml)
        ids = [int(i) for i in re.findall(r'<(?:\w+:)?tableColumn\b[^>]*?\bid="(\d+)"', xml)]
        m = re.search(r"<(\w+:)?tableColumns\b", xml)
        prefix = (m.group(1) or "") if m else ""
        computed = f"<{prefix}calculatedColumnFormula>{escape(formula)}</{prefix}calculatedColumnFormula>" if formula else ""
        column = (f'<{prefix}tableColumn id="{max(ids, default=0) + 1}" name="{escape_attr(header)}">'
                  f"{computed}</{prefix}tableColumn>")
        xml = re.sub(r'(<(?:\w+:)?tableColumns\b[^>]*?\bcount=")(\d+)"', lambda c: f'{c.group(1)}{int(c.group(2)) + 1}"',
                     xml, count=1)
        xml = xml.replace(f"</{prefix}tableColumns>", column + f"</{prefix}tableColumns>", 1)
        self.package.write_text(part.part, xml)
        self.package.forget_tables()
        self._write_cells(table.sheet, {(r1, col): header})
        return RawTable(name=table.name, sheet=table.sheet, header_row=table.header_row, first_col=table.first_col,
                        headers=[*table.headers, header], rows=[[*row, None] for row in table.rows],
                        specials=dict(table.specials))

    def add_table_row(self, table: RawTable, values: list[object]) -> RawTable | None:
        """Append a row to the table when the sheet's row just below it is empty over its columns
        (and the table has no « Total » row); returns the table as it now is, or None."""
        return self.add_table_rows(table, [values], fill_blank=False)

    def add_table_rows(self, table: RawTable, rows: list[list[object]], fill_blank: bool = True,
                       plain: frozenset[str] = frozenset(), computed: frozenset[str] = frozenset(),
                       formulas: frozenset[str] = frozenset()) -> RawTable | None:
        """Append rows to the table when the sheet is empty below it over its columns, for as many
        rows (and the table has no « Total » row); returns the table as it now is, or None.
        ``fill_blank``: a table whose only row is blank (a new table) takes the first row there.
        A calculated column keeps its formula on every new row; ``computed``: as the port says."""
        part = self._table_part(table.name)
        bounds = split_range(part.ref) if part else None
        if part is None or bounds is None or part.totals_rows:
            return None
        if not rows:
            return table
        r1, c1, r2, c2 = bounds
        xml = self.package.read_text(part.part)
        # a table whose only data row is blank (as a new table is made) fills that row first
        reuse = fill_blank and len(table.rows) == 1 and r2 == r1 + 1
        if reuse:  # a computed column shows 0 in an empty row: the row is blank but for its calculated columns'
            # formulas (one the user typed in another column is theirs: the rows go below it)
            own = {c1 + i for i, f in enumerate(_CALCULATED.findall(xml)) if _carried(f)} | {
                c1 + j for j, h in enumerate(table.headers) if h in formulas | computed}  # LibreOffice drops the former
            filled = [(r2, c1 + j) for j, v in enumerate(table.rows[0]) if v not in (None, "")]
            reuse = all(c in own for _, c in filled) and self.formula_cells(table.sheet, filled) == set(filled)
        first = r2 if reuse else r2 + 1
        last = first + len(rows) - 1
        sheet_part = self._part(table.sheet)
        sheet_xml = self.package.read(sheet_part)
        if any(cell.row <= last for cell in cells_with_content(sheet_xml, r2 + 1, c1, c2)) or any(
                m1 <= last and m3 >= first and m2 <= c2 and m4 >= c1 for m1, m2, m3, m4 in merged_ranges(sheet_xml)):
            return None  # a merged range where the rows would go: a table cannot hold one (Excel repairs the file)
        xml = re.sub(rf'\bref="{re.escape(part.ref)}"', f'ref="{cell_address(r1, c1)}:{cell_address(last, c2)}"', xml)
        xml = re.sub(r'(<(?:\w+:)?autoFilter\b[^>]*?\bref=")[^"]*"', lambda m: f'{m.group(1)}{cell_address(r1, c1)}:'
                     f'{cell_address(last, c2)}"', xml, count=1)
        self.package.write_text(part.part, xml)
        self.package.forget_tables()
        width = c2 - c1 + 1
        calculated = {c1 + i: _unescape_xml(f) for i, f in enumerate(_CALCULATED.findall(xml)) if _carried(f)}
        # a column the caller reads (a calculated column the user made of Statut) takes the rows' values: its
        # formula, never calculated here, would make Python and the workbook read two things
        calculated = {c: f for c, f in calculated.items() if not (c - c1 < len(table.headers) and table.headers[c - c1] in plain)}
        given = {c1 + j for j, h in enumerate(table.headers) if h in computed}
        if given - calculated.keys():  # a computed value without its formula would read as typed over: not written
            rows = [[None if c1 + j in given and c1 + j not in calculated else v for j, v in enumerate(values)]
                    for values in rows]
        if reuse:  # the new table's blank row is a row of the sheet already: patched in place, its formulas kept
            self._write_cells(table.sheet, {(first, c1 + j): v for j, v in enumerate(rows[0][:width])
                                            if c1 + j not in calculated})
        later = rows[1:] if reuse else rows
        start = first + 1 if reuse else first
        before = self.package.read(sheet_part)
        cells = cast(list[list[CellValue]], later if max(map(len, later), default=0) <= width
                     else [values[:width] for values in later])
        valued = frozenset(c for c in calculated if c in given and cells and all(
            c - c1 < len(values) and type(values[c - c1]) is float for values in cells))
        fast = append_rows(before, start, c1, cells, calculated, valued)
        if fast is not None:  # below every row of the sheet: appended as text, not parsed into a tree
            self.package.write(sheet_part, fast)
            if table.sheet in self._grids:  # shown to a later read of the sheet's cells, when there is one
                self._shown.setdefault(table.sheet, []).append((start, c1, later, width))
            else:
                self._unread.add(table.sheet)  # calamine read it before: a later read of its cells reads again
            if later and not any(issubclass(t, ExcelError) for t in set(map(type, itertools.chain.from_iterable(later)))):
                # the cells just written are known: a later read of the table, or of the sheet's errors and
                # uncalculated formulas, reads only what was there before
                self._appended[table.sheet] = _Appended(fast, before, table, start, later, calculated, valued)
        else:  # a calculated column left empty: the recalculation puts its formula back
            self._write_cells(table.sheet, {(start + i, c1 + j): cast(CellValue, v if c1 + j not in calculated else None)
                                            for i, values in enumerate(later) for j, v in enumerate(values[:width])})
        width = len(table.headers)
        new = [values[:width] if len(values) >= width else [*values, *[None] * (width - len(values))] for values in rows]
        kept = [] if reuse else table.rows
        grown = RawTable(name=table.name, sheet=table.sheet, header_row=table.header_row, first_col=table.first_col,
                         headers=table.headers, rows=[*kept, *new], specials=dict(table.specials))
        self._grown[table.name.casefold()] = grown  # calamine read the file as it was: later reads see this
        return grown

    def _write_cells(self, sheet: str, values: dict[tuple[int, int], object]) -> None:
        """Write plain values now (a table grown before the plan is applied), and show them to later
        reads of the sheet: calamine read the file as it was."""
        patch = SheetPatch()
        for (row, col), value in values.items():
            patch.set(row, col, CellWrite(cast(CellValue, value)))
        part = self._part(sheet)
        self.package.write(part, apply_patch(self.package.read(part), patch)[0])
        self._show(sheet, values)

    def _show(self, sheet: str, values: dict[tuple[int, int], object]) -> None:
        grid = self._grid(sheet)
        self._put(grid, values)

    @staticmethod
    def _put(grid: list[list[Any]], values: dict[tuple[int, int], object]) -> None:
        for (row, col), value in values.items():
            while len(grid) < row:
                grid.append([])
            line = grid[row - 1]
            line.extend([""] * (col - len(line)))
            line[col - 1] = value

    def _specials(self, sheet: str) -> dict[tuple[int, int], ExcelError | UncachedFormula | EmptyTextResult]:
        if sheet not in self._special:
            part = self.package.sheet_parts().get(sheet)
            xml = self.package.read(part) if part and self.package.has(part) else None
            appended = self._appended.get(sheet)
            if xml is not None and appended is not None and appended.xml is xml:  # nothing written since the rows
                found = special_cells(appended.before)
                count = len(appended.rows)
                for c, formula in appended.calculated.items():
                    if c in appended.valued:
                        continue
                    found.update(((r, c), UncachedFormula(formula)) for r in range(appended.start, appended.start + count))
                self._special[sheet] = found
            else:
                self._appended.pop(sheet, None)  # written since: what it knew no longer says the sheet
                self._special[sheet] = special_cells(xml) if xml is not None else {}
        return self._special[sheet]

    def _mark_special_cells(self, table: RawTable) -> None:
        """Put errors and uncalculated formulas where calamine shows blanks."""
        first_row, width = table.header_row + 1, len(table.headers)
        for (row, col), marker in self._specials(table.sheet).items():
            i, j = row - first_row, col - table.first_col
            if 0 <= i < len(table.rows) and 0 <= j < width:
                table.rows[i][j] = marker
                table.specials[(i, j)] = marker

    def cells_below(self, table: RawTable) -> list[OutsideCell]:
        """Non-empty cells in the table's columns, below the table."""
        part = self._table_part(table.name)
        bounds = split_range(part.ref) if part else None
        if bounds is None:
            return []
        last_row, c1, c2 = bounds[2], bounds[1], bounds[3]
        filled = cells_with_content(self.package.read(self._part(table.sheet)), last_row + 1, c1, c2)
        if not filled:
            return []
        grid = self._grid(table.sheet)
        out: list[OutsideCell] = []
        for row, col, formula in filled:
            value = grid[row - 1][col - 1] if row - 1 < len(grid) and col - 1 < len(grid[row - 1]) else None
            marker = self._specials(table.sheet).get((row, col))
            out.append(OutsideCell(row, col, marker if marker is not None else value, formula))
        return out

    def _grid(self, sheet: str) -> list[list[Any]]:
        if sheet in self._unread:
            self.refresh()
        if sheet not in self._grids:
            try:
                with rust_panic_report_muted():
                    self._grids[sheet] = self._calamine(sheet).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except WorkbookError:  # the sheet's part is damaged: said, not read as an empty sheet
                raise
            except Exception:
                self._grids[sheet] = []
            except BaseException as exc:  # a Rust panic, as in table()
                raise self._date_out_of_range(exc, sheet, (0, 1, 1 << 20, 1 << 14), "la feuille") from None
        grid = self._grids[sheet]
        for first, col, rows, width in self._shown.pop(sheet, []):  # rows appended since the grid was read
            if len(grid) < first - 1 + len(rows):
                grid.extend([] for _ in range(first - 1 + len(rows) - len(grid)))
            for line, values in zip(itertools.islice(grid, first - 1, None), rows, strict=False):
                values = values[:width]
                if len(line) < col - 1 + len(values):
                    line.extend([""] * (col - 1 + len(values) - len(line)))
                line[col - 1:col - 1 + len(values)] = values
        return grid

    def named_cell(self, name: str) -> tuple[object, Location] | None:
        kind, target = name_target(self.package.defined_names().get(name))
        if kind == "constant":
            return target, Location(book=self.book_name, cell=name)
        if kind == "formula":
            return NameFormula(str(target)), Location(book=self.book_name, cell=name)
        if kind != "cell":
            return None
        ref = cast(tuple[str, str, int, int], target)
        sheet, cell, row, col = ref
        grid = self._grid(sheet)
        value = grid[row - 1][col - 1] if row - 1 < len(grid) and col - 1 < len(grid[row - 1]) else None
        value = self._specials(sheet).get((row, col), value)
        return (None if value == "" else value), Location(book=self.book_name, sheet=sheet, cell=cell)

    def defined_names(self) -> dict[str, str]:
        return dict(self.package.defined_names())

    def manual_calculation(self) -> bool:
        return re.search(r'<(?:\w+:)?calcPr\b[^>]*\bcalcMode="manual"', self.package.read_text("xl/workbook.xml")) is not None

    def local_names(self) -> dict[str, list[str]]:
        return self.package.local_defined_names()

    def set_names(self, names: dict[str, str]) -> None:
        self.package.set_defined_names(names)

    def sheet_names(self) -> list[str]:
        return list(self.package.sheet_parts())

    def has_sheet(self, sheet: str) -> bool:
        part = self.package.sheet_parts().get(sheet)
        return part is not None and self.package.has(part)

    def add_sheet(self, sheet: str) -> None:
        self.package.add_sheet(sheet)
        self._grids.pop(sheet, None)
        self._shown.pop(sheet, None)
        self._special.pop(sheet, None)

    def cell_values(self, sheet: str, cells: list[tuple[int, int]]) -> dict[tuple[int, int], object]:
        grid = self._grid(sheet)
        return {(r, c): grid[r - 1][c - 1] if r - 1 < len(grid) and c - 1 < len(grid[r - 1]) else None
                for r, c in cells}

    def formula_cells(self, sheet: str, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
        part = self.package.sheet_parts().get(sheet)
        if not cells or part is None or not self.package.has(part):
            return set()
        return formula_cells(self.package.read(part), cells)

    def sheet_formulas(self, sheet: str) -> dict[tuple[int, int], str]:
        part = self.package.sheet_parts().get(sheet)
        if part is None or not self.package.has(part):
            return {}
        xml = self.package.read(part)
        return {**sheet_formulas(xml), **shared_formulas(xml)}  # a formula filled down: each cell's, as Excel reads it

    def _date_out_of_range(self, exc: BaseException, sheet: str, bounds: tuple[int, int, int, int],
                           what: str) -> BaseException:
        """What to raise for calamine's panic on a date it cannot convert: the cell, said; an
        interruption stays one."""
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            return exc
        cell = self._out_of_range_date(sheet, bounds)
        return WorkbookError(Location(book=self.book_name, sheet=sheet, cell=cell),
                             f"{what} contient une date hors des dates possibles" + (f" ({cell})" if cell else ""),
                             "Saisissez une date entre 1900 et 9999 (un nombre aussi grand dans une cellule au "
                             "format date n'en est pas une), puis relancez.")

    def _out_of_range_date(self, sheet: str, bounds: tuple[int, int, int, int]) -> str | None:
        """The cell of the range holding a number no date can be, in a date format (what makes
        calamine panic); else the first such number, whatever its format."""
        r1, c1, r2, c2 = bounds
        xml = self.package.read(self._part(sheet)).decode("utf-8", errors="replace")
        dated = self.package.date_styles()
        first = None
        for m in re.finditer(r'<(?:\w+:)?c r="([A-Z]+)(\d+)"([^>]*?)(?<!/)>\s*(?:<(?:\w+:)?f[^>]*(?:/>|>.*?</(?:\w+:)?f>)\s*)?'
                             r'<(?:\w+:)?v>([^<]+)</', xml):
            row, col = int(m.group(2)), column_index(m.group(1))
            try:
                value = float(m.group(4))
            except ValueError:
                continue
            if r1 < row <= r2 and c1 <= col <= c2 and abs(value) >= 1e10:  # calamine's dates fail from about -1e11
                style = re.search(r'\bs="(\d+)"', m.group(3))
                if style is not None and int(style.group(1)) in dated:
                    return f"{m.group(1)}{row}"
                first = first or f"{m.group(1)}{row}"  # a SIRET typed as a number: said only if no date is
        return first

    def _part(self, sheet: str) -> str:
        part = self.package.sheet_parts().get(sheet)
        if part is None or not self.package.has(part):
            raise WorkbookError(Location(book=self.book_name, sheet=sheet), f"feuille « {sheet} » introuvable",
                                "Rétablissez la feuille (annulez sa suppression ou son renommage), "
                                "ou repartez d'un modèle : xlprod new.")
        return part

    def apply(self, plan: WritePlan) -> list[tuple[str, Restored]]:
        restored: list[tuple[str, Restored]] = []
        if any(t.sheet in plan.sheets for t in self._grown.values()):
            self._stale = True
        for sheet, patch in plan.sheets.items():
            part = self._part(sheet)
            xml, fixed = apply_patch(self.package.read(part), self._dates_shown(self.package.read(part), patch))
            restored += [(sheet, r) for r in fixed]
            if sheet in plan.links:
                area = (patch.clear_from_row, *patch.clear_cols) if patch.clear_from_row and patch.clear_cols else None
                xml = set_internal_hyperlinks(xml.decode("utf-8"), plan.links[sheet], area).encode("utf-8")
            self.package.write(part, xml)
        self.package.drop_calc_chain()
        self.package.set_full_calc_on_load()
        return restored

    def _dates_shown(self, xml: bytes, patch: SheetPatch) -> SheetPatch:
        """A date written in its column's style (``COLUMN_STYLE``, a date typed as text) gets a format
        that shows a date: its column's when that is a date format, else its cell's own look with a
        date format. A column formatted as text or General, the usual reason a date was typed as
        text, would show its serial number."""
        dated = [key for key, write in patch.cells.items() if write.style == COLUMN_STYLE]
        if not dated:
            return patch
        end = xml.find(b"sheetData")
        text = xml.decode("utf-8", errors="replace")
        styled = column_styles(text[: end if end >= 0 else len(text)])
        cells = dict(patch.cells)
        dates = self.package.date_styles()
        for row, col in dated:
            style = styled.get(col)
            if style is None or style not in dates:  # else the column's own date format (a template's)
                own = re.search(rf'<(?:\w+:)?c r="{column_letter(col)}{row}"[^>]*?\bs="(\d+)"', text)
                style = self.package.date_variant(int(own.group(1)) if own else style)
            if style is not None:
                cells[(row, col)] = cells[(row, col)]._replace(style=style)
        return SheetPatch(cells, patch.columns, patch.clear_from_row, patch.clear_cols)

    def save(self, dest: str | Path | None = None) -> Path:
        return self.package.save(dest)
