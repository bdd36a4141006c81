"""Builds ``xlprod.xlam``, the Excel ribbon add-in, from the BSD-licensed ribbon add-in that
ships with open-source xlwings (``quickstart_addin_ribbon.xlam``).

What changes, and why (TECH-NOTES, « The Excel side »):
- the VBA project and its ``PROJECT_NAME`` become ``xlprod``: the add-in then reads its settings
  from its own ``xlprod.conf`` sheet and ``%USERPROFILE%\\.xlprod\\xlprod.conf``, never from another
  add-in made from the same quickstart (``myaddin``);
- its config sheet is enabled (``xlprod.conf``, not ``_myaddin.conf``) and holds the interpreter
  of the environment xlprod is installed in, so Excel runs that Python and not whatever
  ``python`` is on PATH;
- the ribbon tab and the ribbon module: one button per action, each passing its action name
  (the button's ``tag``) to ``xlprod_macros.run_on_active``.
Nothing from ``xlwings.pro`` is involved.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import quoteattr

from xlprod.workbook.files import atomic_output
from xlprod.workbook.sheetxml import escape_cell_text
from xlprod.workbook.vba import VbaProject, read_vba_project, replace_code, rewrite_vba_project

PROJECT = "xlprod"
ADDIN_FILE = "xlprod.xlam"
RIBBON_MODULE = "RibbonMyAddin"  # the module name the shipped customUI and VBA agree on
CONFIG_SHEET = f"{PROJECT}.conf"
_ACTION_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class RibbonButton:
    tag: str  # the action name passed to Python
    label: str
    tip: str
    image: str = "CalculateNow"  # an Office built-in icon (imageMso)


@dataclass(frozen=True)
class RibbonGroup:
    label: str
    buttons: tuple[RibbonButton, ...]


def quickstart(name: str) -> bytes:
    """A BSD-licensed file shipped with the installed xlwings (``quickstart_addin_ribbon.xlam``...)."""
    return resources.files("xlwings").joinpath(name).read_bytes()


def xlwings_module_for_xlprod(project: VbaProject) -> str:
    """xlwings' VBA module with ``PROJECT_NAME`` = xlprod: it then reads xlprod's settings only."""
    source = project.modules["xlwings"].source
    renamed, n = re.subn(r'(Public Const PROJECT_NAME As String = )"[^"]*"', rf'\1"{PROJECT}"', source)
    if n != 1:
        raise ValueError("the xlwings VBA module no longer declares PROJECT_NAME: this xlwings version is not supported")
    return renamed


def ribbon_xml(groups: Sequence[RibbonGroup]) -> str:
    parts = ['<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">',
             "<ribbon><tabs>", f'<tab id="{PROJECT}Tab" label="xlprod">']
    for g, group in enumerate(groups):
        parts.append(f'<group id="{PROJECT}Group{g}" label={quoteattr(group.label)}>')
        for b, button in enumerate(group.buttons):
            if not _ACTION_NAME.match(button.tag):
                raise ValueError(f"action name {button.tag!r}: lower-case letters, digits and '-' only")
            size = "large" if b == 0 else "normal"
            parts.append(f'<button id="{PROJECT}Button{g}_{b}" label={quoteattr(button.label)} size="{size}" '
                         f"screentip={quoteattr(button.tip)} tag={quoteattr(button.tag)} "
                         f'onAction="{RIBBON_MODULE}.RunAction" imageMso="{button.image}"/>')
        parts.append("</group>")
    parts.append("</tab></tabs></ribbon></customUI>")
    return "\n".join(parts)


RIBBON_CODE = """' xlprod ribbon: every button passes its tag (an action name) to Python.
Sub RunAction(control As IRibbonControl)
    RunPython "import xlprod_macros; xlprod_macros.run_on_active('" & control.Tag & "')"
End Sub
"""


def addin_vba() -> bytes:
    """The add-in's VBA project: xlwings' own, renamed xlprod, with the ribbon module above."""
    source = zipfile.ZipFile(io.BytesIO(quickstart("quickstart_addin_ribbon.xlam"))).read("xl/vbaProject.bin")
    project = read_vba_project(source)
    return rewrite_vba_project(source, project_name=PROJECT, sources={
        "xlwings": xlwings_module_for_xlprod(project),
        RIBBON_MODULE: replace_code(project.modules[RIBBON_MODULE], RIBBON_CODE),
    })


def config_sheet_xml(settings: Mapping[str, str]) -> str:
    """The add-in's ``xlprod.conf`` sheet: one setting a row, key in A, value in B (xlwings' layout).

    Keys with an empty value are left out: xlwings stops at a key that exists, even when empty.
    """
    rows = []
    for r, (key, value) in enumerate(((k, v) for k, v in settings.items() if v), start=1):
        rows.append(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{escape_cell_text(key)}</t></is></c>'
                    f'<c r="B{r}" t="inlineStr"><is><t xml:space="preserve">{escape_cell_text(value)}</t></is></c></row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheetPr codeName="Sheet2"/><cols><col min="1" max="1" width="18" customWidth="1"/>'
            '<col min="2" max="2" width="80" customWidth="1"/></cols>'
            f'<sheetData>{"".join(rows)}</sheetData></worksheet>')


def build_addin(out_dir: Path, groups: Sequence[RibbonGroup], settings: Mapping[str, str]) -> Path:
    """Write ``xlprod.xlam`` into ``out_dir`` (atomically): ribbon ``groups``, config ``settings``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ADDIN_FILE
    vba = addin_vba()
    with zipfile.ZipFile(io.BytesIO(quickstart("quickstart_addin_ribbon.xlam"))) as src:
        sheet_part = "xl/worksheets/sheet1.xml"
        workbook = src.read("xl/workbook.xml").decode("utf-8")
        if '<sheet name="_myaddin.conf"' not in workbook:
            raise ValueError("unexpected xlwings ribbon add-in: no _myaddin.conf sheet")
        replaced = {
            "customUI/customUI.xml": ribbon_xml(groups).encode("utf-8"),
            "xl/vbaProject.bin": vba,
            "xl/workbook.xml": workbook.replace('<sheet name="_myaddin.conf"', f'<sheet name="{CONFIG_SHEET}"')
                                       .encode("utf-8"),
            sheet_part: config_sheet_xml(settings).encode("utf-8"),
        }
        with atomic_output(target) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info, replaced.get(info.filename, src.read(info)), compress_type=zipfile.ZIP_DEFLATED)
    return target
