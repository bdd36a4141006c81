"""« Recalculer » a catalogue: read the tables, run every check (works, rights, receipts), list the
proposed corrections, answer the availability request of Paramètres, compute the receipts' caps and
RNPP and the rights holders' statements, and write it all with the contract's names. Works on any
``WorkbookPort`` (a file, or a book open in Excel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import cast

from xlprod.core.cells import cell_text
from xlprod.core.dates import add_months
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter, quote_sheet
from xlprod.core.money import ZERO, format_eur, round_cents, to_excel
from xlprod.core.text import fold
from xlprod.kinds.catalogue import layout as L
from xlprod.kinds.catalogue.reader import (
    Catalogue,
    Parameters,
    read_parameters,
    read_receipts,
    read_rights,
    read_shares,
    read_territory_groups,
    read_windows,
    read_works,
    release_date,
    special_cells,
)
from xlprod.kinds.catalogue.receipts import CommissionCaps, Statement, commission_cap, statement
from xlprod.kinds.catalogue.rights import (
    CHRONOLOGY_TERRITORIES,
    Avail,
    AvailsIndex,
    Media,
    check_rights,
    chronology_window,
    describe_territories,
    media_set,
)
from xlprod.kinds.catalogue.works import Fix, Work, check_works, propose_fixes
from xlprod.kinds.registry import Report
from xlprod.kinds.tables import input_table, parameter_targets, restored_warnings, rows_below
from xlprod.workbook.controls import SHEET as CONTROLS
from xlprod.workbook.controls import plan_controls, plan_controls_frame
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import RawTable, WorkbookPort, WritePlan, name_target
from xlprod.workbook.sheetxml import CellValue, CellWrite, ColumnWrite, Restored

MAX_AVAILS_LISTED = 5_000  # rows of the Disponibilités sheet; the count and --json have them all


@dataclass(frozen=True)
class AvailsAnswer:
    territory: str
    media: tuple[Media, ...]
    start: dt.date
    end: dt.date
    avails: list[Avail]
    titles: dict[str, str] = field(default_factory=dict)
    codes: frozenset[str] = frozenset()

    @property
    def media_label(self) -> str:
        return ", ".join(m.label for m in self.media)

    @property
    def free(self) -> list[Avail]:
        return [a for a in self.avails if a.free]

    def render(self, limit: int = 10) -> str:
        head = (f"Disponibilités {self.media_label} — {self.territory} du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y} : "
                f"{len(self.free)} œuvre(s) disponible(s) sur {len(self.avails)}")
        lines = [head]
        shown = [a for a in self.avails if a.free][:limit] + [a for a in self.avails if not a.free][:limit]
        for a in shown:
            title = self.titles.get(a.work, "")
            lines.append(f"  {'libre  ' if a.free else 'bloquée'} {a.work} {title[:30]!s:30} {a.reason}")
        if len(self.avails) > len(shown):
            more = len(self.avails) - len(shown)
            lines.append(f"  … ({more} {'autres' if more > 1 else 'autre'})")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {"territory": self.territory, "media": [m.value for m in self.media], "from": self.start.isoformat(),
                "to": self.end.isoformat(), "free": len(self.free), "works": len(self.avails),
                "avails": [{"work": a.work, "title": self.titles.get(a.work, ""), "free": a.free, "reason": a.reason,
                            "blocking_rows": list(a.blocking_rows)} for a in self.avails]}


@dataclass(frozen=True)
class CatalogueSummary:
    works: int
    rights: int
    conflicts: int
    expiring: int
    corrections: int
    period: str
    rnpp: Decimal
    statements: list[Statement]
    answer: AvailsAnswer | None = None
    note: str = ""  # what an action did before recalculating
    changes: tuple[str, ...] = ()  # each correction applied, each file written
    titles: dict[str, str] = field(default_factory=dict)  # work id -> title (its first row)

    def headline(self) -> str:
        note = f"{self.note} ; " if self.note else ""
        return (f"{note}{self.works} œuvres, {self.rights} droits ; {self.conflicts} conflit(s), {self.expiring} "
                f"expiration(s), {self.corrections} correction(s) proposée(s)")

    def render(self) -> str:
        lines = [*(f"  • {c}" for c in self.changes),
                 f"Catalogue — {self.works} œuvres, {self.rights} lignes de droits",
                 f"Cessions exclusives qui se chevauchent : {self.conflicts} ; droits qui expirent : {self.expiring} ; "
                 f"corrections proposées : {self.corrections}"]
        if self.period:
            lines.append(f"RNPP de la période {self.period} : {format_eur(self.rnpp)} ; {len(self.statements)} relevé(s)")
            lines += [f"  {s.holder} : part {format_eur(s.holder_share)}, MG récupéré {format_eur(s.mg_recouped)}, "
                      f"solde dû {format_eur(s.balance)}" for s in self.statements]
        if self.answer is not None:
            lines.append(self.answer.render(5))
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {"works": self.works, "rights": self.rights, "conflicts": self.conflicts, "expiring": self.expiring,
                "corrections": self.corrections, "period": self.period, "rnpp": f"{self.rnpp:.2f}",
                "statements": [s.to_json() for s in self.statements],
                "avails": self.answer.to_json() if self.answer is not None else None,
                "note": self.note, "changes": list(self.changes)}


def table(book: WorkbookPort, name: str, sheet: str) -> RawTable:
    return input_table(book, name, sheet, L.KIND)


def _missing(book: WorkbookPort, t: RawTable, headers: tuple[str, ...]) -> list[Issue]:
    present = {str(x or "").strip() for x in t.headers}
    return [error("CAT069", Location(book=book.book_name, sheet=t.sheet, cell=f"{column_letter(t.first_col)}{t.header_row}"),
                  f"Colonne « {h} » absente du tableau {t.name} : ce tableau n'est ni lu ni contrôlé.",
                  "Annulez la suppression ou le renommage de la colonne, ou repartez d'un modèle : xlprod new catalogue.")
            for h in headers if h not in present]


def restore(book: WorkbookPort) -> list[Issue]:
    """xlprod's sheets recreated when deleted; each parameter's name on its key's row."""
    out: list[Issue] = []
    for sheet in L.OWNED:
        if book.has_sheet(sheet):
            continue
        book.add_sheet(sheet)
        if sheet == CONTROLS:
            frame = WritePlan()
            plan_controls_frame(frame, "Contrôles du catalogue")
            book.apply(frame)
        out.append(warning("CAT070", Location(book=book.book_name, sheet=sheet), f"Feuille « {sheet} » supprimée : "
                           "recréée (sans sa mise en forme).", "Rien à faire."))
    params = book.table(L.TABLE_PARAMETRES)
    names = book.defined_names()
    wanted: dict[str, str] = {}
    if params is not None and "Clé" in params.headers and "Valeur" in params.headers:
        wanted |= {name: target for name, target in parameter_targets(params, L.PARAMETERS).items()
                   if names.get(name, "").lstrip("=") != target}
    sheet = quote_sheet(L.SHEET_SYNTHESE)
    for name, row in L.SUMMARY_ROWS.items():
        target = f"{sheet}!${column_letter(L.SUMMARY_COL)}${row}"
        kind, _ = name_target(names.get(name))
        if kind != "cell" or names.get(name, "").lstrip("=") != target:
            wanted[name] = target
    if names.get(L.EXPLOITATIONS_NAME, "").lstrip("=") != L.exploitations_range():
        wanted[L.EXPLOITATIONS_NAME] = L.exploitations_range()
    if names.get(L.STATUS_NAME, "").lstrip("=") != STATUS_TARGET:
        wanted[L.STATUS_NAME] = STATUS_TARGET
    if wanted:
        book.set_names(wanted)
    return out


