"""The cost report's part of ``xlprod demo``: the sample production in post-production (mid-October
2026). Entries typed until the end of September, two frozen versions of the devis (the one sent to
the CNC, the one signed with the distributor), and October's accounts imported from a FEC.

The data is generated from the sample devis with a fixed seed: realistic rhythms (weekly pay
during prep and shoot, monthly social charges, suppliers' invoices), a few overruns (set building,
camera rental, transport) and savings, a Belgian share of the post-production (coproduction).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from xlprod.core.money import ZERO, round_cents
from xlprod.core.text import plural
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.builder import DepensesInputs, build_depenses
from xlprod.kinds.depenses.importer import import_ledger
from xlprod.kinds.depenses.recalc import DepensesSummary, recalc_depenses
from xlprod.kinds.depenses.snapshot import add_version, read_devis_version
from xlprod.kinds.depenses.tracking import chapter_of
from xlprod.kinds.devis.builder import build_devis
from xlprod.kinds.devis.csv_import import read_lines_csv
from xlprod.kinds.devis.demo import SAMPLE_COMPANY, SAMPLE_TITLE, sample_csv
from xlprod.kinds.devis.demo import SAMPLE_FILE as DEVIS_FILE
from xlprod.kinds.devis.recalc import recalc_devis
from xlprod.kinds.registry import DemoPart
from xlprod.services import recalculate
from xlprod.workbook.files import atomic_path, check_demo_target, record_demo_file
from xlprod.workbook.port import WritePlan
from xlprod.workbook.sheetxml import CellWrite
from xlprod.workbook.xlsx_file import XlsxFile

SAMPLE_FILE = "depenses-les-heures-claires.xlsx"
DEVIS_V2_FILE = "devis-les-heures-claires-signe.xlsx"
FEC_FILE = "FEC-les-heures-claires-octobre.txt"
TODAY = dt.date(2026, 10, 15)  # the report's date: post-production
PREP, SHOOT, SHOOT_END, POST, DELIVERY = (dt.date(2026, 3, 2), dt.date(2026, 5, 4), dt.date(2026, 6, 26),
                                          dt.date(2026, 6, 29), dt.date(2026, 11, 30))
NOW = dt.datetime.combine(TODAY, dt.time(9, 0))
TYPED_UNTIL = dt.date(2026, 9, 30)  # October comes from the accounts (FEC)
# the distributor's signed budget moved some lines (devis account prefix -> factor)
SIGNED_CHANGES = {"51": Decimal("1.12"), "71": Decimal("0.95"), "63": Decimal("1.08")}
# how each kind of line really ended up (devis account prefix -> factor of the signed budget)
OUTCOME = {"51": Decimal("1.31"), "52": Decimal("1.09"), "71": Decimal("1.17"), "61": Decimal("1.24"),
           "62": Decimal("1.12"), "34": Decimal("0.82"), "65": Decimal("0.88"), "85": Decimal("0.90"),
           "23": Decimal("1.04")}
# how far each chapter is committed on the report's date
CLOSED = ("34", "65")  # lines the administrator closed: their estimate to complete typed as 0
COMMITTED = {1: 1.0, 2: 1.0, 3: 1.0, 4: 0.92, 5: 1.0, 6: 0.97, 7: 0.95, 8: 0.62, 9: 0.85}
SUPPLIERS = {5: ["Ateliers Décor Ouest", "Costumes & Cie", "Maison Bréhat Accessoires"],
             6: ["Transports Le Goff", "Hôtel de la Rade", "Traiteur Ar Vag", "SNCF Voyageurs"],
             7: ["TSF Caméra", "Transpalux", "Cinéphase Machinerie", "Studio de Bry"],
             8: ["Éclair Post (Vanves)", "Dame Blanche Post (Bruxelles)", "Studio Kernel Mixage", "Titrafilm"],
             9: ["Hiscox Assurances", "Cabinet Lenoir avocats", "Expertise Compta Film"],
             1: ["Éditions du Rivage", "SACD"]}
# who does which post-production line (the devis puts 8301 and 8401 in Brussels, the Belgian coproducer's share)
POST_SUPPLIERS = (("8301", "Dame Blanche Post (Bruxelles)"), ("8401", "Dame Blanche Post (Bruxelles)"),
                  ("81", "Éclair Post (Vanves)"), ("82", "Éclair Post (Vanves)"), ("84", "Éclair Post (Vanves)"),
                  ("85", "Studio Kernel Mixage"), ("86", "Studio Kernel Mixage"), ("87", "Titrafilm"),
                  ("88", "Titrafilm"), ("8", "Éclair Post (Vanves)"))
LEDGER = {1: "6516", 2: "6411", 3: "6413", 4: "6451", 5: "6061", 6: "6251", 7: "6135", 8: "6042", 9: "6161"}
ABROAD = "6048"  # post-production bought abroad (the Belgian coproducer's share): its own accounts, said BE


def ledger_account(prefix: str, account: str) -> str:
    """The production's chart: one ledger sub-account per devis line, the charge account and the whole devis
    code (22011 and 22012 are two lines: 641122011, 641122012)."""
    return f"{prefix}{account:0<4}"


def _money(x: float) -> Decimal:
    return round_cents(Decimal(str(x)))


def signed_rows() -> list[dict[str, object]]:
    """The sample devis as signed with the distributor: a few sub-chapters re-estimated."""
    rows = read_lines_csv(sample_csv())
    for row in rows:
        factor = next((f for p, f in SIGNED_CHANGES.items() if str(row["account"]).startswith(p)), None)
        if factor is not None and isinstance(row.get("unit_rate"), int | float):
            row["unit_rate"] = float(round_cents(Decimal(str(row["unit_rate"])) * factor))
    return rows


def _dates(chapter: int, n: int, rng: random.Random) -> list[dt.date]:
    if chapter in (2, 3, 4):  # weekly pay over prep and shoot (charges: monthly)
        start, end = (PREP, SHOOT_END) if chapter != 3 else (SHOOT - dt.timedelta(days=14), SHOOT_END)
    elif chapter == 8:
        start, end = POST, DELIVERY
    elif chapter == 1:
        start, end = dt.date(2026, 1, 5), PREP
    else:
        start, end = PREP, dt.date(2026, 9, 30)
    span = max((end - start).days, 1)
    return sorted(start + dt.timedelta(days=int(span * (k + rng.random()) / n)) for k in range(n))


def generate_entries(version_amounts: dict[str, tuple[str, Decimal]], seed: int = 2026) -> tuple[
        list[dict[str, object]], list[dict[str, object]]]:
    """(typed entries until the end of September, October's entries for the FEC)."""
    rng = random.Random(seed)
    typed: list[dict[str, object]] = []
    october: list[dict[str, object]] = []
    piece = 0
    for account, (label, amount) in sorted(version_amounts.items()):
        chapter = chapter_of(account)
        if chapter is None or amount <= 0:
            continue
        factor = next((f for p, f in OUTCOME.items() if account.startswith(p)), Decimal(1))
        factor *= Decimal(str(round(rng.uniform(0.97, 1.03), 3)))
        spend = round_cents(amount * factor * Decimal(str(COMMITTED[chapter])))
        n = {2: 17, 3: 10, 4: 7}.get(chapter) or max(1, min(12, int(spend // 6000) + 1))  # weekly pay, monthly charges
        shares = [rng.uniform(0.6, 1.4) for _ in range(n)]
        total_share = sum(shares)
        parts = [round_cents(spend * Decimal(str(s / total_share))) for s in shares]
        parts[-1] = spend - sum(parts[:-1], ZERO)
        for day, part in zip(_dates(chapter, n, rng), parts, strict=True):
            piece += 1
            supplier = (label[:40] if chapter in (2, 3) else "URSSAF / Audiens / Congés Spectacles" if chapter == 4
                        else rng.choice(SUPPLIERS.get(chapter, ["Divers"])))
            if chapter == 8:  # post-production by trade: the grading and the 45 VFX shots in Brussels, as the devis
                supplier = next(s for prefix, s in POST_SUPPLIERS if account.startswith(prefix))
            foreign = chapter == 8 and "Bruxelles" in supplier
            vat = ZERO if chapter in (2, 3, 4) else round_cents(part * Decimal("0.20"))
            entry: dict[str, object] = {
                "date": day, "piece": f"{'PAIE' if chapter in (2, 3, 4) else 'FA'}-{piece:05d}", "supplier": supplier,
                "account": account, "label": label[:60], "amount": float(part), "vat": float(vat),
                "country": "BE" if foreign else "FR", "ledger_account": ABROAD if foreign else LEDGER[chapter],
            }
            if chapter in (6, 7) and rng.random() < 0.15:
                entry["tags"] = "écoproduction"
            if day > TODAY:  # ordered, not yet invoiced: a commitment typed on the report's date, not in the accounts
                entry["date"], entry["status"] = TODAY, "engagé"
                typed.append(entry)
                continue
            if day > TYPED_UNTIL:
                october.append(entry)
                continue
            if day <= TODAY - dt.timedelta(days=30) or chapter in (2, 3, 4):
                entry["status"], entry["payment_date"] = "payé", min(day + dt.timedelta(days=30), TYPED_UNTIL)
            else:
                entry["status"] = "facturé"
            typed.append(entry)
    # music recorded in London, paid in pounds at the budget's rate
    typed.append({"date": dt.date(2026, 9, 14), "piece": "FA-GB-0001", "supplier": "Abbey Road Studios",
                  "account": "8601", "label": "Enregistrement musique originale", "amount": 18_400.0,
                  "currency": "GBP", "rate": 1.17, "status": "facturé", "country": "GB",
                  "ledger_account": ledger_account(ABROAD, "8601")})
    return typed, october


def write_fec(path: Path, october: list[dict[str, object]]) -> None:
    """October's invoices as the accounting software exports them: pipe-separated, Windows-1252,
    CRLF, French decimals; each invoice = charge(s) + deductible VAT + supplier, lettered when paid."""
    head = ("JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
            "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise")
    lines = [head]

    def amount(d: Decimal) -> str:
        return f"{d:.2f}".replace(".", ",")

    extra = [  # receptions and a gift: on accounts no correspondence names, so they go « à affecter »
        {"entry": "HA90001", "date": dt.date(2026, 10, 9), "piece": "FA-R-0001", "supplier": "Traiteur Ar Vag",
         "ledger_account": "62570000", "label": "Réception fin de montage", "amount": 1840.0, "vat": 368.0},
        {"entry": "HA90002", "date": dt.date(2026, 10, 12), "piece": "FA-R-0002", "supplier": "Librairie Dialogues",
         "ledger_account": "62340000", "label": "Cadeaux équipe", "amount": 612.5, "vat": 122.5},
    ]
    for k, e in enumerate([*october, *extra], start=1):
        day = e["date"]
        assert isinstance(day, dt.date)
        ht, vat = _money(float(str(e["amount"]))), _money(float(str(e.get("vat", 0.0))))
        ledger = ledger_account(str(e["ledger_account"]), str(e["account"])) if e.get("account") else str(
            e["ledger_account"])
        num = str(e.get("entry") or f"HA{k:05d}")
        date = f"{day:%Y%m%d}"
        supplier = str(e["supplier"])
        aux = "F" + "".join(ch for ch in supplier.upper() if ch.isalnum())[:8]
        lettered = day <= dt.date(2026, 10, 10)
        let, datelet = ("AB", f"{dt.date(2026, 10, 14):%Y%m%d}") if lettered else ("", "")
        label = str(e["label"])[:40].replace("|", "/")
        lines.append(f"HA|Achats|{num}|{date}|{ledger}|{label}|||{e['piece']}|{date}|{label}|{amount(ht)}|0,00|||"
                     f"{date}||")
        if vat:
            lines.append(f"HA|Achats|{num}|{date}|44566000|TVA déductible|||{e['piece']}|{date}|{label}|"
                         f"{amount(vat)}|0,00|||{date}||")
        lines.append(f"HA|Achats|{num}|{date}|40100000|Fournisseurs|{aux}|{supplier}|{e['piece']}|{date}|{label}|"
                     f"0,00|{amount(ht + vat)}|{let}|{datelet}|{date}||")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252", errors="replace"))


def mapping_rows(version_amounts: dict[str, tuple[str, Decimal]]) -> list[tuple[str, ...]]:
    """The production's chart: one ledger sub-account per devis line (charge account + devis code), and for
    post-production the accounts of what is bought abroad, in Belgium (the country of the spend: the FEC
    does not say it)."""
    rows: list[tuple[str, ...]] = []
    for account, (label, _) in sorted(version_amounts.items()):
        chapter = chapter_of(account)
        if chapter is None or len(account) < 4:
            continue
        rows.append((ledger_account(LEDGER[chapter], account), account, "", label[:50]))
        if chapter == 8:
            rows.append((ledger_account(ABROAD, account), account, "BE", f"{label[:38]} (Belgique)"))
    return rows


def close_lines(book: XlsxFile, prefixes: tuple[str, ...]) -> None:
    """What the administrator types in the report: nothing left to spend on lines already closed."""
    end = book.named_cell(L.LINES_END_NAME)
    last = int(float(str(end[0]))) if end else L.FIRST_LINE_ROW
    rows = range(L.FIRST_LINE_ROW, last + 1)
    accounts = book.cell_values(L.SHEET_SUIVI, [(r, 1) for r in rows])
    plan = WritePlan()
    for r in rows:
        if str(accounts.get((r, 1)) or "").startswith(prefixes):
            plan.sheet(L.SHEET_SUIVI).set(r, L.COL["Reste à engager (saisi)"], CellWrite(0.0))
    book.apply(plan)


def build_sample(out_dir: Path, name: str = SAMPLE_FILE) -> tuple[Path, Path]:
    """The sample workbook, its two versions frozen and its FEC imported, not yet recalculated;
    returns (workbook, FEC)."""
    devis = XlsxFile(out_dir / DEVIS_FILE, for_writing=False)
    first, _ = read_devis_version(devis, "Dépôt CNC", DEVIS_FILE)
    first = replace(first, date=dt.date(2026, 1, 12))
    signed_path = out_dir / DEVIS_V2_FILE
    with atomic_path(signed_path) as tmp:
        build_devis(tmp, signed_rows(), title=SAMPLE_TITLE, company=SAMPLE_COMPANY)
        book = XlsxFile(tmp, name=signed_path.name)
        recalc_devis(book, dt.datetime(2026, 2, 20, 10, 0))
        book.save(tmp)
    second, _ = read_devis_version(XlsxFile(signed_path, for_writing=False), "Budget signé distributeur",
                                   DEVIS_V2_FILE)
    second = replace(second, date=dt.date(2026, 2, 20))
    amounts = {a: (next(x.label for x in second.lines if x.account == a), v) for a, v in second.amounts().items()}
    typed, october = generate_entries(amounts)
    fec = out_dir / FEC_FILE
    write_fec(fec, october)
    path = out_dir / name
    build_depenses(path, DepensesInputs(title=SAMPLE_TITLE, devis=DEVIS_FILE, entries=typed,
                                        mapping=mapping_rows(amounts), visa=dt.date(2026, 12, 15)))
    book = XlsxFile(path)
    add_version(book, first)
    add_version(book, second)
    import_ledger(book, fec.read_bytes(), fec.name, NOW)
    book.refresh()
    recalc_depenses(book, NOW)  # lays the report's lines out, where the administrator types
    book.refresh()
    close_lines(book, CLOSED)
    book.save()
    return path, fec


def demo_depenses(out_dir: Path) -> DemoPart:
    path = out_dir / SAMPLE_FILE
    for target in (path, out_dir / DEVIS_V2_FILE, out_dir / FEC_FILE):
        check_demo_target(target)
    with atomic_path(path) as tmp:
        _, fec = build_sample(out_dir, tmp.name)
        book = XlsxFile(tmp, name=path.name)
        report = recalculate(book, now=NOW)  # as a user's command: issues with their file and cells
        book.save(tmp)
    for done in (path, out_dir / DEVIS_V2_FILE, fec):
        record_demo_file(done)
    summary = report.summary
    lines = [summary.render() if isinstance(summary, DepensesSummary) else "suivi non calculé", "",
             f"FEC importé : {fec.name} ; {plural(report.errors, 'erreur')}, {plural(report.warnings, 'avertissement')}"]
    lines += [issue.render() for issue in report.issues]
    return DemoPart(paths=[path, out_dir / DEVIS_V2_FILE, fec], text="\n".join(lines), errors=report.errors)

