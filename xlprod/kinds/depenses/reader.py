"""From the expense workbook's tables to entries and versions, with located issues.

The Dépenses table runs to 100,000 rows: it is read in one loop with the common cases (a float,
a date, a clean text) taken first. What is read with tolerance (a number typed as text, an
account typed as a number, « Payé » for « payé ») is written back as read, so that the
workbook's SUMIFS see what Python saw.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from xlprod.core.cells import EmptyTextResult, UncachedFormula, cell_text, excel_date, typed_date
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location, column_letter
from xlprod.core.money import (
    ONE,
    ZERO,
    excel_product,
    format_eur,
    french_number,
    from_double,
    spreadsheet_round_cents,
)
from xlprod.core.numbers import parse_number
from xlprod.core.text import fold, plural
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.model import EURO, FRANCE, TOO_BIG, Entry, Status, Tag, Version, VersionLine
from xlprod.kinds.depenses.tracking import chapter_of
from xlprod.workbook.port import RawTable

STATUSES = {fold(s.value): s for s in Status} | {
    "engage": Status.COMMITTED, "engagee": Status.COMMITTED, "commande": Status.COMMITTED,
    "bon de commande": Status.COMMITTED, "facture": Status.INVOICED, "facturee": Status.INVOICED,
    "paye": Status.PAID, "payee": Status.PAID, "regle": Status.PAID, "reglee": Status.PAID,
}
TAGS = {fold(t.value): t for t in Tag} | {"eco production": Tag.ECOPRODUCTION, "eco": Tag.ECOPRODUCTION,
                                          "prevention vhss": Tag.VHSS}
COUNTRIES = {  # names people type for the countries productions spend in -> ISO 3166-1 alpha-2
    "france": "FR", "belgique": "BE", "luxembourg": "LU", "suisse": "CH", "allemagne": "DE", "italie": "IT",
    "espagne": "ES", "portugal": "PT", "royaume uni": "GB", "angleterre": "GB", "irlande": "IE", "pays bas": "NL",
    "canada": "CA", "quebec": "CA", "etats unis": "US", "usa": "US", "maroc": "MA", "tunisie": "TN",
    "senegal": "SN", "pologne": "PL", "republique tcheque": "CZ", "hongrie": "HU", "roumanie": "RO",
    "bulgarie": "BG", "grece": "GR", "autriche": "AT", "danemark": "DK", "suede": "SE", "norvege": "NO",
    "finlande": "FI", "islande": "IS", "croatie": "HR", "slovenie": "SI", "malte": "MT", "chypre": "CY",
    "uk": "GB", "el": "GR",  # the codes the EU uses for the United Kingdom and Greece
}
_ISO2 = re.compile(r"^[A-Za-z]{2}$")
# the 249 codes of ISO 3166-1 alpha-2 (2024): « FE » for FR is a typo, not a country
_ISO_CODES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW "
    "BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI "
    "FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN "
    "IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME "
    "MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF "
    "PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE "
    "YT ZA ZM ZW"
)
ISO_COUNTRIES = frozenset(_ISO_CODES.split())
_ISO_TYPED = frozenset(COUNTRIES.values())
_CANONICAL: dict[object, Status] = {s.value: s for s in Status}
_ACCOUNT = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._/-]*$")




PAYROLL = "64"  # staff costs in the French chart of accounts: salaries (641) and social charges (645)


def account_key(text: str) -> str:
    """Accounts compare as SUMIFS compares them: without case."""
    return text.upper()


@dataclass
class EntriesRead:
    entries: list[Entry]
    fixes: dict[tuple[int, int], object] = field(default_factory=dict)  # (row, col) -> value, on the Dépenses sheet
    refused: bool = False  # an account SUMIFS would read as a criterion: no figure is written
    amount_eur: list[float | str] = field(default_factory=list)  # the computed column, row by row


def read_entries(table: RawTable, book: str, issues: list[Issue]) -> EntriesRead:
    h = {name: table.headers.index(name) for name in L.DEPENSES_HEADERS if name in table.headers}
    out = EntriesRead([])
    first_row = table.header_row + 1
    unassigned: list[tuple[int, Decimal]] = []
    seen: dict[tuple[str, str, str, Decimal], int] = {}
    imported: list[tuple[Entry, Decimal]] = []  # rows an import wrote, with a document and an amount, in euros
    duplicates: list[tuple[int, int]] = []

    def where(i: int, header: str) -> Location:
        return Location(book=book, sheet=table.sheet, cell=f"{column_letter(table.first_col + h[header])}{first_row + i}")

    def fix(i: int, header: str, value: object) -> None:
        out.fixes[(first_row + i, table.first_col + h[header])] = value

    def raw(row: list[object], header: str) -> object:
        j = h.get(header)
        return row[j] if j is not None else None

    def number(i: int, row: list[object], header: str, what: str) -> Decimal | None:
        value = raw(row, header)
        if value is None or value == "":
            return None
        if type(value) is float and abs(value) < 1e11:
            return from_double(value)
        parsed = parse_number(value)
        if parsed.value is not None and abs(parsed.value) >= TOO_BIG:
            parsed = parsed.__class__(None, problem=f"{format_eur(parsed.value)} dépasse toute valeur plausible "
                                      "(100 milliards)")
        if parsed.problem or parsed.value is None:
            blocking = header != "TVA"  # the workbook's Montant EUR would show #VALUE!, and every total with it
            issues.append(error("DEP001", where(i, header), f"{what} : {parsed.problem or 'valeur illisible'}"
                                + (" ; le suivi n'est pas mis à jour." if blocking else "."),
                                "Saisissez un nombre (par exemple 1 250,00)."))
            out.refused = out.refused or blocking
            return None
        if parsed.from_text:
            fix(i, header, float(parsed.value))
            issues.append(warning("DEP002", where(i, header), f"{what} : nombre saisi comme texte (« {value} »), "
                                  "converti en nombre.", "Rien à faire : la cellule contient désormais un nombre."))
        return parsed.value

    def date(i: int, row: list[object], header: str, what: str) -> dt.date | None:
        value = raw(row, header)
        if value is None or value == "":
            return None
        found = typed_date(value)
        if found is not None:
            return found
        if isinstance(value, str):
            parsed = parse_date(value)
            if parsed is not None:
                fix(i, header, excel_date(parsed))
                return parsed
        issues.append(error("DEP003", where(i, header), f"{what} : « {value} » n'est pas une date.",
                            "Saisissez une date (par exemple 04/05/2026)."))
        return None

    typed = [j for c, j in h.items() if c != "Montant EUR"]
    # 100,000 rows: the common cell (a float, a date, a clean text) read inline, the rest by the helpers above
    at_account, at_amount, at_vat, at_rate, at_currency, at_status, at_country, at_tags, at_date, at_piece, \
        at_supplier, at_label, at_payment, at_ledger, at_key = (h.get(c) for c in (
            "Compte devis", "Montant HT", "TVA", "Taux de change", "Devise", "Statut", "Pays", "Étiquettes", "Date",
            "N° pièce", "Fournisseur", "Libellé", "Date de paiement", "Compte général", "Clé d'import"))

    def text(row: list[object], j: int | None) -> str:
        value = row[j] if j is not None else None
        return value.strip() if type(value) is str else cell_text(value)

    def money(i: int, row: list[object], j: int | None, header: str) -> Decimal | None:
        value = row[j] if j is not None else None
        return from_double(value) if type(value) is float and abs(value) < 1e11 else number(i, row, header, header)

    def day(i: int, row: list[object], j: int | None, header: str) -> dt.date | None:
        value = row[j] if j is not None else None
        return value if type(value) is dt.date else date(i, row, header, header)

    no_tags: frozenset[Tag] = frozenset()
    texts = {h[c]: c for c in _TEXT_COLUMNS if c in h}
    for (i, j), marker in table.specials.items():
        if j in texts and isinstance(marker, EmptyTextResult):
            table.rows[i][j] = ""  # a formula whose result is "": blank, as the workbook shows it, not its text
    for i, row in enumerate(table.rows):
        if (at_amount is None or type(row[at_amount]) is not float) and all(row[j] is None or row[j] == ""
                                                                             for j in typed):
            out.amount_eur.append(0.0)  # ROUND(blank × 1, 2)
            continue
        typed_account = row[at_account] if at_account is not None else None
        account = cell_text(typed_account)
        if isinstance(typed_account, float) or (isinstance(typed_account, str) and typed_account != account):
            fix(i, "Compte devis", account)  # SUMIFS with "2101*" sees text only
        if account and not _ACCOUNT.match(account):
            issues.append(error("DEP004", where(i, "Compte devis"), f"Compte devis « {account} » : un compte ne contient "
                                "que des chiffres, des lettres et . _ / - (les formules liraient *, ?, ~, <, >, = comme "
                                "un critère) ; le suivi n'est pas mis à jour.", "Corrigez le compte (par exemple 2101)."))
            out.refused = True
        amount = money(i, row, at_amount, "Montant HT") or ZERO
        vat = money(i, row, at_vat, "TVA") or ZERO
        rate = money(i, row, at_rate, "Taux de change")
        typed_currency = row[at_currency] if at_currency is not None else None
        currency = cell_text(typed_currency).upper() or EURO
        if currency == EURO or fold(currency) in ("€", "eur", "euro", "euros"):
            currency = EURO
            if typed_currency not in (None, "", EURO):
                fix(i, "Devise", EURO)
        if rate is not None and rate <= 0:
            issues.append(error("DEP008", where(i, "Taux de change"), f"Taux de change {rate} : nul ou négatif, la dépense "
                                "compte pour 0 € (comme dans les formules du classeur).",
                                "Saisissez le taux du budget (euros pour une unité de devise), par exemple 1,17."))
        if rate is None:
            if currency != EURO and amount:
                issues.append(error("DEP008", where(i, "Taux de change"), f"Dépense en {currency} sans taux de change : "
                                    "elle compte au taux 1, comme dans les formules du classeur.",
                                    "Saisissez le taux du budget (euros pour une unité de devise), comme le demande "
                                    "Eurimages."))
            rate = ONE
        elif currency == EURO and rate > 0 and rate != ONE and amount:
            issues.append(warning("DEP029", where(i, "Taux de change"), f"Dépense en euros avec un taux de change de "
                                  f"{french_number(rate)} : elle compte pour {format_eur(excel_product(amount, rate))}, "
                                  "comme dans les formules du classeur.",
                                  "Indiquez la devise de la dépense (Devise), ou videz le taux d'une dépense en euros."))
        typed_status = row[at_status] if at_status is not None else None
        status = Status.COMMITTED
        status_text = "" if typed_status in _CANONICAL else cell_text(typed_status)
        if typed_status in _CANONICAL:
            status = _CANONICAL[typed_status]  # the common case: as the list gives it
        elif status_text:
            found = STATUSES.get(fold(status_text))
            if found is None:
                issues.append(warning("DEP007", where(i, "Statut"), f"Statut « {status_text} » inconnu : la dépense compte "
                                      "comme engagée, non payée.", "Choisissez engagé, facturé ou payé."))
            else:
                status = found
                if raw(row, "Statut") != found.value:  # « Payé », « payé » with a space: SUMIFS wants « payé »
                    fix(i, "Statut", found.value)
        country_text = text(row, at_country)
        country = FRANCE
        if country_text and country_text in _ISO_TYPED and raw(row, "Pays") == country_text:
            country = country_text  # the common case: a code typed as it should be
        elif country_text:
            upper = country_text.upper()
            country = upper if _ISO2.match(country_text) and upper in ISO_COUNTRIES else COUNTRIES.get(
                fold(country_text), "")
            if not country:
                issues.append(warning("DEP009", where(i, "Pays"), f"Pays « {country_text} » : pas un code ISO 3166-1 "
                                      "connu ; la dépense compte à l'étranger sous ce nom.",
                                      "Saisissez le code à deux lettres (FR, BE, LU…)."))
                country = country_text.upper()
                if raw(row, "Pays") != country_text:  # SUMIFS compares without case, not without spaces
                    fix(i, "Pays", country_text)
            elif raw(row, "Pays") != country:
                fix(i, "Pays", country)
        tags: set[Tag] = set()
        typed_tags = row[at_tags] if at_tags is not None else None
        for word in () if typed_tags in (None, "") else filter(None, (w.strip() for w in re.split(
                r"[,;/]", cell_text(typed_tags)))):
            tag = TAGS.get(fold(word))
            if tag is None:
                issues.append(warning("DEP010", where(i, "Étiquettes"), f"Étiquette « {word} » inconnue.",
                                      "Étiquettes : écoproduction, accessibilité, VHSS, inclusion."))
            else:
                tags.add(tag)
        key = account_key(account) if account and chapter_of(account) is not None and _ACCOUNT.match(account) else ""
        # Montant EUR as the formula computes it from the cells' own doubles, once: an amount typed =935*0,603-500
        # or a rate =1/0.8576 is a double no 15-digit decimal gives back; a number typed as text is the double
        # written back in its place
        typed_ht = row[at_amount] if at_amount is not None else None
        typed_rate = row[at_rate] if at_rate is not None else None
        eur = spreadsheet_round_cents((typed_ht if type(typed_ht) is float else float(amount))
                                      * (typed_rate if type(typed_rate) is float else float(rate)))
        entry = Entry(account=key, amount=amount, status=status,
                      date=day(i, row, at_date, "Date"), piece=text(row, at_piece),
                      supplier=text(row, at_supplier), label=text(row, at_label), vat=vat,
                      currency=currency, rate=rate, payment_date=day(i, row, at_payment, "Date de paiement"),
                      country=country, tags=frozenset(tags) if tags else no_tags, ledger_account=text(row, at_ledger),
                      key=text(row, at_key), row=first_row + i, eur=eur)
        out.entries.append(entry)
        out.amount_eur.append(float(eur))
        if not key and entry.amount:
            unassigned.append((first_row + i, eur))
        if entry.piece and amount:
            if entry.key:  # compared below with the typed rows, if any: two imported lines are one entry's two lines
                imported.append((entry, eur))
                continue
            ident = (entry.piece.casefold(), entry.supplier.casefold(), key, eur)
            if ident in seen:
                duplicates.append((seen[ident], first_row + i))
            else:
                seen[ident] = first_row + i
    if unassigned:
        more = len(unassigned) - 8
        rows = ", ".join(str(r) for r, _ in unassigned[:8]) + (f" et {more} autre{'s' if more > 1 else ''}"
                                                                if more > 0 else "")
        total = sum((a for _, a in unassigned), ZERO)
        col = column_letter(table.first_col + h.get("Compte devis", 0))
        issues.append(warning("DEP006", Location(book=book, sheet=table.sheet, cell=f"{col}{unassigned[0][0]}"),
                              f"{plural(len(unassigned), 'dépense')} sans compte du devis ({format_eur(total)}), au "
                              f"poste « à affecter » : {'lignes' if len(unassigned) > 1 else 'ligne'} {rows}.",
                              f"Renseignez {'leur' if len(unassigned) > 1 else 'son'} Compte devis, ou la table "
                              "Correspondances puis réimportez."))
    for e, eur in imported if seen else ():  # an invoice typed by hand that an import brought in again
        twin = seen.get((e.piece.casefold(), e.supplier.casefold(), e.account, eur))
        if twin is not None:
            duplicates.append((twin, e.row))
    # an invoice imported twice, under two entries the same day (booked twice in the accounts, or an earlier
    # import's rows under numbers the accounts have since changed): the lines of one entry or document are not
    # compared, nor a document cancelled and booked again (a line of it negative); a month's rent or instalment
    # under one document has its own date
    cancelled = {(e.piece.casefold(), e.supplier.casefold(), e.account) for e, eur in imported if eur < 0}
    first: dict[tuple[str, str, str, Decimal, dt.date | None, str], tuple[str, int]] = {}
    for e, eur in imported:
        if (e.piece.casefold(), e.supplier.casefold(), e.account) in cancelled:
            continue
        origin = e.key.rpartition("|")[0].rpartition("|")[0] if e.key.startswith("FEC|") else e.key.rpartition("|")[0]
        # payslips, one entry each under the month's document: two people paid the same are told apart by their names
        said = (e.piece.casefold(), e.supplier.casefold(), e.account, eur, e.date,
                e.label.casefold() if e.ledger_account.startswith(PAYROLL) else "")
        earlier = first.setdefault(said, (origin, e.row))
        if earlier[0] != origin:
            duplicates.append((earlier[1], e.row))
    duplicates.sort(key=lambda pair: pair[1])
    for a, b in duplicates[:20]:
        issues.append(warning("DEP016", Location(book=book, sheet=table.sheet, cell=f"A{b}"),
                              f"Même pièce, même fournisseur, même compte et même montant qu'à la ligne {a} : doublon ?",
                              "Supprimez la ligne si la facture est saisie deux fois."))
    # a formula stored without its value (a file written by a program that does not calculate) in a text column:
    # Python would read its text, the workbook its result; numbers and dates are judged where they are read
    for (i, j), marker in sorted(table.specials.items()):
        if j in texts and isinstance(marker, UncachedFormula):
            issues.append(error("DEP038", where(i, texts[j]), f"{texts[j]} : la formule ={marker} n'a pas de valeur "
                                "calculée (fichier écrit par un programme qui ne calcule pas) ; le suivi n'est pas mis à "
                                "jour.", "Ouvrez le classeur dans Excel ou LibreOffice et enregistrez-le (ses formules y "
                                "sont calculées), puis relancez."))
            out.refused = True
    return out


_TEXT_COLUMNS = ("Compte devis", "Statut", "Pays", "Devise", "Étiquettes", "Fournisseur", "Libellé", "N° pièce",
                 "Compte général")


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d", "%d/%m/%y")


def parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def read_versions(lines: RawTable | None, meta: RawTable | None, book: str, issues: list[Issue]) -> list[Version]:
    """The frozen versions, in the order of ListeVersions (the first is the initial estimate)."""
    if lines is None or meta is None:
        return []
    hm = {name: meta.headers.index(name) for name in L.VERSIONS_HEADERS if name in meta.headers}
    hl = {name: lines.headers.index(name) for name in L.INSTANTANES_HEADERS if name in lines.headers}
    if len(hl) < len(L.INSTANTANES_HEADERS) or "Nom" not in hm:
        return []
    by_name: dict[str, list[VersionLine]] = {}
    for i, row in enumerate(lines.rows):
        name = cell_text(row[hl["Version"]])
        if not name:
            continue
        parsed = parse_number(row[hl["Montant"]])
        if parsed.value is None:
            if row[hl["Montant"]] not in (None, ""):
                issues.append(error("DEP001", Location(book=book, sheet=lines.sheet,
                                                       cell=f"{column_letter(lines.first_col + hl['Montant'])}"
                                                            f"{lines.header_row + 1 + i}"),
                                    f"Instantané « {name} » : montant illisible ({row[hl['Montant']]}).",
                                    "Les instantanés sont figés : refaites-le avec xlprod snapshot."))
            continue
        account = cell_text(row[hl["Compte"]])
        by_name.setdefault(name.casefold(), []).append(VersionLine(account_key(account), cell_text(row[hl["Libellé"]]),
                                                              parsed.value))
    versions = []
    for row in meta.rows:
        name = cell_text(row[hm["Nom"]])
        if not name:
            continue

        def money(header: str, row: list[object] = row) -> Decimal:
            j = hm.get(header)
            value = parse_number(row[j]).value if j is not None else None
            return value if value is not None else ZERO

        day = row[hm["Date"]] if "Date" in hm else None
        if name.casefold() not in by_name:
            issues.append(warning("DEP026", Location(book=book, sheet=meta.sheet), f"Version « {name} » sans aucune ligne "
                                  "dans Instantanes (renommée ?) : elle compte pour 0.",
                                  "Rendez-lui son nom d'origine (celui de la colonne Version des instantanés)."))
        versions.append(Version(name=name, lines=tuple(by_name.get(name.casefold(), [])),
                                date=day.date() if isinstance(day, dt.datetime) else day if isinstance(day, dt.date)
                                else None, source=cell_text(row[hm["Devis"]]) if "Devis" in hm else "",
                                overhead=money("Frais généraux"), contingency=money("Imprévus"),
                                tax_credit_base=money("Base crédit impôt"), total=money("Total")))
    return versions


def last_version_name(meta: RawTable | None) -> str:
    """What the workbook's INDEX(ListeVersions[Nom], ROWS(...)) gives: the last row's name."""
    if meta is None or not meta.rows or "Nom" not in meta.headers:
        return ""
    return cell_text(meta.rows[-1][meta.headers.index("Nom")])
