"""The référents' portal (/portail/): what a donneur d'ordre sees of its own clauses, and what it sends.

Every view here goes through ``conventions.portail`` (PortailMixin or portail_requis), which sets the
current organisation; every query starts from it. Nothing here shows a participant's name, birth date or
reference: figures about people are aggregates with small counts suppressed (``reporting.diffusion``).
As in the dashboard's apps, each kind of code has its module: ``lectures`` (what the pages read: progress of lots
and attributaires, late lots, conventions), ``forms``, ``views`` (one module per area: ``accueil`` — home,
conventions, marchés, organisation switcher, contact details —, ``statistiques`` — participant statistics,
reports, annual bilans —, ``demandes`` — declaring a marché, sending attributaires) and ``urls``.
"""
