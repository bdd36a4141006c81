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
from xlprod.kinds.depenses.correspondences import EXCLUDED, Mapping, label_fold
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
    return _import_csv(path, "\r\n".join([HEAD, *lines]) + "\r\n", name)


def _import_csv(path: Path, text: str, name: str = "export.csv"):
    """Import ``text`` (a CSV, or a FEC) as the file ``name``, and save the workbook; the summary."""
    book = XlsxFile(path)
    summary = import_ledger(book, text.encode(), name, WHEN)
    book.save()
    return summary


def _add_correspondences(path: Path, rows: list[list[object]]) -> None:
    book = XlsxFile(path)
    book.add_table_rows(book.table(L.TABLE_CORRESPONDANCES), rows)
    book.save()


def _name_columns(path: Path, named: dict[str, str]) -> None:
    """What the administrator types in ColonnesImport: field -> the header of their export."""
    book = XlsxFile(path)
    t = book.table(L.TABLE_COLONNES)
    plan = WritePlan()
    for n, (field_name, _) in enumerate(t.rows):
        if field_name in named:
            plan.sheet(t.sheet).set(t.header_row + 1 + n, t.first_col + 1, CellWrite(named[field_name]))
    book.apply(plan)
    book.save()


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
    _add_correspondences(path, [["61357101", "7101", "", "Caméra"]])
    s = _import(path, OCTOBER)
    assert [i.code for i in s.issues if i.code == "DEP037"] == []
    assert [r["Compte devis"] for r in _rows(path, L.TABLE_DEPENSES)][:2] == ["7101", "7101"]


def test_only_charge_accounts_are_proposed_so_a_csv_line_on_a_supplier_account_leaves_a_fec_as_it_was(tmp_path):
    """A CSV line on 40100000 (an advance) was proposed; its blank row then made every supplier line of the next
    FEC an expense, and the month's spending came out at zero."""
    path = _new_workbook(tmp_path)
    _import_csv(path, "Date;N° pièce;Compte;Libellé;Montant HT\r\n05/10/2026;AV-1;40100000;Avance loueur;500\r\n"
                      "06/10/2026;AV-2;6;Divers;10\r\n07/10/2026;R-1;62570000;Pot de tournage;80\r\n", "avances.csv")
    assert [(r["Compte général"], r["Observations"][:32]) for r in _rows(path, L.TABLE_CORRESPONDANCES)] == [
        ("62570000", "1re ligne : « Pot de tournage » ")]  # the label of the account's first line, for a CSV
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


def _merged(tmp_path: Path, merge: str, typed: tuple[int, int, CellWrite]) -> Path:
    """A new workbook whose Correspondances sheet has ``merge`` merged and a cell typed (row, column, what)."""
    path = _new_workbook(tmp_path)
    book = XlsxFile(path)
    part = book.package.sheet_parts()["Correspondances"]
    xml = book.package.read_text(part)
    book.package.write_text(part, xml.replace("</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell '
                                                              f'ref="{merge}"/></mergeCells>', 1))
    plan = WritePlan()
    plan.sheet("Correspondances").set(*typed)
    book.apply(plan)
    book.save()
    return path


def test_proposals_go_neither_over_merged_cells_nor_over_a_formula_the_user_typed_in_the_new_tables_row(tmp_path):
    path = _merged(tmp_path, "A7:D7", (5, 3, CellWrite("FR", 'UPPER("fr")')))
    s = _import(path, OCTOBER)
    said = next(i for i in s.issues if i.code == "DEP030")
    assert str(said.location) == "dep.xlsx!Correspondances!A6"  # the row the first would have taken, under the formula
    assert "des cellules fusionnées là où iraient ses nouvelles lignes" in said.message
    book = XlsxFile(path)
    assert book.formula_cells("Correspondances", [(5, 3)]) == {(5, 3)}
    assert book.table(L.TABLE_CORRESPONDANCES).rows == [["", "", "FR", "", ""]]


