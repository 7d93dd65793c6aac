"""A message returned as misaddressed is copied to the organisation's central inbox."""

from samplan.addressing.models import FallbackInbox
from samplan.messaging.fallback import fallback_inbox_for
from samplan.testing import UnitFactory


def test_no_fallback_configured(cast):
    assert fallback_inbox_for(cast.municipality) is None


def test_the_configured_central_inbox(cast):
    central = UnitFactory(organization=cast.municipality, name="Central brevlåda")
    FallbackInbox.objects.create(organization=cast.municipality, unit=central)
    assert fallback_inbox_for(cast.municipality) == central
    assert fallback_inbox_for(cast.other_municipality) is None


def test_a_closed_central_inbox_is_not_used(cast):
    central = UnitFactory(organization=cast.municipality, is_active=False)
    FallbackInbox.objects.create(organization=cast.municipality, unit=central)
    assert fallback_inbox_for(cast.municipality) is None
