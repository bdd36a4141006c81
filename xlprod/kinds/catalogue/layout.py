"""Where everything sits in ``catalogue.xlsx``: the public contract (tables, headers, defined
names) and the formulas of the receipts, shared by the builder and the recalculation.

The user's tables are Oeuvres, Droits, Recettes, AyantsDroit, Territoires and the parameters.
Synthèse, Disponibilités, Relevés and Contrôles are xlprod's, rewritten by each recalculation.
The receipts' cap, overrun and RNPP columns are Excel formulas that xlprod computes the same way
(tests prove it with LibreOffice), so a file sent to an auditor still works without xlprod.
"""

from __future__ import annotations

from xlprod.kinds.catalogue.exchange import RIGHT_HEADERS
from xlprod.kinds.catalogue.receipts import PROTOCOL_2010, Exploitation
from xlprod.kinds.catalogue.works import WORK_COLUMNS
from xlprod.kinds.columns import Column, this_row

KIND = "catalogue"
CONTRACT_VERSION = 1
HEADER_ROW = 4  # the header row of every input table; works.WORK_COLUMNS start in column A

SHEET_SYNTHESE = "Synthèse"
SHEET_OEUVRES = "Œuvres"  # works.WORKS_SHEET
SHEET_DROITS = "Droits"  # rights.RIGHTS_SHEET
SHEET_RECETTES = "Recettes"
SHEET_AYANTS = "Ayants droit"
SHEET_DISPO = "Disponibilités"
SHEET_RELEVES = "Relevés"
SHEET_TERRITOIRES = "Territoires"
SHEET_PARAMETRES = "Paramètres"
SHEET_CONTROLES = "Contrôles"
SHEETS = (SHEET_SYNTHESE, SHEET_OEUVRES, SHEET_DROITS, SHEET_RECETTES, SHEET_AYANTS, SHEET_DISPO, SHEET_RELEVES,
          SHEET_TERRITOIRES, SHEET_PARAMETRES, SHEET_CONTROLES)
OWNED = (SHEET_SYNTHESE, SHEET_DISPO, SHEET_RELEVES, SHEET_CONTROLES)

YES, NO = "oui", "non"

TABLE_OEUVRES = "Oeuvres"
OEUVRES_HEADERS = tuple(header for header, _ in WORK_COLUMNS)

TABLE_DROITS = "Droits"
DROITS_HEADERS = RIGHT_HEADERS  # Œuvre, Partenaire, Sens, Territoires, Médias, Début, Fin, Exclusif, ...

TABLE_RECETTES = "Recettes"
EXPLOITATIONS_NAME = "CATALOGUE_EXPLOITATIONS"  # the protocol's modes, listed on Paramètres (LISTS_COL)


def _r(header: str) -> str:
    return this_row(TABLE_RECETTES, header)


def cap_formula() -> str:
    """The protocol's cap on this row's commission (receipts.commission_cap), in Excel.

    The VOD brackets are those of PROTOCOL_2010 (the rates are parameters, the bounds are not)."""
    gross = f"N({_r('Recettes brutes')})"
    (b1, _), (b2, _), (b3, _) = PROTOCOL_2010.vod_brackets
    vod = (f"IF({gross}>{PROTOCOL_2010.vod_flat_above},{gross}*PARAM_PLAFOND_VOD_3,"
           f"MIN({gross},{b1})*PARAM_PLAFOND_VOD_1+MAX(0,MIN({gross},{b2})-{b1})*PARAM_PLAFOND_VOD_2"
           f"+MAX(0,MIN({gross},{b3})-{b2})*PARAM_PLAFOND_VOD_3)")
    e = _r("Exploitation")
    chain = "0"
    for exploitation in reversed(Exploitation):
        if exploitation is Exploitation.VOD:
            rate = vod
        elif exploitation is Exploitation.TV:
            rate = f'{gross}*IF({_r("Petite vente TV")}="{YES}",PARAM_PLAFOND_TV_PETITE,PARAM_PLAFOND_TV)'
        else:
            rate = f"{gross}*{CAP_NAMES[exploitation]}"
        chain = f'IF({e}="{exploitation.label}",{rate},{chain})'
    return f'IF(OR({_r("Préachat finançant")}="{YES}",{gross}<=0),0,ROUND({chain},2))'


