"""Mottagna reads its rows as values (messaging/received.py) where it read model instances
(access.received_page): the rows' markup and the access-log rows it writes are the same, byte
for byte and column for column, for the plain list, later pages, a filter and a search, in
Swedish and English. The old markup is written here as the tag wrote it from the instances."""

from __future__ import annotations

import datetime
import html

import pytest
from django.template import Context, engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.core.paging import PageRequest
from samplan.messaging import access, received
from samplan.messaging.forms import UNACKNOWLEDGED
from samplan.messaging.models import Delivery, DeliveryState
from samplan.messaging.templatetags.received_rows import patient_cell
from samplan.organizations.models import Unit
from samplan.patients.models import Protection

TAG = engines["django"].from_string("{% load received_rows %}{% received_rows page %}")


def _old_row(row: access.ReceivedRow) -> str:
    """received_rows._row as it was, on an instance row of access.received_page."""
    esc = lambda value: html.escape(str(value))  # noqa: E731
    delivery = row.delivery
    message = delivery.message
    pk = int(delivery.pk)
    minute = lambda value: timezone.localtime(value).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    type_label = esc(message.get_message_type_display())
    is_new = row.is_new
    classes = ("row--new" if is_new else "") + (" row--overdue" if row.overdue else "")
    arrived = minute(delivery.arrived_at)
    choose = ""
    if is_new:
        label = gettext("Choose %(type)s that arrived %(at)s") % {"type": type_label, "at": arrived}
        choose = (
            f'<input type="checkbox" name="delivery" value="{pk}" id="delivery-{pk}">'
            f'<label for="delivery-{pk}" class="visually-hidden">{label}</label>'
        )
    badge = ""
    if row.is_unread:
        badge = f' <strong class="badge badge--new">{esc(gettext("New"))}</strong>'
    elif is_new:
        words = esc(gettext("Read, not acknowledged"))
        badge = f' <strong class="badge badge--unacknowledged">{words}</strong>'
    url = reverse("messaging:message_detail", args=[message.pk])
    overdue = ""
    if row.overdue:
        overdue = (
            ' <strong class="badge badge--alert"><span aria-hidden="true">⚠ </span>'
            f"{esc(gettext('Overdue'))}</strong>"
        )
    due = minute(delivery.due_at) if is_new else "–"
    state = esc(delivery.get_state_display())
    return (
        f'<tr class="{classes}" data-testid="delivery-row">\n'
        f"          <td>{choose}</td>\n"
        f"          <td>{arrived}</td>\n"
        f'          <td><a href="{esc(url)}">{type_label}</a>{badge}</td>\n'
        f"          <td>{patient_cell(row.display)}</td>\n"
        f"          <td>{esc(message.sender_unit.name)}</td>\n"
        f"          <td>{state}{overdue}</td>\n"
        f"          <td>{due}</td>\n"
        "        </tr>"
    )


def _old_rows(page) -> str:
    rows = [_old_row(row) for row in page]
    if not rows:
        return f'<tr><td colspan="7">{gettext("No messages.")}</td></tr>'
    return "\n".join(rows)


_LOGGED = ("patient_id", "protected_identity", "action", "detail", "searched_identity")


def _logged_by(call):
    """What the call writes to the access log: its rows' columns, in order."""
    last = AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    result = call()
    logged = list(AccessLogEntry.objects.filter(seq__gt=last).order_by("seq").values(*_LOGGED))
    return result, logged


@pytest.fixture
def listed(cast, build):
    """A unit's inbox with every kind of row: new, read, acknowledged, overdue, a protected
    patient of a case the unit left, one listed at a care centre, names that need escaping."""
    centre = Unit.objects.exclude(pk=cast.home_care.pk).first()
    build.admitted(first_name="Alma <b>", last_name="O'Andersson & co", listed_care_centre=centre)
    build.admitted(first_name="Bo", last_name="Berg")
    case, _ = build.admitted(
        first_name="Hemlig", last_name="Person", protection=Protection.PROTECTED_REGISTRATION
    )
    build.send(case, MessageType.PLANNING_INFO, cast.home_care)  # the patient twice: logged once
    build.admitted(
        first_name="Cilla", last_name="Öst", protection=Protection.CONFIDENTIALITY_MARKED
    )
    deliveries = list(Delivery.objects.filter(unit=cast.home_care).order_by("pk"))
    Delivery.objects.filter(pk=deliveries[1].pk).update(state=DeliveryState.READ)
    Delivery.objects.filter(pk=deliveries[2].pk).update(state=DeliveryState.ACKNOWLEDGED)
    Delivery.objects.filter(pk=deliveries[0].pk).update(
        due_at=timezone.now() - datetime.timedelta(days=1)
    )
    case.participants.filter(unit=cast.home_care).update(left_at=case.admitted_at)
    Unit.objects.filter(pk=cast.ward.pk).update(name='Avd "1" <Medicin> & Co')
    return Actor(user=cast.home_care_nurse, unit=cast.home_care)


@pytest.mark.parametrize(
    ("paging", "filters"),
    [
        (PageRequest(), {}),
        (PageRequest(size="20"), {"state": DeliveryState.READ}),
        (PageRequest(), {"state": UNACKNOWLEDGED}),
        (PageRequest(), {"overdue": True}),
        (PageRequest(), {"message_type": MessageType.PLANNING_INFO}),
        (PageRequest(number="2", size="20"), {}),
    ],
)
def test_the_value_rows_give_the_same_markup_and_log(listed, paging, filters):
    now = timezone.now()
    kwargs = {"paging": paging, "now": now, **filters}
    old, old_log = _logged_by(lambda: access.received_page(listed, **kwargs))
    new, new_log = _logged_by(lambda: received.received_page(listed, **kwargs))
    assert new_log == old_log and old_log
    assert (new.number, new.paginator.count) == (old.number, old.paginator.count)
    assert len(new.object_list) == len(old.object_list)
    for language in ("sv", "en", "sv"):
        with translation.override(language):
            assert TAG.template.render(Context({"page": new})) == _old_rows(old)


def test_a_search_gives_the_same_markup_and_log(listed):
    patient = Delivery.objects.filter(unit=listed.unit).first().message.patient
    for identity in (patient.identity_number, "191212121212"):
        kwargs = {"paging": PageRequest(), "now": timezone.now(), "identity": identity}
        old, old_log = _logged_by(lambda kw=kwargs: access.received_page(listed, **kw))
        new, new_log = _logged_by(lambda kw=kwargs: received.received_page(listed, **kw))
        assert new_log == old_log and old_log
        assert TAG.template.render(Context({"page": new})) == _old_rows(old)
