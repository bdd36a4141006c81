"""The Excel adapter against a stand-in that returns what Excel and xlwings really return
(``tests/fake_excel.py``): formula-bar forms, scalars for one cell, flat lists for one row."""

from __future__ import annotations

import pytest

from tests.conftest import NOW, make_devis, recalc
from tests.fake_excel import FakeBook
from xlprod.core.location import parse_cell_ref
from xlprod.kinds.devis import layout as L
from xlprod.services import recalculate
from xlprod.workbook.excel import ExcelBook, as_grid
from xlprod.workbook.formulas import normalize_formula, same_formula

AMOUNT = L.COLUMN_BY_FIELD["amount"].formula or ""
FRANCE = L.COLUMN_BY_FIELD["france_amount"].formula or ""
AMOUNT_COL = [c.field for c in L.DEVIS_COLUMNS].index("amount") + 1
FIRST = L.DEVIS_HEADER_ROW + 1

LINES = [
    {"account": "241", "label": "Directeur de la photographie", "quantity": 7, "unit": "semaine", "number": 1,
     "unit_rate": 3000, "category": "cadre"},
    {"account": "242", "label": "Chef électricien", "quantity": 6, "unit": "semaine", "number": 1,
     "unit_rate": "1 950,50", "category": "tech"},
    {"account": "711", "label": "Location caméra", "quantity": 6, "unit": "semaine", "number": 1,
     "unit_rate": 4200, "france_share": 0.8},
]


@pytest.mark.parametrize("found", [
    "=ROUND([@Quantité]*[@Nombre]*[@[Taux unitaire]],2)",                       # formula bar
    "=ROUND(Devis[@Quantité]*Devis[@Nombre]*Devis[@[Taux unitaire]],2)",        # qualified, short
    "=ROUND(Devis[@[Quantité]]*[@[Nombre]]*[@[Taux unitaire]],2)",              # bracketed
    "=ROUND(Devis[[#This Row],[Quantité]]*Devis[[#This Row],[Nombre]]*Devis[[#This Row],[Taux unitaire]],2)",
    "=round( [@Quantité] * [@Nombre] * [@[Taux unitaire]] , 2)",               # typed by hand
    "=ROUND($H$6*1,2)" if False else "=ROUND(Devis[[#this row],[Quantité]]*[@Nombre]*[@[Taux unitaire]],2)",
])
def test_every_form_of_a_this_row_reference_is_the_same_formula(found):
    assert same_formula(found, AMOUNT)


@pytest.mark.parametrize("found", [
    "=ROUND([@Quantité]*[@Nombre]*[@[Taux unitaire]],3)",
    "=ROUND(Autre[@Quantité]*[@Nombre]*[@[Taux unitaire]],2)",                 # another table's column
    "=ROUND([@Quantité]*[@Nombre]*[@[Part France]],2)",
    "=12345",
    "12345",
])
def test_a_different_formula_or_a_typed_value_is_not_taken_for_xlprods(found):
    assert not same_formula(found, AMOUNT)


def test_the_france_formula_in_its_formula_bar_form_matches():
    assert same_formula('=ROUND([@Montant]*IF([@[Part France]]="",1,[@[Part France]]),2)', FRANCE)
    assert normalize_formula("=$A$1 + 2") == "A1+2"


def test_as_grid_takes_every_shape_xlwings_returns():
    assert as_grid("=A1", 1, 1) == [["=A1"]]
    assert as_grid(5.0, 1, 1) == [[5.0]]
    assert as_grid(["a", "b"], 1, 2) == [["a", "b"]]
    assert as_grid(("a", "b"), 2, 1) == [["a"], ["b"]]
    assert as_grid((("a",), ("b",)), 2, 1) == [["a"], ["b"]]


def _devis(tmp_path, lines=LINES):
    return make_devis(tmp_path / "devis.xlsx", lines)


def test_the_excel_adapter_gives_the_files_results_and_leaves_excels_formulas_alone(tmp_path):
    path = _devis(tmp_path)
    book = FakeBook(path)
    report = recalculate(ExcelBook(book), now=NOW)
    assert report.summary.result.total == recalc(path, write=False).summary.result.total
    assert not [i for i in report.issues if i.code == "DEV043"]  # formula-bar forms are not "overwritten"
    devis_writes = [w for w in book.writes if w[0] == L.SHEET_DEVIS]
    assert devis_writes == []  # Excel computes the table: nothing to write there
    synthese = [w for w in book.writes if w[0] == L.SHEET_SYNTHESE]
    assert len(synthese) == 1  # only the status line: its formulas are already there


