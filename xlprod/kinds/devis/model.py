"""Records of a devis as read from a workbook: immutable, each line knowing where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass

from xlprod.cnc.payroll import PayrollCategory
from xlprod.cnc.reference import sub_chapter_of
from xlprod.core.location import Location
from xlprod.core.money import ONE, ZERO


class Unit(StrEnum):
    FORFAIT = "forfait"
    HEURE = "heure"
    JOUR = "jour"
    SEMAINE = "semaine"
    MOIS = "mois"
    CACHET = "cachet"
    NUIT = "nuit"
    REPAS = "repas"
    UNITE = "unité"


class Protocol(StrEnum):
    """A line counted apart from the film cost by the transparency protocol, as the line says
    (its « Protocole » cell); a blank cell: as its account says (``below_the_line`` data)."""

    PRODUCER = "rémunération producteur"
    FINANCIAL = "frais financiers"
    NONE = "non"


class Tag(StrEnum):
    """Costs the CNC wants identified in a devis (RGA eco-conditionality, accessibility, VHSS, inclusion)."""

    ECOPRODUCTION = "écoproduction"
    ACCESSIBILITE = "accessibilité"
    VHSS = "prévention VHSS"
    INCLUSION = "inclusion"

    @property
    def header(self) -> str:
        return {
            Tag.ECOPRODUCTION: "Écoproduction",
            Tag.ACCESSIBILITE: "Accessibilité",
            Tag.VHSS: "Prévention VHSS",
            Tag.INCLUSION: "Inclusion",
        }[self]


_CHAPTERS = {str(n): n for n in range(1, 10)}


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One line of the Devis table: quantity × number × unit rate.

    A pydantic dataclass rather than a ``BaseModel``: the same validation, at half the cost per
    line, which matters on a devis of thousands of lines read at every recalculation.
    """

    row: int
    account: str = ""
    label: str = ""
    quantity: Decimal = ZERO
    number: Decimal = ZERO
    unit_rate: Decimal = ZERO
    unit: Unit | None = None
    category: PayrollCategory | None = None
    category_text: str = ""  # what was typed, kept when it is not a known category
    france_share: Decimal = ONE
    tags: frozenset[Tag] = frozenset()
    tax_credit: bool | None = None  # the line's own « Crédit d'impôt » cell; None: as its account says
    protocol: Protocol | None = None  # the line's own « Protocole » cell; None: as its account says
    note: str = ""
    blank_quantity: bool = False
    blank_number: bool = False

    @property
    def chapter(self) -> int | None:
        return _CHAPTERS.get(self.account[:1])  # chapter_of, inlined: read for every line by compute and checks

    @property
    def sub_chapter(self) -> str | None:
        return sub_chapter_of(self.account)

    @property
    def is_empty(self) -> bool:
        return not (
            self.account or self.label or self.quantity or self.number or self.unit_rate
            or self.category or self.note or self.tags
        )


class TableRef(BaseModel):
    """Where the Devis table sits, so that checks can point at the exact cell of a field."""

    model_config = ConfigDict(frozen=True)

    book: str | None = None
    sheet: str = "Devis"
    columns: dict[str, str] = Field(default_factory=dict)  # field name -> column letter
    header_row: int = 5

    def where(self, row: int, field: str | None = None) -> Location:
        letter = self.columns.get(field or "", "A")
        return Location(book=self.book, sheet=self.sheet, cell=f"{letter}{row}")


class BudgetParameters(BaseModel):
    """Rates and thresholds, as read from the Paramètres sheet (or the packaged defaults)."""

    model_config = ConfigDict(frozen=True)

    overhead_rate: Decimal = Decimal("0.07")
    overhead_threshold: Decimal = Decimal("0.07")
    contingency_rate: Decimal = Decimal("0.05")
    contingency_threshold: Decimal = Decimal("0.10")
    technician_floor: Decimal = Decimal("0.50")
    tax_credit_rate: Decimal = Decimal("0.30")
    tax_credit_ceiling: Decimal = Decimal(30_000_000)
    actor_minimum: Decimal = Decimal("418.25")  # per day or cachet: an actor's pay counts up to it
    lodging_cap: Decimal = Decimal(200)  # per night
    intern_minimum: Decimal = Decimal("4.35")  # per hour: an intern's gratification is free of charges up to it
    euribor: Decimal | None = None  # average 3-month EURIBOR, for the protocol's flat financial costs; None: real costs
    employer_rates: dict[PayrollCategory, Decimal] = Field(default_factory=dict)
    form_version: str = "2018"
    title: str = ""
    company: str = ""
    locations: dict[str, Location] = Field(default_factory=dict)  # parameter key -> its cell

    @classmethod
    def from_values(cls, values: Mapping[str, Decimal | None], **extra: object) -> BudgetParameters:
        """Build from parameter keys (``taux_frais_generaux``...) as in the Paramètres table; only
        an optional parameter may be None (left blank)."""
        def req(key: str) -> Decimal:
            value = values[key]
            if value is None:
                raise ValueError(f"parameter {key} is required")
            return value

        return cls(
            overhead_rate=req("taux_frais_generaux"),
            overhead_threshold=req("seuil_frais_generaux"),
            contingency_rate=req("taux_imprevus"),
            contingency_threshold=req("seuil_imprevus"),
            technician_floor=req("plancher_taux_technicien"),
            tax_credit_rate=req("taux_credit_impot"),
            tax_credit_ceiling=req("plafond_credit_impot"),
            actor_minimum=req("minimum_artiste_cachet"),
            lodging_cap=req("plafond_hebergement_nuit"),
            intern_minimum=req("gratification_minimum_horaire"),
            euribor=values.get("euribor_3_mois"),
            employer_rates={c: req(c.rate_key) for c in PayrollCategory if c.rate_key},
            **extra,
        )

    def rate_for(self, category: PayrollCategory) -> Decimal:
        return self.employer_rates.get(category, ZERO)

    def where(self, key: str) -> Location:
        return self.locations.get(key, Location(sheet="Paramètres"))


class Budget(BaseModel):
    model_config = ConfigDict(frozen=True)

    lines: tuple[BudgetLine, ...]
    parameters: BudgetParameters
    table: TableRef = TableRef()