STATUS_TARGET = f"{quote_sheet(L.SHEET_SYNTHESE)}!$A${L.STATUS_CELL[0]}"


def read(book: WorkbookPort, issues: list[Issue]) -> tuple[Catalogue, Parameters, dict[str, RawTable]]:
    """Every table, each on its own: a table missing a column is not read (CAT069), the others are."""
    name = book.book_name
    tables = {t: table(book, t, s) for t, s in ((L.TABLE_OEUVRES, L.SHEET_OEUVRES), (L.TABLE_DROITS, L.SHEET_DROITS),
                                                (L.TABLE_RECETTES, L.SHEET_RECETTES), (L.TABLE_AYANTS, L.SHEET_AYANTS))}
    params = read_parameters(book.table(L.TABLE_PARAMETRES), name, issues)
    cat = Catalogue(places=read_territory_groups(book.table(L.TABLE_TERRITOIRES), name, issues))
    for t, headers, reader in ((L.TABLE_OEUVRES, L.OEUVRES_HEADERS[:2], read_works),
                               (L.TABLE_DROITS, L.DROITS_HEADERS[:7], read_rights),
                               (L.TABLE_RECETTES, L.RECETTES_HEADERS, read_receipts),
                               (L.TABLE_AYANTS, L.AYANTS_HEADERS[:3], read_shares)):
        missing = _missing(book, tables[t], headers)
        issues += missing
        if not missing:
            reader(tables[t], name, issues, cat)
    cat.windows = read_windows(book.table(L.TABLE_FENETRES), name, issues)
    issues += same_works(cat, name)
    others = [t for t in (book.table(L.TABLE_FENETRES), book.table(L.TABLE_TERRITOIRES)) if t is not None]
    for found in [*tables.values(), *others]:
        issues += _below(book, found)
    return cat, params, tables


