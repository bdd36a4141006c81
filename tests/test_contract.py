"""The devis workbook's public contract: sheets, table, headers and defined names stay stable,
and the committed workbooks are what the code builds today."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import recalc
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.demo import build_sample
from xlprod.workbook.xlsx_file import XlsxFile

WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"

HEADERS = ["Compte", "Libellé", "Poste", "Quantité", "Unité", "Nombre", "Taux unitaire", "Montant",
           "Catégorie de paie", "Part France", "Montant France", "Crédit impôt", "Base crédit impôt", "Protocole", "Écoproduction", "Accessibilité",
           "Prévention VHSS", "Inclusion", "Observations"]
RESULT_NAMES = {f"DEVIS_POSTE_{n}" for n in range(1, 10)} | {
    "DEVIS_SOUS_TOTAL", "DEVIS_FRAIS_GENERAUX", "DEVIS_IMPREVUS", "DEVIS_TOTAL", "DEVIS_DEPENSES_FRANCE",
    "DEVIS_PART_FRANCE", "DEVIS_CHARGES_CALCULEES", "DEVIS_CHARGES_FRANCE", "DEVIS_ECOPRODUCTION",
    "DEVIS_ACCESSIBILITE", "DEVIS_PREVENTION_VHSS", "DEVIS_INCLUSION", "DEVIS_BASE_FRAIS_GENERAUX",
    "DEVIS_REMUNERATION_PRODUCTEUR", "DEVIS_PLAFOND_REMUNERATION_PRODUCTEUR", "DEVIS_PLAFOND_FRAIS_GENERAUX",
    "DEVIS_FRAIS_FINANCIERS", "DEVIS_PLAFOND_FRAIS_FINANCIERS", "DEVIS_COUT_DU_FILM", "DEVIS_BASE_CREDIT_IMPOT",
    "DEVIS_CREDIT_IMPOT_ESTIME", "DEVIS_FRAIS_FINANCIERS_FORFAIT"}
PARAM_NAMES = {"PROJET_TITRE", "PROJET_SOCIETE", "DEVIS_VERSION_FORMULAIRE", "PARAM_TAUX_FG", "PARAM_SEUIL_FG",
               "PARAM_TAUX_IMPREVUS", "PARAM_SEUIL_IMPREVUS", "PARAM_PLANCHER_TECHNICIEN", "PARAM_TAUX_CREDIT_IMPOT",
               "PARAM_PLAFOND_CREDIT_IMPOT", "PARAM_MINIMUM_ARTISTE", "PARAM_PLAFOND_HEBERGEMENT",
               "PARAM_GRATIFICATION_HORAIRE", "PARAM_EURIBOR_3_MOIS"} | {
    f"PARAM_TAUX_CHARGES_{c}" for c in ("TECHNICIEN", "CADRE", "REALISATEUR", "OUVRIER", "STAGIAIRE", "ARTISTE", "FIGURANT", "PERMANENT",
                                      "AUTEUR")}


@pytest.mark.parametrize("template", ["devis-modele.xlsx", "devis-modele.xlsm"])
def test_the_template_honours_the_published_contract(template):
    book = XlsxFile(WORKBOOKS / template)
    assert book.package.has("xl/vbaProject.bin") == template.endswith(".xlsm")
    assert list(book.package.sheet_parts()) == ["Devis", "Synthèse", "Paramètres", "Contrôles"]
    table = book.table("Devis")
    assert (table.sheet, table.header_row, table.first_col) == ("Devis", 5, 1)
    assert table.headers == HEADERS
    assert book.table("Parametres").headers == ["Clé", "Paramètre", "Valeur", "Unité", "Valeur par défaut", "Source"]
    names = set(book.package.defined_names())
    assert RESULT_NAMES | PARAM_NAMES | {"XLPROD_TYPE", "XLPROD_MODELE"} <= names
    assert book.kind() == "devis"
    assert set(L.result_names()) == RESULT_NAMES


def test_committed_sample_is_what_the_code_builds_today(tmp_path):
    fresh = build_sample(tmp_path)
    recalc(fresh)
    committed = XlsxFile(WORKBOOKS / "exemple" / fresh.name)
    rebuilt = XlsxFile(fresh)
    for name in RESULT_NAMES:
        assert committed.named_cell(name)[0] == rebuilt.named_cell(name)[0], name
    assert committed.table("Devis").rows == rebuilt.table("Devis").rows
