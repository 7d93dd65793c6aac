"""The project's form renderer: Django's, with <select> and <input> written in Python.

Django renders a <select> through a template that includes another template for every
option. A select of a region's units (hundreds of options, as on the log review's filter)
then cost most of its page's time. An <input> is three templates (text.html includes
input.html, which includes attrs.html, which loops over the attributes); the log review's
filter form has ten of them, a millisecond of its page. This renderer writes the same markup
in Python for those templates and leaves every other widget to Django's templates.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
_WIDGETS = "django/forms/widgets/"
# Django's widget templates that are only `{% include "django/forms/widgets/input.html" %}`
# and a newline (the test compares each with Django's output) ...
INPUT_TEMPLATES = frozenset(
    f"{_WIDGETS}{name}.html"
    for name in (
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)
# ... and the options of checkboxes and radio buttons, only an include of input_option.html.
INPUT_OPTION_TEMPLATES = frozenset(
    {f"{_WIDGETS}checkbox_option.html", f"{_WIDGETS}radio_option.html"}
)


def conditional_escape(value: object) -> str:
    """As django.utils.html.conditional_escape, without its lazy-string wrapper (which
    costs more than the escaping): called for every option and attribute."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: Mapping[str, object]) -> str:
    """As django/forms/widgets/attrs.html: False left out, True as a bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def render_select(widget: Mapping[str, object]) -> SafeString:
    """The markup of django/forms/widgets/select.html and select_option.html."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            parts.append(
                f'<option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("\n".join(parts))  # noqa: S308 (every value above is escaped)


def render_input(widget: Mapping[str, object]) -> str:
    """The markup of django/forms/widgets/input.html, stripped."""
    value = widget.get("value")
    shown = "" if value is None else f' value="{conditional_escape(_as_string(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _as_string(value: object) -> object:
    """As the template filter stringformat:"s": a safe string stays safe."""
    return value if isinstance(value, str) else str(value)


def render_input_option(widget: Mapping[str, object]) -> str:
    """The markup of django/forms/widgets/input_option.html, stripped."""
    if not widget.get("wrap_label"):
        return render_input(widget)
    for_id = widget["attrs"].get("id")
    label_for = f' for="{conditional_escape(for_id)}"' if for_id else ""
    return (
        f"<label{label_for}>{render_input(widget)}\n {conditional_escape(widget['label'])}</label>"
    )


def _plain_options(widget: Mapping[str, object]) -> bool:
    """Whether every option uses Django's own option template (a widget with its own option
    template is left to it)."""
    return all(
        option["template_name"] == OPTION_TEMPLATE
        for _name, options, _index in widget["optgroups"]
        for option in options
    )


class FormRenderer(DjangoTemplates):
    def render(
        self, template_name: str, context: Mapping[str, object], request: HttpRequest | None = None
    ) -> str:
        # Django strips what a widget template gives (BaseRenderer.render).
        if template_name in INPUT_TEMPLATES:
            return mark_safe(render_input(context["widget"]))  # noqa: S308 (escaped)
        if template_name in INPUT_OPTION_TEMPLATES:
            return mark_safe(render_input_option(context["widget"]))  # noqa: S308 (escaped)
        if template_name == SELECT_TEMPLATE and _plain_options(context["widget"]):
            return render_select(context["widget"])
        return super().render(template_name, context, request)
