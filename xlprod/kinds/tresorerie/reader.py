"""From the cash-flow workbook's tables to a ``CashPlan``, with located issues: a date that is
not one, text in an amount, a tranche of an unknown source, an event the list does not have."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from xlprod.cnc.financing import Event, Phase
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import ZERO
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold
from xlprod.kinds.tresorerie import layout as L
from xlprod.kinds.tresorerie.model import BudgetCopy, Calendar, CashParameters, CashPlan, Source, Status, Tranche
from xlprod.workbook.port import RawTable

EXCEL_EPOCH = dt.date(1899, 12, 30)
EVENTS = {fold(label): event for event, label in L.EVENT_LABELS.items()}
STATUSES = {fold(s.value): s for s in Status}


def excel_date(day: dt.date) -> float:
    return float((day - EXCEL_EPOCH).days)


@dataclass
class Cells:
    """Reads the cells of one table, locating each issue at its cell."""

    table: RawTable
    book: str
    issues: list[Issue] = field(default_factory=list)

    def where(self, i: int, header: str) -> Location:
        col = self.table.first_col + self.table.headers.index(header)
        return Location(book=self.book, sheet=self.table.sheet, cell=f"{column_letter(col)}{self.table.header_row + 1 + i}")

    def raw(self, i: int, header: str) -> object:
        return self.table.rows[i][self.table.headers.index(header)] if header in self.table.headers else None

    def text(self, i: int, header: str) -> str:
        value = self.raw(i, header)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def number(self, i: int, header: str, what: str) -> Decimal | None:
        value = self.raw(i, header)
        if value in (None, ""):
            return None
        parsed = parse_number(value)
        if parsed.problem or parsed.value is None:
            self.issues.append(error(
                "TRE017", self.where(i, header), f"{what} : {parsed.problem or 'valeur illisible'}.",
                "Saisissez un nombre (par exemple 150 000 ou 30 %) ; tant que la cellule est refusée, xlprod ne met pas "
                "à jour la trésorerie.",
            ))
            return None
        return parsed.value

    def date(self, i: int, header: str, what: str) -> dt.date | None:
        value = self.raw(i, header)
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        self.issues.append(error(
            "TRE016", self.where(i, header), f"{what} : « {value} » n'est pas une date.",
            "Saisissez une date (par exemple 04/05/2026) ; tant que la cellule est refusée, xlprod ne met pas à jour la "
            "trésorerie.",
        ))
        return None


def _blank_row(row: list[object]) -> bool:
    return all(v in (None, "") for v in row)


def read_calendar(table: RawTable, book: str, issues: list[Issue]) -> Calendar | None:
    cells = Cells(table, book)
    days: dict[str, dt.date | None] = {}
    rows: dict[str, int] = {}
    for i in range(len(table.rows)):
        key = cells.text(i, "Clé")
        rows[key] = i
        days[key] = cells.date(i, "Date", f"Calendrier, {cells.text(i, 'Étape')}")
    issues += cells.issues
    missing = [key for _, key, _ in L.CALENDAR_ROWS[:5] if days.get(key) is None]
    for key in missing:
        label = next(label for label, k, _ in L.CALENDAR_ROWS if k == key)
        where = cells.where(rows[key], "Date") if key in rows else Location(book=book, sheet=table.sheet)
        issues.append(error(
            "TRE016", where, f"Calendrier : date « {label} » absente.",
            "Saisissez-la : les décaissements se répartissent sur les phases qu'elle délimite.",
        ))
    if missing or cells.issues:
        return None
    return Calendar(development=days["developpement"], preparation=days["preparation"],
                    shoot_start=days["debut_tournage"], shoot_end=days["fin_tournage"],
                    delivery=days["livraison"], visa=days.get("visa"), release=days.get("sortie"))


def read_types(table: RawTable | None) -> dict[str, bool]:
    """The workbook's own TypesSources: type -> public."""
    if table is None:
        return {}
    cells = Cells(table, "")
    return {cells.text(i, "Type"): fold(cells.text(i, "Public")) == L.YES for i in range(len(table.rows))
            if cells.text(i, "Type")}


def read_templates(table: RawTable | None) -> dict[str, list[Tranche]]:
    """The workbook's own EcheanciersTypes: type -> its tranches, in the order of their numbers."""
    out: dict[str, list[Tranche]] = {}
    if table is None:
        return out
    cells = Cells(table, "")
    for i in range(len(table.rows)):
        kind = cells.text(i, "Type")
        event = EVENTS.get(fold(cells.text(i, "Événement")))
        share = cells.number(i, "Part", "")
        if not kind or event is None or share is None:
            continue
        number = cells.number(i, "N°", "") or Decimal(len(out.get(kind, [])) + 1)
        delay = cells.number(i, "Délai (jours)", "") or ZERO
        out.setdefault(kind, []).append(Tranche(number=int(number), share=share, event=event, delay_days=int(delay)))
    return out


