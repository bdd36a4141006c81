"""« Recalculer le suivi des dépenses »: read the entries and the frozen versions, compute the cost
report and the final cost statement, check, and write every figure as a formula with its cached
value. Works on any ``WorkbookPort`` (a file or a book open in Excel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from xlprod.core.cells import cell_text, excel_date, from_serial
from xlprod.core.issues import Issue, Severity, error, warning
from xlprod.core.location import Location, column_letter, quote_sheet, split_cell
from xlprod.core.money import ZERO, format_eur, format_percent, french_number, from_double, to_excel
from xlprod.core.numbers import parse_number
from xlprod.core.text import plural
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.checks import check_cost_report
from xlprod.kinds.depenses.final_cost import FinalCost, compute_final_cost
from xlprod.kinds.depenses.model import Thresholds, Version
from xlprod.kinds.depenses.reader import (
    account_key,
    last_version_name,
    parse_date,
    read_entries,
    read_versions,
)
from xlprod.kinds.depenses.structure import formula_inputs, restore_names, restore_sheets, trim_versions
from xlprod.kinds.depenses.tracking import (
    CHAPTER_LABELS,
    CHAPTERS,
    Figures,
    TrackedLine,
    Tracking,
    compute_tracking,
    recommendations,
    tracking_status,
)
from xlprod.kinds.registry import Report
from xlprod.kinds.tables import input_table, restored_warnings, rows_below
from xlprod.workbook.controls import plan_controls
from xlprod.workbook.formulas import cells_referenced, shift_rows
from xlprod.workbook.port import RawTable, WorkbookPort, WritePlan
from xlprod.workbook.sheetxml import CellValue, CellWrite, ColumnWrite, SheetPatch


@dataclass(frozen=True)
class DepensesSummary:
    tracking: Tracking
    cost: FinalCost
    initial: str
    current: str
    entries: int
    provisional: bool = False
    note: str = ""  # what the action did before recalculating (a version frozen)
    devis_credit_base: Decimal = ZERO  # the current version's tax-credit base, before caps

    def headline(self) -> str:
        note = f"{self.note} ; " if self.note else ""
        if self.provisional:
            return note + "suivi non mis à jour (voir les erreurs)"
        t = self.tracking.total
        share = f" ({format_percent(t.variance / t.initial)})" if t.initial else ""
        return f"{note}coût final estimé {format_eur(t.efc)}, écart {_signed(t.variance)}{share}"

    def render(self) -> str:
        t, tr = self.tracking.total, self.tracking
        versions = (f"devis initial « {self.initial} », budget actuel « {self.current} »" if self.initial
                    else "aucune version du devis figée")
        lines = [f"Suivi des dépenses — {self.entries} écritures ; {versions}",
                 f"Devis initial {format_eur(t.initial)} ; budget actuel {format_eur(t.current)} ; engagé "
                 f"{format_eur(t.committed)} dont payé {format_eur(t.paid)}",
                 f"Coût final estimé {format_eur(t.efc)} ; écart {_signed(t.variance)} ; à affecter "
                 f"{format_eur(tr.unassigned.committed)} ; imprévus consommés {format_eur(tr.contingency_used)} sur "
                 f"{format_eur(tr.contingency)}"]
        over = tr.overruns(3)
        if over:
            lines.append("Dépassements : " + " ; ".join(f"{x.account} {short(x.label)} {_signed(x.figures.variance)}"
                                                         for x in over))
        saved = tr.savings(3)
        if saved:
            lines.append("Économies : " + " ; ".join(f"{x.account} {short(x.label)} {_signed(x.figures.variance)}"
                                                      for x in saved))
        lines += [f"  • {r.text}" for r in recommendations(tr)]
        lines.append(f"Coût définitif (protocole) {format_eur(self.cost.film_cost)} ; dépenses en France "
                     f"{format_eur(self.cost.france)}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        tr = self.tracking

        def money(d: Decimal) -> str:
            return f"{d:.2f}"

        def figures(f: Figures) -> dict[str, str]:
            return {"initial": money(f.initial), "current": money(f.current), "committed": money(f.committed),
                    "paid": money(f.paid), "to_complete": money(f.to_complete), "efc": money(f.efc),
                    "variance": money(f.variance)}

        c = self.cost

        def moved(x: TrackedLine) -> dict[str, object]:
            share = x.figures.variance_share
            return {"account": x.account, "label": x.label, "initial": money(x.figures.initial),
                    "current": money(x.figures.current), "efc": money(x.figures.efc),
                    "variance": money(x.figures.variance), "variance_share": f"{share:.4f}" if share is not None else None}

        return {
            "initial_version": self.initial, "current_version": self.current, "entries": self.entries,
            "total": figures(tr.total), "unassigned": money(tr.unassigned.committed),
            "france": money(tr.france), "contingency": money(tr.contingency),
            "contingency_used": money(tr.contingency_used),
            "chapters": {str(n): {**figures(tr.chapters[n]), "status": tr.chapter_status(n).value} for n in CHAPTERS},
            "lines": [{"account": x.account, "label": x.label, **figures(x.figures), "status": x.status.value}
                      for x in tr.lines],
            "overruns": [moved(x) for x in tr.overruns()],
            "savings": [moved(x) for x in tr.savings()],
            "chapters_over_budget": tr.chapters_over(),
            "recommendations": [{"kind": r.kind, "amount": money(r.amount), "text": r.text} for r in recommendations(tr)],
            "final_cost": {"subtotal": money(c.subtotal), "france": money(c.france), "film_cost": money(c.film_cost),
                           "protocol_base": money(c.protocol_base),
                           "producer_pay": {"actual": money(c.producer_pay), "cap": money(c.producer_pay_cap),
                                            "retained": money(c.producer_pay_retained)},
                           "overhead": {"declared": money(c.overhead), "cap": money(c.overhead_cap),
                                        "retained": money(c.overhead_retained)},
                           "financial_costs": {"actual": money(c.financial_costs),
                                               "cap": money(c.financial_costs_cap) if c.financial_cap_applies else None,
                                               "retained": money(c.financial_costs_retained)},
                           "tax_credit_base": money(c.tax_credit_base),
                           "tax_credit_base_devis": money(self.devis_credit_base),
                           "by_country": {k: money(v) for k, v in c.by_country.items()},
                           "deadline": c.deadline.isoformat() if c.deadline else None},
            "provisional": self.provisional,
        }


def short(label: str, width: int = 32) -> str:
    """A label cut at a word, with an ellipsis, for one-line summaries."""
    if len(label) <= width:
        return label
    cut = label[:width].rsplit(" ", 1)[0].rstrip(" —–-,(")
    return (cut or label[:width]) + "…"


def _signed(d: Decimal) -> str:
    return ("+" if d > 0 else "") + format_eur(d)


def table(book: WorkbookPort, name: str, sheet: str) -> RawTable:
    return input_table(book, name, sheet, L.KIND)


def _missing(book: WorkbookPort, t: RawTable, headers: tuple[str, ...]) -> list[Issue]:
    present = {str(x or "").strip() for x in t.headers}
    return [error("DEP011", Location(book=book.book_name, sheet=t.sheet, cell=f"A{t.header_row}"),
                  f"Colonne « {h} » absente du tableau {t.name} : les formules du suivi l'utilisent ; xlprod ne met pas "
                  "à jour le suivi.", "Annulez la suppression ou le renommage de la colonne, ou repartez d'un modèle : "
                  "xlprod new depenses.") for h in headers if h not in present]


@dataclass
class Parameters:
    thresholds: Thresholds
    version: str
    overhead: Decimal | None
    visa: dt.date | None


def read_parameters(book: WorkbookPort, issues: list[Issue], normalised: WritePlan) -> Parameters:
    def number(name: str, default: Decimal, label: str, rate: bool = False) -> Decimal | None:
        found = book.named_cell(name)
        if found is None or found[0] in (None, ""):
            return default
        raw, where = found
        parsed = parse_number(raw)
        problem = parsed.problem or ("" if parsed.value is not None else "valeur illisible")
        if not problem and rate and parsed.value is not None and not ZERO <= parsed.value <= 1:
            problem = f"{french_number(parsed.value)} n'est pas un taux entre 0 % et 100 %"
        if problem or parsed.value is None:
            issues.append(error("DEP014", where, f"{label} : {problem} ; le suivi n'est pas mis à jour.",
                                "Saisissez un nombre (par exemple 5 % ou 120 000)."))
            return default
        if parsed.from_text and where.sheet and where.cell and (cell := split_cell(where.cell)):
            normalised.sheet(where.sheet).set(*cell, CellWrite(to_excel(parsed.value)))
        return parsed.value

    default = Thresholds()
    watch = number("PARAM_SEUIL_ALERTE", default.watch, "Seuil « à surveiller »", rate=True) or default.watch
    overrun = number("PARAM_SEUIL_DEPASSEMENT", default.overrun, "Seuil « dépassement »", rate=True) or default.overrun
    overhead_found = book.named_cell("PARAM_FRAIS_GENERAUX")
    overhead = None if overhead_found is None or overhead_found[0] in (None, "") else number(
        "PARAM_FRAIS_GENERAUX", ZERO, "Frais généraux déclarés")
    visa = None
    found = book.named_cell("PARAM_DATE_VISA")
    if found is not None and found[0] not in (None, ""):
        raw, where = found
        if isinstance(raw, dt.datetime):
            visa = raw.date()
        elif isinstance(raw, dt.date):
            visa = raw
        elif isinstance(raw, float) and 1 <= raw < 2958466:
            visa = from_serial(raw)
        elif isinstance(raw, str) and (parsed := parse_date(raw)) is not None:
            visa = parsed
            if where.sheet and where.cell and (cell := split_cell(where.cell)):
                normalised.sheet(where.sheet).set(*cell, CellWrite(excel_date(parsed)))
        else:
            issues.append(error("DEP014", where, f"Date du visa : « {raw} » n'est pas une date ; le suivi n'est pas mis "
                                "à jour.", "Saisissez une date (par exemple 12/09/2027), ou laissez vide."))
    version = book.named_cell("PARAM_VERSION_ACTUELLE")
    return Parameters(Thresholds(watch=watch, overrun=overrun),
                      cell_text(version[0]) if version else "", overhead, visa)


@dataclass
class Typed:
    """The estimates to complete the user typed in the report's lines, by account: kept across runs.
    ``numbers`` are used; ``kept`` (text that is no number) is written back as typed, and the
    workbook's formula, like Python, then takes the default. ``formulas``: a formula the user
    typed there (``=Prévisions!B4``), written back as typed on its account's line, its result used
    when it is a number."""

    numbers: dict[str, Decimal]
    kept: dict[str, object]
    formulas: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # the row each formula was typed on
    # the Suivi cells each formula refers to, with the values it was calculated from (the file's)
    inputs: dict[str, dict[tuple[int, int], object]] = field(default_factory=dict)


def _shown_value(value: object) -> str:
    """What a formula's cell shows, as a message says it (an error shows nothing to a reader of values)."""
    return "elle n'affiche rien, ou une erreur" if value in (None, "") else f"elle affiche « {value} »"


