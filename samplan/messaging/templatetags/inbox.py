"""Template helpers of the inbox: links to case pages, and delivery states in words."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def case_url(case_id: int | None) -> str:
    """The case page of `case_id`, or "" for a message outside any case."""
    if case_id is None:
        return ""
    return reverse("discharge:case_detail", args=[case_id])
