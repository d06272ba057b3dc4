# Modules, not classes: Django picks an app's config among the AppConfig classes this module holds.
import axes.apps
import django.contrib.admin.apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    """Who is calling and how often: API tokens, idempotent writes, throttles. Below every app's API."""

    default = True
    name = "motcua.access"
    label = "access"
    verbose_name = _("Truy cập")


class AdminConfig(django.contrib.admin.apps.AdminConfig):
    """The Django admin with motcua's site: system administrators only, in Vietnamese (admin_site.py)."""

    default = False
    default_site = "motcua.access.admin_site.MotcuaAdminSite"


class AxesConfig(axes.apps.AppConfig):
    """django-axes (the sign-in throttle) under a Vietnamese name in the admin."""

    default = False
    verbose_name = _("Khóa đăng nhập")
