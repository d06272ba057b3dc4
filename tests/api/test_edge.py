"""The HTTP edge of /api/v1/: whatever arrives, the answer is a `{code, message}` JSON 4xx, never a 500 or an
HTML page; the pages outside the API keep their HTML."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.test import Client, RequestFactory
from django.urls import get_resolver

from motcua.access.edge import MAX_JSON_DEPTH, json_depth_exceeds
from tests.api.catalog_data import make_procedure
from tests.dossiers.conftest import procedure, submission  # noqa: F401 - fixture


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert body["message"] and body["code"] == (code or body["code"]), body
    return body


@pytest.fixture
def citizen(people, procedure, api_as):  # noqa: F811
    return api_as(people["congdan"])


@pytest.fixture
def raw():
    """A client that answers a crash as the server would (500 page) instead of raising it in the test."""
    return Client(raise_request_exception=False)


def post_raw(
    client, path: str, body: str | bytes, token_client=None, content_type="application/json", **extra
):
    headers = token_client.headers if token_client is not None else {}
    return client.post(f"/api/v1{path}", body, content_type=content_type, **headers, **extra)


@pytest.mark.django_db
class TestBodyTooLarge:
    @pytest.fixture(autouse=True)
    def small_limit(self, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000

    def test_a_json_body_over_the_limit_is_413_before_anything_reads_it(self, citizen, raw):
        body = json.dumps(submission(summary="x" * 5_000))
        assert_error(post_raw(raw, "/dossiers", body, citizen), 413, "body_too_large")
        assert_error(post_raw(raw, "/dossiers/X/actions/accept", body, citizen), 413, "body_too_large")
        # The idempotency record would read the body first: the edge answers before it.
        r = post_raw(raw, "/dossiers", body, citizen, HTTP_IDEMPOTENCY_KEY="k1")
        assert_error(r, 413, "body_too_large")

    def test_a_form_field_over_the_limit_is_413(self, citizen, raw):
        r = raw.post("/api/v1/dossiers/X/actions/refuse", {"reason": "x" * 5_000}, **citizen.headers)
        assert_error(r, 413, "body_too_large")


@pytest.mark.django_db
class TestNotJson:
    @pytest.mark.parametrize("path", ["/dossiers", "/dossiers/X/actions/accept"])
    @pytest.mark.parametrize("body", ["{", "[1,]", b"\xff\xfe{}", "  {} x"])
    def test_a_body_that_is_not_json_is_400(self, citizen, raw, path, body):
        assert_error(post_raw(raw, path, body, citizen), 400, "invalid_json")

    @pytest.mark.parametrize("path", ["/dossiers", "/dossiers/X/actions/accept"])
    @pytest.mark.parametrize(
        "body",
        [
            "[" * 100_000 + "]" * 100_000,
            '{"summary": ' + "[" * 100_000 + "]" * 100_000 + "}",
            '{"result": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}",
        ],
    )
    def test_very_deep_json_nesting_is_422_not_a_recursion_error(self, citizen, raw, path, body):
        body = assert_error(post_raw(raw, path, body, citizen), 422, "json_too_deep")
        assert body["details"] == {"max_depth": MAX_JSON_DEPTH}

    def test_ordinary_nesting_passes_the_edge(self, citizen):
        r = citizen.post("/dossiers", submission())
        assert r.status_code == 201, r.content

    def test_depth_is_measured_without_recursion(self):
        deep: list = []
        for _ in range(50_000):
            deep = [deep]
        assert json_depth_exceeds(deep, MAX_JSON_DEPTH)
        assert not json_depth_exceeds({"a": [{"b": [1, 2]}], "c": "x"}, 4)
        assert json_depth_exceeds({"a": [{"b": [1, 2]}]}, 3)

    def test_a_broken_multipart_body_is_400(self, citizen, raw):
        r = raw.post(
            "/api/v1/dossiers/X/files",
            b'--nope\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
            content_type="multipart/form-data",  # no boundary
            **citizen.headers,
        )
        assert_error(r, 400, "invalid_form")


@pytest.mark.django_db
class TestDjangoAnswersUnderTheApi:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "/api/v1/nope"),
            ("get", "/api/v1/"),
            ("post", "/api/v1/dossiers/X/nope"),
            ("get", "/api/v1/procedures/"),
        ],
    )
    def test_an_unknown_api_path_is_a_json_404(self, raw, method, path):
        assert_error(getattr(raw, method)(path), 404, "not_found")

    def test_an_unknown_page_keeps_the_html_404(self, raw):
        r = raw.get("/khong-co-trang-nay")
        assert r.status_code == 404 and r["Content-Type"].startswith("text/html")

    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("put", "/api/v1/procedures", "GET"),
            ("delete", "/api/v1/dossiers", "GET, POST"),
            ("patch", "/api/v1/dossiers/X/files/1", "GET, DELETE"),
        ],
    )
    def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(self, raw, method, path, allowed):
        r = getattr(raw, method)(path)
        assert_error(r, 405, "method_not_allowed")
        assert sorted(r["Allow"].split(", ")) == sorted(allowed.split(", "))

    @pytest.mark.parametrize(
        ("status", "exception", "code"),
        [
            (400, SuspiciousOperation("x"), "bad_request"),
            (400, RequestDataTooBig("x"), "body_too_large"),
            (400, TooManyFieldsSent("x"), "too_many_parameters"),
            (403, PermissionDenied("x"), "forbidden"),
            (404, None, "not_found"),
            (500, None, "server_error"),
        ],
    )
    def test_djangos_error_handlers_answer_json_under_the_api_and_html_elsewhere(
        self, status, exception, code
    ):
        handler = get_resolver().resolve_error_handler(status)
        rf = RequestFactory()
        args = () if status == 500 else (exception,)
        assert_error(handler(rf.get("/api/v1/dossiers"), *args), _expected(exception, status), code)
        page = handler(rf.get("/thu-tuc"), *args)
        assert page.status_code == status and page["Content-Type"].startswith("text/html")


def _expected(exception, status: int) -> int:
    return {RequestDataTooBig: 413, TooManyFieldsSent: 422}.get(type(exception), status)


@pytest.mark.django_db
def test_a_form_number_written_with_a_unicode_digit_is_404_unknown_form(citizen):
    code = citizen.post("/dossiers", submission()).json()["code"]
    for number in ("%C2%B9", "%D9%A3", "%EF%BC%91", "1%00"):  # ¹, Arabic-Indic 3, fullwidth 1, NUL
        r = citizen.get(f"/dossiers/{code}/forms/{number}")
        assert_error(r, 404, "unknown_form")


CATALOGUE_AND_DIRECTORY = [
    "/procedures/{x}",
    "/procedures/{x}/versions/1",
    "/procedures?q={x}",
    "/procedures?field={x}&agency={x}",
    "/agencies/{x}",
    "/agencies?q={x}&province={x}",
    "/admin-units/{x}",
    "/admin-units/40?at={x}",
    "/admin-units?q={x}&parent={x}",
    "/fields?{x}={x}",
]


@pytest.mark.django_db
@pytest.mark.parametrize("template", CATALOGUE_AND_DIRECTORY)
@pytest.mark.parametrize("value", ["%00", "a%00b", "%ED%BF%BF", "%FF", "%C2%B9", "%0A", "x" * 300])
def test_odd_characters_in_catalogue_and_directory_parameters_get_an_answer_not_a_crash(
    agencies, raw, template, value
):
    make_procedure("1.004222", "Đăng ký khai sinh", agencies=["000.01.15.H40"])
    r = raw.get("/api/v1" + template.format(x=value))
    assert r.status_code < 500, (template, value, r.content[:300])
    assert r["Content-Type"].startswith("application/json")
    if r.status_code >= 400:
        assert r.json()["code"] and r.json()["message"]


@pytest.mark.django_db
class TestAuthentication:
    def test_an_anonymous_write_is_401_not_a_csrf_failure(self, procedure):  # noqa: F811
        raw = Client(enforce_csrf_checks=True)  # as a real server does: the test client skips CSRF
        assert_error(post_raw(raw, "/dossiers", json.dumps(submission())), 401, "unauthenticated")
        assert_error(raw.delete("/api/v1/dossiers/X/files/1"), 401, "unauthenticated")
        r = post_raw(raw, "/dossiers", "{}", HTTP_AUTHORIZATION="Bearer mc_not-a-token")
        assert_error(r, 401, "unauthenticated")

    def test_a_browser_write_without_its_csrf_token_is_403(self, people, procedure):  # noqa: F811
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(people["congdan"])
        r = browser.post("/api/v1/dossiers", json.dumps(submission()), content_type="application/json")
        assert_error(r, 403, "csrf_failed")
        browser.get("/")  # the portal sets the CSRF cookie
        token = browser.cookies["csrftoken"].value
        r = browser.post(
            "/api/v1/dossiers",
            json.dumps(submission()),
            content_type="application/json",
            HTTP_X_CSRFTOKEN=token,
        )
        assert r.status_code == 201, r.content


@pytest.mark.django_db
def test_a_query_string_with_too_many_fields_is_422(raw, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    r = raw.get("/api/v1/procedures?" + "&".join(f"q{i}=1" for i in range(30)))
    assert_error(r, 422, "too_many_parameters")
