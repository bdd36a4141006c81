"""Buttons inside a workbook (the .xlsm variant of ``xlprod new``): form buttons bound to VBA
macros that run the same Python actions as the ribbon and the CLI.

xlwings documents two ways for a button to reach Python: a workbook calling the add-in, or a
« standalone » workbook that carries the xlwings VBA module itself (``xlwings quickstart
--standalone``). A button bound to an add-in's macro is stored as an external link to the
add-in's path on the author's machine, so Excel asks to « update links » on every other
machine; xlprod therefore builds standalone workbooks, from the BSD-licensed
``quickstart_standalone.xlsm`` shipped with xlwings. Its settings come from the same
``xlprod.conf`` that ``xlprod excel-setup`` writes. Without Python the file opens and computes
as usual: only the buttons need it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

from xlprod.workbook.addin import quickstart, xlwings_module_for_xlprod
from xlprod.workbook.vba import read_vba_project, replace_code, rewrite_vba_project

BUTTON_MODULE = "Module1"  # the standalone quickstart's module for user macros


def macro_name(action: str) -> str:
    """The VBA procedure behind an action's button (VBA names take no '-')."""
    return "xlprod_" + re.sub(r"[^A-Za-z0-9]", "_", action)


def workbook_vba(actions: Sequence[str]) -> bytes:
    """xlwings' standalone VBA project, reading ``xlprod.conf``, with one macro per action."""
    source = zipfile.ZipFile(io.BytesIO(quickstart("quickstart_standalone.xlsm"))).read("xl/vbaProject.bin")
    project = read_vba_project(source)
    code = "".join(
        f"Sub {macro_name(a)}()\r\n"
        f"    RunPython \"import xlprod_macros; xlprod_macros.run('{a}')\"\r\nEnd Sub\r\n\r\n" for a in actions)
    return rewrite_vba_project(source, sources={
        "xlwings": xlwings_module_for_xlprod(project),
        BUTTON_MODULE: replace_code(project.modules[BUTTON_MODULE], code),
    })


def add_buttons(wb: Any, sheets: Sequence[tuple[Any, int, int]], buttons: Sequence[tuple[str, str, str]]) -> None:
    """Embed the VBA and put the buttons on each (XlsxWriter sheet, row, col), side by side."""
    wb.add_vba_project(io.BytesIO(workbook_vba([name for name, _, _ in buttons])), is_stream=True)
    for ws, row, col in sheets:
        for i, (name, label, _tip) in enumerate(buttons):
            ws.insert_button(row, col, {"macro": macro_name(name), "caption": label, "width": 110, "height": 26,
                                        "x_offset": 4 + i * 118, "y_offset": 2})
