"""Identifiers of a work: ISAN, EIDR and the French visa number, checked and normalised.

People paste identifiers from contracts, registries and e-mails: with a prefix or without, in lower
case, with spaces or without hyphens. Each ``check_*`` reads that, returns the printed form, and
says in French what is wrong and how to fix it; it never raises on what a user typed.

ISAN and EIDR check characters are ISO 7064 MOD 37,36 (DOMAIN-FACTS §6.1, §6.2). The scheme catches
every single-character substitution, but not every adjacent transposition: swapping two characters
that follow each other in ``0-9A-Z`` (``E``/``F``, ``Z``/``0``) goes unseen when the first of them
brings the register to 18 (mod 36), about one swap in 600. A valid check is not a proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
HEX = frozenset("0123456789ABCDEF")
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_M = 36  # MOD 37,36: the register runs over 1..36, doubled modulo 37

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_DASHES = re.compile(r"[-\u2010-\u2015\u2212]")  # people paste en dashes and minus signs from documents
_ISAN_PREFIX = re.compile(r"^(?:URN:ISAN:|ISAN:?)")
EIDR_PREFIX = "10.5240/"
EIDR_PARTY_PREFIX = "10.5237/"
EIDR_PATTERN = re.compile(r"^10\.5240/[0-9A-F]{4}(-[0-9A-F]{4}){4}-[0-9A-Z]$")  # §6.2
VISA_PATTERN = re.compile(r"^\d{1,7}$")  # §6.3, UNVERIFIED
_VISA_PREFIX = re.compile(r"^(?:VISA)?(?:D['’]EXPLOITATION)?(?:N°|Nº|NO\.?|NUMERO|NUMÉRO)?:?")
_HEX_LOOKALIKES = str.maketrans({"O": "0", "I": "1"})  # the letters typed for digits in hex parts


def _register(payload: str) -> int:
    """The MOD 37,36 register after ``payload``: starts at 36 (not 1: §6.2's pitfall)."""
    p = _M
    for ch in payload:
        try:
            value = _VALUE[ch]
        except KeyError:
            raise ValueError(f"character {ch!r} is outside 0-9A-Z") from None
        s = (p + value) % _M or _M
        p = (2 * s) % (_M + 1)
    return p


def mod_37_36_check(payload: str) -> str:
    """The ISO 7064 MOD 37,36 check character of ``payload`` (upper-case ``0-9A-Z``)."""
    return ALPHABET[(_M + 1 - _register(payload)) % _M]


def mod_37_36_valid(payload_with_check: str) -> bool:
    """True when the last character is the check of the others; False on any character outside ``0-9A-Z``."""
    if not payload_with_check or any(ch not in _VALUE for ch in payload_with_check):
        return False
    # the final register 2 means the last sum s was 1, the standard's "checksum == 1"
    return _register(payload_with_check) == 2


@dataclass(frozen=True)
class IdCheck:
    """What a ``check_*`` read: the normalised form (or the input when unreadable) and, when not ok, why and what to do."""

    value: str
    ok: bool
    problem: str = ""
    fix: str = ""


def _compact(text: str) -> str:
    return _DASHES.sub("", _SPACES.sub("", text)).upper()


def _groups(hex_part: str) -> str:
    return "-".join(hex_part[i:i + 4] for i in range(0, len(hex_part), 4))


def _isan_form(root_episode: str, check1: str, version: str = "", check2: str = "") -> str:
    short = f"{_groups(root_episode)}-{check1}"
    return f"{short}-{_groups(version)}-{check2}" if version else short


def _non_hex(text: str) -> str:
    return ", ".join(dict.fromkeys(ch for ch in text if ch not in HEX))


@lru_cache(maxsize=1 << 18)  # checked, then normalised: read once per identifier
def check_isan(text: str) -> IdCheck:
    """Read an ISAN (ISO 15706): short form (root, episode, check 1: 17 characters) or full form
    (plus version and check 2: 26 characters), with or without ``ISAN``/``URN:ISAN:``, hyphens, spaces."""
    raw = text.strip()
    compact = _ISAN_PREFIX.sub("", _compact(raw))
    if not compact:
        return IdCheck(raw, False, "ISAN vide", "Saisissez l'ISAN, par exemple 0000-0001-8CFA-0000-I-0000-0000-K")
    bad = "".join(dict.fromkeys(ch for ch in compact if ch not in _VALUE))
    if bad:
        return IdCheck(raw, False, f"caractère(s) inattendu(s) dans l'ISAN : {' '.join(bad)}",
                       "un ISAN ne contient que des chiffres, des lettres A à F et les deux caractères de contrôle")
    n = len(compact)
    if n in (16, 24) and set(compact) <= HEX:  # the hex parts alone: the checks were left out
        root_episode, version = compact[:16], compact[16:]
        c1 = mod_37_36_check(root_episode)
        full = _isan_form(root_episode, c1, version, mod_37_36_check(root_episode + version) if version else "")
        what = "le caractère de contrôle manque" if n == 16 else "les caractères de contrôle manquent"
        return IdCheck(raw, False, f"ISAN incomplet : {what}", f"ISAN avec contrôle : {full}")
    if n not in (17, 26):
        return IdCheck(raw, False,
                       f"un ISAN compte 17 caractères (forme courte) ou 26 (forme complète), tirets et espaces non "
                       f"compris : celui-ci en compte {n}",
                       "Vérifiez qu'aucun groupe de 4 caractères ne manque ou n'est en double.")
    root_episode, check1, version, check2 = compact[:16], compact[16], compact[17:25], compact[25:]
    if not set(root_episode + version) <= HEX:
        fix = "La racine, l'épisode et la version ne contiennent que des chiffres et des lettres A à F."
        re2, v2 = root_episode.translate(_HEX_LOOKALIKES), version.translate(_HEX_LOOKALIKES)
        if set(re2 + v2) <= HEX and check1 == mod_37_36_check(re2) and (not version or check2 == mod_37_36_check(re2 + v2)):
            fix = f"Lettre O ou I tapée pour le chiffre 0 ou 1 ? Lisez {_isan_form(re2, check1, v2, check2)}"
        return IdCheck(raw, False, f"caractère(s) non hexadécimal(aux) dans l'ISAN : {_non_hex(root_episode + version)}", fix)
    value = _isan_form(root_episode, check1, version, check2)
    want1 = mod_37_36_check(root_episode)
    want2 = mod_37_36_check(root_episode + version) if version else check2
    if check1 == want1 and check2 == want2:
        return IdCheck(value, True)
    right = _isan_form(root_episode, want1, version, want2)
    if check1 != want1 and check2 != want2:
        return IdCheck(value, False, f"caractères de contrôle 1 et 2 erronés (« {check1} » et « {check2} »)",
                       f"Les caractères de contrôle devraient être {want1} et {want2} : {right} — ou la racine ou "
                       f"l'épisode comporte une faute de frappe")
    if check1 != want1:
        label = "caractère de contrôle" if not version else "caractère de contrôle 1"
        return IdCheck(value, False, f"{label} erroné (« {check1} »)", f"Le {label} devrait être {want1} : {right}")
    return IdCheck(value, False, f"caractère de contrôle 2 erroné (« {check2} »)",
                   f"Le caractère de contrôle 2 devrait être {want2} : {right} — ou la version comporte une faute de frappe")


@lru_cache(maxsize=1 << 18)  # checked, then normalised: read once per identifier
def check_eidr(text: str) -> IdCheck:
    """Read an EIDR content ID, ``10.5240/XXXX-XXXX-XXXX-XXXX-XXXX-C``: five groups of 4 hex, then a
    base-36 check over the 20 hex characters; spaces, case and missing hyphens are forgiven."""
    raw = text.strip()
    compact = _SPACES.sub("", raw).upper()
    if not compact:
        return IdCheck(raw, False, "identifiant EIDR vide",
                       "Saisissez l'identifiant, par exemple 10.5240/7EC7-228A-510A-053E-CBB8-J")
    if compact.startswith(EIDR_PARTY_PREFIX):
        return IdCheck(raw, False, "10.5237/ est un identifiant EIDR de partie (société, personne), pas d'œuvre",
                       "Saisissez l'identifiant de contenu de l'œuvre, qui commence par 10.5240/")
    if not compact.startswith(EIDR_PREFIX):
        fix = "Copiez l'identifiant complet depuis le registre EIDR, préfixe compris."
        bare = _DASHES.sub("", compact)
        if len(bare) == 21 and set(bare[:20]) <= HEX and mod_37_36_valid(bare):  # the prefix alone was left out
            fix = f"Ajoutez le préfixe : {_eidr_form(bare[:20], bare[20])}"
        return IdCheck(raw, False, "un identifiant EIDR d'œuvre commence par 10.5240/", fix)
    body = _DASHES.sub("", compact[len(EIDR_PREFIX):])
    if len(body) == 20 and set(body) <= HEX:
        return IdCheck(raw, False, "identifiant EIDR incomplet : le caractère de contrôle manque",
                       f"Identifiant avec contrôle : {_eidr_form(body, mod_37_36_check(body))}")
    if len(body) != 21:
        return IdCheck(raw, False,
                       f"un identifiant EIDR compte 20 caractères hexadécimaux et un caractère de contrôle après "
                       f"10.5240/ : celui-ci en compte {len(body)}",
                       "Vérifiez qu'aucun groupe de 4 caractères ne manque ou n'est en double.")
    payload, check = body[:20], body[20]
    if not set(payload) <= HEX:
        return IdCheck(raw, False, f"caractère(s) non hexadécimal(aux) dans l'identifiant EIDR : {_non_hex(payload)}",
                       "Les cinq groupes ne contiennent que des chiffres et des lettres A à F.")
    if check not in _VALUE:
        return IdCheck(raw, False, f"caractère de contrôle invalide (« {check} »)",
                       f"Le caractère de contrôle devrait être {mod_37_36_check(payload)}")
    value = _eidr_form(payload, check)
    want = mod_37_36_check(payload)
    if check != want:
        return IdCheck(value, False, f"caractère de contrôle erroné (« {check} »)",
                       f"Le caractère de contrôle devrait être {want} : {_eidr_form(payload, want)}")
    return IdCheck(value, True)


def _eidr_form(payload: str, check: str) -> str:
    value = f"{EIDR_PREFIX}{_groups(payload)}-{check}"
    assert EIDR_PATTERN.match(value), value
    return value


@lru_cache(maxsize=1 << 18)  # checked, then normalised: read once per identifier
def check_visa(text: str) -> IdCheck:
    """Read a visa d'exploitation number: 1 to 7 digits, no check digit known.

    The pattern is UNVERIFIED (DOMAIN-FACTS §6.3): it is what visas look like, not a published rule;
    so the number is kept as text, leading zeros and all, and only its shape is checked.
    """
    raw = text.strip()
    compact = _VISA_PREFIX.sub("", _SPACES.sub("", raw).upper())
    if not compact:
        return IdCheck(raw, False, "numéro de visa vide", "Saisissez le numéro du visa d'exploitation (chiffres seuls).")
    if not compact.isdigit() or not compact.isascii():
        return IdCheck(raw, False, "un numéro de visa ne contient que des chiffres",
                       "Saisissez le numéro seul, sans la classification (tous publics, −12…).")
    if not VISA_PATTERN.match(compact):
        return IdCheck(raw, False, f"numéro de visa trop long : {len(compact)} chiffres (7 au plus)",
                       "Vérifiez le numéro sur le visa ou sur le registre du CNC.")
    return IdCheck(compact, True)
