"""The cost report (suivi des dépenses): per devis line and per chapter, the initial estimate, the
current budget, committed and paid, the estimate to complete, the estimated final cost and the
variance; then what the producer asks next: the top overruns and savings, the contingency left,
and what to do about it.

``EFC = paid + open commitments + estimate to complete`` (DOMAIN-FACTS §5.1); every entry counts
as committed whatever its status, so open commitments are committed − paid and EFC is
committed + ETC. The variance is EFC − initial estimate: positive is an overrun (the contract's
``DEPENSES_ECART``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from xlprod.cnc.reference import DEFAULT_FORM_VERSION, chapter_label
from xlprod.core.money import ZERO, format_eur, format_percent
from xlprod.kinds.depenses.model import Entry, Thresholds, TrackingStatus, Version

CHAPTERS = tuple(range(1, 10))
CHAPTER_LABELS = {n: chapter_label(n, DEFAULT_FORM_VERSION) for n in CHAPTERS}  # as the devis names them
UNASSIGNED = ""  # the account of entries that map to no devis line: the « à affecter » bucket


def chapter_of(account: str) -> int | None:
    """The devis chapter of an account, as the workbook's ``VALUE(LEFT(Compte,1))``."""
    head = account[:1]
    return int(head) if head.isdigit() and head != "0" else None




@dataclass(frozen=True)
class Figures:
    """One row of the report, a line or a chapter."""

    initial: Decimal = ZERO
    current: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    to_complete: Decimal = ZERO

    @property
    def open_commitments(self) -> Decimal:
        return self.committed - self.paid

    @property
    def efc(self) -> Decimal:
        return self.committed + self.to_complete

    @property
    def variance(self) -> Decimal:
        return self.efc - self.initial

    @property
    def variance_share(self) -> Decimal | None:
        return self.variance / self.initial if self.initial else None

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.initial + other.initial, self.current + other.current, self.committed + other.committed,
                       self.paid + other.paid, self.to_complete + other.to_complete)


def tracking_status(f: Figures, thresholds: Thresholds) -> TrackingStatus:
    """As the workbook's Statut formula: the variance's share of the initial estimate against the
    thresholds; a line without initial estimate is new to the budget, or spend outside it."""
    initial, efc, variance = f.initial, f.efc, f.variance
    if initial == 0:
        if efc == 0:
            return TrackingStatus.WITHIN
        return TrackingStatus.ADDED if f.current != 0 else TrackingStatus.NEW
    share = variance / initial
    if share > thresholds.overrun:
        return TrackingStatus.OVERRUN
    if share > thresholds.watch:
        return TrackingStatus.WATCH
    if share < -thresholds.watch:
        return TrackingStatus.SAVING
    return TrackingStatus.WITHIN


@dataclass(frozen=True)
class TrackedLine:
    account: str
    label: str
    figures: Figures
    status: TrackingStatus
    typed_to_complete: Decimal | None = None  # the user's estimate to complete; None: the default

    @property
    def chapter(self) -> int | None:
        return chapter_of(self.account)


@dataclass(frozen=True)
class Recommendation:
    kind: str  # "contingency", "rephase", "defer"
    amount: Decimal
    text: str


@dataclass
class Tracking:
    lines: list[TrackedLine]
    chapters: dict[int, Figures]
    unassigned: Figures  # entries mapped to no devis line
    total: Figures  # chapters 1-9 and the unassigned bucket
    france: Decimal  # committed in France
    by_country: dict[str, Decimal]
    contingency: Decimal  # imprévus of the current budget
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def contingency_used(self) -> Decimal:
        """The net overrun of the lines against the current budget, which the imprévus absorb."""
        return max(ZERO, self.total.efc - self.total.current)

    @property
    def contingency_left(self) -> Decimal:
        return self.contingency - self.contingency_used

    def chapter_status(self, chapter: int) -> TrackingStatus:
        f = self.chapters[chapter]
        return tracking_status(f, self.thresholds)

    def overruns(self, n: int = 5) -> list[TrackedLine]:
        worst = sorted((t for t in self.lines if t.figures.variance > 0), key=lambda t: (-t.figures.variance, t.account))
        return worst[:n]

    def savings(self, n: int = 5) -> list[TrackedLine]:
        best = sorted((t for t in self.lines if t.figures.variance < 0), key=lambda t: (t.figures.variance, t.account))
        return best[:n]

    def chapters_over(self) -> list[int]:
        """Chapters heading over budget: their estimated final cost above their current budget."""
        return [c for c in CHAPTERS if self.chapters[c].efc > self.chapters[c].current]