def typed_to_complete(book: WorkbookPort, issues: list[Issue]) -> Typed:
    out = Typed({}, {})
    end = book.named_cell(L.LINES_END_NAME)
    try:
        last = int(float(str(end[0]))) if end else 0
    except ValueError:
        last = 0
    if last < L.FIRST_LINE_ROW:  # the name deleted: the lines are looked for, not forgotten
        last = L.FIRST_LINE_ROW + 20_000
    a, h = L.COL["Compte"], L.COL["Reste à engager (saisi)"]
    cells = book.cell_values(L.SHEET_SUIVI, [(r, c) for r in range(L.FIRST_LINE_ROW, last + 1) for c in (a, h)])
    typed = {r: f for (r, c), f in book.sheet_formulas(L.SHEET_SUIVI).items() if c == h and r >= L.FIRST_LINE_ROW}
    referred: dict[str, list[tuple[int, int]]] = {}  # the Suivi cells each formula refers to
    for r in range(L.FIRST_LINE_ROW, last + 1):
        value = cells.get((r, h))
        account = cell_text(cells.get((r, a)))
        if not account:
            continue
        if r in typed:  # the user's formula: kept as typed, whatever it shows
            out.formulas[account_key(account)] = typed[r]
            out.rows[account_key(account)] = r
            referred[account_key(account)] = cells_referenced(typed[r], L.SHEET_SUIVI) or []
            if type(value) is float:
                out.numbers[account_key(account)] = from_double(value)
                continue
            if isinstance(value, str) and value:
                out.kept[account_key(account)] = value  # its text result, written back with it
            issues.append(warning("DEP017", Location(book=book.book_name, sheet=L.SHEET_SUIVI, cell=f"{column_letter(h)}{r}"),
                                  f"Reste à engager saisi pour {account} : la formule ={typed[r]} ne donne pas un nombre "
                                  f"({_shown_value(value)}) ; le reste calculé est utilisé, la formule est gardée.",
                                  "Corrigez la formule, ou videz la cellule pour le reste calculé."))
            continue
        if value in (None, ""):
            continue
        parsed = parse_number(value)
        if parsed.value is None:
            issues.append(warning("DEP017", Location(book=book.book_name, sheet=L.SHEET_SUIVI, cell=f"{column_letter(h)}{r}"),
                                  f"Reste à engager saisi pour {account} : « {value} » n'est pas un nombre ; le reste "
                                  "calculé est utilisé, la cellule est gardée.",
                                  "Saisissez un montant, ou videz la cellule pour le reste calculé."))
            out.kept[account_key(account)] = value
            continue
        out.numbers[account_key(account)] = parsed.value
    if any(referred.values()):  # the values they were calculated from, read at once
        values = book.cell_values(L.SHEET_SUIVI, [cell for cells_of in referred.values() for cell in cells_of])
        out.inputs = {key: {cell: values[cell] for cell in cells_of if cell in values} for key, cells_of in referred.items()
                      if cells_of}
    return out


