from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlprod.core.money import (
    D,
    cents_equal,
    excel_product,
    format_eur,
    format_percent,
    from_excel,
    round_cents,
    spreadsheet_round_cents,
)
from xlprod.core.numbers import parse_number


def test_rounding_is_half_away_from_zero_like_excel_round():
    assert round_cents(D("2.675")) == Decimal("2.68")
    assert round_cents(D("-2.675")) == Decimal("-2.68")
    assert round_cents(D("59209.605")) == Decimal("59209.61")


def test_excel_doubles_are_read_at_15_significant_digits():
    assert from_excel(0.1) == Decimal("0.1")
    assert from_excel(1000.335) == Decimal("1000.335")
    assert from_excel(0.1 + 0.2) == Decimal("0.3")
    assert from_excel(7) == Decimal(7)


def test_floats_are_refused_where_an_exact_amount_is_required():
    with pytest.raises(TypeError):
        D(0.1)


def test_french_display():
    assert format_eur(D("1234567.894")) == "1\u202f234\u202f567,89\u00a0€"
    assert format_eur(D("-5")) == "-5,00\u00a0€"
    assert format_percent(D("0.07")) == "7,00\u00a0%"


def test_cent_comparison_tolerates_float_noise_only():
    assert cents_equal(D("0.30"), 0.1 + 0.2)
    assert not cents_equal(D("0.30"), 0.31)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1 234,56", "1234.56"), ("1\u202f234,5 €", "1234.5"), ("1234.56", "1234.56"), ("80 %", "0.8"), ("-12,5", "-12.5"),
     ("1 234", "1234"), (3.0, "3"), ("12", "12")],
)
def test_unambiguous_numbers_typed_as_text_are_read(raw, value):
    assert parse_number(raw).value == Decimal(value)


@pytest.mark.parametrize("raw", ["1,234", "1.234", "1.234.567", "abc", True])
def test_ambiguous_or_non_numeric_text_is_refused_with_a_reason(raw):
    parsed = parse_number(raw)
    assert parsed.value is None and parsed.problem


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False))
def test_french_text_round_trips_any_amount(amount):
    text = format_eur(amount).replace("\u00a0€", "")
    assert parse_number(text).value == amount


def test_excel_product_rounds_the_product_of_the_doubles_as_a_spreadsheet_shows_it():
    assert excel_product(Decimal("92451.39"), Decimal("0.337697194168741")) == Decimal("31220.58")  # exact: …574999…
    assert excel_product(Decimal("0.05"), Decimal("1.1")) == Decimal("0.06")
    assert excel_product(Decimal("-33.33"), Decimal("1.0712")) == Decimal("-35.70")
    assert excel_product(Decimal("2.675"), Decimal(1)) == Decimal("2.68")  # a rate of 1: the amount, half up
    # the doubles' product, 6 972 694,064999995, a few units of the 16th digit below the half cent: LibreOffice's 0,07
    assert excel_product(Decimal("485578.10"), Decimal("14.3595727752137")) == Decimal("6972694.07")
    assert spreadsheet_round_cents(-2.675) == Decimal("-2.68") and spreadsheet_round_cents(0.0) == Decimal("0.00")
    # LibreOffice approximates in doubles (×10^n, round, ÷10^n), not by reading 15 decimal digits: ,01 there
    assert excel_product(Decimal("340824.90"), Decimal("0.94946116026147")) == Decimal("323600.01")
    assert excel_product(Decimal("2.14"), Decimal("31393.4602803738")) == Decimal("67182.01")
