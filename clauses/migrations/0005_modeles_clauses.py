"""Default clause texts for the drafter, in French legal drafting; admins adapt them afterwards.

The texts are frozen here (not imported from the code) so that the migration stays what it was when it ran.
"""

from django.db import migrations

PENALITES = (
    "En cas de non-respect de son engagement, non imputable à des circonstances extérieures dûment justifiées "
    "auprès du pouvoir adjudicateur, le titulaire encourt, après mise en demeure restée sans effet pendant "
    "quinze jours, une pénalité de 30 euros HT par heure d'insertion non réalisée. Le défaut de transmission des "
    "justificatifs demandés par le facilitateur entraîne, après mise en demeure restée sans effet pendant huit "
    "jours, une pénalité de 100 euros HT par jour de retard. Ces pénalités ne sont pas plafonnées et s'ajoutent, "
    "le cas échéant, aux autres pénalités prévues par le marché."
)

FACILITATEUR = (
    "Le titulaire bénéficie gratuitement de l'appui du facilitateur de la clause sociale, $facilitateur "
    "($structure), joignable à l'adresse $email_facilitateur ou au $telephone_structure. Dans les quinze jours "
    "suivant la notification du marché, le titulaire prend contact avec le facilitateur pour arrêter les "
    "modalités de réalisation de son engagement. Il lui transmet chaque mois l'état des heures réalisées et, à sa "
    "demande, tout justificatif utile (contrats de travail, relevés d'heures, attestations des structures "
    "d'insertion). Le facilitateur valide l'éligibilité des personnes recrutées et rend compte de l'exécution de "
    "la clause au pouvoir adjudicateur."
)

MODALITES_DE_REALISATION = (
    "Le titulaire peut satisfaire à son engagement par l'une ou plusieurs des modalités suivantes : l'embauche "
    "directe (contrat à durée indéterminée, contrat à durée déterminée, contrat de chantier, contrat "
    "d'apprentissage ou de professionnalisation) ; la mise à disposition de salariés par une entreprise de travail "
    "temporaire d'insertion (ETTI), une association intermédiaire (AI) ou un groupement d'employeurs pour "
    "l'insertion et la qualification (GEIQ) ; la sous-traitance ou la co-traitance avec une entreprise "
    "d'insertion (EI) ou un atelier et chantier d'insertion (ACI) ; des actions de formation qualifiante. Seuls "
    "les nouveaux recrutements sont pris en compte."
)

PUBLICS = (
    "Sont notamment éligibles : les demandeurs d'emploi de longue durée (inscrits depuis plus de douze mois) ; "
    "les bénéficiaires du RSA ; les bénéficiaires de l'ASS, de l'AAH ou d'une pension d'invalidité ; les "
    "travailleurs reconnus handicapés ; les jeunes de moins de 26 ans sortis du système scolaire depuis au moins "
    "six mois et peu qualifiés ; les personnes de plus de 50 ans ; les salariés d'une structure d'insertion par "
    "l'activité économique, d'un EPIDE ou d'une école de la deuxième chance ; les habitants des quartiers "
    "prioritaires de la politique de la ville ; toute autre personne dont l'éligibilité est validée par le "
    "facilitateur sur avis motivé d'un prescripteur."
)

