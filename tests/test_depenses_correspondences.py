"""Correspondances: the ledger accounts an import leaves « à affecter » are proposed in the table, a blank
row decides nothing, and a CSV's optional columns an export lacks are no warning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.builder import DepensesInputs, build_depenses
from xlprod.kinds.depenses.correspondences import EXCLUDED, Mapping
from xlprod.kinds.depenses.importer import import_ledger
from xlprod.kinds.depenses.ledger import read_ledger_csv
from xlprod.kinds.depenses.model import Version, VersionLine
from xlprod.kinds.depenses.snapshot import add_version
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
    assert proposed[0]["Observations"] == ("Location caméra — ajouté par l'import de FEC.txt le 30/11/2026 : "
                                           "2 dépenses à affecter, 2\u202f000,00\xa0€ ; indiquez son compte du devis")
    said = next(i for i in s.issues if i.code == "DEP030")
    assert str(said.location) == "dep.xlsx!Correspondances!A5"
    assert "(61357101, 62340000, 62570000) sont ajoutés à la table Correspondances (Correspondances!A5:A7)" in \
        said.message

    # the administrator fills two in and leaves the receptions out; the same file again puts the rows there
    _type_devis_accounts(path, {"61357101": "7101", "62570000": "exclu"})
    s = _import(path, OCTOBER)
    assert (s.added, s.updated, s.unassigned, s.left_out) == (0, 2, 1, [7])
    assert [r["Compte devis"] for r in _rows(path, L.TABLE_DEPENSES)] == ["7101", "7101", None, None]
    assert len(_rows(path, L.TABLE_CORRESPONDANCES)) == 3  # nothing proposed twice: 62340000 is there, blank
    assert "sont ajoutés" not in next(i for i in s.issues if i.code == "DEP030").message


def test_accounts_a_correspondence_names_are_not_proposed(tmp_path):
    path = _new_workbook(tmp_path, [("6135", "7101", "", "Locations"), ("625", "", "", "Déplacements, réceptions")])
    s = _import(path, OCTOBER)
    assert s.unassigned == 2
    assert [r["Compte général"] for r in _rows(path, L.TABLE_CORRESPONDANCES)] == ["6135", "625", "62340000"]


def test_a_proposed_account_kept_out_by_a_cell_below_the_table_is_said_there_and_the_import_is_done(tmp_path):
    path = _new_workbook(tmp_path)
    book = XlsxFile(path)
    t = book.table(L.TABLE_CORRESPONDANCES)
    plan = WritePlan()
    plan.sheet(t.sheet).set(t.header_row + 2, t.first_col, CellWrite("note"))
    book.apply(plan)
    book.save()
    s = _import(path, OCTOBER)
    assert s.added == 4
    said = next(i for i in s.issues if i.code == "DEP030")
    assert "n'ont pas pu être ajoutés à la table Correspondances (cellule occupée en Correspondances!A6)" in said.message
    assert [r["Compte général"] for r in _rows(path, L.TABLE_CORRESPONDANCES)] == [None]


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


def test_an_export_without_the_optional_columns_is_no_warning_but_a_renamed_column_missing_is():
    mapping = {"date": "Date", "piece": "N° pièce", "label": "Libellé", "amount": "Montant HT", "currency": "Devise",
               "rate": "Taux de change", "tags": "Étiquettes"}
    data = "Date;N° pièce;Libellé;Montant HT\r\n05/10/2026;F-1;Nacelle;900\r\n".encode()
    read = read_ledger_csv(data, "export.csv", mapping, optional_absent=True)
    assert [i.code for i in read.issues] == []
    assert read.detection.describe().endswith("sans les colonnes « Devise », « Taux de change », « Étiquettes » (vides)")
    read = read_ledger_csv(data, "export.csv", mapping | {"tags": "Tags éco"}, optional_absent=True)
    assert [(i.code, str(i.location)) for i in read.issues] == [("DEP113", "export.csv:1")]
    assert "« Tags éco »" in read.issues[0].message and "Devise" not in read.issues[0].message
