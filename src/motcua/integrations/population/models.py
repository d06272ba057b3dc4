"""Lookups in the National Population Database (domain.md §4, §7.2); see population/client.py.

`Lookup` is the audit log: every call to the platform (answered or failed) is one row, written by
`services.lookup` and never changed afterwards except to name the dossier filed from the form it served.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.masking import mask_id_number


class Lookup(models.Model):
    class Purpose(models.TextChoices):
        COUNTER = "counter", _("Tiếp nhận tại quầy")
        ONLINE_SELF = "online_self", _("Nộp trực tuyến: chủ tài khoản")
        ONLINE_BEHALF = "online_behalf", _("Nộp trực tuyến: người được nộp thay")

    class Outcome(models.TextChoices):
        MATCH = "match", _("Khớp")
        MISMATCH = "mismatch", _("Không khớp")
        NOT_FOUND = "not_found", _("Không tìm thấy")
        ERROR = "error", _("Lỗi kết nối")

    at = models.DateTimeField(_("lúc"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người tra cứu"),
    )
    username = models.CharField(_("tài khoản"), max_length=150)  # kept when the account is removed
    # The personal ID looked up, whole: the audit must answer "who looked this person up". Shown masked.
    id_number = models.CharField(_("số định danh được tra cứu"), max_length=12)
    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    # The form the lookup served: the counter form's token or the online draft's key (never personal data).
    reference = models.CharField(_("biểu mẫu"), max_length=80, blank=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hồ sơ"),
    )
    outcome = models.CharField(_("kết quả"), max_length=12, choices=Outcome.choices)
    mismatched = models.JSONField(_("trường không khớp"), default=list, blank=True)
    error_code = models.CharField(_("mã lỗi"), max_length=40, blank=True)
    transaction = models.CharField(_("mã giao dịch của nền tảng"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="poplookup_at"),
            models.Index(fields=["id_number", "-at"], name="poplookup_person"),
            models.Index(fields=["user", "reference"], name="poplookup_form"),
        ]
        verbose_name = _("lượt tra cứu CSDL dân cư")
        verbose_name_plural = _("nhật ký tra cứu CSDL dân cư")

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.username} {mask_id_number(self.id_number)}"
