"""The unit inbox: Översikt, Mottagna, Skickade, Skapa, the message page, the header's new
count and Avisering."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from samplan.accounts.access import administered_organization_ids, is_administrator, require
from samplan.core.decorators import unit_required
from samplan.core.http import parse_ids, parse_int
from samplan.core.paging import PAGE_SIZES, PageRequest, paginate
from samplan.messaging import access
from samplan.messaging.access import can_edit_alert_settings
from samplan.messaging.content import content_items
from samplan.messaging.context_processors import cached_new_count, known_new_count
from samplan.messaging.fallback import fallback_inbox_for
from samplan.messaging.forms import (
    AlertSettingsForm,
    EscalationSettingsForm,
    ForwardForm,
    ReceivedFilterForm,
    ReturnForm,
    SentFilterForm,
    StuckFilterForm,
    StuckForwardForm,
)
from samplan.messaging.inbox import inbox_list_context, inbox_search, valid_filters
from samplan.messaging.models import (
    OPEN_STATES,
    AlertSettings,
    Delivery,
    DeliveryState,
    EscalationSettings,
)
from samplan.messaging.received import received_page
from samplan.messaging.services import (
    MessagingError,
    alert_settings_update,
    deliveries_acknowledge,
    delivery_forward,
    delivery_mark_read,
    delivery_return,
    escalation_settings_update,
    stuck_delivery_forward,
)
from samplan.messaging.templatetags.inbox_count import new_count_badge
from samplan.messaging.threads import thread_links
from samplan.organizations.models import Organization, Unit
from samplan.patients.display import patient_display

# Header polling (seconds): every POLL_MIN while the count changes, doubling up to POLL_MAX
# while it stays the same or the tab is hidden.
POLL_MIN = 30
POLL_MAX = 300

# The filters each list's one filter form posts along with the personnummer.
RECEIVED_FILTERS = ("state", "message_type", "overdue")
SENT_FILTERS = ("message_type",)


@unit_required
def received(request: HttpRequest) -> HttpResponse:
    access.require_inbox(request.actor)
    search_form, number, done = inbox_search(request, "received", RECEIVED_FILTERS)
    if done:
        return done
    filters = ReceivedFilterForm(request.GET)
    values = valid_filters(filters)
    page = None
    if not search_form.errors:
        page = received_page(
            request.actor,
            paging=PageRequest.of(request),
            now=timezone.now(),
            identity=number,
            state=values.get("state", ""),
            message_type=values.get("message_type", ""),
            overdue=values.get("overdue", False),
        )
    if page is not None:
        known_new_count(request, page.unit_new_count)
    context = inbox_list_context(request, "received", search_form)
    context.update(filters=filters, page=page)
    return render(request, "messaging/received.html", context)


@unit_required
def sent(request: HttpRequest) -> HttpResponse:
    access.require_inbox(request.actor)
    search_form, number, done = inbox_search(request, "sent", SENT_FILTERS)
    if done:
        return done
    filters = SentFilterForm(request.GET)
    values = valid_filters(filters)
    page = None
    if not search_form.errors:
        page = access.sent_page(
            request.actor,
            paging=PageRequest.of(request),
            identity=number,
            message_type=values.get("message_type", ""),
        )
    context = inbox_list_context(request, "sent", search_form)
    context.update(filters=filters, page=page)
    return render(request, "messaging/sent.html", context)


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    # A path of this site only: redirect() would take a bare word for a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


@unit_required
@require_POST
def acknowledge(request: HttpRequest) -> HttpResponse:
    """Kvittera valda: ids of other units' deliveries, or handled ones, change nothing."""
    access.require_inbox(request.actor)
    ids = parse_ids(request.POST.getlist("delivery"))
    if not ids:
        messages.warning(request, _("Choose the messages to acknowledge."))
    else:
        count = deliveries_acknowledge(actor=request.actor, delivery_ids=ids)
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d message acknowledged.", "%(count)d messages acknowledged.", count
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("Nothing to acknowledge: already handled."))
    return redirect(_back(request, "messaging:received"))


