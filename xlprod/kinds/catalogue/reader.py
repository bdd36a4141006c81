"""From the catalogue workbook's tables to works, rights, receipts, shares and parameters, with
located issues. Cells are read as the CSV and JSON imports read them (``exchange.RowReader``),
plus typed cells (numbers, dates): one reading of a work and of a right for every format.

What the receipts' formulas must see as Python does (an exploitation's label, « oui » / « non »,
a number typed as text) is written back as read, with a warning; the works' normalisations are
only proposed (``works.propose_fixes``), applied by « Appliquer les corrections ».
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from xlprod.core.cells import EmptyTextResult, ExcelError, cell_text, typed_date
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import ZERO, format_eur, from_double
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold
from xlprod.kinds.catalogue import layout as L
from xlprod.kinds.catalogue.exchange import ExchangedRight, RowReader, read_right, read_work
from xlprod.kinds.catalogue.receipts import PROTOCOL_2010, CommissionCaps, Exploitation, Receipt, Share
from xlprod.kinds.catalogue.rights import Media, Territories, territories
from xlprod.kinds.catalogue.works import ROW_KEY, Work, parse_date
from xlprod.workbook.port import RawTable

_TRUE = frozenset({"oui", "o", "x", "yes", "y", "vrai", "true", "1"})
_FALSE = frozenset({"non", "n", "no", "faux", "false", "0", "-"})
_LABELS = {fold(e.label): e for e in Exploitation}


@dataclass
class Parameters:
    title: str = ""
    company: str = ""  # the licensor of exported avails
    horizon: int = 6
    reference: dt.date | None = None
    period: str = ""
    avails: tuple[str, str, dt.date | None, dt.date | None] = ("", "", None, None)  # territory, media, from, to
    caps: CommissionCaps = PROTOCOL_2010


@dataclass
class ReceiptRow:
    """One row of Recettes as its formulas see it: a receipt, or None when its exploitation is unknown."""

    row: int
    receipt: Receipt | None
    gross: Decimal
    commission: Decimal
    costs: Decimal
    mg_recouped: Decimal
    period: str


@dataclass
class Catalogue:
    works: list[Work] = field(default_factory=list)
    raw_works: list[dict[str, object]] = field(default_factory=list)  # for works.propose_fixes
    rights: list[ExchangedRight] = field(default_factory=list)
    rights_rows: int = 0  # non-blank rows of Droits, read or not
    receipts: list[ReceiptRow] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    places: Territories = field(default_factory=territories)
    windows: dict[str, dict[Media, int]] = field(default_factory=dict)  # a partner's own windows of the chronologie
    fixes: dict[tuple[str, int, int], object] = field(default_factory=dict)  # (sheet, row, col) -> value written back


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def special_cells(table: RawTable, book: str, issues: list[Issue], skipped: str) -> set[int]:
    """Cells holding an Excel error or a formula never calculated (a file written by a script):
    each an error at its cell, never read as its formula's text; the indexes of their rows. A
    formula giving "" is a blank."""
    out: set[int] = set()
    computed = {c.header for c in L.RECETTES_COLUMNS if c.formula} if table.name == L.TABLE_RECETTES else set()
    for (i, j), marker in sorted(table.specials.items()):
        header = str(table.headers[j]).strip() if j < len(table.headers) else ""
        if header in computed:
            continue  # xlprod's own cells: rewritten, whatever they show
        table.rows[i][j] = None
        if isinstance(marker, EmptyTextResult):
            continue
        where = Location(book=book, sheet=table.sheet, cell=f"{column_letter(table.first_col + j)}{table.header_row + 1 + i}")
        if isinstance(marker, ExcelError):
            said, hint = f"cellule en erreur ({marker})", "Corrigez la formule ou remplacez-la par la valeur."
        else:
            said = f"formule jamais calculée (={str(marker)[:80]})"
            hint = "Ouvrez et enregistrez le classeur dans Excel ou LibreOffice pour la calculer, ou saisissez la valeur."
        issues.append(error("CAT074", where, f"{header} : {said} ; {skipped}.", hint))
        out.add(i)
    return out


class _At(Mapping[str, Location]):
    """Where each cell of a row is, made only when a message needs it (500,000 rows × 11 cells)."""

    __slots__ = ("book", "letters", "line", "sheet")

    def __init__(self, book: str, sheet: str, letters: dict[str, str], line: int) -> None:
        self.book, self.sheet, self.letters, self.line = book, sheet, letters, line

    def __getitem__(self, header: str) -> Location:
        return Location(book=self.book, sheet=self.sheet, cell=f"{self.letters[header]}{self.line}")

    def __iter__(self) -> Iterator[str]:
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)


def _row_at(book: str, sheet: str, cell: str) -> Callable[[], Location]:
    return lambda: Location(book=book, sheet=sheet, cell=cell)


def _cells(table: RawTable, book: str) -> tuple[dict[str, int], dict[str, str]]:
    index = {str(h).strip(): j for j, h in enumerate(table.headers)}
    letters = {h: column_letter(table.first_col + j) for h, j in index.items()}
    return index, letters


def read_works(table: RawTable, book: str, issues: list[Issue], out: Catalogue) -> None:
    special_cells(table, book, issues, "lue comme vide")
    index, letters = _cells(table, book)
    first = table.header_row + 1
    for i, row in enumerate(table.rows):
        if all(_blank(v) for v in row):
            continue
        line = first + i
        cells = {h: row[j] for h, j in index.items()}
        reader = RowReader(cells, _row_at(book, table.sheet, f"{column_letter(table.first_col)}{line}"), issues,
                           csv_text=False, cells_at=_At(book, table.sheet, letters, line), lenient=True)
        work = read_work(reader, line)
        if work is not None:
            out.works.append(work)
        out.raw_works.append({**{h: _as_typed(v) for h, v in cells.items() if h in L.OEUVRES_HEADERS}, ROW_KEY: line})


def _as_typed(value: object) -> object:
    """A cell as a person typed it: a whole number is an int (every number of a sheet is a
    double), a date cell at midnight a date; what is left to correct is what the user typed."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def read_territory_groups(table: RawTable | None, book: str, issues: list[Issue]) -> Territories:
    """The file's territories with the workbook's groups; a group that cannot be read is left out (CAT063)."""
    data = territories()
    if table is None:
        return data
    index, letters = _cells(table, book)
    g, m = index.get("Groupe"), index.get("Membres")
    if g is None or m is None:
        issues.append(error("CAT063", Location(book=book, sheet=table.sheet, cell=f"A{table.header_row}"),
                            "Tableau Territoires sans colonne « Groupe » ou « Membres » : seuls les groupes de "
                            "territoires.json sont connus.", "Rétablissez les en-têtes Groupe et Membres."))
        return data
    for i, row in enumerate(table.rows):
        name, members = cell_text(row[g]), cell_text(row[m])
        if not name and not members:
            continue
        try:
            data = data.with_groups([(name, members)])
        except ValueError as exc:
            issues.append(error("CAT063", Location(book=book, sheet=table.sheet,
                                                   cell=f"{letters['Membres']}{table.header_row + 1 + i}"),
                                f"{exc} Le groupe n'est pas défini.", "Corrigez les membres (codes ISO, noms de pays ou "
                                "groupes définis au-dessus), séparés par des virgules."))
    return data


