"""A public body's name inside a French sentence: « conclue entre la Communauté d'agglomération … et la Ville
d'Arles », never « entre Communauté d'agglomération … et Ville d'Arles ».

The article is read from the name's first word, the noun French administration puts first (« Ville »,
« Département », « Office », « Hôpitaux »…). A name that is a proper name (« Delta Rhône Habitat », « 13 Habitat »)
or that already starts with its article (« La Poste », « L'Agence… ») takes none.
"""

FEMININS = {
    "academie", "agence", "association", "caisse", "chambre", "cite", "collectivite", "commune", "communaute",
    "direction", "eurometropole", "federation", "maison", "mairie", "metropole", "mission", "prefecture", "region",
    "regie", "societe", "universite", "ville", "agglomeration",
}  # fmt: skip
MASCULINS = {
    "bailleur", "ccas", "centre", "cias", "conseil", "crous", "departement", "etablissement", "etat", "groupement",
    "hopital", "institut", "ministere", "office", "opac", "oph", "parc", "pays", "pole", "port", "sdis", "secretariat",
    "service", "sivom", "sivu", "syndicat", "territoire",
}  # fmt: skip
PLURIELS = {"hopitaux", "hospices", "services", "etablissements"}
ARTICLES = ("le ", "la ", "les ", "l'", "l’")
_SANS_ACCENT = str.maketrans("àâäéèêëîïôöûüùç", "aaaeeeeiioouuuc")


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


def avec_de(nom: str) -> str:
    """The name after « de »: « de la Ville d'Arles », « du Département … », « des Hôpitaux … », « de l'Office … »,
    « d'Erilia », « de Delta Rhône Habitat »."""
    nom = nom.strip()
    # A name with its own article contracts it: « du Comptoir… » for « Le Comptoir… », « des Compagnons… ».
    for propre, contracte in (("le ", "du "), ("les ", "des ")):
        if nom.lower().startswith(propre):
            return f"{contracte}{nom[len(propre) :]}"
    debut = article(nom)
    if debut == "le":
        return f"du {nom}"
    if debut == "les":
        return f"des {nom}"
    if debut:
        return f"de {avec_article(nom)}"
    if _cle(nom[:1]) in "aeiouy" and nom[:1].isalpha():
        return f"d'{nom}"
    return f"de {nom}"
