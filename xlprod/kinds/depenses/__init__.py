"""Expense tracking (suivi des dépenses): entries imported from the accounts or typed, frozen
versions of the devis side by side, the cost report per line and chapter (committed, paid,
estimate to complete, estimated final cost, variance), and the final cost statement.

Pure rules (``model``, ``tracking``, ``final_cost``, ``checks``, ``ledger``) beside the sheet
layout (``layout``, ``reader``, ``builder``) and the actions that tie them (``recalc``,
``snapshot``, ``importer``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from xlprod.core.location import Location
from xlprod.kinds.registry import Action, Kind, NewOption, Recalculation, Report, on_first_use
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import WorkbookPort

SHEET_PARAMETRES = "Paramètres"  # layout.SHEET_PARAMETRES: the rules are imported when a command needs them


recalc_depenses: Recalculation = on_first_use("xlprod.kinds.depenses.recalc", "recalc_depenses")


def build_new(path: Path, options: Mapping[str, str | None]) -> int:
    """A new expense workbook: empty tables, the default CSV columns; versions come by snapshot."""
    from xlprod.kinds.depenses.builder import DepensesInputs, build_depenses

    build_depenses(path, DepensesInputs(title=options.get("titre") or "Sans titre", devis=options.get("devis") or ""),
                   buttons=KIND.buttons())
    return 0


def devis_path(book: WorkbookPort, given: str | None = None) -> Path:
    """The devis to freeze: the one given, else the one Paramètres names, relative to the workbook."""
    relative = given
    if not relative:
        found = book.named_cell("DEPENSES_DEVIS_FICHIER")
        relative = str(found[0]).strip() if found and found[0] not in (None, "") else ""
    if not relative:
        raise WorkbookError(Location(book=book.book_name, sheet=SHEET_PARAMETRES),
                            "aucun devis à figer", "Indiquez le devis dans Paramètres, ou --devis devis.xlsx.")
    here = getattr(book, "path", None) or getattr(getattr(book, "book", None), "fullname", None)
    base = Path(str(here)).parent if here else Path.cwd()
    path = Path(relative)
    return path if path.is_absolute() or given else base / path


def freeze(book: WorkbookPort, now: dt.datetime) -> Report:
    """« Figer une version » from Excel: the devis of Paramètres, named by the date and time."""
    from dataclasses import replace

    from xlprod.kinds.depenses.recalc import DepensesSummary
    from xlprod.kinds.depenses.snapshot import free_name, snapshot
    from xlprod.workbook.xlsx_file import XlsxFile

    path = devis_path(book)
    if not path.exists():
        raise WorkbookError(Location(book=book.book_name, sheet=SHEET_PARAMETRES),
                            f"devis introuvable : {path}", "Corrigez le chemin du devis dans Paramètres.")
    done = snapshot(book, XlsxFile(path, for_writing=False), free_name(book, f"Version du {now:%d/%m/%Y %H:%M}"),
                    path.name, unless_unchanged=True)
    book.refresh()  # the recalculation reads the version just appended
    report = recalc_depenses(book, now, carried=done.issues if done else ())  # in Contrôles too
    if isinstance(report.summary, DepensesSummary):
        note = done.render() if done else "devis identique à la dernière version : aucune nouvelle version figée"
        report.summary = replace(report.summary, note=note)
    return report


KIND = Kind(
    name="depenses",  # layout.KIND
    title="Suivi des dépenses",
    description="dépenses, versions du devis, écarts et coût final estimé, coût définitif",
    default_file="depenses.xlsm",
    recalculate=recalc_depenses,
    build_new=build_new,
    demo=on_first_use("xlprod.kinds.depenses.demo", "demo_depenses"),
    new_options=(
        NewOption("--titre", "titre", "titre de l'œuvre", default="Sans titre"),
        NewOption("--devis", "devis", "devis de la production (le classeur retient son chemin relatif à lui)",
                  metavar="XLSX", file=True),
    ),
    actions=(Action("figer", "Figer le devis", "Figer une version du devis nommé dans Paramètres (nom : la date)",
                    freeze, done="« Figer le devis »"),),
)