def read_rights(table: RawTable, book: str, issues: list[Issue], out: Catalogue) -> None:
    unread = special_cells(table, book, issues, "la ligne n'est pas lue")
    index, letters = _cells(table, book)
    first = table.header_row + 1
    for i, row in enumerate(table.rows):
        if i in unread:
            out.rights_rows += 1
            continue
        if all(_blank(v) for v in row):
            continue
        out.rights_rows += 1
        line = first + i
        cells = {h: row[j] for h, j in index.items()}
        reader = RowReader(cells, _row_at(book, table.sheet, f"{column_letter(table.first_col)}{line}"), issues,
                           csv_text=False, cells_at=_At(book, table.sheet, letters, line))
        right = read_right(reader, line, out.places)
        if right is not None:
            out.rights.append(right)


def read_receipts(table: RawTable, book: str, issues: list[Issue], out: Catalogue) -> None:
    """Each row as the formulas compute it: blank and unreadable amounts count 0, as N() does."""
    special_cells(table, book, issues, "lue comme vide (0 pour un montant)")
    index, letters = _cells(table, book)
    first = table.header_row + 1
    inputs = [index[h] for h in L.RECETTES_INPUT if h in index]
    for i, row in enumerate(table.rows):
        line = first + i
        if all(_blank(row[j]) for j in inputs):
            out.receipts.append(ReceiptRow(line, None, ZERO, ZERO, ZERO, ZERO, ""))
            continue

        def where(header: str, line: int = line) -> Location:
            return Location(book=book, sheet=table.sheet, cell=f"{letters[header]}{line}")

        def fix(header: str, value: object, line: int = line) -> None:
            out.fixes[(table.sheet, line, table.first_col + index[header])] = value

        def money(header: str, row: list[object] = row) -> Decimal:
            value = row[index[header]] if header in index else None
            if _blank(value):
                return ZERO
            if isinstance(value, int | float) and not isinstance(value, bool):
                return from_double(float(value))
            parsed = parse_number(value)
            if parsed.value is None:
                issues.append(error("CAT064", where(header), f"{header} « {value} » : {parsed.problem or 'pas un nombre'} ; "
                                    "compté 0 (comme les formules du classeur).", "Saisissez un nombre (12 500,50)."))
                return ZERO
            fix(header, float(parsed.value))
            issues.append(warning("CAT064", where(header), f"{header} : valeur saisie comme texte (« {value} »), "
                                  "convertie en nombre.", "Rien à faire."))
            return parsed.value

        def flag(header: str, row: list[object] = row) -> bool:
            value = row[index[header]] if header in index else None
            if _blank(value):
                return False
            word = fold(str(value)) if not isinstance(value, bool) else ("oui" if value else "non")
            if word in _TRUE or word in _FALSE:
                said = L.YES if word in _TRUE else L.NO
                if value != said:
                    fix(header, said)
                    issues.append(warning("CAT065", where(header), f"{header} « {value} » lu « {said} » et écrit ainsi "
                                          "(les formules du classeur comparent à « oui »).", "Vérifiez."))
                return said == L.YES
            issues.append(error("CAT065", where(header), f"{header} « {value} » : ni oui ni non ; lu « non ».",
                                "Écrivez oui ou non."))
            return False

        text = cell_text(row[index["Exploitation"]]) if "Exploitation" in index else ""
        exploitation = _LABELS.get(fold(text)) or (Exploitation.from_text(text) if text else None)
        if exploitation is None:
            issues.append(error("CAT061", where("Exploitation") if "Exploitation" in index else
                                Location(book=book, sheet=table.sheet, cell=f"A{line}"),
                                f"Exploitation « {text} » inconnue : ligne sans RNPP, ni dans CATALOGUE_RNPP ni dans les "
                                "relevés (plafond de commission 0).",
                                "Choisissez dans la liste : " + ", ".join(L.EXPLOITATION_LABELS) + "."))
        elif text != exploitation.label:
            fix("Exploitation", exploitation.label)
            issues.append(warning("CAT061", where("Exploitation"), f"Exploitation « {text} » lue « {exploitation.label} ».",
                                  "Vérifiez ; sinon choisissez dans la liste."))
        period = cell_text(row[index["Période"]]) if "Période" in index else ""
        if isinstance(row[index.get("Période", 0)], dt.date | dt.datetime):
            issues.append(warning("CAT066", where("Période"), f"Période saisie comme une date "
                                  f"({_day(row[index['Période']]):%d/%m/%Y}) : elle ne correspond à aucune période des "
                                  "relevés (2026-T3…).", "Écrivez la période comme du texte : 2026-T3, 2026-09 ou 2026-S2."))
        gross, commission, costs, recouped = (money(h) for h in ("Recettes brutes", "Commission", "Frais", "MG récupéré"))
        for header, amount in (("Commission", commission), ("Frais", costs), ("MG récupéré", recouped)):
            if amount < 0:
                issues.append(warning("CAT064", where(header), f"{header} négatif ({format_eur(amount)}) : il augmente les "
                                      "RNPP.", "Vérifiez : un avoir du distributeur s'inscrit en recette, pas en "
                                      "commission ou frais négatifs."))
        financed, small = flag("Préachat finançant"), flag("Petite vente TV")
        work = cell_text(row[index["Œuvre"]]) if "Œuvre" in index else ""
        receipt = None
        if exploitation is not None:
            receipt = Receipt(work=work, period=period, exploitation=exploitation,
                              territory=cell_text(row[index["Territoire"]]) if "Territoire" in index else "",
                              gross=gross, commission=commission, costs=costs, mg_recouped=recouped,
                              financed_presale=financed, small_tv_sale=small,
                              where=f"{table.sheet}!{letters.get('Œuvre', 'A')}{line}")
        out.receipts.append(ReceiptRow(line, receipt, gross, commission, costs, recouped, period))


