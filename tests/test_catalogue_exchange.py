"""Exchange formats of the catalogue: CSV and JSON round trips, formula injection, messy input."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from xlprod.kinds.catalogue.exchange import (
    RIGHT_HEADERS,
    WORK_HEADERS,
    ExchangedRight,
    export_csv,
    export_json,
    import_rights_csv,
    import_rights_json,
    import_works_csv,
    import_works_json,
    rights_rows,
    works_rows,
)
from xlprod.kinds.catalogue.rights import Direction, Media, Right, expand
from xlprod.kinds.catalogue.works import Work
from xlprod.workbook.errors import WorkbookError

WORKS = [
    Work(row=2, id="W001", title="L'Été « dernier »", original_title='Le "vrai" titre; suite', kind="long métrage",
         year=2023, running_time=104, countries=("FR", "BE"), languages=("fr", "en"), director="Catherine Breillat",
         producers=("SBS Productions", "Pathé Films"), isan="0000-0001-8CFA-0000-I-0000-0000-S", subtitles_sdh=True,
         audio_description=False, release_fr=date(2023, 9, 13), status="sorti"),
    Work(row=3, id="W002", title="1917", kind="long métrage", year=2019),
    Work(row=4, id="W003", title="=HYPERLINK(\"http://x\",\"y\")", original_title="Titre\nsur deux lignes 🎬",
         kind="série", director="-5 €", genre="+33 1 23", status="@SUM(A1)"),
    Work(row=5, id="W004", title="'=déjà protégé", kind="court métrage"),
]

RIGHTS = [
    ExchangedRight(row=2, work="W001", partner="Canal+", direction=Direction.CEDE, territories=frozenset({"FR"}),
                   media=frozenset({Media.TV_PAYANTE}), start=date(2024, 1, 1), end=date(2025, 12, 31), exclusive=True,
                   holdback_end=date(2026, 6, 30), minimum_guarantee=Decimal("125000.50"), commission=Decimal("0.15")),
    ExchangedRight(row=3, work="W001", partner="=cmd|' /C calc'!A0", direction=Direction.ACQUIS,
                   territories=expand("Monde hors France"), media=frozenset(Media), start=date(2023, 1, 1),
                   end=date(2037, 12, 31), exclusive=False),
    ExchangedRight(row=4, work="1917", partner="Distributeur; « belge »", direction=Direction.CEDE,
                   territories=frozenset({"BE", "LU"}), media=frozenset({Media.SVOD, Media.TVOD}), start=date(2024, 3, 1),
                   end=date(2024, 3, 31), exclusive=False),
]


def _same_works(got: list[Work], want: list[Work]) -> None:
    assert [dataclasses.replace(w, row=0) for w in got] == [dataclasses.replace(w, row=0) for w in want]


def _same_rights(got: list[Right], want: list[ExchangedRight]) -> None:
    assert [dataclasses.replace(r, row=0, where=None) for r in got] == [dataclasses.replace(r, row=0, where=None) for r in want]


def _cells(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_works_csv_round_trip() -> None:
    data = export_csv(works_rows(WORKS), WORK_HEADERS)
    works, issues = import_works_csv(data, "oeuvres.csv")
    assert issues == []
    _same_works(works, WORKS)
    assert works[1].title == "1917"
    assert [w.row for w in works] == [2, 3, 4, 6]  # the title on two lines takes two physical lines


def test_rights_csv_round_trip() -> None:
    data = export_csv(rights_rows(RIGHTS), RIGHT_HEADERS)
    rights, issues = import_rights_csv(data, "droits.csv")
    assert issues == []
    _same_rights(rights, RIGHTS)
    assert str(rights[0].location()) == "droits.csv:2"
    text = data.decode("utf-8-sig")
    assert "125000,50" in text and "0,15" in text and "2026-06-30" in text  # French decimals, ISO dates


def test_json_round_trip() -> None:
    data = export_json(works_rows(WORKS), WORK_HEADERS)
    assert "L'Été" in data.decode("utf-8") and "🎬" in data.decode("utf-8")  # ensure_ascii=False
    works, issues = import_works_json(data, "oeuvres.json")
    assert issues == []
    _same_works(works, WORKS)
    rdata = export_json(rights_rows(RIGHTS), RIGHT_HEADERS)
    assert json.loads(rdata)[0]["Minimum garanti"] == "125000.50"
    assert json.loads(rdata)[0]["Début"] == "2024-01-01"
    rights, issues = import_rights_json(rdata, "droits.json")
    assert issues == []
    _same_rights(rights, RIGHTS)


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+33 1 23", "-5 €", "@SUM(A1)", "\tX", "\r=1", "'=A1"])
def test_formula_injection_neutralised(text: str) -> None:
    data = export_csv([{"Titre": text, "Durée (min)": -5, "Année": Decimal("-1.5")}], ["Titre", "Durée (min)", "Année"])
    _header, row = _cells(data)
    assert row[0] == "'" + text  # a spreadsheet shows text, never a formula
    assert row[1] == "-5" and row[2] == "-1,5"  # real numbers stay numbers
    works, _ = import_works_csv(export_csv([{"Identifiant": "W1", "Titre": text}], ["Identifiant", "Titre"]), "x.csv")
    assert works[0].title == text.strip()  # and the apostrophe goes on import


def test_messy_works_csv() -> None:
    data = ('\ufeff"Identifiant";"Titre";"Année";"Durée (min)";"Sortie France";"Pays";"Sous-titres SME"\r\n'
            'W1;1917;2019;119,0;Jun 12 1998;FR;oui\r\n'
            'W2;#N/A;N/A;-;12/06/1998;;\r\n'
            'W3;Titre;1998;;1998-06-12;Belgique;\r\n'
            'W4;Mauvaise date;1998;;32/13/1998;;\r\n'
            'W5;Pays;1998;;;Atlantide;\r\n'
            ';Sans identifiant;1998;;;;\r\n'
            'W7;Oui;1998;;;;peut-être\r\n').encode()
    works, issues = import_works_csv(data, "o.csv")
    assert [w.id for w in works] == ["W1", "W2", "W3"]
    assert works[0].title == "1917" and works[0].running_time == 119 and works[0].release_fr == date(1998, 6, 12)
    assert works[1].title == "" and works[1].year is None and works[1].running_time is None
    assert works[1].release_fr == date(1998, 6, 12) and works[2].release_fr == date(1998, 6, 12)
    assert works[2].countries == ("BE",)
    assert [(str(i.location), i.code) for i in issues] == [("o.csv:5", "CAT041"), ("o.csv:6", "CAT047"),
                                                           ("o.csv:7", "CAT040"), ("o.csv:8", "CAT043")]


def test_messy_rights_csv_windows_1252_commas() -> None:
    data = ("Œuvre,Partenaire,Sens,Territoires,Médias,Début,Fin,Exclusif,Minimum garanti\r\n"
            'W1,Arte,cédé,France,TV gratuite,01/01/2024,31/12/2024,non,"12 500,50"\r\n'
            "W1,X,cédé,Atlantide,SVOD,2024-01-01,2024-12-31,oui,\r\n"
            "W1,X,cédé,FR,Télépathie,2024-01-01,2024-12-31,oui,\r\n"
            "W1,X,vendu ?,FR,SVOD,2024-01-01,2024-12-31,oui,\r\n"
            "W1,X,acquis,FR,SVOD,pas une date,2024-12-31,oui,\r\n"
            "W1,X,acquis,FR,SVOD,2024-01-01,2024-12-31,oui,douze\r\n").encode("cp1252")
    rights, issues = import_rights_csv(data, "d.csv")
    assert len(rights) == 1 and rights[0].territories == frozenset({"FR"})
    assert isinstance(rights[0], ExchangedRight) and rights[0].minimum_guarantee == Decimal("12500.50")
    assert [(str(i.location), i.code) for i in issues] == [("d.csv:3", "CAT008"), ("d.csv:4", "CAT009"),
                                                           ("d.csv:5", "CAT044"), ("d.csv:6", "CAT041"),
                                                           ("d.csv:7", "CAT042")]
    assert all("n'est pas lue" in i.hint.casefold() for i in issues)


def test_missing_mandatory_column() -> None:
    with pytest.raises(WorkbookError) as caught:
        import_works_csv("\ufeffTitre;Année\r\nX;1998\r\n".encode(), "o.csv")
    assert "Identifiant" in caught.value.message and "« Titre »" in caught.value.hint
    with pytest.raises(WorkbookError) as caught:
        import_rights_json(json.dumps([{"Œuvre": "W1", "Sens": "acquis"}]).encode(), "d.json")
    assert "Territoires" in caught.value.message and str(caught.value.location) == "d.json"


def test_messy_json() -> None:
    data = json.dumps([
        {"Identifiant": "W1", "Titre": 1917, "Année": 2019.0, "Sortie France": "Jun 12 1998", "Production": ["A", "B"]},
        "pas un objet",
        {"Identifiant": "W3", "Titre": "X", "Sortie France": "bientôt"},
        {"Identifiant": "#N/A", "Titre": "Y"},
    ], ensure_ascii=False).encode()
    works, issues = import_works_json(data, "o.json")
    assert len(works) == 1 and works[0].title == "1917" and works[0].year == 2019
    assert works[0].release_fr == date(1998, 6, 12) and works[0].producers == ("A", "B")
    assert [(str(i.location), i.code) for i in issues] == [("o.json:#1", "CAT045"), ("o.json:#2", "CAT041"),
                                                           ("o.json:#3", "CAT040")]
