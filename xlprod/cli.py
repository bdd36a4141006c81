"""``xlprod`` command line: the same actions as the Excel buttons, headless.

Subcommands, their help and each kind's options come from the kind registry.
"""

from __future__ import annotations

import argparse
import atexit
import codecs
import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlprod import __version__
from xlprod.core.location import Location
from xlprod.core.text import plural
from xlprod.kinds import KINDS, Kind
from xlprod.runtime import allocator_kept
from xlprod.workbook.errors import WorkbookError

if TYPE_CHECKING:  # the reader loads with the commands that open a file: --help stays fast
    from xlprod.core.issues import Issue
    from xlprod.workbook.xlsx_file import XlsxFile

EXIT_OK, EXIT_DATA_ERRORS, EXIT_FAILURE = 0, 1, 2
EXIT_INTERRUPTED = 130
XLSX_SUFFIXES = (".xlsx", ".xlsm")
REPAIRS = {"DEV012", "DEV043", "DEV048", "DEV049", "DEV052", "DEP036", "CAT075"}  # recalc puts right, check announces
TEMP_PREFIX = ".~xlprod-"  # xlprod.workbook.files.TEMP_PREFIX, not imported: --help stays fast


def _process(path: str, action: str, write: bool, name: str | None = None, debug: bool = False) -> dict[str, object]:
    """Run one action on one file; runs in worker processes too, so it returns plain data."""
    from xlprod.services import run_action
    from xlprod.workbook.xlsx_file import XlsxFile

    shown = name or Path(path).name
    try:
        book = XlsxFile(path, name=shown, for_writing=write)
        report = run_action(book, action)
        if write:
            book.save()
        else:  # a check inflates the parts it did not need, as a save would: a damaged one is said now
            book.package.verify_all()
    except WorkbookError as exc:
        return {"file": path, "failure": exc.render(), "failure_message": exc.message, "hint": exc.hint}
    except OSError as exc:
        message = f"écriture impossible ({exc.strerror or exc})"
        hint = "Vérifiez que le dossier est accessible en écriture et que le fichier n'est pas ouvert ailleurs."
        return {"file": path, "failure": f"{shown}: erreur: {message} — {hint}", "failure_message": message, "hint": hint}
    except Exception as exc:  # a bug: said as such, with the file, never as a bare traceback
        message, hint = unexpected(exc, debug)
        return {"file": path, "failure": f"{shown}: erreur: {message} — {hint}", "failure_message": message,
                "hint": hint}
    data = report.to_json()
    data["file"] = path
    data["shown"] = shown  # the name its issues give the file (in a folder run, its path within the folder)
    data["provisional"] = bool(data.get("provisional")) or report.summary is None  # nothing computed: checked only
    data["rendered_issues"] = [i.render() for i in report.issues]
    data["headline"] = report.headline()
    data["detail"] = report.summary.render() if report.summary is not None else ""
    return data


def _done(action: str) -> str:
    """What the command line says once an action has run (« version figée »), not its identifier."""
    found = next((a for kind in KINDS.values() for a in kind.actions if a.name == action), None)
    return (found.done or found.label.lower()) if found else action


def unexpected(exc: BaseException, debug: bool) -> tuple[str, str]:
    """An exception xlprod did not foresee: a French message, and the traceback with --debug."""
    import traceback

    message = f"erreur inattendue de xlprod ({type(exc).__name__}: {exc})"
    if debug:
        message += "\n" + "".join(traceback.format_exception(exc))
    return message, ("Relancez avec --debug et signalez le problème avec la trace affichée. Un classeur est "
                     "enregistré d'un seul coup : il est soit tel qu'avant, soit entièrement recalculé.")


