"""From the cash-flow workbook's tables to a ``CashPlan``, with located issues: a date that is
not one, text in an amount, a tranche of an unknown source, an event the list does not have."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xlprod.cnc.financing import Event, Phase
from xlprod.core.cells import cell_text, excel_date, typed_date
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import ZERO, french_number
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold
from xlprod.kinds.tresorerie import layout as L
from xlprod.kinds.tresorerie.model import BudgetCopy, Calendar, CashParameters, CashPlan, Source, Status, Tranche
from xlprod.workbook.port import RawTable

EVENTS = {fold(label): event for event, label in L.EVENT_LABELS.items()}
MAX_DAYS = 36_500  # a delay or lag in days: a hundred years
STATUSES = {fold(s.value): s for s in Status}
YES_NO = {"oui": L.YES, "o": L.YES, "x": L.YES, "vrai": L.YES, "non": L.NO, "n": L.NO, "faux": L.NO}




class Cells:
    """Reads the cells of one table, locating each issue at its cell."""

    __slots__ = ("book", "fixes", "issues", "table")

    def __init__(self, table: RawTable, book: str, issues: list[Issue] | None = None,
                 fixes: dict[tuple[str, int, int], object] | None = None) -> None:
        self.table = table
        self.book = book
        self.issues: list[Issue] = [] if issues is None else issues
        self.fixes: dict[tuple[str, int, int], object] = {} if fixes is None else fixes  # (sheet, row, col) -> value

    def fix(self, i: int, header: str, value: object) -> None:
        """A value read with tolerance, written back as read, so the workbook's formulas see it too."""
        col = self.table.first_col + self.table.headers.index(header)
        self.fixes[(self.table.sheet, self.table.header_row + 1 + i, col)] = value

    def name(self, i: int, header: str, what: str) -> str:
        """A name the formulas match exactly (SUMIFS): trimmed in place; no leading comparison sign,
        no wildcard, which SUMIFS would read as a criterion."""
        raw = self.raw(i, header)
        text = self.text(i, header)
        if isinstance(raw, str) and raw != text:
            self.fix(i, header, text)
        if (text[:1] in "<>=" and text) or any(ch in text for ch in "*?~"):
            self.issues.append(error(
                "TRE019", self.where(i, header), f"{what} « {text} » : un nom ne peut commencer par <, > ou = ni contenir "
                "*, ? ou ~ (les formules le liraient comme un critère).", "Renommez-la (dans Financement et Échéancier).",
            ))
        return text

    def choice(self, i: int, header: str, choices: dict[str, str], what: str) -> str | None:
        """One of a list, forgiving case, accents and spaces: written back as listed; else refused."""
        raw = self.raw(i, header)
        if raw in (None, ""):
            return None
        text = self.text(i, header)
        found = choices.get(fold(text))
        if found is None:
            self.issues.append(error(
                "TRE017", self.where(i, header), f"{what} : « {text} » n'est pas une valeur de la liste.",
                f"Choisissez : {', '.join(dict.fromkeys(choices.values()))}.",
            ))
            return None
        if raw != found:
            self.fix(i, header, found)
        return found

    def where(self, i: int, header: str) -> Location:
        col = self.table.first_col + self.table.headers.index(header)
        return Location(book=self.book, sheet=self.table.sheet, cell=f"{column_letter(col)}{self.table.header_row + 1 + i}")

    def raw(self, i: int, header: str) -> object:
        return self.table.rows[i][self.table.headers.index(header)] if header in self.table.headers else None

    def text(self, i: int, header: str) -> str:
        return cell_text(self.raw(i, header))

    def number(self, i: int, header: str, what: str) -> Decimal | None:
        value = self.raw(i, header)
        if value in (None, ""):
            return None
        parsed = parse_number(value)
        if not parsed.problem and parsed.value is not None and abs(parsed.value) >= Decimal(10) ** 10:
            parsed = parsed._replace(value=None, problem=f"{parsed.value} dépasse toute valeur plausible")
        if parsed.problem or parsed.value is None:
            self.issues.append(error(
                "TRE017", self.where(i, header), f"{what} : {parsed.problem or 'valeur illisible'}.",
                "Saisissez un nombre (par exemple 150 000 ou 30 %) ; tant que la cellule est refusée, xlprod ne met pas "
                "à jour la trésorerie.",
            ))
            return None
        if parsed.from_text:  # SUM and SUMIFS ignore text: the cell becomes the number it says
            self.fix(i, header, float(parsed.value))
            self.issues.append(warning(
                "TRE024", self.where(i, header), f"{what} : nombre saisi comme texte (« {value} »), converti en nombre.",
                "Rien à faire : la cellule contient désormais un nombre.",
            ))
        return parsed.value

    def whole(self, i: int, header: str, what: str) -> int | None:
        """A number of days or months: a whole number, as the formulas add it to a date."""
        value = self.number(i, header, what)
        if value is None:
            return None
        if value != value.to_integral_value():
            self.issues.append(error(
                "TRE017", self.where(i, header), f"{what} : {value} n'est pas un nombre entier.",
                "Saisissez un nombre entier de jours (par exemple 30).",
            ))
            return None
        if abs(value) > MAX_DAYS:  # beyond any production's life, and beyond the dates a calendar holds
            self.issues.append(error(
                "TRE017", self.where(i, header), f"{what} : {french_number(value)}, au-delà de toute durée "
                "plausible.", "Saisissez un nombre de jours (30, 365 pour un an) ou de mois, selon la colonne.",
            ))
            return None
        return int(value)

    def date(self, i: int, header: str, what: str) -> dt.date | None:
        value = self.raw(i, header)
        if value in (None, ""):
            return None
        found = typed_date(value)
        if found is not None:
            return found
        self.issues.append(error(
            "TRE016", self.where(i, header), f"{what} : « {value} » n'est pas une date.",
            "Saisissez une date (par exemple 04/05/2026) ; tant que la cellule est refusée, xlprod ne met pas à jour la "
            "trésorerie.",
        ))
        return None


