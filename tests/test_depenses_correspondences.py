"""Correspondances: the ledger accounts an import leaves « à affecter » are proposed in the table, a blank
row decides nothing, and a CSV's optional columns an export lacks are no warning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from tests.lo_edit import edit_with_libreoffice
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.builder import DepensesInputs, build_depenses
from xlprod.kinds.depenses.correspondences import EXCLUDED, Mapping
from xlprod.kinds.depenses.importer import import_ledger
from xlprod.kinds.depenses.ledger import read_ledger_csv
from xlprod.kinds.depenses.model import Version, VersionLine
from xlprod.kinds.depenses.snapshot import add_version
from xlprod.services import recalculate
from xlprod.workbook.port import WritePlan
from xlprod.workbook.sheetxml import CellWrite
from xlprod.workbook.xlsx_file import XlsxFile

HEAD = ("JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
        "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise")
VERSION = Version("Dépôt CNC", (VersionLine("2301", "Chef opérateur", D("40000")), VersionLine("7101", "Caméra",
                                                                                                   D("20000"))))
WHEN = dt.datetime(2026, 11, 30, 9)


def _purchase(entry: str, account: str, account_label: str, label: str, amount: str) -> list[str]:
    return [f"HA|Achats|{entry}|20261005|{account}|{account_label}|||F-{entry}|20261005|{label}|{amount}|0,00|||"
            "20261005||",
            f"HA|Achats|{entry}|20261005|40100000|Fournisseurs|F1|Loueur|F-{entry}|20261005|{label}|0,00|{amount}|||"
            "20261005||"]


OCTOBER = [*_purchase("1", "61357101", "Location caméra", "Caméra semaine 1", "1000,00"),
           *_purchase("2", "61357101", "Location caméra", "Caméra semaine 2", "1000,00"),
           *_purchase("3", "62570000", "Réceptions", "Pot de fin de tournage", "800,00"),
           *_purchase("4", "62340000", "Cadeaux", "Cadeaux équipe", "150,50")]


def _new_workbook(tmp_path: Path, mapping: list[tuple[str, ...]] | None = None) -> Path:
    path = tmp_path / "dep.xlsx"
    build_depenses(path, DepensesInputs(title="Essai", mapping=mapping or []))
    book = XlsxFile(path)
    add_version(book, VERSION)
    book.save()
    return path


def _import(path: Path, lines: list[str], name: str = "FEC.txt"):
    book = XlsxFile(path)
    summary = import_ledger(book, ("\r\n".join([HEAD, *lines]) + "\r\n").encode(), name, WHEN)
    book.save()
    return summary


def _rows(path: Path, name: str) -> list[dict[str, object]]:
    t = XlsxFile(path).table(name)
    return [{h: v if v != "" else None for h, v in zip(t.headers, r, strict=True)} for r in t.rows]


def _type_devis_accounts(path: Path, given: dict[str, str]) -> None:
    """What the administrator types in the proposed rows: ledger account -> devis account."""
    book = XlsxFile(path)
    t = book.table(L.TABLE_CORRESPONDANCES)
    g, d = t.headers.index("Compte général"), t.headers.index("Compte devis")
    plan = WritePlan()
    for n, row in enumerate(t.rows):
        if row[g] in given:
            plan.sheet(t.sheet).set(t.header_row + 1 + n, t.first_col + d, CellWrite(given[row[g]]))
    book.apply(plan)
    book.save()


def test_a_first_fec_in_a_new_workbook_proposes_its_accounts_in_correspondances(tmp_path):
    """A new workbook's Correspondances is empty: the first FEC landed wholly « à affecter », and the user had to
    find and type every ledger account of the production's chart."""
    path = _new_workbook(tmp_path)
    s = _import(path, OCTOBER)
    assert (s.added, s.unassigned, s.unassigned_amount) == (4, 4, D("2950.50"))
    proposed = _rows(path, L.TABLE_CORRESPONDANCES)
    assert [(r["Compte général"], r["Compte devis"], r["Pays"]) for r in proposed] == [
        ("61357101", None, None), ("62340000", None, None), ("62570000", None, None)]
    assert proposed[0]["Observations"] == ("« Location caméra » — proposé par l'import de FEC.txt le 30/11/2026 : "
                                           "2 dépenses à affecter, 2\u202f000,00\xa0€")
    said = next(i for i in s.issues if i.code == "DEP030")
    assert str(said.location) == "dep.xlsx!Correspondances!A5"
    assert said.message == ("4 écritures sans correspondance vers un compte du devis (2\u202f950,50\xa0€) : au poste "
                            "« à affecter ». Leurs comptes généraux (61357101, 62340000, 62570000) sont ajoutés à la "
                            "table Correspondances (lignes 5 à 7), Compte devis vide.")

    # imported again before they are filled in: where they wait is said
    s = _import(path, OCTOBER)
    said = next(i for i in s.issues if i.code == "DEP030")
    assert (str(said.location), len(_rows(path, L.TABLE_CORRESPONDANCES))) == ("dep.xlsx!Correspondances!A5", 3)
    assert ("Les comptes 61357101, 62340000, 62570000 attendent dans Correspondances un Compte devis (lignes 5, 6, 7)."
            in said.message)

    # the administrator fills two in and leaves the receptions out; the same file again puts the rows there
    _type_devis_accounts(path, {"61357101": "7101", "62570000": "exclu"})
    s = _import(path, OCTOBER)
    assert (s.added, s.updated, s.unassigned, s.left_out) == (0, 2, 1, [7])
    assert [r["Compte devis"] for r in _rows(path, L.TABLE_DEPENSES)] == ["7101", "7101", None, None]
    assert len(_rows(path, L.TABLE_CORRESPONDANCES)) == 3  # nothing proposed twice: 62340000 is there, blank
    said = next(i for i in s.issues if i.code == "DEP030")
    assert said.message.endswith("Le compte 62340000 attend dans Correspondances un Compte devis (ligne 6).")


