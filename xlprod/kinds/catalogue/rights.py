"""Rights of a film catalogue: what was acquired, what was granted (cédé), the checks a rights
manager runs on them, and availability (« avails »): is a work free for a territory, a media and
a window?

A right is a rectangle (territories × media × period) on one work. Dates are inclusive at both
ends, as contracts write them: a right ending on 31/03 covers 31/03, and a grant ending the day
before a window opens does not touch it.

Territories are ISO 3166-1 alpha-2 codes, French country names or named groups read from
``territoires.json`` (the user edits the groups there). ``expand`` raises ``ValueError`` with a
French message on text it cannot read: the caller decides where the mistake is, and
``read_territories`` / ``read_media`` turn it into an issue for the workbook reader.

Issue codes: CAT001 impossible dates, CAT002 holdback ending before the right, CAT003 grants in
conflict (exclusivity or holdback), CAT004 grant beyond the acquired rights (chain of title),
CAT005 exclusive grant of rights acquired without exclusivity, CAT006 French grant opening before
its chronologie des médias window, CAT007 right expiring soon, CAT008 unknown territory, CAT009
unknown media.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from xlprod.cnc.financing import media_window
from xlprod.cnc.reference import read_json
from xlprod.core.dates import add_months
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location
from xlprod.core.text import fold

RIGHTS_SHEET = "Droits"
MAX_LISTED = 12  # territories listed in a message before « … »

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    """What people type, reduced to letters, digits and single spaces: « TVOD / EST » = « tvod est »;
    cached, as a catalogue types the same few words 500,000 times."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


