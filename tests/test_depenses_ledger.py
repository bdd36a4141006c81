"""Ledger exports: the FEC in its variants from the wild, and a CSV export with a column mapping."""

from __future__ import annotations

import codecs
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlprod.core.issues import Severity
from xlprod.kinds.depenses.ledger import (
    BNC_COLUMNS,
    DEFAULT_CSV_MAPPING,
    FEC_COLUMNS,
    MAX_PER_CODE,
    Detection,
    LedgerRead,
    looks_like_fec,
    read_fec,
    read_ledger_csv,
)
from xlprod.workbook.errors import WorkbookError

NAME = "export.txt"


def row(journal="HA", num="1", date="20240115", account="6132", account_label="Locations mobilières", aux="",
        aux_label="", piece="FA-TPX-0412", label="Location matériel lumière Transpalux", debit="0,00", credit="0,00",
        let="", date_let="", currency_amount="", currency="") -> list[str]:
    return [journal, "Achats" if journal.upper() == "HA" else "Opérations diverses", num, date, account,
            account_label, aux, aux_label, piece, "20240112", label, debit, credit, let, date_let, "20240131",
            currency_amount, currency]


# three purchase invoices and a payroll entry of a shoot, as a production accountant books them
SAMPLE = [
    row(account="6132", debit="4250,00"),                                                    # line 2
    row(account="44566", account_label="TVA déductible", debit="850,00"),                   # line 3
    row(account="401000", account_label="Fournisseurs", aux="401TRANSPALUX", aux_label="Transpalux",
        credit="5100,00", let="A", date_let="20240215"),                                    # line 4
    row(num="2", date="20240118", piece="F24-0087", label="Location caméra TSF Caméra", debit="12000,00"),  # 5
    row(num="2", date="20240118", piece="F24-0087", label="Location caméra TSF Caméra", account="44566",
        account_label="TVA déductible", debit="2400,00"),                                   # line 6
    row(num="2", date="20240118", piece="F24-0087", label="Location caméra TSF Caméra", account="401000",
        account_label="Fournisseurs", aux="401TSF", aux_label="TSF Caméra", credit="14400,00"),  # line 7
    row(num="3", date="20240120", piece="HDL-553", label="Hébergement équipe Hôtel du Lac", account="6064",
        account_label="Fournitures et hébergement", debit="1380,50"),                       # line 8
    row(num="3", date="20240120", piece="HDL-553", label="Hébergement équipe Hôtel du Lac", account="44566",
        account_label="TVA déductible", debit="138,05"),                                    # line 9
    row(num="3", date="20240120", piece="HDL-553", label="Hébergement équipe Hôtel du Lac", account="401000",
        account_label="Fournisseurs", aux="401HDL", aux_label="Hôtel du Lac", credit="1518,55"),  # line 10
    row(journal="OD", num="1", date="20240131", piece="PAIE-01", label="Salaires janvier", account="6411",
        account_label="Salaires, appointements", debit="3500,00"),                          # line 11
    row(journal="OD", num="1", date="20240131", piece="PAIE-01", label="Salaires janvier", account="421",
        account_label="Personnel - rémunérations dues", credit="3500,00"),                  # line 12
]
SAMPLE_TOTAL = Decimal("24518.55")


def fec(rows: list[list[str]] = SAMPLE, header: tuple[str, ...] | list[str] = FEC_COLUMNS, sep: str = "\t",
        ending: str = "\n", trailing: bool = False, encoding: str = "utf-8", bom: bool = False) -> bytes:
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    if trailing:
        lines = [line + sep for line in lines]
    data = (ending.join(lines) + ending).encode(encoding)
    return codecs.BOM_UTF8 + data if bom else data


def by_line(read: LedgerRead) -> dict[int, object]:
    return {line.line: line for line in read.lines}


def codes(read: LedgerRead) -> list[str]:
    return [issue.code for issue in read.issues]


def assert_sample(read: LedgerRead) -> None:
    """The sample read back in full, whatever the variant it was written in."""
    assert read.issues == []
    assert read.lines_read == len(SAMPLE) == len(read.lines)
    assert [line.line for line in read.lines] == list(range(2, 13))
    first, supplier, tsf = read.lines[0], read.lines[2], read.lines[5]
    assert (first.journal, first.entry, first.date, first.account, first.account_label) == (
        "HA", "1", dt.date(2024, 1, 15), "6132", "Locations mobilières")
    assert (first.debit, first.credit, first.amount) == (Decimal("4250.00"), Decimal("0.00"), Decimal("4250.00"))
    assert (supplier.supplier_account, supplier.supplier, supplier.credit) == ("401TRANSPALUX", "Transpalux",
                                                                               Decimal("5100.00"))
    assert (supplier.lettering, supplier.lettering_date) == ("A", dt.date(2024, 2, 15))
    assert (tsf.supplier, tsf.lettering, tsf.lettering_date, tsf.piece) == ("TSF Caméra", "", None, "F24-0087")
    assert read.lines[8].supplier == "Hôtel du Lac"
    assert read.lines[8].amount == Decimal("-1518.55")
    assert read.lines[9].journal == "OD"
    assert (read.lines[0].currency, read.lines[0].currency_amount) == ("", None)
    assert read.debit_total == read.credit_total == SAMPLE_TOTAL


# -- the FEC variants ------------------------------------------------------------------------------------------


def test_tab_separated_utf8_lf():
    read = read_fec(fec(), NAME)
    assert_sample(read)
    assert read.detection == Detection("FEC", "UTF-8", "\t", "\n", "18 colonnes", False)
    assert read.detection.describe() == "FEC 18 colonnes, UTF-8, séparateur tabulation, fins de ligne LF"


def test_pipe_separated():
    read = read_fec(fec(sep="|"), NAME)
    assert_sample(read)
    assert read.detection.separator == "|"
    assert "séparateur barre verticale" in read.detection.describe()


@pytest.mark.parametrize("sep", ["\t", "|"])
def test_trailing_separator_on_every_line(sep):
    read = read_fec(fec(sep=sep, trailing=True), NAME)
    assert_sample(read)
    assert read.detection.trailing_separator
    assert read.detection.describe().endswith(", séparateur en fin de ligne")


def test_an_empty_last_column_is_not_a_trailing_separator():
    read = read_fec(fec(), NAME)  # every sample line ends with an empty Idevise, hence with a tab
    assert not read.detection.trailing_separator


def test_utf8_with_bom():
    read = read_fec(fec(bom=True), NAME)
    assert_sample(read)
    assert read.detection.encoding == "UTF-8 avec BOM"


