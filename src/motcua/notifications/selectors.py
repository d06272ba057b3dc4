"""Reads of the notices sent about a dossier, for the staff's dossier page and the admin."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def notifications_of(dossier) -> QuerySet[Notification]:
    """The dossier's notices in the order of its events (e-mail before SMS for one event). Recipients are
    masked; the caller has already decided the reader may see the dossier."""
    return Notification.objects.filter(dossier_id=dossier.code).order_by("event_seq", "channel", "id")
