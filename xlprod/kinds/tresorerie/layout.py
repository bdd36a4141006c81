"""The public contract of ``tresorerie.xlsx``: sheets, tables, columns, defined names, and the
formulas of the Trésorerie sheet, shared by the builder (new workbook) and the recalculation.

Inputs live in Excel Tables (Financement, Tranches, Calendrier, Decaissements, ParametresTreso,
TypesSources, EcheanciersTypes). The Trésorerie sheet is xlprod's: rebuilt at each
recalculation, with native formulas over those tables and cached values, so the file computes
the same anywhere.
"""

from __future__ import annotations

from typing import NamedTuple

from xlprod.cnc.financing import Event, Phase
from xlprod.cnc.reference import chapter_label
from xlprod.core.location import column_letter, quote_sheet
from xlprod.kinds.columns import Column as Column  # the layouts name it L.Column
from xlprod.kinds.columns import this_row

KIND = "tresorerie"
CONTRACT_VERSION = 1

SHEET_TRESO = "Trésorerie"
SHEET_FINANCEMENT = "Financement"
SHEET_ECHEANCIER = "Échéancier"
SHEET_CALENDRIER = "Calendrier"
SHEET_DECAISSEMENTS = "Décaissements"
SHEET_PARAMETRES = "Paramètres"
SHEET_MODELES = "Modèles"
SHEET_CONTROLES = "Contrôles"
SHEET_REALISE = "Réalisé"  # the payments actually made, copied from the expense workbook
SHEETS = (SHEET_TRESO, SHEET_FINANCEMENT, SHEET_ECHEANCIER, SHEET_CALENDRIER, SHEET_DECAISSEMENTS, SHEET_PARAMETRES,
          SHEET_MODELES, SHEET_REALISE, SHEET_CONTROLES)

HEADER_ROW = 4  # every input table's header row, column A

YES, NO = "oui", "non"




TABLE_FINANCEMENT = "Financement"
FINANCEMENT_COLUMNS = (
    Column("Source", "name", 30, "text"),
    Column("Type", "type", 28, "list"),
    Column("Public", "public", 9, "list"),
    Column("Montant", "amount", 16, "money"),
    Column("Statut", "status", 15, "list"),
    Column("Date de signature", "signature", 14, "date"),
    Column("Première diffusion", "first_broadcast", 14, "date"),
    Column("Observations", "note", 36, "text"),
    Column("Public retenu", "public_used", 12, "computed",
           f'IF({this_row("Financement", "Public")}<>"",{this_row("Financement", "Public")},'
           f'IFERROR(VLOOKUP({this_row("Financement", "Type")},TypesSources,2,FALSE),"{NO}"))'),
)

TABLE_TRANCHES = "Tranches"
EVENT_LABELS = {
    Event.SIGNATURE: "signature",
    Event.DEBUT_TOURNAGE: "premier jour de tournage",
    Event.FIN_TOURNAGE: "dernier jour de tournage",
    Event.LIVRAISON: "livraison du PAD",
    Event.VISA: "visa d'exploitation",
    Event.SORTIE: "sortie en salles",
}


def _due_formula() -> str:
    t = "Tranches"
    event = this_row(t, "Événement")
    base = (f'IF({event}="{EVENT_LABELS[Event.SIGNATURE]}",SUMIFS(Financement[Date de signature],Financement[Source],'
            f'{this_row(t, "Source")}),SUMIFS(Calendrier[Date],Calendrier[Étape],{event}))')
    return (f'IF({this_row(t, "Source")}="","",IF({this_row(t, "Date")}<>"",{this_row(t, "Date")},IF({event}="",NA(),'
            f'{base}+N({this_row(t, "Délai (jours)")}))))')


def _payment_formula() -> str:
    t = "Tranches"
    source = this_row(t, "Source")
    rest = f"(SUMIFS(Financement[Montant],Financement[Source],{source})-SUMIFS(Tranches[Montant],Tranches[Source],{source}))"
    cum = f'SUMIFS(Tranches[Part],Tranches[Source],{source},Tranches[Montant],"",Tranches[N°],"<="&{this_row(t, "N°")})'
    return (f'IF({source}="","",IF({this_row(t, "Montant")}<>"",{this_row(t, "Montant")},ROUND({rest}*{cum},2)'
            f'-ROUND({rest}*({cum}-{this_row(t, "Part")}),2)))')


