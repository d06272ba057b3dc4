"""Sign-in with VNeID (contract §9) against the local provider over real HTTP: linking, creation, the
VNeID mark on dossiers, and every tampered or failed callback signing no one in."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client

from motcua.directory.models import Applicant
from motcua.integrations.vneid import client as oidc
from tests.dossiers.conftest import procedure, submission  # noqa: F401 (fixture)

from .conftest import HOA, MINH, authorize, back, consent, sign_in

User = get_user_model()
LOGGER = "motcua.integrations.vneid"


@pytest.fixture
def hoa(people):
    """The demo data set's congdan, with the ID the provider knows her by."""
    Applicant.objects.filter(user=people["congdan"]).update(id_number=HOA)
    User.objects.filter(pk=people["congdan"].pk).update(last_name="Nguyễn Thị", first_name="Hoa")
    return people["congdan"]


def signed_in_as(browser: Client):
    pk = browser.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


def refused(response, caplog, reason: str, status: int = 400):
    """The sign-in page again, with its message, nobody signed in, and the reason in the log."""
    assert response.status_code == status
    text = response.content.decode()
    assert 'id="vneid-error"' in text and 'name="username"' in text
    assert any(r.name == LOGGER and reason in r.getMessage() for r in caplog.records), [
        r.getMessage() for r in caplog.records
    ]
    return text


# ------------------------------------------------------------------------------------------ happy paths


def test_existing_citizen_is_linked_and_the_session_is_vneid_verified(
    provider, hoa, django_assert_max_num_queries
):
    browser = Client()
    before = User.objects.count()
    location, params = authorize(browser)
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["state"] and params["nonce"] and params["client_id"] == "motcua-test"
    assert "openid" in params["scope"].split()
    redirect = consent(location, params)
    with django_assert_max_num_queries(16):
        r = back(browser, redirect)
    assert r.status_code == 302 and r["Location"] == "/ca-nhan/"
    assert signed_in_as(browser) == hoa
    assert browser.session["motcua_vneid"] == HOA
    assert User.objects.count() == before
    # The header shows her name, family name first.
    assert "Nguyễn Thị Hoa" in browser.get("/").content.decode()
    assert provider.token_requests == ["client_secret_basic"]


def test_a_new_person_gets_an_account_once(provider, db):
    assert not Applicant.objects.filter(id_number=MINH).exists()
    r = sign_in(Client(), MINH)
    assert r.status_code == 302
    applicant = Applicant.objects.select_related("user").get(id_number=MINH)
    user = applicant.user
    assert (applicant.kind, applicant.full_name) == ("citizen", "Trần Văn Minh")
    assert (user.last_name, user.first_name) == ("Trần Văn", "Minh")
    assert applicant.birth_date == date(1985, 7, 22)
    assert (applicant.phone, applicant.email) == ("0987654321", "minh.tran@example.vn")
    assert applicant.address == "Xóm 3, xã Anh Sơn, tỉnh Nghệ An"
    assert MINH not in user.username and not user.has_usable_password()
    assert not user.is_staff and user.is_active

    again = Client()
    assert sign_in(again, MINH).status_code == 302
    assert signed_in_as(again) == user
    assert Applicant.objects.filter(id_number=MINH).count() == 1


def test_next_is_followed_when_it_is_a_path_of_this_site(provider, hoa):
    r = sign_in(Client(), next_url="/thu-tuc/?q=khai+sinh")
    assert r.status_code == 302 and r["Location"] == "/thu-tuc/?q=khai+sinh"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "http://testserver.evil/"]
)
def test_open_redirect_next_is_dropped(provider, hoa, target):
    browser = Client()
    r = sign_in(browser, next_url=target)
    assert r.status_code == 302 and r["Location"] == "/ca-nhan/"
    assert signed_in_as(browser) == hoa


def test_a_dossier_filed_in_a_vneid_session_is_marked_and_a_password_session_is_not(
    provider,
    hoa,
    procedure,  # noqa: F811 (fixture)
):
    body = submission(
        applicant={"kind": "citizen", "name": "Nguyễn Thị Hoa", "id_number": HOA, "phone": "0912345678"}
    )
    browser = Client()
    assert sign_in(browser).status_code == 302
    r = browser.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["vneid_verified"] is True

    by_password = Client()
    r = by_password.post("/dang-nhap/", {"username": "congdan", "password": "demo"})
    assert r.status_code == 302
    r = by_password.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["vneid_verified"] is False


