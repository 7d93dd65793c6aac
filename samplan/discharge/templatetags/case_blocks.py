"""The case page's parts written in Python: its history (timeline), steps, participants,
facts, deadlines and payment liability.

These were the templates discharge/_timeline.html (with _delivery_state.html and _who.html
included per entry and delivery), _steps.html, _participants.html, _case_facts.html,
_deadlines.html (with _deadline.html) and _liability.html; rendering them was most of the case
page's template time (issue 18). The markup is the same, up to runs of whitespace
(discharge/tests/test_case_blocks.py renders the old templates beside these for realistic
cases). Every value from the database or a translation is escaped (conditional_escape, as the
template language does); what is not escaped is this module's own markup.
"""

from __future__ import annotations

import datetime
import functools
from html import escape as html_escape

from django import template
from django.template.defaultfilters import floatformat, linebreaksbr
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from samplan.core.markup import reverse_once

register = template.Library()


def esc(value: object) -> str:
    """As conditional_escape. A plain str (most values: names, texts, labels) takes the short
    way: django.utils.html.escape is html.escape behind a lazy-argument check and a
    SafeString, and at some 180 values per case page that check was a tenth of its tags'
    time. SafeString and lazy strings are not type str, so they still go the long way."""
    if type(value) is str:
        return html_escape(value)
    return conditional_escape(value)


@functools.lru_cache(maxsize=8)
def _words_in(language: str | None) -> dict[str, str]:
    # `language` is the cache key only: gettext translates in the active language.
    return {
        "New": gettext("New"),
        "Read": gettext("Read"),
        "Acknowledged": gettext("Acknowledged"),
        "Forwarded": gettext("Forwarded"),
        "Returned (misaddressed)": gettext("Returned (misaddressed)"),
        "Cancelled": gettext("Cancelled"),
        "acknowledge by %(due)s": gettext("acknowledge by %(due)s"),
        "Overdue": gettext("Overdue"),
        "arrived %(at)s": gettext("arrived %(at)s"),
        "Returned because:": gettext("Returned because:"),
        "Why?": gettext("Why?"),
        "Cancel message": gettext("Cancel message"),
        "happened %(at)s": gettext("happened %(at)s"),
        "Entered late": gettext("Entered late"),
        "Cancels %(original)s sent %(sent)s.": gettext("Cancels %(original)s sent %(sent)s."),
        "Reason:": gettext("Reason:"),
        "Nothing has happened on the case yet.": gettext("Nothing has happened on the case yet."),
        "Steps of the discharge process": gettext("Steps of the discharge process"),
        "Step": gettext("Step"),
        "Status": gettext("Status"),
        "Sent": gettext("Sent"),
        "entered late": gettext("entered late"),
        "%(done)s of %(total)s": gettext("%(done)s of %(total)s"),
        "Participants": gettext("Participants"),
        "Unit": gettext("Unit"),
        "Role": gettext("Role"),
        "Takes part": gettext("Takes part"),
        "Left": gettext("Left"),
        "since %(since)s": gettext("since %(since)s"),
        "phone": gettext("phone"),
        "Ward": gettext("Ward"),
        "Care type": gettext("Care type"),
        "Admitted": gettext("Admitted"),
        "Need of services assessed": gettext("Need of services assessed"),
        "Estimated discharge date": gettext("Estimated discharge date"),
        "Discharged": gettext("Discharged"),
        "Closed": gettext("Closed"),
        "Not known (no registered municipality)": gettext("Not known (no registered municipality)"),
        "Municipality": gettext("Municipality"),
        "Not appointed": gettext("Not appointed"),
        "Yes,No": gettext("Yes,No"),
        "Care contact": gettext("Care contact"),
        "SIP needed": gettext("SIP needed"),
        "The patient declines the services": gettext("The patient declines the services"),
        "Yes": gettext("Yes"),
        "In time": gettext("In time"),
        "done %(at)s": gettext("done %(at)s"),
        "Late": gettext("Late"),
        "done %(at)s, due %(due)s": gettext("done %(at)s, due %(due)s"),
        "was due %(due)s": gettext("was due %(due)s"),
        "Not yet due": gettext("Not yet due"),
        "due %(due)s": gettext("due %(due)s"),
        "Deadlines": gettext("Deadlines"),
        "Deadline": gettext("Deadline"),
        "so far": gettext("so far"),
        "No amount per day is recorded for %(years)s.": gettext(
            "No amount per day is recorded for %(years)s."
        ),
        "Amount missing": gettext("Amount missing"),
        "Payment liability from": gettext("Payment liability from"),
        "Liable days": gettext("Liable days"),
        "Amount": gettext("Amount"),
        "Why the municipality does not pay:": gettext("Why the municipality does not pay:"),
        "Change the case's details": gettext("Change the case's details"),
        "Transfer to another ward": gettext("Transfer to another ward"),
        "Close the case": gettext("Close the case"),
        "Printout": gettext("Printout"),
        "Your unit has nothing to send on this case now.": gettext(
            "Your unit has nothing to send on this case now."
        ),
        "Start a coordinated individual plan (SIP)": gettext(
            "Start a coordinated individual plan (SIP)"
        ),
        "Withdraw the case": gettext("Withdraw the case"),
        "day 0: %(day)s": gettext("day 0: %(day)s"),
        "the law's defaults (no agreement)": gettext("the law's defaults (no agreement)"),
        "according to the agreement": gettext("according to the agreement"),
    }


