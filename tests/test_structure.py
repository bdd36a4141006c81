"""What xlprod owns in a devis, put back when a user removed it, and followed when a user moved it.

Edits are made by LibreOffice itself (``lo_edit``), which moves cells and rewrites formulas and
names as a user's edit does; the results are then checked against LibreOffice's recalculation.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.conftest import make_devis, recalc
from tests.lo_edit import edit_with_libreoffice
from xlprod.cli import main
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.parameters import default_parameters
from xlprod.workbook.libreoffice import recalculate_with_libreoffice
from xlprod.workbook.xlsx_file import XlsxFile

LINES = [
    {"account": "241", "label": "Chef opérateur", "quantity": 6, "number": 1, "unit_rate": 2100, "category": "cadre"},
    {"account": "246", "label": "Électricien", "quantity": 20, "number": 2, "unit_rate": 180.5,
     "category": "technicien", "france_share": 0.8},
    {"account": "311", "label": "Rôle principal", "quantity": 25, "unit": "cachet", "number": 1, "unit_rate": 650, "category": "artiste"},
    {"account": "121", "label": "Scénario", "quantity": 1, "number": 1, "unit_rate": 30000, "category": "auteur"},
    {"account": "711", "label": "Véhicules", "quantity": 1, "number": 1, "unit_rate": 4200, "tag:écoproduction": "oui"},
]


def values(path: Path) -> dict[str, object]:
    book = XlsxFile(path)
    return {n: book.named_cell(n)[0] for n in L.result_names()}


def agree_with_libreoffice(path: Path, tmp: Path) -> None:
    """LibreOffice's recalculation of the workbook's own formulas gives xlprod's cached values."""
    ours = values(path)
    theirs = values(recalculate_with_libreoffice(path, tmp / "lo-check"))
    diffs = {n: (ours[n], theirs[n]) for n in ours
             if not (isinstance(ours[n], float | int) and isinstance(theirs[n], float | int)
                     and abs(ours[n] - theirs[n]) < 0.005)}
    assert diffs == {}


def issues_of(capsys) -> str:
    return capsys.readouterr().out


@pytest.mark.libreoffice
def test_rows_and_columns_inserted_in_the_synthese_are_respected_and_the_names_stay_right(tmp_path, libreoffice,
                                                                                       capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    before = values(path)
    edit_with_libreoffice(
        path,
        'sh = doc.Sheets.getByName("Synthèse")',
        "sh.Rows.insertByIndex(0, 2)",  # a letterhead above
        "sh.Columns.insertByIndex(3, 1)",  # a column of the user's own between Montant and %
        'sh.getCellRangeByName("A1").setString("Films du Large — papier à en-tête")',
        'sh.getCellRangeByName("D8").setString("ma note")',
        'sh.getCellRangeByName("D20").setValue(42)',
    )
    assert main(["recalc", str(path)]) == 0
    out = issues_of(capsys)
    assert "DEV043" not in out and "DEV048" not in out  # nothing taken for an overwrite, nothing lost
    book = XlsxFile(path)
    names = book.package.defined_names()
    assert names["DEVIS_TOTAL"].endswith("$C$20") and names["DEVIS_PART_FRANCE"].endswith("$E$22")
    assert values(path) == pytest.approx(before)
    grid = book._grid(L.SHEET_SYNTHESE)
    assert grid[0][0] == "Films du Large — papier à en-tête" and grid[7][3] == "ma note" and grid[19][3] == 42
    assert book.named_cell(L.STATUS_NAME)[1].cell == "A5"
    # a later edit of the lines lands where the cells are now
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=L.DEVIS_HEADER_ROW + 1, column=4).value = 12
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    assert values(path)["DEVIS_POSTE_2"] > before["DEVIS_POSTE_2"]
    assert XlsxFile(path)._grid(L.SHEET_SYNTHESE)[7][3] == "ma note"
    agree_with_libreoffice(path, tmp_path)


def test_a_synthese_cell_typed_over_is_restored_with_a_warning(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    expected = values(path)["DEVIS_TOTAL"]
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_SYNTHESE]["C18"].value = 12345
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    assert "devis.xlsx!Synthèse!C18: avertissement DEV043: Synthèse : la valeur « 12345 » remplaçait" in issues_of(capsys)
    assert values(path)["DEVIS_TOTAL"] == expected
    assert "DEVIS_SOUS_TOTAL+DEVIS_FRAIS_GENERAUX+DEVIS_IMPREVUS" in XlsxFile(path).sheet_formulas(L.SHEET_SYNTHESE)[(18, 3)]


