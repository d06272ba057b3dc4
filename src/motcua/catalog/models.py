"""The procedure catalogue (domain.md §1.1): every part a published procedure must state, and versions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.text import fold

from .reductions import check as check_reductions


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    DAYS = "days", _("ngày")
    HOURS = "hours", _("giờ làm việc")


class Channel(models.TextChoices):
    COUNTER = "counter", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POSTAL = "postal", _("Dịch vụ bưu chính")


class Field(models.Model):
    """Lĩnh vực (sector) of procedures, e.g. G03-GD10 Giáo dục Trung học."""

    code = models.CharField(_("mã lĩnh vực"), max_length=40, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=255)
    name_folded = models.CharField(_("tên không dấu"), max_length=255, editable=False, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class Procedure(models.Model):
    class Kind(models.TextChoices):
        PUBLIC = "public", _("Thủ tục hành chính")
        INTERNAL = "internal", _("Thủ tục hành chính nội bộ")

    class OnlineLevel(models.TextChoices):
        FULL = "full", _("Dịch vụ công trực tuyến toàn trình")
        PARTIAL = "partial", _("Dịch vụ công trực tuyến một phần")
        NONE = "none", _("Cung cấp thông tin")

    class AnnouncementKind(models.TextChoices):
        NEW = "new", _("Ban hành mới")
        AMENDED = "amended", _("Sửa đổi, bổ sung")
        ABOLISHED = "abolished", _("Bãi bỏ")

    class PublicationState(models.TextChoices):
        DRAFT = "draft", _("Chưa công khai")
        PUBLISHED = "published", _("Đang công khai")
        PUBLISHED_AMENDED = "published_amended", _("Đang công khai sửa đổi, bổ sung")
        ABOLISHED = "abolished", _("Bãi bỏ")

    code = models.CharField(_("mã thủ tục"), max_length=20, unique=True)
    local_code = models.CharField(_("mã thủ tục tại địa phương"), max_length=60, blank=True)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("lĩnh vực")
    )
    kind = models.CharField(_("loại thủ tục"), max_length=10, choices=Kind.choices, default=Kind.PUBLIC)
    at_ministry = models.BooleanField(_("cấp bộ"), default=False)
    at_province = models.BooleanField(_("cấp tỉnh"), default=False)
    at_district = models.BooleanField(_("cấp huyện (trước 01/07/2025)"), default=False)
    at_commune = models.BooleanField(_("cấp xã"), default=False)
    vertical_sector = models.BooleanField(_("ngành dọc"), default=False)
    agencies = models.ManyToManyField(
        "directory.Agency", blank=True, related_name="procedures", verbose_name=_("cơ quan thực hiện")
    )
    processing_time = models.DecimalField(
        _("thời hạn giải quyết"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    time_unit = models.CharField(
        _("đơn vị thời gian"), max_length=15, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    time_note = models.CharField(_("ghi chú thời hạn"), max_length=500, blank=True)
    subjects = models.JSONField(_("đối tượng thực hiện"), default=list, blank=True)
    requirements = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    online_level = models.CharField(
        _("mức dịch vụ công trực tuyến"), max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    eligible_full_online = models.BooleanField(_("đủ điều kiện DVCTT toàn trình"), default=False)
    announcement_number = models.CharField(_("số quyết định công bố"), max_length=60, blank=True)
    announcement_date = models.DateField(_("ngày quyết định công bố"), null=True, blank=True)
    announcement_kind = models.CharField(
        _("hình thức công bố"), max_length=10, choices=AnnouncementKind.choices, blank=True
    )
    announcing_agency = models.CharField(_("cơ quan công bố"), max_length=255, blank=True)
    publication_state = models.CharField(
        _("trạng thái công khai"),
        max_length=20,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("thời điểm công khai"), null=True, blank=True)
    # Derived on save: accent-folded name and search text (name + code + field + subjects).
    name_folded = models.CharField(_("tên không dấu"), max_length=500, editable=False, db_index=True)
    search_text = models.TextField(_("nội dung tìm kiếm"), editable=False, blank=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=0, editable=False)
    # Indexed: search reads MAX(updated_at) before every query to know whether its index is current.
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def levels(self) -> list[str]:
        return [
            lv
            for lv, on in (
                ("ministry", self.at_ministry),
                ("province", self.at_province),
                ("district", self.at_district),
                ("commune", self.at_commune),
            )
            if on
        ]


class ProcedureCase(models.Model):
    """Trường hợp: a case of the procedure with its own components (e.g. 'đăng ký đúng hạn')."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="cases", verbose_name=_("thủ tục")
    )
    code = models.CharField(_("mã trường hợp"), max_length=40)
    name = models.CharField(_("tên trường hợp"), max_length=500)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["procedure", "code"], name="case_code_uniq")]
        verbose_name = _("trường hợp")
        verbose_name_plural = _("các trường hợp")

    def __str__(self) -> str:
        return self.name


