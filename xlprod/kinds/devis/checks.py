"""Checks of a devis, as a registry of pure functions ``(budget, result) -> issues``.

Adding a check is adding a function to ``VALIDATORS``; every check sees the whole budget and
its computed result and returns located, French issues. Type problems in cells (text in a
numeric column...) are found earlier, by the reader, where the raw cell is still known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

from xlprod.cnc.payroll import INTERN_HOURS, PayrollCategory
from xlprod.cnc.reference import official_code_range, social_charge_sub_chapters
from xlprod.cnc.wages import minimum_for, not_bound_below, wages_data
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location
from xlprod.core.money import ONE, ZERO, format_eur, format_percent
from xlprod.kinds.devis.compute import BudgetResult
from xlprod.kinds.devis.model import Budget, Unit

Validator = Callable[[Budget, BudgetResult], Iterator[Issue]]


def check_accounts(budget: Budget, result: BudgetResult) -> Iterator[Issue]:
    """Every line with content has an account in chapters 1-9; codes are unique."""
    where = budget.table.where
    seen: dict[str, int] = {}
    ranges = {n: official_code_range(n) for n in range(1, 10)}
    for line, amount in zip(budget.lines, result.line_amounts, strict=True):
        account = line.account
        if not account:
            if not line.is_empty:
                yield error(
                    "DEV001", where(line.row, "account"),
                    f"Ligne sans compte ({line.label or 'sans libellé'}, {format_eur(amount)}) : "
                    "son montant n'entre dans aucun poste.",
                    "Saisissez le compte CNC de la ligne (par exemple 241 pour le directeur de la photographie).",
                )
            continue
        chapter = line.chapter
        if chapter is None:
            yield error(
                "DEV002", where(line.row, "account"),
                f"Compte « {account} » inconnu : un compte commence par le numéro de poste, de 1 à 9.",
                "Corrigez le compte ; son montant n'est compté dans aucun poste tant qu'il est invalide.",
            )
            continue
        official = ranges[chapter]
        if len(account) < 2:
            yield warning(
                "DEV003", where(line.row, "account"),
                f"Compte « {account} » : poste seul, sans sous-poste ; la ligne est comptée au poste {chapter}.",
                "Donnez le compte complet (deux premiers chiffres = sous-poste), par exemple 241 pour un technicien "
                "image.",
            )
        elif official is not None and not official[0] <= account[:2] <= official[1]:
            yield warning(
                "DEV003", where(line.row, "account"),
                f"Compte « {account} » : sous-poste {account[:2]} hors des sous-postes du formulaire CNC pour le "
                f"poste {chapter} ({official[0]} à {official[1]}) ; la ligne est comptée au poste {chapter}.",
                "Vérifiez le code (deux premiers chiffres = sous-poste).",
            )
        first = seen.setdefault(account, line.row)
        if first != line.row:
            yield warning(
                "DEV004", where(line.row, "account"),
                f"Compte « {account} » en double (déjà utilisé ligne {first}).",
                "Donnez un code distinct à chaque ligne (par exemple 2461, 2462) pour suivre les dépenses ligne à ligne.",
            )


def check_quantities(budget: Budget, result: BudgetResult) -> Iterator[Issue]:
    where = budget.table.where
    for line in budget.lines:
        if line.quantity < ZERO:
            yield error("DEV013", where(line.row, "quantity"), f"Quantité négative ({line.quantity}).",
                        "Une quantité est positive ; pour une remise, saisissez un taux unitaire négatif.")
        if line.number < ZERO:
            yield error("DEV013", where(line.row, "number"), f"Nombre négatif ({line.number}).",
                        "Le nombre (de personnes, d'unités) est positif.")
        if line.unit_rate < ZERO:
            yield warning("DEV014", where(line.row, "unit_rate"),
                          f"Taux unitaire négatif ({format_eur(line.unit_rate)}) : la ligne diminue le devis.",
                          "Vérifiez qu'il s'agit bien d'une remise ou d'un avoir.")
        if (line.blank_quantity or line.blank_number) and line.unit_rate:
            field = "quantity" if line.blank_quantity else "number"
            yield warning("DEV015", where(line.row, field),
                          f"Taux unitaire saisi ({format_eur(line.unit_rate)}) mais "
                          f"{'quantité' if line.blank_quantity else 'nombre'} vide : montant nul.",
                          "Saisissez la quantité et le nombre (1 pour un forfait).")


LINE_LIMIT = Decimal(1_000_000_000)  # one line of a budget above 1 billion €: a typing accident


def check_line_amounts(budget: Budget, result: BudgetResult) -> Iterator[Issue]:
    where = budget.table.where
    for line, amount in zip(budget.lines, result.line_amounts, strict=True):
        if abs(amount) >= LINE_LIMIT:
            yield error("DEV016", where(line.row, "amount"),
                        f"Montant de la ligne ({format_eur(amount)}) au-delà de toute valeur plausible "
                        f"(1 milliard d'euros par ligne).",
                        "Vérifiez la quantité, le nombre et le taux unitaire (un séparateur décimal oublié ?) ; "
                        "tant que la ligne est refusée, xlprod ne met pas à jour les totaux du classeur.")


def check_payroll(budget: Budget, result: BudgetResult) -> Iterator[Issue]:
    where = budget.table.where
    charged = {c: c.charged_chapters for c in PayrollCategory}
    for line, amount in zip(budget.lines, result.line_amounts, strict=True):
        category = line.category
        if category is None:
            if line.chapter in (2, 3) and not line.category_text and amount:
                yield error(
                    "DEV020", where(line.row, "category"),
                    f"Ligne de salaire sans catégorie de paie ({line.label or line.account}, {format_eur(amount)}) : "
                    "ses charges sociales ne sont pas calculées.",
                    "Choisissez la catégorie (technicien, cadre, réalisateur, ouvrier, stagiaire, artiste-interprète, "
                    "figurant, permanent) ou « non salarié » pour une prestation facturée.",
                )
            continue
        if category is PayrollCategory.STAGIAIRE and amount > 0 and (line.unit is None or
                                                                    line.unit.value not in INTERN_HOURS):
            shown = f"en « {line.unit.value} »" if line.unit else "sans unité"
            yield warning(
                "DEV039", where(line.row, "unit"),
                f"Gratification de stage {shown} ({line.label or line.account}) : sans nombre d'heures, xlprod ne peut "
                f"pas en retirer la part exonérée (minimum légal de {format_eur(budget.parameters.intern_minimum)} par "
                "heure) ; les charges sont calculées sur toute la gratification.",
                "Exprimez la gratification en heures, jours (7 h), semaines (35 h) ou mois (151,67 h).",
            )
        chapter, allowed = line.chapter, charged[category]
        if chapter is not None and allowed and chapter not in allowed:
            yield warning(
                "DEV022", where(line.row, "category"),
                f"Catégorie « {category.value} » au poste {chapter} : aucune charge n'est calculée "
                f"(elle s'applique au poste {' ou '.join(str(c) for c in allowed)}).",
                "Déplacez la ligne dans le bon poste, ou videz la catégorie.",
            )


def check_france_share(budget: Budget, result: BudgetResult) -> Iterator[Issue]:
    where = budget.table.where
    for line in budget.lines:
        share = line.france_share
        if share != ONE and not ZERO <= share <= ONE:
            yield error(
                "DEV024", where(line.row, "france_share"),
                f"Part France de {format_percent(share)} : elle doit être comprise entre 0 % et 100 %.",
                "Saisissez un pourcentage (80 %) ou une fraction (0,8).",
            )


def where_synthese(budget: Budget, name: str) -> Location:
    """The defined name of a Synthèse result: its cell moves with the user's edits, the name follows."""
    return Location(book=budget.table.book, name=name)


