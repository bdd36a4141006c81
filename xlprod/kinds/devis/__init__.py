"""The CNC budget (devis): 9 chapters, social charges from payroll categories, overhead and
contingency, French-spend share, the costs the CNC wants identified.

Pure rules (``model``, ``compute``, ``checks``, ``topsheet``) beside the sheet layout
(``layout``, ``reader``, ``builder``) and the recalculation that ties them (``recalc``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from xlprod.kinds.registry import Kind, NewOption, on_first_use

FORM_VERSIONS = ("2018", "classique")  # xlprod.cnc.reference.FORM_VERSIONS (tested): the rules load on first use


def build_new(path: Path, options: Mapping[str, str | None]) -> int:
    """A new devis: the standard CNC lines, or the lines of a CSV (``--depuis``); buttons in an .xlsm."""
    from xlprod.kinds.devis.builder import build_devis, catalogue_rows
    from xlprod.kinds.devis.csv_import import read_lines_csv

    source = options.get("depuis")
    rows = read_lines_csv(source) if source else catalogue_rows()
    build_devis(path, rows, title=options.get("titre") or "Sans titre", company=options.get("societe") or "",
                form_version=options.get("formulaire") or "2018", buttons=KIND.buttons())
    return len(rows)


KIND = Kind(
    name="devis",  # layout.KIND
    title="Devis CNC",
    description="budget de production au format CNC (9 postes), charges, frais généraux, imprévus, part France",
    default_file="devis.xlsm",
    recalculate=on_first_use("xlprod.kinds.devis.recalc", "recalc_devis"),
    build_new=build_new,
    demo=on_first_use("xlprod.kinds.devis.demo", "demo_devis"),
    new_options=(
        NewOption("--titre", "titre", "titre de l'œuvre", default="Sans titre"),
        NewOption("--societe", "societe", "société de production", default=""),
        NewOption("--formulaire", "formulaire", "version du devis CNC", default="2018", choices=FORM_VERSIONS),
        NewOption("--depuis", "depuis", "lignes à reprendre d'un CSV (en-têtes du tableau Devis)", metavar="CSV"),
    ),
)
