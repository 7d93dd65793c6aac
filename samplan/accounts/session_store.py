"""The database session store with its one read per request prepared.

Django's own store (django.contrib.sessions.backends.db) builds and compiles the same
SELECT on every request; here it is compiled once per process (samplan.core.prepared). The
rows, the cookie and everything else are Django's.
"""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from samplan.core.prepared import prepared


@prepared
def _session_in_force(*, session_key: str, now: datetime.datetime) -> QuerySet[Session]:
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        found = _session_in_force(session_key=self.session_key, now=timezone.now())
        if found:
            return found[0]
        self._session_key = None  # as Django's: an unknown or expired key starts afresh
        return None
