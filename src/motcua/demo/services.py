"""The demo data set (contract §3): Nghệ An after the 1 July 2025 merger, its agencies, accounts, calendar
and procedure catalogue. Every step is idempotent: a second run creates, changes and deletes nothing.

``motcua load_demo`` runs ``STEPS`` in order; tests call the same functions. Each step returns a short
Vietnamese progress line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel.numbers import format_decimal
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from motcua.directory import services as directory
from motcua.directory.models import (
    AdminUnit,
    Agency,
    AgencyIdentifier,
    Applicant,
    Counter,
    Role,
    StaffAssignment,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
PROCEDURES_FILE = DATA_DIR / "procedures.json"
PROVINCE_CODE = "40"  # Nghệ An: code unchanged by the 2025 merger
MERGER = directory.MERGER_DATE
PASSWORD = "demo"
WINDOWS = [["07:00", "11:30"], ["13:30", "17:00"]]
HOURS_NOTE = "Sáng 07:00–11:30, chiều 13:30–17:00, từ thứ Hai đến thứ Sáu (trừ ngày lễ, tết)"


@dataclass(frozen=True)
class AgencySpec:
    key: str
    identifier: str
    name: str
    short_name: str
    level: str
    kind: str
    address: str
    phone: str
    email: str = ""
    commune: str = ""  # name of the commune/ward (package) where it sits; for commune centres, its own
    former: str = ""  # identifier before 01/07/2025, kept in the identifier history


# Electronic identifier codes are opaque strings in the QĐ 20/2020 shape (H40 = Nghệ An).
AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec(
        "centre",
        "000.00.00.H40",
        "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        "TTPVHCC tỉnh",
        "province",
        "service_centre",
        "Số 16 đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An",
        "0238 3599 599",
        "ttpvhcc@nghean.gov.vn",
        "Phường Trường Vinh",
        former="000.00.01.H40",
    ),
    AgencySpec(
        "justice",
        "000.00.15.H40",
        "Sở Tư pháp tỉnh Nghệ An",
        "Sở Tư pháp",
        "province",
        "department",
        "Số 1 đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An",
        "0238 3844 524",
        "stp@nghean.gov.vn",
        "Phường Trường Vinh",
    ),
    AgencySpec(
        "construction",
        "000.00.16.H40",
        "Sở Xây dựng tỉnh Nghệ An",
        "Sở Xây dựng",
        "province",
        "department",
        "Số 19 đường Trần Phú, phường Thành Vinh, tỉnh Nghệ An",
        "0238 3844 588",
        "sxd@nghean.gov.vn",
        "Phường Thành Vinh",
        former="000.00.06.H40",
    ),
    AgencySpec(
        "health",
        "000.00.18.H40",
        "Sở Y tế tỉnh Nghệ An",
        "Sở Y tế",
        "province",
        "department",
        "Số 18 đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An",
        "0238 3844 745",
        "syt@nghean.gov.vn",
        "Phường Trường Vinh",
    ),
    AgencySpec(
        "education",
        "000.00.17.H40",
        "Sở Giáo dục và Đào tạo tỉnh Nghệ An",
        "Sở GD&ĐT",
        "province",
        "department",
        "Số 92 đường Lê Hồng Phong, phường Thành Vinh, tỉnh Nghệ An",
        "0238 3844 476",
        "sgddt@nghean.gov.vn",
        "Phường Thành Vinh",
    ),
    AgencySpec(
        "agriculture",
        "000.00.13.H40",
        "Sở Nông nghiệp và Môi trường tỉnh Nghệ An",
        "Sở NN&MT",
        "province",
        "department",
        "Số 8 đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An",
        "0238 3844 353",
        "snnmt@nghean.gov.vn",
        "Phường Trường Vinh",
        former="000.00.23.H40",
    ),
    AgencySpec(
        "industry",
        "000.00.12.H40",
        "Sở Công Thương tỉnh Nghệ An",
        "Sở Công Thương",
        "province",
        "department",
        "Số 5 đường Quang Trung, phường Thành Vinh, tỉnh Nghệ An",
        "0238 3844 654",
        "sct@nghean.gov.vn",
        "Phường Thành Vinh",
    ),
    AgencySpec(
        "finance",
        "000.00.11.H40",
        "Sở Tài chính tỉnh Nghệ An",
        "Sở Tài chính",
        "province",
        "department",
        "Số 10 đường Trường Thi, phường Trường Vinh, tỉnh Nghệ An",
        "0238 3844 230",
        "stc@nghean.gov.vn",
        "Phường Trường Vinh",
        former="000.00.09.H40",
    ),
    AgencySpec(
        "home",
        "000.00.14.H40",
        "Sở Nội vụ tỉnh Nghệ An",
        "Sở Nội vụ",
        "province",
        "department",
        "Số 6 đường Nguyễn Thị Minh Khai, phường Thành Vinh, tỉnh Nghệ An",
        "0238 3844 462",
        "snv@nghean.gov.vn",
        "Phường Thành Vinh",
    ),
    AgencySpec(
        "culture",
        "000.00.19.H40",
        "Sở Văn hóa, Thể thao và Du lịch tỉnh Nghệ An",
        "Sở VHTT&DL",
        "province",
        "department",
        "Số 14 đường Lê Mao, phường Thành Vinh, tỉnh Nghệ An",
        "0238 3844 715",
        "svhttdl@nghean.gov.vn",
        "Phường Thành Vinh",
    ),
    AgencySpec(
        "science",
        "000.00.20.H40",
        "Sở Khoa học và Công nghệ tỉnh Nghệ An",
        "Sở KH&CN",
        "province",
        "department",
        "Số 75 đường Nguyễn Thị Minh Khai, phường Thành Vinh, tỉnh Nghệ An",
        "0238 3844 500",
        "skhcn@nghean.gov.vn",
        "Phường Thành Vinh",
    ),
    AgencySpec(
        "police",
        "000.00.70.H40",
        "Công an tỉnh Nghệ An",
        "Công an tỉnh",
        "province",
        "central_branch",
        "Số 1 đường Lý Tự Trọng, phường Trường Vinh, tỉnh Nghệ An",
        "069 2748 100",
        "",
        "Phường Trường Vinh",
    ),
    AgencySpec(
        "truong_vinh",
        "000.01.30.H40",
        "Trung tâm Phục vụ hành chính công phường Trường Vinh",
        "TTPVHCC Trường Vinh",
        "commune",
        "commune_committee",
        "Số 3 đường Lê Hồng Phong, phường Trường Vinh, tỉnh Nghệ An",
        "0238 3833 001",
        "",
        "Phường Trường Vinh",
    ),
    AgencySpec(
        "thanh_vinh",
        "000.02.30.H40",
        "Trung tâm Phục vụ hành chính công phường Thành Vinh",
        "TTPVHCC Thành Vinh",
        "commune",
        "commune_committee",
        "Số 2 đường Phan Đăng Lưu, phường Thành Vinh, tỉnh Nghệ An",
        "0238 3833 002",
        "",
        "Phường Thành Vinh",
    ),
    AgencySpec(
        "cua_lo",
        "000.03.30.H40",
        "Trung tâm Phục vụ hành chính công phường Cửa Lò",
        "TTPVHCC Cửa Lò",
        "commune",
        "commune_committee",
        "Số 1 đường Bình Minh, phường Cửa Lò, tỉnh Nghệ An",
        "0238 3824 003",
        "",
        "Phường Cửa Lò",
    ),
    AgencySpec(
        "anh_son",
        "000.04.30.H40",
        "Trung tâm Phục vụ hành chính công xã Anh Sơn",
        "TTPVHCC Anh Sơn",
        "commune",
        "commune_committee",
        "Khối 5, xã Anh Sơn, tỉnh Nghệ An",
        "0238 3872 004",
        "",
        "Xã Anh Sơn",
    ),
    AgencySpec(
        "dien_chau",
        "000.05.30.H40",
        "Trung tâm Phục vụ hành chính công xã Diễn Châu",
        "TTPVHCC Diễn Châu",
        "commune",
        "commune_committee",
        "Khối 2, xã Diễn Châu, tỉnh Nghệ An",
        "0238 3862 005",
        "",
        "Xã Diễn Châu",
    ),
    AgencySpec(
        "quynh_luu",
        "000.06.30.H40",
        "Trung tâm Phục vụ hành chính công xã Quỳnh Lưu",
        "TTPVHCC Quỳnh Lưu",
        "commune",
        "commune_committee",
        "Khối 1, xã Quỳnh Lưu, tỉnh Nghệ An",
        "0238 3864 006",
        "",
        "Xã Quỳnh Lưu",
    ),
)
COMMUNE_CENTRES = tuple(a.identifier for a in AGENCIES if a.kind == "commune_committee")
# Reception counters of the provincial centre, each serving the fields (by field code prefix) it names.
COUNTERS = (
    (1, "Quầy Tư pháp – Hộ tịch", ("G15",)),
    (2, "Quầy Công an – Cư trú, căn cước, xuất nhập cảnh", ("G01",)),
    (3, "Quầy Xây dựng – Giao thông", ("G17",)),
    (4, "Quầy Nông nghiệp và Môi trường – Đất đai", ("G10",)),
    (5, "Quầy Tài chính – Đăng ký kinh doanh", ("G09",)),
    (6, "Quầy Y tế – Giáo dục", ("G18", "G03")),
    (7, "Quầy Công Thương – Khoa học và Công nghệ", ("G12", "G06")),
    (8, "Quầy Nội vụ – Văn hóa, Thể thao và Du lịch", ("G14", "G16")),
)


@dataclass(frozen=True)
class AccountSpec:
    username: str
    first_name: str
    last_name: str
    agency: str | None  # AgencySpec.key
    role: str | None
    title: str = ""
    counter: int | None = None


# The five contract accounts first (contract §3), then staff that make the scoping visible.
ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec("admin", "Hệ thống", "Quản trị", "centre", Role.SYSADMIN, "Quản trị hệ thống"),
    AccountSpec(
        "tiepnhan", "Lan", "Trần Thị", "centre", Role.RECEPTION, "Cán bộ tiếp nhận và trả kết quả", 1
    ),
    AccountSpec(
        "chuyenvien", "Minh", "Lê Văn", "justice", Role.SPECIALIST, "Chuyên viên Phòng Hành chính tư pháp"
    ),
    AccountSpec("lanhdao", "Hùng", "Nguyễn Văn", "justice", Role.LEADER, "Phó Giám đốc Sở Tư pháp"),
    AccountSpec("congdan", "Hoa", "Nguyễn Thị", None, None),
    AccountSpec(
        "tiepnhan2", "Hà", "Phan Thị", "centre", Role.RECEPTION, "Cán bộ tiếp nhận và trả kết quả", 3
    ),
    AccountSpec(
        "giamdoc_ttpvhcc",
        "Thành",
        "Hồ Đức",
        "centre",
        Role.CENTRE_HEAD,
        "Giám đốc Trung tâm Phục vụ hành chính công",
    ),
    AccountSpec(
        "tiepnhan_truongvinh",
        "Hương",
        "Võ Thị",
        "truong_vinh",
        Role.RECEPTION,
        "Cán bộ tiếp nhận phường Trường Vinh",
    ),
    AccountSpec(
        "chuyenvien_truongvinh",
        "Tuấn",
        "Đặng Quốc",
        "truong_vinh",
        Role.SPECIALIST,
        "Công chức Tư pháp – Hộ tịch phường Trường Vinh",
    ),
    AccountSpec(
        "lanhdao_truongvinh",
        "Bình",
        "Hoàng Văn",
        "truong_vinh",
        Role.LEADER,
        "Phó Chủ tịch UBND phường Trường Vinh",
    ),
    AccountSpec(
        "tiepnhan_anhson", "Mai", "Nguyễn Thị", "anh_son", Role.RECEPTION, "Cán bộ tiếp nhận xã Anh Sơn"
    ),
    AccountSpec(
        "chuyenvien_xaydung",
        "Quang",
        "Thái Bá",
        "construction",
        Role.SPECIALIST,
        "Chuyên viên Phòng Quản lý hoạt động xây dựng",
    ),
    AccountSpec(
        "lanhdao_xaydung", "Sơn", "Trần Đình", "construction", Role.LEADER, "Phó Giám đốc Sở Xây dựng"
    ),
    AccountSpec(
        "chuyenvien_congan",
        "Dũng",
        "Cao Xuân",
        "police",
        Role.SPECIALIST,
        "Cán bộ Phòng Cảnh sát quản lý hành chính về trật tự xã hội",
    ),
    AccountSpec("lanhdao_congan", "Kiên", "Lê Trung", "police", Role.LEADER, "Phó Giám đốc Công an tỉnh"),
    AccountSpec("doanhnghiep", "Công ty TNHH Thương mại Lam Hồng", "", None, None),
)
CITIZEN = {
    "full_name": "Nguyễn Thị Hoa",
    "id_number": "040190001234",
    "birth_date": date(1990, 3, 15),
    "sex": "female",
    "phone": "0912345678",
    "email": "hoa@example.vn",
    "address": "Số 12 ngõ 5 đường Lê Lợi, phường Thành Vinh, tỉnh Nghệ An",
    "commune": "Phường Thành Vinh",
}
COMPANY = {
    "full_name": "Công ty TNHH Thương mại Lam Hồng",
    "tax_code": "2900325244",
    "phone": "02383567890",
    "email": "lienhe@lamhong.example.vn",
    "address": "Số 45 đường Nguyễn Văn Cừ, phường Vinh Hưng, tỉnh Nghệ An",
    "commune": "Phường Vinh Hưng",
}


def _n(value: int) -> str:
    return format_decimal(value, locale="vi_VN")  # 3.321


# --- steps ----------------------------------------------------------------------------------------------------


def load_admin_units() -> str:
    r = directory.load_admin_units()
    return (
        f"{_n(r['provinces'])} tỉnh, thành phố và {_n(r['communes'])} xã, phường, đặc khu "
        f"(thêm {_n(r['created'])}, cập nhật {_n(r['updated'])})"
    )


def _province() -> AdminUnit:
    province = AdminUnit.objects.filter(code=PROVINCE_CODE, level="province", valid_from=MERGER).first()
    if province is None:
        from motcua.core.errors import Conflict

        raise Conflict(
            "Chưa có đơn vị hành chính tỉnh Nghệ An: chạy bước đơn vị hành chính trước.",
            code="missing_admin_units",
        )
    return province


@transaction.atomic
def load_agencies() -> str:
    province = _province()
    communes = {u.name: u for u in AdminUnit.objects.filter(parent=province, valid_from=MERGER)}
    created = changed = 0
    by_key: dict[str, Agency] = {}
    for spec in AGENCIES:
        wanted = {
            "name": spec.name,
            "short_name": spec.short_name,
            "level": spec.level,
            "kind": spec.kind,
            "province_id": province.pk,
            "admin_unit_id": communes[spec.commune].pk if spec.commune else province.pk,
            "address": spec.address,
            "phone": spec.phone,
            "email": spec.email,
            "working_windows": WINDOWS,
            "working_hours_note": HOURS_NOTE,
            "is_active": True,
            "parent_id": None,
        }
        agency = Agency.objects.filter(identifier=spec.identifier).first()
        if agency is None:
            agency = Agency.objects.create(identifier=spec.identifier, **wanted)
            created += 1
        elif any(getattr(agency, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(agency, k, v)
            agency.save()
            changed += 1
        by_key[spec.key] = agency
        history = [(spec.identifier, MERGER, None)]
        if spec.former:
            history.append((spec.former, date(2020, 9, 1), date(2025, 6, 30)))
        for identifier, valid_from, valid_to in history:
            _, made = AgencyIdentifier.objects.get_or_create(
                agency=agency, identifier=identifier, valid_from=valid_from, defaults={"valid_to": valid_to}
            )
            created += made
    for number, name, _fields in COUNTERS:
        _, made = Counter.objects.update_or_create(
            agency=by_key["centre"], number=number, defaults={"name": name, "is_active": True}
        )
        created += made
    departments = sum(1 for a in AGENCIES if a.kind == "department")
    return (
        f"{len(AGENCIES)} cơ quan của tỉnh Nghệ An: 1 trung tâm tỉnh, {departments} sở, Công an tỉnh, "
        f"{len(COMMUNE_CENTRES)} trung tâm cấp xã; {len(COUNTERS)} quầy (thêm {created}, cập nhật {changed})"
    )


@transaction.atomic
def load_accounts() -> str:
    """The demo accounts, password ``demo``: created ONLY here (contract §3). Existing passwords are kept."""
    User = get_user_model()
    # One hash for all: PBKDF2 costs about a second per call, and every demo account shares the password.
    hashed = make_password(PASSWORD)
    agencies = {spec.key: Agency.objects.get(identifier=spec.identifier) for spec in AGENCIES}
    counters = {c.number: c for c in Counter.objects.filter(agency=agencies["centre"])}
    created = 0
    for spec in ACCOUNTS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                is_staff=spec.username == "admin",
                is_superuser=spec.username == "admin",
            )
            user.password = hashed
            user.save()
            created += 1
        if spec.role:
            before = StaffAssignment.objects.filter(user=user).count()
            directory.assign_role(
                user,
                agencies[spec.agency],
                spec.role,
                title=spec.title,
                counter=counters.get(spec.counter) if spec.counter else None,
            )
            created += StaffAssignment.objects.filter(user=user).count() - before
    province = _province()
    for username, data in (("congdan", CITIZEN), ("doanhnghiep", COMPANY)):
        user = User.objects.get(username=username)
        if Applicant.objects.filter(user=user).exists():
            continue
        data = dict(data)
        commune = AdminUnit.objects.filter(
            parent=province, name=data.pop("commune"), valid_from=MERGER
        ).first()
        kind = Applicant.Kind.CITIZEN if "id_number" in data else Applicant.Kind.ORGANISATION
        directory.register_applicant(username=username, user=user, kind=kind, admin_unit=commune, **data)
        created += 1
    return f"{len(ACCOUNTS)} tài khoản (mật khẩu '{PASSWORD}'), thêm {created}"


# Sở Xây dựng's own internal workflow (the others use the built-in one: specialist, then leader): the
# construction specialist named on the first step, the department's leader on the second.
WORKFLOW = (
    "construction",
    "Quy trình nội bộ giải quyết thủ tục của Sở Xây dựng",
    (  # title, role, named person, working days of the step
        ("Chuyên viên Phòng Quản lý hoạt động xây dựng thẩm định", Role.SPECIALIST, "chuyenvien_xaydung", 10),
        ("Lãnh đạo Sở xem xét, ký duyệt", Role.LEADER, None, 2),
    ),
)


def load_workflows() -> str:
    from django.contrib.auth import get_user_model

    from motcua.dossiers.models import Workflow

    key, name, steps = WORKFLOW
    spec = next(a for a in AGENCIES if a.key == key)
    agency = Agency.objects.get(identifier=spec.identifier)
    workflow, created = Workflow.objects.get_or_create(agency=agency, procedure=None, defaults={"name": name})
    if created:
        users = get_user_model().objects.in_bulk([u for _, _, u, _ in steps if u], field_name="username")
        for order, (title, role, username, days) in enumerate(steps, start=1):
            workflow.steps.create(
                order=order, title=title, role=role, assignee=users.get(username), time=days
            )
    return f"1 quy trình riêng ({agency.name}, {len(steps)} bước){'' if created else ', đã có'}"


def load_calendar() -> str:
    from motcua.directory.calendars import seed_calendar

    year = timezone.localdate().year
    years = [year - 1, year, year + 1]
    n = seed_calendar(years=years)
    return f"ngày nghỉ lễ, làm bù các năm {years[0]}–{years[-1]} (thay đổi {n})"


def procedure_records() -> list[dict]:
    return json.loads(PROCEDURES_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def load_procedures() -> str:
    """Apply every record of ``data/procedures.json``; records already identical in the database are skipped."""
    from motcua.catalog.models import Field, Procedure, ProcedureVersion
    from motcua.catalog.services import apply_record

    records = procedure_records()
    # The latest version snapshot of each procedure is the record as stored: equal means nothing to do.
    latest: dict[str, dict] = {}
    for code, record in (
        ProcedureVersion.objects.filter(procedure__code__in=[r["code"] for r in records])
        .order_by("procedure__code", "number")
        .values_list("procedure__code", "record")
    ):
        latest[code] = record
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for record in records:
        stored = latest.get(record["code"])
        # Compare the keys the file has, so that a field added to the record shape later does not
        # make every run rewrite every procedure.
        if stored is not None and all(stored.get(k) == v for k, v in record.items()):
            counts["unchanged"] += 1
            continue
        _, outcome = apply_record(record)
        counts[outcome] += 1
    # Counters of the provincial centre serve the fields their names say.
    centre = Agency.objects.get(identifier=AGENCIES[0].identifier)
    fields = list(Field.objects.all())
    for number, _name, prefixes in COUNTERS:
        counter = Counter.objects.get(agency=centre, number=number)
        wanted = {f.pk for f in fields if f.code.startswith(prefixes)}
        if set(counter.fields.values_list("pk", flat=True)) != wanted:
            counter.fields.set(wanted)
    total = Procedure.objects.filter(code__in=[r["code"] for r in records]).count()
    return (
        f"{_n(total)} thủ tục hành chính (thêm {counts['created']}, cập nhật {counts['updated']}, "
        f"giữ nguyên {counts['unchanged']})"
    )


# Where each fee-collecting agency's account is (contract §8 VietQR; ADR 0030): the four state-owned banks,
# through which the State Treasury (which has no NAPAS BIN of its own) collects; account numbers in each
# bank's length (Vietcombank 13 digits, BIDV 14, VietinBank 12, Agribank 13) under an invented prefix.
DEMO_BANKS = (  # BIN, name with branch, account number prefix
    ("970436", "Ngân hàng TMCP Ngoại thương Việt Nam – Chi nhánh Nghệ An", "0101000"),
    ("970418", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam – Chi nhánh Nghệ An", "51010000"),
    ("970415", "Ngân hàng TMCP Công thương Việt Nam – Chi nhánh Nghệ An", "118000"),
    ("970405", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam – Chi nhánh Nghệ An", "3600201"),
)


def _tax_code(seq: int) -> str:
    """A Nghệ An (29) organisation tax code with its check digit (weights 31, 29, 23, 19, 17, 13, 7, 5, 3)."""
    while True:
        body = f"29{seq:07d}"
        check = (
            10 - sum(int(c) * w for c, w in zip(body, (31, 29, 23, 19, 17, 13, 7, 5, 3), strict=True)) % 11
        )
        if check < 10:
            return f"{body}{check}"
        seq += 1


def fee_collecting_agencies() -> list[str]:
    """Identifiers of the agencies that are competent for some demo procedure with a fee, in AGENCIES order."""
    collecting = {
        a for r in procedure_records() if any(f["amount"] > 0 for f in r["fees"]) for a in r["agencies"]
    }
    return [a.identifier for a in AGENCIES if a.identifier in collecting]


@transaction.atomic
def load_receiving_accounts() -> str:
    """Every agency that collects fees gets the account VietQR transfers go to and its receipt series.
    A second run changes nothing; the series' last number is the payments' own and is never reset."""
    from unidecode import unidecode

    from motcua.payments.models import ReceivingAccount

    identifiers = fee_collecting_agencies()
    agencies = Agency.objects.in_bulk(identifiers, field_name="identifier")
    year = timezone.localdate().year % 100
    created = changed = 0
    for i, identifier in enumerate(identifiers):
        agency = agencies[identifier]
        bank_bin, bank_name, prefix = DEMO_BANKS[i % len(DEMO_BANKS)]
        length = {"970436": 13, "970418": 14, "970415": 12, "970405": 13}[bank_bin]
        wanted = {
            "bank_bin": bank_bin,
            "bank_name": bank_name,
            "account_number": f"{prefix}{1001 + 37 * i:0{length - len(prefix)}d}",
            "account_name": " ".join(unidecode(agency.name).upper().split()),
            "tax_code": _tax_code(3000 + 17 * i),
        }
        account = ReceivingAccount.objects.filter(agency=agency).first()
        if account is None:
            # Series letters AA, AB, ... and the year of issue; E: electronic receipts (biên lai điện tử).
            series = f"A{chr(ord('A') + i)}-{year:02d}E"
            ReceivingAccount.objects.create(agency=agency, receipt_series=series, **wanted)
            created += 1
        elif any(getattr(account, k) != v for k, v in wanted.items()):
            ReceivingAccount.objects.filter(pk=account.pk).update(**wanted)
            changed += 1
    return f"{len(identifiers)} tài khoản nhận phí, lệ phí của cơ quan (thêm {created}, cập nhật {changed})"


def load_history() -> str:
    """Dossier history of the last twelve months (``motcua.demo.history``; size: MOTCUA_DEMO_HISTORY)."""
    from motcua.demo import history

    return history.load_history(print)


def load_papers() -> str:
    """congdan's digitised papers for her data warehouse (``motcua.demo.papers``), after the history."""
    from motcua.demo import papers

    return papers.load_papers()


