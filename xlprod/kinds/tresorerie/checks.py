"""Checks of a financing plan and its cash flow, as a registry of pure functions
``(plan, flow) -> issues``, each located and saying what to do."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import pairwise

from xlprod.cnc.financing import media_window
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location
from xlprod.core.money import ZERO, format_eur, format_percent
from xlprod.kinds.tresorerie.compute import CashFlow
from xlprod.kinds.tresorerie.model import CashPlan

Validator = Callable[[CashPlan, CashFlow], Iterator[Issue]]

TAX_CREDIT = "crédit d'impôt"
MIN_SOURCES = 5  # the professional standard asks a financing plan of at least five sources


def check_balance(plan: CashPlan, flow: CashFlow) -> Iterator[Issue]:
    """Financing against budget: a gap to close, or a surplus to explain."""
    gap = flow.financing_gap
    if gap < 0:
        yield error(
            "TRE001", Location(name="TRESO_ECART_FINANCEMENT"),
            f"Plan de financement incomplet : {format_eur(flow.financing_total)} de financements pour un budget de "
            f"{format_eur(flow.budget_total)} ; il manque {format_eur(-gap)}.",
            "Ajoutez ou augmentez des sources (la part du producteur, une mise en participation) jusqu'à couvrir le "
            "budget : le devis et le plan de financement doivent être égaux.",
        )
    elif gap > 0:
        yield warning(
            "TRE002", Location(name="TRESO_ECART_FINANCEMENT"),
            f"Financements supérieurs au budget de {format_eur(gap)}.",
            "Le CNC attend un plan de financement égal au devis : réduisez l'apport du producteur ou mettez à jour "
            "le devis.",
        )


def check_aid_intensity(plan: CashPlan, flow: CashFlow) -> Iterator[Issue]:
    cap = plan.parameters.aid_cap
    if flow.budget_total and flow.aid_intensity > cap:
        yield error(
            "TRE003", Location(name="TRESO_INTENSITE_AIDE_PUBLIQUE"),
            f"Aides publiques (crédit d'impôt compris) : {format_eur(flow.public_total)}, soit "
            f"{format_percent(flow.aid_intensity)} du budget, au-dessus du plafond de {format_percent(cap)} "
            f"({format_eur(flow.budget_total * cap)}).",
            "Le total des aides publiques ne peut dépasser 50 % du coût de l'œuvre (60 % pour une œuvre difficile ou "
            "à petit budget, à indiquer dans Paramètres) : remplacez une aide par un financement privé.",
        )


def check_sources(plan: CashPlan, flow: CashFlow) -> Iterator[Issue]:
    if len(plan.sources) < MIN_SOURCES:
        yield warning(
            "TRE004", Location(sheet="Financement"),
            f"{len(plan.sources)} source(s) de financement : un plan solide en réunit au moins {MIN_SOURCES}.",
            "Diversifiez : préachats, minimum garanti, SOFICA, aides régionales, coproduction…",
        )
    private = flow.financing_total - flow.public_total
    if flow.financing_total and private <= 0:
        yield warning(
            "TRE005", Location(sheet="Financement"),
            "Aucun financement privé : le plan repose sur les seules aides publiques.",
            "Un plan équilibré associe fonds publics et privés (préachats, distributeur, producteur).",
        )
    seen: dict[str, Location] = {}
    for source in plan.sources:
        if source.name.casefold() in seen:  # the workbook's SUMIFS would add both up
            yield error(
                "TRE006", source.where, f"Source « {source.name} » en double : ses tranches ne peuvent lui être "
                "rattachées sans ambiguïté.", "Donnez un nom distinct à chaque source (par exemple « Canal+ (préachat) »).",
            )
        seen.setdefault(source.name.casefold(), source.where)


def check_tax_credit(plan: CashPlan, flow: CashFlow) -> Iterator[Issue]:
    """The tax credit in the plan against the devis' estimate."""
    planned = sum((s.amount for s in plan.sources if s.type == TAX_CREDIT), ZERO)
    estimate = plan.budget.tax_credit
    if estimate and planned != estimate:
        yield warning(
            "TRE007", next((s.where for s in plan.sources if s.type == TAX_CREDIT), Location(sheet="Financement")),
            f"Crédit d'impôt inscrit au plan ({format_eur(planned)}) différent de l'estimation du devis "
            f"({format_eur(estimate)}).",
            "Reprenez l'estimation du devis (DEVIS_CREDIT_IMPOT_ESTIME), ou justifiez l'écart (base éligible revue).",
        )


