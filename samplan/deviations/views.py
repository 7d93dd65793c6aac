"""Avvikelser: report a deviation, the unit's reported deviations, the organisation's deviation
inbox, one deviation with its thread, the exports, and the receiving unit's setting.

Views parse, call one access or service function, and render; samplan.deviations.access
decides who sees what and writes the access log, samplan.deviations.services every write.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samplan.accounts.access import administered_organization_or_404
from samplan.accounts.administering import can_edit_agreement
from samplan.auditlog.access_log import AccessAction, access_log_record_many
from samplan.core.decorators import unit_required
from samplan.core.http import parse_id
from samplan.core.paging import paginate
from samplan.deviations import access, exports, process, services
from samplan.deviations.forms import (
    AnswerDaysForm,
    CommentForm,
    InboxFilterForm,
    MoveForm,
    ReportForm,
    SettingsForm,
)
from samplan.deviations.models import (
    DeviationNote,
    DeviationRecipient,
    DeviationSettings,
    DeviationState,
)
from samplan.deviations.terms import answer_days_of
from samplan.discharge.models import CaseParticipant
from samplan.messaging.models import Delivery, Message
from samplan.organizations.models import Agreement, Organization, Unit
from samplan.patients.display import patient_display
from samplan.sip.documents import pdf_response, render_pdf
from samplan.sip.models import VISIBLE_ANSWERS, SipParticipant

# The link a report starts from: ?arende=<case>, ?plan=<plan>, ?meddelande=<message>.
LINK_PARAMETERS = {"arende": "case_id", "plan": "plan_id", "meddelande": "message_id"}


def _show_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _link(request: HttpRequest) -> dict[str, int]:
    link = {}
    for parameter, name in LINK_PARAMETERS.items():
        raw = request.GET.get(parameter)
        if raw is not None:
            pk = parse_id(raw)
            if pk is None:
                raise Http404
            link[name] = pk
    if len(link) > 1:
        raise Http404
    return link


def _proposed_organizations(unit: Unit, link: dict[str, int]) -> QuerySet[Organization]:
    """The other organisations taking part in the linked case, plan or message."""
    if "case_id" in link:
        unit_ids = CaseParticipant.objects.filter(
            case_id=link["case_id"], left_at__isnull=True
        ).values("unit_id")
    elif "plan_id" in link:
        unit_ids = SipParticipant.objects.filter(
            plan_id=link["plan_id"], answer__in=VISIBLE_ANSWERS
        ).values("unit_id")
    elif "message_id" in link:
        sender = Message.objects.filter(pk=link["message_id"]).values("sender_unit_id")
        receivers = Delivery.objects.filter(message_id=link["message_id"]).values("unit_id")
        unit_ids = Unit.objects.filter(Q(pk__in=sender) | Q(pk__in=receivers)).values("pk")
    else:
        return Organization.objects.none()
    return (
        Organization.objects.filter(
            pk__in=Unit.objects.filter(pk__in=unit_ids).values("organization_id"), is_active=True
        )
        .exclude(pk=unit.organization_id)
        .order_by("name")
    )


@unit_required
def report(request: HttpRequest) -> HttpResponse:
    """Rapportera avvikelse, from a case, a plan, a message, or free-standing."""
    actor = request.actor
    if not access.can_report(request.user, request.unit):
        raise PermissionDenied
    link = _link(request)
    if link and not access.link_known_to(request.unit.pk, **link):
        raise Http404
    proposed = _proposed_organizations(request.unit, link)
    others = (
        Organization.objects.filter(is_active=True)
        .exclude(pk=request.unit.organization_id)
        .order_by("name")
    )
    form = ReportForm(request.POST or None, proposed=proposed, others=others)
    if request.method == "POST" and form.is_valid():
        try:
            deviation = services.deviation_report(
                actor=actor,
                category=form.cleaned_data["category"],
                occurred_at=form.cleaned_data["occurred_at"],
                description=form.cleaned_data["description"],
                organization_ids=form.organization_ids(),
                submission_key=form.cleaned_data["submission_key"],
                **link,
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The deviation was reported."))
            return redirect("deviations:detail", deviation.pk)
    return render(
        request,
        "deviations/report.html",
        {"form": form, "link": link, "query": request.GET.urlencode()},
    )


def _list_page(request: HttpRequest, recipients: QuerySet[DeviationRecipient], list_name: str):
    page = paginate(request, recipients)
    rows = list(page.object_list)
    deviations = [r.deviation for r in rows]
    shown = access.shown_patient_ids(request.unit, deviations)
    patients = [d.patient for d in deviations if d.pk in shown]
    if patients:
        access_log_record_many(
            actor=request.actor,
            patients=patients,
            action=AccessAction.VIEW,
            object_type="deviation",
            detail=f"{list_name}, sida {page.number}",
        )
    for row in rows:
        deviation = row.deviation
        row.display = (
            patient_display(deviation.patient, participant=True) if deviation.pk in shown else None
        )
    page.object_list = rows
    return page, shown


_LIST_RELATED = (
    "deviation__reporting_unit",
    "deviation__patient",
    "organization",
    "reporting_organization",
)


def _filtered(request: HttpRequest, recipients: QuerySet[DeviationRecipient]):
    form = InboxFilterForm(request.GET)
    state = category = ""
    if form.is_valid():
        state = form.cleaned_data["state"]
        category = form.cleaned_data["category"]
    if state == "":
        recipients = recipients.exclude(state=DeviationState.CLOSED)
    elif state != "all":
        recipients = recipients.filter(state=state)
    if category:
        recipients = recipients.filter(category=category)
    return form, recipients


@unit_required
def inbox(request: HttpRequest, which: str) -> HttpResponse:
    """Avvikelser: `received` (the organisation's inbox, for handlers) or `reported` (the
    unit's own reports). The page and its CSV/XLSX export (?format=csv|xlsx)."""
    user, unit = request.user, request.unit
    can_handle = access.can_handle(user, unit)
    can_report = access.can_report(user, unit)
    if which == "received":
        if not can_handle:
            raise Http404
        recipients = access.received_by_organization(unit)
    else:
        if not can_report:
            raise Http404
        recipients = DeviationRecipient.objects.filter(deviation__reporting_unit=unit)
    form, recipients = _filtered(request, recipients.select_related(*_LIST_RELATED))
    wanted = request.GET.get("format", "")
    if wanted in exports.CONTENT_TYPES:
        return _export(request, recipients, wanted, which)
    page, _shown = _list_page(
        request, recipients, "Avvikelser, mottagna" if which == "received" else "Avvikelser"
    )
    return render(
        request,
        "deviations/inbox.html",
        {
            "which": which,
            "form": form,
            "page": page,
            "can_handle": can_handle,
            "can_report": can_report,
            "query": request.GET.urlencode(),
            "settings_organization": unit.organization
            if access.can_edit_settings(user, unit.organization_id)
            else None,
        },
    )


EXPORT_LIMIT = 10_000


def _export(
    request: HttpRequest, recipients: QuerySet[DeviationRecipient], wanted: str, which: str
) -> HttpResponse:
    rows = list(recipients[:EXPORT_LIMIT])
    deviations = [r.deviation for r in rows]
    shown = access.shown_patient_ids(request.unit, deviations)
    patients = [d.patient for d in deviations if d.pk in shown]
    if patients:
        access_log_record_many(
            actor=request.actor,
            patients=patients,
            action=AccessAction.EXPORT,
            object_type="deviation",
            detail=f"Avvikelser, export {wanted}",
        )
    lines = exports.list_lines(rows, shown)
    name = "avvikelser-mottagna" if which == "received" else "avvikelser"
    body = exports.to_csv(lines) if wanted == "csv" else exports.to_xlsx(lines, _("Deviations"))
    response = HttpResponse(body, content_type=exports.CONTENT_TYPES[wanted])
    response["Content-Disposition"] = f'attachment; filename="{name}.{wanted}"'
    response["Cache-Control"] = "no-store"
    return response


@unit_required
def index(request: HttpRequest) -> HttpResponse:
    """/avvikelser/: the inbox for handlers, the unit's reports for the others."""
    if access.can_handle(request.user, request.unit):
        return redirect("deviations:received")
    if access.can_report(request.user, request.unit):
        return redirect("deviations:reported")
    organization_id = request.unit.organization_id
    if access.can_edit_settings(request.user, organization_id):
        return redirect("deviations:settings", organization_id)
    raise Http404


def _detail_context(request: HttpRequest, view: access.DeviationView) -> dict:
    deviation = view.deviation
    recipients = view.recipients
    notes: dict[int, list] = {r.pk: [] for r in recipients}
    for note in (
        DeviationNote.objects.filter(recipient__in=recipients)
        .select_related("user", "unit")
        .order_by("created_at", "pk")
    ):
        notes[note.recipient_id].append(note)
    for recipient in recipients:
        recipient.thread = notes[recipient.pk]
        recipient.moves = process.next_states(recipient.state, view.side)
        recipient.may_comment = process.may_comment(recipient.state)
        recipient.overdue = recipient.is_overdue()
    return {
        "view": view,
        "deviation": deviation,
        "recipients": recipients,
        "side": view.side,
        "display": patient_display(deviation.patient, participant=True)
        if view.patient_shown
        else None,
        "comment_form": CommentForm(),
        "answer_form": MoveForm(initial={"to": DeviationState.ANSWERED}),
        "states": DeviationState,
    }


@unit_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    view = access.deviation_for_unit(request.actor, pk)
    return render(request, "deviations/detail.html", _detail_context(request, view))


@unit_required
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One deviation as PDF, for the organisation's own deviation system (logged as a print)."""
    view = access.deviation_for_unit(request.actor, pk, action=AccessAction.PRINT)
    context = _detail_context(request, view)
    context["printed_by_unit"] = request.unit
    context["printed_at"] = timezone.now()
    content = render_pdf(request, "deviations/pdf/deviation.html", context)
    return pdf_response(content, f"{view.deviation.number}.pdf")


@unit_required
@require_POST
def move(request: HttpRequest, recipient_id: int) -> HttpResponse:
    form = MoveForm(request.POST)
    recipient = DeviationRecipient.objects.filter(pk=recipient_id).only("deviation_id").first()
    if recipient is None:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("The deviation cannot be moved to that state now."))
        return redirect("deviations:detail", recipient.deviation_id)
    try:
        services.deviation_move(
            actor=request.actor,
            recipient_id=recipient_id,
            to=form.cleaned_data["to"],
            text=form.cleaned_data["text"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("deviations:detail", recipient.deviation_id)


@unit_required
@require_POST
def comment(request: HttpRequest, recipient_id: int) -> HttpResponse:
    form = CommentForm(request.POST)
    recipient = DeviationRecipient.objects.filter(pk=recipient_id).only("deviation_id").first()
    if recipient is None:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Write a comment."))
        return redirect("deviations:detail", recipient.deviation_id)
    try:
        services.deviation_comment(
            actor=request.actor, recipient_id=recipient_id, text=form.cleaned_data["text"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The comment was added."))
    return redirect("deviations:detail", recipient.deviation_id)


@login_required
def agreement_answer_days(request: HttpRequest, pk: int) -> HttpResponse:
    """The days to answer a deviation under one agreement (its parties' system admins)."""
    agreement = Agreement.objects.select_related("region", "municipality").filter(pk=pk).first()
    if agreement is None or not can_edit_agreement(request.user, agreement):
        raise Http404
    current = answer_days_of(agreement)
    form = AnswerDaysForm(request.POST or None, initial={"answer_days": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_answer_days_update(
                actor=request.actor,
                agreement=agreement,
                answer_days=form.cleaned_data["answer_days"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("discharge:agreement_edit", agreement.pk)
    return render(
        request, "deviations/agreement_answer_days.html", {"form": form, "agreement": agreement}
    )


@login_required
def settings_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisation's receiving unit (its local and system administrators)."""
    organization = administered_organization_or_404(request.user, pk)
    stored = DeviationSettings.objects.filter(organization=organization).first()
    units = Unit.objects.filter(organization=organization, is_active=True).order_by("name")
    form = SettingsForm(
        request.POST or None,
        units=units,
        initial={"receiving_unit": stored.receiving_unit_id if stored else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.deviation_settings_update(
                actor=request.actor,
                organization=organization,
                receiving_unit=form.cleaned_data["receiving_unit"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("deviations:settings", organization.pk)
    return render(request, "deviations/settings.html", {"form": form, "organization": organization})
