"""Reading numbers typed by people: Excel doubles, and French text such as ``1 234,56``.

A cell can hold a number stored as text (pasted from a PDF, typed in a text-formatted column).
We accept it only where the reading is unambiguous; ``1,234`` could be 1.234 or 1234, so it is
refused with a message rather than guessed.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import NamedTuple

from xlprod.core.cells import EmptyTextResult, ExcelError, NameFormula, UncachedFormula, evaluate_arithmetic
from xlprod.core.money import from_excel

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_FRENCH = re.compile(r"^[+-]?\d+(,\d+)?$", re.ASCII)  # 1234,56 once spaces are removed
_DOT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$", re.ASCII)  # 1234.56
_INTEGER = re.compile(r"^[+-]?\d+$", re.ASCII)
_GROUPED_SPACES = re.compile(r"^[+-]?\d{1,3}([\s\u00a0\u202f\u2009]\d{3})+(,\d+)?$", re.ASCII)
_AMBIGUOUS = re.compile(r"^[+-]?\d{1,3}([.,]\d{3})+$", re.ASCII)  # 1,234 / 1.234 / 1.234.567
LIMIT = Decimal("1e15")  # Excel keeps 15 significant digits: beyond, no reading is exact


class ParsedNumber(NamedTuple):
    value: Decimal | None
    from_text: bool = False  # the cell held text that we read as a number
    formula: str = ""  # the cell held this formula, never calculated, evaluated here
    problem: str = ""  # French explanation when value is None


def parse_number(raw: object) -> ParsedNumber:
    """Read a cell value as a number; blank gives ``ParsedNumber(None)`` with no problem."""
    parsed = _parse(raw)
    if parsed.value is not None and not abs(parsed.value) < LIMIT:
        return ParsedNumber(None, problem=f"le nombre {raw} dépasse toute valeur plausible (15 chiffres au plus)")
    return parsed


def _parse(raw: object) -> ParsedNumber:
    if raw is None or raw == "":
        return ParsedNumber(None)
    if isinstance(raw, ExcelError):
        return ParsedNumber(None, problem=f"la cellule affiche l'erreur Excel {raw}, pas un nombre")
    if isinstance(raw, EmptyTextResult):
        return ParsedNumber(None, problem=f"la formule ={raw} donne un texte vide, pas un nombre (les formules du "
                                          "classeur affichent alors #VALEUR!)")
    if isinstance(raw, NameFormula):
        return ParsedNumber(None, problem=f"le nom est défini par une formule (={raw}) dont xlprod ne connaît pas "
                                          "la valeur")
    if isinstance(raw, UncachedFormula) and raw.shared:
        return ParsedNumber(None, problem="une formule partagée jamais calculée (fichier écrit par un programme) : "
                                          "sa valeur est inconnue")
    if isinstance(raw, UncachedFormula):
        value = evaluate_arithmetic(raw)
        if value is None:
            return ParsedNumber(None, problem=f"la formule ={raw} n'a jamais été calculée (fichier écrit par un "
                                              "programme) : sa valeur est inconnue")
        return ParsedNumber(value, formula=str(raw))
    if isinstance(raw, bool):
        return ParsedNumber(None, problem="une case à cocher (VRAI/FAUX) au lieu d'un nombre")
    if isinstance(raw, Decimal):
        return ParsedNumber(raw)
    if isinstance(raw, int | float):
        try:
            return ParsedNumber(from_excel(raw))
        except ValueError:
            return ParsedNumber(None, problem="une valeur numérique invalide")
    if isinstance(raw, datetime.date | datetime.time | datetime.timedelta):
        return ParsedNumber(None, problem="une date ou une heure au lieu d'un nombre")
    if not isinstance(raw, str):
        return ParsedNumber(None, problem=f"une valeur de type inattendu ({type(raw).__name__})")
    text = raw.strip()
    if not text:
        return ParsedNumber(None)
    is_percent = text.endswith("%")
    if is_percent:
        text = text[:-1].strip()
    text = text.removesuffix("€").removesuffix("EUR").strip()
    if _AMBIGUOUS.match(text) and not _GROUPED_SPACES.match(text):
        return ParsedNumber(
            None,
            problem=f"le texte « {raw} » est ambigu (séparateur de milliers ou décimal ?)",
        )
    compact = _SPACES.sub("", text)
    if len(compact.lstrip("+-").replace(",", "").replace(".", "").lstrip("0")) > 15:
        return ParsedNumber(None, problem=f"le texte « {raw} » a plus de 15 chiffres : Excel ne peut pas le "
                                          "garder exactement")
    if _FRENCH.match(compact) or _INTEGER.match(compact):
        value = Decimal(compact.replace(",", "."))
    elif _DOT_DECIMAL.match(compact):
        value = Decimal(compact)
    else:
        return ParsedNumber(None, problem=f"le texte « {raw} » n'est pas un nombre")
    if is_percent:
        value = value / 100
    return ParsedNumber(value, from_text=True)
