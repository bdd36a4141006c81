"""The import's mappings, as the workbook holds them: Correspondances (ledger account prefix ->
devis account, country, or « exclu ») and ColonnesImport (a CSV export's headers)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from xlprod.core.cells import cell_text
from xlprod.core.issues import Issue, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import format_eur
from xlprod.core.text import fold, plural
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.ledger import (
    CSV_FIELDS,
    DEFAULT_CSV_MAPPING,
)
from xlprod.kinds.depenses.recalc import table
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import WorkbookPort

CHARGES = "6"  # the class of charge accounts in the French chart of accounts (PCG)


# charges of the year-end closing, not of the production: depreciation and provisions (68: the film's own
# amortisation among them), income tax and employee profit-sharing (69)
CLOSING = ("68", "69")


EXCLUDED = "exclu"  # a correspondence's « Compte devis » that leaves its accounts out of the expenses
LABEL_HEADER = "Libellé contient"  # a correspondence for the lines of its account whose label contains this text
_LIGATURES = str.maketrans({"’": "'", "‘": "'", "œ": "oe", "æ": "ae"})


def label_fold(text: str) -> str:
    """A label as a « Libellé contient » text is looked for in it: case, accents, typographic apostrophes and
    ligatures aside (« CHEF D’EQUIPE », « manœuvre »)."""
    return fold(text.translate(_LIGATURES)).translate(_LIGATURES)


@dataclass(frozen=True)
class Mapping:
    """Ledger account prefixes -> devis accounts: the longest prefix that decides wins. A row whose Compte devis
    is blank (one an import proposed, not filled in yet) decides nothing: a shorter prefix's devis account or
    « exclu » applies; with none, the account is counted, « à affecter ». A row with a « Libellé contient » text
    found in a line's label decides that line's devis account before any row without one (``for_line``)."""

    prefixes: dict[str, str]  # ledger account prefix -> devis account ("" : counted, à affecter; or EXCLUDED)
    countries: dict[str, str] = field(default_factory=dict)  # ledger account prefix -> country of the spend
    rows: dict[str, int] = field(default_factory=dict)  # ledger account prefix -> its row in the sheet
    column: str = "A"  # the sheet's column of « Compte général », where a row is shown
    # ledger account prefix -> (a text its lines' labels contain, folded; devis account; country), in table order:
    # a payroll's single 6411 shared between the devis lines by the crew's jobs
    labelled: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)

    _seen: dict[tuple[int, str], str | None] = field(default_factory=dict, compare=False, repr=False)
    _rules: dict[str, list[tuple[int, str, str, str, re.Pattern[str]]]] = field(default_factory=dict, compare=False,
                                                                             repr=False)

    def _longest(self, table: dict[str, str], ledger: str) -> str | None:
        """The value of the longest prefix with one that is not blank; "" when only blank ones match."""
        key = (id(table), ledger)  # a FEC repeats its accounts: each is looked up once
        if key in self._seen:
            return self._seen[key]
        found = None
        for n in range(len(ledger), 0, -1):
            value = table.get(ledger[:n])
            if value:
                found = value
                break
            if value is not None:
                found = ""
        self._seen[key] = found
        return found

    def devis_account(self, ledger: str) -> str | None:
        """The devis account the prefixes give; "" (« à affecter ») when only blank rows match; None when no
        prefix matches, or when the one that decides leaves them out."""
        found = self._longest(self.prefixes, ledger)
        return None if found == EXCLUDED else found

    def ruled(self, ledger: str) -> bool:
        """Whether a row with a « Libellé contient » may give the account's lines another devis account."""
        return bool(self._rules_of(ledger))

    def _rules_of(self, ledger: str) -> list[tuple[int, str, str, str, re.Pattern[str]]]:
        if ledger not in self._rules:  # a text is looked for at the start of a word: « son » is not in « personnel »
            self._rules[ledger] = [(n, text, devis, country, re.compile(rf"(?<![a-z0-9]){re.escape(text)}"))
                                   for n in range(len(ledger), 0, -1)
                                   for text, devis, country in self.labelled.get(ledger[:n], ())]
        return self._rules[ledger]

    def for_line(self, ledger: str, label: str) -> tuple[str | None, str]:
        """(devis account, country) of a line: a row whose prefix matches and whose text the label contains decides
        over every row without one (a default filled in on the whole account takes the lines no text names); among
        them, the longest prefix, then the longest text (« chef opérateur du son » before « chef opérateur »),
        then table order."""
        rules = self._rules_of(ledger)
        if rules:
            folded = label_fold(label)
            found = [(n, len(text), -k, devis, country) for k, (n, text, devis, country, pattern) in enumerate(rules)
                     if text in folded and pattern.search(folded)]
            if found:
                *_, devis, country = max(found)
                return devis, country or self.country(ledger)
        return self.devis_account(ledger), self.country(ledger)

    def excluded(self, ledger: str) -> bool:
        """Whether the correspondence that decides for the account says « exclu »."""
        return self._longest(self.prefixes, ledger) == EXCLUDED

    def proposable(self, ledger: str) -> bool:
        """Whether an import proposes the account, when its lines are left « à affecter »: a charge waiting in no
        blank row of its own."""
        return proposed(ledger) and self.waiting(ledger) is None

    def waiting(self, ledger: str) -> int | None:
        """The row of the longest blank correspondence of three characters or more of an account no other one
        decides (a proposal not filled in yet), or None: a chart's class row (« 6 ») pasted blank is no place
        to give the devis account of every charge."""
        if self._longest(self.prefixes, ledger) != "":
            return None
        return next((self.rows.get(ledger[:n]) for n in range(len(ledger), 2, -1) if ledger[:n] in self.prefixes), None)

    def country(self, ledger: str) -> str:
        """The country the correspondences give the account (a coproduction's foreign accounts), or ""."""
        return self._longest(self.countries, ledger) or ""

    def is_expense(self, ledger: str) -> bool:
        """A charge (class 6) but the closing's (68, 69), or an account a correspondence names (a closing's by a
        devis account only); one that says « exclu » leaves its accounts out, a longer one brings some back."""
        found = self._longest(self.prefixes, ledger)
        closing = ledger.startswith(CLOSING)
        if found is not None and not (closing and found == ""):  # a blank row (a chart pasted) brings none back
            return found != EXCLUDED
        return ledger.startswith(CHARGES) and not closing


