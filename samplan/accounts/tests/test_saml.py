"""SITHS eID through the identity provider: metadata, login by HSA-id, the refusals (each with a
Swedish page and a failed-login row), commissions, single logout both ways, and organisations
that require SITHS. The IdP is pysaml2's, with keys made at test time (saml_idp.py)."""

from __future__ import annotations

import base64
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from djangosaml2.views import _get_subject_id

from samplan.accounts.authmethod import SESSION_AUTH_METHOD_KEY
from samplan.accounts.models import LoginEvent, LoginEventKind, User
from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.accounts.tests.saml_idp import (
    GIVEN,
    HSA,
    LOA3,
    MAIL,
    OTHER_SP,
    PASSWORD_CONTEXT,
    SURNAME,
    UNITS,
    IdentityProvider,
    make_keys,
)
from samplan.core.actor import AuthMethod
from samplan.organizations.models import Organization, Unit
from samplan.testing import TEST_PASSWORD

ACS = "/saml2/acs/"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
LOGIN = reverse("accounts:login")


@pytest.fixture(scope="session")
def saml_keys(tmp_path_factory):
    return make_keys(tmp_path_factory.mktemp("saml"))


@pytest.fixture(scope="session")
def test_idp(saml_keys):
    return IdentityProvider(saml_keys, "http://idp.test", "http://testserver")


@pytest.fixture
def idp(test_idp, settings, db):
    return test_idp.configure(settings)


@pytest.fixture
def nurse(cast):
    """The ward nurse, with an HSA-id, as the IdP knows her."""
    hsa_id = f"SE{cast.region.org_number}-AVD1"
    User.objects.filter(pk=cast.ward_nurse.pk).update(hsa_id=hsa_id)
    cast.ward_nurse.refresh_from_db()
    return cast.ward_nurse


def person(user, **extra) -> dict[str, list[str]]:
    return {
        HSA: [user.hsa_id],
        GIVEN: ["Anna"],
        SURNAME: ["Avdelningsson"],
        MAIL: ["anna.avd@region.example"],
        **extra,
    }


def start(client, idp, next_path: str = "") -> str:
    """Clicks the SITHS button: samplan redirects to the IdP; returns the request's ID."""
    response = client.get(reverse("saml2_login") + (f"?next={next_path}" if next_path else ""))
    assert response.status_code == 302 and response["Location"].startswith(idp.base_url)
    return idp.request_id(response["Location"])


def failed_rows() -> int:
    return LoginEvent.objects.filter(kind=LoginEventKind.FAILED).count()


# --- configuration and the login page --------------------------------------------------------


def test_everything_is_off_without_an_identity_provider(client, cast):
    for name in ("saml2_login", "saml2_metadata", "saml2_acs", "saml2_ls"):
        assert client.get(reverse(name)).status_code == 404
    assert "SITHS eID" not in client.get(LOGIN).content.decode()


def test_metadata_for_registering_samplan_at_the_idp(client, idp, saml_keys):
    response = client.get("/saml2/metadata/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    xml = response.content.decode()
    assert 'entityID="http://testserver/saml2/metadata/"' in xml
    assert 'Location="http://testserver/saml2/acs/"' in xml
    assert 'Location="http://testserver/saml2/ls/"' in xml
    assert 'AuthnRequestsSigned="true"' in xml and 'WantAssertionsSigned="true"' in xml
    # The signing certificate, without its PEM armour, and the attributes asked for.
    body = "".join(saml_keys.sp_cert.read_text().splitlines()[1:-1])
    assert body in xml.replace("\n", "")
    assert HSA in xml


def test_login_page_offers_siths_when_the_idp_is_configured(client, idp):
    page = client.get(LOGIN + "?next=/sip/").content.decode()
    assert "Logga in med SITHS eID / e-tjänstekort" in page
    assert 'href="/saml2/login/?next=/sip/"' in page


def test_the_request_is_signed_and_asks_for_siths(client, idp):
    response = client.get(reverse("saml2_login"))
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["SigAlg"] and query["Signature"]
    request_xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode()
    assert LOA3 in request_xml and "RequestedAuthnContext" in request_xml


# --- who logs in -------------------------------------------------------------------------------


def test_siths_login_by_hsa_id_refreshes_name_and_email_and_is_strong(client, idp, nurse):
    request_id = start(client, idp)
    answer = idp.response(identity=person(nurse), in_response_to=request_id)
    response = client.post(ACS, {"SAMLResponse": answer, "RelayState": "/"})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == nurse.pk
    assert client.session[SESSION_AUTH_METHOD_KEY] == AuthMethod.SAML
    nurse.refresh_from_db()
    assert (nurse.first_name, nurse.last_name, nurse.email) == (
        "Anna",
        "Avdelningsson",
        "anna.avd@region.example",
    )
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGIN, user=nurse).count() == 1
    # The nurse has one unit: choosing it is done for her.
    response = client.get(reverse("accounts:choose_unit"))
    assert response.status_code == 302
    assert client.session[SESSION_UNIT_KEY] == nurse.memberships.get().unit_id


