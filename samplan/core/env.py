"""Typed access to settings that come from environment variables.

Every setting that varies between a laptop, CI and production is read here, so a bad value
stops the process at start-up with a message naming the variable instead of failing later.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Env:
    """Reads and checks variables from a mapping (os.environ by default)."""

    source: Mapping[str, str]

    @classmethod
    def from_os(cls) -> Env:
        return cls(os.environ)

    def str(self, name: str, default: str | None = None) -> str:
        value = self.source.get(name)
        if value is None:
            if default is None:
                raise ImproperlyConfigured(f"Environment variable {name} is required.")
            return default
        return value

    def bool(self, name: str, default: bool) -> bool:
        value = self.source.get(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")

    def int(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.source.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
        if number < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
        return number

    def list(self, name: str, default: list[str]) -> list[str]:
        value = self.source.get(name)
        if value is None:
            return default
        return [item.strip() for item in value.split(",") if item.strip()]

    def networks(
        self, name: str, default: list[str]
    ) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """A comma-separated list of addresses or networks (10.0.0.5, 10.0.1.0/24, ::1)."""
        networks = []
        for item in self.list(name, default):
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"{name}: {item!r} is not an IP address or network."
                ) from None
        return networks

    def database(self, name: str, *, base_dir: Path) -> dict[str, Any]:
        """Django DATABASES['default'] from a URL: sqlite:///path or postgres://..."""
        url = self.source.get(name) or f"sqlite:///{base_dir / 'samplan.sqlite3'}"
        return parse_database_url(url, variable=name)


def parse_database_url(url: str, *, variable: str = "DATABASE_URL") -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative.db -> "relative.db"; sqlite:////abs/x.db -> "/abs/x.db".
        name = unquote(parts.path)[1:]
        if not name:
            raise ImproperlyConfigured(f"{variable}: a SQLite URL needs a file path.")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                # WAL lets the web server read while the task worker writes; IMMEDIATE
                # transactions take the write lock up front instead of failing mid-way.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    if parts.scheme in {"postgres", "postgresql"}:
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise ImproperlyConfigured(f"{variable}: a PostgreSQL URL needs a database name.")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{variable}: the port is not a number.") from None
        return {
            "ENGINE": "samplan.core.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            # Parameters bound by the server, and a query shape run five times on a
            # connection becomes a prepared statement: PostgreSQL plans it once, not on
            # every request (about a fifth of its CPU per request in bench/RESULTS.md). A
            # pooler in front must pass prepared statements (PgBouncer 1.21+ with
            # max_prepared_statements, deploy/README.md).
            "OPTIONS": {"server_side_binding": True, "prepare_threshold": 5},
        }
    raise ImproperlyConfigured(
        f"{variable} must start with sqlite:/// or postgres://, not {parts.scheme or url!r}."
    )
