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
from html import escape as html_escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from samplan.core.markup import reverse_once

register = template.Library()


def esc(value: object) -> str:
    """conditional_escape(value). Most values are plain str, for which Django's escape() is
    html.escape() behind a check for lazy arguments that cost more than the escaping on this
    page's some hundred values (issue 18); anything else (safe, lazy, numbers) goes to
    conditional_escape as before. Used inside f-strings only, so the result need not be a
    SafeString."""
    if type(value) is str:
        return html_escape(value)
    return conditional_escape(value)


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
    html = []
    for v in versions:
        number = int(v.number)
        page = reverse_once("sip:version", int(plan.pk), number)
        pdf = reverse_once("sip:version_pdf", int(plan.pk), number)
        locked = "–"
        if v.locked_at:
            locked = f"{_minute(v.locked_at)}, {_name(v.locked_by)}"
        html.append(
            "\n<tr>\n"
            f'<th scope="row"><a href="{esc(page)}">'
            f"{gettext('Version %(number)s') % {'number': number}}</a></th>\n"
            f"<td>{esc(v.get_reason_display())}</td>\n"
            f"<td>{_minute(v.created_at)}, {_name(v.created_by)}</td>\n"
            f"<td>{locked}</td>\n"
            f'<td><a href="{esc(pdf)}">'
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


# The rest of the plan page (issue 18): its panels, once template blocks full of {% translate %},
# {% url %} and includes. Each is held equal to the block it replaced (tests/reference/plan_*.html)
# by sip/tests/test_plan_blocks.py.


def _plan_url(name: str, pk: object) -> str:
    return esc(reverse_once(name, int(pk)))


@functools.cache
def _translated(language: str | None, message: str) -> str:
    return gettext(message)


def _t(message: str) -> str:
    """{% translate "message" %}: the translation as it is, not escaped (the template language
    marks a literal msgid safe, and so its translation; "The person's goals" keeps its ').
    Kept per language and process: the page asks for some fifty a view."""
    return _translated(get_language(), message)


def _or_dash(value: object) -> str:
    """{{ value|default:"–" }}, escaped."""
    return esc(value) if value else "–"


def state_badge(state: str, label: object) -> str:
    """A plan's state as a badge with its word, as sip/_state_badge.html."""
    css = {"finalised": "badge--ok", "planning": "badge--warn"}.get(state, "badge--off")
    return f'<span class="badge {css}">{esc(label)}</span>'


@register.simple_tag
def sip_plan_head(plan: object, version: object, next_step: object) -> SafeString:
    """The plan's state and version, what the viewer does next, and why it is closed."""
    locked = f" – {_t('finalised and locked')}" if version.is_locked else ""
    started = gettext("started by %(unit)s %(date)s") % {
        "unit": esc(plan.initiator_unit.name),
        "date": _day(plan.created_at),
    }
    from_case = f"· {_t('from a discharge case')}" if plan.case_id else ""
    html = [
        '<p class="lead">\n'
        f"{state_badge(plan.state, plan.get_state_display())}\n"
        f"{gettext('Version %(number)s') % {'number': esc(version.number)}}{locked}\n"
        f"· {started}\n{from_case}\n</p>\n"
    ]
    if next_step.text and plan.state != "closed":
        urgent = " message--next" if next_step.urgent else ""
        html.append(
            f'<p class="message{urgent}" data-testid="next-step" data-step="{esc(next_step.code)}">'
            f"<strong>{esc(next_step.text)}</strong></p>\n"
        )
    if plan.state == "closed":
        closed = gettext("The plan was closed %(date)s: %(reason)s.") % {
            "date": _day(plan.closed_at),
            "reason": esc(plan.get_close_reason_display()),
        }
        text = f" {esc(plan.close_text)}" if plan.close_text else ""
        html.append(f'<p class="message message--warning">{closed}{text}</p>\n')
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def sip_consent_panel(
    plan: object, consent: object, consent_withdrawn: bool, actions: dict
) -> SafeString:
    """The consent: given (by whom, when, what is excluded), withdrawn, or missing."""
    html = [
        '<section class="panel" aria-labelledby="consent-h">\n'
        f'<h2 id="consent-h">{_t("Consent")}</h2>\n'
    ]
    if consent:
        by = gettext("by %(giver)s %(date)s") % {
            "giver": esc(consent.get_given_by_display().lower()),
            "date": _day(consent.given_at),
        }
        who = ""
        if consent.given_by_name:
            relation = f", {esc(consent.given_by_relation)}" if consent.given_by_relation else ""
            who = f" ({esc(consent.given_by_name)}{relation})"
        exclusions = f"{_t('Exclusions')}: {esc(consent.exclusions)}" if consent.exclusions else ""
        html.append(
            f'<p><span class="badge badge--ok">{_t("Consent given")}</span>\n'
            f"{by}{who}.\n{exclusions}</p>\n"
        )
    elif consent_withdrawn:
        withdrawn = gettext(
            "The consent was withdrawn %(date)s. Nothing more is sent for this plan (no "
            "summons, no reminders) until a new consent is recorded."
        ) % {"date": _day(plan.consent.withdrawn_at)}
        html.append(f'<p class="message message--error" role="alert">{withdrawn}</p>\n')
    else:
        html.append(
            '<p class="message message--warning">'
            f"{_t('No consent to the SIP is recorded. Nothing can be sent until it is.')}</p>\n"
        )
    if actions.get("consent"):
        html.append(
            f'<p><a class="button button--secondary" href="{_plan_url("sip:consent", plan.pk)}">'
            f"{_t('Record consent')}</a></p>"
        )
    html.append("\n</section>\n")
    if actions.get("answer"):
        due = gettext("Accept (naming who attends) or decline (with a reason) by %(due)s.") % {
            "due": _minute(plan.participation.due_at)
        }
        html.append(
            '<section class="panel" aria-labelledby="answer-h">\n'
            f'<h2 id="answer-h">{_t("Your unit is summoned")}</h2>\n'
            f"<p>{due}</p>\n"
            f'<p><a class="button" href="{_plan_url("sip:answer", plan.pk)}">'
            f"{_t('Answer the summons')}</a></p>\n</section>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


def _button(plan: object, name: str, words: str, secondary: bool = False) -> str:
    css = "button button--secondary" if secondary else "button"
    return f'<a class="{css}" href="{_plan_url(name, plan.pk)}">{words}</a>\n'


@register.simple_tag(takes_context=True)
def sip_actions_panel(context: template.Context) -> SafeString:
    """What the viewer can do with the plan: its buttons, and sending the chosen summons."""
    plan, version, actions = context["plan"], context["version"], context["actions"]
    versions, not_sent = context["versions"], context.get("not_sent")
    html = [
        '<section class="panel" aria-labelledby="actions-h">\n'
        f'<h2 id="actions-h">{_t("What you can do")}</h2>\n<div class="actions">\n'
    ]
    if actions.get("edit"):
        words = (
            _t("Change the plan (makes a new version)")
            if version.is_locked
            else _t("Write the plan")
        )
        html.append(_button(plan, "sip:edit", words))
    if actions.get("sign"):
        html.append(_button(plan, "sip:sign", _t("Sign")))
    if actions.get("finalise"):
        html.append(_button(plan, "sip:finalise", _t("Finalise")))
    if actions.get("new_version"):
        html.append(_button(plan, "sip:version_new", _t("Follow-up: new version")))
    if actions.get("change_initiative"):
        html.append(
            _button(plan, "sip:initiative_edit", _t("Change the initiative"), secondary=True)
        )
    if actions.get("summon"):
        html.append(_button(plan, "sip:units", _t("Choose units to summon"), secondary=True))
    pdf = reverse_once("sip:version_pdf", int(plan.pk), int(version.number))
    html.append(
        f'<a class="button button--secondary" href="{esc(pdf)}">{_t("The plan as PDF")}</a>\n'
        + _button(plan, "sip:form_prefilled", _t("Form for the SIP meeting (PDF)"), True)
        + _button(plan, "sip:history", _t("History"), True)
    )
    if context.get("show_report_deviation"):
        # deviations/_report_button.html with parameter="plan"
        html.append(
            f'<a class="button button--quiet" href="{esc(reverse("deviations:new"))}'
            f'?plan={int(plan.pk)}">{_t("Report a deviation")}</a>\n'
        )
    if len(versions) > 1:
        html.append(
            f'<a class="button button--secondary" href="{_plan_url("sip:compare", plan.pk)}'
            f'?old={esc(versions[1].number)}&amp;new={esc(versions[0].number)}">'
            f"{_t('Compare versions')}</a>\n"
        )
    if actions.get("close"):
        html.append(_button(plan, "sip:close", _t("Close the plan"), secondary=True))
    html.append("</div>\n")
    if actions.get("summon") and not_sent:
        count = len(not_sent)
        chosen = ngettext(
            "%(counter)s unit is chosen and not yet summoned.",
            "%(counter)s units are chosen and not yet summoned.",
            count,
        ) % {"counter": count}
        if actions.get("send"):
            send = f'<button type="submit" class="button">{_t("Send the summons")}</button>'
        else:
            send = (
                '<p class="muted">'
                f"{_t('Record the consent first; then the summons can be sent.')}</p>"
            )
        html.append(
            f'<form method="post" action="{_plan_url("sip:send", plan.pk)}" class="actions">\n'
            f"{CsrfTokenNode().render(context)}\n"
            f'<input type="hidden" name="key" value="{esc(context.get("summons_key", ""))}">\n'
            f"<p>{chosen}</p>\n{send}\n</form>\n"
        )
    html.append("</section>\n")
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


_UNIT_COLUMNS = (
    "Unit",
    "Role",
    "Answer",
    "Answer by",
    "Answered",
    "Who attends, or why not",
)


@register.simple_tag
def sip_units_panel(participants: object, unanswered: object) -> SafeString:
    """The units summoned and their answers, naming those still to answer."""
    still = ""
    if unanswered:
        names = ", ".join(esc(p.unit.name) for p in unanswered)
        still = f'<p class="message message--warning">{_t("Still to answer")}: {names}</p>'
    heads = "\n".join(f'<th scope="col">{_t(column)}</th>' for column in _UNIT_COLUMNS)
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<section class="panel" aria-labelledby="units-h">\n'
        f'<h2 id="units-h">{_t("Units and answers")}</h2>\n{still}\n'
        '<div class="table-wrap">\n<table>\n'
        f'<caption class="visually-hidden">{_t("Units and answers")}</caption>\n'
        f"<thead><tr>\n{heads}\n</tr></thead>\n<tbody>\n"
        f"{sip_participant_rows(participants)}\n</tbody>\n</table>\n</div>\n</section>\n"
    )


_OWN_GOALS = "The person's own goals"


@register.simple_tag
def sip_initiative_panel(plan: object) -> SafeString:
    """The initiative: purpose, goals, questions, proposed coordinator and meeting."""
    meeting = _minute(plan.meeting_at)
    meeting = f"{meeting}, " if meeting else ""
    meeting += esc(plan.get_meeting_mode_display())
    if plan.meeting_place:
        meeting += f", {esc(plan.meeting_place)}"
    if plan.meeting_link:
        meeting += f", {esc(plan.meeting_link)}"
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<section class="panel" aria-labelledby="initiative-h">\n'
        f'<h2 id="initiative-h">{_t("Initiative")}</h2>\n<dl class="facts">\n'
        f'<dt>{_t("Purpose")}</dt><dd class="pre">{esc(plan.purpose)}</dd>\n'
        f"<dt>{_t(_OWN_GOALS)}</dt>"
        f'<dd class="pre">{_or_dash(plan.person_goals)}</dd>\n'
        f"<dt>{_t('Questions for the meeting')}</dt>"
        f'<dd class="pre">{_or_dash(plan.questions)}</dd>\n'
        f"<dt>{_t('Proposed coordinator')}</dt><dd>{_or_dash(plan.proposed_coordinator)}</dd>\n"
        f"<dt>{_t('Proposed meeting')}</dt><dd>{meeting}</dd>\n"
        f'<dt>{_t("Others invited")}</dt><dd class="pre">{_or_dash(plan.invited_others)}</dd>\n'
        "</dl>\n</section>\n"
    )