def _day(value: object) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value if isinstance(value, dt.date) else dt.date.today()


def read_shares(table: RawTable, book: str, issues: list[Issue], out: Catalogue) -> None:
    unread = special_cells(table, book, issues, "la ligne n'est pas lue")
    index, letters = _cells(table, book)
    first = table.header_row + 1
    for i, row in enumerate(table.rows):
        if i in unread or all(_blank(v) for v in row):
            continue
        line = first + i

        def where(header: str, line: int = line) -> Location:
            return Location(book=book, sheet=table.sheet, cell=f"{letters.get(header, 'A')}{line}")

        holder = cell_text(row[index["Ayant droit"]]) if "Ayant droit" in index else ""
        work = cell_text(row[index["Œuvre"]]) if "Œuvre" in index else ""
        if not holder or not work:
            issues.append(error("CAT067", where("Ayant droit" if not holder else "Œuvre"),
                                "Part sans ayant droit ou sans œuvre : ignorée.", "Complétez la ligne ou supprimez-la."))
            continue
        share = _number(row[index["Part"]] if "Part" in index else None, percent=True)
        mg = _number(row[index["Minimum garanti"]] if "Minimum garanti" in index else None) or ZERO
        if share is None or not ZERO <= share <= 1:
            issues.append(error("CAT067", where("Part"), f"Part « {row[index['Part']] if 'Part' in index else ''} » "
                                "illisible ou hors de 0 à 100 % : ligne ignorée.", "Saisissez un pourcentage (25 %)."))
            continue
        if mg < 0:
            issues.append(error("CAT067", where("Minimum garanti"), "Minimum garanti négatif : ligne ignorée.",
                                "Saisissez un montant positif."))
            continue
        out.shares.append(Share(holder=holder, work=work, share=share, mg=mg))


