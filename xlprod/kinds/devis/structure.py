"""What a devis workbook must hold besides the user's lines, put back when the user removed it.

The Synthèse and Contrôles sheets, the defined names of results and parameters: recalc checks
them before reading anything, restores what is missing and says so. It also finds where the
Synthèse cells are now, since users insert rows and columns there (see ``placement``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter, parse_cell_ref, quote_sheet
from xlprod.core.text import fold
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.model import BudgetParameters
from xlprod.kinds.devis.parameters import default_parameters, default_values, new_parameter_names
from xlprod.workbook import controls
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.formulas import normalize_formula, rename_columns
from xlprod.workbook.placement import Placement, find_placement
from xlprod.workbook.port import RawTable, WorkbookPort, name_target


@dataclass(frozen=True)
class Structure:
    placement: Placement  # where the Synthèse cells are now
    recreated: frozenset[str]  # sheets that had been deleted and were recreated empty
    issues: tuple[Issue, ...]
    controls_origin: tuple[int, int] = (controls.HEADER_ROW, 1)  # the Contrôles list's header cell, now
    taken: frozenset[int] = frozenset()  # built rows whose place holds the user's cells (see ``taken_rows``)
    older: bool = False  # a Synthèse made before the rows of NEW_SYN_ROWS


def taken_rows(cells: list[L.SynCell], placement: Placement,
               book_values: Callable[[list[tuple[int, int]]], dict[tuple[int, int], object]],
               formulas_now: Callable[[], dict[tuple[int, int], str]]) -> frozenset[int]:
    """Built rows whose place now holds the user's cells: a calculation row found by no anchor of
    its own (the user deleted it, the rows below moved up), or a row this version adds to an
    older Synthèse where the user wrote something. A row is ours when its label is there, when one
    of its formulas is, or when it is empty."""
    width = max(placement.col(c.col) or c.col for c in cells)
    guessed = sorted(({c.row for c in cells if c.formula} - set(placement.rows))
                     | {c.row for c in cells if c.row in L.NEW_SYN_ROWS})
    where = {row: placement.row(row) for row in guessed}
    shown = book_values([(r, c) for r in where.values() if r is not None for c in range(1, width + 1)])
    labels = {(c.row, c.col): c.value for c in cells if isinstance(c.value, str) and c.value}  # titles too
    formulas: dict[tuple[int, int], str] | None = None
    taken: set[int] = set()
    for row, now in where.items():
        if now is None:
            continue
        values = {c: shown.get((now, c)) for c in range(1, width + 1)}
        if all(v in (None, "") for v in values.values()):
            continue
        cols = {c.col: c for c in cells if c.row == row}
        if not any(syn.formula for syn in cols.values()):  # a row of labels (a block's header): only ours
            ours = {placement.col(col) or col: text for (r, col), text in labels.items() if r == row}
            if any(v not in (None, "") and ours.get(c) != v for c, v in values.items()):
                taken.add(row)
            continue
        if any(_shows(values.get(placement.col(col) or col), text) for (r, col), text in labels.items() if r == row):
            continue
        if formulas is None:
            formulas = formulas_now()
        if any(syn.formula and (moved := placement.formula(syn.formula)) and (now, placement.col(col) or col) in formulas
               and normalize_formula(formulas[(now, placement.col(col) or col)]) == normalize_formula(moved)
               for col, syn in cols.items()):
            continue
        taken.add(row)
    return frozenset(taken)


def _shows(value: object, label: str) -> bool:
    """Does a cell show this label (a title built as « Synthèse du devis — » & the title: its start)?"""
    return isinstance(value, str) and (value == label or (label.endswith("— ") and value.startswith(label)))


def _built_cells() -> list[L.SynCell]:

    params = BudgetParameters.from_values(default_values(), form_version="2018", title="", company="")
    return L.synthese_cells(None, params)


def built_formulas(renames: dict[str, str] | None = None) -> dict[tuple[int, int], str]:
    """The Synthèse formulas at their built positions (they do not depend on the figures), with
    the table's columns under the names they have now."""

    params = BudgetParameters.from_values(default_values(),
                                          form_version="2018", title="", company="")
    return {(c.row, c.col): rename_columns(c.formula, renames or {}) for c in L.synthese_cells(None, params)
            if c.formula}


