"""Producer's net receipts (RNPP) and the commission caps of the 2010 transparency protocol.

RNPP = receipts excl. VAT from exploiting the work, less the commissions (at most the protocol's
caps) and the justified costs (DOMAIN-FACTS §6.5). Pre-sales, advances and minimum guarantees count
in full as RNPP when paid, so the part of later receipts that recoups a distributor's MG is not
counted twice: a receipt's ``mg_recouped`` is taken off its net before shares are computed.

The caps are a dated parameter table (:data:`PROTOCOL_2010`), passed in, since the protocol is
amended by arrêté; amounts are ``Decimal`` rounded to the cent half-up, like the workbook's ``ROUND``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from xlprod.core.money import ONE, ZERO, format_eur, format_percent, round_cents
from xlprod.core.text import fold


class Exploitation(StrEnum):
    """The protocol's modes of exploitation, each with its commission cap."""

    SALLES = "salles"  # theatrical, France, commercial
    SALLES_MG = "salles_mg"  # theatrical, when the distributor paid a minimum guarantee
    NON_COMMERCIAL = "non_commercial"
    VIDEO = "video"  # physical video
    VOD = "vod"  # TVOD, pay-per-view, SVOD
    TV = "tv"
    ABROAD = "abroad"  # through a sales agent, sub-commission included
    OTHER = "other"  # remake, merchandising…

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def from_text(cls, text: str) -> Exploitation | None:
        """What people type in a receipts sheet: « Salles », « TV payante », « SVOD », « Étranger »…

        Tried in order: a sale abroad is ``ABROAD`` whatever its medium (« TV étrangère »), because
        abroad the sales agent's cap applies; « vidéo à la demande » is VOD before « vidéo » is video.
        """
        folded = fold(text)
        if not folded:
            return None
        for pattern, exploitation in _PATTERNS:
            if pattern.search(folded):
                return exploitation
        return None


_LABELS = {
    Exploitation.SALLES: "Salles (France)",
    Exploitation.SALLES_MG: "Salles avec minimum garanti",
    Exploitation.NON_COMMERCIAL: "Non commercial",
    Exploitation.VIDEO: "Vidéo physique",
    Exploitation.VOD: "VOD (TVOD, SVOD, paiement à la séance)",
    Exploitation.TV: "Télévision",
    Exploitation.ABROAD: "Étranger (vendeur international)",
    Exploitation.OTHER: "Autres exploitations",
}

_THEATRICAL = r"\b(salles?|cinemas?|theatrical|box office)\b"
_PATTERNS: tuple[tuple[re.Pattern[str], Exploitation], ...] = tuple((re.compile(p), e) for p, e in (
    (r"\b(etrangers?|etrangeres?|international(e|es)?|internationaux|export|abroad|foreign|sales agent)\b",
     Exploitation.ABROAD),
    (r"\bnon commercia(l|le|les|ux)\b|\bcine clubs?\b", Exploitation.NON_COMMERCIAL),
    (rf"^(?=.*{_THEATRICAL})(?=.*\b(mg|minimums? garantis?|minimum guarantee)\b)", Exploitation.SALLES_MG),
    (r"\b[sta]?vod\b|\bvad\b|video a la demande|video on demand|pay per view|\bppv\b|a la seance|a l ?'?acte|streaming",
     Exploitation.VOD),
    (_THEATRICAL, Exploitation.SALLES),
    (r"\b(videos?|dvd|blu ?ray|vhs)\b", Exploitation.VIDEO),
    (r"\b(tv|tele|televisions?|chaines?|antenne|replay|catch up|rattrapage|broadcast|canal)\b", Exploitation.TV),
    (r"\b(autres?|other|remakes?|merchandising|produits? derives?)\b", Exploitation.OTHER),
))


@dataclass(frozen=True)
class CommissionCaps:
    """The commission caps in force from a date (a parameter table: the protocol is amended by arrêté)."""

    valid_from: date
    source: str
    flat: Mapping[Exploitation, Decimal]  # every mode but VOD; TV: the rate of large sales
    tv_small: Decimal  # TV sales ≤ tv_small_limit, and catch-up
    tv_small_limit: Decimal  # for the caller deciding ``small_tv_sale``: one receipt is often a part of a sale
    vod_brackets: tuple[tuple[Decimal, Decimal], ...]  # (upper bound, rate of the part below it), ascending
    vod_flat_above: Decimal  # above this gross, vod_flat_rate applies from the first euro
    vod_flat_rate: Decimal