def _number(value: object, percent: bool = False) -> Decimal | None:
    if _blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_double(float(value)) if not percent else Decimal(repr(float(value)))
    text = str(value).strip()
    is_percent = text.endswith("%")
    parsed = parse_number(text.rstrip("%").strip())
    if parsed.value is None:
        return None
    return parsed.value / 100 if is_percent or (percent and parsed.value > 1) else parsed.value


def read_parameters(table: RawTable | None, book: str, issues: list[Issue]) -> Parameters:
    p = Parameters()
    if table is None or "Clé" not in table.headers or "Valeur" not in table.headers:
        issues.append(error("CAT068", Location(book=book, sheet=L.SHEET_PARAMETRES),
                            "Tableau ParametresCatalogue introuvable : paramètres par défaut.",
                            "Annulez la suppression, ou repartez d'un modèle (xlprod new catalogue)."))
        return p
    k, v = table.headers.index("Clé"), table.headers.index("Valeur")
    values = {cell_text(r[k]): (r[v], table.header_row + 1 + i) for i, r in enumerate(table.rows)}
    col = column_letter(table.first_col + v)

    def at(key: str) -> Location:
        return Location(book=book, sheet=table.sheet, cell=f"{col}{values[key][1]}" if key in values else None)

    def date(key: str, label: str) -> dt.date | None:
        value = values.get(key, (None, 0))[0]
        if _blank(value):
            return None
        found = typed_date(value)
        if found is not None:
            return found
        parsed = parse_date(str(value))
        if parsed is None:
            issues.append(error("CAT068", at(key), f"{label} : « {value} » n'est pas une date.",
                                "Saisissez une date (01/03/2027)."))
            return None
        return parsed[0]

    for key, _name, label, default, _unit, _source in L.PARAMETERS:
        if key not in values:
            issues.append(warning("CAT068", Location(book=book, sheet=table.sheet),
                                  f"Paramètre « {label} » (clé {key}) absent : valeur par défaut {default or '(vide)'}.",
                                  f"Ajoutez au tableau une ligne de clé {key}."))
    p.title = cell_text(values.get("titre", ("", 0))[0])
    p.company = cell_text(values.get("societe", ("", 0))[0])
    horizon = _number(values.get("horizon", (None, 0))[0])
    if horizon is not None and horizon == horizon.to_integral_value() and 0 <= horizon <= 600:
        p.horizon = int(horizon)
    elif "horizon" in values and not _blank(values["horizon"][0]):
        issues.append(error("CAT068", at("horizon"), f"Horizon « {values['horizon'][0]} » : un nombre de mois entier "
                            "(0 à 600) ; 6 mois retenus.", "Saisissez un nombre de mois, par exemple 6."))
    p.reference = date("date_reference", "Date de référence")
    typed_period = values.get("periode", ("", 0))[0]
    p.period = cell_text(typed_period)
    if isinstance(typed_period, dt.date | dt.datetime):
        shown = f"{_day(typed_period):%d/%m/%Y}"
        issues.append(error("CAT066", at("periode"), f"Période des relevés saisie comme une date ({shown}) : "
                            "les recettes portent des périodes en texte, aucune ne lui correspond ; relevés non établis.",
                            "Écrivez la période comme dans Recettes, en texte : 2026-T3, 2026-09 ou 2026-S2."))
        p.period = ""
    p.avails = (cell_text(values.get("dispo_territoire", ("", 0))[0]), cell_text(values.get("dispo_media", ("", 0))[0]),
                date("dispo_debut", "Disponibilités : du"), date("dispo_fin", "Disponibilités : au"))
    rates: dict[str, Decimal] = {}
    for key, _name, label, default, unit, _source in L.PARAMETERS:
        if unit != "%":
            continue
        typed = values.get(key, (None, 0))[0]
        rate = _number(typed, percent=True) if not _blank(typed) else Decimal(default)
        if rate is None or not ZERO <= rate <= 1:
            issues.append(error("CAT068", at(key), f"{label} : « {typed} » n'est pas un taux de 0 à 100 % ; "
                                f"{Decimal(default) * 100:.0f} % retenus.", "Saisissez un pourcentage (25 %)."))
            rate = Decimal(default)
        rates[key] = rate
    caps = PROTOCOL_2010
    p.caps = CommissionCaps(
        valid_from=caps.valid_from, source=caps.source + " (taux de l'onglet Paramètres)",
        flat={e: rates[key] for key, e in L.CAP_KEYS.items()},
        tv_small=rates["plafond_tv_petite"], tv_small_limit=caps.tv_small_limit,
        vod_brackets=tuple((upper, rates[f"plafond_vod_{i + 1}"]) for i, (upper, _) in enumerate(caps.vod_brackets)),
        vod_flat_above=caps.vod_flat_above, vod_flat_rate=rates["plafond_vod_3"])
    return p


