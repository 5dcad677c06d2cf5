from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.views.generic import DetailView

from config.definition_liste import DefinitionListe
from config.listes import VueListe
from config.permissions import FacilitateurRequisMixin
from config.vues import VueCreation, VueModification
from entreprises.filters import EntrepriseFilter, OperateurFilter
from entreprises.forms import EntrepriseForm, OperateurForm
from entreprises.models import Entreprise, Operateur


class DefinitionEntreprises(DefinitionListe):
    model = Entreprise
    filterset_class = EntrepriseFilter
    titre = "Entreprises"
    nom_export = "entreprises"
    tris = {
        "raison_sociale": "raison_sociale",
        "siret": "siret",
        "commune": "commune",
        "attributions": "nb_attributions",
    }
    # The same count as the annotation, by one grouped join to order all the entreprises.
    tris_agreges = {"attributions": Count("attributions")}
    tri_par_defaut = "raison_sociale"
    colonnes_export = [
        ("Raison sociale", lambda e: e.raison_sociale),
        ("SIRET", lambda e: e.siret),
        ("Code NAF", lambda e: e.naf),
        ("Adresse", lambda e: e.adresse),
        ("Code postal", lambda e: e.code_postal),
        ("Commune", lambda e: e.commune),
        ("Contact", lambda e: e.contact_nom),
        ("E-mail", lambda e: e.contact_email),
        ("Téléphone", lambda e: e.contact_telephone),
        ("Attributions", lambda e: e.nb_attributions),
    ]

    def lignes(self):
        # A subquery rather than a grouped join: the page computes it for its own rows only. Reached through the
        # relation, since entreprises does not import marches.
        Attribution = Entreprise._meta.get_field("attributions").related_model
        attributions = (
            Attribution.objects.filter(entreprise=OuterRef("pk"))
            .order_by()
            .values("entreprise")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Entreprise.objects.annotate(
            nb_attributions=Coalesce(Subquery(attributions, output_field=IntegerField()), Value(0))
        )


class EntrepriseListe(VueListe):
    definition = DefinitionEntreprises
    template_name = "entreprises/entreprise_list.html"


class EntrepriseDetail(FacilitateurRequisMixin, DetailView):
    model = Entreprise
    template_name = "entreprises/entreprise_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["titre"] = self.object.raison_sociale
        context["attributions"] = (
            self.object.attributions.select_related("lot__marche__donneur_d_ordre")
            .annotate(
                realisees=Coalesce(
                    Sum("placements__heures__heures"),
                    Value(0),
                    output_field=DecimalField(max_digits=12, decimal_places=2),
                )
            )
            .order_by("-lot__marche__cree_le", "lot__numero")
        )
        return context


class EntrepriseCreation(VueCreation):
    model = Entreprise
    form_class = EntrepriseForm
    template_name = "entreprises/entreprise_form.html"
    success_message = "L'entreprise « %(raison_sociale)s » a été enregistrée."
    titre = "Nouvelle entreprise"
    url_succes = "entreprises:entreprise"


class EntrepriseModification(VueModification):
    model = Entreprise
    form_class = EntrepriseForm
    template_name = "entreprises/entreprise_form.html"
    success_message = "L'entreprise « %(raison_sociale)s » a été modifiée."
    titre = "Modifier {objet.raison_sociale}"
    url_succes = "entreprises:entreprise"


class DefinitionOperateurs(DefinitionListe):
    model = Operateur
    filterset_class = OperateurFilter
    titre = "Opérateurs d'insertion et prescripteurs"
    nom_export = "operateurs"
    tris = {"nom": "nom", "type": "type", "commune": "commune"}
    tri_par_defaut = "nom"
    colonnes_export = [
        ("Nom", lambda o: o.nom),
        ("Type", lambda o: o.get_type_display()),
        ("SIRET", lambda o: o.siret),
        ("Commune", lambda o: o.commune),
        ("Contact", lambda o: o.contact_nom),
        ("E-mail", lambda o: o.email),
        ("Téléphone", lambda o: o.telephone),
        ("Métiers et secteurs", lambda o: o.metiers),
        ("Actif", lambda o: o.actif),
    ]


class OperateurListe(VueListe):
    definition = DefinitionOperateurs
    template_name = "entreprises/operateur_list.html"


class OperateurDetail(FacilitateurRequisMixin, DetailView):
    model = Operateur
    template_name = "entreprises/operateur_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre=self.object.nom, **kwargs)


class OperateurCreation(VueCreation):
    model = Operateur
    form_class = OperateurForm
    template_name = "entreprises/operateur_form.html"
    success_message = "« %(nom)s » a été ajouté à l'annuaire."
    titre = "Nouvel opérateur ou prescripteur"
    url_succes = "entreprises:operateur"


class OperateurModification(VueModification):
    model = Operateur
    form_class = OperateurForm
    template_name = "entreprises/operateur_form.html"
    success_message = "« %(nom)s » a été modifié."
    titre = "Modifier {objet.nom}"
    url_succes = "entreprises:operateur"
