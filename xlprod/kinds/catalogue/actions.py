"""The catalogue's actions beyond « Recalculer », one function each for the buttons, the CLI and
tests: apply the proposed corrections, export the statements as CSV, answer an avails query."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

from xlprod.core.issues import Issue
from xlprod.core.location import Location
from xlprod.core.money import round_cents
from xlprod.kinds.catalogue import layout as L
from xlprod.kinds.catalogue.exchange import export_csv
from xlprod.kinds.catalogue.recalc import (
    AvailsAnswer,
    CatalogueSummary,
    answer_avails,
    corrections,
    read,
    read_for_avails,
    recalc_catalogue,
    require,
    said,
)
from xlprod.kinds.catalogue.receipts import Statement
from xlprod.kinds.catalogue.transfer import cell_value
from xlprod.kinds.registry import Report
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.files import atomic_write_bytes
from xlprod.workbook.port import WorkbookPort, WritePlan
from xlprod.workbook.sheetxml import COLUMN_STYLE, CellWrite

STATEMENT_COLUMNS = ("Ayant droit", "Période", "Œuvre", "Titre", "Part", "Recettes brutes", "Commissions",
                     "Commissions retenues", "Frais", "MG distributeur", "RNPP", "Part de l'ayant droit", "MG",
                     "MG récupéré avant", "MG récupéré", "MG restant", "Solde dû", "Observations")


def apply_corrections(book: WorkbookPort, now: dt.datetime) -> Report:
    """Write every proposed correction of the Œuvres table into its cell, then recalculate: the
    report lists each change (cell, before, after, why)."""
    issues: list[Issue] = []
    cat, _params, tables = read(book, issues)
    require(issues, L.SHEET_OEUVRES)
    fixes = corrections(cat)
    works = tables[L.TABLE_OEUVRES]
    plan = WritePlan()
    changes = []
    formulas = book.formula_cells(works.sheet, [(f.row, works.first_col + works.headers.index(f.column)) for f in fixes
                                                if f.column in works.headers])
    for fix in fixes:
        if fix.column not in works.headers:
            continue
        col = works.first_col + works.headers.index(fix.column)
        where = fix.location(book.book_name)
        if (fix.row, col) in formulas:
            changes.append(f"{where} : formule laissée telle quelle (proposition « {said(fix.new)} »)")
            continue
        dated = isinstance(fix.new, dt.date)  # shown as a date, whatever the cell's format was
        plan.sheet(works.sheet).set(fix.row, col, CellWrite(cell_value(fix.new), style=COLUMN_STYLE if dated else None))
        changes.append(f"{where} : « {said(fix.old)} » → « {said(fix.new)} » ({fix.reason})")
    book.apply(plan)
    book.refresh()
    report = recalc_catalogue(book, now)
    if isinstance(report.summary, CatalogueSummary):
        applied = sum(1 for c in changes if "formule laissée" not in c)
        report.summary = replace(report.summary, note=f"{applied} correction(s) appliquée(s)", changes=tuple(changes))
    return report



def statement_rows(s: Statement, titles: dict[str, str] | None = None) -> list[dict[str, object]]:
    """A statement as CSV records: amounts to the cent, one row per work, a total, then the notes."""
    titles = titles or {}
    rows: list[dict[str, object]] = []
    for x in s.lines:
        rows.append({"Ayant droit": s.holder, "Période": s.period, "Œuvre": x.work, "Titre": titles.get(x.work, ""),
                     "Part": x.share, **{k: round_cents(v) for k, v in (
                         ("Recettes brutes", x.gross), ("Commissions", x.commission),
                         ("Commissions retenues", x.retained_commission), ("Frais", x.costs),
                         ("MG distributeur", x.distributor_recouped), ("RNPP", x.rnpp),
                         ("Part de l'ayant droit", x.holder_share), ("MG", x.mg), ("MG récupéré avant", x.mg_recouped_before),
                         ("MG récupéré", x.mg_recouped), ("MG restant", x.mg_outstanding), ("Solde dû", x.balance))}})
    rows.append({"Ayant droit": s.holder, "Période": s.period, "Œuvre": "Total", **{k: round_cents(v) for k, v in (
        ("RNPP", s.rnpp), ("Part de l'ayant droit", s.holder_share), ("MG récupéré", s.mg_recouped),
        ("MG restant", s.mg_outstanding), ("Solde dû", s.balance))}})
    rows += [{"Ayant droit": s.holder, "Période": s.period, "Observations": w} for w in s.warnings]
    return rows


def safe_name(text: str) -> str:
    """A file name from a holder's or a period's name: letters, digits, - and _ only."""
    cleaned = re.sub(r"[^\w\-]+", "_", text, flags=re.UNICODE).strip("_.")
    return cleaned[:80] or "sans_nom"


def write_statements(statements: list[Statement], period: str, folder: Path,
                     titles: dict[str, str] | None = None) -> list[Path]:
    """One CSV per statement in ``folder`` (created), each written atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    stale = set(folder.glob(f"releve-{safe_name(period)}-*.csv"))  # an earlier run's, of a holder no longer there
    out = []
    used: set[str] = set()
    for s in statements:
        stem = safe_name(s.holder)
        while stem.casefold() in used:
            stem += "_"
        used.add(stem.casefold())
        path = folder / f"releve-{safe_name(period)}-{stem}.csv"
        out.append(atomic_write_bytes(path, export_csv(statement_rows(s, titles), STATEMENT_COLUMNS)))
    for old in stale - set(out):
        old.unlink(missing_ok=True)  # only files this action names releve-<période>-*.csv: never the user's
    return out


