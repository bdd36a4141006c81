"""Fonctions Excel de xlprod (xlwings libre, Windows) : des enveloppes minces sur le cœur de xlprod.

Déclarez ce module (``xlprod_udfs``) dans « UDF Modules » du complément xlwings, cliquez sur
« Import Functions », puis, dans une cellule : ``=XLPROD_CHARGES(3000;"technicien";Parametres)``.
Une entrée invalide renvoie un texte court ``#XLPROD: …`` dans la cellule, jamais une trace Python.

Ce que xlwings impose (``xlwings/udfs.py`` sous Windows) : chaque annotation devient une clé du
registre des convertisseurs (``get_type_hints``), donc seules des clés enregistrées conviennent
(``Any``, ``list``, ``float``, ``str``…) ; une union (``float | str``) n'en est pas une et ferait
échouer chaque appel. Les plages sont lues en 2 dimensions (``ndim=2``) et les cellules en erreur
en texte (``err_to_str``) : sinon une cellule ``#N/A`` arriverait comme une cellule vide.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import xlwings as xw

from xlprod.cnc.payroll import PayrollCategory, lookup_category
from xlprod.core.cells import typed_date
from xlprod.core.dates import add_months
from xlprod.core.money import ONE, ZERO, french_number, from_excel, to_excel
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold
from xlprod.kinds.catalogue.layout import DROITS_HEADERS
from xlprod.kinds.catalogue.reader import release_date, rights_from_grid
from xlprod.kinds.catalogue.rights import (
    CHRONOLOGY_TERRITORIES,
    AvailsIndex,
    Media,
    Territories,
    chronology_window,
    territories,
)
from xlprod.kinds.catalogue.works import parse_date
from xlprod.kinds.devis.compute import employer_charges, france_share, rollup_by_chapter
from xlprod.kinds.devis.layout import PARAM_COLUMNS
from xlprod.kinds.devis.parameters import default_parameters

logger = logging.getLogger(__name__)

Valeur = Any  # une cellule telle qu'Excel la passe : float, str, None (vide), bool, date, Decimal (format monétaire)
Plage = list[list[Any]]  # une plage lue avec ndim=2 : des lignes de cellules

# Colonnes du tableau Excel « Parametres » (feuille Paramètres du devis, voir kinds/devis/builder.py).
COLONNES_PARAMETRES = PARAM_COLUMNS  # headers of the workbook's Parametres table
_CLE, _VALEUR = COLONNES_PARAMETRES.index("Clé"), COLONNES_PARAMETRES.index("Valeur")

# Codes d'erreur de cellule (XlCVError) : sous COM, une cellule en erreur arrive comme l'entier
# 0x800A0000 + code ; xlwings traduit les sept erreurs classiques en texte, pas les récentes.
_ERREURS_EXCEL = {2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?", 2036: "#NUM!",
                  2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!", 2047: "#BLOCKED!",
                  2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!"}
_COM_ERREUR = 0x800A0000 - 2**32


class ErreurXlprod(ValueError):
    """Une entrée que la fonction refuse ; son message (français) s'affiche dans la cellule."""


def _en_cellule(udf: Callable[..., Any]) -> Callable[..., Any]:
    """Renvoie ``#XLPROD: message`` au lieu de lever : Excel afficherait une trace Python en anglais."""
    @functools.wraps(udf)
    def cellule(*args: Any) -> Any:
        try:
            return udf(*args)
        except ErreurXlprod as exc:
            return f"#XLPROD: {exc}"
        except Exception as exc:  # un défaut de xlprod : la trace va au journal, un texte court à la cellule
            logger.exception("%s%r", udf.__name__, args)
            return f"#XLPROD: erreur interne de xlprod ({type(exc).__name__}), merci de la signaler"
    return cellule


# -- nettoyage des entrées (partagé) ---------------------------------------------------------------

def _affiche(valeur: Any) -> str:
    """Une valeur de cellule comme Excel l'affiche en français (pour les messages)."""
    if isinstance(valeur, bool):
        return "VRAI" if valeur else "FAUX"
    if isinstance(valeur, float | Decimal):
        return french_number(from_excel(valeur) if isinstance(valeur, float) else valeur)
    if hasattr(valeur, "strftime"):
        return str(valeur.strftime("%d/%m/%Y"))
    return str(valeur)


def _erreur_excel(valeur: Any) -> str | None:
    """Le texte de l'erreur (#N/A…) si la cellule est en erreur dans Excel."""
    if isinstance(valeur, str) and valeur in _ERREURS_EXCEL.values():
        return valeur
    if isinstance(valeur, int) and not isinstance(valeur, bool) and 0 <= valeur - _COM_ERREUR < 0x10000:
        code = valeur - _COM_ERREUR
        return _ERREURS_EXCEL.get(code, f"erreur {code}")
    return None


