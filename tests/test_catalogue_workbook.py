"""The catalogue workbook (issue 11): its contract, the recalculation on the sample catalogue, the
corrections applied on demand, avails, statements, LibreOffice's agreement, bad input."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import cents
from xlprod.cli import main
from xlprod.core.location import column_letter
from xlprod.kinds.catalogue import layout as L
from xlprod.kinds.catalogue.actions import query_avails
from xlprod.kinds.catalogue.builder import CatalogueInputs, build_catalogue
from xlprod.kinds.catalogue.demo import REFERENCE, demo_inputs
from xlprod.kinds.catalogue.recalc import CatalogueSummary
from xlprod.services import recalculate, run_action
from xlprod.workbook.libreoffice import recalculate_with_libreoffice
from xlprod.workbook.xlsx_file import XlsxFile

NOW = dt.datetime.combine(REFERENCE, dt.time(9))


def recalc(path: Path, write: bool = True):
    book = XlsxFile(path)
    report = recalculate(book, now=NOW)
    if write:
        book.save()
    return report


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("catalogue") / "catalogue.xlsx"
    build_catalogue(path, demo_inputs())
    recalc(path)
    return path


@pytest.fixture
def copy(sample, tmp_path) -> Path:
    return Path(shutil.copy(sample, tmp_path / "catalogue.xlsx"))


def small(path: Path, **parts) -> Path:
    """A catalogue of a few rows, given by table (dicts by header) and parameters."""
    inputs = CatalogueInputs(title="Essai", works=parts.get("works", []), rights=parts.get("rights", []),
                             receipts=parts.get("receipts", []), shares=parts.get("shares", []),
                             parameters=parts.get("parameters", {}))
    if "groups" in parts:
        inputs.groups = parts["groups"]
    build_catalogue(path, inputs)
    return path


def codes_at(report) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for issue in report.issues:
        out.setdefault(issue.code, []).append(str(issue.location.in_sheet()))
    return out


# -- contract ----------------------------------------------------------------------------------------------

def test_a_new_catalogue_carries_its_tables_headers_and_names(tmp_path):
    assert main(["new", "catalogue", str(tmp_path / "c.xlsx")]) == 0
    book = XlsxFile(tmp_path / "c.xlsx")
    for name, headers in ((L.TABLE_OEUVRES, L.OEUVRES_HEADERS), (L.TABLE_DROITS, L.DROITS_HEADERS),
                          (L.TABLE_RECETTES, L.RECETTES_HEADERS), (L.TABLE_AYANTS, L.AYANTS_HEADERS),
                          (L.TABLE_TERRITOIRES, L.TERRITOIRES_HEADERS), (L.TABLE_PARAMETRES, L.PARAM_COLUMNS)):
        table = book.table(name)
        assert table is not None and tuple(table.headers) == headers, name
    names = book.defined_names()
    for name in ("CATALOGUE_OEUVRES", "CATALOGUE_ERREURS", "CATALOGUE_AVERTISSEMENTS", "CATALOGUE_CONFLITS",
                 "CATALOGUE_EXPIRATIONS", "CATALOGUE_RNPP", "CATALOGUE_PERIODE", "XLPROD_TYPE",
                 *(n for _, n, *_ in L.PARAMETERS)):
        assert name in names, name
    assert book.kind() == "catalogue"
    assert book.named_cell("CATALOGUE_OEUVRES")[0] == 0


def test_the_sample_catalogue_has_a_few_hundred_works_with_rights_receipts_and_statements(sample):
    book = XlsxFile(sample, for_writing=False)
    assert book.named_cell("CATALOGUE_OEUVRES")[0] == 320
    assert book.named_cell("CATALOGUE_DROITS")[0] > 1200
    assert book.named_cell("CATALOGUE_CONFLITS")[0] >= 1
    assert book.named_cell("CATALOGUE_EXPIRATIONS")[0] >= 1
    assert book.named_cell("CATALOGUE_RNPP")[0] > 0
    assert book.named_cell("CATALOGUE_DISPONIBLES")[0] > 300
    grid = book._grid(L.SHEET_RELEVES)
    assert any(row and str(row[0]).startswith("Relevé de Nord-Ouest Productions") for row in grid)


def test_planted_problems_are_found_at_their_cells(copy):
    report = recalc(copy)
    at = codes_at(report)
    assert "Œuvres!K8" in at["CAT020"]  # the ISAN with a wrong check character
    assert "Œuvres!B16" in at["CAT023"]  # a title missing
    assert at["CAT027"]  # « LES ENFANTS DU PARADIS » and « Enfants du paradis (Les) », same year
    assert at["CAT025"]  # the same ISAN twice
    assert at["CAT003"] and at["CAT004"] and at["CAT006"]  # overlap, beyond acquisition, chronologie
    assert any(x.startswith("Droits!D") for x in at["CAT008"])  # « Belgistan »
    assert any(x.startswith("Recettes!F") for x in at["CAT062"])  # a commission over its cap
    proposed = {x for x in at["CAT060"]}
    assert {"Œuvres!F12", "Œuvres!G13", "Œuvres!R14", "Œuvres!B15", "Œuvres!B10", "Œuvres!L9"} <= proposed
    book = XlsxFile(copy, for_writing=False)
    assert book.named_cell("CATALOGUE_ERREURS")[0] == report.errors > 0
    assert book.named_cell("CATALOGUE_AVERTISSEMENTS")[0] == report.warnings


def test_recalculating_twice_gives_the_same_figures(copy):
    first = recalc(copy).to_json()
    second = recalc(copy).to_json()
    assert first == second


# -- corrections -------------------------------------------------------------------------------------------

def test_fix_lists_without_changing_then_applies_and_lists_what_changed(copy, capsys):
    before = copy.read_bytes()
    assert main(["fix", str(copy)]) == 1  # the sample has errors
    listed = capsys.readouterr().out
    assert "6 corrections proposée(s), fichier inchangé" in listed
    assert copy.read_bytes() == before
    main(["fix", str(copy), "--apply"])
    out = capsys.readouterr().out
    assert "« 103.00 minutes » → « 103 »" in out and "« France, Belgique » → « FR, BE »" in out
    book = XlsxFile(copy, for_writing=False)
    works = book.table(L.TABLE_OEUVRES)
    row = works.rows[12 - L.HEADER_ROW - 1]
    assert row[works.headers.index("Durée (min)")] == 103
    assert works.rows[13 - 5][works.headers.index("Pays")] == "FR, BE"
    released = works.rows[14 - 5][works.headers.index("Sortie France")]
    assert released in (dt.datetime(1998, 6, 12), dt.date(1998, 6, 12), 35958.0)
    assert book.named_cell("CATALOGUE_CORRECTIONS")[0] == 0
    assert main(["fix", str(copy)]) == 1
    assert "0 correction proposée(s)" in capsys.readouterr().out


# -- avails ------------------------------------------------------------------------------------------------

def test_avails_cli_answers_with_the_blocking_grant(copy, capsys):
    code = main(["avails", str(copy), "--territory", "BE", "--media", "SVOD", "--from", "2027-03-01",
                 "--to", "2027-05-31", "--json"])
    assert code == 1  # one rights line cannot be read (« Belgistan »): said, not hidden
    data = json.loads(capsys.readouterr().out)
    assert data["works"] == 320 and data["free"] == sum(a["free"] for a in data["avails"])
    blocked = {a["work"]: a for a in data["avails"] if not a["free"]}
    assert "Proximus" in blocked["CAT-00025"]["reason"] and blocked["CAT-00025"]["blocking_rows"]
    assert data["unread_rights"][0]["code"] == "CAT008"


def test_avails_from_the_workbook_use_its_own_territory_groups(tmp_path):
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un"}],
                 rights=[{"Œuvre": "A1", "Partenaire": "Prod", "Sens": "acquis", "Territoires": "Marché belge",
                          "Médias": "SVOD", "Début": dt.date(2026, 1, 1), "Fin": dt.date(2030, 12, 31),
                          "Exclusif": "oui"}],
                 groups=[("Marché belge", "BE, LU", "")])
    report = recalc(path)
    assert "CAT008" not in codes_at(report)
    answer, _ = query_avails(XlsxFile(path, for_writing=False), "Marché belge", "SVOD", dt.date(2027, 1, 1),
                             dt.date(2027, 3, 31))
    assert [a.free for a in answer.avails] == [True]
    answer, _ = query_avails(XlsxFile(path, for_writing=False), "FR", "SVOD", dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    assert [a.free for a in answer.avails] == [False]


def test_a_bad_territory_group_is_located_in_the_territoires_table(tmp_path):
    path = small(tmp_path / "c.xlsx", groups=[("Mon groupe", "BE, Atlantide", "")])
    report = recalc(path, write=False)
    assert codes_at(report)["CAT063"] == ["Territoires!B5"]


# -- receipts and statements -------------------------------------------------------------------------------

def _receipt(**kw) -> dict:
    base = {"Œuvre": "A1", "Période": "2026-T1", "Exploitation": "Salles (France)", "Territoire": "FR",
            "Recettes brutes": 0.0, "Commission": 0.0, "Frais": 0.0, "MG récupéré": 0.0,
            "Préachat finançant": "non", "Petite vente TV": "non"}
    return {**base, **kw}


def test_statement_recoups_the_mg_over_periods_as_computed_by_hand(tmp_path):
    # T1: salles 100 000, commission 25 000 (the cap), costs 5 000 -> RNPP 70 000; holder 30 % -> 21 000,
    #     all recouping the MG of 30 000 (9 000 left), nothing due.
    # T2: VOD 150 000, commission 40 000 (cap 30 000 + 10 000 = 40 000), costs 0 -> RNPP 110 000; 30 % -> 33 000;
    #     9 000 recoups the rest of the MG, 24 000 due.
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un"}],
                 receipts=[_receipt(**{"Recettes brutes": 100_000.0, "Commission": 25_000.0, "Frais": 5_000.0}),
                           _receipt(**{"Période": "2026-T2", "Exploitation": "VOD (TVOD, SVOD, paiement à la séance)",
                                       "Recettes brutes": 150_000.0, "Commission": 40_000.0})],
                 shares=[{"Ayant droit": "Coprod SA", "Œuvre": "A1", "Part": 0.3, "Minimum garanti": 30_000.0}],
                 parameters={"periode": "2026-T2"})
    report = recalc(path)
    summary = report.summary
    assert isinstance(summary, CatalogueSummary)
    (s,) = summary.statements
    assert (s.rnpp, s.holder_share, s.mg_recouped, s.balance) == (Decimal(110_000), Decimal(33_000), Decimal(9_000),
                                                                  Decimal(24_000))
    assert "CAT062" not in codes_at(report)
    book = XlsxFile(path, for_writing=False)
    assert book.named_cell("CATALOGUE_RNPP")[0] == 110_000
    rec = book.table(L.TABLE_RECETTES)
    assert [r[rec.headers.index("Plafond commission")] for r in rec.rows] == [25_000, 40_000]


def test_commission_caps_on_hand_computed_rows(tmp_path):
    rows = [  # exploitation, gross, commission, financed pre-sale, small TV sale -> cap
        ("Salles avec minimum garanti", 10_000.0, 3_600.0, "non", "non", Decimal("3500.00")),
        ("VOD (TVOD, SVOD, paiement à la séance)", 250_000.0, 0.0, "non", "non", Decimal("57500.00")),  # 30+20+7.5 k
        ("VOD (TVOD, SVOD, paiement à la séance)", 300_001.0, 0.0, "non", "non", cents(Decimal("300001") * Decimal("0.15"))),
        ("Télévision", 40_000.0, 0.0, "non", "oui", Decimal("6000.00")),
        ("Télévision", 400_000.0, 1.0, "oui", "non", Decimal("0")),
        ("Étranger (vendeur international)", 1_234.57, 0.0, "non", "non", cents(Decimal("1234.57") * Decimal("0.25"))),
    ]
    path = small(tmp_path / "c.xlsx", receipts=[
        _receipt(**{"Exploitation": e, "Recettes brutes": g, "Commission": c, "Préachat finançant": f,
                    "Petite vente TV": t}) for e, g, c, f, t, _ in rows])
    report = recalc(path)
    rec = XlsxFile(path, for_writing=False).table(L.TABLE_RECETTES)
    caps = [Decimal(str(r[rec.headers.index("Plafond commission")])) for r in rec.rows]
    assert caps == [cap for *_, cap in rows]
    over = [x for x in codes_at(report).get("CAT062", [])]
    assert over == ["Recettes!F5", "Recettes!F9"]  # 100 € over the MG cap; 1 € on a pre-sale that financed the film


def test_statements_export_writes_one_csv_per_holder_neutralised(copy, tmp_path):
    book = XlsxFile(copy)
    report = run_action(book, "releves", now=NOW)
    folder = copy.parent / "releves-2026-T3"
    files = sorted(folder.glob("*.csv"))
    assert len(files) == 2 == len(report.summary.statements)
    text = files[0].read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Ayant droit;Période;Œuvre;Titre;Part;Recettes brutes;Commissions;"
                                           "Commissions retenues")
    assert "Total" in text
    first = text.splitlines()[1].split(";")
    assert first[3] and all(x.endswith((",00",)) or "," in x for x in first[5:8])  # amounts to the cent, French


# -- LibreOffice -------------------------------------------------------------------------------------------

def shown(table, i: int, j: int) -> object:
    """What a cell shows: "" for a formula whose cached result is the empty text."""
    from xlprod.core.cells import EmptyTextResult

    return "" if isinstance(table.specials.get((i, j)), EmptyTextResult) else table.rows[i][j]


def differences(ours: Path, theirs: Path) -> list[str]:
    a, b = XlsxFile(ours, for_writing=False), XlsxFile(theirs, for_writing=False)
    out = []
    for name in ("CATALOGUE_OEUVRES", "CATALOGUE_RNPP"):
        x, y = a.named_cell(name)[0], b.named_cell(name)[0]
        if not (isinstance(x, int | float) and isinstance(y, int | float) and abs(x - y) < 0.005):
            out.append(f"{name}: {x!r} / {y!r}")
    ta, tb = a.table(L.TABLE_RECETTES), b.table(L.TABLE_RECETTES)
    for header in ("Plafond commission", "Dépassement", "RNPP"):
        j = ta.headers.index(header)
        for i, (x, y) in enumerate(zip(ta.rows, tb.rows, strict=True)):
            if shown(ta, i, j) == "" and shown(tb, i, j) == "":
                continue  # no RNPP for an exploitation the protocol does not know, in both
            if not (isinstance(x[j], int | float) and isinstance(y[j], int | float) and abs(x[j] - y[j]) < 0.005):
                out.append(f"Recettes row {i + 5} {header}: {x[j]!r} / {y[j]!r}")
    return out


@pytest.mark.libreoffice
def test_libreoffice_agrees_with_xlprod_on_caps_rnpp_and_names(sample, tmp_path, libreoffice):
    theirs = recalculate_with_libreoffice(sample, tmp_path / "lo")
    assert differences(sample, theirs) == []
    # the comparison sees a change: a commission edited without recalculating xlprod's cached values
    edited = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(sample)
    ws = wb[L.SHEET_RECETTES]
    ws.cell(row=5, column=L.RECETTES_HEADERS.index("Commission") + 1).value = 999_999.0
    wb.save(edited)
    assert any("row 5" in d for d in differences(sample, recalculate_with_libreoffice(edited, tmp_path / "lo2")))


# -- bad input ---------------------------------------------------------------------------------------------

def test_unreadable_receipts_are_located_and_counted_as_the_formulas_count_them(tmp_path):
    path = small(tmp_path / "c.xlsx", receipts=[_receipt(**{"Recettes brutes": "beaucoup", "Commission": "1 000,50"}),
                                                  _receipt(**{"Exploitation": "cirque"}),
                                                  _receipt(**{"Préachat finançant": "peut-être"})])
    report = recalc(path)
    at = codes_at(report)
    assert "Recettes!E5" in at["CAT064"] and "Recettes!F5" in at["CAT064"]
    assert at["CAT061"] == ["Recettes!C6"] and at["CAT065"] == ["Recettes!I7"]
    rec = XlsxFile(path, for_writing=False).table(L.TABLE_RECETTES)
    assert rec.rows[0][rec.headers.index("Commission")] == 1000.5  # a number typed as text, written back as a number
    assert rec.rows[0][rec.headers.index("RNPP")] == 0  # a gross read 0 has a cap of 0: no commission deducted
    assert rec.rows[0][rec.headers.index("Dépassement")] == 1000.5


def test_a_deleted_summary_sheet_comes_back_and_a_missing_column_is_refused(copy, tmp_path):
    wb = openpyxl.load_workbook(copy)
    del wb[L.SHEET_SYNTHESE]
    wb.save(copy)
    report = recalc(copy)
    assert "CAT070" in codes_at(report)
    assert XlsxFile(copy, for_writing=False).named_cell("CATALOGUE_OEUVRES")[0] == 320
    wb = openpyxl.load_workbook(copy)
    ws = wb[L.SHEET_DROITS]
    ws.cell(row=L.HEADER_ROW, column=L.DROITS_HEADERS.index("Médias") + 1).value = "Supports"
    ws.tables[L.TABLE_DROITS].tableColumns[L.DROITS_HEADERS.index("Médias")].name = "Supports"  # as Excel renames it
    wb.save(copy)
    report = recalc(copy, write=False)
    assert codes_at(report)["CAT069"] == ["Droits!A4"]


def test_dates_and_numbers_typed_as_text_in_rights_are_read_or_located(tmp_path):
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un"}], rights=[
        {"Œuvre": "A1", "Partenaire": "P", "Sens": "acquis", "Territoires": "FR", "Médias": "SVOD",
         "Début": "01/01/2026", "Fin": "Jun 12 2030", "Exclusif": "oui"},
        {"Œuvre": "A1", "Partenaire": "P", "Sens": "vendu?", "Territoires": "FR", "Médias": "SVOD",
         "Début": "le 3", "Fin": dt.date(2030, 1, 1), "Exclusif": "oui"}])
    report = recalc(path)
    at = codes_at(report)
    assert at["CAT044"] == ["Droits!C6"] and at["CAT041"] == ["Droits!F6"]
    assert XlsxFile(path, for_writing=False).named_cell("CATALOGUE_DROITS")[0] == 2


# -- exchange through the workbook -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "json", "avails"])
def test_export_then_import_into_a_new_catalogue_gives_the_same_rights(copy, tmp_path, fmt, capsys):
    out = tmp_path / "out"
    main(["export", str(copy), "--format", fmt, "--out", str(out)])
    target = tmp_path / "neuf.xlsx"
    assert main(["new", "catalogue", str(target)]) == 0
    files = sorted(out.iterdir())
    for path in files:
        if path.suffix != ".xml":  # avails: the workbook and the XML carry the same rights, one is enough
            main(["import", str(target), str(path)])
    capsys.readouterr()
    ours = query_avails(XlsxFile(copy, for_writing=False), "FR", "SVOD", dt.date(2027, 6, 1), dt.date(2027, 8, 31))[0]
    theirs = query_avails(XlsxFile(target, for_writing=False), "FR", "SVOD", dt.date(2027, 6, 1),
                          dt.date(2027, 8, 31))[0]
    if fmt == "avails":  # only grants on VOD media travel as avails: they come back as they were
        from xlprod.kinds.catalogue.recalc import read
        from xlprod.kinds.catalogue.rights import Media

        vod = {Media.SVOD, Media.AVOD, Media.TVOD}

        def grants(path):
            cat, _, _ = read(XlsxFile(path, for_writing=False), [])
            return {(r.work, r.partner, r.start, r.end, r.exclusive, frozenset(r.territories), frozenset(r.media))
                    for r in cat.rights if r.granted and r.media <= vod}

        sent = grants(copy)
        assert len(sent) > 300 and grants(target) == sent
    else:
        assert [(a.work, a.free) for a in ours.avails] == [(a.work, a.free) for a in theirs.avails]
    # importing the same file again adds nothing
    main(["import", str(target), str(files[0])])
    assert "0 ajoutée(s)" in capsys.readouterr().out


def test_exported_text_cannot_run_as_a_formula(tmp_path):
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "=HYPERLINK(\"http://x\")"}])
    main(["export", str(path), "--out", str(tmp_path / "out")])
    text = (tmp_path / "out" / "oeuvres.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text


# -- what the reviews found -------------------------------------------------------------------------------

def test_rows_typed_under_a_table_are_errors_at_their_row(copy):
    wb = openpyxl.load_workbook(copy)
    ws = wb[L.SHEET_DROITS]
    last = ws.max_row
    ws.cell(row=last + 2, column=1).value = "CAT-00001"
    ws.cell(row=last + 2, column=2).value = "Hors tableau"
    wb.save(copy)
    report = recalc(copy, write=False)
    assert codes_at(report)["CAT073"] == [f"Droits!A{last + 2}"]


def test_unknown_works_and_shares_over_a_hundred_percent(tmp_path):
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un"}],
                 rights=[{"Œuvre": "Z9", "Partenaire": "P", "Sens": "acquis", "Territoires": "FR", "Médias": "SVOD",
                          "Début": dt.date(2026, 1, 1), "Fin": dt.date(2027, 1, 1), "Exclusif": "oui"}],
                 shares=[{"Ayant droit": "A", "Œuvre": "A1", "Part": 0.8}, {"Ayant droit": "B", "Œuvre": "A1", "Part": 0.5}])
    at = codes_at(recalc(path, write=False))
    assert at["CAT072"] == ["Droits!A5"]
    assert at["CAT067"] == ["'Ayants droit'"]


def test_a_signatory_platform_has_its_own_window_of_the_chronologie(tmp_path):
    release = dt.date(2025, 3, 4)
    grant = {"Sens": "cédé", "Territoires": "FR", "Médias": "SVOD", "Début": dt.date(2026, 6, 10),  # 15 months after
             "Fin": dt.date(2027, 6, 1), "Exclusif": "non"}
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un", "Sortie France": release}],
                 rights=[{"Œuvre": "A1", "Partenaire": "Films", "Sens": "acquis", "Territoires": "Monde",
                          "Médias": "tous médias", "Début": dt.date(2024, 1, 1), "Fin": dt.date(2035, 1, 1),
                          "Exclusif": "oui"},
                         {"Œuvre": "A1", "Partenaire": "Netflix", **grant},
                         {"Œuvre": "A1", "Partenaire": "Prime Video", **grant}])
    assert codes_at(recalc(path, write=False))["CAT006"] == ["Droits!A7"]  # Prime Video: 17 months; Netflix: 15


def test_avails_in_france_wait_for_the_window_of_the_chronologie(tmp_path):
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un", "Sortie France": dt.date(2026, 3, 4)}],
                 rights=[{"Œuvre": "A1", "Partenaire": "Films", "Sens": "acquis", "Territoires": "Monde",
                          "Médias": "tous médias", "Début": dt.date(2024, 1, 1), "Fin": dt.date(2035, 1, 1),
                          "Exclusif": "oui"}])
    book = XlsxFile(path, for_writing=False)
    early = query_avails(book, "FR", "SVOD", dt.date(2027, 3, 1), dt.date(2027, 5, 31))[0].avails[0]
    assert not early.free and "chronologie des médias" in early.reason and "04/08/2027" in early.reason
    assert query_avails(book, "BE", "SVOD", dt.date(2027, 3, 1), dt.date(2027, 5, 31))[0].avails[0].free
    assert query_avails(book, "FR", "SVOD", dt.date(2027, 8, 4), dt.date(2027, 9, 30))[0].avails[0].free


def test_a_statement_period_typed_as_a_date_is_said(tmp_path):
    path = small(tmp_path / "c.xlsx", parameters={"periode": dt.date(2026, 9, 30)})
    assert codes_at(recalc(path, write=False))["CAT066"] == ["Paramètres!C9"]


def test_corrected_dates_are_shown_as_dates_and_titles_keep_the_original_case(tmp_path):
    path = small(tmp_path / "c.xlsx", works=[
        {"Identifiant": "A1", "Titre": "LA NUIT AMÉRICAINE", "Titre original": "La Nuit américaine",
         "Sortie France": "Jun 12 1998"}])
    main(["fix", str(path), "--apply"])
    ws = openpyxl.load_workbook(path)[L.SHEET_OEUVRES]
    released = ws.cell(row=5, column=L.OEUVRES_HEADERS.index("Sortie France") + 1)
    assert released.is_date and released.value.date() == dt.date(1998, 6, 12)
    assert ws.cell(row=5, column=2).value == "La Nuit américaine"


def test_a_corrected_date_is_shown_as_a_date_in_a_column_without_a_style_of_its_own(tmp_path):
    """A catalogue made elsewhere (or whose column formats were cleared): the date gets a date format."""
    import re
    import zipfile

    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Le Mépris", "Sortie France": "12/06/1998"}])
    parts = {i.filename: zipfile.ZipFile(path).read(i) for i in zipfile.ZipFile(path).infolist()}
    sheet = XlsxFile(path).package.sheet_parts()[L.SHEET_OEUVRES]
    parts[sheet] = re.sub(rb"<cols>.*?</cols>", b"", parts[sheet], flags=re.S)  # no column formats at all
    letter = column_letter(L.OEUVRES_HEADERS.index("Sortie France") + 1).encode()
    parts[sheet] = re.sub(rb'(<c r="' + letter + rb'5")[^>]*?( t="[^"]*")?( s="\d+")?', rb"\1\2", parts[sheet])  # General
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    main(["fix", str(path), "--apply"])
    released = openpyxl.load_workbook(path)[L.SHEET_OEUVRES].cell(row=5, column=L.OEUVRES_HEADERS.index("Sortie France") + 1)
    assert released.is_date and released.value.date() == dt.date(1998, 6, 12)


def test_a_corrected_date_in_a_column_formatted_as_text_is_shown_as_a_date_in_the_cells_own_look(tmp_path):
    """A column formatted as text is why a date was typed as text: the date gets a date format, the
    cell keeps its font."""
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Le Mépris", "Sortie France": "12/06/1998"}])
    col = L.OEUVRES_HEADERS.index("Sortie France") + 1
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_OEUVRES]
    ws.cell(row=5, column=col).number_format = "@"
    ws.cell(row=5, column=col).font = openpyxl.styles.Font(name="Arial", italic=True)
    ws.column_dimensions[column_letter(col)].number_format = "@"
    wb.save(path)
    main(["fix", str(path), "--apply"])
    released = openpyxl.load_workbook(path)[L.SHEET_OEUVRES].cell(row=5, column=col)
    assert released.is_date and released.value.date() == dt.date(1998, 6, 12)
    assert released.font.name == "Arial" and released.font.italic


def test_in_excel_a_corrected_date_reaches_excel_as_a_date_which_xlwings_passes_as_one(tmp_path):
    """Excel shows a date in a General cell when it receives one (not its serial number): the
    adapter hands xlwings a date, and xlwings' own Windows engine turns it into a COM date."""
    from tests.fake_excel import FakeBook
    from tests.xlwings_harness import windows_engine
    from xlprod.workbook.excel import ExcelBook

    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Le Mépris", "Sortie France": "12/06/1998"}])
    book = FakeBook(path)
    run_action(ExcelBook(book), "corriger", now=NOW)
    col = L.OEUVRES_HEADERS.index("Sortie France") + 1
    written = book.sheets[L.SHEET_OEUVRES].values[(5, col)]
    assert written == dt.date(1998, 6, 12)
    assert windows_engine().prepare_xl_data_element(written, None) == dt.datetime(1998, 6, 12, tzinfo=dt.UTC)


