from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

admin.site.site_header = "Clauses — administration"
admin.site.site_title = "Clauses"
admin.site.index_title = "Administration des clauses sociales d'insertion"

urlpatterns = [
    path("", include("reporting.urls")),
    path("portail/", include("reporting.portail.urls")),
    path("", include("conventions.urls")),
    path("", include("marches.urls")),
    path("", include("entreprises.urls")),
    path("", include("clauses.urls")),
    path(
        "connexion/",
        login_not_required(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="connexion",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
