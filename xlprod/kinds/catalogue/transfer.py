"""Works and rights between the catalogue workbook and the exchange formats: CSV and JSON
(``exchange``), MovieLabs Avails as Excel or XML (``ema``). Import appends to the tables, never
twice the same work (by Identifiant) or the same rights line; export writes files atomically."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xlprod.core.cells import cell_text, excel_date
from xlprod.core.issues import Issue
from xlprod.core.location import Location
from xlprod.core.money import ZERO, from_double, round_cents, to_excel
from xlprod.core.text import fold
from xlprod.kinds.catalogue import layout as L
from xlprod.kinds.catalogue.exchange import (
    RECEIPT_HEADERS,
    RIGHT_HEADERS,
    SHARE_HEADERS,
    WORK_HEADERS,
    export_csv,
    export_json,
    import_receipts,
    import_rights_csv,
    import_rights_json,
    import_shares,
    import_works_csv,
    import_works_json,
    rights_rows,
    works_rows,
)
from xlprod.kinds.catalogue.reader import Catalogue, read_rights, read_territory_groups
from xlprod.kinds.catalogue.rights import Right
from xlprod.kinds.catalogue.works import Work
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.files import atomic_write_bytes
from xlprod.workbook.port import RawTable, WorkbookPort
from xlprod.workbook.sheetxml import CellValue

FORMATS = ("csv", "json", "avails")


@dataclass
class Imported:
    source: str
    what: str  # « œuvres », « droits »
    read: int = 0
    added: int = 0
    present: int = 0
    issues: list[Issue] = field(default_factory=list)

    def render(self) -> str:
        refused = sum(1 for i in self.issues if i.severity.value == "erreur")
        of = "d'" if self.what[:1] in "aeiouyœ" else "de "
        return (f"{self.source} : {self.read} ligne(s) {of}{self.what} lue(s), {self.added} ajoutée(s), {self.present} "
                f"déjà présente(s), {refused} refusée(s)")

    def to_json(self) -> dict[str, object]:
        return {"source": self.source, "what": self.what, "read": self.read, "added": self.added,
                "present": self.present, "issues": [i.to_json() for i in self.issues]}


def cell_value(value: object) -> CellValue:
    """A typed value as a cell of the catalogue holds it: a date as its serial number, yes/no as
    « oui » / « non », a Decimal as a double (the one conversion to Excel's numbers)."""
    if isinstance(value, dt.date):
        return excel_date(value)
    if isinstance(value, bool):
        return L.YES if value else L.NO
    if isinstance(value, Decimal):
        return to_excel(value)
    return value if isinstance(value, str | int | float) or value is None else str(value)


def _right_key(r: Right) -> tuple[object, ...]:
    """A rights line as it means, not as it is typed: « France » and « FR », « DE, AT » and « AT, DE »
    are the same line."""
    return (fold(r.work), r.direction, fold(r.partner), r.territories, r.media, r.start, r.end, r.exclusive)


def parse(data: bytes, name: str) -> tuple[str, list[Work], list[Right], list[Issue]]:
    """What a file holds, by its content: works or rights as CSV or JSON, or MovieLabs avails."""
    lower = name.lower()
    if lower.endswith((".xlsx", ".xml")) or data[:2] == b"PK" or data.lstrip()[:5] in (b"<?xml", b"<Avai"):
        from xlprod.kinds.catalogue import ema

        if lower.endswith(".xml") or data.lstrip()[:1] == b"<":
            rights, issues = ema.import_avails_xml(data, name)
        else:
            rights, issues = ema.import_avails_xlsx(data, name)
        return "droits", [], list(rights), issues
    is_json = lower.endswith(".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")
    head = data[:4000].decode("utf-8", errors="replace")
    works = "Identifiant" in head and "Titre" in head
    if is_json:
        if works:
            found_works, issues = import_works_json(data, name)
            return "œuvres", found_works, [], issues
        found_rights, issues = import_rights_json(data, name)
        return "droits", [], found_rights, issues
    if works:
        found_works, issues = import_works_csv(data, name)
        return "œuvres", found_works, [], issues
    found_rights, issues = import_rights_csv(data, name)
    return "droits", [], found_rights, issues


def _record_key(record: dict[str, object], headers: tuple[str, ...]) -> tuple[object, ...]:
    """A receipt or a share as it means: names without case or accents, amounts to the cent."""
    out: list[object] = []
    for h in headers:
        value = record.get(h)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            out.append(round_cents(from_double(float(value)) if isinstance(value, float) else Decimal(value)))
        elif value in (None, ""):
            out.append(ZERO if h not in ("Œuvre", "Période", "Territoire", "Ayant droit", "Exploitation") else "")
        else:
            out.append(fold(cell_text(value)))
    return tuple(out)


def _import_records(book: WorkbookPort, data: bytes, name: str) -> Imported | None:
    """Receipts (distributors' statements) or rights holders' shares, when the file holds them."""
    text = data[:4000].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text[:1] in ("[", "{"):  # JSON: the keys, quoted
        head = " ".join(f'"{k}"' for k in ("Ayant droit", "Exploitation", "Recettes brutes") if f'"{k}"' in text)
        head = head.replace('"', "")
    else:  # CSV: the header line only, never a value that happens to say « Exploitation »
        head = text.splitlines()[0] if text else ""
    headers: tuple[str, ...]
    key_headers: tuple[str, ...]
    if "Ayant droit" in head:
        table_name, what, headers, key_headers = L.TABLE_AYANTS, "ayants droit", SHARE_HEADERS, SHARE_HEADERS[:2]
        records, issues = import_shares(data, name)
    elif "Exploitation" in head or "Recettes brutes" in head:
        table_name, what, headers, key_headers = L.TABLE_RECETTES, "recettes", RECEIPT_HEADERS, RECEIPT_HEADERS[:8]
        records, issues = import_receipts(data, name)
    else:
        return None
    refused = len({i.location.book for i in issues if i.severity.value == "erreur"})  # one location per line
    done = Imported(name, what, read=len(records) + refused, issues=issues)
    table = book.table(table_name)
    if table is None:
        raise WorkbookError(Location(book=book.book_name), f"tableau Excel « {table_name} » introuvable",
                            "Rétablissez le tableau, ou repartez d'un modèle : xlprod new catalogue.")
    columns = [str(h).strip() for h in table.headers]
    missing = [h for h in headers if h not in columns]
    if missing:
        raise WorkbookError(Location(book=book.book_name, sheet=table.sheet), f"colonne(s) {', '.join(missing)} absente(s) "
                            f"du tableau {table.name}", "Rétablissez les en-têtes du tableau, puis relancez.")
    known = {_record_key(dict(zip(columns, row, strict=False)), key_headers) for row in table.rows}
    computed = {c.header for c in L.RECETTES_COLUMNS if c.formula}
    new_rows = []
    for record in records:
        key = _record_key(record, key_headers)
        if key in known:
            done.present += 1
            continue
        known.add(key)
        new_rows.append([None if h in computed else cell_value(record.get(h)) for h in columns])
    _append(book, table, new_rows)
    done.added = len(new_rows)
    return done


def _append(book: WorkbookPort, table: RawTable, rows: Sequence[Sequence[CellValue]]) -> None:
    formulas = frozenset(c.header for c in L.RECETTES_COLUMNS if c.formula)  # the receipts' own (LibreOffice
    # drops a table's calculated column formulas: the new table's row keeps them, and is blank all the same)
    if rows and book.add_table_rows(table, [list(r) for r in rows], formulas=formulas) is None:
        raise WorkbookError(Location(book=book.book_name, sheet=table.sheet),
                            f"le tableau {table.name} ne peut pas s'agrandir : des cellules sont remplies ou fusionnées "
                            "sous lui, ou il a une ligne de total", "Déplacez ce qui est sous le tableau (défusionnez "
                            "les cellules), ou retirez sa ligne de total.")


def import_file(book: WorkbookPort, data: bytes, name: str) -> Imported:
    """Append the works, rights, receipts or shares of a file to the workbook's tables; what is
    already there is skipped."""
    lower = name.lower()
    if not (lower.endswith((".xlsx", ".xml")) or data[:2] == b"PK" or data.lstrip()[:1] == b"<"):
        found = _import_records(book, data, name)
        if found is not None:
            return found
    what, works, rights, issues = parse(data, name)
    done = Imported(name, what, read=len(works) + len(rights), issues=issues)
    table_name = L.TABLE_OEUVRES if works else L.TABLE_DROITS
    table = book.table(table_name)
    if table is None:
        raise WorkbookError(Location(book=book.book_name), f"tableau Excel « {table_name} » introuvable",
                            "Rétablissez le tableau, ou repartez d'un modèle : xlprod new catalogue.")
    headers = [str(h).strip() for h in table.headers]
    known: set[tuple[object, ...]]
    keys: list[tuple[object, ...]]
    if works:
        j = headers.index("Identifiant") if "Identifiant" in headers else 0
        known = {(fold(cell_text(r[j])),) for r in table.rows}
        records = works_rows(works)
        keys = [(fold(str(r["Identifiant"])),) for r in records]
    else:
        present = Catalogue(places=read_territory_groups(book.table(L.TABLE_TERRITOIRES), book.book_name, []))
        read_rights(table, book.book_name, [], present)
        known = {_right_key(r) for r in present.rights}
        records = rights_rows(rights)
        keys = [_right_key(r) for r in rights]
    new_rows = []
    for record, key in zip(records, keys, strict=True):
        if key in known:
            done.present += 1
            continue
        known.add(key)
        new_rows.append([cell_value(record.get(h)) if h in record else None for h in headers])
    _append(book, table, new_rows)
    done.added = len(new_rows)
    return done


def export(cat: Catalogue, fmt: str, folder: Path, *, licensor: str = "", issues: list[Issue] | None = None) -> list[Path]:
    """The catalogue's works and rights in ``folder``: oeuvres/droits as CSV or JSON, or the
    granted rights as MovieLabs avails (Excel and XML); ``issues`` receives what an avails export
    leaves out (media the format has no word for, holdbacks, acquisitions)."""
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return [atomic_write_bytes(folder / "oeuvres.csv", export_csv(works_rows(cat.works), WORK_HEADERS)),
                atomic_write_bytes(folder / "droits.csv", export_csv(rights_rows(cat.rights), RIGHT_HEADERS))]
    if fmt == "json":
        return [atomic_write_bytes(folder / "oeuvres.json", export_json(works_rows(cat.works), WORK_HEADERS)),
                atomic_write_bytes(folder / "droits.json", export_json(rights_rows(cat.rights), RIGHT_HEADERS))]
    if fmt == "avails":
        from xlprod.kinds.catalogue import ema

        if issues is not None:
            issues += ema.avails_export_issues(cat.rights, cat.works)
        return [atomic_write_bytes(folder / "avails.xlsx", ema.export_avails_xlsx(cat.rights, cat.works, licensor=licensor)),
                atomic_write_bytes(folder / "avails.xml", ema.export_avails_xml(cat.rights, cat.works, licensor=licensor))]
    raise ValueError(f"format inconnu : {fmt} ({', '.join(FORMATS)})")

