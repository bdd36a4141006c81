"""From raw Devis table cells and named parameter cells to a ``Budget``, with located issues.

Lenient where the reading is certain (``1 234,56`` typed as text, ``X`` in a tag column, a
category in capitals), in which case the cell is normalised in the workbook too, so that the
workbook's own formulas see what Python saw. Strict everywhere else.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from dataclasses import dataclass, field
from decimal import Decimal

from xlprod.budget.model import Budget, BudgetLine, BudgetParameters, PayrollCategory, TableRef, Tag, Unit
from xlprod.budget.reference import FORM_VERSIONS, default_parameters
from xlprod.core.issues import Issue, error, has_errors, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import ONE, ZERO, french_number, from_excel
from xlprod.core.numbers import parse_number
from xlprod.workbook import devis_layout as L
from xlprod.workbook.port import RawTable


def fold(text: str) -> str:
    """Case-, accent- and space-insensitive form of a label, for matching what people type."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().replace("-", " ").replace("_", " ").split())


UNIT_ALIASES = {fold(u.value): u for u in Unit} | {
    "j": Unit.JOUR, "jours": Unit.JOUR, "sem": Unit.SEMAINE, "semaines": Unit.SEMAINE, "sem.": Unit.SEMAINE,
    "ff": Unit.FORFAIT, "forf": Unit.FORFAIT, "forf.": Unit.FORFAIT, "h": Unit.HEURE, "heures": Unit.HEURE,
    "u": Unit.UNITE, "unite": Unit.UNITE, "unites": Unit.UNITE, "cachets": Unit.CACHET, "nuits": Unit.NUIT,
    "nuitee": Unit.NUIT, "nuitees": Unit.NUIT, "repas": Unit.REPAS, "mois": Unit.MOIS,
}
CATEGORY_ALIASES = {fold(c.value): c for c in PayrollCategory} | {
    "techniciens": PayrollCategory.TECHNICIEN, "tech": PayrollCategory.TECHNICIEN,
    "intermittent": PayrollCategory.TECHNICIEN, "cadres": PayrollCategory.CADRE,
    "artiste": PayrollCategory.ARTISTE, "artistes": PayrollCategory.ARTISTE, "comedien": PayrollCategory.ARTISTE,
    "comedienne": PayrollCategory.ARTISTE, "acteur": PayrollCategory.ARTISTE, "actrice": PayrollCategory.ARTISTE,
    "figurants": PayrollCategory.FIGURANT, "figuration": PayrollCategory.FIGURANT,
    "cdi": PayrollCategory.PERMANENT, "permanents": PayrollCategory.PERMANENT,
    "auteurs": PayrollCategory.AUTEUR, "hors paie": PayrollCategory.NON_SALARIE,
    "prestataire": PayrollCategory.NON_SALARIE, "non salarie": PayrollCategory.NON_SALARIE,
}
YES_WORDS = {"oui", "o", "x", "1", "vrai", "true", "yes", "y"}
NO_WORDS = {"non", "n", "0", "faux", "false", "no", "-"}


@cache
def lookup_unit(text: str) -> Unit | None:
    return UNIT_ALIASES.get(fold(text))


@cache
def lookup_category(text: str) -> PayrollCategory | None:
    return CATEGORY_ALIASES.get(fold(text))


@cache
def folded_word(text: str) -> str:
    return fold(text)


@dataclass
class DevisRead:
    budget: Budget | None
    issues: list[Issue] = field(default_factory=list)
    fixes: dict[tuple[int, int], object] = field(default_factory=dict)  # (row, col) -> normalised value


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


