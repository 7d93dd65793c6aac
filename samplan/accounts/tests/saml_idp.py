"""A SAML identity provider for the tests, built with pysaml2, with keys made at test time.

It plays Inera's IdP: it signs assertions with its own key, names the person by HSA-id with
Sambi's attribute names, and says how the person logged in (SITHS: Sambi's LoA 3). The tests
use it in two ways: in-process, to make answers (good and bad) that they post to samplan's
/saml2/acs/, and as a small web server on a free port for the browser journey.
"""

from __future__ import annotations

import base64
import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import saml2
from django.test import override_settings
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT
from saml2.server import Server

from samplan.accounts import saml
from samplan.accounts.tests import pki

LOA3 = "http://id.sambi.se/loa/loa3"
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
HSA = "http://sambi.se/attributes/1/employeeHsaId"
GIVEN = "http://sambi.se/attributes/1/givenName"
SURNAME = "http://sambi.se/attributes/1/surname"
MAIL = "http://sambi.se/attributes/1/mail"
UNITS = "http://sambi.se/attributes/1/healthCareUnitHsaId"
# Another service provider registered at the same IdP: its assertions are not for samplan.
OTHER_SP = "https://annan.example/sp"


@dataclass
class Keys:
    """Everything made once per test session: the SP's and two IdPs' key pairs."""

    folder: Path
    sp_key: Path
    sp_cert: Path
    idp_key: Path
    idp_cert: Path
    rogue_key: Path  # another key that claims to be the IdP
    rogue_cert: Path


def make_keys(folder: Path) -> Keys:
    sp_key, sp_cert = pki.self_signed("samplan SP").write(folder, "sp")
    idp_key, idp_cert = pki.self_signed("Test IdP").write(folder, "idp")
    rogue_key, rogue_cert = pki.self_signed("Test IdP").write(folder, "rogue")
    return Keys(folder, sp_key, sp_cert, idp_key, idp_cert, rogue_key, rogue_cert)


