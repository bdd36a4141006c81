"""Targeted edits of a worksheet's XML: set cells, replace trailing rows, set hyperlinks.

Only the rows that receive a write are parsed and rebuilt; every other byte of the sheet (styles,
comments anchors, conditional formats, drawings, data validations, extra columns) is kept as is.
The grammar used is OOXML's own: ``<row r=..>`` elements holding ``<c r=..>`` cells, each with an
optional ``<f>`` formula and ``<v>`` cached value.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any, AnyStr, NamedTuple, cast

from xlprod.core.cells import EmptyTextResult, ExcelError, SharedUncachedFormula, UncachedFormula
from xlprod.core.location import column_index, column_letter
from xlprod.workbook.formulas import same_formula, shift_rows

_ROW = re.compile(r"<(?P<p>\w+:)?row\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=p)?row>)", re.S)
_CELL = re.compile(r"<(?P<p>\w+:)?c\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=p)?c>)", re.S)
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_REF = re.compile(r"([A-Z]+)(\d+)")
_FORMULA = re.compile(r"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_VALUE = re.compile(r"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_STYLE = re.compile(r'\bs="(\d+)"')
_STYLE_B = re.compile(rb'\bs="(\d+)"')
_SHEETDATA_OPEN = re.compile(r"<(?P<p>\w+:)?sheetData\b[^>]*>")


_NOT_XML = re.compile("[\x00-\x08\x0b-\x0d\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LOOKS_ESCAPED = re.compile("_(x[0-9A-Fa-f]{4}_)")
MAX_CELL_TEXT = 32_767  # Excel's limit on the characters of one cell


def escape(text: str) -> str:
    """XML text escaping. (``xml.sax.saxutils`` would import urllib, http, ssl.)"""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(text: str) -> str:
    """An attribute value (a tooltip, a link target): characters XML forbids become spaces."""
    return escape(_NOT_XML.sub(" ", text)).replace('"', "&quot;")


def escape_cell_text(text: str) -> str:
    """Text of a cell, as Excel stores it: characters XML 1.0 forbids (U+000B pasted from Word)
    become ``_x000B_``, and a literal ``_x0041_`` has its underscore escaped (``_x005F_``), so
    that Excel and LibreOffice read back exactly what was written."""
    if "_x" in text:
        text = _LOOKS_ESCAPED.sub(r"_x005F_\1", text)
    if _NOT_XML.search(text):
        text = _NOT_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return escape(text)


def written_as_is(texts: list[str]) -> bool:
    """Whether escape_cell_text and fit_cell_text leave each of ``texts`` as ``escape`` alone would
    write it (the usual texts), judged at once for all of them."""
    joined = "".join(texts)  # printable: no control character, surrogate nor non-character (a test in C)
    return ("_x" not in joined and (joined.isprintable() or _NOT_XML.search(joined) is None)
            and max(map(len, texts), default=0) <= MAX_CELL_TEXT)


def fit_cell_text(text: str) -> str:
    """Text cut to Excel's 32,767 characters per cell (an ellipsis marks the cut)."""
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "…"


CellValue = str | float | int | Decimal | bool | ExcelError | None


COLUMN_STYLE = -1  # CellWrite.style: the column's default style (a date typed as text, written as a date)


class CellWrite(NamedTuple):
    """What to put in one cell. ``formula`` without the leading ``=``; ``value`` is its cached result.

    ``owned``: a cell computed by xlprod. An existing equivalent formula is kept as written (and
    the cell left untouched when its cached value is already right); a different formula or a
    typed value is replaced by ``formula`` and reported as ``Restored``.
    """

    value: CellValue
    formula: str | None = None
    owned: bool = False
    style: int | None = None


class Restored(NamedTuple):
    """An owned cell whose content had been replaced by hand; xlprod put its formula back."""

    row: int
    col: int
    old_formula: str | None
    old_value: str | None


class ColumnWrite(NamedTuple):
    """A column of a table computed by xlprod: the same formula on every row, each row's cached value.

    Its cells are owned (see ``CellWrite.owned``). Table rows are contiguous: ``values[i]`` is
    the value of row ``first_row + i``.
    """

    col: int
    formula: str
    first_row: int
    values: list[CellValue]
    stale: frozenset[int] | None = None  # rows whose cached value is known to be out of date; None: all

    @property
    def rows(self) -> range:
        return range(self.first_row, self.first_row + len(self.values))

    def cell(self, row: int) -> CellWrite:
        return CellWrite(self.values[row - self.first_row], self.formula, owned=True)


class SheetPatch:
    """What to write on one sheet: cells, computed columns, and rows to clear first."""

    __slots__ = ("cells", "clear_cols", "clear_from_row", "columns")

    def __init__(self, cells: dict[tuple[int, int], CellWrite] | None = None, columns: list[ColumnWrite] | None = None,
                 clear_from_row: int | None = None, clear_cols: tuple[int, int] | None = None) -> None:
        self.cells: dict[tuple[int, int], CellWrite] = {} if cells is None else cells
        self.columns: list[ColumnWrite] = [] if columns is None else columns
        self.clear_from_row = clear_from_row  # drop every row at or below this one before writing
        self.clear_cols = clear_cols  # ... or, when set, only these columns' cells in them

    def __repr__(self) -> str:
        return (f"SheetPatch({len(self.cells)} cells, {len(self.columns)} columns, clear_from_row={self.clear_from_row},"
                f" clear_cols={self.clear_cols})")

    def set(self, row: int, col: int, write: CellWrite) -> None:
        self.cells[(row, col)] = write


def _attrs(text: str) -> dict[str, str]:
    return dict(_ATTR.findall(text))


def _xml_value(value: CellValue) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | int | float):
        return _number_text(float(value))
    return escape_cell_text(fit_cell_text(str(value)))


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
                f"{escape_cell_text(fit_cell_text(value))}</{prefix}t></{prefix}is></{tag}>")
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
    """Cells of these columns. The body stops at the first closing tag without a lazy ``.*?``,
    which tries the closing tag at every character: four times slower on long formulas."""
    alt = "|".join(sorted(letters, key=len, reverse=True))
    return re.compile(rf'<(?P<p>\w+:)?c r="(?P<col>{alt})(?P<row>\d+)"(?P<attrs>[^>]*?)'
                      r'(?:/>|>(?P<body>[^<]*+(?:<(?!/(?P=p)?c>)[^<]*+)*+)</(?P=p)?c>)')


