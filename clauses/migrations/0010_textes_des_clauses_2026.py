"""The shipped clause texts in the facilitators' usual wording (Alliance Villes Emploi's practice), and the
modality of social services cited precisely.

- « l'acheteur » where the texts said « pouvoir adjudicateur » (the Code de la commande publique's word);
- penalties in euros, not « euros HT » (a penalty is no supply of goods or services: it bears no VAT);
- no more « Ces pénalités ne sont pas plafonnées », which went against the cap of the CCAG 2021 without
  derogating from it: $plafond_penalites says either that the CCAG's cap applies, or that the CCAP derogates
  from the CCAG's article the facilitator names when drafting;
- $mention_seuils_europeens: the clause meets the obligation of article L2112-2-1 (loi Climat et résilience,
  art. 35), for a marché at or above the European thresholds, when the facilitator says so when drafting;
- « Marché d'insertion et de qualification », article R2123-1 3° (social and other specific services, which
  may be bought under the adapted procedure whatever their value), no longer the bare « R2123-1 ».

A text or a modality is updated only while it is still the one shipped before: an admin's edit is kept. The
texts are frozen here, as in 0005, so that this migration stays what it was when it ran.
"""

import importlib

from django.db import migrations, models

# The texts 0005 shipped, which that migration keeps frozen.
PRECEDENTS = {m[0]: m[4] for m in importlib.import_module("clauses.migrations.0005_modeles_clauses").MODELES}

PENALITES = (
    "Le titulaire tient à la disposition de l'acheteur et du facilitateur tout document permettant de vérifier la "
    "réalisation de son engagement.\n"
    "En cas de non-respect de son engagement d'insertion, non imputable à des circonstances extérieures dûment "
    "justifiées auprès de l'acheteur, le titulaire encourt, après mise en demeure restée sans effet pendant quinze "
    "jours, une pénalité de 30 euros par heure d'insertion non réalisée. Le défaut de transmission des "
    "justificatifs demandés par le facilitateur entraîne, après mise en demeure restée sans effet pendant huit "
    "jours, une pénalité de 100 euros par jour de retard. Ces pénalités ne sont pas soumises à la TVA. Avant de "
    "les appliquer, l'acheteur invite le titulaire à présenter ses observations. $plafond_penalites"
)

