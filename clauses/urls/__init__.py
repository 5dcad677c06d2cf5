"""URLs of the clauses app, one module per area of the dashboard."""

from clauses.urls import clause, heures, imports, participants, protection

app_name = "clauses"

urlpatterns = [
    *clause.urlpatterns,
    *protection.urlpatterns,
    *participants.urlpatterns,
    *heures.urlpatterns,
    *imports.urlpatterns,
]
