"""The attacker test of the disclosure policy (``reporting.diffusion``): every figure about people a référent can
obtain for its donneur d'ordre, solved as an integer program (``attaquant``); no masked figure may have a single
possible value. Over every donneur d'ordre of the demo, and over generated small populations (1 to 12 people)."""

import datetime as dt
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from clauses.demo import charger_demo
from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory, SortieFactory
from clauses.models import CritereEligibilite, Genre, NiveauQualification, Situation, TypeContrat
from conventions.factories import ConventionFactory, DonneurDOrdreFactory, ReferentFactory
from conventions.models import Convention, DonneurDOrdre
from entreprises.factories import EntrepriseFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import Marche, StatutMarche
from reporting import diffusion
from reporting.bilans import mois_du_bilan
from reporting.demandes_rapports import DemandePortailForm, periode_du_bilan, periode_du_marche
from reporting.documents import bilan_annuel, produire, rapport_marche, rapport_periodique
from reporting.indicateurs import Periode
from reporting.models import BilanAnnuel, Rapport, TypeRapport
from reporting.tests.attaquant import Attaquant, effectif, lire, statistiques
from reporting.tests.outils_pdf import normaliser, structure_porteuse, texte_pdf
from reporting.views import ChoixAnneeForm

D = dt.date


def _zeros_masques() -> bool:
    return getattr(diffusion, "ZEROS_MASQUES", False)


def _entier(texte) -> int:
    nature, n = lire(texte)
    assert nature == "exact", texte
    return n


def recueillir(donneur: DonneurDOrdre, client, jour: dt.date) -> Attaquant:
    """Everything about people the référent of ``donneur`` can read or ask for, on ``jour``."""
    attaquant = Attaquant(donneur, _zeros_masques())
    client.force_login(ReferentFactory(donneur_d_ordre=donneur).user)

    for annee, _ in ChoixAnneeForm(annee_courante=jour.year).annees:
        reponse = client.get(reverse("portail:statistiques"), {"annee": annee})
        assert reponse.status_code == 200
        periode, stats = reponse.context["periode"], reponse.context["statistiques"]
        statistiques(attaquant, periode.debut, periode.fin, stats, stats.tableaux, f"statistiques {annee}")

    accueil = client.get(reverse("portail:accueil")).context
    annee = Periode.annee(jour.year)
    statistiques(
        attaquant,
        annee.debut,
        annee.fin,
        SimpleNamespace(personnes=accueil["personnes"]),
        [SimpleNamespace(cle="contrat", repartition=accueil["contrats"])],
        "accueil",
    )

    formulaire = DemandePortailForm(donneur=donneur, jour=jour)
    for valeur, _ in formulaire.fields["annee_convention"].choices:
        if not valeur:
            continue
        pk, numero = valeur.split("-")
        convention = Convention.objects.get(pk=pk)
        debut, fin = periode_du_bilan(convention, int(numero), jour)
        rapport = Rapport(
            type=TypeRapport.BILAN_ANNUEL,
            convention=convention,
            donneur_d_ordre=donneur,
            periode_debut=debut,
            periode_fin=fin,
        )
        contexte = bilan_annuel.contexte(rapport)
        # A bilan counts the months that end within its convention year (bilans.mois_du_bilan).
        mois = mois_du_bilan(debut, fin)
        statistiques(
            attaquant, mois.debut, mois.fin, contexte["statistiques"], contexte["tableaux"], f"bilan PDF {debut}"
        )
    for bilan in BilanAnnuel.objects.for_donneur(donneur).transmis():
        stats = client.get(reverse("portail:bilan", args=[bilan.pk])).context["statistiques"]
        mois = mois_du_bilan(bilan.periode_debut, bilan.periode_fin)
        statistiques(attaquant, mois.debut, mois.fin, stats, stats.tableaux, f"bilan {bilan.periode_debut}")

    for debut, fin in formulaire.periodes.values():
        rapport = Rapport(
            type=TypeRapport.RAPPORT_PERIODIQUE, donneur_d_ordre=donneur, periode_debut=debut, periode_fin=fin
        )
        contexte = rapport_periodique.contexte(rapport)
        source = f"rapport {debut:%Y-%m}"
        annee = D(fin.year, 1, 1)
        for cle, famille, periode in (
            ("personnes_periode", "personnes", (debut, fin)),
            ("contrats_periode", "contrats", (debut, fin)),
            ("personnes_annee", "personnes", (annee, fin)),
            ("contrats_annee", "contrats", (annee, fin)),
        ):
            if cle in contexte:
                effectif(attaquant, famille, *periode, contexte[cle], source)
        if "statistiques" in contexte:
            debut_stats, fin_stats = contexte["periode_statistiques"]
            stats = contexte["statistiques"]
            statistiques(attaquant, debut_stats, fin_stats, stats, stats.tableaux, source)

    for marche in Marche.objects.for_donneur(donneur):
        _copie_de_marche(attaquant, marche, jour)
    return attaquant


