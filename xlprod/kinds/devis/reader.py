"""From raw Devis table cells and named parameter cells to a ``Budget``, with located issues.

Lenient where the reading is certain (``1 234,56`` typed as text, ``X`` in a tag column, a
category in capitals), in which case the cell is normalised in the workbook too, so that the
workbook's own formulas see what Python saw. Strict everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import cache
from itertools import repeat
from operator import itemgetter
from typing import Any, cast

from pydantic import TypeAdapter
from pydantic_core import ArgsKwargs

from xlprod.cnc.payroll import PayrollCategory, component_populations, lookup_category
from xlprod.cnc.reference import FORM_VERSIONS
from xlprod.core.cells import EmptyTextResult, FormulaValue, NameFormula, UncachedFormula, evaluate_arithmetic
from xlprod.core.issues import Issue, error, has_errors, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import ONE, ZERO, french_number, from_double
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.model import Budget, BudgetLine, BudgetParameters, Protocol, TableRef, Tag, Unit
from xlprod.kinds.devis.parameters import ParameterSpec, default_parameters
from xlprod.workbook.port import OutsideCell, RawTable

UNIT_ALIASES = {fold(u.value): u for u in Unit} | {
    "j": Unit.JOUR, "jours": Unit.JOUR, "sem": Unit.SEMAINE, "semaines": Unit.SEMAINE, "sem.": Unit.SEMAINE,
    "ff": Unit.FORFAIT, "forf": Unit.FORFAIT, "forf.": Unit.FORFAIT, "h": Unit.HEURE, "heures": Unit.HEURE,
    "u": Unit.UNITE, "unite": Unit.UNITE, "unites": Unit.UNITE, "cachets": Unit.CACHET, "nuits": Unit.NUIT,
    "nuitee": Unit.NUIT, "nuitees": Unit.NUIT, "repas": Unit.REPAS, "mois": Unit.MOIS,
}
YES_WORDS = {"oui", "o", "x", "1", "vrai", "true", "yes", "y"}
NO_WORDS = {"non", "n", "0", "faux", "false", "no", "-"}


@cache
def lookup_unit(text: str) -> Unit | None:
    return UNIT_ALIASES.get(fold(text))


_PROTOCOL_ALIASES = {fold(p.value): p for p in Protocol} | {
    "producteur": Protocol.PRODUCER, "producteur delegue": Protocol.PRODUCER,
    "remuneration du producteur": Protocol.PRODUCER, "remuneration du producteur delegue": Protocol.PRODUCER,
    "ff": Protocol.FINANCIAL, "financier": Protocol.FINANCIAL, "frais financier": Protocol.FINANCIAL,
    "aucun": Protocol.NONE, "cout du film": Protocol.NONE,
} | {word: Protocol.NONE for word in NO_WORDS}


@cache
def lookup_protocol(text: str) -> Protocol | None:
    return Protocol.NONE if text.strip() == "-" else _PROTOCOL_ALIASES.get(fold(text))


@cache
def folded_word(text: str) -> str:
    return fold(text)


@dataclass
class DevisRead:
    budget: Budget | None
    issues: list[Issue] = field(default_factory=list)
    fixes: dict[tuple[int, int], object] = field(default_factory=dict)  # (row, col) -> normalised value


def _all_of_type(values: list[object], kind: type) -> bool:
    return set(map(type, values)) == {kind}


def _same_default(raw: object, spec: ParameterSpec) -> bool:
    """A name holding exactly the default of a parameter this version added (no room for its row)."""
    if not spec.since or spec.default is None:
        return False
    try:
        return Decimal(str(raw)) == spec.default
    except ArithmeticError:
        return False


def _blank(raw: object) -> bool:
    """Blank as a formula sees it: empty, spaces, ="" (calculated or not)."""
    if raw is None or isinstance(raw, EmptyTextResult):
        return True
    if isinstance(raw, UncachedFormula):
        return raw.strip() == '""'
    return isinstance(raw, str) and not raw.strip()


def _yes_no_word(value: object) -> str:
    """The word a oui/non cell says: « - » alone is « non »; folding drops dashes, so « -1 » is
    kept as typed (unknown) rather than read as « 1 »."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    text = _text(value)
    if text.startswith("-"):
        return "-" if text == "-" else text
    return folded_word(text)


