"""Benchmark (not a test): headless recalculation of a 5,000-line devis.

Compares, in the same run and on the same file:
  * xlprod recalc (read, validate, compute, patch, save);
  * the floor: just reading the inputs (calamine) and writing the file back, its Devis sheet deflated anew;
  * LibreOffice headless recalculation of the same file.
Targets: at least 10x faster than LibreOffice, within 1.5x of the floor.

It also times whole processes, i.e. what a user waits for, on that file and on a small devis
(``--small-lines``), each with one unit rate edited: ``xlprod recalc FILE`` run as a command,
LibreOffice headless as a command, and, for reference, ``python -c pass`` (interpreter start-up)
and ``python -c "import xlprod.cli"`` (start-up + import). Every case, in process or not, takes
its turn in each round, so a slower spell of the machine weighs on all of them alike.

    python benchmarks/bench_recalc.py [--lines 5000] [--small-lines 20] [--repeat 15] [--importtime 15]

``--importtime N`` also runs ``python -X importtime -m xlprod.cli recalc SMALL.xlsx`` once and prints
the N imports with the largest cumulative time (where the start-up of a small recalc goes).
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.builder import build_devis
from xlprod.kinds.devis.csv_import import read_lines_csv
from xlprod.kinds.devis.demo import sample_csv
from xlprod.kinds.devis.parameters import default_parameters
from xlprod.runtime import collector_paused
from xlprod.services import recalculate
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


def interleaved(cases: dict[str, object], repeat: int, prepare: dict[str, object] | None = None) -> dict[str, float]:
    """Median time of each case, the cases taking turns so that a slower spell of the machine
    weighs on all of them alike rather than on whichever ran during it.

    ``prepare[name]``, if given, runs before each timed run of that case, outside the timing."""
    prepare = prepare or {}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            if name in prepare:
                prepare[name]()  # type: ignore[operator]
            start = time.perf_counter()
            fn()  # type: ignore[operator]
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def xlprod_command() -> list[str]:
    """The installed console script beside this interpreter, or ``python -m xlprod.cli``."""
    script = Path(sys.executable).with_name("xlprod")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "xlprod.cli"]


@functools.cache
def installed_environment() -> dict[str, str]:
    """The environment of a user's command: xlprod's bytecode compiled, as an installation leaves it.

    A checkout run with ``PYTHONDONTWRITEBYTECODE`` (set on this project's machines) would
    otherwise compile every module of xlprod again in each command, and time that instead."""
    import compileall

    import xlprod

    compileall.compile_dir(str(Path(xlprod.__file__).parent), quiet=1)
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_command(cmd: list[str], *, expect: str | None = None) -> None:
    """Run ``cmd`` as a user would and wait for it; fail loudly if it did not do its job."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=installed_environment())
    # xlprod recalc exits 1 when the devis has data errors: still a full recalculation
    if proc.returncode not in (0, 1) or (expect is not None and expect not in proc.stdout):
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")


def import_times(src: Path, work: Path, top: int) -> list[tuple[int, int, str]]:
    """(cumulative µs, self µs, module) of the ``top`` slowest imports of ``xlprod recalc src``."""
    target = work / "importtime.xlsx"
    shutil.copy(src, target)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "xlprod.cli", "recalc", str(target)],
                          capture_output=True, text=True, check=False, env=installed_environment())
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|", 2)
        rows.append((int(cumulative), int(own), name.rstrip()))
    return sorted(rows, reverse=True)[:top]


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
    ap.add_argument("--small-lines", type=int, default=20, help="lines of the small devis (whole-process timings)")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--importtime", type=int, default=0, metavar="N",
                    help="also print the N slowest imports of `xlprod recalc` on the small file")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xlprod-bench-"))
    try:
        def built(name: str, lines: int) -> tuple[Path, Path]:
            """A devis as built (every computed cell stale) and the same, recalculated, one unit rate edited."""
            stale = work / f"{name}-stale.xlsx"
            build_devis(stale, make_rows(lines), title="Benchmark")
            recalculated = work / f"{name}-recalculated.xlsx"
            shutil.copy(stale, recalculated)
            book = XlsxFile(recalculated)
            recalculate(book)
            book.save()
            edited = work / f"{name}-edited.xlsx"
            edit_one_line(recalculated, edited)
            return stale, edited

        stale, edited = built("large", args.lines)
        _, small = built("small", args.small_lines)
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
                b.table("ChargesPatronales")  # the employer-rate components, summed by Python too
                for name in input_names:
                    b.named_cell(name)
            b.package.write_text("xl/workbook.xml", b.package.read_text("xl/workbook.xml"))
            # the sheet a recalculation writes its computed columns into is deflated anew, as it must be
            # (a part left as it was read is copied back as its original stream, which costs nothing)
            sheet = b.package.sheet_parts()[L.SHEET_DEVIS]
            b.package.write(sheet, bytes(bytearray(b.package.read(sheet))))
            b.save()

        # whole processes: the file is copied before each run (the command recalculates it in place),
        # outside the timing, so the time is the command's alone
        xlprod_cmd = xlprod_command()
        proc_target = {"small": work / "proc-small.xlsx", "large": work / "proc-large.xlsx"}
        proc_src = {"small": small, "large": edited}
        has_lo = soffice() is not None
        cases: dict[str, object] = {
            "copy": lambda: shutil.copy(edited, target), "floor": floor,
            "edit": lambda: xlprod_recalc(edited), "stale": lambda: xlprod_recalc(stale),
            "edit small": lambda: xlprod_recalc(small),
            "python": lambda: run_command([sys.executable, "-c", "pass"]),
            "import": lambda: run_command([sys.executable, "-c", "import xlprod.cli"]),
        }
        prepare: dict[str, object] = {}
        for size in ("small", "large"):
            cases[f"xlprod {size}"] = (lambda s=size: run_command([*xlprod_cmd, "recalc", str(proc_target[s])],
                                                                  expect="recalculé"))
            prepare[f"xlprod {size}"] = lambda s=size: shutil.copy(proc_src[s], proc_target[s])
            if has_lo:
                cases[f"lo {size}"] = lambda s=size: recalculate_with_libreoffice(proc_src[s], work / f"lo-{s}")
        for name in cases:  # one untimed round: checks every command works, warms the disk cache
            if name in prepare:
                prepare[name]()  # type: ignore[operator]
            cases[name]()  # type: ignore[operator]

        t = interleaved(cases, args.repeat, prepare)
        t_floor, t_edit, t_stale, t_edit_small = (t[name] - t["copy"] for name in ("floor", "edit", "stale",
                                                                                    "edit small"))
        print(f"devis of {args.lines} lines, median of {args.repeat} runs")
        print(f"  read inputs + write file (floor)          {t_floor:7.3f} s")
        print(f"  xlprod recalc, one line edited            {t_edit:7.3f} s   ratio to floor {t_edit / t_floor:5.2f} "
              "(target <= 1.5)")
        print(f"  xlprod recalc, every computed cell stale  {t_stale:7.3f} s   ratio to floor {t_stale / t_floor:5.2f}")
        if has_lo:
            t_lo = t["lo large"]
            print(f"  LibreOffice headless recalculation        {t_lo:7.3f} s   LibreOffice / xlprod (edited) "
                  f"{t_lo / t_edit:5.1f} (target >= 10), / xlprod (stale) {t_lo / t_stale:5.1f}")
        else:
            print("  LibreOffice not installed: ratio against it not measured")

        small_head, large_head = f"small ({args.small_lines} lines)", f"large ({args.lines} lines)"
        w = max(len(small_head), len(large_head), 9) + 2

        def row(label: str, small_v: str, large_v: str = "") -> None:
            print(f"  {label:<44}{small_v:>{w}}{large_v:>{w}}")

        def sec(v: float) -> str:
            return f"{v:.3f} s"

        print()
        print(f"whole process (what a user waits for), one unit rate edited, median of {args.repeat} runs")
        print(f"  xlprod command: {' '.join(xlprod_cmd)} recalc FILE")
        row("", small_head, large_head)
        row("python -c pass (interpreter start-up)", sec(t["python"]))
        row('python -c "import xlprod.cli" (+ import)', sec(t["import"]))
        row("xlprod recalc FILE (whole process)", sec(t["xlprod small"]), sec(t["xlprod large"]))
        row("LibreOffice headless (whole process)", *((sec(t["lo small"]), sec(t["lo large"])) if has_lo
                                                      else ("n/a", "n/a")))
        row("xlprod recalc in process (for reference)", sec(t_edit_small), sec(t_edit))
        row("xlprod whole process / python start-up", f"{t['xlprod small'] / t['python']:.1f}",
            f"{t['xlprod large'] / t['python']:.1f}")
        if has_lo:
            row("LibreOffice / xlprod whole process", f"{t['lo small'] / t['xlprod small']:.1f}",
                f"{t['lo large'] / t['xlprod large']:.1f}")

        if args.importtime:
            print()
            print("slowest imports of `python -X importtime -m xlprod.cli recalc` on the small devis "
                  "(one run, µs)")
            print(f"  {'cumulative':>10}  {'self':>8}  module")
            for cumulative, own, name in import_times(small, work, args.importtime):
                print(f"  {cumulative:>10}  {own:>8}  {name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
