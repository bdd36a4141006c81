"""The sheet patcher on hand-written worksheet XML: shared formulas, missing cells, prefixes."""

from __future__ import annotations

import re
from decimal import Decimal

from xlprod.core.location import column_letter
from xlprod.workbook.sheetxml import CellWrite, ColumnWrite, SheetPatch, append_rows, apply_patch, render_cell

HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:B3"/><sheetData>'
TAIL = "</sheetData></worksheet>"


def sheet(rows: str) -> str:
    return HEAD + rows + TAIL


def apply(xml: str, p: SheetPatch) -> tuple[str, list]:
    out, restored = apply_patch(xml.encode(), p)
    return out.decode(), restored


def patch(cells: dict) -> SheetPatch:
    p = SheetPatch()
    for key, write in cells.items():
        p.set(*key, write)
    return p


def test_a_shared_formula_feeding_other_cells_is_kept():
    xml = sheet('<row r="1"><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>2</v></c></row>'
                '<row r="2"><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>'
                '<row r="3"><c r="B3"><f t="shared" si="0"/><v>6</v></c></row>')
    out, restored = apply(xml, patch({(1, 2): CellWrite(10.0, "A1*3", owned=True)}))
    assert '<f t="shared" ref="B1:B3" si="0">A1*2</f><v>10</v>' in out and restored == []


def test_a_shared_formula_entirely_rewritten_becomes_explicit():
    xml = sheet('<row r="1"><c r="B1"><f t="shared" ref="B1:B2" si="0">A1*2</f><v>2</v></c></row>'
                '<row r="2"><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>')
    cells = {(1, 2): CellWrite(3.0, "A1*3", owned=True), (2, 2): CellWrite(6.0, "A2*3", owned=True)}
    out, restored = apply(xml, patch(cells))
    assert "shared" not in out and "<f>A2*3</f><v>6</v>" in out
    assert [(r.row, r.old_formula) for r in restored] == [(1, "A1*2")]


def test_missing_cells_and_rows_are_created_in_order_and_dimension_grows():
    xml = sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="3"><c r="A3"><v>1</v></c></row>')
    out, _ = apply(xml, patch({(1, 3): CellWrite(1.5), (2, 1): CellWrite("mid"), (5, 2): CellWrite(None, "A1")}))
    assert out.index('r="A1"') < out.index('r="C1"') < out.index('r="A2"') < out.index('r="A3"') < out.index('r="B5"')
    assert '<dimension ref="A1:C5"/>' in out


def test_prefixed_markup_is_patched_with_the_same_prefix():
    xml = ('<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
           '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    out, _ = apply(xml, patch({(1, 1): CellWrite(2.0), (1, 2): CellWrite("b")}))
    assert '<x:c r="A1"><x:v>2</x:v></x:c><x:c r="B1" t="inlineStr"><x:is><x:t xml:space="preserve">b</x:t></x:is></x:c>' in out


def test_a_computed_column_is_checked_cell_by_cell_not_by_formula_count():
    formula = "Devis[[#This Row],[Q]]*2"
    xml = sheet(f'<row r="1"><c r="B1"><f>{formula}</f><v>2</v></c></row>'
                f'<row r="2"><c r="B2"><v>4</v></c><c r="C2"><f>{formula}</f><v>4</v></c></row>')
    p = SheetPatch(columns=[ColumnWrite(2, formula, 1, [2.0, 4.0], stale=frozenset())])
    out, restored = apply(xml, p)
    assert [(r.row, r.col, r.old_value) for r in restored] == [(2, 2, "4")]
    assert f'<c r="B2"><f>{formula}</f><v>4</v></c>' in out and f'<c r="C2"><f>{formula}</f><v>4</v></c>' in out


def test_only_stale_rows_of_a_computed_column_are_rewritten():
    formula = "A1*2"
    xml = sheet('<row r="1"><c r="B1" s="3"><f>A1*2</f><v>2</v></c></row>'
                '<row r="2"><c r="B2" s="3"><f>A1*2</f><v>9</v></c></row>')
    p = SheetPatch(columns=[ColumnWrite(2, formula, 1, [7.0, 4.0], stale=frozenset({2}))])
    out, restored = apply(xml, p)
    assert restored == []
    assert '<c r="B1" s="3"><f>A1*2</f><v>2</v></c>' in out  # not listed as stale: left as found
    assert '<c r="B2" s="3"><f>A1*2</f><v>4</v></c>' in out


def test_a_formula_saved_by_libreoffice_counts_as_xlprods_own():
    xml = sheet('<row r="1"><c r="B1" s="3" t="n"><f aca="false">IF(A1=&quot;&quot;,1,2)</f><v>1</v></c></row>'
                '<row r="2"><c r="B2" s="3" t="n"><f aca="false">IF(A1=&quot;&quot;,1,2)</f><v>1</v></c></row>')
    p = SheetPatch(columns=[ColumnWrite(2, 'IF(A1="",1,2)', 1, [1.0, 2.0], stale=frozenset({2}))])
    out, restored = apply(xml, p)
    assert restored == []
    assert '<c r="B1" s="3" t="n"><f aca="false">IF(A1=&quot;&quot;,1,2)</f><v>1</v></c>' in out
    assert '<c r="B2" s="3"><f>IF(A1="",1,2)</f><v>2</v></c>' in out


def test_rows_and_cells_without_r_take_the_schema_positions_and_are_never_duplicated():
    from xml.etree import ElementTree as ET

    xml = sheet('<row><c><v>1</v></c><c t="inlineStr"><is><t>b</t></is></c></row>'  # row 1: A1, B1
                '<row><c><v>2</v></c></row>'  # row 2
                '<row r="5"><c r="A5"><v>5</v></c><c><v>6</v></c></row>')  # B5 implied
    cells = {(2, 2): CellWrite(20.0), (5, 2): CellWrite(60.0), (3, 1): CellWrite("new")}
    out, _ = apply(xml, patch(cells))
    ET.fromstring(out)
    rows = re.findall(r'<row r="(\d+)"', out)
    assert rows == ["1", "2", "3", "5"]  # each row once, in order
    assert '<c r="B1" t="inlineStr"><is><t>b</t></is></c>' in out
    assert '<c r="A2"><v>2</v></c><c r="B2"><v>20</v></c>' in out
    assert '<c r="A5"><v>5</v></c><c r="B5"><v>60</v></c>' in out and "<v>6</v>" not in out
    assert out.count('r="A5"') == 1


def test_the_parsed_path_keeps_prefixes_unknown_elements_and_extension_attributes():
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
           'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">'
           '<x:sheetData><x:row r="1" x14ac:dyDescent="0.25"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData>'
           '<x:extLst><x:ext uri="{X}"><foo xmlns="urn:other">kept</foo></x:ext></x:extLst></x:worksheet>')
    out, _ = apply(xml, patch({(1, 2): CellWrite(2.0), (3, 1): CellWrite("t")}))
    assert out.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<x:worksheet')
    assert 'x14ac:dyDescent="0.25"' in out and 'mc:Ignorable="x14ac"' in out and '<foo xmlns="urn:other">kept</foo>' in out
    assert '<x:c r="B1"><x:v>2</x:v></x:c>' in out and '<x:row r="3"><x:c r="A3" t="inlineStr">' in out
    assert out.count("xmlns:x=") == 1  # no namespace declared again on the cells written


