import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlprod.core.money import ZERO, round_cents
from xlprod.kinds.catalogue.receipts import (
    PROTOCOL_2010,
    Exploitation,
    Receipt,
    Share,
    commission_cap,
    net,
    over_cap,
    rnpp,
    statement,
)

E = Exploitation
FILM = "Les Heures claires"
money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)


def receipt(exploitation: Exploitation, gross: str, commission: str, costs: str = "0", *, work: str = FILM,
            period: str = "2025-S1", territory: str = "France", **kw) -> Receipt:
    return Receipt(work=work, period=period, exploitation=exploitation, territory=territory, gross=Decimal(gross),
                   commission=Decimal(commission), costs=Decimal(costs), **kw)


# --- reading what people type --------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Salles", E.SALLES), ("salle de cinéma", E.SALLES), ("Cinéma", E.SALLES),
    ("Salles avec MG", E.SALLES_MG), ("MG salles", E.SALLES_MG), ("salles, minimum garanti", E.SALLES_MG),
    ("Non commercial", E.NON_COMMERCIAL), ("non-commerciale", E.NON_COMMERCIAL), ("Ciné-clubs", E.NON_COMMERCIAL),
    ("Vidéo", E.VIDEO), ("DVD", E.VIDEO), ("Blu-ray", E.VIDEO),
    ("SVOD", E.VOD), ("TVOD", E.VOD), ("vod", E.VOD), ("Vidéo à la demande", E.VOD), ("Pay-per-view", E.VOD),
    ("paiement à l'acte", E.VOD),
    ("TV payante", E.TV), ("Télévision", E.TV), ("télé gratuite", E.TV), ("Canal+", E.TV), ("Replay", E.TV),
    ("Étranger", E.ABROAD), ("ETRANGER", E.ABROAD), ("Ventes internationales", E.ABROAD), ("TV étrangère", E.ABROAD),
    ("Autres", E.OTHER), ("Remake", E.OTHER), ("Merchandising", E.OTHER), ("produits dérivés", E.OTHER),
    ("", None), ("   ", None), ("Subvention", None),
])
def test_exploitation_from_text(text, expected):
    assert Exploitation.from_text(text) is expected


@pytest.mark.parametrize("exploitation", list(Exploitation))
def test_labels_and_values_read_back(exploitation):
    assert Exploitation.from_text(exploitation.label) is exploitation
    assert Exploitation.from_text(exploitation.value) is exploitation
    assert Exploitation.from_text(exploitation.label.upper()) is exploitation


# --- commission caps ------------------------------------------------------------------------------

@pytest.mark.parametrize("exploitation, gross, cap", [
    (E.SALLES, "100000", "25000.00"),
    (E.SALLES_MG, "100000", "35000.00"),
    (E.NON_COMMERCIAL, "1000", "300.00"),
    (E.VIDEO, "20000", "3000.00"),
    (E.TV, "400000", "40000.00"),
    (E.ABROAD, "80000", "20000.00"),
    (E.OTHER, "10000", "2000.00"),
    (E.SALLES, "0.02", "0.01"),  # 0,005 rounds half up, like Excel's ROUND
    (E.SALLES, "0", "0"),
    (E.SALLES, "-500", "0"),  # a credit note carries no commission cap
])
def test_flat_caps(exploitation, gross, cap):
    assert commission_cap(exploitation, Decimal(gross)) == Decimal(cap)


def test_tv_small_sale_or_catch_up_is_capped_at_15_percent():
    assert commission_cap(E.TV, Decimal(40_000), small_tv_sale=True) == Decimal("6000.00")
    assert commission_cap(E.TV, Decimal(40_000)) == Decimal("4000.00")  # the flag is the caller's: one receipt may be an instalment
    assert commission_cap(E.SALLES, Decimal(40_000), small_tv_sale=True) == Decimal("10000.00")  # TV only
    assert PROTOCOL_2010.tv_small_limit == Decimal(50_000)