_CHAR_REF = re.compile(r"&#(x[0-9a-fA-F]+|[0-9]+);")


def _unescape(text: str) -> str:
    """XML text as read: the five entities, and character references (openpyxl writes é as ``&#233;``)."""
    if "&#" in text:
        text = _CHAR_REF.sub(lambda m: chr(int(m.group(1)[1:], 16) if m.group(1)[0] == "x" else int(m.group(1))), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


class _SheetData(NamedTuple):
    prefix: str
    start: int  # of the opening tag
    body_start: int
    body_end: int
    end: int  # after the closing tag


def _find_sheet_data(xml: str) -> _SheetData | None:
    """Locate ``<sheetData>`` with plain string search: a lazy regex over megabytes is slow."""
    m = _SHEETDATA_OPEN.search(xml)
    if m is None:
        return None
    prefix = m.group("p") or ""
    if m.group(0).endswith("/>"):
        return _SheetData(prefix, m.start(), m.end(), m.end(), m.end())
    close = f"</{prefix}sheetData>"
    body_end = xml.rfind(close)
    if body_end < m.end():
        return None
    return _SheetData(prefix, m.start(), m.end(), body_end, body_end + len(close))


def apply_patch(xml: bytes, patch: SheetPatch) -> tuple[bytes, list[Restored]]:
    """Return the sheet part with the patch applied, and the owned cells that had to be restored.

    Fast path: computed columns checked with one byte search, existing cells rewritten in place
    by their explicit ``r`` reference. Whatever is left (cells or rows to create, rows to drop,
    cells whose position the schema implies because they omit ``r``) goes through an XML parser.
    """
    cells: dict[tuple[int, int], CellWrite] = {}
    if patch.columns:
        xml, cells = _patch_owned_columns(xml, patch.columns)
    cells.update(patch.cells)
    if not cells and patch.clear_from_row is None:
        return xml, []
    restored: list[Restored] = []
    covered = _Coverage(patch)
    if patch.clear_from_row is None:
        text = xml.decode("utf-8")
        sd = _find_sheet_data(text)
        if sd is None:
            raise ValueError("worksheet without sheetData")
        styles = column_styles(text[: sd.start]) if any(w.style == COLUMN_STYLE for w in cells.values()) else {}
        body, cells = _patch_existing_cells(text[sd.body_start:sd.body_end], cells, sd.prefix, restored, covered,
                                            styles)
        xml = (text[: sd.body_start] + body + text[sd.body_end:]).encode("utf-8")
        if not cells:
            return xml, restored
    else:
        replaced = _replace_rows(xml.decode("utf-8"), cells, patch.clear_from_row, patch.clear_cols, restored, covered)
        if replaced is not None:
            return replaced.encode("utf-8"), restored
        restored.clear()  # the general path decides again for every cell
    return _patch_tree(xml, cells, patch.clear_from_row, restored, covered, patch.clear_cols), restored


# a row or cell of the usual shape: unprefixed, its reference first, nothing but cells in a row
_ROW_R = re.compile(r'<row r="(\d+)"([^>]*?)(?:/>|>([^<]*+(?:<(?!/row>)[^<]*+)*+)</row>)')
_CELL_R = re.compile(r'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>[^<]*+(?:<(?!/c>)[^<]*+)*+</c>)')
_SPANS = re.compile(r'\sspans="[^"]*"')


def _tiled(pattern: re.Pattern[str], text: str) -> list[re.Match[str]] | None:
    """Every match of ``pattern`` in ``text``, when nothing but white space lies between them."""
    found, pos = [], 0
    for m in pattern.finditer(text):
        if not text[pos:m.start()].isspace() and pos != m.start():
            return None
        found.append(m)
        pos = m.end()
    return found if pos == len(text) or text[pos:].isspace() else None


def _replace_rows(text: str, cells: dict[tuple[int, int], CellWrite], clear_from_row: int,
                  clear_cols: tuple[int, int] | None, restored: list[Restored], covered: _Coverage) -> str | None:
    """A table rewritten from ``clear_from_row`` down (Contrôles, a report), as text: the rows above
    patched in place, the rows below cleared (or their ``clear_cols`` cells) and written again.
    What the general path does, without parsing the sheet into a tree; None for any other shape
    (a prefix, a row or cell without its reference, rows out of order, a write onto a cell the
    clearing keeps), which the general path takes."""
    sd = _find_sheet_data(text)
    if sd is None or sd.prefix:
        return None
    body = text[sd.body_start:sd.body_end]
    if "<!--" in body or "<![CDATA[" in body:
        return None
    rows = _tiled(_ROW_R, body)
    numbers = [int(m.group(1)) for m in rows] if rows is not None else []
    if rows is None or any(a >= b for a, b in itertools.pairwise(numbers)):
        return None
    split = bisect.bisect_left(numbers, clear_from_row)
    head = body[: rows[split].start()] if split < len(rows) else body
    styles = column_styles(text[: sd.start])
    above = {key: write for key, write in cells.items() if key[0] < clear_from_row}
    if above:
        head, missing = _patch_existing_cells(head, above, "", restored, covered, styles)
        if missing:
            return None
    # number -> the row's attributes, the cells kept (column, XML), the row's XML when kept whole
    below: dict[int, tuple[str, list[tuple[int, str]], str | None]] = {}
    if clear_cols is not None:
        for m in rows[split:]:
            found = _tiled(_CELL_R, m.group(3) or "")
            if found is None or any(c.group(2) != m.group(1) for c in found):
                return None
            kept = [(col, c.group(0)) for col, c in ((column_index(c.group(1)), c) for c in found)
                    if not clear_cols[0] <= col <= clear_cols[1]]
            if kept:
                below[int(m.group(1))] = (m.group(2), kept, m.group(0) if len(kept) == len(found) else None)
    writes: dict[int, dict[int, CellWrite]] = {}
    for (row, col), write in cells.items():
        if row >= clear_from_row:
            writes.setdefault(row, {})[col] = write
    for row, by_col in writes.items():
        attrs, kept, _ = below.get(row, ("", [], None))
        if any(col in by_col for col, _ in kept):
            return None  # a write onto a cell the clearing keeps: the general path rewrites it in place
        new = [(col, render_cell(f"{column_letter(col)}{row}", write,
                                 write.style if write.style not in (None, COLUMN_STYLE) else styles.get(col)))
               for col, write in by_col.items()]
        below[row] = (_SPANS.sub("", attrs), sorted(kept + new), None)
    tail = "".join(whole or f'<row r="{row}"{attrs}>{"".join(xml for _, xml in kept)}</row>'
                   for row, (attrs, kept, whole) in sorted(below.items()))
    start = _grown_dimension(text[: sd.start], max((r for r, _ in cells), default=0),
                             max((c for _, c in cells), default=0))
    return "".join(_around(text, sd, start, head, tail))


def _patch_tree(xml: bytes, cells: dict[tuple[int, int], CellWrite], clear_from_row: int | None,
                restored: list[Restored], covered: Callable[[int, int], bool],
                clear_cols: tuple[int, int] | None = None) -> bytes:
    """The general path, on a parsed tree (lxml keeps every namespace prefix and unknown element).

    Rows and cells without ``r`` get the position the schema gives them (the next row, the next
    column) written out, so that a write lands on the right cell and never duplicates one.
    """
    from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)
    root = etree.fromstring(xml, parser)
    sd = root.find("{*}sheetData")
    if sd is None:
        raise ValueError("worksheet without sheetData")
    ns = etree.QName(sd).namespace
    prefix = f"{sd.prefix}:" if sd.prefix else ""
    row_tag, cell_tag = f"{{{ns}}}row", f"{{{ns}}}c"
    col_style = {}
    for col in root.iterfind(f"{{{ns}}}cols/{{{ns}}}col"):
        if col.get("style") and (col.get("min") or "").isdigit() and (col.get("max") or "").isdigit():
            for c in range(int(col.get("min")), min(int(col.get("max")), int(col.get("min")) + 1000) + 1):
                col_style[c] = int(col.get("style"))

    rows: dict[int, Any] = {}
    previous = 0
    for row in list(sd.iterchildren(row_tag)):
        r = row.get("r", "")
        number = int(r) if r.isdigit() else previous + 1
        previous = number
        clearing = clear_from_row is not None and number >= clear_from_row
        if clearing and clear_cols is None:
            sd.remove(row)
            continue
        if row.get("r") != str(number):
            _set_first(row, "r", str(number))
        last_col = 0
        for cell in list(row.iterchildren(cell_tag)):
            m = _REF.fullmatch(cell.get("r", ""))
            last_col = column_index(m.group(1)) if m else last_col + 1
            if clearing and clear_cols is not None and clear_cols[0] <= last_col <= clear_cols[1]:
                row.remove(cell)  # xlprod's columns only: what the user wrote beside them stays
                continue
            if m is None:
                _set_first(cell, "r", f"{column_letter(last_col)}{number}")
        if clearing and not len(row.findall(cell_tag)):
            sd.remove(row)
            continue
        rows[number] = row

    by_row: dict[int, dict[int, CellWrite]] = {}
    for (r, c), write in cells.items():
        by_row.setdefault(r, {})[c] = write
    numbers = sorted(rows)  # the rows in place, for finding where a new one goes (100,000 appended rows)
    for r in sorted(by_row):
        row = rows.get(r)
        if row is None:
            # a new row: its cells rendered and parsed at once, one fragment per row, not per cell
            body = "".join(render_cell(f"{column_letter(col)}{r}", write,
                                       write.style if write.style not in (None, COLUMN_STYLE) else col_style.get(col),
                                       prefix)
                           for col, write in sorted(by_row[r].items()))
            row = _fragment(etree, f'<{prefix}row r="{r}">{body}</{prefix}row>', root.nsmap)
            k = bisect.bisect_left(numbers, r)
            if k:
                rows[numbers[k - 1]].addnext(row)
            else:
                sd.insert(0, row)
            numbers.insert(k, r)
            rows[r] = row
            continue
        row.attrib.pop("spans", None)
        existing = {column_index(_REF.fullmatch(c.get("r", "")).group(1)): c  # type: ignore[union-attr]
                    for c in row.iterchildren(cell_tag) if _REF.fullmatch(c.get("r", ""))}
        for col, write in sorted(by_row[r].items()):
            ref = f"{column_letter(col)}{r}"
            old = existing.get(col)
            if old is not None:
                text = _NS_DECL.sub("", etree.tostring(old, with_tail=False, encoding="unicode"))
                m = _CELL.match(text)
                assert m is not None
                new_xml = _rewrite_cell(text, ref, r, col, m.group("attrs"), m.group("body") or "", write,
                                        col_style.get(col), prefix, restored, covered)
            else:
                style = write.style if write.style not in (None, COLUMN_STYLE) else col_style.get(col)
                new_xml = render_cell(ref, write, style, prefix)
            new = _fragment(etree, new_xml, root.nsmap)
            if old is not None:
                new.tail = old.tail
                row.replace(old, new)
            else:
                following = [c for n, c in existing.items() if n > col]
                if following:
                    min(following, key=lambda c: column_index(_REF.fullmatch(c.get("r")).group(1))).addprevious(new)  # type: ignore[union-attr]
                else:
                    row.append(new)
            existing[col] = new
    _grow_dimension_tree(root, ns, max(by_row, default=0), max((c for cols in by_row.values() for c in cols), default=0))
    etree.cleanup_namespaces(root)
    head = re.match(rb"<\?xml[^>]*\?>\s*", xml)
    declaration = head.group(0) if head else b""
    out: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return declaration + out


