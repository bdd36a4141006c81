"""Regenerate the committed workbooks: the empty devis template and the sample production.

    python workbooks/build.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from xlprod.kinds.devis import KIND as DEVIS
from xlprod.kinds.devis.builder import build_devis, catalogue_rows
from xlprod.kinds.devis.demo import build_sample
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
    _recalc(build_sample(HERE / "exemple"))
    print(f"written: {', '.join(map(str, written))}, {HERE / 'exemple'}")


if __name__ == "__main__":
    main()