MODELES = [
    (
        "condition-execution-ccap",
        "Condition d'exécution — article du CCAP",
        "ccap",
        "condition_execution",
        "Article X – Clause d'insertion sociale\n"
        "En application de l'article $article du Code de la commande publique, le présent marché comporte une "
        "clause sociale d'insertion qui constitue une condition d'exécution.\n"
        "X.1 – Engagement du titulaire\n"
        "Le titulaire s'engage à réaliser une action d'insertion permettant l'accès ou le retour à l'emploi de "
        "personnes rencontrant des difficultés sociales ou professionnelles particulières. Pour le $lot du marché "
        "« $marche », il réserve à ces personnes un nombre minimal de $heures heures ($heures_lettres heures) de "
        "travail pendant la durée d'exécution du marché. $mention_qpv\n"
        "X.2 – Publics concernés\n" + PUBLICS + "\n"
        "X.3 – Modalités de réalisation\n" + MODALITES_DE_REALISATION + "\n"
        "X.4 – Accompagnement et suivi\n" + FACILITATEUR + "\n"
        "X.5 – Contrôle et pénalités\n" + PENALITES,
    ),
    (
        "condition-execution-avis",
        "Condition d'exécution — avis aux candidats",
        "avis",
        "condition_execution",
        "Clause sociale d'insertion – Information des candidats\n"
        "Le pouvoir adjudicateur, $donneur, a inscrit dans le marché « $marche » une clause sociale d'insertion, condition d'exécution au "
        "sens de l'article $article du Code de la commande publique. Pour le $lot, le titulaire devra réserver au "
        "moins $heures heures de travail à des personnes éloignées de l'emploi. $mention_qpv\n"
        "Cette condition s'impose à tous les candidats, qui en tiennent compte dans leur offre ; elle n'est pas un "
        "critère de choix des offres. Elle peut être réalisée par embauche directe, par la mise à disposition de "
        "salariés par une structure d'insertion (ETTI, AI, GEIQ), par la sous-traitance ou la co-traitance avec une "
        "entreprise d'insertion ou un atelier et chantier d'insertion, ou par des actions de formation.\n"
        "Pour préparer votre offre puis, après l'attribution, pour réaliser votre engagement (choix des modalités, "
        "mise en relation avec les structures d'insertion du territoire, présélection de candidats, suivi dans "
        "l'emploi), le facilitateur de la clause sociale est à votre disposition gratuitement : $facilitateur, "
        "$structure — $email_facilitateur — $telephone_structure.",
    ),
    (
        "critere-attribution-ccap",
        "Critère d'attribution — article du CCAP",
        "ccap",
        "critere_attribution",
        "Article Y – Engagements d'insertion professionnelle\n"
        "Les offres ont été appréciées notamment au regard de leurs performances en matière d'insertion "
        "professionnelle des publics en difficulté, conformément aux articles $article du Code de la commande "
        "publique. Les engagements pris par le titulaire dans son offre à ce titre (nombre d'heures de travail "
        "réservées à des personnes éloignées de l'emploi, modalités de recrutement, d'accompagnement, de tutorat "
        "et de formation) ont valeur contractuelle. Pour le $lot, ils ne peuvent être inférieurs à $heures heures.\n"
        "Le titulaire rend compte chaque mois de leur exécution au facilitateur de la clause sociale, $facilitateur "
        "($structure, $email_facilitateur), qui en informe le pouvoir adjudicateur.\n" + PENALITES,
    ),
    (
        "critere-attribution-avis",
        "Critère d'attribution — avis aux candidats",
        "avis",
        "critere_attribution",
        "Critère d'attribution « Performance en matière d'insertion professionnelle »\n"
        "Pour le $lot du marché « $marche », les offres sont notamment jugées sur leurs performances en matière "
        "d'insertion professionnelle des publics en difficulté (articles $article du Code de la commande "
        "publique). Les candidats joignent à leur offre une note qui précise : le nombre d'heures de travail "
        "qu'ils réservent à des personnes éloignées de l'emploi (à titre indicatif, $heures heures sont "
        "attendues) ; les publics visés ; les modalités de recrutement et le recours éventuel à des structures "
        "d'insertion ; l'accompagnement, le tutorat et la formation proposés ; les perspectives d'emploi à "
        "l'issue du marché. Les engagements pris auront valeur contractuelle.\n"
        "Le facilitateur de la clause sociale peut vous aider à construire cette proposition : $facilitateur, "
        "$structure — $email_facilitateur — $telephone_structure.",
    ),
    (
        "reserve-siae-ccap",
        "Marché réservé aux SIAE — article du CCAP",
        "ccap",
        "reserve_siae",
        "Article Z – Marché réservé aux structures d'insertion par l'activité économique\n"
        "En application de l'article $article du Code de la commande publique, le $lot du marché « $marche » est "
        "réservé aux structures d'insertion par l'activité économique mentionnées à l'article L5132-4 du Code du "
        "travail et aux structures équivalentes, qui emploient une proportion minimale de 50 % de travailleurs "
        "défavorisés.\n"
        "Le titulaire s'engage à affecter à l'exécution du marché des salariés en parcours d'insertion, pour au "
        "moins $heures heures de travail, et à leur proposer un accompagnement socioprofessionnel. Il transmet "
        "chaque mois au facilitateur de la clause sociale, $facilitateur ($structure, $email_facilitateur), l'état "
        "des heures réalisées et, à sa demande, tout justificatif utile. Il informe sans délai le pouvoir "
        "adjudicateur de toute modification de son conventionnement.",
    ),
    (
        "reserve-siae-avis",
        "Marché réservé aux SIAE — avis aux candidats",
        "avis",
        "reserve_siae",
        "Marché réservé aux structures d'insertion par l'activité économique\n"
        "Le $lot du marché « $marche » est réservé aux structures d'insertion par l'activité économique "
        "(entreprises d'insertion, entreprises de travail temporaire d'insertion, associations intermédiaires, "
        "ateliers et chantiers d'insertion) et aux structures équivalentes, en application de l'article $article "
        "du Code de la commande publique. Seules les candidatures de ces structures sont recevables : chaque "
        "candidat, et chaque membre d'un groupement, justifie de son conventionnement par l'État en cours de "
        "validité.\n"
        "Le facilitateur de la clause sociale répond à vos questions : $facilitateur, $structure — "
        "$email_facilitateur — $telephone_structure.",
    ),
    (
        "reserve-ea-esat-ccap",
        "Marché réservé aux EA et ESAT — article du CCAP",
        "ccap",
        "reserve_ea_esat",
        "Article Z – Marché réservé aux entreprises adaptées et aux ESAT\n"
        "En application des articles $article du Code de la commande publique, le $lot du marché « $marche » est "
        "réservé aux entreprises adaptées, aux établissements et services d'accompagnement par le travail et aux "
        "structures équivalentes, qui emploient une proportion minimale de 50 % de travailleurs handicapés. Le "
        "titulaire en justifie à toute demande du pouvoir adjudicateur pendant l'exécution du marché et transmet au "
        "facilitateur, $facilitateur ($structure), l'état des heures de travail réalisées.",
    ),
    (
        "reserve-ea-esat-avis",
        "Marché réservé aux EA et ESAT — avis aux candidats",
        "avis",
        "reserve_ea_esat",
        "Marché réservé aux entreprises adaptées et aux ESAT\n"
        "Le $lot du marché « $marche » est réservé aux entreprises adaptées, aux établissements et services "
        "d'accompagnement par le travail et aux structures équivalentes employant au moins 50 % de travailleurs "
        "handicapés (articles $article du Code de la commande publique). Les candidats en justifient dans leur "
        "candidature. Renseignements : $facilitateur, $structure — $email_facilitateur.",
    ),
]


def charger(apps, schema_editor):
    ModaliteJuridique = apps.get_model("clauses", "ModaliteJuridique")
    ModeleClause = apps.get_model("clauses", "ModeleClause")
    modalites = {m.code: m for m in ModaliteJuridique.objects.all()}
    for code, titre, destination, modalite, texte in MODELES:
        ModeleClause.objects.get_or_create(
            code=code,
            defaults={
                "titre": titre,
                "destination": destination,
                "modalite": modalites.get(modalite),
                "texte": texte,
                "actif": modalite in modalites,
            },
        )


def retirer(apps, schema_editor):
    apps.get_model("clauses", "ModeleClause").objects.filter(code__in=[m[0] for m in MODELES]).delete()


class Migration(migrations.Migration):
    dependencies = [("clauses", "0004_modeleclause")]

    operations = [migrations.RunPython(charger, retirer)]
