"""The public contract of ``devis.xlsx``: sheets, the Devis table's columns, defined names, and
where each result sits on the Synthèse sheet.

The builder (new workbook) and the patcher (recalculation) both take cell positions and formulas
from here, so they cannot drift apart. Changing a header, a table name or a defined name is a
breaking change for users' own formulas: extend, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xlprod.cnc.payroll import CHARGED_CATEGORIES, INTERN_HOURS, PayrollCategory, component_populations
from xlprod.cnc.reference import CHAPTERS, below_the_line, chapter_label
from xlprod.cnc.tax_credit import director_scale_formula, eligible_sub_chapters
from xlprod.kinds.devis.compute import BudgetResult
from xlprod.kinds.devis.model import BudgetParameters, Protocol, Tag, Unit
from xlprod.workbook import controls

KIND = "devis"
CONTRACT_VERSION = 1

SHEET_DEVIS = "Devis"
SHEET_SYNTHESE = "Synthèse"
SHEET_PARAMETRES = "Paramètres"
SHEET_CONTROLES = controls.SHEET

TABLE_DEVIS = "Devis"
TABLE_PARAMETRES = "Parametres"
PARAM_COLUMNS = ("Clé", "Paramètre", "Valeur", "Unité", "Valeur par défaut", "Source")  # its headers

# Project rows of the Paramètres table: key, defined name of its value cell, label, unit, source.
PROJECT_PARAMS = (
    ("projet_titre", "PROJET_TITRE", "Titre de l'œuvre", "texte", "Saisie du producteur"),
    ("projet_societe", "PROJET_SOCIETE", "Société de production", "texte", "Saisie du producteur"),
    ("version_formulaire", "DEVIS_VERSION_FORMULAIRE", "Version du formulaire CNC (2018 ou classique)", "texte",
     "Le formulaire 2018 renomme les postes 3, 4, 5 et 8"),
)

# The employer-rate components, to the right of the Paramètres table: each category's rate is
# the sum of its column (``component_link``), so a user sees why a technician costs about 62 %.
TABLE_CHARGES = "ChargesPatronales"
CHARGES_FIRST_COL = 8  # H


def charges_columns() -> tuple[str, ...]:
    return ("Composante", *component_populations().values(), "Source")


def component_link(population: str) -> str:
    """The formula of a rate that is its population's column total."""
    return f"SUM({TABLE_CHARGES}[{component_populations()[population]}])"


DEVIS_HEADER_ROW = 5  # the table's header row; data starts on the next row
PARAM_HEADER_ROW = 4
CONTROLES_HEADER_ROW = controls.HEADER_ROW


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    width: float
    kind: str  # "text", "number", "money", "percent", "list", "computed"
    required: bool = True
    formula: str | None = None  # computed columns: formula with Devis[[#This Row],[...]] references


UNITS = tuple(u.value for u in Unit)
CATEGORIES = tuple(c.value for c in PayrollCategory)
YES = "oui"
NO = "non"


def _this(header: str) -> str:
    return f"Devis[[#This Row],[{header}]]"


ELIGIBLE_NAME = "CI_SOUS_POSTES_ELIGIBLES"  # the eligible sub-chapters, an array constant (credit-impot.json)


def eligible_codes_constant() -> str:
    return "{" + ",".join(f'"{code}"' for code in sorted(eligible_sub_chapters())) + "}"


def _tax_credit_formula() -> str:
    """A line's eligible French amount: none outside the chapters or where the line says « non »;
    its French amount where it says « oui », or where its sub-chapter is eligible (an intern's
    gratification is not pay). The caps per day and per night are taken off in the Synthèse."""
    say = _this("Crédit impôt")
    eligible = (f'AND({_this("Catégorie de paie")}<>"{PayrollCategory.STAGIAIRE.value}",'
                f'ISNUMBER(MATCH(LEFT({_this("Compte")},2),{ELIGIBLE_NAME},0)))')
    return f'IF(OR(N({_this("Poste")})<1,{say}="{NO}"),0,IF(OR({say}="{YES}",{eligible}),{_this("Montant France")},0))'


DEVIS_COLUMNS: tuple[Column, ...] = (
    Column("Compte", "account", 10, "text"),
    Column("Libellé", "label", 46, "text"),
    Column("Poste", "chapter", 7, "computed", formula=f'IFERROR(VALUE(LEFT({_this("Compte")},1)),"")'),
    Column("Quantité", "quantity", 10, "number"),
    Column("Unité", "unit", 10, "list", required=False),
    Column("Nombre", "number", 9, "number"),
    Column("Taux unitaire", "unit_rate", 14, "money"),
    Column("Montant", "amount", 16, "computed",
           formula=f'ROUND({_this("Quantité")}*{_this("Nombre")}*{_this("Taux unitaire")},2)'),
    Column("Catégorie de paie", "category", 19, "list"),
    Column("Part France", "france_share", 11, "percent"),
    Column("Montant France", "france_amount", 16, "computed",
           formula=f'ROUND({_this("Montant")}*IF({_this("Part France")}="",1,{_this("Part France")}),2)'),
    Column("Crédit impôt", "tax_credit", 11, "list", required=False),
    Column("Base crédit impôt", "tax_credit_amount", 16, "computed", formula=_tax_credit_formula()),
    Column("Protocole", "protocol", 20, "list", required=False),
    *(Column(t.header, f"tag:{t.value}", 14 if t is Tag.VHSS else 13, "list", required=False) for t in Tag),
    Column("Observations", "note", 40, "text", required=False),
)
COLUMN_BY_FIELD = {c.field: c for c in DEVIS_COLUMNS}
COMPUTED_FIELDS = ("chapter", "amount", "france_amount", "tax_credit_amount")
# columns added after the first workbooks were made: an older table gets them on its right, silently
NEW_FIELDS = ("tax_credit", "tax_credit_amount", "protocol")
PROTOCOL_VALUES = tuple(p.value for p in Protocol)