def words() -> dict[str, str]:
    """The blocks' fixed words (msgid -> translation) in the active language, translated
    once per language: a case page asked gettext for them about 80 times, each through
    asgiref's Local. Translations, not escaped: callers escape as before."""
    return _words_in(get_language())


def minute(value: datetime.datetime | None, tz: datetime.tzinfo | None = None) -> str:
    """As the filter date:"Y-m-d H:i" (in the current time zone); "" for None. `tz`: the
    current time zone, when the caller has it (each look-up goes through asgiref's Local, and
    a case page shows some 50 times)."""
    if value is None:
        return ""
    return f"{timezone.localtime(value, tz):%Y-%m-%d %H:%M}"


def _iso(value: datetime.datetime | None, tz: datetime.tzinfo | None = None) -> str:
    """As the filter date:"c"."""
    return "" if value is None else timezone.localtime(value, tz).isoformat()


def who(user: object, unit: object) -> str:
    """As discharge/_who.html: the user's name and the unit's, either may be missing."""
    text = ""
    if user:
        text = esc(user.get_full_name() or user.username)
    if unit:
        text += (", " if user else "") + esc(unit.name)
    return text


_STATE_BADGES = {
    "new": ("badge--alert", "New"),
    "read": ("badge--off", "Read"),
    "acknowledged": ("badge--ok", "Acknowledged"),
    "forwarded": ("badge--off", "Forwarded"),
    "returned": ("badge--warn", "Returned (misaddressed)"),
    "cancelled": ("badge--off", "Cancelled"),
}


def delivery_state(
    delivery: object, w: dict[str, str] | None = None, tz: datetime.tzinfo | None = None
) -> str:
    """One delivery's state in words (never colour alone), as _delivery_state.html was.
    `w`: words(), and `tz` the current time zone, when the caller has them."""
    w = w or words()
    state = delivery.state
    html = ""
    if state == "new":
        html = f'<span class="badge badge--alert">{esc(w["New"])}</span>'
    elif state == "read":
        html = (
            f'<span class="badge badge--off">{esc(w["Read"])}</span> '
            f'<span class="muted">{minute(delivery.read_at, tz)}</span>'
        )
    elif state == "acknowledged":
        html = (
            f'<span class="badge badge--ok">✓ {esc(w["Acknowledged"])}</span> '
            f"{minute(delivery.acknowledged_at, tz)}, {who(delivery.acknowledged_by, None)}"
        )
    elif state == "forwarded":
        html = f'<span class="badge badge--off">{esc(w["Forwarded"])}</span>'
    elif state == "returned":
        html = f'<span class="badge badge--warn">{esc(w["Returned (misaddressed)"])}</span>'
    elif state == "cancelled":
        html = f'<span class="badge badge--off">{esc(w["Cancelled"])}</span>'
    if getattr(delivery, "overdue", False):
        due = w["acknowledge by %(due)s"] % {"due": minute(delivery.due_at, tz)}
        html += (
            f' <span class="badge badge--alert">⚠ {esc(w["Overdue"])}</span>'
            f' <span class="muted">{due}</span>'
        )
    return html + "\n"