def test_hsa_id_is_matched_in_upper_case(client, idp, nurse):
    request_id = start(client, idp)
    identity = person(nurse, **{HSA: [nurse.hsa_id.lower()]})
    client.post(ACS, {"SAMLResponse": idp.response(identity=identity, in_response_to=request_id)})
    assert int(client.session["_auth_user_id"]) == nurse.pk


def test_a_user_has_at_most_one_hsa_id_and_it_is_unique(cast, nurse):
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=cast.care_centre_nurse.pk).update(hsa_id=nurse.hsa_id)


def test_users_without_hsa_id_are_many(cast):
    assert User.objects.filter(hsa_id="").count() > 2


def test_commissions_narrow_the_unit_choice(client, idp, cast):
    user = cast.two_unit_user
    User.objects.filter(pk=user.pk).update(hsa_id=f"SE{cast.region.org_number}-TVA")
    user.refresh_from_db()
    # The ward lies under the hospital; the commission names the hospital's HSA-id.
    Unit.objects.filter(pk=cast.hospital.pk).update(hsa_id=f"SE{cast.region.org_number}-SJH")
    request_id = start(client, idp)
    identity = person(user, **{UNITS: [f"SE{cast.region.org_number}-SJH"]})
    client.post(ACS, {"SAMLResponse": idp.response(identity=identity, in_response_to=request_id)})
    # Two memberships, but only the ward is under a commission: it is chosen at once.
    response = client.get(reverse("accounts:choose_unit"))
    assert response.status_code == 302
    assert client.session[SESSION_UNIT_KEY] == cast.ward.pk
    # The other unit cannot be switched to either.
    client.post(reverse("accounts:switch_unit"), {"unit": cast.care_centre.pk})
    assert client.session[SESSION_UNIT_KEY] == cast.ward.pk


def test_commissions_for_none_of_the_units_say_so(client, idp, nurse):
    request_id = start(client, idp)
    identity = person(nurse, **{UNITS: ["SE2321000016-ANNAN"]})
    client.post(ACS, {"SAMLResponse": idp.response(identity=identity, in_response_to=request_id)})
    response = client.get(reverse("accounts:choose_unit"))
    assert response.status_code == 403
    assert "medarbetaruppdrag" in response.content.decode()


def test_without_commissions_every_unit_can_be_chosen(client, idp, cast):
    user = cast.two_unit_user
    User.objects.filter(pk=user.pk).update(hsa_id=f"SE{cast.region.org_number}-TVA")
    user.refresh_from_db()
    request_id = start(client, idp)
    client.post(
        ACS, {"SAMLResponse": idp.response(identity=person(user), in_response_to=request_id)}
    )
    page = client.get(reverse("accounts:choose_unit")).content.decode()
    assert cast.ward.name in page and cast.care_centre.name in page


# --- refusals ------------------------------------------------------------------------------------