def read_sources(table: RawTable, book: str, types: dict[str, bool], issues: list[Issue]) -> list[Source]:
    cells = Cells(table, book)
    out = []
    folded_types = {fold(t): (t, public) for t, public in types.items()}
    for i, row in enumerate(table.rows):
        if _blank_row(row[: len(L.FINANCEMENT_COLUMNS) - 1]):
            continue
        name = cells.text(i, "Source")
        if not name:
            issues.append(error("TRE019", cells.where(i, "Source"), "Source de financement sans nom.",
                                "Donnez-lui un nom : ses tranches s'y rattachent."))
            continue
        typed = cells.text(i, "Type")
        kind, public = folded_types.get(fold(typed), (typed, False))
        said = fold(cells.text(i, "Public"))
        if said in (L.YES, L.NO):
            public = said == L.YES
        amount = cells.number(i, "Montant", f"Montant de « {name} »")
        status = STATUSES.get(fold(cells.text(i, "Statut")), Status.ACQUIS)
        signature = cells.date(i, "Date de signature", f"Date de signature de « {name} »")
        broadcast = cells.date(i, "Première diffusion", f"Première diffusion de « {name} »") \
            if "Première diffusion" in table.headers else None
        out.append(Source(name=name, type=kind, public=public, amount=amount or ZERO, status=status,
                          signature=signature, first_broadcast=broadcast, where=cells.where(i, "Source")))
    issues += cells.issues
    return out


def read_tranches(table: RawTable, book: str, names: set[str], issues: list[Issue]) -> dict[str, list[Tranche]]:
    cells = Cells(table, book)
    out: dict[str, list[Tranche]] = {}
    for i, row in enumerate(table.rows):
        if _blank_row(row[:8]):
            continue
        source = cells.text(i, "Source")
        if source not in names:
            issues.append(warning(  # its payment is 0 in the workbook too: no source, no amount
                "TRE018", cells.where(i, "Source"), f"Tranche de « {source} » : aucune source de ce nom dans le tableau "
                "Financement ; la tranche n'est pas comptée.",
                "Corrigez le nom (identique à celui du tableau Financement), ou supprimez la ligne si la source n'existe "
                "plus.",
            ))
            continue
        typed_event = cells.text(i, "Événement")
        event = EVENTS.get(fold(typed_event)) if typed_event else None
        if typed_event and event is None:
            issues.append(error(
                "TRE011", cells.where(i, "Événement"), f"Tranche de « {source} » : événement « {typed_event} » inconnu.",
                f"Choisissez dans la liste : {', '.join(L.EVENT_LABELS.values())}.",
            ))
        number = cells.number(i, "N°", f"N° de tranche de « {source} »")
        delay = cells.number(i, "Délai (jours)", f"Délai de la tranche de « {source} »") or ZERO
        out.setdefault(source, []).append(Tranche(
            number=int(number) if number is not None else len(out.get(source, [])) + 1,
            share=cells.number(i, "Part", f"Part de la tranche de « {source} »"),
            amount=cells.number(i, "Montant", f"Montant de la tranche de « {source} »"),
            date=cells.date(i, "Date", f"Date de la tranche de « {source} »"), event=event, delay_days=int(delay),
            where=cells.where(i, "Source")))
    issues += cells.issues
    return out


def read_budget(table: RawTable, book: str, issues: list[Issue]) -> tuple[dict[str, Decimal], dict[str, dict[Phase, Decimal]],
                                                                          frozenset[str]]:
    cells = Cells(table, book)
    amounts: dict[str, Decimal] = {}
    profiles: dict[str, dict[Phase, Decimal]] = {}
    vat: set[str] = set()
    for i in range(len(table.rows)):
        key = cells.text(i, "Clé")
        if key not in L.BUDGET_KEYS:
            continue
        amounts[key] = cells.number(i, "Montant", f"Montant du poste {key}") or ZERO
        shares = {p: cells.number(i, L.PHASE_LABELS[p], f"Part {L.PHASE_LABELS[p]} du poste {key}") or ZERO
                  for p in Phase}
        profiles[key] = {p: s for p, s in shares.items() if s}
        if sum(shares.values(), ZERO) != 1:
            issues.append(warning(
                "TRE022", cells.where(i, L.PHASE_LABELS[Phase.DEVELOPPEMENT]),
                f"Décaissements, {cells.text(i, 'Poste')} : la répartition par phase fait "
                f"{sum(shares.values(), ZERO) * 100:.2f} %, pas 100 % : une part du montant n'est jamais payée "
                "(ou l'est deux fois).", "Corrigez les pourcentages de la ligne (leur total doit faire 100 %).",
            ))
        if fold(cells.text(i, "TVA")) == L.YES:
            vat.add(key)
    issues += cells.issues
    return amounts, profiles, frozenset(vat)


def build_plan(sources: list[Source], tranches: dict[str, list[Tranche]], calendar: Calendar,
               amounts: dict[str, Decimal], profiles: dict[str, dict[Phase, Decimal]], vat: frozenset[str],
               params: CashParameters, tax_credit: Decimal) -> CashPlan:
    budget = BudgetCopy(chapters={int(k): v for k, v in amounts.items() if k.isdigit()},
                        overhead=amounts.get("frais_generaux", ZERO), contingency=amounts.get("imprevus", ZERO),
                        tax_credit=tax_credit)
    with_tranches = tuple(s.model_copy(update={"tranches": tuple(tranches.get(s.name, ()))}) for s in sources)
    return CashPlan(sources=with_tranches, calendar=calendar, budget=budget,
                    parameters=params.model_copy(update={"vat_keys": vat}), profiles=profiles)


__all__ = [
    "EVENTS",
    "Cells",
    "Event",
    "build_plan",
    "excel_date",
    "read_budget",
    "read_calendar",
    "read_sources",
    "read_templates",
    "read_tranches",
    "read_types",
]
