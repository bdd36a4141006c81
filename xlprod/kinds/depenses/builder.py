"""Creates a new ``depenses.xlsx`` with XlsxWriter: the input tables, the frames of the Suivi,
Versions and Coût définitif sheets (formats, names, the variance chart). The figures are then
written by the same recalculation that serves every later run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from xlprod.core.location import column_letter, quote_sheet
from xlprod.core.money import to_excel
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.ledger import DEFAULT_CSV_MAPPING
from xlprod.kinds.depenses.model import Version
from xlprod.kinds.depenses.tracking import CHAPTER_LABELS, CHAPTERS
from xlprod.workbook.buttons import add_buttons
from xlprod.workbook.controls import build_controls_sheet
from xlprod.workbook.styles import workbook_formats


@dataclass
class DepensesInputs:
    title: str = "Sans titre"
    devis: str = ""  # relative path of the production's devis
    entries: list[dict[str, object]] = field(default_factory=list)  # Dépenses rows, by field
    versions: list[Version] = field(default_factory=list)
    mapping: list[tuple[str, ...]] = field(default_factory=list)  # ledger account, devis account, [country,] note
    visa: dt.date | None = None


# a Compte devis cell offers the versions' accounts, and takes any other (« exclu », a prefix, a new line: the
# recalculation says an account no version has, DEP005)
ACCOUNTS_LIST: dict[str, object] = {"validate": "list", "source": f"={L.ACCOUNTS_NAME}", "show_error": False}


def _style(kind: str) -> str:
    return {"money": "money", "rate": "number", "date": "date", "computed": "computed"}.get(kind, "text")


def build_depenses(path: str | Path, inputs: DepensesInputs, buttons: Sequence[tuple[str, str, str]] = ()) -> Path:
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "constant_memory": False})
    wb.set_properties({"title": f"Suivi des dépenses — {inputs.title}", "comments": "Créé par xlprod"})
    fmt = workbook_formats(wb)
    sheets = {name: wb.add_worksheet(name) for name in L.SHEETS if name != L.SHEET_CONTROLES}

    # -- Dépenses -------------------------------------------------------------------------------
    dep = sheets[L.SHEET_DEPENSES]
    dep.write("A1", "Dépenses", fmt["title"])
    dep.write("A2", "Une ligne par facture, bon de commande ou paie : montant hors TVA dans sa devise, taux du budget ; "
              "Compte devis vide = à affecter. « xlprod import » ajoute les écritures d'un FEC ou d'un CSV.", fmt["note"])
    rows = inputs.entries
    n = max(len(rows), 1)
    columns = []
    for spec in L.DEPENSES_COLUMNS:
        entry: dict[str, object] = {"header": spec.header, "header_format": fmt["header"], "format": fmt[_style(spec.kind)]}
        if spec.formula:
            entry["formula"] = "=" + spec.formula
        columns.append(entry)
    options: dict[str, object] = {"name": L.TABLE_DEPENSES, "style": "Table Style Light 1", "columns": columns}
    dep.add_table(L.HEADER_ROW - 1, 0, L.HEADER_ROW - 1 + n, len(L.DEPENSES_COLUMNS) - 1, options)
    for r, values in enumerate(rows):
        for c, spec in enumerate(L.DEPENSES_COLUMNS):
            value = values.get(spec.field)
            if spec.formula or value is None or value == "":
                continue
            at = (L.HEADER_ROW + r, c)
            if isinstance(value, dt.date):
                dep.write_datetime(*at, dt.datetime.combine(value, dt.time()), fmt["date"])
            elif isinstance(value, int | float):
                dep.write_number(*at, float(value), fmt[_style(spec.kind)])
            else:
                dep.write_string(*at, str(value), fmt[_style(spec.kind)])
    for c, spec in enumerate(L.DEPENSES_COLUMNS):
        dep.set_column(c, c, spec.width, fmt[_style(spec.kind)])
    status_col = L.DEPENSES_HEADERS.index("Statut")
    dep.data_validation(L.HEADER_ROW, status_col, L.HEADER_ROW + n + 100_000, status_col,
                        {"validate": "list", "source": list(L.STATUS_VALUES), "error_type": "warning"})
    devis_col = L.DEPENSES_HEADERS.index("Compte devis")
    dep.data_validation(L.HEADER_ROW, devis_col, L.HEADER_ROW + n + 100_000, devis_col, ACCOUNTS_LIST)
    dep.freeze_panes(L.HEADER_ROW, 0)

    # -- Instantanés ----------------------------------------------------------------------------
    ins = sheets[L.SHEET_INSTANTANES]
    ins.write("A1", "Versions figées du devis", fmt["title"])
    ins.write("A2", "Écrites par « xlprod snapshot » : ne les modifiez pas. La première version est le devis initial.",
              fmt["note"])
    lines = [[v.name, line.account, line.label, to_excel(line.amount)] for v in inputs.versions for line in v.lines]
    ins.add_table(L.HEADER_ROW - 1, 0, L.HEADER_ROW - 1 + max(len(lines), 1), len(L.INSTANTANES_HEADERS) - 1, {
        "name": L.TABLE_INSTANTANES, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt["header"]} for h in L.INSTANTANES_HEADERS],
        **({"data": lines} if lines else {})})
    meta = [[v.name, v.date, v.source, to_excel(v.total), to_excel(v.overhead), to_excel(v.contingency),
             to_excel(v.tax_credit_base)] for v in inputs.versions]
    vc = L.VERSIONS_FIRST_COL - 1
    ins.add_table(L.HEADER_ROW - 1, vc, L.HEADER_ROW - 1 + max(len(meta), 1), vc + len(L.VERSIONS_HEADERS) - 1, {
        "name": L.TABLE_VERSIONS, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt["header"]} for h in L.VERSIONS_HEADERS]})
    for r, cells in enumerate(meta):
        for c, value in enumerate(cells):
            at = (L.HEADER_ROW + r, vc + c)
            if isinstance(value, dt.date):
                ins.write_datetime(*at, dt.datetime.combine(value, dt.time()), fmt["date"])
            elif isinstance(value, float):
                ins.write_number(*at, value, fmt["money"])
            elif value:
                ins.write_string(*at, str(value))
    for c, width in enumerate((18, 10, 44, 14)):
        ins.set_column(c, c, width, fmt["money"] if c == 3 else None)
    for c, width in enumerate((18, 11, 26, 14, 14, 14, 14)):
        ins.set_column(vc + c, vc + c, width, fmt["money"] if c >= 3 else fmt["date"] if c == 1 else None)

    # -- Correspondances ------------------------------------------------------------------------
    cor = sheets[L.SHEET_CORRESPONDANCES]
    cor.write("A1", "Correspondances pour l'import", fmt["title"])
    cor.write("A2", "Compte général (préfixe) → compte du devis ; le plus long préfixe l'emporte. Sans correspondance, "
              "une charge (classe 6) va « à affecter », sauf celles de la clôture (68, 69). Une ligne « 2313 » ajoute ces "
              "comptes aux dépenses, « exclu » comme compte du devis les en retire ; Pays : celui des dépenses du compte "
              "(une coproduction), à défaut la France. L'import ajoute ici les comptes qu'aucune ligne ne nomme, "
              "Compte devis vide : indiquez-le, puis réimportez (vide, un préfixe plus court décide). « Libellé "
              "contient » : la ligne ne vaut que pour les écritures dont le libellé contient ce texte (une paie sur "
              "6411 répartie par poste : « chef opérateur du son » → 25012) ; elle l'emporte sur toute ligne sans "
              "libellé, le texte le plus long d'abord.", fmt["note"])
    width = len(L.CORRESPONDANCES_HEADERS)
    mapping = [([*m[:2], "", m[2]] if len(m) == 3 else list(m)) for m in inputs.mapping]
    mapping = [m + [""] * (width - len(m)) for m in mapping]
    devis_col = L.CORRESPONDANCES_HEADERS.index("Compte devis")
    cor.data_validation(L.HEADER_ROW, devis_col, L.HEADER_ROW + len(mapping) + 5_000, devis_col, ACCOUNTS_LIST)
    cor.add_table(L.HEADER_ROW - 1, 0, L.HEADER_ROW - 1 + max(len(mapping), 1), len(L.CORRESPONDANCES_HEADERS) - 1, {
        "name": L.TABLE_CORRESPONDANCES, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt["header"], "format": fmt["input_text"]}
                    for h in L.CORRESPONDANCES_HEADERS], **({"data": mapping} if mapping else {})})
    cc = L.COLONNES_FIRST_COL - 1
    colonnes = [[field_name, header] for field_name, header in DEFAULT_CSV_MAPPING.items()]
    cor.add_table(L.HEADER_ROW - 1, cc, L.HEADER_ROW - 1 + len(colonnes), cc + 1, {
        "name": L.TABLE_COLONNES, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt["header"]} for h in L.COLONNES_HEADERS], "data": colonnes})
    cor.set_column(0, 1, 16, fmt["input_text"])
    cor.set_column(2, 2, 8, fmt["input_text"])
    cor.set_column(3, 3, 40)
    cor.set_column(4, 4, 22, fmt["input_text"])
    cor.set_column(cc, cc + 1, 22)

    # -- Imports ---------------------------------------------------------------------------------
    imp = sheets[L.SHEET_IMPORTS]
    imp.write("A1", "Historique des imports", fmt["title"])
    imp.write("A2", "Une ligne par « xlprod import » (FEC ou CSV), écrite par l'import : ce que le fichier contenait, ce "
              "qui est entré, ce qui a été écarté pour une erreur (à corriger dans la comptabilité, puis réimporter).",
              fmt["note"])
    imp.add_table(L.HEADER_ROW - 1, 0, L.HEADER_ROW, len(L.IMPORTS_COLUMNS) - 1, {
        "name": L.TABLE_IMPORTS, "style": "Table Style Light 1",
        "columns": [{"header": c.header, "header_format": fmt["header"]} for c in L.IMPORTS_COLUMNS]})
    for c, spec in enumerate(L.IMPORTS_COLUMNS):
        imp.set_column(c, c, spec.width, fmt[{"datetime": "datetime", "money": "money", "int": "int"}.get(spec.kind,
                                                                                                          "text")])
    rejected = column_letter(L.IMPORTS_HEADERS.index("Écartées") + 1)  # an import that refused lines stands out
    imp.conditional_format(L.HEADER_ROW, 0, L.HEADER_ROW + 10_000, len(L.IMPORTS_COLUMNS) - 1, {
        "type": "formula", "criteria": f"=${rejected}{L.HEADER_ROW + 1}>0", "format": fmt["warning_fill"]})
    imp.freeze_panes(L.HEADER_ROW, 0)

    # -- Paramètres -----------------------------------------------------------------------------
    par = sheets[L.SHEET_PARAMETRES]
    par.write("A1", "Paramètres du suivi des dépenses", fmt["title"])
    prow = []
    for key, _name, label, default, unit, source in L.PARAMETERS:
        typed: object = {"titre": inputs.title, "devis_fichier": inputs.devis}.get(key, default)
        prow.append([key, label, typed, unit, default, source])
    par.add_table(L.HEADER_ROW - 1, 0, L.HEADER_ROW - 1 + len(prow), 5, {
        "name": L.TABLE_PARAMETRES, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt["header"]} for h in L.PARAM_COLUMNS], "data": prow})
    for i, (key, name, _label, default, unit, _source) in enumerate(L.PARAMETERS):
        row = L.HEADER_ROW + i
        if unit == "%":
            par.write_number(row, 2, float(default), fmt["percent"])
            par.write_number(row, 4, float(default), fmt["percent"])
        elif key == "visa":
            if inputs.visa is not None:
                par.write_datetime(row, 2, dt.datetime.combine(inputs.visa, dt.time()), fmt["date"])
            else:
                par.write_blank(row, 2, None, fmt["date"])
        elif unit == "€":
            par.write_blank(row, 2, None, fmt["money"])
        wb.define_name(name, f"={quote_sheet(L.SHEET_PARAMETRES)}!$C${row + 1}")
    for i, width in enumerate((14, 52, 22, 8, 16, 70)):
        par.set_column(i, i, width)

    # -- Suivi ----------------------------------------------------------------------------------
    su = sheets[L.SHEET_SUIVI]
    su.write_formula("A1", '="Suivi des dépenses — "&DEPENSES_TITRE', fmt["title"], f"Suivi des dépenses — {inputs.title}")
    su.write("A2", "Feuille calculée par xlprod (« Recalculer ») : seule la colonne « Reste à engager (saisi) » des "
             "lignes se saisit ; le reste est réécrit. Montants hors TVA, en euros.", fmt["note"])
    wb.define_name(L.STATUS_NAME, f"={quote_sheet(L.SHEET_SUIVI)}!$A$3")
    for name, label, style in L.SUMMARY:
        row = L.SUMMARY_ROWS[name] - 1
        su.write(row, 1, label, fmt["text"])
        su.write_blank(row, L.SUMMARY_COL - 1, None, fmt[style])
        wb.define_name(name, f"={quote_sheet(L.SHEET_SUIVI)}!${column_letter(L.SUMMARY_COL)}${row + 1}")
    su.write_blank(L.SUMMARY_ROWS["DEPENSES_IMPREVUS_CONSOMMES"] - 1, L.SUMMARY_COL, None, fmt["money"])
    money_cols = [L.COL[h] for h in L.SUMMED] + [L.COL["Reste à engager (saisi)"]]
    for header, col in L.COL.items():
        for row in (L.CHAPTER_HEADER_ROW, L.LINES_HEADER_ROW):
            su.write(row - 1, col - 1, "Poste" if header == "Compte" and row == L.CHAPTER_HEADER_ROW else header,
                     fmt["header"])
    for row in range(L.FIRST_CHAPTER_ROW, L.TOTAL_ROW + 1):
        for col in range(1, len(L.SUIVI_HEADERS) + 1):
            style = "money" if col in money_cols else "percent" if col == L.COL["Écart %"] else "text"
            if row == L.TOTAL_ROW:
                style = {"money": "total_money", "percent": "total_percent"}.get(style, "total_label")
            su.write_blank(row - 1, col - 1, None, fmt[style])
    su.write(L.ANALYSIS_TITLE_ROW - 1, 0, "Analyse et recommandations", fmt["subtitle"])
    su.set_column(0, 0, 10)
    su.set_column(1, 1, 40)
    su.set_column(2, 2, 7, fmt["int"])
    for col in money_cols:
        su.set_column(col - 1, col - 1, 15, fmt["money"])
    su.set_column(L.COL["Reste à engager (saisi)"] - 1, L.COL["Reste à engager (saisi)"] - 1, 15,
                  wb.add_format({"num_format": fmt["money"].num_format, "bg_color": "#FFF2CC"}))
    su.set_column(L.COL["Écart %"] - 1, L.COL["Écart %"] - 1, 10, fmt["percent"])
    su.set_column(L.COL["Statut"] - 1, L.COL["Statut"] - 1, 13)
    status_range = f"M{L.FIRST_CHAPTER_ROW}:M{L.FIRST_LINE_ROW + 50_000}"
    for word, style in (("dépassement", "error_fill"), ("à surveiller", "warning_fill"), ("hors devis", "warning_fill")):
        su.conditional_format(status_range, {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": fmt[style]})
    su.conditional_format(status_range, {"type": "cell", "criteria": "==", "value": '"économie"',
                                         "format": wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})})
    su.freeze_panes(L.LINES_HEADER_ROW, 2)
    chart = wb.add_chart({"type": "bar"})
    sheet = quote_sheet(L.SHEET_SUIVI)
    chart.add_series({"name": "Écart (coût final estimé − devis initial)",
                      "categories": f"={sheet}!$B${L.FIRST_CHAPTER_ROW}:$B${L.UNASSIGNED_ROW - 1}",
                      "values": f"={sheet}!${column_letter(L.COL['Écart'])}${L.FIRST_CHAPTER_ROW}:"
                                f"${column_letter(L.COL['Écart'])}${L.UNASSIGNED_ROW - 1}",
                      "invert_if_negative": False, "fill": {"color": "#C00000"}})
    chart.set_title({"name": "Écart par poste"})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_format": '#,##0\\ "€"'})
    chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 620, "height": 330})
    su.insert_chart(f"O{L.SUMMARY_FIRST_ROW}", chart)

    # -- Versions, Coût définitif ---------------------------------------------------------------
    ve = sheets[L.SHEET_VERSIONS]
    ve.write("A1", "Versions du devis côte à côte", fmt["title"])
    ve.write("A2", "Feuille calculée par xlprod : par poste, puis par ligne ; écarts contre le devis initial (première "
             "version).", fmt["note"])
    ve.set_column(0, 0, 10)
    ve.set_column(1, 1, 40)
    ve.set_column(2, 2, 7)
    ve.set_column(L.V_FIRST_VERSION_COL - 1, L.V_FIRST_VERSION_COL + 40, 15, fmt["money"])
    ve.freeze_panes(L.V_HEADER_ROW, 2)

    co = sheets[L.SHEET_COUT]
    co.write("A1", "Coût définitif", fmt["title"])
    co.write("A2", "Feuille calculée par xlprod depuis les dépenses (hors TVA, en euros) : à faire certifier par le "
             "commissaire aux comptes.", fmt["note"])
    co.write(L.C_DEADLINE_ROW - 1, 1, "Compte de production dû le (visa + 8 mois)", fmt["text"])
    co.write_blank(L.C_DEADLINE_ROW - 1, 2, None, fmt["date"])
    for c, head in enumerate(L.C_HEADERS):
        co.write(L.C_HEADER_ROW - 1, c, head, fmt["header"])
    for n in CHAPTERS:
        co.write(L.C_FIRST_CHAPTER_ROW + n - 2, 1, CHAPTER_LABELS[n])
    co.write(L.C_PROTOCOL_TITLE_ROW - 1, 0, "Coût du film (protocole de transparence, arrêté du 7 février 2011)",
             fmt["subtitle"])
    for c, head in enumerate(("", "", "Réel", "Plafond", "Retenu")):
        if head:
            co.write(L.C_PROTOCOL_HEADER_ROW - 1, c, head, fmt["header"])
    for row, label in ((L.C_BASE_ROW, "Dépenses hors rémunération producteur et frais financiers"),
                       (L.C_PRODUCER_ROW, "Rémunération producteur (5 %)"),
                       (L.C_OVERHEAD_ROW, "Frais généraux (7 %)"),
                       (L.C_FINANCIAL_ROW, "Frais financiers (5 % au-delà de 3 M€)"),
                       (L.C_FILM_COST_ROW, "Coût du film")):
        co.write(row - 1, 1, label, fmt["total_label"] if row == L.C_FILM_COST_ROW else fmt["text"])
    co.write(L.C_CREDIT_TITLE_ROW - 1, 0, "Crédit d'impôt : base avant plafonds (dépenses en France des sous-postes "
             "éligibles, charges comprises), réelle et au devis", fmt["subtitle"])
    co.write(L.C_CREDIT_ROW - 1, 1, "Base réelle / devis (avant plafonds) / écart", fmt["text"])
    co.write(L.C_COUNTRY_TITLE_ROW - 1, 0, "Dépenses par pays", fmt["subtitle"])
    for c, head in enumerate(("Pays", "Montant", "Part")):
        co.write(L.C_COUNTRY_HEADER_ROW - 1, c, head, fmt["header"])
    co.set_column(0, 0, 10)
    co.set_column(1, 1, 52, fmt["money"])
    co.set_column(2, 6, 16, fmt["money"])
    co.set_column(7, 7, 10, fmt["percent"])
    for row in range(L.C_FIRST_COUNTRY_ROW, L.C_FIRST_COUNTRY_ROW + 60):
        co.write_blank(row - 1, 2, None, fmt["percent"])
    for name, (row, col) in L.COST_NAMES.items():
        wb.define_name(name, f"={quote_sheet(L.SHEET_COUT)}!${column_letter(col)}${row}")

    build_controls_sheet(wb, fmt, "Contrôles du suivi des dépenses")
    if buttons and path.suffix.lower() == ".xlsm":
        add_buttons(wb, [(su, 0, 15)], buttons)
    from xlprod.kinds.devis.layout import eligible_codes_constant

    wb.define_name(L.ELIGIBLE_NAME, "=" + eligible_codes_constant())
    wb.define_name("XLPROD_TYPE", f'="{L.KIND}"')
    wb.define_name("XLPROD_MODELE", f"={L.CONTRACT_VERSION}")
    wb.define_name(L.LINES_END_NAME, f"={L.FIRST_LINE_ROW}")
    wb.define_name(L.ACCOUNTS_NAME, f"={L.accounts_range(L.V_FIRST_LINE_ROW)}")
    wb.close()
    return path
