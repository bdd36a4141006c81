"""The « Œuvres » table of a film catalogue: one row per work, its checks and proposed normalisations.

``check_works`` reads typed ``Work`` values and returns issues located at the cell (``Œuvres!K7``),
each with a fix in its hint. ``propose_fixes`` reads raw rows as a reader gets them (header ->
cell value) and proposes typed, normalised values; it never applies them: the user decides.

Column order is ``WORK_COLUMNS``; the column letter of a field is its place there.

Issue codes: CAT020 ISAN, CAT021 EIDR, CAT022 visa (through ``identifiers``), CAT023 mandatory
field missing, CAT024 duplicate internal id (error), CAT025 duplicate ISAN (root + episode),
CAT026 duplicate EIDR, CAT027 duplicate title and year, CAT028 impossible year, CAT029 impossible
running time, CAT030 release long before the year of production, CAT031 work « sorti » with a
release date in the future, CAT032 accessibility gap (SME subtitles, audio description), CAT033
unknown country code.

The accessibility warning follows usage (the CNC asks for SME subtitles and audio description on
the works it supports); DOMAIN-FACTS holds no legal text on it, so it is a warning, not an error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.text import fold
from xlprod.kinds.catalogue.identifiers import check_eidr, check_isan, check_visa
from xlprod.kinds.catalogue.rights import territories

WORKS_SHEET = "Œuvres"
FIRST_YEAR = 1888  # Roundhay Garden Scene: no film is older
YEARS_AHEAD = 5
MAX_RUNNING_TIME = 1000  # minutes
ROW_KEY = "_row"  # in a raw row, the workbook row number when the reader gives it

WORK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Identifiant", "id"),
    ("Titre", "title"),
    ("Titre original", "original_title"),
    ("Genre d'œuvre", "kind"),
    ("Année", "year"),
    ("Durée (min)", "running_time"),
    ("Pays", "countries"),
    ("Langues", "languages"),
    ("Réalisation", "director"),
    ("Production", "producers"),
    ("ISAN", "isan"),
    ("EIDR", "eidr"),
    ("Visa", "visa"),
    ("RCA", "rca"),
    ("Genre", "genre"),
    ("Sous-titres SME", "subtitles_sdh"),
    ("Audiodescription", "audio_description"),
    ("Sortie France", "release_fr"),
    ("Statut", "status"),
)
HEADER_OF = {field: header for header, field in WORK_COLUMNS}
COLUMN_OF = {field: column_letter(i) for i, (_header, field) in enumerate(WORK_COLUMNS, start=1)}


@dataclass(frozen=True)
class Work:
    """One row of the Œuvres sheet, typed. ``kind`` is the genre d'œuvre (long métrage, court
    métrage, série, documentaire, animation, unitaire…), ``genre`` the artistic genre."""

    row: int
    id: str
    title: str
    original_title: str = ""
    kind: str = ""
    year: int | None = None
    running_time: int | None = None  # minutes
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2
    languages: tuple[str, ...] = ()
    director: str = ""
    producers: tuple[str, ...] = ()
    isan: str = ""
    eidr: str = ""
    visa: str = ""
    rca: str = ""
    genre: str = ""
    subtitles_sdh: bool | None = None  # sous-titres pour sourds et malentendants
    audio_description: bool | None = None
    release_fr: date | None = None
    status: str = ""


def work_location(row: int, field: str, book: str | None = None) -> Location:
    """``Œuvres!<column of field><row>``."""
    return Location(book=book, sheet=WORKS_SHEET, cell=f"{COLUMN_OF[field]}{row}")


@lru_cache(maxsize=65536)
def _key(text: str) -> str:
    """Letters, digits and single spaces, without case or accents (the key of territories' lookup)."""
    folded = fold(text).replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


# --- titles ------------------------------------------------------------------------------------

ARTICLES = ("le", "la", "les", "l'", "un", "une", "des", "the", "a", "an", "der", "die", "das", "den", "dem", "ein",
            "eine", "el", "los", "las", "il", "lo", "gli", "i", "uno", "una", "un'", "het", "een", "o", "os")
_ARTICLE = "|".join(sorted((re.escape(a) for a in ARTICLES), key=len, reverse=True))
_LEADING = re.compile(rf"^(?:{_ARTICLE})(?:\s+|(?<=')\s*)(?=\S)")
_TRAILING = re.compile(rf"^(.*?\S)\s*(?:,\s*(?:{_ARTICLE})|\(\s*(?:{_ARTICLE})\s*\))\s*$")
_APOSTROPHES = re.compile(r"[’ʼ‘`´]")


def title_key(title: str) -> str:
    """A title compared without accents, case, punctuation or its leading article, written before
    (« L'Été dernier ») or after (« Été dernier (L') », « Heures claires, Les »)."""
    text = _APOSTROPHES.sub("'", " ".join(fold(title).split()))
    m = _TRAILING.match(text)
    text = m.group(1) if m else _LEADING.sub("", text)
    return _key(text)


# --- checks ------------------------------------------------------------------------------------

_RELEASED = frozenset(_key(w) for w in ("sorti", "sortie", "sorti en salles", "sortie en salles", "released", "exploité"))
_FEATURE = frozenset(_key(w) for w in ("long métrage", "long-métrage", "longs métrages", "lm", "long", "feature",
                                       "feature film", "long métrage de fiction", "long métrage documentaire",
                                       "long métrage d'animation"))


def _fmt(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _duplicates(works: Iterable[Work], key: Callable[[Work], object]) -> list[tuple[Work, Work]]:
    """(later, first) for each work whose key an earlier work has; None keys never match."""
    first: dict[object, Work] = {}
    out: list[tuple[Work, Work]] = []
    for w in works:
        k = key(w)
        if k is None:
            continue
        if k in first:
            out.append((w, first[k]))
        else:
            first[k] = w
    return out


_ISAN_SHAPE = re.compile(r"^([0-9A-F]{4})-([0-9A-F]{4})-([0-9A-F]{4})-([0-9A-F]{4})-[0-9A-Z](?:-|$)")


def _isan_root_episode(text: str) -> str | None:
    if not text.strip():
        return None
    m = _ISAN_SHAPE.match(check_isan(text).value)
    return "".join(m.groups()) if m else None


def _eidr_key(text: str) -> str | None:
    if not text.strip():
        return None
    found = check_eidr(text)
    return found.value[:-2] if found.ok else None  # the payload: the check follows from it


def check_works(works: Iterable[Work], *, book: str | None = None, today: date | None = None) -> list[Issue]:
    """Every check of the Œuvres table, each issue at its cell with a fix in its hint. ``today``
    (default: the system date) bounds the year and tells a future release."""
    works = list(works)
    today = today or date.today()
    issues: list[Issue] = []

    def at(w: Work, field: str) -> Location:
        return work_location(w.row, field, book)

    for w in works:
        # identifiers
        for field, code, label, check in (("isan", "CAT020", "ISAN", check_isan), ("eidr", "CAT021", "EIDR", check_eidr),
                                          ("visa", "CAT022", "Visa", check_visa)):
            text: str = getattr(w, field)
            if text.strip():
                found = check(text)
                if not found.ok:
                    issues.append(error(code, at(w, field), f"{label} « {text.strip()} » ligne {w.row} : {found.problem}.",
                                        found.fix))
        # mandatory fields
        for field, missing, hint in (
            ("id", not w.id.strip(), "Saisissez l'identifiant interne de l'œuvre, unique dans le catalogue."),
            ("title", not w.title.strip(), "Saisissez le titre français d'exploitation (ou le titre original)."),
            ("kind", not w.kind.strip(), "Saisissez le genre d'œuvre : long métrage, court métrage, série, unitaire…"),
            ("year", w.year is None, "Saisissez l'année de production (celle du visa ou du générique)."),
        ):
            if missing:
                issues.append(error("CAT023", at(w, field), f"« {HEADER_OF[field]} » non renseigné ligne {w.row}.", hint))
        # impossible values
        if w.year is not None and not FIRST_YEAR <= w.year <= today.year + YEARS_AHEAD:
            issues.append(error("CAT028", at(w, "year"),
                                f"Année impossible ligne {w.row} : {w.year} (entre {FIRST_YEAR} et {today.year + YEARS_AHEAD}).",
                                "Saisissez l'année sur quatre chiffres, par exemple 1998."))
        if w.running_time is not None and not 0 < w.running_time <= MAX_RUNNING_TIME:
            issues.append(error("CAT029", at(w, "running_time"),
                                f"Durée impossible ligne {w.row} : {w.running_time} min (de 1 à {MAX_RUNNING_TIME}).",
                                "Saisissez la durée en minutes : 1 h 43 s'écrit 103."))
        if w.release_fr is not None and w.year is not None and w.release_fr.year < w.year - 1:
            issues.append(error("CAT030", at(w, "release_fr"),
                                f"Sortie France le {_fmt(w.release_fr)} ligne {w.row}, plus d'un an avant l'année de "
                                f"production ({w.year}).",
                                "Vérifiez l'année de production ou la date de sortie (jour et mois inversés ?)."))
        if w.release_fr is not None and w.release_fr > today and _key(w.status) in _RELEASED:
            issues.append(error("CAT031", at(w, "release_fr"),
                                f"Œuvre « {w.status.strip()} » ligne {w.row} mais sortie France future ({_fmt(w.release_fr)}).",
                                "Corrigez la date de sortie, ou le statut (« à sortir »)."))
        for code in w.countries:
            if code.upper() not in territories().codes:
                issues.append(error("CAT033", at(w, "countries"), f"Pays inconnu ligne {w.row} : « {code} ».",
                                    "Saisissez un code ISO 3166 à deux lettres (FR, BE, US, GB…)."))
        # accessibility
        if w.release_fr is not None and _key(w.kind) in _FEATURE:
            for field, what, plural in (("subtitles_sdh", "sous-titres pour sourds et malentendants (SME)", True),
                                        ("audio_description", "audiodescription", False)):
                if getattr(w, field) is not True:
                    if getattr(w, field) is None:
                        said = "non renseignés" if plural else "non renseignée"
                    else:
                        said = "absents" if plural else "absente"
                    issues.append(warning("CAT032", at(w, field),
                                          f"Long métrage sorti en France ligne {w.row} : {what} {said}.",
                                          "L'usage (CNC, pour les œuvres aidées) est de livrer sous-titres SME et "
                                          "audiodescription : commandez-les, ou indiquez « oui » s'ils existent."))

    # duplicates
    for later, first in _duplicates(works, lambda w: w.id.strip().casefold() or None):
        issues.append(error("CAT024", at(later, "id"),
                            f"Identifiant « {later.id.strip()} » en double : lignes {first.row} et {later.row}.",
                            "Donnez à chaque œuvre un identifiant unique."))
    for later, first in _duplicates(works, lambda w: _isan_root_episode(w.isan)):
        issues.append(warning("CAT025", at(later, "isan"),
                              f"Même ISAN (racine et épisode) lignes {first.row} et {later.row}.",
                              "Fusionnez les deux lignes s'il s'agit de la même œuvre, sinon corrigez l'ISAN."))
    for later, first in _duplicates(works, lambda w: _eidr_key(w.eidr)):
        issues.append(warning("CAT026", at(later, "eidr"), f"Même EIDR lignes {first.row} et {later.row}.",
                              "Fusionnez les deux lignes s'il s'agit de la même œuvre, sinon corrigez l'EIDR."))
    for later, first in _duplicates(works, lambda w: (title_key(w.title), w.year) if title_key(w.title) and w.year else None):
        issues.append(warning("CAT027", at(later, "title"),
                              f"Doublon probable : « {later.title.strip()} » ligne {later.row} et « {first.title.strip()} » "
                              f"ligne {first.row}, même titre et même année ({later.year}).",
                              "Fusionnez les deux lignes, ou distinguez-les (titre, année, version)."))
    return issues


# --- proposed normalisations -------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """A proposed change of one cell: never applied here."""

    row: int
    column: str  # the header, as in WORK_COLUMNS
    old: object
    new: object
    reason: str

    def location(self, book: str | None = None) -> Location:
        field = _FIELD_OF_KEY.get(_key(self.column))
        return Location(book=book, sheet=WORKS_SHEET, cell=f"{COLUMN_OF[field]}{self.row}" if field else None)


_FIELD_OF_KEY = {_key(header): field for header, field in WORK_COLUMNS} | {_key(field): field for _h, field in WORK_COLUMNS}

_MONTHS = {
    **{m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)},
    **{m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august", "september",
                                   "october", "november", "december"), 1)},
    **{m: i for i, m in enumerate(("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
                                   "octobre", "novembre", "decembre"), 1)},
    "janv": 1, "fev": 2, "fevr": 2, "avr": 4, "juil": 7, "sept": 9, "dec": 12,
}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$", re.ASCII)
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]00:00(?::00(?:\.0+)?)?)?$", re.ASCII)
_MONTH_FIRST = re.compile(r"^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$", re.ASCII)
_DAY_FIRST = re.compile(r"^(\d{1,2})(?:er)? ([a-z]+)\.? (\d{4})$", re.ASCII)


