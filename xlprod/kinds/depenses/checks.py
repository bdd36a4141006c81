"""What the cost report says to the producer as warnings, located on the report's own cells:
chapters heading over budget, the contingency spent, the protocol's caps on actual figures, the
tax-credit base against the devis, and the production account's deadline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xlprod.core.issues import Issue, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import format_eur, format_percent
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.final_cost import FinalCost
from xlprod.kinds.depenses.model import TrackingStatus, Version
from xlprod.kinds.depenses.tracking import CHAPTER_LABELS, Tracking

DEADLINE_NOTICE_DAYS = 60
CREDIT_SHORTFALL = Decimal("0.10")  # the actual base below the devis estimate by more than this share


def check_cost_report(t: Tracking, cost: FinalCost, current: Version | None, book: str,
                      today: dt.date) -> list[Issue]:
    out: list[Issue] = []

    def suivi(row: int, header: str) -> Location:
        return Location(book=book, sheet=L.SHEET_SUIVI, cell=f"{column_letter(L.COL[header])}{row}")

    def cost_cell(row: int, col: int) -> Location:
        return Location(book=book, sheet=L.SHEET_COUT, cell=f"{column_letter(col)}{row}")

    new = [(k, line) for k, line in enumerate(t.lines) if line.status is TrackingStatus.NEW]
    for k, line in new[:20]:
        out.append(warning("DEP005", suivi(L.FIRST_LINE_ROW + k, "Compte"),
                           f"Compte {line.account} : {format_eur(line.figures.committed)} de dépenses sur un compte "
                           "qu'aucune version du devis ne contient (ligne « hors devis »).",
                           "Vérifiez le compte (faute de frappe ?) ; sinon c'est un coût nouveau, suivi sur sa ligne : "
                           "prévoyez-le dans la prochaine version du devis."))
    if len(new) > 20:
        out.append(warning("DEP005", suivi(L.FIRST_LINE_ROW + new[20][0], "Compte"),
                           f"… et {len(new) - 20} autre(s) compte(s) hors devis.", "Voyez le Suivi (statut « hors devis »)."))
    for n in t.chapters:
        status = t.chapter_status(n)
        f = t.chapters[n]
        if status is TrackingStatus.OVERRUN:
            out.append(warning("DEP020", suivi(L.FIRST_CHAPTER_ROW + n - 1, "Écart"),
                               f"Poste {n} ({CHAPTER_LABELS[n]}) en dépassement : coût final estimé {format_eur(f.efc)} "
                               f"pour un devis initial de {format_eur(f.initial)} ({format_percent(f.variance / f.initial)}).",
                               "Voyez les lignes en dépassement du poste et les recommandations du Suivi."))
    if t.contingency_used > t.contingency:
        out.append(warning("DEP021", suivi(L.SUMMARY_ROWS["DEPENSES_IMPREVUS_CONSOMMES"], "Devis initial"),
                           f"Dépassement net de {format_eur(t.contingency_used)} au-delà des imprévus "
                           f"({format_eur(t.contingency)}) : {format_eur(t.contingency_used - t.contingency)} à financer.",
                           "Réaffectez des économies, différez des dépenses, ou cherchez un financement complémentaire."))
    if t.unassigned.committed and t.total.committed and t.unassigned.committed / t.total.committed > 0.02:
        out.append(warning("DEP022", suivi(L.UNASSIGNED_ROW, "Engagé"),
                           f"{format_eur(t.unassigned.committed)} de dépenses à affecter "
                           f"({format_percent(t.unassigned.committed / t.total.committed)} de l'engagé) : l'analyse par "
                           "poste en est faussée.", "Renseignez le Compte devis de ces dépenses dans Dépenses, puis "
                           "relancez ; ou complétez Correspondances, puis réimportez le fichier (un recalcul ne relit "
                           "pas Correspondances)."))
    near_final = t.total.current > 0 and t.total.committed >= t.total.current * Decimal("0.9")
    capped = ((L.C_PRODUCER_ROW, "Rémunération producteur réelle", cost.producer_pay, cost.producer_pay_cap),
              (L.C_OVERHEAD_ROW, "Frais généraux déclarés", cost.overhead, cost.overhead_cap))
    for row, what, actual, cap in capped if near_final else ():
        if actual > cap:
            out.append(warning("DEP023", cost_cell(row, 3),
                               f"{what} : {format_eur(actual)} au-delà du plafond du protocole ({format_eur(cap)}) : "
                               f"le coût du film n'en retient que {format_eur(cap)}.",
                               "Rien à corriger : l'excédent reste à la charge du producteur, hors coût du film."))
    if near_final and cost.financial_costs > cost.financial_costs_cap and cost.financial_costs_retained < cost.financial_costs:
        out.append(warning("DEP023", cost_cell(L.C_FINANCIAL_ROW, 3),
                           f"Frais financiers réels {format_eur(cost.financial_costs)} au-delà de 5 % "
                           f"({format_eur(cost.financial_costs_cap)}) : le coût du film retient le plafond.",
                           "Rien à corriger : c'est la règle du protocole au-delà de 3 M€."))
    if current is not None and current.tax_credit_base > 0:
        shortfall = current.tax_credit_base - cost.tax_credit_base
        if near_final and shortfall > current.tax_credit_base * CREDIT_SHORTFALL:
            out.append(warning("DEP024", cost_cell(L.C_CREDIT_ROW, 3),
                               f"Base du crédit d'impôt réelle {format_eur(cost.tax_credit_base)}, inférieure de "
                               f"{format_eur(shortfall)} à l'estimation du devis ({format_eur(current.tax_credit_base)}).",
                               "Vérifiez le pays des dépenses et leurs comptes : le crédit d'impôt sera moindre."))
    if cost.deadline is not None:
        days = (cost.deadline - today).days
        if days < 0:
            out.append(warning("DEP025", cost_cell(L.C_DEADLINE_ROW, 3),
                               f"Compte de production dû le {cost.deadline:%d/%m/%Y} (visa + 8 mois) : échéance passée.",
                               "Déposez le compte de production certifié au CNC au plus vite."))
        elif days <= DEADLINE_NOTICE_DAYS:
            out.append(warning("DEP025", cost_cell(L.C_DEADLINE_ROW, 3),
                               f"Compte de production dû le {cost.deadline:%d/%m/%Y} (visa + 8 mois), dans {days} jours.",
                               "Préparez le coût définitif certifié par le commissaire aux comptes."))
    return out
