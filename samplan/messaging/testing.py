"""Test helpers: the header's new-message count as a page shows it."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

_BADGE = re.compile(r'data-testid="header-new-count"[^>]*>(?:<span[^>]*>[^<]*</span>)?([^<]*)<')


def header_count(client: Any, url: str) -> tuple[str, list[str]]:
    """GET `url`: the header's count in words ("2 nya") and the COUNT statements over
    deliveries the request ran (none when the page read the count with a row of its own)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    (words,) = _BADGE.findall(response.content.decode())
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT COUNT(") and "messaging_delivery" in q["sql"]
    ]
    return words.strip(), counts
