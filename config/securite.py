"""Login throttling: who is trying (address and e-mail), and the page a locked-out person sees; throttling of
password reset e-mails and of anything else counted per client in the cache (`compter`).

django-axes calls these functions (settings AXES_*_CALLABLE): it counts failures per (address, e-mail) pair
and, past five, answers every attempt of that pair with ``reponse_verrouillage`` until the cool-off ends.
"""

import hashlib
import ipaddress
import logging
from datetime import timedelta

import redis
from django.conf import settings
from django.contrib.auth.views import PasswordResetConfirmView, PasswordResetView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

# Django's name for the "forgotten password" page (django.contrib.auth.urls and the project's own URLs).
URL_REINITIALISATION = "password_reset"


def adresse_ip_client(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or the one our own reverse proxies put in X-Forwarded-For.

    Only the last CLAUSES_PROXIES_DE_CONFIANCE entries of X-Forwarded-For were written by proxies we run; the
    entries before them come from the client and may be forged, so they are never read.
    """
    adresse = request.META.get("REMOTE_ADDR")
    proxies = settings.CLAUSES_PROXIES_DE_CONFIANCE
    if proxies > 0:
        chaine = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(chaine) >= proxies:
            adresse = chaine[-proxies]
    return _adresse_valide(adresse)


def _adresse_valide(adresse: str | None) -> str | None:
    if not adresse:
        return None
    try:
        return str(ipaddress.ip_address(adresse))
    except ValueError:
        return None


def identifiant_connexion(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The e-mail typed in the login form, as the user model stores it (trimmed, lower case).

    Without this, « Camille@… » and « camille@… » would each get their own five attempts.
    """
    if credentials:
        valeur = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        valeur = getattr(request, "POST", {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if not valeur:
        return None
    return str(valeur).strip().lower()


def duree_en_francais(duree: timedelta) -> str:
    """1 h → « 1 heure »; 90 min → « 1 heure et 30 minutes »; 15 min → « 15 minutes »."""
    minutes = int(duree.total_seconds() // 60)
    heures, minutes = divmod(minutes, 60)
    morceaux = []
    if heures:
        morceaux.append(f"{heures} heure{'s' if heures > 1 else ''}")
    if minutes or not heures:
        morceaux.append(f"{minutes} minute{'s' if minutes > 1 else ''}")
    return " et ".join(morceaux)


def reponse_verrouillage(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The lockout page (status 429): until when, and how to get back in sooner (password reset)."""
    duree: timedelta = settings.AXES_COOLOFF_TIME
    try:
        url_reinitialisation = reverse(URL_REINITIALISATION)
    except NoReverseMatch:
        url_reinitialisation = ""
    contexte = {
        "titre": "Connexion temporairement bloquée",
        "tentatives": settings.AXES_FAILURE_LIMIT,
        "duree": duree_en_francais(duree),
        # A failed attempt during the lockout starts the cool-off again (AXES_RESET_COOL_OFF_ON_FAILURE_
        # DURING_LOCKOUT), so the lock lifts one cool-off after this very attempt.
        "reessayer_a": timezone.localtime() + duree,
        "url_reinitialisation": url_reinitialisation,
    }
    return render(request, "registration/verrouille.html", contexte, status=settings.AXES_HTTP_RESPONSE_CODE)


class ReinitialisationConfirmee(PasswordResetConfirmView):
    """Django's "choose a new password" page, which also lifts a login lock on the account.

    Whoever received the reset email and chose a new password proved who they are: making them wait out
    the cool-off after that would only push them to call the facilitator.
    """

    def form_valid(self, form):
        from axes.utils import reset

        reponse = super().form_valid(form)
        reset(username=form.user.email)
        return reponse


# --- Password reset e-mails ------------------------------------------------------------------------------

logger = logging.getLogger(__name__)

MESSAGE_TROP_DE_DEMANDES = (
    "Trop de demandes de réinitialisation ont été faites pour cette adresse ou depuis ce poste. "
    "Aucun nouveau courriel n'est envoyé pour l'instant : réessayez dans une heure. Si vous avez déjà reçu un "
    "courriel de réinitialisation, son lien reste valable."
)


def compter(cle: str, duree: timedelta) -> int:
    """Adds one to a counter that starts with the first request of its window and ends with it (fixed window).

    ``add`` then ``incr`` are atomic in Redis and in the local memory cache alike: two requests at once never
    read the same count."""
    secondes = int(duree.total_seconds())
    cache.add(cle, 0, secondes)
    try:
        return cache.incr(cle)
    except ValueError:  # the window ended between add and incr
        cache.add(cle, 1, secondes)
        return 1


def reinitialisation_permise(request: HttpRequest, email: str) -> bool:
    """Counts a reset request for this address and this client; False past either limit of the window.

    The address is counted whether an account has it or not, so a refusal tells nothing about the accounts;
    it is hashed, which keeps addresses out of the cache's keys. Without a cache (Redis down), the request is
    let through: a person locked out of their account must still get back in."""
    fenetre = settings.CLAUSES_REINITIALISATIONS_FENETRE
    adresse = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    client = adresse_ip_client(request) or "inconnu"
    try:
        par_adresse = compter(f"reinitialisation:adresse:{adresse}", fenetre)
        par_client = compter(f"reinitialisation:client:{client}", fenetre)
    except redis.RedisError:
        logger.warning("Compteurs de réinitialisation indisponibles (cache) : la demande passe sans limite.")
        return True
    if par_adresse > settings.CLAUSES_REINITIALISATIONS_PAR_ADRESSE:
        logger.warning("Réinitialisations refusées pour une adresse : %s demandes dans l'heure.", par_adresse)
        return False
    if par_client > settings.CLAUSES_REINITIALISATIONS_PAR_CLIENT:
        logger.warning("Réinitialisations refusées pour le client %s : %s demandes dans l'heure.", client, par_client)
        return False
    return True


class DemandeReinitialisation(PasswordResetView):
    """Django's "forgotten password" page, sending at most a few e-mails an hour per address and per client.

    Past a limit the form comes back with a French message (status 429) and nothing is sent; the message is the
    same for an address that has an account and one that has none."""

    def form_valid(self, form):
        if not reinitialisation_permise(self.request, form.cleaned_data["email"]):
            form.add_error(None, MESSAGE_TROP_DE_DEMANDES)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
