from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "motcua.directory"
    label = "directory"
    verbose_name = _("Danh mục cơ quan, đơn vị")

    def ready(self):
        from . import calendars  # noqa: F401  (connects the CalendarDay cache-invalidation signals)
