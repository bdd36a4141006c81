from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlprod.core.issues import Issue, Severity
from xlprod.kinds.catalogue.works import (
    COLUMN_OF,
    WORK_COLUMNS,
    Fix,
    Work,
    apply_fixes,
    check_works,
    parse_date,
    parse_running_time,
    propose_fixes,
    title_key,
)

TODAY = date(2026, 6, 1)
GOOD_ISAN = "1881-66C7-3420-6541-Y-9F3A-0245-O"  # DOMAIN-FACTS §6.1
BAD_ISAN = "1881-66C7-3420-6541-Z-9F3A-0245-O"  # check 1 typed Z instead of Y
GHOSTBUSTERS = "10.5240/7EC7-228A-510A-053E-CBB8-J"  # §6.2


def feature(row: int, **kw: object) -> Work:
    base: dict[str, object] = dict(id=f"OE-{row:03d}", title=f"Œuvre {row}", kind="Long métrage", year=2010,
                                   running_time=95, countries=("FR",), subtitles_sdh=True, audio_description=True)
    base.update(kw)
    return Work(row=row, **base)  # type: ignore[arg-type]


def at(issues: list[Issue], code: str) -> list[str]:
    return [str(i.location) for i in issues if i.code == code]


def test_columns_are_the_french_headers_in_order() -> None:
    assert [h for h, _ in WORK_COLUMNS][:4] == ["Identifiant", "Titre", "Titre original", "Genre d'œuvre"]
    assert COLUMN_OF["isan"] == "K" and COLUMN_OF["release_fr"] == "R" and COLUMN_OF["status"] == "S"
    assert len(WORK_COLUMNS) == 19


def test_clean_catalogue_has_no_issue() -> None:
    works = [feature(2, isan=GOOD_ISAN, eidr=GHOSTBUSTERS, visa="98765", release_fr=date(2010, 9, 1), status="sorti"),
             feature(3, title="Les Heures claires", year=1998)]
    assert check_works(works, today=TODAY) == []


def test_corrupted_isan_gives_the_right_check_character() -> None:
    issues = check_works([feature(7, isan=BAD_ISAN)], book="catalogue.xlsx", today=TODAY)
    (issue,) = issues
    assert issue.code == "CAT020" and issue.severity is Severity.ERROR
    assert str(issue.location) == "catalogue.xlsx!Œuvres!K7"
    assert "devrait être Y" in issue.hint and GOOD_ISAN in issue.hint


def test_bad_eidr_and_visa() -> None:
    issues = check_works([feature(4, eidr=GHOSTBUSTERS[:-1] + "K", visa="Tous publics")], today=TODAY)
    assert at(issues, "CAT021") == ["Œuvres!L4"]
    assert "devrait être J" in next(i.hint for i in issues if i.code == "CAT021")
    assert at(issues, "CAT022") == ["Œuvres!M4"]


def test_mandatory_fields() -> None:
    issues = check_works([Work(row=9, id=" ", title="", kind="")], today=TODAY)
    assert sorted(at(issues, "CAT023")) == ["Œuvres!A9", "Œuvres!B9", "Œuvres!D9", "Œuvres!E9"]
    assert all(i.severity is Severity.ERROR and i.hint for i in issues if i.code == "CAT023")


def test_duplicate_titles_despite_articles_accents_case_and_punctuation() -> None:
    works = [feature(2, title="L'Été dernier", year=2003), feature(3, title="Ete dernier (L')", year=2003),
             feature(4, title="L'Été dernier", year=2004),  # a remake, another year: not a duplicate
             feature(5, title="LES HEURES CLAIRES", year=1998), feature(6, title="Heures claires, Les", year=1998)]
    issues = check_works(works, today=TODAY)
    dup = [i for i in issues if i.code == "CAT027"]
    assert [str(i.location) for i in dup] == ["Œuvres!B3", "Œuvres!B6"]
    assert all(i.severity is Severity.WARNING for i in dup)
    assert "ligne 3" in dup[0].message and "ligne 2" in dup[0].message


@pytest.mark.parametrize(("a", "b"), [("L'Été dernier", "Ete dernier (L')"), ("The Artist", "Artist, The"),
                                      ("Der Himmel über Berlin", "Himmel uber Berlin (Der)"),
                                      ("Los  olvidados", "Olvidados, Los"), ("Gli  indifferenti", "GLI INDIFFERENTI"),
                                      ("Un  prophète", "Prophete (Un)"), ("L’Argent", "l'argent!")])
def test_title_key(a: str, b: str) -> None:
    assert title_key(a) == title_key(b) != ""


