"""``xlprod`` command line: the same actions as the Excel buttons, headless."""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from decimal import Decimal
from pathlib import Path

from tqdm import tqdm

from xlprod import __version__
from xlprod.budget.topsheet import render_topsheet
from xlprod.core.money import format_eur
from xlprod.workbook.errors import WorkbookError

EXIT_OK, EXIT_DATA_ERRORS, EXIT_FAILURE = 0, 1, 2


def _process(path: str, write: bool) -> dict[str, object]:
    """Recalculate one file; runs in worker processes, so it returns plain data."""
    from xlprod.services import recalculate
    from xlprod.workbook.xlsx_file import XlsxFile

    try:
        book = XlsxFile(path)
        report = recalculate(book)
        if write:
            book.save()
    except WorkbookError as exc:
        return {"file": path, "failure": exc.render(), "failure_message": exc.message, "hint": exc.hint}
    data = report.to_json()
    data["file"] = path
    data["rendered_issues"] = [i.render() for i in report.issues]
    data["topsheet"] = (render_topsheet(report.result, report.budget.parameters)
                        if report.result is not None and report.budget is not None else "")
    return data


def _expand(paths: list[str]) -> tuple[list[str], list[str]]:
    """Files named on the command line, and the xlprod workbooks found in folders."""
    files, problems = [], []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.suffix.lower() in (".xlsx", ".xlsm")
                           and not f.name.startswith(("~$", ".~")))
            files.extend(str(f) for f in found if _is_xlprod(f))
        elif path.exists():
            files.append(str(path))
        else:
            problems.append(f"{p}: erreur: fichier ou dossier introuvable")
    return files, problems


def _is_xlprod(path: Path) -> bool:
    from xlprod.workbook.package import workbook_kind

    try:
        return workbook_kind(path) is not None
    except WorkbookError:
        return True  # let the real run report why it cannot be read


def cmd_recalc(args: argparse.Namespace, write: bool = True) -> int:
    files, problems = _expand(args.paths)
    for problem in problems:
        print(problem, file=sys.stderr)
    results: list[dict[str, object]] = []
    if args.jobs > 1 and len(files) > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            futures = {pool.submit(_process, f, write): f for f in files}
            for fut in tqdm(as_completed(futures), total=len(futures), desc="Recalcul", unit="classeur",
                            file=sys.stderr, disable=None):
                results.append(fut.result())
        order = {f: i for i, f in enumerate(files)}
        results.sort(key=lambda r: order[str(r["file"])])
    else:
        for f in tqdm(files, desc="Recalcul", unit="classeur", file=sys.stderr, disable=None if len(files) > 1 else True):
            results.append(_process(f, write))

    if args.json:
        payload = [{k: v for k, v in r.items() if k not in ("rendered_issues", "topsheet")} for r in results]
        print(json.dumps(payload[0] if len(payload) == 1 and len(args.paths) == 1 and not Path(args.paths[0]).is_dir()
                         else payload, ensure_ascii=False, indent=2))
    else:
        for r in results:
            if "failure" in r:
                print(r["failure"], file=sys.stderr)
                continue
            if args.topsheet and r.get("topsheet"):
                print(r["topsheet"])
                print()
            for line in r["rendered_issues"]:  # type: ignore[union-attr]
                print(line)
            verb = "recalculé" if write else "vérifié"
            total = format_eur(Decimal(str(r["total"]))) if "total" in r else "non calculé"
            print(f"{r['file']}: {verb}, total {total}, {r['errors']} erreur(s), "
                  f"{r['warnings']} avertissement(s)")
    if problems or any("failure" in r for r in results):
        return EXIT_FAILURE
    return EXIT_DATA_ERRORS if any(r.get("errors") for r in results) else EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from xlprod.services import recalculate
    from xlprod.workbook.csv_lines import read_lines_csv
    from xlprod.workbook.devis_builder import build_devis, catalogue_rows
    from xlprod.workbook.xlsx_file import XlsxFile

    out = Path(args.out or "devis.xlsx")
    if out.exists() and not args.force:
        print(f"{out}: erreur: le fichier existe déjà — choisissez un autre nom ou ajoutez --force", file=sys.stderr)
        return EXIT_FAILURE
    try:
        rows = read_lines_csv(args.depuis) if args.depuis else catalogue_rows()
        tmp = out.with_name(f".~xlprod-new-{out.name}")
        build_devis(tmp, rows, title=args.titre, company=args.societe, form_version=args.formulaire)
        book = XlsxFile(tmp)
        report = recalculate(book)
        book.save(tmp)
        tmp.replace(out)
    except WorkbookError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_FAILURE
    print(f"{out}: devis créé ({len(rows)} lignes, {report.errors} erreur(s), {report.warnings} avertissement(s))")
    for issue in report.issues:
        print(issue.render())
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from xlprod.demo import run_demo

    return run_demo(Path(args.out))


def cmd_addin(args: argparse.Namespace) -> int:
    from xlprod.workbook.addin import build_addin

    path = build_addin(Path(args.out))
    print(f"{path}: complément Excel créé (onglet « xlprod », bouton « Recalculer »)")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xlprod", description="Classeurs de production (devis CNC...) : "
                                     "créer, recalculer et contrôler sans Excel.")
    parser.add_argument("--version", action="version", version=f"xlprod {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    new = sub.add_parser("new", help="créer un classeur (devis)")
    new.add_argument("kind", choices=["devis"], help="type de classeur")
    new.add_argument("out", nargs="?", help="fichier à créer (défaut : devis.xlsx)")
    new.add_argument("--titre", default="Sans titre", help="titre de l'œuvre")
    new.add_argument("--societe", default="", help="société de production")
    new.add_argument("--formulaire", default="2018", choices=["2018", "classique"], help="version du devis CNC")
    new.add_argument("--depuis", metavar="CSV", help="lignes à reprendre d'un CSV (en-têtes du tableau Devis)")
    new.add_argument("--force", action="store_true", help="remplacer un fichier existant")
    new.set_defaults(func=cmd_new)

    for name, helptext, write in (("recalc", "recalculer et contrôler des classeurs", True),
                                  ("check", "contrôler sans modifier les fichiers", False)):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("paths", nargs="+", help="classeurs ou dossiers")
        p.add_argument("--json", action="store_true", help="résultats en JSON (totaux, erreurs, avertissements)")
        p.add_argument("--jobs", type=int, default=1, help="classeurs traités en parallèle")
        p.add_argument("--topsheet", action="store_true", help="afficher la synthèse par poste")
        p.set_defaults(func=lambda a, w=write: cmd_recalc(a, write=w))

    demo = sub.add_parser("demo", help="construire et recalculer la production d'exemple")
    demo.add_argument("--out", default="xlprod-demo", help="dossier de sortie (défaut : xlprod-demo)")
    demo.set_defaults(func=cmd_demo)

    addin = sub.add_parser("excel-addin", help="construire le complément Excel xlprod.xlam (ruban « xlprod »)")
    addin.add_argument("--out", default=".", help="dossier de sortie")
    addin.set_defaults(func=cmd_addin)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        print("xlprod: erreur: --jobs doit valoir au moins 1", file=sys.stderr)
        return EXIT_FAILURE
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
