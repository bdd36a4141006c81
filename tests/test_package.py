"""The workbook package: a large part is inflated only when read (and checked before a save copies
it unread), and a part left as it was read is written back as its original deflate stream, byte for
byte."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest

from tests.conftest import make_devis
from xlprod.workbook import package as P
from xlprod.workbook.errors import WorkbookError
from xlprod.workbook.package import XlsxPackage

LINES = [{"account": f"24{i % 9}", "label": f"Poste {i}", "quantity": 2, "number": 1, "unit_rate": 1000 + i,
          "category": "cadre"} for i in range(400)]
SHEET = "xl/worksheets/sheet1.xml"  # the Devis sheet: well above LAZY_FROM with 400 lines


def _stream(path: Path, name: str) -> bytes:
    """A member's deflate stream as the archive holds it."""
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    found = P._stored_stream(raw, info)
    assert found is not None
    return raw[found.start:found.start + found.size]


@pytest.fixture(scope="module")
def devis(tmp_path_factory) -> Path:
    return make_devis(tmp_path_factory.mktemp("pkg") / "devis.xlsx", LINES)


def test_a_large_part_never_read_stays_deflated_and_is_written_back_byte_for_byte(devis, tmp_path):
    with zipfile.ZipFile(devis) as zf:
        assert zf.getinfo(SHEET).file_size >= P.LAZY_FROM
    package = XlsxPackage.open(devis)
    assert SHEET in package._lazy and SHEET not in package._data
    out = package.save(tmp_path / "copy.xlsx")
    assert _stream(out, SHEET) == _stream(devis, SHEET)
    with zipfile.ZipFile(out) as a, zipfile.ZipFile(devis) as b:
        assert a.testzip() is None
        assert a.getinfo(SHEET).CRC == b.getinfo(SHEET).CRC and a.read(SHEET) == b.read(SHEET)
        assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]


def test_a_part_read_and_left_as_it_was_is_written_back_as_it_was_and_a_changed_one_anew(devis, tmp_path):
    package = XlsxPackage.open(devis)
    text = package.read(SHEET)
    assert SHEET not in package._lazy and text.startswith(b"<?xml")
    out = package.save(tmp_path / "read.xlsx")
    assert _stream(out, SHEET) == _stream(devis, SHEET)
    package.write(SHEET, text.replace(b'orientation="landscape"', b'orientation="portrait"'))
    out = package.save(tmp_path / "changed.xlsx")
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None and b'orientation="portrait"' in zf.read(SHEET)


def test_a_part_replaced_before_it_was_ever_read_keeps_what_was_written(devis, tmp_path):
    package = XlsxPackage.open(devis)
    assert SHEET in package._lazy
    package.write(SHEET, b"<worksheet/>")
    assert package.read(SHEET) == b"<worksheet/>"
    with zipfile.ZipFile(package.save(tmp_path / "replaced.xlsx")) as zf:
        assert zf.read(SHEET) == b"<worksheet/>"


def test_a_damaged_large_part_is_said_when_read_and_a_save_refuses_to_copy_it_unread(devis, tmp_path):
    raw = bytearray(devis.read_bytes())
    with zipfile.ZipFile(devis) as zf:
        found = P._stored_stream(bytes(raw), zf.getinfo(SHEET))
    assert found is not None
    middle = found.start + found.size // 2  # past the start the opening checks inflate
    raw[middle:middle + 64] = bytes(64)
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(bytes(raw))
    package = XlsxPackage.open(damaged)  # the workbook's structure is sound: it opens
    with pytest.raises(WorkbookError) as caught:
        package.save()  # nothing read it: it is checked before being copied, and the file stays as it was
    assert "sheet1.xml" in caught.value.message and "corrompu" in caught.value.message
    assert damaged.read_bytes() == bytes(raw)
    with pytest.raises(WorkbookError) as caught:
        XlsxPackage.open(damaged).read(SHEET)
    assert "sheet1.xml" in caught.value.message and "corrompu" in caught.value.message


