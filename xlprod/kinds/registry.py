"""What a workbook kind declares, in one place: the CLI, the ribbon, the workbook buttons and
the « Recalculer » dispatch are all derived from these entries.

Adding a kind is adding a folder under ``xlprod/kinds`` and its entry in ``xlprod.kinds.KINDS``.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from xlprod.core.issues import Issue, count
from xlprod.workbook.port import WorkbookPort


class Summary(Protocol):
    """A kind's results, for the CLI (text, ``--json``) and for Excel message boxes."""

    def headline(self) -> str:
        """One line: what the user checks first (``total 3 880 000,00 €``)."""
        ...

    def render(self) -> str:
        """The detailed text (the devis' topsheet)."""
        ...

    def to_json(self) -> dict[str, object]: ...


class Report:
    """What an action found and computed on one workbook."""

    __slots__ = ("book", "issues", "kind", "summary")

    def __init__(self, book: str, kind: str, issues: list[Issue] | None = None, summary: Summary | None = None) -> None:
        self.book = book
        self.kind = kind
        self.issues: list[Issue] = [] if issues is None else issues
        self.summary = summary

    def __repr__(self) -> str:
        return f"Report({self.book!r}, {self.kind!r}, {len(self.issues)} issues, {self.summary!r})"

    @property
    def errors(self) -> int:
        return count(self.issues)[0]

    @property
    def warnings(self) -> int:
        return count(self.issues)[1]

    def headline(self) -> str:
        return self.summary.headline() if self.summary is not None else "totaux non mis à jour (voir les erreurs)"

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"file": self.book, "kind": self.kind}
        if self.summary is not None:
            data.update(self.summary.to_json())
        data["errors"] = self.errors
        data["warnings"] = self.warnings
        data["issues"] = [i.to_json() for i in self.issues]
        return data


BookAction = Callable[[WorkbookPort, dt.datetime], Report]


class Recalculation(Protocol):
    """A kind's « Recalculer »; ``carried``: what the action just before found (an import's refused lines),
    listed with the rest in Contrôles."""

    def __call__(self, book: WorkbookPort, now: dt.datetime, carried: Sequence[Issue] = ...) -> Report: ...


def on_first_use(module: str, function: str) -> Callable[..., Any]:
    """``module.function``, imported when first called: declaring a kind loads none of its rules,
    so that a command on another kind, or ``--help``, starts fast."""

    def run(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), function)(*args, **kwargs)

    run.__name__ = run.__qualname__ = function
    run.__module__ = module
    return run

RECALCULATE = "recalculer"  # the action every kind has: the ribbon's and each workbook's first button


class Action(NamedTuple):
    """Something a user does to a workbook of a kind, from a button, the ribbon or the CLI."""

    name: str  # identifier: CLI subcommand, VBA macro suffix, ribbon tag (ASCII letters, digits, -)
    label: str  # French button label
    description: str  # French tooltip and CLI help
    run: BookAction
    writes: bool = True  # headless: whether the file is saved afterwards
    done: str = ""  # what the command line says once done (« version figée »); the label when empty


class NewOption(NamedTuple):
    """An option of ``xlprod new KIND`` (``--titre``...), passed to the kind's builder by name."""

    flag: str
    dest: str
    help: str
    default: str | None = None
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    # a file typed from where the command runs, as every path on a command line; the workbook keeps it
    # relative to itself, as its later commands and Excel read it
    file: bool = False


class DemoPart(NamedTuple):
    """A kind's part of ``xlprod demo``: the files it wrote and the text it prints."""

    paths: list[Path]
    text: str
    errors: int = 0


class Kind(NamedTuple):
    name: str  # the workbook's XLPROD_TYPE, and ``xlprod new NAME``
    title: str  # French, for menus and messages
    description: str
    default_file: str
    recalculate: Recalculation
    build_new: Callable[[Path, Mapping[str, str | None]], int]  # writes a new workbook, returns its line count (0: none)
    demo: Callable[[Path], DemoPart]
    new_options: tuple[NewOption, ...] = ()
    actions: tuple[Action, ...] = ()  # beyond Recalculer and Contrôler, which every kind has

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    def buttons(self) -> list[tuple[str, str, str]]:
        """(action name, label, tooltip) of the buttons a workbook of this kind carries."""
        return [(RECALCULATE, "Recalculer", f"Recalculer et contrôler ce classeur ({self.title})"),
                *((a.name, a.label, a.description) for a in self.actions)]
