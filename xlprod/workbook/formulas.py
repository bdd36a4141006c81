"""Formula text compared the way Excel reads it, whichever form it was written in.

The file stores structured references in their full form (``Devis[[#This Row],[Quantité]]``);
Excel's ``Range.Formula`` returns the formula-bar form (``[@Quantité]``, ``[@[Taux unitaire]]``),
and a user may type ``Devis[@Quantité]``. All of them are the same reference for a cell of the
Devis table, so they must compare equal, or every computed cell would look overwritten.
"""

from __future__ import annotations

import re

from xlprod.core.location import column_index

# Table[[#This Row],[Col]]  /  [[#This Row],[Col]]
_THIS_ROW_FULL = re.compile(r"(?P<table>[A-Za-z_\\][\w.]*)?\[\s*\[#This Row\]\s*,\s*\[(?P<col>(?:[^\[\]']|'.)*)\]\s*\]",
                            re.IGNORECASE)
# Table[@[Col]]  /  [@[Col]]
_AT_BRACKETED = re.compile(r"(?P<table>[A-Za-z_\\][\w.]*)?\[@\[(?P<col>(?:[^\[\]']|'.)*)\]\]")
# Table[@Col]  /  [@Col]  (a column name without spaces or special characters)
_AT_PLAIN = re.compile(r"(?P<table>[A-Za-z_\\][\w.]*)?\[@(?P<col>[^\[\]@]+)\]")


def canonical_references(text: str, table: str | None = None) -> str:
    """Every this-row reference as ``Table[@[Col]]``; an unqualified one belongs to ``table``."""

    def canon(m: re.Match[str]) -> str:
        owner = m.group("table") or table or ""
        return f"{owner}[@[{m.group('col').strip()}]]"

    text = _THIS_ROW_FULL.sub(canon, text)
    text = _AT_PLAIN.sub(lambda m: canon(m) if not m.group("col").startswith("[") else m.group(0), text)
    return _AT_BRACKETED.sub(canon, text)


_STRING = re.compile(r'("(?:[^"]|"")*")')


def normalize_formula(text: str, table: str | None = None) -> str:
    """Formula text as Excel reads it: no ``=``, ``$`` or spaces, case-insensitive, references
    canonical; text between quotes is kept exactly (``"cadre"`` is not ``"cad re"``)."""
    pieces = _STRING.split(canonical_references(text.lstrip("="), table))
    return "".join(p if i % 2 else re.sub(r"[\s$]", "", p).upper() for i, p in enumerate(pieces))


# an A1 reference (of any sheet: Devis!F5, 'Suivi'!E45): not inside a name or after a $ already read, not
# before a function's parenthesis or a sheet's « ! »
_A1 = re.compile(r"(?<![A-Za-z0-9_.$'\]])(\$?)([A-Z]{1,3})(\$?)([0-9]{1,7})(?![A-Za-z0-9_(!])")
# a whole-row range (5:5, $5:$7, Suivi!5:6)
_ROWS = re.compile(r"(?<![A-Za-z0-9_.$'\]:])(\$?)([0-9]{1,7}):(\$?)([0-9]{1,7})(?![A-Za-z0-9_(!:.])")
MAX_ROW = 1_048_576


def shift_rows(formula: str, delta: int) -> str:
    """The formula as Excel copies it ``delta`` rows below (a shared formula's cell, a line that moved): every
    relative row reference moves, of its own sheet or another, whole rows (``5:5``) too; ``$`` rows and text
    between quotes stay; a reference moved off the sheet is ``#REF!``, as in Excel."""
    if not delta:
        return formula

    def move(m: re.Match[str]) -> str:
        row = int(m.group(4)) + (0 if m.group(3) else delta)
        return f"{m.group(1)}{m.group(2)}{m.group(3)}{row}" if 1 <= row <= MAX_ROW else "#REF!"

    def move_rows(m: re.Match[str]) -> str:
        first = int(m.group(2)) + (0 if m.group(1) else delta)
        last = int(m.group(4)) + (0 if m.group(3) else delta)
        inside = 1 <= first <= MAX_ROW and 1 <= last <= MAX_ROW
        return f"{m.group(1)}{first}:{m.group(3)}{last}" if inside else "#REF!"

    return "".join(p if i % 2 else _A1.sub(move, _ROWS.sub(move_rows, p)) for i, p in enumerate(_STRING.split(formula)))


_SHEET_CELLS = re.compile(r"(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?(?<![A-Za-z0-9_.$'\]])\$?(?P<c1>[A-Z]{1,3})\$?"
                          r"(?P<r1>[0-9]{1,7})(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>[0-9]{1,7}))?(?![A-Za-z0-9_(!])")


def cells_referenced(formula: str, sheet: str, limit: int = 10_000) -> list[tuple[int, int]] | None:
    """The cells of ``sheet`` a formula written on it refers to by A1 references (its own, or ``'Suivi'!E45``),
    ranges expanded; None when they are more than ``limit``."""
    out: list[tuple[int, int]] = []
    for piece in _STRING.split(formula)[::2]:
        for m in _SHEET_CELLS.finditer(piece):
            named = m.group("sheet")
            if named is not None and named.strip("'").replace("''", "'") != sheet:
                continue
            c1, r1 = column_index(m.group("c1")), int(m.group("r1"))
            c2, r2 = (column_index(m.group("c2")), int(m.group("r2"))) if m.group("c2") else (c1, r1)
            if (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1) + len(out) > limit:
                return None
            out += [(r, c) for r in range(min(r1, r2), max(r1, r2) + 1) for c in range(min(c1, c2), max(c1, c2) + 1)]
    return out


def this_row_tables(formula: str) -> set[str]:
    """Tables whose this-row references a formula uses (``Devis`` for xlprod's computed columns)."""
    return {m.group("table") for pattern in (_THIS_ROW_FULL, _AT_BRACKETED, _AT_PLAIN)
            for m in pattern.finditer(formula) if m.group("table")}


def same_formula(found: str, expected: str) -> bool:
    """Is the formula ``found`` in a cell the one xlprod ``expected`` there, in any of Excel's forms?

    An unqualified ``[@Col]`` in ``found`` is taken to refer to the table that ``expected``
    names, the table the cell belongs to.
    """
    tables = this_row_tables(expected)
    table = next(iter(tables)) if len(tables) == 1 else None
    return normalize_formula(found, table) == normalize_formula(expected, table)


def _escape_column(name: str) -> str:
    """A column name inside a structured reference: ``'`` before ``[ ] # '`` (Excel's rule)."""
    return re.sub(r"([\[\]#'])", r"'\1", name)


def rename_columns(formula: str, renames: dict[str, str]) -> str:
    """The formula with table columns renamed (``[Quantité]`` -> ``[quantite]``) outside its strings.

    A user who retypes a header in another case or without its accent still has the column
    (xlprod matches headers loosely), and Excel rewrites every formula to the new name: xlprod's
    own formulas must use it too.
    """
    if not renames:
        return formula
    pattern = re.compile(r"\[(" + "|".join(re.escape(_escape_column(old)) for old in renames) + r")\]", re.IGNORECASE)
    by_fold = {_escape_column(old).casefold(): _escape_column(new) for old, new in renames.items()}
    pieces = _STRING.split(formula)
    return "".join(p if i % 2 else pattern.sub(lambda m: f"[{by_fold[m.group(1).casefold()]}]", p)
                   for i, p in enumerate(pieces))
