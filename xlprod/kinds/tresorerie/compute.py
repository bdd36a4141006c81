"""The monthly cash-flow table: receipts by source, payments by budget chapter spread over the
production's phases, VAT paid and recovered, the cumulative balance; then the critical period
and the bridge loan that covers it.

Rounding points, each a ``ROUND(..., 2)`` of the workbook: a tranche's payment (schedule); what
a budget amount has paid by the end of a month (its phases' shares spread evenly over their
months) — a month's payment is the difference, so the months add up to the amount exactly; the
VAT of a month's taxable payments; a month's interest. Everything else is a sum of cents.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from xlprod.cnc.financing import Phase, spending_profiles
from xlprod.core.issues import Issue, warning
from xlprod.core.location import Location
from xlprod.core.money import ZERO, format_eur, round_cents
from xlprod.kinds.tresorerie.model import NOTHING, CashPlan, Status
from xlprod.kinds.tresorerie.schedule import Payment, schedule

Month = dt.date  # the first day of a month


def month_of(day: dt.date) -> Month:
    return day.replace(day=1)


class CriticalPeriod(NamedTuple):
    negative_months: tuple[Month, ...]
    lowest: Decimal
    lowest_month: Month
    bridge_loan: Decimal  # 0 when the balance never goes below zero
    interest: Decimal  # on the negative balances, month by month, at the bridge rate
    backing: tuple[Payment, ...]  # receipts due after the lowest point, which can back the loan

    @property
    def duration(self) -> int:
        return len(self.negative_months)


class CashFlow(NamedTuple):
    months: tuple[Month, ...]
    receipts: dict[str, dict[Month, Decimal]]  # source -> month -> amount
    payments: dict[str, dict[Month, Decimal]]  # budget key -> month -> amount
    vat_paid: dict[Month, Decimal]
    vat_recovered: dict[Month, Decimal]
    opening_balance: Decimal
    financing_total: Decimal
    budget_total: Decimal
    public_total: Decimal
    critical: CriticalPeriod
    incurred: Mapping[str, list[Decimal]] = NOTHING  # budget key -> incurred by the end of each month
    issues: tuple[Issue, ...] = ()

    def net(self, month: Month) -> Decimal:
        receipts = sum((r.get(month, ZERO) for r in self.receipts.values()), ZERO)
        payments = sum((p.get(month, ZERO) for p in self.payments.values()), ZERO)
        return receipts - payments - self.vat_paid.get(month, ZERO) + self.vat_recovered.get(month, ZERO)

    def balances(self) -> list[Decimal]:
        out, balance = [], self.opening_balance
        for m in self.months:
            balance += self.net(m)
            out.append(balance)
        return out

    @property
    def final_balance(self) -> Decimal:
        return self.balances()[-1] if self.months else self.opening_balance

    @property
    def financing_gap(self) -> Decimal:
        """Financing − budget: negative when the plan is short."""
        return self.financing_total - self.budget_total

    @property
    def aid_intensity(self) -> Decimal:
        return self.public_total / self.budget_total if self.budget_total else ZERO


HORIZON = 60  # months shown and counted, from the month of the first date


def budget_amounts(plan: CashPlan) -> dict[str, Decimal]:
    """Budget key -> amount: chapters 1-9, overhead, contingency."""
    out = {str(n): amount for n, amount in plan.budget.chapters.items()}
    out["frais_generaux"] = plan.budget.overhead
    out["imprevus"] = plan.budget.contingency
    return out | dict(plan.budget.singled)


def phase_days(plan: CashPlan) -> dict[Phase, tuple[dt.date, int]]:
    """Phase -> (its first day, its number of days, at least 1)."""
    out = {}
    for phase in Phase:
        start, end = plan.calendar.phase(phase)
        out[phase] = (start, max(1, (end - start).days + 1))
    return out


def month_end(month: Month) -> dt.date:
    return month.replace(day=pycalendar.monthrange(month.year, month.month)[1])


def paid_by(shares: Mapping[Phase, Decimal], phases: dict[Phase, tuple[dt.date, int]], day: dt.date) -> Decimal:
    """The share of a budget amount paid by the end of ``day``: each phase's share spread evenly
    over its days."""
    total = ZERO
    for phase, share in shares.items():
        start, n = phases[phase]
        total += share * min(max((day - start).days + 1, 0), n) / n
    return total


def actual_months(months: list[Month], through: dt.date) -> int:
    """How many of the table's months are past (their payments actual), 0 to all."""
    done = month_of(through)
    return sum(1 for m in months if m <= done)