def test_the_exploitation_list_points_at_a_range_its_labels_hold_commas(tmp_path):
    path = small(tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(path)[L.SHEET_RECETTES]
    col = openpyxl.utils.get_column_letter(L.RECETTES_HEADERS.index("Exploitation") + 1)
    (dv,) = [d for d in ws.data_validations.dataValidation if str(d.sqref).startswith(f"{col}5")]
    assert dv.formula1.startswith(f"{L.SHEET_PARAMETRES}!$M$5") or dv.formula1.startswith(f"'{L.SHEET_PARAMETRES}'!$M$5")
    par = openpyxl.load_workbook(path)[L.SHEET_PARAMETRES]
    assert [par.cell(row=5 + i, column=13).value for i in range(len(L.EXPLOITATION_LABELS))] == list(L.EXPLOITATION_LABELS)


def test_an_unreadable_avails_request_is_said_in_its_sheet_and_the_title_is_cached(tmp_path):
    path = small(tmp_path / "c.xlsx", parameters={"titre": "Films du Nord", "dispo_territoire": "BE",
                                                  "dispo_media": "Netflix", "dispo_debut": dt.date(2027, 1, 1),
                                                  "dispo_fin": dt.date(2027, 2, 1)})
    recalc(path)
    book = XlsxFile(path, for_writing=False)
    grid = book._grid(L.SHEET_DISPO)
    assert "Média inconnu : « Netflix »" in grid[L.D_QUERY_ROW - 1][0]
    assert book._grid(L.SHEET_SYNTHESE)[0][0] == "Catalogue — Films du Nord"


def test_an_avails_export_says_what_it_leaves_out(copy, tmp_path, capsys):
    main(["export", str(copy), "--format", "avails", "--out", str(tmp_path / "out"), "--licensor", "Films du Nord"])
    out = capsys.readouterr().out
    assert "CAT056" in out  # TV rights have no LicenseType in the format
    assert "Exporté tel quel : catalogue.xlsx!Œuvres!K8: erreur CAT020" in out  # the wrong ISAN, said before it goes
    assert b"Films du Nord" in (tmp_path / "out" / "avails.xml").read_bytes()


# -- what the hostile review found -------------------------------------------------------------------------

def test_a_number_no_date_can_be_in_a_date_cell_is_located_not_a_crash(copy, capsys):
    wb = openpyxl.load_workbook(copy)
    wb[L.SHEET_DROITS].cell(row=5, column=L.DROITS_HEADERS.index("Début") + 1).value = -1e12
    wb.save(copy)
    assert main(["check", str(copy)]) == 2
    assert "catalogue.xlsx!Droits!F5: erreur: le tableau Droits contient une date hors des dates possibles" in \
        capsys.readouterr().err


def test_a_date_out_of_range_is_said_without_the_rust_library_s_panic_report(sample, tmp_path):
    """calamine's panic report went to the process's standard error, a stack trace with it: said once, located."""
    import subprocess
    import sys

    below = int(openpyxl.load_workbook(sample)[L.SHEET_DROITS].tables["Droits"].ref.split(":")[1][1:]) + 3
    for where, said in (((5, L.DROITS_HEADERS.index("Début") + 1), "Droits!F5: erreur: le tableau Droits contient"),
                        ((below, 3), f"Droits!C{below}: erreur: la feuille contient")):  # read with the sheet's cells
        path = Path(shutil.copy(sample, tmp_path / "catalogue.xlsx"))
        wb = openpyxl.load_workbook(path)
        cell = wb[L.SHEET_DROITS].cell(*where)
        cell.value, cell.number_format = -1e12, "dd/mm/yyyy"
        wb.save(path)
        run = subprocess.run([sys.executable, "-m", "xlprod.cli", "check", str(path)], capture_output=True, text=True,
                             check=False, env={**os.environ, "RUST_BACKTRACE": "1"})
        assert run.returncode == 2, run.stdout
        assert "panicked" not in run.stderr and "backtrace" not in run.stderr
        assert f"catalogue.xlsx!{said} une date hors des dates possibles" in run.stderr


def test_a_date_out_of_range_is_located_at_the_date_not_at_a_large_amount_before_it(copy, capsys):
    wb = openpyxl.load_workbook(copy)
    ws = wb[L.SHEET_DROITS]
    ws.cell(row=5, column=L.DROITS_HEADERS.index("Minimum garanti") + 1).value = 25_000_000_000  # no date
    date = ws.cell(row=6, column=L.DROITS_HEADERS.index("Début") + 1)
    date.value, date.number_format = -1e12, "dd/mm/yyyy"
    wb.save(copy)
    assert main(["check", str(copy)]) == 2
    assert "catalogue.xlsx!Droits!F6: erreur: le tableau Droits contient une date hors des dates possibles" in \
        capsys.readouterr().err


def test_importing_our_own_export_back_adds_nothing(copy, tmp_path, capsys):
    for fmt in ("csv", "json"):
        main(["export", str(copy), "--format", fmt, "--out", str(tmp_path / fmt)])
        main(["import", str(copy), str(tmp_path / fmt / f"droits.{fmt}")])
        assert " 0 ajoutée(s)" in capsys.readouterr().out  # « France » in the sheet is « FR » in the export
    assert XlsxFile(copy, for_writing=False).named_cell("CATALOGUE_CONFLITS")[0] == 2


def test_a_renamed_column_refuses_avails_and_export_instead_of_empty_answers(copy, tmp_path, capsys):
    main(["export", str(copy), "--out", str(tmp_path / "out")])
    before = (tmp_path / "out" / "droits.csv").read_bytes()
    wb = openpyxl.load_workbook(copy)
    ws = wb[L.SHEET_OEUVRES]
    ws.cell(row=L.HEADER_ROW, column=2).value = "Nom"
    ws.tables[L.TABLE_OEUVRES].tableColumns[1].name = "Nom"
    wb.save(copy)
    capsys.readouterr()
    assert main(["avails", str(copy), "--territory", "BE", "--media", "SVOD", "--from", "2027-03-01",
                 "--to", "2027-05-31"]) == 2
    assert "Colonne « Titre » absente du tableau Oeuvres" in capsys.readouterr().err
    assert main(["export", str(copy), "--out", str(tmp_path / "out")]) == 2
    assert (tmp_path / "out" / "droits.csv").read_bytes() == before  # a good export is never replaced by an empty one
    report = recalc(copy, write=False)  # the other tables are still checked
    assert "CAT069" in codes_at(report) and "CAT003" in codes_at(report)


def test_a_formula_never_calculated_is_an_error_at_its_cell_not_its_text(tmp_path):
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un"}], rights=[
        {"Œuvre": "A1", "Partenaire": "P", "Sens": "acquis", "Territoires": "Monde", "Médias": "SVOD",
         "Début": dt.date(2026, 1, 1), "Fin": dt.date(2030, 1, 1), "Exclusif": "oui"},
        {"Œuvre": "A1", "Partenaire": "Q", "Sens": "cédé", "Territoires": "FR", "Médias": "SVOD",
         "Début": dt.date(2026, 1, 1), "Fin": dt.date(2027, 1, 1), "Exclusif": "oui"}])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DROITS].cell(row=6, column=4).value = "=NA()"  # written by a script: no cached value
    wb.save(path)
    at = codes_at(recalc(path, write=False))
    assert at["CAT074"] == ["Droits!D6"] and "CAT004" not in at  # never read as « NA », Namibia


