"""Fees and payments of dossiers (domain.md §1.3, §5; contract §8; ADR 0028).

* `PaymentRequest`: what a dossier owes and why: the procedure's fee at filing, or a financial obligation
  asked for during processing (status 6). Paid whole by one `Payment`.
* `PaymentAttempt`: one try to pay a request online through a gateway (`MaThamChieu` = `reference`); a
  request may have several (failed, abandoned, paid).
* `Payment`: money actually received (online, cash or transfer at the counter); carries its receipt (biên
  lai) and, when given back, its `Refund`.
* `PaymentNotice`: every confirmation the gateway posted or a query answered, accepted or not: the log the
  officers and the auditors read; those that need an officer are `flagged`.
* `ReceivingAccount`: an agency's bank account (VietQR, receipts) and its receipt series.

Money is an integer number of đồng.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class ReceivingAccount(models.Model):
    """The account an agency collects fees on, and how its receipts are numbered (Nghị định 123/2020 Art. 32)."""

    agency = models.OneToOneField(
        "directory.Agency",
        on_delete=models.CASCADE,
        related_name="receiving_account",
        verbose_name=_("cơ quan"),
    )
    bank_bin = models.CharField(_("mã BIN ngân hàng (NAPAS)"), max_length=6)
    bank_name = models.CharField(_("ngân hàng"), max_length=200)
    account_number = models.CharField(_("số tài khoản"), max_length=19)
    account_name = models.CharField(_("tên tài khoản"), max_length=100)
    tax_code = models.CharField(_("mã số thuế của tổ chức thu"), max_length=14, blank=True)
    receipt_form = models.CharField(
        _("ký hiệu mẫu biên lai"), max_length=20, default="01BLP0-001", help_text=_("in trên biên lai")
    )
    receipt_series = models.CharField(
        _("ký hiệu biên lai"),
        max_length=20,
        help_text=_("ví dụ AA-26E; số biên lai đánh liên tục theo ký hiệu"),
    )
    receipt_last_number = models.PositiveIntegerField(_("số biên lai đã cấp gần nhất"), default=0)

    class Meta:
        verbose_name = _("tài khoản thu phí của cơ quan")
        verbose_name_plural = _("tài khoản thu phí của cơ quan")

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number}"


class PaymentRequest(models.Model):
    class Kind(models.TextChoices):
        FILING = "filing", _("Phí, lệ phí của thủ tục")
        PROCESSING = "processing", _("Nghĩa vụ tài chính trong quá trình giải quyết")

    class State(models.TextChoices):
        OPEN = "open", _("Chờ nộp")
        PAID = "paid", _("Đã nộp")
        CANCELLED = "cancelled", _("Không phải nộp")

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="payment_requests", verbose_name=_("hồ sơ")
    )
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    reason = models.CharField(_("nội dung"), max_length=300)
    state = models.CharField(_("tình trạng"), max_length=10, choices=State.choices, default=State.OPEN)
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    requested_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người yêu cầu"),
    )
    settled_at = models.DateTimeField(_("đã nộp lúc"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payreq_amount_positive")]
        indexes = [models.Index(fields=["dossier", "state"], name="payreq_dossier")]
        verbose_name = _("yêu cầu nộp phí, lệ phí")
        verbose_name_plural = _("yêu cầu nộp phí, lệ phí")

    def __str__(self) -> str:
        return f"{self.reason}: {self.amount}"


class PaymentAttempt(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Đang chờ kết quả")
        PAID = "paid", _("Đã thanh toán")
        FAILED = "failed", _("Không thành công")
        EXPIRED = "expired", _("Quá hạn, không có kết quả")
        SUPERSEDED = "superseded", _("Yêu cầu đã được nộp bằng cách khác")

    request = models.ForeignKey(
        PaymentRequest, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("yêu cầu nộp")
    )
    gateway = models.CharField(_("cổng thanh toán"), max_length=40)
    reference = models.CharField(_("mã tham chiếu (MaThamChieu)"), max_length=50, unique=True)
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    state = models.CharField(_("tình trạng"), max_length=12, choices=State.choices, default=State.PENDING)
    started_at = models.DateTimeField(_("bắt đầu lúc"))
    started_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người nộp")
    )
    # What INIT sent as ThoiGianGD and ThongTinGiaoDich: a query and a reconciliation quote them back.
    init_time = models.CharField(_("thời gian gửi (ThoiGianGD)"), max_length=14)
    description = models.CharField(_("nội dung giao dịch"), max_length=255)
    redirect_url = models.URLField(_("trang thanh toán"), max_length=1000, blank=True)
    transaction_id = models.CharField(_("mã giao dịch (MaGiaoDich)"), max_length=64, blank=True)
    bank_code = models.CharField(_("ngân hàng (MaNganHang)"), max_length=20, blank=True)
    result_code = models.CharField(_("mã kết quả (MaLoi)"), max_length=10, blank=True)
    finished_at = models.DateTimeField(_("có kết quả lúc"), null=True, blank=True)
    queried_at = models.DateTimeField(_("đối soát lần cuối"), null=True, blank=True)
    query_count = models.PositiveIntegerField(_("số lần đối soát"), default=0)

    class Meta:
        ordering = ["id"]
        indexes = [
            # Reconciliation reads the attempts still waiting, oldest first.
            models.Index(fields=["started_at"], condition=Q(state="pending"), name="payattempt_pending"),
        ]
        verbose_name = _("lượt thanh toán trực tuyến")
        verbose_name_plural = _("lượt thanh toán trực tuyến")

    def __str__(self) -> str:
        return self.reference


class Payment(models.Model):
    """Money received for one request; its receipt (biên lai) is numbered in the collecting agency's series."""

    class Method(models.TextChoices):
        ONLINE = "online", _("Thanh toán trực tuyến")
        CASH = "cash", _("Tiền mặt tại bộ phận một cửa")
        TRANSFER = "transfer", _("Chuyển khoản")

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="payments", verbose_name=_("hồ sơ")
    )
    request = models.OneToOneField(
        PaymentRequest, on_delete=models.PROTECT, related_name="payment", verbose_name=_("yêu cầu nộp")
    )
    attempt = models.OneToOneField(
        PaymentAttempt,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
        verbose_name=_("lượt thanh toán"),
    )
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    method = models.CharField(_("hình thức nộp"), max_length=10, choices=Method.choices)
    # DuocThanhToanTrucTuyen of this payment: 1 national platform, 2 a local gateway, 0 counter.
    online = models.PositiveSmallIntegerField(_("thanh toán trực tuyến"), default=0)
    reference = models.CharField(_("mã giao dịch, số chứng từ"), max_length=100, blank=True)
    paid_at = models.DateTimeField(_("nộp lúc"))
    payer_name = models.CharField(_("người nộp"), max_length=200)
    collected_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người thu")
    )
    agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan thu")
    )
    receipt_form = models.CharField(_("ký hiệu mẫu biên lai"), max_length=20, blank=True)
    receipt_series = models.CharField(_("ký hiệu biên lai"), max_length=20, blank=True)
    receipt_number = models.PositiveIntegerField(_("số biên lai"), null=True, blank=True)
    receipt_file = models.CharField(_("tệp biên lai"), max_length=300, blank=True, editable=False)
    receipt_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["agency", "receipt_series", "receipt_number"],
                condition=Q(receipt_number__isnull=False),
                name="payment_receipt_number_uniq",
            ),
        ]
        indexes = [models.Index(fields=["agency", "paid_at"], name="payment_agency_day")]
        verbose_name = _("khoản đã nộp")
        verbose_name_plural = _("khoản đã nộp")

    def __str__(self) -> str:
        return f"{self.amount} ({self.get_method_display()})"


