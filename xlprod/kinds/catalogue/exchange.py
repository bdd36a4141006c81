"""Exchange formats of the catalogue: works and rights as CSV and JSON (no Excel here).

Schema (``SCHEMA``): one record per work or per rights line, named by its French header.

- Works: the headers of ``WORK_COLUMNS`` (Identifiant, Titre, … Statut). Identifiant is mandatory.
- Rights: Œuvre (identifiant de l'œuvre), Partenaire, Sens (acquis / cédé), Territoires (codes ISO,
  noms ou groupes de territoires.json), Médias, Début, Fin, Exclusif (oui / non), Fin de holdback,
  Minimum garanti, Commission. Œuvre, Sens, Territoires, Médias, Début and Fin are mandatory.

CSV as written by ``export_csv``: UTF-8 with a BOM (Excel then reads the accents right), « ; » as
separator, CRLF line endings, fields quoted when needed (a « ; », a quote or a line break inside).
Numbers use the French decimal comma (``12500,50``): the separator being « ; », the comma is free,
and a French Excel reads them as numbers. Dates are ISO ``AAAA-MM-JJ``, booleans ``oui`` / ``non``,
lists joined by « , » (producers by « ; »). Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading apostrophe, so that a spreadsheet never runs it as a formula (OWASP,
CSV injection); so does text already starting with apostrophes before such a character, so that the
import, which removes one apostrophe there, gives the text back exactly. Numbers (``int``, ``Decimal``,
``float`` values, not text) are written as numbers, a negative one included.

JSON as written by ``export_json``: UTF-8 without escapes (``ensure_ascii=False``), an array of
objects keyed by the headers; dates ISO, Decimals as strings (``"12500.50"``: no binary float),
booleans ``true`` / ``false``, empty as ``null``.

Imports read what people actually send: a BOM, Windows-1252, any of ``; , tab |`` as separator
(detection shared with the ledger's CSV reader), ``#N/A``, ``N/A``, ``#N/D`` or ``-`` as empty,
French decimals, dates as ``1998-06-12``, ``12/06/1998`` or ``Jun 12 1998``, a title stored as a
number (« 1917 » stays the text « 1917 »). A row that cannot be taken gives an error located
``FILE:LINE`` (CSV, physical line, header = 1) or ``FILE:#INDEX`` (JSON, index in the array from 0)
and the reading goes on; a missing mandatory column raises ``WorkbookError``.

Issue codes: CAT040 mandatory value empty, CAT041 unreadable date, CAT042 unreadable number,
CAT043 unreadable yes/no, CAT044 unknown direction (Sens), CAT045 not a record (JSON), CAT046 values
beyond the header's columns, CAT047 unknown country of a work; unknown territory and media of a
right are CAT008 and CAT009 (``rights``); DEP109 (the ledger's decoder) warns of mixed encodings.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from xlprod.core.cells import typed_date
from xlprod.core.issues import Issue, error
from xlprod.core.location import Location
from xlprod.core.money import from_double
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold
from xlprod.kinds.catalogue.rights import (
    Direction,
    Media,
    Right,
    Territories,
    describe_media,
    describe_territories,
    expand,
    media_set,
    territories,
)
from xlprod.kinds.catalogue.works import WORK_COLUMNS, Work, parse_date, parse_running_time

# the ledger's one way to decode bytes (BOM, UTF-8 or Windows-1252, line endings, binary refused) and to
# find the separator of a header line
from xlprod.kinds.depenses.ledger import FileIssues, csv_separator, decode_text
from xlprod.workbook.errors import WorkbookError

WORK_HEADERS: tuple[str, ...] = tuple(header for header, _field in WORK_COLUMNS)
RIGHT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Œuvre", "work"),
    ("Partenaire", "partner"),
    ("Sens", "direction"),
    ("Territoires", "territories"),
    ("Médias", "media"),
    ("Début", "start"),
    ("Fin", "end"),
    ("Exclusif", "exclusive"),
    ("Fin de holdback", "holdback_end"),
    ("Minimum garanti", "minimum_guarantee"),
    ("Commission", "commission"),
)
RIGHT_HEADERS: tuple[str, ...] = tuple(header for header, _field in RIGHT_COLUMNS)
WORK_REQUIRED = ("Identifiant", "Titre")
RIGHT_REQUIRED = ("Œuvre", "Sens", "Territoires", "Médias", "Début", "Fin")

RECEIPT_HEADERS = ("Œuvre", "Période", "Exploitation", "Territoire", "Recettes brutes", "Commission", "Frais",
                   "MG récupéré", "Préachat finançant", "Petite vente TV")  # the Recettes table's input columns
RECEIPT_REQUIRED = ("Œuvre", "Période", "Exploitation", "Recettes brutes")
SHARE_HEADERS = ("Ayant droit", "Œuvre", "Part", "Minimum garanti")
SHARE_REQUIRED = ("Ayant droit", "Œuvre", "Part")

SCHEMA: dict[str, dict[str, Any]] = {
    "works": {
        "columns": list(WORK_HEADERS),
        "required": list(WORK_REQUIRED),
        "types": {"Année": "entier", "Durée (min)": "entier (minutes)", "Pays": "codes ISO 3166 séparés par « , »",
                  "Langues": "liste séparée par « , »", "Production": "liste séparée par « ; »",
                  "Sous-titres SME": "oui / non", "Audiodescription": "oui / non", "Sortie France": "date AAAA-MM-JJ"},
    },
    "rights": {
        "columns": list(RIGHT_HEADERS),
        "required": list(RIGHT_REQUIRED),
        "types": {"Sens": "acquis / cédé", "Territoires": "codes ISO, noms de pays ou groupes de territoires.json",
                  "Médias": "Salles, TV payante, TV gratuite, SVOD, AVOD, TVOD / EST, Vidéo, Non commercial",
                  "Début": "date AAAA-MM-JJ", "Fin": "date AAAA-MM-JJ (incluse)", "Exclusif": "oui / non",
                  "Fin de holdback": "date AAAA-MM-JJ", "Minimum garanti": "nombre décimal",
                  "Commission": "nombre décimal (0,15 ou 15 %)"},
    },
    "receipts": {
        "columns": list(RECEIPT_HEADERS),
        "required": list(RECEIPT_REQUIRED),
        "types": {"Période": "texte (2026-T3)", "Exploitation": "un mode du protocole de 2010 (Salles, SVOD, TV…)",
                  "Recettes brutes": "nombre décimal, hors TVA", "Commission": "nombre décimal", "Frais": "nombre décimal",
                  "MG récupéré": "nombre décimal", "Préachat finançant": "oui / non", "Petite vente TV": "oui / non"},
    },
    "shares": {
        "columns": list(SHARE_HEADERS),
        "required": list(SHARE_REQUIRED),
        "types": {"Part": "0,25 ou 25 %", "Minimum garanti": "nombre décimal"},
    },
    "csv": {"encoding": "UTF-8 avec BOM", "separator": ";", "decimal": ",", "date": "AAAA-MM-JJ",
            "formula_guard": "apostrophe devant = + - @ tabulation retour chariot"},
    "json": {"encoding": "UTF-8", "layout": "tableau d'objets", "decimal": "chaîne, point décimal", "date": "AAAA-MM-JJ"},
}

EMPTY_MARKERS = frozenset({"#n/a", "n/a", "#n/d", "n/d", "-"})
_TRIGGER = re.compile(r"^'*[=+\-@\t\r]")
_GUARDED = re.compile(r"^'+[=+\-@\t\r]")
_TRUE = frozenset({"oui", "o", "x", "yes", "y", "vrai", "true", "1"})
_FALSE = frozenset({"non", "n", "no", "faux", "false", "0"})
T = TypeVar("T")
_CSV_EXPECTED = "un CSV avec une ligne d'en-têtes (séparateur ; , tabulation ou |)"


@dataclass(frozen=True)
class ExchangedRight(Right):
    """A rights line with the money terms the exchange formats carry beside the right itself."""

    minimum_guarantee: Decimal | None = None
    commission: Decimal | None = None


# --- rows ------------------------------------------------------------------------------------------------------


def works_rows(works: Iterable[Work]) -> list[dict[str, object]]:
    """Works as records keyed by the French headers, ready for ``export_csv`` / ``export_json``."""
    out: list[dict[str, object]] = []
    for w in works:
        row: dict[str, object] = {}
        for header, field in WORK_COLUMNS:
            value = getattr(w, field)
            if isinstance(value, tuple):
                value = (" ; " if field == "producers" else ", ").join(value) or None
            row[header] = value if value != "" else None
        out.append(row)
    return out


def _territory_text(codes: frozenset[str]) -> str:
    described = describe_territories(codes)
    try:
        if "…" not in described and expand(described) == codes:
            return described
    except ValueError:
        pass
    return ", ".join(sorted(codes))


def rights_rows(rights: Iterable[Right]) -> list[dict[str, object]]:
    """Rights as records keyed by the French headers."""
    out: list[dict[str, object]] = []
    for r in rights:
        out.append({
            "Œuvre": r.work, "Partenaire": r.partner or None, "Sens": r.direction.value,
            "Territoires": _territory_text(r.territories), "Médias": describe_media(r.media), "Début": r.start,
            "Fin": r.end, "Exclusif": r.exclusive, "Fin de holdback": r.holdback_end,
            "Minimum garanti": getattr(r, "minimum_guarantee", None), "Commission": getattr(r, "commission", None),
        })
    return out


# --- export ----------------------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text a spreadsheet could run as a formula, behind an apostrophe (see the module's docstring)."""
    return "'" + text if _TRIGGER.match(text) else text


