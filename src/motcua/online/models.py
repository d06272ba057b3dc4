"""Drafts of online submissions (hồ sơ nháp): what a citizen has filled in so far, kept per account.

A draft is addressed by an opaque random key (never a number that can be counted, never personal data);
every read filters by owner, so another account's key is simply not found. Its files live in private
storage like dossier files and are copied into the dossier when it is submitted, then removed.
"""

from __future__ import annotations

import os
import secrets
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import private_storage


def new_key() -> str:
    return secrets.token_urlsafe(18)  # 144 bits, 24 URL-safe characters


class Draft(models.Model):
    class Step(models.TextChoices):
        CASE = "case", _("Chọn trường hợp")
        FORM = "form", _("Khai thông tin, đính kèm giấy tờ")
        REVIEW = "review", _("Xem lại và nộp")

    key = models.CharField(_("mã nháp"), max_length=32, unique=True, default=new_key, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts", verbose_name=_("tài khoản")
    )
    procedure = models.ForeignKey(
        "catalog.Procedure", on_delete=models.CASCADE, related_name="+", verbose_name=_("thủ tục")
    )
    case_code = models.CharField(_("trường hợp"), max_length=40, blank=True)
    agency = models.ForeignKey(
        "directory.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cơ quan giải quyết"),
    )
    step = models.CharField(_("bước"), max_length=10, choices=Step.choices, default=Step.FORM)
    # Filing for someone else (ủy quyền): `applicant` then holds the person as typed; otherwise only the
    # account holder's contact details as (re)typed. The two are never merged.
    on_behalf = models.BooleanField(_("nộp thay người khác"), default=False)
    own_contact = models.JSONField(_("liên hệ của chủ tài khoản"), default=dict, blank=True)
    applicant = models.JSONField(_("chủ hồ sơ khai thay"), default=dict, blank=True)
    summary = models.TextField(_("trích yếu"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="draft_owner_updated")]
        verbose_name = _("hồ sơ nháp")
        verbose_name_plural = _("hồ sơ nháp")

    def __str__(self) -> str:
        return f"{self.procedure_id}:{self.key[:6]}"


def _draft_path(instance: DraftFile, filename: str) -> str:
    return f"drafts/{instance.draft.key}/{uuid4().hex}{os.path.splitext(filename)[1].lower()}"


class DraftFile(models.Model):
    """One paper of a draft: an upload (bytes in `file`) or a reused warehouse paper (`reuse_key`)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="files", verbose_name=_("nháp"))
    component_code = models.CharField(_("thành phần hồ sơ"), max_length=40)
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=50)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    file = models.FileField(upload_to=_draft_path, storage=private_storage, max_length=255, blank=True)
    reuse_key = models.CharField(_("giấy tờ trong kho dữ liệu"), max_length=24, blank=True)
    result_code = models.CharField(_("mã kết quả thay thế"), max_length=80, blank=True)
    added_at = models.DateTimeField(_("thêm lúc"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("tệp của hồ sơ nháp")
        verbose_name_plural = _("tệp của hồ sơ nháp")

    def __str__(self) -> str:
        return self.name

    @property
    def reused(self) -> bool:
        return bool(self.reuse_key)
