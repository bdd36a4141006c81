"""Reads and rewrites a VBA project (``xl/vbaProject.bin``), so that xlprod can build its add-in
and macro workbook from the BSD-licensed quickstart files of xlwings with its own project name
and module sources.

No maintained library writes a Compound File with resized streams, so this module implements
the three small formats involved:

* MS-OVBA 2.4.1 compression, used by the ``dir`` stream and by the module sources;
* MS-OVBA 2.3.4.2 ``dir`` stream records, walked by Id and Size so that every record we do not
  change is written back byte for byte;
* a minimal MS-CFB version 3 writer (512-byte sectors, no DIFAT sector). The file is read with
  ``olefile``.

The output carries no performance cache: ``_VBA_PROJECT`` is the 7-byte header with version
0xFFFF, module streams hold the compressed source only and every MODULEOFFSET is 0. Office then
compiles the project from source, which is what makes changing the source safe.
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import itertools
import re
import struct
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import olefile

__all__ = [
    "VbaModule",
    "VbaProject",
    "compress",
    "decompress",
    "read_vba_project",
    "replace_code",
    "rewrite_vba_project",
]


@dataclass(frozen=True)
class VbaModule:
    """A module of the project: its name, the stream holding it and its source text.

    Office ends source lines with CRLF; the ``xlwings`` module of the quickstart files has LF.
    """

    name: str
    stream: str
    source: str


@dataclass(frozen=True)
class VbaProject:
    """The project name and the modules by name, in the order of the ``dir`` stream."""

    name: str
    modules: dict[str, VbaModule]


def read_vba_project(data: bytes) -> VbaProject:
    """Reads the project name and the module sources of a ``vbaProject.bin``."""
    project = _Project.parse(data)
    return VbaProject(project.name, {module.name: project.module(module) for module in project.modules})


def replace_code(module: VbaModule, code: str) -> str:
    """Keeps the ``Attribute`` header of ``module`` and replaces the code after it.

    VBA takes the module name and class properties from those lines, so a new source must keep
    them. Lines of the result end with CRLF, as Office writes them.
    """
    header = []
    for line in _lines(module.source):
        if not line.startswith("Attribute "):
            break
        header.append(line)
    return "".join(line + "\r\n" for line in [*header, *_lines(code)])


def rewrite_vba_project(
    data: bytes, *, project_name: str | None = None, sources: Mapping[str, str] = {}
) -> bytes:
    """Returns ``data`` with the project renamed and the given module sources (name -> full
    source text, ``Attribute`` header included) replaced; everything else is kept.

    Raises ``ValueError`` for an unknown module, a source that does not start with its
    ``Attribute VB_Name`` line or that the project code page cannot encode, and for a project
    name that is not a valid VBA identifier or that clashes with a module or reference name.
    """
    project = _Project.parse(data)
    if project_name is not None:
        project.check_name(project_name)
    names = [module.name for module in project.modules]
    for name, source in sources.items():
        if name not in names:
            raise ValueError(f"unknown VBA module {name!r}; the project has {names}")
        _check_source(name, source)
    streams = {
        path: content
        for path, content in project.streams.items()
        if not (path[:-1] == (VBA_STORAGE,) and SRP_STREAM.fullmatch(path[-1]))  # performance caches
    }
    for module in project.modules:
        path = (VBA_STORAGE, module.stream)
        if module.name in sources:
            streams[path] = compress(_encode(sources[module.name], project.encoding, f"module {module.name}"))
        else:
            streams[path] = streams[path][module.offset :]
    streams[DIR_PATH] = compress(project.dir_bytes(project_name))
    streams[VBA_PROJECT_PATH] = project.vba_project_header()
    if project_name is not None:
        streams[PROJECT_PATH] = _rename_in_project_stream(streams[PROJECT_PATH], project_name, project.encoding)
    return _write_cfb(_with_streams(project.root, streams))


# --- MS-OVBA 2.4.1: compression -------------------------------------------------------------

CONTAINER_SIGNATURE = 0x01
CHUNK_SIGNATURE = 0b011
CHUNK_FLAG_COMPRESSED = 0x8000
DECOMPRESSED_CHUNK_SIZE = 4096
RAW_CHUNK_SIZE_FIELD = 4095  # CompressedChunkSize of a raw chunk: 4098 bytes - 3
MIN_COPY_LENGTH = 3


def compress(data: bytes) -> bytes:
    """MS-OVBA CompressedContainer of ``data`` (2.4.1.3.6).

    As the spec prescribes, a chunk whose tokens would not fit in 4096 bytes is stored raw, and a
    raw chunk always holds 4096 bytes: a final chunk that cannot be compressed (never the case
    for source text) is padded with zeros.
    """
    out = bytearray([CONTAINER_SIGNATURE])
    for start in range(0, len(data), DECOMPRESSED_CHUNK_SIZE):
        out += _compress_chunk(data, start, min(start + DECOMPRESSED_CHUNK_SIZE, len(data)))
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """Decompressed bytes of an MS-OVBA CompressedContainer (2.4.1.3.1)."""
    if not container or container[0] != CONTAINER_SIGNATURE:
        raise ValueError("not an MS-OVBA compressed container: bad signature byte")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise ValueError("truncated MS-OVBA chunk header")
        (header,) = struct.unpack_from("<H", container, pos)
        if (header >> 12) & 0b111 != CHUNK_SIGNATURE:
            raise ValueError(f"bad MS-OVBA chunk signature at byte {pos}")
        chunk_end = min(pos + (header & 0x0FFF) + 3, len(container))
        if header & CHUNK_FLAG_COMPRESSED:
            _decompress_tokens(container, pos + 2, chunk_end, out)
        else:
            out += container[pos + 2 : pos + 2 + DECOMPRESSED_CHUNK_SIZE]
        pos = chunk_end
    return bytes(out)


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    tokens = _compress_tokens(data, start, end)
    if len(tokens) > DECOMPRESSED_CHUNK_SIZE:
        raw = data[start:end].ljust(DECOMPRESSED_CHUNK_SIZE, b"\0")
        return struct.pack("<H", RAW_CHUNK_SIZE_FIELD | CHUNK_SIGNATURE << 12) + raw
    size_field = len(tokens) + 2 - 3
    return struct.pack("<H", size_field | CHUNK_SIGNATURE << 12 | CHUNK_FLAG_COMPRESSED) + tokens


def _compress_tokens(data: bytes, start: int, end: int) -> bytearray:
    """The TokenSequences of one chunk: a flag byte, then 8 literal bytes or copy tokens."""
    out = bytearray()
    pos = start
    while pos < end:
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if pos >= end:
                break
            length, offset = _longest_match(data, start, pos, end)
            if length:
                bit_count = _copy_token_bit_count(pos - start)
                out += struct.pack("<H", (offset - 1) << (16 - bit_count) | (length - MIN_COPY_LENGTH))
                out[flag_at] |= 1 << bit
                pos += length
            else:
                out.append(data[pos])
                pos += 1
    return out


def _longest_match(data: bytes, chunk_start: int, pos: int, chunk_end: int) -> tuple[int, int]:
    """(length, offset) of the longest, then nearest, earlier copy within the chunk of the bytes
    at ``pos`` (2.4.1.3.19.4); (0, 0) when shorter than 3 bytes. A copy may overlap ``pos``."""

    def nearest(length: int) -> int:
        return data.rfind(data[pos : pos + length], chunk_start, pos + length - 1)

    max_length = min(_copy_token_max_length(pos - chunk_start), chunk_end - pos)
    if max_length < MIN_COPY_LENGTH or nearest(MIN_COPY_LENGTH) < 0:
        return 0, 0
    found, missing = MIN_COPY_LENGTH, max_length + 1  # a copy of `found` bytes exists, of `missing` not
    while found * 2 < missing and nearest(found * 2) >= 0:
        found *= 2
    missing = min(missing, found * 2)
    while missing - found > 1:
        middle = (found + missing) // 2
        if nearest(middle) >= 0:
            found = middle
        else:
            missing = middle
    return found, pos - nearest(found)


def _decompress_tokens(container: bytes, pos: int, end: int, out: bytearray) -> None:
    chunk_start = len(out)
    while pos < end:
        flags = container[pos]
        pos += 1
        for bit in range(8):
            if pos >= end:
                break
            if not flags >> bit & 1:
                out.append(container[pos])
                pos += 1
                continue
            if pos + 2 > end:
                raise ValueError("truncated MS-OVBA copy token")
            (token,) = struct.unpack_from("<H", container, pos)
            pos += 2
            bit_count = _copy_token_bit_count(len(out) - chunk_start)
            length = (token & (0xFFFF >> bit_count)) + MIN_COPY_LENGTH
            offset = (token >> (16 - bit_count)) + 1
            if offset > len(out) - chunk_start:
                raise ValueError("MS-OVBA copy token points before its chunk")
            copied = out[len(out) - offset :]
            out += (copied * (length // offset + 1))[:length]


def _copy_token_bit_count(difference: int) -> int:
    """Bits of a CopyToken's offset at ``difference`` bytes into the chunk (2.4.1.3.19.1)."""
    return max((difference - 1).bit_length(), 4)


