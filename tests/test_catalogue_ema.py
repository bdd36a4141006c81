"""EMA (MovieLabs) Avails: XLSX and XML round trips, platform-like files, hostile and messy input."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]
from openpyxl import Workbook, load_workbook

from xlprod.core.issues import Severity
from xlprod.kinds.catalogue.ema import (
    AVAILS_NS,
    OPEN_END,
    AvailRight,
    avails_export_issues,
    export_avails_xlsx,
    export_avails_xml,
    import_avails_xlsx,
    import_avails_xml,
)
from xlprod.kinds.catalogue.rights import Direction, Media, Right
from xlprod.kinds.catalogue.works import Work

EIDR_1 = "10.5240/7EC7-228A-510A-053E-CBB8-J"  # a valid EIDR (identifiers' own test value)
FORMULA = '=HYPERLINK("http://evil.example","clic")'

WORKS = [
    Work(row=2, id="W001", title="L'Été dernier", kind="long métrage", year=2023, running_time=104, eidr=EIDR_1),
    Work(row=3, id="W002", title=FORMULA, kind="long métrage", year=2019),
    Work(row=4, id="W003", title="Les Heures claires", kind="court métrage", year=2021, running_time=18),
]

SVOD, TVOD, AVOD = Media.SVOD, Media.TVOD, Media.AVOD


def _right(row: int, work: str, partner: str, places: set[str], media: set[Media], start: date, end: date,
           exclusive: bool, direction: Direction = Direction.CEDE, holdback: date | None = None) -> Right:
    return Right(row=row, work=work, partner=partner, direction=direction, territories=frozenset(places),
                 media=frozenset(media), start=start, end=end, exclusive=exclusive, holdback_end=holdback)


RIGHTS = [
    _right(2, "W001", "Netflix", {"FR", "BE", "LU"}, {SVOD}, date(2024, 2, 1), date(2026, 1, 31), True),
    _right(3, "W001", "Orange", {"FR"}, {TVOD}, date(2023, 12, 13), date(2033, 12, 12), False),
    _right(4, "W001", "=cmd|' /C calc'!A0", {"CH", "CA"}, {TVOD, AVOD}, date(2025, 1, 1), OPEN_END, False),
    _right(5, "W002", "Pluto TV", {"FR", "BE", "CH", "LU", "CA"}, {AVOD}, date(2024, 6, 1), date(2024, 6, 30), True),
    _right(6, "W003", "Arte", {"FR"}, {SVOD, TVOD}, date(2022, 1, 1), date(2022, 12, 31), False),
    # not exchangeable: an acquisition, TV only, and the TV part of a mixed right
    _right(7, "W001", "Le Pacte", {"FR"}, {SVOD, TVOD, AVOD}, date(2023, 1, 1), date(2037, 12, 31), True,
           direction=Direction.ACQUIS),
    _right(8, "W002", "Canal+", {"FR"}, {Media.TV_PAYANTE}, date(2024, 1, 1), date(2025, 12, 31), True),
    _right(9, "W003", "Ciné+", {"FR"}, {Media.TV_PAYANTE, SVOD}, date(2025, 1, 1), date(2025, 6, 30), False,
           holdback=date(2025, 12, 31)),
]
# what comes back: granted rights, exchangeable media only
EXPECTED = [
    *RIGHTS[:5],
    _right(9, "W003", "Ciné+", {"FR"}, {SVOD}, date(2025, 1, 1), date(2025, 6, 30), False),
]


def _key(r: Right) -> tuple[object, ...]:
    return (r.work, r.partner, r.direction, r.territories, r.media, r.start, r.end, r.exclusive)


def _cells(rights: list[Right]) -> set[tuple[object, ...]]:
    """Rights as the (work, partner, dates, exclusivity, territory, media) cells they cover."""
    return {(r.work, r.partner, r.start, r.end, r.exclusive, t, m) for r in rights for t in r.territories for m in r.media}


def _errors(issues: list) -> list:
    return [i for i in issues if i.severity is Severity.ERROR]


# --- round trips -----------------------------------------------------------------------------------------------


def test_xlsx_round_trip_realistic() -> None:
    data = export_avails_xlsx(RIGHTS, WORKS, licensor="Les Films du Losange")
    got, issues = import_avails_xlsx(data, "avails.xlsx")
    assert issues == []
    assert [_key(r) for r in got] == [_key(r) for r in EXPECTED]
    assert all(isinstance(r, AvailRight) and r.direction is Direction.CEDE for r in got)
    assert got[0].title == "L'Été dernier" and got[0].content_id == EIDR_1
    assert got[3].title == FORMULA  # neutralised in the file, restored on import
    assert str(got[0].location()) == "avails.xlsx!Movies!V4"


def test_xml_round_trip_realistic() -> None:
    data = export_avails_xml(RIGHTS, WORKS, licensor="Les Films du Losange")
    root = etree.fromstring(data)
    assert root.tag == f"{{{AVAILS_NS}}}AvailList"
    assert len(root) == 3  # one Avail per work
    got, issues = import_avails_xml(data, "avails.xml")
    assert issues == []
    assert [_key(r) for r in got] == [_key(r) for r in EXPECTED]
    assert got[3].title == FORMULA and got[0].content_id == EIDR_1


def test_xlsx_and_xml_agree() -> None:
    from_xlsx, _ = import_avails_xlsx(export_avails_xlsx(RIGHTS, WORKS), "a.xlsx")
    from_xml, _ = import_avails_xml(export_avails_xml(RIGHTS, WORKS), "a.xml")
    assert [_key(r) for r in from_xlsx] == [_key(r) for r in from_xml]


# --- the exported files ----------------------------------------------------------------------------------------


def test_xlsx_layout_follows_the_template() -> None:
    wb = load_workbook(io.BytesIO(export_avails_xlsx(RIGHTS[:1], WORKS, licensor="Losange")))
    assert wb.sheetnames == ["Movies"]
    ws = wb["Movies"]
    names = [c.value for c in ws[2]]
    categories = dict(zip(names, (c.value for c in ws[1]), strict=True))
    assert categories["Territory"] == "AvailTrans" and categories["WorkType"] == "AvailAsset"
    assert categories["EntryType"] == "Disposition" and categories["TitleDisplayUnlimited"] == "AvailMetadata"
    assert categories["DisplayName"] == "Avail" and categories["AltID"] == "AvailAsset"
    assert all(c.value is None for c in ws[3])  # reserved row: the avails start on row 4
    rows = [dict(zip(names, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=4)]
    assert [(r["Territory"], r["LicenseType"]) for r in rows] == [("BE", "SVOD"), ("FR", "SVOD"), ("LU", "SVOD")]
    first = rows[0]
    assert first["DisplayName"] == "Losange" and first["Licensee"] == "Netflix"
    assert first["Start"] == "2024-02-01" and first["End"] == "2026-01-31"  # text, as the template writes dates
    assert first["Exclusive"] == "Yes" and first["EntryType"] == "Full Extract" and first["WorkType"] == "Movie"
    assert first["ContentID"] == EIDR_1 and first["AltID"] == "W001" and first["ReleaseYear"] == 2023
    assert first["TotalRunTime"] == "01:44:00" and first["FormatProfile"] == "HD"


def test_tvod_is_sent_as_est_and_vod_and_open_end() -> None:
    wb = load_workbook(io.BytesIO(export_avails_xlsx([RIGHTS[2]], WORKS)))
    ws = wb["Movies"]
    names = [c.value for c in ws[2]]
    rows = {(r[names.index("Territory")], r[names.index("LicenseType")], r[names.index("End")])
            for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows == {(t, lt, "Open") for t in ("CA", "CH") for lt in ("EST", "VOD", "AVOD")}
    xml = export_avails_xml([RIGHTS[2]], WORKS)
    assert xml.count(b"<EndCondition>Open</EndCondition>") == 6 and b"<End>" not in xml


def test_formula_text_neutralised_in_the_workbook() -> None:
    wb = load_workbook(io.BytesIO(export_avails_xlsx(RIGHTS, WORKS)))
    ws = wb["Movies"]
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    texts = {c.value for row in ws.iter_rows(min_row=4) for c in row if isinstance(c.value, str)}
    assert "'" + FORMULA in texts and FORMULA not in texts
    assert "'=cmd|' /C calc'!A0" in texts


def test_xml_dates_and_exclusivity() -> None:
    root = etree.fromstring(export_avails_xml(RIGHTS[:1], WORKS))
    ns = {"a": AVAILS_NS}
    trans = root.find("a:Avail/a:Transaction", ns)
    assert trans.findtext("a:Start", namespaces=ns) == "2024-02-01T00:00:00"
    assert trans.findtext("a:End", namespaces=ns) == "2026-01-31T23:59:59"  # inclusive last day, as MovieLabs converts it
    assert trans.findtext("a:Term[@termName='Exclusive']/a:Boolean", namespaces=ns) == "true"
    # element order of the XSD's AvailTrans-type
    assert [etree.QName(e).localname for e in trans] == ["Licensee", "LicenseType", "Territory", "Start", "End",
                                                         "FormatProfile", "Term"]
    avail = root.find("a:Avail", ns)
    assert [etree.QName(e).localname for e in avail][:6] == ["ALID", "Disposition", "Licensor", "AvailType",
                                                            "ShortDescription", "Asset"]


def test_export_warnings() -> None:
    issues = avails_export_issues([*RIGHTS, _right(10, "W999", "Netflix", {"FR"}, {SVOD}, date(2024, 1, 1),
                                                    date(2024, 12, 31), False)], WORKS, book="catalogue.xlsx")
    rendered = [i.render() for i in issues]
    assert all(i.severity is Severity.WARNING for i in issues)
    assert any(r.startswith("catalogue.xlsx!Droits!A8: avertissement CAT056") and "TV payante" in r and "non exporté" in r
               for r in rendered)
    assert any(r.startswith("catalogue.xlsx!Droits!A9: avertissement CAT056") and "SVOD seulement" in r for r in rendered)
    assert any("holdback" in r and "A9" in r for r in rendered)
    assert any("CAT056" in r and "1 droit(s) acquis" in r for r in rendered)
    assert any(r.startswith("catalogue.xlsx!Droits!A10: avertissement CAT058") for r in rendered)


# --- a file as a platform sends it -----------------------------------------------------------------------------

TEMPLATE_16 = ["DisplayName", "StoreLanguage", "Territory", "WorkType", "EntryType", "TitleInternalAlias",
               "TitleDisplayUnlimited", "LocalizationType", "LicenseType", "LicenseRightsDescription", "FormatProfile",
               "Start", "End", "PriceType", "PriceValue", "SRP", "Description", "OtherTerms", "OtherInstructions",
               "ContentID", "ProductID", "EncodeID", "AvailID", "Metadata", "AltID", "SuppressionLiftDate",
               "SpecialPreOrderFulfillDate", "ReleaseYear", "ReleaseHistoryOriginal", "ReleaseHistoryPhysicalHV",
               "ExceptionFlag", "RatingSystem", "RatingValue", "RatingReason", "RentalDuration", "WatchDuration",
               "CaptionIncluded", "CaptionExemption", "Any", "ContractID", "ServiceProvider", "TotalRunTime",
               "HoldbackLanguage", "HoldbackExclusionLanguage", "Licensee", "Exclusive", "TerritoryExclusion"]
_CATEGORY = {"DisplayName": "Avail", "EntryType": "Disposition", "WorkType": "AvailAsset", "ContentID": "AvailAsset",
             "ProductID": "AvailAsset", "EncodeID": "AvailAsset", "Metadata": "AvailAsset", "AltID": "AvailAsset",
             "AvailID": "Avail", "ExceptionFlag": "Avail", "ServiceProvider": "Avail", "Licensee": "Avail",
             "TitleInternalAlias": "AvailMetadata", "TitleDisplayUnlimited": "AvailMetadata",
             "LocalizationType": "AvailMetadata", "ReleaseYear": "AvailMetadata", "TotalRunTime": "AvailMetadata"}


def _platform_book(rows: list[dict[str, object]], *, header: list[str] = TEMPLATE_16, sheets: tuple[str, ...] = ()) -> bytes:
    """A workbook laid out as the EMA template: categories, names, a reserved row of notes, then avails."""
    wb = Workbook()
    wb.active.title = "Instructions"
    wb.active["A1"] = "Avails de juin — voir l'onglet Movies"
    for extra in sheets:
        wb.create_sheet(extra)
    ws = wb.create_sheet("Movies")
    ws.append([_CATEGORY.get(h, "AvailTrans") for h in header])
    ws.append(header)
    ws.append([None if h == "EntryType" else f"{h} (see the EMA spec)" for h in header])  # notes on the reserved row
    for row in rows:
        ws.append([row.get(h) for h in header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _avail(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {"DisplayName": "Les Films du Losange", "StoreLanguage": "fr", "WorkType": "Movie",
                               "EntryType": "Full Extract", "FormatProfile": "HD", "PriceType": "Tier",
                               "PriceValue": "Catalogue", "ServiceProvider": "Deluxe", "Licensee": "Netflix"}
    return base | fields


def test_platform_file_read_and_grouped() -> None:
    rows = [
        _avail(Territory="FR", LicenseType="EST", ContentID=EIDR_1, TitleDisplayUnlimited="L'Été dernier",
               Start=datetime(2024, 2, 1), End=datetime(2026, 1, 31), Exclusive="Yes", Licensee="Orange"),
        _avail(Territory="FR", LicenseType="VOD", ContentID=EIDR_1, Start="2024-02-01", End="2026-01-31",
               Exclusive="Yes", Licensee="Orange"),
        _avail(Territory="BE", LicenseType="EST", ContentID=EIDR_1, Start="2024-02-01", End="2026-01-31",
               Exclusive="Yes", Licensee="Orange"),
        {"EntryType": "// titles below are pending"},
        _avail(Territory="CH, LU", LicenseType="SVOD", AltID="W003", Start="2024-03-01", End="2024-03-31T23:59:59"),
        _avail(Territory="Benelux", TerritoryExclusion="NL", LicenseType="FVOD", AltID="W003", Start="2024-03-01",
               End="2024-04-01T00:00:00", Exclusive="no"),
        _avail(EntryType="Delete", Territory="CA", LicenseType="SVOD", AltID="W002", Start="2024-01-01", End="2024-12-31"),
        {},
    ]
    got, issues = import_avails_xlsx(_platform_book(rows), "netflix.xlsx", works=WORKS)
    assert [i.code for i in issues] == ["CAT057"]
    assert str(issues[0].location) == "netflix.xlsx!Movies!E10"
    assert [_key(r) for r in got] == [
        # EST and VOD rows are one TVOD window; FR and BE have the same media: one rectangle
        ("W001", "Orange", Direction.CEDE, frozenset({"FR", "BE"}), frozenset({TVOD}), date(2024, 2, 1),
         date(2026, 1, 31), True),
        # End at midnight on 1 April is 31 March, the End of the row above: same key, so LU has SVOD and AVOD
        ("W003", "Netflix", Direction.CEDE, frozenset({"CH"}), frozenset({SVOD}), date(2024, 3, 1), date(2024, 3, 31), False),
        ("W003", "Netflix", Direction.CEDE, frozenset({"LU"}), frozenset({SVOD, AVOD}), date(2024, 3, 1),
         date(2024, 3, 31), False),
        ("W003", "Netflix", Direction.CEDE, frozenset({"BE"}), frozenset({AVOD}), date(2024, 3, 1), date(2024, 3, 31), False),
    ]
    assert got[0].title == "L'Été dernier" and got[0].row == 4


def test_same_cells_group_into_rectangles() -> None:
    rows = [_avail(Territory=t, LicenseType=lt, AltID="W001", Start="2024-01-01", End="2024-12-31")
            for t, lt in (("FR", "SVOD"), ("BE", "SVOD"), ("FR", "EST"), ("FR", "VOD"), ("BE", "SVOD"))]
    got, issues = import_avails_xlsx(_platform_book(rows), "p.xlsx")
    assert issues == []
    assert [(r.territories, r.media) for r in got] == [(frozenset({"FR"}), frozenset({SVOD, TVOD})),
                                                      (frozenset({"BE"}), frozenset({SVOD}))]


def test_single_header_row_and_avails_sheet_name() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Avails"
    ws.append(["Territory", "LicenseType", "Start", "End", "AltID", "Licensee"])
    ws.append(["CA", "SVOD", "2024-01-01", "2024-06-30", "W002", "Crave"])
    out = io.BytesIO()
    wb.save(out)
    got, issues = import_avails_xlsx(out.getvalue(), "crave.xlsx")
    assert issues == []
    assert [_key(r) for r in got] == [("W002", "Crave", Direction.CEDE, frozenset({"CA"}), frozenset({SVOD}),
                                       date(2024, 1, 1), date(2024, 6, 30), False)]


def test_avail_on_the_reserved_row_is_not_read_but_said() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Movies"
    ws.append(["AvailTrans", "AvailTrans", "AvailTrans", "AvailTrans", "AvailAsset"])
    ws.append(["Territory", "LicenseType", "Start", "End", "AltID"])
    ws.append(["FR", "SVOD", "2024-01-01", "2024-12-31", "W001"])
    ws.append(["BE", "SVOD", "2024-01-01", "2024-12-31", "W001"])
    out = io.BytesIO()
    wb.save(out)
    got, issues = import_avails_xlsx(out.getvalue(), "a.xlsx")
    assert [(i.code, str(i.location)) for i in issues] == [("CAT057", "a.xlsx!Movies!A3")]
    assert [r.territories for r in got] == [frozenset({"BE"})]


def test_default_partner_when_the_file_names_none() -> None:
    header = [h for h in TEMPLATE_16 if h != "Licensee"]
    data = _platform_book([_avail(Territory="FR", LicenseType="SVOD", AltID="W001", Start="2024-01-01",
                                  End="2024-12-31")], header=header)
    got, _ = import_avails_xlsx(data, "p.xlsx", partner="Mubi")
    assert [r.partner for r in got] == ["Mubi"]


# --- messy input -----------------------------------------------------------------------------------------------


def test_bad_rows_located_and_skipped_others_kept() -> None:
    rows = [
        _avail(Territory="FR", LicenseType="SVOD", AltID="W001", Start="2024-01-01", End="2024-12-31"),
        _avail(Territory="FR", LicenseType="SVOD", AltID="W001", Start="31/02/2024", End="2024-12-31"),
        _avail(Territory="BE", LicenseType="Pay TV", AltID="W001", Start="2024-01-01", End="2024-12-31"),
        _avail(Territory="XX", LicenseType="SVOD", AltID="W001", Start="2024-01-01", End="2024-12-31"),
        _avail(Territory="LU", LicenseType="SVOD", AltID="W001", Start="2024-06-01", End="2024-01-31"),
        _avail(Territory="CH", LicenseType="SVOD", AltID="W001", Start="Immediate", End="2024-12-31"),
        _avail(Territory="CA", LicenseType="SVOD", Start="2024-01-01", End="2024-12-31"),
        _avail(Territory="CA", LicenseType="SVOD", AltID="W001", Start="2024-01-01", End="2024-12-31", Exclusive="peut-être"),
        _avail(Territory="CA", LicenseType="AVOD", AltID="W001", Start="2024-01-01", End="2024-12-31"),
    ]
    got, issues = import_avails_xlsx(_platform_book(rows), "avails.xlsx")
    located = [(i.code, str(i.location)) for i in issues]
    assert located == [
        ("CAT052", "avails.xlsx!Movies!L5"),
        ("CAT054", "avails.xlsx!Movies!I6"),
        ("CAT053", "avails.xlsx!Movies!C7"),
        ("CAT052", "avails.xlsx!Movies!M8"),
        ("CAT052", "avails.xlsx!Movies!L9"),
        ("CAT055", "avails.xlsx!Movies!Y10"),
        ("CAT059", "avails.xlsx!Movies!AT11"),
    ]
    assert all(i.severity is Severity.ERROR and "n'est pas lu" in i.hint for i in issues)
    assert "31/02/2024" in issues[0].message and "Pay TV" in issues[1].message and "XX" in issues[2].message
    assert [(r.territories, r.media) for r in got] == [(frozenset({"FR"}), frozenset({SVOD})),
                                                      (frozenset({"CA"}), frozenset({AVOD}))]


def test_missing_columns_one_issue_naming_them() -> None:
    header = [h for h in TEMPLATE_16 if h not in ("Start", "End", "AltID", "ContentID")]
    got, issues = import_avails_xlsx(_platform_book([_avail(Territory="FR", LicenseType="SVOD")], header=header),
                                     "avails.xlsx")
    assert got == []
    assert len(issues) == 1
    issue = issues[0]
    assert issue.code == "CAT051" and str(issue.location) == "avails.xlsx!Movies!A2"
    assert "Start" in issue.message and "End" in issue.message and "AltID ou ContentID" in issue.message


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("data", [
    b"",
    b"Territory;LicenseType;Start;End\nFR;SVOD;2024-01-01;2024-12-31\n",
    b"PK\x03\x04" + b"\x00" * 40,
    _zip({"hello.txt": b"not a workbook"}),
    _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not-closed"}),
], ids=["empty", "csv", "truncated-zip", "zip-not-xlsx", "broken-parts"])
def test_corrupt_bytes_refused_with_a_located_issue(data: bytes) -> None:
    got, issues = import_avails_xlsx(data, "avails.xlsx")
    assert got == []
    assert [i.code for i in issues] == ["CAT050"]
    assert str(issues[0].location) == "avails.xlsx"


# --- XML input -------------------------------------------------------------------------------------------------

PLATFORM_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<avails:AvailList xmlns:avails="http://www.movielabs.com/schema/avails/v2.5/avails"
                  xmlns:md="http://www.movielabs.com/schema/md/v2.9/md">
  <avails:Avail>
    <avails:ALID>md:alid:eidr-s:7EC7-228A-510A-053E-CBB8-J</avails:ALID>
    <avails:Disposition><avails:EntryType>Create</avails:EntryType></avails:Disposition>
    <avails:Licensor><md:DisplayName>Les Films du Losange</md:DisplayName></avails:Licensor>
    <avails:AvailType>single</avails:AvailType>
    <avails:ShortDescription>June</avails:ShortDescription>
    <avails:Asset contentID="10.5240/7EC7-228A-510A-053E-CBB8-J">
      <avails:WorkType>Movie</avails:WorkType>
      <avails:Metadata>
        <avails:TitleDisplayUnlimited>L'&#201;t&#233; dernier</avails:TitleDisplayUnlimited>
        <avails:TitleInternalAlias>L ETE DERNIER</avails:TitleInternalAlias>
      </avails:Metadata>
    </avails:Asset>
    <avails:Transaction>
      <avails:Licensee><md:DisplayName>Proximus</md:DisplayName></avails:Licensee>
      <avails:LicenseType>SVOD</avails:LicenseType>
      <avails:Territory><md:country>BE</md:country></avails:Territory>
      <avails:Territory><md:country>LU</md:country></avails:Territory>
      <avails:Start>2024-09-01T00:00:00Z</avails:Start>
      <avails:End>2025-09-01T00:00:00Z</avails:End>
      <avails:FormatProfile>HD</avails:FormatProfile>
      <avails:Term termName="Exclusive"><avails:Boolean>1</avails:Boolean></avails:Term>
    </avails:Transaction>
    <avails:Transaction>
      <avails:Licensee><md:DisplayName>Proximus</md:DisplayName></avails:Licensee>
      <avails:LicenseType>Pay TV</avails:LicenseType>
      <avails:Territory><md:country>BE</md:country></avails:Territory>
      <avails:Start>2024-09-01T00:00:00</avails:Start>
      <avails:EndCondition>Open</avails:EndCondition>
      <avails:FormatProfile>HD</avails:FormatProfile>
    </avails:Transaction>
  </avails:Avail>
  <avails:Avail>
    <avails:ALID>md:alid:org:x:2</avails:ALID>
    <avails:Disposition><avails:EntryType>Full Delete</avails:EntryType></avails:Disposition>
  </avails:Avail>
</avails:AvailList>
"""


