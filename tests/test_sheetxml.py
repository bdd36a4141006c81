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


def _cells_and_rows(xml: str) -> tuple[dict, dict]:
    """What a spreadsheet reads: each row's attributes (``spans`` aside, a hint) and each cell's."""
    from lxml import etree

    root = etree.fromstring(xml.encode())
    rows, cells = {}, {}
    for row in root.iter("{*}row"):
        rows[row.get("r")] = {k: v for k, v in row.attrib.items() if k != "spans"}
        for c in row.iter("{*}c"):
            cells[c.get("r")] = (dict(c.attrib), etree.tostring(c, encoding="unicode", with_tail=False).split(">", 1)[1])
    dimension = root.find("{*}dimension")
    return rows, {**cells, "dimension": dimension.get("ref") if dimension is not None else None}


def _clearing(rows_xml: str, writes: dict, clear_from_row: int, clear_cols: tuple[int, int] | None) -> SheetPatch:
    p = patch(writes)
    p.clear_from_row, p.clear_cols = clear_from_row, clear_cols
    return p


CONTROLS_LIKE = ('<row r="1" spans="1:7"><c r="A1" t="inlineStr"><is><t>Contrôles</t></is></c></row>'
                 '<row r="4" spans="1:7" ht="20" customHeight="1"><c r="A4" s="2" t="inlineStr"><is><t>Gravité</t></is></c>'
                 '<c r="B4" s="2" t="inlineStr"><is><t>Code</t></is></c></row>'
                 '<row r="5"><c r="A5" t="inlineStr"><is><t>Erreur</t></is></c><c r="B5"><v>3</v></c>'
                 '<c r="G5" t="inlineStr"><is><t>note de l\'utilisateur</t></is></c></row>'
                 '<row r="6" ht="30" customHeight="1"/><row r="7"><c r="A7"><f>B5*2</f><v>6</v></c></row>'
                 '<row r="9"><c r="H9"><v>42</v></c></row>')


def test_a_table_rewritten_from_a_row_down_as_text_reads_as_the_parsed_path_writes_it():
    import xlprod.workbook.sheetxml as sx

    writes = {(1, 1): CellWrite("Contrôles — 2 erreurs"), (5, 1): CellWrite("Avertissement"),
              (5, 2): CellWrite(4.0, "A1&1", owned=True), (6, 2): CellWrite("x < y & z"),
              (8, 1): CellWrite(None, "B5", owned=True), (11, 12): CellWrite(True)}
    for clear_cols in (None, (1, 5), (2, 2)):
        xml = sheet(CONTROLS_LIKE)
        text_out, text_restored = apply(xml, _clearing(CONTROLS_LIKE, writes, 5, clear_cols))
        tree_out = sx._patch_tree(xml.encode(), dict(writes), 5, [], lambda r, c: False, clear_cols).decode()
        assert "<row" in text_out and "xmlns:" not in text_out.replace('xmlns="', "")
        assert _cells_and_rows(text_out) == _cells_and_rows(tree_out), clear_cols
        assert text_restored == []
    # with (1, 5) cleared, the user's note in G5 and the figure in H9 stay; the formula in A7 is gone
    out, _ = apply(sheet(CONTROLS_LIKE), _clearing(CONTROLS_LIKE, writes, 5, (1, 5)))
    assert "note de l'utilisateur" in out and "<v>42</v>" in out and "B5*2" not in out and '<dimension ref="A1:L11"/>' in out


