"""The cash flow fed by the expense workbook (issues 9 and 10): the payments actually made replace
the forecast of the past months, the rest of each budget follows the forecast's profile, and
LibreOffice computes the same from the workbook's own formulas, the Réalisé sheet included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import recalc
from tests.test_tresorerie import differences
from xlprod.kinds.depenses.demo import TYPED_UNTIL
from xlprod.kinds.depenses.demo import build_sample as build_depenses_sample
from xlprod.kinds.devis.demo import build_sample as build_devis_sample
from xlprod.kinds.tresorerie import layout as L
from xlprod.kinds.tresorerie.demo import build_sample
from xlprod.workbook.libreoffice import recalculate_with_libreoffice
from xlprod.workbook.xlsx_file import XlsxFile


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("actuals")
    recalc(build_devis_sample(out))
    depenses, _ = build_depenses_sample(out)
    recalc(depenses)
    return out


@pytest.fixture
def plan(folder: Path, tmp_path: Path) -> Path:
    for f in folder.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    path = build_sample(tmp_path, tmp_path / "devis-les-heures-claires.xlsx", depenses=tmp_path /
                        "depenses-les-heures-claires.xlsx", actuals_through=TYPED_UNTIL)
    recalc(path)
    return path


def realise_differences(ours: Path, theirs: Path) -> list[str]:
    a, b = XlsxFile(ours)._grid(L.SHEET_REALISE), XlsxFile(theirs)._grid(L.SHEET_REALISE)
    out = []
    for r in range(max(len(a), len(b))):
        ra, rb = (a[r] if r < len(a) else []), (b[r] if r < len(b) else [])
        for c in range(max(len(ra), len(rb))):
            x, y = (ra[c] if c < len(ra) else None), (rb[c] if c < len(rb) else None)
            if isinstance(x, float) and isinstance(y, float):
                if abs(x - y) >= 0.005:
                    out.append(f"R{r + 1}C{c + 1}: {x} / {y}")
            elif x != y and not (x in (None, "") and y in (None, "")):
                out.append(f"R{r + 1}C{c + 1}: {x!r} / {y!r}")
    return out


@pytest.mark.libreoffice
def test_libreoffice_agrees_with_a_cash_flow_fed_by_actual_payments(plan, tmp_path, libreoffice):
    lo = recalculate_with_libreoffice(plan, tmp_path / "lo")
    assert differences(plan, lo) == []
    assert realise_differences(plan, lo) == []


def test_the_past_months_are_the_paid_entries_and_the_budget_still_adds_up(plan, folder):
    data = recalc(plan, write=False).to_json()
    months = {m["month"]: m for m in data["months"]}
    # the sample's expense workbook: the crew's pay actually paid in May 2026, all of chapter 2
    from xlprod.kinds.depenses.actuals import actual_payments
    from xlprod.kinds.depenses.reader import read_entries

    book = XlsxFile(folder / "depenses-les-heures-claires.xlsx")
    paid = actual_payments(read_entries(book.table("Depenses"), "x", []).entries)
    assert Decimal(months["2026-05-01"]["payments"]["2"]) == paid.by_key["2"][dt.date(2026, 5, 1)]
    # no refund is ever forecast: a chapter already overspent (the crew's, in the sample) has nothing
    # left to pay, and the others are paid in full: the plan ends below its opening balance by the overspend
    assert all(Decimal(v) >= 0 for m in data["months"] for v in m["payments"].values())
    codes = {i["code"] for i in data["issues"]}
    assert "TRE035" in codes and "TRE032" not in codes
    over = next(i for i in data["issues"] if i["code"] == "TRE035")
    assert over["message"].startswith("2 — Personnel")
    from xlprod.core.location import column_letter
    from xlprod.kinds.tresorerie import layout as TL

    paid_cell = f"{column_letter(TL.REALISE_HELP_COL)}{TL.REALISE_FIRST_ROW + TL.BUDGET_KEYS.index('2')}"
    assert over["location"].endswith(f"Réalisé!{paid_cell}")  # chapter 2's « Payé réel »
    assert Decimal(data["final_balance"]) < Decimal(50_000)
    stamp = XlsxFile(plan).named_cell("TRESO_REALISE_COPIE")[0]
    assert stamp.startswith("depenses-les-heures-claires.xlsx — ") and "jusqu'au 30/09/2026" in stamp


def test_without_the_expense_workbook_the_last_copy_keeps_the_same_figures(plan):
    before = recalc(plan).to_json()
    (plan.parent / "depenses-les-heures-claires.xlsx").unlink()
    after = recalc(plan).to_json()
    assert "TRE032" in {i["code"] for i in after["issues"]}
    assert after["months"] == before["months"] and after["final_balance"] == before["final_balance"]


def test_an_earlier_date_makes_fewer_months_actual(plan):
    wb = openpyxl.load_workbook(plan)
    names = wb.defined_names
    sheet, cell = next(iter(names["TRESO_REALISE_JUSQUA"].destinations))
    wb[sheet][cell.replace("$", "")].value = dt.datetime(2026, 4, 30)
    wb.save(plan)
    data = recalc(plan).to_json()
    assert XlsxFile(plan).named_cell(L.REALISE_MONTHS_NAME)[0] == 4.0  # January to April 2026
    assert data["final_balance"] == "50000.00"


def _set_through(plan: Path, day: dt.datetime) -> None:
    wb = openpyxl.load_workbook(plan)
    sheet, cell = next(iter(wb.defined_names["TRESO_REALISE_JUSQUA"].destinations))
    wb[sheet][cell.replace("$", "")].value = day
    wb.save(plan)


def test_a_date_to_come_is_said(plan):
    _set_through(plan, dt.datetime(2031, 12, 31))
    assert "TRE036" in {i.code for i in recalc(plan).issues}


def test_without_the_expense_workbook_an_earlier_date_still_applies(plan):
    recalc(plan)
    (plan.parent / "depenses-les-heures-claires.xlsx").unlink()
    _set_through(plan, dt.datetime(2026, 3, 31))
    report = recalc(plan)
    assert "TRE032" in {i.code for i in report.issues}
    assert XlsxFile(plan).named_cell(L.REALISE_MONTHS_NAME)[0] == 3.0  # January to March 2026


def test_the_devis_changed_is_said_and_a_row_singled_out_is_not_a_change_of_the_devis(folder, tmp_path):
    from xlprod.workbook.port import WritePlan
    from xlprod.workbook.sheetxml import CellWrite

    for f in folder.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    devis = tmp_path / "devis-les-heures-claires.xlsx"
    path = build_sample(tmp_path, devis)
    recalc(path)
    book = XlsxFile(path)  # Décaissements singles out the camera (7101) on a row of its own
    dec = book.table(L.TABLE_DECAISSEMENTS)
    grown = book.add_table_row(dec, ["7101", "Caméra", None, 0.0, 0.2, 0.8, 0.0, 0, "oui"])
    assert grown is not None
    book.save()
    assert "TRE030" not in {i.code for i in recalc(path).issues}
    book = XlsxFile(devis)  # the devis itself changes: its first line costs more
    lines = book.table("Devis")
    col = lines.first_col + lines.headers.index("Taux unitaire")
    plan = WritePlan()
    plan.sheet(lines.sheet).set(lines.header_row + 1, col, CellWrite(70_000.0))
    book.apply(plan)
    book.save()
    recalc(devis)
    assert "TRE030" in {i.code for i in recalc(path).issues}
