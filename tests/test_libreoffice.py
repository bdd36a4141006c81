"""LibreOffice recalculates the workbook's own formulas: they must agree with Python to the cent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_devis, recalc
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.demo import build_sample
from xlprod.workbook.libreoffice import recalculate_with_libreoffice
from xlprod.workbook.xlsx_file import XlsxFile

EDGE_ROWS = [
    {"account": "241", "label": "demi-cents", "quantity": 1.5, "number": 1, "unit_rate": 1000.335, "category": "cadre"},
    {"account": "246", "label": "texte FR", "quantity": "3,5", "number": 3, "unit_rate": "1 234,57", "category": "Tech",
     "france_share": 0.35},
    {"account": "311", "label": "artiste", "quantity": 7, "number": 1, "unit_rate": 1333.33, "category": "artiste",
     "tag:inclusion": "x"},
    {"account": "121", "label": "auteur", "quantity": 1, "number": 1, "unit_rate": 45678.9, "category": "auteur"},
    {"account": "4701", "label": "taxes", "quantity": 1, "number": 1, "unit_rate": 777.77},
    {"account": "841", "label": "VFX étranger", "quantity": 1, "number": 1, "unit_rate": 52000.05, "france_share": 0},
    {"account": "711", "label": "remise", "quantity": 1, "number": 1, "unit_rate": -500, "tag:écoproduction": True},
    {"account": "521", "label": "catégorie hors poste", "quantity": 2, "number": 1, "unit_rate": 99.995,
     "category": "technicien"},
    {"account": "0A", "label": "compte invalide", "quantity": 1, "number": 1, "unit_rate": 100},
    {"account": "", "label": "", "quantity": None},
]


def compare(ours: Path, theirs: Path) -> list[str]:
    mine, lo = XlsxFile(ours), XlsxFile(theirs)
    diffs = []
    for name in L.result_names():
        a, b = mine.named_cell(name)[0], lo.named_cell(name)[0]
        if not (isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) < 0.005):
            diffs.append(f"[{ours.name}]{name}: xlprod {a!r} / LibreOffice {b!r}")
    t1, t2 = mine.table(L.TABLE_DEVIS), lo.table(L.TABLE_DEVIS)
    for i, (r1, r2) in enumerate(zip(t1.rows, t2.rows, strict=True)):
        for f in L.COMPUTED_FIELDS:
            c = [c.field for c in L.DEVIS_COLUMNS].index(f)
            a, b = r1[c], r2[c]
            same = (a == b) if isinstance(a, str) or isinstance(b, str) else abs(a - b) < 0.005
            if not same:
                diffs.append(f"[{ours.name}]Devis row {t1.header_row + 1 + i} {f}: xlprod {a!r} / LibreOffice {b!r}")
    return diffs


@pytest.mark.libreoffice
def test_libreoffice_agrees_with_python_on_the_sample_production(tmp_path, libreoffice):
    path = build_sample(tmp_path)
    report = recalc(path)
    assert report.errors == 0 and len(report.summary.budget.lines) >= 200
    out = recalculate_with_libreoffice(path, tmp_path / "lo")
    assert compare(path, out) == []


@pytest.mark.libreoffice
def test_libreoffice_agrees_on_edge_cases_and_after_a_round_trip_through_it(tmp_path, libreoffice):
    path = make_devis(tmp_path / "edge.xlsx", EDGE_ROWS, form_version="classique")
    out = recalculate_with_libreoffice(path, tmp_path / "lo")
    assert compare(path, out) == []
    # a user who saved the file from LibreOffice can recalculate it again with xlprod
    again = recalc(out)
    assert again.summary.result.total == recalc(path).summary.result.total
    assert compare(out, recalculate_with_libreoffice(out, tmp_path / "lo2")) == []