def check_calendar(plan: CashPlan, flow: CashFlow) -> Iterator[Issue]:
    c = plan.calendar
    order = [("début du développement", c.development), ("début de la préparation", c.preparation),
             ("premier jour de tournage", c.shoot_start), ("dernier jour de tournage", c.shoot_end),
             ("livraison du PAD", c.delivery)]
    order += [(label, day) for label, day in (("visa", c.visa), ("sortie en salles", c.release)) if day is not None]
    for (a, da), (b, db) in pairwise(order):
        if db < da:
            yield error(
                "TRE013", Location(sheet="Calendrier"), f"Calendrier : « {b} » ({db:%d/%m/%Y}) avant « {a} » "
                f"({da:%d/%m/%Y}).", "Corrigez les dates : chaque étape suit la précédente.",
            )


def check_critical(plan: CashPlan, flow: CashFlow) -> Iterator[Issue]:
    critical = flow.critical
    if flow.final_balance < 0:
        yield error(
            "TRE026", Location(name="TRESO_SOLDE_FINAL"),
            f"Trésorerie finale négative ({format_eur(flow.final_balance)}) : le plan ne couvre pas ses dépenses, un "
            "crédit relais ne suffit pas (il ne serait pas remboursé).",
            "Complétez le plan de financement (voir l'écart de financement) avant de dimensionner un crédit relais.",
        )
        return
    backed = sum((p.amount for p in critical.backing), ZERO)
    if critical.lowest < 0 and -critical.lowest > backed:
        yield warning(
            "TRE025", Location(name="TRESO_CREDIT_RELAIS"),
            f"Creux de trésorerie ({format_eur(-critical.lowest)}) supérieur aux créances qui restent à encaisser après "
            f"le mois le plus bas ({format_eur(backed)}) : aucune banque ne couvrira le crédit relais en entier.",
            "Avancez des encaissements, différez des dépenses ou apportez des fonds propres.",
        )
    if critical.lowest < 0:
        yield warning(
            "TRE020", Location(name="TRESO_SOLDE_MIN"),
            f"Trésorerie négative pendant {critical.duration} mois, au plus bas de {format_eur(critical.lowest)} en "
            f"{critical.lowest_month:%m/%Y} : crédit relais suggéré de {format_eur(critical.bridge_loan)} "
            f"(intérêts estimés : {format_eur(critical.interest)}).",
            "Négociez le crédit relais adossé aux créances à venir (détail dans la feuille Trésorerie), avancez une "
            "tranche ou différez des paiements.",
        )


def check_interest_against_devis(plan: CashPlan, flow: CashFlow, devis_financial_costs: Decimal | None,
                                 threshold: Decimal) -> Iterator[Issue]:
    """The bridge loan's interest against the devis' financial costs (sub-chapter 94)."""
    if devis_financial_costs is None or flow.final_balance < 0:  # no loan to size (TRE026): no interest to compare
        return
    gap = flow.critical.interest - devis_financial_costs
    if abs(gap) > threshold:
        yield warning(
            "TRE021", Location(name="TRESO_CREDIT_RELAIS"),
            f"Intérêts du crédit relais ({format_eur(flow.critical.interest)}) différents des frais financiers du "
            f"devis ({format_eur(devis_financial_costs)}) de {format_eur(abs(gap))}.",
            "Mettez à jour le sous-poste 94 du devis, ou revoyez le calendrier des encaissements.",
        )


def check_media_windows(plan: CashPlan, flow: CashFlow) -> Iterator[Issue]:
    """A pre-sale's first broadcast before its window of the chronologie des médias opens."""
    release = plan.calendar.release
    if release is None:
        return
    for source in plan.sources:
        months = media_window(source.type)
        if months is None or source.first_broadcast is None:
            continue
        month = release.month - 1 + months
        opens = release.replace(year=release.year + month // 12, month=month % 12 + 1, day=1)
        opens = opens.replace(day=min(release.day, calendar.monthrange(opens.year, opens.month)[1]))
        if source.first_broadcast < opens:
            yield warning(
                "TRE014", source.where,
                f"Source « {source.name} » : première diffusion le {source.first_broadcast:%d/%m/%Y}, avant l'ouverture "
                f"de sa fenêtre le {opens:%d/%m/%Y} ({months} mois après la sortie en salles, chronologie des médias).",
                "Reportez la diffusion prévue au contrat, ou vérifiez la date de sortie (Calendrier).",
            )


VALIDATORS: tuple[Validator, ...] = (
    check_balance,
    check_aid_intensity,
    check_sources,
    check_tax_credit,
    check_calendar,
    check_critical,
    check_media_windows,
)


def validate_cash_plan(plan: CashPlan, flow: CashFlow) -> list[Issue]:
    issues = list(flow.issues)
    for validator in VALIDATORS:
        issues.extend(validator(plan, flow))
    return issues
