from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "motcua.directory"
    label = "directory"
    verbose_name = "Danh mục cơ quan, đơn vị"
