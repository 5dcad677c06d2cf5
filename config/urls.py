from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from config.listes import suggestions
from config.pages_legales import declaration_accessibilite, mentions_legales, plan_du_site
from config.sante import sante
from config.securite import DemandeReinitialisation, ReinitialisationConfirmee
from config.vues import fichier_export, mes_exports
from conventions.forms import AdminConnexionForm, ConnexionForm, ReinitialisationMotDePasseForm

admin.site.site_header = "Clauses — administration"
admin.site.site_title = "Clauses"
admin.site.index_title = "Administration des clauses sociales d'insertion"
admin.site.login_form = AdminConnexionForm

urlpatterns = [
    path("", include("reporting.urls")),
    path("portail/", include("reporting.portail.urls")),
    path("", include("conventions.urls")),
    path("", include("marches.urls")),
    path("", include("entreprises.urls")),
    path("", include("clauses.urls")),
    path(
        "connexion/",
        login_not_required(
            auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=ConnexionForm)
        ),
        name="connexion",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    # Password reset by email, under Django's URL names; Django marks these views login_not_required.
    path(
        "mot-de-passe/oublie/",
        DemandeReinitialisation.as_view(
            form_class=ReinitialisationMotDePasseForm,
            email_template_name="registration/password_reset_email.txt",
            html_email_template_name="registration/password_reset_email.html",
            extra_email_context={"jours": settings.PASSWORD_RESET_TIMEOUT // 86400},
        ),
        name="password_reset",
    ),
    path("mot-de-passe/oublie/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/reinitialisation/<uidb64>/<token>/",
        ReinitialisationConfirmee.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/reinitialisation/termine/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("sante/", sante, name="sante"),
    # Linked in every footer; public (config.pages_legales).
    path("accessibilite/", declaration_accessibilite, name="accessibilite"),
    path("mentions-legales/", mentions_legales, name="mentions_legales"),
    path("plan-du-site/", plan_du_site, name="plan_du_site"),
    path("listes/suggestions/", suggestions, name="suggestions_de_filtre"),
    path("exports/", mes_exports, name="exports"),
    path("exports/<int:pk>/fichier/", fichier_export, name="export_fichier"),
    path("admin/", admin.site.urls),
]
# No URL serves MEDIA_ROOT, in any mode (Django's static() helper did under DEBUG): stored files are served by
# views that check who asks, which the file fields' url names (config/fichiers.py).
handler500 = "config.erreurs.erreur_serveur"
