"""Dossiers (hồ sơ), their components, fees and append-only event log (domain.md §1.3).

The row holds the current state; `DossierEvent` is the history, never rewritten. Only
`motcua.dossiers.services` changes either.
"""

from __future__ import annotations

import os
from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.storage import LocalPrivateStorage, private_storage  # noqa: F401 (re-exported)

from .statuses import OPEN, PENDING, TOKENS, Status

OPEN_ROWS = models.Q(status__in=sorted(OPEN))
PENDING_ROWS = models.Q(status__in=sorted(PENDING))


class Channel(models.IntegerChoices):
    """KenhThucHien of the national portal."""

    COUNTER = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Dịch vụ bưu chính công ích")


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    ORGANISATION = "organisation", _("Tổ chức, doanh nghiệp")


class OnlinePayment(models.IntegerChoices):
    """DuocThanhToanTrucTuyen (766 indicator 3.6)."""

    NO = 0, _("Không thanh toán trực tuyến")
    NATIONAL = 1, _("Nền tảng thanh toán Cổng DVCQG")
    LOCAL = 2, _("Cổng thanh toán của bộ, ngành, địa phương")


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=60, unique=True)
    procedure = models.ForeignKey(
        "catalog.Procedure", on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("thủ tục")
    )
    procedure_version = models.ForeignKey(
        "catalog.ProcedureVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phiên bản thủ tục"),
    )
    case_code = models.CharField(_("trường hợp"), max_length=40, blank=True)
    agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("cơ quan có thẩm quyền"),
    )
    receiving_agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị tiếp nhận")
    )
    current_agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị đang xử lý")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người đang xử lý"),
    )
    step = models.PositiveSmallIntegerField(
        _("bước của quy trình"),
        default=0,
        help_text=_("0: tại bộ phận một cửa; n: bước thứ n của quy trình xử lý"),
    )
    step_due_at = models.DateTimeField(
        _("hạn của bước đang xử lý"),
        null=True,
        blank=True,
        help_text=_("theo thời gian của bước trong quy trình"),
    )
    channel = models.PositiveSmallIntegerField(_("kênh"), choices=Channel.choices)
    status = models.PositiveSmallIntegerField(_("trạng thái"), choices=Status.choices)

    applicant_kind = models.CharField(
        _("loại chủ hồ sơ"), max_length=20, choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    applicant_name = models.CharField(_("chủ hồ sơ"), max_length=200)
    applicant_name_folded = models.CharField(
        _("tên chủ hồ sơ không dấu"), max_length=200, editable=False, db_index=True
    )
    applicant_id_number = models.CharField(
        _("số định danh cá nhân"), max_length=12, blank=True, db_index=True
    )
    applicant_tax_code = models.CharField(_("mã số thuế"), max_length=14, blank=True)
    applicant_birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    applicant_phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    authorised = models.BooleanField(_("ủy quyền"), default=False)
    authorised_name = models.CharField(_("người được ủy quyền"), max_length=200, blank=True)
    authorised_id_number = models.CharField(_("số định danh người được ủy quyền"), max_length=12, blank=True)
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers",
        verbose_name=_("tài khoản nộp"),
    )
    summary = models.TextField(_("trích yếu"), blank=True)

    submitted_at = models.DateTimeField(_("ngày nộp"))
    received_at = models.DateTimeField(_("ngày tiếp nhận"), null=True, blank=True)
    due_at = models.DateTimeField(_("ngày hẹn trả"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("ngày hẹn trả ban đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("ngày kết thúc xử lý"), null=True, blank=True)
    returned_at = models.DateTimeField(_("ngày trả kết quả"), null=True, blank=True)
    refused_at = models.DateTimeField(_("ngày từ chối"), null=True, blank=True)
    paused_at = models.DateTimeField(_("ngày yêu cầu bổ sung"), null=True, blank=True)
    paused_from_status = models.PositiveSmallIntegerField(
        _("trạng thái trước khi tạm dừng"), null=True, blank=True, choices=Status.choices
    )
    supplement_count = models.PositiveSmallIntegerField(_("số lần yêu cầu bổ sung khi xử lý"), default=0)
    guidance_count = models.PositiveSmallIntegerField(_("số lần hướng dẫn bổ sung khi tiếp nhận"), default=0)
    apology_count = models.PositiveSmallIntegerField(_("số lần xin lỗi, hẹn lại"), default=0)
    apologized_at = models.DateTimeField(_("ngày xin lỗi, hẹn lại"), null=True, blank=True)
    due_at_before_apology = models.DateTimeField(
        _("ngày hẹn trả trước khi xin lỗi"),
        null=True,
        blank=True,
        help_text=_("ngày hẹn được thay bằng ngày hẹn mới trong thư xin lỗi (đã tính thời gian bổ sung)"),
    )

    fee_total = models.BigIntegerField(_("phí, lệ phí phải nộp (đồng)"), default=0)
    fee_paid = models.BigIntegerField(_("đã nộp (đồng)"), default=0)
    result_name = models.CharField(_("kết quả"), max_length=500, blank=True)

    digitised = models.BooleanField(_("có thành phần số hóa"), default=False)
    vneid_verified = models.BooleanField(_("xác thực VNeID"), default=False)
    paid_online = models.PositiveSmallIntegerField(
        _("thanh toán trực tuyến"), choices=OnlinePayment.choices, default=OnlinePayment.NO
    )
    # DSKetNoiCSDL: the national databases queried for this dossier, as their MaCSDL codes (766 indicator 4.5).
    national_databases = models.JSONField(_("CSDL quốc gia đã khai thác"), default=list, blank=True)

    idempotency_key = models.CharField(
        _("khóa chống gửi trùng"), max_length=120, null=True, blank=True, unique=True, editable=False
    )
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    created_at = models.DateTimeField(_("tạo lúc"))
    updated_at = models.DateTimeField(_("cập nhật lúc"))

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="dossier_status_due_idx"),
            models.Index(fields=["agency", "status"], name="dossier_agency_status_idx"),
            models.Index(fields=["current_agency", "status"], name="dossier_current_status_idx"),
            # The log book (Form 06) of one receiving unit, and a dossier's line in it.
            models.Index(fields=["receiving_agency", "received_at"], name="dossier_receiving_book_idx"),
            models.Index(fields=["-submitted_at", "-id"], name="dossier_list_order_idx"),
            # A citizen's own dossiers, newest first (/ca-nhan/): one account's rows, already in page order.
            models.Index(
                fields=["applicant_user", "-submitted_at", "-id"], name="dossier_applicant_list_idx"
            ),
            models.Index(fields=["received_at", "id"], name="dossier_received_order_idx"),
            # The work queue (dossiers.queue): small partial indexes over the few pending rows, so that
            # its pages and counts cost the same at a million dossiers as at a thousand. On PostgreSQL
            # migration 0009 adds the columns the counts read (INCLUDE), for index-only scans.
            models.Index(fields=["due_at", "id"], condition=PENDING_ROWS, name="dossier_pending_due_idx"),
            models.Index(
                fields=["assignee", "due_at", "id"], condition=OPEN_ROWS, name="dossier_open_assignee_idx"
            ),
            models.Index(
                fields=["current_agency", "due_at", "id"],
                condition=PENDING_ROWS,
                name="dossier_pending_current_idx",
            ),
            models.Index(
                fields=["receiving_agency", "status", "due_at", "id"],
                condition=PENDING_ROWS,
                name="dossier_pending_receiving_idx",
            ),
            models.Index(
                fields=["agency", "status", "due_at", "id"],
                condition=PENDING_ROWS,
                name="dossier_pending_agency_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__gte=1, status__lte=10), name="dossier_status_range"
            ),
            models.CheckConstraint(condition=models.Q(channel__in=[1, 2, 3]), name="dossier_channel_valid"),
        ]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")

    def __str__(self) -> str:
        return self.code

    @property
    def status_token(self) -> str:
        return TOKENS[self.status]


class DossierComponent(models.Model):
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="components", verbose_name=_("hồ sơ")
    )
    code = models.CharField(_("mã thành phần"), max_length=40)
    name = models.CharField(_("tên thành phần"), max_length=1000)
    copies = models.PositiveSmallIntegerField(_("số bản"), default=1)
    required = models.BooleanField(_("bắt buộc"), default=True)
    digitised = models.BooleanField(_("đã số hóa"), default=False)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["dossier", "code"], name="dossier_component_uniq")]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name


