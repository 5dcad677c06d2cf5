"""Anonymising a person (clauses.protection.anonymisation): identity gone everywhere, the audit log included; what the
figures count kept; the birth date generalised without moving anyone across an age band; every field of every table
that points to people classified; the facilitator's erasure with its reason."""

import datetime as dt
import json
import random

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.models import LogEntry as EntreeAdmin
from django.urls import reverse

from clauses.models import (
    LIMITES_D_AGE,
    CauseAnonymisation,
    HeuresMensuelles,
    Participant,
    Placement,
    ProlongationConservation,
    Sortie,
)
from clauses.protection import anonymisation, relations
from clauses.protection.anonymisation import Seuils, naissance_generalisee
from clauses.tests.protection_outils import (
    COMMENTAIRE_SORTIE,
    IDENTITE,
    personne_complete,
    textes_identifiants,
)
from config.models import ExportListe
from conventions.calendrier import add_months
from reporting.models import Rapport

pytestmark = pytest.mark.django_db

D = dt.date


# --- Every table that points to people: found by the test itself, every field classified -------------------------


def modeles_atteints(depart, profondeur: int = relations.PROFONDEUR) -> set:
    """The models whose rows point to ``depart`` (and so on), enumerated here from Django's fields, not from
    clauses.protection.relations, which these tests check."""
    atteints, frontiere = set(), {depart}
    for _ in range(profondeur):
        suivante = set()
        for modele in frontiere:
            for champ in modele._meta.get_fields(include_hidden=True):
                if champ.is_relation and champ.auto_created and not champ.concrete:
                    cible = champ.related_model._meta.concrete_model
                    if cible._meta.auto_created or cible in atteints:
                        continue  # the table of a many-to-many field: its values are the field's
                    suivante.add(cible)
        atteints |= suivante
        frontiere = suivante
    return atteints


def test_the_complete_person_has_a_row_in_every_table_that_points_to_people(facilitateur):
    """If a model added later points to a person, this fails until protection_outils gives the person a row in it:
    the anonymisation and the access export then have to handle it (the tests below)."""
    participant = personne_complete(facilitateur)
    trouves = relations.rattaches(Participant, [participant.pk])
    manquants = {m._meta.label_lower for m in modeles_atteints(Participant)} - {
        m._meta.label_lower for m in trouves.presents
    }
    assert not manquants, f"Tables qui pointent vers une personne sans ligne dans personne_complete : {manquants}"


def test_every_field_of_every_table_that_points_to_people_is_classified():
    non_classes = {
        modele._meta.label_lower: champs
        for modele in modeles_atteints(Participant) | {Participant}
        if (champs := anonymisation.champs_non_classes(modele))
    }
    assert not non_classes, (
        "Champs dont l'anonymisation ne dit rien (EFFACES, GENERALISES, CONSERVES ou SUPPRIMES dans "
        f"clauses/protection/anonymisation.py) : {non_classes}"
    )


def test_the_classification_sees_a_field_left_out(monkeypatch):
    monkeypatch.setitem(anonymisation.CONSERVES, "clauses.sortie", {"id": "clé"})
    assert "situation" in anonymisation.champs_non_classes(Sortie)


# --- What the anonymisation does ------------------------------------------------------------------------------


