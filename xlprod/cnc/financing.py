"""The financing plan's reference (``financement.json``): source types, public or private by
default, their usual payment schedules, the production's events, and how each devis chapter is
spent over the phases. Shared by the cash-flow forecast and, later, the cost report.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any, NamedTuple

from xlprod.cnc.reference import read_json
from xlprod.core.text import fold


class Event(StrEnum):
    """What a tranche can fall due on (plus a delay)."""

    SIGNATURE = "signature"
    DEBUT_TOURNAGE = "debut_tournage"
    FIN_TOURNAGE = "fin_tournage"
    LIVRAISON = "livraison"
    VISA = "visa"
    SORTIE = "sortie"

    @property
    def label(self) -> str:
        labels: dict[str, str] = financing_data()["events"]
        return labels[self.value]


class Phase(StrEnum):
    DEVELOPPEMENT = "developpement"
    PREPARATION = "preparation"
    TOURNAGE = "tournage"
    POSTPRODUCTION = "postproduction"


class TemplateTranche(NamedTuple):
    share: Decimal
    event: Event
    delay_days: int


class SourceTypeSpec(NamedTuple):
    type: str
    public: bool
    schedule: tuple[TemplateTranche, ...]
    note: str = ""


@cache
def financing_data() -> dict[str, Any]:
    return read_json("financement.json")


@cache
def source_types() -> dict[str, SourceTypeSpec]:
    """Source type (as the workbook's list shows it) -> its spec."""
    out = {}
    for entry in financing_data()["source_types"]:
        schedule = tuple(TemplateTranche(share=Decimal(s), event=Event(e), delay_days=d) for s, e, d in entry["schedule"])
        out[entry["type"]] = SourceTypeSpec(type=entry["type"], public=entry["public"], schedule=schedule,
                                            note=entry.get("note", ""))
    return out


@cache
def lookup_source_type(text: str) -> SourceTypeSpec | None:
    """The type meant by what was typed (case, accents and spaces forgiven)."""
    folded = fold(text)
    return next((spec for name, spec in source_types().items() if fold(name) == folded), None)


@cache
def spending_profiles() -> dict[str, dict[Phase, Decimal]]:
    """Budget key (chapter number as text, ``frais_generaux``, ``imprevus``) -> share spent per phase."""
    return {key: {Phase(p): Decimal(v) for p, v in shares.items()}
            for key, shares in financing_data()["spending_profiles"].items()}


def vat_defaults() -> tuple[Decimal, frozenset[int], int]:
    """VAT rate, the chapters whose purchases bear it, and the months before it is recovered."""
    vat = financing_data()["vat"]
    return Decimal(vat["rate"]), frozenset(vat["taxable_chapters"]), int(vat["recovery_months"])


def media_window(source_type: str) -> int | None:
    """Months after the theatrical release before a pre-sale's first broadcast may take place."""
    windows: dict[str, Any] = financing_data()["media_windows"]
    value = windows.get(source_type)
    return value if isinstance(value, int) else None


def payment_lags() -> dict[str, int]:
    """Budget key -> months between incurring a cost and paying it (charges: the month after pay)."""
    lags: dict[str, int] = {k: int(v) for k, v in financing_data().get("payment_lags", {}).items() if k != "about"}
    return lags
