"""The benchmark dataset (``seed_demo --size metropole|national``): bulk inserts, COPY on PostgreSQL."""

import datetime as dt
import io
import random
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from clauses import objectif
from clauses.demo.commun import (
    COMPTE_ADMIN,
    COMPTE_FACILITATEUR,
    COMPTE_REFERENT_VOLUME,
    GRAINE,
    MOT_DE_PASSE_DEMO,
    Journal,
    Resultat,
    _compte,
    _comptes_de_base,
    _nombre,
    _premier,
    _resume,
    _secondes,
    _silence,
    _siret,
    _structure_porteuse,
)
from clauses.demo.territoire import (
    OPERATEURS_DEMO,
)
from clauses.demo.vocabulaire import (
    CONTRAT_PAR_MODALITE,
    CONTRATS_EMBAUCHE,
    CORPS,
    CORPS_SERVICES,
    FORMES,
    METIERS,
    MODALITES_PLACEMENT,
    NIVEAUX,
    NOMS,
    PRENOMS,
    SITUATIONS_FIN,
    _pondere,
)
from clauses.models import (
    OPERATEUR_PAR_MODALITE,
    ClauseInsertion,
    CorpsDEtat,
    CritereEligibilite,
    Genre,
    HeuresMensuelles,
    ModaliteJuridique,
    ModalitePlacement,
    MomentSortie,
    Participant,
    Placement,
    Sortie,
)
from conventions.calendrier import add_months
from conventions.models import (
    Avenant,
    Convention,
    DenoncePar,
    DonneurDOrdre,
    Referent,
    TypeDonneur,
)
from entreprises.models import Entreprise, Operateur, TypeOperateur
from marches.models import (
    Attribution,
    AvisFaisabilite,
    Lot,
    Marche,
    RoleAttributaire,
    StatutMarche,
    TypeMarche,
)

# --- The benchmark dataset -------------------------------------------------------------------------

