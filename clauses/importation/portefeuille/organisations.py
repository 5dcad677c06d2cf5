"""The sheets of the organisations and their agreements: donneurs d'ordre, référents, conventions, avenants."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from clauses.importation.lecture import Colonne
from clauses.importation.portefeuille.cellules import (
    Champ,
    Ligne,
    booleen,
    choix,
    code_postal,
    date_,
    email,
    entier,
    siret,
    texte,
)
from clauses.importation.portefeuille.moteur import Entree, Genre, Lue, TypeFeuille, cle_base, par_lots
from clauses.importation.portefeuille.references import ParSiretOuNom, colonne_donneur
from conventions import calendrier
from conventions.models import (
    Avenant,
    Convention,
    DenoncePar,
    DonneurDOrdre,
    Periodicite,
    Referent,
    TypeDonneur,
)

# --- Donneurs d'ordre ---------------------------------------------------------------------------------------

DONNEURS = TypeFeuille(
    cle="donneurs",
    titre="Donneurs d'ordre",
    synonymes=("Donneurs", "Donneur d'ordre", "Acheteurs", "Maîtres d'ouvrage", "DO"),
    colonnes=(
        Colonne("nom", "Nom", ("Nom du donneur d'ordre", "Raison sociale", "Dénomination"), "Ville d'Arles", "Texte."),
        Colonne(
            "type",
            "Type",
            ("Type de donneur d'ordre", "Catégorie"),
            "Commune",
            "Commune, EPCI, Département, Région, Bailleur social, Établissement public, SEM / SPL, Établissement "
            "de santé, Services de l'État ou Autre.",
        ),
        Colonne("siret", "SIRET", ("N° SIRET", "Numéro SIRET"), "21130004100012", "14 chiffres."),
        Colonne("adresse", "Adresse", (), "Hôtel de ville, place de la République", "Texte."),
        Colonne("code_postal", "Code postal", ("CP",), "13200", "5 chiffres."),
        Colonne("commune", "Commune", ("Ville",), "Arles", "Texte."),
        Colonne("email", "E-mail", ("Courriel", "Adresse e-mail"), "commande-publique@ville-arles.fr", "Adresse."),
        Colonne("telephone", "Téléphone", ("Tél.",), "04 90 49 36 36", "Texte."),
        Colonne(
            "periodicite",
            "Périodicité des rapports",
            ("Périodicité",),
            "Trimestrielle",
            "Mensuelle ou Trimestrielle (par défaut).",
        ),
        Colonne("actif", "Actif", (), "oui", "oui ou non (oui par défaut)."),
    ),
    obligatoires=("nom", "type"),
    cle_naturelle="Le SIRET ; à défaut, le nom.",
    description="Un donneur d'ordre par ligne : collectivités, bailleurs, établissements publics…",
)


class Donneurs(ParSiretOuNom):
    definition = DONNEURS
    modele = DonneurDOrdre
    nom_feuille = "Donneurs d'ordre"
    nom_objet = "donneur d'ordre"
    champs = (
        Champ("nom", "nom", texte(200), True),
        Champ("type", "type", choix(TypeDonneur, EPCI="epci", Etat="etat"), True),
        Champ("siret", "siret", siret),
        Champ("adresse", "adresse", texte(250)),
        Champ("code_postal", "code_postal", code_postal),
        Champ("commune", "commune", texte(100)),
        Champ("email", "email", email),
        Champ("telephone", "telephone", texte(30)),
        Champ("periodicite", "periodicite_rapport", choix(Periodicite)),
        Champ("actif", "actif", booleen),
    )
    champs_base = ("type", "adresse", "code_postal", "commune", "email", "telephone", "periodicite_rapport", "actif")

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        valeurs = ligne.champs(self.champs)
        cle = self.lire_cle(ligne, valeurs)
        if cle is None:
            return None
        lue = Lue(ligne, cle[0], valeurs, cle[1])
        self.enregistrer_nom(lue, valeurs["nom"])
        return lue

    def decrire_cle(self, lue: Lue) -> str:
        return str(lue.entree.d)


# --- Référents ---------------------------------------------------------------------------------------------

REFERENTS = TypeFeuille(
    cle="referents",
    titre="Référents",
    synonymes=("Référent", "Référents des donneurs d'ordre", "Contacts des donneurs d'ordre"),
    colonnes=(
        colonne_donneur(),
        Colonne(
            "email", "E-mail", ("Courriel", "Adresse e-mail", "E-mail du référent"), "j.arnaud@arles.fr", "Adresse."
        ),
        Colonne("prenom", "Prénom", (), "Jeanne", "Texte (pour un compte nouveau)."),
        Colonne("nom", "Nom", (), "Arnaud", "Texte (pour un compte nouveau)."),
        Colonne("telephone", "Téléphone", ("Tél.",), "04 90 49 35 00", "Texte (pour un compte nouveau)."),
        Colonne("fonction", "Fonction", ("Poste",), "Responsable de la commande publique", "Texte."),
        Colonne("principal", "Référent principal", ("Principal",), "oui", "oui (par défaut) ou non."),
    ),
    obligatoires=("donneur", "email"),
    cle_naturelle="Le donneur d'ordre et l'e-mail du référent.",
    description=(
        "Les personnes que chaque donneur d'ordre désigne : un compte est créé pour une adresse inconnue de "
        "Clauses, sans mot de passe (la personne en choisit un par « Mot de passe oublié »)."
    ),
)


@dataclass
class _Compte:
    email: str
    prenom: str
    nom: str
    telephone: str


class Referents(Genre):
    definition = REFERENTS
    modele = Referent
    champs = (
        Champ("fonction", "fonction", texte(200)),
        Champ("principal", "principal", booleen),
    )
    libelles = {"user_id": "Compte", "donneur_d_ordre_id": "Donneur d'ordre"}

    def __init__(self, contexte):
        super().__init__(contexte)
        self.comptes: dict[str, Entree] = {}

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        donneur = self.contexte["donneurs"].trouver(ligne, "donneur")
        adresse = ligne.lire("email", email, True)
        identite = {
            c: ligne.lire(c, texte(150 if c != "telephone" else 30)) or "" for c in ("prenom", "nom", "telephone")
        }
        valeurs = ligne.champs(self.champs)
        if donneur is None or adresse is None:
            return None
        adresse = adresse.strip().lower()
        if adresse not in self.comptes:
            self.comptes[adresse] = Entree(
                d=_Compte(adresse, identite["prenom"], identite["nom"], identite["telephone"])
            )
        compte = self.comptes[adresse]
        return Lue(ligne, (donneur, adresse), {"donneur_d_ordre_id": donneur, "user_id": compte, **valeurs})

    def conclure(self) -> None:
        User = get_user_model()
        for lot in par_lots(list(self.comptes)):
            for pk, adresse in User.objects.filter(email__in=lot).values_list("pk", "email"):
                self.comptes[adresse].pk = pk
        nouveaux = sum(1 for entree in self.comptes.values() if entree.pk is None)
        if nouveaux:
            self.contexte.rapport.remarques.append(
                f"{nouveaux} compte{'s' if nouveaux > 1 else ''} de référent "
                f"{'seront créés' if nouveaux > 1 else 'sera créé'} sans mot de passe : chaque personne en "
                "choisit un par « Mot de passe oublié » sur la page de connexion."
            )
        super().conclure()

    def cle_en_base(self, lue: Lue) -> tuple | None:
        return cle_base(lue.valeurs["donneur_d_ordre_id"], lue.valeurs["user_id"])

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        donneurs = {donneur for donneur, _ in cles}
        voulues = set(cles)
        resultat = {}
        for lot in par_lots(donneurs):
            for ligne in Referent.objects.filter(donneur_d_ordre_id__in=lot).values(
                "pk", "donneur_d_ordre_id", "user_id", "fonction", "principal"
            ):
                cle = (ligne["donneur_d_ordre_id"], ligne["user_id"])
                if cle in voulues:
                    resultat[cle] = ligne
        return resultat

    def decrire_cle(self, lue: Lue) -> str:
        return f"{lue.cle[1]} — {lue.cle[0].d}"

    def appliquer(self) -> None:
        User = get_user_model()
        nouveaux = [entree for entree in self.comptes.values() if entree.pk is None]
        sans_mot_de_passe = make_password(None)
        comptes = [
            User(
                email=entree.d.email,
                first_name=entree.d.prenom,
                last_name=entree.d.nom,
                telephone=entree.d.telephone,
                password=sans_mot_de_passe,
            )
            for entree in nouveaux
        ]
        User.objects.bulk_create(comptes, batch_size=1000)
        for entree, compte in zip(nouveaux, comptes, strict=True):
            entree.pk = compte.pk
        super().appliquer()


# --- Conventions --------------------------------------------------------------------------------------------

CONVENTIONS = TypeFeuille(
    cle="conventions",
    titre="Conventions",
    synonymes=("Convention", "Conventions de coopération"),
    colonnes=(
        colonne_donneur(),
        Colonne(
            "date_effet",
            "Date d'effet",
            ("Prend effet le", "Début", "Date de début"),
            "01/01/2024",
            "JJ/MM/AAAA : premier jour de la première période annuelle.",
        ),
        Colonne("numero", "Numéro", ("N°", "Numéro de convention"), "ACCM-CI-2024-01", "Texte."),
        Colonne("objet", "Objet", (), "Clauses d'insertion dans les marchés", "Texte."),
        Colonne(
            "date_signature", "Date de signature", ("Signée le",), "10/12/2023", "JJ/MM/AAAA ; vide si non signée."
        ),
        Colonne(
            "duree_mois", "Durée d'une période (mois)", ("Durée (mois)", "Durée"), "12", "Nombre (12 par défaut)."
        ),
        Colonne(
            "preavis_mois", "Préavis (mois)", ("Préavis",), "3", "Nombre, plus court que la durée (3 par défaut)."
        ),
        Colonne(
            "date_denonciation",
            "Date de dénonciation",
            ("Dénoncée le",),
            "",
            "JJ/MM/AAAA, si une partie l'a dénoncée.",
        ),
        Colonne(
            "denoncee_par",
            "Dénoncée par",
            (),
            "",
            "La structure porteuse, ou Le donneur d'ordre (obligatoire avec une date de dénonciation).",
        ),
        Colonne("motif_denonciation", "Motif de la dénonciation", ("Motif",), "", "Texte."),
        Colonne("notes", "Notes", ("Commentaire",), "", "Texte."),
    ),
    obligatoires=("donneur", "date_effet"),
    cle_naturelle="Le donneur d'ordre et la date d'effet.",
    description="Les conventions de coopération, une par ligne.",
)


@dataclass
class _Calendrier:
    """What ``conventions.calendrier`` reads of a convention, for an avenant's date of effect."""

    date_effet: dt.date
    duree_mois: int
    preavis_mois: int
    date_denonciation: dt.date | None
    libelle: str
    date_signature: dt.date | None = None

    def __str__(self) -> str:
        return self.libelle


