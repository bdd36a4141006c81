"""The MovieLabs / EMA Avails format: the catalogue's granted rights as the Excel template and as XML.

An Avail is a licence offered to a retailer or a platform. Only grants (``Direction.CEDE``) are
exported: an acquisition is what the catalogue bought, not something it offers. Imported rows come
back as « cédé » rights, the partner being the licensee of the file.

Sources followed (stored copies of public material, read for this module)
-----------------------------------------------------------------------
- XML: the MovieLabs schema ``avails-v2.6.xsd`` (namespace
  ``http://www.movielabs.com/schema/avails/v2.6/avails``, Common Metadata ``md`` v2.10, ``mdmec``
  v2.10), as shipped in the MovieLabs ``mddf`` validator (``mddf-lib/.../resources``). Element order
  of ``Avail``, ``Asset``, ``Metadata`` and ``Transaction`` follows that XSD. ``Start`` and ``End``
  are ``xs:dateTime``; ``Start``/``StartCondition`` and ``End``/``EndCondition`` are choices.
- Excel: the mddf converter (``AvailsSheet.java``, ``TemplateWorkBook.java``, ``XmlBuilder.java``,
  ``RowToXmlHelper*.java``, ``Mappings.json``) for template versions 1.7 to 1.9: row 1 holds the
  categories (Avail, Disposition, AvailAsset, AvailMetadata, AvailTrans), row 2 the column names,
  row 3 is reserved, the avails start on row 4; a row whose EntryType is empty or starts with ``//``
  is not an avail; columns are found by their name, not their place. This module reads a row with
  an empty EntryType all the same (hand-made files forget it), and skips the reserved row 3. A spreadsheet date
  ``YYYY-MM-DD`` becomes ``YYYY-MM-DDT00:00:00`` for Start and ``YYYY-MM-DDT23:59:59`` for End in
  XML, and back to the date: the spreadsheet's End is the last day available, inclusive, as the
  catalogue writes it. Exclusivity (template 1.7.3 / XML 2.3 on) is the ``Exclusive`` column, a
  ``Term termName="Exclusive"`` holding a ``Boolean`` in XML; the licensee (same versions) is the
  ``Licensee`` column, ``Transaction/Licensee/md:DisplayName`` in XML; ``Territory`` may list
  several codes separated by commas, ``TerritoryExclusion`` removes some.
- Vocabulary: ``vocab_avail_v2.5.json`` of the validator: LicenseType EST, VOD, SVOD, POEST,
  Pre-Release, Library; EntryType Full Delete, Full Extract, Create, Update, Delete;
  DateTimeCondition Open, Immediate, ESTStart, … MovieLabs' release history (v2.3) for the
  exclusivity and licensee terms.

Mapping (media of the catalogue ↔ LicenseType)
----------------------------------------------
=============  ===========================  =================================================
Media          exported as                   read from
=============  ===========================  =================================================
SVOD           ``SVOD``                      ``SVOD``
AVOD           ``AVOD``                      ``AVOD``, ``FVOD``
TVOD / EST     ``EST`` and ``VOD`` (2 rows)  ``EST``, ``VOD``, ``TVOD``, ``POEST``
others         not exported (CAT056)         —
=============  ===========================  =================================================

The catalogue's « TVOD / EST » is one window (rental and sell-through): it is sent as one EST and
one VOD avail, and an EST or VOD avail reads back as TVOD. Salles, TV payante, TV gratuite, Vidéo
and Non commercial have no LicenseType in the EMA vocabulary (no « Pay TV » / « Free TV »): those
media are not exported and each right losing some gives a warning.

Other choices
-------------
- One avail row (one XML ``Transaction``) per territory code and LicenseType, as the 1.7.2 template
  has one country per row; on import rows are grouped back into rectangles: for each (work, partner,
  start, end, exclusivity), territories having the same set of media make one right.
- Work: its id in ``AltID`` (XML: ``AltIdentifier`` of namespace ``org:xlprod``), its EIDR (else a
  ``md:cid:org:xlprod:`` id) in ``ContentID`` (XML: ``Asset/@contentID``), its title in
  ``TitleDisplayUnlimited`` and ``TitleInternalAlias``, ALID ``md:alid:org:xlprod:<id>``. On
  import the work is the AltID, else the ContentID (an EIDR matched against ``works`` when given).
- Partner: the licensee; without one, the ``partner`` argument of the import. ``Licensor``
  (DisplayName, « the name of your company ») is the ``licensor`` argument of the export and is not
  read back; ``ServiceProvider`` is ignored.
- End « Open » (EndCondition) is read as 31/12/9999 and written back as ``Open``; other conditions
  (Immediate, TBD, …) cannot be dated and the row is refused. An XML End at exactly midnight is an
  instant, the first moment no longer available: the last day is the day before.
- EntryType written ``Full Extract`` (the file is the whole offer; no AvailID is written); rows or
  avails whose EntryType is ``Delete`` or ``Full Delete`` are skipped on import with a warning.
- FormatProfile, required by the template and the XSD, is written ``HD``: the catalogue does not
  know the format of the masters. Holdbacks have no place in the format and are not sent (CAT056).
- Text cells are neutralised against formula injection (``exchange.neutralise``) and un-neutralised
  on import; characters XML cannot hold (controls other than tab and line breaks) are dropped.
- The XML parser is hardened (no entity resolution, no network, no huge trees) and any document type
  declaration is refused: no billion laughs, no external entities.

Not verified (no copy of the text at hand): the column order of the official 1.9 template (this
module writes the 1.7 order and reads any order); the name of the 1.8/1.9 consolidated sheet (the
export writes « Movies »; the import prefers « Movies », then « Avails », then any sheet with the
columns); whether « AVOD » is in the spec's LicenseType list (platforms such as Amazon use AVOD and
FVOD in EMA files; the validator's v2.5 vocabulary does not list them); the meaning of the
Pre-Release and Library license types (refused as unknown); the content of the 1.9 template's
reserved row 3 (written empty); whether a platform reads an XML End at midnight as this module does.

Issue codes: CAT050 unreadable or refused file, CAT051 no avails sheet or mandatory columns absent,
CAT052 unreadable date (or end before start), CAT053 unknown territory, CAT054 unknown LicenseType,
CAT055 no work identifier, CAT056 right not exported (or partly), CAT057 entry skipped on import
(Delete), CAT058 exported work absent from the catalogue, CAT059 unreadable Exclusive value.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.datetime import from_excel

from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.text import fold
from xlprod.kinds.catalogue.exchange import neutralise
from xlprod.kinds.catalogue.identifiers import check_eidr
from xlprod.kinds.catalogue.rights import RIGHTS_SHEET, Direction, Media, Right, describe_media, expand, territories
from xlprod.kinds.catalogue.works import Work, parse_date

SHEET = "Movies"
AVAILS_NS = "http://www.movielabs.com/schema/avails/v2.6/avails"
MD_NS = "http://www.movielabs.com/schema/md/v2.10/md"
MDMEC_NS = "http://www.movielabs.com/schema/mdmec/v2.10"
ORG = "org:xlprod"
ALID_PREFIX = f"md:alid:{ORG}:"
CID_PREFIX = f"md:cid:{ORG}:"
OPEN_END = date(9999, 12, 31)
FORMAT_PROFILE = "HD"
ENTRY_TYPE = "Full Extract"
MAX_UNZIPPED = 200 * 1024 * 1024  # bytes: an avails workbook is a few MB; more is a zip bomb
HEADER_SCAN = 10  # rows searched for the column names

EXPORTED_MEDIA: dict[Media, tuple[str, ...]] = {
    Media.SVOD: ("SVOD",),
    Media.AVOD: ("AVOD",),
    Media.TVOD: ("EST", "VOD"),
}
LICENSE_TYPES: dict[str, Media] = {
    "svod": Media.SVOD,
    "avod": Media.AVOD, "fvod": Media.AVOD,
    "est": Media.TVOD, "vod": Media.TVOD, "tvod": Media.TVOD, "poest": Media.TVOD,
}

# (category of row 1, column name of row 2), in the order of the 1.7 template
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Avail", "DisplayName"),
    ("Avail", "Licensee"),
    ("AvailTrans", "Territory"),
    ("AvailAsset", "WorkType"),
    ("Disposition", "EntryType"),
    ("AvailMetadata", "TitleInternalAlias"),
    ("AvailMetadata", "TitleDisplayUnlimited"),
    ("AvailMetadata", "LocalizationType"),
    ("AvailTrans", "LicenseType"),
    ("AvailTrans", "LicenseRightsDescription"),
    ("AvailTrans", "FormatProfile"),
    ("AvailTrans", "Start"),
    ("AvailTrans", "End"),
    ("AvailTrans", "PriceType"),
    ("AvailTrans", "PriceValue"),
    ("AvailTrans", "SRP"),
    ("AvailTrans", "Description"),
    ("AvailTrans", "OtherTerms"),
    ("AvailTrans", "OtherInstructions"),
    ("AvailAsset", "ContentID"),
    ("Avail", "AvailID"),
    ("AvailAsset", "AltID"),
    ("AvailMetadata", "ReleaseYear"),
    ("AvailMetadata", "TotalRunTime"),
    ("Avail", "ExceptionFlag"),
    ("AvailTrans", "ContractID"),
    ("Avail", "ServiceProvider"),
    ("Avail", "ALID"),
    ("AvailTrans", "Exclusive"),
    ("AvailTrans", "ExclusiveAttributes"),
)
REQUIRED = ("Territory", "LicenseType", "Start", "End")
IDENTITY = ("AltID", "ContentID")
_CATEGORIES = frozenset({"avail", "availtrans", "availasset", "availmetadata", "disposition"})
_CATEGORY_FILL = {"Avail": "3776DB", "AvailAsset": "B54E9B", "AvailMetadata": "38761D", "AvailTrans": "85200C",
                  "Disposition": "3776DB"}  # the colours of MovieLabs' converter

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_GUARDED = re.compile(r"^'+[=+\-@\t\r]")  # what ``neutralise`` protected: one apostrophe to take off
_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$")
_DELETE = frozenset({"delete", "full delete"})
_TRUE = frozenset({"yes", "y", "true", "1", "oui", "o", "x", "vrai"})
_FALSE = frozenset({"no", "n", "false", "0", "non", "faux"})


@dataclass(frozen=True)
class AvailRight(Right):
    """A right read from an Avails file, with what the file says of the work."""

    title: str = ""
    content_id: str = ""


# --- shared helpers --------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Text without the characters an XML part (XLSX or XML) cannot hold."""
    return _ILLEGAL.sub("", text)


