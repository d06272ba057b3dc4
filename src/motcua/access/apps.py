from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Who is calling and how often: API tokens, idempotent writes, throttles. Below every app's API."""

    name = "motcua.access"
    label = "access"
    verbose_name = "Truy cập"