def _unguard(text: str) -> str:
    return text[1:] if _GUARDED.match(text) else text


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal | float):
        return str(value).replace(".", ",")
    if isinstance(value, list | tuple):
        return neutralise(", ".join(str(v) for v in value))
    return neutralise(str(value))


def export_csv(rows: list[dict[str, object]], columns: Sequence[str]) -> bytes:
    """Rows (header -> value) as CSV bytes: UTF-8 with BOM, « ; », French decimals, ISO dates, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list | frozenset | set):
        return [_json_value(v) for v in value]
    return value


def export_json(rows: list[dict[str, object]], columns: Sequence[str]) -> bytes:
    """Rows (header -> value) as a JSON array of objects: UTF-8, ISO dates, Decimals as strings."""
    records = [{c: _json_value(row.get(c)) for c in columns} for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


# --- reading values --------------------------------------------------------------------------------------------


class _Skip(Exception):
    """The row cannot be taken: the issue is already recorded."""


class RowReader:
    """One record being read: its cells by header, where it is, and the issues it gives.

    Shared by the CSV and JSON imports (text cells) and the workbook's reader (typed cells: numbers,
    dates, serial dates). ``cells_at``: where each header's cell is, so an issue names the cell;
    ``lenient``: a work is kept with the fields that could be read (the workbook's rows are the
    user's, never dropped), while an import skips the row."""

    def __init__(self, cells: Mapping[str, object], where: Location | Callable[[], Location], issues: list[Issue],
                 csv_text: bool, cells_at: Mapping[str, Location] | None = None, lenient: bool = False) -> None:
        self.cells = cells
        self._where = where  # a Location, or how to make it: made only when a message or a right needs it
        self.issues = issues
        self.csv_text = csv_text
        self.cells_at = cells_at or {}
        self.lenient = lenient
        self.failed = False

    @property
    def where(self) -> Location:
        if not isinstance(self._where, Location):
            self._where = self._where()
        return self._where

    @property
    def given_where(self) -> Location | None:
        """The row's location when the caller gave one (an import's ``file:line``); None when it is made on
        demand (a workbook's row: a right locates itself from its row number)."""
        return self._where if isinstance(self._where, Location) else None

    def fail(self, code: str, message: str, hint: str, header: str | None = None) -> None:
        where = self.cells_at.get(header, self.where) if header else self.where
        self.issues.append(error(code, where, message, hint + ("." if self.lenient else " ; la ligne n'est pas lue.")))
        self.failed = True

    def text(self, header: str) -> str:
        value = self.cells.get(header)
        if type(value) is str and not self.csv_text:  # the common case, taken first (5 million cells)
            text = value.strip()
            return "" if len(text) <= 4 and text.casefold() in EMPTY_MARKERS else text
        if value is None or isinstance(value, bool):
            return "" if value is None else ("oui" if value else "non")
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a title stored as a number: 1917, not 1917.0
        if isinstance(value, datetime):
            value = value.date()
        text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        if text.strip().casefold() in EMPTY_MARKERS:
            return ""
        return (_unguard(text) if self.csv_text else text).strip()

    def required(self, header: str) -> str:
        text = self.text(header)
        if not text and not self.lenient:
            self.fail("CAT040", f"« {header} » vide", f"« {header} » est obligatoire", header)
        return text

    def date(self, header: str, required: bool = False) -> date | None:
        found = typed_date(self.cells.get(header))  # a date cell, or one read without its format
        if found is not None:
            return found
        text = self.required(header) if required else self.text(header)
        if not text:
            if required and self.lenient:
                self.fail("CAT040", f"« {header} » vide", f"« {header} » est obligatoire", header)
            return None
        parsed = parse_date(text)
        if parsed is None:
            self.fail("CAT041", f"{header} « {text} » n'est pas une date",
                      "Écrivez la date AAAA-MM-JJ, JJ/MM/AAAA ou « 12 juin 1998 »", header)
            return None
        return parsed[0]

    def number(self, header: str) -> Decimal | None:
        value = self.cells.get(header)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return from_double(float(value))
        text = self.text(header)
        if not text:
            return None
        parsed = parse_number(text)
        if parsed.value is None:
            self.fail("CAT042", f"{header} : {parsed.problem or f'« {text} » n est pas un nombre'}",
                      "Un nombre s'écrit 12500,50 (virgule ou point décimal, sans séparateur de milliers ambigu)", header)
        return parsed.value

    def integer(self, header: str) -> int | None:
        value = self.number(header)
        if value is not None and value != value.to_integral_value():
            self.fail("CAT042", f"{header} « {self.text(header)} » n'est pas un nombre entier", "Écrivez un nombre entier",
                      header)
            return None
        return int(value) if value is not None else None

    def boolean(self, header: str) -> bool | None:
        text = self.text(header)
        if not text:
            return None
        word = fold(text)
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        self.fail("CAT043", f"{header} « {text} » : ni oui ni non", "Écrivez oui ou non", header)
        return None


def _split(text: str, separators: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(f"[{separators}]", text) if p.strip())


def read_work(row: RowReader, line: int) -> Work | None:
    """A work from a record; None when the row cannot be taken (an import), never when lenient."""
    work_id = row.required("Identifiant")
    countries: list[str] = []
    for item in _split(row.text("Pays"), ",;/"):
        found = territories().lookup.get(" ".join(re.sub(r"[^0-9a-z]+", " ", fold(item)).split()))
        if found is None or len(found) != 1:
            row.fail("CAT047", f"Pays inconnu : « {item} »", "Écrivez un code ISO 3166 à deux lettres (FR, BE, US, GB…)",
                     "Pays")
        else:
            countries.extend(found)
    running = row.text("Durée (min)")
    minutes = parse_running_time(running) if running else None
    if running and minutes is None:
        row.fail("CAT042", f"Durée (min) « {running} » illisible", "Écrivez la durée en minutes : 1 h 43 s'écrit 103",
                 "Durée (min)")
    work = Work(
        row=line, id=work_id, title=row.text("Titre"), original_title=row.text("Titre original"),
        kind=row.text("Genre d'œuvre"), year=row.integer("Année"), running_time=minutes,
        countries=tuple(dict.fromkeys(countries)), languages=_split(row.text("Langues"), ",;"),
        director=row.text("Réalisation"), producers=_split(row.text("Production"), ";"), isan=row.text("ISAN"),
        eidr=row.text("EIDR"), visa=row.text("Visa"), rca=row.text("RCA"), genre=row.text("Genre"),
        subtitles_sdh=row.boolean("Sous-titres SME"), audio_description=row.boolean("Audiodescription"),
        release_fr=row.date("Sortie France"), status=row.text("Statut"),
    )
    return None if row.failed and not row.lenient else work


def read_right(row: RowReader, line: int, data: Territories | None = None) -> ExchangedRight | None:
    """A rights line from a record; None when it cannot be placed (dates, territories, media)."""
    work = row.required("Œuvre")
    sens = row.required("Sens")
    direction = Direction.from_text(sens) if sens else None
    if sens and direction is None:
        row.fail("CAT044", f"Sens « {sens} » inconnu", "Écrivez acquis ou cédé", "Sens")
    territory_text, media_text = row.required("Territoires"), row.required("Médias")
    places: frozenset[str] = frozenset()
    media: frozenset[Media] = frozenset()
    if territory_text:  # read_territories' and read_media's rules, the cell located only when it is wrong
        try:
            places = data.expand(territory_text) if data is not None else expand(territory_text)
        except ValueError as exc:
            row.fail("CAT008", str(exc).rstrip("."), "Les groupes se définissent dans l'onglet Territoires du catalogue "
                     "(ou territoires.json pour les échanges)", "Territoires")
    if media_text:
        try:
            media = media_set(media_text)
        except ValueError as exc:
            row.fail("CAT009", str(exc).rstrip("."), "Écrivez les médias séparés par des virgules", "Médias")
    start, end = row.date("Début", required=True), row.date("Fin", required=True)
    exclusive = row.boolean("Exclusif")
    holdback = row.date("Fin de holdback")
    guarantee, commission = row.number("Minimum garanti"), row.number("Commission")
    if row.failed or direction is None or start is None or end is None:
        return None
    return ExchangedRight(row=line, work=work, partner=row.text("Partenaire"), direction=direction, territories=places,
                          media=frozenset(media), start=start, end=end, exclusive=bool(exclusive), holdback_end=holdback,
                          where=row.given_where,
                          minimum_guarantee=guarantee, commission=commission)


def _canonical(found: Sequence[str], expected: Sequence[str], required: Sequence[str], where: Location) -> dict[int, str]:
    """Column index -> expected header, headers compared without case, accents or extra spaces."""
    wanted = {fold(h): h for h in expected}
    mapping: dict[int, str] = {}
    for index, header in enumerate(found):
        name = wanted.get(fold(_unguard(header)))
        if name is not None and name not in mapping.values():
            mapping[index] = name
    missing = [h for h in required if h not in mapping.values()]
    if missing:
        shown = ", ".join(f"« {h} »" for h in found if h.strip()) or "aucun"
        raise WorkbookError(where, "colonne(s) obligatoire(s) absente(s) : " + ", ".join(f"« {h} »" for h in missing),
                            f"En-têtes trouvés : {shown}. Les colonnes attendues sont : {', '.join(expected)}.")
    return mapping


# --- CSV import ------------------------------------------------------------------------------------------------


def _read_csv(data: bytes, name: str, expected: Sequence[str], required: Sequence[str],
              make: Callable[[RowReader, int], T | None]) -> tuple[list[T], list[Issue]]:
    decoding = FileIssues(name)
    src = decode_text(data, name, _CSV_EXPECTED, decoding)
    sep = csv_separator(src.lines[src.header]) or ";"  # one column: the missing ones are said below
    reader = csv.reader(io.StringIO(src.text), delimiter=sep, strict=True)
    issues: list[Issue] = []
    out: list[T] = []
    mapping: dict[int, str] | None = None
    width = 0
    previous = 0
    try:
        for record in reader:
            line = previous + 1
            previous = reader.line_num
            if not any(f.strip() for f in record):
                continue
            if mapping is None:
                mapping = _canonical(record, expected, required, Location(book=f"{name}:{line}"))
                width = len(record)
                continue
            where = Location(book=f"{name}:{line}")
            if any(f.strip() for f in record[width:]):
                issues.append(error("CAT046", where, f"valeurs au-delà des {width} colonnes d'en-tête",
                                    "Un séparateur dans un texte décale les colonnes : mettez le texte entre "
                                    "guillemets ; la ligne n'est pas lue."))
                continue
            cells = {header: record[i] for i, header in mapping.items() if i < len(record)}
            item = make(RowReader(cells, where, issues, csv_text=True), line)
            if item is not None:
                out.append(item)
    except csv.Error as exc:
        raise WorkbookError(Location(book=f"{name}:{previous + 1}"), f"CSV mal formé à partir de cette ligne ({exc})",
                            "Un guillemet ouvert n'est pas refermé : vérifiez les guillemets de cette ligne.") from exc
    return out, decoding.result() + issues


def import_works_csv(data: bytes, name: str) -> tuple[list[Work], list[Issue]]:
    """Works of a CSV file; each row that cannot be taken gives an error at ``FILE:LINE``."""
    return _read_csv(data, name, WORK_HEADERS, WORK_REQUIRED, read_work)


def import_rights_csv(data: bytes, name: str) -> tuple[list[Right], list[Issue]]:
    """Rights of a CSV file (``ExchangedRight`` values, with minimum guarantee and commission)."""
    return _read_csv(data, name, RIGHT_HEADERS, RIGHT_REQUIRED, read_right)


# --- JSON import -----------------------------------------------------------------------------------------------


def _read_json(data: bytes, name: str, expected: Sequence[str], required: Sequence[str],
               make: Callable[[RowReader, int], T | None]) -> tuple[list[T], list[Issue]]:
    where = Location(book=name)
    try:
        records = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkbookError(where, f"JSON illisible ({exc})", "Le fichier doit être un tableau JSON d'objets en UTF-8.") from exc
    if isinstance(records, dict) and isinstance(records.get("rows"), list):
        records = records["rows"]
    if not isinstance(records, list):
        raise WorkbookError(where, "le JSON n'est pas un tableau d'objets", "Le fichier doit être un tableau JSON d'objets.")
    keys = list(dict.fromkeys(k for r in records if isinstance(r, dict) for k in r))
    mapping = _canonical(keys, expected, required, where) if records else {}
    issues: list[Issue] = []
    out: list[T] = []
    for index, record in enumerate(records):
        at = Location(book=f"{name}:#{index}")
        if not isinstance(record, dict):
            issues.append(error("CAT045", at, f"élément {index} : pas un objet", "Chaque élément est un objet ; il n'est "
                                "pas lu."))
            continue
        cells = {mapping[i]: record[k] for i, k in enumerate(keys) if i in mapping and k in record}
        nested = [h for h, v in cells.items() if isinstance(v, dict) or (isinstance(v, list) and any(
            isinstance(x, dict | list) for x in v))]
        if nested:
            issues.append(error("CAT045", at, f"élément {index} : {', '.join(nested)} n'est pas une valeur simple (objet ou "
                                "liste imbriquée)", "Donnez un texte, un nombre ou une liste de textes ; l'élément n'est "
                                "pas lu."))
            continue
        item = make(RowReader(cells, at, issues, csv_text=False), index)
        if item is not None:
            out.append(item)
    return out, issues


def import_works_json(data: bytes, name: str) -> tuple[list[Work], list[Issue]]:
    """Works of a JSON array; an element that cannot be taken gives an error at ``FILE:#INDEX``; ``row`` is the index."""
    return _read_json(data, name, WORK_HEADERS, WORK_REQUIRED, read_work)


def import_rights_json(data: bytes, name: str) -> tuple[list[Right], list[Issue]]:
    """Rights of a JSON array, as ``import_rights_csv``; ``row`` is the index in the array."""
    return _read_json(data, name, RIGHT_HEADERS, RIGHT_REQUIRED, read_right)


__all__ = ["RIGHT_COLUMNS", "RIGHT_HEADERS", "SCHEMA", "WORK_HEADERS", "ExchangedRight", "Media", "export_csv",
           "export_json", "import_rights_csv", "import_rights_json", "import_works_csv", "import_works_json", "neutralise",
           "rights_rows", "works_rows"]


def read_receipt(row: RowReader, line: int) -> dict[str, object] | None:
    """A distributor's statement line, as the Recettes table takes it: the exploitation by the
    protocol's label, amounts as numbers, oui / non."""
    from xlprod.kinds.catalogue.receipts import Exploitation

    work, period, typed = row.required("Œuvre"), row.required("Période"), row.required("Exploitation")
    exploitation = Exploitation.from_text(typed) if typed else None
    if typed and exploitation is None:
        row.fail("CAT048", f"Exploitation « {typed} » inconnue", "Écrivez un mode du protocole : Salles, Salles avec MG, "
                 "VOD / SVOD, Télévision, Étranger, Vidéo, Non commercial, Autres", "Exploitation")
    gross = row.number("Recettes brutes")
    if gross is None and not row.failed:
        row.fail("CAT040", "« Recettes brutes » vide", "« Recettes brutes » est obligatoire", "Recettes brutes")
    amounts = {h: row.number(h) for h in ("Commission", "Frais", "MG récupéré")}
    flags = {h: row.boolean(h) for h in ("Préachat finançant", "Petite vente TV")}
    if row.failed or exploitation is None:
        return None
    return {"Œuvre": work, "Période": period, "Exploitation": exploitation.label, "Territoire": row.text("Territoire"),
            "Recettes brutes": gross, **{h: v if v is not None else Decimal(0) for h, v in amounts.items()},
            **{h: "oui" if v else "non" for h, v in flags.items()}}


def read_share(row: RowReader, line: int) -> dict[str, object] | None:
    """A rights holder's share of a work's RNPP, and the MG paid to them."""
    holder, work, typed = row.required("Ayant droit"), row.required("Œuvre"), row.required("Part")
    share: Decimal | None = None
    if typed:
        percent = typed.endswith("%")
        parsed = parse_number(typed.rstrip("%").strip())
        share = parsed.value / 100 if parsed.value is not None and (percent or parsed.value > 1) else parsed.value
        if share is None or not 0 <= share <= 1:
            row.fail("CAT042", f"Part « {typed} » : un pourcentage de 0 à 100 %", "Écrivez 25 % ou 0,25", "Part")
    mg = row.number("Minimum garanti")
    if row.failed or share is None:
        return None
    return {"Ayant droit": holder, "Œuvre": work, "Part": share, "Minimum garanti": mg if mg is not None else Decimal(0)}


def import_receipts(data: bytes, name: str) -> tuple[list[dict[str, object]], list[Issue]]:
    """Receipts from CSV or JSON (by content), one record per Recettes row."""
    if _is_json(data, name):
        return _read_json(data, name, RECEIPT_HEADERS, RECEIPT_REQUIRED, read_receipt)
    return _read_csv(data, name, RECEIPT_HEADERS, RECEIPT_REQUIRED, read_receipt)


def import_shares(data: bytes, name: str) -> tuple[list[dict[str, object]], list[Issue]]:
    """Rights holders' shares from CSV or JSON (by content), one record per Ayants droit row."""
    if _is_json(data, name):
        return _read_json(data, name, SHARE_HEADERS, SHARE_REQUIRED, read_share)
    return _read_csv(data, name, SHARE_HEADERS, SHARE_REQUIRED, read_share)


def _is_json(data: bytes, name: str) -> bool:
    return name.lower().endswith(".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")
