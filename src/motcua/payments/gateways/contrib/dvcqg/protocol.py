"""The national payment platform's messages (contract §8): field lists and the MaXacThuc signature.

Shared by the client (`__init__.py`) and the simulator (`payments/simulator.py`), which must agree with an
independent implementation of the same protocol, not merely with each other: the field orders below are the
contract's, word for word.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime

from motcua.core.formatting import LOCAL_TZ

VERSION = "1.0.6"
PAID = "00"

# The fields MaXacThuc covers, in order; the secret is appended last.
INIT_SIGNED = (
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "LoaiHinhThanhToan",
    "MaKenhThanhToan",
    "MaThietBi",
    "NgonNgu",
    "MaTienTe",
    "MaNganHang",
    "ThongTinGiaoDich",
    "ThoiGianGD",
    "Ip",
)
CONFIRMATION_SIGNED = (
    "LoaiBanTin",
    "MaLoi",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "MaTienTe",
    "MaGiaoDich",
    "MaNganHang",
    "ThoiGianGD",
    "ThongTinGiaoDich",
)
QUERY_SIGNED = ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD")


def signature(fields: Sequence[str], message: Mapping[str, object], secret: str) -> str:
    """Lower-case hex SHA-256 of the fields' values joined by '|', then '|' and the secret. A missing
    field counts as the empty string (the platform signs what it sends)."""
    text = "|".join(str(message.get(f, "") if message.get(f) is not None else "") for f in fields)
    return hashlib.sha256(f"{text}|{secret}".encode()).hexdigest()


def signed(fields: Sequence[str], message: Mapping[str, object], secret: str) -> dict:
    """The message with its MaXacThuc."""
    return {**message, "MaXacThuc": signature(fields, message, secret)}


def verify(fields: Sequence[str], message: Mapping[str, object], secret: str) -> bool:
    given = message.get("MaXacThuc")
    if not isinstance(given, str) or not secret:
        return False
    # Constant time; the platform sends lower-case hex, an upper-case copy is the same digest.
    return hmac.compare_digest(given.strip().lower(), signature(fields, message, secret))


def timestamp(at: datetime) -> str:
    """`yyyyMMddHHmmss` in Vietnam time."""
    return at.astimezone(LOCAL_TZ).strftime("%Y%m%d%H%M%S")
