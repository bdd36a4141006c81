"""Employer rates built from the ChargesPatronales table of the Paramètres sheet.

A category's rate cell holds the sum of its column. The workbook's engine keeps it up to date;
Python sums the column itself as well, so that a component changed where nothing recalculates
(a script, a tool without an engine) counts all the same, and the cached total is rewritten.
"""

from __future__ import annotations

from xlprod.cnc.payroll import component_populations
from xlprod.core.cells import FormulaValue
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter, split_cell
from xlprod.core.money import ZERO, french_number, from_double
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.parameters import default_parameters
from xlprod.workbook.formulas import normalize_formula
from xlprod.workbook.port import WorkbookPort

Named = dict[str, tuple[object, Location] | None]


def rates_from_components(book: WorkbookPort, named: Named) -> tuple[dict[Location, object], list[Issue]]:
    """Updates ``named`` with Python's column totals where a rate cell is its column's sum; returns
    the cells to rewrite (a stale cached total, a number typed as text) and the issues."""
    linked = {spec.name: spec for spec in default_parameters() if spec.components}
    fixes: dict[Location, object] = {}
    issues: list[Issue] = []
    table = book.table(L.TABLE_CHARGES)
    if table is None or not linked or not table.rows:  # an empty table: the engines show #REF!, read as such
        return fixes, issues
    formulas = book.sheet_formulas(L.SHEET_PARAMETRES)
    headers = [fold(str(h or "")) for h in table.headers]
    for name, spec in linked.items():
        found = named.get(name)
        if found is None or found[1].sheet != L.SHEET_PARAMETRES:
            continue
        cached, loc = found
        cell = split_cell(loc.cell or "")
        formula = formulas.get(cell) if cell else None
        link = L.component_link(spec.components)
        if formula is not None and normalize_formula(formula) != normalize_formula(link):
            other = next((p for p, h in component_populations().items()
                          if normalize_formula(formula) == normalize_formula(L.component_link(p))), None)
            if other is not None:  # LibreOffice re-points it there when the column is deleted
                issues.append(warning(
                    "DEV059", loc, f"{spec.label} : le taux additionne la colonne « {component_populations()[other]} » "
                    f"du tableau {L.TABLE_CHARGES}, pas la colonne « {component_populations()[spec.components]} ».",
                    f"Rétablissez la colonne « {component_populations()[spec.components]} » du tableau et la formule "
                    f"={link}, ou saisissez le taux voulu dans la cellule.",
                ))
        if formula is None or normalize_formula(formula) != normalize_formula(link):
            continue  # a rate typed by the user, or a formula of theirs: read as it is
        header = fold(component_populations()[spec.components])
        if header not in headers:
            continue  # the column is gone: the cell shows #REF!, refused when read (DEV040)
        col = headers.index(header)
        total = ZERO
        refused = False
        for i, row in enumerate(table.rows):
            raw = row[col]
            where = Location(book=book.book_name, sheet=table.sheet,
                             cell=f"{column_letter(table.first_col + col)}{table.header_row + 1 + i}")
            parsed = parse_number(raw)
            problem = parsed.problem
            if not problem and parsed.value is not None and not ZERO <= parsed.value <= 1:
                problem = (f"« {str(raw).strip()} » : un taux s'écrit en pourcentage ({french_number(parsed.value)} %)"
                           if parsed.from_text and "%" not in str(raw) else
                           f"{french_number(parsed.value)} n'est pas un taux entre 0 % et 100 %")
            if problem:
                refused = True
                issues.append(error(
                    "DEV040", where, f"Composante des charges patronales ({table.headers[col]}) : {problem} ; "
                    "xlprod ne met pas à jour les totaux du classeur tant que la valeur est refusée.",
                    "Saisissez un pourcentage, par exemple 4 %, ou laissez la cellule vide.",
                ))
                continue
            if parsed.value is None:
                continue
            if parsed.from_text:
                fixes[where] = parsed.value
                issues.append(warning(
                    "DEV011", where, f"Composante des charges patronales : nombre saisi comme texte (« {raw} »), "
                    f"converti en nombre ({french_number(parsed.value)}).",
                    "Rien à faire : la cellule contient désormais un nombre.",
                ))
            total += parsed.value
        if refused:
            continue
        if not isinstance(cached, float) or from_double(cached) != total:
            fixes[loc] = FormulaValue(formula.lstrip("="), total)
        named[name] = (float(total), loc)
    for below in {c.row: c for c in book.cells_below(table)}.values():  # a component typed under the table
        issues.append(warning(
            "DEV061", Location(book=book.book_name, sheet=table.sheet, cell=f"{column_letter(below.col)}{below.row}"),
            f"Ligne {below.row} sous le tableau {L.TABLE_CHARGES}, hors du tableau : elle n'entre dans aucun taux.",
            f"Insérez une ligne dans le tableau {L.TABLE_CHARGES} (clic droit sur sa dernière ligne > Insérer > "
            "Lignes du tableau) et déplacez-y cette composante, ou effacez-la.",
        ))
    return fixes, issues