class Conventions(Genre):
    definition = CONVENTIONS
    modele = Convention
    champs = (
        Champ("numero", "numero", texte(50)),
        Champ("objet", "objet", texte(250)),
        Champ("date_signature", "date_signature", date_),
        Champ("duree_mois", "duree_mois", entier(1, 600)),
        Champ("preavis_mois", "preavis_mois", entier(0, 600)),
        Champ("date_denonciation", "date_denonciation", date_),
        Champ(
            "denoncee_par",
            "denoncee_par",
            choix(DenoncePar, **{"structure porteuse": "structure_porteuse", "donneur d'ordre": "donneur_d_ordre"}),
        ),
        Champ("motif_denonciation", "motif_denonciation", texte(5000)),
        Champ("notes", "notes", texte(5000)),
    )
    libelles = {"donneur_d_ordre_id": "Donneur d'ordre"}

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        donneur = self.contexte["donneurs"].trouver(ligne, "donneur")
        effet = ligne.lire("date_effet", date_, True)
        valeurs = ligne.champs(self.champs)
        if donneur is None or effet is None:
            return None
        return Lue(ligne, (donneur, effet), {"donneur_d_ordre_id": donneur, "date_effet": effet, **valeurs})

    def __init__(self, contexte):
        super().__init__(contexte)
        self.base: dict[tuple, dict] | None = None

    def charger(self) -> dict[tuple, dict]:
        """Every stored convention by (donneur d'ordre, date of effect): 3,000 rows nationally, read once."""
        if self.base is None:
            self.base = {}
            champs = [c.champ for c in self.champs]
            for ligne in Convention.objects.order_by("pk").values("pk", "donneur_d_ordre_id", "date_effet", *champs):
                self.base.setdefault((ligne["donneur_d_ordre_id"], ligne["date_effet"]), ligne)
        return self.base

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        base = self.charger()
        return {cle: base[cle] for cle in cles if cle in base}

    def verifier(self, lue: Lue, apres: dict) -> None:
        duree, preavis = apres.get("duree_mois", 12), apres.get("preavis_mois", 3)
        if preavis is not None and duree is not None and preavis >= duree:
            lue.ligne.erreur(
                "preavis_mois", f"le préavis ({preavis} mois) doit être plus court que la durée ({duree} mois)."
            )
        denonciation = apres.get("date_denonciation")
        if denonciation is not None and denonciation < apres["date_effet"]:
            lue.ligne.erreur("date_denonciation", "la dénonciation ne peut pas précéder la date d'effet.")
        if denonciation is not None and not apres.get("denoncee_par"):
            lue.ligne.erreur("denoncee_par", "indiquez quelle partie a dénoncé la convention.")

    def apres_conclusion(self, lue: Lue, apres: dict) -> None:
        donneur = lue.cle[0]
        lue.entree.d = _Calendrier(
            apres["date_effet"],
            apres.get("duree_mois", 12),
            apres.get("preavis_mois", 3),
            apres.get("date_denonciation"),
            f"Convention du {apres['date_effet']:%d/%m/%Y} — {donneur.d}",
        )

    def decrire_cle(self, lue: Lue) -> str:
        return f"Convention du {lue.cle[1]:%d/%m/%Y} — {lue.cle[0].d}"

    def trouver(self, ligne: Ligne, colonne_donneur: str, colonne_date: str) -> Entree | None:
        """The convention of a donneur d'ordre and a date of effect, in this sheet or in Clauses."""
        donneur = self.contexte["donneurs"].trouver(ligne, colonne_donneur)
        effet = ligne.lire(colonne_date, date_, True)
        if donneur is None or effet is None:
            return None
        entree = self.index.get((donneur, effet))
        if entree is not None:
            return entree
        convention = self.charger().get((donneur.pk, effet)) if donneur.pk is not None else None
        if convention is not None:
            entree = Entree(
                convention["pk"],
                d=_Calendrier(
                    effet,
                    convention["duree_mois"],
                    convention["preavis_mois"],
                    convention["date_denonciation"],
                    f"Convention du {effet:%d/%m/%Y} — {donneur.d}",
                ),
            )
            self.index[(donneur, effet)] = entree
            return entree
        ligne.erreur(
            colonne_date,
            f"aucune convention de {donneur.d} ne prend effet le {effet:%d/%m/%Y}, ni dans {self.la_feuille} ni "
            "dans Clauses.",
        )
        return None


