"""xlprod's Excel functions as Excel runs them: through xlwings' own Windows UDF code.

``tests/xlwings_harness.py`` decorates ``xlprod_udfs`` with xlwings' real ``xlfunc/xlarg/xlret``
and calls each function the way ``call_udf`` does, with what COM passes: floats for numbers,
``None`` for blank cells, a tuple of row tuples for a range, a scalar for one cell, int codes for
error cells. Results are ``call_udf``'s list of rows (a 1×1 list shows as one cell).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sys
import types
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
import python_calamine as pc
import xlprod_udfs
import xlwings

from tests import xlwings_harness as xl
from tests.conftest import make_devis
from xlprod.cnc.payroll import CHARGED_CATEGORIES
from xlprod.kinds.devis import layout as L
from xlprod.workbook.xlsx_file import XlsxFile

UDF = xl.decorate(xlprod_udfs)
DEFAULTS = {p["key"]: Decimal(p["value"]) for p in json.loads(
    resources.files("xlprod.data").joinpath("parametres-devis.json").read_text(encoding="utf-8"))["parameters"]
    if p["value"]}  # the optional ones (Euribor) are blank

# A few lines of a French feature film's devis: compte, libellé, montant, catégorie de paie, part France.
LIGNES = [
    ("121", "Scénariste", 45678.90, "auteur", None),
    (221.0, "Réalisateur (salaire de technicien), 8 semaines", 26000.00, "réalisateur", None),  # typed as a number
    ("241", "Directeur de la photographie, 7 semaines", 20233.50, "cadre", None),
    ("246", "Électriciens, 7 semaines × 2 (moitié en Belgique)", 22407.00, "technicien", 0.5),
    ("311", "Rôle principal, répétitions", 1234.57, "artiste-interprète", None),
    ("711", "Location caméra et optiques", 33600.00, None, 0.8),
    ("841", "Effets visuels (prestataire à Montréal)", 52000.05, None, 0.0),
]


def column(values) -> tuple[tuple[object, ...], ...]:
    """A one-column range as COM passes it: a tuple of 1-cell rows."""
    return tuple((v,) for v in values)


COMPTES = column(line[0] for line in LIGNES)
MONTANTS = column(line[2] for line in LIGNES)
PARTS = column(line[4] for line in LIGNES)


def cell(result: list[list[object]]) -> object:
    """The value one cell shows (the COM server unwraps a 1×1 result)."""
    assert len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def parametres_table(path: Path) -> tuple[tuple[object, ...], ...]:
    """The workbook's ``Parametres`` Table as Excel passes ``=…;Parametres)``: data rows, blank = None."""
    table = XlsxFile(path).table(L.TABLE_PARAMETRES)
    assert table is not None and tuple(table.headers) == xlprod_udfs.COLONNES_PARAMETRES
    return tuple(tuple(None if v == "" else v for v in row) for row in table.rows)


def synthese_charges(path: Path) -> dict[str, tuple[float, ...]]:
    """Synthèse, detail of chapter 4: category -> (gross, rate, charges, French base, French charges)."""
    grid = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.SHEET_SYNTHESE).to_python(skip_empty_area=False)
    rows = grid[L.SYN_FIRST_CHARGE_ROW - 1:L.SYN_CHARGES_TOTAL_ROW - 1]
    return {r[0]: tuple(r[2:7]) for r in rows}


@pytest.fixture(scope="module")
def devis(tmp_path_factory) -> Path:
    weeks = {"221": (8, 1, 3250.0), "241": (7, 1, 2890.5), "246": (7, 2, 1600.5)}  # quantité, nombre, taux
    rows = []
    for account, label, amount, category, share in LIGNES:
        account = str(int(account)) if isinstance(account, float) else account
        quantity, number, rate = weeks.get(account, (1, 1, amount))
        rows.append({"account": account, "label": label, "quantity": quantity, "number": number, "unit_rate": rate,
                     "category": category, "france_share": share})
    return make_devis(tmp_path_factory.mktemp("udfs") / "devis.xlsx", rows, title="Les Heures claires")