def test_windows_1252_with_accents_in_account_labels():
    data = fec(encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    read = read_fec(data, NAME)
    assert_sample(read)  # « Locations mobilières », « TVA déductible », « Hôtel du Lac » as written
    assert read.lines[1].account_label == "TVA déductible"
    assert read.detection.encoding == "Windows-1252"
    assert read.detection.describe() == "FEC 18 colonnes, Windows-1252, séparateur tabulation, fins de ligne LF"


def test_utf8_mixed_with_windows_1252_is_read_line_by_line_with_a_warning():
    """Two exports pasted together: each line decoded as it was written, never « mobiliÃ¨res » for good."""
    data = fec()[:-1] + b"\n" + "\t".join(row(num="9", label="Régie", debit="1,00", credit="1,00")).encode(
        "cp1252") + b"\n"
    read = read_fec(data, NAME)
    assert read.detection.encoding == "UTF-8, avec des lignes en Windows-1252"
    assert by_line(read)[2].account_label == "Locations mobilières" and by_line(read)[13].label == "Régie"
    warn = [i for i in read.issues if i.code == "DEP109"]
    assert len(warn) == 1 and warn[0].severity is Severity.WARNING
    assert warn[0].render().startswith("export.txt:13: avertissement DEP109: le fichier mêle UTF-8 et Windows-1252 : "
                                       "1 ligne(s) lue(s) en Windows-1252 (lignes 13)")


def test_an_entry_exported_twice_is_imported_as_the_file_says_and_said_two_identical_purchases_are_not():
    data = fec([*SAMPLE[:3], *SAMPLE[:3], *SAMPLE[3:]])  # entry 1 (three lines) twice
    read = read_fec(data, NAME)
    repeated = [i for i in read.issues if i.code == "DEP114"]
    assert [i.render().split(": avertissement")[0] for i in repeated] == ["export.txt:5"]
    assert "écriture 1 du 15/01/2024 présente 2 fois à l'identique (lignes 2 et 5)" in repeated[0].message
    assert len(read.lines) == len(SAMPLE) + 3
    twice = [row(debit="100,00"), row(debit="100,00"), row(account="401000", credit="200,00")]
    assert not [i for i in read_fec(fec(twice), NAME).issues if i.code == "DEP114"]


def test_a_date_before_march_1900_is_refused_excel_numbers_it_one_day_off():
    read = read_fec(fec([row(date="19000101", debit="1,00", credit="1,00")]), NAME)
    assert any(i.code == "DEP101" and "19000101" in i.message for i in read.issues)


def test_crlf_line_endings():
    read = read_fec(fec(ending="\r\n"), NAME)
    assert_sample(read)
    assert read.detection.line_ending == "\r\n"
    assert read.detection.describe().endswith("fins de ligne CRLF")


def test_doubled_cr_line_endings():
    read = read_fec(fec(ending="\r\r\n"), NAME)
    assert_sample(read)  # the line numbers are those an editor shows
    assert read.detection.line_ending == "\r\r\n"
    assert "fins de ligne CR CR LF" in read.detection.describe()


def test_old_mac_cr_line_endings():
    read = read_fec(fec(ending="\r"), NAME)
    assert_sample(read)
    assert read.detection.line_ending == "\r"


def amounts(rows: list[list[str]], style) -> list[list[str]]:
    return [r[:11] + [style(r[11]), style(r[12])] + r[13:] for r in rows]


def test_french_decimals_and_dots_are_both_decimal_marks():
    read = read_fec(fec(amounts(SAMPLE, lambda a: a.replace(",", "."))), NAME)
    assert_sample(read)
    read = read_fec(fec([row(debit="1234,5"), row(account="401000", credit="1234.50")]), NAME)
    assert [line.amount for line in read.lines] == [Decimal("1234.50"), Decimal("-1234.50")]
    assert read.issues == []


def test_a_dot_before_three_digits_alone_is_ambiguous_and_refused_at_its_line():
    """« 5.000 » read as 5,00 balanced its entry (5.000 / 1.000 / 6.000) and no decimal was lost to say so."""
    rows = [row(debit="5.000"), row(account="401000", credit="5.000")]
    read = read_fec(fec(rows), NAME)
    assert codes(read) == ["DEP102", "DEP102"] and read.lines == []
    assert "« 5.000 » est ambigu : 5 000 (point des milliers) ou 5,000 (point décimal) ?" in read.issues[0].message
    read = read_fec(fec([row(debit="5.00"), row(account="401000", credit="5000.000")]), NAME)
    assert codes(read) == ["DEP103"]  # two decimals, or four digits before the dot: a decimal point, as the norm has
    read = read_fec(fec([row(debit="05.000"), row(account="401000", credit="0.500"), row(account="401000",
                                                                                     credit="004.500")]), NAME)
    assert codes(read) == []  # a leading 0, or no group of three before the dot: no thousands, a decimal point
    read = read_fec(fec([row(debit="-5.000"), row(account="401000", credit="-5.000")]), NAME)
    assert "-5 000 (point des milliers) ou -5,000" in read.issues[0].message


def test_an_amount_the_workbook_would_refuse_is_refused_at_its_line():
    """200 000 000 000,00 was imported, then refused by every recalculation (DEP001) far from its FEC line."""
    read = read_fec(fec([row(debit="200000000000,00"), row(account="401000", credit="200000000000,00")]), NAME)
    assert codes(read) == ["DEP102", "DEP102"] and read.lines == []
    assert "dépasse toute valeur plausible (100 milliards)" in read.issues[0].message


def test_zero_padded_signed_and_spaced_amounts():
    read = read_fec(fec(amounts(SAMPLE, lambda a: a.rjust(15, "0"))), NAME)
    assert_sample(read)  # 000000004250,00
    rows = [row(debit="+1 234,56"), row(account="401000", credit="0000000001234,56"),
            row(num="2", account="6132", debit="-150,00", label="Avoir Transpalux"),
            row(num="2", account="401000", credit="- 000000000150,00")]
    read = read_fec(fec(rows), NAME)
    assert read.issues == []
    assert [(line.debit, line.credit) for line in read.lines] == [
        (Decimal("1234.56"), 0), (0, Decimal("1234.56")), (Decimal("-150.00"), 0), (0, Decimal("-150.00"))]


def test_more_than_two_decimals_are_rounded_with_a_warning():
    read = read_fec(fec([row(debit="100,005"), row(account="401000", credit="100,01")]), NAME)
    assert read.lines[0].debit == Decimal("100.01")  # half away from zero, like Excel
    assert codes(read) == ["DEP108"]
    assert read.issues[0].render().startswith("export.txt:2: avertissement DEP108: Debit « 100,005 »")



@pytest.mark.parametrize("form", ["debit-credit", "montant-sens"])
def test_an_entry_balanced_as_written_with_three_decimals_is_balanced_though_its_rounded_amounts_are_not(form):
    """Two lines of 10,005 for 20,01: rounded to the cent they make 20,02, and the entry was refused as
    unbalanced (DEP103) when the file is balanced; one off by a thousandth is balanced neither way."""
    rows = [row(debit="10,005"), row(account="6064", debit="10,005"), row(account="401000", credit="20,01"),
            row(num="2", debit="10,004"), row(num="2", account="401000", credit="10,01")]
    if form == "debit-credit":
        read = read_fec(fec(rows), NAME)
    else:
        header = [c for c in FEC_COLUMNS if c not in ("Debit", "Credit")] + ["Montant", "Sens"]
        as_sens = [[*r[:11], *r[13:], r[11] if r[11] != "0,00" else r[12], "D" if r[11] != "0,00" else "C"]
                   for r in rows]
        read = read_fec(fec(as_sens, header=header), NAME)
    assert read.refused == {("HA", "2", dt.date(2024, 1, 15))}  # the second entry only
    assert codes(read).count("DEP108") == 3 and codes(read).count("DEP103") == 1
    assert [line.debit for line in read.lines[:2]] == [Decimal("10.01"), Decimal("10.01")]


def test_22_column_ba_bnc_variant():
    rows = [r + ["20240215", "VIR", "", ""] for r in SAMPLE]
    read = read_fec(fec(rows, header=FEC_COLUMNS + BNC_COLUMNS), NAME)
    assert_sample(read)
    assert read.detection.variant == "22 colonnes (BA/BNC)"
    assert read.detection.describe().startswith("FEC 22 colonnes (BA/BNC), UTF-8")


def test_unknown_extra_columns_are_ignored():
    rows = [r + ["Tournage Paris"] for r in SAMPLE]
    read = read_fec(fec(rows, header=(*FEC_COLUMNS, "CodeAnalytique")), NAME)
    assert_sample(read)
    assert read.detection.variant == "18 colonnes"


def montant_sens(rows: list[list[str]], debit: str, credit: str) -> list[list[str]]:
    out = []
    for r in rows:
        is_debit = r[11] != "0,00"
        out.append(r[:11] + [r[11] if is_debit else r[12], debit if is_debit else credit] + r[13:])
    return out


SENS_HEADER = [*FEC_COLUMNS[:11], "Montant", "Sens", *FEC_COLUMNS[13:]]


@pytest.mark.parametrize(("debit", "credit"), [("D", "C"), ("+1", "-1"), ("d", "c")])
def test_montant_sens_variant(debit, credit):
    read = read_fec(fec(montant_sens(SAMPLE, debit, credit), header=SENS_HEADER), NAME)
    assert_sample(read)
    assert read.detection.variant == "Montant/Sens"
    assert read.detection.describe().startswith("FEC Montant/Sens, UTF-8")


def test_montant_sens_with_an_unknown_sens():
    rows = montant_sens(SAMPLE, "D", "C")
    rows[0][12] = "X"
    read = read_fec(fec(rows, header=SENS_HEADER), NAME)
    assert codes(read) == ["DEP107"]
    assert read.issues[0].render().startswith("export.txt:2: erreur DEP107: Sens « X » inconnu")
    assert 2 not in by_line(read)


def test_lower_case_journal_codes_and_headers():
    rows = [[r[0].lower(), *r[1:]] for r in SAMPLE]
    header = [h.lower() for h in FEC_COLUMNS]
    header[3] = "Écriture Date"  # accents and spaces are not significant either
    read = read_fec(fec(rows, header=header), NAME)
    assert_sample(read)
    assert {line.journal for line in read.lines} == {"HA", "OD"}


@pytest.mark.parametrize(("ecriture", "lettrage"), [("15/01/2024", "15/02/2024"), ("2024-01-15", "2024-02-15")])
def test_dates_outside_the_norm_are_accepted(ecriture, lettrage):
    rows = [list(r) for r in SAMPLE]
    for r in rows[:3]:
        r[3] = ecriture
    rows[2][14] = lettrage
    read = read_fec(fec(rows), NAME)
    assert_sample(read)


def test_currency_amounts():
    rows = [row(debit="920,00", currency_amount="1000,00", currency="usd", label="Location steadicam Los Angeles"),
            row(account="401000", credit="920,00", currency_amount="-1000,00", currency="USD"),
            row(num="2", debit="10,00", currency="EUR"), row(num="2", account="401000", credit="10,00")]
    lines = read_fec(fec(rows), NAME).lines
    assert [(line.currency, line.currency_amount) for line in lines] == [
        ("USD", Decimal("1000.00")), ("USD", Decimal("-1000.00")), ("", None), ("", None)]


def test_blank_lines_are_skipped_and_numbering_stays_physical():
    lines = ["\t".join(FEC_COLUMNS), *("\t".join(r) for r in SAMPLE[:3]), "\t" * 17, "", *("\t".join(r) for r in SAMPLE[3:6])]
    data = "\r\n".join(lines).encode()  # and no line ending after the last line
    read = read_fec(data, NAME)
    assert read.issues == []
    assert read.lines_read == 6
    assert [line.line for line in read.lines] == [2, 3, 4, 7, 8, 9]



@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("blank_lines", [1, 3])
def test_a_file_ending_in_blank_lines_is_read_whole(ending, blank_lines):
    """Many exports end with an empty line: the file was refused (« lecture incohérente du FEC ») and a CSV
    export the same way, pandas reading one record fewer than the file has lines."""
    read = read_fec(fec(ending=ending) + ending.encode() * blank_lines, NAME)
    assert_sample(read)
    assert read.issues == []
    csv_read = read_ledger_csv(("Date;Libellé;Montant HT" + ending + "05/01/2026;Location;10,00" + ending * (1 + blank_lines))
                               .encode(), "export.csv")
    assert csv_read.lines_read == 1 and len(csv_read.lines) == 1 and csv_read.issues == []


# -- errors, located FILE:LINE -----------------------------------------------------------------------------------


def test_unbalanced_entry_names_journal_entry_first_line_and_difference():
    rows = [list(r) for r in SAMPLE]
    rows[5][12] = "14400,01"  # TSF Caméra's credit, one cent off
    read = read_fec(fec(rows), NAME)
    assert codes(read) == ["DEP103"]
    issue = read.issues[0]
    assert issue.severity is Severity.ERROR
    assert issue.render().startswith("export.txt:5: erreur DEP103: écriture HA 2 du 18/01/2024 déséquilibrée")
    assert "écart -0,01\u00a0€" in issue.message
    assert "14\u202f400,01" in issue.message
    assert len(read.lines) == len(SAMPLE)  # an unbalanced entry's lines are still read


def test_same_entry_number_in_two_journals_are_two_entries():
    rows = [row(debit="100,00"), row(journal="OD", account="401000", credit="100,00")]
    read = read_fec(fec(rows), NAME)
    assert codes(read) == ["DEP103", "DEP103"]
    assert "écriture OD 1 du 15/01/2024 déséquilibrée" in read.issues[1].message


def test_a_date_that_is_not_a_date():
    rows = [list(r) for r in SAMPLE]
    rows[4][3] = "20241345"
    rows[8][14] = "2024021"
    read = read_fec(fec(rows), NAME)
    assert codes(read) == ["DEP101", "DEP101"]  # no unbalanced entry: the amounts were readable
    assert read.issues[0].render().startswith(
        "export.txt:6: erreur DEP101: EcritureDate « 20241345 » n'est pas une date du calendrier — Écrivez la date "
        "AAAAMMJJ")
    assert read.issues[1].render().startswith("export.txt:10: erreur DEP101: DateLet « 2024021 » n'est pas une date")
    assert sorted(set(range(2, 13)) - set(by_line(read))) == [6, 10]
    assert read.debit_total == read.credit_total == SAMPLE_TOTAL  # the file's totals, bad lines included


def test_an_amount_that_is_not_a_number():
    rows = [list(r) for r in SAMPLE]
    rows[3][11] = "12O00,00"  # a letter O
    rows[10][12] = "1.234,00"
    read = read_fec(fec(rows), NAME)
    assert codes(read) == ["DEP102", "DEP102"]  # the entries are not judged unbalanced on top of it
    assert read.issues[0].render().startswith("export.txt:5: erreur DEP102: Debit « 12O00,00 » n'est pas un montant")
    assert read.issues[1].render().startswith("export.txt:12: erreur DEP102: Credit « 1.234,00 »")
    assert 5 not in by_line(read) and 12 not in by_line(read)
    assert read.debit_total == SAMPLE_TOTAL - Decimal("12000.00")


def test_empty_mandatory_fields():
    rows = [list(r) for r in SAMPLE]
    rows[0][3] = ""
    rows[0][4] = " "
    read = read_fec(fec(rows), NAME)
    assert codes(read) == ["DEP104"]  # the entry is still balanced: its amounts were readable
    assert read.issues[0].render().startswith("export.txt:2: erreur DEP104: EcritureDate, CompteNum vides — Ce champ "
                                              "est obligatoire")
    assert 2 not in by_line(read)
    rows = [list(r) for r in SAMPLE]
    rows[3][2] = ""  # a line without its entry number: entry HA 2 is unbalanced as the file gives it
    read = read_fec(fec(rows), NAME)
    assert [i.render().split(" — ")[0] for i in read.issues] == [
        "export.txt:5: erreur DEP104: EcritureNum vide",
        "export.txt:6: erreur DEP103: écriture HA 2 du 18/01/2024 déséquilibrée : débit 2\u202f400,00\u00a0€, crédit 14\u202f400,00\u00a0€, "
        "écart -12\u202f000,00\u00a0€",
    ]


def test_label_with_the_separator_or_a_line_break():
    rows = [list(r) for r in SAMPLE]
    rows[0][10] = "Transpalux | lumière"
    read = read_fec(fec(rows, sep="|"), NAME)
    assert codes(read) == ["DEP106"]
    assert read.issues[0].render().startswith("export.txt:2: erreur DEP106: valeurs au-delà des 18 colonnes")
    rows = [list(r) for r in SAMPLE]
    rows[3][10] = "Location caméra\nTSF Caméra"
    read = read_fec(fec(rows), NAME)
    assert codes(read) == ["DEP105", "DEP105"]  # both halves; entry 2 is not judged
    assert [i.location.book for i in read.issues] == ["export.txt:5", "export.txt:6"]
    assert read.lines_read == len(SAMPLE) + 1


def test_values_after_the_trailing_separator_are_said_whatever_their_number():
    rows = [list(r) for r in SAMPLE]
    rows[0][-1] += "\tEUR"  # one value more, in the field the trailing separator opens
    rows[3][-1] += "\t \t"  # two fields more, blank: a separator too many shifts the columns all the same
    rows[5][-1] += "\t\t\tx"
    read = read_fec(fec(rows, trailing=True), NAME)
    assert read.detection.trailing_separator
    assert [(i.code, i.location.book) for i in read.issues if i.code == "DEP106"] == [
        ("DEP106", "export.txt:2"), ("DEP106", "export.txt:5"), ("DEP106", "export.txt:7")]


def test_a_stray_control_character_in_a_label_is_kept():
    rows = [list(r) for r in SAMPLE]
    rows[0][10] = "Location\x07 lumière"
    read = read_fec(fec(rows), NAME)
    assert read.issues == []
    assert read.lines[0].label == "Location\x07 lumière"


def test_issues_are_capped_per_code():
    rows = [row(num=str(i), date="2024-13-01", debit="1,00", credit="1,00") for i in range(MAX_PER_CODE + 7)]
    read = read_fec(fec(rows), NAME)
    assert len(read.issues) == MAX_PER_CODE + 1
    assert read.issues[-1].render().startswith("export.txt: erreur DEP101: 7 autre(s) ligne(s)")


def test_missing_mandatory_column_is_a_whole_file_error():
    header = [h for h in FEC_COLUMNS if h != "ValidDate"]
    rows = [r[:15] + r[16:] for r in SAMPLE]
    with pytest.raises(WorkbookError) as caught:
        read_fec(fec(rows, header=header), NAME)
    text = caught.value.render()
    assert text.startswith("export.txt:1: erreur: colonne(s) obligatoire(s) absente(s) du FEC : ValidDate")
    assert "En-têtes trouvés : JournalCode, JournalLib" in text


def test_missing_debit_column_mentions_montant_sens():
    header = [h for h in FEC_COLUMNS if h != "Debit"]
    with pytest.raises(WorkbookError, match=r"Debit \(ou Montant et Sens\)"):
        read_fec(fec([r[:11] + r[12:] for r in SAMPLE], header=header), NAME)


def test_duplicate_column_is_a_whole_file_error():
    with pytest.raises(WorkbookError, match=r"en double.*Debit"):
        read_fec(fec([r + ["0"] for r in SAMPLE], header=(*FEC_COLUMNS, "debit")), NAME)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "vide"),
    (b"\r\n  \r\n", "vide"),
    (codecs.BOM_UTF8, "vide"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binaire"),
    (b"PK\x03\x04\x14\x00\x06\x00", "classeur Excel"),
    (bytes(range(0x80, 0x100)) * 4, "ni UTF-8 ni Windows-1252"),
    (b"Journal\x02Code\tEcritureNum", "caractères de contrôle"),
    ("JournalCode\tEcritureNum".encode("utf-16"), "UTF-16"),
])
def test_empty_or_binary_files_are_refused(data, message):
    with pytest.raises(WorkbookError, match=message) as caught:
        read_fec(data, NAME)
    assert caught.value.hint


