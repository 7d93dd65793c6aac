"""The log search's unit filter writes its select straight from the (pk, name) rows
(forms.NamedIdSelect): the markup is Django's Select's, as the project renders it, for no
unit chosen, a unit chosen, an id that is no unit, a value that is no id, and names that
need escaping, in Swedish and English."""

import pytest
from django import forms
from django.utils import translation

from samplan.logreview.forms import LogSearchForm, NamedIdSelect
from samplan.logreview.selectors import organization_units, unit_choices


def _rendered(data: dict, units, plain: bool, choices: list | None = None) -> str:
    form = LogSearchForm(data, units=units, unit_choices=choices)
    if plain:
        field = form.fields["unit"]
        field.widget = forms.Select()
        field.widget.choices = field.choices
    form.is_valid()
    return str(form["unit"])


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("chosen", [None, "ward", "999999", "x&y", ""])
def test_the_select_is_djangos(cast, language, chosen):
    cast.ward.name = 'Avd <7> & "co"'
    cast.ward.save()
    units = organization_units(cast.ward.organization)
    data = {} if chosen is None else {"unit": str(cast.ward.pk) if chosen == "ward" else chosen}
    with translation.override(language):
        new, old = _rendered(data, units, False), _rendered(data, units, True)
        read = _rendered(data, units, False, unit_choices(cast.ward.organization))
    assert read == new
    assert isinstance(LogSearchForm(units=units).fields["unit"].widget, NamedIdSelect)
    assert new == old
    assert new.count("<option") == units.count() + 1
    if chosen == "ward":
        assert f'<option value="{cast.ward.pk}" selected>' in new
    if chosen in ("999999", "x&y"):
        assert 'aria-invalid="true"' in new


def test_an_unbound_form_selects_all_units(cast):
    units = organization_units(cast.ward.organization)
    new = str(LogSearchForm(units=units)["unit"])
    form = LogSearchForm(units=units)
    form.fields["unit"].widget = forms.Select()
    form.fields["unit"].widget.choices = form.fields["unit"].choices
    assert new == str(form["unit"])
    assert '<option value="" selected>' in new
