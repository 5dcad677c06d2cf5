"""A person with a row in every table that points to people, and their history: shared by the tests of
clauses.protection (anonymisation, access export) and reporting's purge."""

import datetime as dt
from decimal import Decimal

from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import LogEntry as EntreeAdmin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile

from clauses.factories import ClauseInsertionFactory, ParticipantFactory
from clauses.models import (
    CritereEligibilite,
    Genre,
    HeuresMensuelles,
    MomentSortie,
    Participant,
    Placement,
    ProlongationConservation,
    Situation,
    Sortie,
)
from config.audit import auteur
from config.models import ExportListe, StatutExport
from entreprises.factories import PrescripteurFactory
from marches.factories import AttributionFactory
from reporting.models import Rapport, Tache, TypeRapport

D = dt.date

# What identifies the person: none of it may remain anywhere once anonymised.
IDENTITE = {
    "nom": "Quillebœuf",
    "prenom": "Zéphyrine",
    "email": "zephyrine.quilleboeuf@exemple.fr",
    "telephone": "06 12 34 56 78",
    "identifiant_france_travail": "1234567Z",
    "commune": "Tarascon-sur-Rhône",
    "code_postal": "13150",
    "qpv": "Quartier des Ormeaux",
    "notes": "Suivie par l'assistante sociale de Tarascon.",
}
NOTES_PLACEMENT = "Entretien du 3 mars : Zéphyrine souhaite un permis B."
COMMENTAIRE_SORTIE = "Embauchée chez son oncle Quillebœuf."
EMPLOYEUR_SORTIE = "Boulangerie Quillebœuf"
MOTIF_PROLONGATION = "Contrôle de la clause par l'acheteur (dossier Quillebœuf)."
NAISSANCE = D(1987, 3, 14)


def textes_identifiants(reference: str) -> list[str]:
    """Every text the anonymisation must leave nowhere."""
    return [
        *IDENTITE.values(),
        NOTES_PLACEMENT,
        COMMENTAIRE_SORTIE,
        EMPLOYEUR_SORTIE,
        MOTIF_PROLONGATION,
        reference,
        NAISSANCE.isoformat(),
    ]


def personne_complete(facilitateur) -> Participant:
    """A person with a row in every table that points to people (the tests check that it stays so), their changes
    recorded by the audit log as a facilitator would make them, a placement deleted since, Django admin's log, a
    nominative report naming them and an export listing them."""
    clause = ClauseInsertionFactory(lot__marche__facilitateur=facilitateur)
    attribution = AttributionFactory(lot=clause.lot)
    with auteur(facilitateur):
        participant = ParticipantFactory(
            date_naissance=NAISSANCE,
            genre=Genre.FEMME,
            reside_qpv=True,
            prescripteur=PrescripteurFactory(),
            date_orientation=D(2024, 11, 4),
            **IDENTITE,
        )
        participant.criteres.set(CritereEligibilite.objects.filter(code__in=["rsa", "deld"]))
        participant.telephone = "06 99 99 99 99"
        participant.save()
        participant.telephone = IDENTITE["telephone"]
        participant.save()
        placement = Placement.objects.create(
            participant=participant,
            attribution=attribution,
            modalite="embauche_directe",
            type_contrat="cdd",
            poste="Peintre",
            date_debut=D(2025, 1, 6),
            date_fin=D(2025, 6, 30),
            notes=NOTES_PLACEMENT,
        )
        for mois in (1, 2, 3, 4, 5, 6):
            HeuresMensuelles.objects.create(placement=placement, mois=D(2025, mois, 1), heures=Decimal("100"))
        Sortie.objects.create(
            placement=placement,
            moment=MomentSortie.FIN_PARCOURS,
            date_constat=D(2025, 6, 30),
            situation=Situation.CDD_COURT,
            employeur=EMPLOYEUR_SORTIE,
            commentaire=COMMENTAIRE_SORTIE,
        )
        abandonne = Placement.objects.create(
            participant=participant,
            attribution=attribution,
            modalite="embauche_directe",
            type_contrat="cdd",
            date_debut=D(2025, 2, 1),
            notes=NOTES_PLACEMENT,
        )
        abandonne.delete()
        ProlongationConservation.objects.create(
            participant=participant,
            conserver_jusqu_au=D(2031, 12, 31),
            motif=MOTIF_PROLONGATION,
            decide_par=facilitateur,
        )
    EntreeAdmin.objects.create(
        user=facilitateur,
        content_type=ContentType.objects.get_for_model(Participant),
        object_id=str(participant.pk),
        object_repr=str(participant),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["T\\u00e9l\\u00e9phone"]}}]',
    )
    rapport = Rapport.objects.create(
        type=TypeRapport.RAPPORT_MARCHE,
        marche=clause.lot.marche,
        periode_debut=D(2025, 1, 1),
        periode_fin=D(2025, 12, 31),
        nominatif=True,
        demande_par=facilitateur,
    )
    rapport.enregistrer_fichier("rapport-nominatif.pdf", b"%PDF-1.7 Quilleboeuf Zephyrine")
    rapport.participants_cites.add(participant)
    Tache.objects.create(code="essai", cle=f"rapport:{rapport.pk}", rapport=rapport)
    export = ExportListe.objects.create(
        demande_par=facilitateur,
        vue="clauses.views.participants.ParticipantListe",
        titre="Participants",
        nom_fichier="participants.xlsx",
        lignes_prevues=1,
        statut=StatutExport.PRET,
        personnes=[participant.pk],
    )
    export.fichier.save("participants.xlsx", ContentFile(b"PK Quilleboeuf"), save=True)
    participant.refresh_from_db()
    return participant
