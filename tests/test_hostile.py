"""Hostile and clumsy input (issue 7): no corrupt file, no traceback, nothing silently ignored.

Each test builds a devis, damages it the way a user, another program or an attacker would (raw
XML where a spreadsheet would not let us), runs the command line on it, and checks the message,
the exit code and the file.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from tests.conftest import make_devis, recalc
from xlprod.cli import main
from xlprod.kinds.devis import layout as L
from xlprod.workbook.xlsx_file import XlsxFile

COLS = {c.field: i + 1 for i, c in enumerate(L.DEVIS_COLUMNS)}
FIRST = L.DEVIS_HEADER_ROW + 1
LINE = {"account": "241", "label": "Chef opérateur", "quantity": 2, "number": 1, "unit_rate": 1000, "category": "cadre"}


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def write_parts(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def sheet_part(path: Path, sheet: str) -> str:
    return XlsxFile(path).package.sheet_parts()[sheet]


def edit_sheet(path: Path, sheet: str, edit) -> None:
    """Rewrite one sheet's XML with ``edit(text) -> text``, as another program would save it."""
    part = sheet_part(path, sheet)
    parts = parts_of(path)
    parts[part] = edit(parts[part].decode()).encode()
    write_parts(path, parts)


def set_cell_xml(path: Path, sheet: str, ref: str, cell_xml: str) -> None:
    """Replace cell ``ref`` (which must exist) by raw XML."""
    def edit(text: str) -> str:
        new, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', cell_xml, text, count=1, flags=re.S)
        assert n == 1, ref
        return new
    edit_sheet(path, sheet, edit)


def inline(ref: str, text: str) -> str:
    from xlprod.workbook.sheetxml import escape_cell_text
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape_cell_text(text)}</t></is></c>'


def assert_well_formed(path: Path) -> None:
    """Every XML part parses with a strict parser (expat rejects what XML 1.0 forbids)."""
    for name, data in parts_of(path).items():
        if name.endswith((".xml", ".rels", ".vml")):
            ET.fromstring(data)


def controls_rows(path: Path) -> list[tuple]:
    """Rows of Contrôles as Excel shows them (calamine decodes ``_x000B_`` as Excel does; openpyxl does not)."""
    grid = XlsxFile(path)._grid(L.SHEET_CONTROLES)
    return [tuple(r) for r in grid[L.CONTROLES_HEADER_ROW:]]


# -- 1. writing is always valid XML -------------------------------------------------------------

FORBIDDEN = "".join(chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20)))


def test_every_code_point_class_is_written_as_xml_a_strict_parser_accepts():
    from xlprod.workbook.sheetxml import CellWrite, render_cell
    samples = [FORBIDDEN, "\ufffe\uffff", "\ud800 lone surrogate", "\x7f\x80\x9f C1", "\u2028\u2029", "🎬中文é",
               "_x0041_ _X0041_ _x00_", "]]>&<>\"'", "\t\n", "x" * 40_000]
    for text in samples:
        xml = render_cell("A1", CellWrite(text), None)
        root = ET.fromstring(f'<r xmlns="urn:x">{xml}</r>'.encode("utf-8", "surrogatepass"))
        shown = "".join(root.itertext())
        assert len(shown) <= 32_767
        formula = render_cell("A1", CellWrite(text, formula="1+1"), None)
        ET.fromstring(f'<r xmlns="urn:x">{formula}</r>'.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("text", [
    f"cadre{FORBIDDEN}",  # every control character XML 1.0 forbids
    "cadre\tavec\ttabulations\net retour",  # allowed ones, kept as they are
    "cadre _x000B_ écrit à la main",  # text that looks like Excel's own escape
    "caté<gorie> & \"guillemets\" 'apostrophes' ]]> émoji 🎬 中文",
])
def test_any_text_quoted_in_a_message_gives_a_well_formed_workbook_that_reads_back_the_same(tmp_path, text, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST}", inline(f"I{FIRST}", text))
    assert XlsxFile(path).table(L.TABLE_DEVIS).rows[0][COLS["category"] - 1] == text  # what Excel would show
    assert main(["recalc", str(path)]) == 1  # unknown category: an error, quoted in Contrôles
    assert_well_formed(path)
    messages = [r[3] for r in controls_rows(path) if r[2] == "DEV021"]
    assert len(messages) == 1 and text.strip() in messages[0]


def test_a_message_longer_than_an_excel_cell_is_cut_in_the_workbook_and_whole_on_the_command_line(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    long_text = "x" * 40_000
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST}", inline(f"I{FIRST}", long_text))
    assert main(["recalc", str(path)]) == 1
    assert long_text in capsys.readouterr().out
    message = next(r[3] for r in controls_rows(path) if r[2] == "DEV021")
    assert len(message) == 32_767 and message.endswith("…")
    assert_well_formed(path)


@pytest.mark.libreoffice
def test_libreoffice_opens_a_workbook_holding_forbidden_characters_and_long_texts(tmp_path, libreoffice):
    from xlprod.workbook.libreoffice import recalculate_with_libreoffice

    path = make_devis(tmp_path / "devis.xlsx", [LINE, {**LINE, "account": "242"}])
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST}", inline(f"I{FIRST}", f"cadre{FORBIDDEN}"))
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST + 1}", inline(f"I{FIRST + 1}", "y" * 40_000))
    recalc(path)
    out = recalculate_with_libreoffice(path, tmp_path / "lo")
    rows = controls_rows(out)
    assert {r[2] for r in rows} >= {"DEV021"}
    assert any("cadre" in (r[3] or "") for r in rows)