def test_only_a_cell_really_overwritten_is_restored_and_reported(tmp_path):
    path = _devis(tmp_path)
    book = FakeBook(path)
    devis = book.sheets[L.SHEET_DEVIS]
    devis.formulas.pop((FIRST, AMOUNT_COL))
    devis.values[(FIRST, AMOUNT_COL)] = 12345.0  # typed over the computed amount
    devis.formulas[(FIRST + 1, AMOUNT_COL)] = "=ROUND([@Quantité]*[@Nombre]*[@[Taux unitaire]]*1.1,2)"
    report = recalculate(ExcelBook(book), now=NOW)
    restored = [i for i in report.issues if i.code == "DEV043"]
    assert [str(i.location) for i in restored] == ["devis.xlsx!Devis!H6", "devis.xlsx!Devis!H7"]
    assert "12345" in restored[0].message and "*1.1" in restored[1].message
    assert devis.formulas[(FIRST, AMOUNT_COL)] == "=ROUND([@Quantité]*[@Nombre]*[@[Taux unitaire]],2)"
    writes = [w for w in book.writes if w[0] == L.SHEET_DEVIS]
    assert len(writes) == 1  # both restorations in one block write
    controls = book.sheets[L.SHEET_CONTROLES]
    assert controls.values[(L.CONTROLES_HEADER_ROW + 1, 3)] == "DEV043"
    links = [controls.formulas[(L.CONTROLES_HEADER_ROW + i, 2)] for i in (1, 2)]
    assert links == ['=HYPERLINK("#Devis!H6","Devis!H6")', '=HYPERLINK("#Devis!H7","Devis!H7")']


def test_writes_happen_with_screen_updating_and_calculation_off_and_both_come_back(tmp_path):
    path = _devis(tmp_path)
    book = FakeBook(path)
    book.app.calculation = "semiautomatic"
    recalculate(ExcelBook(book), now=NOW)
    assert book.writes and all(not screen and calc == "manual" for *_, screen, calc in book.writes)
    assert (book.app.screen_updating, book.app.calculation) == (True, "semiautomatic")


def test_excel_state_is_restored_when_a_write_fails(tmp_path):
    path = _devis(tmp_path)
    book = FakeBook(path)

    def broken(*_):
        raise RuntimeError("COM error")
    book.record = broken
    with pytest.raises(RuntimeError):
        recalculate(ExcelBook(book), now=NOW)
    assert (book.app.screen_updating, book.app.calculation) == (True, "automatic")


def test_a_one_line_devis_is_read_from_scalars_and_flat_lists(tmp_path):
    path = _devis(tmp_path, LINES[:1])
    book = FakeBook(path)
    report = recalculate(ExcelBook(book), now=NOW)
    assert report.errors == 0
    assert report.summary.result.total == recalc(path, write=False).summary.result.total
    assert len(report.summary.budget.lines) == 1


def test_a_table_whose_rows_were_all_deleted_reads_as_empty(tmp_path):
    path = _devis(tmp_path, LINES[:1])
    book = FakeBook(path)
    table = book.sheets[L.SHEET_DEVIS].tables[0]
    table.last = (table.first[0], table.last[1])  # Excel: DataBodyRange is Nothing
    report = recalculate(ExcelBook(book), now=NOW)
    assert report.summary.result.total == 0


def test_parse_cell_ref_reads_quoted_sheet_names():
    assert parse_cell_ref("'Paramètres'!$C$6") == ("Paramètres", "C6", 6, 3)
    assert parse_cell_ref("=Synthèse!$C$15") == ("Synthèse", "C15", 15, 3)
    assert parse_cell_ref('"devis"') is None


def test_a_control_character_pasted_from_word_never_reaches_the_sheet_xml():
    from xlprod.workbook.sheetxml import escape_cell_text
    assert escape_cell_text("Chef op\x0bsuite <A&B> _x0041_") == "Chef op_x000B_suite &lt;A&amp;B&gt; _x005F_x0041_"


def test_an_account_typed_as_a_number_stays_text_after_a_run_and_is_not_rewritten_again(tmp_path):
    path = _devis(tmp_path)
    book = FakeBook(path)
    devis = book.sheets[L.SHEET_DEVIS]
    devis.values[(FIRST, 1)] = 241.0  # typed in Excel: a number in a General cell
    recalculate(ExcelBook(book), now=NOW)
    assert devis.values[(FIRST, 1)] == "241"  # written with the apostrophe prefix: text, as the contract says
    book.writes.clear()
    recalculate(ExcelBook(book), now=NOW)
    assert not [w for w in book.writes if w[0] == L.SHEET_DEVIS]  # nothing left to normalise


def test_contrôles_links_are_written_in_one_block(tmp_path):
    path = _devis(tmp_path)
    book = FakeBook(path)
    devis = book.sheets[L.SHEET_DEVIS]
    for i in range(3):
        devis.values[(FIRST + i, 4)] = "huit"  # three located errors
    recalculate(ExcelBook(book), now=NOW)
    controls = [w for w in book.writes if w[0] == L.SHEET_CONTROLES and w[1] == "formula"]
    assert len(controls) == 1
