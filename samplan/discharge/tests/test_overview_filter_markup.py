"""Översikt's filter form keeps its fields' markup per language and value (`fixed_markup`,
messaging.templatetags.inbox_frame): what is kept is what form_field gives, and a value that
is no choice is never kept."""

import itertools

from django.template import Context
from django.utils import translation

from samplan.core.templatetags.samplan import form_field
from samplan.discharge.forms import OverviewFilterForm
from samplan.messaging.templatetags.inbox_frame import _filter_field, _fixed_fields


def test_overview_filter_fields_are_kept_per_language_and_value():
    datas = (
        {},
        {"state": "open", "care_type": "somatic", "overdue": "on", "sort": "oldest"},
        {"state": "closed", "sort": "name"},
        {"state": "all", "care_type": "", "overdue": "false"},
        {"state": 'x"<y>', "care_type": "nope", "sort": "<b>"},
    )
    for language in ("sv", "en", "sv", "en"):
        with translation.override(language):
            for data, search in itertools.product(datas, (False, True)):
                form = OverviewFilterForm(data)
                form.is_valid()
                for field in form:
                    context = Context({"search": search})
                    kept = _filter_field(context, field, translation.get_language())
                    assert kept == form_field(context, field), (language, data, field.name)
    assert {key[2] for key in _fixed_fields if key[1] is OverviewFilterForm} == {
        "state",
        "care_type",
        "overdue",
        "sort",
    }
    kept = "".join(_fixed_fields.values())
    assert "x&quot;" not in kept and "nope" not in kept and "&lt;b&gt;" not in kept