def test_a_file_without_a_fec_header_is_refused():
    with pytest.raises(WorkbookError, match="aucun en-tête de FEC reconnu") as caught:
        read_fec("Date;Libellé;Montant\n15/01/2024;Transpalux;100\n".encode(), NAME)
    assert "import CSV" in caught.value.hint
    assert str(caught.value.location) == "export.txt:1"


def test_a_semicolon_fec_is_read_with_a_warning():
    read = read_fec(fec(sep=";"), NAME)
    assert [i.code for i in read.issues] == ["DEP110"]
    assert len(read.lines) == len(SAMPLE)
    assert read.detection.separator == ";"


def test_header_only():
    read = read_fec(fec([]), NAME)
    assert (read.lines, read.lines_read, codes(read)) == ([], 0, ["DEP111"])


def test_totals_reconcile_to_the_file():
    read = read_fec(fec(ending="\r\n", bom=True), NAME)
    assert read.debit_total == sum(line.debit for line in read.lines) == SAMPLE_TOTAL
    assert read.credit_total == sum(line.credit for line in read.lines) == SAMPLE_TOTAL
    expected = sum(Decimal(r[11].replace(",", ".")) for r in SAMPLE)
    assert read.debit_total == expected
    supplier_total = sum(line.credit for line in read.lines if line.account.startswith("401"))
    assert supplier_total == Decimal("21018.55")