# errors that hold the report; unreadable amounts and accounts are the reader's to judge (EntriesRead.refused)
REFUSING = frozenset({"DEP011", "DEP013", "DEP014", "DEP018", "DEP019"})


def recalc_depenses(book: WorkbookPort, now: dt.datetime, carried: Sequence[Issue] = ()) -> Report:
    report = Report(book=book.book_name, kind=L.KIND)
    issues: list[Issue] = list(carried)  # what the import before found (FEC lines refused), listed first
    dep = table(book, L.TABLE_DEPENSES, L.SHEET_DEPENSES)
    snaps = table(book, L.TABLE_INSTANTANES, L.SHEET_INSTANTANES)
    meta = table(book, L.TABLE_VERSIONS, L.SHEET_INSTANTANES)
    issues += _missing(book, dep, L.DEPENSES_HEADERS[:-2])
    issues += _missing(book, snaps, L.INSTANTANES_HEADERS) + _missing(book, meta, L.VERSIONS_HEADERS)
    issues += restore_sheets(book) + restore_names(book)
    normalised = WritePlan()
    trim_versions(book, snaps, meta, normalised)
    params = read_parameters(book, issues, normalised)
    if any(i.code == "DEP011" for i in issues):
        book.apply(normalised)
        return _finish(book, report, issues, now)
    read = read_entries(dep, book.book_name, issues)
    issues += formula_inputs(book, dep, read.fixes) + _below(book, dep)
    # an import just now listed what it refused, line by line (a file's errors are located « file:line »); one
    # the history could not take (DEP045) leaves it out of date
    if not any(i.code == "DEP045" for i in carried):
        issues += recalled_from_imports(book, dep, frozenset(_file_of(i.location) for i in carried
                                                        if i.severity is Severity.ERROR),
                                        any(i.code == "DEP031" for i in carried))
    for (row, col), value in read.fixes.items():
        normalised.sheet(dep.sheet).set(row, col, CellWrite(cast(CellValue, value)))
    book.apply(normalised)
    versions = read_versions(snaps, meta, book.book_name, issues)
    initial = versions[0] if versions else None
    wanted = params.version or last_version_name(meta)
    current = next((v for v in versions if v.name.casefold() == wanted.casefold()), None)
    if params.version and current is None:
        found = book.named_cell("PARAM_VERSION_ACTUELLE")
        issues.append(error("DEP013", found[1] if found else Location(book=book.book_name, sheet=L.SHEET_PARAMETRES),
                            f"Version « {params.version} » inconnue : le suivi n'est pas mis à jour.",
                            f"Choisissez une version de l'onglet Instantanés ({', '.join(v.name for v in versions)}) ou "
                            "videz la cellule pour la dernière."))
    if not versions:
        devis = book.named_cell("DEPENSES_DEVIS_FICHIER")
        named = str(devis[0]).strip() if devis and devis[0] not in (None, "") else ""
        how = (f"bouton « Figer le devis », ou xlprod snapshot {book.book_name} --nom \"Dépôt CNC\" (devis : {named})"
               if named else f"xlprod snapshot {book.book_name} --devis DEVIS.xlsx --nom \"Dépôt CNC\"")
        issues.append(warning("DEP012", Location(book=book.book_name, sheet=L.SHEET_INSTANTANES),
                              "Aucune version du devis : le suivi n'a ni devis initial ni budget.",
                              f"Figez le devis : {how}."))
    typed = typed_to_complete(book, issues)
    tracking = compute_tracking(read.entries, initial, current, typed.numbers, params.thresholds)
    overhead = params.overhead if params.overhead is not None else (current.overhead if current else ZERO)
    cost = compute_final_cost(read.entries, overhead, params.visa)
    refused = read.refused or any(i.code in REFUSING and i.severity is Severity.ERROR for i in issues)
    if not refused:
        issues += check_cost_report(tracking, cost, current, book.book_name, now.date())
    report.summary = DepensesSummary(tracking, cost, initial.name if initial else "", current.name if current else "",
                                     len(read.entries), provisional=refused,
                                     devis_credit_base=current.tax_credit_base if current else ZERO)
    if not refused:
        plan = WritePlan()
        j = dep.headers.index("Montant EUR")
        spec = next(c for c in L.DEPENSES_COLUMNS if c.field == "amount_eur")
        # a row whose cached value is already right is left as it is (exact: xlprod writes doubles back exactly);
        # the writer still checks every row's formula
        stale = frozenset(dep.header_row + 1 + i for i, (new, row) in enumerate(zip(read.amount_eur, dep.rows,
                                                                                      strict=True)) if new != row[j])
        plan.sheet(dep.sheet).columns.append(ColumnWrite(dep.first_col + j, spec.formula or "", dep.header_row + 1,
                                                         cast(list[CellValue], read.amount_eur), stale))
        issues += _plan_suivi(plan, book, tracking, initial, params.version or last_version_name(meta), typed)
        book.set_names({L.ACCOUNTS_NAME: L.accounts_range(_plan_versions(plan, versions))})
        _plan_cost(plan, book, cost, tracking, current)
        restored = book.apply(plan)
        # on the report's sheets a different formula is xlprod's own of an earlier shape (a chapter's range grows
        # with the lines): only a value typed over is the user's; in Dépenses, Montant EUR has one formula
        typed_over = [(sheet, r) for sheet, r in restored if sheet == dep.sheet or r.old_formula is None]
        issues += restored_warnings(typed_over, book.book_name, "DEP036", _header_of(dep),
                                    "Saisissez dans les colonnes d'entrée (Montant HT, Taux de change, Reste à engager "
                                    "(saisi)…) : les colonnes calculées se recalculent.")
    return _finish(book, report, issues, now)