def _copy_token_max_length(difference: int) -> int:
    return (0xFFFF >> _copy_token_bit_count(difference)) + MIN_COPY_LENGTH


# --- MS-OVBA 2.3.4.2: dir stream -------------------------------------------------------------

PROJECTCODEPAGE = 0x0003
PROJECTNAME = 0x0004
PROJECTVERSION = 0x0009
PROJECTVERSION_DATA_SIZE = 6  # its Reserved "size" field says 4 but VersionMajor + VersionMinor take 6
REFERENCENAME = 0x0016
MODULENAME = 0x0019
MODULESTREAMNAME_UNICODE = 0x0032  # the Reserved field of MODULESTREAMNAME, then the unicode name
MODULEOFFSET = 0x0031
MODULE_TERMINATOR = 0x002B
DIR_TERMINATOR = 0x0010
PROJECT_NAME_MAX = 128  # SizeOfProjectName, and ProjectIdentifier = 1*128QUOTEDCHAR

VBA_PROJECT_RESERVED1 = 0x61CC
VBA_PROJECT_VERSION_INTEROPERABLE = 0xFFFF  # Office ignores every performance cache
VBA_PROJECT_HEADER_SIZE = 7


@dataclass(frozen=True)
class _Record:
    """A dir stream record. ``size`` is its Size field as read (PROJECTVERSION lies about it)."""

    id: int
    size: int
    data: bytes

    def to_bytes(self) -> bytes:
        return struct.pack("<HI", self.id, self.size) + self.data