@never_cache
@unit_required
def new_count(request: HttpRequest) -> HttpResponse:
    """The header badge, polled by htmx with X-Samplan-Background: 1 (so it does not keep an
    idle session alive). One indexed COUNT; no access-log row, as it shows no patient data."""
    access.require_inbox(request.actor)
    count = cached_new_count(request)
    previous = parse_int(request.GET.get("previous"), default=-1, minimum=-1, maximum=10**9)
    interval = parse_int(
        request.GET.get("interval"), default=POLL_MIN, minimum=POLL_MIN, maximum=POLL_MAX
    )
    if count != previous and request.GET.get("hidden") != "1":
        interval = POLL_MIN
    else:
        interval = min(max(interval, POLL_MIN) * 2, POLL_MAX)
    # The badge alone: no template, so none of the page's context processors run either.
    return HttpResponse(new_count_badge(count, interval))


# --- The message page -------------------------------------------------------------------------


def _message_page(
    request: HttpRequest,
    pk: int,
    *,
    return_form: ReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    # 404 unless sent or received here; logged. The unit's delivery comes in the same read.
    message, delivery = access.message_and_delivery_for_unit(request.actor, pk)
    known_new_count(request, message.unit_new_count)
    if delivery is not None and delivery.state == DeliveryState.NEW:
        delivery_mark_read(actor=request.actor, delivery=delivery)
        delivery = access.delivery_of_unit(request.actor, pk)
    participant = access.unit_takes_part_in_message(request.unit, message, delivery)
    can_act = delivery is not None and delivery.state in OPEN_STATES
    if can_act:
        # The return form is shown only while the delivery is open. Forwarding has a page of
        # its own (message_forward): its choice of every unit with an inbox in the
        # organisation (hundreds in a region) would be read and written on every opening.
        return_form = return_form or ReturnForm(auto_id="return_%s")
    context = {
        "message": message,
        "delivery": delivery,
        "display": patient_display(message.patient, participant=participant),
        "items": content_items(
            message.content, message.message_type, protected=message.patient.is_protected
        ),
        # The form's own text field is already among the items; other text is shown apart.
        "show_text": bool(message.text) and message.text not in (message.content or {}).values(),
        "history": access.message_history(message, request.unit, delivery),
        # The case and plan the message belongs to, as their processes link them (threads.py).
        "thread_links": thread_links(message, request.unit),
        "can_act": can_act,
        "return_form": return_form,
    }
    return render(request, "messaging/message_detail.html", context, status=status)


@unit_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_inbox(request.actor)
    return _message_page(request, pk)


@unit_required
@require_POST
def message_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = access.own_delivery_or_404(request.actor, pk)
    count = deliveries_acknowledge(actor=request.actor, delivery_ids=[delivery.pk])
    if count:
        messages.success(request, _("The message is acknowledged."))
    else:
        messages.info(request, _("Nothing to acknowledge: already handled."))
    return redirect("messaging:message_detail", pk=pk)


# The longest unit filter the forward page takes (a unit's name is at most 200 characters).
UNIT_FILTER_LENGTH = 200


def _forward_page(
    request: HttpRequest,
    delivery: Delivery,
    form: ForwardForm,
    status: int = 200,
    named: str = "",
) -> HttpResponse:
    can_forward = delivery.state in OPEN_STATES
    shown = can_forward and form.fields["to_unit"].queryset.exists()
    return render(
        request,
        "messaging/message_forward.html",
        {
            "delivery": delivery,
            "message": delivery.message,
            "form": form,
            "can_forward": can_forward,
            "named": named,
            # With a filter that matched nothing, the organisation may still have units.
            "has_targets": shown
            or bool(named and can_forward and access.forward_targets(request.unit).exists()),
            "shows_units": shown,
        },
        status=status,
    )


@unit_required
def message_forward(request: HttpRequest, pk: int) -> HttpResponse:
    """Vidarebefordra: the unit's own open delivery of a message to another unit with an
    inbox in the organisation. 404 unless the unit received the message. `?enhet=` narrows
    the list to units of that name or HSA-id; a post is checked against every unit."""
    delivery = access.delivery_to_forward(request.actor, pk)
    units = access.forward_targets(request.unit)
    if request.method != "POST":
        named = request.GET.get("enhet", "").strip()[:UNIT_FILTER_LENGTH]
        if named:
            units = access.forward_targets(request.unit, named=named)
        return _forward_page(request, delivery, ForwardForm(units=units), named=named)
    form = ForwardForm(request.POST, units=units)
    if form.is_valid():
        to_unit = form.cleaned_data["to_unit"]
        try:
            delivery_forward(actor=request.actor, delivery=delivery, to_unit=to_unit)
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The message was forwarded to %(unit)s.") % {"unit": to_unit.name}
            )
            return redirect("messaging:message_detail", pk=pk)
    return _forward_page(request, delivery, form, status=400)


