"""A public body's name inside a French sentence: « conclue entre la Communauté d'agglomération … et la Ville
d'Arles », never « entre Communauté d'agglomération … et Ville d'Arles ».

The article is read from the name's first word, the noun French administration puts first (« Ville »,
« Département », « Office », « Hôpitaux »…). A name that is a proper name (« Delta Rhône Habitat », « 13 Habitat »)
or that already starts with its article (« La Poste », « L'Agence… ») takes none.

After « de » and « à » the article contracts as French requires: « du Syndicat mixte… », « des Hôpitaux… »,
« au Département… », « aux Hôpitaux… », and a proper name beginning with a vowel elides « de »: « d'Erilia ».
Templates reach these through the ``noms`` filters (conventions/templatetags/noms.py).
"""

FEMININS = {
    "academie", "agence", "association", "caisse", "chambre", "cite", "collectivite", "commune", "communaute",
    "direction", "eurometropole", "federation", "maison", "mairie", "metropole", "mission", "prefecture", "region",
    "regie", "societe", "universite", "ville", "agglomeration",
    # Sociétés publiques locales and sociétés d'économie mixte: « la SPL Camargue Aménagement ».
    "spl", "spla", "sem", "semop",
}  # fmt: skip
MASCULINS = {
    "bailleur", "ccas", "centre", "cias", "conseil", "crous", "departement", "etablissement", "etat", "groupement",
    "hopital", "institut", "ministere", "office", "opac", "oph", "parc", "pays", "pole", "port", "sdis", "secretariat",
    "service", "sivom", "sivu", "syndicat", "territoire",
}  # fmt: skip
PLURIELS = {"hopitaux", "hospices", "services", "etablissements"}
ARTICLES = ("le ", "la ", "les ", "l'", "l’")
_SANS_ACCENT = str.maketrans("àâäéèêëîïôöûüùç", "aaaeeeeiioouuuc")
# « de » elides before these initials in a proper name (« d'Erilia », « d'Unicil »); not before h, where an
# aspirated h (« de Hauts-de-Seine Habitat ») would be written wrong.
_VOYELLES = "aeiouyàâäéèêëîïôöûüùAEIOUYÀÂÄÉÈÊËÎÏÔÖÛÜÙ"


def _cle(mot: str) -> str:
    return mot.lower().translate(_SANS_ACCENT)


def article(nom: str) -> str:
    """« la », « le », « l' », « les » or « » for the name of a public body."""
    nom = nom.strip()
    if not nom or nom.lower().startswith(ARTICLES):
        return ""
    premier = nom.split()[0].split("'")[0].split("’")[0]
    cle = _cle(premier)
    if cle in PLURIELS:
        return "les"
    if cle not in FEMININS and cle not in MASCULINS:
        return ""
    if cle[0] in "aeiouh":  # l'Établissement, l'Office, l'OPH, l'Hôpital (no h aspiré among these nouns)
        return "l'"
    return "la" if cle in FEMININS else "le"


def avec_article(nom: str) -> str:
    """« la Ville d'Arles », « l'Office public de l'habitat … », « Delta Rhône Habitat »."""
    nom = nom.strip()
    debut = article(nom)
    if not debut:
        return nom
    return f"{debut}{nom}" if debut == "l'" else f"{debut} {nom}"


def _contracte(nom: str, preposition: str) -> str:
    """``nom`` after « de » or « à », the article contracted: du, des, au, aux."""
    groupe = avec_article(nom)
    if not groupe:
        return groupe
    contractions = {"de": {"le ": "du ", "les ": "des "}, "à": {"le ": "au ", "les ": "aux "}}[preposition]
    for article_seul, contraction in contractions.items():
        # The article read from the name (« le Syndicat… ») or the name's own (« Les Compagnons… » → « des
        # Compagnons… », as « la mairie du Havre »).
        if groupe.lower().startswith(article_seul):
            return contraction + groupe[len(article_seul) :]
    if preposition == "de" and groupe[0] in _VOYELLES and not article(nom) and not groupe.lower().startswith("l'"):
        return f"d'{groupe}"
    return f"{preposition} {groupe}"


def de_avec_article(nom: str) -> str:
    """« de la Ville d'Arles », « du Syndicat mixte… », « de l'Office… », « des Hôpitaux… », « de Delta Rhône
    Habitat », « d'Erilia »."""
    return _contracte(nom, "de")


def a_avec_article(nom: str) -> str:
    """« à la Ville d'Arles », « au Syndicat mixte… », « à l'Office… », « aux Hôpitaux… », « à Delta Rhône
    Habitat »."""
    return _contracte(nom, "à")
