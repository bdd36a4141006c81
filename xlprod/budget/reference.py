"""Reference data shipped with xlprod: CNC chapters, default parameters, account catalogue.

Packaged data files, read once; each carries its edition date and sources so that a rate
change is a data change, not a code change.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict


def _read(name: str) -> str:
    return resources.files("xlprod.data").joinpath(name).read_text(encoding="utf-8")


class ParameterSpec(BaseModel):
    """One default parameter: its key in the Paramètres table and the Excel name of its cell."""

    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    label: str
    value: str
    unit: str
    source: str


class AccountSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    label: str
    unit: str
    category: str
    tag: str


@cache
def chapters_data() -> dict[str, Any]:
    return json.loads(_read("postes-cnc.json"))


FORM_VERSIONS = ("2018", "classique")
DEFAULT_FORM_VERSION = "2018"


def chapter_label(number: int, form_version: str) -> str:
    version = form_version if form_version in FORM_VERSIONS else DEFAULT_FORM_VERSION
    return chapters_data()["chapters"][number - 1][version]


def sub_chapter_labels() -> dict[str, str]:
    """Sub-chapter code -> label, for every sub-chapter of the CNC nomenclature."""
    return chapters_data()["sub_chapters"]


def social_charge_sub_chapters() -> frozenset[str]:
    return frozenset(chapters_data()["social_charge_sub_chapters"])


@cache
def parameters_data() -> dict[str, Any]:
    return json.loads(_read("parametres-devis.json"))


@cache
def default_parameters() -> tuple[ParameterSpec, ...]:
    return tuple(ParameterSpec(**p) for p in parameters_data()["parameters"])


def parameters_edition() -> str:
    return parameters_data()["edition"]


@cache
def account_catalogue() -> tuple[AccountSpec, ...]:
    rows = csv.DictReader(io.StringIO(_read("comptes-devis.csv")))
    return tuple(
        AccountSpec(
            account=r["compte"],
            label=r["libelle"],
            unit=r["unite"],
            category=r["categorie"],
            tag=r["repere"],
        )
        for r in rows
    )