def test_a_computed_cell_typed_over_gets_its_formula_back_and_says_so(copy):
    wb = openpyxl.load_workbook(copy)
    ws = wb[L.SHEET_RECETTES]
    col = L.RECETTES_HEADERS.index("RNPP") + 1
    ws.cell(row=5, column=col).value = 1.0
    wb.save(copy)
    report = recalc(copy)
    assert codes_at(report)["CAT075"] == [f"Recettes!{openpyxl.utils.get_column_letter(col)}5"]
    assert openpyxl.load_workbook(copy)[L.SHEET_RECETTES].cell(row=5, column=col).value.startswith("=IF(ISNUMBER(MATCH(")


def test_avails_for_several_media_are_free_only_when_free_for_each(copy, capsys):
    book = XlsxFile(copy, for_writing=False)
    both = {a.work: a for a in query_avails(book, "BE", "SVOD, TVOD", dt.date(2027, 3, 1), dt.date(2027, 5, 31))[0].avails}
    svod = {a.work: a for a in query_avails(book, "BE", "SVOD", dt.date(2027, 3, 1), dt.date(2027, 5, 31))[0].avails}
    tvod = {a.work: a for a in query_avails(book, "BE", "TVOD", dt.date(2027, 3, 1), dt.date(2027, 5, 31))[0].avails}
    assert all(both[w].free == (svod[w].free and tvod[w].free) for w in both)
    blocked = next(w for w in both if not svod[w].free)
    assert both[blocked].reason.startswith("SVOD : ") and both[blocked].blocking_rows == svod[blocked].blocking_rows


