"""The financing plan and cash-flow forecast (plan de trésorerie): sources and their payment
schedules, the production's calendar, how the devis is spent over its phases, the monthly table
with its lowest point, and the bridge loan that covers it.

Pure rules (``model``, ``schedule``, ``compute``, ``checks``) beside the sheet layout
(``layout``, ``reader``, ``builder``) and the recalculation that ties them (``recalc``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from xlprod.kinds.registry import Kind, NewOption, on_first_use


def build_new(path: Path, options: Mapping[str, str | None]) -> int:
    """A new cash-flow workbook: empty tables, the default schedules and spending profiles."""
    from xlprod.kinds.tresorerie.builder import TresoInputs, build_tresorerie

    build_tresorerie(path, TresoInputs(title=options.get("titre") or "Sans titre", devis=options.get("devis") or ""),
                     buttons=KIND.buttons())
    return 0


KIND = Kind(
    name="tresorerie",  # layout.KIND
    title="Plan de trésorerie",
    description="plan de financement et trésorerie mensuelle : échéanciers, TVA, période critique, crédit relais",
    default_file="tresorerie.xlsm",
    recalculate=on_first_use("xlprod.kinds.tresorerie.recalc", "recalc_tresorerie"),
    build_new=build_new,
    demo=on_first_use("xlprod.kinds.tresorerie.demo", "demo_tresorerie"),
    new_options=(
        NewOption("--titre", "titre", "titre de l'œuvre", default="Sans titre"),
        NewOption("--devis", "devis", "devis de la production (le classeur retient son chemin relatif à lui)",
                  metavar="XLSX", file=True),
    ),
)
