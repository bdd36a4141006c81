"""The devis' default parameters (rates, thresholds), a dated and sourced data file."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from xlprod.cnc.reference import read_data


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

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"


@cache
def parameters_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(read_data("parametres-devis.json"))
    return data


@cache
def default_parameters() -> tuple[ParameterSpec, ...]:
    return tuple(ParameterSpec(**p) for p in parameters_data()["parameters"])


def parameters_edition() -> str:
    edition: str = parameters_data()["edition"]
    return edition


def new_parameter_names() -> frozenset[str]:
    """Names of the parameters added after the first workbooks were made."""
    return frozenset(p.name for p in default_parameters() if p.since)