VOLUMES_NATIONAUX = {
    "donneurs": 3_000,
    "marches": 100_000,
    "entreprises": 40_000,
    "operateurs": 2_400,  # about 160 territories × 15 operators and prescribers
    "facilitateurs": 500,
    "participants": 250_000,
    "placements": 400_000,
}
ECHELLES = {"metropole": 0.1, "national": 1.0}
TAILLE_LOT_SQL = 5_000
TAILLE_LOT_COPY = 50_000
ANNEES_VOLUME = 10
# Lots per marché (mean 2.5) and contract months per placement (mean 3; a placement starting mid-month
# reports in one more calendar month, ≈ 3.75 rows): 250,000 lots and 1.5 M rows of hours nationally.
LOTS_PAR_MARCHE = ([1, 2, 3, 4, 5], [30, 25, 20, 15, 10])
MOIS_PAR_PLACEMENT = ([1, 2, 3, 4, 5, 6, 7, 8], [25, 25, 18, 12, 8, 6, 4, 2])
TYPES_DONNEURS = [
    (TypeDonneur.COMMUNE, 60),
    (TypeDonneur.EPCI, 10),
    (TypeDonneur.DEPARTEMENT, 3),
    (TypeDonneur.REGION, 1),
    (TypeDonneur.BAILLEUR, 10),
    (TypeDonneur.ETABLISSEMENT_PUBLIC, 6),
    (TypeDonneur.SEM_SPL, 5),
    (TypeDonneur.HOPITAL, 4),
    (TypeDonneur.ETAT, 1),
]
PREFIXES_DONNEURS = {
    TypeDonneur.COMMUNE: "Ville de",
    TypeDonneur.EPCI: "Communauté d'agglomération de",
    TypeDonneur.DEPARTEMENT: "Département —",
    TypeDonneur.REGION: "Région —",
    TypeDonneur.BAILLEUR: "Habitat de",
    TypeDonneur.ETABLISSEMENT_PUBLIC: "Syndicat mixte de",
    TypeDonneur.SEM_SPL: "SPL d'aménagement de",
    TypeDonneur.HOPITAL: "Centre hospitalier de",
    TypeDonneur.ETAT: "Préfecture —",
}
VILLES_VOLUME = (
    "Lyon, Lille, Nantes, Rennes, Toulouse, Bordeaux, Montpellier, Strasbourg, Grenoble, Dijon, Angers, Brest, "
    "Limoges, Tours, Amiens, Metz, Besançon, Orléans, Rouen, Caen, Nancy, Poitiers, Pau, Perpignan, Béziers, "
    "Nîmes, Avignon, Valence, Chambéry, Annecy, Clermont-Ferrand, Saint-Étienne, Le Mans, Reims, Troyes, Calais, "
    "Dunkerque, Lorient, Quimper, Vannes, La Rochelle, Niort, Angoulême, Périgueux, Agen, Bayonne, Tarbes, Albi, "
    "Rodez, Montauban, Carcassonne, Narbonne, Sète, Alès, Gap, Digne-les-Bains, Draguignan, Fréjus, Toulon, Nice, "
    "Mulhouse, Colmar, Belfort, Épinal, Charleville-Mézières, Laon, Beauvais, Évreux, Chartres, Blois, Bourges, "
    "Nevers, Auxerre, Mâcon, Bourg-en-Bresse, Roanne, Vichy, Montluçon, Saint-Brieuc, Cherbourg-en-Cotentin"
).split(", ")
OBJETS_TRAVAUX = [
    "Réhabilitation de l'école {nom}",
    "Construction du groupe scolaire {nom}",
    "Rénovation énergétique du gymnase {nom}",
    "Extension de la médiathèque {nom}",
    "Réhabilitation de {n} logements, résidence {nom}",
    "Aménagement des espaces publics du quartier {nom}",
    "Réfection de la voirie, avenue {nom}",
    "Construction d'une maison de santé, rue {nom}",
    "Restructuration du collège {nom}",
    "Rénovation de la piscine {nom}",
    "Renouvellement des réseaux, secteur {nom}",
]
OBJETS_SERVICES = [
    "Entretien des espaces verts, secteur {nom}",
    "Nettoyage des locaux administratifs, site {nom}",
    "Restauration scolaire des écoles, secteur {nom}",
    "Collecte des déchets ménagers, secteur {nom}",
    "Gardiennage et accueil du site {nom}",
    "Déménagement des services, site {nom}",
]
NOMS_PROPRES = (
    "Jules Ferry, Jean Jaurès, Victor Hugo, Louis Pasteur, Jean Moulin, Marie Curie, Paul Langevin, Jacques Prévert, "
    "Anatole France, Frédéric Mistral, Simone Veil, Lucie Aubrac, Pablo Picasso, Albert Camus, Joséphine Baker, "
    "Gisèle Halimi, Jean Zay, Olympe de Gouges, Aimé Césaire, Les Tilleuls, Les Peupliers, La Roseraie, "
    "Les Oliviers, Le Moulin, La Gare, Centre-ville, Les Hauts, Le Port"
).split(", ")


PRESCRIPTEURS_VOLUME = {
    TypeOperateur.FRANCE_TRAVAIL,
    TypeOperateur.MISSION_LOCALE,
    TypeOperateur.CAP_EMPLOI,
    TypeOperateur.PLIE,
    TypeOperateur.DEPARTEMENT,
}


def _marqueur_volume() -> str:
    return _siret("28000000")


def _texte_copy(valeur) -> str:
    """A value in PostgreSQL's COPY text format."""
    if valeur is None:
        return "\\N"
    if valeur is True:
        return "t"
    if valeur is False:
        return "f"
    if isinstance(valeur, str):
        return valeur.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(valeur, dt.date):
        return valeur.isoformat()
    return str(valeur)


