"""Every row that belongs to a person, found from the models' relations rather than from a list.

A model added later with a foreign key to ``Participant`` (or to a placement, an outcome…) is found here without
anyone naming it: the access export lists its rows, the anonymisation checks that each of its fields is classified
(``clauses.protection.anonymisation.DECLARATIONS``), and the tests walk the same relations. Rows deleted since are
found through their deletion's entry in the audit log, which names the row they belonged to, so that their history
is exported and cleaned too.

The walk goes from the participants to the rows pointing to them, then to the rows pointing to those, down to
``PROFONDEUR`` levels, by batches of keys: a fixed number of queries per level whatever the number of people.
Hidden relations (``related_name="+"``: the derived counters of reporting) are walked too; the tables Django
creates for a many-to-many field are not (their rows are the field's values, exported with the row that holds it).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.db import models

# Participant → placement → hours and outcomes: three levels reach every row known today; one more for safety.
PROFONDEUR = 4


def relations_vers(modele: type[models.Model]) -> list:
    """The relations of the rows that point to ``modele`` (reverse foreign keys, one-to-one and many-to-many),
    hidden ones included, the auto-created tables of many-to-many fields aside."""
    return [
        champ
        for champ in modele._meta.get_fields(include_hidden=True)
        if champ.auto_created
        and not champ.concrete
        and (champ.one_to_many or champ.one_to_one or champ.many_to_many)
        and isinstance(cible := champ.related_model, type)
        and issubclass(cible, models.Model)
        and not cible._meta.auto_created
    ]


def _modele_concret(modele: type[models.Model]) -> type[models.Model]:
    return modele._meta.concrete_model or modele


@dataclass
class Rattaches:
    """The rows of some people, by model: those that exist, and those the audit log says were deleted."""

    presents: dict[type[models.Model], set] = field(default_factory=lambda: defaultdict(set))
    supprimes: dict[type[models.Model], set] = field(default_factory=lambda: defaultdict(set))

    def modeles(self) -> list[type[models.Model]]:
        return sorted(set(self.presents) | set(self.supprimes), key=lambda m: m._meta.label_lower)

    def cles(self, modele: type[models.Model]) -> set:
        return self.presents.get(modele, set()) | self.supprimes.get(modele, set())


def _supprimes_par_le_journal(modele: type[models.Model], cle: str, parents: Iterable) -> set[int]:
    """Rows of ``modele`` deleted while their ``cle`` pointed to one of ``parents`` (their deletion's audit entry)."""
    valeurs = [str(pk) for pk in parents]
    if not valeurs:
        return set()
    return set(
        LogEntry.objects.filter(
            content_type__app_label=modele._meta.app_label,
            content_type__model=modele._meta.model_name,
            action=LogEntry.Action.DELETE,
            **{f"changes__{cle}__0__in": valeurs},
        ).values_list("object_id", flat=True)
    )


def rattaches(modele: type[models.Model], pks: Iterable, profondeur: int = PROFONDEUR) -> Rattaches:
    """The rows of ``modele`` whose keys are ``pks`` and every row that points to them, level by level."""
    modele = _modele_concret(modele)
    resultat = Rattaches()
    resultat.presents[modele] = set(pks)
    # A level: model → (keys of rows that exist, keys of rows deleted). A deleted row may have deleted children.
    frontiere: dict[type[models.Model], tuple[set, set]] = {modele: (set(pks), set())}
    for _ in range(profondeur):
        suivante: dict[type[models.Model], tuple[set, set]] = defaultdict(lambda: (set(), set()))
        for parent, (presents, supprimes) in frontiere.items():
            for relation in relations_vers(parent):
                enfant = _modele_concret(relation.related_model)
                cle = relation.field.name
                nouveaux = set()
                if presents:
                    lignes = enfant._base_manager.filter(**{f"{cle}__in": presents}).values_list("pk", flat=True)
                    nouveaux = set(lignes) - resultat.presents[enfant]
                # A many-to-many value leaves no deletion entry naming its row: only foreign keys are followed there.
                disparus = set()
                if not relation.many_to_many:
                    disparus = _supprimes_par_le_journal(enfant, cle, presents | supprimes)
                    disparus -= resultat.supprimes[enfant] | resultat.presents[enfant] | nouveaux
                if nouveaux or disparus:
                    resultat.presents[enfant] |= nouveaux
                    resultat.supprimes[enfant] |= disparus
                    suivante[enfant][0].update(nouveaux)
                    suivante[enfant][1].update(disparus)
        if not suivante:
            break
        frontiere = dict(suivante)
    for dico in (resultat.presents, resultat.supprimes):
        for cle_vide in [m for m, cles in dico.items() if not cles]:
            del dico[cle_vide]
    return resultat