def _set_first(element: Any, name: str, value: str) -> None:
    """Set an attribute in first place, where Excel writes ``r`` (and the fast path looks for it)."""
    others = [(k, v) for k, v in element.attrib.items() if k != name]
    element.attrib.clear()
    element.set(name, value)
    for k, v in others:
        element.set(k, v)


_NS_DECL = re.compile(r'\sxmlns(?::\w+)?="[^"]*"')


def _fragment(etree: Any, xml: str, nsmap: dict[str | None, str]) -> Any:
    """An element from XML text written with the sheet's own prefixes."""
    decls = "".join(f' xmlns{":" + p if p else ""}="{escape_attr(uri)}"' for p, uri in nsmap.items())
    return etree.fromstring(f"<w{decls}>{xml}</w>".encode())[0]


_LAST_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_DIMENSION = re.compile(r'(<(?:\w+:)?dimension\b[^>]*?\bref=")([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?(")')


def append_rows(xml: bytes, first_row: int, first_col: int, rows: Sequence[Sequence[CellValue]],
                formulas: dict[int, str] | None = None, valued: AbstractSet[int] = frozenset()) -> bytes | None:
    """New rows below every row of the sheet, written as text before ``</sheetData>`` (100,000
    imported entries are not parsed into a tree): ``rows[i][j]`` goes to row ``first_row + i``,
    column ``first_col + j``. None when a row is not below the last one, or the sheet's shape is
    not the common one: the caller takes the general path. ``formulas``: a table's calculated
    columns, which a row added to it carries (as Excel does), their value left to the
    recalculation, but in the ``valued`` columns: each row's number there is the formula's value."""
    if not rows:
        return xml
    text = xml.decode("utf-8")
    sd = _find_sheet_data(text)
    if sd is None:
        return None
    body = text[sd.body_start:sd.body_end]
    last = 0
    at = max(body.rfind(f"<{sd.prefix}row "), body.rfind(f"<{sd.prefix}row>"))
    if at >= 0:
        m = _LAST_ROW.match(body[at:at + 400].encode("utf-8"))
        if m is None:
            return None  # a last row without r: its position is implied, take the general path
        last = int(m.group(1))
    if first_row <= last:
        return None
    styles = column_styles(text[: sd.start])
    prefix = sd.prefix
    width = max(map(len, rows))
    max_col = first_col + width - 1 if width else 0
    numbers = [str(first_row + i) for i in range(len(rows))]
    # column by column: the same few shapes for 100,000 cells, one comprehension each
    fixed = formulas or {}
    columns = {first_col + j: values for j, values in enumerate(itertools.zip_longest(*rows))}
    blank = [None] * len(rows)
    cells = [_column_cells(c, numbers, columns.get(c, blank), fixed.get(c), styles.get(c), prefix, c in valued)
             for c in sorted({*columns, *fixed})]
    max_col = max([max_col, *fixed])
    # each row opened, its cells, closed: one join for the sheet, no string made per row
    opened = [f'<{prefix}row r="{r}">' for r in numbers]
    pieces = _around(text, sd, _grown_dimension(text[: sd.start], first_row + len(rows) - 1, max_col),
                     text[sd.body_start:sd.body_end],
                     "".join(itertools.chain.from_iterable(zip(opened, *cells, itertools.repeat(f"</{prefix}row>"),
                                                               strict=False))))
    return b"".join([piece.encode("utf-8") for piece in pieces])  # 100 MB of rows are not copied once more as text


