"""HTTP client of the national payment platform (contract §8, ADR 0029): INIT and QUERY.

`init` registers an attempt and returns the platform's payment page; `query` asks for an attempt's outcome and
returns the platform's answer as it came (`read(..., query=True)` in `__init__.py` verifies it: the answer carries
a confirmation's fields, signed like a confirmation). Everything that is not the protocol's answer raises
`GatewayError`: another MaLoi, an HTTP status other than 200, no answer within `PAYMENT_TIMEOUT`, a broken body.

One keep-alive pool per process, shared by threads; no retries (the payer starts again, reconciliation queries
again) and no redirects (a signed POST must land where it is configured). Nothing here is logged and no error
message quotes a body: INIT's ThongTinBienLai holds the payer's name and ID number.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

from motcua.payments.gateways import GatewayError, Order

from . import protocol

# MaLoi of a QUERY answer (the contract fixes only "00" paid). Pending: the payer may still pay. Every other
# code is final and not paid: "02" refused by the bank, "03" cancelled by the payer, UNKNOWN_REFERENCE the
# platform never registered the attempt (its INIT did not arrive).
PENDING_CODES = frozenset({"01"})
FAILED = "02"
CANCELLED = "03"
UNKNOWN_REFERENCE = "04"

_pool: urllib3.PoolManager | None = None
_pool_lock = threading.Lock()


def pool() -> urllib3.PoolManager:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = urllib3.PoolManager(maxsize=8, retries=False)
        return _pool


def init_message(order: Order) -> dict[str, Any]:
    """INIT as contract §8 lists it, signed over `protocol.INIT_SIGNED`."""
    message = {
        "LoaiBanTin": "INIT",
        "PhienBan": protocol.VERSION,
        "MaDoiTac": settings.PAYMENT_PARTNER,
        "MaThamChieu": order.reference,
        "SoTien": str(int(order.amount)),
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": settings.PAYMENT_CHANNEL,
        "MaThietBi": settings.PAYMENT_DEVICES.get(order.device) or settings.PAYMENT_DEVICES["desktop"],
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "",  # the payer chooses a bank on the platform's page
        "ThongTinGiaoDich": order.description,
        "ThoiGianGD": protocol.timestamp(order.at),
        "Ip": order.ip,
        "ThongTinBienLai": order.receipt,
    }
    return protocol.signed(protocol.INIT_SIGNED, message, settings.PAYMENT_SECRET)


def query_message(reference: str, at) -> dict[str, Any]:
    """QUERY: PhienBan is sent too, since MaXacThuc covers it."""
    message = {
        "LoaiBanTin": "QUERY",
        "PhienBan": protocol.VERSION,
        "MaDoiTac": settings.PAYMENT_PARTNER,
        "MaThamChieu": reference,
        "ThoiGianGD": protocol.timestamp(at),
    }
    return protocol.signed(protocol.QUERY_SIGNED, message, settings.PAYMENT_SECRET)


def init(order: Order) -> str:
    """The platform's payment page for this attempt (an http(s) URL)."""
    answer = _post("init", init_message(order), order.reference)
    code = answer.get("MaLoi")
    if code != protocol.PAID:
        raise GatewayError(f"INIT {order.reference}: MaLoi {_short(code)}")
    url = answer.get("UrlThanhToan")
    if not isinstance(url, str) or len(url) > 1000 or not _http_url(url):
        raise GatewayError(f"INIT {order.reference}: UrlThanhToan missing or not an http(s) address")
    return url


def query(reference: str, at) -> dict[str, Any]:
    """The platform's answer about one attempt, unverified. An unsigned answer is the platform refusing the
    question itself (our signature, our partner code): that says nothing of the attempt, so it is an error."""
    answer = _post("query", query_message(reference, at), reference)
    if "MaXacThuc" not in answer:
        raise GatewayError(f"QUERY {reference}: refused, MaLoi {_short(answer.get('MaLoi'))}")
    return answer


def _post(path: str, body: dict[str, Any], reference: str) -> dict[str, Any]:
    if not settings.PAYMENT_URL:
        raise GatewayError("MOTCUA_PAYMENT_URL is not set")
    timeout = float(settings.PAYMENT_TIMEOUT)
    what = f"{path.upper()} {reference}"
    try:
        response = pool().request(
            "POST",
            f"{settings.PAYMENT_URL}/{path}",
            body=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"},
            timeout=urllib3.Timeout(connect=min(timeout, 5.0), read=timeout),
            redirect=False,
            preload_content=True,
        )
    except (urllib3.exceptions.TimeoutError, TimeoutError) as exc:
        raise GatewayError(f"{what}: no answer within {timeout:g} s") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise GatewayError(f"{what}: {type(exc).__name__}") from exc
    if response.status != 200:
        raise GatewayError(f"{what}: HTTP {response.status}")
    try:
        answer = json.loads(response.data)
    except ValueError:
        raise GatewayError(f"{what}: answer is not JSON") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("MaLoi"), str):
        raise GatewayError(f"{what}: answer without MaLoi")
    return answer


def _http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _short(code: Any) -> str:
    # A code as the platform sent it, cut short: it is quoted in logs and must not carry a body.
    return repr(code)[:20]
