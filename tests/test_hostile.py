"""Hostile and clumsy input (issue 7): no corrupt file, no traceback, nothing silently ignored.

Each test builds a devis, damages it the way a user, another program or an attacker would (raw
XML where a spreadsheet would not let us), runs the command line on it, and checks the message,
the exit code and the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import stat
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from tests.conftest import make_devis, recalc
from xlprod.cli import main
from xlprod.kinds.devis import layout as L
from xlprod.workbook.xlsx_file import XlsxFile

COLS = {c.field: i + 1 for i, c in enumerate(L.DEVIS_COLUMNS)}
FIRST = L.DEVIS_HEADER_ROW + 1
LINE = {"account": "241", "label": "Chef opérateur", "quantity": 2, "number": 1, "unit_rate": 1000, "category": "cadre"}


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def write_parts(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def sheet_part(path: Path, sheet: str) -> str:
    return XlsxFile(path).package.sheet_parts()[sheet]


def edit_sheet(path: Path, sheet: str, edit) -> None:
    """Rewrite one sheet's XML with ``edit(text) -> text``, as another program would save it."""
    part = sheet_part(path, sheet)
    parts = parts_of(path)
    parts[part] = edit(parts[part].decode()).encode()
    write_parts(path, parts)


def set_cell_xml(path: Path, sheet: str, ref: str, cell_xml: str) -> None:
    """Replace cell ``ref`` (which must exist) by raw XML."""
    def edit(text: str) -> str:
        new, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', cell_xml, text, count=1, flags=re.S)
        assert n == 1, ref
        return new
    edit_sheet(path, sheet, edit)


def inline(ref: str, text: str) -> str:
    from xlprod.workbook.sheetxml import escape_cell_text
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape_cell_text(text)}</t></is></c>'


def assert_well_formed(path: Path) -> None:
    """Every XML part parses with a strict parser (expat rejects what XML 1.0 forbids)."""
    for name, data in parts_of(path).items():
        if name.endswith((".xml", ".rels", ".vml")):
            ET.fromstring(data)


def controls_rows(path: Path) -> list[tuple]:
    """Rows of Contrôles as Excel shows them (calamine decodes ``_x000B_`` as Excel does; openpyxl does not)."""
    grid = XlsxFile(path)._grid(L.SHEET_CONTROLES)
    return [tuple(r) for r in grid[L.CONTROLES_HEADER_ROW:]]


# -- 1. writing is always valid XML -------------------------------------------------------------

FORBIDDEN = "".join(chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20)))


def test_every_code_point_class_is_written_as_xml_a_strict_parser_accepts():
    from xlprod.workbook.sheetxml import CellWrite, render_cell
    samples = [FORBIDDEN, "\ufffe\uffff", "\ud800 lone surrogate", "\x7f\x80\x9f C1", "\u2028\u2029", "🎬中文é",
               "_x0041_ _X0041_ _x00_", "]]>&<>\"'", "\t\n", "x" * 40_000]
    for text in samples:
        xml = render_cell("A1", CellWrite(text), None)
        root = ET.fromstring(f'<r xmlns="urn:x">{xml}</r>'.encode("utf-8", "surrogatepass"))
        shown = "".join(root.itertext())
        assert len(shown) <= 32_767
        formula = render_cell("A1", CellWrite(text, formula="1+1"), None)
        ET.fromstring(f'<r xmlns="urn:x">{formula}</r>'.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("text", [
    f"cadre{FORBIDDEN}",  # every control character XML 1.0 forbids
    "cadre\tavec\ttabulations\net retour",  # allowed ones, kept as they are
    "cadre _x000B_ écrit à la main",  # text that looks like Excel's own escape
    "caté<gorie> & \"guillemets\" 'apostrophes' ]]> émoji 🎬 中文",
])
def test_any_text_quoted_in_a_message_gives_a_well_formed_workbook_that_reads_back_the_same(tmp_path, text, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST}", inline(f"I{FIRST}", text))
    assert XlsxFile(path).table(L.TABLE_DEVIS).rows[0][COLS["category"] - 1] == text  # what Excel would show
    assert main(["recalc", str(path)]) == 1  # unknown category: an error, quoted in Contrôles
    assert_well_formed(path)
    messages = [r[3] for r in controls_rows(path) if r[2] == "DEV021"]
    assert len(messages) == 1 and text.strip() in messages[0]


def test_a_message_longer_than_an_excel_cell_is_cut_in_the_workbook_and_whole_on_the_command_line(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    long_text = "x" * 40_000
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST}", inline(f"I{FIRST}", long_text))
    assert main(["recalc", str(path)]) == 1
    assert long_text in capsys.readouterr().out
    message = next(r[3] for r in controls_rows(path) if r[2] == "DEV021")
    assert len(message) == 32_767 and message.endswith("…")
    assert_well_formed(path)


@pytest.mark.libreoffice
def test_libreoffice_opens_a_workbook_holding_forbidden_characters_and_long_texts(tmp_path, libreoffice):
    from xlprod.workbook.libreoffice import recalculate_with_libreoffice

    path = make_devis(tmp_path / "devis.xlsx", [LINE, {**LINE, "account": "242"}])
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST}", inline(f"I{FIRST}", f"cadre{FORBIDDEN}"))
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST + 1}", inline(f"I{FIRST + 1}", "y" * 40_000))
    recalc(path)
    out = recalculate_with_libreoffice(path, tmp_path / "lo")
    rows = controls_rows(out)
    assert {r[2] for r in rows} >= {"DEV021"}
    assert any("cadre" in (r[3] or "") for r in rows)


# -- 2. nothing outside the table is lost from sight --------------------------------------------

def test_a_line_typed_just_below_the_table_is_an_error_at_its_cell(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    before = XlsxFile(path).named_cell("DEVIS_TOTAL")[0]
    below = FIRST + 1
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEVIS]
    for field, value in {"account": "242", "label": "Cadreur", "quantity": 3, "unit_rate": 900}.items():
        ws.cell(row=below, column=COLS[field]).value = value
    ws.cell(row=below + 3, column=COLS["amount"]).value = "=SUM(Devis[Montant])"  # a user's own total: a warning
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"devis.xlsx!Devis!A{below}: erreur DEV045: Ligne {below} sous le tableau Devis" in out
    assert f"devis.xlsx!Devis!H{below + 3}: avertissement DEV046" in out
    assert XlsxFile(path).named_cell("DEVIS_TOTAL")[0] == before  # not taken in silently


