"""Where everything sits in ``depenses.xlsx``, and the formulas that compute it there: the public
contract (tables, headers, defined names) and the geometry the builder and the recalculation share.

Input tables are the user's (Dépenses, Correspondances, ColonnesImport) or written by xlprod's
actions only (Instantanes, ListeVersions: snapshots are frozen). The Suivi, Versions and
Coût définitif sheets are xlprod's: rewritten by each recalculation, with formulas that work
without xlprod.
"""

from __future__ import annotations

from xlprod.cnc.reference import below_the_line
from xlprod.kinds.columns import Column as Column  # the layouts name it L.Column
from xlprod.kinds.columns import this_row
from xlprod.kinds.depenses.tracking import CHAPTERS

KIND = "depenses"
CONTRACT_VERSION = 1
HEADER_ROW = 4  # the header row of the input tables

SHEET_SUIVI = "Suivi"
SHEET_DEPENSES = "Dépenses"
SHEET_VERSIONS = "Versions"
SHEET_COUT = "Coût définitif"
SHEET_INSTANTANES = "Instantanés"
SHEET_CORRESPONDANCES = "Correspondances"
SHEET_IMPORTS = "Imports"
SHEET_PARAMETRES = "Paramètres"
SHEET_CONTROLES = "Contrôles"
SHEETS = (SHEET_SUIVI, SHEET_DEPENSES, SHEET_VERSIONS, SHEET_COUT, SHEET_INSTANTANES, SHEET_CORRESPONDANCES,
          SHEET_IMPORTS, SHEET_PARAMETRES, SHEET_CONTROLES)

YES, NO = "oui", "non"
PAID = "payé"




TABLE_DEPENSES = "Depenses"
DEPENSES_COLUMNS = (
    Column("Date", "date", 11, "date"),
    Column("N° pièce", "piece", 14, "text"),
    Column("Fournisseur", "supplier", 26, "text"),
    Column("Compte devis", "account", 12, "text"),
    Column("Libellé", "label", 36, "text"),
    Column("Montant HT", "amount", 14, "money"),
    Column("TVA", "vat", 12, "money"),
    Column("Devise", "currency", 8, "text"),
    Column("Taux de change", "rate", 10, "rate"),
    Column("Montant EUR", "amount_eur", 14, "computed",
           f'ROUND({this_row(TABLE_DEPENSES, "Montant HT")}*IF({this_row(TABLE_DEPENSES, "Taux de change")}="",1,'
           f'{this_row(TABLE_DEPENSES, "Taux de change")}),2)'),
    Column("Statut", "status", 10, "list"),
    Column("Date de paiement", "payment_date", 11, "date"),
    Column("Pays", "country", 7, "text"),
    Column("Étiquettes", "tags", 18, "text"),
    Column("Compte général", "ledger_account", 12, "text"),
    Column("Clé d'import", "key", 24, "text"),
)
DEPENSES_HEADERS = tuple(c.header for c in DEPENSES_COLUMNS)
AMOUNT_EUR = f"{TABLE_DEPENSES}[Montant EUR]"

TABLE_INSTANTANES = "Instantanes"
INSTANTANES_HEADERS = ("Version", "Compte", "Libellé", "Montant")
TABLE_VERSIONS = "ListeVersions"
VERSIONS_HEADERS = ("Nom", "Date", "Devis", "Total", "Frais généraux", "Imprévus", "Base crédit impôt")
VERSIONS_FIRST_COL = len(INSTANTANES_HEADERS) + 2  # F: beside the snapshots, one blank column between

TABLE_CORRESPONDANCES = "Correspondances"
CORRESPONDANCES_HEADERS = ("Compte général", "Compte devis", "Pays", "Observations", "Libellé contient")
TABLE_COLONNES = "ColonnesImport"
COLONNES_HEADERS = ("Champ", "Colonne du fichier")
COLONNES_FIRST_COL = len(CORRESPONDANCES_HEADERS) + 2

