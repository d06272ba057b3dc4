"""Catalogue search on 10,000 procedures: first page + count, against an indexed detail lookup (the floor).

Names are built from word lists of real procedure names; folded columns come from
`records.set_search_columns`, the function every writer uses, so the data is what search sees in use.
"""

from __future__ import annotations

import random
import sys
import time

from benchmarks.common import report, sample, setup_django

N = 10_000
PAGE = 20

VERBS = ["Cấp", "Cấp lại", "Cấp đổi", "Đăng ký", "Đăng ký lại", "Đăng ký thay đổi", "Điều chỉnh", "Gia hạn",
         "Thu hồi", "Xác nhận", "Công nhận", "Thẩm định", "Phê duyệt", "Chứng thực", "Thông báo", "Giải quyết",
         "Hỗ trợ", "Cho phép", "Chấp thuận", "Sửa đổi, bổ sung"]
OBJECTS = ["giấy phép xây dựng", "khai sinh", "kết hôn", "khai tử", "giấy chứng nhận quyền sử dụng đất",
           "hộ chiếu phổ thông", "giấy phép lái xe", "giấy chứng nhận đăng ký hộ kinh doanh",
           "chứng chỉ hành nghề khám bệnh, chữa bệnh", "giấy phép hoạt động giáo dục", "thường trú", "tạm trú",
           "giấy phép khai thác nước dưới đất", "văn bằng, chứng chỉ", "giấy xác nhận tình trạng hôn nhân",
           "giấy phép kinh doanh vận tải bằng xe ô tô", "giấy chứng nhận đủ điều kiện an toàn thực phẩm",
           "quyết định thành lập trường mầm non", "trợ cấp xã hội hằng tháng", "giấy phép lao động",
           "dự án đầu tư xây dựng", "phương án sản xuất kinh doanh", "chứng nhận nguồn gốc lô giống",
           "giấy phép biểu diễn nghệ thuật", "bản sao trích lục hộ tịch", "con nuôi", "giám hộ",
           "giấy phép sử dụng vật liệu nổ công nghiệp", "giấy chứng nhận đăng ký doanh nghiệp",
           "hợp đồng chuyển nhượng quyền sử dụng đất"]
QUALIFIERS = ["", "", "", "nhà ở riêng lẻ", "có yếu tố nước ngoài", "cho doanh nghiệp nhỏ và vừa",
              "tại cấp xã", "đối với hộ kinh doanh", "trường hợp bị mất, hư hỏng", "cho người nước ngoài",
              "thuộc thẩm quyền của Ủy ban nhân dân tỉnh", "trong khu công nghiệp", "đối với công trình cấp III",
              "lưu động", "cho trẻ em dưới 6 tuổi", "tại Trung tâm Phục vụ hành chính công",
              "đối với tổ chức tôn giáo", "theo yêu cầu", "trên môi trường điện tử", "cho người có công"]
FIELDS = ["Hộ tịch", "Xây dựng", "Đất đai", "Đăng ký kinh doanh", "Giáo dục và Đào tạo", "Y tế", "Lao động",
          "Giao thông vận tải", "Tài nguyên nước", "Văn hóa", "Nông nghiệp", "Công thương", "Tư pháp",
          "Chứng thực", "Nuôi con nuôi", "Bảo trợ xã hội", "Người có công", "An toàn thực phẩm",
          "Đầu tư", "Môi trường", "Khoa học và Công nghệ", "Thông tin và Truyền thông", "Tôn giáo",
          "Xuất nhập cảnh", "Cư trú", "Thể dục thể thao", "Du lịch", "Quy hoạch", "Thủy sản", "Lâm nghiệp"]
SUBJECTS = [["Công dân Việt Nam"], ["Doanh nghiệp"], ["Tổ chức"], ["Công dân Việt Nam", "Người nước ngoài"]]
RARE = "Cấp phép khai thác ngư cụ đánh bắt xa bờ"  # 'ngu cu' occurs only here (a handful of times)


def build() -> list[str]:
    from django.db import transaction

    from motcua.catalog.models import Field, Procedure
    from motcua.catalog.records import set_search_columns
    from motcua.core.text import fold

    rnd = random.Random(20250701)
    with transaction.atomic():
        fields = Field.objects.bulk_create(
            Field(code=f"G{i:02d}-LV{i:02d}", name=name, name_folded=fold(name)) for i, name in enumerate(FIELDS)
        )
        rows = []
        codes = []
        for i in range(N):
            code = f"{1 + i % 3}.{100000 + i:06d}"
            name = RARE if i % 2000 == 7 else " ".join(
                filter(None, [rnd.choice(VERBS), rnd.choice(OBJECTS), rnd.choice(QUALIFIERS)]))
            p = Procedure(
                code=code, name=name, field=rnd.choice(fields), subjects=rnd.choice(SUBJECTS),
                local_code=f"{code}.000.00.00.H40", at_province=i % 2 == 0, at_commune=i % 2 == 1,
                online_level=rnd.choice(["full", "partial", "none"]), processing_time=rnd.choice([1, 3, 5, 15]),
                publication_state="published" if i % 10 else "published_amended",
            )
            set_search_columns(p, p.field)
            rows.append(p)
            codes.append(code)
        Procedure.objects.bulk_create(rows, batch_size=1000)
    return codes


def main() -> int:
    label = setup_django()
    from django.db import connection

    from motcua.catalog.models import Procedure
    from motcua.catalog.selectors import search_procedures

    t0 = time.perf_counter()
    codes = build()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(f"  built {len(codes)} procedures in {time.perf_counter() - t0:.1f} s on {label}")

    rnd = random.Random(7)
    picks = [rnd.choice(codes) for _ in range(2000)]
    queries = ["dang ky khai sinh", "cấp giấy phép", "xay dung", codes[4321], "ngư cụ",
               "Giấy chứng nhận quyền sử dụng đất", "ho chieu"]

    def floor(i: int) -> object:
        return Procedure.objects.select_related("field").get(code=picks[i % len(picks)])

    def page(q: str) -> tuple[list, int]:
        qs = search_procedures(q)
        return list(qs[:PAGE]), qs.count()

    for q in queries:
        items, count = page(q)
        print(f"  {q!r:<40} {count:>5} matches; first: {items[0].name if items else '-'}")

    _, floor_p95 = report("floor: detail lookup by code", sample(floor, 400))
    _, search_p95 = report("search: first page + count, mixed queries",
                           sample(lambda i: page(queries[i % len(queries)]), 70 * len(queries)))
    for q in queries:
        report(f"  {q[:40]}", sample(lambda i, q=q: page(q), 60, warmup=5))
    ratio = search_p95 / floor_p95
    print(f"  ratio p95 search / p95 floor: {ratio:.1f}x   (target <= 1.5x; search p95 target < 20 ms on SQLite)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
