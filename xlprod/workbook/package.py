"""An .xlsx file as a zip of XML parts, patched in place and saved atomically.

openpyxl re-saves a whole workbook and drops what it does not model (charts, images, form
buttons, cached values). xlprod instead rewrites only the parts it owns and copies every other
part unchanged, so user content survives a recalculation.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import stat
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree as ET

from xlprod.core.location import Location
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.files import atomic_output, check_replaceable, lock_files
from xlprod.workbook.port import KIND_NAME, kind_from_definition
from xlprod.workbook.sheetxml import escape, escape_attr

_DEFINED_NAME = re.compile(r"<(?:\w+:)?definedName\b([^>]*?)(?:/>|>.*?</(?:\w+:)?definedName>)", re.S)
_NAME_ATTR = re.compile(r'\bname="([^"]*)"')
_CELL_XFS = re.compile(r"(?P<open><(?P<p>\w+:)?cellXfs\b[^>]*>)(?P<body>.*?)</(?P=p)?cellXfs>", re.S)
_XF_ELEMENT = re.compile(r"<(?:\w+:)?xf\b[^>]*?(?:/>|>.*?</(?:\w+:)?xf>)", re.S)
_XF_NUM_FMT = re.compile(r'\bnumFmtId="(\d+)"')
_NUM_FMT = re.compile(r'<(?:\w+:)?numFmt\b[^>]*?\bnumFmtId="(\d+)"[^>]*?\bformatCode="([^"]*)"')
_BUILTIN_DATES = frozenset({14, 15, 16, 17, 22})  # ECMA-376 §18.8.30: d/m/yyyy, d-mmm-yy, d-mmm, mmm-yy, with time


_NUM_FMTS = re.compile(r"<(?:\w+:)?numFmts\b[^>]*>(.*?)</(?:\w+:)?numFmts>", re.S)


def _number_formats(styles: str) -> dict[int, str]:
    """The workbook's own number formats by id: those of ``<numFmts>`` only (the conditional
    formats' ``<dxfs>`` hold others, under the same ids)."""
    block = _NUM_FMTS.search(styles)
    return {int(i): _unescape_attr(code) for i, code in _NUM_FMT.findall(block.group(1))} if block else {}


def _xf_number_format(element: str) -> int:
    """A cell format's number format id (0, General, when it names none)."""
    found = _XF_NUM_FMT.search(element.split(">", 1)[0])
    return int(found.group(1)) if found else 0


def _unescape_attr(text: str) -> str:
    return text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _shows_a_date(fmt: int, custom: dict[int, str]) -> bool:
    """Does number format ``fmt`` show a date (a day, a month and a year; quoted text, escapes,
    colours and locales aside)?"""
    if fmt in _BUILTIN_DATES:
        return True
    code = custom.get(fmt)
    if code is None:
        return False
    bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code.split(";")[0]).lower()
    return "y" in bare and "d" in bare and "m" in bare

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

MAX_PARTS = 20_000
MAX_UNCOMPRESSED = 1_000_000_000  # 1 GB: far above any devis, low enough to stop a zip bomb
MAX_RATIO = 200  # compression ratio above which a part is treated as hostile
MAX_FILE = 200_000_000  # bytes on disk: checked before reading, so /dev/zero or a huge file is never loaded
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: an encrypted .xlsx, or an old .xls


def _doctype(data: bytes) -> bool:
    """A DOCTYPE (and with it, entities) can only come before the root element: look there."""
    head = data[:200_000]
    root = re.search(rb"<[A-Za-z_]", head)
    prolog = head[: root.start()] if root else head
    return b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog


def _bomb(where: Location) -> WorkbookError:
    return WorkbookError(where, "le fichier se décompresse en un volume anormal (archive piégée ?)",
                         "Ce n'est pas un classeur ordinaire : vérifiez sa provenance.")


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: Location) -> bytes:
    """A part's content: never more than the size declared (a lying entry stops here)."""
    with zf.open(info) as member:
        part = member.read(info.file_size + 1)
    if len(part) > info.file_size:
        raise _bomb(where)
    return part


