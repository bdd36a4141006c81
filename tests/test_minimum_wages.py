"""The convention collective's weekly minimums (IDCC 3097, titre II): a crew line paid below the
minimum of the function its label names is said, with the minimum (DEV057)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlprod.cnc.payroll import PayrollCategory
from xlprod.cnc.wages import minimum_for, wages_data
from xlprod.kinds.devis.checks import validate_budget
from xlprod.kinds.devis.compute import compute_budget
from xlprod.kinds.devis.model import Budget, BudgetLine, BudgetParameters, TableRef, Unit
from xlprod.kinds.devis.parameters import default_values

PARAMS = BudgetParameters.from_values(default_values())
TABLE = TableRef(book="devis.xlsx", columns={"unit_rate": "G", "account": "A"})
BIG = BudgetLine(row=99, account="711", label="Matériel caméra", quantity=Decimal(1), number=Decimal(1),
                 unit_rate=Decimal(2_000_000))


def crew(label: str, rate: str, unit: Unit = Unit.SEMAINE, category=PayrollCategory.CADRE, row: int = 6) -> BudgetLine:
    return BudgetLine(row=row, account="2601", label=label, quantity=Decimal(6), number=Decimal(1),
                      unit_rate=Decimal(rate), unit=unit, category=category)


def wage_issues(*lines: BudgetLine):
    budget = Budget(lines=(*lines, BIG), parameters=PARAMS, table=TABLE)
    return [i for i in validate_budget(budget, compute_budget(budget)) if i.code == "DEV057"]


def test_a_chef_decoratrice_below_the_minimum_is_named_with_the_minimum():
    issues = wage_issues(crew("Chef décoratrice — tournage", "2600"))
    assert len(issues) == 1
    assert issues[0].location.cell == "G6"
    assert "2\u202f721,64" in issues[0].message and "Chef décorateur ou décoratrice" in issues[0].message


@pytest.mark.parametrize("line", [
    crew("Chef décoratrice — tournage", "2721.64"),  # at the minimum
    crew("Chef décoratrice — tournage", "400", unit=Unit.JOUR),  # a day rate: the grid is weekly
    crew("Ensemblière — tournage", "900"),  # a function the grid data does not hold
    crew("Chef décoratrice — tournage", "2000", category=PayrollCategory.NON_SALARIE),  # an invoice, not a salary
])
def test_no_warning_where_the_grid_does_not_say(line):
    assert wage_issues(line) == []


def test_a_film_of_at_most_one_million_is_not_bound_by_the_grids():
    small = Budget(lines=(crew("Chef décoratrice", "2000"),), parameters=PARAMS, table=TABLE)
    assert [i for i in validate_budget(small, compute_budget(small)) if i.code == "DEV057"] == []


@pytest.mark.parametrize(("label", "function"), [
    ("1re assistante réalisatrice — préparation", "Premier ou première assistant(e) réalisateur"),
    ("2ᵉ assistant réalisateur", "Deuxième assistant(e) réalisateur"),
    ("Cheffe monteuse son", "Chef monteur ou monteuse son"),
    ("Cheffe monteuse", "Chef monteur ou monteuse"),
    ("Directrice de la photographie — tournage", "Directeur ou directrice de la photographie"),
    ("Réalisateur (salaire de technicien) — préparation", "Réalisateur ou réalisatrice"),
])
def test_functions_are_recognised_in_both_genders_and_the_most_specific_wins(label, function):
    found = minimum_for(label)
    assert found is not None and found.function == function


def test_the_grid_is_dated_and_sourced():
    data = wages_data()
    assert data["valid_from"] == "2024-03-01" and "avenant du 24 juillet 2023" in data["source"]
    assert all(Decimal(f["weekly"]) > Decimal(1000) for f in data["functions"])
