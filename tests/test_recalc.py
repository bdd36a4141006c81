"""A devis file end to end: typed lines, recalculation, located errors, and the user's content kept."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import TableColumn

from tests.conftest import make_devis, recalc
from xlprod.cli import main
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.builder import catalogue_rows
from xlprod.kinds.devis.csv_import import read_lines_csv
from xlprod.kinds.devis.demo import sample_csv
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.xlsx_file import XlsxFile

COLS = {c.field: i + 1 for i, c in enumerate(L.DEVIS_COLUMNS)}
FIRST = L.DEVIS_HEADER_ROW + 1


def type_lines(path: Path, lines: dict[int, dict[str, object]]) -> None:
    """What a user does in a spreadsheet: type values into rows of the table, then save."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEVIS]
    for row, values in lines.items():
        for field, value in values.items():
            ws.cell(row=row, column=COLS[field]).value = value
    wb.save(path)


def named_values(path: Path) -> dict[str, object]:
    book = XlsxFile(path)
    return {n: book.named_cell(n)[0] for n in L.result_names()}


def test_new_devis_starts_with_the_catalogue_and_clean_controls(tmp_path):
    path = tmp_path / "devis.xlsx"
    assert main(["new", "devis", str(path), "--titre", "Mon film"]) == 0
    book = XlsxFile(path)
    table = book.table(L.TABLE_DEVIS)
    assert len(table.rows) == len(catalogue_rows())
    assert table.headers == [c.header for c in L.DEVIS_COLUMNS]
    assert named_values(path)["DEVIS_TOTAL"] == 0
    assert book.named_cell("PROJET_TITRE")[0] == "Mon film"


