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

from xlprod.budget.compute import BudgetResult, compute_budget
from xlprod.budget.model import Budget
from xlprod.budget.reference import default_parameters
from xlprod.budget.validate import validate_budget
from xlprod.core.issues import Issue, count, warning
from xlprod.core.location import Location, column_index
from xlprod.workbook import devis_layout as L
from xlprod.workbook.devis_reader import read_devis, read_parameters
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import WorkbookPort, WritePlan
from xlprod.workbook.sheetxml import CellWrite


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


def _norm_formula(text: str) -> str:
    return re.sub(r"[\s$]", "", text.lstrip("=")).upper()


def _poste_value(account: str) -> object:
    """What ``IFERROR(VALUE(LEFT(Compte,1)),"")`` shows: the first digit, else blank."""
    return int(account[0]) if account[:1].isdigit() else ""


def recalc_devis(book: WorkbookPort, *, write: bool = True, now: dt.datetime | None = None) -> Report:
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
    plan = WritePlan()

    if read.budget is not None:
        budget = read.budget
        result = compute_budget(budget)
        issues += validate_budget(budget, result)
        issues += _write_devis_columns(book, plan, table, budget, result)
        for (row, col), value in read.fixes.items():
            plan.sheet(table.sheet).set(row, col, CellWrite(value))
        for loc, value in param_fixes.items():
            m = re.match(r"([A-Z]+)(\d+)", loc.cell or "")
            if m and loc.sheet:
                plan.sheet(loc.sheet).set(int(m.group(2)), column_index(m.group(1)), CellWrite(value))
        for cell in L.synthese_cells(result, params):
            value = cell.value
            if isinstance(value, Decimal):
                value = float(value)
            plan.sheet(L.SHEET_SYNTHESE).set(cell.row, cell.col, CellWrite(value, cell.formula))
        report.budget, report.result = budget, result

    report.issues = issues
    _write_controles(plan, report, now or dt.datetime.now())
    if write:
        book.apply(plan)
    return report


def _write_devis_columns(book: WorkbookPort, plan: WritePlan, table, budget: Budget, result: BudgetResult) -> list[Issue]:
    """Computed columns of every table row: canonical formula + Python's value as cached result."""
    issues: list[Issue] = []
    letters = budget.table.columns
    cols = {f: column_index(letters[f]) for f in L.COMPUTED_FIELDS}
    first = table.header_row + 1
    rows = range(first, first + len(budget.lines))
    existing = book.existing_cells(table.sheet, set(cols.values()), rows)
    patch = plan.sheet(table.sheet)
    formulas = {f: L.COLUMN_BY_FIELD[f].formula or "" for f in cols}
    normalized = {f: _norm_formula(t) for f, t in formulas.items()}
    for i, line in enumerate(budget.lines):
        values = {"chapter": _poste_value(line.account), "amount": float(result.line_amounts[i]),
                  "france_amount": float(result.line_france_amounts[i])}
        for fld, col in cols.items():
            canonical = formulas[fld]
            ex = existing.get((line.row, col))
            same = bool(ex and ex.formula and (ex.formula == canonical or _norm_formula(ex.formula) == normalized[fld]))
            if ex and not same and (ex.formula or ex.value not in (None, "")):
                header = L.COLUMN_BY_FIELD[fld].header
                was = f"la formule ={ex.formula}" if ex.formula else f"la valeur {ex.value}"
                issues.append(warning(
                    "DEV043", budget.table.where(line.row, fld),
                    f"{header} : {was} remplaçait le calcul de xlprod ; la formule d'origine est rétablie.",
                    "Cette colonne est calculée : modifiez la quantité, le nombre ou le taux unitaire de la ligne.",
                ))
            patch.set(line.row, col, CellWrite(values[fld], canonical, keep_formula=same))
    return issues


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


def recalculate(book: WorkbookPort, *, write: bool = True, now: dt.datetime | None = None) -> Report:
    """The « Recalculer » action: recalculate whatever kind of xlprod workbook ``book`` is."""
    kind = book.kind()
    handler = RECALCULATORS.get(kind or "")
    if handler is None:
        raise WorkbookError(
            Location(book=book.book_name),
            "ce classeur n'est pas un classeur xlprod (nom défini XLPROD_TYPE absent)"
            if kind is None else f"type de classeur « {kind} » inconnu de cette version de xlprod",
            "Créez le classeur avec « xlprod new devis », puis recopiez-y vos lignes.",
        )
    return handler(book, write=write, now=now)
