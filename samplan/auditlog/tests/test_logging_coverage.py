"""Every page that takes a case, message, plan or patient writes an access-log row (issue 6).

The walker reads the project's URL patterns (django.urls.get_resolver) and picks every URL that
names an object carrying patient data. The rule, deliberately wide:

1. a route parameter whose name contains patient, case, message, delivery, plan, consent,
   sip, summons or version (e.g. case_id, message_id, plan_id, patient_id, consent_pk), in any
   app; or
2. any route parameter at all (pk, id, uuid...) of a view that lives in an app holding
   patient data: PATIENT_DATA_APPS below.

Each such URL must be in BUILDERS (how to make an object for it, with a user who may open it)
or in NOT_WALKED (with the reason it shows no patient data or cannot be opened by GET).
Anything else fails the test with the list of URLs nobody has accounted for, so a new page
with such a parameter cannot land without its logging being tested.

For each URL in BUILDERS the walker builds the object, logs in as the builder's user acting
for its unit, GETs the page, and checks that the request answered 200 and wrote at least one
access-log row by that user and unit, naming the builder's patient.

HOW TO ADD A URL (for the lead merging case, inbox and SIP pages): write a function
`build(cast) -> Visit` that creates the object with the test helpers of its app and returns
the URL's kwargs, the user and unit that may open it, and the patient the page shows; add it
to BUILDERS under the URL's full name ("namespace:name"). Builders use only the public test
helpers and services of their app, so they stay short: see `_case_visit` below for a case.
A POST-only URL (the GET answers 405) or a page that shows no person goes in NOT_WALKED with
a comment.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from samplan.accounts.models import Role
from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.patients.models import Consent, ConsentScope, Patient
from samplan.patients.testing import PatientFactory, ReservePatientFactory
from samplan.testing import Cast, UnitFactory, user_with_role

PATIENT_PARAMETER = re.compile(r"patient|case|message|delivery|plan|consent|sip|summons|version")
# Apps whose objects are patient data, or point at a person: every parameter of their views
# counts. (The log review pages read the access log itself.)
PATIENT_DATA_APPS = (
    "samplan.patients",
    "samplan.discharge",
    "samplan.messaging",
    "samplan.sip",
    "samplan.addressing",
    "samplan.auditlog",
    "samplan.logreview",
    "samplan.deviations",
)


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # the path with its converters, for messages
    parameters: tuple[str, ...]
    module: str


@dataclass(frozen=True)
class Visit:
    kwargs: dict[str, Any]
    user: Any
    unit: Any
    patient: Patient | None  # the person the page shows (None: a page about many)


def _parameters(pattern: Any) -> list[str]:
    converters = getattr(pattern, "converters", None)
    if converters is not None and not hasattr(pattern, "regex_pattern"):
        return list(converters)
    regex = getattr(pattern, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def _walk(
    patterns: list, namespace: tuple[str, ...] = (), prefix: str = "", params: tuple = ()
) -> Iterator[Route]:
    for entry in patterns:
        here = tuple(_parameters(entry.pattern))
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = (*namespace, entry.namespace) if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, route, params + here)
        elif isinstance(entry, URLPattern) and entry.name:
            callback = entry.callback
            module = getattr(callback, "__module__", "") or ""
            name = ":".join((*namespace, entry.name))
            yield Route(name, route, params + here, module)


def patient_routes() -> list[Route]:
    """The project's URLs that name an object with patient data (the module docstring)."""
    found = []
    for route in _walk(get_resolver().url_patterns):
        if not route.parameters:
            continue
        named = any(PATIENT_PARAMETER.search(p) for p in route.parameters)
        in_app = route.module.startswith(PATIENT_DATA_APPS)
        if named or in_app:
            found.append(route)
    return found


# --- Builders --------------------------------------------------------------------------


def _related_patient(cast: Cast, **fields: Any) -> Patient:
    """A patient the ward takes part in a case for (need-to-know through the case)."""
    from samplan.discharge.services import case_open

    patient = fields.pop("patient", None) or PatientFactory(**fields)
    case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=patient,
        admitted_at=timezone.now() - datetime.timedelta(hours=3),
        opening_key=f"walker-{patient.pk}",
    )
    return patient


def _patient_visit(cast: Cast) -> Visit:
    patient = _related_patient(cast)
    return Visit({"pk": patient.pk}, cast.ward_nurse, cast.ward, patient)


def _reserve_patient_visit(cast: Cast) -> Visit:
    patient = _related_patient(cast, patient=ReservePatientFactory())
    return Visit({"pk": patient.pk}, cast.ward_nurse, cast.ward, patient)


