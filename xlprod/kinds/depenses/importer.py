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
from collections.abc import Sequence
from decimal import Decimal
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]

from xlprod.core.cells import cell_text, excel_date, excel_datetime
from xlprod.core.issues import Issue, Severity, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import ZERO, format_eur, from_double, round_cents, spreadsheet_round_cents, to_excel
from xlprod.core.text import fold, plural
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.correspondences import (
    CHARGES,
    Mapping,
    propose_accounts,
    proposed,
    read_columns,
    read_mapping,
    shown_label,
)
from xlprod.kinds.depenses.import_summary import ImportSummary, key_change, say, shown_value
from xlprod.kinds.depenses.ledger import (
    LedgerRead,
    in_euros,
    looks_like_fec,
    read_fec,
    read_ledger_csv,
)
from xlprod.kinds.depenses.matching import (
    CSV_ROW_FIELDS,
    FEC_FIELDS,
    Rows,
    absent_lines,
    absent_rows,
    barred_rows,
    content_key,
    keyless_rows,
    left_of_entries,
    match_rows,
    renumbered_rows,
)
from xlprod.kinds.depenses.model import EURO, Status
from xlprod.kinds.depenses.reader import STATUSES, account_key
from xlprod.kinds.depenses.recalc import GONE, KEYS_APART, gone_column, latest_imports, table
from xlprod.kinds.tables import rows_below
from xlprod.runtime import collector_paused
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import WorkbookPort, WritePlan
from xlprod.workbook.sheetxml import CellValue, CellWrite

COUNTERPARTS = ("40", "41", "42", "43", "44", "45", "46", "47", "5")  # a CSV's line there is no charge: said
SUPPLIER_PREFIXES = ("40", "42", "43")  # the counterpart of an expense: a supplier, a salary, a social body
VAT_PREFIX = "4456"  # deductible VAT
# banks (512), postal cheques (514), the Treasury (515), other financial bodies (517), the cash box (53) and the
# advances a régisseur holds (54): an expense booked against them is paid; not accrued interest (518) nor the bank's
# short-term credit (519)
TREASURY_PREFIXES = ("512", "514", "515", "517", "53", "54")
MAX_BYTES = 200_000_000
# what the accounts say, updated by a corrected export; the label, the supplier and a status moved on
# by the user are theirs
FIGURES = ("date", "piece", "amount", "vat", "ledger_account")
RANK = {Status.COMMITTED.value: 0, Status.INVOICED.value: 1, Status.PAID.value: 2}


def _paid(lettering: str) -> bool:
    """A supplier's line lettered in capitals is settled; lower-case letters are a partial
    lettering in several accounting programs: not paid yet."""
    return bool(lettering) and lettering == lettering.upper()


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
    treasury_line = np.array([a.startswith(TREASURY_PREFIXES) for a in distinct], dtype=bool)[account_codes]
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
    # an entry without a supplier's line, paid straight from a bank or the cash box (bank charges, petty cash): paid
    # on its date
    cash_at = np.flatnonzero(treasury_line)
    cash_found, cash_where = np.unique(codes[cash_at], return_index=True)
    treasury = np.full(count, -1, dtype=np.int64)
    treasury[cash_found] = cash_at[cash_where]
    paid_status, invoiced_status = Status.PAID.value, Status.INVOICED.value
    entry_values: dict[int, tuple[str, str, dt.date | None]] = {}  # entry -> supplier, status, payment date
    for e in dict.fromkeys(entry_of.tolist()):
        k = int(counterpart[e])
        if k < 0:
            t = int(treasury[e])
            entry_values[e] = ("", paid_status, c.date[t]) if t >= 0 else ("", invoiced_status, None)
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
    unnamed = {a for a in countries if mapping.proposable(a)}  # said with the FEC's label, if proposed
    for k in range(len(picked)) if unnamed else ():
        if ledger[k] in unnamed:
            named = shown_label(c.account_label[picked[k]])
            summary.account_labels[ledger[k]] = f"« {named} »" if named else ""
            unnamed.discard(ledger[k])
            if not unnamed:
                break
    summary.selected += len(picked)
    summary.selected_debit += Decimal(int(c.debit_cents[order].astype(object).sum())).scaleb(-2)
    summary.selected_credit += Decimal(int(c.credit_cents[order].astype(object).sum())).scaleb(-2)
    devis_of: list[object] = [devis[a] for a in ledger]
    country_of: list[object] = [countries[a] or None for a in ledger]
    for k in [k for k, a in enumerate(ledger) if mapping.ruled(a)] if mapping.labelled else ():
        # a row with a « Libellé contient » shares the account's lines between devis lines (a payroll's 6411)
        chosen_devis, chosen_country = mapping.for_line(ledger[k], c.label[picked[k]])
        devis_of[k], country_of[k] = chosen_devis or "", chosen_country or None
    return Rows({
        "key": [f"{p}{days[d]}|{a}|{n}" for p, d, a, n in zip(pairs, dates, ledger, nth.tolist(), strict=True)],
        "pair": cast(list[object], pairs), "date": cast(list[object], dates),
        "piece": [c.piece[i] for i in picked], "supplier": [v[0] for v in per_entry],
        "account": devis_of, "label": cast(list[object], labels), "amount": cast(list[object], amounts),
        "vat": cast(list[object], vats), "status": [v[1] for v in per_entry], "payment_date": [v[2] for v in per_entry],
        "country": country_of, "ledger_account": cast(list[object], ledger),
        "line": [c.line[i] for i in picked], "journal": cast(list[object], journals),
        "entry": cast(list[object], numbers)})


