from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "motcua.documents"
    label = "documents"
    verbose_name = "Biểu mẫu, kết quả điện tử"

    def ready(self) -> None:
        from . import issuing

        # A completed dossier's result is issued in the completion's transaction (ADR 0019).
        issuing.connect()
