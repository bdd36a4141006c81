"""The catalogue of works (issue 11): works and their identifiers, rights acquired and granted,
availability, producer's net receipts and rights holders' statements, checks and exchange.

Pure rules (``identifiers``, ``works``, ``rights``, ``receipts``, ``exchange``, ``ema``) beside
the workbook's layout (``layout``, ``reader``, ``builder``) and the actions that tie them
(``recalc``, ``actions``). Rules load on first use, so that every other command starts fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from xlprod.kinds.registry import Action, DemoPart, Kind, NewOption, Report
from xlprod.workbook.port import WorkbookPort


def recalc_catalogue(book: WorkbookPort, now: dt.datetime) -> Report:
    from xlprod.kinds.catalogue.recalc import recalc_catalogue as run

    return run(book, now)


def apply_corrections(book: WorkbookPort, now: dt.datetime) -> Report:
    """« Appliquer les corrections »: the normalisations listed in Contrôles, then a recalculation."""
    from xlprod.kinds.catalogue.actions import apply_corrections as run

    return run(book, now)


def export_statements(book: WorkbookPort, now: dt.datetime) -> Report:
    """« Exporter les relevés »: one CSV per rights holder, beside the workbook."""
    from xlprod.kinds.catalogue.actions import export_statements as run

    return run(book, now)


def build_new(path: Path, options: Mapping[str, str | None]) -> int:
    from xlprod.kinds.catalogue.builder import CatalogueInputs, build_catalogue

    build_catalogue(path, CatalogueInputs(title=options.get("titre") or "Catalogue"), buttons=KIND.buttons())
    return 0


def demo(out_dir: Path) -> DemoPart:
    from xlprod.kinds.catalogue.demo import demo_catalogue

    return demo_catalogue(out_dir)


KIND = Kind(
    name="catalogue",  # layout.KIND
    title="Catalogue",
    description="œuvres, identifiants, droits et disponibilités, recettes (RNPP) et relevés des ayants droit",
    default_file="catalogue.xlsm",
    recalculate=recalc_catalogue,
    build_new=build_new,
    demo=demo,
    new_options=(NewOption("--titre", "titre", "nom du catalogue", default="Catalogue"),),
    actions=(
        Action("corriger", "Appliquer les corrections",
               "Appliquer aux Œuvres les corrections proposées dans Contrôles (espaces, casse, dates, pays, durées)",
               apply_corrections),
        Action("releves", "Exporter les relevés",
               "Écrire un CSV par ayant droit pour la période des Paramètres, à côté du classeur", export_statements),
    ),
)
