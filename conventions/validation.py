"""Validation helpers shared by the models of every app (model ``clean()`` methods call them)."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def verifier_dates_ordonnees(instance, regles: tuple[tuple[str, str, str], ...]) -> None:
    """Raises a ValidationError on the later field of each (earlier, later, message) rule that is broken.

    The database holds the same rules as CheckConstraints; this gives the user a French message beside
    the field instead of a generic constraint error.
    """
    erreurs = {}
    for avant, apres, message in regles:
        debut, fin = getattr(instance, avant), getattr(instance, apres)
        if debut is not None and fin is not None and fin < debut:
            erreurs.setdefault(apres, []).append(message)
    if erreurs:
        raise ValidationError(erreurs)


class ErreursHorsFormulaireMixin:
    """Lets ``clean()`` name any field, even one a form leaves out.

    A ModelForm refuses an error on a field it does not show (ValueError); such errors become errors of
    the whole form, so a compact inline still says what is wrong instead of failing.
    """

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        try:
            super().full_clean(
                exclude=exclude, validate_unique=validate_unique, validate_constraints=validate_constraints
            )
        except ValidationError as erreur:
            if not exclude or not hasattr(erreur, "error_dict"):
                raise
            remappees: dict[str, list] = {}
            for champ, erreurs in erreur.error_dict.items():
                cle = NON_FIELD_ERRORS if champ in exclude else champ
                remappees.setdefault(cle, []).extend(erreurs)
            raise ValidationError(remappees) from None