def _quoted(raw: object) -> str:
    """A cell's value as a message shows it: French numbers, booleans as Excel shows them, long text cut."""
    if isinstance(raw, bool):
        return "VRAI" if raw else "FAUX"
    if isinstance(raw, float | int):
        return french_number(from_double(float(raw)))
    text = str(raw).strip()
    return f"« {text[:60]}… »" if len(text) > 60 else f"« {text} »"


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


_SLOW = object()  # a cell the fast column pass leaves to the per-cell checks
_NUMBER_FIELDS = frozenset({"quantity", "number", "unit_rate", "france_share"})
# beyond these, a value is a typing accident (a line of 10 billion €), and would overflow exact arithmetic
_LIMITS = {"quantity": 1e6, "number": 1e6, "unit_rate": 1e9, "france_share": 1e3}
_MAX_AMOUNT = Decimal(10) ** 10  # a parameter in euros (the tax-credit ceiling is 30 M€)
_LINES = TypeAdapter(tuple[BudgetLine, ...])
_BLANKS = (None, "")
_UNITS: dict[object, Unit | None] = {u.value: u for u in Unit} | dict.fromkeys(_BLANKS)
_CATEGORIES: dict[object, PayrollCategory | None] = {c.value: c for c in PayrollCategory} | dict.fromkeys(_BLANKS)
# position of a field in a row, so that issues come out line by line, left to right
_RANK = {f: i for i, f in enumerate(("account", "quantity", "number", "unit_rate", "france_share", "unit", "category"))}