def check_rates(budget: Budget, result: BudgetResult) -> Iterator[Issue]:
    p = budget.parameters
    if p.overhead_rate > p.overhead_threshold:
        yield warning(
            "DEV030", p.where("taux_frais_generaux"),
            f"Frais généraux à {format_percent(p.overhead_rate)} de la base des plafonds, au-dessus du seuil de "
            f"{format_percent(p.overhead_threshold)} ({format_eur(result.overhead)}).",
            "L'usage est 7 % ; préparez une justification pour le CNC et les financeurs, ou baissez le taux.",
        )
    if p.contingency_rate > p.contingency_threshold:
        yield warning(
            "DEV031", p.where("taux_imprevus"),
            f"Imprévus à {format_percent(p.contingency_rate)} du sous-total, au-dessus du seuil de "
            f"{format_percent(p.contingency_threshold)} ({format_eur(result.contingency)}).",
            "Au-delà de 10 %, les imprévus sont rarement acceptés : ventilez les risques connus dans les postes.",
        )
    over = (("DEV034", "DEVIS_REMUNERATION_PRODUCTEUR", "Rémunération du producteur délégué (charges comprises)",
             result.producer_pay, result.producer_pay_cap, "5 % du coût du film hors rémunération du producteur, frais "
             "généraux et frais financiers"),
            ("DEV036", "DEVIS_FRAIS_GENERAUX", "Frais généraux", result.overhead, result.overhead_cap,
             "7 % du coût du film hors frais généraux, rémunération du producteur et frais financiers"))
    for code, name, label, amount, cap, base in over:
        if amount > cap:
            yield warning(
                code, where_synthese(budget, name),
                f"{label} : {format_eur(amount)}, au-dessus du plafond de {base} ({format_eur(cap)}) : dépassement "
                f"de {format_eur(amount - cap)}.",
                "Protocole de transparence (arrêté du 7 février 2011) : le dépassement n'entre pas dans le coût du film "
                "opposable aux ayants droit ; il reste à la charge du producteur.",
            )
    if result.financial_costs > result.financial_costs_cap and result.financial_cap_applies:
        yield warning(
            "DEV035", where_synthese(budget, "DEVIS_FRAIS_FINANCIERS"),
            f"Frais financiers ({format_eur(result.financial_costs)}) au-dessus du plafond de 5 % du coût du film retenu "
            f"({format_eur(result.financial_costs_cap)}) : dépassement de "
            f"{format_eur(result.financial_costs - result.financial_costs_cap)}.",
            "Protocole de transparence : pour un coût du film d'au moins 3 M€, les frais financiers retenus sont un "
            "forfait (18 mois × (Euribor 3 mois + 3 %) du coût du film) plafonné à 5 % ; sous 3 M€, les frais réels "
            "sont retenus.",
        )
    flat = result.flat_financial_costs
    if flat is not None and result.financial_cap_applies and result.financial_costs != flat:
        yield warning(
            "DEV058", where_synthese(budget, "DEVIS_FRAIS_FINANCIERS_FORFAIT"),
            f"Frais financiers du devis (sous-poste 94 : {format_eur(result.financial_costs)}) différents du forfait du "
            f"protocole ({format_eur(flat)} : intérêts sur 18 mois au taux Euribor 3 mois ({format_percent(p.euribor or ZERO)}) "
            "+ 3 % l'an sur le coût du film, dans la limite de 5 %).",
            f"Pour un coût du film d'au moins 3 M€, le protocole retient le forfait : remplacez les lignes du sous-poste "
            f"94 par une seule ligne « Frais financiers forfaitaires » de {format_eur(flat)}, ou videz l'Euribor dans "
            "Paramètres si vous présentez des frais réels.",
        )
    technician = p.rate_for(PayrollCategory.TECHNICIEN)
    if technician < p.technician_floor:
        yield warning(
            "DEV033", p.where("taux_charges_technicien"),
            f"Taux de charges des techniciens de {format_percent(technician)}, sous le plancher d'alerte de "
            f"{format_percent(p.technician_floor)} : le poste 4 est probablement sous-estimé.",
            "Avec les Congés Spectacles (15,50 %) et l'assurance chômage des annexes 8/10, "
            "un taux technicien dépasse en général 50 %.",
        )


