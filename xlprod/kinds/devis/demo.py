"""The devis' part of ``xlprod demo``: the bundled sample production, built and recalculated."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from xlprod.core.text import plural
from xlprod.kinds.devis.builder import build_devis
from xlprod.kinds.devis.csv_import import read_lines_csv
from xlprod.kinds.devis.recalc import DevisSummary
from xlprod.kinds.registry import DemoPart
from xlprod.services import recalculate
from xlprod.workbook.files import atomic_path, check_demo_target, record_demo_file
from xlprod.workbook.xlsx_file import XlsxFile

SAMPLE_TITLE = "Les Heures claires"
SAMPLE_COMPANY = "Films du Large"
SAMPLE_FILE = "devis-les-heures-claires.xlsx"


def sample_csv() -> Path:
    return Path(str(resources.files("xlprod.data").joinpath("exemple-devis.csv")))


def build_sample(out_dir: Path, name: str = SAMPLE_FILE) -> Path:
    """Build the sample devis in ``out_dir`` (not yet recalculated); returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    build_devis(path, read_lines_csv(sample_csv()), title=SAMPLE_TITLE, company=SAMPLE_COMPANY)
    return path


def demo_devis(out_dir: Path) -> DemoPart:
    path = out_dir / SAMPLE_FILE
    check_demo_target(path)
    with atomic_path(path) as tmp:
        build_devis(tmp, read_lines_csv(sample_csv()), title=SAMPLE_TITLE, company=SAMPLE_COMPANY)
        book = XlsxFile(tmp, name=path.name)
        report = recalculate(book)  # as a user's command: issues with their file and cells
        book.save(tmp)
    record_demo_file(path)
    assert isinstance(report.summary, DevisSummary)
    lines = [report.summary.render(), "",
             f"{plural(len(report.summary.budget.lines), 'ligne')}, {plural(report.errors, 'erreur')}, "
             f"{plural(report.warnings, 'avertissement')}"]
    lines += [issue.render() for issue in report.issues]
    return DemoPart(paths=[path], text="\n".join(lines), errors=report.errors)