class _TableReader:
    """Reads the table column by column.

    The usual cell (a number, a clean account code, a unit or category from the list) costs one
    test in a comprehension; every other cell goes through the per-cell checks, which know the
    row and field, locate the issue and record the normalisation.
    """

    def __init__(self, table: RawTable, ref: TableRef, cols: dict[str, int], out: DevisRead) -> None:
        self.table, self.ref, self.cols, self.out = table, ref, cols, out
        self.first_row = table.header_row + 1
        self.rows = table.rows  # as wide as the headers (RawTable pads them)
        self.issues: list[tuple[int, int, Issue]] = []  # (row, rank, issue), sorted at the end

    def issue(self, row: int, fld: str, issue: Issue) -> None:
        self.issues.append((row, _RANK.get(fld, len(_RANK)), issue))

    def fix(self, row: int, fld: str, value: object) -> None:
        self.out.fixes[(row, self.table.first_col + self.cols[fld])] = value

    def column(self, fld: str) -> list[object]:
        """Raw values of a field; an empty cell may be ``None`` or ``""`` depending on the reader."""
        idx = self.cols.get(fld)
        if idx is None:
            return [None] * len(self.rows)
        return list(map(itemgetter(idx), self.rows))

    def read(self) -> tuple[BudgetLine, ...]:
        if self.table.specials:
            self.special_cells()
        rows = range(self.first_row, self.first_row + len(self.rows))
        quantity, blank_q = self.numbers("quantity", "Quantité", ZERO)
        number, blank_n = self.numbers("number", "Nombre", ZERO)
        unit_rate, _ = self.numbers("unit_rate", "Taux unitaire", ZERO)
        france_share, _ = self.numbers("france_share", "Part France", ONE)
        categories, category_texts = self.categories()
        columns = {
            "row": rows, "account": self.accounts(), "label": self.texts("label"), "quantity": quantity,
            "number": number, "unit_rate": unit_rate, "unit": self.units(), "category": categories,
            "category_text": category_texts, "france_share": france_share, "tags": self.tags(),
            "tax_credit": self.tax_credit(), "protocol": self.protocol(),
            "note": self.texts("note"), "blank_quantity": blank_q, "blank_number": blank_n,
        }
        ordered = [columns[f.name] for f in fields(BudgetLine)]
        # one validation call for the whole table (positional arguments, row by row): a fifth
        # faster than building the lines one by one
        lines = _LINES.validate_python(list(map(ArgsKwargs, zip(*ordered, strict=True))))
        self.issues.sort(key=lambda item: item[:2])
        self.out.issues += [issue for _, _, issue in self.issues]
        return lines

    def special_cells(self) -> None:
        """Excel errors and formulas never calculated: located, and never read as blanks."""
        by_index = {i: fld for fld, i in self.cols.items()}
        for (i, j), marker in sorted(self.table.specials.items()):
            fld = by_index.get(j)
            if fld is None or fld in L.COMPUTED_FIELDS:  # xlprod's own cells: rewritten, whatever they show
                continue
            row, where = self.first_row + i, self.ref.where(self.first_row + i, fld)
            label = L.COLUMN_BY_FIELD[fld].header if fld in L.COLUMN_BY_FIELD else fld
            if isinstance(marker, EmptyTextResult):
                if fld not in _NUMBER_FIELDS:
                    self.rows[i][j] = None  # "" from a formula: blank for text, as for the workbook's SUMIFS
                continue  # in a number column: refused by the number reader (""*x is #VALUE!)
            shared = isinstance(marker, UncachedFormula) and marker.shared  # its text lives elsewhere: never rewritten
            value = evaluate_arithmetic(marker) if isinstance(marker, UncachedFormula) and fld in _NUMBER_FIELDS \
                and not shared else None
            if fld in _NUMBER_FIELDS and value is None:
                continue  # left in place: the number reader refuses it with the same words, at its cell
            self.rows[i][j] = value
            if value is not None:
                self.out.fixes[(row, self.table.first_col + j)] = FormulaValue(str(marker), value)
                self.issue(row, fld, warning(
                    "DEV012", where, f"{label} : la formule ={marker} n'avait jamais été calculée ; "
                    f"xlprod l'a évaluée à {french_number(value)}.",
                    "Rien à faire : la valeur calculée est enregistrée avec la formule.",
                ))
            elif isinstance(marker, UncachedFormula):
                self.issue(row, fld, error(
                    "DEV010", where, f"{label} : la formule ={marker or '(partagée)'} n'a jamais été calculée "
                    "(fichier écrit par un programme) ; sa valeur est inconnue.",
                    "Ouvrez le classeur dans Excel ou LibreOffice, enregistrez-le, puis relancez le recalcul.",
                ))
            else:
                self.issue(row, fld, error(
                    "DEV010", where, f"{label} : la cellule affiche l'erreur Excel {marker}.",
                    "Corrigez la formule de la cellule ou saisissez une valeur.",
                ))

    def numbers(self, fld: str, label: str, default: Decimal) -> tuple[list[Decimal], list[bool]]:
        raw = self.column(fld)
        limit = _LIMITS[fld]
        # the usual column: plausible numbers only
        if _all_of_type(raw, float) and all(map(limit.__gt__, map(abs, cast(list[float], raw)))):
            return list(map(from_double, raw)), [False] * len(raw)
        values: list[Any] = [from_double(v) if type(v) is float and abs(v) < limit
                             else default if v is None or v == "" else _SLOW for v in raw]
        blanks = [v is None or v == "" for v in raw]  # a float is never equal to ""
        for i in [i for i, v in enumerate(values) if v is _SLOW]:
            values[i], blanks[i] = self.number(raw[i], self.first_row + i, fld, label, default)
        return values, blanks

    def number(self, raw: object, row: int, fld: str, label: str, default: Decimal) -> tuple[Decimal, bool]:
        if raw is None:
            return default, True
        if isinstance(raw, str) and not raw.strip():  # spaces only: blank for Python, #VALUE! for a formula
            self.fix(row, fld, None)
            self.issue(row, fld, warning(
                "DEV011", self.ref.where(row, fld), f"{label} : cellule ne contenant que des espaces, vidée.",
                "Rien à faire.",
            ))
            return default, True
        parsed = parse_number(raw)
        where = self.ref.where(row, fld)
        if parsed.problem:
            self.issue(row, fld, error(
                "DEV010", where, f"{label} : {parsed.problem}.",
                "Saisissez un nombre (par exemple 1 234,56) ; tant que la cellule est refusée, xlprod ne met pas "
                "à jour les totaux du classeur.",
            ))
            return default, False
        if parsed.value is None:
            return default, True
        if not abs(parsed.value) < _LIMITS[fld]:
            self.issue(row, fld, error(
                "DEV016", where, f"{label} : {french_number(parsed.value)} dépasse toute valeur plausible "
                f"(au plus {french_number(Decimal(_LIMITS[fld]))}).",
                "Vérifiez la saisie (un séparateur décimal oublié, une valeur collée dans la mauvaise colonne) ; "
                "tant que la cellule est refusée, xlprod ne met pas à jour les totaux du classeur.",
            ))
            return default, False
        if parsed.from_text:
            self.fix(row, fld, parsed.value)
            self.issue(row, fld, warning(
                "DEV011", where, f"{label} : nombre saisi comme texte (« {raw} »), converti en nombre "
                f"({french_number(parsed.value)}).",
                "Rien à faire : la cellule contient désormais un nombre.",
            ))
        return parsed.value, False

    def accounts(self) -> list[str]:
        raw = self.column("account")
        if _all_of_type(raw, str) and all(map(str.isdigit, cast(list[str], raw))):  # clean codes: nothing to normalise
            return cast(list[str], raw)
        out: list[Any] = [v if type(v) is str and v.isdigit() else _SLOW for v in raw]
        for i in [i for i, v in enumerate(out) if v is _SLOW]:
            account = _text(raw[i]).replace(" ", "")
            if raw[i] not in (None, "") and account != raw[i]:
                self.fix(self.first_row + i, "account", account)
            out[i] = account
        return out

    def texts(self, fld: str) -> list[str]:
        raw = self.column(fld)
        if _all_of_type(raw, str):
            return list(map(str.strip, cast(list[str], raw)))
        return [v.strip() if type(v) is str else _text(v) for v in raw]

    def units(self) -> list[Unit | None]:
        raw = self.column("unit")
        out: list[Any] = list(map(_UNITS.get, raw, repeat(_SLOW)))
        for i in [i for i, v in enumerate(out) if v is _SLOW]:
            row, text = self.first_row + i, _text(raw[i])
            unit = lookup_unit(text) if text else None
            if text and unit is None:
                self.issue(row, "unit", warning(
                    "DEV023", self.ref.where(row, "unit"), f"Unité « {text} » inconnue.",
                    f"Choisissez dans la liste : {', '.join(L.UNITS)}.",
                ))
            elif unit is not None and unit.value != raw[i]:  # spaces too: SUMIFS compares the text exactly
                self.fix(row, "unit", unit.value)
            out[i] = unit
        return out

    def categories(self) -> tuple[list[PayrollCategory | None], list[str]]:
        raw = self.column("category")
        out: list[Any] = list(map(_CATEGORIES.get, raw, repeat(_SLOW)))
        texts = [""] * len(out)
        for i in [i for i, v in enumerate(out) if v is _SLOW]:
            row, text = self.first_row + i, _text(raw[i])
            category = lookup_category(text) if text else None
            if text and category is None:
                texts[i] = text  # kept: a line with an unknown category is not a line without one
                self.issue(row, "category", error(
                    "DEV021", self.ref.where(row, "category"), f"Catégorie de paie « {text} » inconnue : "
                    "aucune charge sociale n'est calculée pour cette ligne.",
                    f"Choisissez dans la liste : {', '.join(L.CATEGORIES)}.",
                ))
            elif category is not None and category.value != raw[i]:  # SUMIFS ignores case, not spaces
                self.fix(row, "category", category.value)
                if fold(text) != fold(category.value):  # an abbreviation read as a population: its charges change
                    self.issue(row, "category", warning(
                        "DEV025", self.ref.where(row, "category"), f"Catégorie de paie « {text} » lue "
                        f"« {category.value} » : la ligne est chargée au taux de cette population.",
                        f"Vérifiez ; sinon choisissez dans la liste : {', '.join(L.CATEGORIES)}.",
                    ))
            out[i] = category
        return out, texts

    def yes_no(self, fld: str, unknown: tuple[str, str], formulas_read_no: bool = False) -> dict[int, bool]:
        """Index -> True/False for the cells of a oui/non column that say so. The workbook's
        formulas compare with « oui » (and « non », where ``formulas_read_no``): « X », « Oui »,
        « 0 » are normalised in place."""
        said: dict[int, bool] = {}
        if fld not in self.cols:
            return said
        raw = self.column(fld)
        if raw.count("") + raw.count(None) == len(raw):  # the usual column: a few words at most
            return said
        for i in [i for i, v in enumerate(raw) if v is not None and v != ""]:
            row, value = self.first_row + i, raw[i]
            word = _yes_no_word(value)
            if word in YES_WORDS or word in NO_WORDS:
                said[i] = word in YES_WORDS
                if value != (L.YES if said[i] else L.NO) and (said[i] or formulas_read_no):
                    self.fix(row, fld, L.YES if said[i] else L.NO)
            else:
                header = L.COLUMN_BY_FIELD[fld].header
                self.issue(row, fld, warning("DEV050", self.ref.where(row, fld),
                                             f"{header} : valeur {_quoted(value)} non reconnue, {unknown[0]}.",
                                             unknown[1]))
        return said

    def tax_credit(self) -> list[bool | None]:
        said = self.yes_no("tax_credit", ("la ligne compte selon son compte",
                                          "Saisissez « oui » ou « non », ou laissez vide pour suivre le compte."), True)
        out: list[bool | None] = [None] * len(self.rows)
        for i, value in said.items():
            out[i] = value
        return out

    def protocol(self) -> list[Protocol | None]:
        """« rémunération producteur », « frais financiers », « non », or blank: as the account says."""
        out: list[Protocol | None] = [None] * len(self.rows)
        if "protocol" not in self.cols:
            return out
        raw = self.column("protocol")
        for i in [i for i, v in enumerate(raw) if v is not None and v != ""]:
            row, text = self.first_row + i, _text(raw[i])
            said = lookup_protocol(text) if not isinstance(raw[i], bool | int | float) else None
            if said is None:  # the Synthèse's formulas count it neither as producer pay nor as financial costs
                out[i] = Protocol.NONE
                self.issue(row, "protocol", warning(
                    "DEV050", self.ref.where(row, "protocol"),
                    f"Protocole : valeur {_quoted(raw[i])} non reconnue : la ligne n'est comptée ni comme rémunération "
                    "du producteur ni comme frais financiers.",
                    f"Choisissez dans la liste : {', '.join(L.PROTOCOL_VALUES)}, ou laissez vide pour suivre le compte.",
                ))
                continue
            out[i] = said
            if said.value != raw[i]:  # the Synthèse's SUMPRODUCT compares the text exactly, spaces included
                self.fix(row, "protocol", said.value)
        return out

    def tags(self) -> list[frozenset[Tag]]:
        found: dict[int, set[Tag]] = {}
        for tag in Tag:
            said = self.yes_no(f"tag:{tag.value}", ("ligne non comptée dans ce repère",
                                                    "Saisissez « oui » pour identifier la ligne, ou laissez la "
                                                    "cellule vide."))
            for i, value in said.items():
                if value:
                    found.setdefault(i, set()).add(tag)
        tags: list[frozenset[Tag]] = [frozenset()] * len(self.rows)
        for i, found_tags in found.items():
            tags[i] = frozenset(found_tags)
        return tags


