"""The schedule's calendar: what falls due on which day. Pure functions, tested on unsaved objects (no database)."""

import datetime as dt
import itertools

import pytest

from conventions.models import Convention, DenoncePar, DonneurDOrdre, Periodicite
from reporting import planning
from reporting.planning import BilanAPreparer, DigestHebdomadaire, RappelEcheance, RapportPeriodique

D = dt.date
_pks = itertools.count(1)


def donneur(periodicite: str = Periodicite.TRIMESTRIELLE, actif: bool = True) -> DonneurDOrdre:
    return DonneurDOrdre(pk=next(_pks), nom="Ville d'Arles", periodicite_rapport=periodicite, actif=actif)


def convention(effet: dt.date, signature: dt.date | None = None, proprietaire: DonneurDOrdre | None = None, **champs):
    proprietaire = proprietaire or donneur()
    return Convention(
        pk=next(_pks),
        donneur_d_ordre=proprietaire,
        date_effet=effet,
        date_signature=signature or effet,
        **champs,
    )


def jours(debut: dt.date, fin: dt.date):
    jour = debut
    while jour <= fin:
        yield jour
        jour += dt.timedelta(days=1)


def rappels_sur(c: Convention, debut: dt.date, fin: dt.date) -> list[tuple[dt.date, int, dt.date]]:
    return [
        (r.du, r.delai, r.periode.date_limite_denonciation)
        for jour in jours(debut, fin)
        for r in planning.rappels_echeance(jour, [c])
    ]


# --- Periodic reports ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jour", "attendu"),
    [
        (D(2027, 3, 1), (D(2027, 2, 1), D(2027, 2, 28))),
        (D(2028, 3, 1), (D(2028, 2, 1), D(2028, 2, 29))),
        (D(2027, 1, 1), (D(2026, 12, 1), D(2026, 12, 31))),
        (D(2027, 3, 2), None),
        (D(2027, 2, 28), None),
    ],
)
def test_rapport_mensuel_le_1er_pour_le_mois_echu(jour, attendu):
    assert planning.periode_a_rapporter(Periodicite.MENSUELLE, jour) == attendu


@pytest.mark.parametrize(
    ("jour", "attendu"),
    [
        (D(2027, 1, 1), (D(2026, 10, 1), D(2026, 12, 31))),
        (D(2027, 4, 1), (D(2027, 1, 1), D(2027, 3, 31))),
        (D(2027, 7, 1), (D(2027, 4, 1), D(2027, 6, 30))),
        (D(2027, 10, 1), (D(2027, 7, 1), D(2027, 9, 30))),
        (D(2027, 2, 1), None),
        (D(2027, 5, 1), None),
        (D(2027, 4, 2), None),
    ],
)
def test_rapport_trimestriel_le_1er_du_trimestre(jour, attendu):
    assert planning.periode_a_rapporter(Periodicite.TRIMESTRIELLE, jour) == attendu


def test_un_rapport_par_donneur_et_par_periode_meme_avec_plusieurs_conventions():
    mensuel, trimestriel = donneur(Periodicite.MENSUELLE), donneur(Periodicite.TRIMESTRIELLE)
    conventions = [
        convention(D(2024, 7, 1), proprietaire=mensuel),
        convention(D(2025, 7, 1), proprietaire=mensuel),
        convention(D(2024, 7, 1), proprietaire=trimestriel),
    ]
    assert planning.rapports_periodiques(D(2027, 2, 1), conventions) == [
        RapportPeriodique(D(2027, 2, 1), mensuel.pk, D(2027, 1, 1), D(2027, 1, 31))
    ]
    assert {r.donneur_id for r in planning.rapports_periodiques(D(2027, 4, 1), conventions)} == {
        mensuel.pk,
        trimestriel.pk,
    }


def test_pas_de_rapport_sans_convention_en_vigueur_pendant_la_periode():
    inactif = convention(D(2024, 7, 1), proprietaire=donneur(actif=False))
    pas_encore = convention(D(2027, 4, 1))  # takes effect after the quarter
    non_signee = convention(D(2024, 7, 1))
    non_signee.date_signature = None
    # Notice given in October 2025, before the 31 March 2026 deadline: it ended on 30 June 2026.
    finie = convention(D(2024, 7, 1), date_denonciation=D(2025, 10, 1), denoncee_par=DenoncePar.DONNEUR_D_ORDRE)
    assert finie.date_fin == D(2026, 6, 30)
    assert planning.rapports_periodiques(D(2027, 4, 1), [inactif, pas_encore, non_signee, finie]) == []
    # The quarter in which it ended still gets its report.
    assert len(planning.rapports_periodiques(D(2026, 7, 1), [finie])) == 1


