"""Query pieces every app may use (PostgreSQL only)."""

from collections.abc import Iterable

from django.db.models import F, Lookup, Q


class _Parmi(Lookup):
    """``champ = ANY(%s)`` with the values as one PostgreSQL array: a single parameter, however many values,
    where ``__in`` costs Django a placeholder (and a conversion) per value."""

    lookup_name = "parmi"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*params, self.rhs)


def parmi(champ: str, valeurs: Iterable) -> Q:
    """The condition « ``champ`` is one of ``valeurs`` » as a single array parameter: for the thousands of ids or
    keys an import looks up, or a list computed in Python filters on."""
    return Q(_Parmi(F(champ), list(valeurs)))