def test_platform_xml_read() -> None:
    got, issues = import_avails_xml(PLATFORM_XML, "proximus.xml", works=WORKS)
    assert [(i.code, str(i.location)) for i in issues] == [("CAT054", "proximus.xml:27"), ("CAT057", "proximus.xml:36")]
    assert [_key(r) for r in got] == [("W001", "Proximus", Direction.CEDE, frozenset({"BE", "LU"}), frozenset({SVOD}),
                                       date(2024, 9, 1), date(2025, 8, 31), True)]
    assert got[0].title == "L'Été dernier"


def test_xml_without_works_keeps_the_eidr_as_work() -> None:
    got, _ = import_avails_xml(PLATFORM_XML, "proximus.xml")
    assert [r.work for r in got] == [EIDR_1]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<AvailList xmlns="http://www.movielabs.com/schema/avails/v2.6/avails"><Avail><ALID>&lol9;</ALID></Avail></AvailList>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE AvailList [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<AvailList xmlns="http://www.movielabs.com/schema/avails/v2.6/avails"><Avail><ALID>&secret;</ALID></Avail></AvailList>
"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE AvailList SYSTEM "http://attacker.example/avails.dtd">
<AvailList xmlns="http://www.movielabs.com/schema/avails/v2.6/avails"/>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, EXTERNAL_DTD], ids=["billion-laughs", "xxe", "external-dtd"])
def test_hostile_xml_refused(data: bytes) -> None:
    got, issues = import_avails_xml(data, "evil.xml")
    assert got == []
    assert [i.code for i in issues] == ["CAT050"]
    assert str(issues[0].location) == "evil.xml"
    assert "DOCTYPE" in issues[0].message


