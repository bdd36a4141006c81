"""Golden topsheet of the sample production, and the CLI's batch mode."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tests.conftest import recalc
from xlprod.cli import main
from xlprod.kinds.devis.demo import build_sample
from xlprod.kinds.devis.topsheet import render_topsheet

GOLDEN = Path(__file__).parent / "golden" / "topsheet-exemple.txt"


def test_sample_topsheet_matches_the_golden_file(tmp_path):
    report = recalc(build_sample(tmp_path))
    text = render_topsheet(report.summary.result, report.summary.budget.parameters) + "\n"
    if os.environ.get("XLPROD_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_demo_builds_recalculates_and_prints_the_topsheet(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "TOTAL GÉNÉRAL" in out and "Les Heures claires" in out
    assert (tmp_path / "devis-les-heures-claires.xlsx").exists()


def test_a_folder_is_recalculated_in_parallel_and_reported_as_json(tmp_path, capsys):
    first = build_sample(tmp_path / "a")
    for i in range(3):
        shutil.copy(first, tmp_path / "a" / f"copie-{i}.xlsx")
    (tmp_path / "a" / "pas-xlprod.xlsx").write_bytes((Path(__file__).parent / "golden" / "topsheet-exemple.txt").read_bytes())
    code = main(["recalc", str(tmp_path / "a"), "--jobs", "2", "--json"])
    data = json.loads(capsys.readouterr().out)
    files = {Path(d["file"]).name: d for d in data}
    assert {"copie-0.xlsx", "copie-1.xlsx", "copie-2.xlsx", "devis-les-heures-claires.xlsx"} <= set(files)
    assert len({d["total"] for d in data if "total" in d}) == 1
    assert "failure" in files["pas-xlprod.xlsx"] and code == 2


def test_check_does_not_modify_the_file(tmp_path, capsys):
    path = build_sample(tmp_path)
    before = path.read_bytes()
    assert main(["check", str(path)]) == 0
    assert path.read_bytes() == before
    assert "vérifié" in capsys.readouterr().out


def test_new_devis_from_csv_and_from_a_malformed_csv(tmp_path, capsys):
    csv_ok = tmp_path / "lignes.csv"
    csv_ok.write_text("Compte;Libellé;Quantité;Nombre;Taux unitaire;Catégorie de paie\n"
                      "241;Chef opérateur;7;1;3 000,00;cadre\n711;Caméra;7;1;4800;\n", encoding="utf-8")
    assert main(["new", "devis", str(tmp_path / "d.xlsx"), "--depuis", str(csv_ok)]) == 0
    data_ok = main(["recalc", str(tmp_path / "d.xlsx"), "--json"])
    assert data_ok == 0
    total = json.loads(capsys.readouterr().out.split("\n", 1)[1])["subtotal"]
    assert total == f"{21000 + 21000 * 0.63656 + 33600:.2f}"
    bad = tmp_path / "bad.csv"
    bad.write_text("Libellé;Montant\nx;1\n", encoding="utf-8")
    assert main(["new", "devis", str(tmp_path / "e.xlsx"), "--depuis", str(bad)]) == 2
    assert "Compte" in capsys.readouterr().err
    assert not (tmp_path / "e.xlsx").exists()