def map_columns(table: RawTable, book: str) -> tuple[dict[str, int], list[Issue]]:
    by_fold = {fold(c.header): c for c in L.DEVIS_COLUMNS}
    cols: dict[str, int] = {}
    for i, header in enumerate(table.headers):
        spec = by_fold.get(fold(str(header or "")))
        if spec and spec.field not in cols:
            cols[spec.field] = i
    issues = []
    where = Location(book=book, sheet=table.sheet, cell=table.ref)
    for spec in L.DEVIS_COLUMNS:
        if spec.required and spec.field not in cols and spec.field not in L.NEW_FIELDS:  # those: structure says
            issues.append(error(
                "DEV041", where, f"Colonne « {spec.header} » absente du tableau {table.name}.",
                "Rétablissez la colonne avec cet en-tête exact (annulez la suppression ou le renommage), "
                "ou repartez d'un modèle : xlprod new devis.",
            ))
    return cols, issues


def column_renames(table: RawTable, book: str) -> dict[str, str]:
    """Contract header -> header as the table has it, where the user retyped it (case, accents)."""
    cols, _ = map_columns(table, book)
    return {L.COLUMN_BY_FIELD[f].header: table.headers[i] for f, i in cols.items()
            if table.headers[i] != L.COLUMN_BY_FIELD[f].header}