def test_client_secret_post_when_the_provider_offers_only_that(provider, hoa):
    provider.auth_methods = ("client_secret_post",)
    assert sign_in(Client()).status_code == 302
    assert provider.token_requests == ["client_secret_post"]


def test_a_rotated_es256_key_is_fetched_once_by_its_kid(provider, hoa):
    assert sign_in(Client()).status_code == 302  # the key set is now cached
    key = provider.rotate_key("ES256")
    browser = Client()
    assert sign_in(browser).status_code == 302
    assert signed_in_as(browser) == hoa
    assert key.kid in {k.kid for k in oidc.key_set(oidc.discover(provider.issuer))}


# ------------------------------------------------------------------------------------ tampered callbacks


def test_wrong_state_signs_no_one_in(provider, hoa, caplog):
    browser = Client()
    location, params = authorize(browser)
    redirect = consent(location, params)
    forged = redirect.replace(params["state"], "x" * 43)
    text = refused(back(browser, forged), caplog, "state_unknown")
    assert "hết hạn hoặc không hợp lệ" in text
    assert signed_in_as(browser) is None


def test_a_callback_from_another_browser_signs_no_one_in(provider, hoa, caplog):
    location, params = authorize(Client())
    redirect = consent(location, params)
    stranger = Client()  # a victim lured to the attacker's callback URL has no such flow
    refused(back(stranger, redirect), caplog, "state_unknown")
    assert signed_in_as(stranger) is None


def test_replayed_code_signs_no_one_in(provider, hoa, caplog):
    browser = Client()
    location, params = authorize(browser)
    redirect = consent(location, params)
    assert back(browser, redirect).status_code == 302
    browser.post("/dang-xuat/")
    assert signed_in_as(browser) is None
    # The same callback again: its state was used up.
    refused(back(browser, redirect), caplog, "state_unknown")
    # The old code under a fresh state: the provider refuses a used code.
    _, fresh = authorize(browser)
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    query = urlencode({"code": code, "state": fresh["state"], "iss": provider.issuer})
    refused(browser.get(f"/dang-nhap/vneid/callback/?{query}"), caplog, "token_error (invalid_grant)")
    assert signed_in_as(browser) is None


@pytest.mark.parametrize(
    "tamper, reason",
    [
        ({"foreign_key": True}, "bad_signature"),
        ({"nonce": "not-the-nonce-we-sent"}, "id_token_bad_nonce"),
        ({"aud": "another-client"}, "id_token_bad_aud"),
        ({"aud": ["motcua-test", "another-client"], "azp": "another-client"}, "id_token_bad_azp"),
        ({"iss": "https://evil.example"}, "id_token_bad_iss"),
        ({"exp": -600, "iat": -900}, "id_token_expired"),
        ({"iat": 3600, "exp": 3900}, "id_token_bad_iat"),
        ({"drop": ["nonce"]}, "id_token_claim_missing"),
        ({"alg": "HS256"}, "bad_algorithm"),
        ({"sub": "12345"}, "id_claim_invalid"),
        ({"sub": "999190001234"}, "id_claim_invalid"),  # 12 digits, but no such birth-registration code
    ],
)
def test_tampered_id_token_signs_no_one_in(provider, hoa, caplog, tamper, reason):
    browser = Client()
    accounts_before = User.objects.count()
    provider.tamper = tamper
    text = refused(sign_in(browser), caplog, reason)
    told = "12 chữ số" if reason.startswith("id_claim") else "Không xác minh được kết quả đăng nhập"
    assert told in text
    assert signed_in_as(browser) is None and "motcua_vneid" not in browser.session
    assert User.objects.count() == accounts_before
    assert HOA not in text
    assert all(HOA not in r.getMessage() for r in caplog.records)


def test_an_iss_parameter_naming_another_provider_signs_no_one_in(provider, hoa, caplog):
    browser = Client()
    location, params = authorize(browser)
    redirect = consent(location, params).replace("iss=http", "iss=https")
    refused(back(browser, redirect), caplog, "bad_iss_parameter")
    assert signed_in_as(browser) is None


def test_a_configured_id_claim_the_provider_does_not_send_signs_no_one_in(provider, hoa, settings, caplog):
    settings.OIDC_ID_CLAIM = "so_dinh_danh"
    text = refused(sign_in(Client()), caplog, "id_claim_missing")
    assert "12 chữ số" in text