def test_a_blank_row_leaves_the_decision_to_a_shorter_prefix():
    """A proposed row not filled in yet must not hide the « 6257 → 1101 » or « 6257 → exclu » the user typed."""
    m = Mapping({"62570000": "", "6257": "1101", "62340000": "", "6234": EXCLUDED, "2313": "", "62": ""})
    assert m.devis_account("62570000") == "1101" and m.is_expense("62570000")
    assert m.devis_account("62340000") is None and not m.is_expense("62340000")
    assert m.devis_account("23130000") == "" and m.is_expense("23130000")  # a blank row brings its accounts in
    assert m.devis_account("62600000") == "" and m.devis_account("61000000") is None
    assert not Mapping({"681": ""}).is_expense("68110000")  # a blank row brings no closing charge back


@given(st.dictionaries(st.text("1234567", min_size=1, max_size=6), st.sampled_from(["", "1101", "7101", EXCLUDED]),
                       max_size=8), st.text("1234567", min_size=1, max_size=8))
def test_blank_rows_change_no_decision(prefixes, ledger):
    """Adding blank rows (what an import proposes) never changes where a named account goes."""
    before = Mapping(prefixes)
    after = Mapping({**{ledger[:n]: "" for n in range(1, len(ledger) + 1)}, **prefixes})
    if before.devis_account(ledger) is not None or before.excluded(ledger):
        assert (after.devis_account(ledger), after.is_expense(ledger)) == (before.devis_account(ledger),
                                                                          before.is_expense(ledger))
    else:
        # counted « à affecter », as a row « 2313 » adds its accounts; a closing charge stays out
        assert after.devis_account(ledger) == "" and after.is_expense(ledger) == (not ledger.startswith(("68", "69")))


PAYROLL = [f"PA|Paie|P1|20261031|{account}|{account_label}|||PAIE-10|20261031|{label}|{debit}|{credit}|||20261031||"
           for account, account_label, label, debit, credit in (
               ("64110000", "Salaires", "Salaire octobre MARTIN Luc - CHEF OPERATEUR", "6000,00", "0,00"),
               ("64110000", "Salaires", "Salaire octobre DURAND Eva - 1re assistante caméra", "4000,00", "0,00"),
               ("64110000", "Salaires", "Salaire octobre PETIT Noé - électricien", "3000,00", "0,00"),
               ("42100000", "Personnel - rémunérations dues", "Net à payer octobre", "0,00", "13000,00"))]


def test_a_label_shares_a_payroll_account_between_devis_lines(tmp_path):
    """A chart with one 6411 for the whole crew sent every salary to one devis line: a correspondence whose label
    text the line contains (case and accents aside) chooses the line, over any row without a text (a default
    typed on the whole account takes the others); the longest text first."""
    path = _new_workbook(tmp_path, [("64110000", "2390", "", "Paie", ""), ("6411", "2399", "", "", "Chef"),
                                    ("6411", "2301", "", "", "Chef opérateur"), ("64", "2302", "", "", "assistante"),
                                    ("6411", "exclu", "", "", "électricien")])
    s = _import(path, PAYROLL)
    assert [r["Compte devis"] for r in _rows(path, L.TABLE_DEPENSES)] == ["2301", "2302", "2390"]
    said = [i for i in s.issues if i.code == "DEP050"]
    assert [str(i.location) for i in said] == ["dep.xlsx!Correspondances!E9"]
    assert said[0].message == ("1 ligne de Correspondances avec un « Libellé contient » mais sans compte du devis, "
                               "ou « exclu », ou sur un compte « exclu » : ignorée (ligne 9).")
    # a CSV with a ledger account column is shared alike
    _import_csv(path, "Date;N° pièce;Compte;Libellé;Montant HT\r\n31/10/2026;PAIE-10B;64110000;Prime chef opérateur;500"
                      "\r\n", "primes.csv")
    assert _rows(path, L.TABLE_DEPENSES)[-1]["Compte devis"] == "2301"


@given(st.dictionaries(st.text("1234567", min_size=1, max_size=5), st.sampled_from(["", "1101", "7101", EXCLUDED]),
                       max_size=6), st.text("1234567", min_size=1, max_size=8), st.text(max_size=20))
def test_without_label_rows_a_line_goes_where_its_account_goes(prefixes, ledger, label):
    m = Mapping(prefixes, {"12": "BE"})
    assert m.for_line(ledger, label) == (m.devis_account(ledger), m.country(ledger)) and not m.ruled(ledger)


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
        "2 colonnes de ColonnesImport absentes du CSV, champs laissés vides ou par défaut : « N° pièce » (« N° de "
        "pièce » dans le fichier, que rien ne lit ?), « Statut » (« État » dans le fichier, que rien ne lit ?) ; sans "
        "« N° pièce », une ligne corrigée dans un export suivant sera ajoutée une seconde fois")
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


