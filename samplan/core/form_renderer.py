"""The project's form renderer: Django's, with <select> written in Python.

Django renders a <select> through a template that includes another template for every
option. A select of a region's units (hundreds of options, as on the log review's filter)
then cost most of its page's time. This renderer writes the same markup in Python for the
select template and leaves every other widget to Django's templates.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


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
    html = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            html.append(f'<optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            html.append(
                f'<option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            )
        if group_name:
            html.append("</optgroup>")
    html.append("</select>")
    return mark_safe("\n".join(html))  # noqa: S308 (every value above is escaped)


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
        if template_name == SELECT_TEMPLATE and _plain_options(context["widget"]):
            return render_select(context["widget"])
        return super().render(template_name, context, request)
