"""The portal's pages, one module per area: ``accueil``, ``statistiques``, ``demandes``, ``agenda``."""
