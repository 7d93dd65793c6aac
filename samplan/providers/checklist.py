"""What a provider still lacks before it can start (seed 002: "organisationsstrukturen och
behörigheter ... innan verksamheten startar"): each item says whether it is done and what to
do, for the checklist page. Six queries whatever the size of the provider."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.models import Membership, Role
from samplan.addressing.models import ResidenceEntry
from samplan.messaging.models import AlertSettings
from samplan.organizations.models import Organization, Unit, UnitKind
from samplan.providers.models import ProviderStart


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    detail: str = ""


def _standing(memberships: object) -> object:
    """Memberships not ended and not expired: in force now or from a later date."""
    today = timezone.localdate()
    return memberships.filter(ended_at__isnull=True).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )


def provider_checklist(provider: Organization) -> list[ChecklistItem]:
    units = list(
        Unit.objects.filter(organization=provider, is_active=True)
        .annotate(has_residents=Exists(ResidenceEntry.objects.filter(unit=OuterRef("pk"))))
        .order_by("name")
    )
    inbox_units = [unit for unit in units if unit.has_inbox]
    alerted = {
        unit_id
        for unit_id, numbers, addresses in AlertSettings.objects.filter(
            unit__organization=provider, enabled=True
        ).values_list("unit_id", "sms_numbers", "email_addresses")
        if numbers or addresses
    }
    start = (
        ProviderStart.objects.filter(organization=provider)
        .select_related("responsible_manager")
        .first()
    )
    manager = start.responsible_manager if start else None
    local_admins = _standing(
        Membership.objects.filter(unit__organization=provider, role=Role.LOCAL_ADMIN)
    ).filter(user__is_active=True)
    nursing_homes = [unit for unit in units if unit.kind == UnitKind.NURSING_HOME]
    without_residents = [unit.name for unit in nursing_homes if not unit.has_residents]
    without_alerts = [unit.name for unit in inbox_units if unit.pk not in alerted]
    manager_can_log_in = bool(
        manager and manager.is_active and (manager.has_usable_password() or manager.hsa_id)
    )
    items = [
        ChecklistItem(
            "start_date",
            _("A start date"),
            provider.starts_on is not None,
            provider.starts_on.isoformat() if provider.starts_on else "",
        ),
        ChecklistItem(
            "manager",
            _("The responsible manager can log in (a password set, or an HSA-id for SITHS)"),
            manager_can_log_in,
            str(manager) if manager else _("No responsible manager is registered."),
        ),
        ChecklistItem("local_admin", _("A local administrator"), local_admins.exists()),
        ChecklistItem(
            "inbox",
            _("A unit with an inbox"),
            bool(inbox_units),
            ", ".join(unit.name for unit in inbox_units),
        ),
        ChecklistItem(
            "alerts",
            _("Alert addresses (SMS or e-mail) for every unit with an inbox"),
            bool(inbox_units) and not without_alerts,
            _("Missing: %(units)s") % {"units": ", ".join(without_alerts)}
            if without_alerts
            else "",
        ),
        ChecklistItem(
            "residence_lists",
            _("A residence list for every nursing home"),
            not without_residents,
            _("Missing: %(units)s") % {"units": ", ".join(without_residents)}
            if without_residents
            else (_("The provider has no nursing home.") if not nursing_homes else ""),
        ),
    ]
    return items


def checklist_complete(items: list[ChecklistItem]) -> bool:
    return all(item.done for item in items)
