"""The open data of public contracts: the « données essentielles de la commande publique » (DECP).

- ``lecture``: reading a DECP file in the national JSON format (2024 format, and the 2019 one), one record at a
  time, and checking each record the territory keeps;
- ``importation``: keeping the territory's records (buyers matched to donneurs d'ordre by SIRET), all or nothing
  per file, idempotent;
- ``services``: a Clauses marché created from a record (its lot and its titulaires as attributaires);
- ``telechargement``: the scheduled fetch from a configured address (off by default).

The watch list of article L2112-2-1 (marchés published without any social consideration) is read in
``reporting.veille_decp``: it needs the European thresholds, which the clauses app keeps.
"""