# -- Synthèse ------------------------------------------------------------------------------
SYN_HEADER_ROW = 5
SYN_FIRST_CHAPTER_ROW = 6
SYN_SUBTOTAL_ROW = SYN_FIRST_CHAPTER_ROW + 9  # 15
SYN_OVERHEAD_ROW = SYN_SUBTOTAL_ROW + 1
SYN_CONTINGENCY_ROW = SYN_SUBTOTAL_ROW + 2
SYN_TOTAL_ROW = SYN_SUBTOTAL_ROW + 3
SYN_FRANCE_ROW = SYN_TOTAL_ROW + 2  # 20
SYN_TAGS_HEADER_ROW = SYN_FRANCE_ROW + 2  # 22
SYN_FIRST_TAG_ROW = SYN_TAGS_HEADER_ROW + 1
SYN_CHARGES_HEADER_ROW = SYN_FIRST_TAG_ROW + len(Tag) + 1  # 28
SYN_FIRST_CHARGE_ROW = SYN_CHARGES_HEADER_ROW + 1
SYN_CHARGES_TOTAL_ROW = SYN_FIRST_CHARGE_ROW + len(CHARGED_CATEGORIES)
# populations added after the first workbooks were made: their rows sit inside the charges
# table, so an older Synthèse, without them, still sums the same range
NEW_CATEGORIES = (PayrollCategory.OUVRIER, PayrollCategory.STAGIAIRE)
NEW_CHARGE_ROWS = frozenset(SYN_FIRST_CHARGE_ROW + CHARGED_CATEGORIES.index(c) for c in NEW_CATEGORIES)
SYN_TYPED4_ROW = SYN_CHARGES_TOTAL_ROW + 1
SYN_PROTOCOL_HEADER_ROW = SYN_TYPED4_ROW + 2  # the film cost under the transparency protocol (arrêté 7 Feb 2011)
SYN_BASE_ROW = SYN_PROTOCOL_HEADER_ROW + 1
SYN_PRODUCER_ROW = SYN_BASE_ROW + 1
SYN_OVERHEAD_CAP_ROW = SYN_BASE_ROW + 2
SYN_FINANCIAL_ROW = SYN_BASE_ROW + 3
SYN_FILM_COST_ROW = SYN_BASE_ROW + 4
SYN_FLAT_FINANCIAL_ROW = SYN_FILM_COST_ROW + 1  # the protocol's flat financial costs, for reference
SYN_CREDIT_HEADER_ROW = SYN_FILM_COST_ROW + 4  # the cinema tax credit, estimated (CGI art. 220 sexies)
SYN_CREDIT_LINES_ROW = SYN_CREDIT_HEADER_ROW + 1
SYN_CREDIT_CAPS_ROW = SYN_CREDIT_HEADER_ROW + 2
SYN_CREDIT_CHARGES_ROW = SYN_CREDIT_HEADER_ROW + 3
SYN_CREDIT_DIRECTOR_ROW = SYN_CREDIT_HEADER_ROW + 4
SYN_CREDIT_BASE_ROW = SYN_CREDIT_HEADER_ROW + 5
SYN_CREDIT_ROW = SYN_CREDIT_HEADER_ROW + 6
SYN_CREDIT_CEILING_ROW = SYN_CREDIT_HEADER_ROW + 7
SYN_LAST_ROW = SYN_CREDIT_CEILING_ROW
# rows added after the release of 2026-11-28, whose Synthèse ended at the film cost
NEW_SYN_ROWS = frozenset(range(SYN_FILM_COST_ROW + 1, SYN_LAST_ROW + 1))
NEW_BLOCK_NAMES = ("DEVIS_FRAIS_FINANCIERS_FORFAIT", "DEVIS_BASE_CREDIT_IMPOT", "DEVIS_CREDIT_IMPOT_ESTIME")
SYN_STATUS_CELL = (3, 1)  # A3: one-line summary of the checks, written by each recalculation
STATUS_NAME = "DEVIS_CONTROLES"  # the status cell's defined name: it moves with the rows the user inserts

TAG_NAMES = {
    Tag.ECOPRODUCTION: "DEVIS_ECOPRODUCTION",
    Tag.ACCESSIBILITE: "DEVIS_ACCESSIBILITE",
    Tag.VHSS: "DEVIS_PREVENTION_VHSS",
    Tag.INCLUSION: "DEVIS_INCLUSION",
}


