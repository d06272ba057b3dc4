"""Transactional outbox: what other systems must learn, written in the same transaction as the change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        DELIVERED = "delivered", _("Đã gửi")
        DEAD = "dead", _("Gửi lỗi (dừng thử lại)")

    topic = models.CharField(_("loại bản tin"), max_length=60)
    key = models.CharField(
        _("khóa thứ tự"),
        max_length=80,
        db_index=True,
        help_text=_("ví dụ mã hồ sơ; các bản tin cùng khóa được gửi theo thứ tự"),
    )
    payload = models.JSONField(_("nội dung"))
    idempotency_key = models.CharField(_("khóa chống gửi trùng"), max_length=120, unique=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("số lần đã gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lần tới lúc"), db_index=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    delivered_at = models.DateTimeField(_("gửi xong lúc"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            # The purge of delivered rows; partial, so that intake's inserts (pending) never touch it.
            models.Index(
                fields=["delivered_at"], name="outbox_delivered_idx", condition=models.Q(status="delivered")
            ),
        ]
        verbose_name = _("bản tin chờ đồng bộ")
        verbose_name_plural = _("hàng đợi đồng bộ (outbox)")

    def __str__(self) -> str:
        return f"{self.topic} {self.key} #{self.pk}"