PROTOCOL_2010 = CommissionCaps(
    valid_from=date(2011, 2, 7),
    source="protocole de transparence de 2010, art. 3.2, étendu par l'arrêté du 7 février 2011",
    flat={
        Exploitation.SALLES: Decimal("0.25"),
        Exploitation.SALLES_MG: Decimal("0.35"),
        Exploitation.NON_COMMERCIAL: Decimal("0.30"),
        Exploitation.VIDEO: Decimal("0.15"),
        Exploitation.TV: Decimal("0.10"),
        Exploitation.ABROAD: Decimal("0.25"),
        Exploitation.OTHER: Decimal("0.20"),
    },
    tv_small=Decimal("0.15"),
    tv_small_limit=Decimal(50_000),
    vod_brackets=((Decimal(100_000), Decimal("0.30")), (Decimal(200_000), Decimal("0.20")),
                  (Decimal(300_000), Decimal("0.15"))),
    vod_flat_above=Decimal(300_000),
    vod_flat_rate=Decimal("0.15"),
)


def commission_cap(exploitation: Exploitation, gross: Decimal, *, small_tv_sale: bool = False,
                   financed_presale: bool = False, caps: CommissionCaps = PROTOCOL_2010) -> Decimal:
    """The most commission the protocol allows on ``gross``, in euros to the cent.

    Nothing on a pre-sale, advance or MG that financed the work, nor on a gross of zero or less.
    TV: ``small_tv_sale`` (sale ≤ 50 000 € or catch-up) is the caller's to say, because a receipt
    is often one instalment of a larger sale.
    VOD: 30 % up to 100 000 €, 20 % of the part up to 200 000 €, 15 % of the part up to 300 000 €;
    "above 300 001 €, 15 % from the first euro". The text counts in whole euros (its brackets start
    at 101 000 and 201 000), so 300 001 € is the first euro above 300 000 €: any gross above
    300 000 € gets 15 % of the whole. The cap therefore drops at that boundary, from 65 000 € at
    300 000 € to 45 000 € just above it, as the text says.
    """
    if financed_presale or gross <= 0:
        return ZERO
    if exploitation is Exploitation.VOD:
        if gross > caps.vod_flat_above:
            return round_cents(gross * caps.vod_flat_rate)
        total, lower = ZERO, ZERO
        for upper, rate in caps.vod_brackets:
            if gross <= lower:
                break
            total += (min(gross, upper) - lower) * rate
            lower = upper
        return round_cents(total)
    rate = caps.tv_small if exploitation is Exploitation.TV and small_tv_sale else caps.flat[exploitation]
    return round_cents(gross * rate)


@dataclass(frozen=True)
class Receipt:
    """One line of a distributor's or sales agent's statement, amounts excl. VAT.

    ``mg_recouped``: the part of this net kept by the distributor to recoup an MG it paid, already
    counted as RNPP when paid. ``where``: where the line came from, for messages (sheet, row).
    """

    work: str
    period: str
    exploitation: Exploitation
    territory: str
    gross: Decimal
    commission: Decimal
    costs: Decimal
    mg_recouped: Decimal = ZERO
    financed_presale: bool = False
    small_tv_sale: bool = False
    where: str = ""


def net(receipt: Receipt) -> Decimal:
    """What the distributor's statement leaves: gross − commission − costs, the commission as taken."""
    return receipt.gross - receipt.commission - receipt.costs


def retained_commission(receipt: Receipt, caps: CommissionCaps = PROTOCOL_2010) -> Decimal:
    """The commission the RNPP deducts: as taken, at most its cap (the protocol's RNPP: « les
    commissions, dans la limite des plafonds »); the excess is the distributor's to give back."""
    return min(receipt.commission, cap_of(receipt, caps))


def rnpp(receipt: Receipt, caps: CommissionCaps = PROTOCOL_2010) -> Decimal:
    """What the receipt adds to the RNPP shared this period: gross − retained commission − costs,
    less the MG it recoups."""
    return receipt.gross - retained_commission(receipt, caps) - receipt.costs - receipt.mg_recouped


def cap_of(receipt: Receipt, caps: CommissionCaps = PROTOCOL_2010) -> Decimal:
    return commission_cap(receipt.exploitation, receipt.gross, small_tv_sale=receipt.small_tv_sale,
                          financed_presale=receipt.financed_presale, caps=caps)


def over_cap(receipt: Receipt, caps: CommissionCaps = PROTOCOL_2010) -> Decimal:
    """The commission taken beyond its cap; 0 when within."""
    return max(ZERO, receipt.commission - cap_of(receipt, caps))


