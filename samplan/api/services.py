"""Every write to integrating systems: create, change, rotate the token, revoke.

Each writes the administrative history (AdminChange) in the same transaction, and keeps the
client's service user (models.py) holding the role `user` in exactly the client's units.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.access import forget_memberships, require
from samplan.accounts.models import Membership, Role, User
from samplan.api.access import can_administer_clients
from samplan.api.models import IntegrationClient, Scope
from samplan.api.tokens import token_hash, token_new, token_shown_prefix
from samplan.auditlog.history import admin_change_record
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.organizations.models import Organization, Unit


@dataclass(frozen=True)
class ClientDetails:
    name: str
    units: Sequence[Unit]
    scopes: Sequence[str]
    expires_at: datetime.datetime
    rate_per_minute: int = 600
    webhook_url: str = ""


def _validate(organization: Organization, details: ClientDetails) -> None:
    errors: dict[str, str] = {}
    if not details.name.strip():
        errors["name"] = _("Give the system a name.")
    if not details.units:
        errors["units"] = _("Choose at least one unit the system may act for.")
    elif any(unit.organization_id != organization.pk for unit in details.units):
        errors["units"] = _("A system may only act for its own organisation's units.")
    if not details.scopes:
        errors["scopes"] = _("Choose at least one permission.")
    elif set(details.scopes) - set(Scope.values):
        errors["scopes"] = _("Unknown permission.")
    if details.expires_at <= timezone.now():
        errors["expires_at"] = _("The end date must be in the future.")
    if details.webhook_url and not details.webhook_url.startswith(("https://", "http://")):
        errors["webhook_url"] = _("The webhook address must start with https://.")
    if details.rate_per_minute < 1:
        errors["rate_per_minute"] = _("At least one request per minute.")
    if errors:
        raise ValidationError(errors)


def _snapshot(client: IntegrationClient, units: Iterable[Unit]) -> dict[str, object]:
    return {
        "name": client.name,
        "units": ", ".join(sorted(unit.name for unit in units)),
        "scopes": ", ".join(sorted(client.scopes)),
        "expires_at": timezone.localtime(client.expires_at).strftime("%Y-%m-%d %H:%M"),
        "rate_per_minute": client.rate_per_minute,
        "webhook_url": client.webhook_url,
    }


def _diff(before: dict[str, object], after: dict[str, object]) -> dict[str, list[object]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _sync_memberships(client: IntegrationClient, units: Sequence[Unit], actor: Actor) -> None:
    """The service user holds the role `user` in exactly the client's units."""
    user = client.service_user
    wanted = {unit.pk for unit in units}
    standing = Membership.objects.filter(user=user, role=Role.USER, ended_at__isnull=True)
    standing.exclude(unit_id__in=wanted).update(ended_at=timezone.now(), ended_by=actor.user)
    have = set(standing.values_list("unit_id", flat=True))
    Membership.objects.bulk_create(
        Membership(user=user, unit_id=unit_id, role=Role.USER, created_by=actor.user)
        for unit_id in wanted - have
    )
    forget_memberships(user)


@transaction.atomic
def client_create(
    *, actor: Actor, organization: Organization, details: ClientDetails
) -> tuple[IntegrationClient, str]:
    """A new integrating system; returns it and its token (shown once, never stored)."""
    require(can_administer_clients(actor.user, organization))
    _validate(organization, details)
    service_user = User(
        username=f"system-{secrets.token_hex(6)}",
        first_name=details.name[:150],
        last_name=_("(integrating system)"),
        organization=organization,
    )
    service_user.set_unusable_password()
    service_user.save()
    token = token_new()
    client = IntegrationClient.objects.create(
        organization=organization,
        name=details.name.strip(),
        scopes=sorted(set(details.scopes)),
        expires_at=details.expires_at,
        rate_per_minute=details.rate_per_minute,
        webhook_url=details.webhook_url,
        webhook_secret=secrets.token_hex(32) if details.webhook_url else "",
        token_hash=token_hash(token),
        token_prefix=token_shown_prefix(token),
        service_user=service_user,
        created_by=actor.user,
    )
    client.units.set(details.units)
    _sync_memberships(client, details.units, actor)
    admin_change_record(
        actor=actor,
        organization=organization,
        action=AdminAction.CREATE,
        target=client,
        changes=_diff({}, _snapshot(client, details.units)),
    )
    return client, token


@transaction.atomic
def client_update(*, actor: Actor, client: IntegrationClient, details: ClientDetails) -> None:
    require(can_administer_clients(actor.user, client.organization))
    if client.revoked_at is not None:
        raise ValidationError(_("A revoked system cannot be changed."))
    _validate(client.organization, details)
    before = _snapshot(client, client.units.all())
    client.name = details.name.strip()
    client.scopes = sorted(set(details.scopes))
    client.expires_at = details.expires_at
    client.rate_per_minute = details.rate_per_minute
    client.webhook_url = details.webhook_url
    if client.webhook_url and not client.webhook_secret:
        client.webhook_secret = secrets.token_hex(32)
    client.save(
        update_fields=[
            "name",
            "scopes",
            "expires_at",
            "rate_per_minute",
            "webhook_url",
            "webhook_secret",
        ]
    )
    client.units.set(details.units)
    _sync_memberships(client, details.units, actor)
    changes = _diff(before, _snapshot(client, details.units))
    if changes:
        admin_change_record(
            actor=actor,
            organization=client.organization,
            action=AdminAction.UPDATE,
            target=client,
            changes=changes,
        )


@transaction.atomic
def client_rotate(*, actor: Actor, client: IntegrationClient) -> str:
    """A new token for the client; the old one stops working at once. Returns the new one."""
    require(can_administer_clients(actor.user, client.organization))
    if client.revoked_at is not None:
        raise ValidationError(_("A revoked system cannot get a new token."))
    token = token_new()
    old_prefix = client.token_prefix
    client.token_hash = token_hash(token)
    client.token_prefix = token_shown_prefix(token)
    client.rotated_at = timezone.now()
    client.save(update_fields=["token_hash", "token_prefix", "rotated_at"])
    admin_change_record(
        actor=actor,
        organization=client.organization,
        action=AdminAction.UPDATE,
        target=client,
        changes={"token": [old_prefix + "…", client.token_prefix + "…"]},
    )
    return token


@transaction.atomic
def client_revoke(*, actor: Actor, client: IntegrationClient) -> None:
    """The token stops working for good; the service user loses its units."""
    require(can_administer_clients(actor.user, client.organization))
    if client.revoked_at is not None:
        return
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    _sync_memberships(client, [], actor)
    User.objects.filter(pk=client.service_user_id).update(is_active=False)
    admin_change_record(
        actor=actor,
        organization=client.organization,
        action=AdminAction.DEACTIVATE,
        target=client,
        changes={
            "revoked_at": [None, timezone.localtime(client.revoked_at).strftime("%Y-%m-%d %H:%M")]
        },
    )
