"""Devis arithmetic, mirroring the workbook's own formulas cell for cell.

Rounding points (each one is a ``ROUND(..., 2)`` in the workbook):
  * a line amount: quantity × number × unit rate;
  * a line's French amount: amount × French share (a blank share counts as 100 %);
  * the charges of a payroll category: gross base × employer rate;
  * overhead and contingency: subtotal of chapters 1-9 × their rate.
Chapter totals, subtotal, total and the French total are sums of cents, hence exact.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from xlprod.cnc.payroll import CHARGED_CATEGORIES, INTERN_HOURS, PayrollCategory
from xlprod.cnc.reference import CHAPTERS, below_the_line, chapter_label, chapter_of
from xlprod.cnc.tax_credit import director_scale_cap, eligible_sub_chapters
from xlprod.core.money import ONE, ZERO, round_cents
from xlprod.kinds.devis.model import Budget, BudgetLine, BudgetParameters, Protocol, Tag, Unit


class ChapterTotal(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    label: str
    amount: Decimal
    france_amount: Decimal


class ChargeTotal(BaseModel):
    """Employer charges of one payroll category (a row of the chapter-4 detail)."""

    model_config = ConfigDict(frozen=True)

    category: PayrollCategory
    rate: Decimal
    gross: Decimal
    charges: Decimal
    france_gross: Decimal
    france_charges: Decimal


class TaxCredit(BaseModel):
    """The cinema tax credit as a devis can estimate it (CGI art. 220 sexies): eligible French
    spend, the mandatory charges on eligible pay, the director's pay above the barème taken out."""

    model_config = ConfigDict(frozen=True)

    line_amounts: tuple[Decimal, ...]  # each line's eligible French amount (the « Base crédit impôt » column)
    lines: Decimal
    capped: Decimal  # what the caps take off those lines: actors' days above the minimum, nights above the cap
    charges: Decimal
    director_pay: Decimal  # the director's eligible pay and rights
    director_cap: Decimal
    rate: Decimal
    ceiling: Decimal

    @property
    def director_excess(self) -> Decimal:
        return max(ZERO, self.director_pay - self.director_cap)

    @property
    def base(self) -> Decimal:
        return self.lines - self.capped + self.charges - self.director_excess

    @property
    def estimate(self) -> Decimal:
        return min(round_cents(max(ZERO, self.base) * self.rate), self.ceiling)


class BudgetResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_amounts: tuple[Decimal, ...]
    line_france_amounts: tuple[Decimal, ...]
    chapters: tuple[ChapterTotal, ...]
    charges: tuple[ChargeTotal, ...]
    typed_chapter4: Decimal
    typed_chapter4_france: Decimal
    subtotal: Decimal
    overhead: Decimal
    contingency: Decimal
    total: Decimal
    france_total: Decimal
    tag_totals: dict[Tag, Decimal]
    producer_pay: Decimal = ZERO  # sub-chapter 21 with the charges computed on it (protocol art. 2 §11)
    financial_costs: Decimal = ZERO  # sub-chapter 94, typed as real costs
    tax_credit: TaxCredit | None = None
    euribor: Decimal | None = None  # set: the protocol's flat financial costs are computed

    @property
    def protocol_base(self) -> Decimal:
        """The film cost without producer pay, overhead and financial costs: the base of the
        producer-pay and overhead caps (transparency protocol, arrêté of 7 February 2011)."""
        return self.subtotal - self.producer_pay - self.financial_costs

    @property
    def producer_pay_cap(self) -> Decimal:
        return round_cents(self.protocol_base * PRODUCER_PAY_CAP)

    @property
    def overhead_cap(self) -> Decimal:
        return round_cents(self.protocol_base * OVERHEAD_CAP)

    @property
    def financial_costs_cap(self) -> Decimal:
        """5 % of the film cost with producer pay and overhead as the film cost retains them (each
        within its cap), without the financial costs themselves."""
        retained = min(self.producer_pay, self.producer_pay_cap) + min(self.overhead, self.overhead_cap)
        return round_cents((self.protocol_base + retained) * FINANCIAL_COSTS_CAP)

    @property
    def flat_financial_costs(self) -> Decimal | None:
        """The protocol's flat financial costs: the film cost as the cap retains it × 18 months ×
        (3-month EURIBOR + 3 %) a year, within the 5 % cap; None without a EURIBOR rate."""
        if self.euribor is None:
            return None
        retained = self.protocol_base + min(self.producer_pay, self.producer_pay_cap) + min(self.overhead,
                                                                                           self.overhead_cap)
        flat = round_cents(retained * FLAT_MONTHS / 12 * (self.euribor + FLAT_MARGIN))
        return max(ZERO, min(flat, self.financial_costs_cap))

    @property
    def film_cost(self) -> Decimal:
        """The film cost as budgeted, without contingency (a provision of the devis only)."""
        return self.protocol_base + self.producer_pay + self.overhead + self.financial_costs

    @property
    def financial_cap_applies(self) -> bool:
        """Below 3 M€ of film cost, real financial costs are retained even above 5 %."""
        return self.film_cost >= SMALL_FILM

    @property
    def credit(self) -> TaxCredit:
        if self.tax_credit is None:
            raise ValueError("result computed without the tax credit")
        return self.tax_credit

    @property
    def computed_charges(self) -> Decimal:
        return sum((c.charges for c in self.charges), ZERO)

    @property
    def france_share(self) -> Decimal:
        """French spend / subtotal of chapters 1-9 (0 for an empty devis)."""
        return self.france_total / self.subtotal if self.subtotal else ZERO

    def chapter(self, number: int) -> ChapterTotal:
        return self.chapters[number - 1]

    def share_of_subtotal(self, amount: Decimal) -> Decimal:
        return amount / self.subtotal if self.subtotal else ZERO


