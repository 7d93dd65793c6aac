"""SIP pages: the unit's list, a new plan, the plan page, summons and answers, writing and
signing, finalising, versions and their comparison, history, closing, and the PDFs."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samplan.accounts.access import require
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.auditlog.details import detail_code
from samplan.core.decorators import unit_required
from samplan.core.http import parse_id
from samplan.core.paging import paginate
from samplan.discharge.access import case_for_unit
from samplan.messaging.context_processors import known_new_count
from samplan.patients.display import patient_display
from samplan.patients.reserve_formats import reserve_patterns_for
from samplan.sip import documents, process, selectors, services, versions
from samplan.sip.access import can_work_with_sip, plan_for_unit, plan_id_for_message, version_of
from samplan.sip.content import compare, plan_text_of
from samplan.sip.forms import (
    AnswerForm,
    CloseForm,
    CompareForm,
    ConsentForm,
    InitiativeForm,
    NewVersionForm,
    SignForm,
    SipNewForm,
    UnitsForm,
)
from samplan.sip.models import PlanState, SipPlan
from samplan.sip.text_forms import plan_forms


def _errors(form: Form, error: ValidationError | services.SipError) -> None:
    """A service's refusal on the form's fields, keeping what the user typed."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        form.add_error(None, error)
    else:
        form.add_error(None, str(error))


def _plan_context(plan: SipPlan, **extra: object) -> dict[str, object]:
    return {"plan": plan, "display": patient_display(plan.patient, participant=True), **extra}


def _to_plan(plan: SipPlan) -> HttpResponse:
    return redirect("sip:detail", plan_id=plan.pk)


def _unusable(request: HttpRequest, plan: SipPlan, allowed: bool) -> HttpResponse | None:
    """An action page the user cannot use now is not shown: back to the plan, saying so.

    Only for GET: a post goes to the service, which refuses with its own plain message (and
    answers a double post with what the first one did).
    """
    if allowed or request.method != "GET":
        return None
    messages.error(request, _("This cannot be done on the plan now, or not by your unit."))
    return _to_plan(plan)


@unit_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """SIP: the plans the unit takes part in, with what each waits for."""
    require(can_work_with_sip(request.user, request.unit))
    show = request.GET.get("visa", "oppna")
    page = paginate(request, selectors.plans_for_unit(request.unit, open_only=show != "alla"))
    rows = selectors.list_rows(page.object_list, request.actor, page=page.number)
    return render(request, "sip/plan_list.html", {"page": page, "rows": rows, "show": show})


