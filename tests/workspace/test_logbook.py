"""The log book page (Form 06) for the units whose book the officer keeps."""

from __future__ import annotations

import pytest

from tests.clients import signed_in
from tests.portal.test_pages import visible

pytestmark = pytest.mark.django_db


def test_the_keeper_picks_a_period_and_gets_the_pdf_or_the_xlsx(people):
    page = signed_in(people["tiepnhan"])
    r = page.get("/can-bo/so-theo-doi/")
    assert r.status_code == 200
    assert "Trung tâm Phục vụ hành chính công tỉnh Nghệ An" in visible(r)
    assert 'href="/can-bo/so-theo-doi/"' in page.get("/can-bo/").content.decode()
    params = {"agency": "000.00.00.H40", "from": "2025-08-01", "to": "2025-08-31"}
    r = page.get("/can-bo/so-theo-doi/", {**params, "format": "pdf"})
    assert (r.status_code, r["Content-Type"]) == (200, "application/pdf")
    r = page.get("/can-bo/so-theo-doi/", {**params, "format": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_bad_period_is_said_on_the_page(people):
    page = signed_in(people["tiepnhan"])
    r = page.get(
        "/can-bo/so-theo-doi/",
        {"agency": "000.00.00.H40", "from": "2025-09-01", "to": "2025-08-01", "format": "pdf"},
    )
    assert r.status_code == 422 and "phải trước" in visible(r)


def test_who_keeps_no_book_does_not_get_one(people):
    page = signed_in(people["chuyenvien"])
    assert "/can-bo/so-theo-doi/" not in page.get("/can-bo/").content.decode()
    assert page.get("/can-bo/so-theo-doi/").status_code == 404
    r = page.get("/can-bo/so-theo-doi/", {"agency": "000.00.00.H40", "format": "pdf"})
    assert r.status_code == 403
    assert signed_in(people["congdan"]).get("/can-bo/so-theo-doi/").status_code == 404