def _blank_row(row: list[object]) -> bool:
    return all(v in (None, "") for v in row)


def read_calendar(table: RawTable, book: str, issues: list[Issue], fixes: dict[tuple[str, int, int], object],
                  rows: dict[str, int] | None = None) -> Calendar | None:
    """The dates by key; each row's Étape (the label tranches name) put back as listed, and
    ``rows`` filled with each key's row, for the CAL_* names."""
    cells = Cells(table, book)
    labels = {key: label for label, key, _ in L.CALENDAR_ROWS}
    days: dict[str, dt.date | None] = {}
    found: dict[str, int] = {}
    for i in range(len(table.rows)):
        key = cells.text(i, "Clé")
        if key not in labels or key in found:
            continue
        found[key] = i
        if cells.raw(i, "Étape") != labels[key]:  # the tranches' formulas look the date up by this label
            cells.fix(i, "Étape", labels[key])
        days[key] = cells.date(i, "Date", f"Calendrier, {labels[key]}")
    if rows is not None:
        rows.update({key: table.header_row + 1 + i for key, i in found.items()})
    fixes.update(cells.fixes)
    issues += cells.issues
    rows_of = found
    missing = [key for _, key, _ in L.CALENDAR_ROWS[:5] if days.get(key) is None]
    for key in missing:
        label = next(label for label, k, _ in L.CALENDAR_ROWS if k == key)
        where = cells.where(rows_of[key], "Date") if key in rows_of else Location(book=book, sheet=table.sheet)
        issues.append(error(
            "TRE016", where, f"Calendrier : date « {label} » absente.",
            "Saisissez-la : les décaissements se répartissent sur les phases qu'elle délimite.",
        ))
    if missing or cells.issues:
        return None
    dated = {key: day for key, day in days.items() if day is not None}  # the first five, none missing
    return Calendar(development=dated["developpement"], preparation=dated["preparation"],
                    shoot_start=dated["debut_tournage"], shoot_end=dated["fin_tournage"],
                    delivery=dated["livraison"], visa=dated.get("visa"), release=dated.get("sortie"))


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