def _rows_from_csv(read: LedgerRead, mapping: Mapping, summary: ImportSummary) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for x in read.lines:
        if x.account and not x.devis_account and mapping.excluded(x.account):
            # a line on an account a correspondence says « exclu »: left out, counted apart, as a FEC's; its document
            # (or what it says) kept, so that the rows an earlier import made of it are said
            debit = in_euros(x.debit, x.rate)
            summary.other_debit += debit
            summary.excluded_debit += debit
            summary.left_documents.update(  # its document, and what it says (a row imported before its number was)
                [f"CSV|{x.piece}|{fold(x.supplier)}|"] if x.piece else [],
                (f"CSV|{content_key(x.date, supplier, x.label, x.account, x.amount)}|" for supplier in (x.supplier, "")))
            continue
        mapped, country = mapping.for_line(x.account, x.label) if x.account else (None, "")
        if x.account and not x.devis_account and not mapped and len(x.account) >= 6 and \
                x.account.startswith(COUNTERPARTS):
            # a journal's counterpart (net pay 421, social bodies 43, VAT 4456, a supplier, a bank: a ledger account,
            # not a devis code), no correspondence placing it: imported, as a CSV lists expenses, but said
            count, total = summary.not_expenses.get(x.account, (0, ZERO))
            summary.not_expenses[x.account] = (count + 1, total + in_euros(x.amount, x.rate))
        account = x.devis_account or mapped or ""
        # a document number and its supplier name the row (its n-th line): a corrected export updates it;
        # without a number, the row is named by what it says, and a corrected amount is a new row
        account_text = x.account or x.devis_account
        if x.piece:
            ident = f"{x.piece}|{fold(x.supplier)}|{account_text}"
            pair = f"CSV|{x.piece}|{fold(x.supplier)}|"
        else:  # what the row says, as a fixed-length digest (a label may be 32,767 characters long)
            ident, pair = content_key(x.date, x.supplier, x.label, account_text, x.amount), ""
        n = seen[ident] = seen.get(ident, 0) + 1
        known = STATUSES.get(fold(x.status)) if x.status else Status.COMMITTED
        rows.append({"key": f"CSV|{ident}|{n}", "pair": pair, "date": x.date, "piece": x.piece, "supplier": x.supplier,
                     "account": account, "label": x.label, "amount": x.amount, "vat": x.vat,
                     "currency": x.currency or "", "rate": x.rate,
                     "status": known.value if known is not None else x.status,  # an unknown one: said at recalc
                     "payment_date": x.payment_date, "country": x.country or country or None,
                     "tags": x.tags, "ledger_account": x.account, "line": x.line, "given": bool(x.devis_account)})
        if x.account and not account and x.account not in summary.account_labels and mapping.proposable(x.account):
            named = shown_label(x.label)  # if left « à affecter »
            summary.account_labels[x.account] = f"1re ligne : « {named} »" if named else ""
        summary.selected += 1
        summary.selected_debit += in_euros(x.debit, x.rate)
        summary.selected_credit += in_euros(x.credit, x.rate)
        if x.currency and x.currency != EURO:
            summary.currencies[x.currency] = summary.currencies.get(x.currency, ZERO) + x.amount
    summary.rejected_debit = read.debit_total - summary.selected_debit - summary.other_debit
    return rows