class ProcedureStep(models.Model):
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="steps", verbose_name=_("thủ tục")
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    title = models.CharField(_("tên bước"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("bước thực hiện")
        verbose_name_plural = _("trình tự thực hiện")

    def __str__(self) -> str:
        return self.title


class ProcedureChannel(models.Model):
    """Cách thức thực hiện: each channel with its own time limit and fee."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="channels", verbose_name=_("thủ tục")
    )
    channel = models.CharField(_("cách thức"), max_length=10, choices=Channel.choices)
    processing_time = models.DecimalField(
        _("thời hạn giải quyết"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    time_unit = models.CharField(
        _("đơn vị thời gian"), max_length=15, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    fee = models.BigIntegerField(_("phí, lệ phí (đồng)"), default=0)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["procedure", "channel"], name="channel_uniq")]
        verbose_name = _("cách thức thực hiện")
        verbose_name_plural = _("cách thức thực hiện")

    def __str__(self) -> str:
        return self.get_channel_display()


class ProcedureComponent(models.Model):
    """Thành phần hồ sơ with quantities, form and the 'replaceable by data' flag."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="components", verbose_name=_("thủ tục")
    )
    case = models.ForeignKey(
        ProcedureCase,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="components",
        verbose_name=_("trường hợp"),
    )
    code = models.CharField(_("mã thành phần"), max_length=40)
    name = models.CharField(_("tên thành phần"), max_length=1000)
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=1)
    copies = models.PositiveSmallIntegerField(_("bản sao"), default=0)
    required = models.BooleanField(_("bắt buộc"), default=True)
    form_code = models.CharField(_("mã mẫu đơn"), max_length=40, blank=True)
    replaceable_by_data = models.BooleanField(_("được thay thế bằng dữ liệu"), default=False)
    digitise_required = models.BooleanField(_("phải số hóa"), default=False)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["procedure", "code"], name="component_code_uniq")]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name


