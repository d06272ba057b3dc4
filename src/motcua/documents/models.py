"""Electronic results (kết quả điện tử): the signed PDF a completed dossier issues (domain.md §1.3, §1.5).

Nghị định 45/2020 Art. 14(3): the result carries the competent agency's digital signature, has the code
`{MaHoSo}-KQ{n}` and goes into the owner's personal data warehouse. A revoked result stays stored and
retrievable for the retention period, and says it was revoked.
"""

from __future__ import annotations

import os
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import private_storage


def _result_path(instance: Result, filename: str) -> str:
    return f"results/{instance.dossier.code}/{uuid4().hex}{os.path.splitext(filename)[1].lower() or '.pdf'}"


class Result(models.Model):
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="results", verbose_name=_("hồ sơ")
    )
    n = models.PositiveSmallIntegerField(_("số thứ tự kết quả"))
    code = models.CharField(_("mã kết quả"), max_length=80, unique=True)
    name = models.CharField(_("tên giấy tờ kết quả"), max_length=500)
    file = models.FileField(upload_to=_result_path, storage=private_storage, max_length=255)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    issuing_agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan ban hành")
    )
    signed_by = models.CharField(_("người ký, cơ quan ký"), max_length=300)
    signer_certificate = models.CharField(_("dấu vân tay chứng thư số (SHA-256)"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("ký lúc"))
    # The warehouse the result belongs to (TT 01/2023 Art. 24): the dossier owner's ID number, and their
    # account when the dossier has one.
    owner_id_number = models.CharField(_("số định danh chủ sở hữu"), max_length=20, blank=True, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="results",
        verbose_name=_("tài khoản chủ sở hữu"),
    )
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người thu hồi"),
    )
    revoked_reason = models.TextField(_("lý do thu hồi"), blank=True)

    class Meta:
        ordering = ["dossier_id", "n"]
        constraints = [models.UniqueConstraint(fields=["dossier", "n"], name="result_dossier_n_uniq")]
        verbose_name = _("kết quả điện tử")
        verbose_name_plural = _("kết quả điện tử")

    def __str__(self) -> str:
        return self.code

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
