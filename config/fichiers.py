"""Stored files reach a browser only through a view that checks who asks.

Nothing serves ``MEDIA_ROOT`` (or the S3 bucket) by its path, in any mode: the names of stored files are
predictable (« rapports/2026/rapport-marche-….pdf »), so a URL made of the path would let anyone logged in
read another organisation's documents. A file field of the project is a ``FichierProtege``: its ``url`` is
the URL of the view that serves it after checking the requester (the facilitator's view: the portal links
to its own views explicitly), so every generic template that links to ``field.url`` — Django's admin widgets
and read-only fields, crispy-forms' file input — links to that view, never to the storage.
"""

from django.db import models
from django.db.models.fields.files import FieldFile, ImageFieldFile
from django.http import FileResponse, Http404
from django.urls import reverse


class _UrlParLaVue:
    """The URL of a stored file is its view's, for the row holding it."""

    field: "FichierProtege | ImageProtegee"
    instance: models.Model

    @property
    def url(self) -> str:
        self._require_file()  # type: ignore[attr-defined]
        if not self.field.vue:
            raise ValueError(f"{self.field} : aucune vue ne sert ce fichier.")
        return reverse(self.field.vue, args=[self.instance.pk])


class FichierProtegeFieldFile(_UrlParLaVue, FieldFile):
    pass


class ImageProtegeeFieldFile(_UrlParLaVue, ImageFieldFile):
    pass


class _ChampProtege:
    champ_django: str  # the Django field migrations record

    def __init__(self, *args, vue: str | None = None, **kwargs):
        # ``vue`` is optional only for the copies the migration framework makes from ``deconstruct()``, which
        # never serve a file; the models always name it.
        self.vue = vue
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # The column is an ordinary file field's: migrations record the plain Django field, so that choosing
        # the serving view never writes a migration (nor a conflict with another branch's migrations).
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        return name, self.champ_django, args, kwargs


class FichierProtege(_ChampProtege, models.FileField):
    """A ``FileField`` whose ``url`` is the named view ``vue`` (taking the row's pk) that checks who asks."""

    attr_class = FichierProtegeFieldFile
    champ_django = "django.db.models.FileField"


class ImageProtegee(_ChampProtege, models.ImageField):
    """An ``ImageField`` whose ``url`` is the named view ``vue`` (taking the row's pk)."""

    attr_class = ImageProtegeeFieldFile
    champ_django = "django.db.models.ImageField"


def telechargement(fichier: FieldFile, nom: str, *, content_type: str | None = None) -> FileResponse:
    """A stored file as a download (never shown inline: an SVG or HTML file would run on the site's origin);
    404 when there is none or the storage lost it."""
    if not fichier:
        raise Http404("Aucun fichier déposé.")
    try:
        contenu = fichier.open("rb")
    except FileNotFoundError as erreur:
        raise Http404("Le fichier est introuvable.") from erreur
    return FileResponse(contenu, as_attachment=True, filename=nom, content_type=content_type)