def test_a_table_rewritten_from_a_row_down_takes_the_parsed_path_for_unusual_shapes():
    import xlprod.workbook.sheetxml as sx

    calls = []
    original = sx._patch_tree

    def tree(*args, **kwargs):
        calls.append(args[2])
        return original(*args, **kwargs)

    sx._patch_tree = tree
    try:
        for rows, writes in (
            ('<row r="5"><c r="A5"><v>1</v></c></row><row><c r="A6"><v>2</v></c></row>', {(5, 1): CellWrite(1.0)}),
            ('<row r="5"><c><v>1</v></c></row>', {(5, 1): CellWrite(1.0)}),
            ('<row r="6"><c r="A6"/></row><row r="5"><c r="A5"/></row>', {(5, 1): CellWrite(1.0)}),
            ('<row r="5"><c r="G5"><v>1</v></c></row>', {(5, 7): CellWrite(2.0)}),  # a kept cell written
            ('<row r="2"><c r="A2"/></row>', {(2, 3): CellWrite(2.0)}),  # a missing cell above the table
        ):
            xml = sheet(rows)
            out, _ = apply(xml, _clearing(rows, writes, 5, (1, 5)))
            assert _cells_and_rows(out) == _cells_and_rows(original(xml.encode(), dict(writes), 5, [], lambda r, c: False,
                                                                    (1, 5)).decode())
        assert len(calls) == 5
    finally:
        sx._patch_tree = original


def test_a_table_rewritten_from_a_row_down_into_an_empty_sheet():
    xml = HEAD.replace("<sheetData>", "<sheetData/>") + "</worksheet>"
    out, _ = apply(xml, _clearing("", {(4, 1): CellWrite("Gravité"), (5, 2): CellWrite(2.0)}, 5, (1, 5)))
    assert "<sheetData><row r=\"4\">" in out and out.endswith("</sheetData></worksheet>") and '<c r="B5"><v>2</v></c>' in out


def test_any_table_rewritten_from_a_row_down_reads_as_the_parsed_path_writes_it():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    import xlprod.workbook.sheetxml as sx

    value = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.text("ab<&é ", max_size=4), st.booleans())
    cell = st.tuples(st.integers(1, 8), st.integers(1, 8))

    @settings(max_examples=150, deadline=None)
    @given(existing=st.dictionaries(cell, value, max_size=25), writes=st.dictionaries(cell, value, max_size=15),
           start=st.integers(1, 8), cols=st.one_of(st.none(), st.tuples(st.integers(1, 4), st.integers(4, 8))),
           heights=st.sets(st.integers(1, 8), max_size=3))
    def check(existing, writes, start, cols, heights):
        rows = ""
        for r in sorted({r for r, _ in existing} | heights):
            body = "".join(render_cell(f"{column_letter(c)}{r}", CellWrite(v), None)
                           for (rr, c), v in sorted(existing.items()) if rr == r)
            attrs = ' ht="18" customHeight="1"' if r in heights else ""
            rows += f'<row r="{r}"{attrs}>{body}</row>' if body else f'<row r="{r}"{attrs}/>'
        xml = sheet(rows)
        cell_writes = {k: CellWrite(v) for k, v in writes.items()}
        out, _ = apply(xml, _clearing(rows, cell_writes, start, cols))
        tree = sx._patch_tree(xml.encode(), dict(cell_writes), start, [], lambda r, c: False, cols).decode()
        assert _cells_and_rows(out) == _cells_and_rows(tree)

    check()