Step = tuple[str, Callable[[], str]]
STEPS: tuple[Step, ...] = (
    ("Đơn vị hành chính", load_admin_units),
    ("Cơ quan, quầy tiếp nhận", load_agencies),
    ("Tài khoản minh họa", load_accounts),
    ("Quy trình xử lý nội bộ", load_workflows),
    ("Lịch làm việc", load_calendar),
    ("Danh mục thủ tục hành chính", load_procedures),
    ("Tài khoản thu phí, lệ phí", load_receiving_accounts),
    ("Hồ sơ", load_history),  # <- dossier history step: motcua.demo.history.load_history(...)
    ("Giấy tờ số hóa của công dân", load_papers),
)


def load_demo(progress: Callable[[str], None] | None = None) -> None:
    """Run every step in order, reporting '[i/n] step: result' through ``progress``."""
    for i, (title, step) in enumerate(STEPS, start=1):
        line = step()
        if progress:
            progress(f"[{i}/{len(STEPS)}] {title}: {line}")


def account_table() -> list[tuple[str, str]]:
    """(username, what it is) for the accounts of contract §3, for the command's closing lines."""
    roles = {
        "admin": "Quản trị hệ thống (trang quản trị /admin/)",
        "tiepnhan": "Cán bộ tiếp nhận một cửa, Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        "chuyenvien": "Chuyên viên xử lý, Sở Tư pháp tỉnh Nghệ An",
        "lanhdao": "Lãnh đạo phê duyệt, Sở Tư pháp tỉnh Nghệ An",
        "congdan": f"Công dân {CITIZEN['full_name']}, số định danh {CITIZEN['id_number']}",
    }
    return list(roles.items())
