"""Minimum weekly salaries of the convention collective (IDCC 3097), by function: dated data with
its source (``minima-techniciens.json``), and the function a devis line's label names."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from xlprod.cnc.reference import read_json
from xlprod.core.text import fold


class WageMinimum(BaseModel):
    model_config = ConfigDict(frozen=True)

    function: str
    weekly: Decimal
    pattern: str


@cache
def wages_data() -> dict[str, Any]:
    return read_json("minima-techniciens.json")


@cache
def _minimums() -> tuple[tuple[re.Pattern[str], WageMinimum], ...]:
    return tuple((re.compile(f["pattern"]), WageMinimum(**f)) for f in wages_data()["functions"])


@cache
def minimum_for(label: str) -> WageMinimum | None:
    """The minimum of the function a label names (« Chef décoratrice — tournage »), the most
    specific first; None when no function of the grid is recognised."""
    text = fold(label)
    return next((m for pattern, m in _minimums() if pattern.search(text)), None)


def not_bound_below() -> Decimal:
    """Films whose budget is at most this amount are not bound by the grids."""
    return Decimal(wages_data()["not_bound_below"])
