"""Writes to the discharge configuration: agreements and the amounts per year.

Each function checks permission, validates, writes and records the change in the
administrative history (AdminChange), in one transaction.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from samplan.accounts.access import require
from samplan.accounts.administering import can_edit_agreement
from samplan.auditlog.history import admin_change_record, diff, snapshot
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.discharge.access import can_edit_daily_amounts
from samplan.discharge.models import DailyAmount
from samplan.organizations.models import Agreement, Organization, OrganizationKind
from samplan.organizations.terms import AgreementTerms

AGREEMENT_FIELDS = [
    "region",
    "municipality",
    "reference",
    "valid_from",
    "valid_to",
    "cutoff_time",
    "cutoff_rule",
    "admission_notice_hours",
    "summons_days",
    "grace_days_somatic",
    "grace_days_psychiatric",
    "liability_model",
    "daily_amount",
]
DAILY_AMOUNT_FIELDS = ["year", "amount", "source"]
CENTS = Decimal("0.01")


def _apply_terms(agreement: Agreement, terms: AgreementTerms) -> None:
    agreement.cutoff_time = terms.cutoff
    agreement.cutoff_rule = terms.cutoff_rule
    agreement.admission_notice_hours = terms.admission_notice_hours
    agreement.summons_days = terms.summons_days
    agreement.grace_days_somatic = terms.grace_days_somatic
    agreement.grace_days_psychiatric = terms.grace_days_psychiatric
    agreement.liability_model = terms.liability_model
    agreement.daily_amount = (
        None if terms.daily_amount is None else terms.daily_amount.quantize(CENTS)
    )


def _record_for_both_parties(
    *,
    actor: Actor,
    agreement: Agreement,
    action: str,
    changes: dict,
) -> None:
    # Each party's administrators see the change in their own organisation's history.
    for organization in (agreement.region, agreement.municipality):
        admin_change_record(
            actor=actor,
            organization=organization,
            action=action,
            target=agreement,
            changes=changes,
        )


@transaction.atomic
def agreement_create(
    *,
    actor: Actor,
    region: Organization,
    municipality: Organization,
    reference: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    terms: AgreementTerms,
) -> Agreement:
    """Records an agreement. Raises PermissionDenied unless the actor administers a party,
    ValidationError for wrong parties, dates, or a period overlapping another agreement of
    the same pair (which is also what stops a form posted twice)."""
    agreement = Agreement(
        region=region,
        municipality=municipality,
        reference=reference,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    _apply_terms(agreement, terms)
    require(can_edit_agreement(actor.user, agreement))
    # Serialise saves for the pair so two simultaneous posts cannot both pass the overlap check.
    Organization.objects.select_for_update().filter(pk=region.pk).first()
    agreement.full_clean()
    agreement.save()
    after = snapshot(agreement, AGREEMENT_FIELDS)
    _record_for_both_parties(
        actor=actor,
        agreement=agreement,
        action=AdminAction.CREATE,
        changes=diff({}, after),
    )
    return agreement


@transaction.atomic
def agreement_update(
    *,
    actor: Actor,
    agreement_id: int,
    reference: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    terms: AgreementTerms,
) -> Agreement:
    """Changes an agreement's period and terms. The parties cannot change: end the agreement
    and record a new one instead. Raises Agreement.DoesNotExist for an agreement the actor may
    not change (the view answers 404), ValidationError as agreement_create."""
    agreement = (
        Agreement.objects.select_for_update()
        .select_related("region", "municipality")
        .get(pk=agreement_id)
    )
    if not can_edit_agreement(actor.user, agreement):
        raise Agreement.DoesNotExist
    Organization.objects.select_for_update().filter(pk=agreement.region_id).first()
    before = snapshot(agreement, AGREEMENT_FIELDS)
    agreement.reference = reference
    agreement.valid_from = valid_from
    agreement.valid_to = valid_to
    _apply_terms(agreement, terms)
    agreement.full_clean()
    agreement.save()
    changes = diff(before, snapshot(agreement, AGREEMENT_FIELDS))
    if changes:
        _record_for_both_parties(
            actor=actor,
            agreement=agreement,
            action=AdminAction.UPDATE,
            changes=changes,
        )
    return agreement


@transaction.atomic
def daily_amount_save(
    *,
    actor: Actor,
    year: int,
    amount: Decimal,
    source: str,
) -> DailyAmount:
    """Sets the amount per liable day of a year (adds the year or changes it; saving the same
    values twice changes nothing). The table is national: the change is recorded in the
    history of every region and municipality, whose invoices it affects."""
    require(can_edit_daily_amounts(actor.user))
    row = DailyAmount.objects.select_for_update().filter(year=year).first()
    created = row is None
    if row is None:
        row = DailyAmount(year=year)
    before = {} if created else snapshot(row, DAILY_AMOUNT_FIELDS)
    # Stored with two decimals; compare the same way so re-saving shows no false change.
    row.amount = amount.quantize(CENTS)
    row.source = source
    row.full_clean()
    row.save()
    changes = diff(before, snapshot(row, DAILY_AMOUNT_FIELDS))
    if changes:
        parties = Organization.objects.filter(
            is_active=True,
            kind__in=(OrganizationKind.REGION, OrganizationKind.MUNICIPALITY),
        )
        for organization in parties:
            admin_change_record(
                actor=actor,
                organization=organization,
                action=AdminAction.CREATE if created else AdminAction.UPDATE,
                target=row,
                changes=changes,
            )
    return row
