"""The 9-chapter topsheet as text, for the terminal (``xlprod demo``, ``xlprod recalc``)."""

from __future__ import annotations

from xlprod.core.money import format_eur, format_percent
from xlprod.kinds.devis.compute import BudgetResult
from xlprod.kinds.devis.model import BudgetParameters


def render_topsheet(result: BudgetResult, params: BudgetParameters) -> str:
    width = 44
    lines = [
        f"Devis — {params.title}" if params.title else "Devis",
        f"Formulaire CNC {params.form_version}",
        "",
        f"{'Poste':<{width + 3}} {'Montant':>18} {'Part':>9} {'Dont France':>18}",
    ]
    for ch in result.chapters:
        lines.append(f"{ch.number}  {ch.label[:width]:<{width}} {format_eur(ch.amount):>18} "
                     f"{format_percent(result.share_of_subtotal(ch.amount)):>9} {format_eur(ch.france_amount):>18}")
    rule = "-" * (width + 3 + 19 + 10 + 19)
    lines += [
        rule,
        f"{'Sous-total postes 1 à 9':<{width + 3}} {format_eur(result.subtotal):>18} {'':>9} "
        f"{format_eur(result.france_total):>18}",
        f"{'Frais généraux (' + format_percent(params.overhead_rate) + ' de la base)':<{width + 3}} "
        f"{format_eur(result.overhead):>18}",
        f"{'Imprévus':<{width + 3}} {format_eur(result.contingency):>18} {format_percent(params.contingency_rate):>9}",
        rule,
        f"{'TOTAL GÉNÉRAL':<{width + 3}} {format_eur(result.total):>18}",
        "",
        f"Dépenses en France : {format_eur(result.france_total)} ({format_percent(result.france_share)} du sous-total)",
        f"Charges patronales calculées (poste 4) : {format_eur(result.computed_charges)}",
        "Coûts identifiés : " + " ; ".join(f"{t.header} {format_eur(v)}" for t, v in result.tag_totals.items()),
        "",
        f"Coût du film au sens du protocole de transparence (arrêté du 7 février 2011), hors imprévus : "
        f"{format_eur(result.film_cost)}",
        f"Base des plafonds de 5 % et 7 % (hors rémunération du producteur délégué, frais généraux et frais "
        f"financiers) : {format_eur(result.protocol_base)}",
        f"{'':<4}{'':<44} {'Montant':>18} {'Plafond':>18} {'Marge':>18}",
    ]
    for label, amount, cap in (("Rémunération du producteur délégué (5 %)", result.producer_pay, result.producer_pay_cap),
                               ("Frais généraux (7 %)", result.overhead, result.overhead_cap),
                               ("Frais financiers (5 %)", result.financial_costs, result.financial_costs_cap)):
        lines.append(f"{'':<4}{label:<44} {format_eur(amount):>18} {format_eur(cap):>18} {format_eur(cap - amount):>18}")
    if not result.financial_cap_applies:
        lines.append(f"{'':<4}(plafond des frais financiers non applicable : coût du film inférieur à 3 M€)")
    if result.flat_financial_costs is not None:
        lines.append(f"{'':<4}{'Frais financiers forfaitaires du protocole':<44} "
                     f"{format_eur(result.flat_financial_costs):>18}")
    credit = result.credit
    lines += [
        "",
        "Crédit d'impôt cinéma (estimation, CGI art. 220 sexies) — la base n'est pas les dépenses en France :",
        f"{'':<4}{'Lignes éligibles (part France des comptes éligibles)':<62} {format_eur(credit.lines):>18}",
        f"{'':<4}{'Plafonds (cachets au minimum conventionnel, nuitées) déduits':<62} {format_eur(-credit.capped):>18}",
        f"{'':<4}{'Charges sociales sur les rémunérations éligibles':<62} {format_eur(credit.charges):>18}",
    ]
    if credit.director_excess:
        lines.append(f"{'':<4}{'Réalisateur au-delà du barème (déduit)':<62} {format_eur(-credit.director_excess):>18}")
    share = format_percent(credit.base / result.france_total) if result.france_total else "—"
    estimated = "Crédit d'impôt estimé (" + format_percent(credit.rate) + ")"
    lines += [
        f"{'':<4}{'Base éligible (' + share + ' des dépenses en France)':<62} {format_eur(credit.base):>18}",
        f"{'':<4}{estimated:<62} {format_eur(credit.estimate):>18}",
    ]
    return "\n".join(lines)
