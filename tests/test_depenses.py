"""The expense workbook (issue 10): the cost report computed by Python, by LibreOffice from the
saved file, and by hand, alike; imports that add nothing twice and update what a corrected export
changed; versions frozen and compared; bad inputs located; what the user typed kept."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import recalc
from xlprod.cli import main
from xlprod.core.location import column_letter
from xlprod.core.money import format_eur
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.builder import DepensesInputs, build_depenses
from xlprod.kinds.depenses.demo import FEC_FILE, build_sample, write_fec
from xlprod.kinds.depenses.importer import import_ledger
from xlprod.kinds.depenses.model import Entry, Status, Thresholds, Version, VersionLine
from xlprod.kinds.depenses.snapshot import add_version
from xlprod.kinds.depenses.tracking import CHAPTERS, compute_tracking
from xlprod.kinds.devis import layout as DL
from xlprod.kinds.devis.demo import build_sample as build_devis_sample
from xlprod.workbook.libreoffice import recalculate_with_libreoffice
from xlprod.workbook.port import WritePlan
from xlprod.workbook.sheetxml import CellWrite
from xlprod.workbook.xlsx_file import XlsxFile

D = Decimal
CONTRACT = ("DEPENSES_DEVIS_INITIAL", "DEPENSES_BUDGET_ACTUEL", "DEPENSES_ENGAGE", "DEPENSES_PAYE",
            "DEPENSES_COUT_FINAL_ESTIME", "DEPENSES_ECART", "DEPENSES_A_AFFECTER", "DEPENSES_DEPENSES_FRANCE")


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    recalc(build_devis_sample(out))
    path, _ = build_sample(out)
    recalc(path)
    return out


@pytest.fixture
def sample(sample_dir: Path, tmp_path: Path) -> Path:
    for f in sample_dir.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / "depenses-les-heures-claires.xlsx"


@pytest.mark.libreoffice
def test_a_large_part_deflated_in_pieces_reads_back_in_libreoffice(sample, tmp_path, libreoffice, monkeypatch):
    """A sheet of 100,000 rows is deflated in pieces on several cores: one stream all readers take."""
    from xlprod.workbook import package

    monkeypatch.setattr(package, "PIECEWISE_FROM", 50_000)
    monkeypatch.setattr(package, "PIECE", 7_777)
    book = XlsxFile(sample)
    big = [i.filename for i in book.package._infos if len(book.package.read(i.filename)) >= 50_000]
    assert big
    for n in big:  # written anew: a part left as it was read is written back as it was, not deflated again
        book.package.write(n, bytes(bytearray(book.package.read(n))))
    book.save()
    with zipfile.ZipFile(sample) as z:
        assert z.testzip() is None and all(z.read(n) == book.package.read(n) for n in big)
    assert grid_differences(sample, recalculate_with_libreoffice(sample, tmp_path / "lo")) == []


def grid_differences(ours: Path, theirs: Path) -> list[str]:
    a, b = XlsxFile(ours), XlsxFile(theirs)
    out = []
    for name in (*CONTRACT, *L.COST_NAMES):
        x, y = a.named_cell(name)[0], b.named_cell(name)[0]
        if (isinstance(x, float) and isinstance(y, float) and abs(x - y) < 0.005) or x == y:
            continue
        if isinstance(x, dt.date) and isinstance(y, dt.date) and x == y:
            continue
        out.append(f"{name}: {x!r} / {y!r}")
    for sheet in (L.SHEET_SUIVI, L.SHEET_VERSIONS, L.SHEET_COUT):
        ga, gb = a._grid(sheet), b._grid(sheet)
        for r in range(max(len(ga), len(gb))):
            ra, rb = (ga[r] if r < len(ga) else []), (gb[r] if r < len(gb) else [])
            for c in range(max(len(ra), len(rb))):
                x, y = (ra[c] if c < len(ra) else None), (rb[c] if c < len(rb) else None)
                if isinstance(x, float) and isinstance(y, float):
                    if abs(x - y) >= 0.005:
                        out.append(f"{sheet}!R{r + 1}C{c + 1}: {x} / {y}")
                elif x != y and not (x in (None, "") and y in (None, "")):
                    out.append(f"{sheet}!R{r + 1}C{c + 1}: {x!r} / {y!r}")
    ta, tb = a.table(L.TABLE_DEPENSES), b.table(L.TABLE_DEPENSES)
    j = ta.headers.index("Montant EUR")
    out += [f"Depenses row {i}: {x[j]} / {y[j]}" for i, (x, y) in enumerate(zip(ta.rows, tb.rows, strict=True))
            if not (isinstance(x[j], float) and isinstance(y[j], float) and abs(x[j] - y[j]) < 0.005)]
    return out


@pytest.mark.libreoffice
def test_libreoffice_agrees_on_every_cell_and_name_of_the_sample_cost_report(sample, tmp_path, libreoffice):
    assert grid_differences(sample, recalculate_with_libreoffice(sample, tmp_path / "lo")) == []


@pytest.mark.libreoffice
def test_libreoffice_sees_a_change_the_cache_does_not_have(sample, tmp_path, libreoffice):
    """The comparison above is not vacuous: an amount changed without recalculation shows."""
    book = XlsxFile(sample)
    plan = WritePlan()
    plan.sheet(L.SHEET_DEPENSES).set(L.HEADER_ROW + 1, L.DEPENSES_HEADERS.index("Montant HT") + 1, CellWrite(99_999.0))
    book.apply(plan)
    book.save()
    diffs = grid_differences(sample, recalculate_with_libreoffice(sample, tmp_path / "lo"))
    assert any(d.startswith("DEPENSES_ENGAGE") for d in diffs)


def test_the_sample_report_has_overruns_savings_versions_and_an_unassigned_bucket(sample):
    report = recalc(sample, write=False)
    data = report.to_json()
    assert data["initial_version"] == "Dépôt CNC" and data["current_version"] == "Budget signé distributeur"
    assert 1500 <= data["entries"] <= 5000
    assert data["overruns"] and data["savings"] and data["recommendations"]
    assert D(data["unassigned"]) == D("2452.50")  # the two FEC lines on accounts no correspondence names
    assert report.errors == 0
    chapters = data["chapters"]
    # sums by line equal sums by chapter, for every figure
    for key in ("initial", "current", "committed", "paid", "efc", "variance"):
        by_line = sum(D(x[key]) for x in data["lines"])
        by_chapter = sum(D(chapters[str(n)][key]) for n in CHAPTERS)
        assert by_line == by_chapter, key
        assert by_chapter + (D(data["unassigned"]) if key in ("committed", "efc", "variance") else 0) == D(
            data["total"][key]) or key == "paid"


def test_the_contract_names_hold_cached_values(sample):
    book = XlsxFile(sample)
    for name in (*CONTRACT, "DEPENSES_VERSION_INITIALE", "DEPENSES_VERSION_ACTUELLE", *L.COST_NAMES):
        found = book.named_cell(name)
        assert found is not None and found[0] not in (None, ""), name
    assert book.named_cell("DEPENSES_ECART")[0] == pytest.approx(
        book.named_cell("DEPENSES_COUT_FINAL_ESTIME")[0] - book.named_cell("DEPENSES_DEVIS_INITIAL")[0], abs=0.005)
    deadline = book.named_cell("DEPENSES_ECHEANCE_COMPTE")[0]
    assert deadline == dt.date(2027, 8, 15)  # visa 15/12/2026 + 8 months


def _small(tmp_path: Path, entries: list[dict[str, object]], versions: list[Version] | None = None) -> Path:
    path = tmp_path / "dep.xlsx"
    build_depenses(path, DepensesInputs(title="Essai", entries=entries))
    if versions:
        book = XlsxFile(path)
        for v in versions:
            add_version(book, v)
        book.save()
    return path


V1 = Version("Dépôt CNC", (VersionLine("2301", "Chef opérateur", D("40000")), VersionLine("5101", "Décor", D("30000")),
                           VersionLine("7101", "Caméra", D("20000"))), contingency=D("5000"), overhead=D("6300"))
V2 = Version("Signé", (VersionLine("2301", "Chef opérateur", D("42000")), VersionLine("5101", "Décor", D("30000")),
                       VersionLine("7101", "Caméra", D("18000"))), contingency=D("5000"), overhead=D("6300"))


def test_a_hand_computed_report(tmp_path):
    entries = [
        {"date": dt.date(2026, 5, 4), "account": "2301", "amount": 21_000.0, "status": "payé"},
        {"date": dt.date(2026, 5, 11), "account": "2301", "amount": 21_000.0, "status": "facturé"},
        {"date": dt.date(2026, 4, 2), "account": "5101", "amount": 36_000.0, "status": "engagé"},
        {"date": dt.date(2026, 4, 2), "account": "7101", "amount": 1_000.0, "currency": "GBP", "rate": 1.17,
         "country": "GB", "status": "payé"},
        {"date": dt.date(2026, 4, 3), "account": "", "amount": 500.0, "status": "payé"},
    ]
    path = _small(tmp_path, entries, [V1, V2])
    report = recalc(path)
    assert report.errors == 0
    data = report.to_json()
    lines = {x["account"]: x for x in data["lines"]}
    # 2301: budget 42 000, committed 42 000 -> ETC 0, EFC 42 000, variance +2 000 against the initial 40 000
    assert (lines["2301"]["committed"], lines["2301"]["paid"], lines["2301"]["efc"], lines["2301"]["variance"]) == (
        "42000.00", "21000.00", "42000.00", "2000.00")
    assert lines["2301"]["status"] == "conforme"  # 5 % exactly is not above the threshold
    # 5101: committed 36 000 over a budget of 30 000 -> EFC 36 000, +20 % : dépassement
    assert (lines["5101"]["efc"], lines["5101"]["variance"], lines["5101"]["status"]) == ("36000.00", "6000.00",
                                                                                          "dépassement")
    # 7101: 1 000 GBP at 1.17 = 1 170 € committed, ETC 18 000 − 1 170 = 16 830, EFC 18 000, −10 %: économie
    assert (lines["7101"]["committed"], lines["7101"]["to_complete"], lines["7101"]["variance"],
            lines["7101"]["status"]) == ("1170.00", "16830.00", "-2000.00", "économie")
    assert data["unassigned"] == "500.00"
    assert data["total"]["efc"] == "96500.00"  # 42 000 + 36 000 + 18 000 + 500
    assert data["contingency_used"] == "6500.00"  # 96 500 − the current budget of 90 000
    assert data["france"] == "78500.00"  # 42 000 + 36 000 + 500: the camera was rented in London
    assert XlsxFile(path).named_cell("DEPENSES_DEPENSES_FRANCE")[0] == pytest.approx(78_500.0)


def test_two_letters_that_are_no_country_are_said_and_the_eus_uk_is_the_united_kingdom(tmp_path):
    """« FE » for FR is a typo: it used to count abroad as a country named FE without a word."""
    entries = [{"account": "2301", "amount": 1000.0, "country": "FE"}, {"account": "2301", "amount": 200.0,
                                                                        "country": "UK"}]
    path = _small(tmp_path, entries, [V1])
    report = recalc(path)
    warned = [i for i in report.issues if i.code == "DEP009"]
    assert len(warned) == 1 and "« FE »" in warned[0].message and warned[0].location.cell.startswith(
        column_letter(L.DEPENSES_HEADERS.index("Pays") + 1))
    assert XlsxFile(path).table(L.TABLE_DEPENSES).rows[1][L.DEPENSES_HEADERS.index("Pays")] == "GB"


def test_a_rate_on_an_entry_in_euros_is_said(tmp_path):
    entries = [{"account": "2301", "amount": 1000.0, "rate": 2.0}, {"account": "2301", "amount": 100.0,
                                                                      "currency": "GBP", "rate": 1.17}]
    report = recalc(_small(tmp_path, entries, [V1]))
    warned = [i for i in report.issues if i.code == "DEP029"]
    assert len(warned) == 1 and f"compte pour {format_eur(Decimal('2000'))}" in warned[0].message
    assert report.to_json()["total"]["committed"] == "2117.00"  # as the workbook's Montant EUR counts it


def test_a_montant_eur_typed_over_is_put_back_and_said(tmp_path):
    """999 typed over Montant EUR: the workbook itself then shows 999 committed; check says so before recalc mends it."""
    path = _small(tmp_path, [{"account": "2301", "amount": 1000.0}, {"account": "2301", "amount": 50.0}], [V1])
    recalc(path)
    book = XlsxFile(path)
    dep = book.table(L.TABLE_DEPENSES)
    j = dep.first_col + dep.headers.index("Montant EUR")
    plan = WritePlan()
    plan.sheet(dep.sheet).set(dep.header_row + 1, j, CellWrite(999.0))
    book.apply(plan)
    book.save()
    before = path.read_bytes()
    assert main(["check", str(path)]) == 0
    assert path.read_bytes() == before
    report = recalc(path)
    warned = [i for i in report.issues if i.code == "DEP036"]
    assert len(warned) == 1 and warned[0].location.cell == f"{column_letter(j)}{dep.header_row + 1}"
    assert "« Montant EUR »" in warned[0].message and "« 999 »" in warned[0].message
    assert report.to_json()["total"]["committed"] == "1050.00"
    assert not [i for i in recalc(path).issues if i.code == "DEP036"]  # mended: said once


def test_a_formula_stored_without_its_value_in_a_text_column_holds_the_report(tmp_path):
    """="payé" written by a script that does not calculate: Python read its text (status unknown, not paid), the
    workbook its result (paid): two sets of figures. Refused, at its cell, with what to do."""
    path = _small(tmp_path, [{"account": "2301", "amount": 1000.0}], [V1])
    recalc(path)
    book = XlsxFile(path)
    dep = book.table(L.TABLE_DEPENSES)
    cell = (dep.header_row + 1, dep.first_col + dep.headers.index("Statut"))
    plan = WritePlan()
    plan.sheet(dep.sheet).set(*cell, CellWrite(None, '"payé"'))
    book.apply(plan)
    book.save()
    report = recalc(path)
    said = [i for i in report.issues if i.code == "DEP038"]
    assert len(said) == 1 and said[0].location.cell == f"{column_letter(cell[1])}{cell[0]}"
    assert report.summary.provisional  # type: ignore[union-attr]


def test_the_reports_own_formulas_growing_with_its_lines_are_not_called_typed_over(tmp_path):
    """A first version frozen, then one with an account more: Suivi's chapter formulas cover more lines, which
    is xlprod's doing, not the user's: DEP036 said it of seven columns."""
    path = _small(tmp_path, [{"account": "2301", "amount": 1000.0}], [])
    assert not [i for i in recalc(path).issues if i.code == "DEP036"]
    book = XlsxFile(path)
    add_version(book, V1)
    book.save()
    assert not [i for i in recalc(path).issues if i.code == "DEP036"]
    book = XlsxFile(path)
    add_version(book, Version("Avenant", (*V1.lines, VersionLine("8601", "Studio musique", D("4200")))))
    book.save()
    assert not [i for i in recalc(path).issues if i.code == "DEP036"]


def test_a_formula_whose_result_is_empty_in_a_text_column_reads_blank(tmp_path):
    """=IF(…;"5101";"") showing nothing was read as its formula text: DEP004 refused the report."""
    path = _small(tmp_path, [{"account": "2301", "amount": 1000.0}, {"account": "2301", "amount": 50.0}], [V1])
    recalc(path)
    book = XlsxFile(path)
    dep = book.table(L.TABLE_DEPENSES)
    cell = (dep.header_row + 1, dep.first_col + dep.headers.index("Compte devis"))
    plan = WritePlan()
    plan.sheet(dep.sheet).set(*cell, CellWrite("", 'IF(1=0,"5101","")'))
    book.apply(plan)
    book.save()
    report = recalc(path)
    assert not [i for i in report.issues if i.code in ("DEP004", "DEP038")]
    assert report.to_json()["unassigned"] == "1000.00" and not report.summary.provisional  # type: ignore[union-attr]


def test_france_is_everything_not_typed_abroad(tmp_path):
    entries = [{"account": "2301", "amount": 1000.0}, {"account": "2301", "amount": 200.0, "country": "Belgique"},
               {"account": "2301", "amount": 30.0, "country": "fr"}]
    path = _small(tmp_path, entries, [V1])
    report = recalc(path)
    assert report.to_json()["france"] == "1030.00"
    book = XlsxFile(path)
    assert book.named_cell("DEPENSES_DEPENSES_FRANCE")[0] == pytest.approx(1030.0)
    assert book.table(L.TABLE_DEPENSES).rows[1][L.DEPENSES_HEADERS.index("Pays")] == "BE"  # normalised in place


def _suivi_row(book: XlsxFile, account: str) -> int:
    """The row of an account among the Suivi's lines."""
    return next(r for r in range(L.FIRST_LINE_ROW, L.FIRST_LINE_ROW + 5)
                if book.cell_values(L.SHEET_SUIVI, [(r, 1)])[(r, 1)] == account)


def test_a_typed_estimate_to_complete_is_kept_and_used(tmp_path):
    path = _small(tmp_path, [{"account": "7101", "amount": 5000.0}], [V1])
    recalc(path)
    book = XlsxFile(path)
    row = _suivi_row(book, "7101")
    plan = WritePlan()
    plan.sheet(L.SHEET_SUIVI).set(row, L.COL["Reste à engager (saisi)"], CellWrite(2500.0))
    book.apply(plan)
    book.save()
    data = recalc(path).to_json()
    line = next(x for x in data["lines"] if x["account"] == "7101")
    assert (line["to_complete"], line["efc"], line["variance"]) == ("2500.00", "7500.00", "-12500.00")
    again = XlsxFile(path)
    assert again.cell_values(L.SHEET_SUIVI, [(row, L.COL["Reste à engager (saisi)"])])[
        (row, L.COL["Reste à engager (saisi)"])] == 2500.0


def test_a_formula_typed_as_the_estimate_to_complete_is_kept_as_typed_and_its_result_used(tmp_path):
    """=Prévisions!B4 in « Reste à engager (saisi) » is the user's: a recalculation used to leave its value as a
    constant (the link lost) and blank one showing an error, without a word."""
    path = _small(tmp_path, [{"account": "7101", "amount": 5000.0}, {"account": "8101", "amount": 1000.0}], [V1])
    recalc(path)
    book = XlsxFile(path)
    rows = {a: _suivi_row(book, a) for a in ("7101", "8101", "2301")}
    h = L.COL["Reste à engager (saisi)"]
    plan = WritePlan()
    plan.sheet(L.SHEET_SUIVI).set(rows["7101"], h, CellWrite(2500.0, "1250*2"))
    plan.sheet(L.SHEET_SUIVI).set(rows["8101"], h, CellWrite(None, "1/0"))  # what a reader shows as no number
    plan.sheet(L.SHEET_SUIVI).set(rows["2301"], h, CellWrite("à voir", '"à "&"voir"'))  # a text result
    book.apply(plan)
    book.save()
    report = recalc(path)
    line = next(x for x in report.to_json()["lines"] if x["account"] == "7101")
    assert (line["to_complete"], line["efc"]) == ("2500.00", "7500.00")
    warned = [i for i in report.issues if i.code == "DEP017"]
    assert sorted(i.location.cell for i in warned) == sorted(f"{column_letter(h)}{rows[a]}" for a in ("8101", "2301"))
    said = " | ".join(i.message for i in warned)
    assert "=1/0 ne donne pas un nombre (elle n'affiche rien, ou une erreur)" in said and "(elle affiche « à voir »)" in said
    assert "la formule est gardée" in said
    again = XlsxFile(path)
    formulas = again.sheet_formulas(L.SHEET_SUIVI)
    assert (formulas[(rows["7101"], h)], formulas[(rows["8101"], h)]) == ("1250*2", "1/0")
    assert again.cell_values(L.SHEET_SUIVI, [(rows["7101"], h)])[(rows["7101"], h)] == 2500.0
    assert again.cell_values(L.SHEET_SUIVI, [(rows["2301"], h)])[(rows["2301"], h)] == "à voir"  # its result kept
    recalc(path)  # and again: still theirs
    assert XlsxFile(path).sheet_formulas(L.SHEET_SUIVI)[(rows["7101"], h)] == "1250*2"


def test_a_typed_formula_moves_with_its_line_and_a_filled_down_one_is_kept_in_each_cell(tmp_path):
    """=E45-F45-5000 on 7101's line, then a version with an account sorting before it: the line moves down one row
    and the formula, written back unchanged, pointed at the new line's cells. A formula filled down (shared, its
    text written once) became constants below its first cell."""
    import re
    import zipfile

    path = _small(tmp_path, [{"account": "7101", "amount": 5000.0}], [V1])
    recalc(path)
    book = XlsxFile(path)
    rows = {a: _suivi_row(book, a) for a in ("2301", "5101", "7101")}
    h = L.COL["Reste à engager (saisi)"]
    e, g = column_letter(L.COL["Budget actuel"]), column_letter(L.COL["Engagé"])
    r = rows["7101"]
    plan = WritePlan()
    plan.sheet(L.SHEET_SUIVI).set(r, h, CellWrite(8000.0, f"{e}{r}-{g}{r}-5000"))
    book.apply(plan)
    book.save()
    book = XlsxFile(path)
    add_version(book, Version("Avenant", (VersionLine("6001", "Transports", D("1000")), *V1.lines)))
    book.save()
    report = recalc(path)
    moved = [i for i in report.issues if i.code == "DEP017"]
    assert len(moved) == 1 and f"passe de la ligne {r} à la ligne {r + 1}" in moved[0].message
    assert XlsxFile(path).sheet_formulas(L.SHEET_SUIVI)[(r + 1, h)] == f"{e}{r + 1}-{g}{r + 1}-5000"

    # filled down: 2301 and 5101's lines share one formula, written once by Excel
    first, second = rows["2301"], rows["5101"]
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = XlsxFile(path)._part(L.SHEET_SUIVI)
    letter = column_letter(h).encode()
    xml = parts[sheet]
    for row, f in ((first, b'<f t="shared" ref="' + letter + b"%d:" % first + letter + b'%d" si="7">' % second
                    + e.encode() + b"%d*0.5</f><v>1</v>" % first), (second, b'<f t="shared" si="7"/><v>1</v>')):
        xml, n = re.subn(rb'<c r="' + letter + b"%d" % row + rb'"([^>]*?)(?:/>|>.*?</c>)',
                         lambda m, f=f, row=row: b'<c r="' + letter + b"%d" % row + b'"' + m.group(1) + b">" + f + b"</c>",
                         xml, count=1)
        assert n == 1
    parts[sheet] = xml
    _write_parts(path, parts)
    recalc(path)
    formulas = XlsxFile(path).sheet_formulas(L.SHEET_SUIVI)
    assert (formulas[(first, h)], formulas[(second, h)]) == (f"{e}{first}*0.5", f"{e}{second}*0.5")



