"""Hjälp: the manual per role (Markdown rendered by manual.py), each also as a PDF, and
Om samplan with the version. Open to everyone logged in; the manual holds no patient data."""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from samplan.help import manual


@functools.cache  # the installed version does not change while the process runs
def samplan_version() -> str:
    try:
        return version("samplan")
    except PackageNotFoundError:  # running from a copy that was never installed
        return "0+unknown"


def _roles(request: HttpRequest) -> set[str]:
    return set(request.user.memberships.active_on().values_list("role", flat=True))


@login_required
def index(request: HttpRequest) -> HttpResponse:
    manuals = manual.manuals_for_roles(_roles(request))
    return render(request, "help/index.html", {"manuals": manuals, "version": samplan_version()})


@login_required
def manual_page(request: HttpRequest, slug: str) -> HttpResponse:
    rendered = manual.render(slug)
    return render(request, "help/manual.html", {"rendered": rendered, "manuals": manual.MANUALS})


@login_required
def manual_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up

    rendered = manual.render(slug)
    html = render_to_string(
        "help/manual_pdf.html",
        {"rendered": rendered, "version": samplan_version(), "printed_at": timezone.now()},
        request=request,
    )
    content = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="samplan-manual-{slug}.pdf"'
    return response


def _refuse_fetch(url: str, *args: object, **kwargs: object) -> dict:
    """The PDF template is self-contained; nothing is fetched."""
    raise ValueError(f"The manual's PDF loads nothing from outside: {url}")


def about(request: HttpRequest) -> HttpResponse:
    """Om samplan: what it is, the version, the licence. Open without login too."""
    return render(request, "help/about.html", {"version": samplan_version()})