def forecast_paid(incurred: list[Decimal], lag: int, k: int) -> Decimal:
    """What the forecast has paid by the end of month ``k`` (1-based): incurred ``lag`` months earlier."""
    return incurred[k - lag - 1] if k - lag >= 1 else ZERO


def adjusted_cumulative(amount: Decimal, incurred: list[Decimal], lag: int, t: int, paid: Decimal,
                        past: list[Decimal] | None = None) -> list[Decimal]:
    """S(1..60): the actual payments cumulated over the ``t`` past months (``past``, month by month;
    ``paid`` their total), then what remains of the budget — nothing when the budget is already
    overspent — spread as the forecast spreads what it had left to pay, rounded to the cent (the
    Réalisé sheet's formula)."""
    at_t = forecast_paid(incurred, lag, t)
    left = max(ZERO, amount - paid)
    out = []
    running = ZERO
    for k in range(1, len(incurred) + 1):
        if k <= t:
            running += past[k - 1] if past is not None else ZERO
            out.append(running if past is not None else paid)
        elif amount - at_t == 0:
            out.append(paid + left)
        else:
            out.append(paid + round_cents(left * (forecast_paid(incurred, lag, k) - at_t) / (amount - at_t)))
    return out


def past_actuals(months: list[Month], actual: Mapping[dt.date, Decimal], t: int) -> dict[Month, Decimal]:
    """The actual payments of the ``t`` past months of the table, by month."""
    out: dict[Month, Decimal] = {}
    past = set(months[:t])
    for m, v in actual.items():
        if month_of(m) in past and v:
            out[month_of(m)] = out.get(month_of(m), ZERO) + v
    return out


def with_actuals(amount: Decimal, incurred: list[Decimal], lag: int, months: list[Month],
                 actual: Mapping[dt.date, Decimal], through: dt.date) -> dict[Month, Decimal]:
    """A budget row's payments when the past is known: the actual payments month by month up to
    ``through``, then the differences of ``adjusted_cumulative``."""
    t = actual_months(months, through)
    out = past_actuals(months, actual, t)
    cumulative = adjusted_cumulative(amount, incurred, lag, t, sum(out.values(), ZERO))
    for k in range(t + 1, len(months) + 1):
        step = cumulative[k - 1] - (cumulative[k - 2] if k >= 2 else ZERO)
        if step:
            out[months[k - 1]] = step
    return out


def actual_key(key: str) -> bool:
    """Keys the expense workbook pays: chapters and devis accounts; overhead and contingency are
    provisions, never entries, and keep their forecast."""
    return key[:1].isdigit()


