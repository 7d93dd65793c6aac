"""Access-log rows in words: for the review pages, the CSV export and the log extract.

Everything here works on rows fetched with selectors.ROW_RELATED, so showing a page of rows
runs no query per row. Who the person is comes from patients.display (the one place that
decides what of a patient is shown); reviewers see name and identity number, as they must
to review, and never address or phone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samplan.auditlog.access_log import AccessAction
from samplan.auditlog.details import detail_text
from samplan.auditlog.models import AccessLogEntry
from samplan.core.exports import spreadsheet_safe
from samplan.logreview.forms import FLAG_CHOICES
from samplan.patients.display import PatientDisplay, patient_display
from samplan.patients.identity import format_identity

OBJECT_LABELS = {
    "dischargecase": gettext_lazy("Discharge case"),
    "message": gettext_lazy("Message"),
    "delivery": gettext_lazy("Message"),
    "patient": gettext_lazy("Patient details"),
    "consent": gettext_lazy("Consent"),
    "patientlink": gettext_lazy("Linked reservnummer"),
    "patientfilter": gettext_lazy("Patient filter"),
    "residenceentry": gettext_lazy("Residence list"),
    "sipplan": gettext_lazy("Coordinated individual plan (SIP)"),
    "accesslog": gettext_lazy("Log review"),
    "logreview": gettext_lazy("Log review"),
    "logextract": gettext_lazy("Log extract"),
}

# The log extract is read by the person: one plain sentence per kind of access.
PLAIN_ACTIONS = {
    AccessAction.VIEW: gettext_lazy("Opened"),
    AccessAction.SEARCH: gettext_lazy("Searched for you by your number"),
    AccessAction.CREATE: gettext_lazy("Registered"),
    AccessAction.UPDATE: gettext_lazy("Changed"),
    AccessAction.PRINT: gettext_lazy("Printed"),
    AccessAction.EXPORT: gettext_lazy("Exported"),
    AccessAction.SIMULATE: gettext_lazy("Checked which unit would receive a message about you"),
}
PLAIN_OBJECTS = {
    "dischargecase": gettext_lazy("your discharge planning"),
    "message": gettext_lazy("a message about you"),
    "delivery": gettext_lazy("a message about you"),
    "patient": gettext_lazy("your details"),
    "consent": gettext_lazy("your consent"),
    "patientlink": gettext_lazy("your identity number"),
    "patientfilter": gettext_lazy("the unit's list of its clients"),
    "residenceentry": gettext_lazy("the list of residents"),
    "sipplan": gettext_lazy("your coordinated individual plan (SIP)"),
    "accesslog": gettext_lazy("the log of who has looked at your details"),
    "logreview": gettext_lazy("the log of who has looked at your details"),
    "logextract": gettext_lazy("a log extract"),
}


def action_label(action: str) -> str:
    try:
        return str(AccessAction(action).label)
    except ValueError:
        return action


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def plain_description(entry: AccessLogEntry) -> str:
    """What the unit did, in words for the person (log extract)."""
    verb = PLAIN_ACTIONS.get(entry.action)
    thing = PLAIN_OBJECTS.get(entry.object_type)
    if verb is None:
        return object_label(entry.object_type) or action_label(entry.action)
    if entry.action in (AccessAction.SEARCH, AccessAction.SIMULATE) or thing is None:
        return str(verb)
    return f"{verb} {thing}"


def flag_labels(entry: AccessLogEntry) -> list[str]:
    return [str(label) for name, label in FLAG_CHOICES if getattr(entry, name)]


@dataclass(frozen=True)
class EntryRow:
    entry: AccessLogEntry
    user_name: str
    patient: PatientDisplay | None
    searched: str  # a searched number that showed nobody, formatted
    action: str
    what: str
    flags: list[str]
    checked: bool
    detail: str = ""


def _user_name(entry: AccessLogEntry) -> str:
    return entry.user.get_full_name() or entry.user.username


def entry_rows(
    entries: Iterable[AccessLogEntry], checked: set[int] | None = None
) -> list[EntryRow]:
    """The rows in words. A page's rows share their words: each action, kind of object,
    detail, user and patient is put in words once per call, not once per row (a patient's
    page of the log is mostly the same person)."""
    checked = checked or set()
    flag_words = [(name, str(label)) for name, label in FLAG_CHOICES]
    actions: dict[str, str] = {}
    objects: dict[str, str] = {}
    details: dict[str, str] = {}
    users: dict[int, str] = {}
    patients: dict[int, PatientDisplay] = {}
    rows = []
    for entry in entries:
        if entry.action not in actions:
            actions[entry.action] = action_label(entry.action)
        if entry.object_type not in objects:
            objects[entry.object_type] = object_label(entry.object_type)
        if entry.detail not in details:
            details[entry.detail] = detail_text(entry.detail)
        if entry.user_id not in users:
            users[entry.user_id] = _user_name(entry)
        patient = None
        if entry.patient_id is not None:
            patient = patients.get(entry.patient_id)
            if patient is None:
                patient = patients[entry.patient_id] = patient_display(
                    entry.patient, participant=True
                )
        rows.append(
            EntryRow(
                entry=entry,
                user_name=users[entry.user_id],
                patient=patient,
                searched=format_identity(entry.searched_identity)
                if entry.searched_identity
                else "",
                action=actions[entry.action],
                what=objects[entry.object_type],
                flags=[label for name, label in flag_words if getattr(entry, name)],
                checked=entry.pk in checked,
                detail=details[entry.detail],
            )
        )
    return rows


def csv_rows(entries: Iterable[AccessLogEntry]) -> Iterator[list[str]]:
    """A header and one line per row, for reviewers' own spreadsheets."""
    yield [
        _("Time"),
        _("User"),
        _("HSA-id"),
        _("Unit"),
        _("Organisation"),
        _("Patient"),
        _("Identity number"),
        _("Searched number"),
        _("Action"),
        _("What"),
        _("Object id"),
        _("Detail"),
        _("Client address"),
        _("Marks"),
        _("Row"),
    ]
    for entry in entries:
        shown = patient_display(entry.patient, participant=True) if entry.patient else None
        yield [
            spreadsheet_safe(cell)
            for cell in (
                timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                _user_name(entry),
                entry.user_hsa_id,
                entry.unit.name if entry.unit_id else "",
                entry.organization.name if entry.organization_id else "",
                shown.name if shown else "",
                shown.identity if shown else "",
                format_identity(entry.searched_identity) if entry.searched_identity else "",
                action_label(entry.action),
                object_label(entry.object_type),
                entry.object_id,
                detail_text(entry.detail),
                entry.client_address or "",
                ", ".join(flag_labels(entry)),
                str(entry.seq),
            )
        ]
