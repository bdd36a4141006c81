"""The catalogue of works (issue 11): works and their identifiers, rights acquired and granted,
availability, producer's net receipts and rights holders' statements, checks and exchange.

Pure rules (``identifiers``, ``works``, ``rights``, ``receipts``, ``exchange``, ``ema``) beside
the workbook's layout (``layout``, ``reader``, ``builder``) and the actions that tie them
(``recalc``, ``actions``). Rules load on first use, so that every other command starts fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from xlprod.kinds.registry import Action, Kind, NewOption, on_first_use


def build_new(path: Path, options: Mapping[str, str | None]) -> int:
    from xlprod.kinds.catalogue.builder import CatalogueInputs, build_catalogue

    build_catalogue(path, CatalogueInputs(title=options.get("titre") or "Catalogue"), buttons=KIND.buttons())
    return 0


KIND = Kind(
    name="catalogue",  # layout.KIND
    title="Catalogue",
    description="œuvres, identifiants, droits et disponibilités, recettes (RNPP) et relevés des ayants droit",
    default_file="catalogue.xlsm",
    recalculate=on_first_use("xlprod.kinds.catalogue.recalc", "recalc_catalogue"),
    build_new=build_new,
    demo=on_first_use("xlprod.kinds.catalogue.demo", "demo_catalogue"),
    new_options=(NewOption("--titre", "titre", "nom du catalogue", default="Catalogue"),),
    actions=(
        Action("corriger", "Appliquer les corrections",
               "Appliquer aux Œuvres les corrections proposées dans Contrôles (espaces, casse, dates, pays, durées)",
               on_first_use("xlprod.kinds.catalogue.actions", "apply_corrections"), done="corrections appliquées"),
        Action("releves", "Exporter les relevés",
               "Écrire un CSV par ayant droit pour la période des Paramètres, à côté du classeur",
               on_first_use("xlprod.kinds.catalogue.actions", "export_statements"), done="relevés exportés"),
    ),
)
