"""Benchmark (not a test): headless recalculation of a 5,000-line devis.

Compares, in the same run and on the same file:
  * xlprod recalc (read, validate, compute, patch, save);
  * the floor: just reading the inputs (calamine) and writing the file back (zip rewrite);
  * LibreOffice headless recalculation of the same file.
Targets: at least 10x faster than LibreOffice, within 1.5x of the floor.

    python benchmarks/bench_recalc.py [--lines 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from xlprod.demo import sample_csv
from xlprod.services import recalculate
from xlprod.workbook.csv_lines import read_lines_csv
from xlprod.workbook.devis_builder import build_devis
from xlprod.workbook.libreoffice import recalculate_with_libreoffice, soffice
from xlprod.workbook.xlsx_file import XlsxFile


def make_rows(n: int) -> list[dict[str, object]]:
    sample = read_lines_csv(sample_csv())
    rows = []
    for i in range(n):
        row = dict(sample[i % len(sample)])
        row["account"] = f"{row['account']}{i // len(sample):02d}"
        rows.append(row)
    return rows


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xlprod-bench-"))
    try:
        master = work / "devis.xlsx"
        build_devis(master, make_rows(args.lines), title="Benchmark")
        book = XlsxFile(master)
        recalculate(book)
        book.save()
        target = work / "run.xlsx"

        def xlprod_recalc() -> None:
            shutil.copy(master, target)
            b = XlsxFile(target)
            recalculate(b)
            b.save()

        def floor() -> None:
            shutil.copy(master, target)
            b = XlsxFile(target)
            b.table("Devis")
            for name in ("PARAM_TAUX_FG", "PARAM_TAUX_IMPREVUS"):
                b.named_cell(name)
            b.package.write_text("xl/workbook.xml", b.package.read_text("xl/workbook.xml"))
            b.save()

        def copy_only() -> None:
            shutil.copy(master, target)

        t_copy = timed(copy_only, args.repeat)
        t_xlprod = timed(xlprod_recalc, args.repeat) - t_copy
        t_floor = timed(floor, args.repeat) - t_copy
        print(f"devis of {args.lines} lines, median of {args.repeat} runs")
        print(f"  xlprod recalc              {t_xlprod:8.3f} s")
        print(f"  read inputs + write file   {t_floor:8.3f} s   ratio xlprod/floor = {t_xlprod / t_floor:5.2f} (target <= 1.5)")
        if soffice():
            t_lo = timed(lambda: recalculate_with_libreoffice(master, work / "lo"), max(1, args.repeat // 2))
            print(f"  LibreOffice headless       {t_lo:8.3f} s   ratio LibreOffice/xlprod = {t_lo / t_xlprod:5.1f} (target >= 10)")
        else:
            print("  LibreOffice not installed: ratio against it not measured")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
