"""xlprod: smart Excel workbooks for the money side of French film, TV and digital productions."""

__version__ = "0.1.0"


def main() -> None:
    """Entry point of the Excel ribbon add-in (``xlprod.xlam`` runs ``import xlprod; xlprod.main()``)."""
    from xlprod.workbook.excel import recalculer_classeur_actif

    recalculer_classeur_actif()
