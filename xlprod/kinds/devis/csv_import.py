"""Devis lines from a CSV file whose headers are the Devis table's (as exported by Excel or a tool)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from xlprod.core.location import Location
from xlprod.core.money import CENT, ZERO, french_number, round_cents, to_excel
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold
from xlprod.kinds.devis import layout as L
from xlprod.workbook.errors import WorkbookError

NUMERIC = {"quantity", "number", "unit_rate", "france_share"}
MAX_BYTES = 50_000_000


HEADER_SEARCH = 10  # lines looked through for the header row
COMPTE = fold("Compte")


def _check_amount(values: list[str], at: int | None, row: dict[str, object], where: Location) -> None:
    """A Montant in the CSV is recomputed by the devis: refuse one that the line does not give,
    rather than drop it (a CSV of amounts only would become a devis of zeros)."""
    if at is None or at >= len(values) or not values[at].strip():
        return
    typed = parse_number(values[at].strip()).value
    if typed is None:
        raise WorkbookError(where, f"Montant « {values[at].strip()} » illisible", "Corrigez-le ; rien n'a été créé.")
    factors = [parse_number(row.get(f)).value for f in ("quantity", "number", "unit_rate")]
    q, n, r = (f if f is not None else ZERO for f in factors)
    computed = round_cents(q * n * r)
    if abs(computed - typed) >= CENT:
        raise WorkbookError(where, f"Montant {french_number(typed)} : le devis le calcule comme Quantité × Nombre × "
                                   f"Taux unitaire, ce qui donne ici {french_number(computed)}",
                            f"Pour un montant forfaitaire, mettez Quantité 1, Nombre 1 et Taux unitaire "
                            f"{french_number(typed)} ; rien n'a été créé.")


def read_lines_csv(path: str | Path) -> list[dict[str, object]]:
    """Rows as field -> value; numbers that read unambiguously become numbers, anything else stays
    as typed so that the workbook's checks point at the very cell."""
    path = Path(path)
    where = Location(book=path.name)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WorkbookError(where, f"lecture impossible : {exc.strerror or exc}", "Vérifiez le chemin du fichier.") from exc
    if len(raw) > MAX_BYTES or b"\x00" in raw[:4096]:
        raise WorkbookError(where, "ce fichier n'est pas un CSV de lignes de devis",
                            "Exportez le tableau au format CSV (UTF-8, séparateur point-virgule ou virgule).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:  # only the delimiter is guessed: quotes are always Excel's (doubled inside a quoted field)
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ";" if text.count(";") > text.count(",") else ","

    # strict: an unclosed quote is an error, not a swallowed file
    reader = csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter, strict=True)
    headers: list[str] = []
    header_line = 0
    try:
        for _ in range(HEADER_SEARCH):  # an export of the sheet starts with its title rows: skip them
            line = reader.line_num + 1
            headers = next(reader)
            if COMPTE in {fold(h) for h in headers}:
                header_line = line
                break
    except StopIteration:
        pass
    except csv.Error as exc:
        raise WorkbookError(where.at(f"ligne {reader.line_num}"), f"CSV mal formé ({exc})",
                            "Vérifiez les guillemets de cette ligne ; rien n'a été créé.") from exc
    if not headers:
        raise WorkbookError(where, "le fichier CSV est vide",
                            "Ajoutez une ligne d'en-têtes (Compte, Libellé, Quantité...).")
    if not header_line:
        raise WorkbookError(where.at("ligne 1"), "colonne « Compte » absente des en-têtes du CSV",
                            "La ligne d'en-têtes doit porter ceux du tableau Devis : Compte, Libellé, "
                            "Quantité, Unité, Nombre, Taux unitaire, Catégorie de paie, Part France...")
    head = where.at(f"ligne {header_line}")
    by_fold = {fold(c.header): c for c in L.DEVIS_COLUMNS}
    fields = [by_fold[fold(h)].field if fold(h) in by_fold and not by_fold[fold(h)].formula else None
              for h in headers]
    computed = {fold(c.header) for c in L.DEVIS_COLUMNS if c.formula}  # Poste, Montant...: recomputed, ignored
    unknown = [h for h, f in zip(headers, fields, strict=True) if f is None and h.strip() and fold(h) not in computed]
    twice = sorted({h for h, f in zip(headers, fields, strict=True) if f is not None and fields.count(f) > 1})
    if twice:
        raise WorkbookError(head, "colonne(s) en double : " + ", ".join(f"« {h} »" for h in twice),
                            "Gardez une seule colonne de chaque ; rien n'a été créé.")
    if unknown:  # a column nobody reads would be data silently lost
        expected = ", ".join(c.header for c in L.DEVIS_COLUMNS if not c.formula)
        raise WorkbookError(head, "en-tête(s) non reconnu(s) : " + ", ".join(f"« {h} »" for h in unknown),
                            f"Renommez ces colonnes comme dans le tableau Devis ({expected}) ou supprimez-les du CSV ; "
                            "rien n'a été créé.")
    blank = [i for i, h in enumerate(headers) if not h.strip()]
    amount_at = next((i for i, h in enumerate(headers) if fold(h) == fold(L.COLUMN_BY_FIELD["amount"].header)), None)
    rows: list[dict[str, object]] = []
    start = header_line + 1  # the line where the record being read begins
    try:
        for values in reader:
            start, record_start = reader.line_num + 1, start
            if not any(v.strip() for v in values):
                continue
            if any(v.strip() for i, v in enumerate(values) if i in blank):
                raise WorkbookError(where.at(f"ligne {record_start}"), "une valeur sous une colonne sans en-tête",
                                    "Donnez un en-tête à cette colonne (ou retirez la valeur) ; rien n'a été créé.")
            if any(v.strip() for v in values[len(fields):]):
                raise WorkbookError(where.at(f"ligne {record_start}"),
                                    f"{len(values)} valeurs pour {len(fields)} colonnes d'en-tête",
                                    "Un séparateur en trop (un point-virgule dans un libellé ?) : mettez le texte "
                                    "entre guillemets ou retirez la valeur ; rien n'a été créé.")
            row: dict[str, object] = {}
            for fld, value in zip(fields, values, strict=False):
                value = value.strip()
                if fld is None or not value:
                    continue
                if fld in NUMERIC:
                    parsed = parse_number(value)
                    row[fld] = to_excel(parsed.value) if parsed.value is not None else value
                else:
                    row[fld] = value
            _check_amount(values, amount_at, row, where.at(f"ligne {record_start}"))
            rows.append(row)
    except csv.Error as exc:
        raise WorkbookError(where.at(f"ligne {start}"), f"CSV mal formé à partir de cette ligne ({exc})",
                            "Un guillemet ouvert n'est pas refermé : vérifiez les guillemets de cette ligne ; "
                            "rien n'a été créé.") from exc
    return rows
