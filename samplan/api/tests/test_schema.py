"""The OpenAPI schema, the local docs, and schemathesis against every operation.

schemathesis generates requests from the schema (a few examples per operation, so the suite
stays fast) and checks that none gets a 5xx and every answer matches the schema: its status
is documented, its media type (problem+json for errors) and its body. The calls carry a
valid token and unit, so they reach the operations' own validation and rules.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from samplan.api.tests.helpers import make_client
from samplan.api.v1 import api

# Loaded from the API object itself (no database needed at collection); the calls go to
# samplan's WSGI application.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()
# NUL is refused as a 400 problem before any operation (urls.py; PostgreSQL cannot store it),
# which the schema does not spell out for every string: test_auth.py checks that refusal.
schema.config.generation.update(allow_x00=False)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """schemathesis calls the WSGI application directly; as Django's test client does, keep
    the request signals from closing the test's database connection (PostgreSQL)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(cast, build):
    from samplan.testing import user_with_role

    admin = user_with_role("regionsys", cast.hospital, "system_admin")
    build.admitted()
    _, token = make_client(admin, cast.region, [cast.ward, cast.care_centre], rate=100_000)
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_5xx_and_every_answer_matches_the_schema(case, credentials, settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    case.call_and_validate(headers=credentials)


def test_every_operation_has_a_summary_and_its_errors(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            for status in ("401", "403", "404", "422", "429"):
                answer = operation["responses"][status]
                assert "application/problem+json" in answer["content"], (method, path, status)
            assert any(code.startswith("2") for code in operation["responses"])


def test_the_docs_are_served_by_samplan_itself(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in text
    assert "cdn" not in text.lower() and "https://" not in text
