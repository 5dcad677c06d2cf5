import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from entreprises.factories import EntrepriseFactory, siret_n
from entreprises.models import Entreprise
from entreprises.validators import normaliser_siret, siret_valide, valider_naf, valider_siret


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # a real head office
        "35600000000048",  # La Poste's head office
        "35600000049837",  # a La Poste establishment: not Luhn-valid, digits sum to a multiple of 5
    ],
)
def test_valid_sirets(siret):
    assert siret_valide(siret)
    valider_siret(siret)


@pytest.mark.parametrize("siret", ["73282932000075", "7328293200007", "7328293200007A", "", "35600000049838"])
def test_invalid_sirets(siret):
    assert not siret_valide(siret)


def test_messages_are_french_and_name_the_value():
    with pytest.raises(ValidationError, match="14 chiffres"):
        valider_siret("1234")
    with pytest.raises(ValidationError, match="clé de contrôle") as excinfo:
        valider_siret("73282932000075")
    assert "73282932000075" in excinfo.value.messages[0]


def test_typed_spaces_are_accepted():
    assert normaliser_siret("732 829 320 00074") == "73282932000074"
    valider_siret("732 829 320 00074")


def test_factory_sirets_are_valid_and_distinct():
    sirets = {siret_n(n) for n in range(2000)}
    assert len(sirets) == 2000
    assert all(siret_valide(s) for s in sirets)


@pytest.mark.parametrize(("naf", "ok"), [("43.34Z", True), ("4334Z", False), ("43.34z", False), ("", False)])
def test_naf(naf, ok):
    if ok:
        valider_naf(naf)
    else:
        with pytest.raises(ValidationError):
            valider_naf(naf)


@pytest.mark.django_db
class TestEntreprise:
    def test_siret_is_unique_in_the_database(self):
        e = EntrepriseFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Entreprise.objects.create(raison_sociale="Doublon", siret=e.siret)

    def test_siret_is_stored_without_spaces(self):
        e = EntrepriseFactory(siret="732 829 320 00074")
        assert Entreprise.objects.get(pk=e.pk).siret == "73282932000074"

    def test_database_refuses_a_malformed_siret(self):
        e = EntrepriseFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Entreprise.objects.filter(pk=e.pk).update(siret="ABC")

    def test_full_clean_reports_a_bad_key(self):
        e = EntrepriseFactory.build(siret="73282932000075")
        with pytest.raises(ValidationError) as excinfo:
            e.full_clean()
        assert "siret" in excinfo.value.message_dict

    def test_search_by_siret_or_name(self):
        a = EntrepriseFactory(raison_sociale="Peintures du Rhône")
        b = EntrepriseFactory(raison_sociale="Maçonnerie Camarguaise")
        assert list(Entreprise.objects.recherche("rhône")) == [a]
        assert list(Entreprise.objects.recherche(b.siret[:9])) == [b]