@dataclass(frozen=True)
class Share:
    """A holder's share of a work's RNPP (coproducer, author, talent).

    ``mg``: a minimum guarantee paid to the holder in advance; it is recouped from the holder's
    share, period after period, before any balance is due to the holder.
    """

    holder: str
    work: str
    share: Decimal
    mg: Decimal = ZERO

    def __post_init__(self) -> None:
        if not ZERO <= self.share <= ONE:
            raise ValueError(f"share must be within 0..1, got {self.share}")
        if self.mg < 0:
            raise ValueError(f"mg must not be negative, got {self.mg}")


@dataclass(frozen=True)
class WorkLine:
    """One work of a statement: its receipts of the period and what they give the holder."""

    work: str
    share: Decimal
    receipts: tuple[Receipt, ...]
    gross: Decimal
    commission: Decimal
    costs: Decimal
    retained_commission: Decimal  # the commissions up to their caps: what the RNPP deduct
    distributor_recouped: Decimal  # receipts' mg_recouped: the distributors' MGs, already RNPP
    rnpp: Decimal
    holder_share: Decimal
    mg: Decimal
    mg_recouped_before: Decimal
    mg_recouped: Decimal  # this period
    balance: Decimal

    @property
    def mg_outstanding(self) -> Decimal:
        return max(ZERO, self.mg - self.mg_recouped_before - self.mg_recouped)


@dataclass(frozen=True)
class Statement:
    holder: str
    period: str
    lines: tuple[WorkLine, ...]
    warnings: tuple[str, ...] = field(default=())
    caps: CommissionCaps = PROTOCOL_2010

    @property
    def rnpp(self) -> Decimal:
        return sum((x.rnpp for x in self.lines), ZERO)

    @property
    def holder_share(self) -> Decimal:
        return sum((x.holder_share for x in self.lines), ZERO)

    @property
    def mg_recouped(self) -> Decimal:
        return sum((x.mg_recouped for x in self.lines), ZERO)

    @property
    def mg_outstanding(self) -> Decimal:
        return sum((x.mg_outstanding for x in self.lines), ZERO)

    @property
    def balance(self) -> Decimal:
        return sum((x.balance for x in self.lines), ZERO)

    @property
    def recouped_to_date(self) -> dict[str, Decimal]:
        """Per work, the MG recouped up to this statement: ``already_recouped`` of the next one."""
        return {x.work: x.mg_recouped_before + x.mg_recouped for x in self.lines}

    def render(self) -> str:
        out = [f"Relevé de {self.holder} — période {self.period}"]
        for x in self.lines:
            out.append(f"« {x.work} » : part {format_percent(x.share)} ; {len(x.receipts)} recette(s)")
            for r in x.receipts:
                out.append(f"  {r.exploitation.label} — {r.territory} : brut {format_eur(r.gross)}, commission "
                           f"{format_eur(r.commission)}, frais {format_eur(r.costs)}"
                           + (f", MG du distributeur récupéré {format_eur(r.mg_recouped)}" if r.mg_recouped else "")
                           + f", RNPP {format_eur(rnpp(r, self.caps))}")
            out.append(f"  RNPP {format_eur(x.rnpp)} ; part de {self.holder} {format_eur(x.holder_share)}")
            if x.mg:
                out.append(f"  MG {format_eur(x.mg)} : récupéré ce relevé {format_eur(x.mg_recouped)}, reste à récupérer "
                           f"{format_eur(x.mg_outstanding)}")
            out.append(f"  Solde dû {format_eur(x.balance)}")
        out.append(f"Total : RNPP {format_eur(self.rnpp)} ; part {format_eur(self.holder_share)} ; MG récupéré "
                   f"{format_eur(self.mg_recouped)} ; solde dû {format_eur(self.balance)}")
        out += [f"  • {w}" for w in self.warnings]
        return "\n".join(out)

    def to_json(self) -> dict[str, object]:
        def money(d: Decimal) -> str:
            return f"{d:.2f}"

        def receipt(r: Receipt) -> dict[str, object]:
            return {"work": r.work, "period": r.period, "exploitation": r.exploitation.value, "territory": r.territory,
                    "gross": money(r.gross), "commission": money(r.commission), "costs": money(r.costs),
                    "mg_recouped": money(r.mg_recouped), "rnpp": money(rnpp(r, self.caps)),
                    "commission_cap": money(cap_of(r, self.caps)), "over_cap": money(over_cap(r, self.caps)), "where": r.where}

        return {
            "holder": self.holder, "period": self.period,
            "works": [{"work": x.work, "share": f"{x.share}", "receipts": [receipt(r) for r in x.receipts],
                       "gross": money(x.gross), "commission": money(x.commission),
                       "retained_commission": money(x.retained_commission), "costs": money(x.costs),
                       "distributor_recouped": money(x.distributor_recouped), "rnpp": money(x.rnpp),
                       "holder_share": money(x.holder_share), "mg": money(x.mg),
                       "mg_recouped_before": money(x.mg_recouped_before), "mg_recouped": money(x.mg_recouped),
                       "mg_outstanding": money(x.mg_outstanding), "balance": money(x.balance)} for x in self.lines],
            "rnpp": money(self.rnpp), "holder_share": money(self.holder_share), "mg_recouped": money(self.mg_recouped),
            "mg_outstanding": money(self.mg_outstanding), "balance": money(self.balance),
            "warnings": list(self.warnings),
        }


