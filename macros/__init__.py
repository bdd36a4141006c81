"""Button and ribbon actions for Excel (open-source xlwings ``RunPython``), installed as the
module ``xlprod_macros``.

Each is a thin wrapper over ``xlprod.excel_ui.run_in_excel``, which runs the very functions the
CLI runs. The buttons of a workbook built by ``xlprod new`` call::

    RunPython "import xlprod_macros; xlprod_macros.run('recalculer')"

and the ribbon of the add-in built by ``xlprod excel-setup`` calls ``run_on_active(tag)``.
"""

from __future__ import annotations

import xlwings as xw

from xlprod.excel_ui import run_in_excel


def run(action: str = "recalculer") -> None:
    """A button inside a workbook: act on the workbook that holds it."""
    run_in_excel(xw.Book.caller(), action)


def run_on_active(action: str = "recalculer") -> None:
    """A ribbon button: act on the active workbook, whatever its kind."""
    run_in_excel(xw.books.active, action)


def recalculer() -> None:
    """« Recalculer » on the workbook that holds the button."""
    run("recalculer")
