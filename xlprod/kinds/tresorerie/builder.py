"""Creates a new ``tresorerie.xlsx`` with XlsxWriter: the input tables, the Trésorerie sheet's
frame (summary, monthly table, chart), names and validation. The figures are then written by the
same recalculation that serves every later run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

from xlprod.cnc.financing import Phase, payment_lags, source_types, spending_profiles, vat_defaults
from xlprod.core.location import column_letter, quote_sheet
from xlprod.kinds.tresorerie import layout as L
from xlprod.workbook.buttons import add_buttons
from xlprod.workbook.controls import build_controls_sheet
from xlprod.workbook.styles import workbook_formats


@dataclass
class TresoInputs:
    """What a new cash-flow workbook starts with (all optional but the title)."""

    title: str = "Sans titre"
    devis: str = ""  # relative path of the production's devis
    sources: list[dict[str, object]] = field(default_factory=list)  # Financement rows, by field
    tranches: list[dict[str, object]] = field(default_factory=list)  # Tranches rows, by field
    calendar: dict[str, dt.date] = field(default_factory=dict)  # calendar key -> date
    budget: dict[str, float] = field(default_factory=dict)  # budget key -> amount (when no devis)
    singled: list[tuple[str, str, dict[Phase, float]]] = field(default_factory=list)  # devis account, label, shares
    opening_balance: float = 0.0
    depenses: str = ""  # relative path of the expense workbook whose payments are actual
    actuals_through: dt.date | None = None


def _table(ws: Any, first_row: int, first_col: int, name: str, columns: Sequence[L.Column], rows: list[list[object]],
           fmt: dict[str, Any], total_width: bool = True) -> None:
    n = max(len(rows), 1)
    spec = []
    for col in columns:
        entry: dict[str, object] = {"header": col.header, "header_format": fmt["header"],
                                    "format": fmt[_style(col)]}
        if col.formula:
            entry["formula"] = "=" + col.formula
        spec.append(entry)
    options: dict[str, object] = {"name": name, "style": "Table Style Light 1", "columns": spec}
    if rows:
        options["data"] = [[None if c.formula else v for c, v in zip(columns, row, strict=True)] for row in rows]
    ws.add_table(first_row, first_col, first_row + n, first_col + len(columns) - 1, options)
    for i, col in enumerate(columns):
        ws.set_column(first_col + i, first_col + i, col.width, fmt[_style(col)])


def _style(col: L.Column) -> str:
    if col.field == "due":
        return "date"
    return {"money": "money", "percent": "percent", "date": "date", "int": "int"}.get(
        col.kind, "computed" if col.kind == "computed" and col.field == "payment" else "text")


def build_tresorerie(path: str | Path, inputs: TresoInputs, buttons: Sequence[tuple[str, str, str]] = ()) -> Path:
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"title": f"Trésorerie — {inputs.title}", "comments": "Créé par xlprod"})
    fmt = workbook_formats(wb)
    sheets = {name: wb.add_worksheet(name) for name in L.SHEETS if name != L.SHEET_CONTROLES}

    # -- Financement, Échéancier --------------------------------------------------------------
    fin = sheets[L.SHEET_FINANCEMENT]
    fin.write("A1", "Plan de financement", fmt["title"])
    fin.write("A2", "Une ligne par source ; Public : vide = selon le type (tableau TypesSources, feuille Modèles). "
              "Les tranches de versement sont dans la feuille Échéancier.", fmt["note"])
    _table(fin, L.HEADER_ROW - 1, 0, L.TABLE_FINANCEMENT, L.FINANCEMENT_COLUMNS,
           [[s.get(c.field) for c in L.FINANCEMENT_COLUMNS] for s in inputs.sources], fmt)
    n_fin = max(len(inputs.sources), 1) + 500
    types_range = f"={quote_sheet(L.SHEET_MODELES)}!$A${L.HEADER_ROW + 1}:$A${L.HEADER_ROW + len(source_types())}"
    fin.data_validation(L.HEADER_ROW, 1, L.HEADER_ROW + n_fin, 1, {"validate": "list", "source": types_range,
                                                                    "error_type": "warning"})
    fin.data_validation(L.HEADER_ROW, 2, L.HEADER_ROW + n_fin, 2, {"validate": "list", "source": [L.YES, L.NO]})
    fin.data_validation(L.HEADER_ROW, 4, L.HEADER_ROW + n_fin, 4,
                        {"validate": "list", "source": ["acquis", "en négociation", "envisagé"]})
    ech = sheets[L.SHEET_ECHEANCIER]
    ech.write("A1", "Échéancier des financements", fmt["title"])
    ech.write("A2", "Une ligne par tranche : part (%) ou montant, à une date ou à un événement du Calendrier plus un "
              "délai. Une source sans tranche reçoit l'échéancier type de son genre au recalcul (modifiable).",
              fmt["note"])
    _table(ech, L.HEADER_ROW - 1, 0, L.TABLE_TRANCHES, L.TRANCHES_COLUMNS,
           [[t.get(c.field) for c in L.TRANCHES_COLUMNS] for t in inputs.tranches], fmt)
    ech.data_validation(L.HEADER_ROW, 5, L.HEADER_ROW + 2000, 5,
                        {"validate": "list", "source": list(L.EVENT_LABELS.values())})

    # -- Calendrier ---------------------------------------------------------------------------
    cal = sheets[L.SHEET_CALENDRIER]
    cal.write("A1", "Calendrier de la production", fmt["title"])
    cal.write("A2", "Les dates des étapes : chaque phase va du début de la sienne à la veille de la suivante.",
              fmt["note"])
    _table(cal, L.HEADER_ROW - 1, 0, L.TABLE_CALENDRIER, L.CALENDRIER_COLUMNS,
           [[label, inputs.calendar.get(key), key] for label, key, _ in L.CALENDAR_ROWS], fmt)
    for i, (_, key, name) in enumerate(L.CALENDAR_ROWS):
        row = L.HEADER_ROW + 1 + i
        day = inputs.calendar.get(key)
        if day is not None:
            cal.write_datetime(row - 1, 1, dt.datetime.combine(day, dt.time()), fmt["date"])
        wb.define_name(name, f"={quote_sheet(L.SHEET_CALENDRIER)}!$B${row}")

    # -- Décaissements ------------------------------------------------------------------------
    dec = sheets[L.SHEET_DECAISSEMENTS]
    dec.write("A1", "Décaissements par poste", fmt["title"])
    dec.write("A2", "Montants recopiés du devis à chaque recalcul ; répartition par phase (modifiable, total 100 %) "
              "et TVA (achats taxables). Usage, non vérifié : ajustez au plan de travail.", fmt["note"])
    profiles = spending_profiles()
    taxable = {str(chapter) for chapter in vat_defaults()[1]}
    rows = []
    for key in L.BUDGET_KEYS:
        shares = profiles.get(key, {})
        rows.append([key, L.BUDGET_LABELS[key], inputs.budget.get(key, 0.0),
                     *(float(shares.get(p, 0)) for p in Phase), payment_lags().get(key, 0),
                     L.YES if key in taxable else L.NO])
    for key, label, own in inputs.singled:  # devis lines spent on a profile of their own
        rows.append([key, label, inputs.budget.get(key, 0.0), *(float(own.get(p, 0)) for p in Phase),
                     payment_lags().get(key[0], 0), L.YES if key[0] in taxable else L.NO])
    _table(dec, L.HEADER_ROW - 1, 0, L.TABLE_DECAISSEMENTS, L.DECAISSEMENTS_COLUMNS, rows, fmt)

    # -- Paramètres, Modèles ------------------------------------------------------------------
    par = sheets[L.SHEET_PARAMETRES]
    par.write("A1", "Paramètres de la trésorerie", fmt["title"])
    prow = []
    for key, _name, label, default, unit, source in L.PARAMETERS:
        value: object = default
        if key == "devis_fichier":
            value = inputs.devis
        elif key == "titre":
            value = inputs.title
        elif key == "solde_initial":
            value = inputs.opening_balance
        elif key == "depenses_fichier":
            value = inputs.depenses
        elif unit in ("%", "€", "mois") and default:
            value = float(default)
        prow.append([key, label, value, unit, float(default) if unit in ("%", "€", "mois") and default else default,
                     source])
    par.add_table(L.HEADER_ROW - 1, 0, L.HEADER_ROW - 1 + len(prow), 5, {
        "name": L.TABLE_PARAMETRES, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt["header"]} for h in L.PARAM_COLUMNS], "data": prow})
    for i, (_key, _name, _label, _default, unit, _source) in enumerate(L.PARAMETERS):
        name = _name
        row = L.HEADER_ROW + 1 + i
        style = {"%": "percent", "€": "money", "mois": "int", "date": "date"}.get(unit, "text")
        value = prow[i][2]
        if isinstance(value, float):
            par.write_number(row - 1, 2, value, fmt[style])
        elif unit == "date" and _name == "TRESO_REALISE_JUSQUA" and inputs.actuals_through is not None:
            par.write_datetime(row - 1, 2, dt.datetime.combine(inputs.actuals_through, dt.time()), fmt[style])
        elif unit == "date" and not value:
            par.write_blank(row - 1, 2, None, fmt[style])
        else:
            par.write_string(row - 1, 2, str(value), fmt["text"])
        wb.define_name(name, f"={quote_sheet(L.SHEET_PARAMETRES)}!$C${row}")
    for i, width in enumerate((22, 52, 18, 8, 16, 80)):
        par.set_column(i, i, width)
    mod = sheets[L.SHEET_MODELES]
    mod.write("A1", "Modèles : types de sources et échéanciers types", fmt["title"])
    mod.write("A2", "Usage de la profession, non vérifié : modifiez-les pour vos contrats. Une source sans tranche "
              "reçoit l'échéancier de son type au recalcul.", fmt["note"])
    types = list(source_types().values())
    mod.add_table(L.HEADER_ROW - 1, 0, L.HEADER_ROW - 1 + len(types), 1, {
        "name": L.TABLE_TYPES, "style": "Table Style Light 1",
        "columns": [{"header": "Type", "header_format": fmt["header"]}, {"header": "Public", "header_format": fmt["header"]}],
        "data": [[t.type, L.YES if t.public else L.NO] for t in types]})
    templates = [[t.type, i, float(tr.share), L.EVENT_LABELS[tr.event], tr.delay_days]
                 for t in types for i, tr in enumerate(t.schedule, start=1)]
    top = L.TEMPLATES_FIRST_ROW - 1
    mod.add_table(top, 0, top + len(templates), 4, {
        "name": L.TABLE_TEMPLATES, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt["header"]} for h in ("Type", "N°", "Part", "Événement",
                                                                              "Délai (jours)")],
        "data": templates})
    for r in range(len(templates)):
        mod.write_number(top + 1 + r, 2, templates[r][2], fmt["percent"])
    mod.set_column(0, 0, 30)
    mod.set_column(3, 3, 26)

    # -- Trésorerie ---------------------------------------------------------------------------
    ts = sheets[L.SHEET_TRESO]
    ts.write_formula("A1", '="Plan de trésorerie — "&TRESO_TITRE', fmt["title"], f"Plan de trésorerie — {inputs.title}")
    ts.write(L.MONTH_ROW - 1, 1, "Mois", fmt["header"])
    ts.write("A2", "Feuille calculée par xlprod (« Recalculer ») : ne la modifiez pas, elle est réécrite. Montants en "
             "euros, TVA à part.", fmt["note"])
    for name, (row, label) in L.SUMMARY_ROWS.items():
        ts.write(row - 1, 1, label, fmt["text"])
        style = {"TRESO_INTENSITE_AIDE_PUBLIQUE": "percent", "TRESO_MOIS_SOLDE_MIN": "month"}.get(name, "money")
        ts.write_formula(row - 1, 2, "=" + L.summary_formulas(len(inputs.sources), len(L.BUDGET_KEYS)
                                                               + len(inputs.singled))[name], fmt[style], 0)
        wb.define_name(name, f"={quote_sheet(L.SHEET_TRESO)}!$C${row}")
    ts.write_formula(L.SUMMARY_ROWS["TRESO_INTENSITE_AIDE_PUBLIQUE"][0] - 1, 3, "=PARAM_PLAFOND_AIDE", fmt["percent"])
    ts.write_formula(L.SUMMARY_ROWS["TRESO_CREDIT_IMPOT"][0] - 1, 3, "=TRESO_CREDIT_IMPOT_DEVIS", fmt["money"])
    ts.write(L.MEASURES_ROW - 2, 1, "Période critique et mesures", fmt["subtitle"])
    pc = L.PHASE_BLOCK_COL - 1
    for col, head in enumerate(("Phase", "Premier jour", "Nombre de jours")):
        ts.write(L.PHASE_BLOCK_ROW - 2, pc + col, head, fmt["header"])
    for i, phase in enumerate(Phase):
        ts.write(L.PHASE_BLOCK_ROW - 1 + i, pc, L.PHASE_LABELS[phase], fmt["text"])
    ts.write(L.PHASE_BLOCK_ROW - 1 + len(Phase), pc, "Premier mois du tableau", fmt["text"])
    for name, (row, col) in L.phase_cells().items():
        style = "int" if name.endswith("_JOURS") else "date" if name.startswith("PH_") else "month"
        ts.write_blank(row - 1, col - 1, None, fmt[style])
        wb.define_name(name, f"={quote_sheet(L.SHEET_TRESO)}!${column_letter(col)}${row}")
    ts.set_column(pc, pc, 24)
    ts.set_column(pc + 1, pc + 2, 14)
    wb.define_name(L.STATUS_NAME, f"={quote_sheet(L.SHEET_TRESO)}!$A$3")
    ts.set_column(0, 0, 6)
    ts.set_column(1, 1, 44)
    ts.set_column(L.FIRST_MONTH_COL - 1, L.LAST_MONTH_COL - 1, 13, fmt["money"])
    ts.freeze_panes(L.MONTH_ROW, L.FIRST_MONTH_COL - 1)
    ts.set_row(L.INDEX_ROW - 1, None, None, {"hidden": True})
    for c in range(L.FIRST_MONTH_COL - 1, L.LAST_MONTH_COL):  # the rows whose cells the recalculation fills
        ts.write_blank(L.INDEX_ROW - 1, c, None, fmt["int"])
        ts.write_blank(L.MONTH_ROW - 1, c, None, fmt["month"])
    bal = L.months_range(L.BALANCE_ROW)
    ts.conditional_format(bal.replace("$", ""), {"type": "formula", "criteria": f"=C{L.BALANCE_ROW}=TRESO_SOLDE_MIN",
                                                  "format": fmt["error_fill"]})
    ts.conditional_format(bal.replace("$", ""), {"type": "cell", "criteria": "<", "value": 0,
                                                  "format": fmt["warning_fill"]})
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"name": "Solde cumulé", "categories": f"={quote_sheet(L.SHEET_TRESO)}!{L.months_range(L.MONTH_ROW)}",
                      "values": f"={quote_sheet(L.SHEET_TRESO)}!{bal}", "line": {"color": "#1F3864"}})
    chart.set_title({"name": "Solde de trésorerie cumulé"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"num_format": '#,##0\\ "€"'})
    chart.set_size({"width": 900, "height": 300})
    ts.insert_chart("E4", chart)

    # -- Réalisé -------------------------------------------------------------------------------
    rea = sheets[L.SHEET_REALISE]
    rea.write("A1", "Paiements réels", fmt["title"])
    rea.write("A2", "Recopiés du suivi des dépenses nommé dans Paramètres à chaque recalcul (montants HT payés, par "
              "mois de paiement) : jusqu'à la date ci-dessous, ils remplacent la prévision dans la Trésorerie.",
              fmt["note"])
    rea.write(L.REALISE_THROUGH_CELL[0] - 1, 1, "Paiements réels jusqu'au", fmt["text"])
    rea.write_blank(L.REALISE_THROUGH_CELL[0] - 1, L.REALISE_THROUGH_CELL[1] - 1, None, fmt["date"])
    wb.define_name(L.REALISE_THROUGH_NAME, f"={quote_sheet(L.SHEET_REALISE)}!$C${L.REALISE_THROUGH_CELL[0]}")
    rea.set_column(0, 0, 14)
    rea.set_column(1, 1, 40)
    rea.set_column(L.FIRST_MONTH_COL - 1, L.LAST_MONTH_COL - 1, 13, fmt["money"])
    for c in range(L.FIRST_MONTH_COL - 1, L.LAST_MONTH_COL):
        rea.write_blank(L.REALISE_HEADER_ROW - 1, c, None, fmt["month"])
    rea.freeze_panes(L.REALISE_HEADER_ROW, L.FIRST_MONTH_COL - 1)

    build_controls_sheet(wb, fmt, "Contrôles de la trésorerie")
    if buttons and path.suffix.lower() == ".xlsm":
        add_buttons(wb, [(ts, 0, 3)], buttons)
    wb.define_name("XLPROD_TYPE", f'="{L.KIND}"')
    wb.define_name("XLPROD_MODELE", f"={L.CONTRACT_VERSION}")
    wb.close()
    return path
