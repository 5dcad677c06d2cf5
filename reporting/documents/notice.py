"""The information notice given to a participant at the first meeting (GDPR art. 13): one page in plain French.

Who processes their data (the structure porteuse), why and on which ground, what is recorded, who reads it, how
long it is kept, their rights and how to use them, the contact of the data protection officer (the structure
porteuse's settings, ``dpo_*``) and the right to complain to the CNIL. It names the person and their reference,
which they quote to exercise their rights.

Rendered on demand while the facilitator waits (one page, a fraction of a second) and never stored: it is no
``Rapport`` row, since nothing in it needs archiving and a stored copy would be one more file naming someone. Its
download is recorded in the log of who read which personal data (``config.acces``). What it says is kept true
by the processing record, ``docs/registre-des-traitements.md``, which describes the same processing.
"""

from clauses.models import Participant
from conventions.models import StructurePorteuse
from reporting.documents.rendu import Document, nom_de_fichier, rendre_pdf

GABARIT = "reporting/pdf/notice_information.html"

# The supervisory authority (CNIL, « Adresser une plainte »).
CNIL_PLAINTES = "www.cnil.fr/plaintes"
CNIL_ADRESSE = "CNIL, 3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07"


def contexte(participant: Participant, facilitateur=None) -> dict:
    structure = StructurePorteuse.get()
    return {
        "structure": structure,
        "participant": participant,
        "facilitateur": facilitateur if getattr(facilitateur, "is_facilitateur", False) else None,
        "dpo_adresse": [ligne.strip() for ligne in structure.dpo_adresse.splitlines() if ligne.strip()],
        "cnil_plaintes": CNIL_PLAINTES,
        "cnil_adresse": CNIL_ADRESSE,
    }


def produire(participant: Participant, facilitateur=None) -> Document:
    """The notice of ``participant``; ``facilitateur`` (the user printing it) is named as their contact."""
    nom = nom_de_fichier("notice information", participant.reference)
    return Document(nom=nom, contenu=rendre_pdf(GABARIT, contexte(participant, facilitateur)))