def recalled_from_imports(book: WorkbookPort, dep: RawTable, just_imported: frozenset[str] = frozenset(),
                          absent_said: bool = False) -> list[Issue]:
    """What each file's latest import in the Imports table refused (DEP044: missing from the report until
    the file, corrected, is imported whole), and the rows of Dépenses it no longer had (DEP048: still
    counted, until the file's next import has them or the user clears them). A FEC keeps its name over a
    fiscal year's exports (« SirenFECAAAAMMJJ »). ``just_imported``: files whose import, just now, listed
    each error; ``absent_said``: the import just now listed the rows it no longer had."""
    t = book.table(L.TABLE_IMPORTS)
    if t is None or not {"Date", "Fichier", "Écartées", "Débit écarté", "Première erreur"} <= set(t.headers):
        return []
    h = {name: t.headers.index(name) for name in t.headers}
    gone_at = gone_column(t.headers)
    wanted = {k for r in t.rows for k in cell_text(r[h[gone_at]]).split(KEYS_APART) if k} if gone_at else set()
    rows_of = {}  # an import key the history names -> its row of Dépenses, as the table now is
    if wanted and "Clé d'import" in dep.headers:
        key_at = dep.headers.index("Clé d'import")
        rows_of = {key: dep.header_row + 1 + n for n, r in enumerate(dep.rows) if (key := cell_text(r[key_at])) in wanted}
    latest = latest_imports(t)
    out = []
    newest = max(latest.values(), default=None)
    for when, i in sorted(latest.values()):
        row = t.rows[i]
        name = cell_text(row[h["Fichier"]])
        shown = f"{when:%d/%m/%Y à %H:%M}" if (when.hour, when.minute) != (0, 0) else f"{when:%d/%m/%Y}"
        keys = cell_text(row[h[gone_at]]).split(KEYS_APART) if gone_at else []
        gone = sorted({rows_of[k] for k in keys if k in rows_of})  # those the user deleted since are no more said
        if gone and not (absent_said and (when, i) == newest):
            cell = f"{column_letter(t.first_col + h[cast(str, gone_at)])}{t.header_row + 1 + i}"
            listed = ", ".join(map(str, gone[:20])) + (" …" if len(gone) > 20 else "")
            many = len(gone) > 1
            out.append(warning("DEP048", Location(book=book.book_name, sheet=t.sheet, cell=cell),
                               f"Le dernier import de {name} (le {shown}) n'avait plus "
                               f"{plural(len(gone), 'ligne importée', 'lignes importées')} avant : "
                               f"{'lignes' if many else 'ligne'} {listed} de Dépenses. "
                               f"{'Elles restent comptées' if many else 'Elle reste comptée'}.",
                               "Vérifiez-les avec la comptabilité (écriture annulée ou renumérotée ?) : supprimez "
                               "celles qui n'ont plus lieu d'être ; le prochain import du fichier qui les a encore les "
                               f"reprend. Sinon, videz la cellule {gone_at} de cette ligne."))
        refused, debit = parse_number(row[h["Écartées"]]).value, parse_number(row[h["Débit écarté"]]).value
        if refused is None or refused <= 0 or name.casefold() in just_imported:
            continue
        amount = f" (débit {format_eur(debit)})" if debit else ""
        first = cell_text(row[h["Première erreur"]])
        cell = f"{column_letter(t.first_col + h['Écartées'])}{t.header_row + 1 + i}"
        out.append(warning("DEP044", Location(book=book.book_name, sheet=t.sheet, cell=cell),
                           f"Le dernier import de {name} (le {shown}) a écarté {plural(int(refused), 'ligne')} en "
                           f"erreur{amount} : les dépenses qu'elles portent manquent au suivi" + (
                               f" (première : {first})." if first else "."),
                           "Corrigez-les dans la comptabilité, puis réimportez ce fichier (l'import redonne chaque "
                           "erreur). Si un autre import les a reprises, ou si vous les avez saisies à la main, videz "
                           "la cellule Écartées de cette ligne."))
    return out