def rights_from_grid(grid: list[list[object]], book: str = "",
                     data: Territories | None = None) -> tuple[list[ExchangedRight], list[Issue]]:
    """Rights from a range with its header row (``Droits[#All]`` passed to a UDF), as the
    workbook's reader reads the Droits table."""
    if not grid:
        return [], []
    headers = [cell_text(h) for h in grid[0]]
    width = len(headers)
    table = RawTable(L.TABLE_DROITS, L.SHEET_DROITS, L.HEADER_ROW, 1, headers,
                     [list(r[:width]) + [None] * (width - len(r)) for r in grid[1:]])
    issues: list[Issue] = []
    out = Catalogue(places=data or territories())
    read_rights(table, book, issues, out)
    return out.rights, issues


def read_windows(table: RawTable | None, book: str, issues: list[Issue]) -> dict[str, dict[Media, int]]:
    """Each partner's own windows of the chronologie (FenetresPartenaires), by partner as ``fold`` reads it."""
    out: dict[str, dict[Media, int]] = {}
    if table is None:
        return out
    index, letters = _cells(table, book)
    if not {"Partenaire", "Média", "Mois"} <= set(index):
        return out
    for i, row in enumerate(table.rows):
        partner, media_text = cell_text(row[index["Partenaire"]]), cell_text(row[index["Média"]])
        months = _number(row[index["Mois"]])
        if not partner and not media_text:
            continue
        media = Media.from_text(media_text)
        line = table.header_row + 1 + i
        if media is None or months is None or months != months.to_integral_value() or not 0 <= months <= 120:
            issues.append(error("CAT068", Location(book=book, sheet=table.sheet, cell=f"{letters['Partenaire']}{line}"),
                                f"Fenêtre de « {partner} » illisible (média « {media_text} », mois « "
                                f"{cell_text(row[index['Mois']])} ») : non appliquée.",
                                "Un média de la liste (SVOD, TV payante…) et un nombre de mois entier."))
            continue
        out.setdefault(fold(partner), {})[media] = int(months)
    return out


def release_date(value: object) -> dt.date | None:
    """A date cell as read (a date, a serial number, a text date); None when it is none of them."""
    found = typed_date(value)
    if found is not None:
        return found
    parsed = parse_date(value) if isinstance(value, str) and value.strip() else None
    return parsed[0] if parsed else None
