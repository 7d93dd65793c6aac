"""Reads of the discharge configuration: the amounts per year and the agreements a user sees."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet

from samplan.accounts.administering import agreement_party_ids
from samplan.accounts.models import User
from samplan.core.prepared import prepared
from samplan.discharge.models import DailyAmount
from samplan.organizations.models import Agreement


def daily_amounts() -> dict[int, Decimal]:
    """The amount per liable day by calendar year, for liability.payment_liability()."""
    return dict(_daily_amounts())


@prepared
def _daily_amounts() -> QuerySet:
    return DailyAmount.objects.values_list("year", "amount")


def agreements_for_user(user: User) -> QuerySet[Agreement]:
    """Agreements the user may see and change: those their organisations are party to."""
    parties = agreement_party_ids(user)
    return (
        Agreement.objects.filter(Q(region_id__in=parties) | Q(municipality_id__in=parties))
        .select_related("region", "municipality")
        .order_by("region__name", "municipality__name", "-valid_from", "pk")
    )
