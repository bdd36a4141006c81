"""Benchmark (not a test): headless recalculation of a 5,000-line devis.

Compares, in the same run and on the same file:
  * xlprod recalc (read, validate, compute, patch, save);
  * the floor: just reading the inputs (calamine) and writing the file back (zip rewrite);
  * LibreOffice headless recalculation of the same file.
Targets: at least 10x faster than LibreOffice, within 1.5x of the floor.

    python benchmarks/bench_recalc.py [--lines 5000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from xlprod.kinds.devis.parameters import default_parameters
from xlprod.kinds.devis.demo import sample_csv
from xlprod.runtime import collector_paused
from xlprod.services import recalculate
from xlprod.kinds.devis.csv_import import read_lines_csv
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.builder import build_devis
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


def interleaved(cases: dict[str, object], repeat: int) -> dict[str, float]:
    """Median time of each case, the cases taking turns so that a slower spell of the machine
    weighs on all of them alike rather than on whichever ran during it."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()  # type: ignore[operator]
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def edit_one_line(src: Path, dest: Path) -> None:
    """The usual case: a devis saved with its cached values, one unit rate changed by the user."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index('<c r="G6"')
                end = text.index("</c>", start) + 4
                cell = text[start:end]
                style = cell.split('s="', 1)[1].split('"', 1)[0] if 's="' in cell else "0"
                data = (text[:start] + f'<c r="G6" s="{style}"><v>2222.22</v></c>' + text[end:]).encode()
            zout.writestr(info, data)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xlprod-bench-"))
    try:
        stale = work / "stale.xlsx"  # as built: every computed cell must be rewritten
        build_devis(stale, make_rows(args.lines), title="Benchmark")
        recalculated = work / "recalculated.xlsx"
        shutil.copy(stale, recalculated)
        book = XlsxFile(recalculated)
        recalculate(book)
        book.save()
        edited = work / "edited.xlsx"
        edit_one_line(recalculated, edited)
        target = work / "run.xlsx"

        def xlprod_recalc(src: Path) -> None:
            shutil.copy(src, target)
            b = XlsxFile(target)
            recalculate(b)
            b.save()

        input_names = [p.name for p in default_parameters()] + [n for _, n, *_ in L.PROJECT_PARAMS]

        def floor() -> None:
            shutil.copy(edited, target)
            b = XlsxFile(target)
            with collector_paused():  # as recalculate() does: the floor gets the same advantage
                b.table("Devis")
                for name in input_names:
                    b.named_cell(name)
            b.package.write_text("xl/workbook.xml", b.package.read_text("xl/workbook.xml"))
            b.save()

        t = interleaved({"copy": lambda: shutil.copy(edited, target), "floor": floor,
                         "edit": lambda: xlprod_recalc(edited), "stale": lambda: xlprod_recalc(stale)}, args.repeat)
        t_floor, t_edit, t_stale = (t[name] - t["copy"] for name in ("floor", "edit", "stale"))
        print(f"devis of {args.lines} lines, median of {args.repeat} runs")
        print(f"  read inputs + write file (floor)          {t_floor:7.3f} s")
        print(f"  xlprod recalc, one line edited            {t_edit:7.3f} s   ratio to floor {t_edit / t_floor:5.2f} "
              "(target <= 1.5)")
        print(f"  xlprod recalc, every computed cell stale  {t_stale:7.3f} s   ratio to floor {t_stale / t_floor:5.2f}")
        if soffice():
            t_lo = timed(lambda: recalculate_with_libreoffice(edited, work / "lo"), 3)
            print(f"  LibreOffice headless recalculation        {t_lo:7.3f} s   LibreOffice / xlprod (edited) "
                  f"{t_lo / t_edit:5.1f} (target >= 10), / xlprod (stale) {t_lo / t_stale:5.1f}")
        else:
            print("  LibreOffice not installed: ratio against it not measured")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
