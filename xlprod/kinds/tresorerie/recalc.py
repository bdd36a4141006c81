"""« Recalculer la trésorerie »: copy the devis, give sources without tranches their type's
schedule, compute the monthly table and its critical period, check, write formulas with cached
values. Works on any ``WorkbookPort`` (a file or a book open in Excel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, cast

from xlprod.cnc.financing import Phase
from xlprod.core.cells import from_serial
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter, quote_sheet, split_cell
from xlprod.core.money import ZERO, format_eur, format_percent, french_number, to_excel
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold
from xlprod.kinds.registry import Report
from xlprod.kinds.tables import input_table
from xlprod.kinds.tresorerie import layout as L
from xlprod.kinds.tresorerie.checks import check_interest_against_devis, validate_cash_plan
from xlprod.kinds.tresorerie.compute import (
    CashFlow,
    actual_key,
    actual_months,
    adjusted_cumulative,
    budget_amounts,
    compute_cash_flow,
    forecast_paid,
    measures,
    past_actuals,
)
from xlprod.kinds.tresorerie.model import CashParameters, CashPlan, Source, Tranche
from xlprod.kinds.tresorerie.reader import (
    EVENTS,
    BudgetRows,
    build_plan,
    cell_text,
    excel_date,
    read_budget,
    read_calendar,
    read_sources,
    read_templates,
    read_tranches,
    read_types,
)
from xlprod.kinds.tresorerie.schedule import tranche_amounts
from xlprod.workbook.controls import plan_controls
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import RawTable, WorkbookPort, WritePlan
from xlprod.workbook.sheetxml import CellValue, CellWrite, ColumnWrite, SheetPatch

DEVIS_NAMES = {**{str(n): f"DEVIS_POSTE_{n}" for n in range(1, 10)}, "frais_generaux": "DEVIS_FRAIS_GENERAUX",
               "imprevus": "DEVIS_IMPREVUS"}
TOO_BIG = Decimal(10) ** 10  # beyond, a typing accident, and cents a spreadsheet's doubles cannot keep
REFUSED = frozenset({"TRE006", "TRE010", "TRE011", "TRE016", "TRE017", "TRE019", "TRE027", "TRE028"})
# figures that come from the cash flow itself: not said when inputs are refused (they would be wrong)
FROM_FIGURES = frozenset({"TRE001", "TRE002", "TRE003", "TRE007", "TRE015", "TRE020", "TRE021", "TRE025", "TRE026"})


class TresoSummary(NamedTuple):
    plan: CashPlan
    flow: CashFlow
    provisional: bool = False

    def headline(self) -> str:
        if self.provisional:
            return "trésorerie non mise à jour (voir les erreurs)"
        c = self.flow.critical
        low = f"solde le plus bas {format_eur(c.lowest)} en {c.lowest_month:%m/%Y}"
        return f"écart de financement {format_eur(self.flow.financing_gap)}, {low}"

    def render(self) -> str:
        f, c = self.flow, self.flow.critical
        lines = [f"Plan de trésorerie — {len(self.plan.sources)} sources",
                 f"Budget {format_eur(f.budget_total)} ; financements {format_eur(f.financing_total)} ; écart "
                 f"{format_eur(f.financing_gap)}",
                 f"Aides publiques : {format_percent(f.aid_intensity)} du budget (plafond "
                 f"{format_percent(self.plan.parameters.aid_cap)})",
                 f"Solde le plus bas : {format_eur(c.lowest)} en {c.lowest_month:%m/%Y} ; {c.duration} mois négatifs ; "
                 f"solde final {format_eur(f.final_balance)}"]
        lines += [f"  • {m.text}" for m in measures(f, self.plan)]
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        f, c = self.flow, self.flow.critical

        def money(d: Decimal) -> str:
            return f"{d:.2f}"

        return {
            "budget_total": money(f.budget_total), "financing_total": money(f.financing_total),
            "financing_gap": money(f.financing_gap), "public_aid_intensity": f"{f.aid_intensity:.6f}",
            "lowest_balance": money(c.lowest), "lowest_month": c.lowest_month.isoformat(),
            "negative_months": [m.isoformat() for m in c.negative_months], "final_balance": money(f.final_balance),
            "bridge_loan": money(c.bridge_loan), "bridge_interest": money(c.interest),
            "backing": [{"source": p.source, "date": p.date.isoformat(), "amount": money(p.amount)} for p in c.backing],
            "measures": [{"kind": m.kind, "amount": money(m.amount), "text": m.text} for m in measures(f, self.plan)],
            "months": [{"month": m.isoformat(), "net": money(f.net(m)), "balance": money(b),
                        "receipts": {s: money(r[m]) for s, r in f.receipts.items() if m in r},
                        "payments": {k: money(p[m]) for k, p in f.payments.items() if m in p},
                        "vat_paid": money(f.vat_paid.get(m, ZERO)), "vat_recovered": money(f.vat_recovered.get(m, ZERO))}
                       for m, b in zip(f.months, f.balances(), strict=True)],
            "provisional": self.provisional,
        }


def _table(book: WorkbookPort, name: str, sheet: str) -> RawTable:
    return input_table(book, name, sheet, L.KIND)


def _parameter(book: WorkbookPort, name: str) -> object:
    found = book.named_cell(name)
    return found[0] if found else None


class _ParameterReader(NamedTuple):
    """A parameter through its name: a number typed as text is read and normalised in place (as
    the workbook's formulas need a number), anything else is refused where it is. Normalisations
    go into ``plan``, which is applied even when the inputs are refused (TRE024 says it is done)."""

    book: WorkbookPort
    issues: list[Issue]
    plan: WritePlan

    def __call__(self, name: str, default: Decimal, label: str, rate: bool = False) -> Decimal:
        found = self.book.named_cell(name)
        if found is None:
            return default
        raw, where = found
        if raw in (None, ""):
            return default
        parsed = parse_number(raw)
        problem = parsed.problem or ("" if parsed.value is not None else "valeur illisible")
        if not problem and rate and parsed.value is not None and not ZERO <= parsed.value <= 1:
            problem = f"{french_number(parsed.value)} n'est pas un taux entre 0 % et 100 %"
        if not problem and parsed.value is not None and abs(parsed.value) >= TOO_BIG:
            problem = f"{french_number(parsed.value)} dépasse toute valeur plausible"
        if problem or parsed.value is None:
            self.issues.append(error(
                "TRE017", where, f"{label} : {problem} ; xlprod ne met pas à jour la trésorerie tant que la valeur "
                "est refusée.", "Saisissez un nombre (par exemple 60 % ou 20 000).",
            ))
            return default
        if parsed.from_text and where.sheet and where.cell:
            cell = split_cell(where.cell)
            if cell:
                self.plan.sheet(where.sheet).set(*cell, CellWrite(to_excel(parsed.value)))
                self.issues.append(warning(
                    "TRE024", where, f"{label} : nombre saisi comme texte (« {raw} »), converti en nombre "
                    f"({french_number(parsed.value)}).", "Rien à faire : la cellule contient désormais un nombre.",
                ))
        return parsed.value

    def yes_no(self, name: str, label: str) -> bool:
        """« oui » or « non » (blank: non), written back as such: the workbook compares it exactly."""
        found = self.book.named_cell(name)
        if found is None or found[0] in (None, ""):
            return False
        raw, where = found
        word = fold(str(raw))
        if word not in (L.YES, L.NO):
            self.issues.append(error(
                "TRE017", where, f"{label} : « {raw} » au lieu de « oui » ou « non ».", "Saisissez « oui » ou « non ».",
            ))
            return False
        if raw != word and where.sheet and where.cell:
            cell = split_cell(where.cell)
            if cell:
                self.plan.sheet(where.sheet).set(*cell, CellWrite(word))
        return word == L.YES

    def months(self, name: str, default: int, label: str) -> int:
        value = self(name, Decimal(default), label)
        if value != value.to_integral_value() or not 0 <= value <= 24:
            found = self.book.named_cell(name)
            self.issues.append(error(
                "TRE017", found[1] if found else Location(book=self.book.book_name, sheet=L.SHEET_PARAMETRES),
                f"{label} : {french_number(value)} n'est pas un nombre entier de mois entre 0 et 24.",
                "Saisissez un nombre entier de mois (par exemple 2).",
            ))
            return default
        return int(value)


def _decimal(value: object, default: Decimal) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    return default


def recalc_tresorerie(book: WorkbookPort, now: dt.datetime, carried: Sequence[Issue] = ()) -> Report:
    report = Report(book=book.book_name, kind=L.KIND)
    issues: list[Issue] = list(carried)  # what the action before found, listed first
    plan = WritePlan()
    budget_table = _table(book, L.TABLE_DECAISSEMENTS, L.SHEET_DECAISSEMENTS)
    copied: dict[str, Decimal] = {}
    issues += _copy_devis(book, budget_table, plan, copied)

    fixes: dict[tuple[str, int, int], object] = {}
    for name, sheet, columns in ((L.TABLE_FINANCEMENT, L.SHEET_FINANCEMENT, L.FINANCEMENT_COLUMNS),
                                 (L.TABLE_TRANCHES, L.SHEET_ECHEANCIER, L.TRANCHES_COLUMNS),
                                 (L.TABLE_CALENDRIER, L.SHEET_CALENDRIER, L.CALENDRIER_COLUMNS),
                                 (L.TABLE_DECAISSEMENTS, L.SHEET_DECAISSEMENTS, L.DECAISSEMENTS_COLUMNS)):
        issues += _missing_columns(book, _table(book, name, sheet), columns)
    types = read_types(book.table(L.TABLE_TYPES))
    templates = read_templates(book.table(L.TABLE_TEMPLATES))
    sources = read_sources(_table(book, L.TABLE_FINANCEMENT, L.SHEET_FINANCEMENT), book.book_name, types, issues,
                           fixes)
    tranches_table = _table(book, L.TABLE_TRANCHES, L.SHEET_ECHEANCIER)
    tranches = read_tranches(tranches_table, book.book_name, {s.name for s in sources}, [])
    for source in sources:  # a source without tranches gets its type's schedule, as rows the user can edit
        if source.name in tranches or source.type not in templates:
            continue
        for t in templates[source.type]:
            grown = book.add_table_row(tranches_table, [source.name, t.number, float(t.share or 0), None, None,
                                                         L.EVENT_LABELS[t.event] if t.event else None, t.delay_days,
                                                         "échéancier type (modifiable)"])
            if grown is None:
                issues.append(warning(
                    "TRE023", Location(book=book.book_name, sheet=L.SHEET_ECHEANCIER),
                    f"Source « {source.name} » : pas de place sous le tableau Tranches pour son échéancier type.",
                    "Libérez les lignes sous le tableau Tranches, puis relancez.",
                ))
                break
            tranches_table = grown
    tranches = read_tranches(tranches_table, book.book_name, {s.name for s in sources}, issues, fixes)
    for source in sources:
        if source.name not in tranches:
            issues.append(warning(
                "TRE012", source.where, f"Source « {source.name} » sans tranche ni échéancier type (type "
                f"« {source.type} ») : rien n'est encaissé.",
                "Saisissez ses tranches dans l'Échéancier, ou choisissez un type de la liste (feuille Modèles).",
            ))
    calendar_rows: dict[str, int] = {}
    calendar_table = _table(book, L.TABLE_CALENDRIER, L.SHEET_CALENDRIER)
    calendar = read_calendar(calendar_table, book.book_name, issues, fixes, calendar_rows)
    names = {name: f"{quote_sheet(L.SHEET_CALENDRIER)}!$B${calendar_rows[key]}"
             for _, key, name in L.CALENDAR_ROWS if key in calendar_rows}
    book.set_names(names)  # the CAL_* names follow their key's row (a sorted calendar moves values)
    budget = read_budget(budget_table, book.book_name, issues, fixes)
    budget.amounts |= {k: v for k, v in copied.items() if k in budget.amounts}  # written with the rest of the plan
    normalised = WritePlan()  # what was read with tolerance, as read: applied whether or not inputs are refused
    number = _ParameterReader(book, issues, normalised)
    default = CashParameters()
    params = CashParameters(
        opening_balance=number("TRESO_SOLDE_INITIAL", ZERO, "Trésorerie disponible au début"),
        vat_rate=number("PARAM_TAUX_TVA", default.vat_rate, "Taux de TVA", rate=True),
        vat_recovery_months=number.months("PARAM_DELAI_TVA", default.vat_recovery_months,
                                          "Délai de récupération de la TVA"),
        bridge_margin=number("PARAM_MARGE_RELAIS", default.bridge_margin, "Marge du crédit relais", rate=True),
        bridge_rate=number("PARAM_TAUX_RELAIS", default.bridge_rate, "Taux du crédit relais", rate=True),
        aid_cap=number("PARAM_PLAFOND_AIDE", default.aid_cap, "Plafond des aides publiques", rate=True),
        secured_only=number.yes_no("PARAM_SCENARIO_ACQUIS", "Scénario des sources acquises"),
    )
    interest_threshold = number("PARAM_SEUIL_INTERETS", Decimal(1000), "Seuil d'alerte des intérêts")
    for (sheet, row, col), value in fixes.items():
        normalised.sheet(sheet).set(row, col, CellWrite(cast(CellValue, value)))
    book.apply(normalised)  # the workbook's formulas see it too
    report.issues = issues
    if calendar is None or any(i.code in REFUSED for i in issues):
        report.issues = [i for i in issues if i.code not in FROM_FIGURES]
        _plan_blank_rows(plan, book)
        _plan_input_totals(plan, sources, budget, params)
        # the devis' totals, copied: Décaissements shows them while the plan is being filled
        _write_with_controls(book, report.issues, now, plan)
        return report
    cash_plan = build_plan(sources, tranches, calendar, budget, params,
                           copied.get("credit_impot", _decimal(_parameter(book, "TRESO_CREDIT_IMPOT_DEVIS"), ZERO)))
    actual = _actuals(book, now, tuple(cash_plan.budget.singled), issues)
    cash_plan = cash_plan._replace(templates_fallback=False,  # the workbook's rows or nothing
                                   actuals=actual.by_key, actuals_through=actual.through)
    flow = compute_cash_flow(cash_plan)
    amounts = budget_amounts(cash_plan)
    keys = _budget_rows(cash_plan)
    for key, months in actual.by_key.items():
        allowed = amounts.get(key)
        paid = sum((v for m, v in months.items() if actual.through and m <= actual.through
                    and flow.months[0] <= m.replace(day=1) <= flow.months[-1]), ZERO)
        if allowed is not None and actual_key(key) and paid > allowed:
            cell = (f"{column_letter(L.REALISE_HELP_COL)}{L.REALISE_FIRST_ROW + keys.index(key)}" if key in keys
                    else None)  # its « Payé réel »
            issues.append(warning("TRE035", Location(book=book.book_name, sheet=L.SHEET_REALISE, cell=cell),
                                  f"{(L.BUDGET_LABELS | budget.labels).get(key, key)} : {format_eur(paid)} payés, "
                                  f"au-delà de son budget ({format_eur(allowed)}) : rien n'y reste à payer dans la "
                                  "prévision.",
                                  "Mettez le devis à jour (coût final estimé du suivi des dépenses), puis relancez."))
    outside = sum((v for months in actual.by_key.values() for m, v in months.items()
                   if actual.through is not None and m <= actual.through
                   and not flow.months[0] <= m.replace(day=1) <= flow.months[-1]), ZERO)
    if outside:
        issues.append(warning("TRE034", Location(book=book.book_name, sheet=L.SHEET_REALISE),
                              f"{format_eur(outside)} de paiements réels hors des 60 mois du tableau : non comptés (leur budget "
                              "reste à payer dans la prévision).",
                              "Vérifiez les dates de paiement du suivi des dépenses et la date de début du développement."))
    issues += validate_cash_plan(cash_plan, flow)
    devis_costs = copied.get("frais_financiers", _decimal(_parameter(book, "TRESO_FRAIS_FINANCIERS_DEVIS"), ZERO))
    issues += check_interest_against_devis(cash_plan, flow, devis_costs or None, interest_threshold)
    refused = any(i.code in REFUSED for i in issues)
    if refused:
        issues = [i for i in issues if i.code not in FROM_FIGURES]
    report.summary = TresoSummary(cash_plan, flow, provisional=refused)
    if refused:
        plan = WritePlan()  # the devis' copy waits too: the workbook keeps one set of numbers
    else:
        moved = _layout_moved(book)
        if moved:
            issues.append(moved)
            report.summary = TresoSummary(cash_plan, flow, provisional=True)
            plan = WritePlan()  # nothing of it: the sheet would be half rewritten
        else:
            _plan_tables(plan, book, cash_plan, tranches_table)
            _plan_treso(plan, book, cash_plan, flow, budget.labels)
            _plan_actuals(plan, book, cash_plan, flow, actual, budget.labels)
    report.issues = issues
    _write_with_controls(book, issues, now, plan)
    return report


def _budget_rows(cash_plan: CashPlan) -> list[str]:
    """The budget keys in the order of the Trésorerie's payment rows and of Réalisé's rows: the
    devis' chapters, overhead and contingency, then the devis accounts singled out."""
    return [*L.BUDGET_KEYS, *cash_plan.budget.singled]


def _missing_columns(book: WorkbookPort, table: RawTable, columns: tuple[L.Column, ...]) -> list[Issue]:
    headers = {str(h or "").strip() for h in table.headers}
    return [error(
        "TRE028", Location(book=book.book_name, sheet=table.sheet, cell=f"A{table.header_row}"),
        f"Colonne « {c.header} » absente du tableau {table.name} : ses formules et celles de la Trésorerie "
        "l'utilisent ; xlprod ne met pas à jour la trésorerie.",
        "Annulez la suppression ou le renommage de la colonne, ou repartez d'un modèle : xlprod new tresorerie.",
    ) for c in columns if c.header not in headers]


def _write_with_controls(book: WorkbookPort, issues: list[Issue], now: dt.datetime, plan: WritePlan) -> None:
    """Contrôles and the status line, written with the rest of ``plan`` (the Trésorerie sheet, its
    status line among its cells, is rewritten once)."""
    plan_controls(plan, issues, now, (L.SHEET_TRESO, *L.STATUS_CELL))
    book.apply(plan)


def _copy_devis(book: WorkbookPort, table: RawTable, plan: WritePlan, copied: dict[str, Decimal]) -> list[Issue]:
    """The devis' totals into Décaissements and Paramètres, so that the file stands alone."""
    relative = _parameter(book, "TRESO_DEVIS_FICHIER")
    if not isinstance(relative, str) or not relative.strip():
        return []
    # the workbook's own path: a file's, or the book Excel has open (xlwings: fullname)
    here = getattr(book, "path", None) or getattr(getattr(book, "book", None), "fullname", None)
    path = (Path(here).parent if here else Path.cwd()) / relative.strip()
    where = (book.named_cell("TRESO_DEVIS_FICHIER") or (None, Location(book=book.book_name)))[1]
    last = book.named_cell("TRESO_DEVIS_COPIE")
    kept = ("la dernière copie de ses totaux est utilisée" if last and isinstance(last[0], str) and last[0].strip()
            else "aucun total n'est encore recopié")  # a new plan has no copy to fall back on
    if not path.is_file():
        return [warning(
            "TRE031", where, f"Devis « {relative} » introuvable : {kept}.",
            "Corrigez le chemin (relatif à ce classeur) dans Paramètres, ou placez le devis à côté.",
        )]
    from xlprod.workbook.xlsx_file import XlsxFile

    try:
        devis = XlsxFile(path, for_writing=False)
        values = {key: devis.named_cell(name) for key, name in DEVIS_NAMES.items()}
        extra = {n: devis.named_cell(n) for n in ("DEVIS_CREDIT_IMPOT_ESTIME", "DEVIS_FRAIS_FINANCIERS", "DEVIS_TOTAL")}
    except WorkbookError as exc:
        return [warning("TRE031", where, f"Devis « {relative} » illisible ({exc.message}) : {kept}.",
                        "Indiquez dans Paramètres le devis xlprod de la production.")]
    if any(v is None or not isinstance(v[0], int | float) for v in values.values()):
        return [warning(
            "TRE031", where, f"« {relative} » n'a pas les totaux d'un devis xlprod recalculé : {kept}.",
            "Recalculez le devis (xlprod recalc), puis relancez.",
        )]
    if all(v is not None and v[0] == 0 for v in values.values()):
        return [warning(
            "TRE031", where, f"Le devis « {relative} » est vide (total 0,00 €) : {kept}.",
            "Saisissez les lignes du devis et recalculez-le, puis relancez.",
        )]
    keys = [cell_text(r[table.headers.index("Clé")]) for r in table.rows]
    col = table.first_col + table.headers.index("Montant")
    changed = False
    singled = {key: ZERO for key in keys if L.singled_out(key)}
    if singled:  # the devis lines of those accounts leave their chapter for a row of their own
        try:
            lines = devis.table("Devis")
        except WorkbookError as exc:
            return [warning("TRE031", where, f"Devis « {relative} » illisible ({exc.message}) : {kept}.",
                            "Indiquez dans Paramètres le devis xlprod de la production.")]
        if lines is not None and "Compte" in lines.headers and "Montant" in lines.headers:
            a, m = lines.headers.index("Compte"), lines.headers.index("Montant")
            for line in lines.rows:
                account = cell_text(line[a])
                code = next((k for k in sorted(singled, key=len, reverse=True) if account.startswith(k)), None)
                if code is not None and isinstance(line[m], int | float) and not isinstance(line[m], bool):
                    singled[code] += Decimal(str(line[m]))
        for code, amount in singled.items():
            chapter = values.get(code[0])
            if chapter is not None and isinstance(chapter[0], int | float):
                values[code[0]] = (float(Decimal(str(chapter[0])) - amount), chapter[1])
            values[code] = (float(amount), Location())
    for key, found in values.items():
        if key in keys and found is not None:
            row = table.header_row + 1 + keys.index(key)
            old = table.rows[keys.index(key)][table.headers.index("Montant")]
            copied[key] = Decimal(str(found[0]))
            if old != found[0]:
                changed = True
                plan.sheet(table.sheet).set(row, col, CellWrite(cast(CellValue, found[0])))
    total = extra["DEVIS_TOTAL"][0] if extra["DEVIS_TOTAL"] else None
    for name, param in (("DEVIS_CREDIT_IMPOT_ESTIME", "TRESO_CREDIT_IMPOT_DEVIS"),
                        ("DEVIS_FRAIS_FINANCIERS", "TRESO_FRAIS_FINANCIERS_DEVIS")):
        found = book.named_cell(param)
        if found and found[1].sheet and extra[name] and found[1].cell:
            cell = split_cell(found[1].cell)
            value = extra[name]
            if cell and value and isinstance(value[0], int | float):
                plan.sheet(found[1].sheet).set(*cell, CellWrite(cast(CellValue, value[0])))
                copied["credit_impot" if name == "DEVIS_CREDIT_IMPOT_ESTIME" else "frais_financiers"] = \
                    Decimal(str(value[0]))
    copy = book.named_cell("TRESO_DEVIS_COPIE")
    shown = format_eur(Decimal(str(total))) if isinstance(total, int | float) else "inconnu"
    if copy and copy[1].sheet and copy[1].cell and changed:
        cell = split_cell(copy[1].cell)
        if cell:
            stamp = f"{relative} — {dt.date.today():%d/%m/%Y} — total {shown}"
            plan.sheet(copy[1].sheet).set(*cell, CellWrite(stamp))
    first_copy = not (copy and isinstance(copy[0], str) and copy[0].strip())
    # the same devis and total: the rows moved because Décaissements singled out an account, not the devis
    same_devis = bool(copy and isinstance(copy[0], str) and copy[0].startswith(f"{relative} — ")
                      and copy[0].endswith(f"total {shown}"))
    if not changed or first_copy or same_devis:
        return []
    return [warning("TRE030", where, f"Le devis « {relative} » a changé depuis la dernière copie : ses totaux sont "
                    "recopiés.", "Rien à faire ; vérifiez le plan de financement au regard du nouveau total.")]


class Actuals(NamedTuple):
    by_key: dict[str, dict[dt.date, Decimal]]
    through: dt.date | None
    stamp: str | None = None  # the copy's file, date and total when this run made it ("" : none is left)


def _date_value(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        return from_serial(value)
    return None


def _actuals(book: WorkbookPort, now: dt.datetime, singled: tuple[str, ...], issues: list[Issue]) -> Actuals:
    """The payments actually made, from the expense workbook named in Paramètres; when it cannot be
    read, the last copy on the Réalisé sheet (the file stands alone)."""
    relative = _parameter(book, "TRESO_DEPENSES_FICHIER")
    if not isinstance(relative, str) or not relative.strip():
        return Actuals({}, None)
    where = (book.named_cell("TRESO_DEPENSES_FICHIER") or (None, Location(book=book.book_name)))[1]
    typed = book.named_cell("TRESO_REALISE_JUSQUA")
    through = _date_value(typed[0]) if typed else None
    if typed and isinstance(typed[0], str) and through is None:
        from xlprod.kinds.depenses.reader import parse_date

        through = parse_date(typed[0])  # a date typed as text: read as the user wrote it
    if typed and typed[0] not in (None, "") and through is None:
        issues.append(error("TRE017", typed[1], f"Paiements réels jusqu'au : « {typed[0]} » n'est pas une date.",
                            "Saisissez une date au format JJ/MM/AAAA, ou videz la cellule (fin du mois précédent)."))
    chosen = through is not None
    if through is None:
        through = now.date().replace(day=1) - dt.timedelta(days=1)
    elif through > now.date():
        issues.append(warning("TRE036", typed[1] if typed else where, f"Paiements réels jusqu'au {through:%d/%m/%Y} : "
                              "une date à venir ; les mois jusque-là ne comptent que ce qui est déjà payé.",
                              "Saisissez au plus la fin du dernier mois clos, ou videz la cellule."))
    here = getattr(book, "path", None) or getattr(getattr(book, "book", None), "fullname", None)
    path = (Path(here).parent if here else Path.cwd()) / relative.strip()
    from xlprod.kinds.depenses import layout as DL
    from xlprod.kinds.depenses.actuals import actual_payments
    from xlprod.kinds.depenses.reader import read_entries
    from xlprod.workbook.xlsx_file import XlsxFile

    try:
        other = XlsxFile(path, for_writing=False)
        if other.kind() != DL.KIND:
            raise WorkbookError(Location(book=relative), "ce n'est pas un suivi des dépenses xlprod",
                                "Indiquez le classeur créé par xlprod new depenses.")
        table = other.table(DL.TABLE_DEPENSES)
        if table is None:
            raise WorkbookError(Location(book=relative), "tableau Depenses introuvable", "")
    except (WorkbookError, OSError) as exc:
        message = exc.message if isinstance(exc, WorkbookError) else (exc.strerror or str(exc))
        last = _last_copy(book, through if chosen else None)
        what = ("la dernière copie des paiements réels (feuille Réalisé) est utilisée" if last.through is not None
                else "aucune copie de ses paiements (feuille Réalisé) : la trésorerie n'a que sa prévision")
        issues.append(warning("TRE032", where, f"Suivi des dépenses « {relative} » illisible ({message}) : {what}.",
                              "Indiquez dans Paramètres le suivi des dépenses xlprod de la production."))
        if last.through is None:
            return last._replace(stamp="")  # the stamp of a copy that is gone
        return last
    found: list[Issue] = []
    paid = actual_payments(read_entries(table, relative, found).entries, singled)
    if any(i.severity.value == "erreur" for i in found):
        issues.append(warning("TRE033", where, f"Le suivi des dépenses « {relative} » a des erreurs : ses paiements sont "
                              "repris tels qu'ils se lisent.", "Recalculez-le (xlprod recalc) et corrigez ses erreurs."))
    unassigned = paid.unassigned_through(through)
    if unassigned or paid.undated:
        issues.append(warning("TRE033", where, f"Paiements réels hors des postes : {format_eur(unassigned)} à "
                              f"affecter, {format_eur(paid.undated)} sans date ; ils ne sont pas dans la trésorerie.",
                              "Affectez-les à un compte du devis et datez-les dans le suivi des dépenses."))
    total = paid.total(through)
    stamp = f"{relative.strip()} — {now:%d/%m/%Y} — payé {format_eur(total)} jusqu'au {through:%d/%m/%Y}"
    return Actuals(paid.by_key, through, stamp)


def _last_copy(book: WorkbookPort, wanted: dt.date | None = None) -> Actuals:
    """The payments the Réalisé sheet kept, up to its date or an earlier one the user chose."""
    shown = book.cell_values(L.SHEET_REALISE, [L.REALISE_THROUGH_CELL]) if book.has_sheet(L.SHEET_REALISE) else {}
    through = _date_value(shown.get(L.REALISE_THROUGH_CELL))
    if through is None:
        return Actuals({}, None)
    through = min(through, wanted) if wanted else through
    cols = range(L.FIRST_MONTH_COL, L.LAST_MONTH_COL + 1)
    rows = range(L.REALISE_FIRST_ROW, L.REALISE_FIRST_ROW + 200)
    cells = book.cell_values(L.SHEET_REALISE, [(L.REALISE_HEADER_ROW, c) for c in cols] + [
        (r, c) for r in rows for c in (1, *cols)])
    by_key: dict[str, dict[dt.date, Decimal]] = {}
    for r in rows:
        key = cell_text(cells.get((r, 1)))
        if not key:
            continue
        for c in cols:
            month, value = _date_value(cells.get((L.REALISE_HEADER_ROW, c))), cells.get((r, c))
            if month is not None and isinstance(value, int | float) and not isinstance(value, bool) and value:
                by_key.setdefault(key, {})[month.replace(day=1)] = Decimal(str(value))
    return Actuals(by_key, through)


def _plan_actuals(plan: WritePlan, book: WorkbookPort, cash_plan: CashPlan, flow: CashFlow, actual: Actuals,
                  labels: dict[str, str]) -> None:
    """The Réalisé sheet: the months of the Trésorerie; per budget key the actual payments of the
    past months with what they add up to, the forecast to date, the budget and its lag; then each
    key's cumulative payments, actual then the rest of its budget (the Trésorerie's payments)."""
    if not book.has_sheet(L.SHEET_REALISE):
        book.add_sheet(L.SHEET_REALISE)
    sheet = quote_sheet(L.SHEET_REALISE)
    book.set_names({name: f"{sheet}!${column_letter(col)}${row}" for name, (row, col) in (
        (L.REALISE_THROUGH_NAME, L.REALISE_THROUGH_CELL), (L.REALISE_MONTHS_NAME, L.REALISE_MONTHS_CELL))})
    pr = plan.sheet(L.SHEET_REALISE)
    pr.clear_from_row = L.REALISE_INDEX_ROW
    pr.clear_cols = (1, L.REALISE_HELP_COL + len(L.REALISE_HELP) + 2)
    months = list(flow.months)
    t = actual_months(months, actual.through) if actual.through else 0
    first, last = column_letter(L.FIRST_MONTH_COL), column_letter(L.LAST_MONTH_COL)
    treso = quote_sheet(L.SHEET_TRESO)
    pr.set(*L.REALISE_THROUGH_CELL, CellWrite(excel_date(actual.through) if actual.through else None))
    pr.set(L.REALISE_MONTHS_CELL[0], L.REALISE_MONTHS_CELL[1] - 1, CellWrite("Mois réels"))
    pr.set(*L.REALISE_MONTHS_CELL, CellWrite(float(t), f'IF(N({L.REALISE_THROUGH_NAME})=0,0,COUNTIF({treso}!${first}$'
                                                      f'{L.MONTH_ROW}:${last}${L.MONTH_ROW},"<="&'
                                                      f'{L.REALISE_THROUGH_NAME}))', owned=True))
    pr.set(L.REALISE_HEADER_ROW, 1, CellWrite("Clé"))
    pr.set(L.REALISE_HEADER_ROW, 2, CellWrite("Poste"))
    for k, month in enumerate(months):
        col = column_letter(L.FIRST_MONTH_COL + k)
        pr.set(L.REALISE_INDEX_ROW, L.FIRST_MONTH_COL + k, CellWrite(float(k + 1)))
        pr.set(L.REALISE_HEADER_ROW, L.FIRST_MONTH_COL + k, CellWrite(excel_date(month), f"{treso}!{col}${L.MONTH_ROW}",
                                                                      owned=True))
    for n, head in enumerate(L.REALISE_HELP):
        pr.set(L.REALISE_HEADER_ROW, L.REALISE_HELP_COL + n, CellWrite(head))
    keys = _budget_rows(cash_plan)
    grid = L.Grid(len(cash_plan.sources), len(keys))
    cumul_first = L.realise_cumul_row(len(keys))
    pr.set(cumul_first - 1, 2, CellWrite("Paiements cumulés : réels, puis le reste du budget réparti comme la prévision"))
    amounts = budget_amounts(cash_plan)
    for j, key in enumerate(keys):
        row = L.REALISE_FIRST_ROW + j
        label = (L.BUDGET_LABELS | labels).get(key, key)
        pr.set(row, 1, CellWrite(key))
        pr.set(row, 2, CellWrite(label))
        if not actual_key(key):
            continue  # overhead and contingency: provisions, never paid as entries
        past = past_actuals(months, actual.by_key.get(key, {}), t)
        for month, amount in past.items():
            pr.set(row, L.FIRST_MONTH_COL + months.index(month), CellWrite(to_excel(amount)))
        paid = sum(past.values(), ZERO)
        lag = cash_plan.lags.get(key, 0)
        incurred = flow.incurred.get(key, [ZERO] * len(months))
        budget = amounts.get(key, ZERO)
        cum_row = grid.first_cumulative + j
        values = [paid, forecast_paid(incurred, lag, t), budget, Decimal(lag)]
        for n, formula in enumerate(L.realise_help_formulas(key, j, cum_row)):
            pr.set(row, L.REALISE_HELP_COL + n, CellWrite(to_excel(values[n]), formula, owned=True))
        pr.set(cumul_first + j, 2, CellWrite(label))
        cumulative = adjusted_cumulative(budget, incurred, lag, t, paid, [past.get(m, ZERO) for m in months[:t]])
        for k in range(len(months)):
            col = column_letter(L.FIRST_MONTH_COL + k)
            pr.set(cumul_first + j, L.FIRST_MONTH_COL + k, CellWrite(to_excel(cumulative[k]),
                                                                     L.realise_cumul_formula(col, j, cum_row), owned=True))
    if actual.stamp is not None:
        found = book.named_cell("TRESO_REALISE_COPIE")
        if found and found[1].sheet and found[1].cell and (cell := split_cell(found[1].cell)):
            plan.sheet(found[1].sheet).set(*cell, CellWrite(actual.stamp))


def _layout_moved(book: WorkbookPort) -> Issue | None:
    """The Trésorerie sheet as xlprod laid it out, or rows and columns moved by the user: then
    its formulas cannot be rewritten in place without leaving the moved ones behind."""
    if book.named_cell(L.END_NAME) is None:
        return None  # never filled yet
    budget_row = L.SUMMARY_ROWS["TRESO_BUDGET_TOTAL"]
    cells = {(budget_row[0], 2): budget_row[1], (L.MONTH_ROW, 2): "Mois", (L.INDEX_ROW, L.FIRST_MONTH_COL): 1.0}
    shown = book.cell_values(L.SHEET_TRESO, list(cells))
    if all(shown.get(cell) == value for cell, value in cells.items()):
        return None
    return error(
        "TRE029", Location(book=book.book_name, sheet=L.SHEET_TRESO),
        "La feuille Trésorerie a été modifiée (lignes ou colonnes insérées ou supprimées) : xlprod ne peut plus la "
        "réécrire sans y laisser des formules périmées ; elle n'est pas mise à jour.",
        "Annulez la modification (Ctrl+Z), ou remplacez la feuille par celle d'un modèle neuf (xlprod new tresorerie) ; "
        "pour vos propres calculs, utilisez une autre feuille et les noms TRESO_*.",
    )


def _plan_tables(plan: WritePlan, book: WorkbookPort, cash_plan: CashPlan, tranches: RawTable) -> None:
    """The tables' computed columns, with Python's values."""
    fin = book.table(L.TABLE_FINANCEMENT)
    if fin is not None:
        col = fin.first_col + fin.headers.index("Public retenu") if "Public retenu" in fin.headers else None
        if col is not None:
            by_name = {s.name: s for s in cash_plan.sources}
            name_at = fin.headers.index("Source")
            values: list[CellValue] = [
                (L.YES if by_name[str(r[name_at]).strip()].public else L.NO) if str(r[name_at] or "").strip() in by_name
                else L.NO for r in fin.rows]
            plan.sheet(fin.sheet).columns.append(ColumnWrite(col, L.FINANCEMENT_COLUMNS[-1].formula or "",
                                                             fin.header_row + 1, values,
                                                             frozenset(range(fin.header_row + 1,
                                                                             fin.header_row + 1 + len(fin.rows)))))
    due: dict[int, CellValue] = {}
    paid: dict[int, CellValue] = {}
    for source in cash_plan.sources:
        own = source.tranches  # the table's rows only (a source without any has no row to write)
        for t, amount in zip(own, tranche_amounts(source, own), strict=True):
            if t.where.cell is None:
                continue
            row = int("".join(ch for ch in t.where.cell if ch.isdigit()))
            day = t.date or (cash_plan.calendar.event(t.event, source.signature) if t.event else None)
            due[row] = excel_date(day + dt.timedelta(days=t.delay_days if t.date is None else 0)) if day else None
            paid[row] = to_excel(amount)
    rows = range(tranches.header_row + 1, tranches.header_row + 1 + len(tranches.rows))
    source_at = tranches.headers.index("Source")
    known = {s.name for s in cash_plan.sources}
    for r in rows:
        cells = tranches.rows[r - tranches.header_row - 1]
        name = str(cells[source_at] or "").strip()
        if name == "":  # a row without a source: its formulas give ""
            due[r] = paid[r] = ""
        elif name not in known and r not in due:  # a tranche of a removed source (TRE018): as its formulas compute it
            due[r], paid[r] = _orphan(cells, tranches.headers, cash_plan)
    for header, values_by_row in (("Échéance", due), ("Versement", paid)):
        spec = next(c for c in L.TRANCHES_COLUMNS if c.header == header)
        col = tranches.first_col + tranches.headers.index(header)
        plan.sheet(tranches.sheet).columns.append(ColumnWrite(col, spec.formula or "", tranches.header_row + 1,
                                                              [values_by_row.get(r) for r in rows], frozenset(rows)))


def _calendar_free(sources: Sequence[Source], budget_total: Decimal) -> dict[str, Decimal]:
    """The summary's figures that need no calendar: budget, financing and their gap, public share,
    tax credit (the monthly table's own come from the cash flow)."""
    financing = sum((s.amount for s in sources), ZERO)
    public = sum((s.amount for s in sources if s.public), ZERO)
    return {"TRESO_BUDGET_TOTAL": budget_total, "TRESO_FINANCEMENT_TOTAL": financing,
            "TRESO_ECART_FINANCEMENT": financing - budget_total,
            "TRESO_INTENSITE_AIDE_PUBLIQUE": public / budget_total if budget_total else ZERO,
            "TRESO_CREDIT_IMPOT": sum((s.amount for s in sources if s.type == "crédit d'impôt"), ZERO)}


def _set_summary(ts: SheetPatch, values: Mapping[str, Decimal | float], formulas: Mapping[str, str],
                 aid_cap: Decimal) -> None:
    """The summary's cells, each with its formula, and the public-aid cap beside the intensity."""
    for name, value in values.items():
        ts.set(L.SUMMARY_ROWS[name][0], 3, CellWrite(to_excel(value) if isinstance(value, Decimal) else value,
                                                     formulas[name], owned=True))
    ts.set(L.SUMMARY_ROWS["TRESO_INTENSITE_AIDE_PUBLIQUE"][0], 4,
           CellWrite(to_excel(aid_cap), "PARAM_PLAFOND_AIDE", owned=True))


def _plan_input_totals(plan: WritePlan, sources: list[Source], budget: BudgetRows, params: CashParameters) -> None:
    """The calendar-free figures, when the monthly table cannot be computed yet: a spreadsheet that
    does not recalculate on opening shows them, not the zeros of a new workbook (the monthly ones
    stay as they were)."""
    _set_summary(plan.sheet(L.SHEET_TRESO), _calendar_free(sources, sum(budget.amounts.values(), ZERO)),
                 L.summary_formulas(), params.aid_cap)


def _plan_blank_rows(plan: WritePlan, book: WorkbookPort) -> None:
    """The computed columns of the tables' blank rows, as their formulas compute them ("" or « non »),
    when the plan cannot be computed yet (a new one): the cached values are what a spreadsheet that
    does not recalculate on opening shows (0 in a date column is 00/01/1900)."""
    formula = {c.header: c.formula for c in (*L.TRANCHES_COLUMNS, *L.FINANCEMENT_COLUMNS)}
    for name, blank, results in ((L.TABLE_TRANCHES, ("Source",), {"Échéance": "", "Versement": ""}),
                                 (L.TABLE_FINANCEMENT, ("Source", "Type", "Public"), {"Public retenu": L.NO})):
        table = book.table(name)
        if table is None or not all(h in table.headers for h in (*blank, *results)):
            continue
        for i, row in enumerate(table.rows):
            if any(cell_text(row[table.headers.index(h)]) for h in blank):
                continue
            for header, value in results.items():
                plan.sheet(table.sheet).set(table.header_row + 1 + i, table.first_col + table.headers.index(header),
                                            CellWrite(value, formula[header], owned=True))


def _orphan(row: list[object], headers: list[str], cash_plan: CashPlan) -> tuple[CellValue, CellValue]:
    """Échéance and Versement of a tranche whose source is gone: its date (or its event's, 0 for a
    signature no source has), and its fixed amount or nothing (SUMIFS over no source is 0)."""

    def cell(header: str) -> object:
        return row[headers.index(header)] if header in headers else None

    amount = cell("Montant")
    paid: CellValue = float(amount) if isinstance(amount, int | float) and not isinstance(amount, bool) else 0.0
    day = cell("Date")
    if isinstance(day, dt.date):
        return excel_date(day if not isinstance(day, dt.datetime) else day.date()), paid
    if isinstance(day, int | float) and not isinstance(day, bool):
        return float(day), paid
    event = EVENTS.get(fold(str(cell("Événement") or "")))
    delay = cell("Délai (jours)")
    delay = int(delay) if isinstance(delay, int | float) and not isinstance(delay, bool) else 0
    base = cash_plan.calendar.event(event, None) if event is not None else None
    return (excel_date(base) + delay if base is not None else float(delay)), paid


def _plan_treso(plan: WritePlan, book: WorkbookPort, cash_plan: CashPlan, flow: CashFlow,
                labels: dict[str, str]) -> None:
    """The Trésorerie sheet: summary, measures, the monthly table; the Calendrier's phase months."""
    first = flow.months[0]
    ts = plan.sheet(L.SHEET_TRESO)
    where = L.phase_cells()
    for phase in Phase:
        start, end = cash_plan.calendar.phase(phase)
        f_first, f_days = L.phase_formulas(phase)
        s_name, d_name = L.phase_names(phase)
        ts.set(*where[s_name], CellWrite(excel_date(start), f_first, owned=True))
        ts.set(*where[d_name], CellWrite(max(1, (end - start).days + 1), f_days, owned=True))
    ts.set(*where["TRESO_PREMIER_MOIS"], CellWrite(excel_date(first), L.FIRST_MONTH_FORMULA, owned=True))
    # the sheet is xlprod's: its names point where its cells are, whatever was done to them
    sheet = quote_sheet(L.SHEET_TRESO)
    book.set_names({name: f"{sheet}!${column_letter(col)}${row}"
                    for name, (row, col) in {**where, **{n: (r, 3) for n, (r, _) in L.SUMMARY_ROWS.items()},
                                             L.STATUS_NAME: L.STATUS_CELL}.items()})
    for row, label in L.SUMMARY_ROWS.values():
        ts.set(row, 2, CellWrite(label))

    title = _parameter(book, "TRESO_TITRE")
    ts.set(1, 1, CellWrite(f"Plan de trésorerie — {title if title is not None else ''}",
                           '"Plan de trésorerie — "&TRESO_TITRE', owned=True))
    c = flow.critical
    keys = _budget_rows(cash_plan)
    values: dict[str, Decimal | float] = {
        **_calendar_free(cash_plan.sources, flow.budget_total),
        "TRESO_SOLDE_MIN": c.lowest, "TRESO_MOIS_SOLDE_MIN": excel_date(c.lowest_month),
        "TRESO_SOLDE_FINAL": flow.final_balance, "TRESO_CREDIT_RELAIS": c.bridge_loan,
        "TRESO_INTERETS_RELAIS": c.interest,
    }
    _set_summary(ts, values, L.summary_formulas(len(cash_plan.sources), len(keys)), cash_plan.parameters.aid_cap)
    ts.set(L.SUMMARY_ROWS["TRESO_CREDIT_IMPOT"][0], 4,
           CellWrite(to_excel(cash_plan.budget.tax_credit), "TRESO_CREDIT_IMPOT_DEVIS", owned=True))
    texts = [m.text for m in measures(flow, cash_plan)][:3]
    for i in range(3):
        ts.set(L.MEASURES_ROW + i, 2, CellWrite(texts[i] if i < len(texts) else None))

    names = [s.name for s in cash_plan.sources]
    grid = L.Grid(len(names), len(keys))
    balances = flow.balances()
    cumulative: list[list[object]] = [[to_excel(v) for v in flow.incurred.get(key, [ZERO] * len(flow.months))]
                                      for key in keys]
    gv = L.GridValues(
        months=[excel_date(m) for m in flow.months],
        net=[to_excel(flow.net(m)) for m in flow.months],
        balance=[to_excel(b) for b in balances],
        receipts=[[to_excel(flow.receipts[n].get(m, ZERO)) for m in flow.months] for n in names],
        receipts_total=[to_excel(sum((flow.receipts[n].get(m, ZERO) for n in names), ZERO)) for m in flow.months],
        cumulative=cumulative,
        payments=[[to_excel(flow.payments.get(k, {}).get(m, ZERO)) for m in flow.months] for k in keys],
        payments_total=[to_excel(sum((flow.payments.get(k, {}).get(m, ZERO) for k in keys), ZERO)) for m in flow.months],
        vat_paid=[to_excel(flow.vat_paid.get(m, ZERO)) for m in flow.months],
        vat_recovered=[to_excel(flow.vat_recovered.get(m, ZERO)) for m in flow.months],
        vat_keys=cash_plan.parameters.vat_keys,
    )
    written = set()
    for cell in L.grid_cells(names, L.BUDGET_LABELS | labels, gv, tuple(keys)):
        ts.set(cell.row, cell.col, CellWrite(cast(CellValue, cell.value), cell.formula, owned=cell.formula is not None))
        written.add((cell.row, cell.col))
    previous = book.named_cell(L.END_NAME)
    try:
        last = int(float(str(previous[0]))) if previous else grid.last_row
    except ValueError:
        last = grid.last_row
    # the sheet is xlprod's: whatever else is on it (an earlier, longer table; rows or columns the
    # user moved) is cleared, so that every formula on it is one this run wrote and computed
    written |= {(r, c) for r, c in (*L.phase_cells().values(), *((row, 3) for row, _ in L.SUMMARY_ROWS.values()))}
    written |= {(1, 1), L.STATUS_CELL, (2, 1)} | {(row, 2) for row, _ in L.SUMMARY_ROWS.values()}
    written |= {(L.MEASURES_ROW - 1, 2)} | {(L.MEASURES_ROW + i, 2) for i in range(3)}
    written |= {(L.SUMMARY_ROWS[n][0], 4) for n in ("TRESO_INTENSITE_AIDE_PUBLIQUE", "TRESO_CREDIT_IMPOT")}
    written |= {(L.PHASE_BLOCK_ROW - 1 + i, L.PHASE_BLOCK_COL + j) for i in range(len(Phase) + 2) for j in range(3)}
    # (the monthly table's rows entirely: a formula there may show "")
    bottom = max(last, grid.last_row)
    span = [(r, c) for r in range(1, bottom + 40) for c in range(1, L.PHASE_BLOCK_COL + 8)]
    for (row, col), value in book.cell_values(L.SHEET_TRESO, span).items():
        in_table = L.RECEIPTS_HEADER_ROW <= row <= bottom and col <= L.LAST_MONTH_COL
        if (row, col) not in written and (in_table or value not in (None, "")):
            ts.set(row, col, CellWrite(None))
    book.set_names({L.END_NAME: str(grid.last_row)})


__all__ = ["Tranche", "TresoSummary", "recalc_tresorerie"]
