import re

from django import forms
from django.forms.renderers import DjangoTemplates

from samplan.core.form_renderer import FormRenderer


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "All"), ("a", "A & <b>"), ("b", 'Say "B"')])
    grouped = forms.ChoiceField(
        required=False,
        choices=[("x", "X"), ("Group <1>", [("y", "Y"), ("z", "Z")])],
        widget=forms.Select(attrs={"class": "wide", "data-x": "1 < 2", "disabled": True}),
    )
    many = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two")], required=False)
    maybe = forms.NullBooleanField(required=False)


def _same_markup(html: str) -> str:
    # The templates put newlines and indentation between tags; browsers ignore them.
    return re.sub(r">\s+<", "><", html.strip())


def test_selects_are_djangos_markup_without_its_templates():
    data = {"plain": "a", "grouped": "z", "many": ["1", "2"], "maybe": "true"}
    ours = Choices(data, renderer=FormRenderer())
    djangos = Choices(data, renderer=DjangoTemplates())
    for name in Choices.base_fields:
        assert _same_markup(str(ours[name])) == _same_markup(str(djangos[name])), name
    assert "A &amp; &lt;b&gt;" in str(ours["plain"])
    assert '<option value="z" selected>Z</option>' in str(ours["grouped"])


def test_the_project_uses_it(settings):
    from django.forms.renderers import get_default_renderer

    get_default_renderer.cache_clear()
    try:
        assert isinstance(get_default_renderer(), FormRenderer)
    finally:
        get_default_renderer.cache_clear()
