"""Actions on workbooks, one function each, called alike by the CLI, Excel buttons and tests.

Each workbook says what it is through its ``XLPROD_TYPE`` name; the kind's entry in
``xlprod.kinds.KINDS`` says what « Recalculer » and its other actions do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import cast

from xlprod.core.issues import Issue
from xlprod.core.location import Location
from xlprod.kinds import KINDS, Kind, Report
from xlprod.kinds.registry import RECALCULATE
from xlprod.runtime import collector_paused
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import WorkbookPort, name_target

__all__ = ["RECALCULATE", "kind_of", "recalculate", "run_action"]


def kind_of(book: WorkbookPort) -> Kind:
    """The kind of ``book``, or a ``WorkbookError`` that tells the user what to do."""
    name = book.kind()
    kind = KINDS.get(name or "")
    if kind is None:
        known = ", ".join(KINDS)
        raise WorkbookError(
            Location(book=book.book_name),
            "ce classeur n'est pas un classeur xlprod (nom défini XLPROD_TYPE absent)"
            if name is None else f"type de classeur « {name} » inconnu de cette version de xlprod ({known})",
            f"Créez le classeur avec « xlprod new {next(iter(KINDS))} » (ou un autre type : {known}), "
            "puis recopiez-y vos données.",
        )
    return kind


def recalculate(book: WorkbookPort, *, now: dt.datetime | None = None, carried: Sequence[Issue] = ()) -> Report:
    """The « Recalculer » action: recalculate whatever kind of xlprod workbook ``book`` is.

    Results are written into ``book`` (in memory for a file): saving is the caller's choice, so a
    check-only run is a recalculation that is not saved. ``carried``: what the action just done
    found (the lines of a FEC an import refused), counted, and listed in Contrôles, with the rest.
    """
    return run_action(book, RECALCULATE, now=now, carried=carried)


def run_action(book: WorkbookPort, action: str, *, now: dt.datetime | None = None,
               carried: Sequence[Issue] = ()) -> Report:
    """Run one of the kind's actions (``recalculer`` or an extra action it declares) on ``book``."""
    kind = kind_of(book)
    extra = kind.action(action) if action != RECALCULATE else None
    if action != RECALCULATE and extra is None:
        raise WorkbookError(Location(book=book.book_name),
                            f"l'action « {action} » ne s'applique pas à un classeur de type {kind.name}",
                            f"Actions possibles : {', '.join([RECALCULATE, *(a.name for a in kind.actions)])}.")
    when = now or dt.datetime.now()
    with collector_paused():
        if extra is not None:
            report = extra.run(book, when)
        elif carried:
            report = kind.recalculate(book, when, carried=carried)
        else:  # a kind's recalculation need not take ``carried``: the registry's contract is (book, now)
            report = kind.recalculate(book, when)
    report.issues = placed(report.issues, book)
    return report


def placed(issues: list[Issue], book: WorkbookPort) -> list[Issue]:
    """Every issue said with its file, and at the cell a defined name points to (the name kept, for
    the workbook's links): a rule knows ``TRESO_SOLDE_MIN``, a user looks for ``Trésorerie!C9``,
    and a folder run must say which file."""
    names: dict[str, str] | None = None
    out = []
    for issue in issues:
        where = issue.location
        if where.name and not where.cell:
            names = book.defined_names() if names is None else names
            kind, target = name_target(names.get(where.name))
            if kind == "cell":
                sheet, cell, _row, _col = cast(tuple[str, str, int, int], target)
                where = where._replace(sheet=sheet, cell=cell)
        if where.book is None:
            where = where._replace(book=book.book_name)
        out.append(issue if where is issue.location else issue._replace(location=where))
    return out