# -- decorated by xlwings, as on Windows ------------------------------------------------------------

def test_every_udf_carries_xlwings_metadata_and_options():
    funcs = xl.udf_functions(UDF)
    assert set(funcs) == {"XLPROD_CHARGES", "XLPROD_POSTES", "XLPROD_PART_FRANCE", "XLPROD_DISPONIBLE"}
    for f in funcs.values():
        info = f.__xlfunc__
        assert info["category"] == "xlprod"
        for arg in info["args"]:
            assert arg["options"]["err_to_str"] is True  # an error cell must not arrive as a blank
            assert arg["options"]["convert"] in xlwings.conversion.accessors  # a registered converter key
    charges = funcs["XLPROD_CHARGES"].__xlfunc__
    assert [a["name"] for a in charges["args"]] == ["brut", "categorie", "taux_ou_parametres"]
    assert charges["args"][2]["optional"] is None and charges["args"][2]["options"]["ndim"] == 2
    assert funcs["XLPROD_POSTES"].__xlfunc__["ret"]["options"]["transpose"] is True
    assert not hasattr(xlprod_udfs.XLPROD_CHARGES, "__xlfunc__")  # the imported module is left as it was


def test_vba_wrappers_declare_each_function_with_its_arguments():
    vba = xl.vba_wrappers(UDF)
    declared = dict(re.findall(r"^Function (\w+)\((.*)\)$", vba, re.M))
    assert declared == {
        "XLPROD_CHARGES": "brut, categorie, Optional taux_ou_parametres",
        "XLPROD_POSTES": "comptes, montants",
        "XLPROD_PART_FRANCE": "montants, parts",
        "XLPROD_DISPONIBLE": "oeuvre, territoire, media, debut, fin, droits, Optional territoires, Optional oeuvres",
    }
    call = 'XLPy.CallUDF("xlprod_udfs", "XLPROD_CHARGES", Array(brut, categorie, taux_ou_parametres), ThisWorkbook'
    assert call in vba
    assert vba.count("= Err.Description") == 4


def test_import_functions_shows_french_help_in_the_function_wizard():
    imported = xl.import_functions(UDF)
    assert "Optional taux_ou_parametres" in imported.vba
    assert set(imported.macro_options) == {"XLPROD_CHARGES", "XLPROD_POSTES", "XLPROD_PART_FRANCE", "XLPROD_DISPONIBLE"}
    for name, options in imported.macro_options.items():
        assert options["Category"] == "xlprod"
        texts = [options["Description"], *options["ArgumentDescriptions"]]
        assert len(options["ArgumentDescriptions"]) == len(xl.udf_functions(UDF)[name].__xlfunc__["args"])
        assert all(0 < len(t) <= 255 and "Positional argument" not in t and "Python" not in t for t in texts)
    assert imported.macro_options["XLPROD_CHARGES"]["Description"] == UDF.XLPROD_CHARGES.__doc__
    assert imported.macro_options["XLPROD_CHARGES"]["ArgumentDescriptions"][2].startswith("Facultatif")


# -- XLPROD_CHARGES -------------------------------------------------------------------------------

@pytest.mark.parametrize(("brut", "categorie", "expected"), [
    (3000.0, "technicien", 1863.60),
    (22407.0, "Techniciens", 13919.23),  # alias, case
    (20233.5, "cadre", 12879.84),  # 12879.83676
    (26000.0, "réalisateur", 16550.56),
    (1234.57, "artiste-interprète", 659.47),  # 53,417 %: the sum of its components
    (45678.9, "auteur", 502.47),  # 502.4679
    (5000.0, "non salarié", 0.0),
    (None, "technicien", 0.0),  # blank gross
    ("3 000,00", "technicien", 1863.60),  # a French number typed as text
    (Decimal("3000.0000"), "technicien", 1863.60),  # a currency-formatted cell: COM passes a Decimal
])
def test_charges_at_the_default_rate_to_the_cent(brut, categorie, expected):
    assert cell(xl.call(UDF.XLPROD_CHARGES, brut, categorie)) == expected


