"""Payment fixtures: the dossier fixtures (a conftest's fixtures reach only its own folder) and the named
staff of the printed-form tests."""

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
named = document_fixtures.named