def _refuse_erreur(valeur: Any, quoi: str) -> None:
    if (erreur := _erreur_excel(valeur)) is not None:
        raise ErreurXlprod(f"{quoi} en erreur dans Excel ({erreur})")


def _nombre(valeur: Any, quoi: str) -> Decimal | None:
    """Un nombre exact (le double d'Excel à 15 chiffres, ou un texte français non ambigu) ; vide : None."""
    _refuse_erreur(valeur, quoi)
    lu = parse_number(valeur)
    if lu.problem:
        raise ErreurXlprod(f"{quoi} non numérique « {_affiche(valeur)} »")
    return lu.value


def _taux(valeur: Any, quoi: str) -> Decimal | None:
    taux = _nombre(valeur, quoi)
    if taux is not None and not ZERO <= taux <= ONE:
        raise ErreurXlprod(f"{quoi} hors de 0 % à 100 % « {_affiche(valeur)} »")
    return taux


def _grille(plage: Any) -> list[list[Any]]:
    """Une plage en lignes de cellules ; accepte aussi une cellule seule ou une liste (appel Python)."""
    if not isinstance(plage, list | tuple):
        return [[plage]]
    if plage and not isinstance(plage[0], list | tuple):
        return [list(plage)]
    return [list(ligne) for ligne in plage]


def _cellules(plage: Any, quoi: str) -> list[Any]:
    """Les cellules d'une plage d'une seule ligne ou colonne (ou d'une cellule seule)."""
    lignes = _grille(plage)
    if len(lignes) > 1 and len(lignes[0]) > 1:
        raise ErreurXlprod(f"{quoi} : une seule ligne ou colonne attendue ({len(lignes)} × {len(lignes[0])})")
    return [cellule for ligne in lignes for cellule in ligne]


def _paires(a: Any, quoi_a: str, b: Any, quoi_b: str) -> list[tuple[Any, Any]]:
    cellules_a, cellules_b = _cellules(a, quoi_a), _cellules(b, quoi_b)
    if len(cellules_a) != len(cellules_b):
        raise ErreurXlprod(f"plages de tailles différentes ({len(cellules_a)} {quoi_a}, {len(cellules_b)} {quoi_b})")
    return list(zip(cellules_a, cellules_b, strict=True))


def _compte(valeur: Any) -> str:
    """Le code de compte CNC en texte ; une cellule numérique arrive en float (241.0 -> « 241 »)."""
    _refuse_erreur(valeur, "compte")
    if valeur is None:
        return ""
    if isinstance(valeur, str):
        return valeur.strip()
    if isinstance(valeur, int | float | Decimal) and not isinstance(valeur, bool) and valeur == int(valeur):
        return str(int(valeur))
    raise ErreurXlprod(f"compte non valide « {_affiche(valeur)} »")


def _categorie(valeur: Any) -> PayrollCategory:
    _refuse_erreur(valeur, "catégorie")
    texte = "" if valeur is None else _affiche(valeur).strip()
    if not texte:
        raise ErreurXlprod("catégorie de paie vide")
    categorie = lookup_category(texte)
    if categorie is None:
        raise ErreurXlprod(f"catégorie inconnue « {texte} »")
    return categorie


def _taux_par_defaut(categorie: PayrollCategory) -> Decimal:
    """Le taux du fichier de paramètres de xlprod (0 pour une catégorie sans charges)."""
    if categorie.rate_key is None:
        return ZERO
    return next(Decimal(p.value) for p in default_parameters() if p.key == categorie.rate_key)


def _taux_du_tableau(categorie: PayrollCategory, lignes: list[list[Any]]) -> Decimal:
    """Le taux de la catégorie lu dans le tableau Parametres (ses données, avec ou sans en-têtes)."""
    cle = categorie.rate_key
    if cle is None:  # comme la Synthèse : pas de ligne de charges, donc 0
        return ZERO
    entetes = [fold(str(c or "")) for c in lignes[0]]
    if fold("Clé") in entetes and fold("Valeur") in entetes:  # Parametres[#Tout]
        i_cle, i_valeur, lignes = entetes.index(fold("Clé")), entetes.index(fold("Valeur")), lignes[1:]
    else:
        i_cle, i_valeur = _CLE, _VALEUR
    if not lignes or len(lignes[0]) <= i_valeur:
        raise ErreurXlprod(f"tableau Parametres attendu (colonnes {', '.join(COLONNES_PARAMETRES[:_VALEUR + 1])}…)")
    for ligne in lignes:
        if isinstance(ligne[i_cle], str) and ligne[i_cle].strip() == cle:
            taux = _taux(ligne[i_valeur], f"paramètre {cle}")
            if taux is None:
                raise ErreurXlprod(f"paramètre {cle} vide dans le tableau Parametres")
            return taux
    raise ErreurXlprod(f"paramètre {cle} absent du tableau Parametres")