def read_parameters(named: dict[str, tuple[object, Location] | None],
                    book: str) -> tuple[BudgetParameters, list[Issue], dict[Location, object]]:
    """Parameters through their defined names, the very cells the workbook's formulas use."""
    issues: list[Issue] = []
    fixes: dict[Location, object] = {}
    values: dict[str, Decimal | None] = {}
    locations: dict[str, Location] = {}
    for spec in default_parameters():
        found = named.get(spec.name)
        default = spec.default or ZERO
        if found is None:
            issues.append(warning(
                "DEV042", Location(book=book, sheet=L.SHEET_PARAMETRES),
                f"Paramètre « {spec.label} » introuvable (nom {spec.name}) : valeur par défaut "
                f"{spec.value or '(vide)'} utilisée.",
                "Rétablissez la ligne dans le tableau Paramètres, ou repartez d'un modèle : xlprod new devis.",
            ))
            values[spec.key] = spec.default
            continue
        raw, loc = found
        locations[spec.key] = loc
        if loc.sheet is None and not isinstance(raw, NameFormula):  # a value in the name: used, and said
            shown = raw if raw not in (None, "") else "vide"
            if spec.since and (str(raw) in ('""', "") or _same_default(raw, spec)):
                issues.append(warning(  # a parameter this version adds, with no room for its row yet
                    "DEV042", loc, f"Paramètre « {spec.label} » ajouté par cette version de xlprod : pas de place sous "
                    f"le tableau Paramètres pour sa ligne ; valeur par défaut ({shown}) utilisée.",
                    "Libérez les lignes sous le tableau Paramètres (déplacez ce qui s'y trouve), puis relancez : la "
                    "ligne y sera ajoutée, modifiable.",
                ))
            else:
                issues.append(warning(
                    "DEV042", loc, f"Paramètre « {spec.label} » défini comme valeur fixe ({shown}) dans le nom "
                    f"{spec.name}, et non par une cellule du tableau Paramètres : cette valeur est utilisée.",
                    "Pour le voir et le modifier dans la feuille, rétablissez sa ligne dans le tableau Paramètres "
                    "(ou repartez d'un modèle : xlprod new devis).",
                ))
        if spec.optional and _blank(raw):
            values[spec.key] = None  # left blank (spaces, ="" too: the workbook's TRIM(...)="" says so): off
            continue
        parsed = parse_number(raw)
        problem = parsed.problem or ("valeur vide" if parsed.value is None else "")
        if not problem and parsed.value is not None and spec.is_rate and not spec.minimum <= parsed.value <= ONE:
            problem = f"{french_number(parsed.value)} n'est pas un taux entre {french_number(spec.minimum * 100)} % et 100 %"
        if not problem and not spec.is_rate and isinstance(raw, str) and "%" in raw:
            problem = f"« {raw.strip()} » est un pourcentage, et ce paramètre est un montant en euros"
        if not problem and parsed.value is not None and not spec.is_rate and not ZERO <= parsed.value < _MAX_AMOUNT:
            problem = f"{french_number(parsed.value)} n'est pas un montant en euros positif et plausible"
        if problem or parsed.value is None:
            issues.append(error(
                "DEV040", loc, f"{spec.label} : {problem} ; xlprod ne met pas à jour les totaux du classeur tant que la "
                "valeur est refusée.",
                _parameter_hint(spec, default),
            ))
            values[spec.key] = spec.default
            continue
        if parsed.from_text:
            fixes[loc] = parsed.value
            issues.append(warning(
                "DEV011", loc, f"{spec.label} : nombre saisi comme texte (« {raw} »), converti en nombre "
                f"({french_number(parsed.value)}).", "Rien à faire : la cellule contient désormais un nombre.",
            ))
        if parsed.formula:
            fixes[loc] = FormulaValue(parsed.formula, parsed.value)
            issues.append(warning(
                "DEV012", loc, f"{spec.label} : la formule ={parsed.formula} n'avait jamais été calculée ; "
                f"xlprod l'a évaluée à {french_number(parsed.value)}.",
                "Rien à faire : la valeur calculée est enregistrée avec la formule.",
            ))
        values[spec.key] = parsed.value

    def text(name: str) -> str:
        found = named.get(name)
        return _text(found[0]) if found else ""

    version = text("DEVIS_VERSION_FORMULAIRE") or "2018"
    found_version = named.get("DEVIS_VERSION_FORMULAIRE")
    if version not in FORM_VERSIONS and version.casefold() in FORM_VERSIONS:  # the workbook's IF ignores case
        version = version.casefold()
        if found_version and found_version[1].sheet:
            fixes[found_version[1]] = version
    if version not in FORM_VERSIONS:
        found = named.get("DEVIS_VERSION_FORMULAIRE")
        issues.append(warning(
            "DEV044", found[1] if found else Location(book=book, sheet=L.SHEET_PARAMETRES),
            f"Version de formulaire « {version} » inconnue : intitulés du formulaire 2018 utilisés.",
            "Choisissez 2018 ou classique.",
        ))
        version = "2018"
    params = BudgetParameters.from_values(
        values,
        form_version=version,
        title=text("PROJET_TITRE"),
        company=text("PROJET_SOCIETE"),
        locations=locations,
    )
    return params, issues, fixes


