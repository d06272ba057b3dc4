from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DvcqgConfig(AppConfig):
    name = "motcua.integrations.dvcqg"
    label = "dvcqg"
    verbose_name = _("Cổng Dịch vụ công quốc gia")