# -- les fonctions ----------------------------------------------------------------------------------

@xw.func(category="xlprod")
@xw.arg("brut", err_to_str=True, doc="Salaire brut (ou droits d'auteur), en euros.")
@xw.arg("categorie", err_to_str=True, doc="Catégorie de paie : technicien, cadre, réalisateur, ouvrier, stagiaire "
                                          "(brut : la part de la gratification au-delà du minimum légal), "
                                          "artiste-interprète, figurant, permanent, auteur, non salarié.")
@xw.arg("taux_ou_parametres", ndim=2, err_to_str=True,
        doc="Facultatif : un taux (62 %) ou le tableau Parametres du devis. Absent : taux par défaut de xlprod.")
@_en_cellule
def XLPROD_CHARGES(brut: Valeur, categorie: Valeur, taux_ou_parametres: Valeur = None) -> Valeur:
    """Charges patronales d'un salaire brut selon sa catégorie de paie, arrondies comme la Synthèse du devis."""
    cat = _categorie(categorie)
    lignes = _grille(taux_ou_parametres)
    if len(lignes) == 1 and len(lignes[0]) == 1:  # absent, ou une seule cellule : un taux
        taux = _taux(lignes[0][0], "taux")
        taux = _taux_par_defaut(cat) if taux is None else taux
    else:
        taux = _taux_du_tableau(cat, lignes)
    return to_excel(employer_charges(_nombre(brut, "salaire brut") or ZERO, taux))


@xw.func(category="xlprod")
@xw.arg("comptes", ndim=2, err_to_str=True, doc="Colonne des comptes CNC (le poste est leur premier chiffre).")
@xw.arg("montants", ndim=2, err_to_str=True, doc="Colonne des montants, de même taille.")
@xw.ret(transpose=True)
@_en_cellule
def XLPROD_POSTES(comptes: Plage, montants: Plage) -> Valeur:
    """Totaux des postes 1 à 9, en colonne : les montants additionnés selon le 1er chiffre du compte CNC."""
    paires = _paires(comptes, "comptes", montants, "montants")
    totaux = rollup_by_chapter([(_compte(c), _nombre(m, "montant") or ZERO) for c, m in paires])
    return [to_excel(total) for total in totaux.values()]


@xw.func(category="xlprod")
@xw.arg("montants", ndim=2, err_to_str=True, doc="Colonne des montants.")
@xw.arg("parts", ndim=2, err_to_str=True, doc="Colonne des parts dépensées en France, de même taille (vide = 100 %).")
@_en_cellule
def XLPROD_PART_FRANCE(montants: Plage, parts: Plage) -> Valeur:
    """Part des dépenses faites en France : montants × part France (vide = 100 %), au centime, ÷ total."""
    paires = _paires(montants, "montants", parts, "parts")
    return to_excel(france_share([_nombre(m, "montant") or ZERO for m, _ in paires],
                                 [_taux(p, "part France") for _, p in paires]))


def _date(valeur: Any, quoi: str) -> dt.date:
    """Une date de cellule (date, numéro de série) ou un texte 01/03/2027."""
    _refuse_erreur(valeur, quoi)
    jour = typed_date(valeur)
    if jour is not None:
        return jour
    if isinstance(valeur, float | int) and not isinstance(valeur, bool):  # NaN compris
        raise ErreurXlprod(f"{quoi} : le nombre {valeur!r} n'est pas une date")
    lue = parse_date(str(valeur)) if isinstance(valeur, str) else None
    if lue is None:
        raise ErreurXlprod(f"{quoi} : « {_affiche(valeur)} » n'est pas une date")
    return lue[0]


@functools.lru_cache(maxsize=8)
def _index(lignes: tuple[tuple[Any, ...], ...], groupes: tuple[tuple[Any, ...], ...]) -> tuple[AvailsIndex, Territories, int]:
    """L'index des droits d'une plage et les groupes de territoires, gardés tant que les plages ne
    changent pas (une colonne de formules les consulte une fois par ligne) ; avec le nombre de
    lignes de droits illisibles."""
    places = territories()
    if groupes:
        entetes = [str(c).strip() for c in groupes[0]]
        if "Groupe" not in entetes or "Membres" not in entetes:
            raise ErreurXlprod("groupes de territoires sans leur ligne d'en-têtes (passez Territoires[#Tout])")
        g, m = entetes.index("Groupe"), entetes.index("Membres")
        try:
            places = places.with_groups([(str(r[g] or ""), str(r[m] or "")) for r in groupes[1:] if r[g] or r[m]])
        except ValueError as exc:
            raise ErreurXlprod(str(exc)) from None
    droits, problemes = rights_from_grid([list(ligne) for ligne in lignes], data=places)
    illisibles = {p.location.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for p in problemes
                  if p.severity.value == "erreur" and p.location.cell}
    return AvailsIndex(droits), places, len(illisibles)