def check_chapter4(budget: Budget, result: BudgetResult) -> Iterator[Issue]:
    """Social charges typed by hand in 41-46 would be counted twice: xlprod computes them."""
    where = budget.table.where
    charge_subs = social_charge_sub_chapters()
    typed = [(line, amount) for line, amount in zip(budget.lines, result.line_amounts, strict=True)
             if line.account[:2] in charge_subs and amount]  # digit codes: same as line.sub_chapter
    if not typed:
        return
    typed_total = sum((a for _, a in typed), ZERO)
    computed = result.computed_charges
    verdict = ("égales aux" if typed_total == computed else "qui contredisent les")
    for line, amount in typed:
        yield error(
            "DEV032", where(line.row, "unit_rate"),
            f"Charges sociales saisies à la main au compte {line.account} ({format_eur(amount)} ; "
            f"{format_eur(typed_total)} au total), {verdict} charges calculées à partir des salaires "
            f"des postes 2 et 3 ({format_eur(computed)}) : le poste 4 les compte deux fois.",
            "Supprimez la ligne : xlprod calcule le poste 4 (détail dans Synthèse). Pour changer un taux, "
            "modifiez-le dans Paramètres.",
        )


def check_tax_credit(budget: Budget, result: BudgetResult) -> Iterator[Issue]:
    """What the estimate cannot cap by itself, and what it took out."""
    where = budget.table.where
    credit = result.credit
    p = budget.parameters
    for line, eligible in zip(budget.lines, credit.line_amounts, strict=True):
        if eligible <= 0:
            continue
        shown = f"en « {line.unit.value} »" if line.unit else "sans unité"
        if line.category is PayrollCategory.ARTISTE and line.unit not in _PER_DAY:
            yield warning(
                "DEV037", where(line.row, "unit"),
                f"Artiste-interprète {shown} ({line.label or line.account}, {format_eur(eligible)} dans la base du "
                f"crédit d'impôt) : le cachet n'est retenu qu'au minimum conventionnel ({format_eur(p.actor_minimum)} "
                "par jour), ce que xlprod ne peut appliquer qu'à une ligne en jours ou en cachets ; la ligne compte en "
                "entier.",
                "Exprimez la ligne en jours ou en cachets (quantité = jours de tournage, taux = cachet par jour) ; à "
                "défaut, scindez-la en deux lignes dont le total est inchangé : la part retenue, et le reste avec "
                "« non » dans la colonne Crédit impôt.",
            )
        elif line.account[:2] == "64" and line.unit is not Unit.NUIT:
            yield warning(
                "DEV037", where(line.row, "unit"),
                f"Hébergement {shown} ({line.label or line.account}, {format_eur(eligible)} dans la base du crédit "
                f"d'impôt) : une nuitée n'est retenue qu'à {format_eur(p.lodging_cap)} au plus, ce que xlprod ne "
                "peut appliquer qu'à une ligne en nuits ; la ligne compte en entier.",
                "Exprimez la ligne en nuits (quantité × nombre = nuitées, taux = prix de la nuitée).",
            )
    if credit.director_excess > 0:
        yield warning(
            "DEV038", where_synthese(budget, "DEVIS_BASE_CREDIT_IMPOT"),
            f"Rémunération et droits du réalisateur ({format_eur(credit.director_pay)}) au-delà du barème du crédit "
            f"d'impôt ({format_eur(credit.director_cap)} pour ce coût du film) : {format_eur(credit.director_excess)} "
            "déduits de la base.",
            "Rien à faire si c'est voulu ; le barème vient des travaux de la loi de finances pour 2020 : faites-le "
            "confirmer par l'expert-comptable du film.",
        )


