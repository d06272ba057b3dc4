"""Catalogue search on 10,000 procedures against two floors measured in the same run.

Search = what `GET /procedures?q=` asks of the database: `selectors.search_procedures(q)` then
`selectors.page_of(qs, 1, 20)` (first page of 20 + the total count).
Floors:
- "detail": what `GET /procedures/{code}` does, `procedure_detail(code)` + `procedure_to_record` (one
  indexed row, its field and every part prefetched) -- the "indexed detail lookup" of the issue;
- "row": a single `Procedure.objects.select_related("field").get(code=...)`, the cheapest possible read.

Names are drawn from Zipf-weighted word lists modelled on a real province catalogue (verbs such as
"Cấp", "Đăng ký" and objects with "giấy", "phép", "chứng nhận" dominate), so broad queries match hundreds of
procedures and narrow ones a few dozen. Folded columns come from `services.set_search_columns`, the
function every writer uses, so the data is what search sees in use.
"""

from __future__ import annotations

import random
import sys
import time

from benchmarks.common import report, sample, setup_django

N = 10_000
WITH_PARTS = 1_000  # procedures with a full record (cases, steps, ...); the detail floor reads these
PAGE = 20

# Most frequent first: weights fall off as 1/rank, as word frequencies do in a real catalogue.
VERBS = [
    "Cấp",
    "Đăng ký",
    "Cấp lại",
    "Cấp đổi",
    "Điều chỉnh",
    "Gia hạn",
    "Đăng ký thay đổi",
    "Thu hồi",
    "Xác nhận",
    "Công nhận",
    "Thẩm định",
    "Phê duyệt",
    "Chứng thực",
    "Thông báo",
    "Giải quyết",
    "Hỗ trợ",
    "Cho phép",
    "Chấp thuận",
    "Sửa đổi, bổ sung",
    "Đăng ký lại",
]
OBJECTS = [
    "giấy phép xây dựng",
    "giấy chứng nhận quyền sử dụng đất",
    "giấy phép kinh doanh",
    "giấy chứng nhận đăng ký doanh nghiệp",
    "khai sinh",
    "kết hôn",
    "giấy phép lái xe",
    "chứng chỉ hành nghề khám bệnh, chữa bệnh",
    "giấy phép hoạt động giáo dục",
    "thường trú",
    "tạm trú",
    "giấy chứng nhận đăng ký hộ kinh doanh",
    "hộ chiếu phổ thông",
    "khai tử",
    "văn bằng, chứng chỉ",
    "giấy xác nhận tình trạng hôn nhân",
    "giấy phép kinh doanh vận tải bằng xe ô tô",
    "giấy chứng nhận đủ điều kiện an toàn thực phẩm",
    "giấy phép khai thác nước dưới đất",
    "quyết định thành lập trường mầm non",
    "trợ cấp xã hội hằng tháng",
    "giấy phép lao động",
    "dự án đầu tư xây dựng",
    "phương án sản xuất kinh doanh",
    "chứng nhận nguồn gốc lô giống",
    "giấy phép biểu diễn nghệ thuật",
    "bản sao trích lục hộ tịch",
    "con nuôi",
    "giám hộ",
    "giấy phép sử dụng vật liệu nổ công nghiệp",
    "hợp đồng chuyển nhượng quyền sử dụng đất",
    "giấy phép môi trường",
    "chứng chỉ quy hoạch",
    "giấy phép tổ chức lễ hội",
    "thẻ bảo hiểm y tế",
    "giấy phép nhập khẩu thuốc",
    "chứng nhận cơ sở đủ điều kiện kinh doanh dược",
    "giấy phép xả thải vào nguồn nước",
    "quyết định giao rừng",
    "chứng nhận làng nghề truyền thống",
]
QUALIFIERS = [
    "",
    "",
    "",
    "",
    "",
    "nhà ở riêng lẻ",
    "có yếu tố nước ngoài",
    "cho doanh nghiệp nhỏ và vừa",
    "tại cấp xã",
    "đối với hộ kinh doanh",
    "trường hợp bị mất, hư hỏng",
    "cho người nước ngoài",
    "thuộc thẩm quyền của Ủy ban nhân dân tỉnh",
    "trong khu công nghiệp",
    "đối với công trình cấp III",
    "lưu động",
    "cho trẻ em dưới 6 tuổi",
    "tại Trung tâm Phục vụ hành chính công",
    "đối với tổ chức tôn giáo",
    "theo yêu cầu",
    "trên môi trường điện tử",
    "cho người có công",
]
FIELDS = [
    "Hộ tịch",
    "Xây dựng",
    "Đất đai",
    "Đăng ký kinh doanh",
    "Giáo dục và Đào tạo",
    "Y tế",
    "Lao động",
    "Giao thông vận tải",
    "Tài nguyên nước",
    "Văn hóa",
    "Nông nghiệp",
    "Công thương",
    "Tư pháp",
    "Chứng thực",
    "Nuôi con nuôi",
    "Bảo trợ xã hội",
    "Người có công",
    "An toàn thực phẩm",
    "Đầu tư",
    "Môi trường",
    "Khoa học và Công nghệ",
    "Thông tin và Truyền thông",
    "Tôn giáo",
    "Xuất nhập cảnh",
    "Cư trú",
    "Thể dục thể thao",
    "Du lịch",
    "Quy hoạch",
    "Thủy sản",
    "Lâm nghiệp",
]
SUBJECTS = [["Công dân Việt Nam"], ["Doanh nghiệp"], ["Tổ chức"], ["Công dân Việt Nam", "Người nước ngoài"]]
RARE = "Cấp phép khai thác ngư cụ đánh bắt xa bờ"  # 'danh bat' occurs only here (5 procedures)


