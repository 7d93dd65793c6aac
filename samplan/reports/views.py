from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from samplan.accounts.decorators import unit_required


@unit_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html", {})
