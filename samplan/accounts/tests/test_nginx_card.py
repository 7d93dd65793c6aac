"""The client-certificate route through Debian's nginx with the shipped deploy/nginx.conf.

nginx runs on a free port with the shipped site configuration, changed only in its ports and
paths, a TLS server certificate and a SITHS test CA made at test time. It shows that a valid
card logs in through nginx, a card from another CA is refused, card headers sent straight to
the app server are ignored, and that taking the card out ends the session.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings as django_settings

from samplan.accounts.models import LoginEvent, LoginEventKind, LoginMethod, User
from samplan.accounts.tests import pki
from samplan.testing import TEST_PASSWORD, build_cast

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE_CONF = Path(django_settings.BASE_DIR) / "deploy" / "nginx.conf"
PROXY_SECRET = secrets.token_urlsafe(32)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Proxy:
    port: int
    folder: Path
    server_ca: Path
    cards: dict[str, tuple[Path, Path]] = field(default_factory=dict)


def site_config(*, port: int, app: str, folder: Path) -> str:
    """The shipped deploy/nginx.conf with this test's ports and paths, nothing else."""
    text = SITE_CONF.read_text()
    replacements = {
        "listen 443 ssl": f"listen 127.0.0.1:{port} ssl",
        "server 127.0.0.1:8001;": f"server {app};",
        "/etc/ssl/samplan/fullchain.pem": str(folder / "server.pem"),
        "/etc/ssl/samplan/privkey.pem": str(folder / "server.key"),
        "/etc/ssl/siths/siths-ca-chain.pem": str(folder / "siths-ca.pem"),
        "/srv/samplan/staticfiles/": str(folder / "static") + "/",
        "/etc/samplan/nginx-proxy-secret.conf": str(folder / "proxy-secret.conf"),
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx.conf no longer has {old!r}; update this test"
        text = text.replace(old, new)
    return text


def main_config(folder: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {name}_temp_path {folder / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp}\n"
        f"    include {folder / 'site.conf'};\n}}\n"
    )


@pytest.fixture(scope="module")
def proxy(live_server, tmp_path_factory) -> Iterator[Proxy]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing; `make install` installs Debian's nginx.")
    folder = tmp_path_factory.mktemp("nginx")
    (folder / "static").mkdir()
    server_ca = pki.make_ca("samplan test server CA")
    pki.issue(server_ca, "localhost", server=True).write(folder, "server")
    (folder / "server-ca.pem").write_bytes(server_ca.cert_pem)
    siths_ca = pki.make_ca("Test SITHS e-id CA")
    (folder / "siths-ca.pem").write_bytes(siths_ca.cert_pem)
    other_ca = pki.make_ca("Another CA")
    (folder / "proxy-secret.conf").write_text(
        f'proxy_set_header X-Samplan-Proxy-Secret "{PROXY_SECRET}";\n'
    )
    port = _free_port()
    app = urlsplit(live_server.url).netloc
    (folder / "site.conf").write_text(site_config(port=port, app=app, folder=folder))
    (folder / "nginx.conf").write_text(main_config(folder))
    result = Proxy(port=port, folder=folder, server_ca=folder / "server-ca.pem")
    card = pki.issue(siths_ca, "Anna Avd", serial_number="SE2321000065-1001")
    result.cards["valid"] = card.write(folder, "card")
    foreign = pki.issue(other_ca, "Anna Avd", serial_number="SE2321000065-1001")
    result.cards["foreign"] = foreign.write(folder, "foreign-card")

    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while True:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"nginx did not start:\n{output}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("nginx did not listen within 10 s")
            time.sleep(0.05)
    try:
        yield result
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def _card_login_behind_nginx(settings):
    settings.SMART_CARD_LOGIN = True
    settings.SMART_CARD_PROXY_SECRET = PROXY_SECRET
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]


