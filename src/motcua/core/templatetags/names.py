"""`{% load names %}` then `{{ user|full_name }}`: a person's name in Vietnamese order."""

from django import template

from motcua.core import names

register = template.Library()


@register.filter
def full_name(user) -> str:
    return names.full_name(user)
