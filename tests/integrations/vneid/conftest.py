"""The local VNeID provider on a free port in a thread, and a helper that walks a person through it over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from motcua.integrations.vneid import client as oidc
from motcua.integrations.vneid.provider import Provider, make_server

CLIENT_ID = "motcua-test"
SECRET = "bí-mật-của-ứng-dụng-0123"
HOA = "040190001234"  # Nguyễn Thị Hoa, the demo data set's congdan
MINH = "040085004321"  # Trần Văn Minh: no motcua account until he signs in


@pytest.fixture(scope="module")
def provider_server() -> Iterator[Provider]:
    app = Provider(issuer="http://127.0.0.1:0", client_id=CLIENT_ID, client_secret=SECRET)
    server = make_server(app, "127.0.0.1", 0, quiet=True)
    app.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    server.server_close()


@pytest.fixture
def provider(provider_server, settings) -> Provider:
    """The provider, configured as motcua's VNeID, with nothing tampered and no cached discovery."""
    settings.OIDC_ISSUER = provider_server.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = SECRET
    settings.OIDC_ID_CLAIM = "sub"
    provider_server.tamper = {}
    provider_server.auth_methods = ("client_secret_basic", "client_secret_post")
    provider_server.token_requests.clear()
    key = provider_server.key
    oidc.forget()
    yield provider_server
    oidc.forget()
    provider_server.key, provider_server.retired = key, []


def authorize(browser: Client, next_url: str | None = None):
    """GET /dang-nhap/vneid/: the redirect to the provider, and the authorization request's parameters."""
    r = browser.get("/dang-nhap/vneid/", {"next": next_url} if next_url else {})
    assert r.status_code == 302, r.content[:500]
    location = r["Location"]
    return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def consent(location: str, params: dict[str, str], person: str = HOA, action: str = "consent") -> str:
    """The person's choice on the provider's page; returns the provider's redirect back to motcua."""
    page = requests.get(location, timeout=10)
    assert page.status_code == 200 and f'id="citizen-{HOA}"' in page.text
    form = dict(params, action=action)
    if action == "consent":
        form["citizen"] = person
    r = requests.post(location.split("?")[0], data=form, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:500]
    return r.headers["Location"]


def back(browser: Client, redirect: str):
    """Follow the provider's redirect back to motcua's callback (path and query only)."""
    parts = urlsplit(redirect)
    assert parts.path == "/dang-nhap/vneid/callback/"
    return browser.get(f"{parts.path}?{parts.query}")


def sign_in(browser: Client, person: str = HOA, next_url: str | None = None):
    location, params = authorize(browser, next_url)
    return back(browser, consent(location, params, person))
