from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "motcua.directory"
    label = "directory"
    verbose_name = "Danh mục cơ quan, đơn vị"

    def ready(self):
        from . import calendars  # noqa: F401  (connects the CalendarDay cache-invalidation signals)
