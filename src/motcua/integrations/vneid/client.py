"""The relying party's protocol: OpenID Connect authorization-code flow with PKCE against VNeID (contract §9).

Plain functions over the provider's discovery document; no Django request in here (views.py holds the
session and the pages). JOSE (JWKS parsing, RS256/ES256 signature checks, registered claims) is joserfc's;
what OpenID Connect adds on top (nonce, azp, at_hash, which key by kid, one JWKS re-fetch) is here (ADR 0018).

Every failure is a `Failure` with a short `reason` (for logs: never personal data, codes or tokens) and the
HTTP status the page answers with: 400 for what the browser or the provider's answer got wrong, 502 when the
provider cannot be reached or answers nonsense.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import Key, KeySet
from joserfc.jwt import JWTClaimsRegistry

TIMEOUT = 10  # seconds per call to the provider
DISCOVERY_TTL = 300  # a changed endpoint or key set is picked up within five minutes
LEEWAY = 60  # clock skew allowed on exp, iat, nbf
MAX_ANSWER = 256 * 1024
SCOPE = "openid profile email phone address"
# Asymmetric only: an HS256 token would be "signed" with our own client secret, and "none" not at all.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
_KTY = {"R": "RSA", "P": "RSA", "E": "EC"}


class Failure(Exception):
    """A sign-in that must not go on. `reason` is a log-safe code; `status` the page's HTTP status."""

    def __init__(self, reason: str, status: int = 400, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.detail = detail  # log-safe too: an OAuth error code, an exception class


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str
    auth_methods: tuple[str, ...]
    algorithms: tuple[str, ...]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# ---------------------------------------------------------------------------------------------- HTTP


def _request(url: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None):
    """(status, parsed JSON or None) from the provider; Failure(unreachable, 502) when it does not answer."""
    body = urlencode(data).encode("ascii") if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Accept": "application/json", **(headers or {})})
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 (the configured issuer)
            status, raw = resp.status, resp.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(MAX_ANSWER + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise Failure("provider_unreachable", 502, type(exc).__name__) from exc
    if len(raw) > MAX_ANSWER:
        raise Failure("provider_bad_answer", 502, "answer too large")
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    return status, parsed if isinstance(parsed, dict) else None


# ------------------------------------------------------------------------------- discovery and keys

_lock = threading.Lock()
_metadata: dict[str, tuple[float, Metadata]] = {}
_jwks: dict[str, tuple[float, KeySet]] = {}


def forget() -> None:
    """Drop cached discovery documents and key sets (tests, a changed configuration)."""
    with _lock:
        _metadata.clear()
        _jwks.clear()


def discover(issuer: str) -> Metadata:
    """The provider's metadata from `{issuer}/.well-known/openid-configuration`, cached for a few minutes."""
    with _lock:
        cached = _metadata.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    status, doc = _request(f"{issuer}/.well-known/openid-configuration")
    if status != 200 or doc is None:
        raise Failure("provider_bad_answer", 502, f"discovery status {status}")
    # OpenID Connect Discovery §4.3: the document must name the very issuer it was fetched for.
    if doc.get("issuer") != issuer:
        raise Failure("discovery_issuer_mismatch", 502)
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = doc.get(name)
        if not isinstance(value, str) or urlsplit(value).scheme not in ("https", "http"):
            raise Failure("provider_bad_answer", 502, f"discovery without {name}")
        endpoints[name] = value
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]  # the default
    algs = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
    meta = Metadata(
        issuer=issuer,
        userinfo_endpoint=doc.get("userinfo_endpoint")
        if isinstance(doc.get("userinfo_endpoint"), str)
        else "",
        auth_methods=tuple(m for m in methods if isinstance(m, str)),
        algorithms=tuple(a for a in algs if a in ALGORITHMS),
        **endpoints,
    )
    with _lock:
        _metadata[issuer] = (time.monotonic() + DISCOVERY_TTL, meta)
    return meta


def key_set(meta: Metadata, *, refresh: bool = False) -> KeySet:
    with _lock:
        cached = _jwks.get(meta.jwks_uri)
    if cached and not refresh and cached[0] > time.monotonic():
        return cached[1]
    status, doc = _request(meta.jwks_uri)
    if status != 200 or doc is None or not isinstance(doc.get("keys"), list):
        raise Failure("provider_bad_answer", 502, f"jwks status {status}")
    try:
        keys = KeySet.import_key_set({"keys": [k for k in doc["keys"] if isinstance(k, dict)]})
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise Failure("provider_bad_answer", 502, f"jwks {type(exc).__name__}") from exc
    with _lock:
        _jwks[meta.jwks_uri] = (time.monotonic() + DISCOVERY_TTL, keys)
    return keys


# ------------------------------------------------------------------------------------------- the flow


@dataclass(frozen=True)
class Flow:
    """What the start of a sign-in keeps server-side for its callback."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> Flow:
        # RFC 7636 §4.1: a verifier of 43-128 unreserved characters; 64 random bytes give 86.
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64))

    @property
    def challenge(self) -> str:
        return b64url(hashlib.sha256(self.verifier.encode("ascii")).digest())


def authorization_url(meta: Metadata, flow: Flow, client_id: str, redirect_uri: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": flow.challenge,
        "code_challenge_method": "S256",
        "ui_locales": "vi-VN",
    }
    parts = urlsplit(meta.authorization_endpoint)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def exchange(
    meta: Metadata, code: str, flow: Flow, redirect_uri: str, client_id: str, client_secret: str
) -> dict[str, Any]:
    """The token response for this code (RFC 6749 §4.1.3 with the PKCE verifier)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": flow.verifier,
    }
    headers = {}
    if "client_secret_basic" in meta.auth_methods:
        # RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
        pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    elif "client_secret_post" in meta.auth_methods:
        form.update(client_id=client_id, client_secret=client_secret)
    else:
        raise Failure("unsupported_client_auth", 502)
    status, answer = _request(meta.token_endpoint, form, headers)
    if status >= 500 or answer is None:
        raise Failure("provider_bad_answer", 502, f"token status {status}")
    if status != 200:
        error = answer.get("error")
        raise Failure("token_error", 400, error if isinstance(error, str) and error.isascii() else "")
    if not isinstance(answer.get("id_token"), str) or not isinstance(answer.get("access_token"), str):
        raise Failure("token_error", 400, "no id_token or access_token")
    return answer


