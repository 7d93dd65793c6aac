"""SITHS eID through a SAML 2.0 identity provider (Inera's IdP): samplan's service provider.

djangosaml2's views (samplan.accounts.saml_views) run the exchange with pysaml2, which checks
the signature (with Debian's xmlsec1), audience, recipient, times and that samplan asked for
the answer. The rules of samplan's own live here:

- the SP configuration, built from the settings (`sp_config`);
- the refusals, each with a Swedish message and a failed-login row (`REFUSALS`,
  `refusal_record`), including what pysaml2 does not check: the authentication context
  (SITHS, not a weaker method) and replays of an assertion or of a request's answer;
- who logs in (`saml_login`): the user with the assertion's HSA-id, active, with name and
  e-mail refreshed from the assertion and the unit choice narrowed to the commissions'
  units. The session is a strong login: SIP plans are signed without a password.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import logging
import shutil
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import saml2
from defusedxml import ElementTree
from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import SPConfig
from saml2.response import (
    IncorrectlySigned,
    StatusError,
    UnsolicitedResponse,
    VerificationError,
)
from saml2.s_utils import UnsupportedBinding
from saml2.sigver import MissingKey, SignatureError, SigverError
from saml2.validate import ResponseLifetimeExceed, ToEarly

from samplan.accounts.authmethod import auth_method_record, session_auth_method
from samplan.accounts.commissions import commission_units_record
from samplan.accounts.models import LoginEventKind, SamlMessageSeen, User
from samplan.accounts.sessions import SESSION_ACTIVITY_KEY, login_event_record
from samplan.core.actor import AuthMethod
from samplan.organizations.validators import normalize_hsa_id

logger = logging.getLogger(__name__)

_PROTOCOL = "{urn:oasis:names:tc:SAML:2.0:protocol}"
_ASSERTION = "{urn:oasis:names:tc:SAML:2.0:assertion}"
# How long an assertion ID is remembered when the assertion names no end of its validity.
_SEEN_FOR = datetime.timedelta(hours=12)
# Clock difference between samplan and the IdP that is still accepted, in seconds.
ACCEPTED_TIME_DIFF = 60


def saml_enabled() -> bool:
    """True when the installation has an identity provider (its metadata is configured)."""
    return bool(settings.SAML_IDP_METADATA_FILE or settings.SAML_IDP_METADATA_URL)


def acs_url() -> str:
    return settings.SAML_SP_BASE_URL + reverse("saml2_acs")


def entity_id() -> str:
    return settings.SAML_SP_ENTITY_ID or settings.SAML_SP_BASE_URL + reverse("saml2_metadata")


def sp_config(request: HttpRequest | None = None) -> SPConfig:
    """pysaml2's configuration of samplan as a service provider (djangosaml2's loader).

    Built once per process and settings; metadata from a URL is fetched again every hour.
    """
    hour = int(time.time() // 3600) if settings.SAML_IDP_METADATA_URL else 0
    return _sp_config(
        entity_id(),
        settings.SAML_SP_BASE_URL,
        settings.SAML_IDP_METADATA_FILE,
        settings.SAML_IDP_METADATA_URL,
        settings.SAML_SP_KEY_FILE,
        settings.SAML_SP_CERT_FILE,
        settings.SAML_ALLOW_UNSOLICITED,
        tuple(_requested_attributes()),
        hour,
    )


def _requested_attributes() -> list[str]:
    return [
        settings.SAML_ATTRIBUTE_HSA_ID,
        settings.SAML_ATTRIBUTE_GIVEN_NAME,
        settings.SAML_ATTRIBUTE_SURNAME,
        settings.SAML_ATTRIBUTE_EMAIL,
        settings.SAML_ATTRIBUTE_COMMISSION_UNITS,
    ]


@lru_cache(maxsize=8)
def _sp_config(
    entityid: str,
    base_url: str,
    metadata_file: str,
    metadata_url: str,
    key_file: str,
    cert_file: str,
    allow_unsolicited: bool,
    attributes: tuple[str, ...],
    hour: int,
) -> SPConfig:
    metadata: dict = {}
    if metadata_file:
        metadata["local"] = [metadata_file]
    if metadata_url:
        metadata["remote"] = [{"url": metadata_url}]
    config = SPConfig()
    config.load(
        {
            "entityid": entityid,
            "xmlsec_binary": shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
            "allow_unknown_attributes": True,
            "accepted_time_diff": ACCEPTED_TIME_DIFF,
            "service": {
                "sp": {
                    "name": "samplan",
                    "name_id_format": [saml2.saml.NAMEID_FORMAT_TRANSIENT],
                    "endpoints": {
                        "assertion_consumer_service": [
                            (base_url + reverse("saml2_acs"), saml2.BINDING_HTTP_POST)
                        ],
                        "single_logout_service": [
                            (base_url + reverse("saml2_ls"), saml2.BINDING_HTTP_REDIRECT),
                            (base_url + reverse("saml2_ls_post"), saml2.BINDING_HTTP_POST),
                        ],
                    },
                    "allow_unsolicited": allow_unsolicited,
                    "authn_requests_signed": True,
                    "logout_requests_signed": True,
                    "logout_responses_signed": True,
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "signing_algorithm": saml2.xmldsig.SIG_RSA_SHA256,
                    "digest_algorithm": saml2.xmldsig.DIGEST_SHA256,
                    "required_attributes": list(attributes[:1]),
                    "optional_attributes": list(attributes[1:]),
                },
            },
            "metadata": metadata,
            "key_file": key_file,
            "cert_file": cert_file,
            "encryption_keypairs": [{"key_file": key_file, "cert_file": cert_file}],
        }
    )
    return config


def requested_authn_context() -> saml2.samlp.RequestedAuthnContext:
    """What samplan asks the IdP for: a login with SITHS (the required contexts)."""
    return saml2.samlp.RequestedAuthnContext(
        authn_context_class_ref=[
            saml2.saml.AuthnContextClassRef(text=ref)
            for ref in settings.SAML_REQUIRED_AUTHN_CONTEXT
        ],
        comparison="exact",
    )


# --- refusals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    message: str
    # True when the person can do something about it (ask for an account) rather than retry.
    about_account: bool = False


REFUSALS: dict[str, Refusal] = {
    "signature": Refusal(
        _(
            "The answer from the identity provider was not signed by it, so samplan did not "
            "accept it. Log in again; if it happens again, contact your IT support."
        )
    ),
    "audience": Refusal(
        _(
            "The login answer was meant for another service than samplan. Start the login "
            "from samplan's login page."
        )
    ),
    "recipient": Refusal(
        _(
            "The login answer was sent to another address than samplan's. Start the login "
            "from samplan's login page."
        )
    ),
    "expired": Refusal(_("The login answer is no longer valid (it is too old). Log in again.")),
    "replayed": Refusal(
        _(
            "This login answer has already been used, so it is not accepted again. Log in "
            "again from samplan's login page."
        )
    ),
    "unsolicited": Refusal(
        _(
            "samplan did not ask for this login. Start the login from samplan's login page "
            "with the SITHS button."
        )
    ),
    "weak_context": Refusal(
        _(
            "You did not log in with SITHS eID (your e-tjänstekort), which samplan requires. "
            "Log in again and choose SITHS eID at the identity provider."
        )
    ),
    "no_hsa_id": Refusal(
        _(
            "The identity provider did not give your HSA-id, so samplan cannot tell who you "
            "are. Contact your IT support."
        )
    ),
    "unknown_user": Refusal(
        _(
            "Your HSA-id %(hsa_id)s is not linked to an account in samplan. Ask your "
            "manager or your organisation's local administrator in samplan to order an "
            "account for you with this HSA-id."
        ),
        about_account=True,
    ),
    "inactive_user": Refusal(
        _(
            "Your account in samplan (HSA-id %(hsa_id)s) is deactivated. Ask your manager "
            "or your organisation's local administrator in samplan if you need access again."
        ),
        about_account=True,
    ),
    "idp_status": Refusal(
        _("The identity provider did not log you in. Log in again, or use another method.")
    ),
    "invalid": Refusal(
        _("samplan could not read the login answer. Log in again from samplan's login page.")
    ),
}


def refusal_message(reason: str, hsa_id: str = "") -> str:
    return str(REFUSALS[reason].message) % {"hsa_id": hsa_id or "–"}


def refusal_record(request: HttpRequest, *, reason: str, hsa_id: str = "") -> None:
    """A failed-login row for a refused SAML login, naming the user when one was found."""
    user = User.objects.filter(hsa_id=hsa_id).first() if hsa_id else None
    login_event_record(
        request,
        kind=LoginEventKind.FAILED,
        user=user,
        username=(f"SAML {reason} {hsa_id}").strip()[:150],
    )


def access_request_url(hsa_id: str) -> str | None:
    """Where a person without an account asks for one (hook for access ordering, issue 14).

    None until access ordering exists: the refusal page then says whom to contact.
    """
    return None


def failure_reason(exception: BaseException | None) -> str:
    """The refusal for what pysaml2 raised on a response it did not accept."""
    if isinstance(exception, (SignatureError, IncorrectlySigned, MissingKey, SigverError)):
        return "signature"
    if isinstance(exception, (ResponseLifetimeExceed, ToEarly)):
        return "expired"
    if isinstance(exception, UnsolicitedResponse):
        return "unsolicited"
    if isinstance(exception, VerificationError):
        text = str(exception)
        if "recipient" in text:
            return "recipient"
        if "Came from" in text:
            return "unsolicited"
    if isinstance(exception, StatusError):
        return "idp_status"
    if "AudienceRestrictions" in str(exception):
        return "audience"
    return "invalid"


@dataclass(frozen=True)
class Envelope:
    """What an unchecked SAML response says about itself. Used only to refuse (a replay,
    another audience or recipient) before or beside pysaml2's checks, never to accept."""

    destination: str = ""
    in_response_to: str = ""
    assertion_ids: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    readable: bool = True