class _Ecrivain:
    """Writes generated rows (tuples of ``champs``, attribute names) into a model's table.

    COPY: several times faster than INSERT, and no model instance per row. Columns left out get the model's
    defaults; ids, when the caller needs them before inserting (to link child rows), come from :meth:`reserver`.
    """

    def __init__(self, journal: Journal, debut: float):
        self.journal = journal
        self.debut = debut
        self.lignes: dict[str, int] = {}
        self.maintenant = timezone.now()
        with connection.cursor() as curseur:
            # Foreign keys are checked as rows arrive rather than all at commit: the progress lines tell the
            # truth, and millions of deferred checks do not pile up in memory.
            curseur.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def reserver(self, modele, nombre: int) -> int:
        """First of ``nombre`` consecutive ids kept for ``modele``'s next rows."""
        with connection.cursor() as curseur:
            curseur.execute("SELECT pg_get_serial_sequence(%s, %s)", [modele._meta.db_table, modele._meta.pk.column])
            sequence = curseur.fetchone()[0]
            curseur.execute("SELECT nextval(%s)", [sequence])
            premier = curseur.fetchone()[0]
            if nombre > 1:
                curseur.execute("SELECT setval(%s, %s)", [sequence, premier + nombre - 1])
        return premier

    def ecrire(self, modele, champs: list[str], lignes: Iterable[tuple], libelle: str) -> int:
        nombre = 0
        for paquet in _par_lots(lignes, TAILLE_LOT_COPY):
            self._copier(modele, champs, paquet)
            nombre += len(paquet)
        self.compter(libelle, nombre)
        return nombre

    def compter(self, libelle: str, nombre: int) -> None:
        self.lignes[libelle] = self.lignes.get(libelle, 0) + nombre
        self.journal(f"  {libelle} : {_nombre(nombre)} ({_secondes(self.debut)})")

    def _copier(self, modele, champs: list[str], paquet: list[tuple]) -> None:
        colonnes, plan = [], []
        for champ in modele._meta.concrete_fields:
            if champ.attname in champs:
                plan.append((champs.index(champ.attname), ""))
            elif champ.primary_key:
                continue  # the database numbers the row
            elif getattr(champ, "auto_now", False) or getattr(champ, "auto_now_add", False):
                plan.append((None, _texte_copy(self.maintenant)))
            elif champ.has_db_default() and not champ.has_default():
                continue  # the database's default fills it
            else:
                plan.append((None, _texte_copy(champ.get_default())))
            colonnes.append(connection.ops.quote_name(champ.column))
        texte = "".join(
            "\t".join(_texte_copy(ligne[i]) if i is not None else constante for i, constante in plan) + "\n"
            for ligne in paquet
        )
        sql = f"COPY {connection.ops.quote_name(modele._meta.db_table)} ({', '.join(colonnes)}) FROM STDIN"
        with connection.cursor() as curseur:
            curseur.copy_expert(sql, io.StringIO(texte))