TRANCHES_COLUMNS = (
    Column("Source", "source", 30, "text"),
    Column("N°", "number", 6, "int"),
    Column("Part", "share", 9, "percent"),
    Column("Montant", "amount", 15, "money"),
    Column("Date", "date", 13, "date"),
    Column("Événement", "event", 24, "list"),
    Column("Délai (jours)", "delay", 10, "int"),
    Column("Observations", "note", 30, "text"),
    Column("Échéance", "due", 13, "computed", _due_formula()),
    Column("Versement", "payment", 15, "computed", _payment_formula()),
)

TABLE_CALENDRIER = "Calendrier"
CALENDAR_ROWS = (  # Étape (the label tranches use), key, defined name of its date
    ("début du développement", "developpement", "CAL_DEVELOPPEMENT"),
    ("début de la préparation", "preparation", "CAL_PREPARATION"),
    (EVENT_LABELS[Event.DEBUT_TOURNAGE], "debut_tournage", "CAL_DEBUT_TOURNAGE"),
    (EVENT_LABELS[Event.FIN_TOURNAGE], "fin_tournage", "CAL_FIN_TOURNAGE"),
    (EVENT_LABELS[Event.LIVRAISON], "livraison", "CAL_LIVRAISON"),
    (EVENT_LABELS[Event.VISA], "visa", "CAL_VISA"),
    (EVENT_LABELS[Event.SORTIE], "sortie", "CAL_SORTIE"),
)
CALENDRIER_COLUMNS = (Column("Étape", "label", 30, "text"), Column("Date", "date", 14, "date"),
                      Column("Clé", "key", 16, "text"))
PHASE_BOUNDS = {  # phase -> (first day, last day) as formulas over the calendar's names
    Phase.DEVELOPPEMENT: ("CAL_DEVELOPPEMENT", "CAL_PREPARATION-1"),
    Phase.PREPARATION: ("CAL_PREPARATION", "CAL_DEBUT_TOURNAGE-1"),
    Phase.TOURNAGE: ("CAL_DEBUT_TOURNAGE", "CAL_FIN_TOURNAGE"),
    Phase.POSTPRODUCTION: ("CAL_FIN_TOURNAGE+1", "CAL_LIVRAISON"),
}
PHASE_LABELS = {Phase.DEVELOPPEMENT: "Développement", Phase.PREPARATION: "Préparation", Phase.TOURNAGE: "Tournage",
                Phase.POSTPRODUCTION: "Postproduction"}


# the first month of the table: that of the development's start, or of an earlier payment
FIRST_MONTH_FORMULA = ("DATE(YEAR(IF(COUNT(Tranches[Échéance])=0,CAL_DEVELOPPEMENT,MIN(CAL_DEVELOPPEMENT,"
                       "MIN(Tranches[Échéance])))),MONTH(IF(COUNT(Tranches[Échéance])=0,CAL_DEVELOPPEMENT,"
                       "MIN(CAL_DEVELOPPEMENT,MIN(Tranches[Échéance])))),1)")


def phase_names(phase: Phase) -> tuple[str, str]:
    return f"PH_{phase.value.upper()}_DEBUT", f"PH_{phase.value.upper()}_JOURS"


def phase_formulas(phase: Phase) -> tuple[str, str]:
    """A phase's first day and its number of days (at least 1)."""
    start, end = PHASE_BOUNDS[phase]
    return start, f"MAX(1,{end}-({start})+1)"


TABLE_DECAISSEMENTS = "Decaissements"
BUDGET_KEYS = (*(str(n) for n in range(1, 10)), "frais_generaux", "imprevus")
BUDGET_LABELS = {**{str(n): f"{n} — {chapter_label(n, '2018')}" for n in range(1, 10)},
                 "frais_generaux": "Frais généraux", "imprevus": "Imprévus"}


def singled_out(key: str) -> bool:
    """A devis account the user spends on its own profile (« 7101 »): its lines leave their chapter."""
    return len(key) >= 2 and key.isdigit() and key[0] != "0"


DECAISSEMENTS_COLUMNS = (
    Column("Clé", "key", 14, "text"),
    Column("Poste", "label", 36, "text"),
    Column("Montant", "amount", 16, "money"),
    *(Column(PHASE_LABELS[p], f"phase:{p.value}", 14, "percent") for p in Phase),
    Column("Décalage (mois)", "lag", 10, "int"),
    Column("TVA", "vat", 7, "list"),
)

