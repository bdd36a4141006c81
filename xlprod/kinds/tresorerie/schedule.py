"""When each source pays: its tranches (or its type's template) turned into dated amounts.

Shares are rounded to the cent tranche by tranche and the last share-tranche takes what is left,
so that tranches adding up to 100 % pay exactly the source's amount.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from xlprod.cnc.financing import Event, source_types
from xlprod.core.issues import Issue, error, warning
from xlprod.core.money import ONE, ZERO, format_eur, format_percent, round_cents
from xlprod.kinds.tresorerie.model import Calendar, Source, Tranche


class Payment(NamedTuple):
    source: str
    date: dt.date
    amount: Decimal


def tranches_of(source: Source) -> tuple[Tranche, ...]:
    """The source's own tranches, or its type's template when it has none."""
    if source.tranches:
        return source.tranches
    spec = source_types().get(source.type)
    if spec is None:  # said (TRE012); paid at signature, as « autre »
        return (Tranche(share=ONE, event=Event.SIGNATURE, where=source.where),)
    return tuple(Tranche(number=i, share=t.share, event=t.event, delay_days=t.delay_days, where=source.where)
                 for i, t in enumerate(spec.schedule, start=1))


def tranche_amounts(source: Source, tranches: tuple[Tranche, ...]) -> list[Decimal]:
    """Each tranche's payment, as the « Versement » column computes it: its amount, or its share
    of what the amounts leave, rounded cumulatively over the source's tranches in the order of
    their numbers — ROUND(S × cumulated share) − ROUND(S × the cumulated share before it) — so
    that shares adding up to 100 % pay exactly S."""
    rest = source.amount - sum((t.amount for t in tranches if t.amount is not None), ZERO)
    out = []
    for t in tranches:
        if t.amount is not None:
            out.append(t.amount)
            continue
        share = t.share or ZERO
        cum = sum((u.share or ZERO for u in tranches if u.amount is None and u.number <= t.number), ZERO)
        out.append(round_cents(rest * cum) - round_cents(rest * (cum - share)))
    return out


def schedule(source: Source, calendar: Calendar) -> tuple[list[Payment], list[Issue]]:
    """Dated payments of a source, and what prevents dating or summing them."""
    tranches = tranches_of(source)
    issues: list[Issue] = []
    amounts = tranche_amounts(source, tranches)
    shares = [t for t in tranches if t.amount is None]
    share_total = sum((t.share or ZERO for t in shares), ZERO)
    total = sum(amounts, ZERO)
    if shares and share_total != ONE:
        issues.append(error(
            "TRE010", source.where,
            f"Source « {source.name} » : ses tranches en pourcentage font {format_percent(share_total)}, pas 100 % ; "
            f"elle verserait {format_eur(total)} pour {format_eur(source.amount)}.",
            "Corrigez les pourcentages des tranches (leur total doit faire 100 %), ou donnez des montants.",
        ))
    elif not shares and total != source.amount:
        issues.append(error(
            "TRE010", source.where,
            f"Source « {source.name} » : ses tranches font {format_eur(total)} pour un montant de "
            f"{format_eur(source.amount)}.",
            "Corrigez les montants des tranches, ou le montant de la source.",
        ))
    payments: list[Payment] = []
    for t, amount in zip(tranches, amounts, strict=True):
        due = t.date
        if due is None and t.event is not None:
            base = calendar.event(t.event, source.signature)
            if base is None:
                issues.append(error(
                    "TRE011", t.where,
                    f"Source « {source.name} » : tranche due à « {t.event.label} », date absente"
                    + (" (date de signature de la source)." if t.event.value == "signature" else " du Calendrier."),
                    "Saisissez la date dans le Calendrier (ou la date de signature de la source), ou une date pour "
                    "la tranche.",
                ))
                continue
            due = base + dt.timedelta(days=t.delay_days)
        if due is None:
            issues.append(error(
                "TRE011", t.where, f"Source « {source.name} » : tranche sans date ni événement.",
                "Donnez à la tranche une date, ou un événement (signature, premier jour de tournage…) et un délai.",
            ))
            continue
        payments.append(Payment(source=source.name, date=due, amount=amount))
    if not source.tranches and source.type not in source_types():
        issues.append(warning(
            "TRE012", source.where, f"Source « {source.name} » : type « {source.type} » inconnu, sans échéancier type.",
            "Choisissez un type de la liste, ou saisissez ses tranches.",
        ))
    return payments, issues
