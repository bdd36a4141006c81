"""The Excel adapter: the same ``WorkbookPort`` over a book open in Excel, through open-source xlwings.

Excel recalculates its own formulas, so applying a plan here writes formulas only where they are
missing or were overwritten, plus input normalisations and the Contrôles sheet; cached values
are Excel's business.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlprod.core.location import Location, column_letter
from xlprod.workbook.port import RawTable, WritePlan
from xlprod.workbook.sheetxml import ExcelError, Restored, normalize_formula
from xlprod.workbook.xlsx_file import parse_cell_ref


class ExcelBook:
    """A book open in Excel (an ``xlwings.Book``)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.book_name = book.name

    def _name_text(self, name: str) -> str | None:
        try:
            return str(self.book.names[name].refers_to)
        except Exception:
            return None

    def kind(self) -> str | None:
        text = self._name_text("XLPROD_TYPE")
        return text.strip().lstrip("=").strip('"') if text else None

    def table(self, name: str) -> RawTable | None:
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if table.name == name:
                    header = table.header_row_range
                    body = table.data_body_range
                    values = body.options(ndim=2).value if body is not None else []
                    return RawTable(name=name, sheet=sheet.name, header_row=header.row, first_col=header.column,
                                    headers=[str(h) for h in header.value],
                                    rows=[[None if v == "" else v for v in row] for row in values])
        return None

    def named_cell(self, name: str) -> tuple[object, Location] | None:
        text = self._name_text(name)
        ref = parse_cell_ref(text) if text else None
        if ref is None:
            return None
        sheet, cell, _, _ = ref
        return self.book.sheets[sheet].range(cell).value, Location(book=self.book_name, sheet=sheet, cell=cell)

    def _formulas(self, ws: Any, cells: list[tuple[int, int]]) -> dict[tuple[int, int], object]:
        """Current formula (or constant) of each cell, read one column block at a time."""
        out: dict[tuple[int, int], object] = {}
        by_col: dict[int, list[int]] = {}
        for row, col in cells:
            by_col.setdefault(col, []).append(row)
        for col, rows in by_col.items():
            first, last = min(rows), max(rows)
            block = ws.range(f"{column_letter(col)}{first}:{column_letter(col)}{last}").options(ndim=2).formula
            for i, (text,) in enumerate(block):
                out[(first + i, col)] = text
        return out

    def apply(self, plan: WritePlan) -> list[tuple[str, Restored]]:
        restored: list[tuple[str, Restored]] = []
        for sheet, patch in plan.sheets.items():
            ws = self.book.sheets[sheet]
            if patch.clear_from_row is not None:
                last = ws.used_range.last_cell.row
                if last >= patch.clear_from_row:
                    ws.range(f"{patch.clear_from_row}:{last}").clear_contents()
            cells = dict(patch.cells)
            for column in patch.columns:
                cells.update({(row, column.col): column.cell(row) for row in column.rows})
            owned = [key for key, w in cells.items() if w.owned]
            current = self._formulas(ws, owned) if owned else {}
            for (row, col), write in cells.items():
                cell = ws.range((row, col))
                if write.owned:
                    text = current.get((row, col))
                    is_formula = isinstance(text, str) and text.startswith("=")
                    if is_formula and normalize_formula(text) == normalize_formula(write.formula or ""):
                        continue  # Excel computes it
                    if text not in (None, ""):
                        restored.append((sheet, Restored(row, col, text[1:] if is_formula else None,
                                                         None if is_formula else str(text))))
                    cell.formula = "=" + (write.formula or "")
                elif write.formula is not None:
                    cell.formula = "=" + write.formula
                elif not isinstance(write.value, ExcelError):
                    cell.value = float(write.value) if isinstance(write.value, Decimal) else write.value
            for ref, target, tip in plan.links.get(sheet, []):
                ws.range(ref).add_hyperlink(f"#{target}", text_to_display=ws.range(ref).value, screen_tip=tip)
        return restored


def recalculer_classeur_actif() -> None:
    """The « Recalculer » ribbon button: recalculate and check the active workbook, report in a message."""
    import xlwings as xw

    from xlprod.services import recalculate
    from xlprod.workbook.errors import WorkbookError

    book = xw.books.active
    try:
        report = recalculate(ExcelBook(book))
    except WorkbookError as exc:
        book.app.alert(f"{exc.message}\n\n{exc.hint}", title="xlprod")
        return
    text = (f"{report.errors} erreur(s), {report.warnings} avertissement(s) : voir l'onglet Contrôles."
            if report.issues else "Recalcul terminé : aucune anomalie.")
    book.app.alert(text, title="xlprod — Recalculer")
