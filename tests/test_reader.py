"""Reading the Devis table: column by column, yet issues reported line by line, and every cell's fate known."""

from __future__ import annotations

from decimal import Decimal

from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.model import BudgetParameters
from xlprod.kinds.devis.parameters import default_values
from xlprod.kinds.devis.reader import read_devis
from xlprod.workbook.port import RawTable

HEADERS = [c.header for c in L.DEVIS_COLUMNS]
PARAMS = BudgetParameters.from_values(default_values())


def row(**values: object) -> list[object]:
    return [values.get(c.field, "") for c in L.DEVIS_COLUMNS]


def table(*rows: list[object]) -> RawTable:
    return RawTable(name="Devis", sheet="Devis", header_row=5, first_col=1, headers=HEADERS, rows=list(rows))


def test_issues_come_line_by_line_then_left_to_right():
    read = read_devis(table(
        row(account="241", quantity=1.0, number=1.0, unit_rate=10.0, unit="lustre", category="cadre"),
        row(account="242", quantity="beaucoup", number="deux", unit_rate=10.0, category="apprenti"),
        row(account="243", quantity=1.0, number=1.0, unit_rate="1 000,5", **{"tag:inclusion": "peut-être"}),
    ), PARAMS, "devis.xlsx")
    found = [(i.location.cell, i.code) for i in read.issues]
    assert found == [("E6", "DEV023"), ("D7", "DEV010"), ("F7", "DEV010"), ("I7", "DEV021"),
                     ("G8", "DEV011"), ("R8", "DEV050")]
    assert read.budget.lines[2].unit_rate == Decimal("1000.5")
    assert read.fixes == {(8, 7): Decimal("1000.5")}


def test_rows_shorter_than_the_headers_read_as_blank_cells():
    short = row(account="241", quantity=2.0, number=1.0, unit_rate=100.0, category="cadre")[:8]
    read = read_devis(table(short, row(account="711", quantity=1.0, number=1.0, unit_rate=5.0)), PARAMS, "devis.xlsx")
    first, second = read.budget.lines
    assert (first.account, first.quantity * first.unit_rate, first.category, first.france_share) == (
        "241", Decimal(200), None, Decimal(1))
    assert second.account == "711" and read.issues == []


def test_clean_and_untidy_columns_read_to_the_same_lines():
    clean = read_devis(table(row(account="2101", label="Réalisateur", quantity=10.0, number=1.0, unit_rate=2500.0,
                                 unit="semaine", category="réalisateur", france_share=1.0)), PARAMS, "d.xlsx")
    untidy = read_devis(table(row(account=" 21 01", label=" Réalisateur ", quantity="10", number=1.0,
                                  unit_rate="2 500", unit="Sem.", category="RÉALISATEUR", france_share=None)),
                        PARAMS, "d.xlsx")
    assert untidy.budget.lines == clean.budget.lines
    # written back in the form the workbook's formulas compare with (the category too, to its exact name)
    assert set(untidy.fixes) == {(6, 1), (6, 4), (6, 5), (6, 7), (6, 9)}
