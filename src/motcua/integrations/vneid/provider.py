"""A local OpenID Connect provider standing in for VNeID (contract §9), for development and tests.

A small WSGI application, no Django: `motcua oidc_provider --port N` serves it with wsgiref. It speaks the
authorization-code flow with PKCE (S256 only), as the real national identity provider does:

    GET  /.well-known/openid-configuration   discovery
    GET  /jwks                               public keys (RSA, `kid` = RFC 7638 thumbprint)
    GET  /authorize                          the sign-in page: pick a demo citizen, or type an ID + `demo`
    POST /authorize                          consent or denial: back to the client with `code` or `error`
    POST /token                              client_secret_basic or client_secret_post; code single-use
    GET  /userinfo                           bearer access token

Simplifications of a development provider, said plainly: any http(s) redirect URI is accepted at
/authorize (the token endpoint still requires the exact same one), the password of every person is `demo`,
state lives in memory. Tests reach for `tamper` (what the next ID token gets wrong) and `rotate_key`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit, urlunsplit
from wsgiref.simple_server import WSGIServer

from joserfc import jwt
from joserfc.jwk import ECKey, Key, OctKey, RSAKey

from motcua.integrations import standin

CODE_TTL = 60  # seconds: a code is exchanged right after the redirect
TOKEN_TTL = 300
ID_TOKEN_TTL = 300
PASSWORD = "demo"
_ID = re.compile(r"^[0-9]{12}$")


@dataclass(frozen=True)
class Citizen:
    id_number: str
    family_name: str
    given_name: str
    birthdate: date
    phone: str
    email: str
    address: str

    @property
    def name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    def claims(self) -> dict[str, Any]:
        return {
            "sub": self.id_number,
            "name": self.name,
            "family_name": self.family_name,
            "given_name": self.given_name,
            "birthdate": self.birthdate.isoformat(),
            "phone_number": self.phone,
            "email": self.email,
            "address": {"formatted": self.address, "country": "VN"},
        }


# Fictitious people. Nguyễn Thị Hoa is the demo data set's `congdan`; the others have no motcua account
# until they first sign in (digits: birth province, century and sex, year of birth, then six digits).
CITIZENS = (
    Citizen(
        "040190001234",
        "Nguyễn Thị",
        "Hoa",
        date(1990, 3, 15),
        "0912345678",
        "hoa@example.vn",
        "Số 12 ngõ 5 đường Lê Lợi, phường Thành Vinh, tỉnh Nghệ An",
    ),
    Citizen(
        "040085004321",
        "Trần Văn",
        "Minh",
        date(1985, 7, 22),
        "0987654321",
        "minh.tran@example.vn",
        "Xóm 3, xã Anh Sơn, tỉnh Nghệ An",
    ),
    Citizen(
        "040301006789",
        "Lê Thị Thu",
        "Hà",
        date(2001, 11, 2),
        "0935111222",
        "thuha.le@example.vn",
        "Số 8 đường Phan Đình Phùng, phường Vinh Hưng, tỉnh Nghệ An",
    ),
    Citizen(
        "042078003456",
        "Phạm Quốc",
        "Bảo",
        date(1978, 1, 9),
        "0904555666",
        "bao.pham@example.vn",
        "Thôn Trung Hòa, xã Nghi Xuân, tỉnh Hà Tĩnh",
    ),
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def s256(verifier: str) -> str:
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def load_or_create_key(path: Path) -> RSAKey:
    """The provider's signing key, kept across restarts so tokens and cached JWKS stay valid."""
    if path.is_file():
        return RSAKey.import_key(json.loads(path.read_text(encoding="utf-8")))
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"})
    key.ensure_kid()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(json.dumps(key.as_dict(private=True)), encoding="utf-8")
    tmp.replace(path)
    return key


def new_key(alg: str = "RS256") -> Key:
    key: Key
    if alg.startswith("ES"):
        key = ECKey.generate_key(
            {"ES256": "P-256", "ES384": "P-384"}[alg], parameters={"use": "sig", "alg": alg}
        )
    else:
        key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": alg})
    key.ensure_kid()
    return key


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    citizen: dict[str, Any]
    expires: float