def zipf(n: int) -> list[float]:
    return [1 / (r + 1) for r in range(n)]


def build() -> list[str]:
    from django.db import transaction

    from motcua.catalog import models as m
    from motcua.catalog.services import set_search_columns
    from motcua.core.text import fold

    rnd = random.Random(20250701)
    wv, wo, wf = zipf(len(VERBS)), zipf(len(OBJECTS)), zipf(len(FIELDS))
    with transaction.atomic():
        fields = m.Field.objects.bulk_create(
            m.Field(code=f"G{i:02d}-LV{i:02d}", name=name, name_folded=fold(name))
            for i, name in enumerate(FIELDS)
        )
        rows, codes = [], []
        for i in range(N):
            code = f"{1 + i % 3}.{100000 + i:06d}"
            name = (
                RARE
                if i % 2000 == 7
                else " ".join(
                    filter(
                        None, [rnd.choices(VERBS, wv)[0], rnd.choices(OBJECTS, wo)[0], rnd.choice(QUALIFIERS)]
                    )
                )
            )
            p = m.Procedure(
                code=code,
                name=name,
                field=rnd.choices(fields, wf)[0],
                subjects=rnd.choice(SUBJECTS),
                local_code=f"{code}.000.00.00.H40",
                at_province=i % 2 == 0,
                at_commune=i % 2 == 1,
                online_level=rnd.choice(["full", "partial", "none"]),
                processing_time=rnd.choice([1, 3, 5, 15]),
                publication_state="published" if i % 10 else "published_amended",
                requirements="Người yêu cầu phải xuất trình giấy tờ tùy thân. " * 3,
                announcement_number=f"{i}/QĐ-UBND",
                announcing_agency="Ủy ban nhân dân tỉnh",
            )
            set_search_columns(p, p.field)
            rows.append(p)
            codes.append(code)
        procs = m.Procedure.objects.bulk_create(rows, batch_size=1000)
        # A full record for the first WITH_PARTS procedures: about what a real one has.
        parts: dict[type, list] = {}
        for p in procs[:WITH_PARTS]:
            parts.setdefault(m.ProcedureStep, []).extend(
                m.ProcedureStep(procedure=p, order=k, title=f"Bước {k + 1}", description="Nộp hồ sơ " * 20)
                for k in range(4)
            )
            parts.setdefault(m.ProcedureChannel, []).extend(
                m.ProcedureChannel(procedure=p, channel=c, processing_time=5, fee=50_000)
                for c in ("counter", "online")
            )
            parts.setdefault(m.ProcedureComponent, []).extend(
                m.ProcedureComponent(procedure=p, order=k, code=f"TP{k}", name="Tờ khai theo mẫu " * 5)
                for k in range(5)
            )
            parts.setdefault(m.ProcedureForm, []).append(
                m.ProcedureForm(procedure=p, code="M01", name="Tờ khai")
            )
            parts.setdefault(m.ProcedureFee, []).extend(
                m.ProcedureFee(procedure=p, amount=a, description="Lệ phí") for a in (50_000, 100_000)
            )
            parts.setdefault(m.ProcedureResult, []).append(m.ProcedureResult(procedure=p, name="Giấy phép"))
            parts.setdefault(m.LegalBasis, []).extend(
                m.LegalBasis(procedure=p, number=f"{k}/2024/NĐ-CP", title="Nghị định") for k in range(3)
            )
        for model, objs in parts.items():
            model.objects.bulk_create(objs, batch_size=2000)
    return codes