def _parameter_hint(spec: ParameterSpec, default: Decimal) -> str:
    if spec.components:  # the sum of a column of the ChargesPatronales table
        return (f"Ce taux est la somme de la colonne « {component_populations()[spec.components]} » du tableau "
                f"{L.TABLE_CHARGES} (à droite) : corrigez la composante fautive ; si le tableau a disparu (LibreOffice "
                "le perd quand on supprime une feuille du classeur), saisissez le taux dans la cellule (par exemple "
                f"{french_number(default * 100)} %) ou repartez d'un modèle : xlprod new devis.")
    if spec.optional:
        return "Saisissez un pourcentage (par exemple 2,1 %), ou laissez la cellule vide."
    if spec.is_rate:
        return "Saisissez un pourcentage, par exemple 7 % (et non 7)."
    return f"Saisissez un montant en euros, par exemple {french_number(default)}."


# an input refused: the value Python uses (blank, default) is not what the workbook's formulas see
REFUSED_CODES = frozenset({"DEV010", "DEV016", "DEV017", "DEV040", "DEV041", "DEV054"})

# a value typed here makes a row a budget line (an amount typed below the table too)
_COUNTED = ("account", "quantity", "number", "unit_rate", "amount", "france_amount")


def _shown(cell: OutsideCell) -> str:
    if cell.formula:
        return "(une formule)"
    if isinstance(cell.value, float) and not isinstance(cell.value, bool):
        return french_number(from_double(cell.value))
    return f"« {_text(cell.value)[:40]} »"


