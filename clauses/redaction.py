"""The clause of a lot, from its terms to its text: drafting the texts for the tender documents from the admin's
templates, and writing them as .docx or PDF (the clause itself is recorded by ``clauses.services.enregistrer_clause``).

Templates use string.Template ($heures…) with safe_substitute: admins edit them, so they never reach the
Django template language, and an unknown $name stays as typed instead of failing.
"""

import datetime as dt
import io
import string
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.formats import number_format

from clauses.models import ClauseInsertion, DestinationModele, ModeleClause
from conventions.models import StructurePorteuse, TypeDonneur
from conventions.noms import avec_article, de_avec_article
from marches.models import TypeMarche

HEURES_PAR_ETP = 1600

# A contact detail missing from the admin shows as a gap to fill in, never as a dangling « au . ».
A_COMPLETER_TELEPHONE = "[téléphone à compléter]"
A_COMPLETER_EMAIL = "[e-mail à compléter]"
A_COMPLETER_ARTICLE_CCAG = "[article à compléter]"


@dataclass(frozen=True)
class OptionsRedaction:
    """What the facilitator decides for this marché while drafting, and the templates cannot know.

    ``seuils_europeens``: the marché's estimated value is at or above the European thresholds, so that since
    22 August 2026 a social or employment execution condition is mandatory (article L2112-2-1 of the Code de la
    commande publique, created by the loi Climat et résilience, art. 35) and the text says the clause meets it.
    ``deroger_plafond``: the penalties escape the cap of the CCAG the marché refers to. The CCAG 2021 cap penalties
    (delay penalties at least) at 10 % of the marché's amount excluding VAT, and a CCAP departs from a CCAG only
    by derogating explicitly from its article, listed with the CCAP's other derogations: hence ``article_ccag``,
    which the facilitator reads in the CCAG the marché refers to (the application does not guess it).
    """

    seuils_europeens: bool = False
    deroger_plafond: bool = False
    article_ccag: str = ""

    @property
    def plafond_penalites(self) -> str:
        if self.deroger_plafond:
            article = self.article_ccag.strip() or A_COMPLETER_ARTICLE_CCAG
            return (
                f"Par dérogation à l'article {article} du cahier des clauses administratives générales (CCAG) "
                "auquel se réfère le marché, le montant de ces pénalités n'est pas plafonné ; elles s'ajoutent aux "
                "autres pénalités prévues par le marché. Cette dérogation est reprise dans la liste des dérogations "
                "au CCAG du présent CCAP."
            )
        return (
            "Elles s'ajoutent aux autres pénalités prévues par le marché et sont soumises, le cas échéant, au "
            "plafond fixé par le cahier des clauses administratives générales (CCAG) auquel se réfère le marché."
        )

    @property
    def mention_seuils_europeens(self) -> str:
        if not self.seuils_europeens:
            return ""
        return (
            "Le marché ayant une valeur estimée égale ou supérieure aux seuils européens, cette condition "
            "d'exécution répond également à l'obligation, prévue à l'article L2112-2-1 du Code de la commande "
            "publique, de prendre en compte des considérations relatives au domaine social ou à l'emploi dans les "
            "conditions d'exécution du marché."
        )


# --- The European thresholds and article L2112-2-1 ----------------------------------------------------------

# Since this day, a marché at or above the European thresholds takes social or employment considerations into
# account in its execution conditions, unless one of the article's exceptions applies (L2112-2-1, created by
# the loi Climat et résilience, art. 35: « consultations engagées » from 22 August 2026).
DEBUT_L2112_2_1 = dt.date(2026, 8, 22)


@dataclass(frozen=True)
class SeuilsEuropeens:
    """The thresholds of the formalised procedures for the pouvoirs adjudicateurs, excluding VAT (annexe 2 of the
    Code de la commande publique), for consultations launched from ``debut``. The Commission revises them every
    two years (delegated regulations 2025/2150 to 2025/2152 for 2026-2027): add the next period's row here."""

    debut: dt.date
    travaux: Decimal
    fournitures_services_etat: Decimal  # « autorités publiques centrales »: the State and its services
    fournitures_services: Decimal  # every other pouvoir adjudicateur (collectivités, their établissements…)


SEUILS_EUROPEENS = (
    SeuilsEuropeens(dt.date(2024, 1, 1), Decimal("5538000"), Decimal("143000"), Decimal("221000")),
    SeuilsEuropeens(dt.date(2026, 1, 1), Decimal("5404000"), Decimal("140000"), Decimal("216000")),
)


def seuils_europeens(jour: dt.date) -> SeuilsEuropeens:
    """The thresholds in force on ``jour`` (the latest known after their period, until the next row is added)."""
    en_vigueur = [s for s in SEUILS_EUROPEENS if s.debut <= jour]
    return en_vigueur[-1] if en_vigueur else SEUILS_EUROPEENS[0]