def read_for_avails(book: WorkbookPort, issues: list[Issue]) -> Catalogue:
    """What an avails answer needs, read fast: the works' ids, titles and French releases, the
    rights and the territory groups (not identifiers, receipts, nor any check)."""
    name = book.book_name
    works, rights = table(book, L.TABLE_OEUVRES, L.SHEET_OEUVRES), table(book, L.TABLE_DROITS, L.SHEET_DROITS)
    issues += _missing(book, works, ("Identifiant", "Titre", "Sortie France")) + _missing(book, rights, L.DROITS_HEADERS[:7])
    require(issues, L.SHEET_OEUVRES, L.SHEET_DROITS)
    cat = Catalogue(places=read_territory_groups(book.table(L.TABLE_TERRITOIRES), name, []))
    special_cells(works, name, issues, "lue comme vide")  # a release never calculated is said, not taken as none
    i, t, r = (works.headers.index(h) for h in ("Identifiant", "Titre", "Sortie France"))
    for row in works.rows:
        work_id = cell_text(row[i])
        if work_id:
            release = release_date(row[r])
            cat.works.append(Work(row=0, id=work_id, title=cell_text(row[t]), release_fr=release))
    read_rights(rights, name, issues, cat)
    issues += _below(book, works) + _below(book, rights)
    issues += same_works(cat, name)
    return cat


def same_works(cat: Catalogue, book: str) -> list[Issue]:
    """A work typed in Droits, Recettes or Ayants droit as the Œuvres table has it but for case,
    accents or spaces is that work: the checks and avails compare ids exactly, so it is put back
    to the Œuvres identifier, and said (CAT072)."""
    canonical: dict[str, str] = {}
    for w in cat.works:
        if w.id:
            canonical.setdefault(fold(w.id), w.id)
    out: list[Issue] = []
    said: set[str] = set()

    def fixed(work: str, where: Location) -> str:
        found = canonical.get(fold(work))
        if found is None or found == work:
            return work
        if work not in said:
            said.add(work)
            out.append(warning("CAT072", where, f"Œuvre « {work} » lue « {found} » (l'identifiant de l'onglet Œuvres).",
                               f"Écrivez {found} tel quel, comme dans Œuvres."))
        return found

    cat.rights = [r if (k := fixed(r.work, r.location(book))) == r.work else replace(r, work=k) for r in cat.rights]
    for rr in cat.receipts:
        if rr.receipt is not None:
            k = fixed(rr.receipt.work, Location(book=book, sheet=L.SHEET_RECETTES, cell=f"A{rr.row}"))
            if k != rr.receipt.work:
                rr.receipt = replace(rr.receipt, work=k)
    cat.shares = [s if (k := fixed(s.work, Location(book=book, sheet=L.SHEET_AYANTS))) == s.work else replace(s, work=k)
                  for s in cat.shares]
    return out