def outside_issues(cells: list[OutsideCell], table: RawTable, book: str) -> list[Issue]:
    """Content typed below the Devis table: LibreOffice and scripts do not extend a table, so
    these rows are not in the budget. Reported, one issue per row, never taken in silently."""
    cols, _ = map_columns(table, book)
    counted = {table.first_col + cols[f] for f in _COUNTED if f in cols}
    by_row: dict[int, list[OutsideCell]] = {}
    for cell in cells:
        by_row.setdefault(cell.row, []).append(cell)
    issues = []
    for row, found in sorted(by_row.items()):
        first = min(found, key=lambda c: c.col)
        where = Location(book=book, sheet=table.sheet, cell=f"{column_letter(first.col)}{row}")
        shown = ", ".join(f"{column_letter(c.col)}{row} {_shown(c)}" for c in sorted(found, key=lambda c: c.col))
        if any(c.col in counted and not c.formula for c in found):
            issues.append(error(
                "DEV045", where, f"Ligne {row} sous le tableau {table.name}, hors du tableau : elle n'est pas comptée "
                f"dans le devis ({shown}).",
                f"Insérez une ligne dans le tableau {table.name} (clic droit sur sa dernière ligne > Insérer > Lignes "
                "du tableau) et déplacez-y ces valeurs, ou effacez-les.",
            ))
        else:
            issues.append(warning(
                "DEV046", where, f"Ligne {row} sous le tableau {table.name} : ce contenu ({shown}) n'est pas compté "
                "dans le devis.",
                "Si c'est une ligne de dépense, placez-la dans le tableau ; si c'est une note ou un total de votre "
                "cru, rien à faire.",
            ))
    return issues


def read_devis(table: RawTable, params: BudgetParameters, book: str) -> DevisRead:
    cols, issues = map_columns(table, book)
    out = DevisRead(budget=None, issues=issues)
    if has_errors(issues):
        return out
    ref = TableRef(
        book=book, sheet=table.sheet, header_row=table.header_row,
        columns={fld: column_letter(table.first_col + i) for fld, i in cols.items()},
    )
    lines = _TableReader(table, ref, cols, out).read()
    out.budget = Budget(lines=lines, parameters=params, table=ref)
    return out
