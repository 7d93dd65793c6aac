"""IdentityNumberField: every form where a personnummer is typed."""

import pytest
from django import forms
from django.utils import translation

from samplan.patients.forms import IdentityNumberField, PatientSearchForm
from samplan.patients.identity import Identity, IdentityKind, ReservePattern
from samplan.patients.testing import make_reserve_number


class NumberForm(forms.Form):
    identity = IdentityNumberField()


class RealNumberForm(forms.Form):
    identity = IdentityNumberField(allow_reserve=False)


def errors_of(form_class, value):
    form = form_class({"identity": value})
    assert not form.is_valid()
    return form.errors["identity"]


def test_valid_number_becomes_an_identity_in_stored_form():
    form = NumberForm({"identity": "121212-1212"})
    assert form.is_valid()
    identity = form.cleaned_data["identity"]
    assert isinstance(identity, Identity)
    assert identity.number == "201212121212"
    assert identity.kind == IdentityKind.PERSONAL


@pytest.mark.parametrize(
    ("value", "swedish"),
    [
        ("", "Ange ett personnummer."),
        ("19121212-121", "10 eller 12 siffror"),
        ("19121312-1212", "Datumet i personnumret (121312) finns inte."),
        ("19121212-1213", "Kontrollsiffran (den sista siffran) stämmer inte."),
        ("19121212-0002", "Födelsenumret (siffra 9–11) kan inte vara 000."),
        ("1" * 60, "för långt"),
    ],
)
def test_errors_are_plain_swedish_and_name_the_fault(value, swedish):
    with translation.override("sv"):
        errors = errors_of(NumberForm, value)
    assert any(swedish in error for error in errors), errors


def test_reserve_number_can_be_refused():
    number = make_reserve_number()
    assert NumberForm({"identity": number}).is_valid()
    with translation.override("sv"):
        errors = errors_of(RealNumberForm, number)
    assert "inte ett reservnummer" in errors[0]


def test_the_region_patterns_decide_what_a_reserve_number_is():
    patterns = [ReservePattern(name="R-nummer", regex=r"R\d{6}")]
    form = PatientSearchForm({"identity": "r123456"}, reserve_patterns=patterns)
    assert form.is_valid()
    assert form.cleaned_data["identity"].number == "R123456"
    assert not PatientSearchForm({"identity": "R123456"}).is_valid()


def test_typed_text_is_kept_after_an_error():
    form = NumberForm({"identity": "19121212-1213"})
    assert not form.is_valid()
    assert 'value="19121212-1213"' in str(form["identity"])


def test_widget_does_not_autocomplete_or_spellcheck():
    html = str(NumberForm()["identity"])
    assert 'autocomplete="off"' in html and 'spellcheck="false"' in html
