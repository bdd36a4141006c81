"""« Figer une version du devis »: copy a devis' lines and what lies below them into the expense
workbook, under a name, once and for all. The first version is the initial estimate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from xlprod.core.cells import cell_text, excel_date
from xlprod.core.issues import Issue, warning
from xlprod.core.location import Location, split_cell
from xlprod.core.money import ZERO, format_eur, from_excel, to_excel
from xlprod.core.text import fold
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.model import Version, VersionLine
from xlprod.kinds.depenses.recalc import table
from xlprod.kinds.depenses.tracking import chapter_of
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.port import WorkbookPort

FORBIDDEN = set("*?~")
# the devis computes social charges per population in its Synthèse, not on lines: a version holds
# them on the chapter-4 sub-chapter of each population (postes-cnc.json), where payroll posts them
CHARGES_SUB_CHAPTER = {"technicien": "41", "ouvrier": "41", "stagiaire": "41", "réalisateur": "42", "cadre": "42",
                       "artiste-interprète": "43", "figurant": "44", "permanent": "45", "auteur": "46"}


@dataclass(frozen=True)
class Snapshot:
    version: Version
    skipped: int  # devis lines without a chapter account
    first: bool
    issues: tuple[Issue, ...] = ()  # what the user should look at before relying on the version

    def render(self) -> str:
        v = self.version
        role = " (devis initial)" if self.first else ""
        skipped = f" ; {self.skipped} ligne(s) sans compte de poste ignorée(s)" if self.skipped else ""
        return (f"version « {v.name} »{role} figée : {len(v.lines)} lignes, postes 1 à 9 {format_eur(v.lines_total)}, "
                f"total du devis {format_eur(v.total)}{skipped}")


def read_devis_version(devis: WorkbookPort, name: str, source: str) -> tuple[Version, int]:
    """A devis workbook as a version: its lines' cached amounts and its totals, as last recalculated."""
    where = Location(book=devis.book_name)
    if devis.kind() != "devis":
        raise WorkbookError(where, "ce classeur n'est pas un devis xlprod",
                            "Donnez le devis de la production (--devis devis.xlsx).")
    lines = devis.table("Devis")
    total = devis.named_cell("DEVIS_TOTAL")
    uncalculated = lines is not None and total is not None and total[0] == 0 and "Taux unitaire" in lines.headers and any(
        isinstance(r[lines.headers.index("Taux unitaire")], int | float) and r[lines.headers.index("Taux unitaire")]
        for r in lines.rows)  # rates but a total of 0: a devis written by a program, never calculated
    if lines is None or total is None or not isinstance(total[0], int | float) or uncalculated:
        raise WorkbookError(where, "le devis n'a pas de total calculé",
                            f"Recalculez le devis (xlprod recalc {devis.book_name}), puis figez la version.")
    if "Compte" not in lines.headers or "Montant" not in lines.headers:
        raise WorkbookError(where, "le tableau Devis n'a pas ses colonnes Compte et Montant",
                            "Repartez du devis xlprod de la production.")
    a, m = lines.headers.index("Compte"), lines.headers.index("Montant")
    lab = lines.headers.index("Libellé") if "Libellé" in lines.headers else None  # renamed: the lines still count
    out: list[VersionLine] = []
    skipped = 0
    for row in lines.rows:
        account = cell_text(row[a])
        amount = row[m]
        if not account and amount in (None, "", 0, 0.0):
            continue
        if chapter_of(account) is None or not isinstance(amount, int | float) or isinstance(amount, bool):
            skipped += 1
            continue
        out.append(VersionLine(account, cell_text(row[lab]) if lab is not None else "", from_excel(amount)))

    out += _computed_charges(devis)

    def named(n: str) -> Decimal:
        found = devis.named_cell(n)
        return from_excel(found[0]) if found and isinstance(found[0], int | float) else ZERO

    version = Version(name=name, lines=tuple(out), date=dt.date.today(), source=source,
                      overhead=named("DEVIS_FRAIS_GENERAUX"), contingency=named("DEVIS_IMPREVUS"),
                      tax_credit_base=_base_before_caps(devis), total=from_excel(float(total[0])))
    return version, skipped