def test_charges_rate_given_as_a_number_or_a_single_cell():
    assert cell(xl.call(UDF.XLPROD_CHARGES, 3000.0, "technicien", 0.6)) == 1800.0
    assert cell(xl.call(UDF.XLPROD_CHARGES, 1000.0, "artiste", "45 %")) == 450.0
    assert cell(xl.call(UDF.XLPROD_CHARGES, 3000.0, "technicien", None)) == 1863.6  # blank cell: default rate
    # 617.285: ROUND half away from zero, as the Synthèse does (Python's float round gives 617.28)
    assert cell(xl.call(UDF.XLPROD_CHARGES, 1234.57, "artiste-interprète", 0.5)) == 617.29 != round(1234.57 * 0.5, 2)


def test_charges_from_the_parametres_table_equal_the_rate_and_the_packaged_default(devis):
    table = parametres_table(devis)
    for category in CHARGED_CATEGORIES:
        for brut in (3000.0, 1234.57, 45678.9):
            from_table = cell(xl.call(UDF.XLPROD_CHARGES, brut, category.value, table))
            from_rate = cell(xl.call(UDF.XLPROD_CHARGES, brut, category.value, float(DEFAULTS[category.rate_key])))
            default = cell(xl.call(UDF.XLPROD_CHARGES, brut, category.value))
            exact = (Decimal(str(brut)) * DEFAULTS[category.rate_key]).quantize(Decimal("0.01"), "ROUND_HALF_UP")
            assert from_table == from_rate == default == float(exact), category


def test_charges_from_the_parametres_table_equal_the_synthese(devis):
    table = parametres_table(devis)
    synthese = synthese_charges(devis)
    assert set(synthese) == {c.value for c in CHARGED_CATEGORIES}
    for category, (gross, _rate, charges, gross_fr, charges_fr) in synthese.items():
        assert cell(xl.call(UDF.XLPROD_CHARGES, gross, category, table)) == charges
        assert cell(xl.call(UDF.XLPROD_CHARGES, gross_fr, category, table)) == charges_fr
    assert synthese["technicien"] == (22407.0, 0.6212, 13919.23, 11203.5, 6959.61)
    assert synthese["artiste-interprète"][2] == 659.47


@pytest.mark.libreoffice
def test_charges_equal_the_synthese_formulas_recalculated_by_libreoffice(devis, tmp_path, libreoffice):
    from xlprod.workbook.libreoffice import recalculate_with_libreoffice

    out = recalculate_with_libreoffice(devis, tmp_path / "lo")
    table = parametres_table(out)
    for category, (gross, _rate, charges, gross_fr, charges_fr) in synthese_charges(out).items():
        assert cell(xl.call(UDF.XLPROD_CHARGES, gross, category, table)) == charges
        assert cell(xl.call(UDF.XLPROD_CHARGES, gross_fr, category, table)) == charges_fr


def test_charges_use_the_users_rate_from_the_table_with_or_without_headers(devis):
    table = [list(row) for row in parametres_table(devis)]
    next(r for r in table if r[0] == "taux_charges_technicien")[2] = 0.6  # the producer's own rate
    assert cell(xl.call(UDF.XLPROD_CHARGES, 3000.0, "technicien", tuple(map(tuple, table)))) == 1800.0
    with_headers = (xlprod_udfs.COLONNES_PARAMETRES, *map(tuple, table))  # Parametres[#Tout]
    assert cell(xl.call(UDF.XLPROD_CHARGES, 3000.0, "technicien", with_headers)) == 1800.0
    assert cell(xl.call(UDF.XLPROD_CHARGES, 3000.0, "non salarié", with_headers)) == 0.0


# -- XLPROD_POSTES --------------------------------------------------------------------------------