def seuil_europeen(type_marche: str, type_donneur: str, jour: dt.date) -> Decimal:
    """The threshold of a marché of ``type_marche`` (marches.TypeMarche) bought by a donneur d'ordre of
    ``type_donneur`` (conventions.TypeDonneur). Travaux have one threshold; fournitures and services a lower one
    for the State. The entités adjudicatrices' higher thresholds (networks: water, energy, transport) are not
    told apart: the donneurs d'ordre's kinds do not say whether a purchase is made for such an activity."""
    seuils = seuils_europeens(jour)
    if type_marche == TypeMarche.TRAVAUX:
        return seuils.travaux
    return seuils.fournitures_services_etat if type_donneur == TypeDonneur.ETAT else seuils.fournitures_services


# --- French number formats -------------------------------------------------------------------------------


def nombre(valeur: Decimal | int | float, decimales_max: int = 2) -> str:
    """1000000 → « 1 000 000 », 7.5 → « 7,5 », 32.50 → « 32,5 »: no trailing zeros."""
    valeur = Decimal(valeur).quantize(Decimal(1).scaleb(-decimales_max), rounding=ROUND_HALF_UP).normalize()
    decimales = max(0, -valeur.as_tuple().exponent)
    return number_format(valeur, decimales, force_grouping=True)


@dataclass(frozen=True)
class Calcul:
    montant_ht: Decimal
    part_main_oeuvre: Decimal
    taux_insertion: Decimal
    cout_horaire: Decimal
    heures: int

    @property
    def formule(self) -> str:
        return (
            f"{nombre(self.montant_ht, 0)} € × {nombre(self.part_main_oeuvre)} % × {nombre(self.taux_insertion)} % "
            f"÷ {nombre(self.cout_horaire)} €/h = {nombre(self.heures)} h"
        )

    @property
    def etp(self) -> Decimal:
        return (Decimal(self.heures) / HEURES_PAR_ETP).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def equivalent_etp(self) -> str:
        return f"≈ {number_format(self.etp, 2)} ETP ({nombre(HEURES_PAR_ETP)} h)"


_UNITES = (
    "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize "
    "dix-sept dix-huit dix-neuf"
).split()
_DIZAINES = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante", 8: "quatre-vingt"}


def _moins_de_cent(n: int) -> str:
    if n < 20:
        return _UNITES[n]
    dizaine, unite = divmod(n, 10)
    if dizaine in (7, 9):  # soixante-dix…, quatre-vingt-dix…
        base, reste = _DIZAINES[dizaine - 1], 10 + unite
        liaison = " et " if reste == 11 and dizaine == 7 else "-"
        return f"{base}{liaison}{_UNITES[reste]}"
    base = _DIZAINES[dizaine]
    if unite == 0:
        return base + ("s" if dizaine == 8 else "")
    if unite == 1 and dizaine != 8:
        return f"{base} et un"
    return f"{base}-{_UNITES[unite]}"


def _moins_de_mille(n: int, final: bool) -> str:
    centaines, reste = divmod(n, 100)
    mots = []
    if centaines:
        mot = "cent" if centaines == 1 else f"{_UNITES[centaines]} cent"
        # « deux cents » but « deux cent trois », and « quatre-vingt » before « mille »: the s only at the end.
        if centaines > 1 and reste == 0 and final:
            mot += "s"
        mots.append(mot)
    if reste:
        texte = _moins_de_cent(reste)
        if not final and texte.endswith("quatre-vingts"):
            texte = texte[:-1]
        mots.append(texte)
    return " ".join(mots)


def en_lettres(n: int) -> str:
    """A whole number in French words (traditional spelling): 833 → « huit cent trente-trois »."""
    if n < 0:
        return "moins " + en_lettres(-n)
    if n == 0:
        return "zéro"
    millions, reste = divmod(n, 1_000_000)
    milliers, unites = divmod(reste, 1000)
    mots = []
    if millions:
        mots.append(f"{_moins_de_mille(millions, True)} million{'s' if millions > 1 else ''}")
    if milliers:
        mots.append("mille" if milliers == 1 else f"{_moins_de_mille(milliers, False)} mille")
    if unites:
        mots.append(_moins_de_mille(unites, True))
    return " ".join(mots)


# --- Drafting ---------------------------------------------------------------------------------------------