def require(issues: list[Issue], *sheets: str) -> None:
    """A command that needs these sheets' tables refuses when one is missing a column (CAT069)."""
    for issue in issues:
        if issue.code == "CAT069" and issue.location.sheet in sheets:
            raise WorkbookError(issue.location, issue.message.replace("ce tableau n'est ni lu ni contrôlé",
                                                                      "la commande ne peut pas se faire"), issue.hint)


def _below(book: WorkbookPort, t: RawTable) -> list[Issue]:
    return rows_below(book, t, "CAT073", "elle n'est ni lue ni contrôlée")


def check_references(cat: Catalogue, book: str) -> list[Issue]:
    """Rights, receipts and shares of a work the Œuvres table does not hold (CAT072); a work whose
    holders' shares add up to more than 100 % (CAT067)."""
    known = {fold(w.id) for w in cat.works if w.id}
    out: list[Issue] = []
    if not known:
        return out
    seen: set[tuple[str, str]] = set()
    for what, items in (("droit", [(r.work, r.location(book)) for r in cat.rights]),
                        ("recette", [(r.receipt.work, Location(book=book, sheet=L.SHEET_RECETTES, cell=f"A{r.row}"))
                                     for r in cat.receipts if r.receipt is not None and r.receipt.work])):
        for work, where in items:
            if fold(work) not in known and (what, fold(work)) not in seen:
                seen.add((what, fold(work)))
                out.append(warning("CAT072", where, f"Œuvre « {work} » absente de l'onglet Œuvres ({what}s de cette "
                                   "œuvre : contrôles et disponibilités sans son titre ni sa date de sortie).",
                                   "Ajoutez l'œuvre dans Œuvres, ou corrigez l'identifiant."))
    totals: dict[str, Decimal] = {}
    for share in cat.shares:
        totals[fold(share.work)] = totals.get(fold(share.work), ZERO) + share.share
    for work, total in totals.items():
        if total > 1:
            name = next(s.work for s in cat.shares if fold(s.work) == work)
            out.append(error("CAT067", Location(book=book, sheet=L.SHEET_AYANTS), f"Les parts de « {name} » font "
                             f"{total * 100:.2f} % : plus que les RNPP de l'œuvre.".replace(".", ",", 1),
                             "Corrigez les parts des ayants droit de cette œuvre (au plus 100 % au total)."))
    return out


def titles_of(cat: Catalogue) -> dict[str, str]:
    """Each work's title, from its first row (a duplicated id is an error said elsewhere)."""
    out: dict[str, str] = {}
    for w in cat.works:
        if w.id:
            out.setdefault(w.id, w.title)
    return out


def corrections(cat: Catalogue) -> list[Fix]:
    """The proposed normalisations of the Œuvres table, as the workbook holds them: yes/no as the
    lists' « oui » / « non » (``propose_fixes`` gives booleans)."""
    out = []
    originals = {r.get("_row"): str(r.get("Titre original") or "").strip() for r in cat.raw_works}
    for fix in propose_fixes(cat.raw_works, first_row=L.HEADER_ROW + 1):
        if isinstance(fix.new, bool):
            said = L.YES if fix.new else L.NO
            if fix.old == said:
                continue
            fix = replace(fix, new=said)
        original = originals.get(fix.row, "")
        if fix.column == "Titre" and isinstance(fix.new, str) and original and original != fix.new \
                and original.casefold() == fix.new.casefold():
            fix = replace(fix, new=original, reason=fix.reason + ", casse du titre original")  # « La Nuit américaine »
        out.append(fix)
    return out


SPLIT_GROUPS_UP_TO = 12  # a group of at most this many countries: a blocked work says where it is still free