def read_envelope(encoded: str) -> Envelope:
    try:
        root = ElementTree.fromstring(base64.b64decode(encoded, validate=False))
    except (binascii.Error, ValueError, ElementTree.ParseError):
        return Envelope(readable=False)
    except Exception:  # defusedxml refuses entities and the like: not a login answer
        return Envelope(readable=False)
    assertions = root.findall(f"{_ASSERTION}Assertion")
    return Envelope(
        destination=root.get("Destination", ""),
        in_response_to=root.get("InResponseTo", ""),
        assertion_ids=tuple(a.get("ID", "") for a in assertions if a.get("ID")),
        audiences=tuple(
            (a.text or "").strip() for a in root.iter(f"{_ASSERTION}Audience") if a.text
        ),
        recipients=tuple(
            c.get("Recipient", "")
            for c in root.iter(f"{_ASSERTION}SubjectConfirmationData")
            if c.get("Recipient")
        ),
    )


def envelope_refusal(envelope: Envelope) -> str:
    """A refusal that can be told before the signature is checked, or ''."""
    if not envelope.readable:
        return "invalid"
    if _seen(envelope):
        return "replayed"
    if envelope.destination and envelope.destination != acs_url():
        return "recipient"
    if any(recipient != acs_url() for recipient in envelope.recipients):
        return "recipient"
    if envelope.audiences and entity_id() not in envelope.audiences:
        return "audience"
    return ""


