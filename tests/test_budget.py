"""The devis arithmetic and checks, on hand-computed examples and generated budgets."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xlprod.cnc.payroll import PayrollCategory
from xlprod.core.money import ZERO, round_cents
from xlprod.kinds.devis.checks import validate_budget
from xlprod.kinds.devis.compute import compute_budget, france_share, rollup_by_chapter
from xlprod.kinds.devis.model import Budget, BudgetLine, BudgetParameters, Tag, Unit

RATES = {PayrollCategory.TECHNICIEN: Decimal("0.62"), PayrollCategory.ARTISTE: Decimal("0.50"),
         PayrollCategory.AUTEUR: Decimal("0.011"), PayrollCategory.CADRE: Decimal("0.64")}
PARAMS = BudgetParameters(employer_rates=RATES)


def line(row, account, q, n, rate, **kw):
    return BudgetLine(row=row, account=account, label=f"ligne {row}", quantity=Decimal(q), number=Decimal(n),
                      unit_rate=Decimal(rate), **kw)


def budget(*lines, params=PARAMS):
    return Budget(lines=tuple(lines), parameters=params)


def test_hand_computed_devis():
    b = budget(
        line(6, "121", 1, 1, "20000", category=PayrollCategory.AUTEUR),
        line(7, "241", 7, 1, "3000", category=PayrollCategory.CADRE),
        line(8, "246", 7, 2, "1600.50", category=PayrollCategory.TECHNICIEN, france_share=Decimal("0.5")),
        line(9, "311", 20, 1, "1200", category=PayrollCategory.ARTISTE, unit=Unit.CACHET, tags=frozenset({Tag.INCLUSION})),
        line(10, "4701", 1, 1, "1000"),
        line(11, "711", 7, 1, "4800", tags=frozenset({Tag.ECOPRODUCTION})),
    )
    r = compute_budget(b)
    assert r.chapter(1).amount == Decimal("20000")
    assert r.chapter(2).amount == Decimal("21000") + Decimal("22407.00")
    charges = {c.category: c.charges for c in r.charges}
    assert charges[PayrollCategory.AUTEUR] == Decimal("220.00")
    assert charges[PayrollCategory.CADRE] == Decimal("13440.00")
    assert charges[PayrollCategory.TECHNICIEN] == Decimal("13892.34")  # 22407 × 0.62
    assert charges[PayrollCategory.ARTISTE] == Decimal("12000.00")
    assert r.chapter(4).amount == Decimal("1000") + Decimal("220") + Decimal("13440") + Decimal("13892.34") + Decimal("12000")
    assert r.subtotal == Decimal("20000") + Decimal("43407") + Decimal("24000") + Decimal("40552.34") + Decimal("33600")
    assert r.overhead == round_cents(r.subtotal * Decimal("0.07"))
    assert r.contingency == round_cents(r.subtotal * Decimal("0.05"))
    assert r.total == r.subtotal + r.overhead + r.contingency
    # half of the electricians abroad, and their charges with them
    assert r.chapter(2).france_amount == Decimal("21000") + Decimal("11203.50")
    assert r.tag_totals[Tag.ECOPRODUCTION] == Decimal("33600")
    assert r.tag_totals[Tag.INCLUSION] == Decimal("24000")
    assert validate_budget(b, r) == []


def codes(issues):
    return sorted(i.code for i in issues)


def test_each_rule_reports_the_exact_cell():
    b = budget(
        line(6, "", 1, 1, "100"),  # no account
        line(7, "X12", 1, 1, "100"),  # unknown chapter
        line(8, "241", -1, 1, "100", category=PayrollCategory.CADRE),  # negative quantity
        line(9, "242", 1, 1, "100"),  # salary without category
        line(10, "411", 1, 1, "500"),  # social charges typed by hand
        line(11, "242", 1, 1, "100", category=PayrollCategory.TECHNICIEN, france_share=Decimal("80")),
        line(12, "711", 1, 1, "100", category=PayrollCategory.TECHNICIEN),  # category outside 2-3
    )
    b = b.model_copy(update={"table": b.table.model_copy(update={"book": "devis.xlsx", "columns": {
        "account": "A", "quantity": "D", "unit_rate": "G", "category": "I", "france_share": "J"}})})
    issues = validate_budget(b, compute_budget(b))
    where = {(i.code, str(i.location)) for i in issues}
    assert ("DEV001", "devis.xlsx!Devis!A6") in where
    assert ("DEV002", "devis.xlsx!Devis!A7") in where
    assert ("DEV013", "devis.xlsx!Devis!D8") in where
    assert ("DEV020", "devis.xlsx!Devis!I9") in where
    assert ("DEV032", "devis.xlsx!Devis!G10") in where
    assert ("DEV024", "devis.xlsx!Devis!J11") in where
    assert ("DEV022", "devis.xlsx!Devis!I12") in where
    assert ("DEV004", "devis.xlsx!Devis!A11") in where  # 242 twice


def test_overhead_and_contingency_above_threshold_warn_on_the_parameter_cell():
    params = PARAMS.model_copy(update={"overhead_rate": Decimal("0.10"), "contingency_rate": Decimal("0.12")})
    b = budget(line(6, "711", 1, 1, "1000"), params=params)
    r = compute_budget(b)
    # above the usual threshold (DEV030), and above the protocol's 7 % cap (DEV036)
    assert codes(validate_budget(b, r)) == ["DEV030", "DEV031", "DEV036"]
    assert r.overhead == Decimal("100.00") and r.contingency == Decimal("120.00")


def test_low_technician_rate_warns():
    params = PARAMS.model_copy(update={"employer_rates": {**RATES, PayrollCategory.TECHNICIEN: Decimal("0.30")}})
    b = budget(line(6, "711", 1, 1, "1000"), params=params)
    assert codes(validate_budget(b, compute_budget(b))) == ["DEV033"]


accounts = st.sampled_from(["111", "241", "246", "311", "341", "471", "521", "711", "841", "911", "", "0A"])
categories = st.sampled_from([None, *PayrollCategory])
amounts = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False)
shares = st.decimals(min_value=0, max_value=1, places=2, allow_nan=False)
lines_st = st.lists(
    st.builds(lambda a, q, n, r, c, s, i: BudgetLine(row=6 + i, account=a, quantity=q, number=n, unit_rate=r,
                                                      category=c, france_share=s),
              accounts, st.decimals(0, 50, places=1, allow_nan=False), st.integers(0, 5).map(Decimal), amounts,
              categories, shares, st.integers(0, 1000)),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(lines_st)
def test_rollups_are_consistent(lines):
    r = compute_budget(budget(*lines))
    assert r.subtotal == sum((c.amount for c in r.chapters), ZERO)
    assert r.total == r.subtotal + r.overhead + r.contingency
    assert r.france_total <= r.subtotal
    assert sum(r.line_amounts, ZERO) + r.computed_charges == r.subtotal + sum(
        (a for ln, a in zip(lines, r.line_amounts, strict=True) if ln.chapter is None), ZERO)
    for c in r.charges:
        assert c.charges == round_cents(c.gross * c.rate)


@settings(max_examples=80, deadline=None)
@given(lines_st, st.randoms())
def test_totals_do_not_depend_on_line_order(lines, rnd):
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    a, b = compute_budget(budget(*lines)), compute_budget(budget(*shuffled))
    assert (a.chapters, a.total, a.france_total, a.tag_totals) == (b.chapters, b.total, b.france_total, b.tag_totals)


def test_udf_helpers():
    totals = rollup_by_chapter([("241", Decimal(10)), ("2", Decimal(5)), ("x", Decimal(99)), ("911", Decimal(1))])
    assert totals[2] == Decimal(15) and totals[9] == Decimal(1) and sum(totals.values()) == Decimal(16)
    assert france_share([Decimal(100), Decimal(100)], [None, Decimal("0.5")]) == Decimal("0.75")


def test_sub_chapters_are_checked_against_the_official_form_only():
    from xlprod.cnc.reference import official_label, sub_chapter_labels

    b = budget(line(6, "771", 1, 1, "100"), line(7, "481", 1, 1, "100"), line(8, "951", 1, 1, "100"),
               line(9, "241", 1, 1, "100", category=PayrollCategory.TECHNICIEN), line(10, "861", 1, 1, "100"),
               line(11, "2201", 1, 1, "100", category=PayrollCategory.TECHNICIEN), line(12, "7", 1, 1, "100"))
    issues = [i for i in validate_budget(b, compute_budget(b)) if i.code == "DEV003"]
    # 77, 48, 95: outside 71-76, 41-47, 91-94; and a chapter alone, without its sub-chapter
    assert [i.location.cell for i in issues] == ["A6", "A7", "A8", "A12"]
    assert "71 à 76" in issues[0].message
    # labels: the sources' own where they quote one, xlprod's marked as such elsewhere
    assert official_label("21") == "Producteurs" and sub_chapter_labels()["21"] == "Producteurs"
    assert official_label("24") is None and sub_chapter_labels()["24"].endswith("(libellé xlprod)")