@pytest.mark.parametrize("exploitation", list(Exploitation))
def test_no_commission_on_a_presale_that_financed_the_film(exploitation):
    assert commission_cap(exploitation, Decimal(300_000), financed_presale=True) == ZERO


@pytest.mark.parametrize("gross, cap", [
    ("50000", "15000.00"),
    ("100000", "30000.00"),
    ("100001", "30000.20"),  # 20 % of the euro above 100 000
    ("200000", "50000.00"),
    ("250000", "57500.00"),  # 30 000 + 20 000 + 7 500
    ("300000", "65000.00"),  # 30 000 + 20 000 + 15 000: the last sliding amount
    ("300000.01", "45000.00"),  # above 300 000 €: 15 % from the first euro
    ("300001", "45000.15"),
    ("1000000", "150000.00"),
])
def test_vod_scale(gross, cap):
    assert commission_cap(E.VOD, Decimal(gross)) == Decimal(cap)


def test_the_vod_cap_drops_at_300_000_as_the_text_says():
    assert commission_cap(E.VOD, Decimal(300_000)) - commission_cap(E.VOD, Decimal("300000.01")) == Decimal(20_000)


@given(money, money)
def test_vod_cap_is_non_decreasing_but_for_the_300_000_jump(a, b):
    low, high = sorted((a, b))
    cap_low, cap_high = commission_cap(E.VOD, low), commission_cap(E.VOD, high)
    if low <= 300_000 < high:
        assert cap_low <= Decimal(65_000) and cap_high == round_cents(high * Decimal("0.15"))
    else:
        assert cap_low <= cap_high


@given(st.sampled_from([e for e in Exploitation if e is not E.VOD]), money, money, st.booleans())
def test_other_caps_are_non_decreasing(exploitation, a, b, small):
    low, high = sorted((a, b))
    assert commission_cap(exploitation, low, small_tv_sale=small) <= commission_cap(exploitation, high, small_tv_sale=small)


@given(st.sampled_from(list(Exploitation)), money, st.booleans())
def test_a_cap_is_a_share_of_the_gross(exploitation, gross, small):
    cap = commission_cap(exploitation, gross, small_tv_sale=small)
    assert ZERO <= cap <= gross * Decimal("0.35") + Decimal("0.005")
    assert cap == cap.quantize(Decimal("0.01"))


# --- receipts ------------------------------------------------------------------------------------

def test_net_and_a_commission_above_its_cap():
    r = receipt(E.SALLES, "100000", "30000", "12000")
    assert net(r) == Decimal(58_000)
    assert over_cap(r) == Decimal("5000.00")
    assert over_cap(receipt(E.SALLES_MG, "100000", "30000")) == ZERO
    assert over_cap(receipt(E.VOD, "250000", "57500")) == ZERO
    assert over_cap(receipt(E.VOD, "250000", "57500.01")) == Decimal("0.01")
    assert over_cap(receipt(E.TV, "300000", "1", financed_presale=True)) == Decimal(1)  # none at all on a financing pre-sale


def test_rnpp_deducts_a_commission_only_up_to_its_cap():
    r = receipt(E.SALLES, "100000", "30000", "12000")  # cap 25 000: the 5 000 above are the distributor's to give back
    assert net(r) == Decimal(58_000) and rnpp(r) == Decimal(63_000)
    financed = receipt(E.TV, "300000", "1000", financed_presale=True)
    assert rnpp(financed) == Decimal(300_000)
    s = statement("Coprod", [Share("Coprod", FILM, Decimal("0.5"))], [r], "2025-S1")
    assert s.rnpp == Decimal(63_000) and s.holder_share == Decimal("31500.00")
    assert "seul le plafond est déduit des RNPP" in s.warnings[0]


def test_the_distributor_mg_recouped_is_not_counted_twice():
    r = receipt(E.SALLES_MG, "400000", "140000", "60000", mg_recouped=Decimal(150_000))
    assert net(r) == Decimal(200_000)
    assert rnpp(r) == Decimal(50_000)


