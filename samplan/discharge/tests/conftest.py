"""Fixtures for the discharge tests: `build` makes cases and messages (discharge.testing)."""

from samplan.discharge.testing import build_fixture  # noqa: F401 (the `build` fixture)