def test_a_table_with_a_header_and_no_line_is_read_as_an_empty_devis(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    parts = parts_of(path)
    table = next(n for n in parts if n.startswith("xl/tables/") and b'name="Devis"' in parts[n])
    parts[table] = re.sub(rb'ref="A5:([A-Z]+)\d+"', rb'ref="A5:\g<1>5"', parts[table])
    write_parts(path, parts)
    assert main(["recalc", str(path)]) in (0, 1)
    captured = capsys.readouterr()
    assert "total 0,00" in captured.out and "panicked" not in captured.err and "Traceback" not in captured.err


# -- 3. every input cell's state is handled -----------------------------------------------------

@pytest.mark.parametrize("code", ["#DIV/0!", "#REF!", "#N/A", "#VALUE!"])
def test_an_error_value_in_an_input_cell_is_a_located_error(tmp_path, code, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"G{FIRST}", f'<c r="G{FIRST}" t="e"><f>1/0</f><v>{code}</v></c>')
    assert main(["recalc", str(path)]) == 1
    assert f"devis.xlsx!Devis!G{FIRST}: erreur DEV010: Taux unitaire : la cellule affiche l'erreur Excel {code}" \
        in capsys.readouterr().out


def test_an_error_value_in_a_parameter_is_a_located_error(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    ref = XlsxFile(path).package.defined_names()["PARAM_TAUX_FG"].split("!")[1].replace("$", "")
    set_cell_xml(path, L.SHEET_PARAMETRES, ref, f'<c r="{ref}" t="e"><v>#REF!</v></c>')
    assert main(["recalc", str(path)]) == 1
    assert f"Paramètres!{ref}: erreur DEV040" in capsys.readouterr().out


def test_an_arithmetic_formula_never_calculated_is_evaluated_and_cached(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"D{FIRST}", f'<c r="D{FIRST}"><f>2*3+1.5</f></c>')
    assert main(["recalc", str(path)]) == 0
    assert f"devis.xlsx!Devis!D{FIRST}: avertissement DEV012" in capsys.readouterr().out
    book = XlsxFile(path)
    assert book.table(L.TABLE_DEVIS).rows[0][COLS["quantity"] - 1] == 7.5
    assert book.named_cell("DEVIS_POSTE_2")[0] == 7500
    assert f'<c r="D{FIRST}"><f>2*3+1.5</f><v>7.5</v></c>' in book.package.read_text(sheet_part(path, L.SHEET_DEVIS))


def test_a_formula_never_calculated_that_refers_to_cells_is_an_error_never_a_zero(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"G{FIRST}", f'<c r="G{FIRST}"><f>Paramètres!C8*1000</f></c>')
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"devis.xlsx!Devis!G{FIRST}: erreur DEV010" in out and "jamais été calculée" in out
    assert "totaux non mis à jour" in out


@pytest.mark.parametrize(("field", "value"), [("unit_rate", 1e26), ("unit_rate", 1e308), ("quantity", 5e7),
                                              ("unit_rate", "1e12"), ("france_share", 1e20)])
def test_an_absurd_number_in_a_line_is_a_located_error(tmp_path, field, value, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS[field]).value = value
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert re.search(rf"devis.xlsx!Devis!{L.COLUMN_BY_FIELD[field] and ''}[A-Z]+{FIRST}: erreur DEV01[06]", captured.out)


@pytest.mark.parametrize("value", [1e26, 1e308, -1e308, 123.0])
def test_an_absurd_rate_parameter_is_a_located_error_and_the_default_is_used(tmp_path, value, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    ref = XlsxFile(path).package.defined_names()["PARAM_TAUX_FG"].split("!")[1].replace("$", "")
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_PARAMETRES][ref].value = value
    wb.save(path)
    assert main(["recalc", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and f"Paramètres!{ref}" in captured.out and "DEV040" in captured.out


def test_text_with_more_digits_than_excel_keeps_is_refused(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["unit_rate"]).value = "1000,0000000000001"
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    assert "plus de 15 chiffres" in capsys.readouterr().out


def test_a_refused_input_leaves_the_figures_to_the_workbook_formulas(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE, {**LINE, "account": "242"}])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["quantity"]).value = True  # Excel's formulas read TRUE as 1
    wb.save(path)
    before = {n: XlsxFile(path).named_cell(n)[0] for n in L.result_names()}
    table_before = XlsxFile(path).table(L.TABLE_DEVIS).rows
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert "DEV047" in out and "totaux non mis à jour" in out
    book = XlsxFile(path)
    assert {n: book.named_cell(n)[0] for n in L.result_names()} == before
    assert book.table(L.TABLE_DEVIS).rows == table_before
    assert any(r[2] == "DEV010" for r in controls_rows(path))  # Contrôles is written


# -- 6. files and the file system ---------------------------------------------------------------

def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command line in its own process: a FIFO or a device must not hang it, whatever happens."""
    import sys

    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "xlprod.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, encoding=(env or {}).get("PYTHONIOENCODING", "utf-8"),
                          errors="replace")


def test_a_fifo_named_like_a_workbook_is_refused_at_once(tmp_path):
    fifo = tmp_path / "devis.xlsx"
    os.mkfifo(fifo)
    done = run_cli("recalc", str(fifo), timeout=30)
    assert done.returncode == 2 and "pas un fichier ordinaire" in done.stderr and "Traceback" not in done.stderr


def test_a_link_to_a_device_is_refused_without_reading_it(tmp_path):
    link = tmp_path / "devis.xlsx"
    link.symlink_to("/dev/zero")
    done = run_cli("check", str(link), timeout=30)
    assert done.returncode == 2 and "pas un fichier ordinaire" in done.stderr


def test_a_folder_named_like_a_workbook_is_refused(tmp_path, capsys):
    (tmp_path / "devis.xlsx").mkdir()
    (tmp_path / "devis.xlsx" / "x.txt").write_text("x")
    assert main(["recalc", str(tmp_path / "devis.xlsx")]) == 2
    assert "aucun classeur xlprod" in capsys.readouterr().err


def test_a_symlinked_workbook_is_updated_through_its_link(tmp_path, capsys):
    (tmp_path / "vrai").mkdir()
    real = make_devis(tmp_path / "vrai" / "devis.xlsx", [LINE])
    link = tmp_path / "lien.xlsx"
    link.symlink_to(real)
    wb = openpyxl.load_workbook(real)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["quantity"]).value = 5
    wb.save(real)
    assert main(["recalc", str(link)]) == 0
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert XlsxFile(real).table(L.TABLE_DEVIS).rows[0][COLS["amount"] - 1] == 5000
    assert not list((tmp_path).glob(".~xlprod-*")) and not list((tmp_path / "vrai").glob(".~xlprod-*"))


def test_a_read_only_file_is_refused_and_left_as_it_was(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    path.chmod(0o444)
    before = path.read_bytes()
    assert main(["recalc", str(path)]) == 2
    assert "lecture seule" in capsys.readouterr().err
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert main(["check", str(path)]) == 0  # checking never needs to write


def test_a_read_only_folder_is_refused_and_nothing_changes(tmp_path, capsys):
    folder = tmp_path / "archive"
    folder.mkdir()
    path = make_devis(folder / "devis.xlsx", [LINE])
    before = path.read_bytes()
    folder.chmod(0o555)
    try:
        assert main(["recalc", str(path)]) == 2
        assert "lecture seule" in capsys.readouterr().err
        assert path.read_bytes() == before and sorted(p.name for p in folder.iterdir()) == ["devis.xlsx"]
    finally:
        folder.chmod(0o755)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_a_file_owned_by_another_user_is_refused(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    os.chown(path, 65534, 65534)
    before = path.read_bytes()
    assert main(["recalc", str(path)]) == 2
    assert "autre utilisateur" in capsys.readouterr().err
    assert path.read_bytes() == before and path.stat().st_uid == 65534


def test_mode_group_and_extended_attributes_survive_a_recalculation(tmp_path):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    path.chmod(0o640)
    try:
        os.setxattr(path, "user.xlprod.test", b"etiquette")
        has_xattr = True
    except (OSError, AttributeError):
        has_xattr = False
    group = path.stat().st_gid
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["quantity"]).value = 3
    wb.save(path)
    if has_xattr:
        os.setxattr(path, "user.xlprod.test", b"etiquette")
    path.chmod(0o640)
    assert main(["recalc", str(path)]) == 0
    st = path.stat()
    assert stat.S_IMODE(st.st_mode) == 0o640 and st.st_gid == group
    if has_xattr:
        assert os.getxattr(path, "user.xlprod.test") == b"etiquette"


def _cfb(streams: dict[str, bytes]) -> bytes:
    from xlprod.workbook.vba import _Node, _write_cfb
    return _write_cfb(_Node("Root Entry", children=[_Node(name, data=data) for name, data in streams.items()]))


def test_an_encrypted_workbook_is_named_as_protected_by_a_password(tmp_path, capsys):
    path = tmp_path / "devis.xlsx"
    # what Excel writes for « Chiffrer avec mot de passe » (MS-OFFCRYPTO): a compound file, not a zip
    path.write_bytes(_cfb({"EncryptionInfo": b"\x04\x00\x04\x00" + bytes(200), "EncryptedPackage": bytes(5000)}))
    assert main(["recalc", str(path)]) == 2
    assert "protégé par un mot de passe" in capsys.readouterr().err


def test_an_old_xls_renamed_xlsx_is_named_as_such(tmp_path, capsys):
    path = tmp_path / "devis.xlsx"
    path.write_bytes(_cfb({"Workbook": bytes(5000)}))
    assert main(["check", str(path)]) == 2
    assert "97-2003" in capsys.readouterr().err


def test_an_empty_folder_and_a_folder_without_xlprod_workbooks_say_so(tmp_path, capsys):
    empty = tmp_path / "vide"
    empty.mkdir()
    assert main(["recalc", str(empty)]) == 2
    assert "aucun classeur xlprod dans ce dossier" in capsys.readouterr().err
    other = tmp_path / "autres"
    other.mkdir()
    openpyxl.Workbook().save(other / "compta.xlsx")
    assert main(["recalc", str(other)]) == 2
    assert "compta.xlsx" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["manquant/devis.xlsx", "dossier.xlsx"])
def test_new_into_a_missing_folder_or_onto_a_folder_is_a_clear_message(tmp_path, target, capsys):
    (tmp_path / "dossier.xlsx").mkdir()
    assert main(["new", "devis", str(tmp_path / target)]) == 2
    err = capsys.readouterr().err
    assert "erreur" in err and ("n'existe pas" in err or "dossier" in err) and "Traceback" not in err


def test_a_file_saved_by_the_user_during_a_recalculation_is_kept(tmp_path, monkeypatch, capsys):
    import xlprod.services as services

    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    real_run = services.run_action

    def user_saves_meanwhile(book, action, **kw):
        report = real_run(book, action, **kw)
        wb = openpyxl.load_workbook(path)
        wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["label"]).value = "Saisi pendant le recalcul"
        wb.save(path)
        return report

    monkeypatch.setattr(services, "run_action", user_saves_meanwhile)
    assert main(["recalc", str(path)]) == 2
    assert "modifié" in capsys.readouterr().err
    assert XlsxFile(path).table(L.TABLE_DEVIS).rows[0][COLS["label"] - 1] == "Saisi pendant le recalcul"
    assert not list(tmp_path.glob(".~xlprod-*"))


def test_a_temporary_file_left_by_a_killed_run_is_removed_by_the_next_run(tmp_path):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    before = path.read_bytes()
    # a recalculation killed with kill -9 in the middle of its save
    script = ("import os, sys, xlprod.workbook.files as f\n"
              "from xlprod.workbook.xlsx_file import XlsxFile\n"
              "real = f.os.replace\n"
              "f.os.replace = lambda *a: os.kill(os.getpid(), 9)\n"
              f"b = XlsxFile({str(path)!r}); b.save()\n")
    import sys
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == -9
    assert path.read_bytes() == before and len(list(tmp_path.glob(".~xlprod-*"))) == 1
    stale = next(tmp_path.glob(".~xlprod-*"))
    os.utime(stale, (stale.stat().st_mtime - 60,) * 2)
    assert main(["recalc", str(tmp_path)]) == 0
    assert not list(tmp_path.glob(".~xlprod-*"))


def test_demo_never_rebuilds_a_file_the_user_changed_or_opened(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) in (0, 1)
    assert main(["demo", "--out", str(out)]) in (0, 1)  # untouched: rebuilt
    sample = out / "devis-les-heures-claires.xlsx"
    import xlprod.kinds.devis.recalc as devis_recalc
    later = dt.datetime(2031, 1, 2, 3, 4)
    book = XlsxFile(sample)
    devis_recalc.recalc_devis(book, later)  # recalculated later, as the demo itself suggests: not a change
    book.save()
    assert main(["demo", "--out", str(out)]) in (0, 1)
    assert main(["recalc", str(out)]) in (0, 1)  # every file, the catalogue whose planted cells it had put right too
    capsys.readouterr()
    assert main(["demo", "--out", str(out)]) in (0, 1), capsys.readouterr().err
    wb = openpyxl.load_workbook(sample)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["label"]).value = "Ma modification"
    wb.save(sample)
    edited = sample.read_bytes()
    capsys.readouterr()
    assert main(["demo", "--out", str(out)]) == 2
    assert "modifié" in capsys.readouterr().err and sample.read_bytes() == edited
    sample.unlink()
    assert main(["demo", "--out", str(out)]) in (0, 1)
    (out / f"~${sample.name}").write_bytes(b"lock")
    assert main(["demo", "--out", str(out)]) == 2
    assert "ouvert" in capsys.readouterr().err


# -- 7. output and batch ------------------------------------------------------------------------

def test_batch_messages_name_files_by_their_path_in_the_folder(tmp_path, capsys):
    for film in ("film-a", "film-b"):
        (tmp_path / film).mkdir()
        make_devis(tmp_path / film / "devis.xlsx", [{**LINE, "quantity": "huit"}])
    capsys.readouterr()
    assert main(["check", str(tmp_path), "--jobs", "100000"]) == 1
    out = capsys.readouterr().out
    assert "film-a/devis.xlsx!Devis!D6: erreur DEV010" in out and "film-b/devis.xlsx!Devis!D6: erreur DEV010" in out
    summaries = [line for line in out.splitlines() if ": vérifié, " in line]  # named as the issues name them
    assert sorted(line.split(":")[0] for line in summaries) == ["film-a/devis.xlsx", "film-b/devis.xlsx"]
    one, two = tmp_path / "film-a" / "devis.xlsx", tmp_path / "film-b" / "devis.xlsx"
    assert main(["check", str(one)]) == 1
    out = capsys.readouterr().out  # a file named on the command line: by its name, in its issues as in its summary
    assert "devis.xlsx!Devis!D6: erreur DEV010" in out and "\ndevis.xlsx: vérifié, " in "\n" + out
    assert main(["check", str(one), str(two), "--json"]) == 1
    capsys.readouterr()
    assert main(["check", str(one), str(two)]) == 1
    out = capsys.readouterr().out  # two files of one name: each by its path, that they can be told apart
    for path in (one, two):
        assert f"{path}!Devis!D6: erreur DEV010" in out and f"{path}: vérifié, " in out
    assert main(["check", str(tmp_path / "film-a"), str(one), f"{tmp_path}/film-a/./devis.xlsx"]) == 1
    out = capsys.readouterr().out  # one workbook named three ways: checked once
    assert out.count(": vérifié, ") == 1


@pytest.mark.parametrize("args", [[], ["--json"], ["--topsheet"]])
def test_output_works_on_a_console_that_cannot_print_the_narrow_no_break_space(tmp_path, args):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    done = run_cli("check", str(path), *args, env={"PYTHONIOENCODING": "cp1252"})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and ("3 665,90" in done.stdout or "3665.90" in done.stdout)


def test_an_unexpected_error_is_a_french_message_with_exit_code_2_and_debug_shows_the_trace(tmp_path, monkeypatch,
                                                                                            capsys):
    import xlprod.services as services

    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    before = path.read_bytes()

    def broken(*a, **kw):
        raise ZeroDivisionError("bogue simulé")

    monkeypatch.setattr(services, "run_action", broken)
    assert main(["recalc", str(path)]) == 2
    err = capsys.readouterr().err
    assert "devis.xlsx: erreur: erreur inattendue de xlprod (ZeroDivisionError: bogue simulé)" in err
    assert "--debug" in err and "Traceback" not in err and path.read_bytes() == before
    assert main(["--debug", "recalc", str(path)]) == 2
    assert "Traceback" in capsys.readouterr().err
    assert main(["recalc", str(path), "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err


# -- 8. one XML parser for the slow path --------------------------------------------------------

def drop_implied_references(xml: str) -> str:
    """Remove every ``r`` the schema implies (the row after the previous one, the next cell), as
    some producers write sheets."""
    from xlprod.core.location import column_index

    previous_row = 0

    def row(m: re.Match[str]) -> str:
        nonlocal previous_row
        number = int(m.group(2))
        implied = number == previous_row + 1
        previous_row = number
        previous_col = 0

        def cell(c: re.Match[str]) -> str:
            nonlocal previous_col
            col = column_index(c.group(1))
            implied_col = col == previous_col + 1
            previous_col = col
            return "<c" if implied_col else c.group(0)

        body = re.sub(r'<c r="([A-Z]+)\d+"', cell, m.group(4))
        return f"<row{'' if implied else m.group(1)}{m.group(3)}>{body}</row>"

    return re.sub(r'<row( r="(\d+)")([^>]*)>(.*?)</row>', row, xml, flags=re.S)


def test_sheets_whose_rows_and_cells_omit_r_are_patched_without_duplicates(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE, {**LINE, "account": "242", "quantity": "3,5"}])
    for sheet in (L.SHEET_SYNTHESE, L.SHEET_CONTROLES, L.SHEET_DEVIS):
        edit_sheet(path, sheet, drop_implied_references)
    assert main(["recalc", str(path)]) == 0
    assert_well_formed(path)
    for sheet in (L.SHEET_SYNTHESE, L.SHEET_CONTROLES, L.SHEET_DEVIS):
        text = XlsxFile(path).package.read_text(sheet_part(path, sheet))
        numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', text)]
        assert numbers == sorted(set(numbers)), sheet  # each row once, in order
    book = XlsxFile(path)
    assert book.table(L.TABLE_DEVIS).rows[1][COLS["quantity"] - 1] == 3.5
    assert book.named_cell("DEVIS_TOTAL")[0] > 0


# -- smaller holes found by the hostile review ----------------------------------------------------

@pytest.mark.parametrize(("content", "where", "what"), [
    ('Compte;Libellé;Quantité\n241;"Chef op;2\n242;Cadreur;3\n243;Machino;4\n', "ligne 2", "guillemet"),
    ("Compte;Libellé;Quantité\n241;Chef;2\n242;Chef; machino;3\n", "ligne 3", "4 valeurs pour 3 colonnes"),
])
def test_a_malformed_csv_is_refused_at_its_line_and_nothing_is_created(tmp_path, content, where, what, capsys):
    source = tmp_path / "lignes.csv"
    source.write_text(content, encoding="utf-8")
    out = tmp_path / "devis.xlsx"
    assert main(["new", "devis", str(out), "--depuis", str(source)]) == 2
    err = capsys.readouterr().err
    assert f"lignes.csv!{where}: erreur" in err and what in err and not out.exists()


def test_a_formula_changed_only_inside_its_quotes_is_restored(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    formulas = XlsxFile(path).sheet_formulas(L.SHEET_SYNTHESE)
    (row, col), text = next((k, f) for k, f in formulas.items() if '"cadre"' in f and f.startswith("SUMIFS"))
    ref = f"{chr(64 + col)}{row}"
    set_cell_xml(path, L.SHEET_SYNTHESE, ref, f'<c r="{ref}"><f>{text.replace(chr(34) + "cadre", chr(34) + "cad re")}</f>'
                                                f"<v>0</v></c>")
    assert main(["recalc", str(path)]) == 0
    assert f"Synthèse!{ref}: avertissement DEV043" in capsys.readouterr().out
    assert XlsxFile(path).sheet_formulas(L.SHEET_SYNTHESE)[(row, col)] == text


@pytest.mark.parametrize(("definition", "accepted"), [('="DEVIS"', True), ('=" devis "', True), ('="devis', False)])
def test_the_kind_name_is_read_without_regard_to_case_and_a_broken_one_is_shown(tmp_path, definition, accepted, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    parts = parts_of(path)
    parts["xl/workbook.xml"] = re.sub(rb'(<definedName name="XLPROD_TYPE">)[^<]*', lambda m: m.group(1) + definition
                                      .replace('"', "&quot;").encode(), parts["xl/workbook.xml"])
    write_parts(path, parts)
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert (code == 0) if accepted else (code == 2 and '="devis' in err and "inconnu" in err)


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path, monkeypatch, capsys):
    import xlprod.workbook.package as package

    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    monkeypatch.setattr(package, "MAX_FILE", 1000)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read before the size was checked"))
    assert main(["check", str(path)]) == 2
    assert "anormalement gros" in capsys.readouterr().err


def test_a_zip_bomb_is_refused_without_being_inflated(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    parts = parts_of(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
        zf.writestr("xl/media/bombe.bin", b"\0" * 300_000_000)  # 300 MB of zeros, about 300 KB packed
    assert path.stat().st_size < 2_000_000
    assert main(["check", str(path)]) == 2
    assert "volume anormal" in capsys.readouterr().err


def test_jobs_is_capped_at_the_files_and_the_processors(tmp_path, monkeypatch, capsys):
    import concurrent.futures

    started = []
    real = concurrent.futures.ProcessPoolExecutor

    def spy(max_workers=None, **kw):
        started.append(max_workers)
        return real(max_workers=max_workers, **kw)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", spy)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    for name in ("a", "b", "c"):
        make_devis(tmp_path / f"{name}.xlsx", [LINE])
    assert main(["check", str(tmp_path), "--jobs", "100000"]) == 0
    assert started == [2]


def test_check_reads_a_workbook_a_spreadsheet_holds_open_and_recalc_refuses_it(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    (tmp_path / ".~lock.devis.xlsx#").write_text("x")
    assert main(["check", str(path)]) == 0
    assert main(["recalc", str(path)]) == 2
    assert "ouvert dans un tableur" in capsys.readouterr().err


def test_a_refused_cell_still_lets_the_other_cells_be_normalised_and_says_nothing_contradictory(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE, {**LINE, "account": "242"}])
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEVIS]
    ws.cell(row=FIRST, column=COLS["quantity"]).value = "huit"  # refused
    ws.cell(row=FIRST + 1, column=COLS["unit_rate"]).value = "30 000"  # French text: normalised
    ws.cell(row=FIRST + 1, column=COLS["category"]).value = "Tech"
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert "DEV010" in out and "DEV047" in out and "DEV015" not in out and "comptée comme si" not in out
    assert "contrôlé, totaux non mis à jour" in out
    row = XlsxFile(path).table(L.TABLE_DEVIS).rows[1]
    assert row[COLS["unit_rate"] - 1] == 30000 and row[COLS["category"] - 1] == "technicien"


def test_output_piped_into_a_reader_that_stops_early_is_not_an_error(tmp_path):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    import sys
    done = subprocess.run(f"{sys.executable} -m xlprod.cli check {path} --json --topsheet | head -c 10",
                          shell=True, capture_output=True, text=True, timeout=60)
    assert "erreur" not in done.stderr and "Traceback" not in done.stderr


# -- second hostile review ------------------------------------------------------------------------

def test_formulas_saved_by_openpyxl_without_a_value_are_evaluated_or_refused(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE, {**LINE, "account": "242"}])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["quantity"]).value = "=2*3"
    wb[L.SHEET_DEVIS].cell(row=FIRST + 1, column=COLS["unit_rate"]).value = f"=G{FIRST}*1.1"
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"Devis!D{FIRST}: avertissement DEV012" in out and f"Devis!G{FIRST + 1}: erreur DEV010" in out
    assert "DEV015" not in out


def test_a_formula_in_an_input_cell_is_never_replaced_by_the_value_xlprod_reads(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE, {**LINE, "account": "242"}, {**LINE, "account": "243"}])
    cat = chr(64 + COLS["category"])
    for i, text in enumerate(("tech", "cadre ", "cadre ")):  # a shared formula: its master and two children
        ref = f"{cat}{FIRST + i}"
        f = (f'<f t="shared" ref="{cat}{FIRST}:{cat}{FIRST + 2}" si="9">IF(1,"tech","x")</f>' if i == 0
             else '<f t="shared" si="9"/>')
        set_cell_xml(path, L.SHEET_DEVIS, ref, f'<c r="{ref}" t="str">{f}<v>{text}</v></c>')
    before = parts_of(path)[sheet_part(path, L.SHEET_DEVIS)]
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"Devis!{cat}{FIRST}: erreur DEV017: La formule de cette cellule donne « tech »" in out
    after = parts_of(path)[sheet_part(path, L.SHEET_DEVIS)].decode()
    assert f'ref="{cat}{FIRST}:{cat}{FIRST + 2}" si="9">IF(1,&quot;tech&quot;,&quot;x&quot;)</f>' in after or \
        f'ref="{cat}{FIRST}:{cat}{FIRST + 2}" si="9">IF(1,"tech","x")</f>' in after
    assert after.count('si="9"') == 3
    assert before == after.encode()  # refused: the Devis sheet is left byte for byte


def test_spaces_alone_in_a_number_cell_are_cleared_so_the_formulas_do_not_give_value_errors(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"J{FIRST}", inline(f"J{FIRST}", " "))  # Part France: a space
    assert main(["recalc", str(path)]) == 0
    assert XlsxFile(path).table(L.TABLE_DEVIS).rows[0][COLS["france_share"] - 1] in (None, "")


def test_trailing_spaces_are_removed_where_the_synthese_compares_text(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [{**LINE, "tag:écoproduction": "oui"}])
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST}", inline(f"I{FIRST}", "cadre "))
    tag = chr(64 + COLS["tag:écoproduction"])
    set_cell_xml(path, L.SHEET_DEVIS, f"{tag}{FIRST}", inline(f"{tag}{FIRST}", "oui "))
    assert main(["recalc", str(path)]) == 0
    row = XlsxFile(path).table(L.TABLE_DEVIS).rows[0]
    assert row[COLS["category"] - 1] == "cadre" and row[COLS["tag:écoproduction"] - 1] == "oui"


def test_a_line_amount_beyond_any_budget_is_refused(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [{**LINE, "quantity": 999_999, "number": 999_999, "unit_rate": 999_999_999}])
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"Devis!H{FIRST}: erreur DEV016: Montant de la ligne" in out and "totaux non mis à jour" in out


def test_an_amount_typed_below_the_table_is_an_error(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST + 2, column=COLS["label"]).value = "Frais de notaire"
    wb[L.SHEET_DEVIS].cell(row=FIRST + 2, column=COLS["amount"]).value = 5000
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    assert f"Devis!B{FIRST + 2}: erreur DEV045" in capsys.readouterr().out


def _set_name(path: Path, name: str, definition: str, local: int | None = None) -> None:
    parts = parts_of(path)
    text = parts["xl/workbook.xml"].decode()
    if local is None:
        text = re.sub(rf'(<definedName name="{name}">)[^<]*', lambda m: m.group(1) + definition, text)
    else:
        text = text.replace("</definedNames>", f'<definedName name="{name}" localSheetId="{local}">{definition}'
                                               "</definedName></definedNames>")
    parts["xl/workbook.xml"] = text.encode()
    write_parts(path, parts)


def test_a_parameter_name_holding_a_value_is_read_as_that_value(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    _set_name(path, "PARAM_TAUX_FG", "0.1")
    assert main(["recalc", str(path)]) == 0
    out = capsys.readouterr().out
    assert "devis.xlsx!PARAM_TAUX_FG: avertissement DEV042" in out and "valeur fixe (0.1)" in out
    book = XlsxFile(path)
    sub, fg = book.named_cell("DEVIS_SOUS_TOTAL")[0], book.named_cell("DEVIS_FRAIS_GENERAUX")[0]
    assert fg == pytest.approx(round(sub * 0.1, 2))


def test_a_sheet_scope_name_shadowing_a_parameter_is_refused(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    _set_name(path, "PARAM_TAUX_FG", "Paramètres!$C$10", local=1)  # on Synthèse, the formulas would use C10
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Synthèse: erreur DEV054: Le nom PARAM_TAUX_FG est aussi défini pour la seule feuille" in out
    assert "totaux non mis à jour" in out


def test_notes_written_beside_the_controls_list_are_kept(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE, {**LINE, "quantity": "huit"}])
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_CONTROLES]
    ws["G5"] = "Vu avec le CNC le 3 mars"
    ws["H40"] = "Relance"
    ws["G6"].hyperlink = "https://www.cnc.fr"
    wb.save(path)
    for _ in range(2):
        main(["recalc", str(path)])
    grid = XlsxFile(path)._grid(L.SHEET_CONTROLES)
    assert grid[4][6] == "Vu avec le CNC le 3 mars" and grid[39][7] == "Relance"
    text = XlsxFile(path).package.read_text(sheet_part(path, L.SHEET_CONTROLES))
    assert 'ref="G6"' in text and text.count("<hyperlink ") >= 2
    assert_well_formed(path)


def test_a_title_with_control_characters_gives_a_well_formed_new_workbook(tmp_path, capsys):
    out = tmp_path / "devis.xlsm"
    assert main(["new", "devis", str(out), "--titre", "Film\x0bA\x0c"]) == 0
    assert_well_formed(out)


@pytest.mark.parametrize(("content", "message"), [
    ("Compte;Quantité;Quantité\n241;2;3\n", "colonne(s) en double"),
    ("Compte;Libellé;;\n241;Chef;9;\n", "sans en-tête"),
])
def test_a_csv_value_nobody_would_read_is_refused(tmp_path, content, message, capsys):
    source = tmp_path / "lignes.csv"
    source.write_text(content, encoding="utf-8")
    assert main(["new", "devis", str(tmp_path / "d.xlsx"), "--depuis", str(source)]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "d.xlsx").exists()


def test_a_csv_export_of_the_devis_sheet_is_read_title_rows_and_computed_columns_included(tmp_path, capsys):
    source = tmp_path / "export.csv"
    source.write_text("Devis détaillé — Essai;;;;\nSaisissez une ligne par dépense;;;;\n;;;;\n"
                      "Compte;Libellé;Poste;Quantité;Nombre;Taux unitaire;Montant;Catégorie de paie\n"
                      "241;Chef opérateur;2;6;1;2100;12600;cadre\n", encoding="utf-8")
    out = tmp_path / "d.xlsx"
    assert main(["new", "devis", str(out), "--depuis", str(source)]) == 0
    assert XlsxFile(out).named_cell("DEVIS_POSTE_2")[0] == 12600


# -- third hostile review -------------------------------------------------------------------------

def test_a_shared_formula_never_calculated_is_refused_and_left_whole(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE, {**LINE, "account": "242"}, {**LINE, "account": "243"}])
    for i in range(3):
        ref = f"D{FIRST + i}"
        f = f'<f t="shared" ref="D{FIRST}:D{FIRST + 2}" si="0">2*3</f>' if i == 0 else '<f t="shared" si="0"/>'
        set_cell_xml(path, L.SHEET_DEVIS, ref, f'<c r="{ref}">{f}</c>')
    before = parts_of(path)[sheet_part(path, L.SHEET_DEVIS)]
    assert main(["recalc", str(path)]) == 1
    assert "formule partagée jamais calculée" in capsys.readouterr().out
    assert parts_of(path)[sheet_part(path, L.SHEET_DEVIS)] == before


def test_a_formula_giving_empty_text_in_a_number_cell_is_refused(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"D{FIRST}", f'<c r="D{FIRST}" t="str"><f>IF(1,"","")</f><v></v></c>')
    assert main(["recalc", str(path)]) == 1
    assert f"Devis!D{FIRST}: erreur DEV010" in capsys.readouterr().out


def test_a_parameter_name_with_a_relative_reference_is_pointed_back_at_its_cell(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    cell = XlsxFile(path).package.defined_names()["PARAM_TAUX_FG"]
    _set_name(path, "PARAM_TAUX_FG", cell.replace("$", ""))
    assert main(["recalc", str(path)]) == 0
    assert "DEV049: Nom défini PARAM_TAUX_FG cassé" in capsys.readouterr().out
    assert XlsxFile(path).package.defined_names()["PARAM_TAUX_FG"] == cell


@pytest.mark.parametrize("definition", ["10%", "(0.1)", "0.05*2"])
def test_a_parameter_name_holding_an_expression_is_read_not_re_pointed(tmp_path, definition, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    _set_name(path, "PARAM_TAUX_FG", definition)
    assert main(["recalc", str(path)]) == 0
    assert "DEV049" not in capsys.readouterr().out
    book = XlsxFile(path)
    assert book.named_cell("DEVIS_FRAIS_GENERAUX")[0] == pytest.approx(round(book.named_cell("DEVIS_SOUS_TOTAL")[0] * 0.1, 2))


def test_a_sheet_scope_name_in_another_case_is_refused_too(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    _set_name(path, "param_taux_fg", "0.2", local=1)
    assert main(["recalc", str(path)]) == 1
    assert "DEV054" in capsys.readouterr().out


def test_formula_results_the_workbook_reads_as_python_does_are_accepted(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [{**LINE, "category": "technicien", "tag:écoproduction": "oui"}])
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST}", f'<c r="I{FIRST}" t="str"><f>UPPER("technicien")</f><v>TECHNICIEN</v></c>')
    tag = chr(64 + COLS["tag:écoproduction"])
    set_cell_xml(path, L.SHEET_DEVIS, f"{tag}{FIRST}", f'<c r="{tag}{FIRST}" t="str"><f>"Oui"</f><v>Oui</v></c>')
    set_cell_xml(path, L.SHEET_DEVIS, f"A{FIRST}", f'<c r="A{FIRST}"><f>240+1</f><v>241</v></c>')
    assert main(["recalc", str(path)]) == 0
    assert "DEV017" not in capsys.readouterr().out
    text = XlsxFile(path).package.read_text(sheet_part(path, L.SHEET_DEVIS))
    assert "UPPER(" in text and "240+1" in text


def test_an_old_utf16_part_is_refused_with_a_message(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    parts = parts_of(path)
    part = sheet_part(path, L.SHEET_CONTROLES)
    parts[part] = parts[part].decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    write_parts(path, parts)
    assert main(["recalc", str(path)]) == 2
    assert "UTF-16" in capsys.readouterr().err


def test_a_workbook_in_manual_calculation_is_said_to_be(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    parts = parts_of(path)
    parts["xl/workbook.xml"] = re.sub(rb"<calcPr\b", b'<calcPr calcMode="manual"', parts["xl/workbook.xml"])
    write_parts(path, parts)
    assert main(["recalc", str(path)]) == 0
    assert "devis.xlsx: avertissement DEV018" in capsys.readouterr().out


def test_a_csv_amount_the_line_does_not_give_is_refused(tmp_path, capsys):
    source = tmp_path / "lignes.csv"
    source.write_text("Compte;Libellé;Montant\n223;Assistant;30000\n", encoding="utf-8")
    assert main(["new", "devis", str(tmp_path / "d.xlsx"), "--depuis", str(source)]) == 2
    assert "Montant 30000" in capsys.readouterr().err


# -- fourth hostile review ------------------------------------------------------------------------

@pytest.mark.parametrize("renamed", ["synthèse", "SYNTHESE", "Synthe\u0300se"])
def test_the_synthese_renamed_in_another_case_or_accent_form_is_refused_not_duplicated(tmp_path, renamed, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    parts = parts_of(path)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace('name="Synthèse"'.encode(), f'name="{renamed}"'.encode())
    write_parts(path, parts)
    before = path.read_bytes()
    assert main(["recalc", str(path)]) == 2
    assert "doit s'appeler exactement « Synthèse »" in capsys.readouterr().err and path.read_bytes() == before


def test_a_sorted_parameters_table_gets_its_names_back_on_their_rows(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    names = XlsxFile(path).package.defined_names()
    row_fg = int(names["PARAM_TAUX_FG"].rsplit("$", 1)[1])
    row_imp = int(names["PARAM_TAUX_IMPREVUS"].rsplit("$", 1)[1])
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_PARAMETRES]
    for col in range(1, 7):  # a sort moves the rows' values, not the cells the names point to
        a, b = ws.cell(row=row_fg, column=col), ws.cell(row=row_imp, column=col)
        a.value, b.value = b.value, a.value
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    out = capsys.readouterr().out
    assert "DEV049: Nom défini PARAM_TAUX_FG : il désignait la ligne de « taux_imprevus »" in out
    book = XlsxFile(path)
    assert book.package.defined_names()["PARAM_TAUX_FG"].endswith(f"${row_imp}")
    sub = book.named_cell("DEVIS_SOUS_TOTAL")[0]
    assert book.named_cell("DEVIS_FRAIS_GENERAUX")[0] == pytest.approx(round(sub * 0.07, 2))


def test_a_csv_saved_by_excel_with_windows_line_ends_keeps_its_quotes(tmp_path, capsys):
    source = tmp_path / "lignes.csv"
    source.write_bytes('Compte;Libellé;Observations\r\n517;Régie;"x"""\r\n518;Cantine;"a ""b"""\r\n'.encode())
    out = tmp_path / "d.xlsx"
    assert main(["new", "devis", str(out), "--depuis", str(source)]) in (0, 1)
    notes = [r[COLS["note"] - 1] for r in XlsxFile(out).table(L.TABLE_DEVIS).rows]
    assert notes == ['x"', 'a "b"']


def test_the_form_version_is_read_without_regard_to_case_as_the_workbook_does(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    ref = XlsxFile(path).package.defined_names()["DEVIS_VERSION_FORMULAIRE"].split("!")[1].replace("$", "")
    set_cell_xml(path, L.SHEET_PARAMETRES, ref, inline(ref, "Classique"))
    assert main(["recalc", str(path)]) == 0
    assert "DEV044" not in capsys.readouterr().out
    book = XlsxFile(path)
    assert book.named_cell("DEVIS_VERSION_FORMULAIRE")[0] == "classique"
    assert book._grid(L.SHEET_SYNTHESE)[L.SYN_FIRST_CHAPTER_ROW + 1][1] == "Interprétation"  # chapter 3


def test_check_says_the_repairs_it_announces_are_left_to_recalc(tmp_path, capsys):
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_DEVIS].cell(row=FIRST, column=COLS["amount"]).value = 1
    wb.save(path)
    before = path.read_bytes()
    assert main(["check", str(path)]) == 0
    assert "contrôle seul, fichier inchangé" in capsys.readouterr().out and path.read_bytes() == before


def test_json_names_a_missing_file_as_a_failure(tmp_path, capsys):
    assert main(["recalc", "--json", str(tmp_path / "absent.xlsx")]) == 2
    assert json.loads(capsys.readouterr().out)["failure"].endswith("introuvable")


def test_a_defined_name_retyped_in_another_case_is_replaced_not_doubled_and_a_sheet_scoped_one_is_kept(tmp_path):
    """Excel's names ignore case: a workbook holding « devis_total » and xlprod's DEVIS_TOTAL would not open."""
    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    parts = parts_of(path)
    xml = parts["xl/workbook.xml"].decode()
    extra = ('<definedName name="devis_total">Devis!$A$1</definedName>'
             '<definedName name="DEVIS_TOTAL" localSheetId="0">Devis!$B$1</definedName>'
             '<definedName name="DEVIS_TOTAL_MAISON">Devis!$C$1</definedName>')
    parts["xl/workbook.xml"] = xml.replace("</definedNames>", extra + "</definedNames>").encode()
    write_parts(path, parts)
    book = XlsxFile(path)
    book.package.set_defined_names({"DEVIS_TOTAL": "Devis!$D$1"})
    book.save()
    names = re.findall(r'<definedName name="([^"]*)"([^>]*)>', parts_of(path)["xl/workbook.xml"].decode())
    total = [(n, attrs) for n, attrs in names if n.casefold() == "devis_total"]
    assert sorted(total) == [("DEVIS_TOTAL", ""), ("DEVIS_TOTAL", ' localSheetId="0"')], total
    assert ("DEVIS_TOTAL_MAISON", "") in names


def test_the_command_started_with_its_output_closed_ends_without_a_trace(tmp_path):
    """``xlprod check FILE >&-``: Python has no sys.stdout; the command still ends with its own code."""
    import sys

    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    for closed in (">&-", "2>&-"):
        done = subprocess.run(["bash", "-c", f'"{sys.executable}" -m xlprod.cli check "{path}" {closed}'],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (closed, done.stderr)
        assert "Traceback" not in done.stderr and "Traceback" not in done.stdout


def test_output_cut_short_by_its_reader_keeps_the_commands_code(tmp_path, monkeypatch):
    """``xlprod check FILE | head -1``: the reader goes away; the code still says the file has errors."""
    import sys

    path = make_devis(tmp_path / "devis.xlsx", [LINE])
    set_cell_xml(path, L.SHEET_DEVIS, f"I{FIRST}", inline(f"I{FIRST}", "technicien inconnu"))

    class GoneReader:
        def write(self, text: str) -> int:
            raise BrokenPipeError

        def flush(self) -> None:
            raise BrokenPipeError

    monkeypatch.setattr(sys, "stdout", GoneReader())
    assert main(["check", str(path)]) == 1
    assert main(["check", str(path), "--json"]) == 1


def test_ctrl_c_during_a_parallel_run_stops_it_promptly_and_leaves_every_workbook_whole(tmp_path):
    """Ctrl-C reaches the whole process group, workers included, and an impatient user presses it
    twice: the run stops with 130 (or ends, if it was done) saying how many workbooks were done, no
    worker prints a trace, nothing hangs nor is left running, and every workbook is the old one or
    the new one."""
    import signal
    import sys
    import time

    for name in "abc":  # two workers, three files: one worker waits for work while the other ends
        make_devis(tmp_path / f"{name}.xlsx", [LINE] * 1500)
    for delay, again in ((0.15, None), (0.3, 0.2), (0.45, None), (0.6, 0.05), (0.75, None), (0.9, 0.3), (1.05, None),
                         (1.2, 0.1)):
        done = subprocess.Popen([sys.executable, "-m", "xlprod.cli", "recalc", str(tmp_path), "--jobs", "2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        time.sleep(delay)
        os.killpg(done.pid, signal.SIGINT)  # as a terminal sends it
        if again is not None:
            time.sleep(again)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(done.pid, signal.SIGINT)
        try:
            _, err = done.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(done.pid, signal.SIGKILL)
            pytest.fail(f"still running 60 s after Ctrl-C (at {delay} s, again {again})")
        assert done.returncode in (130, 0, 1), (delay, err)
        text = err.decode(errors="replace")
        assert "Traceback" not in text and "Exception" not in text, text
        assert done.returncode != 130 or "interrompu" in text
        time.sleep(0.5)
        with pytest.raises(ProcessLookupError):  # no worker left behind
            os.killpg(done.pid, 0)
        for f in tmp_path.glob("*.xlsx"):
            with zipfile.ZipFile(f) as z:
                assert z.testzip() is None


def test_a_second_ctrl_c_while_the_workers_end_their_files_neither_hangs_nor_begins_another(tmp_path):
    """Each file made to take 2 s: Ctrl-C at 0.8 s while both workers hold one, again at 1.3 s while
    the run waits for them. The two end, the third (which the pool had already handed to a worker)
    is not begun, and the run says so."""
    import signal
    import sys
    import time

    for name in "abc":
        make_devis(tmp_path / f"{name}.xlsx", [LINE])
    before = (tmp_path / "c.xlsx").read_bytes()
    slow = ("import sys, time, xlprod.cli as c; o = c._process; "
            "c._process = lambda *a, **k: (time.sleep(2), o(*a, **k))[1]; "
            f"sys.argv = ['xlprod', 'recalc', {str(tmp_path)!r}, '--jobs', '2']; c.entry()")
    run = subprocess.Popen([sys.executable, "-c", slow], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           start_new_session=True)
    time.sleep(0.8)
    os.killpg(run.pid, signal.SIGINT)
    time.sleep(0.5)
    os.killpg(run.pid, signal.SIGINT)
    try:
        _, err = run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        pytest.fail("still running 60 s after two Ctrl-C")
    text = err.decode(errors="replace")
    assert run.returncode == 130 and "Traceback" not in text, text
    assert "interrompu : 2 classeur(s) sur 3 recalculé(s)" in text, text
    assert (tmp_path / "c.xlsx").read_bytes() == before  # not begun
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(run.pid, 0)
