from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DvcqgConfig(AppConfig):
    name = "motcua.integrations.dvcqg"
    label = "dvcqg"
    verbose_name = _("Cổng Dịch vụ công quốc gia")

    def ready(self) -> None:
        from motcua.dossiers.services.events import OUTBOX_TOPIC
        from motcua.integrations import outbox
        from motcua.integrations.transports import registry

        from .transport import PREFIX, PortalTransport, derive_message

        # Every dossier change derives the portal's own message in its transaction; the worker sends it
        # (nothing while MOTCUA_DVCQG_URL is empty: the messages wait).
        outbox.derive(OUTBOX_TOPIC, derive_message)
        registry.register(PREFIX, PortalTransport())
