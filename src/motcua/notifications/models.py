"""The record of every notice to an applicant: one row per dossier event and channel, kept after the outbox
message that carried it is purged."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Đã tiếp nhận hồ sơ")
        SUPPLEMENT = "supplement", _("Yêu cầu bổ sung hồ sơ")
        APOLOGY = "apology", _("Xin lỗi và hẹn lại ngày trả")
        REFUSAL = "refusal", _("Từ chối tiếp nhận")
        STOP = "stop", _("Dừng xử lý")
        RESULT = "result", _("Đã có kết quả")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Thư điện tử")
        SMS = "sms", _("Tin nhắn SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi lỗi, đang thử lại")
        DEAD = "dead", _("Gửi lỗi, dừng thử lại")
        SKIPPED = "skipped", _("Không gửi (không có địa chỉ)")

    # "{dossier code}:{event seq}:{channel}", also the carrying outbox message's idempotency key: the
    # sender records a send against it, so a re-delivered message never sends twice.
    key = models.CharField(_("khóa"), max_length=120, unique=True)
    # By code, the key the dossier's outbox messages already carry: the notice is planned from the
    # message alone, without reading the dossier row back.
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        to_field="code",
        db_column="dossier_code",
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("hồ sơ"),
        db_index=False,  # the (dossier, event_seq) index below serves it
    )
    event_seq = models.PositiveIntegerField(_("sự kiện số"))
    kind = models.CharField(_("loại thông báo"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    # Masked (091****678, h**@example.vn): the full address travels only in the outbox message.
    recipient = models.CharField(_("người nhận"), max_length=120, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices)
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    created_at = models.DateTimeField(_("tạo lúc"))
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    # A short summary (status code, error class): providers' answers may quote the address.
    error = models.CharField(_("lỗi gần nhất"), max_length=300, blank=True)
    provider_ref = models.CharField(_("mã tin của nhà cung cấp"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["dossier", "event_seq"], name="notification_dossier_idx")]
        verbose_name = _("thông báo cho người nộp")
        verbose_name_plural = _("thông báo cho người nộp")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_channel_display()}) {self.dossier_id}"
