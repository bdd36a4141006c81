"""What an import did, said: the summary a user reads (lines read, reconciled to the file's debit,
new, updated, already present, à affecter, refused) and the warnings about the rows it left alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from xlprod.core.cells import cell_text, from_serial
from xlprod.core.issues import Issue, error, warning
from xlprod.core.location import Location
from xlprod.core.money import ZERO, format_eur, french_number
from xlprod.core.text import plural
from xlprod.kinds.depenses import layout as L
from xlprod.kinds.depenses.correspondences import Proposal, shown_label
from xlprod.kinds.depenses.model import EURO
from xlprod.workbook.port import WorkbookPort


@dataclass
class ImportSummary:
    file: str
    detection: str
    lines_read: int = 0
    debit_total: Decimal = ZERO
    credit_total: Decimal = ZERO
    selected: int = 0  # expense lines
    selected_debit: Decimal = ZERO
    selected_credit: Decimal = ZERO
    other_debit: Decimal = ZERO  # lines read that are not expenses (VAT, suppliers, banks)
    excluded_debit: Decimal = ZERO  # of which charges left out: the closing's (68, 69), or a correspondence's « exclu »
    rejected: int = 0  # lines not imported: in error, or of an entry in error
    rejected_debit: Decimal = ZERO
    uncounted: int = 0  # of the rejected lines, those whose amounts cannot be read: in no total, the file's either
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    unassigned: int = 0
    unassigned_amount: Decimal = ZERO
    changes: list[str] = field(default_factory=list)  # what a corrected re-export changed
    absent: list[int] = field(default_factory=list)  # rows of an earlier import, within this file's span, not in it
    foreign: list[int] = field(default_factory=list)  # file lines in a foreign currency, without a country
    kept: list[str] = field(default_factory=list)  # cells holding a formula a corrected export would have changed
    currencies: dict[str, Decimal] = field(default_factory=dict)  # a CSV's expenses in another currency, as given
    # (cell, its devis account, the one the file gives or the mapping gives it, whether the file gave it)
    other_account: list[tuple[str, str, str, bool]] = field(default_factory=list)
    renumbered: list[tuple[int, str, str]] = field(default_factory=list)  # (row, entry number before, in this file)
    split: list[tuple[tuple[int, ...], Decimal, Decimal]] = field(default_factory=list)  # (rows, file's, their sum)
    left_out: list[int] = field(default_factory=list)  # rows imported before on accounts now left out of the expenses
    # (a row whose amount the file changes, the rows of its document without a key, their sum with it, the file's
    # amount): a split whose copies lost their key?
    unkeyed: list[tuple[int, tuple[int, ...], Decimal, Decimal]] = field(default_factory=list)
    # (a row whose amount the file corrects, the rows of its document without a key and with other labels, the new
    # amount): taken, and said, as those rows may be parts of it relabelled
    beside: list[tuple[int, tuple[int, ...], Decimal]] = field(default_factory=list)
    unsettled: list[tuple[int, str]] = field(default_factory=list)  # rows « payé » (and cell) the accounts leave unsettled
    # ledger accounts no correspondence names, of the rows left « à affecter » -> (rows, their euros); the FEC's
    # label of each account (a CSV's: its first line's); where they were proposed in Correspondances; the accounts
    # proposed before whose Compte devis is still blank -> their row there
    unmapped: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    account_labels: dict[str, str] = field(default_factory=dict)
    proposal: Proposal | None = None
    waiting: dict[str, int] = field(default_factory=dict)
    waiting_column: str = "A"
    no_account: int = 0  # rows left « à affecter » without a ledger account: no correspondence can place them
    unmatched: dict[str, str] = field(default_factory=dict)  # account with label texts -> a label none of them is in
    # a CSV's lines on third-party, VAT or treasury accounts, imported -> (lines, amount); the documents of the lines
    # « exclu » left out (their rows imported before are said)
    not_expenses: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    left_documents: set[str] = field(default_factory=set)
    issues: list[Issue] = field(default_factory=list)
    # the keys of the rows the file no longer has, of the rows it took, of every row: what the history keeps
    keys: tuple[list[str], set[str], set[str]] = field(default_factory=lambda: ([], set(), set()))

    def render(self) -> str:
        accounted = self.selected_debit + self.other_debit + self.rejected_debit
        check = "= celui du fichier" if accounted == self.debit_total else f"≠ celui du fichier ({format_eur(self.debit_total)})"
        if self.uncounted:  # the file's own total is then not known: say which lines it leaves out
            check += (f", hors {plural(self.uncounted, 'ligne')} au montant illisible (mal écrit, colonnes décalées ou "
                      f"ligne coupée), {'comptée' if self.uncounted == 1 else 'comptées'} nulle part")
        lines = [f"{self.file} : {self.detection}",
                 f"  {plural(self.lines_read, 'ligne lue', 'lignes lues')} ; débit {format_eur(self.debit_total)}, "
                 f"crédit {format_eur(self.credit_total)}",
                 f"  {plural(self.selected, 'ligne')} de dépenses (débit {format_eur(self.selected_debit)} − crédit "
                 f"{format_eur(self.selected_credit)} = {format_eur(self.selected_debit - self.selected_credit)}) ; "
                 f"autres lignes : débit {format_eur(self.other_debit)} ; écartées (en erreur) : {self.rejected}, débit "
                 f"{format_eur(self.rejected_debit)} ; débit total {format_eur(accounted)} {check}",
                 f"  importées : {plural(self.added, 'nouvelle')}, {plural(self.updated, 'mise à jour', 'mises à jour')}, "
                 f"{plural(self.unchanged, 'déjà présente', 'déjà présentes')} ; "
                 f"à affecter : {self.unassigned} ({format_eur(self.unassigned_amount)})"]
        if self.excluded_debit:
            lines.insert(3, f"  dont charges hors suivi (clôture 68, 69, ou « exclu » dans Correspondances) : débit "
                            f"{format_eur(self.excluded_debit)}")
        if self.currencies:  # the euros above count them at their line's rate, as Montant EUR does
            shown = ", ".join(f"{format_eur(v).removesuffix('€').strip()} {c}" for c, v in sorted(self.currencies.items()))
            lines.insert(3, f"  dont en devises : {shown}, comptées en euros au taux de change de leur ligne")
        lines += [f"  • {c}" for c in self.changes[:20]]
        if len(self.changes) > 20:
            lines.append(f"  • … et {plural(len(self.changes) - 20, 'autre modification', 'autres modifications')}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "detection": self.detection, "lines_read": self.lines_read,
                "debit_total": f"{self.debit_total:.2f}", "credit_total": f"{self.credit_total:.2f}",
                "expense_lines": self.selected, "expense_debit": f"{self.selected_debit:.2f}",
                "expense_credit": f"{self.selected_credit:.2f}", "other_debit": f"{self.other_debit:.2f}",
                "excluded_debit": f"{self.excluded_debit:.2f}",
                "rejected_lines": self.rejected, "rejected_debit": f"{self.rejected_debit:.2f}",
                "unreadable_amount_lines": self.uncounted,
                "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "unassigned": self.unassigned,
                "unassigned_amount": f"{self.unassigned_amount:.2f}", "changes": self.changes,
                "absent_rows": self.absent, "left_out_rows": self.left_out,
                "unsettled_paid_rows": [r for r, _ in self.unsettled],
                "renumbered_rows": [{"row": r, "entry_before": a, "entry": b} for r, a, b in self.renumbered],
                "currencies": {c: f"{v:.2f}" for c, v in sorted(self.currencies.items())},
                "issues": [i.to_json() for i in self.issues]}


def say(summary: ImportSummary, book: WorkbookPort, file_name: str) -> None:
    where = Location(book=book.book_name, sheet=L.SHEET_DEPENSES)
    if summary.kept:
        shown = ", ".join(summary.kept[:10]) + (" …" if len(summary.kept) > 10 else "")
        summary.issues.append(warning("DEP034", where.at(summary.kept[0]), f"{len(summary.kept)} cellule(s) à formule "
                                      f"que le fichier corrigé modifierait, laissées telles quelles : {shown}.",
                                      "Comparez-les au fichier ; remplacez la formule par la valeur si le fichier a "
                                      "raison."))
    if summary.rejected:
        unread = f", sans {summary.uncounted} au montant illisible" if summary.uncounted else ""
        summary.issues.append(error("DEP033", Location(book=file_name), f"{summary.rejected} ligne(s) non importée(s) "
                                    f"(débit {format_eur(summary.rejected_debit)}{unread}) : en erreur, ou d'une "
                                    "écriture en erreur (voir les messages DEP1xx).", "Corrigez-les dans la comptabilité, "
                                    "exportez à nouveau et réimportez : le reste n'est pas ajouté deux fois."))
    if summary.unassigned:
        summary.issues.append(_unassigned(summary, where))
    if summary.not_expenses:
        accounts = sorted(summary.not_expenses)
        n = sum(c for c, _ in summary.not_expenses.values())
        total = sum((t for _, t in summary.not_expenses.values()), ZERO)
        shown = ", ".join(f"{a} ({format_eur(summary.not_expenses[a][1])})" for a in accounts[:8]) + (
            f" et {plural(len(accounts) - 8, 'autre')}" if len(accounts) > 8 else "")
        summary.issues.append(warning(
            "DEP051", Location(book=file_name),
            f"{plural(n, 'ligne')} du CSV sur des comptes de tiers, de TVA ou de trésorerie (classes 4 et 5), qui ne "
            f"sont pas des charges, {'importées comme dépenses' if n > 1 else 'importée comme dépense'} "
            f"({format_eur(total)}) : {shown}.",
            "Si le fichier est un journal (une paie ou un achat exporté entier), ce sont les contreparties et la TVA des "
            "charges : elles faussent le suivi. Ajoutez à Correspondances une ligne par compte avec « exclu » comme "
            "compte du devis, puis réimportez : elles seront laissées hors des dépenses, et les lignes déjà importées "
            "dites (DEP043) pour que vous les supprimiez. Si ce sont des dépenses, donnez-leur un compte du devis dans "
            "Correspondances."))
    if summary.absent:
        shown = ", ".join(str(n) for n in summary.absent[:10]) + (" …" if len(summary.absent) > 10 else "")
        which = ("de ce journal, de cette période et de numéros d'écriture compris dans ce fichier" if
                 summary.detection.startswith("FEC") else "de pièces que ce fichier a encore, au-delà de ses lignes")
        gone = "n'y sont plus" if len(summary.absent) > 1 else "n'y est plus"
        summary.issues.append(warning("DEP031", where.at(f"A{summary.absent[0]}"),
                                      f"{plural(len(summary.absent), 'ligne')} d'un import précédent, {which}, {gone} : "
                                      f"{'lignes' if len(summary.absent) > 1 else 'ligne'} {shown}. "
                                      f"{'Elles restent comptées' if len(summary.absent) > 1 else 'Elle reste comptée'}.",
                                      "Vérifiez-les avec la comptabilité (écriture annulée ou renumérotée ?)."))
    if summary.left_out:
        n = len(summary.left_out)
        shown = ", ".join(str(r) for r in summary.left_out[:10]) + (" …" if n > 10 else "")
        summary.issues.append(warning("DEP043", where.at(f"A{summary.left_out[0]}"),
                                      f"{plural(n, 'ligne importée', 'lignes importées')} avant sur des comptes que "
                                      f"l'import laisse désormais hors des dépenses (clôture 68, 69, ou « exclu » dans "
                                      f"Correspondances) : {'lignes' if n > 1 else 'ligne'} {shown}. "
                                      f"{'Elles restent comptées' if n > 1 else 'Elle reste comptée'}.",
                                      ("Supprimez-les du tableau Dépenses si elles n'y ont pas leur place : "
                                       "l'import ne les ramène plus.") if n > 1 else
                                      ("Supprimez-la du tableau Dépenses si elle n'y a pas sa place : l'import ne la "
                                       "ramène plus.")))
    for r, twins, total, said in summary.unkeyed[:5]:
        listed = ", ".join(map(str, twins))
        many = len(twins) > 1
        lost = "des parts ont perdu leur clé" if many else "une part a perdu sa clé"
        sums = (f"ensemble, le montant du fichier, {format_eur(total)}" if total == said else
                f"ensemble {format_eur(total)}, quand le fichier corrigé dit {format_eur(said)}")
        summary.issues.append(warning("DEP047", where.at(f"A{r}"),
                                      f"Ligne {r} et {'lignes' if many else 'ligne'} {listed} (sans clé d'import, même "
                                      f"pièce, même compte général et même libellé) : {sums}. Une écriture répartie "
                                      f"dont {lost} ? Montants laissés tels quels.",
                                      f"Recopiez la clé d'import de la ligne {r} sur {'les lignes' if many else 'la ligne'} "
                                      f"{listed} : l'import les traitera en répartition"
                                      + (" (et dira l'écart à reporter)" if total != said else "") +
                                      f". Si c'est une autre dépense, corrigez le montant de la ligne {r} à la main."))
    if len(summary.unkeyed) > 5:
        rest = summary.unkeyed[5:]
        shown = ", ".join(str(r) for r, *_ in rest[:20]) + (" …" if len(rest) > 20 else "")
        summary.issues.append(warning("DEP047", where.at(f"A{rest[0][0]}"),
                                      f"{plural(len(rest), 'autre ligne', 'autres lignes')} dont le fichier change le "
                                      "montant alors que des lignes de sa pièce, de même libellé, n'ont pas de clé "
                                      "d'import : lignes "
                                      f"{shown}. Montants laissés tels quels.",
                                      "Voyez les cinq premières ci-dessus : même cas, même remède."))
    if summary.beside:
        n = len(summary.beside)
        shown = " ; ".join(f"ligne {r} → {format_eur(a)} (lignes sans clé {', '.join(map(str, t))})"
                           for r, t, a in summary.beside[:5]) + (f" ; et {plural(n - 5, 'autre')}" if n > 5 else "")
        summary.issues.append(warning("DEP049", where.at(f"A{summary.beside[0][0]}"),
                                      f"{plural(n, 'montant corrigé', 'montants corrigés')} par le fichier sur "
                                      f"{'des lignes' if n > 1 else 'une ligne'} dont la pièce et le compte général "
                                      f"ont aussi des lignes sans clé d'import : {shown}. Si ces lignes sont des parts "
                                      "d'une écriture répartie, le montant compte deux fois.",
                                      "Si c'est une répartition, recopiez la clé d'import sur ses parts et remettez "
                                      "les montants ; sinon (une dépense à part sous la même pièce), rien à faire."))
    if summary.unsettled:
        n = len(summary.unsettled)
        shown = ", ".join(str(r) for r, _ in summary.unsettled[:10]) + (" …" if n > 10 else "")
        summary.issues.append(warning("DEP046", where.at(summary.unsettled[0][1]),
                                      f"{plural(n, 'ligne')} « payé » dans Dépenses dont la facture n'est pas lettrée "
                                      f"dans la comptabilité (non réglée selon le fichier) : "
                                      f"{'lignes' if n > 1 else 'ligne'} {shown}. Le statut est gardé.",
                                      "Rien à faire si le paiement est parti (le comptable le lettrera) ; sinon "
                                      "remettez le statut à « facturé » : le payé et la trésorerie en dépendent."))
    if summary.split:
        n = len(summary.split)
        shown = " ; ".join(f"lignes {', '.join(map(str, r))} : le fichier dit {format_eur(a)}, ces lignes "
                           f"{format_eur(t)}" for r, a, t in summary.split[:5]) + (
            f" ; et {plural(n - 5, 'autre')}" if n > 5 else "")
        summary.issues.append(warning("DEP042", where.at(f"A{summary.split[0][0][0]}"),
                                      f"{plural(n, 'écriture répartie', 'écritures réparties')} par vous sur plusieurs "
                                      f"lignes (même clé d'import) dont le fichier corrigé change le montant : {shown}. "
                                      "Les lignes sont laissées telles quelles.",
                                      "Reportez l'écart sur vos lignes réparties : xlprod ne sait pas comment le "
                                      "répartir."))
    if summary.renumbered:
        n = len(summary.renumbered)
        shown = ", ".join(f"ligne {r} ({a} → {b})" for r, a, b in summary.renumbered[:5]) + (
            f", et {plural(n - 5, 'autre')}" if n > 5 else "")
        summary.issues.append(warning("DEP040", where.at(f"A{summary.renumbered[0][0]}"),
                                      f"{plural(n, 'ligne déjà importée', 'lignes déjà importées')} sous un autre numéro "
                                      f"d'écriture, {'reprises' if n > 1 else 'reprise'} sous celui du fichier (même "
                                      f"date, même compte, même pièce et même montant, ou presque) plutôt "
                                      f"qu'{'ajoutées' if n > 1 else 'ajoutée'} une seconde fois : {shown}.",
                                      "Rien à faire si la comptabilité a validé ou renuméroté ses écritures. Si ce sont "
                                      "deux achats distincts (même date, montant et pièce), ajoutez celui qui manque à "
                                      "la main dans Dépenses."))
    for from_file, source, says in ((False, "la table Correspondances", "la table dit"), (True, "le fichier",
                                                                                       "le fichier dit")):
        others = [o for o in summary.other_account if o[3] is from_file]
        if not others:
            continue
        cell, typed, mapped, _ = others[0]
        n = len(others)
        more = f", et {plural(n - 1, 'autre')}" if n > 1 else ""
        kept_as = "gardées telles quelles" if n > 1 else "gardée telle quelle"
        summary.issues.append(warning("DEP039", where.at(cell),
                                      f"{plural(n, 'ligne déjà importée', 'lignes déjà importées')} sur un autre compte "
                                      f"du devis que {source} ({cell} : {typed}, {says} {mapped}{more}) : {kept_as}.",
                                      f"Si {source.replace('la table Correspondances', 'la table')} a raison (une "
                                      f"{'correspondance' if not from_file else 'imputation'} corrigée), videz le "
                                      "Compte devis de ces lignes et réimportez : il y sera mis ; sinon, rien à faire."))
    if summary.foreign:
        shown = ", ".join(str(n) for n in summary.foreign[:10]) + (" …" if len(summary.foreign) > 10 else "")
        where_lines = f"{'lignes' if len(summary.foreign) > 1 else 'ligne'} {shown}"
        summary.issues.append(warning("DEP032", Location(book=f"{file_name}:{summary.foreign[0]}"),
                                      f"{len(summary.foreign)} écriture(s) en devise ({where_lines}) : le FEC ne dit pas "
                                      "le pays de la dépense, comptée en France (montant en euros de la comptabilité).",
                                      "Renseignez la colonne Pays de ces dépenses, ou un Pays pour leur compte dans la "
                                      "table Correspondances, puis réimportez."))


def shown_value(value: object, field_name: str = "", currency: str = "") -> str:
    """A value as the change list shows it; an amount in its currency (pounds are no euros)."""
    if value in (None, ""):
        return "(vide)"
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and field_name in ("date", "payment_date"):
        return f"{from_serial(value):%d/%m/%Y}"
    if isinstance(value, float) and field_name in ("amount", "vat"):
        shown = format_eur(Decimal(str(value)))
        return shown if currency.upper() in ("", EURO) else f"{shown.removesuffix('€').strip()} {currency.upper()}"
    if isinstance(value, float):
        return french_number(Decimal(str(value)))
    return str(value)


def key_change(old: object, new: object) -> str:
    """A row's import key changed, and nothing else: said as what a user knows, the entry's number."""
    before, after = cell_text(old).split("|"), cell_text(new).split("|")
    if before[0] == after[0] == "FEC" and len(before) > 2 and len(after) > 2 and before[2] != after[2]:
        return f"N° d'écriture {before[2]} → {after[2]}"
    return "clé d'import mise à jour"


def _accounts(accounts: list[str]) -> str:
    return ", ".join(accounts[:8]) + (f" et {plural(len(accounts) - 8, 'autre')}" if len(accounts) > 8 else "")


def _unassigned(summary: ImportSummary, where: Location) -> Issue:
    """DEP030: the rows left « à affecter », and where their accounts wait for a devis account."""
    n = summary.unassigned
    said = (f"{plural(n, 'écriture')} sans correspondance vers un compte du devis "
            f"({format_eur(summary.unassigned_amount)}) : au poste « à affecter ».")
    at = where
    new, proposal = sorted(summary.unmapped), summary.proposal
    if new and proposal is not None and proposal.added is not None:
        at = proposal.added
        first, last = proposal.first_row, proposal.last_row
        cells = f"lignes {first} à {last}" if last > first else f"ligne {first}"
        said += (f" {'Leurs comptes généraux' if len(new) > 1 else 'Son compte général'} ({_accounts(new)}) "
                 f"{'sont ajoutés' if len(new) > 1 else 'est ajouté'} à la table Correspondances ({cells}), "
                 "Compte devis vide.")
    elif new and proposal is not None and proposal.blocked is not None:
        at = proposal.blocked
        failed = "n'ont pas pu être ajoutés" if len(new) > 1 else "n'a pas pu être ajouté"
        said += (f" {'Leurs comptes généraux' if len(new) > 1 else 'Son compte général'} ({_accounts(new)}) {failed} "
                 f"à la table Correspondances : {proposal.why}.")
    waiting = sorted(summary.waiting)
    if waiting:
        at = at if at is not where else Location(book=where.book, sheet=L.SHEET_CORRESPONDANCES,
                                                  cell=f"{summary.waiting_column}{summary.waiting[waiting[0]]}")
        places = sorted(set(summary.waiting.values()))
        rows = ", ".join(str(n) for n in places[:8]) + (" …" if len(places) > 8 else "")
        said += (f" {'Les comptes' if len(waiting) > 1 else 'Le compte'} {_accounts(waiting)} "
                 f"{'attendent' if len(waiting) > 1 else 'attend'} dans Correspondances un Compte devis "
                 f"({'lignes' if len(places) > 1 else 'ligne'} {rows}).")
    if summary.unmatched:
        accounts = sorted(summary.unmatched)
        said += (f" Aucun texte de « Libellé contient » ne se trouve dans des libellés "
                 f"{'des comptes' if len(accounts) > 1 else 'du compte'} {_accounts(accounts)} (« "
                 f"{shown_label(summary.unmatched[accounts[0]])} »).")
    if summary.no_account:
        said += (f" {plural(summary.no_account, 'ligne')} sans compte général : aucune correspondance ne peut "
                 f"{'les' if summary.no_account > 1 else 'la'} placer.")
    one = len(new) + len(waiting) == 1
    if proposal is not None and proposal.blocked is not None and new:
        hint = ("Libérez les lignes sous la table Correspondances (retirez sa ligne de totaux, défusionnez les "
                f"cellules), ou ajoutez-y {'ce compte' if len(new) == 1 else 'ces comptes'} à la main avec "
                f"{'son' if len(new) == 1 else 'leur'} Compte devis, puis réimportez le même fichier : rien n'est "
                "ajouté deux fois.")
    elif new or waiting:
        hint = (f"Indiquez le Compte devis {'de ce compte' if one else 'de ces comptes'} dans Correspondances, et le "
                "Pays des dépenses faites à l'étranger (vide : la France) ; un compte qui couvre plusieurs lignes du "
                "devis (une paie sur 6411) : une ligne par texte de « Libellé contient ». Puis réimportez le même "
                f"fichier : {'ses' if one else 'leurs'} écritures y seront affectées, rien n'est ajouté deux fois.")
    else:
        hint = ("Renseignez leur Compte devis dans Dépenses ; un CSV peut le donner dans sa colonne Compte devis, ou "
                "son compte général (colonne nommée au champ account de ColonnesImport), que Correspondances place.")
    return warning("DEP030", at, said, hint)
