"""« Importer des écritures »: from a FEC or a CSV export to rows of the Dépenses table.

Every FEC line on a charge account (class 6) is an expense, counted as debit − credit; the
Correspondances table maps ledger accounts to devis accounts by their longest prefix, and can add
other accounts (capitalised production costs, 2313...). A line that maps nowhere goes « à
affecter », never dropped. An entry with a line in error, or unbalanced, is not imported at all.

Each imported row carries a key: importing the same file again adds nothing, and a corrected
export updates what the accounts say (amount, VAT, dates, document, accounts). What the user
decides is kept: a label or a supplier retyped, a status moved on (a payment the lettering does
not show yet), a devis account chosen for a line whose ledger account did not change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]

from xlprod.core.cells import cell_text, excel_date, excel_datetime, from_serial
from xlprod.core.issues import Issue, Severity, error, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import ONE, ZERO, excel_product, format_eur, french_number, from_double, round_cents, to_excel
from xlprod.core.text import fold, plural
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.ledger import (
    CSV_FIELDS,
    DEFAULT_CSV_MAPPING,
    LedgerRead,
    in_euros,
    looks_like_fec,
    read_fec,
    read_ledger_csv,
)
from xlprod.kinds.depenses.model import EURO, Status
from xlprod.kinds.depenses.reader import STATUSES, account_key
from xlprod.kinds.depenses.recalc import table
from xlprod.kinds.tables import rows_below
from xlprod.runtime import collector_paused
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import RawTable, WorkbookPort, WritePlan
from xlprod.workbook.sheetxml import CellValue, CellWrite

CHARGES = "6"  # the class of charge accounts in the French chart of accounts (PCG)
# charges of the year-end closing, not of the production: depreciation and provisions (68: the film's own
# amortisation among them), income tax and employee profit-sharing (69)
CLOSING = ("68", "69")
EXCLUDED = "exclu"  # a correspondence's « Compte devis » that leaves its accounts out of the expenses
SUPPLIER_PREFIXES = ("40", "42", "43")  # the counterpart of an expense: a supplier, a salary, a social body
VAT_PREFIX = "4456"  # deductible VAT
MAX_BYTES = 200_000_000
# what the accounts say, updated by a corrected export; the label, the supplier and a status moved on
# by the user are theirs
FIGURES = ("date", "piece", "amount", "vat", "ledger_account")
RANK = {Status.COMMITTED.value: 0, Status.INVOICED.value: 1, Status.PAID.value: 2}


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
    other_debit: Decimal = ZERO  # lines read that are not expenses (VAT, suppliers, banks)
    excluded_debit: Decimal = ZERO  # of which charges left out: the closing's (68, 69), or a correspondence's « exclu »
    rejected: int = 0  # lines not imported: in error, or of an entry in error
    rejected_debit: Decimal = ZERO
    uncounted: int = 0  # of the rejected lines, those whose amounts cannot be read: in no total, the file's either
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    unassigned: int = 0
    unassigned_amount: Decimal = ZERO
    changes: list[str] = field(default_factory=list)  # what a corrected re-export changed
    absent: list[int] = field(default_factory=list)  # rows of an earlier import, within this file's span, not in it
    foreign: list[int] = field(default_factory=list)  # file lines in a foreign currency, without a country
    kept: list[str] = field(default_factory=list)  # cells holding a formula a corrected export would have changed
    currencies: dict[str, Decimal] = field(default_factory=dict)  # a CSV's expenses in another currency, as given
    # (cell, its devis account, the one the file gives or the mapping gives it, whether the file gave it)
    other_account: list[tuple[str, str, str, bool]] = field(default_factory=list)
    renumbered: list[tuple[int, str, str]] = field(default_factory=list)  # (row, entry number before, in this file)
    split: list[tuple[tuple[int, ...], Decimal, Decimal]] = field(default_factory=list)  # (rows, file's, their sum)
    left_out: list[int] = field(default_factory=list)  # rows imported before on accounts now left out of the expenses
    # (a row, the rows without a key that make the file's amount with it, that amount): a split whose copies lost their key
    unkeyed: list[tuple[int, tuple[int, ...], Decimal]] = field(default_factory=list)
    unsettled: list[tuple[int, str]] = field(default_factory=list)  # rows « payé » (and cell) the accounts leave unsettled
    issues: list[Issue] = field(default_factory=list)

    def render(self) -> str:
        accounted = self.selected_debit + self.other_debit + self.rejected_debit
        check = "= celui du fichier" if accounted == self.debit_total else f"≠ celui du fichier ({format_eur(self.debit_total)})"
        if self.uncounted:  # the file's own total is then not known: say which lines it leaves out
            check += (f", hors {plural(self.uncounted, 'ligne')} au montant illisible (mal écrit, colonnes décalées ou "
                      f"ligne coupée), {'comptée' if self.uncounted == 1 else 'comptées'} nulle part")
        lines = [f"{self.file} : {self.detection}",
                 f"  {plural(self.lines_read, 'ligne lue', 'lignes lues')} ; débit {format_eur(self.debit_total)}, "
                 f"crédit {format_eur(self.credit_total)}",
                 f"  {plural(self.selected, 'ligne')} de dépenses (débit {format_eur(self.selected_debit)} − crédit "
                 f"{format_eur(self.selected_credit)} = {format_eur(self.selected_debit - self.selected_credit)}) ; "
                 f"autres lignes : débit {format_eur(self.other_debit)} ; écartées (en erreur) : {self.rejected}, débit "
                 f"{format_eur(self.rejected_debit)} ; débit total {format_eur(accounted)} {check}",
                 f"  importées : {plural(self.added, 'nouvelle')}, {plural(self.updated, 'mise à jour', 'mises à jour')}, "
                 f"{plural(self.unchanged, 'déjà présente', 'déjà présentes')} ; "
                 f"à affecter : {self.unassigned} ({format_eur(self.unassigned_amount)})"]
        if self.excluded_debit:
            lines.insert(3, f"  dont charges hors suivi (clôture 68, 69, ou « exclu » dans Correspondances) : débit "
                            f"{format_eur(self.excluded_debit)}")
        if self.currencies:  # the euros above count them at their line's rate, as Montant EUR does
            shown = ", ".join(f"{format_eur(v).removesuffix('€').strip()} {c}" for c, v in sorted(self.currencies.items()))
            lines.insert(3, f"  dont en devises : {shown}, comptées en euros au taux de change de leur ligne")
        lines += [f"  • {c}" for c in self.changes[:20]]
        if len(self.changes) > 20:
            lines.append(f"  • … et {len(self.changes) - 20} autre(s) modification(s)")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "detection": self.detection, "lines_read": self.lines_read,
                "debit_total": f"{self.debit_total:.2f}", "credit_total": f"{self.credit_total:.2f}",
                "expense_lines": self.selected, "expense_debit": f"{self.selected_debit:.2f}",
                "expense_credit": f"{self.selected_credit:.2f}", "other_debit": f"{self.other_debit:.2f}",
                "excluded_debit": f"{self.excluded_debit:.2f}",
                "rejected_lines": self.rejected, "rejected_debit": f"{self.rejected_debit:.2f}",
                "unreadable_amount_lines": self.uncounted,
                "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "unassigned": self.unassigned,
                "unassigned_amount": f"{self.unassigned_amount:.2f}", "changes": self.changes,
                "absent_rows": self.absent, "left_out_rows": self.left_out,
                "unsettled_paid_rows": [r for r, _ in self.unsettled],
                "renumbered_rows": [{"row": r, "entry_before": a, "entry": b} for r, a, b in self.renumbered],
                "currencies": {c: f"{v:.2f}" for c, v in sorted(self.currencies.items())},
                "issues": [i.to_json() for i in self.issues]}


@dataclass(frozen=True)
class Mapping:
    prefixes: dict[str, str]  # ledger account prefix -> devis account ("" : counted, à affecter)
    countries: dict[str, str] = field(default_factory=dict)  # ledger account prefix -> country of the spend

    _seen: dict[tuple[int, str], str | None] = field(default_factory=dict, compare=False, repr=False)

    def _longest(self, table: dict[str, str], ledger: str) -> str | None:
        key = (id(table), ledger)  # a FEC repeats its accounts: each is looked up once
        if key in self._seen:
            return self._seen[key]
        found = None
        for n in range(len(ledger), 0, -1):
            found = table.get(ledger[:n])
            if found is not None:
                break
        self._seen[key] = found
        return found

    def devis_account(self, ledger: str) -> str | None:
        """The devis account of the longest prefix; None when no prefix matches, or when it leaves them out."""
        found = self._longest(self.prefixes, ledger)
        return None if found == EXCLUDED else found

    def country(self, ledger: str) -> str:
        """The country the correspondences give the account (a coproduction's foreign accounts), or ""."""
        return self._longest(self.countries, ledger) or ""

    def is_expense(self, ledger: str) -> bool:
        """A charge (class 6) but the closing's (68, 69), or an account a correspondence names (a closing's by a
        devis account only); one that says « exclu » leaves its accounts out, a longer one brings some back."""
        found = self._longest(self.prefixes, ledger)
        closing = ledger.startswith(CLOSING)
        if found is not None and not (closing and found == ""):  # a blank row (a chart pasted) brings none back
            return found != EXCLUDED
        return ledger.startswith(CHARGES) and not closing


_EXCLUDED_WORDS = frozenset({"hors suivi", "hors cout", "non suivi"})  # and « exclu », « Exclue », « exclus »…


def read_mapping(book: WorkbookPort, issues: list[Issue] | None = None) -> Mapping:
    """The Correspondances table; a ledger account given twice keeps its first row, and a later row that
    says otherwise is said (DEP037) in ``issues``: the last used to win without a word."""
    t = table(book, L.TABLE_CORRESPONDANCES, L.SHEET_CORRESPONDANCES)
    if "Compte général" not in t.headers or "Compte devis" not in t.headers:
        raise WorkbookError(Location(book=book.book_name, sheet=t.sheet), "le tableau Correspondances n'a pas ses "
                            "colonnes Compte général et Compte devis", "Rétablissez-les (xlprod new depenses).")
    g, d = t.headers.index("Compte général"), t.headers.index("Compte devis")
    c = t.headers.index("Pays") if "Pays" in t.headers else None
    prefixes: dict[str, str] = {}
    countries: dict[str, str] = {}
    first: dict[str, int] = {}
    unused: list[tuple[int, str, str]] = []  # (row, ledger account, devis account) of rows a first one overrides
    row = t.header_row + 1
    for i, r in enumerate(t.rows):
        ledger, devis, country = cell_text(r[g]), cell_text(r[d]), cell_text(r[c]) if c is not None else ""
        if fold(devis).rstrip(". ").startswith("exclu") or fold(devis) in _EXCLUDED_WORDS:
            devis = EXCLUDED
        if not ledger:
            continue
        if ledger in first:
            if (devis, country) != (prefixes[ledger], countries.get(ledger, "")):
                unused.append((row + i, ledger, devis))
            continue
        first[ledger] = i
        prefixes[ledger] = devis
        if country:
            countries[ledger] = country
    if unused and issues is not None:  # one message: a chart pasted twice is one fact
        at, ledger, devis = unused[0]
        shown = " ; ".join(f"{a} ligne {n} ({d or 'à affecter'}, la ligne {row + first[a]} dit "
                           f"{prefixes[a] or 'à affecter'})" for n, a, d in unused[:5])
        more = f" ; et {plural(len(unused) - 5, 'autre')}" if len(unused) > 5 else ""
        issues.append(warning(
            "DEP037", Location(book=book.book_name, sheet=t.sheet, cell=f"{column_letter(t.first_col + g)}{at}"),
            f"{plural(len(unused), 'ligne')} de Correspondances pour un compte général déjà donné plus haut, qui "
            f"{'ne servent' if len(unused) > 1 else 'ne sert'} pas : {shown}{more}.",
            "Un compte général va à un seul compte du devis : ouvrez un sous-compte par ligne du devis dans la "
            "comptabilité, ou supprimez les lignes en trop."))
    return Mapping(prefixes, countries)


def read_columns(book: WorkbookPort) -> dict[str, str]:
    """The CSV columns saved in ColonnesImport; a field unknown, given twice, or two fields on one
    column is refused at its cell."""
    t = book.table(L.TABLE_COLONNES)
    if t is None or "Champ" not in t.headers or "Colonne du fichier" not in t.headers:
        return dict(DEFAULT_CSV_MAPPING)
    f, c = t.headers.index("Champ"), t.headers.index("Colonne du fichier")
    out: dict[str, str] = {}
    used: dict[str, str] = {}
    for i, r in enumerate(t.rows):
        name, header = cell_text(r[f]), cell_text(r[c])
        if not name or not header:
            continue
        where = Location(book=book.book_name, sheet=t.sheet, cell=f"{column_letter(t.first_col + f)}{t.header_row + 1 + i}")
        field_name = name.lower()
        if field_name not in CSV_FIELDS:
            raise WorkbookError(where, f"champ « {name} » inconnu dans ColonnesImport",
                                f"Les champs sont : {', '.join(CSV_FIELDS)}.")
        if field_name in out:
            raise WorkbookError(where, f"champ « {name} » donné deux fois dans ColonnesImport",
                                "Gardez une seule ligne par champ.")
        if fold(header) in used:
            raise WorkbookError(where, f"la colonne « {header} » est donnée à deux champs ({used[fold(header)]} et "
                                f"{field_name})", "Une colonne du fichier ne remplit qu'un champ.")
        out[field_name] = header
        used[fold(header)] = field_name
    where = Location(book=book.book_name, sheet=t.sheet, cell=f"{column_letter(t.first_col)}{t.header_row}")
    if "amount" in out and ({"debit", "credit"} & set(out)):
        raise WorkbookError(where, "ColonnesImport donne à la fois le montant (amount) et débit/crédit",
                            "Gardez soit la ligne amount, soit les lignes debit et credit.")
    if "amount" not in out and not {"debit", "credit"} <= set(out):
        raise WorkbookError(where, "ColonnesImport ne donne ni la colonne du montant (amount) ni les deux colonnes "
                            "debit et credit", "Ajoutez la ligne amount (par exemple « Montant HT »), ou les lignes "
                            "debit et credit.")
    for required in ("date", "label"):
        if required not in out:
            raise WorkbookError(where, f"ColonnesImport ne donne pas la colonne du champ {required}",
                                f"Ajoutez la ligne {required} avec l'en-tête de votre fichier.")
    return out


def _paid(lettering: str) -> bool:
    """A supplier's line lettered in capitals is settled; lower-case letters are a partial
    lettering in several accounting programs: not paid yet."""
    return bool(lettering) and lettering == lettering.upper()


class Rows:
    """The file's expense rows as columns, in the order they are imported: a FEC of 100,000 expenses
    is made into rows column by column; a row is made into a dict only when it is compared with the
    table (a re-import, a corrected export)."""

    def __init__(self, columns: dict[str, list[object]]) -> None:
        self.columns = columns
        self.key = cast(list[str], columns["key"])

    def __len__(self) -> int:
        return len(self.key)

    def row(self, i: int) -> dict[str, object]:
        return {name: values[i] for name, values in self.columns.items()}

    def __iter__(self) -> Iterator[dict[str, object]]:
        return map(self.row, range(len(self.key)))

    @classmethod
    def of(cls, rows: list[dict[str, object]], fields: tuple[str, ...]) -> Rows:
        return cls({name: [row.get(name) for row in rows] for name in fields})


FEC_FIELDS = ("key", "pair", "date", "piece", "supplier", "account", "label", "amount", "vat", "status", "payment_date",
              "country", "ledger_account", "line", "journal", "entry")
CSV_ROW_FIELDS = ("key", "pair", "date", "piece", "supplier", "account", "label", "amount", "vat", "currency", "rate",
                  "status", "payment_date", "country", "tags", "ledger_account", "line", "given")


def _codes(*columns: Sequence[object]) -> tuple[npt.NDArray[np.int64], int]:
    """The rows numbered by their values in these columns together, in the order each first appears."""
    codes, count = np.zeros(len(columns[0]), dtype=np.int64), 1
    for values in columns:
        own, uniques = pd.factorize(np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values)
        codes, found = pd.factorize(codes * len(uniques) + own)  # below the rows' count squared: no overflow
        count = len(found)
    return codes.astype(np.int64), count


def _sums(codes: npt.NDArray[np.int64], cents: npt.NDArray[np.int64], count: int) -> list[int]:
    """Exact sums of cents by code, as Python integers (a line is below 10¹³ cents, a file below 10⁷ lines)."""
    out = np.zeros(count, dtype=object)
    np.add.at(out, codes, cents.astype(object))
    return cast(list[int], out.tolist())


def _latest(entries: npt.NDArray[np.int64], dates: npt.NDArray[np.object_], count: int) -> dict[int, dt.date]:
    """Each entry's latest date (None: no date), as day numbers: pandas compares dates as Python objects,
    one group at a time (0.6 s for 60,000 entries)."""
    dated = np.flatnonzero(pd.notna(dates))
    if not len(dated):
        return {}
    days, distinct = pd.factorize(dates[dated])
    ordinals = np.array([d.toordinal() for d in distinct.tolist()], dtype=np.int64)[days]
    latest = np.full(count, -1, dtype=np.int64)
    np.maximum.at(latest, entries[dated], ordinals)
    found = np.flatnonzero(latest >= 0)
    shown = {o: dt.date.fromordinal(o) for o in set(latest[found].tolist())}
    return dict(zip(found.tolist(), [shown[o] for o in latest[found].tolist()], strict=True))


def _rows_from_fec(read: LedgerRead, mapping: Mapping, summary: ImportSummary) -> Rows:
    """An expense row for each expense line of an entry (its journal, number and date) accepted whole: its
    VAT a share of the entry's deductible VAT, its supplier and payment from the entry's supplier line."""
    c = read.columns
    if c is None or not c.line:
        return Rows({name: [] for name in FEC_FIELDS})
    codes, count = _codes(c.journal, c.entry, c.date)
    first = np.unique(codes, return_index=True)[1]  # each entry's first line
    refused = np.zeros(count, dtype=bool)
    if read.rejected_entries or read.refused:  # none of these entries is imported
        for e, i in enumerate(first.tolist()):
            refused[e] = (c.journal[i], c.entry[i]) in read.rejected_entries or \
                (c.journal[i], c.entry[i], c.date[i]) in read.refused
    out_line = refused[codes]
    summary.rejected += int(out_line.sum())
    summary.rejected_debit += Decimal(int(c.debit_cents[out_line].astype(object).sum())).scaleb(-2) if out_line.any() \
        else ZERO
    # a FEC repeats its accounts: each is judged once
    account_codes, accounts = pd.factorize(np.asarray(c.account, dtype=object))
    distinct = cast(list[str], accounts.tolist())
    expense = np.array([mapping.is_expense(a) for a in distinct], dtype=bool)[account_codes] & ~out_line
    supplier_line = np.array([a.startswith(SUPPLIER_PREFIXES) for a in distinct], dtype=bool)[account_codes]
    vat_line = np.array([a.startswith(VAT_PREFIX) for a in distinct], dtype=bool)[account_codes] & ~out_line
    others = ~expense & ~out_line
    summary.other_debit += Decimal(int(c.debit_cents[others].astype(object).sum())).scaleb(-2) if others.any() else ZERO
    left_out = others & np.array([a.startswith(CHARGES) for a in distinct], dtype=bool)[account_codes]
    if left_out.any():
        summary.excluded_debit += Decimal(int(c.debit_cents[left_out].astype(object).sum())).scaleb(-2)
    chosen = np.flatnonzero(expense)
    order = chosen[np.argsort(codes[chosen], kind="stable")]  # by entry, as each first appears; lines in file order
    if not len(order):
        return Rows({name: [] for name in FEC_FIELDS})
    signed = c.debit_cents - c.credit_cents
    entry_of = codes[order]
    vat_total = _sums(codes[vat_line], signed[vat_line], count)
    lines_in = np.bincount(entry_of, minlength=count)
    # the entry's supplier: its first line on a supplier account; paid when each such line is settled (a payroll's
    # net pay and its social charges), on the last of their dates
    at = np.flatnonzero(supplier_line)
    found, where = np.unique(codes[at], return_index=True)
    counterpart = np.full(count, -1, dtype=np.int64)
    counterpart[found] = at[where]
    letters, distinct_letters = pd.factorize(np.asarray(c.lettering, dtype=object)[at])  # each lettering judged once
    settled = np.array([_paid(x) for x in distinct_letters.tolist()], dtype=bool)[letters] if len(at) else \
        np.zeros(0, dtype=bool)
    unsettled = np.bincount(codes[at][~settled], minlength=count) > 0
    paid_on = _latest(codes[at][settled], np.asarray(c.lettering_date, dtype=object)[at][settled], count)
    paid_status, invoiced_status = Status.PAID.value, Status.INVOICED.value
    entry_values: dict[int, tuple[str, str, dt.date | None]] = {}  # entry -> supplier, status, payment date
    for e in dict.fromkeys(entry_of.tolist()):
        k = int(counterpart[e])
        if k < 0:
            entry_values[e] = ("", invoiced_status, None)
            continue
        paid = not unsettled[e]
        entry_values[e] = (c.supplier[k] or c.account_label[k], paid_status if paid else invoiced_status,
                           paid_on.get(e) if paid else None)
    picked = order.tolist()
    entries = entry_of.tolist()
    per_entry = [entry_values[e] for e in entries]
    amounts = [c.debit[i] - c.credit[i] for i in picked]
    vats: list[Decimal] = [Decimal(vat_total[e]).scaleb(-2) if lines_in[e] == 1 else ZERO for e in entries]
    several = np.flatnonzero(lines_in[entry_of] > 1).tolist()
    if several:  # the entry's VAT shared by its expenses, the last taking what rounding leaves
        allotted: dict[int, Decimal] = {}
        left: dict[int, int] = {}
        base: dict[int, Decimal] = {}
        for k in several:
            e = entries[k]
            base[e] = base.get(e, ZERO) + amounts[k]
            left[e] = left.get(e, 0) + 1
        for k in several:
            e = entries[k]
            total = Decimal(vat_total[e]).scaleb(-2)
            left[e] -= 1
            if not left[e]:
                vats[k] = total - allotted.get(e, ZERO)
            else:
                vats[k] = round_cents(total * amounts[k] / base[e]) if base[e] else ZERO
                allotted[e] = allotted.get(e, ZERO) + vats[k]
    ledger = [c.account[i] for i in picked]
    labels = [c.label[i] for i in picked]
    countries = {a: mapping.country(a) for a in set(ledger)}
    for k, i in enumerate(picked):
        currency = c.currency[i]
        if currency and currency.upper() not in ("EUR", "€") and c.currency_amount[i] is not None:
            # the ledger's euros are kept (they reconcile); the currency is said in the label
            labels[k] += f" ({format_eur(c.currency_amount[i] or ZERO).removesuffix('€').strip()} {currency.upper()})"
            if not countries[ledger[k]]:
                summary.foreign.append(c.line[i])
    # an account's n-th expense line in its entry: entry numbers start again each fiscal year, so the date is in
    # the key
    nth = (pd.DataFrame({"e": entry_of, "a": account_codes[order]}).groupby(["e", "a"], sort=False).cumcount() + 1)
    journals, numbers, dates = [c.journal[i] for i in picked], [c.entry[i] for i in picked], [c.date[i] for i in picked]
    days = {d: f"{d:%Y%m%d}" for d in set(dates)}
    pairs = [f"FEC|{j}|{n}|" for j, n in zip(journals, numbers, strict=True)]
    devis = {a: mapping.devis_account(a) or "" for a in countries}
    summary.selected += len(picked)
    summary.selected_debit += Decimal(int(c.debit_cents[order].astype(object).sum())).scaleb(-2)
    summary.selected_credit += Decimal(int(c.credit_cents[order].astype(object).sum())).scaleb(-2)
    return Rows({
        "key": [f"{p}{days[d]}|{a}|{n}" for p, d, a, n in zip(pairs, dates, ledger, nth.tolist(), strict=True)],
        "pair": cast(list[object], pairs), "date": cast(list[object], dates),
        "piece": [c.piece[i] for i in picked], "supplier": [v[0] for v in per_entry],
        "account": [devis[a] for a in ledger], "label": cast(list[object], labels), "amount": cast(list[object], amounts),
        "vat": cast(list[object], vats), "status": [v[1] for v in per_entry], "payment_date": [v[2] for v in per_entry],
        "country": [countries[a] or None for a in ledger], "ledger_account": cast(list[object], ledger),
        "line": [c.line[i] for i in picked], "journal": cast(list[object], journals),
        "entry": cast(list[object], numbers)})


def _rows_from_csv(read: LedgerRead, mapping: Mapping, summary: ImportSummary) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for x in read.lines:
        account = x.devis_account or (mapping.devis_account(x.account) if x.account else None) or ""
        # a document number and its supplier name the row (its n-th line): a corrected export updates it;
        # without a number, the row is named by what it says, and a corrected amount is a new row
        account_text = x.account or x.devis_account
        if x.piece:
            ident = f"{x.piece}|{fold(x.supplier)}|{account_text}"
            pair = f"CSV|{x.piece}|{fold(x.supplier)}|"
        else:  # what the row says, as a fixed-length digest (a label may be 32,767 characters long)
            said = "|".join((x.date.isoformat(), fold(x.supplier), fold(x.label), account_text, f"{x.amount:.2f}"))
            ident, pair = "h:" + hashlib.sha1(said.encode("utf-8")).hexdigest()[:20], ""
        n = seen[ident] = seen.get(ident, 0) + 1
        known = STATUSES.get(fold(x.status)) if x.status else Status.COMMITTED
        rows.append({"key": f"CSV|{ident}|{n}", "pair": pair, "date": x.date, "piece": x.piece, "supplier": x.supplier,
                     "account": account, "label": x.label, "amount": x.amount, "vat": x.vat,
                     "currency": x.currency or "", "rate": x.rate,
                     "status": known.value if known is not None else x.status,  # an unknown one: said at recalc
                     "payment_date": x.payment_date, "country": x.country or mapping.country(x.account) or None,
                     "tags": x.tags, "ledger_account": x.account, "line": x.line, "given": bool(x.devis_account)})
        summary.selected += 1
        summary.selected_debit += in_euros(x.debit, x.rate)
        summary.selected_credit += in_euros(x.credit, x.rate)
        if x.currency and x.currency != EURO:
            summary.currencies[x.currency] = summary.currencies.get(x.currency, ZERO) + x.amount
    summary.rejected_debit = read.debit_total - summary.selected_debit
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


def import_ledger(book: WorkbookPort, data: bytes, file_name: str, now: dt.datetime | None = None) -> ImportSummary:
    """Read ``data`` (a FEC or a CSV) and merge its expenses into the Dépenses table; the import is
    written down in the Imports table, at ``now``."""
    with collector_paused():  # 300,000 lines make millions of small objects, none of them in a cycle
        summary = _import_ledger(book, data, file_name)
    record_import(book, summary, now or dt.datetime.now())
    return summary


def record_import(book: WorkbookPort, summary: ImportSummary, now: dt.datetime) -> None:
    """One row of the Imports table: the history of what each file held and what came in, and what it
    refused, which the recalculations after it recall (DEP044) until an import refuses nothing."""
    t = book.table(L.TABLE_IMPORTS)
    first = next((i for i in summary.issues if i.severity is Severity.ERROR), None)
    said = f"{first.location}: {first.severity.value} {first.code}: {first.message}" if first is not None else ""
    values: dict[str, object] = {
        "date": excel_datetime(now), "file": summary.file, "detection": summary.detection,
        "lines_read": float(summary.lines_read), "debit_total": to_excel(summary.debit_total),
        "selected": float(summary.selected), "added": float(summary.added), "updated": float(summary.updated),
        "unchanged": float(summary.unchanged), "unassigned": float(summary.unassigned),
        "rejected": float(summary.rejected), "rejected_debit": to_excel(summary.rejected_debit),
        "first_error": said if len(said) <= 250 else said[:249] + "…"}
    fields = {c.header: c.field for c in L.IMPORTS_COLUMNS}
    if t is not None and set(L.IMPORTS_HEADERS) <= set(t.headers):
        # under each header, wherever the user moved it; a column of their own left blank
        if book.add_table_rows(t, [[values.get(fields.get(h, "")) for h in t.headers]]) is not None:
            return
        below = book.cells_below(t)
        where = Location(book=book.book_name, sheet=t.sheet, cell=f"{column_letter(below[0].col)}{below[0].row}" if below
                         else None)
        problem = ("pas de place sous le tableau Imports (cellule occupée en dessous)" if below else
                   "pas de place sous le tableau Imports (ligne de totaux ?)")
        hint = "Libérez la ligne sous le tableau (ou retirez sa ligne de totaux) : les imports suivants y seront inscrits."
    else:
        where = Location(book=book.book_name, sheet=t.sheet if t else None)
        problem = "tableau Imports introuvable, ou colonnes manquantes"
        hint = ("Pour retrouver l'historique, repartez d'un modèle (xlprod new depenses) et recopiez-y vos tables ; "
                "l'import, lui, est fait.")
    summary.issues.append(warning("DEP045", where, f"{problem} : cet import n'est pas inscrit à l'historique, qui "
                                  "s'arrête à l'import précédent ; ce qu'il a écarté ne sera pas rappelé aux prochains "
                                  "recalculs.", hint))


def _import_ledger(book: WorkbookPort, data: bytes, file_name: str) -> ImportSummary:
    if book.kind() != L.KIND:
        raise WorkbookError(Location(book=book.book_name), "ce classeur n'est pas un suivi des dépenses xlprod "
                            f"(type : {book.kind() or 'aucun'})", "Importez dans le classeur créé par xlprod new "
                            "depenses.")
    said: list[Issue] = []
    mapping = read_mapping(book, said)
    if looks_like_fec(data):
        read = read_fec(data, file_name)
    else:
        read = read_ledger_csv(data, file_name, read_columns(book), optional_absent=True)
    summary = ImportSummary(file=file_name, detection=read.detection.describe(), lines_read=read.lines_read,
                            debit_total=read.debit_total, credit_total=read.credit_total, uncounted=read.uncounted,
                            issues=[*said, *read.issues])
    summary.issues += rows_below(book, table(book, L.TABLE_CORRESPONDANCES, L.SHEET_CORRESPONDANCES), "DEP035",
                                 "elle ne sert pas à cet import", "correspondance")
    fec = read.detection.format == "FEC"
    rows = _rows_from_fec(read, mapping, summary) if fec else Rows.of(_rows_from_csv(read, mapping, summary),
                                                                       CSV_ROW_FIELDS)
    if fec and read.columns is not None:  # the lines left out for their own error, beside the entries refused whole
        summary.rejected_debit += read.debit_total - Decimal(sum(read.columns.debit_cents.tolist())).scaleb(-2)
    summary.rejected += read.lines_read - (len(read.columns.line) if read.columns is not None else len(read.lines))
    dep = table(book, L.TABLE_DEPENSES, L.SHEET_DEPENSES)
    missing = [h for h in L.DEPENSES_HEADERS if h not in dep.headers]
    if missing:
        raise WorkbookError(Location(book=book.book_name, sheet=dep.sheet), f"colonnes absentes du tableau Depenses : "
                            f"{', '.join(missing)}", "Rétablissez-les, ou repartez d'un modèle : xlprod new depenses.")
    index = {h: dep.headers.index(h) for h in L.DEPENSES_HEADERS}
    key_at = index["Clé d'import"]
    by_key: dict[str, int] = {}
    shared: dict[str, list[int]] = {}  # a key on several rows: an imported row the user copied to split it
    for at, cells in enumerate(dep.rows):
        key = cell_text(cells[key_at])
        if key:
            if key in by_key:
                shared.setdefault(key, [by_key[key]]).append(at)
            by_key[key] = at
    parts_of = {parts[0]: parts for parts in shared.values()}  # a split's first row stands for it in the matching
    for key, parts in shared.items():
        by_key[key] = parts[0]
    amount_at = index["Montant HT"]

    def whole(i: int) -> Decimal | None:
        """A row's amount, a split's the sum of its parts (what the file's line says); None when it is no number."""
        amounts = [dep.rows[j][amount_at] for j in parts_of.get(i, [i])]
        if not all(type(a) is float for a in amounts):
            return None if len(amounts) == 1 else sum((from_double(a) for a in amounts if type(a) is float), ZERO)
        return sum((from_double(cast(float, a)) for a in amounts), ZERO)

    # rows no other line may take: of an entry the file refuses this time (it comes back when corrected), or on an
    # account the correspondences now leave out (those said below)
    refused_rows, excluded_rows = _barred(dep, index, read, mapping) if fec else (set(), set())
    barred = refused_rows | excluded_rows
    matches = _match(rows, by_key, dep, index, barred, whole)
    if fec:
        for at, taken in _renumbered(rows, matches, by_key, dep, index, barred, whole):
            before = cell_text(dep.rows[taken][key_at]).split("|")
            summary.renumbered.append((dep.header_row + 1 + taken, before[2],
                                       str(rows.columns["entry"][matches[at][0]])))
    fields = {c.field: c.header for c in L.DEPENSES_COLUMNS}
    plan = WritePlan()
    added: list[int] = []  # the file's rows that are new to the table
    # (the line, the row, its number, what changes, whether it is counted: a split's parts after its first are not)
    updates: list[tuple[dict[str, object], list[object], int, dict[str, object], bool]] = []
    split: list[tuple[tuple[int, ...], Decimal, Decimal]] = []  # (the rows, the file's amount, their sum) that differ
    grouped: set[int] = set()  # the first rows of splits a part of which changes
    keyless: dict[tuple[str, str], list[int]] | None = None  # rows without a key, by document and ledger account
    for k, i in matches:
        if i is None:
            added.append(k)
            continue
        row = rows.row(k)
        pieces = parts_of.get(i)
        if pieces is not None:  # the user's split of this line: its amounts and devis accounts are theirs; the rest
            # (the key, date, document, ledger account, payment) follows the accounts on every part
            total = whole(i) or ZERO
            if total != cast(Decimal, row["amount"]):
                split.append((tuple(dep.header_row + 1 + j for j in pieces), cast(Decimal, row["amount"]), total))
            each = [{f: v for f, v in _changes(row, dep.rows[j], index, fields).items()
                     if f not in ("amount", "vat", "account")} for j in pieces]
            if any(each):
                grouped.add(dep.header_row + 1 + pieces[0])
            for n, (j, changes) in enumerate(zip(pieces, each, strict=True)):
                updates.append((row, dep.rows[j], dep.header_row + 1 + j, changes, n == 0))
            continue
        existing = dep.rows[i]
        changes = _changes(row, existing, index, fields)
        if "amount" in changes:  # a split whose copies lost their key: the file's amount is the parts' sum
            if keyless is None:
                keyless = _keyless(dep, index)
            twins = keyless.get((cell_text(existing[index["N° pièce"]]).casefold(),
                                 cell_text(existing[index["Compte général"]])), [])
            total = sum((whole(j) or ZERO for j in twins), whole(i) or ZERO)
            if twins and total == cast(Decimal, row["amount"]):
                changes.pop("amount")
                changes.pop("vat", None)
                summary.unkeyed.append((dep.header_row + 1 + i, tuple(dep.header_row + 1 + j for j in twins), total))
        own = "account" not in changes  # a devis account the user typed on an earlier import of the row is kept
        if not (row["account"] or (cell_text(existing[index["Compte devis"]]) if own else "")):
            summary.unassigned += 1
            summary.unassigned_amount += in_euros(cast(Decimal, row["amount"]), cast("Decimal | None", row.get("rate")))
        updates.append((row, existing, dep.header_row + 1 + i, changes, True))
    accounts, amounts = rows.columns["account"], rows.columns["amount"]
    rates = rows.columns.get("rate")
    for k in added:
        if not accounts[k]:
            summary.unassigned += 1
            summary.unassigned_amount += in_euros(cast(Decimal, amounts[k]), cast("Decimal | None", rates[k]) if rates
                                                  else None)
    typed = {index[c.header]: c.field for c in L.DEPENSES_COLUMNS}
    # under each header, wherever the user moved it; a column of no field left blank
    new = _new_rows(rows, added, [typed.get(j, "") for j in range(len(dep.headers))])

    def col(f: str) -> int:
        return dep.first_col + index[fields[f]]

    # the cells a corrected export would change, looked through once for formulas the user typed there
    held = book.formula_cells(dep.sheet, [(r, col(f)) for _, _, r, changes, _ in updates for f in changes])
    for row, existing, r, changes, counted in updates:
        for f in [f for f in changes if (r, col(f)) in held]:
            del changes[f]  # a formula the user typed is theirs: said, never replaced
            summary.kept.append(f"{column_letter(col(f))}{r}")
        for f, value in changes.items():
            plan.sheet(dep.sheet).set(r, col(f), CellWrite(cast(CellValue, value)))
        if fec and row.get("status") == Status.INVOICED.value and STATUSES.get(
                fold(cell_text(existing[index["Statut"]]))) is Status.PAID:
            # kept: the user may know of a payment the accounts have not lettered yet
            summary.unsettled.append((r, f"{column_letter(col('status'))}{r}"))
        mapped, chosen = cell_text(row.get("account")), cell_text(existing[index["Compte devis"]])
        if str(row["key"]) in shared or cell_text(existing[key_at]) in shared:
            mapped = ""  # a split's devis accounts are the user's: not compared with the correspondences
        if mapped and chosen and "account" not in changes and account_key(mapped) != account_key(chosen):
            cell = f"{column_letter(dep.first_col + index['Compte devis'])}{r}"
            # the user's choice, or a correspondence changed since, or the file's own Compte devis changed
            summary.other_account.append((cell, chosen, mapped, bool(row.get("given"))))
        if counted and (changes or r in grouped):
            summary.updated += 1
        elif counted:
            summary.unchanged += 1
        if changes:
            unit = cell_text(row.get("currency")) or cell_text(existing[index["Devise"]])
            shown = " ; ".join(f"{fields[f]} {_shown(existing[index[fields[f]]], f, unit)} → {_shown(v, f, unit)}"
                               for f, v in changes.items() if f != "key") or _key_change(existing[key_at], row["key"])
            summary.changes.append(f"ligne {r} ({row['piece'] or row['key']}) : {shown}")
    matched = {j for _, i in matches if i is not None for j in parts_of.get(i, [i])}
    # a row no line took keeps its key unless a line now has it (its lines renumbered by place): then it is marked, or
    # the next import would take the two rows for one invoice the user split
    given = {str(changes["key"]) for _, _, _, changes, _ in updates if "key" in changes} | {rows.key[k] for k in added}
    for i, cells in enumerate(dep.rows):
        key = cell_text(cells[key_at])
        if i not in matched and key in given:
            plan.sheet(dep.sheet).set(dep.header_row + 1 + i, dep.first_col + key_at,
                                      CellWrite(f"{key}|~{dep.header_row + 1 + i}"))
    summary.split = split
    if fec:
        c = read.columns
        every = (c.journal, c.date, c.entry) if c is not None else ([], [], [])
        summary.absent = sorted({*_absent(dep, index, every, matched), *_left_of_entries(dep, index, rows, matched)})
    else:
        summary.absent = _absent_lines(dep, index, rows, matched)
    if fec:  # rows imported before on accounts the correspondences now leave out (closing charges, « exclu »)
        summary.left_out = [dep.header_row + 1 + i for i in sorted(excluded_rows - matched)]
        summary.absent = sorted(set(summary.absent) - set(summary.left_out))
    if new:
        blocked = [c for c in book.cells_below(dep) if c.row <= dep.header_row + len(dep.rows) + len(new)]
        if blocked:
            where = Location(book=book.book_name, sheet=dep.sheet, cell=f"{column_letter(blocked[0].col)}{blocked[0].row}")
            raise WorkbookError(where, f"pas de place sous le tableau Depenses pour {len(new)} nouvelles lignes (cellule "
                                "occupée)", "Déplacez ce qui est saisi sous le tableau (ou insérez-le dans le tableau), "
                                "puis relancez l'import.")
    book.apply(plan)
    inputs = frozenset(c.header for c in L.DEPENSES_COLUMNS if not c.formula)  # what the recalculation reads
    if new and book.add_table_rows(dep, new, plain=inputs, computed=frozenset({"Montant EUR"})) is None:
        raise WorkbookError(Location(book=book.book_name, sheet=dep.sheet),
                            f"pas de place sous le tableau Depenses pour {len(new)} nouvelles lignes",
                            "Le tableau a-t-il une ligne de totaux ? Retirez-la (Création de tableau > Ligne des "
                            "totaux), ou libérez les lignes sous le tableau, puis relancez l'import.")
    summary.added = len(new)
    _say(summary, book, file_name)
    return summary


def _keyless(dep: RawTable, index: dict[str, int]) -> dict[tuple[str, str], list[int]]:
    """The rows without an import key that name a document, by document (without case) and ledger account."""
    out: dict[tuple[str, str], list[int]] = {}
    piece_at, ledger_at, key_at = index["N° pièce"], index["Compte général"], index["Clé d'import"]
    for j, cells in enumerate(dep.rows):
        piece = cell_text(cells[piece_at])
        if piece and not cell_text(cells[key_at]):
            out.setdefault((piece.casefold(), cell_text(cells[ledger_at])), []).append(j)
    return out


def _new_rows(rows: Rows, at: list[int], order: list[str]) -> list[list[object]]:
    """The table rows of the file's rows ``at``, their values as cells hold them, each column's field
    given by ``order`` ("": none): column by column (100,000 imported expenses)."""
    columns: list[list[object]] = []
    blank: list[object] = [None] * len(at)
    for name in order:
        if name == "amount_eur":  # the calculated column: its formula's value, written with it
            columns.append(_amounts_eur(rows, at))
            continue
        values = rows.columns.get(name) if name else None
        if values is None:
            columns.append(blank)
            continue
        taken = values if len(at) == len(values) else [values[k] for k in at]  # a first import: every row
        columns.append(_cells(taken))
    return [list(values) for values in zip(*columns, strict=True)] if columns else [[] for _ in at]


def _amounts_eur(rows: Rows, at: list[int]) -> list[object]:
    """Montant EUR of the new rows as the recalculation computes it from their cells (``reader``):
    ROUND(HT × IF(taux = "", 1, taux), 2), of the amount and rate as doubles; the recalculation that
    follows an import then finds each row's cached value right, and leaves it."""
    amounts, rates = rows.columns["amount"], rows.columns.get("rate")
    out: list[object] = []
    for k in at:
        amount, rate = cast("Decimal | None", amounts[k]), cast("Decimal | None", rates[k]) if rates else None
        if amount is None:
            out.append(0.0)
        elif rate is None and round_cents(amount) == amount:  # a ledger's amount in euros, to the cent
            out.append(to_excel(amount))
        else:
            ht = from_double(to_excel(amount))
            out.append(to_excel(excel_product(ht, from_double(to_excel(rate)) if rate is not None else ONE)))
    return out


def _cells(values: list[object]) -> list[object]:
    """``_cell`` over a column: a blank text is no value; amounts and dates as Excel numbers."""
    kinds = set(map(type, values))
    if kinds <= {str, type(None)}:
        return [v or None for v in values]
    if kinds <= {Decimal, type(None)}:
        return [None if v is None else to_excel(cast(Decimal, v)) for v in values]
    if kinds <= {dt.date, type(None)}:
        serials = {v: excel_date(cast(dt.date, v)) for v in set(values) if v is not None}
        return [None if v is None else serials[v] for v in values]
    return [v if v is None or (type(v) is str and v) else _cell(v) for v in values]


ACROSS_MONTHS_DAYS = 7  # a corrected date across a month's end, on the same document: the same entry


def _match(rows: Rows, by_key: dict[str, int], dep: RawTable, index: dict[str, int],
           barred: AbstractSet[int] = frozenset(), whole: Callable[[int], Decimal | None] | None = None
           ) -> list[tuple[int, int | None]]:
    """Each file row (its place in ``rows``) with the table row it updates (its key), or None for a new one. A
    line whose key changed in a corrected export (its account, or its FEC entry's date moved) takes a row of the
    same entry (FEC: the same journal and number, in the same month, or a week apart across a month's end on
    the same document: software that numbers its entries anew each month gives next month's invoice an old
    number) or
    document that no line of the file claims: rows of the same ledger account first, for every line,
    then the others in order, so that what the user decided on a line stays with it when the export
    lists the lines in another order. ``barred``: rows no other line takes; ``whole``: a row's amount (a split's,
    the sum of its parts)."""
    amount_at = index["Montant HT"]
    forced = _by_content(rows, by_key, dep, index, whole or (lambda i: _decimal(dep.rows[i][amount_at])))
    claimed = {by_key[key] for key in rows.key if key in by_key} | {i for i in forced.values() if i is not None}
    spare: dict[str, list[int]] = {}
    for key, i in by_key.items():
        parts = key.split("|")
        if i not in claimed and i not in barred and parts[0] in ("FEC", "CSV") and len(parts) >= 5:
            spare.setdefault("|".join(parts[:3]) + "|", []).append(i)
    date_at, piece_at, ledger_at = index["Date"], index["N° pièce"], index["Compte général"]
    out: list[tuple[int, int | None]] = []
    pending: list[int] = []  # places in out of lines whose key changed, with rows of their entry to take
    seen: set[str] = set()
    pairs = rows.columns["pair"]
    for k, key in enumerate(rows.key):
        if key in seen:
            continue  # the same key twice in one file: counted once
        seen.add(key)
        if k in forced:  # one of several lines on one account of an entry: its row, by what they say, or none
            out.append((k, forced[k]))
            continue
        found = by_key.get(key)
        if found is None and spare and spare.get(str(pairs[k] or "")):
            pending.append(len(out))
        out.append((k, found))

    # the rows each line may take, worked out once for the lines of a month (a large entry whose date was
    # corrected has thousands: a search of every row for every line took minutes), in order, by ledger account;
    # the rows of its document across a month's end looked up by document
    queues: dict[tuple[object, ...], tuple[dict[str, deque[int]], deque[int]]] = {}
    documents: dict[tuple[str, str], list[int]] = {}
    for pair, candidates in spare.items():
        if pair.startswith("FEC|"):
            for i in candidates:
                documents.setdefault((pair, cell_text(dep.rows[i][piece_at]).casefold()), []).append(i)
    taken: set[int] = set()

    def queued(pair: str, month: tuple[int, int] | None = None) -> tuple[dict[str, deque[int]], deque[int]]:
        """The rows of ``pair`` (of ``month``, for a FEC line), queued by ledger account and in order."""
        said = (pair, month)
        if said not in queues:
            by_ledger: dict[str, deque[int]] = {}
            listed = spare[pair] if month is None else [i for i in spare[pair] if _month(dep.rows[i][date_at]) == month]
            for i in listed:
                by_ledger.setdefault(cell_text(dep.rows[i][ledger_at]), deque()).append(i)
            queues[said] = (by_ledger, deque(listed))
        return queues[said]

    def first(queue: deque[int] | None) -> int | None:
        while queue:
            i = queue.popleft()
            if i not in taken:
                return i
        return None

    for same_ledger in (True, False):  # every line's own ledger account first, then what is left, in order
        for at in pending:
            k, found = out[at]
            if found is not None:
                continue
            row = rows.row(k)
            pair, ledger = str(row["pair"]), cell_text(row.get("ledger_account"))
            if not str(row["key"]).startswith("FEC|"):
                by_ledger, every = queued(pair)
                found = first(by_ledger.get(ledger) if same_ledger else every)
            else:
                day = row.get("date")
                month = (day.year, day.month) if isinstance(day, dt.date) else None
                if month is not None:  # the same month
                    by_ledger, every = queued(pair, month)
                    found = first(by_ledger.get(ledger) if same_ledger else every)
                piece = cell_text(row.get("piece")).casefold()
                if found is None and piece:  # the same document, a few days apart across a month's end
                    near = (pair, piece, day, _cents_of(row.get("amount")))  # what the candidates depend on
                    if near not in queues:
                        listed = [i for i in documents.get((pair, piece), ()) if _month(dep.rows[i][date_at]) != month
                                  and _same_entry(row, dep.rows[i], date_at, piece_at, amount_at)]
                        by_document: dict[str, deque[int]] = {}
                        for i in listed:
                            by_document.setdefault(cell_text(dep.rows[i][ledger_at]), deque()).append(i)
                        queues[near] = (by_document, deque(listed))
                    by_ledger, every = queues[near]
                    found = first(by_ledger.get(ledger) if same_ledger else every)
            if found is not None:
                taken.add(found)
                out[at] = (k, found)
    return out


def _by_content(rows: Rows, by_key: dict[str, int], dep: RawTable, index: dict[str, int],
                whole: Callable[[int], Decimal | None]) -> dict[int, int | None]:
    """The rows of an entry's several lines on one ledger account (a payroll's crew on 6411), paired with the
    file's lines by what they say: amount and label, then amount, then a label no other has, then place, then
    the rest in order. Their keys number them by place (``|1``, ``|2``…): a line inserted, or the lines listed
    in another order, moved each amount to another line's row, the devis account the user chose there kept.
    Returns, for the file's lines of such groups, the row each takes (None: a new line)."""
    groups: dict[str, list[int]] = {}  # journal, entry, date and account -> the table's rows, in order
    by_row: dict[int, str] = {}
    for key, i in by_key.items():
        if key.startswith("FEC|"):
            groups.setdefault(key.rpartition("|")[0], []).append(i)
            by_row[i] = key
    lines: dict[str, list[int]] = {}
    for k, key in enumerate(rows.key):
        prefix = key.rpartition("|")[0]
        if prefix in groups:
            lines.setdefault(prefix, []).append(k)
    out: dict[int, int | None] = {}
    label_at = index["Libellé"]
    for prefix, found in lines.items():
        table = sorted(groups[prefix])
        if len(found) == 1 and len(table) == 1:
            continue  # one line, one row: its key says it
        said = {i: (_cents_of(whole(i)), cell_text(dep.rows[i][label_at]).casefold(), by_row[i].rpartition("|")[2])
                for i in table}
        wanted = {k: (_cents_of(rows.columns["amount"][k]), cell_text(rows.columns["label"][k]).casefold(),
                      rows.key[k].rpartition("|")[2]) for k in found}
        taken: set[int] = set()
        # by amount and label, by amount, by a label no other line or row has, by place (the key's |n), then in
        # order, each first with the line's own place (two crew members paid alike): each a queue of the rows
        for part in ((0, 1, 2), (0, 1), (1,), (0, 2), (0,), (2,), ()):
            queues: dict[tuple[object, ...], deque[int]] = {}
            for i in table:
                if i not in taken:
                    queues.setdefault(tuple(said[i][n] for n in part), deque()).append(i)
            asked = Counter(tuple(wanted[k][n] for n in part) for k in found if k not in out)
            for k in found:
                what = tuple(wanted[k][n] for n in part)
                queue = queues.get(what) if k not in out else None
                if queue and (part != (1,) or (asked[what] == 1 and len(queue) == 1)):
                    out[k] = pick = queue.popleft()
                    taken.add(pick)
        for k in found:
            out.setdefault(k, None)
    return out


def _barred(dep: RawTable, index: dict[str, int], read: LedgerRead, mapping: Mapping) -> tuple[set[int], set[int]]:
    """Earlier FEC rows no other line takes: of an entry the file refuses (an unbalanced entry, a line in error),
    and on an account the import now leaves out."""
    key_at, ledger_at = index["Clé d'import"], index["Compte général"]
    refused, excluded = set(), set()
    for i, r in enumerate(dep.rows):
        key = cell_text(r[key_at])
        if not key.startswith("FEC|"):
            continue
        parts = key.split("|")
        ledger = cell_text(r[ledger_at])
        if ledger and not mapping.is_expense(ledger):
            excluded.add(i)
        elif len(parts) > 3 and (read.rejected_entries or read.refused):
            when = _key_date(parts[3])
            if (parts[1], parts[2]) in read.rejected_entries or (parts[1], parts[2], when) in read.refused:
                refused.add(i)
    return refused, excluded


def _key_date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _renumbered(rows: Rows, matches: list[tuple[int, int | None]], by_key: dict[str, int], dep: RawTable,
                index: dict[str, int], barred: AbstractSet[int],
                whole: Callable[[int], Decimal | None]) -> list[tuple[int, int]]:
    """FEC lines new by their key that an earlier row, which no line of the file took, already holds under another
    entry number: the same date, ledger account, amount and document (entries exported with their draft
    numbers, then validated under others; another accounting program's journals and numbers); then, its amount
    corrected at the validation, the same date, ledger account and document, when one line and one row alone
    say them. Each takes that row, which it updates, instead of being imported a second time. Returns (place
    in ``matches``, table row) of each."""
    if all(found is not None for _, found in matches):
        return []
    taken = {found for _, found in matches if found is not None}
    date_at, piece_at, ledger_at = (index[h] for h in ("Date", "N° pièce", "Compte général"))
    earlier: dict[tuple[dt.date, str, int, str], list[int]] = {}
    for key, i in by_key.items():
        if i not in taken and i not in barred and key.startswith("FEC|") and key.count("|") >= 5:
            r = dep.rows[i]
            said = _said(r[date_at], r[ledger_at], whole(i), r[piece_at])
            if said is not None:
                earlier.setdefault(said, []).append(i)
    out: list[tuple[int, int]] = []
    if not earlier:
        return out
    columns = rows.columns
    waiting: list[tuple[int, tuple[dt.date, str, int, str]]] = []  # (place in matches, what the line says)
    for at, (k, found) in enumerate(matches):
        if found is not None:
            continue
        said = _said(columns["date"][k], columns["ledger_account"][k], columns["amount"][k], columns["piece"][k])
        candidates = earlier.get(said) if said is not None else None
        if candidates:
            matches[at] = (k, candidates[0])
            out.append((at, candidates.pop(0)))
        elif said is not None and said[3]:
            waiting.append((at, said))
    # an amount corrected as well: by date, ledger account and document, one line for one row, or none
    rest: dict[tuple[dt.date, str, str], list[int]] = {}
    said_of: dict[int, tuple[dt.date, str, int, str]] = {}
    for said, left in earlier.items():
        rest.setdefault((said[0], said[1], said[3]), []).extend(left)
        said_of.update(dict.fromkeys(left, said))
    waiting_said = dict(waiting)
    lines: dict[tuple[dt.date, str, str], list[int]] = {}
    for at, said in waiting:
        lines.setdefault((said[0], said[1], said[3]), []).append(at)
    for what, places in lines.items():
        left = rest.get(what, [])
        if len(places) == 1 and len(left) == 1 and _close(waiting_said[places[0]][2], said_of[left[0]][2]):
            matches[places[0]] = (matches[places[0]][0], left[0])
            out.append((places[0], left[0]))
    return out


def _close(amount: int, was: int) -> bool:
    """An amount corrected at the validation: of the same sign, within a fifth (not another purchase's)."""
    return (amount > 0) == (was > 0) and abs(amount - was) * 5 <= abs(was)


def _said(day: object, ledger: object, amount: object, piece: object) -> tuple[dt.date, str, int, str] | None:
    """What a FEC line says, as a row of the table holds it: its date, ledger account, amount in cents and document;
    None when the row holds no date or no amount. Neither the journal (a change of accounting program renames it:
    HA becomes ACH) nor the zeros before a number (a FEC saved by Excel: 00012 becomes 12) count."""
    when, cents = _day(day), _cents_of(amount)
    if when is None or cents is None:
        return None
    return when, cell_text(ledger), cents, re.sub(r"\d+", lambda m: m.group().lstrip("0") or "0",
                                                  cell_text(piece).casefold())


def _month(value: object) -> tuple[int, int] | None:
    day = _day(value)
    return (day.year, day.month) if day is not None else None


def _day(value: object) -> dt.date | None:
    """A Date cell as a date: a date, or its serial number when the cell lost its date format."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if type(value) is float and 1 <= value < 2_958_466:  # Excel's dates, up to 31/12/9999
        return from_serial(value)
    return None


def _key_change(old: object, new: object) -> str:
    """A row's import key changed, and nothing else: said as what a user knows, the entry's number."""
    before, after = cell_text(old).split("|"), cell_text(new).split("|")
    if before[0] == after[0] == "FEC" and len(before) > 2 and len(after) > 2 and before[2] != after[2]:
        return f"N° d'écriture {before[2]} → {after[2]}"
    return "clé d'import mise à jour"


def _currency(value: object) -> str:
    """A currency as the recalculation reads it: blank, « € » and « euros » are the euro."""
    text = cell_text(value).upper()
    return EURO if fold(text) in ("", "€", "eur", "euro", "euros") else text


def _same_entry(row: dict[str, object], existing: list[object], date_at: int, piece_at: int, amount_at: int) -> bool:
    """Whether a FEC line and an earlier row of its journal and number are one entry: in the same month, or a week
    apart at most across a month's end with the same document named on both and the same amount (next month's
    invoice, rent or payroll under a number used again is another entry, even under one document or none, and
    so is a taxi after a meal under the journal's « CB »)."""
    typed = existing[date_at]
    old = _day(typed)
    day, piece, was = row.get("date"), cell_text(row.get("piece")), cell_text(existing[piece_at])
    # a document that is only the entry's number (software that fills PieceRef with it) names no invoice
    named = bool(piece and was and was.casefold() == piece.casefold()) and _number(piece) != _number(
        cell_text(row.get("entry"))) and _cents_of(row.get("amount")) == _cents_of(existing[amount_at])
    if not isinstance(old, dt.date) or not isinstance(day, dt.date):
        return False
    # across a month's end, a date corrected by a few days: a month apart under one document (« LOYER », « PAIE »)
    # is next month's rent or payroll under a number used again
    return (old.year, old.month) == (day.year, day.month) or (named and abs((old - day).days) <= ACROSS_MONTHS_DAYS)


def _decimal(value: object) -> Decimal | None:
    """A cell's amount, exact; None when it is no number."""
    return from_double(value) if type(value) is float and abs(value) < 1e11 else None


def _cents_of(value: object) -> int | None:
    """An amount in cents, from the file (Decimal) or a cell (float)."""
    if isinstance(value, Decimal):
        return int(round_cents(value).scaleb(2))
    if type(value) is float and abs(value) < 1e11:
        return round(value * 100)
    return None


def _number(text: str) -> str:
    """An entry or document number as its digits say it: « HA00001 », « 1 » and « 0001 » are all 1."""
    digits = re.search(r"(\d+)\D*$", text)
    return (digits.group(1).lstrip("0") or "0") if digits else text.casefold()


def _changes(row: dict[str, object], existing: list[object], index: dict[str, int],
             fields: dict[str, str]) -> dict[str, object]:
    """What a corrected export changes on a row: the accounts' figures; the devis account when the
    ledger account changed or none was set; a status that moves on, never back; blanks filled."""
    out: dict[str, object] = {}

    def old(f: str) -> object:
        return existing[index[fields[f]]]

    for f in FIGURES:
        value = _cell(row.get(f))
        if not _same(old(f), value):
            out[f] = value
    if "rate" in row:  # a CSV says the currency and its rate, which a corrected export may correct (a FEC does not)
        if _currency(row.get("currency")) != _currency(old("currency")):
            out["currency"] = _cell(row.get("currency"))
        rate, was = row.get("rate"), old("rate")
        if (rate is None) != (was in (None, "")) or (
                rate is not None and isinstance(was, int | float) and abs(float(cast(Decimal, rate)) - was) > 1e-9):
            out["rate"] = _cell(rate)
    if cell_text(old("key")) != row["key"]:  # paired: the row takes the line's new key
        out["key"] = row["key"]
    # a devis account the file gives, or the correspondences give, goes to a new row, a row without one, or a row whose
    # ledger account moved: one the user chose is kept (DEP039 says it); a row that still has the devis account the
    # file gave it last time (a CSV's key without a ledger account holds it) takes the file's correction
    moved = "ledger_account" in out or (bool(row.get("given")) and not cell_text(old("ledger_account")) and account_key(
        _given_before(cell_text(old("key")))) == account_key(cell_text(old("account"))) != "")
    mapped = _cell(row.get("account"))
    if mapped and (moved or old("account") in (None, "")) and not _same(old("account"), mapped):
        out["account"] = mapped
    elif not mapped and "ledger_account" in out and old("account") not in (None, ""):
        out["account"] = None  # moved to an account no correspondence names: « à affecter », as a first import has it
    status = str(row.get("status") or "")
    typed = STATUSES.get(fold(cell_text(old("status"))))  # « Réglé », « payée »: as the recalculation reads them
    if RANK.get(status, -1) > (RANK[typed.value] if typed is not None else -1):
        out["status"] = status
    for f in ("payment_date", "supplier", "label", "country"):
        value = _cell(row.get(f))
        if value not in (None, "") and old(f) in (None, ""):
            out[f] = value
    return out


def _given_before(key: str) -> str:
    """The account a CSV row's key holds (``CSV|document|supplier|account|n``: its devis account when it
    has no ledger account), "" for another key."""
    if not key.startswith("CSV|") or key.startswith("CSV|h:"):
        return ""
    parts = key.rsplit("|", 2)
    return parts[1] if len(parts) == 3 else ""


def _entry_order(entry: str) -> tuple[str, int]:
    m = re.match(r"^(.*?)(\d+)$", entry)
    return (m.group(1), int(m.group(2))) if m else (entry, -1)


def _absent(dep: RawTable, index: dict[str, int], lines: tuple[Sequence[str], Sequence[dt.date], Sequence[str]],
            matched: set[int]) -> list[int]:
    """Rows imported earlier from the same journal, numbered from the file's first entry up and dated within
    its span, that the file no longer has: said, never deleted. The span is the file's every line's (its last
    entry may be no expense)."""
    key_at = index["Clé d'import"]
    if not any(i not in matched and cell_text(r[key_at]).startswith("FEC|") for i, r in enumerate(dep.rows)):
        return []  # no earlier row left unmatched (a first import, or the same file again): no span to compute
    spans: dict[str, list[object]] = {}
    for journal_code, day, entry in zip(*lines, strict=True):
        journal, number = str(journal_code), _entry_order(str(entry))
        if not isinstance(day, dt.date):
            continue
        span = spans.setdefault(journal, [day, day, number, number])
        span[0], span[1] = min(cast(dt.date, span[0]), day), max(cast(dt.date, span[1]), day)
        span[2], span[3] = min(cast(tuple[str, int], span[2]), number), max(cast(tuple[str, int], span[3]), number)
    out = []
    for i, r in enumerate(dep.rows):
        key = cell_text(r[index["Clé d'import"]])
        if i in matched or not key.startswith("FEC|") or len(key.split("|")) < 4:
            continue
        _, journal, entry = key.split("|")[:3]
        when = _day(r[index["Date"]])
        found = spans.get(journal)
        if found is None or when is None:
            continue
        lo, hi = cast(dt.date, found[0]), cast(dt.date, found[1])
        first = cast(tuple[str, int], found[2])
        # numbered from the file's first entry up: a number beyond its last is no later entry (it was imported
        # before the file was exported) but one the accounts renumbered (a draft's) or deleted
        if lo <= when <= hi and first <= _entry_order(entry):
            out.append(dep.header_row + 1 + i)
    return out


def _left_of_entries(dep: RawTable, index: dict[str, int], rows: Rows, matched: set[int]) -> list[int]:
    """Rows of an entry the file has (its journal and number, in the month of one of its lines, or a week apart on
    its document and amount) that none of its lines took: a corrected export that merged two lines into one, or
    dropped one, while the date moved out of the span the file's other entries cover."""
    key_at, date_at, piece_at, amount_at = (index[h] for h in ("Clé d'import", "Date", "N° pièce", "Montant HT"))
    left: dict[int, str] = {}  # earlier FEC rows no line took -> their entry's pair
    for i, r in enumerate(dep.rows):
        key = cell_text(r[key_at])
        if i not in matched and key.startswith("FEC|"):
            left[i] = "|".join(key.split("|")[:3]) + "|"
    if not left:
        return []
    wanted = set(left.values())
    months: dict[str, set[tuple[int, int]]] = {}  # a pair's lines' months
    days: dict[tuple[str, str, int | None], set[dt.date]] = {}  # the days of its lines of a document and amount
    columns = rows.columns
    for k, pair in enumerate(columns["pair"]):
        day = columns["date"][k]
        if pair in wanted and isinstance(day, dt.date):
            months.setdefault(str(pair), set()).add((day.year, day.month))
            piece = cell_text(columns["piece"][k]).casefold()
            if piece and _number(piece) != _number(cell_text(columns["entry"][k])):  # a document naming an invoice
                days.setdefault((str(pair), piece, _cents_of(columns["amount"][k])), set()).add(day)
    out = []
    week = [dt.timedelta(days=n) for n in range(-ACROSS_MONTHS_DAYS, ACROSS_MONTHS_DAYS + 1)]
    for i, pair in left.items():
        r = dep.rows[i]
        when = _day(r[date_at])
        if when is None:
            continue
        near = days.get((pair, cell_text(r[piece_at]).casefold(), _cents_of(r[amount_at])), set())
        if (when.year, when.month) in months.get(pair, ()) or any(when + d in near for d in week):
            out.append(dep.header_row + 1 + i)
    return out


def _absent_lines(dep: RawTable, index: dict[str, int], rows: Rows, matched: set[int]) -> list[int]:
    """Rows of an earlier CSV import of a document this file has, beyond the lines it now has of it (its third
    line when the file gives two): said, never deleted; the lines the file has took the rows in order."""
    lines: dict[str, int] = {}
    for key in rows.key:
        ident, _, n = str(key).rpartition("|")
        if ident.startswith("CSV|") and not ident.startswith("CSV|h:") and n.isdigit():
            lines[ident] = max(lines.get(ident, 0), int(n))
    out = []
    for i, r in enumerate(dep.rows):
        ident, _, n = cell_text(r[index["Clé d'import"]]).rpartition("|")
        if i not in matched and ident in lines and n.isdigit() and int(n) > lines[ident]:
            out.append(dep.header_row + 1 + i)
    return out


def _say(summary: ImportSummary, book: WorkbookPort, file_name: str) -> None:
    where = Location(book=book.book_name, sheet=L.SHEET_DEPENSES)
    if summary.kept:
        shown = ", ".join(summary.kept[:10]) + (" …" if len(summary.kept) > 10 else "")
        summary.issues.append(warning("DEP034", where.at(summary.kept[0]), f"{len(summary.kept)} cellule(s) à formule "
                                      f"que le fichier corrigé modifierait, laissées telles quelles : {shown}.",
                                      "Comparez-les au fichier ; remplacez la formule par la valeur si le fichier a "
                                      "raison."))
    if summary.rejected:
        unread = f", sans {summary.uncounted} au montant illisible" if summary.uncounted else ""
        summary.issues.append(error("DEP033", Location(book=file_name), f"{summary.rejected} ligne(s) non importée(s) "
                                    f"(débit {format_eur(summary.rejected_debit)}{unread}) : en erreur, ou d'une "
                                    "écriture en erreur (voir les messages DEP1xx).", "Corrigez-les dans la comptabilité, "
                                    "exportez à nouveau et réimportez : le reste n'est pas ajouté deux fois."))
    if summary.unassigned:
        summary.issues.append(warning("DEP030", where,
                                      f"{summary.unassigned} écriture(s) sans correspondance vers un compte du devis "
                                      f"({format_eur(summary.unassigned_amount)}) : au poste « à affecter ».",
                                      "Complétez la table Correspondances (compte général → compte devis), puis "
                                      "réimportez le même fichier : rien n'est ajouté deux fois."))
    if summary.absent:
        shown = ", ".join(str(n) for n in summary.absent[:10]) + (" …" if len(summary.absent) > 10 else "")
        which = ("de ce journal, de cette période et de numéros d'écriture compris dans ce fichier" if
                 summary.detection.startswith("FEC") else "de pièces que ce fichier a encore, au-delà de ses lignes")
        summary.issues.append(warning("DEP031", where.at(f"A{summary.absent[0]}"),
                                      f"{len(summary.absent)} ligne(s) d'un import précédent, {which}, n'y sont plus : "
                                      f"{'lignes' if len(summary.absent) > 1 else 'ligne'} {shown}. Elles restent "
                                      "comptées.",
                                      "Vérifiez-les avec la comptabilité (écriture annulée ou renumérotée ?)."))
    if summary.left_out:
        n = len(summary.left_out)
        shown = ", ".join(str(r) for r in summary.left_out[:10]) + (" …" if n > 10 else "")
        summary.issues.append(warning("DEP043", where.at(f"A{summary.left_out[0]}"),
                                      f"{plural(n, 'ligne importée', 'lignes importées')} avant sur des comptes que "
                                      f"l'import laisse désormais hors des dépenses (clôture 68, 69, ou « exclu » dans "
                                      f"Correspondances) : {'lignes' if n > 1 else 'ligne'} {shown}. "
                                      f"{'Elles restent comptées' if n > 1 else 'Elle reste comptée'}.",
                                      "Supprimez-les du tableau Dépenses si elles n'y ont pas leur place : l'import ne "
                                      "les ramène plus."))
    for r, twins, total in summary.unkeyed[:5]:
        listed = ", ".join(map(str, twins))
        many = len(twins) > 1
        lost = "des parts ont perdu leur clé" if many else "une part a perdu sa clé"
        summary.issues.append(warning("DEP047", where.at(f"A{r}"),
                                      f"Ligne {r} et {'lignes' if many else 'ligne'} {listed} (sans clé d'import, même "
                                      f"pièce et même compte général) : ensemble, le montant du fichier, "
                                      f"{format_eur(total)}. Une écriture répartie dont {lost} ? Montants laissés tels "
                                      "quels.",
                                      f"Recopiez la clé d'import de la ligne {r} sur {'les lignes' if many else 'la ligne'} "
                                      f"{listed} : l'import les traitera en répartition. Si c'est une autre dépense, "
                                      f"corrigez le montant de la ligne {r} à la main."))
    if summary.unsettled:
        n = len(summary.unsettled)
        shown = ", ".join(str(r) for r, _ in summary.unsettled[:10]) + (" …" if n > 10 else "")
        summary.issues.append(warning("DEP046", where.at(summary.unsettled[0][1]),
                                      f"{plural(n, 'ligne')} « payé » dans Dépenses dont la facture n'est pas lettrée "
                                      f"dans la comptabilité (non réglée selon le fichier) : "
                                      f"{'lignes' if n > 1 else 'ligne'} {shown}. Le statut est gardé.",
                                      "Rien à faire si le paiement est parti (le comptable le lettrera) ; sinon "
                                      "remettez le statut à « facturé » : le payé et la trésorerie en dépendent."))
    if summary.split:
        n = len(summary.split)
        shown = " ; ".join(f"lignes {', '.join(map(str, r))} : le fichier dit {format_eur(a)}, ces lignes "
                           f"{format_eur(t)}" for r, a, t in summary.split[:5]) + (
            f" ; et {plural(n - 5, 'autre')}" if n > 5 else "")
        summary.issues.append(warning("DEP042", where.at(f"A{summary.split[0][0][0]}"),
                                      f"{plural(n, 'écriture répartie', 'écritures réparties')} par vous sur plusieurs "
                                      f"lignes (même clé d'import) dont le fichier corrigé change le montant : {shown}. "
                                      "Les lignes sont laissées telles quelles.",
                                      "Reportez l'écart sur vos lignes réparties : xlprod ne sait pas comment le "
                                      "répartir."))
    if summary.renumbered:
        n = len(summary.renumbered)
        shown = ", ".join(f"ligne {r} ({a} → {b})" for r, a, b in summary.renumbered[:5]) + (
            f", et {plural(n - 5, 'autre')}" if n > 5 else "")
        summary.issues.append(warning("DEP040", where.at(f"A{summary.renumbered[0][0]}"),
                                      f"{plural(n, 'ligne déjà importée', 'lignes déjà importées')} sous un autre numéro "
                                      f"d'écriture, {'reprises' if n > 1 else 'reprise'} sous celui du fichier (même "
                                      f"date, même compte, même pièce et même montant, ou presque) plutôt "
                                      f"qu'{'ajoutées' if n > 1 else 'ajoutée'} une seconde fois : {shown}.",
                                      "Rien à faire si la comptabilité a validé ou renuméroté ses écritures. Si ce sont "
                                      "deux achats distincts (même date, montant et pièce), ajoutez celui qui manque à "
                                      "la main dans Dépenses."))
    for from_file, source, says in ((False, "la table Correspondances", "la table dit"), (True, "le fichier",
                                                                                       "le fichier dit")):
        others = [o for o in summary.other_account if o[3] is from_file]
        if not others:
            continue
        cell, typed, mapped, _ = others[0]
        n = len(others)
        more = f", et {plural(n - 1, 'autre')}" if n > 1 else ""
        kept_as = "gardées telles quelles" if n > 1 else "gardée telle quelle"
        summary.issues.append(warning("DEP039", where.at(cell),
                                      f"{plural(n, 'ligne déjà importée', 'lignes déjà importées')} sur un autre compte "
                                      f"du devis que {source} ({cell} : {typed}, {says} {mapped}{more}) : {kept_as}.",
                                      f"Si {source.replace('la table Correspondances', 'la table')} a raison (une "
                                      f"{'correspondance' if not from_file else 'imputation'} corrigée), videz le "
                                      "Compte devis de ces lignes et réimportez : il y sera mis ; sinon, rien à faire."))
    if summary.foreign:
        shown = ", ".join(str(n) for n in summary.foreign[:10]) + (" …" if len(summary.foreign) > 10 else "")
        where_lines = f"{'lignes' if len(summary.foreign) > 1 else 'ligne'} {shown}"
        summary.issues.append(warning("DEP032", Location(book=f"{file_name}:{summary.foreign[0]}"),
                                      f"{len(summary.foreign)} écriture(s) en devise ({where_lines}) : le FEC ne dit pas "
                                      "le pays de la dépense, comptée en France (montant en euros de la comptabilité).",
                                      "Renseignez la colonne Pays de ces dépenses, ou un Pays pour leur compte dans la "
                                      "table Correspondances, puis réimportez."))


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


def _shown(value: object, field_name: str = "", currency: str = "") -> str:
    """A value as the change list shows it; an amount in its currency (pounds are no euros)."""
    if value in (None, ""):
        return "(vide)"
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and field_name in ("date", "payment_date"):
        return f"{from_serial(value):%d/%m/%Y}"
    if isinstance(value, float) and field_name in ("amount", "vat"):
        shown = format_eur(Decimal(str(value)))
        return shown if currency.upper() in ("", EURO) else f"{shown.removesuffix('€').strip()} {currency.upper()}"
    if isinstance(value, float):
        return french_number(Decimal(str(value)))
    return str(value)