_INTERVENTION_COLUMNS = ("Intervention", "Responsible", "Profession", "From", "To", "Status")


@register.simple_tag
def sip_plan_text(text: object) -> SafeString:
    """A version's text (content.PlanText) for pages, as sip/_plan_text.html was."""
    if text.interventions:
        heads = "\n".join(f'<th scope="col">{_t(c)}</th>' for c in _INTERVENTION_COLUMNS)
        interventions = (
            '<div class="table-wrap">\n<table>\n'
            f'<caption class="visually-hidden">{_t("Interventions")}</caption>\n'
            f"<thead><tr>\n{heads}\n</tr></thead>\n<tbody>\n"
            f"{sip_intervention_rows(text.interventions)}\n</tbody>\n</table>\n</div>\n"
        )
    else:
        interventions = f'<p class="muted">{_t("No interventions yet.")}</p>'
    coordinator = "–"
    if text.coordinator:
        unit = text.coordinator_unit.name if text.coordinator_unit else ""
        coordinator = f"{_name(text.coordinator)}, {esc(unit)}"
    principal = text.responsible_principal.name if text.responsible_principal else ""
    contacts = "".join(
        "\n<dt>"
        + gettext("Contact person, %(unit)s")
        % {"unit": esc(contact.unit.name if contact.unit else "")}
        + f"</dt><dd>{esc(contact.name)}"
        + (f", {esc(contact.phone)}" if contact.phone else "")
        + "</dd>\n"
        for contact in text.contacts
    )
    return mark_safe(  # noqa: S308 (every value is escaped)
        f"<h3>{_t(_GOALS)}</h3>\n"
        f'<p class="pre">{_or_dash(text.goals)}</p>\n'
        f'<h3>{_t("Interventions")}</h3>\n{interventions}\n<dl class="facts">\n'
        f'<dt>{_t("What others do")}</dt><dd class="pre">{_or_dash(text.others_do)}</dd>\n'
        f"<dt>{_t('Principal with overall responsibility')}</dt><dd>{_or_dash(principal)}</dd>\n"
        f"<dt>{_t('Coordinator')}</dt><dd>{coordinator}</dd>\n{contacts}\n"
        f"<dt>{_t(_PARTICIPATION)}</dt>"
        f'<dd class="pre">{_or_dash(text.participation)}</dd>\n'
        f"<dt>{_t(_RELATIVES)}</dt>"
        f'<dd class="pre">{_or_dash(text.relatives_views)}</dd>\n'
        f"<dt>{_t('Follow-up date')}</dt><dd>{_day(text.follow_up_date) or '–'}</dd>\n"
        f"<dt>{_t('How the plan is followed up')}</dt>"
        f'<dd class="pre">{_or_dash(text.follow_up_how)}</dd>\n</dl>\n'
    )