# -- 2. nothing outside the table is lost from sight --------------------------------------------

def test_a_line_typed_just_below_the_table_is_an_error_at_its_cell(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    before = XlsxFile(path).named_cell("DEVIS_TOTAL")[0]
    below = FIRST + 1
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEVIS]
    for field, value in {"account": "242", "label": "Cadreur", "quantity": 3, "unit_rate": 900}.items():
        ws.cell(row=below, column=COLS[field]).value = value
    ws.cell(row=below + 3, column=COLS["amount"]).value = "=SUM(Devis[Montant])"  # a user's own total: a warning
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"devis.xlsx!Devis!A{below}: erreur DEV045: Ligne {below} sous le tableau Devis" in out
    assert f"devis.xlsx!Devis!H{below + 3}: avertissement DEV046" in out
    assert XlsxFile(path).named_cell("DEVIS_TOTAL")[0] == before  # not taken in silently


def test_a_table_with_a_header_and_no_line_is_read_as_an_empty_devis(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    parts = parts_of(path)
    table = next(n for n in parts if n.startswith("xl/tables/") and b'name="Devis"' in parts[n])
    parts[table] = re.sub(rb'ref="A5:([A-Z]+)\d+"', rb'ref="A5:\g<1>5"', parts[table])
    write_parts(path, parts)
    assert main(["recalc", str(path)]) in (0, 1)
    captured = capsys.readouterr()
    assert "total 0,00" in captured.out and "panicked" not in captured.err and "Traceback" not in captured.err


# -- 3. every input cell's state is handled -----------------------------------------------------

@pytest.mark.parametrize("code", ["#DIV/0!", "#REF!", "#N/A", "#VALUE!"])
def test_an_error_value_in_an_input_cell_is_a_located_error(tmp_path, code, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"G{FIRST}", f'<c r="G{FIRST}" t="e"><f>1/0</f><v>{code}</v></c>')
    assert main(["recalc", str(path)]) == 1
    assert f"devis.xlsx!Devis!G{FIRST}: erreur DEV010: Taux unitaire : la cellule affiche l'erreur Excel {code}" \
        in capsys.readouterr().out


def test_an_error_value_in_a_parameter_is_a_located_error(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    ref = XlsxFile(path).package.defined_names()["PARAM_TAUX_FG"].split("!")[1].replace("$", "")
    set_cell_xml(path, L.SHEET_PARAMETRES, ref, f'<c r="{ref}" t="e"><v>#REF!</v></c>')
    assert main(["recalc", str(path)]) == 1
    assert f"Paramètres!{ref}: erreur DEV040" in capsys.readouterr().out


def test_an_arithmetic_formula_never_calculated_is_evaluated_and_cached(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"D{FIRST}", f'<c r="D{FIRST}"><f>2*3+1.5</f></c>')
    assert main(["recalc", str(path)]) == 0
    assert f"devis.xlsx!Devis!D{FIRST}: avertissement DEV012" in capsys.readouterr().out
    book = XlsxFile(path)
    assert book.table(L.TABLE_DEVIS).rows[0][COLS["quantity"] - 1] == 7.5
    assert book.named_cell("DEVIS_POSTE_2")[0] == 7500
    assert f'<c r="D{FIRST}"><f>2*3+1.5</f><v>7.5</v></c>' in book.package.read_text(sheet_part(path, L.SHEET_DEVIS))


def test_a_formula_never_calculated_that_refers_to_cells_is_an_error_never_a_zero(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"G{FIRST}", f'<c r="G{FIRST}"><f>Paramètres!C8*1000</f></c>')
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"devis.xlsx!Devis!G{FIRST}: erreur DEV010" in out and "jamais été calculée" in out
    assert "total provisoire" in out


@pytest.mark.parametrize(("field", "value"), [("unit_rate", 1e26), ("unit_rate", 1e308), ("quantity", 5e7),
                                              ("unit_rate", "1e12"), ("france_share", 1e20)])
def test_an_absurd_number_in_a_line_is_a_located_error(tmp_path, field, value, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS[field]).value = value
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert re.search(rf"devis.xlsx!Devis!{L.COLUMN_BY_FIELD[field] and ''}[A-Z]+{FIRST}: erreur DEV01[06]", captured.out)


@pytest.mark.parametrize("value", [1e26, 1e308, -1e308, 123.0])
def test_an_absurd_rate_parameter_is_a_located_error_and_the_default_is_used(tmp_path, value, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    ref = XlsxFile(path).package.defined_names()["PARAM_TAUX_FG"].split("!")[1].replace("$", "")
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_PARAMETRES][ref].value = value
    wb.save(path)
    assert main(["recalc", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and f"Paramètres!{ref}" in captured.out and "DEV040" in captured.out


def test_text_with_more_digits_than_excel_keeps_is_refused(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["unit_rate"]).value = "1000,0000000000001"
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    assert "plus de 15 chiffres" in capsys.readouterr().out


def test_a_refused_input_leaves_the_figures_to_the_workbook_formulas(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE, {**LINE, "account": "242"}])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["quantity"]).value = True  # Excel's formulas read TRUE as 1
    wb.save(path)
    before = {n: XlsxFile(path).named_cell(n)[0] for n in L.result_names()}
    table_before = XlsxFile(path).table(L.TABLE_DEVIS).rows
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert "DEV047" in out and "total provisoire" in out
    book = XlsxFile(path)
    assert {n: book.named_cell(n)[0] for n in L.result_names()} == before
    assert book.table(L.TABLE_DEVIS).rows == table_before
    assert any(r[2] == "DEV010" for r in controls_rows(path))  # Contrôles is written
