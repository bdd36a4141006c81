"""Which row of the Dépenses table a line of the file is: by its key first, then by what it says
(a date or account corrected, lines reordered or inserted, entries renumbered by the accounting, an
invoice the user split over several rows), and which rows the file no longer has."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import cast

from xlprod.core.cells import cell_text, from_serial
from xlprod.core.money import from_double, round_cents
from xlprod.core.text import fold
from xlprod.kinds.depenses.correspondences import Mapping
from xlprod.kinds.depenses.ledger import (
    LedgerRead,
)
from xlprod.workbook.port import RawTable


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


ACROSS_MONTHS_DAYS = 7  # a corrected date across a month's end, on the same document: the same entry


def match_rows(rows: Rows, by_key: dict[str, int], dep: RawTable, index: dict[str, int],
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
    _numbered_since(rows, out, by_key, dep, index, claimed | taken | set(barred))
    return out


def content_key(day: dt.date, supplier: str, label: str, account: str, amount: Decimal) -> str:
    """A CSV line without a document number, named by what it says, as a fixed-length digest (a label may be
    32,767 characters long): a corrected amount makes a new row."""
    said = "|".join((day.isoformat(), fold(supplier), fold(label), account, f"{amount:.2f}"))
    return "h:" + hashlib.sha1(said.encode("utf-8")).hexdigest()[:20]


def _numbered_since(rows: Rows, out: list[tuple[int, int | None]], by_key: dict[str, int], dep: RawTable,
                    index: dict[str, int], claimed: AbstractSet[int]) -> None:
    """A CSV first imported without its document numbers (their column under another name) has rows keyed by what
    they said; the same export read with its numbers takes them back, each by its key worked out again from the
    line (with its supplier, or with none, when the first export had no such column), whatever the user typed in
    the row since, rather than adding every line a second time."""
    hashed: dict[str, list[int]] = {}
    for key, i in by_key.items():
        if key.startswith("CSV|h:") and i not in claimed:
            hashed.setdefault(key.split("|")[1], []).append(i)
    if not hashed:
        return
    for at, (k, found) in enumerate(out):
        key = str(rows.key[k])
        if found is not None or not key.startswith("CSV|") or key.startswith("CSV|h:"):
            continue
        row = rows.row(k)
        day, amount = row.get("date"), row.get("amount")
        if not isinstance(day, dt.date) or not isinstance(amount, Decimal):
            continue
        account = cell_text(row.get("ledger_account")) or (cell_text(row.get("account")) if row.get("given") else "")
        for supplier in dict.fromkeys((cell_text(row.get("supplier")), "")):
            candidates = hashed.get(content_key(day, supplier, cell_text(row.get("label")), account, amount))
            if candidates:
                out[at] = (k, candidates.pop(0))
                break


# an entry's lines on one FEC account (its ledger account the group's): by amount and label, by amount, by a label
# no other line or row has, by place, then in order, each first with the line's own place (two crew members paid
# alike). A CSV document's lines, on several ledger accounts: by account, amount and label; by account and a label no
# other has (an amount corrected); by amount and label across accounts (a line moved to another account); then by
# account and amount, by account and place, then across them; each first with the line's own place
_FEC_PASSES = ((0, 1, 2), (0, 1), (1,), (0, 2), (0,), (2,), ())
_CSV_PASSES = ((3, 0, 1, 2), (3, 0, 1), (3, 1), (0, 1, 2), (0, 1), (3, 0, 2), (3, 0), (3, 2), (0, 2), (0,), (1,),
               (3,), (2,), ())
_UNIQUE = frozenset({(1,), (3, 1)})  # a label pairs a line only when no other line or row has it


def _by_content(rows: Rows, by_key: dict[str, int], dep: RawTable, index: dict[str, int],
                whole: Callable[[int], Decimal | None]) -> dict[int, int | None]:
    """The rows of an entry's several lines on one ledger account (a payroll's crew on 6411), or of a CSV's
    document (its lines on several accounts), paired with the file's lines by what they say: amount and label,
    then amount, then a label no other has, then place, then the rest in order. Their keys number them by
    place (``|1``, ``|2``…): a line inserted, the lines listed in another order, or a CSV line moved to another
    devis account (its key's account, the others renumbered), moved each amount to another line's row, the
    devis account or status the user chose there kept. Returns, for the file's lines of such groups, the row
    each takes (None: a new line)."""
    groups: dict[str, list[int]] = {}  # journal, entry, date and account (a CSV: document and supplier) -> rows
    by_row: dict[int, str] = {}
    for key, i in by_key.items():
        if key.startswith("FEC|"):
            prefix = key.rpartition("|")[0]
        elif key.startswith("CSV|") and not key.startswith("CSV|h:") and key.count("|") >= 4:
            prefix = key.rsplit("|", 2)[0] + "|"  # CSV|document|supplier|, as the file's lines pair
        else:
            continue
        groups.setdefault(prefix, []).append(i)
        by_row[i] = key
    lines: dict[str, list[int]] = {}
    pairs = rows.columns["pair"]
    for k, key in enumerate(rows.key):
        prefix = key.rpartition("|")[0] if key.startswith("FEC|") else str(pairs[k] or "")
        if prefix in groups:
            lines.setdefault(prefix, []).append(k)
    out: dict[int, int | None] = {}
    label_at, ledger_at = index["Libellé"], index["Compte général"]
    ledgers = rows.columns.get("ledger_account") or [""] * len(rows.key)
    for prefix, found in lines.items():
        table = sorted(groups[prefix])
        if len(found) == 1 and len(table) == 1:
            continue  # one line, one row: its key says it
        said = {i: (_cents_of(whole(i)), cell_text(dep.rows[i][label_at]).casefold(), by_row[i].rpartition("|")[2],
                    cell_text(dep.rows[i][ledger_at])) for i in table}
        wanted = {k: (_cents_of(rows.columns["amount"][k]), cell_text(rows.columns["label"][k]).casefold(),
                      rows.key[k].rpartition("|")[2], cell_text(ledgers[k])) for k in found}
        taken: set[int] = set()
        # (amount, label, place: the key's |n, ledger account) compared part by part, each part a queue of the rows
        for part in _FEC_PASSES if prefix.startswith("FEC|") else _CSV_PASSES:
            queues: dict[tuple[object, ...], deque[int]] = {}
            for i in table:
                if i not in taken:
                    queues.setdefault(tuple(said[i][n] for n in part), deque()).append(i)
            asked = Counter(tuple(wanted[k][n] for n in part) for k in found if k not in out)
            for k in found:
                what = tuple(wanted[k][n] for n in part)
                queue = queues.get(what) if k not in out else None
                if queue and (part not in _UNIQUE or (asked[what] == 1 and len(queue) == 1)):
                    out[k] = pick = queue.popleft()
                    taken.add(pick)
        for k in found:
            out.setdefault(k, None)
    return out


def barred_rows(dep: RawTable, index: dict[str, int], read: LedgerRead, mapping: Mapping) -> tuple[set[int], set[int]]:
    """Earlier rows no other line takes: a FEC's of an entry the file refuses (an unbalanced entry, a line in
    error); a FEC's or a CSV's on an account the import now leaves out."""
    key_at, ledger_at = index["Clé d'import"], index["Compte général"]
    refused, excluded = set(), set()
    fec = read.detection.format == "FEC"
    for i, r in enumerate(dep.rows):
        key = cell_text(r[key_at])
        if not key.startswith("FEC|" if fec else "CSV|"):
            continue
        parts = key.split("|")
        ledger = cell_text(r[ledger_at])
        if ledger and (not mapping.is_expense(ledger) if fec else mapping.excluded(ledger)):
            excluded.add(i)  # left out (a CSV's: by « exclu » only), unless its own line takes it (its Compte devis)
        elif not fec:
            continue
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


def renumbered_rows(rows: Rows, matches: list[tuple[int, int | None]], by_key: dict[str, int], dep: RawTable,
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


def _entry_order(entry: str) -> tuple[str, int]:
    m = re.match(r"^(.*?)(\d+)$", entry)
    return (m.group(1), int(m.group(2))) if m else (entry, -1)


def absent_rows(dep: RawTable, index: dict[str, int], lines: tuple[Sequence[str], Sequence[dt.date], Sequence[str]],
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


def left_of_entries(dep: RawTable, index: dict[str, int], rows: Rows, matched: set[int]) -> list[int]:
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


def absent_lines(dep: RawTable, index: dict[str, int], rows: Rows, matched: set[int]) -> list[int]:
    """Rows of an earlier CSV import of a document this file has (its number and supplier) that no line of it
    took (a line the export no longer has): said, never deleted."""
    documents = {str(pair) for pair in rows.columns["pair"] if pair}
    out = []
    for i, r in enumerate(dep.rows):
        key = cell_text(r[index["Clé d'import"]])
        if i not in matched and key.startswith("CSV|") and key.count("|") >= 4 and \
                key.rsplit("|", 2)[0] + "|" in documents:
            out.append(dep.header_row + 1 + i)
    return out


def keyless_rows(dep: RawTable, index: dict[str, int]) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """The rows without an import key that name a document, by document (without case) and ledger account, each
    with its label (without case): a copy of an imported row the user split keeps them, its label too unless
    retyped."""
    out: dict[tuple[str, str], list[tuple[int, str]]] = {}
    piece_at, ledger_at, key_at, label_at = index["N° pièce"], index["Compte général"], index["Clé d'import"], \
        index["Libellé"]
    for j, cells in enumerate(dep.rows):
        piece = cell_text(cells[piece_at])
        if piece and not cell_text(cells[key_at]):
            out.setdefault((piece.casefold(), cell_text(cells[ledger_at])), []).append(
                (j, cell_text(cells[label_at]).casefold()))
    return out