class Browser:
    """A client that keeps cookies and opens a new TLS connection per request, with or
    without the card (a card taken out of the reader sends no certificate next time)."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, *, card: str | None, form: dict | None = None
    ) -> tuple[int, dict[str, str], str]:
        context = ssl.create_default_context(cafile=str(self.proxy.server_ca))
        if card is not None:
            key, cert = self.proxy.cards[card]
            context.load_cert_chain(certfile=str(cert), keyfile=str(key))
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.proxy.port, context=context, timeout=20
        )
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return response.status, dict(response.headers), text
        finally:
            connection.close()


def card_user(cast) -> User:
    User.objects.filter(pk=cast.ward_nurse.pk).update(login_method=LoginMethod.SMART_CARD)
    return User.objects.get(pk=cast.ward_nurse.pk)


def convert_through_nginx(proxy: Proxy, cast) -> Browser:
    browser = Browser(proxy)
    status, _, page = browser.request("GET", "/konto/kort/", card="valid")
    assert status == 200, page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, headers, _ = browser.request(
        "POST",
        "/konto/kort/",
        card="valid",
        form={
            "csrfmiddlewaretoken": token,
            "organization": cast.region.pk,
            "username": "avdssk",
            "password": TEST_PASSWORD,
        },
    )
    assert status == 302 and headers["Location"].startswith("/konto/valj-enhet/")
    return browser


def test_a_valid_card_logs_in_through_nginx_and_taking_it_out_ends_the_session(proxy):
    cast = build_cast()
    user = card_user(cast)
    browser = convert_through_nginx(proxy, cast)
    user.refresh_from_db()
    # nginx passed the verified certificate's subject; the card is now bound to the account.
    assert "CN=Anna Avd" in user.card_subject and user.card_converted_at is not None
    assert browser.request("GET", "/konto/mitt-konto/", card="valid")[0] == 200

    # The next day: the card alone logs in, through a new connection, without a password.
    browser = Browser(proxy)
    status, headers, _ = browser.request("GET", "/konto/kort/", card="valid")
    assert status == 302 and "sessionid" in browser.cookies
    assert browser.request("GET", "/konto/mitt-konto/", card="valid")[0] == 200
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGIN, user=user).count() == 2

    # The card is taken out: the next request carries no certificate and the session ends.
    status, headers, _ = browser.request("GET", "/konto/mitt-konto/", card=None)
    assert status == 302 and headers["Location"].startswith("/konto/logga-in/")
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGOUT, user=user).exists()
    # Putting it back does not bring the old session back.
    status, headers, _ = browser.request("GET", "/konto/mitt-konto/", card="valid")
    assert status == 302 and headers["Location"].startswith("/konto/logga-in/")


def test_a_card_from_another_ca_is_refused(proxy):
    cast = build_cast()
    user = card_user(cast)
    convert_through_nginx(proxy, cast)
    user.refresh_from_db()
    before = LoginEvent.objects.filter(kind=LoginEventKind.LOGIN).count()
    browser = Browser(proxy)
    # Same name and serial number as the bound card, but not issued by the SITHS CA.
    status, _, page = browser.request("GET", "/konto/kort/", card="foreign")
    assert status == 400 and "SSL certificate" in page
    assert "sessionid" not in browser.cookies
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGIN).count() == before


def test_card_headers_sent_straight_to_the_app_server_are_ignored(proxy, live_server):
    cast = build_cast()
    user = card_user(cast)
    convert_through_nginx(proxy, cast)
    user.refresh_from_db()
    address = urlsplit(live_server.url)
    forged = {
        "X-SSL-Client-Verify": "SUCCESS",
        "X-SSL-Client-S-DN": user.card_subject,
    }
    for extra in ({}, {"X-Samplan-Proxy-Secret": "guessed-" + "x" * 32}):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=20)
        connection.request("GET", "/konto/kort/", headers={**forged, **extra})
        response = connection.getresponse()
        assert response.status == 403
        assert "sessionid" not in (response.headers.get("Set-Cookie") or "")
        connection.close()
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGIN, user=user).count() == 1
