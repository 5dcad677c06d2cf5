"""Default contents of the reference tables; loaded by a migration, then edited in the admin."""

MODALITES_JURIDIQUES = [
    # Mandatory since 22 August 2026 at or above the European thresholds, save exceptions (L2112-2-1): the drafter
    # says so when the facilitator ticks it, the article of the modality stays L2112-2, true of every marché.
    ("condition_execution", "Condition d'exécution", "L2112-2"),
    ("critere_attribution", "Critère d'attribution", "L2152-7 et R2152-7"),
    ("reserve_siae", "Marché réservé aux SIAE", "L2113-13"),
    ("reserve_ea_esat", "Marché réservé aux EA et ESAT", "L2113-12 et R2113-7"),
    # Social and other specific services (the notice annexed to the code lists them) may be bought under the
    # adapted procedure whatever their value: R2123-1 3°, not the whole article (1° is the value threshold).
    (
        "insertion_qualification",
        "Marché d'insertion et de qualification (services sociaux, procédure adaptée)",
        "R2123-1 3°",
    ),
]

CRITERES_ELIGIBILITE = [
    ("deld", "Demandeur d'emploi de longue durée (inscrit depuis plus de 12 mois)"),
    ("rsa", "Bénéficiaire du RSA"),
    ("ass_aah", "Bénéficiaire de l'ASS, de l'AAH ou d'une pension d'invalidité"),
    ("rqth", "Travailleur reconnu handicapé (RQTH)"),
    ("jeune", "Jeune de moins de 26 ans, sorti du système scolaire depuis 6 mois, peu qualifié"),
    ("senior", "Personne de plus de 50 ans"),
    ("siae_epide_e2c", "Salarié d'une SIAE, d'un EPIDE ou d'une E2C"),
    ("avis_prescripteur", "Autre public validé par le facilitateur sur avis motivé d'un prescripteur"),
]

# Labour share of common trades and services, as facilitators' guides give them (orders of magnitude,
# to be adjusted locally).
CORPS_D_ETAT = [
    ("Gros œuvre, maçonnerie", "50"),
    ("Terrassement, VRD", "35"),
    ("Démolition, désamiantage", "55"),
    ("Charpente, ossature bois", "40"),
    ("Charpente et ossature métalliques", "20"),
    ("Couverture, étanchéité", "45"),
    ("Menuiseries extérieures", "30"),
    ("Menuiseries intérieures", "45"),
    ("Plâtrerie, cloisons, faux plafonds", "60"),
    ("Peinture intérieure", "70"),
    ("Ravalement de façades", "60"),
    ("Revêtements de sols", "45"),
    ("Carrelage, faïence", "55"),
    ("Plomberie, chauffage, ventilation", "40"),
    ("Électricité, courants faibles", "40"),
    ("Serrurerie, métallerie", "35"),
    ("Voirie, réseaux", "35"),
    ("Espaces verts : création", "50"),
    ("Espaces verts : entretien", "70"),
    ("Nettoyage, propreté des locaux", "80"),
    ("Restauration collective", "45"),
    ("Collecte des déchets", "60"),
    ("Déménagement, manutention", "70"),
    ("Gardiennage, accueil", "80"),
]