TABLE_PARAMETRES = "ParametresTreso"
PARAM_COLUMNS = ("Clé", "Paramètre", "Valeur", "Unité", "Valeur par défaut", "Source")
PARAMETERS = (  # key, name, label, default, unit, source
    ("titre", "TRESO_TITRE", "Titre de l'œuvre", "", "texte", "Saisie du producteur."),
    ("devis_fichier", "TRESO_DEVIS_FICHIER", "Devis de la production (chemin relatif à ce classeur)", "", "texte",
     "Le recalcul recopie ses totaux par poste, ses frais généraux, ses imprévus, son crédit d'impôt estimé."),
    ("solde_initial", "TRESO_SOLDE_INITIAL", "Trésorerie disponible au début du tableau", "0", "€",
     "Saisie du producteur."),
    ("taux_tva", "PARAM_TAUX_TVA", "TVA sur les achats taxables", "0.20", "%", "Taux normal (CGI art. 278)."),
    ("delai_tva", "PARAM_DELAI_TVA", "Délai de récupération de la TVA (mois)", "2", "mois",
     "Crédit de TVA imputé ou remboursé sur déclaration : délai moyen à ajuster."),
    ("marge_relais", "PARAM_MARGE_RELAIS", "Crédit relais : marge au-delà du creux le plus profond", "0.10", "%",
     "Usage bancaire : une réserve pour les aléas ; à négocier."),
    ("taux_relais", "PARAM_TAUX_RELAIS", "Crédit relais : taux d'intérêt annuel", "0.05", "%",
     "Estimation à remplacer par l'offre de la banque (crédit de production, garantie IFCIC possible)."),
    ("plafond_aide", "PARAM_PLAFOND_AIDE", "Plafond des aides publiques, crédit d'impôt compris", "0.50", "%",
     "RGA art. 211-17 : 50 % du coût de l'œuvre ; 60 % pour une œuvre difficile ou à petit budget (saisissez 60 %)."),
    ("scenario_acquis", "PARAM_SCENARIO_ACQUIS", "Scénario : trésorerie sur les seules sources acquises (oui / non)",
     "non", "texte", "« oui » : les sources en négociation ou envisagées n'encaissent rien dans le tableau (ce que la "
     "banque retient) ; le plan de financement reste complet."),
    ("seuil_interets", "PARAM_SEUIL_INTERETS", "Alerte : écart toléré entre intérêts et frais financiers du devis",
     "1000", "€", "Seuil d'alerte de xlprod."),
    ("credit_impot_devis", "TRESO_CREDIT_IMPOT_DEVIS", "Crédit d'impôt estimé par le devis (copie)", "0", "€",
     "Recopié du devis (DEVIS_CREDIT_IMPOT_ESTIME) à chaque recalcul."),
    ("frais_financiers_devis", "TRESO_FRAIS_FINANCIERS_DEVIS", "Frais financiers du devis (copie)", "0", "€",
     "Recopié du devis (DEVIS_FRAIS_FINANCIERS) à chaque recalcul."),
    ("devis_copie", "TRESO_DEVIS_COPIE", "Dernière copie du devis", "", "texte",
     "Fichier, date et total du devis recopié ; écrit par xlprod."),
    ("depenses_fichier", "TRESO_DEPENSES_FICHIER", "Suivi des dépenses (chemin relatif à ce classeur)", "", "texte",
     "Ses paiements réels remplacent la prévision des mois passés (feuille Réalisé, recopiée à chaque recalcul)."),
    ("realise_jusqua", "TRESO_REALISE_JUSQUA", "Paiements réels jusqu'au (vide : fin du mois précédent)", "", "date",
     "Les mois jusqu'à cette date prennent les paiements du suivi des dépenses ; les suivants, la prévision."),
    ("realise_copie", "TRESO_REALISE_COPIE", "Dernière copie des paiements réels", "", "texte",
     "Fichier, date et total payé recopiés du suivi des dépenses ; écrit par xlprod."),
)

TABLE_TYPES = "TypesSources"
TABLE_TEMPLATES = "EcheanciersTypes"
TEMPLATES_FIRST_ROW = 26  # header row of EcheanciersTypes, below TypesSources

