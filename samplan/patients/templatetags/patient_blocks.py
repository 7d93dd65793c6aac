"""The patient header written in Python (issue 18): it was patients/_patient_header.html (with
_protection_badge.html included), shown on the case page, the case printout, the message page,
the plan pages and the patient pages. The markup is the same up to runs of whitespace
(patients/tests/test_patient_blocks.py renders the old template beside it). Every value is
escaped as the template language would.
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from samplan.patients.display import PatientDisplay

register = template.Library()


def protection_badge(display: PatientDisplay) -> str:
    """As patients/_protection_badge.html (still included by the list rows)."""
    if not display.badge:
        return ""
    return (
        '<strong class="badge badge--alert badge--protected" data-testid="protected-badge">'
        f"{conditional_escape(display.badge)}</strong>"
    )


def _shown(display: PatientDisplay, value: object) -> str:
    text = conditional_escape(value)
    return text if display.identity_shown else f'<span class="placeholder">{text}</span>'


@register.simple_tag
def patient_header(display: PatientDisplay) -> SafeString:
    """Who the page is about, as samplan.patients.display decided it may be shown. Every page
    that shows a patient uses this with `display` (a PatientDisplay); none reads the Patient."""
    protected = " patient-header--protected" if display.is_protected else ""
    html = (
        f'<div class="patient-header{protected}" data-testid="patient-header">\n'
        f'<p class="patient-header__name">{_shown(display, display.name)}</p>\n'
        '<p class="patient-header__identity"><span class="muted">'
        f"{conditional_escape(display.identity_kind)}</span> "
        f"{_shown(display, display.identity)}</p>\n"
        f"{protection_badge(display)}\n</div>"
    )
    return mark_safe(html)  # noqa: S308 (every value above is escaped)