def answer_avails(cat: Catalogue, territory: str, media_text: str, start: dt.date, end: dt.date,
                  exclusive: bool = False) -> AvailsAnswer:
    """The availability of every work of the catalogue for one media or several (« SVOD, TVOD »: free
    only when free for each); for a small group (Benelux), a work that is not free says in which of
    its countries it is. ``ValueError`` (French) on a query it cannot read."""
    media = tuple(m for m in Media if m in media_set(media_text))
    codes = cat.places.expand(territory)  # a territory it cannot read is said before any work is looked at
    index = AvailsIndex(cat.rights)
    ids = list(dict.fromkeys(w.id for w in cat.works if w.id))
    released = {w.id: w.release_fr for w in cat.works if w.id and w.release_fr is not None}

    def answer(where: str, places: frozenset[str], works: list[str]) -> list[Avail]:
        per_media = []
        shown = "France" if "FR" in places else "outre-mer (" + ", ".join(sorted(places & CHRONOLOGY_TERRITORIES)) + ")"
        for m in media:
            found = index.query(where, m, start, end, works, exclusive=exclusive, data=cat.places)
            if places & CHRONOLOGY_TERRITORIES and (months := chronology_window(m)) is not None:
                for i, a in enumerate(found):
                    release = released.get(a.work)
                    if a.free and release is not None and start < (opens := add_months(release, months)):
                        found[i] = replace(a, free=False, reason=(
                            f"chronologie des médias : {m.label} en {shown} à {months} mois de la sortie du "
                            f"{release:%d/%m/%Y}, pas avant le {opens:%d/%m/%Y} (une plateforme signataire peut avoir "
                            "sa propre fenêtre)"))
            per_media.append(found)
        if len(media) == 1:
            return per_media[0]
        out = []
        for k, first in enumerate(per_media[0]):
            each = [found[k] for found in per_media]
            blocked = [(m, a) for m, a in zip(media, each, strict=True) if not a.free]
            out.append(replace(first, free=not blocked, reason=" ; ".join(
                f"{m.label} : {a.reason}" for m, a in (blocked or list(zip(media, each, strict=True))[:1])),
                blocking_rows=tuple(sorted({r for _, a in blocked for r in a.blocking_rows}))))
        return out

    answers = answer(territory, codes, ids)
    blocked = [a.work for a in answers if not a.free]
    if 1 < len(codes) <= SPLIT_GROUPS_UP_TO and blocked:
        free_in: dict[str, list[str]] = {w: [] for w in blocked}
        for code in sorted(codes):
            for a in answer(code, frozenset({code}), blocked):
                if a.free:
                    free_in[a.work].append(code)
        answers = [replace(a, reason=f"{a.reason} — libre en : {', '.join(free_in[a.work])}")
                   if not a.free and free_in.get(a.work) else a for a in answers]
    return AvailsAnswer(territory, media, start, end, answers, titles_of(cat), codes)


def statements_for(cat: Catalogue, period: str, caps: CommissionCaps) -> list[Statement]:
    """Each holder's statement for ``period``, the MGs recouped over the earlier periods first
    (periods sorted as text: 2026-T1 before 2026-T2)."""
    receipts = [r.receipt for r in cat.receipts if r.receipt is not None]
    periods = sorted({r.period.strip() for r in receipts if r.period.strip() and r.period.strip() < period.strip()})
    holders = list(dict.fromkeys(s.holder.strip() for s in cat.shares))
    out = []
    for holder in holders:
        key = fold(holder)
        mine = [s for s in cat.shares if fold(s.holder) == key]
        recouped: dict[str, Decimal] = {}
        for earlier in periods:
            recouped = statement(holder, mine, receipts, earlier, already_recouped=recouped, caps=caps).recouped_to_date
        out.append(statement(holder, mine, receipts, period, already_recouped=recouped, caps=caps))
    return out