def test_a_typed_formula_on_figures_this_recalculation_changes_is_said_to_show_an_earlier_result(tmp_path):
    """=G45*0.5 (half of what is committed) in « Reste à engager (saisi) »: xlprod does not calculate the
    user's formula, and its result, used for the estimated final cost, is the one Excel last calculated. An
    entry that changes the committed figure makes it out of date: said, with the cell it depends on."""
    path = _small(tmp_path, [{"account": "7101", "amount": 5000.0}, {"account": "5101", "amount": 1000.0}], [V1])
    recalc(path)
    book = XlsxFile(path)
    r = _suivi_row(book, "7101")
    h, g = L.COL["Reste à engager (saisi)"], column_letter(L.COL["Engagé"])
    plan = WritePlan()
    plan.sheet(L.SHEET_SUIVI).set(r, h, CellWrite(2500.0, f"{g}{r}*0.5"))
    plan.sheet(L.SHEET_SUIVI).set(r + 1, h, CellWrite(100.0, "50*2"))  # no figure of Suivi: never out of date
    book.apply(plan)
    book.save()
    assert not [i for i in recalc(path).issues if i.code == "DEP041"]  # nothing changed since Excel calculated it
    _type(path, {(2, "Compte devis"): "7101"})
    stale = [i for i in recalc(path).issues if i.code == "DEP041"]
    assert len(stale) == 1 and stale[0].location.cell == f"{column_letter(h)}{r}"
    assert f"{column_letter(h)}{r} (7101, d'après {g}{r})" in stale[0].message
    assert XlsxFile(path).sheet_formulas(L.SHEET_SUIVI)[(r, h)] == f"{g}{r}*0.5"  # kept as typed


def test_recalculating_twice_gives_the_same_file(sample):
    recalc(sample)
    first = _parts(sample)
    recalc(sample)
    assert _parts(sample) == first


def _parts(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if not n.startswith("docProps/")}


def test_user_content_beside_the_tables_survives(tmp_path):
    path = _small(tmp_path, [{"account": "2301", "amount": 100.0}], [V1])
    book = XlsxFile(path)
    plan = WritePlan()
    plan.sheet(L.SHEET_SUIVI).set(L.FIRST_LINE_ROW + 1, 20, CellWrite("note du producteur"))
    plan.sheet(L.SHEET_DEPENSES).set(2, 20, CellWrite("à vérifier avec la compta"))
    book.apply(plan)
    book.save()
    recalc(path)
    recalc(path)
    book = XlsxFile(path)
    assert book.cell_values(L.SHEET_SUIVI, [(L.FIRST_LINE_ROW + 1, 20)])[(L.FIRST_LINE_ROW + 1, 20)] == "note du producteur"
    assert book.cell_values(L.SHEET_DEPENSES, [(2, 20)])[(2, 20)] == "à vérifier avec la compta"


# -- imports -----------------------------------------------------------------------------------

OCTOBER = [
    {"date": dt.date(2026, 10, 1), "piece": "FA-1", "supplier": "TSF Caméra", "account": "7101", "label": "Caméra",
     "amount": 4000.0, "vat": 800.0, "ledger_account": "6135"},
    {"date": dt.date(2026, 10, 2), "piece": "FA-2", "supplier": "Transpalux", "account": "7101", "label": "Lumière",
     "amount": 2500.0, "vat": 500.0, "ledger_account": "6135"},
    {"date": dt.date(2026, 10, 12), "piece": "FA-3", "supplier": "Ateliers Décor Ouest", "account": "5101",
     "label": "Décor", "amount": 12000.0, "vat": 2400.0, "ledger_account": "6061"},
    {"date": dt.date(2026, 10, 13), "piece": "FA-4", "supplier": "Hôtel de la Rade", "account": "6201",
     "label": "Hôtel", "amount": 900.0, "vat": 90.0, "ledger_account": "6251"},
]
MAPPING = [("61357101", "7101", ""), ("60615101", "5101", ""), ("62516201", "6201", "")]


def _write_parts(path: Path, parts: dict[str, bytes]) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _workbook_for_import(tmp_path: Path) -> Path:
    path = tmp_path / "dep.xlsx"
    build_depenses(path, DepensesInputs(title="Essai", mapping=MAPPING))
    book = XlsxFile(path)
    add_version(book, V1)
    book.save()
    return path


def _import(path: Path, fec: Path) -> object:
    book = XlsxFile(path)
    summary = import_ledger(book, fec.read_bytes(), fec.name)
    book.save()
    return summary


def _type(path: Path, cells: dict[tuple[int, str], object]) -> None:
    """Type values in the Dépenses table, as a user would: (its n-th row from 1, its header) -> value."""
    book = XlsxFile(path)
    t = book.table(L.TABLE_DEPENSES)
    plan = WritePlan()
    for (n, header), value in cells.items():
        plan.sheet(t.sheet).set(t.header_row + n, t.first_col + t.headers.index(header), CellWrite(value))
    book.apply(plan)
    book.save()