@unit_required
def plan_new(request: HttpRequest) -> HttpResponse:
    """Initiativ: start a plan, standalone or (?arende=<id>) from a discharge case."""
    require(can_work_with_sip(request.user, request.unit))
    case = None
    if case_id := parse_id(request.GET.get("arende")):
        case = case_for_unit(request.actor, case_id)
    form = SipNewForm(
        request.POST or None,
        unit=request.unit,
        reserve_patterns=reserve_patterns_for(request.unit.organization),
        with_identity=case is None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.sip_create(
                actor=request.actor,
                initiative=form.initiative(),
                units=list(form.cleaned_data["units"]),
                creation_key=str(form.cleaned_data["creation_key"]),
                identity=form.cleaned_data.get("identity"),
                patient_details=form.patient_details() if case is None else None,
                case=case,
                consent=form.consent(),
            )
        except (ValidationError, services.SipError) as error:
            _errors(form, error)
        except PermissionDenied:
            form.add_error(None, _("Your role in the unit does not allow this."))
        else:
            messages.success(request, _("The plan is started. Nothing has been sent yet."))
            return _to_plan(plan)
    context = {"form": form, "case": case}
    if case is not None:
        context["display"] = patient_display(case.patient, participant=True)
    return render(request, "sip/plan_new.html", context)


@unit_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_unit(request.actor, plan_id, with_participants=True)
    known_new_count(request, plan.unit_new_count)
    return render(request, "sip/plan_detail.html", selectors.plan_page(plan, request.actor))


@unit_required
def message_plan(request: HttpRequest, message_id: int) -> HttpResponse:
    """From a summons or reminder in the inbox to its plan (404 unless the unit sees it)."""
    plan = plan_for_unit(request.actor, plan_id_for_message(request.actor, message_id))
    return _to_plan(plan)


@unit_required
def initiative_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_unit(request.actor, plan_id)
    if refused := _unusable(request, plan, process.may_change_initiative(plan.state, plan.viewer)):
        return refused
    data = request.POST.copy() if request.method == "POST" else None
    form = InitiativeForm.for_plan(plan, data)
    if request.method == "POST" and form.is_valid():
        try:
            services.sip_initiative_update(
                actor=request.actor,
                plan=plan,
                initiative=form.initiative(),
                revision=form.cleaned_data["revision"],
            )
        except services.StaleInitiative as stale:
            _errors(form, stale)
            data["revision"] = stale.revision  # saving again is then a choice made knowingly
        except (ValidationError, services.SipError) as error:
            _errors(form, error)
        else:
            messages.success(request, _("The initiative was saved."))
            return _to_plan(plan)
    return render(request, "sip/initiative_edit.html", _plan_context(plan, form=form))


@unit_required
def units_choose(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Kalla: choose the units to summon next, then send the summons on the plan page."""
    plan = plan_for_unit(request.actor, plan_id)
    if refused := _unusable(request, plan, process.may_summon(plan.state, plan.viewer)):
        return refused
    summoned = selectors.participants(plan)
    form = UnitsForm(
        request.POST or None,
        plan=plan,
        summoned=summoned,
        initial={"units": [p.unit_id for p in summoned if p.answer == "not_sent"]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.sip_units_choose(
                actor=request.actor, plan=plan, units=list(form.cleaned_data["units"])
            )
        except services.SipError as error:
            _errors(form, error)
        else:
            messages.success(request, _("The units to summon are saved. Send the summons."))
            return _to_plan(plan)
    return render(
        request, "sip/units_choose.html", _plan_context(plan, form=form, summoned=summoned)
    )


@unit_required
@require_POST
def summons_send(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_unit(request.actor, plan_id)
    key = request.POST.get("key", "")[:64] or uuid.uuid4().hex
    try:
        services.sip_summons_send(actor=request.actor, plan=plan, idempotency_key=key)
    except services.SipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The summons was sent to the units' inboxes."))
    return _to_plan(plan)


@unit_required
def consent_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_unit(request.actor, plan_id)
    if refused := _unusable(request, plan, process.may_record_consent(plan.state, plan.viewer)):
        return refused
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sip_consent_record(
                actor=request.actor,
                plan=plan,
                consent=form.consent(),
                form_token=form.cleaned_data["form_token"],
            )
        except (ValidationError, services.SipError) as error:
            _errors(form, error)
        else:
            messages.success(request, _("The consent was recorded."))
            return _to_plan(plan)
    return render(request, "sip/consent_new.html", _plan_context(plan, form=form))


@unit_required
def answer(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Acceptera or Neka the summons to the acting unit."""
    plan = plan_for_unit(request.actor, plan_id)
    if refused := _unusable(request, plan, process.may_answer(plan.state, plan.viewer)):
        return refused
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["answer"] == AnswerForm.ACCEPT
        try:
            services.sip_answer(
                actor=request.actor,
                plan=plan,
                accept=accept,
                attendees=form.cleaned_data["attendees"],
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, services.SipError) as error:
            _errors(form, error)
        else:
            if accept:
                messages.success(request, _("Your unit accepted the summons."))
                return _to_plan(plan)
            # A unit that declined no longer sees the plan.
            messages.success(request, _("Your unit declined the summons."))
            return redirect("sip:list")
    return render(request, "sip/answer.html", _plan_context(plan, form=form))


@unit_required
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Write the current version. A stale save is refused, the user's text kept, and the
    other person's change shown (optimistic locking)."""
    plan = plan_for_unit(request.actor, plan_id)
    if refused := _unusable(request, plan, process.may_edit_plan(plan.state, plan.viewer)):
        return refused
    data = request.POST.copy() if request.method == "POST" else None
    form, formset = plan_forms(data, plan=plan, units=selectors.plan_units(plan))
    missed = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = versions.sip_plan_save(
                actor=request.actor,
                plan=plan,
                version_number=form.cleaned_data["version_number"],
                revision=form.cleaned_data["revision"],
                text=form.plan_text(formset.interventions()),
            )
        except versions.StaleEdit as stale:
            missed = stale.missed
            form.add_error(None, str(stale))
            # The next save is made knowingly over the other person's change.
            data["version_number"] = stale.version.number
            data["revision"] = stale.version.revision
        except (ValidationError, services.SipError) as error:
            _errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(number)s of the plan was saved.") % {"number": saved.number},
            )
            return _to_plan(plan)
    return render(
        request,
        "sip/plan_edit.html",
        _plan_context(plan, form=form, formset=formset, missed=selectors.describe_events(missed)),
    )


@unit_required
def sign(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Signera the acting unit's part; password again unless the session is a strong login
    (SITHS through the identity provider, or a verified card certificate)."""
    plan = plan_for_unit(request.actor, plan_id)
    if refused := _unusable(
        request, plan, process.may_sign(plan.state, plan.viewer, already_signed=False)
    ):
        return refused
    card = request.actor.strong_authentication
    form = SignForm(request.POST if request.method == "POST" else None, card=card)
    if request.method == "POST" and form.is_valid():
        try:
            versions.sip_sign(
                actor=request.actor, plan=plan, password=form.cleaned_data.get("password")
            )
        except (ValidationError, services.SipError) as error:
            _errors(form, error)
        else:
            messages.success(request, _("Your unit's part is signed."))
            return _to_plan(plan)
    text = plan_text_of(plan.current_version)
    return render(request, "sip/sign.html", _plan_context(plan, form=form, card=card, text=text))


@unit_required
def finalise(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Slutjustera, after the question "Är det säkert att du vill slutjustera hela planen?"."""
    plan = plan_for_unit(request.actor, plan_id)
    if refused := _unusable(
        request, plan, plan.state == PlanState.PLANNING and plan.viewer.is_coordinator
    ):
        return refused
    if request.method == "POST":
        try:
            versions.sip_finalise(
                actor=request.actor, plan=plan, confirmed=request.POST.get("confirm") == "yes"
            )
        except services.SipError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The plan is finalised and this version is locked."))
        return _to_plan(plan)
    ready = selectors.readiness(plan, plan.current_version)
    return render(request, "sip/finalise.html", _plan_context(plan, ready=ready))


@unit_required
def version_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_unit(request.actor, plan_id)
    if refused := _unusable(request, plan, process.may_new_version(plan.state, plan.viewer)):
        return refused
    form = NewVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = versions.sip_version_new(
                actor=request.actor, plan=plan, reason=form.cleaned_data["reason"]
            )
        except services.SipError as error:
            _errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(number)s is made from the finalised plan.")
                % {"number": version.number},
            )
            return redirect("sip:edit", plan_id=plan.pk)
    return render(request, "sip/version_new.html", _plan_context(plan, form=form))


@unit_required
def close(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_unit(request.actor, plan_id)
    if refused := _unusable(request, plan, process.may_close(plan.state, plan.viewer)):
        return refused
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sip_close(
                actor=request.actor,
                plan=plan,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
        except (ValidationError, services.SipError) as error:
            _errors(form, error)
        else:
            messages.success(request, _("The plan is closed."))
            return _to_plan(plan)
    return render(request, "sip/close.html", _plan_context(plan, form=form))


@unit_required
def version_detail(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    plan = plan_for_unit(request.actor, plan_id, detail=detail_code("sip_version", version=number))
    version = version_of(plan, number)
    return render(
        request,
        "sip/version_detail.html",
        _plan_context(
            plan,
            version=version,
            text=plan_text_of(version),
            signatures=selectors.signatures(version),
        ),
    )


@unit_required
def versions_compare(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Jämför versioner: every field of two versions side by side, changes marked."""
    wanted = [request.GET.get(name, "") for name in ("old", "new")]
    detail = (
        detail_code("sip_versions_compared", old=wanted[0], new=wanted[1])
        if all(parse_id(value) for value in wanted)
        else detail_code("sip_versions_compared", old="?", new="?")
    )
    plan = plan_for_unit(request.actor, plan_id, detail=detail)
    form = CompareForm(request.GET or None, numbers=selectors.version_numbers(plan.pk))
    if not form.is_valid():
        return render(request, "sip/compare.html", _plan_context(plan, form=form, rows=None))
    old_number, new_number = sorted((form.cleaned_data["old"], form.cleaned_data["new"]))
    old, new = version_of(plan, old_number), version_of(plan, new_number)
    rows = compare(plan_text_of(old), plan_text_of(new))
    return render(
        request,
        "sip/compare.html",
        _plan_context(plan, form=form, rows=rows, old=old, new=new),
    )


@unit_required
def history(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_unit(request.actor, plan_id, detail=detail_code("sip_history"))
    page = paginate(request, selectors.events(plan), default_size=50)
    return render(
        request,
        "sip/history.html",
        _plan_context(plan, page=page, events=selectors.describe_events(page.object_list)),
    )


# --- documents ---------------------------------------------------------------------------------


@unit_required
def version_pdf(request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
    """The person's copy of a version, as PDF (logged as a print)."""
    plan = plan_for_unit(
        request.actor,
        plan_id,
        action=AccessAction.PRINT,
        detail=detail_code("sip_version_pdf", version=number),
    )
    version = version_of(plan, number)
    return documents.pdf_response(
        documents.plan_pdf(request, plan, version), f"sip-{plan.pk}-version-{number}.pdf"
    )


@unit_required
def form_prefilled_pdf(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Blankett för stöddokumentation vid SIP-möte, filled in from the plan (downtime)."""
    plan = plan_for_unit(
        request.actor, plan_id, action=AccessAction.PRINT, detail=detail_code("sip_downtime_form")
    )
    return documents.pdf_response(
        documents.downtime_form_pdf(request, plan), f"sip-{plan.pk}-blankett.pdf"
    )


@unit_required
def form_blank_pdf(request: HttpRequest) -> HttpResponse:
    """The blank downtime form: no patient data, logged as a print all the same."""
    if not can_work_with_sip(request.user, request.unit):
        raise Http404
    access_log_record(
        actor=request.actor,
        patient=None,
        action=AccessAction.PRINT,
        detail=detail_code("sip_blank_form"),
    )
    return documents.pdf_response(documents.downtime_form_pdf(request, None), "sip-blankett.pdf")
