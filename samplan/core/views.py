from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from samplan.accounts.decorators import unit_required


@unit_required
def home(request: HttpRequest) -> HttpResponse:
    """Start page for the current unit. The unit inbox replaces it as messaging lands."""
    return render(request, "core/home.html", {"unit": request.unit})
