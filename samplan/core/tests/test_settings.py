"""Production mode must refuse to start without a real SECRET_KEY."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _check(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "samplan.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"DEBUG": "false"},
        {"DEBUG": "false", "SECRET_KEY": "short"},
        # 49 random characters: Django's deploy check (W009) asks for 50.
        {"DEBUG": "false", "SECRET_KEY": "k3J9vQ2mX7pL0aR5tY8wE1uI4oP6sD2fG9hJ3kL7zX0cV5bN1"},
        {"DEBUG": "false", "SECRET_KEY": "abab" * 20},  # long but only two different characters
        {"DEBUG": "false", "SECRET_KEY": "dev-only-insecure-key-never-used-in-production"},
    ],
)
def test_production_without_real_secret_refuses_to_start(overrides):
    result = _check(overrides)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_with_real_secret_starts():
    result = _check(
        {"DEBUG": "false", "SECRET_KEY": "k3J9vQ2mX7pL0aR5tY8wE1uI4oP6sD2fG9hJ3kL7zX0cV5bN1m"}
    )
    assert result.returncode == 0, result.stderr


def test_debug_mode_has_a_development_key():
    assert _check({"DEBUG": "true"}).returncode == 0


GOOD_KEY = {"DEBUG": "false", "SECRET_KEY": "k3J9vQ2mX7pL0aR5tY8wE1uI4oP6sD2fG9hJ3kL7zX0cV5bN1m"}


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SMART_CARD_PROXY_SECRET": "short"}, "SMART_CARD_PROXY_SECRET"),
        ({"SMART_CARD_TRUSTED_PROXIES": "nginx.internal"}, "SMART_CARD_TRUSTED_PROXIES"),
        ({"SAML_IDP_METADATA_FILE": "/etc/samplan/idp.xml"}, "SAML_SP_KEY_FILE"),
    ],
)
def test_bad_login_settings_refuse_to_start(overrides, named):
    result = _check({**GOOD_KEY, **overrides})
    assert result.returncode != 0
    assert named in result.stderr


def test_card_login_without_a_trusted_proxy_is_warned_about():
    env = {**GOOD_KEY, "SMART_CARD_LOGIN": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "samplan.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "samplan.W001" in result.stderr + result.stdout


def _databases(env_overrides: dict[str, str]) -> dict:
    """DATABASES and the replica settings as settings.py makes them from the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE="samplan.settings", DEBUG="true")
    code = (
        "import json; from django.conf import settings as s; print(json.dumps("
        "{'aliases': {k: {'engine': v['ENGINE'], 'port': v.get('PORT'), "
        "'no_server_cursors': v.get('DISABLE_SERVER_SIDE_CURSORS', False)} "
        "for k, v in s.DATABASES.items()}, 'reads': s.DATABASE_REPLICA_READS}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_a_replica_url_there_is_no_replica():
    config = _databases({"DATABASE_URL": "postgres://u@db:5432/samplan"})
    assert set(config["aliases"]) == {"default"} and config["reads"] is False


def test_a_replica_url_adds_the_replica_alias_and_turns_replica_reads_on():
    config = _databases(
        {
            "DATABASE_URL": "postgres://u@db:5432/samplan",
            "DATABASE_REPLICA_URL": "postgres://u@db-replica:5433/samplan",
        }
    )
    assert config["aliases"]["replica"]["port"] == "5433"
    assert config["reads"] is True


def test_a_replica_that_is_not_postgresql_is_refused():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", "DATABASE_REPLICA_URL": "sqlite:///x.db",
             "DJANGO_SETTINGS_MODULE": "samplan.settings"},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode != 0 and "DATABASE_REPLICA_URL" in result.stderr


def test_transaction_pooling_turns_server_side_cursors_off_on_every_alias():
    base = {
        "DATABASE_URL": "postgres://u@db:5432/samplan",
        "DATABASE_REPLICA_URL": "postgres://u@db-replica:5432/samplan",
    }
    assert not _databases(base)["aliases"]["default"]["no_server_cursors"]
    pooled = _databases({**base, "DATABASE_TRANSACTION_POOLING": "true"})["aliases"]
    assert pooled["default"]["no_server_cursors"] and pooled["replica"]["no_server_cursors"]
