"""`/dang-nhap/vneid/` starts the VNeID sign-in, `/dang-nhap/vneid/callback/` finishes it (contract §9).

The start keeps state, nonce and PKCE verifier in the session (never in the browser's hands), each flow
single-use and good for ten minutes. Every refusal signs no one in, shows the sign-in page with a
Vietnamese message, logs a reason without personal data, and counts against the client's address.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from motcua.access import throttle, vneid
from motcua.portal import presenters, signin

from . import accounts, client
from .client import Failure

log = logging.getLogger("motcua.integrations.vneid")

FLOWS = "motcua_vneid_flows"
FLOW_TTL = 600  # seconds between the start and the provider's redirect back
MAX_FLOWS = 5  # sign-ins started in other tabs and not finished
BACKEND = "django.contrib.auth.backends.ModelBackend"

THROTTLE = throttle.Throttle("vneid", "VNEID_LIMITS_CLIENT", "VNEID_LIMITS_CLIENT")


def _message(failure: Failure) -> str:
    """What the person is told: their own step where they can act on it, else unverified or unreachable."""
    again = _("Vui lòng bấm “Đăng nhập bằng tài khoản định danh điện tử VNeID” để thử lại.")
    expired = _("Phiên đăng nhập bằng VNeID đã hết hạn hoặc không hợp lệ (ví dụ do mở lại một liên kết cũ).")
    no_id = _("VNeID không gửi về số định danh cá nhân hợp lệ (12 chữ số) nên không thể liên kết tài khoản.")
    messages = {
        "not_configured": _("Hệ thống chưa bật đăng nhập bằng tài khoản định danh điện tử VNeID."),
        "provider_denied": _("Bạn đã không đồng ý chia sẻ thông tin trên VNeID nên chưa đăng nhập.")
        + " "
        + again,
        "provider_error": _("VNeID báo không thực hiện được việc đăng nhập.") + " " + again,
        "state_missing": f"{expired} {again}",
        "state_unknown": f"{expired} {again}",
        "state_expired": f"{expired} {again}",
        "id_claim_missing": no_id,
        "id_claim_invalid": no_id,
        "name_missing": _("VNeID không gửi về họ và tên nên chưa tạo được tài khoản cho bạn."),
        "staff_account": _(
            "Số định danh này gắn với tài khoản của cán bộ, công chức. Cán bộ đăng nhập bằng tên đăng nhập "
            "và mật khẩu của hệ thống, không dùng VNeID."
        ),
        "account_inactive": _(
            "Tài khoản gắn với số định danh này đã bị khóa. Vui lòng liên hệ Trung tâm Phục vụ hành chính công."
        ),
    }
    if failure.reason in messages:
        return messages[failure.reason]
    if failure.status == 502:
        return _(
            "Hiện không kết nối được với hệ thống định danh điện tử VNeID. Vui lòng thử lại sau ít phút."
        )
    return _(
        "Không xác minh được kết quả đăng nhập do VNeID gửi về nên hệ thống chưa đăng nhập cho bạn. "
        "Vui lòng thử lại; nếu vẫn không được, hãy đăng nhập bằng tài khoản của hệ thống."
    )


def _refuse(request: HttpRequest, failure: Failure, target: str = "") -> HttpResponse:
    detail = f" ({failure.detail})" if failure.detail else ""
    log.warning("VNeID sign-in refused: %s%s", failure.reason, detail)
    THROTTLE.miss(request, "")
    return signin.page(request, vneid_error=_message(failure), target=target, status=failure.status)


def _too_many(request: HttpRequest, blocked: throttle.Blocked) -> HttpResponse:
    wait = blocked.retry_after()
    message = _(
        "Đã có quá nhiều lần đăng nhập bằng VNeID không thành công từ máy của bạn. Vui lòng thử lại sau %(wait)s."
    ) % {"wait": presenters.wait_label(wait)}
    response = signin.page(request, vneid_error=message, status=429)
    response["Retry-After"] = str(wait)
    return response


def _safe_next(request: HttpRequest, value: str) -> str:
    """A path on this site, or '': never another origin (`//evil`, `https://evil`, `/\\evil`)."""
    value = (value or "").replace("\x00", "")[:500]
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    ok = url_has_allowed_host_and_scheme(value, {request.get_host()}, require_https=request.is_secure())
    return value if ok else ""


def _issuer() -> str:
    issuer = settings.OIDC_ISSUER
    if not issuer:
        raise Failure("not_configured", 404)
    return issuer


@never_cache
@require_http_methods(["GET", "HEAD"])
def start(request: HttpRequest) -> HttpResponse:
    target = _safe_next(request, request.GET.get("next", ""))
    blocked = THROTTLE.blocked(request, "")
    if blocked is not None:
        return _too_many(request, blocked)
    try:
        meta = client.discover(_issuer())
    except Failure as failure:
        return _refuse(request, failure, target)
    flow = client.Flow.new()
    redirect_uri = request.build_absolute_uri(reverse("vneid:callback"))
    now = time.time()
    flows = {s: f for s, f in request.session.get(FLOWS, {}).items() if f["expires"] > now}
    flows[flow.state] = {
        "nonce": flow.nonce,
        "verifier": flow.verifier,
        "redirect_uri": redirect_uri,
        "next": target,
        "expires": now + FLOW_TTL,
    }
    # The newest few only: a page reloaded in a loop must not grow the session without end.
    request.session[FLOWS] = dict(sorted(flows.items(), key=lambda kv: kv[1]["expires"])[-MAX_FLOWS:])
    return HttpResponseRedirect(client.authorization_url(meta, flow, settings.OIDC_CLIENT_ID, redirect_uri))


def _take_flow(request: HttpRequest, state: str) -> dict:
    """The flow this state started, removed from the session whatever happens next (single use)."""
    if not state:
        raise Failure("state_missing")
    flows = dict(request.session.get(FLOWS, {}))
    flow = flows.pop(state, None)
    request.session[FLOWS] = flows
    if flow is None:
        raise Failure("state_unknown")
    if flow["expires"] <= time.time():
        raise Failure("state_expired")
    return flow


def _finish(request: HttpRequest, params: dict[str, str], flow: dict):
    issuer = _issuer()
    if params.get("error"):
        raise Failure("provider_denied" if params["error"] == "access_denied" else "provider_error")
    # RFC 9207: a provider that names itself in the redirect must name the one we asked.
    if "iss" in params and params["iss"] != issuer:
        raise Failure("bad_iss_parameter")
    code = params.get("code", "")
    if not code:
        raise Failure("code_missing")
    meta = client.discover(issuer)
    pkce = client.Flow(state="", nonce=flow["nonce"], verifier=flow["verifier"])
    tokens = client.exchange(
        meta, code, pkce, flow["redirect_uri"], settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET
    )
    claims = client.verify_id_token(
        meta,
        tokens["id_token"],
        nonce=flow["nonce"],
        client_id=settings.OIDC_CLIENT_ID,
        access_token=tokens["access_token"],
    )
    try:
        extra = client.userinfo(meta, tokens["access_token"], claims["sub"])
    except Failure as failure:
        # The ID token is what was verified; the profile from UserInfo only fills in account details.
        log.warning("VNeID userinfo ignored: %s", failure.reason)
        extra = {}
    return accounts.account_for({**extra, **claims}, settings.OIDC_ID_CLAIM)


@never_cache
@require_http_methods(["GET", "HEAD"])
def callback(request: HttpRequest) -> HttpResponse:
    blocked = THROTTLE.blocked(request, "")
    if blocked is not None:
        return _too_many(request, blocked)
    # A repeated parameter is an error (RFC 6749 §3.1): keep single ones only.
    params = {k: v[0] for k, v in request.GET.lists() if len(v) == 1}
    target = ""
    try:
        flow = _take_flow(request, params.get("state", ""))
        target = flow["next"]
        user = _finish(request, params, flow)
    except Failure as failure:
        return _refuse(request, failure, target)
    login(request, user, backend=BACKEND)
    vneid.remember(request, user.applicant.id_number)
    log.info("VNeID sign-in: user %s", user.pk)
    return HttpResponseRedirect(target or signin.landing(user))