# -- Trésorerie ---------------------------------------------------------------------------------
MONTHS = 60
FIRST_MONTH_COL = 3  # C
LAST_MONTH_COL = FIRST_MONTH_COL + MONTHS - 1
SUMMARY_ROWS = {  # name -> (row, label)
    "TRESO_BUDGET_TOTAL": (5, "Budget (devis)"),
    "TRESO_FINANCEMENT_TOTAL": (6, "Financements"),
    "TRESO_ECART_FINANCEMENT": (7, "Écart (financements − budget)"),
    "TRESO_INTENSITE_AIDE_PUBLIQUE": (8, "Aides publiques / budget (plafond à droite)"),
    "TRESO_CREDIT_IMPOT": (9, "Crédit d'impôt du plan (estimation du devis à droite)"),
    "TRESO_SOLDE_MIN": (10, "Solde le plus bas"),
    "TRESO_MOIS_SOLDE_MIN": (11, "Mois du solde le plus bas"),
    "TRESO_SOLDE_FINAL": (12, "Solde final"),
    "TRESO_CREDIT_RELAIS": (13, "Crédit relais suggéré (creux + marge, arrondi au millier)"),
    "TRESO_INTERETS_RELAIS": (14, "Intérêts sur les soldes négatifs (taux du crédit relais)"),
}
MEASURES_ROW = 16  # three lines of measures, written as text
INDEX_ROW = 20  # month numbers 1..60
MONTH_ROW = 21  # the months (first day)
BALANCE_ROW = 22  # cumulative balance: the chart's series
NET_ROW = 23
RECEIPTS_HEADER_ROW = 25
STATUS_CELL = (3, 1)
STATUS_NAME = "TRESO_CONTROLES"
END_NAME = "TRESO_FIN_TABLEAU"  # the last row of the monthly table, so that the next one clears what is left


def months_range(row: int) -> str:
    return f"${column_letter(FIRST_MONTH_COL)}${row}:${column_letter(LAST_MONTH_COL)}${row}"


def result_names() -> dict[str, tuple[str, int, int]]:
    return {name: (SHEET_TRESO, row, 3) for name, (row, _) in SUMMARY_ROWS.items()}


def summary_formulas(sources: int = 0, keys: int = len(BUDGET_KEYS)) -> dict[str, str]:
    """The summary's formulas for a table of that many sources and budget rows."""
    bal, months = months_range(BALANCE_ROW), months_range(MONTH_ROW)
    receipts = months_range(Grid(sources, keys).receipts_total)
    return {
        "TRESO_BUDGET_TOTAL": "SUM(Decaissements[Montant])",
        "TRESO_FINANCEMENT_TOTAL": "SUM(Financement[Montant])",
        "TRESO_ECART_FINANCEMENT": "TRESO_FINANCEMENT_TOTAL-TRESO_BUDGET_TOTAL",
        "TRESO_INTENSITE_AIDE_PUBLIQUE": f'IF(TRESO_BUDGET_TOTAL=0,0,SUMIFS(Financement[Montant],'
                                         f'Financement[Public retenu],"{YES}")/TRESO_BUDGET_TOTAL)',
        "TRESO_CREDIT_IMPOT": "SUMIFS(Financement[Montant],Financement[Type],\"crédit d'impôt\")",
        "TRESO_SOLDE_MIN": f"MIN({bal})",
        "TRESO_MOIS_SOLDE_MIN": f"INDEX({months},MATCH(TRESO_SOLDE_MIN,{bal},0))",
        "TRESO_SOLDE_FINAL": f"${column_letter(LAST_MONTH_COL)}${BALANCE_ROW}",
        "TRESO_CREDIT_RELAIS": ("IF(TRESO_SOLDE_MIN<0,MIN(CEILING(ROUND(-TRESO_SOLDE_MIN*(1+PARAM_MARGE_RELAIS),2),1000),"
                                f"MAX(CEILING(-TRESO_SOLDE_MIN,1000),FLOOR(SUMIFS({receipts},{months},"
                                '">"&TRESO_MOIS_SOLDE_MIN),1000))),0)'),
        "TRESO_INTERETS_RELAIS": f"SUMPRODUCT(({bal}<0)*ROUND(-{bal}*PARAM_TAUX_RELAIS/12,2))",
    }


def budget_row(key: str) -> str:
    """The row of Decaissements for a budget key, found by its key (the table may be sorted)."""
    return f'MATCH("{key}",Decaissements[Clé],0)'