def _plain(text: str) -> str:
    """Lower case without accents, hyphens kept (``fold`` turns them into spaces)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(text: str) -> tuple[date, str] | None:
    """A date typed as text: ``12/06/1998`` (day first, as in France), ``1998-06-12``, ``Jun 12 1998``,
    ``12 juin 1998``; with the reason to give. None when unreadable or ambiguous beyond repair."""
    t = " ".join(_plain(text).replace(",", ", ").split()).replace(" ,", ",")
    if m := _NUMERIC_DATE.match(t):
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if b > 12 >= a:  # 06/12/1998 can only be month first
            found = _date(y, a, b)
            return (found, "date saisie comme texte, au format américain (mois/jour)") if found else None
        found = _date(y, b, a)
        return (found, "date saisie comme texte") if found else None
    if m := _ISO_DATE.match(t):
        found = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return (found, "date saisie comme texte") if found else None
    for pattern, month_at, day_at in ((_MONTH_FIRST, 1, 2), (_DAY_FIRST, 2, 1)):
        if m := pattern.match(t):
            month = _MONTHS.get(m.group(month_at))
            found = _date(int(m.group(3)), month, int(m.group(day_at))) if month else None
            return (found, "date saisie comme texte") if found else None
    return None


_MINUTES = re.compile(r"^(\d+)(?:[.,](\d+))?\s*(?:'|’|mn|min|mins|minute|minutes)?\.?$", re.ASCII)
_HOURS = re.compile(r"^(\d+)\s*(?:h|hr|hrs|heure|heures|hour|hours)\s*(?:(\d{1,2})\s*(?:'|’|mn|min|mins|minute|minutes)?\.?)?$",
                    re.ASCII)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$", re.ASCII)


def parse_running_time(text: str) -> int | None:
    """Minutes from ``103``, ``103.00 minutes``, ``103'``, ``1h43``, ``1 h 43 min``, ``1:43``; None otherwise."""
    t = " ".join(fold(text).split())
    if m := _MINUTES.match(t):
        decimals = m.group(2) or "0"
        return int(m.group(1)) + (decimals[0] >= "5")  # rounded half up: 103.5 -> 104
    if (m := _HOURS.match(t)) or (m := _CLOCK.match(t)):
        minutes = int(m.group(2) or 0)
        return int(m.group(1)) * 60 + minutes if minutes < 60 else None
    return None