@dataclass
class Provider:
    """The WSGI application. `issuer` is its own base URL (no trailing slash)."""

    issuer: str
    client_id: str
    client_secret: str
    key: Key = field(default_factory=new_key)
    citizens: tuple[Citizen, ...] = CITIZENS
    clock: Callable[[], float] = time.time
    # Tests: keys the next ID token is altered with (iss, aud, nonce, exp, iat, azp, sub, drop, alg,
    # foreign_key), consumed by one token response.
    tamper: dict[str, Any] = field(default_factory=dict)
    retired: list[Key] = field(default_factory=list)
    auth_methods: tuple[str, ...] = ("client_secret_basic", "client_secret_post")

    def __post_init__(self) -> None:
        self.issuer = self.issuer.rstrip("/")
        self._lock = threading.Lock()
        self._codes: dict[str, _Grant] = {}
        self._tokens: dict[str, tuple[dict[str, Any], float]] = {}
        self.token_requests: list[str] = []  # the client authentication method of each /token call

    # -------------------------------------------------------------------------------------- test hooks

    def rotate_key(self, alg: str = "RS256") -> Key:
        """Sign with a new key from now on; the old one stays published (as a real rotation does)."""
        with self._lock:
            self.retired.append(self.key)
            self.key = new_key(alg)
            return self.key

    # ------------------------------------------------------------------------------------------ WSGI

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        routes = {
            ("GET", "/.well-known/openid-configuration"): self._discovery,
            ("GET", "/jwks"): self._jwks,
            ("GET", "/authorize"): self._authorize_page,
            ("POST", "/authorize"): self._authorize_decision,
            ("POST", "/token"): self._token,
            ("GET", "/userinfo"): self._userinfo,
            ("POST", "/userinfo"): self._userinfo,
            ("GET", "/assets/provider.css"): self._css,
            ("GET", "/favicon.ico"): self._icon,
        }
        handler = routes.get((method, path))
        if handler is None:
            status, headers, body = _json(404, {"error": "not_found"})
        else:
            try:
                status, headers, body = handler(environ)
            except _BadRequest as exc:
                status, headers, body = _page(400, "Yêu cầu không hợp lệ", f"<p>{html.escape(str(exc))}</p>")
        start_response(status, headers)
        return [body]

    # ----------------------------------------------------------------------------------- endpoints

    def _discovery(self, environ):
        i = self.issuer
        return _json(
            200,
            {
                "issuer": i,
                "authorization_endpoint": f"{i}/authorize",
                "token_endpoint": f"{i}/token",
                "userinfo_endpoint": f"{i}/userinfo",
                "jwks_uri": f"{i}/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "token_endpoint_auth_methods_supported": list(self.auth_methods),
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "profile", "email", "phone", "address"],
                "claims_supported": [
                    "sub",
                    "name",
                    "family_name",
                    "given_name",
                    "birthdate",
                    "phone_number",
                    "email",
                    "address",
                ],
                "ui_locales_supported": ["vi-VN"],
            },
        )

    def _jwks(self, environ):
        with self._lock:
            keys = [self.key, *self.retired]
        return _json(200, {"keys": [k.as_dict(private=False) for k in keys]})

    def _request_params(self, params: dict[str, str]) -> dict[str, str]:
        """The authorization request, checked; raises _BadRequest for what cannot go back to the client."""
        if params.get("client_id") != self.client_id:
            raise _BadRequest("Ứng dụng (client_id) chưa được đăng ký với nhà cung cấp định danh.")
        redirect_uri = params.get("redirect_uri", "")
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            raise _BadRequest("Địa chỉ quay lại (redirect_uri) không hợp lệ.")
        return {
            k: params.get(k, "")
            for k in (
                "client_id",
                "redirect_uri",
                "response_type",
                "scope",
                "state",
                "nonce",
                "code_challenge",
                "code_challenge_method",
            )
        }

    def _request_error(self, req: dict[str, str]) -> str | None:
        """An OAuth error to send back to the client for a well-addressed but wrong request."""
        if req["response_type"] != "code":
            return "unsupported_response_type"
        if "openid" not in req["scope"].split():
            return "invalid_scope"
        if req["code_challenge_method"] != "S256" or not re.fullmatch(
            r"[A-Za-z0-9_-]{43}", req["code_challenge"]
        ):
            return "invalid_request"
        return None

    def _authorize_page(self, environ):
        req = self._request_params(_single(parse_qs(environ.get("QUERY_STRING", ""))))
        error = self._request_error(req)
        if error:
            return _redirect(
                _with_params(req["redirect_uri"], error=error, state=req["state"], iss=self.issuer)
            )
        return self._sign_in_page(req)

    def _sign_in_page(self, req: dict[str, str], message: str = "", status: int = 200):
        hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in req.items())
        choices = "".join(
            f'<li><button type="submit" class="citizen" name="citizen" value="{c.id_number}" '
            f'id="citizen-{c.id_number}"><strong>{html.escape(c.name)}</strong>'
            f"<span>Số định danh {c.id_number} · sinh ngày {c.birthdate:%d/%m/%Y}</span></button></li>"
            for c in self.citizens
        )
        alert = (
            f'<p class="alert" role="alert" id="provider-error">{html.escape(message)}</p>' if message else ""
        )
        body = f"""
<p class="lead">Ứng dụng <strong>Hệ thống thông tin giải quyết thủ tục hành chính (motcua)</strong> đề nghị
xác thực danh tính của bạn và nhận: họ và tên, số định danh cá nhân, ngày sinh, số điện thoại, thư điện tử,
địa chỉ.</p>
{alert}
<section aria-labelledby="demo-title">
  <h2 id="demo-title">Chọn công dân mẫu</h2>
  <form method="post" action="/authorize">{hidden}<input type="hidden" name="action" value="consent">
    <ul class="citizens">{choices}</ul>
  </form>
</section>
<section aria-labelledby="login-title">
  <h2 id="login-title">Hoặc đăng nhập bằng số định danh</h2>
  <form method="post" action="/authorize" class="login">{hidden}
    <label for="id_number">Số định danh cá nhân</label>
    <input id="id_number" name="id_number" inputmode="numeric" maxlength="12" autocomplete="username">
    <label for="password">Mật khẩu</label>
    <input id="password" name="password" type="password" autocomplete="current-password">
    <button type="submit" id="consent" name="action" value="consent" class="primary">Đồng ý và đăng nhập</button>
  </form>
</section>
<form method="post" action="/authorize" class="deny">{hidden}
  <button type="submit" id="deny" name="action" value="deny">Từ chối, quay lại ứng dụng</button>
</form>"""
        return _page(status, "Đăng nhập bằng tài khoản định danh điện tử", body)

    def _authorize_decision(self, environ):
        form = _single(parse_qs(_read_body(environ)))
        req = self._request_params(form)
        error = self._request_error(req)
        if error:
            return _redirect(
                _with_params(req["redirect_uri"], error=error, state=req["state"], iss=self.issuer)
            )
        if form.get("action") == "deny":
            return _redirect(
                _with_params(req["redirect_uri"], error="access_denied", state=req["state"], iss=self.issuer)
            )
        chosen = form.get("citizen") or form.get("id_number", "").strip()
        known = {c.id_number: c for c in self.citizens}
        if "citizen" in form:
            if chosen not in known:
                return self._sign_in_page(req, "Không có công dân mẫu này.", 400)
        elif not _ID.match(chosen) or form.get("password") != PASSWORD:
            return self._sign_in_page(
                req, "Số định danh phải gồm 12 chữ số và mật khẩu của môi trường thử nghiệm là “demo”.", 400
            )
        claims = known[chosen].claims() if chosen in known else {"sub": chosen, "name": "Công dân thử nghiệm"}
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._purge()
            self._codes[code] = _Grant(
                client_id=req["client_id"],
                redirect_uri=req["redirect_uri"],
                challenge=req["code_challenge"],
                nonce=req["nonce"] or None,
                citizen=claims,
                expires=self.clock() + CODE_TTL,
            )
        return _redirect(_with_params(req["redirect_uri"], code=code, state=req["state"], iss=self.issuer))

    def _client(self, environ, form: dict[str, str]) -> str | None:
        """The authenticated client id (basic or post, never both), or None."""
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if auth.lower().startswith("basic "):
            if "client_secret" in form:
                return None
            try:
                raw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
            except ValueError:
                return None
            cid, _, secret = raw.partition(":")
            # RFC 6749 §2.3.1: both are form-urlencoded before base64.
            cid, secret = _unquote(cid), _unquote(secret)
            method = "client_secret_basic"
        else:
            cid, secret = form.get("client_id", ""), form.get("client_secret", "")
            method = "client_secret_post"
        ok = method in self.auth_methods and secrets.compare_digest(cid.encode(), self.client_id.encode())
        ok = ok and secrets.compare_digest(secret.encode(), self.client_secret.encode())
        if ok:
            self.token_requests.append(method)
        return cid if ok else None

    def _token(self, environ):
        form = _single(parse_qs(_read_body(environ)))
        client = self._client(environ, form)
        if client is None:
            status, headers, body = _json(401, {"error": "invalid_client"})
            return status, [*headers, ("WWW-Authenticate", 'Basic realm="vneid"')], body
        if form.get("grant_type") != "authorization_code":
            return _json(400, {"error": "unsupported_grant_type"})
        with self._lock:
            self._purge()
            grant = self._codes.pop(form.get("code", ""), None)  # single use, even when what follows fails
        if grant is None or grant.client_id != client:
            return _json(
                400, {"error": "invalid_grant", "error_description": "code unknown, used or expired"}
            )
        if form.get("redirect_uri") != grant.redirect_uri:
            return _json(400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"})
        verifier = form.get("code_verifier", "")
        if not re.fullmatch(r"[A-Za-z0-9._~-]{43,128}", verifier) or not secrets.compare_digest(
            s256(verifier), grant.challenge
        ):
            return _json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        access = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._tokens[access] = (grant.citizen, now + TOKEN_TTL)
        return _json(
            200,
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": TOKEN_TTL,
                "scope": "openid profile email phone address",
                "id_token": self._id_token(grant, access, now),
            },
            ("Cache-Control", "no-store"),
        )

    def _id_token(self, grant: _Grant, access: str, now: float) -> str:
        with self._lock:
            tamper, self.tamper = self.tamper, {}
            key = self.key
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.citizen["sub"],
            "aud": grant.client_id,
            "azp": grant.client_id,
            "exp": int(now) + ID_TOKEN_TTL,
            "iat": int(now),
            "auth_time": int(now),
            **grant.citizen,
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        if tamper.get("foreign_key"):
            key = new_key(
                tamper.get("alg") or key.get("alg") or "RS256"
            )  # a key nobody published, with a published kid
            key = type(key).import_key({**key.as_dict(private=True), "kid": self.key.kid})
        if tamper.get("alg") == "HS256":  # "signed" with the client's own secret: must never be accepted
            key = OctKey.import_key(self.client_secret.encode("utf-8"), parameters={"kid": self.key.kid})
        alg = tamper.get("alg") or key.get("alg") or "RS256"
        half = hashlib.new(
            {"256": "sha256", "384": "sha384", "512": "sha512"}[alg[-3:]], access.encode()
        ).digest()
        claims["at_hash"] = b64url(half[: len(half) // 2])
        for name in ("iss", "aud", "nonce", "azp", "sub"):
            if name in tamper:
                claims[name] = tamper[name]
        for name in ("exp", "iat"):
            if name in tamper:
                claims[name] = int(now) + tamper[name]  # offsets in seconds
        for name in tamper.get("drop", ()):
            claims.pop(name, None)
        return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key, algorithms=[alg])

    def _userinfo(self, environ):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        with self._lock:
            self._purge()
            found = self._tokens.get(token)
        if found is None:
            status, headers, body = _json(401, {"error": "invalid_token"})
            return status, [*headers, ("WWW-Authenticate", 'Bearer error="invalid_token"')], body
        return _json(200, found[0])

    def _css(self, environ):
        return "200 OK", [("Content-Type", "text/css; charset=utf-8")], CSS.encode()

    def _icon(self, environ):
        # Browsers ask for it on every page; an empty answer keeps their consoles free of 404s.
        return "204 No Content", [], b""

    def _purge(self) -> None:
        now = self.clock()
        self._codes = {c: g for c, g in self._codes.items() if g.expires > now}
        self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}


