"""The words of the demo: trades, jobs, names, places, weights of the random draws."""

import random

from clauses.models import (
    Genre,
    ModalitePlacement,
    NiveauQualification,
    Situation,
    TypeContrat,
)

# --- Reference vocabulary --------------------------------------------------------------------------

# Short aliases of the labour-share table loaded by migration (clauses.referentiels.CORPS_D_ETAT).
CORPS = {
    "GO": "Gros œuvre, maçonnerie",
    "VRD": "Terrassement, VRD",
    "DEMO": "Démolition, désamiantage",
    "CHB": "Charpente, ossature bois",
    "CHM": "Charpente et ossature métalliques",
    "COUV": "Couverture, étanchéité",
    "MEXT": "Menuiseries extérieures",
    "MINT": "Menuiseries intérieures",
    "PLAT": "Plâtrerie, cloisons, faux plafonds",
    "PEINT": "Peinture intérieure",
    "FACADE": "Ravalement de façades",
    "SOLS": "Revêtements de sols",
    "CARR": "Carrelage, faïence",
    "CVC": "Plomberie, chauffage, ventilation",
    "ELEC": "Électricité, courants faibles",
    "SERR": "Serrurerie, métallerie",
    "VOIRIE": "Voirie, réseaux",
    "EVC": "Espaces verts : création",
    "EVE": "Espaces verts : entretien",
    "NETT": "Nettoyage, propreté des locaux",
    "RESTO": "Restauration collective",
    "DECH": "Collecte des déchets",
    "DEM": "Déménagement, manutention",
    "GARD": "Gardiennage, accueil",
}
CORPS_TRAVAUX = ["GO", "VRD", "DEMO", "CHB", "CHM", "COUV", "MEXT", "MINT", "PLAT", "PEINT", "FACADE", "SOLS"]
CORPS_TRAVAUX += ["CARR", "CVC", "ELEC", "SERR", "VOIRIE", "EVC"]
CORPS_SERVICES = ["EVE", "NETT", "RESTO", "DECH", "DEM", "GARD"]
# Finishing trades start once the structure is up: their lots begin later in the works.
SECOND_OEUVRE = {"MINT", "PLAT", "PEINT", "SOLS", "CARR"}