def _country_codes(text: str) -> str | None:
    """« USA, Royaume-Uni » -> « US, GB »: each item a code or a country name of territoires.json;
    None when one is unknown or a group (several countries: the user decides)."""
    codes: list[str] = []
    for item in (p for p in re.split(r"[,;/]", text) if p.strip()):
        found = territories().lookup.get(_key(item))
        if found is None or len(found) != 1:
            return None
        codes.extend(found)
    return ", ".join(dict.fromkeys(codes)) if codes else None


_TRUE = frozenset({"oui", "o", "x", "yes", "y", "vrai", "true", "1"})
_FALSE = frozenset({"non", "n", "no", "faux", "false", "0", "-"})


_ARTICLES = ("le ", "la ", "les ", "l'", "l’")


def _title_case(text: str) -> str:
    """A French title typed in capitals, as French usage writes it: a capital to the first word and,
    after a definite article, to the word that follows (« Les Enfants du paradis », « L'Été meurtrier »,
    « Un homme et une femme »)."""
    first = next((i for i, ch in enumerate(text) if ch.isalpha()), None)
    if first is None:
        return text
    # words holding a digit or a dot (« OSS 117 », « E.T. ») are acronyms or names: kept as typed
    cased = " ".join(w if any(ch.isdigit() or ch == "." for ch in w) else w.lower() for w in text.split(" "))
    cased = cased[:first] + cased[first].upper() + cased[first + 1:]
    article = next((a for a in _ARTICLES if cased[first:].lower().startswith(a)), None)
    if article is not None:
        after = first + len(article)
        rest = cased[after:]
        k = after + len(rest) - len(rest.lstrip())
        if k < len(cased) and cased[k].isalpha():
            cased = cased[:k] + cased[k].upper() + cased[k + 1:]
    return cased