def _expand(paths: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str], list[str]]:
    """Files named on the command line, and the xlprod workbooks found in folders, each with the
    name messages give it (its file name, or its path relative to the folder; its path when two would
    share a name); then problems (path, message), notes, and the workbooks skipped because they are not
    xlprod's."""
    from xlprod.workbook.files import remove_stale_temporaries

    files: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    notes: list[str] = []
    skipped: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            entries = list(path.rglob("*"))
            for folder in {path, *(f.parent for f in entries if f.name.startswith(TEMP_PREFIX))}:
                remove_stale_temporaries(folder)  # left by a run that was killed
            found = sorted(f for f in entries if f.suffix.lower() in XLSX_SUFFIXES
                           and not f.name.startswith(("~$", ".~")) and f.is_file())
            ours = [f for f in found if _is_xlprod(f)]
            others = [str(f.relative_to(path)) for f in found if f not in ours]
            skipped += [str(f) for f in found if f not in ours]
            ignored = f" ({len(others)} classeur(s) Excel non xlprod ignoré(s) : {', '.join(others[:5])}" \
                      f"{', …' if len(others) > 5 else ''})" if others else ""
            if not ours:
                problems.append((p, f"{p}: erreur: aucun classeur xlprod dans ce dossier{ignored}"))
            elif others:
                notes.append(f"{p}: note:{ignored}")
            files.extend((str(f), str(f.relative_to(path))) for f in ours)
        elif path.exists() or path.is_symlink():
            files.append((str(path), path.name))
        else:
            problems.append((p, f"{p}: erreur: fichier ou dossier introuvable"))
    unique: dict[str, tuple[str, str]] = {}
    for item in files:  # « filmA » and « filmA/dep.xlsx » name one workbook: run once, or it would race itself
        unique.setdefault(os.path.realpath(item[0]), item)
    files = list(unique.values())
    twice = {n for n, count in Counter(name for _, name in files).items() if count > 1}
    if twice:  # two devis.xlsx of two films: each said by its path, or their messages could not be told apart
        files = [(f, f if name in twice else name) for f, name in files]
    return files, problems, notes, skipped


def _waves(files: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Files grouped in the order of the kinds' registry: a kind that reads another's workbook
    (the cash flow reads the devis) comes after it."""
    from xlprod.kinds import KINDS
    from xlprod.workbook.package import workbook_kind

    rank = {name: i for i, name in enumerate(KINDS)}
    groups: dict[int, list[tuple[str, str]]] = {}
    for item in files:
        try:
            kind = workbook_kind(Path(item[0]))
        except WorkbookError:
            kind = None
        groups.setdefault(rank.get(kind or "", len(rank)), []).append(item)
    return [groups[k] for k in sorted(groups)]


def _is_xlprod(path: Path) -> bool:
    from xlprod.workbook.package import workbook_kind

    try:
        return workbook_kind(path) is not None
    except WorkbookError:
        return True  # let the real run report why it cannot be read


_STOP: Any = None  # in a worker: the parent's event « Ctrl-C pressed », set before it waits for the workers


def _worker_start(stop: Any) -> None:
    """A worker's start: Ctrl-C stops the run in the parent, not a worker in the middle of its file."""
    import signal

    global _STOP
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STOP = stop


def _process_unless_stopped(path: str, action: str, write: bool, name: str | None, debug: bool) -> dict[str, object]:
    """``_process`` in a worker, unless Ctrl-C was pressed: the pool hands a worker its next file
    ahead of time, which cancelling cannot take back."""
    if _STOP is not None and _STOP.is_set():
        return {"file": path, "not_begun": True}
    return _process(path, action, write, name, debug)


def _run_in_parallel(files: list[tuple[str, str]], jobs: int, action: str, write: bool, debug: bool,
                     results: list[dict[str, object]]) -> str | None:
    """The files on ``jobs`` processes, appending to ``results``; on Ctrl-C, the files under way
    end (saved whole, or not at all), none is begun, and what was done is said (the text returned).

    Ctrl-C reaches the workers too (the terminal's whole process group): they ignore it, and the
    parent ignores a second one while it waits for them, since a wait cut short leaves the pool's
    threads and queues half closed (a run that never ends, workers left behind)."""
    import multiprocessing
    import signal
    from concurrent.futures import Future, ProcessPoolExecutor, as_completed

    from tqdm import tqdm

    waves = _waves(files)  # a cash flow after the devis it copies
    stop = multiprocessing.get_context().Event()
    held: list[int] = []
    parent = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))  # while the workers start
    pool = None
    futures: list[Future[dict[str, object]]] = []
    try:
        try:
            pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start, initargs=(stop,))
            futures = [pool.submit(_process_unless_stopped, f, action, write, name, debug) for f, name in waves[0]]
        finally:
            signal.signal(signal.SIGINT, parent)
        if held:
            raise KeyboardInterrupt
        with tqdm(total=len(files), desc="Recalcul", unit="classeur", file=sys.stderr, disable=None) as bar:
            for k in range(len(waves)):
                if k:
                    futures = [pool.submit(_process_unless_stopped, f, action, write, name, debug)
                               for f, name in waves[k]]
                for fut in as_completed(futures):
                    results.append(fut.result())
                    bar.update()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            stop.set()
            print("xlprod: interruption : fin des classeurs en cours, les autres ne sont pas commencés…",
                  file=sys.stderr, flush=True)
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            seen = {id(r) for r in results}  # the wave under way: its files ended after Ctrl-C too
            late = [fut.result() for fut in futures if fut.done() and not fut.cancelled() and fut.exception() is None
                    and id(fut.result()) not in seen]
            done = [r for r in (*results, *late) if "failure" not in r and not r.get("not_begun")]
        finally:
            signal.signal(signal.SIGINT, parent)
        verb = "recalculé" if write else "vérifié"
        names = ", ".join(str(r.get("shown", r["file"])) for r in done[:5]) + (" …" if len(done) > 5 else "")
        return (f"xlprod: interrompu : {len(done)} classeur(s) sur {len(files)} {verb}(s)"
                + (f" ({names})" if done else "") + ", les autres laissés tels qu'ils étaient ; relancez pour eux.")
    pool.shutdown(wait=True)
    return None


