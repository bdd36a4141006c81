"""The sample catalogue of ``xlprod demo``: a distributor-producer's library of 320 works with
rights acquired from producers and granted to channels and platforms across territories and media,
receipts for three quarters, rights holders with minimum guarantees, and planted problems a rights
manager meets (a wrong ISAN check character, a duplicate title, overlapping exclusive grants, a
grant beyond what was acquired, an SVOD window opened too early, messy cells).

Generated from a fixed seed: the same file on every machine. Also used by the tests and the
benchmark (``generate``), at any size."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from xlprod.core.money import format_eur
from xlprod.kinds.catalogue.builder import CatalogueInputs, build_catalogue
from xlprod.kinds.catalogue.identifiers import mod_37_36_check
from xlprod.kinds.registry import DemoPart

REFERENCE = dt.date(2026, 11, 30)  # the demo's « today », so that expiries read the same on every run
PERIOD = "2026-T3"
AVAILS = ("BE", "SVOD", dt.date(2027, 3, 1), dt.date(2027, 5, 31))

_FIRST = ("Les Nuits", "Le Silence", "La Maison", "L'Été", "Les Enfants", "Le Chant", "La Route", "Les Ombres",
          "Le Dernier", "La Fille", "Les Héritiers", "Le Temps", "La Mémoire", "Les Chemins", "Le Retour", "L'Hiver",
          "La Promesse", "Les Voyageurs", "Le Jardin", "La Lumière")
_SECOND = ("du Nord", "de Marseille", "d'Anna", "sans fin", "de la mer", "du port", "des autres", "d'octobre",
           "à l'aube", "de Lisbonne", "des collines", "d'hier", "du phare", "de minuit", "en exil", "du fleuve")
_DIRECTORS = ("Claire Vasseur", "Julien Moreau", "Aïssa Benali", "Marion Keller", "Thomas Lefèvre", "Inès Durand",
              "Paul Girard", "Léa Martin", "Karim Haddad", "Sophie Renaud", "Nina Costa", "Hugo Bernard")
_PRODUCERS = ("Films du Belvédère", "Nord-Ouest Productions", "Les Films de l'Estran", "Atelier Lumière",
              "Mer du Nord Films", "Production Bastide")
_KINDS = (("long métrage", 0.7), ("documentaire", 0.15), ("animation", 0.1), ("court métrage", 0.05))
_GENRES = ("drame", "comédie", "thriller", "comédie dramatique", "documentaire", "animation", "policier")
_COUNTRIES = (("FR",), ("FR",), ("FR",), ("FR", "BE"), ("FR", "CH"), ("FR", "CA"), ("FR", "LU", "BE"))
_PLATFORMS = (("Canal+", "TV payante", "France"), ("France Télévisions", "TV gratuite", "France"),
              ("Netflix", "SVOD", "France"), ("RTBF", "TV gratuite", "Belgique"), ("Proximus", "SVOD", "BE, LU"),
              ("RTS", "TV gratuite", "Suisse"), ("Crave", "SVOD", "Canada"), ("Apple", "TVOD / EST", "Monde"),
              ("Arte", "TV gratuite", "DE, AT"))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(n))


def isan(rng: random.Random) -> str:
    root = _hex(rng, 12) + "0000"
    check = mod_37_36_check(root)
    return f"{root[:4]}-{root[4:8]}-{root[8:12]}-{root[12:]}-{check}"


def eidr(rng: random.Random) -> str:
    payload = "10.5240/" + "-".join(_hex(rng, 4) for _ in range(5))
    return f"{payload}-{mod_37_36_check(payload.replace('10.5240/', '').replace('-', ''))}"


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def generate(n_works: int, seed: int = 2026, grants_per_work: int = 3) -> CatalogueInputs:
    """A catalogue of ``n_works`` works with about ``grants_per_work + 1`` rights lines each."""
    rng = random.Random(seed)
    works: list[dict[str, object]] = []
    rights: list[dict[str, object]] = []
    combos = [f"{a} {b}" for a in _FIRST for b in _SECOND]
    rng.shuffle(combos)  # every title once before any repeats with a number: no unplanned duplicate
    for i in range(n_works):
        kind = rng.choices([k for k, _ in _KINDS], [w for _, w in _KINDS])[0]
        year = rng.randrange(1995, 2026)
        release = _day(rng, dt.date(year, 1, 15), dt.date(year, 12, 15))
        wid = f"CAT-{i + 1:05d}"
        title = combos[i % len(combos)] + (f" {i // len(combos) + 1}" if i >= len(combos) else "")
        works.append({
            "Identifiant": wid, "Titre": title, "Titre original": title, "Genre d'œuvre": kind, "Année": year,
            "Durée (min)": rng.randrange(12, 25) if kind == "court métrage" else rng.randrange(78, 140),
            "Pays": ", ".join(rng.choice(_COUNTRIES)), "Langues": "fr", "Réalisation": rng.choice(_DIRECTORS),
            "Production": rng.choice(_PRODUCERS), "ISAN": isan(rng), "EIDR": eidr(rng),
            "Visa": str(100000 + i * 7 + rng.randrange(7)), "RCA": "", "Genre": rng.choice(_GENRES),
            "Sous-titres SME": "oui" if year >= 2005 or rng.random() < 0.95 else "non",
            "Audiodescription": "oui" if year >= 2010 or rng.random() < 0.95 else "non",
            "Sortie France": release, "Statut": "sorti en salles",
        })
        acquired_end = dt.date(rng.randrange(2030, 2041), 12, 31)
        rights.append({"Œuvre": wid, "Partenaire": works[-1]["Production"], "Sens": "acquis", "Territoires": "Monde",
                       "Médias": "tous médias", "Début": release - dt.timedelta(days=200), "Fin": acquired_end,
                       "Exclusif": "oui", "Minimum garanti": float(rng.randrange(20, 400) * 1000)})
        start = max(dt.date(2022, 1, 1), release + dt.timedelta(days=1100))  # past every window of the chronologie
        for partner, media, where in rng.sample(_PLATFORMS, grants_per_work):
            begin = _day(rng, start, start + dt.timedelta(days=700))
            end = min(acquired_end, begin + dt.timedelta(days=rng.choice((365, 730, 1095))))
            rights.append({"Œuvre": wid, "Partenaire": partner, "Sens": "cédé", "Territoires": where, "Médias": media,
                           "Début": begin, "Fin": end, "Exclusif": "non" if media == "TVOD / EST" else "oui",
                           "Minimum garanti": float(rng.randrange(5, 120) * 1000), "Commission": ""})
    return CatalogueInputs(title="Catalogue de démonstration", works=works, rights=rights)


def _plant(inputs: CatalogueInputs) -> None:
    """The problems a real catalogue holds, each at a known place (the tests look for them)."""
    w, r = inputs.works, inputs.rights
    w[3]["ISAN"] = str(w[3]["ISAN"])[:-1] + ("A" if not str(w[3]["ISAN"]).endswith("A") else "B")  # check character
    w[4]["EIDR"] = str(w[4]["EIDR"]).lower()  # lower case: a proposed correction
    w[5]["Titre"] = "LES ENFANTS DU PARADIS"  # capitals
    w[6]["Titre"], w[6]["Année"] = "Enfants du paradis (Les)", w[5]["Année"]  # a duplicate of w[5] once normalised
    w[6]["Sortie France"] = w[5]["Sortie France"]
    w[7]["Durée (min)"] = "103.00 minutes"
    w[8]["Pays"] = "France, Belgique"
    w[9]["Sortie France"] = "Jun 12 1998"
    w[9]["Année"] = 1998
    r[[x["Œuvre"] for x in r].index(w[9]["Identifiant"])]["Début"] = dt.date(1997, 11, 24)
    w[10]["Titre"] = "  Le   Chant du port "
    w[11]["Titre"] = ""  # a mandatory field missing
    w[12]["Année"] = 2099
    w[13]["Sous-titres SME"], w[13]["Audiodescription"] = "non", "non"
    w[13]["Année"], w[13]["Sortie France"] = 2023, dt.date(2023, 5, 10)
    w[14]["ISAN"] = w[15]["ISAN"]  # the same ISAN on two works
    # rights: two exclusive SVOD grants in France that overlap
    wid = w[20]["Identifiant"]
    r.append({"Œuvre": wid, "Partenaire": "Netflix", "Sens": "cédé", "Territoires": "France", "Médias": "SVOD",
              "Début": dt.date(2026, 1, 1), "Fin": dt.date(2027, 12, 31), "Exclusif": "oui"})
    r.append({"Œuvre": wid, "Partenaire": "Prime Video", "Sens": "cédé", "Territoires": "FR", "Médias": "SVOD",
              "Début": dt.date(2027, 6, 1), "Fin": dt.date(2028, 5, 31), "Exclusif": "oui"})
    # a grant beyond the acquisition (acquired for France only, granted for Belgium)
    wid = w[21]["Identifiant"]
    for right in r:
        if right["Œuvre"] == wid and right["Sens"] == "acquis":
            right["Territoires"] = "France et DOM-TOM"
    r.append({"Œuvre": wid, "Partenaire": "Proximus", "Sens": "cédé", "Territoires": "Belgique", "Médias": "SVOD",
              "Début": dt.date(2027, 1, 1), "Fin": dt.date(2028, 12, 31), "Exclusif": "oui"})
    # an SVOD window in France three months after the release (the chronologie says 15 or 17)
    w[22]["Sortie France"] = dt.date(2026, 3, 4)
    w[22]["Année"] = 2026
    r.append({"Œuvre": w[22]["Identifiant"], "Partenaire": "Netflix", "Sens": "cédé", "Territoires": "FR",
              "Médias": "SVOD", "Début": dt.date(2026, 6, 1), "Fin": dt.date(2027, 5, 31), "Exclusif": "oui"})
    # a grant that expires soon, and one taking Belgium SVOD in the avails window
    r.append({"Œuvre": w[23]["Identifiant"], "Partenaire": "Arte", "Sens": "cédé", "Territoires": "France, DE",
              "Médias": "TV gratuite", "Début": dt.date(2024, 1, 1), "Fin": dt.date(2027, 2, 28), "Exclusif": "oui"})
    r.append({"Œuvre": w[24]["Identifiant"], "Partenaire": "Proximus", "Sens": "cédé", "Territoires": "Benelux",
              "Médias": "SVOD", "Début": dt.date(2027, 1, 1), "Fin": dt.date(2027, 12, 31), "Exclusif": "oui"})
    r.append({"Œuvre": w[25]["Identifiant"], "Partenaire": "Territoire inconnu SA", "Sens": "cédé",
              "Territoires": "Belgistan", "Médias": "SVOD", "Début": dt.date(2027, 1, 1), "Fin": dt.date(2027, 6, 30),
              "Exclusif": "oui"})


def receipts_and_shares(inputs: CatalogueInputs, n: int = 40, seed: int = 7) -> None:
    """Three quarters of receipts on the first ``n`` works and the holders who share them."""
    rng = random.Random(seed)
    kinds = (("Salles (France)", 0.25, "FR"), ("Salles avec minimum garanti", 0.35, "FR"),
             ("VOD (TVOD, SVOD, paiement à la séance)", 0.30, "FR"), ("Télévision", 0.10, "FR"),
             ("Étranger (vendeur international)", 0.25, "BE"), ("Vidéo physique", 0.15, "FR"))
    for i in range(n):
        wid = inputs.works[i]["Identifiant"]
        for period in ("2026-T1", "2026-T2", "2026-T3"):
            for label, cap, territory in rng.sample(kinds, 2):
                gross = float(rng.randrange(500, 25_000))  # a quarter of an older title: a few thousand euros
                commission = round(gross * cap * rng.choice((0.6, 0.8, 1.0)), 2)
                inputs.receipts.append({"Œuvre": wid, "Période": period, "Exploitation": label, "Territoire": territory,
                                        "Recettes brutes": gross, "Commission": commission,
                                        "Frais": float(rng.randrange(0, 4_000)), "MG récupéré": 0.0,
                                        "Préachat finançant": "non", "Petite vente TV": "non"})
        share_holders = (("Nord-Ouest Productions (coproducteur)", 0.30, 12_000.0),
                         ("Claire Vasseur (autrice-réalisatrice)", 0.05, 0.0))
        for holder, share, mg in share_holders[: 1 + (i % 2)]:
            inputs.shares.append({"Ayant droit": holder, "Œuvre": wid, "Part": share, "Minimum garanti": mg})
    # planted: a commission beyond its cap, a typed exploitation, a pre-sale that financed the film
    inputs.receipts.append({"Œuvre": inputs.works[0]["Identifiant"], "Période": PERIOD, "Exploitation": "SVOD",
                            "Territoire": "FR", "Recettes brutes": 250_000.0, "Commission": 70_000.0, "Frais": 0.0,
                            "MG récupéré": 0.0, "Préachat finançant": "non", "Petite vente TV": "non"})
    inputs.receipts.append({"Œuvre": inputs.works[1]["Identifiant"], "Période": PERIOD, "Exploitation": "Télévision",
                            "Territoire": "FR", "Recettes brutes": 400_000.0, "Commission": 0.0, "Frais": 0.0,
                            "MG récupéré": 0.0, "Préachat finançant": "oui", "Petite vente TV": "non"})


def demo_inputs(n_works: int = 320) -> CatalogueInputs:
    inputs = generate(n_works)
    _plant(inputs)
    receipts_and_shares(inputs)
    territory, media, start, end = AVAILS
    inputs.parameters.update({"date_reference": REFERENCE, "periode": PERIOD, "dispo_territoire": territory,
                              "dispo_media": media, "dispo_debut": start, "dispo_fin": end})
    return inputs


def demo_catalogue(out_dir: Path) -> DemoPart:
    from xlprod.services import recalculate
    from xlprod.workbook.files import atomic_path, check_demo_target, record_demo_file
    from xlprod.workbook.xlsx_file import XlsxFile

    path = out_dir / "catalogue.xlsx"
    check_demo_target(path)
    with atomic_path(path) as tmp:
        build_catalogue(tmp, demo_inputs())
        book = XlsxFile(tmp, name=path.name)
        report = recalculate(book, now=dt.datetime.combine(REFERENCE, dt.time(9)))
        # the cells this first recalculation put right (« SVOD » read as the list's « VOD (…) », CAT061) no longer
        # call for a word: a second one leaves the file as the user's next recalculation would, so that the demo
        # can rebuild it after that (a file that changed since the demo made it is kept)
        book.refresh()
        recalculate(book, now=dt.datetime.combine(REFERENCE, dt.time(9)))
        book.save()
    record_demo_file(path)
    summary = report.summary
    lines = [f"Catalogue d'exemple : {report.headline()} ({report.errors} erreur(s), {report.warnings} "
             "avertissement(s) : problèmes plantés à dessein)"]
    counts: dict[str, int] = {}
    for issue in report.issues:
        counts[issue.code] = counts.get(issue.code, 0) + 1
    from xlprod.kinds.catalogue.codes import labelled

    lines.append("Contrôles : " + ", ".join(f"{labelled(c)} × {n}" for c, n in sorted(counts.items())))
    shown = [i.render() for i in report.issues if i.code not in ("CAT060", "CAT032")]
    lines += shown[:8]
    if len(shown) > 8:
        lines.append(f"… et {len(report.issues) - 8} autres, dont les corrections proposées (CAT060) : onglet Contrôles "
                     f"de {path.name}, ou xlprod check {path}")
    from xlprod.kinds.catalogue.recalc import CatalogueSummary

    if isinstance(summary, CatalogueSummary):
        if summary.answer is not None:
            lines.append(summary.answer.render(4))
        for s in summary.statements:
            lines.append(f"Relevé de {s.holder} — période {s.period} : {len(s.lines)} œuvres ; RNPP "
                         f"{format_eur(s.rnpp)}, part {format_eur(s.holder_share)}, MG récupéré "
                         f"{format_eur(s.mg_recouped)}, solde dû {format_eur(s.balance)}")
    lines.append(f"Essayez : xlprod avails {path} --territory BE --media SVOD --from 2027-03-01 --to 2027-05-31 ; "
                 f"xlprod fix {path} --apply")
    return DemoPart(paths=[path], text="\n".join(lines), errors=0)