def compute_tracking(entries: Iterable[Entry], initial: Version | None, current: Version | None,
                     typed_to_complete: Mapping[str, Decimal], thresholds: Thresholds) -> Tracking:
    """The report over every account a version or an entry names. An account no version holds is
    a line of its own (a new kind of cost keeps its own code), never parked on another."""
    start = initial.amounts() if initial else {}
    now = current.amounts() if current else {}
    labels: dict[str, str] = {}
    for version in (v for v in (current, initial) if v is not None):
        for line in version.lines:
            labels.setdefault(line.account, line.label)
    committed: dict[str, Decimal] = {}
    paid: dict[str, Decimal] = {}
    by_country: dict[str, Decimal] = {}
    for e in entries:
        amount = e.amount_eur
        committed[e.account] = committed.get(e.account, ZERO) + amount
        if e.paid:
            paid[e.account] = paid.get(e.account, ZERO) + amount
        by_country[e.country] = by_country.get(e.country, ZERO) + amount
    accounts = sorted(set(start) | set(now) | {a for a in committed if a != UNASSIGNED}, key=_account_order)
    lines: list[TrackedLine] = []
    for account in accounts:
        spent = committed.get(account, ZERO)
        typed = typed_to_complete.get(account)
        budget = now.get(account, ZERO)
        figures = Figures(start.get(account, ZERO), budget, spent, paid.get(account, ZERO),
                          typed if typed is not None else max(ZERO, budget - spent))
        lines.append(TrackedLine(account, labels.get(account, ""), figures,
                                 tracking_status(figures, thresholds), typed))
    chapters = {c: Figures() for c in CHAPTERS}
    for t in lines:
        chapter = t.chapter
        if chapter is not None:
            chapters[chapter] = chapters[chapter] + t.figures
    out_of_chapters = sum((t.figures for t in lines if t.chapter is None), Figures())
    unassigned = Figures(committed=committed.get(UNASSIGNED, ZERO), paid=paid.get(UNASSIGNED, ZERO)) + out_of_chapters
    total = sum(chapters.values(), Figures()) + unassigned
    return Tracking(lines=lines, chapters=chapters, unassigned=unassigned, total=total,
                    france=by_country.get("FR", ZERO), by_country=dict(sorted(by_country.items())),
                    contingency=current.contingency if current else ZERO, thresholds=thresholds)


def _account_order(account: str) -> tuple[int, str]:
    chapter = chapter_of(account)
    return (chapter if chapter is not None else 10, account)


def recommendations(t: Tracking) -> list[Recommendation]:
    """What to do about the overruns, with figures, in the order a producer decides: assign what
    is not yet on a line, move savings to the lines over budget, spend the contingency, and defer
    or finance what the contingency does not cover. Pay (chapters 2 to 4) is never deferred."""
    out: list[Recommendation] = []
    unassigned = t.unassigned.committed
    if unassigned > 0:
        out.append(Recommendation("assign", unassigned, f"Affecter {format_eur(unassigned)} de dépenses « à affecter » "
                                                        "à leurs lignes du devis : sans compte, elles comptent comme un "
                                                        "dépassement."))
    over = sum((max(ZERO, line.figures.efc - line.figures.current) for line in t.lines), ZERO)
    saved = sum((max(ZERO, line.figures.current - line.figures.efc) for line in t.lines), ZERO)
    if over > 0 and saved > 0:
        moved = min(saved, over)
        donors = [line.account for line in sorted(t.lines, key=lambda x: x.figures.efc - x.figures.current)
                  if line.figures.current > line.figures.efc]
        shown = ", ".join(donors[:6]) + ("…" if len(donors) > 6 else "")
        out.append(Recommendation("rephase", moved, f"Réaffecter {format_eur(moved)} d'économies prévues (comptes "
                                                    f"{shown}) aux lignes en dépassement ({format_eur(over)})."))
    net = t.contingency_used
    if net <= 0:
        return out
    used = min(net, t.contingency)
    if used > 0:
        share = format_percent(used / t.contingency)
        out.append(Recommendation("contingency", used, f"Imprévus : {format_eur(used)} à mobiliser ({share} de la "
                                                       f"provision de {format_eur(t.contingency)}), reste "
                                                       f"{format_eur(t.contingency - used)}."))
    uncovered = net - used
    if uncovered <= 0:
        return out
    deferrable = [line for line in t.lines if line.chapter not in (2, 3, 4) and line.figures.to_complete > 0
                  and line.status in (TrackingStatus.WITHIN, TrackingStatus.SAVING)]
    room = sum((line.figures.to_complete for line in deferrable), ZERO)
    deferred = min(room, uncovered)
    if deferred > 0:
        chapters = ", ".join(str(c) for c in sorted({line.chapter for line in deferrable if line.chapter}))
        out.append(Recommendation("defer", deferred, f"Différer ou réduire {format_eur(deferred)} de dépenses non "
                                                     f"encore engagées (postes {chapters} : reste à engager "
                                                     f"{format_eur(room)} sur des lignes sans dépassement)."))
    if uncovered > deferred:
        out.append(Recommendation("finance", uncovered - deferred, f"{format_eur(uncovered - deferred)} de dépassement "
                                                                   "non couvert : à financer (apport, financement "
                                                                   "complémentaire)."))
    return out