def _run_files(args: argparse.Namespace, action: str, write: bool) -> int:
    files, problems, notes, skipped = _expand(args.paths)
    for line in [message for _, message in problems] + notes:
        print(line, file=sys.stderr)
    results: list[dict[str, object]] = []
    debug = bool(getattr(args, "debug", False))
    jobs = min(getattr(args, "jobs", 1), len(files), os.cpu_count() or 1)
    if jobs > 1:
        interrupted = _run_in_parallel(files, jobs, action, write, debug, results)
        if interrupted is not None:
            _OUTCOME[:] = [EXIT_INTERRUPTED]
            print(interrupted, file=sys.stderr)
            return EXIT_INTERRUPTED
        order = {f: i for i, (f, _) in enumerate(files)}
        results.sort(key=lambda r: order[str(r["file"])])
    elif len(files) > 1:
        from tqdm import tqdm

        ordered = [item for wave in _waves(files) for item in wave]
        results = [_process(f, action, write, name, debug) for f, name in tqdm(
            ordered, desc="Recalcul", unit="classeur", file=sys.stderr, disable=None)]
        order = {f: i for i, (f, _) in enumerate(files)}
        results.sort(key=lambda r: order[str(r["file"])])
    else:
        results = [_process(f, action, write, name, debug) for f, name in files]

    code = (EXIT_FAILURE if problems or any("failure" in r for r in results)
            else EXIT_DATA_ERRORS if any(r.get("errors") for r in results) else EXIT_OK)
    _OUTCOME[:] = [code]  # the command's code, even if the reader of its output goes away (a pipe into head)
    if getattr(args, "json", False):
        payload = [{k: v for k, v in r.items() if k not in ("rendered_issues", "detail", "headline", "shown")}
                   for r in results]
        single = len(payload) == 1 and len(args.paths) == 1 and not Path(args.paths[0]).is_dir()
        payload += [{"file": f, "skipped": "pas un classeur xlprod (nom défini XLPROD_TYPE absent)"} for f in skipped]
        payload += [{"file": path, "failure": message} for path, message in problems]
        single = single or (not results and len(payload) == 1 and len(args.paths) == 1)
        print(json.dumps(payload[0] if single else payload, ensure_ascii=False, indent=2))
    else:
        for r in results:
            if "failure" in r:
                print(r["failure"], file=sys.stderr)
                continue
            if getattr(args, "topsheet", False) and r.get("detail"):
                print(r["detail"])
                print()
            for line in r["rendered_issues"]:  # type: ignore[attr-defined]
                print(line)
            verb = ("recalculé" if action == "recalculer" else _done(action)) if write else "vérifié"
            if r.get("provisional"):
                verb = "contrôlé" if write else verb
            errors, warnings = int(str(r["errors"])), int(str(r["warnings"]))
            shown = r.get("shown", r["file"])  # as its issue lines name it
            print(f"{shown}: {verb}, {r['headline']}, {plural(errors, 'erreur')}, {plural(warnings, 'avertissement')}")
            codes = {i["code"] for i in r.get("issues", [])} & REPAIRS  # type: ignore[attr-defined]
            if not write and codes:
                print(f"{shown}: contrôle seul, fichier inchangé : les corrections annoncées "
                      f"({', '.join(sorted(codes))}) seront faites par « xlprod recalc ».")
    return code


_OUTCOME: list[int] = []  # the code of the files' command, known before its output is printed


