from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The officers' workspace under /can-bo/: work queue, counter reception, the dossier page."""

    name = "motcua.workspace"
    verbose_name = "Không gian làm việc của cán bộ"