def test_postes_gives_the_nine_chapter_totals_as_a_column():
    result = xl.call(UDF.XLPROD_POSTES, COMPTES, MONTANTS)
    assert result == [[45678.90], [68640.50], [1234.57], [0.0], [0.0], [0.0], [33600.00], [52000.05], [0.0]]
    assert all(type(v) is float for (v,) in result)  # doubles for Excel, not Decimal (COM would send currency)


def test_postes_accepts_rows_single_cells_blanks_and_text_amounts():
    assert xl.call(UDF.XLPROD_POSTES, (("241", 711.0),), ((100.0, 50.5),)) == xl.call(
        UDF.XLPROD_POSTES, column(["241", 711.0]), column([100.0, 50.5]))
    single = xl.call(UDF.XLPROD_POSTES, 241.0, 3250.0)  # one cell each
    assert single == [[0.0], [3250.0], *[[0.0]] * 7]
    blanks = xl.call(UDF.XLPROD_POSTES, column(["241", None, "246", "x"]), column([None, 99.0, "1 234,56", 5.0]))
    assert blanks == [[0.0], [1234.56], *[[0.0]] * 7]  # no account, no chapter: as in the Synthèse


# -- XLPROD_PART_FRANCE ---------------------------------------------------------------------------

def test_part_france_blank_share_is_100_percent():
    expected = float(Decimal("131230.47") / Decimal("201154.02"))  # French amounts (cents) / total
    assert cell(xl.call(UDF.XLPROD_PART_FRANCE, MONTANTS, PARTS)) == expected
    assert cell(xl.call(UDF.XLPROD_PART_FRANCE, 1000.0, None)) == 1.0  # one cell, blank share
    assert cell(xl.call(UDF.XLPROD_PART_FRANCE, 1000.0, 0.35)) == 0.35
    assert cell(xl.call(UDF.XLPROD_PART_FRANCE, column([None]), column([None]))) == 0.0  # nothing spent
    # half a cent spent in France rounds to a whole one, as in the Montant France column: 0.02 / 0.02
    assert cell(xl.call(UDF.XLPROD_PART_FRANCE, column([0.01, 0.01]), column([0.5, None]))) == 1.0


# -- errors: short French text in the cell ----------------------------------------------------------

N_A, REF, SPILL = xl.EXCEL_ERRORS["#N/A"], xl.EXCEL_ERRORS["#REF!"], -2146826243  # #SPILL!: no text in xlwings