def cmd_new(args: argparse.Namespace) -> int:
    from xlprod.services import recalculate
    from xlprod.workbook.files import atomic_path
    from xlprod.workbook.xlsx_file import XlsxFile

    kind: Kind = args.kind_entry
    out = Path(args.out or kind.default_file)
    problem = _new_target_problem(out, args.force)
    if problem:
        print(f"{out}: erreur: {problem}", file=sys.stderr)
        return EXIT_FAILURE
    options = {o.dest: getattr(args, o.dest) for o in kind.new_options}
    for o in kind.new_options:
        typed = options.get(o.dest)
        if o.file and typed:
            options[o.dest] = _relative_to(Path(typed), out.parent)
            if not Path(typed).is_file():
                print(f"{out}: avertissement: {o.flag} {typed} : fichier introuvable ; le classeur le cherchera à "
                      f"{options[o.dest]} depuis son dossier", file=sys.stderr)
    try:
        with atomic_path(out) as tmp:
            count = kind.build_new(tmp, options)
            book = XlsxFile(tmp, name=str(out))  # as typed, as its summary line says it: its hints run from here
            report = recalculate(book)
            book.save(tmp)
    except WorkbookError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"{out}: erreur: écriture impossible ({exc.strerror or exc}) — vérifiez le dossier et ses droits",
              file=sys.stderr)
        return EXIT_FAILURE
    counts = [plural(count, "ligne")] if count else []  # a workbook with no lines yet says nothing of them
    counts += [plural(report.errors, "erreur"), plural(report.warnings, "avertissement")]
    print(f"{out}: {kind.title} créé ({', '.join(counts)})")
    for issue in report.issues:
        print(issue.render())
    return EXIT_DATA_ERRORS if report.errors else EXIT_OK


def _relative_to(path: Path, folder: Path) -> str:
    """``path`` (typed from the current folder, or absolute) as seen from ``folder``, with « / » as Excel on
    a Mac and Windows both read it, so that the two can move together; absolute when no relative path leads
    there (another drive)."""
    try:
        # abspath, not resolve: a link the user names (courant.xlsx → v2.xlsx) stays the link
        return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(folder))).as_posix()
    except ValueError:
        return os.path.abspath(path)


def _new_target_problem(out: Path, force: bool) -> str | None:
    if out.suffix.lower() not in XLSX_SUFFIXES:
        return "le nom du classeur doit finir par .xlsx (sans macros) ou .xlsm (avec boutons)"
    if out.is_dir():
        return "c'est un dossier — donnez un nom de fichier, par exemple mon-film.xlsx"
    if not out.parent.is_dir():
        return f"le dossier {out.parent} n'existe pas — créez-le ou choisissez un autre emplacement"
    if out.exists() and not force:
        return "le fichier existe déjà — choisissez un autre nom ou ajoutez --force"
    return None


