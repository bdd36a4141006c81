"""Creates a new ``catalogue.xlsx`` with XlsxWriter: the input tables (Œuvres, Droits, Recettes,
Ayants droit, Territoires, Paramètres) with their lists and formats, and the frames of the sheets
xlprod writes. The figures come from the same recalculation that serves every later run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

from xlprod.core.location import column_letter, quote_sheet
from xlprod.kinds.catalogue import layout as L
from xlprod.kinds.catalogue.rights import Media, territories
from xlprod.workbook.buttons import add_buttons
from xlprod.workbook.controls import build_controls_sheet
from xlprod.workbook.styles import workbook_formats

MAX_ROWS = 1_048_000  # lists and validations reach this far: rows a user adds keep them


@dataclass
class CatalogueInputs:
    title: str = "Catalogue"
    works: list[dict[str, object]] = field(default_factory=list)  # by header
    rights: list[dict[str, object]] = field(default_factory=list)
    receipts: list[dict[str, object]] = field(default_factory=list)
    shares: list[dict[str, object]] = field(default_factory=list)
    groups: list[tuple[str, str, str]] | None = None  # name, members, note; None: territoires.json's
    parameters: dict[str, object] = field(default_factory=dict)  # key -> value


def default_groups() -> list[tuple[str, str, str]]:
    """The groups of territoires.json, as the Territoires table shows them: codes, sorted."""
    data = territories()
    return [(name, ", ".join(sorted(codes)) if codes != data.codes else "*", "territoires.json")
            for name, codes in data.groups.items()]


def _write(ws: Any, row: int, col: int, value: object, fmt: dict[str, Any], style: str) -> None:
    if value is None or value == "":
        return
    if isinstance(value, dt.datetime | dt.date):
        day = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        ws.write_datetime(row, col, day, fmt["date"])
    elif isinstance(value, bool):
        ws.write_string(row, col, L.YES if value else L.NO, fmt[style])
    elif isinstance(value, int | float):
        ws.write_number(row, col, float(value), fmt[style])
    else:
        ws.write_string(row, col, str(value), fmt[style])


def _table(wb: Any, ws: Any, fmt: dict[str, Any], name: str, headers: Sequence[str], rows: Sequence[Mapping[str, object]],
           styles: Mapping[str, str], widths: Mapping[str, float], formulas: dict[str, str] | None = None) -> None:
    formulas = formulas or {}
    n = max(len(rows), 1)
    columns = []
    for h in headers:
        entry: dict[str, object] = {"header": h, "header_format": fmt["header"],
                                    "format": fmt["computed" if h in formulas else styles.get(h, "text")]}
        if h in formulas:
            entry["formula"] = "=" + formulas[h]
        columns.append(entry)
    ws.add_table(L.HEADER_ROW - 1, 0, L.HEADER_ROW - 1 + n, len(headers) - 1,
                 {"name": name, "style": "Table Style Light 1", "columns": columns})
    for r, values in enumerate(rows):
        for c, h in enumerate(headers):
            if h not in formulas:
                _write(ws, L.HEADER_ROW + r, c, values.get(h), fmt, styles.get(h, "text"))
    for c, h in enumerate(headers):
        ws.set_column(c, c, widths.get(h, 14), fmt["computed" if h in formulas else styles.get(h, "text")])
    ws.freeze_panes(L.HEADER_ROW, 1)


def _choices(ws: Any, headers: Sequence[str], header: str, values: Sequence[str], strict: bool = False) -> None:
    col = headers.index(header)
    ws.data_validation(L.HEADER_ROW, col, MAX_ROWS, col, {"validate": "list", "source": list(values),
                                                          "error_type": "stop" if strict else "warning"})


def build_catalogue(path: str | Path, inputs: CatalogueInputs, buttons: Sequence[tuple[str, str, str]] = ()) -> Path:
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": f"Catalogue — {inputs.title}", "comments": "Créé par xlprod"})
    fmt = workbook_formats(wb)
    fmt["share"] = wb.add_format({"font_name": "Calibri", "font_size": 10, "num_format": "0.00 %"})
    sheets = {name: wb.add_worksheet(name) for name in L.SHEETS if name != L.SHEET_CONTROLES}

    # -- Synthèse -------------------------------------------------------------------------------
    sy = sheets[L.SHEET_SYNTHESE]
    sy.write_formula("A1", "=" + L.TITLE_FORMULA, fmt["title"], f"Catalogue — {inputs.title}")
    sy.write("A2", "Feuille calculée par xlprod (« Recalculer ») : contrôles, disponibilités, relevés. Saisissez dans "
             "Œuvres, Droits, Recettes, Ayants droit, Territoires et Paramètres.", fmt["note"])
    wb.define_name(L.STATUS_NAME, f"={quote_sheet(L.SHEET_SYNTHESE)}!$A${L.STATUS_CELL[0]}")
    for name, label, style in L.SUMMARY:
        row = L.SUMMARY_ROWS[name] - 1
        sy.write(row, 0, label, fmt["text"])
        sy.write_blank(row, L.SUMMARY_COL - 1, None, fmt[style])
        wb.define_name(name, f"={quote_sheet(L.SHEET_SYNTHESE)}!${column_letter(L.SUMMARY_COL)}${row + 1}")
    sy.set_column(0, 0, 58)
    sy.set_column(1, 1, 2)
    sy.set_column(2, 2, 18)
    status = f"A{L.SUMMARY_FIRST_ROW}:C{L.SUMMARY_FIRST_ROW + len(L.SUMMARY)}"
    for name in ("CATALOGUE_ERREURS", "CATALOGUE_CONFLITS"):
        cell = f"C{L.SUMMARY_ROWS[name]}"
        sy.conditional_format(cell, {"type": "cell", "criteria": ">", "value": 0, "format": fmt["error_fill"]})
    for name in ("CATALOGUE_AVERTISSEMENTS", "CATALOGUE_EXPIRATIONS", "CATALOGUE_CORRECTIONS"):
        cell = f"C{L.SUMMARY_ROWS[name]}"
        sy.conditional_format(cell, {"type": "cell", "criteria": ">", "value": 0, "format": fmt["warning_fill"]})
    del status

    # -- Œuvres ---------------------------------------------------------------------------------
    works_styles = {"Année": "int", "Durée (min)": "int", "Sortie France": "date", "ISAN": "input_text",
                    "EIDR": "input_text", "Visa": "input_text", "RCA": "input_text", "Identifiant": "input_text"}
    widths = {"Identifiant": 12, "Titre": 32, "Titre original": 28, "Genre d'œuvre": 14, "Année": 7,
              "Durée (min)": 8, "Pays": 10, "Langues": 10, "Réalisation": 22, "Production": 26, "ISAN": 30,
              "EIDR": 34, "Visa": 9, "RCA": 9, "Genre": 14, "Sous-titres SME": 9, "Audiodescription": 9,
              "Sortie France": 11, "Statut": 12}
    ov = sheets[L.SHEET_OEUVRES]
    ov.write("A1", "Œuvres", fmt["title"])
    ov.write("A2", "Une ligne par œuvre. Identifiant : votre code interne, repris dans Droits, Recettes et Ayants droit. "
             "Pays : codes ISO (FR, BE) ; ISAN et EIDR contrôlés ; les corrections proposées s'appliquent sur demande.",
             fmt["note"])
    _table(wb, ov, fmt, L.TABLE_OEUVRES, L.OEUVRES_HEADERS, inputs.works, works_styles, widths)
    for header in ("Sous-titres SME", "Audiodescription"):
        _choices(ov, L.OEUVRES_HEADERS, header, (L.YES, L.NO))
    _choices(ov, L.OEUVRES_HEADERS, "Genre d'œuvre", ("long métrage", "court métrage", "série", "documentaire",
                                                       "animation", "unitaire"))

    # -- Droits ---------------------------------------------------------------------------------
    dr = sheets[L.SHEET_DROITS]
    dr.write("A1", "Droits", fmt["title"])
    dr.write("A2", "Une ligne par droit acquis ou cédé : territoires (codes ISO, noms ou groupes de l'onglet Territoires, "
             "« Monde hors FR »), médias (séparés par des virgules), dates incluses, holdback d'une cession.", fmt["note"])
    _table(wb, dr, fmt, L.TABLE_DROITS, L.DROITS_HEADERS, inputs.rights,
           {"Début": "date", "Fin": "date", "Fin de holdback": "date", "Minimum garanti": "money",
            "Commission": "share", "Œuvre": "input_text"},
           {"Œuvre": 12, "Partenaire": 24, "Sens": 8, "Territoires": 22, "Médias": 24, "Début": 11, "Fin": 11,
            "Exclusif": 8, "Fin de holdback": 11, "Minimum garanti": 14, "Commission": 10})
    _choices(dr, L.DROITS_HEADERS, "Sens", ("acquis", "cédé"))
    _choices(dr, L.DROITS_HEADERS, "Exclusif", (L.YES, L.NO))
    media_list = ", ".join(m.label for m in Media)
    dr.data_validation(L.HEADER_ROW, L.DROITS_HEADERS.index("Médias"), MAX_ROWS, L.DROITS_HEADERS.index("Médias"),
                       {"validate": "any", "input_title": "Médias", "input_message": media_list[:250]})

    # -- Recettes -------------------------------------------------------------------------------
    re_ = sheets[L.SHEET_RECETTES]
    re_.write("A1", "Recettes", fmt["title"])
    re_.write("A2", "Une ligne par ligne de relevé d'un distributeur ou vendeur, hors TVA. Période en texte (2026-T3). "
              "Plafond, dépassement et RNPP sont calculés (protocole de transparence 2010, taux dans Paramètres).",
              fmt["note"])
    rstyles: dict[str, str] = {c.header: ("money" if c.kind == "money" else "text") for c in L.RECETTES_COLUMNS}
    rstyles.update({"Œuvre": "input_text", "Période": "input_text"})
    _table(wb, re_, fmt, L.TABLE_RECETTES, L.RECETTES_HEADERS, inputs.receipts, rstyles,
           {c.header: c.width for c in L.RECETTES_COLUMNS}, {c.header: c.formula for c in L.RECETTES_COLUMNS if c.formula})
    lists = "=" + L.exploitations_range()
    wb.define_name(L.EXPLOITATIONS_NAME, lists)
    col = L.RECETTES_HEADERS.index("Exploitation")
    re_.data_validation(L.HEADER_ROW, col, MAX_ROWS, col, {"validate": "list", "source": lists, "error_type": "warning"})
    for header in ("Préachat finançant", "Petite vente TV"):
        _choices(re_, L.RECETTES_HEADERS, header, (L.YES, L.NO))
    over = column_letter(1 + L.RECETTES_HEADERS.index("Dépassement"))
    re_.conditional_format(f"{over}{L.HEADER_ROW + 1}:{over}{MAX_ROWS}",
                           {"type": "cell", "criteria": ">", "value": 0, "format": fmt["error_fill"]})

    # -- Ayants droit ---------------------------------------------------------------------------
    ay = sheets[L.SHEET_AYANTS]
    ay.write("A1", "Ayants droit", fmt["title"])
    ay.write("A2", "Part des RNPP de chaque œuvre revenant à chaque ayant droit (coproducteur, auteur, talent), et le "
             "minimum garanti versé d'avance, récupéré sur ses parts période après période.", fmt["note"])
    _table(wb, ay, fmt, L.TABLE_AYANTS, L.AYANTS_HEADERS, inputs.shares,
           {"Part": "share", "Minimum garanti": "money", "Œuvre": "input_text"},
           {"Ayant droit": 28, "Œuvre": 12, "Part": 9, "Minimum garanti": 15})

    # -- Disponibilités, Relevés ----------------------------------------------------------------
    di = sheets[L.SHEET_DISPO]
    di.write("A1", "Disponibilités", fmt["title"])
    di.write("A2", "Calculée par xlprod pour la demande de Paramètres (territoire, média, du, au).", fmt["note"])
    for c, width in enumerate((12, 34, 11, 90, 18)):
        di.set_column(c, c, width)
    rl = sheets[L.SHEET_RELEVES]
    rl.write("A1", "Relevés des ayants droit", fmt["title"])
    rl.set_column(0, 0, 14)
    rl.set_column(1, 1, 9, fmt["share"])
    rl.set_column(2, 12, 14, fmt["money"])

    # -- Territoires ----------------------------------------------------------------------------
    te = sheets[L.SHEET_TERRITOIRES]
    te.write("A1", "Groupes de territoires", fmt["title"])
    te.write("A2", "Modifiables : un groupe se compose de codes ISO, de noms de pays ou de groupes définis au-dessus "
             "(« UE, CH, NO »). « * » : tous les pays. Un groupe d'ici remplace celui de même nom de territoires.json.",
             fmt["note"])
    groups = inputs.groups if inputs.groups is not None else default_groups()
    _table(wb, te, fmt, L.TABLE_TERRITOIRES, L.TERRITOIRES_HEADERS,
           [dict(zip(L.TERRITOIRES_HEADERS, g, strict=True)) for g in groups], {"Membres": "wrap"},
           {"Groupe": 24, "Membres": 90, "Observations": 30})

    # -- Paramètres -----------------------------------------------------------------------------
    par = sheets[L.SHEET_PARAMETRES]
    par.write("A1", "Paramètres du catalogue", fmt["title"])
    prow = []
    for key, _name, label, default, unit, source in L.PARAMETERS:
        typed = inputs.parameters.get(key, inputs.title if key == "titre" else default)
        prow.append([key, label, typed, unit, default, source])
    par.add_table(L.HEADER_ROW - 1, 0, L.HEADER_ROW - 1 + len(prow), 5, {
        "name": L.TABLE_PARAMETRES, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt["header"]} for h in L.PARAM_COLUMNS]})
    for i, (_key, name, _label, _default, unit, _source) in enumerate(L.PARAMETERS):
        row = L.HEADER_ROW + i
        for c, value in enumerate(prow[i]):
            style = "percent" if unit == "%" and c in (2, 4) else "date" if unit == "date" and c == 2 else "text"
            if unit == "%" and c in (2, 4):
                par.write_number(row, c, float(str(value)), fmt["percent"])
            elif unit == "mois" and c in (2, 4) and value not in ("", None):
                par.write_number(row, c, float(str(value)), fmt["int"])
            elif value in ("", None):
                par.write_blank(row, c, None, fmt[style])
            else:
                _write(par, row, c, value, fmt, style)
        wb.define_name(name, f"={quote_sheet(L.SHEET_PARAMETRES)}!$C${row + 1}")
    fc = L.FENETRES_FIRST_COL - 1
    windows = [dict(zip(L.FENETRES_HEADERS, w, strict=True)) for w in L.FENETRES_DEFAULT]
    par.write(L.HEADER_ROW - 2, fc, "Fenêtres propres à un partenaire (chronologie des médias, en mois après la sortie)",
              fmt["subtitle"])
    par.add_table(L.HEADER_ROW - 1, fc, L.HEADER_ROW - 1 + len(windows), fc + len(L.FENETRES_HEADERS) - 1, {
        "name": L.TABLE_FENETRES, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt["header"]} for h in L.FENETRES_HEADERS],
        "data": [list(w.values()) for w in windows]})
    for i, width in enumerate((16, 12, 7, 50)):
        par.set_column(fc + i, fc + i, width)
    lc = L.LISTS_COL - 1
    par.write(L.HEADER_ROW - 1, lc, "Exploitations (liste de Recettes)", fmt["header"])
    for i, label in enumerate(L.EXPLOITATION_LABELS):
        par.write_string(L.HEADER_ROW + i, lc, label)
    par.set_column(lc, lc, 40)
    media_row = L.HEADER_ROW + [k for k, *_ in L.PARAMETERS].index("dispo_media")
    par.data_validation(media_row, 2, media_row, 2, {"validate": "list", "source": [m.label for m in Media],
                                                     "error_type": "warning"})
    for i, width in enumerate((18, 52, 16, 7, 16, 70)):
        par.set_column(i, i, width)

    build_controls_sheet(wb, fmt, "Contrôles du catalogue")
    if buttons and path.suffix.lower() == ".xlsm":
        add_buttons(wb, [(sy, 2, 4)], buttons)
    wb.define_name("XLPROD_TYPE", f'="{L.KIND}"')
    wb.define_name("XLPROD_MODELE", f"={L.CONTRACT_VERSION}")
    wb.close()
    return path