def _all_caps(text: str) -> bool:
    return sum(ch.isupper() for ch in text) >= 2 and not any(ch.islower() for ch in text)


def _normalise(field: str | None, value: object) -> tuple[object, list[str]]:
    """The proposed value of one cell and the reasons, or the value itself and no reason."""
    reasons: list[str] = []
    if isinstance(value, datetime):
        if field == "release_fr" and value.time() == datetime.min.time():
            return value.date(), ["date avec une heure inutile"]
        return value, reasons
    if isinstance(value, float) and field in ("year", "running_time") and value.is_integer():
        return int(value), ["nombre décimal pour un nombre entier"]
    if isinstance(value, float) and field == "running_time" and 0 < value < 1e6:
        return round(value), ["durée arrondie à la minute"]
    if not isinstance(value, str):
        return value, reasons
    text = " ".join(value.split())
    if text != value:
        reasons.append("espaces superflus" if text else "cellule vide (espaces seuls)")
    if not text:
        return (None if value else value), reasons
    new: object = text
    if field in ("title", "original_title") and _all_caps(text):
        cased = _title_case(text)
        if not _all_caps(cased):
            new = cased
            reasons.append("titre en capitales (vérifiez les noms propres)")
    elif field == "release_fr":
        if parsed := parse_date(text):
            new, why = parsed
            reasons.append(why)
    elif field == "year":
        if m := re.fullmatch(r"(\d{4})(?:[.,]0+)?", text, re.ASCII):
            new = int(m.group(1))
            reasons.append("année saisie comme texte")
    elif field == "running_time":
        minutes = parse_running_time(text)
        if minutes is not None:
            new = minutes
            reasons.append("durée saisie comme texte, convertie en minutes")
    elif field == "countries":
        codes = _country_codes(text)
        if codes is not None and codes != text:
            new = codes
            reasons.append("pays en codes ISO 3166")
    elif field in ("isan", "eidr", "visa"):
        found = {"isan": check_isan, "eidr": check_eidr, "visa": check_visa}[field](text)
        if found.ok and found.value != text:
            new = found.value
            reasons.append(f"{HEADER_OF[field]} sous sa forme normalisée")
    elif field in ("subtitles_sdh", "audio_description"):
        word = _key(text)
        if word in _TRUE or word in _FALSE:
            new = word in _TRUE
            reasons.append("oui/non saisi comme texte")
    return new, reasons


