from django.http import HttpRequest

from samplan.accounts.access import is_administrator
from samplan.accounts.commissions import session_units


def current_unit(request: HttpRequest) -> dict:
    """The header's user, unit and unit switcher, on every page (the links to each part of
    the product: samplan.navigation)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_unit": getattr(request, "unit", None),
        "switchable_units": session_units(request),
        "show_admin_link": is_administrator(user),
    }
