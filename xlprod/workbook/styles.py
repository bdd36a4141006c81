"""Cell formats shared by the workbooks xlprod builds (XlsxWriter)."""

from __future__ import annotations

import xlsxwriter

MONEY = '#,##0.00\\ "€"'
PERCENT = "0.00\\ %"
NUMBER = "#,##0.###"



def workbook_formats(wb: xlsxwriter.Workbook) -> dict[str, xlsxwriter.format.Format]:
    """The formats every xlprod workbook shares, by role."""
    base = {"font_name": "Calibri", "font_size": 10, "valign": "vcenter"}

    def f(**kw: object) -> xlsxwriter.format.Format:
        return wb.add_format({**base, **kw})

    return {
        "title": f(bold=True, font_size=14, font_color="#1F3864"),
        "subtitle": f(bold=True, font_size=11, font_color="#1F3864"),
        "note": f(italic=True, font_color="#595959"),
        "header": f(bold=True, font_color="#FFFFFF", bg_color="#1F3864", text_wrap=True, border=1),
        "text": f(),
        "center": f(align="center"),
        "wrap": f(text_wrap=True, valign="top"),
        "chapter_no": f(align="center", bold=True),
        "money": f(num_format=MONEY),
        "percent": f(num_format=PERCENT),
        "number": f(num_format=NUMBER),
        "input_text": f(num_format="@"),
        "computed": f(bg_color="#EDEDED", num_format=MONEY),
        "computed_int": f(bg_color="#EDEDED", align="center", num_format="0"),
        "total_label": f(bold=True, top=1),
        "total_money": f(bold=True, top=1, num_format=MONEY),
        "total_percent": f(bold=True, top=1, num_format=PERCENT),
        "grand_label": f(bold=True, font_size=12, bg_color="#DDEBF7", top=2, bottom=2),
        "grand_money": f(bold=True, font_size=12, bg_color="#DDEBF7", top=2, bottom=2, num_format=MONEY),
        "date": f(num_format="dd/mm/yyyy"),
        "datetime": f(num_format="dd/mm/yyyy hh:mm"),
        "month": f(bold=True, num_format="mmm yyyy;;", align="center", bg_color="#DDEBF7"),  # 0: blank, not 01/1900
        "int": f(num_format="0", align="center"),
        "error_fill": wb.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"}),
        "warning_fill": wb.add_format({"bg_color": "#FFE699", "font_color": "#7F6000"}),
    }
