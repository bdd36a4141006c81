"""The columns of an input table, as a kind's layout declares them: header, field, width, how the
cells are typed, and the formula of a computed column."""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    header: str
    field: str
    width: float
    kind: str  # text, money, percent, rate, date, int, list, computed
    formula: str | None = None


def this_row(table: str, header: str) -> str:
    """A structured reference to this row's cell of a column, as Excel writes it in a table."""
    return f"{table}[[#This Row],[{header}]]"
