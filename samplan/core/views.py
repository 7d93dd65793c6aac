from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static

from samplan.accounts.decorators import unit_required
from samplan.messaging.access import can_use_inbox


@unit_required
def home(request: HttpRequest) -> HttpResponse:
    """Start page for the current unit: Översikt, the daily work screen, for those who work in
    the unit's inbox; the unit's details for the others (administrators without patient work).
    """
    if can_use_inbox(request.user, request.unit):
        return redirect("discharge:overview")
    return render(request, "core/home.html", {"unit": request.unit})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links to: send them to the icon."""
    return HttpResponsePermanentRedirect(static("core/favicon.svg"))
