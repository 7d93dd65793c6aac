"""The "Report a deviation" button written in Python (issue 18): it was
deviations/_report_button.html, included on the case, message and plan pages. The markup is
the same up to runs of whitespace (deviations/tests/test_deviation_blocks.py)."""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from samplan.core.markup import reverse_once

register = template.Library()


@register.simple_tag(takes_context=True)
def report_button(context: Context, parameter: str, pk: object) -> SafeString:
    """The button for the case (arende), message (meddelande) or plan (plan) `pk`, shown
    only when the navigation context says the user may report (show_report_deviation)."""
    if not context.get("show_report_deviation"):
        return mark_safe("")
    url = conditional_escape(f"{reverse_once('deviations:new')}?{parameter}={pk}")
    words = gettext("Report a deviation")  # outside the f-string: xgettext skips those
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<a class="button button--quiet" href="{url}">{words}</a>'
    )
