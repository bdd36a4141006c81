"""Payroll populations and their employer rates (DOMAIN-FACTS §1.2b, §2): ouvriers and stagiaires
as populations of their own, each category's rate the sum of a visible component table."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from tests.conftest import cents, make_devis
from tests.test_libreoffice import compare
from xlprod.cli import main
from xlprod.cnc.payroll import charge_components, component_total
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.parameters import default_values
from xlprod.workbook.libreoffice import recalculate_with_libreoffice
from xlprod.workbook.xlsx_file import XlsxFile

RATES = default_values()
MINIMUM = RATES["gratification_minimum_horaire"]



LINES = [
    {"account": "2605", "label": "Constructeurs", "quantity": 3, "unit": "semaine", "number": 4, "unit_rate": 1450,
     "category": "ouvrier"},
    # an intern at the legal minimum: no charges
    {"account": "2301", "label": "Stagiaire production", "quantity": 8, "unit": "semaine", "number": 1,
     "unit_rate": 152.25, "category": "stagiaire"},
    # an intern paid above it, partly abroad: charges on the excess only, per line, rounded as Python does
    {"account": "2302", "label": "Stagiaire régie", "quantity": 100, "unit": "heure", "number": 2, "unit_rate": 6.1,
     "category": "Stagiaires", "france_share": 0.75},
    # an intern in a flat fee: no hours, charged in full (and said)
    {"account": "2303", "label": "Stagiaire montage", "quantity": 1, "unit": "forfait", "number": 1, "unit_rate": 900,
     "category": "stagiaire"},
]


def test_ouvriers_and_interns_have_their_charges_by_hand(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    book = XlsxFile(path)
    grid = book._grid(L.SHEET_SYNTHESE)
    rows = {grid[r - 1][0]: grid[r - 1] for r in range(L.SYN_FIRST_CHARGE_ROW, L.SYN_CHARGES_TOTAL_ROW)}
    ouvrier, stagiaire = rows["ouvrier"], rows["stagiaire"]
    assert Decimal(str(ouvrier[2])) == Decimal(3 * 4 * 1450)
    assert Decimal(str(ouvrier[4])) == cents(Decimal(17400) * RATES["taux_charges_ouvrier"])
    excess = cents(Decimal(200) * (Decimal("6.1") - MINIMUM)) + Decimal(900)  # 350.00 + the flat fee
    assert Decimal(str(stagiaire[2])) == excess
    assert Decimal(str(stagiaire[4])) == cents(excess * RATES["taux_charges_stagiaire"])
    assert Decimal(str(stagiaire[5])) == cents(Decimal(350) * Decimal("0.75")) + 900
    assert book.table(L.TABLE_DEVIS).rows[2][8] == "stagiaire"  # « Stagiaires » normalised
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "DEV039" in out and "Stagiaire montage" in out and out.count("DEV039") == 1


@pytest.mark.libreoffice
def test_libreoffice_computes_the_same_populations(tmp_path, libreoffice):
    path = make_devis(tmp_path / "devis.xlsx", [*LINES, {"account": "2304", "label": "Stagiaire au mois",
                                                         "quantity": 2, "unit": "mois", "number": 1,
                                                         "unit_rate": 700, "category": "stagiaire"}])
    assert compare(path, recalculate_with_libreoffice(path, tmp_path / "lo")) == []


def test_each_rate_is_the_sum_of_its_components_and_a_component_changed_elsewhere_counts(tmp_path):
    assert RATES["taux_charges_technicien"] == component_total("technicien") == Decimal("0.6212")
    assert RATES["taux_charges_artiste"] == component_total("artiste-interprète")
    assert all(c.source for c in charge_components())
    path = make_devis(tmp_path / "devis.xlsx", [{"account": "241", "label": "Chef opérateur", "quantity": 1,
                                                 "unit": "semaine", "number": 1, "unit_rate": 10000,
                                                 "category": "technicien"}])
    book = XlsxFile(path)
    table = book.table(L.TABLE_CHARGES)
    assert table.headers == list(L.charges_columns())
    row = table.header_row + 1 + [r[0] for r in table.rows].index("Congés Spectacles")
    col = table.first_col + table.headers.index("Technicien")
    # a script (no spreadsheet engine) raises Congés Spectacles from 15,50 % to 16 %: the cached rate is stale
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_PARAMETRES].cell(row=row, column=col).value = 0.16
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    book = XlsxFile(path)
    assert book.named_cell("PARAM_TAUX_CHARGES_TECHNICIEN")[0] == pytest.approx(0.6262)
    assert Decimal(str(book.named_cell("DEVIS_CHARGES_CALCULEES")[0])) == Decimal("6262.00")


def test_a_component_typed_as_text_is_converted_and_one_that_is_not_a_number_is_refused(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [{"account": "241", "quantity": 1, "number": 1, "unit_rate": 1000,
                                                 "category": "technicien"}])
    table = XlsxFile(path).table(L.TABLE_CHARGES)
    col = table.first_col + table.headers.index("Technicien")
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_PARAMETRES]
    ws.cell(row=table.header_row + 1, column=col).value = "13 %"
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    assert "DEV011" in capsys.readouterr().out
    assert XlsxFile(path).named_cell("PARAM_TAUX_CHARGES_TECHNICIEN")[0] == pytest.approx(0.6212)
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_PARAMETRES].cell(row=table.header_row + 2, column=col).value = "beaucoup"
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"Paramètres!{chr(64 + col)}{table.header_row + 2}: erreur DEV040" in out
