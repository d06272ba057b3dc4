"""Client of the provincial integration platform's (LGSP/NDXP) citizen lookup in the National Population
Database (domain.md §4, §7.2; ADR 0026). contract.md does not give this protocol; it is defined here, in the
shape of the platforms' published OAuth2 + JSON services, and `population/simulator.py` speaks it:

1. `POST {base}/oauth2/token`, HTTP Basic `client_id:client_secret`, form `grant_type=client_credentials`
   -> 200 `{"access_token", "token_type": "Bearer", "expires_in"}`; 401 when the credentials are refused.
2. `POST {base}/dan-cu/tra-cuu`, header `Authorization: Bearer <token>`, JSON body
   `{"so_dinh_danh": "040190001234", "ho_ten": "Nguyễn Thị Hoa", "ngay_sinh": "1990-03-15",
     "ma_ho_so": "<dossier code, or empty>", "muc_dich": "tiep_nhan_tai_quay" | "nop_truc_tuyen"}`
   -> 200 `{"ma_loi", "thong_diep", "ma_giao_dich", "khop": {"so_dinh_danh", "ho_ten", "ngay_sinh": bool},
            "ket_qua": {"so_dinh_danh", "ho_ten", "ngay_sinh", "gioi_tinh" (1 nam, 2 nữ), "dan_toc",
                        "quoc_tich", "que_quan", "noi_thuong_tru", "noi_o_hien_tai"}}`
   with `ma_loi` "00" found and matching (`ket_qua` given), "01" no such personal ID, "02" the ID exists but
   the name or birth date differs (`khop` says which; no `ket_qua`: the registry's data goes only to whoever
   already knows who the person is), "03" a malformed request (HTTP 400). 401: the token expired; the
   client takes a new one and repeats the call once. Any other status, no answer within the timeout or an
   unreadable answer: `PopulationError`.

Personal data travels only in POST bodies, never in a URL, and never reaches a log: errors name the step
and the HTTP status only.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import urllib3
from django.conf import settings

from motcua.core.errors import DomainError

LOOKUP_PATH = "/dan-cu/tra-cuu"
TOKEN_PATH = "/oauth2/token"
FIELDS = {"ho_ten": "name", "ngay_sinh": "birth_date"}  # protocol field -> ours, for mismatches


class PopulationError(DomainError):
    """The lookup could not be answered; `code` and `status` as in docs/errors.md. `str()` is log-safe."""

    STATUSES = {
        "population_not_configured": 503,
        "population_unavailable": 503,
        "population_timeout": 504,
        "population_auth_failed": 502,
        "population_bad_answer": 502,
    }

    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code)
        self.status = self.STATUSES[code]


@dataclass(frozen=True)
class Person:
    """What the registry holds of the person (the fields the forms use)."""

    id_number: str
    name: str
    birth_date: date
    gender: str  # "male" | "female" | ""
    ethnicity: str
    nationality: str
    hometown: str
    permanent_address: str
    current_address: str


@dataclass(frozen=True)
class Answer:
    outcome: str  # "match" | "mismatch" | "not_found"
    transaction: str  # the platform's ma_giao_dich, kept in the audit log to match the platform's own
    mismatched: tuple[str, ...] = ()  # "name", "birth_date"
    person: Person | None = None


class PopulationClient:
    def __init__(
        self,
        base: str,
        *,
        client_id: str,
        client_secret: str,
        timeout: float = 5.0,
        pool: urllib3.PoolManager | None = None,
    ):
        self.base = base.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        # No retries (a lookup is interactive: the officer is waiting) and no redirects (a body with personal
        # data goes only where it is configured).
        self.pool = pool or urllib3.PoolManager(
            maxsize=4, retries=False, timeout=urllib3.Timeout(connect=min(timeout, 3.0), read=timeout)
        )
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> PopulationClient:
        if not settings.POPULATION_URL:
            raise PopulationError(
                "Chưa cấu hình kết nối Cơ sở dữ liệu quốc gia về dân cư (MOTCUA_POPULATION_URL).",
                code="population_not_configured",
            )
        return cls(
            settings.POPULATION_URL,
            client_id=settings.POPULATION_CLIENT_ID,
            client_secret=settings.POPULATION_CLIENT_SECRET,
            timeout=settings.POPULATION_TIMEOUT,
        )

    # ------------------------------------------------------------------------------------------ calls

    def lookup(
        self, id_number: str, name: str, birth_date: date, *, dossier: str = "", purpose: str = ""
    ) -> Answer:
        body = {
            "so_dinh_danh": id_number,
            "ho_ten": name,
            "ngay_sinh": birth_date.isoformat(),
            "ma_ho_so": dossier,
            "muc_dich": purpose,
        }
        status, answer = self._post_lookup(body, self._bearer())
        if status == 401:  # expired or revoked: one new token, one repeat
            status, answer = self._post_lookup(body, self._bearer(renew=True))
        if status == 401:
            raise _auth_failed()
        if status != 200 or not isinstance(answer, dict):
            raise _bad_answer(f"tra cứu: HTTP {status}") if status != 503 else _down()
        return _answer(answer)

    def _bearer(self, *, renew: bool = False) -> str:
        with self._lock:
            if not renew and self._token and self._token[1] > time.monotonic():
                return self._token[0]
            # RFC 7617 with UTF-8: a secret may hold any character (urllib3's helper takes Latin-1 only).
            pair = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode("ascii")
            headers = {"Authorization": f"Basic {pair}", "Content-Type": "application/x-www-form-urlencoded"}
            status, answer = self._request(TOKEN_PATH, b"grant_type=client_credentials", headers)
            if status in (400, 401, 403):
                raise _auth_failed()
            if status == 503:
                raise _down()
            token = answer.get("access_token") if status == 200 and isinstance(answer, dict) else None
            if not isinstance(token, str) or not token:
                raise _bad_answer(f"cấp token: HTTP {status}")
            try:
                ttl = max(0, int(answer.get("expires_in") or 60) - 10)  # renew a little early
            except (TypeError, ValueError):
                ttl = 50
            self._token = (token, time.monotonic() + ttl)
            return token

    def _post_lookup(self, body: dict[str, Any], token: str) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=utf-8"}
        return self._request(LOOKUP_PATH, json.dumps(body, ensure_ascii=False).encode("utf-8"), headers)

    def _request(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        try:
            r = self.pool.request("POST", self.base + path, body=body, headers=headers, redirect=False)
        except urllib3.exceptions.NewConnectionError:  # refused: a subclass of the connect timeout in urllib3
            raise _down() from None
        except urllib3.exceptions.TimeoutError:
            raise PopulationError(
                "Cơ sở dữ liệu quốc gia về dân cư không trả lời kịp; thử lại sau hoặc nhập theo giấy tờ.",
                code="population_timeout",
            ) from None
        except urllib3.exceptions.HTTPError:
            raise _down() from None
        try:
            return r.status, json.loads(r.data or b"null")
        except ValueError:
            return r.status, None


def _down() -> PopulationError:
    return PopulationError(
        "Không kết nối được Cơ sở dữ liệu quốc gia về dân cư (nền tảng tích hợp không trả lời); thử lại sau "
        "hoặc nhập theo giấy tờ.",
        code="population_unavailable",
    )


def _auth_failed() -> PopulationError:
    return PopulationError(
        "Nền tảng tích hợp từ chối tài khoản kết nối của hệ thống; báo quản trị hệ thống kiểm tra "
        "MOTCUA_POPULATION_CLIENT_ID và MOTCUA_POPULATION_CLIENT_SECRET.",
        code="population_auth_failed",
    )


def _bad_answer(where: str) -> PopulationError:
    return PopulationError(
        f"Nền tảng tích hợp trả lời không đúng giao thức ({where}); thử lại sau hoặc nhập theo giấy tờ.",
        code="population_bad_answer",
    )


def _answer(answer: dict[str, Any]) -> Answer:
    code = str(answer.get("ma_loi", ""))
    ref = str(answer.get("ma_giao_dich") or "")[:64]
    if code == "01":
        return Answer("not_found", ref)
    verdict = answer.get("khop")
    if code == "02" and isinstance(verdict, dict):
        wrong = tuple(ours for theirs, ours in FIELDS.items() if verdict.get(theirs) is False)
        return Answer("mismatch", ref, mismatched=wrong or tuple(FIELDS.values()))
    record = answer.get("ket_qua")
    if code != "00" or not isinstance(record, dict):
        raise _bad_answer(f"ma_loi {code[:8] or 'trống'}")
    try:
        person = Person(
            id_number=str(record["so_dinh_danh"]),
            name=str(record["ho_ten"]),
            birth_date=date.fromisoformat(str(record["ngay_sinh"])),
            gender={1: "male", 2: "female"}.get(record.get("gioi_tinh"), ""),
            ethnicity=str(record.get("dan_toc") or ""),
            nationality=str(record.get("quoc_tich") or ""),
            hometown=str(record.get("que_quan") or ""),
            permanent_address=str(record.get("noi_thuong_tru") or ""),
            current_address=str(record.get("noi_o_hien_tai") or ""),
        )
    except (KeyError, ValueError):
        raise _bad_answer("ket_qua") from None
    return Answer("match", ref, person=person)


_shared: dict[tuple, PopulationClient] = {}
_shared_lock = threading.Lock()


def client() -> PopulationClient:
    """One client (its connection pool and token) per configuration, shared by the threads of a process."""
    key = (
        settings.POPULATION_URL,
        settings.POPULATION_CLIENT_ID,
        settings.POPULATION_CLIENT_SECRET,
        settings.POPULATION_TIMEOUT,
    )
    with _shared_lock:
        found = _shared.get(key)
        if found is None:
            found = _shared[key] = PopulationClient.from_settings()
        return found
