"""Cell states other than a plain value, as readers hand them to the core.

A spreadsheet cell can hold an error (``#DIV/0!``) or a formula whose result was never computed
(a file written by a script). Readers pass these as marked strings so that the core can say
exactly what is wrong with the cell, instead of seeing a blank.
"""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal, DivisionByZero, InvalidOperation

ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
               "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#PYTHON!")


class ExcelError(str):
    """An Excel error value such as ``#VALUE!`` (written with ``t="e"``)."""


class UncachedFormula(str):
    """A formula (without ``=``) stored with no computed value: nobody has calculated it yet."""

    shared = False  # part of a shared formula: its text lives in another cell, it cannot be rewritten alone


class SharedUncachedFormula(UncachedFormula):
    shared = True


class EmptyTextResult(str):
    """A formula (its text) whose cached result is the empty text "": shown blank, but ``""*2`` is
    #VALUE! for a spreadsheet."""


class NameFormula(str):
    """A defined name that holds a formula rather than a cell or a value (``=Paramètres!$C$8*2``)."""


def as_error(value: object) -> ExcelError | None:
    """``value`` as an Excel error when it is one's text (what xlwings' ``err_to_str`` gives)."""
    if isinstance(value, ExcelError):
        return value
    if isinstance(value, str) and value in ERROR_CODES:
        return ExcelError(value)
    return None


_OPS = {ast.Add: Decimal.__add__, ast.Sub: Decimal.__sub__, ast.Mult: Decimal.__mul__, ast.Div: Decimal.__truediv__}
MAX_ARITHMETIC = 200  # characters: a hand-typed calculation, not a program


def evaluate_arithmetic(formula: str) -> Decimal | None:
    """The value of a plain arithmetic formula (``2*3+1,5``), computed exactly; None for anything else.

    Numbers, ``+ - * /`` and parentheses only: a formula that refers to a cell or calls a function
    needs a spreadsheet engine. French decimal commas are accepted, as in a French Excel.
    """
    text = formula.strip().lstrip("=").replace(",", ".")
    if not text or len(text) > MAX_ARITHMETIC or not set(text) <= set("0123456789.+-*/() "):
        return None
    try:
        tree = ast.parse(text, mode="eval")
        return _evaluate(tree.body)
    except (SyntaxError, ValueError, InvalidOperation, DivisionByZero, ZeroDivisionError, RecursionError):
        return None


def _evaluate(node: ast.expr) -> Decimal | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return Decimal(ast.unparse(node))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _evaluate(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if left is None or right is None:
            return None
        return _OPS[type(node.op)](left, right)
    return None


class FormulaValue(tuple[str, Decimal]):
    """A formula kept as typed, with the value computed for it (a cached value to write back)."""

    __slots__ = ()

    def __new__(cls, formula: str, value: Decimal) -> FormulaValue:
        return super().__new__(cls, (formula, value))

    @property
    def formula(self) -> str:
        return self[0]

    @property
    def value(self) -> Decimal:
        return self[1]


EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system, as its serial numbers count


def excel_date(day: dt.date) -> float:
    """A date as the serial number a cell holds."""
    return float((day - EXCEL_EPOCH).days)


def excel_datetime(moment: dt.datetime) -> float:
    """A date and time as the serial number a cell holds (the time a fraction of the day), to the second."""
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return excel_date(moment.date()) + seconds / 86400


def from_serial(value: float) -> dt.date:
    """The date of a cell's serial number (a date cell read without its format)."""
    return EXCEL_EPOCH + dt.timedelta(days=int(value))


MAX_SERIAL = 2958466  # 01/01/10000: the first serial number no date has


def typed_date(value: object) -> dt.date | None:
    """The date a cell holds as a date: a date or date-time as a reader gives it, or a serial
    number (a date cell read without its format); None for anything else, text included (each
    reader has its own way with dates typed as text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < MAX_SERIAL:
        return from_serial(float(value))
    return None


def cell_text(value: object) -> str:
    """A cell as the text a key or account is matched by: 7101.0 (a number typed) is « 7101 »."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