# --- Avenants ----------------------------------------------------------------------------------------------

AVENANTS = TypeFeuille(
    cle="avenants",
    titre="Avenants",
    synonymes=("Avenant", "Avenants aux conventions"),
    colonnes=(
        colonne_donneur(),
        Colonne(
            "date_effet_convention",
            "Date d'effet de la convention",
            ("Convention du", "Date d'effet convention"),
            "01/01/2024",
            "JJ/MM/AAAA : la date d'effet de la convention modifiée (feuille Conventions ou Clauses).",
        ),
        Colonne("numero", "Numéro", ("N°", "Numéro de l'avenant"), "1", "Nombre entier, à partir de 1."),
        Colonne("objet", "Objet", (), "Extension aux marchés de services", "Texte."),
        Colonne(
            "date_signature",
            "Date de signature",
            ("Signé le",),
            "15/07/2024",
            "JJ/MM/AAAA. L'avenant prend effet au renouvellement annuel qui suit (calculé).",
        ),
        Colonne("description", "Description", (), "", "Texte."),
    ),
    obligatoires=("donneur", "date_effet_convention", "numero", "objet", "date_signature"),
    cle_naturelle="La convention (donneur d'ordre et date d'effet) et le numéro de l'avenant.",
    description="Les avenants des conventions, un par ligne.",
)