TABLE_IMPORTS = "Imports"  # one row per import, appended by it: what the file held, what came in, what was refused
IMPORTS_COLUMNS = (
    Column("Date", "date", 16, "datetime"),
    Column("Fichier", "file", 30, "text"),
    Column("Format", "detection", 40, "text"),
    Column("Lignes lues", "lines_read", 11, "int"),
    Column("Débit du fichier", "debit_total", 15, "money"),
    Column("Lignes de dépenses", "selected", 11, "int"),
    Column("Nouvelles", "added", 11, "int"),
    Column("Mises à jour", "updated", 11, "int"),
    Column("Déjà présentes", "unchanged", 11, "int"),
    Column("À affecter", "unassigned", 11, "int"),
    Column("Écartées", "rejected", 11, "int"),
    Column("Débit écarté", "rejected_debit", 15, "money"),
    Column("Première erreur", "first_error", 60, "text"),
    Column("Clés disparues", "absent", 40, "text"),  # import keys of the rows the file no longer had (DEP031)
)
IMPORTS_HEADERS = tuple(c.header for c in IMPORTS_COLUMNS)

PARAM_COLUMNS = ("Clé", "Paramètre", "Valeur", "Unité", "Valeur par défaut", "Source")
TABLE_PARAMETRES = "ParametresDepenses"
PARAMETERS = (  # key, name, label, default, unit, source
    ("titre", "DEPENSES_TITRE", "Titre de l'œuvre", "", "texte", "Saisie de la production."),
    ("devis_fichier", "DEPENSES_DEVIS_FICHIER", "Devis de la production (chemin relatif à ce classeur)", "", "texte",
     "Le devis dont « xlprod snapshot » fige une version quand --devis n'est pas donné."),
    ("version", "PARAM_VERSION_ACTUELLE", "Version du budget actuel (vide : la dernière)", "", "texte",
     "Nom d'une version de l'onglet Instantanés."),
    ("alerte", "PARAM_SEUIL_ALERTE", "Écart à surveiller au-delà de", "0.05", "%",
     "Usage du rapport de coûts : à ajuster avec le producteur."),
    ("depassement", "PARAM_SEUIL_DEPASSEMENT", "Dépassement au-delà de", "0.10", "%",
     "Usage du rapport de coûts : à ajuster avec le producteur."),
    ("frais_generaux", "PARAM_FRAIS_GENERAUX", "Frais généraux déclarés (vide : ceux du budget actuel)", "", "€",
     "Coût du film : plafonnés à 7 % (arrêté du 7 février 2011, art. 2 §12)."),
    ("visa", "PARAM_DATE_VISA", "Date du visa d'exploitation", "", "date",
     "Compte de production dû dans les 8 mois du visa (code du cinéma L213-24)."),
)
PARAMETER_NAMES = {key: name for key, name, *_ in PARAMETERS}

STATUS_VALUES = ("engagé", "facturé", "payé")

# -- Suivi ----------------------------------------------------------------------------------
SUIVI_HEADERS = ("Compte", "Libellé", "Poste", "Devis initial", "Budget actuel", "Engagé", "Payé",
                 "Reste à engager (saisi)", "Reste à engager", "Coût final estimé", "Écart", "Écart %", "Statut")
COL = {h: i + 1 for i, h in enumerate(SUIVI_HEADERS)}  # 1-based columns of the chapter and line blocks
STATUS_CELL = (3, 1)
STATUS_NAME = "DEPENSES_CONTROLES"
SUMMARY_FIRST_ROW = 5
SUMMARY_COL = 4  # D: the summary's values, in a column wide enough for amounts (C holds the lines' Poste)
SUMMARY = (  # defined name, label, style
    ("DEPENSES_VERSION_INITIALE", "Devis initial (première version)", "text"),
    ("DEPENSES_VERSION_ACTUELLE", "Budget actuel (version)", "text"),
    ("DEPENSES_DEVIS_INITIAL", "Devis initial, postes 1 à 9", "money"),
    ("DEPENSES_BUDGET_ACTUEL", "Budget actuel, postes 1 à 9", "money"),
    ("DEPENSES_ENGAGE", "Engagé (toutes les dépenses)", "money"),
    ("DEPENSES_PAYE", "Payé", "money"),
    ("DEPENSES_COUT_FINAL_ESTIME", "Coût final estimé", "money"),
    ("DEPENSES_ECART", "Écart (coût final estimé − devis initial)", "money"),
    ("DEPENSES_A_AFFECTER", "Dépenses à affecter (sans compte devis)", "money"),
    ("DEPENSES_DEPENSES_FRANCE", "Dépenses en France", "money"),
    ("DEPENSES_IMPREVUS", "Imprévus du budget actuel", "money"),
    ("DEPENSES_IMPREVUS_CONSOMMES", "Imprévus consommés (dépassement net)", "money"),
)
SUMMARY_ROWS = {name: SUMMARY_FIRST_ROW + i for i, (name, _, _) in enumerate(SUMMARY)}
CHAPTER_HEADER_ROW = SUMMARY_FIRST_ROW + len(SUMMARY) + 2  # 19
FIRST_CHAPTER_ROW = CHAPTER_HEADER_ROW + 1
UNASSIGNED_ROW = FIRST_CHAPTER_ROW + len(CHAPTERS)
TOTAL_ROW = UNASSIGNED_ROW + 1
ANALYSIS_TITLE_ROW = TOTAL_ROW + 2
ANALYSIS_ROWS = 8  # top overruns, top savings, chapters heading over, up to five recommendations
LINES_HEADER_ROW = ANALYSIS_TITLE_ROW + ANALYSIS_ROWS + 2
FIRST_LINE_ROW = LINES_HEADER_ROW + 1
LINES_END_NAME = "DEPENSES_FIN_LIGNES"  # a constant: the last line row written, so a shorter report clears the rest