# Caps of the 2010 transparency protocol, binding on every feature film (arrêté of 7 February 2011,
# DOMAIN-FACTS §1.2a): fixed by the text, not settings of a production.
PRODUCER_PAY_CAP = Decimal("0.05")
OVERHEAD_CAP = Decimal("0.07")
FINANCIAL_COSTS_CAP = Decimal("0.05")
FLAT_MONTHS = Decimal(18)  # the flat financial costs: 18 months of interest at 3-month EURIBOR + 3 %
FLAT_MARGIN = Decimal("0.03")
SMALL_FILM = Decimal(3_000_000)  # below this film cost, real financial costs are kept even above the cap


def employer_charges(gross: Decimal, rate: Decimal) -> Decimal:
    return round_cents(gross * rate)


def intern_chargeable(line: BudgetLine, hourly_minimum: Decimal) -> Decimal:
    """The part of an intern's gratification above the legal minimum, on which charges are due
    (the whole of it where the unit does not say how many hours it stands for)."""
    hours = INTERN_HOURS.get(line.unit.value if line.unit else "", ZERO)
    return round_cents(line.quantity * line.number * max(ZERO, line.unit_rate - hourly_minimum * hours))


def compute_budget(budget: Budget) -> BudgetResult:
    params = budget.parameters
    amounts: list[Decimal] = []
    france: list[Decimal] = []
    chapter_amounts = dict.fromkeys(CHAPTERS, ZERO)
    chapter_france = dict.fromkeys(CHAPTERS, ZERO)
    gross = {c: ZERO for c in CHARGED_CATEGORIES}
    gross_france = {c: ZERO for c in CHARGED_CATEGORIES}
    tag_totals = {t: ZERO for t in Tag}
    producer_gross = {c: ZERO for c in CHARGED_CATEGORIES}
    producer_pay = financial_costs = ZERO
    below = below_the_line()
    producer_codes, financial_codes = tuple(below["producer_pay"]), tuple(below["financial_costs"])

    charged = {c: c.charged_chapters for c in CHARGED_CATEGORIES}
    credit = _CreditTally(params)
    add_credit, eligible, stagiaire = credit.amounts.append, credit.eligible, PayrollCategory.STAGIAIRE
    artiste, nuit, director = PayrollCategory.ARTISTE, Unit.NUIT, _is_director
    add_amount, add_france = amounts.append, france.append
    for line in budget.lines:  # hot loop: thousands of lines, kept free of calls that can be avoided
        amount = round_cents(line.quantity * line.number * line.unit_rate)
        share = line.france_share
        french = amount if share == ONE else round_cents(amount * share)
        add_amount(amount)
        add_france(french)
        chapter = line.chapter
        if chapter is None:
            add_credit(ZERO)
            continue
        chapter_amounts[chapter] += amount
        chapter_france[chapter] += french
        if line.tags:
            for tag in line.tags:
                tag_totals[tag] += amount
        category = line.category
        said_ci = line.tax_credit  # the tax credit, inlined (see _CreditTally.add)
        if said_ci if said_ci is not None else (line.account[:2] in eligible and category is not stagiaire):
            add_credit(french)
            if (french and (category is artiste or line.unit is nuit)) or category in credit.gross or director(line):
                credit.add(line, chapter, french)
        else:
            add_credit(ZERO)
        said = line.protocol
        producer = said is Protocol.PRODUCER or (said is None and line.account.startswith(producer_codes))
        if category in charged and chapter in charged[category]:
            base, base_france = amount, french
            if category is PayrollCategory.STAGIAIRE:  # charged only above the legal minimum
                base = intern_chargeable(line, params.intern_minimum)
                base_france = base if share == ONE else round_cents(base * share)
            gross[category] += base
            gross_france[category] += base_france
            if producer and category is not PayrollCategory.STAGIAIRE:  # never producer pay
                producer_gross[category] += base
        if producer:
            producer_pay += amount
        elif said is Protocol.FINANCIAL or (said is None and line.account.startswith(financial_codes)):
            financial_costs += amount

    charges = tuple(
        ChargeTotal(
            category=c,
            rate=params.rate_for(c),
            gross=gross[c],
            charges=employer_charges(gross[c], params.rate_for(c)),
            france_gross=gross_france[c],
            france_charges=employer_charges(gross_france[c], params.rate_for(c)),
        )
        for c in CHARGED_CATEGORIES
    )
    typed4, typed4_france = chapter_amounts[4], chapter_france[4]
    chapter_amounts[4] += sum((c.charges for c in charges), ZERO)
    chapter_france[4] += sum((c.france_charges for c in charges), ZERO)

    chapters = tuple(
        ChapterTotal(
            number=n,
            label=chapter_label(n, params.form_version),
            amount=chapter_amounts[n],
            france_amount=chapter_france[n],
        )
        for n in CHAPTERS
    )
    subtotal = sum(chapter_amounts.values(), ZERO)
    # the producer's pay counts « toutes charges sociales comprises »: the charges on sub-chapter 21
    producer_pay += sum((employer_charges(g, params.rate_for(c)) for c, g in producer_gross.items()), ZERO)
    overhead = round_cents((subtotal - producer_pay - financial_costs) * params.overhead_rate)
    contingency = round_cents(subtotal * params.contingency_rate)
    film_cost = subtotal + overhead
    return BudgetResult(
        line_amounts=tuple(amounts),
        line_france_amounts=tuple(france),
        chapters=chapters,
        charges=charges,
        typed_chapter4=typed4,
        typed_chapter4_france=typed4_france,
        subtotal=subtotal,
        overhead=overhead,
        contingency=contingency,
        total=subtotal + overhead + contingency,
        france_total=sum(chapter_france.values(), ZERO),
        tag_totals=tag_totals,
        producer_pay=producer_pay,
        financial_costs=financial_costs,
        tax_credit=credit.result(film_cost),
        euribor=params.euribor,
    )