def recalc_catalogue(book: WorkbookPort, now: dt.datetime, note: str = "", carried: Sequence[Issue] = ()) -> Report:
    report = Report(book=book.book_name, kind=L.KIND)
    issues: list[Issue] = list(carried)  # what the action before found (an import's rows refused), listed first
    issues += restore(book)
    cat, params, tables = read(book, issues)
    normalised = WritePlan()
    for (sheet, row, col), value in cat.fixes.items():
        normalised.sheet(sheet).set(row, col, CellWrite(cast(CellValue, value)))
    book.apply(normalised)
    today = params.reference or now.date()
    name = book.book_name
    fixes = corrections(cat)
    issues += check_works(cat.works, book=name, today=today)
    release = {w.id: w.release_fr for w in cat.works if w.release_fr is not None}
    rights_issues = check_rights(cat.rights, book=name, release_fr=release, on=today, months=params.horizon,
                                 by_partner=cat.windows)
    issues += rights_issues + check_references(cat, name)
    clashes = sum(1 for i in rights_issues if i.code == "CAT003")  # one per pair of grants in conflict
    expiring = sum(1 for i in rights_issues if i.code == "CAT007")
    for fix in fixes:
        kind = _kind_change(fix.old, fix.new)
        issues.append(warning("CAT060", fix.location(name), f"Correction proposée : « {said(fix.old)} » → "
                              f"« {said(fix.new)} » ({fix.reason}{kind}).",
                              f"Bouton « Appliquer les corrections » ou : xlprod fix {name} --apply."))
    caps_col = _receipt_columns(cat, params.caps, issues, name)
    statements = statements_for(cat, params.period, params.caps) if params.period else []
    rnpp = round_cents(sum((Decimal(str(v)) for r, v in zip(cat.receipts, caps_col["RNPP"], strict=True)
                            if r.period == params.period and params.period and isinstance(v, float)), ZERO))
    answer = None
    territory, media, start, end = params.avails
    if any((territory, media, start, end)):
        if not (territory and media and start and end):
            issues.append(warning("CAT071", Location(book=name, sheet=L.SHEET_PARAMETRES), "Demande de disponibilités "
                                  "incomplète (territoire, média, du, au) : onglet Disponibilités vidé.",
                                  "Complétez les quatre paramètres « Disponibilités », ou videz-les."))
        else:
            try:
                answer = answer_avails(cat, territory, media, start, end)
            except ValueError as exc:
                issues.append(error("CAT071", Location(book=name, sheet=L.SHEET_PARAMETRES), f"Demande de "
                                    f"disponibilités : {exc}", "Corrigez les paramètres « Disponibilités »."))
    summary = CatalogueSummary(works=sum(1 for w in cat.works if w.id), rights=cat.rights_rows, conflicts=clashes,
                               expiring=expiring, corrections=len(fixes), period=params.period, rnpp=rnpp,
                               statements=statements, answer=answer, note=note, titles=titles_of(cat))
    report.summary = summary
    report.issues = issues
    rec = tables[L.TABLE_RECETTES]
    if not any(i.code == "CAT069" and i.location.sheet == rec.sheet for i in issues):
        columns = WritePlan()
        for spec in L.RECETTES_COLUMNS:
            if spec.formula:
                columns.sheet(rec.sheet).columns.append(ColumnWrite(rec.first_col + rec.headers.index(spec.header),
                                                                    spec.formula, rec.header_row + 1,
                                                                    caps_col[spec.header]))
        issues += _restored(book.apply(columns), name)
    plan = WritePlan()
    _plan_summary(plan, summary, report, params.title)
    _plan_avails(plan, answer, next((i.message for i in issues if i.code == "CAT071"), ""))
    _plan_statements(plan, statements, params.period, summary.titles)
    plan_controls(plan, issues, now, (L.SHEET_SYNTHESE, *L.STATUS_CELL))
    book.apply(plan)
    return report


def _restored(restored: list[tuple[str, Restored]], book: str) -> list[Issue]:
    """A computed cell of Recettes typed over: its formula put back, said."""
    return restored_warnings(
        restored, book, "CAT075",
        lambda _sheet, col: L.RECETTES_HEADERS[col - 1] if col - 1 < len(L.RECETTES_HEADERS) else column_letter(col),
        "Saisissez dans les colonnes d'entrée (brutes, commission, frais…) ; le plafond, le dépassement et les RNPP "
        "se calculent.")