def restore_structure(book: WorkbookPort, renames: dict[str, str] | None = None) -> Structure:
    issues: list[Issue] = []
    recreated: set[str] = set()
    for sheet in (L.SHEET_SYNTHESE, L.SHEET_CONTROLES):
        if not book.has_sheet(sheet):
            near = next((s for s in book.sheet_names() if fold(s) == fold(sheet)), None)
            if near is not None:  # « synthese », « SYNTHÈSE », accents typed apart on a Mac: the user's sheet
                raise WorkbookError(Location(book=book.book_name, sheet=near),
                                    f"la feuille « {near} » doit s'appeler exactement « {sheet} » : les formules et "
                                    "les noms du classeur la désignent ainsi",
                                    f"Renommez l'onglet « {sheet} » (clic droit > Renommer), puis relancez.")
            book.add_sheet(sheet)
            recreated.add(sheet)
            issues.append(warning(
                "DEV048", Location(book=book.book_name, sheet=sheet),
                f"La feuille « {sheet} » avait été supprimée ou renommée : xlprod l'a recréée (sans mise en forme).",
                "Rien à faire." if sheet == L.SHEET_CONTROLES else
                "Rien à faire ; pour retrouver la mise en forme, copiez la feuille Synthèse d'un modèle neuf "
                "(xlprod new devis).",
            ))
    names = book.defined_names()
    expected = {n: (r, c) for n, (_, r, c) in L.owned_names().items()}
    found: dict[str, tuple[int, int]] = {}
    for name in expected:
        kind, ref = name_target(names.get(name))
        if kind == "cell" and isinstance(ref, tuple) and ref[0] == L.SHEET_SYNTHESE:
            found[name] = (ref[2], ref[3])
    formulas = {} if L.SHEET_SYNTHESE in recreated else book.sheet_formulas(L.SHEET_SYNTHESE)
    placement = find_placement(expected, found, built_formulas(renames), formulas)
    taken = frozenset() if L.SHEET_SYNTHESE in recreated else taken_rows(
        _built_cells(), placement, lambda cells: book.cell_values(L.SHEET_SYNTHESE, cells), lambda: formulas)

    older = not any(n in names for n in L.NEW_BLOCK_NAMES)  # made before: the new block's names never existed
    restored: dict[str, str] = {}
    syn = quote_sheet(L.SHEET_SYNTHESE)
    for name, (row, col) in expected.items():
        if name in found:
            continue
        cell = placement.cell(row, col)
        if cell is None or row in taken:  # never onto the user's cells: the row is said lost (DEV051)
            continue
        if older and row in L.NEW_SYN_ROWS and taken & L.NEW_SYN_ROWS:
            continue  # the new rows wait, all of them, until the user makes room (DEV060)
        restored[name] = f"{syn}!${column_letter(cell[1])}${cell[0]}"
        if name not in L.NEW_NAMES or name in names:  # names this version added: put in place silently
            issues.append(_name_restored(book.book_name, name, names.get(name), restored[name]))
    restored.update(_parameter_names(book, names, issues))
    constant = L.eligible_codes_constant()
    was = names.get(L.ELIGIBLE_NAME)
    if was is None or normalize_formula(was) != normalize_formula(constant):
        restored[L.ELIGIBLE_NAME] = constant  # the data's list: a line says « oui » or « non » to differ
        if was is not None:
            issues.append(warning(
                "DEV049", Location(book=book.book_name), f"Nom défini {L.ELIGIBLE_NAME} modifié ({was}) : xlprod a "
                "rétabli la liste des sous-postes éligibles au crédit d'impôt de son fichier de données.",
                "Pour retenir ou exclure une ligne, saisissez « oui » ou « non » dans sa colonne Crédit impôt.",
            ))
    origin = controls.list_origin({} if L.SHEET_CONTROLES in recreated else names)
    if name_target(names.get(controls.ORIGIN_NAME))[0] != "cell" or L.SHEET_CONTROLES in recreated:
        restored[controls.ORIGIN_NAME] = controls.origin_reference(origin)  # new in 2026-11: added silently
    book.set_names(restored)
    owned = [*expected, *(p.name for p in default_parameters()), *(n for _, n, *_ in L.PROJECT_PARAMS)]
    local = {n.casefold(): sheets for n, sheets in book.local_names().items()}  # names ignore case
    for name in owned:
        for sheet in local.get(name.casefold(), []):
            issues.append(error(
                "DEV054", Location(book=book.book_name, sheet=sheet),
                f"Le nom {name} est aussi défini pour la seule feuille « {sheet} » : les formules de cette feuille "
                "n'utilisent pas la même cellule que xlprod.",
                "Supprimez ce nom local (Formules > Gestionnaire de noms, étendue : la feuille) ; tant qu'il existe, "
                "xlprod ne met pas à jour les totaux du classeur.",
            ))
    return Structure(placement, frozenset(recreated), tuple(issues), origin, taken, older)


