"""Shared admin pieces."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """For append-only history (events, procedure versions): visible in admin, never written from it."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