def _base_before_caps(devis: WorkbookPort) -> Decimal:
    """The devis' tax-credit base before the caps per day and night and the director's barème, as
    actual spend is counted (the Synthèse puts them three rows and one row above the base)."""
    found = devis.named_cell("DEVIS_BASE_CREDIT_IMPOT")
    if not found or not isinstance(found[0], int | float) or not found[1].sheet or not found[1].cell:
        return ZERO
    base = from_excel(found[0])
    cell = split_cell(found[1].cell)
    if cell is None:
        return base
    row, col = cell
    shown = devis.cell_values(found[1].sheet, [(row - 3, col), (row - 1, col)])
    deducted = [shown.get(c) for c in ((row - 3, col), (row - 1, col))]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v <= 0 for v in deducted):
        return base  # a Synthèse laid out otherwise: the base as the devis gives it
    return base - sum((from_excel(v) for v in deducted if isinstance(v, int | float)), ZERO)


def _computed_charges(devis: WorkbookPort) -> list[VersionLine]:
    from xlprod.cnc.payroll import CHARGED_CATEGORIES
    from xlprod.cnc.reference import chapters_data
    from xlprod.kinds.devis import layout as DL

    cells = [(DL.SYN_FIRST_CHARGE_ROW + i, 5) for i in range(len(CHARGED_CATEGORIES))]
    shown = devis.cell_values(DL.SHEET_SYNTHESE, cells)
    names = chapters_data()["sub_chapters"]
    by_sub: dict[str, Decimal] = {}
    for cell, category in zip(cells, CHARGED_CATEGORIES, strict=True):
        value = shown.get(cell)
        if isinstance(value, int | float) and not isinstance(value, bool) and value:
            sub = CHARGES_SUB_CHAPTER.get(category.value, "41")
            by_sub[sub] = by_sub.get(sub, ZERO) + from_excel(value)
    return [VersionLine(sub, f"{names.get(sub, 'Charges sociales')} (calculées au devis)", amount)
            for sub, amount in sorted(by_sub.items())]


def check_name(book: WorkbookPort, name: str) -> str:
    name = " ".join(name.split())
    where = Location(book=book.book_name, sheet=L.SHEET_INSTANTANES)
    if not name:
        raise WorkbookError(where, "nom de version vide", "Donnez un nom : --nom \"Dépôt CNC\".")
    if name[0] in "<>=" or FORBIDDEN & set(name):
        raise WorkbookError(where, f"nom de version « {name} » : ni <, > ou = au début, ni *, ? ou ~ (les formules le "
                            "liraient comme un critère)", "Choisissez un autre nom.")
    meta = table(book, L.TABLE_VERSIONS, L.SHEET_INSTANTANES)
    if "Nom" in meta.headers:
        taken = {cell_text(r[meta.headers.index("Nom")]).casefold(): cell_text(r[meta.headers.index("Nom")])
                 for r in meta.rows}
        if name.casefold() in taken:
            same = "" if taken[name.casefold()] == name else f" (« {taken[name.casefold()]} » : les noms se comparent " \
                "sans la casse)"
            raise WorkbookError(where, f"une version « {name} » existe déjà{same} ; les versions sont figées",
                                "Choisissez un autre nom, par exemple avec la date.")
    return name


def free_name(book: WorkbookPort, name: str) -> str:
    """``name``, or ``name (2)``... when a version already has it (the button, twice in a minute)."""
    meta = table(book, L.TABLE_VERSIONS, L.SHEET_INSTANTANES)
    taken = {cell_text(r[meta.headers.index("Nom")]).casefold() for r in meta.rows} if "Nom" in meta.headers else set()
    n, candidate = 1, name
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def add_version(book: WorkbookPort, version: Version) -> bool:
    """Append the version's lines and its row; True when it is the first (the initial estimate)."""
    snaps = table(book, L.TABLE_INSTANTANES, L.SHEET_INSTANTANES)
    meta = table(book, L.TABLE_VERSIONS, L.SHEET_INSTANTANES)
    first = not any(cell_text(r[0]) for r in meta.rows)
    where = Location(book=book.book_name, sheet=L.SHEET_INSTANTANES)
    rows: list[list[object]] = [[version.name, line.account, line.label, to_excel(line.amount)]
                                for line in version.lines]
    if book.add_table_rows(snaps, rows) is None:
        raise WorkbookError(where, "pas de place sous le tableau Instantanes pour la nouvelle version",
                            "Libérez les lignes sous le tableau (colonnes A à D), puis relancez.")
    day = excel_date(version.date) if version.date else None
    if book.add_table_rows(meta, [[version.name, day, version.source, to_excel(version.total),
                                   to_excel(version.overhead), to_excel(version.contingency),
                                   to_excel(version.tax_credit_base)]]) is None:
        raise WorkbookError(where, "pas de place sous le tableau ListeVersions",
                            "Libérez les lignes sous le tableau (colonnes F à L), puis relancez.")
    return first