def assert_refused(response, text: str, before: int) -> None:
    page = response.content.decode()
    assert response.status_code == 403, page[:500]
    assert text in page, page
    assert "_auth_user_id" not in response.wsgi_request.session
    assert failed_rows() == before + 1


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"signed": False}, "inte signerat av den"),
        ({"rogue": True}, "inte signerat av den"),
        ({"audience": OTHER_SP}, "avsett för en annan tjänst"),
        ({"destination": "https://annan.example/saml2/acs/"}, "till en annan adress"),
        ({"context": PASSWORD_CONTEXT}, "loggade inte in med SITHS eID"),
    ],
    ids=["unsigned", "wrongly-signed", "audience", "recipient", "weaker-context"],
)
def test_bad_answers_are_refused(client, idp, nurse, change, text):
    request_id = start(client, idp)
    before = failed_rows()
    answer = idp.response(identity=person(nurse), in_response_to=request_id, **change)
    assert_refused(client.post(ACS, {"SAMLResponse": answer}), text, before)


def test_a_tampered_answer_is_refused(client, idp, nurse, cast):
    request_id = start(client, idp)
    before = failed_rows()
    answer = base64.b64decode(idp.response(identity=person(nurse), in_response_to=request_id))
    other = f"SE{cast.region.org_number}-ROOT".encode()
    forged = base64.b64encode(answer.replace(nurse.hsa_id.encode(), other)).decode()
    assert_refused(client.post(ACS, {"SAMLResponse": forged}), "inte signerat av den", before)


def test_an_expired_answer_is_refused(client, idp, nurse):
    request_id = start(client, idp)
    answer = idp.response(identity=person(nurse), in_response_to=request_id)
    before = failed_rows()
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=30)):
        response = client.post(ACS, {"SAMLResponse": answer})
    assert_refused(response, "inte längre giltigt", before)


def test_a_replayed_answer_is_refused(client, idp, nurse):
    request_id = start(client, idp)
    answer = idp.response(identity=person(nurse), in_response_to=request_id)
    assert client.post(ACS, {"SAMLResponse": answer}).status_code == 302
    client.post(reverse("accounts:logout"))
    before = failed_rows()
    assert_refused(client.post(ACS, {"SAMLResponse": answer}), "redan använts", before)


def test_a_second_answer_to_the_same_request_is_refused(client, idp, nurse):
    request_id = start(client, idp)
    first = idp.response(identity=person(nurse), in_response_to=request_id)
    assert client.post(ACS, {"SAMLResponse": first}).status_code == 302
    client.post(reverse("accounts:logout"))
    # A new assertion (new ID) that answers the same, already answered, request.
    second = idp.response(identity=person(nurse), in_response_to=request_id)
    before = failed_rows()
    assert_refused(client.post(ACS, {"SAMLResponse": second}), "redan använts", before)


def test_an_unsolicited_answer_is_refused_unless_allowed(client, idp, nurse, settings):
    before = failed_rows()
    answer = idp.response(identity=person(nurse), in_response_to=None)
    assert_refused(client.post(ACS, {"SAMLResponse": answer}), "inte om denna inloggning", before)
    # An answer to a request made in another browser is just as unsolicited here.
    other_request = start(type(client)(), idp)
    answer = idp.response(identity=person(nurse), in_response_to=other_request)
    assert_refused(
        client.post(ACS, {"SAMLResponse": answer}), "inte om denna inloggning", before + 1
    )
    settings.SAML_ALLOW_UNSOLICITED = True
    answer = idp.response(identity=person(nurse), in_response_to=None)
    assert client.post(ACS, {"SAMLResponse": answer}).status_code == 302
    assert int(client.session["_auth_user_id"]) == nurse.pk
    # Allowed, but still only once.
    client.post(reverse("accounts:logout"))
    assert_refused(client.post(ACS, {"SAMLResponse": answer}), "redan använts", before + 2)


def test_an_unknown_hsa_id_gets_a_page_that_says_what_to_do(client, idp, cast):
    request_id = start(client, idp)
    before = failed_rows()
    identity = {HSA: [f"SE{cast.region.org_number}-NY01"], GIVEN: ["Ny"], SURNAME: ["Person"]}
    response = client.post(
        ACS, {"SAMLResponse": idp.response(identity=identity, in_response_to=request_id)}
    )
    assert_refused(response, f"SE{cast.region.org_number}-NY01 är inte kopplat", before)
    assert "lokala administratör" in response.content.decode()
    event = LoginEvent.objects.get(kind=LoginEventKind.FAILED)
    assert "unknown_user" in event.username and event.user is None


