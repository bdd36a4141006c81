"""What the cash-flow forecast reads from the expense workbook: the payments actually made, by the
cash flow's budget key (a chapter, or a devis account it singles out) and month.

A paid entry counts in the month of its payment date (its date when it has none); entries still
owed are not payments; entries « à affecter » have no key, and are said apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from xlprod.core.money import ZERO
from xlprod.kinds.depenses.model import Entry
from xlprod.kinds.depenses.tracking import chapter_of


@dataclass
class ActualPayments:
    by_key: dict[str, dict[dt.date, Decimal]] = field(default_factory=dict)  # key -> first of month -> amount
    unassigned: dict[dt.date, Decimal] = field(default_factory=dict)  # paid on no devis line, by month: in no key
    undated: Decimal = ZERO  # paid, without any date

    def unassigned_through(self, through: dt.date) -> Decimal:
        return sum((v for m, v in self.unassigned.items() if m <= through), ZERO)

    def total(self, through: dt.date | None = None) -> Decimal:
        return sum((v for months in self.by_key.values() for m, v in months.items()
                    if through is None or m <= through), ZERO)


def budget_key(account: str, singled: Iterable[str]) -> str | None:
    """The cash flow's row for a devis account: the longest account it singles out, else the chapter."""
    best = max((s for s in singled if account.startswith(s)), key=len, default=None)
    if best is not None:
        return best
    chapter = chapter_of(account)
    return str(chapter) if chapter is not None else None


def actual_payments(entries: Iterable[Entry], singled: Iterable[str] = ()) -> ActualPayments:
    keys = tuple(singled)
    out = ActualPayments()
    for e in entries:
        if not e.paid or not e.amount:
            continue
        day = e.payment_date or e.date
        if day is None:
            out.undated += e.amount_eur
            continue
        key = budget_key(e.account, keys) if e.account else None
        month = day.replace(day=1)
        if key is None:
            out.unassigned[month] = out.unassigned.get(month, ZERO) + e.amount_eur
            continue
        months = out.by_key.setdefault(key, {})
        months[month] = months.get(month, ZERO) + e.amount_eur
    return out