def _document_of(key: str) -> str:
    """A CSV row's document as its key says it (``CSV|document|supplier|``), or what it says without one."""
    parts = key.split("|")
    return "|".join(parts[:2 if key.startswith("CSV|h:") else 3]) + "|"


def _unmapped(summary: ImportSummary, mapping: Mapping, ledger: object, amount: object, rate: object,
              label: object) -> None:
    """A row left « à affecter » because no correspondence names its ledger account: the account is proposed
    in Correspondances, with what it holds."""
    account = cell_text(ledger)
    if not account:  # no correspondence can place it: its Compte devis is to be typed
        summary.no_account += 1
        return
    if mapping.ruled(account):  # its label contains no text of the account's rows: which one, said
        summary.unmatched.setdefault(account, cell_text(label))
    if not proposed(account):  # a CSV's line on a supplier's or a bank's account: its blank row would bring a FEC's in
        return
    at = mapping.waiting(account)
    if at is not None:  # proposed before, not filled in yet: said where it waits
        summary.waiting.setdefault(account, at)
        summary.waiting_column = mapping.column
        return
    count, total = summary.unmapped.get(account, (0, ZERO))
    summary.unmapped[account] = (count + 1, total + in_euros(cast(Decimal, amount), cast("Decimal | None", rate)))


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
        summary = _import_ledger(book, data, file_name, now or dt.datetime.now())
    record_import(book, summary, now or dt.datetime.now())
    return summary


CELL_TEXT = 32_767  # the most characters a cell holds (Excel's specifications and limits)


def _kept(keys: list[str], summary: ImportSummary) -> str:
    """The keys as one cell holds them, as many as fit; those that do not are said (DEP045)."""
    joined: list[str] = []
    size = 0
    for key in keys:
        if size + len(key) + len(KEYS_APART) > CELL_TEXT:
            left = plural(len(keys) - len(joined), "ligne disparue", "lignes disparues")
            summary.issues.append(warning("DEP045", Location(book=summary.file), f"{left} de plus que la cellule Clés "
                                          "disparues de l'historique ne peut en tenir : elles ne seront pas rappelées "
                                          "aux prochains recalculs.", "Traitez d'abord les lignes que l'import vient de "
                                          "dire (DEP031), puis réimportez le fichier."))
            break
        joined.append(key)
        size += len(key) + len(KEYS_APART)
    return KEYS_APART.join(joined)


