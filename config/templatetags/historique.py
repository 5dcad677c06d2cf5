"""``{% historique objet %}``: the collapsible change history of an object, for facilitators only."""

from django import template

from config.audit import historique as lire_historique
from config.permissions import est_facilitateur

register = template.Library()


@register.inclusion_tag("includes/historique.html", takes_context=True)
def historique(context, objet):
    request = context.get("request")
    # The history names participants and who typed what: never shown outside the facilitators' dashboard.
    if request is None or not est_facilitateur(request.user):
        return {"historique": None}
    return {"historique": lire_historique(objet)}