GONE = "Clés disparues"  # the Imports column of the keys of rows a file no longer had
GONE_BEFORE = "Lignes disparues"  # its name for an hour of this project's history: taken as it


KEYS_APART = " ; "  # between the keys of Clés disparues


def latest_imports(t: RawTable) -> dict[str, tuple[dt.datetime, int]]:
    """Each file's latest import in the Imports table, by its Date (the history may be sorted, or retyped):
    its name without case -> (when, its row's index)."""
    if "Date" not in t.headers or "Fichier" not in t.headers:
        return {}
    at_date, at_file = t.headers.index("Date"), t.headers.index("Fichier")
    latest: dict[str, tuple[dt.datetime, int]] = {}
    for i, row in enumerate(t.rows):
        when, name = moment_of(row[at_date]), cell_text(row[at_file]).casefold()
        if when is not None and name and (name not in latest or (when, i) >= latest[name]):
            latest[name] = (when, i)
    return latest


def gone_column(headers: list[str]) -> str | None:
    """The Imports column of the keys of rows a file no longer had, under its name or its former one."""
    return GONE if GONE in headers else GONE_BEFORE if GONE_BEFORE in headers else None


def _file_of(where: Location) -> str:
    """The file an import's issue is in (« export.csv:12 » -> « export.csv »), without case."""
    book = where.book or ""
    name, _, line = book.rpartition(":")
    return (name if name and line.isdigit() else book).casefold()


def moment_of(value: object) -> dt.datetime | None:
    """An Imports row's date: a date and time, a date, or either typed as text (« 30/11/2026 12:00 »)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, float) and 1 <= value < 2958466:  # a serial number shown without its date format
        return dt.datetime.combine(from_serial(value), dt.time()) + dt.timedelta(seconds=round(value % 1 * 86400))
    text = cell_text(value)
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    day = parse_date(text) if text else None
    return dt.datetime.combine(day, dt.time()) if day else None


def _header_of(dep: RawTable) -> Callable[[str, int], str]:
    """The name a user knows a computed column by: its table header, or on Suivi its line's header."""

    def header(sheet: str, col: int) -> str:
        if sheet == dep.sheet and 0 <= col - dep.first_col < len(dep.headers):
            return dep.headers[col - dep.first_col]
        return next((h for h, c in L.COL.items() if c == col), column_letter(col)) if sheet == L.SHEET_SUIVI else \
            f"{sheet}!{column_letter(col)}"

    return header


def _below(book: WorkbookPort, dep: RawTable) -> list[Issue]:
    return rows_below(book, dep, "DEP015", "elle n'est pas comptée", "dépense")


def _finish(book: WorkbookPort, report: Report, issues: list[Issue], now: dt.datetime) -> Report:
    report.issues = issues
    controls = WritePlan()
    plan_controls(controls, issues, now, (L.SHEET_SUIVI, *L.STATUS_CELL))
    book.apply(controls)
    return report


def _v(d: Decimal) -> float:
    return to_excel(d)


def _row_values(f: Figures, status: str, typed: Decimal | None = None) -> dict[str, CellValue]:
    return {"Devis initial": _v(f.initial), "Budget actuel": _v(f.current), "Engagé": _v(f.committed),
            "Payé": _v(f.paid), "Reste à engager (saisi)": _v(typed) if typed is not None else None,
            "Reste à engager": _v(f.to_complete), "Coût final estimé": _v(f.efc), "Écart": _v(f.variance),
            "Écart %": _v(f.variance_share) if f.variance_share is not None else "", "Statut": status}


