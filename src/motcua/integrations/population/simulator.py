"""A local stand-in for the provincial integration platform's citizen lookup (ADR 0026), for development and tests.

A small WSGI application, no Django: `motcua population_simulator --port N` serves it with wsgiref. It speaks
the protocol `population/client.py` documents:

    POST /oauth2/token          client credentials (HTTP Basic) -> a bearer token for TOKEN_TTL seconds
    POST /dan-cu/tra-cuu        bearer token; JSON {so_dinh_danh, ho_ten, ngay_sinh, ...} -> the verdict
    POST /_mo-phong/che-do      tests only (HTTP Basic, same credentials): {"che_do": "binh_thuong" | "loi" |
                                "cham", "het_han_token": true} sets how the next calls are answered

It is seeded with the demo citizens: the people of the local VNeID provider (same numbers, names and birth
dates; Nguyễn Thị Hoa is the demo data set's `congdan`), with the registry's extra fields. Names compare
after Unicode NFC, case folding and collapsing spaces; tone marks count (Hoa and Hòa are different names).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIServer

from motcua.integrations import standin
from motcua.integrations.vneid.provider import CITIZENS

TOKEN_TTL = 300
SLOW_SECONDS = 30.0  # "cham": longer than any sensible client timeout
_ID = re.compile(r"^[0-9]{12}$")

# ma_loi of the lookup answer
FOUND = "00"
NOT_FOUND = "01"
MISMATCH = "02"
BAD_REQUEST = "03"


@dataclass(frozen=True)
class Resident:
    id_number: str
    name: str
    birth_date: date
    hometown: str
    permanent_address: str
    current_address: str
    ethnicity: str = "Kinh"
    nationality: str = "Việt Nam"

    @property
    def gender(self) -> int:
        """1 male, 2 female: the 4th digit of the personal ID is even for men, odd for women (domain.md §1.4)."""
        return 1 if int(self.id_number[3]) % 2 == 0 else 2

    def record(self) -> dict[str, Any]:
        return {
            "so_dinh_danh": self.id_number,
            "ho_ten": self.name,
            "ngay_sinh": self.birth_date.isoformat(),
            "gioi_tinh": self.gender,
            "dan_toc": self.ethnicity,
            "quoc_tich": self.nationality,
            "que_quan": self.hometown,
            "noi_thuong_tru": self.permanent_address,
            "noi_o_hien_tai": self.current_address,
        }


HOMETOWNS = {
    "040190001234": "Xã Nghi Lộc, tỉnh Nghệ An",
    "040085004321": "Xã Anh Sơn, tỉnh Nghệ An",
    "040301006789": "Phường Vinh Hưng, tỉnh Nghệ An",
    "042078003456": "Xã Nghi Xuân, tỉnh Hà Tĩnh",
}
RESIDENTS = tuple(
    Resident(
        id_number=c.id_number,
        name=c.name,
        birth_date=c.birthdate,
        hometown=HOMETOWNS.get(c.id_number, ""),
        permanent_address=c.address,
        current_address=c.address,
    )
    for c in CITIZENS
)


def same_name(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s or "").casefold().split())

    return norm(a) == norm(b)


@dataclass
class Platform:
    """The WSGI application: one client (id, secret) and the seeded residents."""

    client_id: str
    client_secret: str
    residents: tuple[Resident, ...] = RESIDENTS
    clock: Callable[[], float] = time.time
    mode: str = "binh_thuong"  # binh_thuong | loi (answers 503) | cham (answers after SLOW_SECONDS)
    lookups: int = 0
    _tokens: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id = {r.id_number: r for r in self.residents}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        routes = {
            ("POST", "/oauth2/token"): self._token,
            ("POST", "/dan-cu/tra-cuu"): self._lookup,
            ("POST", "/_mo-phong/che-do"): self._set_mode,
        }
        handler = routes.get((method, path))
        status, body = handler(environ) if handler else (404, {"error": "not_found"})
        reasons = {
            200: "OK",
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            503: "Service Unavailable",
        }
        headers = [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]
        if status == 401:
            headers.append(("WWW-Authenticate", 'Bearer realm="lgsp"'))
        start_response(f"{status} {reasons[status]}", headers)
        return [json.dumps(body, ensure_ascii=False).encode("utf-8")]

    # ------------------------------------------------------------------------------------ endpoints

    def _client_ok(self, environ) -> bool:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if not auth.lower().startswith("basic "):
            return False
        try:
            cid, _, secret = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        # Bytes: compare_digest refuses str with non-ASCII characters, and secrets may hold them.
        return secrets.compare_digest(cid.encode(), self.client_id.encode()) and secrets.compare_digest(
            secret.encode(), self.client_secret.encode()
        )

    def _token(self, environ):
        if self.mode == "loi":
            return 503, {"error": "temporarily_unavailable"}
        form = {k: v[0] for k, v in parse_qs(_read(environ).decode("utf-8", "replace")).items()}
        if not self._client_ok(environ):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self.clock()
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + TOKEN_TTL
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_TTL}

    def _lookup(self, environ):
        if self.mode == "loi":
            return 503, {"ma_loi": "99", "thong_diep": "Hệ thống tạm dừng để bảo trì."}
        if self.mode == "cham":
            time.sleep(SLOW_SECONDS)
        auth = environ.get("HTTP_AUTHORIZATION", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        with self._lock:
            expires = self._tokens.get(token)
        if expires is None or expires <= self.clock():
            return 401, {"error": "invalid_token"}
        try:
            body = json.loads(_read(environ) or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return 400, {"ma_loi": BAD_REQUEST, "thong_diep": "Nội dung yêu cầu không phải JSON."}
        number, name = str(body.get("so_dinh_danh") or ""), str(body.get("ho_ten") or "")
        try:
            born = date.fromisoformat(str(body.get("ngay_sinh") or ""))
        except ValueError:
            born = None
        if not _ID.match(number) or not name.strip() or born is None:
            return 400, {
                "ma_loi": BAD_REQUEST,
                "thong_diep": "Thiếu hoặc sai số định danh (12 chữ số), họ tên, ngày sinh (YYYY-MM-DD).",
            }
        with self._lock:
            self.lookups += 1
        ref = str(uuid.uuid4())
        person = self._by_id.get(number)
        if person is None:
            return 200, {"ma_loi": NOT_FOUND, "thong_diep": "Không tìm thấy công dân.", "ma_giao_dich": ref}
        verdict = {
            "so_dinh_danh": True,
            "ho_ten": same_name(name, person.name),
            "ngay_sinh": born == person.birth_date,
        }
        if not all(verdict.values()):
            # The registry's data goes only to whoever already knows who the person is.
            return 200, {
                "ma_loi": MISMATCH,
                "thong_diep": "Thông tin không khớp với Cơ sở dữ liệu quốc gia về dân cư.",
                "ma_giao_dich": ref,
                "khop": verdict,
            }
        return 200, {
            "ma_loi": FOUND,
            "thong_diep": "Thành công.",
            "ma_giao_dich": ref,
            "khop": verdict,
            "ket_qua": person.record(),
        }

    def _set_mode(self, environ):
        if not self._client_ok(environ):
            return 401, {"error": "invalid_client"}
        try:
            body = json.loads(_read(environ) or b"{}")
        except ValueError:
            body = {}
        mode = body.get("che_do", self.mode)
        if mode not in ("binh_thuong", "loi", "cham"):
            return 400, {"error": "che_do: binh_thuong, loi hoặc cham"}
        with self._lock:
            self.mode = mode
            if body.get("het_han_token"):
                self._tokens.clear()
        return 200, {"che_do": self.mode, "so_lan_tra_cuu": self.lookups}


def _read(environ) -> bytes:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), 64 * 1024)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def make_server(app: Platform, host: str, port: int, *, quiet: bool = False) -> WSGIServer:
    return standin.make_server(app, host, port, tag="dan-cu", quiet=quiet)
