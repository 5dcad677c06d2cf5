"""The list pages' machinery (config/listes.py, config/export.py): what it shows must not depend on how it is fetched.

A page loads its ids in the list's order, then its rows; a sort on a sum orders the ids by a grouped join; the
filters' selects are written without Django's widget templates; the export is streamed by batches. Each is
checked here against the straightforward way: the annotated queryset ordered by its annotation, ``{{ champ }}``.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db.models import Count, Q
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clauses import services_parcours
from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.filters import ParticipantFilter, PlacementFilter
from clauses.models import CritereEligibilite
from clauses.views.participants import ParticipantListe, PlacementListe
from config import definition_liste, listes
from config.listes import rendu_du_champ
from conventions.factories import DonneurDOrdreFactory
from conventions.filters import ConventionFilter, DonneurDOrdreFilter
from conventions.models import DonneurDOrdre
from conventions.views import DonneurListe
from entreprises.factories import EntrepriseFactory
from entreprises.filters import EntrepriseFilter, OperateurFilter
from entreprises.models import Entreprise
from entreprises.views import EntrepriseListe
from marches import services
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.filters import MarcheFilter
from marches.models import STATUTS_ACTIFS, StatutMarche
from marches.views import MarcheListe
from reporting.views_rapports import RapportFilter

pytestmark = pytest.mark.django_db

FILTRES = [
    ParticipantFilter,
    PlacementFilter,
    MarcheFilter,
    EntrepriseFilter,
    OperateurFilter,
    ConventionFilter,
    DonneurDOrdreFilter,
    RapportFilter,
]


def _mois(n: int) -> dt.date:
    return dt.date(2025, 1, 1) + dt.timedelta(days=31 * n)


@pytest.mark.parametrize("classe", FILTRES, ids=lambda c: c.__name__)
def test_filter_selects_are_written_as_django_renders_them(classe, facilitateur):
    donneur = DonneurDOrdreFactory(nom="Ville d'Arles & <Crau>")
    DonneurDOrdreFactory(nom='Commune "Boulbon"')
    critere = CritereEligibilite.objects.order_by("pk").first()
    requete = RequestFactory().get("/")
    requete.user = facilitateur
    valeurs = {
        "q": "<b>l'été",
        "type": "commune",
        "statut": "en_execution",
        "en_poste": "true",
        "en_cours": "false",
        "reside_qpv": "false",
        "donneur": str(donneur.pk),
        "donneur_d_ordre": str(donneur.pk),
        "facilitateur": str(facilitateur.pk),
        "mes_marches": "true",
        "critere": str(critere.pk),
        "etat": "en_vigueur",
        "annee": str(timezone.localdate().year),
        "genre": "inconnu",  # an invalid choice: the field carries aria-invalid
        "prescripteur": "999999",
    }
    for donnees in (None, valeurs):
        filtre = classe(donnees, queryset=classe._meta.model.objects.all(), request=requete)
        filtre.is_valid()
        for champ in filtre.form:
            assert rendu_du_champ(champ) == str(champ), champ.name
            # Below OPTIONS_MAX choices, the list page shows the same select.
            assert listes.rendu_du_filtre(champ, classe, QueryDict()) == str(champ), champ.name


def test_a_donneur_d_ordre_is_shown_by_its_name():
    # config.listes.LIBELLES_DES_CHOIX writes the options of a select of donneurs d'ordre from their name.
    donneur = DonneurDOrdreFactory(nom="Ville d'Arles")
    assert str(donneur) == donneur.nom


def _ordre_affiche(client, nom_url: str, tri: str, monkeypatch, vue) -> list[int]:
    """The ids of every page of the list sorted by ``tri``, pages of three rows."""
    monkeypatch.setattr(vue, "paginate_by", 3)
    ids, page = [], 1
    while True:
        reponse = client.get(reverse(nom_url), {"tri": tri, "page": page})
        assert reponse.status_code == 200
        ids += [objet.pk for objet in reponse.context["object_list"]]
        if not reponse.context["page_obj"].has_next():
            return ids
        page += 1


def _attendu(queryset, champ: str, descendant: bool) -> list[int]:
    return list(queryset.order_by(f"{'-' if descendant else ''}{champ}", "pk").values_list("pk", flat=True))


@pytest.fixture
def parcours():
    """Participants and placements with hours, some without any, several with equal totals."""
    participants = ParticipantFactory.create_batch(7)
    heures = [Decimal("35"), Decimal("120.5"), Decimal("35"), Decimal("0"), Decimal("70")]
    for i, participant in enumerate(participants[:5]):
        for j in range(i % 3 + 1):
            placement = PlacementFactory(participant=participant, date_debut=dt.date(2025, 1, 1 + j))
            if j < 2:
                HeuresMensuellesFactory(placement=placement, mois=_mois(j), heures=heures[i])
    PlacementFactory(participant=participants[5])  # a placement without hours
    return participants


@pytest.mark.parametrize("tri", ["heures", "-heures", "placements", "-placements", "nom", "-age"])
def test_participants_sorted_as_by_their_annotations(client_facilitateur, parcours, monkeypatch, tri):
    champ = ParticipantListe.definition.tris[tri.lstrip("-")]
    attendu = _attendu(
        services_parcours.participants_avec_indicateurs(timezone.localdate()),
        champ.lstrip("-"),
        tri.startswith("-") ^ champ.startswith("-"),
    )
    assert _ordre_affiche(client_facilitateur, "clauses:participants", tri, monkeypatch, ParticipantListe) == attendu


@pytest.mark.parametrize("tri", ["heures", "-heures", "-debut"])
def test_placements_sorted_as_by_their_annotations(client_facilitateur, parcours, monkeypatch, tri):
    champ = PlacementListe.definition.tris[tri.lstrip("-")]
    attendu = _attendu(services_parcours.placements_avec_heures(timezone.localdate()), champ, tri.startswith("-"))
    assert _ordre_affiche(client_facilitateur, "clauses:placements", tri, monkeypatch, PlacementListe) == attendu


@pytest.fixture
def marches_chiffres():
    """Marchés with and without a target, with equal rates, with hours on several lots and attributaires."""
    marches = MarcheFactory.create_batch(6)
    for i, marche in enumerate(marches[:5]):
        for numero in range(i % 2 + 1):
            lot = LotFactory(marche=marche, numero=str(numero + 1))
            if i != 3:  # marché 3: lots without a clause, so no target
                ClauseInsertionFactory(lot=lot, heures_forcees=[100, 200, 100, 0, 300][i])
            for _ in range(2):
                placement = PlacementFactory(attribution=AttributionFactory(lot=lot))
                HeuresMensuellesFactory(placement=placement, heures=Decimal(10 * (i + 1)))
    return marches


@pytest.mark.parametrize("tri", ["taux", "-taux", "realisees", "-realisees", "objectif", "-lots", "-cree"])
def test_marches_sorted_as_by_their_annotations(client_facilitateur, marches_chiffres, monkeypatch, tri):
    champ = MarcheListe.definition.tris[tri.lstrip("-")]
    attendu = _attendu(services.marches_avec_chiffres(), champ, tri.startswith("-"))
    assert _ordre_affiche(client_facilitateur, "marches:marches", tri, monkeypatch, MarcheListe) == attendu


@pytest.mark.parametrize("tri", ["attributions", "-attributions"])
def test_entreprises_sorted_by_their_attributions(client_facilitateur, monkeypatch, tri):
    for i, entreprise in enumerate(EntrepriseFactory.create_batch(5)):
        AttributionFactory.create_batch(i % 3, entreprise=entreprise)
    attendu = _attendu(Entreprise.objects.annotate(n=Count("attributions")), "n", tri.startswith("-"))
    assert _ordre_affiche(client_facilitateur, "entreprises:entreprises", tri, monkeypatch, EntrepriseListe) == attendu


@pytest.mark.parametrize("tri", ["marches", "-marches"])
def test_donneurs_sorted_by_their_active_marches(client_facilitateur, monkeypatch, tri):
    for i, donneur in enumerate(DonneurDOrdreFactory.create_batch(5)):
        MarcheFactory.create_batch(i % 3, donneur_d_ordre=donneur)
        MarcheFactory(donneur_d_ordre=donneur, statut=StatutMarche.SOLDE)
    attendu = _attendu(
        DonneurDOrdre.objects.annotate(n=Count("marches", filter=Q(marches__statut__in=STATUTS_ACTIFS))),
        "n",
        tri.startswith("-"),
    )
    assert _ordre_affiche(client_facilitateur, "conventions:donneurs", tri, monkeypatch, DonneurListe) == attendu


def test_export_is_streamed_by_batches_in_the_list_order(client_facilitateur, parcours, monkeypatch):
    monkeypatch.setattr(definition_liste, "TAILLE_PAQUET_EXPORT", 2)
    reponse = client_facilitateur.get(reverse("clauses:placements"), {"tri": "-heures", "format": "xlsx"})
    assert reponse.streaming
    assert reponse["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert reponse["Content-Disposition"].startswith('attachment; filename="placements-')
    feuille = load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active
    assert feuille.title == "Placements"
    lignes = list(feuille.iter_rows())
    assert [cellule.value for cellule in lignes[0]][:2] == ["Référence du participant", "Nom"]
    assert all(cellule.font.b for cellule in lignes[0])
    placements = list(services_parcours.placements_avec_heures(timezone.localdate()).order_by("-total_heures", "pk"))
    assert [ligne[0].value for ligne in lignes[1:]] == [p.participant.reference for p in placements]
    debut = lignes[1][12]
    assert debut.value == dt.datetime.combine(placements[0].date_debut, dt.time()) and debut.is_date
    assert debut.number_format == "yyyy-mm-dd"
    assert [ligne[16].value for ligne in lignes[1:]] == [float(p.total_heures) for p in placements]


# --- Past OPTIONS_MAX choices, a search field ----------------------------------------------------------------------


@pytest.fixture
def longue_liste(monkeypatch):
    monkeypatch.setattr(listes, "OPTIONS_MAX", 3)
    donneurs = [DonneurDOrdreFactory(nom=nom) for nom in ("Ville d'Arles", "Arles Habitat", "Tarascon", "Boulbon")]
    for donneur in donneurs:
        MarcheFactory(donneur_d_ordre=donneur, objet=f"Marché de {donneur.nom}")
    return donneurs


def test_a_long_filter_becomes_a_search_field(client_facilitateur, longue_liste):
    contenu = client_facilitateur.get(reverse("marches:marches"), {"statut": "en_execution"}).content.decode()
    assert 'name="recherche_donneur_d_ordre" id="id_donneur_d_ordre"' in contenu
    assert '<label class="form-label small mb-1" for="id_donneur_d_ordre">Donneur d&#x27;ordre</label>' in contenu
    assert "Boulbon" not in contenu.split("<table")[0]  # no option list in the filters
    assert 'name="statut"' in contenu and '<option value="en_execution" selected>' in contenu


def test_a_link_to_the_list_filtered_on_a_long_filter_still_works(client_facilitateur, longue_liste):
    arles = longue_liste[0]
    reponse = client_facilitateur.get(reverse("marches:marches"), {"donneur_d_ordre": arles.pk, "tri": "objet"})
    assert [m.donneur_d_ordre for m in reponse.context["object_list"]] == [arles]
    contenu = reponse.content.decode()
    assert f'<input type="hidden" name="donneur_d_ordre" value="{arles.pk}">' in contenu
    assert "<strong>Ville d&#x27;Arles</strong>" in contenu
    assert '<a href="?tri=objet" class="ms-1">Retirer' in contenu
    # Another filter's bad value does not lose the choice.
    contenu = client_facilitateur.get(
        reverse("marches:marches"), {"donneur_d_ordre": arles.pk, "statut": "inconnu"}
    ).content.decode()
    assert f'<input type="hidden" name="donneur_d_ordre" value="{arles.pk}">' in contenu


def test_suggestions_are_links_to_the_list_with_the_filter(client_facilitateur, longue_liste):
    arles, arles_habitat = longue_liste[:2]
    url = reverse("suggestions_de_filtre")
    params = {
        "filtre": "marches.filters.MarcheFilter",
        "champ": "donneur_d_ordre",
        "liste": "statut=en_execution&page=3&donneur_d_ordre=999",
        "recherche_donneur_d_ordre": "  arl ",
    }
    contenu = client_facilitateur.get(url, params).content.decode()
    assert f'href="?statut=en_execution&amp;donneur_d_ordre={arles.pk}">Ville d&#x27;Arles</a>' in contenu
    assert f'href="?statut=en_execution&amp;donneur_d_ordre={arles_habitat.pk}">Arles Habitat</a>' in contenu
    assert "Tarascon" not in contenu
    assert (
        "Aucun résultat pour « zzz »"
        in client_facilitateur.get(url, {**params, "recherche_donneur_d_ordre": "zzz"}).content.decode()
    )
    assert (
        "au moins deux lettres"
        in client_facilitateur.get(url, {**params, "recherche_donneur_d_ordre": "a"}).content.decode()
    )
    for inconnu in ({"filtre": "os.path"}, {"champ": "objet"}, {"champ": "statut"}):
        assert "<a " not in client_facilitateur.get(url, {**params, **inconnu}).content.decode()


def test_suggestions_of_facilitators_search_names_and_emails(client_facilitateur, facilitateur, monkeypatch):
    from conventions.factories import FacilitateurFactory

    autre = FacilitateurFactory(first_name="Thomas", last_name="Roux", email="t.roux@agglo.fr")
    params = {"filtre": "marches.filters.MarcheFilter", "champ": "facilitateur", "liste": ""}
    for texte in ("roux", "agglo"):
        contenu = client_facilitateur.get(
            reverse("suggestions_de_filtre"), {**params, "recherche_facilitateur": texte}
        ).content.decode()
        assert f'href="?facilitateur={autre.pk}">Thomas Roux</a>' in contenu


def test_past_the_bound_a_list_says_more_than_and_pages_through_the_first_rows(client_facilitateur, monkeypatch):
    monkeypatch.setattr(listes, "COMPTE_MAX", 120)
    EntrepriseFactory.create_batch(130)
    url = reverse("entreprises:entreprises")
    reponse = client_facilitateur.get(url)
    contenu = reponse.content.decode()
    assert reponse.context["paginator"].count == 120 and reponse.context["paginator"].depasse
    assert "Plus de 120 résultats : seuls les 120 premiers sont parcourus" in contenu
    assert "Page 1 sur plus de 3" in contenu
    derniere = client_facilitateur.get(url, {"page": 3})
    assert len(derniere.context["object_list"]) == 20 and not derniere.context["page_obj"].has_next()
    # Under the bound, the exact count.
    reponse = client_facilitateur.get(url, {"q": "zzz-introuvable"})
    assert "0 résultat" in reponse.content.decode() and not reponse.context["paginator"].depasse
    monkeypatch.setattr(listes, "COMPTE_MAX", 10_000)
    assert "130 résultats" in client_facilitateur.get(url).content.decode()