def _name_restored(book: str, name: str, was: str | None, now: str) -> Issue:
    state = "supprimé" if was is None else f"cassé ({was})"
    return warning(
        "DEV049", Location(book=book), f"Nom défini {name} {state} : xlprod l'a rétabli ({now}).",
        "Rien à faire. Les formules qui l'utilisent (les vôtres comme celles du classeur) calculent de nouveau.",
    )


def _parameter_names(book: WorkbookPort, names: dict[str, str], issues: list[Issue]) -> dict[str, str]:
    """Names of parameter cells: to their row of the Paramètres table when it is still there,
    otherwise to the default value itself, so the workbook's formulas compute what Python does."""
    specs = [(p.key, p.name, p.value, True) for p in default_parameters()]
    specs += [(key, name, "2018" if key == "version_formulaire" else "", False) for key, name, *_ in L.PROJECT_PARAMS]
    # a value or a formula in the name is the user's setting: read (or refused), never re-pointed
    missing = [s for s in specs if name_target(names.get(s[1]))[0] in ("missing", "broken")]
    table = book.table(L.TABLE_PARAMETRES)
    cells = _parameter_cells(table)
    issues += _duplicate_keys(book.book_name, table)
    restored: dict[str, str] = {}
    for key, name, default, numeric in missing:
        if key not in cells and table is not None:  # its row was deleted: back at the end of the table
            grown = book.add_table_row(table, _parameter_row(key, default, numeric))
            if grown is not None:
                table, cells = grown, _parameter_cells(grown)
        target = cells.get(key) or (default if numeric and default else f'"{default}"')  # blank: an empty text
        restored[name] = target
        if name not in new_parameter_names() or name in names:  # added by this version: put in place silently
            issues.append(_name_restored(book.book_name, name, names.get(name), target))
    # a name holding a value: xlprod's own fallback when the row had no room to come back (the
    # default value), or the user's setting. Where a row exists again (typed back by the user), the
    # fallback gives way to it; where there is room, the value goes back into a row, kept as it is.
    for key, name, default, numeric in specs:
        kind, value = name_target(names.get(name))
        if kind != "constant" or name in restored:
            continue
        if key in cells and not _same_value(value, default):
            continue  # the user's own value in the name: read as such (DEV042 says so)
        if key not in cells and table is not None:
            grown = book.add_table_row(table, _parameter_row(key, str(value), numeric, value))
            if grown is not None:
                table, cells = grown, _parameter_cells(grown)
        if key in cells:
            restored[name] = cells[key]
            issues.append(_repointed(book.book_name, name, f"il contenait la valeur fixe {value}", key, cells[key],
                                     "Vérifiez la valeur de cette ligne : c'est désormais elle que les formules "
                                     "utilisent."))
    # a sorted table moves values, not cells: a name then reads another parameter's row
    key_at = {_cell_key(ref): key for key, ref in cells.items()}
    for key, name, _, _ in specs:
        if name_target(names.get(name))[0] != "cell" or key not in cells:
            continue
        pointed = key_at.get(_cell_key(names.get(name, "")))
        if pointed is not None and pointed != key:
            restored[name] = cells[key]
            issues.append(_repointed(book.book_name, name,
                                     f"il désignait la ligne de « {pointed} » (tableau Paramètres trié ?)", key,
                                     cells[key], "Rien à faire : chaque nom désigne de nouveau la valeur de son "
                                     "paramètre."))
    return restored


