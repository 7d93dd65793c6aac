"""Översikt's row markup (templatetags/board.py) pinned as it is: every cell state, with and
without a link to its message and a time due, a protected patient, names that need escaping,
the overdue and new row markers, in Swedish and English. Written before the row and cell
code were made cheaper, to hold the markup byte for byte while they change."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from samplan.discharge.board import OverviewRow
from samplan.discharge.board_cells import STEPS, Cell, CellState
from samplan.discharge.templatetags.board import overview_cell, overview_heading, overview_row
from samplan.patients.display import PatientDisplay

STOCKHOLM = ZoneInfo("Europe/Stockholm")
S = CellState
# In summer time, and one the night winter time begins (02:30 comes twice).
DUE = datetime.datetime(2026, 6, 1, 11, 59, tzinfo=datetime.UTC)
DUE_DST = datetime.datetime(2026, 10, 25, 1, 30, tzinfo=datetime.UTC)
ADMITTED = datetime.datetime(2026, 5, 31, 22, 30, tzinfo=datetime.UTC)  # June 1st in Sweden


def display(*, badge: str | None = None) -> PatientDisplay:
    return PatientDisplay(
        pk=3,
        name='Åsa "Ö" <Berg> & Co',
        identity="19121212-1212",
        identity_kind="personnummer",
        birth_date=None,
        street_address="",
        postal_address="",
        registered_municipality="",
        listed_care_centre="",
        phone="",
        protection="",
        badge=badge,
        identity_shown=True,
        contact_shown=True,
    )


class _Ward:
    name = "Avd <1> & 'Medicin'"


class _Case:
    def __init__(self, pk, ward):
        self.pk, self.ward_name, self.admitted_at = pk, ward.name, ADMITTED


def cells(states_and_more):
    return [
        Cell(step, state, message_id, due_at)
        for step, (state, message_id, due_at) in zip(STEPS, states_and_more, strict=True)
    ]


ROWS = {
    # Every state once, some with a message and a time due, some without.
    "all": (
        [
            (S.OVERDUE, 11, DUE),
            (S.NEW, 12, DUE_DST),
            (S.RECEIVED, 13, DUE),
            (S.DUE, None, DUE_DST),
            (S.ACKNOWLEDGED, 14, None),
            (S.SENT, 15, None),
            (S.PASSED_ON, 16, None),
            (S.NOT_YET, None, None),
        ],
        None,
        7,
    ),
    # Overdue without a message (a deadline of the unit's own), the rest quiet.
    "own deadline": (
        [(S.OVERDUE, None, DUE)] + [(S.NOT_YET, None, None)] * 7,
        "Skyddad identitet: <sekretess>",
        0,
    ),
    # New only: the "new" marker, not the overdue one.
    "new": (
        [(S.ACKNOWLEDGED, 21, DUE)]  # a time due that no longer matters is not shown
        + [(S.NEW, 22, DUE)]
        + [(S.SENT, 23, None)] * 5
        + [(S.DUE, None, DUE)],
        None,
        123,
    ),
    # Nothing at all.
    "quiet": ([(S.NOT_YET, None, None)] * 8, None, 1),
}


def render(name: str, language: str) -> str:
    states, badge, stay = ROWS[name]
    row = OverviewRow(
        case=_Case(41, _Ward()),
        display=display(badge=badge),
        cells=cells(states),
        length_of_stay=stay,
    )
    with translation.override(language):
        headings = "".join(overview_heading(step) for step in STEPS)
        return f"{headings}\n{overview_row(row)}"


# Generated from the code as it was (see the module docstring); change only on purpose.
EXPECTED = {
    ("all", "en"): '<span aria-hidden="true" title="Admission notice">Admission</span><span '
    'class="visually-hidden">Admission notice</span><span aria-hidden="true" '
    'title="Planning information">Planning</span><span '
    'class="visually-hidden">Planning information</span><span aria-hidden="true" '
    'title="Care contact">Care contact</span><span class="visually-hidden">Care '
    'contact</span><span aria-hidden="true" title="Ready for '
    'discharge">Ready</span><span class="visually-hidden">Ready for '
    'discharge</span><span aria-hidden="true" title="Summons to '
    'SIP">SIP</span><span class="visually-hidden">Summons to SIP</span><span '
    'aria-hidden="true" title="Discharge notice">Discharged</span><span '
    'class="visually-hidden">Discharge notice</span><span aria-hidden="true" '
    'title="Information at discharge">Info</span><span '
    'class="visually-hidden">Information at discharge</span><span '
    'aria-hidden="true" title="Other messages">Other</span><span '
    'class="visually-hidden">Other messages</span>\n'
    '<tr class="row--new row--overdue" data-testid="case-row">\n'
    '        <th scope="row"><span class="visually-hidden">Overdue: </span><a '
    'href="/utskrivning/arenden/41/">19121212-1212</a></th>\n'
    "        <td>Åsa &quot;Ö&quot; &lt;Berg&gt; &amp; Co</td>\n"
    "        <td>Avd &lt;1&gt; &amp; &#x27;Medicin&#x27;</td>\n"
    '        <td class="nowrap">2026-06-01</td>\n'
    '        <td class="num" data-testid="length-of-stay">7</td>\n'
    '        <td data-step="admission"><span class="cell cell--overdue" '
    'title="Overdue"><a href="/meddelanden/11/"><span class="cell__icon" '
    'aria-hidden="true">⚠</span>Overdue</a><span class="cell__due"><span '
    'aria-hidden="true">06-01 13:59</span><span class="visually-hidden">by '
    '2026-06-01 13:59</span></span></span></td><td data-step="planning"><span '
    'class="cell cell--new" title="New"><a href="/meddelanden/12/"><span '
    'class="cell__icon" aria-hidden="true">●</span>New</a><span '
    'class="cell__due"><span aria-hidden="true">10-25 02:30</span><span '
    'class="visually-hidden">by 2026-10-25 02:30</span></span></span></td><td '
    'data-step="care_contact"><span class="cell cell--received" title="Read, not '
    'acknowledged"><a href="/meddelanden/13/"><span class="cell__icon" '
    'aria-hidden="true">✉</span><span aria-hidden="true">Read</span><span '
    'class="visually-hidden">Read, not acknowledged</span></a><span '
    'class="cell__due"><span aria-hidden="true">06-01 13:59</span><span '
    'class="visually-hidden">by 2026-06-01 13:59</span></span></span></td><td '
    'data-step="ready"><span class="cell cell--due" title="To send"><span '
    'class="cell__icon" aria-hidden="true">⏱</span>To send<span '
    'class="cell__due"><span aria-hidden="true">10-25 02:30</span><span '
    'class="visually-hidden">by 2026-10-25 02:30</span></span></span></td><td '
    'data-step="summons"><span class="cell cell--acknowledged" '
    'title="Acknowledged"><a href="/meddelanden/14/"><span class="cell__icon" '
    'aria-hidden="true">✓</span>Acknowledged</a></span></td><td '
    'data-step="discharge"><span class="cell cell--sent" title="Sent"><a '
    'href="/meddelanden/15/"><span class="cell__icon" '
    'aria-hidden="true">➜</span>Sent</a></span></td><td '
    'data-step="discharge_info"><span class="cell cell--passed_on" '
    'title="Forwarded or returned"><a href="/meddelanden/16/"><span '
    'class="cell__icon" aria-hidden="true">↪</span><span '
    'aria-hidden="true">Passed on</span><span class="visually-hidden">Forwarded '
    'or returned</span></a></span></td><td data-step="other"><span class="cell '
    'cell--not_yet" title="Not yet"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Not '
    "yet</span></span></td>\n"
    "      </tr>",
    ("all", "sv"): '<span aria-hidden="true" '
    'title="Inskrivningsmeddelande">Inskr.medd.</span><span '
    'class="visually-hidden">Inskrivningsmeddelande</span><span '
    'aria-hidden="true" title="Planeringsunderlag">Planering</span><span '
    'class="visually-hidden">Planeringsunderlag</span><span aria-hidden="true" '
    'title="Fast vårdkontakt">Fast vårdkontakt</span><span '
    'class="visually-hidden">Fast vårdkontakt</span><span aria-hidden="true" '
    'title="Utskrivningsklar">Utskr.klar</span><span '
    'class="visually-hidden">Utskrivningsklar</span><span aria-hidden="true" '
    'title="Kallelse till SIP">Kallelse SIP</span><span '
    'class="visually-hidden">Kallelse till SIP</span><span aria-hidden="true" '
    'title="Utskrivningsmeddelande">Utskriven</span><span '
    'class="visually-hidden">Utskrivningsmeddelande</span><span '
    'aria-hidden="true" title="Information vid utskrivning">Info '
    'utskr.</span><span class="visually-hidden">Information vid '
    'utskrivning</span><span aria-hidden="true" title="Övriga '
    'meddelanden">Övriga</span><span class="visually-hidden">Övriga '
    "meddelanden</span>\n"
    '<tr class="row--new row--overdue" data-testid="case-row">\n'
    '        <th scope="row"><span class="visually-hidden">Försenad: </span><a '
    'href="/utskrivning/arenden/41/">19121212-1212</a></th>\n'
    "        <td>Åsa &quot;Ö&quot; &lt;Berg&gt; &amp; Co</td>\n"
    "        <td>Avd &lt;1&gt; &amp; &#x27;Medicin&#x27;</td>\n"
    '        <td class="nowrap">2026-06-01</td>\n'
    '        <td class="num" data-testid="length-of-stay">7</td>\n'
    '        <td data-step="admission"><span class="cell cell--overdue" '
    'title="Försenad"><a href="/meddelanden/11/"><span class="cell__icon" '
    'aria-hidden="true">⚠</span>Försenad</a><span class="cell__due"><span '
    'aria-hidden="true">06-01 13:59</span><span class="visually-hidden">senast '
    '2026-06-01 13:59</span></span></span></td><td data-step="planning"><span '
    'class="cell cell--new" title="Ny"><a href="/meddelanden/12/"><span '
    'class="cell__icon" aria-hidden="true">●</span>Ny</a><span '
    'class="cell__due"><span aria-hidden="true">10-25 02:30</span><span '
    'class="visually-hidden">senast 2026-10-25 02:30</span></span></span></td><td '
    'data-step="care_contact"><span class="cell cell--received" title="Läst, ej '
    'kvitterad"><a href="/meddelanden/13/"><span class="cell__icon" '
    'aria-hidden="true">✉</span><span aria-hidden="true">Läst</span><span '
    'class="visually-hidden">Läst, ej kvitterad</span></a><span '
    'class="cell__due"><span aria-hidden="true">06-01 13:59</span><span '
    'class="visually-hidden">senast 2026-06-01 13:59</span></span></span></td><td '
    'data-step="ready"><span class="cell cell--due" title="Ska skickas"><span '
    'class="cell__icon" aria-hidden="true">⏱</span><span aria-hidden="true">Att '
    'skicka</span><span class="visually-hidden">Ska skickas</span><span '
    'class="cell__due"><span aria-hidden="true">10-25 02:30</span><span '
    'class="visually-hidden">senast 2026-10-25 02:30</span></span></span></td><td '
    'data-step="summons"><span class="cell cell--acknowledged" '
    'title="Kvitterad"><a href="/meddelanden/14/"><span class="cell__icon" '
    'aria-hidden="true">✓</span>Kvitterad</a></span></td><td '
    'data-step="discharge"><span class="cell cell--sent" title="Skickat"><a '
    'href="/meddelanden/15/"><span class="cell__icon" '
    'aria-hidden="true">➜</span><span aria-hidden="true">Skickad</span><span '
    'class="visually-hidden">Skickat</span></a></span></td><td '
    'data-step="discharge_info"><span class="cell cell--passed_on" '
    'title="Vidarebefordrat eller returnerat"><a href="/meddelanden/16/"><span '
    'class="cell__icon" aria-hidden="true">↪</span><span '
    'aria-hidden="true">Vidare</span><span '
    'class="visually-hidden">Vidarebefordrat eller '
    'returnerat</span></a></span></td><td data-step="other"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    "ännu</span></span></td>\n"
    "      </tr>",
    ("new", "en"): '<span aria-hidden="true" title="Admission notice">Admission</span><span '
    'class="visually-hidden">Admission notice</span><span aria-hidden="true" '
    'title="Planning information">Planning</span><span '
    'class="visually-hidden">Planning information</span><span aria-hidden="true" '
    'title="Care contact">Care contact</span><span class="visually-hidden">Care '
    'contact</span><span aria-hidden="true" title="Ready for '
    'discharge">Ready</span><span class="visually-hidden">Ready for '
    'discharge</span><span aria-hidden="true" title="Summons to '
    'SIP">SIP</span><span class="visually-hidden">Summons to SIP</span><span '
    'aria-hidden="true" title="Discharge notice">Discharged</span><span '
    'class="visually-hidden">Discharge notice</span><span aria-hidden="true" '
    'title="Information at discharge">Info</span><span '
    'class="visually-hidden">Information at discharge</span><span '
    'aria-hidden="true" title="Other messages">Other</span><span '
    'class="visually-hidden">Other messages</span>\n'
    '<tr class="row--new" data-testid="case-row">\n'
    '        <th scope="row"><span class="visually-hidden">New: </span><a '
    'href="/utskrivning/arenden/41/">19121212-1212</a></th>\n'
    "        <td>Åsa &quot;Ö&quot; &lt;Berg&gt; &amp; Co</td>\n"
    "        <td>Avd &lt;1&gt; &amp; &#x27;Medicin&#x27;</td>\n"
    '        <td class="nowrap">2026-06-01</td>\n'
    '        <td class="num" data-testid="length-of-stay">123</td>\n'
    '        <td data-step="admission"><span class="cell cell--acknowledged" '
    'title="Acknowledged"><a href="/meddelanden/21/"><span class="cell__icon" '
    'aria-hidden="true">✓</span>Acknowledged</a></span></td><td '
    'data-step="planning"><span class="cell cell--new" title="New"><a '
    'href="/meddelanden/22/"><span class="cell__icon" '
    'aria-hidden="true">●</span>New</a><span class="cell__due"><span '
    'aria-hidden="true">06-01 13:59</span><span class="visually-hidden">by '
    '2026-06-01 13:59</span></span></span></td><td data-step="care_contact"><span '
    'class="cell cell--sent" title="Sent"><a href="/meddelanden/23/"><span '
    'class="cell__icon" aria-hidden="true">➜</span>Sent</a></span></td><td '
    'data-step="ready"><span class="cell cell--sent" title="Sent"><a '
    'href="/meddelanden/23/"><span class="cell__icon" '
    'aria-hidden="true">➜</span>Sent</a></span></td><td data-step="summons"><span '
    'class="cell cell--sent" title="Sent"><a href="/meddelanden/23/"><span '
    'class="cell__icon" aria-hidden="true">➜</span>Sent</a></span></td><td '
    'data-step="discharge"><span class="cell cell--sent" title="Sent"><a '
    'href="/meddelanden/23/"><span class="cell__icon" '
    'aria-hidden="true">➜</span>Sent</a></span></td><td '
    'data-step="discharge_info"><span class="cell cell--sent" title="Sent"><a '
    'href="/meddelanden/23/"><span class="cell__icon" '
    'aria-hidden="true">➜</span>Sent</a></span></td><td data-step="other"><span '
    'class="cell cell--due" title="To send"><span class="cell__icon" '
    'aria-hidden="true">⏱</span>To send<span class="cell__due"><span '
    'aria-hidden="true">06-01 13:59</span><span class="visually-hidden">by '
    "2026-06-01 13:59</span></span></span></td>\n"
    "      </tr>",
    ("new", "sv"): '<span aria-hidden="true" '
    'title="Inskrivningsmeddelande">Inskr.medd.</span><span '
    'class="visually-hidden">Inskrivningsmeddelande</span><span '
    'aria-hidden="true" title="Planeringsunderlag">Planering</span><span '
    'class="visually-hidden">Planeringsunderlag</span><span aria-hidden="true" '
    'title="Fast vårdkontakt">Fast vårdkontakt</span><span '
    'class="visually-hidden">Fast vårdkontakt</span><span aria-hidden="true" '
    'title="Utskrivningsklar">Utskr.klar</span><span '
    'class="visually-hidden">Utskrivningsklar</span><span aria-hidden="true" '
    'title="Kallelse till SIP">Kallelse SIP</span><span '
    'class="visually-hidden">Kallelse till SIP</span><span aria-hidden="true" '
    'title="Utskrivningsmeddelande">Utskriven</span><span '
    'class="visually-hidden">Utskrivningsmeddelande</span><span '
    'aria-hidden="true" title="Information vid utskrivning">Info '
    'utskr.</span><span class="visually-hidden">Information vid '
    'utskrivning</span><span aria-hidden="true" title="Övriga '
    'meddelanden">Övriga</span><span class="visually-hidden">Övriga '
    "meddelanden</span>\n"
    '<tr class="row--new" data-testid="case-row">\n'
    '        <th scope="row"><span class="visually-hidden">Ny: </span><a '
    'href="/utskrivning/arenden/41/">19121212-1212</a></th>\n'
    "        <td>Åsa &quot;Ö&quot; &lt;Berg&gt; &amp; Co</td>\n"
    "        <td>Avd &lt;1&gt; &amp; &#x27;Medicin&#x27;</td>\n"
    '        <td class="nowrap">2026-06-01</td>\n'
    '        <td class="num" data-testid="length-of-stay">123</td>\n'
    '        <td data-step="admission"><span class="cell cell--acknowledged" '
    'title="Kvitterad"><a href="/meddelanden/21/"><span class="cell__icon" '
    'aria-hidden="true">✓</span>Kvitterad</a></span></td><td '
    'data-step="planning"><span class="cell cell--new" title="Ny"><a '
    'href="/meddelanden/22/"><span class="cell__icon" '
    'aria-hidden="true">●</span>Ny</a><span class="cell__due"><span '
    'aria-hidden="true">06-01 13:59</span><span class="visually-hidden">senast '
    '2026-06-01 13:59</span></span></span></td><td data-step="care_contact"><span '
    'class="cell cell--sent" title="Skickat"><a href="/meddelanden/23/"><span '
    'class="cell__icon" aria-hidden="true">➜</span><span '
    'aria-hidden="true">Skickad</span><span '
    'class="visually-hidden">Skickat</span></a></span></td><td '
    'data-step="ready"><span class="cell cell--sent" title="Skickat"><a '
    'href="/meddelanden/23/"><span class="cell__icon" '
    'aria-hidden="true">➜</span><span aria-hidden="true">Skickad</span><span '
    'class="visually-hidden">Skickat</span></a></span></td><td '
    'data-step="summons"><span class="cell cell--sent" title="Skickat"><a '
    'href="/meddelanden/23/"><span class="cell__icon" '
    'aria-hidden="true">➜</span><span aria-hidden="true">Skickad</span><span '
    'class="visually-hidden">Skickat</span></a></span></td><td '
    'data-step="discharge"><span class="cell cell--sent" title="Skickat"><a '
    'href="/meddelanden/23/"><span class="cell__icon" '
    'aria-hidden="true">➜</span><span aria-hidden="true">Skickad</span><span '
    'class="visually-hidden">Skickat</span></a></span></td><td '
    'data-step="discharge_info"><span class="cell cell--sent" title="Skickat"><a '
    'href="/meddelanden/23/"><span class="cell__icon" '
    'aria-hidden="true">➜</span><span aria-hidden="true">Skickad</span><span '
    'class="visually-hidden">Skickat</span></a></span></td><td '
    'data-step="other"><span class="cell cell--due" title="Ska skickas"><span '
    'class="cell__icon" aria-hidden="true">⏱</span><span aria-hidden="true">Att '
    'skicka</span><span class="visually-hidden">Ska skickas</span><span '
    'class="cell__due"><span aria-hidden="true">06-01 13:59</span><span '
    'class="visually-hidden">senast 2026-06-01 13:59</span></span></span></td>\n'
    "      </tr>",
    ("own deadline", "en"): '<span aria-hidden="true" title="Admission '
    'notice">Admission</span><span class="visually-hidden">Admission '
    'notice</span><span aria-hidden="true" title="Planning '
    'information">Planning</span><span class="visually-hidden">Planning '
    'information</span><span aria-hidden="true" title="Care '
    'contact">Care contact</span><span class="visually-hidden">Care '
    'contact</span><span aria-hidden="true" title="Ready for '
    'discharge">Ready</span><span class="visually-hidden">Ready for '
    'discharge</span><span aria-hidden="true" title="Summons to '
    'SIP">SIP</span><span class="visually-hidden">Summons to '
    'SIP</span><span aria-hidden="true" title="Discharge '
    'notice">Discharged</span><span class="visually-hidden">Discharge '
    'notice</span><span aria-hidden="true" title="Information at '
    'discharge">Info</span><span class="visually-hidden">Information at '
    'discharge</span><span aria-hidden="true" title="Other '
    'messages">Other</span><span class="visually-hidden">Other '
    "messages</span>\n"
    '<tr class=" row--overdue" data-testid="case-row">\n'
    '        <th scope="row"><span class="visually-hidden">Overdue: '
    '</span><a href="/utskrivning/arenden/41/">19121212-1212</a> <strong '
    'class="badge badge--alert badge--protected" '
    'data-testid="protected-badge">Skyddad identitet: '
    "&lt;sekretess&gt;</strong></th>\n"
    "        <td>Åsa &quot;Ö&quot; &lt;Berg&gt; &amp; Co</td>\n"
    "        <td>Avd &lt;1&gt; &amp; &#x27;Medicin&#x27;</td>\n"
    '        <td class="nowrap">2026-06-01</td>\n'
    '        <td class="num" data-testid="length-of-stay">0</td>\n'
    '        <td data-step="admission"><span class="cell cell--overdue" '
    'title="Overdue"><span class="cell__icon" '
    'aria-hidden="true">⚠</span>Overdue<span class="cell__due"><span '
    'aria-hidden="true">06-01 13:59</span><span '
    'class="visually-hidden">by 2026-06-01 '
    '13:59</span></span></span></td><td data-step="planning"><span '
    'class="cell cell--not_yet" title="Not yet"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Not '
    'yet</span></span></td><td data-step="care_contact"><span '
    'class="cell cell--not_yet" title="Not yet"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Not '
    'yet</span></span></td><td data-step="ready"><span class="cell '
    'cell--not_yet" title="Not yet"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Not '
    'yet</span></span></td><td data-step="summons"><span class="cell '
    'cell--not_yet" title="Not yet"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Not '
    'yet</span></span></td><td data-step="discharge"><span class="cell '
    'cell--not_yet" title="Not yet"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Not '
    'yet</span></span></td><td data-step="discharge_info"><span '
    'class="cell cell--not_yet" title="Not yet"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Not '
    'yet</span></span></td><td data-step="other"><span class="cell '
    'cell--not_yet" title="Not yet"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Not '
    "yet</span></span></td>\n"
    "      </tr>",
    ("own deadline", "sv"): '<span aria-hidden="true" '
    'title="Inskrivningsmeddelande">Inskr.medd.</span><span '
    'class="visually-hidden">Inskrivningsmeddelande</span><span '
    'aria-hidden="true" title="Planeringsunderlag">Planering</span><span '
    'class="visually-hidden">Planeringsunderlag</span><span '
    'aria-hidden="true" title="Fast vårdkontakt">Fast '
    'vårdkontakt</span><span class="visually-hidden">Fast '
    'vårdkontakt</span><span aria-hidden="true" '
    'title="Utskrivningsklar">Utskr.klar</span><span '
    'class="visually-hidden">Utskrivningsklar</span><span '
    'aria-hidden="true" title="Kallelse till SIP">Kallelse '
    'SIP</span><span class="visually-hidden">Kallelse till '
    'SIP</span><span aria-hidden="true" '
    'title="Utskrivningsmeddelande">Utskriven</span><span '
    'class="visually-hidden">Utskrivningsmeddelande</span><span '
    'aria-hidden="true" title="Information vid utskrivning">Info '
    'utskr.</span><span class="visually-hidden">Information vid '
    'utskrivning</span><span aria-hidden="true" title="Övriga '
    'meddelanden">Övriga</span><span class="visually-hidden">Övriga '
    "meddelanden</span>\n"
    '<tr class=" row--overdue" data-testid="case-row">\n'
    '        <th scope="row"><span class="visually-hidden">Försenad: '
    '</span><a href="/utskrivning/arenden/41/">19121212-1212</a> <strong '
    'class="badge badge--alert badge--protected" '
    'data-testid="protected-badge">Skyddad identitet: '
    "&lt;sekretess&gt;</strong></th>\n"
    "        <td>Åsa &quot;Ö&quot; &lt;Berg&gt; &amp; Co</td>\n"
    "        <td>Avd &lt;1&gt; &amp; &#x27;Medicin&#x27;</td>\n"
    '        <td class="nowrap">2026-06-01</td>\n'
    '        <td class="num" data-testid="length-of-stay">0</td>\n'
    '        <td data-step="admission"><span class="cell cell--overdue" '
    'title="Försenad"><span class="cell__icon" '
    'aria-hidden="true">⚠</span>Försenad<span class="cell__due"><span '
    'aria-hidden="true">06-01 13:59</span><span '
    'class="visually-hidden">senast 2026-06-01 '
    '13:59</span></span></span></td><td data-step="planning"><span '
    'class="cell cell--not_yet" title="Inte ännu"><span '
    'class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Inte ännu</span></span></td><td '
    'data-step="care_contact"><span class="cell cell--not_yet" '
    'title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="ready"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="summons"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="discharge"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="discharge_info"><span '
    'class="cell cell--not_yet" title="Inte ännu"><span '
    'class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Inte ännu</span></span></td><td '
    'data-step="other"><span class="cell cell--not_yet" title="Inte '
    'ännu"><span class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Inte ännu</span></span></td>\n'
    "      </tr>",
    ("quiet", "en"): '<span aria-hidden="true" title="Admission notice">Admission</span><span '
    'class="visually-hidden">Admission notice</span><span aria-hidden="true" '
    'title="Planning information">Planning</span><span '
    'class="visually-hidden">Planning information</span><span '
    'aria-hidden="true" title="Care contact">Care contact</span><span '
    'class="visually-hidden">Care contact</span><span aria-hidden="true" '
    'title="Ready for discharge">Ready</span><span '
    'class="visually-hidden">Ready for discharge</span><span aria-hidden="true" '
    'title="Summons to SIP">SIP</span><span class="visually-hidden">Summons to '
    'SIP</span><span aria-hidden="true" title="Discharge '
    'notice">Discharged</span><span class="visually-hidden">Discharge '
    'notice</span><span aria-hidden="true" title="Information at '
    'discharge">Info</span><span class="visually-hidden">Information at '
    'discharge</span><span aria-hidden="true" title="Other '
    'messages">Other</span><span class="visually-hidden">Other messages</span>\n'
    '<tr class="" data-testid="case-row">\n'
    '        <th scope="row"><a '
    'href="/utskrivning/arenden/41/">19121212-1212</a></th>\n'
    "        <td>Åsa &quot;Ö&quot; &lt;Berg&gt; &amp; Co</td>\n"
    "        <td>Avd &lt;1&gt; &amp; &#x27;Medicin&#x27;</td>\n"
    '        <td class="nowrap">2026-06-01</td>\n'
    '        <td class="num" data-testid="length-of-stay">1</td>\n'
    '        <td data-step="admission"><span class="cell cell--not_yet" '
    'title="Not yet"><span class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Not yet</span></span></td><td '
    'data-step="planning"><span class="cell cell--not_yet" title="Not '
    'yet"><span class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Not yet</span></span></td><td '
    'data-step="care_contact"><span class="cell cell--not_yet" title="Not '
    'yet"><span class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Not yet</span></span></td><td '
    'data-step="ready"><span class="cell cell--not_yet" title="Not yet"><span '
    'class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Not yet</span></span></td><td '
    'data-step="summons"><span class="cell cell--not_yet" title="Not yet"><span '
    'class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Not yet</span></span></td><td '
    'data-step="discharge"><span class="cell cell--not_yet" title="Not '
    'yet"><span class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Not yet</span></span></td><td '
    'data-step="discharge_info"><span class="cell cell--not_yet" title="Not '
    'yet"><span class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Not yet</span></span></td><td '
    'data-step="other"><span class="cell cell--not_yet" title="Not yet"><span '
    'class="cell__icon" aria-hidden="true">–</span><span '
    'class="visually-hidden">Not yet</span></span></td>\n'
    "      </tr>",
    ("quiet", "sv"): '<span aria-hidden="true" '
    'title="Inskrivningsmeddelande">Inskr.medd.</span><span '
    'class="visually-hidden">Inskrivningsmeddelande</span><span '
    'aria-hidden="true" title="Planeringsunderlag">Planering</span><span '
    'class="visually-hidden">Planeringsunderlag</span><span aria-hidden="true" '
    'title="Fast vårdkontakt">Fast vårdkontakt</span><span '
    'class="visually-hidden">Fast vårdkontakt</span><span aria-hidden="true" '
    'title="Utskrivningsklar">Utskr.klar</span><span '
    'class="visually-hidden">Utskrivningsklar</span><span aria-hidden="true" '
    'title="Kallelse till SIP">Kallelse SIP</span><span '
    'class="visually-hidden">Kallelse till SIP</span><span aria-hidden="true" '
    'title="Utskrivningsmeddelande">Utskriven</span><span '
    'class="visually-hidden">Utskrivningsmeddelande</span><span '
    'aria-hidden="true" title="Information vid utskrivning">Info '
    'utskr.</span><span class="visually-hidden">Information vid '
    'utskrivning</span><span aria-hidden="true" title="Övriga '
    'meddelanden">Övriga</span><span class="visually-hidden">Övriga '
    "meddelanden</span>\n"
    '<tr class="" data-testid="case-row">\n'
    '        <th scope="row"><a '
    'href="/utskrivning/arenden/41/">19121212-1212</a></th>\n'
    "        <td>Åsa &quot;Ö&quot; &lt;Berg&gt; &amp; Co</td>\n"
    "        <td>Avd &lt;1&gt; &amp; &#x27;Medicin&#x27;</td>\n"
    '        <td class="nowrap">2026-06-01</td>\n'
    '        <td class="num" data-testid="length-of-stay">1</td>\n'
    '        <td data-step="admission"><span class="cell cell--not_yet" '
    'title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="planning"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="care_contact"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="ready"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="summons"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="discharge"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="discharge_info"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    'ännu</span></span></td><td data-step="other"><span class="cell '
    'cell--not_yet" title="Inte ännu"><span class="cell__icon" '
    'aria-hidden="true">–</span><span class="visually-hidden">Inte '
    "ännu</span></span></td>\n"
    "      </tr>",
}


@pytest.mark.parametrize(("name", "language"), sorted(EXPECTED))
def test_row_markup_is_pinned(name, language):
    assert render(name, language) == EXPECTED[(name, language)]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_single_cell_is_the_rows_cell(language):
    states, _badge, _stay = ROWS["all"]
    row = OverviewRow(
        case=_Case(41, _Ward()), display=display(), cells=cells(states), length_of_stay=1
    )
    with translation.override(language):
        markup = overview_row(row)
        for cell in row.cells:
            assert f'<td data-step="{cell.step.code}">{overview_cell(cell)}</td>' in markup