@pytest.mark.parametrize("data, code", [
    (b"", "CAT050"),
    (b"<AvailList><Avail>", "CAT050"),
    (b"\xff\xfe\x00garbage", "CAT050"),
    (b"<rss><channel/></rss>", "CAT051"),
], ids=["empty", "truncated", "binary", "not-avails"])
def test_bad_xml_refused(data: bytes, code: str) -> None:
    got, issues = import_avails_xml(data, "x.xml")
    assert got == [] and [i.code for i in issues] == [code]


def test_xml_bad_transaction_located_by_line() -> None:
    data = export_avails_xml(RIGHTS[:1], WORKS).replace(b"<Start>2024-02-01T00:00:00</Start>", b"<Start>bientot</Start>", 1)
    got, issues = import_avails_xml(data, "a.xml")
    assert [(i.code, str(i.location)) for i in issues] == [("CAT052", "a.xml:26")]
    assert [r.territories for r in got] == [frozenset({"FR", "LU"})]


# --- round trip, as a property ---------------------------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")), min_size=1,
                max_size=20)
_NAMES = st.one_of(_TEXT, st.sampled_from(["=1+1", "+33 1 23", "-5 €", "@SUM(A1)", "'=déjà", "''+x", "1917", "Yes"])) \
    .map(str.strip).filter(bool)