def test_duplicate_ids_isan_and_eidr() -> None:
    isan_other_version = "1881-66C7-3420-6541-Y-0000-0000-" + "X"  # same root and episode, another version
    works = [feature(2, isan=GOOD_ISAN, eidr=GHOSTBUSTERS), feature(3, id="oe-002", isan=isan_other_version),
             feature(4, eidr=GHOSTBUSTERS.lower().replace("-", " ")),
             feature(5, isan="1881-66C7-3420-6542")]  # another episode: not a duplicate (only incomplete)
    issues = check_works(works, today=TODAY)
    assert at(issues, "CAT024") == ["Œuvres!A3"]
    assert next(i for i in issues if i.code == "CAT024").severity is Severity.ERROR
    assert at(issues, "CAT025") == ["Œuvres!K3"]
    assert at(issues, "CAT026") == ["Œuvres!L4"]
    assert "lignes 2 et 3" in next(i.message for i in issues if i.code == "CAT025")


def test_impossible_values() -> None:
    works = [feature(2, year=1887), feature(3, year=2032), feature(4, year=2031), feature(5, running_time=0),
             feature(6, running_time=1001), feature(7, running_time=1000),
             feature(8, year=2010, release_fr=date(2008, 12, 31)), feature(9, year=2010, release_fr=date(2009, 1, 1)),
             feature(10, release_fr=date(2026, 9, 1), status="Sorti"),
             feature(11, release_fr=date(2026, 9, 1), status="à sortir")]
    issues = check_works(works, today=TODAY)
    assert at(issues, "CAT028") == ["Œuvres!E2", "Œuvres!E3"]
    assert at(issues, "CAT029") == ["Œuvres!F5", "Œuvres!F6"]
    assert at(issues, "CAT030") == ["Œuvres!R8"]
    assert at(issues, "CAT031") == ["Œuvres!R10"]


def test_unknown_country_code() -> None:
    assert at(check_works([feature(3, countries=("FR", "XX"))], today=TODAY), "CAT033") == ["Œuvres!G3"]


def test_accessibility_gaps_of_french_released_features() -> None:
    works = [feature(2, release_fr=date(2010, 5, 5), subtitles_sdh=None, audio_description=False),
             feature(3, release_fr=None, subtitles_sdh=None, audio_description=None),  # not released in France
             feature(4, kind="Court métrage", release_fr=date(2010, 5, 5), subtitles_sdh=None),
             feature(5, kind="long-métrage", release_fr=date(2010, 5, 5), audio_description=None)]
    issues = check_works(works, today=TODAY)
    assert at(issues, "CAT032") == ["Œuvres!P2", "Œuvres!Q2", "Œuvres!Q5"]
    gap = next(i for i in issues if i.code == "CAT032")
    assert gap.severity is Severity.WARNING and "usage" in gap.hint


# --- proposals ---------------------------------------------------------------------------------

DIRTY: list[dict[str, object]] = [
    {"Identifiant": "OE-001 ", "Titre": "LES HEURES CLAIRES", "Année": 1998.0, "Durée (min)": "103.00 minutes",
     "Pays": "France; Belgique", "Sortie France": "Jun 12 1998", "ISAN": "isan 1881 66c7 3420 6541 y 9f3a 0245 o",
     "Sous-titres SME": "oui", "Audiodescription": "Non"},
    {"Identifiant": "OE-002", "Titre": "L'Été  dernier", "Année": "2003", "Durée (min)": "1 h 43 min",
     "Pays": "USA, Royaume-Uni", "Sortie France": "12/06/2003", "EIDR": " 10.5240/7ec7228a510a053ecbb8j"},
    {"Identifiant": "OE-003", "Titre": "Ete dernier (L')", "Année": "2003.0", "Durée (min)": "103'",
     "Pays": "FR", "Sortie France": datetime(2003, 6, 12), "Visa": "Visa n° 104 512", "Statut": "   "},
]


def test_proposals_on_dirty_rows() -> None:
    fixes = {(f.row, f.column): f for f in propose_fixes(DIRTY)}
    assert fixes[(2, "Identifiant")].new == "OE-001"
    assert fixes[(2, "Titre")] == Fix(2, "Titre", "LES HEURES CLAIRES", "Les Heures claires",
                                     "titre en capitales (vérifiez les noms propres)")
    assert fixes[(2, "Année")].new == 1998 and type(fixes[(2, "Année")].new) is int
    assert fixes[(2, "Durée (min)")].new == 103
    assert fixes[(2, "Pays")].new == "FR, BE"
    assert fixes[(2, "Sortie France")].new == date(1998, 6, 12)
    assert fixes[(2, "ISAN")].new == GOOD_ISAN
    assert fixes[(2, "Sous-titres SME")].new is True and fixes[(2, "Audiodescription")].new is False
    assert fixes[(3, "Titre")].new == "L'Été dernier" and fixes[(3, "Titre")].reason == "espaces superflus"
    assert fixes[(3, "Année")].new == 2003
    assert fixes[(3, "Durée (min)")].new == 103
    assert fixes[(3, "Pays")].new == "US, GB"
    assert fixes[(3, "Sortie France")].new == date(2003, 6, 12)
    assert fixes[(3, "EIDR")].new == GHOSTBUSTERS
    assert fixes[(4, "Année")].new == 2003 and fixes[(4, "Durée (min)")].new == 103
    assert fixes[(4, "Sortie France")].new == date(2003, 6, 12) and type(fixes[(4, "Sortie France")].new) is date
    assert fixes[(4, "Visa")].new == "104512"
    assert fixes[(4, "Statut")].new is None
    assert (4, "Titre") not in fixes and (4, "Pays") not in fixes  # mixed case title, codes already
    assert str(fixes[(3, "Pays")].location("cat.xlsx")) == "cat.xlsx!Œuvres!G3"