def _around(text: str, sd: _SheetData, start: str, body: str, rows: str) -> list[str]:
    """The sheet in pieces: ``start`` (what comes before its data), its data (``body`` then
    ``rows``), the rest. A self-closing ``<sheetData/>`` is opened to take the rows."""
    opening = text[sd.start:sd.body_start]
    if opening.endswith("/>"):
        return [start + opening[:-2] + ">" + body, rows, f"</{sd.prefix}sheetData>" + text[sd.end:]]
    return [start + opening + body, rows, text[sd.body_end:]]


def _grown_dimension(head: str, max_row: int, max_col: int) -> str:
    """The part of a sheet before its data, its ``<dimension>`` grown to take in this row and column."""

    def grow(m: re.Match[str]) -> str:
        first_col, first_row = m.group(2), m.group(3)
        last_col = max(column_index(m.group(4) or m.group(2)), max_col)
        last_row = max(int(m.group(5) or m.group(3)), max_row)
        return f"{m.group(1)}{first_col}{first_row}:{column_letter(last_col)}{last_row}{m.group(6)}"

    return _DIMENSION.sub(grow, head, count=1) if max_row else head


def _column_cells(col: int, numbers: list[str], values: Sequence[CellValue], formula: str | None, style: int | None,
                  prefix: str, valued: bool = False) -> list[str]:
    """The XML of one column's cells, row by row ("" for an empty cell), as ``render_cell`` writes them.
    A column of numbers, or of texts, each with blanks (the usual imported column) is written by one
    comprehension; a column of mixed values cell by cell."""
    letter, tag = column_letter(col), f"{prefix}c"
    s_attr = f' s="{style}"' if style is not None else ""
    head = f'<{tag} r="{letter}'
    if formula is not None and valued:  # a calculated column, with each row's value as its cache
        cell, tail = f'"{s_attr}><{prefix}f>{escape(formula)}</{prefix}f><{prefix}v>', f"</{prefix}v></{tag}>"
        cached = {v: _number_text(cast(float, v)) for v in set(values)}
        return [f"{head}{r}{cell}{cached[v]}{tail}" for r, v in zip(numbers, values, strict=True)]
    if formula is not None:  # a calculated column: its formula on every row, whatever the row gives
        cell = f'"{s_attr}><{prefix}f>{escape(formula)}</{prefix}f></{tag}>'
        return [f"{head}{r}{cell}" for r in numbers]
    kinds = set(map(type, values))
    if kinds <= {float, type(None)}:
        number_head, number_tail = f'"{s_attr}><{prefix}v>', f"</{prefix}v></{tag}>"
        distinct = set(values)
        if len(distinct) * 4 < len(values):  # dates: a few hundred days for 100,000 rows
            shown = {v: None if v is None else _number_text(cast(float, v)) for v in distinct}
            return [f"{head}{r}{number_head}{shown[v]}{number_tail}" if v is not None else ""
                    for r, v in zip(numbers, values, strict=True)]
        return [f"{head}{r}{number_head}{_number_text(v)}{number_tail}" if v is not None else ""
                for r, v in zip(numbers, cast(list[float | None], values), strict=True)]
    texts = [v for v in values if type(v) is str and v]
    if kinds <= {str, type(None)} and texts and written_as_is(texts):  # escaped at once; no text holds U+0000
        escaped = escape("\x00".join(texts)).split("\x00")
        text_head = f'"{s_attr} t="inlineStr"><{prefix}is><{prefix}t xml:space="preserve">'
        text_tail = f"</{prefix}t></{prefix}is></{tag}>"
        if len(texts) == len(values):  # no blank: the usual document numbers, labels, keys
            return [f"{head}{r}{text_head}{t}{text_tail}" for r, t in zip(numbers, escaped, strict=True)]
        it = iter(escaped)
        return [f"{head}{r}{text_head}{next(it)}{text_tail}" if v else "" for r, v in zip(numbers, values, strict=True)]
    return [render_cell(f"{letter}{r}", CellWrite(v), style, prefix) if v is not None and v != "" else ""
            for r, v in zip(numbers, values, strict=True)]


