"""The cinema tax credit's reference data (CGI art. 220 sexies): which sub-chapters hold eligible
spend by default, and the barème of the director's pay. Data, dated and sourced, in
``credit-impot.json``; the devis, the cash-flow forecast and the cost report share it.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from xlprod.cnc.reference import read_json
from xlprod.core.money import ZERO, round_cents


@cache
def tax_credit_data() -> dict[str, Any]:
    return read_json("credit-impot.json")


@cache
def eligible_sub_chapters() -> frozenset[str]:
    """Sub-chapter codes whose lines count in the base unless the line says otherwise."""
    return frozenset(code for code, entry in tax_credit_data()["sub_chapters"].items() if entry["eligible"])


@cache
def _bands() -> tuple[tuple[Decimal, Decimal, Decimal], ...]:
    return tuple((Decimal(lo), Decimal(hi), Decimal(rate)) for lo, hi, rate in tax_credit_data()["director_scale"]["bands"])


def director_scale_cap(film_cost: Decimal) -> Decimal:
    """The most of the director's pay the base retains, for a film of this cost."""
    total = ZERO
    for low, high, rate in _bands():
        total += rate * max(ZERO, min(film_cost, high) - low)
    return round_cents(total)


def director_scale_formula(cost: str) -> str:
    """The same barème as a spreadsheet formula over the cell or name ``cost``."""
    terms = []
    for low, high, rate in _bands():
        part = f"MIN({cost},{high})" if not low else f"MAX(0,MIN({cost},{high})-{low})"
        terms.append(f"{(rate * 100).normalize():f}%*{part}")
    return f"ROUND({'+'.join(terms)},2)"
