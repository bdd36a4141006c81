"""The expense rows of a FEC, made column by column for speed, against the rules stated entry by entry.

The reference below reads as the rules are written (an entry is its journal, number and date; its
expenses share its deductible VAT, the last taking what rounding leaves; its first supplier line gives
the supplier and, lettered in capitals, the payment): the import must give the same rows, in the same
order, and the same counts, for any file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlprod.core.money import ZERO, format_eur, round_cents
from xlprod.kinds.depenses.correspondences import Mapping
from xlprod.kinds.depenses.import_summary import ImportSummary
from xlprod.kinds.depenses.importer import SUPPLIER_PREFIXES, TREASURY_PREFIXES, VAT_PREFIX, _rows_from_fec
from xlprod.kinds.depenses.ledger import FEC_COLUMNS, LedgerLine, LedgerRead, read_fec
from xlprod.kinds.depenses.model import Status

MAPPING = Mapping({"6132": "2101", "6064": "3101", "2313": "4101", "6411": "", "613": "2102"}, {"6064": "BE"})
ACCOUNTS = ["6132", "61320000", "6064", "2313", "6411", "62570000", "44566", "445660", "401000", "4011", "421", "512",
            "530"]


def reference_rows(read: LedgerRead, mapping: Mapping) -> tuple[list[dict[str, object]], dict[str, object]]:
    """The rows and counts, entry by entry, line by line."""
    counts: dict[str, object] = {"rejected": 0, "rejected_debit": ZERO, "other_debit": ZERO, "selected": 0,
                                 "selected_debit": ZERO, "selected_credit": ZERO, "foreign": []}
    entries: dict[tuple[str, str, dt.date], list[LedgerLine]] = {}
    for line in read.lines:
        entries.setdefault((line.journal, line.entry, line.date), []).append(line)
    rows: list[dict[str, object]] = []
    for (journal, number, day), lines in entries.items():
        if (journal, number) in read.rejected_entries or (journal, number, day) in read.refused:
            counts["rejected"] += len(lines)  # type: ignore[operator]
            counts["rejected_debit"] += sum((x.debit for x in lines), ZERO)  # type: ignore[operator]
            continue
        expenses = [x for x in lines if mapping.is_expense(x.account)]
        counts["other_debit"] += sum((x.debit for x in lines if not mapping.is_expense(x.account)), ZERO)  # type: ignore[operator]
        if not expenses:
            continue
        vat_total = sum((x.debit - x.credit for x in lines if x.account.startswith(VAT_PREFIX)), ZERO)
        base = sum((x.debit - x.credit for x in expenses), ZERO)
        supplier_lines = [x for x in lines if x.account.startswith(SUPPLIER_PREFIXES)]
        supplier_line = supplier_lines[0] if supplier_lines else None
        paid = bool(supplier_lines) and all(x.lettering != "" and x.lettering == x.lettering.upper()
                                            for x in supplier_lines)
        paid_on = max((x.lettering_date for x in supplier_lines if x.lettering_date is not None), default=None)
        if not supplier_lines and any(x.account.startswith(TREASURY_PREFIXES) for x in lines):
            paid, paid_on = True, day  # paid straight from a bank or the cash box, on the entry's date
        allotted = ZERO
        seen: dict[str, int] = {}
        for k, x in enumerate(expenses):
            amount = x.debit - x.credit
            if k == len(expenses) - 1:
                vat = vat_total - allotted
            else:
                vat = round_cents(vat_total * amount / base) if base else ZERO
                allotted += vat
            label = x.label
            country = mapping.country(x.account)
            if x.currency and x.currency_amount is not None:
                label += f" ({format_eur(x.currency_amount).removesuffix('€').strip()} {x.currency})"
                if not country:
                    counts["foreign"].append(x.line)  # type: ignore[attr-defined]
            seen[x.account] = seen.get(x.account, 0) + 1
            rows.append({
                "key": f"FEC|{journal}|{number}|{day:%Y%m%d}|{x.account}|{seen[x.account]}",
                "pair": f"FEC|{journal}|{number}|", "date": day, "piece": x.piece,
                "supplier": (supplier_line.supplier or supplier_line.account_label) if supplier_line else "",
                "account": mapping.devis_account(x.account) or "", "label": label, "amount": amount, "vat": vat,
                "status": Status.PAID.value if paid else Status.INVOICED.value,
                "payment_date": paid_on if paid else None,
                "country": country or None, "ledger_account": x.account, "line": x.line, "journal": journal,
                "entry": number})
            counts["selected"] += 1  # type: ignore[operator]
            counts["selected_debit"] += x.debit  # type: ignore[operator]
            counts["selected_credit"] += x.credit  # type: ignore[operator]
    return rows, counts


def cents(n: int) -> str:
    return f"{n // 100},{n % 100:02d}"


line_st = st.fixed_dictionaries({
    "account": st.sampled_from(ACCOUNTS),
    "debit": st.integers(0, 500_000), "credit": st.sampled_from([0, 0, 0, 1_250]),
    "currency": st.sampled_from(["", "", "USD", "eur"]),
    "lettering": st.sampled_from(["", "AB", "ab"]),
})
entry_st = st.fixed_dictionaries({
    "journal": st.sampled_from(["HA", "ha", "OD"]), "number": st.sampled_from(["1", "2", "3"]),
    "day": st.integers(0, 40), "lines": st.lists(line_st, min_size=0, max_size=5),
    "balanced": st.sampled_from([True, True, True, False]), "supplier": st.sampled_from(["401000", "421", "512"]),
    "bad": st.sampled_from([False, False, False, False, True]),  # a line whose date is not a date
})


def fec_of(entries: list[dict], order: list[int] | None = None) -> bytes:
    """The entries as a FEC; ``order`` shuffles its lines (an export sorted by account, not by entry)."""
    out = []
    for e in entries:
        day = dt.date(2026, 1, 5) + dt.timedelta(days=e["day"])
        date = "2026-13-01" if e["bad"] else f"{day:%Y%m%d}"
        total = 0
        for x in e["lines"]:
            total += x["debit"] - x["credit"]
            foreign = (f"{cents(x['debit'] * 2)}", x["currency"]) if x["currency"] else ("", "")
            out.append(f"{e['journal']}|J|{e['number']}|{date}|{x['account']}|Lib {x['account']}|||P-{e['number']}|"
                       f"{date}|Ligne {x['account']}|{cents(x['debit'])}|{cents(x['credit'])}|{x['lettering']}|"
                       f"{day:%Y%m%d}|{date}|{foreign[0]}|{foreign[1]}")
        if e["lines"]:
            counter = total if e["balanced"] else total + 1
            debit, credit = (0, counter) if counter >= 0 else (-counter, 0)
            out.append(f"{e['journal']}|J|{e['number']}|{date}|{e['supplier']}|Fournisseurs|F1|Fournisseur "
                       f"{e['number']}|P-{e['number']}|{date}|Facture|{cents(debit)}|{cents(credit)}|"
                       f"{e['lines'][0]['lettering']}|{day + dt.timedelta(days=30):%Y%m%d}|{date}||")
    if order and out:
        picked = list(dict.fromkeys(k % len(out) for k in order))
        out = [out[k] for k in picked] + [x for k, x in enumerate(out) if k not in picked]
    return ("\r\n".join(["|".join(FEC_COLUMNS), *out]) + "\r\n").encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry_st, min_size=1, max_size=12), st.one_of(st.none(), st.lists(st.integers(0, 80), max_size=80)))
def test_the_rows_of_any_fec_are_those_the_rules_give_entry_by_entry(entries, order):
    read = read_fec(fec_of(entries, order), "FEC.txt")
    expected, counts = reference_rows(read, MAPPING)
    summary = ImportSummary(file="FEC.txt", detection="")
    rows = _rows_from_fec(read, MAPPING, summary)
    got = list(rows)
    assert got == expected
    for row, want in zip(got, expected, strict=True):  # the same values, and the same kinds of value
        assert {k: type(v) for k, v in row.items()} == {k: type(v) for k, v in want.items()}
    assert (summary.rejected, summary.rejected_debit, summary.other_debit, summary.selected, summary.selected_debit,
            summary.selected_credit, summary.foreign) == tuple(counts.values())


def test_an_entry_with_several_expenses_shares_its_vat_to_the_cent_the_last_taking_the_rest():
    lines = [{"account": "6132", "debit": 100, "credit": 0, "currency": "", "lettering": "A"},
             {"account": "6132", "debit": 100, "credit": 0, "currency": "", "lettering": ""},
             {"account": "6064", "debit": 100, "credit": 0, "currency": "", "lettering": ""},
             {"account": "44566", "debit": 100, "credit": 0, "currency": "", "lettering": ""}]
    read = read_fec(fec_of([{"journal": "HA", "number": "7", "day": 3, "lines": lines, "balanced": True,
                             "supplier": "401000", "bad": False}]), "FEC.txt")
    rows = list(_rows_from_fec(read, MAPPING, ImportSummary(file="FEC.txt", detection="")))
    assert [r["vat"] for r in rows] == [Decimal("0.33"), Decimal("0.33"), Decimal("0.34")]
    assert [str(r["key"]).rsplit("|", 2)[1:] for r in rows] == [["6132", "1"], ["6132", "2"], ["6064", "1"]]
    assert {r["status"] for r in rows} == {Status.PAID.value} and rows[2]["country"] == "BE"
