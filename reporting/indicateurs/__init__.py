"""The figures of the dashboards and reports, computed in the database.

Every function takes a period (``debut`` and ``fin``, both included) and an optional scope given as keyword
arguments, each a model instance or a primary key:

- ``donneur``: a donneur d'ordre;
- ``marche``: a marché;
- ``lot``: a lot;
- ``attribution``: an attributaire's part of a lot;
- ``entreprise``: a company, through its attributions (as attributaire of any lot);
- ``convention``: a convention de coopération, which covers every marché of its donneur d'ordre (so the
  same figures as ``donneur=`` its donneur d'ordre; the period says which year of the convention).

Hours are stored per month (``HeuresMensuelles.mois``, the first day of the month): a period counts the
months from ``debut``'s month to ``fin``'s month. ``mois`` is a plain DateField, so grouping by month needs
no TruncMonth and no time zone conversion: the stored value is already the month.

Definitions (also shown in the legend of the home page):

- *objectif de la période*: for each lot with a clause, of a marché attributed or later, whose execution
  dates are known, the lot's hour target × the share of its execution period (in days) that falls inside
  the period. Lots without execution dates are left out: there is no honest way to spread their target.
- *ETP*: hours ÷ ``settings.CLAUSES_HEURES_PAR_ETP`` (1 600 h).
- *personnes en parcours*: distinct participants with hours recorded in the period.
- *contrats*: placements that started in the period.
- *taux de réalisation*: hours ÷ objectif de la période.
- *nouveaux entrants*: people whose first placement ever started in the period (``nouveaux_entrants``).
- *entreprises impliquées*: companies with hours in the period or bound by a clause carried out in it
  (``entreprises_impliquees``).

One module per family: ``portee`` (periods and scopes), ``heures``, ``objectifs``, ``repartitions``,
``personnes``, ``entreprises``, ``avancement``, ``chiffres_cles``; this package gives their public functions.
"""

from reporting.indicateurs.avancement import (
    Avancement,
    AvancementAttributaire,
    AvancementLot,
    AvancementMarche,
    arrete_de_la_periode,
    avancement_des_marches,
)
from reporting.indicateurs.chiffres_cles import (
    ChiffresCles,
    HeuresEtObjectif,
    chiffres_cles,
    chiffres_cles_comparees,
    heures_et_objectif,
)
from reporting.indicateurs.entreprises import (
    Entreprises,
    clause_en_execution,
    donneurs_avec_heures,
    entreprises_impliquees,
)
from reporting.indicateurs.heures import (
    Synthese,
    etp,
    heures_realisees,
    marches_actifs,
    personnes_en_parcours,
    synthese_heures,
)
from reporting.indicateurs.objectifs import objectif_au_prorata, objectif_periode, objectifs_periodes, taux_realisation
from reporting.indicateurs.personnes import (
    DEFINITION_QPV,
    Mois,
    Population,
    RepartitionsDesPersonnes,
    contrats_et_sorties,
    heures_par_mois,
    nouveaux_entrants,
    personnes_par_genre,
    personnes_par_qpv,
    personnes_par_qualification,
    personnes_par_tranche_d_age,
    population_en_parcours,
    repartitions_des_personnes,
    sorties_a_six_mois,
    sorties_par_categorie,
    sorties_par_situation,
)
from reporting.indicateurs.portee import VERS_PORTEE, Periode, en_decimal, premier_du_mois
from reporting.indicateurs.repartitions import (
    NON_RENSEIGNE,
    SANS_CRITERE,
    SANS_MODALITE,
    Part,
    contrats_par_type,
    heures_par_corps_d_etat,
    heures_par_modalite,
    heures_par_modalite_juridique,
    heures_par_type_de_donneur,
    heures_par_type_de_marche,
    personnes_par_public,
    personnes_par_public_eligible,
    repartition_par,
)

__all__ = [
    "Avancement",
    "AvancementAttributaire",
    "AvancementLot",
    "AvancementMarche",
    "ChiffresCles",
    "Entreprises",
    "HeuresEtObjectif",
    "NON_RENSEIGNE",
    "SANS_CRITERE",
    "SANS_MODALITE",
    "Mois",
    "Part",
    "Periode",
    "Population",
    "RepartitionsDesPersonnes",
    "Synthese",
    "VERS_PORTEE",
    "en_decimal",
    "objectif_au_prorata",
    "arrete_de_la_periode",
    "avancement_des_marches",
    "chiffres_cles",
    "chiffres_cles_comparees",
    "clause_en_execution",
    "contrats_et_sorties",
    "contrats_par_type",
    "donneurs_avec_heures",
    "entreprises_impliquees",
    "etp",
    "heures_et_objectif",
    "heures_par_corps_d_etat",
    "heures_par_modalite",
    "heures_par_modalite_juridique",
    "heures_par_mois",
    "heures_par_type_de_donneur",
    "heures_par_type_de_marche",
    "heures_realisees",
    "marches_actifs",
    "nouveaux_entrants",
    "objectif_periode",
    "objectifs_periodes",
    "personnes_en_parcours",
    "personnes_par_genre",
    "personnes_par_public",
    "personnes_par_public_eligible",
    "personnes_par_qpv",
    "DEFINITION_QPV",
    "personnes_par_qualification",
    "personnes_par_tranche_d_age",
    "population_en_parcours",
    "premier_du_mois",
    "repartition_par",
    "repartitions_des_personnes",
    "sorties_a_six_mois",
    "sorties_par_categorie",
    "sorties_par_situation",
    "synthese_heures",
    "taux_realisation",
]
