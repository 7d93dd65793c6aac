"""Every content key of every message type (and of the SIP summons a plan sends) is shown
with a label in Swedish and English and a formatted value: no raw key, no raw choice value."""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from samplan.core.message_types import MessageType
from samplan.discharge.message_forms import AUTOMATIC_FIELDS, FORMS, MessageForm
from samplan.messaging import content as message_content
from samplan.messaging.models import Delivery, Message
from samplan.patients.testing import PatientFactory
from samplan.sip.models import MeetingMode, SipPlan
from samplan.sip.services import _summons_content

MEETING = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=datetime.UTC)


def _summons_of_a_plan(mode: str) -> dict[str, object]:
    plan = SipPlan(
        pk=8,
        purpose="Samordna insatser",
        questions="Vem gör vad?",
        meeting_at=MEETING,
        meeting_mode=mode,
        meeting_place="Rum 3",
        meeting_link="https://möte.example/abc",
        invited_others="Skolan",
        proposed_coordinator="Kim Kurator",
    )
    return _summons_content(plan)


def _sample(field: forms.Field, choice: str | None) -> object:
    if isinstance(field, forms.ChoiceField):
        return choice
    if isinstance(field, forms.DateTimeField):
        return MEETING.isoformat()
    if isinstance(field, forms.DateField):
        return "2026-03-12"
    if isinstance(field, forms.BooleanField):
        return True
    return f"värde för {field.label}"


def contents_written() -> list[tuple[str, dict[str, object], set[str]]]:
    """(message type, content, raw choice values) for everything the system writes: every
    form with every choice of its choice fields, the case's own fields, and the summons."""
    result = []
    for message_type, form_class in FORMS.items():
        fields = {
            name: field
            for name, field in form_class.base_fields.items()
            if name not in MessageForm.CONTROL_FIELDS
        }
        choice_sets = [
            [str(key) for key, _ in field.choices if key]
            for field in fields.values()
            if isinstance(field, forms.ChoiceField)
        ]
        choices = choice_sets[0] if choice_sets else [None]
        for choice in choices:
            content = {name: _sample(field, choice) for name, field in fields.items()}
            if message_type == MessageType.ADMISSION_NOTICE:
                content = {
                    "admitted_at": MEETING.isoformat(),
                    "ward": "Avd 1",
                    "registered_address": "Storgatan 1",
                    **content,
                }
            result.append((message_type, content, {choice} if choice else set()))
    for mode in MeetingMode.values:
        result.append((MessageType.SIP_SUMMONS, _summons_of_a_plan(mode), {mode}))
    return result


def _raw_label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def test_every_message_type_has_a_form_or_is_text_only():
    assert set(FORMS) | {MessageType.CANCELLATION} == set(MessageType.values)
    assert set(AUTOMATIC_FIELDS) <= set(message_content.registered_fields("admission_notice"))


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_key_written_has_a_label_and_a_formatter(language):
    with translation.override(language):
        for message_type, content, raw_choices in contents_written():
            registered = message_content.registered_fields(message_type)
            missing = set(content) - set(registered)
            assert not missing, f"{message_type}: no label for {missing}"
            items = message_content.content_items(content, message_type)
            for label, value in items:
                # English labels may be the key's own word ("Ward"); Swedish ones never are.
                if language == "sv":
                    assert label not in {_raw_label(k) for k in content}, (message_type, label)
                assert label not in content, (message_type, label)
                assert value not in raw_choices, (message_type, label, value)
            assert "sip_plan" not in dict(items) and "Sip plan" not in dict(items)


def _content_section(html: str) -> str:
    start = html.index('id="content-h"')
    return html[start : html.index("</section>", start)]


@pytest.mark.django_db
def test_the_message_page_shows_no_raw_key_or_choice_for_any_type(client, cast, login_as):
    patient = PatientFactory()
    for number, (message_type, content, _choices) in enumerate(contents_written()):
        message = Message.objects.create(
            message_type=message_type,
            patient=patient,
            sender_unit=cast.ward,
            sender_user=cast.ward_nurse,
            content=content,
            text="",
            idempotency_key=f"labels-{number}",
        )
        Delivery.objects.create(
            message=message,
            unit=cast.home_care,
            reason_code="chosen",
            reason_text="Vald",
            due_at=timezone.now() + datetime.timedelta(hours=3),
        )
    login_as(cast.home_care_nurse, cast.home_care)
    for message in Message.objects.all():
        html = client.get(reverse("messaging:message_detail", args=[message.pk])).content.decode()
        section = _content_section(html)
        labels = re.findall(r"<dt>(.*?)</dt>", section)
        values = " ".join(re.findall(r"<dd>(.*?)</dd>", section, flags=re.S))
        for key in message.content:
            assert _raw_label(key) not in labels, (message.message_type, key)
            assert key not in labels, (message.message_type, key)
        for raw in {v for v in message.content.values() if isinstance(v, str) and "_" in v}:
            assert raw not in values, (message.message_type, raw)
        if message.message_type == MessageType.SIP_SUMMONS and "meeting_mode" in message.content:
            assert "Mötesform" not in section or "in_person" not in section
            assert any(str(label) in section for label in MeetingMode.labels)
