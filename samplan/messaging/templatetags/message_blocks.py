"""The message page, its delivery history and a delivery's state in words, written in Python.

The history was a loop in messaging/message_detail.html with five date filters and four
look-ups of users per row, and the include messaging/_delivery_state.html (per delivery on
Skickade too). The rest of the page's body followed (issue 18): its translations, URLs,
filters, two includes of the form errors and the fields were about 40 % of the page's CPU.
The markup is the same up to runs of whitespace: messaging/tests/test_message_blocks.py and
test_message_page_markup.py render the templates as they were (tests/reference/) beside
these. As in the template language, every value from the database, a form or a translation
made at run time is escaped; a translation of a literal ({% translate "..." %}) is not, nor
a blocktranslate's own text (its variables are). Every gettext() call stands outside
f-strings: xgettext (makemessages) does not look inside them.
"""

from __future__ import annotations

import datetime

from django import template
from django.template.defaultfilters import linebreaksbr
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from samplan.core.markup import reverse_once
from samplan.core.templatetags.samplan import form_field
from samplan.patients.templatetags.patient_blocks import patient_header

register = template.Library()


def _minute(value: datetime.datetime | None) -> str:
    """The filter date:"Y-m-d H:i" in the current time zone ("" for None)."""
    return "" if value is None else f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _name(user: object) -> str:
    """user.get_full_name|default:user.username."""
    return esc(user.get_full_name() or user.username) if user else ""


def _overdue() -> str:
    return (
        '<strong class="badge badge--alert"><span aria-hidden="true">⚠ </span>'
        f"{esc(gettext('Overdue'))}</strong>"
    )


def _late() -> str:
    return f'<span class="badge badge--warn">{esc(gettext("Late"))}</span>'


@register.simple_tag
def delivery_state(d: object) -> SafeString:
    """A delivery's state in words, for the sender and the history (never colour alone)."""
    state = d.state
    html = ""
    if state == "new":
        html = f'<span aria-hidden="true">● </span>{esc(gettext("Received, not read"))}\n'
    elif state == "read":
        words = gettext("Read %(at)s, not acknowledged") % {"at": _minute(d.read_at)}
        html = f'<span aria-hidden="true">✉ </span>{words}\n'
    elif state == "acknowledged":
        words = gettext("Acknowledged %(at)s") % {"at": _minute(d.acknowledged_at)}
        late = f" {_late()}" if d.was_late else ""
        html = f'<span aria-hidden="true">✓ </span>{words}{late}\n'
    elif state == "forwarded":
        words = gettext("Forwarded %(at)s") % {"at": _minute(d.handled_at)}
        html = f'<span aria-hidden="true">↪ </span>{words}\n'
    elif state == "returned":
        words = gettext("Returned as misaddressed %(at)s") % {"at": _minute(d.handled_at)}
        html = f'<span aria-hidden="true">↩ </span>{words}: <q>{esc(d.return_reason)}</q>\n'
    elif state == "cancelled":
        html = esc(gettext("Cancelled"))
    if d.is_overdue():
        html += f" {_overdue()}"
    return mark_safe(html)  # noqa: S308 (every value above is escaped)


