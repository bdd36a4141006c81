"""Errors and warnings as values, each with a location, a French message and a hint.

Readers, validators and computations return issues instead of raising, and they accumulate:
a user fixing a workbook wants every problem at once, not the first one.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

from xlprod.core.location import Location


class Severity(StrEnum):
    ERROR = "erreur"
    WARNING = "avertissement"

    @property
    def label(self) -> str:
        return "Erreur" if self is Severity.ERROR else "Avertissement"


class Issue(NamedTuple):
    """One problem found in a workbook; ``code`` is stable so that tests and users can refer to it."""

    severity: Severity
    code: str
    location: Location
    message: str
    hint: str = ""

    def render(self) -> str:
        """``devis.xlsx!Devis!F42: erreur DEV010: message (hint)`` -- parseable like compiler output."""
        text = f"{self.location}: {self.severity.value} {self.code}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text

    def to_json(self) -> dict[str, str]:
        return {
            "severity": "error" if self.severity is Severity.ERROR else "warning",
            "code": self.code,
            "location": str(self.location),
            "message": self.message,
            "hint": self.hint,
        }


def error(code: str, location: Location, message: str, hint: str = "") -> Issue:
    return Issue(severity=Severity.ERROR, code=code, location=location, message=message, hint=hint)


def warning(code: str, location: Location, message: str, hint: str = "") -> Issue:
    return Issue(severity=Severity.WARNING, code=code, location=location, message=message, hint=hint)


def has_errors(issues: Iterable[Issue]) -> bool:
    return any(i.severity is Severity.ERROR for i in issues)


def count(issues: Iterable[Issue]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for issue in issues:
        if issue.severity is Severity.ERROR:
            errors += 1
        else:
            warnings += 1
    return errors, warnings
