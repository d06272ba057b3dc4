"""Test data of the counter page: the birth-registration procedure, a complete scan's metadata."""

from __future__ import annotations

from motcua.catalog.services import apply_record
from tests.api.catalog_data import record
from tests.workspace import documents

CODE = "1.001193"
PID = "038190001234"
PDF = documents.pdf("Ban quet")
FULL_METADATA = {
    "m_TP1__doc_type": "TP1",
    "m_TP1__doc_name": "Tờ khai đăng ký khai sinh",
    "m_TP1__content_summary": "Khai sinh cho Nguyễn Văn An, sinh ngày 01/08/2025",
    "m_TP1__valid_indefinitely": "true",
    "m_TP1__validity_scope": "Toàn quốc",
}


def make_procedure(agencies):
    """Birth registration at the justice department: two cases, a paper replaced by data, a counter fee."""
    p, _ = apply_record(
        record(
            CODE,
            "Đăng ký khai sinh",
            levels=["province"],
            agencies=[agencies["justice"].identifier],
            cases=[{"code": "TH1", "name": "Đăng ký đúng hạn"}, {"code": "TH2", "name": "Đăng ký quá hạn"}],
            components=[
                {"code": "TP1", "name": "Tờ khai đăng ký khai sinh", "form_code": "TK1"},
                {"code": "TP2", "name": "Giấy chứng sinh", "copies": 1},
                {"code": "TP3", "name": "Giấy xác nhận cư trú", "replaceable_by_data": True},
                {"code": "TP4", "name": "Văn bản cam đoan về việc sinh", "case": "TH2"},
            ],
            fees=[{"kind": "charge", "amount": 8000, "channel": "counter"}],
        )
    )
    return p