def result_names() -> dict[str, tuple[str, int, int]]:
    """Defined names of results -> (sheet, row, col). The public, stable part of the contract."""
    names = {f"DEVIS_POSTE_{n}": (SHEET_SYNTHESE, SYN_FIRST_CHAPTER_ROW + n - 1, 3) for n in CHAPTERS}
    names.update({
        "DEVIS_SOUS_TOTAL": (SHEET_SYNTHESE, SYN_SUBTOTAL_ROW, 3),
        "DEVIS_FRAIS_GENERAUX": (SHEET_SYNTHESE, SYN_OVERHEAD_ROW, 3),
        "DEVIS_IMPREVUS": (SHEET_SYNTHESE, SYN_CONTINGENCY_ROW, 3),
        "DEVIS_TOTAL": (SHEET_SYNTHESE, SYN_TOTAL_ROW, 3),
        "DEVIS_DEPENSES_FRANCE": (SHEET_SYNTHESE, SYN_FRANCE_ROW, 3),
        "DEVIS_PART_FRANCE": (SHEET_SYNTHESE, SYN_FRANCE_ROW, 4),
        "DEVIS_CHARGES_CALCULEES": (SHEET_SYNTHESE, SYN_CHARGES_TOTAL_ROW, 5),
        "DEVIS_CHARGES_FRANCE": (SHEET_SYNTHESE, SYN_CHARGES_TOTAL_ROW, 7),
        "DEVIS_BASE_FRAIS_GENERAUX": (SHEET_SYNTHESE, SYN_BASE_ROW, 3),
        "DEVIS_REMUNERATION_PRODUCTEUR": (SHEET_SYNTHESE, SYN_PRODUCER_ROW, 3),
        "DEVIS_PLAFOND_REMUNERATION_PRODUCTEUR": (SHEET_SYNTHESE, SYN_PRODUCER_ROW, 4),
        "DEVIS_PLAFOND_FRAIS_GENERAUX": (SHEET_SYNTHESE, SYN_OVERHEAD_CAP_ROW, 4),
        "DEVIS_FRAIS_FINANCIERS": (SHEET_SYNTHESE, SYN_FINANCIAL_ROW, 3),
        "DEVIS_PLAFOND_FRAIS_FINANCIERS": (SHEET_SYNTHESE, SYN_FINANCIAL_ROW, 4),
        "DEVIS_COUT_DU_FILM": (SHEET_SYNTHESE, SYN_FILM_COST_ROW, 3),
        "DEVIS_FRAIS_FINANCIERS_FORFAIT": (SHEET_SYNTHESE, SYN_FLAT_FINANCIAL_ROW, 3),
        "DEVIS_BASE_CREDIT_IMPOT": (SHEET_SYNTHESE, SYN_CREDIT_BASE_ROW, 3),
        "DEVIS_CREDIT_IMPOT_ESTIME": (SHEET_SYNTHESE, SYN_CREDIT_ROW, 3),
    })
    for i, tag in enumerate(Tag):
        names[TAG_NAMES[tag]] = (SHEET_SYNTHESE, SYN_FIRST_TAG_ROW + i, 3)
    return names


# names added after the first workbooks were made: an older workbook gets them without a warning
NEW_NAMES = frozenset({STATUS_NAME, "DEVIS_BASE_FRAIS_GENERAUX", "DEVIS_REMUNERATION_PRODUCTEUR",
                       "DEVIS_PLAFOND_REMUNERATION_PRODUCTEUR", "DEVIS_PLAFOND_FRAIS_GENERAUX",
                       "DEVIS_FRAIS_FINANCIERS", "DEVIS_PLAFOND_FRAIS_FINANCIERS", "DEVIS_COUT_DU_FILM",
                       "DEVIS_BASE_CREDIT_IMPOT", "DEVIS_CREDIT_IMPOT_ESTIME", "DEVIS_FRAIS_FINANCIERS_FORFAIT"})


def _legacy_formulas() -> frozenset[str]:
    """Formulas of xlprod's cells in earlier releases of the contract, since replaced: a workbook
    made then gets the new one without a warning (the cell held xlprod's own formula)."""
    # release of 2026-11-28: producer pay and financial costs by account only (no Protocole
    # column, no chapter filter), charges for the six salaried categories it had
    producer = '((LEFT(Devis[Compte],4)="2101")+(LEFT(Devis[Compte],3)="211"))'
    pay = f"SUMPRODUCT({producer}*Devis[Montant])" + "".join(
        f'+ROUND(SUMPRODUCT({producer}*(Devis[Catégorie de paie]="{c}")*Devis[Montant])*PARAM_TAUX_CHARGES_{key},2)'
        for c, key in (("technicien", "TECHNICIEN"), ("cadre", "CADRE"), ("réalisateur", "REALISATEUR"),
                       ("artiste-interprète", "ARTISTE"), ("figurant", "FIGURANT"), ("permanent", "PERMANENT")))
    return frozenset({pay, 'SUMPRODUCT((LEFT(Devis[Compte],2)="94")*Devis[Montant])'})


LEGACY_FORMULAS = _legacy_formulas()


def owned_names() -> dict[str, tuple[str, int, int]]:
    """Every defined name on the Synthèse sheet: the results, and the status line."""
    return result_names() | {STATUS_NAME: (SHEET_SYNTHESE, *SYN_STATUS_CELL)}


