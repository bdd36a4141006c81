"""Excel user-defined functions (open-source xlwings, Windows): thin wrappers over the core.

Import this module in the xlwings add-in's « UDF Modules » setting (``xlprod_udfs``), then use
in a cell, e.g. ``=XLPROD_CHARGES(3000; "technicien")``. Bad input returns ``#XLPROD: message``
rather than a Python traceback.
"""

from __future__ import annotations

from decimal import Decimal

import xlwings as xw

from xlprod.kinds.devis.compute import employer_charges, france_share, rollup_by_chapter
from xlprod.kinds.devis.model import PayrollCategory
from xlprod.kinds.devis.parameters import default_parameters
from xlprod.core.money import from_excel, to_excel
from xlprod.kinds.devis.reader import CATEGORY_ALIASES, fold


def _rate(category: str) -> Decimal:
    cat = CATEGORY_ALIASES.get(fold(str(category)))
    if cat is None or cat.rate_key is None:
        if cat is PayrollCategory.NON_SALARIE:
            return Decimal(0)
        raise ValueError(f"catégorie « {category} » inconnue")
    return next(Decimal(p.value) for p in default_parameters() if p.key == cat.rate_key)


@xw.func
@xw.arg("brut", numbers=float)
def XLPROD_CHARGES(brut: float, categorie: str, taux: float | None = None) -> float | str:
    """Charges patronales sur un salaire brut pour une catégorie de paie (taux par défaut ou imposé)."""
    try:
        rate = from_excel(taux) if taux is not None else _rate(categorie)
        return to_excel(employer_charges(from_excel(brut), rate))
    except (ValueError, TypeError) as exc:
        return f"#XLPROD: {exc}"


@xw.func
@xw.arg("comptes", ndim=1)
@xw.arg("montants", ndim=1)
@xw.ret(transpose=True)
def XLPROD_POSTES(comptes: list, montants: list) -> list[float] | str:
    """Totaux des postes 1 à 9 d'une plage de comptes et de montants (9 cellules, en colonne)."""
    try:
        pairs = [(str(int(c)) if isinstance(c, float) and c.is_integer() else str(c or "").strip(),
                  from_excel(m or 0.0)) for c, m in zip(comptes, montants, strict=True)]
    except (ValueError, TypeError) as exc:
        return f"#XLPROD: {exc}"
    return [to_excel(v) for v in rollup_by_chapter(pairs).values()]


@xw.func
@xw.arg("montants", ndim=1)
@xw.arg("parts", ndim=1)
def XLPROD_PART_FRANCE(montants: list, parts: list) -> float | str:
    """Part des dépenses faites en France (une part vide vaut 100 %)."""
    try:
        amounts = [from_excel(m or 0.0) for m in montants]
        shares = [None if p in (None, "") else from_excel(p) for p in parts]
        return to_excel(france_share(amounts, shares))
    except (ValueError, TypeError) as exc:
        return f"#XLPROD: {exc}"
