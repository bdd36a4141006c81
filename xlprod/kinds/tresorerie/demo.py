"""The cash flow's part of ``xlprod demo``: the sample production's financing plan and its
monthly cash flow, built next to the sample devis (whose totals it copies) and recalculated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from xlprod.cnc.financing import source_types
from xlprod.core.text import plural
from xlprod.kinds.devis.demo import SAMPLE_FILE as DEVIS_FILE
from xlprod.kinds.devis.demo import SAMPLE_TITLE
from xlprod.kinds.registry import DemoPart
from xlprod.kinds.tresorerie import layout as L
from xlprod.kinds.tresorerie.builder import TresoInputs, build_tresorerie
from xlprod.kinds.tresorerie.recalc import TresoSummary
from xlprod.services import recalculate
from xlprod.workbook.files import atomic_path, check_demo_target, record_demo_file
from xlprod.workbook.xlsx_file import XlsxFile

SAMPLE_FILE = "tresorerie-les-heures-claires.xlsx"
CALENDAR = {"developpement": dt.date(2026, 1, 5), "preparation": dt.date(2026, 3, 2),
            "debut_tournage": dt.date(2026, 5, 4), "fin_tournage": dt.date(2026, 6, 26),
            "livraison": dt.date(2026, 11, 30), "visa": dt.date(2026, 12, 15), "sortie": dt.date(2027, 3, 17)}
# the sources of a French feature of about 3.9 M€; the producer's contribution closes the plan
SOURCES = [
    ("Canal+ (préachat)", "préachat TV payante", 900_000, dt.date(2026, 2, 10)),
    ("France 2 Cinéma (préachat)", "préachat TV gratuite", 550_000, dt.date(2026, 2, 20)),
    ("Le Pacte (minimum garanti)", "minimum garanti distributeur", 350_000, dt.date(2026, 1, 20)),
    ("Be For Films (ventes internationales)", "ventes internationales", 150_000, dt.date(2026, 3, 5)),
    ("Cinémage 20 (SOFICA)", "SOFICA", 250_000, dt.date(2026, 3, 15)),
    ("Région Bretagne", "aide régionale", 300_000, dt.date(2026, 2, 1)),
    ("Soutien automatique CNC", "soutien automatique CNC", 180_000, dt.date(2026, 1, 15)),
]


def build_sample(out_dir: Path, devis: Path, name: str = SAMPLE_FILE, depenses: Path | None = None,
                 actuals_through: dt.date | None = None) -> Path:
    """The sample cash-flow workbook, balanced against the (recalculated) sample devis; with
    ``depenses``, the payments of that expense workbook replace the forecast up to ``actuals_through``."""
    book = XlsxFile(devis, for_writing=False)
    total = Decimal(str(book.named_cell("DEVIS_TOTAL")[0]))  # type: ignore[index]
    credit = Decimal(str(book.named_cell("DEVIS_CREDIT_IMPOT_ESTIME")[0]))  # type: ignore[index]
    sources = [{"name": n, "type": t, "amount": a, "signature": d} for n, t, a, d in SOURCES]
    sources[0]["first_broadcast"] = dt.date(2027, 9, 18)  # Canal+: 6 months after the release
    sources[1]["first_broadcast"] = dt.date(2029, 2, 3)  # France 2: 22 months after
    sources.append({"name": "Crédit d'impôt cinéma", "type": "crédit d'impôt", "amount": float(credit)})
    others = sum((Decimal(str(s["amount"])) for s in sources), Decimal(0))
    sources.insert(0, {"name": "Films du Large (apport)", "type": "apport producteur",
                       "amount": float(total - others), "signature": dt.date(2026, 1, 5)})
    tranches = [{"source": s["name"], "number": i, "share": float(t.share), "event": L.EVENT_LABELS[t.event],
                 "delay": t.delay_days, "note": "échéancier type (modifiable)"}
                for s in sources for i, t in enumerate(source_types()[str(s["type"])].schedule, start=1)]
    path = out_dir / name
    build_tresorerie(path, TresoInputs(title=SAMPLE_TITLE, devis=devis.name, sources=sources, tranches=tranches,
                                       calendar=CALENDAR, opening_balance=50_000.0,
                                       depenses=depenses.name if depenses else "", actuals_through=actuals_through))
    return path


def demo_tresorerie(out_dir: Path) -> DemoPart:
    path = out_dir / SAMPLE_FILE
    check_demo_target(path)
    with atomic_path(path) as tmp:
        from xlprod.kinds.depenses.demo import SAMPLE_FILE as DEPENSES_FILE
        from xlprod.kinds.depenses.demo import TYPED_UNTIL

        depenses = out_dir / DEPENSES_FILE  # the expense demo runs first: its payments up to September are actual
        build_sample(out_dir, out_dir / DEVIS_FILE, tmp.name, depenses if depenses.exists() else None, TYPED_UNTIL)
        book = XlsxFile(tmp, name=path.name)
        report = recalculate(book)  # as a user's command: issues with their file and cells
        book.save(tmp)
    record_demo_file(path)
    summary = report.summary
    lines = [summary.render() if isinstance(summary, TresoSummary) else "trésorerie non calculée", "",
             f"{plural(report.errors, 'erreur')}, {plural(report.warnings, 'avertissement')}"]
    lines += [issue.render() for issue in report.issues]
    return DemoPart(paths=[path], text="\n".join(lines), errors=report.errors)
