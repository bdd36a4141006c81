"""Exact money for xlprod.

Amounts are ``Decimal`` everywhere in the core. Excel computes in binary doubles, so values
crossing the Excel boundary go through :func:`from_excel` (read) and :func:`to_excel` (write)
and nowhere else. Rounding to the cent uses Excel's ``ROUND`` rule (half away from zero), never
Python's default banker's rounding, so that a Python total and the workbook's own formulas agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


def D(value: str | int | Decimal) -> Decimal:
    """Build a Decimal from text, an int or a Decimal; floats are refused on purpose."""
    if isinstance(value, float):
        raise TypeError(
            "float received where an exact amount is required: convert Excel doubles with "
            "xlprod.core.money.from_excel()"
        )
    return value if isinstance(value, Decimal) else Decimal(value)


def from_excel(value: float | int) -> Decimal:
    """Convert an Excel double to Decimal the way Excel sees it: 15 significant digits.

    ``Decimal(0.1)`` would keep the binary expansion (0.1000000000000000055...); Excel stores and
    rounds the 15-significant-digit value, so we do the same.
    """
    if isinstance(value, bool):
        raise TypeError("boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    return from_double(value)


@lru_cache(maxsize=8192)
def from_double(value: float) -> Decimal:
    """``from_excel`` for a value known to be a ``float``, for readers converting whole columns.

    Cached: a devis repeats the same quantities and rates on thousands of lines.
    """
    try:
        result = Decimal(format(value, ".15g"))
    except InvalidOperation as exc:  # pragma: no cover - format() of a float is always valid
        raise ValueError(f"not a number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def to_excel(value: Decimal) -> float:
    """The single point where an exact amount becomes an Excel double (cell writes only)."""
    return float(value)


def to_excel_all(values: Iterable[Decimal]) -> list[float]:
    """``to_excel`` over a whole column, without a Python call per cell."""
    return list(map(float, values))


def excel_product(a: Decimal, b: Decimal) -> Decimal:
    """``ROUND(a * b, 2)`` as a spreadsheet computes it from two cells: the product of their doubles,
    rounded as LibreOffice's ``ROUND`` does (``spreadsheet_round_cents``). The exact product of a long
    rate can sit just below a half cent that the doubles' product reaches (92 451,39 ×
    0,337697194168741: 31 220,574999… exactly, 31 220,575 in doubles, 31 220,58 shown)."""
    if b == ONE:
        return round_cents(a)
    return spreadsheet_round_cents(float(a) * float(b))


def spreadsheet_round_cents(value: float) -> Decimal:
    """``ROUND(value, 2)`` of a double as LibreOffice computes it (``rtl::math::round``, corrected mode):
    the magnitude times 100 in doubles, plus 0.5, approximated as ``_approx_value`` does, floored, the sign
    put back. A product a few units of the 16th digit below a half cent is a half cent there
    (485 578,10 × 14,3595727752137 = 6 972 694,064999995: 6 972 694,07)."""
    if value == 0 or not math.isfinite(value):
        return ZERO.quantize(CENT) if value == 0 else Decimal(value)
    size = abs(value)
    if size >= 2.0**52 or size.is_integer():  # no decimals to round: the value itself
        rounded = Decimal(size).quantize(CENT)
    else:
        rounded = Decimal(math.floor(_approx_value(size * 100.0 + 0.5))).scaleb(-2).quantize(CENT)
    return -rounded if value < 0 else rounded


def _approx_value(value: float) -> float:
    """A positive double as LibreOffice approximates it before flooring (``rtl::math::approxValue``): left
    as it is above 2^41, when whole, or with 11 bits of fraction or fewer; else scaled by a power of ten to
    15 significant digits, rounded half away from zero, and scaled back, all in doubles."""
    if value > 2.0**41 or value.is_integer() or _fraction_bits(value) <= 11:
        return value
    exponent = 14 - math.floor(math.log10(value))
    factor = 10.0 ** abs(exponent)
    scaled = value / factor if exponent < 0 else value * factor
    scaled = math.floor(scaled + 0.5)  # C's round() of a positive number
    return scaled * factor if exponent < 0 else scaled / factor


def _fraction_bits(value: float) -> int:
    """How many bits of a positive double's mantissa lie after its binary point."""
    mantissa, exponent = math.frexp(value)  # value = mantissa × 2^exponent, 0.5 <= mantissa < 1
    bits = int(mantissa * 2**53)
    return max(53 - exponent - ((bits & -bits).bit_length() - 1), 0)  # less the mantissa's trailing zero bits


def round_cents(value: Decimal) -> Decimal:
    """Round to the cent, half away from zero, like Excel's ``ROUND(x, 2)``."""
    return value.quantize(CENT, ROUND_HALF_UP)  # positional: a third faster, on every line


def cents_equal(a: Decimal | float, b: Decimal | float) -> bool:
    """Compare two amounts to the cent; floats (spreadsheet results) are rounded first."""
    da = round_cents(from_excel(a) if isinstance(a, float) else a)
    db = round_cents(from_excel(b) if isinstance(b, float) else b)
    return da == db


def format_eur(value: Decimal) -> str:
    """French display of an amount: ``1 234 567,89 €`` (narrow no-break space as thousands separator)."""
    quantized = round_cents(value)
    sign = "-" if quantized < 0 else ""
    whole, _, frac = f"{abs(quantized):.2f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{NARROW_NBSP.join(groups)},{frac}{NBSP}€"


def french_number(value: Decimal) -> str:
    """A plain number the French way, without trailing zeros: ``1234,5``."""
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")
    return text.replace(".", ",")


def format_percent(ratio: Decimal, places: int = 2) -> str:
    """French display of a ratio: ``7,00 %``."""
    pct = (ratio * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{pct}".replace(".", ",") + NBSP + "%"
