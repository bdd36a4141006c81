"""Targeted edits of a worksheet's XML: set cells, replace trailing rows, set hyperlinks.

Only the rows that receive a write are parsed and rebuilt; every other byte of the sheet (styles,
comments anchors, conditional formats, drawings, data validations, extra columns) is kept as is.
The grammar used is OOXML's own: ``<row r=..>`` elements holding ``<c r=..>`` cells, each with an
optional ``<f>`` formula and ``<v>`` cached value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

from xlprod.core.location import column_index, column_letter

_ROW = re.compile(r"<(?P<p>\w+:)?row\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=p)?row>)", re.S)
_CELL = re.compile(r"<(?P<p>\w+:)?c\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=p)?c>)", re.S)
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_REF = re.compile(r"([A-Z]+)(\d+)")
_FORMULA = re.compile(r"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_VALUE = re.compile(r"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_SHEETDATA = re.compile(r"<(?P<p>\w+:)?sheetData\b[^>]*?(?:/>|>(?P<body>.*?)</(?P=p)?sheetData>)", re.S)


class ExcelError(str):
    """An Excel error value such as ``#VALUE!``, written with ``t="e"``."""


CellValue = str | float | int | Decimal | bool | ExcelError | None


@dataclass(frozen=True)
class CellWrite:
    """What to put in one cell. ``formula`` without the leading ``=``; ``value`` is its cached result.

    ``keep_formula``: when the cell already holds a formula, keep it (shared formulas included)
    and refresh only the cached value.
    """

    value: CellValue
    formula: str | None = None
    keep_formula: bool = False
    style: int | None = None


@dataclass(frozen=True)
class ExistingCell:
    formula: str | None  # formula text; for a shared-formula child, the master's text
    shared: bool
    value: str | None
    type: str | None
    style: int | None


@dataclass
class SheetPatch:
    cells: dict[tuple[int, int], CellWrite] = field(default_factory=dict)
    clear_from_row: int | None = None  # drop every row at or below this one before writing

    def set(self, row: int, col: int, write: CellWrite) -> None:
        self.cells[(row, col)] = write


def _attrs(text: str) -> dict[str, str]:
    return dict(_ATTR.findall(text))


