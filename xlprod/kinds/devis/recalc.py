"""« Recalculer » on a devis: read the table and parameters, compute, check, plan the writes.

Works on any ``WorkbookPort`` (a file or a book open in Excel); the caller decides whether to save.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter, ne
from typing import Any, cast

from xlprod.core.cells import FormulaValue
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, cell_address, column_index, column_letter, split_cell
from xlprod.core.money import format_eur, french_number, to_excel, to_excel_all
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.checks import validate_budget
from xlprod.kinds.devis.compute import BudgetResult, compute_budget
from xlprod.kinds.devis.model import Budget, BudgetParameters
from xlprod.kinds.devis.parameters import default_parameters
from xlprod.kinds.devis.rates import rates_from_components
from xlprod.kinds.devis.reader import (
    REFUSED_CODES,
    DevisRead,
    column_renames,
    map_columns,
    outside_issues,
    read_devis,
    read_parameters,
)
from xlprod.kinds.devis.structure import Structure, restore_computed_columns, restore_structure
from xlprod.kinds.devis.topsheet import render_topsheet
from xlprod.kinds.registry import Report
from xlprod.workbook.controls import plan_controls, plan_controls_frame
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.formulas import normalize_formula, rename_columns
from xlprod.workbook.placement import Placement, inserted_cells
from xlprod.workbook.port import RawTable, WorkbookPort, WritePlan
from xlprod.workbook.sheetxml import CellValue, CellWrite, ColumnWrite, Restored, SheetPatch


@dataclass(frozen=True)
class DevisSummary:
    budget: Budget
    result: BudgetResult
    provisional: bool = False  # computed with refused inputs taken as blank: not written to the workbook

    def headline(self) -> str:
        if self.provisional:  # no figure: the workbook's formulas show their own, from the cells as typed
            return "totaux non mis à jour (voir les erreurs)"
        return f"total {format_eur(self.result.total)}"

    def render(self) -> str:
        return render_topsheet(self.result, self.budget.parameters)

    def to_json(self) -> dict[str, object]:
        r = self.result

        def money(d: Decimal) -> str:
            return f"{d:.2f}"

        return {
            "chapters": [{"number": c.number, "label": c.label, "amount": money(c.amount),
                          "france_amount": money(c.france_amount)} for c in r.chapters],
            "subtotal": money(r.subtotal), "overhead": money(r.overhead),
            "contingency": money(r.contingency), "total": money(r.total),
            "france_total": money(r.france_total), "france_share": f"{r.france_share:.6f}",
            "social_charges": [{"category": c.category.value, "gross": money(c.gross), "rate": str(c.rate),
                                "charges": money(c.charges)} for c in r.charges],
            "tags": {t.value: money(v) for t, v in r.tag_totals.items()},
            "protocol": {  # transparency protocol, arrêté of 7 February 2011: each cap, amount and headroom
                "film_cost": money(r.film_cost),
                "base": money(r.protocol_base),
                "financial_cap_applies": r.financial_cap_applies,
                "flat_financial_costs": money(r.flat_financial_costs) if r.flat_financial_costs is not None else None,
                **{key: {"amount": money(amount), "cap": money(cap), "headroom": money(cap - amount)}
                   for key, amount, cap in (("producer_pay", r.producer_pay, r.producer_pay_cap),
                                            ("overhead", r.overhead, r.overhead_cap),
                                            ("financial_costs", r.financial_costs, r.financial_costs_cap))},
            },
            "tax_credit": {  # CGI art. 220 sexies: the eligible base is not French spend
                "eligible_lines": money(r.credit.lines), "capped": money(r.credit.capped),
                "charges": money(r.credit.charges),
                "director_pay": money(r.credit.director_pay), "director_cap": money(r.credit.director_cap),
                "director_excess": money(r.credit.director_excess), "base": money(r.credit.base),
                "rate": str(r.credit.rate), "estimate": money(r.credit.estimate), "ceiling": money(r.credit.ceiling),
                "france_total": money(r.france_total),
            },
            "provisional": self.provisional,
        }


_POSTE_VALUES = {str(d): d for d in range(10)}


def recalc_devis(book: WorkbookPort, now: dt.datetime, carried: Sequence[Issue] = ()) -> Report:
    """Read, check, compute and write back a devis. ``carried``: what the action before found (an import's
    lines refused), listed first in Contrôles and in the report."""
    report = Report(book=book.book_name, kind=L.KIND)
    table = book.table(L.TABLE_DEVIS)
    if table is None:
        raise WorkbookError(Location(book=book.book_name, sheet=L.SHEET_DEVIS),
                            f"tableau Excel « {L.TABLE_DEVIS} » introuvable",
                            "Les lignes du devis doivent rester dans le tableau nommé Devis (Création de tableau > "
                            "Nom du tableau). Repartez d'un modèle avec : xlprod new devis.")
    renames = column_renames(table, book.book_name)
    table, column_issues = restore_computed_columns(book, table, renames)
    structure = restore_structure(book, renames)
    names = [p.name for p in default_parameters()] + [n for _, n, *_ in L.PROJECT_PARAMS]
    named = {n: book.named_cell(n) for n in names}
    rate_fixes, rate_issues = rates_from_components(book, named)
    params, issues, param_fixes = read_parameters(named, book.book_name)
    param_fixes = rate_fixes | param_fixes
    issues[:0] = rate_issues
    issues[:0] = [*structure.issues, *column_issues]
    if book.manual_calculation():
        issues.insert(0, warning(
            "DEV018", Location(book=book.book_name),
            "Le classeur est en calcul manuel : une formule saisie dans une cellule d'entrée peut afficher une valeur "
            "périmée, que xlprod lit telle quelle.",
            "Dans Excel, appuyez sur F9 (Formules > Calculer maintenant) et enregistrez avant le recalcul, ou passez "
            "en calcul automatique (Formules > Options de calcul).",
        ))
    read = read_devis(table, params, book.book_name)
    issues += read.issues
    formula_issues, untouched = _formula_inputs(book, table, read, param_fixes)
    issues = [i for i in issues if not (i.code == "DEV011" and i.location in untouched)] + formula_issues
    issues += outside_issues(book.cells_below(table), table, book.book_name)

    if read.budget is not None:
        budget = read.budget
        result = compute_budget(budget)
        issues += validate_budget(budget, result)
    refused = any(i.code in REFUSED_CODES for i in issues)
    if read.budget is not None:
        report.summary = DevisSummary(budget, result, provisional=refused)
    if read.budget is not None:
        plan = WritePlan()
        # normalisations (« 1 234,56 » typed as text, « Tech ») are written even when other cells are
        # refused: the workbook's formulas then read what Python read
        for (row, col), value in read.fixes.items():
            plan.sheet(table.sheet).set(row, col, _fix(value))
        for loc, value in param_fixes.items():
            cell = split_cell(loc.cell or "")
            if cell and loc.sheet:
                plan.sheet(loc.sheet).set(*cell, _fix(value))
        if refused:
            # Python's figures would use a blank or a default where the workbook's formulas use the
            # cell as typed: writing them would give the file two sets of numbers. Totals are left
            # to the formulas, which Excel and LibreOffice recompute on opening.
            issues.append(warning(
                "DEV047", Location(book=book.book_name, sheet=L.SHEET_SYNTHESE),
                "Des saisies sont refusées (voir les erreurs) : totaux et colonnes calculées ne sont pas mis à jour "
                "par xlprod ; les montants affichés sont ceux des formules du classeur.",
                "Corrigez les cellules signalées puis relancez le recalcul.",
            ))
        else:
            _plan_devis_columns(plan, table, budget, result, renames)
            lost = _plan_synthese(plan, result, params, structure, book.book_name, renames,
                                  lambda cells: book.cell_values(L.SHEET_SYNTHESE, cells))
            if lost:
                issues += lost
                report.summary = DevisSummary(budget, result, provisional=True)
        issues += _restored_warnings(budget, book.apply(plan))

    report.issues = issues = [*carried, *issues]
    controls = WritePlan()
    if L.SHEET_CONTROLES in structure.recreated:
        plan_controls_frame(controls, "Contrôles du devis")
    status = structure.placement.cell(*L.SYN_STATUS_CELL)
    plan_controls(controls, issues, now, (L.SHEET_SYNTHESE, *status) if status else None, structure.controls_origin)
    book.apply(controls)
    return report


def _empty_new_labels(cells: list[L.SynCell], placement: Placement,
                      book_values: Callable[[list[tuple[int, int]]], dict[tuple[int, int], object]]
                      ) -> set[tuple[int, int]]:
    """Labels of the Synthèse where its cell is empty: the rows this version added, in a workbook
    built before; every label of a sheet recreated while inputs were refused. Never written over
    what the user put there."""
    wanted = {(c.row, c.col): placement.cell(c.row, c.col) for c in cells if c.formula is None}
    shown = book_values([cell for cell in wanted.values() if cell])
    return {built for built, cell in wanted.items() if cell and shown.get(cell) in (None, "")}


def _formula_inputs(book: WorkbookPort, table: RawTable, read: DevisRead,
                    param_fixes: dict[Location, object]) -> tuple[list[Issue], set[Location]]:
    """Inputs xlprod would normalise (« tech » -> technicien) but that a formula computes.

    The formula is the user's and stays. When the workbook's formulas read its raw result the
    same way Python does (« TECHNICIEN » for a SUMIFS, which ignores case; ``=225`` as an
    account), nothing is said; otherwise the input is refused. Returns the issues, and the cells
    whose normalisation message no longer applies.
    """
    issues: list[Issue] = []
    untouched: set[Location] = set()
    cols, _ = map_columns(table, book.book_name)
    field_at = {table.first_col + i: fld for fld, i in cols.items()}
    plain = [cell for cell, v in read.fixes.items() if not isinstance(v, FormulaValue)]
    for row, col in sorted(book.formula_cells(table.sheet, plain)):
        raw = table.rows[row - table.header_row - 1][col - table.first_col]
        meant = read.fixes.pop((row, col))
        where = Location(book=book.book_name, sheet=table.sheet, cell=f"{column_letter(col)}{row}")
        untouched.add(where)
        if not _formula_result_agrees(field_at.get(col, ""), raw, meant):
            issues.append(_formula_refused(where, raw, meant))
    for loc in list(param_fixes):
        cell = split_cell(loc.cell or "")
        if cell and loc.sheet and not isinstance(param_fixes[loc], FormulaValue) and book.formula_cells(loc.sheet, [cell]):
            issues.append(_formula_refused(loc, None, param_fixes.pop(loc)))
            untouched.add(loc)
    return issues, untouched


def _formula_result_agrees(fld: str, raw: object, meant: object) -> bool:
    """Does the workbook read this formula result as Python does, without normalising it?"""
    if fld == "unit":  # the Base crédit impôt formula compares it with « jour », « nuit »..., ignoring case
        return isinstance(raw, str) and isinstance(meant, str) and raw.casefold() == meant.casefold()
    if fld == "account":  # LEFT(225;1) is "2", as for the text "225"
        return isinstance(raw, float) and raw.is_integer() and str(int(raw)) == meant
    if fld in ("category", "tax_credit", "protocol") or fld.startswith("tag:"):  # SUMIFS compares text without regard to case
        return isinstance(raw, str) and isinstance(meant, str) and raw.casefold() == meant.casefold()
    if fld in ("quantity", "number", "unit_rate", "france_share"):  # "10" * 2 is 20 in any language
        return isinstance(raw, str) and raw.isdigit()
    return False


def _shown(value: object) -> str:
    if value is None or value == "":
        return "une cellule vide"
    if isinstance(value, bool):
        return "« VRAI »" if value else "« FAUX »"
    if isinstance(value, float | Decimal):
        return f"« {french_number(Decimal(str(value)))} »"
    return f"« {value} »"


def _formula_refused(where: Location, raw: object, meant: object) -> Issue:
    shown = _shown(raw) if raw is not None else "une valeur"
    return error(
        "DEV017", where, f"La formule de cette cellule donne {shown}, que xlprod lit comme {_shown(meant)}, mais que "
        "les formules du classeur ne lisent pas ainsi ; la cellule n'est pas modifiée.",
        f"Faites donner {_shown(meant)} à la formule (ou saisissez la valeur) ; tant que la cellule est refusée, "
        "xlprod ne met pas à jour les totaux du classeur.",
    )


def _plan_synthese(plan: WritePlan, result: BudgetResult, params: BudgetParameters, structure: Structure,
                   book: str, renames: dict[str, str],
                   book_values: Callable[[list[tuple[int, int]]], dict[tuple[int, int], object]]) -> list[Issue]:
    """The Synthèse formulas and their values, where the sheet's rows and columns are now.

    Labels are the builder's, left as the user sees them, unless the sheet was recreated. When
    a calculation row was deleted, the workbook's totals no longer add up what Python's do:
    nothing is written there, so that every reader sees the workbook's own numbers.
    """
    placement, recreated = structure.placement, L.SHEET_SYNTHESE in structure.recreated
    cells = L.synthese_cells(result, params)
    patch = SheetPatch()
    lost: set[int] = set()
    lost_cols = {syn.col for syn in cells if syn.formula and placement.col(syn.col) is None}
    inside = sorted({cell for syn in cells if syn.formula for cell in inserted_cells(placement, syn.formula)})
    # SUM ignores text: only a number (other than 0) makes the workbook's total differ from xlprod's
    typed = {cell: v for cell, v in book_values(inside).items()
             if isinstance(v, int | float) and not isinstance(v, bool) and v != 0}
    if typed:
        where = ", ".join(cell_address(*c) for c in sorted(typed)[:5])
        return [error(
            "DEV053", Location(book=book, sheet=L.SHEET_SYNTHESE, cell=cell_address(*min(typed))),
            f"Synthèse : valeur saisie dans une ligne ou une colonne insérée au milieu d'un total ({where}) ; "
            "le total du classeur la compte, pas celui de xlprod, qui ne met donc pas la synthèse à jour.",
            "Déplacez cette valeur hors des lignes de calcul (sous le tableau de synthèse, ou dans une autre "
            "feuille), ou supprimez la ligne insérée.",
        )]
    new_labels = _empty_new_labels(cells, placement, book_values) if not recreated else set()
    older = {row for row in L.NEW_CHARGE_ROWS if placement.row(row) is None}  # a Synthèse made before them
    used = [c.category.value for c in result.charges if c.category in L.NEW_CATEGORIES and c.gross]
    if older and used:
        return [error(
            "DEV056", Location(book=book, sheet=L.SHEET_SYNTHESE),
            f"La synthèse n'a pas de ligne de charges pour les catégories {' et '.join(c.value for c in L.NEW_CATEGORIES)} "
            "(classeur créé avant elles, ou ligne supprimée), et des lignes du devis sont en "
            f"« {' », « '.join(used)} » ; xlprod ne met donc pas la synthèse à jour.",
            "Copiez la feuille Synthèse d'un modèle neuf (xlprod new devis) à la place de celle-ci, ou choisissez une "
            "autre catégorie pour ces lignes.",
        )]
    taken = structure.taken - older
    if taken and structure.older and taken <= L.NEW_SYN_ROWS:  # the rows this version adds land on the user's cells
        rows_now = sorted(filter(None, (placement.row(r) for r in taken)))
        return [error(
            "DEV060", Location(book=book, sheet=L.SHEET_SYNTHESE, cell=f"A{rows_now[0]}" if rows_now else None),
            f"Synthèse : les lignes que cette version de xlprod ajoute (frais financiers forfaitaires, crédit d'impôt) "
            f"tombent sur des cellules que vous avez remplies (ligne(s) {', '.join(map(str, rows_now))}) ; xlprod ne met "
            "donc pas la synthèse à jour.",
            "Déplacez ce contenu plus bas dans la feuille (ou sur une autre feuille), puis relancez.",
        )]
    lost |= taken
    for syn in cells:
        if syn.row in older:
            continue  # no line uses these populations: the older Synthèse adds up the same
        if (syn.formula is None and not recreated and (syn.row, syn.col) not in new_labels) or syn.col in lost_cols:
            continue
        cell = placement.cell(syn.row, syn.col)
        formula = placement.formula(rename_columns(syn.formula, renames)) if syn.formula else None
        if cell is None or (syn.formula and formula is None):
            if placement.row(syn.row) is None or not lost_cols:  # a row of its own, not one that used a lost column
                lost.add(syn.row)
            continue
        value = to_excel(syn.value) if isinstance(syn.value, Decimal) else syn.value
        patch.set(*cell, CellWrite(cast(CellValue, value), formula, owned=formula is not None))
    if not lost and not lost_cols:
        plan.sheets[L.SHEET_SYNTHESE] = patch
        return []
    labels = {c.row: str(c.value) for c in sorted(cells, key=lambda c: -c.col)
              if c.col <= 2 and c.value not in (None, "") and not isinstance(c.value, Decimal | int | float)}
    headers = {c.col: str(c.value) for c in cells if c.row == L.SYN_HEADER_ROW}
    what = []
    if lost_cols:
        what.append("colonne(s) " + ", ".join(f"« {headers.get(c, column_letter(c))} »" for c in sorted(lost_cols)))
    if lost:
        what.append("ligne(s) " + ", ".join(f"« {labels.get(r, f'ligne {r}')} »" for r in sorted(lost)))
    return [error(
        "DEV051", Location(book=book, sheet=L.SHEET_SYNTHESE),
        f"Synthèse : {' et '.join(what)} de calcul supprimée(s) ; les totaux du classeur n'en tiennent plus compte, "
        "xlprod ne met donc pas la synthèse à jour.",
        "Annulez la suppression (Ctrl+Z), ou copiez la feuille Synthèse d'un modèle neuf (xlprod new devis).",
    )]


def _fix(value: object) -> CellWrite:
    """A normalised input: a value, or a formula with the value xlprod computed for it."""
    if isinstance(value, FormulaValue):
        return CellWrite(to_excel(value.value), value.formula)
    return CellWrite(cast(CellValue, value))


def _plan_devis_columns(plan: WritePlan, table: RawTable, budget: Budget, result: BudgetResult,
                        renames: dict[str, str]) -> None:
    """Computed columns of the table: xlprod's formula, with Python's value as each cached result.

    The table as read holds each cell's cached value, so the rows whose value changed are known
    before touching the sheet: the writer only confirms the formulas and rewrites those rows.
    """
    lines = budget.lines
    first_row = table.header_row + 1
    poste = _POSTE_VALUES.get  # what IFERROR(VALUE(LEFT(Compte,1)),"") shows: the first digit, else blank
    values: dict[str, list[Any]] = {
        "chapter": [poste(line.account[:1], "") for line in lines],
        "amount": to_excel_all(result.line_amounts),
        "france_amount": to_excel_all(result.line_france_amounts),
        "tax_credit_amount": to_excel_all(result.credit.line_amounts),
    }
    for fld in L.COMPUTED_FIELDS:
        col = column_index(budget.table.columns[fld])
        new = values[fld]
        cached = list(map(itemgetter(col - table.first_col), table.rows))
        # exact comparison: xlprod writes doubles back exactly; any other difference is a rewrite, not an error
        differs = list(map(ne, new, cached))
        stale = frozenset(first_row + i for i, d in enumerate(differs)
                          if d and not (new[i] == "" and cached[i] is None)) if any(differs) else frozenset()
        formula = rename_columns(L.COLUMN_BY_FIELD[fld].formula or "", renames)
        plan.sheet(table.sheet).columns.append(ColumnWrite(col, formula, first_row, new, stale))


_RESTORED_HINTS = {
    "chapter": "Cette colonne est calculée : le poste est le premier chiffre du compte ; modifiez le compte.",
    "france_amount": "Cette colonne est calculée : modifiez la part France (ou le montant) de la ligne.",
    "tax_credit_amount": "Cette colonne est calculée : pour exclure ou retenir la ligne, saisissez « non » ou « oui » "
                         "dans la colonne Crédit impôt.",
}
GROUPED = 3  # above this many restored cells in one column, one message for the column


def _restored_warnings(budget: Budget, restored: list[tuple[str, Restored]]) -> list[Issue]:
    """One warning per restored cell; one per column when many were (a column deleted or moved
    in the table changes every formula that used it: nothing the user typed)."""
    by_column: dict[tuple[str, int], list[Restored]] = {}
    legacy = {normalize_formula(f) for f in L.LEGACY_FORMULAS}
    for sheet, r in restored:
        if r.old_formula and normalize_formula(r.old_formula) in legacy:
            continue  # an earlier release's own formula, brought up to date
        by_column.setdefault((sheet, r.col), []).append(r)
    issues: list[Issue] = []
    for (sheet, col), cells in by_column.items():
        if len(cells) <= GROUPED:
            issues += [_restored_warning(budget, sheet, r) for r in cells]
            continue
        first, last = min(cells, key=lambda r: r.row), max(cells, key=lambda r: r.row)
        letter = column_letter(col)
        fld = next((f for f, c in budget.table.columns.items() if column_index(c) == col), "")
        header = L.COLUMN_BY_FIELD[fld].header if sheet == budget.table.sheet and fld in L.COLUMN_BY_FIELD else sheet
        was = f"={first.old_formula}" if first.old_formula else f"« {first.old_value} »"
        issues.append(warning(
            "DEV043", Location(book=budget.table.book, sheet=sheet, cell=f"{letter}{first.row}:{letter}{last.row}"),
            f"{header} : {len(cells)} cellules calculées ne portaient plus la formule de xlprod (en {letter}{first.row} : "
            f"{was}) ; les formules d'origine sont rétablies.",
            "Rien à faire si vous n'avez pas saisi dans ces cellules : supprimer ou déplacer une colonne du tableau "
            "change les formules qui l'utilisaient.",
        ))
    return issues


def _restored_warning(budget: Budget, sheet: str, restored: Restored) -> Issue:
    if sheet != budget.table.sheet:
        was = f"la formule ={restored.old_formula}" if restored.old_formula else f"la valeur « {restored.old_value} »"
        return warning(
            "DEV043", Location(book=budget.table.book, sheet=sheet,
                               cell=f"{column_letter(restored.col)}{restored.row}"),
            f"{sheet} : {was} remplaçait une formule de xlprod ; la formule d'origine est rétablie.",
            "Cette cellule est calculée : écrivez vos propres calculs dans une cellule vide, à côté.",
        )
    fld = next((f for f, letter in budget.table.columns.items() if column_index(letter) == restored.col), "")
    header = L.COLUMN_BY_FIELD[fld].header if fld in L.COLUMN_BY_FIELD else column_letter(restored.col)
    was = f"la formule ={restored.old_formula}" if restored.old_formula else f"la valeur « {restored.old_value} »"
    return warning(
        "DEV043", Location(book=budget.table.book, sheet=sheet, cell=f"{column_letter(restored.col)}{restored.row}"),
        f"{header} : {was} remplaçait le calcul de xlprod ; la formule d'origine est rétablie.",
        _RESTORED_HINTS.get(fld, "Cette colonne est calculée : modifiez la quantité, le nombre ou le taux unitaire "
                                 "de la ligne."),
    )