def cmd_demo(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"{out}: erreur: dossier impossible à créer ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_FAILURE
    errors = 0
    for kind in KINDS.values():
        try:
            part = kind.demo(out)
        except WorkbookError as exc:
            print(exc.render(), file=sys.stderr)
            return EXIT_FAILURE
        errors += part.errors
        print(part.text)
        for path in part.paths:
            print(f"{'Classeur' if path.suffix.lower() in XLSX_SUFFIXES else 'Fichier'} : {path.resolve()}")
        print()
    print(f"Ouvrez les classeurs dans Excel ou LibreOffice ; après modification : {_self_command()} recalc {out}")
    return EXIT_DATA_ERRORS if errors else EXIT_OK


def _failed(path: str, rendered: str, message: str, hint: str, json_out: bool) -> int:
    """A command on one workbook that could not be done: said on stderr, and with --json as JSON too, as a
    folder run says its failures, for a script that reads the output."""
    print(rendered, file=sys.stderr)
    if json_out:
        print(json.dumps({"file": path, "failure": rendered, "failure_message": message, "hint": hint},
                         ensure_ascii=False, indent=2))
    return EXIT_FAILURE


def _on_workbook(path: str, change: object, json_out: bool) -> int:
    """Open a workbook, apply ``change`` (a function of the book returning a summary with ``render``
    and ``to_json``), recalculate it and replace the file atomically: all or nothing."""
    from xlprod.services import recalculate
    from xlprod.workbook.xlsx_file import XlsxFile

    try:
        book = XlsxFile(path)
        done = change(book)  # type: ignore[operator]
        book.refresh()  # the recalculation reads the rows just added or updated
        # what the change found (a FEC's lines refused) is counted with the rest, and written in Contrôles
        report = recalculate(book, carried=getattr(done, "issues", []))
        book.save()
    except WorkbookError as exc:
        return _failed(path, exc.render(), exc.message, exc.hint, json_out)
    except OSError as exc:
        message = f"fichier illisible ou impossible à écrire ({os_message(exc)})"
        hint = "Vérifiez le chemin et que le classeur n'est pas ouvert ailleurs."
        return _failed(path, f"{path}: erreur: {message} — {hint}", message, hint, json_out)
    issues = report.issues
    if json_out:
        # the change's issues are the report's first ones (carried): listed once, under "report"
        summary = {k: v for k, v in done.to_json().items() if k != "issues"}
        print(json.dumps({**summary, "report": report.to_json()}, ensure_ascii=False, indent=2))
    else:
        print(done.render())
        print(f"{Path(path).name}: {report.headline()} ({plural(report.errors, 'erreur')}, "
              f"{plural(report.warnings, 'avertissement')})")
        for issue in issues:
            print(issue.render())
    return EXIT_DATA_ERRORS if report.errors else EXIT_OK


def os_message(exc: OSError) -> str:
    """The system's reason in French, for the common ones."""
    import errno

    return {errno.ENOENT: "fichier introuvable", errno.EISDIR: "c'est un dossier", errno.EACCES: "accès refusé",
            errno.EPERM: "accès refusé"}.get(exc.errno or 0, exc.strerror or str(exc))


def cmd_snapshot(args: argparse.Namespace) -> int:
    from xlprod.kinds.depenses import devis_path
    from xlprod.kinds.depenses.snapshot import snapshot
    from xlprod.workbook.xlsx_file import XlsxFile

    def change(book: object) -> object:
        path = devis_path(book, args.devis)  # type: ignore[arg-type]
        try:
            devis = XlsxFile(path, for_writing=False)
        except OSError as exc:
            raise WorkbookError(Location(book=str(path)), f"devis illisible ({os_message(exc)})",
                                "Vérifiez le chemin donné à --devis.") from exc
        return snapshot(book, devis, args.nom, path.name)  # type: ignore[arg-type]

    return _on_workbook(args.path, change, args.json)


def cmd_import(args: argparse.Namespace) -> int:
    from xlprod.kinds.depenses.importer import MAX_BYTES, import_ledger

    source = Path(args.source)
    try:
        if source.stat().st_size > MAX_BYTES:
            message, hint = f"fichier de plus de {MAX_BYTES // 1_000_000} Mo", "Découpez l'export par période."
            return _failed(str(source), f"{source}: erreur: {message} — {hint}", message, hint, args.json)
        data = source.read_bytes()
    except OSError as exc:
        message, hint = f"fichier illisible ({os_message(exc)})", "Vérifiez le chemin de l'export et ses droits de lecture."
        return _failed(str(source), f"{source}: erreur: {message} — {hint}", message, hint, args.json)
    def change(book: object) -> object:
        from xlprod.services import kind_of

        if kind_of(book).name == "catalogue":  # type: ignore[arg-type]
            from xlprod.kinds.catalogue.transfer import import_file

            return import_file(book, data, source.name)  # type: ignore[arg-type]
        return import_ledger(book, data, source.name)  # type: ignore[arg-type]

    return _on_workbook(args.path, change, args.json)


def cmd_export(args: argparse.Namespace) -> int:
    from xlprod.kinds.catalogue import layout as L
    from xlprod.kinds.catalogue.recalc import read, require
    from xlprod.kinds.catalogue.transfer import export

    try:
        book = _catalogue(args.path, write=False)
        issues: list[Issue] = []
        cat, params, _tables = read(book, issues)
        require(issues, L.SHEET_OEUVRES, L.SHEET_DROITS)  # never an empty export over a good one
        folder = Path(args.out)
        paths = export(cat, args.format, folder, licensor=args.licensor or params.company, issues=issues)
    except WorkbookError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"{args.out}: erreur: écriture impossible ({os_message(exc)})", file=sys.stderr)
        return EXIT_FAILURE
    from xlprod.kinds.catalogue.works import check_works
    from xlprod.services import placed

    issues = placed(issues, book)
    unread = [i for i in issues if i.severity.value == "erreur" and i.location.sheet in (L.SHEET_OEUVRES, L.SHEET_DROITS)]
    for line in briefly(issues, lambda i: f"Non exporté : {i.render()}" if i in unread else i.render()):
        print(line)
    as_typed = [i for i in check_works(cat.works, book=book.book_name) if i.severity.value == "erreur"]
    for issue in as_typed:  # what a platform will refuse: said before the file goes
        print(f"Exporté tel quel : {issue.render()}")
    for path in paths:
        print(f"Écrit : {path}")
    return EXIT_DATA_ERRORS if unread or as_typed else EXIT_OK


def briefly(issues: list[Issue], said: Callable[[Issue], str], per_code: int = 10) -> list[str]:
    """The issues' lines, at most ``per_code`` of each code, then how many more: 500 rights left out
    of an export for the same reason are one fact, not 500 lines."""
    shown: dict[str, int] = {}
    lines = []
    for issue in issues:
        shown[issue.code] = shown.get(issue.code, 0) + 1
        if shown[issue.code] <= per_code:
            lines.append(said(issue))
    lines += [f"… et {n - per_code} autres {code}" for code, n in shown.items() if n > per_code]
    return lines