def record_import(book: WorkbookPort, summary: ImportSummary, now: dt.datetime) -> None:
    """One row of the Imports table: the history of what each file held, what came in, what it refused and
    the rows it no longer had (their keys), which the recalculations after it recall (DEP044, DEP048)."""
    t = book.table(L.TABLE_IMPORTS)
    absent, taken, present = summary.keys
    gone_at = gone_column(t.headers) if t is not None else None
    before = latest_imports(t).get(summary.file.casefold()) if t is not None and gone_at is not None else None
    if t is not None and gone_at is not None and before is not None:
        # a row the file's latest import no longer had, and this one did not take, is still gone (next month's
        # « export.csv » has other documents); one the user deleted is not
        earlier = cell_text(t.rows[before[1]][t.headers.index(gone_at)]).split(KEYS_APART)
        absent = list(dict.fromkeys([*absent, *(k for k in earlier if k and k not in taken and k in present)]))
    first = next((i for i in summary.issues if i.severity is Severity.ERROR), None)
    said = f"{first.location}: {first.severity.value} {first.code}: {first.message}" if first is not None else ""
    values: dict[str, object] = {
        "date": excel_datetime(now), "file": summary.file, "detection": summary.detection,
        "lines_read": float(summary.lines_read), "debit_total": to_excel(summary.debit_total),
        "selected": float(summary.selected), "added": float(summary.added), "updated": float(summary.updated),
        "unchanged": float(summary.unchanged), "unassigned": float(summary.unassigned),
        "rejected": float(summary.rejected), "rejected_debit": to_excel(summary.rejected_debit),
        "first_error": said if len(said) <= 250 else said[:249] + "…",
        "absent": _kept(absent, summary) or None}
    fields = {c.header: c.field for c in L.IMPORTS_COLUMNS} | ({gone_at: "absent"} if gone_at else {})
    missing = [h for h in L.IMPORTS_HEADERS if h != GONE and t is not None and h not in t.headers]
    if t is not None and not missing:  # a history made before « Clés disparues » takes the rest
        # under each header, wherever the user moved it; a column of their own left blank
        if book.add_table_rows(t, [[values.get(fields.get(h, "")) for h in t.headers]]) is not None:
            if gone_at is None and summary.absent:
                summary.issues.append(warning("DEP045", Location(book=book.book_name, sheet=t.sheet),
                                              f"le tableau Imports n'a pas de colonne « {GONE} » : les lignes que ce "
                                              "fichier n'a plus (DEP031) ne seront pas rappelées aux prochains "
                                              "recalculs.", f"Ajoutez au tableau Imports une colonne « {GONE} »."))
            return
        below = book.cells_below(t)
        where = Location(book=book.book_name, sheet=t.sheet, cell=f"{column_letter(below[0].col)}{below[0].row}" if below
                         else None)
        problem = ("pas de place sous le tableau Imports (cellule occupée en dessous)" if below else
                   "pas de place sous le tableau Imports (ligne de totaux, ou cellules fusionnées sous lui ?)")
        hint = ("Libérez la ligne sous le tableau (retirez sa ligne de totaux, défusionnez les cellules) : les imports "
                "suivants y seront inscrits.")
    else:
        where = Location(book=book.book_name, sheet=t.sheet if t else None)
        problem = ("tableau Imports introuvable" if t is None else
                   f"colonne(s) absente(s) du tableau Imports : {', '.join(f'« {h} »' for h in missing)}")
        hint = ("Pour retrouver l'historique, repartez d'un modèle (xlprod new depenses) et recopiez-y vos tables ; "
                "l'import, lui, est fait.")
    summary.issues.append(warning("DEP045", where, f"{problem} : cet import n'est pas inscrit à l'historique, qui "
                                  "s'arrête à l'import précédent ; ce qu'il a écarté ne sera pas rappelé aux prochains "
                                  "recalculs.", hint))