def result_values(result: BudgetResult) -> dict[str, Decimal]:
    """Python's value for every result name: what a spreadsheet engine must agree with."""
    values = {f"DEVIS_POSTE_{c.number}": c.amount for c in result.chapters}
    values.update({
        "DEVIS_SOUS_TOTAL": result.subtotal,
        "DEVIS_FRAIS_GENERAUX": result.overhead,
        "DEVIS_IMPREVUS": result.contingency,
        "DEVIS_TOTAL": result.total,
        "DEVIS_DEPENSES_FRANCE": result.france_total,
        "DEVIS_PART_FRANCE": result.france_share,
        "DEVIS_CHARGES_CALCULEES": result.computed_charges,
        "DEVIS_CHARGES_FRANCE": sum((c.france_charges for c in result.charges), Decimal(0)),
        "DEVIS_BASE_FRAIS_GENERAUX": result.protocol_base,
        "DEVIS_REMUNERATION_PRODUCTEUR": result.producer_pay,
        "DEVIS_PLAFOND_REMUNERATION_PRODUCTEUR": result.producer_pay_cap,
        "DEVIS_PLAFOND_FRAIS_GENERAUX": result.overhead_cap,
        "DEVIS_FRAIS_FINANCIERS": result.financial_costs,
        "DEVIS_PLAFOND_FRAIS_FINANCIERS": result.financial_costs_cap,
        "DEVIS_COUT_DU_FILM": result.film_cost,
        "DEVIS_FRAIS_FINANCIERS_FORFAIT": result.flat_financial_costs or Decimal(0),
        "DEVIS_BASE_CREDIT_IMPOT": result.credit.base,
        "DEVIS_CREDIT_IMPOT_ESTIME": result.credit.estimate,
    })
    for tag in Tag:
        values[TAG_NAMES[tag]] = result.tag_totals[tag]
    return values


@dataclass(frozen=True)
class SynCell:
    """One cell of the Synthèse sheet: a label, or a formula with its cached value."""

    row: int
    col: int
    value: object
    formula: str | None = None
    style: str = "text"  # key into the builder's formats


def _share(row: int, col: int, result: BudgetResult | None, amount: Decimal | None) -> SynCell:
    return SynCell(row, col, result.share_of_subtotal(amount) if result and amount is not None else 0,
                   f"IF(DEVIS_SOUS_TOTAL=0,0,C{row}/DEVIS_SOUS_TOTAL)", "percent")