class DossierFee(models.Model):
    class Kind(models.TextChoices):
        FEE = "fee", _("Phí")
        CHARGE = "charge", _("Lệ phí")
        OTHER = "other", _("Nghĩa vụ tài chính khác")

    class Method(models.TextChoices):
        CASH = "cash", _("Tiền mặt tại bộ phận một cửa")
        TRANSFER = "transfer", _("Chuyển khoản")
        ONLINE = "online", _("Thanh toán trực tuyến")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="fees", verbose_name=_("hồ sơ")
    )
    name = models.CharField(_("tên khoản thu"), max_length=300)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.CHARGE)
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    # The catalogue's amount before the reduction the applicant claimed (`amount` is what is owed after
    # it, 0 when exempted). Null on lines that are not the catalogue's (asked during processing).
    base_amount = models.BigIntegerField(_("mức thu theo thủ tục (đồng)"), null=True, blank=True)
    reduction = models.CharField(_("đối tượng miễn, giảm"), max_length=200, blank=True)
    reduction_percent = models.PositiveSmallIntegerField(_("tỷ lệ miễn, giảm (%)"), default=0)
    paid_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    method = models.CharField(_("hình thức nộp"), max_length=10, choices=Method.choices, blank=True)
    reference = models.CharField(_("số biên lai, mã giao dịch"), max_length=100, blank=True)
    # The payment request this line is paid with (the procedure's fee at filing, or one asked in processing).
    request = models.ForeignKey(
        "payments.PaymentRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lines",
        verbose_name=_("yêu cầu nộp"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("phí, lệ phí của hồ sơ")
        verbose_name_plural = _("phí, lệ phí của hồ sơ")

    def __str__(self) -> str:
        return f"{self.name}: {self.amount}"

    @property
    def exempted(self) -> bool:
        """The whole fee is waived (a 100 % reduction): nothing to pay, the line stays to say so."""
        return self.reduction_percent == 100


class AppendOnly(models.Model):
    """Refuses to update or delete a saved row through the model (history is never rewritten)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("dossier events are append-only: an existing event cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("dossier events are append-only: an event cannot be deleted")


class DossierEvent(AppendOnly):
    # PROTECT: a dossier with history cannot be deleted either.
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="events", verbose_name=_("hồ sơ")
    )
    seq = models.PositiveIntegerField(_("số thứ tự"))
    at = models.DateTimeField(_("thời điểm"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("tài khoản thực hiện"),
    )
    actor_name = models.CharField(_("người thực hiện"), max_length=200, blank=True)
    action = models.CharField(_("thao tác"), max_length=40)
    from_status = models.PositiveSmallIntegerField(
        _("trạng thái trước"), null=True, blank=True, choices=Status.choices
    )
    to_status = models.PositiveSmallIntegerField(_("trạng thái sau"), choices=Status.choices)
    note = models.TextField(_("ghi chú"), blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    data = models.JSONField(_("dữ liệu kèm theo"), default=dict, blank=True)
    due_at = models.DateTimeField(
        _("ngày hẹn trả"), null=True, blank=True, help_text=_("ngày hẹn trả sau sự kiện")
    )
    agency = models.ForeignKey(
        "directory.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("đơn vị giữ hồ sơ sau sự kiện"),
        verbose_name=_("đơn vị giữ hồ sơ"),
    )

    class Meta:
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_event_seq_uniq")]
        indexes = [models.Index(fields=["action", "at"], name="dossier_event_action_at_idx")]
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("quá trình xử lý hồ sơ")

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action}"


# Old migrations name this class; the storage itself is `motcua.core.storage` (STORAGES["private"]).
PrivateStorage = LocalPrivateStorage


def _file_path(instance: DossierFile, filename: str) -> str:
    # The original name is kept in `name`; on disk only a random name with the sniffed extension.
    return f"dossiers/{instance.dossier.code}/{uuid4().hex}{os.path.splitext(filename)[1].lower()}"


class Reuse(models.IntegerChoices):
    """DuocTaiSuDung: where a paper handed in by reuse came from."""

    NO = 0, _("Không")
    WAREHOUSE = 1, _("Từ kho dữ liệu điện tử của tổ chức, cá nhân")
    NATIONAL = 2, _("Từ Cổng Dịch vụ công quốc gia")


class DossierFile(models.Model):
    """A scanned or uploaded paper of a dossier: with a component, or a supplement item.

    `event_seq` names the `supplement` event that handed the file in; it is empty for files that came with
    the submission or the counter reception, and for files still waiting for the applicant to submit the
    supplement (those can still be removed).
    """

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="files", verbose_name=_("hồ sơ")
    )
    component = models.ForeignKey(
        DossierComponent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
        verbose_name=_("thành phần hồ sơ"),
    )
    file = models.FileField(upload_to=_file_path, storage=private_storage, max_length=255)
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("kiểu tệp"), max_length=100)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("tải lên lúc"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người tải lên"),
    )
    event_seq = models.PositiveIntegerField(_("số thứ tự sự kiện bổ sung"), null=True, blank=True)

    # The minimum metadata of a digitised paper (domain.md §1.3, QĐ 1100/QĐ-BKHĐT 2022 Art. 14(1)).
    doc_type = models.CharField(_("mã loại giấy tờ"), max_length=40, blank=True)
    doc_name = models.CharField(_("tên giấy tờ"), max_length=500, blank=True)
    holder_id_number = models.CharField(
        _("số định danh cá nhân, mã số của tổ chức"), max_length=20, blank=True
    )
    # When the holder has no identification number: full name, year of birth, date of issue and issuer.
    holder_name = models.CharField(_("họ và tên chủ giấy tờ"), max_length=200, blank=True)
    holder_birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)
    issued_on = models.DateField(_("ngày cấp"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan cấp"), max_length=300, blank=True)
    content_summary = models.TextField(_("trích yếu nội dung chính"), blank=True)
    valid_from = models.DateField(_("hiệu lực từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến ngày"), null=True, blank=True)
    valid_indefinitely = models.BooleanField(_("không thời hạn"), default=False)
    validity_scope = models.CharField(_("phạm vi hiệu lực"), max_length=300, blank=True)
    digitised = models.BooleanField(
        _("đã số hóa"),
        default=False,
        help_text=_("quét bởi bộ phận một cửa, với đủ siêu dữ liệu tối thiểu của giấy tờ số hóa"),
    )
    # Reuse of a paper the state already holds (domain.md §1.3 TaiLieuNop: DuocTaiSuDung, MaKetQuaThayThe):
    # a copy of a file of the owner's data warehouse instead of a new upload.
    reused = models.PositiveSmallIntegerField(_("được tái sử dụng"), choices=Reuse.choices, default=Reuse.NO)
    reused_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("tệp gốc trong kho dữ liệu"),
    )
    replacing_result = models.CharField(
        _("mã kết quả thay thế"),
        max_length=80,
        blank=True,
        help_text=_("mã kết quả điện tử ({mã hồ sơ}-KQ{n}) dùng thay cho giấy tờ này"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("tệp hồ sơ")
        verbose_name_plural = _("tệp hồ sơ")

    def __str__(self) -> str:
        return self.name


class WorkflowRole(models.TextChoices):
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo phê duyệt")


class Workflow(models.Model):
    """The internal processing workflow (quy trình nội bộ) an agency follows for a procedure, or for all its
    procedures when `procedure` is empty. A `forward` without a recipient goes to the next step.

    Without any workflow the built-in one applies: a specialist of the competent agency, then its leader.
    """

    agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.CASCADE,
        related_name="workflows",
        verbose_name=_("cơ quan giải quyết"),
    )
    procedure = models.ForeignKey(
        "catalog.Procedure",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="workflows",
        help_text=_("trống: quy trình chung cho mọi thủ tục của cơ quan"),
        verbose_name=_("thủ tục"),
    )
    name = models.CharField(_("tên quy trình"), max_length=300)

    class Meta:
        ordering = ["agency", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "procedure"], name="workflow_agency_procedure_uniq"),
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(procedure__isnull=True),
                name="workflow_agency_default_uniq",
            ),
        ]
        verbose_name = _("quy trình xử lý")
        verbose_name_plural = _("quy trình xử lý")

    def __str__(self) -> str:
        return self.name


class WorkflowStep(models.Model):
    workflow = models.ForeignKey(
        Workflow, on_delete=models.CASCADE, related_name="steps", verbose_name=_("quy trình")
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    title = models.CharField(_("tên bước"), max_length=300)
    agency = models.ForeignKey(
        "directory.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("trống: cơ quan giải quyết của hồ sơ"),
        verbose_name=_("cơ quan thực hiện bước"),
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=WorkflowRole.choices)
    time = models.DecimalField(
        _("thời gian của bước (ngày làm việc)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("trống: bước không có hạn riêng"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("trống: người duy nhất giữ vai trò này ở cơ quan, nếu có nhiều thì cả nhóm"),
        verbose_name=_("người được giao"),
    )

    class Meta:
        ordering = ["workflow", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["workflow", "order"], name="workflow_step_order_uniq")]
        verbose_name = _("bước của quy trình")
        verbose_name_plural = _("các bước của quy trình")

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"