def test_a_csv_read_again_with_its_document_column_named_takes_back_its_rows(tmp_path):
    """DEP113 says to name « N° de pièce » in ColonnesImport and import again: doing so added every line a
    second time (committed doubled), the first rows being keyed by what they said."""
    path = _new_workbook(tmp_path, [("6135", "7101", "", "Locations", "")])
    csv = ("Date;N° de pièce;Compte;Libellé;Montant HT;État;Date de règlement\r\n"
           "05/10/2026;FA-118;61350000;Caméra semaine 1;2400;payé;20/10/2026\r\n"
           "12/10/2026;FA-131;61350000;Caméra semaine 2;2400;facturé;\r\n"
           "12/10/2026;FA-132;61350000;Caméra semaine 2;2400;facturé;\r\n")
    s = _import_csv(path, csv)
    assert (s.added, [i.code for i in s.issues if i.code == "DEP113"]) == (3, ["DEP113"])
    _name_columns(path, {"piece": "N° de pièce", "status": "État", "payment_date": "Date de règlement"})
    s = _import_csv(path, csv)
    assert (s.added, s.updated) == (0, 3)
    rows = _rows(path, L.TABLE_DEPENSES)
    assert [(r["N° pièce"], r["Statut"], r["Compte devis"]) for r in rows] == [
        ("FA-118", "payé", "7101"), ("FA-131", "facturé", "7101"), ("FA-132", "facturé", "7101")]


def test_rows_without_a_ledger_account_are_told_apart_in_dep030(tmp_path):
    """A CSV line with its Compte empty: DEP030 counted it with the others and told the user to name the export's
    account column, which the file had."""
    path = _new_workbook(tmp_path)
    s = _import_csv(path, "Date;N° pièce;Compte;Libellé;Montant HT\r\n05/10/2026;R-1;62570000;Pot de tournage;80\r\n"
                          "06/10/2026;R-2;;Fleurs;30\r\n")
    said = next(i for i in s.issues if i.code == "DEP030")
    assert said.message.startswith("2 écritures sans correspondance")
    assert said.message.endswith("Son compte général (62570000) est ajouté à la table Correspondances (ligne 5), "
                                 "Compte devis vide. 1 ligne sans compte général : aucune correspondance ne peut la "
                                 "placer.")
    assert said.hint.startswith("Indiquez le Compte devis de ce compte dans Correspondances")


def test_a_new_workbook_saved_by_libreoffice_takes_its_first_import_in_its_first_row(tmp_path, libreoffice):
    """LibreOffice drops a table's calculated column formulas: the new Dépenses row, holding only Montant EUR's
    formula, was no longer taken for blank, and stayed empty at the top of the table for good."""
    path = _new_workbook(tmp_path)
    edit_with_libreoffice(path, 'doc.Sheets.getByName("Paramètres").getCellRangeByName("H1").setString("vu")')
    _import(path, OCTOBER)
    t = XlsxFile(path).table(L.TABLE_DEPENSES)
    assert (t.header_row, len(t.rows), t.rows[0][L.DEPENSES_HEADERS.index("N° pièce")]) == (4, 4, "F-1")


def test_a_pasted_charts_blank_class_row_is_no_place_where_accounts_wait(tmp_path):
    """A blank « 6 » said every charge account waited there (« lignes 5, 5, 5 »): filling it would send them all
    to one devis line. The accounts are proposed instead."""
    path = _new_workbook(tmp_path, [("6", "", "", "Charges", "")])
    s = _import(path, OCTOBER)
    assert [r["Compte général"] for r in _rows(path, L.TABLE_CORRESPONDANCES)] == ["6", "61357101", "62340000",
                                                                                 "62570000"]
    assert "attend" not in next(i for i in s.issues if i.code == "DEP030").message