def compute_cash_flow(plan: CashPlan) -> CashFlow:
    calendar, params = plan.calendar, plan.parameters
    issues: list[Issue] = []
    all_payments: list[Payment] = []
    for source in plan.sources:
        if not source.tranches and not plan.templates_fallback:
            continue  # the workbook counts only its own rows (the reader says so: TRE012)
        if params.secured_only and source.status is not Status.ACQUIS:
            continue  # the scenario of secured sources only
        payments, found = schedule(source, calendar)
        all_payments += payments
        issues += found
    first = month_of(min([calendar.development, *(p.date for p in all_payments)]))
    months = [first]
    while len(months) < HORIZON:
        months.append((months[-1] + dt.timedelta(days=32)).replace(day=1))
    phases = phase_days(plan)
    ends = [first - dt.timedelta(days=1), *(month_end(m) for m in months)]
    profiles = {**spending_profiles(), **plan.profiles}
    spending: dict[str, dict[Month, Decimal]] = {}
    incurred: dict[str, list[Decimal]] = {}
    planned = ZERO  # the forecast's payments within the table, whatever the actuals replace
    for key, amount in budget_amounts(plan).items():
        shares = profiles.get(key, {Phase.TOURNAGE: Decimal(1)})
        # cumulative rounding: what is paid by the end of each month, rounded, minus the month before
        paid = [round_cents(amount * paid_by(shares, phases, day)) for day in ends]
        incurred[key] = paid[1:]
        lag = plan.lags.get(key, 0)  # paid that many months after it is incurred, as the workbook's INDEX does
        spending[key] = {months[i + lag]: paid[i + 1] - paid[i] for i in range(HORIZON - lag) if paid[i + 1] != paid[i]}
        planned += sum(spending[key].values(), ZERO)
        if plan.actuals_through is not None and actual_key(key):
            spending[key] = with_actuals(amount, paid[1:], lag, months, plan.actuals.get(key, {}), plan.actuals_through)
    vat_paid: dict[Month, Decimal] = {}
    for month in months:
        taxable = sum((spending[k].get(month, ZERO) for k in spending if k in params.vat_keys), ZERO)
        if taxable:
            vat_paid[month] = round_cents(taxable * params.vat_rate)
    vat_recovered = {months[i + params.vat_recovery_months]: vat_paid[m]
                     for i, m in enumerate(months) if m in vat_paid and i + params.vat_recovery_months < HORIZON}
    receipts: dict[str, dict[Month, Decimal]] = {s.name: {} for s in plan.sources}
    horizon_end = months[-1]
    late = [p for p in all_payments if month_of(p.date) > horizon_end]
    for p in all_payments:
        month = month_of(p.date)
        if month <= horizon_end:
            receipts[p.source][month] = receipts[p.source].get(month, ZERO) + p.amount
    if planned != plan.budget.total:
        issues.append(warning(
            "TRE015", Location(sheet="Calendrier"),
            f"{format_eur(plan.budget.total - planned)} du budget tombent hors des {HORIZON} mois du tableau "
            f"({first:%m/%Y} à {horizon_end:%m/%Y}), non comptés.",
            "Vérifiez les dates (une tranche datée bien avant le développement fait commencer le tableau trop tôt).",
        ))
    if late:
        issues.append(warning(
            "TRE015", Location(sheet="Échéancier"),
            f"{len(late)} versement(s) après le {HORIZON}e mois du tableau ({horizon_end:%m/%Y}), non comptés : "
            + ", ".join(f"{p.source} le {p.date:%d/%m/%Y}" for p in late[:3]) + ".",
            "Vérifiez les dates (une année mal saisie ?), ou rapprochez le début du développement.",
        ))
    public = sum((s.amount for s in plan.sources if s.public), ZERO)
    flow = CashFlow(
        months=tuple(months), receipts=receipts, payments=spending, incurred=incurred, vat_paid=vat_paid,
        vat_recovered=vat_recovered,
        opening_balance=params.opening_balance, financing_total=sum((s.amount for s in plan.sources), ZERO),
        budget_total=plan.budget.total, public_total=public,
        critical=CriticalPeriod(negative_months=(), lowest=ZERO, lowest_month=first, bridge_loan=ZERO, interest=ZERO,
                                backing=()),
        issues=tuple(issues),
    )
    return flow._replace(critical=critical_period(flow, all_payments, plan))


BRIDGE_STEP = Decimal(1000)  # a bridge loan is asked for in round thousands


def _up(amount: Decimal) -> Decimal:
    """Up to the next round thousand, as CEILING(amount, 1000)."""
    return Decimal(math.ceil(amount / BRIDGE_STEP)) * BRIDGE_STEP


