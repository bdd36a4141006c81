"""The workbook kinds xlprod knows, by their ``XLPROD_TYPE``. One entry per kind folder."""

from __future__ import annotations

from xlprod.kinds.catalogue import KIND as CATALOGUE
from xlprod.kinds.depenses import KIND as DEPENSES
from xlprod.kinds.devis import KIND as DEVIS
from xlprod.kinds.registry import Action, DemoPart, Kind, NewOption, Report, Summary
from xlprod.kinds.tresorerie import KIND as TRESORERIE

KINDS: dict[str, Kind] = {kind.name: kind for kind in (DEVIS, DEPENSES, TRESORERIE, CATALOGUE)}  # a kind reads those before it

__all__ = ["KINDS", "Action", "DemoPart", "Kind", "NewOption", "Report", "Summary"]
