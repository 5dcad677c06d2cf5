"""Three alerts of ``reporting.alertes`` computed with the ORM and Python, for databases other than PostgreSQL.

On PostgreSQL, ``alertes`` computes the conventions' calendar, the lots behind schedule and the silent
attributaires in raw SQL, so that a national instance's tens of thousands of rows never leave the database.
That SQL uses PostgreSQL's date and numeric functions; SQLite (the embedded default, a territory's few
hundred rows) gets the same alerts from these functions, which read the rows and apply the models' own rules.
``reporting/tests/test_alertes.py`` checks that both give the same alerts on PostgreSQL.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Exists, F, Max, Min, OuterRef, Q, Subquery, Sum

from clauses import objectif
from clauses.models import HeuresMensuelles, Placement
from conventions.calendrier import add_months
from conventions.models import Convention, EtatConvention
from marches.models import Attribution, Lot, StatutMarche
from reporting import alertes as a


def conventions(jour: dt.date) -> tuple[list, list]:
    """Notice deadlines within 60 days and échéances within 30 days, from Convention's methods."""
    url = a._urls("conventions:convention")
    denonciations, bilans = [], []
    for convention in Convention.objects.signees().select_related("donneur_d_ordre").order_by("pk"):
        etat = convention.etat(jour)
        if etat not in (EtatConvention.EN_VIGUEUR, EtatConvention.DENONCEE):
            continue
        donneur = convention.donneur_d_ordre.nom
        limite = convention.date_limite_denonciation(jour)
        if limite is not None and 0 <= (limite - jour).days <= a.JOURS_AVANT_DENONCIATION:
            texte = (
                f"La convention avec {donneur} arrive à sa date limite de dénonciation le {a._date(limite)} "
                f"({a._dans((limite - jour).days)})"
            )
            denonciations.append(a._alerte(a.TypeAlerte.DENONCIATION, texte, url(convention.pk), limite, jour))
        echeance = convention.prochaine_echeance(jour)
        if echeance is not None and 0 <= (echeance - jour).days <= a.JOURS_AVANT_BILAN:
            suite = " ; la convention prend fin à cette date" if etat == EtatConvention.DENONCEE else ""
            texte = (
                f"Bilan annuel à préparer pour la convention avec {donneur} "
                f"(échéance le {a._date(echeance)}, {a._dans((echeance - jour).days)}){suite}"
            )
            bilans.append(a._alerte(a.TypeAlerte.BILAN, texte, url(convention.pk), echeance, jour))
    return denonciations, bilans


def lots_en_retard(jour: dt.date, facilitateur_id: int | None = None) -> tuple[list, int]:
    """Late lots from clauses.objectif, lowest rate first: the first ``LIMITE_PAR_TYPE`` and the count."""
    arrete = objectif.date_d_arrete(jour)
    lots = (
        Lot.objects.filter(
            a.marches_suivis(facilitateur_id, "marche__"),
            Q(marche__statut=StatutMarche.EN_EXECUTION) | Q(marche__statut=StatutMarche.ATTRIBUE),
            clause__isnull=False,
            date_debut__lte=jour - dt.timedelta(days=a.JOURS_DE_GRACE),
            date_fin__isnull=False,
        )
        .filter(
            Q(clause__heures_forcees__gt=0) | Q(clause__heures_forcees__isnull=True, clause__heures_calculees__gt=0)
        )
        .select_related("marche", "clause")
        .order_by("pk")
    )
    realisees = dict(
        HeuresMensuelles.objects.filter(placement__attribution__lot__in=lots.values("pk"), mois__lte=jour)
        .order_by()
        .values_list("placement__attribution__lot")
        .annotate(total=Sum("heures"))
    )
    url = a._urls("clauses:lot")
    retards = []
    for lot in lots:
        faites_h = realisees.get(lot.pk, Decimal(0))
        attendues = objectif.heures_attendues(lot.clause.heures_objectif, lot.date_debut, lot.date_fin, arrete)
        if attendues is None or not objectif.en_retard(faites_h, attendues):
            continue
        taux = (faites_h / attendues * 100).quantize(Decimal(1))
        faites, dues = (a.format_heures(h.quantize(Decimal(1))) for h in (faites_h, attendues))
        texte = (
            f"{a._lot(lot.numero, lot.intitule)} du marché {lot.marche.objet} : {taux} % des heures attendues au "
            f"{a._date(arrete)} ({faites} sur {dues})"
        )
        retards.append((taux, a._alerte(a.TypeAlerte.RETARD, texte, url(lot.pk), jour, jour)))
    retards.sort(key=lambda r: r[0])
    return [alerte for _, alerte in retards[: a.LIMITE_PAR_TYPE]], len(retards)


def attributions_silencieuses(jour: dt.date, facilitateur_id: int | None = None) -> tuple[list, int]:
    """Attributions with a placement under way and no hours for the last complete months."""
    premier, dernier = a.mois_silencieux(jour)
    en_cours = Placement.objects.filter(
        Q(date_fin__isnull=True) | Q(date_fin__gte=dernier),
        attribution=OuterRef("pk"),
        date_debut__lte=add_months(premier, 1) - dt.timedelta(days=1),
    )
    recentes = HeuresMensuelles.objects.filter(placement__attribution=OuterRef("pk"), mois__gte=premier)
    derniere = (
        HeuresMensuelles.objects.filter(placement__attribution=OuterRef("pk"))
        .order_by()
        .values("placement__attribution")
        .annotate(m=Max("mois"))
        .values("m")
    )
    premier_debut = (
        Placement.objects.filter(attribution=OuterRef("pk"))
        .order_by()
        .values("attribution")
        .annotate(d=Min("date_debut"))
        .values("d")
    )
    attributions = (
        Attribution.objects.filter(
            a.marches_suivis(facilitateur_id, "lot__marche__"), Exists(en_cours), ~Exists(recentes)
        )
        .annotate(derniere=Subquery(derniere), premier_debut=Subquery(premier_debut))
        .select_related("entreprise", "lot__marche")
        .order_by(F("derniere").asc(nulls_last=True), "pk")
    )
    url = a._urls("clauses:heures_grille")
    resultat = []
    for attribution in attributions[: a.LIMITE_PAR_TYPE]:
        if attribution.derniere is not None:
            depuis = add_months(attribution.derniere, 1)
        else:
            depuis = attribution.premier_debut.replace(day=1)
        lot = attribution.lot
        texte = (
            f"{attribution.entreprise.raison_sociale} ({a._lot(lot.numero, lot.intitule, majuscule=False)}, "
            f"marché {lot.marche.objet}) n'a transmis aucune heure depuis {a._mois(depuis)}"
        )
        resultat.append(a._alerte(a.TypeAlerte.SILENCE, texte, url(attribution.pk), depuis, jour))
    return resultat, attributions.count()