def _plan_suivi(plan: WritePlan, book: WorkbookPort, t: Tracking, initial: Version | None,
                current: str, typed: Typed) -> list[Issue]:
    """The Suivi sheet; ``current``: the current version's name as the workbook's formula shows it. Returns
    what is said of the user's formulas whose lines moved."""
    ps = plan.sheet(L.SHEET_SUIVI)
    moved: list[Issue] = []
    sheet = quote_sheet(L.SHEET_SUIVI)
    title = book.named_cell("DEPENSES_TITRE")
    ps.set(1, 1, CellWrite(f"Suivi des dépenses — {title[0] if title and title[0] is not None else ''}",
                           '"Suivi des dépenses — "&DEPENSES_TITRE', owned=True))
    formulas = L.summary_formulas()
    total = t.total
    values: dict[str, CellValue] = {
        "DEPENSES_VERSION_INITIALE": initial.name if initial else "",
        "DEPENSES_VERSION_ACTUELLE": current,
        "DEPENSES_DEVIS_INITIAL": _v(total.initial), "DEPENSES_BUDGET_ACTUEL": _v(total.current),
        "DEPENSES_ENGAGE": _v(total.committed), "DEPENSES_PAYE": _v(total.paid),
        "DEPENSES_COUT_FINAL_ESTIME": _v(total.efc), "DEPENSES_ECART": _v(total.variance),
        "DEPENSES_A_AFFECTER": _v(t.unassigned.committed), "DEPENSES_DEPENSES_FRANCE": _v(t.france),
        "DEPENSES_IMPREVUS": _v(t.contingency), "DEPENSES_IMPREVUS_CONSOMMES": _v(t.contingency_used),
    }
    names = {}
    for name, label, _style in L.SUMMARY:
        row = L.SUMMARY_ROWS[name]
        ps.set(row, 2, CellWrite(label))
        ps.set(row, L.SUMMARY_COL, CellWrite(values[name], formulas[name], owned=True))
        names[name] = f"{sheet}!${column_letter(L.SUMMARY_COL)}${row}"
    left_row = L.SUMMARY_ROWS["DEPENSES_IMPREVUS_CONSOMMES"]
    value = column_letter(L.SUMMARY_COL)
    ps.set(left_row, L.SUMMARY_COL + 1, CellWrite(_v(t.contingency_left), f"{value}{left_row - 1}-{value}{left_row}",
                                                  owned=True))
    ps.set(left_row, L.SUMMARY_COL + 2, CellWrite("restant"))
    names[L.STATUS_NAME] = f"{sheet}!$A${L.STATUS_CELL[0]}"
    for header, col in L.COL.items():
        ps.set(L.CHAPTER_HEADER_ROW, col, CellWrite("Poste" if header == "Compte" else header))
        ps.set(L.LINES_HEADER_ROW, col, CellWrite(header))
    last = L.FIRST_LINE_ROW + max(len(t.lines), 1) - 1
    for n in CHAPTERS:
        row = L.FIRST_CHAPTER_ROW + n - 1
        ps.set(row, 1, CellWrite(float(n)))
        ps.set(row, 2, CellWrite(CHAPTER_LABELS[n]))
        f = L.chapter_formulas(row, last)
        _write_row(ps, row, _row_values(t.chapters[n], t.chapter_status(n).value), f)
    u = t.unassigned
    ps.set(L.UNASSIGNED_ROW, 1, CellWrite(None))
    ps.set(L.UNASSIGNED_ROW, 2, CellWrite("À affecter (sans compte du devis)"))
    _write_row(ps, L.UNASSIGNED_ROW, _row_values(u, tracking_status(u, t.thresholds).value),
               L.unassigned_formulas(last))
    ps.set(L.TOTAL_ROW, 2, CellWrite("Total"))
    _write_row(ps, L.TOTAL_ROW, _row_values(total, tracking_status(total, t.thresholds).value), L.total_formulas())
    ps.set(L.ANALYSIS_TITLE_ROW, 1, CellWrite("Analyse et recommandations"))
    texts = _analysis(t)
    for i in range(L.ANALYSIS_ROWS):
        ps.set(L.ANALYSIS_TITLE_ROW + 1 + i, 2, CellWrite(texts[i] if i < len(texts) else None))
    ps.clear_from_row = L.FIRST_LINE_ROW
    ps.clear_cols = (1, len(L.SUIVI_HEADERS))
    for k, line in enumerate(t.lines):
        row = L.FIRST_LINE_ROW + k
        ps.set(row, 1, CellWrite(line.account))
        ps.set(row, 2, CellWrite(line.label))
        f = L.line_formulas(row)
        ps.set(row, L.COL["Poste"], CellWrite(float(line.chapter) if line.chapter is not None else "", f["Poste"],
                                                owned=True))
        values = _row_values(line.figures, line.status.value, line.typed_to_complete)
        key = account_key(line.account)
        if key in typed.kept:
            values["Reste à engager (saisi)"] = cast(CellValue, typed.kept[key])
        formula = typed.formulas.get(key)
        if formula is not None and typed.rows[key] != row:  # its line moved: its references move with it
            was, formula = formula, shift_rows(formula, row - typed.rows[key])
            moved.append(warning("DEP017", Location(book=book.book_name, sheet=L.SHEET_SUIVI,
                                                    cell=f"{column_letter(L.COL['Reste à engager (saisi)'])}{row}"),
                                 f"Reste à engager saisi pour {line.account} : le compte passe de la ligne "
                                 f"{typed.rows[key]} à la ligne {row} (des comptes du devis ou des dépenses s'ajoutent "
                                 f"ou s'en vont) ; sa formule ={was} y devient ={formula}.",
                                 "Vérifiez qu'elle désigne toujours les bonnes cellules."))
        _write_row(ps, row, values, f, formula)
    moved += _stale_formulas(book, ps, t, typed)
    names[L.LINES_END_NAME] = str(last)
    book.set_names(names)
    return moved