def _inflate_from(raw: bytes, info: zipfile.ZipInfo, where: Location) -> bytes:
    """A part inflated when first read, from the file as read; a damaged stream said as at opening."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return _inflate(zf, zf.getinfo(info.filename), where)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError) as exc:
        raise _damaged(where, info.filename) from exc


def _damaged(where: Location, name: str) -> WorkbookError:
    return WorkbookError(where, f"le fichier n'est pas un classeur Excel valide (élément {name} illisible ou corrompu)",
                         "Ouvrez-le dans Excel et enregistrez-le au format .xlsx, ou repartez de la dernière sauvegarde.")


def _stored_stream(raw: bytes, info: zipfile.ZipInfo) -> _Stored | None:
    """Where a part's deflate stream lies in ``raw`` (its local header read), or None when the part is
    not a plain deflated one (stored, encrypted, another method, a header that disagrees)."""
    at = info.header_offset
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or raw[at:at + 4] != b"PK\x03\x04":
        return None
    name_length, extra_length = int.from_bytes(raw[at + 26:at + 28], "little"), int.from_bytes(raw[at + 28:at + 30], "little")
    start = at + 30 + name_length + extra_length
    if start + info.compress_size > len(raw):
        return None
    return _Stored(start, info.compress_size, info.CRC, info.file_size)


def _link_chain(path: Path) -> list[Path]:
    """``path``, and each name it leads to through symbolic links (a lock may sit beside any)."""
    chain = [path]
    for _ in range(40):
        current = chain[-1]
        if not current.is_symlink():
            break
        chain.append(current.parent / os.readlink(current))
    return chain


def check_not_open(path: Path, where: Location) -> None:
    locks = [lock for p in _link_chain(path) for lock in lock_files(p)]
    if locks:
        raise WorkbookError(
            where,
            f"le classeur est ouvert dans un tableur (fichier de verrou {locks[0].name})",
            "Fermez-le dans Excel ou LibreOffice puis relancez. Si aucun tableur ne l'a ouvert, "
            f"supprimez le verrou orphelin {locks[0].name}. (« xlprod check » le lit sans le modifier.)",
        )


def regular_file_stat(path: Path, where: Location) -> os.stat_result:
    """The file's status, after following links; only regular files pass (a FIFO would block a
    read forever, a device would never end)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise WorkbookError(where, f"fichier introuvable : {path}", "Vérifiez le chemin du classeur.") from None
    except OSError as exc:
        raise WorkbookError(where, f"fichier inaccessible ({exc.strerror or exc})",
                            "Vérifiez le chemin et les droits d'accès.") from exc
    if stat.S_ISDIR(st.st_mode):
        raise WorkbookError(where, "c'est un dossier, pas un classeur", "Donnez le chemin d'un fichier .xlsx.")
    if not stat.S_ISREG(st.st_mode):
        raise WorkbookError(where, "ce n'est pas un fichier ordinaire (tube, périphérique ou socket)",
                            "Donnez le chemin d'un vrai classeur .xlsx.")
    return st


def _cfb_problem(raw: bytes) -> tuple[str, str]:
    """An OLE compound file named .xlsx: Excel stores password-protected workbooks that way."""
    import olefile  # only for this rare case

    try:
        with olefile.OleFileIO(raw) as ole:
            encrypted = ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage")
    except Exception:  # a damaged compound file: its directory names still tell
        encrypted = "EncryptionInfo".encode("utf-16-le") in raw
    if encrypted:
        return ("le classeur est protégé par un mot de passe (chiffré)",
                "Dans Excel : Fichier > Informations > Protéger le classeur > Chiffrer avec mot de passe, effacez "
                "le mot de passe, enregistrez, puis relancez. xlprod ne lit pas les classeurs chiffrés.")
    return ("le fichier est au format Excel 97-2003 (.xls), pas .xlsx",
            "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format Classeur Excel (.xlsx).")


def _parse_xml(data: bytes, where: Location) -> ET.Element:
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise WorkbookError(where, "le fichier contient des déclarations XML interdites dans un classeur Excel",
                            "Le fichier n'a pas été produit par Excel : ne l'ouvrez pas, demandez-en une copie saine.")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise WorkbookError(where, f"le classeur est corrompu (XML illisible : {exc})",
                            "Ouvrez-le dans Excel, qui sait souvent le réparer, puis enregistrez-le à nouveau.") from exc


def _defined_names(root: ET.Element) -> dict[str, str]:
    return {dn.get("name", ""): (dn.text or "") for dn in root.iter(f"{{{NS_MAIN}}}definedName")
            if dn.get("localSheetId") is None}