@pytest.mark.libreoffice
def test_libreoffice_agrees_on_hostile_receipts(tmp_path, libreoffice):
    path = small(tmp_path / "c.xlsx", receipts=[
        _receipt(**{"Exploitation": "Festival", "Recettes brutes": 109_899.0, "Commission": 5.0}),
        _receipt(**{"Recettes brutes": 100_000.0, "Commission": 30_000.0}),  # above its cap
        _receipt(**{"Exploitation": "VOD (TVOD, SVOD, paiement à la séance)", "Recettes brutes": 300_000.01}),
        _receipt(**{"Recettes brutes": "1 000,50", "Commission": -10.0, "Préachat finançant": "Oui"}),
        _receipt(**{"Période": "", "Exploitation": "", "Recettes brutes": None, "Préachat finançant": None,
                    "Petite vente TV": None}),
    ], parameters={"periode": "2026-T1"})
    recalc(path)
    rec = XlsxFile(path, for_writing=False).table(L.TABLE_RECETTES)
    assert shown(rec, 0, rec.headers.index("RNPP")) == ""  # Festival: in no RNPP, said by CAT061
    assert differences(path, recalculate_with_libreoffice(path, tmp_path / "lo")) == []


def test_avails_see_rows_typed_under_the_rights_and_ids_typed_in_another_case(copy, tmp_path, capsys):
    wb = openpyxl.load_workbook(copy)
    ws = wb[L.SHEET_DROITS]
    row = ws.max_row + 1
    for col, value in enumerate(("CAT-00002", "Streamz", "cédé", "BE", "SVOD", dt.datetime(2027, 1, 1),
                                 dt.datetime(2027, 12, 31), "oui"), start=1):
        ws.cell(row=row, column=col).value = value
    wb.save(copy)
    assert main(["avails", str(copy), "--territory", "BE", "--media", "SVOD", "--from", "2027-03-01",
                 "--to", "2027-05-31"]) == 1
    assert f"Droits!A{row}: erreur CAT073" in capsys.readouterr().out


