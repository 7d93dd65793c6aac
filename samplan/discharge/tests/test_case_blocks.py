"""The case page's parts written in Python (templatetags/case_blocks.py) give the markup the
templates gave: the templates as they were are kept in tests/reference/ and rendered beside the
tags for a case with every kind of entry (messages with line breaks, a cancellation,
acknowledgements, a forward, a return, an overdue delivery, events, a left participant), on the
page and in the printout, and for the facts, deadlines and payment liability in every state, in
Swedish and English. The only difference allowed is the length of runs of whitespace."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone, translation

from samplan.core.actor import Actor
from samplan.discharge.case_page import DeadlineRow
from samplan.discharge.deadlines import deadline_status
from samplan.discharge.models import CaseParticipant
from samplan.discharge.services import case_cancel_message, case_transfer
from samplan.discharge.templatetags.case_blocks import (
    case_deadlines,
    case_facts,
    case_liability,
    case_participants,
    case_steps,
    case_timeline,
    deadline_state,
)
from samplan.discharge.tests.casekit import M, notify, open_case, send
from samplan.discharge.tests.test_liability import FIVE_PSYCHIATRIC, liability
from samplan.messaging.services import deliveries_acknowledge, delivery_forward, delivery_return
from samplan.organizations.models import UnitKind
from samplan.organizations.terms import DEFAULT_TERMS
from samplan.patients.testing import PatientFactory
from samplan.testing import UnitFactory

REFERENCE = Path(__file__).parent / "reference"


def reference_engine() -> Engine:
    """The default engine's settings, with the old partials in front of the app templates."""
    templates = {
        f"discharge/{path.name}": path.read_text(encoding="utf-8")
        for path in REFERENCE.glob("*.html")
    }
    return Engine(
        loaders=[
            ("django.template.loaders.locmem.Loader", templates),
            "django.template.loaders.app_directories.Loader",
        ],
        libraries={"i18n": "django.templatetags.i18n"},
    )


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


@pytest.fixture
def busy_case(cast):
    """A case with a bit of everything, and names that need escaping."""
    patient = PatientFactory(first_name="Greta", last_name="Gran")
    case = open_case(cast, patient, hours_ago=80)
    cast.home_care.name = 'Hemtjänst "Öst" <&> Söder'
    cast.home_care.save()
    notify(cast, case)
    planning = send(
        cast,
        case,
        M.PLANNING_INFO,
        content={"needs": "Hjälp med dusch\noch <påklädning> & mat", "adl": "Rollator"},
    )
    # Unanswered past its time: overdue.
    planning.deliveries.update(due_at=timezone.now() - datetime.timedelta(hours=1))
    ready = send(cast, case, M.READY_FOR_DISCHARGE)
    deliveries_acknowledge(
        delivery_ids=list(ready.deliveries.values_list("pk", flat=True)),
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
    )
    extra = send(cast, case, M.EXTRA_MESSAGE, content={"text": "Fel patient"})
    case_cancel_message(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        message=extra,
        reason="Skickat av misstag <b>",
        idempotency_key="cancel-extra",
    )
    notice = case.messages.get(message_type=M.ADMISSION_NOTICE)
    intake = UnitFactory(organization=cast.municipality, name="Mottagning & intag")
    delivery_forward(
        delivery=notice.deliveries.get(unit=cast.home_care),
        to_unit=intake,
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
    )
    delivery_return(
        delivery=notice.deliveries.get(unit=cast.care_centre),
        reason="Inte listad hos oss 'alls'",
        actor=Actor(user=cast.care_centre_nurse, unit=cast.care_centre),
        fallback_unit=None,
    )
    case.refresh_from_db()
    return case