def _idp_config(
    base_url: str, key: Path, cert: Path, sp_metadata: list[Path], entityid: str
) -> IdPConfig:
    config = IdPConfig()
    config.load(
        {
            "entityid": entityid,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "service": {
                "idp": {
                    "name": "Test IdP",
                    "endpoints": {
                        "single_sign_on_service": [
                            (f"{base_url}/sso/redirect", saml2.BINDING_HTTP_REDIRECT)
                        ],
                        "single_logout_service": [
                            (f"{base_url}/slo/redirect", saml2.BINDING_HTTP_REDIRECT)
                        ],
                    },
                    "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 5},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                }
            },
            "metadata": {"local": [str(path) for path in sp_metadata]} if sp_metadata else {},
            "key_file": str(key),
            "cert_file": str(cert),
        }
    )
    return config


class IdentityProvider:
    """The IdP at `base_url`, which knows samplan at `sp_base_url`.

    Built once per test session (loading pysaml2's configurations takes about a second);
    `configure(settings)` points each test's settings at it.
    """

    def __init__(self, keys: Keys, base_url: str, sp_base_url: str) -> None:
        self.keys = keys
        self.base_url = base_url
        self.sp_base_url = sp_base_url
        self.entityid = f"{base_url}/idp/metadata"
        folder = keys.folder
        # 1. The IdP's metadata, for samplan.
        self.metadata = folder / f"idp-{urlsplit(base_url).port}.xml"
        bare = _idp_config(base_url, keys.idp_key, keys.idp_cert, [], self.entityid)
        self.metadata.write_text(str(entity_descriptor(bare)))
        # 2. samplan's metadata, as it publishes it, for the IdP.
        sp_metadata = folder / f"sp-{urlsplit(base_url).port}.xml"
        other_metadata = folder / f"other-sp-{urlsplit(base_url).port}.xml"
        with override_settings(**self.settings()):
            sp_metadata.write_text(str(entity_descriptor(saml.sp_config())))
            other_metadata.write_text(sp_metadata.read_text().replace(saml.entity_id(), OTHER_SP))
        known = [sp_metadata, other_metadata]
        self.server = Server(
            config=_idp_config(base_url, keys.idp_key, keys.idp_cert, known, self.entityid)
        )
        self.rogue = Server(
            config=_idp_config(base_url, keys.rogue_key, keys.rogue_cert, known, self.entityid)
        )
        # The person who "inserts the card" at the IdP in the browser journey.
        self.person: dict[str, list[str]] = {}
        self.context = LOA3

    def settings(self) -> dict[str, str]:
        return {
            "SAML_IDP_METADATA_FILE": str(self.metadata),
            "SAML_SP_BASE_URL": self.sp_base_url,
            "SAML_SP_KEY_FILE": str(self.keys.sp_key),
            "SAML_SP_CERT_FILE": str(self.keys.sp_cert),
        }

    def configure(self, settings: Any) -> IdentityProvider:
        for name, value in self.settings().items():
            setattr(settings, name, value)
        self.person, self.context, self.logged_out = {}, LOA3, False
        return self

    # --- answers -----------------------------------------------------------------------------

    def response(
        self,
        *,
        identity: dict[str, list[str]],
        in_response_to: str | None,
        context: str = LOA3,
        destination: str | None = None,
        audience: str | None = None,
        signed: bool = True,
        rogue: bool = False,
    ) -> str:
        """A base64 SAMLResponse as the IdP posts it to samplan's ACS."""
        server = self.rogue if rogue else self.server
        response = server.create_authn_response(
            identity=identity,
            in_response_to=in_response_to,
            destination=destination or saml.acs_url(),
            sp_entity_id=audience or saml.entity_id(),
            userid=identity.get(HSA, ["x"])[0],
            authn={"class_ref": context, "authn_auth": self.entityid},
            sign_assertion=signed,
            sign_response=False,
        )
        return base64.b64encode(str(response).encode()).decode()

    def request_id(self, location: str) -> str:
        """The ID of the AuthnRequest that samplan's redirect to the IdP carries."""
        query = parse_qs(urlsplit(location).query)
        request = self.server.parse_authn_request(
            query["SAMLRequest"][0], saml2.BINDING_HTTP_REDIRECT
        )
        return request.message.id

    def logout_request(self, name_id: Any) -> str:
        """The IdP's own logout request (the person logged out elsewhere), as a URL."""
        destination = saml.settings.SAML_SP_BASE_URL + "/saml2/ls/"
        _, request = self.server.create_logout_request(
            destination=destination,
            issuer_entity_id=saml.entity_id(),
            name_id=name_id,
            sign=False,
        )
        info = self.server.apply_binding(
            saml2.BINDING_HTTP_REDIRECT, str(request), destination, sign=True
        )
        return dict(info["headers"])["Location"]

    # --- the web server for the browser --------------------------------------------------------

    def __call__(self, environ: dict, start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/sso/redirect":
            return self._sso(query, start_response)
        if path == "/slo/redirect":
            return self._slo(query, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def _sso(self, query: dict, start_response: Any) -> list[bytes]:
        request = self.server.parse_authn_request(
            query["SAMLRequest"][0], saml2.BINDING_HTTP_REDIRECT
        )
        answer = self.response(
            identity=self.person, in_response_to=request.message.id, context=self.context
        )
        relay = query.get("RelayState", [""])[0]
        page = (
            "<!doctype html><html lang='sv'><head><meta charset='utf-8'>"
            "<title>Test-IdP</title></head><body onload='document.forms[0].submit()'>"
            f"<form method='post' action='{html.escape(saml.acs_url())}'>"
            f"<input type='hidden' name='SAMLResponse' value='{answer}'>"
            f"<input type='hidden' name='RelayState' value='{html.escape(relay)}'>"
            "<button type='submit'>Fortsätt</button></form></body></html>"
        )
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page.encode()]

    def _slo(self, query: dict, start_response: Any) -> list[bytes]:
        request = self.server.parse_logout_request(
            query["SAMLRequest"][0], saml2.BINDING_HTTP_REDIRECT
        )
        self.logged_out = True
        response = self.server.create_logout_response(
            request.message, [saml2.BINDING_HTTP_REDIRECT]
        )
        info = self.server.apply_binding(
            saml2.BINDING_HTTP_REDIRECT,
            str(response),
            saml.settings.SAML_SP_BASE_URL + "/saml2/ls/",
            query.get("RelayState", [""])[0],
            response=True,
            sign=True,
        )
        start_response("302 Found", [("Location", dict(info["headers"])["Location"])])
        return [b""]

    logged_out = False


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serving(idp: IdentityProvider, port: int) -> Iterator[WSGIServer]:
    server = make_server("127.0.0.1", port, idp, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
