"""What the expense workbook needs to compute as Python does, put back or refused before a
recalculation: its own sheets (recreated when deleted), the parameters' names (re-pointed to
their key's row, a sorted table moves values), the frozen versions' names trimmed as SUMIFS
compares them, and the formulas a user put in input cells (never replaced)."""

from __future__ import annotations

from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter, split_cell
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.devis.layout import eligible_codes_constant
from xlprod.kinds.tables import parameter_targets
from xlprod.workbook.controls import SHEET as CONTROLS
from xlprod.workbook.controls import plan_controls_frame
from xlprod.workbook.port import RawTable, WorkbookPort, WritePlan, name_target
from xlprod.workbook.sheetxml import CellWrite

OWNED = (L.SHEET_SUIVI, L.SHEET_VERSIONS, L.SHEET_COUT, CONTROLS)


def restore_sheets(book: WorkbookPort) -> list[Issue]:
    out = []
    for sheet in OWNED:
        if book.has_sheet(sheet):
            continue
        book.add_sheet(sheet)
        if sheet == CONTROLS:
            frame = WritePlan()
            plan_controls_frame(frame, "Contrôles du suivi des dépenses")
            book.apply(frame)
        out.append(warning("DEP028", Location(book=book.book_name, sheet=sheet), f"Feuille « {sheet} » supprimée : "
                           "recréée (sans sa mise en forme).", "Rien à faire ; pour retrouver la mise en forme, "
                           "repartez d'un modèle (xlprod new depenses) et recopiez-y vos tables."))
    return out


def restore_names(book: WorkbookPort) -> list[Issue]:
    """Each parameter's name on its key's row of ParametresDepenses; the constant of the eligible
    sub-chapters. A parameter whose row is gone cannot be read: refused (DEP019)."""
    names = book.defined_names()
    out: list[Issue] = []
    wanted: dict[str, str] = {L.ELIGIBLE_NAME: eligible_codes_constant()}
    params = book.table(L.TABLE_PARAMETRES)
    if params is None or "Clé" not in params.headers or "Valeur" not in params.headers:
        return [error("DEP019", Location(book=book.book_name, sheet=L.SHEET_PARAMETRES),
                      "Tableau ParametresDepenses introuvable (feuille Paramètres supprimée ?) : les formules du suivi "
                      "n'ont plus leurs seuils ni leur version ; le suivi n'est pas mis à jour.",
                      "Annulez la suppression, ou repartez d'un modèle (xlprod new depenses) et recopiez-y vos tables.")]
    targets = parameter_targets(params, L.PARAMETERS)
    for key, name, label, *_ in L.PARAMETERS:
        if name not in targets:
            out.append(error("DEP019", Location(book=book.book_name, sheet=params.sheet),
                             f"Paramètre « {label} » (clé {key}) absent du tableau ParametresDepenses : le suivi n'est "
                             "pas mis à jour.", f"Ajoutez au tableau une ligne de clé {key}, ou annulez sa suppression."))
            continue
        target = targets[name]
        kind, _ = name_target(names.get(name))
        if kind != "cell" or names.get(name, "").lstrip("=") != target:
            wanted[name] = target
            if kind != "cell":
                out.append(warning("DEP019", Location(book=book.book_name, sheet=params.sheet),
                                   f"Nom {name} supprimé ou cassé : rétabli sur la ligne « {key} » des paramètres.",
                                   "Rien à faire."))
    book.set_names(wanted)
    return out


def trim_versions(book: WorkbookPort, snaps: RawTable, meta: RawTable, plan: WritePlan) -> None:
    """The frozen versions' names and accounts, and the chosen version, without the spaces SUMIFS
    would keep: what xlprod wrote, put back."""
    for t, headers in ((snaps, ("Version", "Compte")), (meta, ("Nom",))):
        for header in headers:
            if header not in t.headers:
                continue
            j = t.headers.index(header)
            for i, row in enumerate(t.rows):
                value = row[j]
                if isinstance(value, str) and value != value.strip():
                    plan.sheet(t.sheet).set(t.header_row + 1 + i, t.first_col + j, CellWrite(value.strip()))
                    row[j] = value.strip()
    found = book.named_cell("PARAM_VERSION_ACTUELLE")
    if found and isinstance(found[0], str) and found[0] != found[0].strip() and found[1].sheet and found[1].cell:
        cell = split_cell(found[1].cell)
        if cell:
            plan.sheet(found[1].sheet).set(*cell, CellWrite(found[0].strip()))


def formula_inputs(book: WorkbookPort, dep: RawTable, fixes: dict[tuple[int, int], object]) -> list[Issue]:
    """A formula typed in an input cell is the user's: never replaced by the value read. When its
    result differs from that value only by case, SUMIFS reads it alike; otherwise the workbook's
    formulas would not count it as Python does: refused (DEP018)."""
    held = book.formula_cells(dep.sheet, list(fixes))
    out = []
    for row, col in sorted(held):
        value = fixes.pop((row, col))
        shown = dep.rows[row - dep.header_row - 1][col - dep.first_col]
        if isinstance(shown, str) and isinstance(value, str) and shown.casefold() == value.casefold():
            continue
        out.append(error("DEP018", Location(book=book.book_name, sheet=dep.sheet, cell=f"{column_letter(col)}{row}"),
                         f"La formule de cette cellule donne « {_said(shown)} », que les formules du classeur ne lisent "
                         f"pas comme xlprod (« {_said(value)} ») ; le suivi n'est pas mis à jour.",
                         f"Faites donner « {_said(value)} » à la formule, ou remplacez-la par la valeur."))
    return out


def _said(value: object) -> str:
    """A value as a user reads it in a message: 1201 rather than 1201.0."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value).replace(".", ",")
    return str(value)