_PLACES = st.frozensets(st.sampled_from(["FR", "BE", "CH", "LU", "CA", "MC", "DE", "GB", "US"]), min_size=1)
_MEDIA = st.frozensets(st.sampled_from([SVOD, AVOD, TVOD]), min_size=1)


@st.composite
def _rights(draw: st.DrawFn) -> Right:
    start = draw(st.dates(date(2000, 1, 1), date(2040, 12, 31)))
    end = draw(st.one_of(st.just(OPEN_END), st.integers(0, 4000).map(lambda n: start + timedelta(days=n))))
    return Right(row=0, work=draw(st.sampled_from(["W001", "W002", "W003", "=W4", "film 5/é"])), partner=draw(_NAMES),
                 direction=Direction.CEDE, territories=draw(_PLACES), media=draw(_MEDIA), start=start, end=end,
                 exclusive=draw(st.booleans()))


_WORKS_ST = st.lists(st.builds(Work, row=st.just(0), id=st.sampled_from(["W001", "W002", "W003", "=W4"]), title=_NAMES),
                     unique_by=lambda w: w.id, max_size=4)
_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(st.lists(_rights(), min_size=1, max_size=6, unique_by=lambda r: (r.work, r.partner)), _WORKS_ST)
def test_round_trip_property_exact(rights: list[Right], works: list[Work]) -> None:
    want = [_key(r) for r in rights]
    for export, read in ((export_avails_xlsx, import_avails_xlsx), (export_avails_xml, import_avails_xml)):
        got, issues = read(export(rights, works), "p")
        assert _errors(issues) == []
        if export is export_avails_xlsx:
            assert [_key(r) for r in got] == want  # one row per avail, in the order of the rights
        else:
            assert Counter(map(_key, got)) == Counter(want)  # XML groups the avails by work: order aside


@_SETTINGS
@given(st.lists(_rights(), min_size=1, max_size=8))
def test_round_trip_property_same_cells(rights: list[Right]) -> None:
    for export, read in ((export_avails_xlsx, import_avails_xlsx), (export_avails_xml, import_avails_xml)):
        got, issues = read(export(rights, WORKS), "p")
        assert issues == []
        assert _cells(got) == _cells(rights)
