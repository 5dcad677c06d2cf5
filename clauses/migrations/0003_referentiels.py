from django.db import migrations


def charger(apps, schema_editor):
    from clauses.referentiels import CORPS_D_ETAT, CRITERES_ELIGIBILITE, MODALITES_JURIDIQUES

    ModaliteJuridique = apps.get_model("clauses", "ModaliteJuridique")
    CritereEligibilite = apps.get_model("clauses", "CritereEligibilite")
    CorpsDEtat = apps.get_model("clauses", "CorpsDEtat")
    for ordre, (code, libelle, article) in enumerate(MODALITES_JURIDIQUES):
        ModaliteJuridique.objects.update_or_create(
            code=code, defaults={"libelle": libelle, "article": article, "ordre": ordre}
        )
    for ordre, (code, libelle) in enumerate(CRITERES_ELIGIBILITE):
        CritereEligibilite.objects.update_or_create(code=code, defaults={"libelle": libelle, "ordre": ordre})
    for ordre, (libelle, part) in enumerate(CORPS_D_ETAT):
        CorpsDEtat.objects.get_or_create(libelle=libelle, defaults={"part_main_oeuvre": part, "ordre": ordre})


class Migration(migrations.Migration):
    dependencies = [("clauses", "0002_initial")]

    operations = [migrations.RunPython(charger, migrations.RunPython.noop)]
