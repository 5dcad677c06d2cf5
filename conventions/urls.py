from django.urls import path

from conventions import views, views_documents

app_name = "conventions"

urlpatterns = [
    path("donneurs/", views.DonneurListe.as_view(), name="donneurs"),
    path("donneurs/nouveau/", views.DonneurCreation.as_view(), name="donneur_creation"),
    path("donneurs/<int:pk>/", views.DonneurDetail.as_view(), name="donneur"),
    path("donneurs/<int:pk>/modifier/", views.DonneurModification.as_view(), name="donneur_modification"),
    path("donneurs/<int:pk>/referents/ajouter/", views.ReferentAjout.as_view(), name="referent_ajout"),
    path("donneurs/referents/<int:pk>/retirer/", views.ReferentRetrait.as_view(), name="referent_retrait"),
    path("donneurs/<int:pk>/invitations/nouvelle/", views.InvitationCreation.as_view(), name="invitation_creation"),
    path("donneurs/invitations/<int:pk>/renvoyer/", views.InvitationRenvoi.as_view(), name="invitation_renvoi"),
    path("donneurs/invitations/<int:pk>/annuler/", views.InvitationAnnulation.as_view(), name="invitation_annulation"),
    # Public: the link emailed to the person invited (the view is marked login_not_required).
    path("invitation/<str:jeton>/", views.InvitationAcceptation.as_view(), name="invitation"),
    path("conventions/", views.ConventionListe.as_view(), name="conventions"),
    path("conventions/nouvelle/", views.ConventionCreation.as_view(), name="convention_creation"),
    path("conventions/<int:pk>/", views.ConventionDetail.as_view(), name="convention"),
    path("conventions/<int:pk>/modifier/", views.ConventionModification.as_view(), name="convention_modification"),
    path("conventions/<int:pk>/denoncer/", views.ConventionDenonciation.as_view(), name="convention_denonciation"),
    path("conventions/<int:pk>/avenants/ajouter/", views.AvenantCreation.as_view(), name="avenant_creation"),
    # Stored files, through views that check who asks (config/fichiers.py).
    path("conventions/<int:pk>/document/", views_documents.convention_document, name="convention_document"),
    path("conventions/avenants/<int:pk>/document/", views_documents.avenant_document, name="avenant_document"),
    path("structure/<int:pk>/logo/", views_documents.structure_logo, name="structure_logo"),
]
