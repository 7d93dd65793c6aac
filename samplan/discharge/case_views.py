"""Discharge cases: Nytt ärende, the case page, sending each message type, cancelling a
message, transferring, closing, changing the case's details, and the printout.

Every case and message is reached through access.case_for_unit / message_for_unit, which
check need-to-know and write the access log. What a unit may do on a case is decided by the
can_* functions of samplan.accounts.access.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from samplan.accounts.access import require
from samplan.addressing.router import NoRecipientError
from samplan.auditlog.access_log import AccessAction
from samplan.core.decorators import unit_required
from samplan.core.http import parse_ids
from samplan.core.message_types import MessageType
from samplan.discharge import process
from samplan.discharge import services as cases
from samplan.discharge.access import (
    can_cancel_message,
    can_change_case,
    can_close_case,
    can_open_discharge_case,
    can_transfer_case,
    case_for_unit,
    case_may_carry_summons,
    case_message_types,
    cases_for_unit,
)
from samplan.discharge.case_page import case_overview
from samplan.discharge.forms import (
    CaseEditForm,
    CaseOpenForm,
    CaseTransferForm,
    MessageCancelForm,
    one_time_key,
)
from samplan.discharge.message_forms import FORMS, SLUGS, TYPES_BY_SLUG, case_content
from samplan.discharge.models import DischargeCase
from samplan.discharge.recipients import (
    DIRECTORY_LIMIT,
    directory_search,
    propose_recipients,
    recipient_choices,
    units_by_id,
)
from samplan.messaging.access import message_for_unit
from samplan.messaging.context_processors import known_new_count
from samplan.messaging.services import MessagingError
from samplan.patients.display import patient_display
from samplan.patients.forms import PatientDetailsForm, add_service_errors
from samplan.patients.reserve_formats import reserve_patterns_for


def _refused(request: HttpRequest, case: DischargeCase, reason: str) -> HttpResponse:
    """A plain refusal (403) for an action the unit may not take on a case it sees."""
    return render(request, "discharge/refused.html", {"case": case, "reason": reason}, status=403)


def _ints(values: list[str]) -> list[int]:
    return parse_ids(values)


# --- Nytt ärende ---------------------------------------------------------------------------


@unit_required
def case_new(request: HttpRequest) -> HttpResponse:
    require(can_open_discharge_case(request.user, request.unit))
    posted = request.method == "POST"
    form = CaseOpenForm(
        request.POST or None,
        care_type=process.care_type_for_ward(request.unit.kind),
        reserve_patterns=reserve_patterns_for(request.unit.organization),
    )
    # The patient's details are asked for once samplan turns out not to know the number.
    register = posted and request.POST.get("register") == "1"
    details = PatientDetailsForm(request.POST, prefix="patient") if register else None
    if posted and form.is_valid() and (details is None or details.is_valid()):
        data = form.cleaned_data
        try:
            opening = cases.case_admit(
                actor=request.actor,
                identity=data["identity"],
                details=details.details() if details else None,
                admitted_at=data["admitted_at"],
                opening_key=data["key"],
                care_type=data["care_type"],
                estimated_discharge_date=data["estimated_discharge_date"],
            )
        except cases.PatientNotRegistered as refused:
            details = PatientDetailsForm(prefix="patient")
            messages.info(request, str(refused))
        except ValidationError as error:
            add_service_errors(details or form, error, None)
        except cases.CaseError as error:
            form.add_error(None, str(error))
        else:
            response = _after_opening(request, opening, form)
            if response is not None:
                return response
    return render(request, "discharge/case_new.html", {"form": form, "details": details})


def _after_opening(
    request: HttpRequest, opening: cases.CaseOpening, form: CaseOpenForm
) -> HttpResponse | None:
    case = opening.case
    if opening.created:
        messages.success(request, _("The case is open. Send the admission notice within 24 hours."))
        return redirect("discharge:case_detail", case_id=case.pk)
    if cases_for_unit(request.unit.pk).filter(pk=case.pk).exists():
        messages.info(request, _("The patient already has an open case. This is that case."))
        return redirect("discharge:case_detail", case_id=case.pk)
    if case.patient.is_protected:
        form.add_error(None, _("The patient already has an open discharge case on another ward."))
    else:
        form.add_error(
            None,
            _(
                "The patient already has an open discharge case on another ward (%(ward)s). "
                "That ward can transfer the case to your ward."
            )
            % {"ward": case.ward.name},
        )
    return None


# --- The case page -------------------------------------------------------------------------


def _case_page(request: HttpRequest, case: DischargeCase) -> dict:
    user, unit = request.user, request.unit
    overview = case_overview(case, protected=case.patient.is_protected)
    for message in overview.messages:
        message.may_cancel = can_cancel_message(user, unit, message, case)
    sendable = case_message_types(
        user, unit, case, has_admission_notice=overview.has_admission_notice
    )
    return {
        "case": case,
        "display": patient_display(case.patient, participant=True),
        "overview": overview,
        "liability": overview.liability,
        "send_links": [
            (MessageType(t).label, SLUGS[t]) for t in sendable if t != MessageType.CASE_WITHDRAWN
        ],
        "may_withdraw": MessageType.CASE_WITHDRAWN in sendable,
        "withdraw_slug": SLUGS[MessageType.CASE_WITHDRAWN],
        "may_transfer": can_transfer_case(user, unit, case),
        "may_close": can_close_case(user, unit, case),
        "may_change": can_change_case(user, unit, case),
        # The summons goes out from a real plan (samplan.sip), which counts as the case's.
        "may_start_sip": case_may_carry_summons(
            case, unit, takes_part=overview.takes_part(unit.pk)
        ),
    }


@unit_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_for_unit(request.actor, case_id, shown=True)
    known_new_count(request, case.unit_new_count)
    return render(request, "discharge/case_detail.html", _case_page(request, case))


@unit_required
def case_print(request: HttpRequest, case_id: int) -> HttpResponse:
    """A printable summary for the downtime routine; logged as a printout."""
    case = case_for_unit(request.actor, case_id, action=AccessAction.PRINT, shown=True)
    known_new_count(request, case.unit_new_count)
    return render(request, "discharge/case_print.html", _case_page(request, case))


# --- Sending a message on the case ---------------------------------------------------------


def _refusal(request: HttpRequest, case: DischargeCase, message_type: str | None) -> str:
    """Why the unit may not open this send form ("" when it may). A type the unit's kind never
    sends, unknown or forged, is refused; one the case's state does not take only on GET, so a
    form posted after the state changed comes back with the service's plain error instead."""
    unit = request.unit
    posted = request.method == "POST"
    try:
        principal = process.principal_kind(unit.organization)
    except ValueError:
        principal = None
    if (
        message_type is None
        or (posted and request.POST.get("message_type") != message_type)
        or principal is None
        or not process.may_send(unit.kind, principal, message_type)
    ):
        return _("Your unit cannot send this kind of message.")
    if not posted and message_type not in case_message_types(request.user, unit, case):
        return _("%(message)s cannot be sent on this case now.") % {
            "message": MessageType(message_type).label
        }
    return ""