_ACTOR_UNITS = frozenset({Unit.JOUR, Unit.CACHET})


def unit_cap(line: BudgetLine, params: BudgetParameters) -> Decimal | None:
    """The most a unit of this line counts for in the tax-credit base: an actor's day at the
    conventional minimum, a night at the lodging cap (no meal cap amount was found: meals count
    in full)."""
    if line.category is PayrollCategory.ARTISTE and line.unit in _ACTOR_UNITS:
        return params.actor_minimum
    if line.unit is Unit.NUIT and line.account[:2] == "64":
        return params.lodging_cap
    return None


def _is_director(line: BudgetLine) -> bool:
    return line.category is PayrollCategory.REALISATEUR or line.account[:2] == "13"


class _CreditTally:
    """Each line's eligible amount as the « Base crédit impôt » column computes it; what the caps
    take off (as the Synthèse computes it, line by line); the eligible pay after the caps, per
    payroll category, for the charges; the director's pay. Fed by ``compute_budget``'s loop."""

    def __init__(self, params: BudgetParameters) -> None:
        self.params = params
        self.eligible = eligible_sub_chapters()
        self.amounts: list[Decimal] = []
        self.gross = {c: ZERO for c in CHARGED_CATEGORIES}
        self.director = self.capped = ZERO

    def add(self, line: BudgetLine, chapter: int, french: Decimal) -> None:
        """An eligible line (its amount already in ``amounts``): its cap, its pay, the director's."""
        category, amount = line.category, french
        if french and (category is PayrollCategory.ARTISTE or line.unit is Unit.NUIT):
            cap = unit_cap(line, self.params)
            if cap is not None and line.unit_rate > cap:
                capped = round_cents(line.quantity * line.number * cap)
                amount = capped if line.france_share == ONE else round_cents(capped * line.france_share)
                self.capped += french - amount
        if category in self.gross and chapter in category.charged_chapters and category is not PayrollCategory.STAGIAIRE:
            self.gross[category] += amount
        if _is_director(line):
            self.director += french

    def result(self, film_cost: Decimal) -> TaxCredit:
        p = self.params
        charges = sum((employer_charges(g, p.rate_for(c)) for c, g in self.gross.items()), ZERO)
        return TaxCredit(line_amounts=tuple(self.amounts), lines=sum(self.amounts, ZERO), capped=self.capped,
                         charges=charges, director_pay=self.director, director_cap=director_scale_cap(film_cost),
                         rate=p.tax_credit_rate, ceiling=p.tax_credit_ceiling)


def rollup_by_chapter(pairs: list[tuple[str, Decimal]]) -> dict[int, Decimal]:
    """Sum amounts by chapter of their account code (used by the Excel UDF)."""
    totals = dict.fromkeys(CHAPTERS, ZERO)
    for account, amount in pairs:
        chapter = chapter_of(account)
        if chapter is not None:
            totals[chapter] += amount
    return totals


def france_share(amounts: list[Decimal], shares: list[Decimal | None]) -> Decimal:
    """Share of spending in France for parallel lists of amounts and French shares (blank = 100 %)."""
    total = sum(amounts, ZERO)
    if not total:
        return ZERO
    french = sum((round_cents(a * (s if s is not None else Decimal(1))) for a, s in zip(amounts, shares, strict=True)), ZERO)
    return french / total