class Refund(models.Model):
    """Money given back (dossier refused or withdrawn where the law allows); one per payment."""

    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="refund", verbose_name=_("khoản đã nộp")
    )
    amount = models.BigIntegerField(_("số tiền hoàn (đồng)"))
    reason = models.CharField(_("lý do"), max_length=500)
    reference = models.CharField(_("số chứng từ hoàn"), max_length=100, blank=True)
    at = models.DateTimeField(_("hoàn lúc"))
    by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người hoàn")
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]
        verbose_name = _("hoàn trả phí, lệ phí")
        verbose_name_plural = _("hoàn trả phí, lệ phí")

    def __str__(self) -> str:
        return f"{self.amount}: {self.reason}"


class PaymentNotice(models.Model):
    """One confirmation posted by a gateway or one query answer, as received, with what motcua did."""

    class Source(models.TextChoices):
        CALLBACK = "callback", _("Xác nhận gửi đến")
        QUERY = "query", _("Kết quả tra cứu đối soát")

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Đã ghi nhận thanh toán")
        FAILED = "failed", _("Giao dịch không thành công")
        PENDING = "pending", _("Giao dịch chưa có kết quả")
        DUPLICATE = "duplicate", _("Đã ghi nhận trước đó")
        MALFORMED = "malformed", _("Sai cấu trúc")
        BAD_SIGNATURE = "bad_signature", _("Sai chữ ký (MaXacThuc)")
        UNKNOWN = "unknown", _("Không có giao dịch này")
        WRONG_PARTNER = "wrong_partner", _("Sai mã đối tác")
        WRONG_AMOUNT = "wrong_amount", _("Sai số tiền")
        CONFLICT = "conflict", _("Mâu thuẫn với kết quả đã ghi nhận")
        ALREADY_PAID = "already_paid", _("Yêu cầu đã được nộp bằng lượt khác")
        REFUNDED = "refunded", _("Khoản phí đã hoàn trả hoặc không còn phải nộp")

    received_at = models.DateTimeField(_("nhận lúc"))
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices)
    gateway = models.CharField(_("cổng thanh toán"), max_length=40)
    reference = models.CharField(_("mã tham chiếu"), max_length=50, blank=True)
    attempt = models.ForeignKey(
        PaymentAttempt,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notices",
        verbose_name=_("lượt thanh toán"),
    )
    result_code = models.CharField(_("MaLoi"), max_length=10, blank=True)
    amount = models.BigIntegerField(_("số tiền báo về"), null=True, blank=True)
    transaction_id = models.CharField(_("mã giao dịch"), max_length=64, blank=True)
    outcome = models.CharField(_("xử lý"), max_length=16, choices=Outcome.choices)
    # The message as received (a gateway's confirmation carries no personal data), capped in size.
    body = models.JSONField(_("nội dung"), default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(_("địa chỉ gửi"), null=True, blank=True)
    flagged = models.BooleanField(_("cần cán bộ xem"), default=False)
    resolved_at = models.DateTimeField(_("đã xử lý lúc"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người xử lý"),
    )
    resolution = models.CharField(_("cách xử lý"), max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="paynotice_at"),
            models.Index(fields=["reference"], name="paynotice_ref"),
            models.Index(
                fields=["-received_at"],
                condition=Q(flagged=True, resolved_at__isnull=True),
                name="paynotice_open_flags",
            ),
        ]
        verbose_name = _("thông báo từ cổng thanh toán")
        verbose_name_plural = _("thông báo từ cổng thanh toán")

    def __str__(self) -> str:
        return f"{self.reference or '?'}: {self.get_outcome_display()}"