def _copie_de_marche(attaquant: Attaquant, marche: Marche, jour: dt.date) -> None:
    """The donneur's copy of a marché report over its default period; the facilitator's copy gives the truth."""
    periode = Periode(*periode_du_marche(marche, jour))
    copie = rapport_marche.contenu(marche, periode, nominatif=False, aujourd_hui=jour)
    vraie = rapport_marche.contenu(marche, periode, nominatif=True, aujourd_hui=jour)
    source = f"marché {marche.pk}"
    d, f = periode.debut, periode.fin
    for famille, texte, exact in (
        (f"marche{marche.pk}-personnes", copie.personnes, vraie.personnes),
        (f"marche{marche.pk}-contrats", copie.nombre_contrats, vraie.nombre_contrats),
    ):
        attaquant.vraies[attaquant.population(famille, d, f)] = _entier(exact)
        if texte is not None:
            attaquant.publier(attaquant.population(famille, d, f), texte, source)
    personnes, contrats = f"marche{marche.pk}-personnes", f"marche{marche.pk}-contrats"
    lots = []
    for i, (publie, exact) in enumerate(zip(copie.lots, vraie.lots, strict=True)):
        attaquant.vraies[(personnes, d, f, "lot", str(i))] = _entier(exact.personnes)
        attaquant.vraies[(contrats, d, f, "lot", str(i))] = _entier(exact.contrats_commences)
        attaquant.majorees.append(((personnes, d, f, "lot", str(i)), attaquant.population(personnes, d, f)))
        lots.append((contrats, d, f, "lot", str(i)))
        if publie.personnes is not None:
            attaquant.publier((personnes, d, f, "lot", str(i)), publie.personnes, source)
        if publie.contrats_commences is not None:
            attaquant.publier((contrats, d, f, "lot", str(i)), publie.contrats_commences, source)
    attaquant.sommes.append((attaquant.population(contrats, d, f), lots))
    types = [(contrats, d, f, "contrat", code) for code in TypeContrat.values]
    exacts = {ligne.code: _entier(ligne.effectif) for ligne in vraie.contrats}
    for cle in types:
        attaquant.vraies[cle] = exacts.get(cle[4], 0)
    attaquant.sommes.append((attaquant.population(contrats, d, f), types))
    publies = {ligne.code: ligne.effectif for ligne in copie.contrats}
    if copie.contrats:
        for cle in types:
            attaquant.publier(cle, publies.get(cle[4], "0"), source)


def _rapport(fuites) -> str:
    return "\n".join(str(f) for f in fuites)


# --- The demo territory --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_masked_figure_of_the_demo_can_be_worked_out(client):
    jour = timezone.localdate()
    charger_demo()
    toutes, publiees, masquees = {}, 0, 0
    for donneur in DonneurDOrdre.objects.order_by("nom"):
        attaquant = recueillir(donneur, client, jour)
        publiees += len(attaquant.publications)
        masquees += sum(lire(p.texte)[0] in ("petit", "secret") for p in attaquant.publications)
        fuites = attaquant.fuites()
        if fuites:
            toutes[donneur.nom] = fuites
    assert not toutes, "\n".join(f"{nom} :\n{_rapport(f)}" for nom, f in toutes.items())
    # The attacker had figures to work on, masked ones among them: else this test could not fail.
    print(f"démo : {publiees} chiffres publiés, dont {masquees} masqués")
    assert publiees > 500 and masquees > 20, (publiees, masquees)


# --- Generated small populations -----------------------------------------------------------------------------

JOUR_GENERE = D(2026, 9, 15)