@pytest.mark.parametrize(("name", "args", "message"), [
    ("XLPROD_CHARGES", (3000.0, "apprenti"), "catégorie inconnue « apprenti »"),
    ("XLPROD_CHARGES", (3000.0, None), "catégorie de paie vide"),
    ("XLPROD_CHARGES", ("abc", "technicien"), "salaire brut non numérique « abc »"),
    ("XLPROD_CHARGES", (True, "technicien"), "salaire brut non numérique « VRAI »"),
    ("XLPROD_CHARGES", (N_A, "technicien"), "salaire brut en erreur dans Excel (#N/A)"),
    ("XLPROD_CHARGES", (3000.0, "technicien", 62.0), "taux hors de 0 % à 100 % « 62 »"),
    ("XLPROD_CHARGES", (3000.0, "technicien", ((1.0, 2.0),) * 3),
     "tableau Parametres attendu (colonnes Clé, Paramètre, Valeur…)"),
    ("XLPROD_CHARGES", (3000.0, "cadre", (("taux_charges_technicien", "x", 0.62),) * 2),
     "paramètre taux_charges_cadre absent du tableau Parametres"),
    ("XLPROD_CHARGES", (3000.0, "cadre", (("taux_charges_cadre", "x", None),) * 2),
     "paramètre taux_charges_cadre vide dans le tableau Parametres"),
    ("XLPROD_CHARGES", (3000.0, "cadre", (("taux_charges_cadre", "x", REF),) * 2),
     "paramètre taux_charges_cadre en erreur dans Excel (#REF!)"),
    ("XLPROD_POSTES", (column(["241", "246", "311"]), column([1.0, 2.0, 3.0, 4.0])),
     "plages de tailles différentes (3 comptes, 4 montants)"),
    ("XLPROD_POSTES", (column(["241", "246"]), column([1.0, "abc"])), "montant non numérique « abc »"),
    ("XLPROD_POSTES", (column(["241", "246"]), column([1.0, "1,234"])), "montant non numérique « 1,234 »"),  # ambiguous
    ("XLPROD_POSTES", (column(["241"]), column([xl.TimeType(2026, 3, 1)])), "montant non numérique « 01/03/2026 »"),
    ("XLPROD_POSTES", (column(["241", "246"]), column([1.0, SPILL])), "montant en erreur dans Excel (#SPILL!)"),
    ("XLPROD_POSTES", (column(["241", REF]), column([1.0, 2.0])), "compte en erreur dans Excel (#REF!)"),
    ("XLPROD_POSTES", (column(["241", 24.5]), column([1.0, 2.0])), "compte non valide « 24,5 »"),
    ("XLPROD_POSTES", ((("241", "246"), ("311", "711")), column([1.0] * 4)),
     "comptes : une seule ligne ou colonne attendue (2 × 2)"),
    ("XLPROD_PART_FRANCE", (column([1.0, 2.0]), column([0.5])), "plages de tailles différentes (2 montants, 1 parts)"),
    ("XLPROD_PART_FRANCE", (column([1.0]), column([1.5])), "part France hors de 0 % à 100 % « 1,5 »"),
    ("XLPROD_PART_FRANCE", (column([1.0]), column([N_A])), "part France en erreur dans Excel (#N/A)"),
])
def test_bad_input_gives_a_short_french_message_in_the_cell(name, args, message):
    assert cell(xl.call(getattr(UDF, name), *args)) == f"#XLPROD: {message}"


