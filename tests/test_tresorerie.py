"""The cash-flow workbook (issue 9): the sample production's plan computed by Python, by
LibreOffice from the saved file, and by hand, all alike; bad inputs located; a second run changes
nothing; the monthly table follows sources added and removed."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import cents, recalc
from xlprod.cli import main
from xlprod.core.location import column_letter
from xlprod.kinds.devis.demo import build_sample as build_devis_sample
from xlprod.kinds.tresorerie import layout as L
from xlprod.kinds.tresorerie.demo import CALENDAR, build_sample
from xlprod.workbook.libreoffice import recalculate_with_libreoffice
from xlprod.workbook.xlsx_file import XlsxFile

D = Decimal



@pytest.fixture
def sample(tmp_path: Path) -> Path:
    devis = build_devis_sample(tmp_path)
    recalc(devis)
    path = build_sample(tmp_path, devis)
    recalc(path)
    return path


def differences(ours: Path, theirs: Path) -> list[str]:
    a, b = XlsxFile(ours), XlsxFile(theirs)
    out = []
    for name in L.result_names():
        x, y = a.named_cell(name)[0], b.named_cell(name)[0]
        if (isinstance(x, float) and isinstance(y, float) and abs(x - y) < 0.005) or x == y:
            continue
        out.append(f"{name}: {x!r} / {y!r}")
    ga, gb = a._grid(L.SHEET_TRESO), b._grid(L.SHEET_TRESO)
    for r, row in enumerate(ga):
        for c, x in enumerate(row):
            y = gb[r][c] if r < len(gb) and c < len(gb[r]) else None
            if isinstance(x, float) and isinstance(y, float):
                if abs(x - y) >= 0.005:
                    out.append(f"R{r + 1}C{c + 1}: {x} / {y}")
            elif x != y and not (x in (None, "") and y in (None, "")):
                out.append(f"R{r + 1}C{c + 1}: {x!r} / {y!r}")
    for table in (L.TABLE_TRANCHES, L.TABLE_FINANCEMENT):
        for ra, rb in zip(a.table(table).rows, b.table(table).rows, strict=True):
            for x, y in zip(ra, rb, strict=True):
                if (isinstance(x, float) and isinstance(y, float) and abs(x - y) < 0.005) or x == y:
                    continue
                if isinstance(x, dt.date) or (x in (None, "") and y in (None, "")):
                    continue
                out.append(f"{table}: {ra} / {rb}")
    return out


@pytest.mark.libreoffice
def test_libreoffice_agrees_on_every_name_and_cell_of_the_sample_cash_flow(sample, tmp_path, libreoffice):
    assert differences(sample, recalculate_with_libreoffice(sample, tmp_path / "lo")) == []


def test_the_sample_conserves_money_and_a_hand_computation_finds_the_same_gap(sample, capsys):
    import json

    main(["check", str(sample), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["errors"] == 0 and Decimal(data["financing_gap"]) == 0
    # conservation: what came in minus what went out is the final balance less the opening one
    book = XlsxFile(sample)
    opening = D(str(book.named_cell("TRESO_SOLDE_INITIAL")[0]))
    nets = sum((D(m["net"]) for m in data["months"]), D(0))
    for m in data["months"]:  # each month's detail adds up to its net
        assert D(m["net"]) == (sum((D(v) for v in m["receipts"].values()), D(0))
                               - sum((D(v) for v in m["payments"].values()), D(0))
                               - D(m["vat_paid"]) + D(m["vat_recovered"]))
    assert D(data["final_balance"]) - opening == nets == D(data["financing_total"]) - D(data["budget_total"])
    assert len(XlsxFile(sample).table(L.TABLE_FINANCEMENT).rows) >= 5 and D(data["public_aid_intensity"]) < D("0.5")

    # by hand: each source pays its shares at the calendar's events; each budget amount is spent by
    # its phases' shares, evenly over their months; VAT on chapters 5-8, back two months later
    dec = book.table(L.TABLE_DECAISSEMENTS)
    first = dt.date(2026, 1, 1)
    months = [dt.date(2026 + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(60)]

    def index(day: dt.date) -> int:
        return (day.year - 2026) * 12 + day.month

    phases = [(CALENDAR["developpement"], CALENDAR["preparation"] - dt.timedelta(days=1)),
              (CALENDAR["preparation"], CALENDAR["debut_tournage"] - dt.timedelta(days=1)),
              (CALENDAR["debut_tournage"], CALENDAR["fin_tournage"]),
              (CALENDAR["fin_tournage"] + dt.timedelta(days=1), CALENDAR["livraison"])]
    spans = [(s, (e - s).days + 1) for s, e in phases]  # each phase spread over its days
    ends = [dt.date(2025, 12, 31)] + [(m + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1) for m in months]
    out = [D(0)] * 60
    vat_base = [D(0)] * 60
    for row in dec.rows:
        amount = D(str(row[2]))
        shares = [D(str(x)) for x in row[3:7]]
        paid = [cents(amount * sum((sh * min(max((end - s).days + 1, 0), n) / n
                                    for sh, (s, n) in zip(shares, spans, strict=True)), D(0))) for end in ends]
        lag = int(row[7] or 0)  # charges are paid the month after the salaries
        for i in range(60 - lag):
            out[i + lag] += paid[i + 1] - paid[i]
            if row[8] == "oui":
                vat_base[i + lag] += paid[i + 1] - paid[i]
    vat = [cents(v * D("0.20")) for v in vat_base]
    received = [D(0)] * 60
    for row in book.table(L.TABLE_TRANCHES).rows:
        due = row[8] if isinstance(row[8], dt.date) else dt.date(1899, 12, 30) + dt.timedelta(days=int(row[8]))
        received[index(due) - 1] += D(str(row[9]))
    balance, lowest, lowest_month = opening, None, None
    for i in range(60):
        balance += received[i] - out[i] - vat[i] + (vat[i - 2] if i >= 2 else 0)
        if lowest is None or balance < lowest:
            lowest, lowest_month = balance, months[i]
    assert D(data["lowest_balance"]) == lowest < 0
    assert data["lowest_month"] == lowest_month.isoformat()
    # the gap and its 10 % margin, in round thousands, but not beyond the receivables still to come
    up = (-lowest * D("1.10") / 1000).to_integral_value(rounding="ROUND_CEILING") * 1000
    least = (-lowest / 1000).to_integral_value(rounding="ROUND_CEILING") * 1000
    after = sum(received[months.index(lowest_month) + 1:], D(0))
    assert D(data["bridge_loan"]) == min(up, max(least, (after / 1000).to_integral_value(rounding="ROUND_FLOOR") * 1000))
    assert D(data["final_balance"]) == balance


def test_a_second_recalculation_changes_nothing_but_the_date_of_the_checks(sample):
    import zipfile

    def parts(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as zf:
            return {i.filename: zf.read(i) for i in zf.infolist()}

    before = parts(sample)
    grid_before = XlsxFile(sample)._grid(L.SHEET_TRESO)
    recalc(sample)
    after = parts(sample)
    controls = XlsxFile(sample).package.sheet_parts()[L.SHEET_CONTROLES]
    changed = {n for n in before if before[n] != after.get(n)} - {controls, "docProps/core.xml", "docProps/app.xml"}
    treso = XlsxFile(sample).package.sheet_parts()[L.SHEET_TRESO]
    assert changed <= {treso}  # its status line (A3) carries the date of the run
    grid_after = XlsxFile(sample)._grid(L.SHEET_TRESO)
    assert grid_after[3:] == grid_before[3:] and grid_after[:2] == grid_before[:2]


@pytest.mark.libreoffice
def test_the_monthly_table_follows_sources_added_and_removed(sample, tmp_path, libreoffice):
    wb = openpyxl.load_workbook(sample)
    table = wb[L.SHEET_FINANCEMENT].tables[L.TABLE_FINANCEMENT]
    last = table.ref.split(":")[1]
    ws = wb[L.SHEET_FINANCEMENT]
    last_row = int("".join(ch for ch in last if ch.isdigit()))
    removed = {ws.cell(row=r, column=1).value for r in range(last_row - 3, last_row + 1)}
    for r in range(last_row - 3, last_row + 1):  # the last four sources removed (rows blanked), their tranches too
        for c in range(1, 8):
            ws.cell(row=r, column=c).value = None
    ech = wb[L.SHEET_ECHEANCIER]
    for r in range(L.HEADER_ROW + 1, ech.max_row + 1):
        if ech.cell(row=r, column=1).value in removed:
            for c in range(1, 9):
                ech.cell(row=r, column=c).value = None
    wb.save(sample)
    assert main(["recalc", str(sample)]) in (0, 1)
    shrunk = differences(sample, recalculate_with_libreoffice(sample, tmp_path / "lo1"))
    assert shrunk == []
    grid = XlsxFile(sample)._grid(L.SHEET_TRESO)
    assert all(v in (None, "") for row in grid[L.Grid(6).last_row + 1:] for v in row)  # nothing left below


def test_bad_inputs_are_located(tmp_path, capsys):
    path = tmp_path / "tresorerie.xlsx"
    assert main(["new", "tresorerie", str(path), "--devis", str(tmp_path / "absent.xlsx")]) == 1  # created, with what to fill
    out = capsys.readouterr().out
    assert "TRE031" in out and "absent.xlsx" in out  # the devis cannot be found
    assert "Calendrier!B5: erreur TRE016" in out  # no calendar yet
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_CALENDRIER]
    for i, (_, key, _) in enumerate(L.CALENDAR_ROWS):
        ws.cell(row=L.HEADER_ROW + 1 + i, column=2).value = dt.datetime.combine(CALENDAR[key], dt.time())
    fin = wb[L.SHEET_FINANCEMENT]
    fin.cell(row=5, column=1).value = "Canal+"
    fin.cell(row=5, column=2).value = "préachat TV payante"
    fin.cell(row=5, column=4).value = "beaucoup"
    ech = wb[L.SHEET_ECHEANCIER]
    ech.cell(row=5, column=1).value = "Canal+"
    ech.cell(row=5, column=2).value = 1
    ech.cell(row=5, column=3).value = 1
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Financement!D5: erreur TRE017" in out  # text in an amount
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_FINANCEMENT].cell(row=5, column=4).value = 900_000
    wb.save(path)
    assert main(["recalc", str(path)]) == 1
    out = capsys.readouterr().out
    assert "erreur TRE011" in out and "sans date ni événement" in out
    shutil.copy(path, tmp_path / "copy.xlsx")


@pytest.mark.parametrize("template", ["tresorerie-modele.xlsx", "tresorerie-modele.xlsm"])
def test_the_cash_flow_template_honours_its_published_contract(template):
    book = XlsxFile(Path(__file__).resolve().parents[1] / "workbooks" / template)
    assert book.package.has("xl/vbaProject.bin") == template.endswith(".xlsm")
    assert list(book.package.sheet_parts()) == list(L.SHEETS)
    assert book.kind() == "tresorerie"
    expected = {
        L.TABLE_FINANCEMENT: ["Source", "Type", "Public", "Montant", "Statut", "Date de signature", "Première diffusion",
                              "Observations", "Public retenu"],
        L.TABLE_TRANCHES: ["Source", "N°", "Part", "Montant", "Date", "Événement", "Délai (jours)", "Observations",
                           "Échéance", "Versement"],
        L.TABLE_CALENDRIER: ["Étape", "Date", "Clé"],
        L.TABLE_DECAISSEMENTS: ["Clé", "Poste", "Montant", "Développement", "Préparation", "Tournage",
                                "Postproduction", "Décalage (mois)", "TVA"],
        L.TABLE_PARAMETRES: ["Clé", "Paramètre", "Valeur", "Unité", "Valeur par défaut", "Source"],
        L.TABLE_TYPES: ["Type", "Public"],
        L.TABLE_TEMPLATES: ["Type", "N°", "Part", "Événement", "Délai (jours)"],
    }
    for table, headers in expected.items():
        assert book.table(table).headers == headers, table
    names = set(book.package.defined_names())
    assert {"TRESO_BUDGET_TOTAL", "TRESO_FINANCEMENT_TOTAL", "TRESO_ECART_FINANCEMENT", "TRESO_INTENSITE_AIDE_PUBLIQUE",
            "TRESO_SOLDE_MIN", "TRESO_MOIS_SOLDE_MIN", "TRESO_SOLDE_FINAL", "TRESO_CREDIT_RELAIS", "TRESO_CREDIT_IMPOT",
            "TRESO_INTERETS_RELAIS", "TRESO_PREMIER_MOIS", "TRESO_CONTROLES", *(n for _, _, n in L.CALENDAR_ROWS),
            *(n for _, n, *_ in L.PARAMETERS)} <= names


HOSTILE_EDITS = {
    # what LibreOffice itself does to the sample: (sheet, cell, value) or a statement
    "a source name ending in a space": [("Financement", "A6", "Canal+ (préachat) ")],
    "an event typed with a trailing space and capitals": [("Échéancier", "F6", "Premier jour de tournage ")],
    "a calendar label renamed": [("Calendrier", "A7", "1er jour de tournage")],
    "an amount typed as text": [("Financement", "D6", "900 000 €")],
    "a type without its accents": [("Financement", "B8", "MINIMUM GARANTI distributeur")],
    "a tranche whose source was removed": [("Financement", "A11", ""), ("Financement", "B11", ""),
                                           ("Financement", "D11", "")],
    "the Décaissements table sorted by amount": ["sort|Décaissements|A5:I15|2"],
    "the calendar sorted by label": ["sort|Calendrier|A5:C11|0"],
}


def _statements(edits: list) -> list[str]:
    out = []
    for edit in edits:
        if isinstance(edit, str):  # sort|sheet|range|field
            _, sheet, rng, field = edit.split("|")
            out += [f'r = doc.Sheets.getByName("{sheet}").getCellRangeByName("{rng}")',
                    "Dim sf(0) As New com.sun.star.table.TableSortField",
                    f"sf(0).Field = {field} : sf(0).IsAscending = True",
                    "Dim sd(0) As New com.sun.star.beans.PropertyValue",
                    'sd(0).Name = "SortFields" : sd(0).Value = sf()', "r.sort(sd())"]
            continue
        sheet, cell, value = edit
        ref = f'doc.Sheets.getByName("{sheet}").getCellRangeByName("{cell}")'
        out.append(f'{ref}.setString("{value}")' if value != "" else f'{ref}.setString("")')
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", list(HOSTILE_EDITS))
def test_hostile_edits_in_libreoffice_end_with_one_set_of_numbers(sample, tmp_path, libreoffice, case, capsys):
    from tests.lo_edit import edit_with_libreoffice

    edit_with_libreoffice(sample, *_statements(HOSTILE_EDITS[case]))
    code = main(["recalc", str(sample)])
    out = capsys.readouterr().out
    assert "Traceback" not in out and code in (0, 1)
    if "recalculé" in out.splitlines()[-1]:
        assert differences(sample, recalculate_with_libreoffice(sample, tmp_path / "lo")) == []
    else:
        assert "erreur" in out


@pytest.mark.libreoffice
def test_rows_deleted_in_the_tresorerie_sheet_are_said_and_the_sheet_left_alone(sample, libreoffice, capsys):
    from tests.lo_edit import edit_with_libreoffice

    edit_with_libreoffice(sample, 'doc.Sheets.getByName("Trésorerie").Rows.removeByIndex(4, 3)')
    assert main(["recalc", str(sample)]) == 1
    assert "TRE029" in capsys.readouterr().out


@pytest.mark.libreoffice
def test_a_devis_line_singled_out_is_spent_on_its_own_profile_and_leaves_its_chapter(tmp_path, libreoffice):
    from xlprod.cnc.financing import Phase
    from xlprod.kinds.tresorerie.builder import TresoInputs, build_tresorerie

    devis = build_devis_sample(tmp_path)
    recalc(devis)
    lines = XlsxFile(devis).table("Devis")
    camera = sum((D(str(r[lines.headers.index("Montant")])) for r in lines.rows
                  if str(r[lines.headers.index("Compte")]).startswith("71")), D(0))
    chapter7 = D(str(XlsxFile(devis).named_cell("DEVIS_POSTE_7")[0]))
    path = tmp_path / "plan.xlsx"
    build_tresorerie(path, TresoInputs(title="Essai", devis=devis.name, calendar=CALENDAR,
                                       sources=[{"name": "Apport", "type": "apport producteur", "amount": 4_000_000,
                                                 "signature": dt.date(2026, 1, 5)}],
                                       singled=[("71", "Caméra (loueur, payé en 3 fois)",
                                                 {Phase.PREPARATION: 0.3, Phase.TOURNAGE: 0.7})]))
    recalc(path)
    book = XlsxFile(path)
    dec = {str(r[0]): D(str(r[2])) for r in book.table(L.TABLE_DECAISSEMENTS).rows}
    assert dec["71"] == camera > 0 and dec["7"] == chapter7 - camera
    assert D(str(book.named_cell("TRESO_BUDGET_TOTAL")[0])) == D(str(XlsxFile(devis).named_cell("DEVIS_TOTAL")[0]))
    labels = [row[1] for row in book._grid(L.SHEET_TRESO)]
    assert any(str(label).startswith("71 — Caméra") for label in labels)
    assert differences(path, recalculate_with_libreoffice(path, tmp_path / "lo")) == []


def test_the_excel_adapter_gives_the_cash_flow_the_file_gives(sample, tmp_path):
    """« Recalculer la trésorerie » in Excel runs the same function over the xlwings adapter
    (here on the faithful xlwings fake of the Excel side's tests): same figures, same messages."""
    from tests.fake_excel import FakeBook
    from xlprod.services import recalculate
    from xlprod.workbook.excel import ExcelBook

    book = FakeBook(sample)
    book.fullname = str(sample)
    report = recalculate(ExcelBook(book))
    from_file = recalc(sample)
    assert report.errors == from_file.errors == 0
    assert [i.code for i in report.issues] == [i.code for i in from_file.issues]
    assert report.summary.to_json() == from_file.summary.to_json()
    assert book.writes  # it wrote through the adapter


@pytest.mark.libreoffice
def test_the_scenario_of_secured_sources_receives_only_them(sample, tmp_path, libreoffice, capsys):
    import json

    main(["check", str(sample), "--json"])
    full = json.loads(capsys.readouterr().out)
    book = XlsxFile(sample)
    fin = book.table(L.TABLE_FINANCEMENT)
    row = fin.header_row + 1 + [r[0] for r in fin.rows].index("Le Pacte (minimum garanti)")
    cell = book.named_cell("PARAM_SCENARIO_ACQUIS")[1]
    wb = openpyxl.load_workbook(sample)
    wb[L.SHEET_FINANCEMENT].cell(row=row, column=fin.first_col + fin.headers.index("Statut")).value = "En négociation"
    wb[cell.sheet][cell.cell].value = "Oui"
    wb.save(sample)
    assert main(["recalc", str(sample), "--json"]) in (0, 1)
    secured = json.loads(capsys.readouterr().out)
    received = sum((D(v) for m in secured["months"] for k, v in m["receipts"].items()), D(0))
    assert "Le Pacte (minimum garanti)" not in {k for m in secured["months"] for k in m["receipts"]}
    assert received == D(full["financing_total"]) - 350_000  # the MG is the one not secured
    assert D(secured["lowest_balance"]) < D(full["lowest_balance"])
    assert differences(sample, recalculate_with_libreoffice(sample, tmp_path / "lo")) == []


def test_a_parameter_typed_as_text_is_normalised_even_when_another_input_is_refused(sample):
    wb = openpyxl.load_workbook(sample)
    params = wb[L.SHEET_PARAMETRES]
    rows = {params.cell(row=r, column=1).value: r for r in range(L.HEADER_ROW + 1, params.max_row + 1)}
    params.cell(row=rows["taux_relais"], column=3).value = "4,5 %"  # text, read as 4.5 %
    params.cell(row=rows["seuil_interets"], column=3).value = "mille"  # refused: nothing is updated
    wb.save(sample)
    report = recalc(sample)
    codes = {i.code for i in report.issues}
    assert {"TRE017", "TRE024"} <= codes and report.summary is None  # refused: no figures
    refused = next(i for i in report.issues if i.code == "TRE017")
    assert refused.location.cell == f"C{rows['seuil_interets']}"
    book = XlsxFile(sample)
    assert book.named_cell("PARAM_TAUX_RELAIS")[0] == pytest.approx(0.045)  # as TRE024 says
    assert book.named_cell("PARAM_SEUIL_INTERETS")[0] == "mille"  # the refused value stays for the user to mend


def test_the_devis_copy_stamp_shows_the_total_in_euros(sample):
    stamp = XlsxFile(sample).named_cell("TRESO_DEVIS_COPIE")[0]
    assert stamp.endswith("\xa0€") and "total " in stamp and "." not in stamp.split("total ")[1]


def test_a_new_plan_copies_its_devis_before_its_calendar_is_filled_and_an_empty_devis_is_called_empty(tmp_path, capsys):
    """The plan is filled step by step: Décaissements shows the devis from the start."""
    devis = build_devis_sample(tmp_path)
    recalc(devis)
    path = tmp_path / "tresorerie.xlsx"
    assert main(["new", "tresorerie", str(path), "--devis", str(devis)]) == 1  # no calendar yet: said
    assert "TRE016" in capsys.readouterr().out
    book = XlsxFile(path)
    amounts = book.table(L.TABLE_DECAISSEMENTS)
    copied = sum(r[amounts.headers.index("Montant")] or 0 for r in amounts.rows)
    assert copied == pytest.approx(XlsxFile(devis).named_cell("DEVIS_TOTAL")[0], abs=0.01)
    assert book.named_cell("TRESO_DEVIS_COPIE")[0].startswith(devis.name)
    assert book.named_cell("TRESO_BUDGET_TOTAL")[0] == pytest.approx(copied, abs=0.01)  # cached as computed
    assert book.named_cell("TRESO_ECART_FINANCEMENT")[0] == pytest.approx(-copied, abs=0.01)
    cached = openpyxl.load_workbook(path, data_only=True)  # what a spreadsheet shows before recalculating
    due = L.TRANCHES_COLUMNS.index(next(c for c in L.TRANCHES_COLUMNS if c.header == "Échéance")) + 1
    assert cached[L.SHEET_ECHEANCIER].cell(row=L.HEADER_ROW + 1, column=due).value in ("", None)  # not 0: 00/01/1900
    assert cached[L.SHEET_FINANCEMENT].cell(row=L.HEADER_ROW + 1, column=len(L.FINANCEMENT_COLUMNS)).value == "non"
    empty = tmp_path / "vide.xlsx"
    assert main(["new", "devis", str(empty)]) == 0  # the standard lines, nothing typed yet
    assert main(["recalc", str(empty)]) in (0, 1)
    capsys.readouterr()
    assert main(["new", "tresorerie", str(tmp_path / "t2.xlsx"), "--devis", str(empty)]) == 1
    out = capsys.readouterr().out
    assert "Le devis « vide.xlsx » est vide (total 0,00 €)" in out and "Recalculez" not in out



def test_a_delay_beyond_any_calendar_is_a_located_error_not_a_crash(sample, capsys):
    wb = openpyxl.load_workbook(sample)
    ws = wb[L.SHEET_ECHEANCIER]
    delay = [c.header for c in L.TRANCHES_COLUMNS].index("Délai (jours)") + 1
    ws.cell(row=L.HEADER_ROW + 1, column=delay).value = 3_000_000
    wb.save(sample)
    assert main(["recalc", str(sample)]) == 1
    out = capsys.readouterr().out
    assert f"Échéancier!{column_letter(delay)}{L.HEADER_ROW + 1}: erreur TRE017" in out and "plausible" in out
