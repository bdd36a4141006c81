"""Running an action from Excel (ribbon, workbook button): the adapter, then a French message box.

Whatever happens, the user sees a message that says where and what to do, never a Python
traceback: a problem with the file is explained, an unexpected failure is logged in full to
``~/.xlprod/xlprod.log`` and summarised.
"""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path
from typing import Any

from xlprod.core.text import plural
from xlprod.kinds.registry import Report
from xlprod.services import RECALCULATE, kind_of, run_action
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.excel import ExcelBook

TITLE = "xlprod"
LOG_FILE = Path.home() / ".xlprod" / "xlprod.log"
MAX_LISTED = 5


def report_message(report: Report, action_label: str) -> str:
    """What the message box says after an action: the headline, then the first issues."""
    head = f"{action_label} terminé : {report.headline()}."
    if not report.issues:
        return f"{head}\nAucune anomalie."
    lines = [f"{head}\n{plural(report.errors, 'erreur')}, {plural(report.warnings, 'avertissement')} — détail dans "
             "l'onglet Contrôles :"]
    for issue in report.issues[:MAX_LISTED]:
        where = issue.location.in_sheet()
        lines.append(f"• {where} : {issue.message}")
    if len(report.issues) > MAX_LISTED:
        lines.append(f"… et {len(report.issues) - MAX_LISTED} autre(s).")
    return "\n".join(lines)


def run_in_excel(book: Any, action: str = RECALCULATE) -> Report | None:
    """Run ``action`` on an open ``xlwings.Book`` and tell the user how it went."""
    try:
        return _run(book, action)
    except Exception:  # even the message box failed (Excel busy): log, never raise into Excel
        _log_failure(book, action)
        return None


def _run(book: Any, action: str) -> Report | None:
    app = book.app
    try:
        port = ExcelBook(book)
        kind = kind_of(port)
        extra = kind.action(action)
        label = extra.label if extra is not None else "Recalcul"
        report = run_action(port, action)
    except WorkbookError as exc:
        where = exc.location.in_sheet()
        place = f" ({where})" if str(where) else ""
        app.alert(f"{exc.message}{place}.\n\n{exc.hint}", title=TITLE)
        return None
    except Exception as exc:  # the last line of defence: never let Excel show a traceback
        log = _log_failure(book, action)
        app.alert(f"Erreur inattendue pendant « {action} » : {type(exc).__name__}: {exc}\n\n"
                  f"Le classeur n'a pas été enregistré. Détails : {log}", title=TITLE)
        return None
    app.alert(report_message(report, label), title=f"{TITLE} — {kind.title}")
    return report


def _log_failure(book: Any, action: str) -> Path:
    try:
        LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
        with LOG_FILE.open("a", encoding="utf-8") as fh:
            try:
                name = str(book.name)
            except Exception:
                name = "?"
            fh.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {action} on {name}\n")
            fh.write(traceback.format_exc())
    except OSError:
        pass
    return LOG_FILE