def _head(entry: object, tz: datetime.tzinfo) -> str:
    title = esc(entry.title)
    if entry.message is not None and entry.message.cancelled_at:
        title = f"<s>{title}</s>"
    at = f'<time datetime="{_iso(entry.at, tz)}">{minute(entry.at, tz)}</time>'
    return f"{at} <strong>{title}</strong>"


def _delivery_row(delivery: object, printing: bool, w: dict[str, str], tz: datetime.tzinfo) -> str:
    arrived = w["arrived %(at)s"] % {"at": minute(delivery.arrived_at, tz)}
    html = [
        f'\n<li data-testid="delivery">{esc(delivery.unit.name)} '
        f'<span class="muted">{esc(delivery.unit.organization.name)}</span> · {arrived} · '
        f"{delivery_state(delivery, w, tz)}\n"
    ]
    returned = ""
    if printing:
        if delivery.return_reason:
            returned = f"; {esc(w['Returned because:'])} {esc(delivery.return_reason)}"
        html.append(f'<span class="muted">({esc(delivery.reason_text)}{returned})</span>\n')
    elif delivery.reason_text:
        if delivery.return_reason:
            returned = f"<br>{esc(w['Returned because:'])} {esc(delivery.return_reason)}"
        html.append(
            f'<details class="why"><summary>{esc(w["Why?"])}</summary>'
            f"{esc(delivery.reason_text)}{returned}</details>"
        )
    html.append("\n</li>\n")
    return "".join(html)


def _message_entry(
    entry: object, case: object, printing: bool, w: dict[str, str], tz: datetime.tzinfo
) -> str:
    message = entry.message
    count = len(message.delivery_rows)
    units = ngettext("%(counter)s unit", "%(counter)s units", count) % {"counter": count}
    html = [
        f'\n<details class="timeline__details"{" open" if printing else ""}>\n'
        f'<summary class="timeline__head">{_head(entry, tz)} <span class="muted">– '
        f'{who(entry.user, entry.unit)}</span> <span class="muted">({units})</span></summary>\n'
    ]
    if message.message_type != "cancellation" and message.items:
        struck = " struck" if message.cancelled_at else ""
        html.append(f'<dl class="facts{struck}">')
        for label, value in message.items:
            text = linebreaksbr(value, autoescape=True)
            if message.cancelled_at:
                text = f"<s>{text}</s>"
            html.append(f"<dt>{esc(label)}</dt><dd>{text}</dd>")
        html.append("</dl>")
    to = ngettext("To %(counter)s unit:", "To %(counter)s units:", count) % {"counter": count}
    html.append(f'\n<p class="timeline__sub">{to}</p>\n<ul class="deliveries">\n')
    html.extend(_delivery_row(delivery, printing, w, tz) for delivery in message.delivery_rows)
    html.append("\n</ul>\n")
    if message.may_cancel and not printing:
        url = reverse_once("discharge:message_cancel", int(case.pk), int(message.pk))
        html.append(
            f'<p class="no-print"><a href="{esc(url)}">{esc(w["Cancel message"])}'
            f'<span class="visually-hidden"> – {esc(message.get_message_type_display())} '
            f"{minute(message.sent_at, tz)}</span></a></p>"
        )
    html.append("\n</details>\n")
    if message.entered_late:
        happened = w["happened %(at)s"] % {"at": minute(message.occurred_at, tz)}
        html.append(
            f'<p><span class="badge badge--warn">{esc(w["Entered late"])}</span> {happened}</p>'
        )
    html.append("\n")
    if message.message_type == "cancellation":
        cancels = ""
        if message.cancels:
            original = message.cancels
            cancels = (
                w["Cancels %(original)s sent %(sent)s."]
                % {
                    "original": esc(original.get_message_type_display()),
                    "sent": minute(original.sent_at, tz),
                }
                + " "
            )
        html.append(f"\n<p>{cancels}{esc(w['Reason:'])} {esc(message.text)}</p>\n")
    elif message.cancelled_at:
        by = ""
        if message.cancellation:
            cancellation = message.cancellation
            by = (
                f", {who(cancellation.sender_user, cancellation.sender_unit)}. "
                f"{esc(w['Reason:'])} {esc(cancellation.text)}"
            )
        html.append(
            '\n<p class="timeline__cancelled" data-testid="cancelled-note">'
            f'<span class="badge badge--alert">{esc(w["Cancelled"])}</span> '
            f"{minute(message.cancelled_at, tz)}{by}</p>\n"
        )
    return "".join(html) + "\n"