def _row_number(raw: Mapping[str, object], index: int, first_row: int) -> int:
    row = raw.get(ROW_KEY)
    return row if isinstance(row, int) and not isinstance(row, bool) else first_row + index


def propose_fixes(raw_rows: list[dict[str, object]], *, first_row: int = 2) -> list[Fix]:
    """Proposed normalisations of raw rows (header -> cell value, as read), one ``Fix`` per cell
    that would change, never applied. A row's number is its ``_row`` entry, else ``first_row`` plus
    its index. Applying every fix and proposing again gives nothing."""
    fixes: list[Fix] = []
    fields: dict[str, str | None] = {}  # each header read once, not once per row
    for index, raw in enumerate(raw_rows):
        row = _row_number(raw, index, first_row)
        for header, value in raw.items():
            if header == ROW_KEY or value is None or type(value) is int:  # nothing a blank or a whole number can fix
                continue
            field = fields.get(header, "?")
            if field == "?":
                field = fields[header] = _FIELD_OF_KEY.get(_key(header))
            new, reasons = _normalise(field, value)
            if reasons and (new != value or type(new) is not type(value)):
                fixes.append(Fix(row, header, value, new, " ; ".join(reasons)))
    return fixes


def apply_fixes(raw_rows: list[dict[str, object]], fixes: Iterable[Fix], *, first_row: int = 2) -> list[dict[str, object]]:
    """New rows with ``fixes`` applied (the inputs are left alone): for previews and tests."""
    out = [dict(r) for r in raw_rows]
    by_row = {_row_number(r, i, first_row): i for i, r in enumerate(raw_rows)}
    for fix in fixes:
        out[by_row[fix.row]][fix.column] = fix.new
    return out
