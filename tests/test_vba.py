"""``xlprod.workbook.vba`` against independent implementations: oletools' MS-OVBA decompressor and
``dir`` stream parser, olefile's compound file reader, olevba's macro extraction."""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from importlib import resources
from pathlib import Path

import olefile
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, VBA_Project, decompress_stream

from xlprod.workbook import vba
from xlprod.workbook.vba import read_vba_project, replace_code, rewrite_vba_project

SHIPPED = ["quickstart_addin_ribbon.xlam", "quickstart_standalone.xlsm"]
CODE_MODULE = {"quickstart_addin_ribbon.xlam": "RibbonMyAddin", "quickstart_standalone.xlsm": "Module1"}
NEW_CODE = 'Sub RunMain(control As IRibbonControl)\n    RunPython "import xlprod; xlprod.main()"\nEnd Sub\n'
PROJECT_NAME_CONST = re.compile(r'^Public Const PROJECT_NAME As String = "(myaddin|xlwings)"$', re.MULTILINE)
SPEC_HEADER = b"\xcc\x61\xff\xff\x00"  # _VBA_PROJECT Reserved1, Version 0xFFFF, Reserved2


def shipped_path(name: str) -> Path:
    return Path(str(resources.files("xlwings").joinpath(name)))


def shipped_bin(name: str) -> bytes:
    with zipfile.ZipFile(shipped_path(name)) as book:
        return book.read("xl/vbaProject.bin")


@pytest.fixture(params=SHIPPED)
def shipped(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    return request.param, shipped_bin(request.param)


# --- independent readers -------------------------------------------------------------------


def strict_ole(data: bytes) -> olefile.OleFileIO:
    """olefile raising on every defect it knows, down to the unsure ones."""
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_UNSURE)
    assert ole.parsing_issues == []
    return ole


