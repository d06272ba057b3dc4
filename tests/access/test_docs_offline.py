"""/api/v1/docs, the admin and the portal load every asset from this site's own static files (issue 8):
Swagger UI works offline, and nothing is fetched from another host."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

# Which attribute of which element makes the browser fetch something.
FETCHED = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src")}
FETCHED |= {("embed", "src"), ("object", "data"), ("audio", "src"), ("video", "src"), ("input", "src")}


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.json_blocks: dict[str, str] = {}
        self._in: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for element, attr in FETCHED:
            if tag == element and attrs.get(attr):
                self.urls.append(attrs[attr])
        if tag == "script" and not attrs.get("src"):
            self._in = (tag, attrs)

    def handle_data(self, data):
        if self._in and data.strip():
            attrs = self._in[1]
            if attrs.get("type") == "application/json":  # data, never run
                self.json_blocks[attrs.get("id", "")] = data
            else:
                self.inline_scripts += 1

    def handle_endtag(self, tag):
        self._in = None


def same_origin_assets(client, path: str) -> Assets:
    response = client.get(path)
    assert response.status_code == 200, path
    page = Assets()
    page.feed(response.content.decode())
    assert page.urls, f"{path} loads no asset at all: the parser missed them"
    assert page.inline_scripts == 0, f"{path} has an inline script"
    for url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{path} loads {url} from another host"
        served = client.get(url)
        assert served.status_code == 200, f"{url} not served"
        if url.startswith("/static/"):
            assert finders.find(parts.path.removeprefix("/static/")), f"{url} is not one of our static files"
            assert served.streaming and b"".join(served.streaming_content), f"{url} not served by whitenoise"
        else:  # the admin's translated strings (/admin/jsi18n/): a same-origin view
            assert served["Content-Type"].startswith("text/javascript")
    return page


def test_swagger_ui_comes_from_our_static_files(client):
    page = same_origin_assets(client, "/api/v1/docs")
    names = {urlsplit(u).path for u in page.urls}
    assert {"/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"} <= names
    swagger = json.loads(page.json_blocks["swagger-settings"])
    assert swagger["url"] == "/api/v1/openapi.json"
    # Swagger UI's default validator badge is an image from another host.
    assert "validatorUrl" in swagger and swagger["validatorUrl"] is None


def test_swagger_css_pulls_in_nothing_from_another_host():
    css = open(finders.find("ninja/swagger-ui.css"), encoding="utf-8").read()
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    assert urls and all(u.startswith("data:") for u in urls)
    assert "@import" not in css


def test_the_policy_names_no_other_host(client):
    policy = client.get("/api/v1/docs")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    sources = {s for value in directives.values() for s in value.split()}
    assert sources <= {"'self'", "'none'", "data:"}


def test_pdf_responses_go_without_the_page_policy(client, people):
    """Chromium's PDF viewer is blocked by the page policy (object-src 'none'): PDFs are sent without it."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from motcua.core.csp import DocumentCSPMiddleware

    request = RequestFactory().get("/x")
    middleware = DocumentCSPMiddleware(lambda r: HttpResponse(b"%PDF-1.7", content_type="application/pdf"))
    assert "Content-Security-Policy" not in middleware(request)
    html = DocumentCSPMiddleware(lambda r: HttpResponse(b"<p>x</p>"))(RequestFactory().get("/x"))
    assert "Content-Security-Policy" in html


@pytest.mark.parametrize("path", ["/", "/thu-tuc/", "/tra-cuu-ho-so/", "/dang-nhap/"])
def test_public_pages_load_only_our_static_files(client, path):
    same_origin_assets(client, path)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/access/apitoken/",
        "/admin/directory/agency/add/",
        "/admin/directory/calendarday/add/",
    ],
)
def test_admin_pages_load_only_our_static_files(client, people, path):
    client.force_login(people["admin"])
    same_origin_assets(client, path)


def test_error_page_needs_no_inline_style():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "<style" not in html and 'href="/static/portal/error.css"' in html
    assert finders.find("portal/error.css")