CAP_NAMES = {
    Exploitation.SALLES: "PARAM_PLAFOND_SALLES",
    Exploitation.SALLES_MG: "PARAM_PLAFOND_SALLES_MG",
    Exploitation.NON_COMMERCIAL: "PARAM_PLAFOND_NON_COMMERCIAL",
    Exploitation.VIDEO: "PARAM_PLAFOND_VIDEO",
    Exploitation.TV: "PARAM_PLAFOND_TV",
    Exploitation.ABROAD: "PARAM_PLAFOND_ETRANGER",
    Exploitation.OTHER: "PARAM_PLAFOND_AUTRES",
}

RECETTES_COLUMNS = (
    Column("Œuvre", "work", 14, "text"),
    Column("Période", "period", 10, "text"),
    Column("Exploitation", "exploitation", 30, "list"),
    Column("Territoire", "territory", 12, "text"),
    Column("Recettes brutes", "gross", 15, "money"),
    Column("Commission", "commission", 14, "money"),
    Column("Frais", "costs", 13, "money"),
    Column("MG récupéré", "mg_recouped", 13, "money"),
    Column("Préachat finançant", "financed_presale", 10, "list"),
    Column("Petite vente TV", "small_tv_sale", 10, "list"),
    Column("Plafond commission", "cap", 15, "computed", cap_formula()),
    Column("Dépassement", "over_cap", 13, "computed", f"MAX(0,N({_r('Commission')})-N({_r('Plafond commission')}))"),
    Column("RNPP", "rnpp", 15, "computed",  # the commission at most its cap (receipts.rnpp); blank: no known exploitation
           f'IF(ISNUMBER(MATCH({_r("Exploitation")},{EXPLOITATIONS_NAME},0)),'
           f"ROUND(N({_r('Recettes brutes')})-MIN(N({_r('Commission')}),N({_r('Plafond commission')}))"
           f'-N({_r("Frais")})-N({_r("MG récupéré")}),2),"")'),
)
RECETTES_HEADERS = tuple(c.header for c in RECETTES_COLUMNS)
RECETTES_INPUT = tuple(c.header for c in RECETTES_COLUMNS if not c.formula)
EXPLOITATION_LABELS = tuple(e.label for e in Exploitation)

TABLE_AYANTS = "AyantsDroit"
AYANTS_HEADERS = ("Ayant droit", "Œuvre", "Part", "Minimum garanti")

TABLE_TERRITOIRES = "Territoires"
TERRITOIRES_HEADERS = ("Groupe", "Membres", "Observations")

TABLE_FENETRES = "FenetresPartenaires"  # on Paramètres, beside the parameters
FENETRES_HEADERS = ("Partenaire", "Média", "Mois", "Source")
FENETRES_FIRST_COL = 8  # H
FENETRES_DEFAULT = (  # DOMAIN-FACTS §3.5, accord du 6 février 2025
    ("Netflix", "SVOD", 15, "Accord de chronologie 2025 : Netflix, signataire avec engagement d'investissement."),
    ("Disney+", "SVOD", 9, "Accord de chronologie 2025 : Disney+, signataire (115 M€ sur 3 ans)."),
    ("Canal+", "TV payante", 6, "Accord de chronologie 2025 : TV payante avec accord."),
    ("OCS", "TV payante", 6, "Accord de chronologie 2025 : TV payante avec accord."),
)
LISTS_COL = 13  # M of Paramètres: the Exploitation labels the Recettes list offers (they hold commas)

