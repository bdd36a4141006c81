"""Ledger exports read into lines: the FEC (art. A47 A-1 du LPF) and a CSV export with a column mapping.

Pure: bytes and a display name in, lines, issues and what was detected out. Exports come from many
accounting programs, so the encoding, separator and line ending are detected on the bytes and reported
in :class:`Detection` (the user sees what was assumed); nothing is guessed silently. A bad row is an
issue located ``FILE:LINE`` (physical line, header = 1) and the reading goes on; a file that cannot be
read at all raises :class:`WorkbookError`.

Issue codes:

- DEP101 erreur : une date illisible (la ligne n'est pas lue)
- DEP102 erreur : un montant illisible (la ligne n'est pas lue)
- DEP103 erreur : une écriture déséquilibrée (débits ≠ crédits au centime), à sa première ligne
- DEP104 erreur : un champ obligatoire vide (la ligne n'est pas lue)
- DEP105 erreur : une ligne de FEC avec moins de champs que d'en-têtes (un libellé coupé par un retour à la ligne)
- DEP106 erreur : des valeurs au-delà de la dernière colonne (un séparateur dans un libellé décale les colonnes)
- DEP107 erreur : un Sens qui n'est ni D ni C (ni +1 / -1)
- DEP108 avertissement : un montant à plus de deux décimales, arrondi au centime
- DEP109 avertissement : un fichier qui mêle UTF-8 et Windows-1252 (accents probablement faux)
- DEP110 avertissement : un FEC séparé par des points-virgules (la norme veut tabulation ou « | »)
- DEP111 avertissement : aucune ligne de données sous l'en-tête
- DEP112 erreur : un taux de change nul ou négatif
- DEP113 avertissement : des colonnes facultatives que ColonnesImport nomme autrement que par défaut, absentes du CSV
  (champs laissés vides) ; celles aux noms par défaut sont dites avec ce qui est détecté
- DEP114 avertissement : une écriture présente plusieurs fois à l'identique
- DEP115 à DEP119 : réservés
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]

from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location
from xlprod.core.money import ZERO, excel_product, format_eur, round_cents
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold, plural
from xlprod.kinds.depenses.model import TOO_BIG
from xlprod.workbook.errors import WorkbookError

MAX_BYTES = 200_000_000
MAX_PER_CODE = 50  # a wrong file would otherwise bury the user under one message per line

FEC_COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
               "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
               "ValidDate", "Montantdevise", "Idevise")
BNC_COLUMNS = ("DateRglt", "ModeRglt", "NatOp", "IdClient")  # BA/BNC kept as cash accounting: read, then ignored
SENS_COLUMNS = ("Montant", "Sens")  # the norm's alternative to Debit/Credit

CSV_FIELDS = ("date", "piece", "supplier", "account", "devis_account", "label", "amount", "vat", "currency", "rate",
              "status", "payment_date", "country", "tags", "debit", "credit")
DEFAULT_CSV_MAPPING: dict[str, str] = {
    "date": "Date", "piece": "N° pièce", "supplier": "Fournisseur", "account": "Compte",
    "devis_account": "Compte devis", "label": "Libellé", "amount": "Montant HT", "vat": "TVA", "currency": "Devise",
    "rate": "Taux de change", "status": "Statut", "payment_date": "Date de paiement", "country": "Pays",
    "tags": "Étiquettes",
}

# words that name an optional field's column in exports (folded): a column nothing reads whose header has one may be
# the field under another name (« N° de pièce », « État », « Date de règlement »)
_FIELD_WORDS: dict[str, re.Pattern[str]] = {field_name: re.compile(pattern) for field_name, pattern in {
    "piece": r"\b(?:piece|facture|document|ref|reference)\b", "supplier": r"\b(?:fournisseur|tiers|raison sociale)\b",
    "account": r"\bcompte\b", "devis_account": r"\b(?:devis|poste|imputation)\b", "vat": r"\btva\b",
    "currency": r"\b(?:devise|monnaie)\b", "rate": r"\b(?:taux de change|cours)\b",
    "status": r"\b(?:statut|etat|situation)\b",
    "payment_date": r"\bdate\b.*\b(?:paiement|reglement|regle|paye)\b|\b(?:paiement|reglement|regle|paye)\b.*\bdate\b|"
                    r"\b(?:paye|regle)e? le\b",
    "country": r"\bpays\b", "tags": r"\b(?:etiquettes?|tags?|labels?)\b",
}.items()}
_WORD = re.compile(r"[a-z0-9]+")


def _may_be(field_name: str, header: str) -> bool:
    """Whether a header the mapping does not name may be ``field_name``'s column under another name (« Taux TVA »
    is no exchange rate, « Mode de paiement » no date)."""
    pattern = _FIELD_WORDS.get(field_name)
    return pattern is not None and pattern.search(" ".join(_WORD.findall(fold(header)))) is not None


_SEPARATOR_NAMES = {"\t": "tabulation", "|": "barre verticale", ";": "point-virgule", ",": "virgule"}
_LINE_ENDING_NAMES = {"\r\n": "CRLF", "\n": "LF", "\r\r\n": "CR CR LF", "\r": "CR", "mixed": "mêlées (LF, CR)"}

_FEC_AMOUNT = re.compile(r"[+-]?\s?(?=[.,]?\d)(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d*)(?:[.,]\d+)?", re.ASCII)
_SPACES = re.compile(r"\s")
_DOTTED_THOUSANDS = re.compile(r"([+-]?)\s?([1-9]\d{0,2})\.(\d{3})", re.ASCII)  # 0.500 and 05.000 are decimals
_DATE = re.compile(r"(?:(?P<y1>\d{4})(?P<m1>\d{2})(?P<d1>\d{2})|(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})"
                   r"|(?P<d3>\d{1,2})[/.-](?P<m3>\d{1,2})[/.-](?P<y3>\d{4}))"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")  # \x0c (page) and \x1a (DOS end of file) are text
_C1 = bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
_MOJIBAKE = re.compile(f"[ÃÂ][{re.escape(_C1)}]")  # UTF-8 accents read as Windows-1252: « Ã© » for « é »
_SENS = {"d": "D", "debit": "D", "+1": "D", "1": "D", "+": "D", "c": "C", "credit": "C", "-1": "C", "-": "C"}
_EUROS = {"", "EUR", "€", "EURO", "EUROS"}

_DATE_HINT = "Écrivez la date AAAAMMJJ (norme du FEC), JJ/MM/AAAA ou AAAA-MM-JJ ; la ligne n'est pas lue."
_CSV_DATE_HINT = "Écrivez la date JJ/MM/AAAA, AAAA-MM-JJ ou AAAAMMJJ ; la ligne n'est pas lue."
_AMOUNT_HINT = "Un montant s'écrit 1234,56 (virgule ou point décimal, sans symbole) ; la ligne n'est pas lue."


class LedgerLine(NamedTuple):
    """One line read, immutable; a named tuple rather than a frozen dataclass: a FEC of 300,000 lines
    makes them in a fifth of the time."""

    line: int  # physical line number in the file
    journal: str  # upper case ("" for CSV)
    entry: str  # EcritureNum ("" for CSV)
    date: dt.date
    account: str  # CompteNum / general account ("" if none)
    account_label: str
    supplier_account: str  # CompAuxNum
    supplier: str  # CompAuxLib, or the CSV supplier
    piece: str  # PieceRef / N° pièce
    label: str  # EcritureLib / Libellé
    debit: Decimal
    credit: Decimal
    lettering: str  # EcritureLet
    lettering_date: dt.date | None  # DateLet (a lettered supplier line means paid)
    currency_amount: Decimal | None  # Montantdevise
    currency: str  # Idevise, "" when euro
    # CSV-only extras (None/"" for FEC):
    devis_account: str = ""
    vat: Decimal | None = None
    rate: Decimal | None = None
    status: str = ""
    payment_date: dt.date | None = None
    country: str = ""
    tags: str = ""

    @property
    def amount(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True)
class Detection:
    format: str  # "FEC" or "CSV"
    encoding: str  # "UTF-8", "UTF-8 avec BOM", "Windows-1252"
    separator: str  # "\t", "|", ";", ","
    line_ending: str  # "\r\n", "\n", "\r\r\n", "\r", "mixed" (CR alone among others); "" for one line without one
    variant: str  # FEC: "18 colonnes", "22 colonnes (BA/BNC)", "Montant/Sens"; CSV: "CSV"
    trailing_separator: bool
    absent: tuple[str, ...] = ()  # a CSV's optional columns, under their default headers, that the export lacks

    def describe(self) -> str:
        """``FEC 18 colonnes, UTF-8 avec BOM, séparateur tabulation, fins de ligne CRLF``."""
        head = self.format if self.variant == self.format else f"{self.format} {self.variant}"
        ending = _LINE_ENDING_NAMES.get(self.line_ending)
        parts = [head, self.encoding, f"séparateur {_SEPARATOR_NAMES.get(self.separator, repr(self.separator))}",
                 f"fins de ligne {ending}" if ending else "sans fin de ligne"]
        if self.trailing_separator:
            parts.append("séparateur en fin de ligne")
        if self.absent:
            parts.append(f"sans {'les colonnes' if len(self.absent) > 1 else 'la colonne'} "
                         f"{', '.join(f'« {h} »' for h in self.absent)} "
                         f"({'champs vides' if len(self.absent) > 1 else 'champ vide'} ou par défaut)")
        return ", ".join(parts)


class FecColumns(NamedTuple):
    """A FEC's lines read without error, as columns (file order): an import of 300,000 lines works on
    them whole; ``LedgerRead.lines`` makes the lines when a caller wants them one by one."""

    line: list[int]
    journal: list[str]
    entry: list[str]
    date: list[dt.date]
    account: list[str]
    account_label: list[str]
    supplier_account: list[str]
    supplier: list[str]
    piece: list[str]
    label: list[str]
    debit: list[Decimal]
    credit: list[Decimal]
    lettering: list[str]
    lettering_date: list[dt.date | None]
    currency_amount: list[Decimal | None]
    currency: list[str]
    debit_cents: npt.NDArray[np.int64]
    credit_cents: npt.NDArray[np.int64]

    def line_at(self, i: int) -> LedgerLine:
        return LedgerLine._make([*(column[i] for column in self[:16]), *_FEC_DEFAULTS])


@dataclass
class LedgerRead:
    given: list[LedgerLine] | None  # the lines read without error, in file order (a CSV's; a FEC's are columns)
    detection: Detection
    issues: list[Issue]
    debit_total: Decimal  # every data line whose amounts are readable, even one left out for another error:
    credit_total: Decimal  # the file's own totals, to compare with the accountant's balance; in euros (a CSV's
    # foreign lines at their rate)
    lines_read: int  # data lines in the file (excluding header and blank lines)
    # an importer takes none of the lines of these FEC entries: by journal and number, every date, for a line
    # whose date cannot be read and whose neighbours of its number have none either; by journal, number and date,
    # for a line in error or debits and credits that differ (the same number at another date is another entry:
    # numbering anew each month, two fiscal years)
    rejected_entries: frozenset[tuple[str, str]] = frozenset()
    refused: frozenset[tuple[str, str, dt.date]] = frozenset()
    columns: FecColumns | None = None
    uncounted: int = 0  # data lines whose amounts cannot be read (a line cut, its columns shifted): in no total

    @property
    def lines(self) -> list[LedgerLine]:
        """The lines read without error, in file order."""
        if self.given is None:
            columns = self.columns
            self.given = [] if columns is None else list(map(columns.line_at, range(len(columns.line))))
        return self.given


class FileIssues:
    """Issues in file order, at most MAX_PER_CODE of each code, then one line saying how many more."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.kept: list[tuple[int, Issue]] = []
        self.seen: dict[str, int] = {}
        self.makers: dict[str, Callable[[str, Location, str, str], Issue]] = {}

    def add(self, make: Callable[[str, Location, str, str], Issue], code: str, line: int, message: str,
            hint: str) -> None:
        count = self.seen[code] = self.seen.get(code, 0) + 1
        self.makers[code] = make
        if count <= MAX_PER_CODE:
            self.kept.append((line, make(code, _at(self.name, line), message, hint)))

    def result(self) -> list[Issue]:
        out = [issue for _, issue in sorted(self.kept, key=lambda item: item[0])]
        for code, count in self.seen.items():
            if count > MAX_PER_CODE:
                out.append(self.makers[code](code, Location(book=self.name),
                                             f"{count - MAX_PER_CODE} autre(s) ligne(s) du même type ({code}) "
                                             "non détaillée(s)",
                                             "Corrigez d'abord les premières : elles ont souvent une même cause."))
        return out