@register.simple_tag
def case_timeline(overview: object, case: object, printing: bool = False) -> SafeString:
    """The case's full history in time order, compact: one line per event, each message's
    content and receivers on demand (open when printing). Every message (struck through when
    cancelled, with the reason), every delivery with its state, acknowledgements, forwards,
    returns and case events, each with Swedish local time and the acting user and unit.
    `printing` leaves out the links."""
    w = words()
    tz = timezone.get_current_timezone()
    html = ['<ol class="timeline">\n']
    for entry in overview.timeline:
        kind = esc(entry.kind)
        html.append(
            f'\n<li class="timeline__entry timeline__entry--{kind}" '
            f'data-testid="timeline-{kind}">\n'
        )
        if entry.kind != "message":
            detail = f": {esc(entry.detail)}" if entry.detail else ""
            html.append(
                f'<p class="timeline__head">{_head(entry, tz)}{detail} <span class="muted">– '
                f"{who(entry.user, entry.unit)}</span></p>\n"
            )
        else:
            html.append(_message_entry(entry, case, printing, w, tz))
        html.append("\n</li>\n")
    if not overview.timeline:
        html.append(f"\n<li>{esc(w['Nothing has happened on the case yet.'])}</li>\n")
    html.append("\n</ol>\n")
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


def _step_badge(status: str) -> str:
    if status == "acknowledged":
        return "badge--ok"
    if status in ("overdue", "ack_overdue"):
        return "badge--alert"
    if status in ("sent", "withdrawn"):
        return "badge--warn"
    return "badge--off"


@register.simple_tag
def case_steps(overview: object) -> SafeString:
    """The steps of the discharge process (domain.md §5), each in words and an icon, never
    colour alone."""
    w = words()
    tz = timezone.get_current_timezone()
    name = esc(w["Steps of the discharge process"])
    html = [
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="{name}">\n'
        f'<table class="steps">\n<caption class="visually-hidden">{name}</caption>\n<thead><tr>\n'
        f'<th scope="col">{esc(w["Step"])}</th>\n'
        f'<th scope="col">{esc(w["Status"])}</th>\n'
        f'<th scope="col">{esc(w["Sent"])}</th>\n'
        f'<th scope="col">{esc(w["Acknowledged"])}</th>\n'
        "</tr></thead>\n<tbody>\n"
    ]
    for step in overview.steps:
        message = step.message
        sent = acknowledged = "–"
        if message:
            sender = esc(message.sender_unit.name)
            when = timezone.localtime(message.effective_time, tz)
            late = (
                f' <span class="badge badge--off">{esc(w["entered late"])}</span>'
                if message.entered_late
                else ""
            )
            sent = (
                f'<span title="{when:%Y-%m-%d %H:%M}, {sender}">{when:%m-%d %H:%M}</span>'
                f'<span class="visually-hidden">, {sender}</span>{late}'
            )
            acknowledged = w["%(done)s of %(total)s"] % {
                "done": esc(step.acknowledged),
                "total": esc(step.receivers),
            }
        html.append(
            f'\n<tr class="step step--{esc(step.status)}" '
            f'data-testid="step-{esc(step.message_type)}">\n'
            f'<th scope="row">{esc(step.label)}</th>\n'
            f'<td><span class="step__icon" aria-hidden="true">{esc(step.icon)}</span> '
            f'<span class="badge {_step_badge(step.status)}">{esc(step.text)}</span></td>\n'
            f"<td>{sent}</td>\n<td>{acknowledged}</td>\n</tr>\n"
        )
    html.append("\n</tbody>\n</table>\n</div>\n")
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def case_participants(overview: object) -> SafeString:
    """Units taking part in the case, with their role."""
    w = words()
    tz = timezone.get_current_timezone()
    name = esc(w["Participants"])
    html = [
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="{name}">\n'
        f'<table>\n<caption class="visually-hidden">{name}</caption>\n<thead><tr>\n'
        f'<th scope="col">{esc(w["Unit"])}</th>\n'
        f'<th scope="col">{esc(w["Role"])}</th>\n'
        f'<th scope="col">{esc(w["Takes part"])}</th>\n'
        "</tr></thead>\n<tbody>\n"
    ]
    for participant in overview.participants:
        unit = participant.unit
        if participant.left_at:
            takes_part = (
                f'<span class="badge badge--off">{esc(w["Left"])}</span> '
                f"{minute(participant.joined_at, tz)} – {minute(participant.left_at, tz)}"
            )
        else:
            joined = timezone.localtime(participant.joined_at, tz)
            since = w["since %(since)s"] % {"since": f"{joined:%Y-%m-%d}"}
            takes_part = f'<span title="{joined:%Y-%m-%d %H:%M}">{since}</span>'
        html.append(
            '\n<tr data-testid="participant">\n'
            f'<th scope="row">{esc(unit.name)} <span class="muted">· '
            f"{esc(unit.organization.name)}</span></th>\n"
            f"<td>{esc(participant.get_role_display())}</td>\n"
            f"<td>{takes_part}</td>\n</tr>\n"
        )
    html.append("\n</tbody>\n</table>\n</div>\n")
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