@dataclass(frozen=True)
class _ModuleInfo:
    name: str
    stream: str
    offset: int


def _parse_records(data: bytes) -> list[_Record]:
    records = []
    pos = 0
    while pos < len(data):
        if pos + 6 > len(data):
            raise ValueError("truncated dir stream record")
        record_id, size = struct.unpack_from("<HI", data, pos)
        length = PROJECTVERSION_DATA_SIZE if record_id == PROJECTVERSION else size
        if pos + 6 + length > len(data):
            raise ValueError(f"dir stream record 0x{record_id:04X} overruns the stream")
        records.append(_Record(record_id, size, data[pos + 6 : pos + 6 + length]))
        pos += 6 + length
    if not records or records[-1].id != DIR_TERMINATOR:
        raise ValueError("dir stream does not end with its terminator record")
    return records


def _modules(records: list[_Record], encoding: str) -> Iterator[_ModuleInfo]:
    """The modules of PROJECTMODULES: records from MODULENAME to the module terminator."""
    fields: dict[int, bytes] = {}
    for record in records:
        if record.id == MODULENAME:
            fields = {}
        fields[record.id] = record.data
        if record.id == MODULE_TERMINATOR:
            missing = {MODULENAME, MODULESTREAMNAME_UNICODE, MODULEOFFSET} - fields.keys()
            if missing:
                raise ValueError(f"dir stream module without record(s) {sorted(missing)}")
            yield _ModuleInfo(
                name=fields[MODULENAME].decode(encoding),
                stream=fields[MODULESTREAMNAME_UNICODE].decode("utf-16-le"),
                offset=struct.unpack("<I", fields[MODULEOFFSET])[0],
            )