def test_typed_lines_give_hand_computed_totals(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [{"account": "0", "label": "placeholder"}] * 6)
    type_lines(path, {
        FIRST: {"account": "241", "label": "Chef opérateur", "quantity": 7, "number": 1, "unit_rate": 3000,
                "category": "cadre"},
        FIRST + 1: {"account": "246", "label": "Électriciens", "quantity": 7, "number": 2, "unit_rate": "1 600,50",
                    "category": "Techniciens"},
        FIRST + 2: {"account": "711", "label": "Caméra", "quantity": 7, "number": 1, "unit_rate": 4800,
                    "france_share": 0.5, "tag:écoproduction": "x"},
        FIRST + 3: {"account": "4701", "label": "Taxes", "quantity": 1, "number": 1, "unit_rate": 999.99},
        FIRST + 4: {"account": None, "label": None},
        FIRST + 5: {"account": None, "label": None},
    })
    assert main(["recalc", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    gross_tech = Decimal("7") * 2 * Decimal("1600.50")  # 22407.00
    charges = ((Decimal("21000") * Decimal("0.63656")).quantize(Decimal("0.01"))  # cadre: 63,656 % from its components
               + (gross_tech * Decimal("0.6212")).quantize(Decimal("0.01")))  # technicien: 62,12 %
    ch2 = Decimal("21000") + gross_tech
    ch4 = Decimal("999.99") + charges
    subtotal = ch2 + ch4 + Decimal("33600")
    assert data["chapters"][1]["amount"] == f"{ch2:.2f}"
    assert data["chapters"][3]["amount"] == f"{ch4:.2f}"
    assert data["subtotal"] == f"{subtotal:.2f}"
    overhead = (subtotal * Decimal("0.07")).quantize(Decimal("0.01"))
    contingency = (subtotal * Decimal("0.05")).quantize(Decimal("0.01"))
    assert data["total"] == f"{subtotal + overhead + contingency:.2f}"
    assert data["france_total"] == f"{subtotal - Decimal('16800'):.2f}"
    assert data["tags"]["écoproduction"] == "33600.00"
    assert data["errors"] == 0
    # the text number and the lenient category / tag were normalised in the workbook itself
    table = XlsxFile(path).table(L.TABLE_DEVIS)
    assert table.rows[1][COLS["unit_rate"] - 1] == 1600.5
    assert table.rows[1][COLS["category"] - 1] == "technicien"
    assert table.rows[2][COLS["tag:écoproduction"] - 1] == "oui"
    # cached values are there for readers that do not recalculate
    assert float(data["total"]) == pytest.approx(named_values(path)["DEVIS_TOTAL"], abs=0.005)


def test_broken_inputs_give_located_messages_and_a_nonzero_exit(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [{"account": "241"}] * 5)
    type_lines(path, {
        FIRST: {"account": "241", "quantity": "huit", "number": 1, "unit_rate": 100, "category": "cadre"},
        FIRST + 1: {"account": "242", "quantity": -2, "number": 1, "unit_rate": 100, "category": "technicien"},
        FIRST + 2: {"account": "243", "quantity": 1, "number": 1, "unit_rate": "1,234", "category": "technicien"},
        FIRST + 3: {"account": "244", "quantity": 1, "number": 1, "unit_rate": 100},
        FIRST + 4: {"account": "411", "quantity": 1, "number": 1, "unit_rate": 5000},
    })
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert "devis.xlsx!Devis!D6: erreur DEV010" in out
    assert "devis.xlsx!Devis!D7: erreur DEV013" in out
    assert "devis.xlsx!Devis!G8: erreur DEV010" in out and "ambigu" in out
    assert "devis.xlsx!Devis!I9: erreur DEV020" in out
    assert "devis.xlsx!Devis!G10: erreur DEV032" in out
    assert "Traceback" not in out
    wb = openpyxl.load_workbook(path, read_only=True)  # the Contrôles sheet lists the same problems
    rows = list(wb[L.SHEET_CONTROLES].iter_rows(min_row=L.CONTROLES_HEADER_ROW + 1, values_only=True))
    assert ("Erreur", "Devis!D6", "DEV010") in {r[:3] for r in rows}


def test_a_missing_column_is_reported_without_writing_totals(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [{"account": "241"}])
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEVIS]
    table = ws.tables[L.TABLE_DEVIS]
    col = COLS["unit_rate"]
    ws.cell(row=L.DEVIS_HEADER_ROW, column=col, value="Tarif")
    table.tableColumns[col - 1].name = "Tarif"
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert "devis.xlsx!Devis!A5:S6: erreur DEV041: Colonne « Taux unitaire » absente" in out
    assert "contrôlé, totaux non mis à jour" in out  # no totals computed from a table that lost a column


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04broken", b""])
def test_corrupt_files_are_refused_with_a_clear_message(tmp_path, content, capsys):
    path = tmp_path / "devis.xlsx"
    path.write_bytes(content)
    assert main(["recalc", str(path)]) == 2
    err = capsys.readouterr().err
    assert "devis.xlsx: erreur:" in err and "Traceback" not in err
    assert path.read_bytes() == content  # untouched


def test_a_file_open_in_excel_is_refused_and_left_untouched(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [{"account": "241"}])
    before = path.read_bytes()
    (tmp_path / "~$devis.xlsx").write_bytes(b"lock")
    assert main(["recalc", str(path)]) == 2
    assert "ouvert" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_a_workbook_that_is_not_xlprod_is_refused(tmp_path):
    path = tmp_path / "autre.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(WorkbookError, match="XLPROD_TYPE"):
        recalc(path)


def test_hostile_xml_is_refused(tmp_path):
    path = make_devis(tmp_path / "devis.xlsx", [{"account": "241"}])
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    parts["xl/workbook.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + parts["xl/workbook.xml"].split(b"?>", 1)[1]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with pytest.raises(WorkbookError, match="interdites"):
        recalc(path)


def test_user_content_survives_a_recalculation(tmp_path):
    from openpyxl.drawing.image import Image
    from PIL import Image as PILImage

    path = make_devis(tmp_path / "devis.xlsx", [{"account": "241", "label": "Chef op", "quantity": 7, "number": 1,
                                                 "unit_rate": 3000, "category": "cadre"}] + [{"account": "711"}])
    # the user's own additions, saved by a spreadsheet tool
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEVIS]
    ws.cell(row=FIRST, column=2).comment = Comment("Tarif négocié avec l'agent", "Prod")
    ws.cell(row=FIRST, column=2).fill = PatternFill("solid", fgColor="FFFF00")
    extra = len(L.DEVIS_COLUMNS) + 1
    table = ws.tables[L.TABLE_DEVIS]
    ws.cell(row=L.DEVIS_HEADER_ROW, column=extra, value="Fournisseur")
    ws.cell(row=FIRST, column=extra, value="Loueur Paris")
    table.ref = table.ref.replace(table.ref.split(":")[1][:1], "R", 1)
    table.tableColumns.append(TableColumn(id=extra, name="Fournisseur"))
    table.autoFilter.ref = table.ref
    notes = wb.create_sheet("Mes notes")
    for i, (k, v) in enumerate([("Prépa", 10), ("Tournage", 35), ("Post", 20)], start=1):
        notes.cell(row=i, column=1, value=k)
        notes.cell(row=i, column=2, value=v)
    notes["D1"] = "=DEVIS_TOTAL*0.3"
    chart = BarChart()
    chart.add_data(Reference(notes, min_col=2, min_row=1, max_row=3))
    notes.add_chart(chart, "D5")
    PILImage.new("RGB", (20, 20), "red").save(tmp_path / "logo.png")
    notes.add_image(Image(str(tmp_path / "logo.png")), "H5")
    wb.defined_names["MON_TOTAL"] = DefinedName("MON_TOTAL", attr_text="'Mes notes'!$B$1")
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        before = {i.filename: zf.read(i) for i in zf.infolist()}

    report = recalc(path)
    assert report.errors == 0

    with zipfile.ZipFile(path) as zf:
        after = {i.filename: zf.read(i) for i in zf.infolist()}
    owned = {"xl/workbook.xml", "xl/calcChain.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"}
    owned |= {f"xl/worksheets/sheet{i}.xml" for i in (1, 2, 4)}  # Devis, Synthèse, Contrôles
    owned.add("xl/worksheets/sheet3.xml")  # Paramètres: the rates' cached totals, which openpyxl drops (checked below)
    for name, data in before.items():
        if name not in owned:
            assert after.get(name) == data, f"{name} changed"
    assert any(n.startswith("xl/charts/") for n in after) and any(n.startswith("xl/media/") for n in after)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEVIS]
    assert ws.cell(row=FIRST, column=2).comment.text.startswith("Tarif négocié")
    assert ws.cell(row=FIRST, column=2).fill.fgColor.rgb.endswith("FFFF00")
    assert ws.cell(row=FIRST, column=extra).value == "Loueur Paris"
    assert "MON_TOTAL" in wb.defined_names
    assert wb["Mes notes"]["D1"].value == "=DEVIS_TOTAL*0.3"
    assert named_values(path)["DEVIS_POSTE_2"] == 21000
    book = XlsxFile(path)  # the rates summed from their components got their cached totals back
    assert book.named_cell("PARAM_TAUX_CHARGES_TECHNICIEN")[0] == 0.6212
    assert book.sheet_formulas(L.SHEET_PARAMETRES)[(12, 3)] == "SUM(ChargesPatronales[Technicien])"