def _xml_value(value: CellValue) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | int | float):
        number = float(value)
        return repr(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    return escape(str(value))


def render_cell(ref: str, write: CellWrite, style: int | None, prefix: str = "", formula_xml: str | None = None) -> str:
    """XML of one cell. ``formula_xml`` is an existing ``<f>`` element to keep verbatim."""
    s_attr = f' s="{style}"' if style is not None else ""
    tag = f"{prefix}c"
    value = write.value
    if write.formula is not None or formula_xml is not None:
        f_xml = formula_xml if formula_xml is not None else f"<{prefix}f>{escape(write.formula or '')}</{prefix}f>"
        if value is None:
            return f'<{tag} r="{ref}"{s_attr}>{f_xml}</{tag}>'
        if isinstance(value, ExcelError):
            t = ' t="e"'
        elif isinstance(value, bool):
            t = ' t="b"'
        elif isinstance(value, str):
            t = ' t="str"'
        else:
            t = ""
        return f'<{tag} r="{ref}"{s_attr}{t}>{f_xml}<{prefix}v>{_xml_value(value)}</{prefix}v></{tag}>'
    if value is None or value == "":
        return f'<{tag} r="{ref}"{s_attr}/>'
    if isinstance(value, ExcelError):
        return f'<{tag} r="{ref}"{s_attr} t="e"><{prefix}v>{_xml_value(value)}</{prefix}v></{tag}>'
    if isinstance(value, bool):
        return f'<{tag} r="{ref}"{s_attr} t="b"><{prefix}v>{_xml_value(value)}</{prefix}v></{tag}>'
    if isinstance(value, str):
        return (f'<{tag} r="{ref}"{s_attr} t="inlineStr"><{prefix}is><{prefix}t xml:space="preserve">'
                f"{escape(value)}</{prefix}t></{prefix}is></{tag}>")
    return f'<{tag} r="{ref}"{s_attr}><{prefix}v>{_xml_value(value)}</{prefix}v></{tag}>'


def column_styles(xml: str) -> dict[int, int]:
    """Default style of each column (``<col style=..>``), used for cells we create."""
    styles: dict[int, int] = {}
    for m in re.finditer(r"<(?:\w+:)?col\b([^>]*)/?>", xml):
        a = _attrs(m.group(1))
        if "style" in a:
            for c in range(int(a.get("min", "1")), int(a.get("max", "1")) + 1):
                styles[c] = int(a["style"])
            if int(a.get("max", "1")) - int(a.get("min", "1")) > 1000:
                break
    return styles


def _cells_in_columns(letters: list[str]) -> re.Pattern[str]:
    alt = "|".join(sorted(letters, key=len, reverse=True))
    return re.compile(rf'<(?P<p>\w+:)?c r="(?P<col>{alt})(?P<row>\d+)"(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=p)?c>)', re.S)


def read_cells(xml: str, columns: set[int], rows: range | None = None) -> dict[tuple[int, int], ExistingCell]:
    """Formulas and cached values of the given columns (shared formulas resolved to the master text).

    Only cells of those columns are visited; cells are found by their ``r`` attribute, which
    Excel, LibreOffice and XlsxWriter all write first.
    """
    out: dict[tuple[int, int], ExistingCell] = {}
    masters: dict[str, str] = {}
    children: list[tuple[tuple[int, int], str]] = []
    body = _sheet_body(xml)
    if not columns:
        return out
    for cm in _cells_in_columns([column_letter(c) for c in columns]).finditer(body):
        row, col = int(cm.group("row")), column_index(cm.group("col"))
        cbody = cm.group("body") or ""
        formula, shared = None, False
        if "<" in cbody and "f" in cbody:
            fm = _FORMULA.search(cbody)
            if fm:
                text = _unescape(fm.group(2) or "")
                if 't="shared"' in fm.group(1):
                    shared = True
                    si = _attrs(fm.group(1)).get("si", "")
                    if text:
                        masters[si] = text
                    else:
                        children.append(((row, col), si))
                formula = text or None
        if rows is not None and row not in rows:
            continue
        vm = _VALUE.search(cbody) if cbody else None
        sm = re.search(r'\bs="(\d+)"', cm.group("attrs"))
        tm = re.search(r'\bt="(\w+)"', cm.group("attrs"))
        out[(row, col)] = ExistingCell(formula, shared, _unescape(vm.group(1)) if vm else None,
                                       tm.group(1) if tm else None, int(sm.group(1)) if sm else None)
    for key, si in children:
        if key in out:
            old = out[key]
            out[key] = ExistingCell(masters.get(si), True, old.value, old.type, old.style)
    return out


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _sheet_body(xml: str) -> str:
    m = _SHEETDATA.search(xml)
    return (m.group("body") or "") if m else ""


def apply_patch(xml: str, patch: SheetPatch) -> str:
    """Return the sheet XML with the patch applied."""
    m = _SHEETDATA.search(xml)
    if m is None:
        raise ValueError("worksheet without sheetData")
    prefix = m.group("p") or ""
    body = m.group("body") or ""
    col_style = column_styles(xml[: m.start()])

    cells = dict(patch.cells)
    if cells and patch.clear_from_row is None:
        body, cells = _patch_existing_cells(body, cells, prefix)
    by_row: dict[int, dict[int, CellWrite]] = {}
    for (row, col), write in cells.items():
        by_row.setdefault(row, {})[col] = write

    pieces: list[str] = []
    pending_rows = sorted(by_row)
    pi = 0
    pos = 0
    max_row = max_col = 0
    for rm in _ROW.finditer(body):
        rattrs = _attrs(rm.group("attrs"))
        rnum = int(rattrs.get("r", "0") or 0)
        pieces.append(body[pos:rm.start()])
        pos = rm.end()
        while pi < len(pending_rows) and pending_rows[pi] < rnum:
            pieces.append(_new_row(pending_rows[pi], by_row[pending_rows[pi]], col_style, prefix))
            pi += 1
        matched = pi < len(pending_rows) and pending_rows[pi] == rnum
        if matched:
            pi += 1
        if patch.clear_from_row is not None and rnum >= patch.clear_from_row:
            if matched:
                pieces.append(_new_row(rnum, by_row[rnum], col_style, prefix))
            continue
        pieces.append(_patch_row(rm, rattrs, by_row[rnum], col_style, prefix) if matched else rm.group(0))
        max_row = max(max_row, rnum)
    pieces.append(body[pos:])
    for rnum in pending_rows[pi:]:
        pieces.append(_new_row(rnum, by_row[rnum], col_style, prefix))
    for row, cols in by_row.items():
        max_row = max(max_row, row)
        max_col = max(max_col, *cols)
    new_body = "".join(pieces)
    open_tag = f"<{prefix}sheetData>"
    result = xml[: m.start()] + open_tag + new_body + f"</{prefix}sheetData>" + xml[m.end():]
    return _grow_dimension(result, max_row, max_col)


def _patch_existing_cells(body: str, cells: dict[tuple[int, int], CellWrite],
                          prefix: str) -> tuple[str, dict[tuple[int, int], CellWrite]]:
    """Rewrite the target cells that already exist, in one pass; return the writes left over."""
    columns = {col for _, col in cells}
    letters = {column_letter(c): c for c in columns}
    pattern = _cells_in_columns(list(letters))
    remaining = dict(cells)

    def replace(m: re.Match[str]) -> str:
        key = (int(m.group("row")), letters[m.group("col")])
        write = remaining.pop(key, None)
        if write is None:
            return m.group(0)
        sm = re.search(r'\bs="(\d+)"', m.group("attrs"))
        style = write.style if write.style is not None else (int(sm.group(1)) if sm else None)
        keep = None
        if write.keep_formula and m.group("body"):
            fm = _FORMULA.search(m.group("body"))
            keep = fm.group(0) if fm else None
        return render_cell(f"{m.group('col')}{m.group('row')}", write, style, prefix, keep)

    return pattern.sub(replace, body), remaining


def _patch_row(rm: re.Match[str], rattrs: dict[str, str], writes: dict[int, CellWrite],
               col_style: dict[int, int], prefix: str) -> str:
    body = rm.group("body") or ""
    rnum = int(rattrs["r"])
    cells: list[tuple[int, str]] = []
    seen: set[int] = set()
    for cm in _CELL.finditer(body):
        a = _attrs(cm.group("attrs"))
        ref = _REF.match(a.get("r", ""))
        col = column_index(ref.group(1)) if ref else (cells[-1][0] + 1 if cells else 1)
        if col in writes:
            write = writes[col]
            style = write.style if write.style is not None else (int(a["s"]) if "s" in a else col_style.get(col))
            keep = None
            if write.keep_formula:
                fm = _FORMULA.search(cm.group("body") or "")
                if fm:
                    keep = fm.group(0)
            cells.append((col, render_cell(f"{column_letter(col)}{rnum}", write, style, prefix, keep)))
            seen.add(col)
        else:
            cells.append((col, cm.group(0)))
    for col, write in writes.items():
        if col not in seen:
            style = write.style if write.style is not None else col_style.get(col)
            cells.append((col, render_cell(f"{column_letter(col)}{rnum}", write, style, prefix)))
    cells.sort(key=lambda c: c[0])
    attrs = re.sub(r'\s+spans="[^"]*"', "", rm.group("attrs"))
    return f"<{prefix}row{attrs}>{''.join(c for _, c in cells)}</{prefix}row>"


def _new_row(rnum: int, writes: dict[int, CellWrite], col_style: dict[int, int], prefix: str) -> str:
    cells = "".join(
        render_cell(f"{column_letter(col)}{rnum}", w, w.style if w.style is not None else col_style.get(col), prefix)
        for col, w in sorted(writes.items())
    )
    return f'<{prefix}row r="{rnum}">{cells}</{prefix}row>'


def _grow_dimension(xml: str, max_row: int, max_col: int) -> str:
    m = re.search(r'<(\w+:)?dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"', xml)
    if not m:
        return xml
    last_col = column_index(m.group(4) or m.group(2))
    last_row = int(m.group(5) or m.group(3))
    new_col, new_row = max(last_col, max_col), max(last_row, max_row)
    if (new_col, new_row) == (last_col, last_row):
        return xml
    ref = f"{m.group(2)}{m.group(3)}:{column_letter(new_col)}{new_row}"
    return xml[: m.start()] + f'<{m.group(1) or ""}dimension ref="{ref}"' + xml[m.end():]


_BEFORE_HYPERLINKS = ("printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                      "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
                      "legacyDrawing", "legacyDrawingHF", "picture", "oleObjects", "controls",
                      "webPublishItems", "tableParts", "extLst")


def set_internal_hyperlinks(xml: str, links: list[tuple[str, str, str]]) -> str:
    """Replace the sheet's hyperlinks with links to places in the workbook: (cell, target, tooltip)."""
    xml = re.sub(r"<(\w+:)?hyperlinks>.*?</(\w+:)?hyperlinks>", "", xml, flags=re.S)
    if not links:
        return xml
    prefix = (_SHEETDATA.search(xml).group("p") or "") if _SHEETDATA.search(xml) else ""
    items = "".join(
        f'<{prefix}hyperlink ref="{cell}" location="{escape(target, {chr(34): "&quot;"})}" '
        f'display="{escape(tip, {chr(34): "&quot;"})}"/>'
        for cell, target, tip in links
    )
    block = f"<{prefix}hyperlinks>{items}</{prefix}hyperlinks>"
    for tag in _BEFORE_HYPERLINKS:
        m = re.search(rf"<(\w+:)?{tag}\b", xml)
        if m:
            return xml[: m.start()] + block + xml[m.start():]
    end = xml.rfind("</")
    return xml[:end] + block + xml[end:]
