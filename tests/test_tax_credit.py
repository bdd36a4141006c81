"""The cinema tax credit as the devis estimates it (CGI art. 220 sexies, DOMAIN-FACTS §1.2b, §3.2):
French spend on eligible accounts, actors at the conventional minimum, nights at the lodging cap,
charges on eligible pay, the director's pay within the barème; not French spend."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import cents, make_devis
from tests.test_libreoffice import compare
from xlprod.cli import main
from xlprod.cnc.tax_credit import director_scale_cap, eligible_sub_chapters
from xlprod.kinds.devis import layout as L
from xlprod.kinds.devis.compute import compute_budget
from xlprod.kinds.devis.model import Budget, BudgetLine, BudgetParameters, TableRef, Unit
from xlprod.kinds.devis.parameters import default_values
from xlprod.workbook.libreoffice import recalculate_with_libreoffice
from xlprod.workbook.xlsx_file import XlsxFile

RATES = default_values()
MINIMUM = RATES["minimum_artiste_cachet"]
NIGHT = RATES["plafond_hebergement_nuit"]



LINES = [
    # an actor paid above the minimum: counted at 418,25 € a day
    {"account": "311", "label": "Rôle principal", "quantity": 20, "unit": "jour", "number": 1, "unit_rate": 1500,
     "category": "artiste-interprète"},
    # an actor in a flat fee: the cap cannot be applied per day, counted in full
    {"account": "321", "label": "Second rôle", "quantity": 1, "unit": "forfait", "number": 1, "unit_rate": 3000,
     "category": "artiste-interprète"},
    {"account": "241", "label": "Chef opérateur", "quantity": 8, "unit": "semaine", "number": 1, "unit_rate": 3000,
     "category": "cadre"},
    # a foreign line: half of the grading done abroad
    {"account": "831", "label": "Étalonnage", "quantity": 1, "unit": "forfait", "number": 1, "unit_rate": 20000,
     "france_share": 0.5},
    # lodging above the cap, and a night line outside 64 (no cap)
    {"account": "641", "label": "Hôtel équipe", "quantity": 30, "unit": "nuit", "number": 4, "unit_rate": 250},
    {"account": "911", "label": "Assurance", "quantity": 1, "unit": "forfait", "number": 1, "unit_rate": 15000},
    # the user says « non » to an eligible account, « oui » to an ineligible one
    {"account": "711", "label": "Caméra louée (prestataire étranger facturant en France)", "quantity": 1,
     "unit": "forfait", "number": 1, "unit_rate": 9000, "tax_credit": "non"},
    {"account": "931", "label": "Frais juridiques (retenus par l'expert-comptable)", "quantity": 1, "unit": "forfait",
     "number": 1, "unit_rate": 1000, "tax_credit": "Oui"},
]


def test_tax_credit_by_hand_actors_at_the_minimum_a_foreign_line_and_insurance(tmp_path):
    path = make_devis(tmp_path / "devis.xlsx", LINES)
    book = XlsxFile(path)
    table = book.table(L.TABLE_DEVIS)
    column = [row[table.headers.index("Base crédit impôt")] for row in table.rows]
    # the column holds each line's eligible French amount; the caps come off in the Synthèse
    assert [Decimal(str(v)) for v in column] == [Decimal(x) for x in (30000, 3000, 24000, 10000, 30000, 0, 0, 1000)]
    capped = 20 * (1500 - MINIMUM) + 30 * 4 * (250 - NIGHT)
    assert Decimal(str(book._grid(L.SHEET_SYNTHESE)[L.SYN_CREDIT_CAPS_ROW - 1][2])) == -capped
    expected_lines = [20 * MINIMUM, 3000, 24000, 10000, 30 * 4 * NIGHT, 0, 0, 1000]
    assert table.rows[-1][table.headers.index("Crédit impôt")] == "oui"  # « Oui » normalised for the formula
    charges = cents((20 * MINIMUM + 3000) * RATES["taux_charges_artiste"]) + cents(24000 * RATES["taux_charges_cadre"])
    base = sum((Decimal(x) for x in expected_lines), Decimal(0)) + charges
    assert Decimal(str(book.named_cell("DEVIS_BASE_CREDIT_IMPOT")[0])) == base
    assert Decimal(str(book.named_cell("DEVIS_CREDIT_IMPOT_ESTIME")[0])) == cents(base * RATES["taux_credit_impot"])
    assert base < Decimal(str(book.named_cell("DEVIS_DEPENSES_FRANCE")[0]))


@pytest.mark.libreoffice
def test_libreoffice_computes_the_same_tax_credit(tmp_path, libreoffice):
    lines = [*LINES, {"account": "221", "label": "Réalisatrice (salaire)", "quantity": 10, "unit": "semaine",
                      "number": 1, "unit_rate": 30000, "category": "réalisateur"},
             {"account": "131", "label": "Réalisatrice (droits)", "quantity": 1, "unit": "forfait", "number": 1,
              "unit_rate": 200000, "category": "auteur"},
             {"account": "311", "label": "Cachet sans taux", "quantity": 3, "unit": "cachet", "number": 1,
              "category": "artiste-interprète"}]
    path = make_devis(tmp_path / "devis.xlsx", lines)
    book = XlsxFile(path)
    assert book.named_cell("DEVIS_BASE_CREDIT_IMPOT")[0] > 0
    assert compare(path, recalculate_with_libreoffice(path, tmp_path / "lo")) == []


def test_the_director_pay_above_the_barème_is_taken_out(tmp_path, capsys):
    lines = [{"account": "221", "label": "Réalisateur", "quantity": 10, "unit": "semaine", "number": 1,
              "unit_rate": 30000, "category": "réalisateur"},
             {"account": "131", "label": "Droits du réalisateur", "quantity": 1, "unit": "forfait", "number": 1,
              "unit_rate": 200000, "category": "auteur"},
             {"account": "711", "label": "Caméra", "quantity": 1, "unit": "forfait", "number": 1, "unit_rate": 100000}]
    path = make_devis(tmp_path / "devis.xlsx", lines)
    main(["check", str(path), "--json"])
    credit = json.loads(capsys.readouterr().out)["tax_credit"]
    film_cost = Decimal(str(XlsxFile(path).named_cell("DEVIS_COUT_DU_FILM")[0]))
    cap = cents(film_cost * Decimal("0.15"))  # a film under 4 M€: 15 % of its cost
    assert Decimal(credit["director_cap"]) == cap == director_scale_cap(film_cost)
    assert Decimal(credit["director_pay"]) == Decimal(500000)
    assert Decimal(credit["director_excess"]) == Decimal(500000) - cap
    charges = cents(Decimal(300000) * RATES["taux_charges_realisateur"]) + cents(Decimal(200000) * RATES["taux_charges_auteur"])
    assert Decimal(credit["base"]) == Decimal(600000) + charges - (Decimal(500000) - cap)


def test_the_barème_reaches_990_000_euros_at_10_million():
    assert director_scale_cap(Decimal(3_000_000)) == Decimal(450_000)
    assert director_scale_cap(Decimal(5_000_000)) == Decimal(600_000 + 80_000)
    assert director_scale_cap(Decimal(10_000_000)) == director_scale_cap(Decimal(50_000_000)) == Decimal(990_000)


def test_on_the_sample_the_base_is_below_french_spend_and_json_says_so(tmp_path, capsys):
    from xlprod.kinds.devis.demo import build_sample

    path = build_sample(tmp_path)
    main(["recalc", str(path), "--json"])
    data = json.loads(capsys.readouterr().out)
    credit = data["tax_credit"]
    subtotal, france, base = (Decimal(x) for x in (data["subtotal"], data["france_total"], credit["base"]))
    assert base < france and base / subtotal < Decimal("0.87")
    assert Decimal(credit["estimate"]) == cents(base * Decimal(credit["rate"]))


amounts = st.decimals(min_value=0, max_value=200_000, places=2)
ACCOUNTS = ["111", "131", "221", "241", "311", "341", "411", "471", "641", "651", "711", "831", "911", "941", "2101"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ACCOUNTS), amounts, st.integers(0, 30),
                          st.sampled_from([None, "cadre", "technicien", "artiste-interprète", "réalisateur", "auteur"]),
                          st.sampled_from([Unit.JOUR, Unit.NUIT, Unit.FORFAIT, None]),
                          st.sampled_from([Decimal(1), Decimal("0.5"), Decimal(0)]),
                          st.sampled_from([None, True, False])), max_size=14))
def test_the_eligible_base_never_exceeds_french_spend(rows):
    lines = tuple(BudgetLine(row=6 + i, account=a, quantity=Decimal(q), number=Decimal(1), unit_rate=rate,
                             category=cat, unit=unit, france_share=share, tax_credit=said)
                  for i, (a, rate, q, cat, unit, share, said) in enumerate(rows))
    params = BudgetParameters.from_values(RATES, form_version="2018", title="", company="")
    r = compute_budget(Budget(lines=lines, parameters=params, table=TableRef(book="b", columns={})))
    credit = r.credit
    assert credit.base <= r.france_total
    for line, french, eligible in zip(lines, r.line_france_amounts, credit.line_amounts, strict=True):
        assert Decimal(0) <= eligible <= french
        if line.tax_credit is False or (line.tax_credit is None and line.account[:2] not in eligible_sub_chapters()):
            assert eligible == 0
    assert credit.estimate == min(cents(max(Decimal(0), credit.base) * params.tax_credit_rate), params.tax_credit_ceiling)


def test_on_the_sample_a_computation_by_hand_from_the_csv_gives_the_workbook_figures(tmp_path, capsys):
    """The done-when of the issue: caps, bases and the tax credit recomputed from the sample's lines
    with plain arithmetic (and the data tables), against ``xlprod recalc --json``."""
    import csv

    from xlprod.cnc.reference import read_data
    from xlprod.cnc.tax_credit import tax_credit_data
    from xlprod.kinds.devis.demo import build_sample

    def num(text: str) -> Decimal:
        return Decimal(text.replace(",", ".")) if text else Decimal(0)

    rows = list(csv.DictReader(read_data("exemple-devis.csv").splitlines(), delimiter=";"))
    rate_of = {"technicien": "taux_charges_technicien", "cadre": "taux_charges_cadre",
               "réalisateur": "taux_charges_realisateur", "ouvrier": "taux_charges_ouvrier",
               "stagiaire": "taux_charges_stagiaire", "artiste-interprète": "taux_charges_artiste",
               "figurant": "taux_charges_figurant", "permanent": "taux_charges_permanent",
               "auteur": "taux_charges_auteur"}
    eligible_subs = {code for code, e in tax_credit_data()["sub_chapters"].items() if e["eligible"]}
    hours = {"heure": Decimal(1), "jour": Decimal(7), "semaine": Decimal(35), "mois": Decimal("151.67")}
    gross: dict[str, Decimal] = {}
    eligible_gross: dict[str, Decimal] = {}
    producer_gross: dict[str, Decimal] = {}
    typed = producer = financial = lines_eligible = director = Decimal(0)
    for r in rows:
        q, n, rate = num(r["Quantité"]), num(r["Nombre"]), num(r["Taux unitaire"])
        share = num(r["Part France"]) if r["Part France"] else Decimal(1)
        amount = cents(q * n * rate)
        typed += amount
        cat, sub, unit = r["Catégorie de paie"], r["Compte"][:2], r["Unité"]
        chapter = int(r["Compte"][0])
        charged = cat in rate_of and (chapter == 1 if cat == "auteur" else chapter == 2 if cat == "stagiaire"
                                      else chapter in (2, 3))
        base = cents(q * n * max(Decimal(0), rate - RATES["gratification_minimum_horaire"] * hours.get(unit, 0))) \
            if cat == "stagiaire" else amount
        if charged:
            gross[cat] = gross.get(cat, Decimal(0)) + base
        if r["Compte"].startswith(("211", "2101")):
            producer += amount
            if charged:
                producer_gross[cat] = producer_gross.get(cat, Decimal(0)) + base
        elif r["Compte"].startswith("94"):
            financial += amount
        if sub in eligible_subs and cat != "stagiaire":
            cap = MINIMUM if cat == "artiste-interprète" and unit in ("jour", "cachet") else \
                NIGHT if sub == "64" and unit == "nuit" else rate
            eligible = cents(cents(q * n * min(rate, cap)) * share)
            lines_eligible += eligible
            if charged:
                eligible_gross[cat] = eligible_gross.get(cat, Decimal(0)) + eligible
            if cat == "réalisateur" or sub == "13":
                director += eligible
    charges = sum((cents(g * RATES[rate_of[c]]) for c, g in gross.items()), Decimal(0))
    subtotal = typed + charges
    producer += sum((cents(g * RATES[rate_of[c]]) for c, g in producer_gross.items()), Decimal(0))
    base = subtotal - producer - financial
    overhead = cents(base * Decimal("0.07"))
    film_cost = base + producer + overhead + financial
    credit_charges = sum((cents(g * RATES[rate_of[c]]) for c, g in eligible_gross.items()), Decimal(0))
    scale = cents(Decimal("0.15") * min(film_cost, Decimal(4_000_000))
                  + Decimal("0.08") * max(Decimal(0), min(film_cost, Decimal(7_000_000)) - 4_000_000))
    credit_base = lines_eligible + credit_charges - max(Decimal(0), director - scale)

    path = build_sample(tmp_path)
    main(["recalc", str(path), "--json"])
    data = json.loads(capsys.readouterr().out)
    protocol, credit = data["protocol"], data["tax_credit"]
    assert Decimal(data["subtotal"]) == subtotal
    assert Decimal(protocol["base"]) == base and Decimal(protocol["film_cost"]) == film_cost
    assert Decimal(protocol["producer_pay"]["amount"]) == producer
    assert Decimal(protocol["producer_pay"]["headroom"]) == cents(base * Decimal("0.05")) - producer > 0
    assert Decimal(protocol["overhead"]["headroom"]) == cents(base * Decimal("0.07")) - overhead == 0
    assert Decimal(protocol["financial_costs"]["amount"]) == financial < Decimal(protocol["financial_costs"]["cap"])
    assert Decimal(credit["base"]) == credit_base < Decimal(data["france_total"])
    assert Decimal(credit["estimate"]) == cents(credit_base * Decimal("0.30"))
