import re

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.translation import gettext_lazy

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


class LazyChoices(forms.Form):
    # Translated labels, made once at import as a filter form's are.
    state = forms.ChoiceField(
        required=False,
        choices=[("", gettext_lazy("All")), ("new", gettext_lazy("New")), ("x", "<Plain>")],
    )


def test_lazy_labels_are_translated_once_per_language_and_still_djangos_markup():
    seen = {}
    for language in ("sv", "en", "sv", "en"):
        with translation.override(language):
            for data in ({}, {"state": "new"}, {"state": "x"}):
                ours = str(LazyChoices(data, renderer=FormRenderer())["state"])
                djangos = str(LazyChoices(data, renderer=DjangoTemplates())["state"])
                assert _same_markup(ours) == _same_markup(djangos), (language, data)
                seen.setdefault((language, str(data)), ours)
                assert seen[(language, str(data))] == ours
    with translation.override("sv"):
        assert ">Alla</option>" in str(LazyChoices(renderer=FormRenderer())["state"])
    with translation.override("en"):
        assert ">All</option>" in str(LazyChoices(renderer=FormRenderer())["state"])


def test_the_project_uses_it(settings):
    from django.forms.renderers import get_default_renderer

    get_default_renderer.cache_clear()
    try:
        assert isinstance(get_default_renderer(), FormRenderer)
    finally:
        get_default_renderer.cache_clear()


class Inputs(forms.Form):
    text = forms.CharField(
        max_length=20, help_text="Hjälp", widget=forms.TextInput(attrs={"placeholder": 'a "b"'})
    )
    empty = forms.CharField(required=False)
    number = forms.IntegerField(required=False)
    decimal = forms.DecimalField(required=False)
    email = forms.EmailField(required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    agree = forms.BooleanField(required=False)
    off = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"disabled": True}))
    radio = forms.ChoiceField(
        choices=[("a", "A & <b>"), ("b", 'Say "B"'), (3, 3)], widget=forms.RadioSelect
    )
    grouped_radio = forms.ChoiceField(
        required=False,
        choices=[("x", "X"), ("Group <1>", [("y", "Y"), ("z", "Z")])],
        widget=forms.RadioSelect(attrs={"class": "inline"}),
    )
    boxes = forms.MultipleChoiceField(
        required=False,
        choices=[(1, "One"), (2, "Two <2>")],
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3, "aria-describedby": "x"})
    )


INPUT_DATA = {
    "text": 'Åsa "<script>" & co',
    "number": "12",
    "decimal": "1.5",
    "email": "a@b.se",
    "day": "2026-03-02",
    "moment": "2026-03-02T10:00",
    "secret": "p<w>",
    "hidden": "1 > 0",
    "agree": "on",
    "radio": "b",
    "grouped_radio": "z",
    "boxes": ["1", "2"],
    "note": "Rad 1\nRad <2> & 3",
}


def test_inputs_radios_and_textareas_are_djangos_markup_exactly():
    from django.utils import translation

    for data in (INPUT_DATA, {}, {"text": "x" * 30, "number": "no"}):
        for language in ("sv", "en"):
            with translation.override(language):
                ours = Inputs(data or None, renderer=FormRenderer(), initial={"empty": "förr"})
                djangos = Inputs(
                    data or None, renderer=DjangoTemplates(), initial={"empty": "förr"}
                )
                for name in Inputs.base_fields:
                    assert str(ours[name]) == str(djangos[name]), (name, data, language)
                    for subwidget_ours, subwidget_djangos in zip(
                        ours[name].subwidgets, djangos[name].subwidgets, strict=True
                    ):
                        assert str(subwidget_ours) == str(subwidget_djangos), name
    page = str(Inputs(INPUT_DATA, renderer=FormRenderer())["text"])
    assert "&quot;&lt;script&gt;&quot; &amp; co" in page


# Cases from the log search's rendering work (issue-18d), against the same renderer.
class MoreInputs(forms.Form):
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


MORE_INPUT_DATA = [
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


def test_more_inputs_are_djangos_markup_without_its_templates():
    for data in MORE_INPUT_DATA:
        ours = MoreInputs(data or None, renderer=FormRenderer())
        djangos = MoreInputs(data or None, renderer=DjangoTemplates())
        for name in MoreInputs.base_fields:
            assert str(ours[name]) == str(djangos[name]), (name, data)
        for name in ("boxes", "radios"):
            for mine, theirs in zip(ours[name], djangos[name], strict=True):
                assert mine.tag() == theirs.tag(), (name, data)
                assert mine.tag(wrap_label=True) == theirs.tag(wrap_label=True), (name, data)
                assert str(mine) == str(theirs), (name, data)
    assert 'value="a &quot;quoted&quot; &lt;b&gt;&amp;amp;&lt;/b&gt;"' in str(
        MoreInputs(MORE_INPUT_DATA[1], renderer=FormRenderer())["text"]
    )


def test_a_form_as_a_whole_is_djangos_markup_too():
    for data in MORE_INPUT_DATA:
        ours = MoreInputs(data or None, renderer=FormRenderer())
        djangos = MoreInputs(data or None, renderer=DjangoTemplates())
        assert str(ours) == str(djangos)
        assert ours.as_p() == djangos.as_p()
