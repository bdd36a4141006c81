"""The devis' default parameters (rates, thresholds), a dated and sourced data file."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from xlprod.cnc.reference import read_json


class ParameterSpec(BaseModel):
    """One default parameter: its key in the Paramètres table and the Excel name of its cell."""

    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    label: str
    value: str
    unit: str
    source: str
    since: str = ""  # edition that added it: a workbook made before gets its row without a warning
    components: str = ""  # a rate that is the sum of a population's column of the ChargesPatronales table
    optional: bool = False  # may be left blank (its value is then None)
    minimum: Decimal = Decimal(0)  # a rate below it is refused (an interest rate may be negative)

    @property
    def default(self) -> Decimal | None:
        return Decimal(self.value) if self.value else None

    @property
    def default_float(self) -> float | str:
        """As written in a cell: a number, or blank."""
        return float(self.value) if self.value else ""

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"


@cache
def parameters_data() -> dict[str, Any]:
    return read_json("parametres-devis.json")


@cache
def default_parameters() -> tuple[ParameterSpec, ...]:
    return tuple(ParameterSpec(**p) for p in parameters_data()["parameters"])


def default_values() -> dict[str, Decimal | None]:
    """Parameter key -> its packaged default (None: blank)."""
    return {p.key: p.default for p in default_parameters()}


def parameters_edition() -> str:
    edition: str = parameters_data()["edition"]
    return edition


def new_parameter_names() -> frozenset[str]:
    """Names of the parameters added after the first workbooks were made."""
    return frozenset(p.name for p in default_parameters() if p.since)