FACILITATEUR = (
    "Pour la mise en œuvre de son engagement, le titulaire bénéficie gratuitement de l'appui du facilitateur de la "
    "clause sociale, $facilitateur ($structure), joignable à l'adresse $email_facilitateur ou au "
    "$telephone_structure. Dans les quinze jours suivant la notification du marché, le titulaire prend contact "
    "avec le facilitateur pour arrêter les modalités de réalisation de son engagement. Il lui transmet chaque mois "
    "l'état des heures réalisées et, à sa demande, tout justificatif utile (contrats de travail, relevés d'heures, "
    "attestations des structures d'insertion). Le facilitateur valide l'éligibilité des personnes recrutées et "
    "rend compte de l'exécution de la clause à l'acheteur."
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

TEXTES = {
    "condition-execution-ccap": (
        "Article X – Clause d'insertion sociale\n"
        "En application de l'article $article du Code de la commande publique, le présent marché comporte une "
        "clause sociale d'insertion qui constitue une condition d'exécution. $mention_seuils_europeens\n"
        "X.1 – Engagement du titulaire\n"
        "Le titulaire s'engage à réaliser une action d'insertion permettant l'accès ou le retour à l'emploi de "
        "personnes rencontrant des difficultés sociales ou professionnelles particulières. Pour le $lot du marché "
        "« $marche », il réserve à ces personnes un nombre minimal de $heures heures ($heures_lettres heures) de "
        "travail pendant la durée d'exécution du marché. $mention_qpv\n"
        "X.2 – Publics concernés\n" + PUBLICS + "\n"
        "X.3 – Modalités de réalisation\n" + MODALITES_DE_REALISATION + "\n"
        "X.4 – Accompagnement et suivi\n" + FACILITATEUR + "\n"
        "X.5 – Contrôle et pénalités\n" + PENALITES
    ),
    "condition-execution-avis": (
        "Clause sociale d'insertion – Information des candidats\n"
        "L'acheteur, $donneur, a inscrit dans le marché « $marche » une clause sociale d'insertion, condition "
        "d'exécution au sens de l'article $article du Code de la commande publique. $mention_seuils_europeens "
        "Pour le $lot, le titulaire devra réserver au moins $heures heures de travail à des personnes éloignées de "
        "l'emploi. $mention_qpv\n"
        "Cette condition s'impose à tous les candidats, qui en tiennent compte dans leur offre ; elle n'est pas un "
        "critère de choix des offres. Elle peut être réalisée par embauche directe, par la mise à disposition de "
        "salariés par une structure d'insertion (ETTI, AI, GEIQ), par la sous-traitance ou la co-traitance avec une "
        "entreprise d'insertion ou un atelier et chantier d'insertion, ou par des actions de formation.\n"
        "Pour préparer votre offre puis, après l'attribution, pour réaliser votre engagement (choix des modalités, "
        "mise en relation avec les structures d'insertion du territoire, présélection de candidats, suivi dans "
        "l'emploi), le facilitateur de la clause sociale est à votre disposition gratuitement : $facilitateur, "
        "$structure — $email_facilitateur — $telephone_structure."
    ),
    "critere-attribution-ccap": (
        "Article Y – Engagements d'insertion professionnelle\n"
        "Les offres ont été appréciées notamment au regard de leurs performances en matière d'insertion "
        "professionnelle des publics en difficulté, conformément aux articles $article du Code de la commande "
        "publique. Les engagements pris par le titulaire dans son offre à ce titre (nombre d'heures de travail "
        "réservées à des personnes éloignées de l'emploi, modalités de recrutement, d'accompagnement, de tutorat "
        "et de formation) ont valeur contractuelle. Pour le $lot, ils ne peuvent être inférieurs à $heures heures.\n"
        "Le titulaire rend compte chaque mois de leur exécution au facilitateur de la clause sociale, $facilitateur "
        "($structure, $email_facilitateur), qui en informe l'acheteur.\n" + PENALITES
    ),
    "reserve-siae-ccap": (
        "Article Z – Marché réservé aux structures d'insertion par l'activité économique\n"
        "En application de l'article $article du Code de la commande publique, le $lot du marché « $marche » est "
        "réservé aux structures d'insertion par l'activité économique mentionnées à l'article L5132-4 du Code du "
        "travail et aux structures équivalentes, qui emploient une proportion minimale de 50 % de travailleurs "
        "défavorisés.\n"
        "Le titulaire s'engage à affecter à l'exécution du marché des salariés en parcours d'insertion, pour au "
        "moins $heures heures de travail, et à leur proposer un accompagnement socioprofessionnel. Il transmet "
        "chaque mois au facilitateur de la clause sociale, $facilitateur ($structure, $email_facilitateur), l'état "
        "des heures réalisées et, à sa demande, tout justificatif utile. Il informe sans délai l'acheteur de toute "
        "modification de son conventionnement."
    ),
    "reserve-ea-esat-ccap": (
        "Article Z – Marché réservé aux entreprises adaptées et aux ESAT\n"
        "En application des articles $article du Code de la commande publique, le $lot du marché « $marche » est "
        "réservé aux entreprises adaptées, aux établissements et services d'accompagnement par le travail et aux "
        "structures équivalentes, qui emploient une proportion minimale de 50 % de travailleurs handicapés. Le "
        "titulaire en justifie à toute demande de l'acheteur pendant l'exécution du marché et transmet au "
        "facilitateur, $facilitateur ($structure), l'état des heures de travail réalisées."
    ),
}

AIDE_TEXTE = (
    "Variables possibles : $heures (objectif d'heures d'insertion du lot (ex. : 833)), $heures_lettres (l"
    "e même objectif en lettres (ex. : huit cent trente-trois)), $lot (numéro et intitulé du lot), $march"
    "e (objet du marché), $reference (référence du marché chez le donneur d'ordre), $donneur (nom du donn"
    "eur d'ordre), $structure (nom de la structure porteuse du facilitateur), $facilitateur (nom du facil"
    "itateur en charge), $email_facilitateur (e-mail du facilitateur), $telephone_facilitateur (téléphone"
    " du facilitateur), $telephone_structure (téléphone de la structure porteuse), $part_qpv (part minima"
    "le d'heures pour des habitants de QPV (ex. : 5 %)), $mention_qpv (phrase sur la part minimale pour d"
    "es habitants de QPV (vide s'il n'y en a pas)), $taux_insertion (taux d'insertion retenu (ex. : 5 %))"
    ", $plafond_penalites (phrase sur le plafond des pénalités : soumises au plafond du CCAG, ou dérogati"
    "on à son article choisie à la rédaction), $mention_seuils_europeens (phrase sur l'obligation de l'ar"
    "ticle L2112-2-1 (marché égal ou supérieur aux seuils européens, choisi à la rédaction ; vide sinon))"
    ", $article (article du Code de la commande publique de la modalité)."
)

# code, previous (libellé, article), new (libellé, article)
MODALITES = [
    (
        "insertion_qualification",
        ("Marché d'insertion et de qualification", "R2123-1"),
        ("Marché d'insertion et de qualification (services sociaux, procédure adaptée)", "R2123-1 3°"),
    ),
]


def _pareil(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def charger(apps, schema_editor):
    ModeleClause = apps.get_model("clauses", "ModeleClause")
    ModaliteJuridique = apps.get_model("clauses", "ModaliteJuridique")
    for modele in ModeleClause.objects.filter(code__in=TEXTES):
        if _pareil(modele.texte, PRECEDENTS[modele.code]):
            modele.texte = TEXTES[modele.code]
            modele.save(update_fields=["texte"])
    for code, (libelle, article), (nouveau_libelle, nouvel_article) in MODALITES:
        ModaliteJuridique.objects.filter(code=code, libelle=libelle).update(libelle=nouveau_libelle)
        ModaliteJuridique.objects.filter(code=code, article=article).update(article=nouvel_article)


def revenir(apps, schema_editor):
    ModeleClause = apps.get_model("clauses", "ModeleClause")
    ModaliteJuridique = apps.get_model("clauses", "ModaliteJuridique")
    for modele in ModeleClause.objects.filter(code__in=TEXTES):
        if _pareil(modele.texte, TEXTES[modele.code]):
            modele.texte = PRECEDENTS[modele.code]
            modele.save(update_fields=["texte"])
    for code, (libelle, article), (nouveau_libelle, nouvel_article) in MODALITES:
        ModaliteJuridique.objects.filter(code=code, libelle=nouveau_libelle).update(libelle=libelle)
        ModaliteJuridique.objects.filter(code=code, article=nouvel_article).update(article=article)


class Migration(migrations.Migration):
    dependencies = [("clauses", "0009_une_seule_residence_qpv")]

    operations = [
        migrations.AlterField(
            model_name="modeleclause",
            name="texte",
            field=models.TextField(help_text=AIDE_TEXTE, verbose_name="texte"),
        ),
        migrations.RunPython(charger, revenir),
    ]