def _import_ledger(book: WorkbookPort, data: bytes, file_name: str, now: dt.datetime) -> ImportSummary:
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
    refused_rows, excluded_rows = barred_rows(dep, index, read, mapping)
    barred = refused_rows | excluded_rows
    matches = match_rows(rows, by_key, dep, index, barred, whole)
    if fec:
        for at, taken in renumbered_rows(rows, matches, by_key, dep, index, barred, whole):
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
    keyless: dict[tuple[str, str], list[tuple[int, str]]] | None = None  # rows without a key, by document, ledger
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
        if "amount" in changes:  # rows of its document without a key: a split whose copies lost it?
            if keyless is None:
                keyless = keyless_rows(dep, index)
            others = keyless.get((cell_text(existing[index["N° pièce"]]).casefold(),
                                  cell_text(existing[index["Compte général"]])), [])
            label = cell_text(existing[index["Libellé"]]).casefold()
            twins = [j for j, other in others if other == label]  # copies of it: its amount left, said (DEP047)
            if twins:
                changes.pop("amount")
                changes.pop("vat", None)
                total = sum((whole(j) or ZERO for j in twins), whole(i) or ZERO)
                summary.unkeyed.append((dep.header_row + 1 + i, tuple(dep.header_row + 1 + j for j in twins), total,
                                        cast(Decimal, row["amount"])))
            elif others:  # relabelled copies, or rows of their own the user typed: the correction taken, said
                summary.beside.append((dep.header_row + 1 + i, tuple(dep.header_row + 1 + j for j, _ in others),
                                       cast(Decimal, row["amount"])))
        own = "account" not in changes  # a devis account the user typed on an earlier import of the row is kept
        if not (row["account"] or (cell_text(existing[index["Compte devis"]]) if own else "")):
            summary.unassigned += 1
            summary.unassigned_amount += in_euros(cast(Decimal, row["amount"]), cast("Decimal | None", row.get("rate")))
            _unmapped(summary, mapping, row.get("ledger_account"), row["amount"], row.get("rate"), row.get("label"))
        updates.append((row, existing, dep.header_row + 1 + i, changes, True))
    accounts, amounts = rows.columns["account"], rows.columns["amount"]
    rates = rows.columns.get("rate")
    ledgers = rows.columns["ledger_account"]
    for k in added:
        if not accounts[k]:
            summary.unassigned += 1
            summary.unassigned_amount += in_euros(cast(Decimal, amounts[k]), cast("Decimal | None", rates[k]) if rates
                                                  else None)
            _unmapped(summary, mapping, ledgers[k], amounts[k], rates[k] if rates else None, rows.columns["label"][k])
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
            shown = " ; ".join(f"{fields[f]} {shown_value(existing[index[fields[f]]], f, unit)} → {shown_value(v, f, unit)}"
                               for f, v in changes.items() if f != "key") or key_change(existing[key_at], row["key"])
            summary.changes.append(f"ligne {r} ({row['piece'] or row['key']}) : {shown}")
    matched = {j for _, i in matches if i is not None for j in parts_of.get(i, [i])}
    # a row no line took keeps its key unless a line now has it (its lines renumbered by place): then it is marked, or
    # the next import would take the two rows for one invoice the user split
    given = {str(changes["key"]) for _, _, _, changes, _ in updates if "key" in changes} | {rows.key[k] for k in added}
    keys_now: dict[int, str] = {}  # each row's key once this import is written
    for i, cells in enumerate(dep.rows):
        key = cell_text(cells[key_at])
        if i not in matched and key in given:
            key = f"{key}|~{dep.header_row + 1 + i}"
            plan.sheet(dep.sheet).set(dep.header_row + 1 + i, dep.first_col + key_at, CellWrite(key))
        keys_now[i] = key
    for _, _, r, changes, _ in updates:
        if "key" in changes:
            keys_now[r - dep.header_row - 1] = str(changes["key"])
    summary.split = split
    if fec:
        c = read.columns
        every = (c.journal, c.date, c.entry) if c is not None else ([], [], [])
        summary.absent = sorted({*absent_rows(dep, index, every, matched), *left_of_entries(dep, index, rows, matched)})
    else:
        summary.absent = absent_lines(dep, index, rows, matched)
    # rows imported before on accounts the import now leaves out (closing charges, « exclu »); a CSV's, of the
    # documents this file has (next month's export says nothing of October's)
    if not fec:
        documents = {p for p in rows.columns["pair"] if p} | summary.left_documents
        excluded_rows = {i for i in excluded_rows if _document_of(cell_text(dep.rows[i][key_at])) in documents}
    summary.left_out = [dep.header_row + 1 + i for i in sorted(excluded_rows - matched)]
    summary.absent = sorted(set(summary.absent) - set(summary.left_out))
    # for the history: the keys of the rows the file no longer has, of those it took, of every row
    summary.keys = ([keys_now[r - dep.header_row - 1] for r in summary.absent],
                    {keys_now[i] for i in matched if i in keys_now}, set(keys_now.values()))
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
                            f"pas de place sous le tableau Depenses pour {len(new)} nouvelles lignes (ligne de totaux, "
                            "ou cellules fusionnées sous lui)", "Retirez la ligne de totaux (Création de tableau > Ligne "
                            "des totaux), ou défusionnez les cellules sous le tableau, puis relancez l'import.")
    summary.added = len(new)
    if summary.unmapped:
        summary.proposal = propose_accounts(book, summary.unmapped, summary.account_labels, file_name, now)
    say(summary, book, file_name)
    return summary


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
        else:  # of the doubles the cells will hold
            out.append(to_excel(spreadsheet_round_cents(to_excel(amount) * (to_excel(rate) if rate is not None else 1.0))))
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


def _currency(value: object) -> str:
    """A currency as the recalculation reads it: blank, « € » and « euros » are the euro."""
    text = cell_text(value).upper()
    return EURO if fold(text) in ("", "€", "eur", "euro", "euros") else text


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