_GOALS = "The person's goals"
_PARTICIPATION = "The person's participation and views"
_RELATIVES = "Relatives' participation and views"


@register.simple_tag
def sip_signatures_panel(statuses: object, readiness: object) -> SafeString:
    """Who has signed the current text, and what is missing before it can be finalised."""
    if not statuses:
        return mark_safe("")
    missing = ""
    if readiness and not readiness.ready:
        items = []
        for attribute, words in (
            ("unanswered", "Answers missing from"),
            ("unsigned", "Signatures missing from"),
            ("missing_fields", "Fill in"),
        ):
            values = getattr(readiness, attribute)
            if values:
                items.append(f"<li>{_t(words)} {', '.join(esc(v) for v in values)}</li>\n")
        missing = (
            f"<p>{_t('Before the coordinator can finalise:')}</p>\n<ul>\n{''.join(items)}</ul>\n"
        )
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<section class="panel" aria-labelledby="sign-h">\n'
        f'<h2 id="sign-h">{_t("Signatures")}</h2>\n<ul class="plain">\n'
        f"{sip_signature_items(statuses)}\n</ul>\n{missing}</section>\n"
    )


_VERSION_COLUMNS = ("Version", "Why", "Made", "Finalised", "Documents")


@register.simple_tag
def sip_versions_panel(plan: object, versions: object) -> SafeString:
    """The table of the plan's versions."""
    heads = "\n".join(f'<th scope="col">{_t(c)}</th>' for c in _VERSION_COLUMNS)
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<section class="panel" aria-labelledby="versions-h">\n'
        f'<h2 id="versions-h">{_t("Versions")}</h2>\n<div class="table-wrap">\n<table>\n'
        f'<caption class="visually-hidden">{_t("Versions")}</caption>\n'
        f"<thead><tr>\n{heads}\n</tr></thead>\n<tbody>\n"
        f"{sip_version_rows(plan, versions)}\n</tbody>\n</table>\n</div>\n</section>\n"
    )


@register.simple_tag
def sip_breadcrumbs(plan: object) -> SafeString:
    """The way back to the list and the plan, as the top of sip/_plan_top.html."""
    number = gettext("Plan %(number)s") % {"number": int(plan.pk)}
    return mark_safe(  # noqa: S308 (the addresses and number are escaped or integers)
        f'<nav class="breadcrumbs" aria-label="{_t("You are here")}"><ol>\n'
        f'<li><a href="{esc(reverse("sip:list"))}">{_t("SIP")}</a></li>\n'
        f'<li><a href="{_plan_url("sip:detail", plan.pk)}">{number}</a></li>\n</ol></nav>\n'
    )
