"""What the cost report is made of: entries (invoices, purchase orders, payroll), frozen versions of
the devis, and the thresholds the producer reads the variances with.

Entries are named tuples rather than pydantic models or frozen dataclasses: a production's ledger
runs to 100,000 lines, read at every recalculation (a frozen dataclass's __init__ sets each field
through object.__setattr__, three times the cost of a tuple), and they are validated by the reader
that builds them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from xlprod.core.money import ONE, ZERO, excel_product


class Status(StrEnum):
    """Where an expense stands; every status counts as committed (engagé), only « payé » as paid."""

    COMMITTED = "engagé"
    INVOICED = "facturé"
    PAID = "payé"


class Tag(StrEnum):
    """The CNC's identified costs, as in the devis (eco-production, accessibility, VHSS, inclusion)."""

    ECOPRODUCTION = "écoproduction"
    ACCESSIBILITE = "accessibilité"
    VHSS = "vhss"
    INCLUSION = "inclusion"


FRANCE = "FR"
TOO_BIG = Decimal(10) ** 11  # 100 billion: no production spends it; a reading gone wrong (a date, digits run together)
EURO = "EUR"


class Entry(NamedTuple):
    """One line of the Dépenses table. ``amount`` is excl. VAT in ``currency``; ``rate`` converts
    it to euros (the budget's rate, as Eurimages asks)."""

    account: str  # devis account ("" : à affecter)
    amount: Decimal
    status: Status = Status.COMMITTED
    date: dt.date | None = None
    piece: str = ""
    supplier: str = ""
    label: str = ""
    vat: Decimal = ZERO
    currency: str = EURO
    rate: Decimal = ONE
    payment_date: dt.date | None = None
    country: str = FRANCE
    tags: frozenset[Tag] = frozenset()
    ledger_account: str = ""
    key: str = ""  # the import key: the same ledger line imported twice is the same entry
    row: int = 0  # its row in the Dépenses sheet (0: not from a sheet)
    eur: Decimal | None = None  # Montant EUR as the sheet's formula gives it from the cells' own doubles, when read

    @property
    def amount_eur(self) -> Decimal:
        """As the table's « Montant EUR » computes it: ROUND(HT × taux, 2), of the cells' doubles (a rate typed
        =1/0.8576 is a double no 15-digit decimal gives back: the reader computes it from the cells)."""
        return self.eur if self.eur is not None else excel_product(self.amount, self.rate)

    @property
    def paid(self) -> bool:
        return self.status is Status.PAID


@dataclass(frozen=True, slots=True)
class VersionLine:
    account: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Version:
    """A devis frozen at a date: its lines, and what lies below them (overhead, contingency, the
    tax-credit estimate) as the devis computed them."""

    name: str
    lines: tuple[VersionLine, ...]
    date: dt.date | None = None
    source: str = ""
    overhead: Decimal = ZERO
    contingency: Decimal = ZERO
    tax_credit_base: Decimal = ZERO
    total: Decimal = ZERO

    def amounts(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for line in self.lines:
            out[line.account] = out.get(line.account, ZERO) + line.amount
        return out

    @property
    def lines_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


class Thresholds(BaseModel):
    """Variance thresholds of the status column, as shares of the initial estimate (Paramètres)."""

    model_config = ConfigDict(frozen=True)

    watch: Decimal = Decimal("0.05")  # above: « à surveiller »
    overrun: Decimal = Decimal("0.10")  # above: « dépassement »


class TrackingStatus(StrEnum):
    WITHIN = "conforme"
    WATCH = "à surveiller"
    OVERRUN = "dépassement"
    SAVING = "économie"
    ADDED = "ajouté au budget"  # nothing in the initial estimate, a budget since
    NEW = "hors devis"  # spend where no version has ever put a budget