def test_looks_like_fec():
    assert looks_like_fec(fec())
    assert looks_like_fec(fec(sep="|", bom=True, encoding="cp1252", ending="\r\r\n"))
    assert looks_like_fec(fec(header=SENS_HEADER, rows=[]))
    assert not looks_like_fec(b"Date;Fournisseur;Montant HT\n")
    assert not looks_like_fec(b"PK\x03\x04\x00\x00")
    assert not looks_like_fec(b"")


# -- round trip over every variant -------------------------------------------------------------------------------

LABEL = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCÉÈàéèçôû'-./0123456789\"()"), max_size=30)
ACCOUNTS = ["6064", "6132", "6226", "6411", "44566"]
SUPPLIERS = ["Transpalux", "TSF Caméra", "Hôtel du Lac", "Loueur Vidéo Sud"]


@st.composite
def entries(draw):
    out = []
    for number in range(1, draw(st.integers(1, 5)) + 1):
        journal = draw(st.sampled_from(["HA", "ha", "Od", "BQ"]))
        date = draw(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)))
        debits = draw(st.lists(st.tuples(st.sampled_from(ACCOUNTS), st.integers(0, 10**11), LABEL), min_size=1,
                               max_size=3))
        supplier = draw(st.sampled_from(SUPPLIERS))
        lettered = draw(st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))))
        out.append((journal, str(number), date, debits, supplier, lettered))
    return out


def money_text(cents: int, style: str) -> str:
    whole, frac = f"{cents // 100}", f"{cents % 100:02d}"
    if style == "spaced":
        groups = []
        while whole:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = " ".join(groups)
    text = f"{whole}.{frac}" if style == "dot" else f"{whole},{frac}"
    if style == "padded":
        text = text.rjust(15, "0")
    if style == "signed":
        text = "+" + text
    return text


def date_text(day: dt.date, style: str) -> str:
    return {"norm": day.strftime("%Y%m%d"), "fr": day.strftime("%d/%m/%Y"), "iso": day.isoformat()}[style]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries(), st.sampled_from(["\t", "|"]), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
       st.sampled_from(["\n", "\r\n", "\r\r\n"]), st.booleans(),
       st.sampled_from(["comma", "dot", "padded", "spaced", "signed"]), st.sampled_from(["18", "22", "sens"]),
       st.sampled_from(["norm", "fr", "iso"]), st.sampled_from([str, str.lower, str.upper]))
def test_any_balanced_fec_in_any_variant_reads_back(book, sep, encoding, ending, trailing, style, form, dates,
                                                    header_case):
    rows, expected = [], []
    for journal, number, date, debits, supplier, lettered in book:
        total = sum(cents for _, cents, _ in debits)
        lines = [(account, cents, 0, label, "", "", None) for account, cents, label in debits]
        lines.append(("401000", 0, total, f"Facture {supplier}", "401" + supplier[:3].upper(), supplier, lettered))
        for account, debit, credit, label, aux, aux_label, let_date in lines:
            text = [journal, "Journal", number, date_text(date, dates), account, "Compte", aux, aux_label, "P-1",
                    date_text(date, dates), label, money_text(debit, style), money_text(credit, style),
                    "AB" if let_date else "", date_text(let_date, dates) if let_date else "", date_text(date, dates),
                    "", ""]
            if form == "sens":
                is_debit = account != "401000"
                text[11:13] = [money_text(debit if is_debit else credit, style), "D" if is_debit else "C"]
            if form == "22":
                text += ["", "CB", "", ""]
            rows.append(text)
            expected.append((journal.upper(), number, date, account, aux_label, label.strip(),
                             Decimal(debit).scaleb(-2), Decimal(credit).scaleb(-2), "AB" if let_date else "",
                             let_date))
    header = list(SENS_HEADER if form == "sens" else FEC_COLUMNS + (BNC_COLUMNS if form == "22" else ()))
    data = fec(rows, header=[header_case(h) for h in header], sep=sep, ending=ending, trailing=trailing,
               encoding=encoding)

    read = read_fec(data, NAME)

    assert [i for i in read.issues if i.code != "DEP114"] == []  # an entry of repeated lines is said, not refused
    assert [(line.journal, line.entry, line.date, line.account, line.supplier, line.label, line.debit, line.credit,
             line.lettering, line.lettering_date) for line in read.lines] == expected
    assert [line.line for line in read.lines] == list(range(2, len(rows) + 2))
    non_ascii = any(ord(ch) > 127 for ch in data.decode(encoding))
    encoding_label = {"utf-8-sig": "UTF-8 avec BOM", "cp1252": "Windows-1252" if non_ascii else "UTF-8"}.get(
        encoding, "UTF-8")
    variant = {"18": "18 colonnes", "22": "22 colonnes (BA/BNC)", "sens": "Montant/Sens"}[form]
    assert read.detection == Detection("FEC", encoding_label, sep, ending, variant, trailing)
    assert read.debit_total == read.credit_total == sum(e[6] for e in expected)
    assert looks_like_fec(data)


# -- CSV with a column mapping -----------------------------------------------------------------------------------

CSV_HEADER = ('"Date";"N° pièce";"Fournisseur";"Compte";"Compte devis";"Libellé";"Montant HT";"TVA";"Devise";'
              '"Taux de change";"Statut";"Date de paiement";"Pays";"Étiquettes"')


def csv_bytes(*rows: str, header: str = CSV_HEADER, ending: str = "\r\n", bom: bool = True) -> bytes:
    data = ending.join([header, *rows, ""]).encode()
    return codecs.BOM_UTF8 + data if bom else data


def test_csv_with_the_default_french_mapping():
    data = csv_bytes(
        '15/01/2024;FA-TPX-0412;Transpalux;6132;25.1.2;"Location lumière; semaine 1";4 250,00;850,00;EUR;;Payée;'
        '15/02/2024;FR;"tournage;lumière"',
        '18/01/2024;F24-0087;TSF Caméra;6132;;"Location caméra\nAlexa Mini";12000;2400;;;À payer;;FR;',
        '2024-01-20;HDL-553;"Hôtel du Lac";6064;;Hébergement équipe;1380,5;138,05;;;;;;',
        ';;;;;;;;;;;;;',
        '20/01/2024;AV-12;Transpalux;6132;;Avoir Transpalux;-150,00;-30,00;;;;;;',
        '22/01/2024;INV-88;Steadicam LA;6132;;Steadicam;920,00;0;usd;1,0856;;;US;',
    )
    read = read_ledger_csv(data, "depenses.csv")
    assert read.issues == []
    assert read.detection == Detection("CSV", "UTF-8 avec BOM", ";", "\r\n", "CSV", False)
    assert read.detection.describe() == "CSV, UTF-8 avec BOM, séparateur point-virgule, fins de ligne CRLF"
    assert read.lines_read == 5
    assert [line.line for line in read.lines] == [2, 3, 5, 7, 8]  # the quoted line break takes a line
    transpalux, tsf, hotel, avoir, steadicam = read.lines
    assert (transpalux.date, transpalux.piece, transpalux.supplier, transpalux.account, transpalux.devis_account) == (
        dt.date(2024, 1, 15), "FA-TPX-0412", "Transpalux", "6132", "25.1.2")
    assert transpalux.label == "Location lumière; semaine 1"
    assert (transpalux.debit, transpalux.credit, transpalux.vat) == (Decimal("4250.00"), 0, Decimal("850.00"))
    assert (transpalux.status, transpalux.payment_date, transpalux.country) == ("Payée", dt.date(2024, 2, 15), "FR")
    assert transpalux.tags == "tournage;lumière"
    assert (transpalux.journal, transpalux.entry, transpalux.currency) == ("", "", "")
    assert tsf.label == "Location caméra\nAlexa Mini"
    assert (tsf.payment_date, tsf.status) == (None, "À payer")
    assert (hotel.supplier, hotel.amount, hotel.date) == ("Hôtel du Lac", Decimal("1380.50"), dt.date(2024, 1, 20))
    assert (avoir.debit, avoir.credit, avoir.amount, avoir.vat) == (0, Decimal("150.00"), Decimal("-150.00"),
                                                                    Decimal("-30.00"))
    assert (steadicam.currency, steadicam.rate, steadicam.country) == ("USD", Decimal("1.0856"), "US")
    assert read.debit_total == Decimal("18629.25")  # in euros: the 920 $ of Steadicam at 1,0856 are 998,75 €
    assert read.credit_total == Decimal("150.00")