def _iso_day(text: str) -> object:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        import re

        from xlprod.kinds.catalogue.works import parse_date

        found = parse_date(text)
        if found is None:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}", text.strip()):
                raise argparse.ArgumentTypeError(f"date « {text} » : ce jour n'existe pas") from None
            raise argparse.ArgumentTypeError(f"date « {text} » : écrivez-la AAAA-MM-JJ (2027-03-01) ou "
                                             "JJ/MM/AAAA (01/03/2027)") from None
        return found[0]


def _catalogue(path: str, write: bool) -> XlsxFile:
    """A catalogue workbook opened, or a ``WorkbookError`` saying what it is instead."""
    from xlprod.services import kind_of
    from xlprod.workbook.xlsx_file import XlsxFile

    book = XlsxFile(path, for_writing=write)
    if kind_of(book).name != "catalogue":
        raise WorkbookError(Location(book=book.book_name), f"ce classeur est un {kind_of(book).title}, pas un catalogue",
                            "Donnez un catalogue (xlprod new catalogue).")
    return book


def cmd_avails(args: argparse.Namespace) -> int:
    from xlprod.kinds.catalogue import layout as L
    from xlprod.kinds.catalogue.actions import query_avails
    from xlprod.runtime import collector_paused

    try:
        book = _catalogue(args.path, write=False)
        with collector_paused():  # 500,000 rights read: the garbage collector would add a third
            answer, issues = query_avails(book, args.territory, args.media, args.start, args.end,
                                          exclusive=args.exclusive)
    except WorkbookError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"{args.path}: erreur: fichier illisible ({os_message(exc)})", file=sys.stderr)
        return EXIT_FAILURE
    unread = [i for i in issues if i.severity.value == "erreur" and i.location.sheet == L.SHEET_DROITS]
    if args.json:
        print(json.dumps({**answer.to_json(), "unread_rights": [i.to_json() for i in unread]}, ensure_ascii=False,
                         indent=2))
    else:
        print(answer.render(limit=args.limit))
        for issue in unread:
            print(f"Attention, droit non lu (la réponse ne le compte pas) : {issue.render()}")
    return EXIT_DATA_ERRORS if unread else EXIT_OK


def cmd_fix(args: argparse.Namespace) -> int:
    from xlprod.services import recalculate, run_action

    try:
        book = _catalogue(args.path, write=args.apply)
        report = run_action(book, "corriger") if args.apply else recalculate(book)
        if args.apply:
            book.save()
    except WorkbookError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"{args.path}: erreur: fichier illisible ou impossible à écrire ({os_message(exc)})", file=sys.stderr)
        return EXIT_FAILURE
    summary = report.summary
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    elif args.apply:
        for change in getattr(summary, "changes", ()):
            print(change)
        print(f"{Path(args.path).name}: {report.headline()} ({plural(report.errors, 'erreur')}, "
              f"{plural(report.warnings, 'avertissement')})")
    else:
        proposed = [i for i in report.issues if i.code == "CAT060"]
        for issue in proposed:
            print(issue.render())
        print(f"{Path(args.path).name}: {plural(len(proposed), 'correction')} proposée(s), fichier inchangé"
              + (f" ; pour les appliquer : xlprod fix {args.path} --apply" if proposed else ""))
    if report.errors and not args.json:
        print(f"{Path(args.path).name}: par ailleurs {plural(report.errors, 'erreur')} que les corrections ne règlent "
              f"pas : xlprod check {args.path}")
    return EXIT_DATA_ERRORS if report.errors else EXIT_OK


def cmd_excel_setup(args: argparse.Namespace) -> int:
    from xlprod.excel_setup import excel_setup

    try:
        done = excel_setup(Path(args.out), interpreter=args.python, write_user_config_file=not args.no_user_config)
    except (OSError, ValueError) as exc:
        print(f"xlprod: erreur: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    for line in done:
        print(line)
    return EXIT_OK


_FRENCH = {
    "usage: ": "usage : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "afficher cette aide",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "the following arguments are required: %s": "argument(s) obligatoire(s) manquant(s) : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choix possibles : %(choices)s)",
    "unrecognized arguments: %s": "argument(s) non reconnu(s) : %s",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "expected one argument": "une valeur attendue",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "commande inconnue %(parser_name)r (possibles : %(choices)s)",
}


def _french(text: str) -> str:
    """argparse's own words (usage, errors, -h) in French, as the rest of the command line."""
    return _FRENCH.get(text, text)