_EXCLUDED_WORDS = frozenset({"hors suivi", "hors cout", "non suivi"})  # and « exclu », « Exclue », « exclus »…


def read_mapping(book: WorkbookPort, issues: list[Issue] | None = None) -> Mapping:
    """The Correspondances table; a ledger account given twice keeps its first row, and a later row that
    says otherwise is said (DEP037) in ``issues``: the last used to win without a word."""
    t = table(book, L.TABLE_CORRESPONDANCES, L.SHEET_CORRESPONDANCES)
    if "Compte général" not in t.headers or "Compte devis" not in t.headers:
        raise WorkbookError(Location(book=book.book_name, sheet=t.sheet), "le tableau Correspondances n'a pas ses "
                            "colonnes Compte général et Compte devis", "Rétablissez-les (xlprod new depenses).")
    g, d = t.headers.index("Compte général"), t.headers.index("Compte devis")
    c = t.headers.index("Pays") if "Pays" in t.headers else None
    x = t.headers.index(LABEL_HEADER) if LABEL_HEADER in t.headers else None
    prefixes: dict[str, str] = {}
    countries: dict[str, str] = {}
    labelled: dict[str, list[tuple[str, str, str]]] = {}
    first: dict[str, int] = {}
    unused: list[tuple[int, str, str]] = []  # (row, ledger account, devis account) of rows a first one overrides
    refused: list[int] = []  # rows with a label's text and « exclu » or no devis account: a label chooses a line only
    row = t.header_row + 1
    for i, r in enumerate(t.rows):
        ledger, devis, country = cell_text(r[g]), cell_text(r[d]), cell_text(r[c]) if c is not None else ""
        if fold(devis).rstrip(". ").startswith("exclu") or fold(devis) in _EXCLUDED_WORDS:
            devis = EXCLUDED
        if not ledger:
            continue
        text = label_fold(cell_text(r[x])) if x is not None else ""
        if text:
            if devis and devis != EXCLUDED:
                labelled.setdefault(ledger, []).append((text, devis, country))
            else:
                refused.append(row + i)
            continue
        if ledger in first:
            if not devis:  # decides nothing (an import's proposal): at most the country the first row lacks
                if country and ledger not in countries:
                    countries[ledger] = country
                continue
            if not prefixes[ledger]:  # the first row decided nothing (a proposal above the user's row): this one does
                first[ledger], prefixes[ledger] = i, devis
                if country:
                    countries[ledger] = country
                continue
            if (devis, country) != (prefixes[ledger], countries.get(ledger, "")):
                unused.append((row + i, ledger, devis))
            continue
        first[ledger] = i
        prefixes[ledger] = devis
        if country:
            countries[ledger] = country
    if unused and issues is not None:  # one message: a chart pasted twice is one fact
        at, ledger, devis = unused[0]
        shown = " ; ".join(f"{a} ligne {n} ({d or 'à affecter'}, la ligne {row + first[a]} dit "
                           f"{prefixes[a] or 'à affecter'})" for n, a, d in unused[:5])
        more = f" ; et {plural(len(unused) - 5, 'autre')}" if len(unused) > 5 else ""
        issues.append(warning(
            "DEP037", Location(book=book.book_name, sheet=t.sheet, cell=f"{column_letter(t.first_col + g)}{at}"),
            f"{plural(len(unused), 'ligne')} de Correspondances pour un compte général déjà donné plus haut, qui "
            f"{'ne servent' if len(unused) > 1 else 'ne sert'} pas : {shown}{more}.",
            "Un compte général va à un seul compte du devis : ouvrez un sous-compte par ligne du devis dans la "
            "comptabilité, ou supprimez les lignes en trop."))
    mapping = Mapping(prefixes, countries, {a: row + n for a, n in first.items()},
                      column_letter(t.first_col + g), labelled)
    # a text chooses among an account's lines: it brings in none that « exclu » leaves out
    refused += [row + i for i, r in enumerate(t.rows) if x is not None and label_fold(cell_text(r[x])) and
                cell_text(r[d]) and cell_text(r[g]) and mapping.excluded(cell_text(r[g]))]
    refused = sorted(set(refused))
    if refused and issues is not None:
        col = column_letter(t.first_col + (x if x is not None else g))
        issues.append(warning(
            "DEP050", Location(book=book.book_name, sheet=t.sheet, cell=f"{col}{refused[0]}"),
            f"{plural(len(refused), 'ligne')} de Correspondances avec un « {LABEL_HEADER} » mais sans compte du devis, "
            f"ou « exclu », ou sur un compte « exclu » : {'ignorées' if len(refused) > 1 else 'ignorée'} "
            f"({'lignes' if len(refused) > 1 else 'ligne'} "
            f"{', '.join(str(n) for n in refused[:10])}{' …' if len(refused) > 10 else ''}).",
            "Un libellé choisit le compte du devis des lignes d'un compte général ; « exclu » se donne sur une ligne "
            "sans libellé, pour le compte entier."))
    return mapping


