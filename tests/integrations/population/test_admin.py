"""The audit log in the admin: system administrators only, read-only, personal IDs masked in the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.core.masking import mask_id_number
from motcua.integrations.population.models import Lookup
from tests.clients import signed_in
from tests.portal.test_pages import visible

pytestmark = pytest.mark.django_db
LIST = "/admin/population/lookup/"


@pytest.fixture
def rows(people):
    now = timezone.now()
    return [
        Lookup.objects.create(
            at=now - timedelta(minutes=i),
            user=people["tiepnhan"],
            username="tiepnhan",
            id_number=f"0401900012{i:02d}",
            purpose="counter" if i % 2 else "online_self",
            outcome=("match", "mismatch", "not_found", "error")[i % 4],
            mismatched=["birth_date"] if i % 4 == 1 else [],
            error_code="population_unavailable" if i % 4 == 3 else "",
        )
        for i in range(30)
    ]


def test_the_list_masks_ids_and_filters(people, rows, django_assert_max_num_queries):
    admin = signed_in(people["admin"])
    admin.get(LIST)
    with django_assert_max_num_queries(8):
        r = admin.get(LIST)
    assert r.status_code == 200
    html = r.content.decode()
    assert mask_id_number("040190001200") == "040******200" and "040******200" in html
    assert not any(row.id_number in html for row in rows)
    assert "ngày sinh" in visible(r)
    errors = admin.get(LIST, {"outcome__exact": "error"})
    assert errors.status_code == 200 and visible(errors).count("population_unavailable") >= 7
    # The whole number only on the row's own page, read-only.
    one = admin.get(f"{LIST}{rows[0].pk}/change/")
    assert one.status_code == 200 and rows[0].id_number in one.content.decode()
    assert 'name="id_number"' not in one.content.decode()
    assert admin.get(f"{LIST}add/").status_code == 403


def test_officers_and_citizens_never_see_it(people, rows):
    for name in ("tiepnhan", "congdan"):
        r = signed_in(people[name]).get(LIST)
        assert r.status_code == 403 and "040190001200" not in r.content.decode()