def test_a_discovery_document_for_another_issuer_is_refused(provider, hoa, settings, caplog):
    settings.OIDC_ISSUER = provider.issuer.replace("127.0.0.1", "localhost")
    refused(Client().get("/dang-nhap/vneid/"), caplog, "discovery_issuer_mismatch", status=502)


def test_expiry_within_the_clock_leeway_is_accepted(provider, hoa):
    provider.tamper = {"exp": -30, "iat": -330}
    assert sign_in(Client()).status_code == 302


def test_access_denied_signs_no_one_in(provider, hoa, caplog):
    browser = Client()
    location, params = authorize(browser)
    redirect = consent(location, params, action="deny")
    assert "error=access_denied" in redirect
    text = refused(back(browser, redirect), caplog, "provider_denied")
    assert "không đồng ý chia sẻ thông tin" in text
    assert signed_in_as(browser) is None


def test_an_expired_flow_signs_no_one_in(provider, hoa, caplog):
    browser = Client()
    location, params = authorize(browser)
    session = browser.session
    flows = session["motcua_vneid_flows"]
    flows[params["state"]]["expires"] = 0
    session["motcua_vneid_flows"] = flows
    session.save()
    refused(back(browser, consent(location, params)), caplog, "state_expired")


def test_a_vneid_identity_never_signs_in_as_an_officer(provider, people, caplog):
    Applicant.objects.create(user=people["tiepnhan"], kind="citizen", full_name="Cán bộ", id_number=HOA)
    browser = Client()
    text = refused(sign_in(browser), caplog, "staff_account")
    assert "cán bộ, công chức" in text
    assert signed_in_as(browser) is None


def test_an_inactive_account_is_refused(provider, hoa, caplog):
    User.objects.filter(pk=hoa.pk).update(is_active=False)
    refused(sign_in(Client()), caplog, "account_inactive")


def test_an_unreachable_provider_is_a_502(provider, hoa, settings, caplog):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    r = Client().get("/dang-nhap/vneid/")
    text = refused(r, caplog, "provider_unreachable", status=502)
    assert "không kết nối được" in text.lower()


def test_failures_are_throttled_per_client(provider, hoa, settings, caplog):
    settings.VNEID_LIMITS_CLIENT = [(3, 600)]
    browser = Client()
    for _ in range(3):
        refused(browser.get("/dang-nhap/vneid/callback/?state=nope&code=x"), caplog, "state_unknown")
    # Now even a correct sign-in from this address waits.
    r = browser.get("/dang-nhap/vneid/")
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert "quá nhiều lần" in r.content.decode()
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(other).status_code == 302


def test_start_without_a_configured_provider_is_refused(settings, db, caplog):
    settings.OIDC_ISSUER = ""
    refused(Client().get("/dang-nhap/vneid/"), caplog, "not_configured", status=404)


# ------------------------------------------------------------------------------------ the provider itself


def test_the_provider_checks_pkce_redirect_uri_and_client(provider, hoa):
    browser = Client()
    location, params = authorize(browser)
    code = parse_qs(urlsplit(consent(location, params)).query)["code"][0]
    token = f"{provider.issuer}/token"
    base = {"grant_type": "authorization_code", "code": code, "redirect_uri": params["redirect_uri"]}
    auth = ("motcua-test", "bí-mật-của-ứng-dụng-0123".encode())
    r = requests.post(token, data=base, auth=("motcua-test", "wrong"), timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = requests.post(token, data={**base, "code_verifier": "a" * 43}, auth=auth, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # The failed attempt used the code up.
    r = requests.post(token, data={**base, "code_verifier": "a" * 43}, auth=auth, timeout=10)
    assert r.json()["error_description"] == "code unknown, used or expired"
    discovery = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert {"RS256", "ES256"} <= set(discovery["id_token_signing_alg_values_supported"])


def test_the_provider_page_refuses_a_wrong_password(provider, db):
    location, params = authorize(Client())
    r = requests.post(
        location.split("?")[0],
        data={**params, "action": "consent", "id_number": MINH, "password": "sai"},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 400 and 'id="provider-error"' in r.text


def test_a_person_typed_on_the_provider_page_signs_in(provider, db):
    browser = Client()
    location, params = authorize(browser)
    r = requests.post(
        location.split("?")[0],
        data={**params, "action": "consent", "id_number": MINH, "password": "demo"},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302 and "code=" in r.headers["Location"]
    assert back(browser, r.headers["Location"]).status_code == 302
    assert signed_in_as(browser).applicant.full_name == "Trần Văn Minh"
