"""Builds ``xlprod.xlam``, the Excel ribbon add-in, from the BSD-licensed ribbon add-in that ships
with open-source xlwings.

That add-in's button runs ``import <add-in name>; <add-in name>.main()``: named ``xlprod.xlam``,
it calls ``xlprod.main()``. We only relabel its ribbon (tab « xlprod », button « Recalculer »);
its VBA project is copied as is, and nothing from ``xlwings.pro`` is involved.
"""

from __future__ import annotations

import zipfile
from importlib import resources
from pathlib import Path

RIBBON = """<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
    <ribbon>
        <tabs>
            <tab id="xlprodTab" label="xlprod">
                <group id="xlprodProduction" label="Production">
                    <button id="xlprodRecalculer" label="Recalculer" size="large"
                            screentip="Recalculer et contrôler le classeur actif (devis...)"
                            onAction="RibbonMyAddin.RunMain" imageMso="CalculateNow" />
                </group>
            </tab>
        </tabs>
    </ribbon>
</customUI>
"""


def source_addin() -> Path:
    return Path(str(resources.files("xlwings").joinpath("quickstart_addin_ribbon.xlam")))


def build_addin(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "xlprod.xlam"
    tmp = out_dir / ".~xlprod-addin.xlam"
    with zipfile.ZipFile(source_addin()) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "customUI/customUI.xml":
                data = RIBBON.encode("utf-8")
            dst.writestr(info, data)
    tmp.replace(target)
    return target
