"""{% form_field %} (core/templatetags/samplan.py) writes the markup of core/_field.html."""

from django import forms
from django.template import Context, Template
from django.utils import translation


class Fields(forms.Form):
    name = forms.CharField(max_length=5, help_text='Som i "journalen" & <b>')
    optional = forms.CharField(required=False, label="Valfri <i>")
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    agree = forms.BooleanField(label="Jag & du")
    pick = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])
    radio = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    note = forms.CharField(required=False, widget=forms.Textarea)


OLD = Template('{% include "core/_field.html" %}')
NEW = Template("{% load samplan %}{% form_field field %}")


def test_form_field_is_the_field_templates_markup():
    datas = (None, {}, {"name": "far too long <x>", "day": "no", "pick": "c"}, {"name": "ok"})
    for data in datas:
        for search in (False, True, None):
            for language in ("sv", "en"):
                with translation.override(language):
                    form = Fields(data, auto_id="id_%s" if search is not None else False)
                    for field in form:
                        context = {"field": field}
                        if search is not None:
                            context["search"] = search
                        old = OLD.render(Context(context))
                        new = NEW.render(Context(context))
                        assert new == old, (field.name, data, search, language)
