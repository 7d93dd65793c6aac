"""samplan's session store (accounts.session_store): Django's database sessions, read through
a query compiled once per process."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from samplan.accounts import session_store
from samplan.accounts.session_store import SessionStore


def test_it_is_the_configured_engine():
    assert settings.SESSION_ENGINE == "samplan.accounts.session_store"


@pytest.mark.django_db
def test_a_saved_session_loads_and_an_expired_or_unknown_one_starts_afresh():
    store = SessionStore()
    store["unit"] = 7
    store.save()
    key = store.session_key
    assert SessionStore(session_key=key).load() == {"unit": 7}

    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = SessionStore(session_key=key)
    assert expired.load() == {}
    assert expired.session_key is None

    unknown = SessionStore(session_key="x" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None


@pytest.mark.django_db
def test_the_read_is_compiled_once_for_every_session(django_assert_num_queries):
    stores = []
    for unit in (1, 2, 3):
        store = SessionStore()
        store["unit"] = unit
        store.save()
        stores.append(store.session_key)
    with django_assert_num_queries(3):
        loaded = [SessionStore(session_key=key).load()["unit"] for key in stores]
    assert loaded == [1, 2, 3]
    assert len(session_store._session_in_force.shapes) == 1
