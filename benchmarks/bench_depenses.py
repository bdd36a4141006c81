"""Benchmark (not a test): « Importer des écritures » then « Recalculer » an expense workbook, fed
with a FEC of 100,000 expense entries, against a 240-line devis frozen as its version.

Compares, in the same run and on the same file: xlprod's import + recalculation (in process, and
as the ``xlprod import FILE FEC`` command a user waits for, which imports, recalculates and saves)
with LibreOffice's headless recalculation of the imported workbook (Montant EUR on every row, the
SUMIFS of the Suivi, Versions and Coût définitif sheets). Target: at least 10× faster than
LibreOffice. xlprod's recalculation alone, on the imported workbook, is timed too. The cases take
turns in each round, each from a fresh copy of its file, so a slower spell of the machine weighs
on all of them alike.

    python benchmarks/bench_depenses.py [--entries 100000] [--repeat 5]

The floor is what any import of this FEC must do, as a command: start Python and pandas, read the
FEC with pandas (as the issue asks), and write the workbook back with its Dépenses sheet of 100,000
rows deflated anew, as xlprod's save does; nothing is checked, grouped, matched or computed.
LibreOffice's time over the floor's is the best ratio any import written this way could reach.

Each accounting entry of the FEC is three lines: a charge (class 6), its deductible VAT (44566) and
the supplier (401); one entry in 40 is on a charge account no correspondence names (« à affecter »).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_recalc import interleaved, run_command, xlprod_command

from xlprod.kinds.depenses.builder import DepensesInputs, build_depenses
from xlprod.kinds.depenses.demo import LEDGER, SUPPLIERS, ledger_account, mapping_rows
from xlprod.kinds.depenses.importer import import_ledger
from xlprod.kinds.depenses.snapshot import read_devis_version, snapshot
from xlprod.kinds.depenses.tracking import chapter_of
from xlprod.kinds.devis.demo import build_sample
from xlprod.runtime import collector_paused
from xlprod.services import recalculate
from xlprod.workbook.libreoffice import recalculate_with_libreoffice, soffice
from xlprod.workbook.xlsx_file import XlsxFile

FEC_HEAD = ("JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
            "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise")
UNMAPPED = "62570000"  # receptions: a charge account no correspondence names, imported « à affecter »


def _recalc(path: Path) -> None:
    book = XlsxFile(path)
    with collector_paused():
        recalculate(book)
    book.save()


def _import(path: Path, fec: Path) -> int:
    """As ``xlprod import`` does: import, re-read what was added, recalculate, save; rows added."""
    book = XlsxFile(path)
    done = import_ledger(book, fec.read_bytes(), fec.name)
    book.refresh()
    with collector_paused():
        recalculate(book)
    book.save()
    return done.added


FLOOR = """
import csv, io, sys
import pandas as pd
from xlprod.workbook.package import XlsxPackage
fec, blank, xml, out, sheet = sys.argv[1:]
text = open(fec, "rb").read().decode("cp1252").replace("\\r\\n", "\\n")
frame = pd.read_csv(io.StringIO(text), sep="|", header=None, dtype=object, keep_default_na=False, na_filter=False,
                    quoting=csv.QUOTE_NONE, lineterminator="\\n", engine="c")
package = XlsxPackage.open(blank)
with open(xml, "rb") as f:  # the sheet as xlprod's import writes it, its rows already made
    package.write(sheet, f.read())
package.save(out)
"""


def floor_command(fec: Path, blank: Path, imported: Path, out: Path) -> list[str]:
    """The floor as a command (module docstring): the same interpreter, xlprod's package writer; the
    imported workbook's Dépenses sheet is put beside it, uncompressed, for the command to write."""
    book = XlsxFile(imported, for_writing=False)
    sheet = book._part(book.table("Depenses").sheet)  # type: ignore[union-attr]
    xml = out.with_suffix(".xml")
    xml.write_bytes(book.package.read(sheet))
    return [sys.executable, "-c", FLOOR, str(fec), str(blank), str(xml), str(out), sheet]