def _consent_visit(cast: Cast) -> Visit:
    patient = _related_patient(cast)
    consent = Consent.objects.create(
        patient=patient,
        given_at=timezone.now(),
        scope=ConsentScope.SIP,
        recorded_by=cast.ward_nurse,
        recorded_by_unit=cast.ward,
    )
    return Visit({"pk": patient.pk, "consent_pk": consent.pk}, cast.ward_nurse, cast.ward, patient)


def _register_visit(kind: str) -> Callable[[Cast], Visit]:
    def build(cast: Cast) -> Visit:
        from samplan.addressing.models import PatientFilter, ResidenceEntry
        from samplan.organizations.models import UnitKind

        patient = PatientFactory()
        today = timezone.localdate()
        if kind == "filter":
            entry = PatientFilter.objects.create(
                unit=cast.home_care, identity_number=patient.identity_number, valid_from=today
            )
        else:
            cast.home_care.kind = UnitKind.NURSING_HOME
            cast.home_care.save()
            entry = ResidenceEntry.objects.create(
                unit=cast.home_care, identity_number=patient.identity_number, moved_in=today
            )
        admin = cast.municipal_local_admin
        return Visit({"pk": entry.pk}, admin, cast.municipal_admin_unit, patient)

    return build


def _review_visit(cast: Cast) -> Visit:
    from samplan.auditlog.testing import log_access
    from samplan.logreview import services

    reviewer = user_with_role("granskare", cast.care_centre, Role.LOG_REVIEWER)
    seen = log_access(cast.ward_nurse, cast.ward, _related_patient(cast))
    review = services.review_create(
        reviewer=reviewer,
        reviewer_unit=cast.care_centre,
        organization=cast.region,
        entry_ids=[seen.pk],
        criteria="",
        period_from=None,
        period_to=None,
        form_key="walker",
    )
    return Visit({"review_id": review.pk}, reviewer, cast.care_centre, None)


def _case(cast: Cast, *, discharged: bool = False):
    """An open case on the cast's ward with its admission notice to home care and the care
    centre; discharged (ready, then discharge notice) when asked."""
    from samplan.core.message_types import MessageType
    from samplan.discharge.services import case_default_recipients, case_open, case_send
    from samplan.messaging.services import RecipientChoice

    patient = PatientFactory()
    case, _ = case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=patient,
        admitted_at=timezone.now() - datetime.timedelta(hours=3),
        opening_key=f"walker-case-{patient.pk}",
    )
    units = (cast.home_care, cast.care_centre)
    notice = case_send(
        case=case,
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        message_type=MessageType.ADMISSION_NOTICE,
        recipients=[RecipientChoice(unit=u, reason_code="x", reason_text="Vald") for u in units],
        idempotency_key=f"walker-adm-{case.pk}",
    )
    if discharged:
        for message_type in (MessageType.READY_FOR_DISCHARGE, MessageType.DISCHARGE_NOTICE):
            case_send(
                case=case,
                actor=Actor(user=cast.ward_nurse, unit=cast.ward),
                message_type=message_type,
                recipients=case_default_recipients(case, cast.ward),
                idempotency_key=f"walker-{message_type}-{case.pk}",
            )
    return case, notice


def _case_visit(cast: Cast) -> Visit:
    case, _ = _case(cast)
    return Visit({"case_id": case.pk}, cast.ward_nurse, cast.ward, case.patient)


def _discharged_case_visit(cast: Cast) -> Visit:
    case, _ = _case(cast, discharged=True)
    return Visit({"case_id": case.pk}, cast.ward_nurse, cast.ward, case.patient)


def _case_send_visit(cast: Cast) -> Visit:
    from samplan.core.message_types import MessageType
    from samplan.discharge.message_forms import SLUGS

    case, _ = _case(cast)
    kwargs = {"case_id": case.pk, "slug": SLUGS[MessageType.PLANNING_INFO]}
    return Visit(kwargs, cast.ward_nurse, cast.ward, case.patient)


def _message_cancel_visit(cast: Cast) -> Visit:
    case, notice = _case(cast)
    kwargs = {"case_id": case.pk, "message_id": notice.pk}
    return Visit(kwargs, cast.ward_nurse, cast.ward, case.patient)


def _message_visit(cast: Cast) -> Visit:
    case, notice = _case(cast)
    return Visit({"pk": notice.pk}, cast.home_care_nurse, cast.home_care, case.patient)


def _stuck_forward_visit(cast: Cast) -> Visit:
    """A super user opens the forward page of a delivery home care did not acknowledge."""
    from samplan.messaging.models import Delivery

    case, notice = _case(cast)
    Delivery.objects.filter(message=notice, unit=cast.home_care).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    delivery = Delivery.objects.get(message=notice, unit=cast.home_care)
    super_user = user_with_role(f"superanv{delivery.pk}", cast.home_care, Role.SUPER_USER)
    return Visit({"pk": delivery.pk}, super_user, cast.home_care, case.patient)