@unit_required
@require_POST
def message_return(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = access.own_delivery_or_404(request.actor, pk)
    form = ReturnForm(request.POST, auto_id="return_%s")
    if form.is_valid():
        try:
            delivery_return(
                delivery=delivery,
                reason=form.cleaned_data["reason"],
                actor=request.actor,
                fallback_unit=fallback_inbox_for(request.unit.organization),
            )
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The message was returned to the sender as misaddressed."))
            return redirect("messaging:received")
    return _message_page(request, pk, return_form=form, status=400)


# --- Avisering --------------------------------------------------------------------------------


def _alert_settings_page(request: HttpRequest, unit: Unit, *, back: str) -> HttpResponse:
    require(can_edit_alert_settings(request.user, unit))
    current = AlertSettings.objects.filter(unit=unit).first()
    initial = {}
    if current is not None:
        initial = {
            "enabled": current.enabled,
            "sms_numbers": "\n".join(current.sms_numbers),
            "email_addresses": "\n".join(current.email_addresses),
        }
    form = AlertSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        alert_settings_update(
            actor=request.actor,
            unit=unit,
            enabled=form.cleaned_data["enabled"],
            sms_numbers=form.cleaned_data["sms_numbers"],
            email_addresses=form.cleaned_data["email_addresses"],
        )
        messages.success(request, _("The alert settings were saved."))
        return redirect(request.path)
    state = getattr(unit, "alert_state", None) if current else None
    return render(
        request,
        "messaging/alert_settings.html",
        {
            "form": form,
            "unit": unit,
            "state": state,
            "back": back,
            "tab": "alerts",
            "coalesce_minutes": settings.ALERT_COALESCE_MINUTES,
        },
    )


@unit_required
def alert_settings(request: HttpRequest) -> HttpResponse:
    """Avisering for the unit the user works in."""
    return _alert_settings_page(request, request.unit, back="")


@unit_required
def alert_settings_unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Avisering of a unit chosen by a local administrator from the list below."""
    unit = get_object_or_404(Unit.objects.select_related("organization"), pk=unit_id)
    return _alert_settings_page(request, unit, back=reverse("messaging:alert_units"))


@unit_required
def alert_units(request: HttpRequest) -> HttpResponse:
    """The administered organisations' units with an inbox, and whether they get alerts."""
    require(is_administrator(request.user))
    units = (
        Unit.objects.filter(
            organization_id__in=administered_organization_ids(request.user), has_inbox=True
        )
        .select_related("organization", "alert_settings")
        .order_by("organization__name", "name", "pk")
    )
    page = paginate(request, units)
    page.object_list = [(unit, getattr(unit, "alert_settings", None)) for unit in page.object_list]
    return render(request, "messaging/alert_units.html", {"page": page})


# --- Fastnade meddelanden (stuck messages) ----------------------------------------------------


def _stuck_organization(request: HttpRequest) -> Organization:
    """The organisation whose stuck messages are shown: ?organisation= if the user handles
    it, else the current unit's, else the first they handle. 403 for users who handle none."""
    require(access.can_handle_stuck(request.user))
    allowed = access.stuck_organization_ids(request.user)
    wanted = parse_int(request.GET.get("organisation"), default=0, minimum=0, maximum=2**31)
    if wanted not in allowed:
        wanted = request.unit.organization_id
    if wanted not in allowed:
        wanted = min(allowed)
    return Organization.objects.get(pk=wanted)


@unit_required
def stuck(request: HttpRequest) -> HttpResponse:
    """The organisation's deliveries not acknowledged by their cut-off and its fallback
    inbox's messages, with age and unit; each forwarded from its own page."""
    organization = _stuck_organization(request)
    filters = StuckFilterForm(
        request.GET,
        organizations=access.stuck_organizations(request.user),
        units=access.stuck_units(organization.pk),
    )
    values = valid_filters(filters)
    unit = values.get("unit")
    page = access.stuck_page(
        request.actor,
        organization_id=organization.pk,
        paging=PageRequest.of(request),
        now=timezone.now(),
        kind=values.get("kind", ""),
        unit_id=unit.pk if unit else None,
    )
    can_edit = access.can_edit_escalation(request.user, organization.pk)
    escalation = EscalationSettings.objects.filter(organization=organization).first()
    return render(
        request,
        "messaging/stuck.html",
        {
            "organization": organization,
            "filters": filters,
            "page": page,
            "page_sizes": PAGE_SIZES,
            "escalation": escalation,
            "escalation_form": _escalation_form(escalation) if can_edit else None,
            "many_organizations": len(access.stuck_organization_ids(request.user)) > 1,
        },
    )


def _escalation_form(escalation: EscalationSettings | None, data: object = None):
    initial = {"enabled": False, "delay_hours": 4}
    if escalation is not None:
        initial = {"enabled": escalation.enabled, "delay_hours": escalation.delay_hours}
    return EscalationSettingsForm(data, initial=initial, auto_id="escalation_%s")


def _stuck_forward_page(
    request: HttpRequest, delivery, form: StuckForwardForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "messaging/stuck_forward.html",
        {
            "delivery": delivery,
            "message": delivery.message,
            "display": patient_display(delivery.message.patient, participant=False),
            "form": form,
            "now": timezone.now(),
            "back": f"{reverse('messaging:stuck')}?organisation={delivery.unit.organization_id}",
        },
        status=status,
    )


@unit_required
def stuck_forward(request: HttpRequest, pk: int) -> HttpResponse:
    """Vidarebefordra a stuck delivery: the unit and a reason, in one form."""
    require(access.can_handle_stuck(request.user))
    # 404 for a delivery of an organisation the user does not handle (or a forged id); logged.
    delivery = access.stuck_delivery_for_forward(request.actor, pk)
    units = access.stuck_forward_targets(
        delivery.unit.organization_id, exclude_unit_id=delivery.unit_id
    )
    if request.method != "POST":
        return _stuck_forward_page(request, delivery, StuckForwardForm(units=units))
    form = StuckForwardForm(request.POST, units=units)
    if form.is_valid():
        to_unit = form.cleaned_data["to_unit"]
        try:
            stuck_delivery_forward(
                actor=request.actor,
                delivery_id=delivery.pk,
                to_unit=to_unit,
                reason=form.cleaned_data["reason"],
            )
        except MessagingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The message was forwarded to %(unit)s.") % {"unit": to_unit.name}
            )
            return redirect(
                f"{reverse('messaging:stuck')}?organisation={delivery.unit.organization_id}"
            )
    return _stuck_forward_page(request, delivery, form, status=400)


@unit_required
@require_POST
def stuck_escalation(request: HttpRequest, organization_id: int) -> HttpResponse:
    """The organisation's escalation to managers: on or off, and after how many hours."""
    if not access.can_edit_escalation(request.user, organization_id):
        raise Http404
    organization = get_object_or_404(Organization, pk=organization_id)
    form = _escalation_form(None, request.POST)
    back = f"{reverse('messaging:stuck')}?organisation={organization.pk}"
    if form.is_valid():
        escalation_settings_update(
            actor=request.actor,
            organization=organization,
            enabled=form.cleaned_data["enabled"],
            delay_hours=form.cleaned_data["delay_hours"],
        )
        messages.success(request, _("The escalation setting was saved."))
        return redirect(back)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(back)