# From here on translations are written out unescaped, as {% translate %} and the text of
# {% blocktranslate %} are (the catalogue is the project's own markup, and "case's" must stay
# "case's", not "case&#x27;s"); every value from the database is escaped.


def day(value: datetime.date | None) -> str:
    """As the filter date:"Y-m-d" (a datetime in the current time zone); "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value:%Y-%m-%d}"


def _fact(label: str, value: str) -> str:
    # `label` is a translation (not escaped, as {% translate %}); `value` is escaped markup.
    return f"<dt>{label}</dt><dd>{value}</dd>"


@register.simple_tag
def case_facts(case: object, overview: object) -> SafeString:
    """The case's own facts (was discharge/_case_facts.html), on the page and the printout."""
    w = words()
    tz = timezone.get_current_timezone()
    phone_word = w["phone"]
    state = "ok" if case.is_open else "off"
    withdrawn = ""
    if case.state == "withdrawn" and case.withdrawn_reason:
        withdrawn = f' <span class="muted">({esc(overview.withdrawn_reason_label)})</span>'
    ward = case.ward
    ward_phone = f" · {phone_word} {esc(ward.phone)}" if ward.phone else ""
    status_label = w["Status"]
    parts = [
        '<dl class="facts">',
        f"<dt>{status_label}</dt>",
        f'<dd><strong class="badge badge--{state}" data-testid="case-state">'
        f"{esc(case.get_state_display())}</strong>{withdrawn}</dd>",
        _fact(w["Ward"], f"{esc(ward.name)}, {esc(ward.organization.name)}{ward_phone}"),
        _fact(w["Care type"], esc(case.get_care_type_display())),
        _fact(w["Admitted"], minute(case.admitted_at, tz)),
    ]
    if case.services_need_assessed_at:
        parts.append(
            _fact(w["Need of services assessed"], minute(case.services_need_assessed_at, tz))
        )
    parts.append(_fact(w["Estimated discharge date"], day(case.estimated_discharge_date) or "–"))
    if overview.discharged_at:
        parts.append(_fact(w["Discharged"], minute(overview.discharged_at, tz)))
    if case.closed_at:
        parts.append(_fact(w["Closed"], minute(case.closed_at, tz)))
    municipality = esc(case.municipality.name) if case.municipality else ""
    unknown = w["Not known (no registered municipality)"]
    parts.append(_fact(w["Municipality"], municipality or unknown))
    contact = overview.care_contact
    if contact:
        contact_text = (
            f"{esc(contact.name)}, {esc(contact.profession)}, {phone_word} {esc(contact.phone)} "
            f'<span class="muted">({esc(contact.unit.name)})</span>'
        )
    else:
        contact_text = w["Not appointed"]
    yes, no = w["Yes,No"].split(",")[:2]
    contact_label = w["Care contact"]
    parts += [
        f"<dt>{contact_label}</dt>",
        f"<dd>{contact_text}</dd>",
        _fact(w["SIP needed"], esc(yes if case.sip_needed else no)),
    ]
    if case.services_refused:
        parts.append(_fact(w["The patient declines the services"], w["Yes"]))
    parts.append("</dl>")
    return mark_safe("\n".join(parts))  # noqa: S308 (every value above is escaped)


