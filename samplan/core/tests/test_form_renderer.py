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


class Inputs(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"autofocus": True, "data-x": "1 < 2"}))
    empty = forms.CharField(required=False, help_text="Help")
    number = forms.IntegerField(min_value=1, required=False)
    email = forms.EmailField(required=False, disabled=True)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.IntegerField(required=False, widget=forms.HiddenInput)
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    tick = forms.BooleanField(required=False)
    boxes = forms.MultipleChoiceField(
        required=False,
        choices=[("a", "A & <b>"), ("b", 'Say "B"')],
        widget=forms.CheckboxSelectMultiple,
    )
    radios = forms.ChoiceField(choices=[("x", "X <1>"), ("y", "Y")], widget=forms.RadioSelect)


INPUT_DATA = [
    {},
    {
        "text": 'a "quoted" <b>&amp;</b>',
        "number": "7",
        "date": "2026-03-01",
        "hidden": "12",
        "secret": "p<w>",
        "tick": "on",
        "boxes": ["a", "b"],
        "radios": "x",
    },
    {"number": "not a number", "date": "2026-13-45", "boxes": ["zz"]},
]


def test_inputs_are_djangos_markup_without_its_templates():
    for data in INPUT_DATA:
        ours = Inputs(data or None, renderer=FormRenderer())
        djangos = Inputs(data or None, renderer=DjangoTemplates())
        for name in Inputs.base_fields:
            assert str(ours[name]) == str(djangos[name]), (name, data)
        for name in ("boxes", "radios"):
            for mine, theirs in zip(ours[name], djangos[name], strict=True):
                assert mine.tag() == theirs.tag(), (name, data)
                assert mine.tag(wrap_label=True) == theirs.tag(wrap_label=True), (name, data)
                assert str(mine) == str(theirs), (name, data)
    assert 'value="a &quot;quoted&quot; &lt;b&gt;&amp;amp;&lt;/b&gt;"' in str(
        Inputs(INPUT_DATA[1], renderer=FormRenderer())["text"]
    )


def test_a_form_as_a_whole_is_djangos_markup():
    for data in INPUT_DATA:
        ours = Inputs(data or None, renderer=FormRenderer())
        djangos = Inputs(data or None, renderer=DjangoTemplates())
        assert str(ours) == str(djangos)
        assert ours.as_p() == djangos.as_p()