class _Volume:
    """Builds the benchmark dataset: rows are tuples, written in batches; only ids and dates stay in memory."""

    def __init__(self, echelle: float, jour: dt.date, journal: Journal):
        self.echelle = echelle
        self.jour = jour
        self.rng = random.Random(GRAINE)
        self.dernier_mois = add_months(_premier(jour), -1)
        self.ecrivain = _Ecrivain(journal, time.monotonic())

    def volume(self, cle: str, minimum: int = 1) -> int:
        return max(minimum, round(VOLUMES_NATIONAUX[cle] * self.echelle))

    def _avec_ids(self, modele, champs: list[str], lignes: list[tuple], libelle: str) -> range:
        premier = self.ecrivain.reserver(modele, len(lignes))
        ids = range(premier, premier + len(lignes))
        self.ecrivain.ecrire(
            modele, ["id", *champs], ((pk, *ligne) for pk, ligne in zip(ids, lignes, strict=True)), libelle
        )
        return ids

    def executer(self) -> None:
        _structure_porteuse()
        _admin, camille = _comptes_de_base()
        self.saisi_par = camille.pk
        facilitateurs = [camille.pk, *self._facilitateurs()]
        donneurs = self._donneurs()
        self._conventions(donneurs)
        operateurs = self._operateurs()
        entreprises = self._entreprises()
        lots = self._marches_et_lots(donneurs, facilitateurs)
        attributions = self._attributions(lots, entreprises)
        participants = self._participants(operateurs)
        self._placements(attributions, participants, operateurs)

    def _statut(self, debut: dt.date, fin: dt.date) -> str:
        r = self.rng
        if debut > self.jour:
            tirage = r.random()
            if tirage < 0.03:
                return StatutMarche.SANS_SUITE
            if (debut - self.jour).days > 150:
                return StatutMarche.EN_PREPARATION
            return StatutMarche.EN_CONSULTATION if tirage < 0.6 else StatutMarche.ATTRIBUE
        if fin >= self.jour:
            return StatutMarche.EN_EXECUTION
        return StatutMarche.ACHEVE if (self.jour - fin).days < 365 else StatutMarche.SOLDE

    # Small tables: plain bulk_create.

    def _facilitateurs(self) -> list[int]:
        User = get_user_model()
        # One hash for all: hashing a password costs a few hundred milliseconds by design.
        mot_de_passe = make_password(MOT_DE_PASSE_DEMO)
        users = User.objects.bulk_create(
            User(
                email=f"facilitateur.{i:04d}@bench.clauses.example",
                first_name="Facilitateur",
                last_name=f"n° {i}",
                is_facilitateur=True,
                password=mot_de_passe,
            )
            for i in range(1, self.volume("facilitateurs", 2))
        )
        self.ecrivain.compter("facilitateurs", len(users))
        return [u.pk for u in users]

    def _donneurs(self) -> list[int]:
        r = self.rng
        donneurs = []
        for i in range(self.volume("donneurs", 3)):
            type_ = TypeDonneur.COMMUNE if i == 0 else _pondere(r, TYPES_DONNEURS)
            ville = VILLES_VOLUME[i % len(VILLES_VOLUME)]
            suffixe = f" {i // len(VILLES_VOLUME) + 1}" if i >= len(VILLES_VOLUME) else ""
            donneurs.append(
                DonneurDOrdre(
                    nom=f"{PREFIXES_DONNEURS[type_]} {ville}{suffixe}",
                    type=type_,
                    siret=_siret(f"28{i:06d}"),
                    commune=ville,
                )
            )
        DonneurDOrdre.objects.bulk_create(donneurs, batch_size=TAILLE_LOT_SQL)
        self.ecrivain.compter("donneurs d'ordre", len(donneurs))
        referent = _compte(COMPTE_REFERENT_VOLUME, "Référent", "de test")
        Referent.objects.get_or_create(user=referent, donneur_d_ordre=donneurs[0])
        return [d.pk for d in donneurs]

    def _conventions(self, donneurs: list[int]) -> None:
        r = self.rng
        conventions, avenants = [], []
        for i, donneur_id in enumerate(donneurs):
            effet = self.jour - dt.timedelta(days=r.randint(-60, ANNEES_VOLUME * 365))
            convention = Convention(
                donneur_d_ordre_id=donneur_id,
                numero=f"CI-{i + 1:05d}",
                date_effet=effet,
                date_signature=effet - dt.timedelta(days=20),
            )
            tirage = r.random()
            if tirage < 0.04 or effet > self.jour:
                convention.date_signature = None
            elif tirage < 0.12 and (self.jour - effet).days > 60:
                convention.date_denonciation = effet + dt.timedelta(days=r.randint(30, (self.jour - effet).days))
                convention.denoncee_par = r.choice(DenoncePar.values)
            conventions.append(convention)
            signature = effet + dt.timedelta(days=200)
            if tirage > 0.8 and convention.date_signature and signature < self.jour:
                avenants.append((convention, signature))
        Convention.objects.bulk_create(conventions, batch_size=TAILLE_LOT_SQL)
        self.ecrivain.compter("conventions", len(conventions))
        Avenant.objects.bulk_create(
            Avenant(
                convention=c,
                numero=1,
                objet="Extension aux marchés de services",
                date_signature=signature,
                # bulk_create skips Avenant.save(), which sets the date of effect.
                date_effet=c.periode_courante(signature).date_renouvellement,
            )
            for c, signature in avenants
        )
        self.ecrivain.compter("avenants", len(avenants))

    def _operateurs(self) -> dict[str, list[int]]:
        r = self.rng
        types = [t for t, *_ in OPERATEURS_DEMO]
        operateurs = [
            Operateur(
                nom=f"{TypeOperateur(types[i % len(types)]).label.split(' — ')[0]} {r.choice(VILLES_VOLUME)} {i + 1}",
                type=types[i % len(types)],
                siret=_siret(f"77{i:06d}"),
            )
            for i in range(self.volume("operateurs", len(types)))
        ]
        Operateur.objects.bulk_create(operateurs, batch_size=TAILLE_LOT_SQL)
        self.ecrivain.compter("opérateurs et prescripteurs", len(operateurs))
        par_type: dict[str, list[int]] = {}
        for operateur in operateurs:
            par_type.setdefault(operateur.type, []).append(operateur.pk)
        return par_type

    # Large tables: tuples, ids reserved ahead.

    def _entreprises(self) -> range:
        r = self.rng
        metiers = list(METIERS.values())
        lignes = []
        for i in range(self.volume("entreprises", 5)):
            naf, mots = r.choice(metiers)
            raison = f"{r.choice(mots)} {r.choice(NOMS)} {r.choice(FORMES)}"
            lignes.append((raison, _siret(f"9{i:07d}", nic=i % 9 + 1), naf, r.choice(VILLES_VOLUME)))
        return self._avec_ids(Entreprise, ["raison_sociale", "siret", "naf", "commune"], lignes, "entreprises")

    def _marches_et_lots(self, donneurs: list[int], facilitateurs: list[int]) -> list[tuple]:
        """Marchés spread over ten years (status follows from the dates), their lots and clauses."""
        r = self.rng
        corps = list(CorpsDEtat.objects.order_by("ordre", "pk").values_list("pk", "libelle", "part_main_oeuvre"))
        libelles_services = {CORPS[m] for m in CORPS_SERVICES}
        corps_services = [c for c in corps if c[1] in libelles_services] or corps
        corps_travaux = [c for c in corps if c[1] not in libelles_services] or corps
        nombre = self.volume("marches", 10)
        poids = [1 / (i + 1) ** 0.6 for i in range(len(donneurs))]  # a few large buyers, many small ones
        marches, specs = [], []
        for i, donneur_id in enumerate(r.choices(donneurs, weights=poids, k=nombre)):
            travaux = r.random() < 0.7
            debut = self.jour - dt.timedelta(days=r.randint(-365, ANNEES_VOLUME * 365))
            fin = add_months(debut, r.randint(3, 36)) - dt.timedelta(days=1)
            statut = self._statut(debut, fin)
            attribue = statut not in (
                StatutMarche.EN_PREPARATION,
                StatutMarche.EN_CONSULTATION,
                StatutMarche.SANS_SUITE,
            )
            publication = (
                None if statut == StatutMarche.EN_PREPARATION else debut - dt.timedelta(days=r.randint(90, 180))
            )
            objet = r.choice(OBJETS_TRAVAUX if travaux else OBJETS_SERVICES)
            marches.append(
                (
                    donneur_id,
                    r.choice(facilitateurs),
                    objet.format(nom=r.choice(NOMS_PROPRES), n=r.randint(20, 200)),
                    f"{(publication or debut).year}-{i + 1:06d}",
                    TypeMarche.TRAVAUX.value if travaux else TypeMarche.SERVICES.value,
                    statut.value if hasattr(statut, "value") else statut,
                    r.randint(50, 4000) * 1000,
                    AvisFaisabilite.FAVORABLE.value if attribue else AvisFaisabilite.A_ETUDIER.value,
                    publication,
                    publication + dt.timedelta(days=35) if publication else None,
                    debut - dt.timedelta(days=30) if attribue else None,
                    debut,
                    fin,
                )
            )
            specs.append((travaux, attribue, debut, fin))
        champs = ["donneur_d_ordre_id", "facilitateur_id", "objet", "reference", "type", "statut"]
        champs += ["montant_estime_ht", "avis_faisabilite", "date_publication", "date_remise_offres"]
        champs += ["date_attribution", "date_debut_prevue", "date_fin_prevue"]
        marche_ids = self._avec_ids(Marche, champs, marches, "marchés")
        del marches

        lots, clauses, lots_attribues = [], [], []
        for marche_id, (travaux, attribue, debut, fin) in zip(marche_ids, specs, strict=True):
            nombre_lots = r.choices(*LOTS_PAR_MARCHE)[0]
            for numero in range(1, nombre_lots + 1):
                corps_id, libelle, part = r.choice(corps_travaux if travaux else corps_services)
                montant = r.randint(20, 1500) * 1000
                taux, cout = r.choice([5, 7, 7, 8, 10, 10]), r.randint(25, 35)
                # Written in bulk: the formula of clauses.services.calculer_objectif, without a model instance per lot.
                heures = objectif.calculer_heures(Decimal(montant), part, Decimal(taux), Decimal(cout))
                lots.append((marche_id, str(numero) if nombre_lots > 1 else "Unique", libelle, montant, debut, fin))
                clauses.append((corps_id, montant, part, taux, cout, heures))
                lots_attribues.append((montant, heures, debut, fin) if attribue else None)
        lot_ids = self._avec_ids(
            Lot, ["marche_id", "numero", "intitule", "montant_ht", "date_debut", "date_fin"], lots, "lots"
        )
        del lots
        champs = ["lot_id", "corps_d_etat_id", "montant_ht", "part_main_oeuvre", "taux_insertion", "cout_horaire"]
        clause_ids = self._avec_ids(
            ClauseInsertion,
            [*champs, "heures_calculees"],
            [(lot_id, *clause) for lot_id, clause in zip(lot_ids, clauses, strict=True)],
            "clauses",
        )
        del clauses
        modalites = dict(ModaliteJuridique.objects.values_list("code", "pk"))
        condition, critere = modalites.get("condition_execution"), modalites.get("critere_attribution")
        lien = ClauseInsertion.modalites.through
        self.ecrivain.ecrire(
            lien,
            ["clauseinsertion_id", "modalitejuridique_id"],
            (
                (clause_id, modalite_id)
                for clause_id in clause_ids
                for modalite_id in ([condition, critere] if r.random() < 0.2 else [condition])
                if modalite_id
            ),
            "modalités des clauses",
        )
        return [(lot_id, *spec) for lot_id, spec in zip(lot_ids, lots_attribues, strict=True) if spec]

    def _attributions(self, lots: list[tuple], entreprises: range) -> list[tuple[int, dt.date, dt.date]]:
        """A titulaire per awarded lot; in one lot out of five, a co-traitant takes 40 % of the target."""
        r = self.rng
        lignes = []
        for lot_id, montant, heures, debut, fin in lots:
            titulaire = r.choice(entreprises)
            if r.random() < 0.2:
                cotraitant = r.choice(entreprises)
                if cotraitant != titulaire:
                    part = round(heures * 0.6)
                    lignes.append(
                        (
                            lot_id,
                            cotraitant,
                            RoleAttributaire.CO_TRAITANT.value,
                            montant * 4 // 10,
                            heures - part,
                            debut,
                            fin,
                        )
                    )
                    heures, montant = part, montant - montant * 4 // 10
            lignes.append((lot_id, titulaire, RoleAttributaire.TITULAIRE.value, montant, heures, debut, fin))
        champs = ["lot_id", "entreprise_id", "role", "montant_ht", "heures_objectif", "date_debut", "date_fin"]
        ids = self._avec_ids(Attribution, champs, lignes, "attributions")
        return [(pk, ligne[5], ligne[6]) for pk, ligne in zip(ids, lignes, strict=True)]

    def _participants(self, operateurs: dict[str, list[int]]) -> range:
        r = self.rng
        prescripteurs = [pk for type_, ids in operateurs.items() if type_ in PRESCRIPTEURS_VOLUME for pk in ids]
        criteres = list(CritereEligibilite.objects.order_by("ordre", "pk").values_list("pk", flat=True))
        # Bulk inserts skip Participant.save(), which numbers participants: references are drawn here.
        references = Participant.objects.nouvelles_references(self.volume("participants", 10))
        naissance_min, etendue = dt.date(1960, 1, 1), (dt.date(2006, 12, 31) - dt.date(1960, 1, 1)).days
        niveaux, poids_niveaux = zip(*NIVEAUX, strict=True)
        lignes, choisis = [], []
        for reference in references:
            genre = Genre.FEMME.value if r.random() < 0.3 else Genre.HOMME.value
            qpv = r.random() < 0.3
            lignes.append(
                (
                    reference,
                    r.choice(NOMS),
                    r.choice(PRENOMS[genre]),
                    naissance_min + dt.timedelta(days=r.randint(0, etendue)),
                    genre,
                    r.choice(VILLES_VOLUME),
                    qpv,
                    "Quartier prioritaire" if qpv else "",
                    r.choices(niveaux, weights=poids_niveaux)[0].value,
                    r.choice(prescripteurs),
                )
            )
            choisis.append(r.sample(criteres, 1 if r.random() < 0.55 else 2) if criteres else [])
        champs = ["reference", "nom", "prenom", "date_naissance", "genre", "commune", "reside_qpv", "qpv"]
        champs += ["niveau_qualification", "prescripteur_id"]
        ids = self._avec_ids(Participant, champs, lignes, "participants")
        del lignes
        self.ecrivain.ecrire(
            Participant.criteres.through,
            ["participant_id", "critereeligibilite_id"],
            (
                (pk, critere)
                for pk, criteres_du_participant in zip(ids, choisis, strict=True)
                for critere in criteres_du_participant
            ),
            "critères des participants",
        )
        return ids

    def _placements(
        self, attributions: list[tuple[int, dt.date, dt.date]], participants: range, operateurs: dict[str, list[int]]
    ) -> None:
        r = self.rng
        # Only attributions whose works started a month ago or more have hours.
        limite = add_months(self.jour, -1)
        eligibles = [a for a in attributions if a[1] <= limite]
        if not eligibles:
            return
        par_modalite = {
            m: [pk for t in sorted(types) for pk in operateurs.get(t, [])] or [None]
            for m, types in OPERATEUR_PAR_MODALITE.items()
        }
        modalites, poids_modalites = zip(*MODALITES_PLACEMENT, strict=True)
        contrats, poids_contrats = zip(*CONTRATS_EMBAUCHE, strict=True)
        lignes = []
        for _ in range(self.volume("placements", 10)):
            attribution_id, debut_lot, fin_lot = r.choice(eligibles)
            plafond = min(fin_lot, limite)
            debut = debut_lot + dt.timedelta(days=r.randint(0, max(0, (plafond - debut_lot).days)))
            fin_prevue = add_months(debut, r.choices(*MOIS_PAR_PLACEMENT)[0]) - dt.timedelta(days=1)
            fin = fin_prevue if fin_prevue < self.jour else None
            modalite = r.choices(modalites, weights=poids_modalites)[0]
            if modalite == ModalitePlacement.EMBAUCHE_DIRECTE:
                operateur, contrat = None, r.choices(contrats, weights=poids_contrats)[0]
            else:
                operateur, contrat = r.choice(par_modalite[modalite]), CONTRAT_PAR_MODALITE[modalite][0]
            lignes.append(
                (
                    r.choice(participants),
                    attribution_id,
                    modalite.value,
                    operateur,
                    contrat.value,
                    debut,
                    fin_prevue,
                    fin,
                    35,
                )
            )
        champs = ["participant_id", "attribution_id", "modalite", "operateur_id", "type_contrat", "date_debut"]
        champs += ["date_fin_prevue", "date_fin", "duree_hebdomadaire"]
        ids = self._avec_ids(Placement, champs, lignes, "placements")
        dates = [(debut, fin_prevue, fin) for *_, debut, fin_prevue, fin, _hebdo in lignes]
        del lignes

        def heures() -> Iterator[tuple]:
            for pk, (debut, fin_prevue, fin) in zip(ids, dates, strict=True):
                mois, dernier = _premier(debut), min(_premier(fin or fin_prevue), self.dernier_mois)
                while mois <= dernier:
                    yield pk, mois, r.randint(20, 160), self.saisi_par
                    mois = add_months(mois, 1)

        self.ecrivain.ecrire(
            HeuresMensuelles, ["placement_id", "mois", "heures", "saisi_par_id"], heures(), "heures mensuelles"
        )

        situations, poids_situations = zip(*SITUATIONS_FIN, strict=True)

        def sorties() -> Iterator[tuple]:
            for pk, (_debut, _fin_prevue, fin) in zip(ids, dates, strict=True):
                if fin is None or r.random() < 0.2:
                    continue
                yield (
                    pk,
                    MomentSortie.FIN_PARCOURS.value,
                    fin,
                    r.choices(situations, weights=poids_situations)[0].value,
                )
                six_mois = add_months(fin, 6)
                if six_mois <= self.jour and r.random() < 0.3:
                    yield (
                        pk,
                        MomentSortie.SIX_MOIS.value,
                        six_mois,
                        r.choices(situations, weights=poids_situations)[0].value,
                    )

        self.ecrivain.ecrire(Sortie, ["placement_id", "moment", "date_constat", "situation"], sorties(), "sorties")