def _record_data(records: list[_Record], record_id: int) -> bytes:
    for record in records:
        if record.id == record_id:
            return record.data
    raise ValueError(f"dir stream has no record 0x{record_id:04X}")


# --- The project as a whole -----------------------------------------------------------------

VALID_PROJECT_NAME = re.compile(rf"[A-Za-z][A-Za-z0-9_]{{0,{PROJECT_NAME_MAX - 1}}}")
PROJECT_NAME_LINE = re.compile(rb'^Name="[^"\r\n]*"(?=\r\n)', re.MULTILINE)
SRP_STREAM = re.compile(r"__SRP_\d+")
VBA_STORAGE = "VBA"
PROJECT_PATH = ("PROJECT",)
DIR_PATH = (VBA_STORAGE, "dir")
VBA_PROJECT_PATH = (VBA_STORAGE, "_VBA_PROJECT")


@dataclass
class _Node:
    """A storage (``data`` is None) or a stream of a compound file, with its directory fields."""

    name: str
    data: bytes | None = None
    clsid: bytes = bytes(16)
    state_bits: int = 0
    created: int = 0
    modified: int = 0
    children: list[_Node] = field(default_factory=list)


@dataclass
class _Project:
    """A parsed ``vbaProject.bin``: its compound file tree, its streams and ``dir`` records."""

    root: _Node
    streams: dict[tuple[str, ...], bytes]  # path -> data, for every stream
    records: list[_Record]
    encoding: str
    name: str
    modules: list[_ModuleInfo]

    @classmethod
    def parse(cls, data: bytes) -> _Project:
        root = _read_cfb(data)
        streams = dict(_stream_paths(root, ()))
        for path in (PROJECT_PATH, DIR_PATH, VBA_PROJECT_PATH):
            if path not in streams:
                raise ValueError(f"not a VBA project: no {'/'.join(path)} stream")
        records = _parse_records(decompress(streams[DIR_PATH]))
        (code_page,) = struct.unpack("<H", _record_data(records, PROJECTCODEPAGE))
        encoding = _encoding(code_page)
        modules = list(_modules(records, encoding))
        for module in modules:
            if (VBA_STORAGE, module.stream) not in streams:
                raise ValueError(f"VBA module {module.name!r} has no stream {module.stream!r}")
        name = _record_data(records, PROJECTNAME).decode(encoding)
        return cls(root, streams, records, encoding, name, modules)

    def module(self, info: _ModuleInfo) -> VbaModule:
        source = decompress(self.streams[(VBA_STORAGE, info.stream)][info.offset :])
        return VbaModule(info.name, info.stream, source.decode(self.encoding))

    def check_name(self, name: str) -> None:
        if not VALID_PROJECT_NAME.fullmatch(name):
            raise ValueError(
                f"invalid VBA project name {name!r}: it must start with an ASCII letter, hold only "
                f"letters, digits and underscores, and have at most {PROJECT_NAME_MAX} characters"
            )
        taken = [m.name for m in self.modules]
        taken += [r.data.decode(self.encoding) for r in self.records if r.id == REFERENCENAME]
        if name.upper() in {other.upper() for other in taken}:
            raise ValueError(f"VBA project name {name!r} clashes with a module or reference of the same name")

    def dir_bytes(self, project_name: str | None) -> bytes:
        """The decompressed dir stream, with the new project name and every MODULEOFFSET 0."""
        out = bytearray()
        for record in self.records:
            if record.id == PROJECTNAME and project_name is not None:
                encoded = project_name.encode(self.encoding)
                record = _Record(PROJECTNAME, len(encoded), encoded)
            elif record.id == MODULEOFFSET:
                record = _Record(MODULEOFFSET, 4, struct.pack("<I", 0))
            out += record.to_bytes()
        return bytes(out)

    def vba_project_header(self) -> bytes:
        """The _VBA_PROJECT stream without PerformanceCache and with the interoperable version
        (2.3.4.1); Reserved3, undefined, is kept from the source."""
        reserved3 = self.streams[VBA_PROJECT_PATH][5:VBA_PROJECT_HEADER_SIZE].ljust(2, b"\0")
        return struct.pack("<HHB", VBA_PROJECT_RESERVED1, VBA_PROJECT_VERSION_INTEROPERABLE, 0) + reserved3


