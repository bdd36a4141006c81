"""The CNC budget (devis): model, computation and checks. Pure: no workbook I/O here."""

from xlprod.budget.compute import BudgetResult, compute_budget
from xlprod.budget.model import Budget, BudgetLine, BudgetParameters, PayrollCategory, Tag, Unit
from xlprod.budget.validate import validate_budget

__all__ = [
    "Budget",
    "BudgetLine",
    "BudgetParameters",
    "BudgetResult",
    "PayrollCategory",
    "Tag",
    "Unit",
    "compute_budget",
    "validate_budget",
]
