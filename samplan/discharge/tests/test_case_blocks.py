"""The case page's history, steps and participants written in Python (templatetags/
case_blocks.py) give the markup the templates gave: the templates as they were are kept in
tests/reference/ and rendered beside the tags for a case with every kind of entry (messages
with line breaks, a cancellation, acknowledgements, a forward, a return, an overdue delivery,
events, a left participant), on the page and in the printout, in Swedish and English. The
only difference allowed is the length of runs of whitespace."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone, translation

from samplan.core.actor import Actor
from samplan.discharge.models import CaseParticipant
from samplan.discharge.services import case_cancel_message, case_transfer
from samplan.discharge.templatetags.case_blocks import (
    case_participants,
    case_steps,
    case_timeline,
)
from samplan.discharge.tests.casekit import M, notify, open_case, send
from samplan.messaging.services import deliveries_acknowledge, delivery_forward, delivery_return
from samplan.organizations.models import UnitKind
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
