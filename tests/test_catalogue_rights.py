"""Rights of a catalogue (DOMAIN-FACTS §6.4, §3.5): media and territories as people type them, the
checks (dates, exclusivity, chain of title, chronologie des médias, expiry) and availability,
the vectorised index compared with a day-by-day reference on random small catalogues."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlprod.cnc.financing import media_window
from xlprod.cnc.reference import read_json
from xlprod.core.issues import Severity
from xlprod.core.location import Location
from xlprod.kinds.catalogue.rights import (
    Avail,
    AvailsIndex,
    Direction,
    Media,
    Right,
    add_months,
    avails,
    check_chain_of_title,
    check_chronology,
    check_dates,
    check_exclusive_overlaps,
    check_expiring,
    check_rights,
    chronology_window,
    conflicts,
    describe_territories,
    expand,
    media_set,
    read_media,
    read_territories,
    territories,
    uncovered,
)

D = date
ALL = frozenset(Media)
SVOD = frozenset({Media.SVOD})
EU27 = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV",
        "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}


def right(row: int, work: str, direction: str, places: str, media: frozenset[Media], start: date, end: date,
          exclusive: bool = True, partner: str = "", holdback: date | None = None) -> Right:
    return Right(row, work, partner or f"P{row}", Direction(direction), expand(places), media, start, end, exclusive, holdback)


FROM, UNTIL = D(2025, 1, 1), D(2034, 12, 31)  # the usual acquisition of the hand cases


def acquired(row: int, work: str, places: str = "Monde", media: frozenset[Media] = ALL, start: date = FROM,
             end: date = UNTIL, exclusive: bool = True) -> Right:
    return right(row, work, "acquis", places, media, start, end, exclusive, partner="Ayant droit")


# --- media ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "media"), [
    ("Salles", Media.SALLES), ("salle", Media.SALLES), ("SVOD", Media.SVOD), (" svod ", Media.SVOD),
    ("TV payante", Media.TV_PAYANTE), ("Télévision payante", Media.TV_PAYANTE), ("TV GRATUITE", Media.TV_GRATUITE),
    ("VàD", Media.TVOD), ("VOD à l'acte", Media.TVOD), ("TVOD / EST", Media.TVOD), ("EST", Media.TVOD),
    ("AVOD", Media.AVOD), ("Vidéo", Media.VIDEO), ("DVD", Media.VIDEO), ("Blu-ray", Media.VIDEO),
    ("non commercial", Media.NON_COMMERCIAL), ("Non-commercial", Media.NON_COMMERCIAL),
])
def test_media_from_text(text, media):
    assert Media.from_text(text) is media


def test_media_labels_read_back_and_lists():
    for m in Media:
        assert Media.from_text(m.label) is m
        assert Media.from_text(m.value) is m
    assert Media.from_text("télépathie") is None
    assert media_set("SVOD, TVOD/EST ; TV payante") == {Media.SVOD, Media.TVOD, Media.TV_PAYANTE}
    assert media_set("Salles et vidéo") == {Media.SALLES, Media.VIDEO}
    assert media_set("Tous médias") == ALL
    with pytest.raises(ValueError, match="Média inconnu : « radio »"):
        media_set("SVOD, radio")
    value, issues = read_media("radio", Location(sheet="Droits", cell="F4"))
    assert value == frozenset() and [i.code for i in issues] == ["CAT009"]


# --- territories ---------------------------------------------------------------------------------


def test_territory_data_is_consistent():
    data = read_json("territoires.json")  # packaged, read like the other reference tables
    t = territories()
    assert len(t.codes) == 249 and all(len(c) == 2 and c.isupper() for c in t.codes)
    assert set(data["groups"]) == set(t.groups)
    assert t.groups["UE"] == EU27
    assert t.groups["EEE"] == EU27 | {"IS", "LI", "NO"}
    assert t.groups["Monde"] == t.codes
    assert all(group <= t.codes for group in t.groups.values())
    assert "GB" not in t.groups["UE"] and "GR" in t.groups["UE"]


@pytest.mark.parametrize(("text", "codes"), [
    ("BE", {"BE"}), ("be", {"BE"}), ("Belgique", {"BE"}), ("BELGIQUE", {"BE"}), ("Côte d'Ivoire", {"CI"}),
    ("cote d ivoire", {"CI"}), ("Royaume-Uni", {"GB"}), ("UK", {"GB"}), ("Etats-Unis", {"US"}),
    ("Benelux", {"BE", "NL", "LU"}), ("benelux", {"BE", "NL", "LU"}), ("DACH", {"DE", "AT", "CH"}),
    ("BE, LU ; NL", {"BE", "NL", "LU"}), ("Benelux hors Luxembourg", {"BE", "NL"}), ("Union européenne", EU27),
    ("UE", EU27), ("ue", EU27), ("EU", EU27), ("Scandinavie", {"DK", "NO", "SE"}),
])
def test_expand(text, codes):
    assert expand(text) == codes


def test_expand_groups():
    world = territories().codes
    assert expand("Monde") == expand("monde") == expand("World") == world
    assert expand("Monde hors France") == world - {"FR"}
    assert expand("Monde (hors France, Belgique)") == world - {"FR", "BE"}
    latam = expand("Amérique latine")
    assert {"MX", "BR", "AR", "CL", "CO"} <= latam and "PR" not in latam and "ES" not in latam and len(latam) == 20
    fr = expand("Francophonie")
    assert {"FR", "BE", "CH", "LU", "MC", "CA", "SN", "CI", "RE", "MA"} <= fr and not {"DE", "GB", "US"} & fr
    assert expand("France et DOM-TOM") >= {"FR", "GP", "MQ", "GF", "RE", "YT", "NC", "PF"}
    assert describe_territories(expand("UE")) == "UE"
    assert describe_territories(world - {"FR"}) == "Monde hors FR"
    assert describe_territories({"FR", "BE"}) == "BE, FR"


def test_unknown_territory_is_a_french_error():
    with pytest.raises(ValueError, match="Territoire inconnu : « atlantide »"):
        expand("France, Atlantide")
    with pytest.raises(ValueError, match="ne désigne aucun territoire"):
        expand("FR hors France")
    where = Location(book="cat.xlsx", sheet="Droits", cell="E9")
    codes, issues = read_territories("Narnia", where)
    assert codes == frozenset() and issues[0].code == "CAT008" and issues[0].location == where
    assert "Territoire inconnu" in issues[0].message


def test_direction_typed_as_text():
    r = Right(3, "A", "X", "cédé", frozenset({"BE"}), SVOD, D(2027, 1, 1), D(2027, 12, 31), True)  # type: ignore[arg-type]
    assert r.direction is Direction.CEDE and r.granted
    assert Right(3, "A", "X", "Acquisition", frozenset({"BE"}), SVOD, D(2027, 1, 1), D(2027, 1, 1),  # type: ignore[arg-type]
                 False).direction is Direction.ACQUIS
    with pytest.raises(ValueError, match="Sens inconnu"):
        Right(3, "A", "X", "prêté", frozenset({"BE"}), SVOD, D(2027, 1, 1), D(2027, 1, 1), False)  # type: ignore[arg-type]


def test_add_months_clamps_to_the_month_end():
    assert add_months(D(2025, 8, 31), 6) == D(2026, 2, 28)
    assert add_months(D(2025, 1, 15), 17) == D(2026, 6, 15)
    assert add_months(D(2024, 12, 31), 2) == D(2025, 2, 28)


# --- availability: hand cases --------------------------------------------------------------------


SPRING = (D(2027, 3, 1), D(2027, 5, 31))


def catalogue() -> list[Right]:
    return [
        acquired(2, "Film A"),
        right(3, "Film A", "cédé", "BE", SVOD, D(2027, 1, 1), D(2027, 12, 31), exclusive=True, partner="Streamz"),
        acquired(4, "Film B"),
        right(5, "Film B", "cédé", "BE", SVOD, D(2027, 1, 1), D(2027, 12, 31), exclusive=False, partner="Proximus Pickx"),
        acquired(6, "Film C", places="UE"),
    ]


def by_work(result: list[Avail]) -> dict[str, Avail]:
    return {a.work: a for a in result}


def test_belgian_svod_spring_2027():
    result = by_work(AvailsIndex(catalogue()).query("Belgique", Media.SVOD, *SPRING))
    a, b, c = result["Film A"], result["Film B"], result["Film C"]
    assert not a.free and a.blocking_rows == (3,)
    assert "ligne 3" in a.reason and "Streamz" in a.reason and "01/01/2027 au 31/12/2027" in a.reason
    assert b.free and b.blocking_rows == () and b.reason == "libre : droits acquis ligne 4"  # a non-exclusive grant
    assert c.free


def test_exclusive_deal_is_blocked_by_any_grant():
    result = by_work(AvailsIndex(catalogue()).query("BE", "SVOD", *SPRING, exclusive=True))
    assert not result["Film B"].free and result["Film B"].blocking_rows == (5,) and "non exclusif" in result["Film B"].reason
    assert result["Film C"].free


def test_not_acquired_for_canada():
    result = by_work(AvailsIndex(catalogue()).query("CA", Media.SVOD, *SPRING, works=["Film C", "Film Z"]))
    assert list(result) == ["Film C", "Film Z"]
    assert not result["Film C"].free and result["Film C"].reason == "droits non acquis : CA — SVOD"
    assert not result["Film Z"].free and "non acquis" in result["Film Z"].reason  # a work the catalogue does not know
    tv = by_work(AvailsIndex(catalogue()).query("BE", Media.NON_COMMERCIAL, *SPRING))
    assert tv["Film A"].free  # acquired in all media, granted in SVOD only


def test_partial_coverage_and_consecutive_acquisitions():
    rights = [
        acquired(2, "A", places="FR", media=SVOD, start=D(2025, 1, 1), end=D(2027, 3, 31)),
        acquired(3, "B", places="FR", media=SVOD, start=D(2025, 1, 1), end=D(2027, 3, 31)),
        acquired(4, "B", places="FR", media=SVOD, start=D(2027, 4, 1), end=D(2029, 12, 31)),  # a renewal, the next day
    ]
    result = by_work(AvailsIndex(rights).query("FR", Media.SVOD, *SPRING))
    assert not result["A"].free
    assert result["A"].reason == "droits acquis (ligne 2) ne couvrant pas du 01/04/2027 au 31/05/2027 : FR — SVOD"
    assert result["B"].free and result["B"].reason == "libre : droits acquis lignes 3, 4"


def test_boundaries_are_inclusive():
    window = (D(2027, 4, 1), D(2027, 6, 30))

    def free(grant_end: date, acquired_end: date = UNTIL) -> bool:
        rights = [acquired(2, "A", end=acquired_end),
                  right(3, "A", "cédé", "BE", SVOD, D(2027, 1, 1), grant_end, exclusive=True)]
        return AvailsIndex(rights).query("BE", Media.SVOD, *window)[0].free

    assert free(D(2027, 3, 31))  # ends the day before the window opens
    assert not free(D(2027, 4, 1))  # ends on the first day of the window
    assert free(D(2027, 3, 31), acquired_end=D(2027, 6, 30))  # acquired up to the last day, inclusive
    assert not free(D(2027, 3, 31), acquired_end=D(2027, 6, 29))
    starts_after = [acquired(2, "A"), right(3, "A", "cédé", "BE", SVOD, D(2027, 7, 1), D(2028, 1, 1))]
    assert AvailsIndex(starts_after).query("BE", Media.SVOD, *window)[0].free
    one_day = AvailsIndex([acquired(2, "A")]).query("BE", Media.SVOD, D(2027, 4, 1), D(2027, 4, 1))
    assert one_day[0].free


def test_holdback_blocks_after_a_non_exclusive_grant():
    rights = [acquired(2, "A"),
              right(3, "A", "cédé", "FR", SVOD, D(2026, 1, 1), D(2027, 2, 28), exclusive=False, partner="Canal+",
                    holdback=D(2027, 4, 30))]
    result = AvailsIndex(rights).query("FR", Media.SVOD, *SPRING)[0]
    assert not result.free and result.blocking_rows == (3,) and "holdback" in result.reason
    later = AvailsIndex(rights).query("FR", Media.SVOD, D(2027, 5, 1), D(2027, 5, 31))[0]
    assert later.free


def test_group_query_needs_every_territory():
    rights = [acquired(2, "A", places="BE, NL"), acquired(3, "B", places="Benelux"),
              right(4, "B", "cédé", "LU", SVOD, D(2027, 1, 1), D(2027, 12, 31), partner="RTL")]
    result = by_work(AvailsIndex(rights).query("Benelux", Media.SVOD, *SPRING))
    assert not result["A"].free and result["A"].reason == "droits non acquis : LU — SVOD"
    assert not result["B"].free and result["B"].blocking_rows == (4,)
    assert by_work(AvailsIndex(rights).query("BE, NL", Media.SVOD, *SPRING))["A"].free


def test_query_edges():
    assert AvailsIndex([]).query("FR", Media.SVOD, *SPRING) == []
    assert AvailsIndex([]).query("FR", Media.SVOD, *SPRING, works=["A"])[0].free is False
    broken = [acquired(2, "A", start=D(2030, 1, 1), end=D(2025, 1, 1))]  # impossible dates: ignored
    assert not AvailsIndex(broken).query("FR", Media.SVOD, *SPRING, works=["A"])[0].free
    with pytest.raises(ValueError, match="Fenêtre impossible"):
        AvailsIndex([]).query("FR", Media.SVOD, D(2027, 2, 1), D(2027, 1, 1))
    with pytest.raises(ValueError, match="Territoire inconnu"):
        AvailsIndex([]).query("Mordor", Media.SVOD, *SPRING)
    assert avails(catalogue(), ["Film A"], "BE", Media.SVOD, *SPRING) == \
        AvailsIndex(catalogue()).query("BE", Media.SVOD, *SPRING, works=["Film A"])


# --- checks --------------------------------------------------------------------------------------


def test_impossible_dates_and_holdback_before_end():
    rights = [right(7, "A", "cédé", "FR", SVOD, D(2027, 5, 1), D(2027, 4, 30)),
              right(8, "A", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 4, 30), holdback=D(2027, 3, 1)),
              right(9, "A", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 1, 1))]  # one day: fine
    issues = check_dates(rights, book="cat.xlsx")
    assert [(i.code, i.severity, str(i.location)) for i in issues] == [
        ("CAT001", Severity.ERROR, "cat.xlsx!Droits!A7"), ("CAT002", Severity.WARNING, "cat.xlsx!Droits!A8")]


def test_overlapping_exclusive_grants_name_both_rows():
    rights = catalogue() + [right(9, "Film A", "cédé", "Benelux", frozenset({Media.SVOD, Media.TVOD}), D(2027, 6, 1),
                                  D(2028, 5, 31), partner="Netflix")]
    issues = check_exclusive_overlaps(rights, book="cat.xlsx")
    assert len(issues) == 1
    issue = issues[0]
    assert issue.code == "CAT003" and issue.severity is Severity.ERROR and str(issue.location) == "cat.xlsx!Droits!A9"
    assert "ligne 3 (Streamz" in issue.message and "ligne 9 (Netflix" in issue.message
    assert "BE — SVOD — du 01/06/2027 au 31/12/2027" in issue.message


def test_grants_that_do_not_conflict():
    base = [acquired(2, "A")]
    adjacent = base + [right(3, "A", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 6, 30)),
                       right(4, "A", "cédé", "FR", SVOD, D(2027, 7, 1), D(2027, 12, 31))]
    elsewhere = base + [right(3, "A", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 6, 30)),
                        right(4, "A", "cédé", "BE", SVOD, D(2027, 1, 1), D(2027, 6, 30))]
    other_media = base + [right(3, "A", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 6, 30)),
                          right(4, "A", "cédé", "FR", frozenset({Media.TVOD}), D(2027, 1, 1), D(2027, 6, 30))]
    both_open = base + [right(3, "A", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 6, 30), exclusive=False),
                        right(4, "A", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 6, 30), exclusive=False)]
    other_work = base + [acquired(5, "B"), right(3, "A", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 6, 30)),
                         right(4, "B", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 6, 30))]
    for rights in (adjacent, elsewhere, other_media, both_open, other_work):
        assert check_exclusive_overlaps(rights) == []
    mixed = base + [right(3, "A", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 6, 30)),
                    right(4, "A", "cédé", "FR", SVOD, D(2027, 6, 30), D(2027, 12, 31), exclusive=False)]
    assert [(a.row, b.row, span) for a, b, *_, span in conflicts(mixed)] == [(3, 4, (D(2027, 6, 30), D(2027, 6, 30)))]


def test_chain_of_title():
    rights = [acquired(2, "A", places="UE", media=frozenset({Media.SVOD, Media.TVOD}), end=D(2030, 12, 31)),
              right(3, "A", "cédé", "BE, CA", SVOD, D(2027, 1, 1), D(2027, 12, 31), partner="Crave"),
              right(4, "A", "cédé", "FR", frozenset({Media.SVOD, Media.TV_PAYANTE}), D(2030, 1, 1), D(2031, 6, 30),
                    partner="Canal+"),
              right(5, "A", "cédé", "DE", SVOD, D(2027, 1, 1), D(2027, 12, 31), partner="Sky")]
    issues = check_chain_of_title(rights, book="cat.xlsx")
    assert [(i.code, str(i.location)) for i in issues] == [("CAT004", "cat.xlsx!Droits!A3"), ("CAT004", "cat.xlsx!Droits!A4")]
    assert "CA — SVOD — du 01/01/2027 au 31/12/2027" in issues[0].message and "BE" not in issues[0].message
    assert "FR — SVOD — du 01/01/2031 au 30/06/2031" in issues[1].message
    assert "FR — TV payante — du 01/01/2030 au 30/06/2031" in issues[1].message
    nothing = check_chain_of_title([right(3, "Z", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 12, 31))])
    assert nothing[0].code == "CAT004" and "FR — SVOD — du 01/01/2027 au 31/12/2027" in nothing[0].message


def test_exclusive_grant_of_non_exclusive_rights():
    rights = [acquired(2, "A", places="FR", media=SVOD, exclusive=False),
              right(3, "A", "cédé", "FR", SVOD, D(2027, 1, 1), D(2027, 12, 31), exclusive=True),
              right(4, "A", "cédé", "FR", SVOD, D(2028, 1, 1), D(2028, 12, 31), exclusive=False)]
    issues = check_chain_of_title(rights)
    assert [(i.code, i.severity, i.location.cell) for i in issues] == [("CAT005", Severity.WARNING, "A3")]


def test_chronologie_des_medias():
    release = {"A": D(2026, 1, 15)}
    assert chronology_window(Media.TV_PAYANTE) == media_window("préachat TV payante") == 6
    assert chronology_window(Media.TV_GRATUITE) == media_window("préachat TV gratuite") == 22
    assert chronology_window(Media.SVOD) == 17 and chronology_window(Media.SALLES) is None
    rights = [acquired(2, "A"),
              right(3, "A", "cédé", "FR", SVOD, D(2027, 1, 15), D(2029, 1, 14), partner="Prime Video"),  # 12 months
              right(4, "A", "cédé", "FR", frozenset({Media.TV_PAYANTE}), D(2026, 7, 15), D(2027, 7, 14)),  # 6 months: fine
              right(5, "A", "cédé", "BE", SVOD, D(2026, 2, 1), D(2027, 1, 31)),  # not France
              right(6, "B", "cédé", "FR", SVOD, D(2026, 2, 1), D(2027, 1, 31)),  # no release date
              right(7, "A", "cédé", "Monde", frozenset({Media.TV_GRATUITE, Media.TVOD}), D(2026, 3, 1), D(2030, 1, 1)),
              right(8, "A", "acquis", "FR", SVOD, D(2025, 1, 1), D(2030, 1, 1))]  # acquisitions are not exploitation
    issues = check_chronology(rights, release, book="cat.xlsx")
    assert [(i.code, i.location.cell) for i in issues] == [("CAT006", "A3"), ("CAT006", "A7")]
    assert "SVOD à 17 mois, pas avant le 15/06/2027" in issues[0].message and "15/01/2026" in issues[0].message
    assert "TV gratuite à 22 mois" in issues[1].message and "TVOD / EST à 4 mois, pas avant le 15/05/2026" in issues[1].message
    netflix = check_chronology(rights[:2], release, windows={Media.SVOD: 12})
    assert netflix == []


def test_expiring_rights():
    rights = [acquired(2, "A", end=D(2027, 2, 28)),
              right(3, "A", "cédé", "FR", SVOD, D(2026, 1, 1), D(2027, 5, 31), partner="OCS"),
              right(4, "A", "cédé", "BE", SVOD, D(2026, 1, 1), D(2027, 7, 2), partner="VRT"),  # the day after 6 months
              right(5, "A", "cédé", "LU", SVOD, D(2026, 1, 1), D(2026, 12, 31))]  # already over
    issues = check_expiring(rights, on=D(2027, 1, 1), months=6, book="cat.xlsx")
    assert [(i.code, i.severity, i.location.cell) for i in issues] == [("CAT007", Severity.WARNING, "A2"),
                                                                      ("CAT007", Severity.WARNING, "A3")]
    assert "expirent le 28/02/2027" in issues[0].message and "libres le 01/06/2027" in issues[1].message


def test_where_overrides_the_row_location_and_check_rights_runs_all():
    where = Location(book="autre.xlsx", sheet="Cessions", cell="B12")
    bad = Right(12, "A", "X", Direction.CEDE, frozenset({"FR"}), SVOD, D(2027, 2, 1), D(2027, 1, 1), True, where=where)
    assert check_dates([bad])[0].location == where
    rights = catalogue() + [bad, right(9, "Film A", "cédé", "BE", SVOD, D(2027, 6, 1), D(2027, 6, 30), partner="Netflix")]
    codes = [i.code for i in check_rights(rights, book="cat.xlsx", release_fr={"Film A": D(2026, 1, 15)}, on=D(2027, 10, 1))]
    assert codes.count("CAT001") == 1 and codes.count("CAT003") == 1 and "CAT007" in codes


# --- property tests: the index and the checks against a day-by-day reference ------------------------

DAY0 = D(2027, 1, 1)
CODES = ["FR", "BE", "LU", "NL", "CA"]
MEDIA = [Media.SVOD, Media.TVOD, Media.TV_PAYANTE]
WORKS = ["A", "B", "C"]


@st.composite
def rights_lists(draw):
    out = []
    for i in range(draw(st.integers(0, 12))):
        start = DAY0 + timedelta(days=draw(st.integers(0, 40)))
        end = start + timedelta(days=draw(st.integers(-3, 30)))
        holdback = draw(st.one_of(st.none(), st.integers(-5, 15).map(lambda d, e=end: e + timedelta(days=d))))
        out.append(Right(i + 2, draw(st.sampled_from(WORKS)), f"P{i}", draw(st.sampled_from(list(Direction))),
                         frozenset(draw(st.sets(st.sampled_from(CODES), min_size=1))),
                         frozenset(draw(st.sets(st.sampled_from(MEDIA), min_size=1))), start, end, draw(st.booleans()),
                         holdback))
    return out


def days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=k) for k in range((last - first).days + 1)}


def blocked_days(r: Right, exclusive_deal: bool) -> set[date]:
    if r.direction is not Direction.CEDE or r.end < r.start:
        return set()
    last = max(r.end, r.holdback_end or r.end)
    if r.exclusive or exclusive_deal:
        return days(r.start, last)
    return days(r.end + timedelta(days=1), last)


def naive_avail(rights: list[Right], work: str, codes: frozenset[str], media: Media, window: set[date],
                exclusive_deal: bool) -> tuple[bool, tuple[int, ...]]:
    mine = [r for r in rights if r.work == work and r.start <= r.end and media in r.media]
    covered = all(any(r.direction is Direction.ACQUIS and code in r.territories and r.start <= d <= r.end for r in mine)
                  for code in codes for d in window)
    blocking = tuple(sorted(r.row for r in mine if r.territories & codes and blocked_days(r, exclusive_deal) & window))
    return covered and not blocking, blocking


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rights=rights_lists(), territory=st.sampled_from([*CODES, "Benelux", "BE, CA"]), media=st.sampled_from(MEDIA),
       offset=st.integers(0, 45), length=st.integers(0, 15), exclusive_deal=st.booleans())
def test_index_matches_reference(rights, territory, media, offset, length, exclusive_deal):
    start = DAY0 + timedelta(days=offset)
    end = start + timedelta(days=length)
    result = AvailsIndex(rights).query(territory, media, start, end, works=[*WORKS, "D"], exclusive=exclusive_deal)
    codes = expand(territory)
    for avail in result:
        free, blocking = naive_avail(rights, avail.work, codes, media, days(start, end), exclusive_deal)
        assert (avail.free, avail.blocking_rows) == (free, blocking), avail
        assert avail.reason


@settings(max_examples=300, deadline=None)
@given(rights=rights_lists())
def test_conflicts_match_reference(rights):
    expected = {}
    valid = [r for r in rights if r.direction is Direction.CEDE and r.start <= r.end]
    for i, a in enumerate(valid):
        for b in valid[i + 1:]:
            if a.work != b.work or not a.territories & b.territories or not a.media & b.media:
                continue
            clash = (blocked_days(a, False) & days(b.start, b.end)) | (blocked_days(b, False) & days(a.start, a.end))
            if clash:
                expected[(a.row, b.row)] = (min(clash), max(clash))
    found = {(a.row, b.row): span for a, b, _, _, span in conflicts(rights)}
    assert found == expected
    issues = check_exclusive_overlaps(rights)
    assert sorted(int(i.location.cell[1:]) for i in issues) == sorted(b for _, b in expected)


@settings(max_examples=300, deadline=None)
@given(rights=rights_lists())
def test_chain_of_title_matches_reference(rights):
    valid = [r for r in rights if r.start <= r.end]
    for g in (r for r in valid if r.direction is Direction.CEDE):
        held = [a for a in valid if a.direction is Direction.ACQUIS and a.work == g.work]
        cells = {(t, m, d) for t in g.territories for m in g.media for d in days(g.start, g.end)}
        any_cells = {(t, m, d) for a in held for t in a.territories for m in a.media for d in days(a.start, a.end)}
        exclusive_cells = {(t, m, d) for a in held if a.exclusive
                           for t in a.territories for m in a.media for d in days(a.start, a.end)}
        missing, shared = uncovered(g, held)
        as_cells = [{(t, m, d) for u in parts for t in u.territories for m in u.media for first, last in u.periods
                     for d in days(first, last)} for parts in (missing, shared)]
        assert as_cells[0] == cells - any_cells
        assert as_cells[1] == ((cells & any_cells) - exclusive_cells if g.exclusive else set())
    flagged = {(i.code, int(i.location.cell[1:])) for i in check_chain_of_title(rights)}
    expected = set()
    for g in (r for r in valid if r.direction is Direction.CEDE):
        missing, shared = uncovered(g, [a for a in valid if a.direction is Direction.ACQUIS])
        expected |= {("CAT004", g.row)} if missing else set()
        expected |= {("CAT005", g.row)} if shared else set()
    assert flagged == expected


def test_a_large_random_catalogue_indexes_and_answers():
    rng = random.Random(7)
    groups = [expand(g) for g in ("Monde", "UE", "Benelux", "DACH", "Francophonie", "Amérique latine", "FR", "BE", "CA")]
    media_sets = [frozenset(rng.sample(list(Media), rng.randint(1, 3))) for _ in range(20)] + [ALL]
    rights = []
    for i in range(50_000):
        start = D(2020, 1, 1) + timedelta(days=rng.randrange(3000))
        rights.append(Right(i + 2, f"W{i if i < 10_000 else rng.randrange(10_000)}", "P",
                            Direction.ACQUIS if i < 10_000 or rng.random() < 0.2 else Direction.CEDE,
                            rng.choice(groups), rng.choice(media_sets), start, start + timedelta(days=rng.randrange(30, 3000)),
                            rng.random() < 0.5, None))
    index = AvailsIndex(rights)
    for territory, media in (("BE", Media.SVOD), ("FR", Media.TV_PAYANTE), ("Benelux", Media.TVOD), ("Monde", Media.SALLES)):
        result = index.query(territory, media, D(2027, 3, 1), D(2027, 5, 31))
        assert len(result) == 10_000 and all(isinstance(a, Avail) and a.reason for a in result)
        assert any(a.free for a in result) and any(not a.free for a in result)