def _repointed(book: str, name: str, was: str, key: str, ref: str, hint: str) -> Issue:
    return warning(
        "DEV049", Location(book=book, sheet=L.SHEET_PARAMETRES),
        f"Nom défini {name} : {was} ; xlprod l'a rétabli sur la ligne « {key} » du tableau Paramètres ({ref}).", hint,
    )


def _same_value(value: object, default: str) -> bool:
    try:
        return abs(float(str(value)) - float(default)) < 1e-12
    except ValueError:
        return str(value) == default


def _cell_key(text: str) -> tuple[str, int, int] | None:
    ref = parse_cell_ref(text.replace("$", "")) if text else None
    return (ref[0], ref[2], ref[3]) if ref else None


def _parameter_row(key: str, default: str, numeric: bool, value: object = None) -> list[object]:
    """A row of the Paramètres table as the builder writes it (Clé, Paramètre, Valeur, Unité,
    Valeur par défaut, Source), for a parameter whose row was deleted; ``value``: the one to keep."""
    for spec in default_parameters():
        if spec.key == key:
            return [key, spec.label, spec.default_float if value is None else value, spec.unit, spec.default_float,
                    spec.source]
    for project_key, _, label, unit, source in L.PROJECT_PARAMS:
        if project_key == key:
            return [key, label, default, unit, default, source]
    return [key, key, float(default) if numeric and default else default]


def _parameter_cells(table: RawTable | None) -> dict[str, str]:
    """Parameter key -> its Valeur cell, from the Paramètres table as it is now."""
    if table is None:
        return {}
    headers = [fold(h) for h in table.headers]
    try:
        key_col, value_col = headers.index(fold(L.PARAM_COLUMNS[0])), headers.index(fold(L.PARAM_COLUMNS[2]))
    except ValueError:
        return {}
    sheet = quote_sheet(table.sheet)
    letter = column_letter(table.first_col + value_col)
    cells: dict[str, str] = {}
    for i, row in enumerate(table.rows):
        if row[key_col]:
            cells.setdefault(str(row[key_col]).strip(), f"{sheet}!${letter}${table.header_row + 1 + i}")
    return cells


def _duplicate_keys(book: str, table: RawTable | None) -> list[Issue]:
    """A key typed twice: only its first row is read; the second would change nothing, silently."""
    if table is None or not table.headers or fold(table.headers[0]) != fold(L.PARAM_COLUMNS[0]):
        return []
    seen: dict[str, int] = {}
    issues = []
    for i, row in enumerate(table.rows):
        key = str(row[0]).strip() if row and row[0] else ""
        if not key:
            continue
        first = seen.setdefault(key, table.header_row + 1 + i)
        if first != table.header_row + 1 + i:
            issues.append(warning(
                "DEV055", Location(book=book, sheet=table.sheet, cell=f"{column_letter(table.first_col)}"
                                                                     f"{table.header_row + 1 + i}"),
                f"Paramètre « {key} » en double : seule la ligne {first} est lue, celle-ci est sans effet.",
                "Supprimez l'une des deux lignes (et gardez la bonne valeur).",
            ))
    return issues


