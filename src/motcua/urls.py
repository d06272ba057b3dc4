from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from motcua.access.errors import API_PREFIX
from motcua.api.router import api

urlpatterns = [
    # The admin has no sign-in form of its own: its login URL leads to /dang-nhap/ (access/admin_site.py).
    path("admin/", admin.site.urls),
    path(API_PREFIX.lstrip("/"), api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("can-bo/", include("motcua.workspace.urls")),
    path("dang-nhap/vneid/", include("motcua.integrations.vneid.urls")),
    path("nop-ho-so/", include("motcua.online.urls")),
    path("ca-nhan/", include("motcua.portal.personal_urls")),
    path("ket-qua/", include("motcua.documents.urls")),
    path("", include("motcua.portal.urls")),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Under /api/v1/ Django's own answers are the API's JSON {code, message}; pages keep their HTML.
handler400 = "motcua.access.errors.bad_request"
handler403 = "motcua.access.errors.permission_denied"
handler404 = "motcua.access.errors.page_not_found"
handler500 = "motcua.access.errors.server_error"