def test_csv_only_the_required_default_columns_must_be_present():
    data = csv_bytes("15/01/2024;Location lumière;1000", header="Date;Libellé;Montant HT", bom=False, ending="\n")
    read = read_ledger_csv(data, "depenses.csv")
    assert [(line.label, line.amount, line.supplier) for line in read.lines] == [
        ("Location lumière", Decimal("1000.00"), "")]
    assert read.detection.encoding == "UTF-8"


def test_csv_missing_mapped_column_names_it_and_lists_the_headers():
    mapping = {"date": "Date", "label": "Libellé", "amount": "Montant HT", "supplier": "Tiers"}
    with pytest.raises(WorkbookError) as caught:
        read_ledger_csv(csv_bytes("15/01/2024;x;x;x;;x;1;;;;;;;"), "depenses.csv", mapping)
    text = caught.value.render()
    assert text.startswith("depenses.csv:1: erreur: colonne absente du CSV : « Tiers »")
    assert "En-têtes trouvés : « Date », « N° pièce », « Fournisseur »" in text


def test_csv_missing_required_default_column():
    with pytest.raises(WorkbookError, match="« Montant HT »"):
        read_ledger_csv("Date;Libellé;Montant TTC\n15/01/2024;x;1\n".encode(), "depenses.csv")


def test_csv_debit_credit_mapping_comma_separated_cp1252():
    mapping = {"date": "Date", "label": "Libellé", "debit": "Débit", "credit": "Crédit", "account": "Compte"}
    data = ("Date,Compte,Libellé,Débit,Crédit\n"
            '20240115,6132,"Location lumière, Transpalux",4250.00,\n'
            "20240116,6226,Honoraires régisseur,,\n"
            "20240117,6411,Salaire,abc,\n").encode("cp1252")
    read = read_ledger_csv(data, "grand-livre.csv", mapping)
    assert read.detection.describe() == "CSV, Windows-1252, séparateur virgule, fins de ligne LF"
    assert [(line.line, line.account, line.label, line.debit) for line in read.lines] == [
        (2, "6132", "Location lumière, Transpalux", Decimal("4250.00"))]
    assert [i.render().split(" — ")[0] for i in read.issues] == [
        "grand-livre.csv:3: erreur DEP104: Débit et Crédit vides",
        "grand-livre.csv:4: erreur DEP102: Débit « abc » n'est pas un nombre",
    ]


def test_csv_bad_values_are_located_after_a_multi_line_field():
    data = csv_bytes('15/01/2024;;;;;"trois\nlignes\nde libellé";10;;;;;;;', '32/01/2024;;;;;x;10;;;;;;;',
                     '16/01/2024;;;;;y;1.234;;;;;;;', '17/01/2024;;;;;z;10;;USD;0;;;;')
    read = read_ledger_csv(data, "depenses.csv")
    assert [i.render().split(" — ")[0] for i in read.issues] == [
        "depenses.csv:5: erreur DEP101: Date « 32/01/2024 » n'est pas une date du calendrier",
        "depenses.csv:6: erreur DEP102: Montant HT « 1.234 » est ambigu (séparateur de milliers ou décimal ?)",
        "depenses.csv:7: erreur DEP112: Taux de change « 0 » nul ou négatif",
    ]
    assert [line.line for line in read.lines] == [2]


def test_csv_unclosed_quote_is_a_whole_file_error():
    with pytest.raises(WorkbookError, match="CSV mal formé") as caught:
        read_ledger_csv(csv_bytes('15/01/2024;;;;;"libellé;10;;;;;;;'), "depenses.csv")
    assert str(caught.value.location) == "depenses.csv:2"


def test_csv_mapping_errors():
    data = csv_bytes("15/01/2024;;;;;x;10;;;;;;;")
    with pytest.raises(WorkbookError, match=r"champ\(s\) inconnu\(s\).*montant"):
        read_ledger_csv(data, "depenses.csv", {"date": "Date", "label": "Libellé", "montant": "Montant HT"})
    with pytest.raises(WorkbookError, match="à la fois"):
        read_ledger_csv(data, "depenses.csv", {**DEFAULT_CSV_MAPPING, "debit": "Débit", "credit": "Crédit"})


def test_default_mapping_headers():
    assert DEFAULT_CSV_MAPPING["piece"] == "N° pièce"
    assert DEFAULT_CSV_MAPPING["tags"] == "Étiquettes"
    assert set(DEFAULT_CSV_MAPPING) == {"date", "piece", "supplier", "account", "devis_account", "label", "amount",
                                        "vat", "currency", "rate", "status", "payment_date", "country", "tags"}


def test_lines_ending_in_cr_alone_among_lf_lines_are_lines():
    """A file pasted together from an old Mac export and another: every line read, the endings said."""
    data = fec()
    lines = data.split(b"\n")
    mixed = b"\n".join(lines[:4]) + b"\r" + b"\r".join(lines[4:8]) + b"\n" + b"\n".join(lines[8:])
    read = read_fec(mixed, NAME)
    assert_sample(read)
    assert "fins de ligne mêlées (LF, CR)" in read.detection.describe()


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le"])
def test_utf16_without_its_byte_order_mark_is_named_not_called_binary(encoding):
    with pytest.raises(WorkbookError) as found:
        read_fec(fec(encoding=encoding), NAME)
    assert "UTF-16" in found.value.message


def test_many_entries_without_a_devis_account_are_counted_after_the_first_lines_listed():
    import datetime as dt

    from xlprod.kinds.depenses import layout as DL
    from xlprod.kinds.depenses.reader import read_entries
    from xlprod.workbook.port import RawTable

    headers = list(DL.DEPENSES_HEADERS)
    rows = []
    for i in range(11):
        row: list[object] = [None] * len(headers)
        row[headers.index("Date")] = dt.date(2026, 3, 2)
        row[headers.index("N° pièce")] = f"F{i}"
        row[headers.index("Fournisseur")] = "Loueur"
        row[headers.index("Libellé")] = "Location"
        row[headers.index("Montant HT")] = 100.0 + i
        row[headers.index("Statut")] = "payé"
        rows.append(row)
    issues: list = []
    read_entries(RawTable("Depenses", "Dépenses", 5, 1, headers, rows), "depenses.xlsx", issues)
    said = next(i for i in issues if i.code == "DEP006")
    assert said.message.endswith("lignes 6, 7, 8, 9, 10, 11, 12, 13 et 3 autres.") and "…" not in said.message
    assert said.location.cell == "D6"


def test_one_entry_number_at_two_dates_is_two_entries_each_judged_alone():
    """Software that numbers anew each month, or two fiscal years pasted together: HA 1 of 2025 and HA 1 of 2026.
    Grouped by number alone, two entries unbalanced by 100 € the other way balanced, and the 2026 line took the
    2025 supplier's lettering."""
    def entry(day: str, debit: str, credit: str, supplier: str, piece: str) -> list[list[str]]:
        return [["HA", "Achats", "1", day, "61350000", "Loc", "", "", piece, day, "Caméra", debit, "0,00", "", "",
                 day, "", ""],
                ["HA", "Achats", "1", day, "40100000", "Fourn", "F1", supplier, piece, day, "Caméra", "0,00", credit,
                 "", "", day, "", ""]]

    read = read_fec(fec(entry("20251005", "1100,00", "1000,00", "Loueur 2025", "F1")
                        + entry("20261005", "900,00", "1000,00", "Studio 2026", "F9")), "deux-exercices.txt")
    assert codes(read) == ["DEP103", "DEP103"]
    assert read.issues[1].render().startswith("deux-exercices.txt:4: erreur DEP103: écriture HA 1 du 05/10/2026 déséquilibrée")
    assert read.refused == {("HA", "1", dt.date(2025, 10, 5)), ("HA", "1", dt.date(2026, 10, 5))}
    read = read_fec(fec(entry("20261028", "1000,00", "1000,00", "Loueur", "F1")
                        + entry("20261103", "500,00", "500,00", "Studio", "F9")), "mensuel.txt")
    assert read.issues == [] and not read.refused and len(read.lines) == 4