def synthese_cells(result: BudgetResult | None, params: BudgetParameters) -> list[SynCell]:
    """Every label and formula of the Synthèse sheet, with cached values from ``result``."""
    r = result
    form_version = params.form_version
    cells: list[SynCell] = [
        SynCell(1, 1, f"Synthèse du devis — {params.title}", '"Synthèse du devis — "&PROJET_TITRE', "title"),
        SynCell(2, 1, f"Formulaire CNC : {form_version} — montants en euros hors taxes",
                '"Formulaire CNC : "&DEVIS_VERSION_FORMULAIRE&" — montants en euros hors taxes"', "note"),
    ]
    for col, head in enumerate(("Poste", "Intitulé", "Montant", "% du sous-total", "Dont dépenses en France",
                                "Part France"), start=1):
        cells.append(SynCell(SYN_HEADER_ROW, col, head, None, "header"))
    for n in CHAPTERS:
        row = SYN_FIRST_CHAPTER_ROW + n - 1
        ch = r.chapter(n) if r else None
        classic, modern = chapter_label(n, "classique"), chapter_label(n, "2018")
        label_formula = None if classic == modern else f'IF(DEVIS_VERSION_FORMULAIRE="classique","{classic}","{modern}")'
        amount_f = f"SUMIFS(Devis[Montant],Devis[Poste],{n})"
        france_f = f"SUMIFS(Devis[Montant France],Devis[Poste],{n})"
        if n == 4:
            amount_f += "+DEVIS_CHARGES_CALCULEES"
            france_f += "+DEVIS_CHARGES_FRANCE"
        cells += [
            SynCell(row, 1, n, None, "chapter_no"),
            SynCell(row, 2, chapter_label(n, form_version), label_formula, "text"),
            SynCell(row, 3, ch.amount if ch else 0, amount_f, "money"),
            _share(row, 4, r, ch.amount if ch else None),
            SynCell(row, 5, ch.france_amount if ch else 0, france_f, "money"),
            SynCell(row, 6, (ch.france_amount / ch.amount) if ch and ch.amount else 0,
                    f"IF(C{row}=0,0,E{row}/C{row})", "percent"),
        ]
    first, last = SYN_FIRST_CHAPTER_ROW, SYN_SUBTOTAL_ROW - 1
    sub = SYN_SUBTOTAL_ROW
    cells += [
        SynCell(sub, 2, "Sous-total des postes 1 à 9", None, "total_label"),
        SynCell(sub, 3, r.subtotal if r else 0, f"SUM(C{first}:C{last})", "total_money"),
        SynCell(sub, 4, 1 if r and r.subtotal else 0, f"IF(DEVIS_SOUS_TOTAL=0,0,C{sub}/DEVIS_SOUS_TOTAL)", "total_percent"),
        SynCell(sub, 5, r.france_total if r else 0, f"SUM(E{first}:E{last})", "total_money"),
        SynCell(sub, 6, r.france_share if r else 0, f"IF(C{sub}=0,0,E{sub}/C{sub})", "total_percent"),
        SynCell(SYN_OVERHEAD_ROW, 2, "Frais généraux (taux à droite, appliqué à la base des plafonds, plus bas)", None,
                "text"),
        SynCell(SYN_OVERHEAD_ROW, 3, r.overhead if r else 0, "ROUND(DEVIS_BASE_FRAIS_GENERAUX*PARAM_TAUX_FG,2)", "money"),
        SynCell(SYN_OVERHEAD_ROW, 4, params.overhead_rate, "PARAM_TAUX_FG", "percent"),
        SynCell(SYN_CONTINGENCY_ROW, 2, "Imprévus (taux à droite, modifiable dans Paramètres)", None, "text"),
        SynCell(SYN_CONTINGENCY_ROW, 3, r.contingency if r else 0, "ROUND(DEVIS_SOUS_TOTAL*PARAM_TAUX_IMPREVUS,2)", "money"),
        SynCell(SYN_CONTINGENCY_ROW, 4, params.contingency_rate, "PARAM_TAUX_IMPREVUS", "percent"),
        SynCell(SYN_TOTAL_ROW, 2, "TOTAL GÉNÉRAL DU DEVIS", None, "grand_label"),
        SynCell(SYN_TOTAL_ROW, 3, r.total if r else 0,
                "DEVIS_SOUS_TOTAL+DEVIS_FRAIS_GENERAUX+DEVIS_IMPREVUS", "grand_money"),
        SynCell(SYN_FRANCE_ROW, 2, "Dépenses en France (postes 1 à 9) et part France — ce n'est pas la base du crédit "
                "d'impôt (plus bas)", None, "total_label"),
        SynCell(SYN_FRANCE_ROW, 3, r.france_total if r else 0, f"SUM(E{first}:E{last})", "total_money"),
        SynCell(SYN_FRANCE_ROW, 4, r.france_share if r else 0,
                "IF(DEVIS_SOUS_TOTAL=0,0,DEVIS_DEPENSES_FRANCE/DEVIS_SOUS_TOTAL)", "total_percent"),
        SynCell(SYN_TAGS_HEADER_ROW, 2, "Coûts identifiés pour le CNC (repères)", None, "header"),
        SynCell(SYN_TAGS_HEADER_ROW, 3, "Montant", None, "header"),
        SynCell(SYN_TAGS_HEADER_ROW, 4, "% du sous-total", None, "header"),
    ]
    for i, tag in enumerate(Tag):
        row = SYN_FIRST_TAG_ROW + i
        amount = r.tag_totals[tag] if r else None
        cells += [
            SynCell(row, 2, tag.header, None, "text"),
            SynCell(row, 3, amount if amount is not None else 0,
                    f'SUMIFS(Devis[Montant],Devis[{tag.header}],"{YES}",Devis[Poste],">=1")', "money"),
            _share(row, 4, r, amount),
        ]
    heads = ("Catégorie de paie", "Postes", "Salaires bruts", "Taux patronal", "Charges", "Base France", "Charges France")
    cells.append(SynCell(SYN_CHARGES_HEADER_ROW - 1, 1, "Détail du poste 4 : charges patronales calculées sur les "
                         "salaires (postes 2 et 3) et les droits d'auteur (poste 1)", None, "subtitle"))
    for col, head in enumerate(heads, start=1):
        cells.append(SynCell(SYN_CHARGES_HEADER_ROW, col, head, None, "header"))
    by_cat = {c.category: c for c in r.charges} if r else {}
    for i, cat in enumerate(CHARGED_CATEGORIES):
        row = SYN_FIRST_CHARGE_ROW + i
        ct = by_cat.get(cat)
        param = f"PARAM_{cat.rate_key.upper()}" if cat.rate_key else "0"
        if cat is PayrollCategory.STAGIAIRE:
            base, base_fr = intern_base_formulas()
        else:
            base = "+".join(f'SUMIFS(Devis[Montant],Devis[Catégorie de paie],"{cat.value}",Devis[Poste],{p})'
                            for p in cat.charged_chapters)
            base_fr = base.replace("Devis[Montant],", "Devis[Montant France],")
        cells += [
            SynCell(row, 1, cat.value, None, "text"),
            SynCell(row, 2, "2 (au-delà du minimum)" if cat is PayrollCategory.STAGIAIRE
                    else " et ".join(str(p) for p in cat.charged_chapters), None, "center"),
            SynCell(row, 3, ct.gross if ct else 0, base, "money"),
            SynCell(row, 4, params.rate_for(cat), param, "percent"),
            SynCell(row, 5, ct.charges if ct else 0, f"ROUND(C{row}*D{row},2)", "money"),
            SynCell(row, 6, ct.france_gross if ct else 0, base_fr, "money"),
            SynCell(row, 7, ct.france_charges if ct else 0, f"ROUND(F{row}*D{row},2)", "money"),
        ]
    f1, f2 = SYN_FIRST_CHARGE_ROW, SYN_CHARGES_TOTAL_ROW - 1
    tot = SYN_CHARGES_TOTAL_ROW
    cells += [
        SynCell(tot, 1, "Charges calculées", None, "total_label"),
        SynCell(tot, 3, sum((c.gross for c in r.charges), Decimal(0)) if r else 0, f"SUM(C{f1}:C{f2})", "total_money"),
        SynCell(tot, 5, r.computed_charges if r else 0, f"SUM(E{f1}:E{f2})", "total_money"),
        SynCell(tot, 6, sum((c.france_gross for c in r.charges), Decimal(0)) if r else 0, f"SUM(F{f1}:F{f2})", "total_money"),
        SynCell(tot, 7, sum((c.france_charges for c in r.charges), Decimal(0)) if r else 0, f"SUM(G{f1}:G{f2})", "total_money"),
        SynCell(SYN_TYPED4_ROW, 1, "Lignes saisies au poste 4 (impôts et taxes, sous-poste 47)", None, "text"),
        SynCell(SYN_TYPED4_ROW, 5, r.typed_chapter4 if r else 0, "SUMIFS(Devis[Montant],Devis[Poste],4)", "money"),
    ]
    return cells + _protocol_cells(r) + _credit_cells(r, params)


