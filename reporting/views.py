from django.shortcuts import redirect, render

from config.permissions import est_facilitateur


def accueil(request):
    """The facilitator's home page; anyone else is sent where they belong."""
    if not est_facilitateur(request.user):
        if request.user.is_staff:
            return redirect("admin:index")
        return render(request, "reporting/acces_refuse.html", status=403)
    return render(request, "reporting/accueil.html", {"titre": "Tableau de bord"})