def _sip_plan(cast: Cast, *, summoned: bool):
    """A SIP started by school health for a child, summoning outpatient psychiatry."""
    from samplan.organizations.models import UnitKind
    from samplan.patients.identity import parse_identity
    from samplan.patients.models import ConsentGiver
    from samplan.sip import services
    from samplan.sip.tests.conftest import req

    school = UnitFactory(organization=cast.municipality, kind=UnitKind.SCHOOL_HEALTH)
    counsellor = user_with_role(f"kurator{school.pk}", school)
    bup = UnitFactory(organization=cast.region, kind=UnitKind.OUTPATIENT_PSYCHIATRY)
    child = PatientFactory()
    plan = services.sip_create(
        actor=req(counsellor, school),
        initiative=services.Initiative(
            purpose="Samordna stödet",
            person_goals="Gå i skolan",
            meeting_at=timezone.now() + datetime.timedelta(days=7),
            meeting_place="Skolan",
        ),
        units=[bup],
        creation_key=f"walker-sip-{child.pk}",
        identity=parse_identity(child.identity_number),
        consent=services.ConsentGiven(
            given_by=ConsentGiver.GUARDIAN,
            given_at=timezone.now() - datetime.timedelta(hours=1),
            given_by_name="Vårdnadshavare",
            given_by_relation="mamma",
        ),
    )
    if summoned:
        services.sip_summons_send(
            actor=req(counsellor, school), plan=plan, idempotency_key=f"walker-k-{plan.pk}"
        )
    return plan, counsellor, school


def _sip_answer_visit(cast: Cast) -> Visit:
    """The summoned unit opens the answer form (Acceptera / Neka)."""
    from samplan.sip.models import SipParticipant

    plan, _, school = _sip_plan(cast, summoned=True)
    summoned = SipParticipant.objects.exclude(unit=school).get(plan=plan).unit
    psychologist = user_with_role(f"psykolog{summoned.pk}", summoned)
    return Visit({"plan_id": plan.pk}, psychologist, summoned, plan.patient)


def _sip_visit(*, summoned: bool = False, **extra: Any) -> Callable[[Cast], Visit]:
    def build(cast: Cast) -> Visit:
        plan, counsellor, school = _sip_plan(cast, summoned=summoned)
        return Visit({"plan_id": plan.pk, **extra}, counsellor, school, plan.patient)

    return build


# URL name -> how to build an object the page shows, and who may open it.
def _deviation_visit(cast: Cast) -> Visit:
    """A deviation the home-care unit reported from a case it takes part in."""
    from samplan.deviations.models import Category
    from samplan.deviations.services import deviation_report

    case, _ = _case(cast)
    deviation = deviation_report(
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
        category=Category.OTHER,
        occurred_at=timezone.now(),
        description="Avvikelse",
        organization_ids=[cast.region.pk],
        submission_key="walker",
        case_id=case.pk,
    )
    return Visit({"pk": deviation.pk}, cast.home_care_nurse, cast.home_care, case.patient)


BUILDERS: dict[str, Callable[[Cast], Visit]] = {
    "deviations:detail": _deviation_visit,
    "deviations:pdf": _deviation_visit,
    "patients:detail": _patient_visit,
    "patients:edit": _patient_visit,
    "patients:link": _reserve_patient_visit,
    "patients:consent_new": _patient_visit,
    "patients:consent_withdraw": _consent_visit,
    "addressing:filters_edit": _register_visit("filter"),
    "addressing:residence_edit": _register_visit("residence"),
    "logreview:review": _review_visit,
    "discharge:case_detail": _case_visit,
    "discharge:case_edit": _case_visit,
    "discharge:case_print": _case_visit,
    "discharge:case_transfer": _case_visit,
    "discharge:case_close": _discharged_case_visit,
    "discharge:case_send": _case_send_visit,
    "discharge:message_cancel": _message_cancel_visit,
    "messaging:message_detail": _message_visit,
    "messaging:stuck_forward": _stuck_forward_visit,
    "sip:detail": _sip_visit(),
    "sip:history": _sip_visit(),
    "sip:consent": _sip_visit(),
    "sip:units": _sip_visit(),
    "sip:initiative_edit": _sip_visit(),
    "sip:form_prefilled": _sip_visit(),
    "sip:edit": _sip_visit(summoned=True),
    "sip:sign": _sip_visit(summoned=True),
    "sip:close": _sip_visit(summoned=True),
    "sip:compare": _sip_visit(summoned=True),
    "sip:version": _sip_visit(summoned=True, number=1),
    "sip:version_pdf": _sip_visit(summoned=True, number=1),
    "sip:answer": _sip_answer_visit,
}