def test_an_unexpected_failure_is_reported_in_french_too(monkeypatch, caplog):
    def broken(_pairs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(UDF, "rollup_by_chapter", broken)
    shown = cell(xl.call(UDF.XLPROD_POSTES, COMPTES, MONTANTS))
    assert shown == "#XLPROD: erreur interne de xlprod (ZeroDivisionError), merci de la signaler"
    assert "division by zero" in caplog.text  # the traceback goes to the log, not to the cell


# -- the harness has teeth ------------------------------------------------------------------------

BROKEN = '''
import xlwings as xw


@xw.func
def CHARGES_UNION(brut: float, taux: float | str = 0.62) -> float:
    return brut * taux


@xw.func
def RETOUR_UNION(brut) -> float | str:
    return brut
'''


@pytest.fixture
def broken_module(tmp_path) -> types.ModuleType:
    path = tmp_path / "udfs_union.py"
    path.write_text(BROKEN, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("udfs_union", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_union_hint_fails_through_the_harness_as_it_fails_in_excel(broken_module):
    assert broken_module.CHARGES_UNION(3000.0, 0.62) == 1860.0  # plain Python (Linux no-op decorators): fine
    assert broken_module.RETOUR_UNION(1.0) == 1.0
    decorated = xl.decorate(broken_module)
    assert decorated.CHARGES_UNION.__xlfunc__["args"][1]["options"]["convert"] is types.UnionType
    with pytest.raises(AttributeError, match=r"type object 'types.UnionType' has no attribute 'reader'"):
        xl.call(decorated.CHARGES_UNION, 3000.0, 0.62)
    with pytest.raises(AttributeError, match=r"type object 'types.UnionType' has no attribute 'router'"):
        xl.call(decorated.RETOUR_UNION, 1.0)


def test_the_harness_leaves_no_stub_behind_and_restores_xlwings():
    decorators = {name: getattr(xlwings, name) for name in ("func", "arg", "ret", "script", "sub")}
    xl.decorate(xlprod_udfs)
    assert {name: getattr(xlwings, name) for name in decorators} == decorators
    assert not {"pythoncom", "pywintypes", "win32com", "win32com.client", "xlwings.udfs"} & set(sys.modules)
    assert "excel" not in [e.name for e in xlwings.engines]  # registered only during a call


def test_the_harness_fails_loudly_when_xlwings_changes():
    udfs = xl.xlwings_udfs()
    without_xlarg = types.ModuleType("xlwings.udfs")
    without_xlarg.__dict__.update({k: v for k, v in vars(udfs).items() if k != "xlarg"})
    with pytest.raises(xl.XlwingsChanged, match="xlarg"):
        xl.check_xlwings_udfs(without_xlarg)

    def call_udf(module_name, func_name, args, this_workbook=None, caller=None):
        return xlwings.conversion.write(None, None, {})

    rewritten = types.ModuleType("xlwings.udfs")
    rewritten.__dict__.update(vars(udfs), call_udf=call_udf)
    with pytest.raises(xl.XlwingsChanged, match="call_udf changed"):
        xl.check_xlwings_udfs(rewritten)
    with pytest.raises(ValueError, match="no __xlfunc__"):
        xl.call(xlprod_udfs.XLPROD_CHARGES, 3000.0, "technicien")  # an undecorated function is refused


def test_the_windows_engine_reads_cells_as_excel_hands_them_over():
    dates = {"err_to_str": True, "ndim": 2}
    com_date = xl.TimeType(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
    with xl.excel_engine():
        values = xlwings.conversion.read(None, ((com_date, "", None, N_A, 3.0, "x"),), dates)
        no_text = xlwings.conversion.read(None, ((N_A,),), {"ndim": 2})
    assert values == [[dt.datetime(2026, 3, 1, 8, 30), None, None, "#N/A", 3.0, "x"]]
    assert type(values[0][0]) is dt.datetime and values[0][0].tzinfo is None
    assert no_text == [[None]]  # without err_to_str an error cell reads as blank: why every UDF arg sets it


# -- XLPROD_DISPONIBLE -----------------------------------------------------------------------------

def _droits() -> tuple[tuple[object, ...], ...]:
    """Droits[#Tout] as COM passes it: headers, text, doubles, dates as pywintypes times."""
    from xlprod.kinds.catalogue.layout import DROITS_HEADERS

    def day(y: int, m: int, d: int) -> object:
        return xl.TimeType(y, m, d)

    blank = (None, None, None)
    return (
        DROITS_HEADERS,
        ("F1", "Films du Nord", "acquis", "Monde", "tous médias", day(2024, 1, 1), day(2034, 12, 31), "oui", *blank),
        ("F1", "Proximus", "cédé", "Benelux", "SVOD", day(2027, 1, 1), day(2027, 12, 31), "oui", *blank),
        ("F2", "Films du Nord", "acquis", "France", "SVOD, TVOD", day(2024, 1, 1), day(2030, 12, 31), "oui", *blank),
        (4711.0, "Prod", "acquis", "Monde", "SVOD", day(2024, 1, 1), day(2030, 12, 31), "oui", *blank),
    )


def test_disponible_answers_free_or_the_grant_that_blocks():
    droits = _droits()
    assert cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "FR", "SVOD", xl.TimeType(2027, 3, 1),
                        xl.TimeType(2027, 5, 31), droits)) == \
        "oui (chronologie des médias non vérifiée : passez aussi Oeuvres[#Tout])"
    blocked = cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "BE", "SVOD", xl.TimeType(2027, 3, 1),
                           xl.TimeType(2027, 5, 31), droits))
    assert blocked.startswith("non : ") and "Proximus" in blocked
    after = cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "BE", "svod", 46388.0, "31/03/2028", droits))  # 2027-01-01 serial
    assert after.startswith("non : ")  # the grant runs to 31/12/2027
    assert cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "BE", "SVOD", "01/01/2028", "31/03/2028", droits)) == "oui"
    not_acquired = cell(xl.call(UDF.XLPROD_DISPONIBLE, "F2", "BE", "SVOD", "01/01/2028", "31/03/2028", droits))
    assert not_acquired.startswith("non : ") and "BE" in not_acquired
    assert cell(xl.call(UDF.XLPROD_DISPONIBLE, 4711.0, "FR", "SVOD", "01/01/2028", "31/03/2028", droits)).startswith("oui")


