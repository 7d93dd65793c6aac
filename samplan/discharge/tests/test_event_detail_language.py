"""A case event's changed fields are named in the reader's language, not in whichever
language was active when the module was imported."""

from django.utils import translation

from samplan.discharge.case_page import _event_detail
from samplan.discharge.models import CaseEvent, CaseEventKind


def test_changed_fields_are_named_in_the_language_of_the_page():
    event = CaseEvent(
        kind=CaseEventKind.UPDATED,
        detail={"changes": {"care_type": [None, None], "sip_needed": [False, True]}},
    )
    with translation.override("sv"):
        swedish = _event_detail(event)
    with translation.override("en"):
        english = _event_detail(event)
    assert swedish.startswith("Vårdform: – → –") and "Nej → Ja" in swedish
    assert english.startswith("Care type: – → –") and "No → Yes" in english