def test_a_row_the_user_types_below_a_proposal_decides_for_its_account(tmp_path):
    """The proposal (blank) came first in the table: a row the user added lower for the same account was said
    useless (DEP037) and its entries stayed « à affecter »."""
    path = _new_workbook(tmp_path)
    _import(path, OCTOBER)
    book = XlsxFile(path)
    book.add_table_rows(book.table(L.TABLE_CORRESPONDANCES), [["61357101", "7101", "", "Caméra"]])
    book.save()
    s = _import(path, OCTOBER)
    assert [i.code for i in s.issues if i.code == "DEP037"] == []
    assert [r["Compte devis"] for r in _rows(path, L.TABLE_DEPENSES)][:2] == ["7101", "7101"]


def test_only_charge_accounts_are_proposed_so_a_csv_line_on_a_supplier_account_leaves_a_fec_as_it_was(tmp_path):
    """A CSV line on 40100000 (an advance) was proposed; its blank row then made every supplier line of the next
    FEC an expense, and the month's spending came out at zero."""
    path = _new_workbook(tmp_path)
    book = XlsxFile(path)
    csv = ("Date;N° pièce;Compte;Libellé;Montant HT\r\n05/10/2026;AV-1;40100000;Avance loueur;500\r\n"
           "06/10/2026;AV-2;6;Divers;10\r\n07/10/2026;R-1;62570000;Pot de tournage;80\r\n")
    import_ledger(book, csv.encode(), "avances.csv", WHEN)
    book.save()
    assert [(r["Compte général"], r["Observations"][:20]) for r in _rows(path, L.TABLE_CORRESPONDANCES)] == [
        ("62570000", "« Pot de tournage » ")]  # the line's own label, for a CSV
    s = _import(path, OCTOBER)
    assert (s.selected, s.selected_debit - s.selected_credit) == (4, D("2950.50"))


