"""Actions on workbooks, one function each, called alike by the CLI, Excel buttons and tests.

``recalculate(book)`` looks at the workbook's kind (its ``XLPROD_TYPE`` name) and runs the
matching recalculation; other workbook kinds plug in by adding an entry to ``RECALCULATORS``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter, ne

from xlprod.budget.compute import BudgetResult, compute_budget
from xlprod.budget.model import Budget
from xlprod.budget.reference import default_parameters
from xlprod.budget.validate import validate_budget
from xlprod.core.issues import Issue, count, warning
from xlprod.core.location import Location, column_index, column_letter
from xlprod.core.money import to_excel, to_excel_all
from xlprod.runtime import collector_paused
from xlprod.workbook import devis_layout as L
from xlprod.workbook.devis_reader import read_devis, read_parameters
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import RawTable, WorkbookPort, WritePlan
from xlprod.workbook.sheetxml import CellWrite, ColumnWrite, Restored


@dataclass
class Report:
    """What an action found and computed, for the CLI (text or --json) and for Excel message boxes."""

    book: str
    kind: str
    issues: list[Issue] = field(default_factory=list)
    budget: Budget | None = None
    result: BudgetResult | None = None

    @property
    def errors(self) -> int:
        return count(self.issues)[0]

    @property
    def warnings(self) -> int:
        return count(self.issues)[1]

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"file": self.book, "kind": self.kind}
        r = self.result
        if r is not None:
            def money(d: Decimal) -> str:
                return f"{d:.2f}"

            data["chapters"] = [{"number": c.number, "label": c.label, "amount": money(c.amount),
                                 "france_amount": money(c.france_amount)} for c in r.chapters]
            data.update({
                "subtotal": money(r.subtotal), "overhead": money(r.overhead),
                "contingency": money(r.contingency), "total": money(r.total),
                "france_total": money(r.france_total), "france_share": f"{r.france_share:.6f}",
                "social_charges": [{"category": c.category.value, "gross": money(c.gross), "rate": str(c.rate),
                                    "charges": money(c.charges)} for c in r.charges],
                "tags": {t.value: money(v) for t, v in r.tag_totals.items()},
            })
        data["errors"] = self.errors
        data["warnings"] = self.warnings
        data["issues"] = [i.to_json() for i in self.issues]
        return data


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


_POSTE_VALUES = {str(d): d for d in range(10)}


def recalc_devis(book: WorkbookPort, *, now: dt.datetime | None = None) -> Report:
    """Read, check, compute and write back a devis. The caller decides whether to save the file."""
    report = Report(book=book.book_name, kind=L.KIND)
    table = book.table(L.TABLE_DEVIS)
    if table is None:
        raise WorkbookError(Location(book=book.book_name, sheet=L.SHEET_DEVIS),
                            f"tableau Excel « {L.TABLE_DEVIS} » introuvable",
                            "Les lignes du devis doivent rester dans le tableau nommé Devis (Création de tableau > "
                            "Nom du tableau). Repartez d'un modèle avec : xlprod new devis.")
    names = [p.name for p in default_parameters()] + [n for _, n, *_ in L.PROJECT_PARAMS]
    named = {n: book.named_cell(n) for n in names}
    params, issues, param_fixes = read_parameters(named, book.book_name)
    read = read_devis(table, params, book.book_name)
    issues += read.issues

    if read.budget is not None:
        budget = read.budget
        result = compute_budget(budget)
        issues += validate_budget(budget, result)
        plan = WritePlan()
        _plan_devis_columns(plan, table, budget, result)
        for (row, col), value in read.fixes.items():
            plan.sheet(table.sheet).set(row, col, CellWrite(value))
        for loc, value in param_fixes.items():
            m = re.match(r"([A-Z]+)(\d+)", loc.cell or "")
            if m and loc.sheet:
                plan.sheet(loc.sheet).set(int(m.group(2)), column_index(m.group(1)), CellWrite(value))
        for cell in L.synthese_cells(result, params):
            value = to_excel(cell.value) if isinstance(cell.value, Decimal) else cell.value
            plan.sheet(L.SHEET_SYNTHESE).set(cell.row, cell.col, CellWrite(value, cell.formula))
        issues += [_restored_warning(budget, sheet, r) for sheet, r in book.apply(plan)]
        report.budget, report.result = budget, result

    report.issues = issues
    controls = WritePlan()
    _write_controles(controls, report, now or dt.datetime.now())
    book.apply(controls)
    return report


def _plan_devis_columns(plan: WritePlan, table: RawTable, budget: Budget, result: BudgetResult) -> None:
    """Computed columns of the table: xlprod's formula, with Python's value as each cached result.

    The table as read holds each cell's cached value, so the rows whose value changed are known
    before touching the sheet: the writer only confirms the formulas and rewrites those rows.
    """
    lines = budget.lines
    first_row = table.header_row + 1
    poste = _POSTE_VALUES.get  # what IFERROR(VALUE(LEFT(Compte,1)),"") shows: the first digit, else blank
    values = {
        "chapter": [poste(line.account[:1], "") for line in lines],
        "amount": to_excel_all(result.line_amounts),
        "france_amount": to_excel_all(result.line_france_amounts),
    }
    for fld in L.COMPUTED_FIELDS:
        col = column_index(budget.table.columns[fld])
        new = values[fld]
        cached = list(map(itemgetter(col - table.first_col), table.rows))
        # exact comparison: xlprod writes doubles back exactly; any other difference is a rewrite, not an error
        differs = list(map(ne, new, cached))
        stale = frozenset(first_row + i for i, d in enumerate(differs)
                          if d and not (new[i] == "" and cached[i] is None)) if any(differs) else frozenset()
        plan.sheet(table.sheet).columns.append(ColumnWrite(col, L.COLUMN_BY_FIELD[fld].formula or "", first_row,
                                                           new, stale))


def _restored_warning(budget: Budget, sheet: str, restored: Restored) -> Issue:
    fld = next((f for f, letter in budget.table.columns.items() if column_index(letter) == restored.col), "")
    header = L.COLUMN_BY_FIELD[fld].header if fld in L.COLUMN_BY_FIELD else column_letter(restored.col)
    was = f"la formule ={restored.old_formula}" if restored.old_formula else f"la valeur « {restored.old_value} »"
    return warning(
        "DEV043", Location(book=budget.table.book, sheet=sheet, cell=f"{column_letter(restored.col)}{restored.row}"),
        f"{header} : {was} remplaçait le calcul de xlprod ; la formule d'origine est rétablie.",
        "Cette colonne est calculée : modifiez la quantité, le nombre ou le taux unitaire de la ligne.",
    )


def _write_controles(plan: WritePlan, report: Report, now: dt.datetime) -> None:
    errors, warnings = report.errors, report.warnings
    stamp = now.strftime("%d/%m/%Y à %H:%M")
    if errors or warnings:
        summary = f"{plural(errors, 'erreur')}, {plural(warnings, 'avertissement')}"
        status = f"Contrôles : {summary} — voir l'onglet {L.SHEET_CONTROLES} (recalculé le {stamp})."
    else:
        summary = "aucune anomalie"
        status = f"Contrôles : aucune anomalie (recalculé le {stamp})."
    patch = plan.sheet(L.SHEET_CONTROLES)
    patch.set(2, 1, CellWrite(f"Dernier recalcul le {stamp} : {summary}."))
    first = L.CONTROLES_HEADER_ROW + 1
    patch.clear_from_row = first
    links = []
    rows = L.controles_rows(report.issues)
    if not rows:
        patch.set(first, 1, CellWrite("—"))
        patch.set(first, 4, CellWrite("Aucune anomalie détectée."))
    for i, (severity, where, code, message, hint, target) in enumerate(rows):
        r = first + i
        for col, value in enumerate((severity, where, code, message, hint), start=1):
            patch.set(r, col, CellWrite(value))
        if target:
            links.append((f"B{r}", target, f"Aller à {where}"))
    plan.links[L.SHEET_CONTROLES] = links
    plan.sheet(L.SHEET_SYNTHESE).set(*L.SYN_STATUS_CELL, CellWrite(status))


RECALCULATORS: dict[str, Callable[..., Report]] = {L.KIND: recalc_devis}


def recalculate(book: WorkbookPort, *, now: dt.datetime | None = None) -> Report:
    """The « Recalculer » action: recalculate whatever kind of xlprod workbook ``book`` is.

    Results are written into ``book`` (in memory for a file): saving is the caller's choice, so a
    check-only run is a recalculation that is not saved.
    """
    kind = book.kind()
    handler = RECALCULATORS.get(kind or "")
    if handler is None:
        raise WorkbookError(
            Location(book=book.book_name),
            "ce classeur n'est pas un classeur xlprod (nom défini XLPROD_TYPE absent)"
            if kind is None else f"type de classeur « {kind} » inconnu de cette version de xlprod",
            "Créez le classeur avec « xlprod new devis », puis recopiez-y vos lignes.",
        )
    with collector_paused():
        return handler(book, now=now)
