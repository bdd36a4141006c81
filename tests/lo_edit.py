"""Edits made by a real spreadsheet engine: LibreOffice runs a Basic macro on a workbook and saves it.

Inserting rows, deleting a sheet or a name through LibreOffice's own API moves cells, rewrites
formulas and updates defined names exactly as a user's edit does, so tests of what xlprod does
after such edits do not depend on a simulation of them.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from xlprod.workbook.libreoffice import soffice

_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">"""
_MACRO = """
Sub Edit()
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = "Hidden" : args(0).Value = True
  url = ConvertToURL(Environ("XLPROD_LO_FILE"))
  doc = StarDesktop.loadComponentFromURL(url, "_blank", 0, args())
{body}
  Dim out(0) As New com.sun.star.beans.PropertyValue
  out(0).Name = "FilterName" : out(0).Value = "Calc MS Excel 2007 XML"
  doc.storeToURL(url, out())
  doc.close(True)
  StarDesktop.terminate()
End Sub
"""


def edit_with_libreoffice(path: Path, *statements: str, timeout: float = 120) -> None:
    """Run Basic ``statements`` (``doc`` is the open workbook) on ``path``, then save it as .xlsx."""
    exe = soffice()
    assert exe is not None, "LibreOffice is required"
    with tempfile.TemporaryDirectory(prefix="xlprod-lo-edit-") as profile:
        env = {**os.environ, "XLPROD_LO_FILE": str(path.resolve())}
        base = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
        subprocess.run([*base, "--terminate_after_init"], capture_output=True, timeout=timeout, env=env, check=False)
        module = Path(profile) / "user" / "basic" / "Standard" / "Module1.xba"
        assert module.exists(), "LibreOffice did not create its profile"
        code = _MACRO.replace("{body}", "\n".join(f"  {s}" for s in statements))
        module.write_text(_HEADER + escape(code, {'"': "&quot;"}) + "</script:module>\n", encoding="utf-8")
        before = path.stat().st_mtime_ns
        done = subprocess.run([*base, "macro:///Standard.Module1.Edit"], capture_output=True, text=True,
                              timeout=timeout, env=env, check=False)
        assert path.stat().st_mtime_ns != before, f"LibreOffice did not save the edit: {done.stdout}{done.stderr}"