def _encoding(code_page: int) -> str:
    try:
        return codecs.lookup(f"cp{code_page}").name
    except LookupError as exc:
        raise ValueError(f"VBA project code page {code_page} is not supported") from exc


def _check_source(name: str, source: str) -> None:
    first_line = next(iter(_lines(source)), "")
    if first_line != f'Attribute VB_Name = "{name}"':
        raise ValueError(
            f'the new source of VBA module {name!r} must start with its line Attribute VB_Name = "{name}" '
            "(use replace_code to keep the original Attribute lines)"
        )


def _lines(text: str) -> list[str]:
    """The lines of ``text`` split at CRLF, CR or LF only (``str.splitlines`` also splits at form
    feeds and other characters that VBA strings may hold)."""
    lines = re.split(r"\r\n|\r|\n", text)
    return lines[:-1] if lines[-1] == "" else lines


def _encode(text: str, encoding: str, what: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{what}: {text[exc.start : exc.end]!r} cannot be written in the project code page ({encoding})"
        ) from exc


def _rename_in_project_stream(text: bytes, name: str, encoding: str) -> bytes:
    """The PROJECT stream (2.3.1) with its ``Name="..."`` line changed, every other byte kept."""
    if len(PROJECT_NAME_LINE.findall(text)) != 1:
        raise ValueError('the PROJECT stream does not have exactly one Name="..." line')
    return PROJECT_NAME_LINE.sub(b'Name="' + _encode(name, encoding, "project name") + b'"', text)


def _stream_paths(node: _Node, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], bytes]]:
    for child in node.children:
        if child.data is None:
            yield from _stream_paths(child, (*path, child.name))
        else:
            yield (*path, child.name), child.data


def _with_streams(node: _Node, streams: Mapping[tuple[str, ...], bytes], path: tuple[str, ...] = ()) -> _Node:
    """A copy of the tree holding the data of ``streams``; a stream missing from it is left out."""
    children = []
    for child in node.children:
        child_path = (*path, child.name)
        if child.data is None:
            children.append(_with_streams(child, streams, child_path))
        elif child_path in streams:
            children.append(dataclasses.replace(child, data=streams[child_path]))
    return dataclasses.replace(node, children=children)


# --- MS-CFB: reading (olefile) and writing (version 3) --------------------------------------


def _read_cfb(data: bytes) -> _Node:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except OSError as exc:
        raise ValueError(f"not a VBA project (vbaProject.bin): {exc}") from exc
    with ole:
        return _node(ole, ole.root, [])


def _node(ole: olefile.OleFileIO, entry: olefile.OleDirectoryEntry, path: list[str]) -> _Node:
    clsid = uuid.UUID(entry.clsid).bytes_le if entry.clsid else bytes(16)
    node = _Node(entry.name, None, clsid, entry.dwUserFlags, entry.createTime, entry.modifyTime)
    if entry.entry_type == olefile.STGTY_STREAM:
        node.data = ole.openstream(path).read()
    else:
        node.children = [_node(ole, kid, [*path, kid.name]) for kid in entry.kids]
    return node


CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
CFB_MINOR_VERSION = 0x003E
CFB_MAJOR_VERSION = 3
CFB_BYTE_ORDER = 0xFFFE
SECTOR_SHIFT = 9
SECTOR_SIZE = 1 << SECTOR_SHIFT
MINI_SECTOR_SHIFT = 6
MINI_SECTOR_SIZE = 1 << MINI_SECTOR_SHIFT
MINI_STREAM_CUTOFF = 4096
HEADER_DIFAT_ENTRIES = 109
FAT_ENTRIES_PER_SECTOR = SECTOR_SIZE // 4
DIRECTORY_ENTRY_SIZE = 128
MAX_NAME_LENGTH = 31  # UTF-16 code units, without the terminating null

FATSECT = 0xFFFFFFFD
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF

STGTY_STORAGE = 0x01
STGTY_STREAM = 0x02
STGTY_ROOT = 0x05
RED = 0x00
BLACK = 0x01

HEADER_FORMAT = "<8s16sHHHHH6sIIIIIIIII109I"
DIRECTORY_ENTRY_FORMAT = "<64sHBBIII16sIQQIQ"


@dataclass(eq=False)
class _DirectoryEntry:
    node: _Node
    type: int
    data: bytes = b""
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = BLACK
    start: int = 0
    size: int = 0

    def to_bytes(self) -> bytes:
        name = self.node.name.encode("utf-16-le") + b"\0\0"
        node = self.node
        return struct.pack(
            DIRECTORY_ENTRY_FORMAT, name, len(name), self.type, self.color, self.left, self.right,
            self.child, node.clsid, node.state_bits, node.created, node.modified, self.start, self.size,
        )  # fmt: skip


UNUSED_DIRECTORY_ENTRY = struct.pack(
    DIRECTORY_ENTRY_FORMAT, b"", 0, 0, RED, NOSTREAM, NOSTREAM, NOSTREAM, bytes(16), 0, 0, 0, 0, 0
)