def _seen_keys(in_response_to: str, assertion_ids: tuple[str, ...]) -> list[str]:
    keys = [f"assertion:{value}" for value in assertion_ids]
    if in_response_to:
        keys.append(f"request:{in_response_to}")
    return keys


def _seen(envelope: Envelope) -> bool:
    keys = _seen_keys(envelope.in_response_to, envelope.assertion_ids)
    return bool(keys) and SamlMessageSeen.objects.filter(value__in=keys).exists()


def authn_context_ok(response: object) -> bool:
    """The login was made with one of the required authentication contexts (SITHS)."""
    required = set(settings.SAML_REQUIRED_AUTHN_CONTEXT)
    return any(info[0] in required for info in response.authn_info())


def response_mark_used(response: object) -> bool:
    """Remembers the assertion's ID and the request it answers; False if either was used.

    Runs after pysaml2 accepted the response, in one transaction, so two posts of the same
    answer at the same moment cannot both log in.
    """
    assertion = response.assertion
    keys = _seen_keys(response.in_response_to or "", (assertion.id,))
    expires = timezone.now() + _SEEN_FOR
    conditions = assertion.conditions
    if conditions is not None and conditions.not_on_or_after:
        try:
            until = datetime.datetime.fromisoformat(
                conditions.not_on_or_after.replace("Z", "+00:00")
            )
            expires = max(until, timezone.now()) + datetime.timedelta(seconds=ACCEPTED_TIME_DIFF)
        except ValueError:
            pass
    try:
        with transaction.atomic():
            SamlMessageSeen.objects.filter(expires_at__lt=timezone.now()).delete()
            SamlMessageSeen.objects.bulk_create(
                [SamlMessageSeen(value=key[:256], expires_at=expires) for key in keys]
            )
    except IntegrityError:
        return False
    return True


