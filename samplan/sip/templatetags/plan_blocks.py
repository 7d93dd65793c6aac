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
from django.db.models import Choices
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from samplan.core.markup import reverse_once
from samplan.sip.models import Answer, InterventionStatus, ParticipantRole, VersionReason

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


def _minute(value: datetime.datetime | None, zone: datetime.tzinfo | None = None) -> str:
    """The filter date:"Y-m-d H:i" in the current time zone ("" for None). A loop passes
    the zone, looked up once (through asgiref's Local) rather than per value."""
    return "" if value is None else f"{timezone.localtime(value, zone):%Y-%m-%d %H:%M}"


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


def answer_badge(participant: object, overdue: bool, t: _Words | None = None) -> str:
    """A unit's answer to the summons, as sip/_answer_badge.html."""
    t = t or _Words()
    answer = participant.answer
    shown = esc(t.choice(Answer, answer))
    if answer == "accepted":
        return f'<span class="badge badge--ok">{shown}</span>'
    if answer == "pending":
        late = f" – {esc(t('overdue'))}" if overdue else ""
        css = "badge--alert" if overdue else "badge--warn"
        return f'<span class="badge {css}">{shown}{late}</span>'
    return f'<span class="badge badge--off">{shown}</span>'


@register.simple_tag
def sip_participant_rows(participants: object) -> SafeString:
    """The rows of the table of units and their answers."""
    t, zone = _Words(), timezone.get_current_timezone()
    html = []
    for p in participants:
        initiator = p.role == "initiator"
        badge = "–" if initiator else answer_badge(p, getattr(p, "overdue", False), t) + "\n"
        answered = "–"
        if p.answered_at and not initiator:
            late = (
                f' <span class="badge badge--warn">{esc(t("late"))}</span>'
                if p.answered_late
                else ""
            )
            answered = (
                f"{_minute(p.answered_at, zone)}<br>"
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
            f"<td>{esc(t.choice(ParticipantRole, p.role))}</td>\n"
            f"<td>{badge}</td>\n"
            f'<td class="nowrap">{_minute(p.due_at, zone) or "–"}</td>\n'
            f"<td>{answered}</td>\n"
            f'<td class="pre">{why}</td>\n'
            "</tr>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def sip_signature_items(statuses: object) -> SafeString:
    """The list items of the signatures: signed (who, when), to sign again, or not signed."""
    t, zone = _Words(), timezone.get_current_timezone()
    html = []
    for s in statuses:
        if s.signature:
            state = (
                f'<span class="badge badge--ok">{esc(t("Signed"))}</span> '
                f"{_name(s.signature.user)}, {_minute(s.signature.signed_at, zone)}\n"
            )
        elif s.earlier:
            state = (
                f'<span class="badge badge--warn">{esc(t("To sign again"))}</span> '
                f"{esc(t('signed an earlier text of this version'))}\n"
            )
        else:
            state = f'<span class="badge badge--off">{esc(t("Not signed"))}</span>'
        html.append(f"\n<li>{esc(s.participant.unit.name)}:\n{state}\n</li>\n")
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def sip_version_rows(plan: object, versions: object) -> SafeString:
    """The rows of the table of the plan's versions, with links to each and its PDF."""
    t, zone = _Words(), timezone.get_current_timezone()
    html = []
    for v in versions:
        number = int(v.number)
        page = reverse_once("sip:version", int(plan.pk), number)
        pdf = reverse_once("sip:version_pdf", int(plan.pk), number)
        locked = "–"
        if v.locked_at:
            locked = f"{_minute(v.locked_at, zone)}, {_name(v.locked_by)}"
        html.append(
            "\n<tr>\n"
            f'<th scope="row"><a href="{esc(page)}">'
            f"{t('Version %(number)s') % {'number': number}}</a></th>\n"
            f"<td>{esc(t.choice(VersionReason, v.reason))}</td>\n"
            f"<td>{_minute(v.created_at, zone)}, {_name(v.created_by)}</td>\n"
            f"<td>{locked}</td>\n"
            f'<td><a href="{esc(pdf)}">'
            f"{t('PDF of version %(number)s') % {'number': number}}</a></td>\n"
            "</tr>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def sip_intervention_rows(interventions: object) -> SafeString:
    """The rows of a version's table of interventions."""
    t = _Words()
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
            f"<td>{esc(t.choice(InterventionStatus, item.status))}</td>\n"
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


@functools.cache
def _choice_labels(language: str | None, choices: type[Choices]) -> dict[object, str]:
    return {value: str(label) for value, label in choices.choices}


class _Words:
    """The translations of one tag call. t("message") is {% translate "message" %}: the
    translation as it is, not escaped (the template language marks a literal msgid safe, and
    so its translation; "The person's goals" keeps its '). Kept per language and process (the
    page asks for some eighty a view), and the language is looked up once per tag (through
    asgiref's Local, as every gettext() and get_language() does), not per label and row.
    The msgids are in the reference templates (tests/reference/), which makemessages reads."""

    __slots__ = ("language",)

    def __init__(self) -> None:
        self.language = get_language()

    def __call__(self, message: str) -> str:
        return _translated(self.language, message)

    def choice(self, choices: type[Choices], value: object) -> str:
        """A choice's label, as get_FOO_display() (core.choices.ChoiceLabels) gives it: the
        value itself when it is not one of the choices."""
        return _choice_labels(self.language, choices).get(value, value)


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
    t = _Words()
    locked = f" – {t('finalised and locked')}" if version.is_locked else ""
    started = t("started by %(unit)s %(date)s") % {
        "unit": esc(plan.initiator_unit.name),
        "date": _day(plan.created_at),
    }
    from_case = f"· {t('from a discharge case')}" if plan.case_id else ""
    html = [
        '<p class="lead">\n'
        f"{state_badge(plan.state, plan.get_state_display())}\n"
        f"{t('Version %(number)s') % {'number': esc(version.number)}}{locked}\n"
        f"· {started}\n{from_case}\n</p>\n"
    ]
    if next_step.text and plan.state != "closed":
        urgent = " message--next" if next_step.urgent else ""
        html.append(
            f'<p class="message{urgent}" data-testid="next-step" data-step="{esc(next_step.code)}">'
            f"<strong>{esc(next_step.text)}</strong></p>\n"
        )
    if plan.state == "closed":
        closed = t("The plan was closed %(date)s: %(reason)s.") % {
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
    t = _Words()
    html = [
        '<section class="panel" aria-labelledby="consent-h">\n'
        f'<h2 id="consent-h">{t("Consent")}</h2>\n'
    ]
    if consent:
        by = t("by %(giver)s %(date)s") % {
            "giver": esc(consent.get_given_by_display().lower()),
            "date": _day(consent.given_at),
        }
        who = ""
        if consent.given_by_name:
            relation = f", {esc(consent.given_by_relation)}" if consent.given_by_relation else ""
            who = f" ({esc(consent.given_by_name)}{relation})"
        exclusions = f"{t('Exclusions')}: {esc(consent.exclusions)}" if consent.exclusions else ""
        html.append(
            f'<p><span class="badge badge--ok">{t("Consent given")}</span>\n'
            f"{by}{who}.\n{exclusions}</p>\n"
        )
    elif consent_withdrawn:
        withdrawn = t(
            "The consent was withdrawn %(date)s. Nothing more is sent for this plan (no "
            "summons, no reminders) until a new consent is recorded."
        ) % {"date": _day(plan.consent.withdrawn_at)}
        html.append(f'<p class="message message--error" role="alert">{withdrawn}</p>\n')
    else:
        html.append(
            '<p class="message message--warning">'
            f"{t('No consent to the SIP is recorded. Nothing can be sent until it is.')}</p>\n"
        )
    if actions.get("consent"):
        html.append(
            f'<p><a class="button button--secondary" href="{_plan_url("sip:consent", plan.pk)}">'
            f"{t('Record consent')}</a></p>"
        )
    html.append("\n</section>\n")
    if actions.get("answer"):
        due = t("Accept (naming who attends) or decline (with a reason) by %(due)s.") % {
            "due": _minute(plan.participation.due_at)
        }
        html.append(
            '<section class="panel" aria-labelledby="answer-h">\n'
            f'<h2 id="answer-h">{t("Your unit is summoned")}</h2>\n'
            f"<p>{due}</p>\n"
            f'<p><a class="button" href="{_plan_url("sip:answer", plan.pk)}">'
            f"{t('Answer the summons')}</a></p>\n</section>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


def _button(plan: object, name: str, words: str, secondary: bool = False) -> str:
    css = "button button--secondary" if secondary else "button"
    return f'<a class="{css}" href="{_plan_url(name, plan.pk)}">{words}</a>\n'


@register.simple_tag(takes_context=True)
def sip_actions_panel(context: template.Context) -> SafeString:
    """What the viewer can do with the plan: its buttons, and sending the chosen summons."""
    t = _Words()
    plan, version, actions = context["plan"], context["version"], context["actions"]
    versions, not_sent = context["versions"], context.get("not_sent")
    html = [
        '<section class="panel" aria-labelledby="actions-h">\n'
        f'<h2 id="actions-h">{t("What you can do")}</h2>\n<div class="actions">\n'
    ]
    if actions.get("edit"):
        words = (
            t("Change the plan (makes a new version)") if version.is_locked else t("Write the plan")
        )
        html.append(_button(plan, "sip:edit", words))
    if actions.get("sign"):
        html.append(_button(plan, "sip:sign", t("Sign")))
    if actions.get("finalise"):
        html.append(_button(plan, "sip:finalise", t("Finalise")))
    if actions.get("new_version"):
        html.append(_button(plan, "sip:version_new", t("Follow-up: new version")))
    if actions.get("change_initiative"):
        html.append(
            _button(plan, "sip:initiative_edit", t("Change the initiative"), secondary=True)
        )
    if actions.get("summon"):
        html.append(_button(plan, "sip:units", t("Choose units to summon"), secondary=True))
    pdf = reverse_once("sip:version_pdf", int(plan.pk), int(version.number))
    html.append(
        f'<a class="button button--secondary" href="{esc(pdf)}">{t("The plan as PDF")}</a>\n'
        + _button(plan, "sip:form_prefilled", t("Form for the SIP meeting (PDF)"), True)
        + _button(plan, "sip:history", t("History"), True)
    )
    if context.get("show_report_deviation"):
        # deviations/_report_button.html with parameter="plan"
        html.append(
            f'<a class="button button--quiet" href="{esc(reverse("deviations:new"))}'
            f'?plan={int(plan.pk)}">{t("Report a deviation")}</a>\n'
        )
    if len(versions) > 1:
        html.append(
            f'<a class="button button--secondary" href="{_plan_url("sip:compare", plan.pk)}'
            f'?old={esc(versions[1].number)}&amp;new={esc(versions[0].number)}">'
            f"{t('Compare versions')}</a>\n"
        )
    if actions.get("close"):
        html.append(_button(plan, "sip:close", t("Close the plan"), secondary=True))
    html.append("</div>\n")
    if actions.get("summon") and not_sent:
        count = len(not_sent)
        chosen = ngettext(
            "%(counter)s unit is chosen and not yet summoned.",
            "%(counter)s units are chosen and not yet summoned.",
            count,
        ) % {"counter": count}
        if actions.get("send"):
            send = f'<button type="submit" class="button">{t("Send the summons")}</button>'
        else:
            send = (
                '<p class="muted">'
                f"{t('Record the consent first; then the summons can be sent.')}</p>"
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
    t = _Words()
    still = ""
    if unanswered:
        names = ", ".join(esc(p.unit.name) for p in unanswered)
        still = f'<p class="message message--warning">{t("Still to answer")}: {names}</p>'
    heads = "\n".join(f'<th scope="col">{t(column)}</th>' for column in _UNIT_COLUMNS)
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<section class="panel" aria-labelledby="units-h">\n'
        f'<h2 id="units-h">{t("Units and answers")}</h2>\n{still}\n'
        '<div class="table-wrap">\n<table>\n'
        f'<caption class="visually-hidden">{t("Units and answers")}</caption>\n'
        f"<thead><tr>\n{heads}\n</tr></thead>\n<tbody>\n"
        f"{sip_participant_rows(participants)}\n</tbody>\n</table>\n</div>\n</section>\n"
    )


_OWN_GOALS = "The person's own goals"


@register.simple_tag
def sip_initiative_panel(plan: object) -> SafeString:
    """The initiative: purpose, goals, questions, proposed coordinator and meeting."""
    t = _Words()
    meeting = _minute(plan.meeting_at)
    meeting = f"{meeting}, " if meeting else ""
    meeting += esc(plan.get_meeting_mode_display())
    if plan.meeting_place:
        meeting += f", {esc(plan.meeting_place)}"
    if plan.meeting_link:
        meeting += f", {esc(plan.meeting_link)}"
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<section class="panel" aria-labelledby="initiative-h">\n'
        f'<h2 id="initiative-h">{t("Initiative")}</h2>\n<dl class="facts">\n'
        f'<dt>{t("Purpose")}</dt><dd class="pre">{esc(plan.purpose)}</dd>\n'
        f"<dt>{t(_OWN_GOALS)}</dt>"
        f'<dd class="pre">{_or_dash(plan.person_goals)}</dd>\n'
        f"<dt>{t('Questions for the meeting')}</dt>"
        f'<dd class="pre">{_or_dash(plan.questions)}</dd>\n'
        f"<dt>{t('Proposed coordinator')}</dt><dd>{_or_dash(plan.proposed_coordinator)}</dd>\n"
        f"<dt>{t('Proposed meeting')}</dt><dd>{meeting}</dd>\n"
        f'<dt>{t("Others invited")}</dt><dd class="pre">{_or_dash(plan.invited_others)}</dd>\n'
        "</dl>\n</section>\n"
    )


_INTERVENTION_COLUMNS = ("Intervention", "Responsible", "Profession", "From", "To", "Status")


@register.simple_tag
def sip_plan_text(text: object) -> SafeString:
    """A version's text (content.PlanText) for pages, as sip/_plan_text.html was."""
    t = _Words()
    if text.interventions:
        heads = "\n".join(f'<th scope="col">{t(c)}</th>' for c in _INTERVENTION_COLUMNS)
        interventions = (
            '<div class="table-wrap">\n<table>\n'
            f'<caption class="visually-hidden">{t("Interventions")}</caption>\n'
            f"<thead><tr>\n{heads}\n</tr></thead>\n<tbody>\n"
            f"{sip_intervention_rows(text.interventions)}\n</tbody>\n</table>\n</div>\n"
        )
    else:
        interventions = f'<p class="muted">{t("No interventions yet.")}</p>'
    coordinator = "–"
    if text.coordinator:
        unit = text.coordinator_unit.name if text.coordinator_unit else ""
        coordinator = f"{_name(text.coordinator)}, {esc(unit)}"
    principal = text.responsible_principal.name if text.responsible_principal else ""
    contacts = "".join(
        "\n<dt>"
        + t("Contact person, %(unit)s") % {"unit": esc(contact.unit.name if contact.unit else "")}
        + f"</dt><dd>{esc(contact.name)}"
        + (f", {esc(contact.phone)}" if contact.phone else "")
        + "</dd>\n"
        for contact in text.contacts
    )
    return mark_safe(  # noqa: S308 (every value is escaped)
        f"<h3>{t(_GOALS)}</h3>\n"
        f'<p class="pre">{_or_dash(text.goals)}</p>\n'
        f'<h3>{t("Interventions")}</h3>\n{interventions}\n<dl class="facts">\n'
        f'<dt>{t("What others do")}</dt><dd class="pre">{_or_dash(text.others_do)}</dd>\n'
        f"<dt>{t('Principal with overall responsibility')}</dt><dd>{_or_dash(principal)}</dd>\n"
        f"<dt>{t('Coordinator')}</dt><dd>{coordinator}</dd>\n{contacts}\n"
        f"<dt>{t(_PARTICIPATION)}</dt>"
        f'<dd class="pre">{_or_dash(text.participation)}</dd>\n'
        f"<dt>{t(_RELATIVES)}</dt>"
        f'<dd class="pre">{_or_dash(text.relatives_views)}</dd>\n'
        f"<dt>{t('Follow-up date')}</dt><dd>{_day(text.follow_up_date) or '–'}</dd>\n"
        f"<dt>{t('How the plan is followed up')}</dt>"
        f'<dd class="pre">{_or_dash(text.follow_up_how)}</dd>\n</dl>\n'
    )


_GOALS = "The person's goals"
_PARTICIPATION = "The person's participation and views"
_RELATIVES = "Relatives' participation and views"


@register.simple_tag
def sip_signatures_panel(statuses: object, readiness: object) -> SafeString:
    """Who has signed the current text, and what is missing before it can be finalised."""
    t = _Words()
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
                items.append(f"<li>{t(words)} {', '.join(esc(v) for v in values)}</li>\n")
        missing = (
            f"<p>{t('Before the coordinator can finalise:')}</p>\n<ul>\n{''.join(items)}</ul>\n"
        )
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<section class="panel" aria-labelledby="sign-h">\n'
        f'<h2 id="sign-h">{t("Signatures")}</h2>\n<ul class="plain">\n'
        f"{sip_signature_items(statuses)}\n</ul>\n{missing}</section>\n"
    )


_VERSION_COLUMNS = ("Version", "Why", "Made", "Finalised", "Documents")


@register.simple_tag
def sip_versions_panel(plan: object, versions: object) -> SafeString:
    """The table of the plan's versions."""
    t = _Words()
    heads = "\n".join(f'<th scope="col">{t(c)}</th>' for c in _VERSION_COLUMNS)
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<section class="panel" aria-labelledby="versions-h">\n'
        f'<h2 id="versions-h">{t("Versions")}</h2>\n<div class="table-wrap">\n<table>\n'
        f'<caption class="visually-hidden">{t("Versions")}</caption>\n'
        f"<thead><tr>\n{heads}\n</tr></thead>\n<tbody>\n"
        f"{sip_version_rows(plan, versions)}\n</tbody>\n</table>\n</div>\n</section>\n"
    )


@register.simple_tag
def sip_breadcrumbs(plan: object) -> SafeString:
    """The way back to the list and the plan, as the top of sip/_plan_top.html."""
    t = _Words()
    number = t("Plan %(number)s") % {"number": int(plan.pk)}
    return mark_safe(  # noqa: S308 (the addresses and number are escaped or integers)
        f'<nav class="breadcrumbs" aria-label="{t("You are here")}"><ol>\n'
        f'<li><a href="{esc(reverse("sip:list"))}">{t("SIP")}</a></li>\n'
        f'<li><a href="{_plan_url("sip:detail", plan.pk)}">{number}</a></li>\n</ol></nav>\n'
    )