def paid_by_formula(key: str, col: str) -> str:
    """What the budget row of ``key`` has paid by the end of the month of column ``col``: each
    phase's share spread over its days."""
    row = budget_row(key)
    terms = []
    for phase in Phase:
        start, days = phase_names(phase)
        share = f"INDEX(Decaissements[{PHASE_LABELS[phase]}],{row})"
        terms.append(f"{share}*MIN(MAX(EOMONTH({col}${MONTH_ROW},0)-{start}+1,0),{days})/{days}")
    return f"ROUND(INDEX(Decaissements[Montant],{row})*({'+'.join(terms)}),2)"


REALISE_INDEX_ROW = 4  # Réalisé: the month numbers and the months, in the Trésorerie's columns
REALISE_HEADER_ROW = 5
REALISE_FIRST_ROW = 6  # then one row per budget key, in the order of the payments rows: the actual payments
REALISE_THROUGH_CELL = (3, 3)  # C3: the last day whose payments are actual (blank: none)
REALISE_THROUGH_NAME = "TRESO_REALISE_FIN"
REALISE_MONTHS_CELL = (3, 5)  # E3: how many of the table's months are actual
REALISE_MONTHS_NAME = "TRESO_REALISE_MOIS"
REALISE_HELP_COL = LAST_MONTH_COL + 2  # right of the months: paid, forecast to date, budget, lag
REALISE_HELP = ("Payé réel", "Prévu à date", "Budget", "Décalage (mois)")


def realise_cumul_row(keys: int) -> int:
    """The first row of the second block: each key's cumulative payments, actual then the rest of
    its budget as the forecast spreads it."""
    return REALISE_FIRST_ROW + keys + 2


def actual_or_forecast(col: str, prev: str | None, j: int, keys: int, forecast: str) -> str:
    """A month's payment: the actual one up to ``TRESO_REALISE_MOIS``, then the difference of the
    Réalisé sheet's cumulative; the plain forecast when no actual payment is read."""
    sheet = quote_sheet(SHEET_REALISE)
    actual_row, cumul_row = REALISE_FIRST_ROW + j, realise_cumul_row(keys) + j
    paid = f"{sheet}!${column_letter(REALISE_HELP_COL)}{actual_row}"
    before = f"{sheet}!{prev}{cumul_row}" if prev else paid
    return (f"IF(N({REALISE_THROUGH_NAME})>0,IF({col}${INDEX_ROW}<={REALISE_MONTHS_NAME},{sheet}!{col}{actual_row},"
            f"{sheet}!{col}{cumul_row}-{before}),{forecast})")


def realise_help_formulas(key: str, j: int, cum_row: int) -> list[str]:
    """Paid to date, the forecast's payments to date (its cumulative, the lag applied), the budget, the lag."""
    row = REALISE_FIRST_ROW + j
    first, last = column_letter(FIRST_MONTH_COL), column_letter(LAST_MONTH_COL)
    lag = f"${column_letter(REALISE_HELP_COL + 3)}{row}"
    at = f"{REALISE_MONTHS_NAME}-{lag}"
    return [f"SUM({first}{row}:{last}{row})",
            f"IF({at}>=1,INDEX({quote_sheet(SHEET_TRESO)}!${first}${cum_row}:${last}${cum_row},{at}),0)",
            f"INDEX(Decaissements[Montant],{budget_row(key)})",
            f"N(INDEX(Decaissements[Décalage (mois)],{budget_row(key)}))"]


def realise_cumul_formula(col: str, j: int, cum_row: int) -> str:
    """S(i) = the actual payments cumulated while i is past; then paid + ROUND(MAX(0, budget − paid) ×
    (P(i) − P(t)) / (budget − P(t)), 2)."""
    row = REALISE_FIRST_ROW + j
    paid, at_t, budget, lag = (f"${column_letter(REALISE_HELP_COL + n)}{row}" for n in range(4))
    first, last = column_letter(FIRST_MONTH_COL), column_letter(LAST_MONTH_COL)
    i = f"{col}${REALISE_INDEX_ROW}"
    p_i = f"IF({i}-{lag}>=1,INDEX({quote_sheet(SHEET_TRESO)}!${first}${cum_row}:${last}${cum_row},{i}-{lag}),0)"
    left = f"MAX(0,{budget}-{paid})"  # an overspent budget has nothing left to pay
    return (f"IF({i}<={REALISE_MONTHS_NAME},SUM(${first}{row}:{col}{row}),IF({budget}-{at_t}=0,{paid}+{left},"
            f"{paid}+ROUND({left}*({p_i}-{at_t})/({budget}-{at_t}),2)))")


