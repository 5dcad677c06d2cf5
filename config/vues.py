"""Base views of the dashboard's create and edit pages."""

from django.contrib.messages.views import SuccessMessageMixin
from django.urls import reverse
from django.views.generic import CreateView, UpdateView

from config.permissions import FacilitateurRequisMixin


class VueFormulaire(FacilitateurRequisMixin, SuccessMessageMixin):
    """Facilitators only, a French success message, then the page named by ``url_succes`` for the object."""

    url_succes = ""  # URL name taking the saved object's pk
    titre = ""  # the page's title; "{objet}" stands for the object being edited

    def get_success_url(self):
        return reverse(self.url_succes, args=[self.object.pk])

    def get_context_data(self, **kwargs):
        kwargs.setdefault("titre", self.titre.format(objet=self.object))
        return super().get_context_data(**kwargs)


class VueCreation(VueFormulaire, CreateView):
    pass


class VueModification(VueFormulaire, UpdateView):
    pass