def test_cells_found_by_reference_are_patched_as_one_pass_of_the_pattern_patches_them():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    import xlprod.workbook.sheetxml as sx

    value = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.text("ab<&", max_size=3))
    cell = st.tuples(st.integers(1, 6), st.integers(1, 6))
    shape = st.sampled_from(["value", "formula", "shared", "self-closing"])

    @settings(max_examples=200, deadline=None)
    @given(existing=st.dictionaries(cell, st.tuples(value, shape), max_size=20),
           writes=st.dictionaries(cell, st.tuples(value, st.booleans()), max_size=15),
           shuffled=st.booleans())
    def check(existing, writes, shuffled):
        rows = []
        for r in sorted({r for r, _ in existing}):
            parts = []
            for (rr, c), (v, kind) in sorted(existing.items()):
                if rr != r:
                    continue
                ref = f"{column_letter(c)}{r}"
                if kind == "self-closing":
                    parts.append(f'<c r="{ref}" s="2"/>')
                elif kind == "shared":
                    parts.append(f'<c r="{ref}"><f t="shared" ref="{ref}" si="{c}">A1+{c}</f><v>{c}</v></c>')
                else:
                    parts.append(render_cell(ref, CellWrite(v, f"B{r}*2" if kind == "formula" else None, owned=True),
                                             None))
            rows.append(f'<row r="{r}">{"".join(reversed(parts) if shuffled else parts)}</row>')
        body = "".join(rows)
        cell_writes = {k: CellWrite(v, f"B{k[0]}*2" if owned else None, owned=owned) for k, (v, owned) in writes.items()}
        a, b = [], []
        by_reference = sx._patch_cells_by_reference(body, dict(cell_writes), a, sx._Coverage(SheetPatch()), None)
        by_pattern = sx._patch_cells_by_pattern(body, dict(cell_writes), "", b, sx._Coverage(SheetPatch()), None)
        if not shuffled:
            assert by_reference == by_pattern and a == b
        else:  # cells out of order: what one way leaves over, the general path finds; both end alike
            out_a = sx._patch_tree(sheet(by_reference[0]).encode(), by_reference[1], None, a, lambda r, c: False)
            out_b = sx._patch_tree(sheet(by_pattern[0]).encode(), by_pattern[1], None, b, lambda r, c: False)
            (rows_a, cells_a), (rows_b, cells_b) = _cells_and_rows(out_a.decode()), _cells_and_rows(out_b.decode())
            assert rows_a == rows_b
            assert {k: v for k, v in cells_a.items() if k != "dimension"} == {k: v for k, v in cells_b.items()
                                                                             if k != "dimension"}

    check()


def test_rows_out_of_order_or_numbered_twice_are_patched_as_the_parsed_path_patches_them():
    import xlprod.workbook.sheetxml as sx

    for rows, writes in (
        ('<row r="7"><c r="A7"><v>70</v></c><c r="B7"><v>71</v></c></row><row r="5"><c r="A5"><v>50</v></c></row>',
         {(5, 1): CellWrite(500.0), (7, 1): CellWrite(700.0)}),
        ('<row r="5"><c r="A5"><v>50</v></c></row><row r="6"><c r="A6"><v>60</v></c></row>'
         '<row r="5"><c r="B5"><v>51</v></c></row>', {(5, 2): CellWrite(510.0), (6, 1): CellWrite(600.0)}),
        ('<row r="5"><!-- <row r="3"><c r="A3"><v>1</v></c></row> --><c r="A5"><v>50</v></c></row>',
         {(3, 1): CellWrite(30.0), (5, 1): CellWrite(500.0)}),
    ):
        xml = sheet(rows)
        out, _ = apply(xml, patch(dict(writes)))
        general = sx._patch_tree(xml.encode(), dict(writes), None, [], lambda r, c: False).decode()
        ours, theirs = _cells_and_rows(out)[1], _cells_and_rows(general)[1]
        ours.pop("dimension"), theirs.pop("dimension")  # the parsed path also grows it: a hint to readers
        assert ours == theirs, rows


def test_a_formula_moved_or_filled_down_moves_its_relative_rows_as_excel_copies_it():
    from xlprod.workbook.formulas import shift_rows

    assert shift_rows("E45-F45-5000", 1) == "E46-F46-5000"
    assert shift_rows("'Suivi'!E45-F45+Devis!F5:F9", 2) == "'Suivi'!E47-F47+Devis!F7:F11"  # every sheet's
    assert shift_rows('$E$45+E$45+$E45+LOG10(E45)&"E45"', 1) == '$E$45+E$45+$E46+LOG10(E46)&"E45"'
    assert shift_rows("E1048576+E1", -1) == "E1048575+#REF!"
    # whole rows move as their cells do; whole columns, $ rows and text stay
    assert shift_rows("SUM(45:45)+SUM($45:$46)+SUM(45:$46)+SUM('Suivi'!45:46)+SUM(E:E)&\"45:45\"", 2) == \
        "SUM(47:47)+SUM($45:$46)+SUM(47:$46)+SUM('Suivi'!47:48)+SUM(E:E)&\"45:45\""
    assert shift_rows("SUM(1:2)", -1) == "SUM(#REF!)"
