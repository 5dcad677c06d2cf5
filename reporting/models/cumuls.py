"""The figures PostgreSQL keeps for the dashboards: running totals of the hours, the lots' targets, the people of a
year by criterion, the contracts and outcomes by day. The triggers that keep them are declared in
``reporting.models.sources`` (built by ``reporting.cumuls``); ``manage.py rebuild_cumuls`` rebuilds them and
``manage.py verifier_cumuls`` checks them."""

from django.db import models
from django.db.models import Q

from conventions.models import DonneurDOrdre
from marches.models import Marche

# --- Running totals of the hours, kept by PostgreSQL --------------------------------------------------
#
# The territory's figures (hours of a year, people in placement, hours by month and modality, a lot's hours
# to date) read these tables instead of walking ten years of monthly hours through placements, attributions,
# lots and marchés. PostgreSQL triggers (``reporting.cumuls.heures``) keep them exact in the same transaction
# as every write: the hours themselves (any statement: a grid, an import, the admin, a deletion), and the
# links they are counted under (a placement moved to another attribution or person or modality, an
# attribution to another lot, a lot to another marché, a marché to another donneur d'ordre). Nothing in
# Python writes them; ``reporting.agregats`` reads them. The references carry no database constraint: a row
# here must never stop the deletion of what it counts (the triggers have already taken its hours away).