def _unguard(text: str) -> str:
    return text[1:] if _GUARDED.match(text) else text


def _hkey(value: object) -> str:
    """A column name reduced to letters and digits: « License Type », « AvailTrans/LicenseType » -> licensetype."""
    text = str(value or "")
    text = re.split(r"[/:]", text)[-1]
    return re.sub(r"[^0-9a-z]", "", fold(text))


def _fmt(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _eidr_key(text: str) -> str | None:
    found = check_eidr(text)
    return found.value if found.ok else None


def _work_kind(work: Work | None) -> str:
    kind = fold(work.kind) if work else ""
    return "Short" if "court" in kind or "short" in kind else "Movie"


def _content_id(work_id: str, work: Work | None) -> str:
    eidr = _eidr_key(work.eidr) if work and work.eidr.strip() else None
    return eidr or CID_PREFIX + quote(work_id, safe="")


def _resolve_work(alt_id: str, content_id: str, by_eidr: dict[str, str]) -> str:
    """The work id an avail names: its AltID, else its ContentID (our own id, or an EIDR of ``works``)."""
    if alt_id:
        return alt_id
    if content_id.startswith(CID_PREFIX):
        return unquote(content_id[len(CID_PREFIX):])
    key = _eidr_key(content_id)
    if key and key in by_eidr:
        return by_eidr[key]
    return content_id


def _eidr_index(works: Iterable[Work]) -> dict[str, str]:
    out: dict[str, str] = {}
    for w in works:
        key = _eidr_key(w.eidr) if w.eidr.strip() else None
        if key and w.id.strip():
            out.setdefault(key, w.id.strip())
    return out


def _read_date(value: object, end: bool) -> tuple[date | None, str]:
    """A Start or End cell: the (inclusive) day and no problem, or None and what is wrong ("" when empty)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, ""
    if isinstance(value, datetime):
        return value.date(), ""  # an Excel date cell: a day, whatever its time of day
    if isinstance(value, date):
        return value, ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            found = from_excel(value)
        except (ValueError, OverflowError, TypeError):
            return None, f"nombre {value} hors du calendrier d'Excel"
        return (found.date(), "") if isinstance(found, datetime) else (None, f"nombre {value} illisible comme date")
    text = _unguard(str(value).strip())
    word = fold(text)
    if end and word == "open":
        return OPEN_END, ""
    if m := _DATETIME.match(text):
        y, mo, d, hh, mm, ss = (int(g or 0) for g in m.groups())
        try:
            day = date(y, mo, d)
        except ValueError:
            return None, f"« {text} » n'est pas une date"
        if end and hh == mm == ss == 0 and day > date.min:
            return day - timedelta(days=1), ""  # an instant: at midnight the avail is already over
        return day, ""
    parsed = parse_date(text)
    if parsed is not None:
        return parsed[0], ""
    if word in {"immediate", "tbd", "eststart", "est", "broadcast", "completed", "theatrical", "open"}:
        return None, f"condition « {text} » sans date : le catalogue ne peut pas la dater"
    return None, f"« {text} » n'est pas une date"


def _read_territories(text: str, excluded: str) -> tuple[frozenset[str], str]:
    """Codes of a Territory cell (« FR », « FR, BE », a name or group of territoires.json) less the excluded ones."""
    data = territories()

    def codes(cell: str) -> tuple[set[str], str]:
        out: set[str] = set()
        for item in (p.strip() for p in re.split(r"[,;]", cell) if p.strip()):
            if item.upper() in data.codes:
                out.add(item.upper())
                continue
            try:
                out |= expand(item)
            except ValueError:
                return set(), item
        return out, ""

    found, bad = codes(text)
    if bad:
        return frozenset(), bad
    less, bad = codes(excluded)
    if bad:
        return frozenset(), bad
    return frozenset(found - less), ""


def _read_bool(text: str) -> bool | None:
    word = fold(text)
    if not word or word in _FALSE:
        return False
    return True if word in _TRUE else None


# --- what gets exported ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """One avail: a right, for one territory and one LicenseType."""

    right: Right
    work: Work | None
    territory: str
    license_type: str


def _plan(rights: Iterable[Right], works: Iterable[Work], book: str | None = None) -> tuple[list[_Line], list[Issue]]:
    by_id = {w.id.strip(): w for w in works if w.id.strip()}
    lines: list[_Line] = []
    issues: list[Issue] = []
    acquired = 0
    unknown: set[str] = set()
    for r in rights:
        if not r.granted:
            acquired += 1
            continue
        where = r.location(book)
        if not r.valid:
            issues.append(warning("CAT056", where, f"Droit ligne {r.row} non exporté : début ({_fmt(r.start)}) après la fin "
                                  f"({_fmt(r.end)}).", "Corrigez les dates du droit."))
            continue
        left_out = [m for m in Media if m in r.media and m not in EXPORTED_MEDIA]
        if left_out:
            kept = [m for m in Media if m in r.media and m in EXPORTED_MEDIA]
            what = "non exporté" if not kept else f"exporté pour {describe_media(kept)} seulement"
            issues.append(warning("CAT056", where, f"Droit ligne {r.row} {what} : {describe_media(left_out)} sans "
                                  "équivalent dans l'EMA Avails (LicenseType EST, VOD, SVOD, AVOD).",
                                  "Ces médias se cèdent hors avails (contrat, relevé de droits)."))
        if r.holdback_end is not None and r.holdback_end > r.end:
            issues.append(warning("CAT056", where, f"Droit ligne {r.row} : holdback jusqu'au {_fmt(r.holdback_end)} non "
                                  "transmis, l'EMA Avails n'a pas de champ pour lui.", "Rappelez-le à la plateforme par écrit."))
        work = by_id.get(r.work.strip())
        if work is None and r.work.strip() not in unknown and any(m in EXPORTED_MEDIA for m in r.media):
            unknown.add(r.work.strip())
            issues.append(warning("CAT058", where, f"Œuvre « {r.work} » (droit ligne {r.row}) absente du catalogue : "
                                  "exportée sans titre ni EIDR.", "Ajoutez l'œuvre à la feuille Œuvres."))
        for territory in sorted(r.territories):
            for media in Media:
                if media in r.media:
                    lines.extend(_Line(r, work, territory, lt) for lt in EXPORTED_MEDIA.get(media, ()))
    if acquired:
        issues.append(warning("CAT056", Location(book=book, sheet=RIGHTS_SHEET),
                              f"{acquired} droit(s) acquis non exporté(s) : un avail est une offre de licence.",
                              "seuls les droits cédés deviennent des avails"))
    return lines, issues


def avails_export_issues(rights: Iterable[Right], works: Iterable[Work], *, book: str | None = None) -> list[Issue]:
    """What ``export_avails_xlsx`` / ``export_avails_xml`` leave out, as warnings located at the rights lines."""
    return _plan(rights, works, book)[1]


def _row_values(line: _Line, licensor: str) -> dict[str, object]:
    r, w = line.right, line.work
    work_id = r.work.strip()
    title = (w.title.strip() if w else "") or work_id
    return {
        "DisplayName": licensor,
        "Licensee": r.partner.strip(),
        "Territory": line.territory,
        "WorkType": _work_kind(w),
        "EntryType": ENTRY_TYPE,
        "TitleInternalAlias": title,
        "TitleDisplayUnlimited": title,
        "LicenseType": line.license_type,
        "FormatProfile": FORMAT_PROFILE,
        "Start": r.start.isoformat(),
        "End": "Open" if r.end >= OPEN_END else r.end.isoformat(),
        "ContentID": _content_id(work_id, w),
        "AltID": work_id,
        "ReleaseYear": w.year if w and w.year else None,
        "TotalRunTime": f"{w.running_time // 60:02d}:{w.running_time % 60:02d}:00" if w and w.running_time else None,
        "ALID": ALID_PREFIX + quote(work_id, safe=""),
        "Exclusive": "Yes" if r.exclusive else "No",
    }


# --- XLSX export -----------------------------------------------------------------------------------------------


def export_avails_xlsx(rights: Iterable[Right], works: Iterable[Work], *, licensor: str = "") -> bytes:
    """The granted rights as an EMA Avails workbook: sheet « Movies », categories on row 1, column
    names on row 2, row 3 reserved, one avail per row from row 4. ``licensor`` is your company (the
    DisplayName column). What is left out is told by ``avails_export_issues``."""
    lines, _issues = _plan(rights, works)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    bold = Font(bold=True, color="FFFFFF")
    for col, (category, column) in enumerate(COLUMNS, start=1):
        fill = PatternFill("solid", fgColor=_CATEGORY_FILL.get(category, "3776DB"))
        for row, text in ((1, category), (2, column)):
            cell = ws.cell(row=row, column=col, value=text)
            cell.font, cell.fill = bold, fill
        ws.column_dimensions[column_letter(col)].width = max(12, len(column) + 2)
    index = {column: col for col, (_category, column) in enumerate(COLUMNS, start=1)}
    for row, line in enumerate(lines, start=4):
        for column, value in _row_values(line, licensor).items():
            if value is None or value == "":
                continue
            ws.cell(row=row, column=index[column], value=neutralise(_clean(value)) if isinstance(value, str) else value)
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- XML export ------------------------------------------------------------------------------------------------


def _sub(parent: Any, ns: str, tag: str, text: str | None = None, **attrib: str) -> Any:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: _clean(v) for k, v in attrib.items()})
    if text is not None:
        el.text = _clean(text)
    return el


def _dated(d: date, end: bool) -> str:
    return f"{d.isoformat()}T23:59:59" if end else f"{d.isoformat()}T00:00:00"


def export_avails_xml(rights: Iterable[Right], works: Iterable[Work], *, licensor: str = "") -> bytes:
    """The granted rights as an EMA ``AvailList`` (schema avails v2.6): one ``Avail`` per work, one
    ``Transaction`` per territory and LicenseType. UTF-8 with an XML declaration."""
    lines, _issues = _plan(rights, works)
    av = AVAILS_NS
    root = etree.Element(f"{{{av}}}AvailList", nsmap={None: av, "md": MD_NS, "mdmec": MDMEC_NS})
    by_work: dict[str, list[_Line]] = {}
    for line in lines:
        by_work.setdefault(line.right.work.strip(), []).append(line)
    for work_id, group in by_work.items():
        w = group[0].work
        title = (w.title.strip() if w else "") or work_id
        avail = _sub(root, av, "Avail")
        _sub(avail, av, "ALID", ALID_PREFIX + quote(work_id, safe=""))
        _sub(_sub(avail, av, "Disposition"), av, "EntryType", ENTRY_TYPE)
        _sub(_sub(avail, av, "Licensor"), MD_NS, "DisplayName", licensor)
        _sub(avail, av, "AvailType", "single")
        _sub(avail, av, "ShortDescription", f"Avails de « {title} »")
        asset = _sub(avail, av, "Asset", contentID=_content_id(work_id, w))
        _sub(asset, av, "WorkType", _work_kind(w))
        metadata = _sub(asset, av, "Metadata")
        _sub(metadata, av, "TitleDisplayUnlimited", title)
        _sub(metadata, av, "TitleInternalAlias", title)
        alt = _sub(metadata, av, "AltIdentifier")
        _sub(alt, MD_NS, "Namespace", ORG)
        _sub(alt, MD_NS, "Identifier", work_id)
        if w and w.year:
            _sub(metadata, av, "ReleaseDate", f"{w.year:04d}")
        if w and w.running_time:
            _sub(metadata, av, "RunLength", f"PT{w.running_time // 60}H{w.running_time % 60}M")
        for line in group:
            r = line.right
            trans = _sub(avail, av, "Transaction")
            if r.partner.strip():
                _sub(_sub(trans, av, "Licensee"), MD_NS, "DisplayName", r.partner.strip())
            _sub(trans, av, "LicenseType", line.license_type)
            _sub(_sub(trans, av, "Territory"), MD_NS, "country", line.territory)
            _sub(trans, av, "Start", _dated(r.start, end=False))
            if r.end >= OPEN_END:
                _sub(trans, av, "EndCondition", "Open")
            else:
                _sub(trans, av, "End", _dated(r.end, end=True))
            _sub(trans, av, "FormatProfile", FORMAT_PROFILE)
            _sub(_sub(trans, av, "Term", termName="Exclusive"), av, "Boolean", "true" if r.exclusive else "false")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# --- import: one avail cell at a time, then grouped ------------------------------------------------------------


@dataclass(frozen=True)
class _Read:
    """One avail read: (work, partner, dates, exclusivity) × territories × one media."""

    row: int
    where: Location
    work: str
    partner: str
    start: date
    end: date
    exclusive: bool
    territories: frozenset[str]
    media: Media
    title: str
    content_id: str


def _group(reads: Sequence[_Read]) -> list[Right]:
    """Rights as rectangles: per (work, partner, start, end, exclusivity), the territories having the
    same media make one right; rights keep the order of their first avail."""
    keyed: dict[tuple[str, str, date, date, bool], list[_Read]] = {}
    for r in reads:
        keyed.setdefault((r.work, r.partner, r.start, r.end, r.exclusive), []).append(r)
    made: list[tuple[int, int, AvailRight]] = []
    for (work, partner, start, end, exclusive), group in keyed.items():
        media_of: dict[str, set[Media]] = {}
        first_of: dict[str, _Read] = {}
        for r in group:
            for code in r.territories:
                media_of.setdefault(code, set()).add(r.media)
                first_of.setdefault(code, r)
        by_media: dict[frozenset[Media], list[str]] = {}
        for code in sorted(media_of):  # sorted: rights starting on the same row come out in a stable order
            by_media.setdefault(frozenset(media_of[code]), []).append(code)
        for media, codes in by_media.items():
            first = min((first_of[c] for c in codes), key=lambda r: (r.row, r.where.cell or ""))
            title = next((r.title for r in group if r.title), "")
            content_id = next((r.content_id for r in group if r.content_id), "")
            made.append((first.row, len(made), AvailRight(
                row=first.row, work=work, partner=partner, direction=Direction.CEDE, territories=frozenset(codes),
                media=media, start=start, end=end, exclusive=exclusive, where=first.where, title=title,
                content_id=content_id)))
    return [right for _row, _n, right in sorted(made, key=lambda t: (t[0], t[1]))]


class _Fields:
    """Reads one avail's fields, each problem an error located where it is; ``failed`` when one was found."""

    def __init__(self, issues: list[Issue], at: Callable[[str], Location], row: int, by_eidr: dict[str, str],
                 partner: str) -> None:
        self.issues, self.at, self.row, self.by_eidr, self.default_partner = issues, at, row, by_eidr, partner
        self.failed = False

    def fail(self, code: str, field: str, message: str, hint: str) -> None:
        self.issues.append(error(code, self.at(field), message, hint + " ; l'avail n'est pas lu."))
        self.failed = True

    def read(self, *, alt_id: str, content_id: str, partner: str, territory: str, excluded: str, license_type: str,
             start: object, end: object, exclusive: str, title: str) -> list[_Read]:
        work = _resolve_work(alt_id, content_id, self.by_eidr)
        if not work:
            self.fail("CAT055", "AltID", "ni AltID ni ContentID : l'œuvre n'est pas identifiée",
                      "Indiquez l'identifiant de l'œuvre (AltID) ou son EIDR (ContentID)")
        codes, bad = _read_territories(territory, excluded)
        if bad:
            self.fail("CAT053", "Territory", f"territoire inconnu : « {bad} »",
                      "Écrivez un code ISO 3166-1 alpha-2 (FR, BE, CH, LU, CA…)")
        elif not codes:
            self.fail("CAT053", "Territory", "Territory vide" if not territory.strip() else "aucun territoire après exclusion",
                      "Écrivez un code ISO 3166-1 alpha-2 (FR, BE, CH, LU, CA…)")
        media = LICENSE_TYPES.get(fold(license_type).replace(" ", ""))
        if media is None:
            shown = f"« {license_type} »" if license_type else "vide"
            self.fail("CAT054", "LicenseType", f"LicenseType {shown} inconnu",
                      "Types lus : SVOD, AVOD, FVOD, EST, VOD, TVOD, POEST ; les autres médias ne s'échangent pas en avails")
        first, why_start = _read_date(start, end=False)
        last, why_end = _read_date(end, end=True)
        for field, day, why in (("Start", first, why_start), ("End", last, why_end)):
            if day is None:
                self.fail("CAT052", field, f"{field} : {why or 'date absente'}", "Écrivez la date AAAA-MM-JJ")
        if first is not None and last is not None and last < first:
            self.fail("CAT052", "End", f"End ({_fmt(last)}) avant Start ({_fmt(first)})", "Vérifiez les deux dates")
        flag = _read_bool(exclusive)
        if flag is None:
            self.fail("CAT059", "Exclusive", f"Exclusive « {exclusive} » : ni Yes ni No", "Écrivez Yes ou No")
        if self.failed or media is None or first is None or last is None or flag is None:
            return []
        return [_Read(row=self.row, where=self.at("AltID" if alt_id else "ContentID"), work=work,
                      partner=partner or self.default_partner, start=first, end=last, exclusive=flag, territories=codes,
                      media=media, title=title, content_id=content_id)]


# --- XLSX import -----------------------------------------------------------------------------------------------


def _zip_problem(data: bytes) -> str:
    if not data.startswith(b"PK"):
        return "ce n'est pas un classeur Excel .xlsx (ni un zip)"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            if "[Content_Types].xml" not in names:
                return "zip sans [Content_Types].xml : ce n'est pas un classeur .xlsx"
            if sum(i.file_size for i in z.infolist()) > MAX_UNZIPPED:
                return f"classeur de plus de {MAX_UNZIPPED // 2**20} Mo une fois décompressé : refusé"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return f"zip illisible ({exc})"
    return ""


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id stored as a number: 1917, not 1917.0
    if isinstance(value, datetime):
        return value.isoformat()
    return _unguard(str(value).strip()).strip()


def _header(rows: Sequence[tuple[object, ...]]) -> tuple[int, dict[str, int], bool]:
    """(index of the column names' row, column name key -> index, whether a row of categories is above it)."""
    best, best_map, best_score = 0, {}, -1
    wanted = {_hkey(c) for _cat, c in COLUMNS} | {_hkey(c) for c in (*REQUIRED, *IDENTITY, "TerritoryExclusion")}
    for i, row in enumerate(rows[:HEADER_SCAN]):
        mapping: dict[str, int] = {}
        for j, value in enumerate(row):
            key = _hkey(value)
            if key and key not in mapping:
                mapping[key] = j
        score = len(wanted & mapping.keys())
        if score > best_score:
            best, best_map, best_score = i, mapping, score
    categories = best > 0 and any(_hkey(v) in _CATEGORIES for v in rows[best - 1])
    return best, best_map, categories


def _missing(mapping: dict[str, int]) -> list[str]:
    missing = [c for c in REQUIRED if _hkey(c) not in mapping]
    if not any(_hkey(c) in mapping for c in IDENTITY):
        missing.append(" ou ".join(IDENTITY))
    return missing


def import_avails_xlsx(data: bytes, name: str, *, partner: str = "",
                       works: Iterable[Work] = ()) -> tuple[list[Right], list[Issue]]:
    """Granted rights of an EMA Avails workbook (``AvailRight`` values, direction « cédé »). The sheet
    is « Movies », else « Avails », else the first with the columns; the column names are found in
    the first rows (two-row layout or one). ``partner`` names the licensee when the file has none;
    ``works`` lets a ContentID holding an EIDR name its work. Never raises on the file: a file that
    cannot be read gives one CAT050 error, each avail that cannot be taken an error at its cell."""
    book = Location(book=name)
    problem = _zip_problem(data)
    if problem:
        return [], [error("CAT050", book, f"fichier illisible : {problem}", "Envoyez le classeur .xlsx des avails EMA.")]
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises whatever its parsers meet in a damaged file
        return [], [error("CAT050", book, f"classeur illisible ({type(exc).__name__}: {exc})",
                          "Ouvrez-le dans Excel et enregistrez-le de nouveau au format .xlsx.")]
    try:
        return _read_book(wb, name, partner, _eidr_index(works))
    except Exception as exc:  # a sheet damaged past its first rows
        return [], [error("CAT050", book, f"classeur illisible ({type(exc).__name__}: {exc})",
                          "Ouvrez-le dans Excel et enregistrez-le de nouveau au format .xlsx.")]
    finally:
        wb.close()


def _read_book(wb: Any, name: str, partner: str, by_eidr: dict[str, str]) -> tuple[list[Right], list[Issue]]:
    titles: list[str] = list(wb.sheetnames)
    order = sorted(titles, key=lambda t: (fold(t) != "movies", fold(t) != "avails", titles.index(t)))
    chosen: tuple[str, list[tuple[object, ...]], int, dict[str, int], bool] | None = None
    fallback: tuple[str, int, dict[str, int]] | None = None
    for title in order:
        ws = wb[title]
        if getattr(ws, "sheet_state", "visible") != "visible" and len(order) > 1:
            continue
        rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
        at, mapping, categories = _header(rows)
        if not _missing(mapping):
            chosen = (title, rows, at, mapping, categories)
            break
        if fallback is None:
            fallback = (title, at, mapping)
    if chosen is None:
        sheet, at, mapping = fallback or (titles[0] if titles else None, 0, {})
        missing = _missing(mapping)
        return [], [error("CAT051", Location(book=name, sheet=sheet, cell=f"A{at + 1}"),
                          "colonne(s) obligatoire(s) absente(s) : " + ", ".join(missing),
                          "Les noms de colonnes du modèle EMA (ligne 2 : Territory, LicenseType, Start, End, AltID…) "
                          "sont attendus dans les premières lignes.")]
    sheet, rows, at, mapping, categories = chosen
    issues: list[Issue] = []
    reads: list[_Read] = []
    first_data = at + (2 if categories else 1)  # the row after a two-row header is reserved (MovieLabs)
    if categories and at + 1 < len(rows):
        j = mapping.get(_hkey("LicenseType"))
        reserved = rows[at + 1]
        if j is not None and j < len(reserved) and fold(_cell_text(reserved[j])).replace(" ", "") in LICENSE_TYPES:
            issues.append(warning("CAT057", Location(book=name, sheet=sheet, cell=f"A{at + 2}"),
                                  f"ligne {at + 2} ignorée : le modèle EMA la réserve, les avails commencent ligne {at + 3}.",
                                  "Déplacez cet avail sous la ligne réservée."))
    for index in range(first_data, len(rows)):
        row_no = index + 1
        values = rows[index]

        def cell(field: str, values: tuple[object, ...] = values) -> object:
            j = mapping.get(_hkey(field))
            return values[j] if j is not None and j < len(values) else None

        def text(field: str) -> str:
            return _cell_text(cell(field))

        if not any(v is not None and str(v).strip() for v in values):
            continue
        entry = text("EntryType")
        if entry.startswith("//"):
            continue
        if fold(entry) in _DELETE:
            issues.append(warning("CAT057", Location(book=name, sheet=sheet, cell=f"{_letter(mapping, 'EntryType')}{row_no}"),
                                  f"avail « {entry} » ligne {row_no} ignoré : il retire une offre, il n'en donne pas.",
                                  "Retirez le droit du catalogue à la main s'il y figure."))
            continue

        def at_cell(field: str, row_no: int = row_no) -> Location:
            return Location(book=name, sheet=sheet, cell=f"{_letter(mapping, field)}{row_no}")

        fields = _Fields(issues, at_cell, row_no, by_eidr, partner)
        reads.extend(fields.read(
            alt_id=text("AltID"), content_id=text("ContentID"), partner=text("Licensee"), territory=text("Territory"),
            excluded=text("TerritoryExclusion"), license_type=text("LicenseType"), start=cell("Start"), end=cell("End"),
            exclusive=text("Exclusive"), title=text("TitleDisplayUnlimited") or text("TitleInternalAlias")))
    return _group(reads), issues


def _letter(mapping: dict[str, int], field: str) -> str:
    j = mapping.get(_hkey(field))
    if j is None and field == "AltID":
        j = mapping.get(_hkey("ContentID"))
    return column_letter(j + 1) if j is not None else "A"


# --- XML import ------------------------------------------------------------------------------------------------


def _local(el: Any) -> str:
    return str(etree.QName(el).localname) if isinstance(el.tag, str) else ""


def _kids(el: Any, tag: str) -> Iterator[Any]:
    if el is not None:
        yield from (c for c in el if _local(c) == tag)


def _kid(el: Any, *path: str) -> Any:
    for tag in path:
        el = next(_kids(el, tag), None)
        if el is None:
            return None
    return el


def _xml_text(el: Any) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _at_line(name: str, line: int) -> Callable[[str], Location]:
    where = Location(book=f"{name}:{line}")
    return lambda _field: where


def _parse_xml(data: bytes, name: str) -> tuple[Any, list[Issue]]:
    book = Location(book=name)
    hint = "Envoyez l'AvailList XML de l'EMA, sans DOCTYPE ni entités."
    refused = error("CAT050", book, "XML refusé : il déclare un DOCTYPE ou des entités (XXE, billion laughs)", hint)
    prolog = data[:65536].replace(b"\x00", b"")  # UTF-16 spelled byte by byte still shows its ASCII letters
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        return None, [refused]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             dtd_validation=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return None, [error("CAT050", book, f"XML illisible ({exc})", hint)]
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None or any(
            isinstance(n, etree._Entity) for n in root.iter()):
        return None, [refused]
    if _local(root) not in ("AvailList", "Avail"):
        return None, [error("CAT051", Location(book=f"{name}:{root.sourceline}"),
                            f"élément racine « {_local(root) or root.tag} » : ce n'est pas une AvailList EMA", hint)]
    return root, []


def import_avails_xml(data: bytes, name: str, *, partner: str = "",
                      works: Iterable[Work] = ()) -> tuple[list[Right], list[Issue]]:
    """Granted rights of an EMA ``AvailList`` (any avails v2.x namespace: elements are matched by their
    local name). Issues are located ``FILE:LINE``. Hostile XML (DOCTYPE, entities) is refused with one
    CAT050 error; never raises on the file."""
    root, issues = _parse_xml(data, name)
    if root is None:
        return [], issues
    by_eidr = _eidr_index(works)
    reads: list[_Read] = []
    for avail in [root] if _local(root) == "Avail" else list(_kids(root, "Avail")):
        entry = _xml_text(_kid(avail, "Disposition", "EntryType"))
        if fold(entry) in _DELETE:
            issues.append(warning("CAT057", Location(book=f"{name}:{avail.sourceline}"),
                                  f"Avail « {entry} » ignoré : il retire une offre, il n'en donne pas.",
                                  "Retirez le droit du catalogue à la main s'il y figure."))
            continue
        assets = list(_kids(avail, "Asset")) or [None]
        for asset in assets:
            content_id = str(asset.get("contentID") or "").strip() if asset is not None else ""
            meta = next((c for c in (asset if asset is not None else []) if _local(c).endswith("Metadata")), None)
            alt_ids = [(_xml_text(_kid(a, "Namespace")), _xml_text(_kid(a, "Identifier"))) for a in _kids(meta, "AltIdentifier")]
            alt_id = next((i for ns, i in alt_ids if ns == ORG and i), "") or next((i for _ns, i in alt_ids if i), "")
            title = _xml_text(_kid(meta, "TitleDisplayUnlimited")) or _xml_text(_kid(meta, "TitleInternalAlias"))
            for trans in _kids(avail, "Transaction"):
                line = int(trans.sourceline or avail.sourceline or 0)
                places = list(_kids(trans, "Territory"))
                excluded = list(_kids(trans, "TerritoryExcluded"))

                def region(els: list[Any]) -> str:
                    return ", ".join(_xml_text(_kid(t, "country")) or _xml_text(_kid(t, "countryRegion")) for t in els)

                start = _kid(trans, "Start")
                end = _kid(trans, "End")
                term = next((t for t in _kids(trans, "Term") if t.get("termName") == "Exclusive"), None)
                fields = _Fields(issues, _at_line(name, line), line, by_eidr, partner)
                reads.extend(fields.read(
                    alt_id=alt_id, content_id=content_id, partner=_xml_text(_kid(trans, "Licensee", "DisplayName")),
                    territory=region(places), excluded=region(excluded), license_type=_xml_text(_kid(trans, "LicenseType")),
                    start=_xml_text(start) if start is not None else _xml_text(_kid(trans, "StartCondition")),
                    end=_xml_text(end) if end is not None else _xml_text(_kid(trans, "EndCondition")),
                    exclusive=_xml_text(_kid(term, "Boolean")) or _xml_text(_kid(term, "Text")), title=title))
    return _group(reads), issues


__all__ = ["COLUMNS", "EXPORTED_MEDIA", "LICENSE_TYPES", "OPEN_END", "AvailRight", "avails_export_issues",
           "export_avails_xlsx", "export_avails_xml", "import_avails_xlsx", "import_avails_xml"]