class ProcedureForm(models.Model):
    """Mẫu đơn, tờ khai."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="forms", verbose_name=_("thủ tục")
    )
    code = models.CharField(_("mã mẫu"), max_length=40)
    name = models.CharField(_("tên mẫu"), max_length=500)
    url = models.URLField(_("đường dẫn tải mẫu"), max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("mẫu đơn, tờ khai")
        verbose_name_plural = _("mẫu đơn, tờ khai")

    def __str__(self) -> str:
        return self.name


class ProcedureFee(models.Model):
    class Kind(models.TextChoices):
        FEE = "fee", _("Phí")
        CHARGE = "charge", _("Lệ phí")
        OTHER = "other", _("Nghĩa vụ tài chính khác")

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="fees", verbose_name=_("thủ tục")
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.CHARGE)
    amount = models.BigIntegerField(_("mức thu (đồng)"), default=0)
    channel = models.CharField(
        _("cách thức"), max_length=10, choices=Channel.choices, blank=True, help_text=_("trống = mọi kênh")
    )
    # The case this amount is for (blank: every case), as a component names its case.
    case = models.ForeignKey(
        ProcedureCase,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="fees",
        verbose_name=_("trường hợp"),
        help_text=_("trống = mọi trường hợp"),
    )
    description = models.CharField(_("mô tả"), max_length=500, blank=True)
    exemption = models.CharField(_("miễn, giảm"), max_length=500, blank=True)
    # [{"name": "Hộ nghèo", "percent": 100}, ...]: who may claim a reduction, and how much (catalog.reductions).
    reductions = models.JSONField(_("đối tượng miễn, giảm"), default=list, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount}"

    def clean(self) -> None:
        self.reductions, problems = check_reductions(self.reductions)
        if problems:
            raise ValidationError({"reductions": problems})


class ProcedureResult(models.Model):
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="results", verbose_name=_("thủ tục")
    )
    code = models.CharField(_("mã kết quả"), max_length=40, blank=True)
    name = models.CharField(_("tên kết quả"), max_length=500)
    paper_required = models.BooleanField(_("yêu cầu trả kết quả bằng giấy"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("kết quả thực hiện")
        verbose_name_plural = _("kết quả thực hiện")

    def __str__(self) -> str:
        return self.name


class LegalBasis(models.Model):
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="legal_bases", verbose_name=_("thủ tục")
    )
    number = models.CharField(_("số hiệu"), max_length=80)
    title = models.CharField(_("trích yếu"), max_length=500)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    effective_on = models.DateField(_("ngày hiệu lực"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("căn cứ pháp lý")
        verbose_name_plural = _("căn cứ pháp lý")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ProcedureVersion(models.Model):
    """An immutable snapshot of the whole record; a dossier points at the one it was received under."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="versions", verbose_name=_("thủ tục")
    )
    number = models.PositiveIntegerField(_("số phiên bản"))
    effective_from = models.DateTimeField(_("hiệu lực từ"))
    effective_to = models.DateTimeField(_("hiệu lực đến"), null=True, blank=True)
    record = models.JSONField(_("nội dung thủ tục"))
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        ordering = ["procedure", "-number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="version_number_uniq")]
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"


class NationalRecord(models.Model):
    """What the national database (CSDLQG TTHC) last said about a procedure, and what the province keeps.

    `record` holds the national values last imported, in the canonical record's shape and only for the keys
    the source gives (the list export gives name, field and agencies; the portal's LayThuTuc much more). It
    is the common ancestor of the next import's three-way merge: a field whose local value still equals it
    was not edited by the province and takes the new national value (catalog.national).
    """

    class Source(models.TextChoices):
        LIST_EXPORT = "list_export", _("Tệp danh sách xuất từ CSDLQG về TTHC")
        PORTAL = "portal", _("Cổng Dịch vụ công quốc gia (LayThuTuc)")

    procedure = models.OneToOneField(
        Procedure, on_delete=models.CASCADE, related_name="national", verbose_name=_("thủ tục")
    )
    source = models.CharField(_("nguồn"), max_length=12, choices=Source.choices)
    record = models.JSONField(_("nội dung theo CSDLQG"), default=dict)
    issuing_body = models.CharField(_("cơ quan ban hành"), max_length=500, blank=True)
    local_fields = models.JSONField(
        _("trường địa phương giữ lại"),
        default=list,
        blank=True,
        help_text=_("Các trường luôn giữ giá trị của địa phương khi nhập lại từ CSDLQG"),
    )
    conflicts = models.JSONField(_("trường cả hai bên cùng sửa"), default=list, blank=True)
    unmatched_agencies = models.JSONField(_("cơ quan không khớp tên"), default=list, blank=True)
    imported_at = models.DateTimeField(_("nhập lúc"))

    class Meta:
        verbose_name = _("bản ghi CSDLQG về TTHC")
        verbose_name_plural = _("bản ghi CSDLQG về TTHC")

    def __str__(self) -> str:
        return str(self.get_source_display())


class SearchSynonym(models.Model):
    """A phrase people type and what the catalogue calls it ('làm sổ đỏ' -> 'cấp giấy chứng nhận quyền
    sử dụng đất'). Adds to the reviewed list in catalog/data/search_synonyms.tsv (docs/adr/0025)."""

    phrase = models.CharField(_("cách gọi thường dùng"), max_length=200)
    meaning = models.CharField(_("tên trong danh mục"), max_length=300)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["phrase", "id"]
        verbose_name = _("từ đồng nghĩa khi tìm kiếm")
        verbose_name_plural = _("từ đồng nghĩa khi tìm kiếm")
        constraints = [models.UniqueConstraint(fields=["phrase", "meaning"], name="search_synonym_uniq")]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.meaning}"