PARAM_COLUMNS = ("Clé", "Paramètre", "Valeur", "Unité", "Valeur par défaut", "Source")
TABLE_PARAMETRES = "ParametresCatalogue"
_CAPS = PROTOCOL_2010.flat
PARAMETERS = (  # key, name, label, default, unit, source
    ("titre", "CATALOGUE_TITRE", "Nom du catalogue", "", "texte", "Saisie du distributeur ou du producteur."),
    ("societe", "CATALOGUE_SOCIETE", "Votre société (donneur de licence des avails exportés)", "", "texte",
     "Licensor des avails MovieLabs (DisplayName)."),
    ("horizon", "PARAM_HORIZON_MOIS", "Droits qui expirent dans les (mois)", "6", "mois",
     "Usage : à ajuster selon le rythme des renouvellements."),
    ("date_reference", "PARAM_DATE_REFERENCE", "Date de référence des échéances (vide : aujourd'hui)", "", "date",
     "Pour reproduire un contrôle à une date donnée."),
    ("periode", "CATALOGUE_PERIODE", "Période des relevés (ex. 2026-T3)", "", "texte",
     "Les relevés récupèrent les MG sur les périodes antérieures, triées comme du texte (2026-T1 < 2026-T2)."),
    ("dispo_territoire", "PARAM_DISPO_TERRITOIRE", "Disponibilités : territoire", "", "texte",
     "Code ISO, nom de pays ou groupe de l'onglet Territoires."),
    ("dispo_media", "PARAM_DISPO_MEDIA", "Disponibilités : média", "", "texte",
     "Salles, TV payante, TV gratuite, SVOD, AVOD, TVOD / EST, Vidéo, Non commercial."),
    ("dispo_debut", "PARAM_DISPO_DEBUT", "Disponibilités : du", "", "date", "Fenêtre demandée, dates incluses."),
    ("dispo_fin", "PARAM_DISPO_FIN", "Disponibilités : au", "", "date", "Fenêtre demandée, dates incluses."),
    ("plafond_salles", "PARAM_PLAFOND_SALLES", "Plafond de commission : salles", str(_CAPS[Exploitation.SALLES]), "%",
     "Protocole de transparence 2010, art. 3.2 (arrêté du 7 février 2011)."),
    ("plafond_salles_mg", "PARAM_PLAFOND_SALLES_MG", "Plafond : salles avec minimum garanti",
     str(_CAPS[Exploitation.SALLES_MG]), "%", "Idem."),
    ("plafond_non_commercial", "PARAM_PLAFOND_NON_COMMERCIAL", "Plafond : non commercial",
     str(_CAPS[Exploitation.NON_COMMERCIAL]), "%", "Idem."),
    ("plafond_video", "PARAM_PLAFOND_VIDEO", "Plafond : vidéo physique", str(_CAPS[Exploitation.VIDEO]), "%", "Idem."),
    ("plafond_vod_1", "PARAM_PLAFOND_VOD_1", "Plafond : VOD, jusqu'à 100 000 €", str(PROTOCOL_2010.vod_brackets[0][1]), "%",
     "Idem ; au-delà de 300 000 € de recettes, le taux de la 3e tranche s'applique dès le premier euro."),
    ("plafond_vod_2", "PARAM_PLAFOND_VOD_2", "Plafond : VOD, de 100 000 à 200 000 €", str(PROTOCOL_2010.vod_brackets[1][1]),
     "%", "Idem."),
    ("plafond_vod_3", "PARAM_PLAFOND_VOD_3", "Plafond : VOD, de 200 000 à 300 000 € (et tout au-delà)",
     str(PROTOCOL_2010.vod_brackets[2][1]), "%", "Idem."),
    ("plafond_tv", "PARAM_PLAFOND_TV", "Plafond : télévision", str(_CAPS[Exploitation.TV]), "%", "Idem."),
    ("plafond_tv_petite", "PARAM_PLAFOND_TV_PETITE", "Plafond : télévision, vente ≤ 50 000 € ou rattrapage",
     str(PROTOCOL_2010.tv_small), "%", "Idem."),
    ("plafond_etranger", "PARAM_PLAFOND_ETRANGER", "Plafond : étranger (vendeur international)",
     str(_CAPS[Exploitation.ABROAD]), "%", "Idem."),
    ("plafond_autres", "PARAM_PLAFOND_AUTRES", "Plafond : autres exploitations", str(_CAPS[Exploitation.OTHER]), "%",
     "Idem."),
)
PARAMETER_NAMES = {key: name for key, name, *_ in PARAMETERS}
CAP_KEYS = {key: Exploitation(v) for key, v in (
    ("plafond_salles", "salles"), ("plafond_salles_mg", "salles_mg"), ("plafond_non_commercial", "non_commercial"),
    ("plafond_video", "video"), ("plafond_tv", "tv"), ("plafond_etranger", "abroad"), ("plafond_autres", "other"))}

