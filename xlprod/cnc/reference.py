"""Reference data shipped with xlprod: CNC chapters and sub-chapters, the chart of accounts.

Packaged data files, read once; each carries its edition date and sources so that a change of
the texts is a data change, not a code change.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

CHAPTERS = tuple(range(1, 10))
FORM_VERSIONS = ("2018", "classique")
DEFAULT_FORM_VERSION = "2018"


def read_data(name: str) -> str:
    """A packaged data file of ``xlprod/data`` as text."""
    return resources.files("xlprod.data").joinpath(name).read_text(encoding="utf-8")


def read_json(name: str) -> dict[str, Any]:
    """A packaged JSON data file of ``xlprod/data``: the dated, sourced reference tables."""
    data: dict[str, Any] = json.loads(read_data(name))
    return data


class AccountSpec(NamedTuple):
    """One account of the standard chart, with what a new line on it starts with."""

    account: str
    label: str
    unit: str
    category: str
    tag: str


@cache
def chapters_data() -> dict[str, Any]:
    return read_json("postes-cnc.json")


_CHAPTER_OF = {str(n): n for n in CHAPTERS}


def chapter_of(account: str) -> int | None:
    """Chapter of an account code: its first digit, 1 to 9 (``LEFT(code, 1)`` in the workbooks)."""
    return _CHAPTER_OF.get(account[:1])


def sub_chapter_of(account: str) -> str | None:
    """Sub-chapter of an account code: its first two digits (every CNC sub-chapter code is two digits)."""
    return account[:2] if len(account) >= 2 and account[:2].isdigit() else None


def chapter_label(number: int, form_version: str) -> str:
    version = form_version if form_version in FORM_VERSIONS else DEFAULT_FORM_VERSION
    label: str = chapters_data()["chapters"][number - 1][version]
    return label


def sub_chapter_labels() -> dict[str, str]:
    """Sub-chapter code -> label: the official one where the sources quote it, else xlprod's own,
    marked as such (see ``official_label``)."""
    official = chapters_data()["official"]["labels"]
    return {code: official.get(code) or f"{label} (libellé xlprod)"
            for code, label in chapters_data()["sub_chapters"].items()}


def official_label(code: str) -> str | None:
    """The label the sources quote for a sub-chapter of the official form, if any."""
    label: str | None = chapters_data()["official"]["labels"].get(code)
    return label


def official_code_range(chapter: int) -> tuple[str, str] | None:
    """First and last sub-chapter codes of a chapter on the official form; None where the
    sources do not detail the chapter (8)."""
    found = chapters_data()["official"]["code_ranges"].get(str(chapter))
    return (found[0], found[1]) if found else None


def social_charge_sub_chapters() -> frozenset[str]:
    return frozenset(chapters_data()["social_charge_sub_chapters"])


@cache
def account_catalogue() -> tuple[AccountSpec, ...]:
    rows = csv.DictReader(io.StringIO(read_data("comptes-devis.csv")))
    return tuple(
        AccountSpec(account=r["compte"], label=r["libelle"], unit=r["unite"], category=r["categorie"], tag=r["repere"])
        for r in rows
    )


def below_the_line() -> dict[str, frozenset[str]]:
    """Account prefixes of producer pay and of financial costs, which the transparency protocol
    counts apart from the film cost (``producer_pay``, ``financial_costs``)."""
    data = chapters_data()["below_the_line"]
    return {key: frozenset(data[key]) for key in ("producer_pay", "financial_costs")}
