import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlprod.kinds.catalogue.identifiers import (
    ALPHABET,
    check_eidr,
    check_isan,
    check_visa,
    mod_37_36_check,
    mod_37_36_valid,
)

VERIFIED_ISANS = [  # DOMAIN-FACTS §6.1, recomputed there
    "0000-0001-8CFA-0000-I-0000-0000-K",
    "0000-0000-D07A-0090-Q-0000-0000-X",
    "1881-66C7-3420-6541-Y-9F3A-0245-O",
    "0000-0001-8947-0000-8-0000-0000-D",
]
GHOSTBUSTERS = "10.5240/7EC7-228A-510A-053E-CBB8-J"  # schema.org's titleEIDR, §6.2

payloads = st.text(alphabet=ALPHABET, min_size=1, max_size=30)
hex_text = st.text(alphabet="0123456789ABCDEF", min_size=1, max_size=1)


def reference_register(payload: str) -> int:
    """An independent MOD 37,36 register, as python-stdnum writes it (start at m // 2, doubled first)."""
    check = 18
    for ch in payload:
        check = (((check or 36) * 2) % 37 + ALPHABET.index(ch)) % 36
    return check


def swap(text: str, i: int) -> str:
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def blind_swap(before: str, x: str, y: str) -> bool:
    """The transpositions MOD 37,36 misses: two characters that follow each other in 0-9A-Z (cyclically),
    the first of them bringing the register to 18 (mod 36)."""
    p = (2 * (reference_register(before) or 36)) % 37
    a, b = ALPHABET.index(x), ALPHABET.index(y)
    return any((b - a) % 36 == 1 and (p + a) % 36 == 18 for a, b in ((a, b), (b, a)))


# --- the check character -------------------------------------------------------------------------

@pytest.mark.parametrize("isan", VERIFIED_ISANS)
def test_verified_isans_pass(isan):
    root_episode, version = isan[:19].replace("-", ""), isan[22:31].replace("-", "")
    assert mod_37_36_check(root_episode) == isan[20]
    assert mod_37_36_check(root_episode + version) == isan[-1]
    assert mod_37_36_valid(root_episode + isan[20]) and mod_37_36_valid(root_episode + version + isan[-1])
    result = check_isan(isan)
    assert result.ok and result.value == isan and not result.problem and not result.fix


def test_verified_eidr_passes():
    assert mod_37_36_check("7EC7228A510A053ECBB8") == "J"
    result = check_eidr(GHOSTBUSTERS)
    assert result.ok and result.value == GHOSTBUSTERS


def test_the_register_starts_at_36_not_1():
    # §6.2's pitfall: the check of the empty payload is 1 only when the register starts at 36
    assert mod_37_36_check("") == "1"
    assert reference_register("7EC7228A510A053ECBB8J") == 1


def test_characters_outside_the_alphabet():
    with pytest.raises(ValueError):
        mod_37_36_check("7ec7")
    assert not mod_37_36_valid("")
    assert not mod_37_36_valid("7ec7228a510a053ecbb8j")
    assert not mod_37_36_valid("7EC7-228A")


@given(payloads)
def test_a_payload_with_its_check_is_valid(payload):
    check = mod_37_36_check(payload)
    assert len(check) == 1 and check in ALPHABET
    assert mod_37_36_valid(payload + check)
    assert reference_register(payload + check) == 1


@given(payloads)
def test_every_single_substitution_is_detected(payload):
    full = payload + mod_37_36_check(payload)
    for i, ch in enumerate(full):
        for other in ALPHABET:
            if other != ch:
                assert not mod_37_36_valid(full[:i] + other + full[i + 1:]), (full, i, other)


@given(payloads)
def test_adjacent_transpositions_are_detected_but_for_the_known_blind_spot(payload):
    full = payload + mod_37_36_check(payload)
    for i in range(len(full) - 1):
        if full[i] != full[i + 1]:
            assert mod_37_36_valid(swap(full, i)) == blind_swap(full[:i], full[i], full[i + 1]), (full, i)


def test_the_transposition_blind_spot_exhaustively():
    # every register value (reached through a one-character prefix) and every pair of different characters
    missed = 0
    for prefix in ALPHABET:
        for x in ALPHABET:
            for y in ALPHABET:
                if x < y:
                    a, b = prefix + x + y + "7", prefix + y + x + "7"
                    same = mod_37_36_check(a) == mod_37_36_check(b)
                    assert same == blind_swap(prefix, x, y), (prefix, x, y)
                    missed += same
    assert missed == 36  # one pair per register value out of 630: MOD 37,36 does not catch every swap


