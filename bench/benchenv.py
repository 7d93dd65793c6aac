"""What bench/generate.py and bench/loadtest.py share: where the bench database is, the one
password every generated user has, and Django's set-up from the environment.

The database is DATABASE_URL when set, else a SQLite file in bench/output/ (git ignores it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "bench" / "output"
DEFAULT_SQLITE = OUTPUT / "bench.sqlite3"
# Meets the password rules (samplan/accounts/passwords.py); hashed once for all users.
BENCH_PASSWORD = "Bench-Samplan-2026"
# Only for the bench: long enough for settings.py's check with DEBUG off.
BENCH_SECRET_KEY = "bench-only-not-secret-" + "k" * 40


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"


def setup_django() -> None:
    """Production settings (DEBUG off), the bench database, and tasks kept in the database."""
    sys.path.insert(0, str(ROOT))
    OUTPUT.mkdir(exist_ok=True)
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samplan.settings")
    import django

    django.setup()