def test_a_work_typed_in_another_case_is_the_same_work(tmp_path):
    acquired = {"Sens": "acquis", "Territoires": "FR", "Médias": "TV payante", "Début": dt.date(2026, 1, 1),
                "Fin": dt.date(2030, 1, 1), "Exclusif": "oui", "Partenaire": "Prod"}
    grant = {"Sens": "cédé", "Territoires": "FR", "Médias": "TV payante", "Début": dt.date(2027, 1, 1),
             "Fin": dt.date(2027, 12, 31), "Exclusif": "oui"}
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "ZC1", "Titre": "Un"}],
                 rights=[{"Œuvre": "ZC1", **acquired}, {"Œuvre": "zc1", "Partenaire": "Canal+", **grant},
                         {"Œuvre": "ZC1", "Partenaire": "OCS", **grant}])
    at = codes_at(recalc(path, write=False))
    assert at["CAT072"] == ["Droits!A6"] and "CAT004" not in at and at["CAT003"]
    answer, _ = query_avails(XlsxFile(path, for_writing=False), "FR", "TV payante", dt.date(2027, 2, 1),
                             dt.date(2027, 2, 28))
    assert not answer.avails[0].free


def test_distributors_statements_and_holders_shares_import_once(tmp_path, capsys):
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un"}], parameters={"periode": "2026-T1"})
    receipts = tmp_path / "releve-distributeur.csv"
    receipts.write_bytes(
        "\ufeffŒuvre;Période;Exploitation;Territoire;Recettes brutes;Commission;Frais\r\n"
        "A1;2026-T1;Salles;FR;100 000,00;25 000,00;5 000\r\n"
        "A1;2026-T1;SVOD;FR;150000;40000;0\r\n"
        "A1;2026-T1;Cirque;FR;1000;0;0\r\n".encode())
    shares = tmp_path / "ayants.csv"
    shares.write_text("Ayant droit;Œuvre;Part;Minimum garanti\nCoprod SA;A1;30 %;30000\n", encoding="utf-8")
    assert main(["import", str(path), str(receipts)]) == 1  # « Cirque »: refused at its line, the others taken
    out = capsys.readouterr().out
    assert "3 ligne(s) de recettes lue(s), 2 ajoutée(s)" in out and "releve-distributeur.csv:4" in out
    main(["import", str(path), str(shares)])
    main(["import", str(path), str(receipts)])
    assert "0 ajoutée(s), 2 déjà présente(s)" in capsys.readouterr().out
    report = recalc(path)
    (s,) = report.summary.statements
    # 100 000 − 25 000 − 5 000 + 150 000 − 40 000 (the VOD cap: 30 % of 100 000 + 20 % of 50 000) = 180 000
    assert (s.rnpp, s.holder_share, s.mg_recouped, s.balance) == (Decimal(180_000), Decimal(54_000), Decimal(30_000),
                                                                  Decimal(24_000))


