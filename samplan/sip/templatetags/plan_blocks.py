"""The SIP plan page's loops written in Python: the units and their answers, the signatures,
the versions, and a version's interventions (sip/_plan_text.html, also on the version and
signing pages).

The template language's per-row look-ups, date filters, includes and {% url %} were most of
the plan page's template time (issue 18). The markup is the same up to runs of whitespace:
sip/tests/test_plan_blocks.py renders the loops as they were (tests/reference/) beside these.
Every value from the database or a translation is escaped as the template language does.
"""

from __future__ import annotations

import datetime
import functools

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

_PLAN_SLOT, _NUMBER_SLOT = 987654321, 987654322


@functools.cache
def _version_url_patterns(script_prefix: str) -> tuple[str, str]:
    # One reverse per process (and script prefix), not two per version.
    def pattern(name: str) -> str:
        url = reverse(name, args=[_PLAN_SLOT, _NUMBER_SLOT])
        return url.replace(str(_PLAN_SLOT), "{plan}").replace(str(_NUMBER_SLOT), "{number}")

    return pattern("sip:version"), pattern("sip:version_pdf")


def _minute(value: datetime.datetime | None) -> str:
    """The filter date:"Y-m-d H:i" in the current time zone ("" for None)."""
    return "" if value is None else f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _day(value: datetime.date | None) -> str:
    """The filter date:"Y-m-d" ("" for None)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value:%Y-%m-%d}"


def _name(user: object) -> str:
    """user.get_full_name|default:user.username."""
    if not user:
        return ""
    return esc(user.get_full_name() or user.username)


def answer_badge(participant: object, overdue: bool) -> str:
    """A unit's answer to the summons, as sip/_answer_badge.html."""
    answer = participant.answer
    shown = esc(participant.get_answer_display())
    if answer == "accepted":
        return f'<span class="badge badge--ok">{shown}</span>'
    if answer == "pending":
        late = f" – {esc(gettext('overdue'))}" if overdue else ""
        css = "badge--alert" if overdue else "badge--warn"
        return f'<span class="badge {css}">{shown}{late}</span>'
    return f'<span class="badge badge--off">{shown}</span>'


@register.simple_tag
def sip_participant_rows(participants: object) -> SafeString:
    """The rows of the table of units and their answers."""
    html = []
    for p in participants:
        initiator = p.role == "initiator"
        badge = "–" if initiator else answer_badge(p, getattr(p, "overdue", False)) + "\n"
        answered = "–"
        if p.answered_at and not initiator:
            late = (
                f' <span class="badge badge--warn">{esc(gettext("late"))}</span>'
                if p.answered_late
                else ""
            )
            answered = (
                f"{_minute(p.answered_at)}<br>"
                f'<span class="muted">{_name(p.answered_by)}</span>{late}'
            )
        if p.answer == "accepted":
            why = esc(p.attendees or "–")
        elif p.answer == "declined":
            why = esc(p.decline_reason)
        else:
            why = "–"
        html.append(
            "\n<tr>\n"
            f'<th scope="row">{esc(p.unit.name)}<br>'
            f'<span class="muted">{esc(p.unit.organization.name)}</span></th>\n'
            f"<td>{esc(p.get_role_display())}</td>\n"
            f"<td>{badge}</td>\n"
            f'<td class="nowrap">{_minute(p.due_at) or "–"}</td>\n'
            f"<td>{answered}</td>\n"
            f'<td class="pre">{why}</td>\n'
            "</tr>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def sip_signature_items(statuses: object) -> SafeString:
    """The list items of the signatures: signed (who, when), to sign again, or not signed."""
    html = []
    for s in statuses:
        if s.signature:
            state = (
                f'<span class="badge badge--ok">{esc(gettext("Signed"))}</span> '
                f"{_name(s.signature.user)}, {_minute(s.signature.signed_at)}\n"
            )
        elif s.earlier:
            state = (
                f'<span class="badge badge--warn">{esc(gettext("To sign again"))}</span> '
                f"{esc(gettext('signed an earlier text of this version'))}\n"
            )
        else:
            state = f'<span class="badge badge--off">{esc(gettext("Not signed"))}</span>'
        html.append(f"\n<li>{esc(s.participant.unit.name)}:\n{state}\n</li>\n")
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def sip_version_rows(plan: object, versions: object) -> SafeString:
    """The rows of the table of the plan's versions, with links to each and its PDF."""
    page, pdf = _version_url_patterns(get_script_prefix())
    html = []
    for v in versions:
        number = int(v.number)
        urls = {"plan": int(plan.pk), "number": number}
        locked = "–"
        if v.locked_at:
            locked = f"{_minute(v.locked_at)}, {_name(v.locked_by)}"
        html.append(
            "\n<tr>\n"
            f'<th scope="row"><a href="{esc(page.format(**urls))}">'
            f"{gettext('Version %(number)s') % {'number': number}}</a></th>\n"
            f"<td>{esc(v.get_reason_display())}</td>\n"
            f"<td>{_minute(v.created_at)}, {_name(v.created_by)}</td>\n"
            f"<td>{locked}</td>\n"
            f'<td><a href="{esc(pdf.format(**urls))}">'
            f"{gettext('PDF of version %(number)s') % {'number': number}}</a></td>\n"
            "</tr>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def sip_intervention_rows(interventions: object) -> SafeString:
    """The rows of a version's table of interventions."""
    html = []
    for item in interventions:
        unit = item.unit
        profession = item.profession.name if item.profession else ""
        html.append(
            "\n<tr>\n"
            f'<th scope="row" class="pre">{esc(item.what)}</th>\n'
            f"<td>{esc(unit.name if unit else '')}<br>"
            f'<span class="muted">{esc(unit.organization.name if unit else "")}</span></td>\n'
            f"<td>{esc(profession or '–')}</td>\n"
            f'<td class="nowrap">{_day(item.starts_on) or "–"}</td>\n'
            f'<td class="nowrap">{_day(item.ends_on) or "–"}</td>\n'
            f"<td>{esc(item.status_label)}</td>\n"
            "</tr>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)
