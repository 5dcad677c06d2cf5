"""Writes of the conventions app: référents of a donneur d'ordre and their invitations, dénonciation and avenants
of a convention.

Views, the admin and future portal pages call these functions; each one checks its own rules and raises a
ValidationError keyed by field name, so that a form can show the message beside the field.
"""

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from conventions import calendrier
from conventions.emails import envoyer_apres_commit
from conventions.models import (
    Avenant,
    Convention,
    DonneurDOrdre,
    Invitation,
    Referent,
    User,
    duree_invitation,
    hacher_jeton,
)
from conventions.noms import de_avec_article

# --- Référents --------------------------------------------------------------------------------------------


def _refuser_les_comptes_du_personnel(user: User) -> None:
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
        _refuser_les_comptes_du_personnel(user)
        if Referent.objects.filter(user=user, donneur_d_ordre=donneur).exists():
            raise ValidationError({"email": f"Cette personne est déjà référente {de_avec_article(donneur.nom)}."})
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
    """Ends the membership only: the account stays, it may be référent elsewhere.

    The portal reads the memberships on every request, so the person's next portal page is refused.
    """
    referent.delete()


# --- Invitations ------------------------------------------------------------------------------------------


class InvitationInvalide(Exception):
    """The link is unknown, expired, used or cancelled; the person is not told which."""


def compte_actif(user: User | None) -> bool:
    """An account its owner can log in to; one created without a password waits for its invitation."""
    return user is not None and user.has_usable_password()


def _nouveau_jeton() -> tuple[str, str]:
    jeton = secrets.token_urlsafe(32)
    return jeton, hacher_jeton(jeton)


def _envoyer_invitation(invitation: Invitation, jeton: str, lien_absolu: Callable[[str], str]) -> None:
    compte = User.objects.filter(email=invitation.email).first()
    contexte = {
        "invitation": invitation,
        "donneur": invitation.donneur_d_ordre,
        "lien": lien_absolu(reverse("conventions:invitation", args=[jeton])),
        "compte_existant": compte_actif(compte),
        "invite_par": str(invitation.invite_par) if invitation.invite_par else "",
        "invite_par_email": invitation.invite_par.email
        if invitation.invite_par and invitation.invite_par.get_full_name()
        else "",
        "jours": duree_invitation().days,
    }
    envoyer_apres_commit("conventions/emails/invitation", [invitation.email], contexte)


@transaction.atomic
def inviter_referent(
    donneur: DonneurDOrdre,
    *,
    email: str,
    invite_par: User | None,
    lien_absolu: Callable[[str], str],
    prenom: str = "",
    nom: str = "",
    fonction: str = "",
) -> Invitation:
    """Emails a one-time link that makes the person a référent of ``donneur``; cancels their previous link.

    ``lien_absolu`` turns a path into a full URL (``request.build_absolute_uri`` in a view). The token is in
    the email only: the table keeps its hash.
    """
    email = email.strip().lower()
    # Serialises invitations to the same donneur d'ordre, so that two at once cannot both stay open.
    DonneurDOrdre.objects.select_for_update().filter(pk=donneur.pk).first()
    compte = User.objects.filter(email__iexact=email).first()
    if compte is not None:
        _refuser_les_comptes_du_personnel(compte)
        # A member whose account was created without a password may still need the link that activates it.
        if compte_actif(compte) and Referent.objects.filter(user=compte, donneur_d_ordre=donneur).exists():
            raise ValidationError({"email": f"Cette personne est déjà référente {de_avec_article(donneur.nom)}."})
    maintenant = timezone.now()
    Invitation.objects.ouvertes().filter(email=email, donneur_d_ordre=donneur).update(revoquee_le=maintenant)
    jeton, empreinte = _nouveau_jeton()
    invitation = Invitation.objects.create(
        email=email,
        donneur_d_ordre=donneur,
        prenom=prenom.strip(),
        nom=nom.strip(),
        fonction=fonction.strip(),
        invite_par=invite_par,
        token_hash=empreinte,
        envoyee_le=maintenant,
        expire_le=maintenant + duree_invitation(),
    )
    _envoyer_invitation(invitation, jeton, lien_absolu)
    return invitation


@transaction.atomic
def renvoyer_invitation(invitation: Invitation, *, lien_absolu: Callable[[str], str]) -> Invitation:
    """Sends a fresh link, valid for the full duration again; the previous link stops working."""
    jeton, empreinte = _nouveau_jeton()
    maintenant = timezone.now()
    if not (
        Invitation.objects.ouvertes()
        .filter(pk=invitation.pk)
        .update(token_hash=empreinte, envoyee_le=maintenant, expire_le=maintenant + duree_invitation())
    ):
        raise ValidationError("Cette invitation a déjà été acceptée ou annulée : elle ne peut plus être renvoyée.")
    invitation = Invitation.objects.select_related("donneur_d_ordre", "invite_par").get(pk=invitation.pk)
    _envoyer_invitation(invitation, jeton, lien_absolu)
    return invitation


def annuler_invitation(invitation: Invitation) -> bool:
    """False when it was already accepted or cancelled (nothing changes then)."""
    return bool(Invitation.objects.ouvertes().filter(pk=invitation.pk).update(revoquee_le=timezone.now()))


def invitation_valide(jeton: str) -> Invitation | None:
    """The invitation this link opens, if it still works."""
    return Invitation.objects.valides().par_jeton(jeton).select_related("donneur_d_ordre").first()


def _reclamer(invitation: Invitation) -> None:
    """Marks the invitation used, or raises InvitationInvalide if someone else just did (or it lapsed).

    A conditional UPDATE: of two acceptances at once, the second finds ``acceptee_le`` set and changes no row.
    """
    if not Invitation.objects.valides().filter(pk=invitation.pk).update(acceptee_le=timezone.now()):
        raise InvitationInvalide


def _rattacher(user: User, invitation: Invitation) -> Referent:
    donneur = invitation.donneur_d_ordre
    Invitation.objects.filter(pk=invitation.pk).update(acceptee_par=user)
    referent, _ = Referent.objects.get_or_create(
        user=user,
        donneur_d_ordre=donneur,
        defaults={"fonction": invitation.fonction, "principal": not donneur.referents.exists()},
    )
    return referent


@transaction.atomic
def accepter_invitation(invitation: Invitation, *, prenom: str, nom: str, mot_de_passe: str) -> Referent:
    """Creates the account (or activates the one created without a password) and the membership.

    ``mot_de_passe`` has passed the password validators (the form's job, as in Django's SetPasswordForm).
    An account that already has a password is not touched: its owner logs in and joins (``rejoindre_donneur``).
    """
    _reclamer(invitation)
    user = User.objects.filter(email=invitation.email).first()
    if compte_actif(user):
        raise ValidationError("Un compte existe déjà avec cette adresse : connectez-vous pour accepter l'invitation.")
    if user is None:
        user = User(email=invitation.email)
    else:
        _refuser_les_comptes_du_personnel(user)
    user.first_name, user.last_name = prenom.strip(), nom.strip()
    user.set_password(mot_de_passe)
    user.save()
    return _rattacher(user, invitation)


@transaction.atomic
def rejoindre_donneur(invitation: Invitation, user: User) -> Referent:
    """The logged-in owner of an existing account accepts: only the membership is created."""
    if user.email.lower() != invitation.email:
        raise ValidationError("Cette invitation est adressée à une autre adresse e-mail.")
    _refuser_les_comptes_du_personnel(user)
    _reclamer(invitation)
    return _rattacher(user, invitation)


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
