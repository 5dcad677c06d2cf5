"""The information notice of a participant, printed from their page (facilitators only)."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from clauses.models import Participant
from config import acces
from config.permissions import facilitateur_requis
from reporting.documents import notice


@facilitateur_requis
@require_safe
def notice_participant(request, pk: int):
    """The PDF, shown in the browser to be printed (it is generated here, never a stored file)."""
    participant = get_object_or_404(Participant, pk=pk)
    document = notice.produire(participant, request.user)
    reference = participant.reference
    acces.document(request, f"Notice d'information du participant {reference}", objet=participant, reference=reference)
    reponse = HttpResponse(document.contenu, content_type="application/pdf")
    reponse["Content-Disposition"] = f'inline; filename="{document.nom}"'
    return reponse
