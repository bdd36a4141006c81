"""An input table a recalculation cannot do without: found, or a message that says what to do."""

from __future__ import annotations

from collections.abc import Iterable

from xlprod.core.cells import cell_text
from xlprod.core.location import Location, column_letter, quote_sheet
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


def parameter_targets(params: RawTable, parameters: Iterable[tuple[str, ...]]) -> dict[str, str]:
    """Where each parameter's defined name must point: the Valeur cell of its key's row (a sorted
    table moves values, the names follow). ``parameters``: (key, name, …) as the layouts declare
    them; a key without a row has no target (the caller says it is missing)."""
    keys = [cell_text(r[params.headers.index("Clé")]) for r in params.rows]
    col = column_letter(params.first_col + params.headers.index("Valeur"))
    sheet = quote_sheet(params.sheet)
    return {name: f"{sheet}!${col}${params.header_row + 1 + keys.index(key)}"
            for key, name, *_ in parameters if key in keys}
