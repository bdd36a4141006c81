"""The « Contrôles » sheet that every xlprod workbook carries, and its one-line status.

Each recalculation rewrites the sheet's rows from the issues found: severity, location (a
link to the cell), code, message, what to do. Written once here for every kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from xlprod.core.issues import Issue, count
from xlprod.core.location import column_letter, quote_sheet
from xlprod.core.text import plural
from xlprod.workbook.port import WritePlan
from xlprod.workbook.sheetxml import CellWrite, fit_cell_text

SHEET = "Contrôles"
HEADER_ROW = 4
ORIGIN_NAME = "XLPROD_CONTROLES"  # the list's header cell: it moves with the rows and columns the user inserts
COLUMNS = (("Gravité", 15, "text"), ("Emplacement", 26, "text"), ("Code", 9, "center"),
           ("Message", 80, "wrap"), ("Que faire", 70, "wrap"))


def summary_text(issues: Sequence[Issue]) -> str:
    errors, warnings = count(issues)
    if not (errors or warnings):
        return "aucune anomalie"
    return f"{plural(errors, 'erreur')}, {plural(warnings, 'avertissement')}"


def controls_rows(issues: Sequence[Issue]) -> list[tuple[str, str, str, str, str, str]]:
    """Rows of the sheet: severity, location, code, message, hint, in-book link target."""
    rows = []
    for issue in issues:
        loc = issue.location
        where = str(loc.in_sheet()) if loc.sheet or loc.name else str(loc)
        rows.append((issue.severity.label, where, issue.code, fit_cell_text(issue.message), fit_cell_text(issue.hint),
                     loc.in_book()))
    return rows


def plan_controls_frame(plan: WritePlan, title: str) -> None:
    """Title and headers of a Contrôles sheet recreated after the user deleted it."""
    patch = plan.sheet(SHEET)
    patch.set(1, 1, CellWrite(title))
    for col, (head, _, _) in enumerate(COLUMNS, start=1):
        patch.set(HEADER_ROW, col, CellWrite(head))


def list_origin(names: dict[str, str]) -> tuple[int, int]:
    """Where the list's header row starts now (its defined name moves with the rows and columns
    the user inserts); where it was built when the name is gone."""
    from xlprod.workbook.port import name_target

    kind, ref = name_target(names.get(ORIGIN_NAME))
    if kind == "cell" and isinstance(ref, tuple) and ref[0] == SHEET:
        return ref[2], ref[3]
    return HEADER_ROW, 1


def origin_reference(origin: tuple[int, int] = (HEADER_ROW, 1)) -> str:
    return f"{quote_sheet(SHEET)}!${column_letter(origin[1])}${origin[0]}"


def plan_controls(plan: WritePlan, issues: Sequence[Issue], now: dt.datetime,
                  status_cell: tuple[str, int, int] | None = None,
                  origin: tuple[int, int] = (HEADER_ROW, 1)) -> None:
    """Rewrite the Contrôles rows, and the status line of the kind's summary sheet if it has one.

    ``origin``: the header row's first cell, as the list's defined name gives it.
    """
    stamp = now.strftime("%d/%m/%Y à %H:%M")
    summary = summary_text(issues)
    patch = plan.sheet(SHEET)
    top, left = origin
    if top > 2:
        patch.set(top - 2, left, CellWrite(f"Dernier recalcul le {stamp} : {summary}."))
    first = top + 1
    patch.clear_from_row = first
    patch.clear_cols = (left, left + len(COLUMNS) - 1)  # notes the user writes beside the list stay
    links = []
    rows = controls_rows(issues)
    if not rows:
        patch.set(first, left, CellWrite("—"))
        patch.set(first, left + 3, CellWrite("Aucune anomalie détectée."))
    for i, (severity, where, code, message, hint, target) in enumerate(rows):
        r = first + i
        for col, value in enumerate((severity, where, code, message, hint), start=left):
            patch.set(r, col, CellWrite(value))
        if target:
            links.append((f"{column_letter(left + 1)}{r}", target, f"Aller à {where}"))
    plan.links[SHEET] = links
    if status_cell is not None:
        sheet, row, col = status_cell
        if issues:
            status = f"Contrôles : {summary} — voir l'onglet {SHEET} (recalculé le {stamp})."
        else:
            status = f"Contrôles : aucune anomalie (recalculé le {stamp})."
        plan.sheet(sheet).set(row, col, CellWrite(status))


def build_controls_sheet(wb: Any, fmt: dict[str, Any], title: str) -> Any:
    """The empty sheet of a new workbook (XlsxWriter), filled by the first recalculation."""
    ctl = wb.add_worksheet(SHEET)
    ctl.write("A1", title, fmt["title"])
    ctl.write("A2", "Mis à jour à chaque recalcul (bouton « Recalculer » ou xlprod recalc).", fmt["note"])
    for i, (head, width, style) in enumerate(COLUMNS):
        ctl.set_column(i, i, width, fmt[style])
        ctl.write(HEADER_ROW - 1, i, head, fmt["header"])
    first = HEADER_ROW
    for severity, key in (("Erreur", "error_fill"), ("Avertissement", "warning_fill")):
        ctl.conditional_format(first, 0, first + 20000, 4, {"type": "formula", "criteria": f'=$A{first + 1}="{severity}"',
                                                             "format": fmt[key]})
    ctl.freeze_panes(first, 0)
    wb.define_name(ORIGIN_NAME, "=" + origin_reference())
    return ctl
