"""Benchmark (not a test): « Recalculer la trésorerie » on 60 months × 40 sources, fed by a
5,000-line devis.

Compares, in the same run and on the same file: xlprod's recalculation (in process, and as the
``xlprod recalc FILE`` command a user waits for) with LibreOffice's headless recalculation of the
same file. Target: at least 10× faster than LibreOffice. The cases take turns in each round, so a
slower spell of the machine weighs on all of them alike.

    python benchmarks/bench_tresorerie.py [--sources 40] [--lines 5000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_recalc import interleaved, make_rows, run_command, xlprod_command

from xlprod.cnc.financing import source_types
from xlprod.kinds.devis.builder import build_devis
from xlprod.kinds.tresorerie import layout as L
from xlprod.kinds.tresorerie.builder import TresoInputs, build_tresorerie
from xlprod.kinds.tresorerie.demo import CALENDAR
from xlprod.runtime import collector_paused
from xlprod.services import recalculate
from xlprod.workbook.libreoffice import recalculate_with_libreoffice, soffice
from xlprod.workbook.xlsx_file import XlsxFile


def _recalc(path: Path) -> None:
    book = XlsxFile(path)
    with collector_paused():
        recalculate(book)
    book.save()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=int, default=40)
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xlprod-bench-treso-"))
    try:
        devis = work / "devis.xlsx"
        build_devis(devis, make_rows(args.lines), title="Benchmark")
        _recalc(devis)
        types = [t for t in source_types() if t != "crédit d'impôt"]
        sources = [{"name": f"Source {i + 1}", "type": types[i % len(types)], "amount": 100_000.0 + 1_000 * i,
                    "signature": dt.date(2026, 1, 5) + dt.timedelta(days=7 * i)} for i in range(args.sources)]
        tranches = [{"source": s["name"], "number": k, "share": float(t.share), "event": L.EVENT_LABELS[t.event],
                     "delay": t.delay_days} for s in sources
                    for k, t in enumerate(source_types()[str(s["type"])].schedule, start=1)]
        plan = work / "tresorerie.xlsx"
        build_tresorerie(plan, TresoInputs(title="Benchmark", devis=devis.name, sources=sources, tranches=tranches,
                                           calendar=CALENDAR))
        _recalc(plan)
        target = work / "run.xlsx"

        def copy() -> None:
            shutil.copy(plan, target)

        cases: dict[str, object] = {"in process": lambda: _recalc(target),
                                    "command": lambda: run_command([*xlprod_command(), "recalc", str(target)])}
        if soffice() is not None:
            cases["LibreOffice"] = lambda: recalculate_with_libreoffice(target, work / "lo")
        t = interleaved(cases, args.repeat, {name: copy for name in cases})
        months, rows = L.MONTHS, L.Grid(args.sources).last_row - L.RECEIPTS_HEADER_ROW
        print(f"cash flow of {months} months × {args.sources} sources ({rows} rows of the monthly table), "
              f"fed by a {args.lines}-line devis; median of {args.repeat} runs")
        print(f"  xlprod recalc, in process           {t['in process']:7.3f} s")
        print(f"  xlprod recalc FILE (whole process)  {t['command']:7.3f} s")
        if "LibreOffice" in t:
            lo = t["LibreOffice"]
            print(f"  LibreOffice headless recalculation  {lo:7.3f} s")
            print(f"  LibreOffice / xlprod: in process {lo / t['in process']:5.1f}× ; whole process "
                  f"{lo / t['command']:5.1f}× (target >= 10×)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