def test_a_proposed_account_kept_out_by_a_cell_below_the_table_is_said_there_and_the_import_is_done(tmp_path):
    path = _new_workbook(tmp_path)
    book = XlsxFile(path)
    t = book.table(L.TABLE_CORRESPONDANCES)
    plan = WritePlan()
    plan.sheet(t.sheet).set(t.header_row + 2, t.first_col + 1, CellWrite("note"))
    book.apply(plan)
    book.save()
    s = _import(path, OCTOBER)
    assert s.added == 4
    said = next(i for i in s.issues if i.code == "DEP030")
    assert str(said.location) == "dep.xlsx!Correspondances!B6"
    assert "n'ont pas pu être ajoutés à la table Correspondances : cellule occupée sous la table." in said.message
    assert [r["Compte général"] for r in _rows(path, L.TABLE_CORRESPONDANCES)] == [None]


def test_proposals_go_neither_over_merged_cells_nor_over_a_formula_the_user_typed_in_the_new_tables_row(tmp_path):
    path = _new_workbook(tmp_path)
    book = XlsxFile(path)
    part = book.package.sheet_parts()["Correspondances"]
    xml = book.package.read_text(part)
    book.package.write_text(part, xml.replace("</sheetData>", "</sheetData><mergeCells count=\"1\"><mergeCell "
                                                              "ref=\"A7:D7\"/></mergeCells>", 1))
    plan = WritePlan()
    plan.sheet("Correspondances").set(5, 3, CellWrite("FR", 'UPPER("fr")'))
    book.apply(plan)
    book.save()
    s = _import(path, OCTOBER)
    said = next(i for i in s.issues if i.code == "DEP030")
    assert str(said.location) == "dep.xlsx!Correspondances!A6"  # the row the first would have taken, under the formula
    assert "des cellules fusionnées sous elle" in said.message
    book = XlsxFile(path)
    assert book.formula_cells("Correspondances", [(5, 3)]) == {(5, 3)}
    assert book.table(L.TABLE_CORRESPONDANCES).rows == [["", "", "FR", ""]]


def test_a_blank_row_leaves_the_decision_to_a_shorter_prefix():
    """A proposed row not filled in yet must not hide the « 6257 → 1101 » or « 6257 → exclu » the user typed."""
    m = Mapping({"62570000": "", "6257": "1101", "62340000": "", "6234": EXCLUDED, "2313": "", "62": ""})
    assert m.devis_account("62570000") == "1101" and m.is_expense("62570000")
    assert m.devis_account("62340000") is None and not m.is_expense("62340000")
    assert m.devis_account("23130000") == "" and m.is_expense("23130000")  # a blank row brings its accounts in
    assert m.devis_account("62600000") == "" and m.names("62600000") and not m.names("61000000")
    assert not Mapping({"681": ""}).is_expense("68110000")  # a blank row brings no closing charge back


@given(st.dictionaries(st.text("1234567", min_size=1, max_size=6), st.sampled_from(["", "1101", "7101", EXCLUDED]),
                       max_size=8), st.text("1234567", min_size=1, max_size=8))
def test_blank_rows_change_no_decision(prefixes, ledger):
    """Adding blank rows (what an import proposes) never changes where a named account goes."""
    before = Mapping(prefixes)
    after = Mapping({**{ledger[:n]: "" for n in range(1, len(ledger) + 1)}, **prefixes})
    if before.names(ledger):
        assert (after.devis_account(ledger), after.is_expense(ledger)) == (before.devis_account(ledger),
                                                                          before.is_expense(ledger))
    else:
        # counted « à affecter », as a row « 2313 » adds its accounts; a closing charge stays out
        assert after.devis_account(ledger) == "" and after.is_expense(ledger) == (not ledger.startswith(("68", "69")))