# --- who logs in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SamlLoginOutcome:
    user: User | None = None
    reason: str = ""
    hsa_id: str = ""


def _first(attributes: dict, name: str) -> str:
    values = attributes.get(name) or []
    return str(values[0]).strip() if values else ""


def _hsa_id(value: str) -> str:
    try:
        return normalize_hsa_id(value)
    except ValidationError:
        return value.strip().upper()[:31]


def saml_login(request: HttpRequest, *, attributes: dict) -> SamlLoginOutcome:
    """Logs in the active user with the assertion's HSA-id, refreshing name and e-mail.

    `attributes` are the assertion's attributes by name (pysaml2's `ava`), already checked.
    The session records a strong login and, when the assertion names the units of the
    person's commissions, which of the user's units they may choose.
    """
    raw = _first(attributes, settings.SAML_ATTRIBUTE_HSA_ID)
    if not raw:
        return SamlLoginOutcome(reason="no_hsa_id")
    hsa_id = _hsa_id(raw)
    user = User.objects.filter(hsa_id=hsa_id).first()
    if user is None:
        return SamlLoginOutcome(reason="unknown_user", hsa_id=hsa_id)
    if not user.is_active:
        return SamlLoginOutcome(reason="inactive_user", hsa_id=hsa_id)
    refreshed = {
        field: value
        for field, value in (
            ("first_name", _first(attributes, settings.SAML_ATTRIBUTE_GIVEN_NAME)[:150]),
            ("last_name", _first(attributes, settings.SAML_ATTRIBUTE_SURNAME)[:150]),
            ("email", _first(attributes, settings.SAML_ATTRIBUTE_EMAIL)[:254]),
        )
        if value and getattr(user, field) != value
    }
    with transaction.atomic():
        if refreshed:
            User.objects.filter(pk=user.pk).update(**refreshed)
            for field, value in refreshed.items():
                setattr(user, field, value)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_ACTIVITY_KEY] = int(timezone.now().timestamp())
        auth_method_record(request, AuthMethod.SAML)
        if settings.SAML_ATTRIBUTE_COMMISSION_UNITS in attributes:
            unit_hsa_ids = {
                _hsa_id(str(value))
                for value in attributes[settings.SAML_ATTRIBUTE_COMMISSION_UNITS]
                if str(value).strip()
            }
            commission_units_record(request, user=user, unit_hsa_ids=unit_hsa_ids)
        login_event_record(request, kind=LoginEventKind.LOGIN, user=user)
    return SamlLoginOutcome(user=user, hsa_id=hsa_id)


def session_is_saml(request: HttpRequest) -> bool:
    return session_auth_method(request) == AuthMethod.SAML


def idp_form_origins() -> list[str]:
    """The origins of the identity provider's logout endpoints. Logga ut is a form whose
    answer redirects there (single logout), and a page's CSP form-action also governs where
    its forms' redirects may lead, so pages of a SAML session allow these origins. Read once
    per loaded configuration (sp_config() keeps one per settings, metadata URLs hourly)."""
    global _origins_cache
    try:
        config = sp_config()
    except Exception:  # metadata unreadable now: no extra origin, logout stays local
        logger.warning("The IdP's metadata could not be read for its logout endpoints.")
        return []
    if _origins_cache is not None and _origins_cache[0] is config:
        return _origins_cache[1]
    origins: set[str] = set()
    metadata = config.metadata
    for idp in metadata.identity_providers():
        for binding in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST):
            try:
                endpoints = metadata.single_logout_service(idp, binding, "idpsso")
            except UnsupportedBinding:  # the IdP offers logout on the other binding only
                continue
            for endpoint in endpoints:
                parts = urlsplit(endpoint.get("location", ""))
                if parts.scheme in ("http", "https") and parts.netloc:
                    origins.add(f"{parts.scheme}://{parts.netloc}")
    _origins_cache = (config, sorted(origins))
    return _origins_cache[1]


_origins_cache: tuple[SPConfig, list[str]] | None = None