# -- Versions -------------------------------------------------------------------------------
V_HEADER_ROW = 4
V_FIRST_CHAPTER_ROW = V_HEADER_ROW + 1
V_TOTAL_ROW = V_FIRST_CHAPTER_ROW + len(CHAPTERS)
V_LINES_HEADER_ROW = V_TOTAL_ROW + 3
V_FIRST_LINE_ROW = V_LINES_HEADER_ROW + 1
V_FIRST_VERSION_COL = 4
# the devis accounts of every version (the Versions sheet's lines, a range xlprod rewrites): what a Compte devis cell
# of Dépenses or Correspondances offers in its drop-down list
ACCOUNTS_NAME = "DEPENSES_COMPTES_DEVIS"


def accounts_range(last_row: int) -> str:
    return f"{SHEET_VERSIONS}!$A${V_FIRST_LINE_ROW}:$A${max(last_row, V_FIRST_LINE_ROW)}"

# -- Coût définitif -------------------------------------------------------------------------
C_DEADLINE_ROW = 3
C_HEADER_ROW = 5
C_HEADERS = ("Poste", "Libellé", "Devis initial", "Coût définitif", "dont France", "dont étranger",
             "Écart au devis initial", "Écart %")  # not Suivi's Écart: the estimated final cost against the initial
C_FIRST_CHAPTER_ROW = C_HEADER_ROW + 1
C_UNASSIGNED_ROW = C_FIRST_CHAPTER_ROW + len(CHAPTERS)
C_SUBTOTAL_ROW = C_UNASSIGNED_ROW + 1
C_PROTOCOL_TITLE_ROW = C_SUBTOTAL_ROW + 2
C_PROTOCOL_HEADER_ROW = C_PROTOCOL_TITLE_ROW + 1
C_BASE_ROW = C_PROTOCOL_HEADER_ROW + 1
C_PRODUCER_ROW = C_BASE_ROW + 1
C_OVERHEAD_ROW = C_BASE_ROW + 2
C_FINANCIAL_ROW = C_BASE_ROW + 3
C_FILM_COST_ROW = C_BASE_ROW + 4
C_CREDIT_TITLE_ROW = C_FILM_COST_ROW + 2
C_CREDIT_ROW = C_CREDIT_TITLE_ROW + 1
C_COUNTRY_TITLE_ROW = C_CREDIT_ROW + 2
C_COUNTRY_HEADER_ROW = C_COUNTRY_TITLE_ROW + 1
C_FIRST_COUNTRY_ROW = C_COUNTRY_HEADER_ROW + 1
SMALL_FILM = 3_000_000  # below, real financial costs are retained even above their cap
COST_NAMES = {  # defined name -> (row, col)
    "DEPENSES_ECHEANCE_COMPTE": (C_DEADLINE_ROW, 3),
    "DEPENSES_BASE_PROTOCOLE": (C_BASE_ROW, 3),
    "DEPENSES_REMUNERATION_PRODUCTEUR": (C_PRODUCER_ROW, 5),
    "DEPENSES_FRAIS_GENERAUX": (C_OVERHEAD_ROW, 5),
    "DEPENSES_FRAIS_FINANCIERS": (C_FINANCIAL_ROW, 5),
    "DEPENSES_COUT_DEFINITIF": (C_FILM_COST_ROW, 5),
    "DEPENSES_BASE_CREDIT_IMPOT": (C_CREDIT_ROW, 3),
}
ELIGIBLE_NAME = "CI_SOUS_POSTES_ELIGIBLES"


