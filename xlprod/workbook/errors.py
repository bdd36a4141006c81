"""A workbook that cannot be processed at all (unreadable, locked, not ours)."""

from __future__ import annotations

from xlprod.core.location import Location


class WorkbookError(Exception):
    """Raised for whole-file problems; data problems are ``Issue`` values instead."""

    def __init__(self, location: Location, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.location = location
        self.message = message
        self.hint = hint

    def render(self) -> str:
        text = f"{self.location}: erreur: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text