def test_la_cle_nomme_le_donneur_et_la_periode():
    travail = RapportPeriodique(D(2027, 4, 1), 12, D(2027, 1, 1), D(2027, 3, 31))
    assert (travail.code, travail.cle) == ("rapport_periodique", "donneur:12:2027-01-01:2027-03-31")


# --- Notice deadlines ----------------------------------------------------------------------------------


def test_convention_signee_le_31_mai_rappels_aux_fins_de_mois():
    """Effect on 31 May: échéances on 30 May, so the deadlines fall on the last day of February (29 in 2028)."""
    c = convention(D(2025, 5, 31))
    assert [c.periode_numero(n).date_limite_denonciation for n in (1, 2, 3)] == [
        D(2026, 2, 28),
        D(2027, 2, 28),
        D(2028, 2, 29),
    ]
    assert rappels_sur(c, D(2025, 5, 31), D(2028, 5, 29)) == [
        (D(2025, 12, 30), 60, D(2026, 2, 28)),
        (D(2026, 1, 29), 30, D(2026, 2, 28)),
        (D(2026, 2, 28), 0, D(2026, 2, 28)),
        (D(2026, 12, 30), 60, D(2027, 2, 28)),
        (D(2027, 1, 29), 30, D(2027, 2, 28)),
        (D(2027, 2, 28), 0, D(2027, 2, 28)),
        (D(2027, 12, 31), 60, D(2028, 2, 29)),
        (D(2028, 1, 30), 30, D(2028, 2, 29)),
        (D(2028, 2, 29), 0, D(2028, 2, 29)),
    ]


def test_echeance_au_31_mai_date_limite_au_dernier_jour_de_fevrier():
    """Effect on 1 June: échéance on 31 May, month-end aware deadline on the last day of February."""
    c = convention(D(2026, 6, 1), signature=D(2026, 5, 31))
    assert [d for _, _, d in rappels_sur(c, D(2026, 6, 1), D(2028, 5, 31))] == [D(2027, 2, 28)] * 3 + [
        D(2028, 2, 29)
    ] * 3


def test_convention_denoncee_plus_aucun_rappel():
    # Notice given on 10 February 2026, between the 60-day and the 30-day reminders of the 31 March deadline.
    c = convention(D(2024, 7, 1), date_denonciation=D(2026, 2, 10), denoncee_par=DenoncePar.DONNEUR_D_ORDRE)
    assert c.date_fin == D(2026, 6, 30)
    assert rappels_sur(c, D(2025, 7, 1), D(2028, 12, 31)) == [(D(2026, 1, 30), 60, D(2026, 3, 31))]


def test_denonciation_tardive_le_rappel_de_l_annee_suivante_disparait():
    # Notice given on 10 April 2026, after the 31 March deadline: the convention runs until 30 June 2027.
    c = convention(D(2024, 7, 1), date_denonciation=D(2026, 4, 10), denoncee_par=DenoncePar.STRUCTURE_PORTEUSE)
    assert c.date_fin == D(2027, 6, 30)
    assert rappels_sur(c, D(2026, 4, 10), D(2027, 6, 30)) == []


def test_convention_non_signee_ou_terminee_aucun_rappel():
    non_signee = convention(D(2024, 7, 1))
    non_signee.date_signature = None
    assert rappels_sur(non_signee, D(2025, 1, 1), D(2025, 12, 31)) == []
    terminee = convention(D(2020, 7, 1), date_denonciation=D(2021, 1, 10), denoncee_par=DenoncePar.DONNEUR_D_ORDRE)
    assert rappels_sur(terminee, D(2022, 1, 1), D(2022, 12, 31)) == []


def test_convention_renouvelee_les_rappels_suivent_la_nouvelle_periode():
    c = convention(D(2024, 7, 1))
    assert rappels_sur(c, D(2026, 7, 1), D(2027, 6, 30)) == [
        (D(2027, 1, 30), 60, D(2027, 3, 31)),
        (D(2027, 3, 1), 30, D(2027, 3, 31)),
        (D(2027, 3, 31), 0, D(2027, 3, 31)),
    ]
    rappel = planning.rappels_echeance(D(2027, 3, 1), [c])[0]
    assert rappel.periode.numero == 3
    assert (rappel.code, rappel.cle) == ("rappel_echeance_30", f"convention:{c.pk}:2027-03-31")