def rng(col: int, first: int, last: int) -> str:
    from xlprod.core.location import column_letter

    c = column_letter(col)
    return f"${c}${first}:${c}${last}"


def ref(row: int, col: int) -> str:
    from xlprod.core.location import column_letter

    return f"{column_letter(col)}{row}"


def status_formula(row: int) -> str:
    d, e = ref(row, COL["Devis initial"]), ref(row, COL["Budget actuel"])
    j, k = ref(row, COL["Coût final estimé"]), ref(row, COL["Écart"])
    return (f'IF({d}=0,IF({j}=0,"conforme",IF({e}<>0,"ajouté au budget","hors devis")),'
            f'IF({k}/{d}>PARAM_SEUIL_DEPASSEMENT,"dépassement",'
            f'IF({k}/{d}>PARAM_SEUIL_ALERTE,"à surveiller",IF({k}/{d}<-PARAM_SEUIL_ALERTE,"économie","conforme"))))')


def line_formulas(row: int) -> dict[str, str]:
    """The formulas of one line of the report (its Compte in column A)."""
    a = f"$A{row}"
    e, f, h, i, j, d, k = (ref(row, COL[x]) for x in ("Budget actuel", "Engagé", "Reste à engager (saisi)",
                                                       "Reste à engager", "Coût final estimé", "Devis initial", "Écart"))
    snap = f"{TABLE_INSTANTANES}[Montant],{TABLE_INSTANTANES}[Version]"
    return {
        "Poste": f'IFERROR(VALUE(LEFT({a},1)),"")',
        "Devis initial": f"SUMIFS({snap},DEPENSES_VERSION_INITIALE,{TABLE_INSTANTANES}[Compte],{a})",
        "Budget actuel": f"SUMIFS({snap},DEPENSES_VERSION_ACTUELLE,{TABLE_INSTANTANES}[Compte],{a})",
        "Engagé": f"SUMIFS({AMOUNT_EUR},{TABLE_DEPENSES}[Compte devis],{a})",
        "Payé": f'SUMIFS({AMOUNT_EUR},{TABLE_DEPENSES}[Compte devis],{a},{TABLE_DEPENSES}[Statut],"{PAID}")',
        "Reste à engager": f"IF(ISNUMBER({h}),{h},MAX({e}-{f},0))",  # text typed there: the default
        "Coût final estimé": f"{f}+{i}",
        "Écart": f"{j}-{d}",
        "Écart %": f'IF({d}=0,"",{k}/{d})',
        "Statut": status_formula(row),
    }


SUMMED = ("Devis initial", "Budget actuel", "Engagé", "Payé", "Reste à engager", "Coût final estimé", "Écart")


def chapter_formulas(row: int, last_line: int) -> dict[str, str]:
    """A chapter's row: the sum of its lines (SUMIFS on their Poste)."""
    poste = rng(COL["Poste"], FIRST_LINE_ROW, last_line)
    out = {h: f"SUMIFS({rng(COL[h], FIRST_LINE_ROW, last_line)},{poste},$A{row})" for h in SUMMED}
    d, k = ref(row, COL["Devis initial"]), ref(row, COL["Écart"])
    out["Écart %"] = f'IF({d}=0,"",{k}/{d})'
    out["Statut"] = status_formula(row)
    return out


