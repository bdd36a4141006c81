"""Kinds plug in: one registry entry gives a kind its CLI commands, its ribbon buttons and its
place in the « Recalculer » dispatch; the devis is one kind among others."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter

from xlprod import kinds
from xlprod.cli import main
from xlprod.excel_setup import ribbon_groups
from xlprod.kinds.registry import Action, DemoPart, Kind, Report
from xlprod.services import run_action
from xlprod.workbook.port import WorkbookPort, WritePlan
from xlprod.workbook.sheetxml import CellWrite
from xlprod.workbook.xlsx_file import XlsxFile


@dataclass(frozen=True)
class _Total:
    total: float

    def headline(self) -> str:
        return f"total {self.total:.2f}"

    def render(self) -> str:
        return f"Notes : {self.total:.2f}"

    def to_json(self) -> dict[str, object]:
        return {"total": f"{self.total:.2f}"}


def _build(path: Path, options) -> int:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Notes")
    ws.add_table(0, 0, 2, 0, {"name": "Notes", "columns": [{"header": "Montant"}], "data": [[10.5], [4]]})
    ws.write("C1", options.get("titre") or "")
    wb.define_name("XLPROD_TYPE", '="notes"')
    wb.close()
    return 2


def _recalc(book: WorkbookPort, now: dt.datetime) -> Report:
    table = book.table("Notes")
    assert table is not None
    total = sum(r[0] for r in table.rows)
    plan = WritePlan()
    plan.sheet("Notes").set(1, 3, CellWrite(total))
    book.apply(plan)
    return Report(book=book.book_name, kind="notes", summary=_Total(total))


def _clear(book: WorkbookPort, now: dt.datetime) -> Report:
    plan = WritePlan()
    plan.sheet("Notes").set(1, 3, CellWrite(""))
    book.apply(plan)
    return Report(book=book.book_name, kind="notes")


def _demo(out: Path) -> DemoPart:
    path = out / "notes.xlsx"
    _build(path, {})
    return DemoPart(paths=[path], text="Notes d'exemple")


NOTES = Kind(name="notes", title="Notes", description="un type de classeur d'essai", default_file="notes.xlsx",
             recalculate=_recalc, build_new=_build, demo=_demo,
             actions=(Action("effacer", "Effacer", "efface le total", _clear),))


@pytest.fixture
def with_notes(monkeypatch):
    monkeypatch.setitem(kinds.KINDS, "notes", NOTES)


def test_the_devis_is_registered_as_a_kind():
    assert kinds.KINDS["devis"].name == "devis"
    assert kinds.KINDS["devis"].buttons()[0][:2] == ("recalculer", "Recalculer")


def test_each_kind_is_declared_with_its_layouts_name_without_loading_its_rules():
    """The declarations repeat a few constants so that loading the registry loads no kind's rules."""
    from xlprod.cnc.reference import FORM_VERSIONS
    from xlprod.kinds import devis
    from xlprod.kinds.catalogue import layout as catalogue
    from xlprod.kinds.depenses import layout as depenses
    from xlprod.kinds.devis import layout as devis_layout
    from xlprod.kinds.tresorerie import layout as tresorerie

    assert [k for k in kinds.KINDS] == [devis_layout.KIND, depenses.KIND, tresorerie.KIND, catalogue.KIND]
    assert devis.FORM_VERSIONS == FORM_VERSIONS


def test_every_action_declared_for_first_use_names_a_function_that_exists():
    import importlib

    for kind in kinds.KINDS.values():
        for run in (kind.recalculate, kind.demo, *(a.run for a in kind.actions)):
            assert callable(getattr(importlib.import_module(run.__module__), run.__name__)), (kind.name, run.__name__)


