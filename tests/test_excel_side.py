"""UDFs, the Excel adapter and the ribbon add-in, without Excel: xlwings decorators only attach
metadata, and the adapter runs against a stand-in for an open ``xlwings.Book``."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import NOW, make_devis, recalc
from xlprod.services import recalculate
from xlprod.kinds.devis import layout as L
from xlprod.workbook.addin import build_addin
from xlprod.workbook.excel import ExcelBook
from xlprod.core.location import parse_cell_ref
from xlprod.workbook.xlsx_file import XlsxFile

# -- a stand-in for xlwings objects, holding a grid of formulas/values ----------------------------
class _Range:
    def __init__(self, sheet, r1, c1, r2, c2):
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2
        self.row, self.column = r1, c1

    def options(self, **_):
        return self

    def _cells(self):
        return [[(r, c) for c in range(self.c1, self.c2 + 1)] for r in range(self.r1, self.r2 + 1)]

    @property
    def value(self):
        vals = [[self.sheet.values.get(rc) for rc in row] for row in self._cells()]
        return vals[0][0] if (self.r1, self.c1) == (self.r2, self.c2) else (vals[0] if self.r1 == self.r2 else vals)

    @value.setter
    def value(self, v):
        self.sheet.values[(self.r1, self.c1)] = v
        self.sheet.formulas.pop((self.r1, self.c1), None)

    @property
    def formula(self):
        return [[self.sheet.formulas.get(rc, self.sheet.values.get(rc) or "") for rc in row] for row in self._cells()]

    @formula.setter
    def formula(self, f):
        self.sheet.formulas[(self.r1, self.c1)] = f
        self.sheet.written_formulas.append((self.r1, self.c1))

    def clear_contents(self):
        for key in [k for k in self.sheet.values if self.r1 <= k[0] <= self.r2]:
            del self.sheet.values[key]

    def add_hyperlink(self, address, text_to_display=None, screen_tip=None):
        self.sheet.links.append(address)

    @property
    def last_cell(self):
        return self


def _parse(a1):
    m = re.fullmatch(r"([A-Z]+)(\d+)", a1)
    from xlprod.core.location import column_index
    return int(m.group(2)), column_index(m.group(1))


class _Sheet:
    def __init__(self, name):
        self.name, self.values, self.formulas, self.tables = name, {}, {}, []
        self.written_formulas, self.links = [], []

    def range(self, ref):
        if isinstance(ref, tuple):
            return _Range(self, *ref, *ref)
        if re.fullmatch(r"\d+:\d+", ref):
            a, b = map(int, ref.split(":"))
            return _Range(self, a, 1, b, 200)
        parts = ref.split(":")
        r1, c1 = _parse(parts[0])
        r2, c2 = _parse(parts[-1])
        return _Range(self, r1, c1, r2, c2)

    @property
    def used_range(self):
        last = max((r for r, _ in self.values), default=1)
        return _Range(self, last, 1, last, 1)


class _Table:
    def __init__(self, sheet, raw):
        self.name = raw.name
        width = len(raw.headers)
        self.header_row_range = _Range(sheet, raw.header_row, raw.first_col, raw.header_row, raw.first_col + width - 1)
        self.data_body_range = _Range(sheet, raw.header_row + 1, raw.first_col, raw.header_row + len(raw.rows),
                                      raw.first_col + width - 1)


class _Name:
    def __init__(self, text):
        self.refers_to = text if text.startswith("=") else "=" + text


class FakeBook:
    def __init__(self, path: Path):
        f = XlsxFile(path)
        self.name = path.name
        self.names = {k: _Name(v) for k, v in f.package.defined_names().items()}
        self._sheets = {s: _Sheet(s) for s in f.package.sheet_parts()}
        for name, sheet in self._sheets.items():
            for r, row in enumerate(f._grid(name), start=1):
                for c, v in enumerate(row, start=1):
                    if v != "":
                        sheet.values[(r, c)] = v
        raw = f.table(L.TABLE_DEVIS)
        devis = self._sheets[raw.sheet]
        devis.tables.append(_Table(devis, raw))
        for i in range(len(raw.rows)):  # Excel holds the table's calculated columns
            for c, col in enumerate(L.DEVIS_COLUMNS, start=raw.first_col):
                if col.formula:
                    devis.formulas[(raw.header_row + 1 + i, c)] = "=" + col.formula

    @property
    def sheets(self):
        class _S(dict):
            def __iter__(s):
                return iter(s.values())
        return _S(self._sheets)


def test_the_excel_adapter_runs_the_same_recalculation(tmp_path):
    path = make_devis(tmp_path / "devis.xlsx", [
        {"account": "241", "quantity": 7, "number": 1, "unit_rate": 3000, "category": "cadre"},
        {"account": "242", "quantity": 1, "number": 1, "unit_rate": "1 000,50", "category": "tech"},
        {"account": "711", "quantity": 1, "number": 1, "unit_rate": 10},
    ])
    book = FakeBook(path)
    amount_col = [c.field for c in L.DEVIS_COLUMNS].index("amount") + 1
    book._sheets["Devis"].formulas[(L.DEVIS_HEADER_ROW + 1, amount_col)] = "=12345"  # user overwrote a formula
    report = recalculate(ExcelBook(book), now=NOW)
    assert report.summary.result.total == recalc(path, write=False).summary.result.total
    devis = book._sheets["Devis"]
    assert (L.DEVIS_HEADER_ROW + 1, amount_col) in devis.written_formulas  # restored
    assert any(i.code == "DEV043" for i in report.issues)
    assert len(devis.written_formulas) == 1  # intact formulas are left to Excel
    controls = book._sheets[L.SHEET_CONTROLES]
    assert controls.values[(L.CONTROLES_HEADER_ROW + 1, 3)] == "DEV043"
    assert controls.links == ["#Devis!H6"]


def test_the_ribbon_addin_calls_xlprod_main_and_ships_no_licensed_code(tmp_path):
    path = build_addin(tmp_path)
    with zipfile.ZipFile(path) as zf:
        ui = zf.read("customUI/customUI.xml").decode()
        assert 'label="Recalculer"' in ui and 'onAction="RibbonMyAddin.RunMain"' in ui
        assert "xl/vbaProject.bin" in zf.namelist()
    oletools = pytest.importorskip("oletools.olevba")
    vba = oletools.VBA_Parser(str(path))
    code = "\n".join(src for *_, src in vba.extract_macros())
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in code
    assert path.stem == "xlprod"  # so the button runs: import xlprod; xlprod.main()


def test_parse_cell_ref_reads_quoted_sheet_names():
    assert parse_cell_ref("'Paramètres'!$C$6") == ("Paramètres", "C6", 6, 3)
    assert parse_cell_ref("=Synthèse!$C$15") == ("Synthèse", "C15", 15, 3)
    assert parse_cell_ref('"devis"') is None