# -- Synthèse ---------------------------------------------------------------------------------------
TITLE_FORMULA = '"Catalogue — "&CATALOGUE_TITRE'
STATUS_CELL = (3, 1)
STATUS_NAME = "CATALOGUE_CONTROLES"
SUMMARY_FIRST_ROW = 5
SUMMARY_COL = 3
SUMMARY = (  # defined name, label, style
    ("CATALOGUE_OEUVRES", "Œuvres", "int"),
    ("CATALOGUE_DROITS", "Lignes de droits", "int"),
    ("CATALOGUE_ERREURS", "Erreurs", "int"),
    ("CATALOGUE_AVERTISSEMENTS", "Avertissements", "int"),
    ("CATALOGUE_CONFLITS", "Cessions exclusives qui se chevauchent", "int"),
    ("CATALOGUE_EXPIRATIONS", "Droits qui expirent dans l'horizon", "int"),
    ("CATALOGUE_CORRECTIONS", "Corrections proposées (Œuvres)", "int"),
    ("CATALOGUE_RNPP", "RNPP de la période des relevés", "money"),
    ("CATALOGUE_DISPONIBLES", "Œuvres disponibles pour la demande de Paramètres (onglet Disponibilités)", "int"),
)
SUMMARY_ROWS = {name: SUMMARY_FIRST_ROW + i for i, (name, _, _) in enumerate(SUMMARY)}
RNPP_FORMULA = f'SUMIFS({TABLE_RECETTES}[RNPP],{TABLE_RECETTES}[Période],CATALOGUE_PERIODE&"")'
COUNT_FORMULA = f'SUMPRODUCT(--(TRIM({TABLE_OEUVRES}[Identifiant]&"")<>""))'
FORMULAS = {"CATALOGUE_OEUVRES": COUNT_FORMULA, "CATALOGUE_RNPP": RNPP_FORMULA}

# -- Disponibilités, Relevés, corrections -----------------------------------------------------------
D_QUERY_ROW = 3
D_HEADER_ROW = 5
D_HEADERS = ("Œuvre", "Titre", "Disponible", "Raison", "Lignes de droits en cause")
R_FIRST_ROW = 4
R_HEADERS = ("Œuvre", "Titre", "Part", "Recettes brutes", "Commissions", "Commissions retenues", "Frais",
             "MG distributeur", "RNPP", "Part de l'ayant droit", "MG", "MG récupéré avant", "MG récupéré", "MG restant",
             "Solde dû")
R_COL = {h: i + 1 for i, h in enumerate(R_HEADERS)}


def exploitations_range() -> str:
    """Where the Exploitation labels are listed (Paramètres), for the Recettes list and the RNPP formula."""
    from xlprod.core.location import column_letter, quote_sheet

    col = column_letter(LISTS_COL)
    return f"{quote_sheet(SHEET_PARAMETRES)}!${col}${HEADER_ROW + 1}:${col}${HEADER_ROW + len(EXPLOITATION_LABELS)}"