def _reimport(tmp_path: Path, head: str, before: list[str], typed: dict[tuple[int, str], object], after: list[str],
              name: str = "export.csv") -> Path:
    """A CSV imported, the user's edits typed in Dépenses (row from 1, header -> value), then the corrected
    export imported; each line of ``before`` and ``after`` without its line ending."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / name
    csv.write_text(head + "".join(f"{line}\r\n" for line in before), encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    if typed:
        _type(path, typed)
    csv.write_text(head + "".join(f"{line}\r\n" for line in after), encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    return path



def test_importing_a_fec_maps_accounts_keeps_the_unmapped_and_reconciles(tmp_path):
    path = _workbook_for_import(tmp_path)
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    s = _import(path, fec)
    assert "FEC 18 colonnes" in s.detection and "Windows-1252" in s.detection and "barre verticale" in s.detection
    assert s.added == 6 and s.unassigned == 2  # the demo's two receptions on 6257 and 6234
    assert s.selected_debit - s.selected_credit == D("4000") + D("2500") + D("12000") + D("900") + D("1840") + D("612.5")
    # the file's debit total is the expenses' plus the VAT lines'
    assert s.debit_total == s.selected_debit + D("800") + D("500") + D("2400") + D("90") + D("368") + D("122.5")
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    accounts = [r[L.DEPENSES_HEADERS.index("Compte devis")] for r in rows]
    assert accounts.count("7101") == 2 and accounts.count(None) + accounts.count("") == 2
    status = {r[L.DEPENSES_HEADERS.index("N° pièce")]: r[L.DEPENSES_HEADERS.index("Statut")] for r in rows}
    assert status["FA-1"] == "payé" and status["FA-3"] == "facturé"  # lettered on 14/10 up to the 10th
    report = recalc(path)
    assert report.to_json()["unassigned"] == "2452.50"


def test_reimporting_the_same_fec_adds_nothing_and_a_corrected_one_updates(tmp_path):
    path = _workbook_for_import(tmp_path)
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    _import(path, fec)
    before = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    again = _import(path, fec)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 6)
    assert XlsxFile(path).table(L.TABLE_DEPENSES).rows == before
    corrected = [dict(e) for e in OCTOBER]
    corrected[1]["amount"] = 2750.0
    write_fec(fec, corrected)
    s = _import(path, fec)
    assert (s.added, s.updated, s.unchanged) == (0, 1, 5)
    assert "Montant HT" in s.changes[0]
    amounts = [r[L.DEPENSES_HEADERS.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows]
    assert 2750.0 in amounts and 2500.0 not in amounts


def test_a_users_assignment_of_an_unmapped_line_survives_a_reimport(tmp_path):
    path = _workbook_for_import(tmp_path)
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    _import(path, fec)
    book = XlsxFile(path)
    t = book.table(L.TABLE_DEPENSES)
    i = next(i for i, r in enumerate(t.rows) if r[L.DEPENSES_HEADERS.index("Compte général")] == "62570000")
    plan = WritePlan()
    plan.sheet(L.SHEET_DEPENSES).set(t.header_row + 1 + i, L.DEPENSES_HEADERS.index("Compte devis") + 1,
                                     CellWrite("6501"))
    book.apply(plan)
    book.save()
    s = _import(path, fec)
    assert s.updated == 0
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert rows[i][L.DEPENSES_HEADERS.index("Compte devis")] == "6501"


def test_imported_rows_read_again_in_memory_as_from_the_saved_file(tmp_path):
    """The book knows the cells it appended (Montant EUR's formulas with the values the import
    computed) without scanning the sheet again; the new table's blank row, filled first, keeps its
    Montant EUR formula."""
    path = _workbook_for_import(tmp_path)
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    book = XlsxFile(path)
    import_ledger(book, fec.read_bytes(), fec.name)
    book.refresh()
    in_memory = book.table(L.TABLE_DEPENSES)
    cells = [(r, c) for r in range(in_memory.header_row, in_memory.header_row + 8) for c in range(1, 17)]
    shown = book.cell_values(L.SHEET_DEPENSES, cells)  # the sheet's cells too, calamine then reading it whole
    book.save()
    saved = XlsxFile(path).table(L.TABLE_DEPENSES)
    assert in_memory.rows == saved.rows and in_memory.specials == saved.specials
    assert shown == XlsxFile(path).cell_values(L.SHEET_DEPENSES, cells)
    j = L.DEPENSES_HEADERS.index("Montant EUR")
    assert saved.specials == {}
    amount = L.DEPENSES_HEADERS.index("Montant HT")
    assert [r[j] for r in saved.rows[1:]] == [r[amount] for r in saved.rows[1:]]  # in euros: ROUND(HT × 1, 2)
    assert saved.rows[0][j] == 0  # the first row's formula, with the cache it had
    assert XlsxFile(path).formula_cells(L.SHEET_DEPENSES, [(saved.header_row + 1, j + 1)])
    recalc(path)  # rows of an earlier import above the new ones, calculated by now
    write_fec(fec, [*OCTOBER, *(dict(e, entry=f"HB{k:05d}") for k, e in enumerate(OCTOBER))])
    book = XlsxFile(path)
    added = import_ledger(book, fec.read_bytes(), fec.name).added
    book.refresh()
    in_memory = book.table(L.TABLE_DEPENSES)
    book.save()
    again = XlsxFile(path).table(L.TABLE_DEPENSES)
    assert added and len(again.rows) == len(saved.rows) + added
    assert in_memory.rows == again.rows and in_memory.specials == again.specials


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, len(OCTOBER) - 1), min_size=1, max_size=6, unique=True))
def test_importing_any_subset_twice_gives_the_same_workbook(tmp_path_factory, chosen):
    tmp = tmp_path_factory.mktemp("idem")
    path = _workbook_for_import(tmp)
    fec = tmp / "fec.txt"
    write_fec(fec, [OCTOBER[i] for i in chosen])
    _import(path, fec)
    once = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    _import(path, fec)
    assert XlsxFile(path).table(L.TABLE_DEPENSES).rows == once


def test_the_import_command_prints_what_it_detected_and_the_reconciliation(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    assert main(["import", str(path), str(fec)]) == 0
    out = capsys.readouterr().out
    assert "6 nouvelles, 0 mise à jour, 0 déjà présente" in out and "à affecter : 2" in out
    assert "Windows-1252" in out and "celui du fichier" in out
    assert main(["import", str(path), str(fec), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unchanged"] == 6 and data["report"]["kind"] == "depenses"


def test_an_import_that_cannot_be_done_says_so_as_json_with_json(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    assert main(["import", str(path), str(tmp_path / "absent.txt"), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["failure_message"] == "fichier illisible (fichier introuvable)"
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(b"PK\x03\x04 not a workbook")
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    assert main(["import", str(blank), str(fec), "--json"]) == 2
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert data["file"] == str(blank) and "classeur" in data["failure_message"] and data["hint"]
    assert data["failure"] in out.err


def test_an_unbalanced_fec_entry_is_reported_at_its_file_line(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    text = fec.read_bytes().decode("cp1252").replace("|0,00|4800,00|", "|0,00|4700,00|", 1)
    fec.write_bytes(text.encode("cp1252"))
    assert main(["import", str(path), str(fec)]) == 1
    out = capsys.readouterr().out
    assert "fec.txt:2: erreur DEP103" in out  # the entry's first line
    # counted in the workbook's summary line, and written in its Contrôles, as the README says of exit code 1
    summary = next(line for line in out.splitlines() if line.startswith(f"{path.name}: "))
    assert "(2 erreurs," in summary  # DEP103, and DEP033 (its lines not imported)
    controls = openpyxl.load_workbook(path)["Contrôles"].iter_rows(values_only=True)
    said = {str(row[2]): str(row[1]) for row in controls if len(row) > 2 and str(row[2]).startswith("DEP")}
    assert said["DEP103"] == "fec.txt:2" and "DEP033" in said


# -- snapshots --------------------------------------------------------------------------------

def test_new_takes_the_devis_path_as_typed_and_the_workbook_keeps_it_relative_to_itself(tmp_path, monkeypatch, capsys):
    """« --devis prod/devis.xlsx », typed from the production's folder, for a workbook made in t2/sub: the
    snapshot that follows, without --devis, finds it (it used to look in t2/sub/prod)."""
    (tmp_path / "prod").mkdir()
    (tmp_path / "t2" / "sub").mkdir(parents=True)
    devis = build_devis_sample(tmp_path / "prod")
    recalc(devis)
    monkeypatch.chdir(tmp_path)
    target = Path("t2/sub/dep.xlsx")
    assert main(["new", "depenses", str(target), "--devis", f"prod/{devis.name}"]) == 0
    assert f"../../prod/{devis.name}" in capsys.readouterr().out  # DEP012's hint names the path the workbook keeps
    assert main(["snapshot", str(target), "--nom", "Dépôt CNC"]) == 0
    assert "version « Dépôt CNC » (devis initial) figée" in capsys.readouterr().out
    assert main(["new", "depenses", "t2/autre.xlsx", "--devis", "introuvable.xlsx"]) == 0
    assert "introuvable ; le classeur le cherchera à ../introuvable.xlsx" in capsys.readouterr().err


def test_a_snapshot_freezes_every_line_and_the_computed_charges(tmp_path, capsys):
    devis = build_devis_sample(tmp_path)
    recalc(devis)
    assert main(["new", "depenses", str(tmp_path / "dep.xlsx")]) == 0
    assert main(["snapshot", str(tmp_path / "dep.xlsx"), "--devis", str(devis), "--nom", "Dépôt CNC"]) == 0
    assert "(devis initial) figée" in capsys.readouterr().out
    book = XlsxFile(tmp_path / "dep.xlsx")
    sous_total = XlsxFile(devis).named_cell("DEVIS_SOUS_TOTAL")[0]
    assert book.named_cell("DEPENSES_DEVIS_INITIAL")[0] == pytest.approx(sous_total, abs=0.005)
    assert main(["snapshot", str(tmp_path / "dep.xlsx"), "--devis", str(devis), "--nom", "dépôt cnc"]) == 2
    assert "existe déjà (« Dépôt CNC » : les noms se comparent sans la casse)" in capsys.readouterr().err
    assert main(["snapshot", str(tmp_path / "dep.xlsx"), "--devis", str(devis), "--nom", "V*2"]) == 2
    assert "critère" in capsys.readouterr().err


def test_a_snapshot_refuses_swapped_files_and_an_empty_devis_and_asks_about_another_films(tmp_path, capsys):
    devis = build_devis_sample(tmp_path)
    recalc(devis)
    dep = tmp_path / "dep.xlsx"
    assert main(["new", "depenses", str(dep), "--titre", "Un autre film"]) == 0
    capsys.readouterr()
    assert main(["snapshot", str(devis), "--devis", str(dep), "--nom", "X"]) == 2  # the two files swapped
    err = capsys.readouterr().err
    assert "ce classeur est : Devis CNC, pas un suivi des dépenses" in err and "xlprod snapshot depenses.xlsx" in err
    empty = tmp_path / "vide.xlsx"
    assert main(["new", "devis", str(empty)]) == 0
    recalc(empty)
    capsys.readouterr()
    assert main(["snapshot", str(dep), "--devis", str(empty), "--nom", "Vide"]) == 2
    assert "le devis totalise 0,00 € : une version vide ne peut pas servir de budget" in capsys.readouterr().err
    assert main(["snapshot", str(dep), "--devis", str(devis), "--nom", "Dépôt CNC"]) == 0
    assert "avertissement DEP027: Le devis est celui de « Les Heures claires », le suivi celui de « Un autre film »" \
        in capsys.readouterr().out


def test_a_devis_never_recalculated_cannot_be_frozen(tmp_path, capsys):
    devis = build_devis_sample(tmp_path)  # built, not recalculated: no cached total
    assert main(["new", "depenses", str(tmp_path / "dep.xlsx")]) == 0
    capsys.readouterr()
    assert main(["snapshot", str(tmp_path / "dep.xlsx"), "--devis", str(devis), "--nom", "V1"]) == 2
    assert "xlprod recalc" in capsys.readouterr().err


# -- bad inputs -------------------------------------------------------------------------------

def test_text_in_an_amount_is_located_and_holds_the_report(tmp_path):
    path = _small(tmp_path, [{"account": "2301", "amount": 100.0}, {"account": "2301", "amount": "cent euros"}], [V1])
    report = recalc(path)
    bad = [i for i in report.issues if i.code == "DEP001"]
    assert bad and str(bad[0].location).endswith("Dépenses!F6")
    assert report.to_json()["provisional"] is True


def test_a_number_typed_as_text_is_read_and_written_back_as_a_number(tmp_path):
    path = _small(tmp_path, [{"account": "2301", "amount": "1 250,50"}], [V1])
    report = recalc(path)
    assert [i.code for i in report.issues if i.code.startswith("DEP00")] == ["DEP002"]
    assert report.to_json()["total"]["committed"] == "1250.50"
    assert XlsxFile(path).table(L.TABLE_DEPENSES).rows[0][L.DEPENSES_HEADERS.index("Montant HT")] == 1250.5


def test_a_foreign_amount_without_a_rate_is_an_error(tmp_path):
    path = _small(tmp_path, [{"account": "8501", "amount": 1000.0, "currency": "USD"}], [V1])
    assert "DEP008" in [i.code for i in recalc(path).issues]


def test_an_account_formulas_would_read_as_a_criterion_is_refused(tmp_path):
    path = _small(tmp_path, [{"account": "23*", "amount": 10.0}], [V1])
    report = recalc(path)
    assert "DEP004" in [i.code for i in report.issues] and report.to_json()["provisional"] is True


def test_an_unknown_current_version_is_refused(tmp_path):
    path = _small(tmp_path, [], [V1])
    book = XlsxFile(path)
    where = book.named_cell("PARAM_VERSION_ACTUELLE")[1]
    plan = WritePlan()
    plan.sheet(where.sheet).set(int(where.cell[1:]), 3, CellWrite("Version fantôme"))
    book.apply(plan)
    book.save()
    assert "DEP013" in [i.code for i in recalc(path).issues]


def test_a_missing_column_is_named(tmp_path):
    import openpyxl

    path = _small(tmp_path, [{"account": "2301", "amount": 10.0}], [V1])
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEPENSES]
    ws.tables[L.TABLE_DEPENSES].tableColumns[10].name = "Etat"
    ws.cell(L.HEADER_ROW, 11).value = "Etat"
    wb.save(path)
    report = recalc(path)
    assert any(i.code == "DEP011" and "Statut" in i.message for i in report.issues)


def test_every_status_counts_as_committed_and_only_paid_as_paid():
    entries = [Entry("2301", D("100"), Status.COMMITTED), Entry("2301", D("10"), Status.INVOICED),
               Entry("2301", D("1"), Status.PAID)]
    t = compute_tracking(entries, V1, V1, {}, Thresholds())
    line = next(x for x in t.lines if x.account == "2301")
    assert (line.figures.committed, line.figures.paid, line.figures.open_commitments) == (D("111"), D("1"), D("110"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["2301", "5101", "7101", "4101", "9101", ""]),
                          st.integers(-500_000, 5_000_000).map(lambda c: D(c) / 100),
                          st.sampled_from(list(Status))), max_size=40))
def test_lines_add_up_to_their_chapters_and_the_total_to_all_entries(raw):
    entries = [Entry(a, amount, s) for a, amount, s in raw]
    t = compute_tracking(entries, V1, V2, {}, Thresholds())
    for n in CHAPTERS:
        assert sum((x.figures.committed for x in t.lines if x.chapter == n), D(0)) == t.chapters[n].committed
    assert t.total.committed == sum((e.amount_eur for e in entries), D(0))
    assert t.total.efc == sum((x.figures.efc for x in t.lines), D(0)) + t.unassigned.efc


def test_the_demo_writes_the_cost_report_its_signed_devis_and_its_fec(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Suivi des dépenses — " in out and "Coût définitif (protocole)" in out
    assert (tmp_path / FEC_FILE).exists() and (tmp_path / "depenses-les-heures-claires.xlsx").exists()


def test_a_second_run_of_the_cli_recalc_reports_the_same(sample, capsys):
    assert main(["recalc", str(sample), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["recalc", str(sample), "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first == second


def test_a_csv_export_is_read_through_the_columns_saved_in_the_workbook(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    book = XlsxFile(path)
    cols = book.table(L.TABLE_COLONNES)
    i = [r[0] for r in cols.rows].index("supplier")
    plan = WritePlan()  # this export calls the supplier « Tiers »
    plan.sheet(cols.sheet).set(cols.header_row + 1 + i, cols.first_col + 1, CellWrite("Tiers"))
    book.apply(plan)
    book.save()
    csv = tmp_path / "export.csv"
    csv.write_bytes("\ufeff\"Date\";\"N° pièce\";\"Tiers\";\"Compte\";\"Libellé\";\"Montant HT\";\"Statut\";\"Pays\"\r\n"
                    "02/10/2026;F-101;TSF Caméra;61357101;Caméra semaine 2;1 250,50;Payée;Belgique\r\n"
                    "03/10/2026;F-102;Loueur X;62570000;Pot de fin;300;;\r\n".encode())
    assert main(["import", str(path), str(csv), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "UTF-8 avec BOM" in data["detection"] and data["added"] == 2 and data["unassigned"] == 1
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    first = dict(zip(L.DEPENSES_HEADERS, rows[0], strict=True))
    assert (first["Fournisseur"], first["Compte devis"], first["Montant HT"], first["Statut"], first["Pays"]) == (
        "TSF Caméra", "7101", 1250.5, "payé", "BE")
    assert main(["import", str(path), str(csv), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 2


def test_a_csv_in_several_currencies_is_summed_in_euros_at_each_lines_rate(tmp_path, capsys):
    """9 500 € + 4 000 GBP at 1,1712 + 850 € + 1 000 USD at 0,9215: the summary's euros are the Montant EUR
    the workbook computes, never pounds and dollars added to euros."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "coproduction.csv"
    csv.write_bytes("Date;N° pièce;Fournisseur;Compte;Libellé;Montant HT;Devise;Taux de change\r\n"
                    "02/10/2026;F-1;TSF;61357101;Caméra;9 500,00;EUR;\r\n"
                    "03/10/2026;L-2;Pinewood;61357101;Studio Londres;4 000,00;GBP;1,1712\r\n"
                    "04/10/2026;F-3;Loueur X;62570000;Pot de fin;850,00;;\r\n"
                    "05/10/2026;N-4;Post NY;61357101;Étalonnage;1 000,00;USD;0,9215\r\n".encode())
    assert main(["import", str(path), str(csv)]) == 0
    out = capsys.readouterr().out
    euros = Decimal("9500") + Decimal("4684.80") + Decimal("850") + Decimal("921.50")
    assert f"débit {format_eur(euros)}" in out and "= celui du fichier" in out
    assert "dont en devises : 4\u202f000,00 GBP, 1\u202f000,00 USD" in out
    assert "à affecter : 1 (850,00\u00a0€)" in out
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    j = L.DEPENSES_HEADERS.index("Montant EUR")
    assert round(sum(r[j] for r in rows), 2) == float(euros)  # what the workbook adds up
    assert main(["import", str(path), str(csv), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["currencies"] == {"GBP": "4000.00", "USD": "1000.00"} and data["expense_debit"] == f"{euros:.2f}"
    assert "issues" not in data and isinstance(data["report"]["issues"], list)  # listed once, under the report


def test_a_corrected_csv_corrects_the_rates_and_says_amounts_in_their_currency(tmp_path, capsys):
    """The pound's rate corrected from 1,1712 to 1,1801 and the dollar's given: the summary counted the new rates,
    the workbook kept the old ones (a gap nobody saw), and the change list said pounds in euros."""
    path = _workbook_for_import(tmp_path)
    head = "Date;N° pièce;Fournisseur;Compte;Libellé;Montant HT;Devise;Taux de change\r\n"
    first = (head + "03/10/2026;L-2;Pinewood;61357101;Studio Londres;3 200,00;GBP;1,1712\r\n"
             "05/10/2026;N-4;Post NY;61357101;Étalonnage;1 000,00;USD;\r\n")
    corrected = (head + "03/10/2026;L-2;Pinewood;61357101;Studio Londres;3 300,00;GBP;1,1801\r\n"
                 "05/10/2026;N-4;Post NY;61357101;Étalonnage;1 000,00;USD;0,92\r\n")
    (tmp_path / "a.csv").write_bytes(first.encode())
    (tmp_path / "b.csv").write_bytes(corrected.encode())
    _import(path, tmp_path / "a.csv")
    s = _import(path, tmp_path / "b.csv")
    assert (s.updated, s.unchanged) == (2, 0)
    said = " | ".join(s.changes)
    assert "Montant HT 3\u202f200,00 GBP → 3\u202f300,00 GBP" in said and "Taux de change 1,1712 → 1,1801" in said
    assert "Taux de change (vide) → 0,92" in said
    report = recalc(path)
    assert report.to_json()["total"]["committed"] == f"{s.selected_debit - s.selected_credit:.2f}"  # one set of figures
    assert not [i for i in report.issues if i.code == "DEP008"]


def test_a_correspondence_adds_accounts_outside_the_charges(tmp_path):
    """Capitalised production costs (2313) count when the Correspondances name them."""
    path = tmp_path / "dep.xlsx"
    build_depenses(path, DepensesInputs(title="Essai", mapping=[("2313", "", "immobilisations en cours")]))
    fec = tmp_path / "fec.txt"
    fec.write_text("JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\t"
                   "PieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\t"
                   "Idevise\n"
                   "OD\tOpérations diverses\tOD1\t20261031\t23130000\tFilm en cours\t\t\tOD1\t20261031\tTransfert\t"
                   "5000,00\t0,00\t\t\t20261031\t\t\n"
                   "OD\tOpérations diverses\tOD1\t20261031\t72100000\tProduction immobilisée\t\t\tOD1\t20261031\t"
                   "Transfert\t0,00\t5000,00\t\t\t20261031\t\t\n", encoding="utf-8")
    s = _import(path, fec)
    assert (s.selected, s.added, s.unassigned) == (1, 1, 1)
    assert s.unassigned_amount == D("5000")


def test_spend_on_an_account_no_version_holds_is_a_line_of_its_own_and_said(tmp_path):
    path = _small(tmp_path, [{"account": "7199", "amount": 800.0}], [V1])
    report = recalc(path)
    line = next(x for x in report.to_json()["lines"] if x["account"] == "7199")
    assert line["status"] == "hors devis"
    assert any(i.code == "DEP005" and "7199" in i.message for i in report.issues)


def _frozen_once(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """The sample devis and an expense workbook that froze it once with its button."""
    devis = build_devis_sample(tmp_path)
    recalc(devis)
    path = tmp_path / name
    assert main(["new", "depenses", str(path), "--devis", str(devis)]) == 0
    assert main(["depenses", "figer", str(path)]) == 0
    return devis, path


def test_freezing_from_the_workbook_button_uses_the_devis_of_parametres(tmp_path, capsys):
    devis, path = _frozen_once(tmp_path, "dep.xlsm")
    assert main(["depenses", "figer", str(path)]) == 0  # nothing changed: no second copy of the same devis
    out = capsys.readouterr().out
    assert "version « Version du " in out and "devis identique à la dernière version" in out
    initial = XlsxFile(devis).named_cell("DEVIS_SOUS_TOTAL")[0]
    wb = openpyxl.load_workbook(devis)
    rate = [c.field for c in DL.DEVIS_COLUMNS].index("unit_rate") + 1
    wb[DL.SHEET_DEVIS].cell(row=DL.DEVIS_HEADER_ROW + 1, column=rate).value = 99_999
    wb.save(devis)
    recalc(devis)
    assert main(["depenses", "figer", str(path)]) == 0  # the same minute: the second is named « … (2) »
    assert " (2) » figée" in capsys.readouterr().out
    assert XlsxFile(path).named_cell("DEPENSES_DEVIS_INITIAL")[0] == pytest.approx(initial, abs=0.005)  # the first


def test_a_corrected_fec_that_moves_a_line_to_another_account_updates_it(tmp_path):
    path = _workbook_for_import(tmp_path)
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    _import(path, fec)
    corrected = [dict(e) for e in OCTOBER]
    corrected[3]["ledger_account"] = "6135"  # the hotel was rented equipment after all
    corrected[3]["account"] = "7101"
    write_fec(fec, corrected)
    s = _import(path, fec)
    assert (s.added, s.updated) == (0, 1)
    assert "Compte devis 6201 → 7101" in s.changes[0] and "Compte général 62516201 → 61357101" in s.changes[0]
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert len(rows) == 6


def test_an_entry_gone_from_a_corrected_export_is_said_and_kept(tmp_path):
    path = _workbook_for_import(tmp_path)
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    _import(path, fec)
    numbered = [dict(e, entry=f"HA{k:05d}") for k, e in enumerate(OCTOBER, start=1)]
    write_fec(fec, numbered)
    _import(path, fec)
    write_fec(fec, [numbered[0], numbered[3]])  # same period; the 2nd and 3rd invoices are gone
    s = _import(path, fec)
    assert len(s.absent) == 2 and any(i.code == "DEP031" for i in s.issues)
    assert len(XlsxFile(path).table(L.TABLE_DEPENSES).rows) == 6  # nothing deleted


def test_a_foreign_currency_line_is_said_and_a_correspondence_gives_its_country(tmp_path):
    head = ("JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
            "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise")
    body = ["HA|Achats|HA1|20261005|61357101|Caméra Londres|||F-UK|20261005|ARRI Rental UK|5850,00|0,00|||20261005|"
            "5000,00|GBP",
            "HA|Achats|HA1|20261005|40100000|Fournisseurs|FARRI|ARRI Rental UK|F-UK|20261005|ARRI Rental UK|0,00|"
            "5850,00|||20261005||"]
    fec = tmp_path / "fec.txt"
    fec.write_text("\r\n".join([head, *body]) + "\r\n", encoding="utf-8")
    path = _workbook_for_import(tmp_path)
    s = _import(path, fec)
    assert any(i.code == "DEP032" and "fec.txt:2" in i.render() for i in s.issues)
    row = dict(zip(L.DEPENSES_HEADERS, XlsxFile(path).table(L.TABLE_DEPENSES).rows[0], strict=True))
    from xlprod.core.money import format_eur

    assert row["Montant HT"] == 5850.0 and f"{format_eur(D(5000))[:-2]} GBP" in row["Libellé"]
    other = tmp_path / "b"
    other.mkdir()
    book_path = other / "dep.xlsx"
    build_depenses(book_path, DepensesInputs(title="Essai", mapping=[("6135", "7101", "GB", "caméra à Londres")]))
    s = _import(book_path, fec)
    assert not any(i.code == "DEP032" for i in s.issues)
    row = dict(zip(L.DEPENSES_HEADERS, XlsxFile(book_path).table(L.TABLE_DEPENSES).rows[0], strict=True))
    assert row["Pays"] == "GB"


def test_a_line_budgeted_only_in_a_later_version_is_added_not_outside_the_devis(tmp_path):
    v1 = Version("V1", (VersionLine("2301", "Chef op", D("1000")), VersionLine("7130", "Drone", D("0"))))
    v2 = Version("V2", (VersionLine("2301", "Chef op", D("1000")), VersionLine("7130", "Drone", D("2400"))))
    path = _small(tmp_path, [{"account": "7130", "amount": 2320.0}], [v1, v2])
    report = recalc(path)
    line = next(x for x in report.to_json()["lines"] if x["account"] == "7130")
    assert line["status"] == "ajouté au budget"
    assert "DEP005" not in {i.code for i in report.issues}


def test_text_typed_as_an_estimate_to_complete_is_kept_and_the_default_used(tmp_path):
    path = _small(tmp_path, [{"account": "7101", "amount": 5000.0}], [V1])
    recalc(path)
    book = XlsxFile(path)
    row = _suivi_row(book, "7101")
    cell = (row, L.COL["Reste à engager (saisi)"])
    plan = WritePlan()
    plan.sheet(L.SHEET_SUIVI).set(*cell, CellWrite("à voir"))
    book.apply(plan)
    book.save()
    report = recalc(path)
    assert "DEP017" in {i.code for i in report.issues}
    line = next(x for x in report.to_json()["lines"] if x["account"] == "7101")
    assert line["to_complete"] == "15000.00"
    assert XlsxFile(path).cell_values(L.SHEET_SUIVI, [cell])[cell] == "à voir"


def test_a_row_typed_under_the_table_is_an_error_at_its_row(tmp_path):
    path = _small(tmp_path, [{"account": "2301", "amount": 100.0}], [V1])
    book = XlsxFile(path)
    t = book.table(L.TABLE_DEPENSES)
    plan = WritePlan()
    below = t.header_row + len(t.rows) + 1
    plan.sheet(L.SHEET_DEPENSES).set(below, 4, CellWrite("2301"))
    plan.sheet(L.SHEET_DEPENSES).set(below, 6, CellWrite(250.0))
    book.apply(plan)
    book.save()
    report = recalc(path)
    bad = [i for i in report.issues if i.code == "DEP015"]
    assert bad and str(bad[0].location).endswith(f"Dépenses!A{below}")
    assert report.to_json()["total"]["committed"] == "100.00"


def test_a_version_keeps_the_devis_tax_credit_base_before_its_caps(tmp_path):
    from xlprod.kinds.depenses.snapshot import read_devis_version
    from xlprod.kinds.devis import layout as DL

    devis = build_devis_sample(tmp_path)
    recalc(devis)
    book = XlsxFile(devis)
    lines = book.cell_values(DL.SHEET_SYNTHESE, [(DL.SYN_CREDIT_LINES_ROW, 3), (DL.SYN_CREDIT_CHARGES_ROW, 3)])
    version, _ = read_devis_version(book, "V", devis.name)
    assert version.tax_credit_base == pytest.approx(D(str(sum(lines.values()))), abs=D("0.01"))


# -- the hostile review's cases ----------------------------------------------------------------

FEC_HEAD = ("JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
            "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise")


def _fec(tmp_path: Path, name: str, entries: list[tuple[str, str, str, str, str, str]]) -> Path:
    """(entry, date, account, label, amount, lettering) -> a purchase: expense, VAT 20 %, supplier."""
    lines = [FEC_HEAD]
    for entry, day, account, label, amount, let in entries:
        ht = D(amount.replace(",", "."))
        vat, ttc = ht * D("0.2"), ht * D("1.2")
        def fr(x: Decimal) -> str:
            return str(x.quantize(D("0.01"))).replace(".", ",")

        lines += [f"HA|Achats|{entry}|{day}|{account}|Charge|||F-{entry}|{day}|{label}|{amount}|0,00|||{day}||",
                  f"HA|Achats|{entry}|{day}|44566000|TVA|||F-{entry}|{day}|{label}|{fr(vat)}|0,00|||{day}||",
                  f"HA|Achats|{entry}|{day}|40100000|Fournisseurs|F1|Loueur|F-{entry}|{day}|{label}|0,00|"
                  f"{fr(ttc)}|{let}|{'20261020' if let else ''}|{day}||"]
    path = tmp_path / name
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_the_next_fiscal_years_fec_does_not_overwrite_the_first_ones_rows(tmp_path):
    path = _workbook_for_import(tmp_path)
    _import(path, _fec(tmp_path, "y1.txt", [("HA1", "20261001", "61350000", "Caméra 2026", "1000,00", "")]))
    s = _import(path, _fec(tmp_path, "y2.txt", [("HA1", "20270105", "61350000", "Grue 2027", "3000,00", "")]))
    assert (s.added, s.updated) == (1, 0)
    assert sorted(r[L.DEPENSES_HEADERS.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows) == [
        1000.0, 3000.0]


def _purchase(journal: str, entry: str, day: str, account: str, piece: str, amount: str) -> list[str]:
    """A purchase as a FEC books it: the charge, then the supplier (no VAT)."""
    return [f"{journal}|Achats|{entry}|{day}|{account}|Charge|||{piece}|{day}|Achat|{amount},00|0,00|||{day}||",
            f"{journal}|Achats|{entry}|{day}|40100000|Fournisseurs|F1|Loueur|{piece}|{day}|Achat|0,00|{amount},00|||"
            f"{day}||"]


def _raw_fec(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join([FEC_HEAD, *lines]) + "\r\n", encoding="utf-8")
    return path


def test_an_entry_number_used_again_next_month_for_another_invoice_is_a_new_row(tmp_path):
    """Software that numbers its entries anew each month: November's HA00001 is another invoice than October's,
    which it used to overwrite (its amount, date and account) when the two were less than a month apart."""
    path = _workbook_for_import(tmp_path)
    october = _raw_fec(tmp_path, "oct.txt", [
        "HA|Achats|HA00001|20261028|61357101|Caméra|||FA-881|20261028|Caméra|1000,00|0,00|||20261028||",
        "HA|Achats|HA00001|20261028|40100000|Fournisseurs|F1|Loueur|FA-881|20261028|Caméra|0,00|1000,00|AB|20261030|"
        "20261028||"])
    november = _raw_fec(tmp_path, "nov.txt", [
        "HA|Achats|HA00001|20261103|60615101|Décor|||FA-912|20261103|Décor|5000,00|0,00|||20261103||",
        "HA|Achats|HA00001|20261103|40100000|Fournisseurs|F2|Atelier|FA-912|20261103|Décor|0,00|5000,00|||20261103||"])
    _import(path, october)
    s = _import(path, november)
    assert (s.added, s.updated) == (1, 0)
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    h = L.DEPENSES_HEADERS
    assert sorted((r[h.index("N° pièce")], r[h.index("Montant HT")], r[h.index("Compte devis")]) for r in rows) == [
        ("FA-881", 1000.0, "7101"), ("FA-912", 5000.0, "5101")]



def test_a_correction_of_an_entrys_date_and_document_in_its_month_updates_its_row(tmp_path):
    """FA-88 of 15/10 corrected to FA-881 of 16/10: one invoice (it was counted twice when the documents differed)."""
    path = _workbook_for_import(tmp_path)

    def fec(name: str, day: str, piece: str) -> Path:
        return _raw_fec(tmp_path, name, [
            f"HA|Achats|HA50|{day}|61357101|Caméra|||{piece}|{day}|Caméra|1000,00|0,00|||{day}||",
            f"HA|Achats|HA50|{day}|40100000|Fournisseurs|F1|Loueur|{piece}|{day}|Caméra|0,00|1000,00|||{day}||"])

    _import(path, fec("a.txt", "20261015", "FA-88"))
    s = _import(path, fec("b.txt", "20261016", "FA-881"))
    assert (s.added, s.updated) == (0, 1)
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert [r[L.DEPENSES_HEADERS.index("N° pièce")] for r in rows] == ["FA-881"]


def test_every_line_takes_the_row_of_its_own_ledger_account_before_any_other(tmp_path):
    """The first line of the corrected export, reclassified, took the camera row as a fallback, and the camera
    line, unchanged, then took the lighting row with the user's label and country."""
    path = _workbook_for_import(tmp_path)

    def fec(name: str, day: str, lighting: str, camera_first: bool) -> Path:
        lines = [f"HA|Achats|HA5|{day}|{lighting}|Lumière|||F-5|{day}|Lumière|500,00|0,00|||{day}||",
                 f"HA|Achats|HA5|{day}|61357101|Caméra|||F-5|{day}|Caméra|1000,00|0,00|||{day}||"]
        return _raw_fec(tmp_path, name, [*(lines[::-1] if camera_first else lines),
            f"HA|Achats|HA5|{day}|40100000|Fournisseurs|F1|Loueur|F-5|{day}|Matériel|0,00|1500,00|||{day}||"])

    _import(path, fec("a.txt", "20261005", "61357102", camera_first=True))
    book = XlsxFile(path)
    dep = book.table(L.TABLE_DEPENSES)
    h = L.DEPENSES_HEADERS
    i = next(i for i, r in enumerate(dep.rows) if r[h.index("Compte général")] == "61357102")
    plan = WritePlan()
    plan.sheet(dep.sheet).set(dep.header_row + 1 + i, dep.first_col + h.index("Pays"), CellWrite("BE"))
    book.apply(plan)
    book.save()
    _import(path, fec("b.txt", "20261007", "61357109", camera_first=False))
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert sorted((r[h.index("Compte général")], r[h.index("Montant HT")], r[h.index("Pays")]) for r in rows) == [
        ("61357101", 1000.0, ""), ("61357109", 500.0, "BE")]


def test_a_correction_merging_two_lines_of_an_entry_says_the_row_left_over(tmp_path):
    """HA5's 600 € and 400 € become one line of 1 000 € two days later: the 400 € row stayed counted without a word
    (its date lay outside the span of the file's other entries)."""
    path = _workbook_for_import(tmp_path)
    _import(path, _raw_fec(tmp_path, "a.txt", [
        "HA|Achats|HA5|20261005|61357101|Caméra|||F-5|20261005|Caméra|600,00|0,00|||20261005||",
        "HA|Achats|HA5|20261005|61357102|Lumière|||F-5|20261005|Lumière|400,00|0,00|||20261005||",
        "HA|Achats|HA5|20261005|40100000|Fournisseurs|F1|Loueur|F-5|20261005|Matériel|0,00|1000,00|||20261005||"]))
    s = _import(path, _raw_fec(tmp_path, "b.txt", [
        "HA|Achats|HA5|20261007|61357101|Caméra|||F-5|20261007|Caméra|1000,00|0,00|||20261007||",
        "HA|Achats|HA5|20261007|40100000|Fournisseurs|F1|Loueur|F-5|20261007|Matériel|0,00|1000,00|||20261007||"]))
    assert (s.updated, s.absent) == (1, [L.HEADER_ROW + 2])
    assert any(i.code == "DEP031" for i in s.issues)


@pytest.mark.parametrize("entry, october, november", [("HA1", "   ", "FA-912"), ("1", "1", "1")])
def test_next_months_invoice_under_an_old_number_is_a_new_row_without_a_document_or_with_only_that_number(
        tmp_path, entry, october, november):
    """October's HA1 had no PieceRef: November's HA1 (another invoice) took its row, and October's 1 000 € vanished.
    The same when the software numbers its entries anew each month and fills PieceRef with the entry's number
    (« 1 » both months): a document that is only its entry's number names no invoice."""
    path = _workbook_for_import(tmp_path)
    _import(path, _raw_fec(tmp_path, "oct.txt", [
        f"HA|Achats|{entry}|20261028|61357101|Caméra|||{october}|20261028|Caméra|1000,00|0,00|||20261028||",
        f"HA|Achats|{entry}|20261028|40100000|Fournisseurs|F1|Loueur|{october.strip()}|20261028|Caméra|0,00|1000,00|||"
        "20261028||"]))
    s = _import(path, _raw_fec(tmp_path, "nov.txt", [
        f"HA|Achats|{entry}|20261103|61357101|Caméra|||{november}|20261103|Caméra|700,00|0,00|||20261103||",
        f"HA|Achats|{entry}|20261103|40100000|Fournisseurs|F1|Loueur|{november}|20261103|Caméra|0,00|700,00|||"
        "20261103||"]))
    assert (s.added, s.updated) == (1, 0)
    amounts = sorted(r[L.DEPENSES_HEADERS.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows)
    assert amounts == [700.0, 1000.0]


def test_one_file_of_two_months_numbered_anew_each_month_is_two_entries_each_with_its_supplier(tmp_path):
    path = _workbook_for_import(tmp_path)
    both = _raw_fec(tmp_path, "oct-nov.txt", [
        "HA|Achats|HA00001|20261028|61357101|Caméra|||FA-881|20261028|Caméra|1000,00|0,00|||20261028||",
        "HA|Achats|HA00001|20261028|40100000|Fournisseurs|F1|Loueur|FA-881|20261028|Caméra|0,00|1000,00|AB|20261030|"
        "20261028||",
        "HA|Achats|HA00001|20261103|60615101|Décor|||FA-912|20261103|Décor|5000,00|0,00|||20261103||",
        "HA|Achats|HA00001|20261103|40100000|Fournisseurs|F2|Atelier|FA-912|20261103|Décor|0,00|5000,00|||20261103||"])
    s = _import(path, both)
    assert (s.added, s.rejected) == (2, 0)
    h = L.DEPENSES_HEADERS
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert sorted((r[h.index("Fournisseur")], r[h.index("Statut")], r[h.index("Montant HT")]) for r in rows) == [
        ("Atelier", "facturé", 5000.0), ("Loueur", "payé", 1000.0)]


def test_a_corrected_export_listing_an_entrys_lines_in_another_order_keeps_each_users_choice_on_its_line(tmp_path):
    """Entry HA5 has two lines no correspondence maps; the user chose a devis account and a label for each. The
    corrected export moves the date by two days and lists the lines the other way round: each row keeps its own
    ledger account, amount and the user's choices (they used to be swapped)."""
    path = _workbook_for_import(tmp_path)

    def fec(name: str, day: str, order: list[int]) -> Path:
        lines = ["HA|Achats|HA5|{d}|61110000|Études|||F-5|{d}|Repérages|1000,00|0,00|||{d}||",
                 "HA|Achats|HA5|{d}|61220000|Transports|||F-5|{d}|Navette|500,00|0,00|||{d}||"]
        return _raw_fec(tmp_path, name, [lines[k].format(d=day) for k in order] + [
            f"HA|Achats|HA5|{day}|40100000|Fournisseurs|F1|Loueur|F-5|{day}|Repérages|0,00|1500,00|||{day}||"])

    _import(path, fec("a.txt", "20261005", [0, 1]))
    book = XlsxFile(path)
    dep = book.table(L.TABLE_DEPENSES)
    h = L.DEPENSES_HEADERS
    plan = WritePlan()
    for i, r in enumerate(dep.rows):
        chosen = {"61110000": ("1101", "Repérages Bretagne"), "61220000": ("2101", "Navette équipe")}[
            r[h.index("Compte général")]]
        plan.sheet(dep.sheet).set(dep.header_row + 1 + i, dep.first_col + h.index("Compte devis"), CellWrite(chosen[0]))
        plan.sheet(dep.sheet).set(dep.header_row + 1 + i, dep.first_col + h.index("Libellé"), CellWrite(chosen[1]))
    book.apply(plan)
    book.save()
    s = _import(path, fec("b.txt", "20261007", [1, 0]))
    assert (s.added, s.updated) == (0, 2)
    assert not any("Compte général" in c for c in s.changes)  # the accountant changed the date, not the accounts
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert sorted((r[h.index("Compte général")], r[h.index("Montant HT")], r[h.index("Compte devis")],
                   r[h.index("Libellé")]) for r in rows) == [
        ("61110000", 1000.0, "1101", "Repérages Bretagne"), ("61220000", 500.0, "2101", "Navette équipe")]


def test_a_ledger_account_given_twice_in_correspondances_keeps_its_first_row_and_says_the_other(tmp_path):
    """64112201 → 22011, 22012, 22013: every payroll line went to the last, post-production, without a word."""
    path = tmp_path / "dep.xlsx"
    build_depenses(path, DepensesInputs(title="Essai", mapping=[("64112201", "22011", ""), ("64112201", "22012", ""),
                                                                 ("64112201", "22011", ""), ("61357101", "7101", "")]))
    fec = _raw_fec(tmp_path, "paie.txt", [
        "PA|Paie|P1|20261031|64112201|Salaires|||P-1|20261031|Chef opérateur|4000,00|0,00|||20261031||",
        "PA|Paie|P1|20261031|42100000|Personnel|||P-1|20261031|Chef opérateur|0,00|4000,00|||20261031||"])
    s = _import(path, fec)
    warned = [i for i in s.issues if i.code == "DEP037"]
    assert len(warned) == 1  # the third row says what the first says: nothing to say
    assert "1 ligne de Correspondances pour un compte général déjà donné plus haut" in warned[0].message
    assert "64112201 ligne 6 (22012, la ligne 5 dit 22011)" in warned[0].message
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert [r[L.DEPENSES_HEADERS.index("Compte devis")] for r in rows] == ["22011"]


def test_a_line_moved_to_an_account_no_correspondence_names_goes_a_affecter_as_a_first_import_has_it(tmp_path):
    """61357101 (mapped to 7101) reclassified on 61357109 (unmapped): the row kept 7101, where a fresh workbook
    importing the same file puts it « à affecter »; the result no longer depends on what was imported before."""
    path = _workbook_for_import(tmp_path)

    def fec(name: str, account: str) -> Path:
        return _raw_fec(tmp_path, name, [
            f"HA|Achats|HA7|20261005|{account}|Caméra|||F-7|20261005|Caméra|800,00|0,00|||20261005||",
            "HA|Achats|HA7|20261005|40100000|Fournisseurs|F1|Loueur|F-7|20261005|Caméra|0,00|800,00|||20261005||"])

    _import(path, fec("a.txt", "61357101"))
    s = _import(path, fec("b.txt", "61357109"))
    assert (s.updated, s.unassigned) == (1, 1)
    assert any("Compte devis 7101 → (vide)" in c for c in s.changes)
    row = XlsxFile(path).table(L.TABLE_DEPENSES).rows[0]
    assert (row[L.DEPENSES_HEADERS.index("Compte général")], row[L.DEPENSES_HEADERS.index("Compte devis")]) == (
        "61357109", "")


def test_an_invoice_typed_by_hand_then_imported_from_the_fec_is_said_as_a_likely_duplicate(tmp_path):
    """Typed in September, in the October FEC too: counted twice, without a word, as DEP016 left imported rows out."""
    path = _workbook_for_import(tmp_path)
    book = XlsxFile(path)
    dep = book.table(L.TABLE_DEPENSES)
    assert book.add_table_rows(dep, [[dt.date(2026, 10, 5), "F-HA8", "Loueur", "7101", "Caméra", 1500.0, 300.0]])
    book.save()
    fec = _raw_fec(tmp_path, "oct.txt", [
        "HA|Achats|HA8|20261005|61357101|Caméra|||F-HA8|20261005|Caméra|1500,00|0,00|||20261005||",
        "HA|Achats|HA8|20261005|44566000|TVA|||F-HA8|20261005|Caméra|300,00|0,00|||20261005||",
        "HA|Achats|HA8|20261005|40100000|Fournisseurs|F1|Loueur|F-HA8|20261005|Caméra|0,00|1800,00|||20261005||"])
    assert main(["import", str(path), str(fec)]) == 0
    report = recalc(path)
    said = [i for i in report.issues if i.code == "DEP016"]
    assert len(said) == 1 and "qu'à la ligne" in said[0].message
    two = _raw_fec(tmp_path, "two.txt", [  # two purchases on one invoice, both imported: one entry's two lines
        "HA|Achats|HA9|20261006|61357101|Caméra|||F-HA9|20261006|Caméra|100,00|0,00|||20261006||",
        "HA|Achats|HA9|20261006|61357101|Caméra|||F-HA9|20261006|Caméra|100,00|0,00|||20261006||",
        "HA|Achats|HA9|20261006|40100000|Fournisseurs|F1|Loueur|F-HA9|20261006|Caméra|0,00|200,00|||20261006||"])
    assert main(["import", str(path), str(two)]) == 0
    assert len([i for i in recalc(path).issues if i.code == "DEP016"]) == 1


def test_a_corrected_csv_with_fewer_lines_of_a_document_says_the_row_of_the_line_it_no_longer_has(tmp_path):
    """Invoice F1's three weeks, then the export without the first: the row the file no longer has stayed
    counted without a word (committed 8 000 for 5 000). The file's two lines keep their own rows (by amount and
    label), and week 1's row is the one said."""
    path = _workbook_for_import(tmp_path)
    head = "Date;N° pièce;Fournisseur;Compte devis;Libellé;Montant HT\r\n"
    weeks = ["01/10/2026;F1;Loueur;7101;semaine 1;1000,00\r\n", "08/10/2026;F1;Loueur;7101;semaine 2;2000,00\r\n",
             "15/10/2026;F1;Loueur;7101;semaine 3;3000,00\r\n"]
    (tmp_path / "a.csv").write_text(head + "".join(weeks), encoding="utf-8")
    (tmp_path / "b.csv").write_text(head + "".join(weeks[1:]), encoding="utf-8")
    _import(path, tmp_path / "a.csv")
    s = _import(path, tmp_path / "b.csv")
    assert s.absent == [L.HEADER_ROW + 1] and (s.added, s.updated) == (0, 2)  # weeks 2 and 3 renumbered, |1 and |2
    h = L.DEPENSES_HEADERS
    assert [r[h.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows] == [1000, 2000, 3000]
    said = next(i for i in s.issues if i.code == "DEP031")
    assert "de pièces que ce fichier a encore" in said.message
    assert _import(path, tmp_path / "a.csv").absent == []


def test_a_corrected_correspondence_is_said_on_the_rows_imported_before_it(tmp_path):
    """61357101 → 7101 corrected to 7102 in the table: the rows imported before keep 7101 (a choice of the user's
    looks the same), and are now said, with how to apply the table."""
    path = _workbook_for_import(tmp_path)
    fec = _raw_fec(tmp_path, "f.txt", [
        "HA|Achats|HA3|20261005|61357101|Caméra|||F-3|20261005|Caméra|900,00|0,00|||20261005||",
        "HA|Achats|HA3|20261005|40100000|Fournisseurs|F1|Loueur|F-3|20261005|Caméra|0,00|900,00|||20261005||"])
    _import(path, fec)
    book = XlsxFile(path)
    t = book.table(L.TABLE_CORRESPONDANCES)
    i = [r[0] for r in t.rows].index("61357101")
    plan = WritePlan()
    plan.sheet(t.sheet).set(t.header_row + 1 + i, t.first_col + 1, CellWrite("7102"))
    book.apply(plan)
    book.save()
    s = _import(path, fec)
    said = [x for x in s.issues if x.code == "DEP039"]
    assert (s.unchanged, len(said)) == (1, 1) and "(D5 : 7101, la table dit 7102)" in said[0].message and said[0].location.cell == "D5"
    assert XlsxFile(path).table(L.TABLE_DEPENSES).rows[0][L.DEPENSES_HEADERS.index("Compte devis")] == "7101"


def test_two_suppliers_with_the_same_invoice_number_are_two_rows(tmp_path):
    path = _workbook_for_import(tmp_path)
    head = "Date;N° pièce;Fournisseur;Compte devis;Libellé;Montant HT\r\n"
    (tmp_path / "a.csv").write_text(head + "01/10/2026;001;Loueur A;7101;Caméra;1000,00\r\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(head + "05/11/2026;001;Traiteur B;7101;Repas;250,00\r\n", encoding="utf-8")
    _import(path, tmp_path / "a.csv")
    s = _import(path, tmp_path / "b.csv")
    assert (s.added, s.updated) == (1, 0)


def test_a_csv_with_commas_and_unquoted_french_decimals_is_refused_line_by_line(tmp_path):
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "c.csv"
    csv.write_text("Date,N° pièce,Compte devis,Libellé,Montant HT,TVA\n01/10/2026,C1,1101,Caméra,1234,56,\n"
                   "02/10/2026,C2,1101,Grue,980,10,\n", encoding="utf-8")
    s = _import(path, csv)
    assert s.added == 0 and any(i.code == "DEP106" for i in s.issues)


def test_adding_a_correspondence_does_not_move_a_users_assignment(tmp_path):
    path = _workbook_for_import(tmp_path)
    fec = tmp_path / "e.txt"
    fec.write_text("\r\n".join([
        FEC_HEAD,
        "HA|Achats|HA1|20261001|23130000|Décor|||F1|20261001|Décor construit|5000,00|0,00|||20261001||",
        "HA|Achats|HA1|20261001|61350000|Location|||F1|20261001|Location caméra|1000,00|0,00|||20261001||",
        "HA|Achats|HA1|20261001|40100000|Fournisseurs|F1|Loueur|F1|20261001|Facture|0,00|6000,00|||20261001||"]) + "\r\n",
        encoding="utf-8")
    _import(path, fec)
    book = XlsxFile(path)
    t = book.table(L.TABLE_DEPENSES)
    plan = WritePlan()
    plan.sheet(t.sheet).set(t.header_row + 1, L.DEPENSES_HEADERS.index("Compte devis") + 1, CellWrite("7101"))
    cor = book.table(L.TABLE_CORRESPONDANCES)
    plan.sheet(cor.sheet).set(cor.header_row + len(cor.rows) + 1, 1, CellWrite("2313"))
    book.apply(plan)
    book.save()
    import openpyxl

    wb = openpyxl.load_workbook(path)  # the correspondence typed inside the table, as a user does
    ws = wb[L.SHEET_CORRESPONDANCES]
    ws.tables[L.TABLE_CORRESPONDANCES].ref = f"A{L.HEADER_ROW}:D{L.HEADER_ROW + len(cor.rows) + 1}"
    ws.cell(L.HEADER_ROW + len(cor.rows) + 1, 2).value = "5101"
    wb.save(path)
    s = _import(path, fec)
    assert (s.added, s.updated) == (1, 0)
    rows = {r[L.DEPENSES_HEADERS.index("Compte général")]: r for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows}
    assert rows["61350000"][L.DEPENSES_HEADERS.index("Compte devis")] == "7101"
    assert rows["23130000"][L.DEPENSES_HEADERS.index("Compte devis")] == "5101"


def test_a_reimport_keeps_what_the_user_decided_and_updates_what_the_accounts_say(tmp_path):
    path = _workbook_for_import(tmp_path)
    fec = _fec(tmp_path, "f.txt", [("HA1", "20261001", "61357101", "Location caméra", "1000,00", "")])
    _import(path, fec)
    book = XlsxFile(path)
    t = book.table(L.TABLE_DEPENSES)
    r = t.header_row + 1
    plan = WritePlan()
    for header, value in (("Libellé", "Location caméra Alexa — semaine 1"), ("Statut", "payé"),
                          ("Compte devis", "7102")):
        plan.sheet(t.sheet).set(r, L.DEPENSES_HEADERS.index(header) + 1, CellWrite(value))
    book.apply(plan)
    book.save()
    s = _import(path, _fec(tmp_path, "f.txt", [("HA1", "20261001", "61357101", "Location caméra", "1100,00", "")]))
    assert s.updated == 1 and "Montant HT 1\u202f000,00\u00a0€ → 1\u202f100,00\u00a0€" in s.changes[0]
    row = dict(zip(L.DEPENSES_HEADERS, XlsxFile(path).table(L.TABLE_DEPENSES).rows[0], strict=True))
    assert (row["Libellé"], row["Statut"], row["Compte devis"], row["Montant HT"]) == (
        "Location caméra Alexa — semaine 1", "payé", "7102", 1100.0)


def test_an_unbalanced_entry_is_not_imported_and_the_reconciliation_shows_it(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    fec = _fec(tmp_path, "u.txt", [("HA1", "20261001", "61357101", "Caméra", "1000,00", ""),
                                   ("HA2", "20261002", "61357101", "Grue", "500,00", "")])
    fec.write_text(fec.read_text(encoding="utf-8").replace("|0,00|1200,00|", "|0,00|1100,00|"), encoding="utf-8")
    assert main(["import", str(path), str(fec)]) == 1
    out = capsys.readouterr().out
    assert "1 nouvelle," in out and "écartées (en erreur) : 3, débit 1 200,00" in out.replace("\u202f", " ")
    assert "= celui du fichier" in out and "DEP033" in out


def test_a_wrong_field_in_colonnes_import_is_located_in_the_workbook(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    book = XlsxFile(path)
    cols = book.table(L.TABLE_COLONNES)
    plan = WritePlan()
    plan.sheet(cols.sheet).set(cols.header_row + 1, cols.first_col, CellWrite("etiquettes"))
    book.apply(plan)
    book.save()
    csv = tmp_path / "x.csv"
    csv.write_text("Date;Libellé;Montant HT\n01/10/2026;Caméra;10\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 2
    assert f"dep.xlsx!Correspondances!{column_letter(cols.first_col)}{cols.header_row + 1}" in capsys.readouterr().err


def test_a_later_periods_fec_does_not_call_earlier_entries_missing(tmp_path):
    path = _workbook_for_import(tmp_path)
    _import(path, _fec(tmp_path, "oct.txt", [("HA1", "20261001", "61357101", "A", "100,00", ""),
                                             ("HA2", "20261031", "61357101", "B", "200,00", "")]))
    s = _import(path, _fec(tmp_path, "nov.txt", [("HA3", "20261015", "61357101", "C", "300,00", ""),
                                                 ("HA4", "20261120", "61357101", "D", "400,00", "")]))
    assert s.absent == [] and not any(i.code == "DEP031" for i in s.issues)


def test_importing_into_another_kind_of_workbook_says_so(tmp_path, capsys):
    devis = build_devis_sample(tmp_path)
    fec = _fec(tmp_path, "f.txt", [("HA1", "20261001", "61357101", "A", "100,00", "")])
    assert main(["import", str(devis), str(fec)]) == 2
    assert "n'est pas un suivi des dépenses" in capsys.readouterr().err


def test_a_lower_case_lettering_is_a_partial_one_not_a_payment(tmp_path):
    path = _workbook_for_import(tmp_path)
    _import(path, _fec(tmp_path, "l.txt", [("HA1", "20261001", "61357101", "A", "100,00", "ab"),
                                           ("HA2", "20261002", "61357101", "B", "100,00", "AB")]))
    status = [r[L.DEPENSES_HEADERS.index("Statut")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows]
    assert status == ["facturé", "payé"]


def test_formulas_in_input_cells_are_kept_or_refused_never_replaced(tmp_path):
    import openpyxl

    path = _small(tmp_path, [{"account": "2301", "amount": 100.0}, {"account": "2301", "amount": 50.0}], [V1])
    recalc(path)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEPENSES]
    ws.cell(L.HEADER_ROW + 1, L.DEPENSES_HEADERS.index("Statut") + 1).value = '=IF(1,"Payé","")'
    wb.save(path)
    book = XlsxFile(path)  # openpyxl kept no cached value: put LibreOffice's there, as a user's save would
    plan = WritePlan()
    from xlprod.workbook.sheetxml import CellWrite as W

    plan.sheet(L.SHEET_DEPENSES).set(L.HEADER_ROW + 1, L.DEPENSES_HEADERS.index("Statut") + 1,
                                     W("Payé", 'IF(1,"Payé","")'))
    book.apply(plan)
    book.save()
    report = recalc(path)
    assert "DEP018" not in {i.code for i in report.issues}  # « Payé » counts as « payé » for SUMIFS: kept
    assert XlsxFile(path).formula_cells(L.SHEET_DEPENSES, [(L.HEADER_ROW + 1, L.DEPENSES_HEADERS.index("Statut") + 1)])
    book = XlsxFile(path)
    plan = WritePlan()
    plan.sheet(L.SHEET_DEPENSES).set(L.HEADER_ROW + 2, L.DEPENSES_HEADERS.index("Pays") + 1,
                                     W("France", 'IF(1,"France","")'))
    book.apply(plan)
    book.save()
    report = recalc(path)
    assert "DEP018" in {i.code for i in report.issues} and report.to_json()["provisional"] is True


def test_spaces_sumifs_would_keep_are_trimmed_in_place(tmp_path):
    path = _small(tmp_path, [{"account": "2301", "amount": 100.0, "status": "payé ", "country": "FR "}], [V1])
    report = recalc(path)
    row = dict(zip(L.DEPENSES_HEADERS, XlsxFile(path).table(L.TABLE_DEPENSES).rows[0], strict=True))
    assert (row["Statut"], row["Pays"]) == ("payé", "FR")
    assert report.to_json()["total"]["paid"] == "100.00"


def test_a_deleted_parameter_name_is_restored_and_a_deleted_row_refused(tmp_path):
    import openpyxl

    path = _small(tmp_path, [{"account": "2301", "amount": 100.0}], [V1])
    wb = openpyxl.load_workbook(path)
    del wb.defined_names["PARAM_SEUIL_ALERTE"]
    wb.save(path)
    report = recalc(path)
    assert "DEP019" in {i.code for i in report.issues} and report.errors == 0
    assert XlsxFile(path).named_cell("PARAM_SEUIL_ALERTE")[0] == pytest.approx(0.05)


def test_a_renamed_version_a_zero_rate_and_euros_typed_as_a_symbol_are_said(tmp_path):
    path = _small(tmp_path, [{"account": "8501", "amount": 100.0, "currency": "USD", "rate": 0.0},
                             {"account": "8501", "amount": 50.0, "currency": "€"}], [V1])
    book = XlsxFile(path)
    meta = book.table(L.TABLE_VERSIONS)
    plan = WritePlan()
    plan.sheet(meta.sheet).set(meta.header_row + 1, meta.first_col, CellWrite("Dépôt CNC bis"))
    book.apply(plan)
    book.save()
    report = recalc(path)
    codes = {i.code for i in report.issues}
    assert {"DEP026", "DEP008"} <= codes
    assert XlsxFile(path).table(L.TABLE_DEPENSES).rows[1][L.DEPENSES_HEADERS.index("Devise")] == "EUR"


def test_a_deleted_report_sheet_is_recreated(tmp_path):
    import openpyxl

    path = _small(tmp_path, [{"account": "2301", "amount": 100.0}], [V1])
    recalc(path)
    wb = openpyxl.load_workbook(path)
    del wb[L.SHEET_SUIVI]
    wb.save(path)
    report = recalc(path)
    assert "DEP028" in {i.code for i in report.issues}
    assert XlsxFile(path).named_cell("DEPENSES_ENGAGE")[0] == 100.0


def test_a_deleted_end_name_does_not_lose_the_typed_estimates(tmp_path):
    import openpyxl

    path = _small(tmp_path, [{"account": "7101", "amount": 5000.0}], [V1])
    recalc(path)
    book = XlsxFile(path)
    row = _suivi_row(book, "7101")
    plan = WritePlan()
    plan.sheet(L.SHEET_SUIVI).set(row, L.COL["Reste à engager (saisi)"], CellWrite(1000.0))
    book.apply(plan)
    book.save()
    wb = openpyxl.load_workbook(path)
    del wb.defined_names[L.LINES_END_NAME]
    wb.save(path)
    line = next(x for x in recalc(path).to_json()["lines"] if x["account"] == "7101")
    assert line["to_complete"] == "1000.00"


def test_digits_of_other_scripts_are_not_read_as_numbers():
    from xlprod.core.numbers import parse_number

    assert parse_number("٣٤").value is None and parse_number("34").value == 34


# -- the second hostile review's cases ---------------------------------------------------------

def _insert_column_in_table(path: Path, after: str, header: str) -> None:
    """As LibreOffice's « insert column » inside a table: the columns on its right move."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEPENSES]
    at = L.DEPENSES_HEADERS.index(after) + 2
    ws.insert_cols(at)
    ws.cell(L.HEADER_ROW, at).value = header
    t = ws.tables[L.TABLE_DEPENSES]
    last = ws.max_row
    t.ref = f"A{L.HEADER_ROW}:{column_letter(len(L.DEPENSES_HEADERS) + 1)}{max(last, L.HEADER_ROW + 1)}"
    from openpyxl.worksheet.table import TableColumn

    cols = list(t.tableColumns)
    cols.insert(at - 1, TableColumn(id=len(cols) + 1, name=header))
    for k, c in enumerate(cols, start=1):
        c.id = k
    t.tableColumns = cols
    t.autoFilter = None
    wb.save(path)


def test_an_import_writes_under_each_header_wherever_the_user_moved_the_columns(tmp_path):
    path = _workbook_for_import(tmp_path)
    _insert_column_in_table(path, "Libellé", "Notes")
    fec = _fec(tmp_path, "f.txt", [("HA1", "20261001", "61357101", "Caméra", "1500,00", "")])
    s = _import(path, fec)
    assert s.added == 1
    t = XlsxFile(path).table(L.TABLE_DEPENSES)
    row = dict(zip(t.headers, t.rows[-1], strict=True))
    assert (row["Montant HT"], row["Notes"] or None, row["Statut"]) == (1500.0, None, "facturé")
    assert recalc(path).to_json()["total"]["committed"] == "1500.00"
    assert _import(path, fec).added == 0


def test_a_reimport_neither_reverts_a_typed_payment_nor_replaces_a_formula(tmp_path):
    path = _workbook_for_import(tmp_path)
    fec = _fec(tmp_path, "f.txt", [("HA1", "20261001", "61357101", "Caméra", "1000,00", ""),
                                   ("HA2", "20261002", "61357101", "Grue", "500,00", "")])
    _import(path, fec)
    book = XlsxFile(path)
    t = book.table(L.TABLE_DEPENSES)
    plan = WritePlan()
    plan.sheet(t.sheet).set(t.header_row + 1, L.DEPENSES_HEADERS.index("Statut") + 1, CellWrite("Réglé"))
    plan.sheet(t.sheet).set(t.header_row + 2, L.DEPENSES_HEADERS.index("Montant HT") + 1, CellWrite(450.0, "400+50"))
    book.apply(plan)
    book.save()
    s = _import(path, fec)
    assert s.updated == 0 and any(i.code == "DEP034" for i in s.issues)
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert rows[0][L.DEPENSES_HEADERS.index("Statut")] == "Réglé"
    cell = (t.header_row + 2, L.DEPENSES_HEADERS.index("Montant HT") + 1)
    assert XlsxFile(path).formula_cells(t.sheet, [cell]) == {cell}


@pytest.mark.parametrize("column, formula", [
    ("Statut", 'IF(Depenses[[#This Row],[Date de paiement]]&lt;&gt;"","payé","engagé")'),
    ("Étiquettes", "UPPER(Depenses[[#This Row],[Fournisseur]])")])
def test_a_value_the_import_gives_wins_over_a_calculated_column_the_user_made(tmp_path, column, formula):
    """Statut made a calculated column (=IF([@[Date de paiement]]<>"";"payé";"engagé")): the rows an import added
    carried the formula without its value, and DEP038 then held the report after every import."""
    import re
    import zipfile

    path = _workbook_for_import(tmp_path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = next(n for n, d in parts.items() if n.startswith("xl/tables/") and b'name="Depenses"' in d)
    parts[name] = re.sub(rb'(<tableColumn [^>]*name="' + column.encode() + rb'"[^>]*?)(/>|>)',
                         lambda m: m.group(1) + b"><calculatedColumnFormula>" + formula.encode()
                         + b"</calculatedColumnFormula>"
                         + (b"</tableColumn>" if m.group(2) == b"/>" else b""), parts[name], count=1)
    assert b"calculatedColumnFormula>" + formula.encode()[:5] in parts[name]
    _write_parts(path, parts)
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    s = _import(path, fec)
    assert s.added == 6
    report = recalc(path)
    assert not [i for i in report.issues if i.code in ("DEP038", "DEP007", "DEP010")]
    statuses = {r[L.DEPENSES_HEADERS.index("Statut")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows}
    assert statuses <= {"payé", "facturé"}


def test_an_a1_calculated_column_of_the_user_is_not_copied_to_new_rows(tmp_path):
    from xlprod.workbook.xlsx_file import _carried

    assert not _carried("F5+G5") and _carried("Depenses[[#This Row],[Montant HT]]*2")


def test_a_corrected_entry_date_updates_the_row(tmp_path):
    path = _workbook_for_import(tmp_path)
    _import(path, _fec(tmp_path, "f.txt", [("HA5", "20261023", "61357101", "Caméra", "3806,51", "")]))
    s = _import(path, _fec(tmp_path, "f.txt", [("HA5", "20261024", "61357101", "Caméra", "3806,51", "")]))
    assert (s.added, s.updated) == (0, 1) and "Date 23/10/2026 → 24/10/2026" in s.changes[0]
    assert _import(path, _fec(tmp_path, "f.txt", [("HA5", "20261024", "61357101", "Caméra", "3806,51", "")])).unchanged == 1


def test_a_csv_document_that_lost_a_line_does_not_move_the_other(tmp_path):
    path = _workbook_for_import(tmp_path)
    head = "Date;N° pièce;Fournisseur;Compte devis;Libellé;Montant HT\r\n"
    csv = tmp_path / "d.csv"
    csv.write_text(head + "01/10/2026;F-200;Labo;8301;Pellicule;1000\r\n01/10/2026;F-200;Labo;8401;Étalonnage;500\r\n",
                   encoding="utf-8")
    _import(path, csv)
    csv.write_text(head + "01/10/2026;F-200;Labo;8401;Étalonnage;500\r\n", encoding="utf-8")
    s = _import(path, csv)
    assert (s.added, s.updated, s.unchanged) == (0, 0, 1)


def test_a_csv_rejected_line_is_counted_in_the_reconciliation(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "r.csv"
    csv.write_text("Date;Libellé;Montant HT\r\n01/10/2026;Caméra;100\r\n32/13/2026;Grue;20\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 1
    out = capsys.readouterr().out
    assert "écartées (en erreur) : 1" in out and "DEP033" in out


def test_colonnes_import_without_an_amount_is_located_in_the_workbook(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    book = XlsxFile(path)
    cols = book.table(L.TABLE_COLONNES)
    i = [r[0] for r in cols.rows].index("amount")
    plan = WritePlan()
    plan.sheet(cols.sheet).set(cols.header_row + 1 + i, cols.first_col, CellWrite("debit"))
    book.apply(plan)
    book.save()
    csv = tmp_path / "x.csv"
    csv.write_text("Date;Libellé;Montant HT\n01/10/2026;Caméra;10\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 2
    assert "dep.xlsx!Correspondances!" in capsys.readouterr().err


def test_a_new_devis_of_zeros_is_not_frozen_as_the_initial_estimate_and_says_why(tmp_path, capsys):
    """A devis just created (every amount still 0) is calculated, but frozen it would be the initial
    estimate for good, and every variance measured against 0: refused, as empty, not as uncalculated."""
    devis = tmp_path / "film.xlsx"
    assert main(["new", "devis", str(devis)]) == 0
    assert main(["new", "depenses", str(tmp_path / "dep.xlsx"), "--devis", str(devis)]) == 0
    before = (tmp_path / "dep.xlsx").read_bytes()
    capsys.readouterr()
    assert main(["depenses", "figer", str(tmp_path / "dep.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "le devis totalise 0,00 € : une version vide ne peut pas servir de budget" in err
    assert "xlprod recalc" not in err and "jamais" not in err
    assert (tmp_path / "dep.xlsx").read_bytes() == before


def test_unreadable_vat_is_said_but_does_not_hold_the_report(tmp_path):
    """VAT is in no formula of the report: its error leaves the figures up to date."""
    path = _small(tmp_path, [{"account": "2301", "amount": 100.0, "vat": "vingt"}], [V1])
    report = recalc(path)
    assert "DEP001" in {i.code for i in report.issues}
    assert report.to_json()["provisional"] is False and report.to_json()["total"]["committed"] == "100.00"


def test_the_button_freezes_a_devis_whose_rates_changed_though_its_lines_did_not(tmp_path, capsys):
    """A contingency rate raised moves the devis' total, not one of its lines: a new version."""
    devis, path = _frozen_once(tmp_path, "dep.xlsx")
    book = XlsxFile(devis)
    _value, where = book.named_cell("PARAM_TAUX_IMPREVUS")
    wb = openpyxl.load_workbook(devis)
    wb[where.sheet][where.cell].value = 0.08
    wb.save(devis)
    recalc(devis)
    capsys.readouterr()
    assert main(["depenses", "figer", str(path)]) == 0
    out = capsys.readouterr().out
    assert "identique" not in out and "figée" in out


def test_a_devis_whose_label_column_was_renamed_is_frozen_with_its_amounts(tmp_path, capsys):
    devis = build_devis_sample(tmp_path)
    recalc(devis)
    parts = _parts(devis)  # renamed after its last recalculation, its totals cached: as Excel saves it
    for name in [n for n in parts if n.startswith("xl/tables/") or n == "xl/sharedStrings.xml"]:
        parts[name] = parts[name].replace('name="Libellé"'.encode(), 'name="Désignation"'.encode()).replace(
            "<t>Libellé</t>".encode(), "<t>Désignation</t>".encode())
    _write_parts(devis, parts)
    assert main(["new", "depenses", str(tmp_path / "dep.xlsx")]) == 0
    capsys.readouterr()
    assert main(["snapshot", str(tmp_path / "dep.xlsx"), "--devis", str(devis), "--nom", "V1"]) in (0, 1)
    assert "figée" in capsys.readouterr().out


def test_a_correspondence_typed_under_its_table_is_said_at_the_import_not_silently_ignored(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_CORRESPONDANCES]
    below = int(ws.tables[L.TABLE_CORRESPONDANCES].ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) + 1
    ws.cell(row=below, column=1).value, ws.cell(row=below, column=2).value = "6061", "5101"
    wb.save(path)
    fec = tmp_path / "fec.txt"
    write_fec(fec, OCTOBER)
    main(["import", str(path), str(fec)])
    out = capsys.readouterr().out
    assert f"dep.xlsx!Correspondances!A{below}: erreur DEP035: Ligne {below} saisie sous le tableau Correspondances" \
        in out


def test_entries_renumbered_by_the_accounting_are_taken_back_not_imported_twice(tmp_path):
    """Entries exported with their draft numbers, then validated under others: each line takes back its row
    (same journal, date, ledger account, amount and document), what the user typed there stays, and the
    rows and numbers are said. They used to come in a second time, without a word, and count twice."""
    path = _workbook_for_import(tmp_path)

    def purchase(entry: str, day: str, account: str, piece: str, amount: str) -> list[str]:
        return [f"HA|Achats|{entry}|{day}|{account}|Charge|||{piece}|{day}|Achat {piece}|{amount},00|0,00|||{day}||",
                f"HA|Achats|{entry}|{day}|40100000|Fournisseurs|F1|Loueur|{piece}|{day}|Achat {piece}|0,00|"
                f"{amount},00|||{day}||"]

    _import(path, _raw_fec(tmp_path, "draft.txt", [*purchase("BR17", "20261001", "61357101", "FA-881", "1000"),
                                                   *purchase("BR18", "20261002", "60615101", "BD-12", "250")]))
    _type(path, {(1, "Libellé"): "Alexa, semaine 1"})
    validated = _raw_fec(tmp_path, "validated.txt", [
        *purchase("HA00045", "20261001", "61357101", "FA-881", "1000"),
        *purchase("HA00046", "20261002", "60615101", "BD-12", "250"),
        *purchase("HA00047", "20261002", "60615101", "BD-12", "250")])  # the same purchase twice: a second row
    s = _import(path, validated)
    assert (s.added, s.updated) == (1, 2)
    assert s.renumbered == [(5, "BR17", "HA00045"), (6, "BR18", "HA00046")]
    assert any(i.code == "DEP040" and "ligne 5 (BR17 → HA00045)" in i.message for i in s.issues)
    assert "N° d'écriture BR17 → HA00045" in s.changes[0]
    assert s.to_json()["renumbered_rows"][0] == {"row": 5, "entry_before": "BR17", "entry": "HA00045"}
    rows = [dict(zip(L.DEPENSES_HEADERS, r, strict=True)) for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows]
    assert [(r["Montant HT"], r["Libellé"], str(r["Clé d'import"]).split("|")[2]) for r in rows] == [
        (1000.0, "Alexa, semaine 1", "HA00045"), (250.0, "Achat BD-12", "HA00046"), (250.0, "Achat BD-12", "HA00047")]
    again = _import(path, validated)
    assert (again.added, again.updated, again.unchanged, again.renumbered) == (0, 0, 3, [])


def test_several_lines_on_one_account_of_an_entry_keep_their_rows_when_a_line_is_inserted_or_they_move(tmp_path):
    """A payroll entry with three crew lines on 6411, each given its devis line by the user; the corrected payroll
    adds a crew member in the middle, then lists the lines in another order. The rows were paired by place
    (…|6411|2): the assistant's amount went to the chief operator's row and line."""
    path = _workbook_for_import(tmp_path)

    def payroll(crew: list[tuple[str, str]]) -> Path:
        total = sum(int(amount) for _, amount in crew)
        lines = [f"OD|Paie|P10|20261031|64110000|Salaires|||PAIE-10|20261031|{label}|{amount},00|0,00|||20261031||"
                 for label, amount in crew]
        lines.append(f"OD|Paie|P10|20261031|42100000|Rémunérations dues|||PAIE-10|20261031|Paie octobre|0,00|"
                     f"{total},00|||20261031||")
        return _raw_fec(tmp_path, "paie.txt", lines)

    crew = [("Chef opérateur", "2500"), ("Assistant caméra", "1800"), ("Électricien", "1500")]
    _import(path, payroll(crew))
    _type(path, {(1 + k, "Compte devis"): account for k, account in enumerate(("2301", "2302", "2303"))})
    h = L.DEPENSES_HEADERS

    def by_label() -> dict[str, tuple[float, str]]:
        rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
        return {r[h.index("Libellé")]: (r[h.index("Montant HT")], r[h.index("Compte devis")]) for r in rows}

    s = _import(path, payroll([crew[0], ("Machiniste", "1600"), *crew[1:]]))
    assert (s.added, s.updated, s.unchanged) == (1, 2, 1)  # the last two take their new keys
    assert by_label() == {"Chef opérateur": (2500.0, "2301"), "Assistant caméra": (1800.0, "2302"),
                          "Électricien": (1500.0, "2303"), "Machiniste": (1600.0, "")}
    s = _import(path, payroll([crew[2], crew[0], ("Machiniste", "1600"), crew[1]]))
    assert s.added == 0 and by_label()["Assistant caméra"] == (1800.0, "2302")
    s = _import(path, payroll([crew[0], ("Machiniste", "1600"), ("Assistant caméra", "1850"), crew[2]]))
    assert s.added == 0 and by_label()["Assistant caméra"] == (1850.0, "2302")  # a corrected amount: its own row


def _split_invoice(tmp_path: Path, keep_key: bool) -> tuple[Path, Path]:
    """A workbook a 1,000 € invoice was imported into (its FEC returned too), then split by the user."""
    path = _workbook_for_import(tmp_path)
    fec = _fec(tmp_path, "f.txt", [("HA1", "20261001", "61357101", "Caméra et objectifs", "1000,00", "")])
    _import(path, fec)
    _split_first_row(path, keep_key)
    return path, fec


def _split_first_row(path: Path, keep_key: bool) -> None:
    """Split the table's first row, an imported 1,000 €, 600 / 400 as a user does: 600 typed over its amount, and
    a copy of it below for 400 € on devis account 7102, with its import key or without."""
    book = XlsxFile(path)
    t = book.table(L.TABLE_DEPENSES)
    h = L.DEPENSES_HEADERS
    copy = list(t.rows[0])
    plan = WritePlan()
    plan.sheet(t.sheet).set(t.header_row + 1, h.index("Montant HT") + 1, CellWrite(600.0))
    book.apply(plan)
    copy[h.index("Montant HT")], copy[h.index("Compte devis")], copy[h.index("Montant EUR")] = 400.0, "7102", None
    copy[h.index("Date")] = float((copy[h.index("Date")] - dt.date(1899, 12, 30)).days)  # a date cell, as copied
    if not keep_key:
        copy[h.index("Clé d'import")] = None
    assert book.add_table_rows(book.table(L.TABLE_DEPENSES), [copy]) is not None
    book.save()


def test_an_imported_row_the_user_split_in_two_is_neither_inflated_nor_said_missing_by_a_reimport(tmp_path):
    """The user copies an imported 1,000 € row (its key with it) to split it 600 / 400 over two devis lines: the
    same file imported again reset one part to 1,000 € (1,600 € counted) and called the other missing."""
    path, fec = _split_invoice(tmp_path, keep_key=True)
    h = L.DEPENSES_HEADERS
    s = _import(path, fec)
    assert (s.added, s.updated, s.unchanged, s.absent, s.split) == (0, 0, 1, [], [])
    amounts = sorted(r[h.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows)
    assert amounts == [400.0, 600.0]
    s = _import(path, _fec(tmp_path, "f.txt", [("HA1", "20261001", "61357101", "Caméra et objectifs", "1100,00", "")]))
    assert s.split == [((5, 6), D("1100.00"), D("1000"))] and s.unchanged == 1
    assert any(i.code == "DEP042" and "lignes 5, 6 : le fichier dit 1\u202f100,00\u00a0€, ces lignes 1\u202f000,00\u00a0€"
               in i.message for i in s.issues)
    assert sorted(r[h.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows) == [400.0, 600.0]
    # the line's date corrected: its parts take the new date and key, as one row would (a new row came beside them)
    s = _import(path, _fec(tmp_path, "f.txt", [("HA1", "20261003", "61357101", "Caméra et objectifs", "1000,00", "A")]))
    assert (s.added, s.updated, s.absent) == (0, 1, [])
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert {(r[h.index("Date")], r[h.index("Statut")], str(r[h.index("Clé d'import")]).split("|")[3]) for r in rows} == {
        (dt.date(2026, 10, 3), "payé", "20261003")}  # the payment the lettering shows, on every part
    assert sorted(r[h.index("Montant HT")] for r in rows) == [400.0, 600.0]
    # the line renumbered by the accounting, its amount unchanged: the parts are its rows (the sum compared)
    s = _import(path, _raw_fec(tmp_path, "f.txt", [
        "HA|Achats|HA7|20261003|61357101|Charge|||F-HA1|20261003|Caméra et objectifs|1000,00|0,00|||20261003||",
        "HA|Achats|HA7|20261003|40100000|Fournisseurs|F1|Loueur|F-HA1|20261003|Caméra|0,00|1000,00|A|20261020|"
        "20261003||"]))
    assert (s.added, s.renumbered) == (0, [(5, "HA1", "HA7")])
    # the entry deleted from the accounts (a later one in its place): its parts are said, never deleted
    s = _import(path, _fec(tmp_path, "f.txt", [("HA6", "20261001", "60615101", "Bois", "50,00", ""),
                                               ("HA8", "20261004", "60615101", "Bois", "50,00", "")]))
    assert s.absent == [5, 6]


def test_the_year_end_closing_charges_are_not_production_spend_and_a_correspondence_can_leave_out_any_account(tmp_path):
    """A FEC of the whole year holds the film's amortisation (6811) and the income tax (695): they were imported
    as spend (« à affecter »), doubling the committed figure, and nothing could leave an account out."""
    path = _workbook_for_import(tmp_path)
    lines = ["OD|Clôture|C1|20261231|68110000|Dotations|||AMORT|20261231|Amortissement du film|3300000,00|0,00|||"
             "20261231||",
             "OD|Clôture|C1|20261231|28050000|Amortissements|||AMORT|20261231|Amortissement du film|0,00|3300000,00|||"
             "20261231||",
             "OD|Clôture|C2|20261231|69500000|Impôt|||IS|20261231|Impôt sur les sociétés|12000,00|0,00|||20261231||",
             "OD|Clôture|C2|20261231|44400000|État|||IS|20261231|Impôt sur les sociétés|0,00|12000,00|||20261231||",
             "HA|Achats|H1|20261005|62570000|Réceptions|||R1|20261005|Pot de fin de tournage|800,00|0,00|||20261005||",
             "HA|Achats|H1|20261005|40100000|Fournisseurs|F1|Traiteur|R1|20261005|Pot|0,00|800,00|||20261005||"]
    fec = _raw_fec(tmp_path, "fec.txt", lines)
    s = _import(path, fec)
    assert (s.added, s.selected) == (1, 1) and s.excluded_debit == D("3312000.00")
    assert "dont charges hors suivi (clôture 68, 69, ou « exclu » dans Correspondances) : débit 3\u202f312\u202f000,00" \
        in s.render()
    assert s.to_json()["excluded_debit"] == "3312000.00"
    book = XlsxFile(path)  # receptions left out, the income tax brought back on purpose (a test of the rule only)
    t = book.table(L.TABLE_CORRESPONDANCES)
    book.add_table_rows(t, [["6257", "Exclu", "", ""], ["695", "9501", "", ""]])
    book.save()
    s = _import(path, fec)
    assert (s.added, s.selected, s.excluded_debit) == (1, 1, D("3300800.00"))
    assert (s.absent, s.left_out) == ([], [5])  # the reception imported before is said, never deleted
    assert any(i.code == "DEP043" and "ligne 5" in i.message for i in s.issues)


def test_invoices_under_another_programs_journal_and_numbers_take_back_their_rows(tmp_path):
    """A change of accounting program mid-shoot: HA/HA00001 becomes ACH/2026-000017 and the documents lose their
    zeros (a FEC saved by Excel): the same invoices were imported again, without a word."""
    path = _workbook_for_import(tmp_path)
    _import(path, _raw_fec(tmp_path, "old.txt", _purchase("HA", "HA00001", "20261001", "61357101", "FA-00881", "1000")))
    s = _import(path, _raw_fec(tmp_path, "new.txt", _purchase("ACH", "2026-000017", "20261001", "61357101", "FA-881",
                                                              "1000")))
    assert (s.added, s.updated, s.renumbered) == (0, 1, [(5, "HA00001", "2026-000017")])
    assert len(XlsxFile(path).table(L.TABLE_DEPENSES).rows) == 1


def test_an_invoice_imported_under_two_entries_is_said_as_a_likely_duplicate(tmp_path):
    """Booked twice in the accounts (or imported before under numbers since changed, with another amount
    rounding): two FEC entries with the same document, supplier, devis account and amount were never compared."""
    path = _workbook_for_import(tmp_path)

    def purchase(entry: str, day: str) -> list[str]:
        return [f"HA|Achats|{entry}|{day}|61357101|Caméra|||FA-881|{day}|Caméra|1000,00|0,00|||{day}||",
                f"HA|Achats|{entry}|{day}|40100000|Fournisseurs|F1|Loueur|FA-881|{day}|Caméra|0,00|1000,00|||{day}||"]

    _import(path, _raw_fec(tmp_path, "f.txt", [*purchase("HA1", "20261001"), *purchase("HA7", "20261001")]))
    report = recalc(path)
    said = [i for i in report.issues if i.code == "DEP016"]
    assert len(said) == 1 and said[0].location.cell == "A6" and "ligne 5" in said[0].message
    # a month's rent under one document, or a document cancelled and booked again, is no double entry
    path = _workbook_for_import(tmp_path)
    cancel = [line.replace("1000,00|0,00", "X").replace("0,00|1000,00", "1000,00|0,00").replace("X", "0,00|1000,00")
              for line in purchase("HA8", "20261002")]
    _import(path, _raw_fec(tmp_path, "f.txt", [*purchase("HA1", "20261001"), *purchase("HA7", "20261101"),
                                               *purchase("HA2", "20261002"), *cancel, *purchase("HA9", "20261002")]))
    assert not [i for i in recalc(path).issues if i.code == "DEP016"]


def test_the_reconciliation_says_which_lines_no_total_counts_when_a_line_cannot_be_read(tmp_path):
    """A « | » in a label shifts a line's columns: its amount cannot be read, and the summary said « débit total
    260,00 € = celui du fichier » for a file of 1,260 € of debit."""
    path = _workbook_for_import(tmp_path)
    s = _import(path, _raw_fec(tmp_path, "f.txt", [
        "HA|Achats|H1|20261001|61357101|Caméra|||F1|20261001|Caméra | objectifs|1000,00|0,00|||20261001||",
        "HA|Achats|H1|20261001|44566000|TVA|||F1|20261001|Caméra|200,00|0,00|||20261001||",
        "HA|Achats|H1|20261001|40100000|Fournisseurs|F1|Loueur|F1|20261001|Caméra|0,00|1200,00|||20261001||",
        "HA|Achats|H2|20261002|61357101|Câbles|||F2|20261002|Câbles|50,00|0,00|||20261002||",
        "HA|Achats|H2|20261002|40100000|Fournisseurs|F1|Loueur|F2|20261002|Câbles|0,00|50,00|||20261002||"]))
    assert s.uncounted == 1 and s.to_json()["unreadable_amount_lines"] == 1
    assert "hors 1 ligne au montant illisible (mal écrit, colonnes décalées ou ligne coupée), comptée nulle part" \
        in s.render()
    assert any(i.code == "DEP033" and "sans 1 au montant illisible" in i.message for i in s.issues)
    assert s.added == 1


def test_an_entry_validated_under_another_number_with_its_amount_corrected_takes_back_its_row(tmp_path):
    """HA90001 (a draft) validated as HA00004 with 1,840 € corrected to 1,900 €: both rows were counted, without a
    word. One line and one row alone with the same date, ledger account and document: the row is the line's."""
    path = _workbook_for_import(tmp_path)

    def purchase(entry: str, amount: str, piece: str = "FA-R-0001") -> list[str]:
        return [f"HA|Achats|{entry}|20261009|61357101|Caméra|||{piece}|20261009|Réparation|{amount},00|0,00|||20261009||",
                f"HA|Achats|{entry}|20261009|40100000|Fournisseurs|F1|Loueur|{piece}|20261009|Réparation|0,00|"
                f"{amount},00|||20261009||"]

    _import(path, _raw_fec(tmp_path, "draft.txt", purchase("HA90001", "1840")))
    s = _import(path, _raw_fec(tmp_path, "valid.txt", purchase("HA00004", "1900")))
    assert (s.added, s.updated, s.renumbered) == (0, 1, [(5, "HA90001", "HA00004")])
    assert "Montant HT 1\u202f840,00\u00a0€ → 1\u202f900,00\u00a0€" in s.changes[0]
    # two lines of the same document that day: which row is whose cannot be told, both are new and said
    path = _workbook_for_import(tmp_path)
    _import(path, _raw_fec(tmp_path, "draft.txt", purchase("HA90001", "1840")))
    s = _import(path, _raw_fec(tmp_path, "valid.txt", [*purchase("HA00004", "1900"), *purchase("HA00005", "60")]))
    assert (s.added, s.renumbered) == (2, []) and s.absent == [5]


def test_payroll_lines_with_one_label_keep_their_place_when_their_amounts_are_corrected(tmp_path):
    """Three 6411 lines all labelled « Salaire », listed in another order, then two amounts corrected in that order:
    the label matched every row, and the rows were taken in the sheet's order, the chief editor's row getting the
    assistant's pay. A line keeps its place (its key's |n) when nothing else tells."""
    path = _workbook_for_import(tmp_path)

    def payroll(amounts: list[str]) -> Path:
        lines = [f"OD|Paie|P11|20261130|64110000|Salaires|||PAIE-11|20261130|Salaire|{a},00|0,00|||20261130||"
                 for a in amounts]
        total = sum(int(a) for a in amounts)
        lines.append(f"OD|Paie|P11|20261130|42100000|Dus|||PAIE-11|20261130|Paie|0,00|{total},00|||20261130||")
        return _raw_fec(tmp_path, "paie.txt", lines)

    _import(path, payroll(["3220", "2100", "1500"]))
    _type(path, {(1, "Compte devis"): "2301", (2, "Compte devis"): "2302", (3, "Compte devis"): "2303"})
    _import(path, payroll(["2100", "3220", "1500"]))  # listed in another order: each row by its amount
    s = _import(path, payroll(["2150", "3300", "1500"]))  # the same order, two amounts corrected
    assert (s.added, s.updated) == (0, 2)
    h = L.DEPENSES_HEADERS
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert [(r[h.index("Compte devis")], r[h.index("Montant HT")]) for r in rows] == [
        ("2301", 3300.0), ("2302", 2150.0), ("2303", 1500.0)]


def test_a_payroll_is_paid_when_its_net_pay_and_its_social_charges_both_are(tmp_path):
    """The net pay (421) lettered, the URSSAF (431) not: the gross pay and the charges were « payé » from the first
    42x/43x line, paid-to-date and the cash flow's actuals overstated."""
    path = _workbook_for_import(tmp_path)

    def payroll(urssaf: str) -> Path:
        return _raw_fec(tmp_path, "paie.txt", [
            "OD|Paie|P10|20261031|64110000|Salaires|||PAIE-10|20261031|Salaires bruts|1000,00|0,00|||20261031||",
            "OD|Paie|P10|20261031|64510000|Charges|||PAIE-10|20261031|Charges patronales|450,00|0,00|||20261031||",
            "OD|Paie|P10|20261031|42100000|Net|||PAIE-10|20261031|Net à payer|0,00|780,00|AA|20261105|20261031||",
            f"OD|Paie|P10|20261031|43100000|URSSAF|||PAIE-10|20261031|URSSAF|0,00|670,00|{urssaf}|"
            f"{'20261115' if urssaf else ''}|20261031||"])

    _import(path, payroll(""))
    h = L.DEPENSES_HEADERS
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert {r[h.index("Statut")] for r in rows} == {"facturé"}
    _import(path, payroll("AB"))
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert {(r[h.index("Statut")], r[h.index("Date de paiement")]) for r in rows} == {("payé", dt.date(2026, 11, 15))}


def test_next_months_rent_under_a_reused_number_and_the_same_document_is_a_new_row(tmp_path):
    """Software numbering anew each month, the rent's PieceRef « LOYER » every month: February's HA1 took January's
    row (a month apart, the same document named on both), January's rent gone."""
    path = _workbook_for_import(tmp_path)

    def rent(day: str) -> Path:
        return _raw_fec(tmp_path, f"{day}.txt", [
            f"HA|Achats|1|{day}|61357101|Loyer|||LOYER|{day}|Loyer bureau|1500,00|0,00|||{day}||",
            f"HA|Achats|1|{day}|40100000|Fournisseurs|F1|Bailleur|LOYER|{day}|Loyer|0,00|1500,00|||{day}||"])

    _import(path, rent("20260115"))
    s = _import(path, rent("20260215"))
    assert (s.added, s.updated) == (1, 0)
    _import(path, rent("20260327"))
    s = _import(path, rent("20260402"))  # March's date corrected across the month's end by days: the same entry
    assert (s.added, s.updated) == (0, 1)


def test_a_row_of_an_entry_the_file_refuses_or_on_an_account_left_out_is_taken_by_no_other_line(tmp_path):
    """A cumulative export whose first meal's entry is refused this time (a typo in its VAT line): the second meal,
    the same day, amount and document, took its row as « renumbered ». A row on an account now « exclu » was
    taken by another line of its entry whose account moved."""
    path = _workbook_for_import(tmp_path)

    def meal(entry: str, vat_day: str = "20261005") -> list[str]:
        return [f"HA|Achats|{entry}|20261005|62560000|Repas|||CB|20261005|Repas équipe|45,00|0,00|||20261005||",
                f"HA|Achats|{entry}|{vat_day}|44566000|TVA|||CB|20261005|Repas équipe|4,50|0,00|||20261005||",
                f"HA|Achats|{entry}|20261005|40100000|Fournisseurs|F1|Brasserie|CB|20261005|Repas|0,00|49,50|||20261005||"]

    _import(path, _raw_fec(tmp_path, "a.txt", meal("HA1")))
    s = _import(path, _raw_fec(tmp_path, "b.txt", [*meal("HA1", "2026105"), *meal("HA2")]))
    assert (s.added, s.renumbered) == (1, [])
    book = XlsxFile(path)
    book.add_table_rows(book.table(L.TABLE_CORRESPONDANCES), [["6256", "Exclue.", "", ""]])
    book.save()
    s = _import(path, _raw_fec(tmp_path, "c.txt", [*meal("HA1"), *meal("HA2")]))
    assert (s.added, s.updated, s.selected, s.left_out) == (0, 0, 0, [5, 6])  # « Exclue. » understood


def test_a_blank_correspondence_does_not_bring_the_closing_charges_back_nor_a_long_document_crash(tmp_path):
    path = _workbook_for_import(tmp_path)
    book = XlsxFile(path)
    book.add_table_rows(book.table(L.TABLE_CORRESPONDANCES), [["68", "", "", ""], ["6", "", "", ""]])
    book.save()
    piece = "9" * 5000  # a document of 5,000 digits: « erreur inattendue (ValueError: Exceeds the limit…) »
    s = _import(path, _raw_fec(tmp_path, "f.txt", [
        "OD|Clôture|C1|20261231|68110000|Dotations|||AMORT|20261231|Amortissement|1000,00|0,00|||20261231||",
        "OD|Clôture|C1|20261231|28050000|Amortissements|||AMORT|20261231|Amortissement|0,00|1000,00|||20261231||",
        f"HA|Achats|H1|20261005|61357101|Caméra|||{piece}|20261005|Caméra|10,00|0,00|||20261005||",
        f"HA|Achats|H1|20261005|40100000|Fournisseurs|F1|Loueur|{piece}|20261005|Caméra|0,00|10,00|||20261005||"]))
    assert (s.added, s.excluded_debit) == (1, D("1000.00"))
    s = _import(path, _raw_fec(tmp_path, "f.txt", [
        f"HA|Achats|H9|20261005|61357101|Caméra|||{piece}|20261005|Caméra|10,00|0,00|||20261005||",
        f"HA|Achats|H9|20261005|40100000|Fournisseurs|F1|Loueur|{piece}|20261005|Caméra|0,00|10,00|||20261005||"]))
    assert s.renumbered == [(5, "H1", "H9")]


def test_two_crew_members_paid_alike_keep_their_rows_when_one_is_corrected(tmp_path):
    """Alice and Bob, 2,000 € each under the payroll's one label, Alice corrected to 2,100 €: Bob's line took Alice's
    row (the same amount and label), the raise landing on Bob's devis line."""
    path = _workbook_for_import(tmp_path)

    def payroll(alice: str) -> Path:
        lines = [f"OD|Paie|P10|20261031|64110000|Salaires|||PAIE|20261031|Salaire|{a},00|0,00|||20261031||"
                 for a in (alice, "2000")]
        lines.append(f"OD|Paie|P10|20261031|42100000|Dus|||PAIE|20261031|Paie|0,00|{int(alice) + 2000},00|||20261031||")
        return _raw_fec(tmp_path, "paie.txt", lines)

    _import(path, payroll("2000"))
    _type(path, {(1, "Compte devis"): "2301", (2, "Compte devis"): "2302"})
    _import(path, payroll("2100"))
    h = L.DEPENSES_HEADERS
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert [(r[h.index("Compte devis")], r[h.index("Montant HT")]) for r in rows] == [("2301", 2100.0), ("2302", 2000.0)]


def test_a_split_crew_row_is_paired_by_what_its_parts_add_up_to_when_a_payroll_line_is_inserted(tmp_path):
    """A 2,000, B 3,000 split by the user 1,800 + 1,200, C 1,500; the corrected payroll inserts N first: the split was
    matched by its key alone (|2, now A's), B came in again and A's row took N's pay: 8,500 for 7,500. Dropping A
    instead left A's old key on its row beside B's parts, the next import taking the three for one split."""
    path = _workbook_for_import(tmp_path)

    def payroll(crew: list[tuple[str, int]]) -> Path:
        lines = [f"OD|Paie|P3|20260331|64110000|Salaires|||PAIE-03|20260331|Salaire {n}|{a},00|0,00|||20260331||"
                 for n, a in crew]
        lines.append(f"OD|Paie|P3|20260331|42100000|Dus|||PAIE-03|20260331|Net|0,00|{sum(a for _, a in crew)},00|||"
                     "20260331||")
        return _raw_fec(tmp_path, "paie.txt", lines)

    _import(path, payroll([("A", 2000), ("B", 3000), ("C", 1500)]))
    book = XlsxFile(path)
    t = book.table(L.TABLE_DEPENSES)
    h = L.DEPENSES_HEADERS
    part = list(t.rows[1])
    part[h.index("Montant HT")], part[h.index("Compte devis")], part[h.index("Montant EUR")] = 1200.0, "2302", None
    part[h.index("Date")] = float((part[h.index("Date")] - dt.date(1899, 12, 30)).days)
    book.add_table_rows(t, [part])
    book.save()
    _type(path, {(2, "Montant HT"): 1800.0, (2, "Compte devis"): "2301", (1, "Compte devis"): "2101"})

    def total() -> float:
        return sum(r[h.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows)

    s = _import(path, payroll([("N", 1000), ("A", 2000), ("B", 3000), ("C", 1500)]))
    assert (s.added, s.split, total()) == (1, [], 7500.0)
    s = _import(path, payroll([("N", 1000), ("B", 3000), ("C", 1500)]))  # A gone from the accounts: said
    assert s.absent == [5] and (s.added, s.split) == (0, [])
    assert str(XlsxFile(path).table(L.TABLE_DEPENSES).rows[0][h.index("Clé d'import")]).endswith("|~5")
    s = _import(path, payroll([("N", 1000), ("B", 3000), ("C", 1500)]))  # and again: the same, nothing merged
    assert (s.added, s.updated, s.split) == (0, 0, [])


def test_a_generic_document_across_a_months_end_pairs_only_the_same_amount(tmp_path):
    """The journal's « CB » on every line, numbers anew each month: November's CB 1 (a 30 € taxi) took October's CB 1
    (a 45 € meal), four days apart: the meal was gone."""
    path = _workbook_for_import(tmp_path)

    def card(day: str, account: str, amount: str) -> Path:
        return _raw_fec(tmp_path, f"{day}.txt", [
            f"CB|Carte|1|{day}|{account}|Frais|||CB|{day}|Dépense|{amount},00|0,00|||{day}||",
            f"CB|Carte|1|{day}|51200000|Banque|||CB|{day}|Carte|0,00|{amount},00|||{day}||"])

    _import(path, card("20261030", "62570000", "45"))
    s = _import(path, card("20261102", "62510000", "30"))
    assert (s.added, s.updated) == (1, 0)


def test_a_second_renumbering_pass_does_not_merge_another_amount_or_sign(tmp_path):
    """An OD moving 200 € off an invoice, same date and document, took the 1,000 € invoice's row and set it to
    −200 €; a 30 € meal took a 45 € one's."""
    path = _workbook_for_import(tmp_path)
    _import(path, _raw_fec(tmp_path, "a.txt", _purchase("HA", "H1", "20261005", "61357101", "FA-1", "1000")))
    s = _import(path, _raw_fec(tmp_path, "b.txt", [
        "OD|Divers|O1|20261005|61357101|Caméra|||FA-1|20261005|Reclassement|0,00|200,00|||20261005||",
        "OD|Divers|O1|20261005|60615101|Décor|||FA-1|20261005|Reclassement|200,00|0,00|||20261005||"]))
    assert s.renumbered == [] and s.added == 2


def test_a_csv_report_with_a_title_and_totals_imports_its_lines_and_reconciles_to_them(tmp_path, capsys):
    """An export as accounting software prints it: its title and period above the headers, a
    subtotal per month and a grand total below; the totals would count each expense twice."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "rapport.csv"
    csv.write_text("Suivi des dépenses - Les Heures claires\r\nDu 01/10/2026 au 30/11/2026\r\n"
                   "Date;Libellé;Montant HT\r\n01/10/2026;Caméra;100,00\r\n02/10/2026;TotalEnergies;50,00\r\n"
                   ";Sous-total octobre;150,00\r\n03/11/2026;Grue;20,00\r\nTotal général;;170,00\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    out = capsys.readouterr().out
    assert "DEP115" in out and out.count("DEP116") == 2 and "DEP033" not in out
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert sorted((r[4], r[5]) for r in rows) == [("Caméra", 100.0), ("Grue", 20.0), ("TotalEnergies", 50.0)]


def test_a_devis_account_the_user_changed_is_kept_when_the_csv_gives_the_old_one_again(tmp_path, capsys):
    """The CSV's own Compte devis goes to new rows and to rows without one; the user's reassignment
    survives a re-import of the same export, and DEP039 says the file disagrees."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "export.csv"
    csv.write_text("Date;N° pièce;Fournisseur;Compte devis;Libellé;Montant HT\r\n"
                   "02/10/2026;F-101;TSF;7101;Caméra;1000\r\n03/10/2026;F-102;Déco;5101;Peinture;300\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    _type(path, {(1, "Compte devis"): "2301", (2, "Compte devis"): None})  # reassigned; cleared
    capsys.readouterr()
    assert main(["import", str(path), str(csv)]) == 0
    out = capsys.readouterr().out
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert [r[L.DEPENSES_HEADERS.index("Compte devis")] for r in rows] == ["2301", "5101"]
    assert ("avertissement DEP039: 1 ligne déjà importée sur un autre compte du devis que le fichier (D5 : 2301, le "
            "fichier dit 7101) : gardée telle quelle.") in out


@pytest.mark.parametrize("template", ["depenses-modele.xlsx", "depenses-modele.xlsm"])
def test_the_template_honours_the_published_contract(template):
    book = XlsxFile(Path(__file__).resolve().parents[1] / "workbooks" / template)
    assert book.kind() == "depenses"
    assert list(book.package.sheet_parts()) == ["Suivi", "Dépenses", "Versions", "Coût définitif", "Instantanés",
                                                "Correspondances", "Imports", "Paramètres", "Contrôles"]
    tables = {"Depenses": ("Dépenses", ["Date", "N° pièce", "Fournisseur", "Compte devis", "Libellé", "Montant HT",
                                        "TVA", "Devise", "Taux de change", "Montant EUR", "Statut", "Date de paiement",
                                        "Pays", "Étiquettes", "Compte général", "Clé d'import"]),
              "Instantanes": ("Instantanés", ["Version", "Compte", "Libellé", "Montant"]),
              "ListeVersions": ("Instantanés", ["Nom", "Date", "Devis", "Total", "Frais généraux", "Imprévus",
                                                "Base crédit impôt"]),
              "Correspondances": ("Correspondances", ["Compte général", "Compte devis", "Pays", "Observations",
                                                      "Libellé contient"]),
              "ColonnesImport": ("Correspondances", ["Champ", "Colonne du fichier"]),
              "Imports": ("Imports", ["Date", "Fichier", "Format", "Lignes lues", "Débit du fichier",
                                      "Lignes de dépenses", "Nouvelles", "Mises à jour", "Déjà présentes", "À affecter",
                                      "Écartées", "Débit écarté", "Première erreur", "Clés disparues"]),
              "ParametresDepenses": ("Paramètres", ["Clé", "Paramètre", "Valeur", "Unité", "Valeur par défaut",
                                                    "Source"])}
    for name, (sheet, headers) in tables.items():
        t = book.table(name)
        assert (t.sheet, t.header_row, t.headers) == (sheet, L.HEADER_ROW, headers), name
    assert {*CONTRACT, "PARAM_VERSION_ACTUELLE", "PARAM_SEUIL_ALERTE", "PARAM_SEUIL_DEPASSEMENT",
            "PARAM_FRAIS_GENERAUX", "PARAM_DATE_VISA", "DEPENSES_COMPTES_DEVIS", *L.COST_NAMES} <= set(
        book.package.defined_names())


def test_each_import_is_written_down_and_what_it_refused_is_recalled_until_that_file_comes_in_whole(tmp_path,
                                                                                                  capsys):
    """A file partly refused was said by its import, then forgotten by every later check. Another file's
    import (next month's CSV) does not bring the refused lines in: the file's own import, corrected, does."""
    path = _workbook_for_import(tmp_path)
    october, november = tmp_path / "octobre.csv", tmp_path / "novembre.csv"
    october.write_text("Date;Libellé;Montant HT\r\n01/10/2026;Caméra;100,00\r\n32/10/2026;Grue;50,00\r\n",
                       encoding="utf-8")
    november.write_text("Date;Libellé;Montant HT\r\n02/11/2026;Dolly;70,00\r\n", encoding="utf-8")
    assert main(["import", str(path), str(october)]) == 1
    out = capsys.readouterr().out
    assert "DEP101" in out and "DEP044" not in out  # the import itself lists each error
    assert main(["import", str(path), str(november)]) == 0
    for command in (["import", str(path), str(november)], ["check", str(path)]):  # later: recalled
        assert main(command) == 0
        out = capsys.readouterr().out
        assert "dep.xlsx!Imports!K5: avertissement DEP044: Le dernier import de octobre.csv (le " in out
        assert (f"a écarté 1 ligne en erreur (débit {format_eur(Decimal(50))}) : les dépenses qu'elles portent manquent au suivi "
                "(première : octobre.csv:3: erreur DEP101: Date « 32/10/2026 » n'est pas une date du calendrier).") in out
    october.write_text("Date;Libellé;Montant HT\r\n01/10/2026;Caméra;100,00\r\n30/10/2026;Grue;50,00\r\n",
                       encoding="utf-8")
    assert main(["import", str(path), str(october)]) == 0
    capsys.readouterr()
    assert main(["check", str(path)]) == 0
    assert "DEP044" not in capsys.readouterr().out
    t = XlsxFile(path).table(L.TABLE_IMPORTS)
    rows = [dict(zip(t.headers, r, strict=True)) for r in t.rows]
    assert [(r["Fichier"], r["Lignes lues"], r["Nouvelles"], r["Déjà présentes"], r["Écartées"], r["Débit écarté"],
             r["Débit du fichier"]) for r in rows] == [("octobre.csv", 2, 1, 0, 1, 50, 150), ("novembre.csv", 1, 1, 0, 0, 0, 70),
                                                       ("novembre.csv", 1, 0, 1, 0, 0, 70), ("octobre.csv", 2, 1, 1, 0, 0, 150)]
    assert all(isinstance(r["Date"], dt.datetime) for r in rows)
    assert rows[0]["Première erreur"].startswith("octobre.csv:3: erreur DEP101") and rows[3]["Première erreur"] == ""


def test_an_import_whose_history_has_no_room_still_imports_and_says_so(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "octobre.csv"
    csv.write_text("Date;Libellé;Montant HT\r\n01/10/2026;Caméra;100,00\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    book = XlsxFile(path)
    plan = WritePlan()  # a note typed just under the history
    plan.sheet(L.SHEET_IMPORTS).set(L.HEADER_ROW + 2, 1, CellWrite("à voir avec le comptable"))
    book.apply(plan)
    book.save()
    csv.write_text("Date;Libellé;Montant HT\r\n01/10/2026;Caméra;100,00\r\n02/10/2026;Grue;20,00\r\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(path), str(csv)]) == 0
    assert ("dep.xlsx!Imports!A6: avertissement DEP045: pas de place sous le tableau Imports (cellule occupée en "
            "dessous) : cet import n'est pas inscrit à l'historique") in capsys.readouterr().out
    book = XlsxFile(path)
    assert len(book.table(L.TABLE_DEPENSES).rows) == 2 and len(book.table(L.TABLE_IMPORTS).rows) == 1
    assert book.cell_values(L.SHEET_IMPORTS, [(L.HEADER_ROW + 2, 1)]) == {
        (L.HEADER_ROW + 2, 1): "à voir avec le comptable"}


def _cached_montant_eur(path: Path) -> dict[str, str]:
    """Row -> the cached value of each Montant EUR cell holding its formula, as the sheet's XML has it."""
    part = XlsxFile(path, for_writing=False)._part(L.SHEET_DEPENSES)
    with zipfile.ZipFile(path) as z:
        sheet = z.read(part).decode()
    j = column_letter(L.DEPENSES_HEADERS.index("Montant EUR") + 1)
    return dict(re.findall(rf'<c r="{j}(\d+)"[^>]*><f[^>]*>ROUND\([^<]*\)</f><v>([^<]*)</v></c>', sheet))


def test_imported_rows_carry_montant_eur_as_the_recalculation_computes_it(tmp_path):
    """The import writes each new row's Montant EUR formula with its value, computed as the
    recalculation does from the cells (a rate of four decimals, an amount rounded half up): the
    recalculation after it finds every value right."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "devises.csv"
    csv.write_text("Date;N° pièce;Libellé;Montant HT;Devise;Taux de change\r\n01/10/2026;A1;Caméra;100,00;;\r\n"
                   "02/10/2026;A2;Steadicam;920,00;USD;1,0856\r\n03/10/2026;A3;Grue;0,05;GBP;1,1\r\n"
                   "04/10/2026;A4;Avoir;-33,33;CHF;1,0712\r\n", encoding="utf-8")
    book = XlsxFile(path)
    import_ledger(book, csv.read_bytes(), csv.name)
    book.save()
    imported = _cached_montant_eur(path)
    # row 5, the new table's blank row, is patched in place: its value is the recalculation's
    assert imported == {"5": "0", "6": "998.75", "7": "0.06", "8": "-35.7"}
    recalc(path)
    assert _cached_montant_eur(path) == {**imported, "5": "100"}


def test_a_paid_row_the_accounts_unletter_or_never_lettered_keeps_its_status_and_is_said(tmp_path):
    """A payment reversed in the accounts (unlettered), or marked paid by the user ahead of the
    accountant: the row stays « payé », and the import says where the workbook and the accounts
    disagree, since the paid figures and the cash flow's actuals depend on it."""
    path = _workbook_for_import(tmp_path)
    _import(path, _fec(tmp_path, "a.txt", [("HA1", "20261001", "61357101", "Caméra", "1000,00", "AB"),
                                           ("HA2", "20261002", "61357101", "Objectifs", "200,00", "")]))
    _type(path, {(2, "Statut"): "Payé"})  # paid by the user before the accountant letters it
    s = _import(path, _fec(tmp_path, "b.txt", [("HA1", "20261001", "61357101", "Caméra", "1000,00", ""),
                                               ("HA2", "20261002", "61357101", "Objectifs", "200,00", "")]))
    h = L.DEPENSES_HEADERS
    assert [r[h.index("Statut")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows] == ["payé", "Payé"]
    said = [i.render() for i in s.issues if i.code == "DEP046"]
    assert said == ["dep.xlsx!Dépenses!K5: avertissement DEP046: 2 lignes « payé » dans Dépenses dont la facture n'est "
                    "pas lettrée dans la comptabilité (non réglée selon le fichier) : lignes 5, 6. Le statut est gardé. "
                    "— Rien à faire si le paiement est parti (le comptable le lettrera) ; sinon remettez le statut à "
                    "« facturé » : le payé et la trésorerie en dépendent."]
    assert s.to_json()["unsettled_paid_rows"] == [5, 6]
    s = _import(path, _fec(tmp_path, "c.txt", [("HA1", "20261001", "61357101", "Caméra", "1000,00", "AB"),
                                               ("HA2", "20261002", "61357101", "Objectifs", "200,00", "AC")]))
    assert not [i for i in s.issues if i.code == "DEP046"]


def test_two_payslips_of_the_same_amount_under_the_months_document_are_no_duplicate(tmp_path):
    """Payroll software books one entry per payslip under the month's document: two assistants paid the
    same were said to be the same invoice imported twice (DEP016); their names tell them apart."""
    path = _workbook_for_import(tmp_path)

    def payslip(entry: str, name: str) -> list[str]:
        return [f"OD|Paie|{entry}|20261031|64110000|Salaires|||PAIE-10|20261031|{name}|2000,00|0,00|||20261031||",
                f"OD|Paie|{entry}|20261031|42100000|Net|||PAIE-10|20261031|{name}|0,00|2000,00|||20261031||"]

    _import(path, _raw_fec(tmp_path, "paie.txt", [*payslip("P1", "Salaire Durand, assistante"),
                                                   *payslip("P2", "Salaire Martin, assistant")]))
    assert not [i for i in recalc(path).issues if i.code == "DEP016"]
    _import(path, _raw_fec(tmp_path, "paie.txt", [*payslip("P1", "Salaire Durand, assistante"),
                                                   *payslip("P2", "Salaire Martin, assistant"),
                                                   *payslip("P3", "Salaire Martin, assistant")]))  # booked twice
    assert len([i for i in recalc(path).issues if i.code == "DEP016"]) == 1


def test_a_split_whose_copy_lost_its_key_is_not_reset_to_the_whole_amount(tmp_path):
    """The user splits an imported 1,000 € row 600 / 400 and clears the copy's key (it looks technical):
    the same file imported again put 1,000 € back on the first part, 1,400 € counted for a 1,000 € invoice."""
    path, fec = _split_invoice(tmp_path, keep_key=False)
    h = L.DEPENSES_HEADERS
    s = _import(path, fec)
    assert sorted(r[h.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows) == [400.0, 600.0]
    said = [i.render() for i in s.issues if i.code == "DEP047"]
    assert len(said) == 1 and said[0].startswith(
        "dep.xlsx!Dépenses!A5: avertissement DEP047: Ligne 5 et ligne 6 (sans clé d'import, même pièce, même compte "
        f"général et même libellé) : ensemble, le montant du fichier, {format_eur(D('1000'))}. Une écriture répartie dont une part a "
        "perdu sa clé ? Montants laissés tels quels.")
    # the invoice corrected too: its row is not reset to the whole either (1,600 € counted), the difference said
    s = _import(path, _fec(tmp_path, "f.txt", [("HA1", "20261001", "61357101", "Caméra et objectifs", "1200,00", "")]))
    assert sorted(r[h.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows) == [400.0, 600.0]
    said = [i.message for i in s.issues if i.code == "DEP047"]
    assert len(said) == 1 and f"ensemble {format_eur(D('1000'))}, quand le fichier corrigé dit " \
        f"{format_eur(D('1200'))}" in said[0]


@pytest.mark.libreoffice
def test_montant_eur_at_a_half_cent_is_rounded_as_libreoffice_rounds_the_cells_doubles(tmp_path, libreoffice):
    """Amounts and 15-digit exchange rates whose exact product falls a hair off a half cent, where the
    product of the doubles lands on it: xlprod rounded the exact product, LibreOffice and Excel the doubles'
    (92 451,39 × 0,337697194168741: 31 220,57 against 31 220,58), half of such rows a cent apart."""
    path = _workbook_for_import(tmp_path)
    lines = ["Date;N° pièce;Fournisseur;Libellé;Montant HT;Devise;Taux de change", "15/01/2026;P0;F;l;92451,39;USD;"
             "0,337697194168741", "15/01/2026;P1;F;l;485578,10;USD;14,3595727752137",  # its doubles: …064999995
             "15/01/2026;P2;F;l;340824,90;USD;0,94946116026147", "15/01/2026;P3;F;l;2,14;USD;31393,4602803738"]
    rng = __import__("random").Random(7)
    while len(lines) < 44:
        cents = rng.randint(101, 10**7)
        if cents % 2 and cents % 5:  # a rate putting cents × rate a few 1e-15 off a half cent
            rate = ((5 * 10**14 - rng.choice([-3, -2, -1, 1, 2, 3])) * pow(cents, -1, 10**15)) % 10**15
            if rate >= 10**14:
                lines.append(f"15/01/2026;P{len(lines)};F;l;{cents // 100},{cents % 100:02d};USD;0,{rate:015d}")
    csv = tmp_path / "devises.csv"
    csv.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    h = L.DEPENSES_HEADERS
    assert [r[h.index("Montant EUR")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows[:2]] == [31220.58, 6972694.07]
    assert grid_differences(path, recalculate_with_libreoffice(path, tmp_path / "lo")) == []


@pytest.mark.libreoffice
def test_an_import_into_a_workbook_libreoffice_saved_keeps_montant_eur_a_formula_and_blames_nobody(
        tmp_path, libreoffice, capsys):
    """LibreOffice drops the table's calculated column formula when it saves: the import wrote its computed
    Montant EUR as plain numbers there, which the recalculation then called typed over (DEP036)."""
    path = _workbook_for_import(tmp_path)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("Date;Libellé;Montant HT\r\n05/01/2026;Caméra;1000,00\r\n", encoding="utf-8")
    second.write_text("Date;Libellé;Montant HT;Devise;Taux de change\r\n06/01/2026;Lumière;200,00;USD;0,9\r\n"
                      "07/01/2026;Son;300,00;;\r\n", encoding="utf-8")
    assert main(["import", str(path), str(first)]) == 0
    shutil.copy(recalculate_with_libreoffice(path, tmp_path / "lo"), path)
    capsys.readouterr()
    assert main(["import", str(path), str(second)]) == 0
    assert "DEP036" not in capsys.readouterr().out
    assert _cached_montant_eur(path) == {"5": "1000", "6": "180", "7": "300"}


def test_a_csvs_corrected_devis_account_reaches_a_row_the_user_left_as_the_file_gave_it(tmp_path, capsys):
    """The accountant moves F-101 from 7101 to 7102 in the next export: the row still had what the file gave
    (its key says so), so it takes the correction; a row the user reassigned keeps theirs."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "export.csv"
    csv.write_text("Date;N° pièce;Fournisseur;Compte devis;Libellé;Montant HT\r\n"
                   "02/10/2026;F-101;TSF;7101;Caméra;1000\r\n03/10/2026;F-102;Déco;5101;Peinture;300\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    _type(path, {(2, "Compte devis"): "2301"})
    csv.write_text("Date;N° pièce;Fournisseur;Compte devis;Libellé;Montant HT\r\n"
                   "02/10/2026;F-101;TSF;7102;Caméra;1000\r\n03/10/2026;F-102;Déco;5102;Peinture;300\r\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(path), str(csv)]) == 0
    out = capsys.readouterr().out
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert [r[L.DEPENSES_HEADERS.index("Compte devis")] for r in rows] == ["7102", "2301"]
    assert "Compte devis 7101 → 7102" in out and "(D6 : 2301, le fichier dit 5102)" in out


def test_the_history_reads_a_date_and_a_count_typed_as_text_and_keeps_a_dash_in_a_files_name(tmp_path, capsys):
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "Compta — janvier.csv"
    csv.write_text("Date;Libellé;Montant HT\r\n01/01/2026;Caméra;100,00\r\n32/01/2026;Grue;50,00\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 1
    book = XlsxFile(path)
    t = book.table(L.TABLE_IMPORTS)
    assert t.rows[0][t.headers.index("Première erreur")].startswith("Compta — janvier.csv:3: erreur DEP101: Date")
    plan = WritePlan()  # retyped by hand, as text
    plan.sheet(t.sheet).set(t.header_row + 1, t.first_col + t.headers.index("Date"), CellWrite("30/11/2026 12:00"))
    plan.sheet(t.sheet).set(t.header_row + 1, t.first_col + t.headers.index("Écartées"), CellWrite("1"))
    book.apply(plan)
    book.save()
    capsys.readouterr()
    assert main(["check", str(path)]) == 0
    assert "DEP044: Le dernier import de Compta — janvier.csv (le 30/11/2026 à 12:00) a écarté 1 ligne" in \
        capsys.readouterr().out


def test_a_csv_line_moved_to_another_devis_account_moves_no_amount_between_its_documents_rows(tmp_path, capsys):
    """Three lines of F-101 on 7101; the user marks the camera paid and moves the grip to 5101; the next export
    moves the camera to 2301. The keys number a document's lines per account: the payment and the user's
    account went to other lines' amounts (camera 200 € paid, grip 100 € on 5101)."""
    lines = ["02/10/2026;F-101;TSF;7101;Caméra Alexa;100", "02/10/2026;F-101;TSF;7101;Objectifs;200",
             "02/10/2026;F-101;TSF;7101;Machinerie;300"]
    path = _reimport(tmp_path, "Date;N° pièce;Fournisseur;Compte devis;Libellé;Montant HT\r\n", lines,
                     {(1, "Statut"): "payé", (3, "Compte devis"): "5101"}, [lines[0].replace("7101", "2301"), *lines[1:]])
    h = L.DEPENSES_HEADERS
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert [(r[h.index("Libellé")], r[h.index("Montant HT")], r[h.index("Compte devis")], r[h.index("Statut")])
            for r in rows] == [("Caméra Alexa", 100, "2301", "payé"), ("Objectifs", 200, "7101", "engagé"),
                               ("Machinerie", 300, "5101", "engagé")]


def test_an_expense_paid_straight_from_the_bank_or_the_cash_box_is_paid_on_its_date(tmp_path):
    """Bank charges (627 against 512) and petty cash (606 against 53): no supplier's line to letter, so they
    were « facturé » for good, Payé understated, and once marked paid said unsettled at every import."""
    path = _workbook_for_import(tmp_path)
    fec = _raw_fec(tmp_path, "f.txt", [
        "BQ|Banque|B1|20261005|62780000|Frais bancaires|||REL-10|20261005|Frais de tenue de compte|35,00|0,00|||20261005||",
        "BQ|Banque|B1|20261005|51200000|Banque|||REL-10|20261005|Frais de tenue de compte|0,00|35,00|||20261005||",
        "CA|Caisse|C1|20261006|60630000|Petit équipement|||T-88|20261006|Gaffer et piles|80,00|0,00|||20261006||",
        "CA|Caisse|C1|20261006|53000000|Caisse|||T-88|20261006|Gaffer et piles|0,00|80,00|||20261006||",
        # accrued interest at the closing, against 5181: owed, not paid
        "OD|Opérations diverses|O1|20261231|66100000|Intérêts|||INT-12|20261231|Intérêts courus|3200,00|0,00|||20261231||",
        "OD|Opérations diverses|O1|20261231|51810000|Intérêts courus|||INT-12|20261231|Intérêts courus|0,00|3200,00|||"
        "20261231||"])
    s = _import(path, fec)
    h = L.DEPENSES_HEADERS
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert [(r[h.index("Statut")], r[h.index("Date de paiement")]) for r in rows] == [
        ("payé", dt.date(2026, 10, 5)), ("payé", dt.date(2026, 10, 6)), ("facturé", "")]
    assert not [i for i in _import(path, fec).issues if i.code == "DEP046"] and s.added == 3


def test_the_history_reads_a_date_shown_as_a_number(tmp_path, capsys):
    """Its Date cell formatted « Standard » (or pasted as values): a serial number, and the refused lines were
    recalled no more."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "octobre.csv"
    csv.write_text("Date;Libellé;Montant HT\r\n01/10/2026;Caméra;100,00\r\n32/10/2026;Grue;50,00\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 1
    book = XlsxFile(path)
    t = book.table(L.TABLE_IMPORTS)
    plan = WritePlan()
    plan.sheet(t.sheet).set(t.header_row + 1, t.first_col, CellWrite(46325.5))  # 30/10/2026 12:00, no date format
    book.apply(plan)
    book.save()
    capsys.readouterr()
    assert main(["check", str(path)]) == 0
    assert "DEP044: Le dernier import de octobre.csv (le 30/10/2026 à 12:00)" in capsys.readouterr().out


def test_a_csv_documents_lines_keep_their_rows_by_ledger_account_when_labels_and_amounts_repeat(tmp_path):
    """Exports repeat the entry's label on every line: two lines of F-2 on two ledger accounts, alike but for it,
    listed the other way round, traded rows (the user's « payé » and devis account went to the other line);
    a line gone and another corrected put the corrected amount on the gone line's row."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "export.csv"
    head = "Date;N° pièce;Fournisseur;Compte;Libellé;Montant HT\r\n"
    camera, decor = "02/10/2026;F-2;TSF;61357101;Location F-2;500\r\n", "02/10/2026;F-2;TSF;60615101;Location F-2;500\r\n"
    csv.write_text(head + camera + decor, encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    _type(path, {(1, "Statut"): "payé", (2, "Compte devis"): "2301"})
    csv.write_text(head + decor + camera, encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    h = L.DEPENSES_HEADERS
    mine = [(r[h.index("Compte général")], r[h.index("Statut")], r[h.index("Compte devis")], r[h.index("Montant HT")])
            for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows]
    assert mine == [("61357101", "payé", "7101", 500), ("60615101", "engagé", "2301", 500)]
    (tmp_path / "b").mkdir()
    path = _workbook_for_import(tmp_path / "b")
    lines = ["02/10/2026;T-1;TSF;61350000;Transport T-1;100\r\n", "02/10/2026;T-1;TSF;60610000;Transport T-1;200\r\n",
             "02/10/2026;T-1;TSF;62510000;Transport T-1;300\r\n"]
    csv.write_text(head + "".join(lines), encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    csv.write_text(head + lines[0] + lines[2].replace(";300", ";330"), encoding="utf-8")  # 6061 gone, 6251 corrected
    s = _import(path, csv)
    rows = XlsxFile(path).table(L.TABLE_DEPENSES).rows
    assert [(r[h.index("Compte général")], r[h.index("Montant HT")]) for r in rows] == [
        ("61350000", 100), ("60610000", 200), ("62510000", 330)]
    assert s.absent == [L.HEADER_ROW + 2]


def test_a_row_typed_by_hand_under_a_payrolls_document_blocks_no_line_of_it(tmp_path):
    """A payroll's eight lines in a CSV without ledger accounts, and a bonus typed by hand under the same document:
    every salary's correction was withheld as if the bonus were a split's copy (800 € missing, 5 of 8 said)."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "paie.csv"
    head = "Date;N° pièce;Fournisseur;Compte devis;Libellé;Montant HT\r\n"
    crew = [f"31/10/2026;PAIE-10;Paie;2301;Salaire {n};{1000 + n}\r\n" for n in range(8)]
    csv.write_text(head + "".join(crew), encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    book = XlsxFile(path)
    t = book.table(L.TABLE_DEPENSES)
    h = L.DEPENSES_HEADERS
    bonus = [dt.date(2026, 10, 31), "PAIE-10", "Paie", "2301", "Prime de fin de tournage", 500.0, None, None, None, None,
             "engagé", None, None, None, None, None]
    bonus[h.index("Date")] = float((dt.date(2026, 10, 31) - dt.date(1899, 12, 30)).days)
    assert book.add_table_rows(t, [bonus]) is not None
    book.save()
    csv.write_text(head + "".join(line.replace(f";{1000 + n}", f";{1100 + n}") for n, line in enumerate(crew)),
                   encoding="utf-8")
    s = _import(path, csv)
    amounts = [r[h.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows]
    assert amounts == [1100 + n for n in range(8)] + [500] and not [i for i in s.issues if i.code == "DEP047"]
    said = [i.message for i in s.issues if i.code == "DEP049"]  # the corrections taken, the typed row named
    assert len(said) == 1 and said[0].startswith("8 montants corrigés par le fichier") and "lignes sans clé 13" in said[0]


def test_a_split_whose_copy_lost_its_key_and_its_label_is_corrected_and_said(tmp_path):
    """The copy relabelled as well as keyless: nothing tells it from a row of its own under the document, so the
    correction is taken, and said (1,600 € counted for 1,200 € without a word)."""
    path, _ = _split_invoice(tmp_path, keep_key=False)
    _type(path, {(2, "Libellé"): "Caméra et objectifs (essais)"})
    s = _import(path, _fec(tmp_path, "f.txt", [("HA1", "20261001", "61357101", "Caméra et objectifs", "1200,00", "")]))
    h = L.DEPENSES_HEADERS
    assert sorted(r[h.index("Montant HT")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows) == [400.0, 1200.0]
    assert [i.location.cell for i in s.issues if i.code == "DEP049"] == ["A5"]


def test_every_row_whose_correction_is_withheld_is_said_beyond_the_first_five(tmp_path):
    path = _workbook_for_import(tmp_path)
    invoices = [(f"HA{n}", "20261001", "61357101", f"Location {n}", "1000,00", "") for n in range(1, 8)]
    _import(path, _fec(tmp_path, "f.txt", invoices))
    book = XlsxFile(path)
    h = L.DEPENSES_HEADERS
    copies = []
    for row in book.table(L.TABLE_DEPENSES).rows:  # each split, its copy's key cleared
        copy = list(row)
        copy[h.index("Montant HT")], copy[h.index("Clé d'import")], copy[h.index("Montant EUR")] = 400.0, None, None
        copy[h.index("Date")] = float((copy[h.index("Date")] - dt.date(1899, 12, 30)).days)
        copies.append(copy)
    assert book.add_table_rows(book.table(L.TABLE_DEPENSES), copies) is not None
    book.save()
    s = _import(path, _fec(tmp_path, "f.txt", [(*i[:4], "1200,00", "") for i in invoices]))
    said = [i.message for i in s.issues if i.code == "DEP047"]
    assert len(said) == 6 and said[5].startswith("2 autres lignes dont le fichier change le montant") and \
        "lignes 10, 11." in said[5]


def test_rows_a_corrected_fec_no_longer_has_are_recalled_by_every_check_until_seen_to(tmp_path, capsys):
    """DEP031 was said by the import alone: the next check forgot it, and an invoice the accountant cancelled
    stayed counted with no trace left."""
    path = _workbook_for_import(tmp_path)
    entries = [("HA1", "20261001", "61357101", "Caméra", "1000,00", ""), ("HA2", "20261002", "61357101", "Grue", "300,00", ""),
               ("HA3", "20261003", "61357101", "Dolly", "200,00", "")]
    _import(path, _fec(tmp_path, "FEC.txt", entries))
    assert main(["import", str(path), str(_fec(tmp_path, "FEC.txt", [entries[0], entries[2]]))]) == 0
    out = capsys.readouterr().out
    assert "DEP031" in out and "DEP048" not in out  # the import itself said it
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "dep.xlsx!Imports!N6: avertissement DEP048: Le dernier import de FEC.txt (le " in out
    assert "n'avait plus 1 ligne importée avant : ligne 6 de Dépenses. Elle reste comptée." in out
    _import(path, _fec(tmp_path, "FEC.txt", entries))  # the entry back in the accounts
    assert main(["check", str(path)]) == 0
    assert "DEP048" not in capsys.readouterr().out


@pytest.mark.libreoffice
def test_montant_eur_of_a_rate_no_fifteen_digit_decimal_gives_back_is_libreoffices(tmp_path, libreoffice):
    """A rate typed =1/0.8576 (euros per dollar from an ECB quote) is a double of 17 digits: read to 15, 2,68 × it
    was 3,12 where the sheet's formula gives 3,13, and xlprod wrote 3,12 back over LibreOffice's figure."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "usd.csv"
    csv.write_text("Date;N° pièce;Libellé;Montant HT;Devise;Taux de change\r\n01/10/2026;U1;Objectif;2,68;USD;1,17\r\n"
                   "02/10/2026;U2;Filtre;4,71;USD;1,99\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    _type(path, {(1, "Taux de change"): 1 / 0.8576, (2, "Taux de change"): 1 / 0.5024})
    recalc(path)
    h = L.DEPENSES_HEADERS
    assert [r[h.index("Montant EUR")] for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows] == [3.13, 9.38]
    assert grid_differences(path, recalculate_with_libreoffice(path, tmp_path / "lo")) == []


def test_a_csv_line_moved_to_another_ledger_account_keeps_its_row_and_a_new_line_there_takes_none(tmp_path):
    """The camera line reclassified from 6135 to 6061 and a new 400 € line on 6135: the new line took the camera's
    row (« payé » with it) and the camera came in again as a new row; two crew members paid alike on 6411, the rows
    relabelled by the user, the first's pay corrected: the correction went to the second's row."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "export.csv"
    head = "Date;N° pièce;Fournisseur;Compte;Libellé;Montant HT\r\n"
    csv.write_text(head + "02/10/2026;F-5;TSF;61357101;Location caméra Alexa;1000\r\n"
                   "02/10/2026;F-5;TSF;60610000;Consommables;150\r\n"
                   "31/10/2026;PAIE-10;Paie;64110000;Salaire assistant;2000\r\n"
                   "31/10/2026;PAIE-10;Paie;64110000;Salaire assistant;2000\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    _type(path, {(1, "Statut"): "payé", (3, "Libellé"): "Salaire Dupont", (4, "Libellé"): "Salaire Martin"})
    csv.write_text(head + "02/10/2026;F-5;TSF;60610000;Location caméra Alexa;1000\r\n"
                   "02/10/2026;F-5;TSF;60610000;Consommables;150\r\n"
                   "02/10/2026;F-5;TSF;61357101;Location objectifs;400\r\n"
                   "31/10/2026;PAIE-10;Paie;64110000;Salaire assistant;2150\r\n"
                   "31/10/2026;PAIE-10;Paie;64110000;Salaire assistant;2000\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    h = L.DEPENSES_HEADERS
    rows = [(r[h.index("Libellé")], r[h.index("Compte général")], r[h.index("Montant HT")], r[h.index("Statut")])
            for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows]
    assert rows == [("Location caméra Alexa", "60610000", 1000, "payé"), ("Consommables", "60610000", 150, "engagé"),
                    ("Salaire Dupont", "64110000", 2150, "engagé"), ("Salaire Martin", "64110000", 2000, "engagé"),
                    ("Location objectifs", "61357101", 400, "engagé")]


def test_a_new_line_on_another_account_takes_no_corrected_lines_row(tmp_path):
    """An expense report's taxi (paid, devis account 6202) corrected from 45 to 52 €, and a parking line of 45 € added
    under the same repeated label: the parking line took the taxi's row and its « payé »."""
    line = "03/10/2026;NDF-03;Régisseur;{};Note de frais octobre;{}"
    path = _reimport(tmp_path, "Date;N° pièce;Fournisseur;Compte;Libellé;Montant HT\r\n",
                     [line.format(62516201, 45), line.format(62560000, 30)], {(1, "Statut"): "payé", (1, "Compte devis"): "6202"},
                     [line.format(62516201, 52), line.format(62560000, 30), line.format(62570000, 45)])
    h = L.DEPENSES_HEADERS
    rows = [(r[h.index("Compte général")], r[h.index("Montant HT")], r[h.index("Statut")], r[h.index("Compte devis")])
            for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows]
    assert rows[0] == ("62516201", 52, "payé", "6202") and rows[2][:3] == ("62570000", 45, "engagé")


def test_montant_eur_of_an_amount_typed_as_text_and_a_long_rate_is_the_sheets_at_once(tmp_path):
    """« 2,68 » typed as text (converted) and a rate =1/0.8576: computed from the 15-digit rate, 3,12 for one
    recalculation where the sheet's formula gives 3,13."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "usd.csv"
    csv.write_text("Date;N° pièce;Libellé;Montant HT;Devise;Taux de change\r\n01/10/2026;U1;Objectif;2;USD;1,17\r\n",
                   encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    _type(path, {(1, "Montant HT"): "2,68", (1, "Taux de change"): 1 / 0.8576})
    recalc(path)
    h = L.DEPENSES_HEADERS
    assert XlsxFile(path).table(L.TABLE_DEPENSES).rows[0][h.index("Montant EUR")] == 3.13


def test_a_row_gone_from_a_file_stays_recalled_when_the_next_file_of_that_name_holds_other_documents(tmp_path, capsys):
    """Monthly exports all named « export.csv »: October's re-export lost F-118's generator line (DEP031), then
    November's, with F-131 alone, cleared the recall while the 2,400 € row stayed counted. A row the user deletes is
    no longer recalled."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "export.csv"
    head = "Date;N° pièce;Fournisseur;Libellé;Montant HT\r\n"
    csv.write_text(head + "05/10/2026;F-118;Loueur;Groupe électrogène;2400\r\n05/10/2026;F-118;Loueur;Câbles;300\r\n",
                   encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    csv.write_text(head + "05/10/2026;F-118;Loueur;Câbles;300\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    csv.write_text(head + "04/11/2026;F-131;Loueur;Nacelle;900\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    capsys.readouterr()
    assert main(["check", str(path)]) == 0
    assert "DEP048: Le dernier import de export.csv (le " in capsys.readouterr().out
    book = XlsxFile(path)  # the user deletes the row: the generator line's key is gone
    t = book.table(L.TABLE_DEPENSES)
    plan = WritePlan()
    plan.sheet(t.sheet).set(t.header_row + 1, t.first_col + t.headers.index("Clé d'import"), CellWrite(None))
    book.apply(plan)
    book.save()
    assert main(["check", str(path)]) == 0
    assert "DEP048" not in capsys.readouterr().out


def test_a_history_made_before_its_last_column_still_writes_each_import(tmp_path, monkeypatch, capsys):
    """A workbook whose Imports table predates « Clés disparues »: every import said DEP045 and wrote nothing, and a
    refused line was never recalled."""
    monkeypatch.setattr(L, "IMPORTS_COLUMNS", tuple(c for c in L.IMPORTS_COLUMNS if c.header != "Clés disparues"))
    path = _workbook_for_import(tmp_path)
    monkeypatch.undo()
    csv = tmp_path / "octobre.csv"
    csv.write_text("Date;Libellé;Montant HT\r\n01/10/2026;Caméra;100,00\r\n32/10/2026;Grue;50,00\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 1
    assert "DEP045" not in capsys.readouterr().out
    assert len(XlsxFile(path).table(L.TABLE_IMPORTS).rows) == 1
    assert main(["check", str(path)]) == 0
    assert "DEP044" in capsys.readouterr().out


def test_a_line_moved_to_another_account_keeps_its_row_when_the_line_there_is_corrected(tmp_path):
    """« Réparation nacelle » (paid) moved from 6155 to 6135, where « Nacelle » is corrected from 500 to 450: the moved
    line took Nacelle's row by account and amount, the paid row became 450 €."""
    path = _reimport(tmp_path, "Date;N° pièce;Fournisseur;Compte;Libellé;Montant HT\r\n",
                     ["05/10/2026;F-50;Loxam;61350000;Nacelle;500", "05/10/2026;F-50;Loxam;61550000;Réparation nacelle;500"],
                     {(2, "Statut"): "payé"},
                     ["05/10/2026;F-50;Loxam;61350000;Nacelle;450", "05/10/2026;F-50;Loxam;61350000;Réparation nacelle;500"])
    h = L.DEPENSES_HEADERS
    rows = [(r[h.index("Libellé")], r[h.index("Montant HT")], r[h.index("Statut")])
            for r in XlsxFile(path).table(L.TABLE_DEPENSES).rows]
    assert rows == [("Nacelle", 450, "engagé"), ("Réparation nacelle", 500, "payé")]


@pytest.mark.libreoffice
def test_montant_eur_of_an_amount_typed_as_a_formula_without_a_rate_is_libreoffices(tmp_path, libreoffice):
    """A mileage allowance typed =935*0,603-500 and no rate: rounded from its 15-digit reading, 63,80 where the
    sheet's formula gives 63,81."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "km.csv"
    csv.write_text("Date;N° pièce;Libellé;Montant HT\r\n01/10/2026;IK-1;Indemnités kilométriques;60\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    _type(path, {(1, "Montant HT"): 935 * 0.603 - 500})
    recalc(path)
    h = L.DEPENSES_HEADERS
    assert XlsxFile(path).table(L.TABLE_DEPENSES).rows[0][h.index("Montant EUR")] == 63.81
    assert grid_differences(path, recalculate_with_libreoffice(path, tmp_path / "lo")) == []


def test_a_sorted_history_carries_the_gone_rows_of_the_files_latest_import(tmp_path, capsys):
    """The history sorted newest first: the keys carried over were the bottom-most row's, and the gone 2,400 € row
    was recalled no more."""
    path = _workbook_for_import(tmp_path)
    head = "Date;N° pièce;Fournisseur;Libellé;Montant HT\r\n"
    october = head + "05/10/2026;F-118;Loueur;Groupe électrogène;2400\r\n05/10/2026;F-118;Loueur;Câbles;300\r\n"
    for text, when in ((october, dt.datetime(2026, 10, 31, 9)),
                       (head + "05/10/2026;F-118;Loueur;Câbles;300\r\n", dt.datetime(2026, 11, 2, 9))):
        book = XlsxFile(path)
        import_ledger(book, text.encode(), "export.csv", when)
        book.save()
    book = XlsxFile(path)  # sorted newest first, by hand
    t = book.table(L.TABLE_IMPORTS)
    plan = WritePlan()
    for n, row in enumerate(reversed(t.rows)):
        for j, value in enumerate(row):
            plan.sheet(t.sheet).set(t.header_row + 1 + n, t.first_col + j,
                                    CellWrite(value if not isinstance(value, dt.datetime) else
                                              (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400))
    book.apply(plan)
    book.save()
    book = XlsxFile(path)
    import_ledger(book, (head + "04/11/2026;F-131;Loueur;Nacelle;900\r\n").encode(), "export.csv",
                  dt.datetime(2026, 11, 30, 9))
    book.save()
    capsys.readouterr()
    assert main(["check", str(path)]) == 0
    assert "DEP048: Le dernier import de export.csv (le 30/11/2026 à 09:00)" in capsys.readouterr().out


def test_every_gone_row_is_kept_in_the_history_as_far_as_a_cell_holds_them(tmp_path, capsys):
    """230 payroll lines, the re-export keeping one: 200 were recalled, the other 29 (2,900 €) counted without a word."""
    path = _workbook_for_import(tmp_path)
    csv = tmp_path / "paie.csv"
    head = "Date;N° pièce;Fournisseur;Compte;Libellé;Montant HT\r\n"
    csv.write_text(head + "".join(f"31/10/2026;PAIE-10;Paie;64110000;Salaire {n};100\r\n" for n in range(230)),
                   encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    csv.write_text(head + "31/10/2026;PAIE-10;Paie;64110000;Salaire 0;100\r\n", encoding="utf-8")
    assert main(["import", str(path), str(csv)]) == 0
    capsys.readouterr()
    assert main(["check", str(path)]) == 0
    assert "n'avait plus 229 lignes importées avant" in capsys.readouterr().out


def test_gone_keys_beyond_what_a_cell_holds_are_said():
    from xlprod.kinds.depenses.import_summary import ImportSummary
    from xlprod.kinds.depenses.importer import _kept

    summary = ImportSummary(file="paie.csv", detection="CSV")
    assert _kept(["A" * 20_000, "B" * 20_000, "C" * 5], summary) == "A" * 20_000
    assert [(i.code, i.message.split(" de plus")[0]) for i in summary.issues] == [("DEP045", "2 lignes disparues")]