def _number_text(number: float) -> str:
    """A float as a cell's ``<v>`` holds it, as ``_xml_value`` writes it: whole numbers without « .0 »."""
    return repr(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _grow_dimension_tree(root: Any, ns: str, max_row: int, max_col: int) -> None:
    dim = root.find(f"{{{ns}}}dimension")
    if dim is None or not max_row:
        return
    m = re.fullmatch(r"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?", dim.get("ref", ""))
    if m is None:
        return
    last_col, last_row = column_index(m.group(3) or m.group(1)), int(m.group(4) or m.group(2))
    if max_col > last_col or max_row > last_row:
        dim.set("ref", f"{m.group(1)}{m.group(2)}:{column_letter(max(last_col, max_col))}{max(last_row, max_row)}")


class _Coverage:
    """Which cells a patch rewrites (to decide whether a shared formula can be made explicit)."""

    def __init__(self, patch: SheetPatch) -> None:
        self.cells = patch.cells
        self.columns = {c.col: c.rows for c in patch.columns}

    def __call__(self, row: int, col: int) -> bool:
        return (row, col) in self.cells or row in self.columns.get(col, ())


_CELL_END = rb"(?:<v>[^<]*</v>|<v/>)?</c>"


def _canonical_branch(letter: str, formula: str, attributes: bool = False) -> bytes:
    """The rest of a cell of one column, in the usual shape, holding exactly this formula.

    The formula may carry the calculation flags LibreOffice writes (``aca``, ``ca``), not a
    shared or array formula's ``t``/``ref``: those belong to the general path. Its quotes may
    be written as is (Excel, XlsxWriter) or as ``&quot;`` (LibreOffice). ``attributes``: the
    cell's attributes after ``r`` are a second group.
    """
    text = re.escape(escape(formula).encode()).replace(b'"', b'(?>"|&quot;)')
    rest = rb'"([^>/]*+)><f' if attributes else rb'"[^>/]*+><f'
    return letter.encode() + rb"(\d+)" + rest + rb'(?: a?ca="[^"]*")*+>' + text + b"</f>"


@lru_cache(maxsize=64)
def _canonical_cells(columns: tuple[tuple[str, str], ...]) -> re.Pattern[bytes]:
    """Cells of several columns holding exactly xlprod's formula, one group (the row) per column.

    The shared ``<c r="`` prefix is kept outside the alternation so that the engine scans for it
    as a literal: one pass over a 4 MB sheet costs a few milliseconds.
    """
    return re.compile(rb'<c r="(?:' + b"|".join(_canonical_branch(*c) for c in columns) + b")")


@lru_cache(maxsize=64)
def _canonical_cell(letter: str, formula: str, attributes: bool = False) -> re.Pattern[bytes]:
    """A whole canonical cell, value included: the unit rewritten in place."""
    return re.compile(rb'<c r="' + _canonical_branch(letter, formula, attributes) + _CELL_END)


def _patch_owned_columns(xml: bytes, columns: list[ColumnWrite]) -> tuple[bytes, dict[tuple[int, int], CellWrite]]:
    """Check and refresh computed columns with one search of the part's bytes.

    The search confirms which rows hold xlprod's formula in the usual shape; of those, only the
    rows listed as stale are rewritten. On a devis saved by Excel or by a previous recalculation
    that is nearly every row untouched, so a 5,000-line sheet is neither decoded nor rebuilt.
    Cells with another formula, a typed value, another shape or no cell at all are returned as
    cell writes for the general path, which restores and reports them.
    """
    keys = tuple((column_letter(c.col), c.formula) for c in columns)
    matches = _canonical_cells(keys).findall(xml)  # built in C: the per-cell work stays small
    edits: list[tuple[int, int, bytes]] = []
    leftovers: dict[tuple[int, int], CellWrite] = {}
    expected: dict[range, list[bytes]] = {}
    for i, column in enumerate(columns):
        rows = column.rows
        rows_found = list(filter(None, map(itemgetter(i), matches))) if len(columns) > 1 else matches
        if rows not in expected:
            expected[rows] = [b"%d" % row for row in rows]
        found: set[int] | range
        if rows_found == expected[rows]:  # the usual case: every row, in order, holds the formula
            found = rows
        else:
            found = set(map(int, rows_found))
            leftovers.update({(row, column.col): column.cell(row) for row in rows if row not in found})
        stale = [row for row in (rows if column.stale is None else sorted(column.stale)) if row in found]
        single = _canonical_cell(*keys[i])
        if found is rows and len(stale) > _ONE_PASS:  # every row in order: rewritten in one pass of the engine
            xml = _edited(xml, edits)
            edits = []
            xml, missed = _rewrite_canonical(xml, single, column, keys[i][0], set(stale))
            leftovers.update({(row, column.col): column.cell(row) for row in missed})
            continue
        pos = 0
        for row in stale:  # document order: each search resumes where the previous one ended
            ref = f"{keys[i][0]}{row}"
            start = xml.find(f'<c r="{ref}"'.encode(), pos)
            m = single.match(xml, start) if start >= 0 else None
            if m is None:  # an unusual shape after the formula, or a duplicated reference: the general path
                leftovers[(row, column.col)] = column.cell(row)
                continue
            pos = m.end()
            sm = _STYLE_B.search(xml, m.start(), m.start() + m.group(0).find(b">"))
            edits.append((m.start(), m.end(), render_cell(ref, column.cell(row), int(sm.group(1)) if sm else None).encode()))
    return _edited(xml, edits), leftovers


def _edited(xml: AnyStr, edits: list[tuple[int, int, AnyStr]]) -> AnyStr:
    """``xml`` (bytes or text) with each (start, end) range replaced, in the order of the ranges."""
    if not edits:
        return xml
    edits.sort()
    pieces, pos = [], 0
    for start, end, data in edits:
        pieces += [xml[pos:start], data]
        pos = end
    pieces.append(xml[pos:])
    return xml[:0].join(pieces)


_ONE_PASS = 2_000  # stale rows from which a column is rewritten by one substitution rather than row by row


def _rewrite_canonical(xml: bytes, single: re.Pattern[bytes], column: ColumnWrite, letter: str,
                       stale: set[int]) -> tuple[bytes, set[int]]:
    """Rewrite the stale rows of a column whose every row holds xlprod's formula, in document order;
    returns the stale rows whose cell has an unusual shape after the formula (not rewritten)."""
    formula = escape(column.formula).encode()
    first, values = column.first_row, column.values
    # the usual case, every cell found stale and once (all of them after an import): the part cut at its
    # cells by the engine, the new cells made in one loop
    parts = _canonical_cell(letter, column.formula, True).split(xml)
    numbers = list(map(int, parts[1::3]))
    if stale.issuperset(numbers) and len(set(numbers)) == len(numbers):
        styles = {}
        for attributes in set(parts[2::3]):
            sm = _STYLE_B.search(attributes)
            styles[attributes] = int(sm.group(1)) if sm else None
        picked = [values[row - first] for row in numbers]
        if all(type(v) is float for v in picked):  # as render_cell writes them
            head, style = letter.encode(), {a: b' s="%d"' % n if n is not None else b"" for a, n in styles.items()}
            cells = [b'<c r="%s%s"%s><f>%s</f><v>%s</v></c>' % (
                head, row, style[attributes], formula,
                (repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)).encode())
                for row, attributes, value in zip(parts[1::3], parts[2::3], cast(list[float], picked), strict=True)]
        else:
            cells = [render_cell(f"{letter}{row}", column.cell(row), styles[attributes]).encode()
                     for row, attributes in zip(numbers, parts[2::3], strict=True)]
        parts[1::3], parts[2::3] = cells, [b""] * len(cells)
        return b"".join(parts), stale.difference(numbers)

    def rewrite(m: re.Match[bytes]) -> bytes:
        row = int(m.group(1))
        if row not in stale:
            return m.group(0)
        stale.discard(row)
        cell = m.group(0)
        sm = _STYLE_B.search(cell, 0, cell.find(b">"))
        value = values[row - first]
        if type(value) is float:  # as render_cell writes it
            shown = repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
            return b'<c r="%s%d"%s><f>%s</f><v>%s</v></c>' % (
                letter.encode(), row, b' s="%s"' % sm.group(1) if sm else b"", formula, shown.encode())
        return render_cell(f"{letter}{row}", column.cell(row), int(sm.group(1)) if sm else None).encode()

    return single.sub(rewrite, xml), stale