def test_a_csv_export_with_debit_credit_and_currency_columns_is_no_fec():
    """Three headers a FEC also has (Débit, Crédit, Montant devise) made it one, and the import refused it."""
    head = "Date;N° pièce;Fournisseur;Libellé;Débit;Crédit;Montant devise;Devise".encode()
    assert not looks_like_fec(head + b"\r\n01/10/2026;F1;TSF;Camera;100,00;0,00;;\r\n")
    assert looks_like_fec(b"JournalCode;EcritureNum;EcritureDate;CompteNum;Debit;Credit\r\n")


def test_a_fec_with_every_field_in_quotes_reads_as_without():
    """Some programs quote every field: each amount used to be refused as « "6503,50" » n'est pas un montant."""
    quoted = [[f'"{v}"' for v in r] for r in SAMPLE]
    read = read_fec(fec(quoted, header=[f'"{h}"' for h in FEC_COLUMNS]), NAME)
    assert_sample(read)
    label = [row(label='Tournage "Les Heures claires"'), row(account="401000", credit="1234,56")]
    assert read_fec(fec(label), NAME).lines[0].label == 'Tournage "Les Heures claires"'  # quotes inside stay


def test_a_bad_line_of_one_month_leaves_the_same_number_of_another_month_imported():
    """October's HA 1 is balanced; November's HA 1 has an amount that is not one: only November's is refused."""
    def entry(day: str, amount: str) -> list[list[str]]:
        return [["HA", "Achats", "1", day, "61350000", "Loc", "", "", "F", day, "Caméra", amount, "0,00", "", "", day,
                 "", ""],
                ["HA", "Achats", "1", day, "40100000", "Fourn", "F1", "Loueur", "F", day, "Caméra", "0,00", "1000,00",
                 "", "", day, "", ""]]

    read = read_fec(fec(entry("20261028", "1000,00") + entry("20261103", "10x0,00")), NAME)
    assert codes(read) == ["DEP102"]
    assert read.refused == {("HA", "1", dt.date(2026, 11, 3))} and not read.rejected_entries
    split = [["HA", "Achats", "7", d, a, "L", "", "", "F", d, "Caméra", deb, cre, "", "", d, "", ""]
             for d, a, deb, cre in (("20261028", "61350000", "1000,00", "0,00"), ("20261031", "40100000", "0,00", "1000,00"))]
    read = read_fec(fec(split), NAME)  # one entry whose lines carry two dates: said with both
    assert "le même numéro porte d'autres dates (31/10/2026)" in read.issues[0].message



def test_a_line_whose_date_cannot_be_read_refuses_the_entry_of_its_neighbours_not_its_number_in_every_month():
    """A year's FEC numbered anew each month: one VAT line of March's HA 5 dated « 2026031 ». Every month's HA 5
    was refused (36 lines), only the bad line named; its neighbours of the same number say which entry it is.
    A bad line with no such neighbour still refuses its number at every date."""
    def entry(day: str, vat_day: str | None = None) -> list[list[str]]:
        return [["HA", "Achats", "5", day, "61350000", "Loc", "", "", "F", day, "Caméra", "100,00", "0,00", "", "", day,
                 "", ""],
                ["HA", "Achats", "5", vat_day or day, "44566000", "TVA", "", "", "F", day, "Caméra", "20,00", "0,00", "",
                 "", day, "", ""],
                ["HA", "Achats", "5", day, "40100000", "Fourn", "F1", "Loueur", "F", day, "Caméra", "0,00", "120,00",
                 "", "", day, "", ""]]

    read = read_fec(fec(entry("20260205") + entry("20260305", "2026031") + entry("20260405")), NAME)
    assert codes(read) == ["DEP101"]
    assert read.refused == {("HA", "5", dt.date(2026, 3, 5))} and not read.rejected_entries
    alone = [["HA", "Achats", "9", "2026031", "61350000", "Loc", "", "", "F", "", "Caméra", "100,00", "0,00", "", "",
              "", "", ""]]
    read = read_fec(fec(entry("20260205") + alone), NAME)
    assert read.rejected_entries == {("HA", "9")}
    # sorted by number, January's HA 5 next to February's: a line between the two belongs to neither, one inside
    # February's to February's
    last_of_january = entry("20260105")
    last_of_january[2][3] = "2026011"
    read = read_fec(fec(last_of_january + entry("20260205")), NAME)
    assert read.rejected_entries == {("HA", "5")} and not read.refused
    read = read_fec(fec(entry("20260105") + entry("20260205", "2026021")), NAME)
    assert read.refused == {("HA", "5", dt.date(2026, 2, 5))} and not read.rejected_entries


def test_a_header_ending_with_a_separator_the_data_lines_lack_is_read():
    """« erreur inattendue de xlprod (ValueError: Number of passed names did not match…) »: pandas was given
    names for the data lines' fields, and the header has one more."""
    data = fec(sep="|")
    head, rest = data.split(b"\n", 1)
    read = read_fec(head + b"|\n" + rest, NAME)
    assert_sample(read)
    assert read.issues == []


def test_a_label_of_two_quotes_in_a_file_that_quotes_no_field_is_read_as_written():
    """« "" » in one label made the whole file read as quoted: the label came back empty (found by the property
    test above, seeded anew in CI)."""
    rows = [row(label='""'), row(account="401000", credit="0,00")]
    assert read_fec(fec(rows), NAME).lines[0].label == '""'


def test_csv_title_lines_above_the_headers_are_skipped_and_said():
    data = ("Grand livre analytique, Les Heures claires\r\nPériode : du 01/01/2026 au 31/01/2026\r\n\r\n"
            "Date;Libellé;Montant HT\r\n05/01/2026;Location caméra;1 250,00\r\n").encode()
    read = read_ledger_csv(data, "export.csv")
    assert [(line.line, line.label, line.amount) for line in read.lines] == [(5, "Location caméra", Decimal("1250.00"))]
    assert read.lines_read == 1
    assert [i.render().split(" — ")[0] for i in read.issues] == [
        "export.csv:4: avertissement DEP115: 2 lignes au-dessus des en-têtes (« Grand livre analytique, Les Heures "
        "claires »…) : non lues, les en-têtes sont ligne 4"]


def test_csv_without_its_headers_anywhere_is_still_refused_at_its_first_line():
    with pytest.raises(WorkbookError) as caught:
        read_ledger_csv(b"Export;janvier\n05/01/2026;Location;10\n", "export.csv")
    assert caught.value.render().startswith("export.csv:1: erreur: colonnes absentes du CSV")