def _badge(kind: str, words: str) -> str:
    return f'<span class="badge {kind}">{words}</span>'


def deadline_state(
    status: object, w: dict[str, str] | None = None, tz: datetime.tzinfo | None = None
) -> str:
    """One deadline as of now, in words and a badge, never colour alone (was
    discharge/_deadline.html). `status` is a deadlines.DeadlineStatus; `w`: words(), when
    the caller has it."""
    w = w or words()
    state = status.state
    if state == "met":
        badge = _badge("badge--ok", w["In time"])
        text = w["done %(at)s"] % {"at": minute(status.met_at, tz)}
    elif state == "late":
        badge = _badge("badge--warn", w["Late"])
        text = w["done %(at)s, due %(due)s"] % {
            "at": minute(status.met_at, tz),
            "due": minute(status.due_at, tz),
        }
    elif state == "overdue":
        badge = _badge("badge--alert", w["Overdue"])
        text = w["was due %(due)s"] % {"due": minute(status.due_at, tz)}
    else:
        badge = _badge("badge--off", w["Not yet due"])
        text = w["due %(due)s"] % {"due": minute(status.due_at, tz)}
    return f"\n{badge} {text}\n"


@register.simple_tag
def case_deadlines(overview: object) -> SafeString:
    """The case's deadlines (deadlines.py) as of now (was discharge/_deadlines.html)."""
    w = words()
    tz = timezone.get_current_timezone()
    name, deadline, status_label = w["Deadlines"], w["Deadline"], w["Status"]
    html = [
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="{name}">\n'
        f'<table>\n<caption class="visually-hidden">{name}</caption>\n'
        f'<thead><tr><th scope="col">{deadline}</th>'
        f'<th scope="col">{status_label}</th></tr></thead>\n<tbody>\n'
    ]
    for row in overview.deadlines:
        if row.status:
            status = deadline_state(row.status, w, tz)
        else:
            status = f'<span class="muted">{esc(row.note)}</span>'
        html.append(
            f'\n<tr data-testid="deadline">\n<th scope="row">{esc(row.label)}</th>\n'
            f"<td>{status}</td>\n</tr>\n"
        )
    html.append("\n</tbody>\n</table>\n</div>")
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def case_liability(liability: object) -> SafeString:
    """The case's payment liability, domain.md §6 (was discharge/_liability.html).
    `liability` is a liability.LiabilityResult."""
    w = words()
    start = f"{day(liability.start_date)} 00:00" if liability.start_date else "–"
    so_far = ""
    if liability.ongoing and liability.liable_days:
        so_far_words = w["so far"]
        so_far = f' <span class="muted">({so_far_words})</span>'
    if liability.amount is None:
        years = ", ".join(esc(year) for year in liability.missing_amount_years)
        missing = w["No amount per day is recorded for %(years)s."] % {"years": years}
        amount = _badge("badge--warn", w["Amount missing"]) + " " + missing
    else:
        amount = f"{floatformat(liability.amount, '-2g')} kr"
    start_label, days_label = w["Payment liability from"], w["Liable days"]
    amount_label = w["Amount"]
    html = [
        '<dl class="facts">\n'
        f"<dt>{start_label}</dt>\n<dd>{start}</dd>\n"
        f"<dt>{days_label}</dt>\n"
        f"<dd>{esc(liability.liable_days)}{so_far}</dd>\n"
        f"<dt>{amount_label}</dt>\n<dd>{amount}</dd>\n</dl>\n"
    ]
    if liability.reasons_if_zero:
        reasons = "".join(f"<li>{esc(reason.text)}</li>" for reason in liability.reasons_if_zero)
        why = w["Why the municipality does not pay:"]
        html.append(
            '<div class="message message--warning">\n'
            f"<p><strong>{why}</strong></p>\n"
            f"<ul>{reasons}</ul>\n</div>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


# The rest of the case page (case_detail.html): its action buttons, send menu and the notes
# on overdue deliveries and payment liability. The report button and the help link stay
# template tags of their own apps (deviations and help sit above discharge).


def _url(name: str, *arguments: object) -> str:
    return esc(reverse_once(name, *arguments))


def _button(kind: str, url: str, words: str) -> str:
    # `words` is a translation (from words()).
    return f'<a class="button {kind}" href="{url}">{words}</a>'


@register.simple_tag(takes_context=True)
def case_actions(context: template.Context) -> SafeString:
    """The case's buttons (change, transfer, close, printout) as the view's may_* allow."""
    w = words()
    pk = int(context["case"].pk)
    html = []
    if context.get("may_change"):
        html.append(
            _button(
                "button--secondary",
                _url("discharge:case_edit", pk),
                w["Change the case's details"],
            )
        )
    if context.get("may_transfer"):
        html.append(
            _button(
                "button--secondary",
                _url("discharge:case_transfer", pk),
                w["Transfer to another ward"],
            )
        )
    if context.get("may_close"):
        html.append(
            _button("button--secondary", _url("discharge:case_close", pk), w["Close the case"])
        )
    html.append(_button("button--quiet", _url("discharge:case_print", pk), w["Printout"]))
    return mark_safe("\n".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag(takes_context=True)
def case_send_menu(context: template.Context) -> SafeString:
    """What the unit may send on the case now (send_links, may_start_sip, may_withdraw)."""
    w = words()
    pk = int(context["case"].pk)
    send_links = context.get("send_links") or ()
    may_start_sip = context.get("may_start_sip")
    may_withdraw = context.get("may_withdraw")
    if not (send_links or may_withdraw or may_start_sip):
        text = w["Your unit has nothing to send on this case now."]
        return mark_safe(f'<p class="muted">{text}</p>')  # noqa: S308 (escaped)
    html = ['<ul class="send-menu">\n']
    for index, (label, slug) in enumerate(send_links):
        secondary = " button--secondary" if index else ""
        html.append(
            f'<li><a class="button{secondary}" href="{_url("discharge:case_send", pk, slug)}">'
            f"{esc(label)}</a></li>"
        )
    html.append("\n")
    if may_start_sip:
        sip = w["Start a coordinated individual plan (SIP)"]
        html.append(
            f'<li><a class="button button--secondary" href="{_url("sip:new")}?arende={pk}">'
            f"{sip}</a></li>"
        )
    html.append("\n")
    if may_withdraw:
        url = _url("discharge:case_send", pk, context["withdraw_slug"])
        withdraw = _button("button--danger", url, w["Withdraw the case"])
        html.append(f"<li>{withdraw}</li>")
    html.append("\n</ul>")
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def case_overdue_note(overview: object) -> SafeString:
    """The warning above the steps when deliveries are not acknowledged in time."""
    count = overview.overdue_count
    if not count:
        return mark_safe("")
    text = ngettext(
        "%(counter)s delivery is not acknowledged in time.",
        "%(counter)s deliveries are not acknowledged in time.",
        count,
    ) % {"counter": esc(count)}
    return mark_safe(  # noqa: S308 (the count is escaped)
        '<p class="message message--error" role="status"><span aria-hidden="true">⚠</span> '
        f"{text}</p>"
    )


@register.simple_tag
def case_liability_note(liability: object, overview: object) -> SafeString:
    """Grace days, day 0 and whose terms, under the payment liability."""
    w = words()
    days = liability.grace_days
    html = ngettext("%(days)s grace day", "%(days)s grace days", days) % {"days": esc(days)}
    if liability.day_zero:
        html += " · " + w["day 0: %(day)s"] % {"day": day(liability.day_zero)}
    if overview.terms.is_default:
        terms = w["the law's defaults (no agreement)"]
    else:
        terms = w["according to the agreement"]
    return mark_safe(f'<p class="muted">{html} · {terms}</p>')  # noqa: S308 (escaped)