def _patch_existing_cells(body: str, cells: dict[tuple[int, int], CellWrite], prefix: str,
                          restored: list[Restored], covered: _Coverage, styles: dict[int, int] | None = None,
                          ) -> tuple[str, dict[tuple[int, int], CellWrite]]:
    """Rewrite the target cells that already exist; return the writes left over (missing cells)."""
    if "<!--" in body or "<![CDATA[" in body:  # markup in a comment would be taken for cells: the parsed path
        return body, dict(cells)
    if not prefix:
        return _patch_cells_by_reference(body, cells, restored, covered, styles)
    return _patch_cells_by_pattern(body, cells, prefix, restored, covered, styles)


def _patch_cells_by_pattern(body: str, cells: dict[tuple[int, int], CellWrite], prefix: str,
                            restored: list[Restored], covered: _Coverage, styles: dict[int, int] | None = None,
                            ) -> tuple[str, dict[tuple[int, int], CellWrite]]:
    """Any markup, prefixed (``x:c``) included: one pass of a pattern over the sheet's cells."""
    letters = {column_letter(c): c for c in {c for _, c in cells}}
    rest = dict(cells)
    pop = rest.pop

    def replace(m: re.Match[str]) -> str:
        p, letter, row_text, attrs, cell_body = m.groups()
        row = int(row_text)
        write = pop((row, letters[letter]), None)
        if write is None or (cell_body and not p and _unchanged_usual_cell(cell_body, attrs, write)):
            return m.group(0)
        return _rewrite_cell(m.group(0), f"{letter}{row}", row, letters[letter], attrs, cell_body or "",
                             write, (styles or {}).get(letters[letter]), prefix, restored, covered)

    return _cells_in_columns(list(letters)).sub(replace, body), rest


_ROW_REFERENCE = re.compile(r'<row r="(\d+)"')


def _patch_cells_by_reference(body: str, cells: dict[tuple[int, int], CellWrite], restored: list[Restored],
                              covered: _Coverage, styles: dict[int, int] | None,
                              ) -> tuple[str, dict[tuple[int, int], CellWrite]]:
    """``_patch_existing_cells`` for unprefixed markup: each cell found by its reference, within its
    row, in document order (plain string searches, no callback per cell of the sheet). A cell not
    found there (missing, in a row without its reference, out of order) is left over for the
    general path, which finds it wherever it is."""
    starts = [(int(m.group(1)), m.start()) for m in _ROW_REFERENCE.finditer(body)]
    rows = {number: (start, starts[i + 1][1] if i + 1 < len(starts) else len(body))
            for i, (number, start) in enumerate(starts)}
    letters = {c: column_letter(c) for c in {c for _, c in cells}}
    rest: dict[tuple[int, int], CellWrite] = {}
    edits: list[tuple[int, int, str]] = []
    find = body.find
    bounds, pos = (0, 0), 0
    current = None
    for key in sorted(cells):
        row, col = key
        write = cells[key]
        if row != current:
            current, bounds = row, rows.get(row, (0, 0))
            pos = bounds[0]
        ref = f"{letters[col]}{row}"
        start = find(f'<c r="{ref}"', pos, bounds[1])
        if start < 0:
            rest[key] = write
            continue
        head = start + len(ref) + 7
        gt = find(">", head)
        close = find("</c>", gt) if gt > 0 and body[gt - 1] != "/" else None
        if gt < 0 or close == -1:  # not well formed here: the parsed path says so
            rest[key] = write
            continue
        if close is None:
            attrs, cell_body, end = body[head:gt - 1], None, gt + 1
        else:
            attrs, cell_body, end = body[head:gt], body[gt + 1:close], close + 4
        pos = end
        if cell_body and _unchanged_usual_cell(cell_body, attrs, write):
            continue
        original = body[start:end]
        new = _rewrite_cell(original, ref, row, col, attrs, cell_body or "", write, (styles or {}).get(col), "",
                            restored, covered)
        if new != original:
            edits.append((start, end, new))
    return _edited(body, edits), rest  # in file order: rows are visited by number, a sheet may hold them otherwise