def payment_formula(key: str, col: str, cum_row: int) -> str:
    """A month's payment of a budget row: what it had incurred by the end of the month its
    « Décalage (mois) » earlier, less the month before (salaries' charges are paid a month later)."""
    lag = f"N(INDEX(Decaissements[Décalage (mois)],{budget_row(key)}))"
    cum = months_range(cum_row)
    at = f"{col}${INDEX_ROW}-{lag}"
    return f"IF({at}>=1,INDEX({cum},{at}),0)-IF({at}-1>=1,INDEX({cum},{at}-1),0)"


# the phases (first day, number of days) and the first month, right of the monthly table
PHASE_BLOCK_COL = LAST_MONTH_COL + 2  # label; then first day, days
PHASE_BLOCK_ROW = 5


def phase_cells() -> dict[str, tuple[int, int]]:
    """Defined name -> (row, col) on the Trésorerie sheet."""
    out: dict[str, tuple[int, int]] = {}
    for i, phase in enumerate(Phase):
        start, days = phase_names(phase)
        out[start] = (PHASE_BLOCK_ROW + i, PHASE_BLOCK_COL + 1)
        out[days] = (PHASE_BLOCK_ROW + i, PHASE_BLOCK_COL + 2)
    out["TRESO_PREMIER_MOIS"] = (PHASE_BLOCK_ROW + len(Phase), PHASE_BLOCK_COL + 1)
    return out


class Grid(NamedTuple):
    """Rows of the monthly table for a given number of sources."""

    sources: int
    keys: int = len(BUDGET_KEYS)  # budget rows: the standard ones and the devis lines singled out

    @property
    def first_receipt(self) -> int:
        return RECEIPTS_HEADER_ROW + 1

    @property
    def receipts_total(self) -> int:
        return self.first_receipt + self.sources

    @property
    def payments_header(self) -> int:
        return self.receipts_total + 2

    @property
    def first_payment(self) -> int:
        return self.payments_header + 1

    @property
    def payments_total(self) -> int:
        return self.first_payment + self.keys

    @property
    def vat_paid(self) -> int:
        return self.payments_total + 2

    @property
    def vat_recovered(self) -> int:
        return self.vat_paid + 1

    @property
    def cumulative_header(self) -> int:
        return self.vat_recovered + 2

    @property
    def first_cumulative(self) -> int:
        return self.cumulative_header + 1

    @property
    def last_row(self) -> int:
        return self.first_cumulative + self.keys - 1


class GridCell(NamedTuple):
    row: int
    col: int
    value: object
    formula: str | None = None
    style: str = "money"