def _write_cfb(root: _Node) -> bytes:
    """A version 3 compound file of the tree: the FAT, then the streams of 4096 bytes or more,
    the MiniFAT, the mini stream (the smaller streams) and the directory, each contiguous."""
    entries = _directory_entries(root)
    streams = [entry for entry in entries if entry.type == STGTY_STREAM]
    large = [entry for entry in streams if len(entry.data) >= MINI_STREAM_CUTOFF]
    mini_stream, minifat = _mini_stream([entry for entry in streams if len(entry.data) < MINI_STREAM_CUTOFF])
    fat_sector_count = _fat_sector_count(
        sum(_sector_count(len(entry.data)) for entry in large)
        + _sector_count(len(minifat))
        + _sector_count(len(mini_stream))
        + _sector_count(len(entries) * DIRECTORY_ENTRY_SIZE)
    )
    fat = [FATSECT] * fat_sector_count
    body = bytearray()

    def allocate(content: bytes, padding: bytes = b"\0") -> int:
        count = _sector_count(len(content))
        if not count:
            return ENDOFCHAIN
        start = len(fat)
        fat.extend([*range(start + 1, start + count), ENDOFCHAIN])
        body.extend(content + padding * ((count * SECTOR_SIZE - len(content)) // len(padding)))
        return start

    for entry in large:
        entry.start, entry.size = allocate(entry.data), len(entry.data)
    minifat_start = allocate(minifat, struct.pack("<I", FREESECT))
    entries[0].start, entries[0].size = allocate(mini_stream), len(mini_stream)
    directory_start = allocate(b"".join(entry.to_bytes() for entry in entries), UNUSED_DIRECTORY_ENTRY)
    fat += [FREESECT] * (fat_sector_count * FAT_ENTRIES_PER_SECTOR - len(fat))
    header = struct.pack(
        HEADER_FORMAT, CFB_SIGNATURE, bytes(16), CFB_MINOR_VERSION, CFB_MAJOR_VERSION, CFB_BYTE_ORDER,
        SECTOR_SHIFT, MINI_SECTOR_SHIFT, bytes(6), 0, fat_sector_count, directory_start, 0,
        MINI_STREAM_CUTOFF, minifat_start, _sector_count(len(minifat)), ENDOFCHAIN, 0,
        *range(fat_sector_count), *[FREESECT] * (HEADER_DIFAT_ENTRIES - fat_sector_count),
    )  # fmt: skip
    return header + struct.pack(f"<{len(fat)}I", *fat) + bytes(body)


def _mini_stream(entries: list[_DirectoryEntry]) -> tuple[bytes, bytes]:
    """The mini stream and its MiniFAT for the streams under the cutoff; sets their start/size."""
    mini_stream = bytearray()
    minifat: list[int] = []
    for entry in entries:
        count = -(-len(entry.data) // MINI_SECTOR_SIZE)
        entry.start = len(minifat) if count else ENDOFCHAIN
        entry.size = len(entry.data)
        minifat.extend([*range(len(minifat) + 1, len(minifat) + count), ENDOFCHAIN][:count])
        mini_stream += entry.data.ljust(count * MINI_SECTOR_SIZE, b"\0")
    return bytes(mini_stream), struct.pack(f"<{len(minifat)}I", *minifat)


def _sector_count(size: int) -> int:
    return -(-size // SECTOR_SIZE)


def _fat_sector_count(other_sectors: int) -> int:
    """FAT sectors to map themselves and ``other_sectors``; the header lists at most 109."""
    count = -(-other_sectors // (FAT_ENTRIES_PER_SECTOR - 1))
    if count > HEADER_DIFAT_ENTRIES:
        raise ValueError(
            f"VBA project too large: {count} FAT sectors needed, this writer handles {HEADER_DIFAT_ENTRIES} "
            "(no DIFAT sector)"
        )
    return count


def _directory_entries(root: _Node) -> list[_DirectoryEntry]:
    """The directory, root first; the children of each storage form a red-black tree."""
    entries = [_DirectoryEntry(root, STGTY_ROOT)]

    def add_children(parent: _DirectoryEntry) -> None:
        children = sorted(parent.node.children, key=_cfb_name_key)
        for child, following in itertools.pairwise(children):
            if _cfb_name_key(child) == _cfb_name_key(following):
                raise ValueError(f"duplicate compound file entry name {child.name!r}")
        first = len(entries)
        for child in children:
            if len(child.name.encode("utf-16-le")) // 2 > MAX_NAME_LENGTH:
                raise ValueError(f"compound file entry name longer than {MAX_NAME_LENGTH}: {child.name!r}")
            if child.data is None:
                entries.append(_DirectoryEntry(child, STGTY_STORAGE))
            else:
                entries.append(_DirectoryEntry(child, STGTY_STREAM, child.data))
        parent.child = _red_black_tree(entries, list(range(first, len(entries))))
        for entry in entries[first:]:
            if entry.type == STGTY_STORAGE:
                add_children(entry)

    add_children(entries[0])
    return entries


def _red_black_tree(entries: list[_DirectoryEntry], ids: list[int]) -> int:
    """Links the sorted ``ids`` as a balanced tree and returns its root.

    Splitting at the middle leaves every empty leaf at the deepest level or the one above it;
    making the deepest nodes red (below the root) gives every path the same number of black
    nodes, and no red node a red child.
    """
    deepest = len(ids).bit_length() - 1

    def link(low: int, high: int, depth: int) -> int:
        if low >= high:
            return NOSTREAM
        middle = (low + high) // 2
        entry = entries[ids[middle]]
        entry.left = link(low, middle, depth + 1)
        entry.right = link(middle + 1, high, depth + 1)
        entry.color = RED if 0 < depth == deepest else BLACK
        return ids[middle]

    return link(0, len(ids), 0)


def _cfb_name_key(node: _Node) -> tuple[int, bytes]:
    """MS-CFB 2.6.4 order: shorter names first, then UTF-16 code units of the uppercased names."""
    upper = "".join(c.upper() if len(c.upper()) == 1 else c for c in node.name)
    return len(node.name.encode("utf-16-le")), upper.encode("utf-16-be")