def main() -> int:
    label = setup_django()
    from django.db import connection

    from motcua.catalog.models import Procedure
    from motcua.catalog.records import procedure_to_record
    from motcua.catalog.selectors import page_of, procedure_detail, search_procedures

    t0 = time.perf_counter()
    codes = build()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(f"  built {len(codes)} procedures in {time.perf_counter() - t0:.1f} s on {label}")

    rnd = random.Random(7)
    picks = [rnd.choice(codes[:WITH_PARTS]) for _ in range(2000)]
    kinds = {
        "narrow": ["dang ky khai sinh", "cấp lại hộ chiếu", "Giấy phép lái xe", "thuong tru"],
        "broad": ["cấp giấy phép", "xay dung", "đăng ký", "giay chung nhan"],
        "code": [codes[4321], codes[777][:6]],  # a whole code and a code prefix
        "rare": ["ngư cụ đánh bắt", "danh bat xa bo"],
    }

    def row_floor(i: int) -> object:
        return Procedure.objects.select_related("field").get(code=picks[i % len(picks)])

    def detail_floor(i: int) -> object:
        return procedure_to_record(procedure_detail(picks[i % len(picks)], published_only=True))

    def page(q: str) -> tuple[list, int]:
        return page_of(search_procedures(q), 1, PAGE)

    for kind, qs in kinds.items():
        for q in qs:
            items, count = page(q)
            print(f"  {kind:<6} {q!r:<28} {count:>5} matches; first: {items[0].name if items else '-'}")

    _, row_p95 = report("floor: single row by code (select_related)", sample(row_floor, 400))
    _, detail_p95 = report("floor: detail lookup (GET /procedures/{code})", sample(detail_floor, 300))
    mixed = [q for qs in kinds.values() for q in qs]
    p50, search_p95 = report(
        "search: first page + count, mixed queries",
        sample(lambda i: page(mixed[i % len(mixed)]), 40 * len(mixed)),
    )
    for kind, qs in kinds.items():
        values = sample(lambda i, qs=qs: page(qs[i % len(qs)]), 40 * len(qs), warmup=5)
        report(f"  {kind} ({len(qs)} queries)", values)
    print(f"  ratio p95 search / p95 detail floor: {search_p95 / detail_p95:.2f}x   (target <= 1.5x)")
    print(f"  ratio p95 search / p95 row floor:    {search_p95 / row_p95:.2f}x")
    print(f"  search p95 {search_p95:.1f} ms, p50 {p50:.1f} ms   (target p95 < 20 ms on SQLite)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