_PER_DAY = frozenset({Unit.JOUR, Unit.CACHET})
_CREW = frozenset({PayrollCategory.TECHNICIEN, PayrollCategory.CADRE, PayrollCategory.REALISATEUR,
                   PayrollCategory.OUVRIER})


def check_minimum_wages(budget: Budget, result: BudgetResult) -> Iterator[Issue]:
    """A crew member's weekly rate below the convention's minimum for the function the label names."""
    if result.film_cost <= not_bound_below():
        return  # films of at most 1 M€ are not bound by the grids
    where = budget.table.where
    edition = wages_data()["valid_from_label"]
    for line in budget.lines:
        if line.unit is not Unit.SEMAINE or line.category not in _CREW or line.chapter != 2 or not line.label:
            continue
        minimum = minimum_for(line.label)
        if minimum is None or not ZERO < line.unit_rate < minimum.weekly:
            continue
        yield warning(
            "DEV057", where(line.row, "unit_rate"),
            f"{line.label} : {format_eur(line.unit_rate)} par semaine, sous le minimum conventionnel de la fonction "
            f"« {minimum.function} » ({format_eur(minimum.weekly)} pour 39 heures, grille en vigueur au {edition}, "
            "convention collective de la production cinématographique).",
            "Relevez le salaire au minimum, ou vérifiez que le film relève d'une dérogation (annexe III, films à petit "
            "budget) ; la fonction est reconnue d'après le libellé.",
        )


VALIDATORS: tuple[Validator, ...] = (
    check_accounts,
    check_quantities,
    check_line_amounts,
    check_payroll,
    check_france_share,
    check_rates,
    check_chapter4,
    check_tax_credit,
    check_minimum_wages,
)


def validate_budget(budget: Budget, result: BudgetResult) -> list[Issue]:
    issues: list[Issue] = []
    for validator in VALIDATORS:
        issues.extend(validator(budget, result))
    return issues

