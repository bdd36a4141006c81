"""Fuzzing the recalculation: whatever a user types into the input cells, and whatever valid shape
another program gives the sheet's XML.

Every run must: end without a traceback; exit 0 (no error), 1 (errors reported) or 2 (file
refused, and then left byte for byte); leave a well-formed workbook; leave the parts xlprod does
not own byte-identical; and cache the values a fresh computation gives.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_devis
from tests.test_hostile import drop_implied_references, parts_of, write_parts
from xlprod.cli import main
from xlprod.core.cells import ERROR_CODES
from xlprod.core.money import cents_equal
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.recalc import DevisSummary
from xlprod.services import recalculate
from xlprod.workbook.sheetxml import escape_cell_text
from xlprod.workbook.xlsx_file import XlsxFile

FIRST = L.DEVIS_HEADER_ROW + 1
ROWS = 3
LINES = [
    {"account": "241", "label": "Chef opérateur", "quantity": 6, "number": 1, "unit_rate": 2100, "category": "cadre"},
    {"account": "311", "label": "Rôle", "quantity": 25, "number": 1, "unit_rate": 650.5, "category": "artiste",
     "france_share": 0.5},
    {"account": "711", "label": "Véhicules", "quantity": 1, "number": 2, "unit_rate": 4200, "tag:écoproduction": "oui"},
]
INPUTS = [c for c in L.DEVIS_COLUMNS if c.kind != "computed"]
LETTER = {c.field: chr(ord("A") + i) for i, c in enumerate(L.DEVIS_COLUMNS)}
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
                derandomize=True)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_devis(tmp_path_factory.mktemp("fuzz") / "devis.xlsx", LINES)


class Error(str):
    """An Excel error in the cell."""


class Formula(str):
    """A formula stored without a value."""


typed = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from("ab1,% \x0b\x01\x1f\r\n\t_x000B&<>\"é€\u202f\ufffe"), max_size=12),
    st.sampled_from(["1 234,56", "1,234", "1.234,5", "12 %", "3,5", "-2", "1e5", "12 €", "oui", "X", "non", "cadre",
                     "TECH", "jours", "forfait", "2101", " 21 01", "0A", "", "   ", "1000,0000000000001",
                     "9" * 30]),
    st.sampled_from(ERROR_CODES[:7]).map(Error),
    st.sampled_from(["2*3", "1/0", "A1*2", "(1+2)*3,5", "SUM(1,2)", "-4", "1e400"]).map(Formula),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
)


def cell_xml(ref: str, value: object) -> str:
    if value is None:
        return f'<c r="{ref}"/>'
    if isinstance(value, Error):
        return f'<c r="{ref}" t="e"><v>{value}</v></c>'
    if isinstance(value, Formula):
        return f'<c r="{ref}"><f>{escape_cell_text(value)}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{float(value)!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" t="d"><v>{value.isoformat()}T00:00:00</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape_cell_text(str(value))}</t></is></c>'


def devis_part(path: Path) -> str:
    return XlsxFile(path).package.sheet_parts()[L.SHEET_DEVIS]


def type_into(path: Path, typed_cells: dict[tuple[int, str], object]) -> None:
    part = devis_part(path)
    parts = parts_of(path)
    xml = parts[part].decode()
    for (row, field), value in typed_cells.items():
        ref = f"{LETTER[field]}{FIRST + row}"
        xml, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', lambda _: cell_xml(ref, value), xml, count=1,
                         flags=re.S)
        assert n == 1, ref
    parts[part] = xml.encode()
    write_parts(path, parts)


def owned_parts(path: Path) -> set[str]:
    sheets = XlsxFile(path).package.sheet_parts()
    return {sheets[s] for s in (L.SHEET_DEVIS, L.SHEET_SYNTHESE, L.SHEET_CONTROLES, L.SHEET_PARAMETRES)} | {
        "xl/workbook.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/calcChain.xml"}


def check_run(path: Path, capsys) -> int:
    """Run ``xlprod recalc`` on ``path`` and check every promise; returns the exit code."""
    before = path.read_bytes()
    before_parts = parts_of(path)
    try:
        code = main(["recalc", str(path)])
    except BaseException as exc:  # the point of the test: nothing may escape
        pytest.fail(f"exception escaped: {exc!r}")
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 1, 2), code
    if code == 2:
        assert path.read_bytes() == before and "erreur" in err
        return code
    after_parts = parts_of(path)
    for name, data in after_parts.items():
        if name.endswith((".xml", ".rels")):
            ET.fromstring(data)  # well-formed
    for name in set(before_parts) - owned_parts(path):
        assert after_parts.get(name) == before_parts[name], f"{name} changed"
    book = XlsxFile(path)
    report = recalculate(book)  # a fresh computation of what the file now holds
    assert (report.errors > 0) == (code == 1)
    summary = report.summary
    if isinstance(summary, DevisSummary) and not summary.provisional:
        expected = L.result_values(summary.result)
        cached = {n: book.named_cell(n)[0] for n in expected}
        wrong = {n: (cached[n], expected[n]) for n in expected
                 if not isinstance(cached[n], int | float) or not cents_equal(float(cached[n]), expected[n])}
        assert wrong == {}
    return code


@FUZZ
@given(cells=st.dictionaries(st.tuples(st.integers(0, ROWS - 1), st.sampled_from([c.field for c in INPUTS])),
                             typed, max_size=6))
def test_anything_typed_in_the_input_cells_is_held(template, tmp_path, capsys, cells):
    path = tmp_path / "devis.xlsx"
    shutil.copyfile(template, path)
    type_into(path, cells)
    check_run(path, capsys)


def with_prefix(xml: str) -> str:
    head, _, rest = xml.partition("?>")
    rest = re.sub(r"<(/?)([A-Za-z]\w*)(?=[\s>/])", r"<\1x:\2", rest)
    main_ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return head + "?>" + rest.replace(main_ns, main_ns.replace("xmlns=", "xmlns:x="), 1)


def with_whitespace(xml: str) -> str:
    return re.sub(r"(</c>|</row>|<sheetData>)", r"\1\n  ", xml)


def with_style_first(xml: str) -> str:
    return re.sub(r'<c r="([A-Z]+\d+)" s="(\d+)"', r'<c s="\2" r="\1"', xml)


def with_spans_dropped(xml: str) -> str:
    return re.sub(r'\s(?:spans|x14ac:dyDescent)="[^"]*"', "", xml)


SHAPES = {"sans r": drop_implied_references, "blancs": with_whitespace, "s avant r": with_style_first,
          "sans spans": with_spans_dropped, "préfixe x:": with_prefix}


@FUZZ
@given(shapes=st.lists(st.sampled_from(sorted(SHAPES)), min_size=1, max_size=4, unique=True),
       sheets=st.lists(st.sampled_from([L.SHEET_DEVIS, L.SHEET_SYNTHESE, L.SHEET_CONTROLES]), min_size=1,
                       unique=True),
       quantity=st.sampled_from([None, 7.0, "huit", "3,5"]))
def test_any_valid_shape_of_the_sheet_xml_gives_the_same_results(template, tmp_path, capsys, shapes, sheets,
                                                                 quantity):
    plain, shaped = tmp_path / "plain.xlsx", tmp_path / "shaped.xlsx"
    shutil.copyfile(template, plain)
    if quantity is not None:
        type_into(plain, {(0, "quantity"): quantity})
    shutil.copyfile(plain, shaped)
    book = XlsxFile(shaped)
    parts = parts_of(shaped)
    for sheet in sheets:
        part = book.package.sheet_parts()[sheet]
        xml = parts[part].decode()
        for shape in shapes:
            xml = SHAPES[shape](xml)
        parts[part] = xml.encode()
    write_parts(shaped, parts)
    code_plain = check_run(plain, capsys)
    code_shaped = check_run(shaped, capsys)
    assert code_plain == code_shaped
    a, b = XlsxFile(plain), XlsxFile(shaped)
    assert {n: a.named_cell(n)[0] for n in L.result_names()} == {n: b.named_cell(n)[0] for n in L.result_names()}
    assert a.table(L.TABLE_DEVIS).rows == b.table(L.TABLE_DEVIS).rows