def intern_base_formulas() -> tuple[str, str]:
    """Interns' gratifications above the legal minimum per hour (units as hours: 7 a day, 35 a
    week...), line by line as Python rounds them; and the same for their French part."""
    hours = "+".join(f'(Devis[Unité]="{unit}")*{h}' for unit, h in INTERN_HOURS.items())
    excess = f"(Devis[Taux unitaire]-PARAM_GRATIFICATION_HORAIRE*({hours}))"
    line = f"ROUND(Devis[Quantité]*Devis[Nombre]*({excess}>0)*{excess},2)"
    rows = f'(Devis[Catégorie de paie]="{PayrollCategory.STAGIAIRE.value}")*(Devis[Poste]=2)'
    share = '((Devis[Part France]="")+Devis[Part France])'
    return f"SUMPRODUCT({rows}*{line})", f"SUMPRODUCT({rows}*ROUND({line}*{share},2))"


def _lines_of(codes: frozenset[str], said: Protocol, extra: str = "") -> str:
    """Sum of the amounts of the lines whose « Protocole » cell says so, or is blank and whose
    account starts with one of these prefixes (no prefix starts another, and the cell cannot be
    both: the tests are exclusive, so their sum is an « or »)."""
    tests = [f'(LEFT(Devis[Compte],{len(code)})="{code}")' for code in sorted(codes)]
    by_account = tests[0] if len(tests) == 1 else "(" + "+".join(tests) + ")"
    test = f'((Devis[Protocole]="{said.value}")+(Devis[Protocole]="")*{by_account})'
    in_budget = "ISNUMBER(Devis[Poste])*(Devis[Poste]>0)"  # a line without a chapter is in no total
    return f"SUMPRODUCT({test}*{in_budget}{extra}*Devis[Montant])"


def producer_pay_formula() -> str:
    """Producer pay lines and the charges computed on them, category by category, as Python rounds them."""
    codes = below_the_line()["producer_pay"]
    charges = ""
    for c in CHARGED_CATEGORIES:
        if not c.rate_key or c is PayrollCategory.STAGIAIRE:  # an intern is never producer pay
            continue
        chapters = "+".join(f"(Devis[Poste]={p})" for p in c.charged_chapters)  # charged only there, as chapter 4
        charges += ("+ROUND(" + _lines_of(codes, Protocol.PRODUCER, f'*(Devis[Catégorie de paie]="{c.value}")*({chapters})')
                    + f"*PARAM_{c.rate_key.upper()},2)")
    return _lines_of(codes, Protocol.PRODUCER) + charges


