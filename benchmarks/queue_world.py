"""A province's year of dossiers for the work-queue benchmark: directory, staff, procedures and N dossiers.

Shape (Nghệ An after the 2025 reorganisation, about a million dossiers a year):

* one provincial public-administration centre, 20 departments and 130 commune committees; the demo's
  Sở Tư pháp (`000.00.15.H40`) is one of the busier departments;
* staff at every agency (reception, specialists, leaders); `tiepnhan` receives at the provincial centre
  (and so sees the whole province), `chuyenvien` is the first specialist of Sở Tư pháp and gets a large
  share of its dossiers, `lanhdao` is its first leader;
* dossiers submitted over the 365 days before `now`: 40 % at departments (most through the centre's
  counter, the rest online), 60 % at communes; the agencies' shares fall off like 1/rank;
* each dossier's processing takes a random share of its legal time (a tenth of them run late, a few get
  stuck), so what is still open at `now` is mostly recent, and its status follows from where it is:
  waiting for reception (1), received (2), processing (4), waiting for a supplement (5) or a payment (6),
  done and waiting for the hand-over (9); the rest is finished (10, and 3, 7, 8). About 6 % end up open.

Rows are generated in Python (deterministic, one seed) and written with COPY on PostgreSQL, with
executemany elsewhere, so the same code builds a million rows for the benchmark and a few hundred for
its smoke test.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

PROVINCE_CODE = "40"
CENTRE = "000.00.00.H40"
JUSTICE = "000.00.15.H40"
SEED = 20251201

DEPARTMENTS = [
    ("000.00.15.H40", "Sở Tư pháp"),
    ("000.00.12.H40", "Sở Xây dựng"),
    ("000.00.13.H40", "Sở Nông nghiệp và Môi trường"),
    ("000.00.14.H40", "Sở Tài chính"),
    ("000.00.16.H40", "Sở Công Thương"),
    ("000.00.17.H40", "Sở Giáo dục và Đào tạo"),
    ("000.00.18.H40", "Sở Y tế"),
    ("000.00.19.H40", "Sở Nội vụ"),
    ("000.00.20.H40", "Sở Văn hóa, Thể thao và Du lịch"),
    ("000.00.21.H40", "Sở Khoa học và Công nghệ"),
    ("000.00.22.H40", "Sở Dân tộc và Tôn giáo"),
    ("000.00.23.H40", "Ban Quản lý Khu kinh tế Đông Nam"),
    ("000.00.24.H40", "Công an tỉnh"),
    ("000.00.25.H40", "Thanh tra tỉnh"),
    ("000.00.26.H40", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("000.00.27.H40", "Sở Ngoại vụ"),
    ("000.00.28.H40", "Bảo hiểm xã hội tỉnh"),
    ("000.00.29.H40", "Cục Thuế tỉnh"),
    ("000.00.30.H40", "Kho bạc Nhà nước khu vực"),
    ("000.00.31.H40", "Văn phòng Đăng ký đất đai"),
]
COMMUNE_BASES = [
    "Anh Sơn", "Diễn Châu", "Quỳnh Lưu", "Nghi Lộc", "Hưng Nguyên", "Nam Đàn", "Thanh Chương", "Đô Lương",
    "Yên Thành", "Con Cuông", "Tương Dương", "Kỳ Sơn", "Quế Phong", "Quỳ Châu", "Quỳ Hợp", "Nghĩa Đàn",
    "Tân Kỳ", "Hoàng Mai", "Thái Hòa", "Cửa Lò", "Vinh Hưng", "Trường Vinh", "Thành Vinh", "Vinh Lộc",
    "Bến Thủy", "Hưng Dũng",
]  # fmt: skip
N_COMMUNES = 130
FIELDS = [
    ("G09-HT01", "Hộ tịch"), ("G09-CT01", "Chứng thực"), ("G09-XD01", "Xây dựng"), ("G09-DD01", "Đất đai"),
    ("G09-KD01", "Đăng ký kinh doanh"), ("G09-YT01", "Y tế"), ("G09-GD01", "Giáo dục và Đào tạo"),
    ("G09-LD01", "Lao động"), ("G09-VH01", "Văn hóa"), ("G09-NN01", "Nông nghiệp"),
    ("G09-BT01", "Bảo trợ xã hội"), ("G09-CU01", "Cư trú"),
]  # fmt: skip
COMMUNE_PROCEDURES = [
    ("Đăng ký khai sinh", "G09-HT01", 1),
    ("Đăng ký kết hôn", "G09-HT01", 3),
    ("Đăng ký khai tử", "G09-HT01", 1),
    ("Chứng thực bản sao từ bản chính", "G09-CT01", 1),
    ("Chứng thực chữ ký", "G09-CT01", 1),
    ("Cấp giấy xác nhận tình trạng hôn nhân", "G09-HT01", 3),
    ("Đăng ký thường trú", "G09-CU01", 7),
    ("Đăng ký hộ kinh doanh", "G09-KD01", 3),
    ("Trợ cấp xã hội hằng tháng", "G09-BT01", 15),
    ("Đăng ký biến động đất đai", "G09-DD01", 10),
]
DEPARTMENT_PROCEDURES = [
    ("Cấp phiếu lý lịch tư pháp", "G09-HT01", 10),
    ("Đăng ký khai sinh có yếu tố nước ngoài", "G09-HT01", 15),
    ("Cấp giấy phép xây dựng", "G09-XD01", 15),
    ("Cấp chứng chỉ hành nghề", "G09-YT01", 10),
    ("Cấp giấy phép kinh doanh", "G09-KD01", 5),
    ("Cấp giấy chứng nhận quyền sử dụng đất", "G09-DD01", 15),
    ("Cấp phép hoạt động giáo dục", "G09-GD01", 15),
    ("Cấp giấy phép lao động", "G09-LD01", 5),
]
FAMILY = ["Nguyễn"] * 38 + ["Trần"] * 11 + ["Lê"] * 10 + ["Phạm"] * 7 + ["Hoàng"] * 5 + ["Phan"] * 5 + [
    "Vũ", "Vũ", "Đặng", "Đặng", "Bùi", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Võ", "Thái", "Cao", "Đinh",
]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quốc", "Thu", "Xuân", "Khánh", "Đình"]
GIVEN = [
    "An", "Bình", "Chi", "Dũng", "Hoa", "Hùng", "Lan", "Mai", "Nam", "Phương", "Quang", "Sơn", "Tâm", "Thảo",
    "Trang", "Tuấn", "Vân", "Yến", "Hải", "Hằng", "Hiếu", "Hòa", "Huệ", "Khoa", "Linh", "Long", "Nga",
    "Nhung", "Oanh", "Phúc", "Quyên", "Thắng", "Thủy", "Trung", "Tú", "Việt", "Đạt", "Ánh", "Cường", "Giang",
]  # fmt: skip

DOSSIER_COLUMNS = (
    "code", "procedure_id", "procedure_version_id", "case_code", "agency_id", "receiving_agency_id",
    "current_agency_id", "assignee_id", "step", "step_due_at", "channel", "status", "applicant_kind",
    "applicant_name", "applicant_name_folded", "applicant_id_number", "applicant_tax_code",
    "applicant_birth_date", "applicant_phone", "applicant_email", "applicant_address", "authorised",
    "authorised_name", "authorised_id_number", "applicant_user_id", "summary", "submitted_at", "received_at",
    "due_at", "original_due_at", "finished_at", "returned_at", "refused_at", "paused_at",
    "paused_from_status", "supplement_count", "guidance_count", "apology_count", "apologized_at",
    "due_at_before_apology", "fee_total", "fee_paid", "result_name", "digitised", "vneid_verified",
    "paid_online", "national_databases", "idempotency_key", "version", "created_at", "updated_at",
)  # fmt: skip


def zipf(n: int) -> list[float]:
    return [1 / (r + 1) for r in range(n)]


class World:
    """The directory, staff and procedures the dossiers refer to (ids), built with the ORM."""

    def __init__(self, now: datetime):
        self.now = now
        self.departments: list[int] = []
        self.communes: list[int] = []
        self.centre = 0
        self.procedures: dict[
            int, list[tuple[int, int, int, str]]
        ] = {}  # agency -> (id, version, days, name)
        self.specialists: dict[int, list[int]] = {}
        self.leaders: dict[int, list[int]] = {}
        self.citizen = 0


def build_directory(now: datetime, *, departments: int = 20, communes: int = N_COMMUNES) -> World:
    """Agencies, calendar, procedures and staff (a few seconds); the dossiers come from `dossier_rows`.

    Smaller worlds (`departments`, `communes`) are for the benchmark's smoke test."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from motcua.catalog.services import apply_record
    from motcua.directory.calendars import seed_calendar
    from motcua.directory.models import AdminUnit, Agency, Applicant, Role, StaffAssignment

    w = World(now)
    User = get_user_model()
    password = make_password("demo")
    with transaction.atomic():
        seed_calendar(range(now.year - 1, now.year + 2))
        province = AdminUnit.objects.create(
            code=PROVINCE_CODE, name="Tỉnh Nghệ An", level="province", valid_from=date(2025, 7, 1)
        )
        common = {"province": province, "admin_unit": province}
        centre = Agency.objects.create(
            identifier=CENTRE,
            name="Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
            level="province",
            kind="service_centre",
            **common,
        )
        w.centre = centre.pk
        depts = [
            Agency.objects.create(
                identifier=ident, name=f"{name} tỉnh Nghệ An", level="province", kind="department", **common
            )
            for ident, name in DEPARTMENTS[:departments]
        ]
        communes = [
            Agency.objects.create(
                identifier=f"000.{1 + i // 100:02d}.{i % 100:02d}.H40",
                name=f"Ủy ban nhân dân xã {COMMUNE_BASES[i % len(COMMUNE_BASES)]}"
                + (f" {i // len(COMMUNE_BASES) + 1}" if i >= len(COMMUNE_BASES) else ""),
                level="commune",
                kind="commune_committee",
                **common,
            )
            for i in range(communes)
        ]
        w.departments, w.communes = [a.pk for a in depts], [a.pk for a in communes]
        fields = dict(FIELDS)

        def procedure(code: str, name: str, field: str, days: int, level: str, agencies: list[Agency]):
            p, _ = apply_record(
                {
                    "code": code,
                    "name": name,
                    "field": {"code": field, "name": fields[field]},
                    "levels": [level],
                    "processing_time": days,
                    "time_unit": "working_days",
                    "subjects": ["Công dân Việt Nam"],
                    "online_level": "full",
                    "publication_state": "published",
                    "agencies": [a.identifier for a in agencies],
                    "cases": [{"code": "TH1", "name": "Trường hợp thông thường"}],
                    "steps": [{"title": "Nộp hồ sơ"}, {"title": "Trả kết quả"}],
                    "channels": [
                        {"channel": "counter", "processing_time": days},
                        {"channel": "online", "processing_time": days},
                    ],
                    "components": [
                        {"code": "TP1", "name": "Tờ khai", "case": "TH1"},
                        {"code": "TP2", "name": "Giấy tờ tùy thân", "copies": 1},
                    ],
                    "results": [{"code": "KQ1", "name": name}],
                }
            )
            return p.pk, p.versions.order_by("-pk").values_list("pk", flat=True)[0], days, name

        commune_procs = [
            procedure(f"2.{100 + k:06d}", name, field, days, "commune", communes)
            for k, (name, field, days) in enumerate(COMMUNE_PROCEDURES)
        ]
        for a in communes:
            w.procedures[a.pk] = commune_procs
        for i, dept in enumerate(depts):
            picks = [DEPARTMENT_PROCEDURES[(i + k) % len(DEPARTMENT_PROCEDURES)] for k in range(3)]
            w.procedures[dept.pk] = [
                procedure(f"1.{200 + i * 3 + k:06d}", name, field, days, "province", [dept])
                for k, (name, field, days) in enumerate(picks)
            ]

        def staff(username: str, agency: Agency, role: str, first: str, last: str) -> int:
            u = User(username=username, password=password, first_name=first, last_name=last)
            u.save()
            StaffAssignment.objects.create(user=u, agency=agency, role=role)
            return u.pk

        staff("tiepnhan", centre, Role.RECEPTION, "Lan", "Trần Thị")
        for k in range(10):
            staff(f"tn.tt.{k}", centre, Role.RECEPTION, "Hà", "Lê Thu")
        for a, n_spec, n_lead in [(d, 6, 2) for d in depts] + [(c, 2, 1) for c in communes]:
            specs = []
            for k in range(n_spec):
                name = "chuyenvien" if a.identifier == JUSTICE and k == 0 else f"cv.{a.pk}.{k}"
                specs.append(staff(name, a, Role.SPECIALIST, "Minh", "Nguyễn Văn"))
            leads = []
            for k in range(n_lead):
                name = "lanhdao" if a.identifier == JUSTICE and k == 0 else f"ld.{a.pk}.{k}"
                leads.append(staff(name, a, Role.LEADER, "Quang", "Phạm Văn"))
            staff(f"tn.{a.pk}", a, Role.RECEPTION, "Mai", "Võ Thị")
            w.specialists[a.pk], w.leaders[a.pk] = specs, leads
        citizen = User(username="congdan", password=password, first_name="Hoa", last_name="Nguyễn Thị")
        citizen.save()
        Applicant.objects.create(
            user=citizen,
            kind="citizen",
            full_name="Nguyễn Thị Hoa",
            id_number="038190001234",
            phone="0912345678",
            email="hoa@example.vn",
        )
        w.citizen = citizen.pk
        User.objects.create_superuser("admin", password=None).set_password("demo")
    return w