def statement(holder: str, shares: Iterable[Share], receipts: Iterable[Receipt], period: str, *,
              already_recouped: Decimal | Mapping[str, Decimal] = ZERO, caps: CommissionCaps = PROTOCOL_2010) -> Statement:
    """The holder's statement for ``period``: per work, the RNPP, the holder's share, the MG recouped
    and the balance due, which is never negative.

    Names are matched as people type them (case, accents, spaces). MGs are recouped work by work,
    never across works. ``already_recouped``: per work, what earlier statements recouped (the previous
    statement's ``recouped_to_date``); a single amount is accepted when only one work has an MG.
    A period whose RNPP is negative recoups nothing and gives no balance; it is not carried forward,
    as distributors carry their unrecouped costs in their own statements.
    """
    key = fold(holder)
    mine: dict[str, tuple[str, Decimal, Decimal]] = {}  # folded work -> (work as typed, share, MG)
    for s in shares:
        if fold(s.holder) == key:
            name, ratio, mg = mine.get(fold(s.work), (s.work.strip(), ZERO, ZERO))
            mine[fold(s.work)] = (name, ratio + s.share, mg + s.mg)
    before = _recouped_before(already_recouped, {w: v[2] for w, v in mine.items()})
    by_work: dict[str, list[Receipt]] = {w: [] for w in mine}
    for r in receipts:
        if r.period.strip() == period.strip() and fold(r.work) in by_work:
            by_work[fold(r.work)].append(r)

    warnings: list[str] = []
    lines: list[WorkLine] = []
    for w, (name, ratio, mg) in mine.items():
        rs = tuple(by_work[w])
        for r in rs:
            excess = over_cap(r, caps)
            if excess:
                warnings.append(f"{r.where or name} : commission {r.exploitation.label} de {format_eur(r.commission)} "
                                f"au-delà du plafond du protocole ({format_eur(cap_of(r, caps))}) de {format_eur(excess)} : "
                                "seul le plafond est déduit des RNPP")
        total = round_cents(sum((rnpp(r, caps) for r in rs), ZERO))
        part = round_cents(total * ratio)
        if part < 0:
            warnings.append(f"« {name} » : RNPP négatives sur la période ({format_eur(total)}) : rien n'est dû ni récupéré")
        recouped_before = before.get(w, ZERO)
        if recouped_before > mg:
            warnings.append(f"« {name} » : MG déjà récupéré ({format_eur(recouped_before)}) supérieur au MG "
                            f"({format_eur(mg)})")
        recouped = min(max(part, ZERO), max(mg - recouped_before, ZERO))
        lines.append(WorkLine(
            work=name, share=ratio, receipts=rs,
            gross=round_cents(sum((r.gross for r in rs), ZERO)),
            commission=round_cents(sum((r.commission for r in rs), ZERO)),
            costs=round_cents(sum((r.costs for r in rs), ZERO)),
            retained_commission=round_cents(sum((retained_commission(r, caps) for r in rs), ZERO)),
            distributor_recouped=round_cents(sum((r.mg_recouped for r in rs), ZERO)),
            rnpp=total, holder_share=part, mg=mg, mg_recouped_before=recouped_before, mg_recouped=recouped,
            balance=max(part, ZERO) - recouped))
    return Statement(holder=holder.strip(), period=period.strip(), lines=tuple(lines), warnings=tuple(warnings),
                     caps=caps)


def _recouped_before(already: Decimal | Mapping[str, Decimal], mgs: Mapping[str, Decimal]) -> dict[str, Decimal]:
    if isinstance(already, Mapping):
        return {fold(w): v for w, v in already.items()}
    if not already:
        return {}
    with_mg = [w for w, mg in mgs.items() if mg]
    if len(with_mg) != 1:
        raise ValueError("a single already_recouped amount needs exactly one work with an MG; pass a mapping per work")
    return {with_mg[0]: already}