def test_an_overwritten_amount_gets_its_formula_back_and_is_reported(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [{"account": "241", "quantity": 7, "number": 1, "unit_rate": 3000,
                                                 "category": "cadre"}, {"account": "711"}])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["amount"]).value = 12345
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    out = capsys.readouterr().out
    assert "devis.xlsx!Devis!H6: avertissement DEV043: Montant : la valeur « 12345 » remplaçait le calcul" in out
    formula = openpyxl.load_workbook(path)[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["amount"]).value
    assert formula == "=" + L.COLUMN_BY_FIELD["amount"].formula
    assert named_values(path)["DEVIS_POSTE_2"] == 21000


def test_a_second_recalculation_leaves_the_lines_untouched(tmp_path):
    path = make_devis(tmp_path / "devis.xlsx", catalogue_rows())
    with zipfile.ZipFile(path) as zf:
        before = zf.read("xl/worksheets/sheet1.xml")
    recalc(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/worksheets/sheet1.xml") == before


def _retype_cell(path: Path, ref: str, number: str) -> None:
    """Change one input the way Excel saves it: the sheet part rewritten, every cached value kept."""
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as zf:
        items = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            if info.filename == part:
                text = data.decode()
                start = text.index(f'<c r="{ref}"')
                end = text.index("</c>", start) + len("</c>")
                style = text[start:end].split(' s="', 1)[1].split('"', 1)[0]
                data = (text[:start] + f'<c r="{ref}" s="{style}"><v>{number}</v></c>' + text[end:]).encode()
            zf.writestr(info, data)


def _rows_xml(path: Path) -> dict[int, str]:
    with zipfile.ZipFile(path) as zf:
        text = zf.read("xl/worksheets/sheet1.xml").decode()
    rows = text.split("<row ")[1:]
    return {int(r.split('r="', 1)[1].split('"', 1)[0]): r for r in rows}


def test_an_edited_rate_refreshes_its_row_and_nothing_else(tmp_path):
    path = make_devis(tmp_path / "devis.xlsx", read_lines_csv(sample_csv()))
    row = FIRST + 3
    _retype_cell(path, f"G{row}", "1234.5")
    before = _rows_xml(path)
    table = XlsxFile(path).table(L.TABLE_DEVIS)
    quantity, number = (table.rows[3][COLS[f] - 1] for f in ("quantity", "number"))
    recalc(path)
    after = _rows_xml(path)
    assert [r for r in before if before[r] != after[r]] == [row]
    line = XlsxFile(path).table(L.TABLE_DEVIS).rows[3]
    expected = float((Decimal(str(quantity)) * Decimal(str(number)) * Decimal("1234.5")).quantize(Decimal("0.01")))
    assert line[COLS["amount"] - 1] == expected
    assert f'<f>{L.COLUMN_BY_FIELD["amount"].formula}</f>' in after[row]