class _BadRequest(Exception):
    pass


# --------------------------------------------------------------------------------------------- helpers


def _single(parsed: dict[str, list[str]]) -> dict[str, str]:
    """Form or query parameters, each once (RFC 6749 §3.1: a repeated parameter is an error: drop it)."""
    return {k: v[0] for k, v in parsed.items() if len(v) == 1}


def _unquote(value: str) -> str:
    return unquote_plus(value)


def _read_body(environ) -> str:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), 64 * 1024)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length).decode("utf-8", "replace") if length > 0 else ""


def _with_params(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({k: v for k, v in params.items() if v})) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _json(status: int, body: dict, *extra: tuple[str, str]):
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}[status]
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store"), *extra]
    return f"{status} {reason}", headers, json.dumps(body, ensure_ascii=False).encode("utf-8")


def _redirect(url: str):
    return "302 Found", [("Location", url), ("Cache-Control", "no-store")], b""


def _page(status: int, title: str, body: str):
    reason = {200: "OK", 400: "Bad Request"}[status]
    page = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – VNeID (mô phỏng)</title>
<link rel="stylesheet" href="/assets/provider.css"></head>
<body><header class="brand"><span class="emblem" aria-hidden="true">★</span>
<div><strong>VNeID</strong><small>Tài khoản định danh điện tử · máy chủ mô phỏng để phát triển, thử nghiệm</small></div>
</header><main><h1>{html.escape(title)}</h1>{body}</main>
<footer>Môi trường thử nghiệm: dữ liệu công dân là giả định, mật khẩu “demo”.</footer></body></html>"""
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("Content-Security-Policy", "default-src 'self'; form-action *; frame-ancestors 'none'"),
    ]
    return f"{status} {reason}", headers, page.encode("utf-8")


CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f1ec;color:#1f1f1f}
.brand{display:flex;gap:.75rem;align-items:center;background:#b3171d;color:#fff;padding:.75rem 1rem}
.brand .emblem{font-size:1.6rem;color:#ffd54a}
.brand strong{display:block;font-size:1.25rem;letter-spacing:.04em}
.brand small{display:block;opacity:.9}
main{max-width:36rem;margin:1rem auto;background:#fff;padding:1rem 1.25rem;border-radius:.5rem;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.35rem;color:#8c1116;margin:.25rem 0 .75rem}
h2{font-size:1.05rem;margin:1.25rem 0 .5rem}
.lead{line-height:1.5}
.citizens{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}
button{font:inherit;cursor:pointer;border-radius:.4rem}
.citizen{width:100%;text-align:left;padding:.65rem .8rem;border:1px solid #d9c9b5;background:#fffaf3}
.citizen:hover,.citizen:focus{border-color:#b3171d;outline:2px solid #ffd54a}
.citizen strong{display:block}
.citizen span{display:block;font-size:.9rem;color:#555}
.login{display:grid;gap:.35rem}
.login input{font:inherit;padding:.55rem;border:1px solid #bbb;border-radius:.4rem;width:100%}
.primary{margin-top:.5rem;padding:.65rem;border:0;background:#b3171d;color:#fff;font-weight:600}
.deny{margin-top:1rem}
.deny button{width:100%;padding:.6rem;border:1px solid #999;background:#fff}
.alert{background:#fdecea;border-left:4px solid #b3171d;padding:.6rem .8rem}
footer{text-align:center;font-size:.85rem;color:#555;padding:0 1rem 1.5rem}
"""


# ---------------------------------------------------------------------------------------------- server


def make_server(app: Provider, host: str, port: int, *, quiet: bool = False) -> WSGIServer:
    return standin.make_server(app, host, port, tag="vneid", quiet=quiet)