def _stale_formulas(book: WorkbookPort, ps: SheetPatch, t: Tracking, typed: Typed) -> list[Issue]:
    """A formula typed in « Reste à engager (saisi) » that refers to Suivi's own figures (=E45*10%) shows what
    Excel last calculated: when this recalculation changes a figure it refers to, its result, used here, is
    out of date until the workbook is calculated again. Said once, its lines listed."""
    rows = {account_key(line.account): L.FIRST_LINE_ROW + k for k, line in enumerate(t.lines)}
    stale: list[tuple[str, int, str]] = []  # (account, row, a cell that changed)
    for key, inputs in typed.inputs.items():
        row = rows.get(key)
        if row is None:
            continue
        delta = row - typed.rows[key]
        for (r, c), was in inputs.items():
            write = ps.cells.get((r + delta, c))
            if write is not None and write.formula is not None and not _same_value(was, write.value):
                stale.append((key, row, f"{column_letter(c)}{r + delta}"))
                break
    if not stale:
        return []
    col = column_letter(L.COL["Reste à engager (saisi)"])
    shown = ", ".join(f"{col}{row} ({account}, d'après {cell})" for account, row, cell in stale[:5]) + (
        f", et {plural(len(stale) - 5, 'autre')}" if len(stale) > 5 else "")
    return [warning("DEP041", Location(book=book.book_name, sheet=L.SHEET_SUIVI, cell=f"{col}{stale[0][1]}"),
                    f"Reste à engager saisi par une formule qui s'appuie sur des chiffres du Suivi que ce recalcul "
                    f"change : {shown} ; la valeur utilisée, maintenant et aux recalculs suivants, reste celle du "
                    "dernier calcul du classeur par Excel ou LibreOffice.",
                    "Ouvrez le classeur dans Excel ou LibreOffice (il recalcule ses formules), enregistrez-le, puis "
                    "relancez le recalcul ; ou saisissez un montant.")]


def _same_value(was: object, now: object) -> bool:
    if isinstance(was, int | float) and isinstance(now, int | float):
        return abs(float(was) - float(now)) < 0.005
    return cell_text(was) == cell_text(now)


def _write_row(patch: SheetPatch, row: int, values: dict[str, CellValue], formulas: dict[str, str],
               typed_formula: str | None = None) -> None:
    """A line of Suivi: xlprod's formulas with their values; the estimate typed as typed (``typed_formula``:
    the user's formula there, theirs, written back with what it showed)."""
    for header, value in values.items():
        col = L.COL[header]
        formula = formulas.get(header)
        if header == "Reste à engager (saisi)":
            patch.set(row, col, CellWrite(value, typed_formula))
        elif formula is not None:
            patch.set(row, col, CellWrite(value, formula, owned=True))


def _analysis(t: Tracking) -> list[str]:
    out = []
    over = t.overruns(3)
    if over:
        out.append("Plus forts dépassements : " + " ; ".join(
            f"{x.account} {short(x.label, 40)} {_signed(x.figures.variance)}" for x in over))
    saved = t.savings(3)
    if saved:
        out.append("Plus fortes économies : " + " ; ".join(
            f"{x.account} {short(x.label, 40)} {_signed(x.figures.variance)}" for x in saved))
    heading = t.chapters_over()
    if heading:
        out.append("Postes qui vont dépasser leur budget actuel : " + ", ".join(
            f"{n} ({_signed(t.chapters[n].efc - t.chapters[n].current)})" for n in heading))
    out += [r.text for r in recommendations(t)]
    if not out:
        out.append("Aucun dépassement prévu.")
    return out[: L.ANALYSIS_ROWS]


def _plan_versions(plan: WritePlan, versions: list[Version]) -> int:
    """The versions side by side; the last row of their lines."""
    pv = plan.sheet(L.SHEET_VERSIONS)
    pv.clear_from_row = L.V_HEADER_ROW
    pv.clear_cols = (1, L.V_FIRST_VERSION_COL + 3 * max(len(versions), 1) + 40)
    first = L.V_FIRST_VERSION_COL
    n = len(versions)
    accounts: dict[str, str] = {}
    for v in versions:
        for line in v.lines:
            accounts.setdefault(line.account, line.label)
    order = sorted(accounts, key=lambda a: (a[:1] if a[:1].isdigit() else "~", a))
    amounts = [v.amounts() for v in versions]
    last = L.V_FIRST_LINE_ROW + max(len(order), 1) - 1
    for row, heads in ((L.V_HEADER_ROW, ("Poste", "Libellé", "")), (L.V_LINES_HEADER_ROW, ("Compte", "Libellé", "Poste"))):
        for c, head in enumerate(heads, start=1):
            pv.set(row, c, CellWrite(head or None))
        for k, v in enumerate(versions):
            pv.set(row, first + k, CellWrite(v.name))
        for k in range(1, n):
            pv.set(row, first + n + 2 * (k - 1), CellWrite(f"Écart {versions[k].name} (€)"))
            pv.set(row, first + n + 2 * (k - 1) + 1, CellWrite(f"Écart {versions[k].name} (%)"))

    def variances(row: int, values: list[Decimal]) -> None:
        base = column_letter(first) + str(row)
        for k in range(1, n):
            c = first + n + 2 * (k - 1)
            diff = values[k] - values[0]
            pv.set(row, c, CellWrite(_v(diff), f"{column_letter(first + k)}{row}-{base}", owned=True))
            share: CellValue = _v(diff / values[0]) if values[0] else ""
            pv.set(row, c + 1, CellWrite(share, f'IF({base}=0,"",{column_letter(c)}{row}/{base})', owned=True))

    for i, account in enumerate(order):
        row = L.V_FIRST_LINE_ROW + i
        pv.set(row, 1, CellWrite(account))
        pv.set(row, 2, CellWrite(accounts[account]))
        chapter = account[:1]
        pv.set(row, 3, CellWrite(float(chapter) if chapter.isdigit() else "", f'IFERROR(VALUE(LEFT($A{row},1)),"")',
                                 owned=True))
        values = [a.get(account, ZERO) for a in amounts]
        for k in range(n):
            pv.set(row, first + k, CellWrite(_v(values[k]), f"SUMIFS({L.TABLE_INSTANTANES}[Montant],{L.TABLE_INSTANTANES}"
                                                            f"[Version],{column_letter(first + k)}${L.V_LINES_HEADER_ROW},"
                                                            f"{L.TABLE_INSTANTANES}[Compte],$A{row})", owned=True))
        variances(row, values)
    chapter_totals = [[sum((x for a, x in amounts[k].items() if a[:1] == str(c)), ZERO) for k in range(n)]
                      for c in CHAPTERS]
    for c in CHAPTERS:
        row = L.V_FIRST_CHAPTER_ROW + c - 1
        pv.set(row, 1, CellWrite(float(c)))
        pv.set(row, 2, CellWrite(CHAPTER_LABELS[c]))
        for k in range(n):
            col = column_letter(first + k)
            pv.set(row, first + k, CellWrite(_v(chapter_totals[c - 1][k]),
                                             f"SUMIFS(${col}${L.V_FIRST_LINE_ROW}:${col}${last},"
                                             f"$C${L.V_FIRST_LINE_ROW}:$C${last},$A{row})", owned=True))
        variances(row, chapter_totals[c - 1])
    row = L.V_TOTAL_ROW
    pv.set(row, 2, CellWrite("Total postes 1 à 9"))
    totals = [sum((chapter_totals[c - 1][k] for c in CHAPTERS), ZERO) for k in range(n)]
    for k in range(n):
        col = column_letter(first + k)
        pv.set(row, first + k, CellWrite(_v(totals[k]), f"SUM({col}{L.V_FIRST_CHAPTER_ROW}:{col}{row - 1})", owned=True))
    variances(row, totals)
    if not versions:
        pv.set(L.V_FIRST_CHAPTER_ROW - 1, first, CellWrite("Aucune version : xlprod snapshot"))
    return last