def read_columns(book: WorkbookPort) -> dict[str, str]:
    """The CSV columns saved in ColonnesImport; a field unknown, given twice, or two fields on one
    column is refused at its cell."""
    t = book.table(L.TABLE_COLONNES)
    if t is None or "Champ" not in t.headers or "Colonne du fichier" not in t.headers:
        return dict(DEFAULT_CSV_MAPPING)
    f, c = t.headers.index("Champ"), t.headers.index("Colonne du fichier")
    out: dict[str, str] = {}
    used: dict[str, str] = {}
    for i, r in enumerate(t.rows):
        name, header = cell_text(r[f]), cell_text(r[c])
        if not name or not header:
            continue
        where = Location(book=book.book_name, sheet=t.sheet, cell=f"{column_letter(t.first_col + f)}{t.header_row + 1 + i}")
        field_name = name.lower()
        if field_name not in CSV_FIELDS:
            raise WorkbookError(where, f"champ « {name} » inconnu dans ColonnesImport",
                                f"Les champs sont : {', '.join(CSV_FIELDS)}.")
        if field_name in out:
            raise WorkbookError(where, f"champ « {name} » donné deux fois dans ColonnesImport",
                                "Gardez une seule ligne par champ.")
        if fold(header) in used:
            raise WorkbookError(where, f"la colonne « {header} » est donnée à deux champs ({used[fold(header)]} et "
                                f"{field_name})", "Une colonne du fichier ne remplit qu'un champ.")
        out[field_name] = header
        used[fold(header)] = field_name
    where = Location(book=book.book_name, sheet=t.sheet, cell=f"{column_letter(t.first_col)}{t.header_row}")
    if "amount" in out and ({"debit", "credit"} & set(out)):
        raise WorkbookError(where, "ColonnesImport donne à la fois le montant (amount) et débit/crédit",
                            "Gardez soit la ligne amount, soit les lignes debit et credit.")
    if "amount" not in out and not {"debit", "credit"} <= set(out):
        raise WorkbookError(where, "ColonnesImport ne donne ni la colonne du montant (amount) ni les deux colonnes "
                            "debit et credit", "Ajoutez la ligne amount (par exemple « Montant HT »), ou les lignes "
                            "debit et credit.")
    for required in ("date", "label"):
        if required not in out:
            raise WorkbookError(where, f"ColonnesImport ne donne pas la colonne du champ {required}",
                                f"Ajoutez la ligne {required} avec l'en-tête de votre fichier.")
    return out