def test_a_real_looking_isan_transposition_goes_unseen():
    assert check_isan("0000-0001-0000-0670-9").ok
    assert check_isan("0000-0001-0000-0760-9").ok


# --- ISAN ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("ISAN 0000-0001-8CFA-0000-I-0000-0000-K", "0000-0001-8CFA-0000-I-0000-0000-K"),
    ("URN:ISAN:0000-0000-D07A-0090-Q-0000-0000-X", "0000-0000-D07A-0090-Q-0000-0000-X"),
    ("urn:isan:1881-66c7-3420-6541-y-9f3a-0245-o", "1881-66C7-3420-6541-Y-9F3A-0245-O"),
    ("  isan 0000 0001 8947 0000 8 0000 0000 D ", "0000-0001-8947-0000-8-0000-0000-D"),
    ("0000000189470000800000000D", "0000-0001-8947-0000-8-0000-0000-D"),
    ("ISAN: 0000–0001–8CFA–0000–I–0000–0000–K", "0000-0001-8CFA-0000-I-0000-0000-K"),  # en dashes from a document
    ("0000-0001-8CFA-0000-I", "0000-0001-8CFA-0000-I"),
    ("isan 000000018cfa0000i", "0000-0001-8CFA-0000-I"),
])
def test_messy_isans_normalise(text, value):
    result = check_isan(text)
    assert result.ok, result
    assert result.value == value


@pytest.mark.parametrize("text, problem, fix", [
    ("0000-0001-8CFA-0000-J-0000-0000-K", "contrôle 1 erroné", "Le caractère de contrôle 1 devrait être I"),
    ("0000-0001-8CFA-0000-I-0000-0000-L", "contrôle 2 erroné", "Le caractère de contrôle 2 devrait être K"),
    ("1881-66C7-3420-6541-Y-9F3A-0245-P", "contrôle 2 erroné", "Le caractère de contrôle 2 devrait être O"),
    ("0000-0001-8CFA-0000-Z", "caractère de contrôle erroné", "Le caractère de contrôle devrait être I"),
    ("0000-0001-8CFB-0000-I-0000-0000-K", "1 et 2 erronés", "devraient être N et 5"),
    ("0000-0000-D07A-0090-Q-0000-0001-X", "contrôle 2 erroné", "ou la version comporte une faute de frappe"),
])
def test_corrupted_isans_get_the_right_check_suggested(text, problem, fix):
    result = check_isan(text)
    assert not result.ok
    assert problem in result.problem and fix in result.fix
    assert result.value == text  # already the printed form: kept as read, checks included


def test_the_suggestion_is_a_valid_isan():
    result = check_isan("0000-0001-8CFA-0000-J-0000-0000-K")
    assert result.fix.endswith("0000-0001-8CFA-0000-I-0000-0000-K")


@pytest.mark.parametrize("text, problem, fix", [
    ("", "ISAN vide", ""),
    ("0000-0001-8CFA-000", "en compte 15", ""),
    ("0000-0001-8CFA-0000-I-0000-0000-K-0", "en compte 27", ""),
    ("0000-0001-8CFA-0000", "le caractère de contrôle manque", "0000-0001-8CFA-0000-I"),
    ("0000-0001-8CFA-0000-0000-0000", "les caractères de contrôle manquent", "0000-0001-8CFA-0000-I-0000-0000-K"),
    ("OOOO-0001-8CFA-0000-I-0000-0000-K", "non hexadécimal", "Lisez 0000-0001-8CFA-0000-I-0000-0000-K"),
    ("0000-0001-8CFG-0000-I-0000-0000-K", "non hexadécimal(aux) dans l'ISAN : G", "A à F"),
    ("0000-0001-8CFA-0000-I-0000-0000-K!", "inattendu", ""),
])
def test_unreadable_isans(text, problem, fix):
    result = check_isan(text)
    assert not result.ok and problem in result.problem and fix in result.fix
    assert result.problem and result.fix


@given(st.text(alphabet="0123456789ABCDEF", min_size=16, max_size=16), st.text(alphabet="0123456789ABCDEF", min_size=8, max_size=8),
       st.data())