def test_an_export_without_the_optional_columns_is_no_warning_but_one_that_may_have_them_under_other_names_is():
    """DEP113 listed a lean export's missing columns at every import; relaxed, it let « N° de pièce » and « État »
    go unread without a word (nothing paid, a corrected export imported twice)."""
    mapping = {"date": "Date", "piece": "N° pièce", "label": "Libellé", "amount": "Montant HT", "currency": "Devise",
               "rate": "Taux de change", "status": "Statut", "tags": "Étiquettes"}
    data = "Date;N° pièce;Libellé;Montant HT\r\n05/10/2026;F-1;Nacelle;900\r\n".encode()
    read = read_ledger_csv(data, "export.csv", mapping, optional_absent=True)
    assert [i.code for i in read.issues] == []
    assert read.detection.describe().endswith("sans les colonnes « Devise », « Taux de change », « Statut », "
                                              "« Étiquettes » (champs vides ou par défaut)")
    read = read_ledger_csv(data, "export.csv", mapping | {"tags": "Tags éco"}, optional_absent=True)
    assert [(i.code, str(i.location)) for i in read.issues] == [("DEP113", "export.csv:1")]
    assert "« Tags éco »" in read.issues[0].message and "Devise" not in read.issues[0].message

    renamed = "Date;N° de pièce;Libellé;Montant HT;État\r\n05/10/2026;F-1;Nacelle;900;payé\r\n".encode()
    read = read_ledger_csv(renamed, "export.csv", mapping, optional_absent=True)
    assert [i.code for i in read.issues] == ["DEP113"]
    assert read.issues[0].message == (
        "2 colonnes de ColonnesImport absentes du CSV, champs laissés vides ou par défaut : « N° pièce », « Statut » ; "
        "le fichier a des colonnes que rien ne lit, qui pourraient être l'une d'elles : « N° de pièce », « État » ; "
        "sans « N° pièce », une ligne corrigée dans un export suivant sera ajoutée une seconde fois")
    assert read.detection.describe().endswith("sans les colonnes « Devise », « Taux de change », « Étiquettes » "
                                              "(champs vides ou par défaut)")

    # an accounting export's own columns (journal, lettering) are no reason to warn at every import
    rich = "Journal;Date;N° pièce;Libellé;Montant HT;Lettrage;\r\nHA;05/10/2026;F-1;Nacelle;900;AB;\r\n".encode()
    read = read_ledger_csv(rich, "export.csv", mapping, optional_absent=True)
    assert [i.code for i in read.issues] == []

    no_document = "Date;Libellé;Montant HT\r\n05/10/2026;Nacelle;900\r\n".encode()
    read = read_ledger_csv(no_document, "export.csv", mapping, optional_absent=True)
    assert [i.code for i in read.issues] == ["DEP113"]
    assert read.issues[0].message.startswith("1 colonne de ColonnesImport absente du CSV, champ laissé vide ou par "
                                             "défaut : « N° pièce » ; sans")


def test_a_compte_devis_cell_offers_the_versions_accounts_in_a_real_spreadsheet_engine(tmp_path, libreoffice):
    """The drop-down of Compte devis (Dépenses and Correspondances) lists every version's accounts through
    DEPENSES_COMPTES_DEVIS, which the recalculation points at the Versions sheet's lines; LibreOffice resolves the
    name and keeps the list when it saves the file."""
    path = _new_workbook(tmp_path)
    book = XlsxFile(path)
    recalculate(book)
    book.save()
    assert XlsxFile(path).defined_names()[L.ACCOUNTS_NAME] == "Versions!$A$18:$A$19"
    edit_with_libreoffice(path, 'sh = doc.Sheets.getByName("Correspondances")',
                          'sh.getCellRangeByName("Z1").setFormula("=ROWS(DEPENSES_COMPTES_DEVIS)")',
                          'sh.getCellRangeByName("Z2").setFormula("=INDEX(DEPENSES_COMPTES_DEVIS;2)")',
                          'v = doc.Sheets.getByName("Dépenses").getCellRangeByName("D9").Validation',
                          'sh.getCellRangeByName("Z3").setString(v.Type & "|" & v.getFormula1() & "|" & v.ShowErrorMessage)',
                          'w = sh.getCellRangeByName("B9").Validation',
                          'sh.getCellRangeByName("Z4").setString(w.Type & "|" & w.getFormula1())')
    seen = openpyxl.load_workbook(path, data_only=True)["Correspondances"]
    assert [seen[c].value for c in ("Z1", "Z2", "Z3", "Z4")] == [2, "7101", "6|DEPENSES_COMPTES_DEVIS|False",
                                                                   "6|DEPENSES_COMPTES_DEVIS"]  # 6: a list
    after = openpyxl.load_workbook(path)
    assert any(dv.formula1 == L.ACCOUNTS_NAME and "D5" in str(dv.sqref)
               for dv in after["Dépenses"].data_validations.dataValidation)