class Proposal(NamedTuple):
    """Where an import's proposed accounts went: the cells of the accounts added, or the place that kept them out
    and why."""

    added: Location | None
    first_row: int = 0
    last_row: int = 0
    blocked: Location | None = None
    why: str = ""


LABEL_SHOWN = 80  # characters of an account's label quoted in a proposal's Observations


def shown_label(text: str) -> str:
    """A label as a proposal quotes it: on one line, and short."""
    label = " ".join(text.split())
    return label if len(label) <= LABEL_SHOWN else label[:LABEL_SHOWN - 1] + "…"


def proposed(ledger: str) -> bool:
    """An account worth proposing: a charge of the production (class 6, not the closing's), named at least by its
    class and two digits, so that its blank row never brings another account in nor hides a later one."""
    return len(ledger) >= 3 and ledger.startswith(CHARGES) and not ledger.startswith(CLOSING)


def propose_accounts(book: WorkbookPort, unmapped: dict[str, tuple[int, Decimal]], labels: dict[str, str],
                     file_name: str, now: dt.datetime) -> Proposal:
    """Append to Correspondances a row for each ledger account that left rows « à affecter », its Compte devis
    blank for the user to fill in: a first FEC in a new workbook names every account of the production's chart,
    which nobody should have to type again. Its Observations say what it held, a note that stays true once the
    row is filled in."""
    t = table(book, L.TABLE_CORRESPONDANCES, L.SHEET_CORRESPONDANCES)
    g = t.headers.index("Compte général")
    when = f"{now:%d/%m/%Y}"
    rows: list[list[object]] = []
    for account in sorted(unmapped):
        count, total = unmapped[account]
        said = labels.get(account, "")
        values = {"Compte général": account, "Observations": (f"{said} — " if said else "") + (
            f"proposé par l'import de {file_name} le {when} : {plural(count, 'dépense')} à affecter, {format_eur(total)}")}
        rows.append([values.get(h) for h in t.headers])
    col = column_letter(t.first_col + g)
    after = book.add_table_rows(t, rows)
    if after is not None:
        last = after.header_row + len(after.rows)
        first = last - len(rows) + 1
        return Proposal(Location(book=book.book_name, sheet=t.sheet, cell=f"{col}{first}"), first, last)
    end = t.header_row + len(t.rows)
    below = [c for c in book.cells_below(t) if c.row <= end + len(rows)]  # in the way, not a note further down
    if below:
        return Proposal(None, blocked=Location(book=book.book_name, sheet=t.sheet,
                                               cell=f"{column_letter(below[0].col)}{below[0].row}"),
                        why="cellule occupée sous la table")
    blank = len(t.rows) == 1 and all(v in (None, "") for v in t.rows[0])  # a new table's row: the first taken
    return Proposal(None, blocked=Location(book=book.book_name, sheet=t.sheet, cell=f"{col}{end if blank else end + 1}"),
                    why="la table a une ligne de totaux, ou des cellules fusionnées là où iraient ses nouvelles lignes")
