"""The headless adapter: a workbook file on disk, read with python-calamine, written by patching.

calamine reads the Excel Tables and cached values fast; writes go through ``XlsxPackage`` so
that parts xlprod does not own are copied unchanged.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import python_calamine as pc

from xlprod.core.location import Location, parse_cell_ref
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.package import XlsxPackage
from xlprod.workbook.port import KIND_NAME, RawTable, WritePlan, kind_from_definition
from xlprod.workbook.sheetxml import Restored, apply_patch, set_internal_hyperlinks


class XlsxFile:
    """A workbook file, opened once, patched in memory and saved atomically."""

    def __init__(self, path: str | Path, name: str | None = None) -> None:
        """``name``: the file name messages should show, when ``path`` is a temporary copy."""
        self.path = Path(path)
        self.package = XlsxPackage.open(self.path)
        self.book_name = name or self.path.name
        self._grids: dict[str, list[list[Any]]] = {}
        try:
            self._cal = pc.CalamineWorkbook.from_filelike(io.BytesIO(self.package.raw), load_tables=True)
        except Exception as exc:  # calamine raises its own error types for broken files
            raise WorkbookError(Location(book=self.book_name), f"le classeur est illisible ({exc})",
                                "Ouvrez-le dans Excel, qui sait souvent le réparer, puis enregistrez-le à nouveau.") from exc

    def kind(self) -> str | None:
        return kind_from_definition(self.package.defined_names().get(KIND_NAME))

    def table(self, name: str) -> RawTable | None:
        try:
            t = self._cal.get_table_by_name(name)
        except Exception:
            return None
        if t.start is None:
            return None
        start_row, start_col = t.start
        return RawTable(name=t.name, sheet=t.sheet, header_row=start_row, first_col=start_col + 1,
                        headers=[str(h) for h in t.columns], rows=t.to_python())

    def _grid(self, sheet: str) -> list[list[Any]]:
        if sheet not in self._grids:
            try:
                self._grids[sheet] = self._cal.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception:
                self._grids[sheet] = []
        return self._grids[sheet]

    def named_cell(self, name: str) -> tuple[object, Location] | None:
        text = self.package.defined_names().get(name)
        ref = parse_cell_ref(text) if text else None
        if ref is None:
            return None
        sheet, cell, row, col = ref
        grid = self._grid(sheet)
        value = grid[row - 1][col - 1] if row - 1 < len(grid) and col - 1 < len(grid[row - 1]) else None
        return (None if value == "" else value), Location(book=self.book_name, sheet=sheet, cell=cell)

    def _part(self, sheet: str) -> str:
        part = self.package.sheet_parts().get(sheet)
        if part is None or not self.package.has(part):
            raise WorkbookError(Location(book=self.book_name, sheet=sheet), f"feuille « {sheet} » introuvable",
                                "Rétablissez la feuille (annulez sa suppression ou son renommage), "
                                "ou repartez d'un modèle : xlprod new.")
        return part

    def apply(self, plan: WritePlan) -> list[tuple[str, Restored]]:
        restored: list[tuple[str, Restored]] = []
        for sheet, patch in plan.sheets.items():
            part = self._part(sheet)
            xml, fixed = apply_patch(self.package.read(part), patch)
            restored += [(sheet, r) for r in fixed]
            if sheet in plan.links:
                xml = set_internal_hyperlinks(xml.decode("utf-8"), plan.links[sheet]).encode("utf-8")
            self.package.write(part, xml)
        self.package.drop_calc_chain()
        self.package.set_full_calc_on_load()
        return restored

    def save(self, dest: str | Path | None = None) -> Path:
        return self.package.save(dest)
