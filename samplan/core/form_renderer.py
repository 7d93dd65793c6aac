"""The project's form renderer: Django's, with the common widgets written in Python.

Django renders a <select> through a template that includes another template for every
option. A select of a region's units (hundreds of options, as on the log review's filter)
then cost most of its page's time. An <input> (text, date, checkbox, ...) goes through three
templates (its type's, input.html, attrs.html), and radios and checkbox lists through two
more per option: on the inbox lists' filter forms that was a fifth of the page's template
time. This renderer writes the same markup in Python for Django's own templates of these
widgets (core/tests/test_form_renderer.py compares them) and leaves any other template to
Django.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: Mapping[str, object]) -> str:
    """As django/forms/widgets/attrs.html exactly: False left out, True as a bare name, any
    other value through stringformat:'s' (a plain str, so always escaped)."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{escape(value)}"')
    return "".join(parts)


# (language, id of a lazy label) -> (the label, its text escaped). A form's fixed choices
# (a ChoiceField's) have lazy labels made once at import, which forms share (a lazy object's
# deep copy is itself): without this every view of a list translated every choice of its
# filter form. The label is kept in the entry, so its id is not reused while the entry lives.
# Only lazy labels are kept, so never a label from the database (a plain string).
_lazy_labels: dict[tuple[str | None, int], tuple[Promise, str]] = {}
# Lazy labels made per form (not at import) would each add an entry: a bound, not a leak.
_MAX_LAZY_LABELS = 2048


def _label(label: object, language: str | None) -> str:
    """conditional_escape(label), a lazy label's translated once per language."""
    if not isinstance(label, Promise):
        return conditional_escape(label)
    key = (language, id(label))
    found = _lazy_labels.get(key)
    if found is not None and found[0] is label:
        return found[1]
    # conditional_escape keeps a lazy label lazy: str() translates it now, as the f-string did.
    text = str(conditional_escape(label))
    if len(_lazy_labels) >= _MAX_LAZY_LABELS:
        _lazy_labels.clear()
    _lazy_labels[key] = (label, text)
    return text


def render_select(widget: Mapping[str, object]) -> SafeString:
    """The markup of django/forms/widgets/select.html and select_option.html."""
    html = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    language = get_language()
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            html.append(f'<optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            html.append(
                f'<option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{_label(option['label'], language)}</option>"
            )
        if group_name:
            html.append("</optgroup>")
    html.append("</select>")
    return mark_safe("\n".join(html))  # noqa: S308 (every value above is escaped)


# Django's templates that are only {% include "django/forms/widgets/input.html" %}.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "email",
        "url",
        "number",
        "password",
        "hidden",
        "search",
        "tel",
        "date",
        "datetime",
        "time",
        "color",
        "file",
        "checkbox",
    )
)
# Radios and checkbox lists: multiple_input.html, each option through input_option.html.
MULTIPLE_TEMPLATES = frozenset(
    ("django/forms/widgets/radio.html", "django/forms/widgets/checkbox_select.html")
)
INPUT_OPTION_TEMPLATE = "django/forms/widgets/input_option.html"
OPTION_INPUT_TEMPLATES = frozenset(
    (
        "django/forms/widgets/radio_option.html",
        "django/forms/widgets/checkbox_option.html",
        INPUT_OPTION_TEMPLATE,
    )
)
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def render_input(widget: Mapping[str, object]) -> str:
    """The markup of django/forms/widgets/input.html (with attrs.html)."""
    value = widget["value"]
    shown = "" if value is None else f' value="{escape(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _render_option_input(option: Mapping[str, object]) -> str:
    """input_option.html (through radio_option.html or checkbox_option.html): the input,
    wrapped in its label when the option asks for it, with the newlines that end each
    included template."""
    html = render_input(option) + "\n"
    if option.get("wrap_label"):
        option_id = option["attrs"].get("id")
        label_for = f' for="{conditional_escape(option_id)}"' if option_id else ""
        label = conditional_escape(localize(option["label"]))
        html = f"<label{label_for}>{html} {label}</label>"
    return html + ("\n" if option["template_name"] == INPUT_OPTION_TEMPLATE else "\n\n")


def render_multiple(widget: Mapping[str, object]) -> str:
    """multiple_input.html, its options through input_option.html."""
    widget_id = widget["attrs"].get("id")
    css = widget["attrs"].get("class")
    html = ["<div"]
    if widget_id:
        html.append(f' id="{conditional_escape(widget_id)}"')
    if css:
        html.append(f' class="{conditional_escape(css)}"')
    html.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            html.append(f"\n  <div><label>{conditional_escape(localize(group))}</label>")
        for option in options:
            html.append(f"<div>\n    {_render_option_input(option)}</div>")
        if group:
            html.append("\n  </div>")
    html.append("\n</div>")
    return "".join(html)


def render_textarea(widget: Mapping[str, object]) -> str:
    """textarea.html."""
    value = widget["value"]
    text = conditional_escape(localize(value)) if value else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"'
        f"{_attrs(widget['attrs'])}>\n{text}</textarea>"
    )


def _plain_options(widget: Mapping[str, object]) -> bool:
    """Whether every option uses Django's own option template (a widget with its own option
    template is left to it)."""
    return all(
        option["template_name"] == OPTION_TEMPLATE
        for _name, options, _index in widget["optgroups"]
        for option in options
    )


def _input_options(widget: Mapping[str, object]) -> bool:
    """Whether every option of a radio or checkbox list uses Django's own option template."""
    return all(
        option["template_name"] in OPTION_INPUT_TEMPLATES
        for _name, options, _index in widget["optgroups"]
        for option in options
    )


class FormRenderer(DjangoTemplates):
    def render(
        self, template_name: str, context: Mapping[str, object], request: HttpRequest | None = None
    ) -> str:
        if template_name in INPUT_TEMPLATES:
            return render_input(context["widget"])
        if template_name == SELECT_TEMPLATE and _plain_options(context["widget"]):
            return render_select(context["widget"])
        if template_name in MULTIPLE_TEMPLATES and _input_options(context["widget"]):
            return render_multiple(context["widget"])
        if template_name == TEXTAREA_TEMPLATE:
            return render_textarea(context["widget"])
        return super().render(template_name, context, request)
