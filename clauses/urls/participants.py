"""Participants, placements and outcomes. URLs carry ids only, never a participant's name."""

from django.urls import path

from clauses.views import participants as views

urlpatterns = [
    path("participants/", views.ParticipantListe.as_view(), name="participants"),
    path("participants/nouveau/", views.ParticipantCreation.as_view(), name="participant_creation"),
    path("participants/<int:pk>/", views.ParticipantDetail.as_view(), name="participant"),
    path("participants/<int:pk>/modifier/", views.ParticipantModification.as_view(), name="participant_modification"),
    path("participants/<int:pk>/notice/remise/", views.ParticipantNoticeRemise.as_view(), name="participant_notice"),
    path("placements/", views.PlacementListe.as_view(), name="placements"),
    path("placements/nouveau/", views.PlacementCreation.as_view(), name="placement_creation"),
    path("placements/<int:pk>/", views.PlacementDetail.as_view(), name="placement"),
    path("placements/<int:pk>/modifier/", views.PlacementModification.as_view(), name="placement_modification"),
    path("placements/<int:pk>/sorties/nouvelle/", views.SortieCreation.as_view(), name="sortie_creation"),
    path("placements/sorties/<int:pk>/modifier/", views.SortieModification.as_view(), name="sortie_modification"),
]