def test_a_deactivated_user_is_refused(client, idp, nurse):
    User.objects.filter(pk=nurse.pk).update(is_active=False)
    request_id = start(client, idp)
    before = failed_rows()
    response = client.post(
        ACS, {"SAMLResponse": idp.response(identity=person(nurse), in_response_to=request_id)}
    )
    assert_refused(response, "är inaktiverat", before)
    assert LoginEvent.objects.get(kind=LoginEventKind.FAILED).user == nurse


def test_an_answer_without_hsa_id_or_garbage_is_refused(client, idp, nurse):
    request_id = start(client, idp)
    before = failed_rows()
    answer = idp.response(identity={GIVEN: ["Anna"]}, in_response_to=request_id)
    assert_refused(client.post(ACS, {"SAMLResponse": answer}), "gav inte ditt HSA-id", before)
    assert_refused(
        client.post(ACS, {"SAMLResponse": "bm90IHhtbA=="}), "kunde inte läsa", before + 1
    )
    assert_refused(client.post(ACS, {}), "kunde inte läsa", before + 2)


# --- logout ------------------------------------------------------------------------------------


def saml_login(client, idp, user) -> None:
    request_id = start(client, idp)
    answer = idp.response(identity=person(user), in_response_to=request_id)
    assert client.post(ACS, {"SAMLResponse": answer}).status_code == 302


def test_logging_out_ends_the_idp_session_too(client, idp, nurse):
    saml_login(client, idp, nurse)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{idp.base_url}/slo/redirect?SAMLRequest=")
    assert "_auth_user_id" not in client.session
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGOUT, user=nurse).count() == 1
    # The IdP ends its session and sends the browser back: on to samplan's login page.
    query = parse_qs(urlsplit(location).query)
    request = idp.server.parse_logout_request(query["SAMLRequest"][0], REDIRECT)
    logout_response = idp.server.create_logout_response(request.message, [REDIRECT])
    info = idp.server.apply_binding(
        REDIRECT,
        str(logout_response),
        "http://testserver/saml2/ls/",
        response=True,
        sign=True,
    )
    back = dict(info["headers"])["Location"].removeprefix("http://testserver")
    response = client.get(back)
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_a_logout_sent_by_the_idp_ends_the_samplan_session(client, idp, nurse):
    saml_login(client, idp, nurse)
    name_id = _get_subject_id(client.session.__class__(client.cookies["samplan_saml"].value))
    response = client.get(idp.logout_request(name_id).removeprefix("http://testserver"))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{idp.base_url}/slo/redirect?SAMLResponse=")
    assert "_auth_user_id" not in client.session
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGOUT, user=nurse).count() == 1
    assert client.get(reverse("accounts:my_account")).status_code == 302


@pytest.mark.parametrize(
    "query", ["", "?SAMLRequest=inte-saml", "?SAMLResponse=inte-saml", "?SAMLRequest=bm90IHhtbA=="]
)
def test_a_garbled_logout_message_gets_a_swedish_page(client, idp, nurse, query):
    saml_login(client, idp, nurse)
    response = client.get("/saml2/ls/" + query)
    assert response.status_code in (400, 403)
    assert "identitetsutfärdaren" in response.content.decode()


def test_a_password_session_logs_out_locally(client, idp, cast):
    client.post(LOGIN, {"username": "avdssk", "password": TEST_PASSWORD})
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN


# --- organisations that require SITHS ------------------------------------------------------------


def test_an_organisation_can_require_siths(client, idp, nurse, cast):
    Organization.objects.filter(pk=cast.region.pk).update(require_siths=True)
    response = client.post(LOGIN, {"username": "avdssk", "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "kräver inloggning med SITHS eID" in response.content.decode()
    assert LoginEvent.objects.filter(kind=LoginEventKind.FAILED, user=nurse).count() == 1
    # Other organisations' users still log in with a password.
    client.post(LOGIN, {"username": cast.home_care_nurse.username, "password": TEST_PASSWORD})
    assert int(client.session["_auth_user_id"]) == cast.home_care_nurse.pk
    client.post(reverse("accounts:logout"))
    # SITHS through the IdP works.
    saml_login(client, idp, nurse)
    assert int(client.session["_auth_user_id"]) == nurse.pk