def snapshot(book: WorkbookPort, devis: WorkbookPort, name: str, source: str | Path, *,
             unless_unchanged: bool = False) -> Snapshot | None:
    """Freeze ``devis`` into ``book`` as version ``name``. ``unless_unchanged`` (the button, named by
    the date): None instead of a copy of the last version, line for line."""
    _kinds_in_place(book, devis)
    name = check_name(book, name)
    version, skipped = read_devis_version(devis, name, str(source))
    if version.total == 0:
        raise WorkbookError(Location(book=devis.book_name), "le devis totalise 0,00 € : une version vide ne peut pas "
                            "servir de budget", "Saisissez et recalculez le devis, puis figez-le.")
    if unless_unchanged and _same_as_last(book, version):
        return None
    issues = _other_film(book, devis)
    first = add_version(book, version)
    return Snapshot(version, skipped, first, issues)


def _kinds_in_place(book: WorkbookPort, devis: WorkbookPort) -> None:
    """The expense workbook first, the devis after ``--devis``: said when swapped."""
    from xlprod.kinds import KINDS

    for port, wanted, hint in ((book, L.KIND, "Donnez d'abord le suivi des dépenses : xlprod snapshot depenses.xlsx "
                                "--devis devis.xlsx --nom …"),
                               (devis, "devis", "Donnez après --devis le devis de la production.")):
        kind = port.kind()
        if kind != wanted:
            what = KINDS[kind].title if kind in KINDS else "pas un classeur xlprod"
            raise WorkbookError(Location(book=port.book_name), f"ce classeur est : {what}, pas "
                                f"{'un suivi des dépenses' if wanted == L.KIND else 'un devis'}", hint)


def _same_as_last(book: WorkbookPort, version: Version) -> bool:
    meta = table(book, L.TABLE_VERSIONS, L.SHEET_INSTANTANES)
    snaps = table(book, L.TABLE_INSTANTANES, L.SHEET_INSTANTANES)
    rows = [r for r in meta.rows if cell_text(r[0])]
    if not rows or len(snaps.headers) < 4 or any(h not in meta.headers for h in L.VERSIONS_HEADERS):
        return False
    last = rows[-1]

    def figure(header: str) -> Decimal | None:
        value = last[meta.headers.index(header)]
        return from_excel(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    totals = (version.total, version.overhead, version.contingency, version.tax_credit_base)
    if [figure(h) for h in ("Total", "Frais généraux", "Imprévus", "Base crédit impôt")] != list(totals):
        return False  # a rate of the devis changed (overhead, contingency): its lines alone do not say it
    name = cell_text(last[0]).casefold()
    frozen = [(cell_text(r[1]), cell_text(r[2]), from_excel(r[3]) if isinstance(r[3], int | float) else None)
              for r in snaps.rows if cell_text(r[0]).casefold() == name]
    return frozen == [(line.account, line.label, line.amount) for line in version.lines]


def _other_film(book: WorkbookPort, devis: WorkbookPort) -> tuple[Issue, ...]:
    """A devis whose title is not the expense workbook's: maybe another film's."""
    ours, theirs = book.named_cell("DEPENSES_TITRE"), devis.named_cell("PROJET_TITRE")
    a = cell_text(ours[0]) if ours else ""
    b = cell_text(theirs[0]) if theirs else ""
    if not a or not b or fold(a) == fold(b) or "Sans titre" in (a, b):
        return ()
    where = theirs[1] if theirs and theirs[1].sheet else Location(book=devis.book_name)
    return (warning("DEP027", where, f"Le devis est celui de « {b} », le suivi celui de « {a} » : est-ce le bon "
                    "devis ?", f"Vérifiez le devis donné ; s'il est le bon, corrigez le titre dans les Paramètres de "
                    f"{book.book_name}."),)