def workbook_kind(path: Path) -> str | None:
    """The ``XLPROD_TYPE`` of a file, reading only its workbook part (for scanning folders).

    Returns None for a workbook that is not xlprod's; raises ``WorkbookError`` for an unreadable one.
    """
    where = Location(book=path.name)
    try:
        with zipfile.ZipFile(path) as zf:
            data = zf.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise WorkbookError(where, "le fichier n'est pas un classeur Excel valide") from exc
    return kind_from_definition(_defined_names(_parse_xml(data, where)).get(KIND_NAME))


class TablePart(NamedTuple):
    name: str
    sheet: str
    part: str
    ref: str
    headers: tuple[str, ...] = ()
    totals_rows: int = 0  # a « Total » row the user switched on, inside ``ref`` below the data
    header_rows: int = 1  # 0 when the user switched the header row off

    def named(self, name: str) -> bool:
        return self.name.casefold() == name.casefold()  # Excel's table names ignore case


PIECEWISE_FROM = 16_000_000  # bytes: a part this large (100,000 rows of a sheet) is deflated on every core
PIECE = 4_000_000  # bytes: the smallest piece
# zlib's level for such a part: 3 deflates the 95 MB sheet of 100,000 imported entries in 0.31 s instead of 0.68 s
# (level 6, zipfile's default), for a file of 10.6 MB instead of 9.3 MB
LARGE_PART_LEVEL = 3
# a part this large is deflated at LARGE_PART_LEVEL too: the 1.8 MB Trésorerie sheet of a 60-month plan in 3.6 ms
# instead of 7.8 ms (level 6), 72 kB instead of 57 kB
LARGE_FROM = 1_000_000


