"""Client of the National Public Service Portal's integration protocol (contract §7).

`POST {base}/auth` (header `dstcode`) gives a session; `POST {base}/integration` takes dossiers
(`DongBoHoSoMC`) and progress (`CapNhatTienDoHoSoMC`); `POST {base}/share` answers the catalogue
(`LayDanhSachTTHC`, `LayThuTuc`). Any call may answer `{"error_code": 401}` once the session has expired: the
client signs in again and repeats that call once.

Only `{"error_code": 0}` means stored. Everything else raises `PortalError`: `retryable` when repeating later
may succeed (another error code, an HTTP status other than 200, no answer within the timeout, a broken
answer), not when the portal refuses our credentials (an operator must fix the configuration). `timed_out`
says the call went unanswered, so the portal may have stored it: the next try repeats the same state, which
the protocol allows. One client keeps one HTTP connection pool (keep-alive) and is safe to share between
threads; the session is renewed under a lock so that parallel callers sign in once.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import urllib3
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

DOSSIERS = "DongBoHoSoMC"
PROGRESS = "CapNhatTienDoHoSoMC"
LIST_PROCEDURES = "LayDanhSachTTHC"
PROCEDURE = "LayThuTuc"
SESSION_EXPIRED = 401


class PortalError(Exception):
    """`str(error)` is short and safe for logs (no payload, no personal data); `detail` may quote the
    portal's answer and goes only to the outbox row."""

    def __init__(self, summary: str, detail: str = "", *, retryable: bool = True, timed_out: bool = False):
        super().__init__(summary)
        self.detail = detail
        self.retryable = retryable
        self.timed_out = timed_out


class PortalClient:
    def __init__(
        self,
        base: str,
        *,
        username: str,
        password: str,
        madonvi: str,
        timeout: float = 10.0,
        pool: urllib3.PoolManager | None = None,
    ):
        self.base = base.rstrip("/")
        self.username = username
        self.password = password
        self.madonvi = madonvi
        self.timeout = timeout
        # No urllib3 retries (the outbox decides when to repeat) and no redirects (a POST must land where
        # it is configured).
        self.pool = pool or urllib3.PoolManager(
            maxsize=4, retries=False, timeout=urllib3.Timeout(connect=min(timeout, 5.0), read=timeout)
        )
        self._session: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> PortalClient | None:
        """The configured portal, or None when MOTCUA_DVCQG_URL is empty (nothing is sent)."""
        if not settings.DVCQG_URL:
            return None
        return cls(
            settings.DVCQG_URL,
            username=settings.DVCQG_USERNAME,
            password=settings.DVCQG_PASSWORD,
            madonvi=settings.DVCQG_MADONVI,
            timeout=settings.DVCQG_TIMEOUT,
        )

    # -- transport -------------------------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        data = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        try:
            response = self.pool.request(
                "POST",
                f"{self.base}/{path}",
                body=data,
                headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
                redirect=False,
                preload_content=True,
            )
        except (urllib3.exceptions.TimeoutError, TimeoutError) as exc:
            raise PortalError(f"{path}: no answer within {self.timeout:g} s", timed_out=True) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            # Refused or reset before an answer: whether the portal stored it is unknown, as on a timeout.
            raise PortalError(f"{path}: {type(exc).__name__}", str(exc)[:300], timed_out=True) from exc
        if response.status == 401:
            return {"error_code": SESSION_EXPIRED}
        if response.status != 200:
            raise PortalError(
                f"{path}: HTTP {response.status}", response.data[:500].decode("utf-8", "replace")
            )
        try:
            answer = json.loads(response.data)
        except ValueError as exc:
            raise PortalError(
                f"{path}: answer is not JSON", response.data[:300].decode("utf-8", "replace")
            ) from exc
        if not isinstance(answer, dict) or "error_code" not in answer:
            raise PortalError(f"{path}: answer without error_code", str(answer)[:300])
        return answer

    @staticmethod
    def _code(answer: dict[str, Any]) -> int | None:
        try:
            return int(answer.get("error_code"))
        except (TypeError, ValueError):
            return None

    # -- session ---------------------------------------------------------------------------------------------

    def sign_in(self, stale: str | None = None) -> str:
        """A fresh session. `stale`: the session the caller saw expire; if another thread has already
        replaced it, that replacement is returned without signing in again."""
        with self._lock:
            if self._session is not None and self._session != stale:
                return self._session
            answer = self._post(
                "auth",
                {"username": self.username, "password": self.password},
                headers={"dstcode": self.madonvi},
            )
            session = answer.get("session")
            if self._code(answer) != 0 or not isinstance(session, str) or not session:
                raise PortalError(
                    "auth: the portal refused the sign-in (MOTCUA_DVCQG_USERNAME / PASSWORD / MADONVI)",
                    str(answer.get("message") or "")[:300],
                    retryable=False,
                )
            self._session = session
            return session

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` with the session and unit code; signs in again and repeats once on error_code 401.
        Returns the answer when error_code is 0, else raises PortalError."""
        session = self._session or self.sign_in()
        for attempt in range(2):
            answer = self._post(path, {"session": session, "madonvi": self.madonvi, **body})
            code = self._code(answer)
            if code == 0:
                return answer
            if code == SESSION_EXPIRED and attempt == 0:
                session = self.sign_in(stale=session)
                continue
            break
        raise PortalError(
            f"{path} {body.get('service', '')}: error_code {answer.get('error_code')!r}",
            str(answer.get("message") or "")[:500],
        )

    # -- services --------------------------------------------------------------------------------------------

    def send_dossiers(self, items: list[dict[str, Any]], *, updating: bool) -> dict[str, Any]:
        """DongBoHoSoMC: `updating` when the portal already holds every MaHoSo of `items`."""
        return self.call(
            "integration",
            {"service": DOSSIERS, "isUpdating": "true" if updating else "false", "data": items},
        )

    def send_progress(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        """CapNhatTienDoHoSoMC: items of MaHoSo, TrangThaiHoSo, NgayHenTra and the new QuaTrinhXuLy lines."""
        return self.call("integration", {"service": PROGRESS, "data": items})

    def procedures(self) -> list[dict[str, Any]]:
        """LayDanhSachTTHC: the national list (MaTTHC, TenTTHC, MaLinhVuc, TenLinhVuc, CapThucHien,
        CoQuanThucHien)."""
        return _result(self.call("share", {"service": LIST_PROCEDURES}), LIST_PROCEDURES)

    def procedure(self, code: str) -> dict[str, Any] | None:
        """LayThuTuc: the full national record of one procedure, or None if the portal has none."""
        found = _result(self.call("share", {"service": PROCEDURE, "MaTTHC": code}), PROCEDURE)
        return found[0] if found else None


def _result(answer: dict[str, Any], service: str) -> list[dict[str, Any]]:
    result = answer.get("result")
    if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
        raise PortalError(f"share {service}: result is not a list of records", str(result)[:300])
    return result