def grid_cells(sources: list[str], labels: dict[str, str], values: GridValues | None,
               keys: tuple[str, ...] = BUDGET_KEYS) -> list[GridCell]:
    """Every cell of the monthly table, formulas with ``values`` as their cached results."""
    g = Grid(len(sources), len(keys))
    cells: list[GridCell] = []
    v = values
    letters = [column_letter(c) for c in range(FIRST_MONTH_COL, LAST_MONTH_COL + 1)]
    cells.append(GridCell(INDEX_ROW, 2, "Mois n°", None, "text"))
    cells.append(GridCell(MONTH_ROW, 2, "Mois", None, "header"))
    cells.append(GridCell(BALANCE_ROW, 2, "Solde cumulé (trésorerie disponible)", None, "total_label"))
    cells.append(GridCell(NET_ROW, 2, "Solde du mois", None, "text"))
    cells.append(GridCell(RECEIPTS_HEADER_ROW, 2, "Encaissements", None, "subtitle"))
    for i, name in enumerate(sources):
        cells.append(GridCell(g.first_receipt + i, 2, name, None, "text"))
    cells.append(GridCell(g.receipts_total, 2, "Total des encaissements", None, "total_label"))
    cells.append(GridCell(g.payments_header, 2, "Décaissements (montants HT ; TVA ci-dessous)", None, "subtitle"))
    for j, key in enumerate(keys, start=1):
        cells.append(GridCell(g.first_payment + j - 1, 1, (YES if key in v.vat_keys else NO) if v else None,
                              f"INDEX(Decaissements[TVA],{budget_row(key)})", "center"))
        cells.append(GridCell(g.first_payment + j - 1, 2, labels.get(key, key), None, "text"))
        cells.append(GridCell(g.first_cumulative + j - 1, 2, labels.get(key, key), None, "text"))
    cells.append(GridCell(g.payments_total, 2, "Total des décaissements", None, "total_label"))
    cells.append(GridCell(g.vat_paid, 2, "TVA payée sur les achats taxables", None, "text"))
    cells.append(GridCell(g.vat_recovered, 2, "TVA récupérée", None, "text"))
    cells.append(GridCell(g.cumulative_header, 2, "Dépenses engagées cumulées, par poste (paiement décalé selon "
                          "Décaissements)", None, "subtitle"))
    for k, col in enumerate(letters):
        c = FIRST_MONTH_COL + k
        prev = letters[k - 1] if k else None
        cells.append(GridCell(INDEX_ROW, c, k + 1, None, "int"))
        cells.append(GridCell(MONTH_ROW, c, v.months[k] if v else None,
                              "TRESO_PREMIER_MOIS" if k == 0 else f"EDATE({prev}{MONTH_ROW},1)", "month"))
        net = (f"{col}{g.receipts_total}-{col}{g.payments_total}-{col}{g.vat_paid}+{col}{g.vat_recovered}")
        cells.append(GridCell(NET_ROW, c, v.net[k] if v else 0, net))
        cells.append(GridCell(BALANCE_ROW, c, v.balance[k] if v else 0,
                              f"TRESO_SOLDE_INITIAL+{col}{NET_ROW}" if k == 0 else f"{prev}{BALANCE_ROW}+{col}{NET_ROW}",
                              "total_money"))
        for i in range(len(sources)):
            row = g.first_receipt + i
            status = f"INDEX(Financement[Statut],MATCH($B{row},Financement[Source],0))"
            secured = f'IF(AND(PARAM_SCENARIO_ACQUIS="{YES}",{status}<>"acquis",{status}<>""),0,1)'
            cells.append(GridCell(row, c, v.receipts[i][k] if v else 0,
                                  f'{secured}*SUMIFS(Tranches[Versement],Tranches[Source],$B{row},Tranches[Échéance],'
                                  f'">="&{col}${MONTH_ROW},Tranches[Échéance],"<"&EDATE({col}${MONTH_ROW},1))'))
        first, last = g.first_receipt, g.receipts_total - 1
        cells.append(GridCell(g.receipts_total, c, v.receipts_total[k] if v else 0,
                              f"SUM({col}{first}:{col}{last})" if sources else "0", "total_money"))
        for j, key in enumerate(keys):
            cum_row, pay_row = g.first_cumulative + j, g.first_payment + j
            cells.append(GridCell(cum_row, c, v.cumulative[j][k] if v else 0, paid_by_formula(key, col)))
            forecast = payment_formula(key, col, cum_row)
            cells.append(GridCell(pay_row, c, v.payments[j][k] if v else 0,
                                  actual_or_forecast(col, prev, j, len(keys), forecast) if key[:1].isdigit()
                                  else forecast))
        cells.append(GridCell(g.payments_total, c, v.payments_total[k] if v else 0,
                              f"SUM({col}{g.first_payment}:{col}{g.payments_total - 1})", "total_money"))
        cells.append(GridCell(g.vat_paid, c, v.vat_paid[k] if v else 0,
                              f'ROUND(PARAM_TAUX_TVA*SUMIFS({col}{g.first_payment}:{col}{g.payments_total - 1},'
                              f'$A${g.first_payment}:$A${g.payments_total - 1},"{YES}"),2)'))
        cells.append(GridCell(g.vat_recovered, c, v.vat_recovered[k] if v else 0,
                              f"IF({col}${INDEX_ROW}>PARAM_DELAI_TVA,INDEX({months_range(g.vat_paid)},"
                              f"{col}${INDEX_ROW}-PARAM_DELAI_TVA),0)"))
    return cells


class GridValues(NamedTuple):
    """Python's value of every cell of the monthly table, month by month (60 each)."""

    months: list[object]
    net: list[object]
    balance: list[object]
    receipts: list[list[object]]  # per source
    receipts_total: list[object]
    cumulative: list[list[object]]  # per budget key
    payments: list[list[object]]
    payments_total: list[object]
    vat_paid: list[object]
    vat_recovered: list[object]
    vat_keys: frozenset[str] = frozenset()