def _kind_change(old: object, new: object) -> str:
    """« texte → nombre » when a correction changes what the cell holds, not what it shows."""
    if isinstance(old, str) and isinstance(new, int | float) and not isinstance(new, bool):
        return " : texte → nombre"
    if isinstance(old, str) and isinstance(new, dt.date):
        return " : texte → date"
    return ""


def said(value: object) -> str:
    """A cell's value as a message shows it: 1998 not 1998.0, 12/06/1998, oui / non, blank for nothing."""
    if isinstance(value, bool):
        return L.YES if value else L.NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return "" if value is None else str(value)


def _receipt_columns(cat: Catalogue, caps: CommissionCaps, issues: list[Issue], book: str) -> dict[str, list[CellValue]]:
    """The cap, overrun and RNPP of every row of Recettes, as its formulas compute them."""
    out: dict[str, list[CellValue]] = {"Plafond commission": [], "Dépassement": [], "RNPP": []}
    for r in cat.receipts:
        cap = ZERO
        if r.receipt is not None:
            cap = commission_cap(r.receipt.exploitation, r.gross, small_tv_sale=r.receipt.small_tv_sale,
                                 financed_presale=r.receipt.financed_presale, caps=caps)
        over = max(ZERO, r.commission - cap)
        net = round_cents(r.gross - min(r.commission, cap) - r.costs - r.mg_recouped)  # receipts.rnpp
        out["Plafond commission"].append(to_excel(cap))
        out["Dépassement"].append(to_excel(over))
        out["RNPP"].append(to_excel(net) if r.receipt is not None else "")  # no known exploitation: no RNPP
        if over > 0 and r.receipt is not None:
            issues.append(warning("CAT062", Location(book=book, sheet=L.SHEET_RECETTES,
                                                     cell=f"{column_letter(1 + L.RECETTES_HEADERS.index('Commission'))}"
                                                          f"{r.row}"),
                                  f"Commission {r.receipt.exploitation.label} de {format_eur(r.commission)} au-delà du "
                                  f"plafond du protocole ({format_eur(cap)}) de {format_eur(over)} : seul le plafond est "
                                  "déduit des RNPP." + (" Aucune commission n'est permise sur un préachat qui a financé "
                                                        "l'œuvre." if r.receipt.financed_presale else ""),
                                  "Réclamez l'excédent au distributeur, ou corrigez l'exploitation ou « Préachat "
                                  "finançant » / « Petite vente TV » si la ligne est mal qualifiée."))
    return out


def _plan_summary(plan: WritePlan, s: CatalogueSummary, report: Report, title: str) -> None:
    patch = plan.sheet(L.SHEET_SYNTHESE)
    patch.set(1, 1, CellWrite(f"Catalogue — {title}", L.TITLE_FORMULA, owned=True))
    values: dict[str, CellValue] = {
        "CATALOGUE_OEUVRES": s.works, "CATALOGUE_DROITS": s.rights, "CATALOGUE_ERREURS": report.errors,
        "CATALOGUE_AVERTISSEMENTS": report.warnings, "CATALOGUE_CONFLITS": s.conflicts,
        "CATALOGUE_EXPIRATIONS": s.expiring, "CATALOGUE_CORRECTIONS": s.corrections, "CATALOGUE_RNPP": to_excel(s.rnpp),
        "CATALOGUE_DISPONIBLES": len(s.answer.free) if s.answer is not None else "",
    }
    for name, label, _style in L.SUMMARY:
        row = L.SUMMARY_ROWS[name]
        patch.set(row, 1, CellWrite(label))
        formula = L.FORMULAS.get(name)
        patch.set(row, L.SUMMARY_COL, CellWrite(values[name], formula, owned=formula is not None))


