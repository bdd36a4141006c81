"""xlprod: smart Excel workbooks for the money side of French film, TV and digital productions."""

__version__ = "0.2.0"


def main() -> None:
    """« Recalculer » on the active workbook: what ``RunPython "import xlprod; xlprod.main()"`` does."""
    import xlwings as xw

    from xlprod.excel_ui import run_in_excel

    run_in_excel(xw.books.active)
