"""The reporting part of the demo territory: annual bilans of the Arles conventions.

clauses.demo builds the territory and sends ``territoire_demo_charge``; the bilans are reporting's models,
which clauses may not import, so they are added here.
"""

import datetime as dt

from django.dispatch import receiver

from clauses.demo.territoire import territoire_demo_charge
from conventions.models import Convention
from reporting import bilans

TEXTE_BILAN = (
    "Sur l'année écoulée, les clauses d'insertion des marchés de la Ville ont ouvert des parcours à des "
    "demandeurs d'emploi de longue durée et à des bénéficiaires du RSA, principalement par des missions "
    "d'intérim d'insertion et des contrats de professionnalisation avec le GEIQ BTP.\n\n"
    "Points d'attention : le lot de gros œuvre de l'école Jules Ferry a pris du retard au démarrage du "
    "chantier ; un point mensuel avec l'entreprise est en place. Perspectives : intégrer une clause dans le "
    "marché d'entretien des espaces verts dès son renouvellement."
)


@receiver(territoire_demo_charge)
def bilans_de_demo(sender, jour: dt.date, facilitateur, **kwargs) -> None:
    """The last complete year's bilan of the Ville d'Arles' convention, written and transmitted."""
    convention = (
        Convention.objects.filter(donneur_d_ordre__nom="Ville d'Arles", date_signature__isnull=False)
        .order_by("date_effet")
        .first()
    )
    if convention is None:
        return
    terminees = [p for p in bilans.periodes_commencees(convention, jour) if p.echeance < jour]
    if not terminees:
        return
    bilan = bilans.enregistrer_texte(convention, terminees[-1], TEXTE_BILAN)
    bilans.transmettre(bilan, facilitateur)