def _plan_avails(plan: WritePlan, answer: AvailsAnswer | None, problem: str) -> None:
    patch = plan.sheet(L.SHEET_DISPO)
    patch.clear_from_row = L.D_QUERY_ROW
    patch.set(1, 1, CellWrite("Disponibilités"))
    if answer is None:
        patch.set(L.D_QUERY_ROW, 1, CellWrite(f"{problem} (voir Contrôles)" if problem else
                                              "Aucune demande : remplissez les paramètres « Disponibilités » "
                                              "(territoire, média, du, au) puis « Recalculer »."))
        return
    patch.set(L.D_QUERY_ROW, 1, CellWrite(
        f"{answer.media_label} — {answer.territory} ({describe_territories(answer.codes)}) — du {answer.start:%d/%m/%Y} "
        f"au {answer.end:%d/%m/%Y} : {len(answer.free)} œuvre(s) disponible(s) sur {len(answer.avails)}"))
    for col, head in enumerate(L.D_HEADERS, start=1):
        patch.set(L.D_HEADER_ROW, col, CellWrite(head))
    ordered = sorted(answer.avails, key=lambda a: not a.free)
    for i, a in enumerate(ordered[:MAX_AVAILS_LISTED]):
        row = L.D_HEADER_ROW + 1 + i
        for col, value in enumerate((a.work, answer.titles.get(a.work, ""), L.YES if a.free else L.NO, a.reason,
                                     ", ".join(str(x) for x in a.blocking_rows)), start=1):
            patch.set(row, col, CellWrite(value))
    if len(ordered) > MAX_AVAILS_LISTED:
        patch.set(L.D_HEADER_ROW + 1 + MAX_AVAILS_LISTED, 1,
                  CellWrite(f"… {len(ordered) - MAX_AVAILS_LISTED} autres : xlprod avails … --json"))


def _plan_statements(plan: WritePlan, statements: list[Statement], period: str, titles: dict[str, str]) -> None:
    patch = plan.sheet(L.SHEET_RELEVES)
    patch.clear_from_row = 2
    patch.set(1, 1, CellWrite("Relevés des ayants droit"))
    if not period:
        patch.set(2, 1, CellWrite("Aucune période : indiquez « Période des relevés » dans Paramètres (ex. 2026-T3)."))
        return
    patch.set(2, 1, CellWrite(f"Période {period} — RNPP par œuvre (commissions retenues dans la limite des plafonds du "
                              "protocole), part de chaque ayant droit, minimum garanti récupéré et solde dû (hors TVA)."))
    row = L.R_FIRST_ROW
    c = L.R_COL
    for s in statements:
        patch.set(row, 1, CellWrite(f"Relevé de {s.holder} — période {s.period}"))
        row += 1
        for col, head in enumerate(L.R_HEADERS, start=1):
            patch.set(row, col, CellWrite(head))
        row += 1
        for x in s.lines:
            cells: dict[str, CellValue] = {
                "Œuvre": x.work, "Titre": titles.get(x.work, ""), "Part": to_excel(x.share),
                "Recettes brutes": to_excel(x.gross), "Commissions": to_excel(x.commission),
                "Commissions retenues": to_excel(x.retained_commission), "Frais": to_excel(x.costs),
                "MG distributeur": to_excel(x.distributor_recouped), "RNPP": to_excel(x.rnpp),
                "Part de l'ayant droit": to_excel(x.holder_share), "MG": to_excel(x.mg),
                "MG récupéré avant": to_excel(x.mg_recouped_before), "MG récupéré": to_excel(x.mg_recouped),
                "MG restant": to_excel(x.mg_outstanding), "Solde dû": to_excel(x.balance)}
            for head, value in cells.items():
                patch.set(row, c[head], CellWrite(value))
            row += 1
        totals: dict[str, CellValue] = {
            "Œuvre": "Total", "RNPP": to_excel(s.rnpp), "Part de l'ayant droit": to_excel(s.holder_share),
            "MG récupéré": to_excel(s.mg_recouped), "MG restant": to_excel(s.mg_outstanding),
            "Solde dû": to_excel(s.balance)}
        for head, value in totals.items():
            patch.set(row, c[head], CellWrite(value))
        row += 1
        for w in s.warnings:
            patch.set(row, 1, CellWrite(f"• {w}"))
            row += 1
        row += 1
