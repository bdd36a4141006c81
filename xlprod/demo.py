"""``xlprod demo``: the bundled sample production, built, recalculated and summarised."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from xlprod.budget.topsheet import render_topsheet
from xlprod.services import recalculate
from xlprod.workbook.csv_lines import read_lines_csv
from xlprod.workbook.devis_builder import build_devis
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.xlsx_file import XlsxFile

SAMPLE_TITLE = "Les Heures claires"
SAMPLE_COMPANY = "Films du Large"
SAMPLE_FILE = "devis-les-heures-claires.xlsx"


def sample_csv() -> Path:
    return Path(str(resources.files("xlprod.data").joinpath("exemple-devis.csv")))


def build_sample(out_dir: Path) -> Path:
    """Build and recalculate the sample devis in ``out_dir``; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / SAMPLE_FILE
    build_devis(path, read_lines_csv(sample_csv()), title=SAMPLE_TITLE, company=SAMPLE_COMPANY)
    return path


def run_demo(out_dir: Path) -> int:
    try:
        path = build_sample(out_dir)
        book = XlsxFile(path)
        report = recalculate(book)
        book.save()
    except WorkbookError as exc:
        print(exc.render())
        return 2
    assert report.result is not None and report.budget is not None
    print(render_topsheet(report.result, report.budget.parameters))
    print()
    print(f"{len(report.budget.lines)} lignes, {report.errors} erreur(s), {report.warnings} avertissement(s)")
    for issue in report.issues:
        print(issue.render())
    print(f"Classeur : {path.resolve()}")
    print("Ouvrez-le dans Excel ou LibreOffice ; après modification : xlprod recalc " + str(path))
    return 1 if report.errors else 0