def _context(client, case):
    response = client.get(reverse("discharge:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.context["overview"], response.context["case"]


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("printing", [False, True])
def test_the_blocks_give_the_old_templates_markup(cast, login_as, busy_case, language, printing):
    overview, case = _context(login_as(cast.ward_nurse, cast.ward), busy_case)
    kinds = {entry.kind for entry in overview.timeline}
    assert kinds >= {"message", "acknowledged", "forwarded", "returned", "event"}
    assert any(d.overdue for m in overview.messages for d in m.delivery_rows)
    assert any(m.cancelled_at for m in overview.messages)
    assert any(getattr(m, "may_cancel", False) for m in overview.messages)
    engine = reference_engine()
    context = {"overview": overview, "case": case, "printing": printing}
    with translation.override(language):
        for name, new in (
            ("_timeline.html", case_timeline(overview, case, printing)),
            ("_steps.html", case_steps(overview)),
            ("_participants.html", case_participants(overview)),
        ):
            old = engine.get_template(f"discharge/{name}").render(Context(context))
            assert squeeze(new) == squeeze(old), name
    page = squeeze(case_timeline(overview, case, printing))
    assert "Hemtjänst &quot;Öst&quot; &lt;&amp;&gt; Söder" in page
    assert "och &lt;påklädning&gt; &amp; mat" in page and "<br>" in page
    assert "<b>" not in page


def test_a_case_transferred_and_a_participant_left(cast, login_as, busy_case):
    other_ward = UnitFactory(
        organization=cast.region, kind=UnitKind.HOSPITAL_WARD_SOMATIC, name="Avd 2 <kir>"
    )
    case_transfer(
        case=busy_case,
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        to_ward=other_ward,
    )
    CaseParticipant.objects.filter(case=busy_case, unit=cast.care_centre).update(
        left_at=busy_case.admitted_at
    )
    client = login_as(cast.home_care_nurse, cast.home_care)
    overview, case = _context(client, busy_case)
    assert any(p.left_at for p in overview.participants)
    engine = reference_engine()
    context = Context({"overview": overview, "case": case, "printing": False})
    with translation.override("sv"):
        old = engine.get_template("discharge/_participants.html").render(context)
        assert squeeze(case_participants(overview)) == squeeze(old)
        old = engine.get_template("discharge/_timeline.html").render(context)
        assert squeeze(case_timeline(overview, case)) == squeeze(old)


def test_an_empty_history(cast):
    class Overview:
        timeline = ()

    engine = reference_engine()
    with translation.override("sv"):
        old = engine.get_template("discharge/_timeline.html").render(
            Context({"overview": Overview(), "case": None})
        )
        assert squeeze(case_timeline(Overview(), None)) == squeeze(old)


# The case's facts, deadlines and payment liability (case_facts, case_deadlines,
# case_liability and deadline_state), against discharge/_case_facts.html, _deadlines.html,
# _deadline.html and _liability.html as they were.


def _old(name: str, **context) -> str:
    return reference_engine().get_template(f"discharge/{name}").render(Context(context))


@pytest.mark.parametrize("language", ["sv", "en"])
def test_facts_deadlines_and_liability_of_a_real_case(cast, login_as, busy_case, language):
    client = login_as(cast.ward_nurse, cast.ward)
    response = client.get(reverse("discharge:case_detail", args=[busy_case.pk]))
    overview, case = response.context["overview"], response.context["case"]
    assert overview.deadlines and any(row.status for row in overview.deadlines)
    with translation.override(language):
        assert squeeze(case_facts(case, overview)) == squeeze(
            _old("_case_facts.html", case=case, overview=overview)
        )
        assert squeeze(case_deadlines(overview)) == squeeze(
            _old("_deadlines.html", overview=overview)
        )
        assert squeeze(case_liability(overview.liability)) == squeeze(
            _old("_liability.html", liability=overview.liability)
        )


class _Named:
    def __init__(self, name, **more):
        self.name = name
        self.__dict__.update(more)


class _Case:
    """What _case_facts.html reads of a case, with every optional part settable."""

    def __init__(self, **values):
        self.__dict__.update(
            is_open=True,
            state="open",
            withdrawn_reason="",
            ward=_Named('Avd <7> & "8"', phone="", organization=_Named("Region 'S'")),
            admitted_at=timezone.now() - datetime.timedelta(days=3),
            services_need_assessed_at=None,
            estimated_discharge_date=None,
            closed_at=None,
            municipality=None,
            sip_needed=False,
            services_refused=False,
        )
        self.__dict__.update(values)

    def get_state_display(self):
        return {"open": "Öppet <ja>", "withdrawn": "Återtaget", "closed": "Avslutat"}[self.state]

    def get_care_type_display(self):
        return "Somatisk & annat"


class _Overview:
    def __init__(self, **values):
        self.discharged_at = None
        self.care_contact = None
        self.withdrawn_reason_label = "Fel <patient>"
        self.deadlines = []
        self.__dict__.update(values)


FACT_CASES = {
    "bare": ({}, {}),
    "everything": (
        {
            "ward": _Named("Avd 7", phone="016-<1>", organization=_Named("Region & co")),
            "services_need_assessed_at": timezone.now() - datetime.timedelta(days=2),
            "estimated_discharge_date": datetime.date(2026, 3, 9),
            "municipality": _Named("Nyköping <kommun>"),
            "sip_needed": True,
            "services_refused": True,
        },
        {
            "discharged_at": timezone.now() - datetime.timedelta(hours=5),
            "care_contact": _Named(
                'Anna "A" Berg',
                profession="Sjuksköterska & co",
                phone="<070>",
                unit=_Named("Vårdcentral 'Norr'"),
            ),
        },
    ),
    "withdrawn and closed": (
        {
            "is_open": False,
            "state": "withdrawn",
            "withdrawn_reason": "other",
            "closed_at": timezone.now() - datetime.timedelta(hours=1),
            "municipality": _Named(""),
        },
        {},
    ),
    "withdrawn without reason": ({"is_open": False, "state": "withdrawn"}, {}),
}


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("name", FACT_CASES)
def test_case_facts_in_every_state(language, name):
    case_values, overview_values = FACT_CASES[name]
    case, overview = _Case(**case_values), _Overview(**overview_values)
    with translation.override(language):
        new = squeeze(case_facts(case, overview))
        assert new == squeeze(_old("_case_facts.html", case=case, overview=overview))
    assert "<7>" not in new and "<patient>" not in new and "<kommun>" not in new


def _deadline_rows():
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    due = now - 2 * hour
    return [
        DeadlineRow("Inga <data>", None, note="Ej aktuellt & inte nu"),
        DeadlineRow("Väntar", deadline_status(due_at=now + hour, met_at=None, now=now)),
        DeadlineRow("Försenad", deadline_status(due_at=due, met_at=None, now=now)),
        DeadlineRow("I tid", deadline_status(due_at=due, met_at=due - hour, now=now)),
        DeadlineRow("För sent", deadline_status(due_at=due, met_at=due + hour, now=now)),
    ]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_deadlines_in_every_state(language):
    rows = _deadline_rows()
    assert {row.status.state for row in rows if row.status} == {"pending", "overdue", "met", "late"}
    with translation.override(language):
        for row in rows:
            if row.status:
                old = _old("_deadline.html", status=row.status)
                assert squeeze(deadline_state(row.status)) == squeeze(old)
        for shown in ([], rows):
            overview = _Overview(deadlines=shown)
            new = squeeze(case_deadlines(overview))
            assert new == squeeze(_old("_deadlines.html", overview=overview))
    assert "&lt;data&gt;" in new and "Ej aktuellt &amp; inte nu" in new


LIABILITIES = {
    "liable": {},
    "refused": {"refused": True},
    "missing amount": {"ready": "2023-03-06 09:00", "discharged": "2023-03-10 14:00"},
    "ongoing": {"discharged": None, "as_of": "2022-03-15 10:00"},
    "ongoing, no day yet": {"discharged": None, "as_of": "2022-03-07 10:00"},
    "no ready notice": {"ready": None},
    "agreement terms": {"terms": FIVE_PSYCHIATRIC, "care_type": "psychiatric"},
}


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("name", LIABILITIES)
def test_liability_in_every_state(language, name):
    result = liability(**LIABILITIES[name])
    with translation.override(language):
        new = case_liability(result)
        assert squeeze(new) == squeeze(_old("_liability.html", liability=result))


# The whole case page body (case_actions, case_send_menu, case_overdue_note and
# case_liability_note with the tags above) against case_detail.html as it was.

STUB_BASE = "{% block content %}{% endblock %}"
PAGE_LIBRARIES = {
    "i18n": "django.templatetags.i18n",
    "help": "samplan.help.templatetags.help",
    "case_blocks": "samplan.discharge.templatetags.case_blocks",
    "patient_blocks": "samplan.patients.templatetags.patient_blocks",
    "deviation_blocks": "samplan.deviations.templatetags.deviation_blocks",
}


def _page_engine(old: bool) -> Engine:
    templates = {"base.html": STUB_BASE}
    if old:
        root = REFERENCE.parent.parent.parent
        templates.update(
            {f"discharge/{path.name}": path.read_text() for path in REFERENCE.glob("*.html")}
        )
        for app, name in (
            ("patients", "_patient_header.html"),
            ("deviations", "_report_button.html"),
        ):
            path = root / app / "tests" / "reference" / name
            templates[f"{app}/{name}"] = path.read_text(encoding="utf-8")
    return Engine(
        loaders=[
            ("django.template.loaders.locmem.Loader", templates),
            "django.template.loaders.app_directories.Loader",
        ],
        libraries=PAGE_LIBRARIES,
    )


PAGE_KEYS = [
    "case",
    "display",
    "overview",
    "liability",
    "send_links",
    "may_withdraw",
    "withdraw_slug",
    "may_transfer",
    "may_close",
    "may_change",
    "may_start_sip",
    "show_report_deviation",
]

FLAGS_OFF = {
    "may_withdraw": False,
    "may_transfer": False,
    "may_close": False,
    "may_change": False,
    "may_start_sip": False,
    "show_report_deviation": False,
    "send_links": [],
}


def _assert_same_page(context: dict) -> str:
    old = _page_engine(old=True).get_template("discharge/case_detail.html")
    new = _page_engine(old=False).get_template("discharge/case_detail.html")
    new_html = squeeze(new.render(Context(context)))
    old_html = squeeze(old.render(Context(context)))
    if new_html != old_html:  # show where, not a truncated diff of two long lines
        at = next(i for i, (a, b) in enumerate(zip(new_html, old_html, strict=False)) if a != b)
        assert new_html[at - 80 : at + 80] == old_html[at - 80 : at + 80]
    assert new_html == old_html
    return new_html


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("flags", ["as given", "all off", "all on"])
def test_the_case_page_gives_the_old_templates_markup(cast, login_as, busy_case, language, flags):
    client = login_as(cast.ward_nurse, cast.ward)
    response = client.get(reverse("discharge:case_detail", args=[busy_case.pk]))
    context = {key: response.context[key] for key in PAGE_KEYS}
    assert context["overview"].overdue_count
    if flags == "all off":
        context.update(FLAGS_OFF)
    elif flags == "all on":
        context.update({key: True for key in FLAGS_OFF if key != "send_links"})
        context["send_links"] = [('Meddelande <1> & "2"', "slug-1"), ("Två", "slug-2")]
    with translation.override(language):
        html = _assert_same_page(context)
    if flags == "all on":
        assert "Meddelande &lt;1&gt; &amp; &quot;2&quot;" in html


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("name", ["liable", "no ready notice", "agreement terms"])
def test_the_case_page_notes_on_liability_and_no_overdue(cast, login_as, language, name):
    patient = PatientFactory(first_name="Greta", last_name="Gran")
    case = open_case(cast, patient, hours_ago=5)
    client = login_as(cast.ward_nurse, cast.ward)
    response = client.get(reverse("discharge:case_detail", args=[case.pk]))
    context = {key: response.context[key] for key in PAGE_KEYS}
    result = liability(**LIABILITIES[name])
    context["liability"] = result
    agreement = name == "agreement terms"
    context["overview"].terms = FIVE_PSYCHIATRIC if agreement else DEFAULT_TERMS
    assert context["overview"].terms.is_default != agreement
    assert bool(result.day_zero) == (name != "no ready notice")
    assert not context["overview"].overdue_count
    with translation.override(language):
        _assert_same_page(context)
