"""Payroll categories: who is paid decides the employer-charge rate and where a line may sit.

Shared by every kind that handles salaries (devis, cash flow, expenses): the same words, the
same aliases for what people type.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from xlprod.core.text import fold


class PayrollCategory(StrEnum):
    """Who is paid: decides the employer-charge rate and which chapters the line may sit in."""

    TECHNICIEN = "technicien"
    CADRE = "cadre"
    REALISATEUR = "réalisateur"
    OUVRIER = "ouvrier"
    STAGIAIRE = "stagiaire"
    ARTISTE = "artiste-interprète"
    FIGURANT = "figurant"
    PERMANENT = "permanent"
    AUTEUR = "auteur"
    NON_SALARIE = "non salarié"

    @property
    def charged_chapters(self) -> tuple[int, ...]:
        """Chapters whose lines of this category generate chapter-4 charges.

        Salaries sit in chapters 2 (personnel) and 3 (artists); the producer's contribution on
        authors' rights applies to chapter 1; fees that are not salaries generate none.
        """
        if self is PayrollCategory.AUTEUR:
            return (1,)
        if self is PayrollCategory.NON_SALARIE:
            return ()
        if self is PayrollCategory.STAGIAIRE:  # an intern is crew, never cast
            return (2,)
        return (2, 3)

    @property
    def rate_key(self) -> str | None:
        keys = {
            PayrollCategory.TECHNICIEN: "taux_charges_technicien",
            PayrollCategory.CADRE: "taux_charges_cadre",
            PayrollCategory.REALISATEUR: "taux_charges_realisateur",
            PayrollCategory.OUVRIER: "taux_charges_ouvrier",
            PayrollCategory.STAGIAIRE: "taux_charges_stagiaire",
            PayrollCategory.ARTISTE: "taux_charges_artiste",
            PayrollCategory.FIGURANT: "taux_charges_figurant",
            PayrollCategory.PERMANENT: "taux_charges_permanent",
            PayrollCategory.AUTEUR: "taux_charges_auteur",
        }
        return keys.get(self)


CHARGED_CATEGORIES = tuple(c for c in PayrollCategory if c.charged_chapters)

# Hours a unit of an intern's line stands for: the gratification is free of charges up to the
# legal minimum per hour of presence (35 h a week; 151.67 h a month). Other units: no franchise known.
INTERN_HOURS = {"heure": Decimal(1), "jour": Decimal(7), "semaine": Decimal(35), "mois": Decimal("151.67")}


_ALIASES = {
    "techniciens": PayrollCategory.TECHNICIEN, "tech": PayrollCategory.TECHNICIEN,
    "intermittent": PayrollCategory.TECHNICIEN, "cadres": PayrollCategory.CADRE,
    "artiste": PayrollCategory.ARTISTE, "artistes": PayrollCategory.ARTISTE, "comedien": PayrollCategory.ARTISTE,
    "comedienne": PayrollCategory.ARTISTE, "acteur": PayrollCategory.ARTISTE, "actrice": PayrollCategory.ARTISTE,
    "figurants": PayrollCategory.FIGURANT, "figuration": PayrollCategory.FIGURANT,
    "cdi": PayrollCategory.PERMANENT, "permanents": PayrollCategory.PERMANENT,
    "ouvriers": PayrollCategory.OUVRIER, "stagiaires": PayrollCategory.STAGIAIRE, "stage": PayrollCategory.STAGIAIRE,
    "auteurs": PayrollCategory.AUTEUR, "hors paie": PayrollCategory.NON_SALARIE,
    "prestataire": PayrollCategory.NON_SALARIE, "non salarie": PayrollCategory.NON_SALARIE,
}
CATEGORY_ALIASES: dict[str, PayrollCategory] = {fold(c.value): c for c in PayrollCategory} | _ALIASES


@cache
def lookup_category(text: str) -> PayrollCategory | None:
    """The category meant by what was typed (case, accents, plurals and common words forgiven)."""
    return CATEGORY_ALIASES.get(fold(text))


class ChargeComponent(BaseModel):
    """One employer contribution and its rate for each population, with its source."""

    model_config = ConfigDict(frozen=True)

    label: str
    rates: dict[str, Decimal]
    source: str


@cache
def charge_components() -> tuple[ChargeComponent, ...]:
    """The component table of employer rates (``charges-patronales.json``)."""
    return tuple(ChargeComponent(**c) for c in _components_data()["components"])


@cache
def component_populations() -> dict[str, str]:
    """Population key (a category's value) -> its column header in the ChargesPatronales table."""
    populations: dict[str, str] = _components_data()["populations"]
    return populations


def component_total(population: str) -> Decimal:
    return sum((c.rates[population] for c in charge_components()), Decimal(0))


@cache
def _components_data() -> dict[str, Any]:
    from xlprod.cnc.reference import read_json

    return read_json("charges-patronales.json")
