from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Clauses — administration"
admin.site.site_title = "Clauses"
admin.site.index_title = "Administration des clauses sociales d'insertion"

urlpatterns = [
    path("", login_not_required(RedirectView.as_view(pattern_name="admin:index")), name="accueil"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