argparse._ = _french  # type: ignore[attr-defined]  # argparse looks its gettext function up at call time


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xlprod", description="Classeurs de production (" + ", ".join(
        k.title for k in KINDS.values()) + ") : créer, recalculer et contrôler, avec ou sans Excel.")
    parser.add_argument("--version", action="version", version=f"xlprod {__version__}", help="afficher la version et quitter")
    parser.add_argument("--debug", action="store_true", help="afficher la trace Python d'une erreur inattendue")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    new = sub.add_parser("new", help="créer un classeur (" + ", ".join(KINDS) + ")")
    kinds = new.add_subparsers(dest="kind", required=True, metavar="TYPE")
    for kind in KINDS.values():
        p = kinds.add_parser(kind.name, help=kind.description)
        p.add_argument("out", nargs="?", help=f"fichier à créer (défaut : {kind.default_file})")
        for o in kind.new_options:
            p.add_argument(o.flag, dest=o.dest, default=o.default, choices=o.choices, metavar=o.metavar, help=o.help)
        p.add_argument("--force", action="store_true", help="remplacer un fichier existant")
        p.set_defaults(func=cmd_new, kind_entry=kind)

    for name, helptext, write in (("recalc", "recalculer et contrôler des classeurs (tout type)", True),
                                  ("check", "contrôler sans modifier les fichiers", False)):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("paths", nargs="+", metavar="CLASSEUR", help="classeurs ou dossiers")
        p.add_argument("--json", action="store_true", help="résultats en JSON (totaux, erreurs, avertissements)")
        p.add_argument("--jobs", type=int, default=1, help="classeurs traités en parallèle")
        p.add_argument("--topsheet", action="store_true", help="afficher le détail (synthèse par poste pour un devis)")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.set_defaults(func=lambda a, w=write: _run_files(a, "recalculer", w))

    for kind in KINDS.values():  # each kind's extra actions: xlprod KIND ACTION FILE...
        if not kind.actions:
            continue
        kp = sub.add_parser(kind.name, help=f"actions propres aux classeurs {kind.title}")
        acts = kp.add_subparsers(dest="action", required=True, metavar="ACTION")
        for action in kind.actions:
            ap = acts.add_parser(action.name, help=action.description)
            ap.add_argument("paths", nargs="+", metavar="CLASSEUR", help="classeurs ou dossiers")
            ap.add_argument("--json", action="store_true", help="résultats en JSON")
            ap.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
            ap.set_defaults(func=lambda a, n=action.name, w=action.writes: _run_files(a, n, w))

    snap = sub.add_parser("snapshot", help="figer une version du devis dans un suivi des dépenses")
    snap.add_argument("path", metavar="CLASSEUR", help="le suivi des dépenses (depenses.xlsx)")
    snap.add_argument("--devis", help="le devis à figer (défaut : celui des Paramètres)")
    snap.add_argument("--nom", required=True, help="nom de la version, par exemple \"Dépôt CNC\"")
    snap.add_argument("--json", action="store_true", help="résultats en JSON")
    snap.set_defaults(func=cmd_snapshot)

    imp = sub.add_parser("import", help="importer un FEC ou un CSV dans un suivi des dépenses ; des œuvres ou des "
                         "droits (CSV, JSON, avails MovieLabs) dans un catalogue")
    imp.add_argument("path", metavar="CLASSEUR", help="le suivi des dépenses (depenses.xlsx) ou le catalogue")
    imp.add_argument("source", metavar="FICHIER", help="FEC (tabulation ou |) ou CSV de la comptabilité ; pour un "
                     "catalogue : œuvres ou droits en CSV ou JSON, avails MovieLabs (.xlsx ou .xml)")
    imp.add_argument("--json", action="store_true", help="résultats en JSON")
    imp.set_defaults(func=cmd_import)

    av = sub.add_parser("avails", help="œuvres d'un catalogue disponibles pour un territoire, un média et une période")
    av.add_argument("path", metavar="CLASSEUR", help="le catalogue (catalogue.xlsx)")
    av.add_argument("--territory", "--territoire", required=True, help="code ISO, nom de pays ou groupe (BE, Benelux)")
    av.add_argument("--media", "--média", required=True, help="SVOD, TVOD, AVOD, TV payante, TV gratuite, Salles…")
    av.add_argument("--from", "--du", dest="start", required=True, type=_iso_day, help="début, AAAA-MM-JJ (inclus)")
    av.add_argument("--to", "--au", dest="end", required=True, type=_iso_day, help="fin, AAAA-MM-JJ (incluse)")
    av.add_argument("--exclusive", "--exclusif", action="store_true",
                    help="pour une cession exclusive : toute cession existante bloque")
    av.add_argument("--limit", type=int, default=50, help="œuvres listées de chaque sorte (défaut 50 ; --json : toutes)")
    av.add_argument("--json", action="store_true", help="résultats en JSON")
    av.set_defaults(func=cmd_avails)

    ex = sub.add_parser("export", help="exporter les œuvres et droits d'un catalogue (CSV, JSON, avails MovieLabs)")
    ex.add_argument("path", metavar="CLASSEUR", help="le catalogue (catalogue.xlsx)")
    ex.add_argument("--format", choices=("csv", "json", "avails"), default="csv",
                    help="csv : oeuvres.csv et droits.csv ; json ; avails : avails.xlsx et avails.xml (cessions)")
    ex.add_argument("--out", default=".", help="dossier où écrire (défaut : dossier courant)")
    ex.add_argument("--licensor", "--societe", default=None,
                    help="avails : votre société, donneur de licence (défaut : « Votre société » des Paramètres)")
    ex.set_defaults(func=cmd_export)

    fx = sub.add_parser("fix", help="corrections proposées d'un catalogue (espaces, casse, dates, pays, durées)")
    fx.add_argument("path", metavar="CLASSEUR", help="le catalogue (catalogue.xlsx)")
    fx.add_argument("--apply", action="store_true", help="les appliquer (sinon : les lister, fichier inchangé)")
    fx.add_argument("--json", action="store_true", help="résultats en JSON")
    fx.set_defaults(func=cmd_fix)

    demo = sub.add_parser("demo", help="construire et recalculer la production d'exemple")
    demo.add_argument("--out", default="xlprod-demo", help="dossier de sortie (défaut : xlprod-demo)")
    demo.set_defaults(func=cmd_demo)

    setup = sub.add_parser("excel-setup", help="construire le complément Excel xlprod.xlam relié à ce Python")
    setup.add_argument("--out", default=".", help="dossier où écrire xlprod.xlam (défaut : dossier courant)")
    setup.add_argument("--python", default=None, help="interpréteur que Excel doit lancer (défaut : celui-ci)")
    setup.add_argument("--no-user-config", action="store_true",
                       help="ne pas écrire le fichier de configuration utilisateur xlprod.conf")
    setup.set_defaults(func=cmd_excel_setup)
    return parser