def variables(
    clause: ClauseInsertion, facilitateur, structure: StructurePorteuse, options: OptionsRedaction | None = None
) -> dict[str, str]:
    """What each $name of a template becomes for this clause."""
    options = options or OptionsRedaction()
    lot = clause.lot
    marche = lot.marche
    heures = clause.heures_objectif
    part_qpv = f"{nombre(clause.part_qpv_minimum)} %" if clause.part_qpv_minimum else ""
    return {
        "heures": nombre(heures),
        "heures_lettres": en_lettres(heures),
        "lot": f"lot n° {lot.numero} « {lot.intitule} »",
        "marche": marche.objet,
        "reference": marche.reference,
        "donneur": marche.donneur_d_ordre.nom,
        # « L'acheteur, la Ville d'Arles, a inscrit… »: the bare name reads as a label inside a sentence.
        "le_donneur": avec_article(marche.donneur_d_ordre.nom),
        "du_donneur": de_avec_article(marche.donneur_d_ordre.nom),
        "structure": structure.nom,
        "facilitateur": (facilitateur.get_full_name() or facilitateur.email)
        if facilitateur
        else "[facilitateur à compléter]",
        "email_facilitateur": (facilitateur.email if facilitateur else "") or structure.email or A_COMPLETER_EMAIL,
        "telephone_facilitateur": (facilitateur.telephone if facilitateur else "")
        or structure.telephone
        or A_COMPLETER_TELEPHONE,
        "telephone_structure": structure.telephone or A_COMPLETER_TELEPHONE,
        "part_qpv": part_qpv,
        "mention_qpv": (
            f"Au moins {part_qpv} de ces heures sont réalisées par des habitants des quartiers prioritaires de la "
            "politique de la ville."
            if part_qpv
            else ""
        ),
        "taux_insertion": f"{nombre(clause.taux_insertion)} %",
        "plafond_penalites": options.plafond_penalites,
        "mention_seuils_europeens": options.mention_seuils_europeens,
        "article": "",
    }


def textes_proposes(
    clause: ClauseInsertion, facilitateur, structure: StructurePorteuse, options: OptionsRedaction | None = None
) -> dict[str, str]:
    """One text per destination, from the active templates of the clause's modalities (and the common ones)."""
    valeurs = variables(clause, facilitateur, structure, options)
    modalites = list(clause.modalites.all())
    modeles = (
        ModeleClause.objects.filter(actif=True)
        .filter(Q(modalite__isnull=True) | Q(modalite__in=modalites))
        .select_related("modalite")
        .order_by("modalite__ordre", "code")
    )
    textes: dict[str, list[str]] = {d: [] for d in DestinationModele.values}
    for modele in modeles:
        article = modele.modalite.article if modele.modalite else ""
        rendu = string.Template(modele.texte).safe_substitute(valeurs, article=article)
        textes[modele.destination].append(_nettoyer(rendu))
    return {destination: "\n\n".join(morceaux) for destination, morceaux in textes.items()}


def _nettoyer(texte: str) -> str:
    """Drops the double spaces and trailing blanks an empty variable leaves behind."""
    lignes = [" ".join(ligne.split()) for ligne in texte.splitlines()]
    return "\n".join(lignes).strip()


@dataclass(frozen=True)
class Document:
    """What is downloaded: the texts as the facilitator edited them on the page."""

    titre: str
    sous_titre: str
    sections: list[tuple[str, str]]  # (heading, text)
    structure: StructurePorteuse
    date: dt.date

    @staticmethod
    def paragraphes(texte: str) -> list[tuple[str, bool]]:
        """(line, is a heading) for each non-empty line.

        Headings follow the drafting convention of the default templates: « Article X – … », « X.1 – … », and
        the first line of each block (blocks are separated by an empty line) when it reads as a title.
        """
        lignes = []
        debut_de_bloc = True
        for ligne in texte.splitlines():
            ligne = ligne.strip()
            if not ligne:
                debut_de_bloc = True
                continue
            court = len(ligne) < 120 and not ligne.endswith((".", ":", ";", ","))
            premier_mot = ligne.split(" ", 1)[0]
            numerote = ligne.startswith("Article ") or ("." in premier_mot and not premier_mot.endswith("."))
            lignes.append((ligne, court and (debut_de_bloc or numerote)))
            debut_de_bloc = False
        return lignes


def document_docx(document: Document) -> bytes:
    from docx import Document as Docx
    from docx.shared import Pt

    docx = Docx()
    style = docx.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10.5)
    docx.core_properties.title = document.titre
    docx.core_properties.author = document.structure.nom
    docx.add_heading(document.titre, level=0)
    docx.add_paragraph(document.sous_titre)
    for intitule, texte in document.sections:
        if not texte.strip():
            continue
        docx.add_heading(intitule, level=1)
        for ligne, intertitre in document.paragraphes(texte):
            if intertitre:
                docx.add_heading(ligne, level=2)
            else:
                docx.add_paragraph(ligne)
    sortie = io.BytesIO()
    docx.save(sortie)
    return sortie.getvalue()


def document_pdf(document: Document) -> bytes:
    from weasyprint import HTML

    structure = document.structure
    logo = Path(structure.logo.path).as_uri() if structure.logo else None
    sections = [(intitule, document.paragraphes(texte)) for intitule, texte in document.sections if texte.strip()]
    html = render_to_string(
        "reporting/pdf/clause.html",
        {"document": document, "sections": sections, "structure": structure, "logo": logo},
    )
    return HTML(string=html, base_url="/").write_pdf()
