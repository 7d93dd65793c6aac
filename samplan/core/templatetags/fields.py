"""core/_field.html written in Python, for forms on hot pages.

An include per field (a label, the widget, help and errors, a dozen lookups) cost about
0.1 ms; the log search's filter form has seven. `{% field_row form.user %}` writes the same
markup, character for character (core/tests/test_field_row.py compares them), with every
value escaped as the template escapes it.
"""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def field_row(field: BoundField, search: bool = False) -> SafeString:
    """As {% include "core/_field.html" with field=field search=search %}."""
    errors = field.errors
    label_for = conditional_escape(field.id_for_label)
    label = conditional_escape(field.label)
    if getattr(field.field.widget, "input_type", None) == "checkbox":
        shown = (
            f'\n  <div class="field__check">{field} <label for="{label_for}">{label}</label>'
            "</div>\n  "
        )
    else:
        required = ""
        if field.field.required and not search:
            required = ' <span class="required" aria-hidden="true">*</span>'
        shown = f'\n  <label for="{label_for}">{label}{required}</label>\n  {field}\n  '
    help_text = ""
    if field.help_text:
        help_text = (
            f'<p class="field__help" id="{conditional_escape(field.auto_id)}_helptext">'
            f"{conditional_escape(field.help_text)}</p>"
        )
    shown_errors = "".join(
        f'<p class="field__error" id="{label_for}_error">{conditional_escape(error)}</p>'
        for error in errors
    )
    return mark_safe(  # noqa: S308 (every value above is escaped; the widget is Django's)
        f'<div class="field{" field--error" if errors else ""}">\n  {shown}\n'
        f"  {help_text}\n  {shown_errors}\n</div>\n"
    )
