"""Creates a new ``devis.xlsx`` with XlsxWriter: tables, formulas, names, formats, validation.

The builder lays out structure and the user's inputs only; the numbers (cached values) and the
Contrôles sheet are then filled by the same recalculation that serves every later run, so a new
file and a recalculated file can never differ in how they are computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import xlsxwriter

from xlprod.cnc.payroll import charge_components, component_populations
from xlprod.cnc.reference import FORM_VERSIONS
from xlprod.core.location import column_letter, quote_sheet
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.model import BudgetParameters
from xlprod.kinds.devis.parameters import default_parameters, default_values, parameters_edition
from xlprod.workbook.buttons import add_buttons
from xlprod.workbook.controls import build_controls_sheet
from xlprod.workbook.styles import workbook_formats as _formats


def _column_format(col: L.Column, fmt: dict[str, Any]) -> object:
    if col.kind == "computed":
        return fmt["computed_int"] if col.field == "chapter" else fmt["computed"]
    return {"money": fmt["money"], "percent": fmt["percent"], "number": fmt["number"],
            "text": fmt["input_text"] if col.field == "account" else fmt["text"]}.get(col.kind, fmt["text"])


def _validation(col: L.Column) -> dict[str, Any] | None:
    if col.field in ("quantity", "number"):
        return {"validate": "decimal", "criteria": ">=", "value": 0, "error_title": col.header,
                "error_message": f"{col.header} : saisissez un nombre positif ou nul."}
    if col.field == "unit_rate":
        return {"validate": "decimal", "criteria": "between", "minimum": -1e12, "maximum": 1e12,
                "error_title": col.header, "error_message": "Taux unitaire : saisissez un montant en euros."}
    if col.field == "france_share":
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
                "input_title": "Part France", "input_message": "Part de la dépense faite en France : 100 % par défaut "
                "(cellule vide), 0 % pour une dépense à l'étranger.",
                "error_title": "Part France", "error_message": "Saisissez un pourcentage entre 0 % et 100 %."}
    if col.field == "unit":
        return {"validate": "list", "source": list(L.UNITS), "error_type": "warning",
                "error_title": "Unité", "error_message": "Unité hors liste : la conserver quand même ?"}
    if col.field == "category":
        return {"validate": "list", "source": list(L.CATEGORIES), "error_title": "Catégorie de paie",
                "input_title": "Catégorie de paie", "input_message": "Obligatoire aux postes 2 et 3 : elle fixe le "
                "taux des charges patronales (poste 4). « non salarié » pour une prestation facturée.",
                "error_message": "Choisissez une catégorie de la liste."}
    if col.field == "tax_credit":
        return {"validate": "list", "source": [L.YES, L.NO], "error_title": col.header,
                "input_title": "Crédit d'impôt", "input_message": "Vide : la ligne compte dans la base du crédit "
                "d'impôt selon son compte. « oui » ou « non » pour décider ligne par ligne.",
                "error_message": "Saisissez « oui » ou « non », ou laissez vide pour suivre le compte."}
    if col.field == "protocol":
        return {"validate": "list", "source": list(L.PROTOCOL_VALUES), "error_title": col.header,
                "input_title": "Protocole de transparence", "input_message": "Vide : selon le compte (211 ou 2101 "
                "rémunération du producteur délégué, 94 frais financiers). Sinon, classez la ligne ici.",
                "error_message": "Choisissez dans la liste, ou laissez vide."}
    if col.field.startswith("tag:"):
        return {"validate": "list", "source": [L.YES, L.NO], "error_title": col.header,
                "error_message": "Saisissez « oui » pour identifier ce coût, ou laissez vide."}
    return None


def _components_table(par: Any, fmt: dict[str, Any], head: int) -> None:
    """The employer contributions, one row each, one column per population, with their source.

    To the right of the Paramètres table and below it: deleting a parameter's row never deletes
    a component, and a parameter row put back at the end of its table never runs into them.
    """
    headers = L.charges_columns()
    populations = list(component_populations())
    first_col = L.CHARGES_FIRST_COL - 1
    components = charge_components()
    par.write(head - 2, first_col, "Charges patronales par population : composantes (le taux de chaque catégorie, à "
              "gauche, est la somme de sa colonne)", fmt["subtitle"])
    par.write(head - 1, first_col, "Estimation : taux à plat, sans plafond journalier de la sécurité sociale, "
              "réductions sous 2,5 SMIC, accidents du travail, prévoyance ni médecine du travail.", fmt["note"])
    par.add_table(head, first_col, head + len(components), first_col + len(headers) - 1, {
        "name": L.TABLE_CHARGES, "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": h, "header_format": fmt["header"]} for h in headers],
    })
    for i, component in enumerate(components):
        r = head + 1 + i
        par.write_string(r, first_col, component.label, fmt["wrap"])
        for j, population in enumerate(populations):
            par.write_number(r, first_col + 1 + j, float(component.rates[population]), fmt["percent"])
        par.write_string(r, first_col + len(headers) - 1, component.source, fmt["wrap"])
    par.set_column(first_col, first_col, 40)
    par.set_column(first_col + 1, first_col + len(populations), 12)
    par.set_column(first_col + len(headers) - 1, first_col + len(headers) - 1, 70)


def _printable(text: str) -> str:
    """A title typed on a command line: control characters (which XML forbids) become spaces."""
    return "".join(" " if ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF or ch in "\ufffe\uffff" else ch
                   for ch in text).strip()


def build_devis(path: str | Path, rows: Sequence[dict[str, object]], *, title: str, company: str = "",
                form_version: str = "2018", extra_rows: int = 0,
                buttons: Sequence[tuple[str, str, str]] = ()) -> Path:
    """Write a new devis workbook whose Devis table holds ``rows`` (field name -> raw value).

    ``buttons`` (action, label, tip) go on the Devis and Synthèse sheets of an .xlsm file.
    """
    if form_version not in FORM_VERSIONS:
        raise ValueError(f"form version must be one of {FORM_VERSIONS}")
    title, company = _printable(title), _printable(company)
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"title": f"Devis — {title}", "company": company, "comments": "Créé par xlprod"})
    fmt = _formats(wb)
    ws = wb.add_worksheet(L.SHEET_DEVIS)
    syn = wb.add_worksheet(L.SHEET_SYNTHESE)
    par = wb.add_worksheet(L.SHEET_PARAMETRES)

    # -- Devis ------------------------------------------------------------------------------
    ws.write_formula("A1", '="Devis détaillé — "&PROJET_TITRE', fmt["title"], f"Devis détaillé — {title}")
    ws.write("A2", "Saisissez une ligne par dépense : compte CNC, quantité × nombre × taux unitaire. "
             "Les colonnes grisées (Poste, Montant, Montant France, Base crédit impôt) sont calculées ; le poste 4 (charges "
             "sociales) est calculé à partir des catégories de paie. Pour mettre à jour la Synthèse et les "
             "Contrôles : " + ("bouton « Recalculer »." if path.suffix.lower() == ".xlsm" else
                               "onglet xlprod > Recalculer dans Excel, ou xlprod recalc en ligne de commande."),
             fmt["note"])
    hr = L.DEVIS_HEADER_ROW - 1  # 0-based
    n_rows = max(len(rows), 1) + extra_rows
    columns = []
    for col in L.DEVIS_COLUMNS:
        spec: dict[str, object] = {"header": col.header, "format": _column_format(col, fmt),
                                   "header_format": fmt["header"]}
        if col.formula:
            spec["formula"] = "=" + col.formula
        columns.append(spec)
    data = [[None if c.formula else row.get(c.field) for c in L.DEVIS_COLUMNS] for row in rows]
    last_col = len(L.DEVIS_COLUMNS) - 1
    table: dict[str, object] = {"name": L.TABLE_DEVIS, "columns": columns, "style": "Table Style Light 1"}
    if data:
        table["data"] = data
    ws.add_table(hr, 0, hr + n_rows, last_col, table)
    for i, col in enumerate(L.DEVIS_COLUMNS):
        ws.set_column(i, i, col.width, _column_format(col, fmt) if col.kind != "computed" else None)
        rule = _validation(col)
        if rule:
            ws.data_validation(hr + 1, i, hr + n_rows + 2000, i, rule)
    ws.set_row(hr, 30)
    ws.freeze_panes(hr + 1, 2)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(hr)
    ws.set_paper(9)

    # -- Synthèse ---------------------------------------------------------------------------
    params = BudgetParameters.from_values(default_values(),
                                          form_version=form_version, title=title, company=company)
    for cell in L.synthese_cells(None, params):
        style = fmt[cell.style]
        if cell.formula:
            value = cell.value if cell.value is not None else 0
            syn.write_formula(cell.row - 1, cell.col - 1, "=" + cell.formula, style,
                              value if isinstance(value, str) else float(cast(float, value)))
        else:
            syn.write(cell.row - 1, cell.col - 1, cell.value, style)
    for i, width in enumerate((11, 52, 18, 14, 20, 14, 16)):
        syn.set_column(i, i, width)
    syn.set_row(L.SYN_HEADER_ROW - 1, 30)
    syn.set_row(L.SYN_CHARGES_HEADER_ROW - 1, 30)
    syn.write(L.SYN_STATUS_CELL[0] - 1, L.SYN_STATUS_CELL[1] - 1, "Contrôles : pas encore recalculé.", fmt["note"])
    syn.set_landscape()
    syn.fit_to_pages(1, 1)
    syn.activate()

    # -- Paramètres -------------------------------------------------------------------------
    par.write("A1", "Paramètres du devis", fmt["title"])
    par.write("A2", f"Modifiez la colonne Valeur. Valeurs par défaut : fichier de paramètres xlprod, édition "
              f"{parameters_edition()} ; chaque ligne cite sa source. Les estimations non vérifiées sont signalées.",
              fmt["note"])
    prows: list[list[object]] = []
    project_values = {"projet_titre": title, "projet_societe": company, "version_formulaire": form_version}
    for key, _name, label, unit, source in L.PROJECT_PARAMS:
        prows.append([key, label, project_values[key], unit, "" if key != "version_formulaire" else "2018", source])
    linked: dict[str, str] = {}
    for p in default_parameters():
        prows.append([p.key, p.label, p.default_float, p.unit, p.default_float, p.source])
        if p.components:
            linked[p.key] = L.component_link(p.components)
    ph = L.PARAM_HEADER_ROW - 1
    par.add_table(ph, 0, ph + len(prows), 5, {
        "name": L.TABLE_PARAMETRES, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt["header"]} for h in
                    L.PARAM_COLUMNS],
    })
    for i, row in enumerate(prows):
        r = ph + 1 + i
        is_rate = row[3] == "%"
        par.write_string(r, 0, row[0], fmt["text"])
        par.write_string(r, 1, row[1], fmt["wrap"])
        if is_rate and row[0] in linked:  # the sum of its column of components, on the right
            par.write_formula(r, 2, "=" + linked[str(row[0])], fmt["percent"], row[2])
            par.write_number(r, 4, row[4], fmt["percent"])
        elif is_rate and row[2] == "":  # optional, left blank
            par.write_blank(r, 2, None, fmt["percent"])
            par.write_blank(r, 4, None, fmt["percent"])
            par.data_validation(r, 2, r, 2, {"validate": "decimal", "criteria": "between", "minimum": -1,
                                             "maximum": 1, "error_title": "Taux", "ignore_blank": True,
                                             "error_message": "Saisissez un pourcentage, ou laissez vide."})
        elif is_rate:
            par.write_number(r, 2, row[2], fmt["percent"])
            par.write_number(r, 4, row[4], fmt["percent"])
            par.data_validation(r, 2, r, 2, {"validate": "decimal", "criteria": "between", "minimum": 0,
                                             "maximum": 1, "error_title": "Taux",
                                             "error_message": "Saisissez un pourcentage entre 0 % et 100 %."})
        elif row[3] == "€":
            par.write_number(r, 2, row[2], fmt["money"])
            par.write_number(r, 4, row[4], fmt["money"])
            par.data_validation(r, 2, r, 2, {"validate": "decimal", "criteria": ">=", "value": 0,
                                             "error_title": "Montant",
                                             "error_message": "Saisissez un montant en euros, positif."})
        else:
            par.write_string(r, 2, str(row[2]), fmt["text"])
            par.write_string(r, 4, str(row[4]), fmt["text"])
        par.write_string(r, 3, row[3], fmt["center"])
        par.write_string(r, 5, row[5], fmt["wrap"])
    version_row = ph + 1 + [p[0] for p in prows].index("version_formulaire")
    par.data_validation(version_row, 2, version_row, 2, {"validate": "list", "source": list(FORM_VERSIONS)})
    for i, width in enumerate((26, 48, 16, 8, 16, 90)):
        par.set_column(i, i, width)
    _components_table(par, fmt, ph + len(prows) + 4)
    par.freeze_panes(ph + 1, 0)

    # -- Contrôles -------------------------------------------------------------------------
    build_controls_sheet(wb, fmt, "Contrôles du devis")

    if buttons and path.suffix.lower() == ".xlsm":
        add_buttons(wb, [(ws, 2, 0), (syn, 0, 7)], buttons)

    # -- Names ------------------------------------------------------------------------------
    wb.define_name("XLPROD_TYPE", f'="{L.KIND}"')
    wb.define_name("XLPROD_MODELE", f"={L.CONTRACT_VERSION}")
    wb.define_name(L.ELIGIBLE_NAME, "=" + L.eligible_codes_constant())
    for name, (sheet, row_no, col_no) in L.owned_names().items():
        wb.define_name(name, f"={quote_sheet(sheet)}!${column_letter(col_no)}${row_no}")
    keys = [r[0] for r in prows]
    names = {k: n for k, n, *_ in L.PROJECT_PARAMS} | {p.key: p.name for p in default_parameters()}
    for key, name in names.items():
        wb.define_name(name, f"={quote_sheet(L.SHEET_PARAMETRES)}!$C${ph + 2 + keys.index(key)}")
    wb.close()
    return path


def catalogue_rows() -> list[dict[str, object]]:
    """A new devis starts with the standard account catalogue, quantities left for the user."""
    from xlprod.cnc.reference import account_catalogue

    rows = []
    for acc in account_catalogue():
        row: dict[str, object] = {"account": acc.account, "label": acc.label, "unit": acc.unit, "number": 1}
        if acc.category:
            row["category"] = acc.category
        if acc.tag:
            row[f"tag:{acc.tag}"] = L.YES
        rows.append(row)
    return rows
