from reporting.portail import accueil, demandes, statistiques

app_name = "portail"

urlpatterns = [*accueil.urlpatterns, *statistiques.urlpatterns, *demandes.urlpatterns]
