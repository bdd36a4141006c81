"""An input table a recalculation cannot do without: found, or a message that says what to do."""

from __future__ import annotations

from xlprod.core.location import Location
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import RawTable, WorkbookPort


def input_table(book: WorkbookPort, name: str, sheet: str, kind: str) -> RawTable:
    """The Excel Table ``name``; a ``WorkbookError`` at its sheet when it was deleted or renamed."""
    found = book.table(name)
    if found is None:
        raise WorkbookError(Location(book=book.book_name, sheet=sheet), f"tableau Excel « {name} » introuvable",
                            "Rétablissez le tableau (annulez sa suppression), ou repartez d'un modèle : "
                            f"xlprod new {kind}, et recopiez-y vos lignes.")
    return found
