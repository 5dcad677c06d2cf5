"""The pages a public buyer's data protection officer and accessibility officer ask for, linked in every footer:
« Déclaration d'accessibilité » (the DINUM's RGAA 4.1 model; its facts in ``config.accessibilite``), « Mentions
légales » (filled from the structure porteuse's row, set in the admin) and « Plan du site » (what the current
user can open, from ``config.navigation``'s menus).

Public, as the law wants them (readable before logging in); the site map adapts to whoever reads it.
"""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from config import accessibilite
from config.navigation import plan
from conventions.models import StructurePorteuse


def _structure() -> StructurePorteuse:
    """The structure porteuse's row as the admin left it; an unsaved placeholder until it is filled in (a public
    page writes nothing)."""
    return StructurePorteuse.objects.first() or StructurePorteuse(nom="Structure porteuse (à renseigner)")


@login_not_required
@require_safe
def declaration_accessibilite(request):
    contexte = {
        "titre": "Déclaration d'accessibilité",
        "structure": _structure(),
        "etat": accessibilite.etat(accessibilite.AUDIT, timezone.localdate()),
        "audit": accessibilite.AUDIT,
        "faits": accessibilite,
        "adresse_du_site": request.build_absolute_uri("/"),
    }
    return render(request, "pages_legales/accessibilite.html", contexte)


@login_not_required
@require_safe
def mentions_legales(request):
    contexte = {"titre": "Mentions légales", "structure": _structure()}
    return render(request, "pages_legales/mentions_legales.html", contexte)


@login_not_required
@require_safe
def plan_du_site(request):
    contexte = {"titre": "Plan du site", "sections": plan(request.user)}
    return render(request, "pages_legales/plan_du_site.html", contexte)