def read_sources(table: RawTable, book: str, types: dict[str, bool], issues: list[Issue],
                 fixes: dict[tuple[str, int, int], object]) -> list[Source]:
    cells = Cells(table, book)
    out = []
    folded_types = {fold(t): t for t in types}
    for i, row in enumerate(table.rows):
        if _blank_row(row[: len(L.FINANCEMENT_COLUMNS) - 1]):
            continue
        name = cells.name(i, "Source", "Source")
        if not name:
            issues.append(error("TRE019", cells.where(i, "Source"), "Source de financement sans nom.",
                                "Donnez-lui un nom : ses tranches s'y rattachent."))
            continue
        typed = cells.text(i, "Type")
        kind = folded_types.get(fold(typed), typed)
        if kind in types and cells.raw(i, "Type") != kind:
            cells.fix(i, "Type", kind)  # the workbook's VLOOKUP and SUMIFS match it exactly
        public = types.get(kind, False)
        said = cells.choice(i, "Public", YES_NO, f"Public (« {name} »)")
        if said is not None:
            public = said == L.YES
        amount = cells.number(i, "Montant", f"Montant de « {name} »")
        status_text = cells.choice(i, "Statut", {fold(s.value): s.value for s in Status}, f"Statut de « {name} »")
        status = Status(status_text) if status_text else Status.ACQUIS
        signature = cells.date(i, "Date de signature", f"Date de signature de « {name} »")
        broadcast = cells.date(i, "Première diffusion", f"Première diffusion de « {name} »") \
            if "Première diffusion" in table.headers else None
        out.append(Source(name=name, type=kind, public=public, amount=amount or ZERO, status=status,
                          signature=signature, first_broadcast=broadcast, where=cells.where(i, "Source")))
    issues += cells.issues
    fixes.update(cells.fixes)
    return out


def read_tranches(table: RawTable, book: str, names: set[str], issues: list[Issue],
                  fixes: dict[tuple[str, int, int], object] | None = None) -> dict[str, list[Tranche]]:
    cells = Cells(table, book)
    out: dict[str, list[Tranche]] = {}
    for i, row in enumerate(table.rows):
        if _blank_row(row[:8]):
            continue
        source = cells.name(i, "Source", "Tranche de la source")
        exact = {n.casefold(): n for n in names}.get(source.casefold())  # SUMIFS ignores case: so does xlprod
        if exact is not None and exact != source:
            cells.fix(i, "Source", exact)
            source = exact
        if source not in names:
            issues.append(warning(  # its payment is 0 in the workbook too: no source, no amount
                "TRE018", cells.where(i, "Source"), f"Tranche de « {source} » : aucune source de ce nom dans le tableau "
                "Financement ; la tranche n'est pas comptée.",
                "Corrigez le nom (identique à celui du tableau Financement), ou supprimez la ligne si la source n'existe "
                "plus.",
            ))
            continue
        label = cells.choice(i, "Événement", {fold(v): v for v in L.EVENT_LABELS.values()},
                             f"Événement de la tranche de « {source} »")
        event = EVENTS.get(fold(label)) if label else None
        number = cells.whole(i, "N°", f"N° de tranche de « {source} »")
        delay = cells.whole(i, "Délai (jours)", f"Délai de la tranche de « {source} »") or 0
        out.setdefault(source, []).append(Tranche(
            number=int(number) if number is not None else len(out.get(source, [])) + 1,
            share=cells.number(i, "Part", f"Part de la tranche de « {source} »"),
            amount=cells.number(i, "Montant", f"Montant de la tranche de « {source} »"),
            date=cells.date(i, "Date", f"Date de la tranche de « {source} »"), event=event, delay_days=int(delay),
            where=cells.where(i, "Source")))
    issues += cells.issues
    if fixes is not None:
        fixes.update(cells.fixes)
    return out


class BudgetRows:
    """The Décaissements table as read: by budget key (a chapter, overhead, contingency, or a devis
    account singled out), its amount, phase shares, VAT, payment lag, and the label the
    Trésorerie shows."""

    __slots__ = ("amounts", "labels", "lags", "profiles", "vat")

    def __init__(self) -> None:
        self.amounts: dict[str, Decimal] = {}
        self.profiles: dict[str, dict[Phase, Decimal]] = {}
        self.vat: set[str] = set()
        self.lags: dict[str, int] = {}
        self.labels: dict[str, str] = {}