# (NAF code, words that make a company name) per trade.
METIERS = {
    "GO": ("43.99C", ["Maçonnerie", "Bâtiment", "Construction"]),
    "VRD": ("43.12A", ["Terrassement", "Travaux publics", "TP"]),
    "DEMO": ("43.11Z", ["Démolition", "Désamiantage"]),
    "CHB": ("43.91A", ["Charpente", "Bois et charpente"]),
    "CHM": ("25.11Z", ["Métal", "Charpentes métalliques"]),
    "COUV": ("43.91B", ["Couverture", "Toitures", "Étanchéité"]),
    "MEXT": ("43.32A", ["Menuiserie", "Alu et PVC"]),
    "MINT": ("43.32A", ["Menuiseries", "Agencement"]),
    "PLAT": ("43.31Z", ["Plâtrerie", "Plaquisterie", "Isolation"]),
    "PEINT": ("43.34Z", ["Peinture", "Décoration", "Peinture et revêtements"]),
    "FACADE": ("43.34Z", ["Façades"]),
    "SOLS": ("43.33Z", ["Sols", "Revêtements"]),
    "CARR": ("43.33Z", ["Carrelage"]),
    "CVC": ("43.22B", ["Plomberie", "Chauffage", "Thermique"]),
    "ELEC": ("43.21A", ["Électricité", "Élec", "Énergies"]),
    "SERR": ("43.32B", ["Serrurerie", "Métallerie"]),
    "VOIRIE": ("42.11Z", ["Routes", "Enrobés", "Voirie"]),
    "EVC": ("81.30Z", ["Paysages", "Jardins"]),
    "EVE": ("81.30Z", ["Espaces verts", "Paysages"]),
    "NETT": ("81.21Z", ["Propreté", "Nettoyage", "Services"]),
    "RESTO": ("56.29A", ["Restauration", "Cuisine collective"]),
    "DECH": ("38.11Z", ["Environnement", "Collecte"]),
    "DEM": ("49.42Z", ["Déménagements"]),
    "GARD": ("80.10Z", ["Sécurité", "Accueil et sécurité"]),
}
POSTES = {
    "GO": ["Aide-maçon", "Maçon", "Manœuvre"],
    "VRD": ["Ouvrier de travaux publics", "Manœuvre TP", "Conducteur d'engins"],
    "DEMO": ["Ouvrier de démolition", "Manœuvre"],
    "CHB": ["Aide-charpentier", "Charpentier"],
    "CHM": ["Monteur en charpente métallique", "Manœuvre"],
    "COUV": ["Aide-couvreur", "Étancheur"],
    "MEXT": ["Poseur de menuiseries", "Aide-menuisier"],
    "MINT": ["Menuisier poseur", "Aide-menuisier"],
    "PLAT": ["Plaquiste", "Aide-plâtrier"],
    "PEINT": ["Peintre en bâtiment", "Aide-peintre"],
    "FACADE": ["Façadier", "Aide-façadier"],
    "SOLS": ["Solier", "Aide-solier"],
    "CARR": ["Carreleur", "Aide-carreleur"],
    "CVC": ["Aide-plombier", "Plombier chauffagiste"],
    "ELEC": ["Aide-électricien", "Électricien"],
    "SERR": ["Serrurier métallier", "Aide-métallier"],
    "VOIRIE": ["Ouvrier VRD", "Canalisateur", "Manœuvre TP"],
    "EVC": ["Ouvrier paysagiste", "Jardinier"],
    "EVE": ["Jardinier", "Agent d'entretien des espaces verts"],
    "NETT": ["Agent de propreté", "Agent de service"],
    "RESTO": ["Commis de cuisine", "Agent de restauration"],
    "DECH": ["Ripeur", "Agent de collecte"],
    "DEM": ["Déménageur", "Manutentionnaire"],
    "GARD": ["Agent d'accueil", "Agent de sécurité"],
    None: ["Agent polyvalent", "Ouvrier polyvalent"],
}
LIEUX = ["du Delta", "de Camargue", "des Alpilles", "du Rhône", "de la Crau", "Provence", "Méditerranée", "Sud"]
LIEUX += ["du Pays d'Arles", "Montagnette", "du Trébon", "de Trinquetaille", "Rhodanienne", "Sud-Est"]
FORMES = ["SARL", "SAS", "SAS", "EURL", "SA", "SARL"]
VILLES_ENTREPRISES = [
    ("Arles", "13200"),
    ("Arles", "13200"),
    ("Tarascon", "13150"),
    ("Saint-Martin-de-Crau", "13310"),
    ("Fos-sur-Mer", "13270"),
    ("Salon-de-Provence", "13300"),
    ("Châteaurenard", "13160"),
    ("Saint-Rémy-de-Provence", "13210"),
    ("Istres", "13800"),
    ("Beaucaire", "30300"),
    ("Nîmes", "30000"),
    ("Avignon", "84000"),
    ("Marseille", "13014"),
]
ADRESSES_ENTREPRISES = [
    "ZI Nord, rue Marcel Paul",
    "ZA du Roubian",
    "ZAC du Bois de Leuze",
    "Parc d'activités de Fourchon",
    "avenue de Stalingrad",
    "chemin du Mas de Pâques",
    "route de Fontvieille",
    "avenue de la Libération",
    "rue de la République",
    "ZA des Grandes Terres",
]

PRENOMS = {
    Genre.HOMME: (
        "Mohamed Karim Yassine Mehdi Nicolas Julien Kévin Anthony Thomas Sébastien Jordan Dylan Rachid Sofiane "
        "Ibrahima Moussa Mamadou Jean-Pierre Patrick Christophe Manuel José Antoine Lucas Enzo Bilal Nordine "
        "Stéphane David Romain Hugo Samir Florian Mathieu Alexandre Franck Abdel Loïc Gérard Ryan"
    ).split(),
    Genre.FEMME: (
        "Fatima Nadia Samia Sarah Laura Julie Aurélie Céline Sandrine Amina Inès Marie Manon Chloé Léa Aïcha "
        "Karima Nathalie Isabelle Sophie Émilie Yasmina Mélanie Océane Jessica Carole Myriam Malika Christelle Sonia"
    ).split(),
}
NOMS = (
    "Martin, Bernard, Garcia, Martinez, Lopez, Fernandez, Rodriguez, Sanchez, Gonzalez, Perez, Roux, Fabre, "
    "Michel, Blanc, Chauvet, Girard, Bonnet, Fournier, Mercier, Rey, Guerin, Benali, Haddad, Bouzid, Mansouri, "
    "Cherif, Amrani, Belkacem, Khelifi, Saidi, Ait Ali, Diallo, Traoré, Ndiaye, Camara, Sylla, Reyes, Moreno, "
    "Romero, Navarro, Esposito, Rossi, Ferrari, Bianchi, Silva, Pereira, Costa, Ferreira, Nguyen, Leroy, Moreau, "
    "Laurent, Simon, Lefebvre, Roussel, Arnaud, Gauthier, Chevalier, Bertrand, Morel, Faure, André, Mathieu, "
    "Julien, Rousseau, Vincent, Durand, Dupont, Lambert, Bonnefoy, Aubert, Marchetti, Castillo, Vidal, Pons, "
    "Roche, Olivier, Barthélemy, Ribeiro, Mendes, Hamidi"
).split(", ")

