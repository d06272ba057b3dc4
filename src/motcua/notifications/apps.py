from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "motcua.notifications"
    label = "notifications"
    verbose_name = "Thông báo cho người nộp"

    def ready(self) -> None:
        from motcua.dossiers.services.events import OUTBOX_TOPIC
        from motcua.integrations import outbox
        from motcua.integrations.transports import registry

        from . import services
        from .transports import EmailTransport, SmsTransport

        # Every dossier change may call for notices, written in its transaction; the worker sends them.
        outbox.derive(OUTBOX_TOPIC, services.plan)
        registry.register(services.topic(EmailTransport.channel), EmailTransport())
        registry.register(services.topic(SmsTransport.channel), SmsTransport())