@unit_required
def case_send(request: HttpRequest, case_id: int, slug: str) -> HttpResponse:
    posted = request.method == "POST"
    sending = posted and request.POST.get("action") == "send"
    case = case_for_unit(
        request.actor, case_id, action=AccessAction.UPDATE if sending else AccessAction.VIEW
    )
    message_type = TYPES_BY_SLUG.get(slug)
    refusal = _refusal(request, case, message_type)
    if refusal:
        return _refused(request, case, refusal)
    # A directory search re-shows what was typed without judging it: only Skicka validates.
    initial = request.POST.dict() if posted and not sending else {}
    form = FORMS[message_type](
        request.POST if sending else None,
        case=case,
        initial=initial or {"message_type": message_type, "key": one_time_key()},
    )
    picker = _RecipientPicker(request, case, message_type)
    if sending and form.is_valid():
        try:
            message = cases.case_send(
                case=case,
                actor=request.actor,
                message_type=message_type,
                recipients=picker.choices(),
                idempotency_key=form.cleaned_data["key"],
                content={**case_content(case, message_type), **form.content()},
                text=form.text(),
                occurred_at=form.cleaned_data["occurred_at"],
            )
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(message)s was sent to %(count)s units.")
                % {
                    "message": message.get_message_type_display(),
                    "count": message.deliveries.count(),
                },
            )
            return redirect("discharge:case_detail", case_id=case.pk)
    return render(
        request,
        "discharge/case_send.html",
        {
            "case": case,
            "display": patient_display(case.patient, participant=True),
            "form": form,
            "message_label": MessageType(message_type).label,
            "picker": picker,
        },
    )