@given(money, money, money)
def test_net_never_exceeds_gross(gross, commission, costs):
    assert net(receipt(E.OTHER, str(gross), str(commission), str(costs))) <= gross


# --- statements ----------------------------------------------------------------------------------

def film_receipts() -> list[Receipt]:
    return [
        # theatrical: the distributor paid a 150 000 € MG (RNPP when paid), recouped now from its net
        receipt(E.SALLES_MG, "400000", "140000", "60000", mg_recouped=Decimal(150_000), where="Recettes!A2"),
        receipt(E.VOD, "250000", "57500", "2500", where="Recettes!A3"),  # SVOD sale: the cap is 57 500 €
        receipt(E.TV, "300000", "0", financed_presale=True, where="Recettes!A4"),  # the pre-sale that financed the film
        receipt(E.ABROAD, "80000", "20000", "5000", territory="Allemagne", where="Recettes!A5"),  # sales agent, 25 %
        receipt(E.VOD, "99999", "10", period="2025-S2"),  # another period
        receipt(E.SALLES, "99999", "10", work="Un autre film"),  # another work
    ]


def test_a_hand_computed_statement():
    shares = [Share("Films du Nord", FILM, Decimal("0.30"), mg=Decimal(20_000)),
              Share("Autrice", FILM, Decimal("0.05"))]
    s = statement("films du nord", shares, film_receipts(), "2025-S1")
    assert s.holder == "films du nord" and s.period == "2025-S1"
    (line,) = s.lines
    assert line.work == FILM and len(line.receipts) == 4
    assert line.gross == Decimal(1_030_000)
    assert line.commission == Decimal(217_500)
    assert line.costs == Decimal(67_500)
    assert line.distributor_recouped == Decimal(150_000)
    # 50 000 (theatrical after the MG) + 190 000 (SVOD) + 300 000 (pre-sale) + 55 000 (abroad)
    assert s.rnpp == line.rnpp == Decimal(595_000)
    assert s.holder_share == Decimal("178500.00")
    assert s.mg_recouped == Decimal(20_000) and s.mg_outstanding == ZERO
    assert s.balance == Decimal("158500.00")
    assert s.warnings == ()
    assert [over_cap(r) for r in line.receipts] == [ZERO] * 4


def test_render_and_json():
    s = statement("Films du Nord", [Share("Films du Nord", FILM, Decimal("0.30"), mg=Decimal(20_000))],
                  film_receipts(), "2025-S1")
    text = s.render()
    assert text.startswith("Relevé de Films du Nord — période 2025-S1")
    assert "« Les Heures claires » : part 30,00\u00a0%" in text
    assert "RNPP 595\u202f000,00\u00a0€" in text
    assert "MG 20\u202f000,00\u00a0€ : récupéré ce relevé 20\u202f000,00\u00a0€" in text
    assert "solde dû 158\u202f500,00\u00a0€" in text
    assert "Étranger (vendeur international) — Allemagne" in text
    data = json.loads(json.dumps(s.to_json()))
    assert data["balance"] == "158500.00" and data["rnpp"] == "595000.00"
    (work,) = data["works"]
    assert work["receipts"][1]["commission_cap"] == "57500.00"
    assert work["receipts"][2]["commission_cap"] == "0.00"
    assert work["mg_outstanding"] == "0.00"


def test_a_commission_above_its_cap_is_flagged_with_the_excess():
    rs = [receipt(E.SALLES, "100000", "30000", "10000", where="Recettes!A7")]
    s = statement("Autrice", [Share("Autrice", FILM, Decimal("0.10"))], rs, "2025-S1")
    (warning,) = s.warnings
    assert warning.startswith("Recettes!A7 : commission Salles (France)")
    assert "plafond du protocole (25\u202f000,00\u00a0€) de 5\u202f000,00\u00a0€" in warning
    # the RNPP deduct the commission up to its cap only: 100 000 − 25 000 − 10 000
    assert s.rnpp == Decimal(65_000) and s.balance == Decimal("6500.00")


