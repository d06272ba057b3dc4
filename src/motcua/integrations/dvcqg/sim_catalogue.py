"""The portal simulator's catalogue services (`/share`: LayDanhSachTTHC, LayThuTuc), see simulator.py."""

from __future__ import annotations

from typing import Any


def handle(body: dict[str, Any]) -> dict[str, Any]:
    # Filled in by the catalogue work of issue 11; until then the simulator says it has no such service.
    return {"error_code": 404, "message": f"service {body.get('service')!r} is not served"}