class _RecipientPicker:
    """The recipient step of a send form: the proposal with keep/remove boxes, the units the
    sender added, and a directory search. Nothing is sent until the sender presses Skicka."""

    def __init__(self, request: HttpRequest, case: DischargeCase, message_type: str) -> None:
        self.sender = request.unit
        self.routing_error = ""
        try:
            self.proposals = propose_recipients(case, message_type, request.unit)
        except NoRecipientError as error:
            self.proposals, self.routing_error = [], str(error)
        posted = request.method == "POST"
        proposed_ids = [p.unit.pk for p in self.proposals]
        self.kept_ids = set(_ints(request.POST.getlist("keep"))) if posted else set(proposed_ids)
        self.added_ids = list(dict.fromkeys(_ints(request.POST.getlist("add")) if posted else []))
        found = units_by_id(self.added_ids)
        self.added = [found[pk] for pk in self.added_ids if pk in found]
        self.query = request.POST.get("q", "").strip() if posted else ""
        self.searched = posted and request.POST.get("action") == "search"
        exclude = {*proposed_ids, *self.added_ids, self.sender.pk}
        self.results = directory_search(self.query, exclude=exclude) if self.searched else []
        self.limit = DIRECTORY_LIMIT

    def choices(self):
        return recipient_choices(
            proposals=self.proposals,
            kept_ids=self.kept_ids,
            added_ids=self.added_ids,
            sender_unit=self.sender,
        )


# --- Actions on a sent message and on the case ---------------------------------------------


@unit_required
def message_cancel(request: HttpRequest, case_id: int, message_id: int) -> HttpResponse:
    """Makulera a message the unit sent, with a reason, after a confirmation."""
    case = case_for_unit(request.actor, case_id)
    message = message_for_unit(request.actor, message_id)
    if message.case_id != case.pk:
        raise Http404
    if message.cancelled_at is not None:
        messages.info(request, _("The message is already cancelled."))
        return redirect("discharge:case_detail", case_id=case.pk)
    if not can_cancel_message(request.user, request.unit, message, case):
        return _refused(request, case, _("Only the sending unit can cancel a message."))
    form = MessageCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cases.case_cancel_message(
                message=message,
                reason=form.cleaned_data["reason"],
                actor=request.actor,
                idempotency_key=form.cleaned_data["key"],
            )
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The message was cancelled."))
            return redirect("discharge:case_detail", case_id=case.pk)
    return render(
        request,
        "discharge/message_cancel.html",
        {"case": case, "message": message, "form": form},
    )


@unit_required
def case_transfer(request: HttpRequest, case_id: int) -> HttpResponse:
    """Flytta: the patient moves to another ward, and the case with them."""
    case = case_for_unit(request.actor, case_id)
    if not can_transfer_case(request.user, request.unit, case):
        return _refused(request, case, _("Only the ward that has the case can transfer it."))
    form = CaseTransferForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        to_ward = form.cleaned_data["to_ward"]
        try:
            cases.case_transfer(actor=request.actor, case=case, to_ward=to_ward)
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The case was transferred to %(ward)s. Your unit no longer takes part in it.")
                % {"ward": to_ward.name},
            )
            return redirect("core:home")
    return render(request, "discharge/case_transfer.html", {"case": case, "form": form})


@unit_required
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    """Avsluta a discharged case, after a confirmation."""
    case = case_for_unit(request.actor, case_id)
    if case.state == process.CaseState.CLOSED:
        messages.info(request, _("The case is already closed."))
        return redirect("discharge:case_detail", case_id=case.pk)
    if not can_close_case(request.user, request.unit, case):
        return _refused(
            request, case, _("Only the ward that has the case can close it, after discharge.")
        )
    if request.method == "POST":
        try:
            cases.case_close(actor=request.actor, case=case)
        except MessagingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The case was closed."))
        return redirect("discharge:case_detail", case_id=case.pk)
    return render(request, "discharge/case_close.html", {"case": case})


@unit_required
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's details that deadlines and payment liability read (the ward's)."""
    case = case_for_unit(request.actor, case_id)
    if not can_change_case(request.user, request.unit, case):
        return _refused(request, case, _("Only the ward that has the case can change it."))
    initial = {name: getattr(case, name) for name in cases.CASE_DETAIL_FIELDS}
    form = CaseEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changes = cases.case_update(actor=request.actor, case=case, **form.cleaned_data)
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            if changes:
                messages.success(request, _("The case's details were saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("discharge:case_detail", case_id=case.pk)
    return render(request, "discharge/case_edit.html", {"case": case, "form": form})
