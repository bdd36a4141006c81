"""Hostile review of the tax credit, the protocol column, the new parameters and the rate
components: every case ends with one set of numbers (Python's = LibreOffice's recalculation of
the saved file) or a located refusal, and never with a user's cell overwritten."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import make_devis
from tests.lo_edit import edit_with_libreoffice
from tests.test_libreoffice import compare
from xlprod.cli import main
from xlprod.kinds.devis import layout as L
from xlprod.workbook.libreoffice import recalculate_with_libreoffice
from xlprod.workbook.xlsx_file import XlsxFile

DATA = Path(__file__).parent / "data"
LINES = [
    {"account": "211", "label": "Producteur", "quantity": 1, "number": 1, "unit_rate": 30000, "category": "cadre"},
    {"account": "241", "label": "Chef opérateur", "quantity": 6, "unit": "semaine", "number": 1, "unit_rate": 3000,
     "category": "cadre"},
    {"account": "711", "label": "Caméra", "quantity": 1, "unit": "forfait", "number": 1, "unit_rate": 20000},
    {"account": "941", "label": "Agios", "quantity": 1, "unit": "forfait", "number": 1, "unit_rate": 4000},
]


def out_of(capsys) -> str:
    return capsys.readouterr().out


def agree(path: Path, tmp_path: Path) -> None:
    assert compare(path, recalculate_with_libreoffice(path, tmp_path / "lo")) == []


@pytest.mark.libreoffice
def test_unrecognised_protocole_values_and_lines_without_a_chapter_count_alike_everywhere(tmp_path, libreoffice, capsys):
    lines = [*LINES,
             {"account": "212", "label": "oui", "quantity": 1, "number": 1, "unit_rate": 1000, "protocol": "oui"},
             {"account": "942", "label": "bool", "quantity": 1, "number": 1, "unit_rate": 1000, "protocol": True},
             {"account": "", "label": "sans compte", "quantity": 1, "number": 1, "unit_rate": 5000,
              "protocol": "frais financiers"},
             {"account": "0123", "label": "compte 0", "quantity": 1, "number": 1, "unit_rate": 700, "tax_credit": "oui",
              "protocol": "rémunération producteur"},
             {"account": "511", "label": "technicien au poste 5", "quantity": 1, "number": 1, "unit_rate": 900,
              "category": "technicien", "protocol": "rémunération producteur"},
             {"account": "121", "label": "auteur producteur", "quantity": 1, "number": 1, "unit_rate": 800,
              "category": "auteur", "protocol": "rémunération producteur"}]
    path = make_devis(tmp_path / "devis.xlsx", lines)
    agree(path, tmp_path)
    main(["check", str(path)])
    out = out_of(capsys)
    assert "ni comme rémunération du producteur ni comme frais financiers" in out and "valeur VRAI" in out


def test_a_dash_number_is_not_a_yes(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [{**LINES[2], "account": "911", "tax_credit": -1}])
    assert XlsxFile(path).named_cell("DEVIS_BASE_CREDIT_IMPOT")[0] == 0  # insurance, and « -1 » is no « oui »
    main(["check", str(path)])
    assert "Crédit impôt : valeur -1 non reconnue" in out_of(capsys)


@pytest.mark.libreoffice
@pytest.mark.parametrize("typed", ["   ", '=""'])
def test_a_euribor_left_blank_with_spaces_or_an_empty_formula_is_blank_everywhere(tmp_path, libreoffice, typed):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    cell = XlsxFile(path).named_cell("PARAM_EURIBOR_3_MOIS")[1]
    wb = openpyxl.load_workbook(path)
    wb[cell.sheet][cell.cell].value = typed
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    assert XlsxFile(path).named_cell("DEVIS_FRAIS_FINANCIERS_FORFAIT")[0] == 0
    agree(path, tmp_path)


@pytest.mark.libreoffice
def test_a_new_column_that_cannot_be_added_is_a_located_refusal(tmp_path, libreoffice, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    table = XlsxFile(path).table(L.TABLE_DEVIS)
    col = table.headers.index("Protocole")
    right = chr(ord("A") + len(table.headers) - 1)  # the table loses a column: its right neighbour is this one
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Devis")', f"sh.Columns.removeByIndex({col}, 1)",
                          f'sh.getCellRangeByName("{right}6").setString("ma note")')
    assert main(["recalc", str(path)]) == 1
    out = out_of(capsys)
    assert f"Devis!{right}5: erreur DEV041: Colonne(s) « Protocole » absente(s)" in out and f"Videz les colonnes {right}" in out
    assert "totaux non mis à jour" in out
    assert XlsxFile(path).cell_values("Devis", [(6, ord(right) - 64)])[(6, ord(right) - 64)] == "ma note"


@pytest.mark.libreoffice
def test_a_deleted_input_column_comes_back_empty_and_is_said(tmp_path, libreoffice, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [*LINES, {**LINES[2], "account": "911", "tax_credit": "oui"}])
    col = XlsxFile(path).table(L.TABLE_DEVIS).headers.index("Crédit impôt")
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Devis")', f"sh.Columns.removeByIndex({col}, 1)")
    main(["recalc", str(path)])
    assert "DEV052: Colonne « Crédit impôt » supprimée du tableau Devis : xlprod l'a rétablie, vide" in out_of(capsys)
    agree(path, tmp_path)


@pytest.mark.libreoffice
@pytest.mark.parametrize("row", [L.SYN_FLAT_FINANCIAL_ROW, L.SYN_CREDIT_CEILING_ROW])
def test_a_deleted_synthese_row_never_takes_the_place_of_the_users_cells_below(tmp_path, libreoffice, capsys, row):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Synthèse")',
                          f'sh.getCellRangeByName("D{row + 1}").setValue(2222)',
                          f'sh.getCellRangeByName("B{row + 1}").setString("ma note")',
                          f"sh.Rows.removeByIndex({row - 1}, 1)")
    assert main(["recalc", str(path)]) == 1
    assert "DEV051" in out_of(capsys)
    grid = XlsxFile(path)._grid(L.SHEET_SYNTHESE)
    assert grid[row - 1][1] == "ma note" and grid[row - 1][3] == 2222


@pytest.mark.libreoffice
def test_a_components_column_deleted_in_libreoffice_is_said_when_the_rate_sums_another(tmp_path, libreoffice, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    table = XlsxFile(path).table(L.TABLE_CHARGES)
    col = table.first_col - 1 + table.headers.index("Technicien")
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Paramètres")', f"sh.Columns.removeByIndex({col}, 1)")
    main(["recalc", str(path)])
    out = out_of(capsys)
    assert "DEV059" in out or "DEV040" in out
    agree(path, tmp_path)


@pytest.mark.libreoffice
def test_a_workbook_of_the_previous_release_is_brought_up_to_date_without_a_warning(tmp_path, libreoffice, capsys):
    path = tmp_path / "devis.xlsx"
    shutil.copy(DATA / "devis-release-2026-11-28.xlsx", path)
    assert main(["recalc", str(path)]) == 0
    out = out_of(capsys)
    for code in ("DEV041", "DEV042", "DEV043", "DEV049", "DEV051", "DEV052"):
        assert code not in out, out
    book = XlsxFile(path)
    assert book.table(L.TABLE_DEVIS).headers[-3:] == ["Crédit impôt", "Base crédit impôt", "Protocole"]
    assert book.named_cell("DEVIS_BASE_CREDIT_IMPOT")[0] > 0
    assert book.named_cell("PARAM_TAUX_CHARGES_TECHNICIEN")[0] == 0.62  # the rates it had, kept
    agree(path, tmp_path)
    before = {n: book.named_cell(n)[0] for n in L.result_names()}
    assert main(["recalc", str(path)]) == 0
    assert set(re.findall(r"DEV\d{3}", out_of(capsys))) <= {"DEV034"}  # its producer is above the cap
    assert {n: XlsxFile(path).named_cell(n)[0] for n in L.result_names()} == before


def test_an_optional_parameter_without_room_for_its_row_is_an_empty_text_name(tmp_path, capsys):
    path = tmp_path / "devis.xlsx"
    shutil.copy(DATA / "devis-release-2026-11-28.xlsx", path)
    table = XlsxFile(path).table(L.TABLE_PARAMETRES)
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_PARAMETRES].cell(row=table.header_row + len(table.rows) + 1, column=1).value = "ma note"
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    assert XlsxFile(path).package.defined_names()["PARAM_EURIBOR_3_MOIS"] == '""'
    assert "()" not in out_of(capsys)


def test_a_percentage_typed_for_a_parameter_in_euros_is_refused(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    cell = XlsxFile(path).named_cell("PARAM_MINIMUM_ARTISTE")[1]
    wb = openpyxl.load_workbook(path)
    wb[cell.sheet][cell.cell].value = "50 %"
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    assert f"Paramètres!{cell.cell}: erreur DEV040" in out_of(capsys)


def test_the_template_catalogue_classes_builders_as_ouvriers_and_interns_as_stagiaires():
    from xlprod.cnc.reference import account_catalogue

    by_label = {a.label: a.category for a in account_catalogue()}
    assert by_label["Constructeurs"] == by_label["Peintres"] == "ouvrier"
    assert by_label["Stagiaires (gratification)"] == "stagiaire"


def _previous_release(tmp_path: Path) -> Path:
    path = tmp_path / "devis.xlsx"
    shutil.copy(DATA / "devis-release-2026-11-28.xlsx", path)
    return path


def test_a_previous_release_with_notes_right_of_its_table_gets_no_column_until_there_is_room(tmp_path, capsys):
    path = _previous_release(tmp_path)
    table = XlsxFile(path).table(L.TABLE_DEVIS)
    note_col = table.first_col + len(table.headers) + 1  # two columns right of the table
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=table.header_row + 2, column=note_col).value = "ma note"
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    out = out_of(capsys)
    assert "« Crédit impôt », « Base crédit impôt », « Protocole » absente(s)" in out
    assert XlsxFile(path).table(L.TABLE_DEVIS).headers == table.headers  # none added: all or none
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=table.header_row + 2, column=note_col).value = None
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    assert "DEV052" not in out_of(capsys)  # then all three, silently


@pytest.mark.libreoffice
def test_a_previous_release_with_a_note_where_the_new_rows_go_is_told_to_make_room(tmp_path, libreoffice, capsys):
    path = _previous_release(tmp_path)
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Synthèse")',
                          f'sh.getCellRangeByName("A{L.SYN_FILM_COST_ROW + 1}").setString("ma note")',
                          f'sh.getCellRangeByName("C{L.SYN_FILM_COST_ROW + 4}").setValue(1234)')
    for _ in range(2):
        assert main(["recalc", str(path)]) == 1
        out = out_of(capsys)
        assert "DEV060" in out and "Déplacez ce contenu plus bas" in out and "DEV051" not in out
    grid = XlsxFile(path)._grid(L.SHEET_SYNTHESE)
    assert grid[L.SYN_FILM_COST_ROW][0] == "ma note" and grid[L.SYN_FILM_COST_ROW + 3][2] == 1234


@pytest.mark.libreoffice
def test_after_a_deleted_row_a_second_run_still_refuses_and_keeps_the_users_number(tmp_path, libreoffice, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    row = L.SYN_FLAT_FINANCIAL_ROW
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Synthèse")', f'sh.getCellRangeByName("C{row + 1}").setValue(2222)',
                          f"sh.Rows.removeByIndex({row - 1}, 1)")
    for _ in range(2):
        assert main(["recalc", str(path)]) == 1
        out = out_of(capsys)
        assert "DEV051" in out and "DEVIS_FRAIS_FINANCIERS_FORFAIT rétabli" not in out
    assert XlsxFile(path)._grid(L.SHEET_SYNTHESE)[row - 1][2] == 2222


def test_a_component_typed_as_a_bare_number_above_one_is_refused_not_rewritten(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    table = XlsxFile(path).table(L.TABLE_CHARGES)
    col = table.first_col + table.headers.index("Technicien")
    row = table.header_row + 1
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_PARAMETRES].cell(row=row, column=col).value = "4,5"
    below = table.header_row + len(table.rows) + 1
    wb[L.SHEET_PARAMETRES].cell(row=below, column=table.first_col).value = "Composante oubliée"
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    out = out_of(capsys)
    assert "un taux s'écrit en pourcentage (4,5 %)" in out and "DEV061" in out
    assert openpyxl.load_workbook(path)[L.SHEET_PARAMETRES].cell(row=row, column=col).value == "4,5"


def test_new_parameters_without_room_say_so_rather_than_asking_to_restore_a_row(tmp_path, capsys):
    path = _previous_release(tmp_path)
    table = XlsxFile(path).table(L.TABLE_PARAMETRES)
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_PARAMETRES].cell(row=table.header_row + len(table.rows) + 1, column=1).value = "ma note"
    wb.save(path)
    main(["recalc", str(path)])
    out = out_of(capsys)
    assert "ajouté par cette version de xlprod : pas de place sous le tableau Paramètres" in out
    assert "rétablissez sa ligne" not in out
