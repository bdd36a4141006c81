"""The cash-flow forecast's core (issue 9, first part): schedules, the monthly table, conservation,
the critical period and the bridge loan, on hand-computed scenarios and property tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xlprod.cnc.financing import Event, lookup_source_type, source_types
from xlprod.kinds.tresorerie.compute import compute_cash_flow, month_of
from xlprod.kinds.tresorerie.model import BudgetCopy, Calendar, CashParameters, CashPlan, Source, Tranche
from xlprod.kinds.tresorerie.schedule import schedule

D = Decimal
CAL = Calendar(development=dt.date(2026, 1, 1), preparation=dt.date(2026, 3, 1), shoot_start=dt.date(2026, 5, 4),
               shoot_end=dt.date(2026, 6, 26), delivery=dt.date(2026, 10, 30), visa=dt.date(2026, 11, 15),
               release=dt.date(2027, 2, 10))
# a small film: 1 M€ of chapters, no VAT chapters to keep the hand computation short
BUDGET = BudgetCopy(chapters={1: D(100_000), 2: D(400_000), 3: D(200_000), 4: D(0), 5: D(0), 6: D(0), 7: D(0),
                              8: D(300_000), 9: D(0)})
NO_VAT = CashParameters(vat_keys=frozenset())


def test_every_source_type_has_a_schedule_that_adds_up_to_100_percent():
    for spec in source_types().values():
        assert sum((t.share for t in spec.schedule), D(0)) == 1, spec.type
    assert lookup_source_type("Minimum garanti DISTRIBUTEUR").type == "minimum garanti distributeur"
    assert source_types()["crédit d'impôt"].public and not source_types()["SOFICA"].public


def test_a_pre_sale_paid_at_delivery_opens_a_gap_at_the_right_months_with_the_right_depth():
    sources = (
        Source(name="Apport", type="apport producteur", public=False, amount=D(200_000), signature=dt.date(2026, 1, 5)),
        Source(name="Préachat", type="préachat TV payante", public=False, amount=D(800_000),
               tranches=(Tranche(share=D(1), event=Event.LIVRAISON, delay_days=0),)),
    )
    flow = compute_cash_flow(CashPlan(sources=sources, calendar=CAL, budget=BUDGET, parameters=NO_VAT))
    assert flow.issues == ()
    balances = dict(zip(flow.months, flow.balances(), strict=True))
    # by hand: chapter 1 half in development (Jan-Feb), half in preparation (Mar-May 3);
    # chapters 2 and 3 spread over prep (Mar-May), shoot (May-Jun), post (Jun 27-Oct 30); 8 over post
    spent_to_september = sum((v for by_month in flow.payments.values() for m, v in by_month.items()
                              if m <= dt.date(2026, 9, 1)), D(0))
    assert balances[dt.date(2026, 9, 1)] == D(200_000) - spent_to_september < 0
    assert flow.critical.lowest_month == dt.date(2026, 9, 1)  # the month before the pre-sale is paid
    assert flow.critical.lowest == balances[dt.date(2026, 9, 1)]
    assert flow.critical.negative_months[0] == min(m for m, b in balances.items() if b < 0)
    assert dt.date(2026, 10, 1) not in flow.critical.negative_months  # paid in October: back above zero
    assert flow.critical.bridge_loan >= -flow.critical.lowest * D("1.10")
    assert flow.critical.bridge_loan % 1000 == 0
    assert [p.source for p in flow.critical.backing] == ["Préachat"]
    assert flow.final_balance == 0 == flow.financing_gap


def test_conservation_receipts_minus_payments_is_financing_minus_budget_and_vat_nets_out():
    budget = BudgetCopy(chapters={n: D(100_000 + 1234 * n) for n in range(1, 10)}, overhead=D(70_000),
                        contingency=D("45000.55"))
    sources = tuple(Source(name=f"S{i}", type=t, public=spec.public, amount=D("123456.78") * (i + 1),
                           signature=dt.date(2026, 2, 1))
                    for i, (t, spec) in enumerate(source_types().items()))
    params = CashParameters(opening_balance=D(25_000))
    flow = compute_cash_flow(CashPlan(sources=sources, calendar=CAL, budget=budget, parameters=params))
    assert flow.issues == ()
    received = sum((v for r in flow.receipts.values() for v in r.values()), D(0))
    paid = sum((v for p in flow.payments.values() for v in p.values()), D(0))
    assert received == flow.financing_total and paid == budget.total
    assert sum(flow.vat_paid.values(), D(0)) == sum(flow.vat_recovered.values(), D(0)) > 0
    assert flow.final_balance - params.opening_balance == flow.financing_total - flow.budget_total
    assert flow.aid_intensity == sum((s.amount for s in sources if s.public), D(0)) / budget.total


@settings(max_examples=300, deadline=None)
@given(amount=st.decimals(min_value=0, max_value=50_000_000, places=2),
       cuts=st.lists(st.integers(min_value=1, max_value=99), max_size=6))
def test_any_tranches_adding_up_to_100_percent_pay_exactly_the_amount(amount, cuts):
    points = sorted(set(cuts))
    shares = [D(b - a) / 100 for a, b in zip([0, *points], [*points, 100], strict=True)]
    source = Source(name="S", type="autre", public=False, amount=amount, signature=dt.date(2026, 1, 1),
                    tranches=tuple(Tranche(number=i, share=s, event=Event.SIGNATURE, delay_days=30 * i)
                                   for i, s in enumerate(shares)))
    payments, issues = schedule(source, CAL)
    assert issues == [] and sum((p.amount for p in payments), D(0)) == amount
    assert all(p.amount == p.amount.quantize(D("0.01")) for p in payments)


def test_tranches_not_adding_up_or_without_a_date_are_located_errors():
    bad = Source(name="MG", type="minimum garanti distributeur", public=False, amount=D(100_000),
                 tranches=(Tranche(share=D("0.2"), event=Event.SIGNATURE), Tranche(number=2, share=D("0.7"), event=Event.SORTIE)))
    payments, issues = schedule(bad, CAL._replace(release=None))
    codes = [i.code for i in issues]
    assert codes.count("TRE010") == 1 and codes.count("TRE011") == 2  # 90 %; no signature date, no release date
    assert "90,00\xa0%" in issues[0].message
    odd = Source(name="X", type="mécénat", public=False, amount=D(1000), signature=dt.date(2026, 4, 1))
    payments, issues = schedule(odd, CAL)
    assert [i.code for i in issues] == ["TRE012"] and payments[0].date == dt.date(2026, 4, 1)


def test_the_tax_credit_template_pays_about_a_year_after_the_shoot():
    credit = Source(name="CI", type="crédit d'impôt", public=True, amount=D(300_000))
    payments, _ = schedule(credit, CAL)
    assert month_of(payments[0].date) == dt.date(2027, 6, 1)


def test_checks_and_measures_on_a_short_plan_with_a_gap():
    from xlprod.kinds.tresorerie.checks import validate_cash_plan
    from xlprod.kinds.tresorerie.compute import measures

    sources = (
        Source(name="Apport", type="apport producteur", public=False, amount=D(150_000), signature=dt.date(2026, 1, 5)),
        Source(name="Région", type="aide régionale", public=True, amount=D(300_000), signature=dt.date(2026, 2, 1)),
        Source(name="CI", type="crédit d'impôt", public=True, amount=D(250_000)),
    )
    budget = BUDGET._replace(tax_credit=D(240_000))
    plan = CashPlan(sources=sources, calendar=CAL, budget=budget, parameters=NO_VAT)
    flow = compute_cash_flow(plan)
    codes = {i.code: i for i in validate_cash_plan(plan, flow)}
    assert "TRE001" in codes and "300 000,00" in codes["TRE001"].message.replace("\u202f", " ")  # 700 k for 1 M€
    assert "TRE003" in codes  # 550 k of public aid on a 1 M€ budget: 55 % > 50 %
    assert "TRE004" in codes and "TRE007" in codes
    assert "TRE026" in codes and "TRE020" not in codes  # short of 300 k€: no bridge loan can close it
    found = measures(flow, plan)
    assert [m.kind for m in found] == ["crédit relais", "tranche avancée", "paiements différés"]
    assert found[0].amount == flow.critical.bridge_loan and "adossé aux créances à venir" in found[0].text
    assert found[2].text.startswith("Négocier") and "du poste 8" in found[2].text


def test_a_calendar_out_of_order_is_said():
    from xlprod.kinds.tresorerie.checks import check_calendar

    bad = CAL._replace(shoot_end=dt.date(2026, 4, 1))
    plan = CashPlan(sources=(), calendar=bad, budget=BUDGET)
    assert [i.code for i in check_calendar(plan, None)] == ["TRE013"]  # type: ignore[arg-type]


def test_a_pre_sale_broadcast_before_its_media_window_is_said():
    from xlprod.kinds.tresorerie.checks import check_media_windows

    early = Source(name="Canal+", type="préachat TV payante", public=False, amount=D(500_000),
                   first_broadcast=dt.date(2027, 6, 1))  # release 10/02/2027 + 6 months = 10/08/2027
    on_time = early._replace(name="France 2", type="préachat TV gratuite",
                               first_broadcast=dt.date(2028, 12, 10))  # + 22 months: 10/12/2028
    plan = CashPlan(sources=(early, on_time), calendar=CAL, budget=BUDGET)
    found = list(check_media_windows(plan, None))  # type: ignore[arg-type]
    assert [i.code for i in found] == ["TRE014"] and "10/08/2027" in found[0].message


def test_past_months_take_the_actual_payments_and_the_rest_of_the_budget_follows_the_forecast():
    budget = BUDGET._replace(overhead=D(50_000))
    plan = CashPlan(sources=(), calendar=CAL, budget=budget, parameters=NO_VAT,
                    actuals={"2": {dt.date(2026, 3, 1): D(55_000), dt.date(2026, 4, 1): D(61_000),
                                   dt.date(2026, 5, 1): D(1)}},  # after the date given: not yet actual
                    actuals_through=dt.date(2026, 4, 30))
    flow = compute_cash_flow(plan)
    forecast = compute_cash_flow(plan._replace(actuals_through=None))
    assert flow.payments["2"][dt.date(2026, 3, 1)] == D(55_000) and flow.payments["2"][dt.date(2026, 4, 1)] == D(61_000)
    assert not [m for m in flow.payments["1"] if m <= dt.date(2026, 4, 1)]  # past months are actuals: none recorded
    assert forecast.payments["1"][dt.date(2026, 1, 1)] > 0
    # later months: what remains of each budget, spread as the forecast spread what it had left to pay
    for key in ("1", "2"):
        assert sum(flow.payments[key].values()) == sum(forecast.payments[key].values())
    late = [m for m in forecast.payments["2"] if m > dt.date(2026, 4, 1)]
    left = {m: forecast.payments["2"][m] for m in late}
    remaining = sum(forecast.payments["2"].values()) - D(116_000)
    for m in late:  # proportional, to the cent (cumulative rounding)
        assert abs(flow.payments["2"].get(m, D(0)) - remaining * left[m] / sum(left.values())) <= D("0.01")
    overhead = list(forecast.payments["frais_generaux"])  # a provision, never an entry: its forecast stays
    assert overhead and all(flow.payments["frais_generaux"][m] == forecast.payments["frais_generaux"][m] for m in overhead)


def test_an_uncovered_plan_sizes_no_bridge_loan_so_its_interest_is_not_compared_with_the_devis():
    from xlprod.kinds.tresorerie.checks import check_interest_against_devis

    short = (Source(name="Apport", type="apport producteur", public=False, amount=D(200_000),
                    signature=dt.date(2026, 1, 5)),)
    uncovered = compute_cash_flow(CashPlan(sources=short, calendar=CAL, budget=BUDGET, parameters=NO_VAT))
    assert uncovered.final_balance < 0
    assert list(check_interest_against_devis(CashPlan(sources=short, calendar=CAL, budget=BUDGET), uncovered,
                                             D(1), D(100))) == []
    covered = (*short, Source(name="Préachat", type="préachat TV payante", public=False, amount=D(800_000),
                              tranches=(Tranche(share=D(1), event=Event.LIVRAISON, delay_days=0),)))
    flow = compute_cash_flow(CashPlan(sources=covered, calendar=CAL, budget=BUDGET, parameters=NO_VAT))
    assert [i.code for i in check_interest_against_devis(CashPlan(sources=covered, calendar=CAL, budget=BUDGET),
                                                         flow, D(1), D(100))] == ["TRE021"]
