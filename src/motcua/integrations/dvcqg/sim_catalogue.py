"""The portal simulator's catalogue services (`/share`: LayDanhSachTTHC, LayThuTuc), see simulator.py.

Answers from a seeded national data set, `sim_catalogue.json`: 40 full records in the national field names
(MaTTHC, TenTTHC, MaLinhVuc, TenLinhVuc, CapThucHien, CoQuanThucHien, CoQuanBanHanh, TrinhTuThucHien,
CachThucThucHien, ThanhPhanHoSo, ThoiHanGiaiQuyet, DoiTuongThucHien, KetQuaThucHien, CanCuPhapLy...; the
mapping to the catalogue record is `motcua.catalog.io.national.PORTAL_FIELDS`). The records are the demo
catalogue's procedures as the national database states them: agencies by their generic national names
("Sở Tư pháp", "Ủy ban nhân dân cấp xã"), no provincial codes, announcements or local agencies.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("sim_catalogue.json")
LIST_FIELDS = ("MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "CapThucHien", "CoQuanThucHien")
UNKNOWN_SERVICE, BAD_REQUEST, NOT_FOUND = 404, 400, 404


@cache
def records() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(DATA.read_text(encoding="utf-8")))


def handle(
    body: dict[str, Any], data: tuple[dict[str, Any], ...] | list[dict[str, Any]] | None = None
) -> dict:
    """One `/share` call (the session is checked by the caller). `data` replaces the seeded set (tests)."""
    data = records() if data is None else data
    service = body.get("service")
    if service == "LayDanhSachTTHC":
        return {"error_code": 0, "result": [{k: r[k] for k in LIST_FIELDS if k in r} for r in data]}
    if service == "LayThuTuc":
        code = body.get("MaTTHC")
        if not isinstance(code, str) or not code.strip():
            return {"error_code": BAD_REQUEST, "message": "Thiếu MaTTHC (MaTTHC is required)"}
        found = [r for r in data if r.get("MaTTHC") == code.strip()]
        if not found:
            return {"error_code": NOT_FOUND, "message": f"Không có thủ tục mã {code} (unknown MaTTHC)"}
        return {"error_code": 0, "result": found[:1]}
    return {"error_code": UNKNOWN_SERVICE, "message": f"service {service!r} is not served"}