def _protocol_cells(r: BudgetResult | None) -> list[SynCell]:
    """Below the line as the 2010 transparency protocol defines it (arrêté of 7 February 2011)."""
    head = SYN_PROTOCOL_HEADER_ROW
    cells = [SynCell(head - 1, 1, "Coût du film au sens du protocole de transparence (arrêté du 7 février 2011) : "
                     "plafonds de la rémunération du producteur délégué, des frais généraux et des frais financiers",
                     None, "subtitle")]
    for col, text in enumerate(("Élément", "Montant", "Plafond", "Marge disponible (négative : dépassement)"), start=2):
        cells.append(SynCell(head, col, text, None, "header"))
    financial_cap = "ROUND((DEVIS_BASE_FRAIS_GENERAUX+MIN(DEVIS_REMUNERATION_PRODUCTEUR,DEVIS_PLAFOND_REMUNERATION_PRODUCTEUR)" \
                    "+MIN(DEVIS_FRAIS_GENERAUX,DEVIS_PLAFOND_FRAIS_GENERAUX))*5%,2)"
    cells += [
        SynCell(SYN_BASE_ROW, 2, "Base des plafonds de 5 % et 7 % : postes 1 à 9 hors rémunération du producteur "
                "délégué et frais financiers", None, "text"),
        SynCell(SYN_BASE_ROW, 3, r.protocol_base if r else 0,
                "DEVIS_SOUS_TOTAL-DEVIS_REMUNERATION_PRODUCTEUR-DEVIS_FRAIS_FINANCIERS", "money"),
        SynCell(SYN_PRODUCER_ROW, 2, "Rémunération du producteur délégué, charges comprises (plafond : 5 % de la base)",
                None, "text"),
        SynCell(SYN_PRODUCER_ROW, 3, r.producer_pay if r else 0, producer_pay_formula(), "money"),
        SynCell(SYN_PRODUCER_ROW, 4, r.producer_pay_cap if r else 0, "ROUND(DEVIS_BASE_FRAIS_GENERAUX*5%,2)", "money"),
        SynCell(SYN_OVERHEAD_CAP_ROW, 2, "Frais généraux (plafond : 7 % de la base)", None, "text"),
        SynCell(SYN_OVERHEAD_CAP_ROW, 3, r.overhead if r else 0, "DEVIS_FRAIS_GENERAUX", "money"),
        SynCell(SYN_OVERHEAD_CAP_ROW, 4, r.overhead_cap if r else 0, "ROUND(DEVIS_BASE_FRAIS_GENERAUX*7%,2)", "money"),
        SynCell(SYN_FINANCIAL_ROW, 2, "Frais financiers, sous-poste 94 (plafond : 5 % du coût du film retenu hors frais "
                "financiers ; ne s'applique qu'à un coût du film d'au moins 3 M€)", None, "text"),
        SynCell(SYN_FINANCIAL_ROW, 3, r.financial_costs if r else 0,
                _lines_of(below_the_line()["financial_costs"], Protocol.FINANCIAL), "money"),
        SynCell(SYN_FINANCIAL_ROW, 4, r.financial_costs_cap if r else 0, financial_cap, "money"),
        SynCell(SYN_FILM_COST_ROW, 2, "Coût du film au sens du protocole (hors imprévus)", None, "total_label"),
        SynCell(SYN_FILM_COST_ROW, 3, r.film_cost if r else 0,
                "DEVIS_BASE_FRAIS_GENERAUX+DEVIS_REMUNERATION_PRODUCTEUR+DEVIS_FRAIS_GENERAUX+DEVIS_FRAIS_FINANCIERS",
                "total_money"),
    ]
    retained = ("(DEVIS_BASE_FRAIS_GENERAUX+MIN(DEVIS_REMUNERATION_PRODUCTEUR,DEVIS_PLAFOND_REMUNERATION_PRODUCTEUR)"
                "+MIN(DEVIS_FRAIS_GENERAUX,DEVIS_PLAFOND_FRAIS_GENERAUX))")
    flat = r.flat_financial_costs if r else None
    cells += [
        SynCell(SYN_FLAT_FINANCIAL_ROW, 2, "Frais financiers forfaitaires du protocole : intérêts sur 18 mois au taux "
                "Euribor 3 mois + 3 % l'an sur le coût du film, dans la limite du plafond de 5 % (0 tant que l'Euribor "
                "n'est pas saisi dans Paramètres) ; pour un coût du film d'au moins 3 M€, à porter au sous-poste 94 "
                "à la place des frais réels", None, "text"),
        SynCell(SYN_FLAT_FINANCIAL_ROW, 3, flat if flat is not None else 0,
                f'IF(TRIM(PARAM_EURIBOR_3_MOIS)="",0,MAX(0,MIN(ROUND({retained}*18/12*(PARAM_EURIBOR_3_MOIS+3%),2),'
                "DEVIS_PLAFOND_FRAIS_FINANCIERS)))", "money"),
    ]
    for row, amount, cap in ((SYN_PRODUCER_ROW, r.producer_pay if r else None, r.producer_pay_cap if r else None),
                             (SYN_OVERHEAD_CAP_ROW, r.overhead if r else None, r.overhead_cap if r else None),
                             (SYN_FINANCIAL_ROW, r.financial_costs if r else None, r.financial_costs_cap if r else None)):
        cells.append(SynCell(row, 5, cap - amount if cap is not None and amount is not None else 0,
                             f"D{row}-C{row}", "money"))
    return cells


def capped_formula(chapters: tuple[int, ...] = ()) -> str:
    """What the caps take off the eligible lines, line by line as Python rounds it: an actor's
    days or cachets above PARAM_MINIMUM_ARTISTE, nights of sub-chapter 64 above
    PARAM_PLAFOND_HEBERGEMENT (only the actors' part, of these chapters, when ``chapters``)."""
    share = '((Devis[Part France]="")+Devis[Part France])'

    def excess(cap: str) -> str:
        return (f"(Devis[Taux unitaire]>{cap})*(Devis[Base crédit impôt]-ROUND(ROUND(Devis[Quantité]*Devis[Nombre]"
                f"*{cap},2)*{share},2))")

    in_chapters = "*(" + "+".join(f"(Devis[Poste]={p})" for p in chapters) + ")" if chapters else ""
    actors = (f'SUMPRODUCT((Devis[Base crédit impôt]<>0)*(Devis[Catégorie de paie]="{PayrollCategory.ARTISTE.value}")'
              f'*((Devis[Unité]="{Unit.JOUR.value}")+(Devis[Unité]="{Unit.CACHET.value}")){in_chapters}'
              f'*{excess("PARAM_MINIMUM_ARTISTE")})')
    if chapters:
        return actors
    nights = (f'SUMPRODUCT((Devis[Base crédit impôt]<>0)*(LEFT(Devis[Compte],2)="64")*(Devis[Unité]="{Unit.NUIT.value}")'
              f'*{excess("PARAM_PLAFOND_HEBERGEMENT")})')
    return f"{actors}+{nights}"


