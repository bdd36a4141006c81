"""An input table a recalculation cannot do without: found, or a message that says what to do."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from xlprod.core.cells import cell_text
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter, quote_sheet
from xlprod.core.money import french_number
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import RawTable, WorkbookPort
from xlprod.workbook.sheetxml import Restored


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


def rows_below(book: WorkbookPort, table: RawTable, code: str, consequence: str, pasted: str = "ligne",
               listed: int = 10) -> list[Issue]:
    """Rows typed under a table, outside it (LibreOffice and scripts do not extend a table): an
    error at each, never silently counted nor ignored; past ``listed``, one message for the rest.
    ``consequence``: what becomes of such a row (« elle n'est pas comptée »); ``pasted``: what the
    user pastes back into the table (« dépense »)."""
    rows = sorted({c.row for c in book.cells_below(table)})
    col = column_letter(table.first_col)
    out = [error(code, Location(book=book.book_name, sheet=table.sheet, cell=f"{col}{r}"),
                 f"Ligne {r} saisie sous le tableau {table.name}, hors du tableau : {consequence}.",
                 "Insérez-la dans le tableau (dans LibreOffice : insérez une ligne dans le tableau puis collez-y la "
                 f"{pasted} ; dans Excel, une ligne tapée juste sous le tableau l'agrandit).") for r in rows[:listed]]
    if len(rows) > listed:
        out.append(error(code, Location(book=book.book_name, sheet=table.sheet, cell=f"{col}{rows[listed]}"),
                         f"… et {len(rows) - listed} autre(s) ligne(s) sous le tableau {table.name}, dans le même cas.",
                         ""))
    return out


def _typed(value: str | None) -> str:
    """A value read from the sheet's XML as a user typed it: 1 234,5 rather than 1234.5."""
    try:
        number = float(value or "")
    except ValueError:
        return value or ""
    return french_number(Decimal(repr(number)))


def restored_warnings(restored: Iterable[tuple[str, Restored]], book: str, code: str,
                      header_of: Callable[[str, int], str], hint: str) -> list[Issue]:
    """A computed cell typed over: its formula put back by the recalculation, and said, once per column
    (a value typed over 100 rows is one fact). ``header_of(sheet, col)``: the column's name for the user."""
    by_col: dict[tuple[str, int], list[Restored]] = {}
    for sheet, r in restored:
        by_col.setdefault((sheet, r.col), []).append(r)
    out = []
    for (sheet, col), cells in sorted(by_col.items()):
        first, *others = sorted(cells, key=lambda r: r.row)
        was = f"la formule ={first.old_formula}" if first.old_formula else f"la valeur « {_typed(first.old_value)} »"
        named = ", ".join(f"{column_letter(col)}{r.row}" for r in others[:5]) + (" …" if len(others) > 5 else "")
        more = f" (et {named})" if others else ""
        out.append(warning(code, Location(book=book, sheet=sheet, cell=f"{column_letter(col)}{first.row}"),
                           f"« {header_of(sheet, col)} » est calculé par le classeur : {was} remplacée par sa "
                           f"formule{more}.", hint))
    return out
