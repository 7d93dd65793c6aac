"""PDFs made from HTML templates with WeasyPrint: the person's copy of a plan version, and the
downtime form (blankett för stöddokumentation vid SIP-möte), blank or filled in.

The views log each as a print (access.plan_for_unit with action print) before calling these.
Patient data goes through patients.display, so a protected person's address and phone never
appear. The templates carry their own styles and load nothing from outside.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from samplan.patients.display import patient_display
from samplan.sip.content import plan_text_of
from samplan.sip.models import SipPlan, SipVersion
from samplan.sip.selectors import participants, signatures

BLANK_INTERVENTION_ROWS = 6


def _refuse_fetch(url: str, *args: object, **kwargs: object) -> dict:
    """The templates are self-contained; nothing is fetched (no network, no files)."""
    raise ValueError(f"PDF templates load nothing from outside: {url}")


def render_pdf(request: HttpRequest, template: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up

    html = render_to_string(template, context, request=request)
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # patient data: never kept by a proxy or browser
    return response


def plan_pdf(request: HttpRequest, plan: SipPlan, version: SipVersion) -> bytes:
    """A version in plain Swedish, with what the person needs to know and keep."""
    in_force = [s for s in signatures(version) if s.revision == version.revision]
    return render_pdf(
        request,
        "sip/pdf/plan.html",
        {
            "plan": plan,
            "version": version,
            "text": plan_text_of(version),
            "display": patient_display(plan.patient, participant=True),
            "signatures": in_force,
            "units": [p for p in participants(plan) if p.answer == "accepted"],
            "printed_at": timezone.now(),
            "printed_by_unit": request.unit,
        },
    )


def downtime_form_pdf(request: HttpRequest, plan: SipPlan | None) -> bytes:
    """The form for the meeting when samplan is down: blank, or filled in from `plan`."""
    context: dict[str, object] = {
        "plan": plan,
        "printed_at": timezone.now(),
        "printed_by_unit": request.unit,
        "blank_rows": range(BLANK_INTERVENTION_ROWS),
    }
    if plan is not None:
        context.update(
            display=patient_display(plan.patient, participant=True),
            text=plan_text_of(plan.current_version),
            units=[p for p in participants(plan) if p.answer in ("pending", "accepted")],
        )
    return render_pdf(request, "sip/pdf/downtime_form.html", context)