def unassigned_formulas(last_line: int) -> dict[str, str]:
    """What no line holds: every entry's amount less the lines'."""
    r = UNASSIGNED_ROW
    f, i = ref(r, COL["Engagé"]), ref(r, COL["Reste à engager"])
    return {
        "Devis initial": "0", "Budget actuel": "0",
        "Engagé": f"SUM({AMOUNT_EUR})-SUM({rng(COL['Engagé'], FIRST_LINE_ROW, last_line)})",
        "Payé": f'SUMIFS({AMOUNT_EUR},{TABLE_DEPENSES}[Statut],"{PAID}")-SUM({rng(COL["Payé"], FIRST_LINE_ROW, last_line)})',
        "Reste à engager": "0",
        "Coût final estimé": f"{f}+{i}",
        "Écart": f"{ref(r, COL['Coût final estimé'])}-{ref(r, COL['Devis initial'])}",
        "Écart %": f'IF({ref(r, COL["Devis initial"])}=0,"",{ref(r, COL["Écart"])}/{ref(r, COL["Devis initial"])})',
        "Statut": status_formula(r),
    }


def total_formulas() -> dict[str, str]:
    r = TOTAL_ROW
    out = {h: f"SUM({rng(COL[h], FIRST_CHAPTER_ROW, UNASSIGNED_ROW)})" for h in SUMMED}
    out["Écart %"] = f'IF({ref(r, COL["Devis initial"])}=0,"",{ref(r, COL["Écart"])}/{ref(r, COL["Devis initial"])})'
    out["Statut"] = status_formula(r)
    return out


FOREIGN = f'SUMIFS({AMOUNT_EUR},{TABLE_DEPENSES}[Pays],"<>FR",{TABLE_DEPENSES}[Pays],"<>")'


def _version_field(header: str) -> str:
    return (f"IFERROR(INDEX({TABLE_VERSIONS}[{header}],MATCH(DEPENSES_VERSION_ACTUELLE,{TABLE_VERSIONS}[Nom],0)),0)")


def summary_formulas() -> dict[str, str]:
    t = TOTAL_ROW
    return {
        "DEPENSES_VERSION_INITIALE": f'IFERROR(INDEX({TABLE_VERSIONS}[Nom],1)&"","")',
        "DEPENSES_VERSION_ACTUELLE": (f'IF(PARAM_VERSION_ACTUELLE="",IFERROR(INDEX({TABLE_VERSIONS}[Nom],'
                                      f'ROWS({TABLE_VERSIONS}[Nom]))&"",""),PARAM_VERSION_ACTUELLE&"")'),
        "DEPENSES_DEVIS_INITIAL": f"SUM({rng(COL['Devis initial'], FIRST_CHAPTER_ROW, UNASSIGNED_ROW - 1)})",
        "DEPENSES_BUDGET_ACTUEL": f"SUM({rng(COL['Budget actuel'], FIRST_CHAPTER_ROW, UNASSIGNED_ROW - 1)})",
        "DEPENSES_ENGAGE": ref(t, COL["Engagé"]),
        "DEPENSES_PAYE": ref(t, COL["Payé"]),
        "DEPENSES_COUT_FINAL_ESTIME": ref(t, COL["Coût final estimé"]),
        "DEPENSES_ECART": ref(t, COL["Écart"]),
        "DEPENSES_A_AFFECTER": ref(UNASSIGNED_ROW, COL["Engagé"]),
        "DEPENSES_DEPENSES_FRANCE": f"SUM({AMOUNT_EUR})-{FOREIGN}",
        "DEPENSES_IMPREVUS": _version_field("Imprévus"),
        "DEPENSES_IMPREVUS_CONSOMMES": f"MAX(0,{ref(t, COL['Coût final estimé'])}-{ref(t, COL['Budget actuel'])})",
    }


def prefixes_formula(prefixes: list[str], extra: str = "") -> str:
    return "+".join(f'SUMIFS({AMOUNT_EUR},{TABLE_DEPENSES}[Compte devis],"{p}*"{extra})' for p in prefixes) or "0"


def producer_prefixes() -> list[str]:
    return sorted(below_the_line()["producer_pay"])


def financial_prefixes() -> list[str]:
    return sorted(below_the_line()["financial_costs"])