def test_csv_total_lines_are_not_read_nor_counted_and_a_dated_totalenergies_bill_is():
    data = csv_bytes("05/01/2026;Carburant;1000,00", "06/01/2026;TotalEnergies - gazole;80,00",
                     ";Sous-total janvier;1 080,00", "07/02/2026;Location;20,00", "Total;;1100,00",
                     ";TOTAUX;1100;", header="Date;Libellé;Montant HT", bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert [(line.line, line.label) for line in read.lines] == [(2, "Carburant"), (3, "TotalEnergies - gazole"),
                                                               (5, "Location")]
    assert (read.lines_read, read.uncounted, read.debit_total) == (3, 0, Decimal("1100.00"))
    assert [i.render().split(" — ")[0] for i in read.issues] == [
        "export.csv:4: avertissement DEP116: ligne de total (« Sous-total janvier ») : non lue, son montant n'est pas "
        "compté",
        "export.csv:6: avertissement DEP116: ligne de total (« Total ») : non lue, son montant n'est pas compté",
        "export.csv:7: avertissement DEP116: ligne de total (« TOTAUX ») : non lue, son montant n'est pas compté"]


def test_csv_an_undated_total_that_is_no_sum_of_the_lines_above_says_by_how_much():
    """« Total septembre » of 102 342,20 € over lines of 102 341,80 € was set aside with « Rien à faire »: the
    export may have lost a line."""
    data = csv_bytes("05/09/2026;Carburant;100 000,00", "06/09/2026;Location;2 341,80", ";Total septembre;102 342,20",
                     "01/10/2026;Location;20,00", ";Total octobre;19,00", ";Total général;102 361,80",
                     ";Total général;102 361,81", header="Date;Libellé;Montant HT", bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert read.debit_total == Decimal("102361.80")
    assert [i.render().split(" — ")[0] for i in read.issues] == [
        "export.csv:4: avertissement DEP116: ligne de total (« Total septembre ») : non lue, son montant n'est pas "
        "compté ; il n'est la somme d'aucune des lignes au-dessus : 0,40\xa0€ de plus que celles depuis la première "
        "ligne (102\u202f341,80\xa0€)",
        "export.csv:6: avertissement DEP116: ligne de total (« Total octobre ») : non lue, son montant n'est pas "
        "compté ; il n'est la somme d'aucune des lignes au-dessus : 1,00\xa0€ de moins que celles depuis le total "
        "précédent (20,00\xa0€)",
        "export.csv:7: avertissement DEP116: ligne de total (« Total général ») : non lue, son montant n'est pas "
        "compté",
        "export.csv:8: avertissement DEP116: ligne de total (« Total général ») : non lue, son montant n'est pas "
        "compté ; il n'est la somme d'aucune des lignes au-dessus : 0,01\xa0€ de plus que celles depuis la première "
        "ligne (102\u202f361,80\xa0€)"]


def test_csv_a_line_without_a_date_that_is_no_total_is_still_an_error():
    read = read_ledger_csv(csv_bytes(";Solde facture Transpalux;300,00", header="Date;Libellé;Montant HT"),
                           "export.csv")
    assert read.lines == []
    assert [i.code for i in read.issues] == ["DEP104"]


def test_csv_an_expense_with_a_mistyped_date_or_a_document_is_an_error_never_a_total():
    """A bad date is no missing date; « Cumulus Films », « Totalement » and TotalEnergies are no totals; an undated
    line with its own document is an expense in error, and a supplier named « Total » is the company."""
    data = csv_bytes("05/01/2026;;Loueur;Caméra;1000,00", "32/01/2026;;TotalEnergies;Carburant camion;250,00",
                     "2026-13-01;;Cumulus Films;Montage;800,00", ";B2;TotalEnergies;Gazole groupe;80,00",
                     ";;Total;Gazole;40,00", ";;;Totalement refait;10,00", ";;;Total Energies carburant;20,00",
                     header="Date;N° pièce;Fournisseur;Libellé;Montant HT", bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert [(i.location.book, i.code) for i in read.issues] == [
        ("export.csv:3", "DEP101"), ("export.csv:4", "DEP101"), ("export.csv:5", "DEP104"), ("export.csv:6", "DEP104"),
        ("export.csv:7", "DEP104"), ("export.csv:8", "DEP104")]
    assert (read.lines_read, read.uncounted, read.debit_total) == (7, 0, Decimal("2200.00"))


def test_csv_a_dated_subtotal_is_known_by_its_amount_the_sum_of_the_lines_above_it():
    """« Total journée » dated like its lines, with no document, supplier or account: it counted each
    expense twice. A dated line saying « Total » whose amount is not the lines' is refused, said."""
    data = csv_bytes("05/10/2026;G1;Loueur;6135;Caméra;312,45", "05/10/2026;G2;Loueur;6135;Grue;100,00",
                     "05/10/2026;;;;Total journée du 05/10/2026;412,45", "06/10/2026;G3;Traiteur;6257;Repas;50,00",
                     "06/10/2026;;;;Total journée du 06/10/2026;50,00", "31/10/2026;;;;Total octobre;462,45",
                     "31/10/2026;;;;Total location parc;99,00",
                     header="Date;N° pièce;Fournisseur;Compte;Libellé;Montant HT", bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert [line.label for line in read.lines] == ["Caméra", "Grue", "Repas"]
    assert [(i.location.book, i.code) for i in read.issues] == [("export.csv:4", "DEP116"), ("export.csv:6", "DEP116"),
                                                                ("export.csv:7", "DEP116"), ("export.csv:8", "DEP117")]
    assert read.debit_total == Decimal("561.45")  # the refused line's 99 € among the file's, set aside


def test_csv_nested_subtotals_a_zero_one_and_one_over_a_line_in_error_are_never_counted():
    """Days inside months inside a grand total: once one total was missed, its amount joined the sums and every
    total after it was imported as an expense (750 € counted for 350 €)."""
    data = csv_bytes("01/10/2026;Caméra;100,00", "01/10/2026;Total journée;100,00", "02/10/2026;Grue;200,00",
                     "02/10/2026;Total journée;200,00", "31/10/2026;Total octobre;300,00", "02/11/2026;Décor;50,00",
                     "02/11/2026;Avoir décor;-50,00", "02/11/2026;Total journée;0,00", "03/11/2026;Repas;50,00",
                     "30/11/2026;Total novembre;50,00", "30/11/2026;Total général;350,00",
                     "01/12/2026;Loge;1.234", "01/12/2026;Son;100,00", "01/12/2026;Total journée;1334,00",
                     "31/12/2026;Report à nouveau;5000,00", header="Date;Libellé;Montant HT", bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert [line.label for line in read.lines] == ["Caméra", "Grue", "Décor", "Avoir décor", "Repas", "Son"]
    assert [(i.location.book, i.code) for i in read.issues if i.code != "DEP116"] == [
        ("export.csv:13", "DEP102"), ("export.csv:15", "DEP117")]
    assert len([i for i in read.issues if i.code == "DEP116"]) == 7


def test_csv_a_report_a_nouveau_line_is_a_total_and_a_title_in_quotes_is_a_title():
    data = ('"Les Films du Nord" - Grand livre janvier\r\nDate;Libellé;Montant HT\r\n;Report à nouveau;5000,00\r\n'
            "05/01/2026;Caméra;100,00\r\n").encode()
    read = read_ledger_csv(data, "export.csv")
    assert [line.label for line in read.lines] == ["Caméra"]
    assert [i.code for i in read.issues] == ["DEP115", "DEP116"]
    assert read.issues[0].message.startswith("1 ligne au-dessus des en-têtes (« \"Les Films du Nord\" - Grand livre "
                                             "janvier »)")
    read = read_ledger_csv(b'"Export comptable, SARL Films du Parc"\nDate;Libell\xc3\xa9;Montant HT\n05/01/2026;x;1\n',
                           "export.csv")
    assert "(« Export comptable, SARL Films du Parc »)" in read.issues[0].message


def test_csv_words_that_only_begin_like_a_totals_and_a_supplier_keep_a_line_an_expense():
    """« Report tournage J12 » and « Cumul heures supp. » after an 800 € line were dropped as totals, and an
    undated line with a supplier was a total: expenses, in error when they have no date."""
    data = csv_bytes("05/10/2026;;Loueur;Caméra;800,00", "06/10/2026;;;Report tournage J12 : indemnité loueur;800,00",
                     "07/10/2026;;;Cumul heures supp. chauffeur S41;800,00", ";;Total;Total Access A6 gazole;80,00",
                     ";;Loueur;Report tournage – indemnité;300,00", header="Date;N° pièce;Fournisseur;Libellé;Montant HT",
                     bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert [line.label for line in read.lines] == ["Caméra", "Report tournage J12 : indemnité loueur",
                                                   "Cumul heures supp. chauffeur S41"]
    assert [(i.location.book, i.code) for i in read.issues] == [("export.csv:5", "DEP104"), ("export.csv:6", "DEP104")]


def test_csv_headers_not_found_say_where_they_were_looked_for():
    data = "\n".join([*(f"Note {n}" for n in range(1, 21)), "Date;Libellé;Montant HT", "05/01/2026;x;1"]).encode()
    with pytest.raises(WorkbookError) as caught:
        read_ledger_csv(data, "export.csv")
    assert caught.value.render().startswith("export.csv:1: erreur: en-têtes introuvables : aucune des 20 premières "
                                            "lignes n'a les colonnes « Date », « Libellé », « Montant HT »")


def test_csv_sections_open_at_undated_subtotals_and_cumulative_totals_count_the_balance_carried_in():
    """An undated « Sous-total » opened no section, so the dated week's total after it was refused; a « Cumul au
    31/10 » that includes the « Report à nouveau » was refused; « Cumul des heures supp. » equal to the line above
    was dropped as a total; a dated « Solde octobre » after a debit/credit total was imported (800 € twice)."""
    data = csv_bytes(";Report à nouveau;5000,00", "05/10/2026;Caméra;100,00", ";Sous-total semaine 1;100,00",
                     "12/10/2026;Grue;200,00", "12/10/2026;Total semaine 2;200,00", "31/10/2026;Total octobre;300,00",
                     "31/10/2026;Cumul au 31/10;5300,00", "02/11/2026;Chauffeur;800,00",
                     "03/11/2026;Cumul des heures supp. chauffeur S41;800,00", header="Date;Libellé;Montant HT",
                     bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert [line.label for line in read.lines] == ["Caméra", "Grue", "Chauffeur", "Cumul des heures supp. chauffeur S41"]
    assert [i.code for i in read.issues] == ["DEP116"] * 5
    mapping = {"date": "Date", "label": "Libellé", "debit": "Débit", "credit": "Crédit"}
    data = csv_bytes("05/10/2026;Caméra;800,00;", "05/10/2026;Avoir;;100,00", "31/10/2026;Total octobre;800,00;100,00",
                     "31/10/2026;Solde octobre;700,00;", header="Date;Libellé;Débit;Crédit", bom=False)
    read = read_ledger_csv(data, "export.csv", mapping)
    assert [line.label for line in read.lines] == ["Caméra", "Avoir"] and [i.code for i in read.issues] == ["DEP116"] * 2


def test_csv_a_balance_carried_to_the_next_page_and_period_words_after_cumul_and_solde():
    """« À reporter » is a page's total carried out, not a balance brought in: the month's total below it was refused;
    « Solde du décor » after its down payment is an expense; « Cumul à date », « Cumul exercice », « Solde période »
    equal to the lines above are totals."""
    data = csv_bytes("05/10/2026;Caméra;100,00", "06/10/2026;Grue;200,00", ";À reporter;300,00",
                     ";Report à nouveau;300,00", "07/10/2026;Dolly;50,00", "31/10/2026;Total octobre;350,00",
                     "31/10/2026;Cumul à date;350,00", "31/10/2026;Cumul exercice;350,00", "31/10/2026;Solde période;350,00",
                     "02/11/2026;Acompte construction décor;4000,00", "15/11/2026;Solde du décor;4000,00",
                     header="Date;Libellé;Montant HT", bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert [line.label for line in read.lines] == ["Caméra", "Grue", "Dolly", "Acompte construction décor",
                                                   "Solde du décor"]
    assert [i.code for i in read.issues] == ["DEP116"] * 6 and read.debit_total == Decimal("8350.00")


def test_csv_a_balance_paid_after_its_deposit_is_an_expense_whatever_follows_solde():
    """« Solde 50 % construction décor » after its « Acompte 50 % » (the same amount: a sum of one line) was dropped as
    a total, as were « Solde journée sup. grue » and « Cumul 3 jours location nacelle »."""
    data = csv_bytes("01/10/2026;Acompte 50 % construction décor;4000,00", "28/10/2026;Solde 50 % construction décor;4000,00",
                     "29/10/2026;Solde journée sup. grue;4000,00", "30/10/2026;Cumul 3 jours location nacelle;12000,00",
                     "31/10/2026;Solde 2e tranche location grue;24000,00", "31/10/2026;Solde au 31/10/2026;48000,00",
                     header="Date;Libellé;Montant HT", bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert len(read.lines) == 5 and [i.code for i in read.issues] == ["DEP116"]


def test_csv_weekly_cumulative_totals_are_totals_and_a_second_instalment_is_an_expense():
    data = csv_bytes("05/10/2026;Cantine;365,00", "11/10/2026;Cumul semaine 41;365,00", "12/10/2026;Cantine;90,00",
                     "18/10/2026;Cumul semaine 42;90,00", "31/10/2026;Cumul mois;455,00",
                     "01/11/2026;Acompte 1/2 construction décor;6000,00", "30/11/2026;Solde 2/2 construction décor;6000,00",
                     header="Date;Libellé;Montant HT", bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert [line.label for line in read.lines] == ["Cantine", "Cantine", "Acompte 1/2 construction décor",
                                                   "Solde 2/2 construction décor"]
    assert [i.code for i in read.issues] == ["DEP116"] * 3


def test_csv_cumulative_totals_dated_without_a_preposition_are_totals():
    data = csv_bytes("05/09/2026;Caméra;500,00", "06/09/2026;Grue;1000,00", "30/09/2026;Cumul 09/2026;1500,00",
                     "30/09/2026;Solde 30/09;1500,00", "30/09/2026;Cumul 30-09;1500,00", "01/10/2026;Solde jour 3 figuration;80,00",
                     header="Date;Libellé;Montant HT", bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert [line.label for line in read.lines] == ["Caméra", "Grue", "Solde jour 3 figuration"]
    assert [i.code for i in read.issues] == ["DEP116"] * 3


EXPENSE_LABELS = ["Solde 2/2 construction décor", "Solde 50 % décor", "Solde jour 3 figuration", "Cumul 3 jours nacelle",
                  "Solde 12/12 leasing véhicule régie", "Solde 2024-118 Transpalux", "Solde 1500 € cascadeur",
                  "Solde : facture Transpalux", "Solde de la journée sup. grue", "Solde juin figuration",
                  "Solde de tout compte Dupont", "TOTAL MARKETING FRANCE", "Total Wash lavage camion", "Solde jour 12",
                  "Solde 2e versement SACEM", "Solde semaine 2 cantine", "Solde 15/20 costumes", "Solde 2025 droits musicaux",
                  "Solde 11/12 location studio", "Cumul des heures supp. chauffeur", "Total Energies gazole"]
TOTAL_LABELS = ["Cumul au 30 septembre", "Solde au 30 septembre 2026", "Cumul fin de mois", "Cumul à ce jour",
                "Cumul mensuel", "Solde fin de période", "Cumul sept. 2026", "Cumul S41", "Cumul sem. 41", "Cumul T3 2026",
                "S/Total lumière", "Ss-total", "Cumul 1er trimestre", "Solde à reporter", "Report", "Solde précédent",
                "Nouveau solde", "Sous-total octobre", "Cumul au 30/09", "Cumul 09/2026", "Solde 30-09", "Cumul oct. 2026",
                "Récapitulatif semaine 41", "Cumul depuis le début", "Cumul général", "Solde final", "Montant total",
                "TOTAL HT", "Cumul du 01/09 au 30/09", "Cumul 2026-09-30", "Cumul semaine 41", "Cumul jour 12", "Solde Q3",
                "Cumul au 30/09/2026 (HT)", "Total semaine 3", "Cumul prépa"]


@pytest.mark.parametrize("label", EXPENSE_LABELS)
def test_csv_an_expense_whose_label_begins_like_a_total_is_never_dropped_without_an_error(label):
    """Undated: an error (DEP104), never a total skipped; dated, its amount that of the lines above: an expense."""
    above = ["05/09/2026;Caméra;500,00", "06/09/2026;Grue;1000,00"]
    undated = read_ledger_csv(csv_bytes(*above, f";{label};1500,00", header="Date;Libellé;Montant HT"), "e.csv")
    dated = read_ledger_csv(csv_bytes(*above, f"30/09/2026;{label};1500,00", header="Date;Libellé;Montant HT"), "e.csv")
    assert [i.code for i in undated.issues] == ["DEP104"]
    assert label in [line.label for line in dated.lines] and not dated.issues


@pytest.mark.parametrize("label", TOTAL_LABELS)
def test_csv_a_total_in_the_words_exports_use_is_never_counted(label):
    """Dated with the lines' amount, or undated: skipped (DEP116); dated with another amount: refused (DEP117)."""
    above = ["05/09/2026;Caméra;500,00", "06/09/2026;Grue;1000,00"]
    for line, code in ((f";{label};1500,00", "DEP116"), (f"30/09/2026;{label};1500,00", "DEP116"),
                       (f"30/09/2026;{label};80,00", "DEP117")):
        read = read_ledger_csv(csv_bytes(*above, line, header="Date;Libellé;Montant HT"), "e.csv")
        assert [x.label for x in read.lines] == ["Caméra", "Grue"] and [i.code for i in read.issues] == [code], line


def test_csv_totals_that_are_no_sum_by_nature_say_no_gap():
    """A year-to-date cumul, an opening balance, the taxes' totals: no line is missing from the export."""
    data = csv_bytes("05/10/2026;Carburant;100,00", "06/10/2026;Location;200,00", ";Total HT;300,00",
                     ";Total TVA;60,00", ";Total TTC;360,00", ";Cumul au 31/10/2026;5 300,00",
                     ";Solde au 30/09/2026;4 900,00", header="Date;Libellé;Montant HT", bom=False)
    read = read_ledger_csv(data, "export.csv")
    assert read.debit_total == Decimal("300.00")
    assert [i.code for i in read.issues] == ["DEP116"] * 5
    assert not [i for i in read.issues if "somme d'aucune" in i.message]


def test_csv_columns_that_only_look_alike_are_not_offered_as_missing_ones():
    """« Taux TVA » is no exchange rate and « Mode de paiement » no payment date: paired, they made every import of
    a common export warn."""
    mapping = {"date": "Date", "piece": "N° pièce", "label": "Libellé", "amount": "Montant HT",
               "rate": "Taux de change", "payment_date": "Date de paiement"}
    data = "Date;N° pièce;Libellé;Montant HT;Taux TVA;Mode de paiement\r\n05/10/2026;F-1;Nacelle;900;20;CB\r\n"
    assert read_ledger_csv(data.encode(), "export.csv", mapping, optional_absent=True).issues == []


def test_csv_a_wrong_total_hors_taxes_says_its_gap():
    read = read_ledger_csv(csv_bytes("05/10/2026;Carburant;100,00", ";Total hors taxes;90,00",
                                     header="Date;Libellé;Montant HT", bom=False), "export.csv")
    assert "10,00\xa0€ de moins" in read.issues[0].message