def test_any_isan_round_trips_and_any_substitution_is_caught(root_episode, version, data):
    printed = (f"{root_episode[:4]}-{root_episode[4:8]}-{root_episode[8:12]}-{root_episode[12:]}-{mod_37_36_check(root_episode)}"
               f"-{version[:4]}-{version[4:]}-{mod_37_36_check(root_episode + version)}")
    assert check_isan(printed).value == printed and check_isan(printed).ok
    assert check_isan(printed.lower().replace("-", " ")).value == printed
    i = data.draw(st.sampled_from([i for i, ch in enumerate(printed) if ch != "-"]))
    other = data.draw(st.sampled_from([ch for ch in ALPHABET if ch != printed[i]]))
    assert not check_isan(printed[:i] + other + printed[i + 1:]).ok


@given(st.text(max_size=40))
def test_isan_never_raises(text):
    result = check_isan(text)
    assert result.ok or (result.problem and result.fix)


# --- EIDR ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    GHOSTBUSTERS,
    "10.5240/7ec7-228a-510a-053e-cbb8-j",
    " 10.5240/ 7EC7 228A 510A 053E CBB8 J ",
    "10.5240/7EC7228A510A053ECBB8J",
])
def test_messy_eidrs_normalise(text):
    result = check_eidr(text)
    assert result.ok, result
    assert result.value == GHOSTBUSTERS


@pytest.mark.parametrize("text, problem, fix", [
    ("10.5240/7EC7-228A-510A-053E-CBB8-K", "caractère de contrôle erroné (« K »)", "Le caractère de contrôle devrait être J"),
    ("10.5240/7EC7-228A-510A-053F-CBB8-J", "caractère de contrôle erroné", "devrait être "),
    ("10.5240/7EC7-228A-510A-053E-CBB8", "le caractère de contrôle manque", GHOSTBUSTERS),
    ("7EC7-228A-510A-053E-CBB8-J", "commence par 10.5240/", "Ajoutez le préfixe : " + GHOSTBUSTERS),
    ("urn:eidr:10.5240:7EC7-228A-510A-053E-CBB8-J", "commence par 10.5240/", "registre EIDR"),
    ("10.5237/1234-5678", "identifiant EIDR de partie", "10.5240/"),
    ("10.5240/7EC7-228A-510A-053E-CBB", "en compte 19", ""),
    ("10.5240/7EC7-228A-510A-053E-CBBX-J", "non hexadécimal", "A à F"),
    ("10.5240/7EC7-228A-510A-053E-CBB8-!", "contrôle invalide", "devrait être J"),
    ("", "vide", "10.5240/"),
])
def test_corrupted_or_unreadable_eidrs(text, problem, fix):
    result = check_eidr(text)
    assert not result.ok
    assert problem in result.problem and fix in result.fix


def test_a_wrong_eidr_check_suggests_the_right_one():
    corrupted = check_eidr("10.5240/7EC7-228A-510A-053F-CBB8-J")
    right = mod_37_36_check("7EC7228A510A053FCBB8")
    assert corrupted.fix.startswith(f"Le caractère de contrôle devrait être {right}")
    assert check_eidr(corrupted.fix.rpartition(" : ")[2]).ok


@given(st.text(alphabet="0123456789abcdefABCDEF", min_size=20, max_size=20))
def test_any_eidr_payload_round_trips(payload):
    text = "10.5240/" + payload + mod_37_36_check(payload.upper())
    result = check_eidr(text)
    assert result.ok and result.value.replace("-", "") == text.upper()


@given(st.text(max_size=40))
def test_eidr_never_raises(text):
    result = check_eidr(text)
    assert result.ok or (result.problem and result.fix)


# --- visa ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("145123", "145123"),
    ("145 123", "145123"),
    ("145\u202f123", "145123"),
    ("Visa n° 12345", "12345"),
    ("visa d’exploitation n°1", "1"),
    ("0012345", "0012345"),
])
def test_visa_numbers(text, value):
    result = check_visa(text)
    assert result.ok and result.value == value


@pytest.mark.parametrize("text, problem", [
    ("", "vide"),
    ("12345678", "trop long"),
    ("12a", "que des chiffres"),
    ("-12", "que des chiffres"),
    ("١٢٣", "que des chiffres"),  # Arabic-Indic digits are digits to Python, not to a visa
])
def test_bad_visa_numbers(text, problem):
    result = check_visa(text)
    assert not result.ok and problem in result.problem and result.fix
