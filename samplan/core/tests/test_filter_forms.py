"""core.filter_forms: instances of a shared-fields form use the class's field objects, and
each still validates its own data."""

from __future__ import annotations

import inspect

import pytest
from django import forms
from django.http import QueryDict

from samplan.core.filter_forms import shared_fields
from samplan.discharge.forms import OverviewFilterForm
from samplan.messaging.forms import ReceivedFilterForm, SentFilterForm

SHARED = (OverviewFilterForm, ReceivedFilterForm, SentFilterForm)


@pytest.mark.parametrize("form_class", SHARED)
def test_the_forms_share_fields_and_change_none(form_class):
    first, second = form_class(QueryDict("")), form_class(QueryDict(""))
    assert all(first.fields[name] is second.fields[name] for name in first.fields)
    assert first.fields is not second.fields  # each instance still orders its own dict
    # What makes sharing safe: the form sets nothing on its fields after the class is made.
    assert form_class.__init__ is forms.Form.__init__
    assert "self.fields" not in inspect.getsource(form_class)


def test_each_instance_validates_its_own_data():
    @shared_fields
    class Filter(forms.Form):
        state = forms.ChoiceField(required=False, choices=[("", "Alla"), ("open", "Öppna")])

    good, bad = Filter(QueryDict("state=open")), Filter(QueryDict("state=forged"))
    assert good.is_valid() and good.cleaned_data == {"state": "open"}
    assert not bad.is_valid() and "state" in bad.errors
    assert Filter(QueryDict("")).is_valid()  # errors stay with their instance
    assert OverviewFilterForm(QueryDict("state=forged&sort=name")).values()["sort"] == "name"