NUMERO_AVENANT = entier(1, 32767)


class Avenants(Genre):
    definition = AVENANTS
    modele = Avenant
    champs = (
        Champ("objet", "objet", texte(250), True),
        Champ("date_signature", "date_signature", date_, True),
        Champ("description", "description", texte(5000)),
    )
    libelles = {"date_effet": "Prend effet le"}

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        convention = self.contexte["conventions"].trouver(ligne, "donneur", "date_effet_convention")
        numero = ligne.lire("numero", NUMERO_AVENANT, True)
        valeurs = ligne.champs(self.champs)
        if convention is None or numero is None:
            return None
        return Lue(ligne, (convention, numero), {"convention_id": convention, "numero": numero, **valeurs})

    def completer(self, lue: Lue, existant: dict | None) -> None:
        calendrier_convention = lue.cle[0].d
        signature = lue.valeurs.get("date_signature")
        if signature is None or not isinstance(calendrier_convention, _Calendrier):
            return
        effet = calendrier.periode_courante(calendrier_convention, signature).date_renouvellement
        if effet <= signature:
            lue.ligne.erreur(
                "date_signature", "la convention est terminée à cette date : l'avenant ne prendrait pas effet."
            )
            return
        lue.valeurs["date_effet"] = effet

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        voulues = set(cles)
        resultat = {}
        for lot in par_lots({convention for convention, _ in cles}):
            for ligne in Avenant.objects.filter(convention_id__in=lot).values(
                "pk", "convention_id", "numero", "objet", "date_signature", "date_effet", "description"
            ):
                cle = (ligne["convention_id"], ligne["numero"])
                if cle in voulues:
                    resultat[cle] = ligne
        return resultat

    def decrire_cle(self, lue: Lue) -> str:
        return f"Avenant n° {lue.cle[1]} — {lue.cle[0].d}"


GENRES = (Donneurs, Referents, Conventions, Avenants)