COMMUNES_PARTICIPANTS = [
    # (commune, code postal, poids)
    ("Arles", "13200", 48),
    ("Tarascon", "13150", 12),
    ("Saint-Martin-de-Crau", "13310", 10),
    ("Raphèle-lès-Arles", "13280", 4),
    ("Salin-de-Giraud", "13129", 3),
    ("Mas-Thibert", "13104", 3),
    ("Boulbon", "13150", 2),
    ("Fontvieille", "13990", 3),
    ("Beaucaire", "30300", 6),
    ("Saint-Rémy-de-Provence", "13210", 4),
    ("Port-Saint-Louis-du-Rhône", "13230", 5),
]
# Priority neighbourhoods (QPV) of Arles.
QPV_ARLES = ["Griffeuille", "Barriol", "Trébon"]
NIVEAUX = [
    (NiveauQualification.INFRA_3, 40),
    (NiveauQualification.NIVEAU_3, 30),
    (NiveauQualification.NIVEAU_4, 18),
    (NiveauQualification.NIVEAU_5, 8),
    (NiveauQualification.NIVEAU_6_PLUS, 4),
]
CRITERES_GENERAUX = [("deld", 35), ("rsa", 25), ("ass_aah", 5), ("rqth", 10), ("siae_epide_e2c", 10)]
CRITERES_GENERAUX += [("avis_prescripteur", 5)]

MODALITES_PLACEMENT = [
    # Nationally about a third of the hours come from direct hiring and a third from ETTI.
    (ModalitePlacement.EMBAUCHE_DIRECTE, 33),
    (ModalitePlacement.MAD_ETTI, 33),
    (ModalitePlacement.MAD_AI, 9),
    (ModalitePlacement.MAD_GEIQ, 10),
    (ModalitePlacement.SOUS_TRAITANCE_SIAE, 9),
    (ModalitePlacement.FORMATION, 6),
]
CONTRATS_EMBAUCHE = [
    (TypeContrat.CDD, 40),
    (TypeContrat.CDI_CHANTIER, 20),
    (TypeContrat.CDI, 10),
    (TypeContrat.APPRENTISSAGE, 10),
    (TypeContrat.PROFESSIONNALISATION, 20),
]
# (contract, weekly hours, shortest and longest duration in months)
CONTRAT_PAR_MODALITE = {
    ModalitePlacement.MAD_ETTI: (TypeContrat.INTERIM, 35, 1, 6),
    ModalitePlacement.MAD_AI: (TypeContrat.MAD_AI, 24, 1, 6),
    ModalitePlacement.MAD_GEIQ: (TypeContrat.PROFESSIONNALISATION, 35, 6, 12),
    ModalitePlacement.SOUS_TRAITANCE_SIAE: (TypeContrat.CDDI, 26, 4, 10),
    ModalitePlacement.FORMATION: (TypeContrat.FORMATION, 35, 1, 3),
}
DUREES_EMBAUCHE = {
    TypeContrat.CDD: (3, 9),
    TypeContrat.CDI_CHANTIER: (6, 14),
    TypeContrat.CDI: (6, 14),
    TypeContrat.APPRENTISSAGE: (10, 18),
    TypeContrat.PROFESSIONNALISATION: (6, 12),
}
SITUATIONS_FIN = [
    (Situation.CDI, 12),
    (Situation.CDD_LONG, 10),
    (Situation.INTERIM_LONG, 8),
    (Situation.FONCTION_PUBLIQUE, 1),
    (Situation.CREATION, 1),
    (Situation.CDD_COURT, 12),
    (Situation.INTERIM_COURT, 12),
    (Situation.CONTRAT_AIDE, 6),
    (Situation.FORMATION_QUALIFIANTE, 10),
    (Situation.EMBAUCHE_SIAE, 6),
    (Situation.CHOMAGE, 14),
    (Situation.INACTIVITE, 3),
    (Situation.SANS_NOUVELLES, 4),
    (Situation.AUTRE, 1),
]
SITUATIONS_EMPLOI = {
    Situation.CDI,
    Situation.CDD_LONG,
    Situation.INTERIM_LONG,
    Situation.CDD_COURT,
    Situation.INTERIM_COURT,
    Situation.CONTRAT_AIDE,
}


def _pondere(rng: random.Random, choix: list[tuple]):
    valeurs, poids = zip(*choix, strict=True)
    return rng.choices(valeurs, weights=poids)[0]