def main(argv: list[str] | None = None) -> int:
    _console_fallback()
    allocator_kept()
    _OUTCOME.clear()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        print("xlprod: erreur: --jobs doit valoir au moins 1", file=sys.stderr)
        return EXIT_FAILURE
    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into head, less...: the reader has gone, not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return _OUTCOME[0] if _OUTCOME else EXIT_OK
    except KeyboardInterrupt:
        print("xlprod: interrompu ; les fichiers en cours de remplacement sont restés intacts.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the one place an unforeseen error becomes a message and exit code 2
        message, hint = unexpected(exc, getattr(args, "debug", False))
        print(f"xlprod: erreur: {message} — {hint}", file=sys.stderr)
        return EXIT_FAILURE


def _fallback(error: UnicodeError) -> tuple[str, int]:
    """Characters a console cannot show (a cp1252 Windows console, a C locale): the narrow
    no-break space of French amounts becomes a plain space, anything else a question mark."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start:error.end]
    return "".join(" " if ch in "\u202f\u00a0\u2009" else "?" for ch in bad), error.end


codecs.register_error("xlprod-console", _fallback)


def _console_fallback() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            reconfigure(errors="xlprod-console")


def _self_command() -> str:
    """How to call xlprod again: its full path when it is not on the PATH (a venv not activated)."""
    import shutil

    exe = Path(sys.argv[0])
    if exe.name == "xlprod" and shutil.which("xlprod") != str(exe.resolve()) and exe.exists():
        return str(exe)
    return "xlprod"


def entry() -> None:
    """The ``xlprod`` command: ``main``, then the process ends without Python's own teardown.

    By then every file is written and closed (a save replaces its file before ``main`` returns)
    and the output is flushed here; what the teardown would add is freeing, one by one, the objects
    of a workbook that the system reclaims at once anyway, about a tenth of a short command.
    Exit handlers still run.
    """
    try:
        code = main()
    except KeyboardInterrupt:  # Ctrl-C before main's own handling (reading the command line)
        with contextlib.suppress(OSError, ValueError, AttributeError):
            print("xlprod: interrompu ; aucun classeur n'a été modifié.", file=sys.stderr)
        code = EXIT_INTERRUPTED
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # the command was started with that stream closed (>&-)
            continue
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a reader gone (a pipe into head), a closed file
            pass
        except OSError as exc:  # a full disk: what was printed is incomplete, and the code says so
            code = EXIT_FAILURE
            if stream is sys.stdout and sys.stderr is not None:
                with contextlib.suppress(OSError, ValueError):
                    print(f"xlprod: erreur: sortie incomplète ({exc.strerror or exc}) — libérez de la place ou "
                          "écrivez ailleurs, puis relancez ; les classeurs, eux, sont enregistrés.", file=sys.stderr)
                    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    entry()