def _fmt(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"  # strftime is ten times slower, and avails print thousands


# --- media -------------------------------------------------------------------------------------


class Media(StrEnum):
    """The modes of exploitation a rights line sells, as the French market splits them."""

    SALLES = "salles"
    TV_PAYANTE = "tv_payante"
    TV_GRATUITE = "tv_gratuite"
    SVOD = "svod"
    AVOD = "avod"
    TVOD = "tvod"  # transactional VOD and electronic sell-through: one window in the chronologie
    VIDEO = "video"
    NON_COMMERCIAL = "non_commercial"

    @property
    def label(self) -> str:
        return _MEDIA_LABELS[self]

    @classmethod
    def from_text(cls, text: str) -> Media | None:
        """The media meant by what was typed (« Salles », « SVOD », « TV payante », « VàD »…); None if unknown."""
        return _MEDIA_WORDS.get(_key(text))


_MEDIA_LABELS = {
    Media.SALLES: "Salles", Media.TV_PAYANTE: "TV payante", Media.TV_GRATUITE: "TV gratuite", Media.SVOD: "SVOD",
    Media.AVOD: "AVOD", Media.TVOD: "TVOD / EST", Media.VIDEO: "Vidéo", Media.NON_COMMERCIAL: "Non commercial",
}
_MEDIA_SYNONYMS = {
    Media.SALLES: ("salles", "salle", "cinéma", "cinémas", "exploitation en salles", "theatrical"),
    Media.TV_PAYANTE: ("tv payante", "télé payante", "télévision payante", "pay tv", "tv à péage", "télévision à péage"),
    Media.TV_GRATUITE: ("tv gratuite", "télé gratuite", "télévision gratuite", "tv en clair", "télévision en clair",
                        "free tv", "free to air", "fta"),
    Media.SVOD: ("svod", "vàd par abonnement", "vod par abonnement", "vàd abonnement", "vod abonnement"),
    Media.AVOD: ("avod", "vàd gratuite", "vod gratuite", "fast"),
    Media.TVOD: ("tvod", "est", "tvod est", "vàd", "vod", "vàd à l'acte", "vod à l'acte", "vàd locative",
                 "location", "téléchargement définitif", "vente définitive", "vàd est", "vod est"),
    Media.VIDEO: ("vidéo", "vidéo physique", "dvd", "blu ray", "dvd blu ray", "home video", "vhs"),
    Media.NON_COMMERCIAL: ("non commercial", "non commerciaux", "droits non commerciaux", "exploitation non commerciale",
                           "non theatrical"),
}
_MEDIA_WORDS = {_key(word): media for media, words in _MEDIA_SYNONYMS.items() for word in (*words, media.label, media.value)}
_ALL_MEDIA_WORDS = {_key(w) for w in ("tous médias", "tous les médias", "tous supports", "tous droits",
                                       "tous modes d'exploitation", "all media", "all rights")}


@lru_cache(maxsize=4096)
def media_set(text: str) -> frozenset[Media]:
    """The media of a rights cell: one or several (« SVOD, TVOD ; TV payante »), or « tous médias ».
    Raises ``ValueError`` (French message) on a word it does not know."""
    parts = [p for p in re.split(r"[,;+]|\bet\b", fold(text)) if p.strip()]
    typed = [p for p in re.split(r"[,;+]|\bet\b", text) if p.strip()]  # the same parts as the user wrote them
    if not parts:
        raise ValueError("Média vide : indiquez au moins un média (Salles, TV payante, SVOD…).")
    out: set[Media] = set()
    for k, part in enumerate(parts):
        if _key(part) in _ALL_MEDIA_WORDS:
            out.update(Media)
            continue
        media = Media.from_text(part)
        if media is None:
            known = ", ".join(m.label for m in Media)
            shown = typed[k].strip() if len(typed) == len(parts) else part.strip()
            raise ValueError(f"Média inconnu : « {shown} ». Médias reconnus : {known}.")
        out.add(media)
    return frozenset(out)


def describe_media(media: Iterable[Media]) -> str:
    chosen = set(media)
    if chosen == set(Media):
        return "tous médias"
    return ", ".join(m.label for m in Media if m in chosen)


# --- territories -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Territories:
    """``territoires.json`` read once: codes, names, groups expanded to codes, and what text means what."""

    names: dict[str, str]  # ISO code -> French name
    groups: dict[str, frozenset[str]]  # group name as the file writes it -> its codes
    lookup: dict[str, frozenset[str]]  # _key of a code, a name, a group or an alias -> codes
    codes: frozenset[str]
    _expanded: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def expand(self, territory_text: str) -> frozenset[str]:
        """``expand`` with these groups (a workbook's own Territoires table)."""
        found = self._expanded.get(territory_text)
        if found is None:
            found = self._expanded[territory_text] = _expand_with(self, territory_text)
        return found

    def with_groups(self, groups: Iterable[tuple[str, str]]) -> Territories:
        """These territories plus the groups a user defined (name, members as ``expand`` reads them,
        in order: a group may use the ones above it). A user's group replaces the file's of the same
        name. Raises ``ValueError`` naming the group whose members cannot be read."""
        out = self
        for name, members in groups:
            name = " ".join(name.split())
            try:
                codes = out.codes if members.strip() == "*" else out.expand(members)
            except ValueError as exc:
                raise ValueError(f"Groupe « {name} » : {exc}") from None
            key = _key(name)
            if not key:
                raise ValueError(f"Groupe sans nom (membres « {members} »).")
            if key in out.lookup and not any(_key(g) == key for g in out.groups):
                raise ValueError(f"Groupe « {name} » : ce nom désigne déjà un pays ou un synonyme ; choisissez-en un autre.")
            kept = {g: c for g, c in out.groups.items() if _key(g) != key}
            out = Territories(names=out.names, groups={**kept, name: codes}, lookup={**out.lookup, key: codes},
                              codes=out.codes)
        return out


@cache
def territories() -> Territories:
    """The territory data; a group naming an unknown code or group, or two entries read the same,
    is an error of the data file, raised at once."""
    data = read_json("territoires.json")
    names: dict[str, str] = dict(data["countries"])
    raw: dict[str, Any] = {name: spec["members"] for name, spec in data["groups"].items()}
    groups: dict[str, frozenset[str]] = {}

    def resolve(name: str, seen: tuple[str, ...]) -> frozenset[str]:
        if name in groups:
            return groups[name]
        if name in seen:
            raise ValueError(f"territoires.json : le groupe « {name} » se contient lui-même ({' → '.join((*seen, name))}).")
        members = raw[name]
        if members == "*":
            codes = frozenset(names)
        else:
            found: set[str] = set()
            for member in members:
                if member in names:
                    found.add(member)
                elif member in raw:
                    found |= resolve(member, (*seen, name))
                else:
                    raise ValueError(f"territoires.json : le groupe « {name} » cite « {member} », ni code ni groupe.")
            codes = frozenset(found)
        groups[name] = codes
        return codes

    for name in raw:
        resolve(name, ())
    lookup: dict[str, frozenset[str]] = {}

    def put(text: str, codes: frozenset[str]) -> None:
        key = _key(text)
        if key in lookup and lookup[key] != codes:
            raise ValueError(f"territoires.json : « {text} » désigne deux territoires différents.")
        lookup[key] = codes

    for code, name in names.items():
        put(code, frozenset({code}))
        put(name, frozenset({code}))
    for name, codes in groups.items():
        put(name, codes)
    for alias, target in data.get("aliases", {}).items():
        if target in names:
            put(alias, frozenset({target}))
        elif target in groups:
            put(alias, groups[target])
        else:
            raise ValueError(f"territoires.json : le synonyme « {alias} » renvoie à « {target} », ni code ni groupe.")
    return Territories(names=names, groups=groups, lookup=lookup, codes=frozenset(names))


_EXCEPT = re.compile(r"\b(?:hors|sauf|excepte|excepted|except|excluding|a l exception de)\b")


@lru_cache(maxsize=4096)
def expand(territory_text: str) -> frozenset[str]:
    """The ISO codes a territory text means: a code (« BE »), a French name (« Belgique »), a group
    (« Benelux », « Monde » = every code of the data), a list (« BE, LU ; NL ») and exclusions
    (« Monde hors France, Belgique »). Case, accents and spaces are forgiven. Raises ``ValueError``
    with a French message on what it cannot read, or on a text meaning no territory at all."""
    return _expand_with(territories(), territory_text)


def _expand_with(data: Territories, territory_text: str) -> frozenset[str]:
    text = re.sub(r"[’'()]", " ", fold(territory_text))
    included, excluded = [*_EXCEPT.split(text, maxsplit=1), ""][:2]

    def codes_of(part: str) -> frozenset[str]:
        out: set[str] = set()
        for item in (p for p in re.split(r"[,;+/]", part) if p.strip()):
            codes = data.lookup.get(_key(item))
            if codes is None:
                groups = ", ".join(data.groups)
                raise ValueError(f"Territoire inconnu : « {item.strip()} ». Écrivez un code ISO (FR, BE…), un nom de pays "
                                 f"ou un groupe ({groups}).")
            out |= codes
        return frozenset(out)

    result = codes_of(included) - codes_of(excluded)
    if not result:
        raise ValueError(f"« {territory_text.strip()} » ne désigne aucun territoire.")
    return result


def describe_territories(codes: Iterable[str]) -> str:
    """Codes as a person reads them: a group's name when they are exactly one, « Monde hors FR »
    when few are missing, else the codes (at most ``MAX_LISTED``)."""
    return _describe_territories(frozenset(codes))


@lru_cache(maxsize=4096)
def _describe_territories(chosen: frozenset[str]) -> str:
    data = territories()
    for name, group in data.groups.items():
        if group == chosen:
            return name
    missing = data.codes - chosen
    if chosen <= data.codes and len(missing) <= 5:
        return "Monde hors " + ", ".join(sorted(missing))
    listed = sorted(chosen)
    more = len(listed) - MAX_LISTED
    return ", ".join(listed[:MAX_LISTED]) + (f"… (+{more})" if more > 0 else "")


def read_territories(text: str, where: Location, data: Territories | None = None) -> tuple[frozenset[str], list[Issue]]:
    """``expand`` for a reader: the codes, or none and a CAT008 error located at the cell."""
    try:
        return (data.expand(text) if data is not None else expand(text)), []
    except ValueError as exc:
        return frozenset(), [error("CAT008", where, str(exc), "Les groupes se définissent dans l'onglet Territoires "
                                   "du catalogue (ou territoires.json pour les échanges).")]


def read_media(text: str, where: Location) -> tuple[frozenset[Media], list[Issue]]:
    """``media_set`` for a reader: the media, or none and a CAT009 error located at the cell."""
    try:
        return media_set(text), []
    except ValueError as exc:
        return frozenset(), [error("CAT009", where, str(exc))]


# --- rights ------------------------------------------------------------------------------------


class Direction(StrEnum):
    ACQUIS = "acquis"  # bought from the rights holder (mandat, cession au producteur ou au vendeur)
    CEDE = "cédé"  # sold on to a distributor, a channel or a platform

    @classmethod
    def from_text(cls, text: str) -> Direction | None:
        return _DIRECTION_WORDS.get(_key(text))


_DIRECTION_WORDS = {_key(w): Direction.ACQUIS for w in ("acquis", "acquisition", "achat", "entrant", "acquired")} | {
    _key(w): Direction.CEDE for w in ("cédé", "cession", "vente", "sortant", "licence", "granted", "sold")}


@dataclass(frozen=True)
class Right:
    """One rights line of the Droits sheet; ``end`` is inclusive. ``holdback_end``: on a grant, the
    licensor also keeps the same territories and media unexploited from the day after ``end`` to
    this date (a holdback negotiated by the licensee)."""

    row: int
    work: str
    partner: str
    direction: Direction
    territories: frozenset[str]
    media: frozenset[Media]
    start: date
    end: date
    exclusive: bool
    holdback_end: date | None = None
    where: Location | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.direction, Direction):  # « acquis » / « cédé » typed as text
            direction = Direction.from_text(str(self.direction))
            if direction is None:
                raise ValueError(f"Sens inconnu : « {self.direction} » (acquis ou cédé).")
            object.__setattr__(self, "direction", direction)

    @property
    def granted(self) -> bool:
        return self.direction is Direction.CEDE

    @property
    def valid(self) -> bool:
        """Dates that can hold: the other checks and the availability index ignore the others (CAT001)."""
        return self.start <= self.end

    def location(self, book: str | None = None) -> Location:
        return self.where or Location(book=book, sheet=RIGHTS_SHEET, cell=f"A{self.row}")


