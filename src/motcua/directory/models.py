"""Who does what: administrative units, agencies, counters, staff roles, citizen accounts, calendars."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.text import fold


class AdminUnit(models.Model):
    """Province or commune, with validity dates so that pre-merger codes still resolve."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Tỉnh/thành phố")
        DISTRICT = "district", _("Huyện (trước 01/07/2025)")
        COMMUNE = "commune", _("Xã/phường/đặc khu")

    code = models.CharField(_("mã"), max_length=10, db_index=True)
    name = models.CharField(_("tên"), max_length=200)
    # fold(name): accent-insensitive search ('nghe an' finds 'Nghệ An'); kept in step by save()
    name_folded = models.CharField(_("tên không dấu"), max_length=200, blank=True, editable=False)
    codename = models.CharField(_("tên mã (không dấu)"), max_length=200, blank=True)
    division_type = models.CharField(_("loại đơn vị"), max_length=40, blank=True)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("đơn vị cấp trên"),
    )
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    class Meta:
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="adminunit_code_from_uniq")
        ]
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class Agency(models.Model):
    """An agency with its electronic identifier (QĐ 20/2020): an opaque string, never parsed."""

    class Level(models.TextChoices):
        MINISTRY = "ministry", _("Bộ, ngành")
        PROVINCE = "province", _("Tỉnh")
        COMMUNE = "commune", _("Xã")

    class Kind(models.TextChoices):
        SERVICE_CENTRE = "service_centre", _("Trung tâm phục vụ hành chính công")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        COMMUNE_COMMITTEE = "commune_committee", _("Ủy ban nhân dân xã")
        CENTRAL_BRANCH = "central_branch", _("Cơ quan ngành dọc")
        MINISTRY = "ministry", _("Bộ, cơ quan ngang bộ")
        PROVINCE_COMMITTEE = "province_committee", _("Ủy ban nhân dân tỉnh")

    identifier = models.CharField(_("mã định danh"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    name_folded = models.CharField(_("tên không dấu"), max_length=255, blank=True, editable=False)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("cơ quan cấp trên"),
    )
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("loại cơ quan"), max_length=20, choices=Kind.choices)
    admin_unit = models.ForeignKey(
        AdminUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("đơn vị hành chính"),
    )
    province = models.ForeignKey(
        AdminUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Tỉnh của cơ quan: phạm vi tiếp nhận không phụ thuộc địa giới hành chính"),
        verbose_name=_("tỉnh"),
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    # [["07:00", "11:30"], ["13:30", "17:00"]]; empty = the calendar's default windows.
    working_windows = models.JSONField(_("giờ làm việc"), default=list, blank=True)
    working_hours_note = models.CharField(_("ghi chú giờ làm việc"), max_length=200, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(f"{self.name} {self.short_name}")
        super().save(*args, **kwargs)


class AgencyIdentifier(models.Model):
    """Identifier history: codes changed after the July 2025 merger; old dossiers keep old codes."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="identifiers", verbose_name=_("cơ quan")
    )
    identifier = models.CharField(_("mã định danh"), max_length=40, db_index=True)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["identifier", "valid_from"], name="agencyid_from_uniq")
        ]
        verbose_name = _("mã định danh (lịch sử)")
        verbose_name_plural = _("lịch sử mã định danh")

    def __str__(self) -> str:
        return self.identifier


class Counter(models.Model):
    """A one-stop reception counter (quầy) of a service centre."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="counters", verbose_name=_("cơ quan")
    )
    number = models.PositiveSmallIntegerField(_("số quầy"))
    name = models.CharField(_("tên quầy"), max_length=200)
    fields = models.ManyToManyField(
        "catalog.Field", blank=True, related_name="counters", verbose_name=_("lĩnh vực tiếp nhận")
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["agency", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="counter_agency_number_uniq")
        ]
        verbose_name = _("quầy một cửa")
        verbose_name_plural = _("quầy một cửa")

    def __str__(self) -> str:
        return f"{self.agency.short_name or self.agency.name} – {_('Quầy')} {self.number}"


class Role(models.TextChoices):
    RECEPTION = "reception", _("Cán bộ tiếp nhận một cửa")
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo phê duyệt")
    CENTRE_HEAD = "centre_head", _("Lãnh đạo trung tâm")
    SYSADMIN = "sysadmin", _("Quản trị hệ thống")


class StaffAssignment(models.Model):
    """A staff account's role at one agency: the unit of permission scoping."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("tài khoản"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="staff", verbose_name=_("cơ quan")
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("quầy")
    )
    title = models.CharField(_("chức danh"), max_length=120, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "agency", "role"], name="assignment_uniq")]
        verbose_name = _("phân công cán bộ")
        verbose_name_plural = _("phân công cán bộ")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.agency}"


class Applicant(models.Model):
    """Citizen or organisation account data (người dân, doanh nghiệp)."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Công dân")
        ORGANISATION = "organisation", _("Tổ chức, doanh nghiệp")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="applicant",
        verbose_name=_("tài khoản"),
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices, default=Kind.CITIZEN)
    full_name = models.CharField(_("họ và tên / tên tổ chức"), max_length=200)
    id_number = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True, db_index=True)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    tax_code = models.CharField(_("mã số thuế"), max_length=14, blank=True, db_index=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    admin_unit = models.ForeignKey(
        AdminUnit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("đơn vị hành chính")
    )

    class Meta:
        verbose_name = _("người dân, tổ chức")
        verbose_name_plural = _("người dân, tổ chức")

    def __str__(self) -> str:
        return self.full_name


class CalendarDay(models.Model):
    """An administrator-editable exception to the Monday-Friday week, province-wide or per agency."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Ngày nghỉ lễ, tết")
        WORKDAY = "workday", _("Ngày làm bù (cuối tuần đi làm)")
        CLOSURE = "closure", _("Ngày tạm nghỉ tiếp nhận")

    date = models.DateField(_("ngày"), db_index=True)
    kind = models.CharField(_("loại ngày"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("tên ngày"), max_length=200)
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_days",
        verbose_name=_("cơ quan"),
    )
    source = models.CharField(
        _("nguồn"), max_length=40, blank=True, help_text=_("'holidays' khi được khởi tạo từ gói holidays")
    )

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "agency"], name="calendarday_agency_uniq"),
            models.UniqueConstraint(
                fields=["date"], condition=models.Q(agency__isnull=True), name="calendarday_global_uniq"
            ),
        ]
        verbose_name = _("ngày lịch làm việc")
        verbose_name_plural = _("lịch nghỉ lễ, làm bù")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class DailySequence(models.Model):
    """Per receiving agency and day, the last dossier number used (the SoHienTai of real systems)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", verbose_name=_("cơ quan"))
    day = models.DateField(_("ngày"))
    last = models.PositiveIntegerField(_("số thứ tự cuối"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dailyseq_agency_day_uniq")]
        verbose_name = _("số thứ tự hồ sơ trong ngày")
        verbose_name_plural = _("số thứ tự hồ sơ trong ngày")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day:%d/%m/%Y}: {self.last}"