def test_identity_contact_address_and_notes_go_what_figures_count_stays(
    facilitateur, django_capture_on_commit_callbacks
):
    participant = personne_complete(facilitateur)
    export = ExportListe.objects.get()
    rapport = Rapport.objects.get(nominatif=True)
    ancienne_reference = participant.reference
    placement = participant.placements.get()
    avant_placement = Placement.objects.filter(pk=placement.pk).values().get()
    heures_avant = list(HeuresMensuelles.objects.filter(placement=placement).values_list("mois", "heures"))
    criteres = set(participant.criteres.values_list("code", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        assert anonymisation.anonymiser([participant.pk], cause=CauseAnonymisation.CONSERVATION, motif="Échue.")

    participant.refresh_from_db()
    for champ, valeur in anonymisation.EFFACES["clauses.participant"].items():
        assert getattr(participant, champ) == valeur, champ
    assert participant.reference.startswith("ANON-") and participant.reference != ancienne_reference
    assert participant.date_naissance in (D(1987, 1, 1), D(1987, 3, 1))
    assert participant.genre == "femme" and participant.reside_qpv is True
    assert set(participant.criteres.values_list("code", flat=True)) == criteres
    assert participant.anonymise_le is not None and participant.cause_anonymisation == "conservation"
    assert str(participant) == f"Personne anonymisée {participant.reference}"
    # The placement keeps everything but its notes, the residence at hiring included; the hours are untouched.
    apres_placement = Placement.objects.filter(pk=placement.pk).values().get()
    assert apres_placement.pop("notes") == ""
    avant_placement.pop("notes")
    apres_placement.pop("modifie_le"), avant_placement.pop("modifie_le")
    assert apres_placement == avant_placement
    assert list(HeuresMensuelles.objects.filter(placement=placement).values_list("mois", "heures")) == heures_avant
    sortie = Sortie.objects.get(placement=placement)
    assert (sortie.employeur, sortie.commentaire, sortie.situation) == ("", "", "cdd_moins_6_mois")
    assert ProlongationConservation.objects.get(participant=participant).motif == ""
    # The nominative report and the export naming the person are gone, files included.
    assert not Rapport.objects.filter(nominatif=True).exists()
    assert not ExportListe.objects.exists()
    assert not export.fichier.storage.exists(export.fichier.name)
    assert not rapport.fichier.storage.exists(rapport.fichier.name)


def test_a_second_anonymisation_does_nothing(facilitateur):
    participant = personne_complete(facilitateur)
    assert anonymisation.anonymiser([participant.pk], cause=CauseAnonymisation.CONSERVATION, motif="x")
    participant.refresh_from_db()
    reference = participant.reference
    assert anonymisation.anonymiser([participant.pk], cause=CauseAnonymisation.CONSERVATION, motif="y") == []
    participant.refresh_from_db()
    assert participant.reference == reference and participant.motif_anonymisation == "x"


def test_no_identity_is_left_in_the_audit_logs(facilitateur):
    participant = personne_complete(facilitateur)
    cherches = textes_identifiants(participant.reference) + ["1987-03-14", "Zéphyrine Quillebœuf"]
    objets = anonymisation.objets_par_modele([participant.pk])
    entrees_avant = LogEntry.objects.count()

    def journal_en_texte() -> str:
        lignes = [
            json.dumps(
                [e.object_repr, e.changes, e.changes_text, e.serialized_data, e.additional_data],
                default=str,
                ensure_ascii=False,
            )
            for e in LogEntry.objects.all()
        ]
        lignes += [f"{e.object_repr} {e.change_message}" for e in EntreeAdmin.objects.all()]
        return "\n".join(lignes)

    # The log held the identity (so the test can see it go): the name, the notes, the deleted placement's notes.
    assert IDENTITE["nom"] in journal_en_texte() and COMMENTAIRE_SORTIE in journal_en_texte()
    assert objets["clauses.placement"] - set(Placement.objects.values_list("pk", flat=True)), "placement supprimé"

    anonymisation.anonymiser([participant.pk], cause=CauseAnonymisation.CONSERVATION, motif="Échue.")

    texte = journal_en_texte()
    restes = [t for t in cherches if t.lower() in texte.lower()]
    assert not restes, f"Identité restée dans l'historique : {restes}"
    # The history is kept (who changed what and when), with the anonymisation on top of it; the update that changed
    # only the telephone number twice has nothing left to say and is gone.
    participant.refresh_from_db()
    assert LogEntry.objects.count() >= entrees_avant - 2
    derniere = LogEntry.objects.filter(object_id=participant.pk, content_type__model="participant").latest("pk")
    assert derniere.changes["cause_anonymisation"] == ["", "conservation"]
    assert EntreeAdmin.objects.get().object_repr == str(participant)


# --- The birth date ------------------------------------------------------------------------------------------


def _tranche(naissance: dt.date, fin: dt.date) -> str:
    """reporting.indicateurs.personnes._tranche_d_age, in Python."""
    jeune, senior = LIMITES_D_AGE
    if naissance > add_months(fin, -12 * jeune):
        return "moins_26"
    if naissance > add_months(fin, -12 * senior):
        return "26_49"
    return "50_plus"


def _fins_de_mois(debut: dt.date, fin: dt.date) -> list[dt.date]:
    return anonymisation._fins_de_mois(debut, fin)


def test_a_birth_date_far_from_every_bound_becomes_the_first_of_january():
    fins = Seuils(_fins_de_mois(D(2024, 1, 1), D(2027, 12, 31)))
    assert naissance_generalisee(D(1990, 6, 15), D(2025, 1, 1), fins) == D(1990, 1, 1)
    # Never counted (no hours): the year.
    assert naissance_generalisee(D(2000, 6, 15), None, fins) == D(2000, 1, 1)


def test_turning_26_while_counted_keeps_the_month():
    fins = Seuils(_fins_de_mois(D(2024, 1, 1), D(2027, 12, 31)))
    # 26 on 15 June 2026, counted from January 2025: the 1st of January would make them 26 at the end of January.
    assert naissance_generalisee(D(2000, 6, 15), D(2025, 1, 1), fins) == D(2000, 6, 1)


def test_a_period_ending_within_the_month_keeps_the_days_it_needs():
    fins = Seuils(sorted({*_fins_de_mois(D(2024, 1, 1), D(2027, 12, 31)), D(2026, 6, 10)}))
    # A report ended on 10 June 2026: on that day the person was 25; born on the 11th would still say so.
    assert naissance_generalisee(D(2000, 6, 15), D(2025, 1, 1), fins) == D(2000, 6, 11)


def test_the_generalised_date_never_changes_a_band_at_any_published_end():
    hasard = random.Random(17)
    fins_possibles = _fins_de_mois(D(2015, 1, 1), D(2035, 12, 31))
    for _ in range(400):
        fins = sorted(set(fins_possibles) | {D(2015, 1, 1) + dt.timedelta(days=hasard.randrange(7300))})
        seuils = Seuils(fins)
        naissance = D(1960, 1, 1) + dt.timedelta(days=hasard.randrange(50 * 365))
        premier = D(2015, 1, 1) + dt.timedelta(days=hasard.randrange(6000))
        generalisee = naissance_generalisee(naissance, premier, seuils)
        assert generalisee.year == naissance.year and generalisee <= naissance
        for fin in fins:
            if fin >= premier:
                assert _tranche(generalisee, fin) == _tranche(naissance, fin), (naissance, premier, fin)


# --- The facilitator's erasure ---------------------------------------------------------------------------------


def test_erasure_needs_its_reason_and_records_it(client_facilitateur, facilitateur):
    participant = personne_complete(facilitateur)
    url = reverse("clauses:participant_effacement", args=[participant.pk])
    assert "Effacer (anonymiser)" in client_facilitateur.get(url).content.decode()

    sans_motif = client_facilitateur.post(url, {"confirmation": "on"})
    assert sans_motif.status_code == 200
    assert "Indiquez le motif de l&#x27;effacement" in sans_motif.content.decode()
    participant.refresh_from_db()
    assert not participant.est_anonymise and participant.nom == IDENTITE["nom"]

    sans_confirmation = client_facilitateur.post(url, {"motif": "Demande reçue le 2 mars."})
    assert sans_confirmation.status_code == 200
    participant.refresh_from_db()
    assert not participant.est_anonymise

    reponse = client_facilitateur.post(url, {"motif": "Demande reçue le 2 mars.", "confirmation": "on"})
    assert reponse.status_code == 302 and reponse["Location"] == reverse("clauses:participant", args=[participant.pk])
    participant.refresh_from_db()
    assert participant.est_anonymise and participant.nom == anonymisation.NOM_ANONYME
    assert participant.cause_anonymisation == CauseAnonymisation.EFFACEMENT
    assert participant.motif_anonymisation == "Demande reçue le 2 mars."
    assert participant.anonymise_par == facilitateur
    entree = LogEntry.objects.filter(content_type__model="participant", object_id=participant.pk).latest("pk")
    assert entree.actor == facilitateur and entree.changes["motif_anonymisation"][1] == "Demande reçue le 2 mars."
    page = client_facilitateur.get(reverse("clauses:participant", args=[participant.pk])).content.decode()
    assert "Personne anonymisée" in page and "Demande reçue le 2 mars." in page and IDENTITE["nom"] not in page
    # An anonymised file is not edited again, nor erased twice.
    assert (
        client_facilitateur.get(reverse("clauses:participant_modification", args=[participant.pk])).status_code == 404
    )
    assert client_facilitateur.get(url).status_code == 302
