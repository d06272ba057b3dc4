"""Every admin page a system administrator can open renders (no 500 hides in a rarely used screen)."""

import pytest
from django.contrib import admin
from django.urls import reverse


@pytest.mark.django_db
def test_every_changelist_and_add_page_renders(client, people, agencies):
    client.force_login(people["admin"])
    opened = 0
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        response = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, f"{info} changelist: {response.status_code}"
        opened += 1
        if model_admin.has_add_permission(response.wsgi_request):
            response = client.get(reverse("admin:{}_{}_add".format(*info)))
            assert response.status_code == 200, f"{info} add page: {response.status_code}"
    assert opened >= 15
    # A searched changelist with Vietnamese input exercises the search fields too.
    response = client.get(reverse("admin:directory_agency_changelist"), {"q": "Sở Tư pháp"})
    assert response.status_code == 200 and "Sở Tư pháp tỉnh Nghệ An" in response.content.decode()