def _at(name: str, line: int) -> Location:
    return Location(book=f"{name}:{line}") if line else Location(book=name)


# -- bytes to text ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecodedText:
    lines: list[str]  # physical lines, endings removed; lines[i] is line i + 1
    text: str  # the same lines, each ended by "\n" (the last maybe not), for pandas
    encoding: str
    line_ending: str
    header: int  # index in lines of the first non-blank line


def _has_utf8_sequence(body: bytes) -> bool:
    """Whether ``body`` holds an accent as UTF-8 writes it (a lead byte, then a continuation byte): the
    bytes from 0xC2 up, and the byte after each, compared as arrays (a pattern tried at each of 43
    million bytes is three times slower)."""
    octets = np.frombuffer(body, dtype=np.uint8)
    lead = np.flatnonzero(octets[:-1] >= 0xC2)
    lead = lead[octets[lead] <= 0xF4]
    return bool(((octets[lead + 1] & 0xC0) == 0x80).any())


def _line_by_line(body: bytes) -> tuple[str, list[int]]:
    """A file pasted together from two exports: each line in UTF-8 when it is valid UTF-8, else in
    Windows-1252; the numbers of those lines."""
    out, latin = [], []
    for number, part in enumerate(body.split(b"\n"), start=1):
        try:
            out.append(part.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(part.decode("cp1252"))
            latin.append(number)
    return "\n".join(out), latin


def decode_text(data: bytes, name: str, expected: str, issues: FileIssues) -> DecodedText:
    """Decode strictly (UTF-8, else Windows-1252), normalise line endings; refuse what is not text."""
    where = Location(book=name)
    if len(data) > MAX_BYTES:
        raise WorkbookError(where, f"fichier trop volumineux ({len(data) // 1_000_000} Mo, {MAX_BYTES // 1_000_000} "
                                   "Mo au plus)", "Exportez une période plus courte (un exercice, un trimestre).")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise WorkbookError(where, "fichier encodé en UTF-16, non lu",
                            f"Enregistrez-le en UTF-8 (ou Windows-1252) ; xlprod attend {expected}.")
    if data.startswith(b"PK\x03\x04"):
        raise WorkbookError(where, "c'est un classeur Excel ou une archive ZIP, pas un export texte",
                            f"Décompressez l'archive ou enregistrez la feuille en texte ; xlprod attend {expected}.")
    head = data[:4096]
    if head and any(z.count(0) * 10 > len(z) * 9 and sum(32 <= b < 127 or b in b"\t\r\n" for b in t) * 10 > len(t) * 9
                    for z, t in ((head[0::2], head[1::2]), (head[1::2], head[0::2]))):  # text, a 0 byte between letters
        raise WorkbookError(where, "fichier encodé en UTF-16 (sans marque d'ordre des octets), non lu",
                            f"Enregistrez-le en UTF-8 (ou Windows-1252) ; xlprod attend {expected}.")
    if b"\x00" in data[:65536]:
        raise WorkbookError(where, "fichier binaire, pas un export texte", f"xlprod attend {expected}.")
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if bom else data
    # line endings and a DOS end-of-file mark, on the bytes: they are single bytes in UTF-8 and Windows-1252 alike,
    # and 43 MB of bytes are searched and copied faster than their text (wider, once it holds a « — »)
    body = body.rstrip(b"\x1a")
    found = re.search(rb"\r\r\n|\r\n|\n|\r", body)
    ending = found.group().decode("ascii") if found else ""
    if ending == "\r":
        body = body.replace(b"\r", b"\n")
    elif b"\r" in body:
        body = body.replace(b"\r\r\n", b"\n").replace(b"\r\n", b"\n")
        if body.count(b"\r") > 1:  # lines ending in CR alone among the others (files pasted from an old Mac)
            body = body.replace(b"\r", b"\n")
            ending = "mixed"
    bad_byte_line = 0
    latin_lines: list[int] = []
    try:
        text = body.decode("utf-8")
        encoding = "UTF-8 avec BOM" if bom else "UTF-8"
    except UnicodeDecodeError as exc:
        bad_byte_line = body.count(b"\n", 0, exc.start) + 1
        try:
            if _has_utf8_sequence(body):  # UTF-8 accents and other bytes: lines from two sources, each decoded
                text, latin_lines = _line_by_line(body)
                encoding = "UTF-8, avec des lignes en Windows-1252"
            else:
                text = body.decode("cp1252")
                encoding = "Windows-1252"
        except UnicodeDecodeError:
            raise WorkbookError(_at(name, bad_byte_line), "encodage non reconnu (ni UTF-8 ni Windows-1252) : fichier "
                                "binaire ?", f"Exportez en UTF-8 ; xlprod attend {expected}.") from None
    sample = text[:65536]
    controls = _CONTROL.findall(sample)
    if len(controls) * 100 > len(sample):  # binary; a stray one in a label is kept as text
        first_control = _CONTROL.search(sample)
        line = text.count("\n", 0, first_control.start()) + 1 if first_control else 0
        raise WorkbookError(_at(name, line), f"caractères de contrôle ({controls[0]!r}…) : fichier binaire, pas un "
                            "export texte", f"xlprod attend {expected}.")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the last line's ending does not start another line
    header = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header is None:
        raise WorkbookError(where, "le fichier est vide", f"xlprod attend {expected}.")
    if latin_lines:
        issues.add(warning, "DEP109", latin_lines[0],
                   f"le fichier mêle UTF-8 et Windows-1252 : {len(latin_lines)} ligne(s) lue(s) en Windows-1252 "
                   f"(lignes {', '.join(map(str, latin_lines[:5]))}{'…' if len(latin_lines) > 5 else ''}), les autres "
                   "en UTF-8", "Vérifiez les accents de ces lignes ; mieux : faites ré-exporter le fichier en UTF-8.")
    if encoding == "Windows-1252" and (b"\xc3" in body or b"\xc2" in body):  # Ã, Â: searched as bytes, in C
        mixed = _MOJIBAKE.search(text)
        if mixed:
            issues.add(warning, "DEP109", text.count("\n", 0, mixed.start()) + 1,
                       f"« {mixed.group()} » : le fichier mêle UTF-8 et Windows-1252 (premier octet non UTF-8 ligne "
                       f"{bad_byte_line}), lu en Windows-1252",
                       "Les accents sont probablement faux : faites ré-exporter le fichier entièrement en UTF-8.")
    # pandas reads a record per line, the last line's ending closing it: the text as it is (taking that ending
    # off made a file ending in a blank line one record short, and refused)
    return DecodedText(lines, text, encoding, ending, header)


# -- values ----------------------------------------------------------------------------------------------------

# A parser gives (value, problem, flagged): problem is French and non-empty when the text is unreadable, flagged
# marks a value read with a warning (an amount rounded to the cent); "" reads as (None, "", False).
_Parsed = tuple[object, str, bool]


@dataclass(frozen=True)
class _Column:
    raw: npt.NDArray[np.object_]  # the text, stripped
    values: npt.NDArray[np.object_]  # None when empty or unreadable
    bad: npt.NDArray[np.bool_]
    flagged: npt.NDArray[np.bool_]
    problems: npt.NDArray[np.object_]
    empty: npt.NDArray[np.bool_]
    codes: npt.NDArray[np.intp]  # row -> index in distinct
    distinct: npt.NDArray[np.object_]  # the value of each distinct text


def _column(raw: npt.NDArray[np.object_], parse: Callable[[str], _Parsed]) -> _Column:
    """Parse each distinct text once: a ledger repeats its dates and many of its amounts."""
    codes, uniques = pd.factorize(raw)
    size = len(uniques)
    values = np.empty(size, dtype=object)
    problems = np.empty(size, dtype=object)
    flagged = np.zeros(size, dtype=bool)
    for i, text in enumerate(uniques.tolist()):
        values[i], problems[i], flagged[i] = parse(text) if text else (None, "", False)
    bad = problems != ""
    return _Column(raw, values[codes], bad[codes], flagged[codes], problems[codes], raw == "", codes, values)


def _parse_date(text: str) -> _Parsed:
    m = _DATE.fullmatch(text)
    if not m:
        return None, f"« {text} » n'est pas une date", False
    form = next(n for n in "123" if m.group("y" + n))
    try:
        value = dt.date(int(m.group("y" + form)), int(m.group("m" + form)), int(m.group("d" + form)))
    except ValueError:
        return None, f"« {text} » n'est pas une date du calendrier", False
    if not dt.date(1900, 3, 1) <= value < dt.date(2200, 1, 1):  # before March 1900, Excel's serials are off by one
        return None, f"« {text} » n'est pas une date plausible", False
    return value, "", False


def _money(value: Decimal, text: str) -> _Parsed:
    if not abs(value) < TOO_BIG:  # as the workbook's reader judges it, which would refuse the row at the next recalc
        return None, f"« {text} » dépasse toute valeur plausible (100 milliards)", False
    cents = round_cents(value) + ZERO  # + ZERO: -0,00 reads as 0,00
    return cents, "", cents != value


def _parse_fec_amount(text: str) -> _Parsed:
    """The FEC has no thousands separator in the norm: a dot, like a comma, is the decimal mark; but a dot
    before three digits alone (« 5.000 ») may as well separate thousands: refused, never guessed."""
    if not _FEC_AMOUNT.fullmatch(text):
        return None, f"« {text} » n'est pas un montant", False
    ambiguous = _DOTTED_THOUSANDS.fullmatch(text)
    if ambiguous:
        sign, whole, part = ambiguous.groups()
        sign = sign.replace("+", "")
        return None, (f"« {text} » est ambigu : {sign}{whole} {part} (point des milliers) ou {sign}{whole},{part} "
                      "(point décimal) ?"), False
    return _money(Decimal(_SPACES.sub("", text).replace(",", ".")), text)


def _parse_csv_amount(text: str) -> _Parsed:
    if text.endswith("%"):
        return None, f"« {text} » est un pourcentage, pas un montant", False
    parsed = parse_number(text)
    if parsed.value is None:
        return None, parsed.problem.removeprefix("le texte ") or f"« {text} » n'est pas un montant", False
    return _money(parsed.value, text)


def _parse_rate(text: str) -> _Parsed:
    parsed = parse_number(text.removesuffix("%"))
    if parsed.value is None or text.endswith("%"):
        return None, parsed.problem.removeprefix("le texte ") or f"« {text} » n'est pas un taux de change", False
    return parsed.value, "", False


def _parse_sens(text: str) -> _Parsed:
    sens = _SENS.get(text.replace(" ", "").lower()) or _SENS.get(fold(text))  # not fold alone: it drops the « - »
    return (sens, "", False) if sens else (None, f"Sens « {text} » inconnu", False)


def _cents(column: _Column) -> npt.NDArray[np.object_]:
    """Amounts as Python ints of cents (object array): exact sums, no int64 overflow."""
    cents = np.array([int(v.scaleb(2)) if v is not None else 0 for v in column.distinct.tolist()], dtype=object)
    return cents[column.codes]


def _neighbours_dates(blank: npt.NDArray[np.bool_], dated: npt.NDArray[np.bool_], journal: npt.NDArray[np.object_],
                      entry: npt.NDArray[np.object_], dates: npt.NDArray[np.object_]
                      ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """Each line's date, a line without one taking that of the lines next to it of the same journal and entry
    number (an entry's lines follow each other in a FEC) when they carry one date only, or when the nearest
    above and below agree; a file sorted by number puts a month's entry next to another month's of the same
    number: a line between the two belongs to neither. Returns the dates and the lines that have one."""
    when, has = dates.copy(), dated.copy()
    if not any(journal[i] != "" for i in np.flatnonzero(~dated & ~blank).tolist()):
        return when, has
    run: list[int] = []  # the lines, one after the other, of one journal and number

    def close() -> None:
        days = {when[i] for i in run if dated[i]}
        if not days:
            return
        single = next(iter(days)) if len(days) == 1 else None
        below: list[object] = [None] * len(run)  # the date of the nearest dated line below each, in the run
        nearest: object = None
        for at in range(len(run) - 1, -1, -1):
            below[at] = nearest
            if dated[run[at]]:
                nearest = when[run[at]]
        above: object = None
        for at, i in enumerate(run):
            if dated[i]:
                above = when[i]
                continue
            day = single if single is not None else (above if above is not None and above == below[at] else None)
            if day is not None:
                when[i], has[i] = day, True

    for i in np.flatnonzero(~blank).tolist():
        if run and (journal[run[-1]] != journal[i] or entry[run[-1]] != entry[i]):
            close()
            run = []
        run.append(i)
    if run:
        close()
    return when, has


def _exact(text: str) -> Decimal:
    """A FEC amount already read as valid, as written (not rounded to the cent)."""
    return Decimal(_SPACES.sub("", text).replace(",", ".")) if text else ZERO


def _money_total(cents: npt.NDArray[np.object_]) -> Decimal:
    return Decimal(int(cents.sum()) if len(cents) else 0).scaleb(-2)


def _report(issues: FileIssues, column: _Column, where: npt.NDArray[np.bool_], lines: npt.NDArray[np.int64], code: str,
            label: str, hint: str) -> None:
    for i in np.flatnonzero(column.bad & where):
        issues.add(error, code, int(lines[i]), f"{label} {column.problems[i]}", hint)
    for i in np.flatnonzero(column.flagged & ~column.bad & where):
        issues.add(warning, "DEP108", int(lines[i]), f"{label} « {column.raw[i]} » a plus de deux décimales : lu "
                   f"{format_eur(column.values[i])}", "Vérifiez ce montant : une comptabilité tient au centime.")


def _strip(frame: pd.DataFrame, index: int, quoted: bool = False) -> npt.NDArray[np.object_]:
    """A column's text without surrounding spaces; str.strip on the Python list is several times faster than
    the ``.str`` accessor of pandas' Python-backed strings. ``quoted``: a FEC whose fields may be wrapped in
    double quotes, as some programs export it (the norm has none): a field wholly in quotes is read without
    them."""
    values = [v.strip() for v in frame[index].tolist()]
    if quoted:
        values = [v[1:-1].replace('""', '"').strip() if len(v) > 1 and v[0] == '"' == v[-1] else v for v in values]
    return np.array(values, dtype=object)


def in_euros(amount: Decimal, rate: Decimal | None) -> Decimal:
    """An amount of a CSV line in euros, as the Dépenses table's Montant EUR computes it:
    ROUND(HT × taux, 2), a line without a rate taken as in euros."""
    return amount if rate is None else excel_product(amount, rate)


def _or_zero(values: list[Decimal | None]) -> list[Decimal]:
    return [ZERO if v is None else v for v in values]


# -- FEC -------------------------------------------------------------------------------------------------------

_FEC_EXPECTED = "un FEC (JournalCode, JournalLib, EcritureNum… séparés par des tabulations ou des « | »)"


def _key(header: str) -> str:
    return fold(header.strip().strip('"')).replace(" ", "")


_FEC_KEYS = {_key(c): c for c in FEC_COLUMNS + BNC_COLUMNS + SENS_COLUMNS}


_FEC_OWN = frozenset({"JournalCode", "EcritureNum", "EcritureDate", "CompteNum"})  # headers no CSV export has


def _fec_header(line: str) -> tuple[str, list[str]] | None:
    """The separator that makes the most FEC headers out of this line; None below three, or without one
    of the FEC's own (a CSV export with Débit, Crédit and Devise is no FEC)."""
    best: tuple[int, str, list[str]] = (0, "", [])
    for sep in ("\t", "|", ";"):
        names = line.split(sep)
        found = {_FEC_KEYS[k] for k in map(_key, names) if k in _FEC_KEYS}
        if len(found) > best[0] and found & _FEC_OWN:
            best = (len(found), sep, names)
    return (best[1], best[2]) if best[0] >= 3 else None


def looks_like_fec(data: bytes) -> bool:
    """Whether the first line is a FEC header (tab, pipe or semicolon separated), for the importer to choose."""
    head = data[:65536].removeprefix(codecs.BOM_UTF8)
    text = head.decode("utf-8", errors="ignore") if _is_utf8_prefix(head) else head.decode("cp1252", errors="replace")
    first = next((line for line in re.split(r"\r\r\n|\r\n|\n|\r", text) if line.strip()), "")
    return "\x00" not in first and _fec_header(first) is not None


def _is_utf8_prefix(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut by the 64 KB prefix
    return True


_FEC_UNUSED = ("JournalLib", "PieceDate", "ValidDate")  # read by nobody: not parsed
_FEC_DEFAULTS = tuple(LedgerLine._field_defaults.values())  # the CSV-only fields


def read_fec(data: bytes, name: str) -> LedgerRead:
    """Lines of a FEC; each bad row is an issue, each unbalanced entry too; the rest is read."""
    issues = FileIssues(name)
    src = decode_text(data, name, _FEC_EXPECTED, issues)
    header_no = src.header + 1
    found = _fec_header(src.lines[src.header])
    if found is None:
        shown = src.lines[src.header].strip()
        raise WorkbookError(_at(name, header_no), f"aucun en-tête de FEC reconnu (« {shown[:80]} »)",
                            "Un FEC commence par la ligne JournalCode, JournalLib, EcritureNum, EcritureDate… séparée "
                            "par des tabulations ou des « | ». Pour un autre export comptable, utilisez l'import CSV.")
    sep, names = found
    if sep == ";":
        issues.add(warning, "DEP110", header_no, "FEC séparé par des points-virgules, lu quand même",
                   "La norme (art. A47 A-1 du LPF) veut la tabulation ou « | » : l'administration peut refuser ce "
                   "fichier ; demandez un export conforme.")
    trailing_header = len(names) > 1 and not names[-1].strip()
    if trailing_header:
        names = names[:-1]
    cols = _fec_columns(names, name, header_no)
    montant_sens = not ("Debit" in cols and "Credit" in cols) and "Montant" in cols and "Sens" in cols
    required = [c for c in FEC_COLUMNS if not (montant_sens and c in ("Debit", "Credit"))]
    missing = [c for c in required if c not in cols] + [c for c in SENS_COLUMNS if montant_sens and c not in cols]
    if missing:
        shown = ", ".join(n.strip() for n in names if n.strip())
        alternative = " (ou Montant et Sens)" if {"Debit", "Credit"} & set(missing) else ""
        raise WorkbookError(_at(name, header_no),
                            f"colonne(s) obligatoire(s) absente(s) du FEC : {', '.join(missing)}{alternative}",
                            f"En-têtes trouvés : {shown}. Un FEC porte les 18 colonnes de la norme, de JournalCode à "
                            "Idevise ; demandez un nouvel export au cabinet comptable.")
    if montant_sens:
        variant = "Montant/Sens"
    elif any(c in cols for c in BNC_COLUMNS):
        variant = "22 colonnes (BA/BNC)"
    else:
        variant = "18 colonnes"

    width = len(names)
    first = src.header + 1  # index in src.lines of the first data line
    body = src.lines[first:]
    counts = np.fromiter((line.count(sep) for line in body), dtype=np.int64, count=len(body)) + 1
    spaces = sep + " \t\r\x0c"  # a line of separators and spaces only is blank
    blank = np.fromiter((not line.strip(spaces) for line in body), dtype=bool, count=len(body))
    nonblank = int((~blank).sum())
    trailing = _trailing(trailing_header, counts[~blank], width)
    detection = Detection("FEC", src.encoding, sep, src.line_ending, variant, trailing)
    lines_no = np.arange(first + 1, first + 1 + len(body), dtype=np.int64)
    if not nonblank:
        issues.add(warning, "DEP111", header_no, "aucune écriture sous l'en-tête du FEC",
                   "Vérifiez la période exportée.")
        return LedgerRead([], detection, issues.result(), ZERO.scaleb(-2), ZERO.scaleb(-2), 0)

    wanted = [c for c in FEC_COLUMNS + SENS_COLUMNS if c in cols and c not in _FEC_UNUSED]
    last = int(counts.max())
    # the header's own fields count too: one ending with a separator the data lines lack has one more
    fields = max(last, width, src.lines[src.header].count(sep) + 1)
    frame = pd.read_csv(io.StringIO(src.text), sep=sep, header=None, names=range(fields),
                        usecols=[cols[c] for c in wanted] + ([width] if last > width else []), dtype=object,
                        keep_default_na=False, na_filter=False, quoting=csv.QUOTE_NONE, skip_blank_lines=False,
                        lineterminator="\n", engine="c")
    if len(frame) != len(src.lines):  # pragma: no cover - QUOTE_NONE: one record per line
        raise WorkbookError(Location(book=name), "lecture incohérente du FEC", "Signalez ce fichier à xlprod.")
    frame = frame.iloc[first:].reset_index(drop=True)
    quoted = '"' in src.text and _quotes_fields(names, body, sep)  # most files have no quote at all
    text = {c: _strip(frame, cols[c], quoted) for c in wanted}

    short = (counts < width) & ~blank
    beyond = np.zeros(len(body), dtype=bool)
    if last > width:  # one field more (a separator ending the line): the frame has it
        beyond = (counts == width + 1) & (_strip(frame, width) != "")
    for i in np.flatnonzero(counts > width + 1):
        beyond[i] = any(f.strip() for f in body[i].split(sep)[width:])
    extra = _extra(counts, beyond, width, trailing) & ~blank
    for i in np.flatnonzero(short):
        issues.add(error, "DEP105", int(lines_no[i]), f"ligne de {counts[i]} champ(s) pour {width} colonnes d'en-tête",
                   "Un retour à la ligne dans un libellé coupe l'écriture en deux : corrigez-le dans le logiciel "
                   "comptable et ré-exportez ; la ligne n'est pas lue.")
    for i in np.flatnonzero(extra):
        issues.add(error, "DEP106", int(lines_no[i]), f"valeurs au-delà des {width} colonnes d'en-tête",
                   f"Un séparateur {_SEPARATOR_NAMES[sep]} dans un libellé décale les colonnes : retirez-le et "
                   "ré-exportez ; la ligne n'est pas lue.")
    good = ~blank & ~short & ~extra

    journal = np.array([code.upper() for code in text["JournalCode"].tolist()], dtype=object)
    mandatory = {c: text[c] == "" for c in ("JournalCode", "EcritureNum", "EcritureDate", "CompteNum")}
    any_empty = np.logical_or.reduce(list(mandatory.values())) & good
    for i in np.flatnonzero(any_empty):
        empty = [c for c, mask in mandatory.items() if mask[i]]
        issues.add(error, "DEP104", int(lines_no[i]), f"{', '.join(empty)} vide{'s' if len(empty) > 1 else ''}",
                   "Ce champ est obligatoire dans un FEC ; la ligne n'est pas lue.")
    date = _column(text["EcritureDate"], _parse_date)
    date_let = _column(text["DateLet"], _parse_date)
    _report(issues, date, good, lines_no, "DEP101", "EcritureDate", _DATE_HINT)
    _report(issues, date_let, good, lines_no, "DEP101", "DateLet", _DATE_HINT)
    if montant_sens:
        amount = _column(text["Montant"], _parse_fec_amount)
        sens = _column(text["Sens"], _parse_sens)
        _report(issues, amount, good, lines_no, "DEP102", "Montant", _AMOUNT_HINT)
        for i in np.flatnonzero(sens.bad & good):
            issues.add(error, "DEP107", int(lines_no[i]), str(sens.problems[i]),
                       "Le sens s'écrit D (débit) ou C (crédit), ou +1 / -1 ; la ligne n'est pas lue.")
        is_debit = sens.values == "D"
        cents = _cents(amount)
        debit_cents = np.where(is_debit, cents, 0)
        credit_cents = np.where(is_debit, 0, cents)
        nothing = np.full(len(is_debit), None, dtype=object)
        debits = np.where(is_debit, amount.values, nothing)
        credits = np.where(is_debit, nothing, amount.values)
        amount_bad = amount.bad | sens.bad | (sens.empty & ~amount.empty)
        rounded = amount.flagged
        signed_texts = [(t, "") if d else ("", t) for t, d in zip(amount.raw.tolist(), is_debit.tolist(), strict=True)]
        for i in np.flatnonzero(sens.empty & ~amount.empty & good):
            issues.add(error, "DEP104", int(lines_no[i]), "Sens vide", "Le sens s'écrit D (débit) ou C (crédit) ; "
                       "la ligne n'est pas lue.")
    else:
        debit = _column(text["Debit"], _parse_fec_amount)
        credit = _column(text["Credit"], _parse_fec_amount)
        _report(issues, debit, good, lines_no, "DEP102", "Debit", _AMOUNT_HINT)
        _report(issues, credit, good, lines_no, "DEP102", "Credit", _AMOUNT_HINT)
        debit_cents, credit_cents = _cents(debit), _cents(credit)
        debits, credits = debit.values, credit.values
        amount_bad = debit.bad | credit.bad
        rounded = debit.flagged | credit.flagged
        signed_texts = list(zip(debit.raw.tolist(), credit.raw.tolist(), strict=True))
    currency_amount = _column(text["Montantdevise"], _parse_fec_amount)
    _report(issues, currency_amount, good, lines_no, "DEP102", "Montantdevise", _AMOUNT_HINT)

    counted = good & ~amount_bad
    dated = ~date.bad & ~date.empty
    # a line whose date cannot be read belongs to the entry of its neighbours of the same journal and number, when
    # they have one: only that entry is refused, not the number's entries of every month
    real = dated
    when, dated = _neighbours_dates(blank, real, journal, text["EcritureNum"], date.values)
    exact = None
    if (rounded & counted).any():  # amounts with more than two decimals: an entry balanced as written is balanced
        exact = np.array([_exact(d) - _exact(c) if r else Decimal(int(dc) - int(cc)).scaleb(-2) for (d, c), r, dc, cc in
                          zip(signed_texts, (rounded & counted).tolist(), debit_cents.tolist(), credit_cents.tolist(),
                              strict=True)], dtype=object)
    refused = _check_balance(issues, journal, text["EcritureNum"], when, debit_cents, credit_cents, counted & real,
                             ~blank & (~counted | ~real), dated, lines_no, exact)
    ok = counted & ~any_empty & ~date.bad & ~date_let.bad & ~currency_amount.bad
    failed = ~ok & ~blank  # a line in error: its entry is not imported; without a date, every entry of its number
    undated = np.flatnonzero(failed & ~dated)
    rejected = set(zip(journal[undated].tolist(), text["EcritureNum"][undated].tolist(), strict=True))
    at = np.flatnonzero(failed & dated)
    refused |= set(zip(journal[at].tolist(), text["EcritureNum"][at].tolist(), when[at].tolist(), strict=True))
    keep = np.flatnonzero(ok)
    n = len(keep)

    def pick(values: npt.NDArray[Any]) -> list[Any]:
        return cast(list[Any], (values if n == len(values) else values[keep]).tolist())  # usually every line

    currencies = [("" if c.upper() in _EUROS else c.upper()) for c in pick(text["Idevise"])]
    columns = FecColumns(
        pick(lines_no), pick(journal), pick(text["EcritureNum"]), pick(date.values), pick(text["CompteNum"]),
        pick(text["CompteLib"]), pick(text["CompAuxNum"]), pick(text["CompAuxLib"]), pick(text["PieceRef"]),
        pick(text["EcritureLib"]), _or_zero(pick(debits)), _or_zero(pick(credits)), pick(text["EcritureLet"]),
        pick(date_let.values), pick(currency_amount.values), currencies,
        _int64(debit_cents if n == len(debit_cents) else debit_cents[keep]),
        _int64(credit_cents if n == len(credit_cents) else credit_cents[keep]))
    kept = body if n == len(body) else [body[i] for i in keep.tolist()]
    if len(set(kept)) < n:  # some line comes twice, word for word: which ones, found by pandas' hashing
        _repeated(issues, pd.Series(kept, dtype=object).duplicated(keep=False).to_numpy(), columns)
    return LedgerRead(None, detection, issues.result(), _money_total(debit_cents[counted]),
                      _money_total(credit_cents[counted]), nonblank, frozenset(rejected), frozenset(refused), columns,
                      int((~blank & ~counted).sum()))


def _quotes_fields(names: list[str], body: list[str], sep: str) -> bool:
    """Whether the program that wrote the file wraps its fields in double quotes: its header's, or most of its first
    line's (then a field « "" » is empty; in another file, a label « "" » is two quotes)."""
    def wrapped(fields: list[str]) -> bool:
        filled = [f.strip() for f in fields if f.strip()]
        return bool(filled) and sum(len(f) > 1 and f[0] == '"' == f[-1] for f in filled) * 2 > len(filled)

    first = next((line for line in body if line.strip(sep + " \t")), "")
    return wrapped(names) or wrapped(first.split(sep))


def _int64(cents: npt.NDArray[np.object_]) -> npt.NDArray[np.int64]:
    """Cents as machine integers: a line's amount is below 10¹³ cents (TOO_BIG), which int64 holds."""
    return np.array(cents.tolist(), dtype=np.int64) if len(cents) else np.zeros(0, dtype=np.int64)


def _repeated(issues: FileIssues, twice: npt.NDArray[np.bool_], columns: FecColumns) -> None:
    """An entry whose lines all come twice, word for word (an entry exported twice, two exports pasted
    together): imported as the file says, and said, since its amounts then count twice. Two identical
    purchases on one invoice leave the entry's other lines single: not said. ``twice``: the lines whose
    text comes more than once in the file (found by pandas' hashing: a FEC has 300,000 lines)."""
    involved = np.flatnonzero(twice).tolist()
    if not involved:
        return
    entries: dict[tuple[str, str, dt.date], list[LedgerLine]] = {}
    for i in involved:
        line = columns.line_at(i)
        entries.setdefault((line.journal, line.entry, line.date), []).append(line)
    sizes = Counter(key for key in zip(columns.journal, columns.entry, columns.date, strict=True) if key in entries)
    for entry, found in entries.items():
        copies = Counter(line[1:] for line in found)  # all but the line number
        k = min(copies.values())
        if len(found) != sizes[entry] or len(set(copies.values())) != 1 or k < 2:
            continue  # some lines of the entry single, or not every line as many times: two real purchases
        if all(line.debit == line.credit == 0 for line in found):
            continue
        first, again = found[0], found[len(found) // k]
        issues.add(warning, "DEP114", again.line, f"écriture {first.entry} du {first.date:%d/%m/%Y} présente {k} "
                   f"fois à l'identique (lignes {first.line} et {again.line}) : importée et comptée autant de fois",
                   "Vérifiez l'export : une écriture exportée deux fois est à retirer du fichier, puis réimportez (la "
                   "ligne supprimée de Dépenses seulement reviendrait au prochain import du même fichier).")


def _trailing(header: bool, counts: npt.NDArray[np.int64], width: int) -> bool:
    """A separator ends every line: the header says so, or most lines have one empty field more than headers
    (an empty last column also ends a line with the separator, so the line's end alone does not tell)."""
    return header or (len(counts) > 0 and int((counts == width + 1).sum()) * 2 > len(counts))


def _extra(counts: npt.NDArray[np.int64], beyond: npt.NDArray[np.bool_], width: int,
           trailing: bool) -> npt.NDArray[np.bool_]:
    """Lines with values beyond the headers, or with a field more than the others (even an empty one: a
    separator inside a label shifts the columns, whatever the last one holds)."""
    return beyond | (counts > width + (1 if trailing else 0))


def _fec_columns(names: list[str], name: str, header_no: int) -> dict[str, int]:
    """Standard column -> index; an unknown column is ignored, a column given twice is ambiguous."""
    cols: dict[str, int] = {}
    twice: list[str] = []
    for index, header in enumerate(names):
        column = _FEC_KEYS.get(_key(header))
        if column is None:
            continue
        if column in cols:
            twice.append(column)
        cols[column] = index
    if twice:
        raise WorkbookError(_at(name, header_no), f"colonne(s) en double dans l'en-tête du FEC : {', '.join(twice)}",
                            "Un FEC porte chaque colonne une fois ; demandez un nouvel export au cabinet comptable.")
    return cols


def _check_balance(issues: FileIssues, journal: npt.NDArray[np.object_], entry: npt.NDArray[np.object_],
                   dates: npt.NDArray[np.object_], debit: npt.NDArray[np.object_], credit: npt.NDArray[np.object_],
                   counted: npt.NDArray[np.bool_], unreadable: npt.NDArray[np.bool_], dated: npt.NDArray[np.bool_],
                   lines_no: npt.NDArray[np.int64],
                   exact: npt.NDArray[np.object_] | None = None) -> set[tuple[str, str, dt.date]]:
    """Debits equal credits in each entry, to the cent. An entry is its journal, number and date: software that
    numbers anew each month, or two fiscal years in one file, give one number to two entries. An entry with a
    line that could not be read (an amount, a line cut in two) is not judged: that line already has its error,
    and its entry is not imported; a line without a date leaves every entry of its number unjudged. ``exact``:
    each line's debit − credit as written, when some have more than two decimals: an entry balanced as written
    is balanced, though its amounts rounded to the cent are not (two lines of 10,005 for 20,01). Returns the
    unbalanced entries."""
    lost = unreadable & ~dated
    unjudged = set(zip(journal[lost].tolist(), entry[lost].tolist(), strict=True))
    half = unreadable & dated
    unjudged_at = set(zip(journal[half].tolist(), entry[half].tolist(), dates[half].tolist(), strict=True))
    frame = pd.DataFrame({"journal": journal, "entry": entry, "date": dates, "debit": debit, "credit": credit,
                          "line": lines_no})
    frame = frame[counted & (journal != "") & (entry != "")]
    sums = frame.groupby(["journal", "entry", "date"], sort=False).agg(
        debit=("debit", "sum"), credit=("credit", "sum"), line=("line", "min"))
    wrong = sums[sums["debit"] != sums["credit"]]
    if exact is not None and len(wrong):
        written = pd.Series(exact[frame.index.to_numpy()], index=frame.index, dtype=object)
        as_written = written.groupby([frame["journal"], frame["entry"], frame["date"]], sort=False).sum()
        wrong = wrong[[as_written[key] != 0 for key in wrong.index]]
    days: dict[tuple[str, str], list[dt.date]] = {}
    for journal_code, number, day in wrong.index:
        days.setdefault((journal_code, number), []).append(day)
    out = set()
    for (journal_code, number, day), row in wrong.iterrows():
        if (journal_code, number) in unjudged or (journal_code, number, day) in unjudged_at:
            continue
        out.add((str(journal_code), str(number), day))
        d, c = Decimal(int(row["debit"])).scaleb(-2), Decimal(int(row["credit"])).scaleb(-2)
        others = sorted(x for x in days[(journal_code, number)] if x != day)
        several = (f" ; le même numéro porte d'autres dates ({', '.join(f'{x:%d/%m/%Y}' for x in others)}) : une "
                   "écriture n'a qu'une date" if others else "")
        issues.add(error, "DEP103", int(row["line"]),
                   f"écriture {journal_code} {number} du {day:%d/%m/%Y} déséquilibrée : débit {format_eur(d)}, crédit "
                   f"{format_eur(c)}, écart {format_eur(d - c)}{several}",
                   "Chaque écriture d'un FEC est équilibrée au centime : vérifiez ses lignes dans le logiciel "
                   "comptable et demandez un nouvel export ; l'écriture n'est pas importée.")
    return out


# -- CSV -------------------------------------------------------------------------------------------------------

_CSV_EXPECTED = "un export CSV avec une ligne d'en-têtes (séparateur ; , tabulation ou |)"


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def csv_separator(line: str) -> str | None:
    counts = {sep: _count_outside_quotes(line, sep) for sep in (";", "\t", "|", ",")}
    best = max(counts, key=lambda sep: counts[sep])  # ties: the first, « ; » being the French default
    return best if counts[best] else None


def read_ledger_csv(data: bytes, name: str, mapping: dict[str, str] | None = None,
                    optional_absent: bool = False) -> LedgerRead:
    """Lines of a CSV export; ``mapping`` maps xlprod fields to the file's headers.

    With the default mapping only date, label and amount must be present; with an explicit one every mapped
    column must be (a header the user names and the file lacks is a typo, not an option), unless
    ``optional_absent``: the workbook's saved mapping lists every field, and an export has some; the
    optional ones it lacks are then said (DEP113) and left blank. Amounts are taken as
    written: the currency and exchange rate are reported, not applied."""
    issues = FileIssues(name)
    explicit = mapping is not None
    wanted = dict(DEFAULT_CSV_MAPPING if mapping is None else mapping)
    unknown = sorted(set(wanted) - set(CSV_FIELDS))
    if unknown:
        raise WorkbookError(Location(book=name), f"champ(s) inconnu(s) dans la correspondance : {', '.join(unknown)}",
                            f"Les champs sont : {', '.join(CSV_FIELDS)}.")
    if "amount" in wanted and ({"debit", "credit"} & set(wanted)):
        raise WorkbookError(Location(book=name), "la correspondance donne à la fois le montant et débit/crédit",
                            "Indiquez soit la colonne du montant HT, soit les colonnes Débit et Crédit.")
    src = decode_text(data, name, _CSV_EXPECTED, issues)
    header_at = _csv_header_line(src, wanted)
    header_no = header_at + 1
    titles = [line.strip() for line in src.lines[src.header:header_at] if line.strip()]
    if titles:  # a report's title, a company's name, a period: above the headers, they are no expenses
        shown = titles[0][1:-1].replace('""', '"') if len(titles[0]) > 1 and titles[0][0] == '"' == titles[0][-1] \
            else titles[0]  # a title quoted as a CSV field, shown without its quotes
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        issues.add(warning, "DEP115", header_no, f"{plural(len(titles), 'ligne')} au-dessus des en-têtes "
                   f"(« {shown} »{'…' if len(titles) > 1 else ''}) : non lue{'s' if len(titles) > 1 else ''}, les "
                   f"en-têtes sont ligne {header_no}", "Rien à faire si ce sont des titres ; sinon, vérifiez les "
                   "en-têtes du fichier.")
    sep = csv_separator(src.lines[header_at])
    if sep is None:
        needed = ", ".join(f"« {h} »" for f, h in wanted.items() if f in ("date", "label", "amount", "debit", "credit"))
        raise WorkbookError(_at(name, header_no), f"en-têtes introuvables : aucune des {_TITLE_LINES} premières lignes "
                            f"n'a les colonnes {needed}, et la première n'a pas de séparateur (; , tabulation ou |)",
                            "Exportez le tableau au format CSV, sa ligne d'en-têtes dans les premières lignes, ou "
                            "donnez les noms de ses colonnes dans ColonnesImport.")

    # read from the headers down: a title above them is no CSV record (« "Les Films du Nord" - Grand livre »)
    body = src.text[sum(len(line) + 1 for line in src.lines[:header_at]):]
    layout = _csv_layout(body, header_at, sep, name)
    headers = layout.headers
    ignored: list[str] = []
    cols = _csv_columns(headers, wanted, explicit, name, header_no, ignored if optional_absent else None)
    # an optional column is said every time (DEP113) when it may be there under another name: the user named it
    # otherwise than by default, or the file has a column nothing reads whose header says it may be that field
    # (« N° de pièce », « État »: a « Journal » or « Lettrage » column says nothing of the kind); or when its lack
    # matters, the document number (without it, a corrected line comes in a second time). Otherwise it is one this
    # lean export does not have, said in what was detected.
    field_of = {fold(h): f for f, h in wanted.items()}
    unread = [h for i, h in enumerate(headers) if h.strip() and i not in cols.values()]
    alike = {h: [u for u in unread if _may_be(field_of.get(fold(h), ""), u)] for h in ignored}
    usual = tuple(h for h in ignored if fold(DEFAULT_CSV_MAPPING.get(field_of.get(fold(h), ""), "")) == fold(h)
                  and not alike[h] and field_of.get(fold(h)) != "piece")
    named = [h for h in ignored if h not in usual]
    if named:
        piece = next((h for h in named if field_of.get(fold(h)) == "piece"), None)
        consequence = (f" ; sans « {piece} », une ligne corrigée dans un export suivant sera ajoutée une seconde fois"
                       if piece else "")
        listed = ", ".join(f"« {h} »" + (" (" + ", ".join(f"« {u} »" for u in alike[h][:3]) + " dans le fichier, que "
                                                "rien ne lit ?)" if alike[h] else "") for h in named)
        issues.add(warning, "DEP113", header_no, f"{plural(len(named), 'colonne')} de ColonnesImport "
                   f"{'absentes' if len(named) > 1 else 'absente'} du CSV, "
                   f"{'champs laissés vides ou par défaut' if len(named) > 1 else 'champ laissé vide ou par défaut'} : "
                   + listed + consequence,
                   "Si le fichier a la colonne sous un autre nom, donnez ce nom dans ColonnesImport (Colonne du "
                   "fichier) et réimportez : les lignes déjà importées sont reprises, pas ajoutées. Si l'export ne l'a "
                   "pas, retirez sa ligne de ColonnesImport : elle ne sera plus dite.")
    width = len(headers)
    first = layout.header + 1  # the record after the header
    body_starts = np.array(layout.starts[first:], dtype=np.int64)
    body_blank = np.array(layout.blank[first:], dtype=bool)
    counts = np.array(layout.counts[first:], dtype=np.int64)
    # with commas, a French decimal written without quotes (1234,56) also makes one field more: only the
    # header can then say that lines end with the separator
    trailing = _trailing(layout.trailing, counts[~body_blank], width) if sep != "," else layout.trailing
    extra = _extra(counts, np.array(layout.extra[first:], dtype=bool), width, trailing) & ~body_blank
    detection = Detection("CSV", src.encoding, sep, src.line_ending, "CSV", trailing, usual)
    if not (~body_blank).any():
        issues.add(warning, "DEP111", header_no, "aucune ligne sous les en-têtes du CSV", "Vérifiez la période exportée.")
        return LedgerRead([], detection, issues.result(), ZERO.scaleb(-2), ZERO.scaleb(-2), 0)

    frame = pd.read_csv(io.StringIO(body), sep=sep, header=None, names=range(max(max(layout.counts), width)),
                        usecols=sorted(set(cols.values())), dtype=str, keep_default_na=False, na_filter=False,
                        skip_blank_lines=False, lineterminator="\n", engine="c")
    if len(frame) != len(layout.starts):  # pragma: no cover - the csv module and pandas read quotes alike
        raise WorkbookError(Location(book=name), "guillemets incohérents dans le CSV",
                            "Vérifiez les guillemets des libellés (un guillemet dans un texte se double : \"\").")
    frame = frame.iloc[first:].reset_index(drop=True)
    lines_no = body_starts
    text = {f: _strip(frame, i) for f, i in cols.items()}
    none = np.full(len(frame), "", dtype=object)

    def get(fieldname: str) -> npt.NDArray[np.object_]:
        return text.get(fieldname, none)

    def header(fieldname: str) -> str:
        return headers[cols[fieldname]] if fieldname in cols else fieldname

    date = _column(get("date"), _parse_date)
    if "amount" in cols:
        amount: _Column | None = _column(get("amount"), _parse_csv_amount)
        debit = credit = None
    else:
        amount, debit, credit = None, _column(get("debit"), _parse_csv_amount), _column(get("credit"), _parse_csv_amount)
    total, doubtful, differ = _totals(text, date, amount, debit, credit, body_blank)
    for i in np.flatnonzero(total):
        said = next(str(t[i]) for f, t in text.items() if f in _TOTAL_FIELDS and _TOTAL.match(fold(str(t[i]))))
        if int(i) in differ:
            gap, since, from_first = differ[int(i)]
            since_when = "la première ligne" if from_first else "le total précédent"
            issues.add(warning, "DEP116", int(lines_no[i]), f"ligne de total (« {said} ») : non lue, son montant n'est "
                       f"pas compté ; il n'est la somme d'aucune des lignes au-dessus : {format_eur(abs(gap))} de "
                       f"{'plus' if gap > 0 else 'moins'} que celles depuis {since_when} ({format_eur(since)})",
                       ("Une ligne manque-t-elle à l'export, ou est-elle en erreur ?" if gap > 0 else
                        "Une ligne est-elle en double ou en trop dans l'export, ou en erreur ?") + " Comparez l'export "
                       "à la comptabilité ; les lignes lues sont importées telles quelles.")
            continue
        issues.add(warning, "DEP116", int(lines_no[i]), f"ligne de total (« {said} ») : non lue, son montant n'est pas "
                   "compté", "Rien à faire : les lignes au-dessus sont lues une à une.")
    for i in np.flatnonzero(doubtful):
        issues.add(error, "DEP117", int(lines_no[i]), f"« {text['label'][i]} » : un total daté (ni pièce, ni fournisseur, "
                   "ni compte) dont le montant n'est pas celui des lignes au-dessus ; la ligne n'est pas lue",
                   "Si c'est une dépense, donnez-lui sa pièce ou son fournisseur dans l'export ; si c'est un total, une "
                   "ligne au-dessus est en erreur ou manque : corrigez-la.")
    body_blank = body_blank | total
    extra &= ~total
    for i in np.flatnonzero(extra):
        issues.add(error, "DEP106", int(body_starts[i]), f"valeurs au-delà des {width} colonnes d'en-tête",
                   f"Un séparateur {_SEPARATOR_NAMES[sep]} dans un texte décale les colonnes : mettez le texte entre "
                   "guillemets ; la ligne n'est pas lue.")
    good = ~body_blank & ~extra
    for i in np.flatnonzero(date.empty & good):
        issues.add(error, "DEP104", int(lines_no[i]), f"{header('date')} vide", "La date est obligatoire ; la ligne "
                   "n'est pas lue.")
    _report(issues, date, good, lines_no, "DEP101", header("date"), _CSV_DATE_HINT)
    payment = _column(get("payment_date"), _parse_date)
    _report(issues, payment, good, lines_no, "DEP101", header("payment_date"), _CSV_DATE_HINT)
    vat = _column(get("vat"), _parse_csv_amount)
    _report(issues, vat, good, lines_no, "DEP102", header("vat"), _AMOUNT_HINT)
    rate = _column(get("rate"), _parse_rate)
    _report(issues, rate, good, lines_no, "DEP102", header("rate"), "Un taux de change s'écrit 0,9215 (les euros "
            "d'une unité de la devise) ; la ligne n'est pas lue.")
    nonpositive = np.array([v is not None and v <= 0 for v in rate.values.tolist()], dtype=bool)
    for i in np.flatnonzero(nonpositive & good):
        issues.add(error, "DEP112", int(lines_no[i]), f"{header('rate')} « {rate.raw[i]} » nul ou négatif",
                   "Un taux de change est positif : les euros d'une unité de la devise (0,9215 si 1 $ = 0,9215 €) ; "
                   "la ligne n'est pas lue.")
    if amount is not None:
        _report(issues, amount, good, lines_no, "DEP102", header("amount"), _AMOUNT_HINT)
        for i in np.flatnonzero(amount.empty & good):
            issues.add(error, "DEP104", int(lines_no[i]), f"{header('amount')} vide",
                       "Le montant est obligatoire ; la ligne n'est pas lue.")
        signed = [v if v is not None else ZERO for v in amount.values.tolist()]
        debits = np.array([v if v >= 0 else ZERO for v in signed], dtype=object)
        credits = np.array([-v if v < 0 else ZERO for v in signed], dtype=object)
        amount_bad = amount.bad | amount.empty
    else:
        assert debit is not None and credit is not None
        _report(issues, debit, good, lines_no, "DEP102", header("debit"), _AMOUNT_HINT)
        _report(issues, credit, good, lines_no, "DEP102", header("credit"), _AMOUNT_HINT)
        both_empty = debit.empty & credit.empty
        for i in np.flatnonzero(both_empty & good):
            issues.add(error, "DEP104", int(lines_no[i]), f"{header('debit')} et {header('credit')} vides",
                       "Le montant est obligatoire ; la ligne n'est pas lue.")
        debits = np.array(_or_zero(debit.values.tolist()), dtype=object)
        credits = np.array(_or_zero(credit.values.tolist()), dtype=object)
        amount_bad = debit.bad | credit.bad | both_empty
    counted = good & ~amount_bad
    rates = rate.values[counted].tolist()  # the file's totals in euros, as the table's Montant EUR converts
    rates = [r if r is not None and r > 0 else None for r in rates]  # a rate refused (0, negative): as in euros
    debit_total = sum(map(in_euros, debits[counted].tolist(), rates), ZERO.scaleb(-2))
    credit_total = sum(map(in_euros, credits[counted].tolist(), rates), ZERO.scaleb(-2))
    ok = counted & ~date.bad & ~date.empty & ~payment.bad & ~vat.bad & ~rate.bad & ~nonpositive & ~doubtful
    keep = np.flatnonzero(ok)

    def pick(fieldname: str) -> list[str]:
        return [str(v) for v in get(fieldname)[keep].tolist()]

    currencies = [("" if c.upper() in _EUROS else c.upper()) for c in pick("currency")]
    n = len(keep)
    lines = [LedgerLine(*row) for row in zip(
        lines_no[keep].tolist(), [""] * n, [""] * n, date.values[keep].tolist(), pick("account"), [""] * n,
        [""] * n, pick("supplier"), pick("piece"), pick("label"), debits[keep].tolist(), credits[keep].tolist(),
        [""] * n, [None] * n, [None] * n, currencies, pick("devis_account"), vat.values[keep].tolist(),
        rate.values[keep].tolist(), pick("status"), payment.values[keep].tolist(), pick("country"), pick("tags"),
        strict=True)]
    return LedgerRead(lines, detection, issues.result(), debit_total, credit_total, int((~body_blank).sum()),
                      uncounted=int((~body_blank & ~counted).sum()))


@dataclass(frozen=True)
class _Layout:
    headers: list[str]  # without the empty one a trailing separator makes
    header: int  # the header's record
    trailing: bool
    starts: list[int]  # per record: its first physical line
    counts: list[int]  # its number of fields
    blank: list[bool]  # no value at all
    extra: list[bool]  # values beyond the headers' columns


# a total's words, compared folded, whole: « Totaux », « Sous-total octobre », « Cumul au 31/10 », « Solde octobre »,
# « À reporter »; not « Cumulus Films », « Totalement », « Cumul des heures supp. », « Solde du décor », nor
# TotalEnergies or Total Access (the fuel of a production's week)
_MONTHS = (r"(?:janvier|janv\.?|fevrier|fevr?\.?|mars|avril|avr\.?|mai|juin|juillet|juil\.?|aout|septembre|sept?\.?|"
           r"octobre|oct\.?|novembre|nov\.?|decembre|dec\.?)")
_DAY = (r"(?:\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|\d{4}[/. -]\d{2}[/. -]\d{2}|\d{1,2}[/.-]\d{4}|"
        r"\d{2} \d{2}(?: \d{2,4})?)")  # « - » is folded to a space
_PERIOD_WORD = r"(?:exercice|periode|mois|trimestre|semaine|sem\.?|journee|jour|[sjtq]\d{1,2})"
# what makes « Cumul » and « Solde » a total's words: what follows them is a period and nothing else — a date (« 30/09 »,
# « 09/2026 », « au 30 septembre »), a month or a year, a named period (« semaine 41 », « S41 », « T3 2026 », « de la
# semaine », « mensuel », « à ce jour », « fin de mois »), or nothing; « Solde du décor », « Solde 50 % décor », « Solde
# 2/2 décor », « Solde 12/12 leasing », « Solde juin figuration », « Solde : facture 12 », « Cumul 3 jours nacelle » are
# expenses
_PERIOD = (r" ?:?$| (?:au|du|a fin|fin|de|a|a la date du|arrete au) (?:\d|" + _MONTHS + r"\b|ce jour\b)|"
           r" (?:au |du |a fin |fin |de )?(?:" + _DAY + r"|\d{4}|" + _MONTHS + r"(?: \d{4})?)(?: \(?ht\)?)?$|"
           r" (?:au|a) date$| a ce jour$| (?:exercice|periode)$| (?:mensuel|hebdomadaire|trimestriel|annuel|general|final|"
           r"precedent|anterieur|cumule?|a reporter)$| depuis (?:le debut|l['’ ]?origine|le \d)|"
           r" fin (?:de |d['’ ])?(?:mois|periode|semaine|journee|exercice|tournage|prepa|preparation)$|"
           r" (?:du |de l['’ ]?|de la |le |la |1er |1re |\d{1,2}e )?" + _PERIOD_WORD + r"(?: \d{4})?$|"
           r" (?:debiteur|crediteur)$| (?:prepa|preparation|tournage|postproduction|post prod)$")
# a period's number (« Cumul semaine 41 », « Cumul jour 12 ») makes a cumul a total, not a balance: « Solde jour 12 » is
# the balance of shooting day 12
_CUMUL_PERIOD = _PERIOD + r"| " + _PERIOD_WORD + r" n?°? ?\d+(?: \d{4})?$"
_TOTAL = re.compile(r"^(?:(?:sous|ss|s/) ?total|total(?! ?(?:energie|access|marketing|wash|station|raffinage|gaz|fioul))|"
                    r"totaux|cumul(?=" + _CUMUL_PERIOD + r")|solde(?=" + _PERIOD + r")|report a nouveau|a reporter|report$|"
                    r"nouveau solde\b|"
                    r"montant total\b|recapitulatif\b)(?![a-z0-9])")
_CARRIED_IN = re.compile(r"^report a nouveau(?![a-z0-9])")  # a balance brought in: in the cumulative totals below
# a section's total, whose amount is that of lines above it: not a cumul (the year's earlier months), a balance, a
# carried amount, nor a total of the taxes or with them
_SUM_TOTAL = re.compile(r"^(?:(?:sous|ss|s/) ?total|total|totaux|montant total)(?![a-z0-9])(?!.*\b(?:tva|ttc)\b)"
                        r"(?!.*(?<!hors )\btaxes?\b)")
_TOTAL_FIELDS = ("date", "piece", "label", "account", "devis_account")  # a supplier « Total » is the company


class _Totals(NamedTuple):
    found: npt.NDArray[np.bool_]  # total lines: not read, not counted
    doubtful: npt.NDArray[np.bool_]  # dated lines saying total whose amount is no sum of the lines above: refused
    # undated totals whose amount is no sum of the lines above -> (their amount less the nearest sum of lines since
    # a total before or the first line, that sum, whether it is since the first line): a line missing, or doubled?
    differ: dict[int, tuple[Decimal, Decimal, bool]]


def _totals(text: dict[str, npt.NDArray[np.object_]], date: _Column, amount: _Column | None, debit: _Column | None,
            credit: _Column | None, skipped: npt.NDArray[np.bool_]) -> _Totals:
    """The total lines an export writes among its lines, which would count their lines twice.

    Undated, with neither document nor supplier, a line saying so (« Total », « Sous-total janvier »,
    « Report à nouveau ») in its date, document, label or accounts. Dated, with neither document,
    supplier nor account, a label saying so and the amount of the lines above it since a total before
    it, or since the first line (a day's total, a month's around them, a grand total); one whose amount
    is none of these is doubtful: refused, said. A line with a mistyped date, a document or a supplier
    is an expense (in error if it has no date), never a total."""
    size = len(skipped)
    says = {f: _says_total(t) for f, t in text.items() if f in _TOTAL_FIELDS}
    empty = {f: text[f] == "" if f in text else np.ones(size, dtype=bool) for f in (*_TOTAL_FIELDS, "supplier")}
    no = np.zeros(size, dtype=bool)
    undated = empty["date"] | says.get("date", no)
    own_document = ~empty["piece"] & ~says.get("piece", no)
    found = cast(npt.NDArray[np.bool_], ~skipped & undated & ~own_document & empty["supplier"]
                 & np.logical_or.reduce([no, *says.values()]))
    label = says.get("label", no) & ~date.empty & ~date.bad & empty["piece"] & empty["supplier"] & empty["account"] \
        & empty["devis_account"] & ~skipped
    doubtful = np.zeros(size, dtype=bool)
    differ: dict[int, tuple[Decimal, Decimal, bool]] = {}
    if not label.any() and not found.any():
        return _Totals(found, doubtful, differ)
    carried = np.array([bool(_CARRIED_IN.match(fold(str(t)))) for t in text["label"].tolist()], dtype=bool) \
        & (found | label)
    if amount is not None:
        signed: list[Decimal | None] = amount.values.tolist()
    else:
        assert debit is not None and credit is not None
        signed = [None if d is None and c is None else (d or ZERO) - (c or ZERO)
                  for d, c in zip(debit.values.tolist(), credit.values.tolist(), strict=True)]
    running = ZERO  # the lines' sum so far; at the first line and after each total: where a total may start
    starts = {ZERO}
    last = ZERO  # where the latest section started
    for i in range(size):
        value = signed[i]
        if skipped[i]:
            continue
        if found[i] or carried[i]:  # a total ends a section; a balance brought in (« Report à nouveau ») is in the
            found[i] = True  # cumulative totals below it, unless it repeats the lines above (a page's carried total)
            if carried[i] and value is not None and value != running:
                running += value
            elif not carried[i] and value is not None and running - value not in starts and any(
                    _SUM_TOTAL.match(fold(str(text[f][i]))) for f in _TOTAL_FIELDS if f in text):
                nearest = min(starts, key=lambda start: (abs(value - (running - start)), start != last))
                differ[i] = (value - (running - nearest), running - nearest, nearest == ZERO)
            starts.add(running)
            last = running
        elif label[i]:
            if value is not None and running - value in starts:
                found[i] = True
                starts.add(running)
                last = running
            else:
                doubtful[i] = True
        elif value is not None:
            running += value
    return _Totals(found, doubtful, differ)


def _says_total(column: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """Lines whose text in ``column`` starts as a total's does (compared folded)."""
    distinct, codes = np.unique(column.astype(str), return_inverse=True)
    said = np.fromiter((bool(_TOTAL.match(fold(t))) for t in distinct.tolist()), dtype=bool, count=len(distinct))
    return cast(npt.NDArray[np.bool_], said[codes.reshape(-1)])


def _csv_header_line(src: DecodedText, wanted: dict[str, str]) -> int:
    """The line of the headers: the first non-blank one, or a later one among the first few that
    holds every required header when the first does not (an export's title and period above it)."""
    required = [fold(h) for f, h in wanted.items() if f in ("date", "label", "amount", "debit", "credit")]
    candidates = [i for i, line in enumerate(src.lines[:_TITLE_LINES]) if i >= src.header and line.strip()]
    for i in candidates:
        sep = csv_separator(src.lines[i])
        if sep is None:
            continue
        try:
            fields = {fold(f.strip()) for f in next(csv.reader([src.lines[i]], delimiter=sep))}
        except (csv.Error, StopIteration):
            continue
        if all(h in fields for h in required):
            return i
    return src.header


_TITLE_LINES = 20  # how far down the headers are looked for


def _csv_layout(text: str, header_at: int, sep: str, name: str) -> _Layout:
    """Where each record starts and how it is shaped: quoted fields can span lines, so a record's physical
    line is only known by reading the quotes (pandas does not tell). ``text`` starts at the header's
    line, ``header_at`` (an index in the file's lines)."""
    reader = csv.reader(io.StringIO(text), delimiter=sep, strict=True)
    starts: list[int] = []
    counts: list[int] = []
    blank: list[bool] = []
    extra: list[bool] = []
    headers: list[str] = []
    header = -1
    trailing = False
    previous = header_at
    try:
        for record in reader:
            starts.append(previous + 1)
            counts.append(len(record))
            empty = not any(f.strip() for f in record)
            blank.append(empty)
            extra.append(bool(headers) and any(f.strip() for f in record[len(headers):]))
            if not headers and not empty:
                header = len(starts) - 1
                headers = [f.strip() for f in record]
                trailing = len(headers) > 1 and not headers[-1]
                if trailing:
                    headers.pop()
            previous = header_at + reader.line_num
    except csv.Error as exc:
        raise WorkbookError(_at(name, previous + 1), f"CSV mal formé à partir de cette ligne ({exc})",
                            "Un guillemet ouvert n'est pas refermé, ou un texte suit un guillemet fermant : "
                            "vérifiez les guillemets de cette ligne.") from exc
    return _Layout(headers, header, trailing, starts, counts, blank, extra)


def _csv_columns(headers: list[str], wanted: dict[str, str], explicit: bool, name: str,
                 header_no: int, ignored: list[str] | None = None) -> dict[str, int]:
    """Field -> column index, by header compared without case, accents or extra spaces. The date,
    label and amount columns must be there; an optional column the mapping names and the file lacks
    is listed in ``ignored`` (said to the user), or refused when no list is given."""
    where = _at(name, header_no)
    found: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        found.setdefault(fold(header), []).append(index)
    shown = ", ".join(f"« {h} »" for h in headers if h) or "aucun"
    cols: dict[str, int] = {}
    absent: list[str] = []
    for fieldname, header in wanted.items():
        at = found.get(fold(header), [])
        if len(at) > 1:
            raise WorkbookError(where, f"colonne « {header} » en double dans le CSV",
                                "Gardez une seule colonne de ce nom.")
        if at:
            cols[fieldname] = at[0]
        elif fieldname in ("date", "label", "amount", "debit", "credit") or (explicit and ignored is None):
            absent.append(header)
        elif explicit and ignored is not None:
            ignored.append(header)
    if "amount" not in wanted and not ("debit" in wanted and "credit" in wanted):
        raise WorkbookError(where, "la correspondance ne donne ni le montant ni les colonnes débit et crédit",
                            "Indiquez la colonne du montant HT (amount) ou celles du débit et du crédit.")
    for required in ("date", "label"):
        if required not in wanted:
            raise WorkbookError(where, f"la correspondance ne donne pas la colonne « {required} »",
                                "La date, le libellé et le montant sont obligatoires.")
    if absent:
        raise WorkbookError(where, f"{'colonnes absentes' if len(absent) > 1 else 'colonne absente'} du CSV : "
                            + ", ".join(f"« {h} »" for h in absent),
                            f"En-têtes trouvés : {shown}. La date, le libellé et le montant sont obligatoires : si le "
                            + ("fichier les a" if len(absent) > 1 else "fichier l'a") + " sous un autre nom, donnez-le "
                            "dans ColonnesImport (feuille Correspondances)"
                            + (" ; un export en Débit et Crédit : dans ColonnesImport, remplacez le champ amount "
                               "par debit et ajoutez une ligne credit." if any(f in ("amount", "debit", "credit") and
                                                                            wanted[f] in absent for f in wanted)
                               else "."))
    return cols
