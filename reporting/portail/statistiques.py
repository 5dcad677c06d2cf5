"""Participant statistics (small counts suppressed), reports and annual bilans of the current organisation."""

urlpatterns: list = []