def blocking_period(right: Right, *, exclusive_deal: bool = False) -> tuple[date, date] | None:
    """The days a grant keeps others out: all its term and holdback when exclusive, only the
    holdback otherwise; for an exclusive deal any grant blocks, being there already. None for an
    acquisition or a grant that blocks nothing."""
    if not right.granted or not right.valid:
        return None
    last = max(right.end, right.holdback_end or right.end)
    if right.exclusive or exclusive_deal:
        return right.start, last
    if last > right.end:
        return right.end + timedelta(days=1), last
    return None


# interval arithmetic on inclusive (first, last) pairs of dates or ordinals


def _overlap(a: tuple[date, date], b: tuple[date, date]) -> tuple[date, date] | None:
    first, last = max(a[0], b[0]), min(a[1], b[1])
    return (first, last) if first <= last else None


def _union(spans: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for first, last in sorted(spans):
        if out and first <= out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def _minus(span: tuple[date, date], covered: Sequence[tuple[date, date]]) -> list[tuple[date, date]]:
    """The days of ``span`` outside ``covered`` (a sorted union)."""
    out: list[tuple[date, date]] = []
    cursor = span[0]
    for first, last in covered:
        if last < cursor:
            continue
        if first > span[1]:
            break
        if first > cursor:
            out.append((cursor, first - timedelta(days=1)))
        cursor = max(cursor, last + timedelta(days=1))
        if cursor > span[1]:
            return out
    if cursor <= span[1]:
        out.append((cursor, span[1]))
    return out


def _periods(spans: Iterable[tuple[date, date]]) -> str:
    return ", ".join(f"du {_fmt(a)} au {_fmt(b)}" for a, b in spans)


# --- checks ------------------------------------------------------------------------------------


def check_dates(rights: Iterable[Right], book: str | None = None) -> list[Issue]:
    """A right ending before it starts (CAT001) and a holdback ending before its right (CAT002)."""
    issues: list[Issue] = []
    for r in rights:
        if not r.valid:
            issues.append(error("CAT001", r.location(book),
                                f"Droits de « {r.work} » ({r.partner}) : la fin ({_fmt(r.end)}) précède le début "
                                f"({_fmt(r.start)}).",
                                "Les deux dates sont incluses : un droit d'un jour a la même date de début et de fin."))
        elif r.holdback_end is not None and r.holdback_end < r.end:
            issues.append(warning("CAT002", r.location(book),
                                  f"Holdback de « {r.work} » ({r.partner}) jusqu'au {_fmt(r.holdback_end)}, avant la fin "
                                  f"des droits le {_fmt(r.end)} : il n'a pas d'effet.",
                                  "Le holdback court après la fin des droits ; videz la cellule ou corrigez la date."))
    return issues


def conflicts(rights: Iterable[Right]) -> list[tuple[Right, Right, frozenset[str], frozenset[Media], tuple[date, date]]]:
    """Pairs of grants of one work that cannot both hold: one's exclusivity or holdback meets the
    other's term on a common territory and media. Each pair once, the earlier row first, with the
    common territories, media and the days in conflict. A sweep per work over the grants sorted
    by the first day they occupy, so only grants that meet in time are compared."""
    by_work: dict[str, list[Right]] = defaultdict(list)
    for r in rights:
        if r.granted and r.valid:
            by_work[r.work].append(r)
    out: list[tuple[Right, Right, frozenset[str], frozenset[Media], tuple[date, date]]] = []
    for grants in by_work.values():
        grants.sort(key=lambda r: r.start)
        active: list[Right] = []
        for b in grants:
            active = [a for a in active if max(a.end, a.holdback_end or a.end) >= b.start]
            for a in active:
                found = _conflict(a, b)
                if found is not None:
                    first, second = (a, b) if a.row <= b.row else (b, a)
                    out.append((first, second, *found))
            active.append(b)
    out.sort(key=lambda c: (c[0].row, c[1].row))
    return out


def _conflict(a: Right, b: Right) -> tuple[frozenset[str], frozenset[Media], tuple[date, date]] | None:
    places, media = a.territories & b.territories, a.media & b.media
    if not places or not media:
        return None
    spans = []
    for blocker, other in ((a, b), (b, a)):
        held = blocking_period(blocker)
        met = _overlap(held, (other.start, other.end)) if held else None
        if met:
            spans.append(met)
    if not spans:
        return None
    return places, media, (min(s[0] for s in spans), max(s[1] for s in spans))


def check_exclusive_overlaps(rights: Iterable[Right], book: str | None = None) -> list[Issue]:
    """CAT003: an exclusive grant admits no other grant, exclusive or not, of the same work on a
    common territory and media during its term (nor during a holdback): the error names both rows
    and what they share."""
    issues = []
    for a, b, places, media, (first, last) in conflicts(rights):
        issues.append(error(
            "CAT003", b.location(book),
            f"Cessions en conflit sur « {a.work} » : ligne {a.row} ({a.partner}, {_grant_kind(a)}) et ligne {b.row} "
            f"({b.partner}, {_grant_kind(b)}) se chevauchent sur {describe_territories(places)} — {describe_media(media)} "
            f"— du {_fmt(first)} au {_fmt(last)}.",
            "Une exclusivité (ou un holdback) interdit toute autre cession des mêmes droits sur la période : "
            "revoyez les dates, les territoires ou les médias."))
    return issues


def _grant_kind(r: Right) -> str:
    kind = "exclusif" if r.exclusive else "non exclusif"
    kind += f" du {_fmt(r.start)} au {_fmt(r.end)}"
    if r.holdback_end and r.holdback_end > r.end:
        kind += f", holdback jusqu'au {_fmt(r.holdback_end)}"
    return kind


@dataclass(frozen=True)
class Uncovered:
    """Part of a grant the acquisitions do not hold: these territories and media, these days."""

    territories: frozenset[str]
    media: frozenset[Media]
    periods: tuple[tuple[date, date], ...]


def uncovered(grant: Right, acquired: Iterable[Right]) -> tuple[list[Uncovered], list[Uncovered]]:
    """What ``grant`` sells beyond ``acquired`` (same work): the parts held by no acquisition, and
    for an exclusive grant the parts held only without exclusivity. Territories, then media, are
    grouped by the set of acquisitions that hold them, so a « Monde, tous médias » grant costs a
    few groups, not 249 × 8 cells."""
    period = (grant.start, grant.end)
    relevant = [a for a in acquired if a.valid and a.work == grant.work and a.territories & grant.territories
                and a.media & grant.media and _overlap((a.start, a.end), period)]
    if any(a.start <= grant.start and grant.end <= a.end and grant.territories <= a.territories
           and grant.media <= a.media and (a.exclusive or not grant.exclusive) for a in relevant):
        return [], []  # the common case: one acquisition holds all of it (« Monde, tous médias »)
    by_places: dict[int, set[str]] = defaultdict(set)
    signature: dict[str, int] = dict.fromkeys(grant.territories, 0)  # one set operation per acquisition
    for i, a in enumerate(relevant):
        for code in grant.territories & a.territories:
            signature[code] |= 1 << i
    for code, sig in signature.items():
        by_places[sig].add(code)
    by_media: dict[int, set[Media]] = defaultdict(set)
    for m in grant.media:
        by_media[sum(1 << i for i, a in enumerate(relevant) if m in a.media)].add(m)
    missing: dict[tuple[frozenset[str], tuple[tuple[date, date], ...]], set[Media]] = defaultdict(set)
    shared: dict[tuple[frozenset[str], tuple[tuple[date, date], ...]], set[Media]] = defaultdict(set)
    for place_sig, places in by_places.items():
        for media_sig, media in by_media.items():
            holders = [a for i, a in enumerate(relevant) if (place_sig & media_sig) >> i & 1]
            held = _union((a.start, a.end) for a in holders)
            gaps = _minus(period, held)
            if gaps:
                missing[frozenset(places), tuple(gaps)] |= media
            if grant.exclusive:
                exclusive = _union((a.start, a.end) for a in holders if a.exclusive)
                within = [s for s in (_overlap(span, period) for span in held) if s]
                weak = [part for s in within for part in _minus(s, exclusive)]
                if weak:
                    shared[frozenset(places), tuple(weak)] |= media

    def merged(parts: dict[tuple[frozenset[str], tuple[tuple[date, date], ...]], set[Media]]) -> list[Uncovered]:
        return sorted((Uncovered(p, frozenset(m), s) for (p, s), m in parts.items()),
                      key=lambda u: (sorted(u.territories), [x.value for x in Media if x in u.media], u.periods))

    return merged(missing), merged(shared)


def _describe_parts(parts: Sequence[Uncovered], limit: int = 6) -> str:
    text = " ; ".join(f"{describe_territories(u.territories)} — {describe_media(u.media)} — {_periods(u.periods)}"
                      for u in parts[:limit])
    return text + (f" ; … (+{len(parts) - limit})" if len(parts) > limit else "")


def check_chain_of_title(rights: Iterable[Right], book: str | None = None) -> list[Issue]:
    """CAT004: a grant beyond what was acquired for the work (territories, media or days no
    acquisition holds), named part by part; CAT005: an exclusive grant of rights held only
    without exclusivity. One sells only what one holds."""
    rights = list(rights)
    acquired: dict[str, list[Right]] = defaultdict(list)
    for r in rights:
        if not r.granted and r.valid:
            acquired[r.work].append(r)
    issues: list[Issue] = []
    for g in rights:
        if not g.granted or not g.valid:
            continue
        missing, shared = uncovered(g, acquired.get(g.work, ()))
        if missing:
            issues.append(error("CAT004", g.location(book),
                                f"La cession ligne {g.row} ({g.partner}) de « {g.work} » dépasse les droits acquis : "
                                f"{_describe_parts(missing)}.",
                                "Chaîne des droits : on ne cède que ce qu'on a acquis (territoires, médias, période). "
                                "Ajoutez la ligne d'acquisition ou réduisez la cession."))
        if shared:
            issues.append(warning("CAT005", g.location(book),
                                  f"La cession exclusive ligne {g.row} ({g.partner}) de « {g.work} » porte sur des droits "
                                  f"acquis sans exclusivité : {_describe_parts(shared)}.",
                                  "Une exclusivité ne se cède que si elle a été acquise."))
    return issues


# the chronologie des médias (DOMAIN-FACTS §3.5): months after the French theatrical release
CHRONOLOGY_TERRITORIES = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT"})  # France and its DROM, where the accord applies
# Windows not held by financement.json (which has the pay and free TV pre-sales): accord of
# 6 Feb 2025, extended by arrêté to non-signatories. SVOD: 17 months for non-signatory services
# (Netflix 15, Disney+ 9: pass them in ``windows``); TVOD/EST and video: 4 months (3 below
# 100,000 admissions). AVOD: 44 months in the 2022 accord, not in DOMAIN-FACTS (unverified).
# No window: theatrical (it is month 0) and non-commercial.
OTHER_WINDOWS: dict[Media, int] = {Media.TVOD: 4, Media.VIDEO: 4, Media.SVOD: 17, Media.AVOD: 44}


def chronology_window(media: Media, windows: Mapping[Media, int] | None = None) -> int | None:
    """Months after the French theatrical release before ``media`` may open; ``windows`` overrides
    (a signatory platform's own window). Pay and free TV come from financement.json, as the
    cash-flow forecast reads them."""
    if windows and media in windows:
        return windows[media]
    if media is Media.TV_PAYANTE:
        return media_window("préachat TV payante")
    if media is Media.TV_GRATUITE:
        return media_window("préachat TV gratuite")
    return OTHER_WINDOWS.get(media)


def partner_windows(partner: str, by_partner: Mapping[str, Mapping[Media, int]]) -> Mapping[Media, int] | None:
    """A partner's own windows: its name as the table has it, or containing it as whole words
    (« Netflix International B.V. » is Netflix), the longest name first."""
    key = fold(partner)
    if key in by_partner:
        return by_partner[key]
    words = f" {' '.join(re.sub(r'[^0-9a-z]+', ' ', key).split())} "
    for name in sorted(by_partner, key=len, reverse=True):
        if f" {' '.join(re.sub(r'[^0-9a-z]+', ' ', name).split())} " in words:
            return by_partner[name]
    return None


def check_chronology(rights: Iterable[Right], release_fr: Mapping[str, date], book: str | None = None,
                     windows: Mapping[Media, int] | None = None,
                     by_partner: Mapping[str, Mapping[Media, int]] | None = None) -> list[Issue]:
    """CAT006: a grant for France opening before its media's window after the French release. A
    work without a release date is not checked (it may never open in theatres). ``by_partner``: a
    signatory's own windows (Netflix 15 months), by partner name as ``fold`` reads it."""
    issues = []
    for r in rights:
        release = release_fr.get(r.work)
        if not r.granted or not r.valid or release is None or not r.territories & CHRONOLOGY_TERRITORIES:
            continue
        own = partner_windows(r.partner, by_partner or {})
        mine = {**(windows or {}), **own} if own else windows
        early = []
        for m in (m for m in Media if m in r.media):
            months = chronology_window(m, mine)
            if months is None:
                continue
            opens = add_months(release, months)
            if r.start < opens:
                early.append(f"{m.label} à {months} mois, pas avant le {_fmt(opens)}")
        if early:
            issues.append(error("CAT006", r.location(book),
                                f"La cession ligne {r.row} ({r.partner}) de « {r.work} » en France commence le "
                                f"{_fmt(r.start)}, avant la fenêtre de la chronologie des médias après la sortie du "
                                f"{_fmt(release)} : {' ; '.join(early)}.",
                                "Accord du 6 février 2025. Une plateforme signataire a sa propre fenêtre (Netflix 15 mois, "
                                "Disney+ 9 mois) ; la VàD à l'acte peut ouvrir à 3 mois sous 100 000 entrées."))
    return issues


def check_expiring(rights: Iterable[Right], on: date, months: int = 6, book: str | None = None) -> list[Issue]:
    """CAT007: rights ending between ``on`` and ``months`` later: an acquisition to renew before
    its grants outlive it, a grant whose rights come back for sale."""
    limit = add_months(on, months)
    issues = []
    for r in sorted((r for r in rights if r.valid and on <= r.end <= limit), key=lambda r: (r.end, r.row)):
        scope = f"{describe_territories(r.territories)} — {describe_media(r.media)}"
        if r.granted:
            text = (f"La cession ligne {r.row} de « {r.work} » à {r.partner} ({scope}) expire le {_fmt(r.end)} : "
                    f"droits libres le {_fmt(r.end + timedelta(days=1))}")
            if r.holdback_end and r.holdback_end > r.end:
                text += f", sous holdback jusqu'au {_fmt(r.holdback_end)}"
            issues.append(warning("CAT007", r.location(book), text + ".", "Droits à revendre ou à renouveler."))
        else:
            issues.append(warning("CAT007", r.location(book),
                                  f"Les droits acquis ligne {r.row} sur « {r.work} » auprès de {r.partner} ({scope}) "
                                  f"expirent le {_fmt(r.end)}.",
                                  "Renouvelez l'acquisition ou arrêtez les cessions qui la dépassent."))
    return issues


def check_rights(rights: Iterable[Right], *, book: str | None = None, release_fr: Mapping[str, date] | None = None,
                 on: date | None = None, months: int = 6, windows: Mapping[Media, int] | None = None,
                 by_partner: Mapping[str, Mapping[Media, int]] | None = None) -> list[Issue]:
    """Every check, one after the other: dates, conflicts, chain of title, chronologie (given
    release dates), expiry (given the day to count from)."""
    rights = list(rights)
    issues = check_dates(rights, book) + check_exclusive_overlaps(rights, book) + check_chain_of_title(rights, book)
    if release_fr:
        issues += check_chronology(rights, release_fr, book, windows, by_partner)
    if on is not None:
        issues += check_expiring(rights, on, months, book)
    return issues


# --- availability ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Avail:
    """Whether ``work`` can be sold for the asked territory, media and window, and why."""

    work: str
    free: bool
    reason: str
    blocking_rows: tuple[int, ...] = ()


class AvailsIndex:
    """The rights flattened once into numpy columns, one row per (right, media), sorted by media
    then work; territory sets are stored once per distinct set, as rows of a set × code boolean
    matrix. A query is array comparisons over one media's rows, and the coverage of the window by
    acquisitions a running maximum per work: no Python loop over the rights, only over the answers."""

    def __init__(self, rights: Iterable[Right]) -> None:
        self.rights = [r for r in rights if r.valid]
        self.works: dict[str, int] = {}
        mask_ids: dict[frozenset[str], int] = {}
        media_ids: dict[frozenset[Media], tuple[int, ...]] = {}
        media_order = list(Media)
        n = len(self.rights)
        works_l: list[int] = []
        masks_l: list[int] = []
        cols_l: list[tuple[int, int, int, int]] = []  # start, end, holdback end, flags
        per_right: list[tuple[int, ...]] = []
        for r in self.rights:  # plain lists, one numpy conversion each: a store per row into numpy is slower
            works_l.append(self.works.setdefault(r.work, len(self.works)))
            masks_l.append(mask_ids.setdefault(r.territories, len(mask_ids)))
            m = media_ids.get(r.media)
            if m is None:
                m = media_ids[r.media] = tuple(media_order.index(x) for x in r.media)
            per_right.append(m)
            cols_l.append((r.start.toordinal(), r.end.toordinal(), (r.holdback_end or r.end).toordinal(),
                           r.granted + 2 * r.exclusive))
        work = np.array(works_l, np.int64)
        mask = np.array(masks_l, np.int64)
        cols = np.array(cols_l, np.int64).reshape(n, 4)
        self.work_names = list(self.works)
        self.masks = list(mask_ids)  # territory sets by mask id
        self.code_names = sorted(territories().codes | {c for m in self.masks for c in m})
        self.codes = {c: i for i, c in enumerate(self.code_names)}
        self.member = np.zeros((len(self.masks), len(self.code_names)), bool)  # mask id × code
        for i, places in enumerate(self.masks):
            self.member[i, [self.codes[c] for c in places]] = True
        counts = np.fromiter((len(m) for m in per_right), np.int64, n)
        which = np.repeat(np.arange(n), counts)
        media = np.fromiter((x for m in per_right for x in m), np.int64, int(counts.sum()))
        order = np.lexsort((which, work[which], media))
        which, media = which[order], media[order]
        self.offsets = np.searchsorted(media, np.arange(len(media_order) + 1))
        self.media_order = media_order
        start, end, hold, flags = cols[which].T
        granted, exclusive = (flags & 1).astype(bool), (flags & 2).astype(bool)
        last = np.maximum(end, hold)
        never = np.iinfo(np.int64).max
        self.right = which
        self.work = work[which]
        self.mask = mask[which]
        self.start, self.end = start, end
        self.acquired = ~granted
        # the days a grant keeps others out: term and holdback when exclusive, the holdback only otherwise
        self.block_start = np.where(granted & exclusive, start, np.where(granted & (last > end), end + 1, never))
        self.block_end = np.where(granted, last, 0)
        # for an exclusive deal, any grant already there blocks
        self.deal_start = np.where(granted, start, never)
        self._said: dict[int, str] = {}  # what blocks, by right, as queries say it
        self.line = np.fromiter((r.row for r in self.rights), np.int64, n)[which]  # the workbook row of each row

    def query(self, territory: str, media: Media | str, start: date, end: date, works: Iterable[str] | None = None,
              *, exclusive: bool = False, data: Territories | None = None) -> list[Avail]:
        """Each work (``works``, else every work of the catalogue in order of appearance): free when
        acquisitions cover the whole window (``end`` inclusive) in every territory meant and no
        exclusive grant or holdback meets it (with ``exclusive``: no grant at all, the question
        of an exclusive deal). A territory group is free only where each of its codes is."""
        if isinstance(media, str) and not isinstance(media, Media):
            found = Media.from_text(media)
            if found is None:
                raise ValueError(f"Média inconnu : « {media} ».")
            media = found
        if end < start:
            raise ValueError(f"Fenêtre impossible : fin ({_fmt(end)}) avant début ({_fmt(start)}).")
        codes = data.expand(territory) if data is not None else expand(territory)
        ws, we = start.toordinal(), end.toordinal()
        k = self.media_order.index(media)
        lo, hi = int(self.offsets[k]), int(self.offsets[k + 1])
        view = slice(lo, hi)
        columns = np.array([self.codes[c] for c in sorted(codes)], np.int64)  # every code of the data is a column
        sets_hit: BoolArray = np.any(self.member[:, columns], axis=1)
        hit = sets_hit[self.mask[view]]
        in_window = (self.start[view] <= we) & (self.end[view] >= ws)
        acq = np.flatnonzero(self.acquired[view] & hit & in_window) + lo
        block_start = self.deal_start if exclusive else self.block_start
        blk = np.flatnonzero(hit & (block_start[view] <= we) & (self.block_end[view] >= ws)) + lo
        n_works = len(self.work_names)
        # codes that no territory set of the acquisitions tells apart are covered alike: one
        # coverage per class of codes, not per code (« Monde » is a few classes, not 249 codes)
        used = np.flatnonzero(np.bincount(self.mask[acq], minlength=len(self.masks)))
        held = self.member[np.ix_(used, columns)].T  # code × used set
        signatures, which = np.unique(held, axis=0, return_inverse=True)
        which = np.asarray(which).ravel()
        ok_list: list[BoolArray] = []
        has_list: list[BoolArray] = []
        rows_of: list[IntArray] = []
        members_of: list[frozenset[str]] = []
        for c, signature in enumerate(signatures):
            members_of.append(frozenset(self.code_names[i] for i in columns[which == c].tolist()))
            member_of = np.zeros(len(self.masks), bool)
            member_of[used[signature]] = True
            rows = acq[member_of[self.mask[acq]]]
            ok_list.append(_covered(self.work[rows], self.start[rows], self.end[rows], ws, we, n_works))
            has = np.zeros(n_works, bool)
            has[self.work[rows]] = True
            has_list.append(has)
            rows_of.append(rows)
        ok = np.vstack(ok_list)  # class × work; never empty: with no acquisition, all codes are one class
        has_rows = np.vstack(has_list)
        covered = ok.all(axis=0)
        blocked = np.zeros(n_works, bool)
        blocked[self.work[blk]] = True
        acq_first, acq_last = _groups(self.work[acq], n_works)
        blk_first, blk_last = _groups(self.work[blk], n_works)
        acq_lines = self.line[acq].tolist()
        # why a work is not covered: the classes it holds nothing of, said once per distinct set of
        # classes; the classes it holds partly, said work by work (the rare case)
        uncovered = np.flatnonzero(~covered)
        nothing = ~ok[:, uncovered] & ~has_rows[:, uncovered]
        partly = (~ok[:, uncovered] & has_rows[:, uncovered]).any(axis=0)
        kinds, kind_of = _unique_rows(np.packbits(nothing, axis=0).T)
        media_label = media.label
        kind_text = []
        for packed in kinds:
            chosen = np.unpackbits(packed, count=len(members_of)).astype(bool)
            places = frozenset().union(*(m for m, c in zip(members_of, chosen.tolist(), strict=True) if c))
            kind_text.append(f"droits non acquis : {describe_territories(places)} — {media_label}" if places else "")
        why = dict(zip(uncovered.tolist(), np.array(kind_text, dtype=object)[kind_of].tolist(), strict=True))
        for w in uncovered[partly].tolist():
            parts = [self._partly(w, members_of[c], rows_of[c], (start, end), media_label)
                     for c in np.flatnonzero(~ok[:, w] & has_rows[:, w]).tolist()]
            why[w] = " ; ".join([p for p in (why[w], *parts) if p])

        if works is None:
            ids = np.arange(n_works)
            names = self.work_names
        else:
            names = list(works)
            ids = np.fromiter((self.works.get(w, -1) for w in names), np.int64, len(names))
        not_acquired = f"droits non acquis : {describe_territories(codes)} — {media_label}"
        out: list[Avail] = []
        free_of = (covered & ~blocked).tolist()
        is_blocked = blocked.tolist()
        blk_rights = self.right[blk].tolist()
        for name, w in zip(names, ids.tolist(), strict=True):
            if w < 0:
                out.append(Avail(name, False, not_acquired))
            elif free_of[w]:
                lines = sorted(set(acq_lines[acq_first[w]:acq_last[w]]))
                out.append(Avail(name, True, f"libre : droits acquis ligne{'s' if len(lines) > 1 else ''} "
                                             f"{', '.join(map(str, lines))}"))
            elif is_blocked[w]:
                blockers = sorted(set(blk_rights[blk_first[w]:blk_last[w]]), key=lambda j: self.rights[j].row)
                text = "bloqué par " + " ; ".join(self._blocker(j, exclusive) for j in blockers)
                out.append(Avail(name, False, " ; ".join([text, why[w]]) if w in why else text,
                                 tuple(sorted({self.rights[j].row for j in blockers}))))
            else:
                out.append(Avail(name, False, why[w]))
        return out

    def _blocker(self, j: int, exclusive: bool) -> str:
        text = self._said.get(j)
        if text is None:
            r = self.rights[j]
            text = self._said[j] = f"ligne {r.row} ({r.partner}, {_grant_kind(r)})"
        return text if exclusive or self.rights[j].exclusive else text + " pendant son holdback"

    def _partly(self, w: int, places: frozenset[str], rows: IntArray, window: tuple[date, date], media_label: str) -> str:
        of_work = self.work[rows]  # sorted: rows keep the index's order
        run = rows[np.searchsorted(of_work, w, "left"):np.searchsorted(of_work, w, "right")]
        mine = sorted((self.rights[int(self.right[i])] for i in run), key=lambda r: r.row)
        gaps = _minus(window, _union((r.start, r.end) for r in mine))
        lines = ", ".join(str(r.row) for r in mine)
        return (f"droits acquis (ligne{'s' if len(mine) > 1 else ''} {lines}) ne couvrant pas {_periods(gaps)} : "
                f"{describe_territories(places)} — {media_label}")


def _covered(work: IntArray, start: IntArray, end: IntArray, ws: int, we: int, n_works: int) -> BoolArray:
    """Per work: its intervals cover [ws, we] without a gap. Intervals are clipped to the window
    and sorted by (work, start); a running maximum of the ends, offset per work so that it never
    carries over from one work to the next, tells where each interval's predecessors reached."""
    out = np.zeros(n_works, bool)
    if len(work) == 0:
        return out
    first, last = np.maximum(start, ws) - ws + 1, np.minimum(end, we) - ws + 1  # 1 .. span
    span = we - ws + 1
    order = np.lexsort((first, work))
    work, first, last = work[order], first[order], last[order]
    base = work * (span + 2)
    reach = np.maximum.accumulate(base + last)
    before = np.empty_like(reach)
    before[1:] = reach[:-1]
    new = np.ones(len(work), bool)
    new[1:] = work[1:] != work[:-1]
    before[new] = base[new]  # nothing reached before a work's first interval: day 0
    gap = base + first > before + 1
    ends = np.ones(len(work), bool)
    ends[:-1] = new[1:]
    out[work[ends]] = reach[ends] - base[ends] >= span
    out[work[gap]] = False
    return out


def _groups(work: IntArray, n_works: int) -> tuple[list[int], list[int]]:
    """For index arrays sorted by work: per work, where its run starts and ends (empty: 0, 0). Flat
    lists of ints, which the garbage collector does not scan, unlike 100,000 small pairs."""
    first, last = np.zeros(n_works, np.int64), np.zeros(n_works, np.int64)
    if len(work):
        starts = np.flatnonzero(np.r_[True, work[1:] != work[:-1]])
        first[work[starts]] = starts
        last[work[starts]] = np.append(starts[1:], len(work))
    return first.tolist(), last.tolist()


def _unique_rows(rows: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8], IntArray]:
    """``np.unique(rows, axis=0, return_inverse=True)`` through one opaque value per row: a plain
    sort of bytes, ten times faster than numpy's lexicographic sort over columns."""
    rows = np.ascontiguousarray(rows)
    keys = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
    _keys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return rows[first], np.asarray(inverse).ravel()


def avails(rights: Iterable[Right], works: Iterable[str] | None, territory: str, media: Media | str, start: date,
           end: date, *, exclusive: bool = False) -> list[Avail]:
    """One query without keeping the index: see ``AvailsIndex.query``."""
    return AvailsIndex(rights).query(territory, media, start, end, works, exclusive=exclusive)
