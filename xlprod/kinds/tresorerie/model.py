"""Records of a financing plan and cash-flow forecast, as read from a workbook: immutable, each
knowing where it came from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from xlprod.cnc.financing import Event, Phase, vat_defaults
from xlprod.core.location import Location
from xlprod.core.money import ZERO

NOTHING: Mapping[Any, Any] = MappingProxyType({})  # the default of a record's mapping: one empty, read-only


class Status(StrEnum):
    ACQUIS = "acquis"
    NEGOCIATION = "en négociation"
    ENVISAGE = "envisagé"


class Tranche(NamedTuple):
    """One payment of a source: a share of it or an amount, at a date or at an event plus a delay."""

    number: int = 1  # « N° »: the order of a source's tranches (shares are cumulated in it)
    share: Decimal | None = None
    amount: Decimal | None = None
    date: dt.date | None = None
    event: Event | None = None
    delay_days: int = 0
    where: Location = Location()


class Source(NamedTuple):
    """A line of the financing plan."""

    name: str
    type: str
    public: bool
    amount: Decimal
    status: Status = Status.ACQUIS
    signature: dt.date | None = None
    first_broadcast: dt.date | None = None  # a pre-sale's first broadcast, for the chronologie des médias
    tranches: tuple[Tranche, ...] = ()
    where: Location = Location()


class Calendar(NamedTuple):
    """The production's dates: each phase starts where the previous one ends."""

    development: dt.date
    preparation: dt.date
    shoot_start: dt.date
    shoot_end: dt.date
    delivery: dt.date
    visa: dt.date | None = None
    release: dt.date | None = None

    def event(self, event: Event, signature: dt.date | None = None) -> dt.date | None:
        return {
            Event.SIGNATURE: signature,
            Event.DEBUT_TOURNAGE: self.shoot_start,
            Event.FIN_TOURNAGE: self.shoot_end,
            Event.LIVRAISON: self.delivery,
            Event.VISA: self.visa,
            Event.SORTIE: self.release,
        }[event]

    def phase(self, phase: Phase) -> tuple[dt.date, dt.date]:
        """First and last day of a phase."""
        day = dt.timedelta(days=1)
        return {
            Phase.DEVELOPPEMENT: (self.development, self.preparation - day),
            Phase.PREPARATION: (self.preparation, self.shoot_start - day),
            Phase.TOURNAGE: (self.shoot_start, self.shoot_end),
            Phase.POSTPRODUCTION: (self.shoot_end + day, self.delivery),
        }[phase]


class BudgetCopy(NamedTuple):
    """What the cash-flow workbook keeps of the devis, so that it stands alone."""

    chapters: Mapping[int, Decimal]  # without the lines singled out
    singled: Mapping[str, Decimal] = NOTHING  # devis account -> its lines, spent on their own
    overhead: Decimal = ZERO
    contingency: Decimal = ZERO
    tax_credit: Decimal = ZERO  # the devis' estimate
    source_file: str = ""

    @property
    def total(self) -> Decimal:
        return sum(self.chapters.values(), ZERO) + sum(self.singled.values(), ZERO) + self.overhead + self.contingency


_VAT_RATE, _VAT_CHAPTERS, _VAT_MONTHS = vat_defaults()  # the reference data's defaults
_VAT_KEYS = frozenset(map(str, _VAT_CHAPTERS))


class CashParameters(NamedTuple):
    opening_balance: Decimal = ZERO
    vat_rate: Decimal = _VAT_RATE
    vat_keys: frozenset[str] = _VAT_KEYS  # budget keys whose payments bear VAT
    vat_recovery_months: int = _VAT_MONTHS
    bridge_margin: Decimal = Decimal("0.10")  # on top of the deepest gap
    bridge_rate: Decimal = Decimal("0.05")  # a year
    aid_cap: Decimal = Decimal("0.50")  # public-aid intensity: 50 %, 60 % for difficult or low-budget works
    secured_only: bool = False  # the scenario a bank retains: only the sources « acquis » are received


class CashPlan(NamedTuple):
    sources: tuple[Source, ...]
    calendar: Calendar
    budget: BudgetCopy
    parameters: CashParameters = CashParameters()
    profiles: Mapping[str, Mapping[Phase, Decimal]] = NOTHING  # budget key -> share per phase
    lags: Mapping[str, int] = NOTHING  # budget key -> months between incurring and paying
    templates_fallback: bool = True  # a source without tranches paid by its type's packaged schedule
    # the hook for the expense workbook: actual payments by budget key and month, which replace the
    # forecast up to ``actuals_through`` (included); later months keep the forecast
    actuals: Mapping[str, Mapping[dt.date, Decimal]] = NOTHING
    actuals_through: dt.date | None = None