@pytest.mark.parametrize(("args", "said"), [
    (("F1", "BE", "cinéma muet", "01/01/2028", "31/03/2028"), "#XLPROD: média inconnu"),
    (("F1", "Atlantide", "SVOD", "01/01/2028", "31/03/2028"), "#XLPROD: Territoire inconnu"),
    (("F1", "BE", "SVOD", "31/03/2028", "01/01/2028"), "#XLPROD: fin avant le début"),
    (("F1", "BE", "SVOD", "le 3", "01/01/2028"), "#XLPROD: début : « le 3 » n'est pas une date"),
    (("", "BE", "SVOD", "01/01/2028", "31/03/2028"), "#XLPROD: œuvre vide"),
    (("#N/A", "BE", "SVOD", "01/01/2028", "31/03/2028"), "#XLPROD: œuvre en erreur dans Excel (#N/A)"),
])
def test_disponible_says_what_is_wrong_in_the_cell(args, said):
    assert str(cell(xl.call(UDF.XLPROD_DISPONIBLE, *args, _droits()))).startswith(said)


def test_disponible_wants_the_table_with_its_headers():
    rows = _droits()[1:]
    said = cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "FR", "SVOD", "01/01/2028", "31/03/2028", rows))
    assert said == "#XLPROD: tableau des droits sans sa ligne d'en-têtes (passez Droits[#Tout])"


def test_disponible_counts_unreadable_rights_in_its_answer():
    droits = (*_droits(), ("F1", "X", "cédé", "Belgistan", "SVOD", xl.TimeType(2027, 1, 1), xl.TimeType(2027, 2, 1),
                           "oui", None, None, None))
    said = cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "BE", "TVOD", "01/03/2027", "31/03/2027", droits))
    assert said == "oui (attention : 1 ligne(s) de droits illisibles)"


def test_disponible_reads_the_catalogues_own_territory_groups():
    droits = (*_droits(), ("F1", "Chaîne", "cédé", "Marché belge", "TV payante", xl.TimeType(2027, 1, 1),
                           xl.TimeType(2027, 12, 31), "oui", None, None, None))
    groupes = (("Groupe", "Membres", "Observations"), ("Marché belge", "BE, LU", None))
    said = cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "Marché belge", "TV payante", "01/03/2027", "31/03/2027", droits,
                        groupes))
    assert said.startswith("non : ") and "Chaîne" in said and "illisible" not in said
    without = cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "BE", "TV payante", "01/03/2027", "31/03/2027", droits))
    assert without.startswith("oui (attention : 1 ligne(s) de droits illisibles)")  # its group unknown: said


def test_disponible_refuses_a_nan_date_and_a_range_that_is_not_the_table():
    assert cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "FR", "SVOD", float("nan"), "31/03/2027", _droits())) == \
        "#XLPROD: début : le nombre nan n'est pas une date"
    said = cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "FR", "SVOD", "01/03/2027", "31/03/2027", "Œuvre"))
    assert said.startswith("#XLPROD: tableau des droits sans sa ligne d'en-têtes")


def test_disponible_applies_the_chronologie_in_france_given_the_works():
    oeuvres = (("Identifiant", "Titre", "Sortie France"), ("F1", "Un", xl.TimeType(2026, 3, 4)))
    early = cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "FR", "SVOD", "01/03/2027", "31/05/2027", _droits(), None, oeuvres))
    assert early.startswith("non : chronologie des médias : SVOD en France à 17 mois") and "04/08/2027" in early
    late = cell(xl.call(UDF.XLPROD_DISPONIBLE, "F1", "FR", "SVOD", "04/08/2027", "31/08/2027", _droits(), None, oeuvres))
    assert late == "oui"