def restore_computed_columns(book: WorkbookPort, table: RawTable,
                             renames: dict[str, str]) -> tuple[RawTable, list[Issue]]:
    """A computed column deleted from the Devis table comes back on the table's right (the place
    Excel gives a new column), so that the Synthèse formulas find it again. A table made before
    this version gets the columns it added there too, without a warning."""
    issues: list[Issue] = []
    present = {fold(h) for h in table.headers}
    older = not any(fold(L.COLUMN_BY_FIELD[f].header) in present for f in L.NEW_FIELDS)
    wanted = [c.field for c in L.DEVIS_COLUMNS if (c.field in L.COMPUTED_FIELDS or c.field in L.NEW_FIELDS)
              and fold(c.header) not in present]
    first = table.first_col + len(table.headers)  # the columns they would take, on the table's right
    span = range(first, first + len(wanted))
    last_row = table.header_row + max(len(table.rows), 1)
    cells = [(r, c) for r in range(table.header_row, last_row + 1) for c in span]
    busy = sorted({c for (_, c), v in book.cell_values(table.sheet, cells).items() if v not in (None, "")}) \
        if cells else []  # nothing wanted: the usual run reads nothing (the sheet's grid is costly)
    if busy and any(f in L.NEW_FIELDS for f in wanted):  # all or none: a table half migrated would read as edited
        cols = f"{column_letter(span[0])}:{column_letter(span[-1])}" if len(span) > 1 else column_letter(span[0])
        names = ", ".join(f"« {L.COLUMN_BY_FIELD[f].header} »" for f in wanted)
        issues.append(error(
            "DEV041", Location(book=book.book_name, sheet=table.sheet, cell=f"{column_letter(busy[0])}{table.header_row}"),
            f"Colonne(s) {names} absente(s) du tableau {table.name}, et xlprod ne peut pas les ajouter : les colonnes "
            f"{cols}, à droite du tableau, ne sont pas vides ; xlprod ne met pas à jour les totaux du classeur.",
            f"Videz les colonnes {cols} sur la hauteur du tableau (ou déplacez ce qu'elles contiennent), puis relancez : "
            "xlprod y ajoutera les colonnes.",
        ))
        return table, issues
    for fld in wanted:
        spec = L.COLUMN_BY_FIELD[fld]
        if fld in L.NEW_FIELDS and fld not in L.COMPUTED_FIELDS:
            grown = book.add_table_column(table, spec.header, None)  # an input column, blank: as the account says
        elif spec.formula is not None:
            grown = book.add_table_column(table, spec.header, rename_columns(spec.formula, renames))
        else:
            continue
        if grown is None:
            if fld in L.NEW_FIELDS:  # the Synthèse's formulas use it: without it they show #NAME?
                right = column_letter(table.first_col + len(table.headers))
                issues.append(error(
                    "DEV041", Location(book=book.book_name, sheet=table.sheet, cell=f"{right}{table.header_row}"),
                    f"Colonne « {spec.header} » absente du tableau {table.name}, et xlprod ne peut pas l'ajouter : la "
                    f"colonne {right}, à droite du tableau, n'est pas vide ; xlprod ne met pas à jour les totaux du "
                    "classeur.",
                    f"Videz la colonne {right} sur la hauteur du tableau (ou déplacez ce qu'elle contient), puis relancez : "
                    "xlprod y ajoutera la colonne.",
                ))
            continue  # otherwise reported as a missing column by the reader (DEV041)
        table = grown
        cell = f"{column_letter(table.first_col + len(table.headers) - 1)}{table.header_row}"
        if fld in L.NEW_FIELDS and older:
            continue  # a column this version added, to a table made before: put in place silently
        if fld not in L.COMPUTED_FIELDS:
            issues.append(warning(
                "DEV052", Location(book=book.book_name, sheet=table.sheet, cell=cell),
                f"Colonne « {spec.header} » supprimée du tableau {table.name} : xlprod l'a rétablie, vide, à droite du "
                f"tableau ({cell}) ; chaque ligne suit de nouveau son compte.",
                "Si vous y aviez saisi des valeurs, ressaisissez-les (ou reprenez-les d'une copie du fichier).",
            ))
            continue
        issues.append(warning(
            "DEV052", Location(book=book.book_name, sheet=table.sheet, cell=cell),
            f"Colonne calculée « {spec.header} » supprimée du tableau {table.name} : xlprod l'a rétablie à droite "
            f"du tableau ({cell}).",
            "Rien à faire ; vous pouvez la replacer ailleurs dans le tableau (couper, puis insérer les cellules coupées).",
        ))
    return table, issues