def test_a_registered_kind_gets_new_recalc_its_actions_and_the_demo(with_notes, tmp_path, capsys):
    path = tmp_path / "n.xlsx"
    assert main(["new", "notes", str(path)]) == 0
    assert "Notes créé (2 lignes" in capsys.readouterr().out
    assert main(["recalc", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "notes" and out["total"] == "14.50"
    assert XlsxFile(path).kind() == "notes"
    assert main(["notes", "effacer", str(path)]) == 0
    assert run_action(XlsxFile(path), "effacer", now=dt.datetime(2026, 1, 1)).summary is None
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    assert (tmp_path / "demo" / "notes.xlsx").exists()
    assert (tmp_path / "demo" / "devis-les-heures-claires.xlsx").exists()


def test_the_ribbon_gets_a_group_for_a_kinds_actions(with_notes):
    groups = ribbon_groups()
    assert groups[0].buttons[0].tag == "recalculer"
    assert [(b.tag, b.label) for b in groups[-1].buttons] == [("effacer", "Effacer")]
    assert groups[-1].label == "Notes"


def test_an_action_of_another_kind_is_refused_with_a_message(with_notes, tmp_path, capsys):
    path = tmp_path / "devis.xlsx"
    assert main(["new", "devis", str(path)]) == 0
    assert main(["notes", "effacer", str(path)]) == 2
    assert "l'action « effacer » ne s'applique pas à un classeur de type devis" in capsys.readouterr().err


def test_an_unknown_kind_names_the_known_ones(tmp_path, capsys):
    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet()
    wb.define_name("XLPROD_TYPE", '="notes-de-frais"')
    wb.close()
    assert main(["recalc", str(path)]) == 2
    assert ("type de classeur « notes-de-frais » inconnu de cette version de xlprod (devis, depenses, tresorerie, "
            "catalogue)") in capsys.readouterr().err


def test_a_recalculation_imports_only_what_it_needs(tmp_path):
    """Whole-process time of a small file goes to work, not to imports it does not use."""
    import subprocess
    import sys

    path = tmp_path / "petit.xlsx"
    assert main(["new", "devis", str(path)]) == 0
    code = ("import sys; from xlprod.cli import main; main(['recalc', sys.argv[1]]); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'tqdm', 'xlsxwriter', 'openpyxl', 'xlwings', "
            "'olefile', 'concurrent', 'pandas', 'numpy', 'hypothesis'}))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_recalculation_loads_no_other_kinds_rules(tmp_path):
    """A cash-flow plan recalculated from the command line loads neither the devis' nor the catalogue's rules."""
    import subprocess
    import sys

    path = tmp_path / "treso.xlsx"
    assert main(["new", "tresorerie", str(path)]) == 1  # a new plan has no dates yet: said, not refused
    code = ("import sys; from xlprod.cli import main; main(['recalc', sys.argv[1]]); "
            "print(sorted(m for m in sys.modules if m.startswith('xlprod.kinds.') and m.count('.') == 3))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False)
    loaded = out.stdout.strip().splitlines()[-1]
    assert "xlprod.kinds.tresorerie.recalc" in loaded
    assert "xlprod.kinds.devis." not in loaded and "xlprod.kinds.catalogue." not in loaded
    assert "xlprod.kinds.depenses." not in loaded


def test_new_from_a_csv_reports_issues_on_the_files_own_name_and_exits_1(tmp_path, capsys):
    csv_path = tmp_path / "lignes.csv"
    csv_path.write_text("Compte;Libellé;Quantité;Nombre;Taux unitaire\n241;Chef op;huit;1;3000\n", encoding="utf-8")
    assert main(["new", "devis", str(tmp_path / "film.xlsx"), "--depuis", str(csv_path)]) == 1
    out = capsys.readouterr().out
    assert "film.xlsx!Devis!D6: erreur DEV010" in out and ".~xlprod" not in out


def test_new_from_a_csv_with_an_unknown_header_creates_nothing_and_names_it(tmp_path, capsys):
    csv_path = tmp_path / "lignes.csv"
    csv_path.write_text("Compte;Libelle;Qté;Taux\n521;Décors;1;100\n", encoding="utf-8")
    assert main(["new", "devis", str(tmp_path / "film.xlsx"), "--depuis", str(csv_path)]) == 2
    err = capsys.readouterr().err
    assert "en-tête(s) non reconnu(s) : « Qté », « Taux »" in err
    assert not (tmp_path / "film.xlsx").exists()


def test_every_issue_of_a_report_names_its_file_and_the_cell_behind_a_defined_name(tmp_path):
    """A folder run prints many files' issues: each says which file, and where in it."""
    from xlprod.core.issues import warning
    from xlprod.core.location import Location
    from xlprod.services import placed

    path = tmp_path / "devis.xlsx"
    assert main(["new", "devis", str(path)]) == 0
    book = XlsxFile(path, for_writing=False)
    found = placed([warning("X1", Location(name="DEVIS_TOTAL"), "m"), warning("X2", Location(sheet="Devis"), "m"),
                    warning("X3", Location(name="NOM_INCONNU"), "m")], book)
    total = book.named_cell("DEVIS_TOTAL")[1]
    assert [str(i.location) for i in found] == [f"devis.xlsx!{total.sheet}!{total.cell}", "devis.xlsx!Devis",
                                                "devis.xlsx!NOM_INCONNU"]
    assert found[0].location.in_book() == "DEVIS_TOTAL"  # the workbook's link still follows the name
