"""Writes of the conventions app: référents of a donneur d'ordre, dénonciation and avenants of a convention.

Views, the admin and future portal pages call these functions; each one checks its own rules and raises a
ValidationError keyed by field name, so that a form can show the message beside the field.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format

from conventions import calendrier
from conventions.models import Avenant, Convention, DonneurDOrdre, Referent, User

# --- Référents --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AjoutReferent:
    referent: Referent
    compte_cree: bool


@transaction.atomic
def ajouter_referent(
    donneur: DonneurDOrdre,
    *,
    email: str,
    prenom: str = "",
    nom: str = "",
    fonction: str = "",
    telephone: str = "",
    principal: bool = True,
) -> AjoutReferent:
    """Makes the person with this email a référent of ``donneur``, creating their account if needed.

    A new account gets no usable password: the person activates it through the portal's invitation.
    """
    email = email.strip().lower()
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    compte_cree = user is None
    if user is None:
        user = User(email=email, first_name=prenom.strip(), last_name=nom.strip(), telephone=telephone.strip())
        user.set_unusable_password()
        user.save()
    else:
        if user.is_facilitateur or user.is_staff or user.is_superuser:
            # A référent sees the portal of their organisation only; mixing roles on one account would
            # give the donneur d'ordre's side the facilitator's view, or hide the portal from the facilitator.
            raise ValidationError(
                {
                    "email": "Cette adresse est celle d'un compte de facilitateur ou d'administrateur. Un compte de "
                    "référent est réservé au personnel du donneur d'ordre : indiquez l'adresse de la personne "
                    "désignée par le donneur d'ordre."
                }
            )
        if Referent.objects.filter(user=user, donneur_d_ordre=donneur).exists():
            raise ValidationError({"email": f"Cette personne est déjà référente de « {donneur.nom} »."})
        # The account may belong to another donneur d'ordre's référent: fill in what is missing, never
        # overwrite what the person or another facilitator already entered.
        modifies = []
        for champ, valeur in (("first_name", prenom), ("last_name", nom), ("telephone", telephone)):
            if valeur.strip() and not getattr(user, champ):
                setattr(user, champ, valeur.strip())
                modifies.append(champ)
        if modifies:
            user.save(update_fields=modifies)
    referent = Referent.objects.create(
        user=user, donneur_d_ordre=donneur, fonction=fonction.strip(), principal=principal
    )
    return AjoutReferent(referent=referent, compte_cree=compte_cree)


def retirer_referent(referent: Referent) -> None:
    """Ends the membership only: the account stays, it may be référent elsewhere."""
    referent.delete()


# --- Dénonciation ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Denonciation:
    convention: Convention
    date_limite: dt.date  # the deadline of the period in which notice was given
    dans_les_delais: bool
    date_fin: dt.date


@transaction.atomic
def denoncer_convention(
    convention: Convention,
    *,
    date_denonciation: dt.date,
    denoncee_par: str,
    motif: str = "",
    jour: dt.date | None = None,
) -> Denonciation:
    """Records that a party refused the tacit renewal; the convention ends at the échéance this allows.

    Notice given after the deadline is still recorded: the renewal already took hold, so the convention
    runs one more period and ends at the following échéance.
    """
    jour = jour or timezone.localdate()
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.date_denonciation is not None:
        raise ValidationError(f"Cette convention a déjà été dénoncée le {date_format(convention.date_denonciation)}.")
    if convention.date_signature is None:
        raise ValidationError("Cette convention n'est pas signée : il n'y a pas de reconduction à refuser.")
    if date_denonciation < convention.date_effet:
        raise ValidationError(
            {
                "date_denonciation": "La dénonciation ne peut pas précéder la date d'effet de la convention "
                f"({date_format(convention.date_effet)})."
            }
        )
    if date_denonciation > jour:
        raise ValidationError(
            {
                "date_denonciation": "La date de dénonciation ne peut pas être dans le futur : indiquez le jour où "
                "la dénonciation a été notifiée."
            }
        )
    periode = calendrier.periode_a(
        convention.date_effet, date_denonciation, convention.duree_mois, convention.preavis_mois
    )
    convention.date_denonciation = date_denonciation
    convention.denoncee_par = denoncee_par
    convention.motif_denonciation = motif.strip()
    convention.full_clean()
    convention.save(update_fields=["date_denonciation", "denoncee_par", "motif_denonciation", "modifie_le"])
    return Denonciation(
        convention=convention,
        date_limite=periode.date_limite_denonciation,
        dans_les_delais=date_denonciation <= periode.date_limite_denonciation,
        date_fin=convention.date_fin,
    )


# --- Convention and avenants ----------------------------------------------------------------------------


def prochain_numero_avenant(convention: Convention) -> int:
    return (convention.avenants.aggregate(dernier=Max("numero"))["dernier"] or 0) + 1


@transaction.atomic
def enregistrer_convention(convention: Convention) -> list[str]:
    """Saves the convention and moves its avenants' date of effect along with a corrected calendar.

    Returns a warning for each avenant that can no longer take effect.
    """
    convention.save()
    avertissements = []
    for avenant in convention.avenants.all():
        effet = convention.periode_courante(avenant.date_signature).date_renouvellement
        if effet <= avenant.date_signature:
            avertissements.append(f"{avenant} : signé après la fin de la convention, il ne peut pas prendre effet.")
        elif effet != avenant.date_effet:
            avenant.save(update_fields=["date_effet"])
    return avertissements


def prend_effet(avenant: Avenant) -> bool:
    """False when the convention ends before the renewal the avenant waits for."""
    fin = avenant.convention.date_fin
    return fin is None or avenant.date_effet <= fin