def test_a_merge_in_the_reused_row_or_a_note_further_down_is_said_for_what_it_is(tmp_path):
    path = _merged(tmp_path, "C5:D5", (50, 1, CellWrite("note")))
    s = _import(path, OCTOBER)
    said = next(i for i in s.issues if i.code == "DEP030")
    assert (str(said.location), "fusionnées" in said.message) == ("dep.xlsx!Correspondances!A5", True)
    assert [r["Compte général"] for r in _rows(path, L.TABLE_CORRESPONDANCES)] == [None]


def test_a_label_text_brings_in_no_line_that_exclu_leaves_out_and_says_so(tmp_path):
    path = _new_workbook(tmp_path, [("6411", "exclu", "", "", ""), ("6411", "2301", "", "", "chef opérateur"),
                                    ("2313", "4101", "", "", "décor")])
    s = _import(path, PAYROLL)
    assert s.selected == 0
    said = next(i for i in s.issues if i.code == "DEP050")
    assert "ou sur un compte « exclu » : ignorée (ligne 6)" in said.message


def test_label_texts_match_typographic_apostrophes_and_ligatures():
    m = Mapping({}, labelled={"6411": [(label_fold("chef d'équipe"), "2301", ""), (label_fold("manoeuvre"), "2302", "")]})
    assert m.for_line("64110000", "Salaire CHEF D’EQUIPE") == ("2301", "")
    assert m.for_line("64110000", "Salaire manœuvre") == ("2302", "")


def test_a_csv_journals_counterpart_lines_are_said_and_exclu_leaves_them_out(tmp_path):
    """A payroll journal exported as CSV: its net pay (421) and social bodies (431) credit lines came in as negative
    expenses without a word, the estimated final cost down by as much, and « exclu » did nothing for a CSV."""
    path = _new_workbook(tmp_path)
    journal = ("Date;N° pièce;Compte;Libellé;Montant HT\r\n31/10/2026;PAIE-10;64110000;Salaire chef opérateur;6000\r\n"
               "31/10/2026;PAIE-10;42100000;Net à payer;-4680\r\n31/10/2026;PAIE-10;43100000;URSSAF;-1320\r\n")
    s = _import_csv(path, journal, "paie.csv")
    assert s.added == 3  # a CSV lists expenses: imported, but said
    said = next(i for i in s.issues if i.code == "DEP051")
    assert said.message == ("2 lignes du CSV sur des comptes de tiers, de TVA ou de trésorerie (classes 4 et 5), qui "
                            "ne sont pas des charges, importées comme dépenses (-6\u202f000,00\xa0€) : 42100000 "
                            "(-4\u202f680,00\xa0€), 43100000 (-1\u202f320,00\xa0€).")
    _add_correspondences(path, [["421", "exclu", "", "", ""], ["43", "exclu", "", "", ""]])
    s = _import_csv(path, journal, "paie.csv")
    assert (s.added, s.unchanged, s.selected_debit - s.selected_credit, s.left_out) == (0, 1, D("6000"), [6, 7])
    assert [i.code for i in s.issues if i.code in ("DEP051", "DEP043")] == ["DEP043"]
    assert "= celui du fichier" in s.render()


def test_an_expense_sheet_whose_compte_column_holds_devis_accounts_is_imported_whole(tmp_path):
    path = _new_workbook(tmp_path)
    s = _import_csv(path, "Date;N° pièce;Compte;Libellé;Montant HT\r\n05/10/2026;F-1;2301;Chef op;4000\r\n"
                          "06/10/2026;F-2;5101;Décor;3000\r\n07/10/2026;F-3;'606100;Fournitures;20\r\n", "tableau.csv")
    assert (s.added, s.unassigned, [i.code for i in s.issues if i.code == "DEP051"]) == (3, 3, [])


def test_rows_a_csv_imported_without_document_numbers_are_taken_back_by_their_own_supplier_only(tmp_path):
    """Two caterers' meals, the same day, label and amount: the one with its number took the other's row."""
    path = _new_workbook(tmp_path)
    head = "Date;N° pièce;Fournisseur;Libellé;Montant HT\r\n"
    _import_csv(path, head + "05/10/2026;;Traiteur A;Repas équipe;25\r\n", "a.csv")
    s = _import_csv(path, head + "05/10/2026;FB-7;Traiteur B;Repas équipe;25\r\n", "b.csv")
    assert (s.added, s.updated) == (1, 0)
    assert [(r["Fournisseur"], r["N° pièce"]) for r in _rows(path, L.TABLE_DEPENSES)] == [("Traiteur A", None),
                                                                                        ("Traiteur B", "FB-7")]


