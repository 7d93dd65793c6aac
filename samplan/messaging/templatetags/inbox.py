"""Template helpers of the inbox: links to pages other apps own, and delivery states in words."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

# The case page belongs to samplan.discharge; while a branch without it runs, cases show
# without a link instead of breaking the page.
CASE_PAGE = "discharge:case_detail"


@register.simple_tag
def optional_url(name: str, *args: object) -> str:
    """The URL of a page that may not exist in this installation yet, or ""."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.simple_tag
def case_url(case_id: int | None) -> str:
    """The case page of `case_id`, or "" (no case, or no case page)."""
    if case_id is None:
        return ""
    return optional_url(CASE_PAGE, case_id)
