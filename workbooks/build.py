"""Regenerate the committed workbooks: the empty templates and the sample production.

    python workbooks/build.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from xlprod.kinds.catalogue import KIND as CATALOGUE
from xlprod.kinds.catalogue.builder import CatalogueInputs, build_catalogue
from xlprod.kinds.catalogue.demo import demo_inputs
from xlprod.kinds.depenses import KIND as DEPENSES
from xlprod.kinds.depenses.builder import DepensesInputs, build_depenses
from xlprod.kinds.depenses.demo import build_sample as build_depenses_sample
from xlprod.kinds.devis import KIND as DEVIS
from xlprod.kinds.devis.builder import build_devis, catalogue_rows
from xlprod.kinds.devis.demo import build_sample
from xlprod.kinds.tresorerie import KIND as TRESO
from xlprod.kinds.tresorerie.builder import TresoInputs, build_tresorerie
from xlprod.kinds.tresorerie.demo import build_sample as build_treso_sample
from xlprod.services import recalculate
from xlprod.workbook.xlsx_file import XlsxFile

HERE = Path(__file__).parent
STAMP = dt.datetime(2026, 11, 28, 12, 0)


def _recalc(path: Path) -> None:
    book = XlsxFile(path)
    recalculate(book, now=STAMP)
    book.save()


def main() -> None:
    written = []
    for suffix in (".xlsx", ".xlsm"):  # without macros, and with the « Recalculer » buttons
        template = HERE / f"devis-modele{suffix}"
        build_devis(template, catalogue_rows(), title="Titre de l'œuvre", buttons=DEVIS.buttons())
        _recalc(template)
        written.append(template)
    for suffix in (".xlsx", ".xlsm"):
        template = HERE / f"tresorerie-modele{suffix}"
        build_tresorerie(template, TresoInputs(title="Titre de l'œuvre", devis="devis.xlsx"), buttons=TRESO.buttons())
        _recalc(template)  # a new plan: the calendar and the sources to fill, said in Contrôles
        written.append(template)
    for suffix in (".xlsx", ".xlsm"):
        template = HERE / f"depenses-modele{suffix}"
        build_depenses(template, DepensesInputs(title="Titre de l'œuvre", devis="devis.xlsx"), buttons=DEPENSES.buttons())
        _recalc(template)  # no version yet: said in Contrôles
        written.append(template)
    for suffix in (".xlsx", ".xlsm"):
        template = HERE / f"catalogue-modele{suffix}"
        build_catalogue(template, CatalogueInputs(title="Mon catalogue"), buttons=CATALOGUE.buttons())
        _recalc(template)
        written.append(template)
    build_catalogue(HERE / "exemple" / "catalogue-exemple.xlsx", demo_inputs())
    _recalc(HERE / "exemple" / "catalogue-exemple.xlsx")
    devis = build_sample(HERE / "exemple")
    _recalc(devis)
    _recalc(build_treso_sample(HERE / "exemple", devis))
    _recalc(build_depenses_sample(HERE / "exemple")[0])
    print(f"written: {', '.join(map(str, written))}, {HERE / 'exemple'}")


if __name__ == "__main__":
    main()