def credit_charges_formula() -> str:
    """Employer charges on the eligible pay after the caps, category by category, as chapter 4
    computes them."""
    terms = []
    for c in CHARGED_CATEGORIES:
        if not c.rate_key or c is PayrollCategory.STAGIAIRE:  # a gratification is not pay
            continue
        base = "+".join(f'SUMIFS(Devis[Base crédit impôt],Devis[Catégorie de paie],"{c.value}",Devis[Poste],{p})'
                        for p in c.charged_chapters)
        if c is PayrollCategory.ARTISTE:
            base += "-" + capped_formula(c.charged_chapters)
        terms.append(f"ROUND(({base})*PARAM_{c.rate_key.upper()},2)")
    return "+".join(terms)


def _credit_cells(r: BudgetResult | None, params: BudgetParameters) -> list[SynCell]:
    """The cinema tax credit as a devis can estimate it: its base is not French spend."""
    c = r.credit if r else None
    head = SYN_CREDIT_HEADER_ROW
    cells = [SynCell(head - 1, 1, "Crédit d'impôt cinéma (estimation, CGI art. 220 sexies) : sa base ne retient que "
                     "certaines des dépenses faites en France, dans des plafonds", None, "subtitle")]
    for col, text in enumerate(("Élément", "Montant", "Taux ou plafond", "Part des dépenses en France"), start=2):
        cells.append(SynCell(head, col, text, None, "header"))
    director = (f'SUMPRODUCT((((Devis[Catégorie de paie]="{PayrollCategory.REALISATEUR.value}")'
                '+(LEFT(Devis[Compte],2)="13"))>0)*Devis[Base crédit impôt])')
    lines, base = SYN_CREDIT_LINES_ROW, SYN_CREDIT_BASE_ROW

    def of_france(row: int, amount: Decimal | None) -> SynCell:
        share = amount / r.france_total if r and amount is not None and r.france_total else 0
        return SynCell(row, 5, share, f"IF(DEVIS_DEPENSES_FRANCE=0,0,C{row}/DEVIS_DEPENSES_FRANCE)", "percent")

    cells += [
        SynCell(lines, 2, "Lignes éligibles (colonne Base crédit impôt : part France des comptes éligibles, ou des "
                "lignes marquées « oui »)", None, "text"),
        SynCell(lines, 3, c.lines if c else 0, "SUM(Devis[Base crédit impôt])", "money"),
        of_france(lines, c.lines if c else None),
        SynCell(SYN_CREDIT_CAPS_ROW, 2, "Plafonds, déduits : cachets d'artiste-interprète au-delà du minimum "
                "conventionnel (lignes en jours ou en cachets), nuitées du sous-poste 64 au-delà du plafond d'hébergement",
                None, "text"),
        SynCell(SYN_CREDIT_CAPS_ROW, 3, -c.capped if c else 0, f"-({capped_formula()})", "money"),
        SynCell(SYN_CREDIT_CHARGES_ROW, 2, "Charges sociales sur les rémunérations éligibles (taux du poste 4)", None,
                "text"),
        SynCell(SYN_CREDIT_CHARGES_ROW, 3, c.charges if c else 0, credit_charges_formula(), "money"),
        SynCell(SYN_CREDIT_DIRECTOR_ROW, 2, "Rémunération du réalisateur au-delà du barème, déduite (barème à droite : "
                "15 % du coût du film jusqu'à 4 M€, 8 % de 4 à 7 M€, 5 % de 7 à 10 M€, selon les travaux de la loi de finances "
                "pour 2020 : à faire confirmer)",
                None, "text"),
        SynCell(SYN_CREDIT_DIRECTOR_ROW, 3, -c.director_excess if c else 0,
                f"-MAX(0,{director}-D{SYN_CREDIT_DIRECTOR_ROW})", "money"),
        SynCell(SYN_CREDIT_DIRECTOR_ROW, 4, c.director_cap if c else 0, director_scale_formula("DEVIS_COUT_DU_FILM"),
                "money"),
        SynCell(base, 2, "Base éligible du crédit d'impôt", None, "total_label"),
        SynCell(base, 3, c.base if c else 0, f"SUM(C{lines}:C{SYN_CREDIT_DIRECTOR_ROW})", "total_money"),
        of_france(base, c.base if c else None),
        SynCell(SYN_CREDIT_ROW, 2, "Crédit d'impôt estimé (taux à droite, dans la limite du plafond par œuvre, "
                "modifiables dans Paramètres)", None, "grand_label"),
        SynCell(SYN_CREDIT_ROW, 3, c.estimate if c else 0,
                "MIN(ROUND(MAX(0,DEVIS_BASE_CREDIT_IMPOT)*PARAM_TAUX_CREDIT_IMPOT,2),PARAM_PLAFOND_CREDIT_IMPOT)",
                "grand_money"),
        SynCell(SYN_CREDIT_ROW, 4, params.tax_credit_rate, "PARAM_TAUX_CREDIT_IMPOT", "percent"),
        SynCell(SYN_CREDIT_CEILING_ROW, 2, "Plafond du crédit d'impôt par œuvre (Paramètres)", None, "text"),
        SynCell(SYN_CREDIT_CEILING_ROW, 4, params.tax_credit_ceiling, "PARAM_PLAFOND_CREDIT_IMPOT", "money"),
    ]
    return cells