class _PiecewiseDeflate:
    """zipfile's compressor for one large part: the part deflated in pieces, each by a thread (zlib
    lets go of the GIL), at LARGE_PART_LEVEL. Each piece but the last ends on a byte boundary
    (a sync flush, no final block), so that the pieces joined are one deflate stream, as pigz writes
    it; a piece starting without the previous one's window costs a fraction of a percent in size."""

    def __init__(self) -> None:
        self._data: list[bytes] = []

    def compress(self, data: bytes) -> bytes:
        self._data.append(bytes(data))
        return b""

    def flush(self) -> bytes:
        from concurrent.futures import ThreadPoolExecutor

        data = memoryview(b"".join(self._data))
        workers = os.cpu_count() or 1
        size = max(PIECE, -(-len(data) // (4 * workers)))
        pieces = [data[start:start + size] for start in range(0, len(data), size)]
        last = len(pieces) - 1

        def deflate(k: int) -> bytes:
            engine = zlib.compressobj(LARGE_PART_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
            return engine.compress(pieces[k]) + engine.flush(zlib.Z_FINISH if k == last else zlib.Z_SYNC_FLUSH)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return b"".join(pool.map(deflate, range(len(pieces))))


class _Precompressed:
    """zipfile's compressor for a part written back unchanged: its deflate stream, as read from the
    original file, instead of a new one (nothing inflated nor deflated again)."""

    def __init__(self, stream: bytes) -> None:
        self._stream = stream

    def compress(self, data: bytes) -> bytes:
        raise AssertionError("an unchanged part is not written through its compressor")

    def flush(self) -> bytes:
        return self._stream


class _Stored(NamedTuple):
    """Where a deflated part's stream lies in the file as read, and what it inflates to."""

    start: int
    size: int
    crc: int
    file_size: int


LAZY_FROM = 65_536  # bytes: a part this large is inflated when first read (a devis read for its totals keeps its sheet)
HEAD = 200_000  # bytes of a lazy part inflated at once, for the checks of its start


class PackageState(NamedTuple):
    names: list[str]  # the parts, in the archive's order
    data: dict[str, bytes]  # part -> content


class XlsxPackage:
    """Parts of an .xlsx/.xlsm file held in memory; unchanged parts are written back as they were."""

    def __init__(self, path: Path, infos: list[zipfile.ZipInfo], data: dict[str, bytes], raw: bytes,
                 stamp: tuple[int, int] | None = None, lazy: dict[str, zipfile.ZipInfo] | None = None,
                 stored: dict[str, _Stored] | None = None) -> None:
        self.path = path
        self.raw = raw  # the file as read, once: readers that want the whole file use it, not the disk
        self._stamp = stamp  # (size, mtime) when read: a save refuses to replace a file changed since
        self._infos = infos
        self._data = data
        self._lazy = lazy or {}  # large parts not inflated yet: inflated when first read
        self._as_read = dict(data)  # parts as inflated: one still the same object is written back as it was
        self._stored = stored or {}  # each deflated part's stream in ``raw``: an unchanged part is written back as it
        self._removed: set[str] = set()
        self._sheet_parts: dict[str, str] | None = None
        self._names: dict[str, str] | None = None
        self._tables: dict[str, TablePart] | None = None

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, for_writing: bool = True, name: str | None = None) -> XlsxPackage:
        """``for_writing``: refuse at once a file a spreadsheet holds open (a check only reads it).
        ``name``: how messages name the file (its path in a batch folder)."""
        path = Path(path)
        where = Location(book=name or path.name)
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise WorkbookError(where, f"« {path.name} » n'est pas un classeur .xlsx ou .xlsm",
                                "Enregistrez le fichier au format Classeur Excel (.xlsx) puis relancez.")
        st = regular_file_stat(path, where)
        if for_writing:
            check_not_open(path, where)
        if st.st_size > MAX_FILE:
            raise WorkbookError(where, f"le fichier est anormalement gros ({st.st_size // 1_000_000} Mo)",
                                "Un devis tient en quelques Mo : vérifiez qu'il s'agit du bon fichier.")
        try:
            raw = path.read_bytes()
            current = ""  # the part being inflated: a damaged one is named
            if raw.startswith(CFB_MAGIC):
                raise WorkbookError(where, *_cfb_problem(raw))
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                infos = zf.infolist()
                if len(infos) > MAX_PARTS:
                    raise WorkbookError(where, "le fichier contient un nombre anormal d'éléments",
                                        "Ce n'est pas un classeur ordinaire : vérifiez sa provenance.")
                if len({i.filename for i in infos}) != len(infos):
                    raise WorkbookError(where, "l'archive contient deux fois le même élément",
                                        "Ce n'est pas un classeur produit par un tableur : vérifiez sa provenance.")
                total = 0
                data: dict[str, bytes] = {}
                lazy: dict[str, zipfile.ZipInfo] = {}
                stored = {i.filename: s for i in infos if (s := _stored_stream(raw, i)) is not None}
                for info in infos:
                    current = info.filename
                    total += info.file_size
                    if total > MAX_UNCOMPRESSED or (
                        info.compress_size and info.file_size / info.compress_size > MAX_RATIO
                        and info.file_size > 10_000_000
                    ):
                        raise _bomb(where)
                    if info.file_size >= LAZY_FROM and info.filename in stored:
                        lazy[info.filename] = info
                        with zf.open(info) as member:
                            part = member.read(HEAD)  # its start, for the checks below; the rest when read
                    else:
                        part = _inflate(zf, info, where)
                        data[info.filename] = part
                    if info.filename.endswith((".xml", ".rels")) and part[:2] in (b"\xff\xfe", b"\xfe\xff"):
                        raise WorkbookError(where, f"une partie du classeur est en UTF-16 ({info.filename}), ce "
                                                   "qu'aucun tableur n'écrit",
                                            "Ouvrez le fichier dans Excel ou LibreOffice et enregistrez-le au "
                                            "format .xlsx, puis relancez.")
                    if info.filename.endswith((".xml", ".rels", ".vml")) and _doctype(part):
                        raise WorkbookError(where, "le fichier contient des déclarations XML interdites dans un "
                                                   "classeur Excel",
                                            "Le fichier n'a pas été produit par Excel : ne l'ouvrez pas, demandez-en "
                                            "une copie saine.")
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
            # a damaged stream, an unsupported compression, an entry flagged as encrypted
            if current:
                raise _damaged(where, current) from exc
            raise WorkbookError(where, "le fichier n'est pas un classeur Excel valide (archive illisible ou corrompue)",
                                "Ouvrez-le dans Excel et enregistrez-le au format .xlsx, "
                                "ou repartez de la dernière sauvegarde.") from exc
        except OSError as exc:
            raise WorkbookError(where, f"lecture impossible : {exc.strerror or exc}",
                                "Vérifiez les droits d'accès au fichier.") from exc
        if "xl/workbook.xml" in lazy:
            data["xl/workbook.xml"] = _inflate_from(raw, lazy.pop("xl/workbook.xml"), where)
        if b"purl.oclc.org/ooxml/spreadsheetml" in data.get("xl/workbook.xml", b"")[:2000]:
            raise WorkbookError(where, "le classeur est au format « Open XML strict », que xlprod ne lit pas",
                                "Dans Excel : Fichier > Enregistrer sous > type « Classeur Excel (*.xlsx) », "
                                "puis relancez.")
        if "xl/workbook.xml" not in data:
            raise WorkbookError(where, "l'archive ne contient pas de classeur Excel (xl/workbook.xml absent)",
                                "Le fichier n'est pas un classeur .xlsx : vérifiez son format.")
        return cls(path, infos, data, raw, (st.st_size, st.st_mtime_ns), lazy, stored)

    display_name: str | None = None  # the file name messages show, when ``path`` is a temporary copy

    @property
    def book_name(self) -> str:
        return self.display_name or self.path.name

    # -- parts -----------------------------------------------------------------------------
    def read(self, part: str) -> bytes:
        if part in self._lazy:
            data = _inflate_from(self.raw, self._lazy[part], Location(book=self.book_name))
            del self._lazy[part]
            self._data[part] = self._as_read[part] = data
        return self._data[part]

    def read_text(self, part: str) -> str:
        return self.read(part).decode("utf-8")

    def verify(self, part: str) -> None:
        """Check a part still deflated (its CRC, its size) before another reader takes it from the
        file as read: calamine does not check, and would read a damaged part's garbage as figures.
        The part is read for it (and kept: the recalculation that follows usually writes it)."""
        if part in self._lazy:
            self.read(part)

    def verify_all(self) -> None:
        """Check every part not read yet (an embedded image, a part xlprod never needs): a check that
        reads only what it needs would otherwise call a damaged file sound, and its next save refuse it.
        The archive is opened once, and what is inflated is not kept: a check saves nothing."""
        if not self._lazy:
            return
        where = Location(book=self.book_name)
        name = ""
        try:
            with zipfile.ZipFile(io.BytesIO(self.raw)) as zf:
                for name in list(self._lazy):
                    _inflate(zf, zf.getinfo(name), where)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError) as exc:
            raise _damaged(where, name) from exc

    def unread(self) -> list[str]:
        """The parts still deflated, not read yet."""
        return list(self._lazy)

    def _holds(self, part: str) -> bool:
        """Whether the archive has ``part`` (read or not yet), removed or not."""
        return part in self._data or part in self._lazy

    def write(self, part: str, data: bytes) -> None:
        self._lazy.pop(part, None)  # replaced before it was ever read
        self._data[part] = data

    def write_text(self, part: str, text: str) -> None:
        self.write(part, text.encode("utf-8"))

    def has(self, part: str) -> bool:
        return self._holds(part) and part not in self._removed

    def _xml(self, part: str) -> ET.Element:
        return _parse_xml(self.read(part), Location(book=self.book_name))

    def _rels(self, part: str) -> dict[str, str]:
        """Relationship id -> absolute target part for ``part``."""
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        if not self._holds(rels_part):
            return {}
        out = {}
        for rel in self._xml(rels_part).findall(f"{{{NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id", "")] = path
        return out

    # -- workbook structure ----------------------------------------------------------------
    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> part path, in workbook order."""
        if self._sheet_parts is None:
            root = self._xml("xl/workbook.xml")
            rels = self._rels("xl/workbook.xml")
            self._sheet_parts = {}
            for sheet in root.iter(f"{{{NS_MAIN}}}sheet"):
                rid = sheet.get(f"{{{NS_REL}}}id", "")
                if rid in rels:
                    self._sheet_parts[sheet.get("name", "")] = rels[rid]
        return self._sheet_parts

    def date_styles(self) -> set[int]:
        """The indices of the cell formats that show a date."""
        found = self._cell_formats()
        if found is None:
            return set()
        _part, _text, _xfs, elements, custom = found
        return {i for i, element in enumerate(elements) if _shows_a_date(_xf_number_format(element), custom)}

    def date_variant(self, base: int | None) -> int | None:
        """The index of a cell format that shows a date and otherwise looks like format ``base``
        (its font, fill, border, alignment): ``base`` itself when it shows one, else the same with the
        built-in short date (shown in the user's own form, 31/12/2026 in French), found or added.
        None when the workbook has no cell formats to add to."""
        found = self._cell_formats()
        if found is None:
            return None
        part, text, xfs, elements, custom = found
        source = elements[base] if base is not None and 0 <= base < len(elements) else f"<{xfs.group('p') or ''}xf/>"
        if _shows_a_date(_xf_number_format(source), custom):
            return base
        head, sep, rest = source.partition(">")
        closing = head.endswith("/")
        attrs = re.sub(r'\s(?:numFmtId|applyNumberFormat)="[^"]*"', "", head.rstrip("/"))
        wanted = f'{attrs} numFmtId="14" applyNumberFormat="1"{"/" if closing else ""}{sep}{rest}'
        if wanted in elements:
            return elements.index(wanted)
        opening = re.sub(r'\bcount="\d+"', f'count="{len(elements) + 1}"', xfs.group("open"))
        self.write_text(part, text[: xfs.start()] + opening + xfs.group("body") + wanted + text[xfs.end("body"):])
        return len(elements)

    def _cell_formats(self) -> tuple[str, str, re.Match[str], list[str], dict[int, str]] | None:
        """styles.xml: its part, its text, its cellXfs, each cell format's element, the number formats."""
        part = self._styles_part()
        text = self.read_text(part) if part else ""
        xfs = _CELL_XFS.search(text)
        if part is None or xfs is None:
            return None
        return part, text, xfs, [m.group(0) for m in _XF_ELEMENT.finditer(xfs.group("body"))], _number_formats(text)

    def _styles_part(self) -> str | None:
        rels_part = "xl/_rels/workbook.xml.rels"
        if self._holds(rels_part):
            for rel in self._xml(rels_part).findall(f"{{{NS_PKG_REL}}}Relationship"):
                if rel.get("Type", "").endswith("/styles"):
                    target = rel.get("Target", "")
                    part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                    return part if self.has(part) else None
        return None

    def defined_names(self) -> dict[str, str]:
        """Workbook-scope defined names -> their formula text (``'Synthèse'!$C$6``, ``"devis"``)."""
        if self._names is None:
            self._names = _defined_names(self._xml("xl/workbook.xml"))
        return self._names

    def local_defined_names(self) -> dict[str, list[str]]:
        """Sheet-scope defined names -> the sheets they belong to (a local name shadows the
        workbook's one in that sheet's formulas)."""
        root = self._xml("xl/workbook.xml")
        sheets = [s.get("name", "") for s in root.iter(f"{{{NS_MAIN}}}sheet")]
        out: dict[str, list[str]] = {}
        for dn in root.iter(f"{{{NS_MAIN}}}definedName"):
            index = dn.get("localSheetId")
            if index is not None and index.isdigit() and int(index) < len(sheets):
                out.setdefault(dn.get("name", ""), []).append(sheets[int(index)])
        return out

    def set_defined_names(self, names: dict[str, str]) -> None:
        """Create or replace workbook-scope defined names (``{"DEVIS_TOTAL": "'Synthèse'!$C$18"}``)."""
        if not names:
            return
        text = self.read_text("xl/workbook.xml")

        setting = {n.casefold() for n in names}  # Excel's names ignore case: « treso_solde_min » is the same name

        def replaced(m: re.Match[str]) -> str:  # a workbook-scope name being set: its old element goes
            name = _NAME_ATTR.search(m.group(1))
            ours = "localSheetId" not in m.group(1) and name is not None and name.group(1).casefold() in setting
            return "" if ours else m.group(0)

        text = _DEFINED_NAME.sub(replaced, text)  # one pattern for every name: compiling one each cost more
        m = re.search(r"<(\w+:)?workbook\b", text)
        prefix = (m.group(1) or "") if m else ""
        items = "".join(f'<{prefix}definedName name="{escape_attr(n)}">{escape(v)}</{prefix}definedName>'
                        for n, v in sorted(names.items()))
        close = re.search(rf"</{re.escape(prefix)}definedNames>", text)
        empty = re.search(rf"<{re.escape(prefix)}definedNames\s*/>", text)
        if close:
            text = text[: close.start()] + items + text[close.start():]
        elif empty:
            text = text[: empty.start()] + f"<{prefix}definedNames>{items}</{prefix}definedNames>" + text[empty.end():]
        else:  # schema order: after sheets (and externalReferences), before calcPr
            after = None
            for tag in ("externalReferences", "functionGroups", "sheets"):
                after = re.search(rf"</{re.escape(prefix)}{tag}>", text)
                if after:
                    break
            if after is None:
                raise WorkbookError(Location(book=self.book_name), "classeur sans liste de feuilles (xl/workbook.xml)")
            text = text[: after.end()] + f"<{prefix}definedNames>{items}</{prefix}definedNames>" + text[after.end():]
        self.write_text("xl/workbook.xml", text)
        self._names = None

    def add_sheet(self, name: str) -> str:
        """Append an empty worksheet named ``name``; returns its part."""
        n = 1
        while self._holds(f"xl/worksheets/sheet{n}.xml"):
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        self._data[part] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS_MAIN}" '
                            f'xmlns:r="{NS_REL}"><sheetData/></worksheet>').encode()
        self._infos.append(zipfile.ZipInfo(part, date_time=(2026, 1, 1, 0, 0, 0)))
        rels_part = "xl/_rels/workbook.xml.rels"
        rels = self.read_text(rels_part)
        ids = {int(i) for i in re.findall(r'Id="rId(\d+)"', rels)}
        rid = f"rId{max(ids, default=0) + 1}"
        rel = (f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
               f'worksheet" Target="worksheets/sheet{n}.xml"/>')
        self.write_text(rels_part, rels.replace("</Relationships>", rel + "</Relationships>"))
        ct = self.read_text("[Content_Types].xml")
        override = (f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-officedocument.'
                    'spreadsheetml.worksheet+xml"/>')
        self.write_text("[Content_Types].xml", ct.replace("</Types>", override + "</Types>"))
        text = self.read_text("xl/workbook.xml")
        m = re.search(r"<(\w+:)?workbook\b", text)
        prefix = (m.group(1) or "") if m else ""
        root = re.search(r"<(?:\w+:)?workbook\b[^>]*>", text)
        # declared on the root (openpyxl declares it on each sheet element instead, out of scope here)
        rel_prefix = re.search(rf'xmlns:(\w+)="{re.escape(NS_REL)}"', root.group(0) if root else "")
        r = rel_prefix.group(1) if rel_prefix else "r"
        if rel_prefix is None:
            text = re.sub(r"<((?:\w+:)?workbook)\b", rf'<\1 xmlns:r="{NS_REL}"', text, count=1)
        sheet_id = max((int(i) for i in re.findall(r'\bsheetId="(\d+)"', text)), default=0) + 1
        entry = f'<{prefix}sheet name="{escape_attr(name)}" sheetId="{sheet_id}" {r}:id="{rid}"/>'
        text = re.sub(rf"</{re.escape(prefix)}sheets>", lambda _: entry + f"</{prefix}sheets>", text, count=1)
        self.write_text("xl/workbook.xml", text)
        self._sheet_parts = None
        return part

    def forget_tables(self) -> None:
        """After a table part was edited: read them again."""
        self._tables = None

    def tables(self) -> dict[str, TablePart]:
        if self._tables is not None:
            return self._tables
        out: dict[str, TablePart] = {}
        for sheet, part in self.sheet_parts().items():
            if not self._holds(part):
                continue
            for target in self._rels(part).values():
                if target.startswith("xl/tables/") and self._holds(target):
                    root = self._xml(target)
                    name = root.get("displayName") or root.get("name") or ""
                    headers = tuple(c.get("name", "") for c in root.iter(f"{{{NS_MAIN}}}tableColumn"))
                    totals = int(root.get("totalsRowCount", "0") or 0) if (root.get("totalsRowCount") or "").isdigit() else 0
                    header_rows = root.get("headerRowCount", "1")
                    out[name] = TablePart(name=name, sheet=sheet, part=target, ref=root.get("ref", ""),
                                          headers=headers, totals_rows=totals,
                                          header_rows=int(header_rows) if header_rows.isdigit() else 1)
        self._tables = out
        return out

    def set_full_calc_on_load(self) -> None:
        """Ask Excel to recalculate on open, so user formulas elsewhere refresh too."""
        text = self.read_text("xl/workbook.xml")
        if re.search(r"<(\w+:)?calcPr\b[^>]*fullCalcOnLoad=\"1\"", text):
            return
        m = re.search(r"<((?:\w+:)?)calcPr\b([^>]*?)(/?)>", text)
        if m:
            attrs = re.sub(r'\s*fullCalcOnLoad="[^"]*"', "", m.group(2))
            new = f"<{m.group(1)}calcPr{attrs} fullCalcOnLoad=\"1\"{m.group(3)}>"
            text = text[: m.start()] + new + text[m.end():]
        else:
            m = re.search(r"</(\w+:)?workbook>", text)
            if m is None:
                return
            prefix = m.group(1) or ""
            text = text[: m.start()] + f'<{prefix}calcPr fullCalcOnLoad="1"/>' + text[m.start():]
        self.write_text("xl/workbook.xml", text)

    def drop_calc_chain(self) -> None:
        """calcChain.xml lists formula cells; Excel rebuilds it and repairs files where it is stale."""
        if not self._holds("xl/calcChain.xml"):
            return
        self._removed.add("xl/calcChain.xml")
        rels = "xl/_rels/workbook.xml.rels"
        if self._holds(rels):
            self.write_text(rels, re.sub(r"<Relationship\b[^>]*Target=\"[^\"]*calcChain\.xml\"[^>]*/>", "",
                                         self.read_text(rels)))
        ct = "[Content_Types].xml"
        self.write_text(ct, re.sub(r"<Override\b[^>]*PartName=\"/xl/calcChain\.xml\"[^>]*/>", "", self.read_text(ct)))

    # -- saving ----------------------------------------------------------------------------
    def to_bytes(self, instead: dict[str, bytes] | None = None, state: PackageState | None = None) -> bytes:
        """The workbook as it now is (or was, in ``state``), in memory, for readers that must see what
        was written; ``instead``: parts given other contents (a reader asked about a few cells)."""
        names, data = state or self.state()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
            for name in names:
                zf.writestr(name, (instead or {}).get(name, data[name]))
        return out.getvalue()

    def state(self) -> PackageState:
        """The parts as they now are (the contents are immutable: nothing is copied)."""
        for part in list(self._lazy):
            self.read(part)
        return PackageState([i.filename for i in self._infos if i.filename not in self._removed], dict(self._data))

    def save(self, dest: str | Path | None = None) -> Path:
        """Write to a temporary file beside the target, then replace it in one step."""
        target = Path(dest) if dest else self.path
        where = Location(book=self.book_name)
        check_replaceable(target, where)
        same_file = os.path.realpath(target) == os.path.realpath(self.path)
        def guard() -> None:  # just before the file is replaced: nobody opened or saved it meanwhile
            check_not_open(target, where)
            if same_file:
                self._check_unchanged(where)

        for name in list(self._lazy):  # never read: checked before it is copied (a damaged archive is refused)
            if name not in self._removed:
                self.verify(name)
        with atomic_output(target, guard) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for info in self._infos:
                if info.filename not in self._removed:
                    if self._write_back(zf, info):
                        continue
                    data = self.read(info.filename)
                    if len(data) < PIECEWISE_FROM:
                        zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED,
                                    compresslevel=LARGE_PART_LEVEL if len(data) >= LARGE_FROM else None)
                        continue
                    info.compress_type, info.file_size = zipfile.ZIP_DEFLATED, len(data)  # as writestr sets them
                    with zf.open(info, "w") as member:
                        if hasattr(member, "_compressor"):  # zipfile's own deflater, replaced for this part
                            setattr(member, "_compressor", _PiecewiseDeflate())  # noqa: B010 - a private attribute
                        member.write(data)
        return target

    def _write_back(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
        """Write a part unchanged since it was read (and checked: ``save`` reads every part first) as
        its original deflate stream, its bytes, CRC and sizes as they were. False when it changed;
        when zipfile lacks the private attributes this relies on, it is deflated again, as any part."""
        name = info.filename
        stored = self._stored.get(name)
        if stored is None or self._data.get(name) is not self._as_read.get(name):
            return False
        out = zipfile.ZipInfo(name, info.date_time)
        out.compress_type, out.file_size = zipfile.ZIP_DEFLATED, stored.file_size
        out.external_attr, out.create_system = info.external_attr, info.create_system
        with zf.open(out, "w") as member:
            if not all(hasattr(member, a) for a in ("_compressor", "_crc", "_file_size")):
                member.write(self.read(name))
                return True
            setattr(member, "_compressor", _Precompressed(self.raw[stored.start:stored.start + stored.size]))  # noqa: B010
            setattr(member, "_crc", stored.crc)  # noqa: B010 - what close() writes in the headers
            setattr(member, "_file_size", stored.file_size)  # noqa: B010
        return True

    def _check_unchanged(self, where: Location) -> None:
        """The file must still be the one read: a user who saved it during a long recalculation keeps
        their version."""
        if self._stamp is None:
            return
        try:
            st = self.path.stat()
            if (st.st_size, st.st_mtime_ns) == self._stamp:
                return
            if st.st_size == len(self.raw) and self.path.read_bytes() == self.raw:
                return  # touched, not changed
        except OSError:
            pass
        raise WorkbookError(where, "le classeur a été modifié (ou déplacé) pendant que xlprod le traitait : votre "
                                   "version est conservée, rien n'a été enregistré",
                            "Relancez la commande (recalcul, import, version figée) sur la version enregistrée.")