def test_a_deleted_result_name_is_restored_and_said(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    wb = openpyxl.load_workbook(path)
    del wb.defined_names["DEVIS_TOTAL"]
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    assert "DEV049: Nom défini DEVIS_TOTAL supprimé : xlprod l'a rétabli (Synthèse!$C$18)" in issues_of(capsys)
    assert XlsxFile(path).package.defined_names()["DEVIS_TOTAL"] == "Synthèse!$C$18"


@pytest.mark.libreoffice
def test_a_deleted_parameter_name_is_pointed_back_at_its_row_so_no_formula_stays_at_name_error(tmp_path, libreoffice,
                                                                                             capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    edit_with_libreoffice(path, 'doc.NamedRanges.removeByName("PARAM_TAUX_FG")')
    assert "PARAM_TAUX_FG" not in XlsxFile(path).package.defined_names()
    assert main(["recalc", str(path)]) == 0
    assert "DEV049: Nom défini PARAM_TAUX_FG supprimé : xlprod l'a rétabli (Paramètres!$C$" in issues_of(capsys)
    assert values(path)["DEVIS_FRAIS_GENERAUX"] > 0
    agree_with_libreoffice(path, tmp_path)


@pytest.mark.libreoffice
def test_a_parameter_whose_row_was_deleted_gets_its_row_back_with_its_default(tmp_path, libreoffice, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    cell = XlsxFile(path).package.defined_names()["PARAM_TAUX_FG"]
    row = int(cell.rsplit("$", 1)[1])
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Paramètres")', f"sh.Rows.removeByIndex({row - 1}, 1)")
    assert "taux_frais_generaux" not in [r[0] for r in XlsxFile(path).table(L.TABLE_PARAMETRES).rows]
    assert main(["recalc", str(path)]) == 0
    out = issues_of(capsys)
    assert "DEV049: Nom défini PARAM_TAUX_FG cassé" in out and "DEV042" not in out
    book = XlsxFile(path)
    table = book.table(L.TABLE_PARAMETRES)
    assert table.rows[-1][0] == "taux_frais_generaux" and table.rows[-1][2] == 0.07  # back, at the table's end
    assert book.named_cell("PARAM_TAUX_FG")[1].cell == f"C{table.header_row + len(table.rows)}"
    v = values(path)
    assert v["DEVIS_FRAIS_GENERAUX"] == pytest.approx(round(v["DEVIS_BASE_FRAIS_GENERAUX"] * 0.07, 2))
    agree_with_libreoffice(path, tmp_path)
    assert main(["recalc", str(path)]) == 0 and "DEV0" not in issues_of(capsys)


@pytest.mark.libreoffice
def test_deleted_synthese_and_controles_sheets_are_recreated_with_their_names(tmp_path, libreoffice, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    before = values(path)
    # LibreOffice loses the tables of the sheets before a deleted one: the rates summed from the
    # ChargesPatronales table then show #NAME?, and are refused with what to do
    edit_with_libreoffice(path, 'doc.Sheets.removeByName("Synthèse")', 'doc.Sheets.removeByName("Contrôles")')
    assert main(["recalc", str(path)]) == 1
    out = issues_of(capsys)
    assert "LibreOffice le perd quand on supprime une feuille" in out
    assert out.count("DEV048") == 2 and "DEV049: Nom défini DEVIS_TOTAL cassé" in out
    rates = {p.name: float(p.value) for p in default_parameters() if p.components}
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Paramètres")', *(
        f'sh.getCellRangeByName("{XlsxFile(path).named_cell(name)[1].cell}").setValue({value})'
        for name, value in rates.items()))
    assert main(["recalc", str(path)]) == 0
    assert "DEV048" not in issues_of(capsys)
    book = XlsxFile(path)
    assert {L.SHEET_SYNTHESE, L.SHEET_CONTROLES} <= set(book.package.sheet_parts())
    assert values(path) == pytest.approx(before)
    assert book._grid(L.SHEET_CONTROLES)[L.CONTROLES_HEADER_ROW - 1][:3] == ["Gravité", "Emplacement", "Code"]
    assert book._grid(L.SHEET_SYNTHESE)[L.SYN_TOTAL_ROW - 1][1] == "TOTAL GÉNÉRAL DU DEVIS"
    agree_with_libreoffice(path, tmp_path)
    assert main(["recalc", str(path)]) == 0  # and the next run finds everything in place
    assert "DEV048" not in issues_of(capsys)


@pytest.mark.libreoffice
def test_a_deleted_synthese_row_is_an_error_and_the_workbook_keeps_one_set_of_numbers(tmp_path, libreoffice, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Synthèse")',
                          f"sh.Rows.removeByIndex({L.SYN_FIRST_CHARGE_ROW + 1 - 1}, 1)")  # a charges row
    assert main(["recalc", str(path)]) == 1
    out = issues_of(capsys)
    assert "Synthèse: erreur DEV051" in out and "« cadre »" in out and "totaux non mis à jour" in out
    agree_with_libreoffice(path, tmp_path)  # one set of numbers: the workbook's


def test_the_excel_adapter_restores_names_and_sheets_through_xlwings_calls(tmp_path):
    from tests.fake_excel import FakeBook
    from xlprod.services import recalculate
    from xlprod.workbook.excel import ExcelBook

    path = make_devis(tmp_path / "devis.xlsx", LINES)
    fake = FakeBook(path)
    del fake.names["DEVIS_TOTAL"]
    del fake.sheets[L.SHEET_CONTROLES]
    report = recalculate(ExcelBook(fake))
    assert {"DEV048", "DEV049"} <= {i.code for i in report.issues}
    assert fake.names["DEVIS_TOTAL"].refers_to == "=Synthèse!$C$18"
    assert L.SHEET_CONTROLES in fake.sheets
    assert fake.sheets[L.SHEET_CONTROLES].values[(L.CONTROLES_HEADER_ROW, 1)] == "Gravité"


def test_a_second_recalculation_after_a_restoration_is_quiet(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    wb = openpyxl.load_workbook(path)
    del wb.defined_names["DEVIS_POSTE_3"]
    wb.save(path)
    recalc(path)
    assert main(["recalc", str(path)]) == 0
    assert "DEV0" not in issues_of(capsys)


@pytest.mark.libreoffice
def test_a_computed_column_deleted_from_the_table_comes_back_on_its_right(tmp_path, libreoffice, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    before = values(path)
    montant = [c.field for c in L.DEVIS_COLUMNS].index("amount")
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Devis")', f"sh.Columns.removeByIndex({montant}, 1)")
    assert "Montant" not in XlsxFile(path).table(L.TABLE_DEVIS).headers
    assert main(["recalc", str(path)]) == 0
    out = issues_of(capsys)
    assert "DEV052: Colonne calculée « Montant » supprimée du tableau Devis : xlprod l'a rétablie" in out
    assert out.count("DEV043") <= 3  # the formulas LibreOffice rewrote: one message per column, not per cell
    book = XlsxFile(path)
    table = book.table(L.TABLE_DEVIS)
    assert table.headers[-1] == "Montant" and [r[-1] for r in table.rows] == [12600, 7220, 16250, 30000, 4200]
    assert values(path) == pytest.approx(before)
    agree_with_libreoffice(path, tmp_path)
    assert main(["recalc", str(path)]) == 0 and "DEV0" not in issues_of(capsys)


@pytest.mark.libreoffice
def test_the_excel_adapter_restores_a_computed_column_by_resizing_the_table(tmp_path, libreoffice):
    from tests.fake_excel import FakeBook
    from xlprod.services import recalculate
    from xlprod.workbook.excel import ExcelBook

    path = make_devis(tmp_path / "devis.xlsx", LINES)
    poste = [c.field for c in L.DEVIS_COLUMNS].index("chapter")
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Devis")', f"sh.Columns.removeByIndex({poste}, 1)")
    fake = FakeBook(path)
    report = recalculate(ExcelBook(fake))
    assert "DEV052" in {i.code for i in report.issues}
    sheet = fake.sheets[L.SHEET_DEVIS]
    col = len(L.DEVIS_COLUMNS)
    assert sheet.values[(L.DEVIS_HEADER_ROW, col)] == "Poste" and sheet.tables[0].last[1] == col
    assert sheet.formulas[(L.DEVIS_HEADER_ROW + 1, col)].startswith("=IFERROR(VALUE(LEFT(")


@pytest.mark.libreoffice
def test_headers_retyped_without_accent_or_case_keep_every_formula_working(tmp_path, libreoffice, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    before = values(path)
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Devis")',
                          'sh.getCellRangeByName("D5").String = "quantite"',
                          'sh.getCellRangeByName("I5").String = "Categorie de paie"')
    assert main(["recalc", str(path)]) == 0
    assert "DEV043" not in issues_of(capsys)  # LibreOffice renamed the references; so does xlprod
    assert values(path) == pytest.approx(before)
    agree_with_libreoffice(path, tmp_path)


@pytest.mark.libreoffice
def test_a_value_typed_in_a_row_inserted_inside_a_total_is_refused_an_empty_one_is_fine(tmp_path, libreoffice,
                                                                                       capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Synthèse")', "sh.Rows.insertByIndex(8, 1)")
    assert main(["recalc", str(path)]) == 0  # an empty row, for readability: nothing changes
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Synthèse")', 'sh.getCellRangeByName("C9").setString("note")')
    assert main(["recalc", str(path)]) == 0  # text: SUM ignores it, as xlprod does
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Synthèse")', 'sh.getCellRangeByName("C9").Value = 1000')
    assert main(["recalc", str(path)]) == 1
    out = issues_of(capsys)
    assert "Synthèse!C9: erreur DEV053" in out and "totaux non mis à jour" in out
    agree_with_libreoffice(path, tmp_path)


@pytest.mark.libreoffice
def test_rows_and_columns_inserted_in_the_controls_sheet_are_respected(tmp_path, libreoffice, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [*LINES, {**LINES[0], "quantity": "huit"}])
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Contrôles")', "sh.Columns.insertByIndex(0, 1)",
                          "sh.Rows.insertByIndex(0, 2)", 'sh.getCellRangeByName("A7").setString("ma note")',
                          'sh.getCellRangeByName("A2").setString("en-tête")')
    for _ in range(2):
        assert main(["recalc", str(path)]) == 1
    grid = XlsxFile(path)._grid(L.SHEET_CONTROLES)
    assert grid[6][0] == "ma note" and grid[1][0] == "en-tête"
    assert grid[5][1:4] == ["Gravité", "Emplacement", "Code"]  # the header, moved to B6
    assert grid[6][1] == "Erreur" and grid[6][3] == "DEV010"
    assert grid[3][1].startswith("Dernier recalcul le")
    issues_of(capsys)


@pytest.mark.libreoffice
def test_a_workbook_made_before_the_protocol_and_tax_credit_gets_them_quietly(tmp_path, libreoffice, capsys):
    from xlprod.kinds.devis.parameters import default_parameters, new_parameter_names

    path = make_devis(tmp_path / "devis.xlsx", LINES)
    book = XlsxFile(path)
    first = L.SYN_PROTOCOL_HEADER_ROW - 1
    new_col = book.table(L.TABLE_DEVIS).headers.index("Crédit impôt")
    param_rows = sorted((int(book.package.defined_names()[p.name].rsplit("$", 1)[1]) for p in default_parameters()
                         if p.name in new_parameter_names()), reverse=True)
    statements = ['sh = doc.Sheets.getByName("Synthèse")', f"sh.Rows.removeByIndex({first - 1}, "
                  f"{L.SYN_LAST_ROW - first + 1})"]
    statements += [f"sh.Rows.removeByIndex({row - 1}, 1)" for row in sorted(L.NEW_CHARGE_ROWS, reverse=True)]
    statements += ['sh = doc.Sheets.getByName("Devis")',
                  f"sh.Columns.removeByIndex({new_col}, 3)", 'sh = doc.Sheets.getByName("Paramètres")']
    statements += [f"sh.Rows.removeByIndex({row - 1}, 1)" for row in param_rows]
    statements += [f'doc.NamedRanges.removeByName("{n}")' for n in sorted(L.NEW_NAMES - {L.STATUS_NAME})]
    statements += [f'doc.NamedRanges.removeByName("{n}")' for n in sorted(new_parameter_names())]
    edit_with_libreoffice(path, *statements)
    assert "DEVIS_FRAIS_FINANCIERS" not in XlsxFile(path).package.defined_names()
    assert "Crédit impôt" not in XlsxFile(path).table(L.TABLE_DEVIS).headers
    assert main(["recalc", str(path)]) == 0
    out = issues_of(capsys)
    assert "DEV049" not in out and "DEV052" not in out and "DEV042" not in out
    book = XlsxFile(path)
    shift = len(L.NEW_CHARGE_ROWS)  # the older Synthèse keeps its own rows: everything below sits higher
    assert book._grid(L.SHEET_SYNTHESE)[L.SYN_PRODUCER_ROW - 1 - shift][1].startswith("Rémunération du producteur")
    assert book._grid(L.SHEET_SYNTHESE)[L.SYN_CREDIT_BASE_ROW - 1 - shift][1] == "Base éligible du crédit d'impôt"
    assert book.named_cell("DEVIS_BASE_FRAIS_GENERAUX")[0] > 0
    assert book.named_cell("DEVIS_BASE_CREDIT_IMPOT")[0] > 0
    assert book.table(L.TABLE_DEVIS).headers[-3:] == ["Crédit impôt", "Base crédit impôt", "Protocole"]
    assert book.named_cell("PARAM_MINIMUM_ARTISTE")[0] == 418.25
    agree_with_libreoffice(path, tmp_path)
    # a line in a population the older Synthèse has no row for: said, and the Synthèse left alone
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Devis")', 'sh.getCellRangeByName("I6").setString("ouvrier")')
    assert main(["recalc", str(path)]) == 1
    assert "DEV056" in issues_of(capsys)


@pytest.mark.libreoffice
def test_the_excel_adapter_puts_a_deleted_parameter_row_back_by_resizing_the_table(tmp_path, libreoffice):
    from tests.fake_excel import FakeBook
    from xlprod.services import recalculate
    from xlprod.workbook.excel import ExcelBook

    path = make_devis(tmp_path / "devis.xlsx", LINES)
    row = int(XlsxFile(path).package.defined_names()["PARAM_TAUX_FG"].rsplit("$", 1)[1])
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Paramètres")', f"sh.Rows.removeByIndex({row - 1}, 1)")
    fake = FakeBook(path)
    table = next(t for t in fake.sheets[L.SHEET_PARAMETRES].tables if t.name == L.TABLE_PARAMETRES)
    last = table.last[0]
    report = recalculate(ExcelBook(fake))
    assert "DEV049" in {i.code for i in report.issues} and "DEV040" not in {i.code for i in report.issues}
    assert table.last[0] == last + 1
    assert fake.sheets[L.SHEET_PARAMETRES].values[(last + 1, 1)] == "taux_frais_generaux"
    assert fake.names["PARAM_TAUX_FG"].refers_to.endswith(f"$C${last + 1}")


@pytest.mark.libreoffice
def test_a_parameter_kept_in_its_name_for_lack_of_room_goes_back_to_a_row_once_there_is_room(tmp_path, libreoffice,
                                                                                            capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    book = XlsxFile(path)
    row = int(book.package.defined_names()["PARAM_TAUX_FG"].rsplit("$", 1)[1])
    table = book.table(L.TABLE_PARAMETRES)
    below = table.header_row + len(table.rows)  # after the deletion, the row just below the table
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Paramètres")', f"sh.Rows.removeByIndex({row - 1}, 1)",
                          f'sh.getCellRangeByName("A{below}").setString("note")')
    assert main(["recalc", str(path)]) == 0
    assert XlsxFile(path).package.defined_names()["PARAM_TAUX_FG"] == "0.07"  # no room: the value, in the name
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Paramètres")', f'sh.getCellRangeByName("A{below}").setString("")')
    capsys.readouterr()
    assert main(["recalc", str(path)]) == 0
    assert "valeur fixe 0.07" in issues_of(capsys)
    book = XlsxFile(path)
    assert book.named_cell("PARAM_TAUX_FG")[1].cell == f"C{below}" and book.named_cell("PARAM_TAUX_FG")[0] == 0.07
    agree_with_libreoffice(path, tmp_path)


def test_a_parameter_key_typed_twice_is_said(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    book = XlsxFile(path)
    table = book.table(L.TABLE_PARAMETRES)
    grown = book.add_table_row(table, ["taux_imprevus", "Imprévus", 0.2])  # as Excel extends a table typed below it
    assert grown is not None
    book.save()
    assert main(["recalc", str(path)]) == 0
    out = issues_of(capsys)
    assert "DEV055" in out and "« taux_imprevus » en double" in out
