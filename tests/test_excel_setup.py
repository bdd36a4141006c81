"""The add-in and the workbook buttons, inspected with oletools as Excel would load them: VBA,
config sheet and customUI must agree with each other and with the Python that built them."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import olefile
import pytest
from oletools.olevba import VBA_Parser

from tests.fake_excel import FakeBook
from xlprod.cli import main
from xlprod.excel_setup import excel_setup, user_config_path, write_user_config
from xlprod.excel_ui import run_in_excel
from xlprod.kinds import KINDS
from xlprod.workbook.addin import CONFIG_SHEET, PROJECT, RIBBON_MODULE

PYTHON_WIN = r"C:\Users\admin prod\envs\xlprod\Scripts\python.exe"


def vba_sources(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def project_stream(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        ole = olefile.OleFileIO(io.BytesIO(zf.read("xl/vbaProject.bin")))
        return ole.openstream("PROJECT").read().decode("cp1252")


def sheet_settings(path: Path) -> tuple[str, dict[str, str]]:
    with zipfile.ZipFile(path) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    name = re.search(r'<sheet name="([^"]+)"', workbook).group(1)
    cells = dict(re.findall(r'<c r="([AB]\d+)"[^>]*><is><t[^>]*>([^<]*)</t></is></c>', sheet))
    rows = {int(ref[1:]) for ref in cells}
    return name, {cells[f"A{r}"]: cells.get(f"B{r}", "") for r in sorted(rows)}


@pytest.fixture
def addin(tmp_path):
    excel_setup(tmp_path, interpreter=PYTHON_WIN, platform="win32", home=tmp_path / "home")
    return tmp_path / "xlprod.xlam"


def test_the_addin_reads_its_own_config_sheet_which_names_this_python(addin):
    sources = vba_sources(addin)
    const = re.search(r'Public Const PROJECT_NAME As String = "([^"]*)"', sources["xlwings"]).group(1)
    assert const == PROJECT == "xlprod"
    sheet, settings = sheet_settings(addin)
    assert sheet == f"{const}.conf" == CONFIG_SHEET  # enabled: no leading underscore
    assert settings == {"Interpreter_Win": PYTHON_WIN}  # no empty key that would stop xlwings' lookup
    assert 'Name="xlprod"' in project_stream(addin)
    assert "myaddin" not in sources["xlwings"].lower().replace('"myaddin"', "")


def test_every_ribbon_button_calls_a_macro_the_vba_defines_with_an_action_python_knows(addin):
    with zipfile.ZipFile(addin) as zf:
        ui = zf.read("customUI/customUI.xml").decode()
    sources = vba_sources(addin)
    buttons = re.findall(r'<button [^>]*tag="([^"]+)"[^>]*onAction="([\w.]+)"', ui)
    assert buttons and buttons[0][0] == "recalculer"
    actions = {"recalculer"} | {a.name for k in KINDS.values() for a in k.actions}
    for tag, on_action in buttons:
        module, proc = on_action.split(".")
        assert module == RIBBON_MODULE
        assert re.search(rf"Sub {proc}\(control As IRibbonControl\)", sources[module])
        assert tag in actions
    assert "RunPython \"import xlprod_macros; xlprod_macros.run_on_active('\" & control.Tag & \"')\"" in sources[RIBBON_MODULE]
    assert 'label="Recalculer"' in ui


def test_the_user_config_file_is_what_the_renamed_vba_reads_and_keeps_other_settings(tmp_path):
    win = user_config_path("win32", tmp_path)
    assert win == tmp_path / ".xlprod" / "xlprod.conf"  # %USERPROFILE%\.<PROJECT_NAME>\<PROJECT_NAME>.conf
    mac = user_config_path("darwin", tmp_path)
    assert mac.parts[-5:] == ("Library", "Containers", "com.microsoft.Excel", "Data", "xlprod.conf")
    win.parent.mkdir(parents=True)
    win.write_text('"UDF MODULES","mes_udfs"\r\n', encoding="utf-8")
    write_user_config(win, {"Interpreter_Win": PYTHON_WIN + "é"}, "win32")
    expected = f'"UDF MODULES","mes_udfs"\r\n"INTERPRETER_WIN","{PYTHON_WIN}é"\r\n'
    assert win.read_bytes() == expected.encode("cp1252")  # what VBA's Input # reads on Windows


def test_excel_setup_from_the_cli_defaults_to_the_running_interpreter(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    assert main(["excel-setup", "--out", str(tmp_path / "addin")]) == 0
    import sys
    _, settings = sheet_settings(tmp_path / "addin" / "xlprod.xlam")
    assert list(settings.values()) == [sys.executable]
    assert "complément Excel créé" in capsys.readouterr().out


def test_a_new_xlsm_workbook_carries_buttons_bound_to_macros_that_run_its_actions(tmp_path, capsys):
    path = tmp_path / "film.xlsm"
    assert main(["new", "devis", str(path), "--titre", "Film"]) == 0
    with zipfile.ZipFile(path) as zf:
        vml = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".vml"))
        assert "xl/vbaProject.bin" in zf.namelist()
    macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert macros == ["xlprod_recalculer", "xlprod_recalculer"]  # on Devis and on Synthèse
    sources = vba_sources(path)
    assert re.search(r"Sub xlprod_recalculer\(\)\s+RunPython \"import xlprod_macros; xlprod_macros.run\('recalculer'\)\"",
                     sources["Module1"])
    assert 'Public Const PROJECT_NAME As String = "xlprod"' in sources["xlwings"]
    assert ">Recalculer<" in vml
    # the headless recalculation keeps the macros and the buttons byte for byte
    before = {n: zipfile.ZipFile(path).read(n) for n in ("xl/vbaProject.bin", "xl/drawings/vmlDrawing1.vml")}
    assert main(["recalc", str(path)]) == 0
    assert {n: zipfile.ZipFile(path).read(n) for n in before} == before


def test_a_new_xlsx_workbook_has_no_macros(tmp_path):
    path = tmp_path / "film.xlsx"
    assert main(["new", "devis", str(path)]) == 0
    assert "xl/vbaProject.bin" not in zipfile.ZipFile(path).namelist()


def test_excel_messages_are_french_and_never_a_traceback(tmp_path, monkeypatch):
    from tests.conftest import make_devis
    from xlprod import excel_ui
    from xlprod.kinds.devis import builder

    monkeypatch.setattr(excel_ui, "LOG_FILE", tmp_path / "xlprod.log")
    path = make_devis(tmp_path / "devis.xlsx", [{"account": "241", "quantity": 2, "number": 1, "unit_rate": 1000,
                                                "category": "cadre"}, {"account": "2x9", "quantity": 1}])
    book = FakeBook(path)
    report = run_in_excel(book)
    (title, text), = book.app.alerts
    assert report is not None and title == "xlprod — Devis CNC"
    assert text.startswith("Recalcul terminé : total ") and "Devis!A7" in text and "onglet Contrôles" in text

    other = FakeBook(builder.build_devis(tmp_path / "autre.xlsx", [], title="x"))
    del other.names["XLPROD_TYPE"]
    assert run_in_excel(other) is None
    assert "n'est pas un classeur xlprod" in other.app.alerts[-1][1] and "xlprod new devis" in other.app.alerts[-1][1]

    broken = FakeBook(path)
    broken.sheets = None  # anything unexpected
    assert run_in_excel(broken) is None
    assert broken.app.alerts[-1][1].startswith("Erreur inattendue")
    assert "Traceback" in (tmp_path / "xlprod.log").read_text()


@pytest.mark.parametrize("python", ["python3", "bin/python", "/nonexistent/python3"])
def test_excel_setup_refuses_an_interpreter_excel_could_not_start_and_writes_nothing(tmp_path, monkeypatch, capsys,
                                                                                      python):
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    out = tmp_path / "addin"
    assert main(["excel-setup", "--out", str(out), "--python", python]) == 2
    assert "interpréteur" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / ".xlprod").exists()