def test_a_partner_named_at_length_gets_its_window_and_a_negative_commission_is_said(tmp_path):
    release = dt.date(2025, 3, 4)
    grant = {"Sens": "cédé", "Territoires": "FR", "Médias": "SVOD", "Début": dt.date(2026, 6, 10),
             "Fin": dt.date(2027, 6, 1), "Exclusif": "non"}
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un", "Sortie France": release}],
                 rights=[{"Œuvre": "A1", "Partenaire": "Films", "Sens": "acquis", "Territoires": "Monde",
                          "Médias": "tous médias", "Début": dt.date(2024, 1, 1), "Fin": dt.date(2035, 1, 1),
                          "Exclusif": "oui"},
                         {"Œuvre": "A1", "Partenaire": "Netflix International B.V.", **grant},
                         {"Œuvre": "A1", "Partenaire": "Netflixer", **grant}],
                 receipts=[_receipt(**{"Recettes brutes": 1000.0, "Commission": -50.0})])
    at = codes_at(recalc(path, write=False))
    assert at["CAT006"] == ["Droits!A7"]  # « Netflixer » is not Netflix
    assert "Recettes!F5" in at["CAT064"]


def test_avails_overseas_say_which_territories_the_chronologie_holds(tmp_path):
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un", "Sortie France": dt.date(2026, 3, 4)}],
                 rights=[{"Œuvre": "A1", "Partenaire": "Films", "Sens": "acquis", "Territoires": "Monde",
                          "Médias": "tous médias", "Début": dt.date(2024, 1, 1), "Fin": dt.date(2035, 1, 1),
                          "Exclusif": "oui"}])
    (a,) = query_avails(XlsxFile(path, for_writing=False), "Monde hors FR", "SVOD", dt.date(2027, 3, 1),
                        dt.date(2027, 5, 31))[0].avails
    assert not a.free and "en outre-mer (" in a.reason and "RE" in a.reason