def read_budget(table: RawTable, book: str, issues: list[Issue], fixes: dict[tuple[str, int, int], object]) -> BudgetRows:
    cells = Cells(table, book)
    out = BudgetRows()
    for i, row in enumerate(table.rows):
        key = cells.text(i, "Clé")
        if (key not in L.BUDGET_KEYS and not L.singled_out(key)) or key in out.amounts:
            if not _blank_row(row):
                issues.append(error(
                    "TRE027", cells.where(i, "Clé"), f"Décaissements : ligne « {key or cells.text(i, 'Poste')} » ni poste "
                    "1 à 9, ni frais généraux ou imprévus, ni compte du devis (ou en double).",
                    "Donnez en clé un poste, ou le compte d'une ligne du devis à suivre à part (par exemple 7101), ou "
                    "supprimez la ligne.",
                ))
            continue
        if cells.raw(i, "Clé") != key:  # the Trésorerie's formulas find the row by this key, as text
            cells.fix(i, "Clé", key)
        label = cells.text(i, "Poste")
        out.labels[key] = L.BUDGET_LABELS.get(key) or (f"{key} — {label}" if label else key)
        out.amounts[key] = cells.number(i, "Montant", f"Montant du poste {key}") or ZERO
        shares = {p: cells.number(i, L.PHASE_LABELS[p], f"Part {L.PHASE_LABELS[p]} du poste {key}") or ZERO
                  for p in Phase}
        out.profiles[key] = {p: s for p, s in shares.items() if s}
        if sum(shares.values(), ZERO) != 1:
            issues.append(warning(
                "TRE022", cells.where(i, L.PHASE_LABELS[Phase.DEVELOPPEMENT]),
                f"Décaissements, {label} : la répartition par phase fait "
                f"{sum(shares.values(), ZERO) * 100:.2f} %, pas 100 % : une part du montant n'est jamais payée "
                "(ou l'est deux fois).", "Corrigez les pourcentages de la ligne (leur total doit faire 100 %).",
            ))
        if cells.choice(i, "TVA", YES_NO, f"TVA du poste {key}") == L.YES:
            out.vat.add(key)
        lag = cells.whole(i, "Décalage (mois)", f"Décalage de paiement du poste {key}") or 0
        if not 0 <= lag <= 12:
            cells.issues.append(error(
                "TRE017", cells.where(i, "Décalage (mois)"), f"Décalage de paiement du poste {key} : {lag} mois, entre "
                "0 et 12 attendu.", "Saisissez un nombre entier de mois, de 0 à 12.",
            ))
            lag = 0
        out.lags[key] = lag
    issues += cells.issues
    fixes.update(cells.fixes)
    return out


def build_plan(sources: list[Source], tranches: dict[str, list[Tranche]], calendar: Calendar, rows: BudgetRows,
               params: CashParameters, tax_credit: Decimal) -> CashPlan:
    amounts = rows.amounts
    budget = BudgetCopy(chapters={int(k): v for k, v in amounts.items() if k in L.BUDGET_KEYS and k.isdigit()},
                        singled={k: v for k, v in amounts.items() if L.singled_out(k)},
                        overhead=amounts.get("frais_generaux", ZERO), contingency=amounts.get("imprevus", ZERO),
                        tax_credit=tax_credit)
    with_tranches = tuple(s._replace(tranches=tuple(tranches.get(s.name, ()))) for s in sources)
    return CashPlan(sources=with_tranches, calendar=calendar, budget=budget,
                    parameters=params._replace(vat_keys=frozenset(rows.vat)), profiles=rows.profiles,
                    lags=rows.lags)


__all__ = [
    "EVENTS",
    "BudgetRows",
    "Cells",
    "Event",
    "build_plan",
    "cell_text",
    "excel_date",
    "read_budget",
    "read_calendar",
    "read_sources",
    "read_templates",
    "read_tranches",
    "read_types",
]