def _par_lots(objets: Iterable, taille: int) -> Iterator[list]:
    lot = []
    for objet in objets:
        lot.append(objet)
        if len(lot) >= taille:
            yield lot
            lot = []
    if lot:
        yield lot


def comptes_volume() -> list[tuple[str, str]]:
    return [
        ("administrateur", COMPTE_ADMIN),
        ("facilitatrice", COMPTE_FACILITATEUR),
        ("référent du premier donneur d'ordre", COMPTE_REFERENT_VOLUME),
    ]


def charger_volume(echelle: float, jour: dt.date | None = None, journal: Journal = _silence) -> Resultat:
    """The benchmark dataset at ``echelle`` × the national volumes; does nothing if it is already there."""
    jour = jour or timezone.localdate()
    debut = time.monotonic()
    with transaction.atomic():
        if DonneurDOrdre.objects.filter(siret=_marqueur_volume()).exists():
            return Resultat(False, "Le jeu de données de performance est déjà présent : rien n'a été modifié.")
        generateur = _Volume(echelle, jour, journal)
        generateur.executer()
    lignes = generateur.ecrivain.lignes
    message = f"Jeu de données de performance chargé en {_secondes(debut)} : {_resume(lignes)}."
    return Resultat(True, message, comptes_volume(), lignes)