def test_a_line_no_label_text_names_says_which(tmp_path):
    path = _new_workbook(tmp_path, [("6411", "2301", "", "", "chef opérateur")])
    s = _import(path, PAYROLL)
    said = next(i for i in s.issues if i.code == "DEP030")
    assert ("Aucun texte de « Libellé contient » ne se trouve dans des libellés du compte 64110000 (« Salaire octobre "
            "DURAND Eva - 1re assistante caméra »).") in said.message


def test_rows_imported_without_document_numbers_are_taken_back_whatever_the_user_typed_in_them(tmp_path):
    """The user typed (or tidied) the supplier of rows a first export gave without one, or with a short name: the
    same export read with its numbers added them a second time."""
    path = _new_workbook(tmp_path)
    export = ("Date;N° de pièce;Fournisseur;Libellé;Montant HT\r\n05/10/2026;F-1;TSF;Caméra;1000\r\n"
              "06/10/2026;F-2;;Câbles;150\r\n")
    _import_csv(path, export)
    book = XlsxFile(path)
    t = book.table(L.TABLE_DEPENSES)
    plan = WritePlan()
    for n, name in ((1, "TSF Caméra"), (2, "Loueur")):
        plan.sheet(t.sheet).set(t.header_row + n, t.first_col + t.headers.index("Fournisseur"), CellWrite(name))
    book.apply(plan)
    book.save()
    _name_columns(path, {"piece": "N° de pièce"})
    s = _import_csv(path, export)
    assert (s.added, s.updated) == (0, 2)
    assert [(r["N° pièce"], r["Fournisseur"]) for r in _rows(path, L.TABLE_DEPENSES)] == [("F-1", "TSF Caméra"),
                                                                                        ("F-2", "Loueur")]


def test_a_label_text_is_found_at_the_start_of_a_word():
    """« son » caught « personnel », « saison », « maison »."""
    m = Mapping({}, labelled={"6411": [(label_fold("son"), "25012", "")]})
    assert m.for_line("64110000", "Salaire chef opérateur du son")[0] == "25012"
    assert m.for_line("64110000", "Salaire personnel de saison")[0] is None


def test_a_purchase_journals_vat_is_said_and_rows_of_an_account_made_exclu_are_said_whatever_their_document(tmp_path):
    """A purchase exported whole: its VAT debit came in « à affecter » without a word. Rows of one-line documents,
    or without a document, on an account made « exclu » stayed counted without a word."""
    path = _new_workbook(tmp_path)
    journal = ("Date;N° pièce;Compte;Libellé;Montant HT\r\n05/10/2026;F-1;61350000;Caméra;1000\r\n"
               "05/10/2026;F-1;44566000;TVA;200\r\n05/10/2026;F-1;40100000;TSF;-1200\r\n"
               "06/10/2026;H-7;62260000;Honoraires;2000\r\n07/10/2026;;62700000;Frais bancaires;35\r\n"
               "08/10/2026;D-1;5101;Décor (avoir);-300\r\n")
    s = _import_csv(path, journal, "achats.csv")
    said = next(i for i in s.issues if i.code == "DEP051")
    assert "40100000 (-1\u202f200,00\xa0€), 44566000 (200,00\xa0€)" in said.message and "5101" not in said.message
    _add_correspondences(path, [["6226", "exclu", "", "", ""], ["627", "exclu", "", "", ""]])
    assert _import_csv(path, journal, "achats.csv").left_out == [8, 9]


def test_a_row_imported_before_its_document_number_was_is_said_when_its_account_is_made_exclu(tmp_path):
    path = _new_workbook(tmp_path)
    export = ("Date;N° de pièce;Fournisseur;Compte;Libellé;Montant HT\r\n"
              "06/10/2026;H-7;Cabinet Martin;62260000;Honoraires;2000\r\n")
    _import_csv(path, export)
    _add_correspondences(path, [["6226", "exclu", "", "", ""]])
    _name_columns(path, {"piece": "N° de pièce"})
    assert _import_csv(path, export).left_out == [5]