def test_mg_recoupment_across_two_periods():
    shares = [Share("Autrice", FILM, Decimal("0.05"), mg=Decimal(15_000))]
    rs = [receipt(E.VOD, "200000", "0", period="2025-S1"),  # 5 % of 200 000 = 10 000: all recouped
          receipt(E.TV, "150000", "0", period="2025-S2")]  # 7 500: 5 000 ends the MG, 2 500 is due
    first = statement("Autrice", shares, rs, "2025-S1")
    assert (first.holder_share, first.mg_recouped, first.balance, first.mg_outstanding) == \
        (Decimal("10000.00"), Decimal("10000.00"), ZERO, Decimal("5000.00"))
    assert first.recouped_to_date == {FILM: Decimal("10000.00")}
    second = statement("Autrice", shares, rs, "2025-S2", already_recouped=first.recouped_to_date)
    assert (second.holder_share, second.mg_recouped, second.balance, second.mg_outstanding) == \
        (Decimal("7500.00"), Decimal("5000.00"), Decimal("2500.00"), ZERO)
    assert second.recouped_to_date == {FILM: Decimal("15000.00")}
    # a single amount does when the holder has one work with an MG
    assert statement("Autrice", shares, rs, "2025-S2", already_recouped=Decimal(10_000)).balance == Decimal("2500.00")
    # once recouped, everything is due
    third = statement("Autrice", shares, rs, "2025-S2", already_recouped={"les heures CLAIRES": Decimal(15_000)})
    assert third.mg_recouped == ZERO and third.balance == Decimal("7500.00")


def test_a_single_recouped_amount_is_refused_when_ambiguous():
    shares = [Share("Autrice", FILM, Decimal("0.05"), mg=Decimal(15_000)),
              Share("Autrice", "Un autre film", Decimal("0.05"), mg=Decimal(5_000))]
    with pytest.raises(ValueError):
        statement("Autrice", shares, [], "2025-S1", already_recouped=Decimal(1))
    s = statement("Autrice", shares, [], "2025-S1")
    assert [x.work for x in s.lines] == [FILM, "Un autre film"] and s.balance == ZERO and s.mg_outstanding == Decimal(20_000)


def test_negative_rnpp_gives_no_balance_and_recoups_nothing():
    rs = [receipt(E.SALLES, "10000", "2500", "20000")]
    s = statement("Autrice", [Share("Autrice", FILM, Decimal("0.5"), mg=Decimal(1000))], rs, "2025-S1")
    assert s.rnpp == Decimal(-12_500) and s.holder_share == Decimal("-6250.00")
    assert s.mg_recouped == ZERO and s.balance == ZERO
    assert any("RNPP négatives" in w for w in s.warnings)


def test_shares_are_checked():
    with pytest.raises(ValueError):
        Share("A", FILM, Decimal("1.2"))
    with pytest.raises(ValueError):
        Share("A", FILM, Decimal("0.2"), mg=Decimal(-1))


signed = st.decimals(min_value=-1_000_000, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(st.sampled_from(list(Exploitation)), money, money, money, signed, st.sampled_from(["P1", "P2"])),
                max_size=8),
       st.decimals(min_value=0, max_value=1, places=4), money)
def test_balances_are_never_negative_and_mg_is_recouped_at_most_once(rows, share, mg):
    rs = [receipt(e, str(g), str(c), str(k), mg_recouped=m, period=p) for e, g, c, k, m, p in rows]
    shares = [Share("Autrice", FILM, share, mg=mg)]
    first = statement("Autrice", shares, rs, "P1")
    second = statement("Autrice", shares, rs, "P2", already_recouped=first.recouped_to_date)
    for s in (first, second):
        assert s.balance >= 0 and s.mg_recouped >= 0
        assert s.balance + s.mg_recouped == max(s.holder_share, ZERO)
        assert s.balance == s.balance.quantize(Decimal("0.01"))
    assert first.mg_recouped + second.mg_recouped <= mg