class _RowReader:
    """Reads one table row; collects issues and normalisations with the exact cell of each."""

    FIELDS = ("account", "label", "quantity", "number", "unit_rate", "france_share", "unit", "category", "note")

    def __init__(self, table: RawTable, ref: TableRef, cols: dict[str, int], out: DevisRead) -> None:
        self.table, self.ref, self.cols, self.out = table, ref, cols, out
        self.tag_columns = [(tag, f"tag:{tag.value}", cols[f"tag:{tag.value}"]) for tag in Tag
                            if f"tag:{tag.value}" in cols]
        self.indexes = [cols.get(f) for f in self.FIELDS]

    def fix(self, row: int, fld: str, value: object) -> None:
        self.out.fixes[(row, self.table.first_col + self.cols[fld])] = value

    def number(self, raw: object, row: int, fld: str, label: str, default: Decimal) -> tuple[Decimal, bool]:
        if raw is None:
            return default, True
        if type(raw) is float:  # what calamine and xlwings give for a number: the common case
            return from_excel(raw), False
        parsed = parse_number(raw)
        where = self.ref.where(row, fld)
        if parsed.problem:
            self.out.issues.append(error(
                "DEV010", where, f"{label} : {parsed.problem}.",
                "Saisissez un nombre (par exemple 1 234,56) ; la ligne est comptée comme si la cellule était vide.",
            ))
            return default, True
        if parsed.value is None:
            return default, True
        if parsed.from_text:
            self.fix(row, fld, parsed.value)
            self.out.issues.append(warning(
                "DEV011", where, f"{label} : nombre saisi comme texte (« {raw} »), converti en nombre "
                f"({french_number(parsed.value)}).",
                "Rien à faire : la cellule contient désormais un nombre.",
            ))
        return parsed.value, False

    def read(self, row: int, values: list[object]) -> BudgetLine:
        width = len(values)
        raw_account, raw_label, raw_q, raw_n, raw_rate, raw_share, raw_unit_cell, raw_cat_cell, raw_note = (
            None if i is None or i >= width or values[i] == "" else values[i] for i in self.indexes)
        account = _text(raw_account).replace(" ", "")
        if raw_account is not None and account != raw_account:
            self.fix(row, "account", account)
        label = _text(raw_label)
        quantity, blank_q = self.number(raw_q, row, "quantity", "Quantité", ZERO)
        number, blank_n = self.number(raw_n, row, "number", "Nombre", ZERO)
        unit_rate, _ = self.number(raw_rate, row, "unit_rate", "Taux unitaire", ZERO)
        france_share, _ = self.number(raw_share, row, "france_share", "Part France", ONE)

        unit = None
        raw_unit = _text(raw_unit_cell)
        if raw_unit:
            unit = lookup_unit(raw_unit)
            if unit is None:
                self.out.issues.append(warning(
                    "DEV023", self.ref.where(row, "unit"), f"Unité « {raw_unit} » inconnue.",
                    f"Choisissez dans la liste : {', '.join(L.UNITS)}.",
                ))
            elif unit.value != raw_unit:
                self.fix(row, "unit", unit.value)

        category = None
        raw_cat = _text(raw_cat_cell)
        if raw_cat:
            category = lookup_category(raw_cat)
            if category is None:
                self.out.issues.append(error(
                    "DEV021", self.ref.where(row, "category"), f"Catégorie de paie « {raw_cat} » inconnue : "
                    "aucune charge sociale n'est calculée pour cette ligne.",
                    f"Choisissez dans la liste : {', '.join(L.CATEGORIES)}.",
                ))
            elif category.value.casefold() != raw_cat.casefold():
                self.fix(row, "category", category.value)

        tags = set()
        for tag, fld, idx in self.tag_columns:
            raw = values[idx] if idx < len(values) else None
            if raw is None or raw == "":
                continue
            word = folded_word(_text(raw)) if not isinstance(raw, bool) else ("oui" if raw else "non")
            if word in YES_WORDS:
                tags.add(tag)
                if not (isinstance(raw, str) and folded_word(raw) == L.YES):
                    self.fix(row, fld, L.YES)
            elif word not in NO_WORDS:
                self.out.issues.append(warning(
                    "DEV050", self.ref.where(row, fld), f"{tag.header} : valeur « {raw} » non reconnue, ligne non comptée.",
                    "Saisissez « oui » pour identifier la ligne, ou laissez la cellule vide.",
                ))
        return BudgetLine(
            row=row, account=account, label=label, quantity=quantity, number=number, unit_rate=unit_rate,
            unit=unit, category=category, category_text="" if category else raw_cat, france_share=france_share,
            tags=frozenset(tags), note=_text(raw_note),
            blank_quantity=blank_q, blank_number=blank_n,
        )


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
        if spec.required and spec.field not in cols:
            issues.append(error(
                "DEV041", where, f"Colonne « {spec.header} » absente du tableau {table.name}.",
                "Rétablissez la colonne avec cet en-tête exact (annulez la suppression ou le renommage), "
                "ou repartez d'un modèle : xlprod new devis.",
            ))
    return cols, issues


def read_parameters(named: dict[str, tuple[object, Location] | None], book: str) -> tuple[BudgetParameters, list[Issue], dict[Location, object]]:
    """Parameters through their defined names, the very cells the workbook's formulas use."""
    issues: list[Issue] = []
    fixes: dict[Location, object] = {}
    values: dict[str, Decimal] = {}
    locations: dict[str, Location] = {}
    for spec in default_parameters():
        found = named.get(spec.name)
        default = Decimal(spec.value)
        if found is None:
            issues.append(warning(
                "DEV042", Location(book=book, sheet=L.SHEET_PARAMETRES),
                f"Paramètre « {spec.label} » introuvable (nom {spec.name}) : valeur par défaut {spec.value} utilisée.",
                "Rétablissez la ligne dans le tableau Paramètres, ou repartez d'un modèle : xlprod new devis.",
            ))
            values[spec.key] = default
            continue
        raw, loc = found
        locations[spec.key] = loc
        parsed = parse_number(raw)
        if parsed.problem or parsed.value is None:
            issues.append(error(
                "DEV040", loc, f"{spec.label} : {parsed.problem or 'valeur vide'} ; la valeur par défaut "
                f"({spec.value}) est utilisée pour le calcul.",
                "Saisissez un pourcentage, par exemple 7 %.",
            ))
            values[spec.key] = default
            continue
        if parsed.from_text:
            fixes[loc] = parsed.value
        if not ZERO <= parsed.value <= ONE:
            issues.append(error(
                "DEV040", loc, f"{spec.label} : {french_number(parsed.value)} n'est pas un taux entre 0 % et 100 %.",
                "Saisissez un pourcentage, par exemple 7 % (et non 7).",
            ))
        values[spec.key] = parsed.value

    def text(name: str) -> str:
        found = named.get(name)
        return _text(found[0]) if found else ""

    version = text("DEVIS_VERSION_FORMULAIRE") or "2018"
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


def read_devis(table: RawTable, params: BudgetParameters, book: str) -> DevisRead:
    cols, issues = map_columns(table, book)
    out = DevisRead(budget=None, issues=issues)
    if has_errors(issues):
        return out
    ref = TableRef(
        book=book, sheet=table.sheet, header_row=table.header_row,
        columns={fld: column_letter(table.first_col + i) for fld, i in cols.items()},
    )
    reader = _RowReader(table, ref, cols, out)
    lines = tuple(reader.read(table.header_row + 1 + i, values) for i, values in enumerate(table.rows))
    out.budget = Budget(lines=lines, parameters=params, table=ref)
    return out
