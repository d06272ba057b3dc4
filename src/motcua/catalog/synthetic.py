"""A realistic synthetic catalogue for tests and `make bench` (search at national scale, docs/adr/0025).

Names are put together the way the national catalogue words them: an action ("Cấp lại", "Đăng ký
thay đổi"), what it acts on ("giấy phép xây dựng", "khai sinh"), and often a qualifier naming the case,
the subject or the level ("có yếu tố nước ngoài", "thuộc thẩm quyền của Ủy ban nhân dân cấp tỉnh").
Every procedure has the result the action issues ("Giấy phép xây dựng"), so result-name search is
exercised. A handful of real procedures come first, among them the long joined-up ("liên thông") names
people paste. Names run from 4 to 30 words. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (field, [(object, result issued, actions)]); actions are the verbs the catalogue uses with that object.
ISSUE = ("Cấp", "Cấp lại", "Cấp đổi", "Điều chỉnh", "Gia hạn", "Thu hồi")
REGISTER = ("Đăng ký", "Đăng ký lại", "Đăng ký thay đổi", "Xác nhận")
APPROVE = ("Thẩm định", "Phê duyệt", "Điều chỉnh", "Công nhận", "Chấp thuận")
SUPPORT = ("Giải quyết", "Xét duyệt", "Thôi hưởng", "Điều chỉnh mức hưởng")
FIELDS: list[tuple[str, list[tuple[str, str, tuple[str, ...]]]]] = [
    (
        "Hộ tịch",
        [
            ("khai sinh", "Giấy khai sinh", REGISTER),
            ("kết hôn", "Giấy chứng nhận kết hôn", REGISTER),
            ("khai tử", "Trích lục khai tử", REGISTER),
            ("nhận cha, mẹ, con", "Trích lục đăng ký nhận cha, mẹ, con", REGISTER),
            ("giám hộ", "Trích lục đăng ký giám hộ", REGISTER),
            ("thay đổi, cải chính, bổ sung thông tin hộ tịch", "Trích lục thay đổi hộ tịch", REGISTER),
            ("giấy xác nhận tình trạng hôn nhân", "Giấy xác nhận tình trạng hôn nhân", ISSUE),
            ("bản sao trích lục hộ tịch", "Bản sao trích lục hộ tịch", ISSUE),
        ],
    ),
    (
        "Cư trú",
        [
            ("thường trú", "Thông báo kết quả đăng ký thường trú", REGISTER),
            ("tạm trú", "Thông báo kết quả đăng ký tạm trú", REGISTER),
            ("xóa đăng ký thường trú", "Thông báo xóa đăng ký thường trú", ("Giải quyết",)),
            ("khai báo tạm vắng", "Phiếu khai báo tạm vắng", ("Giải quyết", "Xác nhận")),
        ],
    ),
    (
        "Căn cước",
        [
            ("thẻ căn cước", "Thẻ căn cước", ISSUE),
            ("giấy chứng nhận căn cước", "Giấy chứng nhận căn cước", ISSUE),
            ("số định danh cá nhân", "Văn bản xác nhận số định danh cá nhân", ("Xác nhận",)),
        ],
    ),
    (
        "Xuất nhập cảnh",
        [
            ("hộ chiếu phổ thông", "Hộ chiếu phổ thông", ISSUE),
            ("giấy thông hành", "Giấy thông hành", ISSUE),
            ("thị thực cho người nước ngoài", "Thị thực", ISSUE),
            ("thẻ tạm trú cho người nước ngoài", "Thẻ tạm trú", ISSUE),
        ],
    ),
    (
        "Đường bộ",
        [
            ("giấy phép lái xe", "Giấy phép lái xe", ISSUE),
            ("đăng ký, biển số xe", "Chứng nhận đăng ký xe và biển số xe", ("Cấp", "Cấp lại", "Cấp đổi")),
            ("xe tạm thời", "Chứng nhận đăng ký xe tạm thời", ("Đăng ký",)),
            ("giấy phép kinh doanh vận tải bằng xe ô tô", "Giấy phép kinh doanh vận tải", ISSUE),
            ("phù hiệu xe ô tô kinh doanh vận tải", "Phù hiệu xe", ISSUE),
        ],
    ),
    (
        "Đất đai",
        [
            (
                "giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất",
                "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất",
                ("Cấp", "Cấp lại", "Cấp đổi", "Đính chính", "Thu hồi"),
            ),
            ("biến động quyền sử dụng đất", "Giấy chứng nhận đã cập nhật biến động", ("Đăng ký",)),
            (
                "chuyển mục đích sử dụng đất",
                "Quyết định cho phép chuyển mục đích sử dụng đất",
                ("Giải quyết",),
            ),
            ("tách thửa hoặc hợp thửa đất", "Giấy chứng nhận của thửa đất mới", ("Giải quyết",)),
            ("giao đất, cho thuê đất", "Quyết định giao đất, cho thuê đất", ("Giải quyết", "Gia hạn")),
        ],
    ),
    (
        "Hoạt động xây dựng",
        [
            ("giấy phép xây dựng", "Giấy phép xây dựng", ISSUE),
            ("chứng chỉ hành nghề hoạt động xây dựng", "Chứng chỉ hành nghề hoạt động xây dựng", ISSUE),
            ("báo cáo nghiên cứu khả thi đầu tư xây dựng", "Văn bản thông báo kết quả thẩm định", APPROVE),
            (
                "thiết kế xây dựng triển khai sau thiết kế cơ sở",
                "Văn bản thông báo kết quả thẩm định",
                APPROVE,
            ),
        ],
    ),
    (
        "Thành lập và hoạt động doanh nghiệp",
        [
            ("thành lập doanh nghiệp tư nhân", "Giấy chứng nhận đăng ký doanh nghiệp", ("Đăng ký",)),
            ("thành lập công ty trách nhiệm hữu hạn", "Giấy chứng nhận đăng ký doanh nghiệp", ("Đăng ký",)),
            ("thành lập công ty cổ phần", "Giấy chứng nhận đăng ký doanh nghiệp", ("Đăng ký",)),
            ("thay đổi nội dung đăng ký doanh nghiệp", "Giấy chứng nhận đăng ký doanh nghiệp", ("Đăng ký",)),
            (
                "tạm ngừng kinh doanh",
                "Giấy xác nhận về việc doanh nghiệp đăng ký tạm ngừng kinh doanh",
                REGISTER,
            ),
            ("giải thể doanh nghiệp", "Thông báo về việc giải thể doanh nghiệp", ("Đăng ký", "Thông báo")),
        ],
    ),
    (
        "Thành lập và hoạt động của hộ kinh doanh",
        [
            (
                "hộ kinh doanh",
                "Giấy chứng nhận đăng ký hộ kinh doanh",
                ("Đăng ký thành lập", "Đăng ký thay đổi"),
            ),
            ("tạm ngừng hoạt động hộ kinh doanh", "Giấy xác nhận tạm ngừng hoạt động", ("Thông báo",)),
            ("chấm dứt hoạt động hộ kinh doanh", "Thông báo chấm dứt hoạt động", ("Đăng ký",)),
        ],
    ),
    (
        "Lý lịch tư pháp",
        [("phiếu lý lịch tư pháp", "Phiếu lý lịch tư pháp", ("Cấp",))],
    ),
    (
        "Chứng thực",
        [
            ("bản sao từ bản chính giấy tờ, văn bản", "Bản sao được chứng thực", ("Chứng thực",)),
            ("chữ ký trong các giấy tờ, văn bản", "Giấy tờ, văn bản đã chứng thực chữ ký", ("Chứng thực",)),
            (
                "hợp đồng, giao dịch liên quan đến tài sản là động sản",
                "Hợp đồng đã chứng thực",
                ("Chứng thực",),
            ),
        ],
    ),
    (
        "Giáo dục và Đào tạo",
        [
            ("trường mầm non", "Quyết định cho phép hoạt động giáo dục", ("Cho phép hoạt động", "Sáp nhập")),
            ("trường trung học cơ sở", "Quyết định thành lập trường", ("Thành lập", "Giải thể")),
            ("văn bằng, chứng chỉ", "Bản sao văn bằng, chứng chỉ", ("Cấp bản sao", "Chỉnh sửa nội dung")),
            ("học bổng chính sách", "Quyết định hưởng học bổng chính sách", ("Xét duyệt", "Giải quyết")),
        ],
    ),
    (
        "Khám bệnh, chữa bệnh",
        [
            ("giấy phép hành nghề khám bệnh, chữa bệnh", "Giấy phép hành nghề", ISSUE),
            ("giấy phép hoạt động đối với phòng khám đa khoa", "Giấy phép hoạt động", ISSUE),
        ],
    ),
    (
        "Bảo hiểm y tế",
        [
            ("thẻ bảo hiểm y tế", "Thẻ bảo hiểm y tế", ("Cấp", "Cấp lại", "Cấp đổi")),
            (
                "chi phí khám bệnh, chữa bệnh bảo hiểm y tế",
                "Quyết định thanh toán",
                ("Giải quyết", "Thanh toán"),
            ),
        ],
    ),
    (
        "An toàn thực phẩm và dinh dưỡng",
        [
            (
                "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
                "Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
                ISSUE,
            ),
            ("bản tự công bố sản phẩm", "Bản tự công bố sản phẩm đã tiếp nhận", ("Tiếp nhận",)),
        ],
    ),
    (
        "Việc làm",
        [
            ("trợ cấp thất nghiệp", "Quyết định hưởng trợ cấp thất nghiệp", SUPPORT),
            ("giấy phép lao động cho người lao động nước ngoài", "Giấy phép lao động", ISSUE),
        ],
    ),
    (
        "Bảo trợ xã hội",
        [
            ("trợ cấp xã hội hằng tháng", "Quyết định trợ cấp xã hội", SUPPORT),
            ("hỗ trợ kinh phí mai táng", "Quyết định hỗ trợ mai táng phí", ("Giải quyết",)),
            ("người khuyết tật", "Giấy xác nhận khuyết tật", ("Xác định, xác định lại mức độ khuyết tật",)),
        ],
    ),
    (
        "Người có công",
        [
            ("trợ cấp ưu đãi đối với thân nhân liệt sĩ", "Quyết định trợ cấp", SUPPORT),
            ("giấy chứng nhận gia đình liệt sĩ", "Giấy chứng nhận gia đình liệt sĩ", ISSUE),
        ],
    ),
    (
        "Tài nguyên nước",
        [
            ("giấy phép khai thác nước dưới đất", "Giấy phép khai thác nước dưới đất", ISSUE),
            ("giấy phép xả nước thải vào nguồn nước", "Giấy phép xả nước thải", ISSUE),
        ],
    ),
    (
        "Môi trường",
        [
            ("giấy phép môi trường", "Giấy phép môi trường", ISSUE),
            ("báo cáo đánh giá tác động môi trường", "Quyết định phê duyệt kết quả thẩm định", APPROVE),
        ],
    ),
    (
        "Văn hóa cơ sở",
        [
            (
                "giấy phép kinh doanh dịch vụ karaoke",
                "Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke",
                ISSUE,
            ),
            (
                "lễ hội truyền thống",
                "Văn bản chấp thuận tổ chức lễ hội",
                ("Đăng ký tổ chức", "Thông báo tổ chức"),
            ),
            ("danh hiệu gia đình văn hóa", "Giấy khen gia đình văn hóa", ("Công nhận", "Xét tặng")),
        ],
    ),
    (
        "Trồng trọt",
        [
            ("chứng nhận nguồn gốc lô giống", "Giấy chứng nhận nguồn gốc lô giống", ISSUE),
            ("giấy chứng nhận đủ điều kiện buôn bán phân bón", "Giấy chứng nhận đủ điều kiện", ISSUE),
        ],
    ),
    (
        "Thủy sản",
        [
            ("giấy phép khai thác thủy sản", "Giấy phép khai thác thủy sản", ISSUE),
            ("tàu cá", "Giấy chứng nhận đăng ký tàu cá", ("Đăng ký", "Xóa đăng ký")),
        ],
    ),
    (
        "Thuế",
        [
            ("thuế lần đầu đối với cá nhân", "Thông báo mã số thuế", ("Đăng ký",)),
            ("miễn, giảm tiền sử dụng đất", "Quyết định miễn, giảm", ("Giải quyết",)),
        ],
    ),
    (
        "Tôn giáo",
        [
            ("sinh hoạt tôn giáo tập trung", "Văn bản chấp thuận", ("Đăng ký",)),
            ("hoạt động tín ngưỡng", "Văn bản tiếp nhận", ("Đăng ký", "Thông báo")),
        ],
    ),
    (
        "Nuôi con nuôi",
        [("nuôi con nuôi trong nước", "Giấy chứng nhận nuôi con nuôi", ("Đăng ký", "Đăng ký lại"))],
    ),
]
QUALIFIERS = [
    "",
    "",
    "",
    "có yếu tố nước ngoài",
    "cho người nước ngoài",
    "trường hợp bị mất, hư hỏng",
    "tại cấp xã",
    "tại cấp huyện",
    "thuộc thẩm quyền của Ủy ban nhân dân cấp tỉnh",
    "đối với hộ gia đình, cá nhân",
    "đối với tổ chức, doanh nghiệp trong khu công nghiệp",
    "cho người có công với cách mạng và thân nhân",
    "trên môi trường điện tử qua Cổng Dịch vụ công quốc gia",
    "theo quy định tại Nghị định số 123/2015/NĐ-CP của Chính phủ",
    "đối với trường hợp đã được cấp nhưng có thay đổi thông tin về nhân thân của người được cấp",
    "cho công dân Việt Nam cư trú ở nước ngoài",
    "tại Trung tâm Phục vụ hành chính công tỉnh",
]
# Real procedures, long joined-up ones included: pasted whole, each must come first.
REAL = [
    ("1.004222", "Đăng ký khai sinh", "Hộ tịch", "Giấy khai sinh"),
    (
        "1.001193",
        "Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
        "Hộ tịch",
        "Giấy khai sinh",
    ),
    (
        "1.003635",
        "Đăng ký khai tử, xóa đăng ký thường trú, giải quyết mai táng phí, tử tuất",
        "Hộ tịch",
        "Trích lục khai tử",
    ),
    ("2.001159", "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên", "Căn cước", "Thẻ căn cước"),
    ("1.002809", "Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "Đường bộ", "Giấy phép lái xe"),
    (
        "2.000488",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
        "Lý lịch tư pháp",
        "Phiếu lý lịch tư pháp",
    ),
    (
        "1.012798",
        "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài "
        "sản gắn liền với đất lần đầu cho cá nhân, cộng đồng dân cư, hộ gia đình đang sử dụng đất",
        "Đất đai",
        "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
    ),
    (
        "2.000720",
        "Đăng ký thành lập hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        "Giấy chứng nhận đăng ký hộ kinh doanh",
    ),
    (
        "1.001612",
        "Cấp hộ chiếu phổ thông ở trong nước tại Công an cấp tỉnh",
        "Xuất nhập cảnh",
        "Hộ chiếu phổ thông",
    ),
    ("2.002201", "Đăng ký xe lần đầu tại Công an cấp xã", "Đường bộ", "Chứng nhận đăng ký xe và biển số xe"),
]


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    field: str
    result: str


def entries(n: int, seed: int = 20261202) -> list[Entry]:
    """`n` procedures (at least the real ones), distinct names, deterministic for a seed."""
    rnd = random.Random(seed)
    out = [Entry(*r) for r in REAL][:n]
    names = {e.name for e in out}
    combos = [
        (field, obj, result, verb)
        for field, objects in FIELDS
        for obj, result, verbs in objects
        for verb in verbs
    ]
    serial = 0
    while len(out) < n:
        field, obj, result, verb = rnd.choice(combos)
        qualifier = rnd.choice(QUALIFIERS)
        second = rnd.random() < 0.12  # a joined-up procedure: "..., đồng thời ..." as in liên thông names
        name = f"{verb} {obj}"
        if qualifier and qualifier not in obj:
            name += f" {qualifier}"
        if second:
            f2, o2, _, v2 = rnd.choice(combos)
            name += f", {v2[0].lower()}{v2[1:]} {o2}"
        if name in names or len(name.split()) > 30:
            continue
        names.add(name)
        serial += 1
        out.append(Entry(f"{1 + serial % 2}.{100000 + serial:06d}", name, field, result))
    return out


def load(n: int, seed: int = 20261202) -> list[str]:
    """Write `n` published procedures with their field and result; returns their codes (bulk, fast)."""
    from django.db import transaction

    from motcua.core.text import fold

    from .models import Field, Procedure, ProcedureResult
    from .services import set_search_columns

    rnd = random.Random(seed)
    items = entries(n, seed)
    with transaction.atomic():
        fields = {}
        for i, name in enumerate(dict.fromkeys(e.field for e in items)):
            fields[name], _ = Field.objects.get_or_create(
                code=f"G{i:02d}-SYN", defaults={"name": name, "name_folded": fold(name)}
            )
        rows = []
        for i, e in enumerate(items):
            p = Procedure(
                code=e.code,
                name=e.name,
                field=fields[e.field],
                subjects=rnd.choice(
                    [["Công dân Việt Nam"], ["Tổ chức", "Doanh nghiệp"], ["Người nước ngoài"]]
                ),
                local_code=f"{e.code}.000.00.00.H40",
                at_province=i % 3 == 0,
                at_district=i % 3 == 1,
                at_commune=i % 3 == 2,
                online_level=rnd.choice(["full", "partial", "none"]),
                processing_time=rnd.choice([1, 3, 5, 15]),
                publication_state="published",
            )
            set_search_columns(p, p.field)
            rows.append(p)
        procs = Procedure.objects.bulk_create(rows, batch_size=1000)
        ProcedureResult.objects.bulk_create(
            (ProcedureResult(procedure=p, name=e.result) for p, e in zip(procs, items, strict=True)),
            batch_size=2000,
        )
    return [e.code for e in items]