def critical_period(flow: CashFlow, payments: list[Payment], plan: CashPlan) -> CriticalPeriod:
    """The months below zero, the lowest point, and the bridge loan that covers it with a margin."""
    balances = flow.balances()
    params = plan.parameters
    if not balances:
        return CriticalPeriod(negative_months=(), lowest=ZERO, lowest_month=month_of(plan.calendar.development),
                              bridge_loan=ZERO, interest=ZERO, backing=())
    lowest = min(balances)
    lowest_month = flow.months[balances.index(lowest)]
    negative = tuple(m for m, b in zip(flow.months, balances, strict=True) if b < 0)
    loan = ZERO
    if lowest < 0:  # the gap and its margin, but not beyond what the receivables still to come can back
        need = _up(round_cents(-lowest * (1 + params.bridge_margin)))
        backed = sum((v for r in flow.receipts.values() for m, v in r.items() if m > lowest_month), ZERO)
        loan = min(need, max(_up(-lowest), Decimal(math.floor(backed / BRIDGE_STEP)) * BRIDGE_STEP))
    interest = sum((round_cents(-b * params.bridge_rate / 12) for b in balances if b < 0), ZERO)
    horizon = flow.months[-1]
    backing = tuple(sorted((p for p in payments if lowest_month < month_of(p.date) <= horizon), key=lambda p: p.date))
    return CriticalPeriod(negative_months=negative, lowest=lowest, lowest_month=lowest_month, bridge_loan=loan,
                          interest=interest, backing=backing if lowest < 0 else ())


class Measure(NamedTuple):
    """A way out of the critical period, with its figures."""

    kind: str  # "crédit relais", "tranche avancée", "paiements différés"
    text: str
    amount: Decimal


SALARIED = frozenset({"2", "3", "4"})  # pay and charges cannot wait


def measures(flow: CashFlow, plan: CashPlan) -> list[Measure]:
    """The bridge loan; the first receipt after the lowest point brought forward to it; the
    payments of chapters that are not pay, falling in the negative months, deferred after them."""
    from xlprod.core.money import format_eur

    critical = flow.critical
    if critical.lowest >= 0:
        return []
    need = -critical.lowest
    margin = f"marge de {plan.parameters.bridge_margin * 100:.0f} %"
    if critical.bridge_loan < _up(round_cents(need * (1 + plan.parameters.bridge_margin))):
        margin += ", limitée aux créances à venir"
    text = (f"Crédit relais de {format_eur(critical.bridge_loan)} (creux de {format_eur(need)}, {margin}), "
            f"intérêts estimés {format_eur(critical.interest)}")
    if critical.backing:
        backed = sum((p.amount for p in critical.backing), ZERO)
        text += (f", adossé aux créances à venir ({format_eur(backed)}) : "
                 + ", ".join(f"{p.source} ({format_eur(p.amount)} le {p.date:%d/%m/%Y})" for p in critical.backing))
    out = [Measure(kind="crédit relais", amount=critical.bridge_loan, text=text + ".")]
    if critical.backing:
        first = critical.backing[0]
        covered = min(first.amount, need)
        out.append(Measure(kind="tranche avancée", amount=covered,
                           text=f"Avancer la tranche « {first.source} » ({format_eur(first.amount)}, due le "
                                f"{first.date:%d/%m/%Y}) à {critical.lowest_month:%m/%Y} couvrirait "
                                f"{format_eur(covered)} du creux."))
    lowest = critical.lowest_month
    deferrable = sorted(((key, by_month.get(lowest, ZERO)) for key, by_month in flow.payments.items()
                         if key not in SALARIED), key=lambda kv: -kv[1])
    if deferrable and deferrable[0][1] > 0:  # what falls in the lowest month, pushed 30 to 60 days, not a year
        key, due = deferrable[0]
        label = {"frais_generaux": "des frais généraux", "imprevus": "des imprévus"}.get(key, f"du poste {key}")
        after = (lowest + dt.timedelta(days=62)).replace(day=1)
        out.append(Measure(kind="paiements différés", amount=due,
                           text=f"Négocier avec les prestataires le report à {after:%m/%Y} des paiements {label} "
                                f"du mois le plus bas ({format_eur(due)})."))
    return out
