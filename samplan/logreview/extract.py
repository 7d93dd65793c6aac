"""Loggutdrag: a person's log extract as a PDF in plain Swedish (domain.md §8).

The person asks which units have looked at their data, and when. The extract lists the
accesses by units of the reviewer's organisation (each care provider answers for its own
units, PDL 8 kap 1 §; the text says so and tells the person where to ask about others),
first a summary per unit, then every access in time order. User names are included only
when the reviewer chooses so (and settings.ACCESS_LOG_EXTRACT_USER_NAMES allows it).
It never shows the person's address or phone, so it is safe for protected identities too.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.logreview.presentation import plain_description
from samplan.organizations.models import Organization
from samplan.patients.display import patient_display
from samplan.patients.models import Patient


@dataclass(frozen=True)
class ExtractLine:
    at: datetime.datetime
    unit: str
    organization: str
    what: str
    user: str


@dataclass(frozen=True)
class UnitSummary:
    unit: str
    organization: str
    count: int
    first: datetime.datetime
    last: datetime.datetime


def extract_lines(rows: Sequence[AccessLogEntry], *, with_users: bool) -> list[ExtractLine]:
    return [
        ExtractLine(
            at=timezone.localtime(row.at),
            unit=row.unit.name if row.unit_id else "",
            organization=row.organization.name if row.organization_id else "",
            what=plain_description(row),
            user=(row.user.get_full_name() or row.user.username) if with_users else "",
        )
        for row in rows
    ]


def unit_summaries(lines: Sequence[ExtractLine]) -> list[UnitSummary]:
    found: dict[tuple[str, str], list[ExtractLine]] = {}
    for line in lines:
        found.setdefault((line.unit, line.organization), []).append(line)
    return sorted(
        (
            UnitSummary(unit, organization, len(group), group[0].at, group[-1].at)
            for (unit, organization), group in found.items()
        ),
        key=lambda summary: (summary.organization, summary.unit),
    )


def extract_html(
    *,
    actor: Actor,
    organization: Organization,
    patient: Patient,
    rows: Sequence[AccessLogEntry],
    date_from: datetime.date | None,
    date_to: datetime.date | None,
    with_users: bool,
) -> str:
    with_users = with_users and settings.ACCESS_LOG_EXTRACT_USER_NAMES
    # Written for the person, in Swedish whatever language the reviewer works in.
    with translation.override("sv"):
        lines = extract_lines(rows, with_users=with_users)
        return render_to_string(
            "logreview/extract_pdf.html",
            {
                "organization": organization,
                "display": patient_display(patient, participant=True),
                "lines": lines,
                "summaries": unit_summaries(lines),
                "date_from": date_from,
                "date_to": date_to or timezone.localdate(),
                "with_users": with_users,
                "made_at": timezone.localtime(),
                "made_by": actor.user,
            },
        )


def extract_pdf(**kwargs: object) -> bytes:
    """The extract as PDF (WeasyPrint, from the same HTML)."""
    from weasyprint import HTML

    return HTML(string=extract_html(**kwargs)).write_pdf()