def test_a_work_blocked_in_a_small_group_says_where_it_is_still_free(tmp_path):
    path = small(tmp_path / "c.xlsx", works=[{"Identifiant": "A1", "Titre": "Un"}],
                 rights=[{"Œuvre": "A1", "Partenaire": "Films", "Sens": "acquis", "Territoires": "Monde",
                          "Médias": "tous médias", "Début": dt.date(2024, 1, 1), "Fin": dt.date(2035, 1, 1),
                          "Exclusif": "oui"},
                         {"Œuvre": "A1", "Partenaire": "Proximus", "Sens": "cédé", "Territoires": "BE, LU",
                          "Médias": "SVOD", "Début": dt.date(2027, 1, 1), "Fin": dt.date(2027, 12, 31), "Exclusif": "oui"}])
    (a,) = query_avails(XlsxFile(path, for_writing=False), "Benelux", "SVOD", dt.date(2027, 3, 1),
                        dt.date(2027, 5, 31))[0].avails
    assert not a.free and "Proximus" in a.reason and a.reason.endswith("— libre en : NL")


def test_every_catalogue_check_code_has_words_for_the_summaries_and_a_line_in_the_readme():
    import re
    from pathlib import Path

    from xlprod.kinds.catalogue.codes import CODE_LABELS, labelled

    package = Path(__file__).parent.parent / "xlprod" / "kinds" / "catalogue"
    used = {c for f in package.glob("*.py") if f.name != "codes.py" for c in re.findall(r'"(CAT0\d\d)"', f.read_text())}
    assert used == set(CODE_LABELS)
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    listed = set()
    for first, last in re.findall(r"^\| (CAT0\d\d)(?:–(CAT0\d\d))? \|", readme, flags=re.M):
        listed.update(f"CAT{n:03d}" for n in range(int(first[3:]), int((last or first)[3:]) + 1))
    assert used <= listed
    assert labelled("CAT003") == "cessions en conflit (CAT003)"
