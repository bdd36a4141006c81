"""Button and ribbon actions for Excel (open-source xlwings ``RunPython``).

Each action is a thin wrapper over ``xlprod.services``: the very functions the CLI runs.
A form button in a workbook can call::

    RunPython "import xlprod_macros; xlprod_macros.recalculer()"

The ribbon add-in built by ``xlprod excel-addin`` calls ``xlprod.main()``, which does the same.
"""

from __future__ import annotations

import xlwings as xw

from xlprod.workbook.excel import ExcelBook, recalculer_classeur_actif


def recalculer() -> None:
    """« Recalculer » on the workbook that holds the button (any xlprod kind)."""
    from xlprod.services import recalculate

    report = recalculate(ExcelBook(xw.Book.caller()))
    xw.Book.caller().app.status_bar = f"xlprod : {report.errors} erreur(s), {report.warnings} avertissement(s)"


def recalculer_actif() -> None:
    """« Recalculer » on the active workbook (ribbon)."""
    recalculer_classeur_actif()
