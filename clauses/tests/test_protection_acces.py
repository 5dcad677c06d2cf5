"""The right of access (clauses.protection.acces): every row of every table that points to the person, found by the
test from the models' relations, is in the JSON file; their history too; the PDF for the person reads in plain
French; each download is recorded; facilitators only (the URL matrix)."""

import json

import pytest
from django.urls import reverse

from clauses.models import Participant
from clauses.protection import acces
from clauses.tests.protection_outils import (
    COMMENTAIRE_SORTIE,
    IDENTITE,
    MOTIF_PROLONGATION,
    NOTES_PLACEMENT,
    personne_complete,
)
from clauses.tests.test_protection_anonymisation import modeles_atteints
from config.models import Consultation, NatureConsultation
from reporting.tests.outils_pdf import structure_porteuse, texte_pdf

pytestmark = pytest.mark.django_db


def lignes_attendues(participant) -> dict[str, set]:
    """Label → ids of the rows that point to the person, read here from Django's fields, level by level."""
    attendues: dict[str, set] = {}
    frontiere = {Participant: {participant.pk}}
    for _ in range(4):
        suivante: dict = {}
        for modele, cles in frontiere.items():
            for champ in modele._meta.get_fields(include_hidden=True):
                if not (champ.is_relation and champ.auto_created and not champ.concrete):
                    continue
                cible = champ.related_model._meta.concrete_model
                if cible._meta.auto_created:
                    continue
                ids = set(cible._base_manager.filter(**{f"{champ.field.name}__in": cles}).values_list("pk", flat=True))
                if ids:
                    attendues.setdefault(cible._meta.label_lower, set()).update(ids)
                    suivante.setdefault(cible, set()).update(ids)
        frontiere = suivante
    return attendues


def _telecharger(client, participant, format_: str):
    reponse = client.get(reverse("clauses:participant_acces_fichier", args=[participant.pk, format_]))
    assert reponse.status_code == 200
    return reponse


def test_every_row_of_every_table_that_points_to_the_person_is_in_the_json(client_facilitateur, facilitateur):
    participant = personne_complete(facilitateur)
    attendues = lignes_attendues(participant)
    # Every kind of table the models have is exercised (protection_outils keeps a row in each).
    assert set(attendues) == {m._meta.label_lower for m in modeles_atteints(Participant)}

    reponse = _telecharger(client_facilitateur, participant, "json")
    assert reponse["Content-Type"].startswith("application/json")
    assert f'filename="donnees-{participant.reference}-' in reponse["Content-Disposition"]
    donnees = json.loads(reponse.content)
    exportees = {t["modele"]: {ligne["id"] for ligne in t["lignes"]} for t in donnees["tables"]}
    for label, ids in attendues.items():
        assert exportees.get(label, set()) >= ids, f"{label} : lignes absentes de l'export {ids - exportees[label]}"

    personne = donnees["personne"]["champs"]
    assert personne["nom"] == IDENTITE["nom"] and personne["email"] == IDENTITE["email"]
    assert {c["texte"] for c in personne["criteres"]} >= {"Bénéficiaire du RSA"} or personne["criteres"]
    placements = next(t for t in donnees["tables"] if t["modele"] == "clauses.placement")
    assert placements["lignes"][0]["champs"]["notes"] == NOTES_PLACEMENT
    assert placements["lignes_supprimees"], "le placement supprimé, connu par l'historique"
    # The history of each of these rows, the deleted placement's included; staff are not named.
    objets_historises = {(e["modele"], int(e["objet_id"])) for e in donnees["historique"]}
    assert ("clauses.participant", participant.pk) in objets_historises
    assert ("clauses.placement", placements["lignes_supprimees"][0]) in objets_historises
    assert any(e["modele"] == "clauses.sortie" for e in donnees["historique"])
    assert facilitateur.last_name not in reponse.content.decode()
    assert {e["auteur"] for e in donnees["historique"]} <= {"un facilitateur", "Clauses (traitement automatique)"}
    assert [e["titre"] for e in donnees["exports_de_listes"]] == ["Participants"]


def test_the_pdf_tells_the_person_everything_in_plain_french(client_facilitateur, facilitateur):
    structure_porteuse()
    participant = personne_complete(facilitateur)
    reponse = _telecharger(client_facilitateur, participant, "pdf")
    assert reponse["Content-Type"] == "application/pdf"
    texte = texte_pdf(reponse.content)
    for attendu in (
        "Vos données personnelles",
        f"référence {participant.reference}",
        "Votre fiche",
        IDENTITE["nom"],
        IDENTITE["email"],
        "Vos placements",
        NOTES_PLACEMENT,
        "Vos heures de travail, mois par mois",
        "Votre situation à la fin des placements",
        COMMENTAIRE_SORTIE,
        "Décisions de conserver vos données plus longtemps",
        MOTIF_PROLONGATION,
        "Documents qui vous nomment",
        "Comptages statistiques par mois",
        "Exports de listes qui vous nomment",
        "Historique des modifications",
        "Vos droits",
        "CNIL",
        "Agglomération du Pays d'Essai",
        "vos informations sont conservées jusqu'au",
    ):
        assert attendu in texte, attendu
    assert facilitateur.last_name not in texte


def test_each_download_is_a_read_of_the_log_and_the_next_export_lists_it(client_facilitateur, facilitateur):
    participant = personne_complete(facilitateur)
    client_facilitateur.get(reverse("clauses:participant", args=[participant.pk]))
    _telecharger(client_facilitateur, participant, "pdf")
    _telecharger(client_facilitateur, participant, "json")
    lectures = Consultation.objects.filter(nature=NatureConsultation.DOCUMENT).order_by("pk")
    assert [(c.utilisateur, c.objet, c.objet_id, c.reference, c.description) for c in lectures] == [
        (
            facilitateur,
            "clauses.participant",
            participant.pk,
            participant.reference,
            f"Droit d'accès : export des données de {participant.reference} (PDF)",
        ),
        (
            facilitateur,
            "clauses.participant",
            participant.pk,
            participant.reference,
            f"Droit d'accès : export des données de {participant.reference} (JSON)",
        ),
    ]
    # The next export lists the reads of the person's data: the page, then the two downloads; staff not named.
    donnees = json.loads(_telecharger(client_facilitateur, participant, "json").content)
    assert [(c["nature"], c["par"]) for c in donnees["consultations"]][:3] == [
        ("Page consultée", "un facilitateur"),
        ("Document nominatif téléchargé", "un facilitateur"),
        ("Document nominatif téléchargé", "un facilitateur"),
    ]
    texte = texte_pdf(_telecharger(client_facilitateur, participant, "pdf").content)
    assert "Qui a consulté vos données" in texte and "Page consultée" in texte


def test_the_page_offers_both_files(client_facilitateur, facilitateur):
    participant = personne_complete(facilitateur)
    page = client_facilitateur.get(reverse("clauses:participant_acces", args=[participant.pk])).content.decode()
    assert reverse("clauses:participant_acces_fichier", args=[participant.pk, "pdf"]) in page
    assert reverse("clauses:participant_acces_fichier", args=[participant.pk, "json"]) in page
    fiche = client_facilitateur.get(reverse("clauses:participant", args=[participant.pk])).content.decode()
    assert "Droit d&#x27;accès : exporter les données" in fiche or "Droit d'accès : exporter les données" in fiche
    assert acces.exporter(participant).echeance is not None
