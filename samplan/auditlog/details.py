"""Access-log detail texts as codes, shown in the reader's language.

A row's `detail` used to be English prose ("Mottagna, page 1", "version 2 signed") that went
as it was into the log review and the CSV export. New rows store a stable code and its values
("list_page|list=received&page=1", at most 200 characters, part of the hash chain as before);
`detail_text` words it in the language of whoever reads the log. Rows written before, and
free text no code covers, are shown as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SEPARATOR = "|"

# The lists that log every patient they show.
LIST_NAMES: Mapping[str, str | Promise] = {
    "overview": _("Overview"),
    "received": _("Received messages"),
    "sent": _("Sent messages"),
    "stuck": _("Stuck messages"),
}

DETAIL_TEXTS: Mapping[str, str | Promise] = {
    "list_page": _("%(list)s, page %(page)s"),
    "list_no_match": _("%(list)s, no match"),
    "list_invalid_number": _("%(list)s, invalid number"),
    "invalid_number": _("Invalid number"),
    "already_registered": _("Already registered"),
    "reserve_linked": _("Reserve number linked"),
    "consent_withdrawn": _("Consent withdrawn"),
    "new_case_not_registered": _("New case: the patient was not registered"),
    "new_case_open_exists": _("New case: an open case exists"),
    "not_found": _("Not found"),
    "not_found_in_organisation": _("Not found (organisation %(organisation)s)"),
    "extract_rows": _("Log extract, %(rows)s rows"),
    "extract_rows_with_users": _("Log extract, %(rows)s rows, with user names"),
    "sip_started": _("SIP started"),
    "sip_initiative_changed": _("Initiative changed"),
    "sip_summons_sent": _("Summons sent"),
    "sip_summons_accepted": _("Summons accepted"),
    "sip_summons_declined": _("Summons declined"),
    "sip_version_saved": _("Version %(version)s saved"),
    "sip_version_signed": _("Version %(version)s signed"),
    "sip_version_finalised": _("Version %(version)s finalised"),
    "sip_version_made": _("Version %(version)s made"),
    "sip_closed": _("Plan closed"),
    "sip_version": _("Version %(version)s"),
    "sip_versions_compared": _("Versions %(old)s and %(new)s compared"),
    "sip_history": _("History"),
    "sip_version_pdf": _("Version %(version)s as PDF"),
    "sip_downtime_form": _("Form for the SIP meeting"),
    "sip_blank_form": _("Blank SIP form"),
    "stuck_delivery": _("Stuck message, to forward"),
}


def detail_code(code: str, **values: object) -> str:
    """What an access-log row stores: the code and its values."""
    if code not in DETAIL_TEXTS:
        raise ValueError(f"unknown access-log detail code {code!r}")
    if not values:
        return code
    return f"{code}{SEPARATOR}{urlencode({k: str(v) for k, v in values.items()})}"[:200]


def detail_text(stored: str) -> str:
    """A stored detail in the active language; anything that is not a known code as stored."""
    code, _sep, query = stored.partition(SEPARATOR)
    template = DETAIL_TEXTS.get(code)
    if template is None:
        return stored
    values = dict(parse_qsl(query, keep_blank_values=True))
    if "list" in values:
        values["list"] = str(LIST_NAMES.get(values["list"], values["list"]))
    try:
        return str(template) % values if values else str(template)
    except (KeyError, TypeError, ValueError):
        return stored