def _header(token: str) -> dict[str, Any]:
    try:
        segment = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError) as exc:
        raise Failure("malformed_id_token") from exc
    if not isinstance(header, dict):
        raise Failure("malformed_id_token")
    return header


def _pick_key(keys: KeySet, kid: str | None, alg: str) -> Key | None:
    kty = _KTY[alg[0]]
    candidates = [
        k for k in keys if k.key_type == kty and k.get("use", "sig") == "sig" and k.get("alg") in (None, alg)
    ]
    if kid is not None:
        candidates = [k for k in candidates if k.kid == kid]
    return candidates[0] if len(candidates) == 1 else None


def verify_id_token(
    meta: Metadata, id_token: str, *, nonce: str, client_id: str, access_token: str
) -> dict[str, Any]:
    """The ID token's claims after OpenID Connect Core §3.1.3.7, or Failure."""
    header = _header(id_token)
    alg = header.get("alg")
    if alg not in ALGORITHMS or (meta.algorithms and alg not in meta.algorithms):
        raise Failure("bad_algorithm", detail=str(alg)[:10])
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    key = _pick_key(key_set(meta), kid, alg)
    if key is None:  # a rotated key: the provider publishes it before it signs with it
        key = _pick_key(key_set(meta, refresh=True), kid, alg)
    if key is None:
        raise Failure("unknown_key")
    try:
        claims = jwt.decode(id_token, key, algorithms=[alg]).claims
    except BadSignatureError as exc:
        raise Failure("bad_signature") from exc
    except (JoseError, ValueError) as exc:
        raise Failure("malformed_id_token", detail=type(exc).__name__) from exc
    registry = JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": meta.issuer},
        sub={"essential": True},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise Failure("id_token_expired") from exc
    except MissingClaimError as exc:
        raise Failure("id_token_claim_missing", detail=exc.claim[:40]) from exc
    except InvalidClaimError as exc:
        raise Failure(f"id_token_bad_{exc.claim}" if exc.claim in _CHECKED else "id_token_bad_claim") from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    # Core §3.1.3.7 items 4-5: several audiences need an azp, and an azp must be us.
    if (len(audiences) > 1 and azp is None) or (azp is not None and azp != client_id):
        raise Failure("id_token_bad_azp")
    at_hash = claims.get("at_hash")
    if at_hash is not None:
        digest = hashlib.new(f"sha{alg[2:]}", access_token.encode("ascii", "replace")).digest()
        if not secrets.compare_digest(str(at_hash), b64url(digest[: len(digest) // 2])):
            raise Failure("id_token_bad_at_hash")
    return claims


_CHECKED = frozenset({"iss", "aud", "sub", "iat", "nbf", "exp", "nonce"})


def userinfo(meta: Metadata, access_token: str, sub: str) -> dict[str, Any]:
    """The UserInfo claims (empty when the provider has no endpoint). Core §5.3.4: the same `sub` or none."""
    if not meta.userinfo_endpoint:
        return {}
    status, answer = _request(meta.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"})
    if status != 200 or answer is None:
        raise Failure("userinfo_error", 502, f"status {status}")
    if answer.get("sub") != sub:
        raise Failure("userinfo_sub_mismatch")
    return answer