def _skewed(rnd: random.Random, people: list[int], weight: float = 0.4) -> int:
    """The first officer of a unit takes `weight` of its dossiers: the 'large queue' of the issue."""
    return people[0] if rnd.random() < weight or len(people) == 1 else rnd.choice(people[1:])


def dossier_rows(w: World, n: int, seed: int = SEED) -> Iterator[tuple]:
    """n dossier rows (DOSSIER_COLUMNS order), submitted over the 365 days before `w.now`."""
    from motcua.core.text import fold
    from motcua.directory.calendars import calendar_for

    rnd = random.Random(seed)
    cal = calendar_for(None)
    now = w.now
    dept_weights, commune_weights = zipf(len(w.departments)), zipf(len(w.communes))
    # Sở Tư pháp is listed first: with 1/rank weights it is the busiest department (~11 % of them).
    seq: dict[tuple[int, date], int] = {}
    identifiers = _identifiers()
    names = [(f, m, g) for f in FAMILY[:: max(1, len(FAMILY) // 40)] for m in MIDDLE for g in GIVEN]
    folded = {}
    span = 365 * 86400
    for i in range(n):
        # In submission order, as a real table fills up: ids and pages follow time.
        submitted = now - timedelta(seconds=span * (1 - (i + rnd.random()) / n))
        # Office hours, mostly: pull the time of day into 07:00-17:00 local.
        local = submitted.astimezone(cal_tz())
        submitted = submitted - timedelta(hours=local.hour - 7 - rnd.random() * 10)
        if submitted > now:
            submitted = now - timedelta(minutes=rnd.random() * 60)
        dept = rnd.random() < 0.4
        agency = rnd.choices(
            w.departments if dept else w.communes, dept_weights if dept else commune_weights
        )[0]
        proc_id, version_id, days, proc_name = rnd.choice(w.procedures[agency])
        r = rnd.random()
        channel = 1 if r < (0.55 if dept else 0.7) else (2 if r < 0.95 else 3)
        receiving = w.centre if dept and channel != 2 else agency
        status, received, due, finished, returned, refused, paused = 1, None, None, None, None, None, None
        paused_from, supplements, assignee, current = None, 0, None, receiving
        reception_delay = 0 if channel == 1 else rnd.expovariate(1 / (0.6 * 86400))
        r = rnd.random()
        if r < 0.02:  # refused at the one-stop check
            refused = submitted + timedelta(seconds=reception_delay + 3600)
            status = 3 if refused <= now else 1
        elif submitted + timedelta(seconds=reception_delay) > now or r < 0.023:
            status = 1  # not yet received (a few forgotten ones too)
        else:
            received = submitted + timedelta(seconds=reception_delay)
            due = cal.add(cal.next_working_time(received), days, "working_days")
            # Processing takes a share of the legal time: most finish early, a tenth late, a few get stuck.
            r = rnd.random()
            share = rnd.betavariate(2, 3) * 1.25 if r > 0.05 else 1 + rnd.expovariate(0.08)
            end = received + (due - received) * share
            forgotten_supplement = r > 0.985  # asked for papers that never came
            supplements = 0 if rnd.random() > 0.06 else (1 if rnd.random() > 0.1 else 2)
            current = agency if rnd.random() > 0.02 else rnd.choice(w.departments)
            withdrawn = rnd.random() < 0.015
            stopped = not withdrawn and rnd.random() < 0.006
            if forgotten_supplement and received + (due - received) * 0.3 < now:
                status, paused, paused_from = 5, received + (due - received) * 0.3, 4
                assignee = _skewed(rnd, w.specialists[current])
            elif end <= now:
                finished = end
                status = 7 if withdrawn else (8 if stopped else 9)
                assignee = _skewed(rnd, w.leaders[agency]) if rnd.random() < 0.8 else None
                if assignee is None:
                    assignee = _skewed(rnd, w.specialists[agency])
                if status == 9:
                    pickup = 2 if rnd.random() > 0.03 else 90  # some results are never collected
                    returned = end + timedelta(seconds=rnd.expovariate(1 / (pickup * 86400)))
                    if returned <= now:
                        status = 10
                    else:
                        returned = None
                if status == 7:
                    assignee = None
            else:  # still running
                progress = (now - received) / max(end - received, timedelta(seconds=1))
                if progress < 0.08 and channel != 2:
                    status, current = 2, receiving
                else:
                    status = 4
                    r = rnd.random()
                    if r < 0.09:
                        status, paused, paused_from = 5, now - (now - received) * rnd.random() * 0.5, 4
                    elif r < 0.13:
                        status = 6
                    specialist = rnd.random() < 0.75
                    assignee = _skewed(rnd, (w.specialists if specialist else w.leaders)[current])
        family, middle, given = names[rnd.randrange(len(names))]
        name = f"{family} {middle} {given}"
        if name not in folded:
            folded[name] = fold(name)
        day = submitted.astimezone(cal_tz()).date()
        key = (receiving, day)
        seq[key] = seq.get(key, 0) + 1
        code = f"{identifiers[receiving]}-{day:%y%m%d}-{seq[key]:04d}"
        owner = w.citizen if channel == 2 and rnd.random() < 0.002 else None
        yield (
            code, proc_id, version_id, "TH1", agency, receiving, current, assignee, 0, None, channel, status,
            "citizen", name, folded[name], f"{rnd.randrange(10**12):012d}", "", None,
            f"09{rnd.randrange(10**8):08d}", "", "Nghệ An", False, "", "", owner, proc_name, submitted,
            received, due, due, finished, returned, refused, paused, paused_from, supplements, 0, 0, None, None,
            0, 0, proc_name if status in (9, 10) else "", False, False, 0, "[]", None, 1, submitted,
            returned or finished or paused or received or submitted,
        )  # fmt: skip


_IDS: dict[int, str] = {}


def _identifiers() -> dict[int, str]:
    from motcua.directory.models import Agency

    if not _IDS:
        _IDS.update(Agency.objects.values_list("pk", "identifier"))
    return _IDS


def cal_tz():
    from motcua.core.formatting import LOCAL_TZ

    return LOCAL_TZ


def write_dossiers(w: World, n: int, *, batch: int = 20_000, progress=None, shape=None) -> None:
    """Insert n dossiers (COPY on PostgreSQL) and two components each (INSERT ... SELECT). `shape(rows)`
    may change the rows on their way (bench_share sets the fee columns there: an UPDATE of a million rows
    afterwards rewrites every index and takes longer than building them)."""
    from django.db import connection, transaction

    from motcua.dossiers.models import Dossier, DossierComponent

    _IDS.clear()
    table = Dossier._meta.db_table
    cols = ", ".join(connection.ops.quote_name(c) for c in DOSSIER_COLUMNS)
    rows = dossier_rows(w, n) if shape is None else shape(dossier_rows(w, n))
    done = 0
    while done < n:
        chunk = [next(rows) for _ in range(min(batch, n - done))]
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(DOSSIER_COLUMNS))
                cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", chunk)
        done += len(chunk)
        if progress:
            progress(done)
    comp = DossierComponent._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        for order, (code, name) in enumerate([("TP1", "Tờ khai"), ("TP2", "Giấy tờ tùy thân")]):
            cur.execute(
                f'INSERT INTO {comp} (dossier_id, code, name, copies, required, digitised, "order") '
                f"SELECT id, %s, %s, 1, %s, %s, %s FROM {table}",
                [code, name, True, False, order],
            )
