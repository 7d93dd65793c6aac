from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

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