def write_fec(path: Path, accounts: list[tuple[str, str, Decimal]], entries: int, seed: int = 2026) -> int:
    """``entries`` purchase invoices as the demo's FEC writes them (pipe-separated, Windows-1252, CRLF,
    French decimals), spread over 2026 and over the devis accounts, each account spending about its
    budget, roughly; returns the number of lines."""
    rng = random.Random(seed)
    lines = [FEC_HEAD]
    start = dt.date(2026, 1, 5)

    def amount(cents: int) -> str:
        return f"{cents // 100},{cents % 100:02d}"

    for k in range(1, entries + 1):
        account, label, budget = accounts[k % len(accounts)]
        chapter = chapter_of(account) or 9
        ledger = UNMAPPED if k % 40 == 0 else ledger_account(LEDGER[chapter], account)
        day = start + dt.timedelta(days=rng.randrange(350))
        date = f"{day:%Y%m%d}"
        share = int(budget * 100 * len(accounts) / entries)  # cents: this entry's part of the line's budget
        ht = max(100, int(share * rng.uniform(0.6, 1.45)))
        vat = ht // 5
        supplier = rng.choice(SUPPLIERS.get(chapter, ["Divers"]))
        aux = "F" + "".join(ch for ch in supplier.upper() if ch.isalnum())[:8]
        let, datelet = ("AB", f"{day + dt.timedelta(days=30):%Y%m%d}") if rng.random() < 0.6 else ("", "")
        num, piece, text = f"HA{k:06d}", f"FA-{k:06d}", label[:40].replace("|", "/")
        lines.append(f"HA|Achats|{num}|{date}|{ledger}|{text}|||{piece}|{date}|{text}|{amount(ht)}|0,00|||{date}||")
        lines.append(f"HA|Achats|{num}|{date}|44566000|TVA déductible|||{piece}|{date}|{text}|{amount(vat)}|0,00|||"
                     f"{date}||")
        lines.append(f"HA|Achats|{num}|{date}|40100000|Fournisseurs|{aux}|{supplier}|{piece}|{date}|{text}|0,00|"
                     f"{amount(ht + vat)}|{let}|{datelet}|{date}||")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252", errors="replace"))
    return len(lines) - 1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100_000, help="expense entries of the FEC (3 lines each)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xlprod-bench-depenses-"))
    try:
        devis = build_sample(work)
        _recalc(devis)
        blank = work / "depenses.xlsx"
        version = XlsxFile(devis, for_writing=False)
        devis_lines = len(version.table("Devis").rows)  # type: ignore[union-attr]
        # the correspondences need the version's accounts: read them as the snapshot freezes them
        frozen, _ = read_devis_version(version, "Dépôt CNC", devis.name)
        amounts = {line.account: (line.label, line.amount) for line in frozen.lines}
        build_depenses(blank, DepensesInputs(title="Benchmark", devis=devis.name, mapping=mapping_rows(amounts)))
        book = XlsxFile(blank)
        snapshot(book, XlsxFile(devis, for_writing=False), "Dépôt CNC", devis.name)
        book.save()
        fec = work / "FEC-benchmark.txt"
        mapped = [(a, label, amount) for a, (label, amount) in sorted(amounts.items()) if len(a) >= 4 and amount > 0]
        fec_lines = write_fec(fec, mapped, args.entries)

        imported = work / "imported.xlsx"  # the same workbook, the FEC imported and recalculated by xlprod
        shutil.copy(blank, imported)
        added = _import(imported, fec)
        if added != args.entries:
            raise RuntimeError(f"{added} rows imported, {args.entries} expected")

        targets = {name: work / f"run-{k}.xlsx" for k, name in
                   enumerate(("import in process", "import command", "recalc in process", "LibreOffice"))}
        sources = {"import in process": blank, "import command": blank, "recalc in process": imported,
                   "LibreOffice": imported}
        cases: dict[str, object] = {
            "import in process": lambda: _import(targets["import in process"], fec),
            "import command": lambda: run_command([*xlprod_command(), "import", str(targets["import command"]),
                                                   str(fec)], expect=f"{args.entries} nouvelles"),
            "recalc in process": lambda: _recalc(targets["recalc in process"]),
        }
        floor = floor_command(fec, blank, imported, work / "floor.xlsx")
        cases["floor"] = lambda: run_command(floor)
        if soffice() is not None:
            cases["LibreOffice"] = lambda: recalculate_with_libreoffice(targets["LibreOffice"], work / "lo",
                                                                        timeout=3600)
        prepare = {name: (lambda n=name: shutil.copy(sources[n], targets[n])) for name in cases if name in sources}
        t = interleaved(cases, args.repeat, prepare)
        print(f"{args.entries} expense entries ({fec_lines} FEC lines, {fec.stat().st_size / 1e6:.1f} MB) imported into "
              f"an expense workbook whose version is a {devis_lines}-line devis; median of {args.repeat} runs")
        print(f"  xlprod import + recalc, in process           {t['import in process']:7.3f} s")
        print(f"  xlprod import FILE FEC (whole process)       {t['import command']:7.3f} s")
        print(f"  xlprod recalc only, in process               {t['recalc in process']:7.3f} s   "
              f"({args.entries} rows in Dépenses)")
        print(f"  floor: pandas reads the FEC, sheet written    {t['floor']:7.3f} s   (whole process; xlprod's "
              f"import is {t['import command'] / t['floor']:.1f}× it)")
        if "LibreOffice" in t:
            lo = t["LibreOffice"]
            print(f"  LibreOffice / floor                          {lo / t['floor']:5.1f}×   (the best ratio an import "
                  "reading with pandas could reach)")
            print(f"  LibreOffice headless recalculation           {lo:7.3f} s")
            print(f"  LibreOffice / xlprod import + recalc: in process {lo / t['import in process']:5.1f}× ; whole "
                  f"process {lo / t['import command']:5.1f}× (target >= 10×)")
            print(f"  LibreOffice / xlprod recalc only, in process {lo / t['recalc in process']:5.1f}×")
        else:
            print("  LibreOffice not installed: ratio against it not measured")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
