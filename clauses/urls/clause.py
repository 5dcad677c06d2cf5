from django.urls import path

from clauses.views import clause

urlpatterns = [
    path("lots/<int:pk>/", clause.lot, name="lot"),
    path("lots/<int:pk>/objectif/", clause.calcul_objectif, name="calcul_objectif"),
    path("lots/<int:pk>/objectif/apercu/", clause.calcul_apercu, name="calcul_apercu"),
    path("lots/<int:pk>/redaction/", clause.redaction_page, name="redaction"),
    path("lots/<int:pk>/redaction/docx/", clause.redaction_docx, name="redaction_docx"),
    path("lots/<int:pk>/redaction/pdf/", clause.redaction_pdf, name="redaction_pdf"),
]
