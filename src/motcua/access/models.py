from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The first response to a write carrying an Idempotency-Key, replayed for the same key and body."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, verbose_name=_("tài khoản")
    )
    key = models.CharField(_("khóa chống gửi trùng"), max_length=200)
    method = models.CharField(_("phương thức"), max_length=8)
    path = models.CharField(_("đường dẫn"), max_length=500)
    request_hash = models.CharField(_("mã băm yêu cầu"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("mã trạng thái"))
    response_body = models.BinaryField(_("nội dung trả lời"))
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        db_table = "api_idempotencyrecord"  # created by the api app before it moved here (access 0001)
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq")]
        verbose_name = _("bản ghi chống gửi trùng")
        verbose_name_plural = _("bản ghi chống gửi trùng")

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class ApiToken(models.Model):
    """Bearer token; only its SHA-256 is stored. Valid while not revoked, not expired and its user is active."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("tài khoản"),
    )
    key_hash = models.CharField(_("mã băm SHA-256"), max_length=64, unique=True)
    prefix = models.CharField(_("tiền tố"), max_length=8)
    created_at = models.DateTimeField(_("ngày cấp"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("lần dùng gần nhất"), null=True, blank=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    revoked = models.BooleanField(_("đã thu hồi"), default=False)

    class Meta:
        db_table = "directory_apitoken"  # created by the directory app before it moved here (access 0002)
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def state(self) -> str:
        if self.revoked:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "active"


class ThrottleCounter(models.Model):
    """Misses counted in one time window for one client or target (`motcua.access.throttle`).

    The key is an HMAC of what is counted and the window, never the address or dossier code itself.
    """

    key = models.CharField(_("khóa"), max_length=64, primary_key=True)
    hits = models.PositiveIntegerField(_("số lần"), default=0)
    expires_at = models.DateTimeField(_("hết hạn lúc"), db_index=True)

    class Meta:
        verbose_name = _("bộ đếm giới hạn truy cập")
        verbose_name_plural = _("bộ đếm giới hạn truy cập")

    def __str__(self) -> str:
        return f"{self.key[:12]}…: {self.hits}"