# URL name -> why the walker does not open it. Keep the reason honest: a page that shows a
# person belongs in BUILDERS.
_API = (
    "the integration API authenticates a system's token, not a session: "
    "samplan/api/tests/test_access_log.py walks every API read the same way"
)

NOT_WALKED: dict[str, str] = {
    # The integration API (samplan.api): token calls; its own walker checks each read's row.
    **{
        f"api-v1:{name}": _API
        for name in (
            "answer",
            "care_plan",
            "case_message_send",
            "case_read",
            "communication",
            "current_version",
            "message_cancel",
            "message_journal_note",
            "message_read",
            "sip_version_journal_note",
        )
    },
    # POST only; the service records the removal in the history of changes.
    "addressing:filters_delete": "POST only",
    "addressing:residence_delete": "POST only",
    # Area rules and fallback inboxes name units and postal codes, no person.
    "addressing:rules_edit": "an area rule: no person",
    "addressing:rules_delete": "POST only; an area rule: no person",
    "addressing:fallbacks_edit": "an organisation's fallback inbox: no person",
    # A file import is seen only by the administrator who uploaded it, and its pages show
    # counts and line numbers with reasons, never the numbers in the file.
    "addressing:import_detail": "counts and line errors of the user's own upload",
    "addressing:import_status": "the progress counter of the user's own upload",
    "addressing:import_start": "POST only",
    "addressing:import_discard": "POST only",
    # Agreements and amounts per day are configuration between organisations.
    "discharge:agreement_edit": "an agreement between a region and a municipality",
    "discharge:daily_amount_edit": "the amount per liable day of a year",
    # Reservnummer formats are a region's configuration (patients' admin views).
    "reserve_formats:edit": "a region's reservnummer format",
    # Log review: recording a review is a POST; the extract is a POST that answers a PDF.
    "logreview:review_complete": "POST only",
    "messaging:message_acknowledge": "POST only",
    # The forward page names the message by its type, sender and times, never the person
    # (messaging/tests/test_message_page.py checks it writes no row).
    "messaging:message_forward": "the message's type, sender and times: no person",
    "messaging:message_return": "POST only",
    "messaging:alert_settings_unit": "a unit's alert numbers and addresses: no person",
    "messaging:stuck_escalation": "POST only; an organisation's escalation setting: no person",
    "sip:send": "POST only",
    "deviations:move": "POST only",
    "deviations:comment": "POST only",
    "deviations:settings": "an organisation's receiving unit for deviations: no person",
    "deviations:agreement": "the days to answer a deviation under an agreement: no person",
    # These fetch the plan through plan_for_unit (which logs) and then redirect, so a GET
    # answers 302: to the plan page (walked above) from a message, and from the finalise
    # and new-version pages until the plan is ready for them (sip/tests/test_views.py).
    "sip:message_plan": "redirects to the plan page after a logged plan_for_unit",
    "sip:finalise": "redirects to the plan page until every part is signed",
    "sip:version_new": "only for a finalised plan; refused before that",
}


def test_every_patient_url_is_walked_or_explained():
    routes = {route.name: route for route in patient_routes()}
    unaccounted = sorted(set(routes) - set(BUILDERS) - set(NOT_WALKED))
    assert not unaccounted, (
        "These URLs take an object with patient data but the logging walker cannot open them. "
        "Add a builder to BUILDERS (or, if they show no person, a reason to NOT_WALKED) in "
        f"{__file__}:\n" + "\n".join(f"  {n}  /{routes[n].route}" for n in unaccounted)
    )


def test_no_stale_entries():
    """Entries for URLs that no longer exist (renamed, removed) are mistakes waiting."""
    names = {route.name for route in patient_routes()}
    assert not (set(BUILDERS) | set(NOT_WALKED)) - names


def test_the_rule_finds_what_it_should():
    names = {route.name for route in patient_routes()}
    assert {"patients:detail", "patients:consent_withdraw", "addressing:filters_edit"} <= names
    # Pages without parameters, and parameters outside patient apps, are not in it.
    assert "patients:search" not in names and "administration:user_detail" not in names


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_opening_the_page_writes_an_access_log_row(name, cast, login_as):
    from django.urls import reverse

    visit = BUILDERS[name](cast)
    client = login_as(visit.user, visit.unit)
    before = set(AccessLogEntry.objects.values_list("pk", flat=True))
    response = client.get(reverse(name, kwargs=visit.kwargs))
    assert response.status_code == 200, f"{name} answered {response.status_code}"
    written = AccessLogEntry.objects.exclude(pk__in=before).filter(user=visit.user, unit=visit.unit)
    if visit.patient is not None:
        written = written.filter(patient=visit.patient)
    assert written.exists(), f"{name} showed patient data without writing an access-log row"
