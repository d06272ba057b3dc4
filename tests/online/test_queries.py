"""The statements of each step, pinned (a page that starts looping over rows shows up here)."""

from __future__ import annotations

import pytest

from motcua.online.models import Draft
from tests.clients import signed_in

from .conftest import CODE, upload

pytestmark = pytest.mark.django_db

# Measured on SQLite; each includes the session, user, role and applicant reads of a signed-in request.
# Submitting costs 5 statements per paper (lock, components, count, insert, savepoint): 45 for three, plus the
# portal's own outbox message (ADR 0023).
LIMITS = {
    "start page": 8,
    "start draft": 7,
    "form page": 11,
    "save form": 18,
    "review page": 9,
    "submit": 47,  # + the payment request of the procedure's fee (ADR 0028)
    "confirmation": 8,
    "drafts": 6,
}


def test_query_count_of_each_step(citizen, agencies, procedure, warehouse, django_assert_max_num_queries):
    client = signed_in(citizen)
    client.get(f"/nop-ho-so/{CODE}/")  # warm the per-process caches (procedure version, role scope)
    with django_assert_max_num_queries(LIMITS["start page"]):
        assert client.get(f"/nop-ho-so/{CODE}/").status_code == 200
    with django_assert_max_num_queries(LIMITS["start draft"]):
        response = client.post(
            f"/nop-ho-so/{CODE}/", {"case": "TH1", "agency": agencies["justice"].identifier}
        )
        assert response.status_code == 302
    draft = Draft.objects.get()
    base = f"/nop-ho-so/{CODE}/{draft.key}/"
    with django_assert_max_num_queries(LIMITS["form page"]):
        assert client.get(base + "to-khai/").status_code == 200
    body = {
        "own-phone": "0912345678",
        "file-TP1": upload(),
        "reuse-TP2": f"f{warehouse['paper'].pk}",
        "reuse-TP3": f"r{warehouse['result'].pk}",
        "action": "next",
    }
    with django_assert_max_num_queries(LIMITS["save form"]):
        assert client.post(base + "to-khai/", body).status_code == 302
    with django_assert_max_num_queries(LIMITS["review page"]):
        assert client.get(base + "xem-lai/").status_code == 200
    with django_assert_max_num_queries(LIMITS["submit"]):
        response = client.post(base + "xem-lai/")
        assert response.status_code == 302
    with django_assert_max_num_queries(LIMITS["confirmation"]):
        assert client.get(response["Location"]).status_code == 200
    with django_assert_max_num_queries(LIMITS["drafts"]):
        assert client.get("/nop-ho-so/").status_code == 200