def _unchanged_usual_cell(body: str, attrs: str, write: CellWrite) -> bool:
    """The common case of a recalculation, decided without parsing the cell: xlprod's own formula,
    unprefixed and not shared, followed by the number it already caches. Anything else (another
    shape, formula or value, text) goes the general way, which decides the same for these."""
    value, formula, owned, _ = write
    if (type(value) is not float and type(value) is not int) or formula is None or not owned:
        return False
    if not body.startswith("<f>") or not body.endswith("</v>") or 't="' in attrs:
        return False
    at = body.find("</f><v>")
    if at < 0 or body[3:at] != (escape(formula) if "&" in formula or "<" in formula or ">" in formula else formula):
        return False
    try:
        return abs(float(body[at + 7:-4]) - value) < 1e-9
    except ValueError:
        return False


def _same_simple_value(attrs: str, cached: str | None, value: CellValue) -> bool:
    """Does a cell of the usual shape already cache ``value``? (numbers to 1e-9, text exactly)."""
    kind = type(value)
    if kind is float or kind is int:  # the common case, kept cheap: called for every computed cell
        if not cached or 't="' in attrs:
            return False
        try:
            return abs(float(cached) - cast(float, value)) < 1e-9
        except ValueError:
            return False
    if kind is str:
        return 't="str"' in attrs and _unescape(cached or "") == value
    return False


def _same_cached(body: str, attrs: str, value: CellValue) -> bool:
    """Does a cell of any shape already cache ``value``?"""
    vm = _VALUE.search(body)
    return _same_simple_value(attrs, vm.group(1) if vm else None, value)


def _rewrite_cell(original: str, ref: str, row: int, col: int, attrs: str, body: str, write: CellWrite,
                  default_style: int | None, prefix: str, restored: list[Restored],
                  covered: Callable[[int, int], bool]) -> str:
    sm = _STYLE.search(attrs)
    if write.style == COLUMN_STYLE and default_style is not None:
        style: int | None = default_style
    else:
        style = write.style if write.style not in (None, COLUMN_STYLE) else (int(sm.group(1)) if sm else default_style)
    if not write.owned:
        return render_cell(ref, write, style, prefix)
    fm = _FORMULA.search(body) if "<" in body else None
    if fm is not None:
        fattrs, text = fm.group(1), _unescape(fm.group(2) or "")
        shared = 't="shared"' in fattrs
        equivalent = bool(text) and (text == write.formula or same_formula(text, write.formula or ""))
        if (shared and not _shared_range_rewritten(fattrs, covered)) or (equivalent and not shared):
            # keep the formula as written (a shared master also feeds cells we do not rewrite)
            if _same_cached(body, attrs, write.value):
                return original
            return render_cell(ref, write, style, prefix, fm.group(0))
        if text and not equivalent:
            restored.append(Restored(row, col, text, None))
        return render_cell(ref, write, style, prefix)
    vm = _VALUE.search(body) if body else None
    old = _unescape(vm.group(1)) if vm else re.sub(r"<[^>]+>", "", body)
    if old:
        restored.append(Restored(row, col, None, old))
    return render_cell(ref, write, style, prefix)


def _shared_range_rewritten(fattrs: str, covered: Callable[[int, int], bool]) -> bool:
    """True when every cell of a shared formula's range is rewritten by this patch."""
    rm = re.search(r'ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"', fattrs)
    if rm is None:
        return True  # a shared child: only its own cell depends on it
    c1, r1 = column_index(rm.group(1)), int(rm.group(2))
    c2, r2 = column_index(rm.group(3) or rm.group(1)), int(rm.group(4) or rm.group(2))
    return all(covered(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))


_BEFORE_HYPERLINKS = ("printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                      "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
                      "legacyDrawing", "legacyDrawingHF", "picture", "oleObjects", "controls",
                      "webPublishItems", "tableParts", "extLst")


def set_internal_hyperlinks(xml: str, links: list[tuple[str, str, str]],
                            area: tuple[int, int, int] | None = None) -> str:
    """Replace the sheet's hyperlinks with links to places in the workbook: (cell, target, tooltip).

    ``area`` (first row, first and last column): only the links there are xlprod's; the user's
    links elsewhere on the sheet are kept.
    """
    kept: list[str] = []
    block_m = re.search(r"<(\w+:)?hyperlinks>(.*?)</(\w+:)?hyperlinks>", xml, flags=re.S)
    if block_m:
        for h in re.finditer(r"<(?:\w+:)?hyperlink\b[^>]*?(?:/>|>.*?</(?:\w+:)?hyperlink>)", block_m.group(2), re.S):
            ref = re.search(r'\bref="([A-Z]+)(\d+)', h.group(0))
            ours = area is None or (ref is not None and int(ref.group(2)) >= area[0]
                                    and area[1] <= column_index(ref.group(1)) <= area[2])
            if not ours:
                kept.append(h.group(0))
        xml = xml[: block_m.start()] + xml[block_m.end():]
    if not links and not kept:
        return xml
    sd = _find_sheet_data(xml)
    prefix = sd.prefix if sd else ""
    items = "".join(kept) + "".join(
        f'<{prefix}hyperlink ref="{cell}" location="{escape_attr(target)}" '
        f'display="{escape_attr(tip)}"/>'
        for cell, target, tip in links
    )
    block = f"<{prefix}hyperlinks>{items}</{prefix}hyperlinks>"
    for tag in _BEFORE_HYPERLINKS:
        m = re.search(rf"<(\w+:)?{tag}\b", xml)
        if m:
            return xml[: m.start()] + block + xml[m.start():]
    end = xml.rfind("</")
    return xml[:end] + block + xml[end:]


_ERROR_CELL = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(.*?)</(?:\w+:)?c>', re.S)
_UNCACHED_CELL = re.compile(
    rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"((?:(?!t="str")[^>])*)>(<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>))'
    rb'\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v></(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
_V_BYTES = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_EMPTY_TEXT_CELL = re.compile(
    rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*?\bt="str"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)'
    rb'\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v></(?:\w+:)?v>)\s*</(?:\w+:)?c>')