@register.simple_tag
def message_history_rows(history: object) -> SafeString:
    """The rows of the message page's history: each delivery, read, acknowledged, handed on."""
    rows = []
    for d in history:
        origin = ""
        if d.forwarded_from:
            words = gettext("from %(unit)s") % {"unit": esc(d.forwarded_from.unit.name)}
            origin = f'<br><span class="muted">{words}</span>'
        read = "–"
        if d.read_at:
            by = f", {_name(d.read_by)}" if d.read_by else ""
            read = f"{_minute(d.read_at)}{by}"
        if d.acknowledged_at:
            by = f", {_name(d.acknowledged_by)}" if d.acknowledged_by else ""
            late = f" {_late()}" if d.was_late else ""
            acknowledged = f"{_minute(d.acknowledged_at)}{by}{late}"
        elif d.is_overdue():
            acknowledged = _overdue()
        else:
            acknowledged = "–"
        if d.state == "forwarded":
            handed = gettext("Forwarded %(at)s") % {"at": _minute(d.handled_at)}
            if d.forward_reason:
                handed += f": <q>{esc(d.forward_reason)}</q>"
        elif d.state == "returned":
            handed = gettext("Returned as misaddressed %(at)s") % {"at": _minute(d.handled_at)}
            handed += f": <q>{esc(d.return_reason)}</q>"
        elif d.state == "cancelled":
            handed = esc(gettext("Cancelled"))
        else:
            handed = "–"
        if d.handled_by:
            handed += f", {_name(d.handled_by)}"
        rows.append(
            "\n<tr>\n"
            f'<th scope="row">{esc(d.unit.name)}{origin}</th>\n'
            f"<td>{_minute(d.arrived_at)}</td>\n"
            f"<td>{read}</td>\n"
            f"<td>{acknowledged}</td>\n"
            f"<td>{handed}</td>\n"
            "</tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


def _form_errors(form: object) -> str:
    """As the include core/_form_errors.html."""
    non_field = form.non_field_errors()
    if non_field:
        shown = "".join(f"<p>{esc(error)}</p>" for error in non_field)
        return f'<div class="message message--error" role="alert">\n  {shown}\n</div>\n'
    if form.errors:
        words = gettext("Please correct the fields marked below.")
        return f'<div class="message message--error" role="alert"><p>{words}</p></div>\n'
    return ""


def _facts(context: template.Context, message: object) -> str:
    """The message's own facts: sender, times, what it refers to and belongs to, content."""
    sender = esc(message.sender_unit.name)
    user = message.sender_user
    if user:
        sender += f", {_name(user)}"
    from_ = gettext("From")
    sent = gettext("Sent")
    html = (
        f"<dt>{from_}</dt><dd>{sender}</dd>\n<dt>{sent}</dt><dd>{_minute(message.sent_at)}</dd>\n"
    )
    if message.occurred_at:
        happened = gettext("Happened")
        late = gettext("Entered late")
        html += (
            f"<dt>{happened}</dt><dd>{_minute(message.occurred_at)} "
            f'<span class="badge badge--warn">{late}</span></dd>\n'
        )
    if message.refers_to_id:
        refers = gettext("Refers to")
        words = gettext("The message this refers to")
        url = esc(reverse_once("messaging:message_detail", message.refers_to_id))
        html += f'<dt>{refers}</dt><dd><a href="{url}">{words}</a></dd>\n'
    links = "<br>".join(
        f'<a href="{esc(url)}">{esc(label)}</a>' for label, url in context.get("thread_links")
    )
    belongs = gettext("Belongs to")
    html += f"<dt>{belongs}</dt><dd>{links or '–'}</dd>\n"
    html += "".join(
        f"<dt>{esc(label)}</dt><dd>{linebreaksbr(value, autoescape=True)}</dd>"
        for label, value in context.get("items")
    )
    html += "\n"
    if context.get("show_text"):
        text = gettext("Text")
        html += f"<dt>{text}</dt><dd>{linebreaksbr(message.text, autoescape=True)}</dd>\n"
    return html


def _actions(context: template.Context, message: object) -> str:
    """Kvittera, Vidarebefordra and Returnera (felsänt) of an open delivery."""
    csrf = CsrfTokenNode().render(context)
    pk = message.pk
    acknowledge_url = esc(reverse_once("messaging:message_acknowledge", pk))
    acknowledge = gettext("Acknowledge")
    forward_url = esc(reverse_once("messaging:message_forward", pk))
    forward = gettext("Forward…")
    return_form = context.get("return_form")
    return_url = esc(reverse_once("messaging:message_return", pk))
    returning = gettext("Return (misaddressed)")
    return (
        f'<form method="post" action="{acknowledge_url}" class="actions actions--lead">\n'
        f'{csrf}\n<button type="submit" class="button">{acknowledge}</button>\n</form>\n'
        f'<p class="actions"><a class="button button--secondary" href="{forward_url}" '
        f'id="forward-link">{forward}</a></p>\n'
        f'<details class="disclosure"{" open" if return_form.errors else ""}>\n'
        f'<summary id="return-h">{returning}</summary>\n'
        f'<form method="post" action="{return_url}" aria-labelledby="return-h" novalidate>\n'
        f"{csrf}\n{_form_errors(return_form)}{form_field(context, return_form['reason'])}"
        f'<button type="submit" class="button button--secondary">{returning}</button>\n'
        "</form>\n</details>\n"
    )


def _delivery(context: template.Context, message: object, delivery: object) -> str:
    """The unit's own delivery of the message, and its actions while it is open."""
    can_act = context.get("can_act")
    heading = gettext("Your unit's delivery")
    arrived = gettext("Arrived")
    state = gettext("State")
    why = gettext("Why your unit")
    due = ""
    if can_act:
        answer_by = gettext("Answer by")
        due = f"<dt>{answer_by}</dt><dd>{_minute(delivery.due_at)}</dd>\n"
    return (
        '<section class="panel" aria-labelledby="delivery-h">\n'
        f'<h2 id="delivery-h">{heading}</h2>\n<dl class="facts">\n'
        f"<dt>{arrived}</dt><dd>{_minute(delivery.arrived_at)}</dd>\n"
        f"<dt>{state}</dt><dd>{delivery_state(delivery)}</dd>\n{due}"
        f"<dt>{why}</dt><dd>{esc(delivery.reason_text or '–')}</dd>\n</dl>\n"
        f"{_actions(context, message) if can_act else ''}</section>\n"
    )


@register.simple_tag(takes_context=True)
def message_page(context: template.Context, help_link: str, report_button: str) -> SafeString:
    """The message page's body (messaging.views._message_page gives the context): the
    message, the unit's delivery with its actions, and the history. The help link and the
    deviation button are the help and deviations apps' tags, rendered by the template (apps
    above messaging: it does not import them)."""
    message = context.get("message")
    delivery = context.get("delivery")
    kind = esc(message.get_message_type_display())
    cancelled = ""
    if message.cancelled_at:
        title = f"<del>{kind}</del>"
        words = gettext(
            "This message was cancelled %(at)s. It is kept, struck through, as evidence."
        ) % {"at": _minute(message.cancelled_at)}
        cancelled = f'<p class="message message--warning" role="status">{words}</p>\n'
    else:
        title = kind
    back = gettext("Back to the inbox")
    received = esc(reverse_once("messaging:received"))
    the_message = gettext("The message")
    history = gettext("History")
    heads = "".join(
        f'<th scope="col">{label}</th>\n'
        for label in (
            gettext("Unit"),
            gettext("Arrived"),
            gettext("Read"),
            gettext("Acknowledged"),
            gettext("Forwarded or returned"),
        )
    )
    return mark_safe(  # noqa: S308 (every value above is escaped, the fields by form_field)
        f"<h1>{title}</h1>\n"
        f'<p class="help-link-row">{esc(help_link)}</p>\n'
        f'<p><a href="{received}">{back}</a> {esc(report_button)}'
        f"</p>\n{cancelled}{patient_header(context.get('display'))}\n"
        '<div class="grid-2">\n<section class="panel" aria-labelledby="content-h">\n'
        f'<h2 id="content-h">{the_message}</h2>\n<dl class="facts">\n'
        f"{_facts(context, message)}</dl>\n</section>\n"
        f"{_delivery(context, message, delivery) if delivery else ''}</div>\n"
        '<section class="panel" aria-labelledby="history-h">\n'
        f'<h2 id="history-h">{history}</h2>\n<div class="table-wrap">\n<table>\n'
        f"<thead>\n<tr>\n{heads}</tr>\n</thead>\n"
        f"<tbody>\n{message_history_rows(context.get('history'))}</tbody>\n"
        "</table>\n</div>\n</section>\n"
    )
