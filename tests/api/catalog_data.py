"""Test data for the catalogue: procedures built through the canonical record (services.apply_record)."""

from __future__ import annotations

from typing import Any

from motcua.catalog.models import Procedure
from motcua.catalog.services import apply_record


def record(code: str, name: str, **extra: Any) -> dict[str, Any]:
    """A complete, published record; `extra` overrides any key."""
    return {
        "code": code,
        "name": name,
        "field": {"code": "G09-HT01", "name": "Hộ tịch"},
        "levels": ["commune"],
        "processing_time": 3,
        "time_unit": "working_days",
        "subjects": ["Công dân Việt Nam"],
        "online_level": "full",
        "publication_state": "published",
        "cases": [{"code": "TH1", "name": "Đăng ký đúng hạn"}],
        "steps": [
            {"title": "Nộp hồ sơ", "description": "Nộp tại Trung tâm phục vụ hành chính công"},
            {"title": "Trả kết quả"},
        ],
        "channels": [
            {"channel": "counter", "processing_time": 3, "fee": 0},
            {"channel": "online", "processing_time": 3, "fee": 0},
        ],
        "components": [
            {"code": "TP1", "name": "Tờ khai", "case": "TH1", "form_code": "TK1"},
            {"code": "TP2", "name": "Giấy chứng sinh", "copies": 1},
        ],
        "forms": [{"code": "TK1", "name": "Tờ khai đăng ký", "url": "https://example.vn/tk1.docx"}],
        "fees": [{"kind": "charge", "amount": 8000, "channel": "counter", "exemption": "Miễn cho hộ nghèo"}],
        "results": [{"code": "KQ1", "name": "Giấy khai sinh"}],
        "legal_bases": [{"number": "60/2014/QH13", "title": "Luật Hộ tịch", "effective_on": "2016-01-01"}],
        **extra,
    }


def make_procedure(code: str, name: str, **extra: Any) -> Procedure:
    procedure, _ = apply_record(record(code, name, **extra))
    return procedure
