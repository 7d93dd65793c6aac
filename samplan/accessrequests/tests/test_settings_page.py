"""The organisation's settings for access orders: who may change them, bad input, history."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from samplan.accessrequests.models import AccessRequest, AccessSettings, RequestKind
from samplan.accessrequests.services import access_request_create
from samplan.accounts.models import Role
from samplan.auditlog.models import AdminChange
from samplan.core.actor import task_actor


def form_data(**extra):
    data = {
        "orders_carried_out_directly": "on",
        "card_admin_email": "kort@testkommun.se",
        "card_email_hsa_id": "on",
        "review_interval_months": "6",
        "grace_days": "30",
        "warning_days": "7",
        "next_review_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
    }
    data.update(extra)
    return data


def test_local_admin_changes_the_settings(cast, login_as, client):
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    url = reverse("accessrequests:settings", args=[cast.municipality.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data())
    assert response.status_code == 302
    options = AccessSettings.objects.get(organization=cast.municipality)
    assert options.orders_carried_out_directly and options.card_admin_email == "kort@testkommun.se"
    change = AdminChange.objects.get(target_type="accesssettings")
    assert change.changes["card_admin_email"] == ["", "kort@testkommun.se"]
    history = client.get(reverse("administration:history", args=[cast.municipality.pk]))
    assert "Behörighetsinställningar" in history.content.decode()


def test_bad_settings_are_refused(cast, login_as, client):
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    url = reverse("accessrequests:settings", args=[cast.municipality.pk])
    response = client.post(
        url,
        form_data(review_interval_months="0", warning_days="40", next_review_on="2001-01-01"),
    )
    page = response.content.decode()
    assert "mellan 1 och 24" in page and "bakåt i tiden" in page and "före sista dagen" in page
    assert not AdminChange.objects.filter(target_type="accesssettings").exists()


def test_others_cannot_open_the_settings(cast, login_as, client):
    url = reverse("accessrequests:settings", args=[cast.municipality.pk])
    login_as(cast.outsider_admin, cast.outsider_unit)
    assert client.get(url).status_code == 404
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.get(url).status_code == 404


def test_order_history_reads_in_swedish(cast, login_as, client):
    from samplan.testing import user_with_role

    manager = user_with_role("chefen", cast.municipal_admin_unit, Role.MANAGER)
    access_request_create(
        actor=task_actor(manager),
        order=AccessRequest(
            kind=RequestKind.GRANT,
            subject=cast.home_care_nurse,
            unit=cast.home_care,
            role=Role.SUPER_USER,
            valid_from=timezone.localdate(),
        ),
    )
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    page = client.get(reverse("administration:history", args=[cast.municipality.pk]))
    text = page.content.decode()
    assert "Behörighetsbeställning" in text and "Väntar på godkännande" in text
