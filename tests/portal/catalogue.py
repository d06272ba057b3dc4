"""A small, realistic catalogue for the portal tests, written through `catalog.services.apply_record`."""

from __future__ import annotations

from typing import Any

from motcua.catalog.models import Procedure
from motcua.catalog.services import apply_record
from motcua.directory.models import Agency

JUSTICE_FIELD = {"code": "G09-TP03", "name": "Hộ tịch"}
RESIDENCE_FIELD = {"code": "G01-CA05", "name": "Đăng ký, quản lý cư trú"}
HEALTH_FIELD = {"code": "G18-YT01", "name": "Khám bệnh, chữa bệnh"}
RECORDS_FIELD = {"code": "G09-TP05", "name": "Lý lịch tư pháp"}


def birth_registration(commune: str) -> dict[str, Any]:
    return {
        "code": "1.001193",
        "local_code": "1.001193.000.00.00.H40",
        "name": "Đăng ký khai sinh",
        "field": JUSTICE_FIELD,
        "levels": ["commune"],
        "agencies": [commune],
        "processing_time": 1,
        "time_unit": "working_days",
        "time_note": "Ngay trong ngày tiếp nhận hồ sơ; trường hợp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo",
        "subjects": ["Công dân Việt Nam", "Người nước ngoài"],
        "requirements": "Không có.",
        "online_level": "full",
        "eligible_full_online": True,
        "announcement": {
            "number": "1872/QĐ-BTP",
            "date": "2020-10-04",
            "kind": "amended",
            "agency": "Bộ Tư pháp",
        },
        "publication_state": "published",
        "published_at": "2025-07-01T08:00:00+07:00",
        "cases": [
            {"code": "dung-han", "name": "Đăng ký khai sinh đúng hạn"},
            {"code": "qua-han", "name": "Đăng ký khai sinh quá hạn"},
        ],
        "steps": [
            {
                "title": "Nộp hồ sơ",
                "description": "Người yêu cầu nộp hồ sơ tại Bộ phận Một cửa hoặc trực tuyến.",
            },
            {
                "title": "Kiểm tra và ghi Sổ hộ tịch",
                "description": "Công chức tư pháp - hộ tịch kiểm tra hồ sơ.",
            },
            {"title": "Trả kết quả", "description": "Cấp Giấy khai sinh bản chính cho người được đăng ký."},
        ],
        "channels": [
            {
                "channel": "counter",
                "processing_time": 1,
                "time_unit": "working_days",
                "fee": 0,
                "description": "Nộp tại Bộ phận Một cửa UBND cấp xã",
            },
            {
                "channel": "online",
                "processing_time": 1,
                "time_unit": "working_days",
                "fee": 0,
                "description": "Nộp trên Cổng dịch vụ công",
            },
        ],
        "components": [
            {
                "code": "TK",
                "name": "Tờ khai đăng ký khai sinh theo mẫu",
                "originals": 1,
                "copies": 0,
                "form_code": "TP/HT-2020-KS.1",
            },
            {"code": "GCS", "name": "Giấy chứng sinh", "originals": 1, "copies": 0, "case": "dung-han"},
            {
                "code": "GTTT",
                "name": "Giấy tờ tùy thân của người đi đăng ký",
                "originals": 0,
                "copies": 1,
                "replaceable_by_data": True,
            },
            {
                "code": "VB-UQ",
                "name": "Văn bản ủy quyền (nếu có)",
                "originals": 1,
                "copies": 0,
                "required": False,
                "case": "qua-han",
            },
        ],
        "forms": [
            {
                "code": "TP/HT-2020-KS.1",
                "name": "Tờ khai đăng ký khai sinh",
                "url": "https://example.vn/bieu-mau/to-khai-khai-sinh.docx",
            }
        ],
        "fees": [
            {
                "kind": "charge",
                "amount": 0,
                "description": "Miễn lệ phí đăng ký khai sinh đúng hạn",
                "exemption": "Miễn cho mọi trường hợp đúng hạn",
            }
        ],
        "results": [{"code": "KQ-KS", "name": "Giấy khai sinh (bản chính)", "paper_required": True}],
        "legal_bases": [
            {
                "number": "60/2014/QH13",
                "title": "Luật Hộ tịch",
                "issued_on": "2014-11-20",
                "effective_on": "2016-01-01",
            },
            {
                "number": "123/2015/NĐ-CP",
                "title": "Nghị định quy định chi tiết một số điều và biện pháp thi hành Luật Hộ tịch",
                "issued_on": "2015-11-15",
                "effective_on": "2016-01-01",
            },
        ],
    }


def residence_registration(commune: str) -> dict[str, Any]:
    return {
        "code": "1.004222",
        "name": "Đăng ký thường trú",
        "field": RESIDENCE_FIELD,
        "levels": ["commune"],
        "agencies": [commune],
        "processing_time": 7,
        "time_unit": "working_days",
        "subjects": ["Công dân Việt Nam"],
        "online_level": "full",
        "publication_state": "published",
        "channels": [
            {"channel": "counter", "processing_time": 7, "fee": 20000},
            {"channel": "online", "processing_time": 7, "fee": 10000},
        ],
        "components": [{"code": "CT01", "name": "Tờ khai thay đổi thông tin cư trú", "form_code": "CT01"}],
        "fees": [
            {"kind": "charge", "amount": 20000, "channel": "counter"},
            {"kind": "charge", "amount": 10000, "channel": "online"},
        ],
        "results": [{"name": "Thông báo kết quả đăng ký thường trú", "paper_required": False}],
        "legal_bases": [{"number": "68/2020/QH14", "title": "Luật Cư trú", "effective_on": "2021-07-01"}],
    }