def statements_folder(book: WorkbookPort, period: str) -> Path:
    here = getattr(book, "path", None) or getattr(getattr(book, "book", None), "fullname", None)
    base = Path(str(here)).parent if here else Path.cwd()
    return base / f"releves-{safe_name(period)}"


def export_statements(book: WorkbookPort, now: dt.datetime) -> Report:
    """« Exporter les relevés »: recalculate, then write one CSV per rights holder for the period of
    Paramètres, in ``releves-<période>`` beside the workbook."""
    report = recalc_catalogue(book, now)
    require(report.issues, L.SHEET_RECETTES, L.SHEET_AYANTS, L.SHEET_OEUVRES)
    summary = report.summary
    if not isinstance(summary, CatalogueSummary) or not summary.period:
        raise WorkbookError(Location(book=book.book_name, sheet=L.SHEET_PARAMETRES),
                            "aucune période de relevés", "Indiquez « Période des relevés » dans Paramètres (ex. 2026-T3).")
    folder = statements_folder(book, summary.period)
    try:
        paths = write_statements(summary.statements, summary.period, folder, summary.titles)
    except OSError as exc:
        raise WorkbookError(Location(book=str(folder)), f"relevés impossibles à écrire ({exc.strerror or exc})",
                            "Vérifiez que le dossier du classeur est accessible en écriture.") from exc
    report.summary = replace(summary, note=f"{len(paths)} relevé(s) écrit(s) dans {folder}",
                             changes=tuple(str(p) for p in paths))
    return report


def query_avails(book: WorkbookPort, territory: str, media: str, start: dt.date, end: dt.date,
                 exclusive: bool = False) -> tuple[AvailsAnswer, list[Issue]]:
    """The availability of every work for a request, read from the workbook as it is (nothing
    written); ``WorkbookError`` on a request it cannot read. Only what the answer needs is read:
    the works' ids, titles and French releases, the rights and the territory groups. The issues are
    those of reading the rights: a right that cannot be read is not counted, so the answer says so."""
    issues: list[Issue] = []
    cat = read_for_avails(book, issues)
    try:
        return answer_avails(cat, territory, media, start, end, exclusive=exclusive), issues
    except ValueError as exc:
        hint = ("Donnez une date de fin postérieure au début (--from AAAA-MM-JJ --to AAAA-MM-JJ)." if end < start else
                "Territoire : code ISO, nom de pays ou groupe de l'onglet Territoires ; média : "
                "Salles, TV payante, TV gratuite, SVOD, AVOD, TVOD / EST, Vidéo, Non commercial.")
        raise WorkbookError(Location(book=book.book_name), str(exc), hint) from exc