def test_a_formula_saved_with_character_references_is_recognised():
    xml = sheet('<row r="1"><c r="A1"><f>"Synth&#232;se "&amp;X</f><v>1</v></c></row>')
    out, restored = apply(xml, patch({(1, 1): CellWrite("Synthèse a", '"Synthèse "&X', owned=True)}))
    assert restored == [] and "&#232;" in out  # kept as written, not taken for an overwrite


def test_a_cell_already_holding_its_formula_and_value_keeps_its_bytes_and_a_changed_one_is_rewritten():
    xml = sheet('<row r="1"><c r="B1" s="4"><f>A1&amp;"x"*2</f><v>2.0000000001</v></c>'
                '<c r="C1" s="4"><f>A1*3</f><v>3</v></c><c r="D1"><f>A1*4</f><v>4</v></c></row>')
    cells = {(1, 2): CellWrite(2.0, 'A1&"x"*2', owned=True), (1, 3): CellWrite(6.0, "A1*3", owned=True),
             (1, 4): CellWrite("4", "A1*4", owned=True)}
    out, restored = apply(xml, patch(cells))
    assert restored == []
    assert '<c r="B1" s="4"><f>A1&amp;"x"*2</f><v>2.0000000001</v></c>' in out  # the same number, to 1e-9
    assert '<c r="C1" s="4"><f>A1*3</f><v>6</v></c>' in out
    assert '<c r="D1" t="str"><f>A1*4</f><v>4</v></c>' in out  # now text: the general way rewrites it


def test_appended_rows_are_written_as_each_cell_alone_would_be():
    texts = ["plain", "a < b & c > d", "_x0041_ literal", "tab\x0bpasted", "x" * 40_000, "", "é — ü"]
    rows = [[t, float(i) + 0.25, None, 3.0, Decimal("1.10"), True] for i, t in enumerate(texts)]
    out = append_rows(sheet("").encode(), 1, 1, rows, {7: 'A1&"x"'}).decode()
    expected = "".join(
        f'<row r="{r}">' + "".join(render_cell(f"{column_letter(c)}{r}", CellWrite(v), None)
                                   for c, v in enumerate(row, 1) if v not in (None, ""))
        + f'<c r="G{r}"><f>A1&amp;"x"</f></c></row>' for r, row in enumerate(rows, 1))
    assert out == HEAD.replace('ref="A1:B3"', 'ref="A1:G7"') + expected + TAIL
    # a text escape_cell_text changes is written as it says, whatever the other texts of its column
    assert "_x005F_x0041_ literal" in out and "tab_x000B_pasted" in out and "x" * 32_766 + "…</t>" in out


def test_a_long_computed_column_is_rewritten_in_one_pass_as_row_by_row(monkeypatch):
    from xlprod.workbook import sheetxml

    n = 3 * sheetxml._ONE_PASS
    formula = 'IF(A1="",1,2)'
    shapes = ['<c r="B{r}" s="3"><f>IF(A1="",1,2)</f><v>1</v></c>', '<c r="B{r}"><f>IF(A1="",1,2)</f></c>',
              '<c r="B{r}" s="3" t="n"><f aca="false">IF(A1=&quot;&quot;,1,2)</f><v>1</v></c>',
              '<c r="B{r}" s="3"><f>IF(A1="",1,2)</f><v>1</v><extLst/></c>']  # an unusual end: the general path
    xml = sheet("".join(f'<row r="{r}">{shapes[r % 4].format(r=r)}</row>' for r in range(1, n + 1)))
    numbers: list = [float(r) / 4 for r in range(1, n + 1)]
    others = [*numbers[:7], None, "texte", *numbers[9:]]
    for values, stale in ((numbers, None), (others, None), (numbers, frozenset(range(2, n, 2)))):
        p = SheetPatch(columns=[ColumnWrite(2, formula, 1, values, stale=stale)])
        once = apply(xml, p)
        monkeypatch.setattr(sheetxml, "_ONE_PASS", n + 1)
        assert once == apply(xml, p)  # the same bytes and the same restored cells, row by row
        monkeypatch.undo()
