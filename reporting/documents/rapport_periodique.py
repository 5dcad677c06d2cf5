"""(to be written)"""

from reporting.models import Rapport


def produire(rapport: Rapport):
    raise NotImplementedError("rapport_periodique")