def clinic_licence(health: str) -> dict[str, Any]:
    return {
        "code": "1.012345",
        "name": "Cấp giấy phép hành nghề khám bệnh, chữa bệnh",
        "field": HEALTH_FIELD,
        "levels": ["province"],
        "agencies": [health],
        "processing_time": 20,
        "time_unit": "working_days",
        "subjects": ["Công dân Việt Nam", "Người nước ngoài"],
        "requirements": "Có văn bằng chuyên môn phù hợp.\nĐã thực hành đủ thời gian theo quy định.",
        "online_level": "partial",
        "publication_state": "published",
        "announcement": {
            "number": "245/QĐ-UBND",
            "date": "2024-02-15",
            "kind": "new",
            "agency": "Ủy ban nhân dân tỉnh",
        },
        "channels": [
            {"channel": "counter", "processing_time": 20, "fee": 0},
            {"channel": "postal", "processing_time": 20, "fee": 0},
        ],
        "components": [
            {"code": "DON", "name": "Đơn đề nghị cấp giấy phép hành nghề", "form_code": "M01"},
            {"code": "VB", "name": "Bản sao hợp lệ văn bằng chuyên môn", "originals": 0, "copies": 1},
            {"code": "GSK", "name": "Giấy chứng nhận đủ sức khỏe hành nghề", "replaceable_by_data": True},
        ],
        "forms": [{"code": "M01", "name": "Mẫu đơn đề nghị cấp giấy phép hành nghề"}],
        "fees": [{"kind": "fee", "amount": 1500000, "description": "Phí thẩm định cấp giấy phép hành nghề"}],
        "results": [{"code": "GPHN", "name": "Giấy phép hành nghề khám bệnh, chữa bệnh"}],
        "legal_bases": [
            {
                "number": "15/2023/QH15",
                "title": "Luật Khám bệnh, chữa bệnh",
                "issued_on": "2023-01-09",
                "effective_on": "2024-01-01",
            },
        ],
    }


def criminal_record(justice: str) -> dict[str, Any]:
    return {
        "code": "2.000488",
        "name": "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        "field": RECORDS_FIELD,
        "levels": ["province"],
        "agencies": [justice],
        "processing_time": 10,
        "subjects": ["Công dân Việt Nam"],
        "online_level": "partial",
        "publication_state": "published_amended",
        "components": [{"code": "TK", "name": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"}],
        "fees": [{"kind": "charge", "amount": 200000}],
        "results": [{"name": "Phiếu lý lịch tư pháp"}],
    }


def draft(justice: str) -> dict[str, Any]:
    return {
        "code": "1.999999",
        "name": "Thủ tục nháp chưa công khai",
        "field": JUSTICE_FIELD,
        "levels": ["province"],
        "agencies": [justice],
        "publication_state": "draft",
    }


def abolished(justice: str) -> dict[str, Any]:
    return {
        "code": "1.888888",
        "name": "Đăng ký khai sinh lưu động (đã bãi bỏ)",
        "field": JUSTICE_FIELD,
        "levels": ["commune"],
        "agencies": [justice],
        "publication_state": "abolished",
        "announcement": {"number": "99/QĐ-BTP", "date": "2025-06-01", "kind": "abolished"},
    }


def filler(i: int, agency: str, *, field: dict | None = None) -> dict[str, Any]:
    """Extra published procedures to check that page query counts do not grow with the data."""
    return {
        "code": f"3.{500000 + i:06d}",
        "name": f"Thủ tục bổ sung số {i}",
        "field": field or {"code": f"X-{i % 3}", "name": f"Lĩnh vực phụ {i % 3}"},
        "levels": ["province", "commune"] if i % 2 else ["province"],
        "agencies": [agency],
        "processing_time": 5 + i % 4,
        "online_level": ("full", "partial", "none")[i % 3],
        "publication_state": "published",
        "channels": [{"channel": "counter", "fee": 1000 * i}, {"channel": "online", "fee": 500 * i}],
        "fees": [{"kind": "charge", "amount": 1000 * i}],
        "components": [{"code": f"C{j}", "name": f"Giấy tờ {j}"} for j in range(3)],
        "legal_bases": [{"number": f"{i}/2024/NĐ-CP", "title": "Nghị định", "effective_on": "2024-07-01"}],
    }


def build(agencies: dict[str, Agency]) -> dict[str, Procedure]:
    """The catalogue every portal test starts from; keys are short names."""
    commune, justice, health = (agencies[k].identifier for k in ("commune", "justice", "health"))
    centre = agencies["centre"]
    centre.address = "16 Trường Thi, phường Trường Vinh, tỉnh Nghệ An"
    centre.phone = "0238 3599 999"
    centre.email = "ttpvhcc@nghean.gov.vn"
    centre.working_hours_note = "Sáng 7:00–11:30, chiều 13:30–17:00, thứ Hai đến thứ Sáu"
    centre.save()
    records = {
        "birth": birth_registration(commune),
        "residence": residence_registration(commune),
        "clinic": clinic_licence(health),
        "criminal": criminal_record(justice),
        "draft": draft(justice),
        "abolished": abolished(justice),
    }
    return {key: apply_record(record)[0] for key, record in records.items()}


def add_fillers(agency: Agency, start: int, count: int) -> None:
    for i in range(start, start + count):
        apply_record(filler(i, agency.identifier))