class CumulMensuel(models.Model):
    """The hours of one month, for one donneur d'ordre and one recruitment modality."""

    donneur_d_ordre = models.ForeignKey(
        DonneurDOrdre, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    mois = models.DateField("mois")
    modalite = models.CharField("modalité", max_length=25)
    heures = models.DecimalField("heures", max_digits=14, decimal_places=2)
    lignes = models.IntegerField("lignes d'heures")

    class Meta:
        verbose_name = "cumul mensuel des heures"
        verbose_name_plural = "cumuls mensuels des heures"
        constraints = [
            models.UniqueConstraint(fields=["donneur_d_ordre", "mois", "modalite"], name="cumul_mensuel_unique")
        ]
        indexes = [models.Index(fields=["lignes"], condition=Q(lignes=0), name="cumul_mensuel_vide_idx")]

    def __str__(self) -> str:
        return f"{self.mois:%m/%Y} {self.modalite} : {self.heures} h"


class PresenceMensuelle(models.Model):
    """A person with hours in a month on one marché of one donneur d'ordre (``lignes_positives``: rows > 0 h)."""

    donneur_d_ordre = models.ForeignKey(
        DonneurDOrdre, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    mois = models.DateField("mois")
    marche = models.ForeignKey(Marche, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    participant = models.ForeignKey(
        "clauses.Participant", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    lignes_positives = models.IntegerField("lignes d'heures positives")

    class Meta:
        verbose_name = "présence mensuelle"
        verbose_name_plural = "présences mensuelles"
        constraints = [
            # Its index answers a donneur d'ordre's months alone (every column is in the key).
            models.UniqueConstraint(
                fields=["donneur_d_ordre", "mois", "marche", "participant"], name="presence_mensuelle_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["lignes_positives"], condition=Q(lignes_positives=0), name="presence_mensuelle_vide_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mois:%m/%Y} : participant {self.participant_id}, marché {self.marche_id}"


class CumulTerritoire(models.Model):
    """The hours of one month for the whole territory, by recruitment modality (``CumulMensuel`` summed)."""

    mois = models.DateField("mois")
    modalite = models.CharField("modalité", max_length=25)
    heures = models.DecimalField("heures", max_digits=14, decimal_places=2)
    lignes = models.IntegerField("lignes d'heures")

    class Meta:
        verbose_name = "cumul mensuel du territoire"
        verbose_name_plural = "cumuls mensuels du territoire"
        constraints = [models.UniqueConstraint(fields=["mois", "modalite"], name="cumul_territoire_unique")]
        indexes = [models.Index(fields=["lignes"], condition=Q(lignes=0), name="cumul_territoire_vide_idx")]

    def __str__(self) -> str:
        return f"{self.mois:%m/%Y} {self.modalite} : {self.heures} h"


class PersonneAnnuelle(models.Model):
    """A person with hours in a year, anywhere in the territory (``PresenceMensuelle`` by year, without marché)."""

    annee = models.PositiveSmallIntegerField("année")
    participant = models.ForeignKey(
        "clauses.Participant", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    mois_positifs = models.IntegerField("mois avec des heures")

    class Meta:
        verbose_name = "personne de l'année"
        verbose_name_plural = "personnes de l'année"
        constraints = [models.UniqueConstraint(fields=["annee", "participant"], name="personne_annuelle_unique")]
        indexes = [models.Index(fields=["mois_positifs"], condition=Q(mois_positifs=0), name="personne_vide_idx")]

    def __str__(self) -> str:
        return f"{self.annee} : participant {self.participant_id}"


class MarcheAnnuel(models.Model):
    """A marché with hours in a year."""

    annee = models.PositiveSmallIntegerField("année")
    marche = models.ForeignKey(Marche, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    mois_positifs = models.IntegerField("lignes d'heures positives")

    class Meta:
        verbose_name = "marché de l'année"
        verbose_name_plural = "marchés de l'année"
        constraints = [models.UniqueConstraint(fields=["annee", "marche"], name="marche_annuel_unique")]
        indexes = [models.Index(fields=["mois_positifs"], condition=Q(mois_positifs=0), name="marche_annuel_vide_idx")]

    def __str__(self) -> str:
        return f"{self.annee} : marché {self.marche_id}"


class CumulLot(models.Model):
    """All the hours recorded on one lot, whatever the month."""

    lot = models.OneToOneField(
        "marches.Lot", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", primary_key=True
    )
    heures = models.DecimalField("heures", max_digits=14, decimal_places=2)
    lignes = models.IntegerField("lignes d'heures")

    class Meta:
        verbose_name = "cumul des heures d'un lot"
        verbose_name_plural = "cumuls des heures des lots"
        indexes = [models.Index(fields=["lignes"], condition=Q(lignes=0), name="cumul_lot_vide_idx")]

    def __str__(self) -> str:
        return f"lot {self.lot_id} : {self.heures} h"


class ObjectifLot(models.Model):
    """A lot that counts towards the targets (``indicateurs.objectifs_periodes``): its clause's target, its
    execution dates and whose it is, in one narrow row. The target of a period is spread over the days of each
    lot's execution: a year's target over the territory reads these rows (an index on the dates) instead of
    joining lots, clauses and marchés. Kept by triggers (``reporting.cumuls.objectifs``): any change to a lot, its
    clause or its marché rewrites the lot's row from them; a lot without a clause target, without dates or whose
    marché is not awarded has none."""

    lot = models.OneToOneField(
        "marches.Lot", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", primary_key=True
    )
    donneur_d_ordre = models.ForeignKey(
        "conventions.DonneurDOrdre", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    marche = models.ForeignKey(Marche, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    date_debut = models.DateField("début d'exécution")
    date_fin = models.DateField("fin d'exécution")
    cible = models.PositiveIntegerField("objectif d'heures")

    class Meta:
        verbose_name = "objectif d'un lot"
        verbose_name_plural = "objectifs des lots"
        indexes = [
            models.Index(fields=["date_fin", "date_debut", "cible"], name="objectif_lot_dates_idx"),
            models.Index(fields=["donneur_d_ordre", "date_fin"], name="objectif_lot_donneur_idx"),
            models.Index(fields=["marche"], name="objectif_lot_marche_idx"),
        ]

    def __str__(self) -> str:
        return f"lot {self.lot_id} : {self.cible} h du {self.date_debut} au {self.date_fin}"


class CritereAnnuel(models.Model):
    """The territory's people of a calendar year (``PersonneAnnuelle``) by eligibility criterion: a person counts
    once under each of their criteria, and once under ``critere`` 0 when they have none. Kept by triggers
    (``reporting.cumuls.criteres``) on the people of the year and on the participants' criteria."""

    annee = models.PositiveSmallIntegerField("année")
    critere = models.BigIntegerField("critère d'éligibilité (0 : aucun)")
    personnes = models.IntegerField("personnes")

    class Meta:
        verbose_name = "personnes de l'année par critère"
        verbose_name_plural = "personnes de l'année par critère"
        constraints = [models.UniqueConstraint(fields=["annee", "critere"], name="critere_annuel_unique")]

    def __str__(self) -> str:
        return f"{self.annee} : critère {self.critere}, {self.personnes} personnes"


# --- Contracts and end-of-placement outcomes by day, kept by PostgreSQL ------------------------------------------
#
# A donneur d'ordre's contracts started and outcomes noted over any period (the portal, the bilans) read these
# counts by day instead of walking its marchés, lots, attributions and placements. Kept by triggers
# (``reporting.cumuls.contrats``) in the same way as the hours' totals: signed rows for every write to the
# placements or the outcomes, and a moved link (a placement to another attribution, an attribution to another lot,
# a lot to another marché, a marché to another donneur d'ordre) takes its rows from the old side to the new.


class ContratJournalier(models.Model):
    """The placements of a donneur d'ordre started on a day, by type of contract."""

    donneur_d_ordre = models.ForeignKey(
        DonneurDOrdre, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    jour = models.DateField("début")
    type_contrat = models.CharField("type de contrat", max_length=25)
    contrats = models.IntegerField("contrats")

    class Meta:
        verbose_name = "contrats commencés d'un jour"
        verbose_name_plural = "contrats commencés par jour"
        constraints = [
            models.UniqueConstraint(fields=["donneur_d_ordre", "jour", "type_contrat"], name="contrat_jour_unique")
        ]

    def __str__(self) -> str:
        return f"{self.donneur_d_ordre_id} : {self.jour}, {self.type_contrat} × {self.contrats}"


class ContratTerritoire(models.Model):
    """The territory's placements started on a day, by type of contract."""

    jour = models.DateField("début")
    type_contrat = models.CharField("type de contrat", max_length=25)
    contrats = models.IntegerField("contrats")

    class Meta:
        verbose_name = "contrats du territoire commencés d'un jour"
        verbose_name_plural = "contrats du territoire commencés par jour"
        constraints = [models.UniqueConstraint(fields=["jour", "type_contrat"], name="contrat_territoire_unique")]

    def __str__(self) -> str:
        return f"{self.jour}, {self.type_contrat} × {self.contrats}"


class SortieJournaliere(models.Model):
    """The end-of-placement outcomes (``MomentSortie.FIN_PARCOURS``) of a donneur d'ordre's placements noted on a
    day, by situation."""

    donneur_d_ordre = models.ForeignKey(
        DonneurDOrdre, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    jour = models.DateField("constatée le")
    situation = models.CharField("situation", max_length=25)
    sorties = models.IntegerField("sorties")

    class Meta:
        verbose_name = "sorties constatées d'un jour"
        verbose_name_plural = "sorties constatées par jour"
        constraints = [
            models.UniqueConstraint(fields=["donneur_d_ordre", "jour", "situation"], name="sortie_jour_unique")
        ]

    def __str__(self) -> str:
        return f"{self.donneur_d_ordre_id} : {self.jour}, {self.situation} × {self.sorties}"