# --- Annual bilans ---------------------------------------------------------------------------------------


def test_bilan_a_preparer_le_lendemain_de_chaque_echeance():
    c = convention(D(2024, 7, 1))
    dus = [t for jour in jours(D(2024, 7, 1), D(2027, 7, 5)) for t in planning.bilans_a_preparer(jour, [c])]
    assert [(t.du, t.periode.numero, t.periode.debut, t.periode.echeance) for t in dus] == [
        (D(2025, 7, 1), 1, D(2024, 7, 1), D(2025, 6, 30)),
        (D(2026, 7, 1), 2, D(2025, 7, 1), D(2026, 6, 30)),
        (D(2027, 7, 1), 3, D(2026, 7, 1), D(2027, 6, 30)),
    ]
    assert dus[0].cle == f"convention:{c.pk}:1:2025-06-30"


def test_la_derniere_annee_d_une_convention_denoncee_a_son_bilan():
    c = convention(D(2024, 7, 1), date_denonciation=D(2026, 1, 15), denoncee_par=DenoncePar.DONNEUR_D_ORDRE)
    dus = [t for jour in jours(D(2026, 1, 1), D(2027, 12, 31)) for t in planning.bilans_a_preparer(jour, [c])]
    assert [(t.du, t.periode.numero) for t in dus] == [(D(2026, 7, 1), 2)]


# --- Weekly digest and catch-up --------------------------------------------------------------------------


def test_digest_le_lundi_a_chaque_facilitateur():
    assert planning.digests(D(2027, 3, 1), [3, 2]) == [
        DigestHebdomadaire(D(2027, 3, 1), 2),
        DigestHebdomadaire(D(2027, 3, 1), 3),
    ]
    assert planning.digests(D(2027, 3, 2), [2]) == []
    assert DigestHebdomadaire.facilitateur_de(DigestHebdomadaire(D(2027, 3, 1), 42).cle) == 42


def test_un_jour_manque_est_rattrape_pendant_une_semaine():
    mensuel = donneur(Periodicite.MENSUELLE)
    c = convention(D(2024, 7, 1), proprietaire=mensuel)
    # Beat was down on Monday 1 March 2027: the report of February and the digest are still due until Sunday.
    for jour in jours(D(2027, 3, 1), D(2027, 3, 7)):
        travaux = planning.travaux_a_faire(jour, [c], [5])
        assert RapportPeriodique(D(2027, 3, 1), mensuel.pk, D(2027, 2, 1), D(2027, 2, 28)) in travaux
        assert DigestHebdomadaire(D(2027, 3, 1), 5) in travaux
        # The 30-day reminder of the 31 March deadline fell due on 1 March too.
        assert any(isinstance(t, RappelEcheance) and t.delai == 30 for t in travaux)
    suivants = planning.travaux_a_faire(D(2027, 3, 8), [c], [5])
    assert not any(isinstance(t, RapportPeriodique) for t in suivants)
    assert [t for t in suivants if isinstance(t, DigestHebdomadaire)] == [DigestHebdomadaire(D(2027, 3, 8), 5)]


def test_chaque_travail_une_seule_fois_du_plus_ancien_au_plus_recent():
    c = convention(D(2024, 7, 1), proprietaire=donneur(Periodicite.MENSUELLE))
    travaux = planning.travaux_a_faire(D(2027, 7, 5), [c], [5])
    cles = [(t.code, t.cle) for t in travaux]
    assert len(cles) == len(set(cles))
    assert [t.du for t in travaux] == sorted(t.du for t in travaux)
    assert {type(t) for t in travaux} == {RapportPeriodique, BilanAPreparer, DigestHebdomadaire}


def test_un_rappel_rattrape_disparait_si_la_convention_a_ete_denoncee_entre_temps():
    c = convention(D(2024, 7, 1))
    assert any(isinstance(t, RappelEcheance) for t in planning.travaux_a_faire(D(2027, 3, 3), [c], []))
    c.date_denonciation, c.denoncee_par = D(2027, 3, 2), DenoncePar.DONNEUR_D_ORDRE
    assert not any(isinstance(t, RappelEcheance) for t in planning.travaux_a_faire(D(2027, 3, 3), [c], []))