@xw.func(category="xlprod")
@xw.arg("oeuvre", err_to_str=True, doc="Identifiant de l'œuvre (colonne Identifiant des Œuvres).")
@xw.arg("territoire", err_to_str=True, doc="Code ISO, nom de pays ou groupe (BE, Benelux, Monde hors FR).")
@xw.arg("media", err_to_str=True, doc="Salles, TV payante, TV gratuite, SVOD, AVOD, TVOD / EST, Vidéo, Non commercial.")
@xw.arg("debut", err_to_str=True, doc="Premier jour de la période demandée.")
@xw.arg("fin", err_to_str=True, doc="Dernier jour de la période demandée (inclus).")
@xw.arg("droits", ndim=2, err_to_str=True, doc="Le tableau des droits avec ses en-têtes : Droits[#Tout].")
@xw.arg("territoires", ndim=2, err_to_str=True,
        doc="Facultatif : les groupes du catalogue avec leurs en-têtes, Territoires[#Tout].")
@xw.arg("oeuvres", ndim=2, err_to_str=True,
        doc="Facultatif : les œuvres avec leurs en-têtes, Oeuvres[#Tout] : la sortie en France, pour la chronologie.")
@_en_cellule
def XLPROD_DISPONIBLE(oeuvre: Valeur, territoire: Valeur, media: Valeur, debut: Valeur, fin: Valeur,
                      droits: Plage, territoires: Valeur = None, oeuvres: Valeur = None) -> Valeur:
    """« oui » si l'œuvre est libre pour ce territoire, ce média et cette période, sinon « non : » et la raison
    (la cession qui bloque, ou les droits non acquis)."""
    for valeur, quoi in ((oeuvre, "œuvre"), (territoire, "territoire"), (media, "média")):
        _refuse_erreur(valeur, quoi)
    cle = str(oeuvre).strip() if oeuvre is not None else ""
    if cle.endswith(".0") and cle[:-2].isdigit():
        cle = cle[:-2]
    if not cle:
        raise ErreurXlprod("œuvre vide")
    support = Media.from_text(str(media or ""))
    if support is None:
        raise ErreurXlprod(f"média inconnu « {_affiche(media)} »")
    d1, d2 = _date(debut, "début"), _date(fin, "fin")
    if d2 < d1:
        raise ErreurXlprod("fin avant le début")
    lignes = tuple(tuple(ligne) for ligne in _grille(droits))
    if not lignes or not set(DROITS_HEADERS[:7]) <= {str(c).strip() for c in lignes[0]}:
        raise ErreurXlprod("tableau des droits sans sa ligne d'en-têtes (passez Droits[#Tout])")
    groupes = tuple(tuple(ligne) for ligne in _grille(territoires)) if territoires is not None else ()
    if groupes == ((None,),):
        groupes = ()
    index, places, illisibles = _index(lignes, groupes)
    try:
        reponse = index.query(str(territoire or ""), support, d1, d2, [cle], data=places)[0]
        codes = places.expand(str(territoire or ""))
    except ValueError as exc:
        raise ErreurXlprod(str(exc)) from None
    alerte = f" (attention : {illisibles} ligne(s) de droits illisibles)" if illisibles else ""
    mois = chronology_window(support) if codes & CHRONOLOGY_TERRITORIES else None
    if reponse.free and mois is not None:
        if oeuvres is None:
            alerte += " (chronologie des médias non vérifiée : passez aussi Oeuvres[#Tout])"
        elif (sortie := _sortie(cle, _grille(oeuvres))) is not None and d1 < (ouvre := add_months(sortie, mois)):
            return (f"non : chronologie des médias : {support.label} en France à {mois} mois de la sortie du "
                    f"{sortie:%d/%m/%Y}, pas avant le {ouvre:%d/%m/%Y}") + alerte
    return ("oui" if reponse.free else f"non : {reponse.reason}") + alerte


def _sortie(cle: str, lignes: list[list[Any]]) -> dt.date | None:
    """La date de sortie en France de l'œuvre ``cle`` dans Oeuvres[#Tout]."""
    entetes = [str(c).strip() for c in lignes[0]] if lignes else []
    if "Identifiant" not in entetes or "Sortie France" not in entetes:
        raise ErreurXlprod("tableau des œuvres sans sa ligne d'en-têtes (passez Oeuvres[#Tout])")
    i, j = entetes.index("Identifiant"), entetes.index("Sortie France")
    for ligne in lignes[1:]:
        ident = ligne[i]
        texte = str(int(ident)) if isinstance(ident, float) and ident.is_integer() else str(ident or "").strip()
        if fold(texte) == fold(cle):
            return release_date(ligne[j])
    return None
