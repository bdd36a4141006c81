"""« Importer des écritures »: from a FEC or a CSV export to rows of the Dépenses table.

Every FEC line on a charge account (class 6) is an expense, counted as debit − credit; the
Correspondances table maps ledger accounts to devis accounts by their longest prefix, and can add
other accounts (capitalised production costs, 2313...). A line that maps nowhere goes « à
affecter », never dropped. Each imported line carries a key: importing the same file again adds
nothing, and a corrected re-export updates the rows whose figures changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from xlprod.core.issues import Issue, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import ZERO, format_eur, french_number, round_cents, to_excel
from xlprod.core.text import fold
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.ledger import DEFAULT_CSV_MAPPING, LedgerLine, LedgerRead, looks_like_fec, read_fec, read_ledger_csv
from xlprod.kinds.depenses.model import Status
from xlprod.kinds.depenses.reader import STATUSES, cell_text, excel_date
from xlprod.kinds.depenses.recalc import table
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import RawTable, WorkbookPort, WritePlan
from xlprod.workbook.sheetxml import CellValue, CellWrite

CHARGES = "6"  # the class of charge accounts in the French chart of accounts (PCG)
SUPPLIER_PREFIXES = ("40", "42", "43")  # the counterpart of an expense: a supplier, a salary, a social body
VAT_PREFIX = "4456"  # deductible VAT
MAX_BYTES = 200_000_000
UPDATED_FIELDS = ("date", "piece", "supplier", "label", "amount", "vat", "status", "payment_date", "ledger_account")


@dataclass
class ImportSummary:
    file: str
    detection: str
    lines_read: int = 0
    debit_total: Decimal = ZERO
    credit_total: Decimal = ZERO
    selected: int = 0  # expense lines
    selected_debit: Decimal = ZERO
    selected_credit: Decimal = ZERO
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    unassigned: int = 0
    unassigned_amount: Decimal = ZERO
    changes: list[str] = field(default_factory=list)  # what a corrected re-export changed
    absent: list[int] = field(default_factory=list)  # rows of an earlier import, within this file's span, not in it
    foreign: list[int] = field(default_factory=list)  # file lines in a foreign currency, without a country
    issues: list[Issue] = field(default_factory=list)

    def render(self) -> str:
        other_debit = self.debit_total - self.selected_debit
        lines = [f"{self.file} : {self.detection}",
                 f"  {self.lines_read} lignes lues ; débit {format_eur(self.debit_total)}, crédit "
                 f"{format_eur(self.credit_total)}",
                 f"  {self.selected} lignes de dépenses (débit {format_eur(self.selected_debit)} − crédit "
                 f"{format_eur(self.selected_credit)} = {format_eur(self.selected_debit - self.selected_credit)}) ; "
                 f"autres lignes : débit {format_eur(other_debit)} ; débit total "
                 f"{format_eur(self.selected_debit + other_debit)} = celui du fichier",
                 f"  importées : {self.added} nouvelles, {self.updated} mises à jour, {self.unchanged} déjà présentes ; "
                 f"à affecter : {self.unassigned} ({format_eur(self.unassigned_amount)})"]
        lines += [f"  • {c}" for c in self.changes[:20]]
        if len(self.changes) > 20:
            lines.append(f"  • … et {len(self.changes) - 20} autre(s) modification(s)")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "detection": self.detection, "lines_read": self.lines_read,
                "debit_total": f"{self.debit_total:.2f}", "credit_total": f"{self.credit_total:.2f}",
                "expense_lines": self.selected, "expense_debit": f"{self.selected_debit:.2f}",
                "expense_credit": f"{self.selected_credit:.2f}", "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "unassigned": self.unassigned,
                "unassigned_amount": f"{self.unassigned_amount:.2f}", "changes": self.changes,
                "issues": [i.to_json() for i in self.issues]}


@dataclass(frozen=True)
class Mapping:
    prefixes: dict[str, str]  # ledger account prefix -> devis account ("" : counted, à affecter)
    countries: dict[str, str] = field(default_factory=dict)  # ledger account prefix -> country of the spend

    def _longest(self, table: dict[str, str], ledger: str) -> str | None:
        for n in range(len(ledger), 0, -1):
            found = table.get(ledger[:n])
            if found is not None:
                return found
        return None

    def devis_account(self, ledger: str) -> str | None:
        """The devis account of the longest prefix; None when no prefix matches."""
        return self._longest(self.prefixes, ledger)

    def country(self, ledger: str) -> str:
        """The country the correspondences give the account (a coproduction's foreign accounts), or ""."""
        return self._longest(self.countries, ledger) or ""

    def is_expense(self, ledger: str) -> bool:
        return ledger.startswith(CHARGES) or self.devis_account(ledger) is not None


def read_mapping(book: WorkbookPort) -> Mapping:
    t = table(book, L.TABLE_CORRESPONDANCES, L.SHEET_CORRESPONDANCES)
    if "Compte général" not in t.headers or "Compte devis" not in t.headers:
        raise WorkbookError(Location(book=book.book_name, sheet=t.sheet), "le tableau Correspondances n'a pas ses "
                            "colonnes Compte général et Compte devis", "Rétablissez-les (xlprod new depenses).")
    g, d = t.headers.index("Compte général"), t.headers.index("Compte devis")
    c = t.headers.index("Pays") if "Pays" in t.headers else None
    return Mapping({cell_text(r[g]): cell_text(r[d]) for r in t.rows if cell_text(r[g])},
                   {cell_text(r[g]): cell_text(r[c]) for r in t.rows if c is not None and cell_text(r[g])
                    and cell_text(r[c])})


def read_columns(book: WorkbookPort) -> dict[str, str]:
    t = book.table(L.TABLE_COLONNES)
    if t is None or "Champ" not in t.headers or "Colonne du fichier" not in t.headers:
        return dict(DEFAULT_CSV_MAPPING)
    f, c = t.headers.index("Champ"), t.headers.index("Colonne du fichier")
    return {cell_text(r[f]): cell_text(r[c]) for r in t.rows if cell_text(r[f]) and cell_text(r[c])}


def _rows_from_fec(read: LedgerRead, mapping: Mapping, name: str, summary: ImportSummary) -> list[dict[str, object]]:
    by_entry: dict[tuple[str, str], list[LedgerLine]] = {}
    for line in read.lines:
        by_entry.setdefault((line.journal, line.entry), []).append(line)
    rows: list[dict[str, object]] = []
    for (journal, entry), lines in by_entry.items():
        expenses = [x for x in lines if mapping.is_expense(x.account)]
        if not expenses:
            continue
        counterpart = next((x for x in lines if x.account.startswith(SUPPLIER_PREFIXES)), None)
        vat_total = sum((x.debit - x.credit for x in lines if x.account.startswith(VAT_PREFIX)), ZERO)
        base = sum((x.debit - x.credit for x in expenses), ZERO)
        allotted = ZERO
        for k, x in enumerate(expenses):
            amount = x.debit - x.credit
            if k == len(expenses) - 1:
                vat = vat_total - allotted
            else:
                vat = round_cents(vat_total * amount / base) if base else ZERO
                allotted += vat
            paid = counterpart is not None and bool(counterpart.lettering)
            supplier = (counterpart.supplier or counterpart.account_label) if counterpart else ""
            label = x.label
            foreign = bool(x.currency) and x.currency.upper() not in ("EUR", "€") and x.currency_amount is not None
            if foreign:  # the ledger's euros are kept (they reconcile); the currency is said in the label
                label += f" ({format_eur(x.currency_amount or ZERO).removesuffix('€').strip()} {x.currency.upper()})"
            country = mapping.country(x.account)
            if foreign and not country:
                summary.foreign.append(x.line)
            # the key is the line's place among the entry's expenses: a corrected export that changes its
            # account or amount updates it
            rows.append({"key": f"FEC|{journal}|{entry}|{k + 1}", "date": x.date, "piece": x.piece,
                         "supplier": supplier, "account": mapping.devis_account(x.account) or "", "label": label,
                         "amount": amount, "vat": vat, "status": Status.PAID.value if paid else Status.INVOICED.value,
                         "payment_date": counterpart.lettering_date if paid and counterpart else None,
                         "country": country or None, "ledger_account": x.account, "line": x.line,
                         "scope": f"FEC|{journal}"})
            summary.selected += 1
            summary.selected_debit += x.debit
            summary.selected_credit += x.credit
    return rows


def _rows_from_csv(read: LedgerRead, mapping: Mapping, summary: ImportSummary) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for x in read.lines:
        account = x.devis_account or (mapping.devis_account(x.account) if x.account else None) or ""
        # a document number names the row (its n-th line): a corrected export updates it; without one, the
        # row is named by what it says, and a corrected amount is a new row
        ident = x.piece if x.piece else "|".join(
            (x.date.isoformat(), fold(x.supplier), fold(x.label), x.account or x.devis_account, f"{x.amount:.2f}"))
        n = seen[ident] = seen.get(ident, 0) + 1
        known = STATUSES.get(fold(x.status)) if x.status else Status.COMMITTED
        rows.append({"key": f"CSV|{ident}|{n}", "date": x.date, "piece": x.piece, "supplier": x.supplier,
                     "account": account, "label": x.label, "amount": x.amount, "vat": x.vat,
                     "currency": x.currency or "", "rate": x.rate,
                     "status": known.value if known is not None else x.status,  # an unknown one: said at recalc
                     "payment_date": x.payment_date, "country": x.country or mapping.country(x.account) or None,
                     "tags": x.tags, "ledger_account": x.account, "line": x.line, "scope": "CSV"})
        summary.selected += 1
        summary.selected_debit += x.debit
        summary.selected_credit += x.credit
    return rows


def _cell(value: object) -> object:
    """A value as the Dépenses table holds it: amounts and dates as Excel numbers."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return to_excel(value)
    if isinstance(value, dt.datetime):
        return excel_date(value.date())
    if isinstance(value, dt.date):
        return excel_date(value)
    return value


def import_ledger(book: WorkbookPort, data: bytes, file_name: str) -> ImportSummary:
    """Read ``data`` (a FEC or a CSV) and merge its expenses into the Dépenses table."""
    mapping = read_mapping(book)
    if looks_like_fec(data):
        read = read_fec(data, file_name)
    else:
        read = read_ledger_csv(data, file_name, read_columns(book), optional_absent=True)
    summary = ImportSummary(file=file_name, detection=read.detection.describe(), lines_read=read.lines_read,
                            debit_total=read.debit_total, credit_total=read.credit_total, issues=list(read.issues))
    rows = (_rows_from_fec(read, mapping, file_name, summary) if read.detection.format == "FEC"
            else _rows_from_csv(read, mapping, summary))
    dep = table(book, L.TABLE_DEPENSES, L.SHEET_DEPENSES)
    missing = [h for h in L.DEPENSES_HEADERS if h not in dep.headers]
    if missing:
        raise WorkbookError(Location(book=book.book_name, sheet=dep.sheet), f"colonnes absentes du tableau Depenses : "
                            f"{', '.join(missing)}", "Rétablissez-les, ou repartez d'un modèle : xlprod new depenses.")
    index = {h: dep.headers.index(h) for h in L.DEPENSES_HEADERS}
    key_at = index["Clé d'import"]
    by_key = {cell_text(r[key_at]): i for i, r in enumerate(dep.rows) if cell_text(r[key_at])}
    fields = {c.field: c.header for c in L.DEPENSES_COLUMNS}
    plan = WritePlan()
    new: list[list[object]] = []
    seen: set[str] = set()
    for row in rows:
        key = str(row["key"])
        if key in seen:
            continue  # the same key twice in one file: counted once
        seen.add(key)
        i = by_key.get(key)
        account = row["account"] or (cell_text(dep.rows[i][index["Compte devis"]]) if i is not None else "")
        if not account:  # a devis account the user typed on an earlier import of the row is kept
            summary.unassigned += 1
            summary.unassigned_amount += cast(Decimal, row["amount"])
        if i is None:
            new.append([None if c.formula else _cell(row.get(c.field)) for c in L.DEPENSES_COLUMNS])
            continue
        changed = []
        existing = dep.rows[i]
        r = dep.header_row + 1 + i
        for f in (*UPDATED_FIELDS, "account"):
            new_value = _cell(row.get(f))
            old = existing[index[fields[f]]]
            if f == "account" and not new_value:
                continue  # a user's assignment of an unmapped line is kept
            if _same(old, new_value):
                continue
            changed.append(f"{fields[f]} {_shown(old)} → {_shown(new_value, f)}")
            plan.sheet(dep.sheet).set(r, dep.first_col + index[fields[f]], CellWrite(cast(CellValue, new_value)))
        if changed:
            summary.updated += 1
            summary.changes.append(f"ligne {r} ({row['piece'] or key}) : {' ; '.join(changed)}")
        else:
            summary.unchanged += 1
    summary.absent = _absent(dep, index, rows, seen)
    if new:
        below = book.cells_below(dep)
        blocked = [c for c in below if c.row <= dep.header_row + len(dep.rows) + len(new)]
        if blocked:
            where = Location(book=book.book_name, sheet=dep.sheet, cell=f"{column_letter(blocked[0].col)}{blocked[0].row}")
            raise WorkbookError(where, f"pas de place sous le tableau Depenses pour {len(new)} nouvelles lignes (cellule "
                                "occupée)", "Déplacez ce qui est saisi sous le tableau (ou insérez-le dans le tableau), "
                                "puis relancez l'import.")
    book.apply(plan)
    if new and book.add_table_rows(dep, new) is None:
        raise WorkbookError(Location(book=book.book_name, sheet=dep.sheet),
                            f"pas de place sous le tableau Depenses pour {len(new)} nouvelles lignes",
                            "Libérez les lignes sous le tableau, puis relancez l'import.")
    summary.added = len(new)
    where = Location(book=book.book_name, sheet=L.SHEET_DEPENSES)
    if summary.unassigned:
        summary.issues.append(warning("DEP030", where,
                                      f"{summary.unassigned} écriture(s) sans correspondance vers un compte du devis "
                                      f"({format_eur(summary.unassigned_amount)}) : au poste « à affecter ».",
                                      "Complétez la table Correspondances (compte général → compte devis), puis "
                                      "réimportez le même fichier : rien n'est ajouté deux fois."))
    if summary.absent:
        shown = ", ".join(str(n) for n in summary.absent[:10]) + (" …" if len(summary.absent) > 10 else "")
        summary.issues.append(warning("DEP031", where.at(f"A{summary.absent[0]}"),
                                      f"{len(summary.absent)} ligne(s) d'un import précédent, dans la période de ce "
                                      f"fichier, n'y sont plus (supprimées ou renumérotées en comptabilité ?) : lignes "
                                      f"{shown}. Elles restent comptées.",
                                      "Vérifiez-les avec la comptabilité ; supprimez celles qui ont été annulées."))
    if summary.foreign:
        shown = ", ".join(str(n) for n in summary.foreign[:10]) + (" …" if len(summary.foreign) > 10 else "")
        summary.issues.append(warning("DEP032", Location(book=f"{file_name}:{summary.foreign[0]}"),
                                      f"{len(summary.foreign)} écriture(s) en devise (lignes {shown}) : le FEC ne dit pas "
                                      "le pays de la dépense, comptée en France (montant en euros de la comptabilité).",
                                      "Renseignez la colonne Pays de ces dépenses, ou un Pays pour leur compte dans la "
                                      "table Correspondances, puis réimportez."))
    return summary


def _absent(dep: RawTable, index: dict[str, int], rows: list[dict[str, object]], seen: set[str]) -> list[int]:
    """Rows imported earlier from the same kind of file and journal, dated within this file's span,
    that this file no longer has: said, never deleted (the file may be a partial export)."""
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    for row in rows:
        day, scope = row.get("date"), str(row.get("scope", ""))
        if isinstance(day, dt.date) and scope:
            lo, hi = spans.get(scope, (day, day))
            spans[scope] = (min(lo, day), max(hi, day))
    out = []
    for i, r in enumerate(dep.rows):
        key = cell_text(r[index["Clé d'import"]])
        if not key or key in seen:
            continue
        scope = "|".join(key.split("|")[:2]) if key.startswith("FEC|") else key.split("|")[0]
        day = r[index["Date"]]
        day = day.date() if isinstance(day, dt.datetime) else day
        if scope in spans and isinstance(day, dt.date) and spans[scope][0] <= day <= spans[scope][1]:
            out.append(dep.header_row + 1 + i)
    return out


def _shown(value: object, field_name: str = "") -> str:
    if value in (None, ""):
        return "(vide)"
    if isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and field_name in ("date", "payment_date"):
        return f"{dt.date(1899, 12, 30) + dt.timedelta(days=int(value)):%d/%m/%Y}"
    if isinstance(value, float):
        return french_number(Decimal(str(value)))
    return str(value)


def _same(old: object, new: object) -> bool:
    if old in (None, "") and new in (None, ""):
        return True
    if isinstance(old, int | float) and isinstance(new, int | float):
        return abs(float(old) - float(new)) < 0.005
    if isinstance(old, dt.datetime) and isinstance(new, float):
        return excel_date(old.date()) == new
    if isinstance(old, dt.date) and isinstance(new, float):
        return excel_date(old) == new
    return cell_text(old) == cell_text(new)