def special_cells(xml: bytes) -> dict[tuple[int, int], ExcelError | UncachedFormula | EmptyTextResult]:
    """Cells a value reader shows as blank: Excel errors, and formulas stored without a value.

    Three substring tests keep the usual sheet (no error, every formula calculated) to a few
    milliseconds however large it is.
    """
    out: dict[tuple[int, int], ExcelError | UncachedFormula | EmptyTextResult] = {}
    if b't="e"' in xml:
        for m in _ERROR_CELL.finditer(xml):
            vm = _V_BYTES.search(m.group(3))
            code = vm.group(1).decode("utf-8", "replace") if vm else "#VALUE!"
            out[(int(m.group(2)), column_index(m.group(1).decode()))] = ExcelError(code)
    prefixed = b'<c r="' not in xml  # a sheet written with a namespace prefix (<x:c>): rare, always scanned
    # <f>..</f></c>, <f t="shared" si="0"/></c>, or an empty value as openpyxl writes it (<v></v>)
    if prefixed or b"f></c>" in xml or b"/></c>" in xml or b"<v></v>" in xml or b"<v/>" in xml:
        for m in _UNCACHED_CELL.finditer(xml):  # a text result cached as "" (t="str") is a value, not a gap
            text = _unescape((m.group(5) or b"").decode("utf-8", "replace"))
            marker = SharedUncachedFormula if b't="shared"' in m.group(4) else UncachedFormula
            out[(int(m.group(2)), column_index(m.group(1).decode()))] = marker(text)
        for m in _EMPTY_TEXT_CELL.finditer(xml):  # a formula whose result is "": blank for a reader, #VALUE! in a product
            key = (int(m.group(2)), column_index(m.group(1).decode()))
            out.setdefault(key, EmptyTextResult(_unescape((m.group(3) or b"").decode("utf-8", "replace"))))
    return out


class FilledCell(NamedTuple):
    row: int
    col: int
    formula: bool  # a formula (a total the user put below a table), rather than a typed value


_ROW_START = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_CELL_B = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_REF_B = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CONTENT_B = re.compile(rb"<(?:\w+:)?(?:v|t)(?:\s[^>]*)?>[^<]")


def cells_with_content(xml: bytes, from_row: int, first_col: int, last_col: int) -> list[FilledCell]:
    """Cells holding a value or a formula, at or below ``from_row`` and within the columns.

    The scan starts at the row just above, found by plain search: the rows of the table itself
    are not parsed.
    """
    start = xml.find(b'<row r="%d"' % (from_row - 1))
    if start < 0:
        sd = re.search(rb"<(?:\w+:)?sheetData\b", xml)
        start = sd.start() if sd else 0
    out: list[FilledCell] = []
    rows = list(_ROW_START.finditer(xml, start))
    for i, rm in enumerate(rows):
        row = int(rm.group(1))
        if row < from_row:
            continue
        end = rows[i + 1].start() if i + 1 < len(rows) else len(xml)
        for cm in _CELL_B.finditer(xml, rm.end(), end):
            body = cm.group(2) or b""
            ref = _REF_B.search(cm.group(1))
            if not body or ref is None:
                continue
            col = column_index(ref.group(1).decode())
            has_formula = b"<f" in body or b":f" in body
            if first_col <= col <= last_col and (has_formula or _CONTENT_B.search(body)):
                out.append(FilledCell(row, col, has_formula))
    return out


_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?"')


def merged_ranges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges, as (first row, first column, last row, last column)."""
    at = xml.find(b"mergeCells", max(xml.rfind(b"sheetData"), 0))  # after the cells: they are not scanned
    if at < 0:
        return []
    out = []
    for m in _MERGED.finditer(xml, at):
        c1, r1 = column_index(m.group(1).decode()), int(m.group(2))
        c2, r2 = (column_index(m.group(3).decode()), int(m.group(4))) if m.group(3) else (c1, r1)
        out.append((r1, c1, r2, c2))
    return out


_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*>([^<]+)</(?:\w+:)?f>')


def sheet_formulas(xml: bytes) -> dict[tuple[int, int], str]:
    """Each cell's formula text (a small sheet such as a summary; children of a shared formula,
    which carry no text, are left out)."""
    return {(int(m.group(2)), column_index(m.group(1).decode())): _unescape(m.group(3).decode("utf-8"))
            for m in _FORMULA_CELL.finditer(xml)}


_SHARED_F = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f\b([^>]*?)(?:/>|>([^<]*)</(?:\w+:)?f>)')
_SI = re.compile(rb'\bsi="(\d+)"')


def shared_formulas(xml: bytes) -> dict[tuple[int, int], str]:
    """The formula of each cell of a shared formula (filled down in Excel, which writes its text once): the
    first cell's text, its rows moved as Excel reads it in each cell below (a column's cells only)."""
    if b't="shared"' not in xml:
        return {}
    masters: dict[bytes, tuple[int, int, str]] = {}
    children: list[tuple[int, int, bytes]] = []
    for m in _SHARED_F.finditer(xml):
        attrs = m.group(3)
        si = _SI.search(attrs)
        if b't="shared"' not in attrs or si is None:
            continue
        row, col = int(m.group(2)), column_index(m.group(1).decode())
        if m.group(4):
            masters[si.group(1)] = (row, col, _unescape(m.group(4).decode("utf-8")))
        else:
            children.append((row, col, si.group(1)))
    out = {(row, col): text for row, col, text in masters.values()}
    for row, col, index in children:
        found = masters.get(index)
        if found is not None and found[1] == col:
            out[(row, col)] = shift_rows(found[2], row - found[0])
    return out


def formula_cells(xml: bytes, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of ``cells`` hold a formula (one pass over the sheet, only for the columns asked)."""
    if not cells:
        return set()
    letters = sorted({column_letter(c) for _, c in cells}, key=len, reverse=True)
    wanted = set(cells)
    pattern = re.compile(rb'<(?:\w+:)?c r="(' + "|".join(letters).encode() + rb')(\d+)"[^>]*>\s*<(?:\w+:)?f\b')
    found = set()
    for m in pattern.finditer(xml):
        key = (int(m.group(2)), column_index(m.group(1).decode()))
        if key in wanted:
            found.add(key)
    return found
