from __future__ import annotations

import datetime as dt
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from xlprod.kinds.devis.builder import build_devis
from xlprod.services import recalculate
from xlprod.workbook.libreoffice import soffice
from xlprod.workbook.xlsx_file import XlsxFile

NOW = dt.datetime(2026, 11, 28, 10, 0)


def recalc(path: Path, write: bool = True):
    book = XlsxFile(path)
    report = recalculate(book, now=NOW)
    if write:
        book.save()
    return report


def make_devis(path: Path, rows: list[dict], **kw) -> Path:
    build_devis(path, rows, title=kw.pop("title", "Essai"), **kw)
    recalc(path)
    return path


@pytest.fixture
def libreoffice() -> str:
    exe = soffice()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required in CI (.ci/run installs libreoffice-calc-nogui)")
        pytest.skip("LibreOffice not installed")
    return exe


def cents(x: Decimal) -> Decimal:
    """A hand computation's rounding: to the cent, half away from zero, as Excel's ROUND."""
    return x.quantize(Decimal("0.01"), ROUND_HALF_UP)
