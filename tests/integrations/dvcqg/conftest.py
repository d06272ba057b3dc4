"""Dossiers moved through the services (the fixtures of tests/dossiers and tests/documents)."""

from __future__ import annotations

from tests.documents import conftest as document_fixtures
from tests.dossiers import conftest as dossier_fixtures

counter, online, perform, procedure = (
    dossier_fixtures.counter,
    dossier_fixtures.online,
    dossier_fixtures.perform,
    dossier_fixtures.procedure,
)
fast_passwords = dossier_fixtures.fast_passwords
named, lifecycle = document_fixtures.named, document_fixtures.lifecycle
