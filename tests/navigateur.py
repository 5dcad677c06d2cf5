"""Helpers for the browser tests: log in through the real form, check accessibility with axe-core."""

from axe_playwright_python.sync_playwright import Axe

# WCAG 2.1 levels A and AA, as the RGAA requires.
REGLES_WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_axe = Axe()


def se_connecter(page, live_server_url: str, email: str, mot_de_passe: str) -> None:
    page.goto(f"{live_server_url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(mot_de_passe)
    page.get_by_role("button", name="Se connecter").click()
    # Logged in once the browser has left the login page (for the home page, the portal or ?next=).
    page.wait_for_url(lambda url: "/connexion/" not in url)


def violations_accessibilite(page) -> list[str]:
    """WCAG 2.1 A/AA violations of the current page, one readable line each."""
    resultats = _axe.run(page, options={"runOnly": {"type": "tag", "values": REGLES_WCAG}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in resultats.response["violations"]
    ]