def test_a_large_part_hiding_a_doctype_is_refused_at_opening(devis, tmp_path):
    with zipfile.ZipFile(devis) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    parts[SHEET] = parts[SHEET].replace(b"<worksheet", b'<!DOCTYPE w [<!ENTITY e "x">]><worksheet', 1)
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with pytest.raises(WorkbookError) as caught:
        XlsxPackage.open(hostile)
    assert "déclarations XML interdites" in caught.value.message


def test_a_large_shared_strings_part_damaged_past_its_start_is_refused_before_calamine_reads_it(tmp_path):
    """calamine takes the parts from the file as read and checks no CRC: a damaged byte would become a figure."""
    from xlprod.workbook.xlsx_file import XlsxFile

    path = make_devis(tmp_path / "devis.xlsx", [{**LINES[0], "label": f"Libellé {i:05d} " * 20} for i in range(800)])
    name = "xl/sharedStrings.xml"
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    assert len(parts[name]) > P.HEAD + 10_000
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as zf:  # level 0: one byte changed stays one byte
        for n, data in parts.items():
            zf.writestr(n, data, compresslevel=0 if n == name else None)
    raw = bytearray(damaged.read_bytes())
    at = raw.index(b"Libell\xc3\xa9 00700")
    raw[at + 12] ^= 0x01  # « 00700 » read as « 00701 », the CRC no longer matches
    damaged.write_bytes(bytes(raw))
    with pytest.raises(WorkbookError) as caught:
        XlsxFile(damaged)
    assert "sharedStrings.xml" in caught.value.message


def _with_damage(devis: Path, tmp_path: Path, part: str, added: bytes | None = None) -> tuple[Path, Path]:
    """The workbook rewritten deflated (with ``added`` as ``part`` when given), and a copy whose ``part`` has
    bytes zeroed in the middle of its deflate stream: (sound, damaged)."""
    with zipfile.ZipFile(devis) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    if added is not None:
        parts[part] = added
    sound = tmp_path / "sain.xlsx"
    with zipfile.ZipFile(sound, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    raw = bytearray(sound.read_bytes())
    with zipfile.ZipFile(sound) as zf:
        found = P._stored_stream(bytes(raw), zf.getinfo(part))
    assert found is not None
    middle = found.start + found.size // 2
    raw[middle:middle + 16] = bytes(16)
    damaged = tmp_path / "abime.xlsx"
    damaged.write_bytes(bytes(raw))
    return sound, damaged


def test_check_inflates_the_parts_it_never_reads_and_says_a_damaged_one(devis, tmp_path, capsys):
    """An embedded image is no part a check needs; a check that skipped it would call the file sound,
    and its next recalculation would refuse to save it."""
    from xlprod.cli import main

    noise = random.Random(9).randbytes(1_000_000)  # incompressible: the damage lies past what the opening reads
    sound, damaged = _with_damage(devis, tmp_path, "xl/media/image9.png", noise)
    assert main(["check", str(sound)]) in (0, 1)
    before = damaged.read_bytes()
    capsys.readouterr()
    assert main(["check", str(damaged)]) == 2
    out = capsys.readouterr()
    assert "image9.png" in out.out + out.err and "corrompu" in out.out + out.err
    assert damaged.read_bytes() == before


def test_a_damaged_small_part_is_named_at_opening(devis, tmp_path):
    """A part under LAZY_FROM is inflated at opening: its damage said as « archive illisible », without its name."""
    with zipfile.ZipFile(devis) as zf:
        assert zf.getinfo("xl/styles.xml").file_size < P.LAZY_FROM
    _, damaged = _with_damage(devis, tmp_path, "xl/styles.xml")
    with pytest.raises(WorkbookError) as caught:
        XlsxPackage.open(damaged)
    assert "xl/styles.xml" in caught.value.message and "corrompu" in caught.value.message
