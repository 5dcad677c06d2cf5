"""One notion of residence in a quartier prioritaire: the placement's, at hiring (issue 13 §3).

Before, a participant carried it twice: the « réside en QPV » field of their file and the eligibility criterion
« Habitant d'un quartier prioritaire de la ville (QPV) »; the territorial bilan printed both (24 and 15 people in
2026). Forward, nothing is lost:

1. a participant with the criterion but not the field gets the field (their quartier stays blank: the form asks
   for it at the next edit);
2. every existing placement takes its participant's field as its residence at hiring (the file is all that was
   known of the day of hiring);
3. the criterion is taken off the participants, then deleted (the triggers of ``reporting.cumuls.criteres`` take
   those people off ``CritereAnnuel`` in the same transaction).

Backward, the criterion comes back and goes to every participant whose file or one of whose placements says they
resided in a QPV: a superset of the people who had it (before, a resident could lack the criterion), which is the
only loss, written here.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef, Q

CODE = "qpv"
LIBELLE = "Habitant d'un quartier prioritaire de la ville (QPV)"
ORDRE = 7


def une_seule_residence(apps, schema_editor):
    Participant = apps.get_model("clauses", "Participant")
    Placement = apps.get_model("clauses", "Placement")
    CritereEligibilite = apps.get_model("clauses", "CritereEligibilite")
    Lien = Participant.criteres.through
    critere = CritereEligibilite.objects.filter(code=CODE).first()
    if critere is not None:
        Participant.objects.filter(
            Exists(Lien.objects.filter(participant_id=OuterRef("pk"), critereeligibilite_id=critere.pk)),
            reside_qpv=False,
        ).update(reside_qpv=True)
    Placement.objects.filter(participant__reside_qpv=True).update(reside_qpv=True)
    if critere is not None:
        Lien.objects.filter(critereeligibilite_id=critere.pk).delete()
        critere.delete()


def critere_retabli(apps, schema_editor):
    Participant = apps.get_model("clauses", "Participant")
    Placement = apps.get_model("clauses", "Placement")
    CritereEligibilite = apps.get_model("clauses", "CritereEligibilite")
    Lien = Participant.criteres.through
    critere, _ = CritereEligibilite.objects.get_or_create(code=CODE, defaults={"libelle": LIBELLE, "ordre": ORDRE})
    residents = Participant.objects.filter(
        Q(reside_qpv=True) | Exists(Placement.objects.filter(participant_id=OuterRef("pk"), reside_qpv=True))
    ).exclude(Exists(Lien.objects.filter(participant_id=OuterRef("pk"), critereeligibilite_id=critere.pk)))
    Lien.objects.bulk_create(
        Lien(participant_id=pk, critereeligibilite_id=critere.pk) for pk in residents.values_list("pk", flat=True)
    )


class Migration(migrations.Migration):
    dependencies = [("clauses", "0008_placement_residence_qpv_a_l_embauche")]

    operations = [migrations.RunPython(une_seule_residence, critere_retabli, elidable=False)]