def ole_streams(data: bytes) -> dict[str, bytes]:
    ole = strict_ole(data)
    streams = {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
    assert ole.parsing_issues == []
    return streams


def oletools_project(data: bytes) -> VBA_Project:
    """oletools' strict parse of the dir stream (relaxed=False raises on unexpected values)."""
    project = VBA_Project(strict_ole(data), "", "PROJECT", "VBA/dir", relaxed=False)
    list(project.parse_modules())
    return project


def olevba_sources(data: bytes) -> dict[str, str]:
    """Module stream -> source, as olevba extracts them from a vbaProject.bin."""
    parser = VBA_Parser("vbaProject.bin", data=data)
    try:
        return {stream: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def ole_decompress(container: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(container)))


def raw_container_size(size: int) -> int:
    """Size of a container made of raw chunks only: the bound MS-OVBA compression must meet."""
    return 1 + -(-size // 4096) * 4098


# --- compression ---------------------------------------------------------------------------


def module_sources() -> list[bytes]:
    """The real module sources of both shipped projects, decompressed by oletools."""
    sources = []
    for name in SHIPPED:
        data = shipped_bin(name)
        project = oletools_project(data)
        streams = ole_streams(data)
        sources += [ole_decompress(streams[f"VBA/{m.streamname}"][m.textoffset :]) for m in project.modules]
    return sources


SEEDED = random.Random(20261128)
XLWINGS_SOURCE = max(module_sources(), key=len)
COMPRESSIBLE_INPUTS = {
    **{f"module {i}": source for i, source in enumerate(module_sources())},
    "empty": b"",
    "one byte": b"x",
    **{f"{n} bytes of source": XLWINGS_SOURCE[:n] for n in (4095, 4096, 4097, 8192, 8193)},
    "zeros": bytes(20_000),
    "period 2": b"ab" * 10_000,
    "random, period 1000": SEEDED.randbytes(1000) * 12,
    "random, whole chunks": SEEDED.randbytes(3 * 4096),
    "random, short final chunk": SEEDED.randbytes(2 * 4096 + 3000),
    "random then repeated": (lambda block: block + block)(SEEDED.randbytes(3000)),
}


@pytest.mark.parametrize("data", COMPRESSIBLE_INPUTS.values(), ids=COMPRESSIBLE_INPUTS.keys())
def test_oletools_decompresses_what_we_compress(data):
    compressed = vba.compress(data)
    assert ole_decompress(compressed) == data
    assert vba.decompress(compressed) == data
    assert len(compressed) <= raw_container_size(len(data))


def test_source_text_compresses_well_and_incompressible_chunks_are_stored_raw():
    assert len(vba.compress(XLWINGS_SOURCE)) < len(XLWINGS_SOURCE) // 2
    random_chunk = SEEDED.randbytes(4096)
    compressed = vba.compress(random_chunk)
    assert len(compressed) == raw_container_size(4096)
    header = struct.unpack_from("<H", compressed, 1)[0]
    assert header == 0x3FFF  # raw chunk: flag 0, signature 0b011, size field 4095


def test_an_incompressible_final_chunk_is_padded_to_4096_bytes_as_the_spec_prescribes():
    data = SEEDED.randbytes(4000)  # 4000 literals and their flag bytes do not fit in 4096 bytes
    assert ole_decompress(vba.compress(data)) == data + bytes(96)


@given(st.binary(max_size=3640), st.integers(min_value=1, max_value=4))
def test_compression_round_trips_through_oletools(block, repeat):
    data = block * repeat
    decompressed = ole_decompress(vba.compress(data))
    # Only a final chunk of 3641+ bytes that cannot be compressed is stored raw, hence padded.
    padding = decompressed[len(data) :]
    assert decompressed[: len(data)] == data
    assert padding == bytes(len(padding)) and (not padding or len(decompressed) % 4096 == 0)
    assert len(vba.compress(data)) <= raw_container_size(len(data))


def test_our_decompressor_agrees_with_oletools_on_every_shipped_stream(shipped):
    _, data = shipped
    streams = ole_streams(data)
    project = oletools_project(data)
    containers = [streams["VBA/dir"]]
    containers += [streams[f"VBA/{m.streamname}"][m.textoffset :] for m in project.modules]
    for container in containers:
        assert vba.decompress(container) == ole_decompress(container)


def test_decompress_rejects_what_is_not_a_container():
    for bad in (b"", b"\x02abc", b"\x01\x00\x00"):
        with pytest.raises(ValueError):
            vba.decompress(bad)


# --- reading -------------------------------------------------------------------------------


def test_read_matches_oletools(shipped):
    _, data = shipped
    project = read_vba_project(data)
    reference = oletools_project(data)
    assert project.name == reference.projectname
    assert [(m.name, m.stream) for m in project.modules.values()] == [
        (m.name, m.streamname) for m in reference.modules
    ]
    extracted = olevba_sources(data)
    for module in project.modules.values():
        assert module.source == extracted[f"VBA/{module.stream}"]


def test_shipped_projects_hold_a_performance_cache_in_their_module_streams(shipped):
    """Why rewriting must honour MODULEOFFSET: Office's p-code precedes most module sources."""
    _, data = shipped
    assert any(m.textoffset for m in oletools_project(data).modules)


def test_replace_code_keeps_the_attribute_header_and_writes_crlf(shipped):
    name, data = shipped
    module = read_vba_project(data).modules[CODE_MODULE[name]]
    source = replace_code(module, NEW_CODE)
    assert source == f'Attribute VB_Name = "{module.name}"\r\n' + NEW_CODE.replace("\n", "\r\n")
    document = read_vba_project(data).modules["ThisWorkbook"]  # Attribute lines only
    assert replace_code(document, "Option Explicit") == document.source + "Option Explicit\r\n"


# --- rewriting -----------------------------------------------------------------------------


def test_rewriting_without_changes_keeps_every_stream_and_source(shipped):
    _, data = shipped
    out = rewrite_vba_project(data)
    before, after = ole_streams(data), ole_streams(out)
    assert sorted(after) == sorted(before)
    for path in ("PROJECT", "PROJECTwm"):
        assert after[path] == before[path]
    assert olevba_sources(out) == olevba_sources(data)
    assert read_vba_project(out) == read_vba_project(data)


def test_rewritten_project_has_no_performance_cache(shipped):
    _, data = shipped
    out = rewrite_vba_project(data)
    streams = ole_streams(out)
    assert streams["VBA/_VBA_PROJECT"] == SPEC_HEADER + ole_streams(data)["VBA/_VBA_PROJECT"][5:7]
    assert not [path for path in streams if "__SRP_" in path]
    assert [m.textoffset for m in oletools_project(out).modules] == [0] * len(oletools_project(out).modules)
    original = ole_streams(data)
    for module in oletools_project(data).modules:  # each module stream is its compressed source only
        stream = f"VBA/{module.streamname}"
        assert ole_decompress(streams[stream]) == ole_decompress(original[stream][module.textoffset :])


def test_dir_stream_records_other_than_the_changed_ones_are_kept_byte_for_byte(shipped):
    _, data = shipped
    original = ole_decompress(ole_streams(data)["VBA/dir"])
    renamed = ole_decompress(ole_streams(rewrite_vba_project(data, project_name="xlprod"))["VBA/dir"])
    old_name = oletools_project(data).projectname.encode()

    def normalised(dir_stream: bytes, name: bytes) -> bytes:
        # PROJECTNAME record -> a placeholder; MODULEOFFSET record (Id 0x0031, Size 4) -> offset 0
        dir_stream = dir_stream.replace(struct.pack("<HI", 4, len(name)) + name, b"<PROJECTNAME>", 1)
        return re.sub(rb"\x31\x00\x04\x00\x00\x00....", b"\x31\x00\x04\x00\x00\x00\x00\x00\x00\x00", dir_stream,
                      flags=re.DOTALL)

    assert normalised(renamed, b"xlprod") == normalised(original, old_name)


def test_rename_and_new_sources(shipped):
    name, data = shipped
    project = read_vba_project(data)
    code_module = CODE_MODULE[name]
    xlwings_source = project.modules["xlwings"].source
    new_const = 'Public Const PROJECT_NAME As String = "xlprod"'
    xlwings_new, count = PROJECT_NAME_CONST.subn(new_const, xlwings_source)
    assert count == 1
    sources = {
        "xlwings": xlwings_new,
        code_module: replace_code(project.modules[code_module], NEW_CODE),
    }
    out = rewrite_vba_project(data, project_name="xlprod", sources=sources)

    extracted = olevba_sources(out)
    for module, source in sources.items():
        assert extracted[f"VBA/{module}"] == source
    before, after = ole_streams(data), ole_streams(out)
    reference = oletools_project(data)
    for module in reference.modules:
        if module.name not in sources:
            stream = f"VBA/{module.streamname}"
            assert ole_decompress(after[stream]) == ole_decompress(before[stream][module.textoffset :])
    assert re.findall(rb'^Name="[^"]*"\r$', after["PROJECT"], re.MULTILINE) == [b'Name="xlprod"\r']
    assert after["PROJECT"] == re.sub(rb'Name="[^"]*"', b'Name="xlprod"', before["PROJECT"], count=1)
    assert after["PROJECTwm"] == before["PROJECTwm"]
    renamed = oletools_project(out)
    assert renamed.projectname == "xlprod"
    assert [m.textoffset for m in renamed.modules] == [0] * len(renamed.modules)
    assert after["VBA/_VBA_PROJECT"][:5] == SPEC_HEADER and len(after["VBA/_VBA_PROJECT"]) == 7


def test_rewritten_workbook_is_read_by_olevba(tmp_path):
    data = shipped_bin("quickstart_addin_ribbon.xlam")
    out = rewrite_vba_project(data, project_name="xlprod")
    book = tmp_path / "xlprod.xlam"
    with zipfile.ZipFile(shipped_path("quickstart_addin_ribbon.xlam")) as src, zipfile.ZipFile(book, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, out if info.filename == "xl/vbaProject.bin" else src.read(info))
    parser = VBA_Parser(str(book))
    try:
        extracted = {stream: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    assert extracted == olevba_sources(data)


def test_a_large_module_uses_regular_sectors_and_several_fat_sectors(shipped):
    name, data = shipped
    module = read_vba_project(data).modules[CODE_MODULE[name]]
    rng = random.Random(7)
    lines = [f'    Debug.Print "{rng.getrandbits(64):016x}", {rng.random()!r}' for _ in range(7000)]
    code = "Sub Big()\n" + "\n".join(lines) + "\nEnd Sub\n"
    source = replace_code(module, code)
    assert len(source) > 300_000
    out = rewrite_vba_project(data, sources={module.name: source})
    ole = strict_ole(out)
    assert ole.get_size(f"VBA/{module.stream}") >= 4096  # not in the mini stream
    assert ole.num_fat_sectors > 1
    assert olevba_sources(out)[f"VBA/{module.stream}"] == source


def test_directory_trees_are_red_black_trees_in_cfb_order(shipped):
    _, data = shipped
    ole = strict_ole(rewrite_vba_project(data))
    entries = ole.direntries

    def key(entry: olefile.OleDirectoryEntry) -> tuple[int, str]:
        return len(entry.name), entry.name.upper()

    def check(sid: int, low, high) -> int:
        """Black height of the subtree, checking order and colours on the way."""
        if sid == olefile.NOSTREAM:
            return 1
        entry = entries[sid]
        assert (low is None or key(low) < key(entry)) and (high is None or key(entry) < key(high))
        for child in (entry.sid_left, entry.sid_right):
            if entry.color == 0 and child != olefile.NOSTREAM:
                assert entries[child].color == 1, "a red node has a red child"
        left = check(entry.sid_left, low, entry)
        assert left == check(entry.sid_right, entry, high), "black heights differ"
        if entry.sid_child != olefile.NOSTREAM:
            assert entries[entry.sid_child].color == 1, "tree root must be black"
            check(entry.sid_child, None, None)
        return left + entry.color

    check(0, None, None)


def test_red_black_trees_of_every_size_are_valid():
    for count in range(1, 40):
        root = vba._Node("Root Entry", children=[vba._Node(f"s{i:03}", data=b"x") for i in range(count)])
        ole = strict_ole(vba._write_cfb(root))
        assert sorted(ole.listdir()) == [[f"s{i:03}"] for i in range(count)]
        colours = {}

        def black_heights(sid: int) -> set[int]:
            if sid == olefile.NOSTREAM:
                return {0}
            entry = ole.direntries[sid]
            colours[sid] = entry.color
            heights = black_heights(entry.sid_left) | black_heights(entry.sid_right)
            return {h + entry.color for h in heights}

        assert len(black_heights(ole.direntries[0].sid_child)) == 1
        assert colours[ole.direntries[0].sid_child] == 1


def test_more_than_109_fat_sectors_are_refused():
    big = 109 * 127 * 512  # the most one header's DIFAT can map, with the directory's sector
    fits = vba._Node("Root Entry", children=[vba._Node("big", data=bytes(big - 512))])
    assert strict_ole(vba._write_cfb(fits)).get_size("big") == big - 512
    too_big = vba._Node("Root Entry", children=[vba._Node("big", data=bytes(big + 1))])
    with pytest.raises(ValueError, match="FAT sectors"):
        vba._write_cfb(too_big)


# --- bad input -----------------------------------------------------------------------------


def test_unknown_module_is_refused(shipped):
    _, data = shipped
    with pytest.raises(ValueError, match="unknown VBA module 'Nope'"):
        rewrite_vba_project(data, sources={"Nope": 'Attribute VB_Name = "Nope"\r\n'})


@pytest.mark.parametrize("name", ["", "1abc", "my addin", "my-addin", "é", "a" * 129, "_x"])
def test_invalid_project_name_is_refused(shipped, name):
    _, data = shipped
    with pytest.raises(ValueError, match="invalid VBA project name"):
        rewrite_vba_project(data, project_name=name)


@pytest.mark.parametrize("name", ["xlwings", "DICTIONARY", "Office", "MSForms"])
def test_project_name_clashing_with_a_module_or_reference_is_refused(shipped, name):
    _, data = shipped
    with pytest.raises(ValueError, match="clashes"):
        rewrite_vba_project(data, project_name=name)


def test_longest_project_name_is_accepted(shipped):
    _, data = shipped
    assert oletools_project(rewrite_vba_project(data, project_name="a" * 128)).projectname == "a" * 128


def test_source_without_its_vb_name_line_is_refused(shipped):
    name, data = shipped
    with pytest.raises(ValueError, match="Attribute VB_Name"):
        rewrite_vba_project(data, sources={CODE_MODULE[name]: NEW_CODE})


def test_source_outside_the_code_page_is_refused(shipped):
    name, data = shipped
    module = read_vba_project(data).modules[CODE_MODULE[name]]
    assert rewrite_vba_project(data, sources={module.name: replace_code(module, "' 10 €, déjà")})
    with pytest.raises(ValueError, match="code page"):
        rewrite_vba_project(data, sources={module.name: replace_code(module, "' ✓ 中")})


def test_not_a_vba_project_is_refused():
    with pytest.raises(ValueError, match="not a VBA project"):
        read_vba_project(b"PK\x03\x04" + bytes(2000))
    empty_cfb = vba._write_cfb(vba._Node("Root Entry"))
    with pytest.raises(ValueError, match="not a VBA project"):
        read_vba_project(empty_cfb)