def test_proposals_are_never_applied() -> None:
    before = [dict(r) for r in DIRTY]
    propose_fixes(DIRTY)
    assert before == DIRTY


def test_row_numbers_come_from_the_reader_when_given() -> None:
    (fix,) = propose_fixes([{"_row": 41, "Titre": "LA HAINE"}])
    assert (fix.row, fix.new) == (41, "La Haine")


def test_unreadable_values_are_left_to_the_checks() -> None:
    assert propose_fixes([{"Pays": "France, Atlantide", "Durée (min)": "long", "Sortie France": "31/02/1998",
                           "ISAN": BAD_ISAN, "Titre": "M"}]) == []


@pytest.mark.parametrize(("text", "minutes"), [("103.00 minutes", 103), ("1h43", 103), ("1 h 43 min", 103), ("103'", 103),
                                               ("103 mn", 103), ("1:43", 103), ("2h", 120), ("90,5", 91), ("1h75", None)])
def test_running_times(text: str, minutes: int | None) -> None:
    assert parse_running_time(text) == minutes


@pytest.mark.parametrize(("text", "day"), [("12/06/1998", date(1998, 6, 12)), ("Jun 12 1998", date(1998, 6, 12)),
                                           ("1998-06-12", date(1998, 6, 12)), ("12 juin 1998", date(1998, 6, 12)),
                                           ("June 12, 1998", date(1998, 6, 12)), ("06/13/1998", date(1998, 6, 13)),
                                           ("1er mai 2001", date(2001, 5, 1)), ("12.06.1998", date(1998, 6, 12))])
def test_dates_typed_as_text(text: str, day: date) -> None:
    found = parse_date(text)
    assert found is not None and found[0] == day


SAMPLES: dict[str, list[object]] = {
    "Titre": ["LES HEURES CLAIRES", "L'Été  dernier", " Ete dernier (L')", "M", "ÇA", "1984 ABC", ""],
    "Année": [1998, 1998.0, "1998.0", " 2003 ", "98", 1998.5, None],
    "Durée (min)": ["103.00 minutes", "1h43", "1 h 43 min", "103'", 103.0, 103.4, float("nan"), float("inf"), 90],
    "Pays": ["USA, Royaume-Uni", "France; Belgique / fr", "Benelux", "FR, BE", "Atlantide", "gb"],
    "Sortie France": ["12/06/1998", "Jun 12 1998", "1998-06-12", datetime(1998, 6, 12), datetime(1998, 6, 12, 20, 30),
                      date(1998, 6, 12), "31/02/1998"],
    "ISAN": ["isan 1881 66c7 3420 6541 y 9f3a 0245 o", GOOD_ISAN, BAD_ISAN, "1881-66C7-3420-6541"],
    "EIDR": [GHOSTBUSTERS, GHOSTBUSTERS.lower(), "7EC7-228A-510A-053E-CBB8-J"],
    "Visa": ["Visa n° 104 512", "104512", 104512, "Tous publics"],
    "Sous-titres SME": ["oui", "X", "non", True, "peut-être"],
    "Statut": ["  sorti ", "\u00a0", "à sortir"],
}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({k: st.one_of(st.sampled_from(v), st.text(max_size=20)) for k, v in SAMPLES.items()}),
                max_size=4))
def test_propose_fixes_is_idempotent(rows: list[dict[str, object]]) -> None:
    fixed = apply_fixes(rows, propose_fixes(rows))
    assert propose_fixes(fixed) == []


def test_a_title_in_capitals_is_proposed_as_french_usage_writes_it() -> None:
    """A capital to the first word, and to the noun after a definite article."""
    rows = [{"Identifiant": f"T{i}", "Titre": title, "Année": 2000} for i, title in
            enumerate(("LES ENFANTS DU PARADIS", "L'ÉTÉ MEURTRIER", "UN HOMME ET UNE FEMME", "LE MÉPRIS", "E.T. ET OSS 117"))]
    proposed = [f.new for f in propose_fixes(rows) if f.column == "Titre"]
    assert proposed == ["Les Enfants du paradis", "L'Été meurtrier", "Un homme et une femme", "Le Mépris",
                        "E.T. et oss 117"]  # a word with a dot or a digit kept as typed
