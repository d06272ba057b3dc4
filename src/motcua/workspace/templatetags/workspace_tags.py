"""Labels for the workspace templates."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

TIMELINESS_LABELS = {
    "early": _("Trước hạn"),
    "on_time": _("Đúng hạn"),
    "late": _("Quá hạn"),
    "in_time": _("Trong hạn"),
    "overdue": _("Quá hạn"),
    "due_today": _("Đến hạn hôm nay"),
    "due_soon": _("Sắp đến hạn"),
}


@register.filter
def timeliness_label(value: str | None) -> str:
    return TIMELINESS_LABELS.get(value or "", "")


@register.filter
def get(mapping, key):
    """`{{ counts|get:key }}`: a dict's value by a variable key."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
