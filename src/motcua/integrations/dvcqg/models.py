"""What the National Public Service Portal holds of each dossier (contract §7, domain.md §7.1).

One row per dossier the portal has acknowledged at least once, written only by the portal transport after an
`error_code: 0` answer. `acked_version` is the dossier version (DossierEvent.seq) of the state the portal
last stored: it only ever grows, and a dossier whose `version` is above it has changes the portal lacks.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PortalSync(models.Model):
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="portal_sync",
        verbose_name=_("hồ sơ"),
    )
    acked_version = models.PositiveIntegerField(_("phiên bản Cổng đã nhận"), default=0)
    acked_status = models.PositiveSmallIntegerField(_("trạng thái Cổng đã nhận"), null=True, blank=True)
    # When the portal first held the dossier (766 indicator 1.4 counts it as synced from then on) and when
    # it last acknowledged a state.
    first_acked_at = models.DateTimeField(_("Cổng nhận lần đầu lúc"), null=True, blank=True)
    acked_at = models.DateTimeField(_("Cổng xác nhận gần nhất lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("trạng thái đồng bộ với Cổng DVCQG")
        verbose_name_plural = _("trạng thái đồng bộ với Cổng DVCQG")

    def __str__(self) -> str:
        return f"{self.dossier_id} v{self.acked_version}"
