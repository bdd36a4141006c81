"""Where a summary sheet's cells are now, after the user inserted or deleted rows and columns.

A layout says where each cell was put when the workbook was built. Users insert rows above a
summary (a letterhead), columns inside it (their own figures); Excel then moves the cells,
updates the defined names and shifts relative references in formulas. xlprod must follow:
write where the workbook's names point, never at the built coordinates.

Anchors are cells whose place can be found again: a defined name's target, or a formula that
does not depend on its position (``SUMIFS(Devis[Montant],Devis[Poste],3)``) found in the sheet.
Every other row and column is placed relative to its nearest anchor above (or left), and is
``None`` when it has no place left (the user deleted it).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from xlprod.core.location import cell_address
from xlprod.workbook.formulas import normalize_formula

# a cell reference outside strings and structured references: C6, $C$6, C6:C14
_RELATIVE = re.compile(r"(?<![\w\].!])\$?[A-Za-z]{1,3}\$?\d+(?![\w(\[])")
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]')
_REF = re.compile(r'(?P<q>"[^"]*")|(?P<ref>(?<![\w\].!])(?P<cabs>\$?)(?P<col>[A-Z]{1,3})(?P<rabs>\$?)(?P<row>\d+)(?![\w(\[]))')


@lru_cache(maxsize=4096)
def _key(formula: str) -> str:
    return normalize_formula(formula)


@lru_cache(maxsize=4096)
def position_free(formula: str) -> bool:
    """Does ``formula`` give the same text wherever the cell holding it is moved?"""
    return _RELATIVE.search(_QUOTED.sub("", formula)) is None


@dataclass(frozen=True)
class Placement:
    """Built position -> current position, per row and per column (1-based)."""

    rows: Mapping[int, int] = field(default_factory=dict)
    cols: Mapping[int, int] = field(default_factory=dict)

    @property
    def moved(self) -> bool:
        return any(k != v for k, v in self.rows.items()) or any(k != v for k, v in self.cols.items())

    def row(self, built: int) -> int | None:
        return _place(self.rows, built)

    def col(self, built: int) -> int | None:
        return _place(self.cols, built)

    def cell(self, row: int, col: int) -> tuple[int, int] | None:
        r, c = self.row(row), self.col(col)
        return None if r is None or c is None else (r, c)

    def formula(self, text: str) -> str | None:
        """A formula written for the built layout, with its cell references moved; None when it
        refers to a cell that no longer exists."""
        if not self.moved:
            return text
        lost = False

        def move(m: re.Match[str]) -> str:
            nonlocal lost
            if m.group("q"):
                return m.group(0)
            from xlprod.core.location import column_index, column_letter

            r, c = self.row(int(m.group("row"))), self.col(column_index(m.group("col")))
            if r is None or c is None:
                lost = True
                return m.group(0)
            return f"{m.group('cabs')}{column_letter(c)}{m.group('rabs')}{r}"

        moved = _REF.sub(move, text)
        return None if lost else moved


_RANGE = re.compile(r'"[^"]*"|(?<![\w\].!])\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)(?![\w(\[])')


def inserted_cells(placement: Placement, text: str) -> list[tuple[int, int]]:
    """Cells that a range of ``text`` (``SUM(C6:C14)``, built layout) now covers although no built
    cell moved there: rows or columns the user inserted inside it, which Excel let the range
    take in."""
    from xlprod.core.location import column_index

    out: list[tuple[int, int]] = []
    for m in _RANGE.finditer(text):
        if m.group(1) is None:
            continue
        c1, r1, c2, r2 = column_index(m.group(1)), int(m.group(2)), column_index(m.group(3)), int(m.group(4))
        rows = {r for r in map(placement.row, range(r1, r2 + 1)) if r is not None}
        cols = {c for c in map(placement.col, range(c1, c2 + 1)) if c is not None}
        if not rows or not cols:
            continue
        for r in range(min(rows), max(rows) + 1):
            for c in range(min(cols), max(cols) + 1):
                if r not in rows or c not in cols:
                    out.append((r, c))
    return out


def _place(mapping: Mapping[int, int], built: int) -> int | None:
    if not mapping:
        return built
    if built in mapping:
        return mapping[built]
    below = [k for k in mapping if k < built]
    above = [k for k in mapping if k > built]
    if below:
        lo = max(below)
        guess = mapping[lo] + (built - lo)
    else:
        hi = min(above)
        guess = mapping[hi] - (hi - built)
    if guess < 1:
        return None
    if above and guess >= mapping[min(above)]:  # squeezed out: the user deleted it
        return None
    return guess


def find_placement(expected: Mapping[str, tuple[int, int]], found: Mapping[str, tuple[int, int]],
                   built_formulas: Mapping[tuple[int, int], str],
                   sheet_formulas: Mapping[tuple[int, int], str]) -> Placement:
    """The placement that explains where names (``expected`` -> ``found``) and position-free
    formulas (``built_formulas`` -> ``sheet_formulas``) are now. Names win over formulas."""
    rows: dict[int, int] = {}
    cols: dict[int, int] = {}
    for key, (r, c) in expected.items():
        if key in found:
            fr, fc = found[key]
            rows.setdefault(r, fr)
            cols.setdefault(c, fc)
    built_keys = Counter(_key(f) for f in built_formulas.values() if position_free(f))
    where_now: dict[str, list[tuple[int, int]]] = {}
    for pos, text in sheet_formulas.items():
        where_now.setdefault(_key(text), []).append(pos)
    for (r, c), text in sorted(built_formulas.items()):
        if not position_free(text):
            continue
        key = _key(text)
        now = where_now.get(key, [])
        if built_keys[key] == 1 and len(now) == 1:
            rows.setdefault(r, now[0][0])
            cols.setdefault(c, now[0][1])
    return Placement(_monotone(rows), _monotone(cols))


def _monotone(mapping: dict[int, int]) -> dict[int, int]:
    """Drop anchors that would cross others (a formula copied elsewhere by the user)."""
    kept: dict[int, int] = {}
    last = 0
    for built in sorted(mapping):
        if mapping[built] > last:
            kept[built] = mapping[built]
            last = mapping[built]
    return kept


def address(placement: Placement, row: int, col: int) -> str | None:
    cell = placement.cell(row, col)
    return cell_address(*cell) if cell else None
