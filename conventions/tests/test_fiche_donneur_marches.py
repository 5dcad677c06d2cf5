"""The marchés on a donneur d'ordre's page: the latest twenty, and a link to the list for the others.

A national donneur d'ordre has thousands of marchés: rendering them all made its page take half a second.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conventions.factories import DonneurDOrdreFactory
from marches.factories import MarcheFactory
from marches.models import Marche

pytestmark = pytest.mark.django_db


def _marches(donneur, nombre: int) -> list[Marche]:
    """``nombre`` marchés of ``donneur``, created a day apart, latest first."""
    marches = MarcheFactory.create_batch(nombre, donneur_d_ordre=donneur)
    maintenant = timezone.now()
    for i, marche in enumerate(marches):
        Marche.objects.filter(pk=marche.pk).update(cree_le=maintenant - dt.timedelta(days=i))
    return marches


def _liens_vers_les_marches(contenu: str, marches: list[Marche]) -> list[Marche]:
    return [m for m in marches if f'href="{reverse("marches:marche", args=[m.pk])}"' in contenu]


def test_twenty_marches_are_all_shown_without_a_link_to_the_list(client_facilitateur):
    donneur = DonneurDOrdreFactory()
    marches = _marches(donneur, 20)
    contenu = client_facilitateur.get(reverse("conventions:donneur", args=[donneur.pk])).content.decode()
    assert _liens_vers_les_marches(contenu, marches) == marches
    assert "Voir tous les marchés" not in contenu


def test_beyond_twenty_the_latest_are_shown_with_a_link_to_the_list(
    client_facilitateur, django_assert_max_num_queries
):
    donneur = DonneurDOrdreFactory(nom="Ville d'Arles")
    marches = _marches(donneur, 25)
    MarcheFactory()  # another donneur's marché is not counted
    with django_assert_max_num_queries(7):  # the history: one query
        contenu = client_facilitateur.get(reverse("conventions:donneur", args=[donneur.pk])).content.decode()
    assert _liens_vers_les_marches(contenu, marches) == marches[:20]
    liste = f"{reverse('marches:marches')}?donneur_d_ordre={donneur.pk}"
    assert f'<a href="{liste}">Voir tous les marchés de la Ville d&#x27;Arles</a>' in contenu
    assert contenu.count("Voir tous les marchés") == 1


def test_the_link_leads_to_every_marche_of_the_donneur(client_facilitateur):
    donneur = DonneurDOrdreFactory()
    marches = _marches(donneur, 21)
    MarcheFactory()
    reponse = client_facilitateur.get(reverse("marches:marches"), {"donneur_d_ordre": donneur.pk})
    assert reponse.context["paginator"].count == len(marches)
