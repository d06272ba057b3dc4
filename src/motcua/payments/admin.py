"""Payments in the admin: the online-payment share page (admin_reports, ADR 0034)."""

from . import admin_reports  # noqa: F401 (registers the Payment admin and its share page)
