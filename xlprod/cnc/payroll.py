"""Payroll categories: who is paid decides the employer-charge rate and where a line may sit.

Shared by every kind that handles salaries (devis, cash flow, expenses): the same words, the
same aliases for what people type.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from xlprod.core.text import fold


class PayrollCategory(StrEnum):
    """Who is paid: decides the employer-charge rate and which chapters the line may sit in."""

    TECHNICIEN = "technicien"
    CADRE = "cadre"
    REALISATEUR = "réalisateur"
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
        return (2, 3)

    @property
    def rate_key(self) -> str | None:
        keys = {
            PayrollCategory.TECHNICIEN: "taux_charges_technicien",
            PayrollCategory.CADRE: "taux_charges_cadre",
            PayrollCategory.REALISATEUR: "taux_charges_realisateur",
            PayrollCategory.ARTISTE: "taux_charges_artiste",
            PayrollCategory.FIGURANT: "taux_charges_figurant",
            PayrollCategory.PERMANENT: "taux_charges_permanent",
            PayrollCategory.AUTEUR: "taux_charges_auteur",
        }
        return keys.get(self)


CHARGED_CATEGORIES = tuple(c for c in PayrollCategory if c.charged_chapters)


_ALIASES = {
    "techniciens": PayrollCategory.TECHNICIEN, "tech": PayrollCategory.TECHNICIEN,
    "intermittent": PayrollCategory.TECHNICIEN, "cadres": PayrollCategory.CADRE,
    "artiste": PayrollCategory.ARTISTE, "artistes": PayrollCategory.ARTISTE, "comedien": PayrollCategory.ARTISTE,
    "comedienne": PayrollCategory.ARTISTE, "acteur": PayrollCategory.ARTISTE, "actrice": PayrollCategory.ARTISTE,
    "figurants": PayrollCategory.FIGURANT, "figuration": PayrollCategory.FIGURANT,
    "cdi": PayrollCategory.PERMANENT, "permanents": PayrollCategory.PERMANENT,
    "auteurs": PayrollCategory.AUTEUR, "hors paie": PayrollCategory.NON_SALARIE,
    "prestataire": PayrollCategory.NON_SALARIE, "non salarie": PayrollCategory.NON_SALARIE,
}
CATEGORY_ALIASES: dict[str, PayrollCategory] = {fold(c.value): c for c in PayrollCategory} | _ALIASES


@cache
def lookup_category(text: str) -> PayrollCategory | None:
    """The category meant by what was typed (case, accents, plurals and common words forgiven)."""
    return CATEGORY_ALIASES.get(fold(text))
