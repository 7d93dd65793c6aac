"""Historik: the history of administrative changes per organisation and per object."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samplan.accounts import services as account_services
from samplan.accounts.models import Membership, Role
from samplan.auditlog.history import admin_change_record
from samplan.auditlog.models import AdminAction, AdminChange
from samplan.core.actor import Actor


def history_url(org):
    return reverse("administration:history", args=[org.pk])


def record(cast, target, *, at=None, organization=None, action=AdminAction.UPDATE, changes=None):
    change = admin_change_record(
        actor=Actor(user=cast.municipal_system_admin, unit=cast.municipal_admin_unit),
        organization=organization or cast.municipality,
        action=action,
        target=target,
        changes=changes or {"phone": ["1", "2"]},
    )
    if at is not None:
        AdminChange.objects.filter(pk=change.pk).update(at=at)
    return change


@pytest.fixture
def local_admin(cast, login_as):
    return login_as(cast.municipal_local_admin, cast.municipal_admin_unit)


def test_history_shows_who_when_what_with_old_and_new(cast, local_admin, client):
    record(
        cast,
        cast.home_care_nurse,
        changes={"mobile": ["070-1", "070-2"], "has_inbox": [True, False]},
    )
    html = client.get(history_url(cast.municipality)).content.decode()
    assert str(cast.municipal_system_admin) in html and "Vård och omsorg" in html
    assert "Ändrad" in html and str(cast.home_care_nurse) in html
    assert "Mobil:</strong> 070-1 → 070-2" in html


def test_choice_values_are_shown_in_words(cast, local_admin, client):
    record(cast, cast.home_care_nurse, changes={"login_method": ["password", "smart_card"]})
    html = client.get(history_url(cast.municipality)).content.decode()
    assert "Användarnamn och lösenord → E-tjänstekort (SITHS)" in html


def test_other_organisations_changes_are_not_shown(cast, local_admin, client):
    record(cast, cast.outsider, organization=cast.other_municipality)
    response = client.get(history_url(cast.municipality))
    assert response.context["page"].paginator.count == 0
    assert client.get(history_url(cast.other_municipality)).status_code == 404


def test_filter_by_object_type_and_period(cast, local_admin, client):
    now = timezone.now()
    record(cast, cast.home_care_nurse, at=now - datetime.timedelta(days=40))
    record(cast, cast.home_care)
    record(cast, cast.home_care_nurse)
    url = history_url(cast.municipality)
    assert client.get(url).context["page"].paginator.count == 3
    assert client.get(url, {"type": "user"}).context["page"].paginator.count == 2
    assert client.get(url, {"type": "unit"}).context["page"].paginator.count == 1
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert (
        client.get(url, {"type": "user", "date_from": since}).context["page"].paginator.count == 1
    )
    until = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    assert client.get(url, {"date_to": until}).context["page"].paginator.count == 1


def test_a_day_is_counted_in_stockholm_time(cast, local_admin, client):
    # 23:30 Stockholm on 1 June is 21:30 UTC the same day; it belongs to 1 June, not 2 June.
    late = datetime.datetime(2026, 6, 1, 21, 30, tzinfo=datetime.UTC)
    record(cast, cast.home_care, at=late)
    url = history_url(cast.municipality)
    assert (
        client.get(url, {"date_from": "2026-06-01", "date_to": "2026-06-01"})
        .context["page"]
        .paginator.count
        == 1
    )
    assert client.get(url, {"date_from": "2026-06-02"}).context["page"].paginator.count == 0


def test_bad_filter_shows_an_error_and_keeps_the_list(cast, local_admin, client):
    record(cast, cast.home_care)
    response = client.get(
        history_url(cast.municipality),
        {"date_from": "2026-06-05", "date_to": "2026-06-01", "type": "nonsense"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["page"].paginator.count == 1


def test_history_is_paginated_with_a_fixed_number_of_queries(cast, local_admin, client):
    url = history_url(cast.municipality)
    for _ in range(3):
        record(cast, cast.home_care_nurse)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(30):
        record(cast, cast.home_care)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    # No query per row; the COUNT is added once the list no longer fits on one page
    # (samplan.core.paging).
    assert len(many) == len(few) + 1
    assert len(response.context["page"]) == 20


def test_user_history_includes_memberships_but_not_other_organisations_rows(cast, login_as, client):
    admin = cast.municipal_system_admin
    nurse = cast.home_care_nurse
    account_services.membership_grant(
        actor=Actor(user=admin, unit=None),
        user=nurse,
        unit=cast.provider_unit,
        role=Role.USER,
        valid_from=timezone.localdate(),
        valid_to=None,
    )
    record(cast, nurse, organization=cast.other_municipality)
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    response = client.get(reverse("administration:user_history", args=[nurse.pk]))
    assert response.context["page"].paginator.count == 0  # the grant was in the provider
    login_as(admin, cast.municipal_admin_unit)
    response = client.get(reverse("administration:user_history", args=[nurse.pk]))
    changes = list(response.context["page"])
    assert [c.action for c in changes] == [AdminAction.GRANT]
    membership = Membership.objects.get(unit=cast.provider_unit)
    assert changes[0].target_id == str(membership.pk)


def test_every_service_writes_history_in_its_own_transaction(cast, monkeypatch):
    """If the history row cannot be written, the change itself is not made either."""
    from samplan.accounts import services

    def broken(**kwargs):
        raise RuntimeError("history unavailable")

    monkeypatch.setattr(services, "admin_change_record", broken)
    nurse = cast.home_care_nurse
    with pytest.raises(RuntimeError):
        services.user_deactivate(
            actor=Actor(user=cast.municipal_local_admin, unit=None), user=nurse
        )
    nurse.refresh_from_db()
    assert nurse.is_active
    assert not Membership.objects.filter(user=nurse, ended_at__isnull=False).exists()
