"""In the browser, with SITHS eID: a BUP psychologist clicks the SITHS button, the identity
provider (pysaml2, on its own port, keys made at test time) logs her in and sends her back,
she chooses her unit, signs her unit's part of a SIP version without a password, and logs
out of samplan and the identity provider together."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from samplan.accounts.models import LoginEvent, LoginEventKind, User
from samplan.accounts.tests.saml_idp import (
    GIVEN,
    HSA,
    MAIL,
    SURNAME,
    IdentityProvider,
    make_keys,
    serving,
)
from samplan.core.tests.test_browser_session import screenshot
from samplan.sip.models import SipSignature
from samplan.sip.tests.conftest import accept_all, start, summon, write
from samplan.testing import MembershipFactory

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_siths_login_through_the_idp_then_sign_without_a_password(
    page: Page, sip, live_server, settings, tmp_path
):
    plan = start(sip)
    summon(sip, plan)
    accept_all(sip, plan)
    write(sip, plan)
    psychologist = sip.psychologist
    hsa_id = f"SE{sip.cast.region.org_number}-PSY1"
    User.objects.filter(pk=psychologist.pk).update(hsa_id=hsa_id)
    # A second unit, so that choosing the unit is a real choice.
    MembershipFactory(user=psychologist, unit=sip.cast.care_centre)

    # The IdP runs on "localhost" like the live server: the same site, so the browser sends
    # samplan's SAML cookie (SameSite=Lax without TLS) with the IdP's POST back.
    port = _free_port()
    host = urlsplit(live_server.url).hostname
    idp = IdentityProvider(make_keys(tmp_path), f"http://{host}:{port}", live_server.url)
    idp.configure(settings)
    idp.person = {
        HSA: [hsa_id],
        GIVEN: ["Pia"],
        SURNAME: ["Psykolog-Berg"],
        MAIL: ["pia@region.example"],
    }
    with serving(idp, port):
        page.goto("/konto/logga-in/")
        screenshot(page, "login-siths")
        page.get_by_role("link", name="Logga in med SITHS eID / e-tjänstekort").click()

        expect(page.get_by_role("heading", name="Välj enhet att logga in på")).to_be_visible()
        main = page.get_by_role("main")
        main.get_by_label("Enhet").select_option(label="BUP-mottagningen (Region Testland)")
        main.get_by_role("button", name="Välj enhet").click()
        # The name came from the IdP's assertion.
        expect(page.get_by_role("banner")).to_contain_text("Pia Psykolog-Berg")

        page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="SIP").click()
        page.get_by_role("table").get_by_role("link", name="Alva Ek").click()
        page.get_by_role("link", name="Signera", exact=True).click()
        expect(page.get_by_label("Ditt lösenord")).to_have_count(0)
        screenshot(page, "sign-siths")
        page.get_by_role("button", name="Signera", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Er enhets del är signerad")

        page.get_by_role("banner").get_by_role("button", name="Logga ut").click()
        expect(page.get_by_role("heading", name="Logga in i samplan")).to_be_visible()
        assert idp.logged_out

    signature = SipSignature.objects.get(unit=sip.bup)
    assert (signature.user_id, signature.method) == (psychologist.pk, "smart_card")
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGIN, user=psychologist).count() == 1
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGOUT, user=psychologist).count() == 1
