"""The final cost statement (coût définitif) from the entries: each chapter in France and abroad,
spend by country (Eurimages asks for it), and the film cost as the transparency protocol retains
it, its caps applied to actual figures (arrêté of 7 February 2011, DOMAIN-FACTS §1.2a).

Producer pay and financial costs are found by their accounts (``postes-cnc.json``:
``below_the_line``); the devis' per-line « Protocole » does not follow entries. Overhead is not
an expense: it is declared (Paramètres), by default as the current budget carries it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from xlprod.cnc.reference import below_the_line
from xlprod.cnc.tax_credit import eligible_sub_chapters
from xlprod.core.dates import add_months
from xlprod.core.money import ZERO, round_cents
from xlprod.kinds.depenses.model import FRANCE, Entry
from xlprod.kinds.depenses.tracking import CHAPTERS, chapter_of
from xlprod.kinds.devis.compute import FINANCIAL_COSTS_CAP, OVERHEAD_CAP, PRODUCER_PAY_CAP, SMALL_FILM  # the same texts

ACCOUNT_MONTHS = 8  # the production account is due within 8 months of the visa (code du cinéma L213-24)


@dataclass(frozen=True)
class FinalCost:
    chapters: dict[int, Decimal]
    chapters_abroad: dict[int, Decimal]
    unassigned: Decimal
    unassigned_abroad: Decimal
    by_country: dict[str, Decimal]
    producer_pay: Decimal
    financial_costs: Decimal
    overhead: Decimal  # declared
    tax_credit_base: Decimal  # French spend on eligible sub-chapters, before the per-day caps
    deadline: dt.date | None

    @property
    def subtotal(self) -> Decimal:
        return sum(self.chapters.values(), ZERO) + self.unassigned

    @property
    def protocol_base(self) -> Decimal:
        return self.subtotal - self.producer_pay - self.financial_costs

    @property
    def producer_pay_cap(self) -> Decimal:
        return round_cents(self.protocol_base * PRODUCER_PAY_CAP)

    @property
    def overhead_cap(self) -> Decimal:
        return round_cents(self.protocol_base * OVERHEAD_CAP)

    @property
    def producer_pay_retained(self) -> Decimal:
        return min(self.producer_pay, self.producer_pay_cap)

    @property
    def overhead_retained(self) -> Decimal:
        return min(self.overhead, self.overhead_cap)

    @property
    def financial_costs_cap(self) -> Decimal:
        return round_cents((self.protocol_base + self.producer_pay_retained + self.overhead_retained)
                           * FINANCIAL_COSTS_CAP)

    @property
    def financial_cap_applies(self) -> bool:
        """Below 3 M€ of film cost, real financial costs are kept even above their cap."""
        return self.protocol_base + self.producer_pay + self.overhead + self.financial_costs >= SMALL_FILM

    @property
    def financial_costs_retained(self) -> Decimal:
        if self.financial_cap_applies:
            return min(self.financial_costs, self.financial_costs_cap)
        return self.financial_costs

    @property
    def film_cost(self) -> Decimal:
        return self.protocol_base + self.producer_pay_retained + self.overhead_retained + self.financial_costs_retained

    @property
    def france(self) -> Decimal:
        return self.subtotal - sum(self.chapters_abroad.values(), ZERO) - self.unassigned_abroad


def compute_final_cost(entries: Iterable[Entry], overhead: Decimal, visa: dt.date | None) -> FinalCost:
    chapters = dict.fromkeys(CHAPTERS, ZERO)
    abroad = dict.fromkeys(CHAPTERS, ZERO)
    unassigned = unassigned_abroad = ZERO
    by_country: dict[str, Decimal] = {}
    below = below_the_line()
    producer, financial = tuple(below["producer_pay"]), tuple(below["financial_costs"])
    eligible = tuple(sorted(eligible_sub_chapters()))
    producer_pay = financial_costs = credit_base = ZERO
    for e in entries:
        amount = e.amount_eur
        foreign = e.country != FRANCE
        by_country[e.country] = by_country.get(e.country, ZERO) + amount
        chapter = chapter_of(e.account)
        if chapter is None:
            unassigned += amount
            unassigned_abroad += amount if foreign else ZERO
            continue
        chapters[chapter] += amount
        if foreign:
            abroad[chapter] += amount
        if e.account.startswith(producer):
            producer_pay += amount
        if e.account.startswith(financial):
            financial_costs += amount
        if not foreign and e.account.startswith(eligible):
            credit_base += amount
    countries = dict(sorted(by_country.items(), key=lambda kv: (kv[0] != FRANCE, kv[0])))
    return FinalCost(chapters=chapters, chapters_abroad=abroad, unassigned=unassigned,
                     unassigned_abroad=unassigned_abroad, by_country=countries, producer_pay=producer_pay,
                     financial_costs=financial_costs, overhead=overhead, tax_credit_base=credit_base,
                     deadline=add_months(visa, ACCOUNT_MONTHS) if visa else None)