def cost_formulas() -> dict[tuple[int, int], str]:
    """Coût définitif: chapters from the entries, then the film cost with the protocol's caps."""
    out: dict[tuple[int, int], str] = {}
    for n in CHAPTERS:
        r = C_FIRST_CHAPTER_ROW + n - 1
        out[(r, 3)] = f"{SHEET_SUIVI}!{ref(FIRST_CHAPTER_ROW + n - 1, COL['Devis initial'])}"
        crit = f'{TABLE_DEPENSES}[Compte devis],"{n}*"'
        out[(r, 4)] = f"SUMIFS({AMOUNT_EUR},{crit})"
        out[(r, 6)] = f'SUMIFS({AMOUNT_EUR},{crit},{TABLE_DEPENSES}[Pays],"<>FR",{TABLE_DEPENSES}[Pays],"<>")'
    r = C_UNASSIGNED_ROW
    out[(r, 3)] = "0"
    out[(r, 4)] = f"SUM({AMOUNT_EUR})-SUM({rng(4, C_FIRST_CHAPTER_ROW, C_UNASSIGNED_ROW - 1)})"
    out[(r, 6)] = f"{FOREIGN}-SUM({rng(6, C_FIRST_CHAPTER_ROW, C_UNASSIGNED_ROW - 1)})"
    for row in range(C_FIRST_CHAPTER_ROW, C_UNASSIGNED_ROW + 1):
        out[(row, 5)] = f"{ref(row, 4)}-{ref(row, 6)}"
        out[(row, 7)] = f"{ref(row, 4)}-{ref(row, 3)}"
        out[(row, 8)] = f'IF({ref(row, 3)}=0,"",{ref(row, 7)}/{ref(row, 3)})'
    s = C_SUBTOTAL_ROW
    for col in range(3, 8):
        out[(s, col)] = f"SUM({rng(col, C_FIRST_CHAPTER_ROW, C_UNASSIGNED_ROW)})"
    out[(s, 8)] = f'IF({ref(s, 3)}=0,"",{ref(s, 7)}/{ref(s, 3)})'
    b, p, o, fi = C_BASE_ROW, C_PRODUCER_ROW, C_OVERHEAD_ROW, C_FINANCIAL_ROW
    out[(p, 3)] = prefixes_formula(producer_prefixes())
    out[(fi, 3)] = prefixes_formula(financial_prefixes())
    out[(b, 3)] = f"{ref(s, 4)}-{ref(p, 3)}-{ref(fi, 3)}"
    out[(b, 5)] = ref(b, 3)
    out[(o, 3)] = f'IF(PARAM_FRAIS_GENERAUX="",{_version_field("Frais généraux")},PARAM_FRAIS_GENERAUX)'
    out[(p, 4)] = f"ROUND({ref(b, 3)}*0.05,2)"
    out[(o, 4)] = f"ROUND({ref(b, 3)}*0.07,2)"
    out[(p, 5)] = f"MIN({ref(p, 3)},{ref(p, 4)})"
    out[(o, 5)] = f"MIN({ref(o, 3)},{ref(o, 4)})"
    big = f"{ref(b, 3)}+{ref(p, 3)}+{ref(o, 3)}+{ref(fi, 3)}>={SMALL_FILM}"  # below 3 M€: real costs, no cap
    out[(fi, 4)] = f'IF({big},ROUND(({ref(b, 3)}+{ref(p, 5)}+{ref(o, 5)})*0.05,2),"")'
    out[(fi, 5)] = f"IF({big},MIN({ref(fi, 3)},{ref(fi, 4)}),{ref(fi, 3)})"
    out[(C_FILM_COST_ROW, 5)] = f"{ref(b, 5)}+{ref(p, 5)}+{ref(o, 5)}+{ref(fi, 5)}"
    eligible = f'{TABLE_DEPENSES}[Compte devis],{ELIGIBLE_NAME}&"*"'
    out[(C_CREDIT_ROW, 3)] = (f"SUMPRODUCT(SUMIFS({AMOUNT_EUR},{eligible}))-SUMPRODUCT(SUMIFS({AMOUNT_EUR},{eligible},"
                              f'{TABLE_DEPENSES}[Pays],"<>FR",{TABLE_DEPENSES}[Pays],"<>"))')
    out[(C_CREDIT_ROW, 4)] = _version_field("Base crédit impôt")
    out[(C_CREDIT_ROW, 5)] = f"{ref(C_CREDIT_ROW, 3)}-{ref(C_CREDIT_ROW, 4)}"
    out[(C_DEADLINE_ROW, 3)] = 'IF(PARAM_DATE_VISA="","",EDATE(PARAM_DATE_VISA,8))'
    return out

