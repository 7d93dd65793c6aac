"""{% form_field %} gives core/_field.html's markup, character for character (the log search's
cases; core/tests/test_form_field.py has the inbox lists')."""

import pytest
from django import forms
from django.template import engines
from django.utils.safestring import mark_safe

INCLUDE = '{% include "core/_field.html" with field=field %}'
INCLUDE_SEARCH = '{% include "core/_field.html" with field=field search=True %}'
TAG = "{% load samplan %}{% form_field field %}"
TAG_SEARCH = "{% load samplan %}{% form_field field search=True %}"


class Fields(forms.Form):
    name = forms.CharField(label="Name <&>", help_text="Help & <more>", max_length=5)
    optional = forms.CharField(required=False)
    unit = forms.ChoiceField(choices=[("", "All"), ("1", "One & two")], required=False)
    tick = forms.BooleanField(label='Tick "this"', required=False, help_text=mark_safe("<b>ok</b>"))
    must = forms.BooleanField(label="Must")
    when = forms.DateField(label="When", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(widget=forms.Textarea, required=False)
    choose = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("optional") == "bad":
            self.add_error("optional", "Bad <value>.")
            self.add_error("optional", "And another.")
        return data


@pytest.mark.parametrize(
    "data",
    [None, {}, {"name": "far too long", "optional": "bad", "unit": "9", "when": "x", "must": ""}],
)
@pytest.mark.parametrize("search", [False, True])
def test_the_tag_is_the_include(data, search):
    engine = engines["django"]
    form = Fields(data, auto_id="id_%s")
    if data is not None:
        form.is_valid()
    page = ""
    for name in Fields.base_fields:
        context = {"field": form[name]}
        before = engine.from_string(INCLUDE_SEARCH if search else INCLUDE).render(context)
        after = engine.from_string(TAG_SEARCH if search else TAG).render(context)
        assert after == before, name
        page += after
    if data:
        assert 'id="id_optional_error">Bad &lt;value&gt;.</p>' in page
        assert page.count("field--error") == 5
    assert ('class="required"' in page) is (not search)


def test_a_form_without_ids():
    engine = engines["django"]
    form = Fields({"optional": "bad"}, auto_id=False)
    form.is_valid()
    for name in Fields.base_fields:
        context = {"field": form[name]}
        assert engine.from_string(TAG).render(context) == engine.from_string(INCLUDE).render(
            context
        ), name