def population_generee(graine: int) -> DonneurDOrdre:
    """A donneur d'ordre with one convention (starting on a random day), one marché and 1 to 12 people with random
    gender, birth date, qualification, residence, criteria, contracts, hours and exits over 2025–2026."""
    hasard = random.Random(graine)
    donneur = DonneurDOrdreFactory(nom=f"Donneur généré {graine}")
    ConventionFactory(
        donneur_d_ordre=donneur,
        numero=f"CI-G-{graine}",
        date_effet=D(2024, hasard.randint(1, 12), hasard.choice((1, 15, 28))),
    )
    marche = MarcheFactory(donneur_d_ordre=donneur, statut=StatutMarche.EN_EXECUTION)
    lots = [
        LotFactory(marche=marche, numero=str(n + 1), date_debut=D(2025, 1, 1), date_fin=D(2026, 12, 31))
        for n in range(hasard.randint(1, 2))
    ]
    attributions = [AttributionFactory(lot=lot, entreprise=EntrepriseFactory()) for lot in lots]
    criteres = list(CritereEligibilite.objects.all())
    for _ in range(hasard.randint(1, 12)):
        participant = ParticipantFactory(
            genre=hasard.choice(Genre.values),
            date_naissance=D(hasard.randint(1965, 2004), hasard.randint(1, 12), 1),
            niveau_qualification=hasard.choice(NiveauQualification.values),
            reside_qpv=hasard.random() < 0.3,
        )
        if criteres:
            participant.criteres.set(hasard.sample(criteres, hasard.randint(0, min(2, len(criteres)))))
        debut = D(2025, 1, 1) + dt.timedelta(days=hasard.randint(0, 600))
        placement = PlacementFactory(
            participant=participant,
            attribution=hasard.choice(attributions),
            type_contrat=hasard.choice(TypeContrat.values),
            date_debut=debut,
        )
        mois = D(debut.year, debut.month, 1)
        for _ in range(hasard.randint(1, 6)):
            if mois > JOUR_GENERE:
                break
            HeuresMensuellesFactory(placement=placement, mois=mois, heures=Decimal(hasard.randint(10, 150)))
            mois = D(mois.year + mois.month // 12, mois.month % 12 + 1, 1)
        if hasard.random() < 0.4:
            constat = min(mois, JOUR_GENERE)
            SortieFactory(placement=placement, date_constat=constat, situation=hasard.choice(Situation.values))
    return donneur


# Three in every run (a few seconds each); forty with -m lent.
GRAINES = [*range(3), *(pytest.param(g, marks=pytest.mark.lent) for g in range(3, 40))]


@pytest.mark.time_machine("2026-09-15T12:00+02:00")
@pytest.mark.django_db
@pytest.mark.parametrize("graine", GRAINES)
def test_no_masked_figure_of_a_small_population_can_be_worked_out(client, graine):
    donneur = population_generee(graine)
    fuites = recueillir(donneur, client, JOUR_GENERE).fuites()
    assert not fuites, _rapport(fuites)


@pytest.mark.time_machine("2026-09-15T12:00+02:00")
@pytest.mark.django_db
def test_the_pdf_prints_what_the_attacker_reads(client):
    """End to end: a real bilan PDF (WeasyPrint, read back) prints every figure about people its context holds,
    the figures the attacker solves; twelve people over the calendar year 2025, so that tables are published."""
    hasard = random.Random(42)
    structure_porteuse()
    donneur = DonneurDOrdreFactory(nom="Donneur du PDF")
    convention = ConventionFactory(donneur_d_ordre=donneur, numero="CI-PDF", date_effet=D(2025, 1, 1))
    lot = LotFactory(
        marche=MarcheFactory(donneur_d_ordre=donneur, statut=StatutMarche.EN_EXECUTION),
        date_debut=D(2025, 1, 1),
        date_fin=D(2025, 12, 31),
    )
    attribution = AttributionFactory(lot=lot)
    for i in range(12):
        participant = ParticipantFactory(
            genre=Genre.FEMME if i < 9 else Genre.HOMME,
            date_naissance=D(hasard.randint(1965, 2004), 6, 1),
            niveau_qualification=hasard.choice(NiveauQualification.values),
            reside_qpv=i < 2,
        )
        placement = PlacementFactory(
            participant=participant,
            attribution=attribution,
            type_contrat=TypeContrat.CDD if i < 10 else TypeContrat.CDI,
            date_debut=D(2025, 3, 1),
        )
        HeuresMensuellesFactory(placement=placement, mois=D(2025, 3, 1), heures=Decimal(100))
    rapport = Rapport(
        type=TypeRapport.BILAN_ANNUEL,
        convention=convention,
        donneur_d_ordre=donneur,
        periode_debut=D(2025, 1, 1),
        periode_fin=D(2025, 12, 31),
    )
    contexte = bilan_annuel.contexte(rapport)
    texte = texte_pdf(produire(rapport).contenu)

    assert "12 personnes en parcours" in texte
    assert normaliser(diffusion.PHRASE) in texte
    publiees = 0
    for tableau in contexte["tableaux"]:
        for ligne in tableau.repartition.lignes:
            assert normaliser(f"{ligne.libelle} {ligne.effectif}") in texte, (tableau.cle, ligne)
            publiees += 1
    assert publiees > 10  # the tables are published, so this checks something
    genre = contexte["statistiques"].tableau("genre").repartition
    assert [(ligne.libelle, ligne.effectif) for ligne in genre.lignes] == [("Femme", "9"), ("Homme", "3")]
    assert not recueillir(donneur, client, JOUR_GENERE).fuites()