def _plan_cost(plan: WritePlan, book: WorkbookPort, cost: FinalCost, t: Tracking, current: Version | None) -> None:
    sheet = quote_sheet(L.SHEET_COUT)
    book.set_names({name: f"{sheet}!${column_letter(col)}${row}" for name, (row, col) in L.COST_NAMES.items()})
    pc = plan.sheet(L.SHEET_COUT)
    f = L.cost_formulas()
    values: dict[tuple[int, int], CellValue] = {}
    for n in CHAPTERS:
        r = L.C_FIRST_CHAPTER_ROW + n - 1
        pc.set(r, 1, CellWrite(float(n)))
        pc.set(r, 2, CellWrite(CHAPTER_LABELS[n]))
        init, spent, abroad = t.chapters[n].initial, cost.chapters[n], cost.chapters_abroad[n]
        values |= {(r, 3): _v(init), (r, 4): _v(spent), (r, 5): _v(spent - abroad), (r, 6): _v(abroad),
                   (r, 7): _v(spent - init), (r, 8): _v((spent - init) / init) if init else ""}
    r = L.C_UNASSIGNED_ROW
    pc.set(r, 2, CellWrite("À affecter"))
    values |= {(r, 3): 0.0, (r, 4): _v(cost.unassigned), (r, 5): _v(cost.unassigned - cost.unassigned_abroad),
               (r, 6): _v(cost.unassigned_abroad), (r, 7): _v(cost.unassigned), (r, 8): ""}
    s = L.C_SUBTOTAL_ROW
    pc.set(s, 2, CellWrite("Sous-total des dépenses"))
    init = sum((t.chapters[n].initial for n in CHAPTERS), ZERO)
    abroad = sum(cost.chapters_abroad.values(), ZERO) + cost.unassigned_abroad
    values |= {(s, 3): _v(init), (s, 4): _v(cost.subtotal), (s, 5): _v(cost.subtotal - abroad), (s, 6): _v(abroad),
               (s, 7): _v(cost.subtotal - init), (s, 8): _v((cost.subtotal - init) / init) if init else ""}
    b, p, o, fi = L.C_BASE_ROW, L.C_PRODUCER_ROW, L.C_OVERHEAD_ROW, L.C_FINANCIAL_ROW
    values |= {(b, 3): _v(cost.protocol_base), (b, 5): _v(cost.protocol_base),
               (p, 3): _v(cost.producer_pay), (p, 4): _v(cost.producer_pay_cap), (p, 5): _v(cost.producer_pay_retained),
               (o, 3): _v(cost.overhead), (o, 4): _v(cost.overhead_cap), (o, 5): _v(cost.overhead_retained),
               (fi, 3): _v(cost.financial_costs),
               (fi, 4): _v(cost.financial_costs_cap) if cost.financial_cap_applies else "",
               (fi, 5): _v(cost.financial_costs_retained), (L.C_FILM_COST_ROW, 5): _v(cost.film_cost),
               (L.C_CREDIT_ROW, 3): _v(cost.tax_credit_base),
               (L.C_CREDIT_ROW, 4): _v(current.tax_credit_base if current else ZERO),
               (L.C_CREDIT_ROW, 5): _v(cost.tax_credit_base - (current.tax_credit_base if current else ZERO)),
               (L.C_DEADLINE_ROW, 3): excel_date(cost.deadline) if cost.deadline else ""}
    for cell, formula in f.items():
        pc.set(*cell, CellWrite(values[cell], formula, owned=True))
    pc.clear_from_row = L.C_FIRST_COUNTRY_ROW
    pc.clear_cols = (1, 3)
    total = cost.subtotal
    for k, (country, amount) in enumerate(cost.by_country.items()):
        r = L.C_FIRST_COUNTRY_ROW + k
        pc.set(r, 1, CellWrite(country))
        formula = (f"SUM({L.AMOUNT_EUR})-{L.FOREIGN}" if country == "FR"
                   else f'SUMIFS({L.AMOUNT_EUR},{L.TABLE_DEPENSES}[Pays],$A{r})')
        pc.set(r, 2, CellWrite(_v(amount), formula, owned=True))
        pc.set(r, 3, CellWrite(_v(amount / total) if total else "", f'IF(SUM({L.AMOUNT_EUR})=0,"",B{r}/SUM({L.AMOUNT_EUR}))',
                               owned=True))
